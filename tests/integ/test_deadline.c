/*
 * Integration tests of the access-time clocks (daemon/deadline.c) against real lanud
 * processes on a manual clock: the due days of ../LEGAL.md worked out by hand for
 * Seinäjoki's and Espoo's limits, school calendars, daylight saving, events late and out
 * of order, external misses, restarts (SIGTERM and kill -9), plan reloads, a jump over
 * thousands of clocks, the compliance indicator, and what lanud refuses.
 *
 * Every instant is written as local Helsinki time with its offset (+02:00 in winter,
 * +03:00 from the last Sunday of March to the last Sunday of October), so the expected
 * values are stated here and not derived from the code under test. Alerts are checked
 * by replaying a recipient's log from the start: kind, severity, subject, service, the
 * due day the text names, recipients in order, and where it matters the instant raised.
 * Only clock alerts (subject "case:...") are compared: the example plans also have
 * compliance indicators, whose alerts one test looks at on its own.
 *
 * DEADLINE_TESTS='test_jump*' (a cmocka glob) runs some of the tests only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "lanu/limits.h"
#include "lanu/macro.h"

#define OK		LANU__V1__REPLY__CODE__OK
#define DUPLICATE	LANU__V1__REPLY__CODE__DUPLICATE
#define REJECTED	LANU__V1__REPLY__CODE__REJECTED
#define NOT_FOUND	LANU__V1__REPLY__CODE__NOT_FOUND

#define WARNING		LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_WARNING
#define MISSED		LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED
#define ESCALATED	LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION
#define RESOLVED	LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED

#define S_OPEN		LANU__V1__CLOCK__STATE__STATE_OPEN
#define U_WORKING_DAYS	LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS
#define U_MONTHS	LANU__V1__DURATION__UNIT__UNIT_MONTHS

#define DAY_MS		(24ULL * 3600 * 1000)

/* A small plan of our own: one limit of each kind the clocks count, a school calendar
 * with an autumn break and terms, a two-stage service, age-dependent rules, a compliance
 * indicator. Warnings and misses go to "sup", misses (and the indicator's alerts) also
 * to "board". The %s is wd7's normal limit, which test_plan_reload changes. */
static const char base_plan[] =
	"lanu-plan: 1\n"
	"plan: {id: deadline-test, organiser: Test, title: Deadline test plan, period: 2027-2030}\n"
	"calendars:\n"
	"  - id: school-2027-2028\n"
	"    name: {fi: Lukuvuosi 2027-2028, en: School year 2027-2028}\n"
	"    extends: national\n"
	"    terms: [2027-08-11..2027-12-21, 2028-01-08..2028-06-01]\n"
	"    closed:\n"
	"      - {from: 2027-10-18, to: 2027-10-22, name: {fi: Syysloma, en: Autumn break}}\n"
	"areas:\n"
	"  - id: town\n"
	"    name: Town\n"
	"    kind: municipality\n"
	"    areas:\n"
	"      - {id: office, name: Office, kind: unit}\n"
	"      - id: school-1\n"
	"        name: School 1\n"
	"        kind: school\n"
	"        calendar: school-2027-2028\n"
	"        areas: [{id: school-1-annex, name: School 1 annex, kind: unit}]\n"
	"recipients:\n"
	"  - {id: sup, name: Supervisor, kind: supervisor}\n"
	"  - {id: board, name: Welfare board, kind: board}\n"
	"services:\n"
	"  - id: wd7\n"
	"    name: Seven working days\n"
	"    limits: {normal: %s, urgent: same or next working day}\n"
	"    warn-before: 2 working days\n"
	"  - {id: days14, name: Fourteen days, limits: {normal: 14 days}}\n"
	"  - {id: days120, name: A hundred and twenty days, limits: {normal: 120 days},\n"
	"     warn-before: 2 weeks}\n"
	"  - {id: month1, name: One month, limits: {normal: 1 month}, warn-before: 1 week}\n"
	"  - id: months3\n"
	"    name: Three months\n"
	"    limits:\n"
	"      - {urgency: normal, limit: 3 months}\n"
	"      - {urgency: urgent, limit: 3 months, roll-forward: true}\n"
	"    warn-before: 2 weeks\n"
	"  - id: school-sw\n"
	"    name: School social worker\n"
	"    calendar: unit\n"
	"    limits: {normal: 7 working days}\n"
	"    warn-before: 2 working days\n"
	"  - id: staged\n"
	"    name: Staged service\n"
	"    stages:\n"
	"      - {id: first, name: First, limits: {normal: 7 working days}}\n"
	"      - {id: second, name: Second, starts: after first, limits: {normal: 14 days}}\n"
	"  - id: aged\n"
	"    name: Primary care\n"
	"    limits:\n"
	"      - {urgency: normal, limit: 14 days, until: 2024-12-31}\n"
	"      - {urgency: normal, limit: 14 days, from: 2025-01-01, ages: 0-22}\n"
	"      - {urgency: normal, limit: 3 months, from: 2025-01-01, ages: 23-}\n"
	"      - {urgency: urgent, limit: same day, ages: 0-17}\n"
	"  - id: urgent-kids\n"
	"    name: Urgent for children\n"
	"    limits:\n"
	"      - {urgency: normal, limit: 14 days}\n"
	"      - {urgency: urgent, limit: same day, ages: 0-17}\n"
	"  - {id: measured, name: Measured, limits: {normal: 14 days}}\n"
	"indicators:\n"
	"  - id: measured-in-time\n"
	"    name: Measured in time\n"
	"    unit: percent\n"
	"    direction: higher-is-better\n"
	"    target: 100\n"
	"    warning: 90\n"
	"    critical: 80\n"
	"    cadence: continuous\n"
	"    breakdown: [language-group]\n"
	"    source: {kind: compliance, service: measured}\n"
	"routes:\n"
	"  - {kinds: [deadline-warning, deadline-missed], to: sup}\n"
	"  - {kinds: deadline-missed, to: board}\n"
	"  - {kinds: compliance-below-target, to: board}\n";

/* --- fixtures ---------------------------------------------------------------------------- */

/* A lanud and the clients a test connected to it, so that a failing test, which leaves
 * by longjmp, leaks none of them. */
struct fixture {
	struct daemon d;	/* first: a test takes *state as its struct daemon */
	struct client *clients[8];
};

/* A client the fixture frees at teardown unless the test releases it first. */
static struct client *
client_for(struct daemon *d)
{
	struct fixture *f = (struct fixture *)d;

	for (size_t i = 0; i < ELEMENTSOF(f->clients); i++)
		if (!f->clients[i])
			return f->clients[i] = daemon_client(d);
	fail_msg("more than %zu clients", ELEMENTSOF(f->clients));
	return NULL;
}

static void
release(struct daemon *d, struct client *c)
{
	struct fixture *f = (struct fixture *)d;

	for (size_t i = 0; i < ELEMENTSOF(f->clients); i++)
		if (f->clients[i] == c)
			f->clients[i] = NULL;
	client_free(c);
}

static int
start_daemon(void **state, const char *plan_text, const char *plan_file)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = &f->d;
	if (daemon_init(&f->d, DAEMON_MANUAL_CLOCK) < 0 ||
	    (plan_text && daemon_write_plan_text(&f->d, plan_text) < 0) ||
	    (plan_file && daemon_copy_plan(&f->d, plan_file) < 0) ||
	    daemon_start(&f->d, NULL) < 0) {
		daemon_cleanup(&f->d);
		free(f);
		*state = NULL;
		return -1;
	}
	return 0;
}

static int
write_base_plan(struct daemon *d, const char *wd7_limit)
{
	char text[sizeof(base_plan) + 64];

	snprintf(text, sizeof(text), base_plan, wd7_limit);
	return daemon_write_plan_text(d, text);
}

static int
setup_base(void **state)
{
	char text[sizeof(base_plan) + 64];

	snprintf(text, sizeof(text), base_plan, "7 working days");
	return start_daemon(state, text, NULL);
}

static int
setup_seinajoki(void **state)
{
	return start_daemon(state, NULL, EXAMPLES_DIR "/plans/seinajoki-2022-2025.yaml");
}

static int
setup_espoo(void **state)
{
	return start_daemon(state, NULL, EXAMPLES_DIR "/plans/espoo-2017-2021.yaml");
}

static int
teardown(void **state)
{
	struct fixture *f = (struct fixture *)*state;

	if (f) {
		for (size_t i = 0; i < ELEMENTSOF(f->clients); i++)
			f->clients[i] = client_free(f->clients[i]);
		daemon_cleanup(&f->d);
		free(f);
	}
	return 0;
}

/* --- events ------------------------------------------------------------------------------ */

/* One event's fields; what is not given takes a default (area "office", producer
 * "test", a fresh event id, normal urgency). */
struct ev {
	const char *id;
	const char *producer;
	const char *kase;
	const char *service;
	const char *area;
	const char *stage;
	const char *age;
	const char *lang;
	const char *at;		/* requested, provided, cancelled or missed at */
	const char *reason;	/* ServicePostponed */
	bool urgent;
};

static unsigned event_counter;

static void
envelope_fill(Lanu__V1__Envelope *env, const struct ev *e, char *idbuf, size_t idlen)
{
	lanu__v1__envelope__init(env);
	if (e->id) {
		snprintf(idbuf, idlen, "%s", e->id);
	} else {
		snprintf(idbuf, idlen, "ev-%u", ++event_counter);
	}
	env->event_id = idbuf;
	env->producer = (char *)(e->producer ? e->producer : "test");
	env->occurred_at_ms = e->at ? iso_ms(e->at) : 1;
}

static struct daemon_answer
request(struct client *c, struct ev e)
{
	Lanu__V1__ServiceRequested m = LANU__V1__SERVICE_REQUESTED__INIT;
	Lanu__V1__Envelope env;
	char id[64];

	envelope_fill(&env, &e, id, sizeof(id));
	m.case_id = (char *)e.kase;
	m.service = (char *)e.service;
	m.area = (char *)(e.area ? e.area : "office");
	m.urgency = e.urgent ? LANU__V1__URGENCY__URGENCY_URGENT
			     : LANU__V1__URGENCY__URGENCY_NORMAL;
	m.requested_at_ms = iso_ms(e.at);
	if (e.stage)
		m.stage = (char *)e.stage;
	if (e.age)
		m.age_group = (char *)e.age;
	if (e.lang)
		m.language_group = (char *)e.lang;
	env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
	env.service_requested = &m;
	return daemon_send(c, &env);
}

static struct daemon_answer
provide(struct client *c, struct ev e)
{
	Lanu__V1__ServiceProvided m = LANU__V1__SERVICE_PROVIDED__INIT;
	Lanu__V1__Envelope env;
	char id[64];

	envelope_fill(&env, &e, id, sizeof(id));
	m.case_id = (char *)e.kase;
	m.service = (char *)e.service;
	m.area = (char *)(e.area ? e.area : "office");
	if (e.stage)
		m.stage = (char *)e.stage;
	m.provided_at_ms = iso_ms(e.at);
	env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED;
	env.service_provided = &m;
	return daemon_send(c, &env);
}

static struct daemon_answer
cancel(struct client *c, struct ev e)
{
	Lanu__V1__CaseCancelled m = LANU__V1__CASE_CANCELLED__INIT;
	Lanu__V1__Envelope env;
	char id[64];

	envelope_fill(&env, &e, id, sizeof(id));
	m.case_id = (char *)e.kase;
	m.service = (char *)e.service;
	m.area = (char *)(e.area ? e.area : "office");
	if (e.stage)
		m.stage = (char *)e.stage;
	m.reason = LANU__V1__CANCEL_REASON__CANCEL_REASON_WITHDRAWN;
	env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED;
	env.case_cancelled = &m;
	return daemon_send(c, &env);
}

static struct daemon_answer
postpone(struct client *c, struct ev e)
{
	Lanu__V1__ServicePostponed m = LANU__V1__SERVICE_POSTPONED__INIT;
	Lanu__V1__Envelope env;
	char id[64];

	envelope_fill(&env, &e, id, sizeof(id));
	m.case_id = (char *)e.kase;
	m.service = (char *)e.service;
	if (e.stage)
		m.stage = (char *)e.stage;
	m.reason = (char *)(e.reason ? e.reason : "family-request");
	env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED;
	env.service_postponed = &m;
	return daemon_send(c, &env);
}

/* Another system's DeadlineMissed. */
static struct daemon_answer
external_missed(struct client *c, struct ev e)
{
	Lanu__V1__DeadlineMissed m = LANU__V1__DEADLINE_MISSED__INIT;
	Lanu__V1__Envelope env;
	char id[64];

	envelope_fill(&env, &e, id, sizeof(id));
	m.case_id = (char *)e.kase;
	m.service = (char *)e.service;
	m.area = (char *)(e.area ? e.area : "office");
	if (e.stage)
		m.stage = (char *)e.stage;
	m.due_at_ms = iso_ms(e.at);
	env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
	env.deadline_missed = &m;
	return daemon_send(c, &env);
}

#define REQUEST(c, ...)		request((c), (struct ev){ __VA_ARGS__ })
#define PROVIDE(c, ...)		provide((c), (struct ev){ __VA_ARGS__ })
#define CANCEL(c, ...)		cancel((c), (struct ev){ __VA_ARGS__ })
#define POSTPONE(c, ...)	postpone((c), (struct ev){ __VA_ARGS__ })
#define EXT_MISSED(c, ...)	external_missed((c), (struct ev){ __VA_ARGS__ })

/* The event is accepted. */
#define ACCEPTED(expr)                                                                             \
	do {                                                                                       \
		struct daemon_answer a_ = (expr);                                                         \
		if (a_.code != OK)                                                                 \
			fail_msg("%s: answered %d: %s %s", #expr, a_.code, a_.field, a_.reason);   \
	} while (0)

/* The event is refused, naming field. */
#define REFUSED(expr, want_field)                                                                  \
	do {                                                                                       \
		struct daemon_answer a_ = (expr);                                                         \
		if (a_.code != REJECTED)                                                           \
			fail_msg("%s: answered %d, not REJECTED (%s %s)", #expr, a_.code,          \
				 a_.field, a_.reason);                                             \
		if (strcmp(a_.field, (want_field)) != 0)                                           \
			fail_msg("%s: field '%s', expected '%s' (%s)", #expr, a_.field,            \
				 (want_field), a_.reason);                                         \
	} while (0)

static void
set_clock(struct client *c, const char *iso)
{
	int code = daemon_clock_set(c, iso_ms(iso));

	if (code != OK)
		fail_msg("ClockSet %s answered %d", iso, code);
}

/* --- alerts ------------------------------------------------------------------------------ */

/* One expected alert. */
struct want {
	int kind;
	const char *kase;	/* subject "case:<kase>" */
	const char *service;
	const char *due;	/* the due day its text names, or NULL: not checked */
	const char *rcpts;	/* its recipients, in order, comma-separated; NULL: any */
	const char *raised;	/* ISO instant it was raised at, or NULL: not checked */
};

static void
format_ms(uint64_t ms, char buf[40])
{
	time_t t = (time_t)(ms / 1000);
	char sec[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, 40, "%.24s.%03uZ", sec, (unsigned)(ms % 1000));
}

static void
join_rcpts(const Lanu__V1__Alert *a, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < a->n_recipients; i++) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%s%s", i ? "," : "", a->recipients[i]);
	}
}

