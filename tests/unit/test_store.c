/* store: the key codec, events and dedup, the gap-free alert log, replay, acks, escalation
 * chains, map growth, locking, the audit log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lanu/macro.h"
#include "store.h"
#include "store_db.h"
#include "testutil.h"

static int
setup(void **state)
{
	*state = test_tmpdir();
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	test_rmrf(*state);
	free(*state);
	return 0;
}

static struct store *
open_store(const char *dir)
{
	struct store *s = NULL;

	assert_int_equal(store_open(dir, 1 << 20, 64 << 20, &s), 0);
	return s;
}

static uint64_t
append(struct store *s, const char *key, const char **rcpts, size_t n, uint64_t *prev)
{
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	char id[STORE_ALERT_ID_MAX];
	struct store_txn t;

	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED;
	a.recipients = (char **)rcpts;
	a.n_recipients = n;
	a.dedup_key = (char *)key;
	struct store_packed packed;
	Lanu__V1__Alert *back;

	store_begin(s, &t, STORE_RW);
	assert_int_equal(store_append_alert(&t, &a, id, prev, &packed), 1);
	/* what it hands back is the alert as stored */
	back = lanu__v1__alert__unpack(NULL, packed.len, packed.data);
	assert_non_null(back);
	assert_int_equal(back->seq, a.seq);
	assert_string_equal(back->alert_id, id);
	lanu__v1__alert__free_unpacked(back, NULL);
	assert_int_equal(store_commit(&t), 0);
	assert_string_equal(a.alert_id, id);
	return a.seq;
}

/* --- the key codec ------------------------------------------------------------------------ */

/* LMDB's default order: bytes, then the shorter first. */
static int
key_cmp(const struct store_key *a, const struct store_key *b)
{
	int c = memcmp(a->b, b->b, a->n < b->n ? a->n : b->n);

	return c ? c : (a->n > b->n) - (a->n < b->n);
}

static struct store_view
key_view(const struct store_key *k)
{
	return (struct store_view){ .p = k->b, .n = k->n };
}

static void
test_key_round_trip(void **state)
{
	static const uint8_t want[] = { 7, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 's', 'v',
					'c', 0, '2', '0', '4', '9', '-', '0', '1', '-', '1', '1',
					'e', '-', '1' };
	struct store_key k = { 0 };
	struct store_view v;
	const char *s;
	char day[11], tail[8];
	uint64_t u;
	uint8_t b;

	(void)state;
	store_key_u8(&k, 7);
	store_key_u64(&k, 0x0102030405060708);
	store_key_str(&k, "svc");
	store_key_fixed(&k, "2049-01-11", 10);
	store_key_tail(&k, "e-1");
	assert_false(k.bad);
	assert_int_equal(k.n, sizeof(want));
	assert_memory_equal(k.b, want, sizeof(want));

	v = key_view(&k);
	assert_int_equal(store_key_next_u8(&v, &b), 0);
	assert_int_equal(b, 7);
	assert_int_equal(store_key_next_u64(&v, &u), 0);
	assert_true(u == 0x0102030405060708);
	assert_int_equal(store_key_next_str(&v, &s), 0);
	assert_string_equal(s, "svc");
	assert_int_equal(store_key_next_fixed(&v, 10, day), 0);
	assert_string_equal(day, "2049-01-11");
	assert_int_equal(store_key_end(&v), -EBADMSG);	/* the tail is left */
	assert_int_equal(store_key_next_tail(&v, tail, sizeof(tail)), 0);
	assert_string_equal(tail, "e-1");
	assert_int_equal(store_key_end(&v), 0);

	/* Empty strings are fields too. */
	k = (struct store_key){ 0 };
	store_key_str(&k, "");
	store_key_tail(&k, "");
	assert_int_equal(k.n, 1);
	v = key_view(&k);
	assert_int_equal(store_key_next_str(&v, &s), 0);
	assert_string_equal(s, "");
	assert_int_equal(store_key_next_tail(&v, tail, sizeof(tail)), 0);
	assert_string_equal(tail, "");
	assert_int_equal(store_key_end(&v), 0);
}

/* The layouts schema 1 has always had (store.c's header comment). */
static void
test_key_layouts(void **state)
{
	struct store_key k = { 0 };

	(void)state;
	store_key_str(&k, "school-1");	/* dedup: producer NUL event_id */
	store_key_tail(&k, "e1");
	assert_int_equal(k.n, 11);
	assert_memory_equal(k.b, "school-1\0e1", 11);

	k = (struct store_key){ 0 };
	store_key_str(&k, "board");	/* by_rcpt: recipient NUL seq */
	store_key_u64(&k, 258);
	assert_int_equal(k.n, 14);
	assert_memory_equal(k.b, "board\0\0\0\0\0\0\0\1\2", 14);

	k = (struct store_key){ 0 };
	store_key_str(&k, "n");		/* comp: "n" NUL ind NUL group NUL month */
	store_key_str(&k, "ind");
	store_key_str(&k, "");
	store_key_fixed(&k, "2049-01", 7);
	assert_int_equal(k.n, 14);
	assert_memory_equal(k.b, "n\0ind\0\0002049-01", 14);
}

