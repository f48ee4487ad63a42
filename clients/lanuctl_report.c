/*
 * lanuctl report: the yearly welfare report for the council (docs/indicators.md), built
 * only from lanud's queries: the plan in force (its goals, sub-goals and measures, in its
 * own order), the measures' latest statuses and the overdue ones, the indicators' series
 * over the plan's years and their breakdown groups in the year, each service's access
 * limits kept per half-year, and the alerts raised in the year with how fast they were
 * acknowledged. Written as one self-contained HTML file (inline CSS and SVG, nothing
 * fetched), as Markdown with the same sections, or as CSV (the indicators' values).
 * Everything is asked first; only then is the file written, atomically with -o.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "ctl.h"
#include "lanu/macro.h"

enum report_format { FORMAT_HTML, FORMAT_CSV, FORMAT_MD };

/* The words of the report's own headings and labels, in fi, sv and en. */
enum word {
	W_TITLE, W_PLAN, W_PERIOD_OF_PLAN, W_CONTENTS, W_GOALS, W_MEASURE, W_STATUS,
	W_SCHEDULE, W_ACTORS, W_MONITORING, W_NOTE, W_INDICATORS, W_PERIOD, W_VALUE, W_TARGET,
	W_GROUP, W_SERVICES, W_STAGE, W_OPENED, W_MET, W_LATE, W_MISSED, W_PENDING, W_SHARE,
	W_MEDIAN_WAIT, W_OVERDUE, W_ALERTS, W_KIND, W_SEVERITY, W_COUNT, W_ACK_MEDIAN,
	W_ACK_P90, W_UNACKED, W_NO_VALUES, W_BREAKDOWN, W_HISTORY, W_ALL, W_TOTAL,
	W_BY_AREA, W_BY_LANGUAGE, W_NO_STATUS, W_NO_OVERDUE, W_NO_ALERTS, W_ALERTS_NOTE,
	W_GOAL_IND, W_CHART, W_DAYS_UNIT, W_MEASURES_OVERDUE, W_MADE, W_SINCE, W_GOAL,
	W_NO_CLOCKS,
	W_COUNT_
};

static const char *const words[W_COUNT_][3] = {
	/*                 fi                          sv                          en */
	[W_TITLE] = { "Lasten ja nuorten hyvinvointiraportti", "Välfärdsrapport för barn och unga",
		      "Welfare report on children and young people" },
	[W_PLAN] = { "Suunnitelma", "Planen", "Plan" },
	[W_PERIOD_OF_PLAN] = { "Suunnitelmakausi", "Planperiod", "Plan period" },
	[W_CONTENTS] = { "Sisältö", "Innehåll", "Contents" },
	[W_GOALS] = { "Tavoitteet ja toimenpiteet", "Mål och åtgärder", "Goals and measures" },
	[W_MEASURE] = { "Toimenpide", "Åtgärd", "Measure" },
	[W_STATUS] = { "Tila", "Status", "Status" },
	[W_SCHEDULE] = { "Aikataulu", "Tidtabell", "Schedule" },
	[W_ACTORS] = { "Toimijat", "Aktörer", "Actors" },
	[W_MONITORING] = { "Seurannasta vastaa", "Uppföljning", "Monitoring" },
	[W_NOTE] = { "Seuranta", "Anmärkning", "Monitoring note" },
	[W_INDICATORS] = { "Mittarit", "Indikatorer", "Indicators" },
	[W_PERIOD] = { "Jakso", "Period", "Period" },
	[W_VALUE] = { "Arvo", "Värde", "Value" },
	[W_TARGET] = { "Tavoite", "Mål", "Target" },
	[W_GROUP] = { "Ryhmä", "Grupp", "Group" },
	[W_SERVICES] = { "Palvelujen määräajat", "Tjänsternas tidsfrister",
			 "Access limits of services" },
	[W_STAGE] = { "Vaihe", "Skede", "Stage" },
	[W_OPENED] = { "Alkaneet", "Inledda", "Opened" },
	[W_MET] = { "Ajallaan", "I tid", "Met" },
	[W_LATE] = { "Myöhässä", "Sent", "Late" },
	[W_MISSED] = { "Ylittyneet", "Överskridna", "Missed" },
	[W_PENDING] = { "Kesken", "Pågående", "Pending" },
	[W_SHARE] = { "Ajallaan %", "I tid %", "Met %" },
	[W_MEDIAN_WAIT] = { "Odotus, mediaani (työpv)", "Väntan, median (arbetsd.)",
			    "Median wait (working days)" },
	[W_OVERDUE] = { "myöhässä", "försenad", "overdue" },
	[W_ALERTS] = { "Hälytykset", "Larm", "Alerts" },
	[W_KIND] = { "Laji", "Typ", "Kind" },
	[W_SEVERITY] = { "Vakavuus", "Allvarlighet", "Severity" },
	[W_COUNT] = { "Määrä", "Antal", "Count" },
	[W_ACK_MEDIAN] = { "Kuittaus, mediaani", "Kvittering, median", "Median to acknowledge" },
	[W_ACK_P90] = { "Kuittaus, 90 %", "Kvittering, 90 %", "90th percentile to acknowledge" },
	[W_UNACKED] = { "Kuittaamatta", "Okvitterade", "Unacknowledged" },
	[W_NO_VALUES] = { "Ei arvoja", "Inga värden", "No values" },
	[W_BREAKDOWN] = { "Ryhmittäin", "Per grupp", "By group" },
	[W_HISTORY] = { "Kehitys", "Utveckling", "History" },
	[W_ALL] = { "kaikki", "alla", "all" },
	[W_TOTAL] = { "Yhteensä", "Totalt", "Total" },
	[W_BY_AREA] = { "alueittain", "per område", "by area" },
	[W_BY_LANGUAGE] = { "kieliryhmittäin", "per språkgrupp", "by language" },
	[W_NO_STATUS] = { "ei tilaa", "ingen status", "no status" },
	[W_NO_OVERDUE] = { "Ei myöhässä olevia toimenpiteitä.", "Inga försenade åtgärder.",
			   "No measure is overdue." },
	[W_NO_ALERTS] = { "Ei hälytyksiä vuonna", "Inga larm år", "No alerts in" },
	[W_ALERTS_NOTE] = { "Hälytykset, jotka nousivat vuonna (Suomen aikaa):",
			    "Larm som utlöstes år (finsk tid):",
			    "Alerts raised in (Finnish time):" },
	[W_GOAL_IND] = { "Mittarit", "Indikatorer", "Indicators" },
	[W_CHART] = { "Kaavio", "Diagram", "Chart" },
	[W_DAYS_UNIT] = { "vrk", "d", "d" },
	[W_MEASURES_OVERDUE] = { "Myöhässä olevat toimenpiteet", "Försenade åtgärder",
				 "Measures overdue" },
	[W_MADE] = { "Laadittu", "Sammanställd", "Made" },
	[W_SINCE] = { "alkaen", "sedan", "since" },
	[W_GOAL] = { "Tavoite", "Mål", "Goal" },
	[W_NO_CLOCKS] = { "Ei jaksolla alkaneita asioita.",
			  "Inga ärenden inledda under perioden.",
			  "No cases started in the period." },
};

static const char *const status_words[][3] = {
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_NOT_STARTED] = { "suunniteltu", "planerad",
								    "planned" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_IN_PROGRESS] = { "aloitettu", "påbörjad",
								    "started" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_PILOTED] = { "pilotoitu", "testad", "piloted" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_ESTABLISHED] = { "vakiintunut", "etablerad",
								    "established" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DONE] = { "toteutettu", "genomförd", "done" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DROPPED] = { "luovuttu", "slopad", "dropped" },
};