/* The due day the alert's English text names ("due 2027-12-31"), or "". */
static void
text_due(const Lanu__V1__Alert *a, char out[11])
{
	const char *p = a->text && a->text->en ? strstr(a->text->en, "due ") : NULL;

	out[0] = '\0';
	if (p && strlen(p + 4) >= 10) {
		memcpy(out, p + 4, 10);
		out[10] = '\0';
	}
}

static void
describe(const Lanu__V1__Alert *a, char *buf, size_t len)
{
	char rc[256], due[11], raised[40];

	join_rcpts(a, rc, sizeof(rc));
	text_due(a, due);
	format_ms(a->raised_at_ms, raised);
	snprintf(buf, len, "#%" PRIu64 " %s %s %s due=%s to=%s raised=%s key=%s", a->seq,
		 daemon_kind_name(a->kind), a->subject, a->service, due, rc, raised, a->dedup_key);
}

static int
kind_severity(int kind)
{
	switch (kind) {
	case WARNING:
		return LANU__V1__SEVERITY__SEVERITY_WARNING;
	case MISSED:
	case ESCALATED:		/* one up from a warning's or a miss's: critical */
		return LANU__V1__SEVERITY__SEVERITY_CRITICAL;
	default:
		return LANU__V1__SEVERITY__SEVERITY_INFO;
	}
}

/* The clock alerts in rcpt's log, from the start. */
static size_t
clock_alerts(struct client *c, const char *rcpt, Lanu__V1__Alert ***ret)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, rcpt, 0, &v, 100000), k = 0;

	for (size_t i = 0; i < n; i++) {
		if (strncmp(v[i]->subject, "case:", 5) == 0)
			v[k++] = v[i];
		else
			lanu__v1__alert__free_unpacked(v[i], NULL);
	}
	*ret = v;
	return k;
}

static bool
alert_matches(const Lanu__V1__Alert *a, const struct want *w, char *why, size_t len)
{
	char subject[96], rc[256], due[11];

	snprintf(subject, sizeof(subject), "case:%s", w->kase);
	join_rcpts(a, rc, sizeof(rc));
	text_due(a, due);
	if ((int)a->kind != w->kind)
		snprintf(why, len, "kind %s, expected %s", daemon_kind_name(a->kind),
			 daemon_kind_name(w->kind));
	else if ((int)a->severity != kind_severity(w->kind))
		snprintf(why, len, "severity %d, expected %d", a->severity, kind_severity(w->kind));
	else if (strcmp(a->subject, subject) != 0)
		snprintf(why, len, "subject %s, expected %s", a->subject, subject);
	else if (strcmp(a->service, w->service) != 0)
		snprintf(why, len, "service %s, expected %s", a->service, w->service);
	else if (w->due && strcmp(due, w->due) != 0)
		snprintf(why, len, "due day '%s', expected %s", due, w->due);
	else if (w->rcpts && strcmp(rc, w->rcpts) != 0)
		snprintf(why, len, "recipients '%s', expected '%s'", rc, w->rcpts);
	else if (w->raised && a->raised_at_ms != iso_ms(w->raised))
		snprintf(why, len, "raised at %" PRIu64 ", expected %s = %" PRIu64,
			 a->raised_at_ms, w->raised, iso_ms(w->raised));
	else
		return true;
	return false;
}

/* rcpt's clock alerts are exactly w[0..n), in that order. */
static void
expect_alerts_at(struct client *c, const char *rcpt, const struct want *w, size_t n,
		 const char *file, int line)
{
	Lanu__V1__Alert **v;
	size_t got = clock_alerts(c, rcpt, &v);
	char why[768] = "", buf[768];
	size_t bad = SIZE_MAX;

	for (size_t i = 0; i < got && i < n && bad == SIZE_MAX; i++)
		if (!alert_matches(v[i], &w[i], why, sizeof(why)))
			bad = i;
	if (got != n || bad != SIZE_MAX) {
		print_error("alerts of '%s': got %zu, expected %zu%s%s\n", rcpt, got, n,
			    bad != SIZE_MAX ? "; first difference: " : "", why);
		if (bad != SIZE_MAX)
			print_error("  at position %zu\n", bad);
		for (size_t i = 0; i < got; i++) {
			describe(v[i], buf, sizeof(buf));
			print_error("  got  %s\n", buf);
		}
		for (size_t i = 0; i < n; i++)
			print_error("  want %s case:%s %s due=%s to=%s raised=%s\n",
				    daemon_kind_name(w[i].kind), w[i].kase, w[i].service,
				    w[i].due ? w[i].due : "-", w[i].rcpts ? w[i].rcpts : "-",
				    w[i].raised ? w[i].raised : "-");
		daemon_alerts_free(v, got);
		_fail(file, line);
	}
	daemon_alerts_free(v, got);
}

#define EXPECT_ALERTS(c, rcpt, ...)                                                                \
	do {                                                                                       \
		const struct want w_[] = { __VA_ARGS__ };                                          \
		expect_alerts_at((c), (rcpt), w_, ELEMENTSOF(w_), __FILE__, __LINE__);             \
	} while (0)
#define EXPECT_NO_ALERTS(c, rcpt) expect_alerts_at((c), (rcpt), NULL, 0, __FILE__, __LINE__)

/* --- queries ----------------------------------------------------------------------------- */

static Lanu__V1__Reply *
due_query(struct client *c, const char *service, const char *within)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__DueQuery q = LANU__V1__DUE_QUERY__INIT;
	Lanu__V1__Reply *rep;

	if (service)
		q.service = (char *)service;
	if (within)
		q.within = (char *)within;
	req.body_case = LANU__V1__REQUEST__BODY_DUE;
	req.due = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	if (rep->code != OK)
		fail_msg("DueQuery answered %d: %s %s", rep->code, rep->field, rep->reason);
	assert_non_null(rep->clocks);
	return rep;
}

/* The open clock of a case (and stage) in a DueQuery reply, or NULL. */
static const Lanu__V1__Clock *
find_clock(const Lanu__V1__Reply *rep, const char *kase, const char *stage)
{
	for (size_t i = 0; i < rep->clocks->n_clocks; i++) {
		const Lanu__V1__Clock *k = rep->clocks->clocks[i];

		if (strcmp(k->case_id, kase) == 0 && strcmp(k->stage, stage ? stage : "") == 0)
			return k;
	}
	return NULL;
}

/* The open clock's due day and instants are these (warn NULL: no warning). */
static void
expect_clock_at(struct client *c, const char *service, const char *kase, const char *stage,
		const char *due_day, const char *due_at, const char *warn_at, const char *file,
		int line)
{
	Lanu__V1__Reply *rep = due_query(c, service, NULL);
	const Lanu__V1__Clock *k = find_clock(rep, kase, stage);
	char a[40], b[40];

	if (!k) {
		print_error("no open clock of %s case %s stage '%s'\n", service, kase,
			    stage ? stage : "");
		lanu__v1__reply__free_unpacked(rep, NULL);
		_fail(file, line);
		return;
	}
	if (strcmp(k->due_day, due_day) != 0 || k->due_at_ms != iso_ms(due_at) ||
	    k->warn_at_ms != (warn_at ? iso_ms(warn_at) : 0) || k->state != S_OPEN) {
		format_ms(k->due_at_ms, a);
		format_ms(k->warn_at_ms, b);
		print_error("case %s: due %s at %s, warn %s (%" PRIu64 "), state %d; expected due "
			    "%s at %s, warn %s\n", kase, k->due_day, a, b, k->warn_at_ms, k->state,
			    due_day, due_at, warn_at ? warn_at : "none");
		lanu__v1__reply__free_unpacked(rep, NULL);
		_fail(file, line);
		return;
	}
	lanu__v1__reply__free_unpacked(rep, NULL);
}

#define EXPECT_CLOCK(c, service, kase, stage, due_day, due_at, warn_at)                            \
	expect_clock_at((c), (service), (kase), (stage), (due_day), (due_at), (warn_at),          \
			__FILE__, __LINE__)

static Lanu__V1__Reply *
compliance(struct client *c, const char *service, const char *period)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__ComplianceQuery q = LANU__V1__COMPLIANCE_QUERY__INIT;
	Lanu__V1__Reply *rep;

	q.service = (char *)service;
	q.period = (char *)period;
	req.body_case = LANU__V1__REQUEST__BODY_COMPLIANCE;
	req.compliance = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	if (rep->code != OK)
		fail_msg("ComplianceQuery answered %d: %s %s", rep->code, rep->field, rep->reason);
	assert_non_null(rep->compliance);
	return rep;
}

static const Lanu__V1__ComplianceRow *
compliance_row(const Lanu__V1__Reply *rep, const char *stage)
{
	for (size_t i = 0; i < rep->compliance->n_rows; i++)
		if (strcmp(rep->compliance->rows[i]->stage, stage) == 0 &&
		    !*rep->compliance->rows[i]->group)
			return rep->compliance->rows[i];
	fail_msg("no compliance row for stage '%s'", stage);
	return NULL;
}

/* opened, met, late, missed, pending, cancelled, postponed of one row. */
static void
expect_row(const Lanu__V1__Reply *rep, const char *stage, uint64_t opened, uint64_t met,
	   uint64_t late, uint64_t missed, uint64_t pending, uint64_t cancelled, uint64_t postponed)
{
	const Lanu__V1__ComplianceRow *r = compliance_row(rep, stage);

	if (r->opened != opened || r->met != met || r->late != late || r->missed != missed ||
	    r->pending != pending || r->cancelled != cancelled || r->postponed != postponed)
		fail_msg("stage '%s': opened %" PRIu64 " met %" PRIu64 " late %" PRIu64
			 " missed %" PRIu64 " pending %" PRIu64 " cancelled %" PRIu64
			 " postponed %" PRIu64 "; expected %" PRIu64 " %" PRIu64 " %" PRIu64
			 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64,
			 stage, r->opened, r->met, r->late, r->missed, r->pending, r->cancelled,
			 r->postponed, opened, met, late, missed, pending, cancelled, postponed);
}

static Lanu__V1__Status *
status(struct client *c, Lanu__V1__Reply **ret)
{
	return daemon_status(c, ret);
}

/* ================================================================================== */

/*
 * 1. Seinäjoki (the plan file itself): school social worker and psychologist on the
 * national calendar (no area of the plan has a school calendar), school nurse.
 *
 * Normal request Tue 21.12.2027, 7 working days, the request day not counted:
 * Wed 22, Thu 23 (1, 2), Fri 24 Christmas Eve, Sat 25, Sun 26 (not working), Mon 27 (3),
 * Tue 28 (4), Wed 29 (5), Thu 30 (6), Fri 31 (7; New Year's Eve is a working day): due Fri
 * 31.12.2027, the miss at 1.1.2028 00:00:00.000. Warning 2 working days before the due day:
 * Wed 29.12, at its end (30.12 00:00), leaving Thu 30 and Fri 31.
 *
 * Urgent ("same or next working day"): Thu 23.12 → the first working day after it is Mon
 * 27.12; Fri 24.12 (Christmas Eve) → Mon 27.12 too. Their warning day (Wed 22.12) is
 * before the request: the warning goes at once.
 *
 * School nurse, "same working day": Sat 1.1.2028 (New Year's Day) → Mon 3.1.2028; Mon 3.1
 * → 3.1; Thu 6.1.2028 (Epiphany) → Fri 7.1.2028. No warn-before.
 */
