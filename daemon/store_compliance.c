/*
 * store_compliance: the compliance indicators' counters and alert levels, for
 * compliance.c (a family of the store, see store_db.h for the codec and errors).
 *
 *	comp	"n" (str) indicator (str) group (str) month (fixed 7) -> met (u64), not met (u64)
 *		"l" (str) indicator (str) group (tail) -> level (u64), seq (u64)
 *
 * One database, two record kinds told apart by their first field; a count's month is
 * "YYYY-MM", so an indicator's group's months are one range in month order. Groups
 * are "" (all clocks) or "name=value" breakdowns (compliance.c). Counts never go
 * below zero, whatever order the changes come in. A level's seq is the alert that put
 * the group there (0 if none).
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <string.h>

static void
store_comp_count_key(struct store_key *k, const char *ind, const char *group, const char *month)
{
	store_key_str(k, "n");
	store_key_str(k, ind);
	store_key_str(k, group);
	store_key_fixed(k, month, 7);
}

static void
store_comp_level_key(struct store_key *k, const char *ind, const char *group)
{
	store_key_str(k, "l");
	store_key_str(k, ind);
	store_key_tail(k, group);
}

/* Reads a value of two u64s. Returns 0, or -EBADMSG (sticky). */
static int
store_comp_pair(struct store_txn *t, struct store_view v, uint64_t *ret_a, uint64_t *ret_b)
{
	uint64_t a, b;

	if (store_key_next_u64(&v, &a) < 0 || store_key_next_u64(&v, &b) < 0 ||
	    store_key_end(&v) < 0)
		return store_fail(t, -EBADMSG);
	*ret_a = a;
	*ret_b = b;
	return 0;
}

static void
store_comp_put_pair(struct store_txn *t, const struct store_key *k, uint64_t a, uint64_t b)
{
	struct store_key v = { 0 };

	store_key_u64(&v, a);
	store_key_u64(&v, b);
	store_db_put(t, t->s->comp, k, v.b, v.n, 0);
}

void
store_comp_add(struct store_txn *t, const char *ind, const char *group, const char *month,
	       int64_t met, int64_t not_met)
{
	struct store_key k = { 0 };
	struct store_view v;
	uint64_t m = 0, n = 0;
	int r;

	store_comp_count_key(&k, ind, group, month);
	r = store_db_get(t, t->s->comp, &k, &v);
	if (r == 0)
		r = store_comp_pair(t, v, &m, &n);
	if (r < 0 && r != -ENOENT)
		return;
	m = met < 0 && (uint64_t)-met > m ? 0 : m + (uint64_t)met;
	n = not_met < 0 && (uint64_t)-not_met > n ? 0 : n + (uint64_t)not_met;
	store_comp_put_pair(t, &k, m, n);
}

int
store_comp_sum(struct store_txn *t, const char *ind, const char *group, const char *from_month,
	       const char *to_month, uint64_t *ret_met, uint64_t *ret_not_met)
{
	struct store_iter it = { 0 };
	struct store_key from = { 0 };
	uint64_t met = 0, not_met = 0;
	int r = 0, rc;

	if (t->err)
		return t->err;
	store_comp_count_key(&from, ind, group, from_month);
	if (from.bad || strlen(to_month) != 7)
		return -EINVAL;		/* compliance.c passes over such an indicator */
	rc = store_iter_open(t, t->s->comp, &it);
	if (rc < 0)
		return rc;
	for (rc = store_iter_seek(&it, &from); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		struct store_view k = it.key;
		const char *tag, *k_ind, *k_group;
		char month[8];
		uint64_t m, n;

		if (store_key_next_str(&k, &tag) < 0) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		if (strcmp(tag, "n") != 0)
			break;		/* past the counts: another kind of record */
		if (store_key_next_str(&k, &k_ind) < 0 || store_key_next_str(&k, &k_group) < 0 ||
		    store_key_next_fixed(&k, 7, month) < 0 || store_key_end(&k) < 0) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		/* past the range: another indicator or group, or a later month */
		if (strcmp(k_ind, ind) != 0 || strcmp(k_group, group) != 0 ||
		    strcmp(month, to_month) > 0)
			break;
		r = store_comp_pair(t, it.val, &m, &n);
		if (r < 0)
			break;
		met += m;
		not_met += n;
	}
	r = store_iter_end(&it, r, rc);
	if (r < 0)
		return r;
	*ret_met = met;
	*ret_not_met = not_met;
	return 0;
}

int
store_comp_level(struct store_txn *t, const char *ind, const char *group, uint64_t *ret_seq)
{
	struct store_key k = { 0 };
	struct store_view v;
	uint64_t level, seq;

	*ret_seq = 0;
	store_comp_level_key(&k, ind, group);
	if (store_db_get(t, t->s->comp, &k, &v) < 0 || store_comp_pair(t, v, &level, &seq) < 0)
		return 0;
	*ret_seq = seq;
	return (int)level;
}

void
store_comp_set_level(struct store_txn *t, const char *ind, const char *group, int level,
		     uint64_t seq)
{
	struct store_key k = { 0 };

	store_comp_level_key(&k, ind, group);
	store_comp_put_pair(t, &k, (uint64_t)level, seq);
}
