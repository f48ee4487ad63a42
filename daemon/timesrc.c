/*
 * timesrc: every instant the daemon uses comes from here (rule 20). In manual
 * mode time stands still until an admin request moves it forward, so tests and
 * demos can drive deadlines without waiting. Time never moves backwards.
 */
#include "timesrc.h"

#include <errno.h>
#include <time.h>

static uint64_t
clock_usec(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

uint64_t
timesrc_real_usec(void)
{
	return clock_usec(CLOCK_REALTIME);
}

uint64_t
timesrc_mono_usec(void)
{
	return clock_usec(CLOCK_MONOTONIC);
}

void
timesrc_init(struct timesrc *ts, bool manual, uint64_t start_usec)
{
	ts->manual = manual;
	ts->manual_usec = start_usec ? start_usec : timesrc_real_usec();
	ts->start_mono = timesrc_mono_usec();
}

uint64_t
timesrc_now_usec(const struct timesrc *ts)
{
	return ts->manual ? ts->manual_usec : timesrc_real_usec();
}

uint64_t
timesrc_uptime_usec(const struct timesrc *ts)
{
	return timesrc_mono_usec() - ts->start_mono;
}

int
timesrc_set(struct timesrc *ts, uint64_t usec)
{
	if (!ts->manual)
		return -EPERM;
	if (usec < ts->manual_usec)
		return -ERANGE;
	ts->manual_usec = usec;
	return 0;
}
