/*
 * Integration tests: school absences on a provider's ladder (docs/absences.md), through
 * a real lanud: once per level, jumps, corrections, late reports, a new period,
 * unauthorised-first, hours or share, counted classes, the refusals, and the words;
 * drop-out notices by age group; the figures and a pupil's places (AbsenceQuery).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "lanu/protocol.h"

#define OK LANU__V1__REPLY__CODE__OK
#define REJECTED LANU__V1__REPLY__CODE__REJECTED

/* The Vaasa model, 30 / 60 / 80 / 120 hours, for the town's schools; level 2 also at
 * 10 % of lessons, level 3 counting only unauthorised and unexplained absences. */
static const char plan[] =
	"lanu-plan: 1\n"
	"plan: {id: t, organiser: Town, title: Plan, period: 2022-2027}\n"
	"areas:\n"
	"  - id: town\n"
	"    name: Town\n"
	"    kind: municipality\n"
	"    outreach: youth-work\n"
	"    compulsory-education: supervisor\n"
	"    areas:\n"
	"      - {id: school-1, name: {fi: Kyl\xc3\xa4n koulu, en: Village school}, kind: school}\n"
	"      - {id: clinic, name: Clinic, kind: clinic}\n"
	"  - {id: other, name: Other, kind: municipality}\n"
	"recipients:\n"
	"  - {id: teachers, name: Class teachers, kind: group}\n"
	"  - {id: swg, name: Student welfare group, kind: group}\n"
	"  - {id: board, name: Board, kind: board}\n"
	"  - {id: youth-work, name: {fi: Etsiv\xc3\xa4 nuorisoty\xc3\xb6, en: Outreach youth work},\n"
	"     kind: team}\n"
	"  - {id: supervisor, name: Compulsory-education supervisor, kind: supervisor}\n"
	"calendars:\n"
	"  - id: school\n"
	"    name: School year\n"
	"    terms: [2025-08-07..2025-12-20, 2026-01-07..2026-05-30]\n"
	"absences:\n"
	"  - id: town-basic\n"
	"    provider: {fi: Kaupungin perusopetus, en: The town's basic education}\n"
	"    areas: town\n"
	"    period: term\n"
	"    calendar: school\n"
	"    unauthorised-first: true\n"
	"    levels:\n"
	"      - {hours: 30, action: {fi: Huoltajaan yhteys, en: Contact the guardian},\n"
	"         to: teachers}\n"
	"      - {hours: 60, share: 10, action: {fi: Oppilashuolto, en: Student welfare},\n"
	"         to: swg}\n"
	"      - {hours: 80, counts: [unauthorised, unexplained], action: {en: Multi-professional group},\n"
	"         to: swg}\n"
	"      - {hours: 120, severity: critical, action: {en: Consider a child welfare notification}}\n"
	"routes:\n"
	"  - {kinds: absence-level, to: board}\n"
	"  - {kinds: drop-out, areas: other, to: board}\n";

static int
setup(void **state)
{
	return daemon_fixture_up(state, DAEMON_MANUAL_CLOCK, plan);
}

/* One report's values; the rest default (school-1, grade 7, 2025-autumn). */
struct counts {
	const char *pupil;
	const char *school;
	const char *period;
	const char *as_of;
	unsigned grade;
	unsigned held;
	double auth_h, unauth_h, unexpl_h;
	unsigned auth_l, unauth_l, unexpl_l;
};

