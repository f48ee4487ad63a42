/*
 * plan_check: what a plan must satisfy beyond its shape. Ids are unique within
 * their kind, every reference names something that exists, periods do not end
 * before they start, thresholds lie on the right side of their target, limit
 * rules do not overlap, stages do not start after themselves, absence ladders climb
 * and cover each school once. Every problem is reported at the position of the value
 * that is wrong.
 */
#include "plan_check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "plan_index.h"
#include "plan_parser.h"
#include "plan_value.h"

#define PLAN_CAL_NATIONAL "national"
#define PLAN_CAL_UNIT "unit"

struct plan_id {
	const char *id;
	char *const *addr;	/* where the id was written, for positions */
	const void *obj;
};

struct plan_ids {
	struct plan_id *v;
	size_t n, cap;
};

struct check {
	struct plan_parser *p;
	struct plan_ids ids[PLAN_KIND_MAX];
};

static int
plan_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_id *)a)->id, ((const struct plan_id *)b)->id);
}

static void
check_id(struct check *c, enum plan_kind k, char *const *id, const void *obj, const void *owner)
{
	struct plan_ids *ids = &c->ids[k];

	if (!**id) {
		plan_parser_error(c->p, owner, "%s without an id", plan_kind_name(k));
		return;
	}
	if (!value_is_id(*id)) {
		plan_parser_error(c->p, id, "%s id '%s' is not an id (expected 1-64 of a-z 0-9 . _ -, "
					"starting with a letter or digit)", plan_kind_name(k), *id);
		return;
	}
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 64;
		struct plan_id *v = realloc(ids->v, cap * sizeof(*v));

		if (!v) {
			c->p->oom = true;
			return;
		}
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = (struct plan_id){ *id, id, obj };
}

/* Sorts each kind's ids and reports the duplicates, each at its later place. */
static void
check_unique(struct check *c)
{
	for (int k = 0; k < PLAN_KIND_MAX; k++) {
		struct plan_ids *ids = &c->ids[k];

		if (ids->n < 2)
			continue;
		qsort(ids->v, ids->n, sizeof(*ids->v), plan_id_cmp);
		for (size_t i = 1; i < ids->n; i++) {
			const struct plan_id *first = &ids->v[i - 1], *later = &ids->v[i];
			const struct plan_pos *pf, *pl;

			if (strcmp(first->id, later->id) != 0)
				continue;
			pf = plan_parser_pos_find(c->p, first->addr);
			pl = plan_parser_pos_find(c->p, later->addr);
			if (pf && pl && (pf->line > pl->line ||
					 (pf->line == pl->line && pf->col > pl->col))) {
				const struct plan_id *t = first;
				const struct plan_pos *tp = pf;

				first = later, later = t;
				pf = pl, pl = tp;
			}
			plan_parser_error(c->p, later->addr, "duplicate %s id '%s' (first at line %lu)",
				      plan_kind_name(k), later->id, pf ? pf->line : 0);
		}
	}
}

static const void *
check_find(const struct check *c, enum plan_kind k, const char *id)
{
	const struct plan_ids *ids = &c->ids[k];
	struct plan_id key = { .id = id };
	const struct plan_id *f;

	if (ids->n == 0)
		return NULL;
	f = bsearch(&key, ids->v, ids->n, sizeof(*ids->v), plan_id_cmp);
	return f ? f->obj : NULL;
}

/* A reference at *ref to an object of kind k. */
static void
check_ref(struct check *c, enum plan_kind k, char *const *ref, const char *what)
{
	if (!**ref)
		return;	/* a refused value, reported where it was read */
	if (!check_find(c, k, *ref))
		plan_parser_error(c->p, ref, "%s names unknown %s '%s'", what, plan_kind_name(k), *ref);
}

static void
check_refs(struct check *c, enum plan_kind k, char *const *v, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		check_ref(c, k, &v[i], what);
}

static void
check_calendar_ref(struct check *c, char *const *ref, bool unit_ok, const char *what)
{
	if (!**ref || strcmp(*ref, PLAN_CAL_NATIONAL) == 0 || (unit_ok && strcmp(*ref, PLAN_CAL_UNIT) == 0))
		return;
	check_ref(c, PLAN_CALENDAR, ref, what);
}

static void
check_text(struct check *c, const Lanu__V1__Text *t, const void *owner, const char *what)
{
	if (!t || (!*t->fi && !*t->en))
		plan_parser_error(c->p, t ? (const void *)t : owner, "%s needs a text in fi or en", what);
}

