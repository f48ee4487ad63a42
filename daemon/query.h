/* Read-only requests: status, one alert, open alerts, replay, plan versions, the
 * clocks due, one case's clocks, the compliance report, the absence figures and the audit log. */
#pragma once

#include <stdbool.h>

#include "arena.h"
#include "lanu.pb-c.h"
#include "msg.h"

#define QUERY_ARENA_CHUNK (16u << 10)	/* a due reply's clocks, past the first few */
#define QUERY_ARENA_BUF	  (12u << 10)	/* the first twenty, in the reply's buffer */

struct lanud;

/* What a reply points into; released by query_done() after the reply is sent. */
struct query_ctx {
	Lanu__V1__Status status;
	Lanu__V1__AlertList list;
	Lanu__V1__Alert *one;
	Lanu__V1__PlanVersion *plan;
	Lanu__V1__PlanHistory history;
	Lanu__V1__ClockList clocks;	/* in arena */
	Lanu__V1__ComplianceReport report;
	Lanu__V1__AbsenceReport absences;
	Lanu__V1__IndicatorReport indicators;	/* in arena */
	Lanu__V1__MeasureReport measures;	/* in arena */
	Lanu__V1__AuditList audit;	/* its records are the store's: freed one by one */
	size_t audit_cap;
	const char *audit_who;		/* the query's who filter, "" = any */
	struct msg_error err;	/* why a query was refused */
	const char *const *rcpts;	/* filter for open alerts */
	size_t n_rcpts;
	bool unrouted;			/* filter for a replay of the unrouted */
	size_t cap;
	struct arena arena;	/* the due query's clocks, the indicators' series */
	unsigned char arena_buf[QUERY_ARENA_BUF];	/* its first chunk */
};

/* Answers req (not an event) into rep, from one short read transaction, as of now_ms. */
void query_answer(struct lanud *d, const Lanu__V1__Request *req, uint64_t now_ms,
		  Lanu__V1__Reply *rep, struct query_ctx *qc);
void query_done(struct query_ctx *qc);
