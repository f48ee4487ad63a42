/*
 * Integration tests: lanud's tcp:// endpoints with CurveZMQ and its ZAP handler
 * (docs/security.md), through a real lanud: a key not in keys-dir, a revoked one and
 * a peer without CurveZMQ get no answer; each role may do what its key says and no more:
 * a producer sends only as itself (so nobody can pre-empt its event ids), only its event
 * kinds and areas; a subscriber reads only its recipients' alerts; an operator
 * acknowledges as itself, only its recipients' alerts; only an admin loads plans and sets
 * the clock. ipc:// peers are trusted by the socket file.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cmocka.h>

#include "harness.h"
#include "keys.h"

#define OK LANU__V1__REPLY__CODE__OK
#define REJECTED LANU__V1__REPLY__CODE__REJECTED

struct fixture {
	struct daemon d;
	char tcp[64];		/* the tcp:// ingest endpoint */
	char tcp_pub[64];	/* and publish endpoint */
	char school_ipc[600];	/* an ipc:// ingest endpoint "as school-ipc" */
	char keys[600];		/* keys-dir */
	struct client_keys server;	/* only .server is set: lanud's public key */
};

/* Makes a peer's key: its file in keys-dir and its secret half, loaded into k. */
static void
make_key(struct fixture *f, const char *name, enum keys_role role, const char *area,
	 const char *event, const char *recipient, struct client_keys *k)
{
	char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1], path[700];
	char *areas[1] = { (char *)area }, *events[1] = { (char *)event };
	char *rcpts[1] = { (char *)recipient };
	struct keys_entry e = {
		.role = role, .areas = areas, .n_areas = area ? 1 : 0, .events = events,
		.n_events = event ? 1 : 0, .recipients = rcpts, .n_recipients = recipient ? 1 : 0,
	};

	assert_int_equal(keys_new_pair(pub, sec), 0);
	snprintf(e.name, sizeof(e.name), "%s", name);
	assert_non_null(zmq_z85_decode(e.public_key, pub));
	snprintf(path, sizeof(path), "%s/%s.key", f->keys, name);
	assert_int_equal(keys_write(path, &e, "a test's"), 0);
	*k = f->server;
	snprintf(k->public_key, sizeof(k->public_key), "%s", pub);
	snprintf(k->secret, sizeof(k->secret), "%s", sec);
	snprintf(k->name, sizeof(k->name), "%s", name);
}

static void
revoke_key(struct fixture *f, const char *name)
{
	struct keys_entry *e;
	char path[700];

	snprintf(path, sizeof(path), "%s/%s.key", f->keys, name);
	assert_int_equal(keys_read(path, NULL, NULL, &e), 0);
	e->revoked_ms = 1764000000000ULL;
	assert_int_equal(keys_write(path, e, "revoked by a test"), 0);
	keys_entry_free(e);
}

static void make_key(struct fixture *f, const char *name, enum keys_role role,
		     const char *area, const char *event, const char *recipient,
		     struct client_keys *k);

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1], secret[600];
	FILE *conf;

	if (!f || daemon_init(&f->d, NULL) < 0)
		return -1;
	snprintf(f->tcp, sizeof(f->tcp), "tcp://127.0.0.1:%d", daemon_free_port());
	snprintf(f->tcp_pub, sizeof(f->tcp_pub), "tcp://127.0.0.1:%d", daemon_free_port());
	snprintf(f->keys, sizeof(f->keys), "%s/keys", f->d.dir);
	snprintf(secret, sizeof(secret), "%s/lanud.secret", f->d.dir);
	if (mkdir(f->keys, 0700) < 0 || keys_new_pair(pub, sec) < 0 ||
	    keys_write_secret(secret, "lanud", pub, sec) < 0)
		return -1;
	snprintf(f->server.server, sizeof(f->server.server), "%s", pub);
	/* an ipc:// endpoint whose peers are a school system's key */
	make_key(f, "school-ipc", KEYS_PRODUCER, "area-2", NULL, NULL, &(struct client_keys){ 0 });
	snprintf(f->school_ipc, sizeof(f->school_ipc), "ipc://%s/school.sock", f->d.dir);
	conf = fopen(f->d.conf, "a");
	if (!conf)
		return -1;
	fprintf(conf, "ingest %s\ningest %s as school-ipc\npublish %s\nkeys-dir %s\n"
		"server-key %s\n", f->tcp, f->school_ipc, f->tcp_pub, f->keys, secret);
	fclose(conf);
	if (daemon_start(&f->d, NULL) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	daemon_cleanup(&f->d);
	free(f);
	return 0;
}

