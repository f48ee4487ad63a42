/*
 * indicator: the plan's indicators come alive (docs/indicators.md).
 *
 * A series per indicator, breakdown group and period. A reported indicator's values
 * come as IndicatorUpdated; a compliance indicator's are computed by compliance.c and
 * recorded here month by month. A group is "" (the whole) or its dimensions in a fixed
 * order, "area=north,language=sv"; a period is one of the indicator's cadence
 * (calendar_period_parse()). A value for a period that has one replaces it; the one
 * replaced is kept as a revision.
 *
 * Judging, one rule for every group: the group's latest value (of its latest period)
 * sets its level, fine, warning or critical (indicator_level(), with the plan's
 * hysteresis); a level worse than the one stored raises INDICATOR_THRESHOLD once, a
 * return to fine RESOLVED (to the recipients of the alert that set the level too),
 * critical back to warning nothing. A value worse than the period before, N times in a
 * row (the plan's `trend`), raises INDICATOR_TREND once for that period. A value for
 * an older period is stored and judges nothing.
 *
 * Values that do not come: each reported indicator with a cadence has one watch, the
 * next period whose value is expected and when (the period's last day moved on by the
 * indicator's `due`, or the plan's for its cadence). A watch is set, when a plan comes
 * into force, at the first period due after that moment (no alert for a past nobody
 * was watching), and moved on a period each time it falls due; if no group has a value
 * for its period by then, INDICATOR_STALE is raised, once per period. The watches end
 * with the plan's period.
 */
#include "indicator.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
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

#define IND_FIELD "event.indicator_updated."
#define IND_GROUP_MAX (5 * (LANU_MAX_NAME + 12))	/* five dimensions, "name=value," */
#define IND_SCAN_MAX 1200	/* periods walked to place a watch (100 years of months) */

/* The breakdown dimensions, in the order a group names them, and the plan's word for
 * each, which an event or a query may use too. */
static const struct {
	Lanu__V1__Dimension dim;
	const char *name, *plan_word;
} ind_dims[] = {
	{ LANU__V1__DIMENSION__DIMENSION_AREA, "area", "area" },
	{ LANU__V1__DIMENSION__DIMENSION_LANGUAGE_GROUP, "language", "language-group" },
	{ LANU__V1__DIMENSION__DIMENSION_AGE_GROUP, "age", "age-group" },
	{ LANU__V1__DIMENSION__DIMENSION_GRADE, "grade", "grade" },
	{ LANU__V1__DIMENSION__DIMENSION_GENDER, "gender", "gender" },
};

/* The index in ind_dims of a dimension's name or plan word, ELEMENTSOF(ind_dims) if none. */
static size_t
indicator_dim(const char *word)
{
	size_t i;

	for (i = 0; i < ELEMENTSOF(ind_dims); i++)
		if (strcmp(word, ind_dims[i].name) == 0 || strcmp(word, ind_dims[i].plan_word) == 0)
			break;
	return i;
}

/* --- levels ------------------------------------------------------------------------ */

/* Is v on the bad side of threshold th, or not yet margin clear of it? */
static bool
indicator_worse_than(const Lanu__V1__Indicator *ind, double th, double v, double margin)
{
	bool lower = ind->direction == LANU__V1__DIRECTION__DIRECTION_LOWER_IS_BETTER;
	bool percent = ind->unit == LANU__V1__INDICATOR_UNIT__INDICATOR_UNIT_PERCENT;

	if (lower) {
		if (percent && th - margin < 0)
			margin = th;
		return v > th - margin;
	}
	if (percent && th + margin > 100)
		margin = 100 - th;
	return v < th + margin;
}

int
indicator_level(const Lanu__V1__Indicator *ind, double v, int cur, double margin)
{
	const Lanu__V1__Number *warn = ind->warning ? ind->warning : ind->target;

	if (ind->direction != LANU__V1__DIRECTION__DIRECTION_HIGHER_IS_BETTER &&
	    ind->direction != LANU__V1__DIRECTION__DIRECTION_LOWER_IS_BETTER)
		return INDICATOR_OK;
	if (ind->critical && indicator_worse_than(ind, ind->critical->value, v,
						  cur >= INDICATOR_CRITICAL ? margin : 0))
		return INDICATOR_CRITICAL;
	if (warn && indicator_worse_than(ind, warn->value, v, cur >= INDICATOR_WARNING ? margin : 0))
		return INDICATOR_WARNING;
	return INDICATOR_OK;
}

/* Is a worse than b, by the indicator's direction? */
static bool
indicator_worse(const Lanu__V1__Indicator *ind, double a, double b)
{
	if (ind->direction == LANU__V1__DIRECTION__DIRECTION_HIGHER_IS_BETTER)
		return a < b;
	if (ind->direction == LANU__V1__DIRECTION__DIRECTION_LOWER_IS_BETTER)
		return a > b;
	return false;
}

/* --- what a value is ---------------------------------------------------------------- */

static bool
indicator_reported(const Lanu__V1__Indicator *ind)
{
	return !ind->source || ind->source->kind == LANU__V1__INDICATOR_SOURCE__KIND__KIND_REPORTED ||
	       ind->source->kind == LANU__V1__INDICATOR_SOURCE__KIND__KIND_UNSPECIFIED;
}

/* Period p of ind's cadence (any cadence's if the plan gives none): 0 with its first
 * day as "YYYY-MM-DD" in first_day, or -EINVAL. */
