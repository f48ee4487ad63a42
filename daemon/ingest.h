/* Requests in: frames checked and decoded, queries answered, events queued for the writer. */
#pragma once

#include <stddef.h>
#include <sys/uio.h>

struct zsock;

/* zsock_msg_fn for the ROUTER socket; arg is the struct lanud. */
int ingest_on_msg(struct zsock *z, const struct iovec *frames, size_t n, void *arg);
