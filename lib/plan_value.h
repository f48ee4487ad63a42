/* The plan file's written forms: durations, dates, periods, age ranges, ids. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "plan.pb-c.h"

#define VALUE_DATE_LEN 11	/* "YYYY-MM-DD" and NUL */
#define VALUE_ID_MAX 64

/* "7 working days", "1 working day", "14 days", "3 weeks", "3 months", "4 hours",
 * "same day", "same working day", "same or next working day". Singular exactly for
 * 1; counts 1..10000. Returns 0 or -EINVAL. */
int value_duration(const char *s, uint32_t *ret_count, Lanu__V1__Duration__Unit *ret_unit);

/* "YYYY-MM-DD", "YYYY-MM", "YYYY", "spring YYYY", "autumn YYYY" as the first day
 * (end false) or the last day (end true) they cover, written as YYYY-MM-DD.
 * Returns 0, -EINVAL, or -ERANGE (a year outside 1900..2200). */
int value_date(const char *s, bool end, char out[VALUE_DATE_LEN]);

/* "2022-2025", "2023", "A..B", "by end of D", "until D", "from D", "autumn 2025".
 * An open end is "". Returns 0, -EINVAL, or -ERANGE if it ends before it starts. */
int value_period(const char *s, char from[VALUE_DATE_LEN], char to[VALUE_DATE_LEN]);

/* "0-22", "23-" in whole years; an open upper end is UINT32_MAX. 0 or -EINVAL. */
int value_ages(const char *s, uint32_t *ret_min, uint32_t *ret_max);

/* [a-z0-9][a-z0-9._-]{0,63} */
bool value_is_id(const char *s);

int value_days_in_month(int y, int m);
