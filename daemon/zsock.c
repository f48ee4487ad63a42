/*
 * zsock: the only module that touches ZMQ_FD (rule 13). ZMQ_FD signals edges, not
 * levels: a send or receive may consume the edge while messages stay queued, so
 * before control returns to the loop the socket's state must be re-read with
 * ZMQ_EVENTS, or a queued message can sit unseen forever. The read callback drains
 * by receiving with ZMQ_DONTWAIT until EAGAIN (libzmq then polls its command pipe
 * once per 100 messages, where ZMQ_EVENTS would poll on every call), at most
 * ZSOCK_BATCH messages before re-activating itself; every run of sends ends with
 * one zsock_kick(), which is the re-check.
 *
 * Sends never block (ZMQ_DONTWAIT). EAGAIN is backpressure: the message waits in a
 * bounded outbox, retried on a short timer (a ROUTER always reports ZMQ_POLLOUT, so
 * POLLOUT cannot tell us when one peer's pipe has room again). A reply whose peer
 * has read nothing for ZSOCK_STALL_MS is dropped, so one client that does not read
 * cannot hold up the others; it will send its request again, and lanud's dedup
 * makes that safe.
 */
#include "zsock.h"

#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "lanu/limits.h"
#include "log.h"
#include "timesrc.h"

struct zsock_out {
	zmq_msg_t frames[ZSOCK_MAX_FRAMES];
	size_t n;
	uint64_t since;		/* monotonic ms when it first met EAGAIN */
};

struct zsock {
	void *sock;
	struct event *ev;
	struct event *retry_ev;
	zsock_msg_fn fn;
	void *arg;
	bool paused;
	const char *peer;	/* the User-Id of the message in the callback, or NULL */
	struct zsock_out *outq;	/* ring of ZSOCK_OUTQ_MAX */
	size_t out_head, out_len;
};

static int
zsock_events(struct zsock *z)
{
	int ev = 0;
	size_t len = sizeof(ev);

	if (zmq_getsockopt(z->sock, ZMQ_EVENTS, &ev, &len) < 0)
		return 0;
	return ev;
}

void
zsock_kick(struct zsock *z)
{
	int ev = zsock_events(z);

	if ((ev & ZMQ_POLLIN) && !z->paused)
		event_active(z->ev, EV_READ, 0);
}

/* Tries to send one queued or new message. Returns 0, -EAGAIN, or another -errno
 * (the message is then gone). The frames are consumed on success or final failure. */
static int
zsock_send_frames(struct zsock *z, zmq_msg_t *frames, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);

		if (zmq_msg_send(&frames[i], z->sock, flags) < 0) {
			int r = -errno;

			/* Only the first frame can fail with EAGAIN: multipart is atomic. */
			if (r == -EAGAIN && i == 0)
				return r;
			for (size_t j = i; j < n; j++)
				zmq_msg_close(&frames[j]);
			return r;
		}
	}
	return 0;
}

static const struct timeval zsock_retry = { .tv_sec = 0, .tv_usec = ZSOCK_RETRY_MS * 1000 };

static void
zsock_flush(struct zsock *z)
{
	while (z->out_len > 0) {
		struct zsock_out *o = &z->outq[z->out_head];
		int r = zsock_send_frames(z, o->frames, o->n);

		if (r == -EAGAIN && timesrc_mono_usec() / 1000 - o->since < ZSOCK_STALL_MS) {
			evtimer_add(z->retry_ev, &zsock_retry);
			return;
		}
		if (r == -EAGAIN) {
			log_ratelimited(LOG_WARNING, "zsock: a peer read nothing for %d ms; its "
						     "reply is dropped, ignoring", ZSOCK_STALL_MS);
			for (size_t i = 0; i < o->n; i++)
				zmq_msg_close(&o->frames[i]);
		} else if (r < 0) {
			log_errno(LOG_DEBUG, r, "zsock: queued reply dropped");
		}
		z->out_head = (z->out_head + 1) % ZSOCK_OUTQ_MAX;
		z->out_len--;
	}
}

static void
zsock_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct zsock *z = arg;

	(void)fd;
	(void)what;
	zsock_flush(z);
	zsock_kick(z);
}

