/*
 * audit: what lanud records in its audit log (docs/security.md, "The audit log") and how
 * a record made on the loop reaches the store: queued, bounded, and appended by the
 * writer in its next batch's transaction. Refusals are coalesced per source.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"
#include "lanu/limits.h"	/* AUDIT_QUEUE_MAX, AUDIT_PAGE, ... */

struct audit;
struct event;
struct lanud;
struct msg_error;
struct store_txn;

/* A queued record, packed: what the writer appends. */
struct audit_buf {
	uint8_t *data;
	size_t len;
};

/* The queue and the coalescing windows of d (its event base and clock). Returns 0 or
 * -ENOMEM. Free with audit_free(), which drops what is still queued. */
int audit_new(struct lanud *d, struct audit **ret_audit);
struct audit *audit_free(struct audit *a);

/* The event to make active when records are queued (the writer's flush event). */
void audit_set_wake(struct audit *a, struct event *wake);

/* The name a record gives a peer: its authenticated name, or "ipc" (NULL). */
const char *audit_who(const char *peer);

/* --- records made on the loop (each a no-op while d->audit is NULL) ------------------- */

/* Queues r (at_ms 0: now); r is copied. A full queue counts it as dropped. */
void audit_note(struct lanud *d, Lanu__V1__AuditRecord *r);

/* A query answered to peer that reads alerts or a pupil's data (replay, open alerts,
 * one alert, a pupil's absences): its record; other requests make none. */
void audit_query(struct lanud *d, const char *peer, const Lanu__V1__Request *req,
		 const Lanu__V1__Reply *rep);

/* A request refused on arrival (req NULL if it did not decode), coalesced per peer. */
void audit_refused(struct lanud *d, const char *peer, const Lanu__V1__Request *req,
		   const struct msg_error *e);

/* A tcp:// peer the ZAP handler refused, coalesced per address; key is the refused
 * key's name ("" if unknown). */
void audit_peer_refused(struct lanud *d, const char *address, const char *key,
			const char *why);

/* Writes what the coalescing windows hold now (shutdown). */
void audit_flush(struct audit *a);

/* --- the writer's side ------------------------------------------------------------------ */

/* Whether records wait for a batch. */
bool audit_pending(const struct audit *a);

/* Moves the queued records to out (room for AUDIT_QUEUE_MAX + 1: one more says how many
 * were dropped). Returns how many. Loop thread; a NULL a has none. */
size_t audit_take(struct audit *a, struct audit_buf *out);

/* Appends v's records to the log in t (the writer thread: touches no struct audit).
 * Returns how many could not be (out of memory decoding them), for audit_release(). */
size_t audit_write(struct store_txn *t, const struct audit_buf *v, size_t n);

/* After the batch that carried v: frees them, and counts as dropped the unwritten ones,
 * or all if lost (its commit failed), so that the log says it lost them. Loop thread;
 * a may be NULL. */
void audit_release(struct audit *a, struct audit_buf *v, size_t n, size_t unwritten,
		   bool lost);
