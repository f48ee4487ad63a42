/*
 * log: the only module with global state besides main()'s context (rule 4).
 * Messages go to stderr as single lines prefixed with "<N>" when stderr is a
 * journald stream (JOURNAL_STREAM is set), so journald files them at the right
 * priority; on a terminal the prefix is left out. Never log payloads: only
 * pseudonymous ids ever reach a format string.
 *
 * Rate limit: log_ratelimited() keeps, per call site (the address of its format), how
 * many lines it wrote in its current interval and how many it dropped since, in a table
 * of LOG_SLOTS under log_lock (the ingest writer thread logs too). Each rate-limited
 * call looks at every slot: a site whose interval is over and that dropped lines has its
 * summary written then, so a flood of one kind is summed up as soon as any limited
 * line comes. Lines written with log_msg() and log_errno() never touch the table.
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_SLOTS 64

/* One rate-limited call site; fmt NULL: free. */
struct log_site {
	const char *fmt;
	int prio;		/* of its last line: its summary's */
	uint64_t start;		/* its interval's, monotonic usec */
	uint64_t used;		/* its last line's, for eviction */
	unsigned n;		/* lines written in the interval */
	unsigned long dropped;	/* since its last summary */
};

/* Atomic: the ingest writer thread logs too, and SIGHUP may change the level. */
static _Atomic int log_level = LOG_INFO;
static _Atomic int log_prefix = -1;	/* -1: not decided yet */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;	/* the two below */
static struct log_site log_sites[LOG_SLOTS];
static uint64_t (*log_clock)(void);	/* NULL: log_monotonic_usec() */

void
log_set_level(int prio)
{
	log_level = prio;
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

static void
log_line(int prio, const char *line)
{
	if (log_prefix < 0)
		log_prefix = getenv("JOURNAL_STREAM") != NULL;
	/* One fprintf per line, so lines from a crash never interleave mid-line. */
	if (log_prefix)
		fprintf(stderr, "<%d>%s\n", prio, line);
	else
		fprintf(stderr, "%s\n", line);
}

static void _printf_(3, 0)
log_vmsg(int prio, int err, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (prio > log_level)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (err != 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(err));
	log_line(prio, line);
}

static uint64_t
log_monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
log_set_clock(uint64_t (*now_usec)(void))
{
	pthread_mutex_lock(&log_lock);
	log_clock = now_usec;
	pthread_mutex_unlock(&log_lock);
}

/* Writes how many lines site dropped, if any, and forgets them. Under log_lock. */
static void
log_summary(struct log_site *site)
{
	char what[64], line[160];
	size_t n = strcspn(site->fmt, "%");

	if (site->dropped == 0)
		return;
	/* the format up to its first conversion: words, never a value */
	while (n > 0 && site->fmt[n - 1] == ' ')
		n--;
	if (n > sizeof(what) - 1)
		n = sizeof(what) - 1;
	memcpy(what, site->fmt, n);
	what[n] = '\0';
	snprintf(line, sizeof(line), "log: %lu more like '%s ...' suppressed within %llu s",
		 site->dropped, what, (unsigned long long)(LOG_INTERVAL_USEC / 1000000));
	log_line(site->prio, line);
	site->dropped = 0;
}

/* Whether a line of fmt may be written now; writes the summaries that are due first. */
static bool
log_admit(int prio, const char *fmt)
{
	uint64_t now;
	struct log_site *site = NULL, *lru = &log_sites[0];
	bool ok;

	pthread_mutex_lock(&log_lock);
	now = log_clock ? log_clock() : log_monotonic_usec();
	for (size_t i = 0; i < LOG_SLOTS; i++) {
		struct log_site *s = &log_sites[i];

		if (s->fmt == fmt)
			site = s;
		else if (s->fmt && s->dropped && now - s->start >= LOG_INTERVAL_USEC)
			log_summary(s);
		if (!s->fmt || (lru->fmt && s->used < lru->used))
			lru = s;
	}
	if (!site) {
		site = lru;
		if (site->fmt)
			log_summary(site);
		*site = (struct log_site){ .fmt = fmt, .start = now };
	} else if (now - site->start >= LOG_INTERVAL_USEC) {
		log_summary(site);
		site->start = now;
		site->n = 0;
	}
	site->used = now;
	site->prio = prio;
	ok = site->n < LOG_BURST;
	if (ok)
		site->n++;
	else
		site->dropped++;
	pthread_mutex_unlock(&log_lock);
	return ok;
}

void
log_flush(void)
{
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < LOG_SLOTS; i++)
		if (log_sites[i].fmt)
			log_summary(&log_sites[i]);
	pthread_mutex_unlock(&log_lock);
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

void
log_ratelimited(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > log_level || !log_admit(prio, fmt))
		return;
	va_start(ap, fmt);
	log_vmsg(prio, 0, fmt, ap);
	va_end(ap);
}

int
log_errno_ratelimited(int prio, int r, const char *fmt, ...)
{
	va_list ap;

	if (prio > log_level || !log_admit(prio, fmt))
		return r;
	va_start(ap, fmt);
	log_vmsg(prio, r < 0 ? -r : r, fmt, ap);
	va_end(ap);
	return r;
}
