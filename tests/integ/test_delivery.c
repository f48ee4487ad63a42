/*
 * Integration tests: a notifier's DeliveryFailed (docs/protocol.md "DeliveryFailed"),
 * through a real lanud: one DELIVERY_FAILED alert per episode, routed by a
 * delivery-failed route and not to the recipient whose channel fails; a report of the
 * same episode again raises nothing; a recovery resolves it; the refusals.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define OK LANU__V1__REPLY__CODE__OK
#define REJECTED LANU__V1__REPLY__CODE__REJECTED
#define NOT_FOUND LANU__V1__REPLY__CODE__NOT_FOUND

static const char plan[] =
	"lanu-plan: 1\n"
	"plan: {id: t, organiser: Town, title: Plan, period: 2022-2027}\n"
	"areas:\n"
	"  - {id: town, name: Town, kind: municipality}\n"
	"recipients:\n"
	"  - {id: board, name: Board, kind: board}\n"
	"  - {id: youth-work, name: {fi: Etsiv\xc3\xa4 nuorisoty\xc3\xb6, en: Outreach youth work},\n"
	"     kind: team}\n"
	"routes:\n"
	"  - {kinds: delivery-failed, to: board}\n";

static int
setup(void **state)
{
	return daemon_fixture_up(state, DAEMON_MANUAL_CLOCK, plan);
}

static struct daemon_answer
failed(struct client *c, const char *recipient, uint64_t since, const char *reason,
       bool recovered)
{
	static unsigned k;
	Lanu__V1__DeliveryFailed m = LANU__V1__DELIVERY_FAILED__INIT;
	Lanu__V1__Envelope env = LANU__V1__ENVELOPE__INIT;
	char id[32];

	snprintf(id, sizeof(id), "df-%u", ++k);
	env.event_id = id;
	env.producer = (char *)"notify";
	env.occurred_at_ms = 1;
	env.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED;
	env.delivery_failed = &m;
	m.recipient = (char *)recipient;
	m.channel = (char *)"webhook";
	m.failing_since_ms = since;
	m.last_seq = 7;
	m.reason = (char *)reason;
	m.recovered = recovered;
	return daemon_send(c, &env);
}

/* The kinds of recipient's alerts, space-separated, in order. */
static void
expect_kinds(struct client *c, const char *recipient, const char *want)
{
	Lanu__V1__Alert **v;
	size_t n = daemon_replay_alerts(c, recipient, 0, &v, 64), used = 0;
	char got[256] = "";

	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", used ? " " : "",
					 daemon_kind_name(v[i]->kind));
	daemon_alerts_free(v, n);
	assert_string_equal(got, want);
}

static void
test_once_per_episode_then_resolved(void **state)
{
	struct daemon_fixture *f = *state;
	uint64_t since = iso_ms("2025-10-03T08:00:00Z");
	Lanu__V1__Alert **v;
	size_t n;

	assert_int_equal(failed(f->c, "youth-work", since, "HTTP 503", false).code, OK);
	assert_int_equal(failed(f->c, "youth-work", since, "HTTP 503", false).code, OK);
	expect_kinds(f->c, "board", "DELIVERY_FAILED");
	expect_kinds(f->c, "youth-work", "");

	n = daemon_replay_alerts(f->c, "board", 0, &v, 64);
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->severity, LANU__V1__SEVERITY__SEVERITY_CRITICAL);
	assert_string_equal(v[0]->subject, "recipient:youth-work");
	assert_non_null(v[0]->text);
	assert_non_null(strstr(v[0]->text->en, "Alerts are not reaching Outreach youth work by "
					       "webhook since 2025-10-03 11:00: HTTP 503. "
					       "Last delivered: #7."));
	assert_non_null(strstr(v[0]->text->fi, "Etsiv\xc3\xa4 nuorisoty\xc3\xb6"));
	daemon_alerts_free(v, n);

	assert_int_equal(failed(f->c, "youth-work", since, "", true).code, OK);
	assert_int_equal(failed(f->c, "youth-work", since, "", true).code, OK);
	expect_kinds(f->c, "board", "DELIVERY_FAILED RESOLVED");

	/* a new episode: a new alert */
	assert_int_equal(failed(f->c, "youth-work", since + 86400000, "connection refused",
				false).code, OK);
	expect_kinds(f->c, "board", "DELIVERY_FAILED RESOLVED DELIVERY_FAILED");
	/* a recovery of an episode lanud raised nothing for: stored, nothing raised */
	assert_int_equal(failed(f->c, "board", since, "", true).code, OK);
	expect_kinds(f->c, "board", "DELIVERY_FAILED RESOLVED DELIVERY_FAILED");
}

static void
test_refusals(void **state)
{
	struct daemon_fixture *f = *state;
	char long_reason[202];
	struct daemon_answer a;

	a = failed(f->c, "nobody", 1000, "HTTP 503", false);
	assert_int_equal(a.code, NOT_FOUND);
	assert_string_equal(a.field, "event.delivery_failed.recipient");
	a = failed(f->c, "board", 1000, "HTTP\n503", false);
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.delivery_failed.reason");
	memset(long_reason, 'x', sizeof(long_reason) - 1);
	long_reason[sizeof(long_reason) - 1] = '\0';
	a = failed(f->c, "board", 1000, long_reason, false);
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.delivery_failed.reason");
	a = failed(f->c, "board", 0, "HTTP 503", false);
	assert_int_equal(a.code, REJECTED);
	assert_string_equal(a.field, "event.delivery_failed.failing_since_ms");
	expect_kinds(f->c, "board", "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_once_per_episode_then_resolved, setup,
						daemon_fixture_down),
		cmocka_unit_test_setup_teardown(test_refusals, setup, daemon_fixture_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
