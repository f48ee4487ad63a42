/*
 * audit: the records of the audit log that are made on the loop, and how they reach the
 * store (audit.h; docs/security.md, "The audit log").
 *
 * Two ways in. What a batch itself does (an acknowledgement, a clock set) and a stored
 * plan version are recorded in the very transaction that does it (writer.c, planload.c
 * call store_append_audit()): the record is exactly as durable as what it records. What
 * happens on the loop (queries, refused requests and peers, plan loads that stored
 * nothing) must not cost the loop a commit: it is packed into a bounded queue here, and
 * the writer takes the queue with its next batch (writer_snapshot(), on the loop) and
 * appends it first in that batch's transaction. A full queue, or a batch whose commit
 * failed, counts its records as dropped; the next batch then appends one
 * RECORDS_DROPPED record with the count: the log never loses something silently.
 *
 * Refusals can be floods, so they are coalesced per source (a peer's name, or "ipc",
 * for requests; the address for peers): the first of a window is recorded at once,
 * those after it within AUDIT_WINDOW_MS are counted and recorded as one, with the
 * count and the last one's reason, when the window ends (a timer). A source makes at
 * most one record per window; more than AUDIT_SLOTS sources at once share one slot,
 * "*". Windows are measured on the monotonic clock.
 *
 * Loop thread only, but for audit_write(), which the writer thread calls with the
 * records its batch took and which touches nothing here.
 */
#include "audit.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "log.h"
#include "msg.h"
#include "store.h"

#define AUDIT_OVERFLOW	AUDIT_SLOTS	/* slots[AUDIT_SLOTS + i]: the "*" of each kind */

/* One source's window of refusals. */
struct audit_slot {
	bool used;
	Lanu__V1__AuditRecord__What what;	/* REQUEST_REFUSED or PEER_REFUSED */
	char key[LANU_MAX_NAME + 1];		/* who, or the address */
	uint64_t start_ms;			/* monotonic: the window began */
	uint64_t extra;				/* refusals since its record */
	/* the last one's */
	char who[LANU_MAX_NAME + 1];
	char address[64];
	char request[32];
	char field[96];
	char reason[192];
};

struct audit {
	struct lanud *d;
	struct event *timer;	/* a window with refusals counted ends */
	struct event *wake;	/* the writer's flush event */
	struct audit_buf q[AUDIT_QUEUE_MAX];
	size_t n;
	uint64_t dropped;	/* records lost since the last RECORDS_DROPPED */
	struct audit_slot slots[AUDIT_SLOTS + 2];
};

static uint64_t
audit_mono_ms(void)
{
	return timesrc_mono_usec() / 1000;
}

const char *
audit_who(const char *peer)
{
	return peer ? peer : "ipc";
}

static void
audit_wake(struct audit *a)
{
	if (a->wake)
		event_active(a->wake, EV_TIMEOUT, 0);
}

/* Packs r into the queue (at_ms 0: now). */
static void
audit_push(struct audit *a, Lanu__V1__AuditRecord *r)
{
	struct audit_buf *b;

	if (r->at_ms == 0)
		r->at_ms = timesrc_now_usec(&a->d->clock) / 1000;
	if (a->n == AUDIT_QUEUE_MAX) {
		a->dropped++;
		return;
	}
	b = &a->q[a->n];
	b->len = lanu__v1__audit_record__get_packed_size(r);
	b->data = malloc(b->len ? b->len : 1);
	if (!b->data) {
		a->dropped++;
		return;
	}
	lanu__v1__audit_record__pack(r, b->data);
	a->n++;
	audit_wake(a);
}

/* The record that says how many were lost. */
static void
audit_dropped_record(struct audit *a, Lanu__V1__AuditRecord *r)
{
	r->what = LANU__V1__AUDIT_RECORD__WHAT__RECORDS_DROPPED;
	r->who = (char *)"lanud";
	r->count = a->dropped;
	r->reason = (char *)"the audit queue was full or a commit failed";
	r->at_ms = timesrc_now_usec(&a->d->clock) / 1000;
}

void
audit_note(struct lanud *d, Lanu__V1__AuditRecord *r)
{
	if (d->audit)
		audit_push(d->audit, r);
}

/* --- coalesced refusals --------------------------------------------------------------- */

static void
audit_emit(struct audit *a, const struct audit_slot *s, uint64_t count)
{
	Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;

	r.what = s->what;
	r.who = (char *)s->who;
	r.address = (char *)s->address;
	r.request = (char *)s->request;
	r.field = (char *)s->field;
	r.reason = (char *)s->reason;
	r.count = count;
	audit_push(a, &r);
}

/* Ends the windows that are over (all: at shutdown), recording what they counted, and
 * sets the timer for the next one that counted something. */
