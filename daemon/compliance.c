/*
 * compliance: how a service kept its limits, from its clocks (deadline.c).
 *
 * The report (compliance_report) counts the clocks that started in a period, by
 * stage and breakdown group, with their waits. It is worked out in an arena of its own
 * (on the stack while it is small) and handed over as one allocation (rows, their
 * strings and the report's), so that a report costs one malloc, not several per row.
 *
 * Compliance indicators: an indicator whose source is `compliance` of a service
 * (and stage) is the share of its clocks decided in the last 12 months (by the
 * month of the decision) that were met: a clock counts as not met when its miss
 * fires (or it is provided late without one), as met when provided in time, and
 * not at all when cancelled or postponed. Each breakdown the indicator asks for
 * (area, language group, age group) is kept as its own group besides the whole.
 * When the share falls below the warning threshold (or the target, if the plan
 * gives none) or the critical one, COMPLIANCE_BELOW_TARGET goes out once; it
 * takes a rise of the indicator's hysteresis (LANU_COMPLIANCE_HYSTERESIS points if
 * the plan gives none) above the threshold to clear it (RESOLVED), so a share that
 * wavers on a threshold does not flap: indicator_level(), the rule of every
 * indicator. Below LANU_COMPLIANCE_MIN_SAMPLE decided clocks the level stays as it
 * was. Each share computed is also the indicator's value for the month, in its
 * series (indicator_record()).
 */

#include "compliance.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "arena.h"
#include "calendar.h"
#include "indicator.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "msg.h"
#include "plan_index.h"
#include "store.h"

/* The month m months before "YYYY-MM" month, into out. */
static void
compliance_month_back(const char *month, int m, char out[8])
{
	int y = atoi(month), mo = atoi(month + 5) - 1 - m;

	while (mo < 0) {
		mo += 12;
		y--;
	}
	snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)(mo % 12) + 1u);
}

/* Raises the alert for a level change; *seq is the alert the level was set by (a
 * resolution goes to its recipients too) and becomes the one raised now. */
static int
compliance_indicator_alert(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			   const Lanu__V1__Indicator *ind, const char *group, const char *area,
			   int level, double v, uint64_t n, uint64_t now_ms, uint64_t *seq)
{
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
	char subject[LANU_MAX_NAME + 16];
	const char *svc = ind->source ? ind->source->service : "";
	int r;

	snprintf(subject, sizeof(subject), "indicator:%s", ind->id);
	if (level == INDICATOR_OK) {
		a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED;
		a.severity = LANU__V1__SEVERITY__SEVERITY_INFO;
		f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_COMPLIANCE_RECOVERED;
	} else {
		a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_COMPLIANCE_BELOW_TARGET;
		a.severity = level == INDICATOR_CRITICAL ? LANU__V1__SEVERITY__SEVERITY_CRITICAL
						     : LANU__V1__SEVERITY__SEVERITY_WARNING;
		f.text = level == INDICATOR_CRITICAL
				 ? LANU__V1__ALERT_FACTS__TEXT__TEXT_COMPLIANCE_CRITICAL
				 : LANU__V1__ALERT_FACTS__TEXT__TEXT_COMPLIANCE_WARNING;
	}
	f.value = v;
	f.count = n;
	f.group = (char *)group;
	a.subject = subject;
	a.indicator = ind->id;
	a.service = (char *)svc;
	a.area = (char *)area;
	a.facts = &f;
	a.raised_at_ms = now_ms;
	r = alert_raise_resolving(snap, t, q, &a, level == INDICATOR_OK ? *seq : 0);
	if (r < 0)
		return r;
	*seq = r == 1 ? a.seq : 0;
	return 0;
}

