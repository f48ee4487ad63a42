/*
 * plan_index: the plan's objects by kind and id. plan_index_walk() is the one walk
 * over every object a plan names (the plan check, the index and lanuctl's plan
 * listing use it); the index keeps, per kind, an array sorted by id, so a lookup
 * is a binary search, and "is area A at or under area B" walks A's few parents.
 * The index points into the plan and never changes it.
 */
#include "plan_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_INDEX_DEPTH_MAX 64	/* parents walked at most: plan_check refuses cycles */

struct plan_obj {
	const char *id;
	const ProtobufCMessage *obj;
};

struct plan_index {
	const Lanu__V1__Plan *plan;
	struct plan_obj *v[PLAN_KIND_MAX];
	size_t n[PLAN_KIND_MAX];
};

static const char *const plan_kind_names[PLAN_KIND_MAX] = {
	"area", "recipient", "calendar", "service", "indicator", "goal", "measure",
	"absence ladder",
};

const char *
plan_kind_name(enum plan_kind k)
{
	return k < PLAN_KIND_MAX ? plan_kind_names[k] : "?";
}

static int
plan_walk_areas(Lanu__V1__Area *const *v, size_t n, plan_walk_fn fn, void *arg)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		r = fn(PLAN_AREA, &v[i]->id, &v[i]->base, arg);
		if (r == 0)
			r = plan_walk_areas(v[i]->areas, v[i]->n_areas, fn, arg);
	}
	return r;
}

static int
plan_walk_goals(Lanu__V1__Goal *const *v, size_t n, plan_walk_fn fn, void *arg)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		r = fn(PLAN_GOAL, &v[i]->id, &v[i]->base, arg);
		for (size_t j = 0; j < v[i]->n_measures && r == 0; j++)
			r = fn(PLAN_MEASURE, &v[i]->measures[j]->id, &v[i]->measures[j]->base, arg);
		if (r == 0)
			r = plan_walk_goals(v[i]->goals, v[i]->n_goals, fn, arg);
	}
	return r;
}

/* The flat lists of plan, by kind; areas and goals are trees, walked apart. */
#define PLAN_WALK_LIST(kind, arr, n)                                                              \
	for (size_t i = 0; i < (n) && r == 0; i++)                                                 \
		r = fn(kind, &(arr)[i]->id, &(arr)[i]->base, arg)

int
plan_index_walk(const Lanu__V1__Plan *plan, plan_walk_fn fn, void *arg)
{
	int r = plan_walk_areas(plan->areas, plan->n_areas, fn, arg);

	PLAN_WALK_LIST(PLAN_RECIPIENT, plan->recipients, plan->n_recipients);
	PLAN_WALK_LIST(PLAN_CALENDAR, plan->calendars, plan->n_calendars);
	PLAN_WALK_LIST(PLAN_SERVICE, plan->services, plan->n_services);
	PLAN_WALK_LIST(PLAN_INDICATOR, plan->indicators, plan->n_indicators);
	if (r == 0)
		r = plan_walk_goals(plan->goals, plan->n_goals, fn, arg);
	PLAN_WALK_LIST(PLAN_ABSENCES, plan->absences, plan->n_absences);
	return r;
}

static int
plan_obj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_obj *)a)->id, ((const struct plan_obj *)b)->id);
}

static int
plan_index_count_cb(enum plan_kind k, char *const *id, const ProtobufCMessage *obj, void *arg)
{
	struct plan_index *x = arg;

	(void)id;
	(void)obj;
	x->n[k]++;
	return 0;
}

static int
plan_index_add_cb(enum plan_kind k, char *const *id, const ProtobufCMessage *obj, void *arg)
{
	struct plan_index *x = arg;

	x->v[k][x->n[k]++] = (struct plan_obj){ *id, obj };
	return 0;
}

int
plan_index_new(const Lanu__V1__Plan *plan, struct plan_index **ret)
{
	struct plan_index *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->plan = plan;
	plan_index_walk(plan, plan_index_count_cb, x);
	for (int k = 0; k < PLAN_KIND_MAX; k++) {
		if (!(x->v[k] = calloc(x->n[k] ? x->n[k] : 1, sizeof(*x->v[k])))) {
			plan_index_free(x);
			return -ENOMEM;
		}
		x->n[k] = 0;
	}
	plan_index_walk(plan, plan_index_add_cb, x);
	for (int k = 0; k < PLAN_KIND_MAX; k++)
		qsort(x->v[k], x->n[k], sizeof(*x->v[k]), plan_obj_cmp);
	*ret = x;
	return 0;
}