/* An indicator value's status: its class (CSS, CSV) and its word in each language. */
enum level { LEVEL_OK, LEVEL_WARNING, LEVEL_CRITICAL, LEVEL_TRACKED };
static const char *const level_class[] = { "ok", "warning", "critical", "tracked" };
static const char *const level_words[][3] = {
	{ "hyvä", "bra", "ok" },
	{ "varoitus", "varning", "warning" },
	{ "kriittinen", "kritisk", "critical" },
	{ "seurattava", "följs", "tracked" },
};

/* The dimensions of breakdown groups: the plan's enum and IndicatorQuery's word. */
static const char *const dimension_by[] = {
	[LANU__V1__DIMENSION__DIMENSION_AREA] = "area",
	[LANU__V1__DIMENSION__DIMENSION_LANGUAGE_GROUP] = "language",
	[LANU__V1__DIMENSION__DIMENSION_AGE_GROUP] = "age",
	[LANU__V1__DIMENSION__DIMENSION_GRADE] = "grade",
	[LANU__V1__DIMENSION__DIMENSION_GENDER] = "gender",
};

/* Their words in the report, fi, sv, en. */
static const char *const dimension_words[][3] = {
	[LANU__V1__DIMENSION__DIMENSION_AREA] = { "alue", "område", "area" },
	[LANU__V1__DIMENSION__DIMENSION_LANGUAGE_GROUP] = { "kieliryhmä", "språkgrupp",
							     "language" },
	[LANU__V1__DIMENSION__DIMENSION_AGE_GROUP] = { "ikäryhmä", "åldersgrupp", "age" },
	[LANU__V1__DIMENSION__DIMENSION_GRADE] = { "luokka", "årskurs", "grade" },
	[LANU__V1__DIMENSION__DIMENSION_GENDER] = { "sukupuoli", "kön", "gender" },
};

/* One alert of the year, as counted. */
struct year_alert {
	uint64_t seq;
	int kind, severity;
	uint64_t raised_ms;
	uint64_t ack_ms;	/* 0: not acknowledged */
};

/* One service's compliance in one half-year: the whole, by area, by language. */
struct compliance {
	const Lanu__V1__Service *service;
	char period[16];
	Lanu__V1__Reply *whole, *area, *language;
};

struct report {
	struct ctl *x;
	int lang;		/* 0 fi, 1 sv, 2 en */
	int year;
	enum report_format format;
	FILE *out;
	Lanu__V1__Reply *plan_rep;
	const Lanu__V1__Plan *plan;
	int first_year, last_year;
	Lanu__V1__Reply *series;	/* every indicator, the whole, the plan's years */
	Lanu__V1__Reply *groups[ELEMENTSOF(dimension_by)];	/* by one dimension, the year */
	Lanu__V1__Reply *measures, *overdue;
	struct compliance *comp;
	size_t n_comp;
	struct year_alert *alerts;
	size_t n_alerts, cap_alerts;
};

static const char *
w(const struct report *r, enum word k)
{
	return words[k][r->lang];
}

/* A plan text in the report's language, else fi, else en, else sv; "" for none. */
static const char *
text(const struct report *r, const Lanu__V1__Text *t)
{
	const char *s;

	if (!t)
		return "";
	s = r->lang == 0 ? t->fi : r->lang == 1 ? t->sv : t->en;
	return *s ? s : *t->fi ? t->fi : *t->en ? t->en : t->sv;
}

/* --- output helpers ------------------------------------------------------------------ */

/* HTML-escaped text. */
static void
esc(const struct report *r, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", r->out); break;
		case '<': fputs("&lt;", r->out); break;
		case '>': fputs("&gt;", r->out); break;
		case '"': fputs("&quot;", r->out); break;
		case '\'': fputs("&#39;", r->out); break;
		default: fputc(*s, r->out);
		}
	}
}

/* Markdown-escaped text on one line (table cells too). */
static void
md(const struct report *r, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r')
			fputc(' ', r->out);
		else if (strchr("\\`*_[]<>|#", *s))
			fprintf(r->out, "\\%c", *s);
		else
			fputc(*s, r->out);
	}
}

/* Text in the format's escaping (HTML or Markdown). */
static void
put(const struct report *r, const char *s)
{
	if (r->format == FORMAT_HTML)
		esc(r, s);
	else
		md(r, s);
}

/* A number as people read it: no trailing zeros, at most 2 decimals. */
static void
number(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f", v);
	for (char *p = buf + strlen(buf) - 1; p > buf && (*p == '0' || *p == '.'); p--) {
		char c = *p;

		*p = '\0';
		if (c == '.')
			break;
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, len, "0");
}

/* A span of milliseconds: "45 min", "3.5 h", "2.1 d". */
static void
span(const struct report *r, double ms, char *buf, size_t len)
{
	double min = ms / 60000.0;

	if (min < 90)
		snprintf(buf, len, "%.0f min", min);
	else if (min < 48 * 60)
		snprintf(buf, len, "%.1f h", min / 60);
	else
		snprintf(buf, len, "%.1f %s", min / 1440, w(r, W_DAYS_UNIT));
}

/* --- the plan ------------------------------------------------------------------------ */

static const Lanu__V1__Indicator *
plan_indicator(const struct report *r, const char *id)
{
	for (size_t i = 0; i < r->plan->n_indicators; i++)
		if (strcmp(r->plan->indicators[i]->id, id) == 0)
			return r->plan->indicators[i];
	return NULL;
}

static const char *
recipient_name(const struct report *r, const char *id)
{
	for (size_t i = 0; i < r->plan->n_recipients; i++)
		if (strcmp(r->plan->recipients[i]->id, id) == 0)
			return *text(r, r->plan->recipients[i]->name) ?
				       text(r, r->plan->recipients[i]->name) : id;
	return id;
}

static const Lanu__V1__Area *
find_area(const Lanu__V1__Area *const *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__Area *a = strcmp(v[i]->id, id) == 0 ? v[i]
				       : find_area((const Lanu__V1__Area *const *)v[i]->areas,
						   v[i]->n_areas, id);

		if (a)
			return a;
	}
	return NULL;
}

/* A breakdown group as people read it: "area=north,language=sv" as "North, sv". */
static void
group_label(const struct report *r, const char *group, char *buf, size_t len)
{
	char tmp[512], *s = tmp;
	size_t used = 0;

	snprintf(tmp, sizeof(tmp), "%s", group);
	buf[0] = '\0';
	for (char *item; (item = strsep(&s, ",")) && used < len;) {
		char *v = strchr(item, '=');
		const Lanu__V1__Area *a = NULL;
		int k;

		v = v ? v + 1 : item;
		if (strncmp(item, "area=", 5) == 0)
			a = find_area((const Lanu__V1__Area *const *)r->plan->areas,
				      r->plan->n_areas, v);
		k = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			     a && *text(r, a->name) ? text(r, a->name) : v);
		used += k > 0 ? (size_t)k : 0;
	}
}

static bool
service_has_limits(const Lanu__V1__Service *s)
{
	if (s->n_limits)
		return true;
	for (size_t i = 0; i < s->n_stages; i++)
		if (s->stages[i]->n_limits)
			return true;
	return false;
}

static const char *
stage_name(const struct report *r, const Lanu__V1__Service *s, const char *id)
{
	for (size_t i = 0; i < s->n_stages; i++)
		if (strcmp(s->stages[i]->id, id) == 0 && *text(r, s->stages[i]->name))
			return text(r, s->stages[i]->name);
	return *id ? id : "-";
}

