/*
 * deadline: access-time clocks (määräajat). A ServiceRequested opens one clock per
 * stage it starts, with the limit the plan in force gives that stage on the
 * request's local day (urgency, dates, ages), counted on the stage's working-day
 * calendar (calendar.c). The clock stores what it was opened with, so a later plan
 * changes no running clock. A ServiceProvided stops it (met on or before the due
 * instant, late after it) and starts the stages that follow it; CaseCancelled
 * stops it uncounted; ServicePostponed sets it apart.
 *
 * Each open clock has one entry in the store's fire index: its warning, then its
 * miss (the first millisecond after the due instant). deadline_fire() takes the due
 * entries in order, in bounded numbers, so a wake-up costs what is due, not what
 * is open. Every alert has a dedup key of its own clock ("clock/ID/missed"): each
 * fires once, however often the same instant is looked at.
 *
 * Events arrive late and out of order. A request whose due instant has passed
 * fires its miss in the same transaction. A delivery that comes before its
 * request is kept as an early record for LANU_EARLY_KEEP_DAYS and closes the
 * clock when the request comes. A delivery repeated for a closed clock changes
 * nothing.
 *
 * Every decided clock is counted for the plan's compliance indicators
 * (compliance.c), which also makes the compliance report.
 *
 * The clocks a handler or a fire pass reads are decoded into an arena whose first
 * chunk is on its stack (DEADLINE_SCRATCH), gone when it returns: protobuf-c would
 * otherwise malloc every string of a clock, and a slab for the scan of its fields.
 */
#include "deadline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "arena.h"
#include "calendar.h"
#include "compliance.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "log.h"
#include "msg.h"
#include "plan.h"
#include "plan_index.h"
#include "plan_value.h"
#include "store.h"

#define DAY_MS (24ULL * 3600 * 1000)
#define DEADLINE_SCRATCH 4096	/* a decoded clock and protobuf-c's slab of its fields */

/* A clock about to open, with room for the strings it makes. */
struct opening {
	Lanu__V1__Clock c;
	Lanu__V1__Duration limit;
	char start_day[11];
	char due_day[11];
	char calendar[VALUE_ID_MAX + 1];
};

/* The calendar a stage counts on: its own, the service's, or with "unit" the
 * calendar of the request's area or the nearest area above it that has one. */
static const struct calendar *
deadline_calendar(const struct snapshot *snap, const Lanu__V1__Service *svc,
		  const Lanu__V1__Stage *st, const char *area)
{
	const char *id = st && *st->calendar ? st->calendar : svc->calendar;
	const struct calendar *c;

	if (!*id)
		id = "national";
	if (strcmp(id, "unit") == 0) {
		const Lanu__V1__Area *a = plan_index_area(snap->index, area);

		for (size_t hops = 0; a && !*a->calendar && hops < 64; hops++)
			a = plan_index_area(snap->index, a->parent);
		id = a && *a->calendar ? a->calendar : "national";
	}
	c = calendar_get(snap->calendars, id);
	return c ? c : calendar_get(snap->calendars, "national");
}

/* "7-17", "23-" or "15" as a range of whole years. */
static bool
deadline_age_range(const char *s, uint32_t *ret_min, uint32_t *ret_max)
{
	char *end;
	unsigned long n;

	if (value_ages(s, ret_min, ret_max) == 0)
		return true;
	n = strtoul(s, &end, 10);
	if (end == s || *end || n > 200)
		return false;
	*ret_min = *ret_max = (uint32_t)n;
	return true;
}

/* The limit in force on day for this urgency and age group: a rule of the same
 * urgency, or, for an urgent request the plan gives no urgent limit, the normal
 * one. Returns it, or NULL with e filled. */
