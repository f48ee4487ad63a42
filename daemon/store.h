/* The store: lanud's state in LMDB, by family: the environment and its transactions,
 * meta, events, alerts, plan versions, access-time clocks, compliance counters and the
 * audit log.
 * Every step of a transaction takes a struct store_txn and sets its sticky error when it
 * fails (rule 16); a read that finds nothing answers -ENOENT and does not. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"
#include "lanu/limits.h"
#include "plan.pb-c.h"

struct store;

/* --- the environment and its transactions (store.c) -------------------------------- */

/* A transaction with a sticky error: once a step fails, later steps do nothing and
 * store_commit() aborts and returns that error (rule 16). writes counts its puts,
 * deletes and sequence numbers taken: a caller that notes it before a step can tell
 * whether that step changed anything (the writer undoes a refused event that did). */
#define STORE_TXN_CURSORS 31	/* LMDB's two databases and store_open()'s 29 */

struct store_txn {
	struct store *s;
	void *txn;	/* MDB_txn */
	void *cursors[STORE_TXN_CURSORS];	/* MDB_cursor: one closed iterator's per database,
						 * for the next to reuse; closed with the txn */
	int err;
	bool ro;	/* STORE_RO: store_abort() keeps it for the next to renew */
	uint64_t writes;
	bool seq_loaded;	/* the counters below were read from meta */
	bool seq_dirty;		/* and must be written back at commit */
	uint64_t event_seq, alert_seq;
};

enum { STORE_RW = 0, STORE_RO = 1 };

/* The store's three kinds of "full", told apart at this boundary (rule 5):
 * STORE_MAP_FULL	the LMDB map is full (MDB_MAP_FULL): store_grow() and apply the
 *			transaction again;
 * STORE_TXN_FULL	one transaction dirtied more pages than LMDB holds for one
 *			(MDB_TXN_FULL): a larger map cannot help, a smaller transaction can;
 * -ENOSPC		the file system under the store is full (or the quota, or the file
 *			size limit, reached): growing the map cannot help; retry later. */
#define STORE_MAP_FULL (-EFBIG)
#define STORE_TXN_FULL (-EOVERFLOW)

struct store_stat {
	uint64_t events;
	uint64_t last_event_seq;
	uint64_t last_alert_seq;
	uint64_t open_alerts;
	uint64_t open_clocks;
	uint64_t next_deadline_ms;	/* the earliest clock warning, miss or expiry; 0 if none */
	uint64_t pending_escalations;	/* escalation chains with a step to come */
	uint64_t next_escalation_ms;	/* the earliest of their steps; 0 if none */
	uint64_t map_size;
	uint64_t map_used;
	uint64_t last_audit_seq;
};

/* Opens (creating) the store in dir, taking an exclusive lock on dir/lanud.lock.
 * Returns 0, -EBUSY if another lanud holds the lock, -EPROTO if the store was
 * written by a newer schema, or another -errno. Free with store_free(). */
int store_open(const char *dir, uint64_t map_size, uint64_t map_max, struct store **ret_store);
struct store *store_free(struct store *s);

void store_begin(struct store *s, struct store_txn *t, int flags);
/* The last alert sequence number, including this transaction's own alerts. */
uint64_t store_last_alert_seq(struct store_txn *t);
/* The version of the store that t sees: LMDB's id of the last commit (for a write
 * transaction, the id it will commit as). Two read transactions of the same version see
 * the same store: a write transaction that was aborted, or changed nothing, makes none. */
uint64_t store_version(struct store_txn *t);

/* Commits (or aborts, if a step failed). Returns 0, STORE_MAP_FULL if the map is
 * full, -ENOSPC if the file system is, or another -errno. */
int store_commit(struct store_txn *t);
void store_abort(struct store_txn *t);

/* Grows the map (doubling, up to map_max). No transaction may be open.
 * Returns 0, or STORE_MAP_FULL if it is already at map_max. */
int store_grow(struct store *s);

/* Writes a consistent, compacted copy of the store as it is now (one read transaction)
 * to fd, from any thread, while writes go on; the map cannot grow meanwhile
 * (store_grow() answers STORE_MAP_FULL). Returns 0 or -errno (-ENOSPC: disk full). */
int store_copy(struct store *s, int fd);

/* What a copy of a store holds, read back from file (a data.mdb, e.g. store_copy()'s). */
struct store_file_info {
	uint64_t schema;
	uint64_t event_seq;	/* the last event and alert in it */
	uint64_t alert_seq;
};

