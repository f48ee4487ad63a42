/* retain: the horizon a plan's retention sets (days, weeks, months to the same day number
 * or the month's last, across DST, local days), who an event is about, the store's purge
 * of a subject (whole or piece by piece: events with their dedup entries, clocks without
 * their case, alerts without their subject, note or escalation but in the log), the purge
 * queue's order, retain_check()'s refusals, and retain_purge()'s batches and next due
 * instant. main() sets TZ=Europe/Helsinki, as lanud does at start-up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lanu/macro.h"
#include "lanud.h"
#include "msg.h"
#include "retain.h"
#include "store.h"
#include "testutil.h"

#define UNIT(x) LANU__V1__DURATION__UNIT__UNIT_##x
#define HOUR_MS 3600000ULL
#define DAY_MS (24 * HOUR_MS)

/* y-m-d h:mi at UTC offset off (hours: 2 in winter, 3 in summer) as UTC milliseconds,
 * worked out without calendar.c, so that the expectations do not lean on it. */
static uint64_t
at(int y, int m, int d, int h, int mi, int off)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi };

	return (uint64_t)timegm(&tm) * 1000 - (uint64_t)off * HOUR_MS;
}

/* A plan with only retention; a count of 0 leaves that kind unset. */
struct plan_fix {
	Lanu__V1__Plan plan;
	Lanu__V1__Retention ret;
	Lanu__V1__Duration cases, pupils;
};

static const Lanu__V1__Plan *
plan_init(struct plan_fix *p, uint32_t cases, Lanu__V1__Duration__Unit cases_unit,
	  uint32_t pupils, Lanu__V1__Duration__Unit pupils_unit)
{
	*p = (struct plan_fix){ .plan = LANU__V1__PLAN__INIT, .ret = LANU__V1__RETENTION__INIT,
				.cases = LANU__V1__DURATION__INIT,
				.pupils = LANU__V1__DURATION__INIT };
	p->cases.count = cases;
	p->cases.unit = cases_unit;
	p->cases.text = (char *)"cases";
	p->pupils.count = pupils;
	p->pupils.unit = pupils_unit;
	p->pupils.text = (char *)"pupils";
	p->ret.cases = cases ? &p->cases : NULL;
	p->ret.pupils = pupils ? &p->pupils : NULL;
	p->plan.retention = &p->ret;
	return &p->plan;
}

/* --- the horizon ------------------------------------------------------------------------- */

static void
test_horizon_months(void **state)
{
	struct plan_fix pf;
	const Lanu__V1__Plan *p = plan_init(&pf, 1, UNIT(MONTHS), 12, UNIT(MONTHS));

	(void)state;
	/* the 31st back a month: February's last day (+02:00 both ends) */
	assert_int_equal(at(2027, 3, 31, 12, 0, 3), at(2027, 3, 31, 9, 0, 0));
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 3, 31, 12, 0, 3)),
			 at(2027, 2, 28, 0, 0, 2));
	assert_int_equal(at(2027, 2, 28, 0, 0, 2), at(2027, 2, 27, 22, 0, 0));
	/* the 15th: the same day number, across the year's end */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 1, 15, 10, 0, 2)),
			 at(2026, 12, 15, 0, 0, 2));
	/* 12 months from a leap day: 28 February */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, at(2028, 2, 29, 12, 0, 2)),
			 at(2027, 2, 28, 0, 0, 2));
	/* 12 months from 31 March 2028 (+03:00) to 31 March 2027 (+03:00) */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, at(2028, 3, 31, 12, 0, 3)),
			 at(2027, 3, 31, 0, 0, 3));
	/* 30 May back a month: 30 April */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 5, 30, 8, 0, 3)),
			 at(2027, 4, 30, 0, 0, 3));
}

static void
test_horizon_dst(void **state)
{
	struct plan_fix pf;
	const Lanu__V1__Plan *p = plan_init(&pf, 1, UNIT(MONTHS), 1, UNIT(DAYS));

	(void)state;
	/* summer time (from 28 March 2027) back to winter time */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 4, 1, 12, 0, 3)),
			 at(2027, 3, 1, 0, 0, 2));
	assert_int_equal(at(2027, 3, 1, 0, 0, 2), at(2027, 2, 28, 22, 0, 0));
	/* winter time (from 31 October 2027) back to summer time */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 11, 1, 12, 0, 2)),
			 at(2027, 10, 1, 0, 0, 3));
	assert_int_equal(at(2027, 10, 1, 0, 0, 3), at(2027, 9, 30, 21, 0, 0));
	/* the local day, not the UTC one: 00:30 on 1 April is still 31 March in UTC */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, at(2027, 4, 1, 0, 30, 3)),
			 at(2027, 3, 31, 0, 0, 3));
	/* 23:30 on 31 October (+02:00) is still 31 October: a day back is the 30th (+03:00) */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, at(2027, 10, 31, 23, 30, 2)),
			 at(2027, 10, 30, 0, 0, 3));
	/* the day the clocks go forward has 23 hours: its start is 22:00Z the day before */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, at(2027, 3, 29, 12, 0, 3)),
			 at(2027, 3, 28, 0, 0, 2));
	/* a month back onto that day */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 4, 28, 12, 0, 3)),
			 at(2027, 3, 28, 0, 0, 2));
}