/* A client on the tcp:// endpoint with keys k (NULL: none). */
static struct client *
tcp_client(struct fixture *f, const struct client_keys *k)
{
	struct client *c;

	assert_int_equal(client_connect_with(f->tcp, k, &c), 0);
	return c;
}

/* Status over c: the reply's code, or -ETIMEDOUT when none comes within ms. */
static int
status_code(struct client *c, int ms)
{
	Lanu__V1__StatusQuery q = LANU__V1__STATUS_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	int r;

	req.body_case = LANU__V1__REQUEST__BODY_STATUS;
	req.status = &q;
	r = client_call(c, &req, ms, &rep);
	if (r < 0)
		return r;
	r = rep->code;
	lanu__v1__reply__free_unpacked(rep, NULL);
	return r;
}

/* Sends req and expects code (and, when refused, field). */
static void
expect(struct client *c, Lanu__V1__Request *req, int code, const char *field)
{
	Lanu__V1__Reply *rep;

	assert_int_equal(client_call(c, req, 10000, &rep), 0);
	if ((int)rep->code != code || (field && strcmp(rep->field, field) != 0))
		fail_msg("got %d '%s' (%s), want %d '%s'", rep->code, rep->field, rep->reason,
			 code, field ? field : "");
	lanu__v1__reply__free_unpacked(rep, NULL);
}

static void
expect_event(struct client *c, Lanu__V1__Envelope *ev, int code, const char *field)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;

	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = ev;
	expect(c, &req, code, field);
}

static void
test_who_may_connect(void **state)
{
	struct fixture *f = *state;
	struct client_keys admin, stranger, *none = NULL;
	struct client *c;

	make_key(f, "admin-1", KEYS_ADMIN, NULL, NULL, NULL, &admin);
	c = tcp_client(f, &admin);
	assert_int_equal(status_code(c, 10000), OK);
	client_free(c);

	/* a key of the right shape that keys-dir does not hold: not one answer */
	make_key(f, "stranger", KEYS_ADMIN, NULL, NULL, NULL, &stranger);
	revoke_key(f, "stranger");
	c = tcp_client(f, &stranger);
	assert_int_equal(status_code(c, 1500), -ETIMEDOUT);
	client_free(c);
	/* nor a peer without CurveZMQ */
	c = tcp_client(f, none);
	assert_int_equal(status_code(c, 1500), -ETIMEDOUT);
	client_free(c);

	/* revoked: refused from the next connection on */
	c = tcp_client(f, &admin);
	assert_int_equal(status_code(c, 10000), OK);
	revoke_key(f, "admin-1");
	client_free(c);
	c = tcp_client(f, &admin);
	assert_int_equal(status_code(c, 1500), -ETIMEDOUT);
	client_free(c);

	/* ipc:// is as it was */
	c = daemon_client(&f->d);
	assert_int_equal(status_code(c, 10000), OK);
	client_free(c);
}

