/*
 * lanuctl absences: school absences as a coordinator and a student welfare group read
 * them (docs/absences.md). `--period P [--by school,grade,area]` is how many pupils of
 * a review period are at each level of their ladder and the share of lessons missed, as
 * a table, one JSON object or RFC 4180 CSV; `--pupil P` is one pupil's places on every
 * ladder and period, each with the level reached and the one next, in the plan's words.
 * lanud adds the figures up (absence.c); this checks options, asks and lays out.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "lanu/macro.h"

#define W(en, fi, sv) ctl_word(x, en, fi, sv)
#define LEVEL_COLS (TABLE_COLS - 8)	/* the grouped columns, pupils, hours, share */

/* The most levels any row counts pupils at (1 + the highest level). */
static size_t
figures_levels(const Lanu__V1__AbsenceReport *rep)
{
	size_t n = 1;

	for (size_t i = 0; i < rep->n_rows; i++)
		if (rep->rows[i]->n_at_level > n)
			n = rep->rows[i]->n_at_level;
	return n > LEVEL_COLS ? LEVEL_COLS : n;
}

/* A row's count of pupils at level v, 0 past what it counts. */
static uint64_t
figures_at(const Lanu__V1__AbsenceFigures *f, size_t v)
{
	return v < f->n_at_level ? f->at_level[v] : 0;
}

/* A table's row as shown: its areas and school by the plan's names, for sorting. */
struct shown_figures {
	const Lanu__V1__AbsenceFigures *f;
	const char *area, *school;
};

static int
shown_figures_cmp(const void *a, const void *b)
{
	const struct shown_figures *x = a, *y = b;
	int c = strcmp(x->f->ladder, y->f->ladder);

	if (!c)
		c = strcmp(x->area, y->area);
	if (!c)
		c = strcmp(x->school, y->school);
	if (!c && x->f->grade != y->f->grade)
		c = x->f->grade < y->f->grade ? -1 : 1;
	return c;
}

