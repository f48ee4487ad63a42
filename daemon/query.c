/*
 * query: answers read-only requests from one read transaction each, opened and
 * closed within the call (rule 18). Alert lists are paged (QUERY_PAGE at most);
 * the reply says the last sequence number examined and whether more follow, so a
 * client pages on with after_seq = last_seq. The reply owns the alerts it lists
 * until query_done().
 */
#include "query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compliance.h"
#include "deadline.h"
#include "lanu/limits.h"
#include "lanud.h"
#include "store.h"

static int
query_take_cb(const Lanu__V1__Alert *a, void *arg)
{
	struct query_ctx *qc = arg;

	if (qc->n_rcpts > 0) {
		bool hit = false;

		for (size_t i = 0; i < a->n_recipients && !hit; i++)
			for (size_t j = 0; j < qc->n_rcpts && !hit; j++)
				hit = strcmp(a->recipients[i], qc->rcpts[j]) == 0;
		if (!hit)
			return 0;
	}
	if (qc->list.n_alerts == qc->cap)
		return -ENOBUFS;	/* cannot happen: the store stops at the limit */
	qc->list.alerts[qc->list.n_alerts++] = (Lanu__V1__Alert *)a;
	return 1;
}

static size_t
query_limit(uint32_t asked)
{
	return asked == 0 || asked > QUERY_PAGE ? QUERY_PAGE : asked;
}

static int
query_list(struct store_txn *t, const Lanu__V1__Request *req, struct query_ctx *qc)
{
	bool replay = req->body_case == LANU__V1__REQUEST__BODY_REPLAY;
	size_t limit = query_limit(replay ? req->replay->limit : req->open_alerts->limit);
	uint64_t last = 0;
	bool more = false;
	int r;

	qc->list.alerts = calloc(limit, sizeof(*qc->list.alerts));
	if (!qc->list.alerts)
		return -ENOMEM;
	qc->cap = limit;
	if (replay) {
		const Lanu__V1__ReplayQuery *q = req->replay;

		r = store_replay(t, (const char *const *)q->recipients, q->n_recipients,
				 q->after_seq, limit, query_take_cb, qc, &last, &more);
	} else {
		const Lanu__V1__OpenAlertsQuery *q = req->open_alerts;

		qc->rcpts = (const char *const *)q->recipients;
		qc->n_rcpts = q->n_recipients;
		r = store_open_alerts(t, q->after_seq, limit, query_take_cb, qc, &last, &more);
	}
	qc->list.last_seq = last;
	qc->list.more = more;
	return r;
}

static void
query_status(struct lanud *d, const struct store_stat *st, struct query_ctx *qc)
{
	Lanu__V1__Status *s = &qc->status;

	s->version = (char *)LANU_VERSION;
	s->now_ms = timesrc_now_usec(&d->clock) / 1000;
	s->uptime_ms = timesrc_uptime_usec(&d->clock) / 1000;
	s->events = st->events;
	s->duplicates = d->n_duplicates;
	s->rejected = d->n_rejected;
	s->last_alert_seq = st->last_alert_seq;
	s->open_alerts = st->open_alerts;
	s->map_size = st->map_size;
	s->map_used = st->map_used;
	s->manual_clock = d->clock.manual;
	s->commits = d->n_commits;
	s->committed_events = d->n_committed;
	s->plan_version = d->plan_version;
	s->plan_id = (char *)(d->plan && d->plan->plan ? d->plan->plan->id : "");
	s->unrouted_alerts = d->n_unrouted;
	s->open_clocks = st->open_clocks;
	s->next_deadline_ms = st->next_deadline_ms;
}

void
query_answer(struct lanud *d, const Lanu__V1__Request *req, Lanu__V1__Reply *rep,
	     struct query_ctx *qc)
{
	struct store_stat st = { 0 };
	struct store_txn t;
	uint64_t seq;
	int r;