static int
indicator_period(const Lanu__V1__Indicator *ind, const char *p, char first_day[11])
{
	static const Lanu__V1__Cadence any[] = {
		LANU__V1__CADENCE__CADENCE_YEARLY, LANU__V1__CADENCE__CADENCE_HALF_YEARLY,
		LANU__V1__CADENCE__CADENCE_QUARTERLY, LANU__V1__CADENCE__CADENCE_MONTHLY,
		LANU__V1__CADENCE__CADENCE_TERMLY,
	};
	int32_t first, last;

	if (ind->cadence != LANU__V1__CADENCE__CADENCE_UNSPECIFIED &&
	    ind->cadence != LANU__V1__CADENCE__CADENCE_CONTINUOUS) {
		if (calendar_period_parse(ind->cadence, p, &first, &last) < 0)
			return -EINVAL;
	} else {
		size_t i;

		for (i = 0; i < ELEMENTSOF(any); i++)
			if (calendar_period_parse(any[i], p, &first, &last) == 0)
				break;
		if (i == ELEMENTSOF(any))
			return -EINVAL;
	}
	calendar_format_day(first, first_day);
	return 0;
}

static bool
indicator_has_dim(const Lanu__V1__Indicator *ind, Lanu__V1__Dimension dim)
{
	for (size_t i = 0; i < ind->n_breakdown; i++)
		if (ind->breakdown[i] == dim)
			return true;
	return false;
}

/* The dimensions ind is broken down by, "area, language" (or "none"), into out. */
static void
indicator_dims_said(const Lanu__V1__Indicator *ind, char *out, size_t len)
{
	size_t used = 0;

	*out = '\0';
	for (size_t i = 0; i < ELEMENTSOF(ind_dims); i++)
		if (indicator_has_dim(ind, ind_dims[i].dim) && used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "",
						 ind_dims[i].name);
	if (!*out)
		snprintf(out, len, "none");
}

/* The group an IndicatorUpdated names (its area and breakdown), checked against the
 * indicator's breakdown and the plan's areas: 0 with the group in out (and its area in
 * *ret_area, "" if none), or -EINVAL with e filled. */
static int
indicator_group(const struct snapshot *snap, const Lanu__V1__Indicator *ind,
		const Lanu__V1__IndicatorUpdated *m, char out[IND_GROUP_MAX], const char **ret_area,
		struct msg_error *e)
{
	const char *vals[ELEMENTSOF(ind_dims)] = { m->area && *m->area ? m->area : NULL };
	char dims[96];
	size_t used = 0;

	for (size_t i = 0; i < m->n_breakdown; i++) {
		const char *key = m->breakdown[i]->key, *val = m->breakdown[i]->value;
		size_t j = indicator_dim(key);

		if (j == ELEMENTSOF(ind_dims)) {
			msg_errorf(e, IND_FIELD "breakdown", "'%s' is not a breakdown dimension "
				   "(expected area, language, age, grade or gender)", key);
			return -EINVAL;
		}
		if (vals[j] && strcmp(vals[j], val) != 0) {
			msg_errorf(e, IND_FIELD "breakdown", "names %s twice ('%s' and '%s')", key,
				   vals[j], val);
			return -EINVAL;
		}
		vals[j] = val;
	}
	for (size_t j = 0; j < ELEMENTSOF(ind_dims); j++) {
		if (!vals[j])
			continue;
		if (!indicator_has_dim(ind, ind_dims[j].dim)) {
			indicator_dims_said(ind, dims, sizeof(dims));
			msg_errorf(e, j == 0 && m->area && *m->area ? IND_FIELD "area"
								    : IND_FIELD "breakdown",
				   "indicator '%s' is not broken down by %s (its breakdown: %s)",
				   ind->id, ind_dims[j].name, dims);
			return -EINVAL;
		}
		if (j == 0 && !plan_index_area(snap->index, vals[0])) {
			msg_errorf(e, IND_FIELD "area", "'%s' is not an area of the plan in force",
				   vals[0]);
			return -EINVAL;
		}
		used += (size_t)snprintf(out + used, IND_GROUP_MAX - used, "%s%s=%s",
					 used ? "," : "", ind_dims[j].name, vals[j]);
	}
	out[used] = '\0';
	*ret_area = vals[0] ? vals[0] : "";
	return 0;
}

/* The numbers of m, against ind's unit: 0 or -EINVAL with e filled. */
static int
indicator_check_value(const Lanu__V1__Indicator *ind, const Lanu__V1__IndicatorUpdated *m,
		      struct msg_error *e)
{
	bool percent = ind->unit == LANU__V1__INDICATOR_UNIT__INDICATOR_UNIT_PERCENT;

	if (!isfinite(m->value)) {
		msg_errorf(e, IND_FIELD "value", "is not a number");
		return -EINVAL;
	}
	if (percent && (m->value < 0 || m->value > 100)) {
		msg_errorf(e, IND_FIELD "value", "%g is outside 0-100: indicator '%s' is a percent",
			   m->value, ind->id);
		return -EINVAL;
	}
	if (!isfinite(m->numerator) || m->numerator < 0) {
		msg_errorf(e, IND_FIELD "numerator", "is not a count (%g)", m->numerator);
		return -EINVAL;
	}
	if (!isfinite(m->denominator) || m->denominator < 0 ||
	    (percent && m->numerator > m->denominator)) {
		msg_errorf(e, IND_FIELD "denominator", "%g is not a count of at least the "
			   "numerator %g", m->denominator, m->numerator);
		return -EINVAL;
	}
	return 0;
}

/* --- judging ------------------------------------------------------------------------- */

