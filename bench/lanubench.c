/*
 * lanubench: how fast is lanud, and how close to what this machine allows?
 *
 * 1. lanud: N events over a window of M requests in flight on one DEALER, each
 *    answered only after its batch is committed to disk. Reports acknowledged
 *    events/s, ack latency percentiles, and the alerts a live subscriber saw.
 * 2. Half rate: events paced at half the measured peak; ack latency there.
 * 3. Ceiling zmq: DEALER -> ROUTER echo round trips, same window, same frame size.
 * 4. Ceiling lmdb: the very writes lanud makes per event (event, dedup, counters,
 *    and for DeadlineMissed the alert, its three indexes), durable, group-committed
 *    in batches of the size lanud achieved (from its counters), and again in
 *    batches of the whole window: the most a client with that window lets any
 *    server put in one commit. lanud commits one batch while the next arrives,
 *    so its batches are about half the window.
 * 5. Ceiling pipeline (issue 9): the best any server could do with this workload,
 *    driven exactly as lanud was (same client, window, Request frames, live
 *    subscriber). A ROUTER on ipc:// in the temp dir; per event one LMDB put (the
 *    frame, keyed by a counter), an ack (a Reply with the corr_id read off the
 *    frame's first field; nothing else is decoded) and one PUB send of the alert
 *    lanud itself published in the warm-up (none in the requests mix, as lanud);
 *    durable group commits (no MDB_NOSYNC) of whatever has arrived, up to the window.
 *    Like lanud it has a loop thread and a writer thread: the loop receives the next
 *    batch while the writer commits the previous one, hands it over as soon as the
 *    writer is free, then acks and publishes the committed one. A server doing it
 *    all on one thread would idle the CPU during every fdatasync and be no fair
 *    ceiling for lanud's two threads. The two threads run in this process, not a
 *    forked one: they are scheduled like lanud's, and their counters (for the batch
 *    size) can be read directly; the server has its own ZeroMQ context (I/O thread).
 * 1 and 5 take turns --rounds times (3 by default), lanud's store and the pipeline's
 * growing round by round alike: the disk's and the CPU's moods drift within a run,
 * and a ratio of two runs made side by side is steadier than one of runs seconds
 * apart. The round of the median ratio is reported, with the range of the others.
 * lanud's rate as a share of the smaller ceiling says what lanud's own work costs;
 * as a share of the pipeline ceiling, what it costs beyond the unavoidable.
 * A benchmark, not a test: it exits 0 whatever the figures, non-zero on errors.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bench.h"
#include "client.h"
#include "lanu/limits.h"

struct opts {
	const char *lanud;
	size_t events, window;
	size_t rounds;		/* lanud and the pipeline take turns this many times */
	bool requests;		/* ServiceRequested only (stored, no alert) */
	bool json;
	uint64_t base_ms;	/* the real time at start */
};

#define LANUBENCH_ROUNDS_MAX 9

struct result {
	double rate, p50, p99, max;	/* ev/s, ms */
	size_t not_ok, alerts_live;
	double alert_rate;
	size_t frame;		/* packed Request size */
	double batch;		/* lanud's average requests per commit */
	double cpu_us;		/* lanud's CPU per event, all its threads (0: unknown) */
	double write_b;		/* bytes lanud had written to storage per event */
};

static void
percentiles(double *lat, size_t n, struct result *r)
{
	r->p50 = percentile_ms(lat, n, 50);
	r->p99 = percentile_ms(lat, n, 99);
	r->max = percentile_ms(lat, n, 100);
}

/* Fills req with event i, using the caller's buffers. */
static void
make_event(const struct opts *o, size_t i, Lanu__V1__Request *req, Lanu__V1__Envelope *ev,
	   Lanu__V1__DeadlineMissed *dm, Lanu__V1__ServiceRequested *sr, char id[32], char cs[32])
{
	lanu__v1__request__init(req);
	lanu__v1__envelope__init(ev);
	snprintf(id, 32, "bench-%zu", i);
	snprintf(cs, 32, "case-%zu", i);
	ev->event_id = id;
	ev->producer = (char *)"bench";
	ev->occurred_at_ms = o->base_ms + i;	/* now: a request's clock opens, not yet due */
	if (o->requests) {
		lanu__v1__service_requested__init(sr);
		sr->case_id = cs;
		sr->service = (char *)"school-social-worker";
		sr->area = (char *)"school-12";
		sr->urgency = LANU__V1__URGENCY__URGENCY_NORMAL;
		sr->requested_at_ms = ev->occurred_at_ms;
		ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
		ev->service_requested = sr;
	} else {
		lanu__v1__deadline_missed__init(dm);
		dm->case_id = cs;
		dm->service = (char *)"school-social-worker";
		dm->area = (char *)"school-12";
		dm->due_at_ms = ev->occurred_at_ms;
		ev->payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
		ev->deadline_missed = dm;
	}
	req->corr_id = i + 1;
	req->body_case = LANU__V1__REQUEST__BODY_EVENT;
	req->event = ev;
}