/* Opens file read-only as a store and reads its meta. Returns 0, -EPROTO if it is not
 * a store of this lanud's schema, or another -errno. */
int store_file_check(const char *file, struct store_file_info *ret_info);

/* What a store error means, for a log line or a reply: "no space left on device",
 * "the store is full (map-max reached)", or strerror(). */
const char *store_strerror(int r);

/* Counts and sizes, for status and the systemd STATUS= line. 0 or the sticky error. */
int store_stat(struct store_txn *t, struct store_stat *ret_stat);

/* --- meta: the clock and the plan file (store.c) ----------------------------------- */

/* The manual clock's last "now", so that time never runs backwards over a restart. */
uint64_t store_get_clock(struct store_txn *t);
void store_put_clock(struct store_txn *t, uint64_t usec);

/* The SHA-256 (hex) of the configured plan file when lanud last loaded it, "" if
 * never: a restart or SIGHUP loads the file again only if it has changed since. */
void store_get_plan_file_sha(struct store_txn *t, char ret[65]);
void store_put_plan_file_sha(struct store_txn *t, const char *sha);

/* --- events and their dedup index (store_event.c) ---------------------------------- */

/* Returns 1 if producer already sent event_id, 0 if not, or the sticky error. */
int store_event_seen(struct store_txn *t, const char *producer, const char *event_id);

/* Stores a packed Envelope and remembers (producer, event_id); subject ("case:<id>",
 * "pupil:<id>", or "" for none) is who it is about, for retention. */
void store_put_event(struct store_txn *t, const char *producer, const char *event_id,
		     const char *subject, uint64_t received_ms, const void *data, size_t len);

/* --- the alert log and its indexes (store_alert.c) --------------------------------- */

#define STORE_ALERT_ID_MAX 24

/* An alert as the log holds it (packed), valid until the next write in its transaction. */
struct store_packed {
	const void *data;
	size_t len;
};

/* Appends a to the alert log unless an alert with its dedup key (if it has one) is
 * there: assigns a->seq and the alert id (written into ret_id, which a->alert_id then
 * points to), indexes it by recipient, dedup key and as open. ret_prev[i] is the
 * previous alert seq for a->recipients[i] (0 if none); *ret_packed the alert as
 * stored. Returns 1 if appended, 0 if the dedup key was there (nothing is written),
 * or the sticky error. */
int store_append_alert(struct store_txn *t, Lanu__V1__Alert *a, char ret_id[STORE_ALERT_ID_MAX],
		       uint64_t *ret_prev, struct store_packed *ret_packed);

/* Looks up an alert by dedup key or by id. Returns 0, -ENOENT. */
int store_alert_by_key(struct store_txn *t, const char *dedup_key, uint64_t *ret_seq);
int store_alert_by_id(struct store_txn *t, const char *alert_id, uint64_t *ret_seq);

/* Reads one alert. Returns 0, -ENOENT, -EBADMSG if the record does not decode.
 * Caller frees *ret_alert with lanu__v1__alert__free_unpacked(a, NULL). */
int store_get_alert(struct store_txn *t, uint64_t seq, Lanu__V1__Alert **ret_alert);

/* Marks an alert acknowledged. Returns 0, -EALREADY if it already was, -ENOENT. */
int store_ack_alert(struct store_txn *t, uint64_t seq, const char *by, const char *note,
		    uint64_t at_ms);

/* Called per alert. Return 0 to pass it over (it is freed when fn returns), 1 to
 * take it (fn now owns it: free with lanu__v1__alert__free_unpacked(); it counts
 * against the limit), <0 to stop with that error. */
typedef int (*store_alert_fn)(const Lanu__V1__Alert *a, void *arg);

/* Whether any alert the log keeps was routed to rcpt. */
bool store_rcpt_seen(struct store_txn *t, const char *rcpt);

/* Alerts with seq > after routed to any of rcpts, in seq order, at most limit taken.
 * Each carries the prev_seq its live copy had for the first of rcpts it went to (the
 * previous alert routed to that recipient). *ret_last is the highest seq examined,
 * *ret_more whether more may follow. */
int store_replay(struct store_txn *t, const char *const *rcpts, size_t n, uint64_t after,
		 size_t limit, store_alert_fn fn, void *arg, uint64_t *ret_last, bool *ret_more);

/* Alerts with seq > after, in order, whoever they went to; fn filters and takes. At
 * most examine are read (*ret_more then set: ask again after *ret_last). */