static struct daemon_answer
report(struct client *c, struct counts k)
{
	static unsigned n;
	Lanu__V1__AbsenceCountsReported m = LANU__V1__ABSENCE_COUNTS_REPORTED__INIT;
	Lanu__V1__AbsenceTally a = LANU__V1__ABSENCE_TALLY__INIT;
	Lanu__V1__AbsenceTally u = LANU__V1__ABSENCE_TALLY__INIT;
	Lanu__V1__AbsenceTally x = LANU__V1__ABSENCE_TALLY__INIT;
	Lanu__V1__Envelope env = LANU__V1__ENVELOPE__INIT;
	char id[32];

	snprintf(id, sizeof(id), "abs-%u", ++n);
	env.event_id = id;
	env.producer = (char *)"wilma";
	env.occurred_at_ms = 1;
	env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED;
	env.absence_counts_reported = &m;
	m.pupil_id = (char *)k.pupil;
	m.school = (char *)(k.school ? k.school : "school-1");
	m.grade = k.grade ? k.grade : 7;
	m.period = (char *)(k.period ? k.period : "2025-autumn");
	m.as_of = (char *)k.as_of;
	m.lessons_held = k.held ? k.held : 1000;
	a.hours = k.auth_h;
	a.lessons = k.auth_l;
	u.hours = k.unauth_h;
	u.lessons = k.unauth_l;
	x.hours = k.unexpl_h;
	x.lessons = k.unexpl_l;
	m.authorised = &a;
	m.unauthorised = &u;
	m.unexplained = &x;
	return daemon_send(c, &env);
}

/* The ABSENCE_LEVEL alerts for pupil, as "level[*]" ("*": passed at once), in order. */
static void
levels_of(struct client *c, const char *pupil, char *out, size_t len)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, "board", 0, &v, 64), used = 0;
	char subject[64];

	snprintf(subject, sizeof(subject), "pupil:%s", pupil);
	*out = '\0';
	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__Alert *a = v[i];

		if (a->kind != LANU__V1__ALERT_KIND__ALERT_KIND_ABSENCE_LEVEL ||
		    strcmp(a->subject, subject) != 0)
			continue;
		assert_non_null(a->facts);
		used += (size_t)snprintf(out + used, len - used, "%s%u%s", used ? " " : "",
					 a->facts->level, a->facts->at_once ? "*" : "");
	}
	daemon_alerts_free(v, n);
}

static void
expect_levels(struct client *c, const char *pupil, const char *want)
{
	char got[256];

	levels_of(c, pupil, got, sizeof(got));
	assert_string_equal(got, want);
}

static void
test_once_per_level_in_order(void **state)
{
	struct daemon_fixture *f = *state;

	assert_int_equal(report(f->c, (struct counts){ .pupil = "p1", .as_of = "2025-09-01",
						       .auth_h = 10 }).code, OK);
	expect_levels(f->c, "p1", "");
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p1", .as_of = "2025-09-15",
						       .auth_h = 30 }).code, OK);
	expect_levels(f->c, "p1", "1");
	/* the same level again: no second alert */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p1", .as_of = "2025-09-20",
						       .auth_h = 45 }).code, OK);
	expect_levels(f->c, "p1", "1");
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p1", .as_of = "2025-10-01",
						       .auth_h = 61 }).code, OK);
	expect_levels(f->c, "p1", "1 2");
}

static void
test_jump_raises_the_levels_passed(void **state)
{
	struct daemon_fixture *f = *state;

	/* 125 h: levels 1 and 2 by hours, 3 by the unauthorised and unexplained 85 h, 4 */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p2", .as_of = "2025-11-01",
						       .auth_h = 40, .unauth_h = 50,
						       .unexpl_h = 35 }).code, OK);
	expect_levels(f->c, "p2", "1* 2* 3* 4");
}

static void
test_correction_lowers_nothing(void **state)
{
	struct daemon_fixture *f = *state;

	assert_int_equal(report(f->c, (struct counts){ .pupil = "p3", .as_of = "2025-10-01",
						       .auth_h = 65 }).code, OK);
	expect_levels(f->c, "p3", "1* 2");
	/* corrected down, then back up: nothing new until a level not yet raised */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p3", .as_of = "2025-10-02",
						       .auth_h = 20 }).code, OK);
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p3", .as_of = "2025-10-03",
						       .auth_h = 62 }).code, OK);
	expect_levels(f->c, "p3", "1* 2");
}

