/*
 * libFuzzer target: the plan's indicators and measures (daemon/indicator.c, measure.c) in
 * process, driven as ingest.c and the writer drive them but with no socket and no lanud.
 * A fixed plan (below) comes into force at a start time the input's first byte picks, on
 * an emptied store, its watches set by indicator_plan_watches() and
 * measure_plan_watches() as planload.c sets them; then each input is a sequence of
 * operations:
 *
 *	IndicatorUpdated	an indicator (reported ones, a computed one, unknown ones), a
 *				period (of any cadence, or none), an area and a breakdown
 *				(known, unknown, not in the indicator's breakdown, given twice),
 *				a value (in range, out of a percent's, NaN and infinities) and
 *				a numerator and denominator;
 *	MeasureStatusUpdated	a measure (known or not), a status 0-7, a date (none, past,
 *				future, no date);
 *	advance			the clock moves on (hours to months), then indicator_watch()
 *				and measure_watch() fire until nothing more is due;
 *	the plan again		the same plan comes into force again, now: nothing to come
 *				changes;
 *	IndicatorQuery,		random filters.
 *	MeasureQuery
 *
 * A model of what docs/indicators.md promises is kept beside the store, and after every
 * step:
 *
 *  1. an IndicatorUpdated is accepted exactly when the doc says (indicator known and
 *     reported, period of its cadence, dimensions in its breakdown, area known, a
 *     percent in 0-100, finite numbers, numerator and denominator counts, a percent's
 *     numerator at most its denominator); a refused one names a field the doc gives for
 *     one of the faults it has, and writes nothing and queues no alert (seen from its
 *     own transaction, then aborted). The same for MeasureStatusUpdated (measure,
 *     status, date);
 *  2. the stored value of each (indicator, group, period) is the last accepted, its
 *     revision the number accepted before it, and its revisions the earlier values in
 *     order;
 *  3. each group's stored level is what indicator_level() with the plan's hysteresis
 *     gives, a value judged only when its period is the group's latest; the alerts a
 *     value raises are INDICATOR_THRESHOLD exactly on a level's increase (critical at
 *     level 2), RESOLVED exactly on a return to 0, INDICATOR_TREND exactly when the
 *     group's latest trend + 1 periods got worse each time, once per (indicator, group,
 *     period); nothing else; each names the value and the group's area; an area's alerts
 *     go by the routes of that area, a resolution also where what it resolves went;
 *  4. INDICATOR_STALE exactly for the watched periods (from `first` or the plan's first
 *     day, every second for biennial, within the plan's period) due after the plan came
 *     into force, when the clock passes their due instant (the start of the day after
 *     the period moved on by its due, Helsinki time), if no group has a value for it
 *     then; once per (indicator, period), its due_day the day before that instant;
 *  5. MEASURE_OVERDUE exactly when the clock passes the day after a measure's schedule
 *     ends (if that is after the plan came into force) and its latest status is not
 *     done or established (a dropped one is overdue), once per measure; MEASURE_REMINDER exactly when the
 *     clock passes `remind` before the reporting date, for each year the measure's
 *     schedule and the plan's period cover, if no status is dated in that year; once
 *     per (measure, year); an overdue goes to the measure's responsible and monitoring,
 *     a reminder to its responsible; once all has fired, no watch is due;
 *  6. queries answer 0 or -EINVAL naming a field, -EINVAL exactly for an unknown
 *     indicator, breakdown or a year that is not four digits from 1900 (IndicatorQuery);
 *     IndicatorQuery's rows for one reported indicator with by=[] are the model's
 *     whole values, in period order, within from..to, with their revisions.
 *
 * The alerts are read back from the alert log (store_replay() for sup, whom the plan's
 * routes send every kind; board has north's thresholds by a route, with their resolutions,
 * and the measures' alerts it is responsible for or monitors). A broken invariant prints
 * what broke and aborts. LANU_FUZZ_TRACE=1 prints each operation and the alerts it raised.
 *
 * The input, a byte at a time (0 past its end), at most FUZZ_OPS operations after the
 * first byte (the plan comes into force at T0 + 3 * byte days):
 *
 *	op byte		bits 0-2 the operation
 *	  0-2		IndicatorUpdated: ind byte, period byte, group byte, value byte,
 *			count byte
 *	  3		MeasureStatusUpdated: measure byte, date byte
 *	  4, 5		advance: span byte (5 with bit 3 set: the plan again, no byte)
 *	  6		IndicatorQuery: two bytes
 *	  7		MeasureQuery: a byte
 *	ind byte	bits 0-2 fuzz_inds[]
 *	period byte	bits 0-2 kind (yearly, monthly, quarterly, half-yearly, termly,
 *			a month without its 0, garbage, yearly), 3-4 year 2024 + v, 5-7 sub
 *	group byte	bits 0-2 area, 3-4 language, 5-7 extra breakdown entries
 *	value byte	bits 6-7 the range, 0-5 the value in it
 *	count byte	numerator and denominator
 *	measure byte	bits 0-2 fuzz_measures[], 3-5 status
 *	date byte	bits 6-7: none, today - v days, today + 1 + v days, garbage
 *	span byte	bits 6-7: v + 1 hours, days, (v & 15) + 1 weeks, (v & 7) + 1 times
 *			30 days
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "arena.h"
#include "calendar.h"
#include "fuzz_store.h"
#include "indicator.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "log.h"
#include "measure.h"
#include "msg.h"
#include "plan.h"
#include "plan_index.h"
#include "store.h"

#define FUZZ_OPS	64
#define FUZZ_MAP	(32ULL << 20)
#define HOUR_MS		(3600ULL * 1000)
#define DAY_MS		(24 * HOUR_MS)
#define T0_MS		1759302000000ULL	/* 2025-10-01 10:00 +03:00 */
#define END_MS		(T0_MS + 4 * 365 * DAY_MS)
#define FIRE_MAX	3	/* watches a fire call takes, to cross its batches */
#define GROUP_LEN	96
#define PERIOD_LEN	16
#define WANT_MAX	256

#define K_THRESHOLD	LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_THRESHOLD
#define K_TREND		LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_TREND
#define K_STALE		LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_STALE
#define K_RESOLVED	LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED
#define K_OVERDUE	LANU__V1__ALERT_KIND__ALERT_KIND_MEASURE_OVERDUE
#define K_REMINDER	LANU__V1__ALERT_KIND__ALERT_KIND_MEASURE_REMINDER

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Two areas; a yearly percent with every line, hysteresis, trend and a breakdown; a
 * monthly count, lower is better, due by the plan's values-due; a biennial tracked one
 * from 2025 broken down by area; a termly score with a warning line only; a computed
 * one (compliance); measures under goals, one ended before any start time; every kind
 * routed to sup. */
