/*
 * store_alert: the durable alert log and its indexes (a family of the store, see
 * store_db.h for the codec and errors).
 *
 *	alerts	  seq (u64) -> packed Alert
 *	akeys	  dedup key (tail) -> seq (u64)
 *	by_rcpt	  recipient (str) seq (u64) -> ""
 *	open	  seq (u64) -> ""			(unacknowledged alerts)
 *
 * Invariants: an alert is appended with all its index entries in one transaction; its
 * seq comes from store_next_seq() inside that transaction, so the log has no gap and
 * cursor order is seq order (rule 19); its id is "a-<seq>". by_rcpt holds one entry
 * per recipient the alert was routed to, and a recipient's range (its id, then any seq)
 * holds only its own entries: the NUL after the id keeps "board" apart from "board-2".
 * An acknowledgement rewrites the alert and leaves open. Alerts are never deleted: an
 * alert about a case or a pupil is noted under that subject (store_retain.c), and
 * retention rewrites it as its seq, id, kind, severity, recipients, raise instant and
 * acknowledgement's by and at, marked purged, without its dedup entry or escalation
 * chain; it keeps its by_rcpt and open entries, so the log stays gap-free.
 * Every index entry names an alert that is there: one that is not, or does not decode,
 * is a broken store (-EBADMSG, sticky); read by seq, it is the caller's to judge.
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lanu/limits.h"

/* Reads a by_rcpt key: 1 if it is rcpt's (*ret_seq is the alert's), 0 if it is
 * another recipient's, or -EBADMSG (sticky) if it does not decode. */
static int
store_rcpt_entry(struct store_txn *t, struct store_view k, const char *rcpt, uint64_t *ret_seq)
{
	const char *who;
	uint64_t seq;

	if (store_key_next_str(&k, &who) < 0 || store_key_next_u64(&k, &seq) < 0 ||
	    store_key_end(&k) < 0)
		return store_fail(t, -EBADMSG);
	if (strcmp(who, rcpt) != 0)
		return 0;
	*ret_seq = seq;
	return 1;
}

static void
store_rcpt_key(struct store_key *k, const char *rcpt, uint64_t seq)
{
	store_key_str(k, rcpt);
	store_key_u64(k, seq);
}

/* The newest alert seq up to max routed to rcpt, 0 if none (or on error: the sticky
 * error): what a copy for rcpt of the alert after max carries as prev_seq. */
static uint64_t
store_rcpt_upto(struct store_txn *t, const char *rcpt, uint64_t max)
{
	struct store_iter it = { 0 };
	struct store_key k = { 0 };
	uint64_t seq = 0;
	int r;

	if (store_iter_open(t, t->s->by_rcpt, &it) < 0)
		return 0;
	store_rcpt_key(&k, rcpt, max);
	r = store_iter_seek(&it, &k);
	if (r == 0 && store_rcpt_entry(t, it.key, rcpt, &seq) == 1 && seq == max) {
		/* max itself is rcpt's */
	} else if (r == 0 || r == -ENOENT) {
		/* back from the first key after (rcpt, max) (or from the end) */
		seq = 0;
		r = store_iter_move(&it, r == 0 ? STORE_PREV : STORE_LAST);
		if (r == 0)
			store_rcpt_entry(t, it.key, rcpt, &seq);
	}
	store_iter_close(&it);
	return seq;
}

static void *
store_put_alert(struct store_txn *t, const Lanu__V1__Alert *a, size_t len, unsigned int flags)
{
	struct store_key k = { 0 };
	void *v;

	if (t->err)
		return NULL;
	store_key_u64(&k, a->seq);
	v = store_db_reserve(t, t->s->alerts, &k, len, flags);
	if (v)
		lanu__v1__alert__pack(a, v);
	return v;
}

/* "a-SEQ", without printf: it is written for every alert. */
static void
store_alert_id(uint64_t seq, char out[STORE_ALERT_ID_MAX])
{
	char digits[20];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + seq % 10);
	while ((seq /= 10) != 0);
	out[0] = 'a';
	out[1] = '-';
	for (size_t i = 0; i < n; i++)
		out[2 + i] = digits[n - 1 - i];
	out[2 + n] = '\0';
}

