/*
 * store: the LMDB environment (open, lock, grow, stat, free), transactions with their
 * sticky error (rule 16), meta, the key codec, and the steps (get, put, del, cursors)
 * through which the families, daemon/store_*.c, reach LMDB: this is the one file that
 * includes <lmdb.h>. daemon/store_db.h, which they share, says how keys are laid out
 * and which errors are sticky.
 *
 * Named databases, their keys as codec fields (u64 is big-endian, str ends in NUL,
 * fixed has no terminator, tail runs to the end of the key), and who owns them:
 *
 *	meta	  name (tail) -> "schema", "event_seq", "alert_seq", "clock", "clock_seq": u64;
 *		  "plan_file_sha": 64 hex digits (the plan file as last loaded)
 *	events	  seq (u64) -> received_ms (u64) + packed Envelope		store_event.c
 *	dedup	  producer (str) event_id (tail) -> seq (u64)
 *	alerts	  seq (u64) -> packed Alert					store_alert.c
 *	akeys	  dedup key (tail) -> seq (u64)
 *	by_rcpt	  recipient (str) seq (u64) -> ""
 *	open	  seq (u64) -> ""	(unacknowledged alerts)
 *	plan_versions  version (u64) -> packed PlanVersion, with its whole Plan	store_plan.c
 *	clocks	  id (u64) -> packed Clock					store_clock.c
 *	clk_case  service (str) stage (str) case (tail) -> id (u64)
 *	clk_fire  at_ms (u64) id (u64) -> ""
 *	clk_due	  due_at_ms (u64) id (u64) -> ""
 *	clk_svc	  service (str) start day (fixed 10) id (u64) -> ""
 *	comp	  "n" (str) indicator (str) group (str) month (fixed 7) -> met, not met (u64 x 2)
 *		  "l" (str) indicator (str) group (tail) -> level, alert seq (u64 x 2)	store_compliance.c
 *	absences, abs_figures: see store_absence.c
 *	escalations  alert seq (u64) -> packed PendingEscalation		store_escalation.c
 *	esc_fire  at_ms (u64) alert seq (u64) -> ""
 *	audit	  seq (u64) -> packed AuditRecord				store_audit.c
 *		  (and in meta: "audit_seq", "audit_at", the last record's seq and time)
 *	subjects  subject (str) piece (u8) id -> instant (u64)			store_retain.c
 *	purge	  kind (u8) instant (u64) subject (tail) -> ""
 *	ind_values, ind_revs, ind_levels: see store_indicator.c
 *	watches, watch_due: see store_watch.c; msr_status: see store_measure.c
 *
 * The schema (meta "schema") says which layouts a store has. A store of an older schema
 * is migrated when it is opened, every step in one transaction with the new number
 * (store_migrations[]); one of a newer schema is refused. Schema 2 (lanu 0.2): every
 * record is indexed under its subject (store_retain.c), and "plan", which held the
 * plan in force normalized, one record per object, and which nothing read, is gone.
 * The versions in plan_versions keep the whole plan. Every other layout is schema 1's,
 * byte for byte.
 *
 * The event and alert sequences are assigned inside the write transaction that stores
 * them, so an aborted transaction leaves no gap: the two counters are read from meta
 * once per transaction and written back once, at commit. Values are copied or decoded
 * before their transaction ends (rule 18). No read transaction outlives a call.
 */
#include "store.h"
#include "store_db.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lanu/limits.h"
#include "lanu/macro.h"
#include "log.h"

/* LMDB's codes are translated here, once (rule 5). */
static int
store_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return 0;
	case MDB_NOTFOUND: return -ENOENT;
	case MDB_MAP_FULL: return STORE_MAP_FULL;
	case MDB_TXN_FULL: return STORE_TXN_FULL;
	case MDB_READERS_FULL: return -EAGAIN;
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID: return -EPROTO;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND: return -EIO;
	case MDB_MAP_RESIZED: return -EAGAIN;
	/* errno from writing: a file that cannot grow is a full disk, not a full map */
	case ENOSPC:
	case EDQUOT:
	case EFBIG: return -ENOSPC;
	default: return rc > 0 ? -rc : -EIO;
	}
}

#define STORE_DISK_LOW (1u << 20)	/* less room than this on a failed write: full */

/* A commit's error. LMDB reports a write the file system cut short as EIO, not
 * ENOSPC: an EIO with next to no room left on the store's file system is a full
 * disk. */
