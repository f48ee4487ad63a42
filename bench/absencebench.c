/*
 * absencebench: lanud with a municipality's pupils on an absence ladder (issue 10).
 *
 * With --pupils N (100,000 by default) in --schools schools on a four-level ladder:
 *
 * 1. first reports: each pupil's first AbsenceCountsReported (a window in flight); a
 *    fifth of them reach level 1 or 2 and raise it;
 * 2. quiet updates: every pupil's counts a day on, one hour more, none reaching a level
 *    not yet raised: the evaluation alone (read the place, find the level, write the
 *    place, move the figures);
 * 3. rising updates: every pupil 60 hours more, each one raising one level or more;
 * 4. stored only: as many MeasureStatusUpdated events for the plan's one measure, each of
 *    which lanud validates and appends to the measure's history, nothing more (no alert,
 *    no figures): the cost of any durable event;
 * 5. the morning import: an export of N pupils' counts (two rows each) written as CSV
 *    and sent by lanu-absence-import, the importer's wall time and events/s; then the
 *    same file again (everything already sent).
 *
 * For each: events/s from the client's side and lanud's CPU time per event (all its
 * threads, from /proc), so that the cost of the evaluation is (2) − (4) and of a raise
 * (3) − (2). At the end lanud's resident memory and its store per pupil. A benchmark,
 * not a test: it exits 0 whatever the figures (non-zero only when something failed).
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"

#define MAX_SCHOOLS	100

/* A ladder on Vaasa's model over one term (the term 2025-08-07..2025-12-20). */
static const char plan_head[] =
	"lanu-plan: 1\n"
	"plan: {id: absencebench, organiser: Bench, title: Absence benchmark, period: 2025-2027}\n"
	"recipients:\n"
	"  - {id: class-teachers, name: Class teachers, kind: group}\n"
	"  - {id: welfare-group, name: Student welfare group, kind: group}\n"
	"  - {id: principals, name: Principals, kind: supervisor}\n"
	"calendars:\n"
	"  - {id: school-year, name: School year, extends: national,\n"
	"     terms: [2025-08-07..2025-12-20, 2026-01-07..2026-05-30]}\n"
	"absences:\n"
	"  - id: basic-education\n"
	"    provider: Bench basic education\n"
	"    areas: [bench]\n"
	"    period: term\n"
	"    calendar: school-year\n"
	"    levels:\n"
	"      - {hours: 30, action: Contact the guardian, to: class-teachers}\n"
	"      - {hours: 60, share: 10, action: Individual student welfare, to: welfare-group}\n"
	"      - {hours: 80, action: Multi-professional group, to: welfare-group}\n"
	"      - {hours: 120, severity: critical, action: Consider a child welfare notification,\n"
	"         to: welfare-group}\n"
	"routes: [{kinds: absence-level, to: principals}]\n"
	"goals:\n"
	"  - id: attendance\n"
	"    title: Pupils come to school\n"
	"    measures:\n"
	"      - {id: early-contact, title: Guardians contacted early, schedule: 2025-2027,\n"
	"         responsible: [principals]}\n"
	"areas:\n"
	"  - id: bench\n"
	"    name: Bench municipality\n"
	"    kind: municipality\n"
	"    areas:\n";

struct opts {
	const char *lanud, *importer;
	size_t pupils, schools, window;
	bool json;
};

struct phase {
	const char *name;
	size_t events;
	double secs, cpu_us;		/* wall time; lanud's CPU per event */
	uint64_t alerts;		/* raised during it */
	double store_b;			/* the store's growth per event */
	double batch;			/* events per commit */
};

/* What lanud's status says so far. */
struct bufs {
	Lanu__V1__AbsenceCountsReported ac;
	Lanu__V1__AbsenceTally auth, unauth;
	Lanu__V1__MeasureStatusUpdated ms;
	char id[48], pupil[32], school[32], as_of[16];
};

/* What a phase sends: its day of the term and the hours it adds to each pupil. */
struct round {
	const struct opts *o;
	int day;		/* as of 2025-10-<day> */
	double extra;		/* hours more than the first reports */
};

/* Pupil i's first hours: 0, 7, .., 63 by i mod 10, so that pupils 5..8 of ten reach
 * level 1 (35..56 h) and pupil 9 level 2 (63 h, with the share also over 10 %). */
static double
first_hours(size_t i)
{
	return (double)(i % 10) * 7;
}

