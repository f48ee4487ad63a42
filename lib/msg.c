/*
 * msg: every request frame is unpacked and validated here before any handler sees
 * it (rule 15). Validation is generic over protobuf-c descriptors (string lengths,
 * enum values, finite numbers, nesting) plus a table of per-message rules: which
 * fields are identifiers (short, printable, no blanks) and which are required. No
 * string anywhere may hold a Finnish personal identity code (hetu.h).
 * protobuf-c copies everything it unpacks, so nothing points into the ZeroMQ frame.
 */
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hetu.h"
#include "instant.h"
#include "lanu/limits.h"
#include "lanu/macro.h"
#include "pb.h"

enum { MSG_ID = 1, MSG_REQUIRED = 2, MSG_NAME = 4 };

/* Per-message field rules; fields not listed are optional free text (bounded). */
static const struct msg_rule {
	const ProtobufCMessageDescriptor *desc;
	const char *field;
	unsigned flags;
} msg_rules[] = {
	{ &lanu__v1__envelope__descriptor, "event_id", MSG_ID | MSG_REQUIRED },
	{ &lanu__v1__envelope__descriptor, "producer", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__envelope__descriptor, "occurred_at_ms", MSG_REQUIRED },
	{ &lanu__v1__service_requested__descriptor, "case_id", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__service_requested__descriptor, "service", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__service_requested__descriptor, "area", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__service_requested__descriptor, "urgency", MSG_REQUIRED },
	{ &lanu__v1__service_requested__descriptor, "requested_at_ms", MSG_REQUIRED },
	{ &lanu__v1__service_requested__descriptor, "stage", MSG_NAME },
	{ &lanu__v1__service_requested__descriptor, "language_group", MSG_NAME },
	{ &lanu__v1__service_requested__descriptor, "age_group", MSG_NAME },
	{ &lanu__v1__service_provided__descriptor, "case_id", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__service_provided__descriptor, "service", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__service_provided__descriptor, "area", MSG_NAME },
	{ &lanu__v1__service_provided__descriptor, "stage", MSG_NAME },
	{ &lanu__v1__service_provided__descriptor, "provided_at_ms", MSG_REQUIRED },
	{ &lanu__v1__case_cancelled__descriptor, "case_id", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__case_cancelled__descriptor, "service", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__case_cancelled__descriptor, "area", MSG_NAME },
	{ &lanu__v1__case_cancelled__descriptor, "stage", MSG_NAME },
	{ &lanu__v1__case_cancelled__descriptor, "reason", MSG_REQUIRED },
	{ &lanu__v1__deadline_missed__descriptor, "case_id", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__deadline_missed__descriptor, "service", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__deadline_missed__descriptor, "area", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__deadline_missed__descriptor, "stage", MSG_NAME },
	{ &lanu__v1__indicator_updated__descriptor, "indicator", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__indicator_updated__descriptor, "area", MSG_NAME },
	{ &lanu__v1__indicator_updated__descriptor, "period", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__indicator_updated__breakdown_entry__descriptor, "key", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__indicator_updated__breakdown_entry__descriptor, "value", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__absence_alert_raised__descriptor, "pupil_id", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__absence_alert_raised__descriptor, "school", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__absence_alert_raised__descriptor, "level", MSG_REQUIRED },
	{ &lanu__v1__absence_alert_raised__descriptor, "term", MSG_NAME },
	{ &lanu__v1__absence_counts_reported__descriptor, "pupil_id", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__absence_counts_reported__descriptor, "school", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__absence_counts_reported__descriptor, "grade", MSG_REQUIRED },
	{ &lanu__v1__absence_counts_reported__descriptor, "period", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__absence_counts_reported__descriptor, "as_of", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__drop_out_reported__descriptor, "pupil_id", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__drop_out_reported__descriptor, "provider", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__drop_out_reported__descriptor, "home_area", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__drop_out_reported__descriptor, "age_group", MSG_REQUIRED },
	{ &lanu__v1__drop_out_reported__descriptor, "reason", MSG_REQUIRED },
	{ &lanu__v1__drop_out_reported__descriptor, "day", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__delivery_failed__descriptor, "recipient", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__delivery_failed__descriptor, "channel", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__delivery_failed__descriptor, "failing_since_ms", MSG_REQUIRED },
	{ &lanu__v1__measure_status_updated__descriptor, "measure", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__measure_status_updated__descriptor, "status", MSG_REQUIRED },
	{ &lanu__v1__service_postponed__descriptor, "case_id", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__service_postponed__descriptor, "service", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__service_postponed__descriptor, "stage", MSG_NAME },
	{ &lanu__v1__service_postponed__descriptor, "reason", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__alert_acknowledged__descriptor, "alert_id", MSG_ID | MSG_REQUIRED },
	{ &lanu__v1__alert_acknowledged__descriptor, "by", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__open_alerts_query__descriptor, "recipients", MSG_NAME },
	{ &lanu__v1__replay_query__descriptor, "recipients", MSG_NAME },	/* query.c */
	{ &lanu__v1__alert_query__descriptor, "alert_id", MSG_ID | MSG_REQUIRED },
	{ &lanu__v1__clock_set__descriptor, "now_ms", MSG_REQUIRED },
	{ &lanu__v1__due_query__descriptor, "area", MSG_NAME },
	{ &lanu__v1__due_query__descriptor, "service", MSG_NAME },
	{ &lanu__v1__case_query__descriptor, "case_id", MSG_NAME | MSG_REQUIRED },
	{ &lanu__v1__case_query__descriptor, "service", MSG_NAME },
	{ &lanu__v1__compliance_query__descriptor, "service", MSG_NAME },	/* but thl: compliance.c */
	{ &lanu__v1__compliance_query__descriptor, "by", MSG_NAME },
	{ &lanu__v1__absence_query__descriptor, "period", MSG_NAME },
	{ &lanu__v1__absence_query__descriptor, "by", MSG_NAME },
	{ &lanu__v1__absence_query__descriptor, "area", MSG_NAME },
	{ &lanu__v1__absence_query__descriptor, "ladder", MSG_NAME },
	{ &lanu__v1__absence_query__descriptor, "pupil_id", MSG_NAME },
	{ &lanu__v1__plan_load__descriptor, "content", MSG_REQUIRED },
	{ &lanu__v1__plan_load__descriptor, "loaded_by", MSG_NAME },
	{ &lanu__v1__audit_query__descriptor, "who", MSG_NAME },
};

