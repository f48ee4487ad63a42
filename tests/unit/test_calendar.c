/*
 * calendar: day numbers, the Finnish holidays 2020-2035 against literal dates, the counting
 * examples of LEGAL.md, a school calendar read from an inline plan, and local midnights
 * around the DST changes in Europe/Helsinki (main() sets TZ).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "instant.h"
#include "lanu/macro.h"
#include "plan.h"
#include "plan_value.h"

#define U(x) LANU__V1__DURATION__UNIT__UNIT_##x
#define HOUR_MS 3600000ull
#define SENTINEL 12345

/* "YYYY-MM-DD" that must parse. */
static int32_t
D(const char *s)
{
	int32_t day = 0;

	if (calendar_parse_day(s, &day) != 0)
		fail_msg("'%s' does not parse", s);
	return day;
}

/* Asserts that day is the date s, naming both on failure. */
static void
expect_day(int32_t day, const char *s, const char *what)
{
	char buf[11];

	calendar_format_day(day, buf);
	if (strcmp(buf, s) != 0)
		fail_msg("%s: got %s, expected %s", what, buf, s);
}

static void
expect_due(const struct calendar *c, const char *start, uint32_t count,
	   Lanu__V1__Duration__Unit unit, bool roll, const char *due)
{
	int32_t day = SENTINEL;
	char what[128];
	int r = calendar_due_day(c, D(start), count, unit, roll, &day);

	snprintf(what, sizeof(what), "%s: %s + %u (unit %d%s)", calendar_id(c), start, count,
		 unit, roll ? ", roll forward" : "");
	if (r != 0)
		fail_msg("%s failed: %s", what, strerror(-r));
	expect_day(day, due, what);
}

static void
expect_before(const struct calendar *c, const char *day, uint32_t count,
	      Lanu__V1__Duration__Unit unit, const char *before)
{
	int32_t ret = SENTINEL;
	char what[128];
	int r = calendar_before_day(c, D(day), count, unit, &ret);

	snprintf(what, sizeof(what), "%s: %s - %u (unit %d)", calendar_id(c), day, count, unit);
	if (r != 0)
		fail_msg("%s failed: %s", what, strerror(-r));
	expect_day(ret, before, what);
}

static uint64_t
utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi };

	return (uint64_t)timegm(&tm) * 1000;
}

/* --- day numbers ------------------------------------------------------------------------- */

static void
test_day_numbers(void **state)
{
	int y = 0, m = 1, d = 1, wd = 0;

	(void)state;
	assert_int_equal(calendar_day(1970, 1, 1), 0);
	assert_int_equal(calendar_day(1969, 12, 31), -1);
	assert_int_equal(calendar_day(2000, 3, 1), 11017);
	assert_int_equal(calendar_day(2025, 12, 2), 20424);
	assert_int_equal(calendar_day(0, 1, 1), CALENDAR_DAY_MIN);
	assert_int_equal(calendar_day(9999, 12, 31), CALENDAR_DAY_MAX);
	/* months and days out of range carry */
	assert_int_equal(calendar_day(2025, 13, 1), calendar_day(2026, 1, 1));
	assert_int_equal(calendar_day(2025, 0, 1), calendar_day(2024, 12, 1));
	assert_int_equal(calendar_day(2025, -11, 1), calendar_day(2024, 1, 1));
	assert_int_equal(calendar_day(2025, 2, 29), calendar_day(2025, 3, 1));
	assert_int_equal(calendar_day(2024, 2, 29) + 1, calendar_day(2024, 3, 1));

	/* weekdays: 1 Monday .. 7 Sunday */
	assert_int_equal(calendar_weekday(0), 4);		/* Thu 1970-01-01 */
	assert_int_equal(calendar_weekday(-1), 3);
	assert_int_equal(calendar_weekday(-4), 7);
	assert_int_equal(calendar_weekday(D("2025-12-02")), 2);
	assert_int_equal(calendar_weekday(D("2025-12-07")), 7);
	assert_int_equal(calendar_weekday(D("1900-01-01")), 1);
	assert_int_equal(calendar_weekday(D("2000-01-01")), 6);

	/* every day of years 0000..9999: consecutive dates, weekdays in turn */
	for (int32_t day = CALENDAR_DAY_MIN; day <= CALENDAR_DAY_MAX; day++) {
		int ny, nm, nd, nwd = calendar_weekday(day);

		calendar_ymd(day, &ny, &nm, &nd);
		if (day == CALENDAR_DAY_MIN) {
			assert_true(ny == 0 && nm == 1 && nd == 1);
		} else if (!((ny == y && nm == m && nd == d + 1) ||
			     (ny == y && nm == m + 1 && nd == 1 && d == value_days_in_month(y, m)) ||
			     (ny == y + 1 && nm == 1 && nd == 1 && m == 12 && d == 31)))
			fail_msg("day %d is %04d-%02d-%02d after %04d-%02d-%02d", day, ny, nm, nd,
				 y, m, d);
		if (day != CALENDAR_DAY_MIN && nwd != wd % 7 + 1)
			fail_msg("day %d has weekday %d after %d", day, nwd, wd);
		if (calendar_day(ny, nm, nd) != day)
			fail_msg("day %d -> %04d-%02d-%02d -> %d", day, ny, nm, nd,
				 calendar_day(ny, nm, nd));
		y = ny, m = nm, d = nd, wd = nwd;
	}
	assert_true(y == 9999 && m == 12 && d == 31);
}

static void
test_parse_format(void **state)
{
	static const char *const good[] = {
		"2025-01-01", "2024-02-29", "2000-02-29", "1970-01-01", "0000-01-01",
		"9999-12-31", "2025-12-31", "2025-04-30",
	};
	static const char *const bad[] = {
		"", "2025-02-29", "1900-02-29", "2025-13-01", "2025-00-10", "2025-01-00",
		"2025-01-32", "2025-04-31", "2025-1-01", "2025-01-1", "20250101", "2025/01/01",
		" 2025-01-01", "2025-01-01 ", "2025-01-01x", "+025-01-01", "2025-0a-01",
		"2025-01--1", "25-01-01", "2025",
	};
	char buf[11];
	int32_t day;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		day = SENTINEL;
		if (calendar_parse_day(good[i], &day) != 0)
			fail_msg("'%s' was refused", good[i]);
		calendar_format_day(day, buf);
		if (strcmp(buf, good[i]) != 0)
			fail_msg("'%s' came back as '%s'", good[i], buf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		day = SENTINEL;
		if (calendar_parse_day(bad[i], &day) != -EINVAL)
			fail_msg("'%s' was not refused with -EINVAL", bad[i]);
		if (day != SENTINEL)
			fail_msg("'%s' wrote the out-parameter", bad[i]);
	}
	assert_int_equal(calendar_parse_day(NULL, &day), -EINVAL);
	assert_int_equal(D("1970-01-01"), 0);
	assert_int_equal(D("2025-12-02"), 20424);
	calendar_format_day(-1, buf);
	assert_string_equal(buf, "1969-12-31");
	calendar_format_day(CALENDAR_DAY_MAX + 1, buf);
	assert_string_equal(buf, "0000-00-00");
	calendar_format_day(CALENDAR_DAY_MIN - 1, buf);
	assert_string_equal(buf, "0000-00-00");
	calendar_format_day(INT32_MIN, buf);
	assert_string_equal(buf, "0000-00-00");
}

