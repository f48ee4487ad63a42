/*
 * store: the only module that includes <lmdb.h> (rule 16). Named databases:
 *
 *	meta	  "schema" u32, "event_seq" u64, "alert_seq" u64, "clock" u64,
 *		  "plan_file_sha" (hex: the configured plan file as last loaded)
 *	events	  event seq (u64 BE) -> received_ms (u64 BE) + packed Envelope
 *	dedup	  producer NUL event_id -> event seq
 *	alerts	  alert seq (u64 BE) -> packed Alert
 *	akeys	  dedup key -> alert seq
 *	by_rcpt	  recipient NUL alert seq (u64 BE) -> ""
 *	open	  alert seq (u64 BE) -> ""	(unacknowledged alerts)
 *	plan_versions  version (u64 BE) -> packed PlanVersion (with its whole Plan)
 *	plan	  the plan in force, normalized, one record per object (see store_put_plan):
 *		  "info", "area/ID", "recipient/ID", "calendar/ID", "service/ID",
 *		  "indicator/ID", "goal/ID", "measure/ID" -> the packed object, its
 *		  children left out; "route/KIND/NNNN" -> Route, once per kind it names
 *		  ("route/any/NNNN" if none); "measure-end/YYYY-MM-DD/ID" -> ""
 *	clocks	  clock id (u64 BE) -> packed Clock	(every clock, kept for compliance)
 *	clk_case  service NUL stage NUL case -> clock id	(the case's latest clock)
 *	clk_fire  at_ms (u64 BE) + clock id -> ""	(each clock's next warning, miss or expiry)
 *	clk_due	  due_at_ms (u64 BE) + clock id -> ""	(open clocks by due instant)
 *	clk_svc	  service NUL start day "YYYY-MM-DD" + clock id -> ""	(by start, for compliance)
 *	comp	  "n" NUL indicator NUL group NUL "YYYY-MM" -> met, not met (2 x u64 BE)
 *		  "l" NUL indicator NUL group -> level, seq of the alert that set it (2 x u64 BE)
 *
 * Integer keys are big-endian so cursor order is numeric order (rule 19). The
 * alert sequence is assigned inside the write transaction that stores the alert,
 * so an aborted transaction leaves no gap. The two counters are read from meta once
 * per transaction and written back once, at commit. Values are copied or decoded before
 * their transaction ends (rule 18). No read transaction outlives a call.
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
#include "plan.h"

#define KEY_MAX (LANU_MAX_NAME + 1 + LANU_MAX_ID + 1)

/* LMDB's codes are translated here, once (rule 5). */
static int
store_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return 0;
	case MDB_NOTFOUND: return -ENOENT;
	case MDB_MAP_FULL: return STORE_MAP_FULL;
	case MDB_TXN_FULL: return STORE_MAP_FULL;
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
	if (k->bad)
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
	if (k->bad) {
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
	if (k->bad) {
		store_fail(t, -EINVAL);
		return;
	}
	t->writes++;
	rc = mdb_put(t->txn, dbi, &kv, &v, store_put_flags(flags));
	if (rc != MDB_SUCCESS)
		store_fail(t, store_errno(rc));
}

void
store_db_del(struct store_txn *t, unsigned int dbi, const struct store_key *k)
{
	MDB_val kv = store_key_val(k);
	int rc;

	if (t->err || k->bad)
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
	rc = mdb_cursor_open(t->txn, dbi, &c);
	if (rc != MDB_SUCCESS)
		return store_fail(t, store_errno(rc));
	*ret_it = (struct store_iter){ .t = t, .c = c };
	return 0;
}