/* Where a value sits, as a chain from the field up to the root, formatted only when
 * a check fails: validation stays free of string work on the hot path. */
struct msg_path {
	const struct msg_path *up;
	const char *name;	/* NULL: the root, named by root */
	const char *root;
	size_t index;		/* element of a repeated field, or SIZE_MAX */
};

static size_t
msg_path_format(const struct msg_path *p, char *buf, size_t len)
{
	size_t n = 0;
	int w;

	if (!p->name)
		return (size_t)snprintf(buf, len, "%s", p->root);
	n = msg_path_format(p->up, buf, len);
	if (n >= len)
		return n;
	w = snprintf(buf + n, len - n, "%s%s", n ? "." : "", p->name);
	n += w > 0 ? (size_t)w : 0;
	if (p->index != SIZE_MAX && n < len) {
		w = snprintf(buf + n, len - n, "[%zu]", p->index);
		n += w > 0 ? (size_t)w : 0;
	}
	return n;
}

static int _printf_(3, 4)
msg_fail(struct msg_error *e, const struct msg_path *p, const char *fmt, ...)
{
	va_list ap;

	msg_path_format(p, e->field, sizeof(e->field));
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

uint64_t
msg_peek_corr_id(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v = 0;

	if (len < 2 || p[0] != 0x08)	/* field 1, varint */
		return 0;
	for (size_t i = 1; i < len && i <= 10; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * (i - 1));
		if (!(p[i] & 0x80))
			return v;
	}
	return 0;
}

