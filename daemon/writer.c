/*
 * writer: the write path. Events and clock changes that ingest.c queued are applied
 * in batches, each in one write transaction, by the writer thread; only after the
 * commit, back on the loop, are the replies sent and the alerts published (rule 17).
 *
 * Two batches take turns. A flush event, at a lower priority than socket reads,
 * runs once the reads of this loop turn are done (or the batch holds
 * STORE_BATCH_MAX) and hands the filling batch to the writer, with a snapshot of
 * what its handlers read (lanud.h: the plan in force, its index and calendars, and
 * the batch's now). While the writer commits one batch (mostly waiting for the
 * disk), the loop decodes and validates the next. The writer thread owns every
 * write transaction of the batches; other writers (a plan load, shutdown) first
 * call writer_flush(), which waits for it and commits what is queued on the
 * calling thread. The loop changes what a snapshot points to only when no batch
 * is out.
 *
 * Every batch also fires the clocks' warnings and misses that are due (deadline.c),
 * then the escalation steps that are due (alert.c), the indicators' values that did
 * not come (indicator.c), the measures' ends and reminders (measure.c), then purges what the plan's retention no longer keeps
 * (retain.c), a bounded number of each at a time; when the next of any is due decides
 * the clock timer. A new plan wakes it (writer_wake()).
 *
 * A refused event changes nothing. Most are refused on validation, before they
 * write, and simply are not stored. One refused after it wrote (the store's write
 * counter moved: a handler failed half-way) would leave those writes in the batch's
 * commit, so the transaction is aborted and the batch applied again from the start
 * without it: the same events in the same order with the same snapshot, so the same
 * alerts with the same seqs, raised and queued once. Each attempt leaves out one
 * more event, so there are at most n + 1. (A nested transaction per event would cost
 * a dirty list per event.)
 *
 * If the map is full the batch is applied again after growing it (on the loop, with
 * no transaction open); if it cannot grow, or the file system is full, every event
 * of the batch is answered UNAVAILABLE and nothing is lost: the producer sends it
 * again.
 *
 * The audit log (audit.c, docs/security.md) is written here too: the records the loop
 * queued, taken with the batch when it is handed over, are appended first in its
 * transaction, and an acknowledgement's or clock set's record with it; a batch goes to
 * the thread even with no events when records wait. If its commit fails, audit.c counts
 * its records as dropped and the next batch records how many.
 *
 * A batch owns its decoded requests (its arena) until its replies are sent.
 */
#include "writer.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "absence.h"
#include "alert.h"
#include "arena.h"
#include "audit.h"
#include "deadline.h"
#include "delivery.h"
#include "indicator.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "log.h"
#include "measure.h"
#include "metrics.h"
#include "msg.h"
#include "reply.h"
#include "retain.h"
#include "store.h"
#include "zsock.h"

struct pending {
	struct reply_to to;
	Lanu__V1__Request *req;
	Lanu__V1__Reply__Code code;
	struct msg_error err;
	bool refused;	/* refused after it wrote: left out when the batch is applied again */
	char who[LANU_MAX_NAME + 1];	/* the peer, for the audit log (audit_who()) */
};

struct batch {
	struct pending q[STORE_BATCH_MAX];
	size_t n;
	struct arena arena;	/* its decoded requests, until it is answered */
	struct snapshot snap;	/* what its handlers read, taken when it was handed over */
	bool manual;		/* the clock is manual: ClockSet moves it */
	uint64_t clock;		/* the manual clock: before the batch, then as it left it */
	struct alert_pubq pubq;	/* alerts it raised, to publish once committed */
	uint8_t *buf;		/* scratch for packing an event */
	size_t buf_size;
	int result;		/* of its transaction: 0 or -errno */
	uint64_t last_seq;	/* the last alert seq once it is committed */
	uint64_t commit_usec;	/* how long its commit took (metrics) */
	uint64_t next_at;	/* the next clock warning or miss after it, 0 if none */
	bool fire_more;		/* it left due clocks for the next batch */
	struct audit_buf audit[AUDIT_QUEUE_MAX + 1];	/* the loop's audit records it took */
	size_t n_audit;
	size_t audit_unwritten;	/* of those, how many could not be appended */
};

#define WRITER_HELD_MAX 32	/* clock sets waiting for what fell due; more: answered */

