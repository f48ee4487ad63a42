/* msg: what the wire may carry, and the exact field path of every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "lanu/limits.h"
#include "msg.h"

struct fixture {
	Lanu__V1__Request req;
	Lanu__V1__Envelope ev;
	Lanu__V1__ServiceRequested sr;
	uint8_t buf[LANU_MAX_FRAME + 16];
	size_t len;
};

static void
fill(struct fixture *f)
{
	lanu__v1__request__init(&f->req);
	lanu__v1__envelope__init(&f->ev);
	lanu__v1__service_requested__init(&f->sr);
	f->sr.case_id = (char *)"case-0001";
	f->sr.service = (char *)"school-social-worker";
	f->sr.area = (char *)"seinajoki-school-12";
	f->sr.urgency = LANU__V1__URGENCY__URGENCY_NORMAL;
	f->sr.requested_at_ms = 1767225600000ULL;
	f->ev.event_id = (char *)"school-12/2026/0001";
	f->ev.producer = (char *)"wilma-seinajoki";
	f->ev.occurred_at_ms = 1767225600000ULL;
	f->ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_SERVICE_REQUESTED;
	f->ev.service_requested = &f->sr;
	f->req.corr_id = 300;
	f->req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	f->req.event = &f->ev;
}

/* Packs f's request and decodes it: returns the result, e filled on refusal. */
static int
roundtrip(struct fixture *f, struct msg_error *e)
{
	Lanu__V1__Request *out = NULL;
	int r;

	f->len = lanu__v1__request__pack(&f->req, f->buf);
	memset(e, 0, sizeof(*e));
	r = msg_decode_request(f->buf, f->len, &out, e);
	if (r == 0) {
		assert_non_null(out);
		assert_string_equal(out->event->service_requested->case_id, "case-0001");
		msg_free_request(out);
	}
	return r;
}

static void
expect_field(struct fixture *f, const char *field, const char *reason_part)
{
	struct msg_error e;

	assert_int_equal(roundtrip(f, &e), -EINVAL);
	assert_string_equal(e.field, field);
	if (!strstr(e.reason, reason_part))
		fail_msg("reason '%s' lacks '%s'", e.reason, reason_part);
}

static void
test_valid(void **state)
{
	struct fixture f;
	struct msg_error e;

	(void)state;
	fill(&f);
	assert_int_equal(roundtrip(&f, &e), 0);
	assert_int_equal(msg_peek_corr_id(f.buf, f.len), 300);
}

static void
test_required_and_ids(void **state)
{
	struct fixture f;

	(void)state;
	fill(&f);
	f.ev.event_id = (char *)"";
	expect_field(&f, "event.event_id", "required");
	fill(&f);
	f.ev.occurred_at_ms = 0;
	expect_field(&f, "event.occurred_at_ms", "required");
	fill(&f);
	f.sr.case_id = (char *)"Liisa Virtanen";
	expect_field(&f, "event.service_requested.case_id", "pseudonymous id");
	fill(&f);
	f.ev.producer = (char *)"a/b";	/* '/' is for event ids only */
	expect_field(&f, "event.producer", "pseudonymous id");
	fill(&f);
	f.sr.urgency = LANU__V1__URGENCY__URGENCY_UNSPECIFIED;
	expect_field(&f, "event.service_requested.urgency", "required");
	fill(&f);
	f.sr.urgency = 7;
	expect_field(&f, "event.service_requested.urgency", "unknown enum value 7");
}

static void
test_lengths_and_text(void **state)
{
	struct fixture f;
	char long_id[LANU_MAX_NAME + 2];

	(void)state;
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	fill(&f);
	f.sr.service = long_id;
	expect_field(&f, "event.service_requested.service", "65 bytes (max 64)");

	Lanu__V1__MeasureStatusUpdated m = LANU__V1__MEASURE_STATUS_UPDATED__INIT;
	fill(&f);
	m.measure = (char *)"m-1";
	m.status = LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DONE;
	m.note = (char *)"\xc3\x28 broken";
	f.ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_MEASURE_STATUS_UPDATED;
	f.ev.measure_status_updated = &m;
	expect_field(&f, "event.measure_status_updated.note", "UTF-8");
	m.note = (char *)"Valmis: äö ok";
	Lanu__V1__Request *out;
	struct msg_error e;
	f.len = lanu__v1__request__pack(&f.req, f.buf);
	assert_int_equal(msg_decode_request(f.buf, f.len, &out, &e), 0);
	assert_string_equal(out->event->measure_status_updated->note, "Valmis: äö ok");
	msg_free_request(out);
}

/* Anything shaped like a Finnish personal identity code, in an id or in free text, is
 * refused naming the field and never said back; one inside a hash is an id like others. */
