/*
 * log: the only module with global state besides main()'s context (rule 4).
 * Messages go to stderr as single lines prefixed with "<N>" when stderr is a
 * journald stream (JOURNAL_STREAM is set), so journald files them at the right
 * priority; on a terminal the prefix is left out. Never log payloads: only
 * pseudonymous ids ever reach a format string.
 */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Atomic: the ingest writer thread logs too, and SIGHUP may change the level. */
static _Atomic int log_level = LOG_INFO;
static _Atomic int log_prefix = -1;	/* -1: not decided yet */

void
log_set_level(int prio)
{
	log_level = prio;
}

int
log_get_level(void)
{
	return log_level;
}

int
log_level_from_string(const char *s)
{
	static const struct {
		const char *name;
		int prio;
	} levels[] = {
		{ "err", LOG_ERR },	{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < ELEMENTSOF(levels); i++)
		if (strcmp(s, levels[i].name) == 0)
			return levels[i].prio;
	return -EINVAL;
}

static void _printf_(3, 0)
log_vmsg(int prio, int err, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (prio > log_level)
		return;
	if (log_prefix < 0)
		log_prefix = getenv("JOURNAL_STREAM") != NULL;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (err != 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(err));
	/* One fprintf per line, so lines from a crash never interleave mid-line. */
	if (log_prefix)
		fprintf(stderr, "<%d>%s\n", prio, line);
	else
		fprintf(stderr, "%s\n", line);
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, 0, fmt, ap);
	va_end(ap);
}

int
log_errno(int prio, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, r < 0 ? -r : r, fmt, ap);
	va_end(ap);
	return r;
}