/* --- holidays ----------------------------------------------------------------------------- */

/* Written out by hand from the Easter dates; not computed by the code under test. */
static const struct {
	int year;
	const char *good_friday, *easter, *easter_monday, *ascension, *whit_sunday;
	const char *midsummer_eve, *midsummer_day, *all_saints;
} movable[] = {
	{ 2020, "2020-04-10", "2020-04-12", "2020-04-13", "2020-05-21", "2020-05-31",
	  "2020-06-19", "2020-06-20", "2020-10-31" },
	{ 2021, "2021-04-02", "2021-04-04", "2021-04-05", "2021-05-13", "2021-05-23",
	  "2021-06-25", "2021-06-26", "2021-11-06" },
	{ 2022, "2022-04-15", "2022-04-17", "2022-04-18", "2022-05-26", "2022-06-05",
	  "2022-06-24", "2022-06-25", "2022-11-05" },
	{ 2023, "2023-04-07", "2023-04-09", "2023-04-10", "2023-05-18", "2023-05-28",
	  "2023-06-23", "2023-06-24", "2023-11-04" },
	{ 2024, "2024-03-29", "2024-03-31", "2024-04-01", "2024-05-09", "2024-05-19",
	  "2024-06-21", "2024-06-22", "2024-11-02" },
	{ 2025, "2025-04-18", "2025-04-20", "2025-04-21", "2025-05-29", "2025-06-08",
	  "2025-06-20", "2025-06-21", "2025-11-01" },
	{ 2026, "2026-04-03", "2026-04-05", "2026-04-06", "2026-05-14", "2026-05-24",
	  "2026-06-19", "2026-06-20", "2026-10-31" },
	{ 2027, "2027-03-26", "2027-03-28", "2027-03-29", "2027-05-06", "2027-05-16",
	  "2027-06-25", "2027-06-26", "2027-11-06" },
	{ 2028, "2028-04-14", "2028-04-16", "2028-04-17", "2028-05-25", "2028-06-04",
	  "2028-06-23", "2028-06-24", "2028-11-04" },
	{ 2029, "2029-03-30", "2029-04-01", "2029-04-02", "2029-05-10", "2029-05-20",
	  "2029-06-22", "2029-06-23", "2029-11-03" },
	{ 2030, "2030-04-19", "2030-04-21", "2030-04-22", "2030-05-30", "2030-06-09",
	  "2030-06-21", "2030-06-22", "2030-11-02" },
	{ 2031, "2031-04-11", "2031-04-13", "2031-04-14", "2031-05-22", "2031-06-01",
	  "2031-06-20", "2031-06-21", "2031-11-01" },
	{ 2032, "2032-03-26", "2032-03-28", "2032-03-29", "2032-05-06", "2032-05-16",
	  "2032-06-25", "2032-06-26", "2032-11-06" },
	{ 2033, "2033-04-15", "2033-04-17", "2033-04-18", "2033-05-26", "2033-06-05",
	  "2033-06-24", "2033-06-25", "2033-11-05" },
	{ 2034, "2034-04-07", "2034-04-09", "2034-04-10", "2034-05-18", "2034-05-28",
	  "2034-06-23", "2034-06-24", "2034-11-04" },
	{ 2035, "2035-03-23", "2035-03-25", "2035-03-26", "2035-05-03", "2035-05-13",
	  "2035-06-22", "2035-06-23", "2035-11-03" },
};

static void
test_easter(void **state)
{
	static const struct {
		int year;
		const char *easter;
	} more[] = {
		{ 2000, "2000-04-23" }, { 2008, "2008-03-23" }, { 2038, "2038-04-25" },
		{ 1818, "1818-03-22" }, { 2285, "2285-03-22" }, { 1583, "1583-04-10" },
	};
	char what[32];

	(void)state;
	for (size_t i = 0; i < sizeof(movable) / sizeof(movable[0]); i++) {
		snprintf(what, sizeof(what), "Easter %d", movable[i].year);
		expect_day(calendar_easter(movable[i].year), movable[i].easter, what);
		assert_int_equal(calendar_weekday(calendar_easter(movable[i].year)), 7);
	}
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		snprintf(what, sizeof(what), "Easter %d", more[i].year);
		expect_day(calendar_easter(more[i].year), more[i].easter, what);
	}
}

static void
test_holidays(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(movable) / sizeof(movable[0]); i++) {
		int y = movable[i].year, n = 0;
		char fixed[7][11];
		struct {
			const char *date, *name;
		} want[15] = {
			{ fixed[0], "New Year's Day" },
			{ fixed[1], "Epiphany" },
			{ movable[i].good_friday, "Good Friday" },
			{ movable[i].easter, "Easter Sunday" },
			{ movable[i].easter_monday, "Easter Monday" },
			{ fixed[2], "May Day" },
			{ movable[i].ascension, "Ascension Day" },
			{ movable[i].whit_sunday, "Whit Sunday" },
			{ movable[i].midsummer_eve, "Midsummer Eve" },
			{ movable[i].midsummer_day, "Midsummer Day" },
			{ movable[i].all_saints, "All Saints' Day" },
			{ fixed[3], "Independence Day" },
			{ fixed[4], "Christmas Eve" },
			{ fixed[5], "Christmas Day" },
			{ fixed[6], "Boxing Day" },
		};

		snprintf(fixed[0], 11, "%d-01-01", y);
		snprintf(fixed[1], 11, "%d-01-06", y);
		snprintf(fixed[2], 11, "%d-05-01", y);
		snprintf(fixed[3], 11, "%d-12-06", y);
		snprintf(fixed[4], 11, "%d-12-24", y);
		snprintf(fixed[5], 11, "%d-12-25", y);
		snprintf(fixed[6], 11, "%d-12-26", y);
		for (int32_t day = calendar_day(y, 1, 1); day < calendar_day(y + 1, 1, 1); day++) {
			const char *got = calendar_holiday(day), *expected = NULL;
			char buf[11];

			calendar_format_day(day, buf);
			for (size_t j = 0; j < 15; j++)
				if (strcmp(want[j].date, buf) == 0)
					expected = want[j].name;
			if (!got != !expected || (got && strcmp(got, expected) != 0))
				fail_msg("%s: holiday '%s', expected '%s'", buf, got ? got : "(none)",
					 expected ? expected : "(none)");
			n += got != NULL;
		}
		if (n != 15)
			fail_msg("%d has %d holidays, expected 15", y, n);
	}
	/* 2008: Ascension Day on May Day, one day with two holidays */
	assert_string_equal(calendar_holiday(D("2008-05-01")), "May Day");
	assert_null(calendar_holiday(D("2008-05-02")));
	assert_null(calendar_holiday(D("2025-12-31")));
	assert_null(calendar_holiday(D("2025-06-27")));	/* a Friday after the 25th */
	assert_null(calendar_holiday(D("2025-06-13")));
	assert_null(calendar_holiday(D("2025-11-08")));	/* the Saturday after 6 Nov */
	assert_null(calendar_holiday(D("2026-10-24")));	/* before 31 Oct */
}

