/*
 * libFuzzer target: who may connect and what each peer may ask (daemon/auth.c,
 * docs/security.md), in-process. Set up once per process: a keys directory (on tmpfs
 * where there is one) with one key per role, written with keys_write(),
 *
 *	prod	producer, areas school, events service-requested
 *	sub	subscriber, recipients sup
 *	op	operator, recipients board, areas school
 *	op-all	operator bound to nothing
 *	adm	admin
 *	old	producer, revoked
 *	prod-area	producer, areas school, every kind of event
 *	ntf	notifier, recipients sup
 *
 * and a key file that does not parse (reported and passed over at each look-up), the
 * clock fuzzers' plan (fuzz_plan_clocks.h: areas town > school, recipients sup,
 * board, school-team) parsed and indexed into d->index, a store with three alerts (a-1 to
 * sup, a-2 to board, a-3 to school-team) for the alert checks, d->auth from auth_new(),
 * a ROUTER zsock bound to inproc:// as d->zap with a libzmq DEALER connected to read the
 * ZAP handler's replies, and a ZSOCK_XPUB for the subscriptions. Every enrolled key is
 * accepted once by the ZAP handler at set-up, so auth_check() knows its name.
 *
 * auth_sub_on_msg() asks zsock.c for the peer whose subscription it handles (the User-Id
 * libzmq attached) and subscribes through zsock_subscribe(): this target is linked with
 * -Wl,--wrap for both (tests/fuzz/CMakeLists.txt), so that on its XPUB the peer is the
 * one the input names and each subscription is recorded before it is made.
 *
 * The input, a byte at a time (0 past its end), at most FUZZ_OPS operations; an op
 * byte's bits 0-2 say which:
 *
 *	0, 1	a ZAP request to auth_zap_on_msg(), frames built from the input: a shape
 *		byte, bits 0-1 the frame count (9, 8, 9, or a byte % 13), bit 2 a non-empty
 *		delimiter, bit 3 a version other than "1.0", 4-5 the domain ("lanu",
 *		"lanu-ipc:" + a name byte's name, "lanu-ipc:" + a length byte and that many
 *		bytes, or a garbage one of the op byte's bits 3-7), 6-7 the mechanism (CURVE,
 *		NULL, PLAIN, or a length byte and that many bytes); then a key byte, bits
 *		0-2 a key file's public key (the seven above, the revoked one too) or 32
 *		bytes of input (7: no file's), bits 3-4 its length (32, 31, 33, 0), bit 5
 *		an address that is not printable
 *	2	auth_check() of a request decoded from the input: a peer byte, a length
 *		byte, that many bytes through msg_decode_request() (skipped if it does not
 *		decode)
 *	3, 7	auth_check() of an event: a peer byte, a kind byte (bits 0-3 the payload,
 *		bits 4-6 the producer's name), an area byte, and for an acknowledgement a
 *		byte: bits 0-2 by, 3-4 the alert id (a-1, a-2, a-3, a-99)
 *	4	auth_check() of another request: a peer byte, a body byte (0 status, 1
 *		alert, 2 open alerts, 3 replay, 4 clock set, 5 plan load, 6 plan, 7 plan
 *		history, 8 due, 9 compliance, 10 absences), a parameter byte (recipients:
 *		bits 0-1 how many, of bits 2-3, 4-5; an alert id; an area)
 *	5, 6	a subscription to auth_sub_on_msg(): a peer byte (bit 4 set: no peer, as
 *		for ipc://), a topic byte: bit 0 unsubscribe, bits 1-3 the topic (a
 *		recipient's id and the terminator, "", an id without it, a topic that is not
 *		a recipient's, or a length byte and that many bytes), bit 4 a first byte
 *		other than 0 or 1, bit 5 an empty frame, bit 6 two frames
 *
 *	peer byte	bits 0-3: prod, sub, op, op-all, adm, old, nobody, prod-area, "",
 *			then the first seven again (the producer's name of an event: the
 *			first eight)
 *	name byte	bits 0-3: prod, sub, op, op-all, adm, old, nobody, "", "ADM",
 *			"adm\0x", "adm/", ".", "..", "prod-area", a 64-byte name, a 65-byte one
 *	area byte	bits 0-2: school, town, "", nowhere, sup, School, "school ", school
 *
 * Checked (a broken one prints what broke and aborts):
 *
 *  1. a ZAP request with at least 8 frames, an empty delimiter and version "1.0" is
 *     answered exactly once, with its request id, as ZAP 1.0; others are not answered
 *     (and never crash). The answer is 200 exactly when the mechanism is CURVE, the
 *     request has 9 frames and the last is the 32-byte public key of a key file not
 *     revoked, or the mechanism is NULL, the request has 8 frames (NULL has no
 *     credentials) and the domain is "lanu-ipc:NAME" for the name of a key file not
 *     revoked (its bytes exactly); its User-Id is then that key's name; otherwise it
 *     is 400 with a status text and no User-Id.
 *  2. auth_check() allows exactly what docs/security.md's table does: an unknown or
 *     revoked peer nothing; an admin everything; every role status and the plan; a
 *     producer events as itself only, of its kinds, about its areas (the event names
 *     one, within school; a producer bound to areas sends no kind whose message has no
 *     area field, ServicePostponed and MeasureStatusUpdated); an
 *     operator acknowledgements as itself (producer and by), of alerts that went to
 *     its recipients (or are not in the store: the handler says so), due and absences
 *     for an area of its areas, compliance only unbound; a notifier DeliveryFailed
 *     events as itself about its recipients, and nothing else; a subscriber, an
 *     operator and a notifier replays and open alerts that name recipients, all their
 *     own, and one alert of theirs; no one but an admin plan loads and the clock. A refusal is -EPERM with a
 *     reason, and names a field but for an unknown peer (there is none at fault); an
 *     answer is 0 or -EPERM, and a request is answered the same when asked again.
 *  3. auth_sub_on_msg() subscribes exactly what auth.h says: a recipient's topic (plan
 *     recipient id and the terminator) for an admin, an unbound operator, a peer
 *     without a name (ipc://) and a subscriber, operator or notifier bound to it; "" for an
 *     admin alone; nothing for a producer or an unknown peer; an unsubscription is
 *     always made; a message that is not a subscription makes nothing. What it
 *     subscribes is the topic it was sent.
 *
 * LANU_FUZZ_TRACE=1 prints each operation.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zmq.h>

#include "auth.h"
#include "fuzz_plan_clocks.h"
#include "keys.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "lanu/protocol.h"
#include "lanud.h"
#include "log.h"
#include "msg.h"
#include "plan.h"
#include "plan_errors.h"
#include "plan_index.h"
#include "store.h"
#include "zsock.h"

#define FUZZ_OPS	32	/* operations per input */
#define FUZZ_KEYS	8	/* key files */
#define FUZZ_MAP	(1ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* zsock.c's, and this target's in their place (-Wl,--wrap). */
const char *__real_zsock_peer(const struct zsock *z);
int __real_zsock_subscribe(struct zsock *z, const void *topic, size_t len, bool on);
const char *__wrap_zsock_peer(const struct zsock *z);
int __wrap_zsock_subscribe(struct zsock *z, const void *topic, size_t len, bool on);

