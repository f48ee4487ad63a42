/*
 * Integration tests of routes' escalation chains (docs/plan-format.md "Routes",
 * docs/protocol.md "Escalation"): a real lanud on the manual clock, alerts raised by
 * another system's DeadlineMissed (raised at once, at the manual clock's now), the
 * clock moved past each step and the log replayed per recipient. A step fires at its
 * instant and not a millisecond before, in working days of the alert's area (over a
 * weekend, Christmas and a school's winter break) or in hours; a chain's steps fire in
 * order, once each, to their own recipients and the routes of kind `escalation`; an
 * acknowledgement before a step stops it and every step after; a later plan changes no
 * pending chain; a step pending over a restart fires once, and one that fell due while
 * lanud was down fires at start-up.
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
#define MISSED		LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED
#define ESCALATION	LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION
#define CRITICAL	LANU__V1__SEVERITY__SEVERITY_CRITICAL
#define U_WORKING_DAYS	LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS
#define U_HOURS		LANU__V1__DURATION__UNIT__UNIT_HOURS

static const char plan[] =
	"lanu-plan: 1\n"
	"plan: {id: escalation-test, organiser: Test, title: Escalation test plan,\n"
	"       period: 2020-2030}\n"
	"calendars:\n"
	"  - id: school-cal\n"
	"    name: School calendar\n"
	"    extends: national\n"
	"    closed: [{from: 2028-02-21, to: 2028-02-25, name: Winter break}]\n"
	"areas:\n"
	"  - id: town\n"
	"    name: Town\n"
	"    kind: municipality\n"
	"    areas:\n"
	"      - {id: office, name: Office, kind: unit}\n"
	"      - {id: school-1, name: School 1, kind: school, calendar: school-cal,\n"
	"         areas: [{id: annex, name: Annex, kind: unit}]}\n"
	"recipients:\n"
	"  - {id: sup, name: Supervisor, kind: supervisor}\n"
	"  - {id: mgmt, name: Management, kind: management}\n"
	"  - {id: board, name: Welfare board, kind: board}\n"
	"  - {id: watch, name: Escalation watch, kind: group}\n"
	"services:\n"
	"  - {id: wd, name: Working days, limits: {normal: 7 working days}}\n"
	"  - {id: hrs, name: Hours, limits: {normal: 7 working days}}\n"
	"  - {id: chain, name: Chain, limits: {normal: 7 working days}}\n"
	"  - {id: none, name: No escalation, limits: {normal: 7 working days}}\n"
	"routes:\n"
	"  - {kinds: deadline-missed, services: wd, to: sup,\n"
	"     escalate: {after: 2 working days, to: mgmt}}\n"
	"  - {kinds: deadline-missed, services: hrs, to: sup,\n"
	"     escalate: {after: 36 hours, to: [mgmt, board]}}\n"
	"  - kinds: deadline-missed\n"
	"    services: chain\n"
	"    to: sup\n"
	"    escalate:\n"
	"      - {after: 1 working day, to: mgmt}\n"
	"      - {after: 3 working days, to: board}\n"
	"  - {kinds: deadline-missed, services: none, to: sup}\n"
	"  - {kinds: escalation, to: watch}\n";

static int
setup(void **state)
{
	return daemon_fixture_up(state, DAEMON_MANUAL_CLOCK, plan);
}

/* Stops lanud with sig (SIGTERM or SIGKILL) and starts it again with args. */
static void
restart(struct daemon_fixture *f, int sig, const char *const *args)
{
	f->c = client_free(f->c);
	assert_int_equal(daemon_stop(&f->d, sig), sig == SIGTERM ? 0 : 128 + sig);
	assert_int_equal(daemon_start(&f->d, args), 0);
	f->c = daemon_client(&f->d);
}

static void
set_clock(struct client *c, const char *iso)
{
	assert_int_equal(daemon_clock_set(c, iso_ms(iso)), OK);
}

/* Another system's DeadlineMissed for case of service in area: one alert at once.
 * Returns its seq. */