static void
test_national_working(void **state)
{
	const struct calendar *nat = calendar_get(NULL, "national");
	int32_t day = SENTINEL;

	(void)state;
	assert_non_null(nat);
	assert_string_equal(calendar_id(nat), "national");
	assert_false(calendar_is_working(nat, D("2025-06-20")));	/* Midsummer Eve, Fri */
	assert_false(calendar_is_working(nat, D("2025-12-24")));	/* Christmas Eve, Wed */
	assert_false(calendar_is_working(nat, D("2025-05-01")));	/* May Day, Thu */
	assert_false(calendar_is_working(nat, D("2025-05-29")));	/* Ascension Day */
	assert_false(calendar_is_working(nat, D("2026-01-06")));	/* Epiphany, Tue */
	assert_true(calendar_is_working(nat, D("2025-12-31")));		/* New Year's Eve, Wed */
	assert_true(calendar_is_working(nat, D("2026-12-31")));		/* Thu */
	assert_true(calendar_is_working(nat, D("2025-06-19")));
	assert_true(calendar_is_working(nat, D("2025-12-23")));
	assert_false(calendar_is_working(nat, D("2025-12-06")));	/* Sat */
	assert_false(calendar_is_working(nat, D("2025-12-07")));	/* Sun */
	assert_true(calendar_is_working(nat, D("2025-12-08")));		/* Mon */

	/* every year of the table: weekdays less the holidays that fall on them */
	for (size_t i = 0; i < sizeof(movable) / sizeof(movable[0]); i++) {
		int y = movable[i].year;
		int32_t first = calendar_day(y, 1, 1), last = calendar_day(y, 12, 31);
		int64_t weekdays = 0, off = 0;

		for (int32_t d = first; d <= last; d++) {
			weekdays += calendar_weekday(d) <= 5;
			off += calendar_weekday(d) <= 5 && calendar_holiday(d);
			if (calendar_is_working(nat, d) !=
			    (calendar_weekday(d) <= 5 && !calendar_holiday(d)))
				fail_msg("day %d of %d", d - first, y);
		}
		assert_int_equal(calendar_working_days_between(nat, first - 1, last),
				 weekdays - off);
	}
	assert_int_equal(calendar_working_days_between(nat, D("2024-12-31"), D("2025-12-31")),
			 251);
	assert_int_equal(calendar_next_working(nat, D("2025-12-24"), &day), 0);
	expect_day(day, "2025-12-29", "next working day from Christmas Eve 2025");
	assert_int_equal(calendar_next_working(nat, D("2025-12-23"), &day), 0);
	expect_day(day, "2025-12-23", "next working day from a working day");
}

/* --- counting ----------------------------------------------------------------------------- */

static void
test_legal_examples(void **state)
{
	const struct calendar *nat = calendar_get(NULL, "national");

	(void)state;
	/* §2: the start day is not counted; Sat 6.12 is skipped anyway */
	expect_due(nat, "2025-12-02", 7, U(WORKING_DAYS), false, "2025-12-11");
	/* §3: the month's last day; §5 rolls Sat 28.2.2026 to Mon 2.3.2026 */
	expect_due(nat, "2025-11-30", 3, U(MONTHS), false, "2026-02-28");
	expect_due(nat, "2025-11-30", 3, U(MONTHS), true, "2026-03-02");
	expect_due(nat, "2025-01-31", 1, U(MONTHS), false, "2025-02-28");
	expect_due(nat, "2024-01-31", 1, U(MONTHS), false, "2024-02-29");
	expect_due(nat, "2024-02-29", 12, U(MONTHS), false, "2025-02-28");
	expect_due(nat, "2024-02-29", 48, U(MONTHS), false, "2028-02-29");
	expect_due(nat, "2025-01-31", 2, U(MONTHS), false, "2025-03-31");
	expect_due(nat, "2025-08-31", 1, U(MONTHS), false, "2025-09-30");
	expect_due(nat, "2025-10-15", 3, U(MONTHS), false, "2026-01-15");
	/* Maundy Thursday: Good Friday, the weekend and Easter Monday skipped */
	expect_due(nat, "2025-04-17", 1, U(WORKING_DAYS), false, "2025-04-22");
	/* Tue 23.12.2025: 24-26.12 holidays, 27-28 the weekend, then Mon 29, Tue 30 */
	expect_due(nat, "2025-12-23", 1, U(WORKING_DAYS), false, "2025-12-29");
	expect_due(nat, "2025-12-23", 2, U(WORKING_DAYS), false, "2025-12-30");
	expect_due(nat, "2025-12-23", 3, U(WORKING_DAYS), false, "2025-12-31");
	expect_due(nat, "2025-12-23", 4, U(WORKING_DAYS), false, "2026-01-02");
	/* same or next working day: the first working day after the start */
	expect_due(nat, "2025-12-05", 0, U(SAME_OR_NEXT_WORKING_DAY), false, "2025-12-08");
	expect_due(nat, "2025-12-07", 0, U(SAME_OR_NEXT_WORKING_DAY), false, "2025-12-08");
	expect_due(nat, "2025-12-08", 0, U(SAME_OR_NEXT_WORKING_DAY), false, "2025-12-09");
	expect_due(nat, "2025-06-19", 0, U(SAME_OR_NEXT_WORKING_DAY), false, "2025-06-23");
	/* same working day */
	expect_due(nat, "2025-12-06", 0, U(SAME_WORKING_DAY), false, "2025-12-08");
	expect_due(nat, "2025-12-05", 0, U(SAME_WORKING_DAY), false, "2025-12-05");
	expect_due(nat, "2025-12-24", 0, U(SAME_WORKING_DAY), false, "2025-12-29");
}