static void
fill_counts(size_t i, Lanu__V1__Request *req, Lanu__V1__Envelope *ev, void *bufs, void *arg)
{
	struct bufs *b = bufs;
	const struct round *r = arg;
	double hours = first_hours(i) + r->extra;

	(void)req;
	lanu__v1__absence_counts_reported__init(&b->ac);
	lanu__v1__absence_tally__init(&b->auth);
	lanu__v1__absence_tally__init(&b->unauth);
	snprintf(b->id, sizeof(b->id), "abs-%zu-%d", i, r->day);
	snprintf(b->pupil, sizeof(b->pupil), "p-%zu", i);
	snprintf(b->school, sizeof(b->school), "school-%zu", i % r->o->schools);
	snprintf(b->as_of, sizeof(b->as_of), "2025-10-%02d", r->day);
	ev->event_id = b->id;
	ev->producer = (char *)"absencebench";
	ev->occurred_at_ms = 1759300000000ULL;	/* 2025-10-01 */
	b->ac.pupil_id = b->pupil;
	b->ac.school = b->school;
	b->ac.grade = 1 + i % 9;
	b->ac.period = (char *)"2025-autumn";
	b->ac.as_of = b->as_of;
	b->ac.lessons_held = 600;
	b->auth.hours = hours * 0.75;
	b->auth.lessons = (uint32_t)(hours * 0.75);
	b->unauth.hours = hours - b->auth.hours;
	b->unauth.lessons = (uint32_t)(hours - b->auth.hours);
	b->ac.authorised = &b->auth;
	b->ac.unexplained = &b->unauth;
	ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED;
	ev->absence_counts_reported = &b->ac;
}

/* A status of the plan's measure: validated and appended to its history, nothing more. */
static void
fill_status(size_t i, Lanu__V1__Request *req, Lanu__V1__Envelope *ev, void *bufs, void *arg)
{
	struct bufs *b = bufs;

	(void)req;
	(void)arg;
	lanu__v1__measure_status_updated__init(&b->ms);
	snprintf(b->id, sizeof(b->id), "msr-%zu", i);
	ev->event_id = b->id;
	ev->producer = (char *)"absencebench";
	ev->occurred_at_ms = 1759300000000ULL;
	b->ms.measure = (char *)"early-contact";
	b->ms.status = i % 2 ? LANU__V1__MEASURE_STATUS__MEASURE_STATUS_IN_PROGRESS
			     : LANU__V1__MEASURE_STATUS__MEASURE_STATUS_PILOTED;
	b->ms.date = (char *)"2025-10-01";
	ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED;
	ev->measure_status_updated = &b->ms;
}

/* Fills p's figures of n events sent since u0 and m0 were read. */
static void
phase_end(struct client *c, size_t n, const struct bench_usage *u0, const struct bench_mark *m0,
	  struct phase *p)
{
	struct bench_usage u1;
	struct bench_mark m1;

	bench_usage_now(&u1);
	bench_so_far(c, &m1);
	p->events = n;
	p->cpu_us = (u1.cpu_s - u0->cpu_s) * 1e6 / (double)n;
	p->alerts = m1.alerts - m0->alerts;
	p->store_b = ((double)m1.used - (double)m0->used) / (double)n;
	p->batch = m1.commits > m0->commits ? (double)(m1.committed - m0->committed) /
						      (double)(m1.commits - m0->commits) : 0;
}

/* Sends n events made by fill and fills *p. */
static void
phase(struct client *c, const char *name, size_t n, size_t window, bench_fill_fn fill, void *arg,
      struct phase *p)
{
	struct bench_usage u0;
	struct bench_mark m0;

	bench_so_far(c, &m0);
	bench_usage_now(&u0);
	p->name = name;
	p->secs = bench_send_all(c, n, window, fill, &(struct bufs){ 0 }, arg);
	phase_end(c, n, &u0, &m0, p);
}

/* The export of one morning: two rows per pupil (authorised and unexplained hours). */
static void
write_export(const char *path, const struct opts *o, double extra)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("cannot write the export");
	fputs("Oppilas;Koulu;Luokka;Jakso;Pvm;Pidetyt;Syy;Tunnit\r\n", f);
	for (size_t i = 0; i < o->pupils; i++) {
		double hours = first_hours(i) + extra;

		fprintf(f, "p-%zu;school-%zu;%zu;2025-autumn;20.10.2025;600;Huoltajan lupa;%.2f\r\n"
			   "p-%zu;school-%zu;%zu;2025-autumn;20.10.2025;600;Selvittämätön;%.2f\r\n",
			i, i % o->schools, 1 + i % 9, hours * 0.75,
			i, i % o->schools, 1 + i % 9, hours - hours * 0.75);
	}
	if (fclose(f) != 0)
		die("cannot write the export");
}

