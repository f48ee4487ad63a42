/*
 * libFuzzer target: sequences of requests through lanud's real write path, in-process.
 * A struct lanud is built as server.c builds it, without a socket to the outside: an
 * event base, the store on tmpfs, the plan below loaded with planload_apply() (stored
 * as version 1), a manual clock, the real writer (writer.c), a ROUTER zsock bound to
 * inproc:// with a libzmq DEALER connected to it, and a PUB zsock on inproc:// with a
 * SUB connected. Each request is packed with protobuf-c and handed to ingest_on_msg()
 * as frames [dealer's routing id] [delimiter]? [request], as zsock.c hands them; an
 * "end of batch" calls writer_flush(), which applies the batch in one write transaction
 * through the domain handlers (deadline.c, alert.c), commits, and answers it, on this
 * thread, or runs the event loop, which hands the batch to the writer thread and answers
 * it when the thread is done, as in lanud. The replies are read from the DEALER and the
 * live alerts from the SUB.
 *
 * Checked after every request and every batch (a broken one prints what broke and
 * aborts):
 *
 *  1. every request gets exactly one reply, with its corr_id, a code of
 *     docs/protocol.md (UNAVAILABLE never: the store is on tmpfs with room to grow), a
 *     reason with every REJECTED and NOT_FOUND, and the last committed alert seq;
 *     a query and a refused frame are answered at once, an event or a ClockSet after
 *     its batch's commit, in the order sent; a ClockSet is OK exactly when it does not
 *     move the clock back, an acknowledgement of a made-up alert id is NOT_FOUND, of
 *     a logged one OK (or DUPLICATE, naming the first, if it was acknowledged
 *     before); an indicator's value or a measure's status is REJECTED (no
 *     plan here has a reported indicator or a measure);
 *  2. one effect per (producer, event_id): an event id a producer had sent and had
 *     answered OK is answered DUPLICATE while its event is stored, an id no OK answer
 *     took (or whose event retention purged since) is not, whoever else sent it; the
 *     store's event count is the number of pairs answered OK less those purged
 *     (invariant 9 says which may be);
 *  3. a refused request changes nothing: after a batch in which no request was
 *     answered OK (all REJECTED, NOT_FOUND or DUPLICATE), at the same now as the batch
 *     before it, and after a refused, dry-run or unchanged plan load, LMDB's last
 *     committed transaction id has not moved (a commit without a write does not move
 *     it; every write does, even of the same bytes);
 *  4. the alert log is gap-free: after each commit it holds seqs 1..last, each
 *     readable with that seq and found again by its alert id and, unless purged (which
 *     leaves it none), its dedup key; the last only grows;
 *  5. the live alerts of a commit arrive in seq order, each seq of that commit's new
 *     ones, once per recipient of the logged alert, with the prev_seq of its topic;
 *     none arrive between commits;
 *  6. absences (docs/absences.md): an absence event of a valid envelope is answered as
 *     the doc says for plan A's ladders (OK, or REJECTED for an unknown school or
 *     period, a bad as_of, grade, hours or lessons, level or share); per pupil, ladder
 *     and period the ABSENCE_LEVEL alerts raise levels 1, 2, ... each once, in seq
 *     order, each by an event of its batch answered OK, none by counts as of a day
 *     before counts applied earlier; of one report's alerts all but the last say they
 *     were passed at once; the stored place holds the highest level raised and the
 *     as_of of the last counts applied (so a refused or late report changed neither);
 *     a place retention purged is gone, and the pupil starts again from level 0; the
 *     figures of each ladder and period add up to its stored places and those purged
 *     (figures stay): as many pupils, as many at each level, the same lessons held and
 *     missed. A drop-out report is answered as the doc says; one answered OK from under
 *     25 raises one DROP_OUT alert to exactly those its home area names by age, unless
 *     its provider, pupil and day were told before by an alert not purged since; from 25
 *     and over, none;
 *  7. escalation (docs/plan-format.md "Escalation"; plan A escalates a miss to the board
 *     after 2 working days): an ESCALATION alert names, by its facts and its dedup key
 *     "escalation/SEQ/STEP", an earlier alert of a kind that escalates, with its subject,
 *     area and a severity one above; that alert was not acknowledged before it fired;
 *     and it fired no earlier than the step's delay after that alert's raise (days less
 *     the hour of a change to summer time). Once the empty batches after a batch have
 *     fired everything due, no escalation step is due by now, and the first pending
 *     one is of an unacknowledged alert.
 *  8. the audit log is gap-free: after each batch it holds seqs 1..last, each readable
 *     with that seq, their at_ms never going back; the batch added one ACK record per
 *     acknowledgement and one CLOCK_SET record per ClockSet it answered OK, in its own
 *     transaction, and nothing else but stored plans' PLAN_LOAD records (this struct
 *     lanud has no queue for the loop's records: d->audit is NULL) and lanud's PURGED
 *     records, at least one for each commit that purged something, each of a count
 *     above 0;
 *  9. retention (docs/plan-format.md "retention"; plan A with retention, op 13): an
 *     event about a case or a pupil dated before the horizon of the batch's now
 *     (retain_horizon()), a pupil's always, a case's when the store held nothing of the
 *     case as the batch began and no event of it was answered OK before it in the
 *     batch, is REJECTED naming event.occurred_at_ms (unless DUPLICATE), and no other
 *     is. After each commit: an event answered OK whose dedup entry went, an alert now
 *     purged and a pupil's place that went were each about a subject of a kind the plan
 *     in force keeps for a time; of a case, the commit took it whole (the store holds
 *     nothing of it: no clock of it open, nothing of it left); an alert not purged is
 *     about a subject the store holds (store_subject_held()); a purged alert carries
 *     nothing but seq, alert_id, kind, severity, recipients, raised_at_ms, prev_seq and
 *     its acknowledgement's by and at (its packed bytes are those fields' alone), and
 *     no alert is purged in the commit that raised it. Once the empty batches after a
 *     batch (or an accepted plan load, which wakes the writer) have run, nothing queued
 *     is due: each kind's first purge entry (store_purge_first()) is at or after
 *     retain_horizon() of the plan in force at now.
 *
 * After each batch, and after a plan load answered OK, the writer is flushed again,
 * empty, while that commits something: the clocks that fell due beyond one batch's
 * LANU_FIRE_MAX fire, escalation steps and purges due run, and the next batch starts
 * from a settled store.
 *
 * Plan A with retention is plan A for invariants 6 and 7 (plan_a_whole(): the same id,
 * ladders and escalation); the model forgets what a commit purged (an event is new to
 * lanud again, a place starts again, a drop-out notice may tell again).
 *
 * The input, a byte at a time (0 past its end), at most FUZZ_OPS operations:
 *
 *	op byte		bits 0-3 the operation, 4-6 the case (c0..c7), 7 send it as a REQ
 *			socket does, after an empty delimiter frame
 *	  0-3		ServiceRequested: hdr, svc, who, time bytes
 *	  4, 5		ServiceProvided: hdr, svc, time bytes
 *	  6		CaseCancelled: hdr, svc, time bytes
 *	  7		ServicePostponed: hdr, svc bytes
 *	  8		DeadlineMissed: hdr, svc bytes
 *	  9		AlertAcknowledged: hdr, then a byte: bit 7 a made-up alert id
 *			(fake_ids[bits 0-1]), else the logged alert (byte % last) + 1
 *	  10		case bit 2 clear: IndicatorUpdated, AbsenceAlertRaised (in the town,
 *			the school or nowhere, no review period), MeasureStatusUpdated (case
 *			bits 0-2: 0, 1, 2): hdr, then a value byte; DropOutReported (3; an
 *			IndicatorUpdated before drop-outs): hdr, drop, then a day byte;
 *			set (c4-c7, added with absences; in older inputs bit 2 was unused,
 *			and none of the seeds set it): c4, c5 AbsenceCountsReported: hdr,
 *			pupil, as_of, held, then three tally bytes (authorised, unauthorised,
 *			unexplained); c6, c7 AbsenceAlertRaised with the pupil byte's period
 *			(c6) or none (c7): hdr, pupil, then a level byte
 *	  11		an earlier event again (of the last FUZZ_HIST), a byte: bits 0-4 which,
 *			bit 5 from the next producer, bit 6 a fresh event_id
 *	  12		ClockSet, a byte: case bit 2 clear (c0-c3; the seeds before retention
 *			have c0 only): bits 6-7 0 forward by a span byte, 1 back (v + 1)
 *			hours, 2 to now, 3 to the next clock instant + (v & 3) - 1 ms; set
 *			(c4-c7), retention's reach, v = bits 0-5: bits 6-7 0 forward (v + 1)
 *			weeks, 1 (v % 13 + 1) times 30 days and v / 13 days, 2 to the next purge
 *			instant (retain_next_at()) + (v & 3) - 1 ms (none: 395 days), 3 365 + v
 *			days. Never past T0 + 730 days. With retention in force, a ClockSet
 *			whose instant's horizon passes the batch's now goes in a batch of its
 *			own (the batch in hand ends before it, and it ends its own)
 *	  13		end of batch, the checks: case bit 0 clear, writer_flush() on this
 *			thread; set, the loop runs: its flush event hands the batch to the
 *			writer thread, its wake-up answers it (then writer_flush() waits for
 *			the batch of still due clocks the thread may have next); case bits 1-2
 *			1 (c2, c3; unused before retention), then a PlanLoad of plan A with
 *			retention, a keep byte
 *	  14		a query (case bits 0-2: Status, Alert, OpenAlerts, Replay, Due,
 *			Compliance, Plan, PlanHistory), a parameter byte
 *	  15		raw (case bits): 0, 1 a garbage frame: a length byte, that many
 *			bytes (1: after a corr_id of ours); 2 a Status in bad framing (a byte:
 *			routing id only, a non-empty second frame, four frames); PlanLoad of
 *			3 the plan in force's text again, 4 plan B as a dry run, 5 plan A cut
 *			after (byte * 8) bytes, 6 plan B, 7 plan A
 *	hdr byte	bits 0-1 producer (p0, p1, p2, an invalid one), 2-5 event id
 *			(e0..e15), 6-7 3: an invalid event id
 *	svc, who, time	as in fuzz_deadline.c: svc bits 0-2 service, 3-5 stage, 6-7 area;
 *			who bits 0-2 age group, 3-4 language, 5 urgent; time bits 6-7 0 now -
 *			v hours, 1 now - v days, 2 now + v hours, 3 T0 + 5v days (v < 32), else
 *			the due instant of the case's clock + (v & 3) - 1 ms (v = bits 0-5)
 *	span byte	(v + 1) times 10 minutes, an hour, a day, a week for bits 6-7
 *	pupil byte	bits 0-1 pupil (c0..c3), 2-3 school (lyceum: plan A's term ladder;
 *			academy: its school-year ladder; school: no ladder; nowhere), 4-5
 *			period (2025-autumn, 2026-spring, 2025-2026, 2026-autumn: no ladder's),
 *			6-7 grade (7, 1, 13, and 0 with c4, 14 with c5; counts only)
 *	as_of byte	below 0xc0: the period's first day (the lyceum's autumn for a period
 *			it does not have) + (v & 127) days; else bits 0-2: 0 the day before
 *			it, else a string that is not a day
 *	held byte	4 times it lessons held
 *	tally byte	0 none, else v = bits 0-5 lessons absent and, for bits 6-7, v, 2v,
 *			v / 2 or -(v + 1) (refused) hours
 *	drop byte	bits 0-1 pupil (c0..c3), 2-4 home area (town, school, lyceum, academy,
 *			nowhere, lyceum, academy, lyceum), 5-6 age group (0: none, refused),
 *			7 provider (lyceum, academy)
 *	day byte	bits 0-5 below 60: 2025-10-01 + v days, else a string that is not a
 *			day; the reason is bits 6-7 + 1, but none (refused) for 59 with 6-7 0
 *	level byte	bits 0-2 the level, 3-5 absent hours (8 times), 6-7 absent share 0,
 *			0.25, 1, 1.5 (refused)
 *	keep byte	retention's cases by bits 0-1 (1 month, 5 weeks, 31 days, 2 months),
 *			pupils by bits 2-3 (12 months, 54 weeks, 372 days, 13 months); 4-7
 *			unused. Op 15 c3 loads the variant in force again
 *
 * The sockets, the writer and the store are set up once per process. Each input starts
 * from the same store: at set-up plan A is loaded into the empty store with
 * planload_apply() (version 1) and every record of every database is kept; before each
 * input one write transaction empties every database and puts those records back (a new
 * LMDB environment per input costs megabytes of allocation, and under ASan that was 80%
 * of the time). The store lives in /dev/shm where there is one (a commit's fsync is free
 * there), else in $TMPDIR or /tmp. The harness reaches under store.h twice, with LMDB's
 * own API on the transaction a store_txn holds: mdb_txn_id() of a read transaction for
 * the last committed id, and that reset. LANU_FUZZ_TRACE=1 prints each operation and
 * each reply.
 */
#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "calendar.h"
#include "fuzz_plan_clocks.h"
#include "fuzz_store.h"
#include "ingest.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanud.h"
#include "log.h"
#include "msg.h"
#include "plan.h"
#include "plan_index.h"
#include "planload.h"
#include "retain.h"
#include "store.h"
#include "timesrc.h"
#include "writer.h"
#include "zsock.h"

#define FUZZ_OPS	128	/* operations per input */
#define FUZZ_HIST	32	/* earlier events kept to send again */
#define FUZZ_KEYS	(FUZZ_OPS * 2)
#define FUZZ_TOPICS	8
#define FUZZ_PUPILS	64	/* ladder, period and pupil: 3 x 8 at most */
#define FUZZ_SETTLE	64	/* empty flushes after a batch, at most */
#define FUZZ_MAP	(8ULL << 20)
#define FUZZ_MAP_MAX	(256ULL << 20)
#define HOUR_MS		(3600ULL * 1000)
#define DAY_MS		(24 * HOUR_MS)
#define T0_MS		1759302000000ULL	/* 2025-10-01 10:00 +03:00, a Wednesday */
#define END_MS		(T0_MS + 730 * DAY_MS)
#define CORR_BASE	(1ULL << 40)	/* our corr_ids: garbage rarely says one */

#define C_OK		LANU__V1__REPLY__CODE__OK
#define C_DUPLICATE	LANU__V1__REPLY__CODE__DUPLICATE
#define C_REJECTED	LANU__V1__REPLY__CODE__REJECTED
#define C_UNAVAILABLE	LANU__V1__REPLY__CODE__UNAVAILABLE
#define C_NOT_FOUND	LANU__V1__REPLY__CODE__NOT_FOUND

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_deadline.c's plan: two areas, a school calendar, four services (working days,
 * months with a changing rule, urgent by age, four stages), compliance indicators, and
 * routes to three recipients; and two more schools on the school calendar with absence
 * ladders (docs/absences.md): the lyceum's by term (2025-autumn, 2026-spring), four
 * levels, unauthorised-first, the academy's by school year (2025-2026), three levels.
 * No ladder covers the school. The lyceum names an outreach youth work team (board), the
 * academy a compulsory-education supervisor (sup); the town and the school name none, and
 * no route is of kind drop-out, so a drop-out notice goes to those two alone. */