static const char plan_text[] =
	"lanu-plan: 1\n"
	"plan: {id: fuzz-auth, organiser: Fuzz, title: Auth fuzzing plan, period: 2025-2027}\n"
	FUZZ_CLOCK_PLAN_BODY;

/* The key files: name, role, what it is bound to (NULL: nothing), revoked. */
static const struct fuzz_key {
	const char *name;
	enum keys_role role;
	const char *area, *event, *recipient;
	bool revoked;
} fuzz_keys[FUZZ_KEYS] = {
	{ "prod", KEYS_PRODUCER, "school", "service-requested", NULL, false },
	{ "sub", KEYS_SUBSCRIBER, NULL, NULL, "sup", false },
	{ "op", KEYS_OPERATOR, "school", NULL, "board", false },
	{ "op-all", KEYS_OPERATOR, NULL, NULL, NULL, false },
	{ "adm", KEYS_ADMIN, NULL, NULL, NULL, false },
	{ "old", KEYS_PRODUCER, NULL, NULL, NULL, true },
	{ "prod-area", KEYS_PRODUCER, "school", NULL, NULL, false },
	{ "ntf", KEYS_NOTIFIER, NULL, NULL, "sup", false },
};

static const char *const fuzz_peers[16] = { "prod", "sub", "op", "op-all", "adm", "old",
					    "nobody", "prod-area", "", "ntf", "sub", "op",
					    "op-all", "adm", "old", "nobody" };
static const char *const fuzz_areas[8] = { "school", "town", "", "nowhere", "sup", "School",
					   "school ", "school" };
static const char *const fuzz_recipients[4] = { "sup", "board", "school-team", "nobody" };
static const char *const fuzz_alert_ids[4] = { "a-1", "a-2", "a-3", "a-99" };
/* Whom the store's alerts went to, by fuzz_alert_ids[] (a-99 is not there). */
static const char *const fuzz_alert_to[3] = { "sup", "board", "school-team" };

static const char dealer_id[] = "fuzz-zap";

/* Set up once. */
static struct {
	bool ready;
	bool trace;
	unsigned op;		/* the input's operation in hand, and what it is */
	char what[256];
	struct lanud d;
	void *dealer;		/* the ZAP handler's replies in */
	struct zsock *xpub;	/* subscriptions */
	char keys_dir[256];
	char store_dir[256];
	uint8_t public_keys[FUZZ_KEYS][32];
	char alert_ids[3][STORE_ALERT_ID_MAX];
	/* on xpub, while auth_sub_on_msg() runs: */
	const char *peer;
	size_t n_subscribed;
	bool sub_on;
	uint8_t sub_topic[PUB_SUB_MAX];
	size_t sub_len;
} fz;

struct input {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t
next_byte(struct input *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static void fuzz_rmdir(const char *dir);

static void _printf_(2, 3) __attribute__((noreturn))
fuzz_fail(const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_auth: op %u (%s): ", fz.op, fz.what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " [%s]\n", cond);
	fuzz_rmdir(fz.keys_dir);	/* abort() runs no atexit() */
	abort();
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(#cond, __VA_ARGS__);                                             \
	} while (0)

static void _printf_(1, 2)
fuzz_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fz.what, sizeof(fz.what), fmt, ap);
	va_end(ap);
	if (fz.trace)
		fprintf(stderr, "op %u: %s\n", fz.op, fz.what);
}

/* --- the wrapped zsock functions ---------------------------------------------------------- */

const char *
__wrap_zsock_peer(const struct zsock *z)
{
	return z == fz.xpub ? fz.peer : __real_zsock_peer(z);
}

int
__wrap_zsock_subscribe(struct zsock *z, const void *topic, size_t len, bool on)
{
	if (z == fz.xpub) {
		CHECK(len <= sizeof(fz.sub_topic), "a %zu byte topic subscribed", len);
		fz.n_subscribed++;
		fz.sub_on = on;
		memcpy(fz.sub_topic, topic, len);
		fz.sub_len = len;
	}
	return __real_zsock_subscribe(z, topic, len, on);
}

/* --- the model: docs/security.md's table ------------------------------------------------- */

/* The key file of an enrolled name, or NULL. */
static const struct fuzz_key *
key_of(const char *name)
{
	for (size_t i = 0; i < FUZZ_KEYS; i++)
		if (strcmp(fuzz_keys[i].name, name) == 0)
			return &fuzz_keys[i];
	return NULL;
}

/* The key a peer that auth_check() may know is: enrolled and not revoked. */
static const struct fuzz_key *
peer_key(const char *name)
{
	const struct fuzz_key *k = key_of(name);

	return k && !k->revoked ? k : NULL;
}

static bool
bound_to(const char *binding, const char *word)
{
	return !binding || strcmp(binding, word) == 0;
}

/* Whether area is within the key's areas: the plan's school has no areas under it. */
static bool
area_ok(const struct fuzz_key *k, const char *area)
{
	return !k->area || strcmp(area, "school") == 0;
}

/* Whether alert_id went to one of the key's recipients, or is not in the store. */
static bool
alert_ok(const struct fuzz_key *k, const char *alert_id)
{
	for (size_t i = 0; i < 3; i++)
		if (strcmp(fz.alert_ids[i], alert_id) == 0)
			return bound_to(k->recipient, fuzz_alert_to[i]);
	return true;
}

static bool
recipients_ok(const struct fuzz_key *k, char *const *v, size_t n)
{
	if (!k->recipient)
		return true;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], k->recipient) != 0)
			return false;
	return true;
}

