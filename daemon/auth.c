/*
 * auth: the ZAP handler and each authenticated request's check (auth.h).
 *
 * The keys directory is read at each connection (keys_find()), so a key added or revoked
 * counts from the peer's next connection on; what the handler accepted is kept by name
 * for the checks of that peer's requests. Connections are few and long-lived: a file
 * scan per connection costs nothing that matters, and nothing goes stale.
 */
#include "auth.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "keys.h"
#include "lanu/macro.h"
#include "lanu/protocol.h"
#include "lanud.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "plan_index.h"
#include "plan_value.h"
#include "store.h"
#include "zsock.h"

#define AUTH_MAX_PEERS	1024	/* names accepted since start, kept for their requests */

struct auth {
	char *keys_dir;
	struct keys_entry *peers[AUTH_MAX_PEERS];
	size_t n_peers;
};

int
auth_new(const char *keys_dir, struct auth **ret_auth)
{
	struct auth *a = calloc(1, sizeof(*a));

	if (!a || !(a->keys_dir = strdup(keys_dir))) {
		free(a);
		return -ENOMEM;
	}
	*ret_auth = a;
	return 0;
}

struct auth *
auth_free(struct auth *a)
{
	if (!a)
		return NULL;
	for (size_t i = 0; i < a->n_peers; i++)
		keys_entry_free(a->peers[i]);
	free(a->keys_dir);
	free(a);
	return NULL;
}

static struct keys_entry *
auth_peer(const struct auth *a, const char *name)
{
	for (size_t i = 0; i < a->n_peers; i++)
		if (strcmp(a->peers[i]->name, name) == 0)
			return a->peers[i];
	return NULL;
}

/* Keeps e (stolen) as the key of its name, replacing the one kept before. */
static int
auth_keep(struct auth *a, struct keys_entry *e)
{
	for (size_t i = 0; i < a->n_peers; i++)
		if (strcmp(a->peers[i]->name, e->name) == 0) {
			keys_entry_free(a->peers[i]);
			a->peers[i] = e;
			return 0;
		}
	if (a->n_peers == AUTH_MAX_PEERS) {
		keys_entry_free(e);
		return -ENOSPC;
	}
	a->peers[a->n_peers++] = e;
	return 0;
}

static void
auth_report_cb(const char *msg, void *arg)
{
	(void)arg;
	log_ratelimited(LOG_WARNING, "auth: %s", msg);
}