static void
test_seinajoki_school_welfare(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	const char *ssw = "school-social-worker", *psy = "school-psychologist";
	const char *nurse = "school-nurse";
	const char *special = "supervisors-special-services", *health =
		"supervisors-school-student-health";
	const char *both = "supervisors-special-services,top-management";
	const char *nurse_both = "supervisors-school-student-health,top-management";
	Lanu__V1__Reply *rep;

	set_clock(c, "2027-12-21T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "pupil-1", .service = ssw, .area = "seinajoki",
			 .at = "2027-12-21T10:00:00+02:00"));
	EXPECT_CLOCK(c, ssw, "pupil-1", NULL, "2027-12-31", "2027-12-31T23:59:59.999+02:00",
		     "2027-12-30T00:00:00+02:00");
	rep = due_query(c, ssw, NULL);
	{
		const Lanu__V1__Clock *k = find_clock(rep, "pupil-1", NULL);

		assert_non_null(k);
		assert_string_equal(k->start_day, "2027-12-21");
		assert_string_equal(k->calendar, "national");
		assert_string_equal(k->area, "seinajoki");
		assert_non_null(k->limit);
		assert_int_equal(k->limit->count, 7);
		assert_int_equal(k->limit->unit, U_WORKING_DAYS);
		assert_int_equal(k->next_at_ms, iso_ms("2027-12-30T00:00:00+02:00"));
		/* 21, 22, 23, 27, 28, 29, 30, 31: today counted */
		assert_int_equal(k->working_days_left, 8);
	}
	lanu__v1__reply__free_unpacked(rep, NULL);
	/* Due within 2 working days (Tue 21 → the end of Thu 23): not yet. */
	rep = due_query(c, ssw, "2 working days");
	assert_int_equal(rep->clocks->n_clocks, 0);
	lanu__v1__reply__free_unpacked(rep, NULL);

	set_clock(c, "2027-12-23T09:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "pupil-2", .service = ssw, .area = "seinajoki", .urgent = true,
			 .at = "2027-12-23T09:00:00+02:00"));
	EXPECT_CLOCK(c, ssw, "pupil-2", NULL, "2027-12-27", "2027-12-27T23:59:59.999+02:00",
		     "2027-12-23T09:00:00+02:00");
	set_clock(c, "2027-12-24T12:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "pupil-3", .service = psy, .area = "seinajoki", .urgent = true,
			 .at = "2027-12-24T12:00:00+02:00"));
	EXPECT_CLOCK(c, psy, "pupil-3", NULL, "2027-12-27", "2027-12-27T23:59:59.999+02:00",
		     "2027-12-24T12:00:00+02:00");
	EXPECT_ALERTS(c, special,
		      { WARNING, "pupil-2", ssw, "2027-12-27", special,
			"2027-12-23T09:00:00+02:00" },
		      { WARNING, "pupil-3", psy, "2027-12-27", special,
			"2027-12-24T12:00:00+02:00" });

	/* The last millisecond of the due day is still in time. */
	set_clock(c, "2027-12-27T23:59:59.999+02:00");
	EXPECT_NO_ALERTS(c, "top-management");
	set_clock(c, "2027-12-28T00:00:00.000+02:00");
	EXPECT_ALERTS(c, "top-management",
		      { MISSED, "pupil-2", ssw, "2027-12-27", both, "2027-12-28T00:00:00+02:00" },
		      { MISSED, "pupil-3", psy, "2027-12-27", both, "2027-12-28T00:00:00+02:00" });

	set_clock(c, "2027-12-29T23:59:59.999+02:00");
	set_clock(c, "2027-12-30T00:00:00.000+02:00");
	set_clock(c, "2027-12-31T23:59:59.999+02:00");
	EXPECT_ALERTS(c, special,
		      { WARNING, "pupil-2", ssw, "2027-12-27", special, NULL },
		      { WARNING, "pupil-3", psy, "2027-12-27", special, NULL },
		      { MISSED, "pupil-2", ssw, "2027-12-27", both, NULL },
		      { MISSED, "pupil-3", psy, "2027-12-27", both, NULL },
		      { WARNING, "pupil-1", ssw, "2027-12-31", special,
			"2027-12-30T00:00:00+02:00" });
	set_clock(c, "2028-01-01T00:00:00.000+02:00");

	/* School nurse: same working day. */
	set_clock(c, "2028-01-01T11:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "pupil-4", .service = nurse, .area = "seinajoki",
			 .at = "2028-01-01T11:00:00+02:00"));
	set_clock(c, "2028-01-03T08:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "pupil-5", .service = nurse, .area = "seinajoki",
			 .at = "2028-01-03T08:00:00+02:00"));
	EXPECT_CLOCK(c, nurse, "pupil-4", NULL, "2028-01-03", "2028-01-03T23:59:59.999+02:00",
		     NULL);
	EXPECT_CLOCK(c, nurse, "pupil-5", NULL, "2028-01-03", "2028-01-03T23:59:59.999+02:00",
		     NULL);
	/* pupil-5 reached the nurse in time; pupil-1 the social worker late. */
	ACCEPTED(PROVIDE(c, .kase = "pupil-5", .service = nurse, .area = "seinajoki",
			 .at = "2028-01-03T15:00:00+02:00"));
	ACCEPTED(PROVIDE(c, .kase = "pupil-1", .service = ssw, .area = "seinajoki",
			 .at = "2028-01-03T07:30:00+02:00"));
	set_clock(c, "2028-01-04T00:00:00+02:00");
	set_clock(c, "2028-01-06T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "pupil-6", .service = nurse, .area = "seinajoki",
			 .at = "2028-01-06T10:00:00+02:00"));
	EXPECT_CLOCK(c, nurse, "pupil-6", NULL, "2028-01-07", "2028-01-07T23:59:59.999+02:00",
		     NULL);
	set_clock(c, "2028-01-08T00:00:00+02:00");
	/* pupil-2 was due Mon 27.12: 8 working days since (28..31.12, 3, 4, 5, 7.1). */
	rep = due_query(c, ssw, NULL);
	assert_int_equal(find_clock(rep, "pupil-2", NULL)->working_days_left, -8);
	lanu__v1__reply__free_unpacked(rep, NULL);

	EXPECT_ALERTS(c, special,
		      { WARNING, "pupil-2", ssw, "2027-12-27", special, NULL },
		      { WARNING, "pupil-3", psy, "2027-12-27", special, NULL },
		      { MISSED, "pupil-2", ssw, "2027-12-27", both, NULL },
		      { MISSED, "pupil-3", psy, "2027-12-27", both, NULL },
		      { WARNING, "pupil-1", ssw, "2027-12-31", special, NULL },
		      { MISSED, "pupil-1", ssw, "2027-12-31", both, "2028-01-01T00:00:00+02:00" },
		      { RESOLVED, "pupil-1", ssw, "2027-12-31", both,
			"2028-01-03T08:00:00+02:00" });
	EXPECT_ALERTS(c, health,
		      { MISSED, "pupil-4", nurse, "2028-01-03", nurse_both,
			"2028-01-04T00:00:00+02:00" },
		      { MISSED, "pupil-6", nurse, "2028-01-07", nurse_both,
			"2028-01-08T00:00:00+02:00" });
	EXPECT_ALERTS(c, "top-management",
		      { MISSED, "pupil-2", ssw, "2027-12-27", both, NULL },
		      { MISSED, "pupil-3", psy, "2027-12-27", both, NULL },
		      { MISSED, "pupil-1", ssw, "2027-12-31", both, NULL },
		      { RESOLVED, "pupil-1", ssw, "2027-12-31", both, NULL },
		      { MISSED, "pupil-4", nurse, "2028-01-03", nurse_both, NULL },
		      { MISSED, "pupil-6", nurse, "2028-01-07", nurse_both, NULL });

	rep = compliance(c, ssw, "2027-12");
	expect_row(rep, "", 2, 0, 1, 1, 0, 0, 0);	/* pupil-1 late, pupil-2 still open */
	lanu__v1__reply__free_unpacked(rep, NULL);
	rep = compliance(c, nurse, "2028-01");
	expect_row(rep, "", 3, 1, 0, 2, 0, 0, 0);
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(d, c);
}

/*
 * Seinäjoki's family counselling: 3 months, warn-before 2 weeks. 30.11.2027 + 3 months:
 * 30.2.2028 does not exist, so the month's last day, Tue 29.2.2028 (a leap year). The
 * warning day is 14 days before, 15.2.2028 (at its end), the miss at 1.3.2028 00:00.
 * 30.11.2028 + 3 months is 28.2.2029 (not a leap year); its warning at the end of 14.2.
 */
static void
test_seinajoki_family_counselling(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	const char *fc = "family-counselling", *sup = "supervisors-family-counselling";
	const char *both = "supervisors-family-counselling,top-management";

	set_clock(c, "2027-11-30T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "family-1", .service = fc, .area = "seinajoki",
			 .at = "2027-11-30T10:00:00+02:00"));
	EXPECT_CLOCK(c, fc, "family-1", NULL, "2028-02-29", "2028-02-29T23:59:59.999+02:00",
		     "2028-02-16T00:00:00+02:00");
	set_clock(c, "2028-02-15T23:59:59.999+02:00");
	EXPECT_NO_ALERTS(c, sup);
	set_clock(c, "2028-02-16T00:00:00.000+02:00");
	EXPECT_ALERTS(c, sup, { WARNING, "family-1", fc, "2028-02-29", sup,
				"2028-02-16T00:00:00+02:00" });
	set_clock(c, "2028-02-29T23:59:59.999+02:00");
	EXPECT_ALERTS(c, sup, { WARNING, "family-1", fc, "2028-02-29", sup, NULL });
	set_clock(c, "2028-03-01T00:00:00.000+02:00");
	EXPECT_ALERTS(c, sup, { WARNING, "family-1", fc, "2028-02-29", sup, NULL },
		      { MISSED, "family-1", fc, "2028-02-29", both, "2028-03-01T00:00:00+02:00" });

	set_clock(c, "2028-11-30T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "family-2", .service = fc, .area = "pilari",
			 .at = "2028-11-30T10:00:00+02:00"));
	EXPECT_CLOCK(c, fc, "family-2", NULL, "2029-02-28", "2029-02-28T23:59:59.999+02:00",
		     "2029-02-15T00:00:00+02:00");
	/* The jump to the due day passes the warning's instant (15.2): it goes then. Provided
	 * on the due day: met, nothing more said. */
	set_clock(c, "2029-02-28T16:00:00+02:00");
	ACCEPTED(PROVIDE(c, .kase = "family-2", .service = fc, .area = "pilari",
			 .at = "2029-02-28T15:00:00+02:00"));
	set_clock(c, "2029-06-01T00:00:00+03:00");
	EXPECT_ALERTS(c, sup, { WARNING, "family-1", fc, "2028-02-29", sup, NULL },
		      { MISSED, "family-1", fc, "2028-02-29", both, NULL },
		      { WARNING, "family-2", fc, "2029-02-28", sup, "2029-02-28T16:00:00+02:00" });
	EXPECT_ALERTS(c, "top-management", { MISSED, "family-1", fc, "2028-02-29", both, NULL });
	release(d, c);
}

/*
 * Month ends and roll-forward on our own plan. 31.1.2028 + 1 month = 29.2.2028 (leap),
 * 31.1.2029 + 1 month = 28.2.2029. 31.1.2028 + 3 months = Sun 30.4.2028, which stands
 * (no roll-forward by default); with roll-forward it moves past Sunday and May Day
 * (Mon 1.5) to Tue 2.5.2028. One jump past all of them: every warning and miss, once,
 * in the order of their instants.
 */
static void
test_month_ends_and_roll_forward(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);

	set_clock(c, "2028-01-31T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "m1-a", .service = "month1",
			 .at = "2028-01-31T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "m3-n", .service = "months3",
			 .at = "2028-01-31T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "m3-u", .service = "months3", .urgent = true,
			 .at = "2028-01-31T10:00:00+02:00"));
	EXPECT_CLOCK(c, "month1", "m1-a", NULL, "2028-02-29", "2028-02-29T23:59:59.999+02:00",
		     "2028-02-23T00:00:00+02:00");
	EXPECT_CLOCK(c, "months3", "m3-n", NULL, "2028-04-30", "2028-04-30T23:59:59.999+03:00",
		     "2028-04-17T00:00:00+03:00");
	EXPECT_CLOCK(c, "months3", "m3-u", NULL, "2028-05-02", "2028-05-02T23:59:59.999+03:00",
		     "2028-04-19T00:00:00+03:00");
	{
		Lanu__V1__Reply *rep = due_query(c, "months3", NULL);
		const Lanu__V1__Clock *n = find_clock(rep, "m3-n", NULL);
		const Lanu__V1__Clock *u = find_clock(rep, "m3-u", NULL);

		assert_false(n->roll_forward);
		assert_true(u->roll_forward);
		assert_int_equal(n->limit->unit, U_MONTHS);
		assert_int_equal(n->limit->count, 3);
		lanu__v1__reply__free_unpacked(rep, NULL);
	}
	set_clock(c, "2028-05-03T00:00:00+03:00");
	EXPECT_ALERTS(c, "sup",
		      { WARNING, "m1-a", "month1", "2028-02-29", "sup",
			"2028-05-03T00:00:00+03:00" },
		      { MISSED, "m1-a", "month1", "2028-02-29", "sup,board",
			"2028-05-03T00:00:00+03:00" },
		      { WARNING, "m3-n", "months3", "2028-04-30", "sup", NULL },
		      { WARNING, "m3-u", "months3", "2028-05-02", "sup", NULL },
		      { MISSED, "m3-n", "months3", "2028-04-30", "sup,board", NULL },
		      { MISSED, "m3-u", "months3", "2028-05-02", "sup,board", NULL });

	set_clock(c, "2029-01-31T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "m1-b", .service = "month1",
			 .at = "2029-01-31T10:00:00+02:00"));
	EXPECT_CLOCK(c, "month1", "m1-b", NULL, "2029-02-28", "2029-02-28T23:59:59.999+02:00",
		     "2029-02-22T00:00:00+02:00");
	release(d, c);
}

/*
 * Local time. A due day's end is local midnight, whatever the offset. 12.3.2028 + 14
 * days = Sun 26.3.2028, the day clocks go forward (a 23-hour day): the miss at 27.3 00:00
 * +03:00. 17.10.2027 + 14 days = Sun 31.10.2027, the day they go back (25 hours): the miss
 * at 1.11 00:00 +02:00.
 */
static void
test_local_time(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);

	set_clock(c, "2027-10-17T10:00:00+03:00");
	ACCEPTED(REQUEST(c, .kase = "dst-oct", .service = "days14",
			 .at = "2027-10-17T10:00:00+03:00"));
	EXPECT_CLOCK(c, "days14", "dst-oct", NULL, "2027-10-31", "2027-10-31T23:59:59.999+02:00",
		     NULL);
	set_clock(c, "2027-10-31T23:59:59.999+02:00");
	EXPECT_NO_ALERTS(c, "sup");
	set_clock(c, "2027-11-01T00:00:00+02:00");
	EXPECT_ALERTS(c, "sup", { MISSED, "dst-oct", "days14", "2027-10-31", "sup,board",
				  "2027-11-01T00:00:00+02:00" });

	/* The start day is the local one: 00:30 on 22.12 is still 21.12 in UTC. Tue 21.12
	 * + 7 working days = Fri 31.12.2027, Wed 22.12 + 7 = Mon 3.1.2028. */
	set_clock(c, "2027-12-22T01:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "late-evening", .service = "wd7",
			 .at = "2027-12-21T23:30:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "after-midnight", .service = "wd7",
			 .at = "2027-12-22T00:30:00+02:00"));
	EXPECT_CLOCK(c, "wd7", "late-evening", NULL, "2027-12-31", "2027-12-31T23:59:59.999+02:00",
		     "2027-12-30T00:00:00+02:00");
	EXPECT_CLOCK(c, "wd7", "after-midnight", NULL, "2028-01-03",
		     "2028-01-03T23:59:59.999+02:00", "2027-12-31T00:00:00+02:00");
	ACCEPTED(CANCEL(c, .kase = "late-evening", .service = "wd7",
			.at = "2027-12-22T01:00:00+02:00"));
	ACCEPTED(CANCEL(c, .kase = "after-midnight", .service = "wd7",
			.at = "2027-12-22T01:00:00+02:00"));

	set_clock(c, "2028-03-12T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "dst-mar", .service = "days14",
			 .at = "2028-03-12T10:00:00+02:00"));
	EXPECT_CLOCK(c, "days14", "dst-mar", NULL, "2028-03-26", "2028-03-26T23:59:59.999+03:00",
		     NULL);
	set_clock(c, "2028-03-26T23:59:59.999+03:00");
	set_clock(c, "2028-03-27T00:00:00+03:00");
	EXPECT_ALERTS(c, "sup",
		      { MISSED, "dst-oct", "days14", "2027-10-31", "sup,board", NULL },
		      { MISSED, "dst-mar", "days14", "2028-03-26", "sup,board",
			"2028-03-27T00:00:00+03:00" });
	release(d, c);
}