/* The event's kind as key files name it, and the area it names (NULL: a kind that has
 * none). */
static const char *
event_kind(const Lanu__V1__Envelope *ev, const char **ret_area)
{
	*ret_area = NULL;
	switch (ev->payload_case) {
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED:
		*ret_area = ev->service_requested->area;
		return "service-requested";
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED:
		*ret_area = ev->service_provided->area;
		return "service-provided";
	case LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED:
		*ret_area = ev->case_cancelled->area;
		return "case-cancelled";
	case LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED:
		*ret_area = ev->deadline_missed->area;
		return "deadline-missed";
	case LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED:
		*ret_area = ev->indicator_updated->area;
		return "indicator-updated";
	case LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED:
		*ret_area = ev->absence_alert_raised->school;
		return "absence-alert-raised";
	case LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED:
		*ret_area = ev->absence_counts_reported->school;
		return "absence-counts-reported";
	case LANU__V1__ENVELOPE__PAYLOAD_DROP_OUT_REPORTED:
		*ret_area = ev->drop_out_reported->home_area;
		return "drop-out-reported";
	case LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED:
		return "measure-status-updated";
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED:
		return "service-postponed";
	case LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED:
		return "delivery-failed";
	case LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED:
		return "alert-acknowledged";
	default:
		return "";
	}
}

static bool
event_allowed(const struct fuzz_key *k, const Lanu__V1__Envelope *ev)
{
	const char *area, *kind = event_kind(ev, &area);

	if (strcmp(ev->producer, k->name) != 0)
		return false;
	if (k->role == KEYS_NOTIFIER)	/* its failed deliveries, to its recipients */
		return ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED &&
		       bound_to(k->recipient, ev->delivery_failed->recipient);
	if (ev->payload_case == LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED)
		return k->role == KEYS_OPERATOR &&
		       strcmp(ev->alert_acknowledged->by, k->name) == 0 &&
		       alert_ok(k, ev->alert_acknowledged->alert_id);
	return k->role == KEYS_PRODUCER && bound_to(k->event, kind) &&
	       (area ? area_ok(k, area) : !k->area);
}

static bool
allowed(const char *peer, const Lanu__V1__Request *req)
{
	const struct fuzz_key *k = peer_key(peer);
	bool reader;

	if (!k)
		return false;
	if (k->role == KEYS_ADMIN)
		return true;
	reader = k->role == KEYS_SUBSCRIBER || k->role == KEYS_OPERATOR ||
		 k->role == KEYS_NOTIFIER;
	switch (req->body_case) {
	case LANU__V1__REQUEST__BODY_EVENT:
		return event_allowed(k, req->event);
	case LANU__V1__REQUEST__BODY_STATUS:
	case LANU__V1__REQUEST__BODY_PLAN:
	case LANU__V1__REQUEST__BODY_PLAN_HISTORY:
		return true;
	case LANU__V1__REQUEST__BODY_REPLAY:	/* the unrouted and all: an admin's */
		return reader && !req->replay->unrouted && !req->replay->all &&
		       recipients_ok(k, req->replay->recipients, req->replay->n_recipients);
	case LANU__V1__REQUEST__BODY_OPEN_ALERTS:
		return reader && recipients_ok(k, req->open_alerts->recipients,
					       req->open_alerts->n_recipients);
	case LANU__V1__REQUEST__BODY_ALERT:
		return reader && alert_ok(k, req->alert->alert_id);
	case LANU__V1__REQUEST__BODY_DUE:
		return k->role == KEYS_OPERATOR && area_ok(k, req->due->area);
	case LANU__V1__REQUEST__BODY_ABSENCES:
		return k->role == KEYS_OPERATOR && area_ok(k, req->absences->area);
	case LANU__V1__REQUEST__BODY_COMPLIANCE:
		return k->role == KEYS_OPERATOR && !k->area;
	default:
		return false;	/* plan loads, the clock */
	}
}

/* auth_check() of req by peer, against the model; twice, for the same answer. */
static void
check_request(const char *peer, const Lanu__V1__Request *req)
{
	bool want = allowed(peer, req);

	for (int i = 0; i < 2; i++) {
		struct msg_error e;
		int r;

		memset(&e, 0xa5, sizeof(e));
		e.field[sizeof(e.field) - 1] = e.reason[sizeof(e.reason) - 1] = '\0';
		r = auth_check(&fz.d, peer, req, &e);
		if (fz.trace && i == 0)
			fprintf(stderr, "  %s%s%s%s\n", r == 0 ? "allowed" : "refused: ",
				r == 0 ? "" : e.field, r == 0 ? "" : ": ", r == 0 ? "" : e.reason);
		CHECK(r == 0 || r == -EPERM, "auth_check() returned %d", r);
		CHECK((r == 0) == want, "peer '%s' is %s body %d (model: %s)%s%s", peer,
		      r == 0 ? "allowed" : "refused", (int)req->body_case,
		      want ? "allowed" : "refused", r == 0 ? "" : ": ", r == 0 ? "" : e.reason);
		if (r == 0)
			continue;
		CHECK(*e.reason && strlen(e.reason) < sizeof(e.reason),
		      "a refusal without a reason");
		CHECK(!peer_key(peer) || (*e.field && strlen(e.field) < sizeof(e.field)),
		      "a refusal of peer '%s' names no field: %s", peer, e.reason);
	}
}