static void
test_key_order(void **state)
{
	static const uint64_t nums[] = { 0, 1, 255, 256, 65536, UINT32_MAX, 1ULL << 32,
					 1ULL << 63, UINT64_MAX };
	struct store_key a, b;

	(void)state;
	/* u64 keys sort numerically. */
	for (size_t i = 0; i + 1 < ELEMENTSOF(nums); i++) {
		a = (struct store_key){ 0 };
		b = (struct store_key){ 0 };
		store_key_u64(&a, nums[i]);
		store_key_u64(&b, nums[i + 1]);
		assert_true(key_cmp(&a, &b) < 0);
	}
	/* A string and then a field sort by the string first, whatever follows it. */
	static const char *strs[] = { "", "a", "ab", "b", "board", "board-2", "boards" };
	for (size_t i = 0; i + 1 < ELEMENTSOF(strs); i++) {
		a = (struct store_key){ 0 };
		b = (struct store_key){ 0 };
		store_key_str(&a, strs[i]);
		store_key_u64(&a, UINT64_MAX);
		store_key_str(&b, strs[i + 1]);
		store_key_u64(&b, 0);
		assert_true(key_cmp(&a, &b) < 0);
	}
	/* And by the next field when the strings are equal. */
	a = (struct store_key){ 0 };
	b = (struct store_key){ 0 };
	store_key_str(&a, "svc");
	store_key_fixed(&a, "2049-01-31", 10);
	store_key_str(&b, "svc");
	store_key_fixed(&b, "2049-02-01", 10);
	assert_true(key_cmp(&a, &b) < 0);
}

static void
test_key_malformed(void **state)
{
	static const uint8_t seven[7] = { 0 }, no_nul[3] = { 'a', 'b', 'c' };
	static const uint8_t nul_in[4] = { '2', 0, '4', '9' };
	char big[STORE_KEY_MAX + 1], buf[4] = "xyz", wide[16];
	struct store_key k = { 0 };
	struct store_view v;
	const char *s = "untouched";
	uint64_t u = 42;
	uint8_t b = 42;

	(void)state;
	/* Truncated: each decoder refuses, and leaves the view and its output alone. */
	v = (struct store_view){ seven, sizeof(seven) };
	assert_int_equal(store_key_next_u64(&v, &u), -EBADMSG);
	assert_true(u == 42 && v.n == 7 && v.p == seven);
	v = (struct store_view){ seven, 0 };
	assert_int_equal(store_key_next_u8(&v, &b), -EBADMSG);
	assert_int_equal(b, 42);
	assert_int_equal(store_key_next_str(&v, &s), -EBADMSG);
	v = (struct store_view){ no_nul, sizeof(no_nul) };
	assert_int_equal(store_key_next_str(&v, &s), -EBADMSG);	/* no terminator */
	assert_string_equal(s, "untouched");
	assert_int_equal(store_key_next_fixed(&v, 4, buf), -EBADMSG);	/* too short */
	assert_string_equal(buf, "xyz");
	assert_int_equal(store_key_next_tail(&v, buf, 3), -EBADMSG);	/* no room for NUL */
	assert_int_equal(v.n, 3);
	v = (struct store_view){ nul_in, sizeof(nul_in) };
	assert_int_equal(store_key_next_fixed(&v, 4, buf), -EBADMSG);	/* NUL inside */
	assert_int_equal(store_key_next_tail(&v, wide, sizeof(wide)), -EBADMSG);	/* and here */
	assert_int_equal(store_key_end(&v), -EBADMSG);

	/* Keys that cannot be built are bad, and stay bad. */
	memset(big, 'x', STORE_KEY_MAX);
	big[STORE_KEY_MAX] = '\0';
	store_key_str(&k, big);		/* STORE_KEY_MAX + 1 with its NUL */
	assert_true(k.bad);
	store_key_u8(&k, 1);
	assert_true(k.bad);
	k = (struct store_key){ 0 };
	store_key_tail(&k, big);	/* exactly fits */
	assert_false(k.bad);
	k = (struct store_key){ 0 };
	store_key_fixed(&k, "2049-1-1", 10);
	assert_true(k.bad);
	k = (struct store_key){ 0 };
	store_key_fixed(&k, "2049-01-011", 10);
	assert_true(k.bad);
	k = (struct store_key){ 0 };
	store_key_tail(&k, "case");
	store_key_u64(&k, 1);		/* nothing after a tail */
	assert_true(k.bad);
}

/* A bad key is never found, and writing one fails the transaction. */
static void
test_key_bad_in_txn(void **state)
{
	struct store *s = open_store(*state);
	struct store_key k = { 0 };
	struct store_view v;
	struct store_txn t;

	store_key_fixed(&k, "short", 10);
	store_begin(s, &t, STORE_RW);
	assert_int_equal(store_db_get(&t, s->meta, &k, &v), -ENOENT);
	store_db_del(&t, s->meta, &k);
	assert_int_equal(t.err, 0);
	store_db_put(&t, s->meta, &k, "", 0, 0);
	assert_int_equal(t.err, -EINVAL);
	assert_int_equal(store_commit(&t), -EINVAL);
	store_free(s);
}