/*
 * 2. Espoo's child welfare notification (the plan file itself): one notification on Mon
 * 6.3.2028 opens three clocks. Urgency: the same day. Decision: 7 working days, Tue 7 ..
 * Wed 15.3.2028 (no holiday; Easter 2028 is 16.4), warning at the end of Mon 13.3.
 * Assessment: 3 months, Tue 6.6.2028 (summer time), warning 2 weeks before at the end of
 * Tue 23.5. Urgency and decision are met (no alert); the assessment misses, and its late
 * completion resolves the miss for everyone the miss went to. The warning and the miss,
 * left unacknowledged, escalate to top management.
 */
static void
test_espoo_child_welfare(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	const char *cw = "child-welfare", *sup = "supervisor-child-welfare";
	const char *both = "supervisor-child-welfare,top-management";
	Lanu__V1__Reply *rep;

	set_clock(c, "2028-03-06T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "child-1", .service = cw, .area = "leppavaara", .lang = "fi",
			 .at = "2028-03-06T10:00:00+02:00"));
	rep = due_query(c, cw, NULL);
	assert_int_equal(rep->clocks->n_clocks, 3);
	/* soonest first */
	assert_string_equal(rep->clocks->clocks[0]->stage, "urgency");
	assert_string_equal(rep->clocks->clocks[1]->stage, "decision");
	assert_string_equal(rep->clocks->clocks[2]->stage, "assessment");
	lanu__v1__reply__free_unpacked(rep, NULL);
	EXPECT_CLOCK(c, cw, "child-1", "urgency", "2028-03-06", "2028-03-06T23:59:59.999+02:00",
		     NULL);
	EXPECT_CLOCK(c, cw, "child-1", "decision", "2028-03-15", "2028-03-15T23:59:59.999+02:00",
		     "2028-03-14T00:00:00+02:00");
	EXPECT_CLOCK(c, cw, "child-1", "assessment", "2028-06-06",
		     "2028-06-06T23:59:59.999+03:00", "2028-05-24T00:00:00+03:00");

	/* A delivery must say which stage it completes. */
	REFUSED(PROVIDE(c, .kase = "child-1", .service = cw, .area = "leppavaara",
			.at = "2028-03-06T14:00:00+02:00"),
		"event.service_provided.stage");
	ACCEPTED(PROVIDE(c, .kase = "child-1", .service = cw, .area = "leppavaara",
			 .stage = "urgency", .at = "2028-03-06T14:00:00+02:00"));
	set_clock(c, "2028-03-10T12:00:00+02:00");
	ACCEPTED(PROVIDE(c, .kase = "child-1", .service = cw, .area = "leppavaara",
			 .stage = "decision", .at = "2028-03-10T11:00:00+02:00"));
	set_clock(c, "2028-03-16T00:00:00+02:00");
	EXPECT_NO_ALERTS(c, sup);
	rep = due_query(c, cw, NULL);
	assert_int_equal(rep->clocks->n_clocks, 1);
	assert_string_equal(rep->clocks->clocks[0]->stage, "assessment");
	lanu__v1__reply__free_unpacked(rep, NULL);

	set_clock(c, "2028-05-23T23:59:59.999+03:00");
	EXPECT_NO_ALERTS(c, sup);
	set_clock(c, "2028-05-24T00:00:00+03:00");
	set_clock(c, "2028-06-06T23:59:59.999+03:00");
	EXPECT_ALERTS(c, sup, { WARNING, "child-1", cw, "2028-06-06", sup,
				"2028-05-24T00:00:00+03:00" });
	set_clock(c, "2028-06-07T00:00:00+03:00");
	set_clock(c, "2028-06-20T12:00:00+03:00");
	ACCEPTED(PROVIDE(c, .kase = "child-1", .service = cw, .area = "leppavaara",
			 .stage = "assessment", .at = "2028-06-20T10:00:00+03:00"));
	EXPECT_ALERTS(c, sup,
		      { WARNING, "child-1", cw, "2028-06-06", sup, NULL },
		      { MISSED, "child-1", cw, "2028-06-06", both, "2028-06-07T00:00:00+03:00" },
		      { RESOLVED, "child-1", cw, "2028-06-06", both, "2028-06-20T12:00:00+03:00" });
	/* The plan's routes escalate a warning or a miss left unacknowledged for 2 working
	 * days to top management: each fires when the clock moves past its step. */
	EXPECT_ALERTS(c, "top-management",
		      { ESCALATED, "child-1", cw, NULL, "top-management",
			"2028-06-06T23:59:59.999+03:00" },
		      { MISSED, "child-1", cw, "2028-06-06", both, NULL },
		      { ESCALATED, "child-1", cw, NULL, "top-management",
			"2028-06-20T12:00:00+03:00" },
		      { RESOLVED, "child-1", cw, "2028-06-06", both, NULL });
	{
		Lanu__V1__Alert **v;
		size_t n = clock_alerts(c, sup, &v);

		assert_int_equal(n, 3);
		assert_non_null(strstr(v[1]->text->en, "stage Service-need assessment completed"));
		assert_non_null(strstr(v[2]->text->en, "provided 2028-06-20"));
		daemon_alerts_free(v, n);
	}
	rep = due_query(c, cw, NULL);
	assert_int_equal(rep->clocks->n_clocks, 0);
	lanu__v1__reply__free_unpacked(rep, NULL);

	/* Decision met in 4 working days (Tue 7 .. Fri 10.3); assessment late, 106 days,
	 * 72 working days (less Good Friday, Easter Monday, May Day and Ascension Day). */
	rep = compliance(c, cw, "2028");
	expect_row(rep, "urgency", 1, 1, 0, 0, 0, 0, 0);
	expect_row(rep, "decision", 1, 1, 0, 0, 0, 0, 0);
	expect_row(rep, "assessment", 1, 0, 1, 0, 0, 0, 0);
	{
		const Lanu__V1__ComplianceRow *dec = compliance_row(rep, "decision");
		const Lanu__V1__ComplianceRow *ass = compliance_row(rep, "assessment");

		assert_true(dec->share_met == 1.0);
		assert_true(dec->wait_median_working_days == 4.0);
		assert_true(dec->wait_median_days == 4.0);
		assert_true(ass->share_met == 0.0);
		assert_true(ass->wait_median_working_days == 72.0);
		assert_true(ass->wait_median_days == 106.0);
	}
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(d, c);
}

/* A stage that starts after another: its clock opens when that one is provided, from
 * the delivery's day. Staged: first 7 working days, second 14 days after first. */
static void
test_stage_starts_after(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	Lanu__V1__Reply *rep;

	set_clock(c, "2028-03-06T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "st-1", .service = "staged",
			 .at = "2028-03-06T10:00:00+02:00"));
	rep = due_query(c, "staged", NULL);
	assert_int_equal(rep->clocks->n_clocks, 1);
	lanu__v1__reply__free_unpacked(rep, NULL);
	EXPECT_CLOCK(c, "staged", "st-1", "first", "2028-03-15", "2028-03-15T23:59:59.999+02:00",
		     NULL);
	set_clock(c, "2028-03-09T12:00:00+02:00");
	ACCEPTED(PROVIDE(c, .kase = "st-1", .service = "staged", .stage = "first",
			 .at = "2028-03-09T10:00:00+02:00"));
	EXPECT_CLOCK(c, "staged", "st-1", "second", "2028-03-23", "2028-03-23T23:59:59.999+02:00",
		     NULL);
	rep = due_query(c, "staged", NULL);
	assert_int_equal(rep->clocks->n_clocks, 1);
	assert_int_equal(rep->clocks->clocks[0]->started_at_ms,
			 iso_ms("2028-03-09T10:00:00+02:00"));
	lanu__v1__reply__free_unpacked(rep, NULL);
	set_clock(c, "2028-03-24T00:00:00+02:00");
	EXPECT_ALERTS(c, "sup", { MISSED, "st-1", "staged", "2028-03-23", "sup,board",
				  "2028-03-24T00:00:00+02:00" });
	{
		Lanu__V1__Alert **v;
		size_t n = clock_alerts(c, "sup", &v);

		assert_int_equal(n, 1);
		assert_non_null(strstr(v[0]->text->en, "stage Second"));
		daemon_alerts_free(v, n);
	}
	release(d, c);
}

/*
 * 3. A school calendar: school-sw counts on the calendar of the request's area
 * (`calendar: unit`). School 1 (and its annex, which inherits it) has an autumn break
 * 18-22.10.2027 and terms ending 21.12.2027 and starting Sat 8.1.2028; the office counts
 * national working days.
 *
 * Wed 13.10.2027 + 7 working days: office Thu 14, Fri 15, Mon 18 .. Fri 22 → 22.10; school
 * Thu 14, Fri 15, (break), Mon 25 .. Fri 29 → 29.10: the due day moves by the break's
 * length, a week. Warnings at the end of 20.10 and of 27.10.
 * Fri 17.12.2027 + 7: office Mon 20 .. Thu 23, (24-26.12), Mon 27, Tue 28, Wed 29 →
 * 29.12.2027; school Mon 20, Tue 21, (no term until Sat 8.1, a Saturday), Mon 10 .. Fri
 * 14.1.2028 → 14.1.2028.
 */
static void
test_school_calendar(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	const char *sw = "school-sw";
	Lanu__V1__Reply *rep;

	set_clock(c, "2027-10-13T10:00:00+03:00");
	ACCEPTED(REQUEST(c, .kase = "s-1", .service = sw, .area = "school-1",
			 .at = "2027-10-13T10:00:00+03:00"));
	ACCEPTED(REQUEST(c, .kase = "a-1", .service = sw, .area = "school-1-annex",
			 .at = "2027-10-13T10:00:00+03:00"));
	ACCEPTED(REQUEST(c, .kase = "o-1", .service = sw, .area = "office",
			 .at = "2027-10-13T10:00:00+03:00"));
	EXPECT_CLOCK(c, sw, "o-1", NULL, "2027-10-22", "2027-10-22T23:59:59.999+03:00",
		     "2027-10-21T00:00:00+03:00");
	EXPECT_CLOCK(c, sw, "s-1", NULL, "2027-10-29", "2027-10-29T23:59:59.999+03:00",
		     "2027-10-28T00:00:00+03:00");
	EXPECT_CLOCK(c, sw, "a-1", NULL, "2027-10-29", "2027-10-29T23:59:59.999+03:00",
		     "2027-10-28T00:00:00+03:00");
	rep = due_query(c, sw, NULL);
	assert_string_equal(find_clock(rep, "s-1", NULL)->calendar, "school-2027-2028");
	assert_string_equal(find_clock(rep, "a-1", NULL)->calendar, "school-2027-2028");
	assert_string_equal(find_clock(rep, "o-1", NULL)->calendar, "national");
	/* Working days left from Wed 13.10, today counted: school 13, 14, 15, 25..29. */
	assert_int_equal(find_clock(rep, "s-1", NULL)->working_days_left, 8);
	assert_int_equal(find_clock(rep, "o-1", NULL)->working_days_left, 8);
	lanu__v1__reply__free_unpacked(rep, NULL);

	set_clock(c, "2027-10-21T00:00:00+03:00");
	set_clock(c, "2027-10-23T00:00:00+03:00");
	set_clock(c, "2027-10-28T00:00:00+03:00");
	set_clock(c, "2027-10-30T00:00:00+03:00");
	EXPECT_ALERTS(c, "sup",
		      { WARNING, "o-1", sw, "2027-10-22", "sup", "2027-10-21T00:00:00+03:00" },
		      { MISSED, "o-1", sw, "2027-10-22", "sup,board", "2027-10-23T00:00:00+03:00" },
		      { WARNING, "s-1", sw, "2027-10-29", "sup", "2027-10-28T00:00:00+03:00" },
		      { WARNING, "a-1", sw, "2027-10-29", "sup", "2027-10-28T00:00:00+03:00" },
		      { MISSED, "s-1", sw, "2027-10-29", "sup,board", "2027-10-30T00:00:00+03:00" },
		      { MISSED, "a-1", sw, "2027-10-29", "sup,board",
			"2027-10-30T00:00:00+03:00" });

	set_clock(c, "2027-12-17T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "s-2", .service = sw, .area = "school-1",
			 .at = "2027-12-17T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "o-2", .service = sw, .area = "office",
			 .at = "2027-12-17T10:00:00+02:00"));
	EXPECT_CLOCK(c, sw, "o-2", NULL, "2027-12-29", "2027-12-29T23:59:59.999+02:00",
		     "2027-12-28T00:00:00+02:00");
	EXPECT_CLOCK(c, sw, "s-2", NULL, "2028-01-14", "2028-01-14T23:59:59.999+02:00",
		     "2028-01-13T00:00:00+02:00");
	release(d, c);
}

/*
 * 4. Late and out of order, on wd7 (7 working days, warned 2 working days before).
 *  - A request whose due instant has passed: its miss at once, no warning.
 *  - A delivery before its request, provided after the request time: the request comes
 *    and the clock closes met, silently.
 *  - A delivery before its request but provided before it: not this request's; the
 *    clock stays open.
 *  - A repeated delivery, a repeated late delivery: nothing more.
 *  - A repeated event_id: DUPLICATE, nothing more.
 *  - An early delivery whose request comes after 30 days is forgotten.
 */