static uint64_t
missed(struct client *c, const char *service, const char *kase, const char *area)
{
	static unsigned n;
	Lanu__V1__DeadlineMissed m = LANU__V1__DEADLINE_MISSED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__Reply *rep;
	uint64_t seq;
	char id[32];

	snprintf(id, sizeof(id), "miss-%u", ++n);
	m.case_id = (char *)kase;
	m.service = (char *)service;
	m.area = (char *)area;
	ev.event_id = id;
	ev.producer = (char *)"other-system";
	ev.occurred_at_ms = 1;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
	ev.deadline_missed = &m;
	if (daemon_send_event(c, &ev, &rep) != OK)
		fail_msg("DeadlineMissed refused: %s (%s)", rep->reason, rep->field);
	seq = rep->last_alert_seq;
	lanu__v1__reply__free_unpacked(rep, NULL);
	return seq;
}

static void
ack(struct client *c, uint64_t seq)
{
	static unsigned n;
	Lanu__V1__AlertAcknowledged m = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	char id[32], alert_id[32];

	snprintf(id, sizeof(id), "ack-%u", ++n);
	snprintf(alert_id, sizeof(alert_id), "a-%" PRIu64, seq);
	m.alert_id = alert_id;
	m.by = (char *)"supervisor-1";
	ev.event_id = id;
	ev.producer = (char *)"ui";
	ev.occurred_at_ms = 1;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
	ev.alert_acknowledged = &m;
	assert_int_equal(daemon_send_event(c, &ev, NULL), OK);
}

/* Status says n chains are pending, the next step at iso (NULL: none). */
static void
expect_pending(struct client *c, uint64_t n, const char *iso)
{
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st = daemon_status(c, &rep);

	assert_int_equal(st->pending_escalations, n);
	assert_int_equal(st->next_escalation_ms, iso ? iso_ms(iso) : 0);
	lanu__v1__reply__free_unpacked(rep, NULL);
}

/* rcpt's ESCALATION alerts, in order, into *ret (free with daemon_alerts_free()). */
static size_t
escalations(struct client *c, const char *rcpt, Lanu__V1__Alert ***ret)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, rcpt, 0, &v, 10000), k = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i]->kind == ESCALATION)
			v[k++] = v[i];
		else
			lanu__v1__alert__free_unpacked(v[i], NULL);
	}
	*ret = v;
	return k;
}

static size_t
count_escalations(struct client *c, const char *rcpt)
{
	Lanu__V1__Alert **v;
	size_t n = escalations(c, rcpt, &v);

	daemon_alerts_free(v, n);
	return n;
}

/* a escalates alert seq (of case kase), step `step` after count units, raised at iso,
 * to recipients rcpts (comma-separated, in order). */
static void
expect_escalation(const Lanu__V1__Alert *a, uint64_t seq, const char *kase, uint32_t step,
		  uint32_t count, int unit, const char *iso, const char *rcpts)
{
	char subject[64], id[32], key[64], rc[256] = "";

	snprintf(subject, sizeof(subject), "case:%s", kase);
	snprintf(id, sizeof(id), "a-%" PRIu64, seq);
	snprintf(key, sizeof(key), "escalation/%" PRIu64 "/%" PRIu32, seq, step);
	for (size_t i = 0; i < a->n_recipients; i++) {
		size_t n = strlen(rc);

		snprintf(rc + n, sizeof(rc) - n, "%s%s", i ? "," : "", a->recipients[i]);
	}
	assert_int_equal(a->kind, ESCALATION);
	assert_int_equal(a->severity, CRITICAL);	/* a miss's, critical already */
	assert_true(a->seq > seq);
	assert_string_equal(a->subject, subject);
	assert_string_equal(a->dedup_key, key);
	assert_int_equal(a->raised_at_ms, iso_ms(iso));
	assert_string_equal(rc, rcpts);
	assert_non_null(a->facts);
	assert_int_equal(a->facts->alert_seq, seq);
	assert_string_equal(a->facts->alert_id, id);
	assert_int_equal(a->facts->alert_kind, MISSED);
	assert_int_equal(a->facts->step, step);
	assert_non_null(a->facts->after);
	assert_int_equal(a->facts->after->count, count);
	assert_int_equal(a->facts->after->unit, unit);
	assert_non_null(a->text);
	assert_non_null(strstr(a->text->en, "Unacknowledged alert"));
	assert_non_null(strstr(a->text->en, id));
	assert_non_null(strstr(a->text->fi, "Kuittaamaton hälytys"));
	assert_non_null(strstr(a->text->sv, "Okvitterat larm"));
}

