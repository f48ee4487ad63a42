/* The store's private header, shared by daemon/store*.c and nothing else: struct store,
 * the key codec and the steps every family takes (get, put, reserve, del, cursors), each
 * of which sets the transaction's sticky error when it fails.
 *
 * It does not include <lmdb.h> (rule 16), and the families do not either: store.c
 * takes every step for them. The environment and the cursor are forward-declared, a
 * database handle (MDB_dbi) is an unsigned int, and keys and values cross as bytes.
 *
 * Keys. Every key is a sequence of named fields, built with store_key_*() and read
 * back with store_key_next_*(); no family code counts bytes. The fields:
 *	u8	one byte
 *	u64	8 bytes, big-endian: cursor order is numeric order (rule 19)
 *	str	the string's bytes and a NUL: sorts by the string first ("a" < "ab"
 *		because NUL < 'b'), and cannot run into the next field (ids hold no NUL)
 *	fixed	exactly width bytes, no terminator ("YYYY-MM-DD", "YYYY-MM")
 *	tail	the string's bytes to the end of the key, no terminator: the last field
 *		only (a key that ends with one takes no other field)
 * These reproduce byte for byte the layouts the store has always written (schema 1).
 *
 * Errors (rules 5, 16). A step that fails sets the sticky error: an LMDB error, a key
 * or value read back that does not decode where the store is expected to be
 * consistent (-EBADMSG), an allocation (-ENOMEM), a write whose key cannot be built
 * (-EINVAL). Not sticky: a read that finds nothing (-ENOENT, which is also the answer
 * for a key that cannot be built: no such key is ever stored), and the answers a
 * function documents for its caller to decide on (-EALREADY, the -EBADMSG of a single
 * record asked for by id, -EINVAL for malformed arguments of a query).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MDB_env;
struct MDB_cursor;
struct store_txn;	/* store.h */
struct store_spare;	/* store.c */

/* One environment, its named databases (MDB_dbi handles) and the lock that makes it
 * this process's alone. */
struct store {
	struct MDB_env *env;
	unsigned int meta;					/* store.c */
	unsigned int events, dedup;				/* store_event.c */
	unsigned int alerts, akeys, by_rcpt, open;		/* store_alert.c */
	unsigned int plan_versions;				/* store_plan.c */
	unsigned int clocks, clk_case, clk_fire, clk_due, clk_svc;	/* store_clock.c */
	unsigned int comp;					/* store_compliance.c */
	unsigned int absences, abs_figures;			/* store_absence.c */
	unsigned int escalations, esc_fire;			/* store_escalation.c */
	unsigned int audit;					/* store_audit.c */
	unsigned int subjects, purge;				/* store_retain.c */
	unsigned int ind_values, ind_revs, ind_levels;		/* store_indicator.c */
	unsigned int watches, watch_due;			/* store_watch.c */
	unsigned int msr_status;				/* store_measure.c */
	uint64_t map_max;
	int lock_fd;
	/* Read-only transactions ended (mdb_txn_reset()), with the cursors they kept, for
	 * the next store_begin(STORE_RO) to renew: beginning one and opening a cursor
	 * each malloc. Either thread may take or give one back, under spare_lock. */
	pthread_mutex_t spare_lock;
	struct store_spare *spare;
	/* Held by store_copy() for the whole copy (its read transaction) and tried by
	 * store_grow(), which LMDB allows only with no transaction active. */
	pthread_mutex_t copy_lock;
};

/* --- the key codec -------------------------------------------------------------------- */

#define STORE_KEY_MAX 511	/* LMDB's largest key (mdb_env_get_maxkeysize) */

/* A key being built. A field that does not fit, or a fixed field of the wrong width,
 * or any field after a tail, makes the key bad: store_db_*() then refuse it. */
struct store_key {
	uint8_t b[STORE_KEY_MAX];
	size_t n;
	bool bad;
	bool ended;	/* a tail was appended */
};

