/*
 * measure: the plan's measures (toimenpiteet) come alive (docs/indicators.md, measures).
 *
 * MeasureStatusUpdated appends a status (planned, started, piloted, established, done,
 * dropped; a note; the day it holds from) to the measure's history; the one in force is
 * the one that holds from the latest day (measure_latest()).
 *
 * Each measure has one watch with up to two instants. Its schedule's end: the day after
 * it, if the measure is not done or established by then, MEASURE_OVERDUE goes to
 * its `responsible` and `monitoring` recipients (and the routes of that kind), once. Its
 * yearly reminder: the plan's reporting date (31 March unless it says) is when the welfare
 * report about the year before is due; `remind` before it (30 days unless it says), a
 * measure whose schedule covers that year and which has no status dated in it gets
 * MEASURE_REMINDER to its `responsible`, once a year while the plan's period lasts. A
 * watch is set when a plan comes into force, for instants after that moment only.
 */
#include "measure.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "arena.h"
#include "calendar.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "msg.h"
#include "plan_index.h"
#include "store.h"

#define MSR_FIELD "event.measure_status_updated."
#define MSR_QUERY_FIELD "measures."

/* The status words of docs/indicators.md, as lanu.proto numbers the statuses. */
static const char *const measure_words[] = {
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_NOT_STARTED] = "planned",
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_IN_PROGRESS] = "started",
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_PILOTED] = "piloted",
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_ESTABLISHED] = "established",
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DONE] = "done",
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DROPPED] = "dropped",
};

/* Does status s settle a measure (nothing is overdue of it)? Done or established; a
 * dropped one is told as overdue, with its status, so the monitoring body hears of it. */
static bool
measure_settled(Lanu__V1__MeasureStatus s)
{
	return s == LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DONE ||
	       s == LANU__V1__MEASURE_STATUS__MEASURE_STATUS_ESTABLISHED;
}

int
measure_on_status(const struct snapshot *snap, struct store_txn *t,
		  const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const Lanu__V1__MeasureStatusUpdated *m = ev->measure_status_updated;
	Lanu__V1__MeasureStatusRecord rec = LANU__V1__MEASURE_STATUS_RECORD__INIT;
	int32_t today = calendar_local_day(snap->now_ms), day = today;
	char date[11];

	if (!snap->index || !plan_index_measure(snap->index, m->measure)) {
		msg_errorf(e, MSR_FIELD "measure", "'%s' is not a measure of the plan in force",
			   m->measure);
		return -EINVAL;
	}
	if ((size_t)m->status >= ELEMENTSOF(measure_words) || !measure_words[m->status]) {
		msg_errorf(e, MSR_FIELD "status", "is not a status (planned, started, piloted, "
			   "established, done, dropped)");
		return -EINVAL;
	}
	if (*m->date && calendar_parse_day(m->date, &day) < 0) {
		msg_errorf(e, MSR_FIELD "date", "'%s' is not a date (YYYY-MM-DD)", m->date);
		return -EINVAL;
	}
	if (day > today) {
		msg_errorf(e, MSR_FIELD "date", "%s has not come yet: a status holds from a day "
			   "that has been", m->date);
		return -EINVAL;
	}
	calendar_format_day(day, date);
	rec.measure = m->measure;
	rec.status = m->status;
	rec.note = m->note;
	rec.date = date;
	rec.received_at_ms = snap->now_ms;
	rec.event_id = ev->event_id;
	rec.producer = ev->producer;
	store_msr_put(t, &rec);
	return t->err;
}

struct latest {
	const Lanu__V1__MeasureStatusRecord *rec;
};

/* The latest by date keeps the lead; a later one of the same date takes it. */
static int
measure_latest_cb(const Lanu__V1__MeasureStatusRecord *rec, void *arg)
{
	struct latest *x = arg;

	if (!x->rec || strcmp(rec->date, x->rec->date) >= 0)
		x->rec = rec;
	return 0;
}

/* A measure's status in force: the one that holds from the latest day (of those of one
 * day, the one received last), decoded into arena a; NULL if it has none. A status
 * entered late for a day gone by is history, not the measure's status now. Returns 0 or
 * the store's error. */
static int
measure_latest(struct store_txn *t, const char *id, struct arena *a,
	       const Lanu__V1__MeasureStatusRecord **ret)
{
	struct latest x = { NULL };
	int r = store_msr_history(t, id, &a->pa, measure_latest_cb, &x);

	*ret = x.rec;
	return r;
}

/* --- watches --------------------------------------------------------------------------- */

