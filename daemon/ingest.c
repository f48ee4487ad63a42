/*
 * ingest: the write path. Each ROUTER message is decoded and validated (msg.c);
 * queries are answered at once from a short read transaction; events and clock
 * changes are queued in a batch. A flush event, at a lower priority than socket
 * reads, runs once the reads of this loop turn are done (or the batch holds
 * STORE_BATCH_MAX) and hands the batch to the writer thread, which applies it in
 * one write transaction and commits. Only then, back on the loop, are the replies
 * sent and the alerts published (rule 17).
 *
 * Two batches take turns: while the writer commits one (most of that is waiting
 * for the disk), the loop decodes and validates the next, which goes to the
 * writer as soon as it is free. The writer thread owns every write transaction
 * of the batches; other writers (a plan load, shutdown) first call ingest_flush(),
 * which waits for it and commits what is queued on the calling thread. While a
 * batch is applied the loop changes nothing the writer reads (the plan and its
 * routes, the clock): those change only when no batch is out (rule 18).
 *
 * If the map is full the batch is retried after growing it (on the loop, with no
 * transaction open); if it cannot grow, every event in the batch is answered
 * UNAVAILABLE and nothing is lost: the producer sends it again.
 *
 * A batch owns its decoded requests (its arena) until its replies are sent.
 */
#include "ingest.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <signal.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "alert.h"
#include "arena.h"
#include "deadline.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
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

struct batch {
	struct pending q[STORE_BATCH_MAX];
	size_t n;
	struct arena arena;	/* its decoded requests, until it is answered */
	struct alert_pubq pubq;	/* alerts it raised, to publish once committed */
	uint8_t *buf;		/* scratch for packing an event */
	size_t buf_size;
	int result;		/* of its transaction: 0 or -errno */
	uint64_t clock;		/* the manual clock once it is committed */
	uint64_t last_seq;	/* the last alert seq once it is committed */
	uint64_t next_at;	/* the next clock warning or miss after it, 0 if none */
	bool fire_more;		/* it left due clocks for the next batch */
};

