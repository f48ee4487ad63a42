/* Working-day calendars and date arithmetic in local dates (Europe/Helsinki). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "plan.pb-c.h"

#define CALENDAR_NATIONAL "national"
#define CALENDAR_SEARCH_DAYS 3660	/* the longest run of non-working days searched */
#define CALENDAR_DAY_MIN (-719528)	/* 0000-01-01 */
#define CALENDAR_DAY_MAX 2932896	/* 9999-12-31 */

/* A local date as days since 1970-01-01 (proleptic Gregorian); negative before.
 * m and d are not checked: 2025-02-29 is 2025-03-01. */
int32_t calendar_day(int y, int m, int d);

/* The year, month (1-12) and day of the month of day. */
void calendar_ymd(int32_t day, int *ret_y, int *ret_m, int *ret_d);

/* 1 Monday .. 7 Sunday. */
int calendar_weekday(int32_t day);

/* "YYYY-MM-DD", real dates only. Returns 0 or -EINVAL if s is not one. */
int calendar_parse_day(const char *s, int32_t *ret_day);

/* Writes "YYYY-MM-DD" and a NUL; "0000-00-00" outside years 0000..9999. */
void calendar_format_day(int32_t day, char buf[11]);

/* Western (Gregorian) Easter Sunday of year, computed (the anonymous Gregorian algorithm). */
int32_t calendar_easter(int year);

/* The Finnish public holiday, Christmas Eve or Midsummer Eve on day, as an English name
 * ("Good Friday"), or NULL. New Year's Eve is not one. Static storage. When Ascension Day
 * falls on 1 May (Easter on 23 March), the name is "May Day". */
const char *calendar_holiday(int32_t day);

/* A working-day calendar: "national" (built in: Monday to Friday less calendar_holiday()
 * days) or one of the plan's, which extends "national" or another plan calendar. A day of
 * a plan calendar is decided by the first rule that says something, in this order:
 *  1. it is listed in `open`: working (wins over weekends, holidays, `closed` and `terms`,
 *     its own and its bases'); 2. the calendar has `terms` and no term holds it: not
 *     working; 3. a `closed` period holds it: not working; 4. whatever the base says. */
struct calendar;
struct calendar_set;

/* Compiles every calendar of plan (NULL: only "national"); plan may be freed afterwards.
 * Returns 0, -ENOMEM, or -EINVAL for a bad date or period, an id that is empty, reserved
 * ("national", "unit") or given twice, or an `extends` that is unknown or loops.
 * Caller owns *ret_set; free with calendar_set_free(). */
int calendar_set_new(const Lanu__V1__Plan *plan, struct calendar_set **ret_set);

/* Accepts NULL; returns NULL. */
struct calendar_set *calendar_set_free(struct calendar_set *set);

/* The calendar id of set ("national" always, also when set is NULL), or NULL if there is
 * none. It lives as long as set. */
const struct calendar *calendar_get(const struct calendar_set *set, const char *id);

/* Its id: "national" or the plan's. */
const char *calendar_id(const struct calendar *c);

/* Whether day is a working day of c. */
bool calendar_is_working(const struct calendar *c, int32_t day);

/* The first working day >= day. Returns 0, or -ERANGE if there is none among the next
 * CALENDAR_SEARCH_DAYS days or outside years 0000..9999. */
int calendar_next_working(const struct calendar *c, int32_t day, int32_t *ret_day);

/* (c is read only for the working-day units and roll_forward: calendar units, days,
 * weeks and months, take NULL.) */
/* The due day of a limit `count unit` counted from the start day (LEGAL.md "Counting",
 * Act 150/1930): WORKING_DAYS the count-th working day after start (start not counted);
 * DAYS start + count; WEEKS start + 7 count; MONTHS the same day number count months
 * later, or that month's last day; SAME_DAY start; SAME_WORKING_DAY start if working,
 * else the next working day; SAME_OR_NEXT_WORKING_DAY the first working day after start.
 * The SAME_* units ignore count. roll_forward moves a due day that is not a working day
 * to the next working day (DAYS, WEEKS, MONTHS, SAME_DAY; the others end on one anyway).
 * Returns 0, -EINVAL for HOURS, UNSPECIFIED, an unknown unit or a count of 0 where one is
 * needed, -ERANGE if a working day was searched for CALENDAR_SEARCH_DAYS days in vain (a
 * calendar whose terms have ended) or the result is outside years 0000..9999. */
int calendar_due_day(const struct calendar *c, int32_t start, uint32_t count,
		     Lanu__V1__Duration__Unit unit, bool roll_forward, int32_t *ret_day);

/* The day `count unit` before day, for warnings: WORKING_DAYS the working day with
 * exactly count working days in (result, day]; DAYS, WEEKS, MONTHS calendar units back
 * (months clamp to the month's last day). Returns 0, -EINVAL for a unit other than those
 * four or a count of 0, -ERANGE as calendar_due_day(). */
int calendar_before_day(const struct calendar *c, int32_t day, uint32_t count,
			Lanu__V1__Duration__Unit unit, int32_t *ret_day);

/* The working days in (from, to]; if to < from, minus those in (to, from]. Counted a run
 * of days at a time, so the time it takes grows with the years and with the calendar's
 * open days, terms and closed periods in the span, not with its days. */
int64_t calendar_working_days_between(const struct calendar *c, int32_t from, int32_t to);

/* Whether tz ("Europe/Helsinki") is an installed time zone: a TZif file under
 * /usr/share/zoneinfo. */
bool calendar_zone_installed(const char *tz);

/* Local time is the process's time zone, which lanud sets to the plan's (Europe/Helsinki)
 * through TZ at start-up; these use localtime_r() and mktime() and never touch TZ. */

/* The local date of a UTC instant in milliseconds. */
int32_t calendar_local_day(uint64_t utc_ms);

/* 00:00 local of day as UTC milliseconds; 0 if that is before 1970-01-01T00:00Z. */
uint64_t calendar_day_start_ms(int32_t day);

/* The last millisecond of day, local: calendar_day_start_ms(day + 1) - 1. */
uint64_t calendar_day_end_ms(int32_t day);

/* The instant of day at the local time of day of the instant like_ms (hours, minutes,
 * seconds, milliseconds), as UTC milliseconds; 0 if before 1970-01-01T00:00Z. */
uint64_t calendar_day_time_ms(int32_t day, uint64_t like_ms);

/* --- the periods of an indicator's cadence (docs/indicators.md) ---------------------- */

#define CALENDAR_PERIOD_LEN 16	/* "2025-autumn" and a NUL, with room */

/* A period of cadence c: "2025" (yearly, biennial), "2025-H1" (half-yearly), "2025-Q3"
 * (quarterly), "2025-03" (monthly), "2025-autumn" / "2025-spring" (termly: August to
 * December, January to July). Returns 0 with its first and last local day, or -EINVAL
 * (s is not one of c's, or c is continuous or unknown). */
int calendar_period_parse(Lanu__V1__Cadence c, const char *s, int32_t *ret_first,
			  int32_t *ret_last);

/* The period of cadence c after p (two years on for biennial) into out. Returns 0 or
 * -EINVAL as calendar_period_parse(). */
int calendar_period_next(Lanu__V1__Cadence c, const char *p, char out[CALENDAR_PERIOD_LEN]);

/* The period of cadence c that day lies in, into out ("" for continuous). */
void calendar_period_of(Lanu__V1__Cadence c, int32_t day, char out[CALENDAR_PERIOD_LEN]);
