/* Compliance: the report of how a service kept its limits, and the indicators kept
 * from its clocks. */
#pragma once

#include <stdint.h>

#include "lanu.pb-c.h"

struct alert_pubq;
struct snapshot;
struct msg_error;
struct store_txn;

/* Clock c (closed or missed now) was decided: met +1 or not met +1, or undecided
 * again (-1), in the month of day ("YYYY-MM-DD"). Every compliance indicator of
 * its service and stage is updated, per breakdown group, and judged: an alert when
 * it crosses a threshold. Returns 0 or the transaction's sticky error. */
int compliance_count(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		     const Lanu__V1__Clock *c, int met, int not_met, const char *day,
		     uint64_t now_ms);

/* The compliance of one service over a period, into rep (free its contents with
 * compliance_report_clear()). Returns 0, -EINVAL with e filled (a bad period or
 * breakdown), or -errno. */
int compliance_report(const struct snapshot *snap, struct store_txn *t,
		      const Lanu__V1__ComplianceQuery *q, Lanu__V1__ComplianceReport *rep,
		      struct msg_error *e);
void compliance_report_clear(Lanu__V1__ComplianceReport *rep);
