/* pbjson: the proto3 JSON mapping both ways, and the exact path of every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lanu.pb-c.h"
#include "pbjson.h"

#define REQ (&lanu__v1__request__descriptor)
#define REPLY (&lanu__v1__reply__descriptor)

/* The JSON in this file is written with ' for ": returns a malloc'd copy with ". */
static char *
dq(const char *s)
{
	char *r = strdup(s);

	assert_non_null(r);
	for (char *c = r; *c; c++)
		if (*c == '\'')
			*c = '"';
	return r;
}

/* Parses text (quoted with ') as type d; returns pbjson_to_message()'s result. */
static int
parse(const char *text, const ProtobufCMessageDescriptor *d, ProtobufCMessage **ret, char *err,
      size_t errlen)
{
	char *s = dq(text);
	json_error_t je;
	json_t *j = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	int r;

	free(s);
	if (!j)
		fail_msg("test JSON does not parse: %s: %s", je.text, text);
	r = pbjson_to_message(j, d, ret, err, errlen);
	json_decref(j);
	return r;
}

static char *
render(const ProtobufCMessage *m, int emit_defaults)
{
	json_t *j = pbjson_from_message(m, emit_defaults);
	char *out;

	assert_non_null(j);
	out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(out);
	json_decref(j);
	return out;
}