int
store_append_alert(struct store_txn *t, Lanu__V1__Alert *a, char ret_id[STORE_ALERT_ID_MAX],
		   uint64_t *ret_prev, struct store_packed *ret_packed)
{
	struct store_key k = { 0 };
	uint64_t seq;
	int r;

	if (t->err)
		return t->err;
	seq = store_last_alert_seq(t) + 1;
	store_key_u64(&k, seq);
	/* The dedup entry first, as a put that fails if the key is there: one lookup,
	 * and an alert already raised costs no seq. */
	if (a->dedup_key && a->dedup_key[0]) {
		struct store_key dk = { 0 };

		store_key_tail(&dk, a->dedup_key);
		r = store_db_put_new(t, t->s->akeys, &dk, k.b, k.n);	/* -> the seq */
		if (r < 0)
			return r == -EEXIST ? 0 : r;
	}
	store_next_seq(t, true);	/* seq */
	a->seq = seq;
	store_alert_id(seq, ret_id);
	a->alert_id = ret_id;
	for (size_t i = 0; i < a->n_recipients; i++) {
		struct store_key rk = { 0 };

		ret_prev[i] = store_rcpt_upto(t, a->recipients[i], UINT64_MAX);
		store_rcpt_key(&rk, a->recipients[i], seq);
		store_db_put(t, t->s->by_rcpt, &rk, "", 0, 0);
	}
	store_db_put(t, t->s->open, &k, "", 0, STORE_PUT_APPEND);
	if (a->subject)
		store_subject_note(t, a->subject, STORE_PIECE_ALERT, &k, a->raised_at_ms);
	/* The record last: what it was packed into stays valid until the next write. */
	ret_packed->len = lanu__v1__alert__get_packed_size(a);
	ret_packed->data = store_put_alert(t, a, ret_packed->len, STORE_PUT_APPEND);
	return t->err ? t->err : 1;
}

void
store_alert_purge(struct store_txn *t, uint64_t seq)
{
	Lanu__V1__Acknowledgement ack = LANU__V1__ACKNOWLEDGEMENT__INIT;
	Lanu__V1__Alert *a, kept = LANU__V1__ALERT__INIT;
	int r;

	r = store_get_alert(t, seq, &a);
	if (r < 0) {
		if (r != -ENOENT)
			store_fail(t, r);
		return;
	}
	if (a->dedup_key && a->dedup_key[0]) {
		struct store_key dk = { 0 };
		uint64_t of;

		if (store_alert_by_key(t, a->dedup_key, &of) == 0 && of == seq) {
			store_key_tail(&dk, a->dedup_key);
			store_db_del(t, t->s->akeys, &dk);
		}
	}
	kept.seq = a->seq;
	kept.alert_id = a->alert_id;
	kept.kind = a->kind;
	kept.severity = a->severity;
	kept.n_recipients = a->n_recipients;
	kept.recipients = a->recipients;
	kept.raised_at_ms = a->raised_at_ms;
	kept.prev_seq = a->prev_seq;
	kept.purged = true;
	if (a->ack) {
		ack.by = a->ack->by;
		ack.at_ms = a->ack->at_ms;
		kept.ack = &ack;
	}
	store_put_alert(t, &kept, lanu__v1__alert__get_packed_size(&kept), 0);
	lanu__v1__alert__free_unpacked(a, NULL);
	store_esc_stop(t, seq, UINT64_MAX);
}

int
store_alert_by_key(struct store_txn *t, const char *dedup_key, uint64_t *ret_seq)
{
	struct store_key k = { 0 };
	struct store_view v;
	uint64_t seq;
	int r;

	store_key_tail(&k, dedup_key);
	r = store_db_get(t, t->s->akeys, &k, &v);
	if (r < 0)
		return r;
	if (store_key_next_u64(&v, &seq) < 0 || store_key_end(&v) < 0)
		return store_fail(t, -EBADMSG);
	*ret_seq = seq;
	return 0;
}

int
store_alert_by_id(struct store_txn *t, const char *alert_id, uint64_t *ret_seq)
{
	struct store_key k = { 0 };
	struct store_view v;
	uint64_t seq;
	char *end;
	int r;

	/* Ids are "a-<seq>"; anything else is simply unknown. */
	if (strncmp(alert_id, "a-", 2) != 0 || alert_id[2] < '1' || alert_id[2] > '9')
		return -ENOENT;
	errno = 0;
	seq = strtoull(alert_id + 2, &end, 10);
	if (errno != 0 || *end != '\0')
		return -ENOENT;
	store_key_u64(&k, seq);
	r = store_db_get(t, t->s->alerts, &k, &v);
	if (r < 0)
		return r;
	*ret_seq = seq;
	return 0;
}

