/*
 * plan_value: the plan file's written forms of durations, dates and periods, as
 * docs/plan-format.md lists them, parsed strictly. Nothing here knows YAML.
 */
#include "plan_value.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanu/macro.h"

static const struct {
	const char *word;	/* singular; the plural adds "s" */
	Lanu__V1__Duration__Unit unit;
} value_units[] = {
	{ "working day", LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS },
	{ "day", LANU__V1__DURATION__UNIT__UNIT_DAYS },
	{ "calendar day", LANU__V1__DURATION__UNIT__UNIT_DAYS },
	{ "week", LANU__V1__DURATION__UNIT__UNIT_WEEKS },
	{ "month", LANU__V1__DURATION__UNIT__UNIT_MONTHS },
	{ "hour", LANU__V1__DURATION__UNIT__UNIT_HOURS },
};

static const struct {
	const char *text;
	Lanu__V1__Duration__Unit unit;
} value_same[] = {
	{ "same day", LANU__V1__DURATION__UNIT__UNIT_SAME_DAY },
	{ "same working day", LANU__V1__DURATION__UNIT__UNIT_SAME_WORKING_DAY },
	{ "same or next working day", LANU__V1__DURATION__UNIT__UNIT_SAME_OR_NEXT_WORKING_DAY },
};

int
value_duration(const char *s, uint32_t *ret_count, Lanu__V1__Duration__Unit *ret_unit)
{
	unsigned long n;
	char *end;

	for (size_t i = 0; i < ELEMENTSOF(value_same); i++)
		if (strcmp(s, value_same[i].text) == 0) {
			*ret_count = 0;
			*ret_unit = value_same[i].unit;
			return 0;
		}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || n == 0 || n > 10000 || *end != ' ')
		return -EINVAL;
	end++;
	for (size_t i = 0; i < ELEMENTSOF(value_units); i++) {
		size_t w = strlen(value_units[i].word);

		if (strncmp(end, value_units[i].word, w) != 0)
			continue;
		/* "1 working day", "7 working days": the plural exactly when n > 1 */
		if ((n == 1 && end[w] == '\0') || (n > 1 && strcmp(end + w, "s") == 0)) {
			*ret_count = (uint32_t)n;
			*ret_unit = value_units[i].unit;
			return 0;
		}
	}
	return -EINVAL;
}

static bool
value_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
value_days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && value_leap(y) ? 29 : days[m - 1];
}

/* Exactly `digits` digits at s. */
static int
value_num(const char *s, int digits)
{
	int v = 0;

	for (int i = 0; i < digits; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
value_date(const char *s, bool end, char out[VALUE_DATE_LEN])
{
	int y, m = 0, d = 0;
	size_t len = strlen(s);

	if (strncmp(s, "spring ", 7) == 0 || strncmp(s, "autumn ", 7) == 0) {
		bool spring = s[0] == 's';

		if (strlen(s + 7) != 4 || (y = value_num(s + 7, 4)) < 0)
			return -EINVAL;
		m = spring ? (end ? 5 : 1) : (end ? 12 : 8);
		d = end ? value_days_in_month(y, m) : 1;
	} else {
		if ((len != 4 && len != 7 && len != 10) || (y = value_num(s, 4)) < 0)
			return -EINVAL;
		if (len >= 7 && (s[4] != '-' || (m = value_num(s + 5, 2)) < 1 || m > 12))
			return -EINVAL;
		if (len == 10 && (s[7] != '-' || (d = value_num(s + 8, 2)) < 1 ||
				  d > value_days_in_month(y, m)))
			return -EINVAL;
		if (len == 4)
			m = end ? 12 : 1;
		if (len <= 7)
			d = end ? value_days_in_month(y, m) : 1;
	}
	if (y < 1900 || y > 2200)
		return -ERANGE;
	snprintf(out, VALUE_DATE_LEN, "%04d-%02d-%02d", y, m, d);
	return 0;
}

int
value_period(const char *s, char from[VALUE_DATE_LEN], char to[VALUE_DATE_LEN])
{
	char a[32], b[32];
	const char *dots;
	size_t n = strlen(s);

	from[0] = to[0] = '\0';
	if (n >= sizeof(a))
		return -EINVAL;
	/* -ERANGE means "ends before it starts" here, so a bad date is -EINVAL */
	if (strncmp(s, "by end of ", 10) == 0)
		return value_date(s + 10, true, to) < 0 ? -EINVAL : 0;
	if (strncmp(s, "until ", 6) == 0)
		return value_date(s + 6, true, to) < 0 ? -EINVAL : 0;
	if (strncmp(s, "from ", 5) == 0)
		return value_date(s + 5, false, from) < 0 ? -EINVAL : 0;
	if ((dots = strstr(s, "..")) != NULL) {
		memcpy(a, s, (size_t)(dots - s));
		a[dots - s] = '\0';
		snprintf(b, sizeof(b), "%s", dots + 2);
	} else if (n == 9 && s[4] == '-' && value_num(s, 4) >= 0 && value_num(s + 5, 4) >= 0) {
		/* "2022-2025": years, not a year and a month */
		memcpy(a, s, 4);
		a[4] = '\0';
		memcpy(b, s + 5, 5);
	} else {
		/* one year, month, day or season: the whole of it */
		snprintf(a, sizeof(a), "%s", s);
		snprintf(b, sizeof(b), "%s", s);
	}
	if (value_date(a, false, from) < 0 || value_date(b, true, to) < 0) {
		from[0] = to[0] = '\0';
		return -EINVAL;
	}
	return strcmp(from, to) > 0 ? -ERANGE : 0;
}

int
value_ages(const char *s, uint32_t *ret_min, uint32_t *ret_max)
{
	unsigned long lo, hi = UINT32_MAX;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	lo = strtoul(s, &end, 10);
	if (*end != '-' || lo > 150)
		return -EINVAL;
	if (end[1] != '\0') {
		if (!isdigit((unsigned char)end[1]))
			return -EINVAL;
		hi = strtoul(end + 1, &end, 10);
		if (*end != '\0' || hi > 150 || hi < lo)
			return -EINVAL;
	}
	*ret_min = (uint32_t)lo;
	*ret_max = (uint32_t)hi;
	return 0;
}

bool
value_is_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > VALUE_ID_MAX || !(islower((unsigned char)*s) || isdigit((unsigned char)*s)))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || strchr("._-", *s)))
			return false;
	return true;
}
