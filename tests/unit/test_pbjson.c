/* pbjson: the proto3 JSON mapping both ways, and an exact path for every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "lanu.pb-c.h"
#include "pbjson.h"

/* Parses text as type d; returns 0 or the error, err filled. */
static int
parse(const char *text, const ProtobufCMessageDescriptor *d, ProtobufCMessage **ret, char *err)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
	int r;

	if (!j)
		fail_msg("test JSON does not parse: %s", je.text);
	r = pbjson_to_message(j, d, ret, err, 256);
	json_decref(j);
	return r;
}

static void
expect_error(const char *text, const ProtobufCMessageDescriptor *d, const char *want)
{
	ProtobufCMessage *m = NULL;
	char err[256];

	assert_int_equal(parse(text, d, &m, err), -EINVAL);
	assert_null(m);
	if (strcmp(err, want) != 0)
		fail_msg("error '%s', want '%s'", err, want);
}

/* JSON -> message -> wire -> message -> JSON equals the canonical form. */
static void
roundtrip(const char *text, const ProtobufCMessageDescriptor *d, const char *canonical)
{
	ProtobufCMessage *m, *again;
	uint8_t buf[4096];
	char err[256], *out;
	size_t len;
	json_t *j;

	if (parse(text, d, &m, err) != 0)
		fail_msg("'%s' refused: %s", text, err);
	len = protobuf_c_message_pack(m, buf);
	again = protobuf_c_message_unpack(d, NULL, len, buf);
	assert_non_null(again);
	j = pbjson_from_message(again, 0);
	assert_non_null(j);
	out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	if (strcmp(out, canonical) != 0)
		fail_msg("got  %s\nwant %s", out, canonical);
	free(out);
	json_decref(j);
	protobuf_c_message_free_unpacked(again, NULL);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void
test_envelopes(void **state)
{
	const ProtobufCMessageDescriptor *req = &lanu__v1__request__descriptor;

	(void)state;
	/* proto names and JSON names, 64-bit as string or number, enums by name or number. */
	roundtrip("{\"corr_id\": 7, \"event\": {\"event_id\": \"e1\", \"producer\": \"p\", "
		  "\"occurredAtMs\": 1767261600000, \"serviceRequested\": {\"caseId\": \"c\", "
		  "\"service\": \"s\", \"area\": \"a\", \"urgency\": 2, \"requestedAtMs\": "
		  "\"18446744073709551615\", \"languageGroup\": \"sv\"}}}",
		  req,
		  "{\"corrId\":\"7\",\"event\":{\"eventId\":\"e1\",\"occurredAtMs\":\"1767261600000\","
		  "\"producer\":\"p\",\"serviceRequested\":{\"area\":\"a\",\"caseId\":\"c\","
		  "\"languageGroup\":\"sv\",\"requestedAtMs\":\"18446744073709551615\","
		  "\"service\":\"s\",\"urgency\":\"URGENCY_URGENT\"}}}");
	roundtrip("{\"event\": {\"caseCancelled\": {\"caseId\": \"c\", \"reason\": "
		  "\"CANCEL_REASON_MOVED_AWAY\"}}}",
		  req, "{\"event\":{\"caseCancelled\":{\"caseId\":\"c\",\"reason\":"
		       "\"CANCEL_REASON_MOVED_AWAY\"}}}");
	/* A map, a double, a bool, a uint32, null as default. */
	roundtrip("{\"event\": {\"indicatorUpdated\": {\"indicator\": \"i\", \"value\": 97.5, "
		  "\"breakdown\": {\"language\": \"sv\", \"age\": \"7-17\"}}, \"producer\": null}}",
		  req, "{\"event\":{\"indicatorUpdated\":{\"breakdown\":{\"age\":\"7-17\","
		       "\"language\":\"sv\"},\"indicator\":\"i\",\"value\":97.5}}}");
	roundtrip("{\"event\": {\"absenceAlertRaised\": {\"pupilId\": \"x\", \"level\": 3, "
		  "\"unauthorised\": true, \"absentShare\": \"NaN\"}}}",
		  req, "{\"event\":{\"absenceAlertRaised\":{\"absentShare\":\"NaN\",\"level\":3,"
		       "\"pupilId\":\"x\",\"unauthorised\":true}}}");
}

static void
test_lists(void **state)
{
	(void)state;
	/* Repeated messages and strings; the unicode survives. */
	roundtrip("{\"code\": \"OK\", \"alerts\": {\"alerts\": [{\"seq\": \"1\", \"recipients\": "
		  "[\"a\", \"b\"], \"text\": {\"fi\": \"Määräaika ylittyi\"}}, {\"seq\": 2}], "
		  "\"more\": true}}",
		  &lanu__v1__reply__descriptor,
		  "{\"alerts\":{\"alerts\":[{\"recipients\":[\"a\",\"b\"],\"seq\":\"1\",\"text\":"
		  "{\"fi\":\"Määräaika ylittyi\"}},{\"seq\":\"2\"}],\"more\":true},\"code\":\"OK\"}");
}

static void
test_errors(void **state)
{
	const ProtobufCMessageDescriptor *env = &lanu__v1__envelope__descriptor;

	(void)state;
	expect_error("{\"deadlineMissed\": {\"caseId\": \"c\", \"colour\": \"red\"}}", env,
		     "deadlineMissed.colour: unknown field (not in lanu.v1.DeadlineMissed)");
	expect_error("{\"occurredAtMs\": \"yesterday\"}", env,
		     "occurredAtMs: 'yesterday' is not an unsigned integer");
	expect_error("{\"eventId\": {\"a\": 1}}", env, "eventId: expected a string, got an object");
	expect_error("{\"serviceRequested\": {\"urgency\": \"SOON\"}}", env,
		     "serviceRequested.urgency: unknown enum value 'SOON' (of lanu.v1.Urgency)");
	expect_error("{\"serviceRequested\": {}, \"deadlineMissed\": {}}", env,
		     "deadlineMissed: 'service_requested' is already set; only one of them may be");
	expect_error("{\"absenceAlertRaised\": {\"level\": -1}}", env,
		     "absenceAlertRaised.level: -1 is out of range");
	expect_error("{\"absenceAlertRaised\": {\"level\": 1.5}}", env,
		     "absenceAlertRaised.level: 1.5 is not an integer");
	expect_error("{\"absenceAlertRaised\": {\"level\": 4294967296}}", env,
		     "absenceAlertRaised.level: 4294967296 is out of range");
	expect_error("{\"absenceAlertRaised\": {\"unauthorised\": \"yes\"}}", env,
		     "absenceAlertRaised.unauthorised: expected true or false, got a string");
	expect_error("[1, 2]", env, "expected a JSON object (lanu.v1.Envelope), got an array");
	expect_error("{\"indicatorUpdated\": {\"breakdown\": [\"sv\"]}}", env,
		     "indicatorUpdated.breakdown: expected an object (a map), got an array");
	expect_error("{\"indicatorUpdated\": {\"breakdown\": {\"language\": 5}}}", env,
		     "indicatorUpdated.breakdown.language: expected a string, got a number");
	expect_error("{\"serviceRequested\": {\"caseId\": \"c\", \"urgency\": \"SOON\"}}", env,
		     "serviceRequested.urgency: unknown enum value 'SOON' (of lanu.v1.Urgency)");
	/* Partly built messages are freed whole on error (ASan checks). */
	expect_error("{\"eventId\": \"e\", \"deadlineMissed\": {\"caseId\": \"c\", \"dueAtMs\": "
		     "true}}", env, "deadlineMissed.dueAtMs: expected an integer, got a boolean");
	expect_error("{\"recipients\": [\"a\", 7]}", &lanu__v1__replay_query__descriptor,
		     "recipients[1]: expected a string, got a number");
}

static void
test_defaults(void **state)
{
	Lanu__V1__Status s = LANU__V1__STATUS__INIT;
	json_t *j;
	char *out;

	(void)state;
	j = pbjson_from_message(&s.base, 0);
	out = json_dumps(j, JSON_COMPACT);
	assert_string_equal(out, "{}");
	free(out);
	json_decref(j);
	j = pbjson_from_message(&s.base, 1);
	assert_non_null(json_object_get(j, "lastAlertSeq"));
	assert_string_equal(json_string_value(json_object_get(j, "lastAlertSeq")), "0");
	assert_true(json_is_false(json_object_get(j, "manualClock")));
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelopes),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