static void
test_events_dedup(void **state)
{
	struct store *s = open_store(*state);
	struct store_txn t;

	store_begin(s, &t, STORE_RW);
	assert_int_equal(store_event_seen(&t, "school-1", "e1"), 0);
	store_put_event(&t, "school-1", "e1", "", 1000, "abc", 3);
	/* The same transaction sees its own write: duplicates within a batch are caught. */
	assert_int_equal(store_event_seen(&t, "school-1", "e1"), 1);
	assert_int_equal(store_event_seen(&t, "school-2", "e1"), 0);
	assert_int_equal(store_commit(&t), 0);

	store_begin(s, &t, STORE_RO);
	assert_int_equal(store_event_seen(&t, "school-1", "e1"), 1);
	struct store_stat st;
	assert_int_equal(store_stat(&t, &st), 0);
	assert_int_equal(st.events, 1);
	store_abort(&t);

	/* An aborted transaction leaves nothing behind. */
	store_begin(s, &t, STORE_RW);
	store_put_event(&t, "school-1", "e2", "", 1000, "abc", 3);
	store_abort(&t);
	store_begin(s, &t, STORE_RO);
	assert_int_equal(store_event_seen(&t, "school-1", "e2"), 0);
	store_abort(&t);
	store_free(s);
}

struct collect {
	uint64_t seqs[64];
	size_t n;
	const char *only;	/* take only alerts with this dedup key prefix, if set */
};

static int
collect_cb(const Lanu__V1__Alert *a, void *arg)
{
	struct collect *c = arg;

	if (c->only && strncmp(a->dedup_key, c->only, strlen(c->only)) != 0)
		return 0;
	c->seqs[c->n++] = a->seq;
	lanu__v1__alert__free_unpacked((Lanu__V1__Alert *)a, NULL);
	return 1;
}

static void
test_alert_log_replay(void **state)
{
	struct store *s = open_store(*state);
	const char *ab[] = { "a", "b" }, *a[] = { "a" }, *b[] = { "b" }, *c[] = { "c" };
	uint64_t prev[2], last;
	struct collect col = { 0 };
	struct store_txn t;
	bool more;

	assert_int_equal(append(s, "k1", a, 1, prev), 1);
	assert_int_equal(prev[0], 0);
	assert_int_equal(append(s, "k2", b, 1, prev), 2);
	assert_int_equal(append(s, "k3", ab, 2, prev), 3);
	assert_int_equal(prev[0], 1);	/* a's previous alert */
	assert_int_equal(prev[1], 2);	/* b's previous alert */
	assert_int_equal(append(s, "k4", c, 1, prev), 4);
	assert_int_equal(append(s, "k5", a, 1, prev), 5);
	assert_int_equal(prev[0], 3);

	/* Replay for a and b: merged in order, the shared alert once. */
	store_begin(s, &t, STORE_RO);
	const char *want[] = { "a", "b" };
	assert_int_equal(store_replay(&t, want, 2, 0, 100, collect_cb, &col, &last, &more), 0);
	assert_int_equal(col.n, 4);
	assert_int_equal(col.seqs[0], 1);
	assert_int_equal(col.seqs[1], 2);
	assert_int_equal(col.seqs[2], 3);
	assert_int_equal(col.seqs[3], 5);
	assert_false(more);
	assert_int_equal(last, 5);

	/* Paging: after 1, two at a time. */
	col.n = 0;
	assert_int_equal(store_replay(&t, want, 2, 1, 2, collect_cb, &col, &last, &more), 0);
	assert_int_equal(col.n, 2);
	assert_int_equal(col.seqs[0], 2);
	assert_int_equal(col.seqs[1], 3);
	assert_true(more);
	assert_int_equal(last, 3);

	/* A recipient whose id is a prefix of another's sees only its own. */
	uint64_t seq;
	assert_int_equal(store_alert_by_key(&t, "k4", &seq), 0);
	assert_int_equal(seq, 4);
	assert_int_equal(store_alert_by_key(&t, "nope", &seq), -ENOENT);
	assert_int_equal(store_alert_by_id(&t, "a-4", &seq), 0);
	assert_int_equal(seq, 4);
	assert_int_equal(store_alert_by_id(&t, "a-99", &seq), -ENOENT);
	/* Ids are canonical: no leading zero, no other spelling of the same number. */
	assert_int_equal(store_alert_by_id(&t, "a-04", &seq), -ENOENT);
	assert_int_equal(store_alert_by_id(&t, "a-4x", &seq), -ENOENT);
	store_abort(&t);
	store_free(s);
}

static void
test_prefix_recipients(void **state)
{
	struct store *s = open_store(*state);
	const char *board[] = { "board" }, *board2[] = { "board-2" };
	struct collect col = { 0 };
	struct store_txn t;
	uint64_t prev[1], last;
	bool more;

	append(s, "x1", board2, 1, prev);
	append(s, "x2", board, 1, prev);
	append(s, "x3", board2, 1, prev);
	store_begin(s, &t, STORE_RO);
	assert_int_equal(store_replay(&t, board, 1, 0, 100, collect_cb, &col, &last, &more), 0);
	assert_int_equal(col.n, 1);
	assert_int_equal(col.seqs[0], 2);
	store_abort(&t);
	/* The last alert of "board" is 2 even though "board-2" has a later one. */
	append(s, "x4", board, 1, prev);
	assert_int_equal(prev[0], 2);
	store_free(s);
}

