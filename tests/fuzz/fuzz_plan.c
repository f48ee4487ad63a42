/*
 * libFuzzer target: every byte string as a plan file through plan_parse(), the
 * path of `lanud --check-plan` and `lanuctl plan check/load`. A plan that is
 * accepted must hold what docs/plan-format.md promises of it (the derived fields
 * filled in, ids unique within their kind, every reference resolved) and survive
 * a protobuf pack/unpack round trip byte for byte; a plan that is refused must say
 * why. Nothing may leak or read out of bounds on any input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "plan_index.h"

#define FUZZ_NAME "fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The ids of one kind, in the order met. Inputs are small: a linear search will do. */
struct ids {
	const char **v;
	size_t n, cap;
};

enum kind { AREA, RECIPIENT, CALENDAR, SERVICE, INDICATOR, GOAL, MEASURE, KINDS };

static bool
ids_has(const struct ids *ids, const char *id)
{
	for (size_t i = 0; i < ids->n; i++)
		if (strcmp(ids->v[i], id) == 0)
			return true;
	return false;
}

/* An id as docs/plan-format.md defines it: 1-64 of a-z 0-9 . _ -, a letter or digit first. */
static bool
is_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* Adds a new, valid id of its kind; a malformed or repeated one is a broken invariant. */
static void
ids_add(struct ids *ids, const char *id)
{
	if (!id || !is_id(id) || ids_has(ids, id))
		abort();
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 16;
		const char **v = realloc(ids->v, cap * sizeof(*v));

		if (!v)
			abort();
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = id;
}

static void
refs(const struct ids *ids, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!v[i] || !ids_has(ids, v[i]))
			abort();
}

static bool
is_empty(const char *s)
{
	return !s || !*s;
}

static void
text(const Lanu__V1__Text *t)
{
	if (!t || (is_empty(t->fi) && is_empty(t->en)))
		abort();
}

/* Both ends, if given, in order: ISO dates compare as strings. */
static void
period(const Lanu__V1__Period *pe, bool closed)
{
	if (!pe || !pe->from || !pe->to)
		abort();
	if (closed && (!*pe->from || !*pe->to))
		abort();
	if (*pe->from && *pe->to && strcmp(pe->from, pe->to) > 0)
		abort();
}

/* Each area's parent is the area it is written under (none at the top), so it names an
 * existing area or is empty. */
static void
areas(struct ids *ids, Lanu__V1__Area *const *v, size_t n, const char *parent)
{
	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__Area *a = v[i];

		if (!a->parent || strcmp(a->parent, parent ? parent : "") != 0)
			abort();
		if (*a->parent && !ids_has(ids, a->parent))
			abort();
		if (!a->kind)
			abort();
		text(a->name);
		ids_add(ids, a->id);
		areas(ids, a->areas, a->n_areas, a->id);
	}
}

/* Each goal's parent is the goal it is written under; each measure's goal is the goal
 * it is written under, so never empty. */
static void
goals(struct ids *gids, struct ids *mids, Lanu__V1__Goal *const *v, size_t n, const char *parent)
{
	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__Goal *g = v[i];

		if (!g->parent || strcmp(g->parent, parent ? parent : "") != 0)
			abort();
		if (*g->parent && !ids_has(gids, g->parent))
			abort();
		text(g->title);
		ids_add(gids, g->id);
		for (size_t j = 0; j < g->n_measures; j++) {
			const Lanu__V1__Measure *m = g->measures[j];

			if (is_empty(m->goal) || strcmp(m->goal, g->id) != 0)
				abort();
			text(m->title);
			period(m->schedule, false);
			ids_add(mids, m->id);
		}
		goals(gids, mids, g->goals, g->n_goals, g->id);
	}
}

static void
goal_refs(struct ids *ids, Lanu__V1__Goal *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__Goal *g = v[i];

		refs(&ids[INDICATOR], g->indicators, g->n_indicators);
		for (size_t j = 0; j < g->n_measures; j++) {
			const Lanu__V1__Measure *m = g->measures[j];

			refs(&ids[RECIPIENT], m->responsible, m->n_responsible);
			refs(&ids[RECIPIENT], m->monitoring, m->n_monitoring);
			refs(&ids[INDICATOR], m->indicators, m->n_indicators);
		}
		goal_refs(ids, g->goals, g->n_goals);
	}
}