/*
 * 1. Two working days over Christmas: raised Thu 23.12.2027 10:00; Fri 24 (Christmas
 * Eve), Sat 25 and Sun 26 are not working days, so the step is Tue 28.12 10:00, the
 * raise's time of day. It goes to the step's mgmt and to watch (route `escalation`),
 * never to sup (the missed alert's route), once.
 */
static void
test_working_days(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__Alert **v;
	uint64_t seq;
	size_t n;

	set_clock(f->c, "2027-12-23T10:00:00+02:00");
	seq = missed(f->c, "wd", "k1", "office");
	set_clock(f->c, "2027-12-27T10:00:00+02:00");
	set_clock(f->c, "2027-12-28T09:59:59.999+02:00");
	assert_int_equal(count_escalations(f->c, "mgmt"), 0);
	assert_int_equal(count_escalations(f->c, "watch"), 0);
	set_clock(f->c, "2027-12-28T10:00:00+02:00");
	n = escalations(f->c, "mgmt", &v);
	assert_int_equal(n, 1);
	expect_escalation(v[0], seq, "k1", 1, 2, U_WORKING_DAYS, "2027-12-28T10:00:00+02:00",
			  "watch,mgmt");
	assert_non_null(strstr(v[0]->text->en, "not acknowledged for 2 working days"));
	assert_non_null(strstr(v[0]->text->fi, "kuittaamatta 2 työpäivää"));
	daemon_alerts_free(v, n);
	assert_int_equal(count_escalations(f->c, "watch"), 1);
	assert_int_equal(count_escalations(f->c, "sup"), 0);

	/* Once: later wake-ups fire nothing more. */
	set_clock(f->c, "2028-01-31T10:00:00+02:00");
	assert_int_equal(count_escalations(f->c, "mgmt"), 1);
	assert_int_equal(count_escalations(f->c, "watch"), 1);
}

/*
 * 2. The calendar of the alert's area: an alert of the annex, under school-1 whose
 * calendar closes for the winter break 21-25.2.2028, raised Fri 18.2 15:00, escalates
 * on Tue 29.2 15:00 (Mon 28 and Tue 29 are its two working days); on the national
 * calendar it would have been Tue 22.2.
 */
static void
test_area_calendar(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__Alert **v;
	uint64_t seq;
	size_t n;

	set_clock(f->c, "2028-02-18T15:00:00+02:00");
	seq = missed(f->c, "wd", "k2", "annex");
	set_clock(f->c, "2028-02-22T15:00:00+02:00");
	assert_int_equal(count_escalations(f->c, "mgmt"), 0);
	set_clock(f->c, "2028-02-29T14:59:59.999+02:00");
	assert_int_equal(count_escalations(f->c, "mgmt"), 0);
	set_clock(f->c, "2028-02-29T15:00:00+02:00");
	n = escalations(f->c, "mgmt", &v);
	assert_int_equal(n, 1);
	expect_escalation(v[0], seq, "k2", 1, 2, U_WORKING_DAYS, "2028-02-29T15:00:00+02:00",
			  "watch,mgmt");
	daemon_alerts_free(v, n);
}

/*
 * 2b. The raise's local time of day over the change to summer time (Sun 26.3.2028):
 * raised Fri 24.3 10:00 +02:00, the step is Tue 28.3 10:00 +03:00: 95 hours later, not
 * 96.
 */
