/*
 * store_indicator: the plan's indicators as series, their levels and their watch for
 * values that do not come, for indicator.c and compliance.c (a family of the store, see
 * store_db.h for the codec and errors).
 *
 *	ind_values  indicator (str) group (str) first day (fixed 10) period (tail)
 *		    -> packed IndicatorValue			(a value per period)
 *	ind_revs    indicator (str) group (str) first day (fixed 10) period (str)
 *		    revision (u64) -> packed IndicatorValue	(each value replaced)
 *	ind_levels  indicator (str) group (tail) -> packed IndicatorLevel
 *
 * A group's values are one range in the order of their periods (the first day sorts
 * them, whatever the cadence's names: "2025-spring" before "2025-autumn"); an
 * indicator's groups are one range. A value replaced for its period is kept in
 * ind_revs under its revision number, in the same transaction as its successor. An
 * indicator's watch is a store_watch (STORE_WATCH_INDICATOR).
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <string.h>

#include "lanu/limits.h"

static void
store_ind_key(struct store_key *k, const char *indicator, const char *group,
	      const char *first_day, const char *period)
{
	store_key_str(k, indicator);
	store_key_str(k, group);
	store_key_fixed(k, first_day, 10);
	store_key_tail(k, period);
}

int
store_ind_get(struct store_txn *t, const char *indicator, const char *group,
	      const char *first_day, const char *period, ProtobufCAllocator *pa,
	      Lanu__V1__IndicatorValue **ret_value)
{
	struct store_key k = { 0 };
	struct store_view v;
	Lanu__V1__IndicatorValue *iv;
	int r;

	store_ind_key(&k, indicator, group, first_day, period);
	r = store_db_get(t, t->s->ind_values, &k, &v);
	if (r < 0)
		return r;
	iv = lanu__v1__indicator_value__unpack(pa, v.n, v.p);
	if (!iv)
		return store_fail(t, -EBADMSG);
	*ret_value = iv;
	return 0;
}

/* Packs m (of descriptor d) as k's value in dbi. */
static void
store_ind_pack(struct store_txn *t, unsigned int dbi, const struct store_key *k,
	       const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	void *v = store_db_reserve(t, dbi, k, len, 0);

	if (v)
		protobuf_c_message_pack(m, v);
}

void
store_ind_put(struct store_txn *t, const Lanu__V1__IndicatorValue *value, const char *first_day,
	      const Lanu__V1__IndicatorValue *old)
{
	struct store_key k = { 0 };

	if (old) {
		struct store_key rk = { 0 };

		store_key_str(&rk, old->indicator);
		store_key_str(&rk, old->group);
		store_key_fixed(&rk, first_day, 10);
		store_key_str(&rk, old->period);
		store_key_u64(&rk, old->revision);
		store_ind_pack(t, t->s->ind_revs, &rk, &old->base);
	}
	store_ind_key(&k, value->indicator, value->group, first_day, value->period);
	store_ind_pack(t, t->s->ind_values, &k, &value->base);
}

/* Reads an ind_values key: 1 if it is indicator's (and group's, unless group is NULL)
 * with its group, first day and period, 0 if not, or -EBADMSG (sticky). */
static int
store_ind_entry(struct store_txn *t, const struct store_iter *it, const char *indicator,
		const char *group, struct store_ind_key *ret)
{
	struct store_view k = it->key;
	const char *ind;

	if (store_key_next_str(&k, &ind) < 0 || store_key_next_str(&k, &ret->group) < 0)
		return store_fail(t, -EBADMSG);
	if (strcmp(ind, indicator) != 0 || (group && strcmp(ret->group, group) != 0))
		return 0;
	if (store_key_next_fixed(&k, 10, ret->first_day) < 0 ||
	    store_key_next_tail(&k, ret->period, sizeof(ret->period)) < 0)
		return store_fail(t, -EBADMSG);
	return 1;
}

