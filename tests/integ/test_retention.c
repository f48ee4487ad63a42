/*
 * Integration tests of retention (docs/plan-format.md "retention", docs/security.md):
 * a real lanud on the manual clock, the plan's `retention` set (cases: 1 month, pupils:
 * 12 months), the clock moved past it. A closed case goes whole the day its month is
 * over and not a day before: its events and their dedup entries, its alerts' subjects
 * and texts (the alerts keep their seq, kind and recipients, so every recipient's log
 * stays gap-free), its clocks' case id (the compliance report counts them as before);
 * a case with an open clock stays whole. A pupil's place on a ladder goes a year after
 * it was last written, and the figures stay. An event older than what is kept is
 * refused, naming event.occurred_at_ms, unless the case is still held. A plan that
 * sets retention later purges what is already old when it comes into force. The store
 * is then opened as lanud left it and read directly.
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
#include <unistd.h>

#include "harness.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "store.h"

#define OK		LANU__V1__REPLY__CODE__OK
#define REJECTED	LANU__V1__REPLY__CODE__REJECTED
#define DUPLICATE	LANU__V1__REPLY__CODE__DUPLICATE

#define PLAN_HEAD \
	"lanu-plan: 1\n" \
	"plan: {id: retention-test, organiser: Test, title: Retention test plan,\n" \
	"       period: 2020-2030}\n" \
	"areas:\n" \
	"  - id: town\n" \
	"    name: Town\n" \
	"    kind: municipality\n" \
	"    areas:\n" \
	"      - {id: office, name: Office, kind: unit}\n" \
	"      - {id: school-1, name: School 1, kind: school}\n" \
	"recipients:\n" \
	"  - {id: sup, name: Supervisor, kind: supervisor}\n" \
	"  - {id: board, name: Board, kind: board}\n" \
	"  - {id: teachers, name: Class teachers, kind: group}\n" \
	"calendars:\n" \
	"  - id: school\n" \
	"    name: School year\n" \
	"    terms: [2027-08-10..2027-12-20, 2028-01-07..2028-05-31]\n" \
	"services:\n" \
	"  - {id: sw, name: School social worker, limits: {normal: 7 working days}}\n" \
	"absences:\n" \
	"  - id: town-basic\n" \
	"    provider: {en: The town's basic education}\n" \
	"    areas: town\n" \
	"    period: term\n" \
	"    calendar: school\n" \
	"    levels:\n" \
	"      - {hours: 30, action: {en: Contact the guardian}, to: teachers}\n" \
	"routes:\n" \
	"  - {kinds: [deadline-missed, deadline-warning], to: sup}\n" \
	"  - {kinds: absence-level, to: board}\n"

static const char plan_kept[] = PLAN_HEAD;
static const char plan[] = PLAN_HEAD
	"retention:\n"
	"  cases: 1 month\n"
	"  pupils: 12 months\n";

static int
setup(void **state)
{
	return daemon_fixture_up(state, DAEMON_MANUAL_CLOCK, plan);
}

static int
setup_kept(void **state)
{
	return daemon_fixture_up(state, DAEMON_MANUAL_CLOCK, plan_kept);
}

static uint64_t now_ms;	/* the manual clock as the test last set it */

static void
set_clock(struct client *c, const char *iso)
{
	now_ms = iso_ms(iso);
	assert_int_equal(daemon_clock_set(c, now_ms), OK);
}

/* Case kase asks for the school social worker at `at` (event id "req-<case>"). */
static struct daemon_answer
request(struct client *c, const char *kase, uint64_t at)
{
	Lanu__V1__ServiceRequested m = LANU__V1__SERVICE_REQUESTED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	char id[64];

	snprintf(id, sizeof(id), "req-%s", kase);
	m.case_id = (char *)kase;
	m.service = (char *)"sw";
	m.area = (char *)"office";
	m.urgency = LANU__V1__URGENCY__URGENCY_NORMAL;
	m.requested_at_ms = at;
	ev.event_id = id;
	ev.producer = (char *)"school-system";
	ev.occurred_at_ms = at;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
	ev.service_requested = &m;
	return daemon_send(c, &ev);
}

