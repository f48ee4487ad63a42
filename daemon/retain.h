/* Retention: what the plan says lanud keeps about each child, and for how long. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"
#include "plan.pb-c.h"
#include "store.h"

struct msg_error;
struct snapshot;
struct store_txn;

/* Who ev is about: writes "case:<id>" or "pupil:<id>" into out and returns its kind,
 * or writes "" and returns STORE_SUBJECT_NONE (indicators, measures, acknowledgements). */
enum store_subject_kind retain_subject(const Lanu__V1__Envelope *ev, char out[STORE_SUBJECT_MAX]);

/* The first instant of which nothing about a subject of kind is kept at now_ms: the
 * start of the local day the plan's retention goes back to from today. 0 if the plan
 * keeps that kind for ever. */
uint64_t retain_horizon(const Lanu__V1__Plan *plan, enum store_subject_kind kind,
			uint64_t now_ms);

/* Refuses an event about a time retention no longer keeps: a pupil's dated before the
 * pupils' horizon, a case's dated before the cases' horizon unless lanud still holds
 * the case (a late delivery to a clock still open is taken). Returns 0, -EINVAL with e
 * naming event.occurred_at_ms, or the sticky error. */
int retain_check(const struct snapshot *snap, struct store_txn *t, const Lanu__V1__Envelope *ev,
		 struct msg_error *e);

/* Purges, at now_ms, what the plan's retention no longer keeps: walks each kind's queue
 * in instant order, at most max subjects, and takes a case whole (once nothing of it is
 * newer than the horizon and no clock of it is open) and a pupil's records one by one.
 * Adds what it took to *acc. *ret_more: it stopped at max with more due; *ret_next_at:
 * when the next one falls due (0 if none). Returns 0 or the sticky error. */
int retain_purge(const struct snapshot *snap, struct store_txn *t, uint64_t now_ms, size_t max,
		 struct store_purged *acc, bool *ret_more, uint64_t *ret_next_at);

/* When the next purge falls due under plan (0 if none), for the writer's start. */
uint64_t retain_next_at(const Lanu__V1__Plan *plan, struct store_txn *t);