/* Re-judges one group of an indicator after its counts changed in month. */
static int
compliance_indicator_judge(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			   const Lanu__V1__Indicator *ind, const char *group, const char *area,
			   uint64_t now_ms)
{
	char to[11], from[8];
	uint64_t met, not_met, n, seq;
	int cur, level, r;
	double v;

	calendar_format_day(calendar_local_day(now_ms), to);
	to[7] = '\0';
	compliance_month_back(to, 11, from);
	r = store_comp_sum(t, ind->id, group, from, to, &met, &not_met);
	if (r < 0)
		return r == -EINVAL ? 0 : r;
	n = met + not_met;
	if (n == 0)
		return 0;
	v = 100.0 * (double)met / (double)n;
	indicator_record(t, ind, group, to, v, n, now_ms);	/* this month's point */
	if (n < LANU_COMPLIANCE_MIN_SAMPLE)
		return 0;
	cur = store_comp_level(t, ind->id, group, &seq);
	level = indicator_level(ind, v, cur, ind->hysteresis ? ind->hysteresis->value
							     : LANU_COMPLIANCE_HYSTERESIS);
	if (level == cur)
		return 0;
	/* Worse: told. Back to fine: resolved. Critical to warning: quietly. */
	if (level > cur || level == INDICATOR_OK) {
		r = compliance_indicator_alert(snap, t, q, ind, group, area, level, v, n, now_ms,
					       &seq);
		if (r < 0)
			return r;
	}
	store_comp_set_level(t, ind->id, group, level, seq);
	return t->err;
}

int
compliance_count(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		 const Lanu__V1__Clock *c, int met, int not_met, const char *day, uint64_t now_ms)
{
	char month[8];

	if (!snap->plan || c->postponed || strlen(day) < 7)
		return 0;
	memcpy(month, day, 7);
	month[7] = '\0';
	for (size_t i = 0; i < snap->plan->n_indicators; i++) {
		const Lanu__V1__Indicator *ind = snap->plan->indicators[i];
		const Lanu__V1__IndicatorSource *src = ind->source;
		char groups[4][3 * LANU_MAX_NAME + 16];
		size_t n = 0;
		int r;

		if (!src || src->kind != LANU__V1__INDICATOR_SOURCE__KIND__KIND_COMPLIANCE ||
		    strcmp(src->service, c->service) != 0 ||
		    (*src->stage && strcmp(src->stage, c->stage) != 0))
			continue;
		groups[n++][0] = '\0';
		for (size_t j = 0; j < ind->n_breakdown && n < ELEMENTSOF(groups); j++) {
			const char *name = NULL, *value = NULL;

			switch (ind->breakdown[j]) {
			case LANU__V1__DIMENSION__DIMENSION_AREA:
				name = "area", value = c->area;
				break;
			case LANU__V1__DIMENSION__DIMENSION_LANGUAGE_GROUP:
				name = "language", value = c->language_group;
				break;
			case LANU__V1__DIMENSION__DIMENSION_AGE_GROUP:
				name = "age", value = c->age_group;
				break;
			default:	/* grade, gender: not on a clock */
				break;
			}
			if (name && *value)
				snprintf(groups[n++], sizeof(groups[0]), "%s=%s", name, value);
		}
		for (size_t j = 0; j < n; j++) {
			store_comp_add(t, ind->id, groups[j], month, met, not_met);
			r = compliance_indicator_judge(snap, t, q, ind, groups[j],
						       strncmp(groups[j], "area=", 5) == 0 ? c->area
											   : "",
						     now_ms);
			if (r < 0 || t->err)
				return t->err ? t->err : r;
		}
	}
	return 0;
}