/* text -> message -> wire -> message -> JSON: equals canonical (keys sorted). */
static void
roundtrip(const ProtobufCMessageDescriptor *d, const char *text, const char *canonical)
{
	ProtobufCMessage *m = NULL, *again;
	char err[256], *want = dq(canonical), *out;
	uint8_t buf[4096];
	size_t len;

	if (parse(text, d, &m, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", text, err);
	assert_string_equal(err, "");
	assert_true(protobuf_c_message_get_packed_size(m) <= sizeof(buf));
	len = protobuf_c_message_pack(m, buf);
	again = protobuf_c_message_unpack(d, NULL, len, buf);
	assert_non_null(again);
	out = render(again, 0);
	if (strcmp(out, want) != 0)
		fail_msg("got  %s\nwant %s", out, want);
	free(out);
	free(want);
	protobuf_c_message_free_unpacked(again, NULL);
	protobuf_c_message_free_unpacked(m, NULL);
}

/* text must be refused with -EINVAL and exactly want; *ret_msg stays untouched. */
static void
expect_error(const ProtobufCMessageDescriptor *d, const char *text, const char *want)
{
	ProtobufCMessage sentinel, *m = &sentinel;
	char err[256];

	assert_int_equal(parse(text, d, &m, err, sizeof(err)), -EINVAL);
	assert_ptr_equal(m, &sentinel);
	if (strcmp(err, want) != 0)
		fail_msg("error '%s'\nwant  '%s'", err, want);
}

/* --- the lanu schema ------------------------------------------------------------- */

static void
test_payloads(void **state)
{
	/* Every Envelope payload inside a Request; proto and JSON names both read. */
	roundtrip(REQ, "{'corr_id': 7, 'event': {'event_id': 'e1', 'producer': 'p', "
		       "'occurredAtMs': 1767261600000, 'serviceRequested': {'case_id': 'c', "
		       "'service': 's', 'area': 'a', 'urgency': 'URGENCY_URGENT', "
		       "'requestedAtMs': '1767261600001', 'stage': 'st', 'languageGroup': 'sv', "
		       "'age_group': '7-17'}}}",
		  "{'corrId':'7','event':{'eventId':'e1','occurredAtMs':'1767261600000',"
		  "'producer':'p','serviceRequested':{'ageGroup':'7-17','area':'a','caseId':'c',"
		  "'languageGroup':'sv','requestedAtMs':'1767261600001','service':'s',"
		  "'stage':'st','urgency':'URGENCY_URGENT'}}}");
	roundtrip(REQ, "{'event': {'serviceProvided': {'caseId': 'c', 'service': 's', 'area': 'a', "
		       "'stage': 'st', 'providedAtMs': '5'}}}",
		  "{'event':{'serviceProvided':{'area':'a','caseId':'c','providedAtMs':'5',"
		  "'service':'s','stage':'st'}}}");
	roundtrip(REQ, "{'event': {'case_cancelled': {'caseId': 'c', 'reason': 2, 'stage': ''}}}",
		  "{'event':{'caseCancelled':{'caseId':'c','reason':'CANCEL_REASON_MOVED_AWAY'}}}");
	roundtrip(REQ, "{'event': {'deadlineMissed': {'caseId': 'c', 'dueAtMs': 0}}}",
		  "{'event':{'deadlineMissed':{'caseId':'c'}}}");
	roundtrip(REQ, "{'event': {'indicatorUpdated': {'indicator': 'i', 'area': 'a', "
		       "'value': 97.5, 'period': '2025-H1', 'breakdown': {'language': 'sv'}}}}",
		  "{'event':{'indicatorUpdated':{'area':'a','breakdown':{'language':'sv'},"
		  "'indicator':'i','period':'2025-H1','value':97.5}}}");
	roundtrip(REQ, "{'event': {'absenceAlertRaised': {'pupilId': 'x', 'school': 's', "
		       "'level': 3, 'absentHours': 12, 'absent_share': '0.25', "
		       "'unauthorised': true, 'term': '2025-autumn'}}}",
		  "{'event':{'absenceAlertRaised':{'absentHours':12.0,'absentShare':0.25,"
		  "'level':3,'pupilId':'x','school':'s','term':'2025-autumn',"
		  "'unauthorised':true}}}");
	roundtrip(REQ, "{'event': {'measureStatusUpdated': {'measure': 'm', "
		       "'status': 'MEASURE_STATUS_DONE', 'note': 'Määräaika ok'}}}",
		  "{'event':{'measureStatusUpdated':{'measure':'m','note':'Määräaika ok',"
		  "'status':'MEASURE_STATUS_DONE'}}}");
	roundtrip(REQ, "{'event': {'alertAcknowledged': {'alertId': 'a-1', 'by': 'r', "
		       "'note': null}}}",
		  "{'event':{'alertAcknowledged':{'alertId':'a-1','by':'r'}}}");
	/* An empty submessage in a oneof is still the chosen member. */
	roundtrip(REQ, "{'event': {'alertAcknowledged': {}}}",
		  "{'event':{'alertAcknowledged':{}}}");
}

static void
test_bodies(void **state)
{
	roundtrip(REQ, "{'status': {}}", "{'status':{}}");
	roundtrip(REQ, "{'alert': {'alertId': 'a-9'}}", "{'alert':{'alertId':'a-9'}}");
	roundtrip(REQ, "{'open_alerts': {'recipients': ['a', 'b'], 'limit': 10, 'afterSeq': '3'}}",
		  "{'openAlerts':{'afterSeq':'3','limit':10,'recipients':['a','b']}}");
	roundtrip(REQ, "{'replay': {'recipients': [], 'after_seq': 1}}",
		  "{'replay':{'afterSeq':'1'}}");
	roundtrip(REQ, "{'clockSet': {'nowMs': '1767225600000'}, 'event': null}",
		  "{'clockSet':{'nowMs':'1767225600000'}}");
}

static void
test_map(void **state)
{
	Lanu__V1__IndicatorUpdated *iu;
	ProtobufCMessage *m;
	char err[256], *out;

	roundtrip(REQ, "{'event': {'indicatorUpdated': {'breakdown': {'language': 'sv', "
		       "'age': '7-17', 'empty': ''}}}}",
		  "{'event':{'indicatorUpdated':{'breakdown':{'age':'7-17','empty':'',"
		  "'language':'sv'}}}}");
	roundtrip(REQ, "{'event': {'indicatorUpdated': {'breakdown': {}}}}",
		  "{'event':{'indicatorUpdated':{}}}");

	/* The entries in the struct, as protobuf-c lays a map out. */
	assert_int_equal(parse("{'breakdown': {'language': 'sv', 'age': '0-6'}}",
			       &lanu__v1__indicator_updated__descriptor, &m, err, sizeof(err)), 0);
	iu = (Lanu__V1__IndicatorUpdated *)m;
	assert_int_equal(iu->n_breakdown, 2);
	assert_string_equal(iu->breakdown[0]->key, "language");
	assert_string_equal(iu->breakdown[0]->value, "sv");
	assert_string_equal(iu->breakdown[1]->key, "age");
	out = render(m, 1);
	assert_string_equal(out, "{\"area\":\"\",\"breakdown\":{\"age\":\"0-6\",\"language\":"
				 "\"sv\"},\"denominator\":0.0,\"indicator\":\"\",\"numerator\":0.0,"
				 "\"period\":\"\",\"provider\":\"\",\"value\":0.0}");
	free(out);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void
test_repeated_messages(void **state)
{
	Lanu__V1__Reply *r;
	ProtobufCMessage *m;
	char err[256];

	roundtrip(REPLY, "{'corrId': '9', 'code': 'OK', 'alerts': {'alerts': [{'seq': '1', "
			 "'kind': 'ALERT_KIND_DEADLINE_MISSED', 'severity': 3, 'recipients': "
			 "['a', 'b'], 'text': {'fi': 'Määräaika ylittyi', 'en': 'Missed'}, "
			 "'ack': {'by': 'r', 'atMs': 4}}, {'seq': 2}, {}], 'lastSeq': '2', "
			 "'more': true}}",
		  "{'alerts':{'alerts':[{'ack':{'atMs':'4','by':'r'},'kind':"
		  "'ALERT_KIND_DEADLINE_MISSED','recipients':['a','b'],'seq':'1','severity':"
		  "'SEVERITY_CRITICAL','text':{'en':'Missed','fi':'Määräaika ylittyi'}},"
		  "{'seq':'2'},{}],'lastSeq':'2','more':true},'code':'OK','corrId':'9'}");

	assert_int_equal(parse("{'alerts': {'alerts': [{'seq': 1}, {'recipients': ['x']}]}}",
			       REPLY, &m, err, sizeof(err)), 0);
	r = (Lanu__V1__Reply *)m;
	assert_int_equal(r->result_case, LANU__V1__REPLY__RESULT_ALERTS);
	assert_int_equal(r->alerts->n_alerts, 2);
	assert_int_equal(r->alerts->alerts[0]->seq, 1);
	assert_string_equal(r->alerts->alerts[1]->recipients[0], "x");
	assert_true(protobuf_c_message_check(m));
	protobuf_c_message_free_unpacked(m, NULL);
}

static void
test_int64(void **state)
{
	Lanu__V1__Request *r;
	ProtobufCMessage *m;
	char err[256];

	/* Above 2^53 a double loses digits: written as strings, read as either. */
	roundtrip(REQ, "{'corrId': '9007199254740993', 'clockSet': {'nowMs': 9007199254740995}}",
		  "{'clockSet':{'nowMs':'9007199254740995'},'corrId':'9007199254740993'}");
	roundtrip(REQ, "{'corrId': '18446744073709551615'}", "{'corrId':'18446744073709551615'}");
	roundtrip(REQ, "{'corrId': 9223372036854775807}", "{'corrId':'9223372036854775807'}");
	/* An integral real is an integer. */
	roundtrip(REQ, "{'corrId': 1e3}", "{'corrId':'1000'}");

	assert_int_equal(parse("{'corrId': '18446744073709551614'}", REQ, &m, err, sizeof(err)),
			 0);
	r = (Lanu__V1__Request *)m;
	assert_true(r->corr_id == UINT64_MAX - 1);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void
test_enums(void **state)
{
	Lanu__V1__Reply *r;
	ProtobufCMessage *m;
	char err[256];

	roundtrip(REPLY, "{'code': 'DUPLICATE'}", "{'code':'DUPLICATE'}");
	roundtrip(REPLY, "{'code': 3}", "{'code':'REJECTED'}");
	roundtrip(REPLY, "{'code': 'CODE_UNSPECIFIED'}", "{}");
	/* Open enums: a number without a name survives as a number. */
	roundtrip(REPLY, "{'code': 42}", "{'code':42}");
	roundtrip(REQ, "{'event': {'serviceRequested': {'urgency': -1}}}",
		  "{'event':{'serviceRequested':{'urgency':-1}}}");

	assert_int_equal(parse("{'code': 'NOT_FOUND'}", REPLY, &m, err, sizeof(err)), 0);
	r = (Lanu__V1__Reply *)m;
	assert_int_equal(r->code, LANU__V1__REPLY__CODE__NOT_FOUND);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void
test_defaults(void **state)
{
	Lanu__V1__Status s = LANU__V1__STATUS__INIT;
	Lanu__V1__OpenAlertsQuery q = LANU__V1__OPEN_ALERTS_QUERY__INIT;
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
	char *out;

	out = render(&s.base, 0);
	assert_string_equal(out, "{}");
	free(out);
	out = render(&s.base, 1);
	assert_string_equal(out, "{\"commits\":\"0\",\"committedEvents\":\"0\","
				 "\"duplicates\":\"0\","
				 "\"events\":\"0\",\"lastAlertSeq\":\"0\",\"lastAuditSeq\":\"0\",\"lastEventSeq\":\"0\","
				 "\"manualClock\":false,"
				 "\"mapSize\":\"0\",\"mapUsed\":\"0\",\"nextDeadlineMs\":\"0\","
				 "\"nextEscalationMs\":\"0\",\"nextPurgeMs\":\"0\","
				 "\"nowMs\":\"0\",\"openAlerts\":\"0\",\"openClocks\":\"0\","
				 "\"pendingEscalations\":\"0\","
				 "\"planId\":\"\",\"planVersion\":\"0\",\"rejected\":\"0\","
				 "\"unroutedAlerts\":\"0\",\"uptimeMs\":\"0\","
				 "\"version\":\"\"}");
	free(out);
	out = render(&q.base, 1);
	assert_string_equal(out, "{\"afterSeq\":\"0\",\"limit\":0,\"recipients\":[]}");
	free(out);
	/* An unset oneof and a NULL submessage are left out even with defaults. */
	out = render(&rep.base, 1);
	assert_string_equal(out, "{\"code\":\"CODE_UNSPECIFIED\",\"corrId\":\"0\",\"field\":\"\","
				 "\"lastAlertSeq\":\"0\",\"reason\":\"\"}");
	free(out);
}

static void
test_errors(void **state)
{
	/* Unknown field. */
	expect_error(REQ, "{'event': {'deadlineMissed': {'caseId': 'c', 'colour': 'red'}}}",
		     "event.deadlineMissed.colour: unknown field");
	expect_error(REQ, "{'Event': {}}", "Event: unknown field");
	/* Wrong types. */
	expect_error(REQ, "{'event': {'occurredAtMs': 'yesterday'}}",
		     "event.occurredAtMs: 'yesterday' is not an integer");
	expect_error(REQ, "{'event': {'occurredAtMs': '12 '}}",
		     "event.occurredAtMs: '12 ' is not an integer");
	expect_error(REQ, "{'event': {'occurredAtMs': '0x10'}}",
		     "event.occurredAtMs: '0x10' is not an integer");
	expect_error(REQ, "{'event': {'occurredAtMs': true}}",
		     "event.occurredAtMs: expected an integer, got a boolean");
	expect_error(REQ, "{'event': {'eventId': {'a': 1}}}",
		     "event.eventId: expected a string, got an object");
	expect_error(REQ, "{'event': {'eventId': 'a\\u0000b'}}",
		     "event.eventId: a string must not contain NUL");
	expect_error(REQ, "{'event': 'e1'}", "event: expected an object, got a string");
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'unauthorised': 'yes'}}}",
		     "event.absenceAlertRaised.unauthorised: expected true or false, got a string");
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'absentHours': 'lots'}}}",
		     "event.absenceAlertRaised.absentHours: 'lots' is not a number");
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'absentHours': 'inf'}}}",
		     "event.absenceAlertRaised.absentHours: 'inf' is not a number");
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'absentHours': [1]}}}",
		     "event.absenceAlertRaised.absentHours: expected a number, got an array");
	expect_error(REQ, "{'openAlerts': {'recipients': 'a'}}",
		     "openAlerts.recipients: expected an array, got a string");
	expect_error(REQ, "{'openAlerts': {'recipients': ['a', 7]}}",
		     "openAlerts.recipients[1]: expected a string, got a number");
	expect_error(REQ, "{'openAlerts': {'recipients': ['a', null]}}",
		     "openAlerts.recipients[1]: expected a string, got null");
	expect_error(REQ, "{'event': {'indicatorUpdated': {'breakdown': ['sv']}}}",
		     "event.indicatorUpdated.breakdown: expected an object, got an array");
	expect_error(REQ, "{'event': {'indicatorUpdated': {'breakdown': {'language': 5}}}}",
		     "event.indicatorUpdated.breakdown.language: expected a string, got a number");
	/* Enums. */
	expect_error(REQ, "{'event': {'serviceRequested': {'caseId': 'c', 'urgency': 'SOON'}}}",
		     "event.serviceRequested.urgency: unknown enum value 'SOON'");
	expect_error(REQ, "{'event': {'serviceRequested': {'urgency': 'urgency_urgent'}}}",
		     "event.serviceRequested.urgency: unknown enum value 'urgency_urgent'");
	expect_error(REQ, "{'event': {'serviceRequested': {'urgency': true}}}",
		     "event.serviceRequested.urgency: "
		     "expected an enum name or number, got a boolean");
	expect_error(REQ, "{'event': {'serviceRequested': {'urgency': 2147483648}}}",
		     "event.serviceRequested.urgency: 2147483648 is out of range");
	/* Two members of one oneof, under either name; a field under both names. */
	expect_error(REQ, "{'event': {'serviceRequested': {}, 'deadline_missed': {}}}",
		     "event.deadline_missed: oneof already set by 'serviceRequested'");
	expect_error(REQ, "{'status': {}, 'event': {'eventId': 'e'}}",
		     "event: oneof already set by 'status'");
	expect_error(REQ, "{'event': {'event_id': 'a', 'eventId': 'b'}}",
		     "event.eventId: given twice, also as 'event_id'");
	expect_error(REQ, "{'clockSet': {}, 'clock_set': {}}",
		     "clockSet: given twice, also as 'clock_set'");
	/* Numbers out of range, negative for unsigned, fractions for integers. */
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'level': -1}}}",
		     "event.absenceAlertRaised.level: -1 is out of range");
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'level': '-1'}}}",
		     "event.absenceAlertRaised.level: '-1' is out of range");
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'level': 4294967296}}}",
		     "event.absenceAlertRaised.level: 4294967296 is out of range");
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'level': 1.5}}}",
		     "event.absenceAlertRaised.level: 1.5 is not an integer");
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'level': '1.5'}}}",
		     "event.absenceAlertRaised.level: '1.5' is not an integer");
	expect_error(REQ, "{'event': {'absenceAlertRaised': {'level': -0.5}}}",
		     "event.absenceAlertRaised.level: -0.5 is not an integer");
	expect_error(REQ, "{'corrId': '18446744073709551616'}",
		     "corrId: '18446744073709551616' is out of range");
	expect_error(REQ, "{'corrId': 18446744073709551616.0}",
		     "corrId: 1.8446744073709552e+19 is out of range");
	expect_error(REQ, "{'corrId': -1}", "corrId: -1 is out of range");
	/* Not an object at the top. */
	expect_error(REQ, "[1, 2]", "expected a JSON object, got an array");
	expect_error(REQ, "null", "expected a JSON object, got null");
	/* A value echoed in err stays on one line. */
	expect_error(REQ, "{'corrId': 'a\\nb'}", "corrId: 'a?b' is not an integer");
}

