/*
 * store_retain: what the store holds about each child, and when it was last written, so
 * that retention can take it (a family of the store, see store_db.h for the codec and
 * errors; retain.c decides what goes when).
 *
 *	subjects  subject (str) piece (u8) id -> instant (u64)
 *	purge	  kind (u8) instant (u64) subject (tail) -> ""
 *
 * A subject is "case:<id>" (kind 1) or "pupil:<id>" (kind 2), as alerts name them. A
 * piece is one record about it: an event (id: its seq, u64), a clock (its id, u64), an
 * alert (its seq, u64) or a pupil's place on a ladder (ladder (str) period (tail)). Its
 * instant is when it was last written: the event's receipt, the clock's close, the
 * alert's raise, the place's update; UINT64_MAX while a clock is open or an early
 * delivery waits for its request, which holds the case.
 *
 * Invariants: a piece's entry is written in the transaction that writes the piece, and
 * every finite instant is also queued in purge under its subject's kind, so a walk of
 * purge in order meets every subject that may have become old enough; an entry met too
 * early, or for a subject still held, is dropped, because whatever holds it queues a
 * later one when it changes. A purge takes the pieces and their entries in one
 * transaction: an event is deleted with its dedup entry; a place is deleted; a clock
 * keeps its record for compliance without the case id, the ids of the event that
 * opened it and the postponement's reason; an alert keeps its place in the log
 * (store_alert_purge()). A subject with no entry left holds nothing.
 *
 * A store written before these two databases existed (schema 1) is indexed when it is
 * opened, by the migration to schema 2 (store_subject_index_all(), store.c): every
 * event, clock, alert and place noted as if just written, in the migration's one
 * transaction.
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <inttypes.h>

#include "lanu/limits.h"
#include "lanu/macro.h"
#include "log.h"

enum store_subject_kind
store_subject_kind(const char *subject)
{
	if (strncmp(subject, "case:", 5) == 0 && subject[5])
		return STORE_SUBJECT_CASE;
	if (strncmp(subject, "pupil:", 6) == 0 && subject[6])
		return STORE_SUBJECT_PUPIL;
	return STORE_SUBJECT_NONE;
}

static void
store_purge_key(struct store_key *k, enum store_subject_kind kind, uint64_t at_ms,
		const char *subject)
{
	store_key_u8(k, (uint8_t)kind);
	store_key_u64(k, at_ms);
	store_key_tail(k, subject);
}

void
store_purge_queue(struct store_txn *t, const char *subject, uint64_t at_ms)
{
	enum store_subject_kind kind = store_subject_kind(subject);
	struct store_key k = { 0 };

	if (kind == STORE_SUBJECT_NONE || at_ms == UINT64_MAX)
		return;
	store_purge_key(&k, kind, at_ms, subject);
	store_db_put(t, t->s->purge, &k, "", 0, 0);
}

void
store_subject_note(struct store_txn *t, const char *subject, enum store_piece piece,
		   const struct store_key *id, uint64_t at_ms)
{
	struct store_key k = { 0 }, v = { 0 };

	if (t->err || store_subject_kind(subject) == STORE_SUBJECT_NONE)
		return;
	store_key_str(&k, subject);
	store_key_u8(&k, (uint8_t)piece);
	if (k.n + id->n > STORE_KEY_MAX) {
		store_fail(t, -EINVAL);
		return;
	}
	memcpy(k.b + k.n, id->b, id->n);
	k.n += id->n;
	store_key_u64(&v, at_ms);
	store_db_put(t, t->s->subjects, &k, v.b, v.n, 0);
	store_purge_queue(t, subject, at_ms);
}

void
store_subject_forget(struct store_txn *t, const char *subject, enum store_piece piece,
		     const struct store_key *id)
{
	struct store_key k = { 0 };

	if (store_subject_kind(subject) == STORE_SUBJECT_NONE)
		return;
	store_key_str(&k, subject);
	store_key_u8(&k, (uint8_t)piece);
	if (k.n + id->n > STORE_KEY_MAX)
		return;	/* never noted */
	memcpy(k.b + k.n, id->b, id->n);
	k.n += id->n;
	store_db_del(t, t->s->subjects, &k);
}

