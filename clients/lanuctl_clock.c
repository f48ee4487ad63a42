/*
 * lanuctl due, case, compliance: the access-time clocks as a supervisor reads them. `due`
 * is the worklist of open clocks, soonest first (--all walks every page by the cursor
 * lanud gives); `case` is every clock of one case, open or closed; `compliance` is how
 * one service kept its limits over a period, as a table, one JSON object or RFC 4180
 * CSV for a spreadsheet.
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
#include "instant.h"
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

/* One clock's cells: those made here are in buf, the rest point into c or are the
 * plan's names. */
static void
due_row(struct ctl *x, const Lanu__V1__Clock *c, char (*buf)[CELL_MAX], const char **cell)
{
	bool late = c->working_days_left < 0 || c->missed;

	snprintf(buf[DUE_LEFT], CELL_MAX, "%" PRId32 "%s", c->working_days_left,
		 late ? ctl_word(x, " (late)", " (myöhässä)", " (sen)") : "");
	snprintf(buf[DUE_NOTE], CELL_MAX, "%s%s%s",
		 c->postponed ? ctl_word(x, "postponed", "lykätty", "uppskjuten") : "",
		 c->postponed && *c->postpone_reason ? ": " : "",
		 c->postponed ? c->postpone_reason : "");
	cell[DUE_DAY] = ctl_day(x, c->due_day, buf[DUE_DAY], CELL_MAX);
	cell[DUE_LEFT] = buf[DUE_LEFT];
	cell[DUE_SERVICE] = ctl_name(x, PLAN_SERVICE, c->service);
	cell[DUE_STAGE] = *c->stage ? ctl_stage_name(x, c->service, c->stage) : "-";
	cell[DUE_AREA] = ctl_name(x, PLAN_AREA, c->area);
	cell[DUE_CASE] = c->case_id;
	cell[DUE_URGENCY] = ctl_urgency(x, c->urgency);
	cell[DUE_STARTED] = ctl_day(x, c->start_day, buf[DUE_STARTED], CELL_MAX);
	cell[DUE_NOTE] = buf[DUE_NOTE];
}

static void
due_table(struct ctl *x, const Lanu__V1__ClockList *l)
{
	static const char *const head_en[DUE_COLS] = { "DUE", "LEFT", "SERVICE", "STAGE", "AREA",
						       "CASE", "URGENCY", "STARTED", "NOTE" };
	static const char *const head_fi[DUE_COLS] = {
		"ERÄPÄIVÄ", "JÄLJELLÄ", "PALVELU", "VAIHE", "ALUE", "ASIA", "KIIREELLISYYS",
		"ALKOI", "HUOM",
	};
	static const char *const head_sv[DUE_COLS] = {
		"FÖRFALLER", "KVAR", "TJÄNST", "SKEDE", "OMRÅDE", "ÄRENDE", "BRÅDSKA", "BÖRJADE",
		"ANM",
	};
	const char *const *head = !strcmp(x->lang, "fi") ? head_fi
				  : !strcmp(x->lang, "sv") ? head_sv : head_en;
	struct table t = { .head = head, .n = DUE_COLS - 1 };
	char buf[DUE_COLS][CELL_MAX];
	const char *cell[DUE_COLS];

	if (l->n_clocks == 0) {
		printf("%s\n", ctl_word(x, "no open clocks", "ei avoimia määräaikoja",
					 "inga öppna tidsfrister"));
		return;
	}
	for (size_t i = 0; i < l->n_clocks; i++)
		if (l->clocks[i]->postponed)
			t.n = DUE_COLS;		/* NOTE only when there is one */
	table_fit(&t, head);
	for (size_t i = 0; i < l->n_clocks; i++) {
		due_row(x, l->clocks[i], buf, cell);
		table_fit(&t, cell);
	}
	table_line(&t, head);
	for (size_t i = 0; i < l->n_clocks; i++) {
		due_row(x, l->clocks[i], buf, cell);
		table_line(&t, cell);
	}
}

/* Every page of q's clocks, one after another: with --json each clock as its page comes,
 * else one table of them all. Returns 0 or an exit status. */
