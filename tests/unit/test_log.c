/* log: the rate limit of log_ratelimited(), on a clock the test moves; log_msg() unlimited;
 * where lines go: the journal with their fields when stderr is journald's stream (a fake
 * sd_journal_sendv here), else plain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"

#define SEC 1000000ULL

static uint64_t fake_now = 1000 * SEC;

static uint64_t
fake_clock(void)
{
	return fake_now;
}

/* stderr goes to a temporary file between capture_start() and capture_end(). */
static FILE *cap_file;
static int cap_saved = -1;

/* The journal the tests see: none (every send fails, so lines fall back to stderr with
 * their <N> prefix), or one that keeps the last message's fields in journal_got. */
static char journal_got[4096];

static int
journal_none(const struct iovec *iov, int n)
{
	(void)iov;
	(void)n;
	return -ENOENT;
}

static int
journal_keep(const struct iovec *iov, int n)
{
	size_t used = 0;

	for (int i = 0; i < n && used < sizeof(journal_got); i++)
		used += (size_t)snprintf(journal_got + used, sizeof(journal_got) - used, "%.*s\n",
					 (int)iov[i].iov_len, (const char *)iov[i].iov_base);
	return 0;
}

/* As journald's stream: JOURNAL_STREAM names stderr's device and inode. */
static void
stderr_as_journal(void)
{
	struct stat st;
	char v[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
}

static void
capture_start(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	cap_saved = dup(STDERR_FILENO);
	assert_true(cap_saved >= 0);
	assert_true(dup2(fileno(cap_file), STDERR_FILENO) >= 0);
	stderr_as_journal();
}

/* What was written since capture_start(); the caller frees it. */
static char *
capture_end(void)
{
	char *out;
	long n;

	fflush(stderr);
	assert_true(dup2(cap_saved, STDERR_FILENO) >= 0);
	close(cap_saved);
	cap_saved = -1;
	assert_int_equal(fseek(cap_file, 0, SEEK_END), 0);
	n = ftell(cap_file);
	assert_true(n >= 0);
	out = calloc(1, (size_t)n + 1);
	assert_non_null(out);
	rewind(cap_file);
	assert_int_equal(fread(out, 1, (size_t)n, cap_file), (size_t)n);
	fclose(cap_file);
	return out;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static int
setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	log_set_clock(fake_clock);
	fake_now += 3600 * SEC;		/* every site's interval is over */
	capture_start();
	log_flush();			/* and nothing is left from the test before */
	free(capture_end());
	return 0;
}

static void
site_a(int i)
{
	log_ratelimited(LOG_WARNING, "test: site a, line %d", i);
}

static void
test_burst_then_summary(void **state)
{
	char *out, line[64];

	(void)state;
	capture_start();
	for (int i = 1; i <= 25; i++) {
		site_a(i);
		fake_now += 1000;	/* 25 lines in 25 ms */
	}
	out = capture_end();
	assert_int_equal(count(out, "test: site a"), LOG_BURST);
	assert_non_null(strstr(out, "<4>test: site a, line 1\n"));
	snprintf(line, sizeof(line), "<4>test: site a, line %d\n", LOG_BURST);
	assert_non_null(strstr(out, line));
	assert_null(strstr(out, "log:"));
	free(out);

	/* Still inside the interval: dropped, no summary yet. */
	fake_now += LOG_INTERVAL_USEC / 2;
	capture_start();
	site_a(26);
	out = capture_end();
	assert_string_equal(out, "");
	free(out);

	/* Over: the summary of the 16 dropped, with the words of the format only, then the
	 * line itself. */
	fake_now += LOG_INTERVAL_USEC / 2;
	capture_start();
	site_a(27);
	out = capture_end();
	assert_string_equal(out, "<4>log: 16 more like 'test: site a, line ...' suppressed "
				 "within 5 s\n<4>test: site a, line 27\n");
	free(out);
}

static void
site_b(int i)
{
	log_ratelimited(LOG_NOTICE, "test: site b %d", i);
}

static void
site_c(int i)
{
	log_errno_ratelimited(LOG_ERR, -ENOSPC, "test: site c %d", i);
}

static void
test_sites_apart(void **state)
{
	char *out;

	(void)state;
	capture_start();
	for (int i = 0; i < 100; i++)
		site_b(i);
	for (int i = 0; i < 3; i++)
		site_c(i);
	assert_int_equal(log_errno_ratelimited(LOG_ERR, -EIO, "test: site d"), -EIO);
	out = capture_end();
	assert_int_equal(count(out, "<5>test: site b"), LOG_BURST);
	assert_int_equal(count(out, "<3>test: site c"), 3);
	assert_non_null(strstr(out, "<3>test: site c 2: No space left on device\n"));
	assert_non_null(strstr(out, "<3>test: site d: Input/output error\n"));
	free(out);

	/* A line of another site after the interval sums up b as well, at b's priority. */
	fake_now += LOG_INTERVAL_USEC;
	capture_start();
	site_c(3);
	out = capture_end();
	assert_string_equal(out, "<5>log: 90 more like 'test: site b ...' suppressed within 5 s\n"
				 "<3>test: site c 3: No space left on device\n");
	free(out);
}

/* log_msg() and log_errno(): start-up and configuration lines, never dropped. */
static void
test_unlimited(void **state)
{
	char *out;

	(void)state;
	capture_start();
	for (int i = 0; i < 100; i++)
		log_msg(LOG_ERR, "test: bad line %d", i);
	for (int i = 0; i < 100; i++)
		log_errno(LOG_WARNING, -EINVAL, "test: warning %d", i);
	log_flush();
	out = capture_end();
	assert_int_equal(count(out, "<3>test: bad line"), 100);
	assert_int_equal(count(out, "<4>test: warning"), 100);
	assert_null(strstr(out, "log:"));
	free(out);
}

static void
test_flush_and_level(void **state)
{
	char *out;

	(void)state;
	capture_start();
	for (int i = 0; i < LOG_BURST + 2; i++)
		log_ratelimited(LOG_WARNING, "test: flushed %d", i);
	log_flush();
	log_flush();	/* counted once */
	out = capture_end();
	assert_int_equal(count(out, "<4>test: flushed"), LOG_BURST);
	assert_int_equal(count(out, "log:"), 1);
	assert_non_null(strstr(out, "<4>log: 2 more like 'test: flushed ...' suppressed"));
	free(out);

	/* Below the level: neither written nor counted. */
	log_set_level(LOG_WARNING);
	capture_start();
	for (int i = 0; i < 2 * LOG_BURST; i++)
		log_ratelimited(LOG_INFO, "test: too verbose %d", i);
	log_flush();
	out = capture_end();
	assert_string_equal(out, "");
	free(out);
}

/* More sites than slots: the least recently used makes room, its count written first. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
test_eviction(void **state)
{
	static char fmts[64][32];
	char *out;

	(void)state;
	capture_start();
	for (int i = 0; i < LOG_BURST + 5; i++)
		log_ratelimited(LOG_WARNING, "test: evicted %d", i);
	fake_now += 1;
	for (int i = 0; i < 64; i++) {
		strcpy(fmts[i], "test: other site %d");	/* 64 sites: 64 addresses */
		log_ratelimited(LOG_WARNING, fmts[i], i);
		fake_now += 1;
	}
	out = capture_end();
	assert_int_equal(count(out, "<4>test: other site"), 64);
	assert_non_null(strstr(out, "<4>log: 5 more like 'test: evicted ...' suppressed "
				    "within 5 s\n<4>test: other site 63\n"));
	free(out);
}
#pragma GCC diagnostic pop

