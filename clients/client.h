/* Talking to lanud: a DEALER for requests, a SUB for live alerts. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"

struct client;

/* Connects a DEALER to lanud's ingest endpoint. Returns 0 or -errno. */
int client_connect(const char *endpoint, struct client **ret_client);
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
struct sub *sub_free(struct sub *s);
void *sub_socket(struct sub *s);

/* Receives one live alert within timeout_ms. Returns 0, -ETIMEDOUT, -EBADMSG. */
int sub_recv(struct sub *s, int timeout_ms, Lanu__V1__Alert **ret_alert);

/* "2026-01-31T12:00:00Z", "2026-01-31" (midnight UTC) or milliseconds -> ms. -EINVAL. */
int client_parse_time(const char *s, uint64_t *ret_ms);
/* ms -> "2026-01-31T12:00:00Z" */
void client_format_time(uint64_t ms, char buf[32]);
