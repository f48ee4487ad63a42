/*
 * libFuzzer target: the access-time clocks (daemon/deadline.c) in-process, driven the
 * way ingest.c drives them but with no socket and no lanud. Each input is a sequence of
 * operations (ServiceRequested, ServiceProvided, CaseCancelled, ServicePostponed, another
 * system's DeadlineMissed, moving the manual clock, firing) applied to an empty store
 * under the fixed plan below; after each step the store must hold what
 * docs/deadlines.md promises:
 *
 *  1. the alert log is gap-free (seq 1..last, each found by its dedup key) and has per
 *     clock at most one warning, one miss and one resolution, the warning before the
 *     miss and the resolution after it; a clock that opened after its due instant is
 *     not warned of;
 *  2. the alerts one advance fires (one or more deadline_fire() calls for the same now)
 *     come in the order of their instants (a warning at warn_at_ms, a miss at
 *     due_at_ms + 1), none of them after now;
 *  3. once everything due by now has fired, no open, unpostponed clock has a warning
 *     at or before now or a miss before now left, and the fire index starts after now;
 *     firing again at the same now changes nothing;
 *  4. the indexes agree with the records: status open_clocks and the due query count
 *     exactly the open clocks (a due query with the step's area, service, `within` and
 *     `limit` lists those it should, soonest first), every record's next_at_ms is its
 *     next warning, miss or expiry and the fire index starts at the earliest, and an
 *     open clock is due on or after its start day, at the last millisecond of its due
 *     day (local time);
 *  5. every compliance row adds up (opened = met + late + missed + pending + cancelled
 *     + postponed, share_met in [0, 1] or -1), and the rows agree with the clocks, over
 *     all time and over the step's period;
 *  6. a refused event (-EINVAL, -ENOENT) changes nothing: seen from inside its own
 *     transaction (ingest.c goes on with the batch's transaction after a refusal) the
 *     store and the alerts queued for publishing are as they were; the transaction is
 *     then aborted. Names the plan does not have are always refused;
 *  7. each compliance indicator's counts (all months, per group) are those of its
 *     clocks: met when provided in time, not met once missed or provided late, not
 *     at all once cancelled or postponed;
 *  8. escalation (plan A's route: a miss unacknowledged for 2 working days goes to the
 *     board; nothing is acknowledged here): every DEADLINE_MISSED has its chain, whose
 *     step is 2 working days on the calendar of its area after its raise, at the raise's
 *     local time of day (none if that calendar has no such day); an ESCALATION alert
 *     names a miss logged before it, by its dedup key "escalation/SEQ/1", is raised at
 *     or after the step's instant, once per miss, to sup (the route of kind escalation)
 *     and the board, one severity up (still critical); once everything due has fired,
 *     every miss whose step is due has its escalation and the escalations' fire index
 *     starts after now.
 *
 * A broken invariant prints what broke and aborts. LANU_FUZZ_TRACE=1 prints each
 * operation as it is applied, to read an input by.
 *
 * Each event is applied as a batch of one is by ingest_apply(): the handler, then
 * deadline_fire() and alert_escalate() in the same write transaction, then more
 * transactions of both while they say more are due. The input, a byte at a time (0 past
 * its end), at most FUZZ_OPS operations:
 *
 *	op byte		bits 0-3 the operation, bits 4-6 the case (c0..c7)
 *	  0-3		ServiceRequested: svc byte, who byte, time byte (requested at)
 *	  4-6		ServiceProvided: svc byte, time byte (provided at)
 *	  7		CaseCancelled: svc byte, time byte (occurred at)
 *	  8		ServicePostponed: svc byte
 *	  9		DeadlineMissed from another system: svc byte
 *	  10, 11	advance the clock by the span byte, then fire
 *	  15		the same, but firing in smaller batches than ingest's LANU_FIRE_MAX:
 *			span byte, then a byte: 1 + (byte & 3) a deadline_fire() call
 *	  12		advance the clock by the span byte, not firing yet
 *	  13		advance to the next warning, miss or expiry: byte bits 0-1 add
 *			-1, 0, +1, +2 ms, bit 2 set: not firing yet
 *	  14		fire again at the same now
 *	svc byte	bits 0-2 service, 3-5 stage, 6-7 area (fuzz_services, ...)
 *	who byte	bits 0-2 age group, 3-4 language group, 5 urgent
 *	time byte	v = bits 0-5; bits 6-7: 0 now - v hours, 1 now - v days, 2 now + v
 *			hours, 3 T0 + 5v days if v < 32, else the due instant of the case's
 *			clock (of that service and stage) + (v & 3) - 1 ms
 *	span byte	(v + 1) times 10 minutes, an hour, a day, a week for bits 6-7
 *
 * The clock starts at T0 and stops at T0 + 730 days. The store lives in /dev/shm where
 * there is one (a commit's fsync is free there), else in $TMPDIR or /tmp. It is opened
 * once and emptied by store_clear() before each input: opening an LMDB environment
 * (and, under ASan, its megabytes of page lists) cost more than most inputs. For the
 * same reason the clocks the checks read are decoded into an arena, and a refused
 * event's "before" is taken only once it is refused, by a reader beside its open
 * write transaction, which sees what was committed.
 *
 * Every invariant above is checked after every step; what makes that affordable:
 * check_state() decodes each clock record once per store version (store_version():
 * LMDB's last commit; walk_clocks() into fz.arena) and all its checks read that walk.
 * A step that commits nothing (a refused event, a fire with nothing due, a move of the
 * clock alone: about half of them) leaves the same bytes, so the walk is kept, and
 * with it what was checked of the records whatever now is (check_clock(): the fire
 * index entries, days, hashes; check_counts(): the indicators' counts). What depends
 * on now, the step or whether everything has fired (check_clock_now(): the clocks
 * left unwarned or unmissed, the tallies the reports must match; the alert log, the
 * status and fire index against the walk; the due queries; the compliance reports) is
 * checked every step. A check that passed is not made again while its inputs are the
 * same (struct memo): a compliance report while the records of its service (hashed as
 * packed) and now are those it passed on, the due query of every open clock while all
 * records and now are. What is committed is fingerprinted once per store version, so
 * a refused event's "before" and "after", and firing again, reuse it while nothing was
 * committed; a refused event's "inside" is always read in full. This file is not
 * instrumented for coverage (CMakeLists.txt): libFuzzer is guided by the daemon's
 * code, not the checks'.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "arena.h"
#include "calendar.h"
#include "compliance.h"
#include "deadline.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "log.h"
#include "msg.h"
#include "plan.h"
#include "fuzz_plan_clocks.h"
#include "fuzz_store.h"
#include "plan_index.h"
#include "query.h"
#include "store.h"
#include "timesrc.h"

#define FUZZ_OPS	 64	/* operations per input */
#define FUZZ_IDS	 512	/* clock ids an input can reach (3 an op), with room to spare */
#define FUZZ_ID_MARGIN	 16	/* clocks one step can make, with room to spare */
#define FUZZ_MAP	 (32ULL << 20)
#define HOUR_MS		 (3600ULL * 1000)
#define DAY_MS		 (24 * HOUR_MS)
#define T0_MS		 1759302000000ULL	/* 2025-10-01 10:00 +03:00, a Wednesday */
#define END_MS		 (T0_MS + 730 * DAY_MS)

#define S_OPEN		LANU__V1__CLOCK__STATE__STATE_OPEN
#define S_MET		LANU__V1__CLOCK__STATE__STATE_MET
#define S_LATE		LANU__V1__CLOCK__STATE__STATE_LATE
#define S_CANCELLED	LANU__V1__CLOCK__STATE__STATE_CANCELLED
#define S_EARLY		LANU__V1__CLOCK__STATE__STATE_EARLY
#define K_WARNING	LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_WARNING
#define K_MISSED	LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED
#define K_RESOLVED	LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED
#define K_COMPLIANCE	LANU__V1__ALERT_KIND__ALERT_KIND_COMPLIANCE_BELOW_TARGET
#define K_ESCALATION	LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION
#define FUZZ_MISSES	 (FUZZ_IDS + FUZZ_OPS)	/* misses an input can log (clocks', reported) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Two areas, the school with a calendar of terms, an autumn break and a working
 * Saturday; a one-stage working-day service counted on the area's calendar; a months
 * service whose rule changes with the year (and has none after 2026); an urgent limit
 * that needs the age; four stages: at the request, after the first, at their own event,
 * and at the request again (refusing an urgent request without an age after the first
 * was worked out); compliance indicators: one with a breakdown (gender is not on a
 * clock), one of a stage with only a target, one lower-is-better; every alert kind
 * routed to sup. */
static const char plan_text[] =
	"lanu-plan: 1\n"
	"plan: {id: fuzz-deadline, organiser: Fuzz, title: Clock fuzzing plan, period: 2025-2027}\n"
	FUZZ_CLOCK_PLAN_BODY;

/* The names an operation picks from: collisions are the point. */
static const char *const fuzz_cases[8] = { "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7" };
static const char *const fuzz_services[8] = { "wd", "mo", "urg", "staged",
					      "wd", "staged", "staged", "nope" };
static const char *const fuzz_stages[8] = { "", "", "a", "b", "c", "", "d", "zz" };
static const char *const fuzz_areas[4] = { "town", "school", "school", "nowhere" };
static const char *const fuzz_ages[8] = { "", "7-17", "15", "3", "23-", "abc", "17-7", "18-" };
static const char *const fuzz_langs[4] = { "", "fi", "sv", "fi" };

/* The plan's services and compliance indicators, for the checks. */
static const char *const plan_services[] = { "wd", "mo", "urg", "staged" };
static const struct {
	const char *id, *service, *stage;
	bool area, language, age;	/* its breakdown */
} plan_indicators[] = {
	{ "wd-in-time", "wd", "", true, true, true },
	{ "staged-b-in-time", "staged", "b", false, false, false },
	{ "mo-kept", "mo", "", false, true, false },
};

struct run;

/* Set up once: the plan and what is compiled from it, and the store, emptied by
 * store_clear() for each input (opening one per input cost more than the input). */
