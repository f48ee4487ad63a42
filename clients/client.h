/* Talking to lanud: a DEALER for requests, a SUB for live alerts. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "instant.h"
#include "lanu.pb-c.h"

struct client;

/* A CurveZMQ client's keys (Z85), for lanud's tcp:// endpoints (docs/security.md). */
struct client_keys {
	char server[41];	/* lanud's public key */
	char public_key[41];	/* the peer's own pair (NAME.secret) */
	char secret[41];
	char name[65];		/* the peer's name, as its secret file says ("" if not) */
};

/* Connects a DEALER to lanud's ingest endpoint. Returns 0 or -errno. */
int client_connect(const char *endpoint, struct client **ret_client);
/* The same with CurveZMQ keys (k NULL: none, as client_connect()). */
int client_connect_with(const char *endpoint, const struct client_keys *k,
			struct client **ret_client);

/* Fills k from a secret file (keys_read_secret()) and lanud's public key: Z85, or a
 * file holding it (a "public KEY" line, or the key alone). Problems are said on stderr
 * with prog's name. Returns 0 or -EINVAL. */
int client_keys_load(const char *prog, const char *secret_file, const char *server,
		     struct client_keys *k);
struct client *client_free(struct client *c);

/* Sends req; a corr_id of 0 is replaced by the next one of this client.
 * Returns 0, -EAGAIN (lanud not reachable or not reading), -errno. */
int client_send(struct client *c, Lanu__V1__Request *req);

/* Sends bytes as given, as frames (for tests of what lanud refuses). */
int client_send_raw(struct client *c, const void *const *frames, const size_t *lens, size_t n);

/* Receives the next reply within timeout_ms (-1: forever). Returns 0, -ETIMEDOUT,
 * -EBADMSG (not a Reply). Caller frees *ret_reply with lanu__v1__reply__free_unpacked(). */
int client_recv(struct client *c, int timeout_ms, Lanu__V1__Reply **ret_reply);

/* client_send() then client_recv() until the reply with req's corr_id comes; other
 * replies are dropped. */
int client_call(struct client *c, Lanu__V1__Request *req, int timeout_ms,
		Lanu__V1__Reply **ret_reply);

/* The underlying ZeroMQ socket, for zmq_poll(). */
void *client_socket(struct client *c);

struct sub;

/* Subscribes to the alerts of recipients on lanud's publish endpoint. */
int sub_connect(const char *endpoint, char *const *recipients, size_t n, struct sub **ret_sub);
/* The same with CurveZMQ keys (k NULL: none). */
int sub_connect_with(const char *endpoint, const struct client_keys *k,
		     char *const *recipients, size_t n, struct sub **ret_sub);
struct sub *sub_free(struct sub *s);
void *sub_socket(struct sub *s);

/* Receives one live alert within timeout_ms. Returns 0, -ETIMEDOUT, -EBADMSG. */
int sub_recv(struct sub *s, int timeout_ms, Lanu__V1__Alert **ret_alert);

/* Now in milliseconds: since the epoch (UTC), or of the monotonic clock (for waits). */
uint64_t client_now_ms(void);
uint64_t client_mono_ms(void);