static const char mapping[] =
	"# absencebench's export: one row per pupil and class of absence\n"
	"delimiter ;\n"
	"encoding utf-8\n"
	"date-format %d.%m.%Y\n"
	"column pupil Oppilas\n"
	"column school Koulu\n"
	"column grade Luokka\n"
	"column period Jakso\n"
	"column date Pvm\n"
	"column lessons-held Pidetyt\n"
	"column class Syy\n"
	"column hours Tunnit\n"
	"class authorised \"Huoltajan lupa\"\n"
	"class unexplained Selvittämätön\n";

/* Runs the importer on the export (its summary to import.log in the temp dir); returns
 * its wall time and its CPU time in *ret_cpu_s, or dies with its log if it failed. */
static double
import(const struct opts *o, const char *export, const char *map, const char *state,
       double *ret_cpu_s)
{
	char log[512], cmd[600];
	double t0 = now_s();
	struct rusage ru;
	pid_t pid;
	int status;

	snprintf(log, sizeof(log), "%s/import.log", bench_dir);
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (null >= 0)
			dup2(null, 1);
		if (fd >= 0)
			dup2(fd, 2);
		execl(o->importer, o->importer, "-e", bench_ingest(), "-m", map, "-s", state,
		      export, (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", log);
		if (system(cmd) != 0)
			fprintf(stderr, "absencebench: no log of the importer\n");
		die("lanu-absence-import failed");
	}
	*ret_cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return now_s() - t0;
}

struct import_figures {
	double first_s, again_s, cpu_s;	/* cpu_s: the importer's own, first run */
	size_t export_bytes;
	bool ran;
};

static void
morning_import(const struct opts *o, struct client *c, struct phase *p, struct import_figures *f)
{
	char export[512], map[512], state[512];
	struct bench_usage u0;
	struct stat sb;
	struct bench_mark m0;
	FILE *m;

	memset(f, 0, sizeof(*f));
	if (!o->importer || access(o->importer, X_OK) != 0)
		return;
	snprintf(export, sizeof(export), "%s/export.csv", bench_dir);
	snprintf(map, sizeof(map), "%s/mapping.conf", bench_dir);
	snprintf(state, sizeof(state), "%s/import.state", bench_dir);
	write_export(export, o, 90);
	if (stat(export, &sb) == 0)
		f->export_bytes = (size_t)sb.st_size;
	if (!(m = fopen(map, "w")) || fputs(mapping, m) < 0 || fclose(m) != 0)
		die("cannot write the mapping");

	bench_so_far(c, &m0);
	bench_usage_now(&u0);
	f->first_s = import(o, export, map, state, &f->cpu_s);
	p->name = "morning import";
	p->secs = f->first_s;
	phase_end(c, o->pupils, &u0, &m0, p);
	f->again_s = import(o, export, map, state, &(double){ 0 });
	f->ran = true;
}

static void
run(const struct opts *o)
{
	struct phase ph[5] = { 0 };
	struct import_figures imp;
	struct round first = { o, 1, 0 }, quiet = { o, 2, 1 }, rising = { o, 3, 61 };
	size_t n_ph = 0, plan_len = sizeof(plan_head) + o->schools * 64;
	char *plan = malloc(plan_len), data[512];
	size_t len = strlen(plan_head);
	struct client *c;
	Lanu__V1__Reply *rep;
	struct stat sb;
	long rss, anon;

	if (!plan)
		die("out of memory");
	memcpy(plan, plan_head, len + 1);
	for (size_t s = 0; s < o->schools; s++)
		len += (size_t)snprintf(plan + len, plan_len - len,
					"      - {id: school-%zu, name: School %zu, kind: school}\n",
					s, s);
	bench_start_lanud(o->lanud, plan, "");
	free(plan);
	if (client_connect(bench_ingest(), &c) < 0)
		die("cannot connect");

	phase(c, "first reports", o->pupils, o->window, fill_counts, &first, &ph[n_ph++]);
	phase(c, "quiet updates", o->pupils, o->window, fill_counts, &quiet, &ph[n_ph++]);
	phase(c, "rising updates", o->pupils, o->window, fill_counts, &rising, &ph[n_ph++]);
	phase(c, "stored only", o->pupils, o->window, fill_status, NULL, &ph[n_ph++]);
	morning_import(o, c, &ph[n_ph], &imp);
	if (imp.ran)
		n_ph++;

	rss = bench_rss_kib();
	anon = bench_rss_anon_kib();
	rep = bench_status(c);
	snprintf(data, sizeof(data), "%s/state/data.mdb", bench_dir);
	if (stat(data, &sb) < 0)
		sb.st_size = 0;

	if (o->json) {
		printf("{\"pupils\":%zu,\"schools\":%zu,\"window\":%zu", o->pupils, o->schools,
		       o->window);
		for (size_t i = 0; i < n_ph; i++)
			printf(",\"%.5s_ev_s\":%.0f,\"%.5s_cpu_us\":%.1f,\"%.5s_alerts\":%" PRIu64
			       ",\"%.5s_store_b\":%.0f,\"%.5s_batch\":%.1f", ph[i].name,
			       (double)ph[i].events / ph[i].secs, ph[i].name, ph[i].cpu_us,
			       ph[i].name, ph[i].alerts, ph[i].name, ph[i].store_b, ph[i].name,
			       ph[i].batch);
		if (imp.ran)
			printf(",\"import_s\":%.3f,\"import_cpu_s\":%.3f,\"import_again_s\":%.3f,"
			       "\"export_bytes\":%zu", imp.first_s, imp.cpu_s, imp.again_s,
			       imp.export_bytes);
		printf(",\"events\":%" PRIu64 ",\"rss_kib\":%ld,\"rss_anon_kib\":%ld"
		       ",\"map_used\":%" PRIu64 ",\"data_mdb\":%lld}\n", rep->status->events, rss,
		       anon, rep->status->map_used,
		       (long long)sb.st_size);
	} else {
		printf("absencebench: %zu pupils in %zu schools, window %zu\n"
		       "%-16s %9s %9s %11s %9s %11s %9s\n", o->pupils, o->schools, o->window,
		       "phase", "events", "events/s", "CPU µs/ev", "alerts", "store B/ev",
		       "ev/commit");
		for (size_t i = 0; i < n_ph; i++)
			printf("%-16s %9zu %9.0f %11.1f %9" PRIu64 " %11.0f %9.1f\n", ph[i].name,
			       ph[i].events, (double)ph[i].events / ph[i].secs, ph[i].cpu_us,
			       ph[i].alerts, ph[i].store_b, ph[i].batch);
		printf("evaluation       %.1f µs of lanud's CPU per report over a stored-only "
		       "event; each alert raised %.1f µs more\n", ph[1].cpu_us - ph[3].cpu_us,
		       (ph[2].cpu_us - ph[1].cpu_us) * (double)ph[2].events /
		       (double)(ph[2].alerts ? ph[2].alerts : 1));
		if (imp.ran)
			printf("import           %zu rows (%.1f MiB) in %.2f s (the importer's CPU "
			       "%.2f s); the same file again in %.2f s (all already sent)\n",
			       2 * o->pupils, imp.export_bytes / 1048576.0, imp.first_s, imp.cpu_s,
			       imp.again_s);
		else
			printf("import           skipped: no lanu-absence-import (--importer PATH)\n");
		printf("lanud            RSS %.1f MiB (its own %.1f MiB, the rest the store's "
		       "pages); store %.1f MiB used (data.mdb %.1f MiB)\n"
		       "                 for %" PRIu64 " events (%" PRIu64 " duplicates answered), "
		       "%.0f bytes per pupil\n", rss / 1024.0, anon / 1024.0,
		       rep->status->map_used / 1048576.0, sb.st_size / 1048576.0,
		       rep->status->events, rep->status->duplicates,
		       (double)rep->status->map_used / (double)o->pupils);
	}
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
	bench_stop_lanud();
}

/* The importer built next to this binary: <build>/bench/X -> <build>/clients/... */
static const char *
find_importer(const char *argv0)
{
	static char path[512];
	const char *slash = strrchr(argv0, '/');

	if (!slash)
		return NULL;
	snprintf(path, sizeof(path), "%.*s/../clients/lanu-absence-import",
		 (int)(slash - argv0), argv0);
	return access(path, X_OK) == 0 ? path : NULL;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "lanud", required_argument, NULL, 'l' },
		{ "importer", required_argument, NULL, 'i' },
		{ "pupils", required_argument, NULL, 'p' },
		{ "schools", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .pupils = 100000, .schools = 40, .window = 256 };
	int ch;

	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'l': o.lanud = optarg; break;
		case 'i': o.importer = optarg; break;
		case 'p': o.pupils = strtoul(optarg, NULL, 10); break;
		case 's': o.schools = strtoul(optarg, NULL, 10); break;
		case 'w': o.window = strtoul(optarg, NULL, 10); break;
		case 'j': o.json = true; break;
		default:
			fprintf(stderr, "usage: absencebench [--lanud PATH] [--importer PATH] "
					"[--pupils N] [--schools N] [--window M] [--json]\n");
			return 2;
		}
	}
	if (o.pupils < 1000 || o.pupils > 10000000 || o.schools < 1 || o.schools > MAX_SCHOOLS ||
	    o.window < 1 || o.window > 4096)
		die("--pupils 1000..10000000, --schools 1..100, --window 1..4096");
	if (!o.importer)
		o.importer = find_importer(argv[0]);
	o.lanud = bench_setup("absencebench", o.lanud);
	run(&o);
	return 0;
}
