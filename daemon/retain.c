/*
 * retain: retention, the plan's limit on how long lanud keeps what it holds about one
 * child (docs/plan-format.md, retention; docs/security.md).
 *
 * Two kinds of subject: a case ("case:<id>": its clocks, events and alerts) and a
 * pupil ("pupil:<id>": its places on absence ladders, its reports, its notices and
 * their alerts). The store notes each record under its subject with the instant it was
 * last written and queues that instant (store_retain.c); this module walks each kind's
 * queue in order and takes what is older than the horizon, the start of the local day
 * the plan's retention goes back to from today. A case goes whole, and only once it is
 * closed: no clock of it open, nothing of it written since the horizon. A pupil's
 * records go one by one, each when it has not been written for the plan's time; a
 * place on a ladder is rewritten by every report of its period, and the plan requires
 * at least 12 months (longer than any review period), so a place goes only after its
 * period has ended. Aggregates stay: compliance counts, absence figures, the compliance
 * report's clocks (without their case), the alert log's sequence (alerts keep their
 * seq and kind, not their subject).
 *
 * Walking is bounded (max subjects per batch, like the clocks' firing) and happens in
 * the writer's batches: the same transaction, the same timer.
 */
#include "retain.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "msg.h"
#include "store.h"

static const Lanu__V1__Duration *
retain_of(const Lanu__V1__Plan *plan, enum store_subject_kind kind)
{
	const Lanu__V1__Duration *d;

	if (!plan || !plan->retention)
		return NULL;
	d = kind == STORE_SUBJECT_CASE ? plan->retention->cases : plan->retention->pupils;
	if (!d || d->count == 0)
		return NULL;
	switch (d->unit) {
	case LANU__V1__DURATION__UNIT__UNIT_DAYS:
	case LANU__V1__DURATION__UNIT__UNIT_WEEKS:
	case LANU__V1__DURATION__UNIT__UNIT_MONTHS:
		return d;
	default:
		return NULL;	/* plan_check refuses the others */
	}
}

/* day moved by d, back (sign < 0) or forward: calendar days, weeks, or months to the
 * same day number (the month's last day if it has fewer), as calendar.c counts them;
 * day itself if that leaves the calendar's years. */
static int32_t
retain_move(const Lanu__V1__Duration *d, int32_t day, int sign)
{
	int32_t out;
	int r = sign < 0 ? calendar_before_day(NULL, day, d->count, d->unit, &out)
			 : calendar_due_day(NULL, day, d->count, d->unit, false, &out);

	return r < 0 ? day : out;
}

/* The first instant whose horizon is past at_ms: the start of the first day d with
 * d moved back by r after at_ms's day. Moving forward and back never passes the day
 * it came from (a month's end only shortens), so the walk from there is short. */
static uint64_t
retain_due(const Lanu__V1__Duration *r, uint64_t at_ms)
{
	int32_t day = calendar_local_day(at_ms), d = retain_move(r, day, +1);

	while (retain_move(r, d, -1) <= day)
		d++;
	return calendar_day_start_ms(d);
}

uint64_t
retain_horizon(const Lanu__V1__Plan *plan, enum store_subject_kind kind, uint64_t now_ms)
{
	const Lanu__V1__Duration *r = retain_of(plan, kind);

	return r ? calendar_day_start_ms(retain_move(r, calendar_local_day(now_ms), -1)) : 0;
}

enum store_subject_kind
retain_subject(const Lanu__V1__Envelope *ev, char out[STORE_SUBJECT_MAX])
{
	msg_event_subject(ev, out, STORE_SUBJECT_MAX);
	return store_subject_kind(out);
}

int
retain_check(const struct snapshot *snap, struct store_txn *t, const Lanu__V1__Envelope *ev,
	     struct msg_error *e)
{
	enum store_subject_kind kind;
	char subject[STORE_SUBJECT_MAX], when[11], from[11];
	uint64_t horizon;
	int r;

	kind = retain_subject(ev, subject);
	if (kind == STORE_SUBJECT_NONE)
		return 0;
	horizon = retain_horizon(snap->plan, kind, snap->now_ms);
	if (!horizon || ev->occurred_at_ms >= horizon)
		return 0;
	if (kind == STORE_SUBJECT_CASE) {
		r = store_subject_held(t, subject);
		if (r != 0)
			return r < 0 ? r : 0;	/* a case still held takes its late events */
	}
	calendar_format_day(calendar_local_day(ev->occurred_at_ms), when);
	calendar_format_day(calendar_local_day(horizon), from);
	msg_errorf(e, "event.occurred_at_ms", "%s is before what the plan's retention keeps "
		   "(%s: %s, so nothing before %s): lanud no longer holds %s", when,
		   kind == STORE_SUBJECT_CASE ? "cases" : "pupils", retain_of(snap->plan, kind)->text,
		   from, kind == STORE_SUBJECT_CASE ? "that case" : "that pupil's records of then");
	return -EINVAL;
}

static uint64_t
retain_earliest(uint64_t a, uint64_t b)
{
	return !a || (b && b < a) ? b : a;
}

int
retain_purge(const struct snapshot *snap, struct store_txn *t, uint64_t now_ms, size_t max,
	     struct store_purged *acc, bool *ret_more, uint64_t *ret_next_at)
{
	static const enum store_subject_kind kinds[] = { STORE_SUBJECT_CASE, STORE_SUBJECT_PUPIL };
	uint64_t next_at = 0;
	bool more = false;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < ELEMENTSOF(kinds) && r >= 0; i++) {
		const Lanu__V1__Duration *ret = retain_of(snap->plan, kinds[i]);
		uint64_t horizon = retain_horizon(snap->plan, kinds[i], now_ms);
		char subject[STORE_SUBJECT_MAX];
		uint64_t at;

		if (!ret)
			continue;	/* kept for ever: the queue waits for a plan that says */
		while ((r = store_purge_first(t, kinds[i], &at, subject)) == 0) {
			if (at >= horizon) {
				next_at = retain_earliest(next_at, retain_due(ret, at));
				break;
			}
			if (n == max) {
				more = true;
				break;
			}
			store_purge_drop(t, at, subject);
			r = store_subject_purge(t, subject, horizon, kinds[i] == STORE_SUBJECT_CASE,
						acc);
			if (r < 0)
				break;
			n++;
		}
		if (r == -ENOENT)
			r = 0;
	}
	if (r < 0)
		return r;
	*ret_more = more;
	*ret_next_at = more ? 0 : next_at;
	return 0;
}

uint64_t
retain_next_at(const Lanu__V1__Plan *plan, struct store_txn *t)
{
	static const enum store_subject_kind kinds[] = { STORE_SUBJECT_CASE, STORE_SUBJECT_PUPIL };
	char subject[STORE_SUBJECT_MAX];
	uint64_t next_at = 0, at;

	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		const Lanu__V1__Duration *ret = retain_of(plan, kinds[i]);

		if (ret && store_purge_first(t, kinds[i], &at, subject) == 0)
			next_at = retain_earliest(next_at, retain_due(ret, at));
	}
	return next_at;
}