static struct {
	bool ready;
	bool trace;
	struct lanud d;
	char dir[256];	/* a fresh name; the store's files are removed once open */
	struct run *run;	/* one input's, cleared for the next */
	struct arena arena;	/* records the checks decode, reset after each look */
} fz;

/* The alerts of one clock: their seqs, 0 for none; and when it opened: now at the step
 * in which it first appeared. */
struct seen {
	uint64_t warning, missed, resolved;
	uint64_t born_ms;
};

/* A miss and its escalation: the instant its step is due, the escalation's seq (0: not
 * yet). */
struct esc_want {
	uint64_t seq, at, escalated;
};

/* The clocks of one service, counted as a compliance report counts them. */
struct tally {
	uint64_t opened, met, late, missed, pending, cancelled, postponed;
};

struct walk;

/* A check that passed, and the inputs it passed on: the records of the clocks it reads
 * (their hash, 0 for none yet) and now. Made again on the same inputs it could not
 * answer differently, so it is not (see check_state()). */
struct memo {
	uint64_t hash, now_ms;
};

/* What a refused event must leave as it was. */
struct fingerprint {
	uint64_t last_seq;
	uint64_t open_clocks;
	uint64_t next_at;
	uint64_t clocks;
	uint64_t hash;		/* FNV-1a of every clock record and indicator count */
	size_t queued;
};

/* One input's run. */
struct run {
	struct lanud *d;
	struct alert_pubq q;
	uint64_t now_ms;
	bool settled;		/* everything due by now_ms has fired */
	uint64_t max_id;	/* the highest clock id seen */
	uint64_t checked;	/* alerts 1..checked have been checked */
	unsigned op;		/* the operation being applied, from 1 */
	char what[256];		/* and what it is, for messages */
	struct seen seen[FUZZ_IDS];
	struct esc_want esc[FUZZ_MISSES];	/* every miss logged, in seq order */
	size_t n_esc;
	struct walk *walk;	/* check_state()'s, kept from step to step */
	/* the memos: compliance reports by service, of all time, by all and per period */
	struct memo comp[4][2 + 8];
	struct memo due;	/* the due query of every open clock */
	/* what is committed, by store version (0 for not known): the fingerprint of it, and
	 * the clocks' part of one from check_state()'s walk */
	uint64_t fp_version, walk_version;
	struct fingerprint fp;
	uint64_t walk_hash, walk_clocks;
};

/* What the handlers read at the run's now, as the writer hands them a batch. */
static const struct snapshot *
fuzz_snap(struct run *r)
{
	static struct snapshot snap;

	snap = lanud_snapshot(r->d, r->now_ms);
	return &snap;
}

static void _printf_(3, 4) __attribute__((noreturn))
fuzz_fail(const struct run *r, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_deadline: ");
	if (r) {
		char day[11];

		calendar_format_day(calendar_local_day(r->now_ms), day);
		fprintf(stderr, "op %u (%s), now T0%+.4fd (%s): ", r->op, r->what,
			((double)r->now_ms - (double)T0_MS) / (double)DAY_MS, day);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " [%s]\n", cond);
	abort();
}

#define CHECK(r, cond, ...)                                                                        \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail((r), #cond, __VA_ARGS__);                                        \
	} while (0)

/* An instant as T0 plus days, for messages. */
static const char *
fuzz_at(uint64_t ms, char buf[40])
{
	snprintf(buf, 40, "T0%+.4fd", ((double)ms - (double)T0_MS) / (double)DAY_MS);
	return buf;
}

static const char *
fuzz_strerror(int r)
{
	return strerror(r < 0 ? -r : r);
}

/* --- the store, walked ---------------------------------------------------------------- */

typedef void (*clock_fn)(struct run *r, const Lanu__V1__Clock *c, void *arg);

/* Every clock record, by id. Ids are given out in order and never reused and a step
 * makes fewer than FUZZ_ID_MARGIN, so those after the highest seen so far are found
 * too; ids left free by deleted early deliveries are passed over. The records are
 * decoded into fz.arena: kept there (until check_state() resets it) if keep, else
 * each is let go when fn returns. */
static void
walk_clocks(struct run *r, struct store_txn *t, clock_fn fn, void *arg, bool keep)
{
	uint64_t end = r->max_id + FUZZ_ID_MARGIN;

	for (uint64_t id = 1; id <= end; id++) {
		struct arena_mark m = arena_mark(&fz.arena);
		Lanu__V1__Clock *c;
		int rc = store_clock_get(t, id, &fz.arena.pa, &c);

		if (rc == -ENOENT)
			continue;
		CHECK(r, rc == 0, "clock %" PRIu64 " cannot be read: %s", id, fuzz_strerror(rc));
		CHECK(r, c->id == id, "clock %" PRIu64 " is stored with id %" PRIu64, id, c->id);
		CHECK(r, id < FUZZ_IDS, "more clocks than the fuzzer keeps track of");
		if (id > r->max_id) {
			r->max_id = id;
			end = id + FUZZ_ID_MARGIN;
		}
		fn(r, c, arg);
		if (!keep)
			arena_rewind(&fz.arena, m);
	}
}

#define FNV_BASIS 14695981039346656037ULL

static void
hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 1099511628211ULL;
}

/* Adds clock record c (packed again: equal records pack alike) to the hash h; a hash
 * of records adds theirs, from FNV_BASIS, to its own. */
static void
hash_clock(struct run *r, uint64_t *h, const Lanu__V1__Clock *c)
{
	uint8_t buf[4096];
	size_t len = lanu__v1__clock__get_packed_size(c);

	CHECK(r, len <= sizeof(buf), "clock %" PRIu64 " packs to %zu bytes", c->id, len);
	lanu__v1__clock__pack(c, buf);
	hash_bytes(h, buf, len);
}

static void
fingerprint_clock(struct run *r, const Lanu__V1__Clock *c, void *arg)
{
	struct fingerprint *fp = arg;
	uint64_t h = FNV_BASIS;

	hash_clock(r, &h, c);
	hash_bytes(&fp->hash, &h, sizeof(h));
	fp->clocks++;
}

/* The fingerprint of what t sees, whose clock records hash to clock_hash (from FNV_BASIS,
 * in id order, as fingerprint_clock() adds them) and are n. */
static void
fingerprint_with(struct run *r, struct store_txn *t, uint64_t clock_hash, uint64_t n,
		 struct fingerprint *fp)
{
	struct store_stat st;
	int rc;

	memset(fp, 0, sizeof(*fp));
	rc = store_stat(t, &st);
	CHECK(r, rc == 0, "no status: %s", fuzz_strerror(rc));
	fp->last_seq = store_last_alert_seq(t);	/* this transaction's own, too */
	fp->open_clocks = st.open_clocks;
	fp->next_at = store_clock_next_at(t);
	fp->hash = clock_hash;
	fp->clocks = n;
	for (size_t i = 0; i < ELEMENTSOF(plan_indicators); i++) {
		static const char *const groups[] = { "", "area=town", "area=school",
						      "language=fi", "language=sv" };

		for (size_t j = 0; j < ELEMENTSOF(groups); j++) {
			uint64_t v[4];	/* met, not met, level, the seq of its alert */

			rc = store_comp_sum(t, plan_indicators[i].id, groups[j], "0000-01",
					    "9999-12", &v[0], &v[1]);
			CHECK(r, rc == 0, "indicator counts cannot be read: %s", fuzz_strerror(rc));
			v[2] = (uint64_t)store_comp_level(t, plan_indicators[i].id, groups[j],
							  &v[3]);
			hash_bytes(&fp->hash, v, sizeof(v));
		}
	}
	fp->queued = r->q.n;
}

/* The fingerprint of what t sees, every clock record read. */
static void
fingerprint(struct run *r, struct store_txn *t, struct fingerprint *fp)
{
	struct fingerprint clocks = { .hash = FNV_BASIS };

	walk_clocks(r, t, fingerprint_clock, &clocks, false);
	fingerprint_with(r, t, clocks.hash, clocks.clocks, fp);
}

/* The fingerprint of what is committed, from a read transaction (beside a write
 * transaction, if one is open). What is committed changes only with the store's
 * version: at the version of the last one taken, that one is the answer; at the version
 * check_state() last read, the clocks' part is its walk's. */
static void
committed_fingerprint(struct run *r, struct fingerprint *fp)
{
	struct store_txn t;
	uint64_t v;

	store_begin(r->d->store, &t, STORE_RO);
	CHECK(r, !t.err, "no read transaction: %s", fuzz_strerror(t.err));
	v = store_version(&t);
	if (v != r->fp_version) {
		if (v == r->walk_version)
			fingerprint_with(r, &t, r->walk_hash, r->walk_clocks, &r->fp);
		else
			fingerprint(r, &t, &r->fp);
		r->fp_version = v;
	}
	store_abort(&t);
	*fp = r->fp;
	fp->queued = r->q.n;
}

static void
same_fingerprint(struct run *r, const struct fingerprint *a, const struct fingerprint *b,
		 const char *when)
{
	CHECK(r, a->last_seq == b->last_seq, "%s: the last alert seq went from %" PRIu64
	      " to %" PRIu64, when, a->last_seq, b->last_seq);
	CHECK(r, a->open_clocks == b->open_clocks, "%s: open clocks went from %" PRIu64
	      " to %" PRIu64, when, a->open_clocks, b->open_clocks);
	CHECK(r, a->next_at == b->next_at, "%s: the next deadline went from %" PRIu64
	      " to %" PRIu64, when, a->next_at, b->next_at);
	CHECK(r, a->clocks == b->clocks, "%s: clock records went from %" PRIu64 " to %" PRIu64,
	      when, a->clocks, b->clocks);
	CHECK(r, a->hash == b->hash, "%s: a clock record or an indicator count changed", when);
	CHECK(r, a->queued == b->queued, "%s: alerts queued for publishing went from %zu to %zu",
	      when, a->queued, b->queued);
}

/* --- what the checks share ------------------------------------------------------------- */

static bool
memo_hit(const struct memo *m, uint64_t hash, uint64_t now_ms)
{
	return m->hash == hash && m->now_ms == now_ms;
}

/* What an indicator should have counted for one group, over all months. */
struct group {
	size_t ind;	/* in plan_indicators */
	char name[3 * LANU_MAX_NAME];
	uint64_t met, not_met;
};