static const Lanu__V1__Limit *
deadline_limit(Lanu__V1__Limit *const *v, size_t n, Lanu__V1__Urgency urgency, const char *day,
	       const char *age_group, const char *what, struct msg_error *e)
{
	bool needs_age = false, bad_age = false;
	uint32_t amin = 0, amax = 0;

	if (*age_group && !deadline_age_range(age_group, &amin, &amax))
		bad_age = true;
	for (int pass = 0; pass < 2; pass++) {
		Lanu__V1__Urgency u = pass == 0 ? urgency : LANU__V1__URGENCY__URGENCY_NORMAL;

		/* an urgent limit that needs the age is not replaced by the normal one */
		if (pass == 1 && (urgency != LANU__V1__URGENCY__URGENCY_URGENT || needs_age))
			break;
		for (size_t i = 0; i < n; i++) {
			const Lanu__V1__Limit *l = v[i];
			uint32_t lmin, lmax;

			if (l->urgency != u || !l->limit)
				continue;
			if ((*l->from && strcmp(day, l->from) < 0) ||
			    (*l->until && strcmp(day, l->until) > 0))
				continue;
			if (*l->ages) {
				if (!*age_group || bad_age) {
					needs_age = true;
					continue;
				}
				if (value_ages(l->ages, &lmin, &lmax) < 0 || amin < lmin ||
				    amax > lmax)
					continue;
			}
			return l;
		}
	}
	if (needs_age)
		msg_errorf(e, "event.service_requested.age_group",
			   bad_age ? "'%s' is not an age group (expected e.g. 7-17, 23- or 15)"
				   : "the limit of %s depends on age: the request needs an "
				     "age group",
			   bad_age ? age_group : what);
	else
		msg_errorf(e, "event.service_requested.urgency",
			   "no limit of %s applies to a%s request on %s%s%s", what,
			   urgency == LANU__V1__URGENCY__URGENCY_URGENT ? "n urgent" : " normal",
			   day, *age_group ? " for ages " : "", age_group);
	return NULL;
}

static uint64_t
deadline_next_at(const Lanu__V1__Clock *c)
{
	if (c->state == LANU__V1__CLOCK__STATE__STATE_EARLY)
		return c->expires_at_ms;
	if (c->state != LANU__V1__CLOCK__STATE__STATE_OPEN || c->postponed)
		return 0;
	if (!c->warned && c->warn_at_ms)
		return c->warn_at_ms;
	return c->missed ? 0 : c->due_at_ms + 1;
}

/* Fills o for a clock of stage st (NULL: the service's own limits) of svc for the
 * case of m, started at start_ms. Returns 1 if the stage has a clock, 0 if it has
 * no limits (nothing to watch), -EINVAL with e filled. */
static int
deadline_prepare(const struct snapshot *snap, const Lanu__V1__Service *svc,
		 const Lanu__V1__Stage *st, const Lanu__V1__Clock *base, uint64_t start_ms,
		 struct opening *o, struct msg_error *e)
{
	Lanu__V1__Limit *const *limits = st ? st->limits : svc->limits;
	size_t n_limits = st ? st->n_limits : svc->n_limits;
	const Lanu__V1__Duration *warn = st && st->warn_before ? st->warn_before : svc->warn_before;
	const struct calendar *cal = deadline_calendar(snap, svc, st, base->area);
	const Lanu__V1__Limit *l;
	Lanu__V1__Clock *c = &o->c;
	int32_t start, due, wday;
	char what[2 * LANU_MAX_NAME + 16];
	int r;

	if (n_limits == 0)
		return 0;
	start = calendar_local_day(start_ms);
	calendar_format_day(start, o->start_day);
	if (st)
		snprintf(what, sizeof(what), "%s stage %s", svc->id, st->id);
	else
		snprintf(what, sizeof(what), "%s", svc->id);
	l = deadline_limit(limits, n_limits, base->urgency, o->start_day, base->age_group, what, e);
	if (!l)
		return -EINVAL;

	*c = *base;
	c->id = 0;
	c->stage = st ? st->id : (char *)"";
	c->state = LANU__V1__CLOCK__STATE__STATE_OPEN;
	c->started_at_ms = start_ms;
	c->start_day = o->start_day;
	o->limit = *l->limit;
	c->limit = &o->limit;
	snprintf(o->calendar, sizeof(o->calendar), "%s", calendar_id(cal));
	c->calendar = o->calendar;
	c->roll_forward = l->roll_forward;
	c->plan_version = snap->plan_version;
	if (l->limit->unit == LANU__V1__DURATION__UNIT__UNIT_HOURS) {
		c->due_at_ms = start_ms + (uint64_t)l->limit->count * 3600 * 1000;
		due = calendar_local_day(c->due_at_ms);
	} else {
		r = calendar_due_day(cal, start, l->limit->count, l->limit->unit, l->roll_forward,
				     &due);
		if (r < 0) {
			msg_errorf(e, "event.service_requested.requested_at_ms",
				   "the limit of %s (%s) has no due day on calendar %s from %s",
				   what, l->limit->text, calendar_id(cal), o->start_day);
			return -EINVAL;
		}
		c->due_at_ms = calendar_day_end_ms(due);
	}
	calendar_format_day(due, o->due_day);
	c->due_day = o->due_day;