static const char plan_a[] =
	"lanu-plan: 1\n"
	"plan: {id: fuzz-stateful, organiser: Fuzz, title: Stateful fuzzing plan, "
	"period: 2025-2027}\n"
	FUZZ_CLOCK_PLAN_AREAS
	"      - {id: lyceum, name: Lyceum, kind: school, calendar: school-cal, outreach: board}\n"
	"      - {id: academy, name: Academy, kind: school, calendar: school-cal,\n"
	"         compulsory-education: sup}\n"
	FUZZ_CLOCK_PLAN_REST
	"absences:\n"
	"  - id: by-term\n"
	"    provider: {fi: Lyseo, en: The lyceum}\n"
	"    areas: lyceum\n"
	"    period: term\n"
	"    calendar: school-cal\n"
	"    unauthorised-first: true\n"
	"    levels:\n"
	"      - {hours: 10, action: Contact the guardian, to: board}\n"
	"      - {hours: 20, share: 10, action: Student welfare}\n"
	"      - {hours: 40, counts: [unauthorised, unexplained], action: Expert group}\n"
	"      - {hours: 80, share: 30, severity: critical, action: Consider a notification}\n"
	"  - id: by-year\n"
	"    provider: The academy\n"
	"    areas: [academy]\n"
	"    period: school-year\n"
	"    calendar: school-cal\n"
	"    levels:\n"
	"      - {share: 5, action: Contact the guardian}\n"
	"      - {hours: 30, share: 10, action: Student welfare, to: sup}\n"
	"      - {hours: 60, share: 20, severity: info, action: Follow-up}\n";

/* A second plan: one area, one service of plan A with another limit, one recipient.
 * Loading it leaves clocks and alerts naming what it does not have. */
static const char plan_b[] =
	"lanu-plan: 1\n"
	"plan: {id: fuzz-stateful-b, organiser: Fuzz, title: Second plan, period: 2025-2027}\n"
	"areas:\n"
	"  - {id: town, name: Town, kind: municipality}\n"
	"recipients:\n"
	"  - {id: sup, name: Supervisor, kind: supervisor}\n"
	"services:\n"
	"  - id: wd\n"
	"    name: Three working days\n"
	"    limits: {normal: 3 working days}\n"
	"    warn-before: 1 working day\n"
	"routes:\n"
	"  - {kinds: [deadline-warning, deadline-missed, resolved], to: sup}\n";

/* Plan A with retention (op 13, c2 and c3, a byte): plan A's text and a retention line,
 * its cases' time by bits 0-1 of the byte, its pupils' by bits 2-3: the least each
 * allows, and a little more in each unit. */
static const char *const fuzz_keep_cases[4] = { "1 month", "5 weeks", "31 days", "2 months" };
static const char *const fuzz_keep_pupils[4] = { "12 months", "54 weeks", "372 days",
						 "13 months" };

/* The names an operation picks from: collisions are the point. */
static const char *const fuzz_producers[4] = { "p0", "p1", "p2", "no producer" };
static const char *const fuzz_cases[8] = { "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7" };
static const char *const fuzz_services[8] = { "wd", "mo", "urg", "staged",
					      "wd", "staged", "staged", "nope" };
static const char *const fuzz_stages[8] = { "", "", "a", "b", "c", "", "d", "zz" };
static const char *const fuzz_areas[4] = { "town", "school", "school", "nowhere" };
static const char *const fuzz_ages[8] = { "", "7-17", "15", "3", "23-", "abc", "17-7", "18-" };
static const char *const fuzz_langs[4] = { "", "fi", "sv", "fi" };
static const char *const fake_ids[4] = { "a-0", "a-99999999", "nope", "a-1x" };
static const char *const fuzz_recipients[4] = { "sup", "board", "school-team", "nobody" };
static const char *const fuzz_spans[4] = { "", "2 working days", "3 weeks", "4 parsecs" };
static const char *const fuzz_periods[4] = { "", "2025", "2025-Q4", "2025-13" };
static const char *const fuzz_bys[4] = { "area", "language", "age", "shoe-size" };
static const char *const fuzz_schools[4] = { "lyceum", "academy", "school", "nowhere" };
static const char *const fuzz_terms[4] = { "2025-autumn", "2026-spring", "2025-2026",
					   "2026-autumn" };
static const uint32_t fuzz_grades[5] = { 7, 1, 13, 0, 14 };
static const char *const fuzz_homes[8] = { "town", "school", "lyceum", "academy", "nowhere",
					   "lyceum", "academy", "lyceum" };
static const char *const fuzz_bad_days[8] = { "", "", "2025-9-01", "2025-02-30", "2025-13-01",
					      "2025-10-01T12", "01.10.2025", "2025-10-1" };

/* Plan A's absence ladders, as the fuzzer knows them: the school each covers, its review
 * periods and their first days (the terms of school-cal), its number of levels. */
static const struct ladder {
	const char *id, *school;
	const char *periods[2], *starts[2];
	uint32_t levels;
} fuzz_ladders[2] = {
	{ "by-term", "lyceum", { "2025-autumn", "2026-spring" }, { "2025-08-07", "2026-01-07" },
	  4 },
	{ "by-year", "academy", { "2025-2026", NULL }, { "2025-08-07", NULL }, 3 },
};

static const char dealer_id[] = "fuzz-dealer";

/* Set up once: the sockets and the struct lanud around them. */
static struct {
	bool ready;
	bool trace;
	struct lanud d;
	void *dealer;	/* replies in */
	void *sub;	/* live alerts in */
	char dir[256];	/* the store's directory, removed once it is open */
	MDB_dbi dbs[32];	/* every database of the store */
	size_t n_dbs;
	struct record {		/* and what they hold with plan A loaded: each input's start */
		MDB_dbi dbi;
		uint8_t *key;	/* then the value */
		size_t key_len, val_len;
	} *tmpl;
	size_t n_tmpl;
	char plan_a_sha[65];
} fz;

static const char *const store_files[] = { "data.mdb", "lock.mdb", "lanud.lock" };

/* A request sent and not yet answered. */
struct sent {
	uint64_t corr;
	bool delim;		/* sent after an empty delimiter: the reply repeats it */
	bool event;		/* an event (else a ClockSet) */
	bool ack;		/* an AlertAcknowledged */
	int expect;		/* the one code it must get, or 0: OK, REJECTED or NOT_FOUND */
	char key[LANU_MAX_NAME + LANU_MAX_ID + 2];	/* producer NUL event_id (events) */
	size_t key_len;
	uint64_t clock_usec;	/* a ClockSet's */
	unsigned op;
	bool ok;		/* answered OK */
	int pupil;		/* an AbsenceCountsReported expected OK: its run.pupils[], or -1 */
	bool late;		/* answered OK, as of a day before one applied: raises nothing */
	char as_of[16];
	char drop[64];		/* a DropOutReported expected OK: its notice's key, else "" */
	const char *drop_to[2];	/* and whom it tells, if it is the first of its key */
	size_t n_drop_to;
	bool drop_any_to;	/* under a plan cut short: whom it tells is not known */
	char subject[STORE_SUBJECT_MAX];	/* an event's: "case:<id>", "pupil:<id>", "" */
	uint64_t occurred;	/* and its occurred_at_ms */
	bool held;		/* a case's: the store held it when the batch began */
};

/* What the figures of one ladder and period must add up to. */
struct figures {
	uint64_t pupils, held, absent, at[LANU_MAX_LEVELS + 1];
};

/* A pupil's place on a ladder in a review period, as the replies and alerts tell it. */
struct pupil {
	const struct ladder *ladder;
	char period[16];
	char pupil_id[8];
	char as_of[16];		/* of the last counts answered OK and not late, "" none */
	uint32_t level;		/* the highest level raised */
	const struct sent *last_by;	/* the event of its last alert in this batch */
	bool last_at_once;	/* and whether that alert said it was passed at once */
	bool has_place;		/* its place was stored at the last check */
	struct figures fig;	/* and what it adds to its ladder's figures */
};

/* A recipient's topic on the PUB socket, and the last seq it carried. */
struct topic {
	char name[LANU_MAX_NAME + 1];
	uint64_t last;
};

/* An event sent before, to send again. */
struct hist {
	uint8_t *buf;
	size_t len;
};

/* One input's run. */
struct run {
	struct lanud *d;
	uint64_t now_ms;	/* the manual clock as the last commit left it */
	uint64_t clock_usec;	/* and as the queued ClockSets will leave it */
	uint64_t last_seq;	/* alerts 1..last_seq are checked */
	uint64_t audit_seq;	/* audit records 1..audit_seq are checked */
	uint64_t audit_at;	/* and the last one's at_ms */
	uint64_t txnid;		/* LMDB's last txn id after the last settled batch */
	uint64_t corr;		/* the next corr_id */
	struct sent q[FUZZ_OPS];	/* queued for the writer, in order */
	size_t nq;
	char keys[FUZZ_KEYS][LANU_MAX_NAME + LANU_MAX_ID + 2];	/* answered OK */
	size_t key_len[FUZZ_KEYS];
	size_t nkeys;
	struct hist hist[FUZZ_HIST];
	size_t nhist;
	struct topic topics[FUZZ_TOPICS];
	size_t ntopics;
	struct pupil pupils[FUZZ_PUPILS];
	size_t npupils;
	char drops[FUZZ_OPS][64];	/* the drop-out notices raised: their keys */
	uint64_t drop_seq[FUZZ_OPS];	/* and their alerts */
	size_t ndrops;
	bool key_gone[FUZZ_KEYS];	/* answered OK, then purged (invariant 9) */
	char key_subj[FUZZ_KEYS][STORE_SUBJECT_MAX];	/* whom each is about */
	size_t ngone;
	struct alert_of {	/* alert seq - 1: whom it was about, and whether it is purged */
		char subject[STORE_SUBJECT_MAX];
		bool purged;
	} *alerts;
	size_t nalerts;
	struct figures gone_fig[2][2];	/* purged places' figures: ladder, period */
	uint64_t purges;	/* commits that purged something, not yet met in the audit log */
	int variant;		/* the retention variant in force (-1: none), and loading */
	int loading;
	char plan_text[sizeof(plan_a) + 128];
	unsigned op;
	char what[256];
};

