/* Logging: to the journal with structured fields when stderr is journald's stream (as
 * under systemd), else one plain line per message on stderr (a timestamp first on a
 * terminal). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

#include "lanu/macro.h"

#define LOG_BURST		10			/* lines a call site may log an interval */
#define LOG_INTERVAL_USEC	(5 * 1000000ULL)	/* monotonic */

/* Sets the most verbose priority written (LOG_ERR .. LOG_DEBUG). */
void log_set_level(int prio);

/* Parses "err", "warning", "notice", "info" or "debug". Returns the priority or -EINVAL. */
int log_level_from_string(const char *s);

/* Always written (at or above the level): start-up, configuration and plan problems,
 * which are each said once and must never be lost. */
void log_msg(int prio, const char *fmt, ...) _printf_(2, 3);

/* Logs fmt followed by ": strerror(-r)" and returns r, so that callers can write
 * `return log_errno(LOG_ERR, r, "...")`. */
int log_errno(int prio, int r, const char *fmt, ...) _printf_(3, 4);

/* For lines that repeat with what comes in (a refused request, a failed commit, a
 * dropped reply), at any priority: at most LOG_BURST lines per LOG_INTERVAL_USEC from
 * one call site (the address of fmt, so fmt must be a string literal), the rest counted
 * and dropped. Once the interval is over, the site's next line, any rate-limited line or
 * log_flush() first writes "log: N more like 'FMT ...' suppressed within 5 s" at the
 * priority of the dropped lines (FMT: fmt up to its first conversion, never a value).
 * Sites are kept in a table of 64; the least recently used one makes room, its count
 * written first. Safe from any thread. */
void log_ratelimited(int prio, const char *fmt, ...) _printf_(2, 3);
int log_errno_ratelimited(int prio, int r, const char *fmt, ...) _printf_(3, 4);

/* Writes the summary of every site that dropped lines, even in an interval not yet
 * over, and forgets the counts: at exit, so that no count is lost. */
void log_flush(void);

/* journald MESSAGE_IDs of the messages a reader may look for (journalctl
 * MESSAGE_ID=...); docs/operations.md lists them. */
#define LOG_ID_START		"c877ae8ec8574baa97d5858cf5b79754"	/* lanud ready */
#define LOG_ID_STOP		"d9448aa375034c0c91e3e0ae504b8b40"	/* lanud stopped */
#define LOG_ID_PLAN_LOAD	"4493ec8e4b31491cb3ce67c56a168b38"	/* a plan in force */
#define LOG_ID_REFUSED		"a63ef7864c644598840845f4b36d051c"	/* a request refused */
#define LOG_ID_BACKUP		"530885f5c3ff4029ba05d9ab45507582"	/* a backup written */
#define LOG_ID_MIGRATED		"962ec17ca1414367928a644143855051"	/* the store migrated */

/* A journal field of a message: NAME (upper case, e.g. "LANU_EVENT_ID") and its value;
 * a NULL or empty value is left out. */
struct log_field {
	const char *name;
	const char *value;
};

/* log_msg() and log_ratelimited() with a MESSAGE_ID (one of LOG_ID_*, or NULL) and n
 * fields, which only the journal keeps; elsewhere the line is the same as without. */
void log_fields(int prio, const char *id, const struct log_field *f, size_t n,
		const char *fmt, ...) _printf_(5, 6);
void log_fields_ratelimited(int prio, const char *id, const struct log_field *f, size_t n,
			    const char *fmt, ...) _printf_(5, 6);

/* The name the journal files messages under (SYSLOG_IDENTIFIER; default "lanu"), and
 * whether a line to a terminal starts with the time (a daemon's do; a command's not). */
void log_set_ident(const char *ident, bool stamp);

/* What sends a message to the journal; NULL: sd_journal_sendv(). For tests. */
struct iovec;
void log_set_journal(int (*sendv)(const struct iovec *iov, int n));

/* The monotonic clock of the rate limit in microseconds; NULL: CLOCK_MONOTONIC. For
 * tests. */
void log_set_clock(uint64_t (*now_usec)(void));
