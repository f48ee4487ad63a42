/*
 * plan: the plan file's written forms (plan_value.c), the YAML reader and its checks
 * (plan.c, plan_check.c) on small inline plans, one test per class of problem, and the
 * example plans in examples/plans, which must load without a single complaint.
 *
 * Inline plans are a fixed head (HEAD_LINES lines: identity, areas, recipients) plus
 * a tail that each test writes, so an expected position reads "HEAD_LINES + 3, 9": the
 * tail's third line, column 9.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "plan_index.h"
#include "plan_value.h"

#include "testutil.h"

#define NAME "t.yaml"


/* --- value_*: the written forms ----------------------------------------------------- */

static void
test_value_duration(void **state)
{
	static const struct {
		const char *s;
		uint32_t count;
		Lanu__V1__Duration__Unit unit;
	} ok[] = {
		{ "7 working days", 7, LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS },
		{ "1 working day", 1, LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS },
		{ "14 days", 14, LANU__V1__DURATION__UNIT__UNIT_DAYS },
		{ "1 day", 1, LANU__V1__DURATION__UNIT__UNIT_DAYS },
		{ "1 calendar day", 1, LANU__V1__DURATION__UNIT__UNIT_DAYS },
		{ "3 weeks", 3, LANU__V1__DURATION__UNIT__UNIT_WEEKS },
		{ "3 months", 3, LANU__V1__DURATION__UNIT__UNIT_MONTHS },
		{ "4 hours", 4, LANU__V1__DURATION__UNIT__UNIT_HOURS },
		{ "10000 days", 10000, LANU__V1__DURATION__UNIT__UNIT_DAYS },
		{ "same day", 0, LANU__V1__DURATION__UNIT__UNIT_SAME_DAY },
		{ "same working day", 0, LANU__V1__DURATION__UNIT__UNIT_SAME_WORKING_DAY },
		{ "same or next working day", 0,
		  LANU__V1__DURATION__UNIT__UNIT_SAME_OR_NEXT_WORKING_DAY },
	};
	static const char *const bad[] = {
		"7 working day", "1 working days", "0 days", "-3 days", "7  days", "seven days",
		"7 workdays", "", "3 Months", "10001 days", " 7 days", "7 days ", "7", "7 ",
		"days", "1 days", "2 day", "same", "Same day", "same  day", "7 fortnights",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint32_t count = 99;
		Lanu__V1__Duration__Unit unit = LANU__V1__DURATION__UNIT__UNIT_UNSPECIFIED;

		if (value_duration(ok[i].s, &count, &unit) != 0)
			fail_msg("'%s' was refused", ok[i].s);
		if (count != ok[i].count || unit != ok[i].unit)
			fail_msg("'%s' gave %u, unit %d (expected %u, unit %d)", ok[i].s, count,
				 unit, ok[i].count, ok[i].unit);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t count = 99;
		Lanu__V1__Duration__Unit unit = LANU__V1__DURATION__UNIT__UNIT_UNSPECIFIED;
		int r = value_duration(bad[i], &count, &unit);

		if (r != -EINVAL)
			fail_msg("'%s' gave %d (expected -EINVAL)", bad[i], r);
		assert_int_equal(count, 99);	/* out-parameters untouched on failure */
		assert_int_equal(unit, LANU__V1__DURATION__UNIT__UNIT_UNSPECIFIED);
	}
}

static void
test_value_date(void **state)
{
	static const struct {
		const char *s, *first, *last;
	} ok[] = {
		{ "2023-06-15", "2023-06-15", "2023-06-15" },
		{ "2024-02", "2024-02-01", "2024-02-29" },	/* leap year */
		{ "2023-02", "2023-02-01", "2023-02-28" },
		{ "1900-02", "1900-02-01", "1900-02-28" },	/* not a leap year */
		{ "2000-02", "2000-02-01", "2000-02-29" },	/* a leap year */
		{ "2023-04", "2023-04-01", "2023-04-30" },
		{ "2023", "2023-01-01", "2023-12-31" },
		{ "2024-02-29", "2024-02-29", "2024-02-29" },
		{ "spring 2026", "2026-01-01", "2026-05-31" },
		{ "autumn 2025", "2025-08-01", "2025-12-31" },
		{ "1900", "1900-01-01", "1900-12-31" },
		{ "2200", "2200-01-01", "2200-12-31" },
	};
	static const char *const bad[] = {
		"2023-13-01", "2023-02-30", "23-01-01", "2025-1-1", "2023-00", "2023-01-00",
		"2023-1", "2023/01/01", "", "spring", "spring 26", "Spring 2026", "winter 2025",
		"2023-06-15 ", "2023-06-15x", "2023-06-1x",
	};
	static const char *const out_of_range[] = { "1899", "2201", "1899-12-31", "autumn 2201" };
	char out[VALUE_DATE_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(value_date(ok[i].s, false, out), 0);
		assert_string_equal(out, ok[i].first);
		assert_int_equal(value_date(ok[i].s, true, out), 0);
		assert_string_equal(out, ok[i].last);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (int end = 0; end <= 1; end++) {
			int r = value_date(bad[i], end, out);

			if (r != -EINVAL)
				fail_msg("'%s' (end %d) gave %d (expected -EINVAL)", bad[i], end,
					 r);
		}
	for (size_t i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++)
		assert_int_equal(value_date(out_of_range[i], false, out), -ERANGE);
	assert_int_equal(value_days_in_month(2024, 2), 29);
	assert_int_equal(value_days_in_month(2100, 2), 28);
	assert_int_equal(value_days_in_month(2023, 12), 31);
}

static void
test_value_period(void **state)
{
	/* Every row of the table in docs/plan-format.md, and a few more date forms. */
	static const struct {
		const char *s, *from, *to;
	} ok[] = {
		{ "2022-2025", "2022-01-01", "2025-12-31" },
		{ "2023", "2023-01-01", "2023-12-31" },
		{ "2025-12-22..2026-01-06", "2025-12-22", "2026-01-06" },
		{ "2025-12..2026", "2025-12-01", "2026-12-31" },	/* any date forms */
		{ "spring 2025..autumn 2025", "2025-01-01", "2025-12-31" },
		{ "2023-03-01..2023-03-01", "2023-03-01", "2023-03-01" },
		{ "by end of 2023", "", "2023-12-31" },
		{ "until 2023-06", "", "2023-06-30" },
		{ "until 2024-02", "", "2024-02-29" },
		{ "from autumn 2021", "2021-08-01", "" },
		{ "from 2021-08", "2021-08-01", "" },
		{ "autumn 2025", "2025-08-01", "2025-12-31" },
		{ "spring 2026", "2026-01-01", "2026-05-31" },
		{ "2024-02", "2024-02-01", "2024-02-29" },
		{ "2022-2022", "2022-01-01", "2022-12-31" },
	};
	static const char *const bad[] = {
		"whenever", "", "2022-", "-2025", "2022..", "..2022", "2022 - 2025", "by end of",
		"until", "from", "from 2021-13", "2023-02-30..2023-03-01", "by end of next year",
		"2022-2025-2026", "2022..2023..2024", "2022-01-01..2022-12-31 x",
		"2022-01-01..2022-12-31, 2023-01-01..2023-12-31",	/* too long to be one */
	};
	char from[VALUE_DATE_LEN], to[VALUE_DATE_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (value_period(ok[i].s, from, to) != 0)
			fail_msg("'%s' was refused", ok[i].s);
		if (strcmp(from, ok[i].from) != 0 || strcmp(to, ok[i].to) != 0)
			fail_msg("'%s' gave '%s'..'%s' (expected '%s'..'%s')", ok[i].s, from, to,
				 ok[i].from, ok[i].to);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = value_period(bad[i], from, to);

		if (r != -EINVAL)
			fail_msg("'%s' gave %d (expected -EINVAL)", bad[i], r);
	}
	assert_int_equal(value_period("2025-2022", from, to), -ERANGE);
	assert_int_equal(value_period("2026-01-06..2025-12-22", from, to), -ERANGE);
	assert_int_equal(value_period("autumn 2025..spring 2025", from, to), -ERANGE);
	assert_int_equal(value_period("1899", from, to), -EINVAL);	/* a year out of range */
	/* a year out of range in the one-ended forms is a bad date, not a reversed period */
	assert_int_equal(value_period("from 1899", from, to), -EINVAL);
	assert_int_equal(value_period("until 2300", from, to), -EINVAL);
	assert_int_equal(value_period("by end of 1899", from, to), -EINVAL);
}

static void
test_value_ages(void **state)
{
	uint32_t lo = 7, hi = 7;

	(void)state;
	assert_int_equal(value_ages("0-22", &lo, &hi), 0);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 22);
	assert_int_equal(value_ages("23-", &lo, &hi), 0);
	assert_int_equal(lo, 23);
	assert_int_equal(hi, UINT32_MAX);
	assert_int_equal(value_ages("5-5", &lo, &hi), 0);
	assert_int_equal(lo, 5);
	assert_int_equal(hi, 5);
	lo = hi = 7;
	assert_int_equal(value_ages("5-3", &lo, &hi), -EINVAL);
	assert_int_equal(value_ages("x", &lo, &hi), -EINVAL);
	assert_int_equal(value_ages("", &lo, &hi), -EINVAL);
	assert_int_equal(value_ages("23", &lo, &hi), -EINVAL);
	assert_int_equal(value_ages("-22", &lo, &hi), -EINVAL);
	assert_int_equal(value_ages("0-22x", &lo, &hi), -EINVAL);
	assert_int_equal(value_ages("0--22", &lo, &hi), -EINVAL);
	assert_int_equal(value_ages("151-", &lo, &hi), -EINVAL);
	assert_int_equal(value_ages("0-151", &lo, &hi), -EINVAL);
	assert_int_equal(lo, 7);	/* untouched on failure */
	assert_int_equal(hi, 7);
}

