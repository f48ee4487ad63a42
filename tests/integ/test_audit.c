/*
 * Integration tests: the audit log (docs/security.md, "The audit log") through a real
 * lanud on a manual clock, with tcp:// peers that authenticate with CurveZMQ keys and an
 * ipc:// one: a plan load, an acknowledgement, a replay, a clock set and a refused
 * request each leave one record naming who and what; only an admin reads the log; the
 * records are gap-free and survive a restart, and a kill -9 right after an
 * acknowledgement's reply (the record was in its transaction); a flood of refused
 * requests, and of refused peers, is coalesced into a few records that count them all; a
 * peer that comes back with another key under its name leaves a KEY_CHANGE record.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
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
#define W(x) LANU__V1__AUDIT_RECORD__WHAT__##x

struct fixture {
	struct daemon d;
	char tcp[64];		/* the tcp:// ingest endpoint */
	char keys[600];		/* keys-dir */
	struct client_keys server;	/* only .server is set: lanud's public key */
	struct client_keys admin;
};

/* A peer's key in keys-dir (or, with in_dir false, one lanud does not know). */
static void
make_key(struct fixture *f, const char *name, enum keys_role role, const char *recipient,
	 bool in_dir, struct client_keys *k)
{
	char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1], path[700];
	char *rcpts[1] = { (char *)recipient };
	struct keys_entry e = { .role = role, .recipients = rcpts,
				.n_recipients = recipient ? 1 : 0 };

	assert_int_equal(keys_new_pair(pub, sec), 0);
	snprintf(e.name, sizeof(e.name), "%s", name);
	assert_non_null(zmq_z85_decode(e.public_key, pub));
	snprintf(path, sizeof(path), "%s/%s.key", f->keys, name);
	if (in_dir)
		assert_int_equal(keys_write(path, &e, "a test's"), 0);
	*k = f->server;
	snprintf(k->public_key, sizeof(k->public_key), "%s", pub);
	snprintf(k->secret, sizeof(k->secret), "%s", sec);
	snprintf(k->name, sizeof(k->name), "%s", name);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1], secret[600];
	FILE *conf;

	if (!f || daemon_init(&f->d, DAEMON_MANUAL_CLOCK) < 0)
		return -1;
	snprintf(f->tcp, sizeof(f->tcp), "tcp://127.0.0.1:%d", daemon_free_port());
	snprintf(f->keys, sizeof(f->keys), "%s/keys", f->d.dir);
	snprintf(secret, sizeof(secret), "%s/lanud.secret", f->d.dir);
	if (mkdir(f->keys, 0700) < 0 || keys_new_pair(pub, sec) < 0 ||
	    keys_write_secret(secret, "lanud", pub, sec) < 0)
		return -1;
	snprintf(f->server.server, sizeof(f->server.server), "%s", pub);
	conf = fopen(f->d.conf, "a");
	if (!conf)
		return -1;
	fprintf(conf, "ingest %s\nkeys-dir %s\nserver-key %s\n", f->tcp, f->keys, secret);
	fclose(conf);
	if (daemon_start(&f->d, NULL) < 0)
		return -1;
	*state = f;
	make_key(f, "admin-1", KEYS_ADMIN, NULL, true, &f->admin);
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

static struct client *
tcp_client(struct fixture *f, const struct client_keys *k)
{
	struct client *c;

	assert_int_equal(client_connect_with(f->tcp, k, &c), 0);
	return c;
}

static int
call(struct client *c, Lanu__V1__Request *req)
{
	Lanu__V1__Reply *rep;
	int code;

	assert_int_equal(client_call(c, req, 10000, &rep), 0);
	code = rep->code;
	lanu__v1__reply__free_unpacked(rep, NULL);
	return code;
}

/* The whole audit log as c reads it (paging), checked gap-free from seq 1. */
struct log {
	Lanu__V1__AuditRecord *v[4096];
	size_t n;
};

static void
log_free(struct log *l)
{
	for (size_t i = 0; i < l->n; i++)
		lanu__v1__audit_record__free_unpacked(l->v[i], NULL);
	l->n = 0;
}

/* Reads the log over c with q's filters into l; returns the reply code of the first
 * page that was not OK, else OK. */
static int
read_log(struct client *c, Lanu__V1__AuditQuery *q, struct log *l)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;

	l->n = 0;
	req.body_case = LANU__V1__REQUEST__BODY_AUDIT;
	req.audit = q;
	for (;;) {
		Lanu__V1__Reply *rep;
		bool more;

		assert_int_equal(client_call(c, &req, 10000, &rep), 0);
		if (rep->code != OK) {
			int code = rep->code;

			lanu__v1__reply__free_unpacked(rep, NULL);
			return code;
		}
		assert_int_equal(rep->result_case, LANU__V1__REPLY__RESULT_AUDIT);
		for (size_t i = 0; i < rep->audit->n_records && l->n < 4096; i++) {
			/* taken over: the reply forgets it */
			l->v[l->n++] = rep->audit->records[i];
			rep->audit->records[i] = NULL;
		}
		rep->audit->n_records = 0;
		more = rep->audit->more;
		q->after_seq = rep->audit->last_seq;
		lanu__v1__reply__free_unpacked(rep, NULL);
		if (!more)
			return OK;
	}
}