struct plan_index *
plan_index_free(struct plan_index *x)
{
	if (!x)
		return NULL;
	for (int k = 0; k < PLAN_KIND_MAX; k++)
		free(x->v[k]);
	free(x);
	return NULL;
}

const Lanu__V1__Plan *
plan_index_plan(const struct plan_index *x)
{
	return x->plan;
}

const ProtobufCMessage *
plan_index_find(const struct plan_index *x, enum plan_kind k, const char *id)
{
	struct plan_obj key = { .id = id };
	const struct plan_obj *f;

	if (!x || k >= PLAN_KIND_MAX || !id || !*id)
		return NULL;
	f = bsearch(&key, x->v[k], x->n[k], sizeof(key), plan_obj_cmp);
	return f ? f->obj : NULL;
}

const Lanu__V1__Text *
plan_index_name(const struct plan_index *x, enum plan_kind k, const char *id)
{
	const ProtobufCMessage *o = plan_index_find(x, k, id);
	const ProtobufCFieldDescriptor *f;

	if (!o)
		return NULL;
	f = protobuf_c_message_descriptor_get_field_by_name(o->descriptor, "name");
	if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE ||
	    f->descriptor != &lanu__v1__text__descriptor)
		return NULL;
	return *(const Lanu__V1__Text *const *)((const char *)o + f->offset);
}

const Lanu__V1__Area *
plan_index_area(const struct plan_index *x, const char *id)
{
	return (const Lanu__V1__Area *)plan_index_find(x, PLAN_AREA, id);
}

const Lanu__V1__Recipient *
plan_index_recipient(const struct plan_index *x, const char *id)
{
	return (const Lanu__V1__Recipient *)plan_index_find(x, PLAN_RECIPIENT, id);
}

const Lanu__V1__Service *
plan_index_service(const struct plan_index *x, const char *id)
{
	return (const Lanu__V1__Service *)plan_index_find(x, PLAN_SERVICE, id);
}

const Lanu__V1__Indicator *
plan_index_indicator(const struct plan_index *x, const char *id)
{
	return (const Lanu__V1__Indicator *)plan_index_find(x, PLAN_INDICATOR, id);
}

const Lanu__V1__Measure *
plan_index_measure(const struct plan_index *x, const char *id)
{
	return (const Lanu__V1__Measure *)plan_index_find(x, PLAN_MEASURE, id);
}

bool
plan_index_within(const struct plan_index *x, const char *id, const char *top)
{
	for (int depth = 0; id && *id && depth < PLAN_INDEX_DEPTH_MAX; depth++) {
		const Lanu__V1__Area *a;

		if (strcmp(id, top) == 0)
			return true;
		if (!(a = plan_index_area(x, id)))
			return false;
		id = a->parent;
	}
	return false;
}

const Lanu__V1__Calendar *
plan_index_calendar_terms(const struct plan_index *x, const char *id)
{
	/* at most as many hops as there are calendars: a chain that loops gives up */
	for (size_t hops = 0; hops <= x->n[PLAN_CALENDAR]; hops++) {
		const Lanu__V1__Calendar *cal =
			(const Lanu__V1__Calendar *)plan_index_find(x, PLAN_CALENDAR, id);

		if (!cal || cal->n_terms > 0)
			return cal;
		id = cal->extends;
	}
	return NULL;
}

const Lanu__V1__Stage *
plan_index_stage(const Lanu__V1__Service *s, const char *id)
{
	for (size_t i = 0; s && id && i < s->n_stages; i++)
		if (strcmp(s->stages[i]->id, id) == 0)
			return s->stages[i];
	return NULL;
}

size_t
plan_index_count_areas(Lanu__V1__Area *const *v, size_t n)
{
	size_t count = n;

	for (size_t i = 0; i < n; i++)
		count += plan_index_count_areas(v[i]->areas, v[i]->n_areas);
	return count;
}

Lanu__V1__Escalation *const *
plan_index_route_steps(const Lanu__V1__Route *r, size_t *ret_n)
{
	if (r->n_escalate_steps > 0) {
		*ret_n = r->n_escalate_steps;
		return r->escalate_steps;
	}
	*ret_n = r->escalate ? 1 : 0;
	return r->escalate ? &r->escalate : NULL;
}

const char *
plan_index_area_calendar(const struct plan_index *x, const char *id)
{
	const Lanu__V1__Area *a = plan_index_area(x, id);

	for (size_t hops = 0; a && !*a->calendar && hops < 64; hops++)
		a = plan_index_area(x, a->parent);
	return a && *a->calendar ? a->calendar : NULL;
}