static void
test_value_is_id(void **state)
{
	char longest[VALUE_ID_MAX + 2];

	(void)state;
	assert_true(value_is_id("a"));
	assert_true(value_is_id("7"));
	assert_true(value_is_id("seinajoki-2022-2025"));
	assert_true(value_is_id("g1.2_b-3"));
	assert_false(value_is_id(""));
	assert_false(value_is_id("-a"));
	assert_false(value_is_id(".a"));
	assert_false(value_is_id("_a"));
	assert_false(value_is_id("School"));
	assert_false(value_is_id("a b"));
	assert_false(value_is_id("a/b"));
	assert_false(value_is_id("a:b"));
	assert_false(value_is_id("p\xc3\xa4iv\xc3\xa4koti"));	/* "päiväkoti" */
	memset(longest, 'a', VALUE_ID_MAX);
	longest[VALUE_ID_MAX] = '\0';
	assert_true(value_is_id(longest));
	longest[VALUE_ID_MAX] = 'a';
	longest[VALUE_ID_MAX + 1] = '\0';
	assert_false(value_is_id(longest));
}

/* --- plan_parse on inline plans -------------------------------------------------------- */

#define HEAD_LINES 15
static const char plan_head[] =
	"lanu-plan: 1\n"
	"plan:\n"
	"  id: test-plan\n"
	"  organiser: Testikunta\n"
	"  title: Testisuunnitelma\n"
	"  period: 2022-2025\n"
	"areas:\n"
	"  - id: town\n"
	"    name: Town\n"
	"    kind: municipality\n"
	"    areas:\n"
	"      - {id: north, name: North, kind: area}\n"
	"recipients:\n"
	"  - {id: board, name: Board, kind: board}\n"
	"  - {id: supervisor, name: {fi: Esihenkil\xc3\xb6, en: Supervisor}, kind: supervisor}\n";

/* The rest of a minimal plan that uses every section. */
static const char plan_tail_ok[] =
	"calendars:\n"
	"  - id: school-2025-2026\n"
	"    name: School year\n"
	"    terms: [2025-08-07..2025-12-20, 2026-01-07..2026-05-30]\n"
	"    closed:\n"
	"      - {from: 2025-10-13, to: 2025-10-17, name: Syysloma}\n"
	"    open: [2025-09-27]\n"
	"services:\n"
	"  - id: social-worker\n"
	"    name: Social worker\n"
	"    calendar: unit\n"
	"    limits: {normal: 7 working days, urgent: same or next working day}\n"
	"    warn-before: 2 working days\n"
	"  - id: primary-care\n"
	"    name: Primary care\n"
	"    limits:\n"
	"      - {urgency: normal, limit: 14 days, until: 2024-12-31}\n"
	"      - {urgency: normal, limit: 14 days, from: 2025-01-01, ages: 0-22}\n"
	"      - {urgency: normal, limit: 3 months, from: 2025-01-01, ages: 23-}\n"
	"  - id: child-welfare\n"
	"    name: Child welfare\n"
	"    stages:\n"
	"      - {id: urgency, name: Urgency, limits: {normal: same day}}\n"
	"      - {id: decision, name: Decision, starts: after urgency,\n"
	"         limits: {normal: 7 working days}}\n"
	"indicators:\n"
	"  - id: in-time\n"
	"    name: In time\n"
	"    unit: percent\n"
	"    direction: higher-is-better\n"
	"    target: 95\n"
	"    warning: 92.5\n"
	"    critical: 90\n"
	"    breakdown: [area, language-group]\n"
	"    source: {kind: compliance, service: child-welfare, stage: decision}\n"
	"goals:\n"
	"  - id: g1\n"
	"    title: Goal\n"
	"    goals:\n"
	"      - id: g1.1\n"
	"        title: Sub-goal\n"
	"        measures:\n"
	"          - id: m1\n"
	"            title: Measure\n"
	"            schedule: from autumn 2021\n"
	"            monitoring: board\n"
	"            indicators: in-time\n"
	"routes:\n"
	"  - kinds: [deadline-warning, deadline-missed]\n"
	"    services: social-worker\n"
	"    areas: north\n"
	"    min-severity: warning\n"
	"    to: supervisor\n"
	"    escalate: {after: 2 working days, to: board}\n"
	"absences:\n"
	"  - id: town-basic\n"
	"    provider: {fi: Kaupungin perusopetus, en: The town's basic education}\n"
	"    areas: town\n"
	"    period: term\n"
	"    calendar: school-2025-2026\n"
	"    unauthorised-first: true\n"
	"    levels:\n"
	"      - {hours: 30, action: Huoltajaan yhteys, to: supervisor}\n"
	"      - {hours: 60, share: 10, counts: [unauthorised, unexplained],\n"
	"         action: Oppilashuoltoryhm\xc3\xa4, severity: critical, to: board}\n"
	"      - {share: 20, action: Monialainen asiantuntijaryhm\xc3\xa4}\n";

/* head + tail as one text; caller frees. */
static char *
plan_text(const char *head, const char *tail)
{
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);

	assert_non_null(mem);
	fputs(head, mem);
	fputs(tail, mem);
	fflush(mem);
	if (len && out[len - 1] != '\n')
		fputc('\n', mem);
	fclose(mem);
	return out;
}

/* Parses head and tail as one file named NAME. */
static int
parse(const char *head, const char *tail, Lanu__V1__Plan **ret_plan, struct plan_errors *errs)
{
	char *text = plan_text(head, tail);
	int r = plan_parse(NAME, text, strlen(text), ret_plan, errs);

	free(text);
	return r;
}

static char *
errors_text(const struct plan_errors *e)
{
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);

	assert_non_null(mem);
	for (size_t i = 0; i < e->n; i++)
		fprintf(mem, "  %s\n", e->v[i]);
	fclose(mem);
	return out;
}

/* Asserts that error i is "NAME:LINE:COL: ..." (line 0: "NAME: ...") containing phrase. */
static void
expect_error_at(const struct plan_errors *e, size_t i, unsigned long line, unsigned long col,
		const char *phrase)
{
	char prefix[64];

	if (line)
		snprintf(prefix, sizeof(prefix), NAME ":%lu:%lu: ", line, col);
	else
		snprintf(prefix, sizeof(prefix), NAME ": ");
	if (i >= e->n || strncmp(e->v[i], prefix, strlen(prefix)) != 0 ||
	    !strstr(e->v[i] + strlen(prefix), phrase)) {
		char *all = errors_text(e);

		fail_msg("error %zu is not '%s...%s...'; the errors are:\n%s", i, prefix, phrase,
			 all);
	}
}

/* Parses head + tail, which must fail with exactly n errors; returns them. */
static struct plan_errors
expect_invalid(const char *head, const char *tail, size_t n)
{
	static Lanu__V1__Plan sentinel;
	struct plan_errors e = { 0 };
	Lanu__V1__Plan *plan = &sentinel;	/* must be reset to NULL */
	int r = parse(head, tail, &plan, &e);

	assert_int_equal(r, -EINVAL);
	assert_null(plan);
	if (e.n != n) {
		char *all = errors_text(&e);

		fail_msg("%zu errors (expected %zu):\n%s", e.n, n, all);
	}
	return e;
}

/* The common case: one problem, at line:col, saying phrase. */
static void
expect_one(const char *tail, unsigned long line, unsigned long col, const char *phrase)
{
	struct plan_errors e = expect_invalid(plan_head, tail, 1);

	expect_error_at(&e, 0, line, col, phrase);
	plan_errors_free(&e);
}

