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
#include "arena.h"
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
	if (a->n_recipients == 0) {
		q->n_unrouted++;
		log_ratelimited(LOG_WARNING, "alert: %s for service '%s' area '%s' matches no "
					     "route; it is logged as %s with no recipient",
			protobuf_c_enum_descriptor_get_value(&lanu__v1__alert_kind__descriptor,
							     a->kind)->name,
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
	free(q->wire);
	*q = (struct alert_pubq){ 0 };
}