int
zsock_send(struct zsock *z, const struct iovec *iov, size_t n)
{
	zmq_msg_t frames[ZSOCK_MAX_FRAMES];
	struct zsock_out *o;
	int r;

	if (n == 0 || n > ZSOCK_MAX_FRAMES)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (zmq_msg_init_size(&frames[i], iov[i].iov_len) < 0) {
			for (size_t j = 0; j < i; j++)
				zmq_msg_close(&frames[j]);
			return -ENOMEM;
		}
		if (iov[i].iov_len)
			memcpy(zmq_msg_data(&frames[i]), iov[i].iov_base, iov[i].iov_len);
	}
	/* Always try at once, even with an outbox: what waits there is for peers that
	 * are full, and a reply to another peer must not wait behind them. The caller
	 * kicks once after its run of sends. */
	r = zsock_send_frames(z, frames, n);
	if (r == -EAGAIN && z->out_len == ZSOCK_OUTQ_MAX) {
		for (size_t i = 0; i < n; i++)
			zmq_msg_close(&frames[i]);
		r = -ENOBUFS;
	} else if (r == -EAGAIN) {
		o = &z->outq[(z->out_head + z->out_len) % ZSOCK_OUTQ_MAX];
		memcpy(o->frames, frames, n * sizeof(frames[0]));
		o->n = n;
		o->since = timesrc_mono_usec() / 1000;
		if (z->out_len++ == 0)
			evtimer_add(z->retry_ev, &zsock_retry);
		r = 0;
	}
	return r;
}

/* Receives one whole message. Returns 0 (consumer said go on), 1 (pause), -EAGAIN. */
static int
zsock_recv_one(struct zsock *z)
{
	zmq_msg_t frames[ZSOCK_MAX_FRAMES];
	size_t n = 0, kept;
	int more, r = 0;

	do {
		zmq_msg_t *m = &frames[n < ZSOCK_MAX_FRAMES ? n : ZSOCK_MAX_FRAMES - 1];

		/* Past the limit, the last slot is reused: only the count matters then. */
		if (n >= ZSOCK_MAX_FRAMES)
			zmq_msg_close(m);
		zmq_msg_init(m);
		if (zmq_msg_recv(m, z->sock, ZMQ_DONTWAIT) < 0) {
			r = -errno;
			zmq_msg_close(m);
			if (n == 0)
				return r;
			/* Multipart arrives whole; an error mid-message is not expected. */
			kept = n < ZSOCK_MAX_FRAMES ? n : ZSOCK_MAX_FRAMES - 1;
			goto out;
		}
		n++;
		more = zmq_msg_more(m);
	} while (more);
	kept = n < ZSOCK_MAX_FRAMES ? n : ZSOCK_MAX_FRAMES;
	if (z->fn) {
		struct iovec iov[ZSOCK_MAX_FRAMES];

		for (size_t i = 0; i < kept; i++)
			iov[i] = (struct iovec){ zmq_msg_data(&frames[i]), zmq_msg_size(&frames[i]) };
		/* the last frame came from the peer (a ROUTER makes the first) */
		z->peer = zmq_msg_gets(&frames[kept - 1], "User-Id");
		r = z->fn(z, iov, n, z->arg);
		z->peer = NULL;
	}
out:
	for (size_t i = 0; i < kept; i++)
		zmq_msg_close(&frames[i]);
	return r;
}

static void
zsock_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct zsock *z = arg;

	(void)fd;
	(void)what;
	zsock_flush(z);
	for (int n = 0; !z->paused && z->fn; n++) {
		if (n == ZSOCK_BATCH) {
			event_active(z->ev, EV_READ, 0);	/* maybe more: let others run */
			return;
		}
		int r = zsock_recv_one(z);
		if (r == 1)
			z->paused = true;
		else if (r < 0)
			break;		/* EAGAIN: drained */
	}
	zsock_flush(z);
	zsock_kick(z);
}

const char *
zsock_peer(const struct zsock *z)
{
	return z->peer;
}

void
zsock_resume(struct zsock *z)
{
	z->paused = false;
	zsock_kick(z);
}

static int
zsock_setopt(void *s, int opt, int value)
{
	return zmq_setsockopt(s, opt, &value, sizeof(value)) < 0 ? -errno : 0;
}