static void
all_log(struct client *c, struct log *l)
{
	Lanu__V1__AuditQuery q = LANU__V1__AUDIT_QUERY__INIT;

	assert_int_equal(read_log(c, &q, l), OK);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i]->seq != i + 1)
			fail_msg("audit record %zu has seq %" PRIu64 ": a gap", i + 1,
				 l->v[i]->seq);
}

/* The records of what by who (NULL: anyone); *ret_first the first of them. */
static size_t
count(const struct log *l, Lanu__V1__AuditRecord__What what, const char *who,
      const Lanu__V1__AuditRecord **ret_first)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i]->what == what && (!who || strcmp(l->v[i]->who, who) == 0)) {
			if (n++ == 0 && ret_first)
				*ret_first = l->v[i];
		}
	return n;
}

static uint64_t
sum_counts(const struct log *l, Lanu__V1__AuditRecord__What what)
{
	uint64_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i]->what == what)
			n += l->v[i]->count;
	return n;
}

static void
test_who_and_what(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__AlertAcknowledged ack = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	Lanu__V1__ReplayQuery rq = LANU__V1__REPLAY_QUERY__INIT;
	Lanu__V1__PlanLoad pl = LANU__V1__PLAN_LOAD__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__AuditQuery q = LANU__V1__AUDIT_QUERY__INIT;
	Lanu__V1__ServiceRequested sr = LANU__V1__SERVICE_REQUESTED__INIT;
	Lanu__V1__CaseQuery cq = LANU__V1__CASE_QUERY__INIT;
	struct client_keys reader, op;
	const Lanu__V1__AuditRecord *r = NULL;
	struct client *ipc, *adm, *rd, *o;
	uint64_t seqs[4];
	struct log l = { 0 };
	FILE *plan;
	char text[8192];
	size_t len;

	ipc = daemon_client(&f->d);
	adm = tcp_client(f, &f->admin);
	make_key(f, "reader-a", KEYS_SUBSCRIBER, "sup-a", true, &reader);
	make_key(f, "op-a", KEYS_OPERATOR, "sup-a", true, &op);
	rd = tcp_client(f, &reader);
	o = tcp_client(f, &op);

	/* an admin loads the plan again, changed: a new version */
	plan = fopen(f->d.plan, "r");
	assert_non_null(plan);
	len = fread(text, 1, sizeof(text) - 64, plan);
	fclose(plan);
	len += (size_t)snprintf(text + len, 64, "# changed\n");
	pl.content.data = (uint8_t *)text;
	pl.content.len = len;
	pl.source = (char *)"plan.yaml";
	pl.loaded_by = (char *)"coordinator-1";
	req.body_case = LANU__V1__REQUEST__BODY_PLAN_LOAD;
	req.plan_load = &pl;
	assert_int_equal(call(adm, &req), OK);

	/* an alert to sup-a; the reader replays it; the operator acknowledges it */
	assert_int_equal(daemon_deadline_missed(ipc, "p", "m-1", "svc-a", "c-1"), OK);
	assert_int_equal(daemon_replay(rd, "sup-a", 0, seqs, 4), 1);
	ev.producer = (char *)"op-a";
	ev.event_id = (char *)"ack-1";
	ev.occurred_at_ms = 1767225600000ULL;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
	ev.alert_acknowledged = &ack;
	ack.alert_id = (char *)"a-1";
	ack.by = (char *)"op-a";
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	assert_int_equal(call(o, &req), OK);
	/* a case's clock; the operator reads the case */
	sr.case_id = (char *)"c-7";
	sr.service = (char *)"svc-a";
	sr.area = (char *)"area-2";
	sr.urgency = LANU__V1__URGENCY__URGENCY_NORMAL;
	sr.requested_at_ms = 1767225600000ULL;
	ev.producer = (char *)"p";
	ev.event_id = (char *)"req-7";
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
	ev.service_requested = &sr;
	assert_int_equal(daemon_send(ipc, &ev).code, OK);
	cq.case_id = (char *)"c-7";
	req.body_case = LANU__V1__REQUEST__BODY_CASE_QUERY;
	req.case_query = &cq;
	assert_int_equal(call(o, &req), OK);
	/* the admin sets the clock */
	assert_int_equal(daemon_clock_set(adm, 4102444800000ULL), OK);	/* 2100-01-01 */
	/* the reader asks for another's alerts: refused */
	rq.recipients = (char *[]){ (char *)"board" };
	rq.n_recipients = 1;
	req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
	req.replay = &rq;
	assert_int_equal(call(rd, &req), REJECTED);
	/* nor may it read the audit log: admins only */
	assert_int_equal(read_log(rd, &q, &l), REJECTED);

	all_log(adm, &l);
	assert_int_equal(count(&l, W(PLAN_LOAD), "admin-1", &r), 1);
	assert_string_equal(r->claimed, "coordinator-1");
	assert_int_equal(r->plan_version, 2);
	assert_int_equal(count(&l, W(PLAN_LOAD), "lanud", NULL), 1);	/* the file, at start */
	assert_int_equal(count(&l, W(REPLAY), "reader-a", &r), 1);
	assert_int_equal(r->n_recipients, 1);
	assert_string_equal(r->recipients[0], "sup-a");
	assert_int_equal(r->count, 1);
	assert_int_equal(count(&l, W(ACK), "op-a", &r), 1);
	assert_string_equal(r->alert_id, "a-1");
	assert_string_equal(r->claimed, "op-a");
	assert_int_equal(count(&l, W(CASE_QUERY), "op-a", &r), 1);
	assert_string_equal(r->subject, "c-7");
	assert_string_equal(r->request, "case_query");
	assert_int_equal(r->count, 1);
	assert_int_equal(count(&l, W(CLOCK_SET), "admin-1", &r), 1);
	assert_int_equal(r->clock_ms, 4102444800000ULL);
	assert_true(r->at_ms < 4102444800000ULL);	/* lanud's clock when it was set */
	/* the replay's refusal at once; the audit query's, a second refusal of the same
	 * peer within the second, is counted into the record that ends the window */
	assert_true(count(&l, W(REQUEST_REFUSED), "reader-a", &r) >= 1);
	assert_string_equal(r->field, "replay.recipients");
	assert_string_equal(r->request, "replay");
	assert_int_equal(r->count, 1);
	log_free(&l);

	/* --who: the peer or the name it gave; --from/--to: lanud's clock */
	q.who = (char *)"coordinator-1";
	q.after_seq = 0;
	assert_int_equal(read_log(adm, &q, &l), OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0]->what, W(PLAN_LOAD));
	log_free(&l);
	q.who = (char *)"";
	q.after_seq = 0;
	q.from_ms = 4102444800000ULL;
	assert_int_equal(read_log(adm, &q, &l), OK);
	assert_true(l.n >= 1);	/* what came after the clock set */
	assert_int_equal(l.v[0]->what, W(REQUEST_REFUSED));
	log_free(&l);
	q.from_ms = 0;
	q.to_ms = 4102444800000ULL - 1;
	q.after_seq = 0;
	assert_int_equal(read_log(adm, &q, &l), OK);
	assert_int_equal(count(&l, W(CLOCK_SET), NULL, NULL), 1);
	assert_int_equal(count(&l, W(REQUEST_REFUSED), NULL, NULL), 0);
	log_free(&l);

	client_free(ipc);
	client_free(adm);
	client_free(rd);
	client_free(o);
}