int store_alerts_after(struct store_txn *t, uint64_t after, size_t limit, size_t examine,
		       store_alert_fn fn, void *arg, uint64_t *ret_last, bool *ret_more);

/* Unacknowledged alerts with seq > after, in order; fn filters and takes. */
int store_open_alerts(struct store_txn *t, uint64_t after, size_t limit, store_alert_fn fn,
		      void *arg, uint64_t *ret_last, bool *ret_more);

/* --- plan versions (store_plan.c) -------------------------------------------------- */

/* Stores v, with its plan, as the next plan version, which makes it the plan in force
 * (v->version is assigned and returned, 0 on error). */
uint64_t store_put_plan(struct store_txn *t, Lanu__V1__PlanVersion *v);

/* One version with its plan (0 = the newest, the plan in force). Returns 0,
 * -ENOENT, -EBADMSG. Free with lanu__v1__plan_version__free_unpacked(). */
int store_get_plan_version(struct store_txn *t, uint64_t version, Lanu__V1__PlanVersion **ret);

/* Every version, oldest first, without its plan. Free each, then the array. */
int store_plan_history(struct store_txn *t, Lanu__V1__PlanVersion ***ret_v, size_t *ret_n);

/* --- access-time clocks, for deadline.c and compliance.c (store_clock.c) ----------- */

/* Stores c (an id of 0 gets the next one, written into c) and moves its index entries
 * from those of old, the record as it was before this change (NULL for a new clock):
 * the latest by (service, stage, case), next warning or miss by instant, open by due
 * instant, and all by service and start day. */
void store_clock_put(struct store_txn *t, Lanu__V1__Clock *c, const Lanu__V1__Clock *old);

/* Forgets c (an early delivery whose request never came). */
void store_clock_del(struct store_txn *t, const Lanu__V1__Clock *c);

/* Reads one clock (pa: protobuf-c allocator, NULL for malloc). 0, -ENOENT, -EBADMSG. */
int store_clock_get(struct store_txn *t, uint64_t id, ProtobufCAllocator *pa,
		    Lanu__V1__Clock **ret);

/* The latest clock of a case's service stage, in any state. 0 or -ENOENT. */
int store_clock_find(struct store_txn *t, const char *service, const char *stage,
		     const char *case_id, uint64_t *ret_id);

/* The first entry of the fire index: the earliest next warning, miss or expiry
 * of any clock (its instant and clock id). Returns 0, -ENOENT if there is none, or
 * the sticky error. */
int store_clock_first(struct store_txn *t, uint64_t *ret_at, uint64_t *ret_id);
/* Drops one entry of the fire index (a clock that cannot be read). */
void store_clock_unfire(struct store_txn *t, uint64_t at_ms, uint64_t id);

/* The earliest next warning or miss of any clock, 0 if none. */
uint64_t store_clock_next_at(struct store_txn *t);

/* Called per clock; return 0 to go on, 1 to stop, <0 to stop with that error. Unless
 * the scan says otherwise, the clock is the scan's and gone when fn returns. */
typedef int (*store_clock_fn)(Lanu__V1__Clock *c, void *arg);

/* Every clock of service that started from_day..to_day ("YYYY-MM-DD"), by start. */
int store_clock_scan_service(struct store_txn *t, const char *service, const char *from_day,
			     const char *to_day, store_clock_fn fn, void *arg);

/* Every open clock due at or before until_ms, soonest first. With pa (a protobuf-c
 * allocator, an arena's), each is decoded with it and is the caller's; NULL: as above. */
int store_clock_scan_open(struct store_txn *t, uint64_t after_ms, uint64_t after_id,
			  uint64_t until_ms, ProtobufCAllocator *pa, store_clock_fn fn, void *arg);
/* Every clock of case_id that retention has not taken, by clock id; decoded as by
 * store_clock_scan_open(). Returns 0, fn's error, -EINVAL (an id too long for a key)
 * or the sticky error. */
int store_clock_scan_case(struct store_txn *t, const char *case_id, ProtobufCAllocator *pa,
			  store_clock_fn fn, void *arg);

/* --- compliance counters and levels, for compliance.c (store_compliance.c) --------- */

/* Per indicator, breakdown group ("" for all) and month "YYYY-MM", the clocks decided
 * met and not met. Counts stop at 0. */
void store_comp_add(struct store_txn *t, const char *ind, const char *group, const char *month,
		    int64_t met, int64_t not_met);
