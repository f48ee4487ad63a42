/*
 * lanuctl indicators: the plan's indicators as series (docs/indicators.md): per
 * indicator, breakdown group and period, the value against its target and its status,
 * as a table, one JSON object (IndicatorReport) or RFC 4180 CSV, one row per indicator,
 * group and period. lanud keeps the series (indicator.c); this checks options, asks and
 * lays out.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "lanu/macro.h"

static const char *const status_word[] = { "ok", "warning", "critical" };

static const char *
row_status(const Lanu__V1__IndicatorRow *r, const Lanu__V1__Plan *plan)
{
	for (size_t i = 0; plan && i < plan->n_indicators; i++)
		if (strcmp(plan->indicators[i]->id, r->value->indicator) == 0 &&
		    plan->indicators[i]->direction == LANU__V1__DIRECTION__DIRECTION_TRACKED)
			return "tracked";
	return r->level < ELEMENTSOF(status_word) ? status_word[r->level] : "?";
}

/* A number as people read it: no trailing zeros, at most 3 decimals. */
static void
number(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.3f", v);
	for (char *p = buf + strlen(buf) - 1; p > buf && (*p == '0' || *p == '.'); p--) {
		char c = *p;

		*p = '\0';
		if (c == '.')
			break;
	}
}

static void
series_table(const Lanu__V1__IndicatorReport *rep, const Lanu__V1__Plan *plan)
{
	static const char *const head[] = { "INDICATOR", "GROUP", "PERIOD", "VALUE", "TARGET",
					    "STATUS", "REVISED" };
	bool right[ELEMENTSOF(head)] = { false, false, false, true, true, false, true };
	struct table t = { .head = head, .right = right, .n = ELEMENTSOF(head) };
	char buf[3][CELL_MAX];
	const char *cell[ELEMENTSOF(head)];

	if (rep->n_rows == 0) {
		printf("no values\n");
		return;
	}
	table_fit(&t, head);
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			table_line(&t, head);
		for (size_t i = 0; i < rep->n_rows; i++) {
			const Lanu__V1__IndicatorRow *r = rep->rows[i];
			const Lanu__V1__IndicatorValue *v = r->value;

			cell[0] = v->indicator;
			cell[1] = *v->group ? v->group : "all";
			cell[2] = v->period;
			number(v->value, buf[0], sizeof(buf[0]));
			cell[3] = buf[0];
			number(r->target, buf[1], sizeof(buf[1]));
			cell[4] = r->has_target ? buf[1] : "-";
			cell[5] = row_status(r, plan);
			snprintf(buf[2], sizeof(buf[2]), "%" PRIu32, v->revision);
			cell[6] = v->revision ? buf[2] : "-";
			if (pass)
				table_line(&t, cell);
			else
				table_fit(&t, cell);
		}
	}
}

static void
series_csv(const Lanu__V1__IndicatorReport *rep, const Lanu__V1__Plan *plan)
{
	static const char *const head[] = { "indicator", "group", "period", "value", "numerator",
					    "denominator", "target", "status", "provider",
					    "revision", "count" };
	char buf[64];

	for (size_t i = 0; i < ELEMENTSOF(head); i++)
		csv_field(head[i], i + 1 == ELEMENTSOF(head));
	for (size_t i = 0; i < rep->n_rows; i++) {
		const Lanu__V1__IndicatorRow *r = rep->rows[i];
		const Lanu__V1__IndicatorValue *v = r->value;
		bool ratio = v->numerator != 0 || v->denominator != 0;

		csv_field(v->indicator, false);
		csv_field(v->group, false);
		csv_field(v->period, false);
		snprintf(buf, sizeof(buf), "%.17g", v->value);
		csv_field(buf, false);
		snprintf(buf, sizeof(buf), "%.17g", v->numerator);
		csv_field(ratio ? buf : "", false);
		snprintf(buf, sizeof(buf), "%.17g", v->denominator);
		csv_field(ratio ? buf : "", false);
		snprintf(buf, sizeof(buf), "%.17g", r->target);
		csv_field(r->has_target ? buf : "", false);
		csv_field(row_status(r, plan), false);
		csv_field(v->provider, false);
		snprintf(buf, sizeof(buf), "%" PRIu32, v->revision);
		csv_field(buf, false);
		snprintf(buf, sizeof(buf), "%" PRIu64, v->count);
		csv_field(v->count ? buf : "", true);
	}
}

int
cmd_indicators(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "indicator", required_argument, NULL, 'i' },
		{ "by", required_argument, NULL, 'b' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "revisions", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__IndicatorQuery q = LANU__V1__INDICATOR_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep, *plan = NULL;
	const Lanu__V1__Plan *p = NULL;
	bool csv = false;
	char *by[BY_MAX];
	int ch, r;

	q.by = by;
	while ((ch = next_option(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'i': q.indicator = optarg; break;
		case 'b':
			if (parse_by(optarg, by, &q.n_by) < 0)
				return EXIT_REFUSED;
			break;
		case 'f': q.from = optarg; break;
		case 't': q.to = optarg; break;
		case 'r': q.revisions = true; break;
		case 'j': x->json = true; break;
		case 'C': csv = true; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lanuctl: usage: indicators [--indicator I] "
				"[--by area,language,age,grade,gender] [--from YEAR] [--to YEAR] "
				"[--revisions] [--json|--csv]\n");
		return EXIT_REFUSED;
	}
	if (ctl_one_format(x, csv))
		return EXIT_REFUSED;
	req.body_case = LANU__V1__REQUEST__BODY_INDICATORS;
	req.indicators = &q;
	r = ctl_query(x, &req, LANU__V1__REPLY__RESULT_INDICATORS, &rep);
	if (r)
		return r;
	if (!x->json && plan_fetch(x, 0, &plan) == 0 && plan->plan_version)
		p = plan->plan_version->plan;	/* which indicators are tracked */
	if (x->json)
		print_json(&rep->indicators->base);
	else if (csv)
		series_csv(rep->indicators, p);
	else
		series_table(rep->indicators, p);
	if (plan)
		lanu__v1__reply__free_unpacked(plan, NULL);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}