/* One area, one service with a limit, every miss to one recipient. */
static const char bench_plan[] =
	"lanu-plan: 1\n"
	"plan: {id: bench, organiser: Bench, title: Benchmark, period: 2025-2030}\n"
	"areas: [{id: school-12, name: School 12, kind: school}]\n"
	"recipients: [{id: bench-board, name: Bench board, kind: board}]\n"
	"services:\n"
	"  - {id: school-social-worker, name: School social worker,\n"
	"     limits: {normal: 7 working days}}\n"
	"routes: [{kinds: deadline-missed, to: bench-board}]\n";

/* Sends events [first, first+n) with at most window in flight; sends are paced at
 * rate ev/s when rate > 0. Latencies into lat[0..n). */
static void
drive(const struct opts *o, struct client *c, struct sub *s, size_t first, size_t n,
      size_t window, double rate, double *lat, struct result *r)
{
	double *sent_at = calloc(n, sizeof(*sent_at)), t0 = now_s(), last = t0;
	double first_alert = 0, last_alert = 0;
	size_t sent = 0, acked = 0, inflight = 0;
	zmq_pollitem_t items[2] = {
		{ .socket = client_socket(c), .events = ZMQ_POLLIN },
		{ .socket = s ? sub_socket(s) : NULL, .events = ZMQ_POLLIN },
	};

	if (!sent_at)
		die("out of memory");
	while (acked < n) {
		double now = now_s();

		while (sent < n && inflight < window && (rate <= 0 || now - t0 >= sent / rate)) {
			Lanu__V1__Request req;
			Lanu__V1__Envelope ev;
			Lanu__V1__DeadlineMissed dm;
			Lanu__V1__ServiceRequested sr;
			char id[32], cs[32];

			make_event(o, first + sent, &req, &ev, &dm, &sr, id, cs);
			if (r && !r->frame)
				r->frame = lanu__v1__request__get_packed_size(&req);
			sent_at[sent] = now_s();
			if (client_send(c, &req) < 0)
				break;
			sent++;
			inflight++;
		}
		int timeout = rate > 0 && sent < n ? 1 : 100;
		if (zmq_poll(items, s ? 2 : 1, timeout) < 0)
			die("zmq_poll failed");
		if (items[0].revents & ZMQ_POLLIN) {
			Lanu__V1__Reply *rep;

			while (client_recv(c, 0, &rep) == 0) {
				size_t i = rep->corr_id - 1 - first;

				if (i >= n)
					die("a reply for an event never sent");
				lat[acked++] = now_s() - sent_at[i];
				inflight--;
				if (rep->code != LANU__V1__REPLY__CODE__OK && r)
					r->not_ok++;
				lanu__v1__reply__free_unpacked(rep, NULL);
				last = now_s();
			}
		}
		if (s && (items[1].revents & ZMQ_POLLIN)) {
			Lanu__V1__Alert *a;

			while (sub_recv(s, 0, &a) == 0) {
				last_alert = now_s();
				if (!first_alert)
					first_alert = last_alert;
				if (r)
					r->alerts_live++;
				lanu__v1__alert__free_unpacked(a, NULL);
			}
		}
		if (now_s() - last > 10)
			die("no acknowledgement for 10 s");
	}
	/* Live alerts still on their way. */
	while (s && !o->requests && r && r->alerts_live < n) {
		Lanu__V1__Alert *a;

		if (sub_recv(s, 1000, &a) < 0)
			break;
		last_alert = now_s();
		r->alerts_live++;
		lanu__v1__alert__free_unpacked(a, NULL);
	}
	if (r) {
		r->rate = (double)n / (last - t0);
		if (r->alerts_live > 1)
			r->alert_rate = (double)r->alerts_live / (last_alert - first_alert);
	}
	free(sent_at);
}

/* lanud's counters of write transactions and the requests they carried. */
static void
lanud_commits(struct client *c, uint64_t *commits, uint64_t *events)
{
	Lanu__V1__Reply *rep = bench_status(c);

	*commits = rep->status->commits;
	*events = rep->status->committed_events;
	lanu__v1__reply__free_unpacked(rep, NULL);
}

/* Connects a DEALER to ingest and, if publish, a SUB for bench-board to publish,
 * then sends single DeadlineMissed events until an alert comes (PUB/SUB joins
 * asynchronously), so that neither is timed. Keeps that alert, packed, in
 * *ret_alert if not NULL (the caller frees its data). *ret_s is NULL without publish. */
static void
connect_live(const struct opts *o, const char *ingest, const char *publish,
	     struct client **ret_c, struct sub **ret_s, ProtobufCBinaryData *ret_alert)
{
	char *rcpt[] = { (char *)"bench-board" };
	Lanu__V1__Alert *a = NULL;
	struct opts w = *o;
	size_t warm = 0;
	double lat;