/* A period given as a mapping: both ends checked by the walk, their order here. */
static void
check_period(struct check *c, const Lanu__V1__Period *pe, bool closed, const char *what)
{
	if (closed && (!*pe->from || !*pe->to))
		plan_parser_error(c->p, pe, "%s needs both a start and an end", what);
	else if (*pe->from && *pe->to && strcmp(pe->from, pe->to) > 0)
		plan_parser_error(c->p, pe, "%s ends (%s) before it starts (%s)", what, pe->to, pe->from);
}

/* --- the objects ------------------------------------------------------------------------ */

static int
collect_cb(enum plan_kind k, char *const *id, const ProtobufCMessage *obj, void *arg)
{
	check_id(arg, k, id, obj, obj);
	return 0;
}

static void
check_areas(struct check *c, Lanu__V1__Area **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		check_text(c, v[i]->name, v[i], "an area");
		if (!v[i]->kind)
			plan_parser_error(c->p, v[i], "area '%s' needs a kind", v[i]->id);
		check_calendar_ref(c, &v[i]->calendar, false, "calendar");
		check_ref(c, PLAN_RECIPIENT, &v[i]->outreach, "outreach");
		check_ref(c, PLAN_RECIPIENT, &v[i]->compulsory_education, "compulsory-education");
		check_areas(c, v[i]->areas, v[i]->n_areas);
	}
}

static void
check_calendars(struct check *c, Lanu__V1__Plan *plan)
{
	for (size_t i = 0; i < plan->n_calendars; i++) {
		Lanu__V1__Calendar *cal = plan->calendars[i];
		const Lanu__V1__Calendar *b = cal;
		size_t hops = 0;

		if (strcmp(cal->id, PLAN_CAL_NATIONAL) == 0 || strcmp(cal->id, PLAN_CAL_UNIT) == 0)
			plan_parser_error(c->p, &cal->id, "calendar id '%s' is reserved", cal->id);
		check_text(c, cal->name, cal, "a calendar");
		check_calendar_ref(c, &cal->extends, false, "extends");
		/* A base chain ends at "national" (or nothing) within as many hops as there are
		 * calendars; otherwise it loops. */
		while (b && *b->extends && strcmp(b->extends, PLAN_CAL_NATIONAL) != 0 &&
		       hops++ <= plan->n_calendars)
			b = check_find(c, PLAN_CALENDAR, b->extends);
		if (b && hops > plan->n_calendars)
			plan_parser_error(c->p, &cal->extends, "calendar '%s' is its own base, through '%s'",
				      cal->id, cal->extends);
		for (size_t j = 0; j < cal->n_terms; j++)
			check_period(c, cal->terms[j], true, "a term");
		for (size_t j = 0; j < cal->n_closed; j++)
			check_period(c, cal->closed[j], true, "a closed period");
	}
}

static bool
check_overlap(const char *af, const char *au, const char *bf, const char *bu)
{
	/* empty = open; ISO dates compare as strings */
	return (!*af || !*bu || strcmp(af, bu) <= 0) && (!*bf || !*au || strcmp(bf, au) <= 0);
}

static void
check_limits(struct check *c, Lanu__V1__Limit **v, size_t n, const char *owner)
{
	uint32_t lo[2], hi[2];

	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__Limit *l = v[i];

		if (!l->urgency)
			plan_parser_error(c->p, l, "a limit of '%s' needs an urgency (normal or urgent)",
				      owner);
		if (!l->limit)
			plan_parser_error(c->p, l, "a limit of '%s' needs a limit (a duration)", owner);
		else if (l->limit->unit == LANU__V1__DURATION__UNIT__UNIT_HOURS)
			plan_parser_error(c->p, l->limit, "a limit is counted in days, weeks or months, "
						      "not hours ('%s')", l->limit->text);
		if (*l->from && *l->until && strcmp(l->from, l->until) > 0)
			plan_parser_error(c->p, &l->until, "a limit of '%s' ends (%s) before it starts (%s)",
				      owner, l->until, l->from);
		if (*l->ages && value_ages(l->ages, &lo[0], &hi[0]) < 0)
			plan_parser_error(c->p, &l->ages, "ages '%s' is not an age range (expected e.g. "
						      "'0-22' or '23-')", l->ages);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const Lanu__V1__Limit *a = v[i], *b = v[j];

			if (a->urgency != b->urgency || !a->urgency ||
			    !check_overlap(a->from, a->until, b->from, b->until))
				continue;
			if (*a->ages && value_ages(a->ages, &lo[0], &hi[0]) < 0)
				continue;
			if (*b->ages && value_ages(b->ages, &lo[1], &hi[1]) < 0)
				continue;
			if (!*a->ages)
				lo[0] = 0, hi[0] = UINT32_MAX;
			if (!*b->ages)
				lo[1] = 0, hi[1] = UINT32_MAX;
			if (lo[0] <= hi[1] && lo[1] <= hi[0])
				plan_parser_error(c->p, b, "a limit of '%s' overlaps an earlier one for the "
						       "same urgency, dates and ages", owner);
		}
}