static enum level
row_level(const struct report *r, const Lanu__V1__IndicatorRow *row)
{
	const Lanu__V1__Indicator *in = plan_indicator(r, row->value->indicator);

	if (in && in->direction == LANU__V1__DIRECTION__DIRECTION_TRACKED)
		return LEVEL_TRACKED;
	return row->level <= 2 ? (enum level)row->level : LEVEL_CRITICAL;
}

static const Lanu__V1__MeasureRow *
measure_row(const struct report *r, const char *id)
{
	const Lanu__V1__MeasureReport *m = r->measures->measures;

	for (size_t i = 0; i < m->n_rows; i++)
		if (strcmp(m->rows[i]->measure, id) == 0)
			return m->rows[i];
	return NULL;
}

static const char *
measure_status(const struct report *r, const Lanu__V1__MeasureRow *row)
{
	int s;

	if (!row || !row->latest)
		return w(r, W_NO_STATUS);
	s = row->latest->status;
	if (s <= 0 || (size_t)s >= ELEMENTSOF(status_words) || !status_words[s][0])
		return "?";
	return status_words[s][r->lang];
}

/* "2022-01-01 – 2025-12-31" and the plan's own words, if any. */
static void
schedule(const Lanu__V1__Period *p, char *buf, size_t len)
{
	if (!p)
		snprintf(buf, len, "-");
	else if (*p->from || *p->to)
		snprintf(buf, len, "%s%s–%s%s%s%s%s", p->from, *p->from ? " " : "",
			 *p->to ? " " : "", p->to, *p->text ? " (" : "", p->text,
			 *p->text ? ")" : "");
	else
		snprintf(buf, len, "%s", *p->text ? p->text : "-");
}

/* --- asking lanud -------------------------------------------------------------------- */

/* ctl_call() that also wants the reply to carry the result it asked for. */
static int
ask(struct report *r, Lanu__V1__Request *req, Lanu__V1__Reply **ret)
{
	int rc = ctl_call(r->x, req, ret);

	if (rc)
		return rc;
	if ((*ret)->result_case == LANU__V1__REPLY__RESULT__NOT_SET) {
		fprintf(stderr, "lanuctl: report: lanud's reply has no result\n");
		lanu__v1__reply__free_unpacked(*ret, NULL);
		*ret = NULL;
		return EXIT_REFUSED;
	}
	return 0;
}

static int
ask_plan(struct report *r)
{
	Lanu__V1__PlanQuery q = LANU__V1__PLAN_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	int rc;

	req.body_case = LANU__V1__REQUEST__BODY_PLAN;
	req.plan = &q;
	rc = ctl_request(r->x, &req, &rep);
	if (rc)
		return rc;
	if (rep->code == LANU__V1__REPLY__CODE__NOT_FOUND) {
		fprintf(stderr, "lanuctl: report: no plan is in force in lanud (lanuctl plan "
				"load FILE)\n");
		lanu__v1__reply__free_unpacked(rep, NULL);
		return EXIT_REFUSED;
	}
	if (rep->code != LANU__V1__REPLY__CODE__OK || !rep->plan_version ||
	    !rep->plan_version->plan || !rep->plan_version->plan->plan) {
		fprintf(stderr, "lanuctl: report: no plan from lanud: %s\n", rep->reason);
		lanu__v1__reply__free_unpacked(rep, NULL);
		return EXIT_REFUSED;
	}
	r->plan_rep = rep;
	r->plan = rep->plan_version->plan;
	r->first_year = r->last_year = r->year;
	if (r->plan->plan->period) {
		const Lanu__V1__Period *p = r->plan->plan->period;

		if (strlen(p->from) >= 4)
			r->first_year = atoi(p->from);
		if (strlen(p->to) >= 4)
			r->last_year = atoi(p->to);
	}
	if (r->first_year > r->year)
		r->first_year = r->year;
	if (r->last_year < r->year)
		r->last_year = r->year;
	return 0;
}

static int
ask_indicators(struct report *r)
{
	Lanu__V1__IndicatorQuery q = LANU__V1__INDICATOR_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	char from[8], to[8], year[8];
	int rc;

	snprintf(from, sizeof(from), "%d", r->first_year);
	snprintf(to, sizeof(to), "%d", r->last_year);
	snprintf(year, sizeof(year), "%d", r->year);
	req.body_case = LANU__V1__REQUEST__BODY_INDICATORS;
	req.indicators = &q;
	q.from = from;
	q.to = to;
	if ((rc = ask(r, &req, &r->series)) != 0)
		return rc;
	/* each dimension some indicator is broken down by: its groups in the year */
	for (size_t d = 1; d < ELEMENTSOF(dimension_by); d++) {
		bool used = false;
		char *by[1] = { (char *)dimension_by[d] };

		for (size_t i = 0; i < r->plan->n_indicators && !used; i++)
			for (size_t j = 0; j < r->plan->indicators[i]->n_breakdown; j++)
				used |= (size_t)r->plan->indicators[i]->breakdown[j] == d;
		if (!used)
			continue;
		q.from = q.to = year;
		q.by = by;
		q.n_by = 1;
		if ((rc = ask(r, &req, &r->groups[d])) != 0)
			return rc;
	}
	return 0;
}

static int
ask_measures(struct report *r)
{
	Lanu__V1__MeasureQuery q = LANU__V1__MEASURE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	int rc;

	req.body_case = LANU__V1__REQUEST__BODY_MEASURES;
	req.measures = &q;
	if ((rc = ask(r, &req, &r->measures)) != 0)
		return rc;
	q.status = (char *)"overdue";
	return ask(r, &req, &r->overdue);
}

static int
ask_compliance(struct report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->plan->n_services; i++)
		n += service_has_limits(r->plan->services[i]) ? 2 : 0;
	r->comp = calloc(n ? n : 1, sizeof(*r->comp));
	if (!r->comp)
		return EXIT_REFUSED;
	for (size_t i = 0; i < r->plan->n_services; i++) {
		Lanu__V1__Service *s = r->plan->services[i];

		if (!service_has_limits(s))
			continue;
		for (int half = 1; half <= 2; half++) {
			Lanu__V1__ComplianceQuery q = LANU__V1__COMPLIANCE_QUERY__INIT;
			Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
			struct compliance *c = &r->comp[r->n_comp++];
			char *by[1];
			int rc;

			c->service = s;
			snprintf(c->period, sizeof(c->period), "%d-H%d", r->year, half);
			q.service = s->id;
			q.period = c->period;
			req.body_case = LANU__V1__REQUEST__BODY_COMPLIANCE;
			req.compliance = &q;
			if ((rc = ask(r, &req, &c->whole)) != 0)
				return rc;
			q.by = by;
			q.n_by = 1;
			by[0] = (char *)"area";
			if ((rc = ask(r, &req, &c->area)) != 0)
				return rc;
			by[0] = (char *)"language";
			if ((rc = ask(r, &req, &c->language)) != 0)
				return rc;
		}
	}
	return 0;
}