/* Their sums over from_month..to_month. 0, -EINVAL (ids too long, or a month that is
 * not "YYYY-MM"; not sticky), or the sticky error. */
int store_comp_sum(struct store_txn *t, const char *ind, const char *group,
		   const char *from_month, const char *to_month, uint64_t *ret_met,
		   uint64_t *ret_not_met);
/* The alert level an indicator's group is at (0 fine, 1 warning, 2 critical) and
 * the seq of the alert that put it there (0 if none). */
int store_comp_level(struct store_txn *t, const char *ind, const char *group, uint64_t *ret_seq);
void store_comp_set_level(struct store_txn *t, const char *ind, const char *group, int level,
			  uint64_t seq);

/* --- absence ladders, for absence.c (store_absence.c) ------------------------------ */

/* A pupil's place on ladder in period, decoded with pa (NULL: malloc; free with
 * lanu__v1__absence_state__free_unpacked()). Returns 0, -ENOENT (none yet; not
 * sticky), or the sticky error (-EBADMSG if the record does not decode). */
int store_absence_get(struct store_txn *t, const char *ladder, const char *period,
		      const char *pupil, ProtobufCAllocator *pa, Lanu__V1__AbsenceState **ret_state);
/* Stores it, replacing the one of its ladder, period and pupil. */
void store_absence_put(struct store_txn *t, const Lanu__V1__AbsenceState *st);

/* Called per place of a pupil, which becomes fn's (to keep or to free with
 * lanu__v1__absence_state__free_unpacked()); return 0 to go on, 1 to stop, <0 to stop
 * with that error. */
typedef int (*store_absence_fn)(Lanu__V1__AbsenceState *st, void *arg);

/* Every place of pupil, by ladder and period. Returns 0, 1 (fn stopped it), fn's
 * error, -EINVAL (an id too long to be stored), or the sticky error. */
int store_absence_scan_pupil(struct store_txn *t, const char *pupil, store_absence_fn fn,
			     void *arg);

/* The figures of ladder and period for one school and grade, decoded with pa as
 * store_absence_get(); -ENOENT if none yet. */
int store_absence_figures_get(struct store_txn *t, const char *period, const char *ladder,
			      const char *school, uint32_t grade, ProtobufCAllocator *pa,
			      Lanu__V1__AbsenceFigures **ret_figures);
/* Stores them, under their period, ladder, school and grade. */
void store_absence_figures_put(struct store_txn *t, const Lanu__V1__AbsenceFigures *f);

/* Called per figures record of a period; f is the scan's and gone when fn returns.
 * Return as store_absence_fn. */
typedef int (*store_figures_fn)(const Lanu__V1__AbsenceFigures *f, void *arg);

/* Every figures record of period, by ladder, school and grade. Returns as
 * store_absence_scan_pupil(). */
int store_absence_scan_figures(struct store_txn *t, const char *period, store_figures_fn fn,
			       void *arg);

/* --- pending escalations, for alert.c (store_escalation.c) ------------------------- */

/* Stores p, the escalation chain of alert p->alert_seq, with a fire index entry at its
 * next step's instant (p->at_ms[p->next]; none once every step is past), and drops the
 * entry at old_at (0: none; the record as it was before this change). */
void store_esc_put(struct store_txn *t, const Lanu__V1__PendingEscalation *p, uint64_t old_at);

/* The chain of alert seq, decoded with pa (NULL: malloc; free with
 * lanu__v1__pending_escalation__free_unpacked()). Returns 0, -ENOENT (none; not sticky),
 * -EBADMSG (it does not decode; not sticky: the caller drops it), or the sticky error. */
int store_esc_get(struct store_txn *t, uint64_t seq, ProtobufCAllocator *pa,
		  Lanu__V1__PendingEscalation **ret);

/* Forgets the chain of alert seq and its fire index entry (at at_ms, UINT64_MAX: read
 * from the record). Returns 1 if there was one, 0 if not, or the sticky error. */
int store_esc_stop(struct store_txn *t, uint64_t seq, uint64_t at_ms);

/* The first entry of the escalations' fire index: the earliest step due and its alert.
 * Returns 0, -ENOENT if there is none, or the sticky error. */
int store_esc_first(struct store_txn *t, uint64_t *ret_at, uint64_t *ret_seq);

/* The earliest step due of any chain, 0 if none. */
uint64_t store_esc_next_at(struct store_txn *t);
/* --- the audit log (store_audit.c) ------------------------------------------------- */

