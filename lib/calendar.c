/*
 * calendar: local dates as day numbers, the Finnish public holidays, working-day calendars
 * and the counting rules of LEGAL.md ("Working days", "Counting"; Act 150/1930), and the
 * one place where UTC instants become Europe/Helsinki dates (STYLE.md rule 20).
 *
 * A day is an int32_t counted from 1970-01-01 in the proleptic Gregorian calendar. Results
 * are kept within years 0000..9999 (CALENDAR_DAY_MIN..MAX), so no arithmetic overflows.
 * Holidays are computed on every call (Easter by the anonymous Gregorian algorithm; the
 * Saturday and Friday holidays from the weekday): there is no table and no cache. Working
 * days are counted a run at a time: the days between two changes of a calendar's rules
 * (its open days, terms and closed periods, and its bases') are decided alike, and for
 * "national" a run is its weekdays less the year's holidays on one, Easter once a year.
 *
 * Ownership: a calendar_set owns its calendars, which copy what they need from the plan
 * (ids, day ranges), so the plan may be freed once the set is built. "national" is one
 * constant object shared by every set and by calendar_get(NULL, ...). Nothing here writes
 * to a global or to the environment; the time zone is the process's (TZ).
 */
#include "calendar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan_value.h"

#define DAY_MS 86400000ull
#define CALENDAR_HOLIDAYS_MAX 16	/* days calendar_holiday() names in one year: 15 */

/* Both ends inclusive. */
struct calendar_range {
	int32_t from, to;
};

struct calendar {
	char id[VALUE_ID_MAX + 1];
	const struct calendar *base;	/* NULL only for "national" */
	struct calendar_range *terms;	/* sorted, disjoint and not adjacent */
	size_t n_terms;
	struct calendar_range *closed;	/* the same */
	size_t n_closed;
	int32_t *open;			/* sorted, unique */
	size_t n_open;
};

struct calendar_set {
	struct calendar *v;		/* in the plan's order */
	size_t n;
};

static const struct calendar calendar_national = { .id = CALENDAR_NATIONAL };

/* --- dates -------------------------------------------------------------------------------- */

static bool
calendar_in_range(int64_t day)
{
	return day >= CALENDAR_DAY_MIN && day <= CALENDAR_DAY_MAX;
}

