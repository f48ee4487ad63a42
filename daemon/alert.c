/*
 * alert: the leaf every domain raises alerts through. An alert is appended to the
 * durable log in the same transaction as the event that raised it and published on
 * the PUB socket only after that transaction committed, once per recipient topic,
 * each copy carrying prev_seq for its topic so a subscriber can tell it missed one.
 * Recipients come from the routes of the plan in force (route.c). The log keeps an
 * alert's facts, not its words: the published copies carry the text written from
 * them (alert_text.c), and so does every read (query.c).
 *
 * Escalation (docs/plan-format.md "Routes", docs/protocol.md "Escalation"). An alert
 * appended (any kind but ESCALATION and RESOLVED) that a route with an `escalate`
 * chain matches gets that chain stored beside it, in the same transaction: the first
 * matching route's steps, their recipients as the plan says them then, and each
 * step's instant, counted from the raise on the calendar of the alert's area (or the
 * nearest area above it with one, else the national) at the raise's local time of
 * day, or in hours. A later plan changes no stored chain. alert_escalate() fires the
 * steps that fell due, from the store's escalation fire index, a bounded number per
 * batch as deadline_fire() fires clocks: each raises one ESCALATION alert (its dedup
 * key names the alert and the step), to the step's recipients and the routes that
 * match it, and moves the chain to its next step. An acknowledgement deletes the
 * chain: nothing of it fires after.
 */
#include "alert.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "alert_text.h"
#include "arena.h"
#include "calendar.h"
#include "instant.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanu/protocol.h"
#include "lanud.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "plan.h"
#include "plan_index.h"
#include "route.h"
#include "store.h"
#include "zsock.h"

/* Room for len more bytes in q's buffer; returns where they go, or NULL. */
static uint8_t *
alert_pubq_reserve(struct alert_pubq *q, size_t len)
{
	if (q->used + len > q->size) {
		size_t size = q->size ? q->size : 4096;
		uint8_t *b;

		while (size < q->used + len)
			size *= 2;
		if (!(b = realloc(q->buf, size)))
			return NULL;
		q->buf = b;
		q->size = size;
	}
	return q->buf + q->used;
}

static size_t
alert_varint(uint64_t v, uint8_t *out)
{
	size_t n = 0;

	for (; v >= 0x80; v >>= 7)
		out[n++] = (uint8_t)(v | 0x80);
	out[n++] = (uint8_t)v;
	return n;
}

/* Queues a's copies, one per recipient topic rcpts[i] with prev_seq prev[i]. The
 * alert is kept once, as stored (packed: its facts, no words); alert_publish()
 * writes the words of each alert and appends each copy's prev_seq, on the loop
 * thread, so that the writer only stores. */