static void
test_summer_time(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__Alert **v;
	uint64_t seq;
	size_t n;

	set_clock(f->c, "2028-03-24T10:00:00+02:00");
	seq = missed(f->c, "wd", "k13", "office");
	set_clock(f->c, "2028-03-28T09:59:59.999+03:00");
	assert_int_equal(count_escalations(f->c, "mgmt"), 0);
	set_clock(f->c, "2028-03-28T10:00:00+03:00");
	n = escalations(f->c, "mgmt", &v);
	assert_int_equal(n, 1);
	expect_escalation(v[0], seq, "k13", 1, 2, U_WORKING_DAYS, "2028-03-28T10:00:00+03:00",
			  "watch,mgmt");
	daemon_alerts_free(v, n);
}

/* 3. Hours count every hour: 36 hours from Thu 23.12.2027 10:00 is Christmas Eve 22:00. */
static void
test_hours(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__Alert **v;
	uint64_t seq;
	size_t n;

	set_clock(f->c, "2027-12-23T10:00:00+02:00");
	seq = missed(f->c, "hrs", "k3", "office");
	set_clock(f->c, "2027-12-24T21:59:59.999+02:00");
	assert_int_equal(count_escalations(f->c, "board"), 0);
	set_clock(f->c, "2027-12-24T22:00:00+02:00");
	n = escalations(f->c, "board", &v);
	assert_int_equal(n, 1);
	expect_escalation(v[0], seq, "k3", 1, 36, U_HOURS, "2027-12-24T22:00:00+02:00",
			  "watch,mgmt,board");
	assert_non_null(strstr(v[0]->text->en, "36 hours"));
	daemon_alerts_free(v, n);
}

/*
 * 4. A chain: raised Mon 10.1.2028 09:00, step 1 (1 working day) to mgmt on Tue 11.1
 * 09:00, step 2 (3 working days, from the raise too) to board on Thu 13.1 09:00, each
 * once and in order. A second alert whose clock jumps past both fires both in the same
 * wake-up, step 1 first.
 */
static void
test_chain(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__Alert **v;
	uint64_t seq, seq2;
	size_t n;

	set_clock(f->c, "2028-01-10T09:00:00+02:00");
	seq = missed(f->c, "chain", "k4", "office");
	expect_pending(f->c, 1, "2028-01-11T09:00:00+02:00");
	set_clock(f->c, "2028-01-11T08:59:59.999+02:00");
	assert_int_equal(count_escalations(f->c, "watch"), 0);
	set_clock(f->c, "2028-01-11T09:00:00+02:00");
	n = escalations(f->c, "mgmt", &v);
	assert_int_equal(n, 1);
	expect_escalation(v[0], seq, "k4", 1, 1, U_WORKING_DAYS, "2028-01-11T09:00:00+02:00",
			  "watch,mgmt");
	assert_non_null(strstr(v[0]->text->en, "1 working day,"));
	daemon_alerts_free(v, n);
	assert_int_equal(count_escalations(f->c, "board"), 0);
	expect_pending(f->c, 1, "2028-01-13T09:00:00+02:00");
	set_clock(f->c, "2028-01-13T08:59:59.999+02:00");
	assert_int_equal(count_escalations(f->c, "board"), 0);
	set_clock(f->c, "2028-01-13T09:00:00+02:00");
	n = escalations(f->c, "board", &v);
	assert_int_equal(n, 1);
	expect_escalation(v[0], seq, "k4", 2, 3, U_WORKING_DAYS, "2028-01-13T09:00:00+02:00",
			  "watch,board");
	daemon_alerts_free(v, n);
	assert_int_equal(count_escalations(f->c, "mgmt"), 1);
	assert_int_equal(count_escalations(f->c, "watch"), 2);
	expect_pending(f->c, 0, NULL);

	/* Both steps due in one wake-up. */
	seq2 = missed(f->c, "chain", "k5", "office");
	set_clock(f->c, "2028-03-01T12:00:00+02:00");
	n = escalations(f->c, "watch", &v);
	assert_int_equal(n, 4);
	expect_escalation(v[2], seq2, "k5", 1, 1, U_WORKING_DAYS, "2028-03-01T12:00:00+02:00",
			  "watch,mgmt");
	expect_escalation(v[3], seq2, "k5", 2, 3, U_WORKING_DAYS, "2028-03-01T12:00:00+02:00",
			  "watch,board");
	daemon_alerts_free(v, n);
	set_clock(f->c, "2028-06-01T12:00:00+03:00");
	assert_int_equal(count_escalations(f->c, "watch"), 4);
}