static void
test_parse_minimal(void **state)
{
	struct plan_errors e = { 0 };
	Lanu__V1__Plan *plan = NULL;
	const Lanu__V1__Service *s;
	const Lanu__V1__Limit *l;
	const Lanu__V1__Measure *m;
	const Lanu__V1__Indicator *ind;
	const Lanu__V1__Route *rt;
	int r;

	(void)state;
	r = parse(plan_head, plan_tail_ok, &plan, &e);
	if (r != 0 || e.n) {
		char *all = errors_text(&e);

		fail_msg("plan_parse gave %d:\n%s", r, all);
	}
	assert_non_null(plan);
	assert_int_equal(plan->lanu_plan, 1);
	assert_string_equal(plan->plan->id, "test-plan");
	assert_string_equal(plan->plan->organiser, "Testikunta");
	assert_string_equal(plan->plan->title->fi, "Testisuunnitelma");	/* one string: fi */
	assert_string_equal(plan->plan->title->en, "");
	assert_string_equal(plan->plan->timezone, "Europe/Helsinki");	/* the default */
	assert_string_equal(plan->plan->period->from, "2022-01-01");
	assert_string_equal(plan->plan->period->to, "2025-12-31");
	assert_string_equal(plan->plan->period->text, "2022-2025");

	/* areas: the tree, with the derived parent */
	assert_int_equal(plan->n_areas, 1);
	assert_string_equal(plan->areas[0]->id, "town");
	assert_int_equal(plan->areas[0]->kind, LANU__V1__AREA_KIND__AREA_KIND_MUNICIPALITY);
	assert_string_equal(plan->areas[0]->parent, "");
	assert_int_equal(plan->areas[0]->n_areas, 1);
	assert_string_equal(plan->areas[0]->areas[0]->id, "north");
	assert_int_equal(plan->areas[0]->areas[0]->kind, LANU__V1__AREA_KIND__AREA_KIND_AREA);
	assert_string_equal(plan->areas[0]->areas[0]->parent, "town");

	assert_int_equal(plan->n_recipients, 2);
	assert_int_equal(plan->recipients[1]->kind,
			 LANU__V1__RECIPIENT_KIND__RECIPIENT_KIND_SUPERVISOR);
	assert_string_equal(plan->recipients[1]->name->fi, "Esihenkil\xc3\xb6");
	assert_string_equal(plan->recipients[1]->name->en, "Supervisor");

	/* calendars: periods in lists and as mappings, exact days */
	assert_int_equal(plan->n_calendars, 1);
	assert_int_equal(plan->calendars[0]->n_terms, 2);
	assert_string_equal(plan->calendars[0]->terms[1]->from, "2026-01-07");
	assert_string_equal(plan->calendars[0]->terms[1]->to, "2026-05-30");
	assert_int_equal(plan->calendars[0]->n_closed, 1);
	assert_string_equal(plan->calendars[0]->closed[0]->from, "2025-10-13");
	assert_string_equal(plan->calendars[0]->closed[0]->to, "2025-10-17");
	assert_string_equal(plan->calendars[0]->closed[0]->name->fi, "Syysloma");
	assert_int_equal(plan->calendars[0]->n_open, 1);
	assert_string_equal(plan->calendars[0]->open[0], "2025-09-27");

	/* services: the mapping form gives one Limit rule per urgency */
	assert_int_equal(plan->n_services, 3);
	s = plan->services[0];
	assert_string_equal(s->id, "social-worker");
	assert_string_equal(s->calendar, "unit");
	assert_int_equal(s->n_limits, 2);
	assert_int_equal(s->n_stages, 0);
	l = s->limits[0];
	assert_int_equal(l->urgency, LANU__V1__URGENCY__URGENCY_NORMAL);
	assert_int_equal(l->limit->count, 7);
	assert_int_equal(l->limit->unit, LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS);
	assert_string_equal(l->limit->text, "7 working days");
	assert_string_equal(l->from, "");
	assert_string_equal(l->until, "");
	assert_false(l->roll_forward);
	l = s->limits[1];
	assert_int_equal(l->urgency, LANU__V1__URGENCY__URGENCY_URGENT);
	assert_int_equal(l->limit->count, 0);
	assert_int_equal(l->limit->unit,
			 LANU__V1__DURATION__UNIT__UNIT_SAME_OR_NEXT_WORKING_DAY);
	assert_int_equal(s->warn_before->count, 2);
	assert_int_equal(s->warn_before->unit, LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS);

	/* the list form: dates as first and last days, ages as written */
	s = plan->services[1];
	assert_int_equal(s->n_limits, 3);
	assert_string_equal(s->limits[0]->until, "2024-12-31");
	assert_string_equal(s->limits[1]->from, "2025-01-01");
	assert_string_equal(s->limits[1]->ages, "0-22");
	assert_int_equal(s->limits[2]->limit->count, 3);
	assert_int_equal(s->limits[2]->limit->unit, LANU__V1__DURATION__UNIT__UNIT_MONTHS);
	assert_string_equal(s->limits[2]->ages, "23-");

	/* stages */
	s = plan->services[2];
	assert_int_equal(s->n_limits, 0);
	assert_int_equal(s->n_stages, 2);
	assert_null(s->stages[0]->starts);	/* default: the request */
	assert_int_equal(s->stages[0]->limits[0]->limit->unit,
			 LANU__V1__DURATION__UNIT__UNIT_SAME_DAY);
	assert_int_equal(s->stages[1]->starts->kind, LANU__V1__STAGE_START__KIND__KIND_AFTER);
	assert_string_equal(s->stages[1]->starts->stage, "urgency");

	/* indicators: numbers, enum lists, the source mapping */
	assert_int_equal(plan->n_indicators, 1);
	ind = plan->indicators[0];
	assert_int_equal(ind->unit, LANU__V1__INDICATOR_UNIT__INDICATOR_UNIT_PERCENT);
	assert_int_equal(ind->direction, LANU__V1__DIRECTION__DIRECTION_HIGHER_IS_BETTER);
	assert_true(ind->target->value == 95.0);
	assert_true(ind->warning->value == 92.5);
	assert_true(ind->critical->value == 90.0);
	assert_null(ind->baseline);
	assert_int_equal(ind->n_breakdown, 2);
	assert_int_equal(ind->breakdown[0], LANU__V1__DIMENSION__DIMENSION_AREA);
	assert_int_equal(ind->breakdown[1], LANU__V1__DIMENSION__DIMENSION_LANGUAGE_GROUP);
	assert_int_equal(ind->source->kind, LANU__V1__INDICATOR_SOURCE__KIND__KIND_COMPLIANCE);
	assert_string_equal(ind->source->stage, "decision");

	/* goals: the derived parent and goal */
	assert_int_equal(plan->n_goals, 1);
	assert_string_equal(plan->goals[0]->parent, "");
	assert_int_equal(plan->goals[0]->n_goals, 1);
	assert_string_equal(plan->goals[0]->goals[0]->parent, "g1");
	assert_int_equal(plan->goals[0]->goals[0]->n_measures, 1);
	m = plan->goals[0]->goals[0]->measures[0];
	assert_string_equal(m->goal, "g1.1");
	assert_string_equal(m->schedule->from, "2021-08-01");
	assert_string_equal(m->schedule->to, "");
	assert_int_equal(m->n_monitoring, 1);	/* one value for a list of one */
	assert_string_equal(m->monitoring[0], "board");
	assert_int_equal(m->n_indicators, 1);

	/* routes */
	assert_int_equal(plan->n_routes, 1);
	rt = plan->routes[0];
	assert_int_equal(rt->n_kinds, 2);
	assert_int_equal(rt->kinds[0], LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_WARNING);
	assert_int_equal(rt->kinds[1], LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED);
	assert_int_equal(rt->min_severity, LANU__V1__SEVERITY__SEVERITY_WARNING);
	assert_int_equal(rt->n_to, 1);
	assert_string_equal(rt->to[0], "supervisor");
	assert_int_equal(rt->escalate->after->count, 2);
	assert_int_equal(rt->escalate->n_to, 1);
	assert_string_equal(rt->escalate->to[0], "board");

	/* absences */
	assert_int_equal(plan->n_absences, 1);
	{
		const Lanu__V1__AbsenceLadder *al = plan->absences[0];

		assert_string_equal(al->id, "town-basic");
		assert_string_equal(al->provider->en, "The town's basic education");
		assert_int_equal(al->n_areas, 1);
		assert_string_equal(al->areas[0], "town");
		assert_int_equal(al->period, LANU__V1__REVIEW_PERIOD__REVIEW_PERIOD_TERM);
		assert_string_equal(al->calendar, "school-2025-2026");
		assert_true(al->unauthorised_first);
		assert_int_equal(al->n_levels, 3);
		assert_true(al->levels[0]->hours && al->levels[0]->hours->value == 30);
		assert_null(al->levels[0]->share);
		assert_int_equal(al->levels[0]->n_counts, 0);	/* all classes */
		assert_int_equal(al->levels[0]->severity, LANU__V1__SEVERITY__SEVERITY_WARNING);
		assert_string_equal(al->levels[0]->action->fi, "Huoltajaan yhteys");
		assert_string_equal(al->levels[0]->to[0], "supervisor");
		assert_true(al->levels[1]->share && al->levels[1]->share->value == 10);
		assert_int_equal(al->levels[1]->n_counts, 2);
		assert_int_equal(al->levels[1]->counts[0],
				 LANU__V1__ABSENCE_CLASS__ABSENCE_CLASS_UNAUTHORISED);
		assert_int_equal(al->levels[1]->counts[1],
				 LANU__V1__ABSENCE_CLASS__ABSENCE_CLASS_UNEXPLAINED);
		assert_int_equal(al->levels[1]->severity, LANU__V1__SEVERITY__SEVERITY_CRITICAL);
		assert_null(al->levels[2]->hours);
		assert_int_equal(al->levels[2]->n_to, 0);	/* the routes only */
	}

	assert_int_equal(e.n, 0);
	plan = plan_free(plan);
	assert_null(plan);
	plan_errors_free(&e);
}