/* --- ZAP --------------------------------------------------------------------------------- */

static const char *
name_of(uint8_t b, char buf[80], size_t *ret_len)
{
	static const char *const names[14] = { "prod", "sub", "op", "op-all", "adm", "old",
					       "nobody", "", "ADM", "adm\0x", "adm/", ".", "..",
					       "prod-area" };
	size_t i = b & 15;

	if (i < 14) {
		*ret_len = i == 9 ? 5 : strlen(names[i]);
		memcpy(buf, names[i], *ret_len);
		return buf;
	}
	*ret_len = i == 14 ? LANU_MAX_NAME : LANU_MAX_NAME + 1;
	memset(buf, 'a', *ret_len);
	return buf;
}

/* len bytes of s for the trace, what is not printable as '?'. */
static const char *
printable(const void *s, size_t len, char *buf)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = ((const unsigned char *)s)[i];

		buf[i] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	buf[len] = '\0';
	return buf;
}

/* What the ZAP handler must answer: the key name for 200, NULL for 400. */
static const char *
zap_expect(const struct iovec *f, size_t n)
{
	static const char ipc[] = AUTH_IPC_DOMAIN;
	const size_t skip = sizeof(ipc) - 1;

	if (n == 8 && f[7].iov_len == 4 && memcmp(f[7].iov_base, "NULL", 4) == 0 &&
	    f[4].iov_len > skip && memcmp(f[4].iov_base, ipc, skip) == 0) {
		for (size_t i = 0; i < FUZZ_KEYS; i++)
			if (!fuzz_keys[i].revoked &&
			    f[4].iov_len - skip == strlen(fuzz_keys[i].name) &&
			    memcmp((const char *)f[4].iov_base + skip, fuzz_keys[i].name,
				   f[4].iov_len - skip) == 0)
				return fuzz_keys[i].name;
		return NULL;
	}
	if (n != 9 || f[7].iov_len != 5 || memcmp(f[7].iov_base, "CURVE", 5) != 0 ||
	    f[8].iov_len != 32)
		return NULL;
	for (size_t i = 0; i < FUZZ_KEYS; i++)
		if (!fuzz_keys[i].revoked && memcmp(f[8].iov_base, fz.public_keys[i], 32) == 0)
			return fuzz_keys[i].name;
	return NULL;
}

/* The frames of the one reply waiting on the DEALER, into v (sizes in len); -1 if none. */
static int
zap_recv(char v[8][256], size_t len[8])
{
	int n = 0;

	for (;;) {
		int more = 0;
		size_t sz = sizeof(more);
		int r = zmq_recv(fz.dealer, n < 8 ? v[n] : v[7], 255, ZMQ_DONTWAIT);

		if (r < 0) {
			CHECK(errno == EAGAIN && n == 0, "zmq_recv: %s", strerror(errno));
			return -1;
		}
		CHECK(r <= 255, "a ZAP reply frame of %d bytes", r);
		if (n < 8)
			len[n] = (size_t)r;
		n++;
		zmq_getsockopt(fz.dealer, ZMQ_RCVMORE, &more, &sz);
		if (!more)
			return n;
	}
}

/* Hands auth_zap_on_msg() frames f (n of them, as zsock.c would: at most
 * ZSOCK_MAX_FRAMES kept) and checks its answer. */
static void
zap_request(const struct iovec *f, size_t n)
{
	bool valid = n >= 8 && f[1].iov_len == 0 && f[2].iov_len == 3 &&
		     memcmp(f[2].iov_base, "1.0", 3) == 0;
	const char *want = valid ? zap_expect(f, n) : NULL;
	char v[8][256], v2[8][256];
	size_t len[8] = { 0 }, len2[8];
	int got;

	CHECK(auth_zap_on_msg(fz.d.zap, f, n, &fz.d) == 0, "auth_zap_on_msg() failed");
	got = zap_recv(v, len);
	if (!valid) {
		CHECK(got < 0, "a malformed ZAP request (%zu frames) was answered", n);
		return;
	}
	CHECK(got == 7, "a ZAP request got a reply of %d frames", got);
	CHECK(zap_recv(v2, len2) < 0, "a ZAP request was answered twice");
	if (fz.trace)
		fprintf(stderr, "  %.*s %.*s %.*s\n", (int)len[3], v[3], (int)len[4], v[4],
			(int)len[5], v[5]);
	CHECK(len[0] == 0 && len[1] == 3 && memcmp(v[1], "1.0", 3) == 0,
	      "a ZAP reply that is not ZAP 1.0");
	CHECK(len[2] == f[3].iov_len && memcmp(v[2], f[3].iov_base, len[2]) == 0,
	      "a ZAP reply with another request id");
	CHECK(len[3] == 3 && memcmp(v[3], want ? "200" : "400", 3) == 0,
	      "ZAP answered %.*s, expected %s (%s)", (int)len[3], v[3], want ? "200" : "400",
	      want ? want : "no key");
	CHECK(len[4] > 0, "a ZAP reply without a status text");
	CHECK(len[5] == (want ? strlen(want) : 0) && (!want || memcmp(v[5], want, len[5]) == 0),
	      "ZAP's User-Id is '%.*s', expected '%s'", (int)len[5], v[5], want ? want : "");
	CHECK(len[6] == 0, "a ZAP reply with metadata");
}