/* "2025", "2025-H1", "2025-Q3", "2025-03", "A..B" (dates), "" (everything). */
static int
compliance_period(const char *s, int32_t *ret_from, int32_t *ret_to)
{
	int y, n, len = 0;
	char c;

	if (!*s) {
		*ret_from = calendar_day(1900, 1, 1);
		*ret_to = calendar_day(9999, 12, 31);
		return 0;
	}
	if (strlen(s) == 22 && s[10] == '.' && s[11] == '.') {
		char a[11], b[11];

		memcpy(a, s, 10);
		a[10] = '\0';
		memcpy(b, s + 12, 11);
		if (calendar_parse_day(a, ret_from) < 0 || calendar_parse_day(b, ret_to) < 0 ||
		    *ret_to < *ret_from)
			return -EINVAL;
		return 0;
	}
	if (sscanf(s, "%4d%n", &y, &len) != 1 || len != 4 || y < 1900 || y > 9999)
		return -EINVAL;
	if (!s[4]) {
		*ret_from = calendar_day(y, 1, 1);
		*ret_to = calendar_day(y, 12, 31);
		return 0;
	}
	if (s[4] != '-')
		return -EINVAL;
	if ((s[5] == 'H' || s[5] == 'Q') && s[6] >= '1' && s[6] <= '4' && !s[7]) {
		c = s[5];
		n = s[6] - '0';
		if (c == 'H' && n > 2)
			return -EINVAL;
		int months = c == 'H' ? 6 : 3;
		int first = (n - 1) * months + 1;

		*ret_from = calendar_day(y, first, 1);
		*ret_to = calendar_day(y, first + months, 1) - 1;
		return 0;
	}
	if (sscanf(s + 5, "%2d%n", &n, &len) == 1 && len == 2 && !s[7] && n >= 1 && n <= 12) {
		*ret_from = calendar_day(y, n, 1);
		*ret_to = calendar_day(y, n + 1, 1) - 1;
		return 0;
	}
	return -EINVAL;
}

enum { BY_AREA = 1, BY_LANGUAGE = 2, BY_AGE = 4, BY_URGENCY = 8 };

#define COMPLIANCE_ARENA_CHUNK (16u << 10)	/* rows and waits past the first few */
#define COMPLIANCE_ARENA_BUF	(4u << 10)	/* the first few, on the stack */

/* In the report's arena, as everything below. */
struct waits {
	double *v;
	size_t n, cap;
};

struct crow {
	Lanu__V1__ComplianceRow row;	/* its stage and group are in the arena */
	struct waits working, days;
};

struct comp_ctx {
	const struct snapshot *snap;
	unsigned by;
	uint64_t now_ms;
	struct arena arena;
	struct crow *rows;
	size_t n, cap;
};

static int
compliance_wait_add(struct arena *a, struct waits *w, double v)
{
	if (arena_grow(a, (void **)&w->v, w->n, &w->cap, sizeof(*w->v), 16) < 0)
		return -ENOMEM;
	w->v[w->n++] = v;
	return 0;
}

static int
compliance_double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median (the mean of the middle two for an even count) and the 90th
 * percentile (nearest rank); -1 if there are none. */
static void
compliance_percentiles(struct waits *w, double *ret_median, double *ret_p90)
{
	size_t n = w->n;

	if (n == 0) {
		*ret_median = *ret_p90 = -1;
		return;
	}
	qsort(w->v, n, sizeof(*w->v), compliance_double_cmp);
	*ret_median = n % 2 ? w->v[n / 2] : (w->v[n / 2 - 1] + w->v[n / 2]) / 2;
	*ret_p90 = w->v[(size_t)ceil(0.9 * (double)n) - 1];
}

static char *
compliance_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);

	return p ? memcpy(p, s, n) : NULL;
}

static struct crow *
compliance_row(struct comp_ctx *x, const char *stage, const char *group)
{
	struct crow *r;

	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->rows[i].row.stage, stage) == 0 &&
		    strcmp(x->rows[i].row.group, group) == 0)
			return &x->rows[i];
	if (arena_grow(&x->arena, (void **)&x->rows, x->n, &x->cap, sizeof(*x->rows), 8) < 0)
		return NULL;
	r = &x->rows[x->n];
	memset(r, 0, sizeof(*r));
	lanu__v1__compliance_row__init(&r->row);
	r->row.stage = compliance_strdup(&x->arena, stage);
	r->row.group = compliance_strdup(&x->arena, group);
	if (!r->row.stage || !r->row.group)
		return NULL;
	x->n++;
	return r;
}

static void
compliance_group_add(char *buf, size_t size, const char *name, const char *value)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s=%s", n ? "," : "", name, *value ? value : "-");
}