/* Refusals deep in a half-built tree: ASan and valgrind check it is all freed. */
static void
test_partial_free(void **state)
{
	expect_error(REPLY, "{'alerts': {'alerts': [{'seq': 1, 'text': {'fi': 'x'}}, "
			    "{'alertId': 'a', 'recipients': ['r'], 'text': {'fi': 5}}]}}",
		     "alerts.alerts[1].text.fi: expected a string, got a number");
	expect_error(REPLY, "{'alerts': {'alerts': [{'recipients': ['r1', 'r2', 3]}]}}",
		     "alerts.alerts[0].recipients[2]: expected a string, got a number");
	expect_error(REQ, "{'event': {'eventId': 'e', 'producer': 'p', 'indicatorUpdated': "
			  "{'indicator': 'i', 'breakdown': {'a': 'x', 'b': 'y', 'c': null}}}}",
		     "event.indicatorUpdated.breakdown.c: expected a string, got null");
	expect_error(REQ, "{'event': {'eventId': 'e', 'serviceRequested': {'caseId': 'c', "
			  "'urgency': 'SOON'}}}",
		     "event.serviceRequested.urgency: unknown enum value 'SOON'");
	expect_error(REQ, "{'event': {'eventId': 'e', 'serviceRequested': {'caseId': 'c'}, "
			  "'caseCancelled': {'caseId': 'd'}}}",
		     "event.caseCancelled: oneof already set by 'serviceRequested'");
}

