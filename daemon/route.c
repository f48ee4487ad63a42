/*
 * route: the plan's routes, ready for matching. Areas, recipients and services are
 * kept in arrays sorted by id, so a lookup is a binary search and "is area A at or
 * under area B" walks A's few parents. A plan has tens of routes; matching an
 * alert tries each, which costs about a microsecond.
 */
#include "route.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

struct route_obj {
	const char *id;
	const void *obj;
};

struct route_table {
	const Lanu__V1__Plan *plan;
	struct route_obj *areas, *recipients, *services;
	size_t n_areas, n_recipients, n_services;
};

static int
route_obj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct route_obj *)a)->id, ((const struct route_obj *)b)->id);
}

static const void *
route_find(const struct route_obj *v, size_t n, const char *id)
{
	struct route_obj key = { .id = id };
	const struct route_obj *f;

	if (!id || !*id)
		return NULL;
	f = bsearch(&key, v, n, sizeof(*v), route_obj_cmp);
	return f ? f->obj : NULL;
}

static void
route_add_areas(struct route_table *t, Lanu__V1__Area *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		t->areas[t->n_areas++] = (struct route_obj){ v[i]->id, v[i] };
		route_add_areas(t, v[i]->areas, v[i]->n_areas);
	}
}

int
route_table_new(const Lanu__V1__Plan *plan, struct route_table **ret)
{
	struct route_table *t = calloc(1, sizeof(*t));
	size_t na = plan_count_areas(plan->areas, plan->n_areas);

	if (!t)
		return -ENOMEM;
	t->plan = plan;
	t->areas = calloc(na ? na : 1, sizeof(*t->areas));
	t->recipients = calloc(plan->n_recipients ? plan->n_recipients : 1, sizeof(*t->recipients));
	t->services = calloc(plan->n_services ? plan->n_services : 1, sizeof(*t->services));
	if (!t->areas || !t->recipients || !t->services) {
		route_table_free(t);
		return -ENOMEM;
	}
	route_add_areas(t, plan->areas, plan->n_areas);
	for (size_t i = 0; i < plan->n_recipients; i++)
		t->recipients[t->n_recipients++] =
			(struct route_obj){ plan->recipients[i]->id, plan->recipients[i] };
	for (size_t i = 0; i < plan->n_services; i++)
		t->services[t->n_services++] =
			(struct route_obj){ plan->services[i]->id, plan->services[i] };
	qsort(t->areas, t->n_areas, sizeof(*t->areas), route_obj_cmp);
	qsort(t->recipients, t->n_recipients, sizeof(*t->recipients), route_obj_cmp);
	qsort(t->services, t->n_services, sizeof(*t->services), route_obj_cmp);
	*ret = t;
	return 0;
}

struct route_table *
route_table_free(struct route_table *t)
{
	if (!t)
		return NULL;
	free(t->areas);
	free(t->recipients);
	free(t->services);
	free(t);
	return NULL;
}

const Lanu__V1__Area *
route_area(const struct route_table *t, const char *id)
{
	return route_find(t->areas, t->n_areas, id);
}

const Lanu__V1__Service *
route_service(const struct route_table *t, const char *id)
{
	return route_find(t->services, t->n_services, id);
}

/* Is area `id` the area `top` or below it? Parents are checked (no cycles), so the
 * walk ends; the bound is only a guard. */
static bool
route_within(const struct route_table *t, const char *id, const char *top)
{
	for (int depth = 0; id && *id && depth < 64; depth++) {
		const Lanu__V1__Area *a;

		if (strcmp(id, top) == 0)
			return true;
		if (!(a = route_area(t, id)))
			return false;
		id = a->parent;
	}
	return false;
}

static bool
route_within_any(const struct route_table *t, const char *area, char *const *tops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (route_within(t, area, tops[i]))
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
route_matches(const struct route_table *t, const Lanu__V1__Route *r, const struct route_alert *a)
{
	bool kind = r->n_kinds == 0;

	for (size_t i = 0; i < r->n_kinds && !kind; i++)
		kind = (int)r->kinds[i] == a->kind;
	return kind && (int)r->min_severity <= a->severity &&
	       (!r->n_services || route_has(r->services, r->n_services, a->service)) &&
	       (!r->n_indicators || route_has(r->indicators, r->n_indicators, a->indicator)) &&
	       (!r->n_measures || route_has(r->measures, r->n_measures, a->measure)) &&
	       (!r->n_areas || (a->area && route_within_any(t, a->area, r->areas, r->n_areas)));
}

size_t
route_match(const struct route_table *t, const struct route_alert *a, const char **rcpts,
	    size_t max)
{
	const Lanu__V1__Plan *plan = t->plan;
	size_t n = 0;

	for (size_t i = 0; i < plan->n_routes; i++) {
		const Lanu__V1__Route *r = plan->routes[i];

		if (!route_matches(t, r, a))
			continue;
		for (size_t j = 0; j < r->n_to && n < max; j++) {
			const Lanu__V1__Recipient *rc = route_find(t->recipients, t->n_recipients,
								   r->to[j]);
			bool dup = false;

			if (!rc || (a->area && *a->area && rc->n_areas &&
				    !route_within_any(t, a->area, rc->areas, rc->n_areas)))
				continue;
			for (size_t k = 0; k < n && !dup; k++)
				dup = strcmp(rcpts[k], rc->id) == 0;
			if (!dup)
				rcpts[n++] = rc->id;
		}
	}
	return n;
}