	*ret_s = NULL;
	if (client_connect(ingest, ret_c) < 0 ||
	    (publish && sub_connect(publish, rcpt, 1, ret_s) < 0))
		die("cannot connect to the server");
	w.requests = false;
	do {
		if (warm == 100)
			die("the subscriber never saw an alert");
		drive(&w, *ret_c, NULL, 1000000000 + warm++, 1, 1, 0, &lat, NULL);
	} while (publish && sub_recv(*ret_s, 100, &a) < 0);
	if (a && ret_alert) {
		ret_alert->len = lanu__v1__alert__get_packed_size(a);
		if (!(ret_alert->data = malloc(ret_alert->len)))
			die("out of memory");
		lanu__v1__alert__pack(a, ret_alert->data);
	}
	if (a)
		lanu__v1__alert__free_unpacked(a, NULL);
	while (publish && sub_recv(*ret_s, 100, &a) == 0)
		lanu__v1__alert__free_unpacked(a, NULL);	/* the rest of the warm-up */
}

/* A socket of type bound to ep, its queues bounded at hwm; NULL if it cannot bind. */
static void *
bound_socket(void *ctx, int type, const char *ep, int hwm)
{
	void *s = zmq_socket(ctx, type);
	int linger = 0;

	if (!s)
		return NULL;
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(s, ep) < 0) {
		zmq_close(s);
		return NULL;
	}
	return s;
}

/* A ROUTER that echoes every message, in a child process. */
static pid_t
echo_server(const char *ep)
{
	pid_t pid = fork();

	if (pid == 0) {
		void *s = bound_socket(zmq_ctx_new(), ZMQ_ROUTER, ep, ZSOCK_HWM);

		if (!s)
			_exit(1);	/* not die(): its clean-up is the parent's */
		for (;;) {
			zmq_msg_t id, body;

			zmq_msg_init(&id);
			zmq_msg_init(&body);
			if (zmq_msg_recv(&id, s, 0) < 0 || zmq_msg_recv(&body, s, 0) < 0)
				_exit(1);
			zmq_msg_send(&id, s, ZMQ_SNDMORE);
			zmq_msg_send(&body, s, 0);
		}
	}
	return pid;
}

static double
bench_zmq(const struct opts *o, size_t frame)
{
	char ep[300];
	void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_DEALER);
	char *buf = calloc(1, frame);
	size_t sent = 0, got = 0;
	int linger = 0;
	double t0;
	pid_t pid;

	snprintf(ep, sizeof(ep), "ipc://%s/echo.sock", bench_dir);
	pid = echo_server(ep);
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_connect(s, ep);
	/* One round trip first, so connecting is not timed. */
	zmq_send(s, buf, frame, 0);
	zmq_recv(s, buf, frame, 0);
	t0 = now_s();
	while (got < o->events) {
		while (sent < o->events && sent - got < o->window && zmq_send(s, buf, frame, ZMQ_DONTWAIT) >= 0)
			sent++;
		if (zmq_recv(s, buf, frame, 0) >= 0)
			got++;
	}
	double rate = (double)o->events / (now_s() - t0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	zmq_close(s);
	zmq_ctx_term(ctx);
	free(buf);
	return rate;
}

static void
lmdb_check(int rc, const char *what)
{
	if (rc != MDB_SUCCESS) {
		fprintf(stderr, "lanubench: lmdb %s: %s\n", what, mdb_strerror(rc));
		die("LMDB ceiling failed");
	}
}

static void
put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl, const void *v, size_t vl, unsigned fl)
{
	MDB_val key = { kl, (void *)k }, val = { vl, (void *)v };

	lmdb_check(mdb_put(txn, dbi, &key, &val, fl), "put");
}

/* A new LMDB environment in the temp dir, opened as lanud opens its own: durable,
 * no MDB_NOSYNC. */
static MDB_env *
lmdb_open(const char *name)
{
	char path[300];
	MDB_env *env;

	snprintf(path, sizeof(path), "%s/%s", bench_dir, name);
	mkdir(path, 0700);
	lmdb_check(mdb_env_create(&env), "create");
	mdb_env_set_maxdbs(env, 16);
	mdb_env_set_mapsize(env, 8ULL << 30);
	lmdb_check(mdb_env_open(env, path, MDB_NOTLS, 0600), "open");
	return env;
}

/* lanud's writes per event, without lanud: the storage ceiling. */
/* Also reports, in *commit, the latency of the durable commits alone: the disk's
 * share of any acknowledgement's latency. */