/*
 * 5. Acknowledging stops the chain: an alert acknowledged before its first step never
 * escalates; one acknowledged between its steps escalates once, not twice. An alert no
 * route escalates never does, and acknowledging it changes nothing else.
 */
static void
test_ack_stops(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__Alert **v;
	uint64_t before, between, plain;
	size_t n;

	set_clock(f->c, "2028-01-10T09:00:00+02:00");
	before = missed(f->c, "chain", "k6", "office");
	between = missed(f->c, "chain", "k7", "office");
	plain = missed(f->c, "none", "k8", "office");
	expect_pending(f->c, 2, "2028-01-11T09:00:00+02:00");
	set_clock(f->c, "2028-01-11T08:00:00+02:00");
	ack(f->c, before);
	expect_pending(f->c, 1, "2028-01-11T09:00:00+02:00");
	set_clock(f->c, "2028-01-11T09:00:00+02:00");
	n = escalations(f->c, "watch", &v);
	assert_int_equal(n, 1);
	expect_escalation(v[0], between, "k7", 1, 1, U_WORKING_DAYS, "2028-01-11T09:00:00+02:00",
			  "watch,mgmt");
	daemon_alerts_free(v, n);
	expect_pending(f->c, 1, "2028-01-13T09:00:00+02:00");
	ack(f->c, between);
	ack(f->c, plain);
	expect_pending(f->c, 0, NULL);
	set_clock(f->c, "2028-02-11T09:00:00+02:00");
	assert_int_equal(count_escalations(f->c, "watch"), 1);
	assert_int_equal(count_escalations(f->c, "board"), 0);
}

/*
 * 6. A step pending over a restart: SIGTERM with it pending, start, move the clock past
 * it: it fires once; kill -9 after it fired and before the next step, start: the next
 * fires once, the first not again.
 */
static void
test_restart(void **state)
{
	struct daemon_fixture *f = *state;
	Lanu__V1__Alert **v;
	uint64_t seq;
	size_t n;

	set_clock(f->c, "2028-01-10T09:00:00+02:00");
	seq = missed(f->c, "chain", "k9", "office");
	restart(f, SIGTERM, NULL);
	assert_int_equal(count_escalations(f->c, "watch"), 0);
	expect_pending(f->c, 1, "2028-01-11T09:00:00+02:00");
	set_clock(f->c, "2028-01-12T09:00:00+02:00");
	assert_int_equal(count_escalations(f->c, "mgmt"), 1);
	restart(f, SIGKILL, NULL);
	assert_int_equal(count_escalations(f->c, "mgmt"), 1);
	set_clock(f->c, "2028-01-14T09:00:00+02:00");
	n = escalations(f->c, "watch", &v);
	assert_int_equal(n, 2);
	expect_escalation(v[0], seq, "k9", 1, 1, U_WORKING_DAYS, "2028-01-12T09:00:00+02:00",
			  "watch,mgmt");
	expect_escalation(v[1], seq, "k9", 2, 3, U_WORKING_DAYS, "2028-01-14T09:00:00+02:00",
			  "watch,board");
	daemon_alerts_free(v, n);
	restart(f, SIGKILL, NULL);
	set_clock(f->c, "2028-06-14T09:00:00+03:00");
	assert_int_equal(count_escalations(f->c, "watch"), 2);
}

