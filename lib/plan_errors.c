/* plan_errors: a bounded list of problems, each one line "NAME:LINE:COL: what". */
#include "plan_errors.h"

#include <stdio.h>
#include <stdlib.h>

void
plan_errors_vadd(struct plan_errors *e, const char *name, unsigned long line, unsigned long col,
		 const char *fmt, va_list ap)
{
	char msg[512], *s;
	char **v;
	int n;

	if (e->n >= PLAN_ERRORS_MAX) {
		e->dropped++;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = line ? asprintf(&s, "%s:%lu:%lu: %s", name, line, col, msg)
		 : asprintf(&s, "%s: %s", name, msg);
	if (n < 0 || !(v = realloc(e->v, (e->n + 1) * sizeof(*v)))) {
		if (n >= 0)
			free(s);
		e->dropped++;
		return;
	}
	e->v = v;
	e->v[e->n++] = s;
}

void
plan_errors_free(struct plan_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	*e = (struct plan_errors){ 0 };
}
