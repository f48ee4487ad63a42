/*
 * Integration tests against real lanud processes: the contract of ROADMAP.md
 * ("an acknowledgement means the event is on disk", "a repeated event_id has one
 * effect", "a subscriber that remembers its last seq gets every later alert, in
 * order, with no gap") checked end to end, including kill -9 and SIGTERM mid-stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "harness.h"
#include "pbjson.h"
#include "plan.h"

#define OK		LANU__V1__REPLY__CODE__OK
#define DUPLICATE	LANU__V1__REPLY__CODE__DUPLICATE
#define REJECTED	LANU__V1__REPLY__CODE__REJECTED
#define UNAVAILABLE	LANU__V1__REPLY__CODE__UNAVAILABLE
#define NOT_FOUND	LANU__V1__REPLY__CODE__NOT_FOUND

static int
setup(void **state)
{
	struct daemon *d = calloc(1, sizeof(*d));

	if (!d || daemon_init(d, NULL) < 0)
		return -1;
	if (daemon_start(d, NULL) < 0)
		return -1;
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct daemon *d = *state;

	if (d) {
		daemon_cleanup(d);
		free(d);
	}
	return 0;
}

/* One page of a replay for rcpts after seq: the alerts, copied; n of them. */
static size_t
replay_rcpts(struct client *c, const char **rcpts, size_t n, uint64_t after,
	     Lanu__V1__Alert ***ret)
{
	Lanu__V1__ReplayQuery q = LANU__V1__REPLAY_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Alert **v;
	Lanu__V1__Reply *rep;
	size_t k;

	q.recipients = (char **)rcpts;
	q.n_recipients = n;
	q.after_seq = after;
	req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
	req.replay = &q;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	assert_int_equal(rep->code, OK);
	k = rep->alerts->n_alerts;
	v = calloc(k ? k : 1, sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < k; i++) {
		uint8_t buf[8192];
		size_t len = lanu__v1__alert__get_packed_size(rep->alerts->alerts[i]);

		assert_true(len <= sizeof(buf));
		lanu__v1__alert__pack(rep->alerts->alerts[i], buf);
		v[i] = lanu__v1__alert__unpack(NULL, len, buf);
		assert_non_null(v[i]);
	}
	lanu__v1__reply__free_unpacked(rep, NULL);
	*ret = v;
	return k;
}

/* send -> ack -> alert reaches a live subscriber, with prev_seq chaining. */
static void
test_send_ack_alert(void **state)
{
	struct daemon *d = *state;
	struct client *c = daemon_client(d);
	char *rcpt[] = { (char *)"sup-a" };
	Lanu__V1__Alert *a = NULL;
	struct sub *s;
	char id[32];
	int i, r = -ETIMEDOUT;

	assert_int_equal(sub_connect(d->publish, rcpt, 1, &s), 0);
	/* PUB/SUB joins asynchronously: raise alerts until the first one arrives. */
	for (i = 0; i < 100 && r == -ETIMEDOUT; i++) {
		snprintf(id, sizeof(id), "warm-%d", i);
		assert_int_equal(daemon_deadline_missed(c, "school-1", id, "svc-a", id), OK);
		r = sub_recv(s, 100, &a);
	}
	assert_int_equal(r, 0);
	uint64_t seq = a->seq;
	assert_int_equal(a->kind, LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED);
	assert_int_equal(a->severity, LANU__V1__SEVERITY__SEVERITY_CRITICAL);
	assert_string_equal(a->service, "svc-a");
	assert_non_null(strstr(a->subject, "case:warm-"));
	assert_int_equal(a->n_recipients, 2);	/* sup-a and board */
	lanu__v1__alert__free_unpacked(a, NULL);
	/* Drain what the warm-up raised, then one more: it is live and chained. */
	while (sub_recv(s, 200, &a) == 0) {
		seq = a->seq;
		lanu__v1__alert__free_unpacked(a, NULL);
	}
	assert_int_equal(daemon_deadline_missed(c, "school-1", "e-live", "svc-a", "case-7"), OK);
	assert_int_equal(sub_recv(s, 5000, &a), 0);
	assert_int_equal(a->seq, seq + 1);
	assert_int_equal(a->prev_seq, seq);
	assert_string_equal(a->subject, "case:case-7");
	assert_string_equal(a->event_id, "e-live");
	assert_non_null(a->text);
	assert_non_null(strstr(a->text->fi, "Määräaika ylittyi"));
	lanu__v1__alert__free_unpacked(a, NULL);
	seq++;
	/* A replayed alert is the live copy, prev_seq too. seq + 1 goes to board and sup-b,
	 * seq + 2 to board and sup-a: sup-a's copy of it chains to seq. */
	assert_int_equal(daemon_deadline_missed(c, "school-1", "e-b", "svc-b", "case-8"), OK);
	assert_int_equal(daemon_deadline_missed(c, "school-1", "e-live-2", "svc-a", "case-9"), OK);
	assert_int_equal(sub_recv(s, 5000, &a), 0);
	assert_int_equal(a->seq, seq + 2);
	assert_int_equal(a->prev_seq, seq);
	{
		const char *sup_a[] = { "sup-a" }, *board_first[] = { "board", "sup-a" },
			   *sup_a_first[] = { "sup-a", "board" };
		Lanu__V1__Alert **v;
		uint8_t *live, *replayed;
		size_t len;

		assert_int_equal(replay_rcpts(c, sup_a, 1, seq, &v), 1);
		len = lanu__v1__alert__get_packed_size(a);
		assert_int_equal(lanu__v1__alert__get_packed_size(v[0]), len);
		live = malloc(len);
		replayed = malloc(len);
		assert_non_null(live);
		assert_non_null(replayed);
		lanu__v1__alert__pack(a, live);
		lanu__v1__alert__pack(v[0], replayed);
		assert_memory_equal(live, replayed, len);
		free(live);
		free(replayed);
		daemon_alerts_free(v, 1);
		/* Several recipients: the prev_seq of the first named one the alert went to. */
		assert_int_equal(replay_rcpts(c, board_first, 2, seq, &v), 2);
		assert_int_equal(v[0]->seq, seq + 1);
		assert_int_equal(v[0]->prev_seq, seq);		/* board's */
		assert_int_equal(v[1]->seq, seq + 2);
		assert_int_equal(v[1]->prev_seq, seq + 1);	/* board's */
		daemon_alerts_free(v, 2);
		assert_int_equal(replay_rcpts(c, sup_a_first, 2, seq, &v), 2);
		assert_int_equal(v[0]->prev_seq, seq);		/* board's: not sup-a's */
		assert_int_equal(v[1]->prev_seq, seq);		/* sup-a's */
		daemon_alerts_free(v, 2);
	}
	lanu__v1__alert__free_unpacked(a, NULL);
	/* sup-b got none of these but e-b. */
	uint64_t seqs[8];
	assert_int_equal(daemon_replay(c, "sup-b", 0, seqs, 8), 1);
	assert_int_equal(seqs[0], seq + 1);
	sub_free(s);
	client_free(c);
}

