/* Internal to plan.c and plan_check.c: the state of one plan parse. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "plan.h"

/* Where the value stored at addr was written. */
struct plan_pos {
	const void *addr;
	unsigned long line, col;
};

struct plan_parser {
	const char *name;
	yaml_document_t doc;
	struct plan_errors *errs;
	size_t n_errors;	/* of this parse, reported or dropped */
	struct plan_pos *pos;
	size_t n_pos, cap_pos;
	int depth;
	bool oom;
};

const struct plan_pos *plan_pos_find(const struct plan_parser *p, const void *addr);