static void
test_parse_sparse(void **state)
{
	struct plan_errors e = { 0 };
	Lanu__V1__Plan *plan = NULL;
	char buf[160];

	(void)state;
	/* no calendars, services, indicators or goals: nothing to sort or search */
	assert_int_equal(plan_parse(NAME, plan_head, strlen(plan_head), &plan, &e), 0);
	assert_int_equal(e.n, 0);
	assert_string_equal(plan_summary(plan, buf, sizeof(buf)),
			    "2 areas, 2 recipients, 0 services, 0 indicators, 0 goals, 0 measures, "
			    "0 routes");
	plan_free(plan);
	plan_errors_free(&e);
}

static void
test_err_yaml_syntax(void **state)
{
	(void)state;
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S: T\n",
		   HEAD_LINES + 3, 12, "YAML: mapping values are not allowed in this context");
}

static void
test_err_anchor_alias(void **state)
{
	struct plan_errors e = expect_invalid(plan_head,
					      "goals:\n"
					      "  - id: g1\n"
					      "    title: &t Goal\n"
					      "  - id: g2\n"
					      "    title: *t\n",
					      2);

	(void)state;
	expect_error_at(&e, 0, HEAD_LINES + 3, 12, "anchors and aliases (&t, *t) are not used");
	expect_error_at(&e, 1, HEAD_LINES + 5, 12, "anchors and aliases (&t, *t) are not used");
	plan_errors_free(&e);
}

static void
test_err_tag(void **state)
{
	(void)state;
	expect_one("goals:\n"
		   "  - id: g1\n"
		   "    title: !!str Goal\n",
		   HEAD_LINES + 3, 12, "tags (tag:yaml.org,2002:str) are not used in plan files");
}

static void
test_err_two_documents(void **state)
{
	(void)state;
	expect_one("---\n"
		   "lanu-plan: 1\n",
		   HEAD_LINES + 1, 1, "a plan file holds one document");
}

/* A personal identity code anywhere in the file, a comment too, is refused where it
 * stands (the column in characters), with every other problem; one inside a longer run
 * of letters and digits is not a code. */
static void
test_err_identity_code(void **state)
{
	struct plan_errors e = expect_invalid(plan_head,
					      "# yhteyshenkilö 131052-308T\n"
					      "goals:\n"
					      "  - id: g1\n"
					      "    title: Äidin 010594Y9995 tuki\n"
					      "    colour: blue\n"
					      "  - id: g2\n"
					      "    title: x131052-308Tx\n",
					      3);

	(void)state;
	expect_error_at(&e, 0, HEAD_LINES + 1, 17, "looks like a Finnish personal identity code");
	expect_error_at(&e, 1, HEAD_LINES + 4, 18, "looks like a Finnish personal identity code");
	expect_error_at(&e, 2, HEAD_LINES + 5, 5, "unknown key 'colour'");
	plan_errors_free(&e);
}

static void
test_err_unknown_key(void **state)
{
	(void)state;
	expect_one("calendars:\n"
		   "  - id: school\n"
		   "    name: School\n"
		   "    colour: blue\n",
		   HEAD_LINES + 4, 5,
		   "unknown key 'colour' in Calendar (expected one of: id, name, extends, terms, "
		   "closed, open)");
}

static void
test_err_key_twice(void **state)
{
	(void)state;
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S\n"
		   "    limits: {normal: 14 days}\n"
		   "    name: Toinen\n",
		   HEAD_LINES + 5, 5, "key 'name' given twice");
}

static void
test_err_wrong_type(void **state)
{
	(void)state;
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S\n"
		   "    legal-basis: [a, b]\n"
		   "    limits: {normal: 14 days}\n",
		   HEAD_LINES + 4, 18, "'legal-basis' is a list (expected a single value)");
	expect_one("routes:\n"
		   "  - min-severity: [warning]\n"
		   "    to: board\n",
		   HEAD_LINES + 2, 19, "'min-severity' is a list (expected one word)");
	/* a wrong value in a list of strings (this once freed the shared default "") */
	expect_one("routes:\n"
		   "  - to: {id: board}\n",
		   HEAD_LINES + 2, 9, "'to' is a mapping (expected a single value)");
	expect_one("routes:\n"
		   "  - to: [[board]]\n",
		   HEAD_LINES + 2, 10, "'to' is a list (expected a single value)");
}

static void
test_err_unknown_enum(void **state)
{
	(void)state;
	expect_one("routes:\n"
		   "  - kinds: deadline-missed\n"
		   "    min-severity: fatal\n"
		   "    to: board\n",
		   HEAD_LINES + 3, 19,
		   "'min-severity' has unknown value 'fatal' (expected one of: info, warning, "
		   "critical)");
	expect_one("routes:\n"
		   "  - kinds: [deadline-missed, DEADLINE_WARNING]\n"
		   "    to: board\n",
		   HEAD_LINES + 2, 30, "'kinds' has unknown value 'DEADLINE_WARNING'");
}

static void
test_err_bad_duration(void **state)
{
	(void)state;
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S\n"
		   "    limits: {normal: 7 working day}\n",
		   HEAD_LINES + 4, 22,
		   "'limits' is not a duration: '7 working day' (expected e.g.");
	/* a duration is written, not spelled out field by field */
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S\n"
		   "    limits: {normal: 14 days}\n"
		   "    warn-before: {text: soon}\n",
		   HEAD_LINES + 5, 18, "'warn-before' is a mapping (expected a duration such as");
}

static void
test_err_bad_period(void **state)
{
	(void)state;
	expect_one("goals:\n"
		   "  - id: g1\n"
		   "    title: Goal\n"
		   "    measures:\n"
		   "      - id: m1\n"
		   "        title: Measure\n"
		   "        schedule: sometime\n",
		   HEAD_LINES + 7, 19, "'schedule' is not a period: 'sometime' (expected e.g.");
	expect_one("goals:\n"
		   "  - id: g1\n"
		   "    title: Goal\n"
		   "    measures:\n"
		   "      - id: m1\n"
		   "        title: Measure\n"
		   "        schedule: 2025-2022\n",
		   HEAD_LINES + 7, 19, "'schedule' ends before it starts: '2025-2022'");
}

static void
test_err_bad_date(void **state)
{
	struct plan_errors e;

	(void)state;
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S\n"
		   "    limits:\n"
		   "      - {urgency: normal, limit: 14 days, from: 2023-02-30}\n",
		   HEAD_LINES + 5, 49,
		   "'from' is not a date: '2023-02-30' (expected YYYY-MM-DD, YYYY-MM, YYYY, "
		   "spring YYYY or autumn YYYY)");
	/* an exact day: no shorthand */
	e = expect_invalid("lanu-plan: 1\n"
			   "plan:\n"
			   "  id: t\n"
			   "  organiser: T\n"
			   "  title: T\n"
			   "  period: 2022-2025\n"
			   "  adopted: 2023-06\n",
			   "", 1);
	expect_error_at(&e, 0, 7, 12, "'adopted' is not a date: '2023-06' (expected YYYY-MM-DD)");
	plan_errors_free(&e);
	/* the same in a list */
	expect_one("calendars:\n"
		   "  - {id: c, name: C, open: [2025-09]}\n",
		   HEAD_LINES + 2, 29, "'open' is not a date: '2025-09' (expected YYYY-MM-DD)");
}

static void
test_err_duplicate_id(void **state)
{
	(void)state;
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S\n"
		   "    limits: {normal: 14 days}\n"
		   "  - id: s\n"
		   "    name: S2\n"
		   "    limits: {normal: 14 days}\n",
		   HEAD_LINES + 5, 9, "duplicate service id 's' (first at line 17)");
}

static void
test_err_unknown_route_to(void **state)
{
	(void)state;
	expect_one("routes:\n"
		   "  - kinds: deadline-missed\n"
		   "    to: [board, nobody]\n",
		   HEAD_LINES + 3, 17, "to names unknown recipient 'nobody'");
}