static int
due_all(struct ctl *x, Lanu__V1__Request *req, Lanu__V1__DueQuery *q)
{
	_cleanup_free_ Lanu__V1__Reply **reps = NULL;
	_cleanup_free_ Lanu__V1__Clock **all = NULL;
	Lanu__V1__ClockList list = LANU__V1__CLOCK_LIST__INIT;
	size_t n_reps = 0, cap = 0, room = 0;
	int r = 0;

	for (bool more = true; more && r == 0;) {
		Lanu__V1__Reply *rep;
		const Lanu__V1__ClockList *l;

		r = ctl_query(x, req, LANU__V1__REPLY__RESULT_CLOCKS, &rep);
		if (r)
			break;
		l = rep->clocks;
		if (n_reps == cap) {
			size_t c = cap ? cap * 2 : 8;
			Lanu__V1__Reply **v = realloc(reps, c * sizeof(*v));

			if (!v) {
				lanu__v1__reply__free_unpacked(rep, NULL);
				r = EXIT_REFUSED;
				break;
			}
			reps = v;
			cap = c;
		}
		reps[n_reps++] = rep;
		if (x->json)
			for (size_t i = 0; i < l->n_clocks; i++)
				print_json(&l->clocks[i]->base);
		else if (list.n_clocks + l->n_clocks > room) {
			size_t c = (list.n_clocks + l->n_clocks) * 2;
			Lanu__V1__Clock **v = realloc(all, c * sizeof(*v));

			if (!v) {
				r = EXIT_REFUSED;
				break;
			}
			all = v;
			room = c;
		}
		for (size_t i = 0; !x->json && i < l->n_clocks; i++)
			all[list.n_clocks++] = l->clocks[i];
		more = l->more;
		if (more && l->next_id == 0) {
			fprintf(stderr, "lanuctl: lanud gave no cursor for the next page "
					"(too old?)\n");
			r = EXIT_REFUSED;
		}
		q->after_due_at_ms = l->next_due_at_ms;
		q->after_id = l->next_id;
	}
	if (r == 0 && !x->json) {
		list.clocks = all;
		due_table(x, &list);
	}
	for (size_t i = 0; i < n_reps; i++)
		lanu__v1__reply__free_unpacked(reps[i], NULL);
	return r;
}

int
cmd_due(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "within", required_argument, NULL, 'w' },
		{ "area", required_argument, NULL, 'a' },
		{ "service", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "all", no_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'j' },
		{ "ids", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__DueQuery q = LANU__V1__DUE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Duration__Unit unit;
	Lanu__V1__Reply *rep;
	bool all = false;
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
		case 'A': all = true; break;
		case 'j': x->json = true; break;
		case 'I': x->ids = true; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lanuctl: usage: due [--within SPAN] [--area A] [--service S] "
				"[--limit N] [--all] [--json]\n");
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
	if (all)
		return due_all(x, &req, &q);
	r = ctl_query(x, &req, LANU__V1__REPLY__RESULT_CLOCKS, &rep);
	if (r)
		return r;
	if (x->json)
		for (size_t i = 0; i < rep->clocks->n_clocks; i++)
			print_json(&rep->clocks->clocks[i]->base);
	else
		due_table(x, rep->clocks);
	/* With --json on stderr: stdout stays one clock per line. */
	if (rep->clocks->more)
		fprintf(x->json ? stderr : stdout, "%s --within/--area/--service%s\n",
			ctl_word(x, "more: every page with --all, or narrow with",
				 "lisää: kaikki sivut valinnalla --all, tai rajaa valinnoilla",
				 "fler: alla sidor med --all, eller avgränsa med"),
			!q.limit || q.limit >= QUERY_PAGE ? ""
			: ctl_word(x, " or raise --limit", " tai kasvata --limit",
				   " eller höj --limit"));
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}

/* --- case ------------------------------------------------------------------------------ */

static const char *
case_state(const struct ctl *x, Lanu__V1__Clock__State s)
{
	switch (s) {
	case LANU__V1__CLOCK__STATE__STATE_OPEN:
		return ctl_word(x, "open", "avoin", "öppen");
	case LANU__V1__CLOCK__STATE__STATE_MET:
		return ctl_word(x, "met", "ajallaan", "i tid");
	case LANU__V1__CLOCK__STATE__STATE_LATE:
		return ctl_word(x, "late", "myöhässä", "sen");
	case LANU__V1__CLOCK__STATE__STATE_CANCELLED:
		return ctl_word(x, "cancelled", "peruttu", "återkallad");
	case LANU__V1__CLOCK__STATE__STATE_EARLY:
		return ctl_word(x, "early delivery", "ennen pyyntöä annettu",
				"given före begäran");
	default:
		return "?";
	}
}