static void _printf_(3, 4) __attribute__((noreturn))
fuzz_fail(const struct run *r, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_stateful: ");
	if (r)
		fprintf(stderr, "op %u (%s), now T0%+.4fd: ", r->op, r->what,
			((double)r->now_ms - (double)T0_MS) / (double)DAY_MS);
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

static const char *
fuzz_strerror(int r)
{
	return strerror(r < 0 ? -r : r);
}

static const char *
code_name(int code)
{
	const ProtobufCEnumValue *v =
		protobuf_c_enum_descriptor_get_value(&lanu__v1__reply__code__descriptor, code);

	return v ? v->name : "(not a code)";
}

/* --- the store, from outside ------------------------------------------------------------- */

/* LMDB's last committed transaction id: a read transaction's snapshot is that one's. */
static uint64_t
store_txnid(struct run *r)
{
	struct store_txn t;
	uint64_t id;

	store_begin(r->d->store, &t, STORE_RO);
	CHECK(r, t.err == 0, "cannot begin a read transaction: %s", fuzz_strerror(t.err));
	id = mdb_txn_id(t.txn);
	store_abort(&t);
	return id;
}

static void
store_stats(struct run *r, struct store_stat *st)
{
	struct store_txn t;
	int rc;

	store_begin(r->d->store, &t, STORE_RO);
	rc = store_stat(&t, st);
	store_abort(&t);
	CHECK(r, rc == 0, "store_stat: %s", fuzz_strerror(rc));
}

/* A purged alert carries nothing but what retention keeps (invariant 9): packed, it is
 * what those fields alone pack to. */
static void
check_purged(struct run *r, const Lanu__V1__Alert *a)
{
	Lanu__V1__Acknowledgement ack = LANU__V1__ACKNOWLEDGEMENT__INIT;
	Lanu__V1__Alert kept = LANU__V1__ALERT__INIT;
	size_t la = lanu__v1__alert__get_packed_size(a), lk;
	uint8_t *ba, *bk;

	kept.seq = a->seq;
	kept.alert_id = a->alert_id;
	kept.kind = a->kind;
	kept.severity = a->severity;
	kept.n_recipients = a->n_recipients;
	kept.recipients = a->recipients;
	kept.raised_at_ms = a->raised_at_ms;
	kept.prev_seq = a->prev_seq;
	kept.purged = true;
	if (a->ack) {
		ack.by = a->ack->by;
		ack.at_ms = a->ack->at_ms;
		kept.ack = &ack;
	}
	lk = lanu__v1__alert__get_packed_size(&kept);
	ba = malloc(la + 1);
	bk = malloc(lk + 1);
	CHECK(r, ba && bk, "out of memory");
	lanu__v1__alert__pack(a, ba);
	lanu__v1__alert__pack(&kept, bk);
	CHECK(r, la == lk && memcmp(ba, bk, la) == 0, "purged alert %" PRIu64 " carries more "
	      "than it keeps (%zu bytes, not %zu): subject '%s', dedup key '%s', facts %s",
	      a->seq, la, lk, a->subject, a->dedup_key, a->facts ? "kept" : "none");
	free(ba);
	free(bk);
}

/* Alerts from..to are in the log: each readable under its seq, found by its id and
 * its dedup key unless purged (invariant 9: a purged alert has none). Returns their
 * recipient counts in n_rcpt[seq - from] if n_rcpt. */
static void
check_log(struct run *r, uint64_t from, uint64_t to, size_t *n_rcpt)
{
	struct store_txn t;

	store_begin(r->d->store, &t, STORE_RO);
	for (uint64_t s = from; s <= to; s++) {
		Lanu__V1__Alert *a;
		uint64_t by;
		int rc = store_get_alert(&t, s, &a);

		CHECK(r, rc == 0, "alert %" PRIu64 " of 1..%" PRIu64 " is not in the log: %s", s,
		      to, fuzz_strerror(rc));
		CHECK(r, a->seq == s, "alert %" PRIu64 " is logged with seq %" PRIu64, s, a->seq);
		if (a->purged)
			check_purged(r, a);
		if (s == r->nalerts + 1) {	/* a new one: whom it is about */
			struct alert_of *v = realloc(r->alerts, (size_t)s * sizeof(*v));

			CHECK(r, v, "out of memory");
			r->alerts = v;
			v[r->nalerts++] = (struct alert_of){ .purged = a->purged };
			snprintf(v[s - 1].subject, sizeof(v[s - 1].subject), "%s", a->subject);
			CHECK(r, !a->purged, "alert %" PRIu64 " is purged as it is raised", s);
		}
		rc = store_alert_by_id(&t, a->alert_id, &by);
		CHECK(r, rc == 0 && by == s, "alert %" PRIu64 "'s id '%s' finds %" PRIu64 " (%s)",
		      s, a->alert_id, rc == 0 ? by : 0, fuzz_strerror(rc));
		if (*a->dedup_key) {
			rc = store_alert_by_key(&t, a->dedup_key, &by);
			CHECK(r, rc == 0 && by == s, "alert %" PRIu64 "'s dedup key '%s' finds "
			      "%" PRIu64 " (%s)", s, a->dedup_key, rc == 0 ? by : 0,
			      fuzz_strerror(rc));
		}
		if (n_rcpt)
			n_rcpt[s - from] = a->n_recipients;
		lanu__v1__alert__free_unpacked(a, NULL);
	}
	store_abort(&t);
}

/* Audit records r->audit_seq + 1..last (invariant 8): there, in order, at_ms never going
 * back, as many ACK and CLOCK_SET records as want, every other one a PLAN_LOAD or, while
 * retention is in force, lanud's PURGED of what a commit took (at least one record). */
static void
check_audit(struct run *r, uint64_t last, size_t want)
{
	struct store_txn t;
	Lanu__V1__AuditRecord *a;
	uint64_t purged = 0;
	size_t got = 0;
	int rc;

	CHECK(r, last >= r->audit_seq, "the audit log went back from %" PRIu64 " to %" PRIu64,
	      r->audit_seq, last);
	store_begin(r->d->store, &t, STORE_RO);
	for (uint64_t s = r->audit_seq + 1; s <= last; s++) {
		rc = store_get_audit(&t, s, &a);
		CHECK(r, rc == 0, "audit record %" PRIu64 " of 1..%" PRIu64 " is not there: %s", s,
		      last, fuzz_strerror(rc));
		CHECK(r, a->seq == s, "audit record %" PRIu64 " says seq %" PRIu64, s, a->seq);
		CHECK(r, a->at_ms >= r->audit_at, "audit record %" PRIu64 " is at %" PRIu64 ", "
		      "before the one before it (%" PRIu64 ")", s, a->at_ms, r->audit_at);
		if (a->what == LANU__V1__AUDIT_RECORD__WHAT__ACK ||
		    a->what == LANU__V1__AUDIT_RECORD__WHAT__CLOCK_SET)
			got++;
		else if (a->what == LANU__V1__AUDIT_RECORD__WHAT__PURGED)
			CHECK(r, a->count > 0 && strcmp(a->who, "lanud") == 0 && ++purged,
			      "audit record %" PRIu64 " says '%s' purged %" PRIu64 " records (%s)",
			      s, a->who, a->count, a->reason);
		else
			CHECK(r, a->what == LANU__V1__AUDIT_RECORD__WHAT__PLAN_LOAD, "audit record "
			      "%" PRIu64 " is a %d", s, (int)a->what);
		r->audit_at = a->at_ms;
		lanu__v1__audit_record__free_unpacked(a, NULL);
	}
	rc = store_get_audit(&t, last + 1, &a);
	if (rc == 0)
		lanu__v1__audit_record__free_unpacked(a, NULL);
	store_abort(&t);
	CHECK(r, rc == -ENOENT, "an audit record after the last, %" PRIu64, last);
	CHECK(r, got == want, "the batch left %zu ACK and CLOCK_SET records for %zu "
	      "acknowledgements and clock sets answered OK", got, want);
	CHECK(r, purged >= r->purges, "%" PRIu64 " commits purged something, %" PRIu64 " PURGED "
	      "records say so", r->purges, purged);
	r->purges = 0;
	r->audit_seq = last;
}

/* --- replies and live alerts ------------------------------------------------------------- */

/* The next reply on the DEALER, or NULL if none is waiting. *delim: it came after an
 * empty delimiter frame. */
static Lanu__V1__Reply *
recv_reply(struct run *r, bool *delim)
{
	Lanu__V1__Reply *rep;
	zmq_msg_t m;
	int frames = 0;

	*delim = false;
	zmq_msg_init(&m);
	for (;;) {
		if (zmq_msg_recv(&m, fz.dealer, ZMQ_DONTWAIT) < 0) {
			CHECK(r, errno == EAGAIN && frames == 0, "zmq_msg_recv: %s",
			      strerror(errno));
			zmq_msg_close(&m);
			return NULL;
		}
		frames++;
		if (!zmq_msg_more(&m))
			break;
		CHECK(r, frames == 1 && zmq_msg_size(&m) == 0, "a reply of more than one frame "
		      "after the delimiter");
		*delim = true;
	}
	rep = lanu__v1__reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
	CHECK(r, rep, "a reply that does not unpack (%zu bytes)", zmq_msg_size(&m));
	zmq_msg_close(&m);
	return rep;
}

/* A reply's code is one of the protocol's, and a refusal says why. */
static void
check_code(struct run *r, const Lanu__V1__Reply *rep)
{
	CHECK(r, rep->code == C_OK || rep->code == C_DUPLICATE || rep->code == C_REJECTED ||
		 rep->code == C_NOT_FOUND || rep->code == C_UNAVAILABLE,
	      "reply %" PRIu64 " has code %d", rep->corr_id, rep->code);
	CHECK(r, rep->code != C_UNAVAILABLE, "reply %" PRIu64 " is UNAVAILABLE: %s",
	      rep->corr_id, rep->reason);
	if (rep->code == C_REJECTED || rep->code == C_NOT_FOUND)
		CHECK(r, *rep->reason, "reply %" PRIu64 " is %s without a reason", rep->corr_id,
		      code_name(rep->code));
}

/* The one reply to a request answered at once. */
static Lanu__V1__Reply *
expect_now(struct run *r, uint64_t corr, bool delim)
{
	Lanu__V1__Reply *rep, *extra;
	bool d, d2;

	rep = recv_reply(r, &d);
	CHECK(r, rep, "request %" PRIu64 " got no reply", corr);
	CHECK(r, rep->corr_id == corr, "the reply to %" PRIu64 " says corr_id %" PRIu64, corr,
	      rep->corr_id);
	CHECK(r, d == delim, "the reply to %" PRIu64 " %s a delimiter", corr,
	      d ? "has" : "lacks");
	check_code(r, rep);
	if (fz.trace)
		fprintf(stderr, "  op %u: %s %s\n", r->op, code_name(rep->code), rep->reason);
	extra = recv_reply(r, &d2);
	CHECK(r, !extra, "request %" PRIu64 " got a second reply (corr_id %" PRIu64 ")", corr,
	      extra ? extra->corr_id : 0);
	return rep;
}

/* The (producer, event_id) answered OK, purged or not, or -1. */
static ssize_t
key_find(const struct run *r, const char *key, size_t len)
{
	for (size_t i = 0; i < r->nkeys; i++)
		if (r->key_len[i] == len && memcmp(r->keys[i], key, len) == 0)
			return (ssize_t)i;
	return -1;
}

static struct topic *
topic_of(struct run *r, const char *name, size_t len)
{
	for (size_t i = 0; i < r->ntopics; i++)
		if (strlen(r->topics[i].name) == len && memcmp(r->topics[i].name, name, len) == 0)
			return &r->topics[i];
	CHECK(r, r->ntopics < FUZZ_TOPICS && len <= LANU_MAX_NAME, "a topic too many: '%.*s'",
	      (int)len, name);
	memcpy(r->topics[r->ntopics].name, name, len);
	r->topics[r->ntopics].name[len] = '\0';
	r->topics[r->ntopics].last = 0;
	return &r->topics[r->ntopics++];
}

/* The live alerts of the commit that took the log from r->last_seq to last. */
static void
check_published(struct run *r, uint64_t last)
{
	uint64_t from = r->last_seq + 1, prev_seq = 0;
	size_t *want = NULL, *got = NULL, n = last >= from ? last - from + 1 : 0;
	uint8_t buf[1 << 16];

	if (n) {
		want = calloc(n, sizeof(*want));
		got = calloc(n, sizeof(*got));
		CHECK(r, want && got, "out of memory");
		check_log(r, from, last, want);
	}
	for (;;) {
		int t = zmq_recv(fz.sub, buf, sizeof(buf), ZMQ_DONTWAIT), more, len;
		size_t sz = sizeof(more);
		Lanu__V1__Alert *a;
		struct topic *topic;

		if (t < 0) {
			CHECK(r, errno == EAGAIN, "zmq_recv: %s", strerror(errno));
			break;
		}
		CHECK(r, t >= 2 && buf[t - 1] == '\0', "a live alert's topic is not a name and "
		      "a NUL");
		topic = topic_of(r, (const char *)buf, (size_t)t - 1);
		CHECK(r, zmq_getsockopt(fz.sub, ZMQ_RCVMORE, &more, &sz) == 0 && more,
		      "a live alert without its second frame");
		len = zmq_recv(fz.sub, buf, sizeof(buf), ZMQ_DONTWAIT);
		CHECK(r, len >= 0 && (size_t)len <= sizeof(buf), "a live alert's body: %s",
		      strerror(errno));
		a = lanu__v1__alert__unpack(NULL, (size_t)len, buf);
		CHECK(r, a, "a live alert that does not unpack");
		CHECK(r, a->seq >= from && a->seq <= last, "live alert %" PRIu64 " for '%s', but "
		      "this commit logged %" PRIu64 "..%" PRIu64, a->seq, topic->name, from, last);
		CHECK(r, a->seq >= prev_seq, "live alert %" PRIu64 " after %" PRIu64, a->seq,
		      prev_seq);
		CHECK(r, a->prev_seq == topic->last, "live alert %" PRIu64 " for '%s' says "
		      "prev_seq %" PRIu64 ", its last was %" PRIu64, a->seq, topic->name,
		      a->prev_seq, topic->last);
		prev_seq = a->seq;
		topic->last = a->seq;
		got[a->seq - from]++;
		lanu__v1__alert__free_unpacked(a, NULL);
	}
	for (size_t i = 0; i < n; i++)
		CHECK(r, got[i] == want[i], "alert %" PRIu64 " has %zu recipients, %zu live "
		      "copies", from + i, want[i], got[i]);
	free(want);
	free(got);
	r->last_seq = last;
}

/* --- absences ---------------------------------------------------------------------------- */

/* The day n days after day (YYYY-MM-DD, read leniently), in out. */
static void
day_plus(const char *day, int n, char out[16])
{
	struct tm tm = { .tm_hour = 12 };
	time_t t;

	if (sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) {
		*out = '\0';
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon--;
	tm.tm_mday += n;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/* The ladder of plan A that covers school, or NULL. */
static const struct ladder *
ladder_of(const char *school)
{
	for (size_t i = 0; i < ELEMENTSOF(fuzz_ladders); i++)
		if (strcmp(fuzz_ladders[i].school, school) == 0)
			return &fuzz_ladders[i];
	return NULL;
}

/* The first day of period on ladder l, or NULL if it is not one of l's. */
static const char *
ladder_start(const struct ladder *l, const char *period)
{
	for (size_t i = 0; i < ELEMENTSOF(l->periods); i++)
		if (l->periods[i] && strcmp(l->periods[i], period) == 0)
			return l->starts[i];
	return NULL;
}

static struct pupil *
pupil_of(struct run *r, const struct ladder *l, const char *period, const char *pupil_id)
{
	struct pupil *p;

	for (size_t i = 0; i < r->npupils; i++)
		if (r->pupils[i].ladder == l && strcmp(r->pupils[i].period, period) == 0 &&
		    strcmp(r->pupils[i].pupil_id, pupil_id) == 0)
			return &r->pupils[i];
	CHECK(r, r->npupils < FUZZ_PUPILS && strlen(period) < sizeof(p->period) &&
		 strlen(pupil_id) < sizeof(p->pupil_id), "a pupil too many: %s/%s/%s", l->id,
	      period, pupil_id);
	p = &r->pupils[r->npupils++];
	*p = (struct pupil){ .ladder = l };
	snprintf(p->period, sizeof(p->period), "%s", period);
	snprintf(p->pupil_id, sizeof(p->pupil_id), "%s", pupil_id);
	return p;
}

/* Whether plan is plan A with all its ladders and levels: one cut short that still
 * parses has its id but not all of them. */
static bool
plan_a_whole(const Lanu__V1__Plan *plan)
{
	if (!plan || strcmp(plan->plan->id, "fuzz-stateful") != 0 ||
	    plan->n_absences != ELEMENTSOF(fuzz_ladders))
		return false;
	for (size_t i = 0; i < plan->n_absences; i++)
		if (plan->absences[i]->n_levels != fuzz_ladders[i].levels)
			return false;
	return true;
}

/* The code docs/absences.md gives an absence event (its envelope valid) with the plan in
 * force: OK or REJECTED. An AbsenceCountsReported expected OK gets its pupil in s. */
static int
absence_expect(struct run *r, const Lanu__V1__Envelope *ev, struct sent *s)
{
	bool plan_a_in_force = plan_a_whole(r->d->plan);
	const struct ladder *l;
	const char *start;

	if (ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED) {
		const Lanu__V1__AbsenceAlertRaised *m = ev->absence_alert_raised;

		/* a school no ladder of the plan in force covers, one the plan does not
		 * have included: stored, as before ladders */
		l = plan_a_in_force ? ladder_of(m->school) : NULL;
		if (!l)
			return C_OK;
		if (!ladder_start(l, m->term) || m->level > l->levels || m->absent_share < 0 ||
		    m->absent_share > 1)
			return C_REJECTED;
		return C_OK;
	} else {
		const Lanu__V1__AbsenceCountsReported *m = ev->absence_counts_reported;
		const Lanu__V1__AbsenceTally *by[] = { m->authorised, m->unauthorised,
						       m->unexplained };
		uint64_t lessons = 0;
		char day[16];

		l = plan_a_in_force ? ladder_of(m->school) : NULL;
		start = l ? ladder_start(l, m->period) : NULL;
		if (!start || m->grade < 1 || m->grade > 13)
			return C_REJECTED;
		day_plus(m->as_of, 0, day);
		if (strlen(m->as_of) != 10 || strcmp(day, m->as_of) != 0 ||
		    strcmp(m->as_of, start) < 0)
			return C_REJECTED;
		for (size_t i = 0; i < ELEMENTSOF(by); i++) {
			if (by[i] && by[i]->hours < 0)
				return C_REJECTED;
			lessons += by[i] ? by[i]->lessons : 0;
		}
		if (lessons > m->lessons_held)
			return C_REJECTED;
		s->pupil = (int)(pupil_of(r, l, m->period, m->pupil_id) - r->pupils);
		snprintf(s->as_of, sizeof(s->as_of), "%s", m->as_of);
		return C_OK;
	}
}

/* The event of this batch that the alert names: the one answered OK if one was (a
 * batch may send the same id more than once), or NULL. */
static struct sent *
sent_of(struct run *r, const Lanu__V1__Alert *a)
{
	size_t pl = strlen(a->producer), il = strlen(a->event_id);
	struct sent *found = NULL;

	for (size_t i = 0; i < r->nq; i++) {
		struct sent *s = &r->q[i];

		if (s->event && s->key_len == pl + 1 + il && memcmp(s->key, a->producer, pl) == 0 &&
		    s->key[pl] == '\0' && memcmp(s->key + pl + 1, a->event_id, il) == 0 &&
		    (!found || s->ok))
			found = s;
	}
	return found;
}

/* The code docs/absences.md gives a DropOutReported of ours (its envelope valid): OK, or
 * REJECTED for an unknown home area, a day that is not one, no age group or reason. One
 * that may be answered OK, from under 25, gets the notice's key and recipients in s;
 * with a plan other than A or B in force (plan A cut short), 0: either, and whom it
 * tells is not known. */
static int
drop_out_expect(struct run *r, const Lanu__V1__DropOutReported *m, struct sent *s)
{
	const Lanu__V1__Plan *plan = r->d->plan;
	bool a = plan_a_whole(plan);
	char day[16];

	day_plus(m->day, 0, day);
	if (m->age_group == 0 || m->reason == 0 || strlen(m->day) != 10 ||
	    strcmp(day, m->day) != 0)
		return C_REJECTED;
	if (!a && (!plan || strcmp(plan->plan->id, "fuzz-stateful-b") != 0)) {
		if (m->age_group != LANU__V1__AGE_GROUP__AGE_GROUP_25_AND_OVER) {
			snprintf(s->drop, sizeof(s->drop), "%s/%s/%s", m->provider, m->pupil_id,
				 m->day);
			s->drop_any_to = true;
		}
		return 0;
	}
	if (strcmp(m->home_area, "town") != 0 && (!a || strcmp(m->home_area, "nowhere") == 0))
		return C_REJECTED;
	if (m->age_group == LANU__V1__AGE_GROUP__AGE_GROUP_25_AND_OVER)
		return C_OK;
	snprintf(s->drop, sizeof(s->drop), "%s/%s/%s", m->provider, m->pupil_id, m->day);
	if (a && strcmp(m->home_area, "lyceum") == 0)
		s->drop_to[s->n_drop_to++] = "board";
	if (a && strcmp(m->home_area, "academy") == 0 &&
	    m->age_group == LANU__V1__AGE_GROUP__AGE_GROUP_UNDER_18)
		s->drop_to[s->n_drop_to++] = "sup";
	return C_OK;
}

static bool
drop_told(const struct run *r, const char *key)
{
	for (size_t i = 0; i < r->ndrops; i++)
		if (strcmp(r->drops[i], key) == 0)
			return true;
	return false;
}

/* A batch's ESCALATION alert (invariant 7): of an alert logged before it, of a kind that
 * escalates, unacknowledged when it fired (an acknowledgement applied before a step
 * stops the chain), with the escalated alert's subject and a severity one above its,
 * at or after the step's instant: `after` from the escalated alert's raise, at least
 * that many days less the hour a change to summer time takes (or hours), by its dedup
 * key "escalation/SEQ/STEP" once per alert and step (invariant 4 finds the key once). */
static void
check_escalation(struct run *r, struct store_txn *t, uint64_t seq, const Lanu__V1__Alert *a)
{
	const Lanu__V1__AlertFacts *f = a->facts;
	const uint64_t hour = 3600 * 1000ULL;
	Lanu__V1__Alert *o;
	uint64_t span, want;
	char key[64];
	int rc;

	CHECK(r, f && f->alert_seq > 0 && f->alert_seq < seq && f->step >= 1 && f->after &&
	      f->after->count > 0, "escalation %" PRIu64 " names no earlier alert, step and delay",
	      seq);
	snprintf(key, sizeof(key), "escalation/%" PRIu64 "/%" PRIu32, f->alert_seq, f->step);
	CHECK(r, strcmp(a->dedup_key, key) == 0, "escalation %" PRIu64 " has the key '%s'", seq,
	      a->dedup_key);
	rc = store_get_alert(t, f->alert_seq, &o);
	CHECK(r, rc == 0, "escalation %" PRIu64 ": alert %" PRIu64 " cannot be read: %s", seq,
	      f->alert_seq, fuzz_strerror(rc));
	/* one purged since (in the batch that fired the step) keeps no subject or area:
	 * its own record, made as it was raised, says them */
	CHECK(r, o->kind != LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION &&
	      o->kind != LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED && f->alert_kind == o->kind &&
	      strcmp(f->alert_id, o->alert_id) == 0 &&
	      strcmp(a->subject, o->purged && o->seq <= r->nalerts ? r->alerts[o->seq - 1].subject
								   : o->subject) == 0 &&
	      (o->purged || strcmp(a->area, o->area) == 0) && (int)a->severity ==
	      (o->severity < LANU__V1__SEVERITY__SEVERITY_CRITICAL ? (int)o->severity + 1
	       : LANU__V1__SEVERITY__SEVERITY_CRITICAL),
	      "escalation %" PRIu64 " (kind %d, %s, severity %d) does not match alert %" PRIu64
	      " (kind %d, %s, severity %d)", seq, f->alert_kind, a->subject, a->severity, o->seq,
	      o->kind, o->subject, o->severity);
	CHECK(r, !o->ack || o->ack->at_ms >= a->raised_at_ms, "alert %" PRIu64 " was "
	      "acknowledged at %" PRIu64 ", before its escalation %" PRIu64 " at %" PRIu64,
	      o->seq, o->ack->at_ms, seq, a->raised_at_ms);
	span = f->after->unit == LANU__V1__DURATION__UNIT__UNIT_HOURS
		       ? f->after->count * hour
		       : f->after->count * 24 * hour - hour;
	want = o->raised_at_ms + span;
	if (fz.trace)
		fprintf(stderr, "  alert %" PRIu64 ": escalates %s, step %" PRIu32 "\n", seq,
			o->alert_id, f->step);
	CHECK(r, a->raised_at_ms >= want, "escalation %" PRIu64 " of alert %" PRIu64 " after '%s' "
	      "raised at %" PRIu64 ", before %" PRIu64, seq, o->seq, f->after->text,
	      a->raised_at_ms, want);
	lanu__v1__alert__free_unpacked(o, NULL);
}

/* The alerts from..to that the empty batches after a batch fired (clocks and escalation
 * steps still due): their escalations are checked as a batch's are; then, everything due
 * having fired, the escalations' fire index starts after now, at a chain whose alert is
 * not acknowledged (an acknowledgement deletes the chain). */
static void
check_settled(struct run *r, uint64_t from, uint64_t to)
{
	struct store_stat st;
	struct store_txn t;
	Lanu__V1__Alert *a;
	uint64_t at, seq;
	int rc;

	store_begin(r->d->store, &t, STORE_RO);
	for (seq = from; seq <= to; seq++) {
		rc = store_get_alert(&t, seq, &a);
		CHECK(r, rc == 0, "alert %" PRIu64 ": %s", seq, fuzz_strerror(rc));
		if (a->kind == LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION)
			check_escalation(r, &t, seq, a);
		lanu__v1__alert__free_unpacked(a, NULL);
	}
	rc = store_stat(&t, &st);
	CHECK(r, rc == 0, "store_stat: %s", fuzz_strerror(rc));
	CHECK(r, st.next_escalation_ms == 0 || st.next_escalation_ms > r->now_ms, "everything due "
	      "has fired, yet an escalation step is due at %" PRIu64 " (now %" PRIu64 ")",
	      st.next_escalation_ms, r->now_ms);
	CHECK(r, !st.next_escalation_ms == !st.pending_escalations, "%" PRIu64 " escalations "
	      "pending, the next at %" PRIu64, st.pending_escalations, st.next_escalation_ms);
	if (store_esc_first(&t, &at, &seq) == 0) {
		rc = store_get_alert(&t, seq, &a);
		CHECK(r, rc == 0 && !a->ack, "the escalation of alert %" PRIu64 " is pending, but "
		      "the alert is %s", seq, rc == 0 ? "acknowledged" : "not there");
		lanu__v1__alert__free_unpacked(a, NULL);
	}
	/* invariant 9: nothing the purge queues hold is due */
	for (int kind = STORE_SUBJECT_CASE; kind <= STORE_SUBJECT_PUPIL; kind++) {
		uint64_t h = retain_horizon(r->d->plan, (enum store_subject_kind)kind, r->now_ms);
		char subject[STORE_SUBJECT_MAX];

		rc = store_purge_first(&t, (enum store_subject_kind)kind, &at, subject);
		CHECK(r, rc == 0 || rc == -ENOENT, "store_purge_first: %s", fuzz_strerror(rc));
		CHECK(r, rc != 0 || !h || at >= h, "everything due has been purged, yet '%s' is "
		      "queued at %" PRIu64 ", before the horizon %" PRIu64, subject, at, h);
	}
	store_abort(&t);
}

/* A batch's DROP_OUT alert (invariant 6): raised by an event of the batch answered OK,
 * from under 25, the first of its provider, pupil and day, to exactly those its home
 * area names by age. */
static void
check_drop_out(struct run *r, uint64_t seq, const Lanu__V1__Alert *a)
{
	struct sent *s = sent_of(r, a);

	CHECK(r, s && s->ok && *s->drop, "drop-out alert %" PRIu64 " names event '%s' of '%s', "
	      "which this batch %s", seq, a->event_id, a->producer,
	      !s ? "did not send" : !s->ok ? "did not answer OK" : "did not expect to tell");
	CHECK(r, !drop_told(r, s->drop), "drop-out alert %" PRIu64 " tells '%s' again", seq,
	      s->drop);
	CHECK(r, s->drop_any_to || a->n_recipients == s->n_drop_to, "drop-out alert %" PRIu64
	      " (op %u) has %zu recipients, not %zu", seq, s->op, a->n_recipients, s->n_drop_to);
	for (size_t i = 0; i < s->n_drop_to && !s->drop_any_to; i++)
		CHECK(r, strcmp(a->recipients[i], s->drop_to[i]) == 0, "drop-out alert %" PRIu64
		      " (op %u) tells '%s', not '%s'", seq, s->op, a->recipients[i],
		      s->drop_to[i]);
	CHECK(r, r->ndrops < ELEMENTSOF(r->drops), "more drop-out notices than operations");
	r->drop_seq[r->ndrops] = seq;
	snprintf(r->drops[r->ndrops++], sizeof(r->drops[0]), "%s", s->drop);
}

static void
figures_add(struct figures *f, const Lanu__V1__AbsenceState *st)
{
	const Lanu__V1__AbsenceTally *by[] = { st->authorised, st->unauthorised,
					       st->unexplained };

	f->pupils++;
	f->held += st->lessons_held;
	for (size_t i = 0; i < ELEMENTSOF(by); i++)
		f->absent += by[i] ? by[i]->lessons : 0;
	if (st->level <= LANU_MAX_LEVELS)
		f->at[st->level]++;
}

struct figures_scan {
	const char *ladder;
	struct figures sum;
};

static int
figures_cb(const Lanu__V1__AbsenceFigures *f, void *arg)
{
	struct figures_scan *x = arg;

	if (strcmp(f->ladder, x->ladder) != 0)
		return 0;
	x->sum.pupils += f->pupils;
	x->sum.held += f->lessons_held;
	x->sum.absent += f->lessons_absent;
	for (size_t i = 0; i < f->n_at_level && i <= LANU_MAX_LEVELS; i++)
		x->sum.at[i] += f->at_level[i];
	return 0;
}

/* Invariant 6's figures: those of each ladder and period of plan A add up to the places
 * stored for it and those purged. */
static void
check_figures(struct run *r, struct store_txn *t)
{
	for (size_t k = 0; k < ELEMENTSOF(fuzz_ladders); k++) {
		const struct ladder *l = &fuzz_ladders[k];

		for (size_t j = 0; j < ELEMENTSOF(l->periods) && l->periods[j]; j++) {
			struct figures want = r->gone_fig[k][j];	/* purged places' stay */
			struct figures_scan got = { .ladder = l->id };
			int rc;

			for (size_t i = 0; i < r->npupils; i++) {
				const struct pupil *p = &r->pupils[i];
				Lanu__V1__AbsenceState *st = NULL;

				if (p->ladder != l || strcmp(p->period, l->periods[j]) != 0 ||
				    store_absence_get(t, l->id, p->period, p->pupil_id, NULL,
						      &st) < 0)
					continue;
				figures_add(&want, st);
				lanu__v1__absence_state__free_unpacked(st, NULL);
			}
			rc = store_absence_scan_figures(t, l->periods[j], figures_cb, &got);
			CHECK(r, rc == 0, "figures of %s: %s", l->periods[j], fuzz_strerror(rc));
			CHECK(r, memcmp(&got.sum, &want, sizeof(want)) == 0, "the figures of %s/%s "
			      "say %" PRIu64 " pupils, %" PRIu64 " lessons held, %" PRIu64 " missed, "
			      "%" PRIu64 " at level 0, %" PRIu64 " at 1; its places %" PRIu64 ", %"
			      PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64, l->id, l->periods[j],
			      got.sum.pupils, got.sum.held, got.sum.absent, got.sum.at[0],
			      got.sum.at[1], want.pupils, want.held, want.absent, want.at[0],
			      want.at[1]);
		}
	}
}

/* The absence alerts of a batch's commit, from..to (invariant 6): for each pupil, ladder
 * and period, levels 1, 2, ... each once, in seq order, each raised by an event of the
 * batch answered OK and not by a report as of an earlier day than one applied before it;
 * all but the last of one report say they were passed at once. The stored places say the
 * highest level raised and the day of the last counts applied. */
static void
check_absences(struct run *r, uint64_t from, uint64_t to)
{
	struct store_txn t;

	for (size_t i = 0; i < r->npupils; i++)
		r->pupils[i].last_by = NULL;
	store_begin(r->d->store, &t, STORE_RO);
	for (uint64_t seq = from; seq <= to; seq++) {
		Lanu__V1__Alert *a;
		const Lanu__V1__AlertFacts *f;
		const struct ladder *l = NULL;
		struct pupil *p;
		struct sent *s;
		int rc = store_get_alert(&t, seq, &a);

		CHECK(r, rc == 0, "alert %" PRIu64 ": %s", seq, fuzz_strerror(rc));
		f = a->facts;
		if (a->kind == LANU__V1__ALERT_KIND__ALERT_KIND_DROP_OUT)
			check_drop_out(r, seq, a);
		if (a->kind == LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION)
			check_escalation(r, &t, seq, a);
		if (a->kind != LANU__V1__ALERT_KIND__ALERT_KIND_ABSENCE_LEVEL) {
			lanu__v1__alert__free_unpacked(a, NULL);
			continue;
		}
		CHECK(r, f, "absence alert %" PRIu64 " without its facts", seq);
		for (size_t k = 0; k < ELEMENTSOF(fuzz_ladders); k++)
			if (strcmp(fuzz_ladders[k].id, f->ladder) == 0)
				l = &fuzz_ladders[k];
		CHECK(r, l && ladder_start(l, f->period), "absence alert %" PRIu64 " names ladder "
		      "'%s', period '%s'", seq, f->ladder, f->period);
		p = pupil_of(r, l, f->period, f->case_id);
		CHECK(r, f->level == p->level + 1, "absence alert %" PRIu64 " raises level %" PRIu32
		      " of %s/%s for %s, after level %" PRIu32, seq, f->level, l->id, p->period,
		      p->pupil_id, p->level);
		CHECK(r, f->level <= l->levels, "absence alert %" PRIu64 " raises level %" PRIu32
		      " of %" PRIu32, seq, f->level, l->levels);
		s = sent_of(r, a);
		CHECK(r, s && s->ok, "absence alert %" PRIu64 " (level %" PRIu32 ") names event "
		      "'%s' of '%s', which this batch %s", seq, f->level, a->event_id, a->producer,
		      s ? "did not answer OK" : "did not send");
		CHECK(r, !s->late, "absence alert %" PRIu64 " (level %" PRIu32 ") raised by op %u, "
		      "a report as of %s, earlier than one applied before it", seq, f->level, s->op,
		      s->as_of);
		CHECK(r, !p->last_by || p->last_by != s || p->last_at_once, "absence alert %" PRIu64
		      " follows one of the same report not passed at once", seq);
		p->level = f->level;
		p->last_by = s;
		p->last_at_once = f->at_once;
		lanu__v1__alert__free_unpacked(a, NULL);
	}
	for (size_t i = 0; i < r->nq; i++)
		CHECK(r, !r->q[i].ok || !*r->q[i].drop || drop_told(r, r->q[i].drop), "drop-out "
		      "'%s' (op %u) was answered OK and told nobody", r->q[i].drop, r->q[i].op);
	for (size_t i = 0; i < r->npupils; i++) {
		struct pupil *p = &r->pupils[i];
		Lanu__V1__AbsenceState *st = NULL;
		int rc;

		CHECK(r, !p->last_by || !p->last_at_once, "the last level %" PRIu32 " of %s/%s for "
		      "%s raised by op %u says it was passed at once", p->level, p->ladder->id,
		      p->period, p->pupil_id, p->last_by->op);
		rc = store_absence_get(&t, p->ladder->id, p->period, p->pupil_id, NULL, &st);
		p->has_place = rc == 0;
		p->fig = (struct figures){ 0 };
		if (rc == -ENOENT && p->level == 0 && !*p->as_of)
			continue;
		CHECK(r, rc == 0, "no stored place for %s/%s/%s: %s", p->ladder->id, p->period,
		      p->pupil_id, fuzz_strerror(rc));
		CHECK(r, st->level == p->level && strcmp(st->as_of, p->as_of) == 0, "%s/%s/%s is "
		      "stored at level %" PRIu32 " as of '%s'; its alerts say level %" PRIu32 ", "
		      "the reports answered OK as of '%s'", p->ladder->id, p->period, p->pupil_id,
		      st->level, st->as_of, p->level, p->as_of);
		figures_add(&p->fig, st);
		lanu__v1__absence_state__free_unpacked(st, NULL);
	}
	check_figures(r, &t);
	store_abort(&t);
}

/* --- retention --------------------------------------------------------------------------- */

/* Whether the plan in force keeps subjects of kind for a time (a horizon at now). */
static bool
retained(const struct run *r, enum store_subject_kind kind)
{
	return kind != STORE_SUBJECT_NONE && retain_horizon(r->d->plan, kind, r->now_ms) != 0;
}

/* A case that a commit purged anything of goes whole: the store holds nothing of it. */
static void
check_whole(struct run *r, struct store_txn *t, const char *subject, const char *what)
{
	int rc;

	if (store_subject_kind(subject) != STORE_SUBJECT_CASE)
		return;
	rc = store_subject_held(t, subject);
	CHECK(r, rc == 0, "%s about '%s' was purged, yet the store %s", what, subject,
	      rc > 0 ? "still holds the case" : fuzz_strerror(rc));
}

/* What a commit purged (invariant 9), read off the store: events answered OK whose
 * dedup entries went, alerts that are now purged, places that went. Each was about a
 * subject of a kind the plan in force keeps for a time; a case goes whole; an alert not
 * purged is about a subject the store holds. The model forgets them: a purged event is
 * new again to lanud, a purged place starts again at level 0 (its figures stay), a
 * purged drop-out notice tells again. */
static void
check_retained(struct run *r)
{
	struct store_txn t;
	bool any = false;
	int rc;

	store_begin(r->d->store, &t, STORE_RO);
	for (size_t i = 0; i < r->nkeys; i++) {
		const char *producer = r->keys[i], *id = producer + strlen(producer) + 1;

		if (r->key_gone[i])
			continue;
		rc = store_event_seen(&t, producer, id);
		CHECK(r, rc >= 0, "store_event_seen: %s", fuzz_strerror(rc));
		if (rc > 0)
			continue;
		CHECK(r, retained(r, store_subject_kind(r->key_subj[i])), "event '%s' of '%s', "
		      "about '%s', answered OK, is no longer stored", id, producer,
		      r->key_subj[i]);
		check_whole(r, &t, r->key_subj[i], "an event");
		r->key_gone[i] = true;
		r->ngone++;
		any = true;
	}
	for (size_t i = 0; i < r->nalerts && r->d->plan && r->d->plan->retention; i++) {
		struct alert_of *o = &r->alerts[i];
		enum store_subject_kind kind = store_subject_kind(o->subject);
		Lanu__V1__Alert *a;

		if (o->purged || kind == STORE_SUBJECT_NONE)
			continue;
		rc = store_get_alert(&t, i + 1, &a);
		CHECK(r, rc == 0, "alert %zu: %s", i + 1, fuzz_strerror(rc));
		if (!a->purged) {
			rc = store_subject_held(&t, o->subject);
			CHECK(r, rc == 1, "alert %zu is about '%s', which the store %s", i + 1,
			      o->subject, rc == 0 ? "no longer holds" : fuzz_strerror(rc));
			lanu__v1__alert__free_unpacked(a, NULL);
			continue;
		}
		check_purged(r, a);
		lanu__v1__alert__free_unpacked(a, NULL);
		CHECK(r, retained(r, kind), "alert %zu about '%s' is purged without retention for "
		      "it", i + 1, o->subject);
		check_whole(r, &t, o->subject, "an alert");
		o->purged = true;
		any = true;
		for (size_t k = 0; k < r->ndrops; k++) {
			if (r->drop_seq[k] != i + 1)
				continue;
			r->ndrops--;
			memcpy(r->drops[k], r->drops[r->ndrops], sizeof(r->drops[k]));
			r->drop_seq[k] = r->drop_seq[r->ndrops];
			break;
		}
	}
	for (size_t i = 0; i < r->npupils; i++) {
		struct pupil *p = &r->pupils[i];
		Lanu__V1__AbsenceState *st = NULL;
		size_t k = (size_t)(p->ladder - fuzz_ladders), j;

		if (!p->has_place)
			continue;
		rc = store_absence_get(&t, p->ladder->id, p->period, p->pupil_id, NULL, &st);
		if (rc == 0) {
			lanu__v1__absence_state__free_unpacked(st, NULL);
			continue;
		}
		CHECK(r, rc == -ENOENT && retained(r, STORE_SUBJECT_PUPIL), "the place of %s/%s/%s "
		      "is gone: %s", p->ladder->id, p->period, p->pupil_id, fuzz_strerror(rc));
		for (j = 0; strcmp(p->ladder->periods[j], p->period) != 0; j++)
			;
		r->gone_fig[k][j].pupils += p->fig.pupils;
		r->gone_fig[k][j].held += p->fig.held;
		r->gone_fig[k][j].absent += p->fig.absent;
		for (size_t l = 0; l <= LANU_MAX_LEVELS; l++)
			r->gone_fig[k][j].at[l] += p->fig.at[l];
		p->fig = (struct figures){ 0 };
		p->has_place = false;
		p->level = 0;
		p->as_of[0] = '\0';
		any = true;
	}
	store_abort(&t);
	r->purges += any;
}

/* Whether retention refuses queued event i (invariant 9): about a subject of a kind the
 * plan keeps for a time, dated before the horizon at the batch's now, and for a case one
 * the store no longer held (when the batch began, nor by an event of the batch before it
 * answered OK). */
static bool
retain_refuses(const struct run *r, size_t i, uint64_t now_ms)
{
	const struct sent *s = &r->q[i];
	enum store_subject_kind kind = store_subject_kind(s->subject);
	uint64_t h;

	if (!s->event || kind == STORE_SUBJECT_NONE)
		return false;
	h = retain_horizon(r->d->plan, kind, now_ms);
	if (!h || s->occurred >= h)
		return false;
	if (kind == STORE_SUBJECT_PUPIL)
		return true;
	if (s->held)
		return false;
	for (size_t j = 0; j < i; j++)
		if (r->q[j].event && r->q[j].ok && strcmp(r->q[j].subject, s->subject) == 0)
			return false;
	return true;
}

/* --- requests ---------------------------------------------------------------------------- */

/* Hands one message to ingest as zsock.c would: [routing id] then frames. */
static void
ingest(struct run *r, const struct iovec *frames, size_t n)
{
	struct iovec iov[ZSOCK_MAX_FRAMES];
	int rc;

	iov[0] = (struct iovec){ (void *)dealer_id, sizeof(dealer_id) - 1 };
	for (size_t i = 0; i < n && i + 1 < ZSOCK_MAX_FRAMES; i++)
		iov[i + 1] = frames[i];
	rc = ingest_on_msg(r->d->router, iov, n + 1 < ZSOCK_MAX_FRAMES ? n + 1
								  : ZSOCK_MAX_FRAMES, r->d);
	CHECK(r, rc == 0, "ingest_on_msg() says %d with a batch of %zu", rc, r->nq);
}

static void end_batch(struct run *r, bool loop);
static void settle(struct run *r, uint64_t seq0);

/* A plan load, answered at once after the batch in hand is committed. */
static void
expect_plan_load(struct run *r, const Lanu__V1__Request *req, bool delim)
{
	Lanu__V1__Reply *rep = expect_now(r, req->corr_id, delim);
	bool changed = rep->code == C_OK && rep->plan_load && !rep->plan_load->unchanged &&
		       !req->plan_load->dry_run;
	uint64_t before = r->txnid;

	CHECK(r, rep->code == C_OK || rep->code == C_REJECTED, "a plan load answered %s",
	      code_name(rep->code));
	if (rep->code == C_OK && !req->plan_load->dry_run)
		r->variant = r->loading;
	/* An answer OK wakes the writer: what a new plan's retention makes old goes now, in
	 * empty batches (with nothing due, they commit nothing). */
	if (rep->code == C_OK)
		settle(r, r->last_seq);
	else
		r->txnid = store_txnid(r);
	if (!changed)
		CHECK(r, r->txnid == before, "a plan load answered %s%s moved the last txn id "
		      "from %" PRIu64 " to %" PRIu64, code_name(rep->code),
		      rep->code == C_OK ? " (no change)" : "", before, r->txnid);
	lanu__v1__reply__free_unpacked(rep, NULL);
}

/* Sends body in a message of the given framing (0 [body], 1 [empty][body], 2 nothing, 3
 * [x][body], 4 [x][x][body]) and checks its answer, or queues it to be checked when
 * its batch is committed. */
static void
send_body(struct run *r, const uint8_t *body, size_t len, int framing)
{
	static const uint8_t x = 'x';
	struct iovec iov[3];
	size_t n = 0;
	Lanu__V1__Request *req = NULL;
	struct msg_error e;
	uint64_t corr = 0;
	bool delim = framing == 1;
	struct sent *s;

	if (framing == 1)
		iov[n++] = (struct iovec){ (void *)&x, 0 };
	for (int i = 3; i <= framing; i++)
		iov[n++] = (struct iovec){ (void *)&x, 1 };
	if (framing != 2)
		iov[n++] = (struct iovec){ (void *)body, len };
	if (framing <= 1) {
		corr = msg_peek_corr_id(body, len);
		if (msg_decode_request(body, len, &req, &e) == 0)
			corr = req->corr_id;
	}
	if (!req || (req->body_case != LANU__V1__REQUEST__BODY_EVENT &&
		     req->body_case != LANU__V1__REQUEST__BODY_CLOCK_SET)) {
		Lanu__V1__Reply *rep;
		struct store_stat st;

		if (req && req->body_case == LANU__V1__REQUEST__BODY_PLAN_LOAD) {
			end_batch(r, false);	/* ingest commits it first; its checks are here */
			ingest(r, iov, n);
			expect_plan_load(r, req, delim);
			msg_free_request(req);
			return;
		}
		ingest(r, iov, n);
		rep = expect_now(r, corr, delim);
		if (!req) {
			CHECK(r, rep->code == C_REJECTED, "a frame that does not decode answered "
			      "%s", code_name(rep->code));
			CHECK(r, rep->last_alert_seq == 0, "a refused frame says last seq %" PRIu64,
			      rep->last_alert_seq);
		} else {
			store_stats(r, &st);
			CHECK(r, rep->code != C_DUPLICATE, "a query answered DUPLICATE");
			CHECK(r, rep->last_alert_seq == st.last_alert_seq, "a query's reply says "
			      "last seq %" PRIu64 ", the log has %" PRIu64, rep->last_alert_seq,
			      st.last_alert_seq);
			if (rep->code == C_OK && rep->result_case == LANU__V1__REPLY__RESULT_STATUS)
				CHECK(r, rep->status->last_alert_seq == st.last_alert_seq &&
					 rep->status->events == st.events,
				      "Status says last seq %" PRIu64 ", %" PRIu64 " events; the "
				      "store %" PRIu64 ", %" PRIu64, rep->status->last_alert_seq,
				      rep->status->events, st.last_alert_seq, st.events);
		}
		lanu__v1__reply__free_unpacked(rep, NULL);
		msg_free_request(req);
		return;
	}
	/* An event or a ClockSet: answered after its batch's commit. */
	CHECK(r, r->nq < ELEMENTSOF(r->q), "more queued requests than operations");
	s = &r->q[r->nq++];
	*s = (struct sent){ .corr = corr, .delim = delim, .op = r->op, .pupil = -1 };
	if (req->body_case == LANU__V1__REQUEST__BODY_CLOCK_SET) {
		s->clock_usec = req->clock_set->now_ms * 1000;
		s->expect = s->clock_usec >= r->clock_usec ? C_OK : C_REJECTED;
		if (s->expect == C_OK)
			r->clock_usec = s->clock_usec;
	} else {
		const Lanu__V1__Envelope *ev = req->event;
		size_t pl = strlen(ev->producer), il = strlen(ev->event_id);

		s->event = true;
		CHECK(r, pl <= LANU_MAX_NAME && il <= LANU_MAX_ID, "an id longer than decoding "
		      "allows");
		memcpy(s->key, ev->producer, pl + 1);
		memcpy(s->key + pl + 1, ev->event_id, il);
		s->key_len = pl + 1 + il;
		msg_event_subject(ev, s->subject, sizeof(s->subject));
		s->occurred = ev->occurred_at_ms;
		/* The plans have no reported indicator (wd-in-time is computed) and no measure:
		 * their values and statuses are refused (docs/indicators.md). */
		if (ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED ||
		    ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED)
			s->expect = C_REJECTED;
		if ((ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED ||
		     ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED) &&
		    strcmp(ev->producer, fuzz_producers[3]) != 0 && !strchr(ev->event_id, ' '))
			s->expect = absence_expect(r, ev, s);	/* an envelope of ours */
		if (ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_DROP_OUT_REPORTED &&
		    strcmp(ev->producer, fuzz_producers[3]) != 0 && !strchr(ev->event_id, ' '))
			s->expect = drop_out_expect(r, ev->drop_out_reported, s);
		if (ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED) {
			struct store_txn t;
			uint64_t seq;

			s->ack = true;
			/* the log as committed: this batch's alerts are raised after it */
			store_begin(r->d->store, &t, STORE_RO);
			if (store_alert_by_id(&t, ev->alert_acknowledged->alert_id, &seq) == 0)
				s->expect = C_OK;
			store_abort(&t);
			for (size_t k = 0; k < ELEMENTSOF(fake_ids); k++)
				if (strcmp(ev->alert_acknowledged->alert_id, fake_ids[k]) == 0)
					s->expect = C_NOT_FOUND;	/* never an alert's id */
		}
		if (r->nhist < FUZZ_HIST) {
			struct hist *h = &r->hist[r->nhist++];

			h->buf = malloc(len);
			CHECK(r, h->buf, "out of memory");
			memcpy(h->buf, body, len);
			h->len = len;
		} else {
			struct hist *h = &r->hist[r->op % FUZZ_HIST];

			free(h->buf);
			h->buf = malloc(len);
			CHECK(r, h->buf, "out of memory");
			memcpy(h->buf, body, len);
			h->len = len;
		}
	}
	ingest(r, iov, n);
	msg_free_request(req);
	{
		bool d;
		Lanu__V1__Reply *rep = recv_reply(r, &d);

		CHECK(r, !rep, "request %" PRIu64 " was answered (%s) before its batch was "
		      "committed", corr, rep ? code_name(rep->code) : "");
	}
}

static void
send_request(struct run *r, Lanu__V1__Request *req, bool delim)
{
	size_t len = lanu__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);

	CHECK(r, buf, "out of memory");
	lanu__v1__request__pack(req, buf);
	send_body(r, buf, len, delim ? 1 : 0);
	free(buf);
}

/* --- batches ----------------------------------------------------------------------------- */

/* Flushes the writer and checks what the commit did to the log and the live alerts.
 * Returns whether it committed anything. */
static bool
flush(struct run *r)
{
	uint64_t before = store_txnid(r);
	struct store_stat st;

	writer_flush(r->d->writer);
	writer_forget(r->d->writer);	/* nothing decoded is in use: reuse the arena */
	store_stats(r, &st);
	CHECK(r, st.last_alert_seq >= r->last_seq, "the last alert seq went back from %" PRIu64
	      " to %" PRIu64, r->last_seq, st.last_alert_seq);
	check_published(r, st.last_alert_seq);
	r->now_ms = r->d->clock.manual_usec / 1000;
	return store_txnid(r) != before;
}

/* Hands the batch in hand to the writer thread as the loop does (the flush event, then
 * the thread's wake-up, which answers it) and runs the loop until its replies are out.
 * The thread may have the next batch (clocks still due) when this returns. */
static void
run_loop(struct run *r)
{
	struct timeval tv = { 2, 0 };
	int events = 0;
	size_t sz = sizeof(events);

	CHECK(r, event_base_loop(r->d->base, EVLOOP_NONBLOCK) >= 0, "event_base_loop failed");
	for (int i = 0; i < 100; i++) {
		CHECK(r, zmq_getsockopt(fz.dealer, ZMQ_EVENTS, &events, &sz) == 0, "ZMQ_EVENTS");
		if (events & ZMQ_POLLIN)
			return;	/* a batch's replies are sent together */
		event_base_loopexit(r->d->base, &tv);
		CHECK(r, event_base_loop(r->d->base, EVLOOP_ONCE) >= 0, "event_base_loop failed");
	}
	fuzz_fail(r, "run_loop", "the loop did not answer a batch of %zu", r->nq);
}

/* The clocks still due (more than one batch fires), escalation steps and purges run in
 * empty batches until nothing is due; seq0: the last alert checked. */
static void
settle(struct run *r, uint64_t seq0)
{
	struct store_stat st;

	for (int i = 0; flush(r); i++) {
		CHECK(r, i < FUZZ_SETTLE, "the clocks still fire after %d empty batches",
		      FUZZ_SETTLE);
		check_retained(r);
	}
	store_stats(r, &st);
	check_settled(r, seq0 + 1, st.last_alert_seq);
	r->txnid = store_txnid(r);
}

/* Commits the batch in hand and checks its replies (invariants 1-3), then lets the
 * clocks that are still due fire. loop: through the loop and the writer thread, else
 * with writer_flush() on this thread. */
static void
end_batch(struct run *r, bool loop)
{
	uint64_t txnid = r->txnid, clock = r->d->clock.manual_usec, seq0 = r->last_seq;
	size_t audited = 0;
	bool any_ok = false;
	struct store_stat st;
	struct store_txn t;
	size_t i;

	/* the cases the store holds as the batch begins (retention takes late events) */
	store_begin(r->d->store, &t, STORE_RO);
	for (i = 0; i < r->nq; i++)
		if (r->q[i].event && store_subject_kind(r->q[i].subject) == STORE_SUBJECT_CASE)
			r->q[i].held = store_subject_held(&t, r->q[i].subject) == 1;
	store_abort(&t);
	if (loop && r->nq > 0)
		run_loop(r);
	flush(r);	/* waits for the thread, if it has a batch */
	store_stats(r, &st);
	for (i = 0; i < r->nq; i++) {
		struct sent *s = &r->q[i];
		Lanu__V1__Reply *rep;
		bool d, dup, old;
		ssize_t k;

		rep = recv_reply(r, &d);
		CHECK(r, rep, "request %" PRIu64 " (op %u) got no reply from its batch", s->corr,
		      s->op);
		CHECK(r, rep->corr_id == s->corr, "the reply to %" PRIu64 " (op %u) says corr_id "
		      "%" PRIu64, s->corr, s->op, rep->corr_id);
		CHECK(r, d == s->delim, "the reply to %" PRIu64 " %s a delimiter", s->corr,
		      d ? "has" : "lacks");
		check_code(r, rep);
		if (fz.trace)
			fprintf(stderr, "  op %u: %s %s\n", s->op, code_name(rep->code), rep->reason);
		CHECK(r, rep->last_alert_seq == st.last_alert_seq, "the reply to %" PRIu64 " (op "
		      "%u) says last seq %" PRIu64 ", the commit left %" PRIu64, s->corr, s->op,
		      rep->last_alert_seq, st.last_alert_seq);
		k = s->event ? key_find(r, s->key, s->key_len) : -1;
		dup = k >= 0 && !r->key_gone[k];
		old = !dup && retain_refuses(r, i, clock / 1000);
		if (dup)
			CHECK(r, rep->code == C_DUPLICATE, "event '%s' of '%s' (op %u) was answered "
			      "OK before, now %s", s->key + strlen(s->key) + 1, s->key, s->op,
			      code_name(rep->code));
		else if (old)
			CHECK(r, rep->code == C_REJECTED &&
				 strcmp(rep->field, "event.occurred_at_ms") == 0,
			      "event '%s' of '%s' (op %u) about '%s', of %" PRIu64 ", before what "
			      "retention keeps, answered %s (%s: %s)", s->key + strlen(s->key) + 1,
			      s->key, s->op, s->subject, s->occurred, code_name(rep->code),
			      rep->field, rep->reason);
		else if (strcmp(rep->field, "event.occurred_at_ms") == 0)
			fuzz_fail(r, "!old", "event '%s' of '%s' (op %u) about '%s'%s, of %" PRIu64
				  ", refused for its time: %s", s->key + strlen(s->key) + 1, s->key,
				  s->op, s->subject, s->held ? " (held)" : "", s->occurred,
				  rep->reason);
		else if (s->ack && s->expect == C_OK && rep->code == C_DUPLICATE)
			/* acknowledged before (the model keeps no acks): it says by whom */
			CHECK(r, strstr(rep->reason, " was acknowledged by supervisor-1 at "),
			      "a second acknowledgement (op %u) answered DUPLICATE: '%s'", s->op,
			      rep->reason);
		else if (s->expect)
			CHECK(r, (int)rep->code == s->expect, "request %" PRIu64 " (op %u) answered "
			      "%s, not %s: %s", s->corr, s->op, code_name(rep->code),
			      code_name(s->expect), rep->reason);
		else
			CHECK(r, rep->code != C_DUPLICATE, "event '%s' of '%s' (op %u) is new to "
			      "lanud, answered DUPLICATE", s->key + strlen(s->key) + 1, s->key,
			      s->op);
		if (rep->code == C_OK) {
			any_ok = true;
			s->ok = true;
			audited += s->ack || !s->event;
			if (s->pupil >= 0) {
				struct pupil *p = &r->pupils[s->pupil];

				s->late = *p->as_of && strcmp(s->as_of, p->as_of) < 0;
				if (!s->late)
					memcpy(p->as_of, s->as_of, sizeof(p->as_of));
			}
			if (s->event && k >= 0) {	/* purged, then taken as new */
				r->key_gone[k] = false;
				r->ngone--;
				memcpy(r->key_subj[k], s->subject, sizeof(s->subject));
			} else if (s->event) {
				CHECK(r, r->nkeys < FUZZ_KEYS, "more events than the fuzzer keeps");
				memcpy(r->keys[r->nkeys], s->key, s->key_len);
				memcpy(r->key_subj[r->nkeys], s->subject, sizeof(s->subject));
				r->key_len[r->nkeys++] = s->key_len;
			}
		}
		lanu__v1__reply__free_unpacked(rep, NULL);
	}
	{
		bool d;
		Lanu__V1__Reply *rep = recv_reply(r, &d);

		CHECK(r, !rep, "a reply to nothing sent: corr_id %" PRIu64, rep ? rep->corr_id : 0);
	}
	if (fz.trace)
		fprintf(stderr, "  commit: last seq %" PRIu64 ", %" PRIu64 " events, txn %" PRIu64
			" -> %" PRIu64 "\n", st.last_alert_seq, st.events, txnid, store_txnid(r));
	check_retained(r);	/* what the batch purged, after its own events */
	CHECK(r, st.events == r->nkeys - r->ngone, "the store holds %" PRIu64 " events, %zu "
	      "were answered OK, %zu of them purged since", st.events, r->nkeys, r->ngone);
	check_absences(r, seq0 + 1, st.last_alert_seq);
	check_audit(r, st.last_audit_seq, audited);
	if (!any_ok)
		CHECK(r, store_txnid(r) == txnid && r->d->clock.manual_usec == clock,
		      "a batch of %zu requests none of which was answered OK moved the last txn "
		      "id from %" PRIu64 " to %" PRIu64, r->nq, txnid, store_txnid(r));
	r->nq = 0;
	r->clock_usec = r->d->clock.manual_usec;
	settle(r, st.last_alert_seq);
}

/* --- operations -------------------------------------------------------------------------- */

struct input {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t
next_byte(struct input *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static uint64_t
span(uint8_t b)
{
	static const uint64_t unit[4] = { 10 * 60 * 1000, HOUR_MS, DAY_MS, 7 * DAY_MS };

	return ((b & 63) + 1ULL) * unit[b >> 6];
}

/* The due instant of the case's latest clock of service and stage, or now. */
static uint64_t
case_due(struct run *r, const char *service, const char *stage, const char *case_id)
{
	Lanu__V1__Clock *c;
	struct store_txn t;
	uint64_t id, due = r->now_ms;

	store_begin(r->d->store, &t, STORE_RO);
	if (store_clock_find(&t, service, stage, case_id, &id) == 0 &&
	    store_clock_get(&t, id, NULL, &c) == 0) {
		due = c->due_at_ms;
		lanu__v1__clock__free_unpacked(c, NULL);
	}
	store_abort(&t);
	return due;
}

static uint64_t
event_time(struct run *r, uint8_t b, const char *service, const char *stage, const char *case_id)
{
	uint64_t v = b & 63;

	switch (b >> 6) {
	case 0:
		return r->now_ms - v * HOUR_MS;
	case 1:
		return r->now_ms - v * DAY_MS;
	case 2:
		return r->now_ms + v * HOUR_MS;
	default:
		if (v < 32)
			return T0_MS + v * 5 * DAY_MS;
		return case_due(r, service, stage, case_id) + (v & 3) - 1;
	}
}

/* An event's envelope from the hdr byte; ids point into buf. */
static void
envelope(struct run *r, Lanu__V1__Envelope *ev, uint8_t hdr, char buf[16])
{
	if (hdr >> 6 == 3)
		snprintf(buf, 16, "e %u", (hdr >> 2) & 15);
	else
		snprintf(buf, 16, "e%u", (hdr >> 2) & 15);
	ev->event_id = buf;
	ev->producer = (char *)fuzz_producers[hdr & 3];
	ev->occurred_at_ms = r->now_ms;
}

static void
send_event(struct run *r, Lanu__V1__Envelope *ev, bool delim)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;

	req.corr_id = r->corr++;
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = ev;
	if (fz.trace)
		fprintf(stderr, "op %u: %s %s: %s\n", r->op, ev->producer, ev->event_id, r->what);
	send_request(r, &req, delim);
}

static void
op_requested(struct run *r, struct input *in, const char *case_id, bool delim)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__ServiceRequested m = LANU__V1__SERVICE_REQUESTED__INIT;
	uint8_t hdr = next_byte(in), s = next_byte(in), who = next_byte(in), tb = next_byte(in);
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	char id[16];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.area = (char *)fuzz_areas[s >> 6];
	m.age_group = (char *)fuzz_ages[who & 7];
	m.language_group = (char *)fuzz_langs[(who >> 3) & 3];
	m.urgency = who & 32 ? LANU__V1__URGENCY__URGENCY_URGENT
			     : LANU__V1__URGENCY__URGENCY_NORMAL;
	m.requested_at_ms = event_time(r, tb, service, stage, case_id);
	envelope(r, &ev, hdr, id);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
	ev.service_requested = &m;
	snprintf(r->what, sizeof(r->what), "requested %s %s/%s in %s", case_id, service, stage,
		 m.area);
	send_event(r, &ev, delim);
}

static void
op_provided(struct run *r, struct input *in, const char *case_id, bool delim)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__ServiceProvided m = LANU__V1__SERVICE_PROVIDED__INIT;
	uint8_t hdr = next_byte(in), s = next_byte(in), tb = next_byte(in);
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	char id[16];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.area = (char *)fuzz_areas[s >> 6];
	m.provided_at_ms = event_time(r, tb, service, stage, case_id);
	envelope(r, &ev, hdr, id);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED;
	ev.service_provided = &m;
	snprintf(r->what, sizeof(r->what), "provided %s %s/%s", case_id, service, stage);
	send_event(r, &ev, delim);
}

static void
op_cancelled(struct run *r, struct input *in, const char *case_id, bool delim)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__CaseCancelled m = LANU__V1__CASE_CANCELLED__INIT;
	uint8_t hdr = next_byte(in), s = next_byte(in), tb = next_byte(in);
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	char id[16];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.area = (char *)fuzz_areas[s >> 6];
	m.reason = LANU__V1__CANCEL_REASON__CANCEL_REASON_WITHDRAWN;
	envelope(r, &ev, hdr, id);
	ev.occurred_at_ms = event_time(r, tb, service, stage, case_id);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED;
	ev.case_cancelled = &m;
	snprintf(r->what, sizeof(r->what), "cancelled %s %s/%s", case_id, service, stage);
	send_event(r, &ev, delim);
}