	memset(qc, 0, sizeof(*qc));
	lanu__v1__status__init(&qc->status);
	lanu__v1__alert_list__init(&qc->list);
	lanu__v1__plan_history__init(&qc->history);
	lanu__v1__clock_list__init(&qc->clocks);
	lanu__v1__compliance_report__init(&qc->report);
	rep->corr_id = req->corr_id;
	store_begin(d->store, &t, STORE_RO);
	r = store_stat(&t, &st);
	if (r == 0) {
		switch (req->body_case) {
		case LANU__V1__REQUEST__BODY_STATUS:
			query_status(d, &st, qc);
			rep->result_case = LANU__V1__REPLY__RESULT_STATUS;
			rep->status = &qc->status;
			break;
		case LANU__V1__REQUEST__BODY_ALERT:
			r = store_alert_by_id(&t, req->alert->alert_id, &seq);
			if (r == 0)
				r = store_get_alert(&t, seq, &qc->one);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_ALERT;
				rep->alert = qc->one;
			}
			break;
		case LANU__V1__REQUEST__BODY_PLAN:
			r = store_get_plan_version(&t, req->plan->version, &qc->plan);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_PLAN_VERSION;
				rep->plan_version = qc->plan;
			}
			break;
		case LANU__V1__REQUEST__BODY_DUE:
			r = deadline_due(d, &t, req->due, timesrc_now_usec(&d->clock) / 1000,
					 &qc->clocks, &qc->err);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_CLOCKS;
				rep->clocks = &qc->clocks;
			}
			break;
		case LANU__V1__REQUEST__BODY_COMPLIANCE:
			r = compliance_report(d, &t, req->compliance,
					      timesrc_now_usec(&d->clock) / 1000, &qc->report,
					      &qc->err);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_COMPLIANCE;
				rep->compliance = &qc->report;
			}
			break;
		case LANU__V1__REQUEST__BODY_PLAN_HISTORY:
			r = store_plan_history(&t, &qc->history.versions, &qc->history.n_versions);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_PLAN_HISTORY;
				rep->plan_history = &qc->history;
			}
			break;
		case LANU__V1__REQUEST__BODY_OPEN_ALERTS:
		case LANU__V1__REQUEST__BODY_REPLAY:
			r = query_list(&t, req, qc);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_ALERTS;
				rep->alerts = &qc->list;
			}
			break;
		default:
			/* events, clock and plan changes go to ingest; a body added to
			 * lanu.v1 after this code is refused until it is answered here */
			msg_errorf(&qc->err, "body", "is not a query (request type %d)",
				   (int)req->body_case);
			r = -EINVAL;
			break;
		}
	}
	store_abort(&t);
	rep->last_alert_seq = st.last_alert_seq;
	if (r == 0) {
		rep->code = LANU__V1__REPLY__CODE__OK;
	} else if (r == -EINVAL) {
		rep->code = LANU__V1__REPLY__CODE__REJECTED;
		rep->reason = qc->err.reason;
		rep->field = qc->err.field;
	} else if (r == -ENOENT && req->body_case == LANU__V1__REQUEST__BODY_PLAN) {
		rep->code = LANU__V1__REPLY__CODE__NOT_FOUND;
		rep->reason = (char *)(req->plan->version ? "no such plan version"
							  : "no plan has been loaded");
		rep->field = (char *)"plan.version";
	} else if (r == -ENOENT) {
		rep->code = LANU__V1__REPLY__CODE__NOT_FOUND;
		rep->reason = (char *)"no such alert";
		rep->field = (char *)"alert.alert_id";
	} else {
		rep->code = LANU__V1__REPLY__CODE__UNAVAILABLE;
		rep->reason = strerror(-r);
	}
}

void
query_done(struct query_ctx *qc)
{
	for (size_t i = 0; i < qc->list.n_alerts; i++)
		lanu__v1__alert__free_unpacked(qc->list.alerts[i], NULL);
	free(qc->list.alerts);
	if (qc->one)
		lanu__v1__alert__free_unpacked(qc->one, NULL);
	if (qc->plan)
		lanu__v1__plan_version__free_unpacked(qc->plan, NULL);
	for (size_t i = 0; i < qc->history.n_versions; i++)
		lanu__v1__plan_version__free_unpacked(qc->history.versions[i], NULL);
	free(qc->history.versions);
	deadline_list_clear(&qc->clocks);
	compliance_report_clear(&qc->report);
	memset(qc, 0, sizeof(*qc));
}