static void
check_warn(struct check *c, const Lanu__V1__Duration *w)
{
	if (w && (w->unit == LANU__V1__DURATION__UNIT__UNIT_HOURS ||
		  w->unit >= LANU__V1__DURATION__UNIT__UNIT_SAME_DAY))
		plan_parser_error(c->p, w, "warn-before is counted in working days, days, weeks or "
				       "months ('%s')", w->text);
}

static void
check_services(struct check *c, Lanu__V1__Plan *plan)
{
	for (size_t i = 0; i < plan->n_services; i++) {
		Lanu__V1__Service *s = plan->services[i];

		check_text(c, s->name, s, "a service");
		check_calendar_ref(c, &s->calendar, true, "calendar");
		check_warn(c, s->warn_before);
		check_limits(c, s->limits, s->n_limits, s->id);
		if (s->n_limits && s->n_stages)
			plan_parser_error(c->p, s, "service '%s' has both limits and stages (expected "
					       "one: limits for one stage, stages for several)", s->id);
		else if (!s->n_limits && !s->n_stages)
			plan_parser_error(c->p, s, "service '%s' needs limits or stages", s->id);
		for (size_t j = 0; j < s->n_stages; j++) {
			Lanu__V1__Stage *st = s->stages[j];
			const Lanu__V1__Stage *a = st;
			size_t hops = 0;

			if (!value_is_id(st->id))
				plan_parser_error(c->p, *st->id ? (const void *)&st->id : st,
					      "stage id '%s' is not an id", st->id);
			for (size_t k = 0; k < j; k++)
				if (strcmp(s->stages[k]->id, st->id) == 0)
					plan_parser_error(c->p, &st->id, "duplicate stage id '%s' in "
								     "service '%s'", st->id, s->id);
			check_text(c, st->name, st, "a stage");
			check_calendar_ref(c, &st->calendar, true, "calendar");
			check_warn(c, st->warn_before);
			check_limits(c, st->limits, st->n_limits, st->id);
			if (!st->n_limits)
				plan_parser_error(c->p, st, "stage '%s' needs limits", st->id);
			while (a && a->starts && a->starts->kind == LANU__V1__STAGE_START__KIND__KIND_AFTER &&
			       hops++ <= s->n_stages)
				a = plan_index_stage(s, a->starts->stage);
			if (st->starts && st->starts->kind == LANU__V1__STAGE_START__KIND__KIND_AFTER &&
			    !plan_index_stage(s, st->starts->stage))
				plan_parser_error(c->p, st->starts, "stage '%s' starts after unknown stage "
								"'%s' of service '%s'",
					      st->id, st->starts->stage, s->id);
			else if (a && hops > s->n_stages)
				plan_parser_error(c->p, st->starts, "stage '%s' starts after itself",
					      st->id);
		}
	}
}

static void
check_thresholds(struct check *c, const Lanu__V1__Indicator *ind)
{
	const Lanu__V1__Number *t = ind->target, *w = ind->warning, *cr = ind->critical;
	bool higher = ind->direction == LANU__V1__DIRECTION__DIRECTION_HIGHER_IS_BETTER;
	const Lanu__V1__Number *all[] = { t, w, cr, ind->baseline };

	if (ind->direction == LANU__V1__DIRECTION__DIRECTION_TRACKED) {
		if (t || w || cr)
			plan_parser_error(c->p, t ? t : w ? w : cr, "indicator '%s' is tracked: it has no "
							       "target or thresholds", ind->id);
		return;
	}
	if (ind->unit == LANU__V1__INDICATOR_UNIT__INDICATOR_UNIT_PERCENT)
		for (size_t i = 0; i < ELEMENTSOF(all); i++)
			if (all[i] && (all[i]->value < 0 || all[i]->value > 100))
				plan_parser_error(c->p, all[i], "indicator '%s' is a percent: %g is "
							    "outside 0-100", ind->id, all[i]->value);
	if (!ind->direction)
		return;
	/* higher is better: critical <= warning <= target; lower: the reverse */
#define WRONG(a, b) (a && b && (higher ? a->value > b->value : a->value < b->value))
	if (WRONG(w, t))
		plan_parser_error(c->p, w, "indicator '%s': warning %g is on the wrong side of target "
				       "%g (%s)", ind->id, w->value, t->value,
			      higher ? "higher is better: expected warning <= target"
				     : "lower is better: expected warning >= target");
	if (WRONG(cr, w))
		plan_parser_error(c->p, cr, "indicator '%s': critical %g is on the wrong side of warning "
					"%g (%s)", ind->id, cr->value, w->value,
			      higher ? "higher is better: expected critical <= warning"
				     : "lower is better: expected critical >= warning");
	else if (!w && WRONG(cr, t))
		plan_parser_error(c->p, cr, "indicator '%s': critical %g is on the wrong side of target "
					"%g", ind->id, cr->value, t->value);
#undef WRONG
}