static void
test_due_units(void **state)
{
	const struct calendar *nat = calendar_get(NULL, "national");
	static const Lanu__V1__Duration__Unit counted[] = {
		U(WORKING_DAYS), U(DAYS), U(WEEKS), U(MONTHS),
	};
	int32_t day;

	(void)state;
	expect_due(nat, "2025-12-02", 14, U(DAYS), false, "2025-12-16");
	expect_due(nat, "2025-12-10", 14, U(DAYS), false, "2025-12-24");
	expect_due(nat, "2025-12-10", 14, U(DAYS), true, "2025-12-29");
	expect_due(nat, "2025-12-31", 1, U(DAYS), false, "2026-01-01");
	expect_due(nat, "2025-12-02", 3, U(WEEKS), false, "2025-12-23");
	expect_due(nat, "2025-12-03", 3, U(WEEKS), false, "2025-12-24");
	expect_due(nat, "2025-12-03", 3, U(WEEKS), true, "2025-12-29");
	expect_due(nat, "2025-12-06", 0, U(SAME_DAY), false, "2025-12-06");
	expect_due(nat, "2025-12-06", 0, U(SAME_DAY), true, "2025-12-08");
	expect_due(nat, "2025-12-05", 0, U(SAME_DAY), true, "2025-12-05");
	/* the SAME_* units ignore the count; the others never end on a non-working day */
	expect_due(nat, "2025-12-06", 9, U(SAME_DAY), false, "2025-12-06");
	expect_due(nat, "2025-12-02", 7, U(WORKING_DAYS), true, "2025-12-11");
	expect_due(nat, "2025-12-07", 0, U(SAME_OR_NEXT_WORKING_DAY), true, "2025-12-08");
	/* due_day and before_day undo each other on working days */
	for (int32_t d = D("2025-01-01"); d < D("2026-01-01"); d++) {
		int32_t due, back;

		if (!calendar_is_working(nat, d))
			continue;
		assert_int_equal(calendar_due_day(nat, d, 7, U(WORKING_DAYS), false, &due), 0);
		assert_int_equal(calendar_working_days_between(nat, d, due), 7);
		assert_int_equal(calendar_before_day(nat, due, 7, U(WORKING_DAYS), &back), 0);
		assert_int_equal(back, d);
	}

	/* errors leave the out-parameter alone */
	day = SENTINEL;
	assert_int_equal(calendar_due_day(nat, D("2025-12-02"), 4, U(HOURS), false, &day),
			 -EINVAL);
	assert_int_equal(calendar_due_day(nat, D("2025-12-02"), 4, U(UNSPECIFIED), false, &day),
			 -EINVAL);
	assert_int_equal(calendar_due_day(nat, D("2025-12-02"), 4, (Lanu__V1__Duration__Unit)99,
					  false, &day), -EINVAL);
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++) {
		assert_int_equal(calendar_due_day(nat, D("2025-12-02"), 0, counted[i], false, &day),
				 -EINVAL);
		assert_int_equal(calendar_before_day(nat, D("2025-12-02"), 0, counted[i], &day),
				 -EINVAL);
	}
	assert_int_equal(calendar_before_day(nat, D("2025-12-02"), 1, U(SAME_DAY), &day), -EINVAL);
	assert_int_equal(calendar_before_day(nat, D("2025-12-02"), 1, U(HOURS), &day), -EINVAL);
	/* beyond 9999-12-31 */
	assert_int_equal(calendar_due_day(nat, D("2025-12-02"), UINT32_MAX, U(DAYS), false, &day),
			 -ERANGE);
	assert_int_equal(calendar_due_day(nat, D("2025-12-02"), UINT32_MAX, U(WEEKS), false, &day),
			 -ERANGE);
	assert_int_equal(calendar_due_day(nat, D("2025-12-02"), UINT32_MAX, U(MONTHS), false,
					  &day), -ERANGE);
	assert_int_equal(calendar_due_day(nat, D("9999-12-30"), 2, U(WORKING_DAYS), false, &day),
			 -ERANGE);
	assert_int_equal(calendar_due_day(nat, INT32_MAX, 0, U(SAME_DAY), false, &day), -ERANGE);
	assert_int_equal(calendar_before_day(nat, D("2025-12-02"), UINT32_MAX, U(MONTHS), &day),
			 -ERANGE);
	assert_int_equal(calendar_before_day(nat, D("0000-01-03"), 5, U(DAYS), &day), -ERANGE);
	assert_int_equal(calendar_before_day(nat, INT32_MIN, 1, U(WORKING_DAYS), &day), -ERANGE);
	assert_int_equal(day, SENTINEL);
	assert_int_equal(calendar_due_day(nat, D("9999-11-30"), 1, U(MONTHS), false, &day), 0);
	expect_day(day, "9999-12-30", "the last month");
}

static void
test_before_day(void **state)
{
	const struct calendar *nat = calendar_get(NULL, "national");

	(void)state;
	expect_before(nat, "2025-12-11", 7, U(WORKING_DAYS), "2025-12-02");
	expect_before(nat, "2025-12-11", 2, U(WORKING_DAYS), "2025-12-09");
	expect_before(nat, "2025-12-08", 1, U(WORKING_DAYS), "2025-12-05");
	/* from a non-working day: Sat 6.12, the working days back are Fri 5, Thu 4, ... */
	expect_before(nat, "2025-12-06", 1, U(WORKING_DAYS), "2025-12-04");
	expect_before(nat, "2025-12-29", 2, U(WORKING_DAYS), "2025-12-22");
	expect_before(nat, "2026-03-02", 2, U(WEEKS), "2026-02-16");
	expect_before(nat, "2026-02-28", 3, U(MONTHS), "2025-11-28");
	expect_before(nat, "2025-03-31", 1, U(MONTHS), "2025-02-28");
	expect_before(nat, "2024-03-31", 1, U(MONTHS), "2024-02-29");
	expect_before(nat, "2026-01-15", 1, U(MONTHS), "2025-12-15");
	expect_before(nat, "2026-01-02", 3, U(DAYS), "2025-12-30");
	assert_int_equal(calendar_working_days_between(nat, D("2025-12-02"), D("2025-12-11")), 7);
	assert_int_equal(calendar_working_days_between(nat, D("2025-12-11"), D("2025-12-02")), -7);
	assert_int_equal(calendar_working_days_between(nat, D("2025-12-11"), D("2025-12-11")), 0);
	assert_int_equal(calendar_working_days_between(nat, D("2025-12-05"), D("2025-12-07")), 0);
	assert_int_equal(calendar_working_days_between(nat, D("2025-12-04"), D("2025-12-07")), 1);
	assert_int_equal(calendar_working_days_between(nat, D("2025-12-23"), D("2026-01-07")), 6);
}

/* --- plan calendars ------------------------------------------------------------------------ */

static const char plan_text[] =
	"lanu-plan: 1\n"
	"plan:\n"
	"  id: test-plan\n"
	"  organiser: Testikunta\n"
	"  title: Testisuunnitelma\n"
	"  period: 2022-2026\n"
	"calendars:\n"
	"  - id: school-2025-2026\n"
	"    name: {fi: Lukuvuosi 2025-2026, en: School year 2025-2026}\n"
	"    extends: national\n"
	"    terms: [2025-08-07..2025-12-20, 2026-01-07..2026-05-30]\n"
	"    closed:\n"
	"      - {from: 2025-10-13, to: 2025-10-17, name: {fi: Syysloma, en: Autumn break}}\n"
	"      - 2026-02-23..2026-02-27\n"
	"    open: [2025-09-27]\n"
	"  - id: school-a\n"
	"    name: School A\n"
	"    extends: school-2025-2026\n"
	"    closed: [2025-11-14]\n"
	"    open: [2025-10-15, 2026-01-06]\n"
	"  - id: office\n"
	"    name: Office\n"
	"    closed: [2025-12-22..2025-12-31, 2025-12-29..2026-01-02, 2026-03-02..2026-03-13,\n"
	"             2026-03-03..2026-03-04]\n"
	"    open: [2025-12-27, 2025-12-30]\n";