/* The facts of an alert about ind's value v of group in period. */
static void
indicator_facts(const Lanu__V1__Indicator *ind, const Lanu__V1__IndicatorValue *v,
		Lanu__V1__AlertFacts *f)
{
	f->value = v->value;
	f->group = v->group;
	f->period = v->period;
	f->count = v->count;
	if (ind->target) {
		f->target = ind->target->value;
		f->has_target = true;
	}
}

static void
indicator_alert_init(const Lanu__V1__Indicator *ind, const char *area, char *subject, size_t len,
		     uint64_t now_ms, Lanu__V1__Alert *a, Lanu__V1__AlertFacts *f)
{
	snprintf(subject, len, "indicator:%s", ind->id);
	a->subject = subject;
	a->indicator = ind->id;
	a->area = (char *)area;
	a->facts = f;
	a->raised_at_ms = now_ms;
}

/* Judges group's level by its latest value v. */
static int
indicator_judge(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		const Lanu__V1__Indicator *ind, const char *area,
		const Lanu__V1__IndicatorValue *v, uint64_t now_ms)
{
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
	const Lanu__V1__Number *warn = ind->warning ? ind->warning : ind->target;
	char subject[LANU_MAX_NAME + 16];
	uint64_t seq;
	int cur, level, r;

	cur = (int)store_ind_level(t, ind->id, v->group, &seq);
	level = indicator_level(ind, v->value, cur, ind->hysteresis ? ind->hysteresis->value : 0);
	if (level == cur || t->err)
		return t->err;
	/* Worse: told. Back to fine: resolved. Critical to warning: quietly. */
	if (level > cur || level == INDICATOR_OK) {
		indicator_alert_init(ind, area, subject, sizeof(subject), now_ms, &a, &f);
		indicator_facts(ind, v, &f);
		if (level == INDICATOR_OK) {
			a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED;
			a.severity = LANU__V1__SEVERITY__SEVERITY_INFO;
			f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_RECOVERED;
		} else {
			a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_THRESHOLD;
			a.severity = level == INDICATOR_CRITICAL ? LANU__V1__SEVERITY__SEVERITY_CRITICAL
								 : LANU__V1__SEVERITY__SEVERITY_WARNING;
			f.text = level == INDICATOR_CRITICAL
					 ? LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_CRITICAL
					 : LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_WARNING;
			f.threshold = level == INDICATOR_CRITICAL ? ind->critical->value
								  : warn->value;
		}
		r = alert_raise_resolving(snap, t, q, &a, level == INDICATOR_OK ? seq : 0);
		if (r < 0)
			return r;
		seq = r == 1 ? a.seq : 0;
	}
	store_ind_set_level(t, ind->id, v->group, (uint32_t)level, seq);
	return t->err;
}

struct trend {
	const Lanu__V1__Indicator *ind;
	double v[25];	/* newest first */
	size_t n, want;
};

static int
indicator_trend_cb(const Lanu__V1__IndicatorValue *v, void *arg)
{
	struct trend *x = arg;

	x->v[x->n++] = v->value;
	return x->n == x->want ? 1 : 0;
}

/* INDICATOR_TREND if v, the group's latest, ends a run of ind->trend worse values. */
static int
indicator_trend(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		const Lanu__V1__Indicator *ind, const char *area,
		const Lanu__V1__IndicatorValue *v, uint64_t now_ms)
{
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
	struct trend x = { .ind = ind, .want = ind->trend + 1 };
	char subject[LANU_MAX_NAME + 16], key[IND_GROUP_MAX + 2 * LANU_MAX_NAME + 32];
	int r;

	if (!ind->trend || x.want > ELEMENTSOF(x.v))
		return 0;
	r = store_ind_scan(t, ind->id, v->group, true, NULL, NULL, indicator_trend_cb, &x);
	if (r < 0)
		return r;
	if (x.n < x.want)
		return 0;
	for (size_t i = 0; i + 1 < x.n; i++)
		if (!indicator_worse(ind, x.v[i], x.v[i + 1]))
			return 0;
	indicator_alert_init(ind, area, subject, sizeof(subject), now_ms, &a, &f);
	indicator_facts(ind, v, &f);
	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_TREND;
	a.severity = LANU__V1__SEVERITY__SEVERITY_WARNING;
	f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_TREND;
	f.periods = ind->trend;
	snprintf(key, sizeof(key), "indicator-trend/%s/%s/%s", ind->id, v->group, v->period);
	a.dedup_key = key;
	r = alert_raise(snap, t, q, &a);
	return r < 0 ? r : 0;
}

struct latest {
	const char *period;
	bool is;
};

/* The first key, newest first, is the group's latest: is it of x->period? (Stops the
 * scan there, nothing decoded.) */
static int
indicator_latest_keep(const struct store_ind_key *k, void *arg)
{
	struct latest *x = arg;

	x->is = strcmp(k->period, x->period) == 0;
	return 2;
}