/* An open clock, as a due query sees it. */
struct open_clock {
	uint64_t due_at, id;
	const char *area, *service;	/* static: from the fuzzer's tables */
};

/* The step's compliance period, with its first and last day as stated here (NULL: it
 * is not a period). */
static const struct {
	const char *period, *from, *to;
} fuzz_periods[] = {
	{ "2025", "2025-01-01", "2025-12-31" },
	{ "2025-Q4", "2025-10-01", "2025-12-31" },
	{ "2026-H1", "2026-01-01", "2026-06-30" },
	{ "2025-10", "2025-10-01", "2025-10-31" },
	{ "2025-10-06..2025-11-30", "2025-10-06", "2025-11-30" },
	{ "2026-02", "2026-02-01", "2026-02-28" },
	{ "2025-H3", NULL, NULL },
	{ "2025-12-01..2025-11-30", NULL, NULL },
};

/* What check_state() reads once and its checks share: every clock record as it
 * is at the step's end, and what follows from them. */
struct walk {
	const Lanu__V1__Clock *clk[FUZZ_IDS];	/* by id, NULL for none; in fz.arena */
	uint8_t svc[FUZZ_IDS];	/* by id: the clock's service in plan_services */
	uint64_t clocks;
	uint64_t hash;	/* of the records, in id order (as fingerprint_clock() adds them) */
	uint64_t svc_hash[ELEMENTSOF(plan_services)];	/* of those of each service */
	uint64_t open, min_next;
	struct tally tally[ELEMENTSOF(plan_services)];
	struct tally period[ELEMENTSOF(plan_services)];	/* of fuzz_periods[r->op % n] */
	bool open_ids[FUZZ_IDS];
	struct open_clock opens[FUZZ_IDS];
	struct open_clock want[FUZZ_IDS];	/* check_due_query()'s */
	struct group groups[64];
	size_t n_groups;
};

/* --- invariant 1: the alert log --------------------------------------------------------- */

/* --- invariant 8: escalation ---------------------------------------------------------- */

/* The instant of plan A's escalation step of miss a: 2 working days after its raise on
 * the calendar of its area (or the nearest area above it with one, else national), at
 * the raise's local time of day; 0 if that calendar has no such day (the school's terms
 * have ended): then the miss has no chain. */
static uint64_t
esc_instant(struct run *r, const Lanu__V1__Alert *a)
{
	const struct snapshot *snap = fuzz_snap(r);
	const char *id = plan_index_area_calendar(snap->index, a->area);
	const struct calendar *cal = calendar_get(snap->calendars, id ? id : CALENDAR_NATIONAL);
	int32_t day;

	CHECK(r, cal, "miss %" PRIu64 " in '%s' has no calendar", a->seq, a->area);
	if (calendar_due_day(cal, calendar_local_day(a->raised_at_ms), 2,
			     LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS, false, &day) < 0)
		return 0;
	return calendar_day_time_ms(day, a->raised_at_ms);
}

/* A miss just logged: remembered with its step's instant, and its chain is stored (or
 * has fired already, in the same step). */
static void
esc_miss(struct run *r, struct store_txn *t, const Lanu__V1__Alert *a)
{
	Lanu__V1__PendingEscalation *p;
	struct esc_want *e;
	char b1[40], b2[40];
	int rc;

	CHECK(r, r->n_esc < FUZZ_MISSES, "more than %d misses", FUZZ_MISSES);
	e = &r->esc[r->n_esc++];
	*e = (struct esc_want){ a->seq, esc_instant(r, a), 0 };
	rc = store_esc_get(t, a->seq, NULL, &p);
	CHECK(r, e->at || rc == -ENOENT, "miss %" PRIu64 " has an escalation, but no working "
	      "day to escalate on", a->seq);
	if (rc == -ENOENT)
		return;		/* fired already: check_alert() of its escalation tells */
	CHECK(r, rc == 0, "the escalation of miss %" PRIu64 " cannot be read: %s", a->seq,
	      fuzz_strerror(rc));
	CHECK(r, p->alert_seq == a->seq && p->n_steps == 1 && p->n_at_ms == 1 && p->next == 0 &&
	      p->at_ms[0] == e->at && p->steps[0]->n_to == 1 &&
	      strcmp(p->steps[0]->to[0], "board") == 0,
	      "the escalation of miss %" PRIu64 " is due at %s (step %u of %zu), expected one "
	      "step to board at %s", a->seq, fuzz_at(p->n_at_ms ? p->at_ms[0] : 0, b1),
	      p->next, p->n_steps, fuzz_at(e->at, b2));
	lanu__v1__pending_escalation__free_unpacked(p, NULL);
}

/* Whether alert seq has an escalation chain pending. */
static bool
esc_pending(struct run *r, struct store_txn *t, uint64_t seq)
{
	Lanu__V1__PendingEscalation *p;
	int rc = store_esc_get(t, seq, NULL, &p);

	CHECK(r, rc == 0 || rc == -ENOENT, "the escalation of alert %" PRIu64 " cannot be "
	      "read: %s", seq, fuzz_strerror(rc));
	if (rc == 0)
		lanu__v1__pending_escalation__free_unpacked(p, NULL);
	return rc == 0;
}

/* An ESCALATION alert: of a miss logged before it, at or after its instant, once. */
static void
esc_alert(struct run *r, struct store_txn *t, const Lanu__V1__Alert *a)
{
	const Lanu__V1__AlertFacts *f = a->facts;
	struct esc_want *e = NULL;
	Lanu__V1__Alert *orig;
	char key[64], b1[40], b2[40];
	int rc;

	CHECK(r, f && f->step == 1 && f->alert_seq > 0 && f->alert_seq < a->seq,
	      "escalation %" PRIu64 " names step %u of alert %" PRIu64, a->seq, f ? f->step : 0,
	      f ? f->alert_seq : 0);
	snprintf(key, sizeof(key), "escalation/%" PRIu64 "/1", f->alert_seq);
	CHECK(r, strcmp(a->dedup_key, key) == 0, "escalation %" PRIu64 " has the key '%s'",
	      a->seq, a->dedup_key);
	for (size_t i = 0; i < r->n_esc && !e; i++)
		if (r->esc[i].seq == f->alert_seq)
			e = &r->esc[i];
	CHECK(r, e && e->at, "escalation %" PRIu64 " escalates alert %" PRIu64 ", not a miss "
	      "with a step", a->seq, f->alert_seq);
	CHECK(r, !e->escalated, "miss %" PRIu64 " escalated twice: alerts %" PRIu64 " and %"
	      PRIu64, e->seq, e->escalated, a->seq);
	CHECK(r, a->raised_at_ms >= e->at && a->raised_at_ms <= r->now_ms,
	      "miss %" PRIu64 " escalated at %s, its step is at %s", e->seq,
	      fuzz_at(a->raised_at_ms, b1), fuzz_at(e->at, b2));
	rc = store_get_alert(t, e->seq, &orig);
	CHECK(r, rc == 0, "miss %" PRIu64 " cannot be read", e->seq);
	CHECK(r, !orig->ack && f->alert_kind == K_MISSED &&
	      strcmp(a->subject, orig->subject) == 0 && strcmp(a->area, orig->area) == 0 &&
	      strcmp(a->service, orig->service) == 0 &&
	      a->severity == LANU__V1__SEVERITY__SEVERITY_CRITICAL && a->n_recipients == 2 &&
	      strcmp(a->recipients[0], "sup") == 0 && strcmp(a->recipients[1], "board") == 0,
	      "escalation %" PRIu64 " does not match miss %" PRIu64 " (kind %d, %s in %s, "
	      "severity %d, %zu recipients)", a->seq, e->seq, f->alert_kind, a->service, a->area,
	      a->severity, a->n_recipients);
	lanu__v1__alert__free_unpacked(orig, NULL);
	CHECK(r, !esc_pending(r, t, e->seq), "miss %" PRIu64 " escalated and its chain is still "
	      "pending", e->seq);
	e->escalated = a->seq;
}

/* Everything due has fired: each miss whose step has come has its escalation, the others
 * have a pending chain, and the fire index starts after now. */
static void
esc_settled(struct run *r, struct store_txn *t)
{
	uint64_t next = store_esc_next_at(t);
	char b1[40];

	for (size_t i = 0; i < r->n_esc; i++) {
		const struct esc_want *e = &r->esc[i];

		if (!e->at) {
			CHECK(r, !esc_pending(r, t, e->seq), "miss %" PRIu64 " has an escalation "
			      "pending, but no working day to escalate on", e->seq);
			continue;
		}
		CHECK(r, e->escalated || e->at > r->now_ms, "miss %" PRIu64 " is not escalated, "
		      "its step came at %s", e->seq, fuzz_at(e->at, b1));
		CHECK(r, e->escalated || esc_pending(r, t, e->seq),
		      "miss %" PRIu64 " has no escalation pending", e->seq);
	}
	CHECK(r, next == 0 || next > r->now_ms, "everything due has fired, yet the escalations' "
	      "fire index starts at %s", fuzz_at(next, b1));
}

/* The clock id of a "clock/ID/how" key and its how, or 0. */
static uint64_t
clock_key(const char *key, const char **ret_how)
{
	char *end;
	uint64_t id;

	if (strncmp(key, "clock/", 6) != 0)
		return 0;
	id = strtoull(key + 6, &end, 10);
	if (end == key + 6 || *end != '/')
		return 0;
	*ret_how = end + 1;
	return id;
}

