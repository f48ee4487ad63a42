/*
 * Integration tests of the plan's indicators (docs/indicators.md): a real lanud on the
 * manual clock, IndicatorUpdated sent as a statistics producer would, the series read
 * back with IndicatorQuery and the alerts replayed. A value is refused, naming the
 * field, when the plan cannot hold it; a threshold crossed on the bad side is told once
 * per crossing, with hysteresis, and RESOLVED when the value comes back margin clear; a
 * value worse N periods in a row is a trend, told once; a replaced value is kept as a
 * revision; a value for an older period judges nothing; a value that does not come by
 * its due day is INDICATOR_STALE once per period, by cadence (yearly by 31 March,
 * monthly, biennial from its first year), over a restart, and never for periods that
 * were due before the plan came into force; a compliance indicator's monthly share is
 * in the same series, and so is the share of pupils on an absence ladder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <signal.h>
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
	"plan: {id: indicator-test, organiser: Test, title: Indicator test plan,\n" \
	"       period: 2026-2031}\n" \
	"areas:\n" \
	"  - id: town\n" \
	"    name: Town\n" \
	"    kind: municipality\n" \
	"    areas:\n" \
	"      - {id: north, name: {fi: Pohjoinen, en: North}, kind: unit}\n" \
	"      - {id: south, name: South, kind: unit}\n" \
	"recipients:\n" \
	"  - {id: board, name: Board, kind: board}\n" \
	"  - {id: stats, name: Statistics, kind: group}\n" \
	"  - {id: wait-desk, name: Waiting desk, kind: group}\n" \
	"services:\n" \
	"  - {id: sw, name: School social worker, limits: {normal: 7 working days}}\n"

#define PLAN_INDICATORS \
	"indicators:\n" \
	"  - id: wellbeing\n" \
	"    name: {fi: Hyvinvointi, sv: V\xc3\xa4lm\xc3\xa5""ende, en: Wellbeing}\n" \
	"    unit: percent\n" \
	"    direction: higher-is-better\n" \
	"    target: 80\n" \
	"    warning: 70\n" \
	"    critical: 60\n" \
	"    hysteresis: 3\n" \
	"    trend: 2\n" \
	"    cadence: yearly\n" \
	"    breakdown: [area, language-group]\n" \
	"  - id: waiting\n" \
	"    name: Children waiting\n" \
	"    unit: count\n" \
	"    direction: lower-is-better\n" \
	"    target: 10\n" \
	"    warning: 20\n" \
	"    cadence: monthly\n" \
	"  - id: survey\n" \
	"    name: School health survey\n" \
	"    unit: percent\n" \
	"    direction: tracked\n" \
	"    cadence: biennial\n" \
	"    first: 2027\n" \
	"  - id: sw-in-time\n" \
	"    name: Social worker in time\n" \
	"    unit: percent\n" \
	"    direction: higher-is-better\n" \
	"    target: 90\n" \
	"    cadence: continuous\n" \
	"    source: {kind: compliance, service: sw}\n"

#define PLAN_ROUTES \
	"routes:\n" \
	"  - {kinds: [indicator-threshold, indicator-trend, resolved], to: board}\n" \
	"  - {kinds: indicator-stale, to: stats}\n"

static const char plan[] = PLAN_HEAD PLAN_INDICATORS PLAN_ROUTES
	"  - {kinds: indicator-stale, indicators: waiting, to: wait-desk}\n";
static const char plan_bare[] = PLAN_HEAD PLAN_ROUTES;	/* no indicators yet */

