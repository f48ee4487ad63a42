/*
 * metrics: counters kept on the loop (events, batches, alerts, subscriptions) and, at
 * each scrape, the store's gauges from one read transaction. The page is Prometheus'
 * text exposition format 0.0.4; names follow its conventions (lanu_ prefix, _total
 * counters, base units: seconds and bytes). The endpoint serves GET and HEAD of two
 * paths only, with small header and body limits and a timeout, and answers other paths
 * 404 and other methods 501 (libevent's): it is meant for 127.0.0.1 and a local
 * Prometheus or agent.
 */
#include "metrics.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "log.h"
#include "store.h"
#include "timesrc.h"

#define METRICS_CODES 6			/* Reply.Code values */
#define METRICS_EVENT_KINDS 32		/* Envelope's body fields, and one for "undecoded" */
#define METRICS_STUCK_USEC (30 * 1000000ULL)	/* a batch out longer: /healthz fails */

static const double metrics_batch_le[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 };
static const double metrics_commit_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
					    0.1, 0.25, 0.5, 1, 2.5 };

struct metrics_hist {
	uint64_t bucket[16];	/* counts per upper bound (not cumulative), then +Inf */
	uint64_t count;
	double sum;
};

struct metrics {
	struct lanud *d;
	struct evhttp *http;
	uint64_t events[METRICS_EVENT_KINDS][METRICS_CODES];
	uint64_t alerts[METRICS_KINDS][METRICS_SEVERITIES];
	struct metrics_hist batch, commit;
	uint64_t commit_failures;
	uint64_t last_commit_usec;	/* monotonic; 0: none since start */
	uint64_t out_since_usec;	/* monotonic: a batch is with the thread; 0: none */
	int64_t subscriptions;
};

