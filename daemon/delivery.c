/*
 * delivery: what lanud does when a notifier (lanu-notify) reports that a recipient's
 * alerts stopped reaching it on a channel. The notifier owns the episode: it names it
 * by when the failures began (failing_since_ms), reports it once it has lasted too
 * long, perhaps again (a restart), and reports the same episode `recovered` when the
 * channel works again. lanud keeps no state of its own: the alert log's dedup keys
 * ("delivery/<recipient>/<channel>/<since>" and ".../recovered") make each report of
 * an episode raise at most one alert, and find the one a recovery resolves.
 *
 * The alerts go by the plan's routes only (kind delivery-failed, or RESOLVED): never
 * to the recipient itself as such, whose channel is the one that fails. No route:
 * unrouted, as any alert.
 */
#include "delivery.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "lanu/limits.h"
#include "msg.h"
#include "plan_index.h"
#include "store.h"
#include "lanud.h"

#define DELIVERY_FIELD "event.delivery_failed."

int
delivery_on_failed(const struct snapshot *snap, struct store_txn *t, struct alert_pubq *q,
		   const Lanu__V1__Envelope *ev, struct msg_error *e)
{
	const Lanu__V1__DeliveryFailed *m = ev->delivery_failed;
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
	Lanu__V1__AlertFacts f = LANU__V1__ALERT_FACTS__INIT;
	char subject[LANU_MAX_NAME + 16], failed[2 * LANU_MAX_NAME + 48], key[sizeof(failed) + 16];
	uint64_t failed_seq = 0;
	size_t len = strlen(m->reason);
	int r;

	if (!snap->index) {
		msg_errorf(e, "", "no plan is in force: load one first");
		return -EINVAL;
	}
	if (!plan_index_recipient(snap->index, m->recipient)) {
		msg_errorf(e, DELIVERY_FIELD "recipient", "recipient '%s' is not in the plan in "
			   "force", m->recipient);
		return -ENOENT;
	}
	if (len > DELIVERY_MAX_REASON) {
		msg_errorf(e, DELIVERY_FIELD "reason", "is %zu bytes (at most %d)", len,
			   DELIVERY_MAX_REASON);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)m->reason[i] < 0x20 || m->reason[i] == 0x7f) {
			msg_errorf(e, DELIVERY_FIELD "reason", "holds a control character (at "
				   "byte %zu)", i);
			return -EINVAL;
		}
	snprintf(subject, sizeof(subject), "recipient:%s", m->recipient);
	snprintf(failed, sizeof(failed), "delivery/%s/%s/%" PRIu64, m->recipient, m->channel,
		 m->failing_since_ms);
	f.recipient = m->recipient;
	f.channel = m->channel;
	f.since_ms = m->failing_since_ms;
	f.last_seq = m->last_seq;
	f.failure = m->reason;
	a.subject = subject;
	a.facts = &f;
	a.raised_at_ms = snap->now_ms;
	a.event_id = ev->event_id;
	a.producer = ev->producer;
	if (!m->recovered) {
		f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_DELIVERY_FAILED;
		a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_DELIVERY_FAILED;
		a.severity = LANU__V1__SEVERITY__SEVERITY_CRITICAL;
		a.dedup_key = failed;
		r = alert_raise(snap, t, q, &a);
		return r < 0 ? r : t->err;
	}
	r = store_alert_by_key(t, failed, &failed_seq);
	if (r == -ENOENT)
		return t->err;	/* stored: lanud raised nothing for the episode */
	if (r < 0)
		return r;
	snprintf(key, sizeof(key), "%s/recovered", failed);
	f.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_DELIVERY_RECOVERED;
	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED;
	a.severity = LANU__V1__SEVERITY__SEVERITY_INFO;
	a.dedup_key = key;
	r = alert_raise_resolving(snap, t, q, &a, failed_seq);
	return r < 0 ? r : t->err;
}