static void
test_ack_and_open(void **state)
{
	struct store *s = open_store(*state);
	const char *a[] = { "a" };
	struct collect col = { 0 };
	Lanu__V1__Alert *al;
	struct store_txn t;
	uint64_t prev[1], last;
	bool more;

	append(s, "k1", a, 1, prev);
	append(s, "k2", a, 1, prev);
	append(s, "k3", a, 1, prev);
	store_begin(s, &t, STORE_RW);
	assert_int_equal(store_ack_alert(&t, 2, "coordinator-7", "called the family", 42), 0);
	assert_int_equal(store_ack_alert(&t, 2, "someone-else", "", 43), -EALREADY);
	assert_int_equal(store_ack_alert(&t, 9, "x", "", 43), -ENOENT);
	assert_int_equal(store_commit(&t), 0);

	store_begin(s, &t, STORE_RO);
	assert_int_equal(store_get_alert(&t, 2, &al), 0);
	assert_non_null(al->ack);
	assert_string_equal(al->ack->by, "coordinator-7");
	assert_int_equal(al->ack->at_ms, 42);
	lanu__v1__alert__free_unpacked(al, NULL);
	assert_int_equal(store_open_alerts(&t, 0, 100, collect_cb, &col, &last, &more), 0);
	assert_int_equal(col.n, 2);
	assert_int_equal(col.seqs[0], 1);
	assert_int_equal(col.seqs[1], 3);
	struct store_stat st;
	assert_int_equal(store_stat(&t, &st), 0);
	assert_int_equal(st.open_alerts, 2);
	assert_int_equal(st.last_alert_seq, 3);
	store_abort(&t);
	store_free(s);
}

static void
test_gap_free_after_abort(void **state)
{
	struct store *s = open_store(*state);
	const char *a[] = { "a" };
	Lanu__V1__Alert al = LANU__V1__ALERT__INIT;
	char id[STORE_ALERT_ID_MAX];
	struct store_packed packed;
	uint64_t prev[1];
	struct store_txn t;

	append(s, "k1", a, 1, prev);
	store_begin(s, &t, STORE_RW);
	al.recipients = (char **)a;
	al.n_recipients = 1;
	assert_int_equal(store_append_alert(&t, &al, id, prev, &packed), 1);
	assert_int_equal(al.seq, 2);
	store_abort(&t);
	assert_int_equal(append(s, "k3", a, 1, prev), 2);	/* no gap */
	store_free(s);
}

