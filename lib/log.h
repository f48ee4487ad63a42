/* Logging for journald: one line per message on stderr with a <N> priority prefix. */
#pragma once

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

/* The monotonic clock of the rate limit in microseconds; NULL: CLOCK_MONOTONIC. For
 * tests. */
void log_set_clock(uint64_t (*now_usec)(void));