static void
test_producer_sends_only_as_itself(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__PlanLoad pl = LANU__V1__PLAN_LOAD__INIT;
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	struct client_keys school1, school2;
	Lanu__V1__DeadlineMissed dm;
	Lanu__V1__Envelope ev;
	struct client *c1, *c2;

	make_key(f, "school-1", KEYS_PRODUCER, "area-2", "deadline-missed", NULL, &school1);
	make_key(f, "school-2", KEYS_PRODUCER, NULL, NULL, NULL, &school2);
	c1 = tcp_client(f, &school1);
	c2 = tcp_client(f, &school2);

	/* school-2 cannot pre-empt school-1's next event id */
	daemon_fill_missed(&ev, &dm, "school-1", "e-1", "svc-a", "c-1");
	dm.area = (char *)"area-2";
	expect_event(c2, &ev, REJECTED, "event.producer");
	expect_event(c1, &ev, OK, NULL);	/* not DUPLICATE: it is school-1's first */

	/* only its areas (area-2, not its parent) and its event kinds */
	daemon_fill_missed(&ev, &dm, "school-1", "e-2", "svc-a", "c-2");
	expect_event(c1, &ev, REJECTED, "event.deadline_missed.area");
	daemon_fill_missed(&ev, &dm, "school-2", "e-2", "svc-a", "c-2");
	expect_event(c2, &ev, OK, NULL);	/* school-2 is bound to no area */
	{
		Lanu__V1__IndicatorUpdated iu = LANU__V1__INDICATOR_UPDATED__INIT;
		Lanu__V1__Envelope ie = LANU__V1__ENVELOPE__INIT;

		ie.event_id = (char *)"i-1";
		ie.producer = (char *)"school-1";
		ie.occurred_at_ms = 1767225600000ULL;
		iu.indicator = (char *)"x";
		iu.area = (char *)"area-2";
		iu.period = (char *)"2026";
		ie.payload_case = LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED;
		ie.indicator_updated = &iu;
		expect_event(c1, &ie, REJECTED, "event.payload");
	}

	/* bound to areas: a kind that names none (a postponement) could be about any */
	{
		Lanu__V1__ServicePostponed sp = LANU__V1__SERVICE_POSTPONED__INIT;
		Lanu__V1__Envelope pe = LANU__V1__ENVELOPE__INIT;
		struct client_keys school3;
		struct client *c3;

		make_key(f, "school-3", KEYS_PRODUCER, "area-2", NULL, NULL, &school3);
		c3 = tcp_client(f, &school3);
		pe.event_id = (char *)"pp-1";
		pe.producer = (char *)"school-3";
		pe.occurred_at_ms = 1767225600000ULL;
		sp.case_id = (char *)"c-1";
		sp.service = (char *)"svc-a";
		sp.reason = (char *)"guardian-request";
		pe.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED;
		pe.service_postponed = &sp;
		expect_event(c3, &pe, REJECTED, "event.payload");
		client_free(c3);
	}

	/* a notifier's DeliveryFailed: a producer with delivery-failed in its events sends
	 * it (the handler, not auth, answers it); one without is refused */
	{
		Lanu__V1__DeliveryFailed df = LANU__V1__DELIVERY_FAILED__INIT;
		Lanu__V1__Envelope de = LANU__V1__ENVELOPE__INIT;
		Lanu__V1__Request dr = LANU__V1__REQUEST__INIT;
		struct client_keys notify;
		Lanu__V1__Reply *rep;
		struct client *cn;

		make_key(f, "notify", KEYS_PRODUCER, NULL, "delivery-failed", NULL, &notify);
		cn = tcp_client(f, &notify);
		de.event_id = (char *)"df-1";
		de.producer = (char *)"notify";
		de.occurred_at_ms = 1767225600000ULL;
		df.recipient = (char *)"nobody";
		df.channel = (char *)"webhook";
		df.failing_since_ms = 1767225600000ULL;
		df.reason = (char *)"HTTP 503";
		de.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED;
		de.delivery_failed = &df;
		dr.body_case = LANU__V1__REQUEST__BODY_EVENT;
		dr.event = &de;
		assert_int_equal(client_call(cn, &dr, 10000, &rep), 0);
		if (strcmp(rep->field, "event.payload") == 0 ||
		    strcmp(rep->field, "event.producer") == 0)
			fail_msg("refused by auth: '%s' (%s)", rep->field, rep->reason);
		lanu__v1__reply__free_unpacked(rep, NULL);
		de.producer = (char *)"school-1";
		expect_event(c1, &de, REJECTED, "event.payload");
		client_free(cn);
	}

	/* no plan loads, no clock */
	pl.content.data = (uint8_t *)"lanu-plan: 1\n";
	pl.content.len = 13;
	req.body_case = LANU__V1__REQUEST__BODY_PLAN_LOAD;
	req.plan_load = &pl;
	expect(c2, &req, REJECTED, "body");
	cs.now_ms = 1767225600000ULL;
	req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
	req.clock_set = &cs;
	expect(c2, &req, REJECTED, "body");
	client_free(c1);
	client_free(c2);
}

