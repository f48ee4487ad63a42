/*
 * clockbench: lanud with many open access-time clocks. For each count N:
 *
 * 1. open N clocks (ServiceRequested, a window of requests in flight): the first
 *    --due of them due on one day, the rest spread over the 300 days after it;
 * 2. restart lanud: start-up time and resident memory with N clocks open;
 * 3. an empty wake-up: ClockSet one millisecond on, nothing due; its round trip
 *    (a batch, a look at the earliest deadline, a commit), median of 50;
 * 4. a wake-up with --due clocks due: ClockSet past their day, then the time
 *    until every one of their DEADLINE_MISSED alerts is in the log;
 * 5. request/provided pairs for new cases, --pairs of them: pairs per second.
 *
 * The manual clock drives time (lanud runs with `clock manual`), so no run waits
 * for a real deadline. A benchmark, not a test: it exits 0 whatever the figures.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"

#define DAY_MS (24ULL * 3600 * 1000)
#define T0_MS 1925445600000ULL	/* Monday 2031-01-06 06:00 UTC: after any real now */

static const char clock_plan[] =
	"lanu-plan: 1\n"
	"plan: {id: clockbench, organiser: Bench, title: Clock benchmark, period: 2030-2032}\n"
	"areas: [{id: school-12, name: School 12, kind: school}]\n"
	"recipients: [{id: bench-board, name: Bench board, kind: board}]\n"
	"services:\n"
	"  - {id: school-social-worker, name: School social worker,\n"
	"     limits: {normal: 7 working days}}\n"
	"routes: [{kinds: deadline-missed, to: bench-board}]\n";

struct opts {
	const char *lanud;
	size_t counts[8], n_counts;
	size_t due, pairs, window;
	bool json;
};

struct figures {
	size_t clocks;
	double open_rate, startup_s, wake_empty_ms, wake_due_s, wake_due_rate, pairs_rate;
	long rss_start_kib, rss_end_kib;
};

struct bufs {
	Lanu__V1__ServiceRequested sr;
	Lanu__V1__ServiceProvided sp;
	char id[32], cs[32];
};

struct open_arg {
	size_t n, due;
	const char *run;
};

static void
fill_request(size_t i, Lanu__V1__Request *req, Lanu__V1__Envelope *ev, void *bufs, void *arg)
{
	struct bufs *b = bufs;
	struct open_arg *a = arg;
	uint64_t at = T0_MS;

	(void)req;
	/* the first `due` on T0, the others over the 300 days from T0 + 30 days */
	if (i >= a->due)
		at += 30 * DAY_MS + (i - a->due) * (300 * DAY_MS / (a->n - a->due + 1));
	lanu__v1__service_requested__init(&b->sr);
	snprintf(b->id, sizeof(b->id), "%s-r%zu", a->run, i);
	snprintf(b->cs, sizeof(b->cs), "%s-c%zu", a->run, i);
	ev->event_id = b->id;
	ev->producer = (char *)"clockbench";
	ev->occurred_at_ms = at;
	b->sr.case_id = b->cs;
	b->sr.service = (char *)"school-social-worker";
	b->sr.area = (char *)"school-12";
	b->sr.urgency = LANU__V1__URGENCY__URGENCY_NORMAL;
	b->sr.requested_at_ms = at;
	ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
	ev->service_requested = &b->sr;
}

/* Pairs: even i requests case i/2, odd i provides it a day later. */
static void
fill_pair(size_t i, Lanu__V1__Request *req, Lanu__V1__Envelope *ev, void *bufs, void *arg)
{
	struct bufs *b = bufs;
	uint64_t at = T0_MS + 20 * DAY_MS;

	(void)req;
	(void)arg;
	snprintf(b->id, sizeof(b->id), "pair-%zu", i);
	snprintf(b->cs, sizeof(b->cs), "pair-c%zu", i / 2);
	ev->event_id = b->id;
	ev->producer = (char *)"clockbench";
	ev->occurred_at_ms = at;
	if (i % 2 == 0) {
		lanu__v1__service_requested__init(&b->sr);
		b->sr.case_id = b->cs;
		b->sr.service = (char *)"school-social-worker";
		b->sr.area = (char *)"school-12";
		b->sr.urgency = LANU__V1__URGENCY__URGENCY_NORMAL;
		b->sr.requested_at_ms = at;
		ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
		ev->service_requested = &b->sr;
	} else {
		lanu__v1__service_provided__init(&b->sp);
		b->sp.case_id = b->cs;
		b->sp.service = (char *)"school-social-worker";
		b->sp.area = (char *)"school-12";
		b->sp.provided_at_ms = at + DAY_MS;
		ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED;
		ev->service_provided = &b->sp;
	}
}