static void
test_late_report_changes_nothing(void **state)
{
	struct daemon_fixture *f = *state;

	assert_int_equal(report(f->c, (struct counts){ .pupil = "p4", .as_of = "2025-10-10",
						       .auth_h = 5 }).code, OK);
	/* as of an earlier day: accepted, changes nothing */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p4", .as_of = "2025-10-01",
						       .auth_h = 70 }).code, OK);
	expect_levels(f->c, "p4", "");
	/* the same day as the stored one replaces it */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p4", .as_of = "2025-10-10",
						       .auth_h = 31 }).code, OK);
	expect_levels(f->c, "p4", "1");
}

static void
test_new_period_new_ladder(void **state)
{
	struct daemon_fixture *f = *state;

	assert_int_equal(report(f->c, (struct counts){ .pupil = "p5", .as_of = "2025-12-01",
						       .auth_h = 35 }).code, OK);
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p5", .period = "2026-spring",
						       .as_of = "2026-02-01",
						       .auth_h = 31 }).code, OK);
	expect_levels(f->c, "p5", "1 1");
}

static void
test_unauthorised_first_and_share(void **state)
{
	struct daemon_fixture *f = *state;

	/* one unauthorised lesson: level 1 at once, whatever the hours */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p6", .as_of = "2025-09-01",
						       .unauth_h = 1, .unauth_l = 1 }).code, OK);
	expect_levels(f->c, "p6", "1");
	/* 10 % of the lessons held reaches level 2 with few hours */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p6", .as_of = "2025-09-10",
						       .held = 200, .auth_h = 15,
						       .auth_l = 20 }).code, OK);
	expect_levels(f->c, "p6", "1 2");
	/* level 3 counts only unauthorised and unexplained: 90 authorised hours do not */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "p7", .as_of = "2025-09-10",
						       .auth_h = 90 }).code, OK);
	expect_levels(f->c, "p7", "1* 2");
}

static void
test_words_and_recipients(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__Alert **v;
	size_t n;

	assert_int_equal(report(f->c, (struct counts){ .pupil = "p8", .as_of = "2025-09-05",
						       .grade = 9, .auth_h = 31 }).code, OK);
	n = daemon_replay_alerts(f->c, "teachers", 0, &v, 64);
	assert_true(n >= 1);
	{
		const Lanu__V1__Alert *a = v[n - 1];

		assert_string_equal(a->subject, "pupil:p8");
		assert_string_equal(a->area, "school-1");
		assert_int_equal(a->severity, LANU__V1__SEVERITY__SEVERITY_WARNING);
		assert_int_equal(a->n_recipients, 2);	/* the route's and the level's own */
		assert_non_null(a->text);
		assert_non_null(strstr(a->text->fi, "Kyl\xc3\xa4n koulu"));
		assert_non_null(strstr(a->text->fi, "Huoltajaan yhteys"));
		assert_non_null(strstr(a->text->en, "pupil p8, grade 9, Village school; 31.0 h"));
		assert_non_null(strstr(a->text->en, "Action: Contact the guardian"));
	}
	daemon_alerts_free(v, n);
}

static void
test_refusals(void **state)
{
	struct daemon_fixture *f = *state;
	struct daemon_answer a;

	a = report(f->c, (struct counts){ .pupil = "p9", .school = "other", .as_of = "2025-09-01" });
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.absence_counts_reported.school");
	assert_non_null(strstr(a.reason, "no absence ladder"));
	a = report(f->c, (struct counts){ .pupil = "p9", .school = "nowhere",
					  .as_of = "2025-09-01" });
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.absence_counts_reported.school");
	a = report(f->c, (struct counts){ .pupil = "p9", .period = "2025-winter",
					  .as_of = "2025-09-01" });
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.absence_counts_reported.period");
	assert_non_null(strstr(a.reason, "2025-autumn, 2026-spring"));
	a = report(f->c, (struct counts){ .pupil = "p9", .as_of = "2025-13-01" });
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.absence_counts_reported.as_of");
	a = report(f->c, (struct counts){ .pupil = "p9", .as_of = "2025-08-01" });
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.absence_counts_reported.as_of");
	a = report(f->c, (struct counts){ .pupil = "p9", .as_of = "2025-09-01", .grade = 14 });
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.absence_counts_reported.grade");
	a = report(f->c, (struct counts){ .pupil = "p9", .as_of = "2025-09-01", .held = 10,
					  .auth_l = 11 });
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.absence_counts_reported.lessons_held");
	a = report(f->c, (struct counts){ .pupil = "p9", .as_of = "2025-09-01", .auth_h = -1 });
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.absence_counts_reported.authorised.hours");
	expect_levels(f->c, "p9", "");
}