struct writer {
	struct lanud *d;
	/* Clock sets whose answer waits until nothing due by their time is left to fire (a
	 * batch fires at most LANU_FIRE_MAX of each kind; the next batches follow at once). */
	struct writer_held {
		struct reply_to to;
		uint64_t corr_id;
	} held[WRITER_HELD_MAX];
	size_t n_held;
	struct batch b[2];
	struct batch *fill;	/* taking requests */
	struct batch *busy;	/* with the writer thread, or NULL */
	struct event *flush_ev;
	struct event *timer_ev;	/* the next clock warning or miss is due */
	bool fire;		/* the next batch goes even if empty: clocks are due */
	struct event *done_ev;	/* done_fd is readable: the thread finished busy */
	int done_fd;		/* eventfd */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;	/* guards job, finished, quit */
	pthread_cond_t cv;
	struct batch *job;	/* for the thread to apply */
	bool finished;		/* the thread applied busy */
	bool quit;
};

/* --- applying a batch (the writer thread, or the loop's with the thread idle) ------------ */

/* Packs ev into b's scratch buffer. Returns its length, or -ENOMEM. */
static ssize_t
writer_pack(struct batch *b, const Lanu__V1__Envelope *ev)
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

/* Where each kind of event meets its domain. Returns 0, or <0 with p->err set
 * (refused) or the transaction's sticky error. */