static void
test_readers_see_their_own(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__AlertAcknowledged ack = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	Lanu__V1__ReplayQuery rq = LANU__V1__REPLAY_QUERY__INIT;
	Lanu__V1__OpenAlertsQuery oq = LANU__V1__OPEN_ALERTS_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	struct client_keys reader, op;
	Lanu__V1__CaseQuery cq = LANU__V1__CASE_QUERY__INIT;
	struct client *ipc, *r, *o, *b;
	char *board[1] = { (char *)"board" }, *sup_a[1] = { (char *)"sup-a" };
	uint64_t seqs[8];

	/* a miss of svc-a goes to sup-a and the board, one of svc-b to sup-b and the board */
	ipc = daemon_client(&f->d);
	assert_int_equal(daemon_deadline_missed(ipc, "p", "m-1", "svc-a", "c-1"), OK);
	assert_int_equal(daemon_deadline_missed(ipc, "p", "m-2", "svc-b", "c-2"), OK);
	assert_int_equal(daemon_replay(ipc, "sup-a", 0, seqs, 8), 1);

	make_key(f, "reader-a", KEYS_SUBSCRIBER, NULL, NULL, "sup-a", &reader);
	r = tcp_client(f, &reader);
	assert_int_equal(daemon_replay(r, "sup-a", 0, seqs, 8), 1);
	rq.recipients = board;
	rq.n_recipients = 1;
	req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
	req.replay = &rq;
	expect(r, &req, REJECTED, "replay.recipients");
	req.body_case = LANU__V1__REQUEST__BODY_OPEN_ALERTS;
	req.open_alerts = &oq;
	expect(r, &req, REJECTED, "open_alerts.recipients");	/* all of them */
	oq.recipients = sup_a;
	oq.n_recipients = 1;
	expect(r, &req, OK, NULL);

	make_key(f, "op-a", KEYS_OPERATOR, NULL, NULL, "sup-a", &op);
	o = tcp_client(f, &op);
	ev.producer = (char *)"op-a";
	ev.event_id = (char *)"ack-1";
	ev.occurred_at_ms = 1767225600000ULL;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
	ev.alert_acknowledged = &ack;
	ack.alert_id = (char *)"a-2";	/* svc-b's: sup-b and the board */
	ack.by = (char *)"op-a";
	expect_event(o, &ev, REJECTED, "event.alert_acknowledged.alert_id");
	ack.alert_id = (char *)"a-1";
	ack.by = (char *)"coordinator-9";
	expect_event(o, &ev, REJECTED, "event.alert_acknowledged.by");
	ack.by = (char *)"op-a";
	expect_event(o, &ev, OK, NULL);
	expect_event(r, &ev, REJECTED, "event.producer");	/* the reader is not op-a */
	ev.producer = (char *)"reader-a";
	ack.by = (char *)"reader-a";
	expect_event(r, &ev, REJECTED, "event.payload");	/* nor an operator */

	/* a notifier reads its recipients' alerts and tells of failed deliveries to them,
	 * and does nothing else */
	{
		Lanu__V1__DeliveryFailed df = LANU__V1__DELIVERY_FAILED__INIT;
		struct client_keys nk;
		struct client *nc;

		make_key(f, "notify-a", KEYS_NOTIFIER, NULL, NULL, "sup-a", &nk);
		nc = tcp_client(f, &nk);
		assert_int_equal(daemon_replay(nc, "sup-a", 0, seqs, 8), 1);
		rq.recipients = board;
		req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
		req.replay = &rq;
		expect(nc, &req, REJECTED, "replay.recipients");
		ev.producer = (char *)"notify-a";
		ev.event_id = (char *)"df-1";
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED;
		ev.delivery_failed = &df;
		df.recipient = (char *)"board";
		df.channel = (char *)"email";
		df.failing_since_ms = 1767225000000ULL;
		df.reason = (char *)"SMTP 451";
		expect_event(nc, &ev, REJECTED, "event.delivery_failed.recipient");
		df.recipient = (char *)"sup-a";
		expect_event(nc, &ev, OK, NULL);
		expect_event(r, &ev, REJECTED, "event.producer");
		ev.event_id = (char *)"ack-2";
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
		ev.alert_acknowledged = &ack;	/* the payload is a union */
		ack.by = (char *)"notify-a";
		expect_event(nc, &ev, REJECTED, "event.payload");
		client_free(nc);
	}

	/* one case's clocks: admins and operators bound to no area (op-a: past the check,
	 * to a case with no clock); not a subscriber, nor an operator bound to areas */
	cq.case_id = (char *)"c-1";
	req.body_case = LANU__V1__REQUEST__BODY_CASE_QUERY;
	req.case_query = &cq;
	expect(o, &req, LANU__V1__REPLY__CODE__NOT_FOUND, "case_query.case_id");
	expect(r, &req, REJECTED, "body");
	make_key(f, "op-area", KEYS_OPERATOR, "area-2", NULL, NULL, &op);
	b = tcp_client(f, &op);
	expect(b, &req, REJECTED, "body");
	client_free(b);
	client_free(ipc);
	client_free(r);
	client_free(o);
}

