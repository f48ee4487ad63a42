/*
 * store_clock: access-time clocks and their indexes, for deadline.c and compliance.c (a
 * family of the store, see store_db.h for the codec and errors).
 *
 *	clocks	  id (u64) -> packed Clock		(every clock, kept for compliance)
 *	clk_case  service (str) stage (str) case (tail) -> id (u64)	(the case's latest)
 *	clk_fire  at_ms (u64) id (u64) -> ""		(each clock's next warning, miss or expiry)
 *	clk_due	  due_at_ms (u64) id (u64) -> ""	(open clocks, by due instant)
 *	clk_svc	  service (str) start day (fixed 10) id (u64) -> ""	(by start, for compliance)
 * A case's every clock is found through the subjects index of store_retain.c ("case:<id>",
 * piece clock), which names each clock of the case until retention takes it.
 *	meta	  "clock_seq": the last clock id given
 *
 * Invariants: a clock's index entries follow from its record alone (store_clock_keys):
 * a fire entry if it has a next instant, a due entry while it is open, a start entry
 * unless it is an early delivery waiting for its request. store_clock_put() moves them
 * from the record as it was to the record as it is, in the same transaction as the
 * record, so the indexes never name a clock that is not there. Ids are never reused.
 * The ids in the keys are validated by msg.c and the plan (at most LANU_MAX_NAME) and
 * days are "YYYY-MM-DD", so the keys always fit; one that does not is -EINVAL, sticky.
 * Each clock is noted under its case for retention (store_retain.c) when it is made
 * and whenever its state changes: open or early it holds the case, closed it dates it.
 * Retention's purge keeps the record, for compliance, without the case id and the ids
 * of the event that opened it, and drops its clk_case entry (a closed clock has no
 * fire or due entry); nothing changes a closed clock after that.
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanu/limits.h"

#define STORE_CLOCK_SCRATCH 4096	/* a decoded clock of LANU_MAX_NAME ids takes < 1 KiB */

/* A clock's index keys. */
struct clock_keys {
	struct store_key kase, fire, due, svc;
	bool has_fire, has_due, has_svc;
};

static void
store_clock_case_key(struct store_key *k, const char *service, const char *stage,
		     const char *case_id)
{
	store_key_str(k, service);
	store_key_str(k, stage);
	store_key_tail(k, case_id);
}

static void
store_at_id_key(struct store_key *k, uint64_t at_ms, uint64_t id)
{
	store_key_u64(k, at_ms);
	store_key_u64(k, id);
}

/* Reads a fire or due key. Returns 0, or -EBADMSG (sticky). */
static int
store_at_id(struct store_txn *t, struct store_view k, uint64_t *ret_at, uint64_t *ret_id)
{
	uint64_t at, id;

	if (store_key_next_u64(&k, &at) < 0 || store_key_next_u64(&k, &id) < 0 ||
	    store_key_end(&k) < 0)
		return store_fail(t, -EBADMSG);
	*ret_at = at;
	*ret_id = id;
	return 0;
}

static void
store_clock_keys(const Lanu__V1__Clock *c, struct clock_keys *k)
{
	*k = (struct clock_keys){
		.has_fire = c->next_at_ms != 0,
		.has_due = c->state == LANU__V1__CLOCK__STATE__STATE_OPEN,
		.has_svc = c->state != LANU__V1__CLOCK__STATE__STATE_EARLY,
	};
	store_clock_case_key(&k->kase, c->service, c->stage, c->case_id);
	if (k->has_fire)
		store_at_id_key(&k->fire, c->next_at_ms, c->id);
	if (k->has_due)
		store_at_id_key(&k->due, c->due_at_ms, c->id);
	if (k->has_svc) {
		store_key_str(&k->svc, c->service);
		store_key_fixed(&k->svc, c->start_day, 10);
		store_key_u64(&k->svc, c->id);
	}
}

/* "case:<id>" for retention. */
static void
store_clock_subject(const Lanu__V1__Clock *c, char out[STORE_SUBJECT_MAX])
{
	size_t n = strlen(c->case_id);

	if (n + 6 > STORE_SUBJECT_MAX)
		n = 0;	/* cannot be: msg.c bounds ids; noted under no subject then */
	memcpy(out, "case:", 5);
	memcpy(out + 5, c->case_id, n);
	out[5 + n] = '\0';
}

/* When c was last written, for retention: UINT64_MAX while it holds its case. */
static uint64_t
store_clock_instant(const Lanu__V1__Clock *c)
{
	if (c->state == LANU__V1__CLOCK__STATE__STATE_OPEN ||
	    c->state == LANU__V1__CLOCK__STATE__STATE_EARLY)
		return UINT64_MAX;
	return c->closed_at_ms ? c->closed_at_ms : c->started_at_ms;
}

