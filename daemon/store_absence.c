/*
 * store_absence: each pupil's place on an absence ladder, per review period, for
 * absence.c (a family of the store, see store_db.h for the codec and errors).
 *
 *	absences  pupil (str) ladder (str) period (tail) -> packed AbsenceState
 *
 * A pupil's places, every ladder and period, are one range (what a student welfare
 * group asks for), and a ladder's periods of one pupil are a range within it. A record
 * is replaced whole when a report moves it on; it is never deleted.
 */
#include "store.h"
#include "store_db.h"

#include <errno.h>

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

void
store_absence_put(struct store_txn *t, const Lanu__V1__AbsenceState *st)
{
	struct store_key k = { 0 };
	size_t len = lanu__v1__absence_state__get_packed_size(st);
	void *v;

	store_absence_key(&k, st->ladder, st->period, st->pupil_id);
	v = store_db_reserve(t, t->s->absences, &k, len, 0);
	if (v)
		lanu__v1__absence_state__pack(st, v);
}
