/*
 * store_absence: each pupil's place on an absence ladder, per review period, for
 * absence.c (a family of the store, see store_db.h for the codec and errors).
 *
 *	absences     pupil (str) ladder (str) period (tail) -> packed AbsenceState
 *	abs_figures  period (str) ladder (str) school (str) grade (u8) -> packed AbsenceFigures
 *
 * A pupil's places, every ladder and period, are one range (what a student welfare
 * group asks for), and a ladder's periods of one pupil are a range within it. A record
 * is replaced whole when a report moves it on, and noted under "pupil:<id>" each time
 * (store_retain.c): retention deletes it once it has not been written for the plan's
 * time. A period's figures are one range, by ladder, school and grade; they stay.
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lanu/limits.h"

static void
store_absence_key(struct store_key *k, const char *ladder, const char *period, const char *pupil)
{
	store_key_str(k, pupil);
	store_key_str(k, ladder);
	store_key_tail(k, period);
}

int
store_absence_get(struct store_txn *t, const char *ladder, const char *period, const char *pupil,
		  ProtobufCAllocator *pa, Lanu__V1__AbsenceState **ret_state)
{
	struct store_key k = { 0 };
	struct store_view v;
	Lanu__V1__AbsenceState *st;
	int r;

	store_absence_key(&k, ladder, period, pupil);
	r = store_db_get(t, t->s->absences, &k, &v);
	if (r < 0)
		return r;
	st = lanu__v1__absence_state__unpack(pa, v.n, v.p);
	if (!st)
		return store_fail(t, -EBADMSG);
	*ret_state = st;
	return 0;
}

/* Notes st under its pupil (store_retain.c). */
static void
store_absence_note_one(struct store_txn *t, const Lanu__V1__AbsenceState *st)
{
	struct store_key piece = { 0 };
	char subject[STORE_SUBJECT_MAX];

	snprintf(subject, sizeof(subject), "pupil:%s", st->pupil_id);
	store_key_str(&piece, st->ladder);
	store_key_tail(&piece, st->period);
	store_subject_note(t, subject, STORE_PIECE_PLACE, &piece, st->updated_at_ms);
}

void
store_absence_note(struct store_txn *t, struct store_view key, struct store_view val)
{
	Lanu__V1__AbsenceState *st = lanu__v1__absence_state__unpack(NULL, val.n, val.p);

	(void)key;	/* the pupil, ladder and period are in the record */
	if (!st) {
		store_fail(t, -EBADMSG);
		return;
	}
	store_absence_note_one(t, st);
	lanu__v1__absence_state__free_unpacked(st, NULL);
}

void
store_absence_put(struct store_txn *t, const Lanu__V1__AbsenceState *st)
{
	struct store_key k = { 0 };
	size_t len = lanu__v1__absence_state__get_packed_size(st);
	void *v;

	store_absence_note_one(t, st);
	store_absence_key(&k, st->ladder, st->period, st->pupil_id);
	v = store_db_reserve(t, t->s->absences, &k, len, 0);
	if (v)
		lanu__v1__absence_state__pack(st, v);
}

void
store_absence_purge(struct store_txn *t, const char *pupil, const char *ladder,
		    const char *period)
{
	struct store_key k = { 0 };

	store_absence_key(&k, ladder, period, pupil);
	store_db_del(t, t->s->absences, &k);
}

int
store_absence_scan_pupil(struct store_txn *t, const char *pupil, store_absence_fn fn, void *arg)
{
	struct store_iter it = { 0 };
	struct store_key from = { 0 };
	int r = 0, rc;

	if (t->err)
		return t->err;
	if (strlen(pupil) > LANU_MAX_NAME)
		return -EINVAL;
	store_key_str(&from, pupil);
	rc = store_iter_open(t, t->s->absences, &it);
	if (rc < 0)
		return rc;
	for (rc = store_iter_seek(&it, &from); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		struct store_view k = it.key;
		const char *p;
		Lanu__V1__AbsenceState *st;

		if (store_key_next_str(&k, &p) < 0) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		if (strcmp(p, pupil) != 0)
			break;
		st = lanu__v1__absence_state__unpack(NULL, it.val.n, it.val.p);
		if (!st) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		r = fn(st, arg);
		if (r != 0)
			break;
	}
	return store_iter_end(&it, r, rc);
}

static void
store_figures_key(struct store_key *k, const char *period, const char *ladder, const char *school,
		  uint32_t grade)
{
	store_key_str(k, period);
	store_key_str(k, ladder);
	store_key_str(k, school);
	store_key_u8(k, grade > UINT8_MAX ? UINT8_MAX : (uint8_t)grade);
}

int
store_absence_figures_get(struct store_txn *t, const char *period, const char *ladder,
			  const char *school, uint32_t grade, ProtobufCAllocator *pa,
			  Lanu__V1__AbsenceFigures **ret_figures)
{
	struct store_key k = { 0 };
	struct store_view v;
	Lanu__V1__AbsenceFigures *f;
	int r;

	store_figures_key(&k, period, ladder, school, grade);
	r = store_db_get(t, t->s->abs_figures, &k, &v);
	if (r < 0)
		return r;
	f = lanu__v1__absence_figures__unpack(pa, v.n, v.p);
	if (!f)
		return store_fail(t, -EBADMSG);
	*ret_figures = f;
	return 0;
}

void
store_absence_figures_put(struct store_txn *t, const Lanu__V1__AbsenceFigures *f)
{
	struct store_key k = { 0 };
	size_t len = lanu__v1__absence_figures__get_packed_size(f);
	void *v;

	store_figures_key(&k, f->period, f->ladder, f->school, f->grade);
	v = store_db_reserve(t, t->s->abs_figures, &k, len, 0);
	if (v)
		lanu__v1__absence_figures__pack(f, v);
}

int
store_absence_scan_figures(struct store_txn *t, const char *period, store_figures_fn fn,
			   void *arg)
{
	struct store_iter it = { 0 };
	struct store_key from = { 0 };
	int r = 0, rc;

	if (t->err)
		return t->err;
	if (strlen(period) > LANU_MAX_NAME)
		return -EINVAL;
	store_key_str(&from, period);
	rc = store_iter_open(t, t->s->abs_figures, &it);
	if (rc < 0)
		return rc;
	for (rc = store_iter_seek(&it, &from); rc == 0; rc = store_iter_move(&it, STORE_NEXT)) {
		struct store_view k = it.key;
		const char *p;
		Lanu__V1__AbsenceFigures *f;

		if (store_key_next_str(&k, &p) < 0) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		if (strcmp(p, period) != 0)
			break;
		f = lanu__v1__absence_figures__unpack(NULL, it.val.n, it.val.p);
		if (!f) {
			r = store_fail(t, -EBADMSG);
			break;
		}
		r = fn(f, arg);
		lanu__v1__absence_figures__free_unpacked(f, NULL);
		if (r != 0)
			break;
	}
	return store_iter_end(&it, r, rc);
}