struct ingest {
	struct lanud *d;
	struct batch b[2];
	struct batch *fill;	/* taking requests */
	struct batch *busy;	/* with the writer, or NULL */
	struct batch *held;	/* its arena holds a request in use (a plan load), or NULL */
	struct event *flush_ev;
	struct event *timer_ev;	/* the next clock warning or miss is due */
	bool fire;		/* the next batch goes even if empty: clocks are due */
	struct event *done_ev;	/* done_fd is readable: the writer finished busy */
	int done_fd;		/* eventfd */
	pthread_t writer;
	bool writer_started;
	pthread_mutex_t mu;	/* guards job, finished, quit */
	pthread_cond_t cv;
	struct batch *job;	/* for the writer to apply */
	bool finished;		/* the writer applied busy */
	bool quit;
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
		log_ratelimited(LOG_ERR, "ingest: no memory for a %zu byte reply, dropped", len);
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
	log_ratelimited(LOG_WARNING, "ingest: request %" PRIu64 " rejected: %s%s%s, ignoring",
			corr_id, *e->field ? e->field : "", *e->field ? " " : "", e->reason);
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
	if (in->fill->n == 0 && in->held != in->fill)
		arena_reset(&in->fill->arena);
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
	r = msg_decode_request_with(zmq_msg_data(body), zmq_msg_size(body), &in->fill->arena.pa,
				    &req, &e);
	if (r < 0) {
		ingest_reject(d, &frames[0], delim, corr, &e);
		ingest_done(in);
		return 0;
	}
	if (req->body_case == LANU__V1__REQUEST__BODY_PLAN_LOAD) {
		/* it commits the queue first, whose answers must not reset this arena */
		in->held = in->fill;
		ingest_plan_load(in, &frames[0], delim, req);
		in->held = NULL;
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
	struct pending *p = &in->fill->q[in->fill->n++];
	p->ident_len = zmq_msg_size(&frames[0]);
	memcpy(p->ident, zmq_msg_data(&frames[0]),
	       p->ident_len < INGEST_IDENT_MAX ? p->ident_len : INGEST_IDENT_MAX);
	p->delim = delim;
	p->req = req;
	p->code = LANU__V1__REPLY__CODE__CODE_UNSPECIFIED;
	p->err = e;
	event_active(in->flush_ev, EV_TIMEOUT, 0);
	return in->fill->n == STORE_BATCH_MAX;	/* full: pause reading until it is out */
}

/* Packs ev into b's scratch buffer. Returns its length, or -ENOMEM. */
static ssize_t
ingest_pack(struct batch *b, const Lanu__V1__Envelope *ev)
{
	size_t len = lanu__v1__envelope__get_packed_size(ev);

	if (len > b->buf_size) {
		uint8_t *buf = realloc(b->buf, len);

		if (!buf)
			return -ENOMEM;
		b->buf = buf;
		b->buf_size = len;
	}
	return (ssize_t)lanu__v1__envelope__pack(ev, b->buf);
}

/* Dispatches one new event to its handler. Returns 0, or <0 with p->err set
 * (refused) or the transaction's sticky error. */
static int
ingest_handle(struct lanud *d, struct store_txn *t, struct batch *b, struct pending *p,
	      uint64_t now_ms)
{
	const Lanu__V1__Envelope *ev = p->req->event;

	switch (ev->payload_case) {
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED:
		return deadline_on_requested(d, t, &b->pubq, ev, now_ms, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED:
		return deadline_on_provided(d, t, &b->pubq, ev, now_ms, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED:
		return deadline_on_cancelled(d, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED:
		return deadline_on_postponed(d, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED:
		return alert_on_deadline_missed(d, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED:
		return alert_on_ack(d, t, ev, &p->err);
	default:
		return 0;	/* stored; later capabilities give it meaning */
	}
}

static void
ingest_apply_clock(struct lanud *d, struct store_txn *t, struct pending *p, uint64_t *clock)
{
	uint64_t usec = p->req->clock_set->now_ms * 1000;

	if (!d->clock.manual) {
		msg_errorf(&p->err, "", "lanud runs on the system clock (start it with "
					"--clock=manual)");
		p->code = LANU__V1__REPLY__CODE__REJECTED;
	} else if (usec < *clock) {
		msg_errorf(&p->err, "clock_set.now_ms", "the clock only moves forward");
		p->code = LANU__V1__REPLY__CODE__REJECTED;
	} else {
		*clock = usec;
		store_put_clock(t, usec);
		p->code = LANU__V1__REPLY__CODE__OK;
	}
}

/* Applies b in one write transaction and commits it, setting b->result (0 or the
 * commit's error), b->clock and b->last_seq. Runs on the writer thread, or on the
 * loop's when the writer is idle (ingest_flush). */
static void
ingest_apply(struct lanud *d, struct batch *b)
{
	uint64_t now_ms = timesrc_now_usec(&d->clock) / 1000;
	uint64_t clock = d->clock.manual_usec;
	struct store_txn t;
	int r;

	alert_pubq_clear(&b->pubq);
	store_begin(d->store, &t, STORE_RW);
	for (size_t i = 0; i < b->n && !t.err; i++) {
		struct pending *p = &b->q[i];
		const Lanu__V1__Envelope *ev = p->req->event;
		ssize_t len;

		memset(&p->err, 0, sizeof(p->err));
		if (p->req->body_case == LANU__V1__REQUEST__BODY_CLOCK_SET) {
			ingest_apply_clock(d, &t, p, &clock);
			continue;
		}
		r = store_event_seen(&t, ev->producer, ev->event_id);
		if (r != 0) {
			p->code = LANU__V1__REPLY__CODE__DUPLICATE;
			continue;	/* r < 0: the sticky error ends the loop */
		}
		r = ingest_handle(d, &t, b, p, now_ms);
		if (r < 0 && !t.err) {
			p->code = r == -ENOENT ? LANU__V1__REPLY__CODE__NOT_FOUND
					       : LANU__V1__REPLY__CODE__REJECTED;
			continue;
		}
		if (r < 0)
			break;
		len = ingest_pack(b, ev);
		if (len < 0) {
			store_abort(&t);
			b->result = (int)len;
			return;
		}
		store_put_event(&t, ev->producer, ev->event_id, now_ms, b->buf, (size_t)len);
		p->code = LANU__V1__REPLY__CODE__OK;
	}
	/* Then the clocks' warnings and misses due by now (the manual clock as this
	 * batch left it), a bounded number per batch. */
	b->fire_more = false;
	b->next_at = 0;
	if (!t.err) {
		uint64_t fire_now = d->clock.manual ? clock / 1000 : now_ms;

		r = deadline_fire(d, &t, &b->pubq, fire_now, LANU_FIRE_MAX, &b->fire_more,
				  &b->next_at);
		if (r < 0 && !t.err)
			log_errno_ratelimited(LOG_ERR, r, "deadline: firing clocks failed");
	}
	b->last_seq = store_last_alert_seq(&t);
	b->clock = clock;
	b->result = store_commit(&t);
}

static void *
ingest_writer(void *arg)
{
	struct ingest *in = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&in->mu);
	for (;;) {
		struct batch *b;

		while (!in->job && !in->quit)
			pthread_cond_wait(&in->cv, &in->mu);
		if (!in->job)
			break;
		b = in->job;
		pthread_mutex_unlock(&in->mu);
		ingest_apply(in->d, b);
		pthread_mutex_lock(&in->mu);
		in->job = NULL;
		in->finished = true;
		pthread_cond_broadcast(&in->cv);
		/* An eventfd write of 1 cannot fail short of a bug. */
		if (write(in->done_fd, &one, sizeof(one)) < 0)
			log_errno_ratelimited(LOG_ERR, -errno, "ingest: cannot wake the loop");
	}
	pthread_mutex_unlock(&in->mu);
	return NULL;
}

/* Hands b to the writer. */
static void
ingest_submit(struct ingest *in, struct batch *b)
{
	in->busy = b;
	pthread_mutex_lock(&in->mu);
	in->job = b;
	in->finished = false;
	pthread_cond_broadcast(&in->cv);
	pthread_mutex_unlock(&in->mu);
}

/* Wakes the loop for the clocks: at once if more are due, else when the next
 * is. The real clock's timer is capped at a minute, so a suspended machine or a
 * wall clock set forward is noticed soon; the manual clock moves only by
 * ClockSet, whose batch fires what it made due. */
static void
ingest_arm(struct ingest *in, uint64_t next_at, bool more)
{
	uint64_t now = timesrc_now_usec(&in->d->clock) / 1000, wait;
	struct timeval tv;

	evtimer_del(in->timer_ev);
	if (more || (next_at && next_at <= now)) {
		in->fire = true;
		event_active(in->flush_ev, EV_TIMEOUT, 0);
		return;
	}
	if (in->d->clock.manual)
		return;
	wait = next_at ? next_at - now : 60000;
	if (wait > 60000)
		wait = 60000;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(in->timer_ev, &tv);
}

static void
ingest_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ingest *in = arg;

	(void)fd;
	(void)what;
	in->fire = true;
	event_active(in->flush_ev, EV_TIMEOUT, 0);
}

/* b is committed (or failed): the state the writer reads moves on (the manual
 * clock), and its replies are made ready. */
static void
ingest_settle(struct ingest *in, struct batch *b)
{
	struct lanud *d = in->d;

	if (b->result < 0) {
		log_errno_ratelimited(LOG_ERR, b->result, "store: commit of %zu requests failed, "
				      "answering UNAVAILABLE", b->n);
		alert_pubq_clear(&b->pubq);
		for (size_t i = 0; i < b->n; i++) {
			b->q[i].code = LANU__V1__REPLY__CODE__UNAVAILABLE;
			snprintf(b->q[i].err.reason, sizeof(b->q[i].err.reason),
				 "not stored (%s); send again later", strerror(-b->result));
			b->q[i].err.field[0] = '\0';
		}
		b->last_seq = 0;
		ingest_arm(in, 0, false);	/* the clocks are looked at again in a minute */
		return;
	}
	d->n_commits++;
	d->n_committed += b->n;
	if (d->clock.manual)
		timesrc_set(&d->clock, b->clock);
	ingest_arm(in, b->next_at, b->fire_more);
}

/* Sends b's replies and alerts, counts them, and makes b empty. */
static void
ingest_answer(struct ingest *in, struct batch *b)
{
	struct lanud *d = in->d;

	alert_publish(d, &b->pubq);
	for (size_t i = 0; i < b->n; i++) {
		struct pending *p = &b->q[i];

		if (p->code == LANU__V1__REPLY__CODE__DUPLICATE)
			d->n_duplicates++;
		else if (p->code == LANU__V1__REPLY__CODE__REJECTED ||
			 p->code == LANU__V1__REPLY__CODE__NOT_FOUND)
			d->n_rejected++;
		ingest_reply_code(d, p->ident, p->ident_len, p->delim, p->req->corr_id, p->code,
				  &p->err, b->last_seq);
		p->req = NULL;
	}
	b->n = 0;
	if (b != in->held)
		arena_reset(&b->arena);
}

/* b was applied (the writer is idle). Returns true if it must be applied again:
 * the map was full and has grown. */
static bool
ingest_retry(struct ingest *in, struct batch *b)
{
	return b->result == -ENOSPC && store_grow(in->d->store) == 0;
}

/* The writer is idle: the filled batch goes to it, if it holds anything. */
static void
ingest_next(struct ingest *in)
{
	struct batch *b = in->fill;

	if (in->busy || (b->n == 0 && !in->fire))
		return;
	in->fire = false;
	in->fill = b == &in->b[0] ? &in->b[1] : &in->b[0];
	ingest_submit(in, b);
	if (b->n == STORE_BATCH_MAX)
		zsock_resume(in->d->router);	/* reading paused when it filled */
}

/* The writer finished busy: answer it, and hand it the next batch. */
static void
ingest_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ingest *in = arg;
	struct batch *b = in->busy;
	uint64_t n;
	bool finished;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_errno_ratelimited(LOG_ERR, -errno, "ingest: cannot read the writer's wake-up");
	pthread_mutex_lock(&in->mu);
	finished = in->finished;
	pthread_mutex_unlock(&in->mu);
	if (!b || !finished)
		return;		/* ingest_flush() took it already */
	if (ingest_retry(in, b)) {
		ingest_submit(in, b);
		return;
	}
	in->busy = NULL;
	ingest_settle(in, b);
	ingest_next(in);	/* the writer commits the next batch while b is answered */
	ingest_answer(in, b);
	zsock_resume(in->d->router);	/* reading again if the batch was full, and the kick
					 * that ends the run of replies */
}

/* Waits until the writer is idle, answering the batch it had. */
static void
ingest_wait(struct ingest *in)
{
	struct batch *b = in->busy;

	if (!b)
		return;
	for (;;) {
		pthread_mutex_lock(&in->mu);
		while (!in->finished)
			pthread_cond_wait(&in->cv, &in->mu);
		pthread_mutex_unlock(&in->mu);
		if (!ingest_retry(in, b))
			break;
		ingest_submit(in, b);
	}
	in->busy = NULL;
	ingest_settle(in, b);
	ingest_answer(in, b);
}

void
ingest_flush(struct ingest *in)
{
	struct batch *b = in->fill;

	ingest_wait(in);
	if (b->n > 0 || in->fire) {
		in->fire = false;
		do
			ingest_apply(in->d, b);
		while (ingest_retry(in, b));
		ingest_settle(in, b);
		ingest_answer(in, b);
	}
	zsock_resume(in->d->router);
}

static void
ingest_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ingest_next(arg);
}

/* The writer takes no signal: they are the loop's (libevent's signal events). */
static int
ingest_start_writer(struct ingest *in)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&in->writer, NULL, ingest_writer, in);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	in->writer_started = true;
	return 0;
}

