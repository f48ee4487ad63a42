/*
 * store_plan: the plan versions, for planload.c and the plan queries (show, diff,
 * history) (a family of the store, see store_db.h for the codec and errors).
 *
 *	plan_versions	version (u64) -> packed PlanVersion, with its whole Plan
 *
 * Invariants: versions are 1, 2, 3, ... appended in order and never changed or
 * deleted; the newest is the plan in force. A version holds the plan as loaded, with
 * who loaded it, when, and its hash; nothing about a child is in it. (The normalized
 * records of the plan in force that schema 1 once kept in "plan" are gone: store.c
 * empties that database at open.)
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <stdlib.h>

/* The version a plan_versions key holds. Returns 0, or -EBADMSG (sticky). */
static int
store_plan_version_of(struct store_txn *t, struct store_view k, uint64_t *ret_version)
{
	uint64_t version;

	if (store_key_next_u64(&k, &version) < 0 || store_key_end(&k) < 0)
		return store_fail(t, -EBADMSG);
	*ret_version = version;
	return 0;
}

uint64_t
store_put_plan(struct store_txn *t, Lanu__V1__PlanVersion *v)
{
	struct store_iter it = { 0 };
	struct store_key k = { 0 };
	uint64_t last = 0;
	void *d;
	int r;

	r = store_iter_open(t, t->s->plan_versions, &it);
	if (r < 0)
		return 0;
	r = store_iter_move(&it, STORE_LAST);
	if (r == 0)
		r = store_plan_version_of(t, it.key, &last);
	store_iter_close(&it);
	if (r < 0 && r != -ENOENT)
		return 0;
	v->version = last + 1;
	store_key_u64(&k, v->version);
	d = store_db_reserve(t, t->s->plan_versions, &k,
			     lanu__v1__plan_version__get_packed_size(v), STORE_PUT_APPEND);
	if (!d)
		return 0;
	lanu__v1__plan_version__pack(v, d);
	return v->version;
}

int
store_get_plan_version(struct store_txn *t, uint64_t version, Lanu__V1__PlanVersion **ret)
{
	struct store_iter it = { 0 };
	struct store_key k = { 0 };
	struct store_view d;
	Lanu__V1__PlanVersion *pv;
	int r;

	if (version == 0) {
		r = store_iter_open(t, t->s->plan_versions, &it);
		if (r < 0)
			return r;
		r = store_iter_move(&it, STORE_LAST);
		d = it.val;
		store_iter_close(&it);	/* the value lives as long as the transaction */
	} else {
		store_key_u64(&k, version);
		r = store_db_get(t, t->s->plan_versions, &k, &d);
	}
	if (r < 0)
		return r;
	pv = lanu__v1__plan_version__unpack(NULL, d.n, d.p);
	if (!pv)
		return -EBADMSG;	/* the caller's to judge (store.h) */
	*ret = pv;
	return 0;
}

int
store_plan_history(struct store_txn *t, Lanu__V1__PlanVersion ***ret_v, size_t *ret_n)
{
	Lanu__V1__PlanVersion **v = NULL;
	struct store_iter it = { 0 };
	size_t n = 0;
	int r;

	r = store_iter_open(t, t->s->plan_versions, &it);
	if (r < 0)
		return r;
	for (r = store_iter_move(&it, STORE_FIRST); r == 0; r = store_iter_move(&it, STORE_NEXT)) {
		Lanu__V1__PlanVersion *pv, **nv;

		pv = lanu__v1__plan_version__unpack(NULL, it.val.n, it.val.p);
		if (!pv) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		/* history is who, when and what hash, not the plans themselves */
		lanu__v1__plan__free_unpacked(pv->plan, NULL);
		pv->plan = NULL;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			lanu__v1__plan_version__free_unpacked(pv, NULL);
			r = store_fail(t, -ENOMEM);
			break;
		}
		v = nv;
		v[n++] = pv;
	}
	store_iter_close(&it);
	if (r < 0 && r != -ENOENT) {
		for (size_t i = 0; i < n; i++)
			lanu__v1__plan_version__free_unpacked(v[i], NULL);
		free(v);
		return r;
	}
	*ret_v = v;
	*ret_n = n;
	return 0;
}