static void
test_durable(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__AlertAcknowledged ack = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	const Lanu__V1__AuditRecord *r = NULL;
	Lanu__V1__Status *st;
	Lanu__V1__Reply *rep;
	struct client *ipc, *adm;
	struct log l = { 0 };
	uint64_t seqs[4];
	size_t before;

	ipc = daemon_client(&f->d);
	assert_int_equal(daemon_deadline_missed(ipc, "p", "m-1", "svc-a", "c-1"), OK);
	assert_int_equal(daemon_replay(ipc, "sup-a", 0, seqs, 4), 1);
	adm = tcp_client(f, &f->admin);
	all_log(adm, &l);
	before = l.n;
	assert_true(before >= 2);	/* the plan file, the replay */
	st = daemon_status(adm, &rep);
	assert_int_equal(st->last_audit_seq, before);
	lanu__v1__reply__free_unpacked(rep, NULL);
	log_free(&l);
	client_free(adm);

	/* a clean stop and start: every record is there, and new ones follow on */
	assert_int_equal(daemon_stop(&f->d, SIGTERM), 0);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	client_free(ipc);
	ipc = daemon_client(&f->d);
	adm = tcp_client(f, &f->admin);
	all_log(adm, &l);
	assert_int_equal(l.n, before);
	log_free(&l);

	/* kill -9 right after an acknowledgement's reply: its record was in its commit */
	ev.producer = (char *)"ops";
	ev.event_id = (char *)"ack-1";
	ev.occurred_at_ms = 1767225600000ULL;
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
	ev.alert_acknowledged = &ack;
	ack.alert_id = (char *)"a-1";
	ack.by = (char *)"coordinator-2";
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	assert_int_equal(call(ipc, &req), OK);
	assert_int_equal(daemon_stop(&f->d, SIGKILL), 128 + SIGKILL);
	client_free(ipc);
	client_free(adm);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	adm = tcp_client(f, &f->admin);
	all_log(adm, &l);
	assert_true(l.n >= before + 1);
	assert_int_equal(count(&l, W(ACK), "ipc", &r), 1);
	assert_string_equal(r->claimed, "coordinator-2");
	assert_string_equal(r->alert_id, "a-1");
	log_free(&l);
	client_free(adm);
}