static void
test_duplicate(void **state)
{
	struct daemon *d = *state;
	struct client *c = daemon_client(d);
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;
	uint64_t alerts;

	assert_int_equal(daemon_deadline_missed(c, "school-1", "dup-1", "svc-a", "case-1"), OK);
	st = daemon_status(c, &rep);
	alerts = st->last_alert_seq;
	assert_int_equal(st->events, 1);
	lanu__v1__reply__free_unpacked(rep, NULL);

	assert_int_equal(daemon_deadline_missed(c, "school-1", "dup-1", "svc-a", "case-1"), DUPLICATE);
	/* The same event_id from another producer is another event. */
	assert_int_equal(daemon_deadline_missed(c, "school-2", "dup-1", "svc-b", "case-2"), OK);
	/* Another event about the same missed deadline raises no second alert. */
	assert_int_equal(daemon_deadline_missed(c, "school-3", "dup-2", "svc-a", "case-1"), OK);

	st = daemon_status(c, &rep);
	assert_int_equal(st->events, 3);
	assert_int_equal(st->duplicates, 1);
	assert_int_equal(st->last_alert_seq, alerts + 1);
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
}

/* Sends raw frames and expects one REJECTED reply naming the problem. */
static void
expect_rejected(struct client *c, const void *const *frames, const size_t *lens, size_t n,
		const char *reason_part, const char *field)
{
	Lanu__V1__Reply *rep;

	assert_int_equal(client_send_raw(c, frames, lens, n), 0);
	assert_int_equal(client_recv(c, 5000, &rep), 0);
	assert_int_equal(rep->code, REJECTED);
	if (!strstr(rep->reason, reason_part))
		fail_msg("reason '%s' lacks '%s'", rep->reason, reason_part);
	if (field)
		assert_string_equal(rep->field, field);
	lanu__v1__reply__free_unpacked(rep, NULL);
}