/* One clock as lines of "label  value". */
static void
case_clock(struct ctl *x, const Lanu__V1__Clock *c)
{
	char when[32], day[CELL_MAX];

	printf("%s%s%s: %s\n", ctl_name(x, PLAN_SERVICE, c->service), *c->stage ? " / " : "",
	       *c->stage ? ctl_stage_name(x, c->service, c->stage) : "",
	       case_state(x, c->state));
	printf("  %-10s %s\n", ctl_word(x, "rule", "sääntö", "regel"),
	       c->limit && *c->limit->text ? c->limit->text : "-");
	instant_format(c->started_at_ms, when);
	printf("  %-10s %s (%s)\n", ctl_word(x, "started", "alkoi", "började"),
	       ctl_day(x, c->start_day, day, sizeof(day)), when);
	if (*c->due_day) {
		instant_format(c->due_at_ms, when);
		printf("  %-10s %s (%s)\n", ctl_word(x, "due", "eräpäivä", "förfaller"),
		       ctl_day(x, c->due_day, day, sizeof(day)), when);
	}
	if (c->warn_at_ms) {
		instant_format(c->warn_at_ms, when);
		printf("  %-10s %s (%s %s)\n", ctl_word(x, "warning", "varoitus", "varning"),
		       c->warned ? ctl_word(x, "sent", "lähetetty", "skickad")
				 : ctl_word(x, "not sent", "ei lähetetty", "inte skickad"),
		       ctl_word(x, "its instant", "ajankohta", "tidpunkt"), when);
	}
	if (c->missed)
		printf("  %-10s %s\n", ctl_word(x, "missed", "ylittyi", "överskriden"),
		       ctl_word(x, "open past the due instant: alert raised",
				"avoinna yli määräajan: hälytys annettu",
				"öppen efter tidsfristen: larm utfärdat"));
	if (c->closed_at_ms) {
		instant_format(c->closed_at_ms, when);
		printf("  %-10s %s\n", ctl_word(x, "closed", "päättyi", "avslutad"), when);
	}
	if (c->postponed)
		printf("  %-10s %s\n", ctl_word(x, "postponed", "lykätty", "uppskjuten"),
		       *c->postpone_reason ? c->postpone_reason : "-");
}

int
cmd_case(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "ids", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__CaseQuery q = LANU__V1__CASE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	int ch, r;

	while ((ch = next_option(argc, argv, opts)) != -1) {
		switch (ch) {
		case 's': q.service = optarg; break;
		case 'j': x->json = true; break;
		case 'I': x->ids = true; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "lanuctl: usage: case CASE [--service S] [--json] [--ids]\n");
		return EXIT_REFUSED;
	}
	q.case_id = argv[optind];
	req.body_case = LANU__V1__REQUEST__BODY_CASE_QUERY;
	req.case_query = &q;
	r = ctl_query(x, &req, LANU__V1__REPLY__RESULT_CLOCKS, &rep);
	if (r)
		return r;
	if (x->json) {
		print_json(&rep->clocks->base);
	} else {
		printf("%s %s\n", ctl_word(x, "case", "asia", "ärende"), q.case_id);
		for (size_t i = 0; i < rep->clocks->n_clocks; i++)
			case_clock(x, rep->clocks->clocks[i]);
		if (rep->clocks->more)
			printf("%s\n", ctl_word(x, "more: name a --service",
						  "lisää: rajaa valinnalla --service",
						  "fler: avgränsa med --service"));
	}
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

/* A breakdown group as people read it: "area=north,language=sv" as "North, sv", the
 * areas by their names; "" (no --by) as all. */
static const char *
group_text(struct ctl *x, const char *group, char *buf, size_t len)
{
	size_t at = 0;

	if (!*group)
		return ctl_word(x, "all", "kaikki", "alla");
	if (x->ids)
		return group;
	buf[0] = '\0';
	for (const char *p = group; *p && at < len;) {
		const char *end = p + strcspn(p, ","), *eq = memchr(p, '=', (size_t)(end - p));
		char key[32], val[CELL_MAX];
		const char *shown;

		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - p) : 0, p);
		if (eq)
			p = eq + 1;
		snprintf(val, sizeof(val), "%.*s", (int)(end - p), p);
		shown = strcmp(key, "area") == 0 && strcmp(val, "-") != 0
			? ctl_name(x, PLAN_AREA, val) : val;
		at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", shown);
		p = *end ? end + 1 : end;
	}
	return buf;
}

/* One row's cells, as a table shows them or (csv) as CSV fields; made ones in buf. A
 * table shows the plan's names (x; NULL for CSV: ids). */