static bool
msg_valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n;
		uint32_t cp;

		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xe0) == 0xc0) {
			n = 1, cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2, cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3, cp = *p & 0x07;
		} else {
			return false;
		}
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and out-of-range code points. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		p += n + 1;
	}
	return true;
}

/* Pseudonymous ids: [A-Za-z0-9._:-]; event and alert ids also allow '/', '+', '='. */
static bool
msg_valid_id(const char *s, bool wide)
{
	for (; *s; s++) {
		char ch = *s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("._:-", ch) || (wide && strchr("/+=", ch)))
			continue;
		return false;
	}
	return true;
}

void
msg_errorf(struct msg_error *e, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	snprintf(e->field, sizeof(e->field), "%s", field);
}

/* The rules by field descriptor, resolved from the names once: the lookup for
 * every field of every request is then a scan of pointers, not of strings. */
static unsigned
msg_flags(const ProtobufCFieldDescriptor *f)
{
	static const ProtobufCFieldDescriptor *fields[ELEMENTSOF(msg_rules)];
	static bool resolved;

	if (!resolved) {
		for (size_t i = 0; i < ELEMENTSOF(msg_rules); i++)
			fields[i] = protobuf_c_message_descriptor_get_field_by_name(
				msg_rules[i].desc, msg_rules[i].field);
		resolved = true;
	}
	for (size_t i = 0; i < ELEMENTSOF(msg_rules); i++)
		if (fields[i] == f)
			return msg_rules[i].flags;
	return 0;
}

/* Is the (non-repeated) field f of m set to something other than its default? */
static bool
msg_is_set(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *member = (const char *)m + f->offset;

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)((const char *)m + f->quantifier_offset) == f->id;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)member;
		return s && *s;
	}
	case PROTOBUF_C_TYPE_MESSAGE: return *(void *const *)member != NULL;
	case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)member)->len > 0;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: return *(const uint64_t *)member != 0;
	case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)member != 0;
	case PROTOBUF_C_TYPE_FLOAT: return *(const float *)member != 0;
	case PROTOBUF_C_TYPE_BOOL: return *(const protobuf_c_boolean *)member;
	default: return *(const uint32_t *)member != 0;
	}
}

/* Checks one value of field f (element i of a repeated field, or the field). */
static int msg_validate_at(const ProtobufCMessage *m, const struct msg_path *path,
			   struct msg_error *e);

static int
msg_check_value(const ProtobufCFieldDescriptor *f, const void *member, unsigned flags,
		const struct msg_path *path, struct msg_error *e)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)member;
		size_t n = s ? strlen(s) : 0;
		size_t max = flags & MSG_ID ? LANU_MAX_ID : flags & MSG_NAME ? LANU_MAX_NAME
									 : LANU_MAX_TEXT;
		size_t at;

		if (!s)
			return 0;
		if (n > max)
			return msg_fail(e, path, "is %zu bytes (max %zu)", n, max);
		/* never stored, never said back: where it is, not what */
		if (hetu_find_token(s, n, &at))
			return msg_fail(e, path, "holds what looks like a Finnish personal "
					"identity code (at byte %zu): lanu takes pseudonyms only", at);
		if ((flags & (MSG_ID | MSG_NAME)) && !msg_valid_id(s, flags & MSG_ID))
			return msg_fail(e, path, "is not a pseudonymous id (%s only: no spaces, "
					"no names)", flags & MSG_ID ? "[A-Za-z0-9._:/+=-]"
								    : "[A-Za-z0-9._:-]");
		if (!msg_valid_utf8(s))
			return msg_fail(e, path, "is not valid UTF-8");
		return 0;
	}
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)member;

		if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v))
			return msg_fail(e, path, "has unknown enum value %d", v);
		return 0;
	}
	case PROTOBUF_C_TYPE_DOUBLE:
		if (!isfinite(*(const double *)member))
			return msg_fail(e, path, "is not a finite number");
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
		if (!isfinite(*(const float *)member))
			return msg_fail(e, path, "is not a finite number");
		return 0;
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)member;

		return sub ? msg_validate_at(sub, path, e) : 0;
	}
	default:
		return 0;
	}
}

