/*
 * lanuctl due, compliance: the access-time clocks as a supervisor reads them. `due` is
 * the worklist of open clocks, soonest first; `compliance` is how one service kept its
 * limits over a period, as a table, one JSON object or RFC 4180 CSV for a spreadsheet.
 * lanud does all the counting (deadline.c); these commands check their options, ask,
 * and lay the reply out. What only lanud can judge (a period, a breakdown's name, an
 * id) comes back REJECTED and is reported by ctl_call(), naming the field.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "plan.h"
#include "plan_value.h"

/* --- options --------------------------------------------------------------------------- */

static int
parse_limit(const char *s, uint32_t *ret)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || *s < '0' || *s > '9' || v < 1 || v > QUERY_PAGE) {
		fprintf(stderr, "lanuctl: --limit '%s' is not a number 1..%d\n", s, QUERY_PAGE);
		return -EINVAL;
	}
	*ret = (uint32_t)v;
	return 0;
}

/* --- due ------------------------------------------------------------------------------- */

enum { DUE_DAY, DUE_LEFT, DUE_SERVICE, DUE_STAGE, DUE_AREA, DUE_CASE, DUE_URGENCY, DUE_STARTED,
       DUE_NOTE, DUE_COLS };

/* One clock's cells: those made here are in buf, the rest point into c. */
static void
due_row(const Lanu__V1__Clock *c, char (*buf)[CELL_MAX], const char **cell)
{
	bool late = c->working_days_left < 0 || c->missed;

	snprintf(buf[DUE_LEFT], CELL_MAX, "%" PRId32 "%s", c->working_days_left,
		 late ? " (late)" : "");
	snprintf(buf[DUE_NOTE], CELL_MAX, "%s%s%s", c->postponed ? "postponed" : "",
		 c->postponed && *c->postpone_reason ? ": " : "",
		 c->postponed ? c->postpone_reason : "");
	cell[DUE_DAY] = c->due_day;
	cell[DUE_LEFT] = buf[DUE_LEFT];
	cell[DUE_SERVICE] = c->service;
	cell[DUE_STAGE] = *c->stage ? c->stage : "-";
	cell[DUE_AREA] = c->area;
	cell[DUE_CASE] = c->case_id;
	cell[DUE_URGENCY] = plan_enum_word(&lanu__v1__urgency__descriptor, c->urgency,
					   buf[DUE_URGENCY], CELL_MAX);
	cell[DUE_STARTED] = c->start_day;
	cell[DUE_NOTE] = buf[DUE_NOTE];
}

static void
due_table(const Lanu__V1__ClockList *l)
{
	static const char *const head[DUE_COLS] = { "DUE", "LEFT", "SERVICE", "STAGE", "AREA",
						    "CASE", "URGENCY", "STARTED", "NOTE" };
	struct table t = { .head = head, .n = DUE_COLS - 1 };
	char buf[DUE_COLS][CELL_MAX];
	const char *cell[DUE_COLS];

	if (l->n_clocks == 0) {
		printf("no open clocks\n");
		return;
	}
	for (size_t i = 0; i < l->n_clocks; i++)
		if (l->clocks[i]->postponed)
			t.n = DUE_COLS;		/* NOTE only when there is one */
	table_fit(&t, head);
	for (size_t i = 0; i < l->n_clocks; i++) {
		due_row(l->clocks[i], buf, cell);
		table_fit(&t, cell);
	}
	table_line(&t, head);
	for (size_t i = 0; i < l->n_clocks; i++) {
		due_row(l->clocks[i], buf, cell);
		table_line(&t, cell);
	}
}