static void
test_err_unknown_monitoring(void **state)
{
	(void)state;
	expect_one("goals:\n"
		   "  - id: g1\n"
		   "    title: Goal\n"
		   "    measures:\n"
		   "      - id: m1\n"
		   "        title: Measure\n"
		   "        schedule: 2023\n"
		   "        monitoring: [board, auditors]\n",
		   HEAD_LINES + 8, 29, "monitoring names unknown recipient 'auditors'");
}

static void
test_err_schedule_reversed(void **state)
{
	(void)state;
	expect_one("goals:\n"
		   "  - id: g1\n"
		   "    title: Goal\n"
		   "    measures:\n"
		   "      - id: m1\n"
		   "        title: Measure\n"
		   "        schedule: {from: 2024-01-01, to: 2023-06}\n",
		   HEAD_LINES + 7, 19,
		   "a schedule ends (2023-06-30) before it starts (2024-01-01)");
}

static void
test_err_threshold_higher(void **state)
{
	(void)state;
	expect_one("indicators:\n"
		   "  - id: i\n"
		   "    name: I\n"
		   "    unit: percent\n"
		   "    direction: higher-is-better\n"
		   "    target: 95\n"
		   "    warning: 97\n"
		   "    critical: 90\n",
		   HEAD_LINES + 7, 14,
		   "indicator 'i': warning 97 is on the wrong side of target 95 (higher is better: "
		   "expected warning <= target)");
	expect_one("indicators:\n"
		   "  - id: i\n"
		   "    name: I\n"
		   "    unit: percent\n"
		   "    direction: higher-is-better\n"
		   "    target: 95\n"
		   "    warning: 92\n"
		   "    critical: 93\n",
		   HEAD_LINES + 8, 15,
		   "indicator 'i': critical 93 is on the wrong side of warning 92 (higher is "
		   "better: expected critical <= warning)");
}

static void
test_err_threshold_lower(void **state)
{
	(void)state;
	expect_one("indicators:\n"
		   "  - id: i\n"
		   "    name: I\n"
		   "    unit: count\n"
		   "    direction: lower-is-better\n"
		   "    target: 5\n"
		   "    warning: 3\n"
		   "    critical: 10\n",
		   HEAD_LINES + 7, 14,
		   "indicator 'i': warning 3 is on the wrong side of target 5 (lower is better: "
		   "expected warning >= target)");
	expect_one("indicators:\n"
		   "  - id: i\n"
		   "    name: I\n"
		   "    unit: days\n"
		   "    direction: lower-is-better\n"
		   "    target: 5\n"
		   "    critical: 4\n",
		   HEAD_LINES + 7, 15,
		   "indicator 'i': critical 4 is on the wrong side of target 5");
}

static void
test_err_tracked_thresholds(void **state)
{
	(void)state;
	expect_one("indicators:\n"
		   "  - id: i\n"
		   "    name: I\n"
		   "    unit: rate\n"
		   "    direction: tracked\n"
		   "    baseline: 4.2\n"
		   "    warning: 5\n",
		   HEAD_LINES + 7, 14, "indicator 'i' is tracked: it has no target or thresholds");
}

static void
test_err_percent_range(void **state)
{
	(void)state;
	expect_one("indicators:\n"
		   "  - id: i\n"
		   "    name: I\n"
		   "    unit: percent\n"
		   "    direction: higher-is-better\n"
		   "    target: 120\n",
		   HEAD_LINES + 6, 13, "indicator 'i' is a percent: 120 is outside 0-100");
	expect_one("indicators:\n"
		   "  - id: i\n"
		   "    name: I\n"
		   "    unit: percent\n"
		   "    direction: lower-is-better\n"
		   "    target: 0\n"
		   "    baseline: -1\n",
		   HEAD_LINES + 7, 15, "indicator 'i' is a percent: -1 is outside 0-100");
}

static void
test_err_limits_and_stages(void **state)
{
	(void)state;
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S\n"
		   "    limits: {normal: 14 days}\n"
		   "    stages:\n"
		   "      - {id: a, name: A, limits: {normal: 7 days}}\n",
		   HEAD_LINES + 2, 5, "service 's' has both limits and stages");
}

static void
test_err_limit_overlap(void **state)
{
	struct plan_errors e = { 0 };
	Lanu__V1__Plan *plan = NULL;

	(void)state;
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S\n"
		   "    limits:\n"
		   "      - {urgency: normal, limit: 14 days, until: 2024-12-31}\n"
		   "      - {urgency: urgent, limit: 1 day}\n"
		   "      - {urgency: normal, limit: 3 months, from: 2024-12}\n",
		   HEAD_LINES + 7, 9,
		   "a limit of 's' overlaps an earlier one for the same urgency, dates and ages");
	expect_one("services:\n"
		   "  - id: s\n"
		   "    name: S\n"
		   "    limits:\n"
		   "      - {urgency: normal, limit: 14 days, ages: 0-22}\n"
		   "      - {urgency: normal, limit: 3 months, ages: 22-}\n",
		   HEAD_LINES + 6, 9, "a limit of 's' overlaps an earlier one");
	/* the same rules, a day apart and a year apart, do not overlap */
	assert_int_equal(parse(plan_head,
			       "services:\n"
			       "  - id: s\n"
			       "    name: S\n"
			       "    limits:\n"
			       "      - {urgency: normal, limit: 14 days, until: 2024-11}\n"
			       "      - {urgency: normal, limit: 3 months, from: 2024-12}\n"
			       "      - {urgency: urgent, limit: 1 day, ages: 0-22}\n"
			       "      - {urgency: urgent, limit: 2 days, ages: 23-}\n",
			       &plan, &e),
			 0);
	assert_int_equal(e.n, 0);
	plan_free(plan);
	plan_errors_free(&e);
}

static void
test_err_stage_unknown(void **state)
{
	(void)state;
	expect_one("services:\n"
		   "  - id: cw\n"
		   "    name: Child welfare\n"
		   "    stages:\n"
		   "      - id: a\n"
		   "        name: A\n"
		   "        limits: {normal: same day}\n"
		   "      - id: b\n"
		   "        name: B\n"
		   "        starts: after zz\n"
		   "        limits: {normal: 7 working days}\n",
		   HEAD_LINES + 10, 17,
		   "stage 'b' starts after unknown stage 'zz' of service 'cw'");
}

/* escalate: the one-step form stays in Route.escalate, the list form goes to
 * Route.escalate_steps; plan_index_route_steps() reads either as the chain. */
static void
test_parse_escalation_chain(void **state)
{
	struct plan_errors e = { 0 };
	Lanu__V1__Plan *plan = NULL;
	Lanu__V1__Escalation *const *v;
	size_t n;

	(void)state;
	assert_int_equal(parse(plan_head,
			       "routes:\n"
			       "  - to: supervisor\n"
			       "    escalate:\n"
			       "      - {after: 1 working day, to: supervisor}\n"
			       "      - {after: 3 working days, to: [board, supervisor]}\n"
			       "  - {to: board, escalate: {after: 12 hours, to: board}}\n"
			       "  - {to: board, escalate: [{after: 2 days, to: board}]}\n"
			       "  - {to: board}\n",
			       &plan, &e),
			 0);
	assert_int_equal(plan->n_routes, 4);
	assert_null(plan->routes[0]->escalate);
	v = plan_index_route_steps(plan->routes[0], &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[0]->after->count, 1);
	assert_int_equal(v[0]->after->unit, LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS);
	assert_string_equal(v[0]->to[0], "supervisor");
	assert_int_equal(v[1]->after->count, 3);
	assert_int_equal(v[1]->n_to, 2);
	assert_string_equal(v[1]->to[0], "board");
	v = plan_index_route_steps(plan->routes[1], &n);
	assert_int_equal(n, 1);
	assert_ptr_equal(v[0], plan->routes[1]->escalate);
	assert_int_equal(v[0]->after->unit, LANU__V1__DURATION__UNIT__UNIT_HOURS);
	assert_int_equal(plan->routes[1]->n_escalate_steps, 0);
	v = plan_index_route_steps(plan->routes[2], &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->after->unit, LANU__V1__DURATION__UNIT__UNIT_DAYS);
	assert_null(plan_index_route_steps(plan->routes[3], &n));
	assert_int_equal(n, 0);
	plan_free(plan);
	plan_errors_free(&e);
}