/* The oneofs that must be set. An unknown member (a newer producer's event type)
 * leaves the case at 0, so it is refused here too. */
static int
msg_check_oneof(const ProtobufCMessage *m, const struct msg_path *path, struct msg_error *e)
{
	struct msg_path sub = { path, NULL, NULL, SIZE_MAX };

	if (m->descriptor == &lanu__v1__envelope__descriptor &&
	    ((const Lanu__V1__Envelope *)m)->payload_case == LANU__V1__ENVELOPE__PAYLOAD__NOT_SET) {
		sub.name = "payload";
		return msg_fail(e, &sub, "is missing or of an unknown event type");
	}
	if (m->descriptor == &lanu__v1__request__descriptor &&
	    ((const Lanu__V1__Request *)m)->body_case == LANU__V1__REQUEST__BODY__NOT_SET) {
		sub.name = "body";
		return msg_fail(e, &sub, "is missing or of an unknown request type");
	}
	return 0;
}

static int
msg_validate_at(const ProtobufCMessage *m, const struct msg_path *path, struct msg_error *e)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	int r = msg_check_oneof(m, path, e);

	/* What lanu does not understand, it does not store (nor pass on). */
	if (r == 0 && m->n_unknown_fields > 0)
		return msg_fail(e, path, "has field number %u, unknown to lanu.v1",
				m->unknown_fields[0].tag);

	for (unsigned i = 0; r == 0 && i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *member = (const char *)m + f->offset;
		struct msg_path sub = { path, f->name, NULL, SIZE_MAX };
		unsigned flags;

		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
			continue;
		flags = msg_flags(f);
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
			const char *arr = *(char *const *)member;

			if (n > LANU_MAX_RECIPIENTS)
				return msg_fail(e, &sub, "has %zu elements (max %d)", n,
						LANU_MAX_RECIPIENTS);
			if ((flags & MSG_REQUIRED) && n == 0)
				return msg_fail(e, &sub, "needs at least one element");
			for (size_t j = 0; r == 0 && j < n; j++) {
				sub.index = j;
				r = msg_check_value(f, arr + j * pb_elt_size(f->type), flags,
						    &sub, e);
			}
			continue;
		}
		if ((flags & MSG_REQUIRED) && !msg_is_set(m, f))
			return msg_fail(e, &sub, "is required");
		r = msg_check_value(f, member, flags, &sub, e);
	}
	return r;
}

int
msg_validate(const ProtobufCMessage *m, const char *path, struct msg_error *e)
{
	const struct msg_path root = { NULL, NULL, path, SIZE_MAX };

	return msg_validate_at(m, &root, e);
}

int
msg_decode_request(const void *data, size_t len, Lanu__V1__Request **ret_req,
		   struct msg_error *e)
{
	return msg_decode_request_with(data, len, NULL, ret_req, e);
}

int
msg_decode_request_with(const void *data, size_t len, ProtobufCAllocator *alloc,
			Lanu__V1__Request **ret_req, struct msg_error *e)
{
	Lanu__V1__Request *req;
	int r;

	if (len > LANU_HARD_FRAME) {
		snprintf(e->reason, sizeof(e->reason), "frame is %zu bytes (max %d)", len,
			 LANU_HARD_FRAME);
		snprintf(e->field, sizeof(e->field), "frame");
		return -EMSGSIZE;
	}
	req = lanu__v1__request__unpack(alloc, len, data);
	/* Only a plan may be larger than an ordinary request. */
	if (len > LANU_MAX_FRAME && (!req || req->body_case != LANU__V1__REQUEST__BODY_PLAN_LOAD)) {
		msg_free_request_with(req, alloc);
		snprintf(e->reason, sizeof(e->reason), "frame is %zu bytes (max %d)", len,
			 LANU_MAX_FRAME);
		snprintf(e->field, sizeof(e->field), "frame");
		return -EMSGSIZE;
	}
	if (!req) {
		snprintf(e->reason, sizeof(e->reason),
			 "not a lanu.v1.Request (malformed or truncated protobuf)");
		snprintf(e->field, sizeof(e->field), "frame");
		return -EBADMSG;
	}
	r = msg_validate(&req->base, "", e);
	if (r < 0) {
		msg_free_request_with(req, alloc);
		return r;
	}
	*ret_req = req;
	return 0;
}