static int
store_commit_errno(const struct store *s, int rc)
{
	struct statvfs st;

	if (rc == EIO && fstatvfs(s->lock_fd, &st) == 0 &&
	    (uint64_t)st.f_bavail * st.f_frsize < STORE_DISK_LOW)
		return -ENOSPC;
	return store_errno(rc);
}

const char *
store_strerror(int r)
{
	if (r == STORE_MAP_FULL)
		return "the store is full (map-max reached)";
	if (r == STORE_TXN_FULL)
		return "too many changes for one transaction (LMDB's dirty page limit)";
	if (r == -ENOSPC)
		return "no space left on device";
	return strerror(-r);
}

/* --- the key codec (store_db.h) ------------------------------------------------------- */

static uint8_t *
store_key_room(struct store_key *k, size_t len)
{
	uint8_t *p;

	if (k->bad || k->ended || len > STORE_KEY_MAX - k->n) {
		k->bad = true;
		return NULL;
	}
	p = k->b + k->n;
	k->n += len;
	return p;
}

void
store_key_u8(struct store_key *k, uint8_t v)
{
	uint8_t *p = store_key_room(k, 1);

	if (p)
		*p = v;
}

void
store_key_u64(struct store_key *k, uint64_t v)
{
	uint8_t *p = store_key_room(k, sizeof(v));

	v = htobe64(v);
	if (p)
		memcpy(p, &v, sizeof(v));
}

void
store_key_str(struct store_key *k, const char *s)
{
	size_t len = strlen(s) + 1;	/* with its NUL */
	uint8_t *p = store_key_room(k, len);

	if (p)
		memcpy(p, s, len);
}

void
store_key_fixed(struct store_key *k, const char *s, size_t width)
{
	uint8_t *p = strnlen(s, width + 1) == width ? store_key_room(k, width) : NULL;

	if (p)
		memcpy(p, s, width);
	else
		k->bad = true;
}

void
store_key_tail(struct store_key *k, const char *s)
{
	size_t len = strlen(s);
	uint8_t *p = store_key_room(k, len);

	if (p)
		memcpy(p, s, len);
	k->ended = true;
}

int
store_key_next_u8(struct store_view *v, uint8_t *ret_v)
{
	if (v->n < 1)
		return -EBADMSG;
	*ret_v = v->p[0];
	v->p++;
	v->n--;
	return 0;
}

int
store_key_next_u64(struct store_view *v, uint64_t *ret_v)
{
	uint64_t be;

	if (v->n < sizeof(be))
		return -EBADMSG;
	memcpy(&be, v->p, sizeof(be));
	*ret_v = be64toh(be);
	v->p += sizeof(be);
	v->n -= sizeof(be);
	return 0;
}

int
store_key_next_str(struct store_view *v, const char **ret_s)
{
	const uint8_t *nul = v->n ? memchr(v->p, '\0', v->n) : NULL;

	if (!nul)
		return -EBADMSG;
	*ret_s = (const char *)v->p;
	v->n -= (size_t)(nul + 1 - v->p);
	v->p = nul + 1;
	return 0;
}

int
store_key_next_fixed(struct store_view *v, size_t width, char *ret_buf)
{
	if (v->n < width || (width && memchr(v->p, '\0', width)))
		return -EBADMSG;
	if (width)
		memcpy(ret_buf, v->p, width);
	ret_buf[width] = '\0';
	v->p += width;
	v->n -= width;
	return 0;
}

int
store_key_next_tail(struct store_view *v, char *ret_buf, size_t size)
{
	if (v->n >= size || (v->n && memchr(v->p, '\0', v->n)))
		return -EBADMSG;
	if (v->n)
		memcpy(ret_buf, v->p, v->n);
	ret_buf[v->n] = '\0';
	v->p += v->n;
	v->n = 0;
	return 0;
}

int
store_key_end(const struct store_view *v)
{
	return v->n == 0 ? 0 : -EBADMSG;
}

/* --- steps of a transaction (store_db.h) ---------------------------------------------- */

int
store_fail(struct store_txn *t, int err)
{
	if (t->err == 0)
		t->err = err;
	return t->err;
}

/* LMDB stores no empty key: one is as bad as one that did not fit. */
static bool
store_key_ok(const struct store_key *k)
{
	return !k->bad && k->n > 0;
}