static void
op_postponed(struct run *r, struct input *in, const char *case_id, bool delim)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__ServicePostponed m = LANU__V1__SERVICE_POSTPONED__INIT;
	uint8_t hdr = next_byte(in), s = next_byte(in);
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	char id[16];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.reason = (char *)"family-request";
	envelope(r, &ev, hdr, id);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED;
	ev.service_postponed = &m;
	snprintf(r->what, sizeof(r->what), "postponed %s %s/%s", case_id, service, stage);
	send_event(r, &ev, delim);
}

static void
op_missed(struct run *r, struct input *in, const char *case_id, bool delim)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__DeadlineMissed m = LANU__V1__DEADLINE_MISSED__INIT;
	uint8_t hdr = next_byte(in), s = next_byte(in);
	const char *service = fuzz_services[s & 7], *stage = fuzz_stages[(s >> 3) & 7];
	char id[16];

	m.case_id = (char *)case_id;
	m.service = (char *)service;
	m.stage = (char *)stage;
	m.area = (char *)fuzz_areas[s >> 6];
	m.due_at_ms = r->now_ms;
	envelope(r, &ev, hdr, id);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
	ev.deadline_missed = &m;
	snprintf(r->what, sizeof(r->what), "missed %s %s/%s in %s", case_id, service, stage,
		 m.area);
	send_event(r, &ev, delim);
}