static void
test_bad_input(void **state)
{
	struct daemon *d = *state;
	struct client *c = daemon_client(d);
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__DeadlineMissed dm;
	Lanu__V1__Envelope ev;
	Lanu__V1__Reply *rep;
	uint8_t buf[1024], *big;
	const void *f[3];
	size_t l[3], len;

	/* Garbage bytes. */
	f[0] = "\xff\xff\xff\xff garbage";
	l[0] = 12;
	expect_rejected(c, f, l, 1, "malformed or truncated", "frame");

	/* A truncated protobuf: a valid request cut short. */
	daemon_fill_missed(&ev, &dm, "school-1", "t-1", "svc-a", "case-1");
	req.corr_id = 77;
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	len = lanu__v1__request__pack(&req, buf);
	f[0] = buf;
	l[0] = len - 5;
	expect_rejected(c, f, l, 1, "malformed or truncated", "frame");

	/* An unknown oneof case: an event type from the future (field 99 in Envelope). */
	{
		uint8_t env[64], *p = env;
		/* event_id "x", producer "p", occurred_at_ms 1, field 99 (bytes) "zz" */
		const uint8_t e[] = { 0x0a, 1, 'x', 0x12, 1, 'p', 0x18, 1,
				      0x9a, 0x06, 2, 'z', 'z' };
		*p++ = 0x08; *p++ = 5;		/* corr_id 5 */
		*p++ = 0x52; *p++ = sizeof(e);	/* field 10 (event), length */
		memcpy(p, e, sizeof(e));
		p += sizeof(e);
		f[0] = env;
		l[0] = (size_t)(p - env);
		assert_int_equal(client_send_raw(c, f, l, 1), 0);
		assert_int_equal(client_recv(c, 5000, &rep), 0);
		assert_int_equal(rep->code, REJECTED);
		assert_int_equal(rep->corr_id, 5);
		assert_string_equal(rep->field, "event.payload");
		lanu__v1__reply__free_unpacked(rep, NULL);
	}

	/* A field that breaks a rule: a case id with a blank in it. */
	dm.case_id = (char *)"Matti Meikäläinen";
	len = lanu__v1__request__pack(&req, buf);
	f[0] = buf;
	l[0] = len;
	expect_rejected(c, f, l, 1, "pseudonymous id", "event.deadline_missed.case_id");
	dm.case_id = (char *)"case-1";

	/* Oversize: 70000 bytes; the reply still carries the corr_id. */
	big = calloc(1, 70000);
	big[0] = 0x08;
	big[1] = 42;
	f[0] = big;
	l[0] = 70000;
	assert_int_equal(client_send_raw(c, f, l, 1), 0);
	assert_int_equal(client_recv(c, 5000, &rep), 0);
	assert_int_equal(rep->code, REJECTED);
	assert_int_equal(rep->corr_id, 42);
	assert_non_null(strstr(rep->reason, "70000 bytes (max 65536)"));
	assert_string_equal(rep->field, "frame");
	lanu__v1__reply__free_unpacked(rep, NULL);
	free(big);

	/* Wrong frame count. */
	len = lanu__v1__request__pack(&req, buf);
	f[0] = buf, l[0] = len;
	f[1] = buf, l[1] = len;
	f[2] = buf, l[2] = len;
	assert_int_equal(client_send_raw(c, f, l, 3), 0);
	assert_int_equal(client_recv(c, 5000, &rep), 0);
	assert_int_equal(rep->code, REJECTED);
	assert_non_null(strstr(rep->reason, "expected one request frame"));
	assert_string_equal(rep->field, "frame");
	assert_int_equal(rep->corr_id, 77);	/* the first request frame's */
	lanu__v1__reply__free_unpacked(rep, NULL);

	/* Still serving, and none of it was stored. */
	assert_int_equal(daemon_deadline_missed(c, "school-1", "after-bad", "svc-a", "c-9"), OK);
	Lanu__V1__Status *st = daemon_status(c, &rep);
	assert_int_equal(st->events, 1);
	assert_int_equal(st->rejected, 6);
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
}

/* Streams n DeadlineMissed events with a window, recording which were acked; calls
 * on_acked(arg, count) after each ack, stops early if it returns nonzero. Events
 * not acked when lanud goes away are left unacked. Returns the number acked. */
static size_t
stream(struct daemon *d, size_t n, size_t window, bool *acked, const char *prefix,
       int (*on_acked)(struct daemon *d, size_t count), bool tolerate_loss)
{
	struct client *c = daemon_client(d);
	size_t sent = 0, nacked = 0, inflight = 0;
	uint64_t last = mono_ms();

	while (nacked < n) {
		Lanu__V1__Reply *rep;
		int r;

		while (sent < n && inflight < window) {
			Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
			Lanu__V1__DeadlineMissed dm;
			Lanu__V1__Envelope ev;
			char id[32];

			snprintf(id, sizeof(id), "%s-%zu", prefix, sent);
			daemon_fill_missed(&ev, &dm, "stream", id, "svc-a", id);
			req.corr_id = sent + 1;
			req.body_case = LANU__V1__REQUEST__BODY_EVENT;
			req.event = &ev;
			if (client_send(c, &req) < 0)
				break;
			sent++;
			inflight++;
		}
		r = client_recv(c, 200, &rep);
		if (r == -ETIMEDOUT) {
			if (mono_ms() - last > (tolerate_loss ? 1500 : 15000))
				break;	/* lanud is gone (or stuck: the caller checks) */
			continue;
		}
		assert_int_equal(r, 0);
		last = mono_ms();
		inflight--;
		if (rep->code == OK) {
			assert_true(rep->corr_id >= 1 && rep->corr_id <= n);
			acked[rep->corr_id - 1] = true;
			nacked++;
		} else if (!tolerate_loss || rep->code != UNAVAILABLE) {
			fail_msg("event %" PRIu64 " answered %d: %s", rep->corr_id, rep->code,
				 rep->reason);
		}
		lanu__v1__reply__free_unpacked(rep, NULL);
		if (on_acked && on_acked(d, nacked))
			on_acked = NULL;
	}
	client_free(c);
	return nacked;
}