struct fixture {
	Lanu__V1__Plan *plan;
	struct calendar_set *set;
	const struct calendar *school, *school_a, *office, *nat;
};

static int
setup_plan(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct plan_errors errs = { 0 };
	int r;

	if (!f)
		return -1;
	*state = f;
	r = plan_parse("t.yaml", plan_text, strlen(plan_text), &f->plan, &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.v[i]);
	plan_errors_free(&errs);
	if (r < 0 || calendar_set_new(f->plan, &f->set) < 0)
		return -1;
	/* the set copies what it needs: the plan may go */
	f->plan = plan_free(f->plan);
	f->school = calendar_get(f->set, "school-2025-2026");
	f->school_a = calendar_get(f->set, "school-a");
	f->office = calendar_get(f->set, "office");
	f->nat = calendar_get(f->set, "national");
	return f->school && f->school_a && f->office && f->nat ? 0 : -1;
}

static int
teardown_plan(void **state)
{
	struct fixture *f = *state;

	if (f) {
		calendar_set_free(f->set);
		plan_free(f->plan);
		free(f);
	}
	return 0;
}

static void
test_school(void **state)
{
	struct fixture *f = *state;
	const struct calendar *s = f->school;
	int32_t day = SENTINEL;

	assert_string_equal(calendar_id(s), "school-2025-2026");
	assert_ptr_equal(f->nat, calendar_get(NULL, "national"));
	/* terms, closed periods, the working Saturday, the national holidays */
	assert_false(calendar_is_working(s, D("2025-08-06")));
	assert_true(calendar_is_working(s, D("2025-08-07")));
	assert_true(calendar_is_working(s, D("2025-12-19")));
	assert_false(calendar_is_working(s, D("2025-12-22")));
	assert_false(calendar_is_working(s, D("2026-01-05")));
	assert_true(calendar_is_working(s, D("2026-01-07")));
	assert_true(calendar_is_working(s, D("2026-05-29")));
	assert_false(calendar_is_working(s, D("2026-06-01")));
	assert_false(calendar_is_working(s, D("2025-10-13")));
	assert_false(calendar_is_working(s, D("2025-10-17")));
	assert_true(calendar_is_working(s, D("2025-10-20")));
	assert_false(calendar_is_working(s, D("2026-02-25")));
	assert_true(calendar_is_working(s, D("2025-09-27")));		/* open Saturday */
	assert_false(calendar_is_working(f->nat, D("2025-09-27")));
	assert_false(calendar_is_working(s, D("2025-09-28")));		/* Sunday */
	assert_false(calendar_is_working(s, D("2026-04-03")));		/* Good Friday */
	assert_false(calendar_is_working(s, D("2026-05-14")));		/* Ascension Day */

	/* Fri 10.10.2025 + 7: the autumn break 13-17.10 does not count */
	expect_due(s, "2025-10-10", 7, U(WORKING_DAYS), false, "2025-10-28");
	expect_due(f->nat, "2025-10-10", 7, U(WORKING_DAYS), false, "2025-10-21");
	/* Fri 19.12.2025 + 7: the clock stands still until the term starts on Wed 7.1.2026 */
	expect_due(s, "2025-12-19", 7, U(WORKING_DAYS), false, "2026-01-15");
	expect_due(s, "2025-12-19", 1, U(WORKING_DAYS), false, "2026-01-07");
	expect_due(s, "2025-12-20", 0, U(SAME_WORKING_DAY), false, "2026-01-07");
	/* the working Saturday counts */
	expect_due(s, "2025-09-26", 1, U(WORKING_DAYS), false, "2025-09-27");
	expect_due(s, "2025-09-26", 0, U(SAME_OR_NEXT_WORKING_DAY), false, "2025-09-27");
	expect_due(f->nat, "2025-09-26", 1, U(WORKING_DAYS), false, "2025-09-29");
	/* calendar units ignore terms; rolling forward does not */
	expect_due(s, "2025-12-19", 14, U(DAYS), false, "2026-01-02");
	expect_due(s, "2025-12-19", 14, U(DAYS), true, "2026-01-07");

	/* after the last term no working day comes */
	day = SENTINEL;
	assert_int_equal(calendar_due_day(s, D("2026-05-28"), 7, U(WORKING_DAYS), false, &day),
			 -ERANGE);
	assert_int_equal(calendar_due_day(s, D("2026-05-30"), 0, U(SAME_WORKING_DAY), false, &day),
			 -ERANGE);
	assert_int_equal(calendar_due_day(s, D("2026-05-20"), 1, U(MONTHS), true, &day), -ERANGE);
	assert_int_equal(calendar_next_working(s, D("2026-06-01"), &day), -ERANGE);
	assert_int_equal(day, SENTINEL);
	expect_due(s, "2026-05-28", 1, U(WORKING_DAYS), false, "2026-05-29");
	/* and none before the first */
	assert_int_equal(calendar_before_day(s, D("2025-08-08"), 2, U(WORKING_DAYS), &day),
			 -ERANGE);

	/* warnings: working days back across the break and the Christmas holiday */
	expect_before(s, "2025-10-28", 2, U(WORKING_DAYS), "2025-10-24");
	expect_before(s, "2025-10-28", 7, U(WORKING_DAYS), "2025-10-10");
	expect_before(s, "2026-01-15", 7, U(WORKING_DAYS), "2025-12-19");
	expect_before(s, "2026-01-08", 2, U(WORKING_DAYS), "2025-12-19");
	expect_before(s, "2026-01-15", 2, U(WEEKS), "2026-01-01");

	assert_int_equal(calendar_working_days_between(s, D("2025-10-10"), D("2025-10-28")), 7);
	assert_int_equal(calendar_working_days_between(s, D("2025-10-28"), D("2025-10-10")), -7);
	assert_int_equal(calendar_working_days_between(s, D("2025-12-19"), D("2026-01-15")), 7);
	assert_int_equal(calendar_working_days_between(s, D("2025-09-26"), D("2025-09-28")), 1);
	/* the whole school year: weekdays less holidays, breaks and closed periods, plus
	 * the working Saturday */
	assert_int_equal(calendar_working_days_between(s, D("2025-08-06"), D("2026-05-30")),
			 calendar_working_days_between(f->nat, D("2025-08-06"), D("2025-12-20")) +
				 calendar_working_days_between(f->nat, D("2026-01-06"),
							       D("2026-05-30")) -
				 10 + 1);
	assert_int_equal(calendar_working_days_between(s, D("2025-01-01"), D("2030-01-01")),
			 calendar_working_days_between(s, D("2025-08-06"), D("2026-05-30")));
}