int
store_ind_scan(struct store_txn *t, const char *indicator, const char *group, bool newest_first,
	       ProtobufCAllocator *pa, store_ind_keep_fn keep, store_ind_fn fn, void *arg)
{
	struct store_iter it = { 0 };
	struct store_key from = { 0 };
	int r, rc;

	r = store_iter_open(t, t->s->ind_values, &it);
	if (r < 0)
		return r;
	store_key_str(&from, indicator);
	if (group)
		store_key_str(&from, group);
	if (newest_first) {
		/* From the first key after the range, back: every day sorts before "~". */
		if (group)
			store_key_fixed(&from, "~~~~~~~~~~", 10);
		else
			store_key_u8(&from, 0xff);
		rc = store_iter_seek(&it, &from);
		rc = store_iter_move(&it, rc == 0 ? STORE_PREV : STORE_LAST);
	} else {
		rc = store_iter_seek(&it, &from);
	}
	for (; rc == 0; rc = store_iter_move(&it, newest_first ? STORE_PREV : STORE_NEXT)) {
		Lanu__V1__IndicatorValue *v;
		struct store_ind_key key;

		r = store_ind_entry(t, &it, indicator, group, &key);
		if (r <= 0)
			break;
		r = keep ? keep(&key, arg) : 1;
		if (r == 0)
			continue;	/* passed over undecoded */
		if (r != 1)
			break;
		v = lanu__v1__indicator_value__unpack(pa, it.val.n, it.val.p);
		if (!v) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		r = fn(v, arg);
		if (!pa)	/* an allocator's (an arena's) stay: free_unpacked() would clear them */
			lanu__v1__indicator_value__free_unpacked(v, NULL);
		if (r != 0)
			break;
	}
	return store_iter_end(&it, r, rc);
}

int
store_ind_revisions(struct store_txn *t, const char *indicator, const char *group,
		    const char *first_day, const char *period, ProtobufCAllocator *pa,
		    store_ind_fn fn, void *arg)
{
	struct store_iter it = { 0 };
	struct store_key from = { 0 };
	int r, rc;

	r = store_iter_open(t, t->s->ind_revs, &it);
	if (r < 0)
		return r;
	store_key_str(&from, indicator);
	store_key_str(&from, group);
	store_key_fixed(&from, first_day, 10);
	store_key_str(&from, period);
	for (rc = store_iter_seek(&it, &from); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		Lanu__V1__IndicatorValue *v;

		/* The range: the key up to its revision is from's. */
		if (it.key.n != from.n + 8 || memcmp(it.key.p, from.b, from.n) != 0)
			break;
		v = lanu__v1__indicator_value__unpack(pa, it.val.n, it.val.p);
		if (!v) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		r = fn(v, arg);
		if (!pa)
			lanu__v1__indicator_value__free_unpacked(v, NULL);
		if (r != 0)
			break;
	}
	return store_iter_end(&it, r, rc);
}

static void
store_level_key(struct store_key *k, const char *indicator, const char *group)
{
	store_key_str(k, indicator);
	store_key_tail(k, group);
}

uint32_t
store_ind_level(struct store_txn *t, const char *indicator, const char *group,
		uint64_t *ret_seq)
{
	struct store_key k = { 0 };
	struct store_view v;
	Lanu__V1__IndicatorLevel *l;
	uint32_t level;

	*ret_seq = 0;
	store_level_key(&k, indicator, group);
	if (store_db_get(t, t->s->ind_levels, &k, &v) < 0)
		return 0;
	l = lanu__v1__indicator_level__unpack(NULL, v.n, v.p);
	if (!l) {
		store_fail(t, -EBADMSG);
		return 0;
	}
	level = l->level;
	*ret_seq = l->alert_seq;
	lanu__v1__indicator_level__free_unpacked(l, NULL);
	return level;
}

void
store_ind_set_level(struct store_txn *t, const char *indicator, const char *group,
		    uint32_t level, uint64_t seq)
{
	Lanu__V1__IndicatorLevel l = LANU__V1__INDICATOR_LEVEL__INIT;
	struct store_key k = { 0 };

	store_level_key(&k, indicator, group);
	l.level = level;
	l.alert_seq = seq;
	store_ind_pack(t, t->s->ind_levels, &k, &l.base);
}
