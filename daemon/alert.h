/* Alerts: raised inside the write transaction, published only after it commits. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"
#include "metrics.h"	/* METRICS_KINDS, METRICS_SEVERITIES */

struct lanud;
struct plan_index;
struct snapshot;
struct msg_error;
struct store_txn;

/* Alerts raised by the current batch, waiting for the commit: each as stored (packed,
 * its facts without words), once, and a copy per recipient topic. They live in one
 * growing buffer, as offsets, so a batch costs no more than a few allocations
 * however many alerts it raises. */
struct alert_pubq {
	struct alert_pub {
		size_t topic;	/* recipient id + NUL terminator byte, see protocol.h */
		size_t topic_len;
		size_t data;	/* the alert as stored (shared by its copies) */
		size_t len;
		uint64_t prev;	/* the copy's prev_seq: the topic's alert before it, 0: none */
	} *v;
	size_t n, cap;		/* copies */
	uint8_t *buf;
	size_t used, size;
	uint8_t *wire;		/* alert_publish()'s copy on the wire */
	size_t wire_size;
	uint64_t n_unrouted;	/* alerts that matched no route */
	uint32_t raised[METRICS_KINDS][METRICS_SEVERITIES];	/* alerts, for metrics */
};

/* Alert.prev_seq's and Alert.text's field numbers: alert_publish() appends them to
 * the alert as stored, as a one-byte key and a varint (the text: and its bytes),
 * without re-packing the alert per recipient. */
#define ALERT_PREV_SEQ_FIELD 15
#define ALERT_TEXT_FIELD 9

/* Checks ALERT_PREV_SEQ_FIELD and ALERT_TEXT_FIELD against the generated descriptor:
 * 0 if prev_seq is a singular uint64 and text a singular Text of those numbers,
 * outside any oneof, whose keys fit one byte; -EPROTO if lanu.proto changed under
 * alert.c. */
int alert_check_wire(void);

/* Routes a (recipients from the configuration), appends it to the alert log unless
 * an alert with the same dedup key exists, and queues it for publishing.
 * Returns 1 if raised, 0 if deduplicated, or the transaction's sticky error. */
int alert_raise(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		Lanu__V1__Alert *a);
/* The same for an alert that resolves the alert with seq `resolves` (0: none): it
 * also goes to everyone that one went to. */
int alert_raise_resolving(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			  Lanu__V1__Alert *a, uint64_t resolves);

/* The same for an alert that also goes to the recipients to[0..n_to) (an absence
 * level's own), each once. */
int alert_raise_to(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		   Lanu__V1__Alert *a, char *const *to, size_t n_to);

/* The AlertAcknowledged handler: 0, -ENOENT with e filled (no such alert; the event
 * is refused and not stored), -EALREADY with e saying who acknowledged it first and
 * when (answered DUPLICATE, not stored), or the sticky error. */
int alert_on_ack(const struct snapshot *snap, struct store_txn *t, const Lanu__V1__Envelope *ev,
		 struct msg_error *e);

/* Fills e with "ALERT_ID was acknowledged by BY at INSTANT", the reason of a second
 * acknowledgement's DUPLICATE. Returns 0, or -ENOENT (no such alert, or not
 * acknowledged; e untouched). */
int alert_ack_said(struct store_txn *t, const char *alert_id, struct msg_error *e);

/* Fires, in the order of their instants, at most max escalation steps due at or before
 * now_ms: each raises an ESCALATION alert unless the alert it escalates was acknowledged,
 * and moves its chain on. Returns how many it raised, or the sticky error; *ret_more says
 * whether more may be due; *ret_next_at (if not NULL) is then the instant of the next
 * step, 0 if none (or if more are due). As deadline_fire(), whose wake-ups it shares. */
int alert_escalate(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		   uint64_t now_ms, size_t max, bool *ret_more, uint64_t *ret_next_at);

/* Sends every queued alert on the PUB socket, its words written in the names of the
 * plan x (the batch's snapshot's), counts the unrouted ones in d, then empties q.
 * Loop thread. */
void alert_publish(struct lanud *d, struct alert_pubq *q, const struct plan_index *x);
void alert_pubq_clear(struct alert_pubq *q);
void alert_pubq_free(struct alert_pubq *q);
