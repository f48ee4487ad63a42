/* alert_text: the words of alerts, with the plan's names, in fi, sv and en. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "alert_text.h"
#include "plan.h"
#include "plan_index.h"

static const char plan_text[] =
	"lanu-plan: 1\n"
	"plan: {id: t, organiser: Test, title: Test, period: 2027-2030}\n"
	"areas:\n"
	"  - id: town\n"
	"    name: {fi: Kylä, sv: Byn}\n"
	"    kind: municipality\n"
	"    areas: [{id: kyla-koulu, name: {fi: Kylän koulu, en: Village school}, kind: school}]\n"
	"recipients: [{id: sup, name: Supervisor, kind: supervisor}]\n"
	"services:\n"
	"  - id: school-social-worker\n"
	"    name: {fi: Koulukuraattori, sv: Skolkurator, en: School social worker}\n"
	"    limits: {normal: 7 working days}\n"
	"  - id: staged\n"
	"    name: Staged\n"
	"    stages:\n"
	"      - {id: first, name: {fi: Ensimmäinen, en: First}, limits: {normal: 7 working days}}\n"
	"indicators:\n"
	"  - {id: in-time, name: {fi: Ajallaan, en: In time}, unit: percent,\n"
	"     direction: higher-is-better, target: 100, warning: 90, critical: 80,\n"
	"     cadence: continuous, source: {kind: compliance, service: staged, stage: first}}\n"
	"routes: [{to: sup}]\n";

struct fixture {
	Lanu__V1__Plan *plan;
	struct plan_index *x;
};

static int
setup(void **state)
{
	static struct fixture f;
	struct plan_errors errs = { 0 };

	assert_int_equal(plan_parse("t.yaml", plan_text, sizeof(plan_text) - 1, &f.plan, &errs), 0);
	plan_errors_free(&errs);
	assert_int_equal(plan_index_new(f.plan, &f.x), 0);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	plan_index_free(f->x);
	plan_free(f->plan);
	return 0;
}

/* An alert about a clock (or an indicator), with its facts. */
static Lanu__V1__Alert
alert_of(Lanu__V1__AlertFacts *f, const char *service, const char *area)
{
	Lanu__V1__Alert a = LANU__V1__ALERT__INIT;

	a.service = (char *)service;
	a.area = (char *)area;
	a.facts = f;
	return a;
}

/* Names in each language, falling back to Finnish; a part without its value is left out. */
static void
test_names(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__AlertFacts facts = LANU__V1__ALERT_FACTS__INIT;
	Lanu__V1__Alert a = alert_of(&facts, "school-social-worker", "kyla-koulu");
	Lanu__V1__Text t;
	struct alert_text_buf b;

	facts.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_DEADLINE_MISSED;
	facts.case_id = (char *)"c-17";
	facts.due_day = (char *)"2028-01-31";
	alert_text_fill(&a, f->x, &b, &t);
	assert_ptr_equal(a.text, &t);
	assert_string_equal(t.fi, "Määräaika ylittyi: Koulukuraattori, Kylän koulu, asia c-17; "
				  "määräpäivä oli 2028-01-31.");
	/* no Swedish name for the school: its Finnish one */
	assert_string_equal(t.sv, "Tidsfristen överskreds: Skolkurator, Kylän koulu, ärende c-17; "
				  "sista dag var 2028-01-31.");
	assert_string_equal(t.en, "Deadline missed: School social worker, Village school, "
				  "case c-17; it was due 2028-01-31.");
}

static void
test_stage_and_ids(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__AlertFacts facts = LANU__V1__ALERT_FACTS__INIT;
	Lanu__V1__Alert a = alert_of(&facts, "staged", "gone");
	Lanu__V1__Text t;
	struct alert_text_buf b;

	facts.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_PROVIDED_LATE;
	facts.case_id = (char *)"c-1";
	facts.stage = (char *)"first";
	facts.due_day = (char *)"2028-01-31";
	facts.closed_day = (char *)"2028-02-03";
	alert_text_fill(&a, f->x, &b, &t);
	/* an area the plan no longer has is written by its id */
	assert_string_equal(t.en, "Provided late: Staged, stage First, gone, case c-1; it was due "
				  "2028-01-31, provided 2028-02-03.");
	/* without a plan, every object is its id */
	alert_text_fill(&a, NULL, &b, &t);
	assert_string_equal(t.fi, "Palvelu annettu myöhässä: staged, vaihe first, gone, asia c-1; "
				  "määräpäivä oli 2028-01-31, annettu 2028-02-03.");
}

static void
test_compliance(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__AlertFacts facts = LANU__V1__ALERT_FACTS__INIT;
	Lanu__V1__Alert a = alert_of(&facts, "staged", "");
	Lanu__V1__Text t;
	struct alert_text_buf b;

	a.indicator = (char *)"in-time";
	facts.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_COMPLIANCE_WARNING;
	facts.group = (char *)"language=fi";
	facts.value = 87.5;
	facts.count = 24;
	alert_text_fill(&a, f->x, &b, &t);
	assert_string_equal(t.en, "Compliance below target: In time (language=fi) is 87.5 % "
				  "(24 cases in 12 months).");
	facts.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_COMPLIANCE_RECOVERED;
	facts.group = (char *)"";
	alert_text_fill(&a, f->x, &b, &t);
	assert_string_equal(t.fi, "Määräaikojen toteutuminen palautui: Ajallaan on 87.5 % "
				  "(24 asiaa 12 kuukaudessa).");
}

