/*
 * absence: school absences on the education providers' ladders (docs/absences.md).
 * A school system reports a pupil's absences so far in a review period; the ladder of
 * the plan in force that covers the school says which levels they reach, and each
 * level is raised once per pupil and period, in order: a jump raises the levels it
 * passed too, in the same transaction, each saying it was passed at once. Counts that
 * fall (a correction) raise nothing and lower nothing; a report as of an earlier day
 * than the one stored changes nothing; a new period starts the ladder again.
 *
 * A ladder's review periods are its calendar's terms: a term is "YYYY-autumn" if it
 * starts in July to December, "YYYY-spring" if in January to June; a school year is
 * "YYYY-YYYY" (its terms from August to July, together).
 */
#include "absence.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "indicator.h"
#include "lanu/limits.h"
#include "lanud.h"
#include "msg.h"
#include "plan_index.h"
#include "plan_value.h"
#include "store.h"

#define ABSENCE_FIELD "event.absence_counts_reported."
#define ABSENCE_PERIOD_LEN 32	/* "2025-autumn", "2025-2026" (and room for any int) */
#define ABSENCE_GRADE_MAX 13

/* The ladder that covers school, or NULL. */
static const Lanu__V1__AbsenceLadder *
absence_ladder_of(const struct plan_index *x, const char *school)
{
	const Lanu__V1__Plan *plan = plan_index_plan(x);

	for (size_t i = 0; i < plan->n_absences; i++)
		for (size_t j = 0; j < plan->absences[i]->n_areas; j++)
			if (plan_index_within(x, school, plan->absences[i]->areas[j]))
				return plan->absences[i];
	return NULL;
}

/* The id of the review period a term starting on day (YYYY-MM-DD) is in. */
static void
absence_period_id(Lanu__V1__ReviewPeriod kind, const char *day, char out[ABSENCE_PERIOD_LEN])
{
	int y = 0, m = 0;

	sscanf(day, "%4d-%2d", &y, &m);
	if (kind == LANU__V1__REVIEW_PERIOD__REVIEW_PERIOD_SCHOOL_YEAR) {
		if (m < 8)
			y--;
		snprintf(out, ABSENCE_PERIOD_LEN, "%04d-%04d", y, y + 1);
	} else {
		snprintf(out, ABSENCE_PERIOD_LEN, "%04d-%s", y, m >= 7 ? "autumn" : "spring");
	}
}

/* Finds period among the ladder's: 0 with its first day in start, or -EINVAL with e
 * naming field and the periods there are. */
static int
absence_period(const struct plan_index *x, const char *field, const Lanu__V1__AbsenceLadder *l,
	       const char *period, char start[VALUE_DATE_LEN], struct msg_error *e)
{
	const Lanu__V1__Calendar *cal = plan_index_calendar_terms(x, l->calendar);
	char id[ABSENCE_PERIOD_LEN], known[128] = "";
	size_t n = 0;

	*start = '\0';
	for (size_t i = 0; cal && i < cal->n_terms; i++) {
		const char *from = cal->terms[i]->from;

		absence_period_id(l->period, from, id);
		if (strcmp(id, period) == 0 && (!*start || strcmp(from, start) < 0))
			snprintf(start, VALUE_DATE_LEN, "%s", from);
		if (!strstr(known, id) && n < sizeof(known))
			n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", n ? ", " : "",
					      id);
	}
	if (*start)
		return 0;
	msg_errorf(e, field, "'%s' is not a review period of absence ladder '%s' (its periods: "
			     "%s)", period, l->id, *known ? known : "none");
	return -EINVAL;
}

static double
absence_hours(const Lanu__V1__AbsenceTally *t)
{
	return t ? t->hours : 0;
}

static uint32_t
absence_lessons(const Lanu__V1__AbsenceTally *t)
{
	return t ? t->lessons : 0;
}