int
store_get_alert(struct store_txn *t, uint64_t seq, Lanu__V1__Alert **ret_alert)
{
	struct store_key k = { 0 };
	struct store_view v;
	Lanu__V1__Alert *a;
	int r;

	store_key_u64(&k, seq);
	r = store_db_get(t, t->s->alerts, &k, &v);
	if (r < 0)
		return r;
	a = lanu__v1__alert__unpack(NULL, v.n, v.p);
	if (!a)
		return -EBADMSG;	/* the caller's to judge (store.h) */
	*ret_alert = a;
	return 0;
}

int
store_ack_alert(struct store_txn *t, uint64_t seq, const char *by, const char *note,
		uint64_t at_ms)
{
	Lanu__V1__Acknowledgement ack = LANU__V1__ACKNOWLEDGEMENT__INIT;
	struct store_key k = { 0 };
	Lanu__V1__Alert *a;
	int r;

	r = store_get_alert(t, seq, &a);
	if (r < 0)
		return r == -ENOENT ? r : store_fail(t, r);
	if (a->ack) {
		lanu__v1__alert__free_unpacked(a, NULL);
		return -EALREADY;
	}
	ack.by = (char *)by;
	ack.note = a->purged ? (char *)"" : (char *)note;	/* nothing more about it */
	ack.at_ms = at_ms;
	a->ack = &ack;
	store_put_alert(t, a, lanu__v1__alert__get_packed_size(a), 0);
	a->ack = NULL;		/* on our stack: not for free_unpacked */
	lanu__v1__alert__free_unpacked(a, NULL);
	store_key_u64(&k, seq);
	store_db_del(t, t->s->open, &k);
	return t->err;
}

/* Decodes the alert at seq, which an index names, and offers it to fn, with prev_seq
 * *prev (NULL: as stored, 0). Returns fn's answer, or -EBADMSG (sticky) if the alert is
 * not there or does not decode. */
static int
store_offer(struct store_txn *t, uint64_t seq, const uint64_t *prev, store_alert_fn fn,
	    void *arg)
{
	Lanu__V1__Alert *a;
	int r = store_get_alert(t, seq, &a);

	if (r < 0)
		return store_fail(t, r == -ENOENT ? -EBADMSG : r);
	if (prev)
		a->prev_seq = *prev;	/* as the live copy for that recipient had it */
	r = fn(a, arg);
	if (r != 1)
		lanu__v1__alert__free_unpacked(a, NULL);
	return r;
}

/* Moves recipient rcpt's cursor to its next entry: *ret_next is its seq, 0 once the
 * range is done. Returns 0 or the sticky error. */
static int
store_rcpt_next(struct store_txn *t, struct store_iter *it, const char *rcpt, bool first,
		const struct store_key *from, uint64_t *ret_next)
{
	uint64_t next = 0;
	int r = first ? store_iter_seek(it, from) : store_iter_move(it, STORE_NEXT);

	if (r == 0)
		r = store_rcpt_entry(t, it->key, rcpt, &next);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret_next = next;
	return 0;
}

bool
store_rcpt_seen(struct store_txn *t, const char *rcpt)
{
	return store_rcpt_upto(t, rcpt, UINT64_MAX) != 0;
}