static void
test_extends_chain(void **state)
{
	struct fixture *f = *state;
	const struct calendar *a = f->school_a;

	assert_string_equal(calendar_id(a), "school-a");
	/* inherited: terms, the autumn break, the working Saturday, the holidays */
	assert_false(calendar_is_working(a, D("2025-08-06")));
	assert_true(calendar_is_working(a, D("2025-08-07")));
	assert_false(calendar_is_working(a, D("2025-10-14")));
	assert_true(calendar_is_working(a, D("2025-09-27")));
	assert_false(calendar_is_working(a, D("2025-12-24")));
	assert_false(calendar_is_working(a, D("2026-06-01")));
	/* its own closed day */
	assert_false(calendar_is_working(a, D("2025-11-14")));
	assert_true(calendar_is_working(f->school, D("2025-11-14")));
	/* its own open days win over the base's closed period, terms and holidays */
	assert_true(calendar_is_working(a, D("2025-10-15")));
	assert_false(calendar_is_working(f->school, D("2025-10-15")));
	assert_true(calendar_is_working(a, D("2026-01-06")));		/* Epiphany */
	assert_false(calendar_is_working(f->school, D("2026-01-06")));

	expect_due(a, "2025-10-10", 1, U(WORKING_DAYS), false, "2025-10-15");
	expect_due(a, "2025-10-10", 7, U(WORKING_DAYS), false, "2025-10-27");
	expect_due(a, "2025-11-13", 1, U(WORKING_DAYS), false, "2025-11-17");
	expect_due(a, "2025-12-19", 1, U(WORKING_DAYS), false, "2026-01-06");
	assert_int_equal(calendar_working_days_between(a, D("2025-08-06"), D("2026-05-30")),
			 calendar_working_days_between(f->school, D("2025-08-06"),
						       D("2026-05-30")) + 1);
}

static void
test_open_over_closed(void **state)
{
	struct fixture *f = *state;
	const struct calendar *o = f->office;

	/* no terms: national, less 22.12-2.1 (two overlapping periods), plus two open days */
	assert_true(calendar_is_working(o, D("2025-12-19")));
	assert_false(calendar_is_working(o, D("2025-12-22")));
	assert_false(calendar_is_working(o, D("2025-12-29")));
	assert_true(calendar_is_working(o, D("2025-12-30")));	/* open in a closed period */
	assert_true(calendar_is_working(o, D("2025-12-27")));	/* an open Saturday */
	assert_false(calendar_is_working(o, D("2026-01-02")));
	assert_true(calendar_is_working(o, D("2026-01-05")));
	assert_false(calendar_is_working(o, D("2026-01-06")));	/* Epiphany */
	assert_true(calendar_is_working(o, D("2026-08-03")));
	/* a period inside another */
	assert_true(calendar_is_working(o, D("2026-02-27")));
	assert_false(calendar_is_working(o, D("2026-03-02")));
	assert_false(calendar_is_working(o, D("2026-03-05")));
	assert_false(calendar_is_working(o, D("2026-03-13")));
	assert_true(calendar_is_working(o, D("2026-03-16")));
	expect_due(o, "2025-12-19", 3, U(WORKING_DAYS), false, "2026-01-05");
	expect_due(o, "2025-12-19", 4, U(WORKING_DAYS), false, "2026-01-07");
}

/* calendar_working_days_between() of c, from, to, counted a day at a time. */
static int64_t
working_days_slowly(const struct calendar *c, int32_t from, int32_t to)
{
	int64_t lo = from < to ? from : to, hi = from < to ? to : from, n = 0;

	for (int64_t d = lo + 1; d <= hi; d++)
		n += calendar_is_working(c, (int32_t)d);
	return to < from ? -n : n;
}

/* Counting a run of days at a time gives what counting a day at a time gives: every
 * month of years 0000..9999 and spans across them on "national", and every pair of
 * days (a sample) over four years on the plan's calendars, whose runs end at open days,
 * terms and closed periods of their own and their bases'. */
static void
test_working_days_runs(void **state)
{
	struct fixture *f = *state;
	const struct calendar *cals[] = { f->nat, f->school, f->school_a, f->office };
	const int32_t first = D("2024-06-01"), last = D("2027-01-31");
	int64_t *before = calloc((size_t)(last - first + 2), sizeof(*before));

	assert_non_null(before);
	for (int y = 0; y <= 9999; y++) {
		for (int m = 1; m <= 12; m++) {
			int32_t a = calendar_day(y, m, 1) - 1, b = calendar_day(y, m + 1, 1) - 1;
			int64_t want = working_days_slowly(f->nat, a, b);

			if (calendar_working_days_between(f->nat, a, b) != want)
				fail_msg("national, %04d-%02d", y, m);
		}
		if (y % 97 == 0) {
			int32_t a = calendar_day(y, 3, 17), b = calendar_day(y + 3, 6, 21);

			assert_int_equal(calendar_working_days_between(f->nat, a, b),
					 working_days_slowly(f->nat, a, b));
			assert_int_equal(calendar_working_days_between(f->nat, b, a),
					 working_days_slowly(f->nat, b, a));
		}
	}
	for (size_t i = 0; i < sizeof(cals) / sizeof(cals[0]); i++) {
		/* before[k]: the working days in (first - 1, first + k - 1] */
		for (int32_t d = first; d <= last; d++)
			before[d - first + 1] = before[d - first] + calendar_is_working(cals[i], d);
		for (int32_t a = first - 1; a <= last; a += 2)
			for (int32_t b = first - 1 + (a - first + 1) % 5; b <= last; b += 5)
				if (calendar_working_days_between(cals[i], a, b) !=
				    before[b - first + 1] - before[a - first + 1])
					fail_msg("%s, day %d to day %d", calendar_id(cals[i]), a, b);
	}
	free(before);
}

static void
test_get(void **state)
{
	struct fixture *f = *state;
	struct calendar_set *empty = NULL;

	assert_null(calendar_get(f->set, "no-such-calendar"));
	assert_null(calendar_get(f->set, "unit"));
	assert_null(calendar_get(f->set, ""));
	assert_null(calendar_get(f->set, NULL));
	assert_null(calendar_get(NULL, "school-2025-2026"));
	assert_non_null(calendar_get(NULL, "national"));
	assert_ptr_equal(calendar_get(f->set, "school-a"), f->school_a);

	assert_int_equal(calendar_set_new(NULL, &empty), 0);
	assert_non_null(empty);
	assert_non_null(calendar_get(empty, "national"));
	assert_null(calendar_get(empty, "school-a"));
	assert_null(calendar_set_free(empty));
	assert_null(calendar_set_free(NULL));
}

/* A plan built in C, as no checker would let it through. */
static int
set_new_with(const char *id0, const char *ext0, const char *id1, const char *ext1,
	     const char *from, const char *to, const char *open)
{
	Lanu__V1__Calendar c0 = LANU__V1__CALENDAR__INIT, c1 = LANU__V1__CALENDAR__INIT;
	Lanu__V1__Calendar *cals[] = { &c0, &c1 };
	Lanu__V1__Period term = LANU__V1__PERIOD__INIT;
	Lanu__V1__Period *terms[] = { &term };
	char *opens[] = { (char *)open };
	Lanu__V1__Plan plan = LANU__V1__PLAN__INIT;
	struct calendar_set *set = (struct calendar_set *)&plan;	/* must stay on failure */
	int r;

	c0.id = (char *)id0;
	c0.extends = (char *)ext0;
	c1.id = (char *)id1;
	c1.extends = (char *)ext1;
	term.from = (char *)from;
	term.to = (char *)to;
	c1.n_terms = 1;
	c1.terms = terms;
	c1.n_closed = 1;
	c1.closed = terms;
	if (open) {
		c1.n_open = 1;
		c1.open = opens;
	}
	plan.n_calendars = 2;
	plan.calendars = cals;
	r = calendar_set_new(&plan, &set);
	if (r == 0) {
		assert_ptr_not_equal(set, &plan);
		calendar_set_free(set);
	} else
		assert_ptr_equal(set, &plan);
	return r;
}