static int
kill9_at_half(struct daemon *d, size_t count)
{
	if (count < 10000)
		return 0;
	kill(d->pid, SIGKILL);
	return 1;
}

static int
term_at_half(struct daemon *d, size_t count)
{
	if (count < 3000)
		return 0;
	kill(d->pid, SIGTERM);
	return 1;
}

/* Every acked event is stored (a resend is DUPLICATE) and the alert log has no gap. */
static void
check_after_crash(struct daemon *d, const bool *acked, size_t n, const char *prefix)
{
	struct client *c = daemon_client(d);
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;
	size_t stored = 0, nseq;
	uint64_t *seqs;

	for (size_t i = 0; i < n; i++) {
		char id[32];
		int code;

		snprintf(id, sizeof(id), "%s-%zu", prefix, i);
		code = daemon_deadline_missed(c, "stream", id, "svc-a", id);
		if (acked[i] && code != DUPLICATE)
			fail_msg("acknowledged event %s was lost (answered %d)", id, code);
		stored += code == DUPLICATE;
	}
	/* Now every event is in, exactly once, each with exactly one alert. */
	st = daemon_status(c, &rep);
	assert_int_equal(st->events, n);
	assert_int_equal(st->last_alert_seq, n);
	lanu__v1__reply__free_unpacked(rep, NULL);
	seqs = calloc(n + 1, sizeof(*seqs));
	nseq = daemon_replay(c, "sup-a", 0, seqs, n + 1);
	assert_int_equal(nseq, n);
	for (size_t i = 0; i < nseq; i++)
		assert_int_equal(seqs[i], i + 1);
	free(seqs);
	client_free(c);
	print_message("    %zu of %zu events were stored before the stop\n", stored, n);
}

static void
test_kill9_loses_nothing_acked(void **state)
{
	struct daemon *d = *state;
	const size_t n = 20000;
	bool *acked = calloc(n, sizeof(*acked));
	size_t nacked;

	nacked = stream(d, n, 256, acked, "k9", kill9_at_half, true);
	assert_true(nacked >= 10000);
	assert_int_equal(daemon_stop(d, SIGKILL), 128 + SIGKILL);
	assert_int_equal(daemon_start(d, NULL), 0);
	check_after_crash(d, acked, n, "k9");
	free(acked);
}

static void
test_sigterm_under_load(void **state)
{
	struct daemon *d = *state;
	const size_t n = 8000;
	bool *acked = calloc(n, sizeof(*acked));
	size_t nacked;

	nacked = stream(d, n, 256, acked, "term", term_at_half, true);
	assert_true(nacked >= 3000);
	assert_int_equal(daemon_stop(d, SIGTERM), 0);	/* a clean exit, status 0 */
	assert_int_equal(daemon_start(d, NULL), 0);
	check_after_crash(d, acked, n, "term");
	free(acked);
}

/* A subscriber away for a while replays exactly what it missed, across a restart. */
static void
test_reconnect_replay(void **state)
{
	struct daemon *d = *state;
	struct client *c = daemon_client(d);
	uint64_t seqs[16], last;
	size_t n;

	assert_int_equal(daemon_deadline_missed(c, "p", "r1", "svc-b", "c1"), OK);
	assert_int_equal(daemon_deadline_missed(c, "p", "r2", "svc-a", "c2"), OK);
	assert_int_equal(daemon_deadline_missed(c, "p", "r3", "svc-b", "c3"), OK);
	n = daemon_replay(c, "sup-b", 0, seqs, 16);
	assert_int_equal(n, 2);
	last = seqs[1];
	client_free(c);

	/* Away: more alerts, and lanud restarts. */
	c = daemon_client(d);
	assert_int_equal(daemon_deadline_missed(c, "p", "r4", "svc-b", "c4"), OK);
	assert_int_equal(daemon_deadline_missed(c, "p", "r5", "svc-a", "c5"), OK);
	client_free(c);
	assert_int_equal(daemon_stop(d, SIGTERM), 0);
	assert_int_equal(daemon_start(d, NULL), 0);
	c = daemon_client(d);
	assert_int_equal(daemon_deadline_missed(c, "p", "r6", "svc-b", "c6"), OK);

	n = daemon_replay(c, "sup-b", last, seqs, 16);
	assert_int_equal(n, 2);
	assert_int_equal(seqs[0], 4);
	assert_int_equal(seqs[1], 6);
	client_free(c);
}

