/*
 * ingest: the write path. Each ROUTER message is decoded and validated (msg.c);
 * queries are answered at once from a short read transaction; events and clock
 * changes are queued. A flush event, at a lower priority than socket reads, runs
 * once the reads of this loop turn are done (or the queue holds STORE_BATCH_MAX):
 * one write transaction applies the whole batch, commits, and only then are the
 * replies sent and the alerts published (rule 17). If the map is full the batch
 * is retried after growing it; if it cannot grow, every event in the batch is
 * answered UNAVAILABLE and nothing is lost: the producer sends it again.
 *
 * The queue owns the decoded requests until their replies are sent.
 */
#include "ingest.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "alert.h"
#include "arena.h"
#include "lanu/limits.h"
#include "lanud.h"
#include "log.h"
#include "msg.h"
#include "plan.h"
#include "planload.h"
#include "query.h"
#include "store.h"
#include "zsock.h"

#define INGEST_IDENT_MAX 256	/* ZeroMQ routing ids are at most 255 bytes */

struct pending {
	uint8_t ident[INGEST_IDENT_MAX];
	size_t ident_len;
	bool delim;
	Lanu__V1__Request *req;
	Lanu__V1__Reply__Code code;
	struct msg_error err;
};

struct ingest {
	struct lanud *d;
	struct pending q[STORE_BATCH_MAX];
	size_t n;
	struct alert_pubq pubq;
	struct event *flush_ev;
	uint8_t *buf;		/* scratch for packing an event */
	size_t buf_size;
	struct arena arena;	/* the decoded requests, until the batch is answered */
	bool holding;		/* a request outside the queue is in use (a plan load) */
};

/* Sends rep to the peer that sent p. Replies that cannot be sent are dropped: the
 * peer is gone or not reading, and will ask again. */
static void
ingest_reply(struct lanud *d, const uint8_t *ident, size_t ident_len, bool delim,
	     Lanu__V1__Reply *rep)
{
	uint8_t small[512], *data = small;
	size_t len = lanu__v1__reply__get_packed_size(rep), n = 0;
	struct iovec iov[3];
	int r;

	if (len > sizeof(small) && !(data = malloc(len))) {
		log_msg(LOG_ERR, "ingest: no memory for a %zu byte reply, dropped", len);
		return;
	}
	lanu__v1__reply__pack(rep, data);
	iov[n++] = (struct iovec){ .iov_base = (void *)ident, .iov_len = ident_len };
	if (delim)
		iov[n++] = (struct iovec){ .iov_base = NULL, .iov_len = 0 };
	iov[n++] = (struct iovec){ .iov_base = data, .iov_len = len };
	r = zsock_send(d->router, iov, n);
	if (r < 0)
		log_errno(LOG_DEBUG, r, "ingest: reply %" PRIu64 " dropped", rep->corr_id);
	if (data != small)
		free(data);
}

static void
ingest_reply_code(struct lanud *d, const uint8_t *ident, size_t ident_len, bool delim,
		  uint64_t corr_id, Lanu__V1__Reply__Code code, const struct msg_error *e,
		  uint64_t last_seq)
{
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;

	rep.corr_id = corr_id;
	rep.code = code;
	rep.last_alert_seq = last_seq;
	if (e) {
		rep.reason = (char *)e->reason;
		rep.field = (char *)e->field;
	}
	ingest_reply(d, ident, ident_len, delim, &rep);
}

static void
ingest_reject(struct lanud *d, const zmq_msg_t *ident, bool delim, uint64_t corr_id,
	      const struct msg_error *e)
{
	d->n_rejected++;
	log_msg(LOG_WARNING, "ingest: request %" PRIu64 " rejected: %s%s%s, ignoring", corr_id,
		*e->field ? e->field : "", *e->field ? " " : "", e->reason);
	ingest_reply_code(d, zmq_msg_data((zmq_msg_t *)ident), zmq_msg_size(ident), delim,
			  corr_id, LANU__V1__REPLY__CODE__REJECTED, e, 0);
}