static void
test_set_errors(void **state)
{
	(void)state;
	assert_int_equal(set_new_with("a", "", "b", "a", "2025-01-01", "2025-06-30", NULL), 0);
	assert_int_equal(set_new_with("a", "national", "b", "a", "", "", "2025-06-07"), 0);
	/* unknown, cyclic and self bases */
	assert_int_equal(set_new_with("a", "nope", "b", "a", "2025-01-01", "2025-06-30", NULL),
			 -EINVAL);
	assert_int_equal(set_new_with("a", "b", "b", "a", "2025-01-01", "2025-06-30", NULL),
			 -EINVAL);
	assert_int_equal(set_new_with("a", "", "b", "b", "2025-01-01", "2025-06-30", NULL),
			 -EINVAL);
	assert_int_equal(set_new_with("a", "unit", "b", "a", "2025-01-01", "2025-06-30", NULL),
			 -EINVAL);
	/* bad dates and periods */
	assert_int_equal(set_new_with("a", "", "b", "a", "2025-02-30", "2025-06-30", NULL),
			 -EINVAL);
	assert_int_equal(set_new_with("a", "", "b", "a", "2025-01-01", "2025-6-30", NULL),
			 -EINVAL);
	assert_int_equal(set_new_with("a", "", "b", "a", "2025-07-01", "2025-06-30", NULL),
			 -EINVAL);
	assert_int_equal(set_new_with("a", "", "b", "a", "2025-01-01", "2025-06-30", "June"),
			 -EINVAL);
	/* ids: duplicate, reserved, empty, not an id */
	assert_int_equal(set_new_with("a", "", "a", "", "2025-01-01", "2025-06-30", NULL),
			 -EINVAL);
	assert_int_equal(set_new_with("a", "", "national", "", "2025-01-01", "2025-06-30", NULL),
			 -EINVAL);
	assert_int_equal(set_new_with("unit", "", "b", "", "2025-01-01", "2025-06-30", NULL),
			 -EINVAL);
	assert_int_equal(set_new_with("", "", "b", "", "2025-01-01", "2025-06-30", NULL), -EINVAL);
	assert_int_equal(set_new_with("a", "", "B b", "", "2025-01-01", "2025-06-30", NULL),
			 -EINVAL);
}

/* --- local time ------------------------------------------------------------------------------ */

static void
expect_local_day(const char *s, uint64_t start, uint64_t hours)
{
	int32_t day = D(s);
	uint64_t end = calendar_day_end_ms(day);

	if (calendar_day_start_ms(day) != start)
		fail_msg("%s starts at %llu ms, expected %llu", s,
			 (unsigned long long)calendar_day_start_ms(day), (unsigned long long)start);
	if (end - start + 1 != hours * HOUR_MS)
		fail_msg("%s lasts %llu ms, expected %llu h", s,
			 (unsigned long long)(end - start + 1), (unsigned long long)hours);
	assert_int_equal(end + 1, calendar_day_start_ms(day + 1));
	assert_int_equal(calendar_local_day(start), day);
	assert_int_equal(calendar_local_day(start + HOUR_MS * 3 + 1), day);
	assert_int_equal(calendar_local_day(end), day);
	assert_int_equal(calendar_local_day(start - 1), day - 1);
	assert_int_equal(calendar_local_day(end + 1), day + 1);
}

static void
test_local_time(void **state)
{
	(void)state;
	/* winter UTC+2, summer UTC+3 */
	expect_local_day("2025-01-15", utc_ms(2025, 1, 14, 22, 0), 24);
	expect_local_day("2025-07-15", utc_ms(2025, 7, 14, 21, 0), 24);
	/* spring forward on Sun 30.3.2025 at 03:00, back on Sun 26.10.2025 at 04:00 */
	expect_local_day("2025-03-30", utc_ms(2025, 3, 29, 22, 0), 23);
	expect_local_day("2025-03-31", utc_ms(2025, 3, 30, 21, 0), 24);
	expect_local_day("2025-10-26", utc_ms(2025, 10, 25, 21, 0), 25);
	expect_local_day("2025-10-27", utc_ms(2025, 10, 26, 22, 0), 24);
	expect_local_day("2025-12-31", utc_ms(2025, 12, 30, 22, 0), 24);
	/* the hours around the changes */
	assert_int_equal(calendar_local_day(utc_ms(2025, 3, 30, 0, 59)), D("2025-03-30"));
	assert_int_equal(calendar_local_day(utc_ms(2025, 3, 30, 20, 59)), D("2025-03-30"));
	assert_int_equal(calendar_local_day(utc_ms(2025, 3, 30, 21, 0)), D("2025-03-31"));
	assert_int_equal(calendar_local_day(utc_ms(2025, 10, 26, 21, 59)), D("2025-10-26"));
	assert_int_equal(calendar_local_day(utc_ms(2025, 10, 26, 22, 0)), D("2025-10-27"));
	/* the epoch: 02:00 local on 1.1.1970 */
	assert_int_equal(calendar_local_day(0), 0);
	assert_int_equal(calendar_day_start_ms(0), 0);
	assert_int_equal(calendar_day_start_ms(-5), 0);
	assert_int_equal(calendar_day_start_ms(1), utc_ms(1970, 1, 1, 22, 0));
	assert_int_equal(calendar_local_day(UINT64_MAX), CALENDAR_DAY_MAX);
}

/* An indicator's cadence periods: parsed to their first and last days, named from a day,
 * and stepped on (biennial by two years); anything else refused. */
static void
expect_period(Lanu__V1__Cadence c, const char *p, const char *first, const char *last,
	      const char *next)
{
	char f[11], l[11], n[CALENDAR_PERIOD_LEN], of[CALENDAR_PERIOD_LEN];
	int32_t a, b;

	assert_int_equal(calendar_period_parse(c, p, &a, &b), 0);
	calendar_format_day(a, f);
	calendar_format_day(b, l);
	assert_string_equal(f, first);
	assert_string_equal(l, last);
	assert_int_equal(calendar_period_next(c, p, n), 0);
	assert_string_equal(n, next);
	calendar_period_of(c, a, of);
	assert_string_equal(of, p);
	calendar_period_of(c, b, of);
	assert_string_equal(of, p);
}