int
indicator_on_updated(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		     const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const Lanu__V1__IndicatorUpdated *m = ev->indicator_updated;
	Lanu__V1__IndicatorValue v = LANU__V1__INDICATOR_VALUE__INIT, *old = NULL;
	struct latest latest = { .period = m->period };
	const Lanu__V1__Indicator *ind;
	char group[IND_GROUP_MAX], first_day[11];
	const char *area;
	int r;

	ind = snap->index ? plan_index_indicator(snap->index, m->indicator) : NULL;
	if (!ind) {
		msg_errorf(e, IND_FIELD "indicator", "'%s' is not an indicator of the plan in force",
			   m->indicator);
		return -EINVAL;
	}
	if (!indicator_reported(ind)) {
		msg_errorf(e, IND_FIELD "indicator", "'%s' is computed by lanud, not reported",
			   ind->id);
		return -EINVAL;
	}
	if (indicator_period(ind, m->period, first_day) < 0) {
		msg_errorf(e, IND_FIELD "period", "'%s' is not a period of indicator '%s' (expected "
			   "e.g. 2025, 2025-H1, 2025-Q3, 2025-03 or 2025-autumn, by its cadence)",
			   m->period, ind->id);
		return -EINVAL;
	}
	r = indicator_group(snap, ind, m, group, &area, e);
	if (r == 0)
		r = indicator_check_value(ind, m, e);
	if (r < 0)
		return r;
	r = store_ind_get(t, ind->id, group, first_day, m->period, NULL, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	v.indicator = ind->id;
	v.group = group;
	v.period = m->period;
	v.value = m->value;
	v.numerator = m->numerator;
	v.denominator = m->denominator;
	v.provider = m->provider;
	v.received_at_ms = snap->now_ms;
	v.event_id = ev->event_id;
	v.producer = ev->producer;
	v.revision = old ? old->revision + 1 : 0;
	store_ind_put(t, &v, first_day, old);
	if (old)
		lanu__v1__indicator_value__free_unpacked(old, NULL);
	/* Judged only if it is the group's latest period. */
	r = store_ind_scan(t, ind->id, group, true, NULL, indicator_latest_keep, NULL, &latest);
	if (r < 0 || !latest.is)
		return r < 0 ? r : t->err;
	r = indicator_judge(snap, t, q, ind, area, &v, snap->now_ms);
	if (r == 0)
		r = indicator_trend(snap, t, q, ind, area, &v, snap->now_ms);
	return r;
}

void
indicator_record(struct store_txn *t, const Lanu__V1__Indicator *ind, const char *group,
		 const char *period, double value, uint64_t count, uint64_t now_ms)
{
	Lanu__V1__IndicatorValue v = LANU__V1__INDICATOR_VALUE__INIT;
	char first_day[11];

	if (indicator_period(ind, period, first_day) < 0)
		return;	/* compliance.c gives months: cannot be */
	v.indicator = ind->id;
	v.group = (char *)group;
	v.period = (char *)period;
	v.value = value;
	v.count = count;
	v.received_at_ms = now_ms;
	store_ind_put(t, &v, first_day, NULL);
}

/* --- indicators computed from absence ladders -------------------------------------- */

/* One group's change: pupils counted (den) and pupils at the level (num). */
struct abs_delta {
	char group[2 * LANU_MAX_NAME + 16];
	const char *area;
	int den, num;
};

/* Adds place st's pupil (sign 1) or takes it away (sign -1) from the groups of ind it
 * is in: the whole, its school's area, its grade. */
static void
indicator_abs_groups(const struct snapshot *snap, const Lanu__V1__Indicator *ind,
		     const Lanu__V1__AbsenceState *st, int sign, struct abs_delta *v, size_t *n)
{
	const Lanu__V1__Area *school = plan_index_area(snap->index, st->school);
	uint32_t level = ind->source->level ? ind->source->level : 1;
	char groups[3][sizeof(v->group)];
	const char *areas[3] = { "", "", "" };
	size_t k = 0;

	groups[k++][0] = '\0';
	if (indicator_has_dim(ind, LANU__V1__DIMENSION__DIMENSION_AREA) && school &&
	    *school->parent) {
		snprintf(groups[k], sizeof(groups[k]), "area=%s", school->parent);
		areas[k++] = school->parent;
	}
	if (indicator_has_dim(ind, LANU__V1__DIMENSION__DIMENSION_GRADE) && st->grade)
		snprintf(groups[k++], sizeof(groups[0]), "grade=%" PRIu32, st->grade);
	for (size_t i = 0; i < k; i++) {
		size_t j;

		for (j = 0; j < *n && strcmp(v[j].group, groups[i]) != 0; j++)
			;
		if (j == *n) {
			memcpy(v[j].group, groups[i], sizeof(v[j].group));
			v[j].area = areas[i];
			v[j].den = v[j].num = 0;
			(*n)++;
		}
		v[j].den += sign;
		v[j].num += st->level >= level ? sign : 0;
	}
}

/* The indicator's period of an absence review period: a term as it is ("2025-autumn"),
 * a school year "2025-2026" as its first year ("2025"). */
static void
indicator_abs_period(const char *period, char out[CALENDAR_PERIOD_LEN])
{
	if (strlen(period) == 9 && period[4] == '-' && period[5] >= '0' && period[5] <= '9')
		snprintf(out, CALENDAR_PERIOD_LEN, "%.4s", period);
	else
		snprintf(out, CALENDAR_PERIOD_LEN, "%s", period);
}

/* Applies d to ind's value of the group in period, and judges it if it is the group's
 * latest. */
static int
indicator_abs_apply(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		    const Lanu__V1__Indicator *ind, const char *period, const struct abs_delta *d)
{
	Lanu__V1__IndicatorValue v = LANU__V1__INDICATOR_VALUE__INIT, *old = NULL;
	struct latest latest = { .period = period };
	char first_day[11];
	double num = 0, den = 0;
	int r;

	if (indicator_period(ind, period, first_day) < 0)
		return 0;	/* plan_check keeps cadence and ladder together: cannot be */
	r = store_ind_get(t, ind->id, d->group, first_day, period, NULL, &old);
	if (r < 0 && r != -ENOENT)
		return r;
	if (old) {
		num = old->numerator;
		den = old->denominator;
		lanu__v1__indicator_value__free_unpacked(old, NULL);
	}
	num = num + d->num > 0 ? num + d->num : 0;
	den = den + d->den > 0 ? den + d->den : 0;
	v.indicator = ind->id;
	v.group = (char *)d->group;
	v.period = (char *)period;
	v.numerator = num;
	v.denominator = den;
	if (ind->unit == LANU__V1__INDICATOR_UNIT__INDICATOR_UNIT_COUNT)
		v.value = num;	/* pupils at the level */
	else
		v.value = den > 0 ? 100.0 * num / den : 0;
	v.count = (uint64_t)den;
	v.received_at_ms = snap->now_ms;
	store_ind_put(t, &v, first_day, NULL);
	if (den == 0)
		return t->err;
	r = store_ind_scan(t, ind->id, d->group, true, NULL, indicator_latest_keep, NULL, &latest);
	if (r < 0 || !latest.is)
		return r < 0 ? r : t->err;
	r = indicator_judge(snap, t, q, ind, d->area, &v, snap->now_ms);
	if (r == 0)
		r = indicator_trend(snap, t, q, ind, d->area, &v, snap->now_ms);
	return r;
}

int
indicator_absences(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		   const Lanu__V1__AbsenceState *old, const Lanu__V1__AbsenceState *st)
{
	const Lanu__V1__Plan *plan = snap->plan;
	int r = 0;

	for (size_t i = 0; plan && r == 0 && i < plan->n_indicators; i++) {
		const Lanu__V1__Indicator *ind = plan->indicators[i];
		const Lanu__V1__IndicatorSource *src = ind->source;
		struct abs_delta d[6];
		char period[CALENDAR_PERIOD_LEN];
		size_t n = 0;

		if (!src || src->kind != LANU__V1__INDICATOR_SOURCE__KIND__KIND_ABSENCES ||
		    (*src->ladder && strcmp(src->ladder, st->ladder) != 0))
			continue;
		if (old)
			indicator_abs_groups(snap, ind, old, -1, d, &n);
		indicator_abs_groups(snap, ind, st, 1, d, &n);
		indicator_abs_period(st->period, period);
		for (size_t j = 0; r == 0 && j < n; j++)
			if (d[j].den || d[j].num)
				r = indicator_abs_apply(snap, t, q, ind, period, &d[j]);
	}
	return r < 0 ? r : t->err;
}

/* --- values that do not come ------------------------------------------------------- */

/* The built-in time after a period's end by which its value is expected, by cadence. */
static const Lanu__V1__Duration *
indicator_due_default(Lanu__V1__Cadence c)
{
	static Lanu__V1__Duration one = { PROTOBUF_C_MESSAGE_INIT(&lanu__v1__duration__descriptor),
					  1, LANU__V1__DURATION__UNIT__UNIT_MONTHS,
					  (char *)"1 month" };
	static Lanu__V1__Duration two = { PROTOBUF_C_MESSAGE_INIT(&lanu__v1__duration__descriptor),
					  2, LANU__V1__DURATION__UNIT__UNIT_MONTHS,
					  (char *)"2 months" };
	static Lanu__V1__Duration three = { PROTOBUF_C_MESSAGE_INIT(&lanu__v1__duration__descriptor),
					    3, LANU__V1__DURATION__UNIT__UNIT_MONTHS,
					    (char *)"3 months" };

	switch (c) {
	case LANU__V1__CADENCE__CADENCE_MONTHLY:
		return &one;
	case LANU__V1__CADENCE__CADENCE_QUARTERLY:
	case LANU__V1__CADENCE__CADENCE_TERMLY:
		return &two;
	default:
		return &three;
	}
}

/* How long after its period ends ind's value is expected: its own due, the plan's for
 * its cadence, or the built-in one. */
static const Lanu__V1__Duration *
indicator_due(const Lanu__V1__Plan *plan, const Lanu__V1__Indicator *ind)
{
	const Lanu__V1__ValuesDue *v = plan->reporting ? plan->reporting->values_due : NULL;
	const Lanu__V1__Duration *d = NULL;

	if (ind->due)
		return ind->due;
	if (v) {
		switch (ind->cadence) {
		case LANU__V1__CADENCE__CADENCE_MONTHLY:
			d = v->monthly;
			break;
		case LANU__V1__CADENCE__CADENCE_QUARTERLY:
			d = v->quarterly;
			break;
		case LANU__V1__CADENCE__CADENCE_TERMLY:
			d = v->termly;
			break;
		case LANU__V1__CADENCE__CADENCE_HALF_YEARLY:
			d = v->half_yearly;
			break;
		case LANU__V1__CADENCE__CADENCE_YEARLY:
			d = v->yearly;
			break;
		case LANU__V1__CADENCE__CADENCE_BIENNIAL:
			d = v->biennial;
			break;
		default:
			break;
		}
	}
	return d ? d : indicator_due_default(ind->cadence);
}

/* day moved on by d (days, weeks, or months to the same day number or the month's
 * last, as calendar.c counts them); day itself if that leaves the calendar's years. */
static int32_t
indicator_after(const Lanu__V1__Duration *d, int32_t day)
{
	int32_t out;

	return calendar_due_day(NULL, day, d->count, d->unit, false, &out) < 0 ? day : out;
}

/* The instant period p of ind is stale from: the day after it ends moved on by due
 * (months to the same day number: a yearly value due 3 months after the year is due by
 * 31 March, a monthly one a month after the month by the next month's last day), at its
 * start. 0 if p is not a period of ind's cadence. */
static uint64_t
indicator_stale_at(const Lanu__V1__Indicator *ind, const Lanu__V1__Duration *due, const char *p)
{
	int32_t first, last;

	if (calendar_period_parse(ind->cadence, p, &first, &last) < 0)
		return 0;
	return calendar_day_start_ms(indicator_after(due, last + 1));
}

static int
indicator_watch_get(struct store_txn *t, const char *id, Lanu__V1__IndicatorWatch **ret)
{
	return store_watch_get(t, STORE_WATCH_INDICATOR, id, &lanu__v1__indicator_watch__descriptor,
			       (ProtobufCMessage **)ret);
}

/* Does an indicator have a watch? One reported, with a cadence of periods. */
static bool
indicator_watched(const Lanu__V1__Indicator *ind)
{
	return indicator_reported(ind) && ind->cadence != LANU__V1__CADENCE__CADENCE_UNSPECIFIED &&
	       ind->cadence != LANU__V1__CADENCE__CADENCE_CONTINUOUS;
}

/* The last day of the plan's period, or CALENDAR_DAY_MAX if it is open. */
static int32_t
indicator_plan_end(const Lanu__V1__Plan *plan)
{
	const Lanu__V1__Period *pe = plan->plan ? plan->plan->period : NULL;
	int32_t day;

	if (pe && pe->to && calendar_parse_day(pe->to, &day) == 0)
		return day;
	return CALENDAR_DAY_MAX;
}

/* Writes into period ind's first period at or after `from` (not the same buffer) whose
 * value is due after now_ms (biennial: every second one from `from`), its instant into
 * *ret_at. Returns 1, or 0 if none lies within the plan's period. */
static int
indicator_first_watch(const Lanu__V1__Plan *plan, const Lanu__V1__Indicator *ind,
		      const char *from, uint64_t now_ms, char period[CALENDAR_PERIOD_LEN],
		      uint64_t *ret_at)
{
	const Lanu__V1__Duration *due = indicator_due(plan, ind);
	int32_t end = indicator_plan_end(plan), first, last;

	snprintf(period, CALENDAR_PERIOD_LEN, "%s", from);
	for (int i = 0; i < IND_SCAN_MAX; i++) {
		if (calendar_period_parse(ind->cadence, period, &first, &last) < 0 || first > end)
			return 0;
		*ret_at = indicator_stale_at(ind, due, period);
		if (*ret_at > now_ms)
			return 1;
		if (calendar_period_next(ind->cadence, period, period) < 0)
			return 0;
	}
	return 0;
}

/* Where ind's watches start: its `first`, or the period holding the plan's first day. */
static void
indicator_watch_from(const Lanu__V1__Plan *plan, const Lanu__V1__Indicator *ind,
		     char out[CALENDAR_PERIOD_LEN])
{
	const Lanu__V1__Period *pe = plan->plan ? plan->plan->period : NULL;
	int32_t day;

	if (*ind->first) {
		snprintf(out, CALENDAR_PERIOD_LEN, "%s", ind->first);
		return;
	}
	if (!pe || !pe->from || calendar_parse_day(pe->from, &day) < 0)
		day = calendar_day(2000, 1, 1);
	calendar_period_of(ind->cadence, day, out);
}

struct stale_watches {
	const struct plan_index *x;
	char (*gone)[LANU_MAX_NAME + 1];
	size_t n, cap;
};

/* Collects the watches of indicators the plan no longer watches. */
static int
indicator_gone_cb(const char *indicator, void *arg)
{
	struct stale_watches *x = arg;
	const Lanu__V1__Indicator *ind = x->x ? plan_index_indicator(x->x, indicator) : NULL;

	if (ind && indicator_watched(ind))
		return 0;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		void *v = realloc(x->gone, cap * sizeof(*x->gone));

		if (!v)
			return -ENOMEM;
		x->gone = v;
		x->cap = cap;
	}
	snprintf(x->gone[x->n++], LANU_MAX_NAME + 1, "%s", indicator);
	return 0;
}