/* The ingest writer thread logs too. */
static void *
flood(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		log_ratelimited(LOG_WARNING, "test: from two threads %d", i);
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t th[2];
	char *out;

	(void)state;
	capture_start();
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, flood, NULL), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	log_flush();
	out = capture_end();
	assert_int_equal(count(out, "<4>test: from two threads"), LOG_BURST);
	assert_non_null(strstr(out, "<4>log: 1990 more like 'test: from two threads ...'"));
	free(out);
}

/* To the journal: the message, its priority, identifier, MESSAGE_ID and fields (an
 * empty or NULL value left out), nothing on stderr; a line to stderr alone when stderr
 * is not the journal's stream. */
static void
test_journal_fields(void **state)
{
	const struct log_field f[] = {
		{ "LANU_EVENT_ID", "ev-1" }, { "LANU_FIELD", "" }, { "LANU_PEER", NULL },
	};
	char *out;

	(void)state;
	log_set_journal(journal_keep);
	log_set_ident("lanud", true);
	capture_start();
	journal_got[0] = '\0';
	log_fields(LOG_WARNING, LOG_ID_REFUSED, f, 3, "ingest: request %d rejected", 7);
	out = capture_end();
	assert_string_equal(out, "");
	assert_string_equal(journal_got, "MESSAGE=ingest: request 7 rejected\nPRIORITY=4\n"
			    "SYSLOG_IDENTIFIER=lanud\nMESSAGE_ID=" LOG_ID_REFUSED "\n"
			    "LANU_EVENT_ID=ev-1\n");
	free(out);

	/* A plain log_msg() goes there too, without an id. */
	capture_start();
	log_msg(LOG_NOTICE, "store: migrated");
	out = capture_end();
	assert_string_equal(out, "");
	assert_string_equal(journal_got, "MESSAGE=store: migrated\nPRIORITY=5\n"
			    "SYSLOG_IDENTIFIER=lanud\n");
	free(out);

	/* stderr a file that is not the journal's stream: the line, no fields, no prefix. */
	capture_start();
	setenv("JOURNAL_STREAM", "1:1", 1);
	journal_got[0] = '\0';
	log_fields(LOG_WARNING, LOG_ID_REFUSED, f, 3, "ingest: request %d rejected", 8);
	out = capture_end();
	assert_string_equal(out, "ingest: request 8 rejected\n");
	assert_string_equal(journal_got, "");
	free(out);
	log_set_journal(journal_none);
	log_set_ident("lanu", false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_burst_then_summary, setup),
		cmocka_unit_test_setup(test_sites_apart, setup),
		cmocka_unit_test_setup(test_unlimited, setup),
		cmocka_unit_test_setup(test_flush_and_level, setup),
		cmocka_unit_test_setup(test_eviction, setup),
		cmocka_unit_test_setup(test_threads, setup),
		cmocka_unit_test_setup(test_journal_fields, setup),
	};

	log_set_journal(journal_none);	/* <N> prefixes: journald's stream, but no journal */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