/* A duration counted in calendar days, weeks or months (what comes after a period). */
static void
check_calendar_duration(struct check *c, const Lanu__V1__Duration *d, const char *what)
{
	if (d && d->unit != LANU__V1__DURATION__UNIT__UNIT_DAYS &&
	    d->unit != LANU__V1__DURATION__UNIT__UNIT_WEEKS &&
	    d->unit != LANU__V1__DURATION__UNIT__UNIT_MONTHS &&
	    d->unit != LANU__V1__DURATION__UNIT__UNIT_UNSPECIFIED)
		plan_parser_error(c->p, d, "%s is counted in days, weeks or months ('%s')", what,
				  d->text);
}

/* What a reported indicator's series and alerts need (docs/indicators.md). */
static void
check_series(struct check *c, const Lanu__V1__Indicator *ind)
{
	const Lanu__V1__IndicatorSource *src = ind->source;
	bool reported = !src || src->kind == LANU__V1__INDICATOR_SOURCE__KIND__KIND_REPORTED;
	int32_t first, last;

	if (ind->hysteresis && ind->hysteresis->value < 0)
		plan_parser_error(c->p, ind->hysteresis, "indicator '%s': hysteresis %g is negative",
				  ind->id, ind->hysteresis->value);
	if (ind->trend && ind->direction == LANU__V1__DIRECTION__DIRECTION_TRACKED)
		plan_parser_error(c->p, ind, "indicator '%s' is tracked: nothing is worse, so it has "
				       "no trend", ind->id);
	if (ind->trend > 24)
		plan_parser_error(c->p, ind, "indicator '%s': a trend of %" PRIu32 " periods is "
				       "longer than 24", ind->id, ind->trend);
	check_calendar_duration(c, ind->due, "an indicator's due");
	if ((ind->due || *ind->first) && !reported)
		plan_parser_error(c->p, ind->due ? (const void *)ind->due : (const void *)&ind->first,
				  "indicator '%s' is computed by lanud: due and first are for "
				  "reported ones", ind->id);
	if (reported && ind->cadence == LANU__V1__CADENCE__CADENCE_CONTINUOUS)
		plan_parser_error(c->p, ind, "indicator '%s' is reported: its cadence is a period "
				       "(monthly, quarterly, termly, half-yearly, yearly, biennial), "
				       "not continuous", ind->id);
	if (*ind->first && calendar_period_parse(ind->cadence, ind->first, &first, &last) < 0)
		plan_parser_error(c->p, &ind->first, "indicator '%s': first '%s' is not a period of "
				       "its cadence (e.g. 2025, 2025-H1, 2025-Q3, 2025-03, "
				       "2025-autumn)", ind->id, ind->first);
}

static void
check_reporting(struct check *c, const Lanu__V1__Plan *plan)
{
	const Lanu__V1__Reporting *rp = plan->reporting;
	const Lanu__V1__ValuesDue *v = rp ? rp->values_due : NULL;
	int m = 0, d = 0, n = 0;

	if (rp && *rp->date && (sscanf(rp->date, "%2d-%2d%n", &m, &d, &n) != 2 || n != 5 ||
				m < 1 || m > 12 || d < 1 || d > value_days_in_month(2025, m)))
		plan_parser_error(c->p, &rp->date, "reporting date '%s' is not a day of the year "
				  "(MM-DD, e.g. 03-31)", rp->date);
	if (rp)
		check_calendar_duration(c, rp->remind, "reporting remind");
	if (!v)
		return;
	check_calendar_duration(c, v->monthly, "values-due monthly");
	check_calendar_duration(c, v->quarterly, "values-due quarterly");
	check_calendar_duration(c, v->termly, "values-due termly");
	check_calendar_duration(c, v->half_yearly, "values-due half-yearly");
	check_calendar_duration(c, v->yearly, "values-due yearly");
	check_calendar_duration(c, v->biennial, "values-due biennial");
}

/* An indicator computed from absence ladders: a percent or a count of pupils, per term
 * (termly) or school year (yearly), or as the ladder's periods come (continuous), broken
 * down by area or grade only. */