/* A ladder and an indicator counted from it: the share of pupils at level 1. */
static const char plan_absences[] =
	"lanu-plan: 1\n"
	"plan: {id: indicator-absences, organiser: Test, title: Absences as an indicator,\n"
	"       period: 2027-2030}\n"
	"areas:\n"
	"  - id: town\n"
	"    name: Town\n"
	"    kind: municipality\n"
	"    areas:\n"
	"      - {id: north, name: North, kind: unit,\n"
	"         areas: [{id: school-n, name: North school, kind: school}]}\n"
	"      - {id: south, name: South, kind: unit,\n"
	"         areas: [{id: school-s, name: South school, kind: school}]}\n"
	"recipients: [{id: board, name: Board, kind: board}]\n"
	"calendars:\n"
	"  - {id: school, name: School year, terms: [2027-08-10..2027-12-20]}\n"
	"absences:\n"
	"  - id: town-basic\n"
	"    provider: Town\n"
	"    areas: town\n"
	"    period: term\n"
	"    calendar: school\n"
	"    levels: [{hours: 30, action: Contact the guardian}]\n"
	"indicators:\n"
	"  - id: absent-30h\n"
	"    name: Pupils absent 30 hours or more\n"
	"    unit: percent\n"
	"    direction: lower-is-better\n"
	"    target: 5\n"
	"    warning: 10\n"
	"    critical: 20\n"
	"    cadence: termly\n"
	"    breakdown: [area]\n"
	"    source: {kind: absences, ladder: town-basic, level: 1}\n"
	"routes: [{kinds: indicator-threshold, to: board}]\n";

static int
setup(void **state)
{
	return daemon_fixture_up(state, DAEMON_MANUAL_CLOCK, plan);
}

static int
setup_absences(void **state)
{
	return daemon_fixture_up(state, DAEMON_MANUAL_CLOCK, plan_absences);
}

static int
setup_bare(void **state)
{
	return daemon_fixture_up(state, DAEMON_MANUAL_CLOCK, plan_bare);
}

static void
set_clock(struct client *c, const char *iso)
{
	assert_int_equal(daemon_clock_set(c, iso_ms(iso)), OK);
}

/* IndicatorUpdated for ind, period, value; area and language may be NULL. */
static struct daemon_answer
update(struct client *c, const char *ind, const char *period, double value, const char *area,
       const char *language)
{
	static unsigned n;
	Lanu__V1__IndicatorUpdated m = LANU__V1__INDICATOR_UPDATED__INIT;
	Lanu__V1__IndicatorUpdated__BreakdownEntry lang =
		LANU__V1__INDICATOR_UPDATED__BREAKDOWN_ENTRY__INIT;
	Lanu__V1__IndicatorUpdated__BreakdownEntry *bd[] = { &lang };
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	char id[32];

	snprintf(id, sizeof(id), "ind-%u", ++n);
	m.indicator = (char *)ind;
	m.period = (char *)period;
	m.value = value;
	m.area = (char *)(area ? area : "");
	if (language) {
		lang.key = (char *)"language";
		lang.value = (char *)language;
		m.breakdown = bd;
		m.n_breakdown = 1;
	}
	m.provider = (char *)"THL";
	ev.event_id = id;
	ev.producer = (char *)"thl";
	ev.occurred_at_ms = 1;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED;
	ev.indicator_updated = &m;
	return daemon_send(c, &ev);
}

static void
ok(struct client *c, const char *ind, const char *period, double value, const char *area)
{
	struct daemon_answer a = update(c, ind, period, value, area, NULL);

	if (a.code != OK)
		fail_msg("%s %s = %g refused: %s (%s)", ind, period, value, a.reason, a.field);
}

static void
refused(struct client *c, const char *ind, const char *period, double value, const char *area,
	const char *language, const char *field, const char *reason)
{
	struct daemon_answer a = update(c, ind, period, value, area, language);

	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, field);
	if (!strstr(a.reason, reason))
		fail_msg("reason '%s' does not say '%s'", a.reason, reason);
}

/* rcpt's alerts after seq `after` as "KIND:group:period:value" (trend: "xN"), one per
 * alert; stale ones "STALE:period:due". */