/* A plan: validated, stored and swapped in at once (planload.c), after the
 * events in hand are committed. Problems go back in the reply, every one. */
static void
ingest_plan_load(struct ingest *in, const zmq_msg_t *ident, bool delim,
		 const Lanu__V1__Request *req)
{
	const Lanu__V1__PlanLoad *pl = req->plan_load;
	Lanu__V1__PlanLoadResult res = LANU__V1__PLAN_LOAD_RESULT__INIT;
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
	struct planload_req plr = {
		.source = *pl->source ? pl->source : "lanuctl",
		.loaded_by = pl->loaded_by,
		.text = (const char *)pl->content.data,
		.len = pl->content.len,
		.dry_run = pl->dry_run,
	};
	struct plan_errors errs = { 0 };
	char reason[160];
	int r;

	if (in->d->stopping) {
		rep.code = LANU__V1__REPLY__CODE__UNAVAILABLE;
		rep.reason = (char *)"lanud is shutting down; send again later";
	} else if ((r = planload_apply(in->d, &plr, &res, &errs)) == -EINVAL ||
		   r == -EFBIG) {
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
		snprintf(reason, sizeof(reason), "not stored (%s); send again later", strerror(-r));
		rep.reason = reason;
	} else {
		rep.code = LANU__V1__REPLY__CODE__OK;
	}
	if (rep.code != LANU__V1__REPLY__CODE__UNAVAILABLE) {
		rep.result_case = LANU__V1__REPLY__RESULT_PLAN_LOAD;
		rep.plan_load = &res;
	}
	rep.corr_id = req->corr_id;
	ingest_reply(in->d, zmq_msg_data((zmq_msg_t *)ident), zmq_msg_size(ident), delim, &rep);
	res.errors = NULL;
	res.n_errors = 0;
	planload_result_clear(&res);
	plan_errors_free(&errs);
}

/* A request is answered: if none is queued or in use, everything decoded so far goes. */
static void
ingest_done(struct ingest *in)
{
	if (in->n == 0 && !in->holding)
		arena_reset(&in->arena);
}

int
ingest_on_msg(struct zsock *z, zmq_msg_t *frames, size_t n, void *arg)
{
	struct ingest *in = arg;
	struct lanud *d = in->d;
	struct msg_error e = { { 0 }, { 0 } };
	Lanu__V1__Request *req;
	zmq_msg_t *body;
	bool delim = false;
	uint64_t corr;
	int r;

	(void)z;
	/* [identity] [empty delimiter]? [request] */
	if (n == 3 && zmq_msg_size(&frames[1]) == 0) {
		delim = true;
		body = &frames[2];
	} else if (n == 2) {
		body = &frames[1];
	} else {
		snprintf(e.reason, sizeof(e.reason),
			 "expected one request frame (after an optional empty delimiter), got %zu",
			 n - 1);
		ingest_reject(d, &frames[0], false, 0, &e);
		return 0;
	}
	corr = msg_peek_corr_id(zmq_msg_data(body), zmq_msg_size(body));
	r = msg_decode_request_with(zmq_msg_data(body), zmq_msg_size(body), &in->arena.pa, &req,
				    &e);
	if (r < 0) {
		ingest_reject(d, &frames[0], delim, corr, &e);
		ingest_done(in);
		return 0;
	}
	if (req->body_case == LANU__V1__REQUEST__BODY_PLAN_LOAD) {
		/* it commits the queue first, whose answers must not reset the arena */
		in->holding = true;
		ingest_plan_load(in, &frames[0], delim, req);
		in->holding = false;
		ingest_done(in);
		return 0;
	}
	if (req->body_case != LANU__V1__REQUEST__BODY_EVENT &&
	    req->body_case != LANU__V1__REQUEST__BODY_CLOCK_SET) {
		Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
		struct query_ctx qc;

		query_answer(d, req, &rep, &qc);
		ingest_reply(d, zmq_msg_data(&frames[0]), zmq_msg_size(&frames[0]), delim, &rep);
		query_done(&qc);
		ingest_done(in);
		return 0;
	}
	if (d->stopping) {
		snprintf(e.reason, sizeof(e.reason), "lanud is shutting down; send again later");
		ingest_reply_code(d, zmq_msg_data(&frames[0]), zmq_msg_size(&frames[0]), delim,
				  req->corr_id, LANU__V1__REPLY__CODE__UNAVAILABLE, &e, 0);
		ingest_done(in);
		return 0;
	}
	struct pending *p = &in->q[in->n++];
	p->ident_len = zmq_msg_size(&frames[0]);
	memcpy(p->ident, zmq_msg_data(&frames[0]),
	       p->ident_len < INGEST_IDENT_MAX ? p->ident_len : INGEST_IDENT_MAX);
	p->delim = delim;
	p->req = req;
	p->code = LANU__V1__REPLY__CODE__CODE_UNSPECIFIED;
	p->err = e;
	event_active(in->flush_ev, EV_TIMEOUT, 0);
	return in->n == STORE_BATCH_MAX;	/* full: pause reading until flushed */
}