struct dates {
	int rmonth, rday;			/* the reporting date */
	const Lanu__V1__Duration *remind;	/* NULL: 30 days */
	int end_year;				/* the plan period's last year */
};

static void
measure_dates(const Lanu__V1__Plan *plan, struct dates *d)
{
	const Lanu__V1__Reporting *rp = plan->reporting;
	const Lanu__V1__Period *pe = plan->plan ? plan->plan->period : NULL;

	d->rmonth = 3;
	d->rday = 31;
	if (rp && rp->date && strlen(rp->date) == 5 &&
	    sscanf(rp->date, "%2d-%2d", &d->rmonth, &d->rday) != 2) {
		d->rmonth = 3;	/* plan_check refuses it: cannot be */
		d->rday = 31;
	}
	d->remind = rp ? rp->remind : NULL;
	d->end_year = pe && pe->to && *pe->to ? atoi(pe->to) : 9999;
}

/* The instant the reminder about year y is due: the start of the reporting day of year
 * y + 1 less `remind`. */
static uint64_t
measure_remind_at(const struct dates *d, int y)
{
	static const Lanu__V1__Duration thirty_days = { PROTOBUF_C_MESSAGE_INIT(
		&lanu__v1__duration__descriptor), 30, LANU__V1__DURATION__UNIT__UNIT_DAYS,
		(char *)"30 days" };
	const Lanu__V1__Duration *r = d->remind ? d->remind : &thirty_days;
	int32_t day = calendar_day(y + 1, d->rmonth, d->rday), before;

	if (calendar_before_day(NULL, day, r->count, r->unit, &before) == 0)
		day = before;
	return calendar_day_start_ms(day);
}

/* The years a measure's schedule covers: [*from, *to]. */
static void
measure_years(const Lanu__V1__Measure *m, int *from, int *to)
{
	const Lanu__V1__Period *s = m->schedule;

	*from = s && s->from && *s->from ? atoi(s->from) : 0;
	*to = s && s->to && *s->to ? atoi(s->to) : 9999;
}

/* The first year y >= from the measure is reminded about after now_ms: 0 if none. */
static int
measure_next_year(const Lanu__V1__Measure *m, const struct dates *d, int from, uint64_t now_ms)
{
	int first, last, y;

	measure_years(m, &first, &last);
	if (last > d->end_year)
		last = d->end_year;
	y = from > first ? from : first;
	if (y == 0) {	/* an open start: from the year whose report is due next */
		int mo, dd;

		calendar_ymd(calendar_local_day(now_ms), &y, &mo, &dd);
		y--;
	}
	for (; y <= last; y++)
		if (measure_remind_at(d, y) > now_ms)
			return y;
	return 0;
}

static uint64_t
measure_watch_at(const Lanu__V1__MeasureWatch *w)
{
	if (!w->overdue_at_ms)
		return w->remind_at_ms;
	if (!w->remind_at_ms)
		return w->overdue_at_ms;
	return w->overdue_at_ms < w->remind_at_ms ? w->overdue_at_ms : w->remind_at_ms;
}

static int
measure_watch_get(struct store_txn *t, const char *id, Lanu__V1__MeasureWatch **ret)
{
	return store_watch_get(t, STORE_WATCH_MEASURE, id, &lanu__v1__measure_watch__descriptor,
			       (ProtobufCMessage **)ret);
}

/* Stores w as id's watch in place of old (NULL: none), or deletes it if it has no
 * instant left. */
static void
measure_watch_put(struct store_txn *t, const char *id, const Lanu__V1__MeasureWatch *w,
		  const Lanu__V1__MeasureWatch *old)
{
	uint64_t at = measure_watch_at(w), old_at = old ? measure_watch_at(old) : 0;

	if (at)
		store_watch_put(t, STORE_WATCH_MEASURE, id, at, &w->base, old_at);
	else if (old)
		store_watch_del(t, STORE_WATCH_MEASURE, id, old_at);
}

struct measures {
	const Lanu__V1__Measure **v;
	size_t n, cap;
};

static int
measure_collect_cb(enum plan_kind k, char *const *id, const ProtobufCMessage *obj, void *arg)
{
	struct measures *x = arg;

	(void)id;
	if (k != PLAN_MEASURE)
		return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 64;
		void *v = realloc(x->v, cap * sizeof(*x->v));

		if (!v)
			return -ENOMEM;
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n++] = (const Lanu__V1__Measure *)obj;
	return 0;
}

struct gone {
	const struct plan_index *x;
	char (*v)[LANU_MAX_NAME + 1];
	size_t n, cap;
};