/* lanuctl on a machine without lanud.conf: a client configuration with the tcp://
 * endpoint, its key file and lanud's public key; one with a bad line is refused. */
static void
test_lanuctl_client_conf(void **state)
{
	struct fixture *f = *state;
	char conf[700], secret[700], cmd[2200];
	struct client_keys admin;
	FILE *fp;

	make_key(f, "admin-1", KEYS_ADMIN, NULL, NULL, NULL, &admin);
	snprintf(secret, sizeof(secret), "%s/admin-1.secret", f->d.dir);
	assert_int_equal(keys_write_secret(secret, "admin-1", admin.public_key, admin.secret), 0);
	snprintf(conf, sizeof(conf), "%s/client.conf", f->d.dir);
	assert_non_null(fp = fopen(conf, "w"));
	fprintf(fp, "# lanuctl on an admin's machine\ningest %s\npublish %s\nkey %s\n"
		    "server-key \"%s\"\n", f->tcp, f->tcp_pub, secret, admin.server);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "'%s' -c /nonexistent --client-conf '%s' -t 5000 status "
		 ">/dev/null", LANUCTL_PATH, conf);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "LANU_CLIENT_CONF='%s' '%s' -c /nonexistent -t 5000 status "
		 ">/dev/null", conf, LANUCTL_PATH);
	assert_int_equal(system(cmd), 0);

	assert_non_null(fp = fopen(conf, "a"));
	fprintf(fp, "colour blue\n");
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "'%s' --client-conf '%s' status 2>&1 | grep -q "
		 "'client.conf:6: unknown setting .colour.'", LANUCTL_PATH, conf);
	assert_int_equal(system(cmd), 0);
}

/* The peers of an ipc:// endpoint "as NAME" are that key: here a producer bound to
 * area-2; the socket file is 0660. */
static void
test_ipc_endpoint_as_a_key(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__DeadlineMissed dm;
	Lanu__V1__Envelope ev;
	struct client *c;
	struct stat st;

	assert_int_equal(stat(f->school_ipc + 6, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(client_connect(f->school_ipc, &c), 0);
	assert_int_equal(status_code(c, 10000), OK);
	daemon_fill_missed(&ev, &dm, "someone-else", "e-1", "svc-a", "c-1");
	dm.area = (char *)"area-2";
	expect_event(c, &ev, REJECTED, "event.producer");
	ev.producer = (char *)"school-ipc";
	expect_event(c, &ev, OK, NULL);
	dm.area = (char *)"area-1";
	ev.event_id = (char *)"e-2";
	expect_event(c, &ev, REJECTED, "event.deadline_missed.area");
	cs.now_ms = 1767225600000ULL;
	req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
	req.clock_set = &cs;
	expect(c, &req, REJECTED, "body");
	client_free(c);
}

/* Live alerts: what a subscriber with keys k and the given topics (raw: "" is
 * everything) gets of a miss of svc-a (to sup-a and the board) and one of svc-b (to
 * sup-b and the board): a copy for each topic it is subscribed to. Returns the count and
 * fills topics_got with each copy's topic. */
static size_t
live_copies(struct fixture *f, const struct client_keys *k, const char *const *topics,
	    size_t n, const char *tag, char got_topics[][16])
{
	char id1[32], id2[32], case1[32], case2[32];
	struct client *ipc = daemon_client(&f->d);
	void *ctx = zmq_ctx_new(), *sub = zmq_socket(ctx, ZMQ_SUB);
	int linger = 0, timeout = 1000;
	size_t got = 0;

	assert_non_null(sub);
	zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	zmq_setsockopt(sub, ZMQ_CURVE_SERVERKEY, k->server, 40);
	zmq_setsockopt(sub, ZMQ_CURVE_PUBLICKEY, k->public_key, 40);
	zmq_setsockopt(sub, ZMQ_CURVE_SECRETKEY, k->secret, 40);
	for (size_t i = 0; i < n; i++)	/* a recipient's topic ends in its terminator */
		zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topics[i], *topics[i] ? strlen(topics[i]) + 1
									 : 0);
	assert_int_equal(zmq_connect(sub, f->tcp_pub), 0);
	usleep(300 * 1000);	/* the subscriptions reach lanud (ZeroMQ's slow joiner) */
	snprintf(id1, sizeof(id1), "%s-1", tag);
	snprintf(id2, sizeof(id2), "%s-2", tag);
	snprintf(case1, sizeof(case1), "%s-c1", tag);
	snprintf(case2, sizeof(case2), "%s-c2", tag);
	assert_int_equal(daemon_deadline_missed(ipc, "p", id1, "svc-a", case1), OK);
	assert_int_equal(daemon_deadline_missed(ipc, "p", id2, "svc-b", case2), OK);
	for (;;) {
		zmq_msg_t m;
		int more;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sub, 0) < 0) {
			zmq_msg_close(&m);
			break;
		}
		if (got < 8)	/* the first frame is the topic */
			snprintf(got_topics[got], 16, "%.*s", (int)zmq_msg_size(&m),
				 (const char *)zmq_msg_data(&m));
		more = zmq_msg_more(&m);
		zmq_msg_close(&m);
		while (more) {
			zmq_msg_init(&m);
			zmq_msg_recv(&m, sub, 0);
			more = zmq_msg_more(&m);
			zmq_msg_close(&m);
		}
		got++;
	}
	zmq_close(sub);
	zmq_ctx_term(ctx);
	client_free(ipc);
	return got;
}