int
store_replay(struct store_txn *t, const char *const *rcpts, size_t n, uint64_t after,
	     size_t limit, store_alert_fn fn, void *arg, uint64_t *ret_last, bool *ret_more)
{
	struct store_iter it[LANU_MAX_RECIPIENTS] = { 0 };
	uint64_t next[LANU_MAX_RECIPIENTS];	/* each recipient's next seq; 0 = done */
	uint64_t prev[LANU_MAX_RECIPIENTS];	/* and the one before it: its prev_seq */
	uint64_t last = after;
	size_t taken = 0;
	bool more = false;
	int r = 0;

	if (t->err)
		return t->err;
	if (n > LANU_MAX_RECIPIENTS)
		return -E2BIG;
	/* A k-way merge over the recipients' index ranges, in seq order. */
	for (size_t i = 0; i < n; i++) {
		struct store_key from = { 0 };

		store_rcpt_key(&from, rcpts[i], after + 1);
		prev[i] = store_rcpt_upto(t, rcpts[i], after);
		if (t->err) {
			r = t->err;
			goto out;
		}
		r = store_iter_open(t, t->s->by_rcpt, &it[i]);
		if (r == 0)
			r = store_rcpt_next(t, &it[i], rcpts[i], true, &from, &next[i]);
		if (r < 0)
			goto out;
	}
	for (;;) {
		uint64_t seq = 0;
		size_t first = 0;	/* the first named recipient seq went to */

		for (size_t i = 0; i < n; i++)
			if (next[i] && (seq == 0 || next[i] < seq)) {
				seq = next[i];
				first = i;
			}
		if (seq == 0)
			break;
		if (taken == limit) {
			more = true;
			break;
		}
		r = store_offer(t, seq, &prev[first], fn, arg);
		if (r < 0)
			goto out;
		taken += r == 1;
		last = seq;
		/* Advance every cursor sitting on seq (an alert routed to several). */
		for (size_t i = 0; i < n; i++) {
			if (next[i] != seq)
				continue;
			prev[i] = seq;
			r = store_rcpt_next(t, &it[i], rcpts[i], false, NULL, &next[i]);
			if (r < 0)
				goto out;
		}
	}
	r = 0;
	*ret_last = last;
	*ret_more = more;
out:
	for (size_t i = 0; i < n; i++)
		store_iter_close(&it[i]);
	return r;
}

int
store_alerts_after(struct store_txn *t, uint64_t after, size_t limit, size_t examine,
		   store_alert_fn fn, void *arg, uint64_t *ret_last, bool *ret_more)
{
	uint64_t last = after, end = store_last_alert_seq(t);
	size_t taken = 0, seen = 0;
	int r = t->err;

	for (uint64_t seq = after + 1; r == 0 && seq <= end; seq++) {
		if (taken == limit || seen == examine) {
			*ret_more = true;
			*ret_last = last;
			return 0;
		}
		r = store_offer(t, seq, NULL, fn, arg);	/* the log is gap-free */
		if (r < 0)
			return r;
		taken += r == 1;
		seen++;
		last = seq;
		r = t->err;
	}
	if (r < 0)
		return r;
	*ret_last = last;
	*ret_more = false;
	return 0;
}

int
store_open_alerts(struct store_txn *t, uint64_t after, size_t limit, store_alert_fn fn,
		  void *arg, uint64_t *ret_last, bool *ret_more)
{
	struct store_iter it = { 0 };
	struct store_key from = { 0 };
	uint64_t last = after;
	size_t taken = 0;
	bool more = false;
	int r, rc;

	r = store_iter_open(t, t->s->open, &it);
	if (r < 0)
		return r;
	store_key_u64(&from, after + 1);
	for (rc = store_iter_seek(&it, &from); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		struct store_view k = it.key;
		uint64_t seq;

		if (taken == limit) {
			more = true;
			break;
		}
		if (store_key_next_u64(&k, &seq) < 0 || store_key_end(&k) < 0) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		last = seq;
		r = store_offer(t, seq, NULL, fn, arg);
		if (r < 0)
			break;
		taken += r == 1;
	}
	r = store_iter_end(&it, r, rc);
	if (r < 0)
		return r;
	*ret_last = last;
	*ret_more = more;
	return 0;
}

void
store_alert_note(struct store_txn *t, struct store_view key, struct store_view val)
{
	Lanu__V1__Alert *a = lanu__v1__alert__unpack(NULL, val.n, val.p);
	struct store_key k = { 0 };
	uint64_t seq;

	if (!a || store_key_next_u64(&key, &seq) < 0) {
		if (a)
			lanu__v1__alert__free_unpacked(a, NULL);
		store_fail(t, -EBADMSG);
		return;
	}
	store_key_u64(&k, seq);
	if (!a->purged)
		store_subject_note(t, a->subject, STORE_PIECE_ALERT, &k, a->raised_at_ms);
	lanu__v1__alert__free_unpacked(a, NULL);
}