int
zsock_subscribe(struct zsock *z, const void *topic, size_t len, bool on)
{
	return zmq_setsockopt(z->sock, on ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE, topic, len) < 0
		       ? -errno : 0;
}

int
zsock_zap_domain(struct zsock *z, const char *domain)
{
	return zmq_setsockopt(z->sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) < 0 ? -errno : 0;
}

int
zsock_curve_server(struct zsock *z, const char *secret_z85)
{
	static const char domain[] = "lanu";
	int r;

	if ((r = zsock_setopt(z->sock, ZMQ_CURVE_SERVER, 1)) < 0)
		return r;
	if (zmq_setsockopt(z->sock, ZMQ_CURVE_SECRETKEY, secret_z85, strlen(secret_z85)) < 0 ||
	    zmq_setsockopt(z->sock, ZMQ_ZAP_DOMAIN, domain, sizeof(domain) - 1) < 0)
		return -errno;
	return 0;
}

void *
zsock_ctx_new(void)
{
	return zmq_ctx_new();
}

void
zsock_ctx_free(void *ctx)
{
	if (ctx)
		zmq_ctx_term(ctx);
}

int
zsock_open(struct zsock **ret_zsock, void *zctx, struct event_base *base, enum zsock_type kind,
	   zsock_msg_fn fn, void *arg)
{
	int64_t maxmsg = kind == ZSOCK_XPUB ? PUB_SUB_MAX : LANU_HARD_FRAME;
	int type = kind == ZSOCK_ROUTER ? ZMQ_ROUTER : kind == ZSOCK_XPUB ? ZMQ_XPUB : ZMQ_PUB;
	struct zsock *z;
	size_t len;
	int fd, r;

	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	z->fn = fn;
	z->arg = arg;
	z->outq = calloc(ZSOCK_OUTQ_MAX, sizeof(*z->outq));
	z->sock = zmq_socket(zctx, type);
	if (!z->outq || !z->sock) {
		r = -ENOMEM;
		goto fail;
	}
	/* Configured, never defaulted (rule 14). */
	if ((r = zsock_setopt(z->sock, ZMQ_SNDHWM, type == ZMQ_ROUTER ? ZSOCK_HWM : PUB_HWM)) < 0 ||
	    (r = zsock_setopt(z->sock, ZMQ_RCVHWM, ZSOCK_HWM)) < 0 ||
	    (r = zsock_setopt(z->sock, ZMQ_LINGER, ZSOCK_LINGER_MS)) < 0)
		goto fail;
	if (zmq_setsockopt(z->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) < 0) {
		r = -errno;
		goto fail;
	}
	if (type == ZMQ_ROUTER && (r = zsock_setopt(z->sock, ZMQ_ROUTER_MANDATORY, 1)) < 0)
		goto fail;
	if (type == ZMQ_XPUB && (r = zsock_setopt(z->sock, ZMQ_XPUB_MANUAL, 1)) < 0)
		goto fail;
	len = sizeof(fd);
	if (zmq_getsockopt(z->sock, ZMQ_FD, &fd, &len) < 0) {
		r = -errno;
		goto fail;
	}
	z->ev = event_new(base, fd, EV_READ | EV_PERSIST, zsock_io_cb, z);
	z->retry_ev = evtimer_new(base, zsock_retry_cb, z);
	if (!z->ev || !z->retry_ev || event_add(z->ev, NULL) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	zsock_kick(z);		/* an edge may have passed before we watched */
	*ret_zsock = z;
	return 0;
fail:
	zsock_free(z);
	return r;
}

int
zsock_bind(struct zsock *z, const char *endpoint)
{
	return zmq_bind(z->sock, endpoint) < 0 ? -errno : 0;
}

struct zsock *
zsock_free(struct zsock *z)
{
	if (!z)
		return NULL;
	if (z->ev)
		event_free(z->ev);
	if (z->retry_ev)
		event_free(z->retry_ev);
	for (; z->out_len > 0; z->out_len--) {
		struct zsock_out *o = &z->outq[z->out_head];

		for (size_t i = 0; i < o->n; i++)
			zmq_msg_close(&o->frames[i]);
		z->out_head = (z->out_head + 1) % ZSOCK_OUTQ_MAX;
	}
	free(z->outq);
	if (z->sock)
		zmq_close(z->sock);
	free(z);
	return NULL;
}