/* An alert whose dedup key is there is not appended: nothing written, no seq spent. */
static void
test_append_dedup_key_there(void **state)
{
	struct store *s = open_store(*state);
	const char *a[] = { "a" };
	Lanu__V1__Alert al = LANU__V1__ALERT__INIT;
	char id[STORE_ALERT_ID_MAX];
	struct store_packed packed;
	uint64_t prev[1], seq;
	struct store_txn t;

	assert_int_equal(append(s, "k1", a, 1, prev), 1);
	store_begin(s, &t, STORE_RW);
	al.recipients = (char **)a;
	al.n_recipients = 1;
	al.dedup_key = (char *)"k1";
	assert_int_equal(store_append_alert(&t, &al, id, prev, &packed), 0);
	assert_int_equal(t.writes, 0);
	assert_int_equal(t.err, 0);
	assert_int_equal(store_last_alert_seq(&t), 1);
	assert_int_equal(store_alert_by_key(&t, "k1", &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_commit(&t), 0);
	assert_int_equal(append(s, "k2", a, 1, prev), 2);	/* no gap */
	assert_int_equal(prev[0], 1);
	store_free(s);
}

static void
test_map_full_and_grow(void **state)
{
	struct store *s = NULL;
	static char blob[16384];
	struct store_txn t;
	int r = 0, grown = 0;
	unsigned i = 0;

	assert_int_equal(store_open(*state, 1 << 20, 4 << 20, &s), 0);
	for (;;) {
		char id[32];

		store_begin(s, &t, STORE_RW);
		for (int j = 0; j < 16; j++, i++) {
			snprintf(id, sizeof(id), "e%u", i);
			store_put_event(&t, "p", id, "", 0, blob, sizeof(blob));
		}
		r = store_commit(&t);
		if (r == STORE_MAP_FULL) {
			i -= 16;	/* nothing of the batch was stored; it is retried whole */
			if (store_grow(s) < 0)
				break;
			grown++;
			continue;
		}
		assert_int_equal(r, 0);
	}
	assert_int_equal(grown, 2);	/* 1M -> 2M -> 4M, then full */
	assert_int_equal(store_grow(s), STORE_MAP_FULL);
	/* Full, but reading still works and nothing committed was lost. */
	store_begin(s, &t, STORE_RO);
	assert_int_equal(store_event_seen(&t, "p", "e0"), 1);
	char last[32];
	snprintf(last, sizeof(last), "e%u", i - 1);
	assert_int_equal(store_event_seen(&t, "p", last), 1);
	store_abort(&t);
	store_free(s);
	/* Reopened with a smaller map size, the map still holds all the data, and a
	 * larger map_max lets writing go on. */
	s = open_store(*state);
	store_begin(s, &t, STORE_RO);
	struct store_stat st;
	assert_int_equal(store_stat(&t, &st), 0);
	assert_true(st.map_size >= st.map_used);
	assert_true(st.map_used > (3u << 20));
	store_abort(&t);
	for (int tries = 0;; tries++) {
		assert_true(tries < 8);
		store_begin(s, &t, STORE_RW);
		store_put_event(&t, "p", "after-reopen", "", 0, blob, sizeof(blob));
		r = store_commit(&t);
		if (r != STORE_MAP_FULL)
			break;
		assert_int_equal(store_grow(s), 0);
	}
	assert_int_equal(r, 0);
	store_free(s);
}

/* Every key the families write, as raw bytes in the map: the layouts of schema 1, spelled
 * out by hand here (not with the codec), so a store written before the codec reads. */
struct raw {
	MDB_env *env;
	MDB_txn *txn;
};

static void
raw_open(struct raw *r, const char *dir)
{
	assert_int_equal(mdb_env_create(&r->env), 0);
	mdb_env_set_maxdbs(r->env, 16);
	assert_int_equal(mdb_env_open(r->env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
}

static void
raw_close(struct raw *r, bool commit)
{
	if (commit)
		assert_int_equal(mdb_txn_commit(r->txn), 0);
	else
		mdb_txn_abort(r->txn);
	mdb_env_close(r->env);
}

/* Asserts that database name holds the key (len bytes); returns its value. */
static MDB_val
raw_get(struct raw *r, const char *name, const void *key, size_t len)
{
	MDB_val k = { len, (void *)key }, v;
	MDB_dbi dbi;

	assert_int_equal(mdb_dbi_open(r->txn, name, 0, &dbi), 0);
	if (mdb_get(r->txn, dbi, &k, &v) != 0)
		fail_msg("%s: no such key (%zu bytes)", name, len);
	return v;
}

static void
test_layouts_on_disk(void **state)
{
	struct store *s = open_store(*state);
	Lanu__V1__Clock c = LANU__V1__CLOCK__INIT;
	const char *rcpts[] = { "sup-a" };
	struct store_txn t;
	struct raw r;
	uint64_t prev[1];
	MDB_val v;

	store_begin(s, &t, STORE_RW);
	store_put_event(&t, "school-1", "e1", "", 7, "abc", 3);
	c.service = "svc-a";
	c.stage = "";
	c.case_id = "p-1";
	c.start_day = "2049-01-11";
	c.state = LANU__V1__CLOCK__STATE__STATE_OPEN;
	c.due_at_ms = 0x0102;
	c.next_at_ms = 0x0304;
	store_clock_put(&t, &c, NULL);
	store_comp_add(&t, "in-time", "area=north", "2049-01", 2, 1);
	store_comp_set_level(&t, "in-time", "", 1, 9);
	assert_int_equal(store_commit(&t), 0);
	append(s, "clock/1/missed", rcpts, 1, prev);
	store_free(s);

	raw_open(&r, *state);
	v = raw_get(&r, "events", "\0\0\0\0\0\0\0\1", 8);
	assert_int_equal(v.mv_size, 11);
	assert_memory_equal(v.mv_data, "\0\0\0\0\0\0\0\7abc", 11);
	v = raw_get(&r, "dedup", "school-1\0e1", 11);
	assert_memory_equal(v.mv_data, "\0\0\0\0\0\0\0\1", 8);
	raw_get(&r, "alerts", "\0\0\0\0\0\0\0\1", 8);
	v = raw_get(&r, "akeys", "clock/1/missed", 14);
	assert_memory_equal(v.mv_data, "\0\0\0\0\0\0\0\1", 8);
	raw_get(&r, "by_rcpt", "sup-a\0\0\0\0\0\0\0\0\1", 14);
	raw_get(&r, "open", "\0\0\0\0\0\0\0\1", 8);
	raw_get(&r, "clocks", "\0\0\0\0\0\0\0\1", 8);
	v = raw_get(&r, "clk_case", "svc-a\0\0p-1", 10);
	assert_memory_equal(v.mv_data, "\0\0\0\0\0\0\0\1", 8);
	raw_get(&r, "clk_fire", "\0\0\0\0\0\0\3\4\0\0\0\0\0\0\0\1", 16);
	raw_get(&r, "clk_due", "\0\0\0\0\0\0\1\2\0\0\0\0\0\0\0\1", 16);
	raw_get(&r, "clk_svc", "svc-a\0" "2049-01-11\0\0\0\0\0\0\0\1", 24);
	v = raw_get(&r, "comp", "n\0in-time\0area=north\0" "2049-01", 28);
	assert_memory_equal(v.mv_data, "\0\0\0\0\0\0\0\2\0\0\0\0\0\0\0\1", 16);
	v = raw_get(&r, "comp", "l\0in-time\0", 10);
	assert_memory_equal(v.mv_data, "\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\x09", 16);
	v = raw_get(&r, "meta", "clock_seq", 9);
	assert_memory_equal(v.mv_data, "\0\0\0\0\0\0\0\1", 8);
	raw_close(&r, false);
}

/* A schema-1 store (an older lanud's) is migrated at open: the normalized plan records
 * it kept in "plan" go with their database, and the schema becomes 2. */
static void
test_plan_records_dropped(void **state)
{
	struct store *s = open_store(*state);
	MDB_val k = { 4, (void *)"info" }, v = { 1, (void *)"x" };
	MDB_val sk = { 6, (void *)"schema" }, sv = { 8, (void *)"\0\0\0\0\0\0\0\1" };
	MDB_dbi dbi;
	struct raw r;

	store_free(s);
	raw_open(&r, *state);
	assert_int_equal(mdb_dbi_open(r.txn, "plan", MDB_CREATE, &dbi), 0);
	assert_int_equal(mdb_put(r.txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_dbi_open(r.txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(r.txn, dbi, &sk, &sv, 0), 0);
	raw_close(&r, true);

	s = open_store(*state);
	store_free(s);
	raw_open(&r, *state);
	assert_int_equal(mdb_dbi_open(r.txn, "plan", 0, &dbi), MDB_NOTFOUND);
	v = raw_get(&r, "meta", "schema", 6);
	assert_memory_equal(v.mv_data, "\0\0\0\0\0\0\0\2", 8);
	raw_close(&r, false);
}

static void
test_lock_and_schema(void **state)
{
	struct store *s = open_store(*state), *s2 = NULL;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint64_t be = htobe64(99);
	MDB_val k = { 6, (void *)"schema" }, v = { 8, &be };

	assert_int_equal(store_open(*state, 1 << 20, 64 << 20, &s2), -EBUSY);
	store_free(s);

	/* A store written by a newer schema is refused. */
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	assert_int_equal(mdb_env_open(env, *state, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(store_open(*state, 1 << 20, 64 << 20, &s2), -EPROTO);
}

/* A lock file opened as fd 0 (stdin closed, as a service manager may start lanud) is
 * still closed by store_free(): the lock goes with it and the store opens again. */
static void
test_lock_fd_zero(void **state)
{
	struct store *s = NULL;
	int saved = dup(0);

	assert_true(saved >= 0);
	close(0);
	assert_int_equal(store_open(*state, 1 << 20, 64 << 20, &s), 0);
	assert_int_equal(fcntl(0, F_GETFD), FD_CLOEXEC);	/* fd 0 is the lock file */
	store_free(s);
	s = NULL;
	assert_int_equal(fcntl(0, F_GETFD), -1);		/* and it was closed */
	assert_int_equal(store_open(*state, 1 << 20, 64 << 20, &s), 0);
	store_free(s);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
}

/* A 1 MiB tmpfs under the test's temp dir, for a store on a file system that fills
 * up: only root may mount, so the test is skipped (and says so) otherwise. */
static int
setup_tmpfs(void **state)
{
	char *dir = test_tmpdir(), mnt[600];

	if (!dir)
		return -1;
	*state = dir;
	snprintf(mnt, sizeof(mnt), "%s/fs", dir);
	if (mkdir(mnt, 0700) < 0)
		return -1;
	if (geteuid() != 0 || mount("lanu-test", mnt, "tmpfs", 0, "size=1m,mode=0700") < 0)
		print_message("    cannot mount a tmpfs (%s): the disk-full test is skipped\n",
			      geteuid() != 0 ? "not root" : strerror(errno));
	return 0;
}

static int
teardown_tmpfs(void **state)
{
	char mnt[600];

	snprintf(mnt, sizeof(mnt), "%s/fs", (char *)*state);
	umount2(mnt, MNT_DETACH);	/* EINVAL if it was never mounted */
	return teardown(state);
}

/* A full file system is not a full map: the commit says -ENOSPC, not STORE_MAP_FULL,
 * so nothing grows the map, and the store keeps what was committed and still reads. */
static void
test_disk_full(void **state)
{
	static char blob[16384];
	char mnt[600], st_dir[700], id[32];
	struct store *s = NULL;
	struct store_txn t;
	struct stat root, fs;
	int r = 0;
	unsigned i = 0;

	snprintf(mnt, sizeof(mnt), "%s/fs", (char *)*state);
	snprintf(st_dir, sizeof(st_dir), "%s/state", mnt);
	if (stat(*state, &root) < 0 || stat(mnt, &fs) < 0 || root.st_dev == fs.st_dev)
		skip();		/* not mounted: see setup_tmpfs */
	assert_int_equal(store_open(st_dir, 8 << 20, 64 << 20, &s), 0);
	/* 1 MiB of disk under an 8 MiB map: the disk fills first (64 batches at most). */
	for (int b = 0; b < 64 && r == 0; b++) {
		store_begin(s, &t, STORE_RW);
		for (int j = 0; j < 4; j++, i++) {
			snprintf(id, sizeof(id), "e%u", i);
			store_put_event(&t, "p", id, "", 0, blob, sizeof(blob));
		}
		r = store_commit(&t);
	}
	assert_int_equal(r, -ENOSPC);
	assert_string_equal(store_strerror(r), "no space left on device");
	/* The committed events are there, the failed batch's are not, the map is as it was. */
	store_begin(s, &t, STORE_RO);
	struct store_stat st;
	assert_int_equal(store_stat(&t, &st), 0);
	assert_int_equal(st.map_size, 8 << 20);
	assert_true(st.events > 0 && st.events == i - 4);
	assert_int_equal(store_event_seen(&t, "p", "e0"), 1);
	snprintf(id, sizeof(id), "e%u", i - 1);
	assert_int_equal(store_event_seen(&t, "p", id), 0);
	store_abort(&t);
	store_free(s);
}

/* store_clear() leaves a store as new: no events, alerts or counters, the schema kept,
 * and the alert sequence starting again at 1. */
/* Escalation chains: one fire entry at the next step's instant, moved with the record,
 * deleted with it; the earliest first; status counts them. */
static void
test_escalations(void **state)
{
	struct store *s = open_store(*state);
	Lanu__V1__PendingEscalation p = LANU__V1__PENDING_ESCALATION__INIT, *back;
	Lanu__V1__Escalation e1 = LANU__V1__ESCALATION__INIT, e2 = LANU__V1__ESCALATION__INIT;
	Lanu__V1__Escalation *steps[] = { &e1, &e2 };
	uint64_t at[] = { 5000, 9000 }, first_at, first_seq;
	char *to[] = { (char *)"board" };
	struct store_stat st;
	struct store_txn t;

	e1.to = e2.to = to;
	e1.n_to = e2.n_to = 1;
	p.steps = steps;
	p.n_steps = 2;
	p.at_ms = at;
	p.n_at_ms = 2;
	store_begin(s, &t, STORE_RW);
	assert_int_equal(store_esc_first(&t, &first_at, &first_seq), -ENOENT);
	assert_int_equal(store_esc_next_at(&t), 0);
	p.alert_seq = 7;
	store_esc_put(&t, &p, 0);
	p.alert_seq = 3;
	at[0] = 6000;
	store_esc_put(&t, &p, 0);
	assert_int_equal(store_commit(&t), 0);

	store_begin(s, &t, STORE_RW);
	assert_int_equal(store_esc_first(&t, &first_at, &first_seq), 0);
	assert_int_equal(first_at, 5000);
	assert_int_equal(first_seq, 7);
	assert_int_equal(store_stat(&t, &st), 0);
	assert_int_equal(st.pending_escalations, 2);
	assert_int_equal(st.next_escalation_ms, 5000);
	/* alert 7 moves to its second step: its entry moves with it */
	assert_int_equal(store_esc_get(&t, 7, NULL, &back), 0);
	assert_int_equal(back->next, 0);
	assert_int_equal(back->at_ms[0], 5000);
	back->next = 1;
	store_esc_put(&t, back, 5000);
	lanu__v1__pending_escalation__free_unpacked(back, NULL);
	assert_int_equal(store_esc_first(&t, &first_at, &first_seq), 0);
	assert_int_equal(first_at, 6000);
	assert_int_equal(first_seq, 3);
	/* alert 3 is stopped (its instant read from the record): alert 7's step 2 is next */
	assert_int_equal(store_esc_stop(&t, 3, UINT64_MAX), 1);
	assert_int_equal(store_esc_stop(&t, 3, UINT64_MAX), 0);
	assert_int_equal(store_esc_get(&t, 3, NULL, &back), -ENOENT);
	assert_int_equal(store_esc_next_at(&t), 9000);
	assert_int_equal(store_esc_stop(&t, 7, 9000), 1);
	assert_int_equal(store_esc_next_at(&t), 0);
	assert_int_equal(store_stat(&t, &st), 0);
	assert_int_equal(st.pending_escalations, 0);
	assert_int_equal(store_commit(&t), 0);
	store_free(s);
}

static void
test_clear(void **state)
{
	struct store *s = open_store(*state);
	const char *rcpts[] = { "sup" };
	struct store_stat st;
	struct store_txn t;
	uint64_t prev;

	store_begin(s, &t, STORE_RW);
	store_put_event(&t, "school-1", "e1", "", 1000, "abc", 3);
	assert_int_equal(store_commit(&t), 0);
	assert_int_equal(append(s, "k1", rcpts, 1, &prev), 1);
	assert_int_equal(append(s, "k2", rcpts, 1, &prev), 2);

	assert_int_equal(store_clear(s), 0);
	store_begin(s, &t, STORE_RO);
	assert_int_equal(store_event_seen(&t, "school-1", "e1"), 0);
	assert_int_equal(store_stat(&t, &st), 0);
	assert_int_equal(st.events, 0);
	assert_int_equal(st.last_alert_seq, 0);
	assert_int_equal(st.open_alerts, 0);
	assert_int_equal(store_alert_by_key(&t, "k1", &prev), -ENOENT);
	store_abort(&t);
	assert_int_equal(append(s, "k1", rcpts, 1, &prev), 1);
	store_free(s);

	/* and it opens again: the schema is still there */
	s = open_store(*state);
	store_free(s);
}

/* --- the audit log ----------------------------------------------------------------------- */

static uint64_t
audit_append(struct store_txn *t, Lanu__V1__AuditRecord__What what, const char *who,
	     uint64_t at_ms)
{
	Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;

	r.what = what;
	r.who = (char *)who;
	r.at_ms = at_ms;
	return store_append_audit(t, &r);
}

struct audit_take {
	const char *who;	/* "" = any */
	uint64_t seqs[16];
	size_t n;
};

static int
audit_take_cb(Lanu__V1__AuditRecord *r, void *arg)
{
	struct audit_take *x = arg;

	if (*x->who && strcmp(r->who, x->who) != 0)
		return 0;
	x->seqs[x->n++] = r->seq;
	lanu__v1__audit_record__free_unpacked(r, NULL);	/* taken: ours to free */
	return 1;
}

static void
test_audit_log(void **state)
{
	const Lanu__V1__AuditRecord__What ack = LANU__V1__AUDIT_RECORD__WHAT__ACK,
					  replay = LANU__V1__AUDIT_RECORD__WHAT__REPLAY;
	struct store *s = open_store(*state);
	Lanu__V1__AuditRecord *r;
	struct audit_take x = { .who = "" };
	struct store_stat st;
	struct store_txn t;
	uint64_t last;
	bool more;

	/* gap-free across transactions; an aborted one leaves no gap */
	store_begin(s, &t, STORE_RW);
	assert_int_equal(store_last_audit_seq(&t), 0);
	assert_int_equal(audit_append(&t, ack, "op-a", 1000), 1);
	assert_int_equal(audit_append(&t, replay, "reader-a", 2000), 2);
	assert_int_equal(store_commit(&t), 0);
	store_begin(s, &t, STORE_RW);
	assert_int_equal(audit_append(&t, ack, "op-b", 3000), 3);
	store_abort(&t);
	store_begin(s, &t, STORE_RW);
	assert_int_equal(audit_append(&t, ack, "op-b", 3000), 3);
	/* a clock that stepped back: the record keeps the time of the one before */
	assert_int_equal(audit_append(&t, replay, "reader-a", 2500), 4);
	assert_int_equal(audit_append(&t, ack, "op-a", 5000), 5);
	assert_int_equal(store_commit(&t), 0);
	store_free(s);

	/* and they survive a reopen, each under its seq */
	s = open_store(*state);
	store_begin(s, &t, STORE_RO);
	assert_int_equal(store_stat(&t, &st), 0);
	assert_int_equal(st.last_audit_seq, 5);
	for (uint64_t seq = 1; seq <= 5; seq++) {
		assert_int_equal(store_get_audit(&t, seq, &r), 0);
		assert_int_equal(r->seq, seq);
		lanu__v1__audit_record__free_unpacked(r, NULL);
	}
	assert_int_equal(store_get_audit(&t, 4, &r), 0);
	assert_int_equal(r->at_ms, 3000);
	lanu__v1__audit_record__free_unpacked(r, NULL);
	assert_int_equal(store_get_audit(&t, 6, &r), -ENOENT);

	/* everything, in pages of two */
	assert_int_equal(store_audit_scan(&t, 0, 0, 0, 2, 100, audit_take_cb, &x, &last, &more),
			 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(last, 2);
	assert_true(more);
	assert_int_equal(store_audit_scan(&t, last, 0, 0, 2, 100, audit_take_cb, &x, &last,
					  &more), 0);
	assert_int_equal(store_audit_scan(&t, last, 0, 0, 2, 100, audit_take_cb, &x, &last,
					  &more), 0);
	assert_int_equal(x.n, 5);
	assert_int_equal(last, 5);
	assert_false(more);

	/* by time: [2000, 3000] is 2, 3 and 4 (at 3000 since the clock stepped back) */
	x.n = 0;
	assert_int_equal(store_audit_scan(&t, 0, 2000, 3000, 10, 100, audit_take_cb, &x, &last,
					  &more), 0);
	assert_int_equal(x.n, 3);
	assert_int_equal(x.seqs[0], 2);
	assert_int_equal(x.seqs[2], 4);
	assert_false(more);
	/* from after the last: nothing */
	x.n = 0;
	assert_int_equal(store_audit_scan(&t, 0, 9000, 0, 10, 100, audit_take_cb, &x, &last,
					  &more), 0);
	assert_int_equal(x.n, 0);
	assert_false(more);

	/* by who (the caller's filter), examining at most 2 a page: more follows */
	x.n = 0;
	x.who = "op-a";
	assert_int_equal(store_audit_scan(&t, 0, 0, 0, 10, 2, audit_take_cb, &x, &last, &more),
			 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(last, 2);
	assert_true(more);
	assert_int_equal(store_audit_scan(&t, last, 0, 0, 10, 10, audit_take_cb, &x, &last,
					  &more), 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.seqs[1], 5);
	store_abort(&t);

	/* store_clear() empties it too */
	assert_int_equal(store_clear(s), 0);
	store_begin(s, &t, STORE_RW);
	assert_int_equal(audit_append(&t, ack, "op-a", 1), 1);
	assert_int_equal(store_commit(&t), 0);
	store_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_round_trip),
		cmocka_unit_test(test_key_layouts),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_key_malformed),
		cmocka_unit_test_setup_teardown(test_key_bad_in_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_log_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_recipients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_and_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_dedup_key_there, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_free_after_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full_and_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layouts_on_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_records_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_fd_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup_tmpfs, teardown_tmpfs),
		cmocka_unit_test_setup_teardown(test_escalations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_log, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
