/*
 * harness: starts real lanud binaries for the integration tests. Readiness is the
 * READY=1 that lanud sends to NOTIFY_SOCKET, exactly as under systemd, so no test
 * ever sleeps to wait for start-up; exits are waited for with a pidfd. Every wait
 * is bounded.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
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
		"routes:\n"
		"  - {kinds: deadline-missed, services: svc-a, to: sup-a}\n"
		"  - {kinds: deadline-missed, services: svc-b, to: sup-b}\n"
		"  - {to: board}\n"
		"%s",
		extra_routes ? extra_routes : "");
	return fclose(f) == 0 ? 0 : -errno;
}

static int
daemon_wait_ready(struct daemon *d, int timeout_ms)
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
		if (strstr(buf, "READY=1"))
			return 0;
	}
	return -ETIMEDOUT;
}

int
daemon_start(struct daemon *d, const char *const *args)
{
	const char *argv[32] = { LANUD_PATH, "-c", d->conf };
	size_t n = 3;

	for (; args && *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
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
	size_t n = 0;

	for (;;) {
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
			seqs[n++] = rep->alerts->alerts[i]->seq;
		after = rep->alerts->last_seq;
		more = rep->alerts->more;
		lanu__v1__reply__free_unpacked(rep, NULL);
		if (!more)
			return n;
	}
}