	/* The warning: that long before the due day, at the end of that day (at
	 * once if the request came later than that). */
	c->warn_at_ms = 0;
	if (warn && warn->unit == LANU__V1__DURATION__UNIT__UNIT_HOURS) {
		uint64_t lead = (uint64_t)warn->count * 3600 * 1000;

		c->warn_at_ms = c->due_at_ms > lead ? c->due_at_ms - lead : 0;
	} else if (warn && warn->count > 0 &&
		   calendar_before_day(cal, due, warn->count, warn->unit, &wday) == 0) {
		c->warn_at_ms = calendar_day_end_ms(wday) + 1;
	}
	if (c->warn_at_ms && c->warn_at_ms < start_ms)
		c->warn_at_ms = start_ms;
	if (c->warn_at_ms > c->due_at_ms)
		c->warn_at_ms = 0;
	c->warned = c->missed = c->postponed = false;
	c->postpone_reason = (char *)"";
	c->cancel_reason = LANU__V1__CANCEL_REASON__CANCEL_REASON_UNSPECIFIED;
	c->working_days_left = 0;
	c->closed_at_ms = 0;
	c->next_at_ms = 0;
	c->expires_at_ms = 0;
	return 1;
}

/* Joins the NULL-terminated list of strings into buf, truncating at len - 1 bytes:
 * vsnprintf's format parsing was a tenth of lanud's time per external miss. */
static void _sentinel_
deadline_join(char *buf, size_t len, ...)
{
	char *p = buf, *end = buf + len - 1;
	const char *s;
	va_list ap;

	va_start(ap, len);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s);

		if (n > (size_t)(end - p))
			n = (size_t)(end - p);
		memcpy(p, s, n);
		p += n;
	}
	va_end(ap);
	*p = '\0';
}

/* Raises an alert of kind about c. */
static int
deadline_alert(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	       const Lanu__V1__Clock *c, Lanu__V1__AlertKind kind, const Lanu__V1__Envelope *ev,
	       uint64_t now_ms)
{
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
	char subject[LANU_MAX_NAME + 8], key[48], at[11] = "";
	const char *how;
	uint64_t miss_seq = 0;
	int r;

	snprintf(subject, sizeof(subject), "case:%s", c->case_id);
	switch (kind) {
	case LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_WARNING:
		a.severity = LANU__V1__SEVERITY__SEVERITY_WARNING;
		how = "warning";
		f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_DEADLINE_WARNING;
		break;
	case LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED:
		a.severity = LANU__V1__SEVERITY__SEVERITY_CRITICAL;
		how = "missed";
		f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_DEADLINE_MISSED;
		break;
	default:	/* RESOLVED: provided late, or cancelled */
		a.severity = LANU__V1__SEVERITY__SEVERITY_INFO;
		how = "resolved";
		calendar_format_day(calendar_local_day(c->closed_at_ms), at);
		f.closed_day = at;
		f.text = c->state == LANU__V1__CLOCK__STATE__STATE_CANCELLED
				 ? LANU__V1__ALERT_FACTS__TEXT__TEXT_CANCELLED_LATE
				 : LANU__V1__ALERT_FACTS__TEXT__TEXT_PROVIDED_LATE;
		break;
	}
	f.case_id = c->case_id;
	f.stage = c->stage;
	f.due_day = c->due_day;
	snprintf(key, sizeof(key), "clock/%" PRIu64 "/%s", c->id, how);
	a.kind = kind;
	a.subject = subject;
	a.service = c->service;
	a.area = c->area;
	a.facts = &f;
	a.raised_at_ms = now_ms;
	a.dedup_key = key;
	a.event_id = ev ? ev->event_id : c->event_id;
	a.producer = ev ? ev->producer : c->producer;
	/* A resolution goes to whoever was told of the miss, too. */
	if (kind == LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED) {
		char missed[48];

		snprintf(missed, sizeof(missed), "clock/%" PRIu64 "/missed", c->id);
		if (store_alert_by_key(t, missed, &miss_seq) < 0)
			miss_seq = 0;
	}
	r = alert_raise_resolving(snap, t, q, &a, miss_seq);
	return r < 0 ? r : 0;
}

