/*
 * store_measure: each plan measure's statuses as reported, for measure.c (a family of
 * the store, see store_db.h for the codec and errors).
 *
 *	msr_status  measure (str) seq (u64) -> packed MeasureStatusRecord
 *	meta	    "msr_seq": the last seq given
 *
 * A measure's statuses are one range, in the order they came (measure.c picks the one in
 * force by its date).
 * Records are never changed or deleted. A measure's watch is a store_watch
 * (STORE_WATCH_MEASURE).
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <string.h>

void
store_msr_put(struct store_txn *t, const Lanu__V1__MeasureStatusRecord *rec)
{
	struct store_key k = { 0 };
	uint64_t seq;
	size_t len = lanu__v1__measure_status_record__get_packed_size(rec);
	void *v;

	if (t->err)
		return;
	seq = store_meta_u64(t, "msr_seq") + 1;
	store_put_meta_u64(t, "msr_seq", seq);
	store_key_str(&k, rec->measure);
	store_key_u64(&k, seq);
	v = store_db_reserve(t, t->s->msr_status, &k, len, 0);
	if (v)
		lanu__v1__measure_status_record__pack(rec, v);
}

/* Reads an msr_status entry: 1 if it is measure's (decoded with pa into *ret), 0 if
 * not, or -EBADMSG (sticky). */
static int
store_msr_entry(struct store_txn *t, const struct store_iter *it, const char *measure,
		ProtobufCAllocator *pa, Lanu__V1__MeasureStatusRecord **ret)
{
	struct store_view k = it->key;
	const char *m;

	if (store_key_next_str(&k, &m) < 0)
		return store_fail(t, -EBADMSG);
	if (strcmp(m, measure) != 0)
		return 0;
	*ret = lanu__v1__measure_status_record__unpack(pa, it->val.n, it->val.p);
	return *ret ? 1 : store_fail(t, -EBADMSG);
}

int
store_msr_history(struct store_txn *t, const char *measure, ProtobufCAllocator *pa,
		  store_msr_fn fn, void *arg)
{
	struct store_iter it = { 0 };
	struct store_key k = { 0 };
	int r, rc;

	r = store_iter_open(t, t->s->msr_status, &it);
	if (r < 0)
		return r;
	store_key_str(&k, measure);
	for (rc = store_iter_seek(&it, &k); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		Lanu__V1__MeasureStatusRecord *rec;

		r = store_msr_entry(t, &it, measure, pa, &rec);
		if (r <= 0)
			break;
		r = fn(rec, arg);
		if (!pa)
			lanu__v1__measure_status_record__free_unpacked(rec, NULL);
		if (r != 0)
			break;
	}
	return store_iter_end(&it, r, rc);
}