static void
op_ack(struct run *r, struct input *in, bool delim)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__AlertAcknowledged m = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	uint8_t hdr = next_byte(in), b = next_byte(in);
	char id[16], alert_id[32];

	if (b & 128 || r->last_seq == 0)
		snprintf(alert_id, sizeof(alert_id), "%s", fake_ids[b & 3]);
	else
		snprintf(alert_id, sizeof(alert_id), "a-%" PRIu64, b % r->last_seq + 1);
	m.alert_id = alert_id;
	m.by = (char *)"supervisor-1";
	m.note = (char *)(b & 64 ? "seen" : "");
	envelope(r, &ev, hdr, id);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
	ev.alert_acknowledged = &m;
	snprintf(r->what, sizeof(r->what), "acknowledged %s", alert_id);
	send_event(r, &ev, delim);
}

/* IndicatorUpdated, MeasureStatusUpdated (refused: no plan here has a reported indicator
 * or a measure), AbsenceAlertRaised
 * without a review period, in schools no ladder covers, and DropOutReported. */
static void
op_other(struct run *r, struct input *in, unsigned which, bool delim)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__IndicatorUpdated iu = LANU__V1__INDICATOR_UPDATED__INIT;
	Lanu__V1__AbsenceAlertRaised ab = LANU__V1__ABSENCE_ALERT_RAISED__INIT;
	Lanu__V1__MeasureStatusUpdated ms = LANU__V1__MEASURE_STATUS_UPDATED__INIT;
	Lanu__V1__DropOutReported dr = LANU__V1__DROP_OUT_REPORTED__INIT;
	uint8_t hdr = next_byte(in), v = next_byte(in), d;
	char id[16], day[16];

	envelope(r, &ev, hdr, id);
	switch (which & 3) {
	case 3:
		d = next_byte(in);
		dr.pupil_id = (char *)fuzz_cases[v & 3];
		dr.home_area = (char *)fuzz_homes[(v >> 2) & 7];
		dr.age_group = (Lanu__V1__AgeGroup)((v >> 5) & 3);
		dr.provider = (char *)fuzz_schools[v >> 7];
		dr.reason = (Lanu__V1__DropOutReason)((d >> 6) + ((d & 63) != 59));
		if ((d & 63) >= 60) {
			dr.day = (char *)fuzz_bad_days[4 + (d & 3)];
		} else {
			day_plus("2025-10-01", d & 63, day);
			dr.day = day;
		}
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DROP_OUT_REPORTED;
		ev.drop_out_reported = &dr;
		snprintf(r->what, sizeof(r->what), "drop-out of %s (age group %d) home %s, %s",
			 dr.pupil_id, dr.age_group, dr.home_area, dr.day);
		break;
	case 0:
		iu.indicator = (char *)(v & 1 ? "wd-in-time" : "no-such-indicator");
		iu.area = (char *)fuzz_areas[(v >> 1) & 3];
		iu.value = v / 2.0;
		iu.period = (char *)fuzz_periods[(v >> 3) & 3];
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED;
		ev.indicator_updated = &iu;
		snprintf(r->what, sizeof(r->what), "indicator %s = %g", iu.indicator, iu.value);
		break;
	case 1:
		ab.pupil_id = (char *)fuzz_cases[v & 7];
		ab.school = (char *)fuzz_areas[(v >> 3) & 3];
		ab.level = v >> 5;
		ab.absent_hours = v;
		ab.absent_share = (v & 15) / 16.0;
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED;
		ev.absence_alert_raised = &ab;
		snprintf(r->what, sizeof(r->what), "absence level %u", ab.level);
		break;
	default:
		ms.measure = (char *)"m1";
		ms.status = (Lanu__V1__MeasureStatus)(v % 5);
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED;
		ev.measure_status_updated = &ms;
		snprintf(r->what, sizeof(r->what), "measure status %d", ms.status);
		break;
	}
	send_event(r, &ev, delim);
}