static void
check_alert(struct run *r, struct store_txn *t, const struct walk *w, uint64_t seq, uint64_t last)
{
	const Lanu__V1__Clock *c;
	Lanu__V1__Alert *a;
	const char *how = "";
	struct seen *s;
	uint64_t id, kseq;
	char b1[40], b2[40];
	int rc;

	rc = store_get_alert(t, seq, &a);
	CHECK(r, rc == 0, "alert %" PRIu64 " of 1..%" PRIu64 " cannot be read (%s): the log has "
	      "a gap", seq, last, fuzz_strerror(rc));
	CHECK(r, a->seq == seq, "alert %" PRIu64 " says it is %" PRIu64, seq, a->seq);
	if (fz.trace)
		fprintf(stderr, "    alert %" PRIu64 ": %s %s\n", seq,
			protobuf_c_enum_descriptor_get_value(&lanu__v1__alert_kind__descriptor,
							     a->kind)->name,
			*a->dedup_key ? a->dedup_key : a->subject);
	CHECK(r, a->n_recipients > 0, "alert %" PRIu64 " ('%s') went to nobody, but the plan "
	      "routes every kind to sup", seq, a->dedup_key);
	if (*a->dedup_key) {
		rc = store_alert_by_key(t, a->dedup_key, &kseq);
		CHECK(r, rc == 0 && kseq == seq, "dedup key '%s' of alert %" PRIu64 " finds %s %"
		      PRIu64, a->dedup_key, seq, rc == 0 ? "alert" : "nothing", rc == 0 ? kseq : 0);
	}
	if (a->kind == K_MISSED)
		esc_miss(r, t, a);
	if (a->kind == K_ESCALATION) {
		esc_alert(r, t, a);
		lanu__v1__alert__free_unpacked(a, NULL);
		return;
	}
	id = clock_key(a->dedup_key, &how);
	if (id == 0) {
		/* An indicator's, or another system's miss of a clock lanud does not keep. */
		bool indicator = strncmp(a->subject, "indicator:", 10) == 0;

		CHECK(r, (indicator && (a->kind == K_COMPLIANCE || a->kind == K_RESOLVED)) ||
		      (a->kind == K_MISSED && strncmp(a->dedup_key, "deadline-missed/", 16) == 0),
		      "alert %" PRIu64 " of kind %d ('%s', key '%s') is not one the clocks raise",
		      seq, a->kind, a->subject, a->dedup_key);
		lanu__v1__alert__free_unpacked(a, NULL);
		return;
	}
	CHECK(r, id < FUZZ_IDS, "alert %" PRIu64 " is about clock %" PRIu64, seq, id);
	c = w->clk[id];		/* as this transaction's walk read it */
	CHECK(r, c, "alert %" PRIu64 " ('%s') is about a clock that is not there", seq,
	      a->dedup_key);
	CHECK(r, c->state != S_EARLY && strcmp(a->service, c->service) == 0 &&
	      strcmp(a->area, c->area) == 0 && strncmp(a->subject, "case:", 5) == 0 &&
	      strcmp(a->subject + 5, c->case_id) == 0,
	      "alert %" PRIu64 " ('%s', %s in %s) does not match its clock (state %d, %s in %s, "
	      "case %s)", seq, a->dedup_key, a->service, a->area, c->state, c->service, c->area,
	      c->case_id);
	s = &r->seen[id];
	if (!s->born_ms)
		s->born_ms = r->now_ms;	/* opened in this step */
	if (strcmp(how, "warning") == 0) {
		CHECK(r, a->kind == K_WARNING, "alert %" PRIu64 " ('%s') is of kind %d", seq,
		      a->dedup_key, a->kind);
		CHECK(r, !s->warning, "clock %" PRIu64 " warned twice: alerts %" PRIu64 " and %"
		      PRIu64, id, s->warning, seq);
		CHECK(r, !s->missed, "clock %" PRIu64 " warned (alert %" PRIu64 ") after its miss "
		      "(alert %" PRIu64 ")", id, seq, s->missed);
		CHECK(r, s->born_ms <= c->due_at_ms, "clock %" PRIu64 " opened at %s, after its "
		      "due instant %s, yet warned (alert %" PRIu64 ")", id,
		      fuzz_at(s->born_ms, b1), fuzz_at(c->due_at_ms, b2), seq);
		s->warning = seq;
	} else if (strcmp(how, "missed") == 0) {
		CHECK(r, a->kind == K_MISSED, "alert %" PRIu64 " ('%s') is of kind %d", seq,
		      a->dedup_key, a->kind);
		CHECK(r, !s->missed, "clock %" PRIu64 " missed twice: alerts %" PRIu64 " and %"
		      PRIu64, id, s->missed, seq);
		s->missed = seq;
	} else if (strcmp(how, "resolved") == 0) {
		CHECK(r, a->kind == K_RESOLVED, "alert %" PRIu64 " ('%s') is of kind %d", seq,
		      a->dedup_key, a->kind);
		CHECK(r, !s->resolved, "clock %" PRIu64 " resolved twice: alerts %" PRIu64 " and %"
		      PRIu64, id, s->resolved, seq);
		CHECK(r, s->missed, "clock %" PRIu64 " resolved (alert %" PRIu64 ") with no miss "
		      "before it", id, seq);
		CHECK(r, c->state == S_MET || c->state == S_LATE || c->state == S_CANCELLED,
		      "clock %" PRIu64 " resolved (alert %" PRIu64 ") but is in state %d", id, seq,
		      c->state);
		s->resolved = seq;
	} else {
		fuzz_fail(r, "key", "alert %" PRIu64 " has the key '%s'", seq, a->dedup_key);
	}
	lanu__v1__alert__free_unpacked(a, NULL);
}

/* The alerts logged since the last look, their clocks as the walk w read them. */
static void
check_alerts(struct run *r, struct store_txn *t, const struct walk *w)
{
	uint64_t last = store_last_alert_seq(t);
	Lanu__V1__Alert *a;
	int rc;

	CHECK(r, last >= r->checked, "the alert log went back from %" PRIu64 " to %" PRIu64,
	      r->checked, last);
	for (uint64_t seq = r->checked + 1; seq <= last; seq++)
		check_alert(r, t, w, seq, last);
	rc = store_get_alert(t, last + 1, &a);
	CHECK(r, rc == -ENOENT, "there is an alert %" PRIu64 " after the last seq", last + 1);
	r->checked = last;
}

/* --- invariants 3, 4, 5 and 7: the clocks, their indexes, reports and counts ----------- */

static struct group *
walk_group(struct run *r, struct walk *w, size_t ind, const char *name)
{
	struct group *g;

	for (size_t i = 0; i < w->n_groups; i++)
		if (w->groups[i].ind == ind && strcmp(w->groups[i].name, name) == 0)
			return &w->groups[i];
	CHECK(r, w->n_groups < ELEMENTSOF(w->groups), "more indicator groups than expected");
	g = &w->groups[w->n_groups++];
	*g = (struct group){ .ind = ind };
	snprintf(g->name, sizeof(g->name), "%s", name);
	return g;
}

/* An indicator counts a clock of its service (and stage) as met when provided in time,
 * as not met once missed or provided late, and not at all once cancelled or postponed;
 * in the group of everything and in the group of its area, language and age (those of
 * its breakdown that the clock has). */
static void
walk_count(struct run *r, struct walk *w, const Lanu__V1__Clock *c)
{
	bool met = c->state == S_MET;
	bool not_met = c->state == S_LATE || (c->state == S_OPEN && c->missed);
	char name[3 * LANU_MAX_NAME];

	if (c->postponed || (!met && !not_met))
		return;
	for (size_t k = 0; k < ELEMENTSOF(plan_indicators); k++) {
		const char *dims[3][2] = { { "area", c->area }, { "language", c->language_group },
					   { "age", c->age_group } };
		bool by[3] = { plan_indicators[k].area, plan_indicators[k].language,
			       plan_indicators[k].age };

		if (strcmp(c->service, plan_indicators[k].service) != 0 ||
		    (*plan_indicators[k].stage && strcmp(c->stage, plan_indicators[k].stage) != 0))
			continue;
		for (int i = -1; i < 3; i++) {
			struct group *g;

			if (i >= 0 && (!by[i] || !*dims[i][1]))
				continue;
			snprintf(name, sizeof(name), "%s%s%s", i < 0 ? "" : dims[i][0],
				 i < 0 ? "" : "=", i < 0 ? "" : dims[i][1]);
			g = walk_group(r, w, k, name);
			g->met += met;
			g->not_met += not_met;
		}
	}
}

/* Invariant 7 (an extra): the indicators' counts are those of their clocks. */
static void
check_counts(struct run *r, struct store_txn *t, struct walk *w)
{
	for (size_t k = 0; k < ELEMENTSOF(plan_indicators); k++) {
		walk_group(r, w, k, "");
		walk_group(r, w, k, "language=fi");	/* none, unless by language */
	}
	for (size_t i = 0; i < w->n_groups; i++) {
		const struct group *g = &w->groups[i];
		const char *id = plan_indicators[g->ind].id;
		uint64_t met, not_met;
		int rc;

		rc = store_comp_sum(t, id, g->name, "0000-01", "9999-12", &met, &not_met);
		CHECK(r, rc == 0, "indicator counts cannot be read: %s", fuzz_strerror(rc));
		CHECK(r, met == g->met && not_met == g->not_met, "indicator %s, group '%s' counts "
		      "%" PRIu64 " met and %" PRIu64 " not met, its clocks %" PRIu64 " and %"
		      PRIu64, id, g->name, met, not_met, g->met, g->not_met);
	}
}

/* The entry a clock should have in the fire index (deadline.c's deadline_next_at()):
 * an early delivery's expiry; an open, unpostponed clock's warning, then its miss. */
static uint64_t
expected_next(const Lanu__V1__Clock *c)
{
	if (c->state == S_EARLY)
		return c->expires_at_ms;
	if (c->state != S_OPEN || c->postponed)
		return 0;
	if (!c->warned && c->warn_at_ms)
		return c->warn_at_ms;
	return c->missed ? 0 : c->due_at_ms + 1;
}

/* A static copy of s from the table v, or NULL. */
static const char *
fuzz_name(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return v[i];
	return NULL;
}

/* As compliance_report() counts a clock. */
static void
tally_add(struct tally *ty, const Lanu__V1__Clock *c, uint64_t now_ms)
{
	ty->opened++;
	if (c->postponed)
		ty->postponed++;
	else if (c->state == S_OPEN && now_ms > c->due_at_ms)
		ty->missed++;
	else if (c->state == S_OPEN)
		ty->pending++;
	else if (c->state == S_MET)
		ty->met++;
	else if (c->state == S_LATE)
		ty->late++;
	else
		ty->cancelled++;
}

