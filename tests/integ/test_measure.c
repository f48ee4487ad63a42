/*
 * Integration tests of the plan's measures (docs/indicators.md "Measures"): a real lanud
 * on the manual clock, the plan put in force on a known day (SIGHUP after the clock is
 * set), statuses sent as MeasureStatusUpdated. A status is refused when the plan cannot
 * hold it; a measure's history is kept in order and its latest counts; a schedule that
 * ends without the measure done, established or dropped raises MEASURE_OVERDUE once, to
 * its responsible and monitoring recipients, the day after it ends and not before; the
 * yearly reminder goes 30 days before the report date to measures with no status dated
 * in the year, once; nothing is said of what was due before the plan came into force;
 * lanuctl's query filters by goal (sub-goals included) and status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lanu/macro.h"

#define OK		LANU__V1__REPLY__CODE__OK
#define REJECTED	LANU__V1__REPLY__CODE__REJECTED

#define PLAN_HEAD \
	"lanu-plan: 1\n" \
	"plan: {id: measure-test, organiser: Test, title: Measure test plan, period: 2026-2028}\n" \
	"areas: [{id: town, name: Town, kind: municipality}]\n" \
	"recipients:\n" \
	"  - {id: sup, name: Supervisor, kind: supervisor}\n" \
	"  - {id: board, name: Welfare board, kind: board}\n" \
	"  - {id: watch, name: Watch, kind: group}\n" \
	"  - {id: early-desk, name: Early support desk, kind: group}\n"

#define ROUTE_ALL "  - {kinds: [measure-overdue, measure-reminder], to: watch}\n"

static const char plan_bare[] = PLAN_HEAD "routes:\n" ROUTE_ALL;
static const char plan[] = PLAN_HEAD
	"routes:\n"
	ROUTE_ALL
	"  - {kinds: measure-overdue, measures: m-early, to: early-desk}\n"
	"reporting: {date: 03-31, remind: 30 days}\n"
	"goals:\n"
	"  - id: g1\n"
	"    title: {fi: Varhainen tuki, en: Early support}\n"
	"    measures:\n"
	"      - {id: m-early, title: {fi: Perhetyö, en: Family work},\n"
	"         schedule: 2027-01-01..2027-06-30, responsible: [sup], monitoring: [board]}\n"
	"      - {id: m-done, title: Done in time, schedule: 2027-01-01..2027-06-30,\n"
	"         responsible: [sup]}\n"
	"      - {id: m-dropped, title: Dropped, schedule: 2027-01-01..2027-06-30,\n"
	"         responsible: [sup]}\n"
	"    goals:\n"
	"      - id: g1a\n"
	"        title: Sub-goal\n"
	"        measures:\n"
	"          - {id: m-long, title: Long, schedule: 2026-2028, responsible: [sup]}\n"
	"  - id: g2\n"
	"    title: Other\n"
	"    measures:\n"
	"      - {id: m-past, title: Past, schedule: 2026-01-01..2026-06-30, responsible: [sup]}\n";

static int
setup(void **state)
{
	struct daemon_fixture *f;

	if (daemon_fixture_up(state, DAEMON_MANUAL_CLOCK, plan_bare) < 0)
		return -1;
	f = *state;
	/* in force from Mon 4.1.2027 */
	if (daemon_clock_set(f->c, iso_ms("2027-01-04T09:00:00+02:00")) != OK ||
	    daemon_write_plan_text(&f->d, plan) < 0 || daemon_reload(&f->d) < 0)
		return -1;
	return 0;
}

static void
set_clock(struct client *c, const char *iso)
{
	assert_int_equal(daemon_clock_set(c, iso_ms(iso)), OK);
}

static struct daemon_answer
status(struct client *c, const char *measure, Lanu__V1__MeasureStatus st, const char *date,
       const char *note)
{
	static unsigned n;
	Lanu__V1__MeasureStatusUpdated m = LANU__V1__MEASURE_STATUS_UPDATED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	char id[32];

	snprintf(id, sizeof(id), "ms-%u", ++n);
	m.measure = (char *)measure;
	m.status = st;
	m.date = (char *)(date ? date : "");
	m.note = (char *)(note ? note : "");
	ev.event_id = id;
	ev.producer = (char *)"coordinator";
	ev.occurred_at_ms = 1;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED;
	ev.measure_status_updated = &m;
	return daemon_send(c, &ev);
}

