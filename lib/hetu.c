/*
 * hetu: the Finnish personal identity code (henkilötunnus), as defined by the Digital and
 * Population Data Services Agency (DVV), century signs as of 2023: DDMMYY, a century
 * sign, a three-digit individual number and a check character, the remainder of the
 * nine digits DDMMYYNNN divided by 31 as one of "0123456789ABCDEFHJKLMNPRSTUVWXY".
 * Only a code whose date is a real day and whose check character is right is found, so
 * that pupil pseudonyms, dates and amounts are not taken for one. Nothing here keeps or
 * prints a code: callers say where one is, never what.
 */
#include "hetu.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

static const char hetu_check_chars[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";

static int
hetu_digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The century of a sign, or -1. */
static int
hetu_century(char c)
{
	switch (toupper((unsigned char)c)) {
	case '+':
		return 1800;
	case '-': case 'Y': case 'X': case 'W': case 'V': case 'U':
		return 1900;
	case 'A': case 'B': case 'C': case 'D': case 'E': case 'F':
		return 2000;
	default:
		return -1;
	}
}

static bool
hetu_date_valid(int d, int m, int y)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12 || d < 1)
		return false;
	return d <= days[m - 1] + (m == 2 && leap);
}

bool
hetu_valid(const char *s)
{
	int d = hetu_digits(s, 2), m = hetu_digits(s + 2, 2), y = hetu_digits(s + 4, 2);
	int century = hetu_century(s[6]), nnn = hetu_digits(s + 7, 3);
	long number;

	if (d < 0 || m < 0 || y < 0 || century < 0 || nnn < 0)
		return false;
	if (!hetu_date_valid(d, m, century + y))
		return false;
	number = ((long)d * 10000 + m * 100 + y) * 1000 + nnn;
	return toupper((unsigned char)s[10]) == hetu_check_chars[number % 31];
}

static bool
hetu_search(const char *s, size_t len, bool token, size_t *ret_off)
{
	for (size_t i = 0; i + HETU_LEN <= len; i++) {
		if (token && ((i > 0 && isalnum((unsigned char)s[i - 1])) ||
			      (i + HETU_LEN < len && isalnum((unsigned char)s[i + HETU_LEN]))))
			continue;
		/* cheap first: the digits and the sign in their places */
		if (!isdigit((unsigned char)s[i]) || !isdigit((unsigned char)s[i + 5]) ||
		    hetu_century(s[i + 6]) < 0 || !isdigit((unsigned char)s[i + 9]))
			continue;
		if (hetu_valid(s + i)) {
			*ret_off = i;
			return true;
		}
	}
	return false;
}

bool
hetu_find(const char *s, size_t len, size_t *ret_off)
{
	return hetu_search(s, len, false, ret_off);
}

bool
hetu_find_token(const char *s, size_t len, size_t *ret_off)
{
	return hetu_search(s, len, true, ret_off);
}