/* A chain's delays increase, in one unit; each step has a delay and recipients. */
static void
test_err_escalation_chain(void **state)
{
	struct plan_errors e = expect_invalid(plan_head,
					      "routes:\n"
					      "  - to: board\n"
					      "    escalate:\n"
					      "      - {after: 3 working days, to: board}\n"
					      "      - {after: 2 working days, to: board}\n"
					      "      - {after: 48 hours, to: board}\n"
					      "      - {after: same day, to: board}\n"
					      "      - {to: board}\n"
					      "      - {after: 49 hours}\n"
					      "      - {after: 50 hours, to: nobody}\n"
					      "      - {after: 50 hours, to: board}\n",
					      7);

	(void)state;
	expect_error_at(&e, 0, HEAD_LINES + 5, 17, "escalate step 2 ('2 working days') is not "
						   "after step 1 ('3 working days'): a chain's "
						   "delays increase");
	expect_error_at(&e, 1, HEAD_LINES + 6, 17, "escalate step 3 counts in hours, step 2 in "
						   "working days: a chain's steps count in one "
						   "unit");
	expect_error_at(&e, 2, HEAD_LINES + 7, 17, "escalate after is counted in hours or days "
						   "('same day')");
	expect_error_at(&e, 3, HEAD_LINES + 8, 9, "escalate needs 'after' (a duration)");
	expect_error_at(&e, 4, HEAD_LINES + 9, 9, "escalate needs 'to' (one or more "
						  "recipients)");
	expect_error_at(&e, 5, HEAD_LINES + 10, 31, "escalate to names unknown recipient "
						    "'nobody'");
	expect_error_at(&e, 6, HEAD_LINES + 11, 17, "escalate step 8 ('50 hours') is not after "
						    "step 7 ('50 hours')");
	plan_errors_free(&e);
	e = expect_invalid(plan_head,
			   "routes:\n"
			   "  - to: board\n"
			   "    escalate: [{after: 1 hour, to: board}, {after: 2 hours, to: x},\n"
			   "      {after: 3 hours, to: board}, {after: 4 hours, to: board},\n"
			   "      {after: 5 hours, to: board}, {after: 6 hours, to: board},\n"
			   "      {after: 7 hours, to: board}, {after: 8 hours, to: board},\n"
			   "      {after: 9 hours, to: board}]\n",
			   2);
	expect_error_at(&e, 0, HEAD_LINES + 3, 16, "escalate has 9 steps (at most 8)");
	expect_error_at(&e, 1, HEAD_LINES + 3, 65, "escalate to names unknown recipient 'x'");
	plan_errors_free(&e);
	expect_one("routes:\n"
		   "  - {to: board, escalate-steps: [{after: 1 hour, to: board}]}\n",
		   HEAD_LINES + 2, 17, "unknown key 'escalate-steps' in Route");
	expect_one("routes:\n"
		   "  - {to: board, escalate: {after: 1 hour, to: board},\n"
		   "     escalate: [{after: 2 hours, to: board}]}\n",
		   HEAD_LINES + 3, 6, "key 'escalate' given twice");
	expect_one("routes:\n"
		   "  - {to: board, kinds: [escalation, resolved],\n"
		   "     escalate: {after: 1 hour, to: board}}\n",
		   HEAD_LINES + 3, 16, "escalate never fires on a route of escalation and "
				       "resolved alerts only");
}

static void
test_err_stage_cycle(void **state)
{
	struct plan_errors e = expect_invalid(plan_head,
					      "services:\n"
					      "  - id: cw\n"
					      "    name: Child welfare\n"
					      "    stages:\n"
					      "      - id: a\n"
					      "        name: A\n"
					      "        starts: after b\n"
					      "        limits: {normal: same day}\n"
					      "      - id: b\n"
					      "        name: B\n"
					      "        starts: after a\n"
					      "        limits: {normal: 7 working days}\n",
					      2);

	(void)state;
	expect_error_at(&e, 0, HEAD_LINES + 7, 17, "stage 'a' starts after itself");
	expect_error_at(&e, 1, HEAD_LINES + 11, 17, "stage 'b' starts after itself");
	plan_errors_free(&e);
	expect_one("services:\n"
		   "  - id: cw\n"
		   "    name: Child welfare\n"
		   "    stages:\n"
		   "      - {id: a, name: A, starts: after a, limits: {normal: same day}}\n",
		   HEAD_LINES + 5, 34, "stage 'a' starts after itself");
}

static void
test_err_timezone(void **state)
{
	struct plan_errors e;

	(void)state;
	e = expect_invalid("lanu-plan: 1\n"
			   "plan:\n"
			   "  id: t\n"
			   "  organiser: T\n"
			   "  title: T\n"
			   "  period: 2022-2025\n"
			   "  timezone: Mars/Olympus\n",
			   "", 1);
	expect_error_at(&e, 0, 7, 13, "unknown time zone 'Mars/Olympus' (expected e.g. "
				      "Europe/Helsinki)");
	plan_errors_free(&e);
	e = expect_invalid("lanu-plan: 1\n"
			   "plan:\n"
			   "  id: t\n"
			   "  organiser: T\n"
			   "  title: T\n"
			   "  period: 2022-2025\n"
			   "  timezone: ../../../etc/passwd\n",
			   "", 1);
	expect_error_at(&e, 0, 7, 13, "unknown time zone '../../../etc/passwd'");
	plan_errors_free(&e);
	/* a directory and a file that is not a zone */
	e = expect_invalid("lanu-plan: 1\n"
			   "plan:\n"
			   "  id: t\n"
			   "  organiser: T\n"
			   "  title: T\n"
			   "  period: 2022-2025\n"
			   "  timezone: Europe\n",
			   "", 1);
	expect_error_at(&e, 0, 7, 13, "unknown time zone 'Europe'");
	plan_errors_free(&e);
	e = expect_invalid("lanu-plan: 1\n"
			   "plan:\n"
			   "  id: t\n"
			   "  organiser: T\n"
			   "  title: T\n"
			   "  period: 2022-2025\n"
			   "  timezone: zone.tab\n",
			   "", 1);
	expect_error_at(&e, 0, 7, 13, "unknown time zone 'zone.tab'");
	plan_errors_free(&e);
}

/* An absence ladder: every problem at once, each where it was written. */
static void
test_err_absences(void **state)
{
	struct plan_errors e;

	(void)state;
	e = expect_invalid(plan_head,
			   "calendars:\n"				/* 16 */
			   "  - {id: plain, name: Plain}\n"
			   "absences:\n"
			   "  - id: a\n"
			   "    provider: P\n"				/* 20 */
			   "    areas: north\n"
			   "    period: term\n"
			   "    calendar: plain\n"
			   "    levels:\n"
			   "      - {hours: 30, action: A}\n"		/* 25 */
			   "      - {hours: 20, share: 120, counts: [unauthorised, unauthorised], "
			   "action: B, to: nobody}\n"
			   "      - {action: C}\n"
			   "  - id: b\n"
			   "    provider: P\n"
			   "    areas: town\n"				/* 30 */
			   "    period: school-year\n"
			   "    calendar: missing\n"
			   "    levels: []\n",
			   9);
	expect_error_at(&e, 0, 23, 15, "calendar 'plain' has no terms: an absence ladder's "
				       "periods are its terms");
	expect_error_at(&e, 1, 26, 17, "level 2's hours (20) is not above level 1's (30): a "
				       "ladder's levels climb");
	expect_error_at(&e, 2, 26, 28, "level 2's share is a percent above 0 and at most 100 "
				       "(120)");
	expect_error_at(&e, 3, 26, 56, "level 2 counts a class of absence twice");
	expect_error_at(&e, 4, 26, 86, "to names unknown recipient 'nobody'");
	expect_error_at(&e, 5, 27, 9, "level 3 needs hours, share (a percent of the lessons "
				      "held) or both");
	expect_error_at(&e, 6, 28, 5, "absence ladder 'b' needs levels");
	expect_error_at(&e, 7, 30, 12, "area 'town' is covered by absence ladder 'a' already "
				       "(through 'north'): one ladder per school");
	expect_error_at(&e, 8, 32, 15, "calendar names unknown calendar 'missing'");
	plan_errors_free(&e);
}

static void
test_err_lanu_plan_missing(void **state)
{
	struct plan_errors e;

	(void)state;
	/* the head less its first line; a missing key has no position of its own */
	e = expect_invalid(plan_head + strlen("lanu-plan: 1\n"), "", 1);
	expect_error_at(&e, 0, 0, 0, "'lanu-plan: 1' is missing (the file format)");
	assert_string_equal(e.v[0], NAME ": 'lanu-plan: 1' is missing (the file format)");
	plan_errors_free(&e);
	e = expect_invalid("lanu-plan: 2\n", plan_head + strlen("lanu-plan: 1\n"), 1);
	expect_error_at(&e, 0, 1, 12, "lanu-plan is 2 (this lanud reads format 1)");
	plan_errors_free(&e);
}