static void
test_late_and_out_of_order(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;

	set_clock(c, "2028-05-10T12:00:00+03:00");
	/* Mon 3.4.2028 + 7 working days = Wed 12.4.2028, long past. */
	ACCEPTED(REQUEST(c, .id = "late-req", .kase = "late-1", .service = "wd7",
			 .at = "2028-04-03T09:00:00+03:00"));
	EXPECT_ALERTS(c, "sup", { MISSED, "late-1", "wd7", "2028-04-12", "sup,board",
				  "2028-05-10T12:00:00+03:00" });
	/* The same event again: DUPLICATE, and nothing changes. */
	assert_int_equal(REQUEST(c, .id = "late-req", .kase = "late-1", .service = "wd7",
				 .at = "2028-04-03T09:00:00+03:00").code, DUPLICATE);
	/* The same request under another event id: the first request's clock stands. */
	ACCEPTED(REQUEST(c, .kase = "late-1", .service = "wd7", .at = "2028-05-10T09:00:00+03:00"));
	EXPECT_CLOCK(c, "wd7", "late-1", NULL, "2028-04-12", "2028-04-12T23:59:59.999+03:00",
		     "2028-04-11T00:00:00+03:00");

	/* Delivered (11:00) before the request (09:00) arrived. */
	ACCEPTED(PROVIDE(c, .kase = "early-1", .service = "wd7",
			 .at = "2028-05-10T11:00:00+03:00"));
	rep = due_query(c, "wd7", NULL);
	assert_null(find_clock(rep, "early-1", NULL));
	lanu__v1__reply__free_unpacked(rep, NULL);
	ACCEPTED(REQUEST(c, .kase = "early-1", .service = "wd7",
			 .at = "2028-05-10T09:00:00+03:00"));
	rep = due_query(c, "wd7", NULL);
	assert_null(find_clock(rep, "early-1", NULL));
	lanu__v1__reply__free_unpacked(rep, NULL);

	/* Delivered on 1.5, requested on 10.5: that delivery was for something else. */
	ACCEPTED(PROVIDE(c, .kase = "early-2", .service = "wd7",
			 .at = "2028-05-01T10:00:00+03:00"));
	ACCEPTED(REQUEST(c, .kase = "early-2", .service = "wd7",
			 .at = "2028-05-10T09:00:00+03:00"));
	/* Wed 10.5 + 7 working days: 11, 12, 15, 16, 17, 18, 19 → Fri 19.5.2028 */
	EXPECT_CLOCK(c, "wd7", "early-2", NULL, "2028-05-19", "2028-05-19T23:59:59.999+03:00",
		     "2028-05-18T00:00:00+03:00");

	/* Repeats change nothing. */
	ACCEPTED(PROVIDE(c, .kase = "early-1", .service = "wd7",
			 .at = "2028-05-10T11:00:00+03:00"));
	ACCEPTED(PROVIDE(c, .kase = "late-1", .service = "wd7", .at = "2028-05-10T11:30:00+03:00"));
	ACCEPTED(PROVIDE(c, .kase = "late-1", .service = "wd7", .at = "2028-05-10T11:30:00+03:00"));
	ACCEPTED(PROVIDE(c, .kase = "late-1", .service = "wd7", .at = "2028-05-10T11:00:00+03:00"));
	EXPECT_ALERTS(c, "sup",
		      { MISSED, "late-1", "wd7", "2028-04-12", "sup,board", NULL },
		      { RESOLVED, "late-1", "wd7", "2028-04-12", "sup,board",
			"2028-05-10T12:00:00+03:00" });
	rep = compliance(c, "wd7", "2028-04-01..2028-05-31");
	expect_row(rep, "", 3, 1, 1, 0, 1, 0, 0);
	lanu__v1__reply__free_unpacked(rep, NULL);
	st = status(c, &rep);
	assert_int_equal(st->open_clocks, 1);	/* early-2 */
	assert_int_equal(st->duplicates, 1);
	lanu__v1__reply__free_unpacked(rep, NULL);

	/* Delivered, and the request only 31 days later: the delivery was forgotten after
	 * 30 days, the request's clock opens, and its miss is long due. */
	ACCEPTED(PROVIDE(c, .kase = "early-3", .service = "wd7",
			 .at = "2028-05-10T11:30:00+03:00"));
	set_clock(c, "2028-06-10T12:00:00+03:00");
	ACCEPTED(REQUEST(c, .kase = "early-3", .service = "wd7",
			 .at = "2028-05-10T11:00:00+03:00"));
	EXPECT_ALERTS(c, "sup",
		      { MISSED, "late-1", "wd7", "2028-04-12", "sup,board", NULL },
		      { RESOLVED, "late-1", "wd7", "2028-04-12", "sup,board", NULL },
		      { WARNING, "early-2", "wd7", "2028-05-19", "sup",
			"2028-06-10T12:00:00+03:00" },
		      { MISSED, "early-2", "wd7", "2028-05-19", "sup,board",
			"2028-06-10T12:00:00+03:00" },
		      { MISSED, "early-3", "wd7", "2028-05-19", "sup,board",
			"2028-06-10T12:00:00+03:00" });
	rep = compliance(c, "wd7", "2028-04-01..2028-05-31");
	expect_row(rep, "", 4, 1, 1, 2, 0, 0, 0);
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(d, c);
}

/*
 * 5. Another system reports a miss. For a clock lanud keeps open, the two are one alert,
 * whether the report comes before lanud's own miss or after it; a case lanud does not
 * track gets its own alert, once however often it is reported.
 */
static void
test_external_missed(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	Lanu__V1__Alert **v;
	size_t n;

	set_clock(c, "2028-03-06T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "ext-1", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "ext-2", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	set_clock(c, "2028-03-08T12:00:00+02:00");
	/* Before lanud's own miss (due Wed 15.3). */
	ACCEPTED(EXT_MISSED(c, .id = "x-1", .producer = "other-system", .kase = "ext-1",
			    .service = "wd7", .at = "2028-03-08T00:00:00+02:00"));
	EXPECT_ALERTS(c, "sup", { MISSED, "ext-1", "wd7", "2028-03-15", "sup,board",
				  "2028-03-08T12:00:00+02:00" });
	set_clock(c, "2028-03-14T00:00:00+02:00");	/* ext-2's warning; ext-1 has missed */
	set_clock(c, "2028-03-16T00:00:00+02:00");	/* ext-2's miss; ext-1's is said */
	/* After lanud's own miss. */
	ACCEPTED(EXT_MISSED(c, .id = "x-2", .producer = "other-system", .kase = "ext-2",
			    .service = "wd7", .at = "2028-03-15T23:59:59.999+02:00"));
	ACCEPTED(EXT_MISSED(c, .id = "x-3", .producer = "third-system", .kase = "ext-1",
			    .service = "wd7", .at = "2028-03-15T23:59:59.999+02:00"));
	/* Untracked: its own alert, once. */
	ACCEPTED(EXT_MISSED(c, .id = "x-4", .producer = "other-system", .kase = "ext-3",
			    .service = "wd7", .at = "2028-03-15T23:59:59.999+02:00"));
	ACCEPTED(EXT_MISSED(c, .id = "x-5", .producer = "other-system", .kase = "ext-3",
			    .service = "wd7", .at = "2028-03-15T23:59:59.999+02:00"));
	EXPECT_ALERTS(c, "sup",
		      { MISSED, "ext-1", "wd7", "2028-03-15", "sup,board", NULL },
		      { WARNING, "ext-2", "wd7", "2028-03-15", "sup", "2028-03-14T00:00:00+02:00" },
		      { MISSED, "ext-2", "wd7", "2028-03-15", "sup,board",
			"2028-03-16T00:00:00+02:00" },
		      { MISSED, "ext-3", "wd7", NULL, "sup,board", "2028-03-16T00:00:00+02:00" });
	EXPECT_ALERTS(c, "board",
		      { MISSED, "ext-1", "wd7", "2028-03-15", "sup,board", NULL },
		      { MISSED, "ext-2", "wd7", "2028-03-15", "sup,board", NULL },
		      { MISSED, "ext-3", "wd7", NULL, "sup,board", NULL });
	n = clock_alerts(c, "board", &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0]->event_id, "x-1");
	assert_string_equal(v[0]->producer, "other-system");
	assert_true(strncmp(v[0]->dedup_key, "clock/", 6) == 0);
	assert_true(strncmp(v[1]->dedup_key, "clock/", 6) == 0);
	assert_string_equal(v[2]->dedup_key, "deadline-missed/wd7/-/ext-3");
	assert_string_equal(v[2]->event_id, "x-4");
	daemon_alerts_free(v, n);
	release(d, c);
}

/* CaseCancelled stops a clock uncounted (RESOLVED if it had missed); ServicePostponed
 * silences it and counts it apart. */
static void
test_cancel_and_postpone(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	Lanu__V1__Reply *rep;

	set_clock(c, "2028-03-06T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "c-1", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "c-2", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "c-3", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	set_clock(c, "2028-03-08T10:00:00+02:00");
	ACCEPTED(CANCEL(c, .kase = "c-1", .service = "wd7", .at = "2028-03-08T09:00:00+02:00"));
	ACCEPTED(POSTPONE(c, .kase = "c-2", .service = "wd7", .reason = "family-request"));
	assert_int_equal(POSTPONE(c, .kase = "c-9", .service = "wd7").code, NOT_FOUND);
	set_clock(c, "2028-03-14T00:00:00+02:00");
	set_clock(c, "2028-03-20T10:00:00+02:00");
	ACCEPTED(CANCEL(c, .kase = "c-3", .service = "wd7", .at = "2028-03-20T09:00:00+02:00"));
	EXPECT_ALERTS(c, "sup",
		      { WARNING, "c-3", "wd7", "2028-03-15", "sup", NULL },
		      { MISSED, "c-3", "wd7", "2028-03-15", "sup,board", NULL },
		      { RESOLVED, "c-3", "wd7", "2028-03-15", "sup,board",
			"2028-03-20T10:00:00+02:00" });
	EXPECT_ALERTS(c, "board",
		      { MISSED, "c-3", "wd7", "2028-03-15", "sup,board", NULL },
		      { RESOLVED, "c-3", "wd7", "2028-03-15", "sup,board", NULL });
	rep = compliance(c, "wd7", "2028-03");
	expect_row(rep, "", 3, 0, 0, 0, 0, 2, 1);
	assert_true(compliance_row(rep, "")->share_met == -1.0);
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(d, c);
}

/* --- restarts ------------------------------------------------------------------------------ */

static const char *const restart_cases[] = { "r-1", "r-2", "r-3", "r-4", "r-5" };

/* Each of the cases has exactly one miss in sup's log, in this order. */
static void
expect_misses_once(struct client *c, const char *const *cases, size_t n)
{
	Lanu__V1__Alert **v;
	size_t got = clock_alerts(c, "sup", &v);
	char buf[768];

	if (got != n) {
		for (size_t i = 0; i < got; i++) {
			describe(v[i], buf, sizeof(buf));
			print_error("  got %s\n", buf);
		}
		fail_msg("%zu alerts, expected %zu misses", got, n);
	}
	for (size_t i = 0; i < n; i++) {
		char subject[64];

		snprintf(subject, sizeof(subject), "case:%s", cases[i]);
		assert_int_equal(v[i]->kind, MISSED);
		assert_string_equal(v[i]->subject, subject);
	}
	daemon_alerts_free(v, got);
}

/*
 * 6. Open clocks survive a SIGTERM; after a kill -9 with some misses fired, nothing fires
 * twice. days14 from Mon 6 .. Fri 10.3.2028: due 20 .. 24.3.
 */
static void
test_restart(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;

	for (int i = 0; i < 5; i++) {
		char at[40];

		snprintf(at, sizeof(at), "2028-03-%02dT10:00:00+02:00", 6 + i);
		set_clock(c, at);
		ACCEPTED(REQUEST(c, .kase = restart_cases[i], .service = "days14", .at = at));
	}
	release(d, c);
	assert_int_equal(daemon_stop(d, SIGTERM), 0);
	assert_int_equal(daemon_start(d, NULL), 0);
	c = client_for(d);
	st = status(c, &rep);
	assert_int_equal(st->now_ms, iso_ms("2028-03-10T10:00:00+02:00"));
	assert_int_equal(st->open_clocks, 5);
	assert_int_equal(st->next_deadline_ms, iso_ms("2028-03-21T00:00:00+02:00"));
	lanu__v1__reply__free_unpacked(rep, NULL);
	EXPECT_CLOCK(c, "days14", "r-3", NULL, "2028-03-22", "2028-03-22T23:59:59.999+02:00",
		     NULL);
	EXPECT_NO_ALERTS(c, "sup");

	set_clock(c, "2028-03-22T12:00:00+02:00");
	expect_misses_once(c, restart_cases, 2);
	release(d, c);
	assert_int_equal(daemon_stop(d, SIGKILL), 128 + SIGKILL);
	assert_int_equal(daemon_start(d, NULL), 0);
	c = client_for(d);
	st = status(c, &rep);
	assert_int_equal(st->now_ms, iso_ms("2028-03-22T12:00:00+02:00"));
	assert_int_equal(st->next_deadline_ms, iso_ms("2028-03-23T00:00:00+02:00"));
	lanu__v1__reply__free_unpacked(rep, NULL);
	expect_misses_once(c, restart_cases, 2);
	set_clock(c, "2028-03-25T00:00:00+02:00");
	expect_misses_once(c, restart_cases, 5);
	release(d, c);

	/* And once more: a restart with every miss fired fires nothing. */
	assert_int_equal(daemon_stop(d, SIGKILL), 128 + SIGKILL);
	assert_int_equal(daemon_start(d, NULL), 0);
	c = client_for(d);
	set_clock(c, "2028-04-25T00:00:00+03:00");
	expect_misses_once(c, restart_cases, 5);
	st = status(c, &rep);
	assert_int_equal(st->next_deadline_ms, 0);
	assert_int_equal(st->last_alert_seq, 5);
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(d, c);
}

/* --- refusals ------------------------------------------------------------------------------ */

/* Overwrites clock id's record in the stopped lanud's store with bytes that do not
 * decode: a record lanud can no longer read. */
static void
corrupt_clock(struct daemon *d, uint64_t id)
{
	char dir[600];
	uint64_t be = htobe64(id);
	MDB_val k = { sizeof(be), &be }, v = { 3, (void *)"\xff\xff\xff" };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	snprintf(dir, sizeof(dir), "%s/state", d->dir);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 64 << 20), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "clocks", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* Sends e, as a DeadlineMissed if missed, else as a CaseCancelled naming no stage,
 * with corr_id corr, without waiting for the reply. Returns corr. */
static uint64_t
send_nowait(struct client *c, struct ev e, bool missed, uint64_t corr)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__CaseCancelled cc = LANU__V1__CASE_CANCELLED__INIT;
	Lanu__V1__DeadlineMissed dm = LANU__V1__DEADLINE_MISSED__INIT;
	Lanu__V1__Envelope env;
	char id[64];

	envelope_fill(&env, &e, id, sizeof(id));
	if (missed) {
		dm.case_id = (char *)e.kase;
		dm.service = (char *)e.service;
		dm.area = (char *)"office";
		dm.due_at_ms = iso_ms(e.at);
		env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
		env.deadline_missed = &dm;
	} else {
		cc.case_id = (char *)e.kase;
		cc.service = (char *)e.service;
		cc.reason = LANU__V1__CANCEL_REASON__CANCEL_REASON_WITHDRAWN;
		env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED;
		env.case_cancelled = &cc;
	}
	req.corr_id = corr;
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &env;
	assert_int_equal(client_send(c, &req), 0);
	return corr;
}

/* The replies to two requests sent without waiting, by corr_id. */
static void
recv_two(struct client *c, uint64_t corr1, Lanu__V1__Reply **ret1, uint64_t corr2,
	 Lanu__V1__Reply **ret2)
{
	*ret1 = *ret2 = NULL;
	for (int i = 0; i < 2; i++) {
		Lanu__V1__Reply *rep;

		assert_int_equal(client_recv(c, 10000, &rep), 0);
		if (rep->corr_id == corr1 && !*ret1)
			*ret1 = rep;
		else if (rep->corr_id == corr2 && !*ret2)
			*ret2 = rep;
		else
			fail_msg("unexpected reply %" PRIu64, rep->corr_id);
	}
}

