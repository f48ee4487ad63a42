/*
 * alert: the leaf every domain raises alerts through. An alert is appended to the
 * durable log in the same transaction as the event that raised it and published on
 * the PUB socket only after that transaction committed, once per recipient topic,
 * each copy carrying prev_seq for its topic so a subscriber can tell it missed one.
 * Recipients come from the routes of the plan in force (route.c). The log keeps an
 * alert's facts, not its words: the published copies carry the text written from
 * them (alert_text.c), and so does every read (query.c).
 */
#include "alert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "alert_text.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanu/protocol.h"
#include "lanud.h"
#include "log.h"
#include "msg.h"
#include "plan.h"
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

/* Queues the copy of a (packed without prev_seq) for one recipient topic. The
 * alert is packed for its first copy only (*first is SIZE_MAX until then, *base
 * its length) and each copy gets its own prev_seq appended: a field after the
 * others is valid protobuf, and a decoder takes the scalar as if packed in place. */
static int
alert_queue(struct alert_pubq *q, const char *rcpt, const Lanu__V1__Alert *a, uint64_t prev,
	    size_t *first, size_t *base)
{
	size_t n = strlen(rcpt);
	size_t len = *first == SIZE_MAX ? lanu__v1__alert__get_packed_size(a) : *base;
	struct alert_pub *p;
	uint8_t *b;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct alert_pub *v = realloc(q->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	if (!(b = alert_pubq_reserve(q, n + 1 + len + 1 + 10)))
		return -ENOMEM;
	p = &q->v[q->n];
	p->topic = q->used;
	p->topic_len = n + 1;
	memcpy(b, rcpt, n);
	b[n] = LANU_TOPIC_TERM;
	p->data = q->used + n + 1;
	b += n + 1;
	if (*first == SIZE_MAX) {
		lanu__v1__alert__pack(a, b);
		*first = q->n;
		*base = len;
	} else {
		memcpy(b, q->buf + q->v[*first].data, len);
	}
	if (prev) {
		b[len++] = ALERT_PREV_SEQ_FIELD << 3;	/* wire type 0: varint */
		len += alert_varint(prev, b + len);
	}
	p->len = len;
	q->used = p->data + len;
	q->n++;
	return 0;
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
	return 0;
}

int
alert_raise(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	    Lanu__V1__Alert *a)
{
	return alert_raise_resolving(snap, t, q, a, 0);
}

/* Adds the recipients of alert seq to rcpts (n of them, at most max), each once. */
static size_t
alert_add_recipients_of(struct store_txn *t, uint64_t seq, const char **rcpts, size_t n,
			size_t max, Lanu__V1__Alert **ret_old)
{
	Lanu__V1__Alert *old;

	if (store_get_alert(t, seq, &old) < 0)
		return n;
	for (size_t i = 0; i < old->n_recipients && n < max; i++) {
		size_t j = 0;

		while (j < n && strcmp(rcpts[j], old->recipients[i]) != 0)
			j++;
		if (j == n)
			rcpts[n++] = old->recipients[i];
	}
	*ret_old = old;	/* rcpts point into it until it is freed */
	return n;
}

int
alert_raise_resolving(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		      Lanu__V1__Alert *a, uint64_t resolves)
{
	const char *rcpts[LANU_MAX_RECIPIENTS];
	uint64_t prev[LANU_MAX_RECIPIENTS];
	char id[STORE_ALERT_ID_MAX];
	Lanu__V1__Text text;
	struct alert_text_buf tb;
	Lanu__V1__Alert *old = NULL;
	uint64_t seq;
	int r;

	if (a->dedup_key && *a->dedup_key && store_alert_by_key(t, a->dedup_key, &seq) == 0)
		return 0;
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
	a->recipients = (char **)rcpts;
	if (a->facts)
		a->text = NULL;	/* stored as facts: the words are written for each reading */
	store_append_alert(t, a, id, prev);
	r = 1;
	if (t->err) {
		r = t->err;
		goto done;
	}
	if (a->n_recipients == 0) {
		q->n_unrouted++;
		log_ratelimited(LOG_WARNING, "alert: %s for service '%s' area '%s' matches no "
					     "route; it is logged as %s with no recipient",
			protobuf_c_enum_descriptor_get_value(&lanu__v1__alert_kind__descriptor,
							     a->kind)->name,
			a->service, a->area, id);
	}
	a->prev_seq = 0;
	if (a->n_recipients > 0)	/* words only for the live copies */
		alert_text_fill(a, snap->index, &tb, &text);
	for (size_t i = 0, first = SIZE_MAX, base = 0; i < a->n_recipients && r == 1; i++)
		if (alert_queue(q, rcpts[i], a, prev[i], &first, &base) < 0)
			r = -ENOMEM;	/* the alert is logged; only its live copy is lost */
done:
	a->recipients = NULL;
	a->n_recipients = 0;
	if (a->facts)
		a->text = NULL;	/* it pointed at this function's buffers */
	if (old)
		lanu__v1__alert__free_unpacked(old, NULL);
	return r;
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
	/* A second acknowledgement changes nothing: the first one stands. */
	return r == -EALREADY ? 0 : r;
}

void
alert_publish(struct lanud *d, struct alert_pubq *q)
{
	for (size_t i = 0; i < q->n; i++) {
		const struct alert_pub *p = &q->v[i];
		struct iovec iov[2] = {
			{ .iov_base = q->buf + p->topic, .iov_len = p->topic_len },
			{ .iov_base = q->buf + p->data, .iov_len = p->len },
		};
		int r = zsock_send(d->pub, iov, 2);

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
	alert_pubq_clear(q);
}

void
alert_pubq_clear(struct alert_pubq *q)
{
	q->n = 0;
	q->used = 0;
	q->n_unrouted = 0;
}

void
alert_pubq_free(struct alert_pubq *q)
{
	free(q->v);
	free(q->buf);
	*q = (struct alert_pubq){ 0 };
}