static void
check_absence_source(struct check *c, const Lanu__V1__Indicator *ind)
{
	const Lanu__V1__IndicatorSource *src = ind->source;
	const Lanu__V1__AbsenceLadder *l = NULL;
	Lanu__V1__Cadence want = 0;

	if (*src->ladder && !(l = check_find(c, PLAN_ABSENCES, src->ladder)))
		check_ref(c, PLAN_ABSENCES, &src->ladder, "source ladder");
	if (l)
		want = l->period == LANU__V1__REVIEW_PERIOD__REVIEW_PERIOD_SCHOOL_YEAR
			       ? LANU__V1__CADENCE__CADENCE_YEARLY
			       : LANU__V1__CADENCE__CADENCE_TERMLY;
	if (src->level > (l ? l->n_levels : LANU_MAX_LEVELS))
		plan_parser_error(c->p, src, "indicator '%s': the ladder has no level %" PRIu32,
				  ind->id, src->level);
	if (ind->unit != LANU__V1__INDICATOR_UNIT__INDICATOR_UNIT_PERCENT &&
	    ind->unit != LANU__V1__INDICATOR_UNIT__INDICATOR_UNIT_COUNT)
		plan_parser_error(c->p, ind, "indicator '%s' counts pupils on a ladder: its unit "
				       "is percent (of the period's pupils) or count", ind->id);
	if (ind->cadence != LANU__V1__CADENCE__CADENCE_CONTINUOUS &&
	    ((want && ind->cadence != want) ||
	     (!want && ind->cadence != LANU__V1__CADENCE__CADENCE_TERMLY &&
	      ind->cadence != LANU__V1__CADENCE__CADENCE_YEARLY)))
		plan_parser_error(c->p, ind, "indicator '%s' follows the ladder's review periods: "
				       "its cadence is %s, or continuous", ind->id,
				  want == LANU__V1__CADENCE__CADENCE_YEARLY ? "yearly (school years)"
				  : want ? "termly" : "termly (terms) or yearly (school years)");
	for (size_t i = 0; i < ind->n_breakdown; i++)
		if (ind->breakdown[i] != LANU__V1__DIMENSION__DIMENSION_AREA &&
		    ind->breakdown[i] != LANU__V1__DIMENSION__DIMENSION_GRADE)
			plan_parser_error(c->p, ind, "indicator '%s' counts pupils on a ladder: it is "
					       "broken down by area or grade only", ind->id);
}

static void
check_indicators(struct check *c, Lanu__V1__Plan *plan)
{
	for (size_t i = 0; i < plan->n_indicators; i++) {
		Lanu__V1__Indicator *ind = plan->indicators[i];
		const Lanu__V1__IndicatorSource *src = ind->source;

		check_text(c, ind->name, ind, "an indicator");
		if (!ind->unit)
			plan_parser_error(c->p, ind, "indicator '%s' needs a unit", ind->id);
		if (!ind->direction)
			plan_parser_error(c->p, ind, "indicator '%s' needs a direction", ind->id);
		check_thresholds(c, ind);
		check_series(c, ind);
		if (!src)
			continue;
		if (src->kind == LANU__V1__INDICATOR_SOURCE__KIND__KIND_COMPLIANCE ||
		    src->kind == LANU__V1__INDICATOR_SOURCE__KIND__KIND_WAIT_TIME) {
			const Lanu__V1__Service *s = NULL;

			if (!*src->service)
				plan_parser_error(c->p, src, "indicator '%s' is computed from a service's "
							 "clocks: it needs a service", ind->id);
			else if (!(s = check_find(c, PLAN_SERVICE, src->service)))
				check_ref(c, PLAN_SERVICE, &src->service, "source service");
			if (s && s->n_stages && !*src->stage)
				plan_parser_error(c->p, src, "service '%s' has stages: the source needs one",
					      s->id);
			else if (s && *src->stage && !plan_index_stage(s, src->stage))
				plan_parser_error(c->p, &src->stage, "service '%s' has no stage '%s'",
					      s->id, src->stage);
		} else if (src->kind == LANU__V1__INDICATOR_SOURCE__KIND__KIND_ABSENCES) {
			check_absence_source(c, ind);
		} else if (*src->service || *src->stage) {
			plan_parser_error(c->p, src, "indicator '%s': only compliance and wait-time "
						 "sources name a service", ind->id);
		} else if (!src->kind) {
			plan_parser_error(c->p, src, "indicator '%s': the source needs a kind", ind->id);
		}
	}
}

static void
check_goals(struct check *c, Lanu__V1__Goal **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		Lanu__V1__Goal *g = v[i];

		check_text(c, g->title, g, "a goal");
		check_refs(c, PLAN_INDICATOR, g->indicators, g->n_indicators, "indicators");
		for (size_t j = 0; j < g->n_measures; j++) {
			Lanu__V1__Measure *m = g->measures[j];

			check_text(c, m->title, m, "a measure");
			if (!m->schedule)
				plan_parser_error(c->p, m, "measure '%s' needs a schedule", m->id);
			else
				check_period(c, m->schedule, false, "a schedule");
			check_refs(c, PLAN_RECIPIENT, m->responsible, m->n_responsible, "responsible");
			check_refs(c, PLAN_RECIPIENT, m->monitoring, m->n_monitoring, "monitoring");
			check_refs(c, PLAN_INDICATOR, m->indicators, m->n_indicators, "indicators");
		}
		check_goals(c, g->goals, g->n_goals);
	}
}