static struct daemon_answer
level(struct client *c, const char *pupil, const char *school, unsigned n, const char *term)
{
	static unsigned k;
	Lanu__V1__AbsenceAlertRaised m = LANU__V1__ABSENCE_ALERT_RAISED__INIT;
	Lanu__V1__Envelope env = LANU__V1__ENVELOPE__INIT;
	char id[32];

	snprintf(id, sizeof(id), "lvl-%u", ++k);
	env.event_id = id;
	env.producer = (char *)"primus";
	env.occurred_at_ms = 1;
	env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED;
	env.absence_alert_raised = &m;
	m.pupil_id = (char *)pupil;
	m.school = (char *)school;
	m.level = n;
	m.term = (char *)term;
	m.absent_hours = 70;
	m.absent_share = 0.05;
	return daemon_send(c, &env);
}

/* A school system that works out levels itself: the levels up to the one it names,
 * once each; the counts path and the level path share the pupil's place. */
static void
test_level_from_the_school_system(void **state)
{
	struct daemon_fixture *f = *state;

	assert_int_equal(level(f->c, "q1", "school-1", 2, "2025-autumn").code, OK);
	expect_levels(f->c, "q1", "1* 2");
	assert_int_equal(level(f->c, "q1", "school-1", 2, "2025-autumn").code, OK);
	assert_int_equal(level(f->c, "q1", "school-1", 1, "2025-autumn").code, OK);
	expect_levels(f->c, "q1", "1* 2");
	/* counts that reach level 3 then raise only level 3 */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "q1", .as_of = "2025-11-01",
						       .unauth_h = 85 }).code, OK);
	expect_levels(f->c, "q1", "1* 2 3");
	/* refusals name the field; a school no ladder covers is stored, as before */
	assert_string_equal(level(f->c, "q2", "school-1", 5, "2025-autumn").field,
			    "event.absence_alert_raised.level");
	assert_string_equal(level(f->c, "q2", "school-1", 1, "").field,
			    "event.absence_alert_raised.term");
	assert_string_equal(level(f->c, "q2", "school-1", 1, "2024-autumn").field,
			    "event.absence_alert_raised.term");
	assert_int_equal(level(f->c, "q2", "other", 1, "2025-autumn").code, OK);
	assert_int_equal(level(f->c, "q2", "nowhere", 1, "any").code, OK);
	expect_levels(f->c, "q2", "");
}

static struct daemon_answer
drop_out(struct client *c, const char *pupil, const char *home, Lanu__V1__AgeGroup age,
	 const char *day)
{
	static unsigned k;
	Lanu__V1__DropOutReported m = LANU__V1__DROP_OUT_REPORTED__INIT;
	Lanu__V1__Envelope env = LANU__V1__ENVELOPE__INIT;
	char id[32];

	snprintf(id, sizeof(id), "out-%u", ++k);
	env.event_id = id;
	env.producer = (char *)"lyceum";
	env.occurred_at_ms = 1;
	env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DROP_OUT_REPORTED;
	env.drop_out_reported = &m;
	m.pupil_id = (char *)pupil;
	m.provider = (char *)"school-1";
	m.home_area = (char *)home;
	m.age_group = age;
	m.reason = LANU__V1__DROP_OUT_REASON__DROP_OUT_REASON_DEEMED_RESIGNED;
	m.day = (char *)day;
	return daemon_send(c, &env);
}