static int
compliance_clock_cb(Lanu__V1__Clock *c, void *arg)
{
	struct comp_ctx *x = arg;
	char group[4 * LANU_MAX_NAME + 64] = "";
	const struct calendar *cal;
	int32_t start, end;
	struct crow *r;

	if (c->state == LANU__V1__CLOCK__STATE__STATE_EARLY)
		return 0;
	if (x->by & BY_AREA)
		compliance_group_add(group, sizeof(group), "area", c->area);
	if (x->by & BY_LANGUAGE)
		compliance_group_add(group, sizeof(group), "language", c->language_group);
	if (x->by & BY_AGE)
		compliance_group_add(group, sizeof(group), "age", c->age_group);
	if (x->by & BY_URGENCY)
		compliance_group_add(group, sizeof(group), "urgency",
				     c->urgency == LANU__V1__URGENCY__URGENCY_URGENT ? "urgent"
										      : "normal");
	if (!(r = compliance_row(x, c->stage, group)))
		return -ENOMEM;
	r->row.opened++;
	if (c->postponed) {
		r->row.postponed++;
		return 0;
	}
	switch (c->state) {
	case LANU__V1__CLOCK__STATE__STATE_OPEN:
		if (x->now_ms > c->due_at_ms)
			r->row.missed++;
		else
			r->row.pending++;
		return 0;
	case LANU__V1__CLOCK__STATE__STATE_CANCELLED:
		r->row.cancelled++;
		return 0;
	case LANU__V1__CLOCK__STATE__STATE_MET:
		r->row.met++;
		break;
	case LANU__V1__CLOCK__STATE__STATE_LATE:
		r->row.late++;
		break;
	default:
		return 0;
	}
	cal = calendar_get(x->snap->calendars, c->calendar);
	if (!cal)
		cal = calendar_get(x->snap->calendars, CALENDAR_NATIONAL);
	if (calendar_parse_day(c->start_day, &start) < 0)
		return 0;
	end = calendar_local_day(c->closed_at_ms);
	if (end < start)
		end = start;
	if (compliance_wait_add(&x->arena, &r->days, end - start) < 0 ||
	    compliance_wait_add(&x->arena, &r->working,
				(double)calendar_working_days_between(cal, start, end)) < 0)
		return -ENOMEM;
	return 0;
}

/* Copies s to *p and moves *p past it. */
static char *
compliance_put(char **p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *at = memcpy(*p, s, n);

	*p += n;
	return at;
}

/* The report of x's rows into rep: one allocation that holds the row pointers, the
 * rows, their strings and the report's (which compliance_report_clear() frees). */
static int
compliance_hand_over(struct comp_ctx *x, const char *service, const char *from, const char *to,
		     Lanu__V1__ComplianceReport *rep)
{
	size_t size = x->n * (sizeof(*rep->rows) + sizeof(**rep->rows)) + strlen(service) +
		      strlen(from) + strlen(to) + 3;
	Lanu__V1__ComplianceRow **ptrs, *rows;
	char *p;

	for (size_t i = 0; i < x->n; i++)
		size += strlen(x->rows[i].row.stage) + strlen(x->rows[i].row.group) + 2;
	if (!(ptrs = malloc(size)))
		return -ENOMEM;
	rows = (Lanu__V1__ComplianceRow *)(ptrs + x->n);
	p = (char *)(rows + x->n);
	for (size_t i = 0; i < x->n; i++) {
		rows[i] = x->rows[i].row;
		rows[i].stage = compliance_put(&p, x->rows[i].row.stage);
		rows[i].group = compliance_put(&p, x->rows[i].row.group);
		ptrs[i] = &rows[i];
	}
	rep->rows = ptrs;
	rep->n_rows = x->n;
	rep->service = compliance_put(&p, service);
	rep->from = compliance_put(&p, from);
	rep->to = compliance_put(&p, to);
	return 0;
}

/* --- THL's half-year figures ------------------------------------------------------ */

#define THL_ROWS_MAX 256	/* service stages in one report */

struct thl {
	const char *service;
	uint64_t end_ms;		/* the end of the half-year's last day */
	int32_t from, to;		/* its days */
	Lanu__V1__ComplianceThlRow rows[THL_ROWS_MAX];
	char stages[THL_ROWS_MAX][LANU_MAX_NAME + 1];	/* the rows' (a clock's is the scan's) */
	size_t n;
};