static void
test_ack_and_queries(void **state)
{
	struct daemon *d = *state;
	struct client *c = daemon_client(d);
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__AlertAcknowledged ack = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	Lanu__V1__AlertQuery aq = LANU__V1__ALERT_QUERY__INIT;
	Lanu__V1__OpenAlertsQuery oq = LANU__V1__OPEN_ALERTS_QUERY__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__Reply *rep;

	assert_int_equal(daemon_deadline_missed(c, "p", "q1", "svc-a", "c1"), OK);
	assert_int_equal(daemon_deadline_missed(c, "p", "q2", "svc-b", "c2"), OK);

	ack.alert_id = (char *)"a-1";
	ack.by = (char *)"coordinator-3";
	ack.note = (char *)"family contacted";
	ev.event_id = (char *)"ack-1";
	ev.producer = (char *)"lanuctl";
	ev.occurred_at_ms = 1;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
	ev.alert_acknowledged = &ack;
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	assert_int_equal(client_call(c, &req, 5000, &rep), 0);
	assert_int_equal(rep->code, OK);
	lanu__v1__reply__free_unpacked(rep, NULL);

	/* An unknown alert: NOT_FOUND, and not stored. */
	ack.alert_id = (char *)"a-99";
	ev.event_id = (char *)"ack-2";
	req.corr_id = 0;
	assert_int_equal(client_call(c, &req, 5000, &rep), 0);
	assert_int_equal(rep->code, NOT_FOUND);
	assert_string_equal(rep->field, "event.alert_acknowledged.alert_id");
	lanu__v1__reply__free_unpacked(rep, NULL);

	aq.alert_id = (char *)"a-1";
	req = (Lanu__V1__Request)LANU__V1__REQUEST__INIT;
	req.body_case = LANU__V1__REQUEST__BODY_ALERT;
	req.alert = &aq;
	assert_int_equal(client_call(c, &req, 5000, &rep), 0);
	assert_int_equal(rep->code, OK);
	assert_non_null(rep->alert->ack);
	assert_string_equal(rep->alert->ack->by, "coordinator-3");
	lanu__v1__reply__free_unpacked(rep, NULL);

	req = (Lanu__V1__Request)LANU__V1__REQUEST__INIT;
	req.body_case = LANU__V1__REQUEST__BODY_OPEN_ALERTS;
	req.open_alerts = &oq;
	assert_int_equal(client_call(c, &req, 5000, &rep), 0);
	assert_int_equal(rep->code, OK);
	assert_int_equal(rep->alerts->n_alerts, 1);
	assert_int_equal(rep->alerts->alerts[0]->seq, 2);
	lanu__v1__reply__free_unpacked(rep, NULL);

	Lanu__V1__Status *st = daemon_status(c, &rep);
	assert_int_equal(st->open_alerts, 1);
	assert_int_equal(st->events, 3);
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
}

static void
test_manual_clock(void **state)
{
	struct daemon *d = *state;
	const char *manual[] = { "--clock=manual", NULL };
	struct client *c = daemon_client(d);
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;

	/* The system clock refuses to be set, naming the request. */
	{
		Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
		Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;

		cs.now_ms = 1767225600000ULL;
		req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
		req.clock_set = &cs;
		assert_int_equal(client_call(c, &req, 10000, &rep), 0);
		assert_int_equal(rep->code, REJECTED);
		assert_string_equal(rep->field, "clock_set");
		lanu__v1__reply__free_unpacked(rep, NULL);
	}
	client_free(c);
	assert_int_equal(daemon_stop(d, SIGTERM), 0);

	assert_int_equal(daemon_start(d, manual), 0);
	c = daemon_client(d);
	assert_int_equal(daemon_clock_set(c, 4102444800000ULL), OK);	/* 2100-01-01 */
	st = daemon_status(c, &rep);
	assert_true(st->manual_clock);
	assert_int_equal(st->now_ms, 4102444800000ULL);
	lanu__v1__reply__free_unpacked(rep, NULL);
	/* Alerts take their time from the one clock. */
	assert_int_equal(daemon_deadline_missed(c, "p", "m1", "svc-a", "c1"), OK);
	uint64_t seqs[2];
	assert_int_equal(daemon_replay(c, "sup-a", 0, seqs, 2), 1);
	/* Backwards is refused; and a restart resumes where the clock was. */
	assert_int_equal(daemon_clock_set(c, 4102444700000ULL), REJECTED);
	client_free(c);
	assert_int_equal(daemon_stop(d, SIGTERM), 0);
	assert_int_equal(daemon_start(d, manual), 0);
	c = daemon_client(d);
	st = daemon_status(c, &rep);
	assert_int_equal(st->now_ms, 4102444800000ULL);
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
}