/* rcpt's alerts (of kind, or any if 0) as "KIND:measure:due[:period]" one per alert. */
static void
expect_alerts(struct client *c, const char *rcpt, int kind, const char *want)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, rcpt, 0, &v, 1000), used = 0;
	char got[1024] = "";

	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__AlertFacts *f = v[i]->facts;

		if (kind && (int)v[i]->kind != kind)
			continue;
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s:%s:%s%s%s",
					 used ? " " : "", daemon_kind_name(v[i]->kind),
					 v[i]->measure, f->due_day, *f->period ? ":" : "",
					 f->period);
	}
	daemon_alerts_free(v, n);
	assert_string_equal(got, want);
}

/* The measures (goal, status filter) as "measure:status:overdue;" in plan order. */
static int
measures(struct client *c, const char *goal, const char *st, bool history, char *out,
	 size_t len)
{
	Lanu__V1__MeasureQuery q = LANU__V1__MEASURE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	size_t used = 0;
	int code;

	q.goal = (char *)goal;
	q.status = (char *)st;
	q.history = history;
	req.body_case = LANU__V1__REQUEST__BODY_MEASURES;
	req.measures = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	code = rep->code;
	*out = '\0';
	for (size_t i = 0; rep->measures && i < rep->measures->n_rows; i++) {
		const Lanu__V1__MeasureRow *r = rep->measures->rows[i];

		used += (size_t)snprintf(out + used, len - used, "%s:%d%s", r->measure,
					 r->latest ? (int)r->latest->status : 0,
					 r->overdue ? ":overdue" : "");
		for (size_t j = 0; j < r->n_history; j++)
			used += (size_t)snprintf(out + used, len - used, "%s%s", j ? "," : "(",
						 r->history[j]->date);
		used += (size_t)snprintf(out + used, len - used, "%s;", r->n_history ? ")" : "");
	}
	if (code != OK)
		snprintf(out, len, "%s", rep->field);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return code;
}

#define OVERDUE LANU__V1__ALERT_KIND__ALERT_KIND_MEASURE_OVERDUE
#define PLANNED LANU__V1__MEASURE_STATUS__MEASURE_STATUS_NOT_STARTED
#define STARTED LANU__V1__MEASURE_STATUS__MEASURE_STATUS_IN_PROGRESS
#define ESTABLISHED LANU__V1__MEASURE_STATUS__MEASURE_STATUS_ESTABLISHED
#define DONE LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DONE
#define DROPPED LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DROPPED

/* 1. Refusals, and the history kept in order with the latest counting. */
static void
test_statuses(void **state)
{
	struct daemon_fixture *f = *state;
	struct daemon_answer a;
	char got[512];

	a = status(f->c, "nope", STARTED, NULL, NULL);
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.measure_status_updated.measure");
	a = status(f->c, "m-early", STARTED, "2027-02-30", NULL);
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.measure_status_updated.date");
	a = status(f->c, "m-early", STARTED, "2027-01-05", NULL);	/* tomorrow */
	assert_int_equal(a.code, REJECTED);
	assert_non_null(strstr(a.reason, "has not come yet"));
	assert_int_equal(status(f->c, "m-early", PLANNED, "2026-12-01", NULL).code, OK);
	assert_int_equal(status(f->c, "m-early", STARTED, NULL, "first families").code, OK);
	assert_int_equal(measures(f->c, "", "", true, got, sizeof(got)), OK);
	assert_string_equal(got, "m-early:2(2026-12-01,2027-01-04);m-done:0;m-dropped:0;"
				 "m-long:0;m-past:0:overdue;");	/* ended in 2026, never done */
	assert_int_equal(measures(f->c, "g1", "", false, got, sizeof(got)), OK);
	assert_string_equal(got, "m-early:2;m-done:0;m-dropped:0;m-long:0;");	/* g1a's too */
	assert_int_equal(measures(f->c, "", "started", false, got, sizeof(got)), OK);
	assert_string_equal(got, "m-early:2;");
	assert_int_equal(measures(f->c, "", "none", false, got, sizeof(got)), OK);
	assert_string_equal(got, "m-done:0;m-dropped:0;m-long:0;m-past:0:overdue;");
	assert_int_equal(measures(f->c, "nope", "", false, got, sizeof(got)), REJECTED);
	assert_string_equal(got, "measures.goal");
	assert_int_equal(measures(f->c, "", "late", false, got, sizeof(got)), REJECTED);
	assert_string_equal(got, "measures.status");
}

/*
 * 2. Overdue: m-early and m-done end 30.6.2027. m-done is done on 20.6; m-early only
 * started. On 30.6 nothing; on 1.7 m-early is overdue, once, to sup and board (its
 * responsible and monitoring) and the route's watch. m-past ended in 2026, before the
 * plan came: nothing, though `--status overdue` lists it.
 */