int
indicator_plan_watches(const Lanu__V1__Plan *plan, const struct plan_index *index,
		       uint64_t version, struct store_txn *t, uint64_t now_ms)
{
	struct stale_watches x = { .x = index };
	int r;

	r = store_watch_names(t, STORE_WATCH_INDICATOR, indicator_gone_cb, &x);
	for (size_t i = 0; r == 0 && i < x.n; i++) {
		Lanu__V1__IndicatorWatch *w;

		if (indicator_watch_get(t, x.gone[i], &w) == 0) {
			store_watch_del(t, STORE_WATCH_INDICATOR, x.gone[i], w->due_at_ms);
			lanu__v1__indicator_watch__free_unpacked(w, NULL);
		}
	}
	free(x.gone);
	for (size_t i = 0; r == 0 && !t->err && i < plan->n_indicators; i++) {
		const Lanu__V1__Indicator *ind = plan->indicators[i];
		const Lanu__V1__Duration *due;
		Lanu__V1__IndicatorWatch w = LANU__V1__INDICATOR_WATCH__INIT, *old = NULL;
		char period[CALENDAR_PERIOD_LEN], from[CALENDAR_PERIOD_LEN];

		if (!indicator_watched(ind))
			continue;
		due = indicator_due(plan, ind);
		if (indicator_watch_get(t, ind->id, &old) == 0 && old->cadence == ind->cadence &&
		    strcmp(old->due, due->text) == 0) {
			lanu__v1__indicator_watch__free_unpacked(old, NULL);
			continue;
		}
		indicator_watch_from(plan, ind, from);
		if (indicator_first_watch(plan, ind, from, now_ms, period, &w.due_at_ms)) {
			w.period = period;
			w.cadence = ind->cadence;
			w.due = due->text;
			store_watch_put(t, STORE_WATCH_INDICATOR, ind->id, w.due_at_ms, &w.base,
					old ? old->due_at_ms : 0);
		} else if (old) {
			store_watch_del(t, STORE_WATCH_INDICATOR, ind->id, old->due_at_ms);
		}
		if (old)
			lanu__v1__indicator_watch__free_unpacked(old, NULL);
	}
	if (r == 0)
		store_watch_set_plan(t, STORE_WATCH_INDICATOR, version);
	return r < 0 ? r : t->err;
}

