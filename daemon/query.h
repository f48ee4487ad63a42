/* Read-only requests: status, one alert, open alerts, replay, plan versions, the
 * clocks due and the compliance report. */
#pragma once

#include "lanu.pb-c.h"
#include "msg.h"

struct lanud;

/* What a reply points into; released by query_done() after the reply is sent. */
struct query_ctx {
	Lanu__V1__Status status;
	Lanu__V1__AlertList list;
	Lanu__V1__Alert *one;
	Lanu__V1__PlanVersion *plan;
	Lanu__V1__PlanHistory history;
	Lanu__V1__ClockList clocks;
	Lanu__V1__ComplianceReport report;
	struct msg_error err;	/* why a query was refused */
	const char *const *rcpts;	/* filter for open alerts */
	size_t n_rcpts;
	size_t cap;
};

/* Answers req (not an event) into rep, from one short read transaction, as of now_ms. */
void query_answer(struct lanud *d, const Lanu__V1__Request *req, uint64_t now_ms,
		  Lanu__V1__Reply *rep, struct query_ctx *qc);
void query_done(struct query_ctx *qc);
