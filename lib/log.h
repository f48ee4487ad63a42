/* Logging for journald: one line per message on stderr with a <N> priority prefix. */
#pragma once

#include <syslog.h>

#include "lanu/macro.h"

/* Sets the most verbose priority written (LOG_ERR .. LOG_DEBUG). */
void log_set_level(int prio);
int log_get_level(void);

/* Parses "err", "warning", "notice", "info" or "debug". Returns the priority or -EINVAL. */
int log_level_from_string(const char *s);

void log_msg(int prio, const char *fmt, ...) _printf_(2, 3);

/* Logs fmt followed by ": strerror(-r)" and returns r, so that callers can write
 * `return log_errno(LOG_ERR, r, "...")`. */
int log_errno(int prio, int r, const char *fmt, ...) _printf_(3, 4);