static Lanu__V1__ComplianceThlRow *
compliance_thl_row(struct thl *x, const char *stage)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->rows[i].service, x->service) == 0 &&
		    strcmp(x->rows[i].stage, stage) == 0)
			return &x->rows[i];
	if (x->n == THL_ROWS_MAX)
		return NULL;
	lanu__v1__compliance_thl_row__init(&x->rows[x->n]);
	snprintf(x->stages[x->n], sizeof(x->stages[0]), "%s", stage);
	x->rows[x->n].service = (char *)x->service;
	x->rows[x->n].stage = x->stages[x->n];
	return &x->rows[x->n++];
}

static int
compliance_thl_cb(Lanu__V1__Clock *c, void *arg)
{
	struct thl *x = arg;
	Lanu__V1__ComplianceThlRow *r;
	int32_t start, closed;
	bool open_at_end;

	if (c->state == LANU__V1__CLOCK__STATE__STATE_EARLY ||
	    calendar_parse_day(c->start_day, &start) < 0 || start > x->to)
		return 0;
	if (!(r = compliance_thl_row(x, c->stage)))
		return -E2BIG;
	if (start >= x->from)
		r->became_pending++;
	if (c->postponed)
		return 0;	/* put off at the family's request: apart, as in the report */
	closed = c->closed_at_ms ? calendar_local_day(c->closed_at_ms) : 0;
	if (c->closed_at_ms && closed >= x->from && closed <= x->to) {
		if (c->state == LANU__V1__CLOCK__STATE__STATE_MET)
			r->decided_in_time++;
		else if (c->state == LANU__V1__CLOCK__STATE__STATE_LATE)
			r->decided_late++;
	}
	open_at_end = c->state == LANU__V1__CLOCK__STATE__STATE_OPEN || c->closed_at_ms > x->end_ms;
	if (open_at_end && c->due_at_ms < x->end_ms &&
	    c->state != LANU__V1__CLOCK__STATE__STATE_CANCELLED)
		r->open_past_limit++;
	return 0;
}

static int
compliance_thl(const struct snapshot *snap, struct store_txn *t, const Lanu__V1__ComplianceQuery *q,
	       Lanu__V1__ComplianceReport *rep, struct msg_error *e)
{
	struct thl *x;
	Lanu__V1__ComplianceThlRow **ptrs, *rows;
	char from[11], to[11], *p;
	size_t size;
	int r = 0;

	if (strlen(q->period) != 7 || q->period[4] != '-' || q->period[5] != 'H' ||
	    compliance_period(q->period, &(int32_t){ 0 }, &(int32_t){ 0 }) < 0) {
		msg_errorf(e, "compliance.period", "THL's figures are by half-year: '%s' is not one "
			   "(expected e.g. 2025-H1)", q->period);
		return -EINVAL;
	}
	if (q->n_by) {
		msg_errorf(e, "compliance.by", "THL's figures are per service and stage, not by "
			   "group");
		return -EINVAL;
	}
	if (*q->service && !(snap->index && plan_index_service(snap->index, q->service))) {
		msg_errorf(e, "compliance.service", "'%s' is not a service of the plan in force",
			   q->service);
		return -EINVAL;
	}
	if (!(x = calloc(1, sizeof(*x))))
		return -ENOMEM;
	compliance_period(q->period, &x->from, &x->to);
	x->end_ms = calendar_day_end_ms(x->to);
	calendar_format_day(x->from, from);
	calendar_format_day(x->to, to);
	for (size_t i = 0; r == 0 && snap->plan && i < snap->plan->n_services; i++) {
		const Lanu__V1__Service *s = snap->plan->services[i];

		if (*q->service && strcmp(q->service, s->id) != 0)
			continue;
		x->service = s->id;
		r = store_clock_scan_service(t, s->id, "0000-01-01", to, compliance_thl_cb, x);
	}
	if (r == -E2BIG) {
		msg_errorf(e, "compliance.service", "more than %d service stages: name one service",
			   THL_ROWS_MAX);
		r = -EINVAL;
	}
	/* Handed over as one allocation, as the report's rows are (compliance_report_clear). */
	size = x->n * (sizeof(*ptrs) + sizeof(*rows)) + strlen(from) + strlen(to) + 2 + 1;
	for (size_t i = 0; r == 0 && i < x->n; i++)
		size += strlen(x->rows[i].service) + strlen(x->rows[i].stage) + 2;
	if (r == 0 && !(ptrs = malloc(size)))
		r = -ENOMEM;
	if (r == 0) {
		rows = (Lanu__V1__ComplianceThlRow *)(ptrs + x->n);
		p = (char *)(rows + x->n);
		for (size_t i = 0; i < x->n; i++) {
			rows[i] = x->rows[i];
			rows[i].service = compliance_put(&p, x->rows[i].service);
			rows[i].stage = compliance_put(&p, x->rows[i].stage);
			ptrs[i] = &rows[i];
		}
		rep->from = compliance_put(&p, from);
		rep->to = compliance_put(&p, to);
		rep->service = compliance_put(&p, "");
		rep->thl = ptrs;
		rep->n_thl = x->n;
	}
	free(x);
	return r;
}