static void
op_zap(struct input *in, uint8_t op)
{
	static const size_t counts[4] = { 9, 8, 9, 0 };
	uint8_t shape = next_byte(in), kb = next_byte(in), key[40], raw[256], mech[256];
	char domain[80 + sizeof(AUTH_IPC_DOMAIN)], reqid[4], dtext[100], mtext[10];
	struct iovec f[ZSOCK_MAX_FRAMES];
	size_t n = counts[shape & 3], dlen = 0, mlen, klen;

	if (n == 0)
		n = next_byte(in) % 13;
	snprintf(reqid, sizeof(reqid), "%u", fz.op % 1000);
	switch ((shape >> 4) & 3) {
	case 0:
		dlen = (size_t)snprintf(domain, sizeof(domain), "lanu");
		break;
	case 1: {
		char name[80];
		size_t nlen;

		dlen = (size_t)snprintf(domain, sizeof(domain), "%s", AUTH_IPC_DOMAIN);
		name_of(next_byte(in), name, &nlen);
		memcpy(domain + dlen, name, nlen);
		dlen += nlen;
		break;
	}
	case 2:
		dlen = (size_t)snprintf(domain, sizeof(domain), "%s", AUTH_IPC_DOMAIN);
		for (size_t i = next_byte(in) % 72; i > 0; i--)
			domain[dlen++] = (char)next_byte(in);
		break;
	default: {
		static const char *const junk[4] = { "", "lanu-ipc:", "lanu-ipc", "LANU" };

		dlen = (size_t)snprintf(domain, sizeof(domain), "%s", junk[(op >> 3) & 3]);
		break;
	}
	}
	switch (shape >> 6) {
	case 0:
		mlen = 5;
		memcpy(mech, "CURVE", 5);
		break;
	case 1:
		mlen = 4;
		memcpy(mech, "NULL", 4);
		break;
	case 2:
		mlen = 5;
		memcpy(mech, "PLAIN", 5);
		break;
	default:
		mlen = next_byte(in) % 8;
		for (size_t i = 0; i < mlen; i++)
			mech[i] = next_byte(in);
		break;
	}
	if ((kb & 7) < FUZZ_KEYS)
		memcpy(key, fz.public_keys[kb & 7], 32);
	else
		for (size_t i = 0; i < 32; i++)
			key[i] = next_byte(in);
	key[32] = 0x17;
	klen = ((const size_t[]){ 32, 31, 33, 0 })[(kb >> 3) & 3];
	memset(raw, 0, sizeof(raw));
	f[0] = (struct iovec){ (void *)dealer_id, sizeof(dealer_id) - 1 };
	f[1] = shape & 4 ? (struct iovec){ (void *)"x", 1 } : (struct iovec){ raw, 0 };
	f[2] = shape & 8 ? (struct iovec){ (void *)"1.1", 3 } : (struct iovec){ (void *)"1.0", 3 };
	f[3] = (struct iovec){ reqid, strlen(reqid) };
	f[4] = (struct iovec){ domain, dlen };
	f[5] = kb & 32 ? (struct iovec){ (void *)"10.0.0.\001\377", 9 }
		       : (struct iovec){ (void *)"127.0.0.1", 9 };
	f[6] = (struct iovec){ raw, 0 };
	f[7] = (struct iovec){ mech, mlen };
	f[8] = (struct iovec){ key, klen };
	f[9] = (struct iovec){ raw, 1 };
	fuzz_note("ZAP of %zu frames, domain '%s', mechanism '%s', key %u/%zu", n,
		  printable(domain, dlen, dtext), printable(mech, mlen, mtext), kb & 7, klen);
	/* below the frames a request must have, zsock.c hands what there is */
	zap_request(f, n);
}

/* Every enrolled key's ZAP, as CurveZMQ and as an ipc:// endpoint. */
static void
zap_all(void)
{
	uint8_t none = 0;

	for (size_t i = 0; i < FUZZ_KEYS; i++) {
		char domain[80];
		struct iovec f[9] = {
			{ (void *)dealer_id, sizeof(dealer_id) - 1 },
			{ &none, 0 },
			{ (void *)"1.0", 3 },
			{ (void *)"1", 1 },
			{ (void *)"lanu", 4 },
			{ (void *)"127.0.0.1", 9 },
			{ &none, 0 },
			{ (void *)"CURVE", 5 },
			{ fz.public_keys[i], 32 },
		};

		fuzz_note("ZAP of key '%s'", fuzz_keys[i].name);
		zap_request(f, 9);
		f[4] = (struct iovec){ domain, (size_t)snprintf(domain, sizeof(domain), "%s%s",
							       AUTH_IPC_DOMAIN,
							       fuzz_keys[i].name) };
		f[7] = (struct iovec){ (void *)"NULL", 4 };
		zap_request(f, 8);
	}
}

/* --- requests ---------------------------------------------------------------------------- */

static const char *
peer_of(uint8_t b)
{
	return fuzz_peers[b & 15];
}

static void
op_decoded(struct input *in)
{
	const char *peer = peer_of(next_byte(in));
	uint8_t buf[256];
	size_t len = next_byte(in);
	Lanu__V1__Request *req;
	struct msg_error e;

	for (size_t i = 0; i < len; i++)
		buf[i] = next_byte(in);
	fuzz_note("a %zu byte request from '%s'", len, peer);
	if (msg_decode_request(buf, len, &req, &e) < 0) {
		if (fz.trace)
			fprintf(stderr, "  does not decode: %s: %s\n", e.field, e.reason);
		return;
	}
	check_request(peer, req);
	msg_free_request(req);
}

