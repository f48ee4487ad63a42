/*
 * harness: starts real lanud binaries for the integration tests. Readiness is the
 * READY=1 that lanud sends to NOTIFY_SOCKET, exactly as under systemd, so no test
 * ever sleeps to wait for start-up; exits are waited for with a pidfd. Every wait
 * is bounded.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#ifndef LANUD_PATH
#error "LANUD_PATH must name the lanud binary"
#endif

int
daemon_init(struct daemon *d, const char *extra_conf)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	FILE *f;

	memset(d, 0, sizeof(*d));
	d->notify_fd = -1;
	d->dir = test_tmpdir();
	if (!d->dir)
		return -errno;
	snprintf(d->conf, sizeof(d->conf), "%s/lanud.conf", d->dir);
	snprintf(d->ingest, sizeof(d->ingest), "ipc://%s/in.sock", d->dir);
	snprintf(d->publish, sizeof(d->publish), "ipc://%s/pub.sock", d->dir);
	snprintf(d->notify, sizeof(d->notify), "%s/notify.sock", d->dir);
	f = fopen(d->conf, "we");
	if (!f)
		return -errno;
	snprintf(d->plan, sizeof(d->plan), "%s/plan.yaml", d->dir);
	fprintf(f, "ingest %s\npublish %s\nstate-dir %s/state\nplan %s\nlog-level info\n%s\n",
		d->ingest, d->publish, d->dir, d->plan, extra_conf ? extra_conf : "");
	fclose(f);
	if (daemon_write_plan(d, NULL) < 0)
		return -errno;
	d->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (d->notify_fd < 0)
		return -errno;
	if (strlen(d->notify) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, d->notify, strlen(d->notify) + 1);
	if (bind(d->notify_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

int
daemon_write_plan(struct daemon *d, const char *extra_routes)
{
	FILE *f = fopen(d->plan, "we");

	if (!f)
		return -errno;
	fprintf(f,
		"lanu-plan: 1\n"
		"plan: {id: test, organiser: Test, title: Test plan, period: 2025-2028}\n"
		"areas:\n"
		"  - {id: area-1, name: Area 1, kind: municipality,\n"
		"     areas: [{id: area-2, name: Area 2, kind: school}]}\n"
		"recipients:\n"
		"  - {id: board, name: Welfare board, kind: board}\n"
		"  - {id: sup-a, name: Supervisor A, kind: supervisor}\n"
		"  - {id: sup-b, name: Supervisor B, kind: supervisor}\n"
		"services:\n"
		"  - {id: svc-a, name: Service A, limits: {normal: 7 working days}}\n"
		"  - {id: svc-b, name: Service B, limits: {normal: 3 months}}\n"
		"  - {id: svc-c, name: Service C, limits: {normal: 14 days}}\n"
		"goals:\n"
		"  - {id: goal-1, title: Goal 1, measures: [{id: measure-1, title: Measure 1,\n"
		"     schedule: 2025-01-01..2025-01-31}]}\n"
		"routes:\n"
		"  - {kinds: deadline-missed, services: svc-a, to: sup-a}\n"
		"  - {kinds: deadline-missed, services: svc-b, to: sup-b}\n"
		"  - {to: board}\n"
		"%s",
		extra_routes ? extra_routes : "");
	return fclose(f) == 0 ? 0 : -errno;
}

/* Waits for a notification holding what ("READY=1"). */
static int
daemon_wait_notify(struct daemon *d, const char *what, int timeout_ms)
{
	char buf[4096];

	for (int waited = 0; waited < timeout_ms; waited += 100) {
		struct pollfd p = { .fd = d->notify_fd, .events = POLLIN };
		ssize_t n;
		int status;

		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return -ECHILD;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(d->notify_fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, what))
			return 0;
	}
	return -ETIMEDOUT;
}

static int
daemon_wait_ready(struct daemon *d, int timeout_ms)
{
	return daemon_wait_notify(d, "READY=1", timeout_ms);
}