/* What a clock record must be, whatever now is: the walk's part of check_state(),
 * made once per store version (the walk is kept while the version is the same). */
static void
check_clock(struct run *r, const Lanu__V1__Clock *c, void *arg)
{
	struct walk *w = arg;
	bool known = false;
	char a[40], b[40];
	int32_t start, due;
	uint64_t h = FNV_BASIS;

	/* opened in this step (an early delivery's record becomes its clock, same id) */
	if (!r->seen[c->id].born_ms && c->state != S_EARLY)
		r->seen[c->id].born_ms = r->now_ms;
	for (size_t i = 0; i < ELEMENTSOF(plan_services); i++)
		if (strcmp(c->service, plan_services[i]) == 0) {
			known = true;
			w->svc[c->id] = (uint8_t)i;
			hash_clock(r, &h, c);
			hash_bytes(&w->svc_hash[i], &h, sizeof(h));
			hash_bytes(&w->hash, &h, sizeof(h));
		}
	CHECK(r, known, "clock %" PRIu64 " is of service '%s', which the plan does not have", c->id,
	      c->service);
	w->clk[c->id] = c;
	w->clocks++;
	CHECK(r, c->next_at_ms == expected_next(c), "clock %" PRIu64 " (state %d%s%s%s) has "
	      "next_at_ms %" PRIu64 ", expected %" PRIu64, c->id, c->state,
	      c->postponed ? ", postponed" : "", c->warned ? ", warned" : "",
	      c->missed ? ", missed" : "", c->next_at_ms, expected_next(c));
	if (c->next_at_ms && (!w->min_next || c->next_at_ms < w->min_next))
		w->min_next = c->next_at_ms;
	switch (c->state) {
	case S_EARLY:
		CHECK(r, c->expires_at_ms != 0, "early clock %" PRIu64 " never expires", c->id);
		return;
	case S_OPEN:
		w->opens[w->open] = (struct open_clock){
			c->due_at_ms, c->id, fuzz_name(fuzz_areas, ELEMENTSOF(fuzz_areas), c->area),
			fuzz_name(plan_services, ELEMENTSOF(plan_services), c->service)
		};
		CHECK(r, w->opens[w->open].area, "clock %" PRIu64 " is in area '%s'", c->id,
		      c->area);
		w->open++;
		w->open_ids[c->id] = true;
		CHECK(r, calendar_parse_day(c->start_day, &start) == 0 &&
		      calendar_parse_day(c->due_day, &due) == 0, "clock %" PRIu64 " has start day "
		      "'%s', due day '%s'", c->id, c->start_day, c->due_day);
		CHECK(r, due >= start, "clock %" PRIu64 " is due on %s, before its start day %s",
		      c->id, c->due_day, c->start_day);
		CHECK(r, c->limit, "clock %" PRIu64 " has no limit", c->id);
		CHECK(r, c->limit->unit == LANU__V1__DURATION__UNIT__UNIT_HOURS ||
		      c->due_at_ms == calendar_day_end_ms(due), "clock %" PRIu64 " is due at %s, "
		      "not at the end of its due day %s (%s)", c->id, fuzz_at(c->due_at_ms, a),
		      c->due_day, fuzz_at(calendar_day_end_ms(due), b));
		CHECK(r, calendar_local_day(c->due_at_ms) == due &&
		      calendar_local_day(c->due_at_ms + 1) == due + 1, "clock %" PRIu64 " is due "
		      "at %s, which is not the last millisecond of %s", c->id,
		      fuzz_at(c->due_at_ms, a), c->due_day);
		CHECK(r, c->warn_at_ms <= c->due_at_ms, "clock %" PRIu64 " warns at %s, after it "
		      "is due at %s", c->id, fuzz_at(c->warn_at_ms, a), fuzz_at(c->due_at_ms, b));
		break;
	case S_MET:
		CHECK(r, c->closed_at_ms <= c->due_at_ms, "clock %" PRIu64 " is met at %s, after "
		      "its due instant %s", c->id, fuzz_at(c->closed_at_ms, a),
		      fuzz_at(c->due_at_ms, b));
		break;
	case S_LATE:
		CHECK(r, c->closed_at_ms > c->due_at_ms, "clock %" PRIu64 " is late at %s, by its "
		      "due instant %s", c->id, fuzz_at(c->closed_at_ms, a),
		      fuzz_at(c->due_at_ms, b));
		break;
	case S_CANCELLED:
		break;
	default:
		fuzz_fail(r, "state", "clock %" PRIu64 " is in state %d", c->id, c->state);
	}
	walk_count(r, w, c);
}

/* What a clock record must be at the step's now, once everything due has fired, and
 * how the compliance reports of the step should count it: every step, from the walk. */
static void
check_clock_now(struct run *r, struct walk *w, const Lanu__V1__Clock *c)
{
	const char *from = fuzz_periods[r->op % ELEMENTSOF(fuzz_periods)].from;
	const char *to = fuzz_periods[r->op % ELEMENTSOF(fuzz_periods)].to;
	char a[40];

	if (c->state == S_EARLY)
		return;
	if (c->state == S_OPEN && r->settled && !c->postponed) {
		CHECK(r, c->warned || !c->warn_at_ms || c->warn_at_ms > r->now_ms,
		      "clock %" PRIu64 " has not warned, though its warning was due at %s",
		      c->id, fuzz_at(c->warn_at_ms, a));
		CHECK(r, c->missed || c->due_at_ms >= r->now_ms, "clock %" PRIu64 " has "
		      "not missed, though it was due at %s", c->id, fuzz_at(c->due_at_ms, a));
	}
	tally_add(&w->tally[w->svc[c->id]], c, r->now_ms);
	if (from && strcmp(c->start_day, from) >= 0 && strcmp(c->start_day, to) <= 0)
		tally_add(&w->period[w->svc[c->id]], c, r->now_ms);
}

/* The due query, as a client asks it (t is unused: the query reads on its own). */
static void
check_due(struct run *r, struct store_txn *t, const struct walk *w)
{
	Lanu__V1__DueQuery q = LANU__V1__DUE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
	const Lanu__V1__ClockList *list;
	bool listed[FUZZ_IDS] = { false };
	struct query_ctx qc;

	(void)t;
	req.body_case = LANU__V1__REQUEST__BODY_DUE;
	req.due = &q;
	query_answer(r->d, &req, r->now_ms, &rep, &qc);
	CHECK(r, rep.code == LANU__V1__REPLY__CODE__OK && rep.clocks, "the due query failed: %s",
	      rep.reason);
	list = rep.clocks;
	CHECK(r, !list->more && list->n_clocks == w->open, "the due query lists %zu clocks%s, "
	      "%" PRIu64 " are open", list->n_clocks, list->more ? " and more" : "", w->open);
	for (size_t i = 0; i < list->n_clocks; i++) {
		const Lanu__V1__Clock *c = list->clocks[i];

		CHECK(r, c->id < FUZZ_IDS && w->open_ids[c->id] && !listed[c->id],
		      "the due query lists clock %" PRIu64 ", which is not open or listed twice",
		      c->id);
		CHECK(r, i == 0 || list->clocks[i - 1]->due_at_ms <= c->due_at_ms,
		      "the due query lists clock %" PRIu64 " after one due later", c->id);
		listed[c->id] = true;
	}
	query_done(&qc);
}