static void
op_event(struct input *in)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__ServiceRequested sr = LANU__V1__SERVICE_REQUESTED__INIT;
	Lanu__V1__ServiceProvided sp = LANU__V1__SERVICE_PROVIDED__INIT;
	Lanu__V1__CaseCancelled cc = LANU__V1__CASE_CANCELLED__INIT;
	Lanu__V1__DeadlineMissed dm = LANU__V1__DEADLINE_MISSED__INIT;
	Lanu__V1__IndicatorUpdated iu = LANU__V1__INDICATOR_UPDATED__INIT;
	Lanu__V1__AbsenceAlertRaised aar = LANU__V1__ABSENCE_ALERT_RAISED__INIT;
	Lanu__V1__MeasureStatusUpdated msu = LANU__V1__MEASURE_STATUS_UPDATED__INIT;
	Lanu__V1__AlertAcknowledged aa = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	Lanu__V1__ServicePostponed spp = LANU__V1__SERVICE_POSTPONED__INIT;
	Lanu__V1__AbsenceCountsReported acr = LANU__V1__ABSENCE_COUNTS_REPORTED__INIT;
	Lanu__V1__DropOutReported dor = LANU__V1__DROP_OUT_REPORTED__INIT;
	Lanu__V1__DeliveryFailed df = LANU__V1__DELIVERY_FAILED__INIT;
	const char *peer = peer_of(next_byte(in));
	uint8_t kind = next_byte(in);
	char *area = (char *)fuzz_areas[next_byte(in) & 7];

	ev.event_id = (char *)"e1";
	ev.producer = (char *)fuzz_peers[(kind >> 4) & 15];
	switch (kind & 15) {
	case 0:
		sr.area = area;
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
		ev.service_requested = &sr;
		break;
	case 1:
		sp.area = area;
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED;
		ev.service_provided = &sp;
		break;
	case 2:
		cc.area = area;
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED;
		ev.case_cancelled = &cc;
		break;
	case 3:
		dm.area = area;
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED;
		ev.deadline_missed = &dm;
		break;
	case 4:
		iu.area = area;
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED;
		ev.indicator_updated = &iu;
		break;
	case 5:
		aar.school = area;
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED;
		ev.absence_alert_raised = &aar;
		break;
	case 6:
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED;
		ev.measure_status_updated = &msu;
		break;
	case 7:
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED;
		ev.service_postponed = &spp;
		break;
	case 8:
		acr.school = area;
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED;
		ev.absence_counts_reported = &acr;
		break;
	case 9:
		dor.home_area = area;
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DROP_OUT_REPORTED;
		ev.drop_out_reported = &dor;
		break;
	case 10:
		df.recipient = (char *)fuzz_recipients[next_byte(in) & 3];
		df.channel = (char *)"webhook";
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED;
		ev.delivery_failed = &df;
		break;
	default: {
		uint8_t b = next_byte(in);

		aa.by = (char *)fuzz_peers[b & 7];
		aa.alert_id = (char *)fuzz_alert_ids[(b >> 3) & 3];
		ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
		ev.alert_acknowledged = &aa;
		break;
	}
	}
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	fuzz_note("event %d from '%s' as '%s', area '%s'", (int)ev.payload_case, peer,
		  ev.producer, area);
	check_request(peer, &req);
}

static void
op_query(struct input *in)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__StatusQuery st = LANU__V1__STATUS_QUERY__INIT;
	Lanu__V1__AlertQuery aq = LANU__V1__ALERT_QUERY__INIT;
	Lanu__V1__OpenAlertsQuery oq = LANU__V1__OPEN_ALERTS_QUERY__INIT;
	Lanu__V1__ReplayQuery rq = LANU__V1__REPLAY_QUERY__INIT;
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;
	Lanu__V1__PlanLoad pl = LANU__V1__PLAN_LOAD__INIT;
	Lanu__V1__PlanQuery pq = LANU__V1__PLAN_QUERY__INIT;
	Lanu__V1__PlanHistoryQuery hq = LANU__V1__PLAN_HISTORY_QUERY__INIT;
	Lanu__V1__DueQuery dq = LANU__V1__DUE_QUERY__INIT;
	Lanu__V1__ComplianceQuery cq = LANU__V1__COMPLIANCE_QUERY__INIT;
	Lanu__V1__AbsenceQuery abq = LANU__V1__ABSENCE_QUERY__INIT;
	const char *peer = peer_of(next_byte(in));
	uint8_t body = next_byte(in), b = next_byte(in);
	char *rcpts[3] = { (char *)fuzz_recipients[(b >> 2) & 3],
			   (char *)fuzz_recipients[(b >> 4) & 3], (char *)fuzz_recipients[b >> 6] };
	size_t n_rcpts = b & 3;

	switch (body % 11) {
	case 0:
		req.body_case = LANU__V1__REQUEST__BODY_STATUS;
		req.status = &st;
		break;
	case 1:
		aq.alert_id = (char *)fuzz_alert_ids[b & 3];
		req.body_case = LANU__V1__REQUEST__BODY_ALERT;
		req.alert = &aq;
		break;
	case 2:
		oq.recipients = rcpts;
		oq.n_recipients = n_rcpts;
		req.body_case = LANU__V1__REQUEST__BODY_OPEN_ALERTS;
		req.open_alerts = &oq;
		break;
	case 3:
		rq.recipients = rcpts;
		rq.n_recipients = n_rcpts;
		req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
		req.replay = &rq;
		break;
	case 4:
		req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
		req.clock_set = &cs;
		break;
	case 5:
		pl.dry_run = b & 1;
		req.body_case = LANU__V1__REQUEST__BODY_PLAN_LOAD;
		req.plan_load = &pl;
		break;
	case 6:
		req.body_case = LANU__V1__REQUEST__BODY_PLAN;
		req.plan = &pq;
		break;
	case 7:
		req.body_case = LANU__V1__REQUEST__BODY_PLAN_HISTORY;
		req.plan_history = &hq;
		break;
	case 8:
		dq.area = (char *)fuzz_areas[b & 7];
		req.body_case = LANU__V1__REQUEST__BODY_DUE;
		req.due = &dq;
		break;
	case 9:
		req.body_case = LANU__V1__REQUEST__BODY_COMPLIANCE;
		req.compliance = &cq;
		break;
	default:
		abq.area = (char *)fuzz_areas[b & 7];
		req.body_case = LANU__V1__REQUEST__BODY_ABSENCES;
		req.absences = &abq;
		break;
	}
	fuzz_note("request %d (%u) from '%s'", (int)req.body_case, b, peer);
	check_request(peer, &req);
}