static MDB_val
store_key_val(const struct store_key *k)
{
	return (MDB_val){ .mv_size = k->n, .mv_data = (void *)k->b };
}

static struct store_view
store_view(const MDB_val *v)
{
	return (struct store_view){ .p = v->mv_data, .n = v->mv_size };
}

static unsigned int
store_put_flags(unsigned int flags)
{
	return (flags & STORE_PUT_APPEND ? MDB_APPEND : 0) |
	       (flags & STORE_PUT_NOOVERWRITE ? MDB_NOOVERWRITE : 0);
}

/* An LMDB answer to a read: MDB_NOTFOUND is -ENOENT and not sticky; any other error is. */
static int
store_read_rc(struct store_txn *t, int rc)
{
	if (rc == MDB_SUCCESS)
		return 0;
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	return store_fail(t, store_errno(rc));
}

int
store_db_get(struct store_txn *t, unsigned int dbi, const struct store_key *k,
	     struct store_view *ret_val)
{
	MDB_val kv = store_key_val(k), v;
	int r;

	if (t->err)
		return t->err;
	if (!store_key_ok(k))
		return -ENOENT;
	r = store_read_rc(t, mdb_get(t->txn, dbi, &kv, &v));
	if (r == 0)
		*ret_val = store_view(&v);
	return r;
}

void *
store_db_reserve(struct store_txn *t, unsigned int dbi, const struct store_key *k, size_t len,
		 unsigned int flags)
{
	MDB_val kv = store_key_val(k), v = { .mv_size = len };
	int rc;

	if (t->err)
		return NULL;
	if (!store_key_ok(k)) {
		store_fail(t, -EINVAL);
		return NULL;
	}
	t->writes++;
	rc = mdb_put(t->txn, dbi, &kv, &v, store_put_flags(flags) | MDB_RESERVE);
	if (rc != MDB_SUCCESS) {
		store_fail(t, store_errno(rc));
		return NULL;
	}
	return v.mv_data;
}

void
store_db_put(struct store_txn *t, unsigned int dbi, const struct store_key *k, const void *data,
	     size_t len, unsigned int flags)
{
	MDB_val kv = store_key_val(k), v = { .mv_size = len, .mv_data = (void *)data };
	int rc;

	if (t->err)
		return;
	if (!store_key_ok(k)) {
		store_fail(t, -EINVAL);
		return;
	}
	t->writes++;
	rc = mdb_put(t->txn, dbi, &kv, &v, store_put_flags(flags));
	if (rc != MDB_SUCCESS)
		store_fail(t, store_errno(rc));
}

