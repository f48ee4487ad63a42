/*
 * indbench: lanud with a plan's reported indicators and their years of history (issue 12).
 *
 * A plan of --indicators N (2,000 by default) yearly indicators, each a percent,
 * higher-is-better, target 80, warning 70, critical 60, hysteresis 3, trend 3, broken down
 * by [area, language-group]. The plan has one municipality of G / 5 areas, and each
 * indicator's --groups G (50 by default) groups are those areas alone (G / 5) and each
 * area by four language groups (fi, sv, sami, other: 4 G / 5); G must be a multiple of 5.
 * Each group's values wander by ±4 points a year around a level of its own between 62 and
 * 92, so that some groups cross the lines now and then and a few get worse three years
 * running. lanud runs on the manual clock, which starts at the real time and stands still
 * until phase 6 moves it: the indicators' watches start at the first year due after the
 * plan came into force (2026's, due 31 March 2027, when run in 2026), so nothing is stale
 * before then.
 *
 * 1. load: --years Y (10) of history for every indicator and group, oldest year first (all
 *    of one year before the next, a window in flight): each value is its group's latest
 *    when it comes, so each is stored and judged; N × G × Y values (1,000,000);
 * 2. judged: a further year (the current one) for every indicator and group: stored and
 *    judged (the group's level read and perhaps written, the trend's four values read);
 * 3. stored only: the year before the first loaded, for every indicator and group: stored
 *    and not judged (the group's latest is a later year); (2) − (3) is what the
 *    evaluation of one value costs;
 * 4. revised: the current year again, another value for each: the one replaced kept as a
 *    revision, the new one judged;
 * 5. queries: one indicator with all its groups and years, --queries Q times (200) for
 *    indicators picked at random; IndicatorQuery returns the groups of exactly the
 *    dimensions asked (`by`), so "all groups" is two queries, by [area] and by [area,
 *    language], each timed; then every indicator at once, both ways, once each: its
 *    latency and reply size, how long an event sent on another connection 20 ms into it
 *    waits for its ack, and lanud's own memory (RssAnon, sampled every 2 ms) meanwhile;
 * 6. stale: lanud's manual clock moved past the day the next year's values were due,
 *    none sent: every indicator's INDICATOR_STALE, the time until the last is logged and
 *    lanud's CPU per indicator (each looks at all its values for one of that year);
 * 7. lanud's resident memory (and its peak, which the everything queries set) and the
 *    store per value.
 *
 * For the sending phases: values/s from the client's side, lanud's CPU time per value (all
 * its threads, from /proc), alerts raised, the store's growth per value and values per
 * commit. A benchmark, not a test: it exits 0 whatever the figures (non-zero only when
 * something failed).
 */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"
#include "lanu/limits.h"

#define LAST_YEAR	2025	/* the last year of history; the current one comes after */
#define N_LANGS		4

static const char *const langs[N_LANGS] = { "fi", "sv", "sami", "other" };

struct opts {
	const char *lanud;
	size_t indicators, groups, years, window, queries;
	bool json;
};

struct phase {
	const char *name;
	size_t values;
	double secs, cpu_us;		/* wall time; lanud's CPU per value */
	uint64_t alerts;		/* raised during it */
	double store_b;			/* the store's growth per value */
	double batch;			/* values per commit */
};

/* What lanud's status says so far. */
struct bufs {
	Lanu__V1__IndicatorUpdated iu;
	Lanu__V1__IndicatorUpdated__BreakdownEntry lang, *entries[1];
	char id[80], indicator[32], area[32], period[16];
};

/* What a phase sends: every indicator and group for each of its years. */
struct round {
	const struct opts *o;
	int first_year;		/* the years first_year.. (one each N × G values) */
	char tag;		/* the event ids' first letter */
	double shift;		/* added to each value (a revision's) */
};