static int deadline_close(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			  Lanu__V1__Clock *c, const Lanu__V1__Clock *old, uint64_t provided_ms,
			  const Lanu__V1__Envelope *ev, uint64_t now_ms, int depth);

/* Stores the clock o is about to open, unless the case has it open already (the
 * first request's clock stands). An early delivery waiting for it closes it at
 * once. */
static int
deadline_start(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	       struct opening *o, const Lanu__V1__Envelope *ev, uint64_t now_ms, int depth)
{
	Lanu__V1__Clock *c = &o->c, *old = NULL;
	unsigned char buf[DEADLINE_SCRATCH];
	_cleanup_(arena_free) struct arena a;
	uint64_t id;
	int r = 0;

	arena_init_buf(&a, DEADLINE_SCRATCH, buf, sizeof(buf));
	if (store_clock_find(t, c->service, c->stage, c->case_id, &id) == 0 &&
	    (r = store_clock_get(t, id, &a.pa, &old)) < 0)
		return t->err ? t->err : r;
	if (old && old->state == LANU__V1__CLOCK__STATE__STATE_OPEN)
		return 0;
	/* A request that comes after its due instant is told as a miss, not warned of. */
	if (now_ms > c->due_at_ms)
		c->warned = true;
	if (old && old->state == LANU__V1__CLOCK__STATE__STATE_EARLY) {
		/* The early record becomes this clock, closed by the delivery if that
		 * came after the request, or forgotten if it came before it. */
		uint64_t provided = old->closed_at_ms;

		c->id = old->id;
		c->next_at_ms = deadline_next_at(c);
		if (provided >= c->started_at_ms)
			return deadline_close(snap, t, q, c, old, provided, ev, now_ms, depth);
		store_clock_put(t, c, old);
		return t->err;
	}
	c->next_at_ms = deadline_next_at(c);
	store_clock_put(t, c, NULL);
	return t->err;
}

/* Closes open clock c (old: its record as stored, NULL if not stored yet) as
 * provided at provided_ms, and starts the stages that start after it. */
static int
deadline_close(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	       Lanu__V1__Clock *c, const Lanu__V1__Clock *old, uint64_t provided_ms,
	       const Lanu__V1__Envelope *ev, uint64_t now_ms, int depth)
{
	const Lanu__V1__Service *svc;
	int r;

	c->closed_at_ms = provided_ms;
	c->state = provided_ms <= c->due_at_ms ? LANU__V1__CLOCK__STATE__STATE_MET
					       : LANU__V1__CLOCK__STATE__STATE_LATE;
	c->next_at_ms = 0;
	store_clock_put(t, c, old);
	if (t->err)
		return t->err;
	if (c->state == LANU__V1__CLOCK__STATE__STATE_MET) {
		char day[11];

		/* met after all (the delivery came late): its miss no longer counts */
		r = c->missed ? compliance_count(snap, t, q, c, 0, -1, c->due_day, now_ms) : 0;
		calendar_format_day(calendar_local_day(provided_ms), day);
		if (r == 0)
			r = compliance_count(snap, t, q, c, 1, 0, day, now_ms);
	} else {
		/* late: already counted when its miss fired */
		r = c->missed ? 0 : compliance_count(snap, t, q, c, 0, 1, c->due_day, now_ms);
	}
	if (r < 0)
		return r;
	if (c->missed && (r = deadline_alert(snap, t, q, c,
					     LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED, ev,
					     now_ms)) < 0)
		return r;
	/* The stages after this one start now; a plan without them (changed since the
	 * clock opened) starts none. Stage graphs are acyclic (plan_check.c). */
	svc = plan_index_service(snap->index, c->service);
	if (!svc || !*c->stage || depth > 16)
		return 0;
	for (size_t i = 0; i < svc->n_stages; i++) {
		const Lanu__V1__Stage *st = svc->stages[i];
		struct opening o;
		struct msg_error e;

		if (!st->starts || st->starts->kind != LANU__V1__STAGE_START__KIND__KIND_AFTER ||
		    strcmp(st->starts->stage, c->stage) != 0)
			continue;
		r = deadline_prepare(snap, svc, st, c, provided_ms, &o, &e);
		if (r == -EINVAL) {
			log_ratelimited(LOG_WARNING,
					"deadline: case %s: stage %s of %s not started: %s",
					c->case_id, st->id, svc->id, e.reason);
			continue;
		}
		o.c.event_id = ev ? ev->event_id : c->event_id;
		o.c.producer = ev ? ev->producer : c->producer;
		if (r > 0 && (r = deadline_start(snap, t, q, &o, ev, now_ms, depth + 1)) < 0)
			return r;
	}
	return 0;
}