/* A frame as a short printable string for the log. */
static void
auth_frame_text(const struct iovec *f, char *buf, size_t len)
{
	size_t n = f->iov_len < len - 1 ? f->iov_len : len - 1;

	memcpy(buf, f->iov_base, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
			buf[i] = '?';
}

/* The audit record of a peer accepted with another key, or another role, than the one
 * accepted last under its name: a key rotated or replaced in keys-dir. */
static void
auth_audit_change(struct lanud *d, const struct keys_entry *e, const char *address)
{
	const struct keys_entry *old = auth_peer(d->auth, e->name);
	Lanu__V1__AuditRecord r = LANU__V1__AUDIT_RECORD__INIT;
	char reason[128];

	if (!old || (memcmp(old->public_key, e->public_key, sizeof(e->public_key)) == 0 &&
		     old->role == e->role))
		return;
	if (old->role != e->role)
		snprintf(reason, sizeof(reason), "role %s -> %s", keys_role_name(old->role),
			 keys_role_name(e->role));
	else
		snprintf(reason, sizeof(reason), "another public key");
	r.what = LANU__V1__AUDIT_RECORD__WHAT__KEY_CHANGE;
	r.who = (char *)e->name;
	r.subject = (char *)e->name;
	r.address = (char *)address;
	r.reason = reason;
	audit_note(d, &r);
}

static bool
auth_frame_is(const struct iovec *f, const char *s)
{
	return f->iov_len == strlen(s) && memcmp(f->iov_base, s, f->iov_len) == 0;
}

/* The key that the domain "lanu-ipc:NAME" names, read from keys-dir. */
static int
auth_ipc_key(struct lanud *d, const struct iovec *domain, struct keys_entry **ret_entry)
{
	size_t skip = strlen(AUTH_IPC_DOMAIN), len = domain->iov_len - skip;
	char name[LANU_MAX_NAME + 1], path[PATH_MAX];

	if (!d->auth || len > LANU_MAX_NAME)
		return -ENOENT;
	memcpy(name, (const char *)domain->iov_base + skip, len);
	name[len] = '\0';
	if (strlen(name) != len || !value_is_id(name) ||	/* "adm\0x" is not "adm" */
	    (size_t)snprintf(path, sizeof(path), "%s/%s.key", d->auth->keys_dir, name) >=
		    sizeof(path))
		return -ENOENT;
	return keys_read(path, auth_report_cb, NULL, ret_entry);
}

int
auth_zap_on_msg(struct zsock *z, const struct iovec *frames, size_t n, void *arg)
{
	struct lanud *d = arg;
	struct keys_entry *e = NULL;
	const char *code = "400", *text = "unknown key", *user = "";
	char address[64] = "", z85[KEYS_Z85_LEN + 1] = "";
	int r = -ENOENT;

	/* [routing id] [empty] "1.0" request-id domain address identity mechanism key */
	if (n < 8 || frames[1].iov_len != 0 || !auth_frame_is(&frames[2], "1.0")) {
		log_ratelimited(LOG_ERR, "auth: a ZAP request of %zu frames that is not ZAP 1.0, "
					 "ignoring", n);
		return 0;
	}
	auth_frame_text(&frames[5], address, sizeof(address));
	if (n == 8 && auth_frame_is(&frames[7], "NULL") &&	/* NULL has no credentials */
	    frames[4].iov_len > strlen(AUTH_IPC_DOMAIN) &&
	    memcmp(frames[4].iov_base, AUTH_IPC_DOMAIN, strlen(AUTH_IPC_DOMAIN)) == 0) {
		/* an ipc:// endpoint "as NAME": its peers are that key */
		r = auth_ipc_key(d, &frames[4], &e);
		if (r == 0 && e->revoked_ms) {
			text = "revoked";
		} else if (r == 0) {
			code = "200";
			text = "OK";
			user = e->name;
		} else {
			text = "no such key";
		}
	} else if (!auth_frame_is(&frames[7], "CURVE") || n != 9 || frames[8].iov_len != 32) {
		text = "CurveZMQ only";
	} else {
		keys_z85(frames[8].iov_base, z85);
		r = d->auth ? keys_find(d->auth->keys_dir, frames[8].iov_base, auth_report_cb,
					NULL, &e) : -ENOENT;
		if (r == 0 && e->revoked_ms) {
			text = "revoked";
		} else if (r == 0) {
			code = "200";
			text = "OK";
			user = e->name;
		} else if (r != -ENOENT) {
			text = "keys unreadable";
			log_ratelimited(LOG_ERR, "auth: cannot read the keys in '%s': %s",
					d->auth->keys_dir, strerror(-r));
		}
	}
	if (*code == '4') {
		log_ratelimited(LOG_WARNING, "auth: refused a peer at %s: %s%s%s%s%s", address,
				e ? "the key of '" : "", e ? e->name : "", e ? "' is " : "", text,
				*z85 && !e ? " (its public key is not in keys-dir)" : "");
		audit_peer_refused(d, address, e ? e->name : "", text);
	} else {
		auth_audit_change(d, e, address);
	}
	{
		const struct iovec reply[8] = {
			frames[0],
			{ (void *)"", 0 },
			{ (void *)"1.0", 3 },
			frames[3],
			{ (void *)code, 3 },
			{ (void *)text, strlen(text) },
			{ (void *)user, strlen(user) },
			{ (void *)"", 0 },
		};

		if (zsock_send(z, reply, ELEMENTSOF(reply)) < 0)
			log_ratelimited(LOG_ERR, "auth: cannot answer a ZAP request");
	}
	if (*code == '2' && auth_keep(d->auth, e) < 0)
		log_ratelimited(LOG_ERR, "auth: more than %d peers since start", AUTH_MAX_PEERS);
	else if (*code != '2')
		keys_entry_free(e);
	return 0;
}

/* --- subscriptions ------------------------------------------------------------------- */

/* Whether topic (len bytes) is a recipient id and the topic terminator. */
static bool
auth_topic_valid(const char *topic, size_t len)
{
	char id[LANU_MAX_NAME + 1];

	if (len < 2 || len > LANU_MAX_NAME + 1 || topic[len - 1] != LANU_TOPIC_TERM)
		return false;
	memcpy(id, topic, len - 1);
	id[len - 1] = '\0';
	return strlen(id) == len - 1 && value_is_id(id);
}

int
auth_sub_on_msg(struct zsock *z, const struct iovec *frames, size_t n, void *arg)
{
	struct lanud *d = arg;
	const char *peer = zsock_peer(z), *topic, *why = NULL;
	const struct keys_entry *k = NULL;
	char id[LANU_MAX_NAME + 1] = "";
	size_t len;
	bool on;

	if (n != 1 || frames[0].iov_len < 1 || *(const uint8_t *)frames[0].iov_base > 1)
		return 0;	/* not a subscription: XPUB passes a subscriber's messages up */
	on = *(const uint8_t *)frames[0].iov_base == 1;
	topic = (const char *)frames[0].iov_base + 1;
	len = frames[0].iov_len - 1;
	if (!on) {
		if (zsock_subscribe(z, topic, len, false) == 0)
			metrics_subscription(d->metrics, false);
		return 0;
	}
	if (len > 0 && auth_topic_valid(topic, len)) {
		memcpy(id, topic, len - 1);
		id[len - 1] = '\0';
	}
	if (peer && !(k = d->auth ? auth_peer(d->auth, peer) : NULL))
		why = "is not known";
	else if (len == 0 && (!k || k->role != KEYS_ADMIN))
		why = "may not subscribe to every alert (\"\")";
	else if (len > 0 && (!*id || (d->index && !plan_index_recipient(d->index, id))))
		why = "sent a topic that is not a recipient's";
	else if (k && k->role == KEYS_PRODUCER)
		why = "is a producer, which reads no alerts";
	else if (k && k->role != KEYS_ADMIN && *id &&
		 !keys_scope_has(k->recipients, k->n_recipients, id))
		why = "is not bound to that recipient";
	if (why) {
		log_ratelimited(LOG_WARNING, "auth: subscription%s%s%s refused: peer '%s' %s",
				*id ? " to '" : "", id, *id ? "'" : "", peer ? peer : "ipc", why);
		return 0;
	}
	if (zsock_subscribe(z, topic, len, true) < 0)
		log_ratelimited(LOG_ERR, "auth: cannot subscribe a peer to '%s'", id);
	else
		metrics_subscription(d->metrics, true);
	return 0;
}

/* --- requests ------------------------------------------------------------------------ */

static int _printf_(3, 4)
auth_deny(struct msg_error *e, const char *field, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->field, sizeof(e->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	return -EPERM;
}

/* Whether area is one of the key's areas or under one (no areas: all). */
static bool
auth_area_ok(const struct lanud *d, const struct keys_entry *k, const char *area)
{
	if (!k->n_areas)
		return true;
	if (!area || !*area || !d->index)
		return false;
	for (size_t i = 0; i < k->n_areas; i++)
		if (plan_index_within(d->index, area, k->areas[i]))
			return true;
	return false;
}

/* The area an event is about, and the field that says it; NULL for events that name
 * none. */
static const char *
auth_event_area(const Lanu__V1__Envelope *ev, const char **ret_field)
{
	switch (ev->payload_case) {
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED:
		*ret_field = "event.service_requested.area";
		return ev->service_requested->area;
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED:
		*ret_field = "event.service_provided.area";
		return ev->service_provided->area;
	case LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED:
		*ret_field = "event.case_cancelled.area";
		return ev->case_cancelled->area;
	case LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED:
		*ret_field = "event.deadline_missed.area";
		return ev->deadline_missed->area;
	case LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED:
		*ret_field = "event.indicator_updated.area";
		return ev->indicator_updated->area;
	case LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED:
		*ret_field = "event.absence_alert_raised.school";
		return ev->absence_alert_raised->school;
	case LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED:
		*ret_field = "event.absence_counts_reported.school";
		return ev->absence_counts_reported->school;
	case LANU__V1__ENVELOPE__PAYLOAD_DROP_OUT_REPORTED:
		*ret_field = "event.drop_out_reported.home_area";
		return ev->drop_out_reported->home_area;
	default:
		return NULL;
	}
}

/* Whether an alert went to one of the key's recipients. */
static int
auth_alert_ok(struct lanud *d, const struct keys_entry *k, const char *alert_id,
	      const char *field, struct msg_error *e)
{
	Lanu__V1__Alert *a = NULL;
	struct store_txn t;
	uint64_t seq;
	bool ok = false;

	if (!k->n_recipients)
		return 0;
	store_begin(d->store, &t, STORE_RO);
	if (store_alert_by_id(&t, alert_id, &seq) == 0 && store_get_alert(&t, seq, &a) == 0) {
		for (size_t i = 0; i < a->n_recipients && !ok; i++)
			ok = keys_scope_has(k->recipients, k->n_recipients, a->recipients[i]);
		lanu__v1__alert__free_unpacked(a, NULL);
	} else {
		ok = true;	/* not found: the handler says so */
	}
	store_abort(&t);
	return ok ? 0 : auth_deny(e, field, "alert '%s' did not go to a recipient of key '%s'",
				  alert_id, k->name);
}

static int
auth_event(struct lanud *d, const struct keys_entry *k, const Lanu__V1__Envelope *ev,
	   struct msg_error *e)
{
	const char *word = keys_event_name((uint32_t)ev->payload_case), *area, *field = "";

	if (strcmp(ev->producer, k->name) != 0)
		return auth_deny(e, "event.producer", "is '%s'; key '%s' sends as '%s'",
				 ev->producer, k->name, k->name);
	if (!word)
		word = "";	/* msg.c lets no unknown payload through */
	if (ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED) {
		if (k->role != KEYS_OPERATOR)
			return auth_deny(e, "event.payload", "key '%s' (%s) may not acknowledge "
					 "alerts: operators do", k->name, keys_role_name(k->role));
		if (strcmp(ev->alert_acknowledged->by, k->name) != 0)
			return auth_deny(e, "event.alert_acknowledged.by", "is '%s'; key '%s' "
					 "acknowledges as '%s'", ev->alert_acknowledged->by,
					 k->name, k->name);
		return auth_alert_ok(d, k, ev->alert_acknowledged->alert_id,
				     "event.alert_acknowledged.alert_id", e);
	}
	if (k->role == KEYS_NOTIFIER) {
		if (ev->payload_case != LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED)
			return auth_deny(e, "event.payload", "key '%s' (notifier) sends only "
					 "delivery-failed events", k->name);
		if (!keys_scope_has(k->recipients, k->n_recipients,
				    ev->delivery_failed->recipient))
			return auth_deny(e, "event.delivery_failed.recipient", "'%s' is not a "
					 "recipient of key '%s'", ev->delivery_failed->recipient,
					 k->name);
		return 0;
	}
	if (k->role != KEYS_PRODUCER)
		return auth_deny(e, "event.payload", "key '%s' (%s) may not send events",
				 k->name, keys_role_name(k->role));
	if (!keys_scope_has(k->events, k->n_events, word))
		return auth_deny(e, "event.payload", "key '%s' may not send %s events", k->name,
				 word);
	area = auth_event_area(ev, &field);
	if (!area && k->n_areas)	/* it could be about any area: a postponement, a measure */
		return auth_deny(e, "event.payload", "key '%s' is bound to areas, and a %s event "
				 "names none", k->name, word);
	if (area && !auth_area_ok(d, k, area))
		return auth_deny(e, field, "%s%s%s is not an area of key '%s'", *area ? "'" : "",
				 *area ? area : "no area", *area ? "'" : "", k->name);
	return 0;
}

/* A query for recipients (none: every one). */
static int
auth_recipients(const struct keys_entry *k, char *const *v, size_t n, const char *field,
		struct msg_error *e)
{
	if (!k->n_recipients)
		return 0;
	if (n == 0)
		return auth_deny(e, field, "name the recipients: key '%s' reads only its own",
				 k->name);
	for (size_t i = 0; i < n; i++)
		if (!keys_scope_has(k->recipients, k->n_recipients, v[i]))
			return auth_deny(e, field, "'%s' is not a recipient of key '%s'", v[i],
					 k->name);
	return 0;
}

int
auth_check(struct lanud *d, const char *peer, const Lanu__V1__Request *req,
	   struct msg_error *e)
{
	const struct keys_entry *k = d->auth ? auth_peer(d->auth, peer) : NULL;
	bool reader;

	if (!k)
		return auth_deny(e, "", "peer '%s' is not known (its key was not accepted)", peer);
	if (k->role == KEYS_ADMIN)
		return 0;
	reader = k->role == KEYS_SUBSCRIBER || k->role == KEYS_OPERATOR ||
		 k->role == KEYS_NOTIFIER;
	switch (req->body_case) {
	case LANU__V1__REQUEST__BODY_EVENT:
		return auth_event(d, k, req->event, e);
	case LANU__V1__REQUEST__BODY_STATUS:
	case LANU__V1__REQUEST__BODY_PLAN:
	case LANU__V1__REQUEST__BODY_PLAN_HISTORY:
		return 0;
	case LANU__V1__REQUEST__BODY_REPLAY:
		if (!reader || req->replay->unrouted || req->replay->all)
			break;	/* the unrouted and all alerts are an admin's */
		return auth_recipients(k, req->replay->recipients, req->replay->n_recipients,
				       "replay.recipients", e);
	case LANU__V1__REQUEST__BODY_OPEN_ALERTS:
		if (!reader)
			break;
		return auth_recipients(k, req->open_alerts->recipients,
				       req->open_alerts->n_recipients, "open_alerts.recipients", e);
	case LANU__V1__REQUEST__BODY_ALERT:
		if (!reader)
			break;
		return auth_alert_ok(d, k, req->alert->alert_id, "alert.alert_id", e);
	case LANU__V1__REQUEST__BODY_DUE:
		if (k->role != KEYS_OPERATOR)
			break;
		return auth_area_ok(d, k, req->due->area) ? 0 :
		       auth_deny(e, "due.area", "name an area of key '%s'", k->name);
	case LANU__V1__REQUEST__BODY_ABSENCES:
		if (k->role != KEYS_OPERATOR)
			break;
		return auth_area_ok(d, k, req->absences->area) ? 0 :
		       auth_deny(e, "absences.area", "name an area of key '%s'", k->name);
	case LANU__V1__REQUEST__BODY_CASE_QUERY:
		if (k->role != KEYS_OPERATOR || k->n_areas)
			break;	/* a case's clocks may be of any area: unbound operators' */
		return 0;
	case LANU__V1__REQUEST__BODY_COMPLIANCE:
	case LANU__V1__REQUEST__BODY_INDICATORS:
	case LANU__V1__REQUEST__BODY_MEASURES:
		if (k->role != KEYS_OPERATOR || k->n_areas)
			break;	/* compliance, indicators, measures are whole-plan: unbound operators' */
		return 0;
	default:
		break;
	}
	return auth_deny(e, "body", "key '%s' (%s) may not make this request", k->name,
			 keys_role_name(k->role));
}