int
daemon_start(struct daemon *d, const char *const *args)
{
	const char *argv[32] = { LANUD_PATH, "-c", d->conf };
	size_t n = 3;
	pid_t parent;

	for (; args && *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	parent = getpid();
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
		/* A test that dies mid-way takes its lanud with it, rather than leave ctest
		 * waiting on the pipes until its timeout. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		setenv("NOTIFY_SOCKET", d->notify, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return daemon_wait_ready(d, 10000);
}

int
daemon_stop(struct daemon *d, int sig)
{
	int pidfd, status;

	if (d->pid <= 0)
		return -ECHILD;
	pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
	kill(d->pid, sig);
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };

		poll(&p, 1, 10000);
		close(pidfd);
	}
	if (waitpid(d->pid, &status, pidfd >= 0 ? WNOHANG : 0) != d->pid)
		return -ETIMEDOUT;
	d->pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

void
daemon_cleanup(struct daemon *d)
{
	if (d->pid > 0 && daemon_stop(d, SIGTERM) == -ETIMEDOUT)
		daemon_stop(d, SIGKILL);
	if (d->notify_fd >= 0)
		close(d->notify_fd);
	test_rmrf(d->dir);
	free(d->dir);
	d->dir = NULL;
}

struct client *
daemon_client(struct daemon *d)
{
	struct client *c = NULL;

	assert_int_equal(client_connect(d->ingest, &c), 0);
	return c;
}

void
daemon_fill_missed(Lanu__V1__Envelope *ev, Lanu__V1__DeadlineMissed *dm, const char *producer,
		   const char *event_id, const char *service, const char *case_id)
{
	lanu__v1__envelope__init(ev);
	lanu__v1__deadline_missed__init(dm);
	dm->case_id = (char *)case_id;
	dm->service = (char *)service;
	dm->area = (char *)"area-1";
	dm->due_at_ms = 1767225600000ULL;
	ev->event_id = (char *)event_id;
	ev->producer = (char *)producer;
	ev->occurred_at_ms = 1767225600000ULL;
	ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
	ev->deadline_missed = dm;
}

int
daemon_deadline_missed(struct client *c, const char *producer, const char *event_id,
		       const char *service, const char *case_id)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__DeadlineMissed dm;
	Lanu__V1__Envelope ev;
	Lanu__V1__Reply *rep;
	int code;

	daemon_fill_missed(&ev, &dm, producer, event_id, service, case_id);
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	code = rep->code;
	lanu__v1__reply__free_unpacked(rep, NULL);
	return code;
}

Lanu__V1__Status *
daemon_status(struct client *c, Lanu__V1__Reply **ret_reply)
{
	Lanu__V1__StatusQuery q = LANU__V1__STATUS_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;

	req.body_case = LANU__V1__REQUEST__BODY_STATUS;
	req.status = &q;
	assert_int_equal(client_call(c, &req, 10000, ret_reply), 0);
	assert_int_equal((*ret_reply)->code, LANU__V1__REPLY__CODE__OK);
	assert_non_null((*ret_reply)->status);
	return (*ret_reply)->status;
}

size_t
daemon_replay(struct client *c, const char *rcpt, uint64_t after, uint64_t *seqs, size_t max)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, rcpt, after, &v, max);

	for (size_t i = 0; i < n; i++)
		seqs[i] = v[i]->seq;
	daemon_alerts_free(v, n);
	return n;
}

int
daemon_write_plan_text(struct daemon *d, const char *yaml)
{
	FILE *f = fopen(d->plan, "we");

	if (!f)
		return -errno;
	fputs(yaml, f);
	return fclose(f) == 0 ? 0 : -errno;
}

int
daemon_copy_plan(struct daemon *d, const char *path)
{
	FILE *in = fopen(path, "re"), *out;
	char buf[8192];
	size_t n;
	int r = 0;

	if (!in)
		return -errno;
	out = fopen(d->plan, "we");
	if (!out) {
		r = -errno;
		fclose(in);
		return r;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			r = -EIO;
	if (ferror(in))
		r = -EIO;
	fclose(in);
	if (fclose(out) != 0 && r == 0)
		r = -errno;
	return r;
}

uint64_t
mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

uint64_t
iso_ms(const char *s)
{
	int y, mo, dd, h, mi, sec = 0, ms = 0, oh = 0, om = 0, n = 0, k;
	struct tm tm = { 0 };
	const char *p;
	int64_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &dd, &h, &mi, &n) != 5)
		fail_msg("'%s' is not an ISO instant", s);
	p = s + n;
	if (*p == ':') {
		if (sscanf(p, ":%2d%n", &sec, &k) != 1)
			fail_msg("'%s': bad seconds", s);
		p += k;
	}
	if (*p == '.') {
		if (sscanf(p, ".%3d%n", &ms, &k) != 1 || k != 4)
			fail_msg("'%s': bad milliseconds (three digits)", s);
		p += k;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2)
			fail_msg("'%s': bad offset", s);
		if (*p == '-') {
			oh = -oh;
			om = -om;
		}
		p += 1 + k;
	} else {
		fail_msg("'%s' has no offset (Z or +HH:MM)", s);
	}
	if (*p)
		fail_msg("'%s': trailing '%s'", s, p);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = dd;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = (int64_t)timegm(&tm) - (oh * 3600 + om * 60);
	return (uint64_t)t * 1000 + (uint64_t)ms;
}

int
daemon_send_event(struct client *c, Lanu__V1__Envelope *ev, Lanu__V1__Reply **ret_reply)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	int code;

	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = ev;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	code = rep->code;
	if (ret_reply)
		*ret_reply = rep;
	else
		lanu__v1__reply__free_unpacked(rep, NULL);
	return code;
}

int
daemon_clock_set(struct client *c, uint64_t ms)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;
	Lanu__V1__Reply *rep;
	int code;

	cs.now_ms = ms;
	req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
	req.clock_set = &cs;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	code = rep->code;
	lanu__v1__reply__free_unpacked(rep, NULL);
	return code;
}

/* A deep copy that outlives the reply it came in. */
static Lanu__V1__Alert *
daemon_alert_dup(const Lanu__V1__Alert *a)
{
	size_t len = lanu__v1__alert__get_packed_size(a);
	uint8_t *buf = malloc(len ? len : 1);
	Lanu__V1__Alert *copy;

	assert_non_null(buf);
	lanu__v1__alert__pack(a, buf);
	copy = lanu__v1__alert__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(copy);
	return copy;
}

size_t
daemon_replay_alerts(struct client *c, const char *rcpt, uint64_t after, Lanu__V1__Alert ***ret,
		     size_t max)
{
	Lanu__V1__Alert **v = calloc(max ? max : 1, sizeof(*v));
	size_t n = 0;

	assert_non_null(v);
	for (int pages = 0; pages < 100000; pages++) {
		Lanu__V1__ReplayQuery q = LANU__V1__REPLAY_QUERY__INIT;
		Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
		char *r[1] = { (char *)rcpt };
		Lanu__V1__Reply *rep;
		bool more;

		q.recipients = r;
		q.n_recipients = 1;
		q.after_seq = after;
		req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
		req.replay = &q;
		assert_int_equal(client_call(c, &req, 10000, &rep), 0);
		assert_int_equal(rep->code, LANU__V1__REPLY__CODE__OK);
		for (size_t i = 0; i < rep->alerts->n_alerts && n < max; i++)
			v[n++] = daemon_alert_dup(rep->alerts->alerts[i]);
		after = rep->alerts->last_seq;
		more = rep->alerts->more;
		lanu__v1__reply__free_unpacked(rep, NULL);
		if (!more)
			break;
	}
	*ret = v;
	return n;
}

void
daemon_alerts_free(Lanu__V1__Alert **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		lanu__v1__alert__free_unpacked(v[i], NULL);
	free(v);
}

const char *
daemon_kind_name(int kind)
{
	static const char *const names[] = {
		"UNSPECIFIED",		"DEADLINE_WARNING",	   "DEADLINE_MISSED",
		"RESOLVED",		"INDICATOR_THRESHOLD",	   "INDICATOR_STALE",
		"COMPLIANCE_BELOW_TARGET", "MEASURE_OVERDUE",	   "ABSENCE_LEVEL",
		"ESCALATION",		"DROP_OUT",		   "INDICATOR_TREND",
		"MEASURE_REMINDER",	   "DELIVERY_FAILED",
	};

	return kind >= 0 && (size_t)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

int
daemon_reload(struct daemon *d)
{
	int r;

	if (d->pid <= 0)
		return -ECHILD;
	kill(d->pid, SIGHUP);
	r = daemon_wait_notify(d, "RELOADING=1", 10000);
	return r < 0 ? r : daemon_wait_notify(d, "READY=1", 10000);
}

int
daemon_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int
daemon_fixture_up(void **state, const char *extra_conf, const char *yaml)
{
	struct daemon_fixture *f = calloc(1, sizeof(*f));

	*state = NULL;
	if (!f)
		return -1;
	if (daemon_init(&f->d, extra_conf) < 0 || daemon_write_plan_text(&f->d, yaml) < 0 ||
	    daemon_start(&f->d, NULL) < 0) {
		daemon_cleanup(&f->d);
		free(f);
		return -1;
	}
	f->c = daemon_client(&f->d);
	*state = f;
	return 0;
}

int
daemon_fixture_down(void **state)
{
	struct daemon_fixture *f = *state;

	if (f) {
		f->c = client_free(f->c);
		daemon_cleanup(&f->d);
		free(f);
		*state = NULL;
	}
	return 0;
}

struct daemon_answer
daemon_send(struct client *c, Lanu__V1__Envelope *ev)
{
	struct daemon_answer ans = { 0 };
	Lanu__V1__Reply *rep;

	ans.code = daemon_send_event(c, ev, &rep);
	snprintf(ans.field, sizeof(ans.field), "%s", rep->field ? rep->field : "");
	snprintf(ans.reason, sizeof(ans.reason), "%s", rep->reason ? rep->reason : "");
	lanu__v1__reply__free_unpacked(rep, NULL);
	return ans;
}