static void
test_identity_codes(void **state)
{
	Lanu__V1__AlertAcknowledged ack = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	Lanu__V1__Request *out;
	struct fixture f;
	struct msg_error e;

	(void)state;
	fill(&f);
	f.sr.case_id = (char *)"131052-308T";
	expect_field(&f, "event.service_requested.case_id", "personal identity code");
	fill(&f);
	f.sr.case_id = (char *)"131052A308T";	/* a 2000s sign, a code the id syntax takes */
	f.sr.requested_at_ms = 1767225600000ULL;
	expect_field(&f, "event.service_requested.case_id", "personal identity code");
	fill(&f);
	f.ev.event_id = (char *)"school-12/010594Y9995/1";
	expect_field(&f, "event.event_id", "personal identity code");
	fill(&f);
	f.sr.case_id = (char *)"131052+308T";	/* the 1800s sign: not id syntax either */
	expect_field(&f, "event.service_requested.case_id", "personal identity code");

	fill(&f);
	ack.alert_id = (char *)"a-1";
	ack.by = (char *)"coordinator-1";
	ack.note = (char *)"soitettu huoltajalle, hetu 131052-308T";
	f.ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
	f.ev.alert_acknowledged = &ack;
	assert_int_equal(roundtrip(&f, &e), -EINVAL);
	assert_string_equal(e.field, "event.alert_acknowledged.note");
	assert_non_null(strstr(e.reason, "at byte 27"));
	assert_null(strstr(e.reason, "131052"));

	/* a wrong check character, and a code inside a longer run of letters and digits */
	ack.note = (char *)"soitettu 131052-308U";
	f.ev.event_id = (char *)"abs-9e3f131052a308fd2c";
	f.len = lanu__v1__request__pack(&f.req, f.buf);
	assert_int_equal(msg_decode_request(f.buf, f.len, &out, &e), 0);
	msg_free_request(out);
}

static void
test_numbers_and_maps(void **state)
{
	struct fixture f;
	Lanu__V1__IndicatorUpdated iu = LANU__V1__INDICATOR_UPDATED__INIT;
	Lanu__V1__IndicatorUpdated__BreakdownEntry be = LANU__V1__INDICATOR_UPDATED__BREAKDOWN_ENTRY__INIT;
	Lanu__V1__IndicatorUpdated__BreakdownEntry *bes[] = { &be };
	struct msg_error e;

	(void)state;
	fill(&f);
	iu.indicator = (char *)"initiation-within-7wd";
	iu.period = (char *)"2025-H1";
	iu.value = NAN;
	f.ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_INDICATOR_UPDATED;
	f.ev.indicator_updated = &iu;
	expect_field(&f, "event.indicator_updated.value", "finite");
	iu.value = 97.5;
	be.key = (char *)"language";
	be.value = (char *)"sv";
	iu.breakdown = bes;
	iu.n_breakdown = 1;
	f.len = lanu__v1__request__pack(&f.req, f.buf);
	Lanu__V1__Request *out;
	assert_int_equal(msg_decode_request(f.buf, f.len, &out, &e), 0);
	assert_int_equal(out->event->indicator_updated->n_breakdown, 1);
	msg_free_request(out);
	be.value = (char *)"";
	expect_field(&f, "event.indicator_updated.breakdown[0].value", "required");
}

static void
test_frames(void **state)
{
	static uint8_t big[LANU_MAX_FRAME + 1];
	Lanu__V1__Request *out = NULL;
	struct msg_error e;

	(void)state;
	assert_int_equal(msg_decode_request(big, sizeof(big), &out, &e), -EMSGSIZE);
	assert_non_null(strstr(e.reason, "65537 bytes (max 65536)"));
	assert_string_equal(e.field, "frame");	/* the documented pseudo-field */
	assert_int_equal(msg_decode_request("\xff\xff", 2, &out, &e), -EBADMSG);
	assert_string_equal(e.field, "frame");
	/* An empty frame is a Request with no body. */
	assert_int_equal(msg_decode_request("", 0, &out, &e), -EINVAL);
	assert_string_equal(e.field, "body");
	/* An unknown field number is refused, not stored. */
	/* corr 1, status {}, field 100 = 1 */
	const uint8_t unknown[] = { 0x08, 0x01, 0x5a, 0x00, 0xa0, 0x06, 0x01 };
	assert_int_equal(msg_decode_request(unknown, sizeof(unknown), &out, &e), -EINVAL);
	assert_non_null(strstr(e.reason, "field number 100"));
	assert_null(out);
	assert_int_equal(msg_peek_corr_id(unknown, sizeof(unknown)), 1);
	assert_int_equal(msg_peek_corr_id("\x12\x00", 2), 0);
}

static void
test_queries(void **state)
{
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__ReplayQuery q = LANU__V1__REPLAY_QUERY__INIT;
	char *rcpts[LANU_MAX_RECIPIENTS + 1];
	uint8_t buf[4096];
	Lanu__V1__Request *out;
	struct msg_error e;
	size_t len;

	(void)state;
	req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
	req.replay = &q;
	/* No recipients decodes (a replay may ask for the unrouted or all instead): the
	 * query refuses one that asks for nothing (test_query.c). */
	len = lanu__v1__request__pack(&req, buf);
	assert_int_equal(msg_decode_request(buf, len, &out, &e), 0);
	msg_free_request(out);
	for (size_t i = 0; i < LANU_MAX_RECIPIENTS + 1; i++)
		rcpts[i] = (char *)"board";
	q.recipients = rcpts;
	q.n_recipients = LANU_MAX_RECIPIENTS + 1;
	len = lanu__v1__request__pack(&req, buf);
	assert_int_equal(msg_decode_request(buf, len, &out, &e), -EINVAL);
	assert_non_null(strstr(e.reason, "33 elements (max 32)"));
	q.n_recipients = 2;
	rcpts[1] = (char *)"bad recipient";
	len = lanu__v1__request__pack(&req, buf);
	assert_int_equal(msg_decode_request(buf, len, &out, &e), -EINVAL);
	assert_string_equal(e.field, "replay.recipients[1]");
	rcpts[1] = (char *)"sup-a";
	len = lanu__v1__request__pack(&req, buf);
	assert_int_equal(msg_decode_request(buf, len, &out, &e), 0);
	msg_free_request(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_required_and_ids),
		cmocka_unit_test(test_lengths_and_text),
		cmocka_unit_test(test_identity_codes),
		cmocka_unit_test(test_numbers_and_maps),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