static void
alerts(struct client *c, const char *rcpt, char *out, size_t len)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, rcpt, 0, &v, 1000), used = 0;

	*out = '\0';
	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__AlertFacts *f = v[i]->facts;

		assert_non_null(f);
		if (v[i]->kind == LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_STALE)
			used += (size_t)snprintf(out + used, len - used, "%sSTALE:%s:%s:%s",
						 used ? " " : "", v[i]->indicator, f->period,
						 f->due_day);
		else
			used += (size_t)snprintf(out + used, len - used, "%s%s:%s:%s:%g%s",
						 used ? " " : "", daemon_kind_name(v[i]->kind),
						 *f->group ? f->group : "all", f->period, f->value,
						 f->periods ? "x" : "");
	}
	daemon_alerts_free(v, n);
}

static void
expect_alerts(struct client *c, const char *rcpt, const char *want)
{
	char got[2048];

	alerts(c, rcpt, got, sizeof(got));
	assert_string_equal(got, want);
}

/* The series of ind grouped by `by` as "group:period=value[rN];" per row. */
static int
series(struct client *c, const char *ind, const char *by, bool revisions, char *out, size_t len)
{
	Lanu__V1__IndicatorQuery q = LANU__V1__INDICATOR_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	char *v[4], buf[64];
	size_t used = 0;
	int code;

	snprintf(buf, sizeof(buf), "%s", by);
	q.by = v;
	for (char *s = buf, *item; *by && (item = strsep(&s, ","));)
		v[q.n_by++] = item;
	q.indicator = (char *)ind;
	q.revisions = revisions;
	req.body_case = LANU__V1__REQUEST__BODY_INDICATORS;
	req.indicators = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	code = rep->code;
	*out = '\0';
	for (size_t i = 0; rep->indicators && i < rep->indicators->n_rows; i++) {
		const Lanu__V1__IndicatorRow *r = rep->indicators->rows[i];

		used += (size_t)snprintf(out + used, len - used, "%s:%s=%g", *r->value->group ?
					 r->value->group : "all", r->value->period, r->value->value);
		if (r->value->revision)
			used += (size_t)snprintf(out + used, len - used, "r%" PRIu32,
						 r->value->revision);
		for (size_t j = 0; j < r->n_replaced; j++)
			used += (size_t)snprintf(out + used, len - used, "(was %g)",
						 r->replaced[j]->value);
		used += (size_t)snprintf(out + used, len - used, ";");
	}
	if (code != OK)
		snprintf(out, len, "%s", rep->field);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return code;
}

/* 1. What the plan cannot hold is refused, naming the field, and stores nothing. */
static void
test_refusals(void **state)
{
	struct daemon_fixture *f = *state;
	char got[256];

	set_clock(f->c, "2027-01-10T12:00:00+02:00");
	refused(f->c, "nope", "2026", 50, NULL, NULL, "event.indicator_updated.indicator",
		"'nope' is not an indicator of the plan in force");
	refused(f->c, "sw-in-time", "2026", 50, NULL, NULL, "event.indicator_updated.indicator",
		"computed by lanud");
	refused(f->c, "wellbeing", "2026-03", 50, NULL, NULL, "event.indicator_updated.period",
		"'2026-03' is not a period of indicator 'wellbeing'");
	refused(f->c, "waiting", "2026", 5, NULL, NULL, "event.indicator_updated.period",
		"is not a period");
	refused(f->c, "wellbeing", "2026", 100.5, NULL, NULL, "event.indicator_updated.value",
		"outside 0-100");
	refused(f->c, "wellbeing", "2026", 50, "west", NULL, "event.indicator_updated.area",
		"'west' is not an area of the plan in force");
	refused(f->c, "waiting", "2026-11", 5, "north", NULL, "event.indicator_updated.area",
		"indicator 'waiting' is not broken down by area (its breakdown: none)");
	refused(f->c, "waiting", "2026-11", 5, NULL, "sv", "event.indicator_updated.breakdown",
		"not broken down by language");
	assert_int_equal(series(f->c, "", "", false, got, sizeof(got)), OK);
	assert_string_equal(got, "");
	expect_alerts(f->c, "board", "");
}

/*
 * 2. Thresholds, one group at a time: 75 (fine), 65 (warning: told), 62 (still
 * warning: nothing), 58 (critical: told), 61 (within the margin of 3 of critical 60:
 * still critical), 72 (clear of critical, within the margin of warning 70: warning,
 * quietly), 74 (margin clear: RESOLVED). North's own group is judged apart from the
 * whole. Years 2026..2032 in order.
 */