static int
open_clock_cmp(const void *a, const void *b)
{
	const struct open_clock *x = a, *y = b;

	if (x->due_at != y->due_at)
		return x->due_at < y->due_at ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* A due query with the step's filters (area, service, within, limit): the open clocks
 * they let through, soonest first (by due instant, then id, as the due index orders
 * them), as many as the limit allows, `more` if there were more. */
static void
check_due_query(struct run *r, struct store_txn *t, struct walk *w)
{
	static const char *const areas[] = { "", "town", "school" };
	static const char *const services[] = { "", "wd", "staged", "mo", "urg" };
	static const char *const withins[] = { "", "12 hours", "3 weeks", "2 working days",
					       "same day", "soon" };
	static const uint32_t limits[] = { 0, 1, 3 };
	Lanu__V1__DueQuery q = LANU__V1__DUE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
	const Lanu__V1__ClockList *list;
	struct query_ctx qc;
	struct open_clock *want = w->want;
	uint64_t until = UINT64_MAX;
	size_t m = 0, k = 0, cap, n;
	bool known = true;

	q.area = (char *)areas[r->op % ELEMENTSOF(areas)];
	q.service = (char *)services[(r->op / 3) % ELEMENTSOF(services)];
	q.within = (char *)withins[(r->op / 2) % ELEMENTSOF(withins)];
	q.limit = limits[(r->op / 5) % ELEMENTSOF(limits)];
	req.body_case = LANU__V1__REQUEST__BODY_DUE;
	req.due = &q;
	query_answer(r->d, &req, r->now_ms, &rep, &qc);
	if (strcmp(q.within, "soon") == 0) {
		CHECK(r, rep.code == LANU__V1__REPLY__CODE__REJECTED && *rep.reason &&
			 strcmp(rep.field, "due.within") == 0,
		      "a due query within '%s' gave %d", q.within, rep.code);
		query_done(&qc);
		return;
	}
	CHECK(r, rep.code == LANU__V1__REPLY__CODE__OK && rep.clocks,
	      "the due query within '%s' failed: %s", q.within, rep.reason);
	list = rep.clocks;
	if (strcmp(q.within, "12 hours") == 0)
		until = r->now_ms + 12 * HOUR_MS;
	else if (strcmp(q.within, "3 weeks") == 0)
		until = calendar_day_end_ms(calendar_local_day(r->now_ms) + 21);
	else if (strcmp(q.within, "same day") == 0)
		until = calendar_day_end_ms(calendar_local_day(r->now_ms));
	else if (*q.within)
		known = false;	/* working days: only its shape is checked */
	for (size_t i = 0; i < w->open; i++) {
		const struct open_clock *o = &w->opens[i];

		if ((*q.service && strcmp(o->service, q.service) != 0) ||
		    (!strcmp(q.area, "school") && strcmp(o->area, "school") != 0))
			continue;	/* every area is under town */
		want[m++] = *o;
	}
	qsort(want, m, sizeof(*want), open_clock_cmp);
	while (k < m && want[k].due_at <= until)
		k++;
	cap = q.limit ? q.limit : QUERY_PAGE;
	n = list->n_clocks;
	CHECK(r, n <= cap && n <= m, "a due query (area '%s', service '%s', within '%s', limit %u) "
	      "lists %zu clocks of %zu", q.area, q.service, q.within, q.limit, n, m);
	for (size_t i = 0; i < n; i++)
		CHECK(r, list->clocks[i]->id == want[i].id, "a due query (area '%s', service '%s', "
		      "within '%s', limit %u) lists clock %" PRIu64 " in place %zu, expected %"
		      PRIu64, q.area, q.service, q.within, q.limit, list->clocks[i]->id, i,
		      want[i].id);
	if (known)
		CHECK(r, n == (k < cap ? k : cap) && list->more == (k > cap), "a due query (area "
		      "'%s', service '%s', within '%s', limit %u) lists %zu clocks%s, expected %zu "
		      "of %zu", q.area, q.service, q.within, q.limit, n,
		      list->more ? " and more" : "", k < cap ? k : cap, k);
	else
		CHECK(r, (list->more ? n == cap : n == m || n == 0 ||
			  want[n].due_at > want[n - 1].due_at),
		      "a due query (area '%s', service '%s', within '%s', limit %u) lists %zu "
		      "clocks%s, which is no prefix of the %zu by due instant", q.area, q.service,
		      q.within, q.limit, n, list->more ? " and more" : "", m);
	query_done(&qc);
}

/* The compliance report of plan_services[svc], over all time or fuzz_periods[period],
 * with every breakdown or none, against the clocks' tally want; memo m is this report's.
 * It reads the service's clocks (and through them the calendars, which do not change)
 * and now: the memo is keyed by the hash of the service's records. */
static void
check_compliance(struct run *r, struct store_txn *t, const struct walk *w, size_t svc,
		 const struct tally *want, bool breakdown, size_t period, struct memo *m)
{
	static const char *const by[] = { "area", "language", "age", "urgency" };
	const char *service = plan_services[svc];
	Lanu__V1__ComplianceQuery q = LANU__V1__COMPLIANCE_QUERY__INIT;
	Lanu__V1__ComplianceReport rep = LANU__V1__COMPLIANCE_REPORT__INIT;
	struct msg_error e = { { 0 }, { 0 } };
	struct tally got = { 0 };
	int rc;

	if (memo_hit(m, w->svc_hash[svc], r->now_ms))
		return;
	q.service = (char *)service;
	if (breakdown) {
		q.by = (char **)by;
		q.n_by = ELEMENTSOF(by);
	}
	if (period != SIZE_MAX)
		q.period = (char *)fuzz_periods[period].period;
	rc = compliance_report(fuzz_snap(r), t, &q, &rep, &e);
	if (period != SIZE_MAX && !fuzz_periods[period].from) {
		CHECK(r, rc == -EINVAL && *e.reason, "the compliance of %s over '%s' gave %d",
		      service, q.period, rc);
		*m = (struct memo){ w->svc_hash[svc], r->now_ms };
		return;
	}
	CHECK(r, rc == 0, "the compliance of %s over '%s' cannot be had: %s", service, q.period,
	      rc == -EINVAL ? e.reason : fuzz_strerror(rc));
	if (period != SIZE_MAX)
		CHECK(r, !strcmp(rep.from, fuzz_periods[period].from) &&
		      !strcmp(rep.to, fuzz_periods[period].to), "the compliance period '%s' is "
		      "%s..%s, expected %s..%s", q.period, rep.from, rep.to,
		      fuzz_periods[period].from, fuzz_periods[period].to);
	for (size_t i = 0; i < rep.n_rows; i++) {
		const Lanu__V1__ComplianceRow *row = rep.rows[i];

		CHECK(r, row->opened == row->met + row->late + row->missed + row->pending +
		      row->cancelled + row->postponed, "compliance of %s, stage '%s', group '%s': "
		      "opened %" PRIu64 " is not met %" PRIu64 " + late %" PRIu64 " + missed %"
		      PRIu64 " + pending %" PRIu64 " + cancelled %" PRIu64 " + postponed %" PRIu64,
		      service, row->stage, row->group, row->opened, row->met, row->late,
		      row->missed, row->pending, row->cancelled, row->postponed);
		CHECK(r, row->share_met == -1 || (row->share_met >= 0 && row->share_met <= 1),
		      "compliance of %s, stage '%s', group '%s': share met %g", service, row->stage,
		      row->group, row->share_met);
		got.opened += row->opened;
		got.met += row->met;
		got.late += row->late;
		got.missed += row->missed;
		got.pending += row->pending;
		got.cancelled += row->cancelled;
		got.postponed += row->postponed;
	}
	CHECK(r, memcmp(&got, want, sizeof(got)) == 0, "compliance of %s over '%s'%s counts "
	      "opened %" PRIu64 ", met %" PRIu64 ", late %" PRIu64 ", missed %" PRIu64
	      ", pending %" PRIu64 ", cancelled %" PRIu64 ", postponed %" PRIu64 "; the clocks "
	      "say %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
	      ", %" PRIu64, service, q.period, breakdown ? " (by all)" : "", got.opened, got.met,
	      got.late, got.missed, got.pending, got.cancelled, got.postponed, want->opened,
	      want->met, want->late, want->missed, want->pending, want->cancelled,
	      want->postponed);
	compliance_report_clear(&rep);
	*m = (struct memo){ w->svc_hash[svc], r->now_ms };
}

/* Everything committed so far, from a read transaction. The walk, and what is checked
 * of the records whatever now is (check_clock(), the indicators' counts), is kept while
 * the store's version is the same: the same version is the same bytes, so those checks
 * could not answer differently (a refused event, a fire with nothing due, a move of the
 * clock alone commit nothing). What depends on now, the step or whether everything has
 * fired is checked every step, from the walk's records (kept in fz.arena until the next
 * walk). */
static void
check_state(struct run *r, bool last)
{
	struct walk *w = r->walk;
	struct store_txn t;
	struct store_stat st;
	uint64_t next, v;
	char a[40];
	int rc;

	store_begin(r->d->store, &t, STORE_RO);
	CHECK(r, !t.err, "no read transaction: %s", fuzz_strerror(t.err));
	v = store_version(&t);
	if (v != r->walk_version) {
		/* what walk_clocks() can reach, for check_clock() to fill in */
		arena_reset(&fz.arena);	/* the last walk's records, and those fire_once() read */
		memset(w->clk, 0, sizeof(w->clk));
		memset(w->open_ids, 0, sizeof(w->open_ids));
		w->clocks = w->open = w->min_next = 0;
		w->hash = FNV_BASIS;
		for (size_t i = 0; i < ELEMENTSOF(w->svc_hash); i++)
			w->svc_hash[i] = FNV_BASIS;
		w->n_groups = 0;
		/* every record decoded once, for all the checks below */
		walk_clocks(r, &t, check_clock, w, true);
		check_counts(r, &t, w);
	}
	memset(w->tally, 0, sizeof(w->tally));
	memset(w->period, 0, sizeof(w->period));
	for (uint64_t id = 1; id <= r->max_id; id++)
		if (w->clk[id])
			check_clock_now(r, w, w->clk[id]);
	check_alerts(r, &t, w);
	if (r->settled)
		esc_settled(r, &t);
	rc = store_stat(&t, &st);
	CHECK(r, rc == 0, "no status: %s", fuzz_strerror(rc));
	CHECK(r, st.open_clocks == w->open, "status says %" PRIu64 " open clocks, the records %"
	      PRIu64, st.open_clocks, w->open);
	next = store_clock_next_at(&t);
	CHECK(r, next == w->min_next, "the fire index starts at %" PRIu64 ", the earliest "
	      "next_at_ms of a record is %" PRIu64, next, w->min_next);
	CHECK(r, !r->settled || next == 0 || next > r->now_ms, "everything due has fired, yet "
	      "the fire index starts at %s", fuzz_at(next, a));
	if (!memo_hit(&r->due, w->hash, r->now_ms)) {
		check_due(r, &t, w);
		r->due = (struct memo){ w->hash, r->now_ms };
	}
	check_due_query(r, &t, w);
	for (size_t i = 0; i < ELEMENTSOF(plan_services); i++) {
		size_t p = r->op % ELEMENTSOF(fuzz_periods);

		check_compliance(r, &t, w, i, &w->tally[i], false, SIZE_MAX, &r->comp[i][0]);
		check_compliance(r, &t, w, i, &w->period[i], false, p, &r->comp[i][2 + p]);
		if (last)
			check_compliance(r, &t, w, i, &w->tally[i], true, SIZE_MAX,
					 &r->comp[i][1]);
	}
	/* what is committed is as the walk read it while the version is the same */
	r->walk_version = v;
	r->walk_hash = w->hash;
	r->walk_clocks = w->clocks;
	store_abort(&t);
}

/* --- invariant 2 and firing ------------------------------------------------------------ */

/* One deadline_fire() call in t. The clock alerts it raises must come in the order of
 * their instants, from *last on (the instant of the advance's last one), none after
 * now. Returns whether more are due. */
static bool
fire_once(struct run *r, struct store_txn *t, size_t max, uint64_t *last)
{
	uint64_t from = store_last_alert_seq(t), to, next_at = 0, esc_next = 0;
	bool more = false, esc_more = false;
	char a[40], b[40];
	int n;

	n = deadline_fire(fuzz_snap(r), t, &r->q, r->now_ms, max, &more, &next_at);
	CHECK(r, n >= 0 && !t->err, "deadline_fire() failed: %s",
	      fuzz_strerror(n < 0 ? n : t->err));
	/* the next wake-up it reports is the fire index's first entry */
	CHECK(r, more || next_at == store_clock_next_at(t),
	      "deadline_fire() reports the next at %" PRIu64 ", the index says %" PRIu64, next_at,
	      store_clock_next_at(t));
	CHECK(r, (size_t)n <= max, "deadline_fire() handled %d of at most %zu", n, max);
	/* then the escalation steps due, as the writer fires them after the clocks */
	n = alert_escalate(fuzz_snap(r), t, &r->q, r->now_ms, max, &esc_more, &esc_next);
	CHECK(r, n >= 0 && !t->err, "alert_escalate() failed: %s",
	      fuzz_strerror(n < 0 ? n : t->err));
	CHECK(r, (size_t)n <= max, "alert_escalate() raised %d of at most %zu", n, max);
	CHECK(r, esc_more || esc_next == store_esc_next_at(t),
	      "alert_escalate() reports the next at %" PRIu64 ", the index says %" PRIu64, esc_next,
	      store_esc_next_at(t));
	to = store_last_alert_seq(t);
	for (uint64_t seq = from + 1; seq <= to; seq++) {
		Lanu__V1__Alert *al;
		Lanu__V1__Clock *c;
		const char *how = "";
		uint64_t id, at;
		int rc;

		rc = store_get_alert(t, seq, &al);
		CHECK(r, rc == 0, "alert %" PRIu64 " just fired cannot be read: %s", seq,
		      fuzz_strerror(rc));
		id = clock_key(al->dedup_key, &how);
		if (id == 0) {	/* an indicator's, or an escalation (invariant 8) */
			lanu__v1__alert__free_unpacked(al, NULL);
			continue;
		}
		rc = store_clock_get(t, id, &fz.arena.pa, &c);	/* reset by the next walk */
		CHECK(r, rc == 0, "alert %" PRIu64 " ('%s') is about a clock that cannot be read",
		      seq, al->dedup_key);
		if (strcmp(how, "warning") == 0)
			at = c->warn_at_ms;
		else if (strcmp(how, "missed") == 0)
			at = c->due_at_ms + 1;
		else
			fuzz_fail(r, "how", "deadline_fire() raised '%s'", al->dedup_key);
		CHECK(r, at && at <= r->now_ms, "alert %" PRIu64 " ('%s') fired for the instant "
		      "%s, still to come", seq, al->dedup_key, fuzz_at(at, a));
		CHECK(r, at >= *last, "alert %" PRIu64 " ('%s', instant %s) fired after one of the "
		      "later instant %s", seq, al->dedup_key, fuzz_at(at, a), fuzz_at(*last, b));
		*last = at;
		lanu__v1__alert__free_unpacked(al, NULL);
	}
	return more || esc_more;
}

/* Fires everything due by now, at most max a call: the first call in first (the event's
 * transaction) if given, then one write transaction per call while more are due, as
 * ingest does. A clock has at most a warning, a miss and an expiry to fire, and a miss
 * one escalation. */
static void
fire_all(struct run *r, struct store_txn *first, size_t max)
{
	size_t rounds = 1,
	       bound = 2 + (3 * (r->max_id + FUZZ_ID_MARGIN) + r->n_esc + FUZZ_OPS + max - 1) /
			       max;
	uint64_t last = 0;
	bool more = true;
	int rc;

	if (first) {
		more = fire_once(r, first, max, &last);
		rc = store_commit(first);
		CHECK(r, rc == 0, "the commit failed: %s", fuzz_strerror(rc));
	}
	while (more) {
		struct store_txn t;

		CHECK(r, rounds++ <= bound, "deadline_fire() at most %zu a call still has more due "
		      "after %zu calls", max, bound);
		store_begin(r->d->store, &t, STORE_RW);
		CHECK(r, !t.err, "no write transaction: %s", fuzz_strerror(t.err));
		alert_pubq_clear(&r->q);
		more = fire_once(r, &t, max, &last);
		rc = store_commit(&t);
		CHECK(r, rc == 0, "the commit failed: %s", fuzz_strerror(rc));
	}
	r->settled = true;
}

/* --- operations ------------------------------------------------------------------------ */

struct input {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t
next_byte(struct input *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

/* What a handler may answer. */
enum { OK = 1, INVALID = 2, NOT_FOUND = 4 };

static bool
names_area(const char *area)
{
	return strcmp(area, "nowhere") != 0;
}

static bool
names_service(const char *service)
{
	return strcmp(service, "nope") != 0;
}

/* Is stage ("" for none) one the service has? */
static bool
names_stage(const char *service, const char *stage)
{
	if (!*stage)
		return true;
	return strcmp(service, "staged") == 0 && (!strcmp(stage, "a") || !strcmp(stage, "b") ||
						 !strcmp(stage, "c") || !strcmp(stage, "d"));
}

/* The due instant of the case's latest clock of that service and stage, or now. */
static uint64_t
case_due(struct run *r, const char *service, const char *stage, const char *case_id)
{
	Lanu__V1__Clock *c;
	struct store_txn t;
	uint64_t id, at = r->now_ms;

	store_begin(r->d->store, &t, STORE_RO);
	if (store_clock_find(&t, service, stage, case_id, &id) == 0 &&
	    store_clock_get(&t, id, NULL, &c) == 0) {
		if (c->due_at_ms)
			at = c->due_at_ms;
		lanu__v1__clock__free_unpacked(c, NULL);
	}
	store_abort(&t);
	return at;
}

static uint64_t
event_time(struct run *r, uint8_t b, const char *service, const char *stage, const char *case_id)
{
	uint64_t v = b & 63, at;

	switch (b >> 6) {
	case 0:
		at = r->now_ms - v * HOUR_MS;
		break;
	case 1:
		at = r->now_ms - v * DAY_MS;
		break;
	case 2:
		at = r->now_ms + v * HOUR_MS;
		break;
	default:
		if (v < 32)
			at = T0_MS + v * 5 * DAY_MS;
		else
			at = case_due(r, service, stage, case_id) + (v & 3) - 1;
		break;
	}
	return at;
}

/* Applies one event as ingest_apply() does a batch of one; allowed: what the handler may
 * answer. */
static void
apply_event(struct run *r, const Lanu__V1__Envelope *ev, unsigned allowed)
{
	struct fingerprint before, inside, after;
	struct msg_error e = { { 0 }, { 0 } };
	struct store_txn t;
	size_t queued;
	int rc = 0;

	if (fz.trace)
		fprintf(stderr, "op %u: %s\n", r->op, r->what);
	store_begin(r->d->store, &t, STORE_RW);
	CHECK(r, !t.err, "no write transaction: %s", fuzz_strerror(t.err));
	alert_pubq_clear(&r->q);
	queued = r->q.n;
	switch (ev->payload_case) {
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED:
		rc = deadline_on_requested(fuzz_snap(r), &t, &r->q, ev, &e);
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED:
		rc = deadline_on_provided(fuzz_snap(r), &t, &r->q, ev, &e);
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED:
		rc = deadline_on_cancelled(fuzz_snap(r), &t, &r->q, ev, &e);
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED:
		rc = deadline_on_postponed(fuzz_snap(r), &t, &r->q, ev, &e);
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED:
		rc = deadline_on_missed(fuzz_snap(r), &t, &r->q, ev, &e);
		break;
	default:
		fuzz_fail(r, "payload", "no handler for payload %d", ev->payload_case);
	}
	if (rc == -EINVAL || rc == -ENOENT) {
		if (fz.trace)
			fprintf(stderr, "    refused: %s: %s\n", e.field, e.reason);
		CHECK(r, allowed & (rc == -EINVAL ? INVALID : NOT_FOUND), "refused (%s: %s)",
		      e.field, e.reason);
		CHECK(r, !t.err, "refused with a sticky error %s", fuzz_strerror(t.err));
		CHECK(r, *e.reason, "refused (%s) without a reason", fuzz_strerror(rc));
		fingerprint(r, &t, &inside);
		/* Before the event is what is committed, which a reader beside the open
		 * write transaction sees (MDB_NOTLS): taken only for a refused event, as
		 * most are accepted. */
		committed_fingerprint(r, &before);
		before.queued = queued;
		same_fingerprint(r, &before, &inside, "inside a refused event's transaction");
		store_abort(&t);
		committed_fingerprint(r, &after);
		same_fingerprint(r, &before, &after, "after a refused event's transaction");
		fire_all(r, NULL, LANU_FIRE_MAX);	/* the batch's deadline_fire() */
		return;
	}
	CHECK(r, rc == 0, "the handler failed: %s", fuzz_strerror(rc));
	CHECK(r, allowed & OK, "accepted, though it names what the plan does not have");
	fire_all(r, &t, LANU_FIRE_MAX);
}

static void
envelope(struct run *r, Lanu__V1__Envelope *ev, char *event_id, size_t len)
{
	snprintf(event_id, len, "e-%u", r->op);
	ev->event_id = event_id;
	ev->producer = (char *)"fuzz";
	ev->occurred_at_ms = r->now_ms;
}

static void
op_requested(struct run *r, struct input *in, const char *case_id)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__ServiceRequested m = LANU__V1__SERVICE_REQUESTED__INIT;
	uint8_t s = next_byte(in), who = next_byte(in), tb;
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	bool known;
	char id[16], at[40];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.area = (char *)fuzz_areas[s >> 6];
	m.age_group = (char *)fuzz_ages[who & 7];
	m.language_group = (char *)fuzz_langs[(who >> 3) & 3];
	m.urgency = who & 32 ? LANU__V1__URGENCY__URGENCY_URGENT
			     : LANU__V1__URGENCY__URGENCY_NORMAL;
	tb = next_byte(in);
	m.requested_at_ms = event_time(r, tb, service, stage, case_id);
	envelope(r, &ev, id, sizeof(id));
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
	ev.service_requested = &m;
	snprintf(r->what, sizeof(r->what), "requested %s %s/%s in %s, %s, age '%s', language "
		 "'%s', at %s", case_id, service, stage, m.area,
		 m.urgency == LANU__V1__URGENCY__URGENCY_URGENT ? "urgent" : "normal", m.age_group,
		 m.language_group, fuzz_at(m.requested_at_ms, at));
	known = names_service(service) && names_area(m.area) && names_stage(service, stage);
	apply_event(r, &ev, known ? OK | INVALID : INVALID);
}

static void
op_provided(struct run *r, struct input *in, const char *case_id)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__ServiceProvided m = LANU__V1__SERVICE_PROVIDED__INIT;
	uint8_t s = next_byte(in), tb = next_byte(in);
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	bool known;
	char id[16], at[40];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.area = (char *)fuzz_areas[s >> 6];
	m.provided_at_ms = event_time(r, tb, service, stage, case_id);
	envelope(r, &ev, id, sizeof(id));
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED;
	ev.service_provided = &m;
	snprintf(r->what, sizeof(r->what), "provided %s %s/%s at %s", case_id, service, stage,
		 fuzz_at(m.provided_at_ms, at));
	/* a multi-stage service needs the stage */
	known = names_service(service) && names_stage(service, stage) &&
		(*stage || strcmp(service, "staged") != 0);
	apply_event(r, &ev, known ? OK : INVALID);
}

static void
op_cancelled(struct run *r, struct input *in, const char *case_id)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__CaseCancelled m = LANU__V1__CASE_CANCELLED__INIT;
	uint8_t s = next_byte(in), tb = next_byte(in);
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	char id[16], at[40];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.area = (char *)fuzz_areas[s >> 6];
	m.reason = LANU__V1__CANCEL_REASON__CANCEL_REASON_WITHDRAWN;
	envelope(r, &ev, id, sizeof(id));
	ev.occurred_at_ms = event_time(r, tb, service, stage, case_id);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED;
	ev.case_cancelled = &m;
	snprintf(r->what, sizeof(r->what), "cancelled %s %s/%s at %s", case_id, service, stage,
		 fuzz_at(ev.occurred_at_ms, at));
	apply_event(r, &ev, names_service(service) && names_stage(service, stage) ? OK : INVALID);
}