/* The last audit record's seq, 0 if none (or the sticky error's 0). */
uint64_t store_last_audit_seq(struct store_txn *t);

/* Appends r to the audit log: assigns r->seq (the last + 1: gap-free) and raises
 * r->at_ms to the last record's if it is earlier (at_ms never goes back). Returns the
 * seq, or 0 with the sticky error. */
uint64_t store_append_audit(struct store_txn *t, Lanu__V1__AuditRecord *r);

/* Reads one record. Returns 0, -ENOENT, -EBADMSG. Free with
 * lanu__v1__audit_record__free_unpacked(). */
int store_get_audit(struct store_txn *t, uint64_t seq, Lanu__V1__AuditRecord **ret_rec);

/* Called per record: as store_alert_fn (0 pass it over, 1 take it: free it with
 * lanu__v1__audit_record__free_unpacked(), <0 stop with that error). */
typedef int (*store_audit_fn)(Lanu__V1__AuditRecord *r, void *arg);

/* Records with seq > after and at_ms in [from_ms, to_ms] (0: unbounded), in seq order:
 * at most limit taken and examine examined (a filter that takes few cannot make a page
 * read the whole log). *ret_last is the highest seq examined, *ret_more whether more
 * may follow. Returns 0, fn's error or the sticky error. */
int store_audit_scan(struct store_txn *t, uint64_t after, uint64_t from_ms, uint64_t to_ms,
		     size_t limit, size_t examine, store_audit_fn fn, void *arg,
		     uint64_t *ret_last, bool *ret_more);

/* Empties every database of the store, as if it had just been created (schema kept):
 * for tests and fuzzers that reuse one open store instead of creating one per case.
 * No transaction may be open. Returns 0, -ENOSPC if the map is full, -EIO if the
 * environment holds a database store_open() does not make, or another -errno. */
int store_clear(struct store *s);

/* --- indicators: series, levels, watches (store_indicator.c) ------------------------ */

/* The value of one period of a group of an indicator (first_day: the period's first
 * day, "YYYY-MM-DD"). 0, -ENOENT, or the sticky error. pa: NULL for malloc. */
int store_ind_get(struct store_txn *t, const char *indicator, const char *group,
		  const char *first_day, const char *period, ProtobufCAllocator *pa,
		  Lanu__V1__IndicatorValue **ret_value);
/* Stores value as its period's; old (the value it replaces, or NULL) is kept as a
 * revision under old->revision. */
void store_ind_put(struct store_txn *t, const Lanu__V1__IndicatorValue *value,
		   const char *first_day, const Lanu__V1__IndicatorValue *old);

/* Called per value (freed when it returns if it was decoded with malloc; an arena's
 * stay): 0 to go on, 1 to stop, <0 to stop with that error. */
typedef int (*store_ind_fn)(const Lanu__V1__IndicatorValue *v, void *arg);
/* A value's key, read before the value is decoded (valid during the call). */
struct store_ind_key {
	const char *group;
	char first_day[11];
	char period[LANU_MAX_NAME + 1];
};
/* Called per key before its value is decoded: 1 to decode it and call fn, 0 to pass it
 * over, anything else to stop the scan with it (<0 an error). */
typedef int (*store_ind_keep_fn)(const struct store_ind_key *k, void *arg);
/* The values of indicator (of one group, or of every group if group is NULL), by group
 * and period, oldest first or newest first, those keep takes (all if keep is NULL)
 * decoded with pa (NULL: malloc). 0 or the error. */
int store_ind_scan(struct store_txn *t, const char *indicator, const char *group,
		   bool newest_first, ProtobufCAllocator *pa, store_ind_keep_fn keep,
		   store_ind_fn fn, void *arg);
/* The values a period's value replaced, oldest first, decoded with pa as above. */
int store_ind_revisions(struct store_txn *t, const char *indicator, const char *group,
			const char *first_day, const char *period, ProtobufCAllocator *pa,
			store_ind_fn fn, void *arg);

/* A group's level (0 if none is stored) and the alert that set it. */
uint32_t store_ind_level(struct store_txn *t, const char *indicator, const char *group,
			 uint64_t *ret_seq);
void store_ind_set_level(struct store_txn *t, const char *indicator, const char *group,
			 uint32_t level, uint64_t seq);

/* --- measures' statuses (store_measure.c) ---------------------------------------- */