/* What level v counts of st: hours and percent of the lessons held. */
static void
absence_counted(const Lanu__V1__AbsenceLevel *v, const Lanu__V1__AbsenceState *st,
		double *ret_hours, double *ret_share)
{
	const Lanu__V1__AbsenceTally *by[] = { NULL, st->authorised, st->unauthorised,
					       st->unexplained };
	double hours = 0;
	uint64_t lessons = 0;

	for (size_t c = 1; c < sizeof(by) / sizeof(by[0]); c++) {
		bool counted = v->n_counts == 0;

		for (size_t i = 0; i < v->n_counts && !counted; i++)
			counted = v->counts[i] == (Lanu__V1__AbsenceClass)c;
		if (counted) {
			hours += absence_hours(by[c]);
			lessons += absence_lessons(by[c]);
		}
	}
	*ret_hours = hours;
	*ret_share = st->lessons_held ? 100.0 * (double)lessons / st->lessons_held : 0;
}

/* The highest level st reaches on l (0: none). */
static uint32_t
absence_level(const Lanu__V1__AbsenceLadder *l, const Lanu__V1__AbsenceState *st)
{
	uint32_t level = 0;

	for (size_t i = 0; i < l->n_levels; i++) {
		const Lanu__V1__AbsenceLevel *v = l->levels[i];
		double hours, share;

		absence_counted(v, st, &hours, &share);
		if ((v->hours && hours >= v->hours->value) || (v->share && share >= v->share->value))
			level = (uint32_t)i + 1;
	}
	if (level == 0 && l->unauthorised_first && l->n_levels > 0 &&
	    (absence_hours(st->unauthorised) > 0 || absence_lessons(st->unauthorised) > 0))
		level = 1;
	return level;
}

/* Raises level n of l for st, whose absences the level counts are hours and share
 * (percent); at_once: a higher one was reached in the same report. */
static int
absence_alert(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
	      const Lanu__V1__AbsenceLadder *l, const Lanu__V1__AbsenceState *st, uint32_t n,
	      double hours, double share, bool at_once, const Lanu__V1__Envelope *ev)
{
	const Lanu__V1__AbsenceLevel *v = l->levels[n - 1];
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
	char subject[LANU_MAX_NAME + 8], key[3 * LANU_MAX_NAME + 48];

	snprintf(subject, sizeof(subject), "pupil:%s", st->pupil_id);
	snprintf(key, sizeof(key), "absence/%s/%s/%s/%" PRIu32, l->id, st->period, st->pupil_id, n);
	f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_ABSENCE_LEVEL;
	f.case_id = st->pupil_id;
	f.level = n;
	f.ladder = l->id;
	f.period = st->period;
	f.hours = hours;
	f.share = share;
	f.grade = st->grade;
	f.at_once = at_once;
	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_ABSENCE_LEVEL;
	a.severity = v->severity ? v->severity : LANU__V1__SEVERITY__SEVERITY_WARNING;
	a.subject = subject;
	a.area = st->school;
	a.facts = &f;
	a.raised_at_ms = snap->now_ms;
	a.dedup_key = key;
	a.event_id = ev->event_id;
	a.producer = ev->producer;
	return alert_raise_to(snap, t, q, &a, v->to, v->n_to);
}

/* a - b, or 0 if b is more: figures never go below zero, whatever came before them */
static uint64_t
absence_less(uint64_t a, uint64_t b)
{
	return b > a ? 0 : a - b;
}

/* Adds st's pupil to the figures of its period, ladder, school and grade (sign > 0),
 * or takes it away from them (sign < 0). */