struct any {
	const char *period;
	bool found;
};

/* Is a key of x->period there? Stops on it, nothing decoded. */
static int
indicator_any_keep(const struct store_ind_key *k, void *arg)
{
	struct any *x = arg;

	x->found = strcmp(k->period, x->period) == 0;
	return x->found ? 2 : 0;
}

/* Does any group of ind have a value for period? 1, 0, or the error. */
static int
indicator_has_value(struct store_txn *t, const Lanu__V1__Indicator *ind, const char *period)
{
	struct any x = { .period = period };
	char first_day[11];
	Lanu__V1__IndicatorValue *v;
	int r;

	if (indicator_period(ind, period, first_day) < 0)
		return 0;
	/* The whole's value first (one lookup), then every group. */
	r = store_ind_get(t, ind->id, "", first_day, period, NULL, &v);
	if (r == 0) {
		lanu__v1__indicator_value__free_unpacked(v, NULL);
		return 1;
	}
	if (r != -ENOENT)
		return r;
	r = store_ind_scan(t, ind->id, NULL, false, NULL, indicator_any_keep, NULL, &x);
	return r < 0 ? r : x.found;
}

/* The watch of indicator due at at_ms: INDICATOR_STALE if its period has no value,
 * then the next period (or none). */
static int
indicator_watch_fire(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		     const char *id, uint64_t at_ms, uint64_t now_ms)
{
	const Lanu__V1__Indicator *ind = snap->index ? plan_index_indicator(snap->index, id) : NULL;
	Lanu__V1__IndicatorWatch *old, w = LANU__V1__INDICATOR_WATCH__INIT;
	char next[CALENDAR_PERIOD_LEN], period[CALENDAR_PERIOD_LEN];
	int r;

	r = indicator_watch_get(t, id, &old);
	if (r == -ENOENT) {	/* a due entry without its watch: cannot be; dropped */
		store_watch_del(t, STORE_WATCH_INDICATOR, id, at_ms);
		return t->err;
	}
	if (r < 0)
		return r;
	if (!ind || !indicator_watched(ind)) {
		store_watch_del(t, STORE_WATCH_INDICATOR, id, old->due_at_ms);
		lanu__v1__indicator_watch__free_unpacked(old, NULL);
		return t->err;
	}
	r = indicator_has_value(t, ind, old->period);
	if (r == 0) {
		Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
		Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
		char subject[LANU_MAX_NAME + 16], key[2 * LANU_MAX_NAME + 32], due_day[11];

		indicator_alert_init(ind, "", subject, sizeof(subject), now_ms, &a, &f);
		a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_STALE;
		a.severity = LANU__V1__SEVERITY__SEVERITY_WARNING;
		f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_STALE;
		f.period = old->period;
		calendar_format_day(calendar_local_day(old->due_at_ms) - 1, due_day);
		f.due_day = due_day;
		snprintf(key, sizeof(key), "indicator-stale/%s/%s", ind->id, old->period);
		a.dedup_key = key;
		r = alert_raise(snap, t, q, &a);
	}
	if (r >= 0 && calendar_period_next(ind->cadence, old->period, next) == 0 &&
	    indicator_first_watch(snap->plan, ind, next, 0, period, &w.due_at_ms)) {
		w.period = period;
		w.cadence = old->cadence;
		w.due = old->due;
		store_watch_put(t, STORE_WATCH_INDICATOR, id, w.due_at_ms, &w.base, old->due_at_ms);
	} else if (r >= 0) {
		store_watch_del(t, STORE_WATCH_INDICATOR, id, old->due_at_ms);
	}
	lanu__v1__indicator_watch__free_unpacked(old, NULL);
	return r < 0 ? r : t->err;
}

