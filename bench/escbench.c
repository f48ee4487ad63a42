/*
 * escbench: lanud with many escalation chains pending (docs/plan-format.md
 * "Escalation"). For each count N:
 *
 * 1. raise N alerts (another system's DeadlineMissed, a window of requests in flight)
 *    whose route escalates after 2 working days, and as many again under a route that
 *    does not escalate: alerts per second with and without a chain to store;
 * 2. restart lanud: start-up time with N chains pending (it reads only the first);
 * 3. an empty wake-up: ClockSet one millisecond on, no step due; its round trip,
 *    median of 50 (what N pending chains cost a wake-up: nothing, if it stays flat);
 * 4. a wake-up with every step due: ClockSet past them, then the time until all N
 *    ESCALATION alerts are in the log, fired LANU_FIRE_MAX (256) a batch.
 *
 * The manual clock drives time (lanud runs with `clock manual`). A benchmark, not a
 * test: it exits 0 whatever the figures.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"

#define DAY_MS (24ULL * 3600 * 1000)
#define T0_MS 1925445600000ULL	/* Monday 2031-01-06 06:00 UTC: after any real now */

static const char esc_plan[] =
	"lanu-plan: 1\n"
	"plan: {id: escbench, organiser: Bench, title: Escalation benchmark, period: 2030-2032}\n"
	"areas: [{id: school-12, name: School 12, kind: school}]\n"
	"recipients:\n"
	"  - {id: bench-sup, name: Bench supervisor, kind: supervisor}\n"
	"  - {id: bench-board, name: Bench board, kind: board}\n"
	"services:\n"
	"  - {id: escalated, name: Escalated, limits: {normal: 7 working days}}\n"
	"  - {id: plain, name: Plain, limits: {normal: 7 working days}}\n"
	"routes:\n"
	"  - {kinds: deadline-missed, services: escalated, to: bench-sup,\n"
	"     escalate: {after: 2 working days, to: bench-board}}\n"
	"  - {kinds: deadline-missed, services: plain, to: bench-sup}\n";

struct figures {
	double raise_rate, plain_rate, startup_s, wake_empty_ms, wake_due_s;
};

struct bufs {
	Lanu__V1__DeadlineMissed dm;
	char id[32], cs[32];
};

static void
fill_missed(size_t i, Lanu__V1__Request *req, Lanu__V1__Envelope *ev, void *bufs, void *arg)
{
	struct bufs *b = bufs;
	const char *service = arg;

	(void)req;
	lanu__v1__deadline_missed__init(&b->dm);
	snprintf(b->id, sizeof(b->id), "%s-%zu", service, i);
	snprintf(b->cs, sizeof(b->cs), "%s-c%zu", service, i);
	ev->event_id = b->id;
	ev->producer = (char *)"escbench";
	ev->occurred_at_ms = T0_MS;
	b->dm.case_id = b->cs;
	b->dm.service = (char *)service;
	b->dm.area = (char *)"school-12";
	b->dm.due_at_ms = T0_MS;
	ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
	ev->deadline_missed = &b->dm;
}

static void
run(const char *lanud, size_t n, size_t window, struct figures *f)
{
	double lat[50], t0;
	struct client *c;
	char cmd[400];

	memset(f, 0, sizeof(*f));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/state'", bench_dir);
	if (system(cmd) != 0)
		die("cannot clear the state");
	bench_start_lanud(lanud, esc_plan, "clock manual\n");
	if (client_connect(bench_ingest(), &c) < 0)
		die("cannot connect");
	bench_clock_set(c, T0_MS);
	f->plain_rate = (double)n / bench_send_all(c, n, window, fill_missed,
						   &(struct bufs){ 0 }, (void *)"plain");
	f->raise_rate = (double)n / bench_send_all(c, n, window, fill_missed,
						   &(struct bufs){ 0 }, (void *)"escalated");
	client_free(c);

	bench_stop_lanud();
	f->startup_s = bench_start_lanud(lanud, esc_plan, "clock manual\n");
	if (client_connect(bench_ingest(), &c) < 0)
		die("cannot connect");
	for (size_t i = 0; i < sizeof(lat) / sizeof(lat[0]); i++)
		lat[i] = bench_clock_set(c, T0_MS + 1 + i);
	f->wake_empty_ms = percentile_ms(lat, sizeof(lat) / sizeof(lat[0]), 50);
	if (bench_last_alert_seq(c) != 2 * n)
		die("an empty wake-up raised alerts");

	/* Mon 6.1.2031 + 2 working days: Wed 8.1 at 08:00 local; a week on, all due. */
	t0 = now_s();
	bench_clock_set(c, T0_MS + 7 * DAY_MS);
	while (bench_last_alert_seq(c) < 3 * n) {
		if (now_s() - t0 > 300)
			die("the due steps did not all fire within 300 s");
		usleep(1000);
	}
	f->wake_due_s = now_s() - t0;
	if (bench_last_alert_seq(c) != 3 * n)
		die("more escalations than alerts");
	client_free(c);
	bench_stop_lanud();
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "lanud", required_argument, NULL, 'l' },
		{ "alerts", required_argument, NULL, 'a' },
		{ "window", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	size_t counts[8] = { 10000, 100000 }, n_counts = 2, window = 256;
	const char *lanud = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			lanud = optarg;
			break;
		case 'a':
			n_counts = 0;
			for (char *s = optarg, *end; *s && n_counts < 8; s = *end ? end + 1 : end) {
				counts[n_counts] = strtoul(s, &end, 10);
				if (end == s || counts[n_counts++] < 100)
					die("--alerts is a list of counts, 100 or more");
			}
			break;
		case 'w':
			window = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: escbench [--lanud PATH] [--alerts N,N,...] "
					"[--window M]\n");
			return 2;
		}
	}
	if (window < 1 || window > 4096)
		die("--window is 1..4096");
	lanud = bench_setup("escbench", lanud);
	printf("escbench: window %zu\n%10s %12s %12s %9s %11s %12s %14s\n", window, "chains",
	       "plain/s", "escalated/s", "start ms", "empty wake", "due wake s", "escalations/s");
	for (size_t i = 0; i < n_counts; i++) {
		struct figures f;

		run(lanud, counts[i], window, &f);
		printf("%10zu %12.0f %12.0f %9.1f %8.2f ms %12.2f %14.0f\n", counts[i],
		       f.plain_rate, f.raise_rate, f.startup_s * 1e3, f.wake_empty_ms,
		       f.wake_due_s, (double)counts[i] / f.wake_due_s);
		fflush(stdout);
	}
	return 0;
}