/* The subjects of recipient's DROP_OUT alerts, space-separated, in order. */
static void
expect_drop_outs(struct client *c, const char *recipient, const char *want)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, recipient, 0, &v, 64), used = 0;
	char got[256] = "";

	for (size_t i = 0; i < n; i++)
		if (v[i]->kind == LANU__V1__ALERT_KIND__ALERT_KIND_DROP_OUT)
			used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
						 used ? " " : "", v[i]->subject);
	daemon_alerts_free(v, n);
	assert_string_equal(got, want);
}

/* Under 18: outreach youth work and the compulsory-education supervisor of the home
 * area (here inherited from the municipality); 18-24: outreach only; 25 and over:
 * stored, nobody told; an area that names neither: the drop-out routes only. */
static void
test_drop_out_notices_by_age(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__Alert **v;
	size_t n;
	struct daemon_answer a;

	assert_int_equal(drop_out(f->c, "s1", "school-1", LANU__V1__AGE_GROUP__AGE_GROUP_UNDER_18,
				  "2025-10-03").code, OK);
	assert_int_equal(drop_out(f->c, "s2", "town", LANU__V1__AGE_GROUP__AGE_GROUP_18_TO_24,
				  "2025-10-03").code, OK);
	assert_int_equal(drop_out(f->c, "s3", "town", LANU__V1__AGE_GROUP__AGE_GROUP_25_AND_OVER,
				  "2025-10-03").code, OK);
	assert_int_equal(drop_out(f->c, "s4", "other", LANU__V1__AGE_GROUP__AGE_GROUP_UNDER_18,
				  "2025-10-04").code, OK);
	expect_drop_outs(f->c, "youth-work", "pupil:s1 pupil:s2");
	expect_drop_outs(f->c, "supervisor", "pupil:s1");
	expect_drop_outs(f->c, "board", "pupil:s4");

	n = daemon_replay_alerts(f->c, "youth-work", 0, &v, 64);
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->area, "school-1");
	assert_int_equal(v[0]->severity, LANU__V1__SEVERITY__SEVERITY_WARNING);
	assert_non_null(v[0]->text);
	assert_non_null(strstr(v[0]->text->en, "student s1 (under 18), home area Village school; "
					       "deemed to have resigned on 2025-10-03, "
					       "Village school."));
	assert_non_null(strstr(v[0]->text->fi, "opiskelija s1 (alle 18 v)"));
	daemon_alerts_free(v, n);

	a = drop_out(f->c, "s5", "nowhere", LANU__V1__AGE_GROUP__AGE_GROUP_UNDER_18, "2025-10-03");
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.drop_out_reported.home_area");
	a = drop_out(f->c, "s5", "town", LANU__V1__AGE_GROUP__AGE_GROUP_UNDER_18, "2025-02-30");
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.drop_out_reported.day");
	a = drop_out(f->c, "s5", "town", LANU__V1__AGE_GROUP__AGE_GROUP_UNSPECIFIED, "2025-02-03");
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.drop_out_reported.age_group");
	expect_drop_outs(f->c, "youth-work", "pupil:s1 pupil:s2");
}

/* Asks for the figures of 2025-autumn grouped by, as "school/grade:pupils:at0,at1,...;"
 * per row (with period_or_pupil "pupil:P", that pupil's places as "period:level;"). */