static void
op_postponed(struct run *r, struct input *in, const char *case_id)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__ServicePostponed m = LANU__V1__SERVICE_POSTPONED__INIT;
	uint8_t s = next_byte(in);
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	char id[16];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.reason = (char *)"family-request";
	envelope(r, &ev, id, sizeof(id));
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED;
	ev.service_postponed = &m;
	snprintf(r->what, sizeof(r->what), "postponed %s %s/%s", case_id, service, stage);
	apply_event(r, &ev, names_service(service) && names_stage(service, stage) ? OK | NOT_FOUND
										  : INVALID);
}

static void
op_missed(struct run *r, struct input *in, const char *case_id)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__DeadlineMissed m = LANU__V1__DEADLINE_MISSED__INIT;
	uint8_t s = next_byte(in);
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	char id[16];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.area = (char *)fuzz_areas[s >> 6];
	m.due_at_ms = r->now_ms;
	envelope(r, &ev, id, sizeof(id));
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
	ev.deadline_missed = &m;
	snprintf(r->what, sizeof(r->what), "missed (another system says) %s %s/%s in %s", case_id,
		 service, stage, m.area);
	apply_event(r, &ev, names_service(service) && names_area(m.area) &&
				    names_stage(service, stage) ? OK : INVALID);
}