/* Floor division and its remainder, for negative numerators too. */
static int64_t
calendar_fdiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int32_t
calendar_day(int y, int m, int d)
{
	/* Months out of 1..12 carry into the year; then H. Hinnant's days_from_civil(). */
	int64_t carry = calendar_fdiv((int64_t)m - 1, 12);
	int64_t yy = (int64_t)y + carry, mm = (int64_t)m - 12 * carry;
	int64_t era, yoe, doy, doe;

	yy -= mm <= 2;
	era = calendar_fdiv(yy, 400);
	yoe = yy - era * 400;
	doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

void
calendar_ymd(int32_t day, int *ret_y, int *ret_m, int *ret_d)
{
	int64_t z = (int64_t)day + 719468;
	int64_t era = calendar_fdiv(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);

	*ret_y = (int)(yoe + era * 400 + (m <= 2));
	*ret_m = m;
	*ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
}

int
calendar_weekday(int32_t day)
{
	int64_t r = ((int64_t)day + 3) % 7;	/* 1970-01-01 was a Thursday */

	return (int)(r < 0 ? r + 7 : r) + 1;
}

/* Exactly `digits` digits at s, or -1. */
static int
calendar_num(const char *s, int digits)
{
	int v = 0;

	for (int i = 0; i < digits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
calendar_parse_day(const char *s, int32_t *ret_day)
{
	int y, m, d;

	if (!s || strnlen(s, 11) != 10 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	y = calendar_num(s, 4);
	m = calendar_num(s + 5, 2);
	d = calendar_num(s + 8, 2);
	if (y < 0 || m < 1 || m > 12 || d < 1 || d > value_days_in_month(y, m))
		return -EINVAL;
	*ret_day = calendar_day(y, m, d);
	return 0;
}

static char *
calendar_put(char *p, int v, int digits)
{
	for (int i = digits - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + digits;
}

void
calendar_format_day(int32_t day, char buf[11])
{
	int y = 0, m = 0, d = 0;
	char *p = buf;

	if (calendar_in_range(day))
		calendar_ymd(day, &y, &m, &d);
	p = calendar_put(p, y, 4);
	*p++ = '-';
	p = calendar_put(p, m, 2);
	*p++ = '-';
	p = calendar_put(p, d, 2);
	*p = '\0';
}

int32_t
calendar_easter(int year)
{
	/* The anonymous Gregorian algorithm (Meeus, Jones, Butcher). */
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	return calendar_day(year, n / 31, n % 31 + 1);
}

const char *
calendar_holiday(int32_t day)
{
	static const struct {
		int m, d;
		const char *name;
	} fixed[] = {
		{ 1, 1, "New Year's Day" },	{ 1, 6, "Epiphany" },
		{ 5, 1, "May Day" },		{ 12, 6, "Independence Day" },
		{ 12, 24, "Christmas Eve" },	{ 12, 25, "Christmas Day" },
		{ 12, 26, "Boxing Day" },
	};
	int y, m, d, wd = calendar_weekday(day);

	calendar_ymd(day, &y, &m, &d);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i].m == m && fixed[i].d == d)
			return fixed[i].name;
	/* Good Friday is on 20 March at the earliest, Whit Sunday on 13 June at the latest */
	if (m >= 3 && m <= 6) {
		switch (day - calendar_easter(y)) {
		case -2:
			return "Good Friday";
		case 0:
			return "Easter Sunday";
		case 1:
			return "Easter Monday";
		case 39:
			return "Ascension Day";
		case 49:
			return "Whit Sunday";
		}
	}
	if (m == 6 && wd == 5 && d >= 19 && d <= 25)
		return "Midsummer Eve";
	if (m == 6 && wd == 6 && d >= 20 && d <= 26)
		return "Midsummer Day";
	if (wd == 6 && ((m == 10 && d == 31) || (m == 11 && d <= 6)))
		return "All Saints' Day";
	return NULL;
}

/* count months after day (count < 0: before), clamped to the month's last day. */
static int
calendar_add_months(int32_t day, int64_t count, int64_t *ret_day)
{
	int y, m, d;
	int64_t total, ny;
	int nm;

	calendar_ymd(day, &y, &m, &d);
	total = (int64_t)y * 12 + (m - 1) + count;
	ny = calendar_fdiv(total, 12);
	if (ny < 0 || ny > 9999)
		return -ERANGE;
	nm = (int)(total - ny * 12) + 1;
	if (d > value_days_in_month((int)ny, nm))
		d = value_days_in_month((int)ny, nm);
	*ret_day = calendar_day((int)ny, nm, d);
	return 0;
}

/* --- calendars ---------------------------------------------------------------------------- */

static bool
calendar_in_ranges(const struct calendar_range *v, size_t n, int32_t day)
{
	size_t lo = 0, hi = n;

	/* lo becomes the first range that starts after day */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].from <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && day <= v[lo - 1].to;
}

static int
calendar_day_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

bool
calendar_is_working(const struct calendar *c, int32_t day)
{
	for (; c->base; c = c->base) {
		if (c->n_open && bsearch(&day, c->open, c->n_open, sizeof(*c->open),
					 calendar_day_cmp))
			return true;
		if (c->n_terms && !calendar_in_ranges(c->terms, c->n_terms, day))
			return false;
		if (calendar_in_ranges(c->closed, c->n_closed, day))
			return false;
	}
	return calendar_weekday(day) <= 5 && !calendar_holiday(day);
}

int
calendar_next_working(const struct calendar *c, int32_t day, int32_t *ret_day)
{
	for (int64_t d = day; d < (int64_t)day + CALENDAR_SEARCH_DAYS; d++) {
		if (!calendar_in_range(d))
			return -ERANGE;
		if (calendar_is_working(c, (int32_t)d)) {
			*ret_day = (int32_t)d;
			return 0;
		}
	}
	return -ERANGE;
}

/* The last working day <= day; errors as calendar_next_working(). */
static int
calendar_prev_working(const struct calendar *c, int32_t day, int32_t *ret_day)
{
	for (int64_t d = day; d > (int64_t)day - CALENDAR_SEARCH_DAYS; d--) {
		if (!calendar_in_range(d))
			return -ERANGE;
		if (calendar_is_working(c, (int32_t)d)) {
			*ret_day = (int32_t)d;
			return 0;
		}
	}
	return -ERANGE;
}

/* The units that count something (days, weeks, months): a count of 0 is meaningless. */
static bool
calendar_counted(Lanu__V1__Duration__Unit unit)
{
	return unit == LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS ||
	       unit == LANU__V1__DURATION__UNIT__UNIT_DAYS ||
	       unit == LANU__V1__DURATION__UNIT__UNIT_WEEKS ||
	       unit == LANU__V1__DURATION__UNIT__UNIT_MONTHS;
}

int
calendar_due_day(const struct calendar *c, int32_t start, uint32_t count,
		 Lanu__V1__Duration__Unit unit, bool roll_forward, int32_t *ret_day)
{
	int64_t due;
	int32_t d;
	int r;

	if (calendar_counted(unit) ? count == 0
				   : unit != LANU__V1__DURATION__UNIT__UNIT_SAME_DAY &&
				     unit != LANU__V1__DURATION__UNIT__UNIT_SAME_WORKING_DAY &&
				     unit != LANU__V1__DURATION__UNIT__UNIT_SAME_OR_NEXT_WORKING_DAY)
		return -EINVAL;
	if (!calendar_in_range(start))
		return -ERANGE;

	switch (unit) {
	case LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS:
		/* §2: the start day is not counted */
		d = start;
		for (uint32_t i = 0; i < count; i++)
			if ((r = calendar_next_working(c, d + 1, &d)) < 0)
				return r;
		*ret_day = d;
		return 0;
	case LANU__V1__DURATION__UNIT__UNIT_SAME_WORKING_DAY:
		return calendar_next_working(c, start, ret_day);
	case LANU__V1__DURATION__UNIT__UNIT_SAME_OR_NEXT_WORKING_DAY:
		return calendar_next_working(c, start + 1, ret_day);
	case LANU__V1__DURATION__UNIT__UNIT_DAYS:
		due = (int64_t)start + count;
		break;
	case LANU__V1__DURATION__UNIT__UNIT_WEEKS:
		due = (int64_t)start + 7 * (int64_t)count;
		break;
	case LANU__V1__DURATION__UNIT__UNIT_MONTHS:
		/* §3: the same day number, or the month's last day */
		if ((r = calendar_add_months(start, count, &due)) < 0)
			return r;
		break;
	default:	/* SAME_DAY */
		due = start;
		break;
	}
	if (!calendar_in_range(due))
		return -ERANGE;
	if (roll_forward)	/* §5, where the plan asks for it */
		return calendar_next_working(c, (int32_t)due, ret_day);
	*ret_day = (int32_t)due;
	return 0;
}

int
calendar_before_day(const struct calendar *c, int32_t day, uint32_t count,
		    Lanu__V1__Duration__Unit unit, int32_t *ret_day)
{
	int64_t before;
	int32_t d;
	int r;

	if (!calendar_counted(unit) || count == 0)
		return -EINVAL;
	if (!calendar_in_range(day))
		return -ERANGE;

	switch (unit) {
	case LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS:
		/* the working days <= day, latest first: w1, w2, ...; the answer is w(count+1) */
		if ((r = calendar_prev_working(c, day, &d)) < 0)
			return r;
		for (uint32_t i = 0; i < count; i++)
			if ((r = calendar_prev_working(c, d - 1, &d)) < 0)
				return r;
		*ret_day = d;
		return 0;
	case LANU__V1__DURATION__UNIT__UNIT_DAYS:
		before = (int64_t)day - count;
		break;
	case LANU__V1__DURATION__UNIT__UNIT_WEEKS:
		before = (int64_t)day - 7 * (int64_t)count;
		break;
	default:	/* MONTHS */
		if ((r = calendar_add_months(day, -(int64_t)count, &before)) < 0)
			return r;
		break;
	}
	if (!calendar_in_range(before))
		return -ERANGE;
	*ret_day = (int32_t)before;
	return 0;
}

/* --- counting working days --------------------------------------------------------------- */

/* The days calendar_holiday() names in year y, each once (Ascension Day may be May Day),
 * computed as it decides them: Easter once for the year. Returns how many. */
static size_t
calendar_holidays_of(int y, int32_t out[CALENDAR_HOLIDAYS_MAX])
{
	static const struct {
		int m, d;
	} fixed[] = { { 1, 1 }, { 1, 6 }, { 5, 1 }, { 12, 6 }, { 12, 24 }, { 12, 25 }, { 12, 26 } };
	static const int easter_offsets[] = { -2, 0, 1, 39, 49 };
	/* the first of the seven days a weekday holiday falls in, and its weekday */
	static const struct {
		int m, d, wd;
	} floating[] = { { 6, 19, 5 }, { 6, 20, 6 }, { 10, 31, 6 } };
	int32_t easter = calendar_easter(y);
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		out[n++] = calendar_day(y, fixed[i].m, fixed[i].d);
	/* calendar_holiday() looks for these only in March to June of their own year */
	for (size_t i = 0; i < sizeof(easter_offsets) / sizeof(easter_offsets[0]); i++) {
		int32_t day = easter + easter_offsets[i];
		int ey, em, ed;
		bool dup = false;

		calendar_ymd(day, &ey, &em, &ed);
		if (ey != y || em < 3 || em > 6)
			continue;
		for (size_t j = 0; j < n && !dup; j++)
			dup = out[j] == day;
		if (!dup)
			out[n++] = day;
	}
	for (size_t i = 0; i < sizeof(floating) / sizeof(floating[0]); i++) {
		int32_t first = calendar_day(y, floating[i].m, floating[i].d);

		out[n++] = first + (floating[i].wd - calendar_weekday(first) + 7) % 7;
	}
	return n;
}

/* Mondays to Fridays in [a, b], a <= b + 1. */
static int64_t
calendar_weekdays_in(int64_t a, int64_t b)
{
	/* before(x): the weekdays in [day 4, x); day 4 (1970-01-05) was a Monday */
	int64_t wa = calendar_fdiv(a - 4, 7), ra = a - 4 - 7 * wa;
	int64_t wb = calendar_fdiv(b + 1 - 4, 7), rb = b + 1 - 4 - 7 * wb;

	return (5 * wb + (rb < 5 ? rb : 5)) - (5 * wa + (ra < 5 ? ra : 5));
}

/* The working days of "national" in [a, b], a <= b: the weekdays less the holidays on
 * one. */
static int64_t
calendar_national_in(int32_t a, int32_t b)
{
	int64_t n = calendar_weekdays_in(a, b);
	int ya, yb, m, d;

	calendar_ymd(a, &ya, &m, &d);
	calendar_ymd(b, &yb, &m, &d);
	for (int y = ya; y <= yb; y++) {
		int32_t h[CALENDAR_HOLIDAYS_MAX];
		size_t k = calendar_holidays_of(y, h);

		for (size_t i = 0; i < k; i++)
			n -= h[i] >= a && h[i] <= b && calendar_weekday(h[i]) <= 5;
	}
	return n;
}

/* The first index of the sorted, disjoint ranges v whose `to` is >= day (n if none). */
static size_t
calendar_range_from(const struct calendar_range *v, size_t n, int32_t day)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].to < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum { CALENDAR_OFF, CALENDAR_ON, CALENDAR_AS_NATIONAL };

/* How c decides day (as calendar_is_working() does: not working, working, or as
 * "national" does), and the last day in [day, last] up to which every rule it looked at
 * says the same, so that it decides each of those days the same way. */
static int
calendar_run(const struct calendar *c, int32_t day, int32_t last, int32_t *ret_last)
{
	for (; c->base; c = c->base) {
		size_t i;

		if (c->n_open) {
			const int32_t *o = c->open;
			size_t lo = 0, hi = c->n_open;

			while (lo < hi) {	/* lo becomes the first open day >= day */
				size_t mid = lo + (hi - lo) / 2;

				if (o[mid] < day)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < c->n_open && o[lo] == day) {
				*ret_last = day;
				return CALENDAR_ON;
			}
			if (lo < c->n_open && o[lo] - 1 < last)
				last = o[lo] - 1;
		}
		if (c->n_terms) {
			i = calendar_range_from(c->terms, c->n_terms, day);
			if (i == c->n_terms || c->terms[i].from > day) {
				/* between terms until the next one starts */
				if (i < c->n_terms && c->terms[i].from - 1 < last)
					last = c->terms[i].from - 1;
				*ret_last = last;
				return CALENDAR_OFF;
			}
			if (c->terms[i].to < last)
				last = c->terms[i].to;
		}
		i = calendar_range_from(c->closed, c->n_closed, day);
		if (i < c->n_closed && c->closed[i].from <= day) {
			if (c->closed[i].to < last)
				last = c->closed[i].to;
			*ret_last = last;
			return CALENDAR_OFF;
		}
		if (i < c->n_closed && c->closed[i].from - 1 < last)
			last = c->closed[i].from - 1;
	}
	*ret_last = last;
	return CALENDAR_AS_NATIONAL;
}

int64_t
calendar_working_days_between(const struct calendar *c, int32_t from, int32_t to)
{
	int64_t lo = from < to ? from : to, hi = from < to ? to : from, n = 0;

	/* a run of days the calendar's rules decide alike at a time, not a day at a time */
	for (int64_t d = lo + 1; d <= hi;) {
		int32_t last;

		switch (calendar_run(c, (int32_t)d, (int32_t)hi, &last)) {
		case CALENDAR_ON:
			n += (int64_t)last - d + 1;
			break;
		case CALENDAR_AS_NATIONAL:
			n += calendar_national_in((int32_t)d, last);
			break;
		default:
			break;
		}
		d = (int64_t)last + 1;
	}
	return to < from ? -n : n;
}

/* --- compiling the plan's calendars ------------------------------------------------------- */

static int
calendar_range_cmp(const void *a, const void *b)
{
	const struct calendar_range *x = a, *y = b;

	return x->from != y->from ? (x->from > y->from) - (x->from < y->from)
				  : (x->to > y->to) - (x->to < y->to);
}

/* An empty end is open. */
static int
calendar_parse_end(const char *s, int32_t open_end, int32_t *ret_day)
{
	if (!s || !*s) {
		*ret_day = open_end;
		return 0;
	}
	return calendar_parse_day(s, ret_day);
}

/* The periods as sorted ranges, overlapping and adjacent ones merged. */
static int
calendar_compile_ranges(Lanu__V1__Period *const *v, size_t n, struct calendar_range **ret_v,
			size_t *ret_n)
{
	struct calendar_range *r;
	size_t k = 0;

	if (n == 0)
		return 0;
	if (!(r = calloc(n, sizeof(*r))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!v[i] || calendar_parse_end(v[i]->from, CALENDAR_DAY_MIN, &r[i].from) < 0 ||
		    calendar_parse_end(v[i]->to, CALENDAR_DAY_MAX, &r[i].to) < 0 ||
		    r[i].from > r[i].to) {
			free(r);
			return -EINVAL;
		}
	qsort(r, n, sizeof(*r), calendar_range_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && (int64_t)r[i].from <= (int64_t)r[k - 1].to + 1) {
			if (r[i].to > r[k - 1].to)
				r[k - 1].to = r[i].to;
		} else
			r[k++] = r[i];
	}
	*ret_v = r;
	*ret_n = k;
	return 0;
}

static int
calendar_compile(struct calendar *c, const Lanu__V1__Calendar *pc)
{
	size_t k = 0;
	int r;

	if (!pc || !pc->id || !value_is_id(pc->id) || strcmp(pc->id, CALENDAR_NATIONAL) == 0 ||
	    strcmp(pc->id, "unit") == 0)
		return -EINVAL;
	strcpy(c->id, pc->id);	/* value_is_id(): at most VALUE_ID_MAX */
	if ((r = calendar_compile_ranges(pc->terms, pc->n_terms, &c->terms, &c->n_terms)) < 0)
		return r;
	if ((r = calendar_compile_ranges(pc->closed, pc->n_closed, &c->closed, &c->n_closed)) < 0)
		return r;
	if (pc->n_open == 0)
		return 0;
	if (!(c->open = calloc(pc->n_open, sizeof(*c->open))))
		return -ENOMEM;
	for (size_t i = 0; i < pc->n_open; i++)
		if (calendar_parse_day(pc->open[i], &c->open[i]) < 0)
			return -EINVAL;
	qsort(c->open, pc->n_open, sizeof(*c->open), calendar_day_cmp);
	for (size_t i = 0; i < pc->n_open; i++)
		if (k == 0 || c->open[i] != c->open[k - 1])
			c->open[k++] = c->open[i];
	c->n_open = k;
	return 0;
}

int
calendar_set_new(const Lanu__V1__Plan *plan, struct calendar_set **ret_set)
{
	struct calendar_set *set;
	size_t n = plan ? plan->n_calendars : 0;
	int r = -ENOMEM;

	if (!(set = calloc(1, sizeof(*set))))
		return -ENOMEM;
	if (n > 0 && !(set->v = calloc(n, sizeof(*set->v))))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		set->n = i + 1;		/* so that a half-built one is freed */
		if ((r = calendar_compile(&set->v[i], plan->calendars[i])) < 0)
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (strcmp(set->v[j].id, set->v[i].id) == 0) {
				r = -EINVAL;
				goto fail;
			}
	}
	for (size_t i = 0; i < n; i++) {
		const char *ext = plan->calendars[i]->extends;

		set->v[i].base = calendar_get(set, ext && *ext ? ext : CALENDAR_NATIONAL);
		if (!set->v[i].base) {
			r = -EINVAL;
			goto fail;
		}
	}
	/* Every base chain reaches "national" within n hops, or it loops. */
	for (size_t i = 0; i < n; i++) {
		const struct calendar *c = &set->v[i];

		for (size_t hops = 0; c->base; hops++, c = c->base)
			if (hops == n) {
				r = -EINVAL;
				goto fail;
			}
	}
	*ret_set = set;
	return 0;
fail:
	calendar_set_free(set);
	return r;
}

