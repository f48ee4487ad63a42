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
#include <string.h>

#include "alert.h"
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
	if (r >= 0)
		store_absence_put(t, &st);
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
		if (r >= 0)
			store_absence_put(t, &st);
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