static void
check_plan(const Lanu__V1__Plan *plan)
{
	struct ids ids[KINDS] = { 0 };
	const Lanu__V1__PlanInfo *info = plan->plan;
	char buf[256];

	if (plan->lanu_plan != 1 || !info)
		abort();
	if (!is_id(info->id) || is_empty(info->organiser) || is_empty(info->timezone))
		abort();
	text(info->title);
	period(info->period, true);

	areas(&ids[AREA], plan->areas, plan->n_areas, NULL);
	for (size_t i = 0; i < plan->n_recipients; i++) {
		const Lanu__V1__Recipient *r = plan->recipients[i];

		if (!r->kind)
			abort();
		text(r->name);
		ids_add(&ids[RECIPIENT], r->id);
	}
	for (size_t i = 0; i < plan->n_calendars; i++) {
		const Lanu__V1__Calendar *c = plan->calendars[i];

		if (strcmp(c->id, "national") == 0 || strcmp(c->id, "unit") == 0)
			abort();
		text(c->name);
		for (size_t j = 0; j < c->n_terms; j++)
			period(c->terms[j], true);
		for (size_t j = 0; j < c->n_closed; j++)
			period(c->closed[j], true);
		ids_add(&ids[CALENDAR], c->id);
	}
	for (size_t i = 0; i < plan->n_services; i++) {
		const Lanu__V1__Service *s = plan->services[i];
		struct ids stages = { 0 };

		if (!s->n_limits == !s->n_stages)	/* exactly one of them */
			abort();
		text(s->name);
		for (size_t j = 0; j < s->n_stages; j++) {
			if (!s->stages[j]->n_limits)
				abort();
			ids_add(&stages, s->stages[j]->id);
		}
		free(stages.v);
		ids_add(&ids[SERVICE], s->id);
	}
	for (size_t i = 0; i < plan->n_indicators; i++) {
		const Lanu__V1__Indicator *ind = plan->indicators[i];

		if (!ind->unit || !ind->direction)
			abort();
		text(ind->name);
		ids_add(&ids[INDICATOR], plan->indicators[i]->id);
	}
	goals(&ids[GOAL], &ids[MEASURE], plan->goals, plan->n_goals, NULL);

	/* Every reference resolves. */
	for (size_t i = 0; i < plan->n_recipients; i++)
		refs(&ids[AREA], plan->recipients[i]->areas, plan->recipients[i]->n_areas);
	goal_refs(ids, plan->goals, plan->n_goals);
	for (size_t i = 0; i < plan->n_routes; i++) {
		const Lanu__V1__Route *r = plan->routes[i];
		Lanu__V1__Escalation *const *steps;
		size_t n_steps;

		if (!r->n_to)
			abort();
		refs(&ids[RECIPIENT], r->to, r->n_to);
		refs(&ids[SERVICE], r->services, r->n_services);
		refs(&ids[INDICATOR], r->indicators, r->n_indicators);
		refs(&ids[MEASURE], r->measures, r->n_measures);
		refs(&ids[AREA], r->areas, r->n_areas);
		/* one step or a chain, not both; delays that increase in one unit */
		if (r->escalate && r->n_escalate_steps)
			abort();
		steps = plan_index_route_steps(r, &n_steps);
		for (size_t j = 0; j < n_steps; j++) {
			const Lanu__V1__Duration *a = steps[j]->after;

			if (!a || !steps[j]->n_to || a->count == 0 ||
			    a->unit >= LANU__V1__DURATION__UNIT__UNIT_SAME_DAY ||
			    (j > 0 && (a->unit != steps[j - 1]->after->unit ||
				       a->count <= steps[j - 1]->after->count)))
				abort();
			refs(&ids[RECIPIENT], steps[j]->to, steps[j]->n_to);
		}
	}
	for (int k = 0; k < KINDS; k++)
		free(ids[k].v);

	(void)plan_summary(plan, buf, sizeof(buf));
}

/* Packed, unpacked and packed again: the same bytes. */
static void
check_round_trip(const Lanu__V1__Plan *plan)
{
	Lanu__V1__Plan *again;
	uint8_t *a, *b;
	size_t len = lanu__v1__plan__get_packed_size(plan);

	a = malloc(len ? len : 1);
	if (!a || lanu__v1__plan__pack(plan, a) != len)
		abort();
	again = lanu__v1__plan__unpack(NULL, len, a);
	if (!again)
		abort();
	if (lanu__v1__plan__get_packed_size(again) != len)
		abort();
	b = malloc(len ? len : 1);
	if (!b || lanu__v1__plan__pack(again, b) != len || memcmp(a, b, len) != 0)
		abort();
	lanu__v1__plan__free_unpacked(again, NULL);
	free(b);
	free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static Lanu__V1__Plan stale;
	struct plan_errors errs = { 0 };
	Lanu__V1__Plan *plan = &stale;	/* plan_parse() must reset it, even on failure */
	int r;

	r = plan_parse(FUZZ_NAME, (const char *)data, size, &plan, &errs);
	if (r == 0) {
		if (!plan || errs.n != 0 || errs.dropped != 0)
			abort();
		check_plan(plan);
		check_round_trip(plan);
		plan_free(plan);
	} else {
		if (plan)
			abort();
		if (r != -EINVAL && r != -ENOMEM && r != -EFBIG)
			abort();
		/* A refused plan says why, unless memory ran out or it was too big. */
		if (r == -EINVAL && errs.n == 0)
			abort();
		if (errs.n > PLAN_ERRORS_MAX)
			abort();
		for (size_t i = 0; i < errs.n; i++)
			if (!errs.v[i] || strncmp(errs.v[i], FUZZ_NAME ":", sizeof(FUZZ_NAME)) != 0)
				abort();
	}
	plan_errors_free(&errs);
	return 0;
}