static void
figures_table(struct ctl *x, const Lanu__V1__AbsenceQuery *q,
	      const Lanu__V1__AbsenceReport *rep, bool area, bool school, bool grade)
{
	_cleanup_free_ struct shown_figures *rows = NULL;
	size_t levels = figures_levels(rep), n = 0, c_pupils, c_level, c_hours;
	const char *head[TABLE_COLS];
	bool right[TABLE_COLS] = { false };
	char hbuf[LEVEL_COLS][48], buf[TABLE_COLS][CELL_MAX];
	const char *cell[TABLE_COLS];
	struct table t = { .head = head, .right = right };

	head[n++] = W("LADDER", "PORTAIKKO", "TRAPPA");
	if (area)
		head[n++] = W("AREA", "ALUE", "OMRÅDE");
	if (school)
		head[n++] = W("SCHOOL", "KOULU", "SKOLA");
	if (grade) {
		right[n] = true;
		head[n++] = W("GRADE", "LUOKKA", "ÅRSKURS");
	}
	c_pupils = n;
	right[n] = true;
	head[n++] = W("PUPILS", "OPPILAITA", "ELEVER");
	c_level = n;
	for (size_t v = 0; v < levels; v++) {
		if (v)
			snprintf(hbuf[v], sizeof(hbuf[v]), "%s %zu", W("LEVEL", "PORRAS", "STEG"), v);
		else
			snprintf(hbuf[v], sizeof(hbuf[v]), "%s", W("NO LEVEL", "EI PORRASTA",
								   "INGET STEG"));
		right[n] = true;
		head[n++] = hbuf[v];
	}
	c_hours = n;
	right[n] = right[n + 1] = true;
	head[n++] = W("HOURS", "TUNNIT", "TIMMAR");
	head[n++] = W("LESSONS MISSED", "POISSA OPPITUNNEILTA", "MISSADE LEKTIONER");
	t.n = n;
	printf("%s %s%s%s\n", W("absences in", "poissaolot", "frånvaro"), q->period,
	       *q->area ? W(" under ", ", alue ", ", område ") : "",
	       *q->area ? ctl_name(x, PLAN_AREA, q->area) : "");
	if (rep->n_rows == 0) {
		printf("%s\n", W("no reports", "ei ilmoituksia", "inga rapporter"));
		return;
	}
	/* the groups sorted by what they show */
	rows = calloc(rep->n_rows, sizeof(*rows));
	if (!rows)
		return;
	for (size_t i = 0; i < rep->n_rows; i++) {
		rows[i].f = rep->rows[i];
		rows[i].area = *rep->rows[i]->area ? ctl_name(x, PLAN_AREA, rep->rows[i]->area)
						   : "-";
		rows[i].school = ctl_name(x, PLAN_AREA, rep->rows[i]->school);
	}
	qsort(rows, rep->n_rows, sizeof(*rows), shown_figures_cmp);
	table_fit(&t, head);
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			table_line(&t, head);
		for (size_t i = 0; i < rep->n_rows; i++) {
			const Lanu__V1__AbsenceFigures *f = rows[i].f;
			size_t k = 0;

			cell[k++] = ctl_name(x, PLAN_ABSENCES, f->ladder);
			if (area)
				cell[k++] = rows[i].area;
			if (school)
				cell[k++] = rows[i].school;
			if (grade) {
				snprintf(buf[k], CELL_MAX, "%" PRIu32, f->grade);
				cell[k] = f->grade ? buf[k] : "-";
				k++;
			}
			snprintf(buf[c_pupils], CELL_MAX, "%" PRIu64, f->pupils);
			cell[c_pupils] = buf[c_pupils];
			for (size_t v = 0; v < levels; v++) {
				snprintf(buf[c_level + v], CELL_MAX, "%" PRIu64, figures_at(f, v));
				cell[c_level + v] = buf[c_level + v];
			}
			snprintf(buf[c_hours], CELL_MAX, "%.1f", f->hours);
			cell[c_hours] = buf[c_hours];
			if (f->share < 0)
				cell[c_hours + 1] = "-";
			else
				snprintf(buf[c_hours + 1], CELL_MAX, "%.1f%%", f->share);
			if (f->share >= 0)
				cell[c_hours + 1] = buf[c_hours + 1];
			if (pass)
				table_line(&t, cell);
			else
				table_fit(&t, cell);
		}
	}
	printf("%s\n", W("pupils by the highest level raised for them in the period; lessons "
			 "missed: of the lessons held, every class of absence",
			 "oppilaat jakson korkeimman heille nostetun portaan mukaan; poissa "
			 "oppitunneilta: pidetyistä oppitunneista, kaikki poissaolot",
			 "elever efter det högsta steget som nåtts under perioden; missade "
			 "lektioner: av de hållna lektionerna, all frånvaro"));
}

/* Every column, grouped or not, so that files of several periods can be joined. */
static void
figures_csv(const Lanu__V1__AbsenceReport *rep)
{
	static const char *const head[] = { "ladder", "period", "area", "school", "grade",
					    "pupils" };
	static const char *const tail[] = { "lessons_held", "lessons_absent", "hours",
					    "share" };
	size_t levels = figures_levels(rep);
	char buf[CELL_MAX];

	for (size_t i = 0; i < ELEMENTSOF(head); i++)
		csv_field(head[i], false);
	for (size_t v = 0; v < levels; v++) {
		snprintf(buf, sizeof(buf), "level_%zu", v);
		csv_field(buf, false);
	}
	for (size_t i = 0; i < ELEMENTSOF(tail); i++)
		csv_field(tail[i], i + 1 == ELEMENTSOF(tail));
	for (size_t i = 0; i < rep->n_rows; i++) {
		const Lanu__V1__AbsenceFigures *f = rep->rows[i];

		csv_field(f->ladder, false);
		csv_field(f->period, false);
		csv_field(f->area, false);
		csv_field(f->school, false);
		snprintf(buf, sizeof(buf), "%" PRIu32, f->grade);
		csv_field(f->grade ? buf : "", false);
		snprintf(buf, sizeof(buf), "%" PRIu64, f->pupils);
		csv_field(buf, false);
		for (size_t v = 0; v < levels; v++) {
			snprintf(buf, sizeof(buf), "%" PRIu64, figures_at(f, v));
			csv_field(buf, false);
		}
		snprintf(buf, sizeof(buf), "%" PRIu64, f->lessons_held);
		csv_field(buf, false);
		snprintf(buf, sizeof(buf), "%" PRIu64, f->lessons_absent);
		csv_field(buf, false);
		snprintf(buf, sizeof(buf), "%.17g", f->hours);
		csv_field(buf, false);
		snprintf(buf, sizeof(buf), "%.17g", f->share);
		csv_field(f->share < 0 ? "" : buf, true);
	}
}