static int
alert_push(struct report *r, const Lanu__V1__Alert *a)
{
	if (r->n_alerts == r->cap_alerts) {
		size_t cap = r->cap_alerts ? 2 * r->cap_alerts : 256;
		struct year_alert *p = realloc(r->alerts, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->alerts = p;
		r->cap_alerts = cap;
	}
	r->alerts[r->n_alerts++] = (struct year_alert){
		.seq = a->seq, .kind = a->kind, .severity = a->severity,
		.raised_ms = a->raised_at_ms, .ack_ms = a->ack ? a->ack->at_ms : 0,
	};
	return 0;
}

static int
seq_cmp(const void *a, const void *b)
{
	const struct year_alert *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every alert of the plan's recipients (replayed, paged, 32 recipients a query), those
 * raised in the year (local time), each once. */
static int
ask_alerts(struct report *r)
{
	size_t n = r->plan->n_recipients;
	int rc;

	for (size_t from = 0; from < n; from += LANU_MAX_RECIPIENTS) {
		char *rcpts[LANU_MAX_RECIPIENTS];
		size_t k = 0;
		uint64_t after = 0;
		bool more = true;

		for (size_t i = from; i < n && k < LANU_MAX_RECIPIENTS; i++)
			rcpts[k++] = r->plan->recipients[i]->id;
		while (more) {
			Lanu__V1__ReplayQuery q = LANU__V1__REPLAY_QUERY__INIT;
			Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
			Lanu__V1__Reply *rep;

			q.recipients = rcpts;
			q.n_recipients = k;
			q.after_seq = after;
			req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
			req.replay = &q;
			if ((rc = ask(r, &req, &rep)) != 0)
				return rc;
			if (!rep->alerts) {
				lanu__v1__reply__free_unpacked(rep, NULL);
				return EXIT_REFUSED;
			}
			for (size_t i = 0; i < rep->alerts->n_alerts; i++) {
				const Lanu__V1__Alert *a = rep->alerts->alerts[i];
				int y, m, d;

				calendar_ymd(calendar_local_day(a->raised_at_ms), &y, &m, &d);
				if (y == r->year && alert_push(r, a) < 0) {
					lanu__v1__reply__free_unpacked(rep, NULL);
					return EXIT_REFUSED;
				}
			}
			more = rep->alerts->more && rep->alerts->last_seq > after;
			after = rep->alerts->last_seq;
			lanu__v1__reply__free_unpacked(rep, NULL);
		}
	}
	if (r->n_alerts) {
		size_t j = 0;

		qsort(r->alerts, r->n_alerts, sizeof(*r->alerts), seq_cmp);
		for (size_t i = 0; i < r->n_alerts; i++)
			if (j == 0 || r->alerts[i].seq != r->alerts[j - 1].seq)
				r->alerts[j++] = r->alerts[i];
		r->n_alerts = j;
	}
	return 0;
}

static void
report_free(struct report *r)
{
	Lanu__V1__Reply *const reps[] = { r->plan_rep, r->series, r->measures, r->overdue };

	for (size_t i = 0; i < ELEMENTSOF(reps); i++)
		if (reps[i])
			lanu__v1__reply__free_unpacked(reps[i], NULL);
	for (size_t i = 0; i < ELEMENTSOF(r->groups); i++)
		if (r->groups[i])
			lanu__v1__reply__free_unpacked(r->groups[i], NULL);
	for (size_t i = 0; i < r->n_comp; i++) {
		Lanu__V1__Reply *const c[] = { r->comp[i].whole, r->comp[i].area,
					       r->comp[i].language };

		for (size_t j = 0; j < ELEMENTSOF(c); j++)
			if (c[j])
				lanu__v1__reply__free_unpacked(c[j], NULL);
	}
	free(r->comp);
	free(r->alerts);
}

/* --- the alerts' figures ------------------------------------------------------------- */

static int
double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-quantile (0..1) of the sorted v[n], interpolated between ranks; -1 if n is 0. */
static double
quantile(const double *v, size_t n, double p)
{
	double pos, frac;
	size_t lo;

	if (n == 0)
		return -1;
	pos = p * (double)(n - 1);
	lo = (size_t)pos;
	frac = pos - (double)lo;
	return lo + 1 < n ? v[lo] + (v[lo + 1] - v[lo]) * frac : v[lo];
}

/* The figures of the alerts of one kind and severity (kind < 0: every alert). */
struct alert_figures {
	size_t count, unacked;
	double median_ms, p90_ms;	/* -1: none acknowledged */
};

static void
alert_figures(const struct report *r, int kind, int severity, struct alert_figures *f)
{
	double *v = malloc((r->n_alerts ? r->n_alerts : 1) * sizeof(*v));
	size_t n = 0;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; v && i < r->n_alerts; i++) {
		const struct year_alert *a = &r->alerts[i];

		if (kind >= 0 && (a->kind != kind || a->severity != severity))
			continue;
		f->count++;
		if (!a->ack_ms)
			f->unacked++;
		else
			v[n++] = a->ack_ms > a->raised_ms ? (double)(a->ack_ms - a->raised_ms) : 0;
	}
	if (v)
		qsort(v, n, sizeof(*v), double_cmp);
	f->median_ms = v ? quantile(v, n, 0.5) : -1;
	f->p90_ms = v ? quantile(v, n, 0.9) : -1;
	free(v);
}

/* "deadline-missed", "warning": as routes name them. */
static void
enum_word(const ProtobufCEnumDescriptor *d, int v, size_t strip, char *buf, size_t len)
{
	snprintf(buf, len, "%s", enum_name(d, v, strip));
	for (char *p = buf; *p; p++)
		*p = *p == '_' ? '-' : (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
}

/* --- HTML and Markdown, section by section ------------------------------------------ */

static const char css[] =
	"@page { size: A4; margin: 18mm 16mm; }\n"
	"body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 10.5pt; color: #111;"
	" max-width: 180mm; margin: 0 auto; line-height: 1.35; }\n"
	"h1 { font-size: 18pt; margin-bottom: 2pt; } h2 { font-size: 14pt; border-bottom: 1px"
	" solid #888; margin-top: 18pt; } h3 { font-size: 12pt; } h4 { font-size: 11pt;"
	" margin-bottom: 3pt; }\n"
	"table { border-collapse: collapse; margin: 4pt 0 8pt; font-size: 9.5pt; }\n"
	"th, td { border: 1px solid #999; padding: 2pt 5pt; text-align: left;"
	" vertical-align: top; }\n"
	"td.n { text-align: right; } th { background: #eee; }\n"
	"dl { margin: 2pt 0 6pt; } dt { font-weight: bold; float: left; clear: left;"
	" width: 40mm; } dd { margin-left: 42mm; }\n"
	".st { display: inline-block; padding: 0 4pt; border-radius: 3pt; font-weight: bold;"
	" border: 1px solid #555; }\n"
	".ok { background: #c8e6c9; } .warning { background: #ffe082; }"
	" .critical { background: #ef9a9a; } .tracked { background: #e0e0e0; }"
	" .overdue { background: #ef9a9a; }\n"
	"section { page-break-inside: avoid; break-inside: avoid; }\n"
	"section.goal { page-break-inside: auto; break-inside: auto; }\n"
	"svg { display: block; margin: 4pt 0; }\n"
	"@media print { a { color: inherit; text-decoration: none; } h2 { break-after: avoid; }"
	" }\n";

static void
html_badge(const struct report *r, enum level l)
{
	fprintf(r->out, "<span class=\"st %s\">%s</span>", level_class[l], level_words[l][r->lang]);
}

/* A heading of a then b (NULL: none), with an anchor id in HTML (NULL: none). */
static void
heading(const struct report *r, int level, const char *id, const char *a, const char *b)
{
	if (r->format == FORMAT_HTML) {
		fprintf(r->out, "<h%d", level);
		if (id) {
			fputs(" id=\"", r->out);
			esc(r, id);
			fputc('"', r->out);
		}
		fputc('>', r->out);
	} else {
		fprintf(r->out, "\n%.*s ", level, "######");
	}
	put(r, a);
	if (b)
		put(r, b);
	if (r->format == FORMAT_HTML)
		fprintf(r->out, "</h%d>\n", level);
	else
		fputs("\n\n", r->out);
}

/* A table's head row: n headings. */
static void
table_head(const struct report *r, const char *const *h, size_t n)
{
	if (r->format == FORMAT_HTML) {
		fputs("<table><thead><tr>", r->out);
		for (size_t i = 0; i < n; i++) {
			fputs("<th>", r->out);
			esc(r, h[i]);
			fputs("</th>", r->out);
		}
		fputs("</tr></thead><tbody>\n", r->out);
		return;
	}
	fputs("|", r->out);
	for (size_t i = 0; i < n; i++) {
		fputc(' ', r->out);
		md(r, h[i]);
		fputs(" |", r->out);
	}
	fputs("\n|", r->out);
	for (size_t i = 0; i < n; i++)
		fputs("---|", r->out);
	fputc('\n', r->out);
}

/* One row of cells; a cell starting with "\1" is a level class name and word (HTML: a
 * coloured badge), numbers right-aligned in HTML when right[i]. */
static void
table_row(const struct report *r, const char *const *cell, const bool *right, size_t n)
{
	if (r->format == FORMAT_HTML) {
		fputs("<tr>", r->out);
		for (size_t i = 0; i < n; i++) {
			fputs(right && right[i] ? "<td class=\"n\">" : "<td>", r->out);
			esc(r, cell[i]);
			fputs("</td>", r->out);
		}
		fputs("</tr>\n", r->out);
		return;
	}
	fputs("|", r->out);
	for (size_t i = 0; i < n; i++) {
		fputc(' ', r->out);
		md(r, cell[i]);
		fputs(" |", r->out);
	}
	fputc('\n', r->out);
}

static void
table_end(const struct report *r)
{
	if (r->format == FORMAT_HTML)
		fputs("</tbody></table>\n", r->out);
	else
		fputc('\n', r->out);
}

/* A paragraph of text. */
static void
para(const struct report *r, const char *s)
{
	if (r->format == FORMAT_HTML) {
		fputs("<p>", r->out);
		esc(r, s);
		fputs("</p>\n", r->out);
	} else {
		md(r, s);
		fputs("\n\n", r->out);
	}
}

/* A label and a value (the value already escaped by the caller's put()). */
static void
field_open(const struct report *r, enum word label)
{
	if (r->format == FORMAT_HTML)
		fprintf(r->out, "<dt>%s</dt><dd>", w(r, label));
	else
		fprintf(r->out, "- **%s:** ", w(r, label));
}

static void
field_close(const struct report *r)
{
	fputs(r->format == FORMAT_HTML ? "</dd>\n" : "\n", r->out);
}

static void
measure_section(const struct report *r, const Lanu__V1__Measure *m, int level)
{
	const Lanu__V1__MeasureRow *row = measure_row(r, m->id);
	char buf[256], title[LANU_MAX_NAME + 64];

	snprintf(title, sizeof(title), "%s %s: ", w(r, W_MEASURE), m->id);
	if (r->format == FORMAT_HTML) {
		fputs("<section class=\"measure\" id=\"m-", r->out);
		esc(r, m->id);
		fputs("\">\n", r->out);
	}
	heading(r, level, NULL, title, text(r, m->title));
	if (r->format == FORMAT_HTML)
		fputs("<dl>\n", r->out);
	field_open(r, W_STATUS);
	put(r, measure_status(r, row));
	if (row && row->latest && *row->latest->date) {
		snprintf(buf, sizeof(buf), " (%s %s)", w(r, W_SINCE), row->latest->date);
		put(r, buf);
	}
	if (row && row->latest && *row->latest->note) {
		put(r, ": ");
		put(r, row->latest->note);
	}
	if (row && row->overdue) {
		if (r->format == FORMAT_HTML)
			fprintf(r->out, " <span class=\"st overdue\">%s</span>", w(r, W_OVERDUE));
		else
			fprintf(r->out, " **%s**", w(r, W_OVERDUE));
	}
	field_close(r);
	field_open(r, W_SCHEDULE);
	schedule(m->schedule, buf, sizeof(buf));
	put(r, buf);
	field_close(r);
	if (m->n_actors) {
		field_open(r, W_ACTORS);
		for (size_t i = 0; i < m->n_actors; i++) {
			put(r, i ? ", " : "");
			put(r, text(r, m->actors[i]));
		}
		field_close(r);
	}
	if (m->n_monitoring) {
		field_open(r, W_MONITORING);
		for (size_t i = 0; i < m->n_monitoring; i++) {
			put(r, i ? "; " : "");
			put(r, recipient_name(r, m->monitoring[i]));
		}
		field_close(r);
	}
	if (*text(r, m->monitoring_note)) {
		field_open(r, W_NOTE);
		put(r, text(r, m->monitoring_note));
		field_close(r);
	}
	if (m->n_indicators) {
		field_open(r, W_GOAL_IND);
		for (size_t i = 0; i < m->n_indicators; i++) {
			const Lanu__V1__Indicator *in = plan_indicator(r, m->indicators[i]);
			const char *name = in && *text(r, in->name) ? text(r, in->name)
								    : m->indicators[i];

			put(r, i ? ", " : "");
			if (r->format == FORMAT_HTML) {
				fputs("<a href=\"#ind-", r->out);
				esc(r, m->indicators[i]);
				fputs("\">", r->out);
				esc(r, name);
				fputs("</a>", r->out);
			} else {
				md(r, name);
			}
		}
		field_close(r);
	}
	if (r->format == FORMAT_HTML)
		fputs("</dl>\n</section>\n", r->out);
	else
		fputc('\n', r->out);
}

static void
goal_section(const struct report *r, const Lanu__V1__Goal *g, int depth)
{
	char title[LANU_MAX_NAME + 8];

	snprintf(title, sizeof(title), "%s ", g->id);
	if (r->format == FORMAT_HTML) {
		fputs("<section class=\"goal\" id=\"goal-", r->out);
		esc(r, g->id);
		fputs("\">\n", r->out);
	}
	heading(r, depth < 2 ? 3 + depth : 5, NULL, title, text(r, g->title));
	if (*text(r, g->description))
		para(r, text(r, g->description));
	for (size_t i = 0; i < g->n_measures; i++)
		measure_section(r, g->measures[i], depth < 2 ? 4 + depth : 6);
	for (size_t i = 0; i < g->n_goals; i++)
		goal_section(r, g->goals[i], depth + 1);
	if (r->format == FORMAT_HTML)
		fputs("</section>\n", r->out);
}

/* The whole group's rows of indicator id, in period order: [*first, *end). */
static void
whole_rows(const struct report *r, const char *id, size_t *first, size_t *end)
{
	const Lanu__V1__IndicatorReport *s = r->series->indicators;
	size_t i = 0;

	while (i < s->n_rows && (strcmp(s->rows[i]->value->indicator, id) != 0 ||
				 *s->rows[i]->value->group))
		i++;
	*first = i;
	while (i < s->n_rows && strcmp(s->rows[i]->value->indicator, id) == 0 &&
	       !*s->rows[i]->value->group)
		i++;
	*end = i;
}

/* A small line chart of the whole group's values (and the target, dashed). */
static void
chart(const struct report *r, const Lanu__V1__Indicator *in, size_t first, size_t end)
{
	const Lanu__V1__IndicatorReport *s = r->series->indicators;
	const double W = 440, H = 120, L = 44, R = 8, T = 10, B = 22;
	double lo = INFINITY, hi = -INFINITY;
	bool target = false;
	double tv = 0, pad;
	char a[32], b[32];
	size_t n = end - first;

	for (size_t i = first; i < end; i++) {
		double v = s->rows[i]->value->value;

		lo = fmin(lo, v);
		hi = fmax(hi, v);
		if (s->rows[i]->has_target) {
			target = true;
			tv = s->rows[i]->target;
		}
	}
	if (target) {
		lo = fmin(lo, tv);
		hi = fmax(hi, tv);
	}
	if (hi - lo < 1e-9) {
		hi += 1;
		lo -= 1;
	}
	pad = (hi - lo) / 10;	/* no point on the frame */
	hi += pad;
	lo -= pad;
	/* inline SVG in HTML needs no namespace (and the report names no URL at all) */
	fprintf(r->out, "<svg width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
			"role=\"img\" aria-label=\"", W, H, W, H);
	esc(r, w(r, W_CHART));
	fputs(": ", r->out);
	esc(r, text(r, in->name));
	fputs("\">\n", r->out);
	fprintf(r->out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
			"fill=\"#fafafa\" stroke=\"#999\"/>\n", L, T, W - L - R, H - T - B);
#define X(k) (n > 1 ? L + 8 + (W - L - R - 16) * (double)(k) / (double)(n - 1) \
		    : L + (W - L - R) / 2)
#define Y(v) (T + (H - T - B) * (hi - (v)) / (hi - lo))
	if (target)
		fprintf(r->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#2e7d32\" stroke-dasharray=\"4 3\"/>\n", L, Y(tv), W - R,
			Y(tv));
	fputs("<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"", r->out);
	for (size_t i = first; i < end; i++)
		fprintf(r->out, "%s%.1f,%.1f", i > first ? " " : "", X(i - first),
			Y(s->rows[i]->value->value));
	fputs("\"/>\n", r->out);
	for (size_t i = first; i < end; i++)
		fprintf(r->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#1565c0\"/>\n",
			X(i - first), Y(s->rows[i]->value->value));
	number(hi, a, sizeof(a));
	number(lo, b, sizeof(b));
	fprintf(r->out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\" text-anchor=\"end\">"
			"%s</text>\n<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\" "
			"text-anchor=\"end\">%s</text>\n", L - 3, T + 8, a, L - 3, H - B, b);
	fprintf(r->out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\">", L, H - 6);
	esc(r, s->rows[first]->value->period);
	fputs("</text>\n", r->out);
	if (n > 1) {
		fprintf(r->out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\" text-anchor=\"end\">",
			W - R, H - 6);
		esc(r, s->rows[end - 1]->value->period);
		fputs("</text>\n", r->out);
	}
#undef X
#undef Y
	fputs("</svg>\n", r->out);
}

/* The cells of one value: period or group, value, target, status. */
static void
value_row(const struct report *r, const char *first, const Lanu__V1__IndicatorRow *row)
{
	static const bool right[] = { false, true, true, false };
	enum level l = row_level(r, row);
	char v[32], t[32];
	const char *cell[4];

	number(row->value->value, v, sizeof(v));
	number(row->target, t, sizeof(t));
	cell[0] = first;
	cell[1] = v;
	cell[2] = row->has_target ? t : "-";
	cell[3] = level_words[l][r->lang];
	if (r->format != FORMAT_HTML) {
		table_row(r, cell, right, 4);
		return;
	}
	fputs("<tr><td>", r->out);
	esc(r, cell[0]);
	fprintf(r->out, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>", cell[1],
		cell[2]);
	html_badge(r, l);
	fputs("</td></tr>\n", r->out);
}

static void
indicator_section(const struct report *r, const Lanu__V1__Indicator *in)
{
	const char *head[] = { w(r, W_PERIOD), w(r, W_VALUE), w(r, W_TARGET), w(r, W_STATUS) };
	size_t first, end;
	char id[LANU_MAX_NAME + 8];

	whole_rows(r, in->id, &first, &end);
	if (r->format == FORMAT_HTML) {
		fputs("<section class=\"indicator\" id=\"ind-", r->out);
		esc(r, in->id);
		fputs("\">\n", r->out);
	}
	snprintf(id, sizeof(id), " (%s)", in->id);
	heading(r, 3, NULL, text(r, in->name), id);
	if (*text(r, in->description))
		para(r, text(r, in->description));
	if (first == end) {
		para(r, w(r, W_NO_VALUES));
	} else {
		const Lanu__V1__IndicatorRow *last = r->series->indicators->rows[end - 1];

		if (r->format == FORMAT_HTML) {
			fputs("<p>", r->out);
			esc(r, last->value->period);
			fputs(": ", r->out);
			html_badge(r, row_level(r, last));
			fputs("</p>\n", r->out);
			chart(r, in, first, end);
		}
		heading(r, 4, NULL, w(r, W_HISTORY), NULL);
		table_head(r, head, 4);
		for (size_t i = first; i < end; i++)
			value_row(r, r->series->indicators->rows[i]->value->period,
				  r->series->indicators->rows[i]);
		table_end(r);
	}
	/* its breakdown groups in the year */
	for (size_t j = 0; j < in->n_breakdown; j++) {
		size_t d = (size_t)in->breakdown[j];
		const Lanu__V1__IndicatorReport *g;
		const char *ghead[] = { w(r, W_GROUP), w(r, W_VALUE), w(r, W_TARGET),
					w(r, W_STATUS) };
		char sub[128], cellbuf[LANU_MAX_NAME + 32];
		bool any = false;

		if (d >= ELEMENTSOF(r->groups) || !r->groups[d] || !r->groups[d]->indicators)
			continue;
		g = r->groups[d]->indicators;
		snprintf(sub, sizeof(sub), "%s: %s %d", w(r, W_BREAKDOWN),
			 dimension_words[d][r->lang], r->year);
		for (size_t i = 0; i < g->n_rows; i++) {
			if (strcmp(g->rows[i]->value->indicator, in->id) != 0)
				continue;
			if (!any) {
				heading(r, 4, NULL, sub, NULL);
				table_head(r, ghead, 4);
				any = true;
			}
			group_label(r, g->rows[i]->value->group, cellbuf, sizeof(cellbuf));
			value_row(r, cellbuf, g->rows[i]);
		}
		if (any)
			table_end(r);
	}
	if (r->format == FORMAT_HTML)
		fputs("</section>\n", r->out);
}

static void
compliance_table(const struct report *r, const struct compliance *c,
		 const Lanu__V1__Reply *rep, const char *caption)
{
	static const bool right[] = { false, false, true, true, true, true, true, true, true };
	const char *head[] = { w(r, W_STAGE), w(r, W_GROUP), w(r, W_OPENED), w(r, W_MET),
			       w(r, W_LATE), w(r, W_MISSED), w(r, W_PENDING), w(r, W_SHARE),
			       w(r, W_MEDIAN_WAIT) };
	const Lanu__V1__ComplianceReport *cr = rep ? rep->compliance : NULL;
	char num[7][32];
	const char *cell[ELEMENTSOF(head)];

	if (!cr || cr->n_rows == 0)
		return;
	if (r->format == FORMAT_HTML) {
		fputs("<p><em>", r->out);
		esc(r, caption);
		fputs("</em></p>\n", r->out);
	} else {
		fputs("*", r->out);
		md(r, caption);
		fputs("*\n\n", r->out);
	}
	table_head(r, head, ELEMENTSOF(head));
	for (size_t i = 0; i < cr->n_rows; i++) {
		const Lanu__V1__ComplianceRow *row = cr->rows[i];

		snprintf(num[0], 32, "%" PRIu64, row->opened);
		snprintf(num[1], 32, "%" PRIu64, row->met);
		snprintf(num[2], 32, "%" PRIu64, row->late);
		snprintf(num[3], 32, "%" PRIu64, row->missed);
		snprintf(num[4], 32, "%" PRIu64, row->pending);
		if (row->share_met < 0)
			snprintf(num[5], 32, "-");
		else
			snprintf(num[5], 32, "%.1f", 100 * row->share_met);
		if (row->wait_median_working_days < 0)
			snprintf(num[6], 32, "-");
		else
			number(row->wait_median_working_days, num[6], 32);
		cell[0] = stage_name(r, c->service, row->stage);
		cell[1] = *row->group ? row->group : w(r, W_ALL);
		for (size_t k = 0; k < 7; k++)
			cell[k + 2] = num[k];
		table_row(r, cell, right, ELEMENTSOF(head));
	}
	table_end(r);
}

static void
services_section(const struct report *r)
{
	heading(r, 2, "services", w(r, W_SERVICES), NULL);
	for (size_t i = 0; i < r->n_comp; i++) {
		const struct compliance *c = &r->comp[i];
		char id[LANU_MAX_NAME + 8], cap[128];

		if (i == 0 || r->comp[i - 1].service != c->service) {
			if (r->format == FORMAT_HTML) {
				fputs(i ? "</section>\n" : "", r->out);
				fputs("<section class=\"service\" id=\"svc-", r->out);
				esc(r, c->service->id);
				fputs("\">\n", r->out);
			}
			snprintf(id, sizeof(id), " (%s)", c->service->id);
			heading(r, 3, NULL, text(r, c->service->name), id);
		}
		heading(r, 4, NULL, c->period, NULL);
		if (!c->whole->compliance || c->whole->compliance->n_rows == 0) {
			para(r, w(r, W_NO_CLOCKS));
			continue;
		}
		compliance_table(r, c, c->whole, w(r, W_ALL));
		snprintf(cap, sizeof(cap), "%s %s", c->period, w(r, W_BY_AREA));
		compliance_table(r, c, c->area, cap);
		snprintf(cap, sizeof(cap), "%s %s", c->period, w(r, W_BY_LANGUAGE));
		compliance_table(r, c, c->language, cap);
	}
	if (r->format == FORMAT_HTML && r->n_comp)
		fputs("</section>\n", r->out);
}

static void
overdue_section(const struct report *r)
{
	const Lanu__V1__MeasureReport *m = r->overdue->measures;
	const char *head[] = { w(r, W_MEASURE), w(r, W_GOAL), w(r, W_SCHEDULE), w(r, W_STATUS) };

	heading(r, 2, "overdue", w(r, W_MEASURES_OVERDUE), NULL);
	if (!m || m->n_rows == 0) {
		para(r, w(r, W_NO_OVERDUE));
		return;
	}
	table_head(r, head, ELEMENTSOF(head));
	for (size_t i = 0; i < m->n_rows; i++) {
		const Lanu__V1__MeasureRow *row = m->rows[i];
		char sched[64], name[2048];
		const char *cell[4];
		const char *title = "";

		/* the measure's title from the plan: search its goals */
		for (size_t g = 0; g < r->plan->n_goals && !*title; g++) {
			const Lanu__V1__Goal *stack[64];
			size_t sp = 0;

			stack[sp++] = r->plan->goals[g];
			while (sp && !*title) {
				const Lanu__V1__Goal *x = stack[--sp];

				for (size_t k = 0; k < x->n_measures; k++)
					if (strcmp(x->measures[k]->id, row->measure) == 0)
						title = text(r, x->measures[k]->title);
				for (size_t k = 0; k < x->n_goals && sp < ELEMENTSOF(stack); k++)
					stack[sp++] = x->goals[k];
			}
		}
		snprintf(name, sizeof(name), "%s %s", row->measure, title);
		snprintf(sched, sizeof(sched), "%s – %s", row->schedule_from, row->schedule_to);
		cell[0] = name;
		cell[1] = row->goal;
		cell[2] = sched;
		cell[3] = measure_status(r, row);
		table_row(r, cell, NULL, 4);
	}
	table_end(r);
}

static void
alerts_section(const struct report *r)
{
	static const bool right[] = { false, false, true, true, true, true };
	const char *head[] = { w(r, W_KIND), w(r, W_SEVERITY), w(r, W_COUNT), w(r, W_UNACKED),
			       w(r, W_ACK_MEDIAN), w(r, W_ACK_P90) };
	char buf[96];

	heading(r, 2, "alerts", w(r, W_ALERTS), NULL);
	if (r->n_alerts == 0) {
		snprintf(buf, sizeof(buf), "%s %d.", w(r, W_NO_ALERTS), r->year);
		para(r, buf);
		return;
	}
	snprintf(buf, sizeof(buf), "%s %d", w(r, W_ALERTS_NOTE), r->year);
	para(r, buf);
	table_head(r, head, ELEMENTSOF(head));
	/* one row per kind and severity present, in enum order, then the total */
	for (int k = 0; k <= 64; k++)
		for (int s = 0; s <= 3; s++) {
			struct alert_figures f;
			char kind[48], sev[24], cnt[24], un[24], med[32], p90[32];
			const char *cell[6] = { kind, sev, cnt, un, med, p90 };
			bool any = false;

			for (size_t i = 0; i < r->n_alerts && !any; i++)
				any = r->alerts[i].kind == k && r->alerts[i].severity == s;
			if (!any)
				continue;
			alert_figures(r, k, s, &f);
			enum_word(&lanu__v1__alert_kind__descriptor, k, 11, kind, sizeof(kind));
			enum_word(&lanu__v1__severity__descriptor, s, 9, sev, sizeof(sev));
			snprintf(cnt, sizeof(cnt), "%zu", f.count);
			snprintf(un, sizeof(un), "%zu", f.unacked);
			if (f.median_ms < 0) {
				snprintf(med, sizeof(med), "-");
				snprintf(p90, sizeof(p90), "-");
			} else {
				span(r, f.median_ms, med, sizeof(med));
				span(r, f.p90_ms, p90, sizeof(p90));
			}
			table_row(r, cell, right, 6);
		}
	{
		struct alert_figures f;
		char cnt[24], un[24], med[32], p90[32];
		const char *cell[6] = { w(r, W_TOTAL), "", cnt, un, med, p90 };

		alert_figures(r, -1, 0, &f);
		snprintf(cnt, sizeof(cnt), "%zu", f.count);
		snprintf(un, sizeof(un), "%zu", f.unacked);
		if (f.median_ms < 0) {
			snprintf(med, sizeof(med), "-");
			snprintf(p90, sizeof(p90), "-");
		} else {
			span(r, f.median_ms, med, sizeof(med));
			span(r, f.p90_ms, p90, sizeof(p90));
		}
		table_row(r, cell, right, 6);
	}
	table_end(r);
}

static void
write_document(const struct report *r)
{
	const Lanu__V1__PlanInfo *info = r->plan->plan;
	char title[128], buf[2048], when[32];
	static const char *const lang_code[] = { "fi", "sv", "en" };

	snprintf(title, sizeof(title), "%s %d", w(r, W_TITLE), r->year);
	if (r->format == FORMAT_HTML) {
		fprintf(r->out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
				"<meta charset=\"utf-8\">\n<title>", lang_code[r->lang]);
		esc(r, title);
		fprintf(r->out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
		fputs("<header>\n", r->out);
	}
	heading(r, 1, NULL, title, NULL);
	snprintf(buf, sizeof(buf), "%s: %s (%s)", w(r, W_PLAN), text(r, info->title), info->id);
	para(r, buf);
	if (info->period) {
		snprintf(buf, sizeof(buf), "%s: %s – %s. %s", w(r, W_PERIOD_OF_PLAN),
			 info->period->from, info->period->to, info->organiser);
		para(r, buf);
	}
	instant_format(client_now_ms(), when);
	snprintf(buf, sizeof(buf), "%s %s", w(r, W_MADE), when);
	para(r, buf);
	if (r->format == FORMAT_HTML) {
		fputs("</header>\n<nav>\n", r->out);
		fprintf(r->out, "<h2>%s</h2>\n<ol>\n", w(r, W_CONTENTS));
		fprintf(r->out, "<li><a href=\"#goals\">%s</a></li>\n", w(r, W_GOALS));
		fprintf(r->out, "<li><a href=\"#indicators\">%s</a></li>\n", w(r, W_INDICATORS));
		fprintf(r->out, "<li><a href=\"#services\">%s</a></li>\n", w(r, W_SERVICES));
		fprintf(r->out, "<li><a href=\"#overdue\">%s</a></li>\n",
			w(r, W_MEASURES_OVERDUE));
		fprintf(r->out, "<li><a href=\"#alerts\">%s</a></li>\n</ol>\n</nav>\n<main>\n",
			w(r, W_ALERTS));
	}
	heading(r, 2, "goals", w(r, W_GOALS), NULL);
	for (size_t i = 0; i < r->plan->n_goals; i++)
		goal_section(r, r->plan->goals[i], 0);
	heading(r, 2, "indicators", w(r, W_INDICATORS), NULL);
	for (size_t i = 0; i < r->plan->n_indicators; i++)
		indicator_section(r, r->plan->indicators[i]);
	services_section(r);
	overdue_section(r);
	alerts_section(r);
	if (r->format == FORMAT_HTML)
		fputs("</main>\n</body>\n</html>\n", r->out);
}

/* CSV: one row per indicator, group and period (indicator,name,group,period,value,
 * target,status): the whole over the plan's years, then the year's breakdown groups. */
static void
write_csv_rows(const struct report *r, const Lanu__V1__IndicatorReport *s)
{
	char v[64], t[64];

	for (size_t i = 0; s && i < s->n_rows; i++) {
		const Lanu__V1__IndicatorRow *row = s->rows[i];
		const Lanu__V1__Indicator *in = plan_indicator(r, row->value->indicator);

		snprintf(v, sizeof(v), "%.15g", row->value->value);
		snprintf(t, sizeof(t), "%.15g", row->target);
		csv_fput(r->out, row->value->indicator, false);
		csv_fput(r->out, in ? text(r, in->name) : "", false);
		csv_fput(r->out, row->value->group, false);
		csv_fput(r->out, row->value->period, false);
		csv_fput(r->out, v, false);
		csv_fput(r->out, row->has_target ? t : "", false);
		csv_fput(r->out, level_class[row_level(r, row)], true);
	}
}

static void
write_csv(const struct report *r)
{
	static const char *const head[] = { "indicator", "name", "group", "period", "value",
					    "target", "status" };

	for (size_t i = 0; i < ELEMENTSOF(head); i++)
		csv_fput(r->out, head[i], i + 1 == ELEMENTSOF(head));
	write_csv_rows(r, r->series->indicators);
	for (size_t d = 0; d < ELEMENTSOF(r->groups); d++)
		if (r->groups[d])
			write_csv_rows(r, r->groups[d]->indicators);
}

static void
write_any(const struct report *r)
{
	if (r->format == FORMAT_CSV)
		write_csv(r);
	else
		write_document(r);
}

/* --- the command --------------------------------------------------------------------- */

/* Writes the report to path atomically (a temporary file beside it, then renamed), or
 * to stdout when path is NULL. Returns 0 or EXIT_REFUSED after saying why. */
static int
write_out(struct report *r, const char *path)
{
	char *tmp = NULL;
	mode_t mask;
	int fd, err = 0;

	if (!path) {
		r->out = stdout;
		write_any(r);
		return fflush(stdout) == 0 ? 0 : EXIT_REFUSED;
	}
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return EXIT_REFUSED;
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "lanuctl: report: cannot write '%s': %s\n", path, strerror(errno));
		free(tmp);
		return EXIT_REFUSED;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || !(r->out = fdopen(fd, "w"))) {
		err = errno;
		close(fd);
	} else {
		write_any(r);
		if (fflush(r->out) != 0 || ferror(r->out) || fsync(fileno(r->out)) < 0)
			err = errno ? errno : EIO;
		if (fclose(r->out) != 0 && !err)
			err = errno;
		if (!err && rename(tmp, path) < 0)
			err = errno;
	}
	r->out = NULL;
	if (err) {
		fprintf(stderr, "lanuctl: report: cannot write '%s': %s\n", path, strerror(err));
		unlink(tmp);
	}
	free(tmp);
	return err ? EXIT_REFUSED : 0;
}

static const char usage_text[] =
	"lanuctl: usage: report --year YYYY [--format html|csv|md] [--lang fi|sv|en] "
	"[-o FILE]\n";

int
cmd_report(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "year", required_argument, NULL, 'y' },
		{ "format", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { .x = x, .format = FORMAT_HTML };
	const char *year = NULL, *lang = x->lang, *out = NULL;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (ch != '?' && optarg && !*optarg) {
			fprintf(stderr, "lanuctl: report: an option needs a value\n");
			return EXIT_REFUSED;
		}
		switch (ch) {
		case 'y': year = optarg; break;
		case 'f':
			if (strcmp(optarg, "html") == 0) {
				r.format = FORMAT_HTML;
			} else if (strcmp(optarg, "csv") == 0) {
				r.format = FORMAT_CSV;
			} else if (strcmp(optarg, "md") == 0) {
				r.format = FORMAT_MD;
			} else {
				fprintf(stderr, "lanuctl: report: --format '%s' is not html, csv "
						"or md\n", optarg);
				return EXIT_REFUSED;
			}
			break;
		case 'l': lang = optarg; break;
		case 'o': out = optarg; break;
		default: fputs(usage_text, stderr); return EXIT_REFUSED;
		}
	}
	if (optind != argc || !year) {
		fputs(usage_text, stderr);
		return EXIT_REFUSED;
	}
	if (strlen(year) != 4 || strspn(year, "0123456789") != 4) {
		fprintf(stderr, "lanuctl: report: --year '%s' is not a year of 4 digits\n", year);
		return EXIT_REFUSED;
	}
	r.year = atoi(year);
	if (strcmp(lang, "fi") == 0) {
		r.lang = 0;
	} else if (strcmp(lang, "sv") == 0) {
		r.lang = 1;
	} else if (strcmp(lang, "en") == 0) {
		r.lang = 2;
	} else {
		fprintf(stderr, "lanuctl: report: --lang '%s' is not fi, sv or en\n", lang);
		return EXIT_REFUSED;
	}
	rc = ask_plan(&r);
	if (rc == 0) {
		/* the year's alerts are those raised in it on the plan's local time */
		const char *tz = *r.plan->plan->timezone ? r.plan->plan->timezone
							  : "Europe/Helsinki";

		setenv("TZ", tz, 1);
		tzset();
	}
	if (rc == 0)
		rc = ask_indicators(&r);
	if (rc == 0 && r.format != FORMAT_CSV)
		rc = ask_measures(&r);
	if (rc == 0 && r.format != FORMAT_CSV)
		rc = ask_compliance(&r);
	if (rc == 0 && r.format != FORMAT_CSV)
		rc = ask_alerts(&r);
	if (rc == 0)
		rc = write_out(&r, out);
	report_free(&r);
	return rc;
}