void
store_iter_close(struct store_iter *it)
{
	if (it->c)
		mdb_cursor_close(it->c);
	it->c = NULL;
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

	if (k->bad)
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

static MDB_val
store_u64(uint64_t *be, uint64_t v)
{
	*be = htobe64(v);
	return (MDB_val){ .mv_size = sizeof(*be), .mv_data = be };
}

static uint64_t
store_val_u64(const MDB_val *v)
{
	uint64_t be;

	if (v->mv_size < sizeof(be))
		return 0;
	memcpy(&be, v->mv_data, sizeof(be));
	return be64toh(be);
}

static MDB_val
store_str(const char *s)
{
	return (MDB_val){ .mv_size = strlen(s), .mv_data = (void *)s };
}

int
store_fail(struct store_txn *t, int err)
{
	if (t->err == 0)
		t->err = err;
	return t->err;
}

static int
store_get(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	if (t->err)
		return t->err;
	return store_errno(mdb_get(t->txn, dbi, k, v));
}

static void
store_put(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags)
{
	int rc;

	if (t->err)
		return;
	t->writes++;
	rc = mdb_put(t->txn, dbi, k, v, flags);
	if (rc != MDB_SUCCESS)
		store_fail(t, store_errno(rc));
}

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

/* Creates the named databases and checks the schema. */
static int
store_init_dbs(struct store *s)
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
		{ "plan", offsetof(struct store, plan) },
		{ "plan_versions", offsetof(struct store, plan_versions) },
		{ "clocks", offsetof(struct store, clocks) },
		{ "clk_case", offsetof(struct store, clk_case) },
		{ "clk_fire", offsetof(struct store, clk_fire) },
		{ "clk_due", offsetof(struct store, clk_due) },
		{ "clk_svc", offsetof(struct store, clk_svc) },
		{ "comp", offsetof(struct store, comp) },
	};
	struct store_txn t;
	uint64_t schema;

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
		log_msg(LOG_DEBUG, "store: schema %" PRIu64 " is newer than %d", schema,
			STORE_SCHEMA);
		return -EPROTO;
	}
	if (schema == 0)
		store_put_meta_u64(&t, "schema", STORE_SCHEMA);
	return store_commit(&t);
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
		rc = mdb_env_set_maxdbs(s->env, 16);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_mapsize(s->env, map_size);
	/* Two threads use the environment, the loop (short read transactions) and
	 * ingest's writer (the write transactions), and no reader is held across calls:
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
	r = store_init_dbs(s);
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

	*t = (struct store_txn){ .s = s };	/* counters not loaded */
	rc = mdb_txn_begin(s->env, NULL, flags == STORE_RO ? MDB_RDONLY : 0, &txn);
	if (rc != MDB_SUCCESS)
		t->err = store_errno(rc);
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
	if (t->txn)
		mdb_txn_abort(t->txn);
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
	size = info.me_mapsize * 2 < s->map_max ? info.me_mapsize * 2 : s->map_max;
	rc = mdb_env_set_mapsize(s->env, size);
	if (rc != MDB_SUCCESS)
		return store_errno(rc);
	log_msg(LOG_NOTICE, "store: map grown from %zu to %" PRIu64 " MiB",
		info.me_mapsize >> 20, size >> 20);
	return 0;
}

int
store_stat(struct store_txn *t, struct store_stat *ret_stat)
{
	MDB_envinfo info;
	MDB_stat st, cst;

	if (t->err)
		return t->err;
	if (mdb_env_info(t->s->env, &info) != MDB_SUCCESS ||
	    mdb_stat(t->txn, t->s->open, &st) != MDB_SUCCESS ||
	    mdb_stat(t->txn, t->s->clk_due, &cst) != MDB_SUCCESS)
		return -EIO;
	*ret_stat = (struct store_stat){
		.events = store_meta_u64(t, "event_seq"),
		.last_alert_seq = store_meta_u64(t, "alert_seq"),
		.open_alerts = st.ms_entries,
		.open_clocks = cst.ms_entries,
		.next_deadline_ms = store_clock_next_at(t),
		.map_size = info.me_mapsize,
		.map_used = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize,
	};
	return 0;
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
	MDB_val k = store_str("plan_file_sha"), v;

	ret[0] = '\0';
	if (store_get(t, t->s->meta, &k, &v) == 0 && v.mv_size == 64) {
		memcpy(ret, v.mv_data, 64);
		ret[64] = '\0';
	}
}