int
indicator_watch(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		uint64_t now_ms, size_t max, bool *ret_more, uint64_t *ret_next_at)
{
	char id[LANU_MAX_NAME + 1];
	uint64_t at;
	size_t n = 0;
	int r;

	*ret_more = false;
	*ret_next_at = 0;
	while ((r = store_watch_first(t, STORE_WATCH_INDICATOR, &at, id)) == 0) {
		if (at > now_ms) {
			*ret_next_at = at;
			return 0;
		}
		if (n++ == max) {
			*ret_more = true;
			return 0;
		}
		r = indicator_watch_fire(snap, t, q, id, at, now_ms);
		if (r < 0)
			return r;
	}
	return r == -ENOENT ? 0 : r;
}

uint64_t
indicator_next_at(struct store_txn *t)
{
	char id[LANU_MAX_NAME + 1];
	uint64_t at;

	return store_watch_first(t, STORE_WATCH_INDICATOR, &at, id) == 0 ? at : 0;
}

/* --- the series, for people -------------------------------------------------------- */

#define IND_QUERY_FIELD "indicators."

struct series {
	const Lanu__V1__Indicator *ind;
	struct arena *arena;
	struct store_txn *t;
	unsigned want;		/* the dimensions asked for, a bit per ind_dims[] */
	int from, to;		/* years */
	bool revisions;
	Lanu__V1__IndicatorRow **rows;
	size_t n, cap;
	Lanu__V1__IndicatorRow *row;	/* the one revisions are added to */
	size_t rev_cap;
	size_t values;		/* decoded into the reply, rows and revisions */
};