static void
test_thresholds_and_hysteresis(void **state)
{
	struct daemon_fixture *f = *state;
	static const struct { const char *period; double v; } whole[] = {
		{ "2026", 75 }, { "2027", 65 }, { "2028", 62 }, { "2029", 58 },
		{ "2030", 61 }, { "2031", 72 },
	};

	set_clock(f->c, "2027-01-10T12:00:00+02:00");
	for (size_t i = 0; i < ELEMENTSOF(whole); i++)
		ok(f->c, "wellbeing", whole[i].period, whole[i].v, NULL);
	ok(f->c, "wellbeing", "2026", 59, "north");
	/* 75, 65, 62 and 65, 62, 58 are also trends: worse twice in a row */
	expect_alerts(f->c, "board", "INDICATOR_THRESHOLD:all:2027:65 "
				     "INDICATOR_TREND:all:2028:62x "
				     "INDICATOR_THRESHOLD:all:2029:58 "
				     "INDICATOR_TREND:all:2029:58x "
				     "INDICATOR_THRESHOLD:area=north:2026:59");
	ok(f->c, "wellbeing", "2032", 74, NULL);	/* beyond the plan's years: still a value */
	expect_alerts(f->c, "board", "INDICATOR_THRESHOLD:all:2027:65 "
				     "INDICATOR_TREND:all:2028:62x "
				     "INDICATOR_THRESHOLD:all:2029:58 "
				     "INDICATOR_TREND:all:2029:58x "
				     "INDICATOR_THRESHOLD:area=north:2026:59 "
				     "RESOLVED:all:2032:74");
}

/*
 * 3. Trend (2 worse periods in a row) and the order of periods: 90, 88, 85 (worse
 * twice: told once, for 2028); a value for an older period (2025) is stored and judges
 * nothing; a replacement of the latest (2028 = 86) is a revision, and still the second
 * worse period in a row, so no second trend alert for 2028.
 */
static void
test_trend_revisions_and_order(void **state)
{
	struct daemon_fixture *f = *state;
	char got[512];

	set_clock(f->c, "2027-01-10T12:00:00+02:00");
	ok(f->c, "wellbeing", "2026", 90, NULL);
	ok(f->c, "wellbeing", "2027", 88, NULL);
	expect_alerts(f->c, "board", "");
	ok(f->c, "wellbeing", "2028", 85, NULL);
	expect_alerts(f->c, "board", "INDICATOR_TREND:all:2028:85x");
	ok(f->c, "wellbeing", "2025", 10, NULL);	/* older: no threshold alert */
	ok(f->c, "wellbeing", "2028", 86, NULL);
	expect_alerts(f->c, "board", "INDICATOR_TREND:all:2028:85x");
	assert_int_equal(series(f->c, "wellbeing", "", true, got, sizeof(got)), OK);
	assert_string_equal(got, "all:2025=10;all:2026=90;all:2027=88;all:2028=86r1(was 85);");
	/* groups by their dimensions: only north's and south's with --by area */
	ok(f->c, "wellbeing", "2026", 81, "north");
	ok(f->c, "wellbeing", "2026", 82, "south");
	assert_int_equal(update(f->c, "wellbeing", "2026", 83, "south", "sv").code, OK);
	assert_int_equal(series(f->c, "wellbeing", "area", false, got, sizeof(got)), OK);
	assert_string_equal(got, "area=north:2026=81;area=south:2026=82;");
	assert_int_equal(series(f->c, "wellbeing", "language,area", false, got, sizeof(got)), OK);
	assert_string_equal(got, "area=south,language=sv:2026=83;");
	assert_int_equal(series(f->c, "wellbeing", "area,language-group", false, got,
				sizeof(got)), OK);	/* the plan's word */
	assert_string_equal(got, "area=south,language=sv:2026=83;");
	assert_int_equal(series(f->c, "nope", "", false, got, sizeof(got)), REJECTED);
	assert_string_equal(got, "indicators.indicator");
	assert_int_equal(series(f->c, "", "colour", false, got, sizeof(got)), REJECTED);
	assert_string_equal(got, "indicators.by");
}