static int
figures(struct client *c, const char *by, const char *period_or_pupil, char *out, size_t len)
{
	Lanu__V1__AbsenceQuery q = LANU__V1__ABSENCE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	char *v[4], buf[64];
	size_t used = 0;
	int code;

	snprintf(buf, sizeof(buf), "%s", by);
	q.by = v;
	for (char *s = buf, *item; *by && (item = strsep(&s, ","));)
		v[q.n_by++] = item;
	if (strncmp(period_or_pupil, "pupil:", 6) == 0)
		q.pupil_id = (char *)period_or_pupil + 6;
	else
		q.period = (char *)period_or_pupil;
	req.body_case = LANU__V1__REQUEST__BODY_ABSENCES;
	req.absences = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	code = rep->code;
	*out = '\0';
	for (size_t i = 0; rep->absences && i < rep->absences->n_rows; i++) {
		const Lanu__V1__AbsenceFigures *f = rep->absences->rows[i];

		used += (size_t)snprintf(out + used, len - used, "%s/%u:%" PRIu64 ":", f->school,
					 f->grade, f->pupils);
		for (size_t j = 0; j < f->n_at_level; j++)
			used += (size_t)snprintf(out + used, len - used, "%s%" PRIu64, j ? "," : "",
						 f->at_level[j]);
		used += (size_t)snprintf(out + used, len - used, ":%.1f;", f->share);
	}
	for (size_t i = 0; rep->absences && i < rep->absences->n_pupil; i++)
		used += (size_t)snprintf(out + used, len - used, "%s:%u;",
					 rep->absences->pupil[i]->period,
					 rep->absences->pupil[i]->level);
	if (code != OK)
		snprintf(out, len, "%s", rep->field);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return code;
}

static void
test_figures_and_a_pupils_places(void **state)
{
	struct daemon_fixture *f = *state;
	char got[512];

	assert_int_equal(report(f->c, (struct counts){ .pupil = "f1", .as_of = "2025-09-01",
						       .held = 100, .auth_h = 31,
						       .auth_l = 5 }).code, OK);
	assert_int_equal(report(f->c, (struct counts){ .pupil = "f2", .as_of = "2025-09-01",
						       .grade = 8, .held = 100, .auth_h = 65,
						       .auth_l = 10 }).code, OK);
	assert_int_equal(report(f->c, (struct counts){ .pupil = "f3", .as_of = "2025-09-01",
						       .held = 100, .auth_h = 4,
						       .auth_l = 1 }).code, OK);
	assert_int_equal(report(f->c, (struct counts){ .pupil = "f3", .period = "2026-spring",
						       .as_of = "2026-02-01", .held = 100 }).code,
			 OK);
	assert_int_equal(figures(f->c, "school,grade", "2025-autumn", got, sizeof(got)), OK);
	assert_string_equal(got, "school-1/7:2:1,1:3.0;school-1/8:1:0,0,1:10.0;");
	assert_int_equal(figures(f->c, "", "2025-autumn", got, sizeof(got)), OK);
	assert_string_equal(got, "/0:3:1,1,1:5.3;");

	/* f2 was in grade 7 after all, and a later report says so: the figures follow */
	assert_int_equal(report(f->c, (struct counts){ .pupil = "f2", .as_of = "2025-09-02",
						       .grade = 7, .held = 110, .auth_h = 66,
						       .auth_l = 11 }).code, OK);
	assert_int_equal(figures(f->c, "grade", "2025-autumn", got, sizeof(got)), OK);
	assert_string_equal(got, "/7:3:1,1,1:5.5;");
	assert_int_equal(figures(f->c, "", "2026-spring", got, sizeof(got)), OK);
	assert_string_equal(got, "/0:1:1:0.0;");

	assert_int_equal(figures(f->c, "", "pupil:f3", got, sizeof(got)), OK);
	assert_string_equal(got, "2025-autumn:0;2026-spring:0;");
	assert_int_equal(figures(f->c, "", "pupil:f2", got, sizeof(got)), OK);
	assert_string_equal(got, "2025-autumn:2;");
	assert_int_equal(figures(f->c, "", "pupil:nobody", got, sizeof(got)), OK);
	assert_string_equal(got, "");

	assert_int_equal(figures(f->c, "class", "2025-autumn", got, sizeof(got)), REJECTED);
	assert_string_equal(got, "absences.by");
	assert_int_equal(figures(f->c, "", "", got, sizeof(got)), REJECTED);
	assert_string_equal(got, "absences.period");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_once_per_level_in_order, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_jump_raises_the_levels_passed, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_correction_lowers_nothing, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_late_report_changes_nothing, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_new_period_new_ladder, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_unauthorised_first_and_share, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_words_and_recipients, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_refusals, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_drop_out_notices_by_age, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_figures_and_a_pupils_places, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_level_from_the_school_system, setup,
						daemon_fixture_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
