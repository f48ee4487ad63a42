/*
 * store_audit: the audit log (a family of the store, see store_db.h for the codec and
 * errors; docs/security.md, "The audit log").
 *
 *	audit	  seq (u64) -> packed AuditRecord
 *	meta	  "audit_seq", "audit_at": the last record's seq and at_ms (u64)
 *
 * Invariants: a record's seq is the last one + 1, taken in the transaction that stores
 * it, so the log has no gap and an aborted transaction leaves none; records are never
 * rewritten nor deleted. at_ms never goes back: a record made while lanud's clock
 * stepped back gets the time of the one before, so seq order is time order and a time
 * bound is found by bisecting seqs (no time index: a put less per record).
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <stdlib.h>

uint64_t
store_last_audit_seq(struct store_txn *t)
{
	return store_meta_u64(t, "audit_seq");
}

uint64_t
store_append_audit(struct store_txn *t, Lanu__V1__AuditRecord *r)
{
	struct store_key k = { 0 };
	uint64_t seq, last_at;
	size_t len;
	void *v;

	if (t->err)
		return 0;
	seq = store_meta_u64(t, "audit_seq") + 1;
	last_at = store_meta_u64(t, "audit_at");
	if (t->err)
		return 0;
	r->seq = seq;
	if (r->at_ms < last_at)
		r->at_ms = last_at;
	store_key_u64(&k, seq);
	len = lanu__v1__audit_record__get_packed_size(r);
	v = store_db_reserve(t, t->s->audit, &k, len, STORE_PUT_APPEND);
	if (!v)
		return 0;
	lanu__v1__audit_record__pack(r, v);
	store_put_meta_u64(t, "audit_seq", seq);
	store_put_meta_u64(t, "audit_at", r->at_ms);
	return t->err ? 0 : seq;
}

int
store_get_audit(struct store_txn *t, uint64_t seq, Lanu__V1__AuditRecord **ret_rec)
{
	struct store_key k = { 0 };
	struct store_view v;
	Lanu__V1__AuditRecord *rec;
	int r;

	store_key_u64(&k, seq);
	r = store_db_get(t, t->s->audit, &k, &v);
	if (r < 0)
		return r;
	rec = lanu__v1__audit_record__unpack(NULL, v.n, v.p);
	if (!rec)
		return -EBADMSG;
	*ret_rec = rec;
	return 0;
}

/* The first seq (1..last) whose record is at or after from_ms, last + 1 if none: a
 * bisection, at_ms being non-decreasing in seq. 0 with the sticky error. */
static uint64_t
store_audit_first_at(struct store_txn *t, uint64_t from_ms, uint64_t last)
{
	uint64_t lo = 1, hi = last + 1;	/* the answer is in [lo, hi] */

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		Lanu__V1__AuditRecord *rec;
		int r = store_get_audit(t, mid, &rec);

		if (r < 0) {
			store_fail(t, r == -ENOENT ? -EBADMSG : r);
			return 0;
		}
		if (rec->at_ms >= from_ms)
			hi = mid;
		else
			lo = mid + 1;
		lanu__v1__audit_record__free_unpacked(rec, NULL);
	}
	return lo;
}

int
store_audit_scan(struct store_txn *t, uint64_t after, uint64_t from_ms, uint64_t to_ms,
		 size_t limit, size_t examine, store_audit_fn fn, void *arg, uint64_t *ret_last,
		 bool *ret_more)
{
	struct store_iter it = { 0 };
	struct store_key from = { 0 };
	uint64_t start = after + 1, last = after;
	size_t taken = 0, seen = 0;
	bool more = false;
	int r = 0, rc;

	if (t->err)
		return t->err;
	if (from_ms > 0) {
		uint64_t first = store_audit_first_at(t, from_ms, store_last_audit_seq(t));

		if (t->err)
			return t->err;
		if (first > start) {
			start = first;
			last = first - 1;	/* those before were examined, in effect */
		}
	}
	r = store_iter_open(t, t->s->audit, &it);
	if (r < 0)
		return r;
	store_key_u64(&from, start);
	for (rc = store_iter_seek(&it, &from); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		struct store_view k = it.key;
		Lanu__V1__AuditRecord *rec;
		uint64_t seq;

		if (taken == limit || seen == examine) {
			more = true;
			break;
		}
		if (store_key_next_u64(&k, &seq) < 0 || store_key_end(&k) < 0) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		rec = lanu__v1__audit_record__unpack(NULL, it.val.n, it.val.p);
		if (!rec) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		if (to_ms > 0 && rec->at_ms > to_ms) {
			lanu__v1__audit_record__free_unpacked(rec, NULL);
			break;	/* and every later one: at_ms does not go back */
		}
		last = seq;
		seen++;
		r = fn(rec, arg);
		if (r != 1)
			lanu__v1__audit_record__free_unpacked(rec, NULL);
		if (r < 0)
			break;
		taken += r == 1;
		r = 0;
	}
	r = store_iter_end(&it, r, rc);
	if (r < 0)
		return r;
	*ret_last = last;
	*ret_more = more;
	return 0;
}