static void
test_err_derived_key(void **state)
{
	struct plan_errors e = expect_invalid(plan_head,
					      "goals:\n"
					      "  - id: g1\n"
					      "    title: Goal\n"
					      "    parent: g0\n"
					      "    measures:\n"
					      "      - id: m1\n"
					      "        title: Measure\n"
					      "        schedule: 2023\n"
					      "        goal: g1\n",
					      2);

	(void)state;
	expect_error_at(&e, 0, HEAD_LINES + 4, 5,
			"unknown key 'parent' in Goal (expected one of: id, title, description, "
			"goals, measures, indicators)");
	expect_error_at(&e, 1, HEAD_LINES + 9, 9, "unknown key 'goal' in Measure");
	assert_null(strstr(e.v[1], "goal,"));	/* not offered as a key */
	plan_errors_free(&e);
	e = expect_invalid("lanu-plan: 1\n"
			   "plan: {id: t, organiser: T, title: T, period: 2023}\n"
			   "areas:\n"
			   "  - {id: a, name: A, kind: area, parent: b}\n",
			   "", 1);
	expect_error_at(&e, 0, 4, 34, "unknown key 'parent' in Area (expected one of: id, name, "
				      "kind, calendar, areas, outreach, "
				      "compulsory-education)");
	plan_errors_free(&e);
}

static void
test_err_many(void **state)
{
	/* Five problems, from the walk and from the checks, reported in line order. */
	struct plan_errors e = expect_invalid(plan_head,
					      "routes:\n"
					      "  - to: nobody\n"
					      "services:\n"
					      "  - id: s\n"
					      "    name: S\n"
					      "    limits: {normal: 7 working day}\n"
					      "    colour: red\n"
					      "indicators:\n"
					      "  - id: i\n"
					      "    name: I\n"
					      "    unit: count\n"
					      "    direction: lower-is-better\n"
					      "    cadence: hourly\n"
					      "goals:\n"
					      "  - id: g\n"
					      "    title: G\n"
					      "    measures:\n"
					      "      - id: m\n"
					      "        title: M\n"
					      "        schedule: whenever\n",
					      5);

	(void)state;
	expect_error_at(&e, 0, HEAD_LINES + 2, 9, "to names unknown recipient 'nobody'");
	expect_error_at(&e, 1, HEAD_LINES + 6, 22, "'limits' is not a duration");
	expect_error_at(&e, 2, HEAD_LINES + 7, 5, "unknown key 'colour' in Service");
	expect_error_at(&e, 3, HEAD_LINES + 13, 14, "'cadence' has unknown value 'hourly'");
	expect_error_at(&e, 4, HEAD_LINES + 20, 19, "'schedule' is not a period: 'whenever'");
	plan_errors_free(&e);
}

static void
test_errors_append(void **state)
{
	struct plan_errors e = { 0 };
	Lanu__V1__Plan *plan = NULL;

	(void)state;
	/* errs is appended to, and each parse's errors keep their own order */
	assert_int_equal(parse(plan_head, "routes:\n  - to: x\n", &plan, &e), -EINVAL);
	assert_int_equal(parse(plan_head, "colour: red\n", &plan, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	expect_error_at(&e, 0, HEAD_LINES + 2, 9, "to names unknown recipient 'x'");
	expect_error_at(&e, 1, HEAD_LINES + 1, 1, "unknown key 'colour' in Plan");
	plan_errors_free(&e);
	assert_null(e.v);
	assert_int_equal(e.n, 0);
	/* an empty file */
	assert_int_equal(plan_parse(NAME, "", 0, &plan, &e), -EINVAL);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0], NAME ": is empty (expected a plan: see docs/plan-format.md)");
	plan_errors_free(&e);
}

/* --- the example plans ----------------------------------------------------------------- */

static int
parse_example(const char *path, Lanu__V1__Plan **ret_plan, struct plan_errors *errs)
{
	return plan_parse_file(path, ret_plan, NULL, errs);
}

static Lanu__V1__Plan *
load_example(const char *file)
{
	struct plan_errors e = { 0 };
	Lanu__V1__Plan *plan = NULL;
	char path[512];
	int r;

	snprintf(path, sizeof(path), "%s/plans/%s", EXAMPLES_DIR, file);
	r = parse_example(path, &plan, &e);
	if (r != 0 || e.n) {
		char *all = errors_text(&e);

		fail_msg("%s: %d:\n%s", path, r, all);
	}
	plan_errors_free(&e);
	return plan;
}

static const Lanu__V1__Service *
find_service(const Lanu__V1__Plan *plan, const char *id)
{
	for (size_t i = 0; i < plan->n_services; i++)
		if (strcmp(plan->services[i]->id, id) == 0)
			return plan->services[i];
	fail_msg("no service '%s'", id);
	return NULL;
}

/* The limit of one urgency in a service without date or age rules. */
static const Lanu__V1__Duration *
find_limit(const Lanu__V1__Service *s, Lanu__V1__Urgency u)
{
	const Lanu__V1__Duration *d = NULL;

	for (size_t i = 0; i < s->n_limits; i++)
		if (s->limits[i]->urgency == u) {
			assert_null(d);	/* one rule only */
			d = s->limits[i]->limit;
		}
	if (!d)
		fail_msg("service '%s' has no limit for urgency %d", s->id, u);
	return d;
}