static void
compliance_row(struct ctl *x, const char *service, const Lanu__V1__ComplianceRow *row,
	       bool csv, char (*buf)[CELL_MAX], const char **cell)
{
	const uint64_t counts[] = { row->opened, row->met, row->late, row->missed, row->pending,
				    row->cancelled, row->postponed };
	const char *none = csv ? "" : "-";

	if (csv) {
		cell[CR_STAGE] = row->stage;
		cell[CR_GROUP] = row->group;
	} else {
		cell[CR_STAGE] = *row->stage ? ctl_stage_name(x, service, row->stage) : "-";
		cell[CR_GROUP] = group_text(x, row->group, buf[CR_GROUP], CELL_MAX);
	}
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

/* A table's row, sorted: stages as lanud gives them, groups by what they show. */
struct shown_row {
	size_t stage;		/* the stage's first row */
	const Lanu__V1__ComplianceRow *row;
	char group[CELL_MAX];
};

static int
shown_row_cmp(const void *a, const void *b)
{
	const struct shown_row *x = a, *y = b;

	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	return strcmp(x->group, y->group);
}

static void
compliance_table(struct ctl *x, const Lanu__V1__ComplianceReport *rep)
{
	static const char *const head_en[CR_COLS] = {
		"STAGE", "GROUP", "OPENED", "MET", "LATE", "MISSED", "PENDING", "CANCELLED",
		"POSTPONED", "SHARE MET", "MEDIAN WD", "P90 WD", "MEDIAN D", "P90 D",
	};
	static const char *const head_fi[CR_COLS] = {
		"VAIHE", "RYHMÄ", "ALKANEET", "AJALLAAN", "MYÖHÄSSÄ", "YLITTYNEET", "KESKEN",
		"PERUTUT", "LYKÄTYT", "AJALLAAN %", "MEDIAANI TP", "P90 TP", "MEDIAANI PV",
		"P90 PV",
	};
	static const char *const head_sv[CR_COLS] = {
		"SKEDE", "GRUPP", "ÖPPNADE", "I TID", "SENT", "ÖVERSKRIDNA", "PÅGÅENDE",
		"ÅTERKALLADE", "UPPSKJUTNA", "ANDEL I TID", "MEDIAN AD", "P90 AD", "MEDIAN D",
		"P90 D",
	};
	static const bool right[CR_COLS] = { false, false, true, true, true, true, true, true,
					     true, true, true, true, true, true };
	const char *const *head = !strcmp(x->lang, "fi") ? head_fi
				  : !strcmp(x->lang, "sv") ? head_sv : head_en;
	struct table t = { .head = head, .right = right, .n = CR_COLS };
	_cleanup_free_ struct shown_row *v = NULL;
	char buf[CR_COLS][CELL_MAX], period[64];
	const char *cell[CR_COLS];

	printf("%s: %s %s\n", ctl_name(x, PLAN_SERVICE, rep->service),
	       ctl_word(x, "clocks started", "määräajat alkaneet", "tidsfrister som började"),
	       ctl_period(x, rep->from, rep->to, period, sizeof(period)));
	if (rep->n_rows == 0) {
		printf("%s\n", ctl_word(x, "no clocks", "ei määräaikoja", "inga tidsfrister"));
		return;
	}
	v = calloc(rep->n_rows, sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < rep->n_rows; i++) {
		v[i].row = rep->rows[i];
		v[i].stage = i;
		for (size_t j = 0; j < i; j++)
			if (strcmp(rep->rows[j]->stage, rep->rows[i]->stage) == 0) {
				v[i].stage = v[j].stage;
				break;
			}
		snprintf(v[i].group, sizeof(v[i].group), "%s",
			 group_text(x, rep->rows[i]->group, buf[CR_GROUP], CELL_MAX));
	}
	qsort(v, rep->n_rows, sizeof(*v), shown_row_cmp);
	table_fit(&t, head);
	for (size_t i = 0; i < rep->n_rows; i++) {
		compliance_row(x, rep->service, v[i].row, false, buf, cell);
		table_fit(&t, cell);
	}
	table_line(&t, head);
	for (size_t i = 0; i < rep->n_rows; i++) {
		compliance_row(x, rep->service, v[i].row, false, buf, cell);
		table_line(&t, cell);
	}
	printf("%s\n", ctl_word(x,
		"share met: met / (met + late + missed); waits from request to service, of those "
		"provided, in working days (WD) and calendar days (D)",
		"ajallaan %: ajallaan / (ajallaan + myöhässä + ylittyneet); odotus pyynnöstä "
		"palveluun, annetuista, työpäivinä (TP) ja kalenteripäivinä (PV)",
		"andel i tid: i tid / (i tid + sent + överskridna); väntan från begäran till "
		"tjänst, av de givna, i arbetsdagar (AD) och kalenderdagar (D)"));
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
		compliance_row(NULL, rep->service, rep->rows[i], true, buf, cell);
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
		{ "ids", no_argument, NULL, 'I' },
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
		case 'I': x->ids = true; break;
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
		compliance_table(x, rep->compliance);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}