static void
test_reload(void **state)
{
	struct daemon *d = *state;
	struct client *c = daemon_client(d);
	uint64_t seqs[8];

	assert_int_equal(daemon_deadline_missed(c, "p", "h1", "svc-c", "c1"), OK);
	assert_int_equal(daemon_replay(c, "sup-b", 0, seqs, 8), 0);

	/* A broken plan is refused; the plan in force stays. */
	assert_int_equal(daemon_write_plan(d, "  - {services: svc-c, to: nobody}\n"), 0);
	kill(d->pid, SIGHUP);
	assert_int_equal(daemon_deadline_missed(c, "p", "h2", "svc-c", "c2"), OK);
	assert_int_equal(daemon_replay(c, "sup-b", 0, seqs, 8), 0);

	/* A good one takes effect, on the same connection. */
	assert_int_equal(daemon_write_plan(d, "  - {services: svc-c, to: sup-b}\n"), 0);
	kill(d->pid, SIGHUP);
	/* SIGHUP is asynchronous: wait (bounded) until the new route is used. */
	size_t n = 0;
	for (int i = 0; i < 100 && n == 0; i++) {
		char id[16];

		snprintf(id, sizeof(id), "h3-%d", i);
		assert_int_equal(daemon_deadline_missed(c, "p", id, "svc-c", id), OK);
		n = daemon_replay(c, "sup-b", 0, seqs, 8);
	}
	assert_int_equal(n, 1);
	client_free(c);
}

/* The plan file, read here, and the plan lanud stored and serves are the same: as
 * protobuf, and as the JSON `lanuctl plan show --json` prints. */
static void
test_plan_round_trip(void **state)
{
	struct daemon *d = *state;
	struct client *c = daemon_client(d);
	Lanu__V1__PlanQuery q = LANU__V1__PLAN_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	struct plan_errors errs = { 0 };
	Lanu__V1__Plan *local, *back;
	Lanu__V1__Reply *rep;
	ProtobufCMessage *m;
	json_t *jl, *jr;
	char sha[65], err[256];
	uint8_t *a, *b;
	size_t na, nb;

	assert_int_equal(plan_parse_file(d->plan, &local, sha, &errs), 0);
	req.body_case = LANU__V1__REQUEST__BODY_PLAN;
	req.plan = &q;
	assert_int_equal(client_call(c, &req, 5000, &rep), 0);
	assert_int_equal(rep->code, OK);
	assert_int_equal(rep->plan_version->version, 1);
	assert_string_equal(rep->plan_version->sha256, sha);
	assert_string_equal(rep->plan_version->loaded_by, "lanud");

	na = lanu__v1__plan__get_packed_size(local);
	nb = lanu__v1__plan__get_packed_size(rep->plan_version->plan);
	a = malloc(na);
	b = malloc(nb);
	assert_non_null(a);
	assert_non_null(b);
	lanu__v1__plan__pack(local, a);
	lanu__v1__plan__pack(rep->plan_version->plan, b);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);

	jl = pbjson_from_message(&local->base, 0);
	jr = pbjson_from_message(&rep->plan_version->plan->base, 0);
	assert_true(json_equal(jl, jr));
	/* and the JSON reads back into the same plan */
	assert_int_equal(pbjson_to_message(jr, &lanu__v1__plan__descriptor, &m, err, sizeof(err)), 0);
	back = (Lanu__V1__Plan *)m;
	assert_int_equal(lanu__v1__plan__get_packed_size(back), na);
	lanu__v1__plan__pack(back, b);
	assert_memory_equal(a, b, na);

	protobuf_c_message_free_unpacked(m, NULL);
	json_decref(jl);
	json_decref(jr);
	free(a);
	free(b);
	plan_free(local);
	plan_errors_free(&errs);
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
}

/* A plan load in the middle of a stream of events: every event is acknowledged, and
 * alerts after the load follow the new routes. */
static int
load_plan_at_half(struct daemon *d, size_t count)
{
	static const char extra[] = "  - {services: svc-a, to: sup-b}\n";
	Lanu__V1__PlanLoad pl = LANU__V1__PLAN_LOAD__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	struct plan_errors errs = { 0 };
	struct client *c;
	Lanu__V1__Reply *rep;
	char *text;
	size_t len;

	if (count < 1000)
		return 0;
	assert_int_equal(daemon_write_plan(d, extra), 0);
	assert_int_equal(plan_read_file(d->plan, &text, &len, NULL, &errs), 0);
	pl.source = (char *)"plan.yaml";
	pl.loaded_by = (char *)"test";
	pl.content.data = (uint8_t *)text;
	pl.content.len = len;
	req.body_case = LANU__V1__REQUEST__BODY_PLAN_LOAD;
	req.plan_load = &pl;
	c = daemon_client(d);
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	assert_int_equal(rep->code, OK);
	assert_int_equal(rep->plan_load->version, 2);
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
	free(text);
	plan_errors_free(&errs);
	return 1;
}

