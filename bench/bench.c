/* The benchmarks' shared part: see bench.h. */
#include "bench.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char bench_dir[256];
pid_t bench_lanud_pid;
static const char *bench_name = "bench";
static char bench_in[300], bench_pub[300];

double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

_Noreturn void
die(const char *what)
{
	fprintf(stderr, "%s: %s\n", bench_name, what);
	if (bench_lanud_pid > 0)
		kill(bench_lanud_pid, SIGKILL);
	exit(1);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
percentile_ms(double *lat, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(lat, n, sizeof(*lat), cmp_double);
	i = (size_t)((double)n * p / 100);
	return lat[i < n ? i : n - 1] * 1e3;
}

static void
bench_cleanup(void)
{
	char cmd[300];

	bench_stop_lanud();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bench_dir);
	if (bench_dir[0] && system(cmd) != 0)
		fprintf(stderr, "%s: could not remove %s\n", bench_name, bench_dir);
}

const char *
bench_setup(const char *name, const char *path)
{
	static char self[512], lanud[600];
	const char *tmp = getenv("TMPDIR");
	ssize_t n;

	bench_name = name;
	if (!path) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			die("cannot find myself; give --lanud");
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(lanud, sizeof(lanud), "%s/../daemon/lanud", self);
		path = lanud;
	}
	snprintf(bench_dir, sizeof(bench_dir), "%s/%s.XXXXXX", tmp ? tmp : "/tmp", name);
	if (!mkdtemp(bench_dir))
		die("cannot make a temp dir");
	snprintf(bench_in, sizeof(bench_in), "ipc://%s/in.sock", bench_dir);
	snprintf(bench_pub, sizeof(bench_pub), "ipc://%s/pub.sock", bench_dir);
	atexit(bench_cleanup);
	signal(SIGPIPE, SIG_IGN);
	return path;
}

const char *
bench_ingest(void)
{
	return bench_in;
}

const char *
bench_publish(void)
{
	return bench_pub;
}

double
bench_start_lanud(const char *lanud, const char *plan_yaml, const char *extra_conf)
{
	char conf[512], log[300], sock[300];
	struct client *c;
	double t0;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/plan.yaml", bench_dir);
	if (!(f = fopen(conf, "w")))
		die("cannot write the plan");
	fputs(plan_yaml, f);
	fclose(f);
	snprintf(conf, sizeof(conf), "%s/lanud.conf", bench_dir);
	if (!(f = fopen(conf, "w")))
		die("cannot write the configuration");
	fprintf(f, "ingest %s\npublish %s\nstate-dir %s/state\nplan %s/plan.yaml\n"
		   "log-level warning\nmap-size 256M\nmap-max 16G\n%s",
		bench_in, bench_pub, bench_dir, bench_dir, extra_conf ? extra_conf : "");
	fclose(f);
	snprintf(log, sizeof(log), "%s/lanud.log", bench_dir);
	snprintf(sock, sizeof(sock), "%s/in.sock", bench_dir);
	unlink(sock);
	t0 = now_s();
	bench_lanud_pid = fork();
	if (bench_lanud_pid == 0) {
		if (!freopen(log, "a", stderr))
			_exit(126);
		execl(lanud, lanud, "-c", conf, (char *)NULL);
		_exit(127);
	}
	/* Connect once the socket is there, so ZeroMQ's reconnect interval is not timed. */
	while (access(sock, F_OK) < 0 && now_s() - t0 < 10)
		usleep(500);
	if (client_connect(bench_in, &c) < 0)
		die("cannot connect");
	while (now_s() - t0 < 10) {
		Lanu__V1__StatusQuery q = LANU__V1__STATUS_QUERY__INIT;
		Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
		Lanu__V1__Reply *rep;

		req.body_case = LANU__V1__REQUEST__BODY_STATUS;
		req.status = &q;
		if (client_call(c, &req, 100, &rep) == 0) {
			lanu__v1__reply__free_unpacked(rep, NULL);
			client_free(c);
			return now_s() - t0;
		}
	}
	die("lanud did not answer in 10 s (see its log in the temp dir)");
}