/*
 * A refused event changes nothing, even one refused half-way through its handling. Case
 * h-1 has two open, missed clocks, of the stages first and second of "staged"; between
 * two runs the second's record is made unreadable. A CaseCancelled naming no stage
 * cancels the first (its RESOLVED alert is raised) and then cannot read the second: the
 * event is refused, and the first stage's cancellation and its alert must go with it:
 * no alert seq taken, the clock still open, no dedup entry (the same event id, naming
 * the readable stage, is then accepted). An event before it in the same batch is
 * applied once: its alert takes the next seq, and the log has no gap and no repeat.
 */
static void
test_refused_half_way_changes_nothing(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	Lanu__V1__Reply *rep, *r1, *r2;
	Lanu__V1__Alert **v;
	uint64_t second_id, last_seq;
	size_t n;

	set_clock(c, "2028-03-06T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "h-1", .service = "staged", .stage = "first",
			 .at = "2028-03-06T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "h-1", .service = "staged", .stage = "second",
			 .at = "2028-03-06T10:00:00+02:00"));
	set_clock(c, "2028-04-03T10:00:00+03:00");
	EXPECT_ALERTS(c, "sup", { MISSED, "h-1", "staged", "2028-03-15", "sup,board", NULL },
		      { MISSED, "h-1", "staged", "2028-03-20", "sup,board", NULL });
	rep = due_query(c, "staged", NULL);
	assert_non_null(find_clock(rep, "h-1", "first"));
	assert_non_null(find_clock(rep, "h-1", "second"));
	second_id = find_clock(rep, "h-1", "second")->id;
	lanu__v1__reply__free_unpacked(rep, NULL);
	last_seq = status(c, &rep)->last_alert_seq;
	lanu__v1__reply__free_unpacked(rep, NULL);
	assert_int_equal(last_seq, 2);
	release(d, c);
	assert_int_equal(daemon_stop(d, SIGTERM), 0);
	corrupt_clock(d, second_id);
	assert_int_equal(daemon_start(d, NULL), 0);
	c = client_for(d);

	/* Most likely one batch: an external miss of h-2 (an alert), then the cancellation. */
	send_nowait(c, (struct ev){ .id = "miss-h-2", .kase = "h-2", .service = "days14",
				    .at = "2028-03-20T10:00:00+02:00" }, true, 901);
	send_nowait(c, (struct ev){ .id = "cancel-h-1", .kase = "h-1", .service = "staged",
				    .at = "2028-04-03T09:00:00+03:00" }, false, 902);
	recv_two(c, 901, &r1, 902, &r2);
	if (r1->code != OK)
		fail_msg("miss-h-2 answered %d: %s %s", r1->code, r1->field, r1->reason);
	if (r2->code != REJECTED)
		fail_msg("cancel-h-1 answered %d, not REJECTED: %s", r2->code, r2->reason);
	lanu__v1__reply__free_unpacked(r1, NULL);

	/* Nothing of the cancellation is left: the miss of h-2 took the next seq. */
	assert_int_equal(status(c, &rep)->last_alert_seq, last_seq + 1);
	lanu__v1__reply__free_unpacked(rep, NULL);
	assert_non_null(strstr(r2->reason, "cannot be applied"));	/* and it says why */
	lanu__v1__reply__free_unpacked(r2, NULL);
	EXPECT_ALERTS(c, "sup", { MISSED, "h-1", "staged", "2028-03-15", "sup,board", NULL },
		      { MISSED, "h-1", "staged", "2028-03-20", "sup,board", NULL },
		      { MISSED, "h-2", "days14", NULL, "sup,board", NULL });
	n = daemon_replay_alerts(c, "sup", 0, &v, 16);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i]->seq, i + 1);
	daemon_alerts_free(v, n);
	assert_int_equal(status(c, &rep)->open_clocks, 2);	/* the first stage's too */
	lanu__v1__reply__free_unpacked(rep, NULL);

	/* The event id was not taken: sent again for the readable stage, it is applied. */
	ACCEPTED(CANCEL(c, .id = "cancel-h-1", .kase = "h-1", .service = "staged",
			.stage = "first", .at = "2028-04-03T09:00:00+03:00"));
	EXPECT_ALERTS(c, "sup", { MISSED, "h-1", "staged", "2028-03-15", "sup,board", NULL },
		      { MISSED, "h-1", "staged", "2028-03-20", "sup,board", NULL },
		      { MISSED, "h-2", "days14", NULL, "sup,board", NULL },
		      { RESOLVED, "h-1", "staged", "2028-03-15", "sup,board", NULL });
	assert_int_equal(status(c, &rep)->last_alert_seq, last_seq + 2);
	assert_int_equal(rep->status->open_clocks, 1);
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(d, c);
}

/* --- plan reload ---------------------------------------------------------------------------- */

static void
plan_load(struct client *c, const char *text, uint64_t want_version)
{
	Lanu__V1__PlanLoad pl = LANU__V1__PLAN_LOAD__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;

	pl.source = (char *)"test-plan.yaml";
	pl.loaded_by = (char *)"test";
	pl.content.data = (uint8_t *)text;
	pl.content.len = strlen(text);
	req.body_case = LANU__V1__REQUEST__BODY_PLAN_LOAD;
	req.plan_load = &pl;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	if (rep->code != OK)
		fail_msg("PlanLoad answered %d: %s %s", rep->code, rep->field, rep->reason);
	assert_int_equal(rep->plan_load->version, want_version);
	lanu__v1__reply__free_unpacked(rep, NULL);
}

/*
 * 7. A new plan changes no running clock. Mon 6.3.2028 + 7 working days = Wed 15.3 (plan
 * 1); the file rewritten to 10 working days and SIGHUP: + 10 = Mon 20.3 (plan 2); a
 * PlanLoad of 13 working days: + 13 = Thu 23.3 (plan 3). Each clock fires at its own.
 */