/* ... and gets it at `at` (event id "prov-<case>"). */
static struct daemon_answer
provide(struct client *c, const char *kase, uint64_t at)
{
	Lanu__V1__ServiceProvided m = LANU__V1__SERVICE_PROVIDED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	char id[64];

	snprintf(id, sizeof(id), "prov-%s", kase);
	m.case_id = (char *)kase;
	m.service = (char *)"sw";
	m.area = (char *)"office";
	m.provided_at_ms = at;
	ev.event_id = id;
	ev.producer = (char *)"school-system";
	ev.occurred_at_ms = at;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED;
	ev.service_provided = &m;
	return daemon_send(c, &ev);
}

/* Another system says case kase missed its limit, now (event id "miss-<case>"). */
static void
missed(struct client *c, const char *kase)
{
	Lanu__V1__DeadlineMissed m = LANU__V1__DEADLINE_MISSED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	char id[64];

	snprintf(id, sizeof(id), "miss-%s", kase);
	m.case_id = (char *)kase;
	m.service = (char *)"sw";
	m.area = (char *)"office";
	m.due_at_ms = now_ms;
	ev.event_id = id;
	ev.producer = (char *)"other-system";
	ev.occurred_at_ms = now_ms;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
	ev.deadline_missed = &m;
	assert_int_equal(daemon_send(c, &ev).code, OK);
}

/* Pupil p has `hours` unauthorised hours in 2027-autumn as of `as_of`, reported now. */
static struct daemon_answer
report(struct client *c, const char *pupil, double hours, const char *as_of, uint64_t at)
{
	static unsigned n;
	Lanu__V1__AbsenceCountsReported m = LANU__V1__ABSENCE_COUNTS_REPORTED__INIT;
	Lanu__V1__AbsenceTally u = LANU__V1__ABSENCE_TALLY__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	char id[32];

	snprintf(id, sizeof(id), "abs-%u", ++n);
	m.pupil_id = (char *)pupil;
	m.school = (char *)"school-1";
	m.grade = 7;
	m.period = (char *)"2027-autumn";
	m.as_of = (char *)as_of;
	m.lessons_held = 400;
	u.hours = hours;
	m.unauthorised = &u;
	ev.event_id = id;
	ev.producer = (char *)"wilma";
	ev.occurred_at_ms = at;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED;
	ev.absence_counts_reported = &m;
	return daemon_send(c, &ev);
}

/* rcpt's log as "seq:KIND:subject" or "seq:KIND:-" (purged), one per alert. */
static void
log_of(struct client *c, const char *rcpt, char *out, size_t len)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, rcpt, 0, &v, 1000), used = 0;

	*out = '\0';
	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__Alert *a = v[i];

		if (a->purged) {
			/* seq, id, kind, severity, recipients, raise: nothing of the subject */
			assert_string_equal(a->subject, "");
			assert_string_equal(a->dedup_key, "");
			assert_string_equal(a->event_id, "");
			assert_string_equal(a->producer, "");
			assert_string_equal(a->service, "");
			assert_string_equal(a->area, "");
			assert_null(a->text);
			assert_null(a->facts);
			assert_true(a->n_recipients > 0);
			assert_true(a->raised_at_ms > 0);
			assert_true(a->severity != 0);
		}
		used += (size_t)snprintf(out + used, len - used, "%s%" PRIu64 ":%s:%s",
					 used ? " " : "", a->seq, daemon_kind_name(a->kind),
					 a->purged ? "-" : a->subject);
	}
	daemon_alerts_free(v, n);
}

/* The compliance report of sw in 2027-01 as "opened/met/late/missed/pending". */
static void
compliance(struct client *c, char *out, size_t len)
{
	Lanu__V1__ComplianceQuery q = LANU__V1__COMPLIANCE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;

	q.service = (char *)"sw";
	q.period = (char *)"2027-01";
	req.body_case = LANU__V1__REQUEST__BODY_COMPLIANCE;
	req.compliance = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	assert_int_equal(rep->code, OK);
	assert_non_null(rep->compliance);
	assert_int_equal(rep->compliance->n_rows, 1);
	snprintf(out, len, "%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 " %.2f",
		 rep->compliance->rows[0]->opened, rep->compliance->rows[0]->met,
		 rep->compliance->rows[0]->late, rep->compliance->rows[0]->missed,
		 rep->compliance->rows[0]->pending,
		 rep->compliance->rows[0]->wait_median_working_days);
	lanu__v1__reply__free_unpacked(rep, NULL);
}

