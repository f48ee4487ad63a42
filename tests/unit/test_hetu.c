/*
 * hetu: valid identity codes of every century sign are found, inside other text too;
 * a wrong check character, an impossible date or a pupil pseudonym is not.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
