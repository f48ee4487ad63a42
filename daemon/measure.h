/* The plan's measures: their statuses, schedules that end undone, the yearly reminder. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"
#include "plan.pb-c.h"

struct alert_pubq;
struct arena;
struct msg_error;
struct plan_index;
struct snapshot;
struct store_txn;

/* MeasureStatusUpdated, inside the batch's write transaction: the measure is the plan's,
 * the date a real one not after today; the status is appended to the measure's history.
 * Returns 0, -EINVAL with e filled (refused, not stored), or the sticky error. */
int measure_on_status(const struct snapshot *snap, struct store_txn *t,
		      const Lanu__V1__Envelope *ev, struct msg_error *e);

/* Sets the measures' watches for plan (stored as version), coming into force at now_ms,
 * in the transaction that stores it (planload.c): each measure's schedule end, if it
 * is after now_ms, and its next yearly reminder after now_ms. Returns 0 or the sticky
 * error. */
int measure_plan_watches(const Lanu__V1__Plan *plan, const struct plan_index *index,
			 uint64_t version, struct store_txn *t, uint64_t now_ms);

/* Fires the watches due by now_ms, at most max: MEASURE_OVERDUE once when a schedule
 * has ended without the measure done or established; MEASURE_REMINDER when a
 * measure has no status dated in the year the coming report is about. *ret_more,
 * *ret_next_at as indicator_watch(). Returns 0 or the sticky error. */
int measure_watch(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		  uint64_t now_ms, size_t max, bool *ret_more, uint64_t *ret_next_at);

/* The next watch's instant, 0 if none. */
uint64_t measure_next_at(struct store_txn *t);

/* MeasureQuery: the plan's measures with their statuses, made in arena. Returns 0,
 * -EINVAL with e filled, or the store's error. */
int measure_report(const struct snapshot *snap, struct store_txn *t,
		   const Lanu__V1__MeasureQuery *q, struct arena *arena,
		   Lanu__V1__MeasureReport *rep, struct msg_error *e);