void
store_put_plan_file_sha(struct store_txn *t, const char *sha)
{
	MDB_val k = store_str("plan_file_sha"), v = { .mv_size = strlen(sha),
						      .mv_data = (void *)sha };

	store_put(t, t->s->meta, &k, &v, 0);
}

/* --- the plan ------------------------------------------------------------------------ */

static void
store_put_msg(struct store_txn *t, MDB_dbi dbi, const char *key, const ProtobufCMessage *m)
{
	MDB_val k = store_str(key), v;
	int rc;

	if (t->err)
		return;
	v.mv_size = protobuf_c_message_get_packed_size(m);
	t->writes++;
	rc = mdb_put(t->txn, dbi, &k, &v, MDB_RESERVE);
	if (rc != MDB_SUCCESS) {
		store_fail(t, store_errno(rc));
		return;
	}
	protobuf_c_message_pack(m, v.mv_data);
}

static void
store_plan_record(struct store_txn *t, const char *kind, const char *id, const ProtobufCMessage *m)
{
	char key[32 + LANU_MAX_NAME];

	snprintf(key, sizeof(key), "%s/%s", kind, id);
	store_put_msg(t, t->s->plan, key, m);
}

static void
store_plan_areas(struct store_txn *t, Lanu__V1__Area **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		Lanu__V1__Area *a = v[i];
		size_t nc = a->n_areas;

		a->n_areas = 0;		/* the record without its subtree */
		store_plan_record(t, "area", a->id, &a->base);
		a->n_areas = nc;
		store_plan_areas(t, a->areas, a->n_areas);
	}
}

static void
store_plan_goals(struct store_txn *t, Lanu__V1__Goal **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		Lanu__V1__Goal *g = v[i];
		size_t ng = g->n_goals, nm = g->n_measures;

		g->n_goals = g->n_measures = 0;
		store_plan_record(t, "goal", g->id, &g->base);
		g->n_goals = ng;
		g->n_measures = nm;
		for (size_t j = 0; j < nm; j++) {
			Lanu__V1__Measure *m = g->measures[j];
			char key[32 + LANU_MAX_NAME];
			MDB_val k, e = { 0 };

			store_plan_record(t, "measure", m->id, &m->base);
			if (m->schedule && *m->schedule->to) {
				snprintf(key, sizeof(key), "measure-end/%s/%s", m->schedule->to, m->id);
				k = store_str(key);
				store_put(t, t->s->plan, &k, &e, 0);
			}
		}
		store_plan_goals(t, g->goals, g->n_goals);
	}
}

static void
store_plan_routes(struct store_txn *t, const Lanu__V1__Plan *plan)
{
	char key[96], kind[40];

	for (size_t i = 0; i < plan->n_routes; i++) {
		const Lanu__V1__Route *r = plan->routes[i];

		for (size_t j = 0; j < (r->n_kinds ? r->n_kinds : 1); j++) {
			if (r->n_kinds)
				plan_enum_word(&lanu__v1__alert_kind__descriptor, r->kinds[j], kind,
					       sizeof(kind));
			snprintf(key, sizeof(key), "route/%s/%04zu", r->n_kinds ? kind : "any", i);
			store_put_msg(t, t->s->plan, key, &r->base);
		}
	}
}

/* The plan in force, normalized: every object under its own key. */
static void
store_plan_normalize(struct store_txn *t, Lanu__V1__Plan *plan)
{
	int rc;

	if (t->err)
		return;
	t->writes++;
	rc = mdb_drop(t->txn, t->s->plan, 0);
	if (rc != MDB_SUCCESS) {
		store_fail(t, store_errno(rc));
		return;
	}
	if (plan->plan)
		store_put_msg(t, t->s->plan, "info", &plan->plan->base);
	store_plan_areas(t, plan->areas, plan->n_areas);
	for (size_t i = 0; i < plan->n_recipients; i++)
		store_plan_record(t, "recipient", plan->recipients[i]->id, &plan->recipients[i]->base);
	for (size_t i = 0; i < plan->n_calendars; i++)
		store_plan_record(t, "calendar", plan->calendars[i]->id, &plan->calendars[i]->base);
	for (size_t i = 0; i < plan->n_services; i++)
		store_plan_record(t, "service", plan->services[i]->id, &plan->services[i]->base);
	for (size_t i = 0; i < plan->n_indicators; i++)
		store_plan_record(t, "indicator", plan->indicators[i]->id,
				  &plan->indicators[i]->base);
	store_plan_goals(t, plan->goals, plan->n_goals);
	store_plan_routes(t, plan);
}

