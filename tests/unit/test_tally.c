/*
 * tally, state and strmap: rows add up per pupil and period (exact hundredths, the latest
 * row's school, grade and as_of, the latest lessons held); the event id is the same for
 * the same counts and differs when anything sent differs; the state file keeps what was
 * acknowledged across a write and a read, and refuses a file that is not one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapping.h"
#include "state.h"
#include "strmap.h"
#include "tally.h"

static struct mapping_row
mkrow(const char *pupil, const char *period, const char *date, int cls, int64_t centi,
      uint32_t lessons, int64_t held)
{
	struct mapping_row r = { .pupil = pupil, .school = "s-1", .grade = 7, .cls = cls,
				 .centihours = centi, .lessons = lessons, .lessons_held = held };

	snprintf(r.period, sizeof(r.period), "%s", period);
	snprintf(r.date, sizeof(r.date), "%s", date);
	return r;
}

static void
test_adds_up(void **state)
{
	struct tally *t = tally_new();
	struct mapping_row r;
	const struct tally_entry *e;
	char id1[TALLY_ID_LEN + 1], id2[TALLY_ID_LEN + 1];
	Lanu__V1__AbsenceCountsReported m;
	Lanu__V1__AbsenceTally tallies[MAPPING_N_CLASSES];

	(void)state;
	assert_non_null(t);
	r = mkrow("p-1", "2025-autumn", "2025-10-02", MAPPING_AUTHORISED, 75, 1, 50);
	assert_int_equal(tally_add(t, &r, 2), 0);
	r = mkrow("p-2", "2025-autumn", "2025-10-01", MAPPING_UNEXPLAINED, 10, 0, -1);
	assert_int_equal(tally_add(t, &r, 3), 0);
	/* an earlier day: counts add, as_of and lessons held stay */
	r = mkrow("p-1", "2025-autumn", "2025-09-01", MAPPING_AUTHORISED, 15, 1, 20);
	r.school = "s-old";
	r.grade = 6;
	assert_int_equal(tally_add(t, &r, 4), 0);
	r = mkrow("p-1", "2026-spring", "2026-01-10", MAPPING_UNAUTHORISED, 100, 1, 5);
	assert_int_equal(tally_add(t, &r, 5), 0);
	assert_int_equal(tally_count(t), 3);

	e = tally_get(t, 0);
	assert_string_equal(e->pupil, "p-1");
	assert_string_equal(e->period, "2025-autumn");
	assert_string_equal(e->school, "s-1");
	assert_int_equal(e->grade, 7);
	assert_string_equal(e->as_of, "2025-10-02");
	assert_int_equal(e->lessons_held, 50);
	assert_int_equal(e->centihours[MAPPING_AUTHORISED], 90);
	assert_int_equal(e->lessons[MAPPING_AUTHORISED], 2);
	assert_int_equal(e->line, 2);
	assert_null(tally_get(t, 3));

	tally_fill(e, &m, tallies);
	assert_string_equal(m.pupil_id, "p-1");
	assert_true(m.authorised->hours > 0.899 && m.authorised->hours < 0.901);
	assert_int_equal(m.unauthorised->lessons, 0);

	/* the id: stable, and moved by any count */
	tally_event_id(e, id1);
	tally_event_id(e, id2);
	assert_string_equal(id1, id2);
	assert_int_equal(strlen(id1), TALLY_ID_LEN);
	assert_memory_equal(id1, "abs-", 4);
	tally_event_id(tally_get(t, 1), id2);
	assert_string_not_equal(id1, id2);
	r = mkrow("p-1", "2025-autumn", "2025-10-02", -1, 0, 0, 51);
	assert_int_equal(tally_add(t, &r, 6), 0);
	tally_event_id(tally_get(t, 0), id2);
	assert_string_not_equal(id1, id2);

	/* 32-bit lessons do not wrap */
	r = mkrow("p-3", "2025-autumn", "2025-10-02", MAPPING_AUTHORISED, 0, UINT32_MAX, 0);
	assert_int_equal(tally_add(t, &r, 7), 0);
	r.lessons = 1;
	assert_int_equal(tally_add(t, &r, 8), -EOVERFLOW);
	tally_free(t);
}

static void
test_state(void **state)
{
	char dir[] = "/tmp/lanu-state-XXXXXX", path[64], id[TALLY_ID_LEN + 1];
	struct state *s = NULL;
	unsigned line = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/st", dir);
	memset(id, 'a', TALLY_ID_LEN);
	memcpy(id, "abs-", 4);
	id[TALLY_ID_LEN] = '\0';

	assert_int_equal(state_load(path, &line, &s), 0);	/* none yet: empty */
	assert_false(state_acked(s, "p-1\0" "2025-autumn", 15, id));
	assert_int_equal(state_flush(s), 0);			/* nothing to write */
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(state_set(s, "p-1\0" "2025-autumn", 15, id), 0);
	assert_true(state_acked(s, "p-1\0" "2025-autumn", 15, id));
	assert_int_equal(state_maybe_flush(s), 0);		/* too soon, too few */
	assert_int_equal(state_flush(s), 0);
	state_free(s);

	assert_int_equal(state_load(path, &line, &s), 0);
	assert_true(state_acked(s, "p-1\0" "2025-autumn", 15, id));
	assert_false(state_acked(s, "p-1\0" "2026-spring", 15, id));
	id[10] = 'b';
	assert_false(state_acked(s, "p-1\0" "2025-autumn", 15, id));
	state_free(s);

	f = fopen(path, "a");
	assert_non_null(f);
	fputs("p-2\tno id\n", f);
	fclose(f);
	s = (void *)1;
	assert_int_equal(state_load(path, &line, &s), -EBADMSG);
	assert_int_equal(line, 3);
	assert_ptr_equal(s, (void *)1);
	unlink(path);
	rmdir(dir);
}

static int
count_cb(const char *key, size_t len, size_t value, void *arg)
{
	(void)key;
	(void)len;
	*(size_t *)arg += value;
	return 0;
}

static void
test_strmap(void **state)
{
	struct strmap *m = strmap_new();
	char key[32];
	size_t v = 0, sum = 0;

	(void)state;
	for (size_t i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(strmap_put(m, key, strlen(key) + 1, i), 0);
	}
	assert_int_equal(strmap_put(m, "k5", 3, 42), 0);	/* replaces */
	assert_int_equal(strmap_size(m), 10000);
	assert_int_equal(strmap_get(m, "k5", 3, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(strmap_get(m, "k9999", 6, &v), 0);
	assert_int_equal(v, 9999);
	assert_int_equal(strmap_get(m, "k5", 2, &v), -ENOENT);	/* the NUL is part of it */
	assert_int_equal(strmap_foreach(m, count_cb, &sum), 0);
	assert_int_equal(sum, 10000 * 9999 / 2 - 5 + 42);
	strmap_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adds_up),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_strmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