/* --- subscriptions ----------------------------------------------------------------------- */

/* What auth_sub_on_msg() must subscribe for an on-subscription to topic (len bytes). */
static bool
sub_allowed(const char *peer, const uint8_t *topic, size_t len)
{
	const struct fuzz_key *k = peer ? peer_key(peer) : NULL;
	const char *rcpt = NULL;

	if (peer && !k)
		return false;
	if (len == 0)
		return k && k->role == KEYS_ADMIN;
	for (size_t i = 0; i < 3; i++)
		if (len == strlen(fuzz_recipients[i]) + 1 && topic[len - 1] == LANU_TOPIC_TERM &&
		    memcmp(topic, fuzz_recipients[i], len - 1) == 0)
			rcpt = fuzz_recipients[i];
	if (!rcpt)
		return false;
	return !k || k->role == KEYS_ADMIN ||
	       (k->role != KEYS_PRODUCER && bound_to(k->recipient, rcpt));
}

static void
op_subscribe(struct input *in)
{
	uint8_t pb = next_byte(in), tb = next_byte(in), frame[PUB_SUB_MAX];
	const char *peer = pb & 16 ? NULL : peer_of(pb);
	struct iovec f[2];
	size_t len = 1, n = tb & 64 ? 2 : 1;
	bool is_sub, want;

	frame[0] = tb & 16 ? (uint8_t)(2 + (tb >> 7)) : !(tb & 1);
	switch ((tb >> 1) & 7) {
	case 0:
	case 1:
		len += (size_t)snprintf((char *)frame + 1, sizeof(frame) - 1, "%s",
					fuzz_recipients[(tb >> 1) & 1 ? 1 + (tb >> 7) : 0]) + 1;
		break;
	case 2:
		break;
	case 3:
		len += (size_t)snprintf((char *)frame + 1, sizeof(frame) - 1, "%s",
					fuzz_recipients[1 + (tb >> 7)]);
		break;
	case 4:
		len += (size_t)snprintf((char *)frame + 1, sizeof(frame) - 1, "%s",
					tb >> 7 ? "nobody" : "town") + 1;
		break;
	default:
		for (size_t i = next_byte(in) % 80; i > 0; i--)
			frame[len++] = next_byte(in);
		break;
	}
	if (tb & 32)
		len = 0;
	f[0] = (struct iovec){ frame, len };
	f[1] = (struct iovec){ frame, 0 };
	is_sub = n == 1 && len >= 1 && frame[0] <= 1;
	want = is_sub && (frame[0] == 0 || sub_allowed(peer, frame + 1, len - 1));
	fuzz_note("subscription message of %zu frames, %zu bytes, from '%s'", n, len,
		  peer ? peer : "(ipc)");
	fz.peer = peer;
	fz.n_subscribed = 0;
	CHECK(auth_sub_on_msg(fz.xpub, f, n, &fz.d) == 0, "auth_sub_on_msg() failed");
	fz.peer = NULL;
	if (fz.trace)
		fprintf(stderr, "  %s\n", fz.n_subscribed ? "subscribed" : "not subscribed");
	CHECK(fz.n_subscribed == (want ? 1 : 0), "%s %zu subscription%s, expected %d",
	      frame[0] ? "made" : "unsubscribing made", fz.n_subscribed,
	      fz.n_subscribed == 1 ? "" : "s", want ? 1 : 0);
	if (want)
		CHECK(fz.sub_on == (frame[0] == 1) && fz.sub_len == len - 1 &&
			      memcmp(fz.sub_topic, frame + 1, len - 1) == 0,
		      "subscribed another topic than sent");
}

/* --- set-up ------------------------------------------------------------------------------ */

static void
fuzz_rmdir(const char *dir)
{
	char path[400];

	if (!*dir)
		return;
	for (size_t i = 0; i < FUZZ_KEYS; i++) {
		snprintf(path, sizeof(path), "%s/%s.key", dir, fuzz_keys[i].name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/broken.key", dir);
	unlink(path);
	rmdir(dir);
}

static void
fuzz_teardown(void)
{
	if (!fz.ready)
		return;
	if (fz.dealer)
		zmq_close(fz.dealer);
	fz.xpub = zsock_free(fz.xpub);
	fz.d.zap = zsock_free(fz.d.zap);
	zsock_ctx_free(fz.d.zctx);
	fz.d.auth = auth_free(fz.d.auth);
	fz.d.index = plan_index_free(fz.d.index);
	fz.d.plan = plan_free(fz.d.plan);
	fz.d.store = store_free(fz.d.store);
	event_base_free(fz.d.base);
	fuzz_rmdir(fz.keys_dir);
	fz.ready = false;
}

static void
fuzz_write_keys(void)
{
	char path[400];
	FILE *f;

	for (size_t i = 0; i < FUZZ_KEYS; i++) {
		const struct fuzz_key *fk = &fuzz_keys[i];
		char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1];
		char *areas[1] = { (char *)fk->area }, *events[1] = { (char *)fk->event };
		char *rcpts[1] = { (char *)fk->recipient };
		struct keys_entry e = {
			.role = fk->role, .areas = areas, .n_areas = fk->area ? 1 : 0,
			.events = events, .n_events = fk->event ? 1 : 0, .recipients = rcpts,
			.n_recipients = fk->recipient ? 1 : 0,
			.revoked_ms = fk->revoked ? 1764000000000ULL : 0,
		};

		CHECK(keys_new_pair(pub, sec) == 0, "keys_new_pair: %s", strerror(errno));
		CHECK(zmq_z85_decode(e.public_key, pub), "a public key that is not Z85");
		memcpy(fz.public_keys[i], e.public_key, 32);
		snprintf(e.name, sizeof(e.name), "%s", fk->name);
		snprintf(path, sizeof(path), "%s/%s.key", fz.keys_dir, fk->name);
		CHECK(keys_write(path, &e, "fuzz_auth's") == 0, "cannot write %s", path);
	}
	snprintf(path, sizeof(path), "%s/broken.key", fz.keys_dir);
	f = fopen(path, "w");
	CHECK(f && fputs("name broken\nrole nobody\n", f) >= 0 && fclose(f) == 0,
	      "cannot write %s", path);
}

/* The store with three alerts, one to each of the plan's recipients. */
static void
fuzz_store(void)
{
	static const char *const files[] = { "data.mdb", "lock.mdb", "lanud.lock" };
	struct store_txn t;
	char path[400];
	int rc;

	rc = store_open(fz.store_dir, FUZZ_MAP, FUZZ_MAP, &fz.d.store);
	CHECK(rc == 0, "cannot open a store in %s: %s", fz.store_dir, strerror(-rc));
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", fz.store_dir, files[i]);
		unlink(path);
	}
	rmdir(fz.store_dir);
	store_begin(fz.d.store, &t, STORE_RW);
	for (size_t i = 0; i < 3; i++) {
		Lanu__V1__Alert a = LANU__V1__ALERT__INIT;
		char *rcpt = (char *)fuzz_alert_to[i];
		uint64_t prev = 0;
		struct store_packed packed;

		a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED;
		a.subject = (char *)"case:c0";
		a.recipients = &rcpt;
		a.n_recipients = 1;
		a.raised_at_ms = 1759302000000ULL;
		store_append_alert(&t, &a, fz.alert_ids[i], &prev, &packed);
	}
	rc = store_commit(&t);
	CHECK(rc == 0, "cannot store the alerts: %s", strerror(-rc));
	for (size_t i = 0; i < 3; i++)
		CHECK(strcmp(fz.alert_ids[i], fuzz_alert_ids[i]) == 0, "alert %zu is '%s'", i + 1,
		      fz.alert_ids[i]);
}

