/*
 * store_watch: watches, each a domain's note of when to look at one of the plan's
 * objects next (an indicator's value that should have come, a measure's schedule that
 * ends), with a due index the writer's batches walk (a family of the store, see
 * store_db.h for the codec and errors).
 *
 *	watches	   kind (u8) name (tail) -> the owner's packed watch
 *	watch_due  kind (u8) at_ms (u64) name (tail) -> ""
 *	meta	   "watch_plan_<kind>": the plan version a kind's watches were set for
 *
 * A watch and its due entry are written and deleted together, so each kind's due
 * entries are its watches, by instant. What a watch holds is its owner's business
 * (indicator.c, measure.c); the store keeps bytes.
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lanu/limits.h"

static void
store_watch_key(struct store_key *k, enum store_watch_kind kind, const char *name)
{
	store_key_u8(k, (uint8_t)kind);
	store_key_tail(k, name);
}

static void
store_watch_due_key(struct store_key *k, enum store_watch_kind kind, uint64_t at_ms,
		    const char *name)
{
	store_key_u8(k, (uint8_t)kind);
	store_key_u64(k, at_ms);
	store_key_tail(k, name);
}

int
store_watch_get(struct store_txn *t, enum store_watch_kind kind, const char *name,
		const ProtobufCMessageDescriptor *d, ProtobufCMessage **ret)
{
	struct store_key k = { 0 };
	struct store_view v;
	int r;

	store_watch_key(&k, kind, name);
	r = store_db_get(t, t->s->watches, &k, &v);
	if (r < 0)
		return r;
	*ret = protobuf_c_message_unpack(d, NULL, v.n, v.p);
	return *ret ? 0 : store_fail(t, -EBADMSG);
}

void
store_watch_put(struct store_txn *t, enum store_watch_kind kind, const char *name, uint64_t at_ms,
		const ProtobufCMessage *w, uint64_t old_at_ms)
{
	struct store_key k = { 0 }, d = { 0 };
	size_t len = protobuf_c_message_get_packed_size(w);
	void *v;

	if (old_at_ms)
		store_watch_del(t, kind, name, old_at_ms);
	store_watch_key(&k, kind, name);
	v = store_db_reserve(t, t->s->watches, &k, len, 0);
	if (!v)
		return;
	protobuf_c_message_pack(w, v);
	store_watch_due_key(&d, kind, at_ms, name);
	store_db_put(t, t->s->watch_due, &d, "", 0, 0);
}

void
store_watch_del(struct store_txn *t, enum store_watch_kind kind, const char *name,
		uint64_t at_ms)
{
	struct store_key k = { 0 }, d = { 0 };

	store_watch_key(&k, kind, name);
	store_db_del(t, t->s->watches, &k);
	store_watch_due_key(&d, kind, at_ms, name);
	store_db_del(t, t->s->watch_due, &d);
}

int
store_watch_first(struct store_txn *t, enum store_watch_kind kind, uint64_t *ret_at,
		  char ret_name[LANU_MAX_NAME + 1])
{
	return store_first_of_kind(t, t->s->watch_due, (uint8_t)kind, ret_at, ret_name,
				   LANU_MAX_NAME + 1);
}

int
store_first_of_kind(struct store_txn *t, unsigned int dbi, uint8_t kind, uint64_t *ret_at,
		    char *name, size_t size)
{
	struct store_iter it = { 0 };
	struct store_key k = { 0 };
	struct store_view v;
	uint8_t got;
	int r;

	r = store_iter_open(t, dbi, &it);
	if (r < 0)
		return r;
	store_key_u8(&k, kind);
	r = store_iter_seek(&it, &k);
	if (r == 0) {
		v = it.key;
		if (store_key_next_u8(&v, &got) < 0)
			r = store_fail(t, -EBADMSG);
		else if (got != kind)
			r = -ENOENT;
		else if (store_key_next_u64(&v, ret_at) < 0 ||
			 store_key_next_tail(&v, name, size) < 0)
			r = store_fail(t, -EBADMSG);
	}
	store_iter_close(&it);
	return r;
}

int
store_watch_names(struct store_txn *t, enum store_watch_kind kind, store_name_fn fn, void *arg)
{
	struct store_iter it = { 0 };
	struct store_key k = { 0 };
	int r, rc;

	r = store_iter_open(t, t->s->watches, &it);
	if (r < 0)
		return r;
	store_key_u8(&k, (uint8_t)kind);
	for (rc = store_iter_seek(&it, &k); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		char name[LANU_MAX_NAME + 1];
		struct store_view v = it.key;
		uint8_t got;

		if (store_key_next_u8(&v, &got) < 0 ||
		    (got == kind && store_key_next_tail(&v, name, sizeof(name)) < 0)) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		if (got != kind)
			break;
		r = fn(name, arg);
		if (r != 0)
			break;
	}
	return store_iter_end(&it, r, rc);
}

static void
store_watch_plan_name(enum store_watch_kind kind, char out[32])
{
	snprintf(out, 32, "watch_plan_%d", (int)kind);
}

uint64_t
store_watch_plan(struct store_txn *t, enum store_watch_kind kind)
{
	char name[32];

	store_watch_plan_name(kind, name);
	return store_meta_u64(t, name);
}

void
store_watch_set_plan(struct store_txn *t, enum store_watch_kind kind, uint64_t version)
{
	char name[32];

	store_watch_plan_name(kind, name);
	store_put_meta_u64(t, name, version);
}
