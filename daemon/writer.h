/* The write path: batches of events, applied and committed by the writer thread. */
#pragma once

#include <protobuf-c/protobuf-c.h>

#include "lanu.pb-c.h"

struct lanud;
struct reply_to;
struct writer;

/* Starts the writer thread and arms the clocks from the store (those that fell due
 * while lanud was down fire in the first batches). Returns 0 or -errno. Free with
 * writer_free(), which waits for the batch in hand. */
int writer_new(struct lanud *d, struct writer **ret_writer);
struct writer *writer_free(struct writer *w);

/* The allocator to decode the next request with: the filling batch's arena, which
 * keeps it until the batch is answered. */
ProtobufCAllocator *writer_alloc(struct writer *w);

/* Queues req (an event or a ClockSet, decoded with writer_alloc()) from to, sent by
 * peer (zsock_peer(): NULL for ipc://, named so in the audit log), to be answered once
 * its batch is committed. Returns 1 if the batch is now full: stop reading until
 * writer.c resumes the socket. Loop thread. */
int writer_push(struct writer *w, const struct reply_to *to, const char *peer,
		Lanu__V1__Request *req);

/* A request decoded with writer_alloc() was answered without being queued: if the
 * batch holds nothing, its memory is reused. */
void writer_forget(struct writer *w);

/* Waits for the writer, then applies and commits what is queued on the calling
 * (loop) thread, and answers it all: afterwards no batch is out, so the plan may
 * change (a plan load, SIGHUP) or lanud may stop. Requests decoded with
 * writer_alloc() stay valid until writer_forget(). */
void writer_flush(struct writer *w);

/* Runs a batch soon even if nothing is queued: a new plan may have made something due
 * (retention, which it sets). Loop thread. */
void writer_wake(struct writer *w);
