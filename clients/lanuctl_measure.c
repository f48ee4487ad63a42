/*
 * lanuctl measures: the plan's measures with their latest status, as the monitoring
 * body reads them (docs/indicators.md): a table, one JSON object (MeasureReport) or
 * RFC 4180 CSV, one row per measure, in the plan's order; `--history` every status of
 * each. lanud keeps the statuses (measure.c); this checks options, asks and lays out.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "lanu/macro.h"

static const char *
status_word(const Lanu__V1__MeasureStatusRecord *rec)
{
	static const char *const words[] = {
		[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_NOT_STARTED] = "planned",
		[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_IN_PROGRESS] = "started",
		[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_PILOTED] = "piloted",
		[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_ESTABLISHED] = "established",
		[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DONE] = "done",
		[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DROPPED] = "dropped",
	};

	if (!rec)
		return "-";
	return (size_t)rec->status < ELEMENTSOF(words) && words[rec->status] ? words[rec->status]
									      : "?";
}

/* "2022-01-01..2025-12-31", "from 2023-08-01", "-". */
static void
schedule(const Lanu__V1__MeasureRow *r, char *buf, size_t len)
{
	if (*r->schedule_from && *r->schedule_to)
		snprintf(buf, len, "%s..%s", r->schedule_from, r->schedule_to);
	else if (*r->schedule_from)
		snprintf(buf, len, "from %s", r->schedule_from);
	else if (*r->schedule_to)
		snprintf(buf, len, "until %s", r->schedule_to);
	else
		snprintf(buf, len, "-");
}

static void
measures_table(const Lanu__V1__MeasureReport *rep, bool history)
{
	static const char *const head[] = { "MEASURE", "GOAL", "SCHEDULE", "STATUS", "SINCE",
					    "OVERDUE" };
	bool right[ELEMENTSOF(head)] = { false };
	struct table t = { .head = head, .right = right, .n = ELEMENTSOF(head) };
	char sched[CELL_MAX];
	const char *cell[ELEMENTSOF(head)];

	if (rep->n_rows == 0) {
		printf("no measures\n");
		return;
	}
	table_fit(&t, head);
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			table_line(&t, head);
		for (size_t i = 0; i < rep->n_rows; i++) {
			const Lanu__V1__MeasureRow *r = rep->rows[i];

			schedule(r, sched, sizeof(sched));
			cell[0] = r->measure;
			cell[1] = r->goal;
			cell[2] = sched;
			cell[3] = status_word(r->latest);
			cell[4] = r->latest ? r->latest->date : "-";
			cell[5] = r->overdue ? "overdue" : "";
			if (!pass) {
				table_fit(&t, cell);
				continue;
			}
			table_line(&t, cell);
			for (size_t j = 0; history && j < r->n_history; j++)
				printf("    %s %s%s%s\n", r->history[j]->date,
				       status_word(r->history[j]), *r->history[j]->note ? ": " : "",
				       r->history[j]->note);
		}
	}
}

static void
measures_csv(const Lanu__V1__MeasureReport *rep)
{
	static const char *const head[] = { "measure", "goal", "schedule_from", "schedule_to",
					    "status", "since", "note", "overdue" };

	for (size_t i = 0; i < ELEMENTSOF(head); i++)
		csv_field(head[i], i + 1 == ELEMENTSOF(head));
	for (size_t i = 0; i < rep->n_rows; i++) {
		const Lanu__V1__MeasureRow *r = rep->rows[i];

		csv_field(r->measure, false);
		csv_field(r->goal, false);
		csv_field(r->schedule_from, false);
		csv_field(r->schedule_to, false);
		csv_field(r->latest ? status_word(r->latest) : "", false);
		csv_field(r->latest ? r->latest->date : "", false);
		csv_field(r->latest ? r->latest->note : "", false);
		csv_field(r->overdue ? "true" : "false", true);
	}
}

int
cmd_measures(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "goal", required_argument, NULL, 'g' },
		{ "status", required_argument, NULL, 's' },
		{ "history", no_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__MeasureQuery q = LANU__V1__MEASURE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	bool csv = false;
	int ch, r;

	while ((ch = next_option(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'g': q.goal = optarg; break;
		case 's': q.status = optarg; break;
		case 'H': q.history = true; break;
		case 'j': x->json = true; break;
		case 'C': csv = true; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "lanuctl: usage: measures [--goal G] [--status S|none|overdue] "
				"[--history] [--json|--csv]\n");
		return EXIT_REFUSED;
	}
	if (ctl_one_format(x, csv))
		return EXIT_REFUSED;
	req.body_case = LANU__V1__REQUEST__BODY_MEASURES;
	req.measures = &q;
	r = ctl_query(x, &req, LANU__V1__REPLY__RESULT_MEASURES, &rep);
	if (r)
		return r;
	if (x->json)
		print_json(&rep->measures->base);
	else if (csv)
		measures_csv(rep->measures);
	else
		measures_table(rep->measures, q.history);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}