static void
test_overdue(void **state)
{
	struct daemon_fixture *f = *state;
	char got[512];

	assert_int_equal(status(f->c, "m-early", STARTED, NULL, NULL).code, OK);
	set_clock(f->c, "2027-06-20T12:00:00+03:00");
	assert_int_equal(status(f->c, "m-done", DONE, NULL, NULL).code, OK);
	assert_int_equal(status(f->c, "m-dropped", DROPPED, NULL, "no staff").code, OK);
	set_clock(f->c, "2027-06-30T23:59:00+03:00");
	expect_alerts(f->c, "sup", OVERDUE, "");
	set_clock(f->c, "2027-07-01T00:00:00+03:00");
	/* a dropped measure is told too, with its status */
	expect_alerts(f->c, "sup", OVERDUE, "MEASURE_OVERDUE:m-dropped:2027-06-30 "
					     "MEASURE_OVERDUE:m-early:2027-06-30");
	expect_alerts(f->c, "board", 0, "MEASURE_OVERDUE:m-early:2027-06-30");
	expect_alerts(f->c, "watch", OVERDUE, "MEASURE_OVERDUE:m-dropped:2027-06-30 "
					       "MEASURE_OVERDUE:m-early:2027-06-30");
	expect_alerts(f->c, "early-desk", 0, "MEASURE_OVERDUE:m-early:2027-06-30");	/* by measure */
	set_clock(f->c, "2027-08-01T00:00:00+03:00");
	expect_alerts(f->c, "sup", OVERDUE, "MEASURE_OVERDUE:m-dropped:2027-06-30 "
					     "MEASURE_OVERDUE:m-early:2027-06-30");
	assert_int_equal(measures(f->c, "", "overdue", false, got, sizeof(got)), OK);
	assert_string_equal(got, "m-early:2:overdue;m-dropped:4:overdue;m-past:0:overdue;");
	/* established later: no longer listed overdue */
	assert_int_equal(status(f->c, "m-early", ESTABLISHED, NULL, NULL).code, OK);
	assert_int_equal(measures(f->c, "", "overdue", false, got, sizeof(got)), OK);
	assert_string_equal(got, "m-dropped:4:overdue;m-past:0:overdue;");
}

/*
 * 3. The reminder: the report about a year is due on 31 March after it, so on 1 March
 * (30 days before) every measure whose schedule covers the year and has no status dated
 * in it is reminded, to its responsible (not its monitoring body) and the routes (m-dropped
 * has no status at all: overdue on 1.7.2027, reminded about 2027). The
 * plan came on 4.1.2027, before the reminder about 2026 (1.3.2027): m-long and m-past
 * (m-early and m-done start in 2027). About 2027 (1.3.2028): m-long only (m-early and
 * m-done have statuses of 2027; m-past ended in 2026). About 2028 (1.3.2029): m-long,
 * the last, since the plan's period ends in 2028 (its schedule too: overdue on 1.1.2029).
 */
static void
test_reminder(void **state)
{
	struct daemon_fixture *f = *state;

	assert_int_equal(status(f->c, "m-early", STARTED, NULL, NULL).code, OK);
	set_clock(f->c, "2027-03-01T09:00:00+02:00");
	assert_int_equal(status(f->c, "m-done", DONE, NULL, NULL).code, OK);
	set_clock(f->c, "2028-02-29T23:59:00+02:00");
	expect_alerts(f->c, "watch", 0, "MEASURE_REMINDER:m-long:2027-03-31:2026 "
					"MEASURE_REMINDER:m-past:2027-03-31:2026 "
					"MEASURE_OVERDUE:m-dropped:2027-06-30 "
					"MEASURE_OVERDUE:m-early:2027-06-30");
	set_clock(f->c, "2028-03-01T00:00:00+02:00");
	set_clock(f->c, "2029-03-01T00:00:00+02:00");
	expect_alerts(f->c, "watch", 0, "MEASURE_REMINDER:m-long:2027-03-31:2026 "
					"MEASURE_REMINDER:m-past:2027-03-31:2026 "
					"MEASURE_OVERDUE:m-dropped:2027-06-30 "
					"MEASURE_OVERDUE:m-early:2027-06-30 "
					"MEASURE_REMINDER:m-dropped:2028-03-31:2027 "
					"MEASURE_REMINDER:m-long:2028-03-31:2027 "
					"MEASURE_OVERDUE:m-long:2028-12-31 "
					"MEASURE_REMINDER:m-long:2029-03-31:2028");
	expect_alerts(f->c, "board", 0, "MEASURE_OVERDUE:m-early:2027-06-30");	/* no reminders */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_statuses, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_overdue, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_reminder, setup, daemon_fixture_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