static void
test_horizon_days_weeks(void **state)
{
	struct plan_fix pf;
	const Lanu__V1__Plan *p = plan_init(&pf, 3, UNIT(DAYS), 2, UNIT(WEEKS));

	(void)state;
	/* 3 days back across the change to summer time */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 3, 30, 12, 0, 3)),
			 at(2027, 3, 27, 0, 0, 2));
	assert_int_equal(at(2027, 3, 27, 0, 0, 2), at(2027, 3, 26, 22, 0, 0));
	/* 2 weeks: the same weekday (a Tuesday) */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, at(2027, 6, 15, 8, 0, 3)),
			 at(2027, 6, 1, 0, 0, 3));
	/* and across the year's end and the change back */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, at(2027, 11, 10, 8, 0, 2)),
			 at(2027, 10, 27, 0, 0, 3));
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 1, 2, 23, 59, 2)),
			 at(2026, 12, 30, 0, 0, 2));
	/* the first and the last millisecond of a local day give the same horizon */
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 6, 15, 0, 0, 3)),
			 at(2027, 6, 12, 0, 0, 3));
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, at(2027, 6, 16, 0, 0, 3) - 1),
			 at(2027, 6, 12, 0, 0, 3));
}

static void
test_horizon_unset(void **state)
{
	Lanu__V1__Plan bare = LANU__V1__PLAN__INIT;
	uint64_t now = at(2027, 6, 15, 12, 0, 3);
	struct plan_fix pf;
	const Lanu__V1__Plan *p;

	(void)state;
	assert_int_equal(retain_horizon(NULL, STORE_SUBJECT_CASE, now), 0);
	assert_int_equal(retain_horizon(NULL, STORE_SUBJECT_PUPIL, now), 0);
	assert_int_equal(retain_horizon(&bare, STORE_SUBJECT_CASE, now), 0);
	assert_int_equal(retain_horizon(&bare, STORE_SUBJECT_PUPIL, now), 0);

	/* cases set, pupils not: each kind reads its own */
	p = plan_init(&pf, 1, UNIT(MONTHS), 0, UNIT(MONTHS));
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, now), at(2027, 5, 15, 0, 0, 3));
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, now), 0);
	p = plan_init(&pf, 0, UNIT(MONTHS), 2, UNIT(WEEKS));
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, now), 0);
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, now), at(2027, 6, 1, 0, 0, 3));

	/* a count of 0, and units retention does not take (plan_check refuses them) */
	p = plan_init(&pf, 1, UNIT(MONTHS), 1, UNIT(MONTHS));
	pf.cases.count = 0;
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, now), 0);
	pf.pupils.unit = UNIT(WORKING_DAYS);
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, now), 0);
	pf.pupils.unit = UNIT(HOURS);
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, now), 0);
	pf.pupils.unit = UNIT(UNSPECIFIED);
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, now), 0);
}

static void
test_horizon_kinds(void **state)
{
	struct plan_fix pf;
	const Lanu__V1__Plan *p = plan_init(&pf, 1, UNIT(MONTHS), 12, UNIT(MONTHS));
	uint64_t now = at(2027, 6, 15, 12, 0, 3);

	(void)state;
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_CASE, now), at(2027, 5, 15, 0, 0, 3));
	assert_int_equal(retain_horizon(p, STORE_SUBJECT_PUPIL, now), at(2026, 6, 15, 0, 0, 3));
}

/* --- who an event is about -------------------------------------------------------------- */

static void
test_subject(void **state)
{
	Lanu__V1__ServiceRequested sr = LANU__V1__SERVICE_REQUESTED__INIT;
	Lanu__V1__ServiceProvided sp = LANU__V1__SERVICE_PROVIDED__INIT;
	Lanu__V1__CaseCancelled cc = LANU__V1__CASE_CANCELLED__INIT;
	Lanu__V1__DeadlineMissed dm = LANU__V1__DEADLINE_MISSED__INIT;
	Lanu__V1__ServicePostponed po = LANU__V1__SERVICE_POSTPONED__INIT;
	Lanu__V1__AbsenceCountsReported ac = LANU__V1__ABSENCE_COUNTS_REPORTED__INIT;
	Lanu__V1__AbsenceAlertRaised aa = LANU__V1__ABSENCE_ALERT_RAISED__INIT;
	Lanu__V1__DropOutReported dr = LANU__V1__DROP_OUT_REPORTED__INIT;
	Lanu__V1__IndicatorUpdated iu = LANU__V1__INDICATOR_UPDATED__INIT;
	Lanu__V1__AlertAcknowledged ak = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	char out[STORE_SUBJECT_MAX];

	(void)state;
	sr.case_id = (char *)"c-1";
	sp.case_id = (char *)"c-2";
	cc.case_id = (char *)"c-3";
	dm.case_id = (char *)"c-4";
	po.case_id = (char *)"c-5";
	ac.pupil_id = (char *)"p-1";
	aa.pupil_id = (char *)"p-2";
	dr.pupil_id = (char *)"p-3";

#define SUBJECT(pcase, field, val, want_kind, want)                                          \
	do {                                                                                 \
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_##pcase;                       \
		ev.field = &val;                                                             \
		memset(out, 'X', sizeof(out));                                               \
		assert_int_equal(retain_subject(&ev, out), want_kind);                       \
		assert_string_equal(out, want);                                              \
		ev.field = NULL;                                                             \
	} while (0)

	SUBJECT(SERVICE_REQUESTED, service_requested, sr, STORE_SUBJECT_CASE, "case:c-1");
	SUBJECT(SERVICE_PROVIDED, service_provided, sp, STORE_SUBJECT_CASE, "case:c-2");
	SUBJECT(CASE_CANCELLED, case_cancelled, cc, STORE_SUBJECT_CASE, "case:c-3");
	SUBJECT(DEADLINE_MISSED, deadline_missed, dm, STORE_SUBJECT_CASE, "case:c-4");
	SUBJECT(SERVICE_POSTPONED, service_postponed, po, STORE_SUBJECT_CASE, "case:c-5");
	SUBJECT(ABSENCE_COUNTS_REPORTED, absence_counts_reported, ac, STORE_SUBJECT_PUPIL,
		"pupil:p-1");
	SUBJECT(ABSENCE_ALERT_RAISED, absence_alert_raised, aa, STORE_SUBJECT_PUPIL, "pupil:p-2");
	SUBJECT(DROP_OUT_REPORTED, drop_out_reported, dr, STORE_SUBJECT_PUPIL, "pupil:p-3");
	SUBJECT(INDICATOR_UPDATED, indicator_updated, iu, STORE_SUBJECT_NONE, "");
	SUBJECT(ALERT_ACKNOWLEDGED, alert_acknowledged, ak, STORE_SUBJECT_NONE, "");

	/* an empty id names no one */
	sr.case_id = (char *)"";
	SUBJECT(SERVICE_REQUESTED, service_requested, sr, STORE_SUBJECT_NONE, "");
	dr.pupil_id = (char *)"";
	SUBJECT(DROP_OUT_REPORTED, drop_out_reported, dr, STORE_SUBJECT_NONE, "");
#undef SUBJECT

	/* and the store reads the kind back off the subject */
	assert_int_equal(store_subject_kind("case:c-1"), STORE_SUBJECT_CASE);
	assert_int_equal(store_subject_kind("pupil:p-1"), STORE_SUBJECT_PUPIL);
	assert_int_equal(store_subject_kind("case:"), STORE_SUBJECT_NONE);
	assert_int_equal(store_subject_kind("indicator:i"), STORE_SUBJECT_NONE);
	assert_int_equal(store_subject_kind(""), STORE_SUBJECT_NONE);
}