static int
status_code(struct client *c)
{
	Lanu__V1__StatusQuery sq = LANU__V1__STATUS_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;

	req.body_case = LANU__V1__REQUEST__BODY_STATUS;
	req.status = &sq;
	return call(c, &req);
}

/* A malformed request, as a flood would send it: a frame that is not a Request. */
static void
send_garbage(struct client *c, size_t n)
{
	static const uint8_t junk[] = { 0xff, 0xff, 0xff };
	const void *frames[1] = { junk };
	const size_t lens[1] = { sizeof(junk) };

	for (size_t i = 0; i < n; i++)
		assert_int_equal(client_send_raw(c, frames, lens, 1), 0);
	for (size_t i = 0; i < n; i++) {
		Lanu__V1__Reply *rep;

		assert_int_equal(client_recv(c, 10000, &rep), 0);
		assert_int_equal(rep->code, REJECTED);
		lanu__v1__reply__free_unpacked(rep, NULL);
	}
}

static void
test_floods_coalesced(void **state)
{
	struct fixture *f = *state;
	struct client_keys stranger;
	struct client *ipc, *adm, *c;
	struct log l = { 0 };
	uint64_t start = mono_ms(), got = 0;
	size_t records;

	/* 2000 refused requests from one peer: a few records that count them all */
	ipc = daemon_client(&f->d);
	send_garbage(ipc, 2000);
	adm = tcp_client(f, &f->admin);
	/* the window's count is written when it ends, a second on: wait for it (5 s) */
	while (got < 2000 && mono_ms() - start < 5000) {
		log_free(&l);
		all_log(adm, &l);
		got = sum_counts(&l, W(REQUEST_REFUSED));
		if (got < 2000)
			usleep(100 * 1000);
	}
	assert_int_equal(got, 2000);
	records = count(&l, W(REQUEST_REFUSED), "ipc", NULL);
	assert_true(records >= 2);	/* the first at once, the rest counted */
	assert_true(records <= (mono_ms() - start) / 1000 + 2);
	log_free(&l);

	/* peers with keys lanud does not know: refused, coalesced per address */
	make_key(f, "stranger", KEYS_ADMIN, NULL, false, &stranger);
	for (int i = 0; i < 5; i++) {
		Lanu__V1__StatusQuery sq = LANU__V1__STATUS_QUERY__INIT;
		Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
		Lanu__V1__Reply *rep = NULL;

		req.body_case = LANU__V1__REQUEST__BODY_STATUS;
		req.status = &sq;
		c = tcp_client(f, &stranger);
		assert_int_equal(client_call(c, &req, 300, &rep), -ETIMEDOUT);
		client_free(c);
	}
	start = mono_ms();
	got = 0;
	while (got == 0 && mono_ms() - start < 5000) {
		log_free(&l);
		all_log(adm, &l);
		got = sum_counts(&l, W(PEER_REFUSED));
		if (got == 0)
			usleep(100 * 1000);
	}
	assert_true(got >= 1);
	{
		const Lanu__V1__AuditRecord *r = NULL;

		count(&l, W(PEER_REFUSED), NULL, &r);
		assert_string_equal(r->address, "127.0.0.1");
		assert_string_equal(r->reason, "unknown key");
	}
	log_free(&l);

	/* a key file replaced under the same name: recorded when the peer next connects */
	{
		struct client_keys reader;
		const Lanu__V1__AuditRecord *r = NULL;

		make_key(f, "reader-a", KEYS_SUBSCRIBER, "sup-a", true, &reader);
		c = tcp_client(f, &reader);
		assert_int_equal(status_code(c), OK);
		client_free(c);
		make_key(f, "reader-a", KEYS_SUBSCRIBER, "sup-a", true, &reader);
		c = tcp_client(f, &reader);
		assert_int_equal(status_code(c), OK);
		client_free(c);
		all_log(adm, &l);
		assert_int_equal(count(&l, W(KEY_CHANGE), "reader-a", &r), 1);
		assert_string_equal(r->subject, "reader-a");
		assert_string_equal(r->reason, "another public key");
		log_free(&l);
	}
	client_free(ipc);
	client_free(adm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_who_and_what, setup, teardown),
		cmocka_unit_test_setup_teardown(test_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_floods_coalesced, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