/* Appends rec to its measure's statuses. */
void store_msr_put(struct store_txn *t, const Lanu__V1__MeasureStatusRecord *rec);
/* Called per status, oldest first (freed when it returns if decoded with malloc): 0 to
 * go on, 1 to stop, <0 to stop with that error. */
typedef int (*store_msr_fn)(const Lanu__V1__MeasureStatusRecord *rec, void *arg);
int store_msr_history(struct store_txn *t, const char *measure, ProtobufCAllocator *pa,
		      store_msr_fn fn, void *arg);

/* --- watches: when to look at a plan object next (store_watch.c) ------------------- */

enum store_watch_kind {
	STORE_WATCH_INDICATOR = 1,	/* IndicatorWatch, indicator.c */
	STORE_WATCH_MEASURE = 2,	/* MeasureWatch, measure.c */
};

/* The watch of kind on name, unpacked with descriptor d (free it with
 * protobuf_c_message_free_unpacked(*ret, NULL)). 0, -ENOENT or the sticky error. */
int store_watch_get(struct store_txn *t, enum store_watch_kind kind, const char *name,
		    const ProtobufCMessageDescriptor *d, ProtobufCMessage **ret);
/* Stores w as name's watch, due at at_ms; old_at_ms (0: none) is the due instant of the
 * watch it replaces. */
void store_watch_put(struct store_txn *t, enum store_watch_kind kind, const char *name,
		     uint64_t at_ms, const ProtobufCMessage *w, uint64_t old_at_ms);
/* Deletes name's watch, due at at_ms (a due entry alone, too). */
void store_watch_del(struct store_txn *t, enum store_watch_kind kind, const char *name,
		     uint64_t at_ms);
/* The kind's earliest watch: its instant and name. 0, -ENOENT or the sticky error. */
int store_watch_first(struct store_txn *t, enum store_watch_kind kind, uint64_t *ret_at,
		      char ret_name[LANU_MAX_NAME + 1]);
/* Called per name; must not change the watches. 0 to go on, 1 to stop, <0 an error. */
typedef int (*store_name_fn)(const char *name, void *arg);
int store_watch_names(struct store_txn *t, enum store_watch_kind kind, store_name_fn fn,
		      void *arg);
/* The plan version the kind's watches were last set for, and setting it. */
uint64_t store_watch_plan(struct store_txn *t, enum store_watch_kind kind);
void store_watch_set_plan(struct store_txn *t, enum store_watch_kind kind, uint64_t version);

/* --- retention: what is held about each child (store_retain.c) ---------------------- */

enum store_subject_kind {
	STORE_SUBJECT_NONE = 0,
	STORE_SUBJECT_CASE = 1,		/* "case:<id>" */
	STORE_SUBJECT_PUPIL = 2,	/* "pupil:<id>" */
};

#define STORE_SUBJECT_MAX (LANU_MAX_NAME + 8)	/* "pupil:" + an id + NUL */

/* Which kind of subject s names ("case:x", "pupil:x"), or STORE_SUBJECT_NONE. */
enum store_subject_kind store_subject_kind(const char *s);

/* The first entry of kind's purge queue: the instant something was written about
 * *ret_subject. Returns 0, -ENOENT if the queue is empty, or the sticky error. */
int store_purge_first(struct store_txn *t, enum store_subject_kind kind, uint64_t *ret_at,
		      char ret_subject[STORE_SUBJECT_MAX]);
/* Drops that entry. */
void store_purge_drop(struct store_txn *t, uint64_t at_ms, const char *subject);

/* 1 if the store holds anything about subject, 0 if not, or the sticky error. */
int store_subject_held(struct store_txn *t, const char *subject);

/* Notes every event, clock, alert and pupil's place under its subject, in t: the
 * migration of a store written before retention (store_open()). *ret_noted: how many.
 * Returns 0 or the sticky error. */
int store_subject_index_all(struct store_txn *t, uint64_t *ret_noted);

/* What purges took, added up. */
struct store_purged {
	uint64_t events, clocks, alerts, places;
};

/* Takes subject's pieces last written before horizon_ms (see store_retain.c for what
 * each family keeps). whole: all of them or, if any was written at or after
 * horizon_ms or still holds the subject (an open clock), none. Adds what it took to
 * *acc; returns how many pieces it took, or the sticky error. */
int store_subject_purge(struct store_txn *t, const char *subject, uint64_t horizon_ms,
			bool whole, struct store_purged *acc);