/*
 * 4. Values that do not come. The plan comes into force on 10.1.2027: the yearly value
 * for 2026 is due by 31.3.2027 (nothing is said of 2025, due before the plan came);
 * the monthly count for 2026-12 by 31.1.2027 (a month after the month, by its last
 * day); the biennial survey from its first year, 2027, by 31.3.2028. A value for any
 * group of the period is enough; each period is told once, those due at one instant in
 * the order of their ids; the watches go on over a restart.
 */
static void
test_stale(void **state)
{
	struct daemon_fixture *f = *state;

	set_clock(f->c, "2027-01-10T12:00:00+02:00");
	assert_int_equal(daemon_write_plan_text(&f->d, plan), 0);
	assert_int_equal(daemon_reload(&f->d), 0);	/* in force from 10.1.2027 */
	ok(f->c, "waiting", "2026-12", 4, NULL);
	set_clock(f->c, "2027-01-31T23:59:00+02:00");
	expect_alerts(f->c, "stats", "");
	set_clock(f->c, "2027-03-01T00:00:00+02:00");	/* 2027-01 was due by 28.2 */
	expect_alerts(f->c, "stats", "STALE:waiting:2027-01:2027-02-28");
	ok(f->c, "wellbeing", "2026", 77, "north");	/* one group is enough */
	set_clock(f->c, "2027-04-01T00:00:00+03:00");
	expect_alerts(f->c, "stats", "STALE:waiting:2027-01:2027-02-28 "
				     "STALE:waiting:2027-02:2027-03-31");
	f->c = client_free(f->c);
	assert_int_equal(daemon_stop(&f->d, SIGTERM), 0);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	f->c = daemon_client(&f->d);
	set_clock(f->c, "2028-04-01T00:00:00+03:00");
	expect_alerts(f->c, "stats", "STALE:waiting:2027-01:2027-02-28 "
				     "STALE:waiting:2027-02:2027-03-31 "
				     "STALE:waiting:2027-03:2027-04-30 "
				     "STALE:waiting:2027-04:2027-05-31 "
				     "STALE:waiting:2027-05:2027-06-30 "
				     "STALE:waiting:2027-06:2027-07-31 "
				     "STALE:waiting:2027-07:2027-08-31 "
				     "STALE:waiting:2027-08:2027-09-30 "
				     "STALE:waiting:2027-09:2027-10-31 "
				     "STALE:waiting:2027-10:2027-11-30 "
				     "STALE:waiting:2027-11:2027-12-31 "
				     "STALE:waiting:2027-12:2028-01-31 "
				     "STALE:waiting:2028-01:2028-02-29 "
				     "STALE:survey:2027:2028-03-31 "
				     "STALE:waiting:2028-02:2028-03-31 "
				     "STALE:wellbeing:2027:2028-03-31");
	/* a route by indicator: the waiting desk hears of `waiting` alone */
	{
		char got[2048];

		alerts(f->c, "wait-desk", got, sizeof(got));
		assert_null(strstr(got, "wellbeing"));
		assert_null(strstr(got, "survey"));
		assert_non_null(strstr(got, "STALE:waiting:2028-02:2028-03-31"));
	}
}