static void
test_plan_reload(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;
	char v3[sizeof(base_plan) + 64];

	set_clock(c, "2028-03-06T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "p-1", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	assert_int_equal(write_base_plan(d, "10 working days"), 0);
	assert_int_equal(daemon_reload(d), 0);
	st = status(c, &rep);
	assert_int_equal(st->plan_version, 2);
	lanu__v1__reply__free_unpacked(rep, NULL);
	ACCEPTED(REQUEST(c, .kase = "p-2", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	snprintf(v3, sizeof(v3), base_plan, "13 working days");
	plan_load(c, v3, 3);
	ACCEPTED(REQUEST(c, .kase = "p-3", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	/* A request for a case with its clock open changes nothing. */
	ACCEPTED(REQUEST(c, .kase = "p-1", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));

	EXPECT_CLOCK(c, "wd7", "p-1", NULL, "2028-03-15", "2028-03-15T23:59:59.999+02:00",
		     "2028-03-14T00:00:00+02:00");
	EXPECT_CLOCK(c, "wd7", "p-2", NULL, "2028-03-20", "2028-03-20T23:59:59.999+02:00",
		     "2028-03-17T00:00:00+02:00");
	EXPECT_CLOCK(c, "wd7", "p-3", NULL, "2028-03-23", "2028-03-23T23:59:59.999+02:00",
		     "2028-03-22T00:00:00+02:00");
	rep = due_query(c, "wd7", NULL);
	assert_int_equal(find_clock(rep, "p-1", NULL)->limit->count, 7);
	assert_int_equal(find_clock(rep, "p-1", NULL)->plan_version, 1);
	assert_int_equal(find_clock(rep, "p-2", NULL)->limit->count, 10);
	assert_int_equal(find_clock(rep, "p-2", NULL)->plan_version, 2);
	assert_int_equal(find_clock(rep, "p-3", NULL)->limit->count, 13);
	assert_int_equal(find_clock(rep, "p-3", NULL)->plan_version, 3);
	lanu__v1__reply__free_unpacked(rep, NULL);

	set_clock(c, "2028-03-16T00:00:00+02:00");
	EXPECT_ALERTS(c, "board", { MISSED, "p-1", "wd7", "2028-03-15", "sup,board",
				    "2028-03-16T00:00:00+02:00" });
	set_clock(c, "2028-03-17T00:00:00+02:00");
	set_clock(c, "2028-03-21T00:00:00+02:00");
	set_clock(c, "2028-03-22T00:00:00+02:00");
	set_clock(c, "2028-03-24T00:00:00+02:00");
	EXPECT_ALERTS(c, "sup",
		      { WARNING, "p-1", "wd7", "2028-03-15", "sup", "2028-03-16T00:00:00+02:00" },
		      { MISSED, "p-1", "wd7", "2028-03-15", "sup,board", NULL },
		      { WARNING, "p-2", "wd7", "2028-03-20", "sup", "2028-03-17T00:00:00+02:00" },
		      { MISSED, "p-2", "wd7", "2028-03-20", "sup,board",
			"2028-03-21T00:00:00+02:00" },
		      { WARNING, "p-3", "wd7", "2028-03-23", "sup", "2028-03-22T00:00:00+02:00" },
		      { MISSED, "p-3", "wd7", "2028-03-23", "sup,board",
			"2028-03-24T00:00:00+02:00" });
	release(d, c);
}

/* A resolution goes to everyone its miss went to, even when the plan in force has
 * routed misses elsewhere since. */
static void
test_resolved_after_reload(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	char v2[sizeof(base_plan) + 64];
	char *p;

	set_clock(c, "2028-03-06T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "rr-1", .service = "days14",
			 .at = "2028-03-06T10:00:00+02:00"));
	set_clock(c, "2028-03-21T00:00:00+02:00");
	EXPECT_ALERTS(c, "sup", { MISSED, "rr-1", "days14", "2028-03-20", "sup,board", NULL });
	/* Plan 2: misses go to the board only; sup stays a recipient of the plan. */
	snprintf(v2, sizeof(v2), base_plan, "7 working days");
	p = strstr(v2, "routes:\n");
	assert_non_null(p);
	strcpy(p, "routes:\n  - {kinds: deadline-missed, to: board}\n");
	plan_load(c, v2, 2);
	ACCEPTED(PROVIDE(c, .kase = "rr-1", .service = "days14",
			 .at = "2028-03-21T09:00:00+02:00"));
	EXPECT_ALERTS(c, "board",
		      { MISSED, "rr-1", "days14", "2028-03-20", "sup,board", NULL },
		      { RESOLVED, "rr-1", "days14", "2028-03-20", NULL, NULL });
	EXPECT_ALERTS(c, "sup",
		      { MISSED, "rr-1", "days14", "2028-03-20", "sup,board", NULL },
		      { RESOLVED, "rr-1", "days14", "2028-03-20", NULL, NULL });
	release(d, c);
}

/* --- many clocks ---------------------------------------------------------------------------- */

/* Sends n ServiceRequested for days120 with a window; case i is requested on day
 * (i * 37) % 100 after 1.1.2028, at 08:00 + i seconds (local winter time: the same
 * local day in summer time too). Every one must be accepted. */
static void
open_many(struct daemon *d, size_t n, const char *prefix)
{
	struct client *c = client_for(d);
	size_t sent = 0, acked = 0, inflight = 0;
	uint64_t base = iso_ms("2028-01-01T08:00:00+02:00"), last = mono_ms();

	while (acked < n) {
		Lanu__V1__Reply *rep;
		int r;

		while (sent < n && inflight < 256) {
			Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
			Lanu__V1__ServiceRequested m = LANU__V1__SERVICE_REQUESTED__INIT;
			Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
			char id[48];

			snprintf(id, sizeof(id), "%s-%zu", prefix, sent);
			m.case_id = id;
			m.service = (char *)"days120";
			m.area = (char *)"office";
			m.urgency = LANU__V1__URGENCY__URGENCY_NORMAL;
			m.requested_at_ms = base + (uint64_t)((sent * 37) % 100) * DAY_MS +
					    (uint64_t)sent * 1000;
			ev.event_id = id;
			ev.producer = (char *)"many";
			ev.occurred_at_ms = m.requested_at_ms;
			ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
			ev.service_requested = &m;
			req.corr_id = sent + 1;
			req.body_case = LANU__V1__REQUEST__BODY_EVENT;
			req.event = &ev;
			assert_int_equal(client_send(c, &req), 0);
			sent++;
			inflight++;
		}
		r = client_recv(c, 200, &rep);
		if (r == -ETIMEDOUT) {
			if (mono_ms() - last > 30000)
				fail_msg("no reply for 30 s, %zu of %zu acknowledged", acked, n);
			continue;
		}
		assert_int_equal(r, 0);
		last = mono_ms();
		if (rep->code != OK)
			fail_msg("request %" PRIu64 " answered %d: %s %s", rep->corr_id, rep->code,
				 rep->field, rep->reason);
		lanu__v1__reply__free_unpacked(rep, NULL);
		inflight--;
		acked++;
	}
	release(d, c);
}

/* The local due day (start + 120 days) of case i of open_many(), as "YYYY-MM-DD". */
static void
many_due_day(size_t i, char out[11])
{
	struct tm tm = { .tm_year = 2028 - 1900, .tm_mon = 0,
			 .tm_mday = 1 + (int)((i * 37) % 100) + 120, .tm_hour = 12 };
	time_t t = timegm(&tm);

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Days since the epoch of "YYYY-MM-DD". */
static long
day_number(const char *ymd)
{
	struct tm tm = { .tm_hour = 12 };

	if (sscanf(ymd, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long)(timegm(&tm) / 86400);
}

/* sup's log holds exactly one warning and one miss of each of the n cases (days120,
 * warned 14 days before: at the start of due - 13; missed at the start of due + 1),
 * in the order of those instants (and at one instant in the order the clocks were
 * opened), and nothing else. */
static void
expect_many_fired(struct client *c, size_t n, const char *prefix)
{
	Lanu__V1__Alert **v;
	size_t got = clock_alerts(c, "sup", &v), plen = strlen(prefix);
	uint8_t *seen = calloc(n, sizeof(*seen));
	char due[11], want[11], err[256] = "";
	long prev_at = 0;
	size_t prev_i = 0;

	assert_non_null(seen);
	if (got != 2 * n)
		snprintf(err, sizeof(err), "%zu clock alerts, expected %zu warnings and misses",
			 got, n);
	for (size_t k = 0; k < got && !*err; k++) {
		const Lanu__V1__Alert *a = v[k];
		const char *id = a->subject + 5;	/* "case:" */
		uint8_t bit = a->kind == MISSED ? 2 : a->kind == WARNING ? 1 : 0;
		size_t i = SIZE_MAX;
		long at;

		if (strncmp(id, prefix, plen) == 0 && id[plen] == '-')
			i = strtoul(id + plen + 1, NULL, 10);
		if (!bit || i >= n) {
			snprintf(err, sizeof(err), "alert %" PRIu64 " is %s about %s", a->seq,
				 daemon_kind_name(a->kind), a->subject);
			break;
		}
		text_due(a, due);
		many_due_day(i, want);
		at = day_number(due) + (bit == 2 ? 1 : -13);
		if (seen[i] & bit)
			snprintf(err, sizeof(err), "%s: %s twice (again at seq %" PRIu64 ")",
				 a->subject, daemon_kind_name(a->kind), a->seq);
		else if (bit == 1 && (seen[i] & 2))
			snprintf(err, sizeof(err), "%s warned after its miss", a->subject);
		else if (strcmp(due, want) != 0)
			snprintf(err, sizeof(err), "%s: due %s, expected %s", a->subject, due,
				 want);
		else if (k > 0 && (at < prev_at || (at == prev_at && i < prev_i)))
			snprintf(err, sizeof(err), "seq %" PRIu64 " (%s %s, due %s) fired after "
				 "%s-%zu", a->seq, daemon_kind_name(a->kind), a->subject, due, prefix,
				 prev_i);
		seen[i] |= bit;
		prev_at = at;
		prev_i = i;
	}
	free(seen);
	daemon_alerts_free(v, got);
	if (*err)
		fail_msg("%s", err);
}

/*
 * 8. One ClockSet over 2,000 clocks (due 30.4 .. 7.8.2028, 20 a day, each warned 14 days
 * before): exactly 2,000 warnings and 2,000 misses, each once, in the order of their
 * instants, status queries answered all the while, and the ClockSet answered only when
 * the last of them is committed.
 */
static void
test_jump_over_many(void **state)
{
	struct daemon *d = *state;
	enum { N = 2000 };
	struct client *c, *q;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;
	uint64_t t0, worst = 0, last_seq = 0;
	size_t mid = 0, polls = 0;

	c = client_for(d);
	set_clock(c, "2028-04-11T12:00:00+03:00");
	open_many(d, N, "m");
	q = client_for(d);
	st = status(q, &rep);
	assert_int_equal(st->open_clocks, N);
	assert_int_equal(st->next_deadline_ms, iso_ms("2028-04-17T00:00:00+03:00"));
	lanu__v1__reply__free_unpacked(rep, NULL);
	EXPECT_NO_ALERTS(q, "sup");

	cs.now_ms = iso_ms("2028-09-01T00:00:00+03:00");
	req.corr_id = 4242;
	req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
	req.clock_set = &cs;
	assert_int_equal(client_send(c, &req), 0);
	t0 = mono_ms();
	while (last_seq < 2 * N && mono_ms() - t0 < 60000) {
		uint64_t s = mono_ms();

		st = status(q, &rep);
		if (mono_ms() - s > worst)
			worst = mono_ms() - s;
		last_seq = st->last_alert_seq;
		mid += last_seq > 0 && last_seq < 2 * N;
		polls++;
		lanu__v1__reply__free_unpacked(rep, NULL);
	}
	print_message("    %zu status replies during the jump, %zu while it fired, slowest "
		      "%" PRIu64 " ms\n", polls, mid, worst);
	assert_int_equal(last_seq, 2 * N);
	assert_true(worst < 5000);
	assert_int_equal(client_recv(c, 10000, &rep), 0);
	assert_int_equal(rep->corr_id, 4242);
	assert_int_equal(rep->code, OK);
	/* answered once everything due by then had fired and was committed */
	assert_int_equal(rep->last_alert_seq, 2 * N);
	lanu__v1__reply__free_unpacked(rep, NULL);

	expect_many_fired(q, N, "m");
	st = status(q, &rep);
	assert_int_equal(st->last_alert_seq, 2 * N);
	assert_int_equal(st->open_clocks, N);	/* missed, and still open */
	assert_int_equal(st->next_deadline_ms, 0);
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(d, q);
	release(d, c);
}

/* The same jump over 1,000 clocks, lanud killed -9 as soon as the ClockSet's first batch
 * is committed (the rest on their way, the ClockSet not answered yet): after the
 * restart the rest fire, and no warning or miss fires twice. */
static void
test_jump_kill9(void **state)
{
	struct daemon *d = *state;
	enum { N = 1000 };
	struct client *c, *q;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;
	uint64_t seq = 0, t0;

	c = client_for(d);
	set_clock(c, "2028-04-11T12:00:00+03:00");
	open_many(d, N, "k");
	q = client_for(d);
	cs.now_ms = iso_ms("2028-09-01T00:00:00+03:00");
	req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
	req.clock_set = &cs;
	assert_int_equal(client_send(c, &req), 0);
	t0 = mono_ms();
	while (seq == 0 && mono_ms() - t0 < 30000) {
		st = status(q, &rep);
		seq = st->last_alert_seq;
		lanu__v1__reply__free_unpacked(rep, NULL);
	}
	assert_true(seq > 0);
	kill(d->pid, SIGKILL);
	seq = 0;
	release(d, q);
	release(d, c);
	assert_int_equal(daemon_stop(d, SIGKILL), 128 + SIGKILL);
	assert_int_equal(daemon_start(d, NULL), 0);
	c = client_for(d);
	t0 = mono_ms();
	while (seq < 2 * N && mono_ms() - t0 < 30000) {
		st = status(c, &rep);
		seq = st->last_alert_seq;
		lanu__v1__reply__free_unpacked(rep, NULL);
	}
	assert_int_equal(seq, 2 * N);
	expect_many_fired(c, N, "k");
	release(d, c);
}

/*
 * The misses of one jump come in due order across services too: A (3 months, warned 2
 * weeks before) is due Sun 30.4.2028, its warning on 17.4; B (14 days, no warning) is due
 * Sat 22.4. A jump to 10.5 must tell B's miss (due first) before A's.
 */
static void
test_jump_mixed_due_order(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);

	set_clock(c, "2028-01-31T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "mix-a", .service = "months3",
			 .at = "2028-01-31T10:00:00+02:00"));
	set_clock(c, "2028-04-08T10:00:00+03:00");
	ACCEPTED(REQUEST(c, .kase = "mix-b", .service = "days14",
			 .at = "2028-04-08T10:00:00+03:00"));
	EXPECT_CLOCK(c, "months3", "mix-a", NULL, "2028-04-30", "2028-04-30T23:59:59.999+03:00",
		     "2028-04-17T00:00:00+03:00");
	EXPECT_CLOCK(c, "days14", "mix-b", NULL, "2028-04-22", "2028-04-22T23:59:59.999+03:00",
		     NULL);
	set_clock(c, "2028-05-10T00:00:00+03:00");
	EXPECT_ALERTS(c, "board",
		      { MISSED, "mix-b", "days14", "2028-04-22", "sup,board", NULL },
		      { MISSED, "mix-a", "months3", "2028-04-30", "sup,board", NULL });
	release(d, c);
}

/*
 * 9. The due list pages by its cursor: 1,200 open clocks (twelve due at each instant),
 * walked page after page with the default page and with pages of 7 (which split the
 * clocks of one instant), each clock comes exactly once, by due instant then clock id,
 * every page but the last says more and names its last clock as the cursor.
 */
static void
test_due_cursor(void **state)
{
	struct daemon *d = *state;
	enum { N = 1200 };
	static const uint32_t limits[] = { 0, 7 };
	struct client *c = client_for(d);
	uint8_t *seen = calloc(N, sizeof(*seen));

	assert_non_null(seen);
	set_clock(c, "2028-04-11T12:00:00+03:00");
	open_many(d, N, "cur");
	for (size_t l = 0; l < ELEMENTSOF(limits); l++) {
		Lanu__V1__DueQuery q = LANU__V1__DUE_QUERY__INIT;
		uint32_t page = limits[l] ? limits[l] : QUERY_PAGE;
		uint64_t prev_at = 0, prev_id = 0;
		size_t got = 0, pages = 0;
		bool more = true;

		memset(seen, 0, N);
		q.limit = limits[l];
		while (more) {
			Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
			const Lanu__V1__ClockList *cl;
			Lanu__V1__Reply *rep;

			req.body_case = LANU__V1__REQUEST__BODY_DUE;
			req.due = &q;
			assert_int_equal(client_call(c, &req, 10000, &rep), 0);
			assert_int_equal(rep->code, OK);
			cl = rep->clocks;
			for (size_t i = 0; i < cl->n_clocks; i++) {
				const Lanu__V1__Clock *k = cl->clocks[i];
				unsigned long n;

				if (sscanf(k->case_id, "cur-%lu", &n) != 1 || n >= N)
					fail_msg("page %zu: case '%s'", pages, k->case_id);
				if (seen[n]++)
					fail_msg("page %zu: %s a second time", pages, k->case_id);
				if (k->due_at_ms < prev_at ||
				    (k->due_at_ms == prev_at && k->id <= prev_id))
					fail_msg("page %zu: %s out of order", pages, k->case_id);
				prev_at = k->due_at_ms;
				prev_id = k->id;
				got++;
			}
			more = cl->more;
			if (more) {
				assert_int_equal(cl->n_clocks, page);
				assert_int_equal(cl->next_due_at_ms, prev_at);
				assert_int_equal(cl->next_id, prev_id);
			} else {
				assert_int_equal(cl->next_due_at_ms, 0);
				assert_int_equal(cl->next_id, 0);
			}
			q.after_due_at_ms = cl->next_due_at_ms;
			q.after_id = cl->next_id;
			pages++;
			lanu__v1__reply__free_unpacked(rep, NULL);
		}
		assert_int_equal(got, N);
		assert_int_equal(pages, (N + page - 1) / page);
	}
	free(seen);
	release(d, c);
}

/* A CaseQuery's reply (any code). */
static Lanu__V1__Reply *
case_query(struct client *c, const char *kase, const char *service)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__CaseQuery q = LANU__V1__CASE_QUERY__INIT;
	Lanu__V1__Reply *rep;

	q.case_id = (char *)kase;
	if (service)
		q.service = (char *)service;
	req.body_case = LANU__V1__REQUEST__BODY_CASE_QUERY;
	req.case_query = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	return rep;
}

/*
 * 10. A case's clocks, open or closed, across services, by start: wd7 requested, warned
 * and provided late; days14 requested after it and open. Another case's are not among
 * them; --service narrows; an unknown case is NOT_FOUND, an empty one REJECTED.
 */
static void
test_case_query(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	const Lanu__V1__Clock *k;
	Lanu__V1__Reply *rep;

	set_clock(c, "2028-03-06T10:00:00+02:00");
	ACCEPTED(REQUEST(c, .kase = "cq-1", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "cq-2", .service = "wd7", .at = "2028-03-06T10:00:00+02:00"));
	set_clock(c, "2028-03-20T10:00:00+02:00");
	ACCEPTED(PROVIDE(c, .kase = "cq-1", .service = "wd7", .at = "2028-03-20T09:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "cq-1", .service = "days14",
			 .at = "2028-03-20T09:30:00+02:00"));

	rep = case_query(c, "cq-1", NULL);
	assert_int_equal(rep->code, OK);
	assert_int_equal(rep->clocks->n_clocks, 2);
	k = rep->clocks->clocks[0];
	assert_string_equal(k->service, "wd7");
	assert_int_equal(k->state, LANU__V1__CLOCK__STATE__STATE_LATE);
	assert_true(k->warned);
	assert_true(k->missed);
	assert_int_equal(k->closed_at_ms, iso_ms("2028-03-20T09:00:00+02:00"));
	assert_string_equal(k->due_day, "2028-03-15");
	k = rep->clocks->clocks[1];
	assert_string_equal(k->service, "days14");
	assert_int_equal(k->state, S_OPEN);
	assert_int_equal(k->started_at_ms, iso_ms("2028-03-20T09:30:00+02:00"));
	lanu__v1__reply__free_unpacked(rep, NULL);

	rep = case_query(c, "cq-1", "days14");
	assert_int_equal(rep->code, OK);
	assert_int_equal(rep->clocks->n_clocks, 1);
	assert_string_equal(rep->clocks->clocks[0]->service, "days14");
	lanu__v1__reply__free_unpacked(rep, NULL);

	rep = case_query(c, "cq-9", NULL);
	assert_int_equal(rep->code, NOT_FOUND);
	assert_string_equal(rep->field, "case_query.case_id");
	lanu__v1__reply__free_unpacked(rep, NULL);
	rep = case_query(c, "cq-2", "days14");
	assert_int_equal(rep->code, NOT_FOUND);
	assert_string_equal(rep->field, "case_query.case_id");
	lanu__v1__reply__free_unpacked(rep, NULL);
	rep = case_query(c, "", NULL);
	assert_int_equal(rep->code, REJECTED);
	assert_string_equal(rep->field, "case_query.case_id");
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(d, c);
}

/*
 * The compliance indicator counts each clock once. Five clocks of "measured" (14 days,
 * indicator measured-in-time: target 100 %, warning 90, critical 80) all miss: 0 % of 5,
 * below critical. Then the deliveries are reported, each made in time (on the due day):
 * every clock is met after all, 100 % of 5, and the indicator's alert is resolved.
 */
static void
test_indicator_counts_each_clock_once(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	Lanu__V1__Alert **v;
	Lanu__V1__Reply *rep;
	size_t n, k = 0;
	int kinds[8];

	set_clock(c, "2028-03-06T10:00:00+02:00");
	for (int i = 0; i < 5; i++) {
		char kase[16];

		snprintf(kase, sizeof(kase), "ind-%d", i);
		ACCEPTED(REQUEST(c, .kase = kase, .service = "measured",
				 .at = "2028-03-06T10:00:00+02:00"));
	}
	set_clock(c, "2028-03-21T00:00:00+02:00");
	for (int i = 0; i < 5; i++) {
		char kase[16];

		snprintf(kase, sizeof(kase), "ind-%d", i);
		ACCEPTED(PROVIDE(c, .kase = kase, .service = "measured",
				 .at = "2028-03-20T12:00:00+02:00"));
	}
	rep = compliance(c, "measured", "2028-03");
	expect_row(rep, "", 5, 5, 0, 0, 0, 0, 0);
	lanu__v1__reply__free_unpacked(rep, NULL);
	/* Each clock: its miss, and its resolution (it was met after all). */
	n = clock_alerts(c, "sup", &v);
	assert_int_equal(n, 10);
	daemon_alerts_free(v, n);

	n = daemon_replay_alerts(c, "board", 0, &v, 100);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->subject, "indicator:measured-in-time") == 0 && k < 8)
			kinds[k++] = v[i]->kind;
	if (k != 2 || kinds[0] != LANU__V1__ALERT_KIND__ALERT_KIND_COMPLIANCE_BELOW_TARGET ||
	    kinds[1] != RESOLVED) {
		for (size_t i = 0; i < n; i++) {
			char buf[768];

			describe(v[i], buf, sizeof(buf));
			print_error("  got %s\n", buf);
		}
		daemon_alerts_free(v, n);
		fail_msg("board: %zu alerts about indicator measured-in-time, expected "
			 "COMPLIANCE_BELOW_TARGET then RESOLVED", k);
	}
	daemon_alerts_free(v, n);
	release(d, c);
}

/* Opens n clocks of "measured" for cases PREFIX-FIRST.. in language lang at `at`, and
 * provides each at `provided` if that is given. */
static void
measured_cases(struct client *c, const char *prefix, int first, int n, const char *lang,
	       const char *at, const char *provided)
{
	for (int i = first; i < first + n; i++) {
		char kase[32];

		snprintf(kase, sizeof(kase), "%s-%d", prefix, i);
		ACCEPTED(REQUEST(c, .kase = kase, .service = "measured", .lang = lang, .at = at));
		if (provided)
			ACCEPTED(PROVIDE(c, .kase = kase, .service = "measured", .at = provided));
	}
}

/* The alerts about indicator measured-in-time board got, as "KIND/SEVERITY/group". */
static size_t
indicator_alerts(struct client *c, char out[][64], size_t max)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, "board", 0, &v, 100000), k = 0;

	for (size_t i = 0; i < n; i++) {
		const char *g;

		if (strcmp(v[i]->subject, "indicator:measured-in-time") != 0 || k == max)
			continue;
		g = strstr(v[i]->text->en, "(language=fi)") ? "fi"
		    : strstr(v[i]->text->en, "(language=") ? "other" : "all";
		snprintf(out[k++], 64, "%s/%s/%s",
			 v[i]->kind == RESOLVED ? "resolved" : "below",
			 v[i]->severity == LANU__V1__SEVERITY__SEVERITY_CRITICAL ? "critical"
			 : v[i]->severity == LANU__V1__SEVERITY__SEVERITY_WARNING ? "warning"
										   : "info",
			 g);
	}
	daemon_alerts_free(v, n);
	return k;
}