/* The pupil byte's pupil, school, period and grade (of five: 3 picks 0 or, if high, 14). */
static void
absence_who(uint8_t b, bool high, const char **pupil, const char **school, const char **period,
	    uint32_t *grade)
{
	*pupil = fuzz_cases[b & 3];
	*school = fuzz_schools[(b >> 2) & 3];
	*period = fuzz_terms[(b >> 4) & 3];
	*grade = fuzz_grades[(b >> 6) + (b >> 6 == 3 && high)];
}

static void
absence_tally(uint8_t b, Lanu__V1__AbsenceTally *t, Lanu__V1__AbsenceTally **ret)
{
	uint32_t v = b & 63;

	if (!b) {
		*ret = NULL;
		return;
	}
	t->lessons = v;
	switch (b >> 6) {
	case 0:
		t->hours = v;
		break;
	case 1:
		t->hours = 2.0 * v;
		break;
	case 2:
		t->hours = v / 2.0;
		break;
	default:
		t->hours = -1.0 - v;
		break;
	}
	*ret = t;
}

/* AbsenceCountsReported (op 10, c4 and c5). */
static void
op_absence_counts(struct run *r, struct input *in, unsigned which, bool delim)
{
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__AbsenceCountsReported m = LANU__V1__ABSENCE_COUNTS_REPORTED__INIT;
	Lanu__V1__AbsenceTally t[3] = { LANU__V1__ABSENCE_TALLY__INIT,
					LANU__V1__ABSENCE_TALLY__INIT,
					LANU__V1__ABSENCE_TALLY__INIT };
	uint8_t hdr = next_byte(in), who = next_byte(in), day = next_byte(in);
	const char *pupil, *school, *period, *start = "2025-08-07";
	const struct ladder *l;
	char id[16], as_of[16];

	absence_who(who, which & 1, &pupil, &school, &period, &m.grade);
	l = ladder_of(school);
	if (l && ladder_start(l, period))
		start = ladder_start(l, period);
	if (day < 0xC0)
		day_plus(start, day & 127, as_of);
	else if (day & 7)
		snprintf(as_of, sizeof(as_of), "%s", fuzz_bad_days[day & 7]);
	else
		day_plus(start, -1, as_of);	/* the day before the period starts */
	m.pupil_id = (char *)pupil;
	m.school = (char *)school;
	m.period = (char *)period;
	m.as_of = as_of;
	m.lessons_held = next_byte(in) * 4u;
	absence_tally(next_byte(in), &t[0], &m.authorised);
	absence_tally(next_byte(in), &t[1], &m.unauthorised);
	absence_tally(next_byte(in), &t[2], &m.unexplained);
	envelope(r, &ev, hdr, id);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED;
	ev.absence_counts_reported = &m;
	snprintf(r->what, sizeof(r->what), "absences of %s in %s, %s as of '%s', grade %" PRIu32
		 ": %u held, %g/%g/%g h", pupil, school, period, as_of, m.grade, m.lessons_held,
		 m.authorised ? m.authorised->hours : 0, m.unauthorised ? m.unauthorised->hours : 0,
		 m.unexplained ? m.unexplained->hours : 0);
	send_event(r, &ev, delim);
}

