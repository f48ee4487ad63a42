/*
 * route: which recipients the plan's routes send an alert to. Lookups and area
 * ancestry come from the plan's index (lib/plan_index.c). A plan has tens of
 * routes; matching an alert tries each, which costs about a microsecond.
 */
#include "route.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "plan_index.h"

static bool
route_within_any(const struct plan_index *x, const char *area, char *const *tops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (plan_index_within(x, area, tops[i]))
			return true;
	return false;
}

static bool
route_has(char *const *v, size_t n, const char *s)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static bool
route_matches(const struct plan_index *x, const Lanu__V1__Route *r, const struct route_alert *a)
{
	bool kind = r->n_kinds == 0;

	for (size_t i = 0; i < r->n_kinds && !kind; i++)
		kind = (int)r->kinds[i] == a->kind;
	return kind && (int)r->min_severity <= a->severity &&
	       (!r->n_services || route_has(r->services, r->n_services, a->service)) &&
	       (!r->n_indicators || route_has(r->indicators, r->n_indicators, a->indicator)) &&
	       (!r->n_measures || route_has(r->measures, r->n_measures, a->measure)) &&
	       (!r->n_areas || (a->area && route_within_any(x, a->area, r->areas, r->n_areas)));
}

size_t
route_match(const struct plan_index *x, const struct route_alert *a, const char **rcpts,
	    size_t max)
{
	const Lanu__V1__Plan *plan = plan_index_plan(x);
	size_t n = 0;

	for (size_t i = 0; i < plan->n_routes; i++) {
		const Lanu__V1__Route *r = plan->routes[i];

		if (!route_matches(x, r, a))
			continue;
		for (size_t j = 0; j < r->n_to && n < max; j++) {
			const Lanu__V1__Recipient *rc = plan_index_recipient(x, r->to[j]);
			bool dup = false;

			if (!rc || (a->area && *a->area && rc->n_areas &&
				    !route_within_any(x, a->area, rc->areas, rc->n_areas)))
				continue;
			for (size_t k = 0; k < n && !dup; k++)
				dup = strcmp(rcpts[k], rc->id) == 0;
			if (!dup)
				rcpts[n++] = rc->id;
		}
	}
	return n;
}

const Lanu__V1__Route *
route_escalation(const struct plan_index *x, const struct route_alert *a)
{
	const Lanu__V1__Plan *plan = plan_index_plan(x);

	for (size_t i = 0; i < plan->n_routes; i++) {
		const Lanu__V1__Route *r = plan->routes[i];
		size_t n;

		if (plan_index_route_steps(r, &n) && n > 0 && route_matches(x, r, a))
			return r;
	}
	return NULL;
}
