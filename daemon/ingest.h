/* Requests in: decode, queue, commit a batch in one transaction, then reply. */
#pragma once

#include <stddef.h>
#include <zmq.h>

struct ingest;
struct lanud;
struct zsock;

/* Returns 0 or -ENOMEM. Free with ingest_free(). */
int ingest_new(struct lanud *d, struct ingest **ret_ingest);
struct ingest *ingest_free(struct ingest *in);

/* zsock_msg_fn for the ROUTER socket. */
int ingest_on_msg(struct zsock *z, zmq_msg_t *frames, size_t n, void *arg);

/* Commits and answers whatever is queued, now (used on shutdown). */
void ingest_flush(struct ingest *in);
