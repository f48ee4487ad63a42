/*
 * ingest: each ROUTER message is checked ([routing id] [empty delimiter]? [request]),
 * decoded and validated (msg.c) into the writer's filling batch. Queries are
 * answered at once from a short read transaction (query.c); a plan load commits the
 * events in hand first and is answered when the plan is stored (planload.c); events
 * and clock changes are queued for the writer (writer.c), which answers them after
 * their commit. A refusal is answered REJECTED with the reason and the field.
 * Refusals, the queries that read alerts or a pupil's data, and plan loads that store
 * nothing are recorded in the audit log (audit.c queues them for the writer); an audit
 * query first commits what is queued (writer_flush()), to answer with all of it.
 *
 * Loop thread only. Nothing here writes the store.
 */
#include "ingest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "backup.h"
#include "lanud.h"
#include "metrics.h"
#include "log.h"
#include "msg.h"
#include "plan.h"
#include "planload.h"
#include "query.h"
#include "reply.h"
#include "store.h"
#include "writer.h"
#include "zsock.h"

static void
ingest_reject(struct lanud *d, const struct reply_to *to, const char *peer,
	      const Lanu__V1__Request *req, uint64_t corr_id, const struct msg_error *e)
{
	const Lanu__V1__Envelope *ev = req && req->body_case == LANU__V1__REQUEST__BODY_EVENT ?
				       req->event : NULL;
	const struct log_field f[] = {
		{ "LANU_FIELD", e->field },
		{ "LANU_PEER", audit_who(peer) },
		{ "LANU_EVENT_ID", ev ? ev->event_id : NULL },
		{ "LANU_PRODUCER", ev ? ev->producer : NULL },
	};

	d->n_rejected++;
	if (!req || ev)
		metrics_event(d->metrics, ev, LANU__V1__REPLY__CODE__REJECTED);
	audit_refused(d, peer, req, e);
	log_fields_ratelimited(LOG_WARNING, LOG_ID_REFUSED, f, ELEMENTSOF(f),
			       "ingest: request %" PRIu64 " rejected: %s%s%s, ignoring", corr_id,
			       *e->field ? e->field : "", *e->field ? " " : "", e->reason);
	reply_code(d->router, to, corr_id, LANU__V1__REPLY__CODE__REJECTED, e, 0);
}

/* A plan: validated, stored and swapped in at once (planload.c), after the events
 * in hand are committed under the plan they came under. Problems go back in the
 * reply, every one. */
/* A plan load that stored no version: its audit record (a stored one is recorded in
 * the transaction that stores it, planload.c). */
static void
ingest_plan_audit(struct lanud *d, const char *peer, const Lanu__V1__PlanLoad *pl,
		  const Lanu__V1__Reply *rep, const Lanu__V1__PlanLoadResult *res,
		  const struct plan_errors *errs)
{
	Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;

	r.who = (char *)audit_who(peer);
	r.claimed = pl->loaded_by;
	r.request = (char *)"plan_load";
	if (rep->code == LANU__V1__REPLY__CODE__OK) {
		if (!pl->dry_run && !res->unchanged)
			return;	/* stored: recorded with it */
		r.what = LANU__V1__AUDIT_RECORD__WHAT__PLAN_LOAD;
		r.plan_version = res->version;
		r.reason = (char *)(pl->dry_run ? "dry run" : "unchanged");
	} else {
		r.what = LANU__V1__AUDIT_RECORD__WHAT__PLAN_LOAD_REFUSED;
		r.reason = rep->reason;
		r.field = rep->field;
		r.count = errs->n + errs->dropped;
	}
	audit_note(d, &r);
}