/* --- the store --------------------------------------------------------------------------- */

struct fix {
	char *dir;
	struct store *s;
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f || !(f->dir = test_tmpdir()))
		return -1;
	if (store_open(f->dir, 1 << 20, 64 << 20, &f->s) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	store_free(f->s);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

#define PRODUCER "sys-1"

/* Stores an event of PRODUCER, received at received_ms, about subject. */
static void
put_event(struct store_txn *t, const char *event_id, const char *subject, uint64_t received_ms)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	uint8_t buf[256];
	size_t n;

	ev.event_id = (char *)event_id;
	ev.producer = (char *)PRODUCER;
	ev.occurred_at_ms = received_ms;
	n = lanu__v1__envelope__get_packed_size(&ev);
	assert_true(n <= sizeof(buf));
	lanu__v1__envelope__pack(&ev, buf);
	store_put_event(t, PRODUCER, event_id, subject, received_ms, buf, n);
	assert_int_equal(t->err, 0);
}

static int
seen(struct store_txn *t, const char *event_id)
{
	return store_event_seen(t, PRODUCER, event_id);
}

/* A clock of case_id, opened at started_ms; *c is the record (id assigned). */
static void
open_clock(struct store_txn *t, Lanu__V1__Clock *c, const char *case_id, uint64_t started_ms)
{
	*c = (Lanu__V1__Clock)LANU__V1__CLOCK__INIT;
	c->case_id = (char *)case_id;
	c->service = (char *)"svc";
	c->stage = (char *)"";
	c->state = LANU__V1__CLOCK__STATE__STATE_OPEN;
	c->started_at_ms = started_ms;
	c->start_day = (char *)"2027-01-10";
	c->due_at_ms = started_ms + 30 * DAY_MS;
	c->event_id = (char *)"e-open";
	c->producer = (char *)PRODUCER;
	store_clock_put(t, c, NULL);
	assert_int_equal(t->err, 0);
	assert_true(c->id != 0);
}

/* Closes the clock *c (met at closed_ms); *c becomes the closed record. */
static void
close_clock(struct store_txn *t, Lanu__V1__Clock *c, uint64_t closed_ms)
{
	Lanu__V1__Clock old = *c;

	c->state = LANU__V1__CLOCK__STATE__STATE_MET;
	c->closed_at_ms = closed_ms;
	store_clock_put(t, c, &old);
	assert_int_equal(t->err, 0);
}

/* Raises an alert about subject to "board"; returns its seq. */
static uint64_t
raise_alert(struct store_txn *t, const char *subject, const char *dedup, uint64_t raised_ms)
{
	static const char *rcpts[] = { "board" };
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__Text text = LANU__V1__TEXT__INIT;
	char id[STORE_ALERT_ID_MAX];
	struct store_packed packed;
	uint64_t prev[1];

	text.fi = (char *)"Määräaika ylittyi";
	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED;
	a.severity = LANU__V1__SEVERITY__SEVERITY_CRITICAL;
	a.subject = (char *)subject;
	a.service = (char *)"svc";
	a.recipients = (char **)rcpts;
	a.n_recipients = 1;
	a.text = &text;
	a.raised_at_ms = raised_ms;
	a.dedup_key = (char *)dedup;
	a.event_id = (char *)"e-1";
	a.producer = (char *)PRODUCER;
	assert_int_equal(store_append_alert(t, &a, id, prev, &packed), 1);
	return a.seq;
}

/* Collects the seqs store_replay() hands over. */
struct seqs {
	uint64_t v[8];
	bool purged[8];
	size_t n;
};