/* A long value is cut at the buffer, never beyond it. */
/* An escalation: the escalated alert, its kind, the plan's names, the delay in words of
 * each language (one, then many), the step. */
static void
test_escalation(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__AlertFacts facts = LANU__V1__ALERT_FACTS__INIT;
	Lanu__V1__Alert a = alert_of(&facts, "school-social-worker", "kyla-koulu");
	Lanu__V1__Duration after = LANU__V1__DURATION__INIT;
	Lanu__V1__Text t;
	struct alert_text_buf b;

	a.subject = (char *)"case:c-17";
	facts.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_ESCALATION;
	facts.alert_id = (char *)"a-17";
	facts.alert_kind = LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED;
	facts.step = 2;
	after.count = 2;
	after.unit = LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS;
	after.text = (char *)"2 working days";
	facts.after = &after;
	alert_text_fill(&a, f->x, &b, &t);
	assert_string_equal(t.fi, "Kuittaamaton hälytys a-17: määräaika ylittyi, Koulukuraattori, "
				  "Kylän koulu, case:c-17; kuittaamatta 2 työpäivää, porrastuksen "
				  "2. vaihe.");
	assert_string_equal(t.sv, "Okvitterat larm a-17: tidsfristen överskreds, Skolkurator, "
				  "Kylän koulu, case:c-17; okvitterat i 2 arbetsdagar, "
				  "eskaleringens steg 2.");
	assert_string_equal(t.en, "Unacknowledged alert a-17: deadline missed, School social "
				  "worker, Village school, case:c-17; not acknowledged for 2 working "
				  "days, escalation step 2.");
	/* one hour; an indicator's alert has no service, and its name */
	a = alert_of(&facts, "", "");
	a.indicator = (char *)"in-time";
	a.subject = (char *)"indicator:in-time";
	facts.alert_kind = LANU__V1__ALERT_KIND__ALERT_KIND_COMPLIANCE_BELOW_TARGET;
	facts.step = 1;
	after.count = 1;
	after.unit = LANU__V1__DURATION__UNIT__UNIT_HOURS;
	alert_text_fill(&a, f->x, &b, &t);
	assert_string_equal(t.fi, "Kuittaamaton hälytys a-17: määräaikojen toteutuminen alle "
				  "tavoitteen, Ajallaan, indicator:in-time; kuittaamatta 1 tunti, "
				  "porrastuksen 1. vaihe.");
	assert_string_equal(t.en, "Unacknowledged alert a-17: compliance below target, In time, "
				  "indicator:in-time; not acknowledged for 1 hour, escalation step 1.");
}

static void
test_truncated(void **state)
{
	char big[2000];
	Lanu__V1__AlertFacts facts = LANU__V1__ALERT_FACTS__INIT;
	Lanu__V1__Alert a = alert_of(&facts, "s", "");
	Lanu__V1__Text t;
	struct alert_text_buf b;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	facts.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_DEADLINE_WARNING;
	facts.case_id = big;
	facts.due_day = (char *)"2028-01-31";
	alert_text_fill(&a, NULL, &b, &t);
	assert_int_equal(strlen(t.fi), sizeof(b.fi) - 1);
	assert_int_equal(strlen(t.en), sizeof(b.en) - 1);
}

/* An alert read from the log: facts in, its text written and freed with it; an alert
 * stored before facts keeps its words. */
static void
test_attach(void **state)
{
	struct fixture *f = *state;
	Lanu__V1__AlertFacts facts = LANU__V1__ALERT_FACTS__INIT;
	Lanu__V1__Alert a = alert_of(&facts, "school-social-worker", "kyla-koulu"), *read;
	Lanu__V1__Text old = LANU__V1__TEXT__INIT;
	uint8_t buf[512];
	size_t len;

	facts.text = LANU__V1__ALERT_FACTS__TEXT__TEXT_MISSED_REPORTED;
	facts.case_id = (char *)"c-9";
	len = lanu__v1__alert__pack(&a, buf);
	read = lanu__v1__alert__unpack(NULL, len, buf);
	assert_non_null(read);
	assert_null(read->text);
	assert_int_equal(alert_text_attach(read, f->x), 0);
	assert_non_null(read->text);
	assert_string_equal(read->text->en,
			    "Deadline missed: School social worker, Village school, case c-9.");
	lanu__v1__alert__free_unpacked(read, NULL);	/* ASan: the text goes with it */

	a.facts = NULL;
	old.en = (char *)"Deadline missed: service school-social-worker.";
	a.text = &old;
	len = lanu__v1__alert__pack(&a, buf);
	read = lanu__v1__alert__unpack(NULL, len, buf);
	assert_int_equal(alert_text_attach(read, f->x), 0);
	assert_string_equal(read->text->en, "Deadline missed: service school-social-worker.");
	lanu__v1__alert__free_unpacked(read, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_stage_and_ids),
		cmocka_unit_test(test_compliance),
		cmocka_unit_test(test_escalation),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_attach),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