static const char plan_text[] =
	"lanu-plan: 1\n"
	"plan: {id: fuzz-indicator, organiser: Fuzz, title: Indicator fuzzing plan,\n"
	"       period: 2025-2027}\n"
	"areas:\n"
	"  - {id: north, name: North, kind: municipality}\n"
	"  - {id: south, name: South, kind: municipality}\n"
	"recipients:\n"
	"  - {id: sup, name: Supervisor, kind: supervisor}\n"
	"  - {id: board, name: Welfare board, kind: board}\n"
	"services:\n"
	"  - {id: svc, name: A service, limits: {normal: 14 days}}\n"
	"reporting:\n"
	"  date: 03-31\n"
	"  remind: 30 days\n"
	"  values-due: {monthly: 2 months}\n"
	"indicators:\n"
	"  - id: wb\n"
	"    name: {fi: Hyvinvointi, en: Wellbeing}\n"
	"    unit: percent\n"
	"    direction: higher-is-better\n"
	"    target: 80\n"
	"    warning: 70\n"
	"    critical: 60\n"
	"    hysteresis: 3\n"
	"    trend: 2\n"
	"    cadence: yearly\n"
	"    due: 3 months\n"
	"    breakdown: [area, language-group]\n"
	"    source: {kind: reported, provider: THL}\n"
	"  - id: wait\n"
	"    name: Waiting\n"
	"    unit: count\n"
	"    direction: lower-is-better\n"
	"    target: 10\n"
	"    warning: 20\n"
	"    critical: 30\n"
	"    cadence: monthly\n"
	"    source: {kind: reported}\n"
	"  - id: survey\n"
	"    name: Survey\n"
	"    unit: percent\n"
	"    direction: tracked\n"
	"    cadence: biennial\n"
	"    first: 2025\n"
	"    breakdown: [area]\n"
	"    source: {kind: reported}\n"
	"  - id: term\n"
	"    name: Termly score\n"
	"    unit: score\n"
	"    direction: higher-is-better\n"
	"    target: 5\n"
	"    warning: 4\n"
	"    hysteresis: 0.5\n"
	"    trend: 3\n"
	"    cadence: termly\n"
	"    source: {kind: reported}\n"
	"  - id: comp\n"
	"    name: Computed\n"
	"    unit: percent\n"
	"    direction: higher-is-better\n"
	"    target: 90\n"
	"    cadence: continuous\n"
	"    source: {kind: compliance, service: svc}\n"
	"goals:\n"
	"  - id: g1\n"
	"    title: Early support\n"
	"    measures:\n"
	"      - {id: m-a, title: A, schedule: 2025-10-01..2026-03-31, responsible: [sup],\n"
	"         monitoring: [board]}\n"
	"      - {id: m-b, title: B, schedule: 2026-01-01..2026-12-31, responsible: [sup]}\n"
	"    goals:\n"
	"      - id: g1a\n"
	"        title: Sub-goal\n"
	"        measures:\n"
	"          - {id: m-c, title: C, schedule: 2025-01-01..2027-12-31, responsible: [board]}\n"
	"          - {id: m-d, title: D, schedule: 2025-01-01..2025-09-30, responsible: [sup]}\n"
	"routes:\n"
	"  - kinds: [indicator-threshold, indicator-trend, indicator-stale, resolved,\n"
	"            measure-overdue, measure-reminder]\n"
	"    to: sup\n"
	"  - {kinds: indicator-threshold, areas: [north], to: board}\n";

#define PLAN_FROM_YEAR	2025
#define PLAN_TO_YEAR	2027

enum { DIM_AREA = 1, DIM_LANG = 2 };
enum { C_YEARLY, C_MONTHLY, C_BIENNIAL, C_TERMLY };

/* The plan's indicators as the model knows them. */
static const struct mind {
	const char *id;
	bool reported;
	int cadence;
	bool percent;
	unsigned dims;
	int due_months;		/* 0: none (not watched) */
	int first_year;		/* of the watches */
} minds[] = {
	{ "wb", true, C_YEARLY, true, DIM_AREA | DIM_LANG, 3, 2025 },
	{ "wait", true, C_MONTHLY, false, 0, 2, 2025 },
	{ "survey", true, C_BIENNIAL, true, DIM_AREA, 3, 2025 },
	{ "term", true, C_TERMLY, false, 0, 2, 2025 },
	{ "comp", false, -1, true, 0, 0, 0 },
};

/* What an operation picks from: index into minds[], or -1 for none of the plan's. */
static const struct {
	const char *id;
	int ind;
} fuzz_inds[8] = {
	{ "wb", 0 }, { "wb", 0 }, { "wait", 1 }, { "survey", 2 }, { "term", 3 }, { "comp", 4 },
	{ "nope", -1 }, { "", -1 },
};
static const char *const fuzz_garbage[8] = {
	"2025-13", "", "abc", "2025-Q5", "20255", "2025-winter", "1899", "2025-00",
};
static const int sub_months[8] = { 1, 2, 3, 6, 7, 8, 11, 12 };

/* The measures: their schedules and years. */
static const struct mmeasure {
	const char *id;
	int from_y, from_m, from_d, to_y, to_m, to_d;
	bool board_responsible, board_monitoring;
} mmeasures[] = {
	{ "m-a", 2025, 10, 1, 2026, 3, 31, false, true },
	{ "m-b", 2026, 1, 1, 2026, 12, 31, false, false },
	{ "m-c", 2025, 1, 1, 2027, 12, 31, true, false },
	{ "m-d", 2025, 1, 1, 2025, 9, 30, false, false },
};
static const struct {
	const char *id;
	int m;
} fuzz_measures[8] = {
	{ "m-a", 0 }, { "m-b", 1 }, { "m-c", 2 }, { "m-d", 3 }, { "m-a", 0 }, { "nope", -1 },
	{ "", -1 }, { "m-c", 2 },
};
static const char *const fuzz_bad_dates[4] = { "2026-02-30", "20260101", "2026-13-01", "x" };

/* A stored value's history: (indicator, group, period), every value accepted. */
struct mkey {
	int ind;
	char group[GROUP_LEN];
	char period[PERIOD_LEN];
	char first_day[11];
	int32_t first;
	double v[FUZZ_OPS];
	size_t n;
};

/* A group's level. */
struct mgroup {
	int ind;
	char group[GROUP_LEN];
	int level;
};

/* An alert the step must raise. */
struct want {
	int kind;
	const char *name;	/* indicator or measure id */
	char group[GROUP_LEN];
	char period[PERIOD_LEN];
	int level;		/* THRESHOLD's */
	uint64_t not_before;
	bool judged;		/* a value's: its value and area */
	double value;
	const char *area;
	bool board;		/* goes to board too */
	bool seen;
};

struct run {
	uint64_t now_ms, load_ms;
	unsigned op;
	char what[256];
	struct alert_pubq q;
	uint64_t last_seq;	/* alerts up to it checked */
	struct mkey keys[FUZZ_OPS];
	size_t n_keys;
	struct mgroup groups[FUZZ_OPS];
	size_t n_groups;
	char trends[FUZZ_OPS][GROUP_LEN + 48];	/* TREND raised: "ind/group/period" */
	size_t n_trends;
	char stale[128][PERIOD_LEN + 16];	/* STALE raised: "ind/period" */
	size_t n_stale;
	int msr_latest[4];	/* the status in force (latest date, then last sent), 0 none */
	int32_t msr_latest_day[4];	/* the day it holds from */
	bool msr_year[4][PLAN_TO_YEAR + 2 - PLAN_FROM_YEAR + 1];	/* a status dated then */
	bool overdue[4];
	bool reminded[4][8];
	struct want want[WANT_MAX];
	size_t n_want;
};

static struct {
	bool ready, trace;
	Lanu__V1__Plan *plan;
	struct plan_index *index;
	struct calendar_set *calendars;
	struct store *store;
	char dir[256];
	struct arena arena;
	struct run run;
} fz;