/* A pupil's places as "period:level;", or the figures of 2027-autumn as
 * "school/grade:pupils:pupils at level 1;". */
static void
absences(struct client *c, const char *pupil, char *out, size_t len)
{
	Lanu__V1__AbsenceQuery q = LANU__V1__ABSENCE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	char *by[] = { (char *)"school", (char *)"grade" };
	size_t used = 0;

	if (pupil) {
		q.pupil_id = (char *)pupil;
	} else {
		q.period = (char *)"2027-autumn";
		q.by = by;
		q.n_by = ELEMENTSOF(by);
	}
	req.body_case = LANU__V1__REQUEST__BODY_ABSENCES;
	req.absences = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	assert_int_equal(rep->code, OK);
	*out = '\0';
	for (size_t i = 0; rep->absences && i < rep->absences->n_rows; i++) {
		const Lanu__V1__AbsenceFigures *f = rep->absences->rows[i];

		used += (size_t)snprintf(out + used, len - used, "%s/%u:%" PRIu64 ":%" PRIu64 ";",
					 f->school, f->grade, f->pupils,
					 f->n_at_level > 1 ? f->at_level[1] : 0);
	}
	for (size_t i = 0; rep->absences && i < rep->absences->n_pupil; i++)
		used += (size_t)snprintf(out + used, len - used, "%s:%u;",
					 rep->absences->pupil[i]->period,
					 rep->absences->pupil[i]->level);
	lanu__v1__reply__free_unpacked(rep, NULL);
}

static uint64_t
events_stored(struct client *c)
{
	Lanu__V1__Reply *rep;
	uint64_t n = daemon_status(c, &rep)->events;

	lanu__v1__reply__free_unpacked(rep, NULL);
	return n;
}

/* Waits (5 s at most) until rcpt's log reads want: a purge made due by a new plan
 * runs in the writer's next batch, which no request of ours is waiting for. */
static void
expect_log_soon(struct client *c, const char *rcpt, const char *want)
{
	uint64_t until = mono_ms() + 5000;
	char got[1024];

	for (;;) {
		log_of(c, rcpt, got, sizeof(got));
		if (strcmp(got, want) == 0 || mono_ms() > until)
			break;
		usleep(20 * 1000);
	}
	assert_string_equal(got, want);
}

/* Stops lanud and opens its store as it left it. */
static struct store *
open_store(struct daemon_fixture *f)
{
	char dir[600];
	struct store *s;

	f->c = client_free(f->c);
	assert_int_equal(daemon_stop(&f->d, SIGTERM), 0);
	snprintf(dir, sizeof(dir), "%s/state", f->d.dir);
	assert_int_equal(store_open(dir, 0, 0, &s), 0);
	return s;
}

/*
 * 1. Three cases. c-1 asks on Mon 4.1.2027, misses (Epiphany on Wed 6.1 is no working
 * day: due Thu 14.1) and gets the service on Wed 20.1; c-2 asks the same day and never
 * gets it; another system says c-3 missed, on 4.1. With one month kept, c-3 goes on
 * 5.2 and c-1 on 21.2, not on 20.2; c-2 stays. The log keeps every seq.
 */