int
deadline_check_target(const struct snapshot *snap, const char *kind, const char *service,
		      const char *area, const char *stage, bool stage_needed, struct msg_error *e,
		      const Lanu__V1__Service **ret_svc)
{
	const Lanu__V1__Service *svc;
	char field[64];

	if (!snap->index) {
		msg_errorf(e, "", "no plan is in force: load one first");
		return -EINVAL;
	}
	if (!(svc = plan_index_service(snap->index, service))) {
		snprintf(field, sizeof(field), "event.%s.service", kind);
		msg_errorf(e, field, "service '%s' is not in the plan in force", service);
		return -EINVAL;
	}
	if (area && !plan_index_area(snap->index, area)) {
		snprintf(field, sizeof(field), "event.%s.area", kind);
		msg_errorf(e, field, "area '%s' is not in the plan in force", area);
		return -EINVAL;
	}
	snprintf(field, sizeof(field), "event.%s.stage", kind);
	if (*stage && !plan_index_stage(svc, stage)) {
		msg_errorf(e, field, svc->n_stages ? "service '%s' has no stage '%s'"
						   : "service '%s' has no stages%.0s",
			   service, stage);
		return -EINVAL;
	}
	if (stage_needed && svc->n_stages && !*stage) {
		msg_errorf(e, field, "service '%s' has stages: name the stage", service);
		return -EINVAL;
	}
	*ret_svc = svc;
	return 0;
}

int
deadline_on_requested(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		      const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const uint64_t now_ms = snap->now_ms;
	const Lanu__V1__ServiceRequested *m = ev->service_requested;
	Lanu__V1__Clock base = LANU__V1__CLOCK__INIT;
	const Lanu__V1__Service *svc;
	struct opening *o;
	size_t n = 0, cap;
	int r = 0;

	r = deadline_check_target(snap, "service_requested", m->service, m->area, m->stage, false,
				  e, &svc);
	if (r < 0)
		return r;
	base.case_id = m->case_id;
	base.service = m->service;
	base.area = m->area;
	base.urgency = m->urgency;
	base.language_group = m->language_group;
	base.age_group = m->age_group;
	base.event_id = ev->event_id;
	base.producer = ev->producer;

	/* Every clock the request opens is worked out before any is stored: a
	 * refused request changes nothing. */
	cap = svc->n_stages ? svc->n_stages : 1;
	if (!(o = calloc(cap, sizeof(*o))))
		return -ENOMEM;
	if (!svc->n_stages) {
		r = deadline_prepare(snap, svc, NULL, &base, m->requested_at_ms, &o[0], e);
		n = r > 0;
	} else {
		for (size_t i = 0; i < svc->n_stages && r >= 0; i++) {
			const Lanu__V1__Stage *st = svc->stages[i];
			bool at_request = !st->starts ||
				st->starts->kind == LANU__V1__STAGE_START__KIND__KIND_REQUEST ||
				st->starts->kind == LANU__V1__STAGE_START__KIND__KIND_UNSPECIFIED;

			if (*m->stage ? strcmp(st->id, m->stage) != 0 : !at_request)
				continue;
			r = deadline_prepare(snap, svc, st, &base, m->requested_at_ms, &o[n], e);
			n += r > 0;
		}
	}
	for (size_t i = 0; i < n && r >= 0; i++)
		r = deadline_start(snap, t, q, &o[i], ev, now_ms, 0);
	free(o);
	return r < 0 ? r : 0;
}

/* The latest clock of the case's stage, decoded into a, or -ENOENT. */
static int
deadline_find(struct store_txn *t, const char *service, const char *stage, const char *case_id,
	      struct arena *a, Lanu__V1__Clock **ret)
{
	uint64_t id;
	int r;

	r = store_clock_find(t, service, stage, case_id, &id);
	if (r == 0)
		r = store_clock_get(t, id, &a->pa, ret);
	if (r < 0 && r != -ENOENT)
		return t->err ? t->err : r;
	return r;
}