int
store_purge_first(struct store_txn *t, enum store_subject_kind kind, uint64_t *ret_at,
		  char ret_subject[STORE_SUBJECT_MAX])
{
	return store_first_of_kind(t, t->s->purge, (uint8_t)kind, ret_at, ret_subject,
				   STORE_SUBJECT_MAX);
}

void
store_purge_drop(struct store_txn *t, uint64_t at_ms, const char *subject)
{
	struct store_key k = { 0 };

	store_purge_key(&k, store_subject_kind(subject), at_ms, subject);
	store_db_del(t, t->s->purge, &k);
}

/* One piece of a subject, read off its key and value. */
struct piece {
	enum store_piece kind;
	uint64_t id;
	char ladder[LANU_MAX_NAME + 1], period[LANU_MAX_NAME + 1];
	uint64_t at_ms;
};

/* Reads a subjects entry of subject: 1 (*p is the piece), 0 if the entry is another
 * subject's, or -EBADMSG (sticky). */
static int
store_piece_read(struct store_txn *t, const struct store_iter *it, const char *subject,
		 struct piece *p)
{
	struct store_view k = it->key, v = it->val;
	const char *who;
	uint8_t kind;
	int r;

	if (store_key_next_str(&k, &who) < 0)
		return store_fail(t, -EBADMSG);
	if (strcmp(who, subject) != 0)
		return 0;
	if (store_key_next_u8(&k, &kind) < 0 || store_key_next_u64(&v, &p->at_ms) < 0 ||
	    store_key_end(&v) < 0)
		return store_fail(t, -EBADMSG);
	p->kind = (enum store_piece)kind;
	switch (p->kind) {
	case STORE_PIECE_EVENT:
	case STORE_PIECE_CLOCK:
	case STORE_PIECE_ALERT:
		r = store_key_next_u64(&k, &p->id);
		break;
	case STORE_PIECE_PLACE: {
		const char *ladder;

		r = store_key_next_str(&k, &ladder);
		if (r == 0 && strlen(ladder) >= sizeof(p->ladder))
			r = -EBADMSG;
		if (r == 0) {
			memcpy(p->ladder, ladder, strlen(ladder) + 1);
			r = store_key_next_tail(&k, p->period, sizeof(p->period));
		}
		break;
	}
	default:
		r = -EBADMSG;
	}
	if (r < 0 || store_key_end(&k) < 0)
		return store_fail(t, -EBADMSG);
	return 1;
}

int
store_subject_held(struct store_txn *t, const char *subject)
{
	struct store_iter it = { 0 };
	struct store_key k = { 0 };
	struct piece p;
	int r;

	r = store_iter_open(t, t->s->subjects, &it);
	if (r < 0)
		return r;
	store_key_str(&k, subject);
	r = store_iter_seek(&it, &k);
	r = r == 0 ? store_piece_read(t, &it, subject, &p) : r == -ENOENT ? 0 : r;
	store_iter_close(&it);
	return r;
}

int
store_subject_scan(struct store_txn *t, const char *subject, enum store_piece piece,
		   store_piece_fn fn, void *arg)
{
	struct store_iter it = { 0 };
	struct store_key k = { 0 };
	int r = 0, rc;

	if (t->err)
		return t->err;
	if (piece == STORE_PIECE_PLACE)
		return -EINVAL;		/* its id is not a number */
	r = store_iter_open(t, t->s->subjects, &it);
	if (r < 0)
		return r;
	store_key_str(&k, subject);
	store_key_u8(&k, (uint8_t)piece);
	for (rc = store_iter_seek(&it, &k); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		struct piece p;

		r = store_piece_read(t, &it, subject, &p);
		if (r <= 0 || p.kind != piece) {
			r = r < 0 ? r : 0;
			break;	/* another subject's, or another kind of piece */
		}
		r = fn(t, p.id, arg);
		if (r != 0)
			break;
	}
	return store_iter_end(&it, r, rc);
}