static int
collect_cb(const Lanu__V1__Alert *a, void *arg)
{
	struct seqs *s = arg;

	if (s->n < ELEMENTSOF(s->v)) {
		s->purged[s->n] = a->purged;
		s->v[s->n++] = a->seq;
	}
	return 0;
}

static void
test_purge_case_whole(void **state)
{
	struct fix *f = *state;
	uint64_t t0 = at(2027, 1, 10, 9, 0, 2), seq_x, seq_other, id, last;
	struct store_purged acc = { 0 };
	const char *rcpt = "board";
	Lanu__V1__Clock c, *back;
	Lanu__V1__Alert *a;
	struct store_txn t;
	struct seqs got = { 0 };
	bool more;

	store_begin(f->s, &t, STORE_RW);
	put_event(&t, "e-1", "case:x", t0);
	open_clock(&t, &c, "x", t0);
	seq_x = raise_alert(&t, "case:x", "dl:x", t0 + HOUR_MS);
	seq_other = raise_alert(&t, "indicator:i-1", "ind:i-1", t0 + 2 * HOUR_MS);
	put_event(&t, "e-2", "case:x", t0 + 2 * DAY_MS);
	/* a case whose id begins with the other's, and an event about no one */
	put_event(&t, "e-xy", "case:xy", t0);
	put_event(&t, "e-none", "", t0);
	assert_int_equal(store_commit(&t), 0);
	assert_int_equal(seq_x, 1);
	assert_int_equal(seq_other, 2);

	/* the clock is open: nothing goes, however late the horizon */
	store_begin(f->s, &t, STORE_RW);
	assert_int_equal(store_subject_held(&t, "case:x"), 1);
	assert_int_equal(store_subject_purge(&t, "case:x", at(2028, 1, 1, 0, 0, 2), true, &acc),
			 0);
	assert_int_equal(seen(&t, "e-1"), 1);
	assert_int_equal(store_subject_held(&t, "case:x"), 1);
	close_clock(&t, &c, t0 + 3 * DAY_MS);
	assert_int_equal(store_commit(&t), 0);
	assert_memory_equal(&acc, &(struct store_purged){ 0 }, sizeof(acc));

	/* a horizon after the first pieces but before the newest (the clock's close, and
	 * the second event): whole takes nothing */
	store_begin(f->s, &t, STORE_RW);
	assert_int_equal(store_subject_purge(&t, "case:x", at(2027, 1, 12, 0, 0, 2), true, &acc),
			 0);
	/* ... up to the very instant of the newest: still nothing */
	assert_int_equal(store_subject_purge(&t, "case:x", t0 + 3 * DAY_MS, true, &acc), 0);
	assert_int_equal(t.err, 0);
	assert_int_equal(store_commit(&t), 0);
	assert_memory_equal(&acc, &(struct store_purged){ 0 }, sizeof(acc));

	/* a horizon after everything: all four pieces go */
	store_begin(f->s, &t, STORE_RW);
	assert_int_equal(seen(&t, "e-1"), 1);
	assert_int_equal(store_subject_purge(&t, "case:x", t0 + 3 * DAY_MS + 1, true, &acc), 4);
	assert_int_equal(acc.events, 2);
	assert_int_equal(acc.clocks, 1);
	assert_int_equal(acc.alerts, 1);
	assert_int_equal(acc.places, 0);
	assert_int_equal(store_commit(&t), 0);

	store_begin(f->s, &t, STORE_RO);
	assert_int_equal(seen(&t, "e-1"), 0);
	assert_int_equal(seen(&t, "e-2"), 0);
	assert_int_equal(seen(&t, "e-xy"), 1);
	assert_int_equal(seen(&t, "e-none"), 1);
	assert_int_equal(store_subject_held(&t, "case:x"), 0);
	assert_int_equal(store_subject_held(&t, "case:xy"), 1);

	/* the clock: no longer found by its case, kept for compliance without it */
	assert_int_equal(store_clock_find(&t, "svc", "", "x", &id), -ENOENT);
	assert_int_equal(store_clock_get(&t, c.id, NULL, &back), 0);
	assert_string_equal(back->case_id, "");
	assert_string_equal(back->event_id, "");
	assert_string_equal(back->producer, "");
	assert_string_equal(back->service, "svc");
	assert_int_equal(back->state, LANU__V1__CLOCK__STATE__STATE_MET);
	assert_string_equal(back->start_day, "2027-01-10");
	assert_int_equal(back->started_at_ms, t0);
	assert_int_equal(back->closed_at_ms, t0 + 3 * DAY_MS);
	lanu__v1__clock__free_unpacked(back, NULL);

	/* the alert: its place in the log, without its subject, text or dedup entry */
	assert_int_equal(store_get_alert(&t, seq_x, &a), 0);
	assert_true(a->purged);
	assert_string_equal(a->subject, "");
	assert_null(a->text);
	assert_string_equal(a->dedup_key, "");
	assert_string_equal(a->service, "");
	assert_string_equal(a->event_id, "");
	assert_string_equal(a->alert_id, "a-1");
	assert_int_equal(a->kind, LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED);
	assert_int_equal(a->severity, LANU__V1__SEVERITY__SEVERITY_CRITICAL);
	assert_int_equal(a->n_recipients, 1);
	assert_string_equal(a->recipients[0], "board");
	assert_int_equal(a->raised_at_ms, t0 + HOUR_MS);
	lanu__v1__alert__free_unpacked(a, NULL);
	assert_int_equal(store_alert_by_key(&t, "dl:x", &id), -ENOENT);
	assert_int_equal(store_alert_by_key(&t, "ind:i-1", &id), 0);
	assert_int_equal(id, seq_other);
	assert_int_equal(store_get_alert(&t, seq_other, &a), 0);
	assert_false(a->purged);
	assert_string_equal(a->subject, "indicator:i-1");
	assert_non_null(a->text);
	lanu__v1__alert__free_unpacked(a, NULL);

	/* replay still hands over both, gap-free */
	assert_int_equal(store_replay(&t, &rcpt, 1, 0, 10, collect_cb, &got, &last, &more), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.v[0], 1);
	assert_true(got.purged[0]);
	assert_int_equal(got.v[1], 2);
	assert_false(got.purged[1]);
	assert_int_equal(last, 2);
	assert_false(more);
	store_abort(&t);

	/* once gone, the same event id may come again as new */
	store_begin(f->s, &t, STORE_RW);
	put_event(&t, "e-1", "case:x", at(2027, 6, 1, 9, 0, 3));
	assert_int_equal(seen(&t, "e-1"), 1);
	assert_int_equal(store_commit(&t), 0);
}

