/*
 * store_escalation: the escalation chains still to fire, for alert.c (a family of the
 * store, see store_db.h for the codec and errors).
 *
 *	escalations  alert seq (u64) -> packed PendingEscalation	(one chain per alert)
 *	esc_fire     at_ms (u64) alert seq (u64) -> ""		(each chain's next step)
 *
 * Invariants: a chain has one fire entry, at the instant of its next step, and a fire
 * entry always names a chain: store_esc_put() moves the entry with the record, in the
 * same transaction, and store_esc_stop() deletes both. A chain whose last step fired
 * is deleted, so the records are the chains pending, and the fire index is ordered
 * like the clocks' (store_clock.c): the earliest step first, and a wake-up costs what
 * is due, not what is pending.
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <stdint.h>

static void
store_esc_fire_key(struct store_key *k, uint64_t at_ms, uint64_t seq)
{
	store_key_u64(k, at_ms);
	store_key_u64(k, seq);
}

/* The instant of p's next step, 0 if every step is past. */
static uint64_t
store_esc_at(const Lanu__V1__PendingEscalation *p)
{
	return p->next < p->n_at_ms ? p->at_ms[p->next] : 0;
}

void
store_esc_put(struct store_txn *t, const Lanu__V1__PendingEscalation *p, uint64_t old_at)
{
	struct store_key k = { 0 }, f = { 0 }, o = { 0 };
	uint64_t at = store_esc_at(p);
	void *v;

	if (t->err)
		return;
	if (old_at && old_at != at) {
		store_esc_fire_key(&o, old_at, p->alert_seq);
		store_db_del(t, t->s->esc_fire, &o);
	}
	if (at) {
		store_esc_fire_key(&f, at, p->alert_seq);
		store_db_put(t, t->s->esc_fire, &f, "", 0, 0);
	}
	store_key_u64(&k, p->alert_seq);
	v = store_db_reserve(t, t->s->escalations, &k,
			     lanu__v1__pending_escalation__get_packed_size(p), 0);
	if (v)
		lanu__v1__pending_escalation__pack(p, v);
}

int
store_esc_get(struct store_txn *t, uint64_t seq, ProtobufCAllocator *pa,
	      Lanu__V1__PendingEscalation **ret)
{
	struct store_key k = { 0 };
	struct store_view v;
	Lanu__V1__PendingEscalation *p;
	int r;

	store_key_u64(&k, seq);
	r = store_db_get(t, t->s->escalations, &k, &v);
	if (r < 0)
		return r;
	p = lanu__v1__pending_escalation__unpack(pa, v.n, v.p);
	if (!p)
		return -EBADMSG;	/* the caller's to judge: alert.c drops the chain */
	*ret = p;
	return 0;
}

int
store_esc_stop(struct store_txn *t, uint64_t seq, uint64_t at_ms)
{
	struct store_key k = { 0 }, f = { 0 };
	Lanu__V1__PendingEscalation *p;
	int r;

	if (t->err)
		return t->err;
	if (at_ms == UINT64_MAX) {
		r = store_esc_get(t, seq, NULL, &p);
		if (r == -ENOENT)
			return 0;
		if (r < 0 && t->err)
			return t->err;
		at_ms = r == 0 ? store_esc_at(p) : 0;
		if (r == 0)
			lanu__v1__pending_escalation__free_unpacked(p, NULL);
	}
	if (at_ms) {
		store_esc_fire_key(&f, at_ms, seq);
		store_db_del(t, t->s->esc_fire, &f);
	}
	store_key_u64(&k, seq);
	store_db_del(t, t->s->escalations, &k);
	return t->err ? t->err : 1;
}

int
store_esc_first(struct store_txn *t, uint64_t *ret_at, uint64_t *ret_seq)
{
	struct store_iter it = { 0 };
	uint64_t at, seq;
	int r;

	r = store_iter_open(t, t->s->esc_fire, &it);
	if (r < 0)
		return r;
	r = store_iter_move(&it, STORE_FIRST);
	if (r == 0) {
		struct store_view k = it.key;

		if (store_key_next_u64(&k, &at) < 0 || store_key_next_u64(&k, &seq) < 0 ||
		    store_key_end(&k) < 0) {
			r = store_fail(t, -EBADMSG);
		} else {
			*ret_at = at;
			*ret_seq = seq;
		}
	}
	store_iter_close(&it);
	return r;
}

uint64_t
store_esc_next_at(struct store_txn *t)
{
	uint64_t at, seq;

	return store_esc_first(t, &at, &seq) == 0 ? at : 0;
}