struct calendar_set *
calendar_set_free(struct calendar_set *set)
{
	if (!set)
		return NULL;
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].terms);
		free(set->v[i].closed);
		free(set->v[i].open);
	}
	free(set->v);
	free(set);
	return NULL;
}

const struct calendar *
calendar_get(const struct calendar_set *set, const char *id)
{
	if (!id)
		return NULL;
	if (strcmp(id, CALENDAR_NATIONAL) == 0)
		return &calendar_national;
	for (size_t i = 0; set && i < set->n; i++)
		if (strcmp(set->v[i].id, id) == 0)
			return &set->v[i];
	return NULL;
}

const char *
calendar_id(const struct calendar *c)
{
	return c->id;
}

/* --- local time --------------------------------------------------------------------------- */

int32_t
calendar_local_day(uint64_t utc_ms)
{
	time_t t;
	struct tm tm;

	if (utc_ms / DAY_MS >= (uint64_t)CALENDAR_DAY_MAX)
		return CALENDAR_DAY_MAX;
	t = (time_t)(utc_ms / 1000);
	if (!localtime_r(&t, &tm))
		return (int32_t)(utc_ms / DAY_MS);	/* cannot happen in range; UTC then */
	return calendar_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

uint64_t
calendar_day_start_ms(int32_t day)
{
	struct tm tm = { .tm_isdst = -1 };
	int y, m, d;
	time_t t;

	if (day < 0)		/* 1969-12-31 00:00 local is before the epoch anywhere */
		return 0;
	if (day > CALENDAR_DAY_MAX)
		day = CALENDAR_DAY_MAX;
	calendar_ymd(day, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	/* Helsinki changes its clocks at 03:00 or 04:00: local midnight always exists. */
	t = mktime(&tm);
	return t < 0 ? 0 : (uint64_t)t * 1000;
}

uint64_t
calendar_day_end_ms(int32_t day)
{
	uint64_t next;

	if (day > CALENDAR_DAY_MAX)
		day = CALENDAR_DAY_MAX;
	next = calendar_day_start_ms(day + 1);
	return next > 0 ? next - 1 : 0;
}

uint64_t
calendar_day_time_ms(int32_t day, uint64_t like_ms)
{
	time_t like = (time_t)(like_ms / 1000);
	struct tm lt, tm = { .tm_isdst = -1 };
	int y, m, d;
	time_t t;

	if (day < 0 || !localtime_r(&like, &lt))
		return calendar_day_start_ms(day);
	if (day > CALENDAR_DAY_MAX)
		day = CALENDAR_DAY_MAX;
	calendar_ymd(day, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = lt.tm_hour;
	tm.tm_min = lt.tm_min;
	tm.tm_sec = lt.tm_sec;
	/* A time the spring change skips is read as after it, the autumn's twice as the
	 * first: mktime() with tm_isdst -1 decides. */
	t = mktime(&tm);
	return t < 0 ? 0 : (uint64_t)t * 1000 + like_ms % 1000;
}

bool
calendar_zone_installed(const char *tz)
{
	char path[300], magic[4];
	bool ok;
	FILE *f;

	/* A zone is a TZif file under zoneinfo (not a directory, not zone.tab). */
	if (!*tz || strstr(tz, "..") || tz[0] == '/' ||
	    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz) >= (int)sizeof(path))
		return false;
	f = fopen(path, "re");
	ok = f && fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	if (f)
		fclose(f);
	return ok;
}

/* --- the periods of an indicator's cadence ---------------------------------------------- */

/* The months a period of c spans and how periods of c are named. */
static int
calendar_period_months(Lanu__V1__Cadence c)
{
	switch (c) {
	case LANU__V1__CADENCE__CADENCE_MONTHLY:
		return 1;
	case LANU__V1__CADENCE__CADENCE_QUARTERLY:
		return 3;
	case LANU__V1__CADENCE__CADENCE_HALF_YEARLY:
		return 6;
	case LANU__V1__CADENCE__CADENCE_YEARLY:
	case LANU__V1__CADENCE__CADENCE_BIENNIAL:
		return 12;
	case LANU__V1__CADENCE__CADENCE_TERMLY:
		return 0;	/* 7 (spring) or 5 (autumn) */
	default:
		return -1;
	}
}

int
calendar_period_parse(Lanu__V1__Cadence c, const char *s, int32_t *ret_first, int32_t *ret_last)
{
	int months = calendar_period_months(c), y, n = 0, k = 0, from, len;
	char rest[8] = "";

	if (months < 0 || strlen(s) < 4 || sscanf(s, "%4d%n", &y, &n) != 1 || n != 4 ||
	    y < 1900 || y > 9999)
		return -EINVAL;
	s += 4;
	switch (c) {
	case LANU__V1__CADENCE__CADENCE_YEARLY:
	case LANU__V1__CADENCE__CADENCE_BIENNIAL:
		if (*s)
			return -EINVAL;
		from = 1;
		break;
	case LANU__V1__CADENCE__CADENCE_MONTHLY:
		if (sscanf(s, "-%2d%n", &k, &n) != 1 || n != 3 || s[n] || k < 1 || k > 12)
			return -EINVAL;
		from = k;
		break;
	case LANU__V1__CADENCE__CADENCE_QUARTERLY:
		if (sscanf(s, "-Q%1d%n", &k, &n) != 1 || n != 3 || s[n] || k < 1 || k > 4)
			return -EINVAL;
		from = 3 * k - 2;
		break;
	case LANU__V1__CADENCE__CADENCE_HALF_YEARLY:
		if (sscanf(s, "-H%1d%n", &k, &n) != 1 || n != 3 || s[n] || k < 1 || k > 2)
			return -EINVAL;
		from = 6 * k - 5;
		break;
	default:	/* termly */
		if (sscanf(s, "-%7[a-z]%n", rest, &n) != 1 || s[n])
			return -EINVAL;
		if (strcmp(rest, "spring") == 0)
			from = 1, months = 7;
		else if (strcmp(rest, "autumn") == 0)
			from = 8, months = 5;
		else
			return -EINVAL;
		break;
	}
	len = months;
	*ret_first = calendar_day(y, from, 1);
	*ret_last = calendar_day(y, from + len, 1) - 1;	/* month 13 is next January */
	return 0;
}

void
calendar_period_of(Lanu__V1__Cadence c, int32_t day, char out[CALENDAR_PERIOD_LEN])
{
	unsigned y, m;
	int yy, mm, dd;

	calendar_ymd(day, &yy, &mm, &dd);
	y = (unsigned)(yy < 0 ? 0 : yy > 9999 ? 9999 : yy) % 10000u;
	m = (unsigned)mm % 13u;
	switch (c) {
	case LANU__V1__CADENCE__CADENCE_YEARLY:
	case LANU__V1__CADENCE__CADENCE_BIENNIAL:
		snprintf(out, CALENDAR_PERIOD_LEN, "%04u", y);
		break;
	case LANU__V1__CADENCE__CADENCE_MONTHLY:
		snprintf(out, CALENDAR_PERIOD_LEN, "%04u-%02u", y, m);
		break;
	case LANU__V1__CADENCE__CADENCE_QUARTERLY:
		snprintf(out, CALENDAR_PERIOD_LEN, "%04u-Q%u", y, (m + 2) / 3);
		break;
	case LANU__V1__CADENCE__CADENCE_HALF_YEARLY:
		snprintf(out, CALENDAR_PERIOD_LEN, "%04u-H%u", y, m <= 6 ? 1u : 2u);
		break;
	case LANU__V1__CADENCE__CADENCE_TERMLY:
		snprintf(out, CALENDAR_PERIOD_LEN, "%04u-%s", y, m <= 7 ? "spring" : "autumn");
		break;
	default:
		out[0] = '\0';
		break;
	}
}

int
calendar_period_next(Lanu__V1__Cadence c, const char *p, char out[CALENDAR_PERIOD_LEN])
{
	int32_t first, last;
	int r = calendar_period_parse(c, p, &first, &last);

	if (r < 0)
		return r;
	if (c == LANU__V1__CADENCE__CADENCE_BIENNIAL)
		last = calendar_day(atoi(p) + 2, 1, 1) - 1;
	calendar_period_of(c, last + 1, out);
	return 0;
}