static void
test_subscriptions_are_checked(void **state)
{
	struct fixture *f = *state;
	const char *const mine_and_not[2] = { "board", "sup-a" }, *const everything[1] = { "" };
	struct client_keys reader, admin, producer;
	char topics[8][16];

	make_key(f, "reader-a", KEYS_SUBSCRIBER, NULL, NULL, "sup-a", &reader);
	make_key(f, "admin-1", KEYS_ADMIN, NULL, NULL, NULL, &admin);
	make_key(f, "school-1", KEYS_PRODUCER, NULL, NULL, NULL, &producer);

	/* asks for the board's and its own: gets its own, sup-a's copy of svc-a's miss */
	assert_int_equal(live_copies(f, &reader, mine_and_not, 2, "r", topics), 1);
	assert_string_equal(topics[0], "sup-a");
	/* everything: not for a subscriber, nor a producer; an admin gets all four copies */
	assert_int_equal(live_copies(f, &reader, everything, 1, "e", topics), 0);
	assert_int_equal(live_copies(f, &producer, mine_and_not, 2, "p", topics), 0);
	assert_int_equal(live_copies(f, &admin, everything, 1, "a", topics), 4);
}

/* lanud's resident memory in KiB: all of it, or field "RssAnon" (its own, not the
 * store's file pages). */
static long
rss_kib(const struct fixture *f, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	long kib = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)f->d.pid);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			kib = strtol(line + len + 1, NULL, 10);
	fclose(fp);
	return kib;
}

/* n DeadlineMissed over ipc, 500 in flight: 2n alerts (sup-a or sup-b, and the board). */
static void
raise_alerts(struct fixture *f, size_t n)
{
	struct client *c = daemon_client(&f->d);
	char ids[500][24], cases[500][24];

	for (size_t done = 0; done < n;) {
		size_t k = n - done < 500 ? n - done : 500;

		for (size_t i = 0; i < k; i++) {
			Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
			Lanu__V1__DeadlineMissed dm;
			Lanu__V1__Envelope ev;

			snprintf(ids[i], sizeof(ids[i]), "flood-%zu", done + i);
			snprintf(cases[i], sizeof(cases[i]), "fc-%zu", done + i);
			daemon_fill_missed(&ev, &dm, "p", ids[i], (done + i) % 2 ? "svc-a" : "svc-b",
					   cases[i]);
			req.body_case = LANU__V1__REQUEST__BODY_EVENT;
			req.event = &ev;
			assert_int_equal(client_send(c, &req), 0);
		}
		for (size_t i = 0; i < k; i++) {
			Lanu__V1__Reply *rep;

			assert_int_equal(client_recv(c, 10000, &rep), 0);
			assert_int_equal(rep->code, OK);
			lanu__v1__reply__free_unpacked(rep, NULL);
		}
		done += k;
	}
	client_free(c);
}

