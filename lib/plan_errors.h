/* The problems found in a plan file, as people read them. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "lanu/macro.h"

#define PLAN_ERRORS_MAX 200

/* Problems found in a plan, each "NAME:LINE:COLUMN: what (expected)". */
struct plan_errors {
	char **v;
	size_t n;
	size_t dropped;		/* beyond PLAN_ERRORS_MAX, counted only */
};

/* Appends "name:line:col: message" ("name: message" for line 0). Beyond
 * PLAN_ERRORS_MAX, or out of memory, the problem is only counted in dropped. */
void plan_errors_vadd(struct plan_errors *e, const char *name, unsigned long line,
		      unsigned long col, const char *fmt, va_list ap) _printf_(5, 0);

/* Frees every message and empties e. */
void plan_errors_free(struct plan_errors *e);