/*
 * Crossings, hysteresis and groups of a compliance indicator (target 100, warning 90,
 * critical 80, by language group; a threshold is cleared 2 points above it):
 *  - 15 clocks, 14 met: 93 % overall, 90 % for fi (not below 90): nothing;
 *  - 2 more fi miss: overall 87.5 % (warning), fi 81.8 % (warning), then fi 75 %
 *    (critical): three alerts, in that order;
 *  - 6 fi met: fi 83 %: critical to warning, quietly; 10 more: overall 90.9 %, at the
 *    warning threshold but not 2 points clear of it: still nothing;
 *  - 10 more: overall clears at 92.1 % (the 5th), fi at 92.1 % (the 10th): two
 *    resolutions. The sv group (5 of 5 met) never alerts.
 */
static void
test_indicator_hysteresis_and_groups(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	static const char *const want[] = {
		"below/warning/all", "below/warning/fi", "below/critical/fi",
		"resolved/info/all", "resolved/info/fi",
	};
	char got[16][64];
	size_t n;

	set_clock(c, "2028-03-06T10:00:00+02:00");
	measured_cases(c, "fi", 0, 9, "fi", "2028-03-06T10:00:00+02:00",
		       "2028-03-10T10:00:00+02:00");
	measured_cases(c, "fi", 9, 1, "fi", "2028-03-06T10:00:00+02:00", NULL);
	measured_cases(c, "sv", 0, 5, "sv", "2028-03-06T10:00:00+02:00",
		       "2028-03-10T10:00:00+02:00");
	set_clock(c, "2028-03-21T00:00:00+02:00");	/* fi-9 misses */
	assert_int_equal(indicator_alerts(c, got, 16), 0);

	measured_cases(c, "fi", 10, 2, "fi", "2028-03-21T10:00:00+02:00", NULL);
	set_clock(c, "2028-04-05T00:00:00+03:00");	/* fi-10 and fi-11 miss */
	n = indicator_alerts(c, got, 16);
	assert_int_equal(n, 3);

	measured_cases(c, "fi", 12, 6, "fi", "2028-04-05T10:00:00+03:00",
		       "2028-04-06T10:00:00+03:00");
	measured_cases(c, "fi", 18, 10, "fi", "2028-04-10T10:00:00+03:00",
		       "2028-04-11T10:00:00+03:00");
	assert_int_equal(indicator_alerts(c, got, 16), 3);	/* hysteresis holds */

	measured_cases(c, "fi", 28, 10, "fi", "2028-04-12T10:00:00+03:00",
		       "2028-04-13T10:00:00+03:00");
	n = indicator_alerts(c, got, 16);
	assert_int_equal(n, ELEMENTSOF(want));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
	release(d, c);
}

/* --- validation ---------------------------------------------------------------------------- */

/* 9. What the plan in force does not have, or a limit needs and the event lacks, is
 * refused with the field that is wrong; nothing refused is stored. */
static void
test_validation(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	const char *at = "2028-03-06T10:00:00+02:00";
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;

	set_clock(c, at);
	REFUSED(REQUEST(c, .id = "v-1", .kase = "v", .service = "no-such-service", .at = at),
		"event.service_requested.service");
	REFUSED(REQUEST(c, .id = "v-2", .kase = "v", .service = "wd7", .area = "no-such-area",
			.at = at),
		"event.service_requested.area");
	REFUSED(REQUEST(c, .id = "v-3", .kase = "v", .service = "staged", .stage = "third",
			.at = at),
		"event.service_requested.stage");
	REFUSED(REQUEST(c, .id = "v-4", .kase = "v", .service = "wd7", .stage = "first", .at = at),
		"event.service_requested.stage");
	/* From 2025 the limit of "aged" depends on the age. */
	REFUSED(REQUEST(c, .id = "v-5", .kase = "v", .service = "aged", .at = at),
		"event.service_requested.age_group");
	REFUSED(REQUEST(c, .id = "v-6", .kase = "v", .service = "aged", .urgent = true, .at = at),
		"event.service_requested.age_group");
	REFUSED(REQUEST(c, .id = "v-7", .kase = "v", .service = "aged", .age = "abc", .at = at),
		"event.service_requested.age_group");
	REFUSED(PROVIDE(c, .id = "v-8", .kase = "v", .service = "staged", .at = at),
		"event.service_provided.stage");
	REFUSED(PROVIDE(c, .id = "v-9", .kase = "v", .service = "no-such-service", .at = at),
		"event.service_provided.service");
	REFUSED(PROVIDE(c, .id = "v-10", .kase = "v", .service = "staged", .stage = "third",
			.at = at),
		"event.service_provided.stage");
	REFUSED(CANCEL(c, .id = "v-11", .kase = "v", .service = "no-such-service", .at = at),
		"event.case_cancelled.service");
	REFUSED(EXT_MISSED(c, .id = "v-12", .kase = "v", .service = "staged", .stage = "third",
			   .at = at),
		"event.deadline_missed.stage");
	REFUSED(EXT_MISSED(c, .id = "v-13", .kase = "v", .service = "wd7", .area = "nowhere",
			   .at = at),
		"event.deadline_missed.area");

	st = status(c, &rep);
	assert_int_equal(st->events, 0);
	assert_int_equal(st->open_clocks, 0);
	lanu__v1__reply__free_unpacked(rep, NULL);

	/* Refused events were not stored: the same ids, corrected, are new. */
	ACCEPTED(REQUEST(c, .id = "v-5", .kase = "v-adult", .service = "aged", .age = "30",
			 .at = at));
	ACCEPTED(REQUEST(c, .id = "v-6", .kase = "v-child", .service = "aged", .age = "7-17",
			 .at = at));
	ACCEPTED(REQUEST(c, .id = "v-7", .kase = "v-child-urgent", .service = "aged",
			 .age = "7-17", .urgent = true, .at = at));
	ACCEPTED(REQUEST(c, .id = "v-3", .kase = "v-staged", .service = "staged", .stage = "second",
			 .at = at));
	/* 6.3.2028 + 3 months = 6.6.2028; + 14 days = 20.3; urgent for a child: the day. */
	EXPECT_CLOCK(c, "aged", "v-adult", NULL, "2028-06-06", "2028-06-06T23:59:59.999+03:00",
		     NULL);
	EXPECT_CLOCK(c, "aged", "v-child", NULL, "2028-03-20", "2028-03-20T23:59:59.999+02:00",
		     NULL);
	EXPECT_CLOCK(c, "aged", "v-child-urgent", NULL, "2028-03-06",
		     "2028-03-06T23:59:59.999+02:00", NULL);
	/* A request naming a later stage opens that stage alone. */
	EXPECT_CLOCK(c, "staged", "v-staged", "second", "2028-03-20",
		     "2028-03-20T23:59:59.999+02:00", NULL);
	st = status(c, &rep);
	assert_int_equal(st->events, 4);
	assert_int_equal(st->open_clocks, 4);
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(d, c);
}

/* An urgent request for a service whose urgent limit depends on the age (children: the
 * same day) cannot be judged without the age group: lanud must ask for it rather than
 * fall back to the normal limit (14 days), which would hide a child's urgent deadline. */
static void
test_urgent_limit_needs_age(void **state)
{
	struct daemon *d = *state;
	struct client *c = client_for(d);
	const char *at = "2028-03-06T10:00:00+02:00";

	set_clock(c, at);
	REFUSED(REQUEST(c, .kase = "u-1", .service = "urgent-kids", .urgent = true, .at = at),
		"event.service_requested.age_group");
	/* With the age group it is the child's limit, or for an adult the normal one. */
	ACCEPTED(REQUEST(c, .kase = "u-2", .service = "urgent-kids", .urgent = true, .age = "7-17",
			 .at = at));
	ACCEPTED(REQUEST(c, .kase = "u-3", .service = "urgent-kids", .urgent = true, .age = "30",
			 .at = at));
	EXPECT_CLOCK(c, "urgent-kids", "u-2", NULL, "2028-03-06", "2028-03-06T23:59:59.999+02:00",
		     NULL);
	EXPECT_CLOCK(c, "urgent-kids", "u-3", NULL, "2028-03-20", "2028-03-20T23:59:59.999+02:00",
		     NULL);
	release(d, c);
}

/*
 * THL's half-year figures for 2028-H1 (1.1.-30.6.2028), 14 days' limit: c-a asked in
 * December and got it on 2.1 in time (decided in time in H1, not new in it); c-b asked
 * 1.2 and got it 1.3, late; c-c asked 1.6 and is open on 30.6 past its limit (15.6); c-d
 * asked 25.6, open within its limit; c-e asked 1.5 and got it only on 10.7 (open past the
 * limit at the half-year's end, decided in H2); c-f asked 1.3 and was cancelled.
 */
static void
test_thl_half_year(void **state)
{
	struct client *c = client_for(*state);
	Lanu__V1__ComplianceQuery q = LANU__V1__COMPLIANCE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	const Lanu__V1__ComplianceThlRow *r;

	set_clock(c, "2028-07-15T12:00:00+03:00");
	ACCEPTED(REQUEST(c, .kase = "c-a", .service = "days14", .at = "2027-12-20T10:00:00+02:00"));
	ACCEPTED(PROVIDE(c, .kase = "c-a", .service = "days14", .at = "2028-01-02T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "c-b", .service = "days14", .at = "2028-02-01T10:00:00+02:00"));
	ACCEPTED(PROVIDE(c, .kase = "c-b", .service = "days14", .at = "2028-03-01T10:00:00+02:00"));
	ACCEPTED(REQUEST(c, .kase = "c-c", .service = "days14", .at = "2028-06-01T10:00:00+03:00"));
	ACCEPTED(REQUEST(c, .kase = "c-d", .service = "days14", .at = "2028-06-25T10:00:00+03:00"));
	ACCEPTED(REQUEST(c, .kase = "c-e", .service = "days14", .at = "2028-05-01T10:00:00+03:00"));
	ACCEPTED(PROVIDE(c, .kase = "c-e", .service = "days14", .at = "2028-07-10T10:00:00+03:00"));
	ACCEPTED(REQUEST(c, .kase = "c-f", .service = "days14", .at = "2028-03-01T10:00:00+02:00"));
	ACCEPTED(CANCEL(c, .kase = "c-f", .service = "days14", .at = "2028-03-05T10:00:00+02:00"));

	q.thl = true;
	q.period = (char *)"2028-H1";
	q.service = (char *)"days14";
	req.body_case = LANU__V1__REQUEST__BODY_COMPLIANCE;
	req.compliance = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	assert_int_equal(rep->code, OK);
	assert_int_equal(rep->compliance->n_thl, 1);
	r = rep->compliance->thl[0];
	assert_string_equal(r->service, "days14");
	assert_string_equal(r->stage, "");
	assert_string_equal(rep->compliance->from, "2028-01-01");
	assert_string_equal(rep->compliance->to, "2028-06-30");
	assert_int_equal(r->became_pending, 5);
	assert_int_equal(r->decided_in_time, 1);
	assert_int_equal(r->decided_late, 1);
	assert_int_equal(r->open_past_limit, 2);
	lanu__v1__reply__free_unpacked(rep, NULL);

	q.period = (char *)"2028";
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	assert_int_equal(rep->code, REJECTED);
	assert_string_equal(rep->field, "compliance.period");
	lanu__v1__reply__free_unpacked(rep, NULL);
	release(*state, c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seinajoki_school_welfare, setup_seinajoki,
						teardown),
		cmocka_unit_test_setup_teardown(test_seinajoki_family_counselling, setup_seinajoki,
						teardown),
		cmocka_unit_test_setup_teardown(test_month_ends_and_roll_forward, setup_base,
						teardown),
		cmocka_unit_test_setup_teardown(test_local_time, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_espoo_child_welfare, setup_espoo, teardown),
		cmocka_unit_test_setup_teardown(test_stage_starts_after, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_school_calendar, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_late_and_out_of_order, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_external_missed, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_and_postpone, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_refused_half_way_changes_nothing, setup_base,
						teardown),
		cmocka_unit_test_setup_teardown(test_plan_reload, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_resolved_after_reload, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_jump_over_many, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_jump_kill9, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_jump_mixed_due_order, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_due_cursor, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_case_query, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_indicator_counts_each_clock_once, setup_base,
						teardown),
		cmocka_unit_test_setup_teardown(test_indicator_hysteresis_and_groups, setup_base,
						teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_thl_half_year, setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_urgent_limit_needs_age, setup_base, teardown),
	};

	if (getenv("DEADLINE_TESTS"))
		cmocka_set_test_filter(getenv("DEADLINE_TESTS"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