static void
test_purge_pieces(void **state)
{
	Lanu__V1__AbsenceState st = LANU__V1__ABSENCE_STATE__INIT, *got;
	struct fix *f = *state;
	struct store_purged acc = { 0 };
	uint64_t horizon = at(2027, 3, 1, 0, 0, 2);
	struct store_txn t;

	store_begin(f->s, &t, STORE_RW);
	put_event(&t, "p-1", "pupil:p", at(2027, 1, 10, 9, 0, 2));
	st.ladder = (char *)"ladder-1";
	st.period = (char *)"2026-2027";
	st.pupil_id = (char *)"p";
	st.school = (char *)"s-1";
	st.updated_at_ms = at(2027, 2, 10, 9, 0, 2);
	store_absence_put(&t, &st);
	st.period = (char *)"2027-2028";
	st.updated_at_ms = horizon;	/* at the horizon: kept */
	store_absence_put(&t, &st);
	put_event(&t, "p-2", "pupil:p", at(2027, 3, 10, 9, 0, 2));
	assert_int_equal(store_commit(&t), 0);

	/* whole: one piece is too new, nothing goes */
	store_begin(f->s, &t, STORE_RW);
	assert_int_equal(store_subject_purge(&t, "pupil:p", horizon, true, &acc), 0);
	assert_int_equal(seen(&t, "p-1"), 1);
	/* piece by piece: those last written before the horizon go */
	assert_int_equal(store_subject_purge(&t, "pupil:p", horizon, false, &acc), 2);
	assert_int_equal(acc.events, 1);
	assert_int_equal(acc.places, 1);
	assert_int_equal(acc.clocks, 0);
	assert_int_equal(acc.alerts, 0);
	assert_int_equal(store_commit(&t), 0);

	store_begin(f->s, &t, STORE_RO);
	assert_int_equal(seen(&t, "p-1"), 0);
	assert_int_equal(seen(&t, "p-2"), 1);
	assert_int_equal(store_absence_get(&t, "ladder-1", "2026-2027", "p", NULL, &got), -ENOENT);
	assert_int_equal(store_absence_get(&t, "ladder-1", "2027-2028", "p", NULL, &got), 0);
	assert_int_equal(got->updated_at_ms, horizon);
	lanu__v1__absence_state__free_unpacked(got, NULL);
	assert_int_equal(store_subject_held(&t, "pupil:p"), 1);
	store_abort(&t);

	/* again: nothing more is old enough */
	store_begin(f->s, &t, STORE_RW);
	assert_int_equal(store_subject_purge(&t, "pupil:p", horizon, false, &acc), 0);
	/* a subject that is no one's takes nothing */
	assert_int_equal(store_subject_purge(&t, "indicator:i", UINT64_MAX, false, &acc), 0);
	assert_int_equal(store_subject_purge(&t, "case:none", UINT64_MAX, true, &acc), 0);
	/* everything, later */
	assert_int_equal(store_subject_purge(&t, "pupil:p", UINT64_MAX, false, &acc), 2);
	assert_int_equal(store_subject_held(&t, "pupil:p"), 0);
	assert_int_equal(store_commit(&t), 0);
	assert_int_equal(acc.events, 2);
	assert_int_equal(acc.places, 2);
}

