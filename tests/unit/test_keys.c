/* keys: the peers' key files, read whole with every problem said, written atomically,
 * found by public key in a directory; secret files refused when others may read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "keys.h"
#include "lanu.pb-c.h"
#include "testutil.h"

struct said {
	char text[4096];
	int n;
};

static void
collect(const char *msg, void *arg)
{
	struct said *s = arg;
	size_t at = strlen(s->text);

	snprintf(s->text + at, sizeof(s->text) - at, "%s\n", msg);
	s->n++;
}

static char *dir;

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	dir = test_tmpdir();
	return dir ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	test_rmrf(dir);
	free(dir);
	dir = NULL;
	return 0;
}

static void
test_read_valid(void **state)
{
	char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1], text[512], path[128];
	struct keys_entry *e;
	uint8_t bin[32];

	(void)state;
	assert_int_equal(keys_new_pair(pub, sec), 0);
	snprintf(text, sizeof(text), "# a school system\nname wilma-1\npublic %s\nrole producer\n"
				     "areas kyla-koulu keskuskoulu\n"
				     "events absence-counts-reported drop-out-reported\n", pub);
	write_file("wilma-1.key", text);
	snprintf(path, sizeof(path), "%s/wilma-1.key", dir);
	assert_int_equal(keys_read(path, NULL, NULL, &e), 0);
	assert_string_equal(e->name, "wilma-1");
	assert_int_equal(e->role, KEYS_PRODUCER);
	assert_int_equal(e->n_areas, 2);
	assert_string_equal(e->areas[1], "keskuskoulu");
	assert_int_equal(e->n_events, 2);
	assert_true(keys_scope_has(e->events, e->n_events, "drop-out-reported"));
	assert_false(keys_scope_has(e->events, e->n_events, "deadline-missed"));
	assert_true(keys_is_event("delivery-failed"));	/* a notifier's */
	assert_string_equal(keys_event_name(LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED),
			    "delivery-failed");
	assert_int_equal(e->revoked_ms, 0);
	zmq_z85_decode(bin, pub);
	assert_memory_equal(e->public_key, bin, 32);
	keys_entry_free(e);
}

static void
test_read_every_problem(void **state)
{
	struct keys_entry *e = NULL;
	struct said s = { 0 };
	char path[128];

	(void)state;
	write_file("bad.key", "name Liisa Virtanen\n"
			      "public abc\n"
			      "role king\n"
			      "events deadline-missed teleport\n"
			      "recipients board\n"
			      "secret xyz\n"
			      "colour blue\n"
			      "revoked yesterday\n");
	snprintf(path, sizeof(path), "%s/bad.key", dir);
	assert_int_equal(keys_read(path, collect, &s, &e), -EINVAL);
	assert_null(e);
	if (!strstr(s.text, "bad.key:1: 'name' needs one pseudonymous id") ||
	    !strstr(s.text, "bad.key:2: 'public' needs a CurveZMQ public key") ||
	    !strstr(s.text, "bad.key:3: 'role' is one of producer") ||
	    !strstr(s.text, "bad.key:4: 'teleport' is not an event kind") ||
	    !strstr(s.text, "bad.key:6: a secret key does not belong in a key file") ||
	    !strstr(s.text, "bad.key:7: unknown key 'colour'") ||
	    !strstr(s.text, "bad.key:8: 'revoked' needs an instant") ||
	    !strstr(s.text, "bad.key: no 'name'") || !strstr(s.text, "bad.key: no 'role'"))
		fail_msg("problems said:\n%s", s.text);
}