static void
fuzz_setup(void)
{
	const char *base = getenv("TMPDIR");
	struct iovec hello[2] = { { (void *)dealer_id, sizeof(dealer_id) - 1 },
				  { (void *)"hello", 5 } };
	struct plan_errors errs = { 0 };
	char zap_ep[64];
	uint8_t buf[64];
	int rc, i, zero = 0;

	log_set_level(LOG_CRIT);	/* refusals are logged as warnings: no news here */
	fz.trace = getenv("LANU_FUZZ_TRACE") != NULL;
	if (access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	else if (!base || !*base)
		base = "/tmp";
	snprintf(fz.keys_dir, sizeof(fz.keys_dir), "%s/fuzz_auth_keys.XXXXXX", base);
	snprintf(fz.store_dir, sizeof(fz.store_dir), "%s/fuzz_auth_store.XXXXXX", base);
	CHECK(mkdtemp(fz.keys_dir) && mkdtemp(fz.store_dir), "cannot make a directory in %s: %s",
	      base, strerror(errno));
	fz.d.base = event_base_new();
	CHECK(fz.d.base, "cannot create the event base");
	fz.ready = true;
	atexit(fuzz_teardown);
	fuzz_write_keys();
	fuzz_store();
	rc = plan_parse("fuzz-auth.yaml", plan_text, sizeof(plan_text) - 1, &fz.d.plan, &errs);
	plan_errors_free(&errs);
	if (rc == 0)
		rc = plan_index_new(fz.d.plan, &fz.d.index);
	CHECK(rc == 0, "the plan does not compile: %s", strerror(-rc));
	CHECK(auth_new(fz.keys_dir, &fz.d.auth) == 0, "auth_new: out of memory");
	fz.d.zctx = zsock_ctx_new();
	CHECK(fz.d.zctx, "zsock_ctx_new: %s", strerror(errno));
	snprintf(zap_ep, sizeof(zap_ep), "inproc://fuzz-zap-%d", (int)getpid());
	rc = zsock_open(&fz.d.zap, fz.d.zctx, fz.d.base, ZSOCK_ROUTER, auth_zap_on_msg, &fz.d);
	if (rc == 0)
		rc = zsock_bind(fz.d.zap, zap_ep);
	if (rc == 0)
		rc = zsock_open(&fz.xpub, fz.d.zctx, fz.d.base, ZSOCK_XPUB, auth_sub_on_msg, &fz.d);
	CHECK(rc == 0, "cannot open the sockets: %s", strerror(-rc));
	fz.dealer = zmq_socket(fz.d.zctx, ZMQ_DEALER);
	CHECK(fz.dealer, "zmq_socket: %s", strerror(errno));
	zmq_setsockopt(fz.dealer, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(fz.dealer, ZMQ_RCVHWM, &zero, sizeof(zero));
	zmq_setsockopt(fz.dealer, ZMQ_ROUTING_ID, dealer_id, sizeof(dealer_id) - 1);
	CHECK(zmq_connect(fz.dealer, zap_ep) == 0, "zmq_connect: %s", strerror(errno));
	/* The ROUTER knows the DEALER's routing id only once it has attached it. */
	for (i = 0; i < 2000; i++) {
		zsock_send(fz.d.zap, hello, 2);
		if (zmq_recv(fz.dealer, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
			break;
		usleep(1000);
	}
	CHECK(i < 2000, "the DEALER socket hears nothing");
	usleep(10000);
	while (zmq_recv(fz.dealer, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
		;
	snprintf(fz.what, sizeof(fz.what), "set-up");
	zap_all();	/* every enrolled peer known to auth_check() */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };

	if (!fz.ready)
		fuzz_setup();
	for (fz.op = 1; in.i < in.n && fz.op <= FUZZ_OPS; fz.op++) {
		uint8_t op = next_byte(&in);

		switch (op & 7) {
		case 0:
		case 1:
			op_zap(&in, op);
			break;
		case 2:
			op_decoded(&in);
			break;
		case 3:
		case 7:
			op_event(&in);
			break;
		case 4:
			op_query(&in);
			break;
		default:
			op_subscribe(&in);
			break;
		}
	}
	return 0;
}
