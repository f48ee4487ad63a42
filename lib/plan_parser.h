/* The state of one plan parse, shared by plan.c (the walk) and plan_check.c (the
 * checks on the finished Plan): the problems found and where each value came from. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "lanu/macro.h"

struct plan_errors;

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

/* Adds "NAME:LINE:COL: message" (line 0: "NAME: message") to p's errors; beyond
 * PLAN_ERRORS_MAX, or out of memory, it is only counted. */
void plan_parser_verror(struct plan_parser *p, unsigned long line, unsigned long col,
			const char *fmt, va_list ap) _printf_(4, 0);

/* The same at the position where the value stored at addr was written (none if
 * addr is NULL or unknown). */
void plan_parser_error(struct plan_parser *p, const void *addr, const char *fmt, ...)
	_printf_(3, 4);

/* Remembers that the value at addr was written at line:col (1-based). Out of
 * memory sets p->oom. */
void plan_parser_pos_add(struct plan_parser *p, const void *addr, unsigned long line,
			 unsigned long col);

/* Where the value at addr was written, or NULL. */
const struct plan_pos *plan_parser_pos_find(const struct plan_parser *p, const void *addr);