static void
test_write_find_revoke(void **state)
{
	char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1], path[128];
	char pub2[KEYS_Z85_LEN + 1], sec2[KEYS_Z85_LEN + 1];
	char *rcpts[] = { (char *)"board", (char *)"sup-a" };
	struct keys_entry e = { .role = KEYS_SUBSCRIBER, .recipients = rcpts, .n_recipients = 2 };
	struct keys_entry *got;
	uint8_t bin[32];

	(void)state;
	/* a key with '#' in its Z85, which would start a comment unquoted */
	for (int i = 0; i < 200 && (i == 0 || !strchr(pub, '#')); i++)
		assert_int_equal(keys_new_pair(pub, sec), 0);
	assert_non_null(strchr(pub, '#'));
	assert_int_equal(keys_new_pair(pub2, sec2), 0);
	snprintf(e.name, sizeof(e.name), "board-reader");
	zmq_z85_decode(e.public_key, pub);
	snprintf(path, sizeof(path), "%s/board-reader.key", dir);
	assert_int_equal(keys_write(path, &e, "made by a test"), 0);
	write_file("junk.key", "this is not a key\n");	/* passed over */
	write_file("notes.txt", "name x\n");

	zmq_z85_decode(bin, pub);
	assert_int_equal(keys_find(dir, bin, NULL, NULL, &got), 0);
	assert_string_equal(got->name, "board-reader");
	assert_int_equal(got->role, KEYS_SUBSCRIBER);
	assert_int_equal(got->n_recipients, 2);
	assert_string_equal(got->recipients[1], "sup-a");
	got->revoked_ms = 1796378400000ULL;	/* 2026-12-04T10:00:00Z */
	assert_int_equal(keys_write(path, got, "revoked by a test"), 0);
	keys_entry_free(got);
	assert_int_equal(keys_find(dir, bin, NULL, NULL, &got), 0);
	assert_int_equal(got->revoked_ms, 1796378400000ULL);
	keys_entry_free(got);

	zmq_z85_decode(bin, pub2);
	assert_int_equal(keys_find(dir, bin, NULL, NULL, &got), -ENOENT);
}

static void
test_secret_file(void **state)
{
	char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1], path[128];
	char rsec[KEYS_Z85_LEN + 1], other[KEYS_Z85_LEN + 1];
	struct keys_secret ks;
	struct said s = { 0 };
	struct stat st;
	char text[256];

	(void)state;
	assert_int_equal(keys_new_pair(pub, sec), 0);
	snprintf(path, sizeof(path), "%s/lanud.secret", dir);
	assert_int_equal(keys_write_secret(path, "lanud", pub, sec), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(keys_read_secret(path, NULL, NULL, &ks), 0);
	assert_string_equal(ks.public_z85, pub);
	assert_string_equal(ks.secret_z85, sec);
	assert_string_equal(ks.name, "lanud");

	chmod(path, 0644);
	assert_int_equal(keys_read_secret(path, collect, &s, &ks), -EINVAL);
	assert_non_null(strstr(s.text, "may be read by others (mode 644)"));

	/* a public half that is not the secret one's */
	assert_int_equal(keys_new_pair(other, rsec), 0);
	snprintf(text, sizeof(text), "public %s\nsecret %s\n", other, sec);
	write_file("mixed.secret", text);
	snprintf(path, sizeof(path), "%s/mixed.secret", dir);
	chmod(path, 0600);
	s.text[0] = '\0';
	assert_int_equal(keys_read_secret(path, collect, &s, &ks), -EINVAL);
	assert_non_null(strstr(s.text, "its public key is not the secret one's"));
}

static void
test_event_names(void **state)
{
	const char *const *v = keys_event_names();
	bool counts = false, missed = false;

	(void)state;
	for (; *v; v++) {
		counts |= strcmp(*v, "absence-counts-reported") == 0;
		missed |= strcmp(*v, "deadline-missed") == 0;
		assert_null(strchr(*v, '_'));
	}
	assert_true(counts && missed);
	assert_int_equal(keys_role_parse("operator", &(enum keys_role){ 0 }), 0);
	assert_string_equal(keys_role_name(KEYS_ADMIN), "admin");
	/* a notifier: bound to recipients, which it needs, and to nothing else */
	{
		enum keys_role role = 0;
		char *rcpts[] = { (char *)"board" }, *areas[] = { (char *)"town" };
		struct keys_entry e = { .role = KEYS_NOTIFIER };
		const char *why = NULL;

		assert_int_equal(keys_role_parse("notifier", &role), 0);
		assert_int_equal(role, KEYS_NOTIFIER);
		assert_string_equal(keys_role_name(KEYS_NOTIFIER), "notifier");
		assert_int_equal(keys_entry_check(&e, &why), -EINVAL);
		assert_non_null(strstr(why, "needs 'recipients'"));
		e.recipients = rcpts;
		e.n_recipients = 1;
		assert_int_equal(keys_entry_check(&e, &why), 0);
		e.areas = areas;
		e.n_areas = 1;
		assert_int_equal(keys_entry_check(&e, &why), -EINVAL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_every_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_find_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_file, setup, teardown),
		cmocka_unit_test(test_event_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