static const char *
check_unit_name(Lanu__V1__Duration__Unit u)
{
	switch (u) {
	case LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS:
		return "working days";
	case LANU__V1__DURATION__UNIT__UNIT_DAYS:
		return "days";
	case LANU__V1__DURATION__UNIT__UNIT_WEEKS:
		return "weeks";
	case LANU__V1__DURATION__UNIT__UNIT_MONTHS:
		return "months";
	default:
		return "hours";
	}
}

/* A route's escalation chain: each step has a delay of at least 1 in hours or days
 * and recipients; a list counts in one unit, each delay longer than the one before
 * (every step is counted from the alert's raise). */
static void
check_escalation(struct check *c, const Lanu__V1__Route *r)
{
	const Lanu__V1__Duration *last = NULL;
	Lanu__V1__Escalation *const *v;
	size_t n, last_i = 0;

	bool fires = r->n_kinds == 0;

	if (r->escalate && r->n_escalate_steps)
		plan_parser_error(c->p, r->escalate, "escalate is given twice");
	v = plan_index_route_steps(r, &n);
	/* escalations and resolutions are never escalated (docs/plan-format.md) */
	for (size_t i = 0; i < r->n_kinds; i++)
		fires = fires || (r->kinds[i] != LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION &&
				  r->kinds[i] != LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED);
	if (n > 0 && !fires)
		plan_parser_error(c->p, v[0], "escalate never fires on a route of escalation and "
					      "resolved alerts only (they are not escalated)");
	if (n > LANU_MAX_ESCALATION_STEPS)
		plan_parser_error(c->p, v[0], "escalate has %zu steps (at most %d)", n,
				  LANU_MAX_ESCALATION_STEPS);
	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__Escalation *e = v[i];
		const Lanu__V1__Duration *a = e->after;

		if (!e->n_to)
			plan_parser_error(c->p, e, "escalate needs 'to' (one or more recipients)");
		else if (e->n_to > LANU_MAX_RECIPIENTS)
			plan_parser_error(c->p, e, "escalate to has %zu recipients (at most %d)",
					  e->n_to, LANU_MAX_RECIPIENTS);
		check_refs(c, PLAN_RECIPIENT, e->to, e->n_to, "escalate to");
		if (!a) {
			plan_parser_error(c->p, e, "escalate needs 'after' (a duration)");
			continue;
		}
		if (a->unit == LANU__V1__DURATION__UNIT__UNIT_UNSPECIFIED)
			continue;	/* not a duration: reported as it was read */
		if (a->unit >= LANU__V1__DURATION__UNIT__UNIT_SAME_DAY || a->count == 0) {
			plan_parser_error(c->p, a, "escalate after is counted in hours or days "
						   "('%s')", a->text);
			continue;
		}
		if (last && a->unit != last->unit)
			plan_parser_error(c->p, a, "escalate step %zu counts in %s, step %zu in "
						   "%s: a chain's steps count in one unit", i + 1,
					  check_unit_name(a->unit), last_i + 1,
					  check_unit_name(last->unit));
		else if (last && a->count <= last->count)
			plan_parser_error(c->p, a, "escalate step %zu ('%s') is not after step "
						   "%zu ('%s'): a chain's delays increase", i + 1,
					  a->text, last_i + 1, last->text);
		last = a;
		last_i = i;
	}
}

static void
check_routes(struct check *c, Lanu__V1__Plan *plan)
{
	for (size_t i = 0; i < plan->n_routes; i++) {
		Lanu__V1__Route *r = plan->routes[i];

		if (!r->n_to)
			plan_parser_error(c->p, r, "a route needs 'to' (one or more recipients)");
		check_refs(c, PLAN_RECIPIENT, r->to, r->n_to, "to");
		check_refs(c, PLAN_SERVICE, r->services, r->n_services, "services");
		check_refs(c, PLAN_INDICATOR, r->indicators, r->n_indicators, "indicators");
		check_refs(c, PLAN_MEASURE, r->measures, r->n_measures, "measures");
		check_refs(c, PLAN_AREA, r->areas, r->n_areas, "areas");
		check_escalation(c, r);
	}
}

/* A level's threshold against the same threshold of the level before that had one:
 * the ladder climbs. */