static double
bench_lmdb(const struct opts *o, const char *name, size_t batch, size_t env_size,
	   size_t alert_size, struct result *commit)
{
	size_t n_commits = 0, cap = o->events / batch + 2;
	double *lat = calloc(cap, sizeof(*lat));
	char val[4096] = { 0 }, key[128];
	MDB_dbi meta, events, dedup, alerts, akeys, by_rcpt, open;
	MDB_dbi clocks, clk_case, clk_fire, clk_due, clk_svc;
	const size_t clock_size = 160;	/* a packed Clock of a one-stage request */
	MDB_env *env = lmdb_open(name);
	MDB_txn *txn;
	double t0;

	lmdb_check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
	mdb_dbi_open(txn, "meta", MDB_CREATE, &meta);
	mdb_dbi_open(txn, "events", MDB_CREATE, &events);
	mdb_dbi_open(txn, "dedup", MDB_CREATE, &dedup);
	mdb_dbi_open(txn, "alerts", MDB_CREATE, &alerts);
	mdb_dbi_open(txn, "akeys", MDB_CREATE, &akeys);
	mdb_dbi_open(txn, "by_rcpt", MDB_CREATE, &by_rcpt);
	mdb_dbi_open(txn, "open", MDB_CREATE, &open);
	mdb_dbi_open(txn, "clocks", MDB_CREATE, &clocks);
	mdb_dbi_open(txn, "clk_case", MDB_CREATE, &clk_case);
	mdb_dbi_open(txn, "clk_fire", MDB_CREATE, &clk_fire);
	mdb_dbi_open(txn, "clk_due", MDB_CREATE, &clk_due);
	mdb_dbi_open(txn, "clk_svc", MDB_CREATE, &clk_svc);
	lmdb_check(mdb_txn_commit(txn), "commit");

	t0 = now_s();
	for (size_t i = 0; i < o->events;) {
		lmdb_check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
		for (size_t b = 0; b < batch && i < o->events; b++, i++) {
			uint64_t seq = htobe64(i + 1);
			int n;

			put(txn, events, &seq, 8, val, 8 + env_size, MDB_APPEND);
			n = snprintf(key, sizeof(key), "bench%cbench-%zu", 0, i);
			put(txn, dedup, key, (size_t)n, &seq, 8, 0);
			if (o->requests) {
				/* the clock it opens: its record and four index entries */
				uint8_t k16[16];

				put(txn, clocks, &seq, 8, val, clock_size, MDB_APPEND);
				n = snprintf(key, sizeof(key), "school-social-worker%c%ccase-%zu", 0, 0, i);
				put(txn, clk_case, key, (size_t)n, &seq, 8, 0);
				memcpy(k16, &seq, 8);
				memcpy(k16 + 8, &seq, 8);
				put(txn, clk_fire, k16, 16, "", 0, 0);
				put(txn, clk_due, k16, 16, "", 0, 0);
				n = snprintf(key, sizeof(key), "school-social-worker%c2026-11-29", 0);
				memcpy(key + n, &seq, 8);
				put(txn, clk_svc, key, (size_t)n + 8, "", 0, 0);
				continue;
			}
			put(txn, alerts, &seq, 8, val, alert_size, MDB_APPEND);
			n = snprintf(key, sizeof(key), "deadline-missed/school-social-worker/-/case-%zu", i);
			put(txn, akeys, key, (size_t)n, &seq, 8, 0);
			memcpy(key, "bench-board", 12);
			memcpy(key + 12, &seq, 8);
			put(txn, by_rcpt, key, 20, "", 0, 0);
			put(txn, open, &seq, 8, "", 0, MDB_APPEND);
		}
		uint64_t counter = htobe64(i);	/* lanud writes its two counters once a batch */
		put(txn, meta, "event_seq", 9, &counter, 8, 0);
		put(txn, meta, "alert_seq", 9, &counter, 8, 0);
		if (o->requests)
			put(txn, meta, "clock_seq", 9, &counter, 8, 0);
		double c0 = now_s();
		lmdb_check(mdb_txn_commit(txn), "commit");
		if (lat && n_commits < cap)
			lat[n_commits++] = now_s() - c0;
	}
	double rate = (double)o->events / (now_s() - t0);
	mdb_env_close(env);
	if (!lat)
		die("no memory");
	percentiles(lat, n_commits, commit);
	free(lat);
	return rate;
}

/* The ideal pipeline server (5. in the header). Each ZeroMQ socket is used by one
 * thread only: the loop's ROUTER, PUB and end of the PAIR, the writer's end of the
 * PAIR, over which a batch goes to the writer and comes back committed. */
struct pipe_batch {
	zmq_msg_t *id, *body;	/* the window's worth of each, as received */
	size_t n;
	uint64_t last_key;	/* set by the writer */
};

struct pipeline {
	char in[300], pub[300];	/* endpoints */
	void *ctx, *router, *pubsock, *loop_end, *writer_end;
	MDB_env *env;
	MDB_dbi dbi;
	struct pipe_batch b[2];	/* taking turns: one receiving, one with the writer */
	size_t window;
	ProtobufCBinaryData alert;	/* published once per event; none if len is 0 */
	size_t commits, committed;	/* by the loop, as it answers */
	uint64_t last_key;	/* the store's, when it started (it grows round by round) */
	pthread_t loop, writer;
};

