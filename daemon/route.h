/* Routing: which recipients an alert goes to, by the plan in force. */
#pragma once

#include <stddef.h>

#include "plan.pb-c.h"

struct route_table;

/* What an alert is about; NULL or "" = not about one. */
struct route_alert {
	int kind;		/* Lanu__V1__AlertKind */
	int severity;		/* Lanu__V1__Severity */
	const char *service;
	const char *indicator;
	const char *measure;
	const char *area;
};

/* Builds the table for plan, which must outlive it. Returns 0 or -ENOMEM. */
int route_table_new(const Lanu__V1__Plan *plan, struct route_table **ret);
struct route_table *route_table_free(struct route_table *t);

/* The recipients of a, each once, in the order the plan's routes name them: a
 * route matches when each criterion it gives matches (an area criterion by the
 * alert's area or any area above it), and a recipient scoped to areas gets only
 * alerts without an area or with one inside its scope. Returns how many were
 * written to rcpts (at most max); they point into the plan. */
size_t route_match(const struct route_table *t, const struct route_alert *a, const char **rcpts,
		   size_t max);

/* Is id an area of the plan / a service of the plan? */
const Lanu__V1__Area *route_area(const struct route_table *t, const char *id);
const Lanu__V1__Service *route_service(const struct route_table *t, const char *id);