int
store_db_put_new(struct store_txn *t, unsigned int dbi, const struct store_key *k,
		 const void *data, size_t len)
{
	MDB_val kv = store_key_val(k), v = { .mv_size = len, .mv_data = (void *)data };
	int rc;

	if (t->err)
		return t->err;
	if (!store_key_ok(k))
		return store_fail(t, -EINVAL);
	/* LMDB looks the key up before it touches a page: a key that is there changes
	 * nothing. */
	rc = mdb_put(t->txn, dbi, &kv, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return -EEXIST;
	t->writes++;
	if (rc != MDB_SUCCESS)
		return store_fail(t, store_errno(rc));
	return 0;
}

void
store_db_del(struct store_txn *t, unsigned int dbi, const struct store_key *k)
{
	MDB_val kv = store_key_val(k);
	int rc;

	if (t->err || !store_key_ok(k))
		return;
	t->writes++;
	rc = mdb_del(t->txn, dbi, &kv, NULL);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		store_fail(t, store_errno(rc));
}

int
store_iter_open(struct store_txn *t, unsigned int dbi, struct store_iter *ret_it)
{
	MDB_cursor *c;
	int rc;

	if (t->err)
		return t->err;
	/* opening a cursor mallocs it: a scan reuses the last one closed on its database
	 * (every move of an iterator starts with a seek, FIRST or LAST) */
	if (dbi < STORE_TXN_CURSORS && t->cursors[dbi]) {
		c = t->cursors[dbi];
		t->cursors[dbi] = NULL;
		/* one of an earlier read-only transaction's is bound to this one first */
		rc = t->ro ? mdb_cursor_renew(t->txn, c) : MDB_SUCCESS;
		if (rc != MDB_SUCCESS) {
			mdb_cursor_close(c);
			return store_fail(t, store_errno(rc));
		}
	} else {
		rc = mdb_cursor_open(t->txn, dbi, &c);
		if (rc != MDB_SUCCESS)
			return store_fail(t, store_errno(rc));
	}
	*ret_it = (struct store_iter){ .t = t, .c = c };
	return 0;
}

int
store_iter_end(struct store_iter *it, int r, int rc)
{
	store_iter_close(it);
	if (r < 0)
		return r;
	return rc < 0 && rc != -ENOENT ? rc : 0;
}

void
store_iter_close(struct store_iter *it)
{
	MDB_dbi dbi;

	if (!it->c)
		return;
	dbi = mdb_cursor_dbi(it->c);
	if (it->t->txn && dbi < STORE_TXN_CURSORS && !it->t->cursors[dbi])
		it->t->cursors[dbi] = it->c;	/* kept until the transaction ends */
	else
		mdb_cursor_close(it->c);
	it->c = NULL;
}

/* Closes the cursors kept for reuse: before the transaction ends, as LMDB wants of a
 * write transaction's (a read-only one's would outlive it). */
static void
store_cursors_close(void **v)
{
	for (size_t i = 0; i < STORE_TXN_CURSORS; i++) {
		if (v[i])
			mdb_cursor_close(v[i]);
		v[i] = NULL;
	}
}

static void
store_txn_cursors_close(struct store_txn *t)
{
	store_cursors_close(t->cursors);
}

/* The store's spare read-only transactions (a few: one may be open beside another, as
 * a query's beside a check's) and their cursors. */
#define STORE_SPARES 4

struct store_spare {
	size_t n;
	struct {
		MDB_txn *txn;
		void *cursors[STORE_TXN_CURSORS];
	} v[STORE_SPARES];
};

/* Takes a spare read-only transaction and its cursors into t, if there is one. */
static MDB_txn *
store_ro_take(struct store *s, struct store_txn *t)
{
	struct store_spare *sp = s->spare;
	MDB_txn *txn = NULL;

	pthread_mutex_lock(&s->spare_lock);
	if (sp->n > 0) {
		sp->n--;
		txn = sp->v[sp->n].txn;
		memcpy(t->cursors, sp->v[sp->n].cursors, sizeof(t->cursors));
	}
	pthread_mutex_unlock(&s->spare_lock);
	return txn;
}

/* Ends read-only transaction t: kept, reset, as a spare if there is room. */
static void
store_ro_give(struct store_txn *t)
{
	struct store_spare *sp = t->s->spare;
	MDB_txn *txn = t->txn;

	mdb_txn_reset(txn);
	pthread_mutex_lock(&t->s->spare_lock);
	if (sp->n < STORE_SPARES) {
		sp->v[sp->n].txn = txn;
		memcpy(sp->v[sp->n].cursors, t->cursors, sizeof(t->cursors));
		memset(t->cursors, 0, sizeof(t->cursors));
		sp->n++;
		txn = NULL;
	}
	pthread_mutex_unlock(&t->s->spare_lock);
	if (txn) {
		store_txn_cursors_close(t);
		mdb_txn_abort(txn);
	}
}

/* Drops the spares (at the end, or before the map is resized). */
static void
store_ro_drop(struct store *s)
{
	struct store_txn t = { .s = s };
	MDB_txn *txn;

	while ((txn = store_ro_take(s, &t))) {
		store_txn_cursors_close(&t);
		mdb_txn_abort(txn);
	}
}

static int
store_iter_get(struct store_iter *it, MDB_val *k, MDB_cursor_op op)
{
	MDB_val v;
	int r;

	if (it->t->err)
		return it->t->err;
	r = store_read_rc(it->t, mdb_cursor_get(it->c, k, &v, op));
	if (r == 0) {
		it->key = store_view(k);
		it->val = store_view(&v);
	}
	return r;
}

int
store_iter_seek(struct store_iter *it, const struct store_key *k)
{
	MDB_val kv = store_key_val(k);

	if (!store_key_ok(k))
		return it->t->err ? it->t->err : -ENOENT;
	return store_iter_get(it, &kv, MDB_SET_RANGE);
}

int
store_iter_move(struct store_iter *it, enum store_move m)
{
	static const MDB_cursor_op ops[] = {
		[STORE_FIRST] = MDB_FIRST,
		[STORE_LAST] = MDB_LAST,
		[STORE_NEXT] = MDB_NEXT,
		[STORE_PREV] = MDB_PREV,
	};
	MDB_val k;

	return store_iter_get(it, &k, ops[m]);
}

/* --- meta ------------------------------------------------------------------------------ */

uint64_t
store_meta_u64(struct store_txn *t, const char *name)
{
	struct store_key k = { 0 };
	struct store_view v;
	uint64_t value;

	store_key_tail(&k, name);
	if (store_db_get(t, t->s->meta, &k, &v) < 0)
		return 0;
	if (store_key_next_u64(&v, &value) < 0 || store_key_end(&v) < 0) {
		store_fail(t, -EBADMSG);
		return 0;
	}
	return value;
}

void
store_put_meta_u64(struct store_txn *t, const char *name, uint64_t value)
{
	struct store_key k = { 0 }, v = { 0 };

	store_key_tail(&k, name);
	store_key_u64(&v, value);
	store_db_put(t, t->s->meta, &k, v.b, v.n, 0);
}

uint64_t
store_get_clock(struct store_txn *t)
{
	return store_meta_u64(t, "clock");
}

void
store_put_clock(struct store_txn *t, uint64_t usec)
{
	store_put_meta_u64(t, "clock", usec);
}

void
store_get_plan_file_sha(struct store_txn *t, char ret[65])
{
	struct store_key k = { 0 };
	struct store_view v;

	ret[0] = '\0';
	store_key_tail(&k, "plan_file_sha");
	if (store_db_get(t, t->s->meta, &k, &v) < 0)
		return;
	if (store_key_next_fixed(&v, 64, ret) < 0 || store_key_end(&v) < 0)
		store_fail(t, -EBADMSG);
}

void
store_put_plan_file_sha(struct store_txn *t, const char *sha)
{
	struct store_key k = { 0 };

	store_key_tail(&k, "plan_file_sha");
	store_db_put(t, t->s->meta, &k, sha, strlen(sha), 0);
}

/* --- the environment and its transactions ----------------------------------------------- */

/* Schema 1 -> 2: index every record under its subject; drop "plan". Returns the sticky
 * error. */
static int
store_migrate_1(struct store_txn *t, uint64_t *ret_n)
{
	struct store_key k = { 0 };
	MDB_dbi plan;
	uint64_t indexed = store_meta_u64(t, "retain_index");
	int rc;

	/* A store of 0.1.0 was indexed as it was written ("retain_index"); an older one
	 * is indexed now. */
	*ret_n = 0;
	if (!indexed)
		store_subject_index_all(t, ret_n);
	store_key_tail(&k, "retain_index");
	store_db_del(t, t->s->meta, &k);
	rc = t->err ? MDB_SUCCESS : mdb_dbi_open(t->txn, "plan", 0, &plan);
	if (rc == MDB_SUCCESS && !t->err)
		rc = mdb_drop(t->txn, plan, 1);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		store_fail(t, store_errno(rc));
	return t->err;
}

/* The steps from each older schema to the next, in order; the last one's `to` is
 * STORE_SCHEMA. Each runs in the opening transaction and says what it did. */
static const struct store_migration {
	uint64_t from;
	const char *what;
	const char *counted;	/* what the step's count counts */
	int (*step)(struct store_txn *t, uint64_t *ret_n);
} store_migrations[] = {
	{ 1, "records indexed under their subjects for retention, the unused 'plan' "
	     "database dropped", "records indexed", store_migrate_1 },
};

/* Creates the named databases and checks the schema: a new store gets STORE_SCHEMA, an
 * older one is migrated, all in one transaction (and again, grown, if the map fills). */
static int
store_init_dbs(struct store *s, const char *dir)
{
	static const struct {
		const char *name;
		size_t off;
	} dbs[] = {
		{ "meta", offsetof(struct store, meta) },
		{ "events", offsetof(struct store, events) },
		{ "dedup", offsetof(struct store, dedup) },
		{ "alerts", offsetof(struct store, alerts) },
		{ "akeys", offsetof(struct store, akeys) },
		{ "by_rcpt", offsetof(struct store, by_rcpt) },
		{ "open", offsetof(struct store, open) },
		{ "plan_versions", offsetof(struct store, plan_versions) },
		{ "clocks", offsetof(struct store, clocks) },
		{ "clk_case", offsetof(struct store, clk_case) },
		{ "clk_fire", offsetof(struct store, clk_fire) },
		{ "clk_due", offsetof(struct store, clk_due) },
		{ "clk_svc", offsetof(struct store, clk_svc) },
		{ "comp", offsetof(struct store, comp) },
		{ "absences", offsetof(struct store, absences) },
		{ "abs_figures", offsetof(struct store, abs_figures) },
		{ "escalations", offsetof(struct store, escalations) },
		{ "esc_fire", offsetof(struct store, esc_fire) },
		{ "audit", offsetof(struct store, audit) },
		{ "subjects", offsetof(struct store, subjects) },
		{ "purge", offsetof(struct store, purge) },
		{ "ind_values", offsetof(struct store, ind_values) },
		{ "ind_revs", offsetof(struct store, ind_revs) },
		{ "ind_levels", offsetof(struct store, ind_levels) },
		{ "watches", offsetof(struct store, watches) },
		{ "watch_due", offsetof(struct store, watch_due) },
		{ "msr_status", offsetof(struct store, msr_status) },
	};
	uint64_t counts[ELEMENTSOF(store_migrations)] = { 0 };
	struct store_txn t;
	uint64_t schema;
	int r;

again:
	store_begin(s, &t, STORE_RW);
	for (size_t i = 0; i < ELEMENTSOF(dbs) && !t.err; i++) {
		int rc = mdb_dbi_open(t.txn, dbs[i].name, MDB_CREATE,
				      (MDB_dbi *)((char *)s + dbs[i].off));
		if (rc != MDB_SUCCESS)
			store_fail(&t, store_errno(rc));
	}
	schema = store_meta_u64(&t, "schema");
	if (schema > STORE_SCHEMA) {
		store_abort(&t);
		log_msg(LOG_ERR, "store: '%s' has schema %" PRIu64 ", written by a newer lanud; "
				 "lanud %s reads schemas 1 to %d. Run the newer lanud, or restore "
				 "a backup made by this one (docs/operations.md)", dir, schema,
			LANU_VERSION, STORE_SCHEMA);
		return -EPROTO;
	}
	for (size_t i = 0; i < ELEMENTSOF(store_migrations) && !t.err; i++) {
		const struct store_migration *m = &store_migrations[i];
		if (schema == 0 || m->from < schema)
			continue;
		m->step(&t, &counts[i]);
	}
	if (schema != STORE_SCHEMA)
		store_put_meta_u64(&t, "schema", STORE_SCHEMA);
	r = store_commit(&t);
	if (r == STORE_MAP_FULL) {
		r = store_grow(s);
		if (r == 0)
			goto again;
	}
	if (r < 0) {
		if (schema && schema < STORE_SCHEMA)
			log_errno(LOG_ERR, r, "store: migrating '%s' from schema %" PRIu64
					      " to %d failed; it is unchanged", dir, schema,
				  STORE_SCHEMA);
		return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(store_migrations); i++)
		if (schema && store_migrations[i].from >= schema)
			log_fields(LOG_NOTICE, LOG_ID_MIGRATED, NULL, 0, "store: '%s' migrated from "
				   "schema %" PRIu64 " to %" PRIu64 ": %s (%" PRIu64 " %s)", dir,
				   store_migrations[i].from, store_migrations[i].from + 1,
				   store_migrations[i].what, counts[i], store_migrations[i].counted);
	return 0;
}

int
store_open(const char *dir, uint64_t map_size, uint64_t map_max, struct store **ret_store)
{
	struct store *s;
	char path[4096];
	int rc, r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(path, sizeof(path), "%s/lanud.lock", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->spare = calloc(1, sizeof(*s->spare));
	if (!s->spare) {
		free(s);
		return -ENOMEM;
	}
	pthread_mutex_init(&s->spare_lock, NULL);
	pthread_mutex_init(&s->copy_lock, NULL);
	s->map_max = map_max;
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}
	rc = mdb_env_create(&s->env);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxdbs(s->env, STORE_MAX_DBS);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_mapsize(s->env, map_size);
	/* Two threads use the environment, the loop (short read transactions) and
	 * writer thread (the write transactions), and no reader is held across calls:
	 * NOTLS ties reader slots to transactions, not threads. Durability stays on
	 * (no NOSYNC). */
	if (rc == MDB_SUCCESS)
		rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
	if (rc != MDB_SUCCESS) {
		r = store_errno(rc);
		goto fail;
	}
	/* Readers left by a crashed process would pin pages forever. */
	rc = mdb_reader_check(s->env, NULL);
	if (rc != MDB_SUCCESS) {
		r = store_errno(rc);
		goto fail;
	}
	r = store_init_dbs(s, dir);
	if (r < 0)
		goto fail;
	*ret_store = s;
	return 0;
fail:
	store_free(s);
	return r;
}

struct store *
store_free(struct store *s)
{
	if (!s)
		return NULL;
	store_ro_drop(s);
	pthread_mutex_destroy(&s->spare_lock);
	pthread_mutex_destroy(&s->copy_lock);
	free(s->spare);
	if (s->env)
		mdb_env_close(s->env);
	if (s->lock_fd >= 0)	/* fd 0 is a lock file like any other */
		close(s->lock_fd);
	free(s);
	return NULL;
}

void
store_begin(struct store *s, struct store_txn *t, int flags)
{
	MDB_txn *txn = NULL;
	int rc;

	*t = (struct store_txn){ .s = s, .ro = flags == STORE_RO };	/* counters not loaded */
	if (t->ro && (txn = store_ro_take(s, t)) && mdb_txn_renew(txn) != MDB_SUCCESS) {
		store_txn_cursors_close(t);
		mdb_txn_abort(txn);
		txn = NULL;
	}
	if (!txn) {
		rc = mdb_txn_begin(s->env, NULL, t->ro ? MDB_RDONLY : 0, &txn);
		if (rc != MDB_SUCCESS)
			t->err = store_errno(rc);
	}
	t->txn = txn;
}

uint64_t
store_last_alert_seq(struct store_txn *t)
{
	if (!t->seq_loaded) {
		t->event_seq = store_meta_u64(t, "event_seq");
		t->alert_seq = store_meta_u64(t, "alert_seq");
		t->seq_loaded = true;
	}
	return t->alert_seq;
}

uint64_t
store_version(struct store_txn *t)
{
	return t->txn ? (uint64_t)mdb_txn_id(t->txn) : 0;
}

uint64_t
store_next_seq(struct store_txn *t, bool alert)
{
	store_last_alert_seq(t);	/* loads the counters */
	t->seq_dirty = true;
	t->writes++;
	return alert ? ++t->alert_seq : ++t->event_seq;
}

int
store_commit(struct store_txn *t)
{
	int rc;

	if (!t->txn)
		return t->err;
	if (t->seq_dirty) {
		store_put_meta_u64(t, "event_seq", t->event_seq);
		store_put_meta_u64(t, "alert_seq", t->alert_seq);
	}
	store_txn_cursors_close(t);
	if (t->err) {
		mdb_txn_abort(t->txn);
		t->txn = NULL;
		return t->err;
	}
	rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	return store_fail(t, store_commit_errno(t->s, rc));
}

void
store_abort(struct store_txn *t)
{
	if (t->txn && t->ro) {
		store_ro_give(t);
	} else if (t->txn) {
		store_txn_cursors_close(t);
		mdb_txn_abort(t->txn);
	}
	t->txn = NULL;
}

int
store_grow(struct store *s)
{
	MDB_envinfo info;
	uint64_t size;
	int rc;

	rc = mdb_env_info(s->env, &info);
	if (rc != MDB_SUCCESS)
		return store_errno(rc);
	if (info.me_mapsize >= s->map_max)
		return STORE_MAP_FULL;
	if (pthread_mutex_trylock(&s->copy_lock) != 0) {
		log_ratelimited(LOG_WARNING, "store: the map is full and cannot grow while a "
					     "backup is being copied; it grows after");
		return STORE_MAP_FULL;
	}
	size = info.me_mapsize * 2 < s->map_max ? info.me_mapsize * 2 : s->map_max;
	store_ro_drop(s);	/* no reader of the old map is left, not even a reset one */
	rc = mdb_env_set_mapsize(s->env, size);
	pthread_mutex_unlock(&s->copy_lock);
	if (rc != MDB_SUCCESS)
		return store_errno(rc);
	log_msg(LOG_NOTICE, "store: map grown from %zu to %" PRIu64 " MiB",
		info.me_mapsize >> 20, size >> 20);
	return 0;
}

int
store_copy(struct store *s, int fd)
{
	int rc;

	pthread_mutex_lock(&s->copy_lock);
	rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	pthread_mutex_unlock(&s->copy_lock);
	return store_errno(rc);
}

/* A u64 of meta in a read transaction of another environment, or 0. */
static uint64_t
store_file_meta(MDB_txn *txn, MDB_dbi meta, const char *name)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	uint64_t be;

	if (mdb_get(txn, meta, &k, &v) != MDB_SUCCESS || v.mv_size != sizeof(be))
		return 0;
	memcpy(&be, v.mv_data, sizeof(be));
	return be64toh(be);
}