static void
check_level_climbs(struct check *c, const Lanu__V1__Number *v, const Lanu__V1__Number **last,
		   size_t *last_at, size_t at, const char *what)
{
	if (!v)
		return;
	if (*last && v->value <= (*last)->value)
		plan_parser_error(c->p, v, "level %zu's %s (%g) is not above level %zu's (%g): "
					   "a ladder's levels climb", at, what, v->value, *last_at,
				  (*last)->value);
	*last = v;
	*last_at = at;
}

/* Whether areas a and b of two ladders cover a school both: one at or under the other
 * (an area the plan does not have is reported as such, not here). */
static bool
check_areas_meet(const struct plan_index *x, const char *a, const char *b)
{
	return plan_index_area(x, a) && plan_index_area(x, b) &&
	       (plan_index_within(x, a, b) || plan_index_within(x, b, a));
}

static void
check_absences(struct check *c, Lanu__V1__Plan *plan)
{
	struct plan_index *x = NULL;

	if (plan->n_absences == 0)
		return;
	if (plan_index_new(plan, &x) < 0) {
		c->p->oom = true;
		return;
	}
	for (size_t i = 0; i < plan->n_absences; i++) {
		Lanu__V1__AbsenceLadder *l = plan->absences[i];
		const Lanu__V1__Number *last_h = NULL, *last_s = NULL;
		size_t at_h = 0, at_s = 0;

		check_text(c, l->provider, l, "an absence ladder's provider");
		if (!l->n_areas)
			plan_parser_error(c->p, l, "absence ladder '%s' needs 'areas' (the schools it "
						   "covers, or areas holding them)", l->id);
		check_refs(c, PLAN_AREA, l->areas, l->n_areas, "areas");
		if (!l->period)
			plan_parser_error(c->p, l, "absence ladder '%s' needs a period (term or "
						   "school-year)", l->id);
		if (!*l->calendar)
			plan_parser_error(c->p, l, "absence ladder '%s' needs a calendar (the school "
						   "calendar whose terms are its periods)", l->id);
		else if (check_find(c, PLAN_CALENDAR, l->calendar) &&
			 !plan_index_calendar_terms(x, l->calendar))
			plan_parser_error(c->p, &l->calendar, "calendar '%s' has no terms: an absence "
							      "ladder's periods are its terms",
					  l->calendar);
		else
			check_ref(c, PLAN_CALENDAR, &l->calendar, "calendar");
		if (!l->n_levels)
			plan_parser_error(c->p, l, "absence ladder '%s' needs levels", l->id);
		if (l->n_levels > LANU_MAX_LEVELS)
			plan_parser_error(c->p, l, "absence ladder '%s' has %zu levels (at most %d)",
					  l->id, l->n_levels, LANU_MAX_LEVELS);
		for (size_t j = 0; j < l->n_levels; j++) {
			Lanu__V1__AbsenceLevel *v = l->levels[j];

			if (!v->hours && !v->share)
				plan_parser_error(c->p, v, "level %zu needs hours, share (a percent of "
							   "the lessons held) or both", j + 1);
			if (v->hours && v->hours->value <= 0)
				plan_parser_error(c->p, v->hours, "level %zu's hours must be above 0 "
								  "(%g)", j + 1, v->hours->value);
			if (v->share && (v->share->value <= 0 || v->share->value > 100))
				plan_parser_error(c->p, v->share, "level %zu's share is a percent above 0 "
								  "and at most 100 (%g)", j + 1,
						  v->share->value);
			check_level_climbs(c, v->hours, &last_h, &at_h, j + 1, "hours");
			check_level_climbs(c, v->share, &last_s, &at_s, j + 1, "share");
			for (size_t k = 0; k < v->n_counts; k++)
				for (size_t m = 0; m < k; m++)
					if (v->counts[k] == v->counts[m])
						plan_parser_error(c->p, &v->counts[k], "level %zu counts "
								  "a class of absence twice", j + 1);
			check_text(c, v->action, v, "a level's action");
			if (!v->severity)
				v->severity = LANU__V1__SEVERITY__SEVERITY_WARNING;
			check_refs(c, PLAN_RECIPIENT, v->to, v->n_to, "to");
		}
		/* One ladder per school: no area of this ladder at, over or under another's. */
		for (size_t j = 0; j < i; j++) {
			const Lanu__V1__AbsenceLadder *o = plan->absences[j];

			for (size_t a = 0; a < l->n_areas; a++)
				for (size_t b = 0; b < o->n_areas; b++)
					if (check_areas_meet(x, l->areas[a], o->areas[b]))
						plan_parser_error(c->p, &l->areas[a], "area '%s' is "
								  "covered by absence ladder '%s' "
								  "already (through '%s'): one ladder "
								  "per school", l->areas[a], o->id,
								  o->areas[b]);
		}
	}
	plan_index_free(x);
}