int
cmd_due(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "within", required_argument, NULL, 'w' },
		{ "area", required_argument, NULL, 'a' },
		{ "service", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__DueQuery q = LANU__V1__DUE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Duration__Unit unit;
	Lanu__V1__Reply *rep;
	uint32_t count;
	int ch, r;

	while ((ch = next_option(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'w': q.within = optarg; break;
		case 'a': q.area = optarg; break;
		case 's': q.service = optarg; break;
		case 'l':
			if (parse_limit(optarg, &q.limit) < 0)
				return EXIT_REFUSED;
			break;
		case 'j': x->json = true; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lanuctl: usage: due [--within SPAN] [--area A] [--service S] "
				"[--limit N] [--json]\n");
		return EXIT_REFUSED;
	}
	/* lanud's own parser: the same spans as a plan's durations. */
	if (*q.within && value_duration(q.within, &count, &unit) < 0) {
		fprintf(stderr, "lanuctl: --within '%s' is not a span (expected e.g. \"2 working "
				"days\", \"3 weeks\" or \"4 hours\")\n", q.within);
		return EXIT_REFUSED;
	}
	req.body_case = LANU__V1__REQUEST__BODY_DUE;
	req.due = &q;
	r = ctl_query(x, &req, LANU__V1__REPLY__RESULT_CLOCKS, &rep);
	if (r)
		return r;
	if (x->json)
		for (size_t i = 0; i < rep->clocks->n_clocks; i++)
			print_json(&rep->clocks->clocks[i]->base);
	else
		due_table(rep->clocks);
	/* With --json on stderr: stdout stays one clock per line. */
	if (rep->clocks->more)
		fprintf(x->json ? stderr : stdout,
			"more: narrow with --within/--area/--service%s\n",
			q.limit && q.limit < QUERY_PAGE ? " or raise --limit" : "");
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}

/* --- compliance ------------------------------------------------------------------------ */

enum { CR_STAGE, CR_GROUP, CR_OPENED, CR_MET, CR_LATE, CR_MISSED, CR_PENDING, CR_CANCELLED,
       CR_POSTPONED, CR_SHARE, CR_MEDIAN_WD, CR_P90_WD, CR_MEDIAN_D, CR_P90_D, CR_COLS };

/* A wait (or, with percent, a share) as lanud sends it; -1 (none) as none. */
static const char *
number_text(double v, bool percent, const char *none, char *buf)
{
	if (v < 0)
		return none;
	if (percent)
		snprintf(buf, CELL_MAX, "%.1f%%", 100 * v);
	else
		snprintf(buf, CELL_MAX, "%g", v);
	return buf;
}

/* One row's cells, as a table shows them or (csv) as CSV fields; made ones in buf. */
static void
compliance_row(const Lanu__V1__ComplianceRow *row, bool csv, char (*buf)[CELL_MAX],
	       const char **cell)
{
	const uint64_t counts[] = { row->opened, row->met, row->late, row->missed, row->pending,
				    row->cancelled, row->postponed };
	const char *none = csv ? "" : "-";

	cell[CR_STAGE] = *row->stage || csv ? row->stage : "-";
	cell[CR_GROUP] = *row->group || csv ? row->group : "all";
	for (size_t i = 0; i < ELEMENTSOF(counts); i++) {
		snprintf(buf[CR_OPENED + i], CELL_MAX, "%" PRIu64, counts[i]);
		cell[CR_OPENED + i] = buf[CR_OPENED + i];
	}
	cell[CR_SHARE] = number_text(row->share_met, !csv, none, buf[CR_SHARE]);
	cell[CR_MEDIAN_WD] = number_text(row->wait_median_working_days, false, none,
					 buf[CR_MEDIAN_WD]);
	cell[CR_P90_WD] = number_text(row->wait_p90_working_days, false, none, buf[CR_P90_WD]);
	cell[CR_MEDIAN_D] = number_text(row->wait_median_days, false, none, buf[CR_MEDIAN_D]);
	cell[CR_P90_D] = number_text(row->wait_p90_days, false, none, buf[CR_P90_D]);
}

static void
compliance_table(const Lanu__V1__ComplianceReport *rep)
{
	static const char *const head[CR_COLS] = {
		"STAGE", "GROUP", "OPENED", "MET", "LATE", "MISSED", "PENDING", "CANCELLED",
		"POSTPONED", "SHARE MET", "MEDIAN WD", "P90 WD", "MEDIAN D", "P90 D",
	};
	static const bool right[CR_COLS] = { false, false, true, true, true, true, true, true,
					     true, true, true, true, true, true };
	struct table t = { .head = head, .right = right, .n = CR_COLS };
	char buf[CR_COLS][CELL_MAX];
	const char *cell[CR_COLS];

	printf("%s: clocks started %s – %s\n", rep->service, rep->from, rep->to);
	if (rep->n_rows == 0) {
		printf("no clocks\n");
		return;
	}
	table_fit(&t, head);
	for (size_t i = 0; i < rep->n_rows; i++) {
		compliance_row(rep->rows[i], false, buf, cell);
		table_fit(&t, cell);
	}
	table_line(&t, head);
	for (size_t i = 0; i < rep->n_rows; i++) {
		compliance_row(rep->rows[i], false, buf, cell);
		table_line(&t, cell);
	}
	printf("share met: met / (met + late + missed); waits from request to service, of those "
	       "provided, in working days (WD) and calendar days (D)\n");
}

/* A header row, then one record per row, each with the service and the period, so
 * files of several services or periods can be concatenated (less their headers). */
static void
compliance_csv(const Lanu__V1__ComplianceReport *rep)
{
	static const char *const head[3 + CR_COLS] = {
		"service", "from", "to", "stage", "group", "opened", "met", "late", "missed",
		"pending", "cancelled", "postponed", "share_met", "wait_median_working_days",
		"wait_p90_working_days", "wait_median_days", "wait_p90_days",
	};
	char buf[CR_COLS][CELL_MAX];
	const char *cell[CR_COLS];

	for (size_t i = 0; i < ELEMENTSOF(head); i++)
		csv_field(head[i], i + 1 == ELEMENTSOF(head));
	for (size_t i = 0; i < rep->n_rows; i++) {
		compliance_row(rep->rows[i], true, buf, cell);
		csv_field(rep->service, false);
		csv_field(rep->from, false);
		csv_field(rep->to, false);
		for (size_t j = 0; j < CR_COLS; j++)
			csv_field(cell[j], j + 1 == CR_COLS);
	}
}

/* THL's half-year time-limit figures: one CSV row per service and stage. */
static void
compliance_thl_csv(const Lanu__V1__ComplianceReport *rep)
{
	static const char *const head[] = { "service", "stage", "from", "to", "became_pending",
					    "decided_in_time", "decided_late",
					    "open_past_limit" };
	char buf[32];

	for (size_t i = 0; i < ELEMENTSOF(head); i++)
		csv_field(head[i], i + 1 == ELEMENTSOF(head));
	for (size_t i = 0; i < rep->n_thl; i++) {
		const Lanu__V1__ComplianceThlRow *r = rep->thl[i];
		const uint64_t v[] = { r->became_pending, r->decided_in_time, r->decided_late,
				       r->open_past_limit };

		csv_field(r->service, false);
		csv_field(r->stage, false);
		csv_field(rep->from, false);
		csv_field(rep->to, false);
		for (size_t j = 0; j < ELEMENTSOF(v); j++) {
			snprintf(buf, sizeof(buf), "%" PRIu64, v[j]);
			csv_field(buf, j + 1 == ELEMENTSOF(v));
		}
	}
}

int
cmd_compliance(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "period", required_argument, NULL, 'p' },
		{ "by", required_argument, NULL, 'b' },
		{ "thl", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__ComplianceQuery q = LANU__V1__COMPLIANCE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	char *by[BY_MAX];
	bool csv = false;
	int ch, r;

	q.by = by;
	while ((ch = next_option(argc, argv, opts)) != -1) {
		switch (ch) {
		case 's': q.service = optarg; break;
		case 'p': q.period = optarg; break;
		case 'b':
			if (parse_by(optarg, by, &q.n_by) < 0)
				return EXIT_REFUSED;
			break;
		case 'T':
			q.thl = true;
			q.period = optarg;
			break;
		case 'j': x->json = true; break;
		case 'C': csv = true; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lanuctl: usage: compliance --service S [--period P] "
				"[--by area,language,age,urgency] [--json|--csv]\n"
				"       lanuctl compliance --thl HALF-YEAR [--service S] [--json]\n");
		return EXIT_REFUSED;
	}
	if (!*q.service && !q.thl) {
		fprintf(stderr, "lanuctl: compliance needs --service\n");
		return EXIT_REFUSED;
	}
	if (ctl_one_format(x, csv))
		return EXIT_REFUSED;
	req.body_case = LANU__V1__REQUEST__BODY_COMPLIANCE;
	req.compliance = &q;
	r = ctl_query(x, &req, LANU__V1__REPLY__RESULT_COMPLIANCE, &rep);
	if (r)
		return r;
	if (x->json)
		print_json(&rep->compliance->base);
	else if (q.thl)
		compliance_thl_csv(rep->compliance);
	else if (csv)
		compliance_csv(rep->compliance);
	else
		compliance_table(rep->compliance);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}
