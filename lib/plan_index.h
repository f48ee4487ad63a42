/* The plan's objects by kind and id: one walk over them, lookups, area ancestry. */
#pragma once

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

#include "plan.pb-c.h"

/* The kinds of object a plan names by id, in the order plan_index_walk() visits them. */
enum plan_kind {
	PLAN_AREA,
	PLAN_RECIPIENT,
	PLAN_CALENDAR,
	PLAN_SERVICE,
	PLAN_INDICATOR,
	PLAN_GOAL,
	PLAN_MEASURE,
	PLAN_ABSENCES,		/* an absence ladder */
	PLAN_KIND_MAX,
};

/* "area", "recipient", ... as the plan file says them. */
const char *plan_kind_name(enum plan_kind k);

/* Called with each object, its kind and where its id is stored. Return 0 to go on,
 * anything else to stop the walk with that value. */
typedef int (*plan_walk_fn)(enum plan_kind k, char *const *id, const ProtobufCMessage *obj,
			    void *arg);

/* Visits every object of plan with an id, kind by kind in enum order, each kind in
 * file order (areas and goals depth first, a parent before its children, a goal's
 * measures before its subgoals). Returns 0 or what fn stopped with. */
int plan_index_walk(const Lanu__V1__Plan *plan, plan_walk_fn fn, void *arg);

struct plan_index;

/* Indexes plan, which must outlive the index. Returns 0 or -ENOMEM. Caller owns
 * *ret; free with plan_index_free(). */
int plan_index_new(const Lanu__V1__Plan *plan, struct plan_index **ret);
struct plan_index *plan_index_free(struct plan_index *x);

/* The plan it indexes. */
const Lanu__V1__Plan *plan_index_plan(const struct plan_index *x);

/* The object of kind k with id, or NULL (also for a NULL or empty id). */
const ProtobufCMessage *plan_index_find(const struct plan_index *x, enum plan_kind k,
					const char *id);
/* The name (its Text field `name`: areas, recipients, services, ... have one) of the
 * object of kind k with id, or NULL (no such object, or a kind without names). */
const Lanu__V1__Text *plan_index_name(const struct plan_index *x, enum plan_kind k,
				      const char *id);
const Lanu__V1__Area *plan_index_area(const struct plan_index *x, const char *id);
const Lanu__V1__Recipient *plan_index_recipient(const struct plan_index *x, const char *id);
const Lanu__V1__Service *plan_index_service(const struct plan_index *x, const char *id);
const Lanu__V1__Indicator *plan_index_indicator(const struct plan_index *x, const char *id);
const Lanu__V1__Measure *plan_index_measure(const struct plan_index *x, const char *id);

/* Is area id the area top, or under it? false for an unknown or empty id. */
bool plan_index_within(const struct plan_index *x, const char *id, const char *top);

/* Calendar id if it has terms, else the first calendar its `extends` chain reaches
 * that has, or NULL (none has, or an id is unknown): the terms a school calendar's
 * periods come from. */
const Lanu__V1__Calendar *plan_index_calendar_terms(const struct plan_index *x, const char *id);

/* The stage id of service s, or NULL. */
const Lanu__V1__Stage *plan_index_stage(const Lanu__V1__Service *s, const char *id);

/* How many areas the tree v[0..n) holds, at every depth. */
size_t plan_index_count_areas(Lanu__V1__Area *const *v, size_t n);

/* A route's escalation chain, the one-step form (Route.escalate) or the list
 * (Route.escalate_steps) alike: its steps, *ret_n of them (0: none, and NULL). They
 * live as long as r. */
Lanu__V1__Escalation *const *plan_index_route_steps(const Lanu__V1__Route *r,
						    size_t *ret_n);

/* The calendar of area id, or of the nearest area above it that has one; NULL if none
 * does (or id is unknown). */
const char *plan_index_area_calendar(const struct plan_index *x, const char *id);