/* Bytes read from the store (a key or a value), consumed from the front by the
 * decoders. They point into the map: valid until the transaction ends (rule 18). */
struct store_view {
	const uint8_t *p;
	size_t n;
};

void store_key_u8(struct store_key *k, uint8_t v);
void store_key_u64(struct store_key *k, uint64_t v);
void store_key_str(struct store_key *k, const char *s);
void store_key_fixed(struct store_key *k, const char *s, size_t width);
void store_key_tail(struct store_key *k, const char *s);

/* Each reads the next field of v and advances past it. Returns 0, or -EBADMSG if v
 * does not hold one (too short, no terminator, a NUL inside a fixed or tail field, a
 * tail that does not fit size with its NUL); v and the out-parameters are untouched
 * then. store_key_next_str() points *ret_s into v's bytes (the field's own NUL ends
 * it); the others copy. */
int store_key_next_u8(struct store_view *v, uint8_t *ret_v);
int store_key_next_u64(struct store_view *v, uint64_t *ret_v);
int store_key_next_str(struct store_view *v, const char **ret_s);
int store_key_next_fixed(struct store_view *v, size_t width, char *ret_buf);	/* width + 1 */
int store_key_next_tail(struct store_view *v, char *ret_buf, size_t size);
/* 0 if every byte of v was read, -EBADMSG if some are left. */
int store_key_end(const struct store_view *v);

/* --- steps of a transaction (store.c) ------------------------------------------------- */

/* Sets the sticky error unless one is set already. Returns the (first) error. */
int store_fail(struct store_txn *t, int err);

/* The next event or alert sequence number of this transaction (counted in writes). */
uint64_t store_next_seq(struct store_txn *t, bool alert);

/* A u64 in meta (0 if it is not there), and writing one. */
uint64_t store_meta_u64(struct store_txn *t, const char *name);
void store_put_meta_u64(struct store_txn *t, const char *name, uint64_t value);

enum {
	STORE_PUT_APPEND = 1 << 0,	/* MDB_APPEND: k sorts after every key there */
	STORE_PUT_NOOVERWRITE = 1 << 1,	/* MDB_NOOVERWRITE: k must be new */
};

/* Reads k's value into *ret_val. Returns 0, -ENOENT (not sticky), or the sticky error. */
int store_db_get(struct store_txn *t, unsigned int dbi, const struct store_key *k,
		 struct store_view *ret_val);

/* Stores k -> data (len bytes). flags: STORE_PUT_*. Counted in t->writes. */
void store_db_put(struct store_txn *t, unsigned int dbi, const struct store_key *k,
		  const void *data, size_t len, unsigned int flags);

/* Stores k -> data unless k is there: 0, -EEXIST (k is there; nothing is written, not
 * sticky, not counted in t->writes), or the sticky error. */
int store_db_put_new(struct store_txn *t, unsigned int dbi, const struct store_key *k,
		     const void *data, size_t len);

/* Stores k with room for a len-byte value and returns that room, to be filled before
 * the next step; NULL if the step failed (the sticky error says why). */
void *store_db_reserve(struct store_txn *t, unsigned int dbi, const struct store_key *k,
		       size_t len, unsigned int flags);

/* Deletes k; a key that is not there (or cannot be built) is not an error. */
void store_db_del(struct store_txn *t, unsigned int dbi, const struct store_key *k);

/* A cursor over one database, and the entry it is on. */
struct store_iter {
	struct store_txn *t;
	struct MDB_cursor *c;
	struct store_view key, val;
};

/* Opens a cursor. Returns 0 or the sticky error; close with store_iter_close() (which
 * takes an iterator that never opened, too: zero it first). */
int store_iter_open(struct store_txn *t, unsigned int dbi, struct store_iter *ret_it);
void store_iter_close(struct store_iter *it);
/* Closes it after a scan that stopped with r (what a step returned: < 0 an error,
 * else 0 or a caller's stop value) or ran out of entries with rc (the last move's:
 * -ENOENT at the end). Returns the scan's error, or 0. */