static void
audit_sweep(struct audit *a, bool all)
{
	uint64_t now = audit_mono_ms(), next = UINT64_MAX;

	for (size_t i = 0; i < ELEMENTSOF(a->slots); i++) {
		struct audit_slot *s = &a->slots[i];

		if (!s->used)
			continue;
		if (all || now >= s->start_ms + AUDIT_WINDOW_MS) {
			if (s->extra == 0) {
				s->used = false;
				continue;
			}
			audit_emit(a, s, s->extra);
			s->extra = 0;
			s->start_ms = now;	/* a flood goes on: one record per window */
		} else if (s->extra > 0 && s->start_ms + AUDIT_WINDOW_MS < next) {
			next = s->start_ms + AUDIT_WINDOW_MS;
		}
	}
	if (a->timer && next != UINT64_MAX && !evtimer_pending(a->timer, NULL)) {
		uint64_t ms = next - now + 1;
		struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

		evtimer_add(a->timer, &tv);
	}
}

static void
audit_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	audit_sweep(arg, false);
}

/* The slot of (what, key): its own, a free one, or the kind's "*". */
static struct audit_slot *
audit_slot(struct audit *a, Lanu__V1__AuditRecord__What what, const char *key)
{
	uint64_t now = audit_mono_ms();
	struct audit_slot *free_slot = NULL, *s;

	for (size_t i = 0; i < AUDIT_SLOTS; i++) {
		s = &a->slots[i];
		if (s->used && s->what == what && strcmp(s->key, key) == 0)
			return s;
		if (!free_slot && (!s->used || (s->extra == 0 &&
						now >= s->start_ms + AUDIT_WINDOW_MS)))
			free_slot = s;
	}
	if (free_slot) {
		free_slot->used = false;
		snprintf(free_slot->key, sizeof(free_slot->key), "%s", key);
		return free_slot;
	}
	s = &a->slots[AUDIT_OVERFLOW + (what == LANU__V1__AUDIT_RECORD__WHAT__PEER_REFUSED)];
	snprintf(s->key, sizeof(s->key), "*");
	return s;
}

/* One more refusal from s's source. Returns true if it falls in the window that is
 * open (counted, recorded when the window ends), false if it opens a new one (to be
 * recorded at once, with a count of 1). A window over before its timer fired is
 * recorded first, with its own details, before the caller writes the new one's. */
static bool
audit_count(struct audit *a, struct audit_slot *s, Lanu__V1__AuditRecord__What what)
{
	uint64_t now = audit_mono_ms();

	if (s->used && now < s->start_ms + AUDIT_WINDOW_MS) {
		s->extra++;
		audit_sweep(a, false);	/* sets the timer */
		return true;
	}
	if (s->used && s->extra > 0)
		audit_emit(a, s, s->extra);
	s->used = true;
	s->what = what;
	s->start_ms = now;
	s->extra = 0;
	return false;
}

/* The request's kind, as lanu.proto names its body ("replay"), "" if unknown. */
static const char *
audit_request_kind(const Lanu__V1__Request *req)
{
	const ProtobufCFieldDescriptor *f;

	if (!req)
		return "";
	f = protobuf_c_message_descriptor_get_field(&lanu__v1__request__descriptor,
						    (unsigned)req->body_case);
	return f ? f->name : "";
}

void
audit_refused(struct lanud *d, const char *peer, const Lanu__V1__Request *req,
	      const struct msg_error *e)
{
	const Lanu__V1__AuditRecord__What what = LANU__V1__AUDIT_RECORD__WHAT__REQUEST_REFUSED;
	struct audit_slot *s;
	bool counted;

	if (!d->audit)
		return;
	s = audit_slot(d->audit, what, audit_who(peer));
	counted = audit_count(d->audit, s, what);
	snprintf(s->who, sizeof(s->who), "%s", audit_who(peer));
	s->address[0] = '\0';
	snprintf(s->request, sizeof(s->request), "%s", audit_request_kind(req));
	snprintf(s->field, sizeof(s->field), "%s", e->field);
	snprintf(s->reason, sizeof(s->reason), "%s", e->reason);
	if (!counted)
		audit_emit(d->audit, s, 1);
}

void
audit_peer_refused(struct lanud *d, const char *address, const char *key, const char *why)
{
	const Lanu__V1__AuditRecord__What what = LANU__V1__AUDIT_RECORD__WHAT__PEER_REFUSED;
	struct audit_slot *s;
	bool counted;

	if (!d->audit)
		return;
	s = audit_slot(d->audit, what, address);
	counted = audit_count(d->audit, s, what);
	snprintf(s->who, sizeof(s->who), "%s", key);
	snprintf(s->address, sizeof(s->address), "%s", address);
	s->request[0] = s->field[0] = '\0';
	snprintf(s->reason, sizeof(s->reason), "%s", why);
	if (!counted)
		audit_emit(d->audit, s, 1);
}

void
audit_flush(struct audit *a)
{
	if (!a)
		return;
	audit_sweep(a, true);
	if (a->dropped > 0 && a->n < AUDIT_QUEUE_MAX) {
		Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;

		audit_dropped_record(a, &r);
		a->dropped = 0;
		audit_push(a, &r);
	}
}

/* --- queries --------------------------------------------------------------------------- */