/*
 * 7. A chain is fixed when its alert is raised: after a plan that escalates wd's misses
 * to the board after 1 working day is put in force (SIGHUP), the alert raised before it
 * still escalates to mgmt after 2; one raised after it follows the new plan.
 */
static void
test_plan_change(void **state)
{
	struct daemon_fixture *f = *state;
	char *text = strdup(plan), *p;
	Lanu__V1__Alert **v;
	uint64_t before, after;
	size_t n;

	assert_non_null(text);
	p = strstr(text, "escalate: {after: 2 working days, to: mgmt}");
	assert_non_null(p);
	memcpy(p, "escalate: {after: 1 working day, to: board}", 43);	/* as long */
	set_clock(f->c, "2028-01-10T09:00:00+02:00");
	before = missed(f->c, "wd", "k11", "office");
	assert_int_equal(daemon_write_plan_text(&f->d, text), 0);
	free(text);
	assert_int_equal(daemon_reload(&f->d), 0);
	set_clock(f->c, "2028-01-10T10:00:00+02:00");
	after = missed(f->c, "wd", "k12", "office");
	set_clock(f->c, "2028-01-11T10:00:00+02:00");
	n = escalations(f->c, "board", &v);
	assert_int_equal(n, 1);
	expect_escalation(v[0], after, "k12", 1, 1, U_WORKING_DAYS, "2028-01-11T10:00:00+02:00",
			  "watch,board");
	daemon_alerts_free(v, n);
	assert_int_equal(count_escalations(f->c, "mgmt"), 0);
	set_clock(f->c, "2028-01-12T09:00:00+02:00");
	n = escalations(f->c, "mgmt", &v);
	assert_int_equal(n, 1);
	expect_escalation(v[0], before, "k11", 1, 2, U_WORKING_DAYS, "2028-01-12T09:00:00+02:00",
			  "watch,mgmt");
	daemon_alerts_free(v, n);
	assert_int_equal(count_escalations(f->c, "board"), 1);
}

/*
 * 8. A step that fell due while lanud was down fires at start-up, with no request: the
 * manual clock of the stopped lanud's store is moved past both steps of a chain (as the
 * system clock moves while lanud is down), and lanud, started again, fires both in its
 * first batches, once each, at the clock it found.
 */
static void
test_due_while_down(void **state)
{
	struct daemon_fixture *f = *state;
	struct store_txn t;
	struct store *s;
	uint64_t deadline;
	char dir[600];
	size_t n = 0;

	set_clock(f->c, "2028-01-10T09:00:00+02:00");
	missed(f->c, "chain", "k10", "office");
	f->c = client_free(f->c);
	assert_int_equal(daemon_stop(&f->d, SIGTERM), 0);
	snprintf(dir, sizeof(dir), "%s/state", f->d.dir);
	assert_int_equal(store_open(dir, STORE_MAP_INITIAL, STORE_MAP_MAX, &s), 0);
	store_begin(s, &t, STORE_RW);
	store_put_clock(&t, iso_ms("2028-01-20T09:00:00+02:00") * 1000);
	assert_int_equal(store_commit(&t), 0);
	s = store_free(s);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	f->c = daemon_client(&f->d);
	deadline = mono_ms() + 10000;
	while ((n = count_escalations(f->c, "watch")) < 2 && mono_ms() < deadline)
		usleep(20 * 1000);
	assert_int_equal(n, 2);
	assert_int_equal(count_escalations(f->c, "mgmt"), 1);
	assert_int_equal(count_escalations(f->c, "board"), 1);
	restart(f, SIGTERM, NULL);
	set_clock(f->c, "2028-02-20T09:00:00+02:00");
	assert_int_equal(count_escalations(f->c, "watch"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_working_days, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_area_calendar, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_summer_time, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_hours, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_chain, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_ack_stops, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_restart, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_plan_change, setup, daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_due_while_down, setup, daemon_fixture_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