/* The Request's corr_id: its first field, as lanud's msg_peek_corr_id() reads it. */
static uint64_t
peek_corr_id(zmq_msg_t *m)
{
	const uint8_t *p = zmq_msg_data(m);
	size_t len = zmq_msg_size(m);
	uint64_t v = 0;

	if (len < 2 || p[0] != 0x08)	/* field 1, varint */
		die("the pipeline got a frame without a corr_id");
	for (size_t i = 1; i < len && i <= 10; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * (i - 1));
		if (!(p[i] & 0x80))
			break;
	}
	return v;
}

/* The writer: each batch the loop hands over, put and committed in one transaction. */
static void *
pipe_writer(void *arg)
{
	struct pipeline *p = arg;
	struct pipe_batch *b;
	uint64_t key = p->last_key;
	MDB_txn *txn;

	while (zmq_recv(p->writer_end, &b, sizeof(b), 0) == sizeof(b)) {
		lmdb_check(mdb_txn_begin(p->env, NULL, 0, &txn), "begin");
		for (size_t i = 0; i < b->n; i++) {
			zmq_msg_t *m = &b->body[i];
			uint64_t k = htobe64(++key);

			put(txn, p->dbi, &k, 8, zmq_msg_data(m), zmq_msg_size(m), MDB_APPEND);
		}
		lmdb_check(mdb_txn_commit(txn), "commit");
		b->last_key = key;
		zmq_send(p->writer_end, &b, sizeof(b), 0);
	}
	zmq_close(p->writer_end);
	return NULL;
}