static void
test_closed_case_goes_whole(void **state)
{
	struct daemon_fixture *f = *state;
	uint64_t t0 = iso_ms("2027-01-04T09:00:00+02:00"), before;
	char log_before[1024], want[1024], comp[64], comp_after[64];
	Lanu__V1__Reply *rep;
	struct daemon_answer a;
	struct store_txn t;
	struct store *s;
	uint64_t id;

	set_clock(f->c, "2027-01-04T09:00:00+02:00");
	assert_int_equal(request(f->c, "c-1", t0).code, OK);
	assert_int_equal(request(f->c, "c-2", t0).code, OK);
	missed(f->c, "c-3");
	set_clock(f->c, "2027-01-20T09:00:00+02:00");
	assert_int_equal(provide(f->c, "c-1", now_ms).code, OK);
	log_of(f->c, "sup", log_before, sizeof(log_before));
	compliance(f->c, comp, sizeof(comp));
	before = events_stored(f->c);
	/* c-3's event of 4.1 is the first due: its month is over when 5.2 begins. */
	assert_int_equal(daemon_status(f->c, &rep)->next_purge_ms,
			 iso_ms("2027-02-05T00:00:00+02:00"));
	lanu__v1__reply__free_unpacked(rep, NULL);
	/* c-3's miss, the misses of c-1 and c-2, and c-1's late delivery */
	assert_string_equal(log_before, "1:DEADLINE_MISSED:case:c-3 2:DEADLINE_MISSED:case:c-1 "
					"3:DEADLINE_MISSED:case:c-2 4:RESOLVED:case:c-1");

	/* 4.2: c-3 was written on 4.1, a month ago to the day: kept until the day ends. */
	set_clock(f->c, "2027-02-04T23:59:00+02:00");
	log_of(f->c, "sup", want, sizeof(want));
	assert_string_equal(want, log_before);
	set_clock(f->c, "2027-02-05T00:00:00+02:00");
	log_of(f->c, "sup", want, sizeof(want));
	assert_string_equal(want, "1:DEADLINE_MISSED:- 2:DEADLINE_MISSED:case:c-1 "
				  "3:DEADLINE_MISSED:case:c-2 4:RESOLVED:case:c-1");
	assert_int_equal(events_stored(f->c), before - 1);

	/* c-1's last event came on 20.1: kept on 20.2, gone on 21.2. */
	set_clock(f->c, "2027-02-20T12:00:00+02:00");
	log_of(f->c, "sup", want, sizeof(want));
	assert_non_null(strstr(want, "4:RESOLVED:case:c-1"));
	set_clock(f->c, "2027-02-21T00:00:00+02:00");
	log_of(f->c, "sup", want, sizeof(want));
	assert_string_equal(want, "1:DEADLINE_MISSED:- 2:DEADLINE_MISSED:- "
				  "3:DEADLINE_MISSED:case:c-2 4:RESOLVED:-");
	assert_int_equal(events_stored(f->c), before - 3);
	/* The compliance report counts c-1's clock as before: late, its wait kept. */
	compliance(f->c, comp_after, sizeof(comp_after));
	assert_string_equal(comp_after, comp);

	/* c-1's request again, as a producer retrying its whole history: not a duplicate
	 * (nothing of it is left to say so) but older than what is kept. */
	a = request(f->c, "c-1", t0);
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.occurred_at_ms");
	assert_non_null(strstr(a.reason, "2027-01-04 is before what the plan's retention keeps"));
	assert_non_null(strstr(a.reason, "nothing before 2027-01-21"));
	/* c-2 is still held (its clock is open): its late delivery of 10.1 is taken. */
	a = provide(f->c, "c-2", iso_ms("2027-01-10T12:00:00+02:00"));
	assert_int_equal(a.code, OK);
	a = provide(f->c, "c-2", iso_ms("2027-01-10T12:00:00+02:00"));
	assert_int_equal(a.code, DUPLICATE);

	s = open_store(f);
	store_begin(s, &t, STORE_RO);
	assert_int_equal(store_subject_held(&t, "case:c-1"), 0);
	assert_int_equal(store_subject_held(&t, "case:c-3"), 0);
	assert_int_equal(store_subject_held(&t, "case:c-2"), 1);
	assert_int_equal(store_event_seen(&t, "school-system", "req-c-1"), 0);
	assert_int_equal(store_event_seen(&t, "school-system", "prov-c-1"), 0);
	assert_int_equal(store_event_seen(&t, "other-system", "miss-c-3"), 0);
	assert_int_equal(store_event_seen(&t, "school-system", "req-c-2"), 1);
	assert_int_equal(store_clock_find(&t, "sw", "", "c-1", &id), -ENOENT);
	assert_int_equal(store_clock_find(&t, "sw", "", "c-2", &id), 0);
	store_abort(&t);
	store_free(s);
}

