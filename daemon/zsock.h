/* A ZeroMQ socket on the libevent loop: edge-triggered ZMQ_FD handled once, here. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

struct event_base;
struct zsock;

#define ZSOCK_MAX_FRAMES 10	/* frames kept per message (a ZAP request has 9); the count
				 * says if there were more */

/* The kinds of socket lanud has. */
enum zsock_type {
	ZSOCK_ROUTER,	/* requests in, replies out, by routing id */
	ZSOCK_PUB,	/* alerts out, by topic */
	ZSOCK_XPUB,	/* the same, each subscription handed to the callback to allow
			 * with zsock_subscribe() or drop (ZMQ_XPUB_MANUAL) */
};

/* Called for each received message with its first min(n, ZSOCK_MAX_FRAMES) frames;
 * n is the real frame count. The frames' bytes are valid only until it returns.
 * Return 0 to go on reading, 1 to pause until zsock_resume(). */
typedef int (*zsock_msg_fn)(struct zsock *z, const struct iovec *frames, size_t n, void *arg);

/* A ZeroMQ context for lanud's sockets (its I/O thread). Returns NULL with errno set. */
void *zsock_ctx_new(void);
/* Ends ctx after its sockets are freed; waits for their linger. Accepts NULL. */
void zsock_ctx_free(void *ctx);

/* Creates a socket of type, configured from limits.h and watched on base. fn may be
 * NULL for send-only sockets. Returns 0 or -errno. */
int zsock_open(struct zsock **ret_zsock, void *zctx, struct event_base *base,
	       enum zsock_type type, zsock_msg_fn fn, void *arg);
/* Binds one endpoint. Returns 0 or zmq_bind()'s -errno, logging nothing: the caller
 * knows which endpoint of which setting it was. */
int zsock_bind(struct zsock *z, const char *endpoint);
struct zsock *zsock_free(struct zsock *z);

/* Sends one multipart message without blocking; on backpressure it waits in a bounded
 * outbox. A run of sends outside this socket's own callback must end with
 * zsock_kick() before control returns to the loop. Messages to different peers may
 * overtake each other (replies carry corr_id).
 * Returns 0, -EHOSTUNREACH if a ROUTER peer is gone, -ENOBUFS if the outbox is full
 * (the message is dropped), -ENOMEM. */
int zsock_send(struct zsock *z, const struct iovec *frames, size_t n);

void zsock_resume(struct zsock *z);

/* The authenticated name of the peer whose message the callback is handling: the
 * User-Id its ZAP handler gave (auth.c), or NULL for a peer no ZAP handler saw (ipc://,
 * and a socket without CurveZMQ). */
const char *zsock_peer(const struct zsock *z);

/* On a ZSOCK_XPUB, inside its callback: subscribes (on) or unsubscribes the peer whose
 * subscription message the callback is handling to topic. Returns 0 or -errno. */
int zsock_subscribe(struct zsock *z, const void *topic, size_t len, bool on);

/* Sets the ZAP domain of the endpoints bound from now on ("": none, so no ZAP for a
 * peer without CurveZMQ). Returns 0 or -errno. */
int zsock_zap_domain(struct zsock *z, const char *domain);

/* Makes the endpoints bound from now on CurveZMQ servers with the secret key (Z85) and
 * ZAP domain "lanu": a peer connects only with a key the ZAP handler accepts. Those
 * bound before stay as they were (libzmq copies a socket's options at each bind).
 * Returns 0 or -errno. */
int zsock_curve_server(struct zsock *z, const char *secret_z85);

/* Re-reads the socket's state and wakes its callback if messages wait: the edge
 * a send or receive may have consumed is not lost. */
void zsock_kick(struct zsock *z);