static void
test_examples_all(void **state)
{
	glob_t g;

	(void)state;
	assert_int_equal(glob(EXAMPLES_DIR "/plans/*.yaml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct plan_errors e = { 0 };
		Lanu__V1__Plan *plan = NULL;
		int r = parse_example(g.gl_pathv[i], &plan, &e);

		if (r != 0 || e.n) {
			char *all = errors_text(&e);

			fail_msg("%s: %d:\n%s", g.gl_pathv[i], r, all);
		}
		assert_non_null(plan);
		assert_int_equal(plan->lanu_plan, 1);
		assert_true(value_is_id(plan->plan->id));
		assert_true(plan->n_areas >= 1);
		plan_free(plan);
		plan_errors_free(&e);
	}
	globfree(&g);
}

static void
test_example_seinajoki(void **state)
{
	Lanu__V1__Plan *plan = load_example("seinajoki-2022-2025.yaml");
	const Lanu__V1__Duration *d;
	const Lanu__V1__Service *s;

	(void)state;
	assert_string_equal(plan->plan->id, "seinajoki-2022-2025");
	assert_string_equal(plan->plan->timezone, "Europe/Helsinki");
	s = find_service(plan, "family-counselling");
	assert_int_equal(s->n_limits, 1);
	d = find_limit(s, LANU__V1__URGENCY__URGENCY_NORMAL);
	assert_int_equal(d->count, 3);
	assert_int_equal(d->unit, LANU__V1__DURATION__UNIT__UNIT_MONTHS);
	s = find_service(plan, "school-social-worker");
	assert_string_equal(s->calendar, "unit");
	d = find_limit(s, LANU__V1__URGENCY__URGENCY_NORMAL);
	assert_int_equal(d->count, 7);
	assert_int_equal(d->unit, LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS);
	d = find_limit(s, LANU__V1__URGENCY__URGENCY_URGENT);
	assert_int_equal(d->count, 0);
	assert_int_equal(d->unit, LANU__V1__DURATION__UNIT__UNIT_SAME_OR_NEXT_WORKING_DAY);
	plan_free(plan);
}

static void
test_example_espoo(void **state)
{
	Lanu__V1__Plan *plan = load_example("espoo-2017-2021.yaml");
	const Lanu__V1__Indicator *ind = NULL;
	bool language = false;

	(void)state;
	for (size_t i = 0; i < plan->n_indicators; i++)
		if (strcmp(plan->indicators[i]->id, "initiation-assessment-in-time") == 0)
			ind = plan->indicators[i];
	assert_non_null(ind);
	assert_int_equal(ind->unit, LANU__V1__INDICATOR_UNIT__INDICATOR_UNIT_PERCENT);
	assert_int_equal(ind->direction, LANU__V1__DIRECTION__DIRECTION_HIGHER_IS_BETTER);
	assert_non_null(ind->target);
	assert_true(ind->target->value == 100.0);
	for (size_t i = 0; i < ind->n_breakdown; i++)
		language |= ind->breakdown[i] == LANU__V1__DIMENSION__DIMENSION_LANGUAGE_GROUP;
	assert_true(language);
	assert_non_null(ind->source);
	assert_int_equal(ind->source->kind, LANU__V1__INDICATOR_SOURCE__KIND__KIND_COMPLIANCE);
	assert_string_equal(ind->source->service, "child-welfare");
	assert_string_equal(ind->source->stage, "decision");
	assert_int_equal(plan->n_areas, 1);
	assert_string_equal(plan->areas[0]->id, "espoo");
	assert_int_equal(plan->areas[0]->n_areas, 5);
	for (size_t i = 0; i < plan->areas[0]->n_areas; i++)
		assert_string_equal(plan->areas[0]->areas[i]->parent, "espoo");
	assert_int_equal(plan_index_count_areas(plan->areas, plan->n_areas), 6);
	plan_free(plan);
}

static int
count_kind_cb(enum plan_kind k, char *const *id, const ProtobufCMessage *obj, void *arg)
{
	size_t *n = arg;

	assert_non_null(obj);
	assert_true(**id != '\0');
	n[k]++;
	return 0;
}

static int
stop_at_service_cb(enum plan_kind k, char *const *id, const ProtobufCMessage *obj, void *arg)
{
	(void)id;
	(void)obj;
	(void)arg;
	return k == PLAN_SERVICE ? 7 : 0;
}

/* One walk over every object, lookups by kind and id, and area ancestry. */
static void
test_plan_index(void **state)
{
	Lanu__V1__Plan *plan = load_example("espoo-2017-2021.yaml");
	struct plan_index *x = NULL;
	size_t n[PLAN_KIND_MAX] = { 0 };
	const char *sub;

	(void)state;
	assert_int_equal(plan_index_walk(plan, count_kind_cb, n), 0);
	assert_int_equal(n[PLAN_AREA], 6);
	assert_int_equal(n[PLAN_SERVICE], plan->n_services);
	assert_int_equal(n[PLAN_INDICATOR], plan->n_indicators);
	assert_int_equal(n[PLAN_RECIPIENT], plan->n_recipients);
	assert_true(n[PLAN_MEASURE] > 0 && n[PLAN_GOAL] > 0);
	assert_int_equal(plan_index_walk(plan, stop_at_service_cb, NULL), 7);

	assert_int_equal(plan_index_new(plan, &x), 0);
	assert_ptr_equal(plan_index_plan(x), plan);
	assert_ptr_equal(plan_index_service(x, plan->services[0]->id), plan->services[0]);
	assert_ptr_equal(plan_index_indicator(x, plan->indicators[0]->id), plan->indicators[0]);
	assert_ptr_equal(plan_index_recipient(x, plan->recipients[0]->id), plan->recipients[0]);
	assert_null(plan_index_service(x, "no-such-service"));
	assert_null(plan_index_service(x, ""));
	assert_null(plan_index_area(x, NULL));
	/* A service id is not an area id: lookups are per kind. */
	assert_null(plan_index_area(x, plan->services[0]->id));
	sub = plan->areas[0]->areas[0]->id;
	assert_ptr_equal(plan_index_area(x, sub), plan->areas[0]->areas[0]);
	assert_true(plan_index_within(x, sub, "espoo"));
	assert_true(plan_index_within(x, "espoo", "espoo"));
	assert_false(plan_index_within(x, "espoo", sub));
	assert_false(plan_index_within(x, "no-such-area", "espoo"));
	assert_false(plan_index_within(x, sub, plan->areas[0]->areas[1]->id));
	assert_string_equal(plan_kind_name(PLAN_MEASURE), "measure");
	plan_index_free(x);
	plan_free(plan);
}

static void
test_example_kymenlaakso(void **state)
{
	Lanu__V1__Plan *plan = load_example("kymenlaakso-municipality.yaml");
	size_t biennial = 0;

	(void)state;
	for (size_t i = 0; i < plan->n_indicators; i++)
		biennial += plan->indicators[i]->cadence == LANU__V1__CADENCE__CADENCE_BIENNIAL;
	assert_true(biennial >= 1);
	plan_free(plan);
}

static void
test_example_helsinki(void **state)
{
	char path[512];
	Lanu__V1__Plan *plan;
	bool lasu = false;

	(void)state;
	snprintf(path, sizeof(path), "%s/plans/helsinki-2013-2016.yaml", EXAMPLES_DIR);
	if (access(path, R_OK) != 0)
		skip();
	plan = load_example("helsinki-2013-2016.yaml");
	assert_int_equal(plan->n_areas, 1);
	assert_string_equal(plan->areas[0]->id, "helsinki");
	assert_int_equal(plan->areas[0]->n_areas, 4);
	for (size_t i = 0; i < plan->n_recipients; i++)
		lasu |= strstr(plan->recipients[i]->id, "lasu") != NULL;
	assert_true(lasu);
	plan_free(plan);
}

/* The file's bytes hashed here, in hex, for comparison. */
static void
sha256_of(const char *path, char out[65])
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	unsigned char buf[8192];
	FILE *f = fopen(path, "re");
	size_t n;

	assert_non_null(f);
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_hash_sha256_update(&st, buf, n);
	fclose(f);
	crypto_hash_sha256_final(&st, hash);
	sodium_bin2hex(out, 65, hash, sizeof(hash));
}

static void
test_parse_file(void **state)
{
	char a[65], b[65], want[65], *dir = test_tmpdir(), *path, *text;
	struct plan_errors e = { 0 };
	Lanu__V1__Plan *plan = NULL;
	FILE *f;

	(void)state;
	assert_non_null(dir);
	assert_true(asprintf(&path, "%s/plan.yaml", dir) > 0);
	text = plan_text(plan_head, plan_tail_ok);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);

	memset(a, 'x', sizeof(a));
	memset(b, 'y', sizeof(b));
	assert_int_equal(plan_parse_file(path, &plan, a, &e), 0);
	assert_non_null(plan);
	assert_string_equal(plan->plan->id, "test-plan");
	plan = plan_free(plan);
	assert_int_equal(plan_parse_file(path, &plan, b, &e), 0);
	plan = plan_free(plan);
	assert_int_equal(e.n, 0);
	assert_int_equal(strlen(a), 64);
	for (size_t i = 0; i < 64; i++)
		assert_true(isxdigit((unsigned char)a[i]) && !isupper((unsigned char)a[i]));
	assert_string_equal(a, b);
	sha256_of(path, want);
	assert_string_equal(a, want);

	/* errors name the path */
	text = plan_text(plan_head, "colour: red\n");
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
	assert_int_equal(plan_parse_file(path, &plan, NULL, &e), -EINVAL);
	assert_null(plan);
	assert_int_equal(e.n, 1);
	assert_true(strncmp(e.v[0], path, strlen(path)) == 0);
	assert_string_equal(e.v[0] + strlen(path),
			    ":16:1: unknown key 'colour' in Plan (expected one of: lanu-plan, "
			    "plan, areas, recipients, calendars, services, indicators, goals, "
			    "routes, absences, retention, reporting)");
	plan_errors_free(&e);
	test_rmrf(dir);
	free(path);
	free(dir);

	/* a file that is not there */
	assert_int_equal(plan_parse_file(EXAMPLES_DIR "/plans/no-such-plan.yaml", &plan, a, &e),
			 -ENOENT);
	assert_null(plan);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.v[0], EXAMPLES_DIR "/plans/no-such-plan.yaml: cannot be read: "
					     "No such file or directory");
	plan_errors_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_duration),
		cmocka_unit_test(test_value_date),
		cmocka_unit_test(test_value_period),
		cmocka_unit_test(test_value_ages),
		cmocka_unit_test(test_value_is_id),
		cmocka_unit_test(test_parse_minimal),
		cmocka_unit_test(test_parse_sparse),
		cmocka_unit_test(test_err_yaml_syntax),
		cmocka_unit_test(test_err_anchor_alias),
		cmocka_unit_test(test_err_tag),
		cmocka_unit_test(test_err_two_documents),
		cmocka_unit_test(test_err_identity_code),
		cmocka_unit_test(test_err_unknown_key),
		cmocka_unit_test(test_err_key_twice),
		cmocka_unit_test(test_err_wrong_type),
		cmocka_unit_test(test_err_unknown_enum),
		cmocka_unit_test(test_err_bad_duration),
		cmocka_unit_test(test_err_bad_period),
		cmocka_unit_test(test_err_bad_date),
		cmocka_unit_test(test_err_duplicate_id),
		cmocka_unit_test(test_err_unknown_route_to),
		cmocka_unit_test(test_err_unknown_monitoring),
		cmocka_unit_test(test_err_schedule_reversed),
		cmocka_unit_test(test_err_threshold_higher),
		cmocka_unit_test(test_err_threshold_lower),
		cmocka_unit_test(test_err_tracked_thresholds),
		cmocka_unit_test(test_err_percent_range),
		cmocka_unit_test(test_err_limits_and_stages),
		cmocka_unit_test(test_err_limit_overlap),
		cmocka_unit_test(test_err_stage_unknown),
		cmocka_unit_test(test_err_stage_cycle),
		cmocka_unit_test(test_parse_escalation_chain),
		cmocka_unit_test(test_err_escalation_chain),
		cmocka_unit_test(test_err_timezone),
		cmocka_unit_test(test_err_absences),
		cmocka_unit_test(test_err_lanu_plan_missing),
		cmocka_unit_test(test_err_derived_key),
		cmocka_unit_test(test_err_many),
		cmocka_unit_test(test_errors_append),
		cmocka_unit_test(test_examples_all),
		cmocka_unit_test(test_example_seinajoki),
		cmocka_unit_test(test_example_espoo),
		cmocka_unit_test(test_plan_index),
		cmocka_unit_test(test_example_kymenlaakso),
		cmocka_unit_test(test_example_helsinki),
		cmocka_unit_test(test_parse_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