static void
test_purge_alert_ack(void **state)
{
	Lanu__V1__PendingEscalation p = LANU__V1__PENDING_ESCALATION__INIT, *pe;
	Lanu__V1__Escalation e1 = LANU__V1__ESCALATION__INIT;
	Lanu__V1__Escalation *steps[] = { &e1 };
	char *to[] = { (char *)"chief" };
	struct fix *f = *state;
	uint64_t t0 = at(2027, 1, 10, 9, 0, 2), seq_acked, seq_open, first_at, first_seq;
	uint64_t esc_at[] = { t0 + DAY_MS };
	struct store_purged acc = { 0 };
	Lanu__V1__Alert *a;
	struct store_txn t;

	store_begin(f->s, &t, STORE_RW);
	seq_acked = raise_alert(&t, "case:x", "dl:x:1", t0);
	seq_open = raise_alert(&t, "case:x", "dl:x:2", t0 + HOUR_MS);
	assert_int_equal(store_ack_alert(&t, seq_acked, "worker-1", "called the family", t0 + 1),
			 0);
	e1.to = to;
	e1.n_to = 1;
	p.alert_seq = seq_open;
	p.steps = steps;
	p.n_steps = 1;
	p.at_ms = esc_at;
	p.n_at_ms = 1;
	store_esc_put(&t, &p, 0);
	assert_int_equal(store_commit(&t), 0);

	store_begin(f->s, &t, STORE_RW);
	assert_int_equal(store_subject_purge(&t, "case:x", at(2027, 6, 1, 0, 0, 3), true, &acc), 2);
	assert_int_equal(acc.alerts, 2);
	assert_int_equal(store_commit(&t), 0);

	store_begin(f->s, &t, STORE_RW);
	/* the acknowledgement keeps who and when, not what was said */
	assert_int_equal(store_get_alert(&t, seq_acked, &a), 0);
	assert_true(a->purged);
	assert_non_null(a->ack);
	assert_string_equal(a->ack->by, "worker-1");
	assert_int_equal(a->ack->at_ms, t0 + 1);
	assert_string_equal(a->ack->note, "");
	lanu__v1__alert__free_unpacked(a, NULL);
	/* the escalation chain is stopped */
	assert_int_equal(store_esc_get(&t, seq_open, NULL, &pe), -ENOENT);
	assert_int_equal(store_esc_first(&t, &first_at, &first_seq), -ENOENT);
	/* an acknowledgement after the purge says nothing more about it */
	assert_int_equal(store_ack_alert(&t, seq_open, "worker-2", "the child's name", t0 + 2), 0);
	assert_int_equal(store_get_alert(&t, seq_open, &a), 0);
	assert_true(a->purged);
	assert_string_equal(a->ack->by, "worker-2");
	assert_string_equal(a->ack->note, "");
	assert_string_equal(a->subject, "");
	lanu__v1__alert__free_unpacked(a, NULL);
	assert_int_equal(store_commit(&t), 0);
}

static void
test_retain_check(void **state)
{
	Lanu__V1__ServiceProvided sp = LANU__V1__SERVICE_PROVIDED__INIT;
	Lanu__V1__AbsenceCountsReported ac = LANU__V1__ABSENCE_COUNTS_REPORTED__INIT;
	Lanu__V1__IndicatorUpdated iu = LANU__V1__INDICATOR_UPDATED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	struct fix *f = *state;
	struct plan_fix pf;
	struct snapshot snap = { .plan = plan_init(&pf, 1, UNIT(MONTHS), 12, UNIT(MONTHS)),
				 .now_ms = at(2027, 3, 15, 12, 0, 2) };
	struct msg_error e;
	struct store_txn t;

	store_begin(f->s, &t, STORE_RW);
	put_event(&t, "e-held", "case:held", at(2027, 1, 5, 10, 0, 2));

	/* a pupil's report of before 15 March 2026: refused, naming the field */
	ac.pupil_id = (char *)"p";
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED;
	ev.absence_counts_reported = &ac;
	ev.occurred_at_ms = at(2026, 3, 15, 0, 0, 2) - 1;
	memset(&e, 0, sizeof(e));
	assert_int_equal(retain_check(&snap, &t, &ev, &e), -EINVAL);
	assert_string_equal(e.field, "event.occurred_at_ms");
	assert_non_null(strstr(e.reason, "2026-03-14"));
	assert_non_null(strstr(e.reason, "2026-03-15"));
	assert_non_null(strstr(e.reason, "pupils"));
	ev.occurred_at_ms = at(2026, 3, 15, 0, 0, 2);	/* the horizon itself is kept */
	assert_int_equal(retain_check(&snap, &t, &ev, &e), 0);

	/* a case's: refused unless lanud still holds the case */
	sp.case_id = (char *)"gone";
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED;
	ev.absence_counts_reported = NULL;
	ev.service_provided = &sp;
	ev.occurred_at_ms = at(2027, 2, 14, 23, 59, 2);
	memset(&e, 0, sizeof(e));
	assert_int_equal(retain_check(&snap, &t, &ev, &e), -EINVAL);
	assert_string_equal(e.field, "event.occurred_at_ms");
	assert_non_null(strstr(e.reason, "2027-02-14"));
	assert_non_null(strstr(e.reason, "2027-02-15"));
	sp.case_id = (char *)"held";
	assert_int_equal(retain_check(&snap, &t, &ev, &e), 0);
	sp.case_id = (char *)"gone";
	ev.occurred_at_ms = at(2027, 2, 15, 0, 0, 2);
	assert_int_equal(retain_check(&snap, &t, &ev, &e), 0);

	/* about no one, or no retention: taken */
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED;
	ev.service_provided = NULL;
	ev.indicator_updated = &iu;
	ev.occurred_at_ms = 1;
	assert_int_equal(retain_check(&snap, &t, &ev, &e), 0);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED;
	ev.indicator_updated = NULL;
	ev.service_provided = &sp;
	snap.plan = NULL;
	assert_int_equal(retain_check(&snap, &t, &ev, &e), 0);
	assert_int_equal(t.err, 0);
	store_abort(&t);
}

/* Pops kind's queue's first entry: expects (at, subject). */
static void
pop(struct store_txn *t, enum store_subject_kind kind, uint64_t want_at, const char *want)
{
	char subject[STORE_SUBJECT_MAX];
	uint64_t got_at;

	assert_int_equal(store_purge_first(t, kind, &got_at, subject), 0);
	assert_int_equal(got_at, want_at);
	assert_string_equal(subject, want);
	store_purge_drop(t, got_at, subject);
	assert_int_equal(t->err, 0);
}