/* The dimensions group names, a bit per ind_dims[]. */
static unsigned
indicator_group_dims(const char *group)
{
	unsigned bits = 0;

	for (const char *p = group; *p;) {
		size_t len = strcspn(p, "=");

		for (size_t i = 0; i < ELEMENTSOF(ind_dims); i++)
			if (strlen(ind_dims[i].name) == len && memcmp(p, ind_dims[i].name, len) == 0)
				bits |= 1u << i;
		p += strcspn(p, ",");
		if (*p)
			p++;
	}
	return bits;
}

static int
indicator_rev_cb(const Lanu__V1__IndicatorValue *v, void *arg)
{
	struct series *x = arg;
	Lanu__V1__IndicatorRow *row = x->row;

	if (arena_grow(x->arena, (void **)&row->replaced, row->n_replaced, &x->rev_cap,
		       sizeof(*row->replaced), 4) < 0)
		return -ENOMEM;
	row->replaced[row->n_replaced++] = (Lanu__V1__IndicatorValue *)v;	/* in the arena */
	return ++x->values > QUERY_IND_VALUES ? -E2BIG : 0;
}

/* Takes a value of the groups and years asked for, before it is decoded; stops the scan
 * with -E2BIG once the reply would pass QUERY_IND_VALUES. */
static int
indicator_row_keep(const struct store_ind_key *k, void *arg)
{
	struct series *x = arg;
	int year = atoi(k->period);

	if (indicator_group_dims(k->group) != x->want || year < x->from || year > x->to)
		return 0;
	return x->values >= QUERY_IND_VALUES ? -E2BIG : 1;
}

static int
indicator_row_cb(const Lanu__V1__IndicatorValue *v, void *arg)
{
	struct series *x = arg;
	Lanu__V1__IndicatorRow *row;
	char first_day[11];

	x->values++;
	row = arena_alloc(x->arena, sizeof(*row));
	if (!row || arena_grow(x->arena, (void **)&x->rows, x->n, &x->cap, sizeof(*x->rows),
			       64) < 0)
		return -ENOMEM;
	lanu__v1__indicator_row__init(row);
	row->value = (Lanu__V1__IndicatorValue *)v;	/* decoded into the arena */
	row->level = (uint32_t)indicator_level(x->ind, v->value, INDICATOR_OK, 0);
	if (x->ind->target) {
		row->target = x->ind->target->value;
		row->has_target = true;
	}
	x->rows[x->n++] = row;
	if (x->revisions && v->revision > 0 && indicator_period(x->ind, v->period, first_day) == 0) {
		x->row = row;
		x->rev_cap = 0;
		return store_ind_revisions(x->t, v->indicator, v->group, first_day, v->period,
					   &x->arena->pa, indicator_rev_cb, x);
	}
	return 0;
}

int
indicator_report(const struct snapshot *snap, struct store_txn *t,
		 const Lanu__V1__IndicatorQuery *q, struct arena *arena,
		 Lanu__V1__IndicatorReport *rep, struct msg_error *e)
{
	struct series x = { .arena = arena, .t = t, .from = 0, .to = 9999,
			    .revisions = q->revisions };
	const Lanu__V1__Plan *plan = snap->plan;
	int r = 0;

	if (!plan) {
		msg_errorf(e, IND_QUERY_FIELD "indicator", "no plan is in force");
		return -EINVAL;
	}
	if (*q->indicator && !plan_index_indicator(snap->index, q->indicator)) {
		msg_errorf(e, IND_QUERY_FIELD "indicator", "'%s' is not an indicator of the plan "
			   "in force", q->indicator);
		return -EINVAL;
	}
	for (size_t i = 0; i < q->n_by; i++) {
		size_t j = indicator_dim(q->by[i]);

		if (j == ELEMENTSOF(ind_dims)) {
			msg_errorf(e, IND_QUERY_FIELD "by", "'%s' is not a breakdown (expected area, "
				   "language, age, grade or gender)", q->by[i]);
			return -EINVAL;
		}
		x.want |= 1u << j;
	}
	if ((*q->from && (strlen(q->from) != 4 || (x.from = atoi(q->from)) < 1900)) ||
	    (*q->to && (strlen(q->to) != 4 || (x.to = atoi(q->to)) < 1900))) {
		msg_errorf(e, IND_QUERY_FIELD "from", "a year is four digits, 2021 (got '%s'..'%s')",
			   q->from, q->to);
		return -EINVAL;
	}
	for (size_t i = 0; r >= 0 && i < plan->n_indicators; i++) {
		x.ind = plan->indicators[i];
		if (*q->indicator && strcmp(q->indicator, x.ind->id) != 0)
			continue;
		r = store_ind_scan(t, x.ind->id, NULL, false, &arena->pa, indicator_row_keep,
				   indicator_row_cb, &x);
	}
	if (r == -E2BIG) {
		msg_errorf(e, IND_QUERY_FIELD "indicator", "more than %d values asked for at once: "
			   "name an indicator, or fewer years (from, to)", QUERY_IND_VALUES);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	rep->rows = x.rows;
	rep->n_rows = x.n;
	return 0;
}