static int
measure_gone_cb(const char *name, void *arg)
{
	struct gone *g = arg;

	if (g->x && plan_index_measure(g->x, name))
		return 0;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		void *v = realloc(g->v, cap * sizeof(*g->v));

		if (!v)
			return -ENOMEM;
		g->v = v;
		g->cap = cap;
	}
	snprintf(g->v[g->n++], LANU_MAX_NAME + 1, "%s", name);
	return 0;
}

int
measure_plan_watches(const Lanu__V1__Plan *plan, const struct plan_index *index,
		     uint64_t version, struct store_txn *t, uint64_t now_ms)
{
	struct measures ms = { 0 };
	struct gone g = { .x = index };
	struct dates d;
	int r;

	measure_dates(plan, &d);
	r = store_watch_names(t, STORE_WATCH_MEASURE, measure_gone_cb, &g);
	for (size_t i = 0; r == 0 && i < g.n; i++) {
		Lanu__V1__MeasureWatch *old;

		if (measure_watch_get(t, g.v[i], &old) == 0) {
			store_watch_del(t, STORE_WATCH_MEASURE, g.v[i], measure_watch_at(old));
			lanu__v1__measure_watch__free_unpacked(old, NULL);
		}
	}
	free(g.v);
	if (r == 0)
		r = plan_index_walk(plan, measure_collect_cb, &ms);
	for (size_t i = 0; r == 0 && !t->err && i < ms.n; i++) {
		const Lanu__V1__Measure *m = ms.v[i];
		Lanu__V1__MeasureWatch w = LANU__V1__MEASURE_WATCH__INIT, *old = NULL;
		char year[8];
		int32_t end;
		int y;

		if (m->schedule && m->schedule->to && *m->schedule->to &&
		    calendar_parse_day(m->schedule->to, &end) == 0 &&
		    calendar_day_start_ms(end + 1) > now_ms)
			w.overdue_at_ms = calendar_day_start_ms(end + 1);
		y = measure_next_year(m, &d, 0, now_ms);
		if (y) {
			snprintf(year, sizeof(year), "%04d", y % 10000);
			w.remind_at_ms = measure_remind_at(&d, y);
			w.remind_year = year;
		}
		if (measure_watch_get(t, m->id, &old) < 0)
			old = NULL;
		measure_watch_put(t, m->id, &w, old);
		if (old)
			lanu__v1__measure_watch__free_unpacked(old, NULL);
	}
	free(ms.v);
	if (r == 0)
		store_watch_set_plan(t, STORE_WATCH_MEASURE, version);
	return r < 0 ? r : t->err;
}

/* Raises kind about m to `to` (and its routes), text and facts as given. */
static int
measure_alert(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	      const Lanu__V1__Measure *m, Lanu__V1__Alert *a, Lanu__V1__AlertFacts *f,
	      bool monitoring, uint64_t now_ms)
{
	char subject[LANU_MAX_NAME + 16], **to;
	size_t n = 0;
	int r;

	to = calloc(m->n_responsible + m->n_monitoring + 1, sizeof(*to));
	if (!to)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_responsible; i++)
		to[n++] = m->responsible[i];
	for (size_t i = 0; monitoring && i < m->n_monitoring; i++)
		to[n++] = m->monitoring[i];
	snprintf(subject, sizeof(subject), "measure:%s", m->id);
	a->subject = subject;
	a->measure = m->id;
	a->facts = f;
	a->raised_at_ms = now_ms;
	r = alert_raise_to(snap, t, q, a, to, n);
	free(to);
	return r < 0 ? r : 0;
}

struct in_year {
	char year[5];
	bool found;
};

static int
measure_in_year_cb(const Lanu__V1__MeasureStatusRecord *rec, void *arg)
{
	struct in_year *x = arg;

	if (strncmp(rec->date, x->year, 4) == 0)
		x->found = true;
	return x->found ? 1 : 0;
}