static void
check_info(struct check *c, Lanu__V1__Plan *plan)
{
	Lanu__V1__PlanInfo *info = plan->plan;

	if (plan->lanu_plan == 0)
		plan_parser_error(c->p, NULL, "'lanu-plan: 1' is missing (the file format)");
	else if (plan->lanu_plan != 1)
		plan_parser_error(c->p, &plan->lanu_plan, "lanu-plan is %u (this lanud reads format 1)",
			      plan->lanu_plan);
	if (!info) {
		plan_parser_error(c->p, NULL, "'plan' (id, organiser, title, period) is missing");
		return;
	}
	if (!value_is_id(info->id))
		plan_parser_error(c->p, *info->id ? (const void *)&info->id : info,
			      "plan id '%s' is not an id (expected 1-64 of a-z 0-9 . _ -)", info->id);
	if (!*info->organiser)
		plan_parser_error(c->p, info, "plan needs an organiser (municipality or county)");
	check_text(c, info->title, info, "the plan");
	if (!info->period)
		plan_parser_error(c->p, info, "plan needs a period (e.g. 2022-2025)");
	else
		check_period(c, info->period, true, "the plan period");
	if (!*info->timezone) {
		char *tz = strdup("Europe/Helsinki");

		if (tz)
			info->timezone = tz;
		else
			c->p->oom = true;
	} else if (!calendar_zone_installed(info->timezone)) {
		plan_parser_error(c->p, &info->timezone, "unknown time zone '%s' (expected e.g. "
						     "Europe/Helsinki)", info->timezone);
	}
}

/* A retention period: calendar days, weeks or months, at least min_months long (a
 * month counted as 31 days, a week as 7: the shorter units must reach past it). */
static void
check_retention_one(struct check *c, const Lanu__V1__Duration *d, const char *what,
		    uint32_t min_months, const char *why)
{
	uint64_t days;

	if (!d)
		return;
	switch (d->unit) {
	case LANU__V1__DURATION__UNIT__UNIT_DAYS:
		days = d->count;
		break;
	case LANU__V1__DURATION__UNIT__UNIT_WEEKS:
		days = 7ULL * d->count;
		break;
	case LANU__V1__DURATION__UNIT__UNIT_MONTHS:
		days = d->count >= min_months ? UINT64_MAX : 0;
		break;
	case LANU__V1__DURATION__UNIT__UNIT_UNSPECIFIED:
		return;	/* not a duration: said where it was read */
	default:
		plan_parser_error(c->p, d, "retention %s is counted in days, weeks or months ('%s')",
				  what, d->text);
		return;
	}
	if (days < 31ULL * min_months)
		plan_parser_error(c->p, d, "retention %s is '%s': it must be at least %" PRIu32
				  " month%s (%s)", what, d->text, min_months,
				  min_months == 1 ? "" : "s", why);
}

static void
check_retention(struct check *c, const Lanu__V1__Plan *plan)
{
	const Lanu__V1__Retention *r = plan->retention;

	if (!r)
		return;
	check_retention_one(c, r->cases, "cases", 1, "a case is kept a month after it closes, "
			    "for late reports and acknowledgements");
	check_retention_one(c, r->pupils, "pupils", 12, "a pupil's place on a ladder must "
			    "outlive its review period, at most a school year");
}

int
plan_check(struct plan_parser *p, const Lanu__V1__Plan *cplan)
{
	Lanu__V1__Plan *plan = (Lanu__V1__Plan *)cplan;	/* fills in defaults */
	struct check c = { .p = p };
	size_t before = p->n_errors;

	check_info(&c, plan);
	plan_index_walk(plan, collect_cb, &c);
	if (!p->oom) {
		check_unique(&c);
		check_areas(&c, plan->areas, plan->n_areas);
		for (size_t i = 0; i < plan->n_recipients; i++) {
			Lanu__V1__Recipient *r = plan->recipients[i];

			check_text(&c, r->name, r, "a recipient");
			if (!r->kind)
				plan_parser_error(p, r, "recipient '%s' needs a kind", r->id);
			check_refs(&c, PLAN_AREA, r->areas, r->n_areas, "areas");
		}
		check_calendars(&c, plan);
		check_services(&c, plan);
		check_indicators(&c, plan);
		check_goals(&c, plan->goals, plan->n_goals);
		check_routes(&c, plan);
		check_absences(&c, plan);
		check_retention(&c, plan);
		check_reporting(&c, plan);
	}
	for (int k = 0; k < PLAN_KIND_MAX; k++)
		free(c.ids[k].v);
	return p->oom ? -ENOMEM : p->n_errors > before ? -EINVAL : 0;
}