/* Notes c under its case (store_retain.c). */
static void
store_clock_note_one(struct store_txn *t, const Lanu__V1__Clock *c)
{
	struct store_key id = { 0 };
	char subject[STORE_SUBJECT_MAX];

	store_key_u64(&id, c->id);
	store_clock_subject(c, subject);
	store_subject_note(t, subject, STORE_PIECE_CLOCK, &id, store_clock_instant(c));
}

void
store_clock_note(struct store_txn *t, struct store_view key, struct store_view val)
{
	Lanu__V1__Clock *c = lanu__v1__clock__unpack(NULL, val.n, val.p);

	(void)key;	/* the id is in the record */
	if (!c) {
		store_fail(t, -EBADMSG);
		return;
	}
	store_clock_note_one(t, c);
	lanu__v1__clock__free_unpacked(c, NULL);
}

static bool
store_key_eq(const struct store_key *a, const struct store_key *b)
{
	return a->n == b->n && memcmp(a->b, b->b, a->n) == 0;
}

/* Deletes old's entry of one index unless the new record has the same one. */
static void
store_clock_move(struct store_txn *t, unsigned int dbi, bool had, const struct store_key *old,
		 bool has, const struct store_key *now)
{
	if (had && (!has || !store_key_eq(old, now)))
		store_db_del(t, dbi, old);
}

void
store_clock_put(struct store_txn *t, Lanu__V1__Clock *c, const Lanu__V1__Clock *old)
{
	struct clock_keys ok, nk;
	struct store_key id = { 0 };
	void *v;

	if (t->err)
		return;
	if (c->id == 0) {
		c->id = store_meta_u64(t, "clock_seq") + 1;
		store_put_meta_u64(t, "clock_seq", c->id);
	}
	store_clock_keys(c, &nk);
	if (old) {
		store_clock_keys(old, &ok);
		store_clock_move(t, t->s->clk_fire, ok.has_fire, &ok.fire, nk.has_fire, &nk.fire);
		store_clock_move(t, t->s->clk_due, ok.has_due, &ok.due, nk.has_due, &nk.due);
		store_clock_move(t, t->s->clk_svc, ok.has_svc, &ok.svc, nk.has_svc, &nk.svc);
	}
	store_key_u64(&id, c->id);
	store_db_put(t, t->s->clk_case, &nk.kase, id.b, id.n, 0);	/* -> the id */
	if (nk.has_fire)
		store_db_put(t, t->s->clk_fire, &nk.fire, "", 0, 0);
	if (nk.has_due)
		store_db_put(t, t->s->clk_due, &nk.due, "", 0, 0);
	if (nk.has_svc)
		store_db_put(t, t->s->clk_svc, &nk.svc, "", 0, 0);
	if (t->err)
		return;
	if (!old || old->state != c->state)
		store_clock_note_one(t, c);
	if (t->err)
		return;
	v = store_db_reserve(t, t->s->clocks, &id, lanu__v1__clock__get_packed_size(c), 0);
	if (v)
		lanu__v1__clock__pack(c, v);
}

/* The clock id a clk_case value holds. Returns 0 or -EBADMSG (sticky). */
static int
store_clock_case_id(struct store_txn *t, struct store_view v, uint64_t *ret_id)
{
	uint64_t id;

	if (store_key_next_u64(&v, &id) < 0 || store_key_end(&v) < 0)
		return store_fail(t, -EBADMSG);
	*ret_id = id;
	return 0;
}

void
store_clock_del(struct store_txn *t, const Lanu__V1__Clock *c)
{
	struct clock_keys ck;
	struct store_key id = { 0 };
	struct store_view v;
	char subject[STORE_SUBJECT_MAX];
	uint64_t latest = 0;

	store_clock_keys(c, &ck);
	/* The case's latest clock may be a later one by now: that entry stays. */
	if (store_db_get(t, t->s->clk_case, &ck.kase, &v) == 0 &&
	    store_clock_case_id(t, v, &latest) == 0 && latest == c->id)
		store_db_del(t, t->s->clk_case, &ck.kase);
	if (ck.has_fire)
		store_db_del(t, t->s->clk_fire, &ck.fire);
	if (ck.has_due)
		store_db_del(t, t->s->clk_due, &ck.due);
	if (ck.has_svc)
		store_db_del(t, t->s->clk_svc, &ck.svc);
	store_key_u64(&id, c->id);
	store_db_del(t, t->s->clocks, &id);
	/* The case is no longer held by it: what else is about it becomes due. */
	store_clock_subject(c, subject);
	store_subject_forget(t, subject, STORE_PIECE_CLOCK, &id);
	store_purge_queue(t, subject, c->expires_at_ms ? c->expires_at_ms : c->started_at_ms);
}

