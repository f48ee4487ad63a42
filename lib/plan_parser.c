/*
 * plan_parser: the problems of one plan parse and the positions they are reported
 * at. plan.c records where each value was stored while it walks the YAML, and
 * plan_check.c, which only sees the finished Plan, reports at those positions.
 * The errors list is the caller's (struct plan_errors): this module appends to it.
 */
#include "plan_parser.h"

#include <stdlib.h>

#include "plan_errors.h"

void
plan_parser_verror(struct plan_parser *p, unsigned long line, unsigned long col, const char *fmt,
		   va_list ap)
{
	p->n_errors++;
	plan_errors_vadd(p->errs, p->name, line, col, fmt, ap);
}

void
plan_parser_error(struct plan_parser *p, const void *addr, const char *fmt, ...)
{
	const struct plan_pos *pos = plan_parser_pos_find(p, addr);
	va_list ap;

	va_start(ap, fmt);
	plan_parser_verror(p, pos ? pos->line : 0, pos ? pos->col : 0, fmt, ap);
	va_end(ap);
}

void
plan_parser_pos_add(struct plan_parser *p, const void *addr, unsigned long line,
		    unsigned long col)
{
	if (p->n_pos == p->cap_pos) {
		size_t cap = p->cap_pos ? p->cap_pos * 2 : 256;
		struct plan_pos *v = realloc(p->pos, cap * sizeof(*v));

		if (!v) {
			p->oom = true;
			return;
		}
		p->pos = v;
		p->cap_pos = cap;
	}
	p->pos[p->n_pos++] = (struct plan_pos){ addr, line, col };
}

const struct plan_pos *
plan_parser_pos_find(const struct plan_parser *p, const void *addr)
{
	/* Newest first: an address freed and reused (it is not, today) finds its last use. */
	for (size_t i = p->n_pos; i-- > 0;)
		if (p->pos[i].addr == addr)
			return &p->pos[i];
	return NULL;
}