static void
run(const struct opts *o, size_t n, struct figures *f)
{
	struct open_arg oa = { n, o->due < n ? o->due : n, "open" };
	double lat[50];
	struct client *c;
	Lanu__V1__Reply *rep;
	char cmd[400];

	memset(f, 0, sizeof(*f));
	f->clocks = n;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/state'", bench_dir);
	if (system(cmd) != 0)
		die("cannot clear the state");
	bench_start_lanud(o->lanud, clock_plan, "clock manual\n");
	if (client_connect(bench_ingest(), &c) < 0)
		die("cannot connect");
	bench_clock_set(c, T0_MS);
	f->open_rate = (double)n / bench_send_all(c, n, o->window, fill_request, &(struct bufs){ 0 }, &oa);
	client_free(c);

	bench_stop_lanud();
	f->startup_s = bench_start_lanud(o->lanud, clock_plan, "clock manual\n");
	if (client_connect(bench_ingest(), &c) < 0)
		die("cannot connect");
	rep = bench_status(c);
	if (rep->status->open_clocks != n)
		die("lanud does not have every clock open after the restart");
	lanu__v1__reply__free_unpacked(rep, NULL);
	f->rss_start_kib = bench_rss_kib();

	for (size_t i = 0; i < (sizeof(lat) / sizeof(lat[0])); i++)
		lat[i] = bench_clock_set(c, T0_MS + 1 + i);
	f->wake_empty_ms = percentile_ms(lat, (sizeof(lat) / sizeof(lat[0])), 50);
	if (bench_last_alert_seq(c) != 0)
		die("an empty wake-up raised alerts");

	/* The first `due` clocks are due on 2031-01-15; 20 days on, all of them
	 * have missed and none of the others is due yet. */
	double t0 = now_s();
	bench_clock_set(c, T0_MS + 20 * DAY_MS);
	for (uint64_t seq = 0; seq < oa.due;) {
		seq = bench_last_alert_seq(c);
		if (now_s() - t0 > 120)
			die("the due clocks did not all fire within 120 s");
		if (seq < oa.due)
			usleep(1000);
	}
	f->wake_due_s = now_s() - t0;
	f->wake_due_rate = (double)oa.due / f->wake_due_s;
	if (bench_last_alert_seq(c) != oa.due)
		die("more alerts than clocks due");

	f->pairs_rate = (double)o->pairs / bench_send_all(c, 2 * o->pairs, o->window, fill_pair, &(struct bufs){ 0 },
						     NULL);
	f->rss_end_kib = bench_rss_kib();
	client_free(c);
	bench_stop_lanud();
}

static int
parse_counts(const char *s, struct opts *o)
{
	char *end;

	o->n_counts = 0;
	while (*s && o->n_counts < sizeof(o->counts) / sizeof(o->counts[0])) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v < 1000 || v > 100000000)
			return -1;
		o->counts[o->n_counts++] = v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return o->n_counts ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "lanud", required_argument, NULL, 'l' },
		{ "clocks", required_argument, NULL, 'c' },
		{ "due", required_argument, NULL, 'd' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "window", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .due = 10000, .pairs = 20000, .window = 256 };
	int ch;

	parse_counts("10000,100000,1000000", &o);
	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'l': o.lanud = optarg; break;
		case 'c':
			if (parse_counts(optarg, &o) < 0)
				die("--clocks is a list of counts, 1000 or more, e.g. 10000,100000");
			break;
		case 'd': o.due = strtoul(optarg, NULL, 10); break;
		case 'p': o.pairs = strtoul(optarg, NULL, 10); break;
		case 'w': o.window = strtoul(optarg, NULL, 10); break;
		case 'j': o.json = true; break;
		default:
			fprintf(stderr, "usage: clockbench [--lanud PATH] [--clocks N,N,...] "
					"[--due N] [--pairs N] [--window M] [--json]\n");
			return 2;
		}
	}
	if (o.due < 1 || o.pairs < 100 || o.window < 1 || o.window > 4096)
		die("--due must be at least 1, --pairs at least 100, --window 1..4096");
	o.lanud = bench_setup("clockbench", o.lanud);
	if (!o.json)
		printf("clockbench: --due %zu, --pairs %zu, window %zu\n"
		       "%10s %10s %9s %9s %11s %12s %10s %9s %9s\n", o.due, o.pairs, o.window,
		       "clocks", "opened/s", "start ms", "RSS MiB", "empty wake", "due wake s",
		       "misses/s", "pairs/s", "RSS end");
	for (size_t i = 0; i < o.n_counts; i++) {
		struct figures f;

		run(&o, o.counts[i], &f);
		if (o.json)
			printf("{\"clocks\":%zu,\"opened_s\":%.0f,\"startup_ms\":%.1f,"
			       "\"rss_start_kib\":%ld,\"wake_empty_ms\":%.3f,\"due\":%zu,"
			       "\"wake_due_s\":%.3f,\"misses_s\":%.0f,\"pairs_s\":%.0f,"
			       "\"rss_end_kib\":%ld}\n", f.clocks, f.open_rate, f.startup_s * 1e3,
			       f.rss_start_kib, f.wake_empty_ms, o.due < f.clocks ? o.due : f.clocks,
			       f.wake_due_s, f.wake_due_rate, f.pairs_rate, f.rss_end_kib);
		else
			printf("%10zu %10.0f %9.1f %9.1f %8.2f ms %12.2f %10.0f %9.0f %9.1f\n",
			       f.clocks, f.open_rate, f.startup_s * 1e3, f.rss_start_kib / 1024.0,
			       f.wake_empty_ms, f.wake_due_s, f.wake_due_rate, f.pairs_rate,
			       f.rss_end_kib / 1024.0);
		fflush(stdout);
	}
	return 0;
}
