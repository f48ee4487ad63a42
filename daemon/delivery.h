/* A notifier's failure to deliver alerts (docs/protocol.md "DeliveryFailed"). */
#pragma once

#include "lanu.pb-c.h"

struct alert_pubq;
struct snapshot;
struct msg_error;
struct store_txn;

/* The longest DeliveryFailed.reason, in bytes. */
#define DELIVERY_MAX_REASON 200

/* The DeliveryFailed handler, inside the batch's write transaction: raises one
 * DELIVERY_FAILED alert per episode (recipient, channel, failing_since_ms), routed by
 * the plan's routes, or with `recovered` the RESOLVED alert of that episode's (none if
 * lanud raised none). Returns 0; -ENOENT with e filled (the recipient is not in the
 * plan in force: NOT_FOUND); -EINVAL with e filled (no plan, a bad reason: REJECTED);
 * or the transaction's sticky error. */
int delivery_on_failed(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		       const Lanu__V1__Envelope *ev, struct msg_error *e);
