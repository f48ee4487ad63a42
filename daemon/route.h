/* Routing: which recipients an alert goes to, by the plan in force. */
#pragma once

#include <stddef.h>

struct plan_index;
struct Lanu__V1__Route;

/* What an alert is about; NULL or "" = not about one. */
struct route_alert {
	int kind;		/* Lanu__V1__AlertKind */
	int severity;		/* Lanu__V1__Severity */
	const char *service;
	const char *indicator;
	const char *measure;
	const char *area;
};

/* The recipients of a, each once, in the order the plan's routes name them: a
 * route matches when each criterion it gives matches (an area criterion by the
 * alert's area or any area above it), and a recipient scoped to areas gets only
 * alerts without an area or with one inside its scope. Returns how many were
 * written to rcpts (at most max); they point into the plan. */
size_t route_match(const struct plan_index *x, const struct route_alert *a, const char **rcpts,
		   size_t max);

/* The first of the plan's routes that matches a (as route_match() matches) and has an
 * escalation chain, or NULL: the route whose chain a's escalation follows. */
const struct Lanu__V1__Route *route_escalation(const struct plan_index *x,
					       const struct route_alert *a);
