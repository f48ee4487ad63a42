/* School absences on the providers' ladders (docs/absences.md). */
#pragma once

#include "lanu.pb-c.h"

struct alert_pubq;
struct snapshot;
struct msg_error;
struct store_txn;

/* The AbsenceCountsReported handler, inside the batch's write transaction: moves the
 * pupil on the ladder that covers the school and raises the levels reached. Returns 0,
 * -EINVAL with e filled (the event names what the plan in force does not have, or
 * counts that cannot be; it is refused and not stored), or the sticky error. */
int absence_on_counts(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		      const Lanu__V1__Envelope *ev, struct msg_error *e);

/* The AbsenceAlertRaised handler: a school system that works out levels itself says
 * which one a pupil reached; the levels up to it not raised yet are raised as for
 * counts. A school no ladder covers (an unknown one too, or with no plan in force):
 * stored and nothing more, as before there were ladders. Returns as
 * absence_on_counts(). */
int absence_on_level(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		     const Lanu__V1__Envelope *ev, struct msg_error *e);

/* The DropOutReported handler: a notice to the outreach youth work team of the
 * student's home area (the nearest area up the tree that names one) when under 25,
 * and to its compulsory-education supervisor too when under 18; the routes of kind
 * drop-out get it as well. Returns as absence_on_counts() (-EINVAL: no plan, an unknown
 * home area, a day that is not one). */
int absence_on_drop_out(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
			const Lanu__V1__Envelope *ev, struct msg_error *e);

/* The figures of a review period added up by the query's groups, or one pupil's
 * places, into rep (free its contents with absence_report_clear()). Returns 0, -EINVAL
 * with e filled (a bad grouping, no period, an area or ladder the plan does not
 * have), or -errno. */
int absence_report(const struct snapshot *snap, struct store_txn *t,
		   const Lanu__V1__AbsenceQuery *q, Lanu__V1__AbsenceReport *rep,
		   struct msg_error *e);
void absence_report_clear(Lanu__V1__AbsenceReport *rep);