static void
test_err_buffer(void **state)
{
	ProtobufCMessage *m = NULL;
	char err[8];

	/* Cut short, still terminated; cleared on success. */
	assert_int_equal(parse("{'colour': 1}", REQ, &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "colour:");
	assert_int_equal(parse("{}", REQ, &m, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	protobuf_c_message_free_unpacked(m, NULL);
	m = NULL;
	assert_int_equal(parse("{'x': 1}", REQ, &m, NULL, 0), -EINVAL);
	assert_null(m);
}

/* --- every scalar type, on a message described by hand ---------------------------- */

/* lanu.proto has no bytes, no fixed or zigzag types and no field with a has_
 * member; this is the struct and descriptor protoc-c would write for
 *	message AllTypes { int32 f_int32 = 1; sint32 f_sint32 = 2; ...
 *			   optional int32 opt_int32 = 15; repeated sint64 rep_sint64 = 16;
 *			   repeated bytes rep_bytes = 17; repeated double rep_double = 18; } */
typedef struct {
	ProtobufCMessage base;
	int32_t f_int32;
	int32_t f_sint32;
	int32_t f_sfixed32;
	int64_t f_int64;
	int64_t f_sint64;
	int64_t f_sfixed64;
	uint32_t f_uint32;
	uint32_t f_fixed32;
	uint64_t f_uint64;
	uint64_t f_fixed64;
	float f_float;
	double f_double;
	protobuf_c_boolean f_bool;
	ProtobufCBinaryData f_bytes;
	protobuf_c_boolean has_opt_int32;
	int32_t opt_int32;
	size_t n_rep_sint64;
	int64_t *rep_sint64;
	size_t n_rep_bytes;
	ProtobufCBinaryData *rep_bytes;
	size_t n_rep_double;
	double *rep_double;
} AllTypes;

#define FIELD(id, label, type, q, member)                                                   \
	{ #member, id, PROTOBUF_C_LABEL_##label, PROTOBUF_C_TYPE_##type, q,                 \
	  offsetof(AllTypes, member), NULL, NULL, 0, 0, NULL, NULL }

static const ProtobufCFieldDescriptor all_fields[] = {
	FIELD(1, NONE, INT32, 0, f_int32),
	FIELD(2, NONE, SINT32, 0, f_sint32),
	FIELD(3, NONE, SFIXED32, 0, f_sfixed32),
	FIELD(4, NONE, INT64, 0, f_int64),
	FIELD(5, NONE, SINT64, 0, f_sint64),
	FIELD(6, NONE, SFIXED64, 0, f_sfixed64),
	FIELD(7, NONE, UINT32, 0, f_uint32),
	FIELD(8, NONE, FIXED32, 0, f_fixed32),
	FIELD(9, NONE, UINT64, 0, f_uint64),
	FIELD(10, NONE, FIXED64, 0, f_fixed64),
	FIELD(11, NONE, FLOAT, 0, f_float),
	FIELD(12, NONE, DOUBLE, 0, f_double),
	FIELD(13, NONE, BOOL, 0, f_bool),
	FIELD(14, NONE, BYTES, 0, f_bytes),
	FIELD(15, OPTIONAL, INT32, offsetof(AllTypes, has_opt_int32), opt_int32),
	FIELD(16, REPEATED, SINT64, offsetof(AllTypes, n_rep_sint64), rep_sint64),
	FIELD(17, REPEATED, BYTES, offsetof(AllTypes, n_rep_bytes), rep_bytes),
	FIELD(18, REPEATED, DOUBLE, offsetof(AllTypes, n_rep_double), rep_double),
};
static const unsigned all_by_name[] = { 12, 13, 11, 7, 9, 10, 0, 3, 2, 5, 1, 4, 6, 8, 14, 16,
					17, 15 };
static const ProtobufCIntRange all_ranges[] = { { 1, 0 }, { 0, 18 } };
static void all_init(ProtobufCMessage *m);
static const ProtobufCMessageDescriptor all_descriptor = {
	PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "test.AllTypes", "AllTypes", "AllTypes", "test",
	sizeof(AllTypes), 18, all_fields, all_by_name, 1, all_ranges, all_init, NULL, NULL, NULL,
};

static void
all_init(ProtobufCMessage *m)
{
	static const AllTypes init = { .base = PROTOBUF_C_MESSAGE_INIT(&all_descriptor) };

	*(AllTypes *)m = init;
}

static void
test_all_types(void **state)
{
	AllTypes empty, *a;
	ProtobufCMessage *m;
	char err[256], *out;

	roundtrip(&all_descriptor,
		  "{'fInt32': -2147483648, 'f_sint32': -5, 'fSfixed32': 2147483647, "
		  "'fInt64': '-9223372036854775808', 'fSint64': -9007199254740993, "
		  "'fSfixed64': '9223372036854775807', 'fUint32': 4294967295, 'fFixed32': 1.0, "
		  "'fUint64': '18446744073709551615', 'fFixed64': 9007199254740993, "
		  "'fFloat': 1.5, 'fDouble': '-Infinity', 'fBool': true, 'fBytes': 'aGVsbG8', "
		  "'optInt32': 0, 'repSint64': ['-1', 2], 'repBytes': ['', '_-8=', 'aGk='], "
		  "'repDouble': [0.25, 'NaN', '1e3', 'Infinity', -0.0]}",
		  "{'fBool':true,'fBytes':'aGVsbG8=','fDouble':'-Infinity','fFixed32':1,"
		  "'fFixed64':'9007199254740993','fFloat':1.5,'fInt32':-2147483648,"
		  "'fInt64':'-9223372036854775808','fSfixed32':2147483647,"
		  "'fSfixed64':'9223372036854775807','fSint32':-5,'fSint64':'-9007199254740993',"
		  "'fUint32':4294967295,'fUint64':'18446744073709551615','optInt32':0,"
		  "'repBytes':['','/+8=','aGk='],'repDouble':[0.25,'NaN',1000.0,'Infinity',-0.0],"
		  "'repSint64':['-1','2']}");
	/* has_ follows presence, not the value, and null leaves it unset; -0.0 is a
	 * default, as protobuf-c's packer has it. */
	roundtrip(&all_descriptor, "{'optInt32': null, 'fDouble': -0.0}", "{}");

	assert_int_equal(parse("{'fBytes': 'AP8=', 'optInt32': 7, 'f_float': '0.5'}",
			       &all_descriptor, &m, err, sizeof(err)), 0);
	a = (AllTypes *)m;
	assert_int_equal(a->f_bytes.len, 2);
	assert_int_equal(a->f_bytes.data[0], 0);
	assert_int_equal(a->f_bytes.data[1], 255);
	assert_true(a->has_opt_int32);
	assert_int_equal(a->opt_int32, 7);
	assert_true(a->f_float == 0.5f);
	protobuf_c_message_free_unpacked(m, NULL);

	all_init(&empty.base);
	out = render(&empty.base, 1);
	assert_string_equal(out, "{\"fBool\":false,\"fBytes\":\"\",\"fDouble\":0.0,\"fFixed32\":0,"
				 "\"fFixed64\":\"0\",\"fFloat\":0.0,\"fInt32\":0,\"fInt64\":\"0\","
				 "\"fSfixed32\":0,\"fSfixed64\":\"0\",\"fSint32\":0,"
				 "\"fSint64\":\"0\","
				 "\"fUint32\":0,\"fUint64\":\"0\",\"repBytes\":[],\"repDouble\":[],"
				 "\"repSint64\":[]}");
	free(out);
}

static void
test_all_types_errors(void **state)
{
	const ProtobufCMessageDescriptor *d = &all_descriptor;

	expect_error(d, "{'fInt32': 2147483648}", "fInt32: 2147483648 is out of range");
	expect_error(d, "{'fSint32': -2147483649}", "fSint32: -2147483649 is out of range");
	expect_error(d, "{'fInt64': '9223372036854775808'}",
		     "fInt64: '9223372036854775808' is out of range");
	expect_error(d, "{'fInt64': '-9223372036854775809'}",
		     "fInt64: '-9223372036854775809' is out of range");
	expect_error(d, "{'fSfixed64': 9223372036854775808.0}",
		     "fSfixed64: 9.2233720368547758e+18 is out of range");
	expect_error(d, "{'fUint64': '-0x1'}", "fUint64: '-0x1' is not an integer");
	expect_error(d, "{'fFixed32': '+1'}", "fFixed32: '+1' is not an integer");
	expect_error(d, "{'fInt64': 'NaN'}", "fInt64: 'NaN' is not an integer");
	expect_error(d, "{'fFloat': 1e39}",
		     "fFloat: 1e+39 is out of range for a float");
	expect_error(d, "{'fDouble': '1e999'}", "fDouble: '1e999' is out of range");
	expect_error(d, "{'fDouble': ' 1'}", "fDouble: ' 1' is not a number");
	expect_error(d, "{'fBool': 1}", "fBool: expected true or false, got a number");
	expect_error(d, "{'fBytes': 'a'}", "fBytes: not valid base64");
	expect_error(d, "{'fBytes': 'aGk=='}", "fBytes: not valid base64");
	expect_error(d, "{'fBytes': 'QQ='}", "fBytes: not valid base64");
	expect_error(d, "{'fBytes': 'aG k'}", "fBytes: not valid base64");
	expect_error(d, "{'fBytes': 5}", "fBytes: expected base64, got a number");
	expect_error(d, "{'repBytes': ['AA==', '=']}", "repBytes[1]: not valid base64");
}

/* Doubles in their shortest round-trip form, as the protobuf JSON mapping writes them. */
static void
test_doubles(void **state)
{
	static const double v[] = { 0.4, 0.1, 1.0 / 3, 2.0 / 3, 0.30000000000000004, 1e-7,
				    123456789.125, 5e-324, 1.7976931348623157e308, -0.0, 3 };
	Lanu__V1__ComplianceRow row = LANU__V1__COMPLIANCE_ROW__INIT;
	char num[PBJSON_DOUBLE_MAX], *out = NULL;
	size_t len = 0;
	FILE *f;
	json_t *j;

	(void)state;
	pbjson_format_double(0.4, num);
	assert_string_equal(num, "0.4");
	pbjson_format_double(0.30000000000000004, num);
	assert_string_equal(num, "0.30000000000000004");
	pbjson_format_double(3, num);
	assert_string_equal(num, "3.0");
	pbjson_format_double(1e300, num);
	assert_string_equal(num, "1e+300");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		pbjson_format_double(v[i], num);
		assert_true(strtod(num, NULL) == v[i]);
	}
	/* A message through pbjson_dumpf(): 0.4, not 0.40000000000000002. */
	row.share_met = 0.4;
	row.met = 2;
	j = pbjson_from_message(&row.base, 0);
	assert_non_null(j);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(pbjson_dumpf(j, f), 0);
	fclose(f);
	json_decref(j);
	assert_non_null(strstr(out, "\"shareMet\":0.4}"));
	assert_null(strstr(out, "0.40000000000000002"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payloads),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_repeated_messages),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_partial_free),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_all_types),
		cmocka_unit_test(test_all_types_errors),
		cmocka_unit_test(test_doubles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