/* The watch of measure id, due at at_ms. */
static int
measure_watch_fire(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		   const char *id, uint64_t at_ms, uint64_t now_ms)
{
	const Lanu__V1__Measure *m = snap->index ? plan_index_measure(snap->index, id) : NULL;
	Lanu__V1__MeasureWatch *old, w = LANU__V1__MEASURE_WATCH__INIT;
	char key[LANU_MAX_NAME + 32], due_day[11], year[8];
	int r;

	r = measure_watch_get(t, id, &old);
	if (r == -ENOENT) {	/* a due entry without its watch: cannot be; dropped */
		store_watch_del(t, STORE_WATCH_MEASURE, id, at_ms);
		return t->err;
	}
	if (r < 0)
		return r;
	if (!m) {
		store_watch_del(t, STORE_WATCH_MEASURE, id, measure_watch_at(old));
		lanu__v1__measure_watch__free_unpacked(old, NULL);
		return t->err;
	}
	w.overdue_at_ms = old->overdue_at_ms;
	w.remind_at_ms = old->remind_at_ms;
	w.remind_year = old->remind_year;
	if (w.overdue_at_ms && w.overdue_at_ms <= now_ms) {
		Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
		Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
		const Lanu__V1__MeasureStatusRecord *latest;
		struct arena ar;

		arena_init_chunk(&ar, 4096);
		r = measure_latest(t, id, &ar, &latest);
		if (r < 0) {
			arena_free(&ar);
			goto out;
		}
		if (!latest || !measure_settled(latest->status)) {
			a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_MEASURE_OVERDUE;
			a.severity = LANU__V1__SEVERITY__SEVERITY_WARNING;
			f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_MEASURE_OVERDUE;
			f.due_day = m->schedule->to;
			f.status = latest ? latest->status : 0;
			snprintf(key, sizeof(key), "measure-overdue/%s", id);
			a.dedup_key = key;
			r = measure_alert(snap, t, q, m, &a, &f, true, now_ms);
		}
		arena_free(&ar);
		if (r < 0)
			goto out;
		w.overdue_at_ms = 0;
	}
	if (w.remind_at_ms && w.remind_at_ms <= now_ms) {
		struct in_year x = { .found = false };
		struct dates d;
		int y;

		snprintf(x.year, sizeof(x.year), "%.4s", old->remind_year);
		r = store_msr_history(t, id, NULL, measure_in_year_cb, &x);
		if (r < 0)
			goto out;
		measure_dates(snap->plan, &d);
		if (!x.found) {
			Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
			Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;

			a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_MEASURE_REMINDER;
			a.severity = LANU__V1__SEVERITY__SEVERITY_INFO;
			f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_MEASURE_REMINDER;
			f.period = x.year;
			calendar_format_day(calendar_day(atoi(x.year) + 1, d.rmonth, d.rday),
					    due_day);
			f.due_day = due_day;
			snprintf(key, sizeof(key), "measure-reminder/%s/%s", id, x.year);
			a.dedup_key = key;
			r = measure_alert(snap, t, q, m, &a, &f, false, now_ms);
			if (r < 0)
				goto out;
		}
		y = measure_next_year(m, &d, atoi(x.year) + 1, now_ms);
		w.remind_at_ms = y ? measure_remind_at(&d, y) : 0;
		snprintf(year, sizeof(year), "%04d", y % 10000);
		w.remind_year = y ? year : (char *)"";
	}
	measure_watch_put(t, id, &w, old);
	r = 0;
out:
	lanu__v1__measure_watch__free_unpacked(old, NULL);
	return r < 0 ? r : t->err;
}

int
measure_watch(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	      uint64_t now_ms, size_t max, bool *ret_more, uint64_t *ret_next_at)
{
	char id[LANU_MAX_NAME + 1];
	uint64_t at;
	size_t n = 0;
	int r;

	*ret_more = false;
	*ret_next_at = 0;
	while ((r = store_watch_first(t, STORE_WATCH_MEASURE, &at, id)) == 0) {
		if (at > now_ms) {
			*ret_next_at = at;
			return 0;
		}
		if (n++ == max) {
			*ret_more = true;
			return 0;
		}
		r = measure_watch_fire(snap, t, q, id, at, now_ms);
		if (r < 0)
			return r;
	}
	return r == -ENOENT ? 0 : r;
}

uint64_t
measure_next_at(struct store_txn *t)
{
	char id[LANU_MAX_NAME + 1];
	uint64_t at;

	return store_watch_first(t, STORE_WATCH_MEASURE, &at, id) == 0 ? at : 0;
}

/* --- for people ------------------------------------------------------------------------ */

struct report {
	const struct snapshot *snap;
	struct store_txn *t;
	struct arena *arena;
	const Lanu__V1__MeasureQuery *q;
	int want;		/* a status, 0 for any, -1 none yet, -2 overdue */
	Lanu__V1__MeasureRow **rows;
	size_t n, cap;
	Lanu__V1__MeasureRow *row;
	size_t hist_cap;
};