/* AbsenceAlertRaised in a school, with a review period (op 10, c6) or none (c7). */
static void
op_absence_level(struct run *r, struct input *in, unsigned which, bool delim)
{
	static const double shares[4] = { 0, 0.25, 1, 1.5 };
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__AbsenceAlertRaised m = LANU__V1__ABSENCE_ALERT_RAISED__INIT;
	uint8_t hdr = next_byte(in), who = next_byte(in), v = next_byte(in);
	const char *pupil, *school, *period;
	uint32_t grade;
	char id[16];

	absence_who(who, false, &pupil, &school, &period, &grade);
	m.pupil_id = (char *)pupil;
	m.school = (char *)school;
	m.term = (char *)(which & 1 ? "" : period);
	m.level = v & 7;
	m.absent_hours = 8.0 * ((v >> 3) & 7);
	m.absent_share = shares[v >> 6];
	envelope(r, &ev, hdr, id);
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED;
	ev.absence_alert_raised = &m;
	snprintf(r->what, sizeof(r->what), "absence level %u of %s in %s, '%s'", m.level, pupil,
		 school, m.term);
	send_event(r, &ev, delim);
}

/* An earlier event again: as it was, from another producer, or under a new id. */
static void
op_again(struct run *r, struct input *in, bool delim)
{
	uint8_t b = next_byte(in);
	Lanu__V1__Request *req;
	const struct hist *h;
	char *producer, *event_id, fresh[16];

	if (r->nhist == 0)
		return;
	h = &r->hist[(b & 31) % r->nhist];
	req = lanu__v1__request__unpack(NULL, h->len, h->buf);
	CHECK(r, req && req->event, "an event sent before does not unpack");
	producer = req->event->producer;
	event_id = req->event->event_id;
	if (b & 32)
		req->event->producer = (char *)fuzz_producers[(producer[1] - '0' + 1) & 3];
	if (b & 64) {
		snprintf(fresh, sizeof(fresh), "e-again-%u", r->op);
		req->event->event_id = fresh;
	}
	req->corr_id = r->corr++;
	snprintf(r->what, sizeof(r->what), "again: %s %s%s%s", req->event->producer,
		 req->event->event_id, b & 32 ? " (another producer)" : "",
		 b & 64 ? " (a new id)" : "");
	send_request(r, req, delim);
	req->event->producer = producer;
	req->event->event_id = event_id;
	lanu__v1__request__free_unpacked(req, NULL);
}

static void
op_clock(struct run *r, struct input *in, unsigned which, bool delim)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;
	uint8_t b = next_byte(in);
	uint64_t now = r->clock_usec / 1000, to, next, v = b & 63;
	struct store_txn t;
	bool far;

	switch (which & 4 ? 4 + (b >> 6) : b >> 6) {
	case 0:
		to = now + span(next_byte(in));
		break;
	case 1:
		to = now - ((b & 63) + 1) * HOUR_MS;
		break;
	case 2:
		to = now;
		break;
	case 3:
		store_begin(r->d->store, &t, STORE_RO);
		next = store_clock_next_at(&t);
		store_abort(&t);
		to = next ? next + (b & 3) - 1 : now + DAY_MS;
		break;
	case 4:		/* retention's reach: weeks to months */
		to = now + (v + 1) * 7 * DAY_MS;
		break;
	case 5:
		to = now + ((v % 13) + 1) * 30 * DAY_MS + v / 13 * DAY_MS;
		break;
	case 6:		/* when the next purge falls due */
		store_begin(r->d->store, &t, STORE_RO);
		next = retain_next_at(r->d->plan, &t);
		store_abort(&t);
		to = next ? next + (b & 3) - 1 : now + 395 * DAY_MS;
		break;
	default:	/* a year and more */
		to = now + (365 + v) * DAY_MS;
		break;
	}
	if (to > END_MS)
		to = END_MS;
	/* What a batch writes is dated by its now as it began, and its purge comes after
	 * its ClockSets: one that takes its batch past what retention keeps of that now
	 * would purge what the batch wrote in the commit that wrote it (its alerts without
	 * ever being seen whole). Such a ClockSet goes in a batch of its own. */
	far = retain_horizon(r->d->plan, STORE_SUBJECT_CASE, to) > r->now_ms ||
	      retain_horizon(r->d->plan, STORE_SUBJECT_PUPIL, to) > r->now_ms;
	if (far && r->nq > 0) {
		snprintf(r->what, sizeof(r->what), "end of batch (%zu queued) before a far clock",
			 r->nq);
		end_batch(r, false);
	}
	cs.now_ms = to;
	req.corr_id = r->corr++;
	req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
	req.clock_set = &cs;
	snprintf(r->what, sizeof(r->what), "clock to T0%+.4fd%s",
		 ((double)to - (double)T0_MS) / (double)DAY_MS, which & 4 ? " (far)" : "");
	if (fz.trace)
		fprintf(stderr, "op %u: %s\n", r->op, r->what);
	send_request(r, &req, delim);
	if (far)
		end_batch(r, false);
}

static void
op_query(struct run *r, struct input *in, unsigned which, bool delim)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__StatusQuery st = LANU__V1__STATUS_QUERY__INIT;
	Lanu__V1__AlertQuery aq = LANU__V1__ALERT_QUERY__INIT;
	Lanu__V1__OpenAlertsQuery oq = LANU__V1__OPEN_ALERTS_QUERY__INIT;
	Lanu__V1__ReplayQuery rq = LANU__V1__REPLAY_QUERY__INIT;
	Lanu__V1__DueQuery dq = LANU__V1__DUE_QUERY__INIT;
	Lanu__V1__ComplianceQuery cq = LANU__V1__COMPLIANCE_QUERY__INIT;
	Lanu__V1__PlanQuery pq = LANU__V1__PLAN_QUERY__INIT;
	Lanu__V1__PlanHistoryQuery hq = LANU__V1__PLAN_HISTORY_QUERY__INIT;
	uint8_t b = next_byte(in);
	char *rcpts[2] = { (char *)fuzz_recipients[b & 3], (char *)fuzz_recipients[(b >> 2) & 3] };
	char *bys[2] = { (char *)fuzz_bys[b & 3], (char *)fuzz_bys[(b >> 2) & 3] };
	char alert_id[32];

	req.corr_id = r->corr++;
	switch (which & 7) {
	case 0:
		req.body_case = LANU__V1__REQUEST__BODY_STATUS;
		req.status = &st;
		break;
	case 1:
		if (b & 128 || r->last_seq == 0)
			snprintf(alert_id, sizeof(alert_id), "%s", fake_ids[b & 3]);
		else
			snprintf(alert_id, sizeof(alert_id), "a-%" PRIu64, b % r->last_seq + 1);
		aq.alert_id = alert_id;
		req.body_case = LANU__V1__REQUEST__BODY_ALERT;
		req.alert = &aq;
		break;
	case 2:
		oq.recipients = rcpts;
		oq.n_recipients = (b >> 4) & 1 ? 2 : (b >> 5) & 1;
		oq.limit = (b >> 6) & 3;
		oq.after_seq = b & 7;
		req.body_case = LANU__V1__REQUEST__BODY_OPEN_ALERTS;
		req.open_alerts = &oq;
		break;
	case 3:
		rq.recipients = rcpts;
		rq.n_recipients = 1 + ((b >> 4) & 1);
		rq.after_seq = (b >> 5) & 3;
		rq.limit = (b >> 7) * 2;
		req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
		req.replay = &rq;
		break;
	case 4:
		dq.within = (char *)fuzz_spans[b & 3];
		dq.area = (char *)((b >> 2) & 1 ? fuzz_areas[(b >> 3) & 3] : "");
		dq.service = (char *)((b >> 5) & 1 ? fuzz_services[(b >> 6) & 3] : "");
		dq.limit = (b >> 7) * 2;
		req.body_case = LANU__V1__REQUEST__BODY_DUE;
		req.due = &dq;
		break;
	case 5:
		cq.service = (char *)fuzz_services[(b >> 5) & 7];
		cq.period = (char *)fuzz_periods[(b >> 3) & 3];
		cq.by = bys;
		cq.n_by = b & 2 ? 2 : b & 1;
		req.body_case = LANU__V1__REQUEST__BODY_COMPLIANCE;
		req.compliance = &cq;
		break;
	case 6:
		pq.version = b & 3;
		req.body_case = LANU__V1__REQUEST__BODY_PLAN;
		req.plan = &pq;
		break;
	default:
		req.body_case = LANU__V1__REQUEST__BODY_PLAN_HISTORY;
		req.plan_history = &hq;
		break;
	}
	snprintf(r->what, sizeof(r->what), "query %u (%u)", which & 7, b);
	if (fz.trace)
		fprintf(stderr, "op %u: %s\n", r->op, r->what);
	send_request(r, &req, delim);
}

static void
op_plan_load(struct run *r, const char *text, size_t len, bool dry_run, bool delim)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__PlanLoad pl = LANU__V1__PLAN_LOAD__INIT;

	pl.source = (char *)"fuzz.yaml";
	pl.loaded_by = (char *)"fuzzer";
	pl.content.data = (uint8_t *)text;
	pl.content.len = len;
	pl.dry_run = dry_run;
	req.corr_id = r->corr++;
	req.body_case = LANU__V1__REQUEST__BODY_PLAN_LOAD;
	req.plan_load = &pl;
	if (fz.trace)
		fprintf(stderr, "op %u: %s\n", r->op, r->what);
	send_request(r, &req, delim);
}

/* Plan A with retention variant v (bits 0-1 its cases', 2-3 its pupils') in
 * r->plan_text; returns its length. */
static size_t
plan_variant(struct run *r, int v)
{
	int n = snprintf(r->plan_text, sizeof(r->plan_text), "%sretention: {cases: %s, pupils: "
			 "%s}\n", plan_a, fuzz_keep_cases[v & 3], fuzz_keep_pupils[(v >> 2) & 3]);

	CHECK(r, n > 0 && (size_t)n < sizeof(r->plan_text), "plan A with retention is too long");
	return (size_t)n;
}

/* A plan load of plan A with retention (op 13, c2 and c3), a byte: the variant. */
static void
op_plan_retention(struct run *r, struct input *in, bool delim)
{
	uint8_t b = next_byte(in);
	size_t len;

	r->loading = b & 15;
	len = plan_variant(r, r->loading);
	snprintf(r->what, sizeof(r->what), "plan load of plan A keeping cases %s, pupils %s",
		 fuzz_keep_cases[b & 3], fuzz_keep_pupils[(b >> 2) & 3]);
	op_plan_load(r, r->plan_text, len, false, delim);
}

