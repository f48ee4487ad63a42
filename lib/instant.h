/* Instants as people and scripts write them: ISO 8601 / RFC 3339 text or milliseconds
 * since the Unix epoch. */
#pragma once

#include <stdint.h>

/* Parses into milliseconds since 1970-01-01T00:00:00Z:
 *   1767225600000                        milliseconds, as they are
 *   2026-01-01                           midnight UTC of that day
 *   2026-01-01T12:00Z                    seconds may be left out ('t' or ' ' for 'T')
 *   2026-01-01T12:00:00.250+02:00        a fraction of up to 9 digits (cut to ms), and
 *                                        an offset Z, +HH:MM, +HHMM or +HH
 * Real dates and times only (2025-02-29, 24:00 and offsets over 23:59 are refused).
 * Returns 0, -EINVAL if s is none of these or lies before 1970, or -ERANGE for more
 * milliseconds than 64 bits hold. */
int instant_parse(const char *s, uint64_t *ret_ms);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (the second, a fraction cut off) and a NUL; past year
 * 9999, the milliseconds as digits. */
void instant_format(uint64_t ms, char buf[32]);