int
ingest_new(struct lanud *d, struct ingest **ret_ingest)
{
	struct ingest *in = calloc(1, sizeof(*in));
	struct store_txn t;
	uint64_t next_at;
	int r = -ENOMEM;

	if (!in)
		return -ENOMEM;
	in->d = d;
	in->fill = &in->b[0];
	in->done_fd = -1;
	for (size_t i = 0; i < ELEMENTSOF(in->b); i++)
		arena_init(&in->b[i].arena);
	pthread_mutex_init(&in->mu, NULL);
	pthread_cond_init(&in->cv, NULL);
	in->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (in->done_fd < 0) {
		r = -errno;
		goto fail;
	}
	in->flush_ev = event_new(d->base, -1, 0, ingest_flush_cb, in);
	in->timer_ev = evtimer_new(d->base, ingest_timer_cb, in);
	in->done_ev = event_new(d->base, in->done_fd, EV_READ | EV_PERSIST, ingest_done_cb, in);
	/* Of lanud's three priorities, flushing has the lowest (after every socket
	 * read of this turn) and the writer's return the highest (it is idle until
	 * it has the next batch). */
	if (!in->flush_ev || !in->timer_ev || !in->done_ev || event_priority_set(in->flush_ev, 2) < 0 ||
	    event_priority_set(in->done_ev, 0) < 0 || event_add(in->done_ev, NULL) < 0)
		goto fail;
	r = ingest_start_writer(in);
	if (r < 0)
		goto fail;
	/* Clocks that fell due while lanud was down fire in the first batches. */
	store_begin(d->store, &t, STORE_RO);
	next_at = store_clock_next_at(&t);
	store_abort(&t);
	ingest_arm(in, next_at, false);
	*ret_ingest = in;
	return 0;
fail:
	ingest_free(in);
	return r;
}

struct ingest *
ingest_free(struct ingest *in)
{
	if (!in)
		return NULL;
	if (in->writer_started) {
		pthread_mutex_lock(&in->mu);
		in->quit = true;
		pthread_cond_broadcast(&in->cv);
		pthread_mutex_unlock(&in->mu);
		pthread_join(in->writer, NULL);	/* after the batch it has, if any */
	}
	for (size_t i = 0; i < ELEMENTSOF(in->b); i++) {
		arena_free(&in->b[i].arena);
		alert_pubq_free(&in->b[i].pubq);
		free(in->b[i].buf);
	}
	if (in->flush_ev)
		event_free(in->flush_ev);
	if (in->timer_ev)
		event_free(in->timer_ev);
	if (in->done_ev)
		event_free(in->done_ev);
	if (in->done_fd >= 0)
		close(in->done_fd);
	pthread_mutex_destroy(&in->mu);
	pthread_cond_destroy(&in->cv);
	free(in);
	return NULL;
}