int store_iter_end(struct store_iter *it, int r, int rc);

/* Moves to the first entry whose key is >= k, or to the first, last, next or previous
 * entry. Each returns 0 (it->key and it->val are the entry), -ENOENT if there is none
 * (not sticky), or the sticky error. */
int store_iter_seek(struct store_iter *it, const struct store_key *k);
enum store_move { STORE_FIRST, STORE_LAST, STORE_NEXT, STORE_PREV };
int store_iter_move(struct store_iter *it, enum store_move m);

/* The first key of dbi whose first field is the u8 kind, read as kind (u8) at (u64)
 * name (tail, into name of size bytes): the due indexes of store_retain.c and
 * store_watch.c. Returns 0, -ENOENT if there is none of that kind, or the sticky error. */
int store_first_of_kind(struct store_txn *t, unsigned int dbi, uint8_t kind, uint64_t *ret_at,
			char *name, size_t size);

/* --- what the store holds about each child (store_retain.c) -------------------------- */

/* The records about a subject that retention takes, and how each is keyed in subjects. */
enum store_piece {
	STORE_PIECE_EVENT = 1,	/* its seq (u64) */
	STORE_PIECE_CLOCK = 2,	/* its id (u64) */
	STORE_PIECE_ALERT = 3,	/* its seq (u64) */
	STORE_PIECE_PLACE = 4,	/* a pupil's place: ladder (str) period (tail) */
};

/* Notes that piece id (its key fields, built with store_key_*()) of subject was written
 * at at_ms (UINT64_MAX: it holds the subject until noted again), and queues that instant
 * for the purge walk. A subject that is neither a case's nor a pupil's is not noted. */
void store_subject_note(struct store_txn *t, const char *subject, enum store_piece piece,
			const struct store_key *id, uint64_t at_ms);
/* Forgets a piece's entry (the piece is gone or no longer names subject). */
void store_subject_forget(struct store_txn *t, const char *subject, enum store_piece piece,
			  const struct store_key *id);
/* Hands fn the id of each piece of kind piece (an event, clock or alert: u64 ids) of
 * subject, in id order; fn returns 0 to go on, 1 to stop, < 0 to stop with that error.
 * Returns 0, fn's error or the sticky error. */
typedef int (*store_piece_fn)(struct store_txn *t, uint64_t id, void *arg);
int store_subject_scan(struct store_txn *t, const char *subject, enum store_piece piece,
		       store_piece_fn fn, void *arg);
/* Queues subject for the purge walk at at_ms (nothing for UINT64_MAX). */
void store_purge_queue(struct store_txn *t, const char *subject, uint64_t at_ms);

/* Notes one record of a family, as it is stored (key and value), under its subject:
 * for store_subject_index_all(), which indexes a store written before retention. */
typedef void (*store_note_fn)(struct store_txn *t, struct store_view key, struct store_view val);
void store_event_note(struct store_txn *t, struct store_view key, struct store_view val);
void store_clock_note(struct store_txn *t, struct store_view key, struct store_view val);
void store_alert_note(struct store_txn *t, struct store_view key, struct store_view val);
void store_absence_note(struct store_txn *t, struct store_view key, struct store_view val);

/* What each family does to a piece retention takes: an event goes with its dedup entry
 * (store_event.c); a clock loses its case id and the ids that would lead back to the
 * case (store_clock.c); an alert keeps only its place in the log (store_alert.c); a
 * pupil's place goes (store_absence.c). A piece that is not there is no error. */
void store_event_purge(struct store_txn *t, uint64_t seq);
void store_clock_purge(struct store_txn *t, uint64_t id);
void store_alert_purge(struct store_txn *t, uint64_t seq);
void store_absence_purge(struct store_txn *t, const char *pupil, const char *ladder,
			 const char *period);
