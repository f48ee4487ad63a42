/* The plan's indicators: series of values, thresholds, trends, values that do not come. */
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

enum { INDICATOR_OK = 0, INDICATOR_WARNING = 1, INDICATOR_CRITICAL = 2 };

/* The level value v deserves, coming from level cur: past critical, past warning (or
 * the target, if the plan gives no warning), or fine; a level is left only when v is
 * margin clear of its threshold on the good side (a percent's margin stops at the end
 * of its scale). A tracked indicator, or one without thresholds, is always fine. */
int indicator_level(const Lanu__V1__Indicator *ind, double v, int cur, double margin);

/* IndicatorUpdated, inside the batch's write transaction: checks the value against the
 * plan (the indicator is reported; the period is one of its cadence; the breakdown's
 * dimensions are its own and the area the plan's; a percent lies in 0-100), stores it
 * as its period's value (the one it replaces kept as a revision) and, if its period is
 * the group's latest, judges it: a threshold crossed on the bad side raises
 * INDICATOR_THRESHOLD once, coming back margin clear RESOLVED; worse N periods in a row
 * INDICATOR_TREND. Returns 0, -EINVAL with e filled (refused, not stored), or the
 * sticky error. */
int indicator_on_updated(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			 const Lanu__V1__Envelope *ev, struct msg_error *e);

/* A value lanud computed for ind (compliance.c): stored as the period's value of group
 * (replacing the one before without keeping it: it is recomputed, not revised). */
void indicator_record(struct store_txn *t, const Lanu__V1__Indicator *ind, const char *group,
		      const char *period, double value, uint64_t count, uint64_t now_ms);

/* Sets the watches for plan (stored as version, with its index), coming into force at
 * now_ms, in the transaction that stores it (planload.c): one per reported indicator
 * with a cadence, kept where its cadence and due are as they were, placed anew at its
 * first period whose value is due after now_ms where not, dropped for indicators the
 * plan does not watch. Returns 0 or the sticky error. */
int indicator_plan_watches(const Lanu__V1__Plan *plan, const struct plan_index *index,
			   uint64_t version, struct store_txn *t, uint64_t now_ms);

/* A pupil's place on a ladder changed from old (NULL: none) to st (absence.c): the
 * indicators computed from that ladder (`source: {kind: absences}`) count the pupil in
 * the period's value of its groups (the whole, its school's area, its grade) as at the
 * level or not, and judge each value that changed, if its period is the group's latest.
 * Returns 0 or the sticky error. */
int indicator_absences(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		       const Lanu__V1__AbsenceState *old, const Lanu__V1__AbsenceState *st);

/* Raises INDICATOR_STALE for each watched period due by now_ms that has no value in any
 * group, at most max, and moves each watch on a period. *ret_more: it stopped at max;
 * *ret_next_at: the next watch's instant (0 if none). Returns 0 or the sticky error. */
int indicator_watch(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		    uint64_t now_ms, size_t max, bool *ret_more, uint64_t *ret_next_at);

/* The next watch's instant, 0 if none (for the writer's start). */
uint64_t indicator_next_at(struct store_txn *t);

/* IndicatorQuery: the series of the plan's indicators into rep, made in arena. Returns
 * 0, -EINVAL with e filled, or the store's error. */
int indicator_report(const struct snapshot *snap, struct store_txn *t,
		     const Lanu__V1__IndicatorQuery *q, struct arena *arena,
		     Lanu__V1__IndicatorReport *rep, struct msg_error *e);
