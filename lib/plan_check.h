/* What a parsed plan must satisfy beyond its shape (plan.c calls it last). */
#pragma once

#include "plan.pb-c.h"

struct plan_parser;

/* Checks plan, reporting every problem through p at the position of the value that
 * is wrong, and fills in defaults (the time zone). Returns 0, -EINVAL if it found
 * a problem, -ENOMEM. */
int plan_check(struct plan_parser *p, const Lanu__V1__Plan *plan);