uint64_t
store_put_plan(struct store_txn *t, Lanu__V1__PlanVersion *v)
{
	MDB_cursor *c;
	MDB_val k, d;
	uint64_t last = 0, be;
	int rc;

	if (t->err)
		return 0;
	rc = mdb_cursor_open(t->txn, t->s->plan_versions, &c);
	if (rc != MDB_SUCCESS) {
		store_fail(t, store_errno(rc));
		return 0;
	}
	if (mdb_cursor_get(c, &k, &d, MDB_LAST) == MDB_SUCCESS)
		last = store_val_u64(&k);
	mdb_cursor_close(c);
	v->version = last + 1;
	k = store_u64(&be, v->version);
	d.mv_size = lanu__v1__plan_version__get_packed_size(v);
	t->writes++;
	rc = mdb_put(t->txn, t->s->plan_versions, &k, &d, MDB_APPEND | MDB_RESERVE);
	if (rc != MDB_SUCCESS) {
		store_fail(t, store_errno(rc));
		return 0;
	}
	lanu__v1__plan_version__pack(v, d.mv_data);
	store_plan_normalize(t, v->plan);
	return t->err ? 0 : v->version;
}

int
store_get_plan_version(struct store_txn *t, uint64_t version, Lanu__V1__PlanVersion **ret)
{
	MDB_cursor *c;
	MDB_val k, d;
	uint64_t be;
	int rc;

	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->plan_versions, &c);
	if (rc != MDB_SUCCESS)
		return store_fail(t, store_errno(rc));
	if (version == 0) {
		rc = mdb_cursor_get(c, &k, &d, MDB_LAST);
	} else {
		k = store_u64(&be, version);
		rc = mdb_cursor_get(c, &k, &d, MDB_SET_KEY);
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != MDB_SUCCESS)
		return store_fail(t, store_errno(rc));
	*ret = lanu__v1__plan_version__unpack(NULL, d.mv_size, d.mv_data);
	return *ret ? 0 : -EBADMSG;
}

int
store_plan_history(struct store_txn *t, Lanu__V1__PlanVersion ***ret_v, size_t *ret_n)
{
	Lanu__V1__PlanVersion **v = NULL;
	size_t n = 0;
	MDB_cursor *c;
	MDB_val k, d;
	int rc, r = 0;

	*ret_v = NULL;
	*ret_n = 0;
	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->plan_versions, &c);
	if (rc != MDB_SUCCESS)
		return store_fail(t, store_errno(rc));
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		Lanu__V1__PlanVersion *pv, **nv;

		pv = lanu__v1__plan_version__unpack(NULL, d.mv_size, d.mv_data);
		if (!pv) {
			r = -EBADMSG;
			break;
		}
		/* history is who, when and what hash, not the plans themselves */
		lanu__v1__plan__free_unpacked(pv->plan, NULL);
		pv->plan = NULL;
		if (!(nv = realloc(v, (n + 1) * sizeof(*v)))) {
			lanu__v1__plan_version__free_unpacked(pv, NULL);
			r = -ENOMEM;
			break;
		}
		v = nv;
		v[n++] = pv;
	}
	mdb_cursor_close(c);
	if (r == 0 && rc != MDB_NOTFOUND)
		r = store_errno(rc);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			lanu__v1__plan_version__free_unpacked(v[i], NULL);
		free(v);
		return r;
	}
	*ret_v = v;
	*ret_n = n;
	return 0;
}
