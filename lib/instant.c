/* Instants as text: see instant.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "instant.h"

#define MS_PER_DAY (86400ULL * 1000)

/* Reads exactly n digits at *p into *ret and moves *p past them. */
static int
instant_digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -EINVAL;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

/* The offset from UTC in minutes at p ("Z", "+HH:MM", "+HHMM", "+HH"); p must end there. */
static int
instant_offset(const char *p, int *ret_min)
{
	int sign, h, m = 0;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*ret_min = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -EINVAL;
	sign = *p++ == '-' ? -1 : 1;
	if (instant_digits(&p, 2, &h) < 0)
		return -EINVAL;
	if (*p == ':')
		p++;
	if (*p && instant_digits(&p, 2, &m) < 0)
		return -EINVAL;
	if (*p || h > 23 || m > 59)
		return -EINVAL;
	*ret_min = sign * (h * 60 + m);
	return 0;
}

static int
instant_millis(const char *s, uint64_t *ret_ms)
{
	uint64_t v = 0;

	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret_ms = v;
	return 0;
}

int
instant_parse(const char *s, uint64_t *ret_ms)
{
	char day[11];
	const char *p;
	int32_t d;
	int h, mi, sec = 0, ms = 0, off, r;
	int64_t t;

	if (!*s)
		return -EINVAL;
	if (!strchr(s, '-') || strspn(s, "0123456789") == strlen(s))
		return instant_millis(s, ret_ms);
	if (strlen(s) < 10)
		return -EINVAL;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (calendar_parse_day(day, &d) < 0)
		return -EINVAL;
	p = s + 10;
	if (*p == '\0') {
		h = mi = off = 0;
	} else {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -EINVAL;
		p++;
		if (instant_digits(&p, 2, &h) < 0 || *p++ != ':' || instant_digits(&p, 2, &mi) < 0)
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (instant_digits(&p, 2, &sec) < 0)
				return -EINVAL;
			if (*p == '.' || *p == ',') {
				int n = 0;

				for (p++; *p >= '0' && *p <= '9'; p++, n++)
					if (n < 3)
						ms = ms * 10 + (*p - '0');
				if (n == 0 || n > 9)
					return -EINVAL;
				for (; n < 3; n++)
					ms *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 59)
			return -EINVAL;
		r = instant_offset(p, &off);
		if (r < 0)
			return r;
	}
	t = (int64_t)d * 86400 + h * 3600 + mi * 60 + sec - (int64_t)off * 60;
	if (t < 0)
		return -EINVAL;
	*ret_ms = (uint64_t)t * 1000 + (uint64_t)ms;
	return 0;
}

void
instant_format(uint64_t ms, char buf[32])
{
	int32_t d;
	uint64_t s = ms / 1000, rest;
	int y, m, dd;

	if (ms / MS_PER_DAY > CALENDAR_DAY_MAX) {
		snprintf(buf, 32, "%" PRIu64, ms);
		return;
	}
	d = (int32_t)(ms / MS_PER_DAY);
	rest = s % 86400;
	calendar_ymd(d, &y, &m, &dd);
	snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, dd, (int)(rest / 3600),
		 (int)(rest / 60 % 60), (int)(rest % 60));
}