static void
absence_figures_add(struct store_txn *t, const Lanu__V1__AbsenceState *st, int sign)
{
	Lanu__V1__AbsenceFigures f = LANU__V1__ABSENCE_FIGURES__INIT, *old = NULL;
	const Lanu__V1__AbsenceTally *by[] = { st->authorised, st->unauthorised, st->unexplained };
	uint64_t at[LANU_MAX_LEVELS + 1] = { 0 }, lessons = 0;
	uint32_t level = st->level > LANU_MAX_LEVELS ? LANU_MAX_LEVELS : st->level;
	double hours = 0;
	int r;

	r = store_absence_figures_get(t, st->period, st->ladder, st->school, st->grade, NULL, &old);
	if (r < 0 && r != -ENOENT)
		return;
	if (old) {
		f = *old;
		f.n_at_level = old->n_at_level > LANU_MAX_LEVELS ? LANU_MAX_LEVELS + 1
								  : old->n_at_level;
		memcpy(at, old->at_level, f.n_at_level * sizeof(*at));
	}
	f.ladder = st->ladder;
	f.period = st->period;
	f.school = st->school;
	f.grade = st->grade;
	if (f.n_at_level < level + 1u)
		f.n_at_level = level + 1u;
	f.at_level = at;
	for (size_t i = 0; i < 3; i++) {
		hours += absence_hours(by[i]);
		lessons += absence_lessons(by[i]);
	}
	if (sign > 0) {
		f.pupils++;
		at[level]++;
		f.lessons_held += st->lessons_held;
		f.lessons_absent += lessons;
		f.hours += hours;
	} else {
		f.pupils = absence_less(f.pupils, 1);
		at[level] = absence_less(at[level], 1);
		f.lessons_held = absence_less(f.lessons_held, st->lessons_held);
		f.lessons_absent = absence_less(f.lessons_absent, lessons);
		f.hours = f.pupils && f.hours > hours ? f.hours - hours : 0;
	}
	store_absence_figures_put(t, &f);
	if (old)
		lanu__v1__absence_figures__free_unpacked(old, NULL);
}

/* Stores st, the pupil's place that was old (NULL: none), and moves the figures. */
static void
absence_put(struct store_txn *t, const Lanu__V1__AbsenceState *old,
	    const Lanu__V1__AbsenceState *st)
{
	if (old)
		absence_figures_add(t, old, -1);
	absence_figures_add(t, st, 1);
	store_absence_put(t, st);
}

/* The report's values that the generic checks cannot judge. */
static int
absence_check(const Lanu__V1__AbsenceCountsReported *m, const char *start, struct msg_error *e)
{
	char day[VALUE_DATE_LEN];
	uint64_t lessons = (uint64_t)absence_lessons(m->authorised) +
			   absence_lessons(m->unauthorised) + absence_lessons(m->unexplained);
	const Lanu__V1__AbsenceTally *by[] = { m->authorised, m->unauthorised, m->unexplained };
	static const char *const names[] = { "authorised", "unauthorised", "unexplained" };

	if (m->grade > ABSENCE_GRADE_MAX) {
		msg_errorf(e, ABSENCE_FIELD "grade", "grade %" PRIu32 " is not 1-%d", m->grade,
			   ABSENCE_GRADE_MAX);
		return -EINVAL;
	}
	if (strlen(m->as_of) != 10 || value_date(m->as_of, false, day) < 0 ||
	    strcmp(day, m->as_of) != 0) {
		msg_errorf(e, ABSENCE_FIELD "as_of", "'%s' is not a day (YYYY-MM-DD)", m->as_of);
		return -EINVAL;
	}
	if (strcmp(m->as_of, start) < 0) {
		msg_errorf(e, ABSENCE_FIELD "as_of", "%s is before period %s starts (%s)",
			   m->as_of, m->period, start);
		return -EINVAL;
	}
	for (size_t i = 0; i < 3; i++)
		if (by[i] && by[i]->hours < 0) {
			char field[64];

			snprintf(field, sizeof(field), ABSENCE_FIELD "%s.hours", names[i]);
			msg_errorf(e, field, "absent hours cannot be negative (%g)", by[i]->hours);
			return -EINVAL;
		}
	if (lessons > m->lessons_held) {
		msg_errorf(e, ABSENCE_FIELD "lessons_held", "%" PRIu64 " absent lessons of %" PRIu32
			   " held", lessons, m->lessons_held);
		return -EINVAL;
	}
	return 0;
}