void
store_clock_purge(struct store_txn *t, uint64_t id)
{
	struct store_key k = { 0 }, kase = { 0 };
	struct store_view v;
	Lanu__V1__Clock *c;
	uint64_t latest = 0;
	char empty[1] = "", *kept[4];
	void *out;

	store_key_u64(&k, id);
	if (store_db_get(t, t->s->clocks, &k, &v) < 0)
		return;
	c = lanu__v1__clock__unpack(NULL, v.n, v.p);
	if (!c) {
		store_fail(t, -EBADMSG);
		return;
	}
	store_clock_case_key(&kase, c->service, c->stage, c->case_id);
	if (store_db_get(t, t->s->clk_case, &kase, &v) == 0 &&
	    store_clock_case_id(t, v, &latest) == 0 && latest == id)
		store_db_del(t, t->s->clk_case, &kase);
	/* The unpacked message owns its strings: ours stand in for them until packed. */
	kept[0] = c->case_id;
	kept[1] = c->event_id;
	kept[2] = c->producer;
	kept[3] = c->postpone_reason;
	c->case_id = c->event_id = c->producer = c->postpone_reason = empty;
	out = store_db_reserve(t, t->s->clocks, &k, lanu__v1__clock__get_packed_size(c), 0);
	if (out)
		lanu__v1__clock__pack(c, out);
	c->case_id = kept[0];
	c->event_id = kept[1];
	c->producer = kept[2];
	c->postpone_reason = kept[3];
	lanu__v1__clock__free_unpacked(c, NULL);
}

int
store_clock_get(struct store_txn *t, uint64_t id, ProtobufCAllocator *pa, Lanu__V1__Clock **ret)
{
	struct store_key k = { 0 };
	struct store_view v;
	Lanu__V1__Clock *c;
	int r;

	store_key_u64(&k, id);
	r = store_db_get(t, t->s->clocks, &k, &v);
	if (r < 0)
		return r;
	c = lanu__v1__clock__unpack(pa, v.n, v.p);
	if (!c)
		return -EBADMSG;	/* the caller's to judge: deadline.c drops its timer */
	*ret = c;
	return 0;
}

int
store_clock_find(struct store_txn *t, const char *service, const char *stage, const char *case_id,
		 uint64_t *ret_id)
{
	struct store_key k = { 0 };
	struct store_view v;
	int r;

	store_clock_case_key(&k, service, stage, case_id);
	r = store_db_get(t, t->s->clk_case, &k, &v);
	if (r < 0)
		return r;
	return store_clock_case_id(t, v, ret_id);
}

int
store_clock_first(struct store_txn *t, uint64_t *ret_at, uint64_t *ret_id)
{
	struct store_iter it = { 0 };
	int r;

	r = store_iter_open(t, t->s->clk_fire, &it);
	if (r < 0)
		return r;
	r = store_iter_move(&it, STORE_FIRST);
	if (r == 0)
		r = store_at_id(t, it.key, ret_at, ret_id);
	store_iter_close(&it);
	return r;
}

void
store_clock_unfire(struct store_txn *t, uint64_t at_ms, uint64_t id)
{
	struct store_key k = { 0 };

	store_at_id_key(&k, at_ms, id);
	store_db_del(t, t->s->clk_fire, &k);
}

uint64_t
store_clock_next_at(struct store_txn *t)
{
	uint64_t at, id;

	return store_clock_first(t, &at, &id) == 0 ? at : 0;
}

/* Where a scan decodes its clocks, one at a time: a buffer on the scan's stack, which
 * each clock takes from the start again, and malloc() for what does not fit (a clock
 * of long strings), freed with it. A scan of many clocks allocates nothing. */
struct clock_scratch {
	ProtobufCAllocator pa;
	size_t used;
	alignas(max_align_t) unsigned char buf[STORE_CLOCK_SCRATCH];
};

static void *
store_scratch_alloc(void *arg, size_t size)
{
	struct clock_scratch *s = arg;
	size_t need = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);

	if (need >= size && need <= sizeof(s->buf) - s->used) {
		s->used += need;
		return s->buf + s->used - need;
	}
	return malloc(size);
}

static void
store_scratch_free(void *arg, void *p)
{
	struct clock_scratch *s = arg;
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)s->buf;

	if (a < b || a >= b + sizeof(s->buf))
		free(p);
}

