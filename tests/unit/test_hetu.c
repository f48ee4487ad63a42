/*
 * hetu: valid identity codes of every century sign are found, inside other text too;
 * a wrong check character, an impossible date or a pupil pseudonym is not; a token
 * search passes over one inside a longer run of letters and digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hetu.h"

static bool
found(const char *s)
{
	size_t off;

	return hetu_find(s, strlen(s), &off);
}

static void
test_valid(void **state)
{
	(void)state;
	assert_true(hetu_valid("131052-308T"));	/* DVV's example */
	assert_true(hetu_valid("010594Y9995"));	/* the 2023 signs of the 1900s */
	assert_true(hetu_valid("010594X9995"));
	assert_true(hetu_valid("010594W9995"));
	assert_true(hetu_valid("010594V9995"));
	assert_true(hetu_valid("010594U9995"));
	assert_true(hetu_valid("290200A1239"));	/* the 2000s, a leap day */
	assert_true(hetu_valid("290200B1239"));
	assert_true(hetu_valid("290200F1239"));
	assert_true(hetu_valid("010101+001R"));	/* the 1800s */
	assert_true(hetu_valid("311299-999E"));	/* a temporary number */
	assert_true(hetu_valid("131052-308t"));	/* lowercase counts */
}

static void
test_invalid(void **state)
{
	(void)state;
	assert_false(hetu_valid("131052-308U"));	/* wrong check character */
	assert_false(hetu_valid("131052-3080"));
	assert_false(hetu_valid("290201A1239"));	/* 2001 is no leap year */
	assert_false(hetu_valid("290200-1239"));	/* 1900 neither (and the check differs) */
	assert_false(hetu_valid("320152-308T"));	/* day 32 */
	assert_false(hetu_valid("131352-308T"));	/* month 13 */
	assert_false(hetu_valid("131052G308T"));	/* G is no century sign */
	assert_false(hetu_valid("131052-3O8T"));	/* a letter O for a zero */
}

static void
test_find(void **state)
{
	size_t off = 99;

	(void)state;
	assert_true(hetu_find("id 131052-308T here", 19, &off));
	assert_int_equal(off, 3);
	assert_true(found("131052-308T"));
	assert_true(found("x131052-308Tx"));
	assert_true(found("p-131052-308T"));
	assert_false(found("131052-308"));		/* too short */
	assert_false(found("131052-308U"));
	assert_false(found("p-1001"));
	assert_false(found("p-7f3a"));
	assert_false(found("2025-autumn"));
	assert_false(found("14.10.2025"));
	assert_false(found(""));
	/* the length bounds the search, not a NUL */
	assert_false(hetu_find("131052-308T", 10, &off));
}

static bool
token(const char *s)
{
	size_t off;

	return hetu_find_token(s, strlen(s), &off);
}

/* A code standing on its own is found; one inside a run of letters and digits (a
 * hexadecimal hash that happens to hold one) is not. */
static void
test_find_token(void **state)
{
	size_t off;

	(void)state;
	assert_true(hetu_find_token("id 131052-308T here", 19, &off));
	assert_int_equal(off, 3);
	assert_true(token("131052-308T"));
	assert_true(token("p-131052-308T"));
	assert_true(token("131052-308T.2"));
	assert_true(token("note: 010594Y9995, called"));
	assert_false(token("x131052-308Tx"));
	assert_false(token("x131052-308T"));
	assert_false(token("131052-308Tx"));
	assert_false(token("abs-9e131052a308f2"));
	/* found anywhere, but within a hash: not a token */
	assert_true(found("e3f010594a9995b"));
	assert_false(token("e3f010594a9995b"));
	/* the second of two: the first is inside a word */
	assert_true(hetu_find_token("x131052-308T 131052-308T", 24, &off));
	assert_int_equal(off, 13);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