int
absence_on_counts(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		  const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const Lanu__V1__AbsenceCountsReported *m = ev->absence_counts_reported;
	Lanu__V1__AbsenceState st = LANU__V1__ABSENCE_STATE__INIT, *old = NULL;
	const Lanu__V1__AbsenceLadder *l;
	char start[VALUE_DATE_LEN];
	uint32_t level, from;
	int r;

	if (!snap->index) {
		msg_errorf(e, "", "no plan is in force: load one first");
		return -EINVAL;
	}
	if (!plan_index_area(snap->index, m->school)) {
		msg_errorf(e, ABSENCE_FIELD "school", "area '%s' is not in the plan in force",
			   m->school);
		return -EINVAL;
	}
	if (!(l = absence_ladder_of(snap->index, m->school))) {
		msg_errorf(e, ABSENCE_FIELD "school", "no absence ladder of the plan in force covers "
						      "'%s'", m->school);
		return -EINVAL;
	}
	r = absence_period(snap->index, ABSENCE_FIELD "period", l, m->period, start, e);
	if (r == 0)
		r = absence_check(m, start, e);
	if (r < 0)
		return r;
	r = store_absence_get(t, l->id, m->period, m->pupil_id, NULL, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	r = 0;
	if (old && strcmp(m->as_of, old->as_of) < 0) {
		lanu__v1__absence_state__free_unpacked(old, NULL);
		return 0;	/* older than what is stored: changes nothing */
	}
	st.ladder = l->id;
	st.period = m->period;
	st.pupil_id = m->pupil_id;
	st.school = m->school;
	st.grade = m->grade;
	st.as_of = m->as_of;
	st.lessons_held = m->lessons_held;
	st.authorised = m->authorised;
	st.unauthorised = m->unauthorised;
	st.unexplained = m->unexplained;
	st.updated_at_ms = snap->now_ms;
	from = old ? old->level : 0;
	level = absence_level(l, &st);
	st.level = level > from ? level : from;	/* a correction lowers nothing */
	for (uint32_t n = from + 1; n <= level && r >= 0; n++) {
		double hours, share;

		absence_counted(l->levels[n - 1], &st, &hours, &share);
		r = absence_alert(snap, t, q, l, &st, n, hours, share, n < level, ev);
	}
	if (r >= 0) {
		absence_put(t, old, &st);
		r = indicator_absences(snap, t, q, old, &st);
	}
	if (old)
		lanu__v1__absence_state__free_unpacked(old, NULL);
	return r < 0 ? r : t->err;
}

#define ABSENCE_LEVEL_FIELD "event.absence_alert_raised."

int
absence_on_level(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		 const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const Lanu__V1__AbsenceAlertRaised *m = ev->absence_alert_raised;
	Lanu__V1__AbsenceState st = LANU__V1__ABSENCE_STATE__INIT, *old = NULL;
	const Lanu__V1__AbsenceLadder *l = NULL;
	char start[VALUE_DATE_LEN];
	uint32_t from;
	int r;

	/* A school no ladder of the plan in force covers (or no plan, or an area the plan
	 * does not have): stored and nothing more, as this event was before ladders. */
	if (!snap->index || !(l = absence_ladder_of(snap->index, m->school)))
		return 0;
	if (!*m->term) {
		msg_errorf(e, ABSENCE_LEVEL_FIELD "term", "name the review period: absence ladder "
							  "'%s' covers '%s'", l->id, m->school);
		return -EINVAL;
	}
	r = absence_period(snap->index, ABSENCE_LEVEL_FIELD "term", l, m->term, start, e);
	if (r < 0)
		return r;
	if (m->level > l->n_levels) {
		msg_errorf(e, ABSENCE_LEVEL_FIELD "level", "absence ladder '%s' has levels 1-%zu, "
							   "not %" PRIu32, l->id, l->n_levels,
			   m->level);
		return -EINVAL;
	}
	if (m->absent_hours < 0) {
		msg_errorf(e, ABSENCE_LEVEL_FIELD "absent_hours", "absent hours cannot be negative "
								  "(%g)", m->absent_hours);
		return -EINVAL;
	}
	if (m->absent_share < 0 || m->absent_share > 1) {
		msg_errorf(e, ABSENCE_LEVEL_FIELD "absent_share", "a share is 0..1 (%g)",
			   m->absent_share);
		return -EINVAL;
	}
	r = store_absence_get(t, l->id, m->term, m->pupil_id, NULL, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	r = 0;
	if (old)
		st = *old;	/* its counts stay, as the school system's last report left them */
	st.ladder = l->id;
	st.period = m->term;
	st.pupil_id = m->pupil_id;
	st.school = m->school;
	st.updated_at_ms = snap->now_ms;
	from = old ? old->level : 0;
	for (uint32_t n = from + 1; n <= m->level && r >= 0; n++)
		r = absence_alert(snap, t, q, l, &st, n, m->absent_hours, m->absent_share * 100,
				  n < m->level, ev);
	if (m->level > from) {
		st.level = m->level;
		if (r >= 0) {
			absence_put(t, old, &st);
			r = indicator_absences(snap, t, q, old, &st);
		}
	}
	if (old)
		lanu__v1__absence_state__free_unpacked(old, NULL);
	return r < 0 ? r : t->err;
}

#define DROP_OUT_FIELD "event.drop_out_reported."

/* The outreach youth work team (or with supervisor, the compulsory-education
 * supervisor) that area id or its nearest ancestor names, or NULL. */
static char *
absence_area_recipient(const struct plan_index *x, const char *id, bool supervisor)
{
	for (const Lanu__V1__Area *a; *id && (a = plan_index_area(x, id)); id = a->parent) {
		char *r = supervisor ? a->compulsory_education : a->outreach;

		if (*r)
			return r;
	}
	return NULL;
}

int
absence_on_drop_out(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		    const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const Lanu__V1__DropOutReported *m = ev->drop_out_reported;
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
	char subject[LANU_MAX_NAME + 8], key[3 * LANU_MAX_NAME + 48], day[VALUE_DATE_LEN];
	char *to[2];
	size_t n_to = 0;
	int r;

	if (!snap->index) {
		msg_errorf(e, "", "no plan is in force: load one first");
		return -EINVAL;
	}
	if (!plan_index_area(snap->index, m->home_area)) {
		msg_errorf(e, DROP_OUT_FIELD "home_area", "area '%s' is not in the plan in force",
			   m->home_area);
		return -EINVAL;
	}
	if (strlen(m->day) != 10 || value_date(m->day, false, day) < 0 ||
	    strcmp(day, m->day) != 0) {
		msg_errorf(e, DROP_OUT_FIELD "day", "'%s' is not a day (YYYY-MM-DD)", m->day);
		return -EINVAL;
	}
	if (m->age_group == LANU__V1__AGE_GROUP__AGE_GROUP_25_AND_OVER)
		return 0;	/* stored: outreach youth work is for those under 25 */
	if ((to[n_to] = absence_area_recipient(snap->index, m->home_area, false)))
		n_to++;
	if (m->age_group == LANU__V1__AGE_GROUP__AGE_GROUP_UNDER_18 &&
	    (to[n_to] = absence_area_recipient(snap->index, m->home_area, true)))
		n_to++;
	snprintf(subject, sizeof(subject), "pupil:%s", m->pupil_id);
	snprintf(key, sizeof(key), "drop-out/%s/%s/%s", m->provider, m->pupil_id, m->day);
	f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_DROP_OUT;
	f.case_id = m->pupil_id;
	f.age_group = m->age_group;
	f.reason = m->reason;
	f.day = m->day;
	f.provider = m->provider;
	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_DROP_OUT;
	a.severity = LANU__V1__SEVERITY__SEVERITY_WARNING;
	a.subject = subject;
	a.area = m->home_area;
	a.facts = &f;
	a.raised_at_ms = snap->now_ms;
	a.dedup_key = key;
	a.event_id = ev->event_id;
	a.producer = ev->producer;
	r = alert_raise_to(snap, t, q, &a, to, n_to);
	return r < 0 ? r : t->err;
}

/* --- the figures and a pupil's places (lanuctl absences) ------------------------------ */

#define ABSENCE_QUERY_FIELD "absences."

/* One row of a report being added up, with room for its strings. */
struct absence_row {
	Lanu__V1__AbsenceFigures f;
	uint64_t at[LANU_MAX_LEVELS + 1];
	char ladder[LANU_MAX_NAME + 1], period[LANU_MAX_NAME + 1];
	char school[LANU_MAX_NAME + 1], area[LANU_MAX_NAME + 1];
};

struct absence_sum {
	const struct plan_index *x;	/* NULL: no plan in force */
	const Lanu__V1__AbsenceQuery *q;
	bool by_school, by_grade, by_area;
	struct absence_row *v;
	size_t n, cap;
	Lanu__V1__AbsenceState **pupil;	/* the places of q->pupil_id */
	size_t n_pupil, cap_pupil;
};

/* Points a row's strings at its own copies (after the row has moved). */
static void
absence_row_fix(struct absence_row *r)
{
	r->f.ladder = r->ladder;
	r->f.period = r->period;
	r->f.school = r->school;
	r->f.area = r->area;
	r->f.at_level = r->at;
}

/* The row of f's group, found or added; NULL if out of memory. */
static struct absence_row *
absence_row_of(struct absence_sum *x, const Lanu__V1__AbsenceFigures *f, const char *area)
{
	const char *school = x->by_school ? f->school : "";
	uint32_t grade = x->by_grade ? f->grade : 0;
	struct absence_row *r;

	for (size_t i = 0; i < x->n; i++) {
		r = &x->v[i];
		if (strcmp(r->ladder, f->ladder) == 0 && strcmp(r->school, school) == 0 &&
		    r->f.grade == grade && strcmp(r->area, area) == 0)
			return r;
	}
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		struct absence_row *v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		x->v = v;
		x->cap = cap;
	}
	r = &x->v[x->n++];
	memset(r, 0, sizeof(*r));
	lanu__v1__absence_figures__init(&r->f);
	snprintf(r->ladder, sizeof(r->ladder), "%s", f->ladder);
	snprintf(r->period, sizeof(r->period), "%s", f->period);
	snprintf(r->school, sizeof(r->school), "%s", school);
	snprintf(r->area, sizeof(r->area), "%s", area);
	r->f.grade = grade;
	return r;
}

static int
absence_sum_cb(const Lanu__V1__AbsenceFigures *f, void *arg)
{
	struct absence_sum *x = arg;
	const Lanu__V1__AbsenceQuery *q = x->q;
	const Lanu__V1__Area *a = x->x ? plan_index_area(x->x, f->school) : NULL;
	struct absence_row *r;

	if (*q->ladder && strcmp(q->ladder, f->ladder) != 0)
		return 0;
	if (*q->area && !(x->x && plan_index_within(x->x, f->school, q->area)))
		return 0;
	if (f->pupils == 0)
		return 0;	/* everyone moved on to another group */
	r = absence_row_of(x, f, x->by_area && a ? a->parent : "");
	if (!r)
		return -ENOMEM;
	r->f.pupils += f->pupils;
	for (size_t i = 0; i < f->n_at_level && i <= LANU_MAX_LEVELS; i++)
		r->at[i] += f->at_level[i];
	if (r->f.n_at_level < f->n_at_level)
		r->f.n_at_level = f->n_at_level > LANU_MAX_LEVELS ? LANU_MAX_LEVELS + 1
								  : f->n_at_level;
	r->f.lessons_held += f->lessons_held;
	r->f.lessons_absent += f->lessons_absent;
	r->f.hours += f->hours;
	return 0;
}

static int
absence_pupil_cb(Lanu__V1__AbsenceState *st, void *arg)
{
	struct absence_sum *x = arg;
	const Lanu__V1__AbsenceQuery *q = x->q;

	if ((*q->ladder && strcmp(q->ladder, st->ladder) != 0) ||
	    (*q->period && strcmp(q->period, st->period) != 0)) {
		lanu__v1__absence_state__free_unpacked(st, NULL);
		return 0;
	}
	if (x->n_pupil == x->cap_pupil) {
		size_t cap = x->cap_pupil ? 2 * x->cap_pupil : 8;
		Lanu__V1__AbsenceState **v = realloc(x->pupil, cap * sizeof(*v));

		if (!v) {
			lanu__v1__absence_state__free_unpacked(st, NULL);
			return -ENOMEM;
		}
		x->pupil = v;
		x->cap_pupil = cap;
	}
	x->pupil[x->n_pupil++] = st;
	return 0;
}

static int
absence_row_cmp(const void *a, const void *b)
{
	const struct absence_row *p = a, *q = b;
	int c;

	if ((c = strcmp(p->ladder, q->ladder)) != 0 || (c = strcmp(p->area, q->area)) != 0 ||
	    (c = strcmp(p->school, q->school)) != 0)
		return c;
	return (p->f.grade > q->f.grade) - (p->f.grade < q->f.grade);
}

/* The query's own values: 0, or -EINVAL with e naming the field. */
static int
absence_query_check(struct absence_sum *x, const Lanu__V1__AbsenceQuery *q, struct msg_error *e)
{
	for (size_t i = 0; i < q->n_by; i++) {
		if (strcmp(q->by[i], "school") == 0) {
			x->by_school = true;
		} else if (strcmp(q->by[i], "grade") == 0) {
			x->by_grade = true;
		} else if (strcmp(q->by[i], "area") == 0) {
			x->by_area = true;
		} else {
			msg_errorf(e, ABSENCE_QUERY_FIELD "by", "cannot group by '%s' (school, grade, "
								"area)", q->by[i]);
			return -EINVAL;
		}
	}
	if (!*q->pupil_id && !*q->period) {
		msg_errorf(e, ABSENCE_QUERY_FIELD "period", "name the review period (2025-autumn, "
							    "2025-2026) or a pupil");
		return -EINVAL;
	}
	if (*q->area && !(x->x && plan_index_area(x->x, q->area))) {
		msg_errorf(e, ABSENCE_QUERY_FIELD "area", "area '%s' is not in the plan in force",
			   q->area);
		return -EINVAL;
	}
	if (*q->ladder && !(x->x && plan_index_find(x->x, PLAN_ABSENCES, q->ladder))) {
		msg_errorf(e, ABSENCE_QUERY_FIELD "ladder", "absence ladder '%s' is not in the plan "
							    "in force", q->ladder);
		return -EINVAL;
	}
	return 0;
}

/* Moves x's rows into rep: one block with the pointers, the rows and their strings. */
static int
absence_hand_over(struct absence_sum *x, Lanu__V1__AbsenceReport *rep)
{
	Lanu__V1__AbsenceFigures **ptrs;
	struct absence_row *rows;

	if (x->n == 0)
		return 0;
	ptrs = malloc(x->n * (sizeof(*ptrs) + sizeof(*rows)));
	if (!ptrs)
		return -ENOMEM;
	rows = (struct absence_row *)(void *)(ptrs + x->n);
	qsort(x->v, x->n, sizeof(*x->v), absence_row_cmp);
	for (size_t i = 0; i < x->n; i++) {
		struct absence_row *r = &rows[i];

		*r = x->v[i];
		absence_row_fix(r);
		r->f.share = r->f.lessons_held ? 100.0 * (double)r->f.lessons_absent /
							 (double)r->f.lessons_held
					       : -1;
		ptrs[i] = &r->f;
	}
	rep->rows = ptrs;
	rep->n_rows = x->n;
	return 0;
}

int
absence_report(const struct snapshot *snap, struct store_txn *t, const Lanu__V1__AbsenceQuery *q,
	       Lanu__V1__AbsenceReport *rep, struct msg_error *e)
{
	struct absence_sum x = { .x = snap->index, .q = q };
	int r;

	r = absence_query_check(&x, q, e);
	if (r < 0)
		return r;
	if (*q->pupil_id) {
		r = store_absence_scan_pupil(t, q->pupil_id, absence_pupil_cb, &x);
		rep->pupil = x.pupil;
		rep->n_pupil = x.n_pupil;
	} else {
		r = store_absence_scan_figures(t, q->period, absence_sum_cb, &x);
		if (r >= 0)
			r = absence_hand_over(&x, rep);
	}
	free(x.v);
	if (r == -EINVAL) {
		msg_errorf(e, ABSENCE_QUERY_FIELD "pupil_id", "is longer than an id can be");
		return r;
	}
	return r < 0 ? r : 0;
}

void
absence_report_clear(Lanu__V1__AbsenceReport *rep)
{
	free(rep->rows);	/* and the rows and their strings with them */
	for (size_t i = 0; i < rep->n_pupil; i++)
		lanu__v1__absence_state__free_unpacked(rep->pupil[i], NULL);
	free(rep->pupil);
	lanu__v1__absence_report__init(rep);
}
