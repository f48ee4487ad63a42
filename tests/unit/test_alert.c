/* alert: the prev_seq that alert.c appends to a packed Alert is the schema's field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "alert.h"

static void
test_prev_seq_field(void **state)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(&lanu__v1__alert__descriptor,
								"prev_seq");

	(void)state;
	assert_int_equal(alert_check_wire(), 0);
	assert_non_null(f);
	assert_int_equal(f->id, ALERT_PREV_SEQ_FIELD);
	assert_int_equal(f->type, PROTOBUF_C_TYPE_UINT64);
}

/* A copy packed without prev_seq, with the key and a varint appended as
 * alert_queue() does, decodes with that prev_seq and nothing else changed. */
static void
test_appended_prev_seq_decodes(void **state)
{
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT, *out;
	uint8_t buf[256];
	size_t len;

	(void)state;
	a.seq = 42;
	a.alert_id = (char *)"a-42";
	a.kind = LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED;
	a.dedup_key = (char *)"k";
	len = lanu__v1__alert__pack(&a, buf);
	buf[len++] = ALERT_PREV_SEQ_FIELD << 3;
	buf[len++] = 0xac;	/* 300, varint */
	buf[len++] = 0x02;
	out = lanu__v1__alert__unpack(NULL, len, buf);
	assert_non_null(out);
	assert_int_equal(out->prev_seq, 300);
	assert_int_equal(out->seq, 42);
	assert_string_equal(out->alert_id, "a-42");
	assert_int_equal(out->base.n_unknown_fields, 0);
	lanu__v1__alert__free_unpacked(out, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prev_seq_field),
		cmocka_unit_test(test_appended_prev_seq_decodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