Lanu__V1__Request *
msg_free_request_with(Lanu__V1__Request *req, ProtobufCAllocator *alloc)
{
	if (req)
		lanu__v1__request__free_unpacked(req, alloc);
	return NULL;
}

Lanu__V1__Request *
msg_free_request(Lanu__V1__Request *req)
{
	return msg_free_request_with(req, NULL);
}

/* The uint64 "*_at_ms" fields of m later than limit_ms: the first fails with its path. */
static int
msg_future_in(const ProtobufCMessage *m, const struct msg_path *path, uint64_t limit_ms,
	      struct msg_error *e)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t n = strlen(f->name);
		struct msg_path sub = { path, f->name, NULL, SIZE_MAX };
		uint64_t v;

		if (f->type != PROTOBUF_C_TYPE_UINT64 || f->label == PROTOBUF_C_LABEL_REPEATED ||
		    n < 6 || strcmp(f->name + n - 6, "_at_ms") != 0 || !msg_is_set(m, f))
			continue;
		memcpy(&v, (const char *)m + f->offset, sizeof(v));
		if (v > limit_ms) {
			char when[32];

			instant_format(v, when);
			return msg_fail(e, &sub, "%s is ahead of lanud's clock by more than its "
				       "future-skew allows: fix the sender's clock or the date", when);
		}
	}
	return 0;
}

int
msg_check_future(const Lanu__V1__Envelope *ev, uint64_t limit_ms, struct msg_error *e)
{
	const struct msg_path root = { NULL, NULL, "event", SIZE_MAX };
	const ProtobufCFieldDescriptor *f;
	int r;

	r = msg_future_in(&ev->base, &root, limit_ms, e);
	if (r < 0)
		return r;
	f = protobuf_c_message_descriptor_get_field(ev->base.descriptor,
						    (unsigned)ev->payload_case);
	if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)((const char *)ev +
									   f->offset);
		struct msg_path p = { &root, f->name, NULL, SIZE_MAX };

		if (sub)
			return msg_future_in(sub, &p, limit_ms, e);
	}
	return 0;
}

void
msg_event_subject(const Lanu__V1__Envelope *ev, char *out, size_t n)
{
	const char *prefix = "case:", *id;
	int w;

	switch (ev->payload_case) {
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED:
		id = ev->service_requested->case_id;
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_PROVIDED:
		id = ev->service_provided->case_id;
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_CASE_CANCELLED:
		id = ev->case_cancelled->case_id;
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_DEADLINE_MISSED:
		id = ev->deadline_missed->case_id;
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_SERVICE_POSTPONED:
		id = ev->service_postponed->case_id;
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED:
		prefix = "pupil:";
		id = ev->absence_counts_reported->pupil_id;
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_ALERT_RAISED:
		prefix = "pupil:";
		id = ev->absence_alert_raised->pupil_id;
		break;
	case LANU__V1__ENVELOPE__PAYLOAD_DROP_OUT_REPORTED:
		prefix = "pupil:";
		id = ev->drop_out_reported->pupil_id;
		break;
	default:
		id = NULL;
		break;
	}
	w = id && *id ? snprintf(out, n, "%s%s", prefix, id) : -1;
	if (w < 0 || (size_t)w >= n)
		out[0] = '\0';
}