static void
metrics_observe(struct metrics_hist *h, const double *le, size_t n, double v)
{
	size_t i = 0;

	while (i < n && v > le[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
}

/* The slot of ev's kind: its body field's index in Envelope's descriptor; the last one
 * for a request that did not decode or a kind beyond the table. */
static size_t
metrics_event_slot(const Lanu__V1__Envelope *ev)
{
	const ProtobufCFieldDescriptor *f;
	size_t i;

	if (!ev)
		return METRICS_EVENT_KINDS - 1;
	f = protobuf_c_message_descriptor_get_field(&lanu__v1__envelope__descriptor,
						    (unsigned)ev->payload_case);
	if (!f)
		return METRICS_EVENT_KINDS - 1;
	i = (size_t)(f - lanu__v1__envelope__descriptor.fields);
	return i < METRICS_EVENT_KINDS - 1 ? i : METRICS_EVENT_KINDS - 1;
}

void
metrics_event(struct metrics *m, const Lanu__V1__Envelope *ev, Lanu__V1__Reply__Code code)
{
	if (m && (unsigned)code < METRICS_CODES)
		m->events[metrics_event_slot(ev)][code]++;
}

void
metrics_batch(struct metrics *m, size_t n, uint64_t commit_usec, bool ok)
{
	if (!m)
		return;
	if (!ok) {
		m->commit_failures++;
		return;
	}
	metrics_observe(&m->batch, metrics_batch_le, ELEMENTSOF(metrics_batch_le), (double)n);
	metrics_observe(&m->commit, metrics_commit_le, ELEMENTSOF(metrics_commit_le),
			(double)commit_usec / 1e6);
	m->last_commit_usec = timesrc_mono_usec();
}

void
metrics_batch_out(struct metrics *m, bool out)
{
	if (m)
		m->out_since_usec = out ? timesrc_mono_usec() : 0;
}

void
metrics_alerts(struct metrics *m, const uint32_t raised[METRICS_KINDS][METRICS_SEVERITIES])
{
	if (!m)
		return;
	for (size_t k = 0; k < METRICS_KINDS; k++)
		for (size_t s = 0; s < METRICS_SEVERITIES; s++)
			m->alerts[k][s] += raised[k][s];
}

void
metrics_subscription(struct metrics *m, bool on)
{
	if (m)
		m->subscriptions += on ? 1 : (m->subscriptions > 0 ? -1 : 0);
}

/* --- the page ------------------------------------------------------------------------ */

static void
metrics_head(struct evbuffer *b, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metrics_hist_put(struct evbuffer *b, const char *name, const struct metrics_hist *h,
		 const double *le, size_t n)
{
	uint64_t cum = 0;

	for (size_t i = 0; i < n; i++) {
		cum += h->bucket[i];
		evbuffer_add_printf(b, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, le[i], cum);
	}
	cum += h->bucket[n];
	evbuffer_add_printf(b, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum %.6f\n%s_count %"
			    PRIu64 "\n", name, cum, name, h->sum, name, h->count);
}

/* An enum value's name less its prefix ("ALERT_KIND_DEADLINE_MISSED" -> ...), lower. */
static const char *
metrics_enum(const ProtobufCEnumDescriptor *e, int v, size_t strip, char *buf, size_t n)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(e, v);
	size_t i = 0;

	if (!ev || strlen(ev->name) <= strip) {
		snprintf(buf, n, "%d", v);
		return buf;
	}
	for (const char *p = ev->name + strip; *p && i + 1 < n; p++)
		buf[i++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	buf[i] = '\0';
	return buf;
}

static void
metrics_counters(struct metrics *m, struct evbuffer *b)
{
	const ProtobufCMessageDescriptor *env = &lanu__v1__envelope__descriptor;
	char k[48], s[48];

	metrics_head(b, "lanu_events_total", "counter",
		     "Events answered since start, by the event's kind and the reply's code.");
	for (size_t i = 0; i < METRICS_EVENT_KINDS; i++) {
		const char *kind;

		if (i == METRICS_EVENT_KINDS - 1)
			kind = "undecoded";
		else if (i < env->n_fields && env->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
			kind = env->fields[i].name;
		else
			continue;
		for (int c = 1; c < METRICS_CODES; c++)
			evbuffer_add_printf(b, "lanu_events_total{kind=\"%s\",code=\"%s\"} %"
					    PRIu64 "\n", kind,
					    metrics_enum(&lanu__v1__reply__code__descriptor, c, 0, s,
							 sizeof(s)),
					    m->events[i][c]);
	}
	metrics_head(b, "lanu_alerts_raised_total", "counter",
		     "Alerts raised since start, by kind and severity.");
	for (int i = 1; i < METRICS_KINDS; i++) {
		if (!protobuf_c_enum_descriptor_get_value(&lanu__v1__alert_kind__descriptor, i))
			continue;
		metrics_enum(&lanu__v1__alert_kind__descriptor, i, strlen("ALERT_KIND_"), k,
			     sizeof(k));
		for (int j = 1; j < METRICS_SEVERITIES; j++)
			evbuffer_add_printf(b, "lanu_alerts_raised_total{kind=\"%s\",severity=\"%s\"}"
					    " %" PRIu64 "\n", k,
					    metrics_enum(&lanu__v1__severity__descriptor, j,
							 strlen("SEVERITY_"), s, sizeof(s)),
					    m->alerts[i][j]);
	}
	metrics_head(b, "lanu_alerts_unrouted_total", "counter",
		     "Alerts since start that no route matched (logged with no recipient).");
	evbuffer_add_printf(b, "lanu_alerts_unrouted_total %" PRIu64 "\n", m->d->n_unrouted);
	metrics_head(b, "lanu_batch_requests", "histogram",
		     "Requests per committed write transaction (group commit).");
	metrics_hist_put(b, "lanu_batch_requests", &m->batch, metrics_batch_le,
			 ELEMENTSOF(metrics_batch_le));
	metrics_head(b, "lanu_commit_seconds", "histogram",
		     "Time to commit a batch's write transaction, to disk.");
	metrics_hist_put(b, "lanu_commit_seconds", &m->commit, metrics_commit_le,
			 ELEMENTSOF(metrics_commit_le));
	metrics_head(b, "lanu_commit_failures_total", "counter",
		     "Batches whose commit failed (answered UNAVAILABLE: map or disk full).");
	evbuffer_add_printf(b, "lanu_commit_failures_total %" PRIu64 "\n", m->commit_failures);
}

static int
metrics_gauges(struct metrics *m, struct evbuffer *b)
{
	struct lanud *d = m->d;
	struct store_stat st;
	struct store_txn t;
	uint64_t now = timesrc_mono_usec(), since;
	int r;

	store_begin(d->store, &t, STORE_RO);
	r = store_stat(&t, &st);
	store_abort(&t);
	if (r < 0)
		return r;
	since = m->last_commit_usec ? m->last_commit_usec : now - timesrc_uptime_usec(&d->clock);
	metrics_head(b, "lanu_events_stored", "gauge", "Events in the store.");
	evbuffer_add_printf(b, "lanu_events_stored %" PRIu64 "\n", st.events);
	metrics_head(b, "lanu_alerts_open", "gauge", "Alerts not acknowledged.");
	evbuffer_add_printf(b, "lanu_alerts_open %" PRIu64 "\n", st.open_alerts);
	metrics_head(b, "lanu_event_last_seq", "gauge", "The newest event's sequence number.");
	evbuffer_add_printf(b, "lanu_event_last_seq %" PRIu64 "\n", st.last_event_seq);
	metrics_head(b, "lanu_alert_last_seq", "gauge", "The newest alert's sequence number.");
	evbuffer_add_printf(b, "lanu_alert_last_seq %" PRIu64 "\n", st.last_alert_seq);
	metrics_head(b, "lanu_clocks_open", "gauge", "Access-time clocks running.");
	evbuffer_add_printf(b, "lanu_clocks_open %" PRIu64 "\n", st.open_clocks);
	metrics_head(b, "lanu_escalations_pending", "gauge",
		     "Alerts whose escalation chain has a step to come.");
	evbuffer_add_printf(b, "lanu_escalations_pending %" PRIu64 "\n", st.pending_escalations);
	metrics_head(b, "lanu_subscriptions", "gauge",
		     "Live alert subscriptions (a subscriber and a recipient each).");
	evbuffer_add_printf(b, "lanu_subscriptions %" PRId64 "\n", m->subscriptions);
	metrics_head(b, "lanu_store_map_size_bytes", "gauge", "The LMDB map's size.");
	evbuffer_add_printf(b, "lanu_store_map_size_bytes %" PRIu64 "\n", st.map_size);
	metrics_head(b, "lanu_store_map_used_bytes", "gauge", "Of the map, the pages in use.");
	evbuffer_add_printf(b, "lanu_store_map_used_bytes %" PRIu64 "\n", st.map_used);
	metrics_head(b, "lanu_store_map_max_bytes", "gauge", "map-max: how far the map may grow.");
	evbuffer_add_printf(b, "lanu_store_map_max_bytes %" PRIu64 "\n", d->conf->map_max);
	metrics_head(b, "lanu_last_commit_age_seconds", "gauge",
		     "Since the last committed batch (or the start, if none).");
	evbuffer_add_printf(b, "lanu_last_commit_age_seconds %.3f\n", (double)(now - since) / 1e6);
	metrics_head(b, "lanu_plan_version", "gauge", "The plan version in force (0: none).");
	evbuffer_add_printf(b, "lanu_plan_version %" PRIu64 "\n", d->plan_version);
	metrics_head(b, "lanu_uptime_seconds", "gauge", "Since lanud started.");
	evbuffer_add_printf(b, "lanu_uptime_seconds %.3f\n",
			    (double)timesrc_uptime_usec(&d->clock) / 1e6);
	metrics_head(b, "lanu_build_info", "gauge", "lanud's version, as a label; always 1.");
	evbuffer_add_printf(b, "lanu_build_info{version=\"%s\",schema=\"%d\"} 1\n", LANU_VERSION,
			    STORE_SCHEMA);
	return 0;
}

static void
metrics_reply(struct evhttp_request *req, int code, const char *reason, const char *type,
	      struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, reason, body);
}

static void
metrics_http_cb(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	struct lanud *d = m->d;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evbuffer *b = evbuffer_new();
	uint64_t out = m->out_since_usec;
	int r;

	if (!b) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	if (path && strcmp(path, "/metrics") == 0) {
		metrics_counters(m, b);
		r = metrics_gauges(m, b);
		if (r < 0) {
			evbuffer_drain(b, evbuffer_get_length(b));
			evbuffer_add_printf(b, "the store cannot be read: %s\n", strerror(-r));
			metrics_reply(req, HTTP_SERVUNAVAIL, "Service Unavailable",
				      "text/plain; charset=utf-8", b);
		} else {
			metrics_reply(req, HTTP_OK, "OK", "text/plain; version=0.0.4; charset=utf-8",
				      b);
		}
	} else if (path && strcmp(path, "/healthz") == 0) {
		const char *why = NULL;

		if (d->stopping)
			why = "stopping";
		else if (out && timesrc_mono_usec() - out > METRICS_STUCK_USEC)
			why = "a batch has been with the writer for more than 30 s";
		evbuffer_add_printf(b, "%s\n", why ? why : "ok");
		metrics_reply(req, why ? HTTP_SERVUNAVAIL : HTTP_OK,
			      why ? "Service Unavailable" : "OK", "text/plain; charset=utf-8", b);
	} else {
		evbuffer_add_printf(b, "not found: /metrics and /healthz are\n");
		metrics_reply(req, HTTP_NOTFOUND, "Not Found", "text/plain; charset=utf-8", b);
	}
	evbuffer_free(b);
}

int
metrics_new(struct lanud *d, struct metrics **ret_metrics)
{
	struct metrics *m = calloc(1, sizeof(*m));
	const struct conf *c = d->conf;

	if (!m)
		return -ENOMEM;
	m->d = d;
	if (*c->metrics_host) {
		struct evhttp_bound_socket *sock;
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		char port[8] = "?";

		m->http = evhttp_new(d->base);
		if (!m->http) {
			free(m);
			return -ENOMEM;
		}
		evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
		evhttp_set_max_headers_size(m->http, 8192);
		evhttp_set_max_body_size(m->http, 0);
		evhttp_set_timeout(m->http, 10);
		evhttp_set_gencb(m->http, metrics_http_cb, m);
		sock = evhttp_bind_socket_with_handle(m->http, c->metrics_host, c->metrics_port);
		if (!sock) {
			int r = errno ? -errno : -EADDRNOTAVAIL;

			log_errno(LOG_ERR, r, "metrics: cannot listen on %s port %u",
				  c->metrics_host, c->metrics_port);
			metrics_free(m);
			return r;
		}
		if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sa,
				&len) == 0)
			getnameinfo((struct sockaddr *)&sa, len, NULL, 0, port, sizeof(port),
				    NI_NUMERICSERV);
		log_msg(LOG_NOTICE, "metrics: serving /metrics and /healthz on %s port %s",
			c->metrics_host, port);
	}
	*ret_metrics = m;
	return 0;
}

struct metrics *
metrics_free(struct metrics *m)
{
	if (!m)
		return NULL;
	if (m->http)
		evhttp_free(m->http);
	free(m);
	return NULL;
}
