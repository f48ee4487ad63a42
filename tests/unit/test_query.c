/* query: a request body query_answer() does not know is refused, never misread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lanud.h"
#include "query.h"
#include "store.h"
#include "testutil.h"

struct fixture {
	char *dir;
	struct lanud d;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || !(f->dir = test_tmpdir()))
		return -1;
	if (store_open(f->dir, 1 << 20, 64 << 20, &f->d.store) < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_free(f->d.store);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
expect_refused(struct lanud *d, Lanu__V1__Request *req)
{
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
	struct query_ctx qc;

	query_answer(d, req, 0, &rep, &qc);
	assert_int_equal(rep.code, LANU__V1__REPLY__CODE__REJECTED);
	assert_int_equal(rep.result_case, LANU__V1__REPLY__RESULT__NOT_SET);
	assert_string_equal(rep.field, "body");
	assert_non_null(strstr(rep.reason, "not a query"));
	assert_int_equal(rep.corr_id, req->corr_id);
	query_done(&qc);
}

static void
test_unknown_body(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;

	/* Not a query: it was the alert list's to answer, reading the wrong member. */
	req.corr_id = 7;
	req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
	req.clock_set = &cs;
	expect_refused(&f->d, &req);

	/* A body newer than this code (its member is not one query.c knows). */
	req.corr_id = 8;
	req.body_case = (Lanu__V1__Request__BodyCase)99;
	req.clock_set = NULL;
	expect_refused(&f->d, &req);
}

static void
test_alert_lists_still_answered(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__OpenAlertsQuery oq = LANU__V1__OPEN_ALERTS_QUERY__INIT;
	Lanu__V1__ReplayQuery rq = LANU__V1__REPLAY_QUERY__INIT;
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
	struct query_ctx qc;

	req.body_case = LANU__V1__REQUEST__BODY_OPEN_ALERTS;
	req.open_alerts = &oq;
	query_answer(&f->d, &req, 0, &rep, &qc);
	assert_int_equal(rep.code, LANU__V1__REPLY__CODE__OK);
	assert_int_equal(rep.result_case, LANU__V1__REPLY__RESULT_ALERTS);
	query_done(&qc);

	/* A replay asks for recipients, the unrouted or all: nothing is refused. */
	lanu__v1__reply__init(&rep);
	req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
	req.replay = &rq;
	query_answer(&f->d, &req, 0, &rep, &qc);
	assert_int_equal(rep.code, LANU__V1__REPLY__CODE__REJECTED);
	assert_string_equal(rep.field, "replay.recipients");
	query_done(&qc);

	lanu__v1__reply__init(&rep);
	rq.unrouted = true;
	query_answer(&f->d, &req, 0, &rep, &qc);
	assert_int_equal(rep.code, LANU__V1__REPLY__CODE__OK);
	assert_int_equal(rep.result_case, LANU__V1__REPLY__RESULT_ALERTS);
	query_done(&qc);

	lanu__v1__reply__init(&rep);
	rq.all = true;
	query_answer(&f->d, &req, 0, &rep, &qc);
	assert_int_equal(rep.code, LANU__V1__REPLY__CODE__REJECTED);
	assert_string_equal(rep.field, "replay.all");
	query_done(&qc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unknown_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_lists_still_answered, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