static uint32_t
mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* Indicator i's group g in year y: a level of the group's own, 62..92, ±4 a year. */
static double
value_of(size_t i, size_t g, int y)
{
	uint32_t ig = (uint32_t)(i * 64 + g);
	double base = 62 + (double)(mix(ig) % 300) / 10;
	double v = base + ((double)(mix(ig ^ ((uint32_t)y * 0x9e3779b9U)) % 81) - 40) / 10;

	return v < 0 ? 0 : v > 100 ? 100 : v;
}

static void
fill_value(size_t k, Lanu__V1__Request *req, Lanu__V1__Envelope *ev, void *bufs, void *arg)
{
	struct bufs *b = bufs;
	const struct round *r = arg;
	size_t per_year = r->o->indicators * r->o->groups, areas = r->o->groups / 5;
	size_t rem = k % per_year, i = rem / r->o->groups, g = rem % r->o->groups;
	int y = r->first_year + (int)(k / per_year);
	double v = value_of(i, g, y) + r->shift;

	(void)req;
	v = v > 100 ? 100 : v;
	lanu__v1__indicator_updated__init(&b->iu);
	snprintf(b->id, sizeof(b->id), "%c%04d-%04zu-%02zu", r->tag, y, i, g);
	snprintf(b->indicator, sizeof(b->indicator), "ind-%04zu", i);
	snprintf(b->period, sizeof(b->period), "%04d", y);
	ev->event_id = b->id;
	ev->producer = (char *)"indbench";
	ev->occurred_at_ms = 1764547200000ULL;	/* 2025-12-01 */
	b->iu.indicator = b->indicator;
	b->iu.period = b->period;
	b->iu.value = v;
	b->iu.numerator = v * 2;
	b->iu.denominator = 200;
	b->iu.provider = (char *)"THL";
	if (g < areas) {
		snprintf(b->area, sizeof(b->area), "area-%02zu", g);
	} else {
		lanu__v1__indicator_updated__breakdown_entry__init(&b->lang);
		snprintf(b->area, sizeof(b->area), "area-%02zu", (g - areas) / N_LANGS);
		b->lang.key = (char *)"language";
		b->lang.value = (char *)langs[(g - areas) % N_LANGS];
		b->entries[0] = &b->lang;
		b->iu.breakdown = b->entries;
		b->iu.n_breakdown = 1;
	}
	b->iu.area = b->area;
	ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED;
	ev->indicator_updated = &b->iu;
}

/* Sends the values of years first_year.. (years of them) and fills *p. */
static void
phase(struct client *c, const char *name, const struct opts *o, int first_year, size_t years,
      char tag, double shift, struct phase *p)
{
	struct round r = { o, first_year, tag, shift };
	size_t n = o->indicators * o->groups * years;
	struct bench_usage u0, u1;
	struct bench_mark m0, m1;

	bench_so_far(c, &m0);
	bench_usage_now(&u0);
	p->name = name;
	p->secs = bench_send_all(c, n, o->window, fill_value, &(struct bufs){ 0 }, &r);
	bench_usage_now(&u1);
	bench_so_far(c, &m1);
	p->values = n;
	p->cpu_us = (u1.cpu_s - u0.cpu_s) * 1e6 / (double)n;
	p->alerts = m1.alerts - m0.alerts;
	p->store_b = ((double)m1.used - (double)m0.used) / (double)n;
	p->batch = m1.commits > m0.commits ? (double)(m1.committed - m0.committed) /
						     (double)(m1.commits - m0.commits) : 0;
}

/* Sends one IndicatorQuery (indicator "" = all), by [area] (with_lang false) or by
 * [area, language], with corr_id. */
static void
query_send(struct client *c, const char *indicator, bool with_lang, uint64_t corr_id)
{
	Lanu__V1__IndicatorQuery q = LANU__V1__INDICATOR_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	char *by[2] = { (char *)"area", (char *)"language" };

	q.indicator = (char *)indicator;
	q.by = by;
	q.n_by = with_lang ? 2 : 1;
	req.corr_id = corr_id;
	req.body_case = LANU__V1__REQUEST__BODY_INDICATORS;
	req.indicators = &q;
	if (client_send(c, &req) < 0)
		die("cannot send an IndicatorQuery");
}