/* Receives what has arrived into b (never more than the window in all). */
static void
pipe_receive(struct pipeline *p, struct pipe_batch *b)
{
	while (b->n < p->window) {
		zmq_msg_t *id = &b->id[b->n], *body = &b->body[b->n];

		zmq_msg_init(id);
		zmq_msg_init(body);
		if (zmq_msg_recv(id, p->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(id);
			zmq_msg_close(body);
			return;
		}
		if (zmq_msg_recv(body, p->router, ZMQ_DONTWAIT) < 0)
			die("the pipeline got a message without a body");
		b->n++;
	}
}

/* b is committed: an ack for each of its events, and its alert published. */
static void
pipe_answer(struct pipeline *p, struct pipe_batch *b)
{
	static const char topic[] = "bench-board";	/* and its NUL, LANU_TOPIC_TERM */

	for (size_t i = 0; i < b->n; i++) {
		Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
		uint8_t buf[64];	/* three varints */

		rep.corr_id = peek_corr_id(&b->body[i]);
		rep.code = LANU__V1__REPLY__CODE__OK;
		rep.last_alert_seq = b->last_key;
		zmq_msg_send(&b->id[i], p->router, ZMQ_SNDMORE | ZMQ_DONTWAIT);
		zmq_send(p->router, buf, lanu__v1__reply__pack(&rep, buf), ZMQ_DONTWAIT);
		if (p->alert.len) {
			zmq_send(p->pubsock, topic, sizeof(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
			zmq_send(p->pubsock, p->alert.data, p->alert.len, ZMQ_DONTWAIT);
		}
		zmq_msg_close(&b->id[i]);
		zmq_msg_close(&b->body[i]);
	}
	p->commits++;
	p->committed += b->n;
	b->n = 0;
}

/* The loop: receive; when the writer is free, hand it what has arrived; then answer
 * the batch it has just finished (while it commits the next, as lanud does). */
static void *
pipe_loop(void *arg)
{
	struct pipeline *p = arg;
	struct pipe_batch *fill = &p->b[0], *done;
	bool writing = false;
	zmq_pollitem_t it[2] = {
		{ .socket = p->router, .events = ZMQ_POLLIN },
		{ .socket = p->loop_end, .events = ZMQ_POLLIN },
	};

	while (zmq_poll(it, 2, -1) >= 0) {	/* until pipe_stop()'s zmq_ctx_shutdown() */
		done = NULL;
		if ((it[1].revents & ZMQ_POLLIN) &&
		    zmq_recv(p->loop_end, &done, sizeof(done), 0) == sizeof(done))
			writing = false;
		if (it[0].revents & ZMQ_POLLIN)
			pipe_receive(p, fill);
		if (!writing && fill->n > 0) {
			zmq_send(p->loop_end, &fill, sizeof(fill), 0);
			writing = true;
			fill = fill == &p->b[0] ? &p->b[1] : &p->b[0];
		}
		if (done)
			pipe_answer(p, done);
	}
	zmq_close(p->router);
	zmq_close(p->pubsock);
	zmq_close(p->loop_end);
	return NULL;
}

/* Binds the pipeline server in the temp dir and starts its two threads; it publishes
 * alert once per event if alert->len. */
static struct pipeline *
pipe_start(const struct opts *o, const ProtobufCBinaryData *alert)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	MDB_txn *txn;

	if (!p)
		die("out of memory");
	p->window = o->window;
	p->alert = *alert;
	for (int i = 0; i < 2; i++) {
		p->b[i].id = calloc(o->window, sizeof(zmq_msg_t));
		p->b[i].body = calloc(o->window, sizeof(zmq_msg_t));
		if (!p->b[i].id || !p->b[i].body)
			die("out of memory");
	}
	p->env = lmdb_open("pipeline");
	lmdb_check(mdb_txn_begin(p->env, NULL, 0, &txn), "begin");
	lmdb_check(mdb_dbi_open(txn, "events", MDB_CREATE, &p->dbi), "dbi");
	{
		MDB_cursor *cur;
		MDB_val k, v;

		lmdb_check(mdb_cursor_open(txn, p->dbi, &cur), "cursor");
		if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8) {
			memcpy(&p->last_key, k.mv_data, 8);
			p->last_key = be64toh(p->last_key);
		}
		mdb_cursor_close(cur);
	}
	lmdb_check(mdb_txn_commit(txn), "commit");
	snprintf(p->in, sizeof(p->in), "ipc://%s/pipe-in.sock", bench_dir);
	snprintf(p->pub, sizeof(p->pub), "ipc://%s/pipe-pub.sock", bench_dir);
	p->ctx = zmq_ctx_new();
	p->router = bound_socket(p->ctx, ZMQ_ROUTER, p->in, ZSOCK_HWM);
	p->pubsock = bound_socket(p->ctx, ZMQ_PUB, p->pub, PUB_HWM);
	p->loop_end = bound_socket(p->ctx, ZMQ_PAIR, "inproc://pipe", 4);
	p->writer_end = zmq_socket(p->ctx, ZMQ_PAIR);
	if (!p->router || !p->pubsock || !p->loop_end || !p->writer_end ||
	    zmq_connect(p->writer_end, "inproc://pipe") < 0)
		die("the pipeline server cannot bind its sockets");
	if (pthread_create(&p->writer, NULL, pipe_writer, p) != 0 ||
	    pthread_create(&p->loop, NULL, pipe_loop, p) != 0)
		die("cannot start the pipeline server's threads");
	return p;
}

static void
pipe_stop(struct pipeline *p)
{
	zmq_ctx_shutdown(p->ctx);	/* both threads' blocking calls return ETERM */
	pthread_join(p->loop, NULL);
	pthread_join(p->writer, NULL);
	zmq_ctx_term(p->ctx);
	mdb_env_close(p->env);
	for (int i = 0; i < 2; i++) {
		free(p->b[i].id);
		free(p->b[i].body);
	}
	free(p);
}

/* The ideal pipeline, driven as lanud was at its peak; publishing lanud's alert
 * unless the mix raises none. Fills r's rate, latencies and batch. */
static void
bench_pipeline(const struct opts *o, const ProtobufCBinaryData *alert, struct result *r)
{
	ProtobufCBinaryData none = { 0, NULL };
	struct pipeline *p = pipe_start(o, o->requests ? &none : alert);
	double *lat = calloc(o->events, sizeof(*lat));
	struct client *c;
	struct sub *s;

	if (!lat)
		die("out of memory");
	connect_live(o, p->in, o->requests ? NULL : p->pub, &c, &s, NULL);
	memset(r, 0, sizeof(*r));
	size_t c0 = p->commits, e0 = p->committed;
	drive(o, c, s, 0, o->events, o->window, 0, lat, r);
	r->batch = (double)(p->committed - e0) / (double)(p->commits - c0);
	percentiles(lat, o->events, r);
	sub_free(s);
	client_free(c);
	pipe_stop(p);
	free(lat);
}

/* lanud at full speed and the ideal pipeline, taking turns o->rounds times, so that
 * both meet the disk and the CPU in the same moods and each ratio compares runs made
 * side by side; then lanud at half its median rate. peak[] and pipe[] get a result
 * per round, *ret_alert one of lanud's alerts. Returns the round of the median ratio. */
static size_t
bench_rounds(const struct opts *o, struct result *peak, struct result *pipe, struct result *half,
	     ProtobufCBinaryData *ret_alert)
{
	double *lat = calloc(o->events, sizeof(*lat));
	size_t *order = calloc(o->rounds, sizeof(*order)), med;
	struct client *c;
	struct sub *s;

	if (!lat || !order)
		die("out of memory");
	connect_live(o, bench_ingest(), bench_publish(), &c, &s, ret_alert);
	for (size_t r = 0; r < o->rounds; r++) {
		struct result *pk = &peak[r];
		struct bench_usage u0, u1;
		uint64_t c0, e0, c1, e1;
		int usage = bench_lanud_usage(&u0);

		memset(pk, 0, sizeof(*pk));
		lanud_commits(c, &c0, &e0);
		drive(o, c, s, r * o->events, o->events, o->window, 0, lat, pk);
		lanud_commits(c, &c1, &e1);
		pk->batch = c1 > c0 ? (double)(e1 - e0) / (double)(c1 - c0) : 1;
		if (usage == 0 && bench_lanud_usage(&u1) == 0) {
			pk->cpu_us = (u1.cpu_s - u0.cpu_s) * 1e6 / (double)o->events;
			pk->write_b = (double)(u1.write_bytes - u0.write_bytes) / (double)o->events;
		}
		percentiles(lat, o->events, pk);
		if (pk->not_ok)
			die("lanud refused events it should have taken");
		bench_pipeline(o, ret_alert, &pipe[r]);
	}
	/* The rounds by ratio (insertion sort: a handful). */
	for (size_t i = 0; i < o->rounds; i++) {
		size_t j = i;

		for (; j > 0 && peak[order[j - 1]].rate / pipe[order[j - 1]].rate >
				       peak[i].rate / pipe[i].rate; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	med = order[o->rounds / 2];

	/* Half the peak rate, for 3 s or 20000 events at most, and no more than N (lat). */
	size_t n = (size_t)(peak[med].rate / 2 * 3);
	n = n > 20000 ? 20000 : n < 100 ? 100 : n;
	n = n > o->events ? o->events : n;
	memset(half, 0, sizeof(*half));
	drive(o, c, NULL, o->rounds * o->events, n, o->window * 4, peak[med].rate / 2, lat, half);
	percentiles(lat, n, half);
	sub_free(s);
	client_free(c);
	free(lat);
	free(order);
	return med;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "lanud", required_argument, NULL, 'l' },
		{ "events", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "mix", required_argument, NULL, 'm' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .events = 100000, .window = 256, .rounds = 3 };
	struct result peaks[LANUBENCH_ROUNDS_MAX], pipes[LANUBENCH_ROUNDS_MAX];
	struct result peak, half, pipe;
	double ratio_min = 0, ratio_max = 0;
	ProtobufCBinaryData alert = { 0, NULL };
	int ch;

	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'l': o.lanud = optarg; break;
		case 'n': o.events = strtoul(optarg, NULL, 10); break;
		case 'w': o.window = strtoul(optarg, NULL, 10); break;
		case 'm':
			if (strcmp(optarg, "requests") && strcmp(optarg, "deadline-missed"))
				die("--mix is 'deadline-missed' or 'requests'");
			o.requests = strcmp(optarg, "requests") == 0;
			break;
		case 'r': o.rounds = strtoul(optarg, NULL, 10); break;
		case 'j': o.json = true; break;
		default:
			fprintf(stderr, "usage: lanubench [--lanud PATH] [--events N] [--window M] "
					"[--mix deadline-missed|requests] [--rounds R] [--json]\n");
			return 2;
		}
	}
	if (o.events < 1000 || o.window < 1 || o.window > 4096)
		die("--events must be at least 1000 and --window 1..4096");
	if (o.rounds < 1 || o.rounds > LANUBENCH_ROUNDS_MAX)
		die("--rounds must be 1..9");
	o.lanud = bench_setup("lanubench", o.lanud);
	o.base_ms = (uint64_t)time(NULL) * 1000;
	bench_start_lanud(o.lanud, bench_plan, NULL);
	size_t med = bench_rounds(&o, peaks, pipes, &half, &alert);
	peak = peaks[med];
	pipe = pipes[med];
	for (size_t r = 0; r < o.rounds; r++) {
		double q = peaks[r].rate / pipes[r].rate;

		ratio_min = r == 0 || q < ratio_min ? q : ratio_min;
		ratio_max = r == 0 || q > ratio_max ? q : ratio_max;
	}
	free(alert.data);

	/* Storage ceiling with the sizes lanud stores. */
	Lanu__V1__Request req;
	Lanu__V1__Envelope ev;
	Lanu__V1__DeadlineMissed dm;
	Lanu__V1__ServiceRequested sr;
	char id[32], cs[32];
	make_event(&o, 0, &req, &ev, &dm, &sr, id, cs);
	size_t env_size = lanu__v1__envelope__get_packed_size(&ev);
	size_t alert_size = 330;	/* a DEADLINE_MISSED alert with texts in fi, sv, en */
	double zrate = bench_zmq(&o, peak.frame);
	size_t batch = peak.batch < 1 ? 1 : (size_t)(peak.batch + 0.5);
	struct result commit = { 0 };
	double lrate = bench_lmdb(&o, "lmdb", batch, env_size, alert_size, &commit);
	struct result wcommit = { 0 };
	double wrate = bench_lmdb(&o, "lmdb-window", o.window, env_size, alert_size, &wcommit);
	double ceiling = zrate < lrate ? zrate : lrate;
	double ratio = peak.rate / ceiling;
	double ratio_pipe = peak.rate / pipe.rate;
	bool ok_ratio = ratio >= 0.5, ok_p99 = half.p99 < 5.0;

	if (o.json) {
		printf("{\"events\":%zu,\"window\":%zu,\"mix\":\"%s\",\"lanud_ev_s\":%.0f,"
		       "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"not_ok\":%zu,"
		       "\"alerts_live\":%zu,\"alerts_s\":%.0f,\"half_ev_s\":%.0f,\"half_p50_ms\":%.3f,"
		       "\"half_p99_ms\":%.3f,\"zmq_rt_s\":%.0f,\"frame_bytes\":%zu,\"lmdb_ev_s\":%.0f,\"batch\":%zu,"
		       "\"commit_p50_ms\":%.3f,\"commit_p99_ms\":%.3f,\"ratio\":%.3f,\"ceiling\":\"%s\","
		       "\"lmdb_window_ev_s\":%.0f,\"ratio_window\":%.3f,\"pipeline_ev_s\":%.0f,"
		       "\"pipeline_p50_ms\":%.3f,\"pipeline_p99_ms\":%.3f,\"pipeline_batch\":%.1f,"
		       "\"alert_bytes\":%zu,\"ratio_pipeline\":%.3f,\"lanud_cpu_us\":%.1f,"
		       "\"lanud_write_b\":%.0f,\"rounds\":%zu,\"ratio_pipeline_min\":%.3f,"
		       "\"ratio_pipeline_max\":%.3f}\n",
		       o.events, o.window, o.requests ? "requests" : "deadline-missed", peak.rate,
		       peak.p50, peak.p99, peak.max, peak.not_ok, peak.alerts_live, peak.alert_rate,
		       peak.rate / 2, half.p50, half.p99, zrate, peak.frame, lrate, batch,
		       commit.p50, commit.p99, ratio, zrate < lrate ? "zmq" : "lmdb", wrate,
		       peak.rate / wrate, pipe.rate, pipe.p50, pipe.p99, pipe.batch,
		       o.requests ? 0 : alert.len, ratio_pipe, peak.cpu_us, peak.write_b, o.rounds,
		       ratio_min, ratio_max);
		return 0;
	}
	printf("lanubench: N=%zu window=%zu mix=%s rounds=%zu (the figures of lanud and the "
	       "pipeline are the median round's)\n", o.events, o.window,
	       o.requests ? "requests" : "deadline-missed", o.rounds);
	printf("lanud         acked %8.0f ev/s  p50 %.2f ms  p99 %.2f ms  max %.2f ms  not-ok %zu\n",
	       peak.rate, peak.p50, peak.p99, peak.max, peak.not_ok);
	if (!o.requests)
		printf("lanud alerts  live  %8.0f /s    received %zu/%zu\n", peak.alert_rate,
		       peak.alerts_live, o.events);
	printf("lanud cost    %.1f us CPU, %.0f B written per event (all its threads, from /proc)\n",
	       peak.cpu_us, peak.write_b);
	printf("half rate     %8.0f ev/s  p50 %.2f ms  p99 %.2f ms\n", peak.rate / 2, half.p50,
	       half.p99);
	printf("ceiling zmq   %8.0f rt/s (window %zu, %zu B frames)\n", zrate, o.window, peak.frame);
	printf("ceiling lmdb  %8.0f ev/s (lanud's writes per event, durable, in lanud's own "
	       "batches of %zu)\n", lrate, batch);
	printf("  at window   %8.0f ev/s (the same, in batches of the whole window, %zu)\n",
	       wrate, o.window);
	printf("disk commit   p50 %.2f ms  p99 %.2f ms  max %.2f ms (LMDB commit with fdatasync, "
	       "no lanud)\n", commit.p50, commit.p99, commit.max);
	printf("ceiling pipeline  %.0f ev/s (ROUTER, a put, an ack%s per event, durable "
	       "commits of batches of %.1f; ack p50 %.2f ms p99 %.2f ms)\n", pipe.rate,
	       o.requests ? "" : " and a PUB", pipe.batch, pipe.p50, pipe.p99);
	printf("ratio         %.2f of the smaller ceiling (%s); %.2f of lmdb at window-sized "
	       "batches\n", ratio, zrate < lrate ? "zmq" : "lmdb", peak.rate / wrate);
	printf("ratio pipeline    %.2f (lanud's rate over the ideal pipeline's; the median of %zu "
	       "rounds, %.2f-%.2f)\n", ratio_pipe, o.rounds, ratio_min, ratio_max);
	printf("goal          >= 0.50 of ceiling: %s; p99 at half rate < 5 ms: %s\n",
	       ok_ratio ? "PASS" : "FAIL", ok_p99 ? "PASS" : "FAIL");
	return 0;
}