int
compliance_report(const struct snapshot *snap, struct store_txn *t,
		  const Lanu__V1__ComplianceQuery *q, Lanu__V1__ComplianceReport *rep,
		  struct msg_error *e)
{
	const uint64_t now_ms = snap->now_ms;
	static const struct {
		const char *name;
		unsigned bit;
	} dims[] = { { "area", BY_AREA }, { "language", BY_LANGUAGE }, { "age", BY_AGE },
		     { "urgency", BY_URGENCY } };
	struct comp_ctx x = { .snap = snap, .now_ms = now_ms };
	unsigned char buf[COMPLIANCE_ARENA_BUF];
	char from[11], to[11];
	int32_t f, l;
	int r;

	if (q->thl)
		return compliance_thl(snap, t, q, rep, e);	/* "" is every service */
	if (!*q->service) {
		msg_errorf(e, "compliance.service", "is required");
		return -EINVAL;
	}
	if (compliance_period(q->period, &f, &l) < 0) {
		msg_errorf(e, "compliance.period", "'%s' is not a period (expected e.g. 2025, "
			   "2025-H1, 2025-Q2, 2025-03 or 2025-01-01..2025-06-30)", q->period);
		return -EINVAL;
	}
	for (size_t i = 0; i < q->n_by; i++) {
		size_t j;

		for (j = 0; j < ELEMENTSOF(dims) && strcmp(q->by[i], dims[j].name) != 0; j++)
			;
		if (j == ELEMENTSOF(dims)) {
			msg_errorf(e, "compliance.by", "'%s' is not a breakdown (expected area, "
				   "language, age or urgency)", q->by[i]);
			return -EINVAL;
		}
		x.by |= dims[j].bit;
	}
	calendar_format_day(f, from);
	calendar_format_day(l, to);
	arena_init_buf(&x.arena, COMPLIANCE_ARENA_CHUNK, buf, sizeof(buf));
	r = store_clock_scan_service(t, q->service, from, to, compliance_clock_cb, &x);
	for (size_t i = 0; r == 0 && i < x.n; i++) {
		struct crow *c = &x.rows[i];
		Lanu__V1__ComplianceRow *row = &c->row;
		uint64_t judged = row->met + row->late + row->missed;

		row->share_met = judged ? (double)row->met / (double)judged : -1;
		compliance_percentiles(&c->working, &row->wait_median_working_days,
				       &row->wait_p90_working_days);
		compliance_percentiles(&c->days, &row->wait_median_days, &row->wait_p90_days);
	}
	if (r == 0)
		r = compliance_hand_over(&x, q->service, from, to, rep);
	arena_free(&x.arena);
	return r;
}

void
compliance_report_clear(Lanu__V1__ComplianceReport *rep)
{
	free(rep->rows);	/* and with them their strings and the report's */
	free(rep->thl);
	lanu__v1__compliance_report__init(rep);
}