static void
test_plan_load_under_load(void **state)
{
	struct daemon *d = *state;
	enum { N = 3000 };
	bool *acked = calloc(N, sizeof(*acked));
	struct client *c;
	uint64_t seqs[N];
	size_t n;

	assert_non_null(acked);
	assert_int_equal(stream(d, N, 256, acked, "pl", load_plan_at_half, false), N);
	for (size_t i = 0; i < N; i++)
		assert_true(acked[i]);
	/* sup-b got svc-a's alerts only from the new plan on: some, not all */
	c = daemon_client(d);
	n = daemon_replay(c, "sup-b", 0, seqs, N);
	assert_true(n > 0 && n < N);
	client_free(c);
	free(acked);
}

/* Sends event fill-i, a MeasureStatusUpdated with a long note: store filler. Returns
 * the reply (free it). */
static Lanu__V1__Reply *
fill_one(struct client *c, int i, char *note)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__MeasureStatusUpdated m = LANU__V1__MEASURE_STATUS_UPDATED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__Reply *rep;
	char id[32];

	snprintf(id, sizeof(id), "fill-%d", i);
	m.measure = (char *)"measure-1";
	m.status = LANU__V1__MEASURE_STATUS__MEASURE_STATUS_IN_PROGRESS;
	m.note = note;
	ev.event_id = id;
	ev.producer = (char *)"p";
	ev.occurred_at_ms = 1;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED;
	ev.measure_status_updated = &m;
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	assert_int_equal(client_call(c, &req, 10000, &rep), 0);
	return rep;
}

static void
test_map_full_unavailable(void **state)
{
	struct daemon *d = *state;
	const char *small[] = { NULL };
	struct client *c;
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;
	int code = OK, i;
	char note[1000];
	size_t acked = 0;

	daemon_stop(d, SIGTERM);
	FILE *f = fopen(d->conf, "ae");
	fprintf(f, "map-size 1M\nmap-max 2M\n");
	fclose(f);
	assert_int_equal(daemon_start(d, small), 0);
	c = daemon_client(d);
	memset(note, 'x', sizeof(note) - 1);
	note[sizeof(note) - 1] = '\0';
	for (i = 0; i < 20000 && code == OK; i++) {
		rep = fill_one(c, i, note);
		code = rep->code;
		if (code == UNAVAILABLE)
			assert_non_null(strstr(rep->reason, "send again later"));
		lanu__v1__reply__free_unpacked(rep, NULL);
		acked += code == OK;
	}
	assert_int_equal(code, UNAVAILABLE);
	/* Queries still work, and everything acknowledged is there. */
	st = daemon_status(c, &rep);
	assert_int_equal(st->events, acked);
	assert_true(st->map_size >= 2u << 20);
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
}

/* lanud's state-dir on a 1 MiB tmpfs (only root may mount one; otherwise the test is
 * skipped, and says so). */