static void
store_scratch_init(struct clock_scratch *s)
{
	s->pa = (ProtobufCAllocator){ .alloc = store_scratch_alloc, .free = store_scratch_free,
				      .allocator_data = s };
	s->used = 0;
}

/* Reads clock id, which an index names, and hands it to fn: decoded with pa, the
 * caller's to keep, or into s when pa is NULL, freed when fn returns. Returns fn's
 * answer, or -EBADMSG (sticky) if the clock is not there or does not decode. */
static int
store_clock_visit(struct store_txn *t, uint64_t id, ProtobufCAllocator *pa,
		  struct clock_scratch *s, store_clock_fn fn, void *arg)
{
	Lanu__V1__Clock *clk;
	int r;

	s->used = 0;
	r = store_clock_get(t, id, pa ? pa : &s->pa, &clk);
	if (r < 0)
		return store_fail(t, r == -ENOENT ? -EBADMSG : r);
	r = fn(clk, arg);
	if (!pa)
		lanu__v1__clock__free_unpacked(clk, &s->pa);
	return r;
}

int
store_clock_scan_service(struct store_txn *t, const char *service, const char *from_day,
			 const char *to_day, store_clock_fn fn, void *arg)
{
	struct store_iter it = { 0 };
	struct store_key from = { 0 };
	struct clock_scratch scratch;
	int r = 0, rc;

	store_scratch_init(&scratch);
	if (t->err)
		return t->err;
	if (strlen(service) > LANU_MAX_NAME || strlen(from_day) != 10 || strlen(to_day) != 10)
		return -EINVAL;
	store_key_str(&from, service);
	store_key_fixed(&from, from_day, 10);
	rc = store_iter_open(t, t->s->clk_svc, &it);
	if (rc < 0)
		return rc;
	for (rc = store_iter_seek(&it, &from); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		struct store_view k = it.key;
		const char *svc;
		char day[11];
		uint64_t id;

		if (store_key_next_str(&k, &svc) < 0 || store_key_next_fixed(&k, 10, day) < 0 ||
		    store_key_next_u64(&k, &id) < 0 || store_key_end(&k) < 0) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		if (strcmp(svc, service) != 0 || strcmp(day, to_day) > 0)
			break;
		r = store_clock_visit(t, id, NULL, &scratch, fn, arg);
		if (r != 0)
			break;
	}
	return store_iter_end(&it, r, rc);
}

int
store_clock_scan_open(struct store_txn *t, uint64_t after_ms, uint64_t after_id,
		      uint64_t until_ms, ProtobufCAllocator *pa, store_clock_fn fn, void *arg)
{
	struct store_iter it = { 0 };
	struct store_key from = { 0 };
	struct clock_scratch scratch;
	int r = 0, rc;

	store_scratch_init(&scratch);

	rc = store_iter_open(t, t->s->clk_due, &it);
	if (rc < 0)
		return rc;
	store_at_id_key(&from, after_ms, after_id);	/* (0, 0) is before every clock */
	for (rc = store_iter_seek(&it, &from); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		uint64_t at, id;

		r = store_at_id(t, it.key, &at, &id);
		if (r < 0 || at > until_ms)
			break;
		if (at == after_ms && id == after_id)
			continue;	/* the cursor's own: strictly after it */
		r = store_clock_visit(t, id, pa, &scratch, fn, arg);
		if (r != 0)
			break;
	}
	return store_iter_end(&it, r, rc);
}

/* The subjects index's clock of a case, handed on to store_clock_visit(). */
struct case_visit {
	ProtobufCAllocator *pa;
	struct clock_scratch scratch;
	store_clock_fn fn;
	void *arg;
};

static int
store_clock_case_cb(struct store_txn *t, uint64_t id, void *arg)
{
	struct case_visit *v = arg;

	return store_clock_visit(t, id, v->pa, &v->scratch, v->fn, v->arg);
}

int
store_clock_scan_case(struct store_txn *t, const char *case_id, ProtobufCAllocator *pa,
		      store_clock_fn fn, void *arg)
{
	struct case_visit v = { .pa = pa, .fn = fn, .arg = arg };
	char subject[STORE_SUBJECT_MAX];

	if (t->err)
		return t->err;
	if (strlen(case_id) + 6 > STORE_SUBJECT_MAX)
		return -EINVAL;
	store_scratch_init(&v.scratch);
	snprintf(subject, sizeof(subject), "case:%s", case_id);
	return store_subject_scan(t, subject, STORE_PIECE_CLOCK, store_clock_case_cb, &v);
}