struct input {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t
next_byte(struct input *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static void _printf_(3, 4) __attribute__((noreturn))
fuzz_fail(const struct run *r, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_indicator: ");
	if (r) {
		char day[11];

		calendar_format_day(calendar_local_day(r->now_ms), day);
		fprintf(stderr, "op %u (%s), now %s T0%+.3fd: ", r->op, r->what, day,
			((double)r->now_ms - (double)T0_MS) / (double)DAY_MS);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " [%s]\n", cond);
	abort();
}

#define CHECK(r, cond, ...)                                                                        \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail((r), #cond, __VA_ARGS__);                                        \
	} while (0)

static struct snapshot
fuzz_snap(const struct run *r)
{
	return (struct snapshot){ fz.plan, fz.index, fz.calendars, 1, r->now_ms, UINT64_MAX };
}

static const Lanu__V1__Indicator *
plan_ind(int i)
{
	return plan_index_indicator(fz.index, minds[i].id);
}

/* --- the model's calendar -------------------------------------------------------------- */

/* The day y-m-d, the month normalised. */
static int32_t
ymd(int y, int m, int d)
{
	while (m > 12) {
		m -= 12;
		y++;
	}
	return calendar_day(y, m, d);
}

/* The first and last day of period (y, k) of cadence c: k the month, or 0 spring and 1
 * autumn; a biennial period is the year it names (the next is two years on). */
static void
period_days(int c, int y, int k, int32_t *first, int32_t *last)
{
	switch (c) {
	case C_MONTHLY:
		*first = ymd(y, k, 1);
		*last = ymd(y, k + 1, 1) - 1;
		break;
	case C_TERMLY:
		*first = ymd(y, k ? 8 : 1, 1);
		*last = ymd(y, k ? 13 : 8, 1) - 1;
		break;
	default:	/* yearly; biennial: the year named, every second one */
		*first = ymd(y, 1, 1);
		*last = ymd(y + 1, 1, 1) - 1;
		break;
	}
}

static void
period_name(int c, int y, int k, char out[PERIOD_LEN])
{
	if (c == C_MONTHLY)
		snprintf(out, PERIOD_LEN, "%04d-%02d", y, k);
	else if (c == C_TERMLY)
		snprintf(out, PERIOD_LEN, "%04d-%s", y, k ? "autumn" : "spring");
	else
		snprintf(out, PERIOD_LEN, "%04d", y);
}

/* When period (y, k) of indicator i is stale: the start of the day after it ends moved
 * on by its due (months, to the same day number: the 1st). */
static uint64_t
period_due(int i, int y, int k)
{
	int32_t first, last, day;
	int yy, mm, dd;

	period_days(minds[i].cadence, y, k, &first, &last);
	calendar_ymd(last + 1, &yy, &mm, &dd);
	day = ymd(yy, mm + minds[i].due_months, dd);
	return calendar_day_start_ms(day);
}

typedef void (*period_fn)(struct run *r, int i, int y, int k, uint64_t due, void *arg);

/* Every period of indicator i the plan watches: from its first, every second for
 * biennial, while its first day is in the plan's period, due after the load. */
static void
watched_periods(struct run *r, int i, period_fn fn, void *arg)
{
	int c = minds[i].cadence;

	if (!minds[i].due_months)
		return;
	for (int y = minds[i].first_year; y <= PLAN_TO_YEAR; y += c == C_BIENNIAL ? 2 : 1) {
		int kmin = c == C_MONTHLY ? 1 : 0, kmax = c == C_MONTHLY ? 12 : c == C_TERMLY;

		for (int k = kmin; k <= kmax; k++) {
			uint64_t due = period_due(i, y, k);

			if (due > r->load_ms)
				fn(r, i, y, k, due, arg);
		}
	}
}

/* The instant the reminder about year y is due: 30 days before 31 March of y + 1. */
static uint64_t
remind_at(int y)
{
	return calendar_day_start_ms(calendar_day(y + 1, 3, 31) - 30);
}

/* --- the model ------------------------------------------------------------------------- */

static struct mkey *
model_key(struct run *r, int ind, const char *group, const char *period, bool make)
{
	for (size_t i = 0; i < r->n_keys; i++)
		if (r->keys[i].ind == ind && strcmp(r->keys[i].group, group) == 0 &&
		    strcmp(r->keys[i].period, period) == 0)
			return &r->keys[i];
	if (!make)
		return NULL;
	CHECK(r, r->n_keys < ELEMENTSOF(r->keys), "too many keys");
	r->keys[r->n_keys] = (struct mkey){ .ind = ind };
	snprintf(r->keys[r->n_keys].group, GROUP_LEN, "%s", group);
	snprintf(r->keys[r->n_keys].period, PERIOD_LEN, "%s", period);
	return &r->keys[r->n_keys++];
}

static struct mgroup *
model_group(struct run *r, int ind, const char *group)
{
	for (size_t i = 0; i < r->n_groups; i++)
		if (r->groups[i].ind == ind && strcmp(r->groups[i].group, group) == 0)
			return &r->groups[i];
	CHECK(r, r->n_groups < ELEMENTSOF(r->groups), "too many groups");
	r->groups[r->n_groups] = (struct mgroup){ .ind = ind };
	snprintf(r->groups[r->n_groups].group, GROUP_LEN, "%s", group);
	return &r->groups[r->n_groups++];
}

static bool
model_has_period(const struct run *r, int ind, const char *period)
{
	for (size_t i = 0; i < r->n_keys; i++)
		if (r->keys[i].ind == ind && strcmp(r->keys[i].period, period) == 0)
			return true;
	return false;
}

static struct want *
want_add(struct run *r, int kind, const char *name, const char *group, const char *period)
{
	struct want *w;

	CHECK(r, r->n_want < WANT_MAX, "too many alerts wanted");
	w = &r->want[r->n_want++];
	*w = (struct want){ .kind = kind, .name = name };
	snprintf(w->group, GROUP_LEN, "%s", group ? group : "");
	snprintf(w->period, PERIOD_LEN, "%s", period ? period : "");
	return w;
}

static struct want *
want_value(struct want *w, double v, const char *area)
{
	w->judged = true;
	w->value = v;
	w->area = area;
	/* the route of north's thresholds, and a resolution goes where what it resolves went */
	w->board = (w->kind == K_THRESHOLD || w->kind == K_RESOLVED) && strcmp(area, "north") == 0;
	return w;
}

static bool
set_has(char (*v)[PERIOD_LEN + 16], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* --- the store, read ------------------------------------------------------------------- */

static bool
same_value(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0 || a == b;
}

static bool
want_match(const struct want *w, const Lanu__V1__Alert *a)
{
	const Lanu__V1__AlertFacts *f = a->facts;

	if (w->seen || (int)a->kind != w->kind)
		return false;
	if (w->kind == K_OVERDUE || w->kind == K_REMINDER) {
		if (strcmp(a->measure, w->name) != 0)
			return false;
		return w->kind == K_OVERDUE || (f && strcmp(f->period, w->period) == 0);
	}
	if (strcmp(a->indicator, w->name) != 0 || !f || strcmp(f->period, w->period) != 0)
		return false;
	return w->kind == K_STALE || strcmp(f->group, w->group) == 0;
}

static int
alert_cb(const Lanu__V1__Alert *a, void *arg)
{
	struct run *r = arg;
	const Lanu__V1__AlertFacts *f = a->facts;
	size_t i;

	CHECK(r, a->seq > r->last_seq, "alert %" PRIu64 " comes after %" PRIu64, a->seq,
	      r->last_seq);
	r->last_seq = a->seq;
	if (fz.trace)
		fprintf(stderr, "\talert %" PRIu64 ": %s '%s%s' group '%s' period '%s'\n", a->seq,
			protobuf_c_enum_descriptor_get_value(&lanu__v1__alert_kind__descriptor,
							     a->kind)->name,
			a->indicator, a->measure, f ? f->group : "-", f ? f->period : "-");
	for (i = 0; i < r->n_want && !want_match(&r->want[i], a); i++)
		;
	CHECK(r, i < r->n_want, "unexpected alert %" PRIu64 ": %s indicator '%s' measure '%s' "
	      "group '%s' period '%s'", a->seq,
	      protobuf_c_enum_descriptor_get_value(&lanu__v1__alert_kind__descriptor,
						   a->kind)->name,
	      a->indicator, a->measure, f ? f->group : "-", f ? f->period : "-");
	r->want[i].seen = true;
	{
		bool board = false;

		for (size_t j = 0; j < a->n_recipients; j++)
			board |= strcmp(a->recipients[j], "board") == 0;
		CHECK(r, board == r->want[i].board, "alert %" PRIu64 " %s board", a->seq,
		      board ? "goes to" : "does not go to");
	}
	CHECK(r, a->raised_at_ms >= r->want[i].not_before, "alert %" PRIu64 " raised %" PRIu64
	      " ms before its instant", a->seq, r->want[i].not_before - a->raised_at_ms);
	if (r->want[i].judged)
		CHECK(r, f && same_value(f->value, r->want[i].value) &&
			 strcmp(a->area, r->want[i].area) == 0, "alert %" PRIu64 ": value %g area "
		      "'%s', wanted %g '%s'", a->seq, f ? f->value : 0, a->area, r->want[i].value,
		      r->want[i].area);
	if (a->kind == K_STALE) {
		char due_day[11];

		calendar_format_day(calendar_local_day(r->want[i].not_before) - 1, due_day);
		CHECK(r, f && strcmp(f->due_day, due_day) == 0, "stale alert %" PRIu64 " due "
		      "day '%s', wanted %s", a->seq, f ? f->due_day : "-", due_day);
	}
	if (a->kind == K_THRESHOLD)
		CHECK(r, (a->severity == LANU__V1__SEVERITY__SEVERITY_CRITICAL) ==
			 (r->want[i].level == 2), "threshold alert %" PRIu64 " of the wrong "
		      "severity for level %d", a->seq, r->want[i].level);
	return 0;
}

/* The alerts raised since the last look are exactly those wanted. */
static void
check_alerts(struct run *r)
{
	static const char *const rcpts[] = { "sup" };
	struct store_txn t;
	uint64_t last;
	bool more = true;
	int rc = 0;

	store_begin(fz.store, &t, STORE_RO);
	while (more && rc == 0)
		rc = store_replay(&t, rcpts, 1, r->last_seq, 64, alert_cb, r, &last, &more);
	store_abort(&t);
	CHECK(r, rc == 0, "replay: %s", strerror(-rc));
	for (size_t i = 0; i < r->n_want; i++)
		CHECK(r, r->want[i].seen, "no alert %s about '%s' group '%s' period '%s'",
		      protobuf_c_enum_descriptor_get_value(&lanu__v1__alert_kind__descriptor,
							   r->want[i].kind)->name,
		      r->want[i].name, r->want[i].group, r->want[i].period);
	r->n_want = 0;
}

struct revs {
	double v[FUZZ_OPS];
	size_t n;
	bool over;
};

static int
rev_cb(const Lanu__V1__IndicatorValue *v, void *arg)
{
	struct revs *x = arg;

	if (x->n == ELEMENTSOF(x->v)) {
		x->over = true;
		return 1;
	}
	x->v[x->n++] = v->value;
	return 0;
}

/* Invariant 2 for one key. */
static void
check_key(struct run *r, struct store_txn *t, const struct mkey *k)
{
	const char *id = minds[k->ind].id;
	Lanu__V1__IndicatorValue *v = NULL;
	struct revs x = { .n = 0 };
	int rc;

	rc = store_ind_get(t, id, k->group, k->first_day, k->period, NULL, &v);
	CHECK(r, rc == 0, "'%s' group '%s' period '%s': no value stored (%s)", id, k->group,
	      k->period, strerror(-rc));
	CHECK(r, same_value(v->value, k->v[k->n - 1]) && v->revision == k->n - 1,
	      "'%s' group '%s' period '%s': %g revision %u stored, %g revision %zu accepted", id,
	      k->group, k->period, v->value, v->revision, k->v[k->n - 1], k->n - 1);
	lanu__v1__indicator_value__free_unpacked(v, NULL);
	rc = store_ind_revisions(t, id, k->group, k->first_day, k->period, NULL, rev_cb, &x);
	CHECK(r, rc == 0 && !x.over && x.n == k->n - 1, "'%s' group '%s' period '%s': %zu "
	      "revisions, %zu wanted (%d)", id, k->group, k->period, x.n, k->n - 1, rc);
	for (size_t i = 0; i < x.n; i++)
		CHECK(r, same_value(x.v[i], k->v[i]), "'%s' group '%s' period '%s': revision %zu "
		      "is %g, not %g", id, k->group, k->period, i, x.v[i], k->v[i]);
}

/* Invariants 2 (every key if all, else none) and 3 (levels) and the alerts. */
static void
check_state(struct run *r, const struct mkey *touched, bool all)
{
	struct store_txn t;

	store_begin(fz.store, &t, STORE_RO);
	if (touched)
		check_key(r, &t, touched);
	for (size_t i = 0; all && i < r->n_keys; i++)
		check_key(r, &t, &r->keys[i]);
	for (size_t i = 0; i < r->n_groups; i++) {
		const struct mgroup *g = &r->groups[i];
		uint64_t seq;
		uint32_t level = store_ind_level(&t, minds[g->ind].id, g->group, &seq);

		CHECK(r, (int)level == g->level, "'%s' group '%s': level %u stored, %d wanted",
		      minds[g->ind].id, g->group, level, g->level);
	}
	store_abort(&t);
	check_alerts(r);
}

/* --- operations ------------------------------------------------------------------------ */

static void
trace(const struct run *r)
{
	if (fz.trace)
		fprintf(stderr, "op %u: %s\n", r->op, r->what);
}

/* The fields an IndicatorUpdated may be refused for, a bit each. */
enum {
	F_INDICATOR = 1, F_PERIOD = 2, F_AREA = 4, F_BREAKDOWN = 8, F_VALUE = 16,
	F_NUMERATOR = 32, F_DENOMINATOR = 64,
};
static const char *const field_names[] = {
	"event.indicator_updated.indicator", "event.indicator_updated.period",
	"event.indicator_updated.area", "event.indicator_updated.breakdown",
	"event.indicator_updated.value", "event.indicator_updated.numerator",
	"event.indicator_updated.denominator",
};

static unsigned
field_bit(const char *field)
{
	for (size_t i = 0; i < ELEMENTSOF(field_names); i++)
		if (strcmp(field, field_names[i]) == 0)
			return 1u << i;
	return 0;
}

static double
fuzz_value(uint8_t b)
{
	static const double specials[8] = { NAN, INFINITY, -INFINITY, -0.0, 100.0,
					    100.00000000000001, -1e-300, 1e308 };
	unsigned x = b & 63;

	switch (b >> 6) {
	case 0:
		return 40.0 + x;
	case 1:
		return 0.5 * x;
	case 2:
		return specials[x & 7];
	default:
		return 58.0 + 0.25 * x;
	}
}

/* The period a period byte names, its kind (which cadence it is of: C_*, or -1 for
 * none), its year and its month or term. */
static void
fuzz_period(uint8_t b, char out[PERIOD_LEN], int *c, int *y, int *k)
{
	int sub = b >> 5;

	*y = 2024 + ((b >> 3) & 3);
	*k = 0;
	*c = -1;
	switch (b & 7) {
	case 0: case 7:
		*c = C_YEARLY;
		break;
	case 1:
		*c = C_MONTHLY;
		*k = sub_months[sub];
		break;
	case 2:
		snprintf(out, PERIOD_LEN, "%04d-Q%d", *y, (sub & 3) + 1);
		return;
	case 3:
		snprintf(out, PERIOD_LEN, "%04d-H%d", *y, (sub & 1) + 1);
		return;
	case 4:
		*c = C_TERMLY;
		*k = sub & 1;
		break;
	case 5:
		snprintf(out, PERIOD_LEN, "%04d-%d", *y, sub + 1);
		return;
	default:
		snprintf(out, PERIOD_LEN, "%s", fuzz_garbage[sub]);
		return;
	}
	period_name(*c, *y, *k, out);
}

/* Is the new value of key k (indicator i, value v) its group's latest? Judges it as
 * indicator.c is to: the wanted alerts and the group's level. */
static void
model_judge(struct run *r, int i, struct mkey *k, double v, const char *area)
{
	const Lanu__V1__Indicator *ind = plan_ind(i);
	struct mgroup *g = model_group(r, i, k->group);
	double vals[32];
	int32_t firsts[32];
	size_t n = 0;
	int level;

	for (size_t j = 0; j < r->n_keys; j++)
		if (r->keys[j].ind == i && strcmp(r->keys[j].group, k->group) == 0 &&
		    r->keys[j].first > k->first)
			return;	/* an older period: stored, judges nothing */
	level = indicator_level(ind, v, g->level, ind->hysteresis ? ind->hysteresis->value : 0);
	if (level > g->level)
		want_value(want_add(r, K_THRESHOLD, ind->id, k->group, k->period), v,
			   area)->level = level;
	else if (level == 0 && g->level > 0)
		want_value(want_add(r, K_RESOLVED, ind->id, k->group, k->period), v, area);
	g->level = level;
	if (!ind->trend)
		return;
	/* the group's values, newest period first */
	for (size_t j = 0; j < r->n_keys && n < ELEMENTSOF(vals); j++) {
		const struct mkey *o = &r->keys[j];
		size_t at;

		if (o->ind != i || strcmp(o->group, k->group) != 0)
			continue;
		for (at = n; at > 0 && firsts[at - 1] < o->first; at--) {
			firsts[at] = firsts[at - 1];
			vals[at] = vals[at - 1];
		}
		firsts[at] = o->first;
		vals[at] = o->v[o->n - 1];
		n++;
	}
	if (n < ind->trend + 1)
		return;
	for (size_t j = 0; j < ind->trend; j++) {
		bool worse = ind->direction == LANU__V1__DIRECTION__DIRECTION_LOWER_IS_BETTER
				     ? vals[j] > vals[j + 1] : vals[j] < vals[j + 1];

		if (!worse)
			return;
	}
	{
		char key[GROUP_LEN + 48];

		snprintf(key, sizeof(key), "%s/%s/%s", ind->id, k->group, k->period);
		for (size_t j = 0; j < r->n_trends; j++)
			if (strcmp(r->trends[j], key) == 0)
				return;	/* once per period */
		CHECK(r, r->n_trends < ELEMENTSOF(r->trends), "too many trends");
		snprintf(r->trends[r->n_trends++], sizeof(r->trends[0]), "%s", key);
		want_value(want_add(r, K_TREND, ind->id, k->group, k->period), v, area);
	}
}

static void
op_indicator(struct run *r, struct input *in)
{
	static const char *const areas[8] = { NULL, NULL, "north", "south", "nowhere", "north",
					      "south", "" };
	static const char *const langs[4] = { NULL, "fi", "sv", "fi" };
	uint8_t ib = next_byte(in), pb = next_byte(in), gb = next_byte(in);
	uint8_t vb = next_byte(in), cb = next_byte(in);
	int i = fuzz_inds[ib & 7].ind, c, y, k;
	Lanu__V1__IndicatorUpdated m = LANU__V1__INDICATOR_UPDATED__INIT;
	Lanu__V1__IndicatorUpdated__BreakdownEntry ents[3], *entp[3];
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	const char *vals[3] = { NULL, NULL, NULL };	/* area, language, age */
	const char *area = areas[gb & 7];
	char period[PERIOD_LEN], group[GROUP_LEN], evid[32];
	unsigned faults = 0, got;
	struct msg_error e = { .field = "" };
	struct snapshot snap = fuzz_snap(r);
	struct store_txn t;
	struct mkey *key = NULL;
	uint64_t writes;
	int rc;

	fuzz_period(pb, period, &c, &y, &k);
	m.indicator = (char *)fuzz_inds[ib & 7].id;
	m.period = period;
	m.value = fuzz_value(vb);
	m.area = (char *)(area ? area : "");
	m.numerator = cb & 15;
	m.denominator = 2 * (cb >> 4);
	if (cb == 0xff)
		m.numerator = -1;
	else if (cb == 0xfe)
		m.denominator = NAN;
	else if (cb == 0xfd)
		m.numerator = INFINITY;
	m.provider = (char *)"fuzz";
	/* the breakdown map */
	if (langs[(gb >> 3) & 3]) {
		lanu__v1__indicator_updated__breakdown_entry__init(&ents[m.n_breakdown]);
		ents[m.n_breakdown].key = (char *)"language";
		ents[m.n_breakdown++].value = (char *)langs[(gb >> 3) & 3];
	}
	switch (gb >> 5) {
	case 3:
		lanu__v1__indicator_updated__breakdown_entry__init(&ents[m.n_breakdown]);
		ents[m.n_breakdown].key = (char *)"age";
		ents[m.n_breakdown++].value = (char *)"7-12";
		break;
	case 4:
		lanu__v1__indicator_updated__breakdown_entry__init(&ents[m.n_breakdown]);
		ents[m.n_breakdown].key = (char *)"colour";
		ents[m.n_breakdown++].value = (char *)"blue";
		break;
	case 5:
		lanu__v1__indicator_updated__breakdown_entry__init(&ents[m.n_breakdown]);
		ents[m.n_breakdown].key = (char *)"area";
		ents[m.n_breakdown++].value = (char *)"south";
		break;
	case 6:
		lanu__v1__indicator_updated__breakdown_entry__init(&ents[m.n_breakdown]);
		ents[m.n_breakdown].key = (char *)"language";
		ents[m.n_breakdown++].value = (char *)"fi";
		break;
	default:
		break;
	}
	for (size_t j = 0; j < m.n_breakdown; j++)
		entp[j] = &ents[j];
	m.breakdown = entp;
	snprintf(evid, sizeof(evid), "iu-%u", r->op);
	ev.event_id = evid;
	ev.producer = (char *)"fuzz";
	ev.occurred_at_ms = r->now_ms;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED;
	ev.indicator_updated = &m;

	/* what the doc says of it */
	if (i < 0 || !minds[i].reported) {
		faults |= F_INDICATOR;
	} else {
		const struct mind *mi = &minds[i];
		bool percent = mi->percent;

		if (c != mi->cadence && !(c == C_YEARLY && mi->cadence == C_BIENNIAL))
			faults |= F_PERIOD;
		vals[0] = *m.area ? m.area : NULL;
		for (size_t j = 0; j < m.n_breakdown; j++) {
			const char *kk = ents[j].key;
			int d = strcmp(kk, "area") == 0 ? 0 : strcmp(kk, "language") == 0 ? 1
				: strcmp(kk, "age") == 0 ? 2 : -1;

			if (d < 0) {
				faults |= F_BREAKDOWN;
				continue;
			}
			if (vals[d] && strcmp(vals[d], ents[j].value) != 0)
				faults |= F_BREAKDOWN;
			vals[d] = ents[j].value;
		}
		if (vals[0] && !(mi->dims & DIM_AREA))
			faults |= *m.area ? F_AREA | F_BREAKDOWN : F_BREAKDOWN;
		if (vals[0] && strcmp(vals[0], "north") != 0 && strcmp(vals[0], "south") != 0)
			faults |= F_AREA;
		if (vals[1] && !(mi->dims & DIM_LANG))
			faults |= F_BREAKDOWN;
		if (vals[2])
			faults |= F_BREAKDOWN;
		if (!isfinite(m.value) || (percent && (m.value < 0 || m.value > 100)))
			faults |= F_VALUE;
		if (!isfinite(m.numerator) || m.numerator < 0)
			faults |= F_NUMERATOR;
		if (!isfinite(m.denominator) || m.denominator < 0)
			faults |= F_DENOMINATOR;
		if (percent && m.numerator > m.denominator)
			faults |= F_NUMERATOR | F_DENOMINATOR;
	}
	{
		size_t used = 0;

		group[0] = '\0';
		for (size_t d = 0; d < 3; d++)
			if (vals[d])
				used += (size_t)snprintf(group + used, GROUP_LEN - used, "%s%s=%s",
							 used ? "," : "",
							 d == 0 ? "area" : d == 1 ? "language"
							 : "age", vals[d]);
	}
	snprintf(r->what, sizeof(r->what), "IndicatorUpdated '%s' '%s' area '%s' group '%s' "
		 "value %g %g/%g, faults %#x", m.indicator, period, m.area, group, m.value,
		 m.numerator, m.denominator, faults);
	trace(r);

	store_begin(fz.store, &t, STORE_RW);
	writes = t.writes;
	rc = indicator_on_updated(&snap, &t, &r->q, &ev, &e);
	if (faults) {
		got = field_bit(e.field);
		CHECK(r, rc == -EINVAL, "refused by the doc (faults %#x), answered %d", faults, rc);
		CHECK(r, got & faults, "refused naming '%s', not a field of its faults %#x",
		      e.field, faults);
		CHECK(r, t.writes == writes && r->q.n == 0, "refused, but wrote %" PRIu64
		      " and queued %zu alerts", t.writes - writes, r->q.n);
		store_abort(&t);
		check_state(r, NULL, false);
		return;
	}
	CHECK(r, rc == 0, "accepted by the doc, answered %d (%s: %s)", rc, e.field, e.reason);
	rc = store_commit(&t);
	CHECK(r, rc == 0, "commit: %s", strerror(-rc));
	alert_pubq_clear(&r->q);
	key = model_key(r, i, group, period, true);
	if (key->n == 0) {
		period_days(minds[i].cadence, y, k, &key->first, &(int32_t){ 0 });
		calendar_format_day(key->first, key->first_day);
	}
	key->v[key->n++] = m.value;
	model_judge(r, i, key, m.value, vals[0] ? vals[0] : "");
	check_state(r, key, false);
}

static void
op_measure(struct run *r, struct input *in)
{
	uint8_t mb = next_byte(in), db = next_byte(in);
	int mi = fuzz_measures[mb & 7].m, status = (mb >> 3) & 7;
	int32_t today = calendar_local_day(r->now_ms), day = today;
	Lanu__V1__MeasureStatusUpdated m = LANU__V1__MEASURE_STATUS_UPDATED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	struct msg_error e = { .field = "" };
	struct snapshot snap = fuzz_snap(r);
	const char *field = NULL;
	char date[16] = "", evid[32];
	struct store_txn t;
	uint64_t writes;
	int rc;

	switch (db >> 6) {
	case 1:
		day = today - (db & 63);
		calendar_format_day(day, date);
		break;
	case 2:
		day = today + 1 + (db & 63);
		calendar_format_day(day, date);
		field = "event.measure_status_updated.date";
		break;
	case 3:
		snprintf(date, sizeof(date), "%s", fuzz_bad_dates[db & 3]);
		field = "event.measure_status_updated.date";
		break;
	default:
		break;
	}
	if (status < 1 || status > 6)
		field = "event.measure_status_updated.status";
	if (mi < 0)
		field = "event.measure_status_updated.measure";
	m.measure = (char *)fuzz_measures[mb & 7].id;
	m.status = status;
	m.date = date;
	m.note = (char *)"fuzz";
	snprintf(evid, sizeof(evid), "ms-%u", r->op);
	ev.event_id = evid;
	ev.producer = (char *)"fuzz";
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED;
	ev.measure_status_updated = &m;
	snprintf(r->what, sizeof(r->what), "MeasureStatusUpdated '%s' status %d date '%s'",
		 m.measure, status, date);
	trace(r);
	store_begin(fz.store, &t, STORE_RW);
	writes = t.writes;
	rc = measure_on_status(&snap, &t, &ev, &e);
	if (field) {
		CHECK(r, rc == -EINVAL, "refused by the doc, answered %d", rc);
		/* a status 0/7 with another fault may be named for either */
		CHECK(r, strncmp(e.field, "event.measure_status_updated.", 29) == 0 &&
			 (strcmp(e.field, field) == 0 || mi >= 0),
		      "refused naming '%s', wanted '%s'", e.field, field);
		CHECK(r, t.writes == writes, "refused, but wrote");
		store_abort(&t);
		check_state(r, NULL, false);
		return;
	}
	CHECK(r, rc == 0, "accepted by the doc, answered %d (%s: %s)", rc, e.field, e.reason);
	rc = store_commit(&t);
	CHECK(r, rc == 0, "commit: %s", strerror(-rc));
	if (!r->msr_latest[mi] || day >= r->msr_latest_day[mi]) {	/* a day gone by: history */
		r->msr_latest[mi] = status;
		r->msr_latest_day[mi] = day;
	}
	{
		int yy, mm, dd;

		calendar_ymd(day, &yy, &mm, &dd);
		if (yy >= PLAN_FROM_YEAR && yy <= PLAN_TO_YEAR + 2)
			r->msr_year[mi][yy - PLAN_FROM_YEAR] = true;
	}
	check_state(r, NULL, false);
}

struct crossing {
	uint64_t from, to;
};

/* A watched period whose due instant the clock passed: stale if no group has a value. */
static void
stale_cb(struct run *r, int i, int y, int k, uint64_t due, void *arg)
{
	const struct crossing *x = arg;
	char period[PERIOD_LEN], key[PERIOD_LEN + 16];

	if (due <= x->from || due > x->to)
		return;
	period_name(minds[i].cadence, y, k, period);
	if (model_has_period(r, i, period))
		return;
	snprintf(key, sizeof(key), "%s/%s", minds[i].id, period);
	CHECK(r, !set_has(r->stale, r->n_stale, key), "stale %s due twice", key);
	CHECK(r, r->n_stale < ELEMENTSOF(r->stale), "too many stale");
	snprintf(r->stale[r->n_stale++], sizeof(r->stale[0]), "%s", key);
	want_add(r, K_STALE, minds[i].id, "", period)->not_before = due;
}

static void
op_advance(struct run *r, uint8_t b)
{
	static const char *const units[4] = { "hours", "days", "weeks", "months" };
	struct crossing x = { r->now_ms, 0 };
	unsigned v = b & 63;
	uint64_t span, next_i, next_m;
	bool more_i, more_m;
	struct store_txn t;
	int rc;

	switch (b >> 6) {
	case 0:
		span = (v + 1) * HOUR_MS;
		break;
	case 1:
		span = (v + 1) * DAY_MS;
		break;
	case 2:
		span = ((v & 15) + 1) * 7 * DAY_MS;
		break;
	default:
		span = ((v & 7) + 1) * 30 * DAY_MS;
		break;
	}
	snprintf(r->what, sizeof(r->what), "advance %" PRIu64 " %s", (uint64_t)(b >> 6 == 3 ? (v & 7) + 1 :
		 b >> 6 == 2 ? (v & 15) + 1 : v + 1), units[b >> 6]);
	trace(r);
	if (r->now_ms + span > END_MS)
		span = r->now_ms < END_MS ? END_MS - r->now_ms : 0;
	r->now_ms += span;
	x.to = r->now_ms;
	/* what is wanted: stale periods, overdue measures and reminders */
	for (size_t i = 0; i < ELEMENTSOF(minds); i++)
		watched_periods(r, (int)i, stale_cb, &x);
	for (size_t i = 0; i < ELEMENTSOF(mmeasures); i++) {
		const struct mmeasure *mm = &mmeasures[i];
		uint64_t od = calendar_day_start_ms(calendar_day(mm->to_y, mm->to_m, mm->to_d) + 1);
		int last = mm->to_y < PLAN_TO_YEAR ? mm->to_y : PLAN_TO_YEAR;

		if (od > r->load_ms && od > x.from && od <= x.to) {
			int s = r->msr_latest[i];
			bool settled = s == LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DONE ||
				       s == LANU__V1__MEASURE_STATUS__MEASURE_STATUS_ESTABLISHED;

			CHECK(r, !r->overdue[i], "overdue twice");
			if (!settled) {
				r->overdue[i] = true;
				struct want *w = want_add(r, K_OVERDUE, mm->id, NULL, NULL);

				w->not_before = od;
				w->board = mm->board_responsible || mm->board_monitoring;
			}
		}
		for (int y = mm->from_y; y <= last; y++) {
			uint64_t at = remind_at(y);
			char year[12];

			if (at <= r->load_ms || at <= x.from || at > x.to)
				continue;
			if (r->msr_year[i][y - PLAN_FROM_YEAR])
				continue;
			CHECK(r, !r->reminded[i][y - PLAN_FROM_YEAR], "reminded twice");
			r->reminded[i][y - PLAN_FROM_YEAR] = true;
			snprintf(year, sizeof(year), "%04d", y);
			{
				struct want *w = want_add(r, K_REMINDER, mm->id, NULL, year);

				w->not_before = at;
				w->board = mm->board_responsible;
			}
		}
	}
	/* fire until nothing is due, in small batches */
	do {
		struct snapshot snap = fuzz_snap(r);

		store_begin(fz.store, &t, STORE_RW);
		rc = indicator_watch(&snap, &t, &r->q, r->now_ms, FIRE_MAX, &more_i, &next_i);
		CHECK(r, rc == 0, "indicator_watch: %s", strerror(-rc));
		rc = measure_watch(&snap, &t, &r->q, r->now_ms, FIRE_MAX, &more_m, &next_m);
		CHECK(r, rc == 0, "measure_watch: %s", strerror(-rc));
		rc = store_commit(&t);
		CHECK(r, rc == 0, "commit: %s", strerror(-rc));
		alert_pubq_clear(&r->q);
	} while (more_i || more_m);
	CHECK(r, (!next_i || next_i > r->now_ms) && (!next_m || next_m > r->now_ms),
	      "a watch is still due after firing");
	store_begin(fz.store, &t, STORE_RO);
	next_i = indicator_next_at(&t);
	next_m = measure_next_at(&t);
	store_abort(&t);
	CHECK(r, (!next_i || next_i > r->now_ms) && (!next_m || next_m > r->now_ms),
	      "a watch is still due after firing (next_at)");
	check_state(r, NULL, false);
}

/* Is s a year as IndicatorQuery takes one ("" or four digits from 1900)? */
static bool
query_year(const char *s, int *y)
{
	if (!*s)
		return true;
	if (strlen(s) != 4 || strspn(s, "0123456789") != 4)
		return false;
	*y = atoi(s);
	return *y >= 1900;
}

static void
op_ind_query(struct run *r, struct input *in)
{
	static const char *const ids[8] = { "", "wb", "wait", "survey", "term", "comp", "nope",
					    "wb" };
	static const char *const bys[8] = { NULL, NULL, NULL, "area", "language", "colour",
					    "age", "area" };
	static const char *const years[8] = { "", "", "2025", "2026", "1800", "25", "abcd",
					      "2024" };
	uint8_t a = next_byte(in), b = next_byte(in);
	Lanu__V1__IndicatorQuery q = LANU__V1__INDICATOR_QUERY__INIT;
	Lanu__V1__IndicatorReport rep = LANU__V1__INDICATOR_REPORT__INIT;
	struct msg_error e = { .field = "" };
	struct snapshot snap = fuzz_snap(r);
	char *by[1];
	int from = 0, to = 9999, rc, ind = -1;
	bool valid = true;
	struct store_txn t;

	q.indicator = (char *)ids[a & 7];
	if (bys[(a >> 3) & 7]) {
		by[0] = (char *)bys[(a >> 3) & 7];
		q.by = by;
		q.n_by = 1;
		valid = strcmp(by[0], "colour") != 0;
	}
	q.from = (char *)years[b & 7];
	q.to = (char *)years[(b >> 3) & 7];
	q.revisions = b >> 7;
	if (strcmp(q.indicator, "nope") == 0)
		valid = false;
	if (!query_year(q.from, &from) || !query_year(q.to, &to))
		valid = false;
	for (size_t i = 0; i < ELEMENTSOF(minds); i++)
		if (strcmp(minds[i].id, q.indicator) == 0 && minds[i].reported)
			ind = (int)i;
	snprintf(r->what, sizeof(r->what), "IndicatorQuery '%s' by '%s' %s..%s%s", q.indicator,
		 q.n_by ? by[0] : "", q.from, q.to, q.revisions ? " revisions" : "");
	trace(r);
	store_begin(fz.store, &t, STORE_RO);
	rc = indicator_report(&snap, &t, &q, &fz.arena, &rep, &e);
	CHECK(r, rc == 0 || (rc == -EINVAL && *e.field), "answered %d field '%s'", rc, e.field);
	CHECK(r, (rc == 0) == valid, "answered %d (%s: %s), the doc says %s", rc, e.field,
	      e.reason, valid ? "valid" : "refused");
	if (rc == 0 && ind >= 0 && !q.n_by) {
		size_t n = 0;

		/* the model's whole values of ind within the years, by first day */
		for (size_t j = 0; j < r->n_keys; j++) {
			const struct mkey *k = &r->keys[j];
			int y = atoi(k->period);
			size_t before = 0;

			if (k->ind != ind || *k->group || y < from || y > to)
				continue;
			for (size_t l = 0; l < r->n_keys; l++) {
				const struct mkey *o = &r->keys[l];
				int oy = atoi(o->period);

				if (o->ind == ind && !*o->group && oy >= from && oy <= to &&
				    o->first < k->first)
					before++;
			}
			CHECK(r, before < rep.n_rows, "'%s' period %s: %zu rows", k->period,
			      minds[ind].id, rep.n_rows);
			{
				const Lanu__V1__IndicatorValue *v = rep.rows[before]->value;

				CHECK(r, strcmp(v->period, k->period) == 0 && !*v->group &&
					 same_value(v->value, k->v[k->n - 1]),
				      "row %zu is '%s' '%s' %g, wanted '%s' %g", before, v->group,
				      v->period, v->value, k->period, k->v[k->n - 1]);
				if (q.revisions) {
					const Lanu__V1__IndicatorRow *row = rep.rows[before];

					CHECK(r, row->n_replaced == k->n - 1, "row %zu: %zu "
					      "replaced, wanted %zu", before, row->n_replaced, k->n - 1);
					for (size_t l = 0; l < row->n_replaced; l++)
						CHECK(r, same_value(row->replaced[l]->value, k->v[l]),
						      "row %zu replaced %zu", before, l);
				}
			}
			n++;
		}
		CHECK(r, rep.n_rows == n, "%zu rows, the model has %zu", rep.n_rows, n);
	}
	store_abort(&t);
	arena_reset(&fz.arena);
}

static void
op_msr_query(struct run *r, uint8_t b)
{
	static const char *const goals[4] = { "", "g1", "g1a", "nope" };
	static const char *const statuses[8] = { "", "planned", "overdue", "none", "bogus",
						 "done", "started", "DONE" };
	Lanu__V1__MeasureQuery q = LANU__V1__MEASURE_QUERY__INIT;
	Lanu__V1__MeasureReport rep = LANU__V1__MEASURE_REPORT__INIT;
	struct msg_error e = { .field = "" };
	struct snapshot snap = fuzz_snap(r);
	struct store_txn t;
	int rc;

	q.goal = (char *)goals[b & 3];
	q.status = (char *)statuses[(b >> 2) & 7];
	q.history = b >> 7;
	snprintf(r->what, sizeof(r->what), "MeasureQuery goal '%s' status '%s'", q.goal,
		 q.status);
	trace(r);
	store_begin(fz.store, &t, STORE_RO);
	rc = measure_report(&snap, &t, &q, &fz.arena, &rep, &e);
	store_abort(&t);
	CHECK(r, rc == 0 || (rc == -EINVAL && *e.field), "answered %d field '%s'", rc, e.field);
	if (strcmp(q.goal, "nope") != 0 && strcmp(q.status, "bogus") != 0 &&
	    strcmp(q.status, "DONE") != 0)
		CHECK(r, rc == 0, "a query of known names answered %d (%s: %s)", rc, e.field,
		      e.reason);
	arena_reset(&fz.arena);
}

/* The same plan comes into force again (as version 2, at now, everything due fired):
 * the indicators' watches are kept (their cadence and due are as they were), the
 * measures' set from now on, which changes nothing that is to come. */
static void
op_reload(struct run *r)
{
	struct store_txn t;
	int rc;

	snprintf(r->what, sizeof(r->what), "the plan again");
	trace(r);
	store_begin(fz.store, &t, STORE_RW);
	rc = indicator_plan_watches(fz.plan, fz.index, 2, &t, r->now_ms);
	if (rc == 0)
		rc = measure_plan_watches(fz.plan, fz.index, 2, &t, r->now_ms);
	CHECK(r, rc == 0, "the watches: %s", strerror(-rc));
	rc = store_commit(&t);
	CHECK(r, rc == 0, "commit: %s", strerror(-rc));
	check_state(r, NULL, false);
}

static void
apply_op(struct run *r, struct input *in, uint8_t b)
{
	switch (b & 7) {
	case 0: case 1: case 2:
		op_indicator(r, in);
		break;
	case 3:
		op_measure(r, in);
		break;
	case 5:
		if (b & 8) {
			op_reload(r);
			break;
		}
		/* fall through */
	case 4:
		op_advance(r, next_byte(in));
		break;
	case 6:
		op_ind_query(r, in);
		break;
	default:
		op_msr_query(r, next_byte(in));
		break;
	}
}

/* --- set-up ---------------------------------------------------------------------------- */

static void
fuzz_remove_dir(void)
{
	char path[300];
	int rc = fuzz_store_unlink(fz.dir, path, sizeof(path));

	if (rc < 0)
		fuzz_fail(NULL, "unlink", "cannot remove %s: %s", path, strerror(-rc));
}

static void
fuzz_teardown(void)
{
	if (!fz.ready)
		return;
	fz.store = store_free(fz.store);
	arena_free(&fz.arena);
	fz.index = plan_index_free(fz.index);
	fz.calendars = calendar_set_free(fz.calendars);
	fz.plan = plan_free(fz.plan);
	fz.ready = false;
}

static void
fuzz_setup(void)
{
	struct plan_errors errs = { 0 };
	const char *base;
	int rc;

	if (setenv("TZ", "Europe/Helsinki", 1) < 0)
		fuzz_fail(NULL, "setenv", "cannot set TZ");
	tzset();
	log_set_level(LOG_ERR);
	fz.trace = getenv("LANU_FUZZ_TRACE") != NULL;
	rc = plan_parse("fuzz-indicator.yaml", plan_text, sizeof(plan_text) - 1, &fz.plan, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	plan_errors_free(&errs);
	CHECK(NULL, rc == 0, "the fuzzer's own plan is refused: %s", strerror(-rc));
	rc = plan_index_new(fz.plan, &fz.index);
	if (rc == 0)
		rc = calendar_set_new(fz.plan, &fz.calendars);
	CHECK(NULL, rc == 0, "the fuzzer's own plan does not compile: %s", strerror(-rc));
	rc = fuzz_store_dir(fz.dir, sizeof(fz.dir), "fuzz_indicator", &base);
	CHECK(NULL, rc == 0, "cannot make a directory in %s: %s", base, strerror(-rc));
	rc = store_open(fz.dir, FUZZ_MAP, FUZZ_MAP, &fz.store);
	CHECK(NULL, rc == 0, "cannot open a store in %s: %s", fz.dir, strerror(-rc));
	fuzz_remove_dir();
	arena_init(&fz.arena);
	fz.ready = true;
	atexit(fuzz_teardown);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };
	struct run *r = &fz.run;
	struct store_txn t;
	int rc;

	if (!fz.ready)
		fuzz_setup();
	memset(r, 0, sizeof(*r));
	rc = store_clear(fz.store);
	CHECK(NULL, rc == 0, "cannot empty the store: %s", strerror(-rc));
	r->load_ms = r->now_ms = T0_MS + 3 * DAY_MS * next_byte(&in);
	snprintf(r->what, sizeof(r->what), "plan in force");
	store_begin(fz.store, &t, STORE_RW);
	rc = indicator_plan_watches(fz.plan, fz.index, 1, &t, r->now_ms);
	if (rc == 0)
		rc = measure_plan_watches(fz.plan, fz.index, 1, &t, r->now_ms);
	CHECK(r, rc == 0, "the watches: %s", strerror(-rc));
	rc = store_commit(&t);
	CHECK(r, rc == 0, "commit: %s", strerror(-rc));
	while (in.i < in.n && r->op < FUZZ_OPS) {
		r->op++;
		apply_op(r, &in, next_byte(&in));
	}
	snprintf(r->what, sizeof(r->what), "end");
	check_state(r, NULL, true);
	alert_pubq_free(&r->q);
	return 0;
}
