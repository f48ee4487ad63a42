/*
 * log: the only module with global state besides main()'s context (rule 4).
 * Where a line goes is decided as it is written:
 *  - stderr is journald's stream (JOURNAL_STREAM names its device and inode, as systemd
 *    sets it for a service): the message goes to the journal with sd_journal_sendv(),
 *    with PRIORITY, SYSLOG_IDENTIFIER, a MESSAGE_ID and fields where the caller gives
 *    them (log_fields()); if the journal refuses it, the line goes to stderr with a <N>
 *    priority prefix, which journald understands too;
 *  - stderr is a terminal: the line, after the UTC time (a daemon's: log_set_ident());
 *  - anything else (a file, a pipe, a test): the line alone.
 * Never log payloads: only pseudonymous ids ever reach a format string or a field.
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
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

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
enum { LOG_TO_PLAIN, LOG_TO_TERMINAL, LOG_TO_JOURNAL };
static const char *_Atomic log_ident = "lanu";
static _Atomic bool log_stamp;
static int (*_Atomic log_sendv)(const struct iovec *iov, int n) = sd_journal_sendv;

#define LOG_FIELDS_MAX 8	/* a caller's fields, at most */

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

void
log_set_ident(const char *ident, bool stamp)
{
	log_ident = ident;
	log_stamp = stamp;
}

/* Whether stderr is the stream JOURNAL_STREAM ("DEVICE:INODE") names. */
static bool
log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* Looked at for every line (a getenv, an fstat): stderr may be redirected meanwhile,
 * and lines are few. */
static int
log_target(void)
{
	return log_stderr_is_journal() ? LOG_TO_JOURNAL :
	       log_stamp && isatty(STDERR_FILENO) ? LOG_TO_TERMINAL : LOG_TO_PLAIN;
}

void
log_set_journal(int (*sendv)(const struct iovec *iov, int n))
{
	log_sendv = sendv ? sendv : sd_journal_sendv;
}

/* The message to the journal with its fields. Returns 0 or -errno. */
static int
log_journal(int prio, const char *line, const char *id, const struct log_field *f, size_t n)
{
	char buf[LOG_FIELDS_MAX + 4][96 + 1024];
	struct iovec iov[LOG_FIELDS_MAX + 4];
	size_t k = 0;

	snprintf(buf[k], sizeof(buf[k]), "MESSAGE=%s", line);
	snprintf(buf[++k], sizeof(buf[k]), "PRIORITY=%d", prio);
	snprintf(buf[++k], sizeof(buf[k]), "SYSLOG_IDENTIFIER=%s", log_ident);
	k++;
	if (id)
		snprintf(buf[k++], sizeof(buf[0]), "MESSAGE_ID=%s", id);
	for (size_t i = 0; i < n && i < LOG_FIELDS_MAX; i++)
		if (f[i].value && *f[i].value)
			snprintf(buf[k++], sizeof(buf[0]), "%s=%s", f[i].name, f[i].value);
	for (size_t i = 0; i < k; i++)
		iov[i] = (struct iovec){ buf[i], strlen(buf[i]) };
	return log_sendv(iov, (int)k);
}

static void
log_line_fields(int prio, const char *line, const char *id, const struct log_field *f,
		size_t n)
{
	char when[32];
	struct timespec ts;
	struct tm tm;

	/* One write per line, so lines from a crash never interleave mid-line. */
	switch (log_target()) {
	case LOG_TO_JOURNAL:
		if (log_journal(prio, line, id, f, n) >= 0)
			return;
		fprintf(stderr, "<%d>%s\n", prio, line);
		return;
	case LOG_TO_TERMINAL:
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s\n", when, ts.tv_nsec / 1000000, line);
		return;
	default:
		fprintf(stderr, "%s\n", line);
		return;
	}
}

static void
log_line(int prio, const char *line)
{
	log_line_fields(prio, line, NULL, NULL, 0);
}

static void _printf_(6, 0)
log_vfields(int prio, int err, const char *id, const struct log_field *f, size_t n,
	    const char *fmt, va_list ap)
{
	char line[1024];
	int len;

	if (prio > log_level)
		return;
	len = vsnprintf(line, sizeof(line), fmt, ap);
	if (len < 0)
		return;
	if (err != 0 && (size_t)len < sizeof(line))
		snprintf(line + len, sizeof(line) - (size_t)len, ": %s", strerror(err));
	log_line_fields(prio, line, id, f, n);
}

static void _printf_(3, 0)
log_vmsg(int prio, int err, const char *fmt, va_list ap)
{
	log_vfields(prio, err, NULL, NULL, 0, fmt, ap);
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

void
log_fields(int prio, const char *id, const struct log_field *f, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vfields(prio, 0, id, f, n, fmt, ap);
	va_end(ap);
}

void
log_fields_ratelimited(int prio, const char *id, const struct log_field *f, size_t n,
		       const char *fmt, ...)
{
	va_list ap;

	if (prio > log_level || !log_admit(prio, fmt))
		return;
	va_start(ap, fmt);
	log_vfields(prio, 0, id, f, n, fmt, ap);
	va_end(ap);
}