static void
test_purge_queue(void **state)
{
	struct fix *f = *state;
	char subject[STORE_SUBJECT_MAX];
	Lanu__V1__Clock c;
	struct store_txn t;
	uint64_t got_at;

	store_begin(f->s, &t, STORE_RW);
	assert_int_equal(store_purge_first(&t, STORE_SUBJECT_CASE, &got_at, subject), -ENOENT);
	assert_int_equal(store_purge_first(&t, STORE_SUBJECT_PUPIL, &got_at, subject), -ENOENT);
	put_event(&t, "e-b", "case:b", 3000);
	put_event(&t, "e-q", "pupil:q", 1000);
	put_event(&t, "e-c", "case:c", 2000);
	put_event(&t, "e-a", "case:a", 2000);
	put_event(&t, "e-p", "pupil:p", 4000);
	put_event(&t, "e-big", "case:big", 0x0100000000000000ULL);	/* big-endian order */
	put_event(&t, "e-i", "indicator:i", 500);	/* queued under no kind */
	open_clock(&t, &c, "d", 100);			/* held: not queued */
	assert_int_equal(store_commit(&t), 0);

	store_begin(f->s, &t, STORE_RW);
	close_clock(&t, &c, 2500);
	pop(&t, STORE_SUBJECT_CASE, 2000, "case:a");
	pop(&t, STORE_SUBJECT_CASE, 2000, "case:c");
	pop(&t, STORE_SUBJECT_CASE, 2500, "case:d");
	pop(&t, STORE_SUBJECT_CASE, 3000, "case:b");
	pop(&t, STORE_SUBJECT_CASE, 0x0100000000000000ULL, "case:big");
	assert_int_equal(store_purge_first(&t, STORE_SUBJECT_CASE, &got_at, subject), -ENOENT);
	pop(&t, STORE_SUBJECT_PUPIL, 1000, "pupil:q");
	pop(&t, STORE_SUBJECT_PUPIL, 4000, "pupil:p");
	assert_int_equal(store_purge_first(&t, STORE_SUBJECT_PUPIL, &got_at, subject), -ENOENT);
	/* dropping takes the entry only, not what it names */
	assert_int_equal(seen(&t, "e-a"), 1);
	assert_int_equal(store_subject_held(&t, "case:a"), 1);
	assert_int_equal(store_commit(&t), 0);
}

/* --- retain_purge() ---------------------------------------------------------------------- */

static void
purge(const struct snapshot *snap, struct store *s, uint64_t now, size_t max,
      struct store_purged *acc, bool *more, uint64_t *next_at)
{
	struct store_txn t;

	*more = true;
	*next_at = 12345;
	store_begin(s, &t, STORE_RW);
	assert_int_equal(retain_purge(snap, &t, now, max, acc, more, next_at), 0);
	assert_int_equal(store_commit(&t), 0);
}

static void
test_retain_purge(void **state)
{
	struct fix *f = *state;
	struct plan_fix pf;
	struct snapshot snap = { .plan = plan_init(&pf, 1, UNIT(MONTHS), 12, UNIT(MONTHS)) };
	uint64_t now = at(2027, 2, 25, 12, 0, 2), b_at = at(2027, 1, 31, 10, 0, 2);
	uint64_t due_b = at(2027, 3, 1, 0, 0, 2), due_q = at(2027, 6, 2, 0, 0, 3), next_at;
	struct store_purged acc = { 0 };
	struct store_txn t;
	bool more;

	snap.now_ms = now;
	store_begin(f->s, &t, STORE_RW);
	put_event(&t, "e-a", "case:a", at(2027, 1, 5, 10, 0, 2));
	put_event(&t, "e-b", "case:b", b_at);
	put_event(&t, "e-c", "case:c", at(2027, 1, 20, 10, 0, 2));
	put_event(&t, "e-p", "pupil:p", at(2026, 1, 10, 10, 0, 2));
	put_event(&t, "e-q", "pupil:q", at(2026, 6, 1, 10, 0, 3));
	/* due first: pupil p, 12 months and a day after 10 January 2026 */
	assert_int_equal(retain_next_at(snap.plan, &t), at(2027, 1, 11, 0, 0, 2));
	assert_int_equal(store_commit(&t), 0);

	/* no retention: nothing goes, nothing falls due */
	{
		Lanu__V1__Plan bare = LANU__V1__PLAN__INIT;
		struct snapshot none = { .plan = &bare, .now_ms = now };

		purge(&none, f->s, now, 10, &acc, &more, &next_at);
		assert_false(more);
		assert_int_equal(next_at, 0);
		assert_memory_equal(&acc, &(struct store_purged){ 0 }, sizeof(acc));
		none.plan = NULL;
		purge(&none, f->s, now, 10, &acc, &more, &next_at);
		assert_false(more);
		assert_int_equal(next_at, 0);
		assert_memory_equal(&acc, &(struct store_purged){ 0 }, sizeof(acc));
	}

	/* one subject per call: the oldest case first */
	purge(&snap, f->s, now, 1, &acc, &more, &next_at);
	assert_true(more);
	assert_int_equal(next_at, 0);
	assert_int_equal(acc.events, 1);
	store_begin(f->s, &t, STORE_RO);
	assert_int_equal(seen(&t, "e-a"), 0);
	assert_int_equal(seen(&t, "e-c"), 1);
	assert_int_equal(seen(&t, "e-p"), 1);
	store_abort(&t);

	/* the next: case c; case b is not due; the pupil waits for the next call */
	purge(&snap, f->s, now, 1, &acc, &more, &next_at);
	assert_true(more);
	assert_int_equal(next_at, 0);
	assert_int_equal(acc.events, 2);
	store_begin(f->s, &t, STORE_RO);
	assert_int_equal(seen(&t, "e-c"), 0);
	assert_int_equal(seen(&t, "e-b"), 1);
	assert_int_equal(seen(&t, "e-p"), 1);
	store_abort(&t);

	/* the rest: pupil p (12 months back from 25 February 2027 is 25 February 2026);
	 * b falls due on 1 March (28 February back a month is 28 January, not after the
	 * 31st), q on 2 June 2027 (on 1 June the horizon is 1 June 2026 00:00, and q came
	 * at 10:00 that day) */
	purge(&snap, f->s, now, 10, &acc, &more, &next_at);
	assert_false(more);
	assert_int_equal(next_at, due_b);
	assert_int_equal(due_b, at(2027, 2, 28, 22, 0, 0));
	assert_int_equal(acc.events, 3);
	store_begin(f->s, &t, STORE_RO);
	assert_int_equal(seen(&t, "e-p"), 0);
	assert_int_equal(seen(&t, "e-b"), 1);
	assert_int_equal(seen(&t, "e-q"), 1);
	assert_int_equal(retain_next_at(snap.plan, &t), due_b);
	store_abort(&t);

	/* a millisecond before b's due instant: nothing */
	purge(&snap, f->s, due_b - 1, 10, &acc, &more, &next_at);
	assert_false(more);
	assert_int_equal(next_at, due_b);
	assert_int_equal(acc.events, 3);

	/* at it: b goes, q is next */
	purge(&snap, f->s, due_b, 10, &acc, &more, &next_at);
	assert_false(more);
	assert_int_equal(next_at, due_q);
	assert_int_equal(acc.events, 4);
	store_begin(f->s, &t, STORE_RO);
	assert_int_equal(seen(&t, "e-b"), 0);
	assert_int_equal(retain_next_at(snap.plan, &t), due_q);
	store_abort(&t);

	/* and q at its own */
	purge(&snap, f->s, due_q - 1, 10, &acc, &more, &next_at);
	assert_int_equal(acc.events, 4);
	assert_int_equal(next_at, due_q);
	purge(&snap, f->s, due_q, 10, &acc, &more, &next_at);
	assert_false(more);
	assert_int_equal(next_at, 0);
	assert_int_equal(acc.events, 5);
	store_begin(f->s, &t, STORE_RO);
	assert_int_equal(seen(&t, "e-q"), 0);
	assert_int_equal(retain_next_at(snap.plan, &t), 0);
	store_abort(&t);
	assert_int_equal(acc.clocks + acc.alerts + acc.places, 0);
}