int
store_file_check(const char *file, struct store_file_info *ret_info)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi meta;
	int rc;

	rc = mdb_env_create(&env);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxdbs(env, STORE_MAX_DBS);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_open(env, file, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0600);
	if (rc == MDB_SUCCESS)
		rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc == MDB_SUCCESS)
		rc = mdb_dbi_open(txn, "meta", 0, &meta);
	if (rc == MDB_SUCCESS) {
		ret_info->schema = store_file_meta(txn, meta, "schema");
		ret_info->event_seq = store_file_meta(txn, meta, "event_seq");
		ret_info->alert_seq = store_file_meta(txn, meta, "alert_seq");
		if (ret_info->schema != STORE_SCHEMA)
			rc = MDB_INVALID;
	}
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	return store_errno(rc);
}

int
store_stat(struct store_txn *t, struct store_stat *ret_stat)
{
	struct store_stat st;
	MDB_envinfo info;
	MDB_stat open, due, esc, events;
	int rc;

	if (t->err)
		return t->err;
	rc = mdb_env_info(t->s->env, &info);
	if (rc == MDB_SUCCESS)
		rc = mdb_stat(t->txn, t->s->events, &events);
	if (rc == MDB_SUCCESS)
		rc = mdb_stat(t->txn, t->s->open, &open);
	if (rc == MDB_SUCCESS)
		rc = mdb_stat(t->txn, t->s->clk_due, &due);
	if (rc == MDB_SUCCESS)
		rc = mdb_stat(t->txn, t->s->escalations, &esc);
	if (rc != MDB_SUCCESS)
		return store_fail(t, store_errno(rc));
	st = (struct store_stat){
		.events = events.ms_entries,	/* less than the seq once retention took some */
		.last_event_seq = store_meta_u64(t, "event_seq"),
		.last_alert_seq = store_meta_u64(t, "alert_seq"),
		.open_alerts = open.ms_entries,
		.open_clocks = due.ms_entries,
		.next_deadline_ms = store_clock_next_at(t),
		.pending_escalations = esc.ms_entries,
		.next_escalation_ms = store_esc_next_at(t),
		.map_size = info.me_mapsize,
		.map_used = (uint64_t)(info.me_last_pgno + 1) * open.ms_psize,
		.last_audit_seq = store_meta_u64(t, "audit_seq"),
	};
	if (t->err)
		return t->err;
	*ret_stat = st;
	return 0;
}
/* store_clear(): the named databases are found by listing the main database, so a
 * database added to store_init_dbs() is emptied too without being named here. */
