/* The one clock: wall time as UTC microseconds, real or driven by an admin (tests, demos). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct timesrc {
	bool manual;
	uint64_t manual_usec;	/* "now" when manual */
	uint64_t start_mono;	/* monotonic start, for uptime */
};

/* A manual clock starts at start_usec, or at the real time if that is 0. */
void timesrc_init(struct timesrc *ts, bool manual, uint64_t start_usec);

/* Now, UTC microseconds since the epoch. */
uint64_t timesrc_now_usec(const struct timesrc *ts);

/* Microseconds since timesrc_init(), from the monotonic clock. */
uint64_t timesrc_uptime_usec(const struct timesrc *ts);

/* Moves a manual clock. Returns 0, -EPERM if the clock is not manual, -ERANGE if
 * usec is earlier than now (time never runs backwards). */
int timesrc_set(struct timesrc *ts, uint64_t usec);

uint64_t timesrc_real_usec(void);
uint64_t timesrc_mono_usec(void);