/* Packs ev into the scratch buffer. Returns its length, or -ENOMEM. */
static ssize_t
ingest_pack(struct ingest *in, const Lanu__V1__Envelope *ev)
{
	size_t len = lanu__v1__envelope__get_packed_size(ev);

	if (len > in->buf_size) {
		uint8_t *b = realloc(in->buf, len);

		if (!b)
			return -ENOMEM;
		in->buf = b;
		in->buf_size = len;
	}
	return (ssize_t)lanu__v1__envelope__pack(ev, in->buf);
}

/* Dispatches one new event to its handler. Returns 0, or <0 with p->err set
 * (refused) or the transaction's sticky error. */
static int
ingest_handle(struct ingest *in, struct store_txn *t, struct pending *p)
{
	const Lanu__V1__Envelope *ev = p->req->event;

	switch (ev->payload_case) {
	case LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED:
		return alert_on_deadline_missed(in->d, t, &in->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED:
		return alert_on_ack(in->d, t, ev, &p->err);
	default:
		return 0;	/* stored; later capabilities give it meaning */
	}
}

static void
ingest_apply_clock(struct ingest *in, struct store_txn *t, struct pending *p, uint64_t *clock)
{
	uint64_t usec = p->req->clock_set->now_ms * 1000;

	if (!in->d->clock.manual) {
		snprintf(p->err.reason, sizeof(p->err.reason),
			 "lanud runs on the system clock (start it with --clock=manual)");
		p->code = LANU__V1__REPLY__CODE__REJECTED;
	} else if (usec < *clock) {
		snprintf(p->err.reason, sizeof(p->err.reason), "the clock only moves forward");
		snprintf(p->err.field, sizeof(p->err.field), "clock_set.now_ms");
		p->code = LANU__V1__REPLY__CODE__REJECTED;
	} else {
		*clock = usec;
		store_put_clock(t, usec);
		p->code = LANU__V1__REPLY__CODE__OK;
	}
}

/* One write transaction for the whole queue. Returns 0 or the commit's error. */
static int
ingest_apply(struct ingest *in, uint64_t *ret_clock)
{
	struct lanud *d = in->d;
	uint64_t now_ms = timesrc_now_usec(&d->clock) / 1000;
	uint64_t clock = d->clock.manual_usec;
	struct store_txn t;
	int r;

	store_begin(d->store, &t, STORE_RW);
	for (size_t i = 0; i < in->n && !t.err; i++) {
		struct pending *p = &in->q[i];
		const Lanu__V1__Envelope *ev = p->req->event;
		ssize_t len;

		memset(&p->err, 0, sizeof(p->err));
		if (p->req->body_case == LANU__V1__REQUEST__BODY_CLOCK_SET) {
			ingest_apply_clock(in, &t, p, &clock);
			continue;
		}
		r = store_event_seen(&t, ev->producer, ev->event_id);
		if (r != 0) {
			p->code = LANU__V1__REPLY__CODE__DUPLICATE;
			continue;	/* r < 0: the sticky error ends the loop */
		}
		r = ingest_handle(in, &t, p);
		if (r < 0 && !t.err) {
			p->code = r == -ENOENT ? LANU__V1__REPLY__CODE__NOT_FOUND
					       : LANU__V1__REPLY__CODE__REJECTED;
			continue;
		}
		if (r < 0)
			break;
		len = ingest_pack(in, ev);
		if (len < 0) {
			store_abort(&t);
			return (int)len;
		}
		store_put_event(&t, ev->producer, ev->event_id, now_ms, in->buf, (size_t)len);
		p->code = LANU__V1__REPLY__CODE__OK;
	}
	r = store_commit(&t);
	if (r == 0)
		*ret_clock = clock;
	return r;
}

static void
ingest_answer(struct ingest *in, uint64_t last_seq)
{
	struct lanud *d = in->d;

	for (size_t i = 0; i < in->n; i++) {
		struct pending *p = &in->q[i];

		if (p->code == LANU__V1__REPLY__CODE__DUPLICATE)
			d->n_duplicates++;
		else if (p->code == LANU__V1__REPLY__CODE__REJECTED ||
			 p->code == LANU__V1__REPLY__CODE__NOT_FOUND)
			d->n_rejected++;
		ingest_reply_code(d, p->ident, p->ident_len, p->delim, p->req->corr_id, p->code,
				  &p->err, last_seq);
		p->req = NULL;
	}
	in->n = 0;
	ingest_done(in);
}

void
ingest_flush(struct ingest *in)
{
	struct lanud *d = in->d;
	uint64_t clock = 0, last_seq = 0;
	struct store_txn t;
	int r;

	if (in->n == 0)
		return;
	for (;;) {
		r = ingest_apply(in, &clock);
		if (r != -ENOSPC)
			break;
		alert_pubq_clear(&in->pubq);
		if (store_grow(d->store) < 0)
			break;
	}
	if (r < 0) {
		log_errno(LOG_ERR, r, "store: commit of %zu requests failed, answering UNAVAILABLE",
			  in->n);
		alert_pubq_clear(&in->pubq);
		for (size_t i = 0; i < in->n; i++) {
			in->q[i].code = LANU__V1__REPLY__CODE__UNAVAILABLE;
			snprintf(in->q[i].err.reason, sizeof(in->q[i].err.reason),
				 "not stored (%s); send again later", strerror(-r));
			in->q[i].err.field[0] = '\0';
		}
	} else {
		d->n_commits++;
		d->n_committed += in->n;
		if (d->clock.manual)
			timesrc_set(&d->clock, clock);
		alert_publish(d, &in->pubq);
		store_begin(d->store, &t, STORE_RO);
		struct store_stat st;
		if (store_stat(&t, &st) == 0)
			last_seq = st.last_alert_seq;
		store_abort(&t);
	}
	ingest_answer(in, last_seq);
	zsock_resume(d->router);	/* and the kick that ends the run of replies */
}

static void
ingest_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ingest_flush(arg);
}

size_t
ingest_pending(const struct ingest *in)
{
	return in->n;
}

int
ingest_new(struct lanud *d, struct ingest **ret_ingest)
{
	struct ingest *in = calloc(1, sizeof(*in));

	if (!in)
		return -ENOMEM;
	in->d = d;
	arena_init(&in->arena);
	in->flush_ev = event_new(d->base, -1, 0, ingest_flush_cb, in);
	/* The lowest of lanud's three priorities: after every socket read of this turn. */
	if (!in->flush_ev || event_priority_set(in->flush_ev, 2) < 0) {
		ingest_free(in);
		return -ENOMEM;
	}
	*ret_ingest = in;
	return 0;
}

struct ingest *
ingest_free(struct ingest *in)
{
	if (!in)
		return NULL;
	arena_free(&in->arena);
	alert_pubq_free(&in->pubq);
	if (in->flush_ev)
		event_free(in->flush_ev);
	free(in->buf);
	free(in);
	return NULL;
}
