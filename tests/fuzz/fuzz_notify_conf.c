/*
 * libFuzzer target: lanu-notify's configuration and state file (clients/notify_conf.c,
 * docs/notify.md). The input is a configuration, then, after a NUL byte, a state file;
 * both are written to a temporary directory (on tmpfs where there is one) and read as
 * lanu-notify reads them. A configuration read without an error must hold only what
 * docs/notify.md allows:
 *
 *   - at least one channel, each of a recipient it names, whose id is a plan id; a
 *     webhook's URL http(s):// of printable ASCII, an e-mail channel's "mailto:" and an
 *     address mail_address_valid() takes; names to lanud unique per recipient;
 *   - a digest's times strictly increasing within a day, given exactly when a severity
 *     is; e-mail channels only with a relay and a sender;
 *
 * and a state file read without an error gives every channel sent >= delivered, last ==
 * delivered. Then the cursors are written (notify_state_write()) and read back into the
 * same configuration read again: they must be the same (the round trip of the file
 * lanu-notify restarts from).
 *
 * LANU_FUZZ_TRACE=1 keeps the loader's messages on stderr (they go to /dev/null
 * otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lanu/macro.h"
#include "notify_conf.h"
#include "plan_value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_dir[256];
static int fz_null = -1, fz_stderr = -1;	/* /dev/null, and stderr as it was */

static void _printf_(1, 2) __attribute__((noreturn))
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz_notify_conf: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void
fuzz_write(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		fuzz_fail("cannot write %s", path);
}

static void
fuzz_setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(fz_dir, sizeof(fz_dir), "%s/fuzz-notify-conf.XXXXXX", base);
	if (!mkdtemp(fz_dir))
		fuzz_fail("cannot make a directory under %s", base);
	if (!getenv("LANU_FUZZ_TRACE")) {
		fz_null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		fz_stderr = dup(STDERR_FILENO);
	}
}

/* The checks of a configuration read without an error. */
static void
fuzz_check_conf(const struct notify *n)
{
	bool email = false;

	if (n->n_ch == 0 || n->n_ch > NOTIFY_MAX_CHANNELS || n->n_rcpts == 0 ||
	    n->n_rcpts > LANU_MAX_RECIPIENTS)
		fuzz_fail("%zu channels, %zu recipients", n->n_ch, n->n_rcpts);
	for (size_t i = 0; i < n->n_rcpts; i++)
		if (!value_is_id(n->rcpts[i].id))
			fuzz_fail("recipient '%s' is not an id", n->rcpts[i].id);
	for (size_t i = 0; i < n->n_ch; i++) {
		const struct channel *ch = &n->ch[i];

		if (ch->rcpt >= n->n_rcpts || !ch->url)
			fuzz_fail("channel %zu: recipient %zu, url %p", i, ch->rcpt,
				  (const void *)ch->url);
		if (ch->kind == CHANNEL_EMAIL) {
			email = true;
			if (strncmp(ch->url, "mailto:", 7) != 0 || !mail_address_valid(ch->url + 7))
				fuzz_fail("e-mail channel '%s'", ch->url);
			if (strcmp(ch->lang, "fi") && strcmp(ch->lang, "sv") && strcmp(ch->lang, "en"))
				fuzz_fail("lang '%s'", ch->lang);
		} else {
			if (strncmp(ch->url, "http://", 7) && strncmp(ch->url, "https://", 8))
				fuzz_fail("webhook '%s'", ch->url);
			for (const char *p = ch->url; *p; p++)
				if (*p <= ' ' || *p > '~')
					fuzz_fail("webhook URL with byte %d", *p);
		}
		if ((ch->digest_max != 0) != (ch->n_digest_at != 0) || ch->digest_max > 3)
			fuzz_fail("digest %d with %zu times", ch->digest_max, ch->n_digest_at);
		for (size_t j = 0; j < ch->n_digest_at; j++)
			if (ch->digest_at[j] >= 24 * 60 ||
			    (j > 0 && ch->digest_at[j - 1] >= ch->digest_at[j]))
				fuzz_fail("digest times not increasing within a day");
		for (size_t j = 0; j < i; j++)
			if (n->ch[j].rcpt == ch->rcpt && strcmp(n->ch[j].name, ch->name) == 0)
				fuzz_fail("two channels named '%s'", ch->name);
	}
	if (email && (!*n->relay.url || !*n->relay.from))
		fuzz_fail("e-mail without a relay or a sender");
}

/* The loader's messages to /dev/null (quiet) or back to stderr, whose reports (this
 * target's, the sanitizers', libFuzzer's) are to be seen. */
static void
fuzz_quiet(bool quiet)
{
	if (fz_null < 0 || fz_stderr < 0)
		return;
	fflush(stderr);
	dup2(quiet ? fz_null : fz_stderr, STDERR_FILENO);
}

static int
fuzz_load(struct notify *n, const char *conf, const char *state)
{
	int r;

	memset(n, 0, sizeof(*n));
	n->path = conf;
	fuzz_quiet(true);
	r = notify_conf_load(n);
	fuzz_quiet(false);
	snprintf(n->state, sizeof(n->state), "%s", state);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t conf_len = nul ? (size_t)(nul - data) : size;
	char conf[300], state[300], state2[300];
	struct notify n, again;
	int r;

	if (!*fz_dir)
		fuzz_setup();
	snprintf(conf, sizeof(conf), "%s/notify.conf", fz_dir);
	snprintf(state, sizeof(state), "%s/state", fz_dir);
	snprintf(state2, sizeof(state2), "%s/state2", fz_dir);
	fuzz_write(conf, data, conf_len);
	fuzz_write(state, nul ? nul + 1 : data, nul ? size - conf_len - 1 : 0);
	r = fuzz_load(&n, conf, state);
	if (r == 0) {
		fuzz_check_conf(&n);
		fuzz_quiet(true);
		r = notify_state_load(&n);
		fuzz_quiet(false);
		if (r == 0) {
			for (size_t i = 0; i < n.n_ch; i++)
				if (n.ch[i].sent < n.ch[i].delivered || n.ch[i].last != n.ch[i].delivered)
					fuzz_fail("channel %zu: delivered %lu, sent %lu, last %lu", i,
						  (unsigned long)n.ch[i].delivered,
						  (unsigned long)n.ch[i].sent,
						  (unsigned long)n.ch[i].last);
			/* the round trip */
			snprintf(n.state, sizeof(n.state), "%s", state2);
			if (notify_state_write(&n) < 0)
				fuzz_fail("cannot write the state back");
			if (fuzz_load(&again, conf, state2) != 0 || again.n_ch != n.n_ch)
				fuzz_fail("the configuration read differently the second time");
			if (notify_state_load(&again) != 0)
				fuzz_fail("the state written is not read back");
			for (size_t i = 0; i < n.n_ch; i++)
				if (again.ch[i].delivered != n.ch[i].delivered ||
				    again.ch[i].sent != n.ch[i].sent)
					fuzz_fail("channel %zu: cursors %lu/%lu came back %lu/%lu", i,
						  (unsigned long)n.ch[i].delivered,
						  (unsigned long)n.ch[i].sent,
						  (unsigned long)again.ch[i].delivered,
						  (unsigned long)again.ch[i].sent);
			notify_conf_free(&again);
			unlink(state2);
		}
	}
	notify_conf_free(&n);
	return 0;
}
