/*
 * client: the few ZeroMQ steps every lanud client takes, written once. A client
 * owns its own ZeroMQ context, so a program may hold several independent ones.
 * Nothing here retries on its own: the caller decides (an unacknowledged event is
 * simply sent again; lanud's dedup makes that safe).
 */
#include "client.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "conf.h"
#include "keys.h"

#include "lanu/limits.h"
#include "lanu/protocol.h"

struct client {
	void *ctx;
	void *sock;
	uint64_t next_corr;
};

struct sub {
	void *ctx;
	void *sock;
};

static int
client_socket_new(int type, void **ret_ctx, void **ret_sock)
{
	int linger = 0, hwm = ZSOCK_HWM;
	void *ctx = zmq_ctx_new(), *sock;

	if (!ctx)
		return -errno;
	sock = zmq_socket(ctx, type);
	if (!sock) {
		int r = -errno;
		zmq_ctx_term(ctx);
		return r;
	}
	if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) < 0) {
		int r = -errno;
		zmq_close(sock);
		zmq_ctx_term(ctx);
		return r;
	}
	*ret_ctx = ctx;
	*ret_sock = sock;
	return 0;
}

static void
client_socket_close(void *ctx, void *sock)
{
	if (sock)
		zmq_close(sock);
	if (ctx)
		zmq_ctx_term(ctx);
}

/* Makes sock a CurveZMQ client with k's keys (k NULL: nothing). Returns 0 or -errno. */
static int
client_curve(void *sock, const struct client_keys *k)
{
	if (!k)
		return 0;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, k->server, strlen(k->server)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k->public_key, strlen(k->public_key)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->secret, strlen(k->secret)) < 0)
		return -errno;
	return 0;
}

static void
client_keys_report(const char *msg, void *arg)
{
	fprintf(stderr, "%s: %s\n", (const char *)arg, msg);
}

int
client_keys_load(const char *prog, const char *secret_file, const char *server,
		 struct client_keys *k)
{
	struct keys_secret ks;
	char line[256];
	uint8_t bin[32];
	FILE *f;
	int r;

	memset(k, 0, sizeof(*k));
	r = keys_read_secret(secret_file, client_keys_report, (void *)prog, &ks);
	if (r < 0) {
		if (r != -EINVAL)
			fprintf(stderr, "%s: cannot read key file '%s': %s\n", prog, secret_file,
				strerror(-r));
		return -EINVAL;
	}
	memcpy(k->public_key, ks.public_z85, sizeof(k->public_key));
	memcpy(k->secret, ks.secret_z85, sizeof(k->secret));
	memcpy(k->name, ks.name, sizeof(k->name));
	sodium_memzero(&ks, sizeof(ks));
	if (strlen(server) == KEYS_Z85_LEN && zmq_z85_decode(bin, server)) {
		snprintf(k->server, sizeof(k->server), "%s", server);
		return 0;
	}
	if ((f = fopen(server, "re"))) {
		while (!*k->server && fgets(line, sizeof(line), f)) {
			const char *err, *z85 = NULL;
			char *w[3];
			int n = conf_split_words(line, w, 3, &err);

			if (n == 1)
				z85 = w[0];
			else if (n == 2 && strcmp(w[0], "public") == 0)
				z85 = w[1];
			if (z85 && strlen(z85) == KEYS_Z85_LEN && zmq_z85_decode(bin, z85))
				snprintf(k->server, sizeof(k->server), "%s", z85);
		}
		fclose(f);
	}
	if (!*k->server) {
		fprintf(stderr, "%s: server key '%s' is neither lanud's public key (40 characters "
				"of Z85) nor a file holding it\n", prog, server);
		sodium_memzero(k, sizeof(*k));
		return -EINVAL;
	}
	return 0;
}

int
client_connect(const char *endpoint, struct client **ret_client)
{
	return client_connect_with(endpoint, NULL, ret_client);
}

int
client_connect_with(const char *endpoint, const struct client_keys *k,
		    struct client **ret_client)
{
	struct client *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = client_socket_new(ZMQ_DEALER, &c->ctx, &c->sock);
	if (r == 0)
		r = client_curve(c->sock, k);
	if (r == 0 && zmq_connect(c->sock, endpoint) < 0)
		r = -errno;
	if (r < 0) {
		client_free(c);
		return r;
	}
	c->next_corr = 1;
	*ret_client = c;
	return 0;
}

struct client *
client_free(struct client *c)
{
	if (!c)
		return NULL;
	client_socket_close(c->ctx, c->sock);
	free(c);
	return NULL;
}

void *
client_socket(struct client *c)
{
	return c->sock;
}