/* The pieces of subject, in key order, into *ret_v (malloc'd, n in *ret_n). */
static int
store_pieces(struct store_txn *t, const char *subject, struct piece **ret_v, size_t *ret_n)
{
	struct store_iter it = { 0 };
	struct store_key k = { 0 };
	struct piece *v = NULL;
	size_t n = 0, cap = 0;
	int r, rc;

	r = store_iter_open(t, t->s->subjects, &it);
	if (r < 0)
		return r;
	store_key_str(&k, subject);
	for (rc = store_iter_seek(&it, &k); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		struct piece p;

		r = store_piece_read(t, &it, subject, &p);
		if (r <= 0)
			break;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			struct piece *nv = realloc(v, c * sizeof(*nv));

			if (!nv) {
				r = store_fail(t, -ENOMEM);
				break;
			}
			v = nv;
			cap = c;
		}
		v[n++] = p;
		r = 0;
	}
	r = store_iter_end(&it, r, rc);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret_v = v;
	*ret_n = n;
	return 0;
}

int
store_subject_purge(struct store_txn *t, const char *subject, uint64_t horizon_ms, bool whole,
		    struct store_purged *acc)
{
	const char *id = subject + (store_subject_kind(subject) == STORE_SUBJECT_CASE ? 5 : 6);
	struct piece *v = NULL;
	size_t n = 0, done = 0;
	int r;

	if (store_subject_kind(subject) == STORE_SUBJECT_NONE)
		return 0;
	r = store_pieces(t, subject, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; whole && i < n; i++)
		if (v[i].at_ms >= horizon_ms)
			n = 0;	/* still held, or written too lately: all stays */
	for (size_t i = 0; i < n && !t->err; i++) {
		struct store_key pk = { 0 };

		if (v[i].at_ms >= horizon_ms)
			continue;
		switch (v[i].kind) {
		case STORE_PIECE_EVENT:
			store_event_purge(t, v[i].id);
			acc->events++;
			break;
		case STORE_PIECE_CLOCK:
			store_clock_purge(t, v[i].id);
			acc->clocks++;
			break;
		case STORE_PIECE_ALERT:
			store_alert_purge(t, v[i].id);
			acc->alerts++;
			break;
		case STORE_PIECE_PLACE:
			store_absence_purge(t, id, v[i].ladder, v[i].period);
			acc->places++;
			break;
		}
		if (v[i].kind == STORE_PIECE_PLACE) {
			store_key_str(&pk, v[i].ladder);
			store_key_tail(&pk, v[i].period);
		} else {
			store_key_u64(&pk, v[i].id);
		}
		store_subject_forget(t, subject, v[i].kind, &pk);
		done++;
	}
	free(v);
	return t->err ? t->err : (int)done;
}

/* Notes every record of dbi under its subject with note. Returns the records noted or
 * the sticky error. */
static int64_t
store_index_family(struct store_txn *t, unsigned int dbi, store_note_fn note)
{
	struct store_iter it = { 0 };
	uint8_t kb[STORE_KEY_MAX];
	int64_t n = 0;
	int r, rc;

	r = store_iter_open(t, dbi, &it);
	if (r < 0)
		return r;
	for (rc = store_iter_move(&it, STORE_FIRST); rc == 0 && !t->err;
	     rc = store_iter_move(&it, STORE_NEXT)) {
		void *vb;

		/* it.key and it.val point into the map, where a write may move them. */
		memcpy(kb, it.key.p, it.key.n);
		vb = malloc(it.val.n ? it.val.n : 1);
		if (!vb) {
			r = store_fail(t, -ENOMEM);
			break;
		}
		memcpy(vb, it.val.p, it.val.n);
		note(t, (struct store_view){ kb, it.key.n }, (struct store_view){ vb, it.val.n });
		free(vb);
		n++;
	}
	r = store_iter_end(&it, r, rc);
	return r < 0 ? r : n;
}

int
store_subject_index_all(struct store_txn *t, uint64_t *ret_noted)
{
	const struct {
		unsigned int dbi;
		store_note_fn note;
	} fams[] = {
		{ t->s->events, store_event_note },
		{ t->s->clocks, store_clock_note },
		{ t->s->alerts, store_alert_note },
		{ t->s->absences, store_absence_note },
	};

	*ret_noted = 0;
	for (size_t f = 0; f < ELEMENTSOF(fams); f++) {
		int64_t n = store_index_family(t, fams[f].dbi, fams[f].note);

		if (n < 0)
			return (int)n;
		*ret_noted += (uint64_t)n;
	}
	return t->err;
}