void
audit_query(struct lanud *d, const char *peer, const Lanu__V1__Request *req,
	    const Lanu__V1__Reply *rep)
{
	Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;
	char *all[] = { (char *)"*" };

	if (!d->audit || rep->code != LANU__V1__REPLY__CODE__OK)
		return;
	switch (req->body_case) {
	case LANU__V1__REQUEST__BODY_REPLAY:
		r.what = LANU__V1__AUDIT_RECORD__WHAT__REPLAY;
		r.recipients = req->replay->all ? all : req->replay->recipients;
		r.n_recipients = req->replay->all ? 1 : req->replay->n_recipients;
		if (req->replay->unrouted)
			r.reason = (char *)"unrouted";
		r.count = rep->alerts ? rep->alerts->n_alerts : 0;
		break;
	case LANU__V1__REQUEST__BODY_OPEN_ALERTS:
		r.what = LANU__V1__AUDIT_RECORD__WHAT__OPEN_ALERTS;
		r.recipients = req->open_alerts->n_recipients ? req->open_alerts->recipients : all;
		r.n_recipients = req->open_alerts->n_recipients ? req->open_alerts->n_recipients
								 : 1;
		r.count = rep->alerts ? rep->alerts->n_alerts : 0;
		break;
	case LANU__V1__REQUEST__BODY_ALERT:
		r.what = LANU__V1__AUDIT_RECORD__WHAT__ALERT_QUERY;
		r.alert_id = req->alert->alert_id;
		if (rep->alert) {
			r.recipients = rep->alert->recipients;
			r.n_recipients = rep->alert->n_recipients;
		}
		r.count = 1;
		break;
	case LANU__V1__REQUEST__BODY_ABSENCES:
		if (!*req->absences->pupil_id)
			return;	/* figures: counts, nobody's */
		r.what = LANU__V1__AUDIT_RECORD__WHAT__ABSENCE_PUPIL_QUERY;
		r.subject = req->absences->pupil_id;
		r.count = rep->absences ? rep->absences->n_pupil : 0;
		break;
	case LANU__V1__REQUEST__BODY_CASE_QUERY:
		r.what = LANU__V1__AUDIT_RECORD__WHAT__CASE_QUERY;
		r.subject = req->case_query->case_id;
		r.count = rep->clocks ? rep->clocks->n_clocks : 0;
		break;
	default:
		return;
	}
	r.who = (char *)audit_who(peer);
	r.request = (char *)audit_request_kind(req);
	audit_push(d->audit, &r);
}

/* --- the writer's side ------------------------------------------------------------------ */

bool
audit_pending(const struct audit *a)
{
	return a && a->n > 0;
}

size_t
audit_take(struct audit *a, struct audit_buf *out)
{
	size_t n;

	if (!a)
		return 0;
	n = a->n;
	memcpy(out, a->q, n * sizeof(*out));
	a->n = 0;
	if (a->dropped > 0) {
		Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;
		struct audit_buf *b = &out[n];

		audit_dropped_record(a, &r);
		b->len = lanu__v1__audit_record__get_packed_size(&r);
		b->data = malloc(b->len);
		if (b->data) {
			lanu__v1__audit_record__pack(&r, b->data);
			a->dropped = 0;
			n++;
		}
	}
	return n;
}

size_t
audit_write(struct store_txn *t, const struct audit_buf *v, size_t n)
{
	size_t unwritten = 0;

	for (size_t i = 0; i < n && !t->err; i++) {
		Lanu__V1__AuditRecord *r = lanu__v1__audit_record__unpack(NULL, v[i].len,
									   v[i].data);

		if (!r) {
			unwritten++;
			continue;
		}
		store_append_audit(t, r);
		lanu__v1__audit_record__free_unpacked(r, NULL);
	}
	return unwritten;
}

void
audit_release(struct audit *a, struct audit_buf *v, size_t n, size_t unwritten, bool lost)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].data);
		v[i].data = NULL;
	}
	if (a)
		a->dropped += lost ? n : unwritten;
}

/* --- life ------------------------------------------------------------------------------ */

void
audit_set_wake(struct audit *a, struct event *wake)
{
	a->wake = wake;
}

int
audit_new(struct lanud *d, struct audit **ret_audit)
{
	struct audit *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->d = d;
	if (d->base && !(a->timer = evtimer_new(d->base, audit_timer_cb, a))) {
		free(a);
		return -ENOMEM;
	}
	*ret_audit = a;
	return 0;
}

struct audit *
audit_free(struct audit *a)
{
	uint64_t lost;

	if (!a)
		return NULL;
	lost = a->n + a->dropped;
	for (size_t i = 0; i < ELEMENTSOF(a->slots); i++)
		lost += a->slots[i].used && a->slots[i].extra > 0;	/* its count's record */
	if (lost > 0)	/* made after the last batch on the way out: said, not lost silently */
		log_msg(LOG_WARNING, "audit: %" PRIu64 " record%s made after the last commit "
				     "not written", lost, lost == 1 ? "" : "s");
	for (size_t i = 0; i < a->n; i++)
		free(a->q[i].data);
	if (a->timer)
		event_free(a->timer);
	free(a);
	return NULL;
}