/* Waits for the reply to corr_id: its rows in *ret_rows (SIZE_MAX if lanud refused it as
 * asking for more than QUERY_IND_VALUES values at once), its size in *ret_bytes. */
static void
query_wait(struct client *c, uint64_t corr_id, size_t *ret_rows, size_t *ret_bytes)
{
	Lanu__V1__Reply *rep;

	for (;;) {
		if (client_recv(c, 300000, &rep) < 0)
			die("no answer to an IndicatorQuery");
		if (rep->corr_id == corr_id)
			break;
		lanu__v1__reply__free_unpacked(rep, NULL);
	}
	if (rep->code == LANU__V1__REPLY__CODE__REJECTED &&
	    strcmp(rep->field, "indicators.indicator") == 0 && strstr(rep->reason, "at once")) {
		*ret_rows = SIZE_MAX;
		*ret_bytes = lanu__v1__reply__get_packed_size(rep);
		lanu__v1__reply__free_unpacked(rep, NULL);
		return;
	}
	if (rep->code != LANU__V1__REPLY__CODE__OK || !rep->indicators) {
		fprintf(stderr, "indbench: %s: %s\n", rep->field, rep->reason);
		die("lanud refused an IndicatorQuery");
	}
	*ret_rows = rep->indicators->n_rows;
	*ret_bytes = lanu__v1__reply__get_packed_size(rep);
	lanu__v1__reply__free_unpacked(rep, NULL);
}

/* "960000 rows, 112.6 MiB", or that lanud refused it, into buf. */
static const char *
rows_said(size_t rows, size_t bytes, char *buf, size_t len)
{
	if (rows == SIZE_MAX)
		snprintf(buf, len, "refused (more than %d values at once)", QUERY_IND_VALUES);
	else
		snprintf(buf, len, "%zu rows, %.1f MiB", rows, bytes / 1048576.0);
	return buf;
}

/* One IndicatorQuery and its round trip in seconds. */
static double
query(struct client *c, const char *indicator, bool with_lang, size_t *ret_rows,
      size_t *ret_bytes)
{
	static uint64_t corr = 1000000000;
	double t0 = now_s();

	query_send(c, indicator, with_lang, ++corr);
	query_wait(c, corr, ret_rows, ret_bytes);
	return now_s() - t0;
}

struct queries {
	double area_p50, area_p99, lang_p50, lang_p99, both_p50, both_p99;	/* ms */
	size_t area_rows, lang_rows, area_bytes, lang_bytes;	/* of one indicator */
	double all_area_s, all_lang_s;
	size_t all_area_rows, all_lang_rows, all_area_bytes, all_lang_bytes;
	double area_event_s, lang_event_s;	/* an event's ack, sent during each */
	long area_anon_kib, lang_anon_kib;	/* lanud's own memory at its largest in each */
	double cpu_us;		/* lanud's CPU per one-indicator query pair */
};