static void
test_cadence_periods(void **state)
{
	static const struct {
		Lanu__V1__Cadence c;
		const char *p;
	} bad[] = {
		{ LANU__V1__CADENCE__CADENCE_YEARLY, "2025-01" },
		{ LANU__V1__CADENCE__CADENCE_YEARLY, "25" },
		{ LANU__V1__CADENCE__CADENCE_YEARLY, "1899" },
		{ LANU__V1__CADENCE__CADENCE_MONTHLY, "2025-13" },
		{ LANU__V1__CADENCE__CADENCE_MONTHLY, "2025-1" },
		{ LANU__V1__CADENCE__CADENCE_MONTHLY, "2025-01x" },
		{ LANU__V1__CADENCE__CADENCE_QUARTERLY, "2025-Q5" },
		{ LANU__V1__CADENCE__CADENCE_QUARTERLY, "2025-q1" },
		{ LANU__V1__CADENCE__CADENCE_HALF_YEARLY, "2025-H3" },
		{ LANU__V1__CADENCE__CADENCE_TERMLY, "2025-summer" },
		{ LANU__V1__CADENCE__CADENCE_TERMLY, "2025-autumnx" },
		{ LANU__V1__CADENCE__CADENCE_CONTINUOUS, "2025" },
		{ LANU__V1__CADENCE__CADENCE_UNSPECIFIED, "2025" },
	};
	int32_t a, b;
	char out[CALENDAR_PERIOD_LEN];

	(void)state;
	expect_period(LANU__V1__CADENCE__CADENCE_YEARLY, "2025", "2025-01-01", "2025-12-31",
		      "2026");
	expect_period(LANU__V1__CADENCE__CADENCE_BIENNIAL, "2023", "2023-01-01", "2023-12-31",
		      "2025");
	expect_period(LANU__V1__CADENCE__CADENCE_HALF_YEARLY, "2025-H2", "2025-07-01",
		      "2025-12-31", "2026-H1");
	expect_period(LANU__V1__CADENCE__CADENCE_QUARTERLY, "2024-Q1", "2024-01-01", "2024-03-31",
		      "2024-Q2");
	expect_period(LANU__V1__CADENCE__CADENCE_MONTHLY, "2024-02", "2024-02-01", "2024-02-29",
		      "2024-03");
	expect_period(LANU__V1__CADENCE__CADENCE_MONTHLY, "2025-12", "2025-12-01", "2025-12-31",
		      "2026-01");
	expect_period(LANU__V1__CADENCE__CADENCE_TERMLY, "2025-spring", "2025-01-01",
		      "2025-07-31", "2025-autumn");
	expect_period(LANU__V1__CADENCE__CADENCE_TERMLY, "2025-autumn", "2025-08-01",
		      "2025-12-31", "2026-spring");
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		if (calendar_period_parse(bad[i].c, bad[i].p, &a, &b) == 0)
			fail_msg("'%s' taken as a period of cadence %d", bad[i].p, bad[i].c);
		assert_int_equal(calendar_period_next(bad[i].c, bad[i].p, out), -EINVAL);
	}
	calendar_period_of(LANU__V1__CADENCE__CADENCE_CONTINUOUS, calendar_day(2025, 5, 5), out);
	assert_string_equal(out, "");
}

/* Instants as people and scripts write them (instant.h). */
static void
test_instant(void **state)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} ok[] = {
		{ "1767225600000", 1767225600000ULL },
		{ "0", 0 },
		{ "2026-01-01", 1767225600000ULL },
		{ "2026-01-01T00:00:00Z", 1767225600000ULL },
		{ "2026-01-01T00:00Z", 1767225600000ULL },
		{ "2026-01-01t02:00:00+02:00", 1767225600000ULL },
		{ "2026-01-01 02:00+0200", 1767225600000ULL },
		{ "2026-01-01T02:00:00+02", 1767225600000ULL },
		{ "2025-12-31T19:00:00-05:00", 1767225600000ULL },
		{ "2026-01-01T00:00:00.250Z", 1767225600250ULL },
		{ "2026-01-01T00:00:00.5Z", 1767225600500ULL },
		{ "2026-01-01T00:00:00,123456789Z", 1767225600123ULL },
		{ "2027-01-04T09:00:00+02:00", 1799046000000ULL },
		{ "2024-02-29T23:59:59Z", 1709251199000ULL },
		{ "1970-01-01T00:00:00Z", 0 },
	};
	static const char *const bad[] = {
		"", "-", "2026-", "2026-1-01", "2026-01-01T", "2026-01-01T12", "2026-01-01T12:00",
		"2026-01-01T24:00Z", "2026-01-01T12:60Z", "2026-01-01T12:00:60Z", "2025-02-29",
		"2026-13-01", "2026-01-01T12:00:00", "2026-01-01T12:00:00.Z",
		"2026-01-01T12:00:00.1234567890Z", "2026-01-01T12:00:00+24:00",
		"2026-01-01T12:00:00+02:60", "2026-01-01T12:00:00+2", "2026-01-01T12:00:00Zx",
		"1969-12-31T23:59:59Z", "1970-01-01T01:00+02:00", "12a", "tomorrow",
		"2026-01-01x",
	};
	char buf[32];
	uint64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ms = 1;
		if (instant_parse(ok[i].s, &ms) != 0 || ms != ok[i].ms)
			fail_msg("'%s' -> %llu, expected %llu", ok[i].s, (unsigned long long)ms,
				 (unsigned long long)ok[i].ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (instant_parse(bad[i], &ms) != -EINVAL)
			fail_msg("'%s' was taken as %llu", bad[i], (unsigned long long)ms);
	assert_int_equal(instant_parse("99999999999999999999", &ms), -ERANGE);
	instant_format(1767225600250ULL, buf);
	assert_string_equal(buf, "2026-01-01T00:00:00Z");
	instant_format(1709251199000ULL, buf);
	assert_string_equal(buf, "2024-02-29T23:59:59Z");
	instant_format(253402300799999ULL, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
	instant_format(253402300800000ULL, buf);
	assert_string_equal(buf, "253402300800000");
	/* Every format of a second reads back to it. */
	for (uint64_t t = 0; t < 253402300800000ULL; t += 86399997ULL * 1000 + 17000) {
		instant_format(t, buf);
		assert_int_equal(instant_parse(buf, &ms), 0);
		assert_int_equal(ms, t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day_numbers),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_easter),
		cmocka_unit_test(test_holidays),
		cmocka_unit_test(test_national_working),
		cmocka_unit_test(test_legal_examples),
		cmocka_unit_test(test_due_units),
		cmocka_unit_test(test_before_day),
		cmocka_unit_test_setup_teardown(test_school, setup_plan, teardown_plan),
		cmocka_unit_test_setup_teardown(test_extends_chain, setup_plan, teardown_plan),
		cmocka_unit_test_setup_teardown(test_open_over_closed, setup_plan, teardown_plan),
		cmocka_unit_test_setup_teardown(test_working_days_runs, setup_plan, teardown_plan),
		cmocka_unit_test_setup_teardown(test_get, setup_plan, teardown_plan),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_local_time),
		cmocka_unit_test(test_cadence_periods),
		cmocka_unit_test(test_instant),
	};

	setenv("TZ", "Europe/Helsinki", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
