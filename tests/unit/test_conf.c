/*
 * conf: golden files. tests/fixtures/conf.N.in is parsed; conf.N.ok holds either a
 * dump of the parsed configuration or, for a bad file, every error lanud prints.
 * Set LANU_UPDATE_GOLDEN=1 to rewrite the .ok files after a deliberate change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

static void
dump(const struct conf *c, FILE *f)
{
	for (size_t i = 0; i < c->n_ingest; i++)
		fprintf(f, "ingest %s\n", c->ingest[i]);
	for (size_t i = 0; i < c->n_publish; i++)
		fprintf(f, "publish %s\n", c->publish[i]);
	fprintf(f, "state-dir %s\nplan %s\nlog-level %d\nmap-size %llu\nmap-max %llu\nclock %s\n",
		c->state_dir, c->plan ? c->plan : "(none)", c->log_level,
		(unsigned long long)c->map_size, (unsigned long long)c->map_max,
		c->manual_clock ? "manual" : "system");
	if (c->clock_start_ms)
		fprintf(f, "clock-start %llu\n", (unsigned long long)c->clock_start_ms);
	if (*c->metrics_host)
		fprintf(f, "metrics %s port %u\n", c->metrics_host, c->metrics_port);
	if (c->backup_dir)
		fprintf(f, "backup-dir %s\n", c->backup_dir);
	fprintf(f, "keys-dir %s\nserver-key %s\n", c->keys_dir ? c->keys_dir : "(none)",
		c->server_key ? c->server_key : "(none)");
}

/* Loads name with overrides, returning what a person would see: dump or errors. */
static char *
run(const char *name, const struct conf_override *o, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	FILE *tmp = tmpfile();
	struct conf *c = NULL;
	int saved = dup(2), r;
	char buf[4096];
	size_t got;

	assert_non_null(mem);
	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	r = conf_load(name, o, n, &c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (r == 0) {
		dump(c, mem);
		conf_free(c);
	} else {
		fprintf(mem, "error %d\n", r);
		rewind(tmp);
		while ((got = fread(buf, 1, sizeof(buf), tmp)) > 0)
			fwrite(buf, 1, got, mem);
	}
	fclose(tmp);
	fclose(mem);
	return out;
}

static void
golden(const char *name, const char *got)
{
	char ok[256], *want = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(ok, sizeof(ok), "%.*s.ok", (int)(strlen(name) - 3), name);
	if (getenv("LANU_UPDATE_GOLDEN")) {
		f = fopen(ok, "we");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	f = fopen(ok, "re");
	if (!f)
		fail_msg("no golden file %s; got:\n%s", ok, got);
	want = calloc(1, 65536);
	len = fread(want, 1, 65535, f);
	fclose(f);
	want[len] = '\0';
	if (strcmp(want, got) != 0)
		fail_msg("%s differs.\nwant:\n%s\ngot:\n%s", ok, want, got);
	free(want);
}

static void
test_golden_files(void **state)
{
	char name[64];
	int n;

	(void)state;
	for (n = 1;; n++) {
		char *got;

		snprintf(name, sizeof(name), "conf.%d.in", n);
		if (access(name, R_OK) < 0)
			break;
		got = run(name, NULL, 0);
		golden(name, got);
		free(got);
	}
	assert_true(n > 3);
}

static void
test_overrides(void **state)
{
	const struct conf_override o[] = {
		{ "ingest", "tcp://127.0.0.1:7401" },
		{ "state-dir", "/var/lib/lanu" },
		{ "clock", "manual" },
	};
	const struct conf_override bad[] = { { "map-size", "12X" } };
	const struct conf_override start[] = { { "clock", "manual 2027-01-04T09:00+02:00" } };
	const struct conf_override bad_start[] = { { "clock", "manual monday" } };
	const struct conf_override system_start[] = { { "clock", "system 2027-01-04" } };
	char *got;

	(void)state;
	got = run("conf.1.in", o, 3);
	assert_non_null(strstr(got, "ingest tcp://127.0.0.1:7401\npublish"));
	assert_null(strstr(got, "ingest ipc://"));	/* replaced, not added */
	assert_non_null(strstr(got, "state-dir /var/lib/lanu\n"));
	assert_non_null(strstr(got, "clock manual\n"));
	free(got);
	got = run("conf.1.in", start, 1);
	assert_non_null(strstr(got, "clock manual\nclock-start 1799046000000\n"));
	free(got);
	got = run("conf.1.in", bad_start, 1);
	assert_non_null(strstr(got, "command line --clock: clock start 'monday' is not an "
				    "instant"));
	free(got);
	got = run("conf.1.in", system_start, 1);
	assert_non_null(strstr(got, "'clock' takes 'system', 'manual' or 'manual START'"));
	free(got);
	got = run("conf.1.in", bad, 1);
	assert_non_null(strstr(got, "command line --map-size: '12X' is not a size"));
	free(got);
	got = run("does-not-exist.conf", NULL, 0);
	assert_non_null(strstr(got, "cannot open 'does-not-exist.conf'"));
	free(got);
}

/* metrics ADDRESS:PORT: IPv4, or IPv6 in brackets; port 0 (any) to 65535. */
static void
test_metrics(void **state)
{
	static const struct {
		const char *v, *want;
	} cases[] = {
		{ "127.0.0.1:9466", "metrics 127.0.0.1 port 9466\n" },
		{ "[::1]:0", "metrics ::1 port 0\n" },
		{ "0.0.0.0:65535", "metrics 0.0.0.0 port 65535\n" },
		{ "::1:9466", "is not a numeric IPv4 address or an IPv6 one in brackets" },
		{ "[127.0.0.1]:80", "is not a numeric IPv4 address or an IPv6 one in brackets" },
		{ "localhost:9466", "'localhost' is not a numeric IPv4 address" },
		{ "127.0.0.1:70000", "metrics port '70000' is not a port" },
		{ "127.0.0.1:", "metrics port '' is not a port" },
		{ "127.0.0.1", "is not ADDRESS:PORT" },
		{ ":9466", "is not ADDRESS:PORT" },
	};
	char *got;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct conf_override o[] = { { "metrics", cases[i].v },
						   { "backup-dir", "/var/backups/lanu" } };

		got = run("conf.1.in", o, 2);
		if (!strstr(got, cases[i].want))
			fail_msg("metrics %s: got %s", cases[i].v, got);
		if (!strstr(got, "command line") && !strstr(got, "backup-dir /var/backups/lanu\n"))
			fail_msg("backup-dir not kept: %s", got);
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_files),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_metrics),
	};

	log_set_level(LOG_DEBUG);
	if (chdir(FIXTURES_DIR) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