/* --- one pupil ------------------------------------------------------------------------- */

static double
tally_hours(const Lanu__V1__AbsenceTally *t)
{
	return t ? t->hours : 0;
}

static uint32_t
tally_lessons(const Lanu__V1__AbsenceTally *t)
{
	return t ? t->lessons : 0;
}

static const Lanu__V1__AbsenceLadder *
ladder_of(const Lanu__V1__Plan *plan, const char *id)
{
	for (size_t i = 0; plan && i < plan->n_absences; i++)
		if (strcmp(plan->absences[i]->id, id) == 0)
			return plan->absences[i];
	return NULL;
}

/* "60 h or 10 %" of level v. */
static void
level_threshold(const Lanu__V1__AbsenceLevel *v, char *buf, size_t len)
{
	int n = 0;

	*buf = '\0';
	if (v->hours)
		n = snprintf(buf, len, "%g h", v->hours->value);
	if (v->share && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%g %%", n ? " or " : "", v->share->value);
}

static void
pupil_place(struct ctl *x, const Lanu__V1__AbsenceState *st, const Lanu__V1__Plan *plan)
{
	const Lanu__V1__AbsenceLadder *l = ladder_of(plan, st->ladder);
	double hours = tally_hours(st->authorised) + tally_hours(st->unauthorised) +
		       tally_hours(st->unexplained);
	uint64_t lessons = (uint64_t)tally_lessons(st->authorised) +
			   tally_lessons(st->unauthorised) + tally_lessons(st->unexplained);
	char thr[64];

	char day[16];

	printf("%s, %s: %s", ctl_name(x, PLAN_ABSENCES, st->ladder), st->period,
	       ctl_name(x, PLAN_AREA, st->school));
	if (st->grade)
		printf(", %s %" PRIu32, W("grade", "luokka", "årskurs"), st->grade);
	if (*st->as_of)
		printf(", %s %s", W("as of", "tilanne", "per"),
		       ctl_day(x, st->as_of, day, sizeof(day)));
	printf("\n  %s %.1f h (%s %.1f, %s %.1f, %s %.1f)", W("absent", "poissa", "frånvarande"),
	       hours, W("authorised", "luvalla", "beviljad"), tally_hours(st->authorised),
	       W("unauthorised", "luvatta", "obeviljad"), tally_hours(st->unauthorised),
	       W("unexplained", "selvittämättä", "outredd"), tally_hours(st->unexplained));
	if (st->lessons_held)
		printf(", %" PRIu64 " %s %" PRIu32 " %s (%.1f%%)", lessons, W("of", "/", "av"),
		       st->lessons_held, W("lessons", "oppitunnista", "lektioner"),
		       100.0 * (double)lessons / st->lessons_held);
	putchar('\n');
	for (size_t i = 0; l && i < l->n_levels; i++) {
		level_threshold(l->levels[i], thr, sizeof(thr));
		printf("  %s %s %zu %s %s: %s\n",
		       i < st->level ? W("reached", "saavutettu", "nått") : W("       ", "          ",
									   "    "),
		       W("level", "porras", "steg"), i + 1, W("at", "rajalla", "vid"), thr,
		       plan_text(x, l->levels[i]->action));
	}
	if (!l)
		printf("  %s %" PRIu32 " (%s '%s')\n", W("level", "porras", "steg"), st->level,
		       W("the plan in force has no ladder", "voimassa olevassa suunnitelmassa ei "
			 "ole portaikkoa", "planen som gäller har ingen trappa"), st->ladder);
}

static int
pupil_show(struct ctl *x, const Lanu__V1__AbsenceQuery *q, const Lanu__V1__AbsenceReport *rep)
{
	Lanu__V1__Reply *plan = NULL;
	const Lanu__V1__Plan *p = NULL;

	if (rep->n_pupil == 0) {
		printf("%s %s: %s%s%s\n", W("pupil", "oppilas", "elev"), q->pupil_id,
		       W("no absence reports", "ei poissaoloilmoituksia", "inga frånvarorapporter"),
		       *q->period ? W(" in ", ", jakso ", ", period ") : "", q->period);
		return 0;
	}
	/* the ladder's levels in the plan's words; without a plan, the places alone */
	if (plan_fetch(x, 0, &plan) == 0 && plan->plan_version)
		p = plan->plan_version->plan;
	printf("%s %s\n", W("pupil", "oppilas", "elev"), q->pupil_id);
	for (size_t i = 0; i < rep->n_pupil; i++)
		pupil_place(x, rep->pupil[i], p);
	if (plan)
		lanu__v1__reply__free_unpacked(plan, NULL);
	return 0;
}

int
cmd_absences(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "by", required_argument, NULL, 'b' },
		{ "area", required_argument, NULL, 'a' },
		{ "ladder", required_argument, NULL, 'l' },
		{ "pupil", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "ids", no_argument, NULL, 'I' },
		{ "csv", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__AbsenceQuery q = LANU__V1__ABSENCE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	bool csv = false, area = false, school = false, grade = false;
	char *by[BY_MAX];
	int ch, r = 0;

	q.by = by;
	while ((ch = next_option(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'p': q.period = optarg; break;
		case 'b':
			if (parse_by(optarg, by, &q.n_by) < 0)
				return EXIT_REFUSED;
			break;
		case 'a': q.area = optarg; break;
		case 'l': q.ladder = optarg; break;
		case 'P': q.pupil_id = optarg; break;
		case 'j': x->json = true; break;
		case 'I': x->ids = true; break;
		case 'C': csv = true; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind != argc || (!*q.period && !*q.pupil_id)) {
		fprintf(stderr, "lanuctl: usage: absences --period P [--by school,grade,area] "
				"[--area A] [--ladder L] [--json|--csv]\n"
				"       lanuctl absences --pupil P [--period P] [--json]\n");
		return EXIT_REFUSED;
	}
	if (ctl_one_format(x, csv))
		return EXIT_REFUSED;
	if (*q.pupil_id && (csv || q.n_by)) {
		fprintf(stderr, "lanuctl: --pupil shows one pupil's places: no --by or --csv\n");
		return EXIT_REFUSED;
	}
	for (size_t i = 0; i < q.n_by; i++) {
		area |= strcmp(by[i], "area") == 0;
		school |= strcmp(by[i], "school") == 0;
		grade |= strcmp(by[i], "grade") == 0;
	}
	req.body_case = LANU__V1__REQUEST__BODY_ABSENCES;
	req.absences = &q;
	r = ctl_query(x, &req, LANU__V1__REPLY__RESULT_ABSENCES, &rep);
	if (r)
		return r;
	if (x->json)
		print_json(&rep->absences->base);
	else if (*q.pupil_id)
		r = pupil_show(x, &q, rep->absences);
	else if (csv)
		figures_csv(rep->absences);
	else
		figures_table(x, &q, rep->absences, area, school, grade);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return r;
}