static void
op_raw(struct run *r, struct input *in, unsigned which, bool delim)
{
	uint8_t buf[8 + 256], b;
	size_t n = 0, len;

	r->loading = -1;	/* a plan of these is not plan A with retention */
	switch (which & 7) {
	case 0:
	case 1:
		if (which & 1) {	/* field 1, varint: one of our corr_ids */
			uint64_t v = r->corr++;

			buf[n++] = 0x08;
			for (; v >= 0x80; v >>= 7)
				buf[n++] = (uint8_t)(v | 0x80);
			buf[n++] = (uint8_t)v;
		}
		len = next_byte(in) & 63;
		for (size_t i = 0; i < len; i++)
			buf[n++] = next_byte(in);
		snprintf(r->what, sizeof(r->what), "a %zu byte frame", n);
		if (fz.trace)
			fprintf(stderr, "op %u: %s\n", r->op, r->what);
		send_body(r, buf, n, delim ? 1 : 0);
		break;
	case 2: {
		Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
		Lanu__V1__StatusQuery st = LANU__V1__STATUS_QUERY__INIT;

		req.corr_id = r->corr++;
		req.body_case = LANU__V1__REQUEST__BODY_STATUS;
		req.status = &st;
		len = lanu__v1__request__pack(&req, buf);
		b = next_byte(in);
		snprintf(r->what, sizeof(r->what), "a Status in framing %d", 2 + b % 3);
		send_body(r, buf, len, 2 + b % 3);
		break;
	}
	case 3:
		snprintf(r->what, sizeof(r->what), "plan load of the plan in force");
		if (r->d->plan_sha[0] && strcmp(r->d->plan->plan->id, "fuzz-stateful-b") == 0) {
			op_plan_load(r, plan_b, sizeof(plan_b) - 1, false, delim);
		} else if (r->variant >= 0) {
			r->loading = r->variant;
			len = plan_variant(r, r->variant);
			op_plan_load(r, r->plan_text, len, false, delim);
		} else {
			op_plan_load(r, plan_a, sizeof(plan_a) - 1, false, delim);
		}
		break;
	case 4:
		snprintf(r->what, sizeof(r->what), "plan load of plan B, dry run");
		op_plan_load(r, plan_b, sizeof(plan_b) - 1, true, delim);
		break;
	case 5:
		len = next_byte(in) * 8u;
		if (len >= sizeof(plan_a) - 1)
			len = 17;
		snprintf(r->what, sizeof(r->what), "plan load of plan A cut after %zu bytes", len);
		op_plan_load(r, plan_a, len, false, delim);
		break;
	case 6:
		snprintf(r->what, sizeof(r->what), "plan load of plan B");
		op_plan_load(r, plan_b, sizeof(plan_b) - 1, false, delim);
		break;
	default:
		snprintf(r->what, sizeof(r->what), "plan load of plan A");
		op_plan_load(r, plan_a, sizeof(plan_a) - 1, false, delim);
		break;
	}
}

static void
apply_op(struct run *r, struct input *in, uint8_t b)
{
	const char *case_id = fuzz_cases[(b >> 4) & 7];
	unsigned arg = (b >> 4) & 7;
	bool delim = b & 128;

	switch (b & 15) {
	case 0: case 1: case 2: case 3:
		op_requested(r, in, case_id, delim);
		break;
	case 4: case 5:
		op_provided(r, in, case_id, delim);
		break;
	case 6:
		op_cancelled(r, in, case_id, delim);
		break;
	case 7:
		op_postponed(r, in, case_id, delim);
		break;
	case 8:
		op_missed(r, in, case_id, delim);
		break;
	case 9:
		op_ack(r, in, delim);
		break;
	case 10:
		if (arg < 4)
			op_other(r, in, arg, delim);
		else if (arg < 6)
			op_absence_counts(r, in, arg, delim);
		else
			op_absence_level(r, in, arg, delim);
		break;
	case 11:
		op_again(r, in, delim);
		break;
	case 12:
		op_clock(r, in, arg, delim);
		break;
	case 13:
		snprintf(r->what, sizeof(r->what), "end of batch (%zu queued)%s", r->nq,
			 arg & 1 ? ", through the loop" : "");
		if (fz.trace)
			fprintf(stderr, "op %u: %s\n", r->op, r->what);
		end_batch(r, arg & 1);
		if ((arg & 6) == 2)
			op_plan_retention(r, in, delim);
		break;
	case 14:
		op_query(r, in, arg, delim);
		break;
	default:
		op_raw(r, in, arg, delim);
		break;
	}
}

/* --- set-up ------------------------------------------------------------------------------ */

static void
fuzz_teardown(void)
{
	if (!fz.ready)
		return;
	if (fz.dealer)
		zmq_close(fz.dealer);
	if (fz.sub)
		zmq_close(fz.sub);
	fz.d.writer = writer_free(fz.d.writer);
	fz.d.router = zsock_free(fz.d.router);
	fz.d.pub = zsock_free(fz.d.pub);
	zsock_ctx_free(fz.d.zctx);
	planload_free(&fz.d);
	fz.d.store = store_free(fz.d.store);
	event_base_free(fz.d.base);
	for (size_t i = 0; i < fz.n_tmpl; i++)
		free(fz.tmpl[i].key);
	free(fz.tmpl);
	fz.ready = false;
}

static void *
fuzz_socket(int type, const char *endpoint)
{
	int zero = 0, hwm = 0;
	void *s = zmq_socket(fz.d.zctx, type);

	CHECK(NULL, s, "zmq_socket: %s", strerror(errno));
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	if (type == ZMQ_DEALER)
		zmq_setsockopt(s, ZMQ_ROUTING_ID, dealer_id, sizeof(dealer_id) - 1);
	else
		zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
	CHECK(NULL, zmq_connect(s, endpoint) == 0, "zmq_connect %s: %s", endpoint,
	      strerror(errno));
	return s;
}

/* Every named database of the store's environment, as its main database lists them. */
static size_t
fuzz_dbs(MDB_txn *txn, MDB_dbi *dbis, size_t max)
{
	MDB_cursor *c;
	MDB_dbi main_dbi;
	MDB_val k, v;
	size_t n = 0;
	int rc;

	rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
	if (rc == MDB_SUCCESS)
		rc = mdb_cursor_open(txn, main_dbi, &c);
	CHECK(NULL, rc == MDB_SUCCESS, "the store's main database: %s", mdb_strerror(rc));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char name[64];

		CHECK(NULL, n < max && k.mv_size < sizeof(name), "more databases than expected");
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		rc = mdb_dbi_open(txn, name, 0, &dbis[n++]);
		CHECK(NULL, rc == MDB_SUCCESS, "database '%s': %s", name, mdb_strerror(rc));
	}
	mdb_cursor_close(c);
	CHECK(NULL, rc == MDB_NOTFOUND, "the store's main database: %s", mdb_strerror(rc));
	return n;
}

/* Plan A in force as version 1, as planload_apply() left it in the template, without
 * parsing it again unless an input put another plan in force. */
static void
fuzz_plan_a(void)
{
	struct plan_errors errs = { 0 };
	struct lanud *d = &fz.d;
	int rc;

	if (d->plan && d->plan_version == 1 && strcmp(d->plan_sha, fz.plan_a_sha) == 0)
		return;
	planload_free(d);
	rc = plan_parse("fuzz-stateful.yaml", plan_a, sizeof(plan_a) - 1, &d->plan, &errs);
	plan_errors_free(&errs);
	if (rc == 0)
		rc = plan_index_new(d->plan, &d->index);
	if (rc == 0)
		rc = calendar_set_new(d->plan, &d->calendars);
	CHECK(NULL, rc == 0, "plan A does not compile: %s", fuzz_strerror(rc));
	d->plan_version = 1;
	snprintf(d->plan_sha, sizeof(d->plan_sha), "%s", fz.plan_a_sha);
}

/* The store as each input starts from it: empty but for plan A, loaded with
 * planload_apply() at T0 as version 1; its records kept in fz.tmpl. */
static void
fuzz_template(void)
{
	Lanu__V1__PlanLoadResult res = LANU__V1__PLAN_LOAD_RESULT__INIT;
	struct plan_errors errs = { 0 };
	struct planload_req plr = { .source = "fuzz-stateful.yaml", .loaded_by = "fuzzer",
				    .text = plan_a, .len = sizeof(plan_a) - 1 };
	struct lanud *d = &fz.d;
	struct store_txn t;
	char path[300];
	int rc;

	rc = store_open(fz.dir, FUZZ_MAP, FUZZ_MAP_MAX, &d->store);
	CHECK(NULL, rc == 0, "cannot open a store in %s: %s", fz.dir, fuzz_strerror(rc));
	/* LMDB goes on with the files it has open and mapped; an input that aborts leaves
	 * nothing behind. */
	for (size_t i = 0; i < ELEMENTSOF(store_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", fz.dir, store_files[i]);
		CHECK(NULL, unlink(path) == 0 || errno == ENOENT, "cannot remove %s: %s", path,
		      strerror(errno));
	}
	CHECK(NULL, rmdir(fz.dir) == 0, "cannot remove %s: %s", fz.dir, strerror(errno));
	timesrc_init(&d->clock, true, T0_MS * 1000);
	rc = planload_apply(d, &plr, &res, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	CHECK(NULL, rc == 0 && d->plan_version == 1, "the fuzzer's own plan is refused: %s",
	      fuzz_strerror(rc));
	planload_result_clear(&res);
	plan_errors_free(&errs);
	snprintf(fz.plan_a_sha, sizeof(fz.plan_a_sha), "%s", d->plan_sha);
	store_begin(d->store, &t, STORE_RO);
	fz.n_dbs = fuzz_dbs(t.txn, fz.dbs, ELEMENTSOF(fz.dbs));
	for (size_t i = 0; i < fz.n_dbs; i++) {
		MDB_cursor *c;
		MDB_val k, v;

		rc = mdb_cursor_open(t.txn, fz.dbs[i], &c);
		CHECK(NULL, rc == MDB_SUCCESS, "mdb_cursor_open: %s", mdb_strerror(rc));
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			struct record *rec;

			fz.tmpl = realloc(fz.tmpl, (fz.n_tmpl + 1) * sizeof(*fz.tmpl));
			CHECK(NULL, fz.tmpl, "out of memory");
			rec = &fz.tmpl[fz.n_tmpl++];
			rec->dbi = fz.dbs[i];
			rec->key = malloc(k.mv_size + v.mv_size + 1);
			CHECK(NULL, rec->key, "out of memory");
			memcpy(rec->key, k.mv_data, k.mv_size);
			memcpy(rec->key + k.mv_size, v.mv_data, v.mv_size);
			rec->key_len = k.mv_size;
			rec->val_len = v.mv_size;
		}
		mdb_cursor_close(c);
	}
	store_abort(&t);
}

/* Makes the store what fuzz_template() left: every database emptied, the template's
 * records put back, in one write transaction. A new store per input would cost LMDB's
 * environment (megabytes of lists, under ASan) each time. */
static void
fuzz_reset(void)
{
	struct store_txn t;
	int rc = MDB_SUCCESS;

	store_begin(fz.d.store, &t, STORE_RW);
	CHECK(NULL, t.err == 0, "cannot begin a write transaction: %s", fuzz_strerror(t.err));
	for (size_t i = 0; i < fz.n_dbs && rc == MDB_SUCCESS; i++)
		rc = mdb_drop(t.txn, fz.dbs[i], 0);
	for (size_t i = 0; i < fz.n_tmpl && rc == MDB_SUCCESS; i++) {
		MDB_val k = { fz.tmpl[i].key_len, fz.tmpl[i].key };
		MDB_val v = { fz.tmpl[i].val_len, fz.tmpl[i].key + fz.tmpl[i].key_len };

		rc = mdb_put(t.txn, fz.tmpl[i].dbi, &k, &v, 0);
	}
	if (rc != MDB_SUCCESS)
		store_abort(&t);
	CHECK(NULL, rc == MDB_SUCCESS, "cannot empty the store: %s", mdb_strerror(rc));
	rc = store_commit(&t);
	CHECK(NULL, rc == 0, "cannot empty the store: %s", fuzz_strerror(rc));
}

static void
fuzz_setup(void)
{
	const char *base;
	char router_ep[64], pub_ep[64];
	struct iovec warm[2] = { { (void *)"warm", 5 }, { (void *)"", 0 } };
	struct iovec hello[2] = { { (void *)dealer_id, sizeof(dealer_id) - 1 },
				  { (void *)"hello", 5 } };
	uint8_t buf[64];
	int rc, i;

	/* calendar.c counts in the process's zone, as server_start() sets it */
	if (setenv("TZ", "Europe/Helsinki", 1) < 0)
		fuzz_fail(NULL, "setenv", "cannot set TZ");
	tzset();
	log_set_level(LOG_CRIT);	/* refusals are logged as warnings: no news here */
	fz.trace = getenv("LANU_FUZZ_TRACE") != NULL;
	rc = fuzz_store_dir(fz.dir, sizeof(fz.dir), "fuzz_stateful", &base);
	CHECK(NULL, rc == 0, "cannot make a directory in %s: %s", base, strerror(-rc));
	fz.d.base = event_base_new();
	CHECK(NULL, fz.d.base && event_base_priority_init(fz.d.base, 3) == 0,
	      "cannot create the event base");
	fz.ready = true;
	atexit(fuzz_teardown);
	fuzz_template();
	rc = writer_new(&fz.d, &fz.d.writer);
	CHECK(NULL, rc == 0, "writer_new: %s", fuzz_strerror(rc));
	fz.d.zctx = zsock_ctx_new();
	CHECK(NULL, fz.d.zctx, "zsock_ctx_new: %s", strerror(errno));
	snprintf(router_ep, sizeof(router_ep), "inproc://fuzz-router-%d", (int)getpid());
	snprintf(pub_ep, sizeof(pub_ep), "inproc://fuzz-pub-%d", (int)getpid());
	rc = zsock_open(&fz.d.router, fz.d.zctx, fz.d.base, ZSOCK_ROUTER, ingest_on_msg, &fz.d);
	if (rc == 0)
		rc = zsock_bind(fz.d.router, router_ep);
	if (rc == 0)
		rc = zsock_open(&fz.d.pub, fz.d.zctx, fz.d.base, ZSOCK_PUB, NULL, NULL);
	if (rc == 0)
		rc = zsock_bind(fz.d.pub, pub_ep);
	CHECK(NULL, rc == 0, "cannot open the sockets: %s", fuzz_strerror(rc));
	fz.dealer = fuzz_socket(ZMQ_DEALER, router_ep);
	fz.sub = fuzz_socket(ZMQ_SUB, pub_ep);
	/* The subscription reaches the PUB socket in its own time: wait for it. */
	for (i = 0; i < 2000; i++) {
		zsock_send(fz.d.pub, warm, 2);
		if (zmq_recv(fz.sub, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
			break;
		usleep(1000);
	}
	CHECK(NULL, i < 2000, "the SUB socket hears nothing");
	/* And the ROUTER knows the DEALER's routing id only once it has attached it. */
	for (i = 0; i < 2000; i++) {
		zsock_send(fz.d.router, hello, 2);
		if (zmq_recv(fz.dealer, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
			break;
		usleep(1000);
	}
	CHECK(NULL, i < 2000, "the DEALER socket hears nothing");
	usleep(10000);
	while (zmq_recv(fz.sub, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0 ||
	       zmq_recv(fz.dealer, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
		;
}

/* The template store with plan A in force and a manual clock at T0. */
static void
fuzz_start(struct run *r)
{
	struct lanud *d = &fz.d;

	r->d = d;
	fuzz_reset();
	timesrc_init(&d->clock, true, T0_MS * 1000);
	d->n_duplicates = d->n_rejected = d->n_commits = d->n_committed = d->n_unrouted = 0;
	fuzz_plan_a();
	r->now_ms = T0_MS;
	r->clock_usec = d->clock.manual_usec;
	r->variant = r->loading = -1;
	r->corr = CORR_BASE;
	r->txnid = store_txnid(r);
	snprintf(r->what, sizeof(r->what), "start");
}

static void
fuzz_stop(struct run *r)
{
	struct store_stat st;

	snprintf(r->what, sizeof(r->what), "end of input");
	end_batch(r, false);
	store_stats(r, &st);
	check_log(r, 1, st.last_alert_seq, NULL);
	for (size_t i = 0; i < r->nhist; i++)
		free(r->hist[i].buf);
	free(r->alerts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };
	struct run *r;

	if (!fz.ready)
		fuzz_setup();
	r = calloc(1, sizeof(*r));
	CHECK(NULL, r, "out of memory");
	fuzz_start(r);
	while (in.i < in.n && r->op < FUZZ_OPS) {
		r->op++;
		apply_op(r, &in, next_byte(&in));
	}
	fuzz_stop(r);
	free(r);
	return 0;
}