/*
 * 2. Pupils: p-1's place written on 1.10.2027, p-2's last on 15.12.2027. With twelve
 * months kept, p-1's goes on 2.10.2028 and p-2's stays until 16.12.2028; the period's
 * figures stay; a report of a time no longer kept is refused.
 */
static void
test_pupils_places_go_one_by_one(void **state)
{
	struct daemon_fixture *f = *state;
	char figures[256], got[256];
	struct daemon_answer a;
	struct store_txn t;
	struct store *s;

	set_clock(f->c, "2027-10-01T12:00:00+03:00");
	assert_int_equal(report(f->c, "p-1", 35, "2027-09-30", now_ms).code, OK);
	assert_int_equal(report(f->c, "p-2", 10, "2027-09-30", now_ms).code, OK);
	set_clock(f->c, "2027-12-15T12:00:00+02:00");
	assert_int_equal(report(f->c, "p-2", 31, "2027-12-14", now_ms).code, OK);
	absences(f->c, NULL, figures, sizeof(figures));
	assert_string_equal(figures, "school-1/7:2:2;");
	log_of(f->c, "board", got, sizeof(got));
	assert_string_equal(got, "1:ABSENCE_LEVEL:pupil:p-1 2:ABSENCE_LEVEL:pupil:p-2");

	set_clock(f->c, "2028-10-01T23:00:00+03:00");
	absences(f->c, "p-1", got, sizeof(got));
	assert_string_equal(got, "2027-autumn:1;");
	set_clock(f->c, "2028-10-02T00:00:00+03:00");
	absences(f->c, "p-1", got, sizeof(got));
	assert_string_equal(got, "");
	absences(f->c, "p-2", got, sizeof(got));
	assert_string_equal(got, "2027-autumn:1;");
	log_of(f->c, "board", got, sizeof(got));
	assert_string_equal(got, "1:ABSENCE_LEVEL:- 2:ABSENCE_LEVEL:pupil:p-2");
	absences(f->c, NULL, got, sizeof(got));
	assert_string_equal(got, figures);

	/* A report of 30.9.2027 again: older than a year, refused whoever it is about. */
	a = report(f->c, "p-2", 40, "2027-09-30", iso_ms("2027-09-30T15:00:00+03:00"));
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.occurred_at_ms");
	assert_non_null(strstr(a.reason, "pupils: 12 months"));

	set_clock(f->c, "2028-12-16T00:00:00+02:00");
	absences(f->c, "p-2", got, sizeof(got));
	assert_string_equal(got, "");
	absences(f->c, NULL, got, sizeof(got));
	assert_string_equal(got, figures);

	s = open_store(f);
	store_begin(s, &t, STORE_RO);
	assert_int_equal(store_subject_held(&t, "pupil:p-1"), 0);
	assert_int_equal(store_subject_held(&t, "pupil:p-2"), 0);
	store_abort(&t);
	store_free(s);
}

/*
 * 3. A plan without retention keeps everything; the plan that sets it purges what is
 * already old as soon as it is in force (SIGHUP), with no event to wake lanud.
 */
static void
test_a_later_plan_purges_what_is_old(void **state)
{
	struct daemon_fixture *f = *state;
	char got[512];

	set_clock(f->c, "2027-01-04T09:00:00+02:00");
	missed(f->c, "c-9");
	set_clock(f->c, "2027-06-01T09:00:00+03:00");
	log_of(f->c, "sup", got, sizeof(got));
	assert_string_equal(got, "1:DEADLINE_MISSED:case:c-9");
	assert_int_equal(daemon_write_plan_text(&f->d, plan), 0);
	assert_int_equal(daemon_reload(&f->d), 0);
	expect_log_soon(f->c, "sup", "1:DEADLINE_MISSED:-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_closed_case_goes_whole, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_pupils_places_go_one_by_one, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_a_later_plan_purges_what_is_old, setup_kept,
						daemon_fixture_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