static int
setup_tmpfs(void **state)
{
	struct daemon *d;
	char dir[600];

	if (setup(state) < 0)
		return -1;
	d = *state;
	if (daemon_stop(d, SIGTERM) != 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/state-fs", d->dir);
	if (mkdir(dir, 0700) < 0)
		return -1;
	if (geteuid() != 0 || mount("lanu-test", dir, "tmpfs", 0, "size=1m,mode=0700") < 0)
		print_message("    cannot mount a tmpfs (%s): the disk-full test is skipped\n",
			      geteuid() != 0 ? "not root" : strerror(errno));
	return 0;
}

static int
teardown_tmpfs(void **state)
{
	struct daemon *d = *state;
	char dir[600];

	if (!d)
		return 0;
	if (d->pid > 0 && daemon_stop(d, SIGTERM) == -ETIMEDOUT)
		daemon_stop(d, SIGKILL);
	snprintf(dir, sizeof(dir), "%s/state-fs", d->dir);
	umount2(dir, MNT_DETACH);	/* EINVAL if it was never mounted */
	return teardown(state);
}

/* A full disk is answered UNAVAILABLE, "no space left on device", and the map does
 * not grow (it would, to map-max, if the disk were taken for a full map). */
static void
test_disk_full_unavailable(void **state)
{
	struct daemon *d = *state;
	struct client *c;
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *st;
	struct stat top, fs;
	int code = OK, i;
	char note[1000], dir[600], reason[256] = "";
	size_t acked = 0;

	snprintf(dir, sizeof(dir), "%s/state-fs", d->dir);
	if (stat(d->dir, &top) < 0 || stat(dir, &fs) < 0 || top.st_dev == fs.st_dev)
		skip();		/* not mounted: see setup_tmpfs */
	FILE *f = fopen(d->conf, "ae");
	fprintf(f, "state-dir %s/state\nmap-size 8M\nmap-max 64M\n", dir);
	fclose(f);
	assert_int_equal(daemon_start(d, NULL), 0);
	c = daemon_client(d);
	memset(note, 'x', sizeof(note) - 1);
	note[sizeof(note) - 1] = '\0';
	/* 1 MiB holds about a thousand of these; the map (8 MiB) far more. */
	for (i = 0; i < 5000 && code == OK; i++) {
		rep = fill_one(c, i, note);
		code = rep->code;
		snprintf(reason, sizeof(reason), "%s", rep->reason ? rep->reason : "");
		lanu__v1__reply__free_unpacked(rep, NULL);
		acked += code == OK;
	}
	assert_int_equal(code, UNAVAILABLE);
	if (!strstr(reason, "no space left on device") || !strstr(reason, "send again later"))
		fail_msg("UNAVAILABLE with reason '%s'", reason);
	/* The map is as it was, queries work, and everything acknowledged is there. */
	st = daemon_status(c, &rep);
	assert_int_equal(st->map_size, 8u << 20);
	assert_int_equal(st->events, acked);
	assert_true(acked > 0);
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
}

/* A second lanud with its own state but the first one's ipc:// endpoints refuses to
 * start and names the process that holds them; the first keeps serving. */
static void
test_ipc_endpoint_not_taken_over(void **state)
{
	struct daemon *d = *state, b;
	char conf[600], log[600], text[4096], want[64];
	pid_t pid;
	ssize_t n;
	int fd, status = 0;
	FILE *f;
	Lanu__V1__Reply *rep;
	struct client *c;

	assert_int_equal(daemon_init(&b, NULL), 0);
	snprintf(conf, sizeof(conf), "%s/taker.conf", b.dir);
	snprintf(log, sizeof(log), "%s/taker.log", b.dir);
	assert_non_null(f = fopen(conf, "w"));
	fprintf(f, "ingest %s\npublish %s\nstate-dir %s/state\nplan %s\n", d->ingest,
		d->publish, b.dir, b.plan);
	fclose(f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		execl(LANUD_PATH, LANUD_PATH, "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (uint64_t t0 = mono_ms(); waitpid(pid, &status, WNOHANG) == 0; usleep(10000))
		if (mono_ms() - t0 > 10000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the second lanud still runs after 10 s: it took the endpoints");
		}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	assert_true((fd = open(log, O_RDONLY)) >= 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "in use by process %d (lanud)", (int)d->pid);
	if (!strstr(text, want))
		fail_msg("the refusal does not say '%s': %s", want, text);
	assert_non_null(strstr(text, d->ingest));

	/* The first one still has its peers. */
	c = daemon_client(d);
	daemon_status(c, &rep);
	lanu__v1__reply__free_unpacked(rep, NULL);
	client_free(c);
	daemon_cleanup(&b);
}

/* A client that never reads its replies must not hold up another one. */
static void
test_stalled_peer(void **state)
{
	struct daemon *d = *state;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__StatusQuery q = LANU__V1__STATUS_QUERY__INIT;
	uint8_t buf[64];
	void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_DEALER);
	int hwm = 100, linger = 0, sent = 0;
	size_t len;

	req.corr_id = 1;
	req.body_case = LANU__V1__REQUEST__BODY_STATUS;
	req.status = &q;
	len = lanu__v1__request__pack(&req, buf);
	assert_int_equal(zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm)), 0);
	assert_int_equal(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)), 0);
	assert_int_equal(zmq_connect(s, d->ingest), 0);
	/* Far more replies than lanud's send HWM and this socket's receive HWM hold. */
	uint64_t until = mono_ms() + 20000;
	while (sent < 30000 && mono_ms() < until)
		if (zmq_send(s, buf, len, ZMQ_DONTWAIT) == (int)len)
			sent++;
	assert_int_equal(sent, 30000);

	struct client *c = daemon_client(d);
	uint64_t t0 = mono_ms();
	Lanu__V1__Reply *rep;
	daemon_status(c, &rep);
	lanu__v1__reply__free_unpacked(rep, NULL);
	assert_int_equal(daemon_deadline_missed(c, "p", "after-stall", "svc-a", "c1"), OK);
	print_message("    answered in %" PRIu64 " ms next to a stalled peer\n", mono_ms() - t0);
	assert_true(mono_ms() - t0 < 5000);
	client_free(c);
	zmq_close(s);
	zmq_ctx_term(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_send_ack_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_and_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manual_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_load_under_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full_unavailable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full_unavailable, setup_tmpfs,
						teardown_tmpfs),
		cmocka_unit_test_setup_teardown(test_stalled_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipc_endpoint_not_taken_over, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_under_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9_loses_nothing_acked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