int
client_send(struct client *c, Lanu__V1__Request *req)
{
	size_t len;
	uint8_t *buf;
	int r = 0;

	if (req->corr_id == 0)
		req->corr_id = c->next_corr++;
	len = lanu__v1__request__get_packed_size(req);
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	lanu__v1__request__pack(req, buf);
	if (zmq_send(c->sock, buf, len, ZMQ_DONTWAIT) < 0)
		r = -errno;
	free(buf);
	return r;
}

int
client_send_raw(struct client *c, const void *const *frames, const size_t *lens, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (zmq_send(c->sock, frames[i], lens[i],
			     ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0)) < 0)
			return -errno;
	return 0;
}

/* Waits for a message; with timeout 0 it returns at once and the receive itself
 * (ZMQ_DONTWAIT) says whether one is there, which costs no poll. */
static int
client_wait(void *sock, int timeout_ms)
{
	zmq_pollitem_t it = { .socket = sock, .events = ZMQ_POLLIN };
	int n;

	if (timeout_ms == 0)
		return 0;
	n = zmq_poll(&it, 1, timeout_ms);

	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

int
client_recv(struct client *c, int timeout_ms, Lanu__V1__Reply **ret_reply)
{
	Lanu__V1__Reply *rep;
	zmq_msg_t m;
	int r;

	r = client_wait(c->sock, timeout_ms);
	if (r < 0)
		return r;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) < 0) {
		r = errno == EAGAIN ? -ETIMEDOUT : -errno;
		zmq_msg_close(&m);
		return r;
	}
	/* A reply is one frame; drain anything else a confused peer sent. */
	while (zmq_msg_more(&m)) {
		zmq_msg_close(&m);
		zmq_msg_init(&m);
		zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT);
		r = -EBADMSG;
	}
	rep = r == 0 ? lanu__v1__reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m)) : NULL;
	zmq_msg_close(&m);
	if (!rep)
		return -EBADMSG;
	*ret_reply = rep;
	return 0;
}

int
client_call(struct client *c, Lanu__V1__Request *req, int timeout_ms, Lanu__V1__Reply **ret_reply)
{
	Lanu__V1__Reply *rep;
	int r = client_send(c, req);

	while (r == 0) {
		r = client_recv(c, timeout_ms, &rep);
		if (r < 0)
			break;
		if (rep->corr_id == req->corr_id) {
			*ret_reply = rep;
			return 0;
		}
		lanu__v1__reply__free_unpacked(rep, NULL);
	}
	return r;
}

int
sub_connect(const char *endpoint, char *const *recipients, size_t n, struct sub **ret_sub)
{
	return sub_connect_with(endpoint, NULL, recipients, n, ret_sub);
}

int
sub_connect_with(const char *endpoint, const struct client_keys *k, char *const *recipients,
		 size_t n, struct sub **ret_sub)
{
	struct sub *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	r = client_socket_new(ZMQ_SUB, &s->ctx, &s->sock);
	if (r == 0)
		r = client_curve(s->sock, k);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char topic[LANU_MAX_NAME + 1];
		size_t len = strlen(recipients[i]);

		if (len > LANU_MAX_NAME) {
			r = -EINVAL;
			break;
		}
		memcpy(topic, recipients[i], len);
		topic[len] = LANU_TOPIC_TERM;
		if (zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, topic, len + 1) < 0)
			r = -errno;
	}
	if (r == 0 && zmq_connect(s->sock, endpoint) < 0)
		r = -errno;
	if (r < 0) {
		sub_free(s);
		return r;
	}
	*ret_sub = s;
	return 0;
}

struct sub *
sub_free(struct sub *s)
{
	if (!s)
		return NULL;
	client_socket_close(s->ctx, s->sock);
	free(s);
	return NULL;
}

void *
sub_socket(struct sub *s)
{
	return s->sock;
}

int
sub_recv(struct sub *s, int timeout_ms, Lanu__V1__Alert **ret_alert)
{
	Lanu__V1__Alert *a = NULL;
	zmq_msg_t topic, body;
	int r;

	r = client_wait(s->sock, timeout_ms);
	if (r < 0)
		return r;
	zmq_msg_init(&topic);
	zmq_msg_init(&body);
	if (zmq_msg_recv(&topic, s->sock, ZMQ_DONTWAIT) < 0)
		r = errno == EAGAIN ? -ETIMEDOUT : -errno;
	else if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, s->sock, ZMQ_DONTWAIT) < 0)
		r = -EBADMSG;
	else if (!(a = lanu__v1__alert__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body))))
		r = -EBADMSG;
	zmq_msg_close(&topic);
	zmq_msg_close(&body);
	if (r < 0)
		return r;
	*ret_alert = a;
	return 0;
}

static uint64_t
client_clock_ms(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

uint64_t
client_now_ms(void)
{
	return client_clock_ms(CLOCK_REALTIME);
}

uint64_t
client_mono_ms(void)
{
	return client_clock_ms(CLOCK_MONOTONIC);
}

