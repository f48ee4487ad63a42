/* audit: the loop's queue (bounded; what it drops is counted and recorded), the coalescing
 * of refusals per source, and what the writer appends from a batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "lanud.h"
#include "msg.h"
#include "store.h"
#include "testutil.h"

#define W(x) LANU__V1__AUDIT_RECORD__WHAT__##x

struct fix {
	char *dir;
	struct lanud d;
	struct audit_buf taken[AUDIT_QUEUE_MAX + 1];
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f || !(f->dir = test_tmpdir()))
		return -1;
	timesrc_init(&f->d.clock, true, 1767225600000ULL * 1000);
	if (store_open(f->dir, 1 << 20, 64 << 20, &f->d.store) < 0)
		return -1;
	/* no event base: no timer, the windows end at audit_flush() */
	if (audit_new(&f->d, &f->d.audit) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	audit_free(f->d.audit);
	store_free(f->d.store);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Takes the queue and appends it in one transaction, as a batch does. Returns how many. */
static size_t
commit_queue(struct fix *f)
{
	size_t n = audit_take(f->d.audit, f->taken), unwritten;
	struct store_txn t;

	store_begin(f->d.store, &t, STORE_RW);
	unwritten = audit_write(&t, f->taken, n);
	assert_int_equal(store_commit(&t), 0);
	audit_release(f->d.audit, f->taken, n, unwritten, false);
	assert_int_equal(unwritten, 0);
	return n;
}

static Lanu__V1__AuditRecord *
get(struct fix *f, uint64_t seq)
{
	Lanu__V1__AuditRecord *r;
	struct store_txn t;

	store_begin(f->d.store, &t, STORE_RO);
	assert_int_equal(store_get_audit(&t, seq, &r), 0);
	store_abort(&t);
	return r;
}

static void
test_queue_bounded(void **state)
{
	struct fix *f = *state;
	Lanu__V1__AuditRecord *r;

	assert_false(audit_pending(f->d.audit));
	for (size_t i = 0; i < AUDIT_QUEUE_MAX + 5; i++) {
		Lanu__V1__AuditRecord rec = LANU__V1__AUDIT_RECORD__INIT;

		rec.what = W(ALERT_QUERY);
		rec.who = (char *)"ipc";
		rec.alert_id = (char *)"a-1";
		audit_note(&f->d, &rec);
	}
	assert_true(audit_pending(f->d.audit));
	/* the queue, then one record that says 5 were lost */
	assert_int_equal(commit_queue(f), AUDIT_QUEUE_MAX + 1);
	assert_false(audit_pending(f->d.audit));
	r = get(f, AUDIT_QUEUE_MAX + 1);
	assert_int_equal(r->what, W(RECORDS_DROPPED));
	assert_int_equal(r->count, 5);
	assert_string_equal(r->who, "lanud");
	lanu__v1__audit_record__free_unpacked(r, NULL);
	r = get(f, 1);
	assert_int_equal(r->what, W(ALERT_QUERY));
	assert_int_equal(r->at_ms, 1767225600000ULL);	/* lanud's clock when it happened */
	lanu__v1__audit_record__free_unpacked(r, NULL);

	/* a batch whose commit failed: its records are counted as lost */
	{
		Lanu__V1__AuditRecord rec = LANU__V1__AUDIT_RECORD__INIT;
		size_t n;

		rec.what = W(REPLAY);
		audit_note(&f->d, &rec);
		audit_note(&f->d, &rec);
		n = audit_take(f->d.audit, f->taken);
		assert_int_equal(n, 2);
		audit_release(f->d.audit, f->taken, n, 0, true);
	}
	assert_int_equal(commit_queue(f), 1);	/* nothing queued but the count */
	r = get(f, AUDIT_QUEUE_MAX + 2);
	assert_int_equal(r->what, W(RECORDS_DROPPED));
	assert_int_equal(r->count, 2);
	lanu__v1__audit_record__free_unpacked(r, NULL);
}

static void
test_refusals_coalesced(void **state)
{
	struct fix *f = *state;
	struct msg_error e = { "not a lanu.v1.Request", "" };
	Lanu__V1__AuditRecord *r;

	/* a flood from one source: its first at once, the rest counted */
	for (int i = 0; i < 1000; i++) {
		snprintf(e.reason, sizeof(e.reason), "refusal %d", i);
		audit_refused(&f->d, NULL, NULL, &e);
	}
	audit_peer_refused(&f->d, "192.0.2.1", "", "unknown key");
	audit_peer_refused(&f->d, "192.0.2.1", "", "unknown key");
	audit_peer_refused(&f->d, "192.0.2.2", "old-key", "revoked");
	assert_int_equal(commit_queue(f), 3);
	r = get(f, 1);
	assert_int_equal(r->what, W(REQUEST_REFUSED));
	assert_string_equal(r->who, "ipc");
	assert_string_equal(r->reason, "refusal 0");
	assert_int_equal(r->count, 1);
	lanu__v1__audit_record__free_unpacked(r, NULL);
	r = get(f, 3);
	assert_int_equal(r->what, W(PEER_REFUSED));
	assert_string_equal(r->address, "192.0.2.2");
	assert_string_equal(r->who, "old-key");
	lanu__v1__audit_record__free_unpacked(r, NULL);

	/* the windows' counts, with their last reasons, when they end (shutdown here) */
	audit_flush(f->d.audit);
	assert_int_equal(commit_queue(f), 2);
	r = get(f, 4);
	assert_int_equal(r->what, W(REQUEST_REFUSED));
	assert_int_equal(r->count, 999);
	assert_string_equal(r->reason, "refusal 999");
	lanu__v1__audit_record__free_unpacked(r, NULL);
	r = get(f, 5);
	assert_int_equal(r->what, W(PEER_REFUSED));
	assert_string_equal(r->address, "192.0.2.1");
	assert_int_equal(r->count, 1);
	lanu__v1__audit_record__free_unpacked(r, NULL);
	audit_flush(f->d.audit);
	assert_false(audit_pending(f->d.audit));	/* nothing counted since */
}

static void
test_without_queue(void **state)
{
	struct fix *f = *state;
	struct msg_error e = { "x", "" };
	struct audit_buf none[1];

	/* lanud without an audit queue (the fuzzers'): the loop's records are not made */
	f->d.audit = audit_free(f->d.audit);
	audit_refused(&f->d, NULL, NULL, &e);
	assert_false(audit_pending(f->d.audit));
	assert_int_equal(audit_take(f->d.audit, none), 0);
	audit_release(NULL, none, 0, 0, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_queue, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