int
deadline_on_provided(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		     const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const uint64_t now_ms = snap->now_ms;
	const Lanu__V1__ServiceProvided *m = ev->service_provided;
	Lanu__V1__Clock *c = NULL, early = LANU__V1__CLOCK__INIT;
	unsigned char buf[DEADLINE_SCRATCH];
	_cleanup_(arena_free) struct arena a;
	const Lanu__V1__Service *svc;
	int r;

	arena_init_buf(&a, DEADLINE_SCRATCH, buf, sizeof(buf));
	r = deadline_check_target(snap, "service_provided", m->service, NULL, m->stage, true, e,
				  &svc);
	if (r < 0)
		return r;
	r = deadline_find(t, m->service, m->stage, m->case_id, &a, &c);
	if (r < 0 && r != -ENOENT)
		return r;
	if (c && c->state == LANU__V1__CLOCK__STATE__STATE_OPEN) {
		Lanu__V1__Clock old = *c;

		return deadline_close(snap, t, q, c, &old, m->provided_at_ms, ev, now_ms, 0);
	}
	/* A repeat (of an early delivery, or of the one that closed the clock)
	 * changes nothing. */
	if (c && (c->state == LANU__V1__CLOCK__STATE__STATE_EARLY ||
		  m->provided_at_ms <= c->closed_at_ms))
		return 0;
	/* Before its request: kept for it. */
	early.case_id = m->case_id;
	early.service = m->service;
	early.stage = m->stage;
	early.area = m->area;
	early.state = LANU__V1__CLOCK__STATE__STATE_EARLY;
	early.closed_at_ms = m->provided_at_ms;
	early.expires_at_ms = now_ms + LANU_EARLY_KEEP_DAYS * DAY_MS;
	early.next_at_ms = early.expires_at_ms;
	early.event_id = ev->event_id;
	early.producer = ev->producer;
	early.plan_version = snap->plan_version;
	store_clock_put(t, &early, NULL);
	return t->err;
}

/* Calls fn for the open clock of each stage the event names (all of them if it
 * names none). Returns how many it found, or <0. */
static int
deadline_each_open(struct store_txn *t, const Lanu__V1__Service *svc, const char *stage,
		   const char *case_id, int (*fn)(Lanu__V1__Clock *c, void *arg), void *arg)
{
	size_t n = *stage || !svc->n_stages ? 1 : svc->n_stages;
	unsigned char buf[DEADLINE_SCRATCH];
	_cleanup_(arena_free) struct arena a;
	int found = 0, r;

	arena_init_buf(&a, DEADLINE_SCRATCH, buf, sizeof(buf));
	for (size_t i = 0; i < n; i++) {
		const char *s = *stage || !svc->n_stages ? stage : svc->stages[i]->id;
		Lanu__V1__Clock *c;

		arena_reset(&a);
		r = deadline_find(t, svc->id, s, case_id, &a, &c);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (c->state == LANU__V1__CLOCK__STATE__STATE_OPEN) {
			found++;
			r = fn(c, arg);
		}
		if (r < 0)
			return r;
	}
	return found;
}

struct cancel_ctx {
	const struct snapshot *snap;
	struct store_txn *t;
	struct alert_pubq *q;
	const Lanu__V1__Envelope *ev;
	uint64_t now_ms;
};

static int
deadline_cancel_one(Lanu__V1__Clock *c, void *arg)
{
	struct cancel_ctx *x = arg;
	Lanu__V1__Clock old = *c;
	int r;

	c->state = LANU__V1__CLOCK__STATE__STATE_CANCELLED;
	c->closed_at_ms = x->ev->occurred_at_ms;
	c->cancel_reason = x->ev->case_cancelled->reason;
	c->next_at_ms = 0;
	store_clock_put(x->t, c, &old);
	if (x->t->err)
		return x->t->err;
	if (!c->missed)
		return 0;
	/* a cancelled clock is not judged: its miss no longer counts */
	r = compliance_count(x->snap, x->t, x->q, c, 0, -1, c->due_day, x->now_ms);
	if (r < 0)
		return r;
	return deadline_alert(x->snap, x->t, x->q, c, LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED,
			      x->ev, x->now_ms);
}