/* The three floods a peer can try (docs/security.md, bounded peers): a multipart
 * message of many 1 MiB frames without a key, 30 subscribers that never read, one
 * subscriber sending thousands of 10 KB subscriptions. lanud's memory stays bounded
 * and it keeps serving. */
static void
test_floods_stay_bounded(void **state)
{
	struct fixture *f = *state;
	static char big[1 << 20], topic[10 * 1024];
	void *ctx = zmq_ctx_new(), *subs[30], *dealer, *sub;
	struct client_keys admin;
	long anon0, anon, rss;
	int linger = 0, hwm = 0, one = 1, small = 4096;
	struct client *c;

	make_key(f, "admin-1", KEYS_ADMIN, NULL, NULL, NULL, &admin);
	anon0 = rss_kib(f, "RssAnon");

	/* 1. 200 frames of 1 MiB, one message, from a peer without CurveZMQ */
	dealer = zmq_socket(ctx, ZMQ_DEALER);
	zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(dealer, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	assert_int_equal(zmq_connect(dealer, f->tcp), 0);
	/* never blocking: once the handshake fails the DEALER has no peer to queue for */
	for (int i = 0; i < 200; i++)
		if (zmq_send(dealer, big, sizeof(big), ZMQ_DONTWAIT | (i < 199 ? ZMQ_SNDMORE : 0)) < 0)
			break;

	/* 2. 30 enrolled subscribers of every alert that never read */
	for (int i = 0; i < 30; i++) {
		subs[i] = zmq_socket(ctx, ZMQ_SUB);
		zmq_setsockopt(subs[i], ZMQ_LINGER, &linger, sizeof(linger));
		/* a queue of one and a small buffer: its side stops taking at once */
		zmq_setsockopt(subs[i], ZMQ_RCVHWM, &one, sizeof(one));
		zmq_setsockopt(subs[i], ZMQ_RCVBUF, &small, sizeof(small));
		zmq_setsockopt(subs[i], ZMQ_CURVE_SERVERKEY, admin.server, 40);
		zmq_setsockopt(subs[i], ZMQ_CURVE_PUBLICKEY, admin.public_key, 40);
		zmq_setsockopt(subs[i], ZMQ_CURVE_SECRETKEY, admin.secret, 40);
		zmq_setsockopt(subs[i], ZMQ_SUBSCRIBE, "", 0);
		assert_int_equal(zmq_connect(subs[i], f->tcp_pub), 0);
	}

	/* 3. one subscriber sending 20,000 subscriptions of 10 KB */
	memset(topic, 'x', sizeof(topic));
	sub = zmq_socket(ctx, ZMQ_SUB);
	zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(sub, ZMQ_CURVE_SERVERKEY, admin.server, 40);
	zmq_setsockopt(sub, ZMQ_CURVE_PUBLICKEY, admin.public_key, 40);
	zmq_setsockopt(sub, ZMQ_CURVE_SECRETKEY, admin.secret, 40);
	for (int i = 0; i < 20000; i++) {
		snprintf(topic, 16, "%015d", i);
		topic[15] = 'x';
		zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topic, sizeof(topic));
	}
	assert_int_equal(zmq_connect(sub, f->tcp_pub), 0);
	usleep(500 * 1000);

	/* 20,000 misses: 40,000 live copies for each of the 30, four times their queue */
	raise_alerts(f, 20000);
	usleep(500 * 1000);
	anon = rss_kib(f, "RssAnon");
	rss = rss_kib(f, "VmRSS");
	print_message("lanud: RssAnon %ld KiB before, %ld KiB after the floods; VmRSS %ld KiB\n",
		      anon0, anon, rss);
#ifndef __SANITIZE_ADDRESS__	/* under ASan, memory is ASan's: redzones, quarantine */
	if (anon - anon0 > 160 * 1024 || rss > 256 * 1024)
		fail_msg("lanud grew from %ld to %ld KiB of its own memory (VmRSS %ld KiB)", anon0,
			 anon, rss);
#endif

	/* and keeps serving */
	c = daemon_client(&f->d);
	assert_int_equal(status_code(c, 10000), OK);
	client_free(c);
	for (int i = 0; i < 30; i++)
		zmq_close(subs[i]);
	zmq_close(sub);
	zmq_close(dealer);
	zmq_ctx_term(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_who_may_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_producer_sends_only_as_itself, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readers_see_their_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subscriptions_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipc_endpoint_as_a_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lanuctl_client_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_floods_stay_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