/* Moves the clock to `to` (no further than END_MS, never back), then fires all that is
 * due, at most max a call, unless max is 0: not yet (a real clock moves on between
 * wake-ups). */
static void
op_advance(struct run *r, uint64_t to, size_t max)
{
	char at[40];
	int rc;

	if (to > END_MS)
		to = END_MS;
	if (to < r->now_ms)
		to = r->now_ms;
	if (max == LANU_FIRE_MAX)
		snprintf(r->what, sizeof(r->what), "advance to %s, fire", fuzz_at(to, at));
	else if (max)
		snprintf(r->what, sizeof(r->what), "advance to %s, fire %zu a call",
			 fuzz_at(to, at), max);
	else
		snprintf(r->what, sizeof(r->what), "advance to %s, no fire yet", fuzz_at(to, at));
	if (fz.trace)
		fprintf(stderr, "op %u: %s\n", r->op, r->what);
	rc = timesrc_set(&r->d->clock, to * 1000);
	CHECK(r, rc == 0, "the manual clock did not move: %s", fuzz_strerror(rc));
	if (to != r->now_ms)
		r->settled = false;
	r->now_ms = to;
	if (max)
		fire_all(r, NULL, max);
}

static uint64_t
span(uint8_t b)
{
	static const uint64_t unit[4] = { 10 * 60 * 1000, HOUR_MS, DAY_MS, 7 * DAY_MS };

	return ((b & 63) + 1ULL) * unit[b >> 6];
}

/* The next warning, miss or expiry, give or take a millisecond. */
static void
op_advance_next(struct run *r, uint8_t b)
{
	struct store_txn t;
	uint64_t next;

	store_begin(r->d->store, &t, STORE_RO);
	next = store_clock_next_at(&t);
	store_abort(&t);
	if (!next)
		next = r->now_ms + DAY_MS;
	op_advance(r, next + (b & 3) - 1, b & 4 ? 0 : LANU_FIRE_MAX);
}

/* Fires again at the same now: once everything due has fired, that changes nothing. */
static void
op_fire_again(struct run *r)
{
	struct fingerprint before, after;
	bool settled = r->settled;

	snprintf(r->what, sizeof(r->what), "fire again%s", settled ? " (all fired)" : "");
	if (fz.trace)
		fprintf(stderr, "op %u: %s\n", r->op, r->what);
	committed_fingerprint(r, &before);
	fire_all(r, NULL, LANU_FIRE_MAX);
	if (!settled)
		return;
	committed_fingerprint(r, &after);
	before.queued = after.queued = 0;	/* the queue is each transaction's own */
	same_fingerprint(r, &before, &after, "firing again at the same now");
}

static void
apply_op(struct run *r, struct input *in, uint8_t b)
{
	const char *case_id = fuzz_cases[(b >> 4) & 7];

	switch (b & 15) {
	case 0: case 1: case 2: case 3:
		op_requested(r, in, case_id);
		break;
	case 4: case 5: case 6:
		op_provided(r, in, case_id);
		break;
	case 7:
		op_cancelled(r, in, case_id);
		break;
	case 8:
		op_postponed(r, in, case_id);
		break;
	case 9:
		op_missed(r, in, case_id);
		break;
	case 12:
		op_advance(r, r->now_ms + span(next_byte(in)), 0);
		break;
	case 13:
		op_advance_next(r, next_byte(in));
		break;
	case 14:
		op_fire_again(r);
		break;
	case 15:
		b = next_byte(in);
		op_advance(r, r->now_ms + span(b), 1 + (next_byte(in) & 3));
		break;
	default:	/* 10, 11 */
		op_advance(r, r->now_ms + span(next_byte(in)), LANU_FIRE_MAX);
		break;
	}
}

/* --- set-up ---------------------------------------------------------------------------- */

/* The store's files and directory removed once it is open (fuzz_store.h). */
static void
fuzz_remove_dir(void)
{
	char path[300];
	int rc = fuzz_store_unlink(fz.dir, path, sizeof(path));

	if (rc < 0)
		fuzz_fail(NULL, "unlink", "cannot remove %s: %s", path, strerror(-rc));
}

static void
fuzz_teardown(void)
{
	if (!fz.ready)
		return;
	fz.d.store = store_free(fz.d.store);
	if (fz.run)
		free(fz.run->walk);
	free(fz.run);
	fz.run = NULL;
	arena_free(&fz.arena);
	fz.d.index = plan_index_free(fz.d.index);
	fz.d.calendars = calendar_set_free(fz.d.calendars);
	fz.d.plan = plan_free(fz.d.plan);
	fz.ready = false;
}

static void
fuzz_setup(void)
{
	struct plan_errors errs = { 0 };
	const char *base;
	int rc;

	/* calendar.c counts in the process's zone, as server_start() sets it */
	if (setenv("TZ", "Europe/Helsinki", 1) < 0)
		fuzz_fail(NULL, "setenv", "cannot set TZ");
	tzset();
	log_set_level(LOG_ERR);	/* a stage that cannot start is a warning: no news here */
	fz.trace = getenv("LANU_FUZZ_TRACE") != NULL;
	rc = plan_parse("fuzz-deadline.yaml", plan_text, sizeof(plan_text) - 1, &fz.d.plan, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	plan_errors_free(&errs);
	CHECK(NULL, rc == 0, "the fuzzer's own plan is refused: %s", fuzz_strerror(rc));
	rc = plan_index_new(fz.d.plan, &fz.d.index);
	if (rc == 0)
		rc = calendar_set_new(fz.d.plan, &fz.d.calendars);
	CHECK(NULL, rc == 0, "the fuzzer's own plan does not compile: %s", fuzz_strerror(rc));
	fz.d.plan_version = 1;
	rc = fuzz_store_dir(fz.dir, sizeof(fz.dir), "fuzz_deadline", &base);
	CHECK(NULL, rc == 0, "cannot make a directory in %s: %s", base, strerror(-rc));
	rc = store_open(fz.dir, FUZZ_MAP, FUZZ_MAP, &fz.d.store);
	CHECK(NULL, rc == 0, "cannot open a store in %s: %s", fz.dir, fuzz_strerror(rc));
	fuzz_remove_dir();
	fz.run = malloc(sizeof(*fz.run));
	CHECK(NULL, fz.run, "out of memory");
	fz.run->walk = malloc(sizeof(*fz.run->walk));
	CHECK(NULL, fz.run->walk, "out of memory");
	arena_init(&fz.arena);
	fz.ready = true;
	atexit(fuzz_teardown);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };
	struct walk *walk;
	struct run *r;
	int rc;

	if (!fz.ready)
		fuzz_setup();
	r = fz.run;
	walk = r->walk;
	*r = (struct run){ .d = &fz.d, .walk = walk };
	rc = store_clear(fz.d.store);
	CHECK(NULL, rc == 0, "cannot empty the store: %s", fuzz_strerror(rc));
	timesrc_init(&fz.d.clock, true, T0_MS * 1000);
	r->now_ms = T0_MS;
	r->settled = true;	/* nothing is due in an empty store */
	snprintf(r->what, sizeof(r->what), "start");
	check_state(r, false);
	while (in.i < in.n && r->op < FUZZ_OPS) {
		uint8_t b = next_byte(&in);

		r->op++;
		apply_op(r, &in, b);
		check_state(r, in.i >= in.n || r->op == FUZZ_OPS);
	}
	alert_pubq_free(&r->q);
	return 0;
}