void
bench_stop_lanud(void)
{
	if (bench_lanud_pid > 0) {
		kill(bench_lanud_pid, SIGTERM);
		waitpid(bench_lanud_pid, NULL, 0);
		bench_lanud_pid = 0;
	}
}

Lanu__V1__Reply *
bench_status(struct client *c)
{
	Lanu__V1__StatusQuery q = LANU__V1__STATUS_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;

	req.body_case = LANU__V1__REQUEST__BODY_STATUS;
	req.status = &q;
	if (client_call(c, &req, 10000, &rep) < 0 || !rep->status)
		die("lanud did not answer a status query");
	return rep;
}

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

long
bench_rss_kib(void)
{
	return status_kib("VmRSS");
}

long
bench_rss_anon_kib(void)
{
	return status_kib("RssAnon");
}

int
bench_lanud_usage(struct bench_usage *u)
{
	char path[64], line[256];
	unsigned long long ut, st;
	long tck = sysconf(_SC_CLK_TCK);
	FILE *f;
	int ok = 0;

	memset(u, 0, sizeof(*u));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)bench_lanud_pid);
	if (!(f = fopen(path, "r")))
		return -1;
	/* Fields 14 and 15, after the command name in parentheses (which may hold spaces). */
	if (fgets(line, sizeof(line), f)) {
		char *p = strrchr(line, ')');

		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) == 2 && tck > 0) {
			u->cpu_s = (double)(ut + st) / (double)tck;
			ok++;
		}
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/io", (int)bench_lanud_pid);
	if ((f = fopen(path, "r"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "write_bytes: %llu", &u->write_bytes) == 1) {
				ok++;
				break;
			}
		fclose(f);
	}
	return ok == 2 ? 0 : -1;
}

double
bench_send_all(struct client *c, size_t n, size_t window, bench_fill_fn fill, void *bufs,
	       void *arg)
{
	size_t sent = 0, acked = 0;
	double t0 = now_s(), last = t0;

	while (acked < n) {
		while (sent < n && sent - acked < window) {
			Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
			Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;

			fill(sent, &req, &ev, bufs, arg);
			req.corr_id = sent + 1;
			req.body_case = LANU__V1__REQUEST__BODY_EVENT;
			req.event = &ev;
			if (client_send(c, &req) < 0)
				die("cannot send");
			sent++;
		}
		Lanu__V1__Reply *rep;

		if (client_recv(c, 100, &rep) == 0) {
			if (rep->code != LANU__V1__REPLY__CODE__OK) {
				fprintf(stderr, "bench: %s: %s\n", rep->field, rep->reason);
				die("lanud refused an event");
			}
			lanu__v1__reply__free_unpacked(rep, NULL);
			acked++;
			last = now_s();
		} else if (now_s() - last > 30) {
			die("no acknowledgement for 30 s");
		}
	}
	return now_s() - t0;
}

double
bench_clock_set(struct client *c, uint64_t ms)
{
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	double t0 = now_s();

	cs.now_ms = ms;
	req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
	req.clock_set = &cs;
	if (client_call(c, &req, 30000, &rep) < 0 || rep->code != LANU__V1__REPLY__CODE__OK)
		die("lanud did not take a ClockSet");
	lanu__v1__reply__free_unpacked(rep, NULL);
	return now_s() - t0;
}

uint64_t
bench_last_alert_seq(struct client *c)
{
	Lanu__V1__Reply *rep = bench_status(c);
	uint64_t seq = rep->status->last_alert_seq;

	lanu__v1__reply__free_unpacked(rep, NULL);
	return seq;
}

void
bench_usage_now(struct bench_usage *u)
{
	if (bench_lanud_usage(u) < 0)
		die("cannot read lanud's CPU time from /proc");
}

void
bench_so_far(struct client *c, struct bench_mark *m)
{
	Lanu__V1__Reply *rep = bench_status(c);

	m->alerts = rep->status->last_alert_seq;
	m->used = rep->status->map_used;
	m->commits = rep->status->commits;
	m->committed = rep->status->committed_events;
	lanu__v1__reply__free_unpacked(rep, NULL);
}