int
deadline_on_cancelled(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		      const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const uint64_t now_ms = snap->now_ms;
	const Lanu__V1__CaseCancelled *m = ev->case_cancelled;
	struct cancel_ctx x = { snap, t, q, ev, now_ms };
	const Lanu__V1__Service *svc;
	int r;

	r = deadline_check_target(snap, "case_cancelled", m->service, NULL, m->stage, false, e,
				  &svc);
	if (r < 0)
		return r;
	/* Nothing open is nothing to stop: the event is kept all the same. */
	r = deadline_each_open(t, svc, m->stage, m->case_id, deadline_cancel_one, &x);
	return r < 0 ? r : 0;
}

struct postpone_ctx {
	const struct snapshot *snap;
	struct store_txn *t;
	struct alert_pubq *q;
	const char *reason;
	uint64_t now_ms;
};

static int
deadline_postpone_one(Lanu__V1__Clock *c, void *arg)
{
	struct postpone_ctx *x = arg;
	Lanu__V1__Clock old = *c;
	int r;

	/* set apart: a miss it had no longer counts */
	if (c->missed && (r = compliance_count(x->snap, x->t, x->q, c, 0, -1, c->due_day,
					     x->now_ms)) < 0)
		return r;
	c->postponed = true;
	c->postpone_reason = (char *)x->reason;
	c->next_at_ms = deadline_next_at(c);
	store_clock_put(x->t, c, &old);
	c->postpone_reason = old.postpone_reason;	/* as decoded */
	return x->t->err;
}

int
deadline_on_postponed(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		      const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const uint64_t now_ms = snap->now_ms;
	const Lanu__V1__ServicePostponed *m = ev->service_postponed;
	struct postpone_ctx x = { snap, t, q, m->reason, now_ms };
	const Lanu__V1__Service *svc;
	int r;

	r = deadline_check_target(snap, "service_postponed", m->service, NULL, m->stage, false, e,
				  &svc);
	if (r < 0)
		return r;
	r = deadline_each_open(t, svc, m->stage, m->case_id, deadline_postpone_one, &x);
	if (r == 0) {
		msg_errorf(e, "event.service_postponed.case_id",
			   "case '%s' has no open clock of service '%s'", m->case_id,
			   m->service);
		return -ENOENT;
	}
	return r < 0 ? r : 0;
}

/* Another system says a limit was missed. If lanud keeps that clock open, the two
 * merge: its DEADLINE_MISSED is raised now unless it already was. Returns 1 if
 * merged, 0 if lanud keeps no such open clock, or the sticky error. */
static int
deadline_merge_missed(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		      const Lanu__V1__DeadlineMissed *m, const Lanu__V1__Envelope *ev,
		      uint64_t now_ms)
{
	Lanu__V1__Clock *c, old;
	unsigned char buf[DEADLINE_SCRATCH];
	_cleanup_(arena_free) struct arena a;
	int r;

	arena_init_buf(&a, DEADLINE_SCRATCH, buf, sizeof(buf));
	r = deadline_find(t, m->service, m->stage, m->case_id, &a, &c);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (c->state != LANU__V1__CLOCK__STATE__STATE_OPEN)
		return 0;
	/* A postponed clock sends no alerts: the other system does not know the
	 * family asked for the delay; lanud does. */
	r = 1;
	if (!c->missed && !c->postponed) {
		old = *c;
		c->missed = true;
		c->warned = true;
		c->next_at_ms = deadline_next_at(c);
		store_clock_put(t, c, &old);
		r = deadline_alert(snap, t, q, c, LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED,
				   ev, now_ms);
		if (r == 0)
			r = compliance_count(snap, t, q, c, 0, 1, c->due_day, now_ms);
		r = r < 0 ? r : 1;
	}
	return t->err ? t->err : r;
}

int
deadline_on_missed(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		   const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const uint64_t now_ms = snap->now_ms;
	const Lanu__V1__DeadlineMissed *m = ev->deadline_missed;
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
	char subject[LANU_MAX_NAME + 8], key[4 * LANU_MAX_NAME + 32];
	const Lanu__V1__Service *svc;
	int r;

	/* An alert names plan objects, so they must exist in the plan in force. */
	r = deadline_check_target(snap, "deadline_missed", m->service, m->area, m->stage, false, e,
				  &svc);
	if (r < 0)
		return r;
	/* A clock lanud keeps itself: one alert, not two. */
	r = deadline_merge_missed(snap, t, q, m, ev, now_ms);
	if (r != 0)
		return r < 0 ? r : 0;
	f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_MISSED_REPORTED;
	f.case_id = m->case_id;
	f.stage = m->stage;
	deadline_join(subject, sizeof(subject), "case:", m->case_id, NULL);
	deadline_join(key, sizeof(key), "deadline-missed/", m->service, "/",
		      *m->stage ? m->stage : "-", "/", m->case_id, NULL);
	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED;
	a.severity = LANU__V1__SEVERITY__SEVERITY_CRITICAL;
	a.subject = subject;
	a.service = m->service;
	a.area = m->area;
	a.facts = &f;
	a.raised_at_ms = now_ms;
	a.dedup_key = key;
	a.event_id = ev->event_id;
	a.producer = ev->producer;
	r = alert_raise(snap, t, q, &a);
	return r < 0 ? r : 0;
}

