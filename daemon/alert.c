/*
 * alert: turns events into alerts. An alert is appended to the durable log in the
 * same transaction as the event that raised it and published on the PUB socket only
 * after that transaction committed, once per recipient topic, each copy carrying
 * prev_seq for its topic so a subscriber can tell it missed one. Until the plan
 * issue takes routing over, recipients come from the configuration's routes.
 */
#include "alert.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "conf.h"
#include "lanu/limits.h"
#include "lanu/protocol.h"
#include "lanud.h"
#include "log.h"
#include "msg.h"
#include "store.h"
#include "zsock.h"

static int
alert_queue(struct alert_pubq *q, const char *rcpt, Lanu__V1__Alert *a)
{
	struct alert_pub *p;
	size_t n = strlen(rcpt);

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct alert_pub *v = realloc(q->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	p = &q->v[q->n];
	p->len = lanu__v1__alert__get_packed_size(a);
	p->topic_len = n + 1;
	p->topic = malloc(n + 1);
	p->data = malloc(p->len ? p->len : 1);
	if (!p->topic || !p->data) {
		free(p->topic);
		free(p->data);
		return -ENOMEM;
	}
	memcpy(p->topic, rcpt, n);
	p->topic[n] = LANU_TOPIC_TERM;
	lanu__v1__alert__pack(a, p->data);
	q->n++;
	return 0;
}

int
alert_raise(struct lanud *d, struct store_txn *t, struct alert_pubq *q, Lanu__V1__Alert *a)
{
	const char *rcpts[LANU_MAX_RECIPIENTS];
	uint64_t prev[LANU_MAX_RECIPIENTS];
	char id[STORE_ALERT_ID_MAX];
	uint64_t seq;
	int r;

	if (a->dedup_key && *a->dedup_key && store_alert_by_key(t, a->dedup_key, &seq) == 0)
		return 0;
	if (t->err)
		return t->err;
	a->n_recipients = conf_route(d->conf, a->kind, a->service, a->area, rcpts,
				     ELEMENTSOF(rcpts));
	a->recipients = (char **)rcpts;
	store_append_alert(t, a, id, prev);
	if (t->err)
		return t->err;
	if (a->n_recipients == 0)
		log_msg(LOG_WARNING, "alert: %s for service '%s' area '%s' matches no route; "
				     "it is logged as %s with no recipient",
			protobuf_c_enum_descriptor_get_value(&lanu__v1__alert_kind__descriptor,
							     a->kind)->name,
			a->service, a->area, id);
	for (size_t i = 0; i < a->n_recipients; i++) {
		a->prev_seq = prev[i];
		r = alert_queue(q, rcpts[i], a);
		if (r < 0)
			return r;	/* the alert is logged; only its live copy is lost */
	}
	a->prev_seq = 0;
	a->recipients = NULL;
	a->n_recipients = 0;
	return 1;
}

int
alert_on_deadline_missed(struct lanud *d, struct store_txn *t, struct alert_pubq *q,
			 const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const Lanu__V1__DeadlineMissed *m = ev->deadline_missed;
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__Text text = LANU__V1__TEXT__INIT;
	char subject[LANU_MAX_NAME + 8], key[4 * LANU_MAX_NAME + 32];
	char fi[512], sv[512], en[512];
	const char *stage = *m->stage ? m->stage : "-";
	int r;

	(void)e;
	snprintf(subject, sizeof(subject), "case:%s", m->case_id);
	snprintf(key, sizeof(key), "deadline-missed/%s/%s/%s", m->service, stage, m->case_id);
	snprintf(fi, sizeof(fi), "Määräaika ylittyi: palvelu %s, vaihe %s, alue %s, asia %s.",
		 m->service, stage, m->area, m->case_id);
	snprintf(sv, sizeof(sv), "Tidsfristen överskreds: tjänst %s, skede %s, område %s, ärende %s.",
		 m->service, stage, m->area, m->case_id);
	snprintf(en, sizeof(en), "Deadline missed: service %s, stage %s, area %s, case %s.",
		 m->service, stage, m->area, m->case_id);
	text.fi = fi;
	text.sv = sv;
	text.en = en;
	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED;
	a.severity = LANU__V1__SEVERITY__SEVERITY_CRITICAL;
	a.subject = subject;
	a.service = m->service;
	a.area = m->area;
	a.text = &text;
	a.raised_at_ms = timesrc_now_usec(&d->clock) / 1000;
	a.dedup_key = key;
	a.event_id = ev->event_id;
	a.producer = ev->producer;
	r = alert_raise(d, t, q, &a);
	return r < 0 ? r : 0;
}

int
alert_on_ack(struct lanud *d, struct store_txn *t, const Lanu__V1__Envelope *ev,
	     struct msg_error *e)
{
	const Lanu__V1__AlertAcknowledged *m = ev->alert_acknowledged;
	uint64_t seq;
	int r;

	if (store_alert_by_id(t, m->alert_id, &seq) < 0) {
		snprintf(e->reason, sizeof(e->reason), "no alert '%s'", m->alert_id);
		snprintf(e->field, sizeof(e->field), "event.alert_acknowledged.alert_id");
		return t->err ? t->err : -ENOENT;
	}
	r = store_ack_alert(t, seq, m->by, m->note, timesrc_now_usec(&d->clock) / 1000);
	/* A second acknowledgement changes nothing: the first one stands. */
	return r == -EALREADY ? 0 : r;
}

void
alert_publish(struct lanud *d, struct alert_pubq *q)
{
	for (size_t i = 0; i < q->n; i++) {
		struct iovec iov[2] = {
			{ .iov_base = q->v[i].topic, .iov_len = q->v[i].topic_len },
			{ .iov_base = q->v[i].data, .iov_len = q->v[i].len },
		};
		int r = zsock_send(d->pub, iov, 2);

		/* Subscribers catch up from the log: a lost live copy is not lost data. */
		if (r < 0)
			log_errno(LOG_WARNING, r, "alert: live copy for '%.*s' not sent",
				  (int)q->v[i].topic_len - 1, q->v[i].topic);
	}
	if (q->n > 0)
		zsock_kick(d->pub);
	alert_pubq_clear(q);
}

void
alert_pubq_clear(struct alert_pubq *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->v[i].topic);
		free(q->v[i].data);
	}
	q->n = 0;
}