static int
writer_handle(struct batch *b, struct store_txn *t, struct pending *p)
{
	const Lanu__V1__Envelope *ev = p->req->event;
	const struct snapshot *snap = &b->snap;
	int r;

	/* An instant ahead of lanud's clock by more than future-skew: a wrong clock or a
	 * typo, refused before it starts or stops anything. */
	if (snap->future_skew_ms != UINT64_MAX && snap->now_ms <= UINT64_MAX - snap->future_skew_ms &&
	    msg_check_future(ev, snap->now_ms + snap->future_skew_ms, &p->err) < 0)
		return -EINVAL;
	r = retain_check(snap, t, ev, &p->err);
	if (r < 0)
		return r;
	switch (ev->payload_case) {
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED:
		return deadline_on_requested(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED:
		return deadline_on_provided(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED:
		return deadline_on_cancelled(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED:
		return deadline_on_postponed(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED:
		return deadline_on_missed(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED:
		return alert_on_ack(snap, t, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED:
		return absence_on_counts(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED:
		return absence_on_level(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_DROP_OUT_REPORTED:
		return absence_on_drop_out(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED:
		return delivery_on_failed(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED:
		return indicator_on_updated(snap, t, &b->pubq, ev, &p->err);
	case LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED:
		return measure_on_status(snap, t, ev, &p->err);
	default:
		return 0;	/* stored; later capabilities give it meaning */
	}
}

static void
writer_apply_clock(struct batch *b, struct store_txn *t, struct pending *p, uint64_t *clock)
{
	uint64_t usec = p->req->clock_set->now_ms * 1000, at_ms = b->snap.now_ms;

	if (!b->manual) {
		msg_errorf(&p->err, "clock_set", "lanud runs on the system clock (start it "
						 "with --clock=manual)");
		p->code = LANU__V1__REPLY__CODE__REJECTED;
	} else if (usec < *clock) {
		msg_errorf(&p->err, "clock_set.now_ms", "the clock only moves forward");
		p->code = LANU__V1__REPLY__CODE__REJECTED;
	} else {
		Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;

		*clock = usec;
		store_put_clock(t, usec);
		p->code = LANU__V1__REPLY__CODE__OK;
		b->snap.now_ms = usec / 1000;	/* what comes after it happens then */
		r.what = LANU__V1__AUDIT_RECORD__WHAT__CLOCK_SET;
		r.at_ms = at_ms;
		r.who = p->who;
		r.clock_ms = p->req->clock_set->now_ms;
		store_append_audit(t, &r);
	}
}

/* The audit record of what retention took in this batch, if it took anything. */
static void
writer_audit_purge(struct batch *b, struct store_txn *t, const struct store_purged *got)
{
	Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;
	uint64_t n = got->events + got->clocks + got->alerts + got->places;
	char reason[160];

	if (n == 0)
		return;
	snprintf(reason, sizeof(reason), "%" PRIu64 " events, %" PRIu64 " clocks' case ids, %"
		 PRIu64 " alerts' subjects, %" PRIu64 " pupils' places", got->events, got->clocks,
		 got->alerts, got->places);
	r.what = LANU__V1__AUDIT_RECORD__WHAT__PURGED;
	r.at_ms = b->snap.now_ms;
	r.who = (char *)"lanud";
	r.count = n;
	r.reason = reason;
	store_append_audit(t, &r);
	log_msg(LOG_INFO, "retention: took %s", reason);
}

/* The earlier of two instants, 0 standing for none. */
static uint64_t
writer_earliest(uint64_t a, uint64_t b)
{
	if (!a || (b && b < a))
		return b;
	return a;
}

/* The audit record of an event that was applied, if its kind is audited: an
 * acknowledgement, in the transaction that stores it. */
static void
writer_audit_event(struct batch *b, struct store_txn *t, const struct pending *p)
{
	const Lanu__V1__Envelope *ev = p->req->event;
	Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;

	if (ev->payload_case != LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED)
		return;
	r.what = LANU__V1__AUDIT_RECORD__WHAT__ACK;
	r.at_ms = b->snap.now_ms;
	r.who = (char *)p->who;
	r.claimed = ev->alert_acknowledged->by;
	r.alert_id = ev->alert_acknowledged->alert_id;
	store_append_audit(t, &r);
}

/* One attempt at applying b (see writer_apply). Returns 1 if it was aborted to be
 * made again without an event it has just marked refused, else 0. */
static int
writer_apply_once(struct store *s, struct batch *b)
{
	uint64_t now_ms = b->snap.now_ms, clock = b->clock;
	char subject[STORE_SUBJECT_MAX];
	struct store_txn t;
	int r;

	alert_pubq_clear(&b->pubq);	/* an aborted attempt's alerts are not published */
	store_begin(s, &t, STORE_RW);
	/* What the loop recorded before this batch was handed over comes first. */
	b->audit_unwritten = audit_write(&t, b->audit, b->n_audit);
	for (size_t i = 0; i < b->n && !t.err; i++) {
		struct pending *p = &b->q[i];
		const Lanu__V1__Envelope *ev = p->req->event;
		uint64_t writes = t.writes;
		ssize_t len;

		if (p->refused)
			continue;	/* its code and reason stand from the attempt that refused it */
		memset(&p->err, 0, sizeof(p->err));
		if (p->req->body_case == LANU__V1__REQUEST__BODY_CLOCK_SET) {
			writer_apply_clock(b, &t, p, &clock);
			continue;
		}
		r = store_event_seen(&t, ev->producer, ev->event_id);
		if (r != 0) {
			p->code = LANU__V1__REPLY__CODE__DUPLICATE;
			/* an acknowledgement sent again: whose stands, and since when */
			if (r > 0 && ev->payload_case ==
					     LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED)
				alert_ack_said(&t, ev->alert_acknowledged->alert_id, &p->err);
			continue;	/* r < 0: the sticky error ends the loop */
		}
		r = writer_handle(b, &t, p);
		if (r < 0 && !t.err) {
			p->code = r == -ENOENT	   ? LANU__V1__REPLY__CODE__NOT_FOUND
				  : r == -EALREADY ? LANU__V1__REPLY__CODE__DUPLICATE
						   : LANU__V1__REPLY__CODE__REJECTED;
			if (!p->err.reason[0])
				msg_errorf(&p->err, "", "the event cannot be applied (%s)",
					   strerror(-r));
			if (t.writes == writes)
				continue;	/* refused before it wrote: nothing to undo */
			/* It changed the store before it was refused: start again without it. */
			p->refused = true;
			store_abort(&t);
			log_errno(LOG_DEBUG, r, "writer: event %zu of %zu refused after writing, "
				  "applying the batch again without it", i + 1, b->n);
			return 1;
		}
		if (r < 0)
			break;
		len = writer_pack(b, ev);
		if (len < 0) {
			store_abort(&t);
			b->result = (int)len;
			return 0;
		}
		retain_subject(ev, subject);
		store_put_event(&t, ev->producer, ev->event_id, subject, b->snap.now_ms, b->buf,
				(size_t)len);
		writer_audit_event(b, &t, p);
		p->code = LANU__V1__REPLY__CODE__OK;
	}
	/* Then the clocks' warnings and misses due by now (the manual clock as this
	 * batch left it), a bounded number per batch. */
	b->fire_more = false;
	b->next_at = 0;
	if (!t.err) {
		r = deadline_fire(&b->snap, &t, &b->pubq, b->manual ? clock / 1000 : now_ms,
				  LANU_FIRE_MAX, &b->fire_more, &b->next_at);
		if (r < 0 && !t.err)
			log_errno_ratelimited(LOG_ERR, r, "deadline: firing clocks failed");
	}
	/* And the escalation steps due (alert.c), after the clocks: a miss that fired
	 * now starts its chain, whose first step is never due at once. */
	if (!t.err) {
		uint64_t esc_next = 0;
		bool esc_more = false;

		r = alert_escalate(&b->snap, &t, &b->pubq, b->manual ? clock / 1000 : now_ms,
				   LANU_FIRE_MAX, &esc_more, &esc_next);
		if (r < 0 && !t.err)
			log_errno_ratelimited(LOG_ERR, r, "alert: firing escalations failed");
		b->fire_more = b->fire_more || esc_more;
		b->next_at = writer_earliest(b->next_at, esc_next);
	}
	/* And the indicators' values that did not come by their day. */
	if (!t.err) {
		uint64_t ind_next = 0;
		bool ind_more = false;

		r = indicator_watch(&b->snap, &t, &b->pubq, b->manual ? clock / 1000 : now_ms,
				    LANU_FIRE_MAX, &ind_more, &ind_next);
		if (r < 0 && !t.err)
			log_errno_ratelimited(LOG_ERR, r, "indicator: watching values failed");
		b->fire_more = b->fire_more || ind_more;
		b->next_at = writer_earliest(b->next_at, ind_next);
	}
	/* And the measures' schedules that ended, and their yearly reminders. */
	if (!t.err) {
		uint64_t msr_next = 0;
		bool msr_more = false;

		r = measure_watch(&b->snap, &t, &b->pubq, b->manual ? clock / 1000 : now_ms,
				  LANU_FIRE_MAX, &msr_more, &msr_next);
		if (r < 0 && !t.err)
			log_errno_ratelimited(LOG_ERR, r, "measure: watching schedules failed");
		b->fire_more = b->fire_more || msr_more;
		b->next_at = writer_earliest(b->next_at, msr_next);
	}
	/* And what retention no longer keeps, last: nothing this batch wrote is due. */
	if (!t.err) {
		struct store_purged got = { 0 };
		uint64_t purge_next = 0;
		bool purge_more = false;

		r = retain_purge(&b->snap, &t, b->manual ? clock / 1000 : now_ms, LANU_FIRE_MAX,
				 &got, &purge_more, &purge_next);
		if (r < 0 && !t.err)
			log_errno_ratelimited(LOG_ERR, r, "retain: purging failed");
		if (r == 0)
			writer_audit_purge(b, &t, &got);
		b->fire_more = b->fire_more || purge_more;
		b->next_at = writer_earliest(b->next_at, purge_next);
	}
	b->last_seq = store_last_alert_seq(&t);
	b->clock = clock;
	b->commit_usec = timesrc_mono_usec();
	b->result = store_commit(&t);
	b->commit_usec = timesrc_mono_usec() - b->commit_usec;
	return 0;
}

/* Applies b in one write transaction and commits it, setting b->result (0 or the
 * commit's error), b->clock and b->last_seq. */
static void
writer_apply(struct store *s, struct batch *b)
{
	const uint64_t now_ms = b->snap.now_ms;	/* a ClockSet moves it for what follows */

	for (size_t i = 0; i < b->n; i++)
		b->q[i].refused = false;
	do
		b->snap.now_ms = now_ms;
	while (writer_apply_once(s, b) > 0);	/* 1 only after marking one more refused */
	b->snap.now_ms = now_ms;
}

static void *
writer_thread(void *arg)
{
	struct writer *w = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct batch *b;

		while (!w->job && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->job)
			break;
		b = w->job;
		pthread_mutex_unlock(&w->mu);
		writer_apply(w->d->store, b);
		pthread_mutex_lock(&w->mu);
		w->job = NULL;
		w->finished = true;
		pthread_cond_broadcast(&w->cv);
		/* An eventfd write of 1 cannot fail short of a bug. */
		if (write(w->done_fd, &one, sizeof(one)) < 0)
			log_errno_ratelimited(LOG_ERR, -errno, "writer: cannot wake the loop");
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* --- the loop's side ----------------------------------------------------------------------- */

/* What b's handlers read, as of now. */
static void
writer_snapshot(struct writer *w, struct batch *b)
{
	struct lanud *d = w->d;

	b->snap = lanud_snapshot(d, timesrc_now_usec(&d->clock) / 1000);
	b->manual = d->clock.manual;
	b->clock = d->clock.manual_usec;
	b->n_audit = audit_take(d->audit, b->audit);
}

/* Hands b, its snapshot taken, to the thread. */
static void
writer_submit(struct writer *w, struct batch *b)
{
	w->busy = b;
	metrics_batch_out(w->d->metrics, true);
	pthread_mutex_lock(&w->mu);
	w->job = b;
	w->finished = false;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Sets the clock timer from deadline_wake_in(): at once, after a wait, or never. */
static void
writer_arm(struct writer *w, uint64_t next_at, bool more)
{
	struct lanud *d = w->d;
	uint64_t wait = deadline_wake_in(timesrc_now_usec(&d->clock) / 1000, next_at, more,
					 d->clock.manual);
	struct timeval tv;

	evtimer_del(w->timer_ev);
	if (wait == 0) {
		w->fire = true;
		event_active(w->flush_ev, EV_TIMEOUT, 0);
	} else if (wait != UINT64_MAX) {
		tv.tv_sec = (time_t)(wait / 1000);
		tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
		evtimer_add(w->timer_ev, &tv);
	}
}

static void
writer_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	writer_wake(arg);
}

void
writer_wake(struct writer *w)
{
	w->fire = true;
	event_active(w->flush_ev, EV_TIMEOUT, 0);
}

/* b is committed (or failed): the state it changed moves on (the manual clock,
 * the counters), and its replies are made ready. */
static void
writer_settle(struct writer *w, struct batch *b)
{
	struct lanud *d = w->d;

	audit_release(d->audit, b->audit, b->n_audit, b->audit_unwritten, b->result < 0);
	b->n_audit = 0;
	metrics_batch_out(d->metrics, false);
	metrics_batch(d->metrics, b->n, b->commit_usec, b->result >= 0);
	if (b->result < 0) {
		log_ratelimited(LOG_ERR, "store: commit of %zu requests failed: %s; answering "
					 "UNAVAILABLE", b->n, store_strerror(b->result));
		alert_pubq_clear(&b->pubq);
		for (size_t i = 0; i < b->n; i++) {
			b->q[i].code = LANU__V1__REPLY__CODE__UNAVAILABLE;
			snprintf(b->q[i].err.reason, sizeof(b->q[i].err.reason),
				 "not stored (%s); send again later", store_strerror(b->result));
			b->q[i].err.field[0] = '\0';
		}
		b->last_seq = 0;
		writer_arm(w, 0, false);	/* the clocks are looked at again in a minute */
		return;
	}
	d->n_commits++;
	d->n_committed += b->n;
	if (d->clock.manual)
		timesrc_set(&d->clock, b->clock);
	writer_arm(w, b->next_at, b->fire_more);
}

/* An event the handlers refused: logged (rate-limited), with its ids for the journal. */
static void
writer_log_refused(const struct pending *p)
{
	const Lanu__V1__Envelope *ev = p->req->event;
	const struct log_field f[] = {
		{ "LANU_EVENT_ID", ev->event_id },
		{ "LANU_PRODUCER", ev->producer },
		{ "LANU_FIELD", p->err.field },
	};

	log_fields_ratelimited(LOG_NOTICE, LOG_ID_REFUSED, f, ELEMENTSOF(f),
			       "ingest: event '%s' of %s refused: %s%s%s", ev->event_id,
			       ev->producer, p->err.field, *p->err.field ? " " : "",
			       p->err.reason);
}

/* Sends b's replies and alerts, counts them, and makes b empty; its memory is
 * reused unless keep (a request decoded into it may be in use: writer_flush()). */
static void
writer_answer(struct writer *w, struct batch *b, bool keep)
{
	struct lanud *d = w->d;

	alert_publish(d, &b->pubq, b->snap.index);
	for (size_t i = 0; i < b->n; i++) {
		struct pending *p = &b->q[i];

		if (p->req->body_case == LANU__V1__REQUEST__BODY_EVENT) {
			metrics_event(d->metrics, p->req->event, p->code);
			if (p->code == LANU__V1__REPLY__CODE__REJECTED ||
			    p->code == LANU__V1__REPLY__CODE__NOT_FOUND)
				writer_log_refused(p);
		}
		if (p->code == LANU__V1__REPLY__CODE__DUPLICATE)
			d->n_duplicates++;
		else if (p->code == LANU__V1__REPLY__CODE__REJECTED ||
			 p->code == LANU__V1__REPLY__CODE__NOT_FOUND)
			d->n_rejected++;
		if (p->req->body_case == LANU__V1__REQUEST__BODY_CLOCK_SET &&
		    p->code == LANU__V1__REPLY__CODE__OK && b->fire_more && !d->stopping &&
		    w->n_held < WRITER_HELD_MAX)
			w->held[w->n_held++] = (struct writer_held){ p->to, p->req->corr_id };
		else
			reply_code(d->router, &p->to, p->req->corr_id, p->code, &p->err,
				   b->last_seq);
		p->req = NULL;
	}
	b->n = 0;
	/* Everything due by the clock sets' times is fired and committed (or a commit
	 * failed: the clock is set, what fell due waits for the next look). */
	if (w->n_held > 0 && (!b->fire_more || b->result < 0 || d->stopping)) {
		struct msg_error e = { { 0 }, { 0 } };
		bool ok = b->result >= 0;

		if (!ok)
			msg_errorf(&e, "", "the clock was set, but what fell due could not be "
				   "committed (%s); it fires when lanud can", store_strerror(b->result));
		for (size_t i = 0; i < w->n_held; i++)
			reply_code(d->router, &w->held[i].to, w->held[i].corr_id,
				   ok ? LANU__V1__REPLY__CODE__OK : LANU__V1__REPLY__CODE__UNAVAILABLE,
				   &e, b->last_seq);
		w->n_held = 0;
	}
	if (!keep)
		arena_reset(&b->arena);
}

/* b was applied (the thread is idle). Returns true if it must be applied again:
 * the map was full and has grown. A full disk is not retried here: the map would
 * grow to map-max for nothing. */
static bool
writer_retry(struct writer *w, struct batch *b)
{
	return b->result == STORE_MAP_FULL && store_grow(w->d->store) == 0;
}

/* The thread is idle: the filling batch goes to it, if it holds anything. */
static void
writer_next(struct writer *w)
{
	struct batch *b = w->fill;

	if (w->busy || (b->n == 0 && !w->fire && !audit_pending(w->d->audit)))
		return;
	w->fire = false;
	w->fill = b == &w->b[0] ? &w->b[1] : &w->b[0];
	writer_snapshot(w, b);
	writer_submit(w, b);
	if (b->n == STORE_BATCH_MAX)
		zsock_resume(w->d->router);	/* reading paused when it filled */
}

/* The thread finished busy: answer it, and hand it the next batch. */
static void
writer_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct writer *w = arg;
	struct batch *b = w->busy;
	uint64_t n;
	bool finished;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_errno_ratelimited(LOG_ERR, -errno, "writer: cannot read the thread's wake-up");
	pthread_mutex_lock(&w->mu);
	finished = w->finished;
	pthread_mutex_unlock(&w->mu);
	if (!b || !finished)
		return;		/* writer_flush() took it already */
	if (writer_retry(w, b)) {
		writer_submit(w, b);
		return;
	}
	w->busy = NULL;
	writer_settle(w, b);
	writer_next(w);		/* the thread commits the next batch while b is answered */
	writer_answer(w, b, false);
	zsock_resume(w->d->router);	/* reading again if the batch was full, and the kick
					 * that ends the run of replies */
}

/* Waits until the thread is idle, answering the batch it had. */
static void
writer_wait(struct writer *w)
{
	struct batch *b = w->busy;

	if (!b)
		return;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->finished)
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
		if (!writer_retry(w, b))
			break;
		writer_submit(w, b);
	}
	w->busy = NULL;
	writer_settle(w, b);
	writer_answer(w, b, false);
}

void
writer_flush(struct writer *w)
{
	struct batch *b = w->fill;

	writer_wait(w);
	if (b->n > 0 || w->fire || audit_pending(w->d->audit)) {
		w->fire = false;
		writer_snapshot(w, b);
		do
			writer_apply(w->d->store, b);
		while (writer_retry(w, b));
		writer_settle(w, b);
		writer_answer(w, b, true);
	}
	zsock_resume(w->d->router);
}

static void
writer_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	writer_next(arg);
}

ProtobufCAllocator *
writer_alloc(struct writer *w)
{
	return &w->fill->arena.pa;
}

int
writer_push(struct writer *w, const struct reply_to *to, const char *peer,
	    Lanu__V1__Request *req)
{
	struct pending *p = &w->fill->q[w->fill->n++];

	snprintf(p->who, sizeof(p->who), "%s", audit_who(peer));
	p->to = *to;
	p->req = req;
	p->code = LANU__V1__REPLY__CODE__CODE_UNSPECIFIED;
	memset(&p->err, 0, sizeof(p->err));
	event_active(w->flush_ev, EV_TIMEOUT, 0);
	return w->fill->n == STORE_BATCH_MAX;	/* full: pause reading until it is out */
}

void
writer_forget(struct writer *w)
{
	if (w->fill->n == 0)
		arena_reset(&w->fill->arena);
}

/* The thread takes no signal: they are the loop's (libevent's signal events). */
static int
writer_start(struct writer *w)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&w->thread, NULL, writer_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	w->started = true;
	return 0;
}

int
writer_new(struct lanud *d, struct writer **ret_writer)
{
	struct writer *w = calloc(1, sizeof(*w));
	struct store_txn t;
	uint64_t next_at;
	int r = -ENOMEM;

	if (!w)
		return -ENOMEM;
	w->d = d;
	w->fill = &w->b[0];
	w->done_fd = -1;
	for (size_t i = 0; i < ELEMENTSOF(w->b); i++)
		arena_init(&w->b[i].arena);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->done_fd < 0) {
		r = -errno;
		goto fail;
	}
	w->flush_ev = event_new(d->base, -1, 0, writer_flush_cb, w);
	w->timer_ev = evtimer_new(d->base, writer_timer_cb, w);
	w->done_ev = event_new(d->base, w->done_fd, EV_READ | EV_PERSIST, writer_done_cb, w);
	/* Of lanud's three priorities, flushing has the lowest (after every socket
	 * read of this turn) and the thread's return the highest (it is idle until
	 * it has the next batch). */
	if (!w->flush_ev || !w->timer_ev || !w->done_ev ||
	    event_priority_set(w->flush_ev, 2) < 0 || event_priority_set(w->done_ev, 0) < 0 ||
	    event_add(w->done_ev, NULL) < 0)
		goto fail;
	r = writer_start(w);
	if (r < 0)
		goto fail;
	if (d->audit)
		audit_set_wake(d->audit, w->flush_ev);
	/* Clocks and escalation steps that fell due while lanud was down fire in the
	 * first batches. */
	store_begin(d->store, &t, STORE_RO);
	next_at = writer_earliest(store_clock_next_at(&t), store_esc_next_at(&t));
	next_at = writer_earliest(next_at, retain_next_at(d->plan, &t));
	next_at = writer_earliest(next_at, indicator_next_at(&t));
	next_at = writer_earliest(next_at, measure_next_at(&t));
	store_abort(&t);
	writer_arm(w, next_at, false);
	*ret_writer = w;
	return 0;
fail:
	writer_free(w);
	return r;
}

struct writer *
writer_free(struct writer *w)
{
	if (!w)
		return NULL;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);	/* after the batch it has, if any */
	}
	for (size_t i = 0; i < ELEMENTSOF(w->b); i++) {
		arena_free(&w->b[i].arena);
		alert_pubq_free(&w->b[i].pubq);
		free(w->b[i].buf);
		audit_release(NULL, w->b[i].audit, w->b[i].n_audit, 0, false);
	}
	if (w->flush_ev)
		event_free(w->flush_ev);
	if (w->timer_ev)
		event_free(w->timer_ev);
	if (w->done_ev)
		event_free(w->done_ev);
	if (w->done_fd >= 0)
		close(w->done_fd);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
	return NULL;
}