/* Is goal g, or a goal above it, `top`? */
static bool
measure_under(const struct plan_index *x, const char *g, const char *top)
{
	for (int depth = 0; g && *g && depth < 64; depth++) {
		const Lanu__V1__Goal *goal;

		if (strcmp(g, top) == 0)
			return true;
		goal = (const Lanu__V1__Goal *)plan_index_find(x, PLAN_GOAL, g);
		g = goal ? goal->parent : NULL;
	}
	return false;
}

static int
measure_hist_cb(const Lanu__V1__MeasureStatusRecord *rec, void *arg)
{
	struct report *x = arg;
	Lanu__V1__MeasureRow *row = x->row;

	if (arena_grow(x->arena, (void **)&row->history, row->n_history, &x->hist_cap,
		       sizeof(*row->history), 8) < 0)
		return -ENOMEM;
	row->history[row->n_history++] = (Lanu__V1__MeasureStatusRecord *)rec;	/* arena's */
	return 0;
}

static int
measure_row_cb(enum plan_kind k, char *const *id, const ProtobufCMessage *obj, void *arg)
{
	struct report *x = arg;
	const Lanu__V1__Measure *m = (const Lanu__V1__Measure *)obj;
	const Lanu__V1__MeasureStatusRecord *latest;
	Lanu__V1__MeasureRow *row;
	int32_t end, today = calendar_local_day(x->snap->now_ms);
	bool overdue;
	int r;

	(void)id;
	if (k != PLAN_MEASURE || (*x->q->goal && !measure_under(x->snap->index, m->goal,
								 x->q->goal)))
		return 0;
	r = measure_latest(x->t, m->id, x->arena, &latest);
	if (r < 0)
		return r;
	overdue = m->schedule && m->schedule->to && *m->schedule->to &&
		  calendar_parse_day(m->schedule->to, &end) == 0 && end < today &&
		  !(latest && measure_settled(latest->status));
	if ((x->want > 0 && (!latest || (int)latest->status != x->want)) ||
	    (x->want == -1 && latest) || (x->want == -2 && !overdue))
		return 0;
	row = arena_alloc(x->arena, sizeof(*row));
	if (!row || arena_grow(x->arena, (void **)&x->rows, x->n, &x->cap, sizeof(*x->rows),
			       64) < 0)
		return -ENOMEM;
	lanu__v1__measure_row__init(row);
	row->measure = m->id;
	row->goal = m->goal;
	row->schedule_from = m->schedule && m->schedule->from ? m->schedule->from : (char *)"";
	row->schedule_to = m->schedule && m->schedule->to ? m->schedule->to : (char *)"";
	row->latest = (Lanu__V1__MeasureStatusRecord *)latest;	/* in the arena */
	row->overdue = overdue;
	x->rows[x->n++] = row;
	if (x->q->history && latest) {
		x->row = row;
		x->hist_cap = 0;
		return store_msr_history(x->t, m->id, &x->arena->pa, measure_hist_cb, x);
	}
	return 0;
}

int
measure_report(const struct snapshot *snap, struct store_txn *t,
	       const Lanu__V1__MeasureQuery *q, struct arena *arena,
	       Lanu__V1__MeasureReport *rep, struct msg_error *e)
{
	struct report x = { .snap = snap, .t = t, .arena = arena, .q = q };
	int r;

	if (!snap->plan) {
		msg_errorf(e, MSR_QUERY_FIELD "goal", "no plan is in force");
		return -EINVAL;
	}
	if (*q->goal && !plan_index_find(snap->index, PLAN_GOAL, q->goal)) {
		msg_errorf(e, MSR_QUERY_FIELD "goal", "'%s' is not a goal of the plan in force",
			   q->goal);
		return -EINVAL;
	}
	if (*q->status) {
		size_t i;

		for (i = 1; i < ELEMENTSOF(measure_words); i++)
			if (measure_words[i] && strcmp(q->status, measure_words[i]) == 0)
				break;
		if (i < ELEMENTSOF(measure_words))
			x.want = (int)i;
		else if (strcmp(q->status, "none") == 0)
			x.want = -1;
		else if (strcmp(q->status, "overdue") == 0)
			x.want = -2;
		else {
			msg_errorf(e, MSR_QUERY_FIELD "status", "'%s' is not a status (planned, "
				   "started, piloted, established, done, dropped, none, overdue)",
				   q->status);
			return -EINVAL;
		}
	}
	r = plan_index_walk(snap->plan, measure_row_cb, &x);
	if (r < 0)
		return r;
	rep->rows = x.rows;
	rep->n_rows = x.n;
	return 0;
}