static void
test_retain_purge_held(void **state)
{
	struct fix *f = *state;
	struct plan_fix pf;
	struct snapshot snap = { .plan = plan_init(&pf, 1, UNIT(MONTHS), 0, UNIT(MONTHS)) };
	uint64_t now = at(2027, 3, 15, 12, 0, 2), closed = at(2027, 3, 10, 9, 0, 2), next_at;
	uint64_t due = at(2027, 4, 11, 0, 0, 3);
	struct store_purged acc = { 0 };
	Lanu__V1__Clock c;
	struct store_txn t;
	bool more;

	store_begin(f->s, &t, STORE_RW);
	put_event(&t, "e-h", "case:h", at(2027, 1, 5, 10, 0, 2));
	open_clock(&t, &c, "h", at(2027, 1, 5, 10, 0, 2));
	put_event(&t, "e-p", "pupil:p", at(2020, 1, 5, 10, 0, 2));	/* pupils kept for ever */
	assert_int_equal(store_commit(&t), 0);

	/* the open clock holds the case: its entry is met and dropped, nothing goes */
	purge(&snap, f->s, now, 10, &acc, &more, &next_at);
	assert_false(more);
	assert_int_equal(next_at, 0);
	assert_memory_equal(&acc, &(struct store_purged){ 0 }, sizeof(acc));
	store_begin(f->s, &t, STORE_RW);
	assert_int_equal(seen(&t, "e-h"), 1);
	assert_int_equal(seen(&t, "e-p"), 1);
	/* closing it queues the case again, due a month and a day after */
	close_clock(&t, &c, closed);
	assert_int_equal(retain_next_at(snap.plan, &t), due);
	assert_int_equal(store_commit(&t), 0);

	purge(&snap, f->s, now, 10, &acc, &more, &next_at);
	assert_false(more);
	assert_int_equal(next_at, due);
	assert_memory_equal(&acc, &(struct store_purged){ 0 }, sizeof(acc));

	purge(&snap, f->s, due, 10, &acc, &more, &next_at);
	assert_false(more);
	assert_int_equal(next_at, 0);
	assert_int_equal(acc.events, 1);
	assert_int_equal(acc.clocks, 1);
	store_begin(f->s, &t, STORE_RO);
	assert_int_equal(seen(&t, "e-h"), 0);
	assert_int_equal(seen(&t, "e-p"), 1);
	assert_int_equal(store_subject_held(&t, "case:h"), 0);
	store_abort(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_horizon_months),
		cmocka_unit_test(test_horizon_dst),
		cmocka_unit_test(test_horizon_days_weeks),
		cmocka_unit_test(test_horizon_unset),
		cmocka_unit_test(test_horizon_kinds),
		cmocka_unit_test(test_subject),
		cmocka_unit_test_setup_teardown(test_purge_case_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_alert_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retain_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retain_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retain_purge_held, setup, teardown),
	};

	setenv("TZ", "Europe/Helsinki", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
