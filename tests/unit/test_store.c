/* store: events and dedup, the gap-free alert log, replay, acks, map growth, locking. */
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

#include "store.h"
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
	store_begin(s, &t, STORE_RW);
	store_append_alert(&t, &a, id, prev);
	assert_int_equal(store_commit(&t), 0);
	assert_string_equal(a.alert_id, id);
	return a.seq;
}

static void
test_events_dedup(void **state)
{
	struct store *s = open_store(*state);
	struct store_txn t;

	store_begin(s, &t, STORE_RW);
	assert_int_equal(store_event_seen(&t, "school-1", "e1"), 0);
	store_put_event(&t, "school-1", "e1", 1000, "abc", 3);
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
	store_put_event(&t, "school-1", "e2", 1000, "abc", 3);
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
	uint64_t prev[1];
	struct store_txn t;

	append(s, "k1", a, 1, prev);
	store_begin(s, &t, STORE_RW);
	al.recipients = (char **)a;
	al.n_recipients = 1;
	store_append_alert(&t, &al, id, prev);
	assert_int_equal(al.seq, 2);
	store_abort(&t);
	assert_int_equal(append(s, "k3", a, 1, prev), 2);	/* no gap */
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
			store_put_event(&t, "p", id, 0, blob, sizeof(blob));
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
		store_put_event(&t, "p", "after-reopen", 0, blob, sizeof(blob));
		r = store_commit(&t);
		if (r != STORE_MAP_FULL)
			break;
		assert_int_equal(store_grow(s), 0);
	}
	assert_int_equal(r, 0);
	store_free(s);
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
			store_put_event(&t, "p", id, 0, blob, sizeof(blob));
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
static void
test_clear(void **state)
{
	struct store *s = open_store(*state);
	const char *rcpts[] = { "sup" };
	struct store_stat st;
	struct store_txn t;
	uint64_t prev;

	store_begin(s, &t, STORE_RW);
	store_put_event(&t, "school-1", "e1", 1000, "abc", 3);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_log_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_recipients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_and_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_free_after_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full_and_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_fd_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup_tmpfs, teardown_tmpfs),
		cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