/* 5. A compliance indicator's monthly share is in the series: one clock met. */
static void
test_compliance_in_the_series(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__ServiceRequested rq = LANU__V1__SERVICE_REQUESTED__INIT;
	Lanu__V1__ServiceProvided pv = LANU__V1__SERVICE_PROVIDED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	uint64_t t0 = iso_ms("2027-01-11T09:00:00+02:00");
	char got[256];

	set_clock(f->c, "2027-01-11T09:00:00+02:00");
	rq.case_id = (char *)"c-1";
	rq.service = (char *)"sw";
	rq.area = (char *)"north";
	rq.urgency = LANU__V1__URGENCY__URGENCY_NORMAL;
	rq.requested_at_ms = t0;
	ev.event_id = (char *)"req-1";
	ev.producer = (char *)"school";
	ev.occurred_at_ms = t0;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
	ev.service_requested = &rq;
	assert_int_equal(daemon_send_event(f->c, &ev, NULL), OK);
	pv.case_id = (char *)"c-1";
	pv.service = (char *)"sw";
	pv.area = (char *)"north";
	pv.provided_at_ms = t0 + 3600 * 1000;
	ev.event_id = (char *)"prov-1";
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED;
	ev.service_provided = &pv;
	assert_int_equal(daemon_send_event(f->c, &ev, NULL), OK);
	assert_int_equal(series(f->c, "sw-in-time", "", false, got, sizeof(got)), OK);
	assert_string_equal(got, "all:2027-01=100;");
}

/* Pupil's unauthorised hours in 2027-autumn at school, as of 14.9.2027. */
static void
absent(struct client *c, const char *pupil, const char *school, double hours)
{
	static unsigned n;
	Lanu__V1__AbsenceCountsReported m = LANU__V1__ABSENCE_COUNTS_REPORTED__INIT;
	Lanu__V1__AbsenceTally u = LANU__V1__ABSENCE_TALLY__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	char id[32];

	snprintf(id, sizeof(id), "abs-%u", ++n);
	m.pupil_id = (char *)pupil;
	m.school = (char *)school;
	m.grade = 7;
	m.period = (char *)"2027-autumn";
	m.as_of = (char *)"2027-09-14";
	m.lessons_held = 200;
	u.hours = hours;
	m.unauthorised = &u;
	ev.event_id = id;
	ev.producer = (char *)"wilma";
	ev.occurred_at_ms = 1;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED;
	ev.absence_counts_reported = &m;
	assert_int_equal(daemon_send_event(c, &ev, NULL), OK);
}

/*
 * 6. An indicator counted from a ladder: the share of the term's pupils at level 1 or
 * above, whole and by the school's area, moving as reports come and judged as they do.
 * Eight pupils in the north school, two in the south: one north pupil at 35 h is 10 %
 * of all (not past the warning line 10) and 12.5 % of the north (past it); a second is
 * 20 % of all (past warning, not critical) and 25 % of the north (critical).
 */
static void
test_absence_share(void **state)
{
	struct daemon_fixture *f = *state;
	char pupil[8], got[256];

	set_clock(f->c, "2027-09-15T12:00:00+03:00");
	for (int i = 1; i <= 10; i++) {
		snprintf(pupil, sizeof(pupil), "p%d", i);
		absent(f->c, pupil, i <= 8 ? "school-n" : "school-s", 5);
	}
	assert_int_equal(series(f->c, "absent-30h", "", false, got, sizeof(got)), OK);
	assert_string_equal(got, "all:2027-autumn=0;");
	absent(f->c, "p1", "school-n", 35);
	absent(f->c, "p2", "school-n", 36);
	assert_int_equal(series(f->c, "absent-30h", "area", false, got, sizeof(got)), OK);
	assert_string_equal(got, "area=north:2027-autumn=25;area=south:2027-autumn=0;");
	assert_int_equal(series(f->c, "absent-30h", "", false, got, sizeof(got)), OK);
	assert_string_equal(got, "all:2027-autumn=20;");
	expect_alerts(f->c, "board", "INDICATOR_THRESHOLD:area=north:2027-autumn:12.5 "
				     "INDICATOR_THRESHOLD:all:2027-autumn:20 "
				     "INDICATOR_THRESHOLD:area=north:2027-autumn:25");
	/* counted by lanud: not reported */
	assert_int_equal(update(f->c, "absent-30h", "2027-autumn", 1, NULL, NULL).code, REJECTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_thresholds_and_hysteresis, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_trend_revisions_and_order, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_stale, setup_bare, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_compliance_in_the_series, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_absence_share, setup_absences,
						daemon_fixture_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