int
store_clear(struct store *s)
{
	MDB_dbi dbis[STORE_MAX_DBS];
	size_t n = 0;
	struct store_txn t;
	MDB_cursor *c;
	MDB_val k, v;
	MDB_dbi main_dbi;
	int rc;

	store_begin(s, &t, STORE_RW);
	if (t.err)
		return t.err;
	rc = mdb_dbi_open(t.txn, NULL, 0, &main_dbi);
	if (rc == MDB_SUCCESS)
		rc = mdb_cursor_open(t.txn, main_dbi, &c);
	if (rc != MDB_SUCCESS) {
		store_abort(&t);
		return store_errno(rc);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char name[64];

		if (n == ELEMENTSOF(dbis) || k.mv_size >= sizeof(name)) {
			rc = MDB_INCOMPATIBLE;	/* not a store of store_open()'s */
			break;
		}
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		rc = mdb_dbi_open(t.txn, name, 0, &dbis[n]);
		if (rc != MDB_SUCCESS)
			break;
		n++;
	}
	mdb_cursor_close(c);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
		store_abort(&t);
		return store_errno(rc);
	}
	for (size_t i = 0; i < n && !t.err; i++) {
		rc = mdb_drop(t.txn, dbis[i], 0);
		if (rc != MDB_SUCCESS)
			store_fail(&t, store_errno(rc));
	}
	store_put_meta_u64(&t, "schema", STORE_SCHEMA);
	return store_commit(&t);
}
