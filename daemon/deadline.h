/* Access-time clocks: requests open them, deliveries stop them, time fires them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"

struct alert_pubq;
struct snapshot;
struct msg_error;
struct store_txn;

/* The service (and area, unless NULL, and stage) an event of kind ("service_requested",
 * ...) names, checked against the plan in force, in that order: 0 with *ret_svc, or
 * -EINVAL with e filled, naming the field. stage_needed: a multi-stage service's
 * event must name its stage. */
int deadline_check_target(const struct snapshot *snap, const char *kind, const char *service,
			  const char *area, const char *stage, bool stage_needed,
			  struct msg_error *e, const Lanu__V1__Service **ret_svc);

/* Event handlers, inside the batch's write transaction. Each returns 0, -EINVAL
 * with e filled (the event names something the plan in force does not have, or
 * lacks what its limit needs; it is refused and not stored), or the
 * transaction's sticky error. */
int deadline_on_requested(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			  const Lanu__V1__Envelope *ev, struct msg_error *e);
int deadline_on_provided(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			 const Lanu__V1__Envelope *ev, struct msg_error *e);
int deadline_on_cancelled(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			  const Lanu__V1__Envelope *ev, struct msg_error *e);
int deadline_on_postponed(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			  const Lanu__V1__Envelope *ev, struct msg_error *e);
/* Another system says a limit was missed: if lanud keeps that clock open, the two
 * merge (its DEADLINE_MISSED is raised now unless it already was); otherwise the
 * alert is raised from the event. */
int deadline_on_missed(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		       const Lanu__V1__Envelope *ev, struct msg_error *e);

/* Fires, in due order, at most max warnings, misses and expiries due at or before
 * now_ms. Returns how many clocks it handled, or the sticky error; *ret_more says
 * whether more are due; *ret_next_at (if not NULL) is then the instant of the next
 * one, 0 if none (or if more are due). */
int deadline_fire(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		  uint64_t now_ms, size_t max, bool *ret_more, uint64_t *ret_next_at);

#define DEADLINE_WAKE_MAX_MS 60000	/* the real clock is looked at at least this often */

/* When the clocks must be looked at next, after a batch that fired what was due at
 * now_ms and left the next warning or miss at next_at (0: none) and more due (more):
 * 0 at once; UINT64_MAX never, for a manual clock (it moves only by ClockSet, whose
 * batch fires what it made due); else the wait in ms, at most DEADLINE_WAKE_MAX_MS,
 * so a suspended machine or a wall clock set forward is noticed soon. */
uint64_t deadline_wake_in(uint64_t now_ms, uint64_t next_at, bool more, bool manual);

/* Working days from today to c's due day on its calendar, today counted if it is
 * one; negative (the working days since) once the due day is past. */
int32_t deadline_working_days_left(const struct snapshot *snap, const Lanu__V1__Clock *c,
				   int32_t today);