/* A "Name:  123 kB" line of lanud's /proc status, in KiB; -1 if there is none. */
static long
status_kib(const char *name)
{
	char path[64], line[256];
	size_t len = strlen(name);
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)bench_lanud_pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, len) == 0 && line[len] == ':' &&
		    sscanf(line + len + 1, "%ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

struct sampler {
	atomic_bool stop;
	atomic_long max_kib;
};

/* Samples lanud's RssAnon every 2 ms until told to stop. */
static void *
sample(void *arg)
{
	struct sampler *s = arg;

	while (!atomic_load(&s->stop)) {
		long kib = status_kib("RssAnon");

		if (kib > atomic_load(&s->max_kib))
			atomic_store(&s->max_kib, kib);
		usleep(2000);
	}
	return NULL;
}

/* Every indicator at once (by area, or by area and language), and an event sent on a
 * second connection 20 ms after the query: its ack's wait in *ret_event_s. Returns the
 * query's round trip in seconds. */
static double
everything(struct client *c, struct client *c2, const struct opts *o, bool with_lang,
	   size_t *ret_rows, size_t *ret_bytes, double *ret_event_s)
{
	struct round r = { o, LAST_YEAR + 1, 'q', -0.5 };
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	struct bufs b = { 0 };
	Lanu__V1__Reply *rep;
	double t0 = now_s(), t1;

	query_send(c, "", with_lang, 1);
	usleep(20000);
	fill_value(with_lang, &req, &ev, &b, &r);
	req.corr_id = 2;
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	t1 = now_s();
	if (client_call(c2, &req, 300000, &rep) < 0 || rep->code != LANU__V1__REPLY__CODE__OK)
		die("no OK for an event sent during a query");
	*ret_event_s = now_s() - t1;
	lanu__v1__reply__free_unpacked(rep, NULL);
	query_wait(c, 1, ret_rows, ret_bytes);
	return now_s() - t0;
}

static void
queries(struct client *c, const struct opts *o, struct queries *x)
{
	double *area = calloc(o->queries, sizeof(double));
	double *lang = calloc(o->queries, sizeof(double));
	double *both = calloc(o->queries, sizeof(double));
	struct sampler smp = { .max_kib = -1 };
	struct bench_usage u0, u1;
	struct client *c2;
	char id[32];
	pthread_t th;

	if (!area || !lang || !both)
		die("out of memory");
	bench_usage_now(&u0);
	for (size_t k = 0; k < o->queries; k++) {
		snprintf(id, sizeof(id), "ind-%04zu", (size_t)mix((uint32_t)k) % o->indicators);
		area[k] = query(c, id, false, &x->area_rows, &x->area_bytes);
		lang[k] = query(c, id, true, &x->lang_rows, &x->lang_bytes);
		both[k] = area[k] + lang[k];
	}
	bench_usage_now(&u1);
	x->cpu_us = (u1.cpu_s - u0.cpu_s) * 1e6 / (double)o->queries;
	x->area_p50 = percentile_ms(area, o->queries, 50);
	x->area_p99 = percentile_ms(area, o->queries, 99);
	x->lang_p50 = percentile_ms(lang, o->queries, 50);
	x->lang_p99 = percentile_ms(lang, o->queries, 99);
	x->both_p50 = percentile_ms(both, o->queries, 50);
	x->both_p99 = percentile_ms(both, o->queries, 99);
	free(area);
	free(lang);
	free(both);
	if (client_connect(bench_ingest(), &c2) < 0)
		die("cannot connect");
	if (pthread_create(&th, NULL, sample, &smp) != 0)
		die("cannot start a thread");
	x->all_area_s = everything(c, c2, o, false, &x->all_area_rows, &x->all_area_bytes,
				   &x->area_event_s);
	x->area_anon_kib = atomic_exchange(&smp.max_kib, -1);
	x->all_lang_s = everything(c, c2, o, true, &x->all_lang_rows, &x->all_lang_bytes,
				   &x->lang_event_s);
	atomic_store(&smp.stop, true);
	pthread_join(th, NULL);
	x->lang_anon_kib = atomic_load(&smp.max_kib);
	client_free(c2);
}

/* The clock moved to 2028-04-01 00:00:01 Helsinki, past the day the values of 2027 were
 * due (31 March, yearly), none of which were sent: each indicator's watch finds no value
 * for 2027 in any group (the whole's one lookup, then a scan of all its values) and
 * raises INDICATOR_STALE; the watch of 2026 fires first and finds its values. Waits until
 * N alerts are logged (or none more for 3 s); returns the seconds until the last, the
 * alerts in *ret_alerts and lanud's CPU time per indicator in *ret_cpu_us. */
static double
stale(struct client *c, const struct opts *o, uint64_t *ret_alerts, double *ret_cpu_us)
{
	uint64_t seq0 = bench_last_alert_seq(c), seq = seq0, last_seq = seq0;
	struct bench_usage u0, u1;
	double t0, last;

	bench_usage_now(&u0);
	t0 = last = now_s();
	bench_clock_set(c, 1838149201000ULL);
	while (seq - seq0 < o->indicators && now_s() - last < 3) {
		usleep(2000);
		seq = bench_last_alert_seq(c);
		if (seq != last_seq) {
			last_seq = seq;
			last = now_s();
		}
	}
	bench_usage_now(&u1);
	*ret_alerts = seq - seq0;
	*ret_cpu_us = (u1.cpu_s - u0.cpu_s) * 1e6 / (double)o->indicators;
	return last - t0;
}

/* The plan: one municipality of groups / 5 areas, the indicators. */
static char *
make_plan(const struct opts *o)
{
	size_t cap = 4096 + o->groups * 64 + o->indicators * 320, len = 0;
	char *plan = malloc(cap);

	if (!plan)
		die("out of memory");
	len += (size_t)snprintf(plan + len, cap - len,
		"lanu-plan: 1\n"
		"plan: {id: indbench, organiser: Bench, title: Indicator benchmark,\n"
		"       period: %d-%d}\n"
		"recipients:\n"
		"  - {id: stats, name: Statistics, kind: group}\n"
		"routes:\n"
		"  - {kinds: [indicator-threshold, indicator-trend, indicator-stale, resolved],\n"
		"     to: stats}\n"
		"areas:\n"
		"  - id: bench\n"
		"    name: Bench municipality\n"
		"    kind: municipality\n"
		"    areas:\n", LAST_YEAR - (int)o->years, LAST_YEAR + 4);
	for (size_t a = 0; a < o->groups / 5; a++)
		len += (size_t)snprintf(plan + len, cap - len,
					"      - {id: area-%02zu, name: Area %zu, kind: unit}\n",
					a, a);
	len += (size_t)snprintf(plan + len, cap - len, "indicators:\n");
	for (size_t i = 0; i < o->indicators; i++)
		len += (size_t)snprintf(plan + len, cap - len,
			"  - {id: ind-%04zu, name: Indicator %zu, unit: percent,\n"
			"     direction: higher-is-better, target: 80, warning: 70, critical: 60,\n"
			"     hysteresis: 3, trend: 3, cadence: yearly,\n"
			"     breakdown: [area, language-group],\n"
			"     source: {kind: reported, provider: THL}}\n", i, i);
	if (len >= cap)
		die("the plan does not fit");
	return plan;
}

static void
run(const struct opts *o)
{
	struct phase ph[4] = { 0 };
	struct queries q = { 0 };
	size_t per_year = o->indicators * o->groups, stored;
	char *plan = make_plan(o), data[512];
	int first = LAST_YEAR - (int)o->years + 1;
	struct client *c;
	Lanu__V1__Reply *rep;
	struct stat sb;
	double start_s, stale_s, stale_cpu_us;
	uint64_t stale_alerts;
	long rss, anon, rss_before_all, hwm;
	char ra[64], rl[64];

	start_s = bench_start_lanud(o->lanud, plan, "clock manual\n");
	free(plan);
	if (client_connect(bench_ingest(), &c) < 0)
		die("cannot connect");

	phase(c, "load", o, first, o->years, 'v', 0, &ph[0]);
	phase(c, "judged", o, LAST_YEAR + 1, 1, 'v', 0, &ph[1]);
	phase(c, "stored only", o, first - 1, 1, 'v', 0, &ph[2]);
	phase(c, "revised", o, LAST_YEAR + 1, 1, 'r', -1.5, &ph[3]);
	stored = per_year * (o->years + 2);

	rss_before_all = bench_rss_kib();
	queries(c, o, &q);
	stale_s = stale(c, o, &stale_alerts, &stale_cpu_us);
	rss = bench_rss_kib();
	anon = bench_rss_anon_kib();
	hwm = status_kib("VmHWM");
	rep = bench_status(c);
	snprintf(data, sizeof(data), "%s/state/data.mdb", bench_dir);
	if (stat(data, &sb) < 0)
		sb.st_size = 0;

	if (o->json) {
		printf("{\"indicators\":%zu,\"groups\":%zu,\"years\":%zu,\"window\":%zu,"
		       "\"start_s\":%.3f", o->indicators, o->groups, o->years, o->window, start_s);
		for (size_t i = 0; i < 4; i++)
			printf(",\"%.5s_values\":%zu,\"%.5s_ev_s\":%.0f,\"%.5s_cpu_us\":%.1f,"
			       "\"%.5s_alerts\":%" PRIu64 ",\"%.5s_store_b\":%.0f,"
			       "\"%.5s_batch\":%.1f", ph[i].name, ph[i].values, ph[i].name,
			       (double)ph[i].values / ph[i].secs, ph[i].name, ph[i].cpu_us,
			       ph[i].name, ph[i].alerts, ph[i].name, ph[i].store_b, ph[i].name,
			       ph[i].batch);
		printf(",\"eval_us\":%.1f,\"q_area_p50_ms\":%.2f,\"q_area_p99_ms\":%.2f,"
		       "\"q_lang_p50_ms\":%.2f,\"q_lang_p99_ms\":%.2f,\"q_both_p50_ms\":%.2f,"
		       "\"q_both_p99_ms\":%.2f,\"q_cpu_us\":%.0f,\"q_rows\":%zu,\"q_bytes\":%zu,"
		       "\"all_area_s\":%.3f,\"all_area_rows\":%zu,\"all_area_bytes\":%zu,"
		       "\"all_lang_s\":%.3f,\"all_lang_rows\":%zu,\"all_lang_bytes\":%zu,"
		       "\"all_area_event_ms\":%.1f,\"all_lang_event_ms\":%.1f,"
		       "\"all_area_anon_kib\":%ld,\"all_lang_anon_kib\":%ld,"
		       "\"stale_s\":%.3f,\"stale_alerts\":%" PRIu64 ",\"stale_cpu_us\":%.0f",
		       ph[1].cpu_us - ph[2].cpu_us, q.area_p50, q.area_p99, q.lang_p50, q.lang_p99,
		       q.both_p50, q.both_p99, q.cpu_us, q.area_rows + q.lang_rows,
		       q.area_bytes + q.lang_bytes, q.all_area_s, q.all_area_rows,
		       q.all_area_bytes, q.all_lang_s, q.all_lang_rows, q.all_lang_bytes,
		       q.area_event_s * 1e3, q.lang_event_s * 1e3, q.area_anon_kib,
		       q.lang_anon_kib, stale_s, stale_alerts, stale_cpu_us);
		printf(",\"values\":%zu,\"events\":%" PRIu64 ",\"rss_before_all_kib\":%ld,"
		       "\"rss_kib\":%ld,\"rss_anon_kib\":%ld,\"rss_peak_kib\":%ld,"
		       "\"map_used\":%" PRIu64 ",\"data_mdb\":%lld,\"store_b_per_value\":%.0f}\n",
		       stored, rep->status->events, rss_before_all, rss, anon, hwm,
		       rep->status->map_used, (long long)sb.st_size,
		       (double)rep->status->map_used / (double)stored);
	} else {
		printf("indbench: %zu indicators × %zu groups (%zu areas alone, %zu area × "
		       "language), %zu years, window %zu; lanud started in %.2f s\n"
		       "%-12s %9s %9s %11s %9s %11s %9s\n", o->indicators, o->groups,
		       o->groups / 5, o->groups / 5 * N_LANGS, o->years, o->window, start_s,
		       "phase", "values", "values/s", "CPU µs/val", "alerts", "store B/val",
		       "val/commit");
		for (size_t i = 0; i < 4; i++)
			printf("%-12s %9zu %9.0f %11.1f %9" PRIu64 " %11.0f %9.1f\n", ph[i].name,
			       ph[i].values, (double)ph[i].values / ph[i].secs, ph[i].cpu_us,
			       ph[i].alerts, ph[i].store_b, ph[i].batch);
		printf("evaluation   %.1f µs of lanud's CPU per value judged over one stored "
		       "only\n", ph[1].cpu_us - ph[2].cpu_us);
		printf("query        one indicator, all groups and years (%zu queries): by area "
		       "%zu rows, %.0f KiB,\n"
		       "             p50 %.2f / p99 %.2f ms; by area and language %zu rows, "
		       "%.0f KiB, p50 %.2f / p99 %.2f ms;\n"
		       "             both: p50 %.2f / p99 %.2f ms, lanud's CPU %.0f µs\n",
		       o->queries, q.area_rows, q.area_bytes / 1024.0, q.area_p50, q.area_p99,
		       q.lang_rows, q.lang_bytes / 1024.0, q.lang_p50, q.lang_p99, q.both_p50,
		       q.both_p99, q.cpu_us);
		printf("query        everything: by area %s in %.2f s; by area and language %s "
		       "in %.2f s;\n"
		       "             an event sent meanwhile waited %.0f / %.0f ms for its ack;\n"
		       "             lanud's own memory (RssAnon) up to %.1f / %.1f MiB "
		       "meanwhile\n",
		       rows_said(q.all_area_rows, q.all_area_bytes, ra, sizeof(ra)), q.all_area_s,
		       rows_said(q.all_lang_rows, q.all_lang_bytes, rl, sizeof(rl)), q.all_lang_s,
		       q.area_event_s * 1e3, q.lang_event_s * 1e3, q.area_anon_kib / 1024.0,
		       q.lang_anon_kib / 1024.0);
		printf("stale        2027's values due, none sent: %" PRIu64 " INDICATOR_STALE in "
		       "%.2f s,\n             lanud's CPU %.0f µs per indicator\n", stale_alerts,
		       stale_s, stale_cpu_us);
		printf("lanud        RSS %.1f MiB before the everything queries, %.1f MiB after "
		       "(its own %.1f MiB),\n"
		       "             peak %.1f MiB; store %.1f MiB used (data.mdb %.1f MiB) for "
		       "%zu values\n"
		       "             (and %zu revisions): %.0f bytes per value\n",
		       rss_before_all / 1024.0, rss / 1024.0, anon / 1024.0, hwm / 1024.0,
		       rep->status->map_used / 1048576.0, sb.st_size / 1048576.0, stored,
		       per_year, (double)rep->status->map_used / (double)stored);
	}
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
	bench_stop_lanud();
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "lanud", required_argument, NULL, 'l' },
		{ "indicators", required_argument, NULL, 'n' },
		{ "groups", required_argument, NULL, 'g' },
		{ "years", required_argument, NULL, 'y' },
		{ "window", required_argument, NULL, 'w' },
		{ "queries", required_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .indicators = 2000, .groups = 50, .years = 10, .window = 256,
			  .queries = 200 };
	int ch;

	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'l': o.lanud = optarg; break;
		case 'n': o.indicators = strtoul(optarg, NULL, 10); break;
		case 'g': o.groups = strtoul(optarg, NULL, 10); break;
		case 'y': o.years = strtoul(optarg, NULL, 10); break;
		case 'w': o.window = strtoul(optarg, NULL, 10); break;
		case 'q': o.queries = strtoul(optarg, NULL, 10); break;
		case 'j': o.json = true; break;
		default:
			fprintf(stderr, "usage: indbench [--lanud PATH] [--indicators N] "
					"[--groups G] [--years Y] [--window M] [--queries Q] "
					"[--json]\n");
			return 2;
		}
	}
	if (o.indicators < 1 || o.indicators > 9999 || o.groups < 5 || o.groups > 99 * 5 ||
	    o.groups % 5 != 0 || o.years < 1 || o.years > 50 || o.window < 1 ||
	    o.window > 4096 || o.queries < 1 || o.queries > 100000)
		die("--indicators 1..9999, --groups 5..495 (a multiple of 5), --years 1..50, "
		    "--window 1..4096, --queries 1..100000");
	o.lanud = bench_setup("indbench", o.lanud);
	run(&o);
	return 0;
}
