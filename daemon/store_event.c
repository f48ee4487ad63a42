/*
 * store_event: the events lanud accepted, and the dedup index that refuses a second
 * delivery of one (a family of the store, see store_db.h for the codec and errors).
 *
 *	events	seq (u64) -> received_ms (u64) + the packed Envelope as it came
 *	dedup	producer (str) event_id (tail) -> seq (u64)
 *
 * Invariants: an event and its dedup entry are written in the same transaction; event
 * seqs come from store_next_seq(), so they are appended in order and an aborted
 * transaction leaves no gap. lanud never reads an event back (the log is the record of
 * what came in) except to purge it: an event about a case or a pupil is noted under
 * that subject (store_retain.c), and retention deletes it with its dedup entry; the
 * seqs of the others stay. It reads only the dedup index. Both ids are validated by msg.c (at most
 * LANU_MAX_NAME and LANU_MAX_ID), so a dedup key always fits.
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <string.h>

#include "lanu.pb-c.h"
#include "msg.h"

static void
store_dedup_key(struct store_key *k, const char *producer, const char *event_id)
{
	store_key_str(k, producer);
	store_key_tail(k, event_id);
}

int
store_event_seen(struct store_txn *t, const char *producer, const char *event_id)
{
	struct store_key k = { 0 };
	struct store_view v;
	int r;

	store_dedup_key(&k, producer, event_id);
	r = store_db_get(t, t->s->dedup, &k, &v);
	if (r == -ENOENT)
		return 0;
	return r == 0 ? 1 : r;
}

void
store_put_event(struct store_txn *t, const char *producer, const char *event_id,
		const char *subject, uint64_t received_ms, const void *data, size_t len)
{
	struct store_key k = { 0 }, head = { 0 }, dk = { 0 };
	uint8_t *v;

	if (t->err)
		return;
	store_key_u64(&k, store_next_seq(t, false));
	store_key_u64(&head, received_ms);
	v = store_db_reserve(t, t->s->events, &k, head.n + len, STORE_PUT_APPEND);
	if (!v)
		return;
	memcpy(v, head.b, head.n);
	memcpy(v + head.n, data, len);
	store_dedup_key(&dk, producer, event_id);
	store_db_put(t, t->s->dedup, &dk, k.b, k.n, STORE_PUT_NOOVERWRITE);	/* -> the seq */
	store_subject_note(t, subject, STORE_PIECE_EVENT, &k, received_ms);
}

void
store_event_purge(struct store_txn *t, uint64_t seq)
{
	struct store_key k = { 0 }, dk = { 0 };
	struct store_view v;
	Lanu__V1__Envelope *ev;
	uint64_t received_ms;

	store_key_u64(&k, seq);
	if (store_db_get(t, t->s->events, &k, &v) < 0)
		return;
	if (store_key_next_u64(&v, &received_ms) < 0 ||
	    !(ev = lanu__v1__envelope__unpack(NULL, v.n, v.p))) {
		store_fail(t, -EBADMSG);
		return;
	}
	store_dedup_key(&dk, ev->producer, ev->event_id);
	lanu__v1__envelope__free_unpacked(ev, NULL);
	/* The dedup entry is this event's: a later one under the same id cannot be. */
	store_db_del(t, t->s->dedup, &dk);
	store_db_del(t, t->s->events, &k);
}

void
store_event_note(struct store_txn *t, struct store_view key, struct store_view val)
{
	struct store_key k = { 0 };
	Lanu__V1__Envelope *ev;
	char subject[STORE_SUBJECT_MAX];
	uint64_t seq, received_ms;

	if (store_key_next_u64(&key, &seq) < 0 || store_key_next_u64(&val, &received_ms) < 0 ||
	    !(ev = lanu__v1__envelope__unpack(NULL, val.n, val.p))) {
		store_fail(t, -EBADMSG);
		return;
	}
	msg_event_subject(ev, subject, sizeof(subject));
	lanu__v1__envelope__free_unpacked(ev, NULL);
	store_key_u64(&k, seq);
	store_subject_note(t, subject, STORE_PIECE_EVENT, &k, received_ms);
}