static void
ingest_plan_load(struct lanud *d, const struct reply_to *to, const char *peer,
		 const Lanu__V1__Request *req)
{
	const Lanu__V1__PlanLoad *pl = req->plan_load;
	Lanu__V1__PlanLoadResult res = LANU__V1__PLAN_LOAD_RESULT__INIT;
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
	struct planload_req plr = {
		.source = *pl->source ? pl->source : "lanuctl",
		.loaded_by = pl->loaded_by,
		.who = audit_who(peer),
		.text = (const char *)pl->content.data,
		.len = pl->content.len,
		.dry_run = pl->dry_run,
	};
	struct plan_errors errs = { 0 };
	char reason[160];
	int r;

	if (d->stopping) {
		rep.code = LANU__V1__REPLY__CODE__UNAVAILABLE;
		rep.reason = (char *)"lanud is shutting down; send again later";
		goto reply;
	}
	writer_flush(d->writer);
	r = planload_apply(d, &plr, &res, &errs);
	if (r == -EINVAL || r == -EFBIG) {
		rep.code = LANU__V1__REPLY__CODE__REJECTED;
		snprintf(reason, sizeof(reason), "the plan has %zu problem%s; the plan in force "
						 "stays", errs.n + errs.dropped,
			 errs.n + errs.dropped == 1 ? "" : "s");
		rep.reason = reason;
		rep.field = (char *)"plan_load.content";
		res.errors = errs.v;
		res.n_errors = errs.n;
	} else if (r < 0) {
		rep.code = LANU__V1__REPLY__CODE__UNAVAILABLE;
		snprintf(reason, sizeof(reason), "not stored (%s); send again later",
			 store_strerror(r));
		rep.reason = reason;
	} else {
		rep.code = LANU__V1__REPLY__CODE__OK;
		writer_wake(d->writer);	/* what its retention makes due goes now */
	}
	if (rep.code != LANU__V1__REPLY__CODE__UNAVAILABLE) {
		rep.result_case = LANU__V1__REPLY__RESULT_PLAN_LOAD;
		rep.plan_load = &res;
	}
reply:
	rep.corr_id = req->corr_id;
	ingest_plan_audit(d, peer, pl, &rep, &res, &errs);
	reply_send(d->router, to, &rep);
	res.errors = NULL;
	res.n_errors = 0;
	planload_result_clear(&res);
	plan_errors_free(&errs);
}

int
ingest_on_msg(struct zsock *z, const struct iovec *frames, size_t n, void *arg)
{
	struct lanud *d = arg;
	struct msg_error e = { { 0 }, { 0 } };
	const struct iovec *body;
	Lanu__V1__Request *req;
	struct reply_to to;
	const char *peer = zsock_peer(z);
	bool delim;
	uint64_t corr;
	int r;

	/* [routing id] [empty delimiter]? [request]; a REQ's delimiter is echoed even
	 * when more frames follow it, so that the refusal reaches it. */
	delim = n >= 3 && frames[1].iov_len == 0;
	if (n == 3 && delim) {
		body = &frames[2];
	} else if (n == 2) {
		body = &frames[1];
	} else {
		body = NULL;
	}
	/* A ROUTER's routing id is at most 255 bytes: a longer one is not libzmq's. */
	if (reply_to_set(&to, &frames[0], delim) < 0) {
		log_ratelimited(LOG_WARNING, "ingest: a %zu byte routing id (max %d), ignoring",
				frames[0].iov_len, REPLY_IDENT_MAX);
		return 0;
	}
	if (!body) {
		/* Several frames: the first request frame's corr_id still matches the reply. */
		const struct iovec *first = n < 2 ? NULL : delim ? &frames[2] : &frames[1];

		msg_errorf(&e, "frame", "expected one request frame (after an optional empty "
			   "delimiter), got %zu", n - 1);
		ingest_reject(d, &to, peer, NULL,
			      first ? msg_peek_corr_id(first->iov_base, first->iov_len) : 0, &e);
		return 0;
	}
	corr = msg_peek_corr_id(body->iov_base, body->iov_len);
	r = msg_decode_request_with(body->iov_base, body->iov_len, writer_alloc(d->writer),
				    &req, &e);
	if (r == 0 && peer && auth_check(d, peer, req, &e) < 0)
		r = -EPERM;
	if (r < 0) {
		ingest_reject(d, &to, peer, r == -EPERM ? req : NULL, corr, &e);
		writer_forget(d->writer);
		return 0;
	}
	switch (req->body_case) {
	case LANU__V1__REQUEST__BODY_PLAN_LOAD:
		ingest_plan_load(d, &to, peer, req);
		break;
	case LANU__V1__REQUEST__BODY_BACKUP:
		backup_request(d, &to, peer, req);
		break;
	case LANU__V1__REQUEST__BODY_EVENT:
	case LANU__V1__REQUEST__BODY_CLOCK_SET:
		if (!d->stopping)
			return writer_push(d->writer, &to, peer, req);
		msg_errorf(&e, "", "lanud is shutting down; send again later");
		if (req->body_case == LANU__V1__REQUEST__BODY_EVENT)
			metrics_event(d->metrics, req->event, LANU__V1__REPLY__CODE__UNAVAILABLE);
		reply_code(d->router, &to, req->corr_id, LANU__V1__REPLY__CODE__UNAVAILABLE, &e,
			   0);
		break;
	default: {
		Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
		struct query_ctx qc;

		/* The audit log as of this request: what the loop queued for it, and the
		 * batch in hand, committed first (admins ask seldom; it costs a commit). */
		if (req->body_case == LANU__V1__REQUEST__BODY_AUDIT && !d->stopping)
			writer_flush(d->writer);
		query_answer(d, req, timesrc_now_usec(&d->clock) / 1000, &rep, &qc);
		audit_query(d, peer, req, &rep);
		reply_send(d->router, &to, &rep);
		query_done(&qc);
		break;
	}
	}
	writer_forget(d->writer);
	return 0;
}