int
deadline_fire(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	      uint64_t now_ms, size_t max, bool *ret_more, uint64_t *ret_next_at)
{
	unsigned char buf[DEADLINE_SCRATCH];
	_cleanup_(arena_free) struct arena a;
	size_t done = 0, looked = 0;
	uint64_t next = 0;
	int r;

	arena_init_buf(&a, DEADLINE_SCRATCH, buf, sizeof(buf));
	/* One entry at a time, each the first of the index: a clock's warning moves
	 * it to its miss, which may come before the entries after it. */
	for (; done < max && looked < 4 * max; looked++) {
		Lanu__V1__Clock *c, old;
		uint64_t at, id;

		arena_reset(&a);
		r = store_clock_first(t, &at, &id);
		if (r == -ENOENT)
			break;
		if (r < 0)
			return r;
		if (at > now_ms) {
			next = at;	/* the next wake-up */
			break;
		}
		r = store_clock_get(t, id, &a.pa, &c);
		if (r == -EBADMSG || r == -ENOENT) {
			/* A bug, not the data's fault: logged, and not looked at again. */
			log_errno_ratelimited(LOG_ERR, r, "deadline: clock %" PRIu64
					      " cannot be read, dropping its timer", id);
			store_clock_unfire(t, at, id);
			continue;
		}
		if (r < 0)
			return r;
		old = *c;
		if (c->state == LANU__V1__CLOCK__STATE__STATE_EARLY) {
			/* Its request never came. */
			store_clock_del(t, c);
			done++;
			continue;
		}
		r = 0;
		if (!c->warned && c->warn_at_ms && c->warn_at_ms <= now_ms) {
			/* Also when the clock jumped past the due instant too: every passed
			 * warning and miss goes, each in its turn. */
			c->warned = true;
			r = deadline_alert(snap, t, q, c,
					   LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_WARNING, NULL,
					   now_ms);
			done++;
		} else if (!c->missed && now_ms > c->due_at_ms) {
			c->missed = true;
			r = deadline_alert(snap, t, q, c,
					   LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED, NULL,
					   now_ms);
			if (r == 0)
				r = compliance_count(snap, t, q, c, 0, 1, c->due_day, now_ms);
			done++;
		}
		c->next_at_ms = deadline_next_at(c);
		if (r == 0)
			store_clock_put(t, c, &old);
		if (r < 0 || t->err)
			return t->err ? t->err : r;
	}
	*ret_more = done == max || looked == 4 * max;
	if (ret_next_at)
		*ret_next_at = next;
	return (int)done;
}

int32_t
deadline_working_days_left(const struct snapshot *snap, const Lanu__V1__Clock *c, int32_t today)
{
	const struct calendar *cal = calendar_get(snap->calendars, c->calendar);
	int32_t due;

	if (!cal)
		cal = calendar_get(snap->calendars, CALENDAR_NATIONAL);
	if (calendar_parse_day(c->due_day, &due) < 0)
		return 0;
	if (due >= today)
		return (int32_t)calendar_working_days_between(cal, today - 1, due);
	return -(int32_t)calendar_working_days_between(cal, due, today);
}

uint64_t
deadline_wake_in(uint64_t now_ms, uint64_t next_at, bool more, bool manual)
{
	uint64_t wait;

	if (more || (next_at && next_at <= now_ms))
		return 0;
	if (manual)
		return UINT64_MAX;
	wait = next_at ? next_at - now_ms : DEADLINE_WAKE_MAX_MS;
	return wait < DEADLINE_WAKE_MAX_MS ? wait : DEADLINE_WAKE_MAX_MS;
}