static int
alert_queue(struct alert_pubq *q, const char *const *rcpts, const uint64_t *prev, size_t n,
	    const struct store_packed *stored)
{
	size_t data, need = stored->len;
	uint8_t *b;

	for (size_t i = 0; i < n; i++)
		need += strlen(rcpts[i]) + 1;
	if (q->n + n > q->cap) {
		size_t cap = q->cap ? q->cap : 64;
		struct alert_pub *v;

		while (cap < q->n + n)
			cap *= 2;
		if (!(v = realloc(q->v, cap * sizeof(*v))))
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	if (!(b = alert_pubq_reserve(q, need)))
		return -ENOMEM;
	memcpy(b, stored->data, stored->len);
	data = q->used;
	q->used += stored->len;
	for (size_t i = 0; i < n; i++) {
		struct alert_pub *p = &q->v[q->n++];
		size_t len = strlen(rcpts[i]);

		b = q->buf + q->used;
		memcpy(b, rcpts[i], len);
		b[len] = LANU_TOPIC_TERM;
		p->topic = q->used;
		p->topic_len = len + 1;
		p->data = data;
		p->len = stored->len;
		p->prev = prev[i];
		q->used += len + 1;
	}
	return 0;
}

/* The room for one copy on the wire: the alert, its words and prev_seq. */
static uint8_t *
alert_wire_reserve(struct alert_pubq *q, size_t len)
{
	if (len > q->wire_size) {
		size_t size = q->wire_size ? q->wire_size : 2048;
		uint8_t *b;

		while (size < len)
			size *= 2;
		if (!(b = realloc(q->wire, size)))
			return NULL;
		q->wire = b;
		q->wire_size = size;
	}
	return q->wire;
}

/* Puts the alert p holds into q->wire with its words in the plan x's names appended
 * as Alert.text (a field after the others is valid protobuf: a decoder takes it as if
 * packed in place). Returns its length there, or 0 if out of memory. An alert
 * without facts has its words stored already, and goes as it is. */
static size_t
alert_wire(struct alert_pubq *q, const struct alert_pub *p, const struct plan_index *x)
{
	uint8_t space[4096];
	struct arena arena;
	struct alert_text_buf tb;
	Lanu__V1__Text text;
	Lanu__V1__Alert *a;
	size_t len = p->len, tlen = 0;
	uint8_t *w;

	arena_init_buf(&arena, sizeof(space), space, sizeof(space));
	a = lanu__v1__alert__unpack(&arena.pa, p->len, q->buf + p->data);
	if (a && a->facts && !a->text) {
		alert_text_fill(a, x, &tb, &text);
		if (a->text)
			tlen = lanu__v1__text__get_packed_size(&text);
	}
	if ((w = alert_wire_reserve(q, p->len + 1 + 10 + tlen + 1 + 10))) {
		memcpy(w, q->buf + p->data, p->len);
		if (tlen > 0) {
			w[len++] = ALERT_TEXT_FIELD << 3 | 2;	/* wire type 2: length-delimited */
			len += alert_varint(tlen, w + len);
			len += lanu__v1__text__pack(&text, w + len);
		}
	}
	arena_free(&arena);
	return w ? len : 0;
}

int
alert_check_wire(void)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(&lanu__v1__alert__descriptor,
								"prev_seq");

	if (!f || f->id != ALERT_PREV_SEQ_FIELD || f->type != PROTOBUF_C_TYPE_UINT64 ||
	    f->label == PROTOBUF_C_LABEL_REPEATED || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
	    (f->id << 3) > 0x7f)
		return -EPROTO;
	f = protobuf_c_message_descriptor_get_field_by_name(&lanu__v1__alert__descriptor, "text");
	if (!f || f->id != ALERT_TEXT_FIELD || f->type != PROTOBUF_C_TYPE_MESSAGE ||
	    f->descriptor != &lanu__v1__text__descriptor || f->label == PROTOBUF_C_LABEL_REPEATED ||
	    (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || (f->id << 3) > 0x7f)
		return -EPROTO;
	return 0;
}

static int alert_raise_with(const struct snapshot *snap, struct store_txn *t,
			    struct alert_pubq *q, Lanu__V1__Alert *a, uint64_t resolves,
			    char *const *extra, size_t n_extra);

int
alert_raise(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	    Lanu__V1__Alert *a)
{
	return alert_raise_with(snap, t, q, a, 0, NULL, 0);
}

int
alert_raise_resolving(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		      Lanu__V1__Alert *a, uint64_t resolves)
{
	return alert_raise_with(snap, t, q, a, resolves, NULL, 0);
}

int
alert_raise_to(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	       Lanu__V1__Alert *a, char *const *to, size_t n_to)
{
	return alert_raise_with(snap, t, q, a, 0, to, n_to);
}

/* Adds the recipients v[0..n) to rcpts (n_rcpts of them, at most max), each once. */
static size_t
alert_add_recipients(const char **rcpts, size_t n_rcpts, size_t max, char *const *v, size_t n)
{
	for (size_t i = 0; i < n && n_rcpts < max; i++) {
		size_t j = 0;

		while (j < n_rcpts && strcmp(rcpts[j], v[i]) != 0)
			j++;
		if (j == n_rcpts)
			rcpts[n_rcpts++] = v[i];
	}
	return n_rcpts;
}

/* Adds the recipients of alert seq to rcpts (n of them, at most max), each once. */
static size_t
alert_add_recipients_of(struct store_txn *t, uint64_t seq, const char **rcpts, size_t n,
			size_t max, Lanu__V1__Alert **ret_old)
{
	Lanu__V1__Alert *old;

	if (store_get_alert(t, seq, &old) < 0)
		return n;
	n = alert_add_recipients(rcpts, n, max, old->recipients, old->n_recipients);
	*ret_old = old;	/* rcpts point into it until it is freed */
	return n;
}

/* The instant `after` from raised_ms on calendar cal: that many hours later, or the
 * day `after` counts to from the raise's local day, at the raise's local time of day.
 * Returns 0, or -ERANGE/-EINVAL (calendar_due_day(): no such day). */
static int
alert_step_at(const struct calendar *cal, const Lanu__V1__Duration *after, uint64_t raised_ms,
	      uint64_t *ret_at)
{
	int32_t day;
	int r;

	if (after->unit == LANU__V1__DURATION__UNIT__UNIT_HOURS) {
		*ret_at = raised_ms + (uint64_t)after->count * 3600 * 1000;
		return 0;
	}
	r = calendar_due_day(cal, calendar_local_day(raised_ms), after->count, after->unit, false,
			     &day);
	if (r < 0)
		return r;
	*ret_at = calendar_day_time_ms(day, raised_ms);
	return 0;
}

/* Stores the escalation chain of a, just appended, if a route with one matches it.
 * Returns 0 or the sticky error. */
static int
alert_escalation_plan(const struct snapshot *snap, struct store_txn *t, const Lanu__V1__Alert *a)
{
	Lanu__V1__PendingEscalation p = LANU__V1__PENDING_ESCALATION__INIT;
	struct route_alert ra = { a->kind, a->severity, a->service, a->indicator, a->measure,
				  a->area };
	Lanu__V1__Escalation *const *steps;
	Lanu__V1__Escalation *keep[LANU_MAX_ESCALATION_STEPS];
	uint64_t at[LANU_MAX_ESCALATION_STEPS], last = 0;
	const Lanu__V1__Route *route;
	const struct calendar *cal;
	const char *cal_id;
	size_t n;

	if (a->kind == LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION ||
	    a->kind == LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED)
		return 0;
	if (!(route = route_escalation(snap->index, &ra)))
		return 0;
	steps = plan_index_route_steps(route, &n);
	cal_id = plan_index_area_calendar(snap->index, a->area);
	cal = calendar_get(snap->calendars, cal_id ? cal_id : CALENDAR_NATIONAL);
	if (!cal)
		cal = calendar_get(snap->calendars, CALENDAR_NATIONAL);
	for (size_t i = 0; i < n && p.n_steps < ELEMENTSOF(keep); i++) {
		uint64_t when;

		/* A step that cannot be counted (a calendar whose terms have ended) or that
		 * would not come after the one before it is left out. */
		if (!steps[i]->after ||
		    alert_step_at(cal, steps[i]->after, a->raised_at_ms, &when) < 0 ||
		    when <= last) {
			log_ratelimited(LOG_WARNING, "alert: %s: escalation step %zu has no "
						     "instant on calendar '%s', leaving it out",
					a->alert_id, i + 1, calendar_id(cal));
			continue;
		}
		keep[p.n_steps] = steps[i];
		at[p.n_steps++] = last = when;
	}
	if (p.n_steps == 0)
		return 0;
	p.alert_seq = a->seq;
	p.steps = keep;
	p.n_at_ms = p.n_steps;
	p.at_ms = at;
	p.calendar = (char *)calendar_id(cal);
	p.plan_version = snap->plan_version;
	store_esc_put(t, &p, 0);
	return t->err;
}

/* Routes a by the plan's routes, adds the recipients of the alert it resolves (seq
 * resolves, 0: none) and extra[0..n_extra), appends it and queues its copies. */
static int
alert_raise_with(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		 Lanu__V1__Alert *a, uint64_t resolves, char *const *extra, size_t n_extra)
{
	const char *rcpts[LANU_MAX_RECIPIENTS];
	uint64_t prev[LANU_MAX_RECIPIENTS];
	char id[STORE_ALERT_ID_MAX];
	struct store_packed stored;
	Lanu__V1__Alert *old = NULL;
	int r;

	if (t->err)
		return t->err;
	a->n_recipients = 0;
	if (snap->index) {
		struct route_alert ra = { a->kind, a->severity, a->service, a->indicator,
					  a->measure, a->area };

		a->n_recipients = route_match(snap->index, &ra, rcpts, ELEMENTSOF(rcpts));
	}
	/* A resolution also reaches everyone the alert it resolves went to. */
	if (resolves)
		a->n_recipients = alert_add_recipients_of(t, resolves, rcpts, a->n_recipients,
							  ELEMENTSOF(rcpts), &old);
	a->n_recipients = alert_add_recipients(rcpts, a->n_recipients, ELEMENTSOF(rcpts), extra,
					       n_extra);
	a->recipients = (char **)rcpts;
	if (a->facts)
		a->text = NULL;	/* stored as facts: the words are written for each reading */
	r = store_append_alert(t, a, id, prev, &stored);
	if (r <= 0)
		goto done;	/* 0: raised before (its dedup key is there) */
	if (snap->index && (r = alert_escalation_plan(snap, t, a)) < 0)
		goto done;
	r = 1;
	q->raised[(unsigned)a->kind < METRICS_KINDS ? a->kind : 0]
		 [(unsigned)a->severity < METRICS_SEVERITIES ? a->severity : 0]++;
	if (a->n_recipients == 0) {
		const struct log_field f[] = { { "LANU_ALERT_ID", id } };

		q->n_unrouted++;
		log_fields_ratelimited(LOG_WARNING, NULL, f, ELEMENTSOF(f), "alert: %s for service "
				       "'%s' area '%s' matches no route; it is logged as %s with "
				       "no recipient",
				       protobuf_c_enum_descriptor_get_value(
					       &lanu__v1__alert_kind__descriptor, a->kind)->name,
				       a->service, a->area, id);
	} else if (alert_queue(q, rcpts, prev, a->n_recipients, &stored) < 0) {
		r = -ENOMEM;	/* the alert is logged; only its live copies are lost */
	}
done:
	a->recipients = NULL;
	a->n_recipients = 0;
	if (old)
		lanu__v1__alert__free_unpacked(old, NULL);
	return r;
}

int
alert_ack_said(struct store_txn *t, const char *alert_id, struct msg_error *e)
{
	Lanu__V1__Alert *a;
	char at[32];
	uint64_t seq;

	if (store_alert_by_id(t, alert_id, &seq) < 0 || store_get_alert(t, seq, &a) < 0)
		return -ENOENT;
	if (!a->ack) {
		lanu__v1__alert__free_unpacked(a, NULL);
		return -ENOENT;
	}
	instant_format(a->ack->at_ms, at);
	msg_errorf(e, "event.alert_acknowledged.alert_id", "%s was acknowledged by %s at %s",
		   alert_id, a->ack->by, at);
	lanu__v1__alert__free_unpacked(a, NULL);
	return 0;
}

int
alert_on_ack(const struct snapshot *snap, struct store_txn *t, const Lanu__V1__Envelope *ev,
	     struct msg_error *e)
{
	const uint64_t now_ms = snap->now_ms;
	const Lanu__V1__AlertAcknowledged *m = ev->alert_acknowledged;
	uint64_t seq;
	int r;

	if (store_alert_by_id(t, m->alert_id, &seq) < 0) {
		msg_errorf(e, "event.alert_acknowledged.alert_id", "no alert '%s'", m->alert_id);
		return t->err ? t->err : -ENOENT;
	}
	r = store_ack_alert(t, seq, m->by, m->note, now_ms);
	/* A second acknowledgement changes nothing: the first one stands, and the answer
	 * (DUPLICATE) says whose it was and when. */
	if (r == -EALREADY) {
		alert_ack_said(t, m->alert_id, e);
		return -EALREADY;
	}
	/* The first stops the alert's escalation: no step of it fires after. */
	if (r == 0 && (r = store_esc_stop(t, seq, UINT64_MAX)) > 0)
		r = 0;
	return r;
}

/* Fires step p->next of the chain p of alert orig (an unacknowledged one) at now_ms. */
static int
alert_escalate_one(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		   const Lanu__V1__PendingEscalation *p, const Lanu__V1__Alert *orig,
		   uint64_t now_ms)
{
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
	const Lanu__V1__Escalation *step = p->steps[p->next];
	char key[64];
	int r;

	f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_ESCALATION;
	f.alert_seq = orig->seq;
	f.alert_id = orig->alert_id;
	f.alert_kind = orig->kind;
	f.alert_raised_at_ms = orig->raised_at_ms;
	f.step = p->next + 1;
	f.after = step->after;
	if (orig->facts) {
		f.case_id = orig->facts->case_id;
		f.stage = orig->facts->stage;
	}
	snprintf(key, sizeof(key), "escalation/%" PRIu64 "/%" PRIu32, orig->seq, p->next + 1);
	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION;
	/* one up from the alert's own, critical at most */
	a.severity = orig->severity < LANU__V1__SEVERITY__SEVERITY_CRITICAL
			     ? orig->severity + 1
			     : LANU__V1__SEVERITY__SEVERITY_CRITICAL;
	a.subject = orig->subject;
	a.service = orig->service;
	a.area = orig->area;
	a.indicator = orig->indicator;
	a.measure = orig->measure;
	a.facts = &f;
	a.raised_at_ms = now_ms;
	a.dedup_key = key;
	r = alert_raise_to(snap, t, q, &a, step->to, step->n_to);
	return r < 0 ? r : 0;
}

int
alert_escalate(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	       uint64_t now_ms, size_t max, bool *ret_more, uint64_t *ret_next_at)
{
	size_t done = 0, looked = 0;
	uint64_t next = 0;
	int r;

	for (; done < max && looked < 4 * max; looked++) {
		Lanu__V1__PendingEscalation *p = NULL;
		Lanu__V1__Alert *orig = NULL;
		uint64_t at, seq;

		r = store_esc_first(t, &at, &seq);
		if (r == -ENOENT)
			break;
		if (r < 0)
			return r;
		if (at > now_ms) {
			next = at;	/* the next wake-up */
			break;
		}
		r = store_esc_get(t, seq, NULL, &p);
		if (r == -ENOENT || (r == 0 && (p->next >= p->n_steps || p->next >= p->n_at_ms ||
						p->at_ms[p->next] != at)))
			r = -EBADMSG;	/* an entry without its chain, or of another step */
		if (r == 0 && (r = store_get_alert(t, seq, &orig)) == -ENOENT)
			r = -EBADMSG;
		if (r == -EBADMSG) {
			/* A bug, not the data's fault: logged, and not looked at again. */
			log_errno_ratelimited(LOG_ERR, r, "alert: the escalation of alert %" PRIu64
					      " cannot be read, dropping it", seq);
			r = store_esc_stop(t, seq, at);
		} else if (r == 0 && orig->ack) {
			/* acknowledged: stops (alert_on_ack() deleted it already) */
			r = store_esc_stop(t, seq, at);
		} else if (r == 0) {
			r = alert_escalate_one(snap, t, q, p, orig, now_ms);
			p->next++;
			if (r == 0 && p->next < p->n_steps)
				store_esc_put(t, p, at);
			else if (r == 0)
				r = store_esc_stop(t, seq, at);
			done++;
		}
		if (p)
			lanu__v1__pending_escalation__free_unpacked(p, NULL);
		if (orig)
			lanu__v1__alert__free_unpacked(orig, NULL);
		if (r < 0 || t->err)
			return t->err ? t->err : r;
	}
	*ret_more = done == max || looked == 4 * max;
	if (ret_next_at)
		*ret_next_at = next;
	return (int)done;
}

void
alert_publish(struct lanud *d, struct alert_pubq *q, const struct plan_index *x)
{
	size_t data = SIZE_MAX, base = 0;

	for (size_t i = 0; i < q->n; i++) {
		const struct alert_pub *p = &q->v[i];
		struct iovec iov[2] = { { .iov_base = q->buf + p->topic, .iov_len = p->topic_len } };
		size_t len;
		int r = -ENOMEM;

		if (p->data != data) {	/* the next alert: its words, once for all its copies */
			data = p->data;
			base = alert_wire(q, p, x);
		}
		if (base > 0) {
			len = base;
			if (p->prev) {
				q->wire[len++] = ALERT_PREV_SEQ_FIELD << 3;	/* wire type 0: varint */
				len += alert_varint(p->prev, q->wire + len);
			}
			iov[1].iov_base = q->wire;
			iov[1].iov_len = len;
			r = zsock_send(d->pub, iov, 2);
		}
		/* Subscribers catch up from the log: a lost live copy is not lost data. */
		if (r < 0)
			log_errno_ratelimited(LOG_WARNING, r,
					      "alert: live copy for '%.*s' not sent",
					      (int)p->topic_len - 1,
					      (const char *)q->buf + p->topic);
	}
	if (q->n > 0)
		zsock_kick(d->pub);
	d->n_unrouted += q->n_unrouted;
	metrics_alerts(d->metrics, q->raised);
	alert_pubq_clear(q);
}

void
alert_pubq_clear(struct alert_pubq *q)
{
	q->n = 0;
	q->used = 0;
	q->n_unrouted = 0;
	memset(q->raised, 0, sizeof(q->raised));
}

void
alert_pubq_free(struct alert_pubq *q)
{
	free(q->v);
	free(q->buf);
	free(q->wire);
	*q = (struct alert_pubq){ 0 };
}
