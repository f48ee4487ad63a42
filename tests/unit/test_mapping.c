/*
 * mapping: the example mapping loads; a bad file has every problem said, with its line;
 * rows are read by it (school names, classes, grades, hours with a decimal comma, dates,
 * periods from a column or the date) and a bad value names its column, never quoting a
 * pupil's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "mapping.h"

/* Writes text to a temporary file and loads it; *ret_errors gets what was said. */
static int
load(const char *text, struct mapping **ret, char **ret_errors)
{
	char path[] = "/tmp/lanu-mapping-XXXXXX";
	size_t len = 0;
	FILE *err = open_memstream(ret_errors, &len);
	int fd = mkstemp(path), r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	r = mapping_load(path, err, ret);
	fclose(err);
	unlink(path);
	return r;
}

static const char good[] =
	"delimiter ;\n"
	"encoding iso-8859-1\n"
	"date-format %d.%m.%Y\n"
	"column pupil Oppilas\n"
	"column school Koulu\n"
	"column grade Luokka\n"
	"column period Jakso\n"
	"column date Pvm\n"
	"column class Syy\n"
	"column hours Tunnit\n"
	"column lessons Oppitunnit\n"
	"column lessons-held Pidetyt\n"
	"class authorised \"Huoltajan lupa\" Sairaus\n"
	"class unauthorised Luvaton\n"
	"class unexplained \"Selvitt\xc3\xa4m\xc3\xa4t\xc3\xb6n\"\n"
	"school \"Kyl\xc3\xa4n koulu\" kyla-koulu   # a comment\n"
	"school Keskuskoulu keskuskoulu\n";

static void
test_example(void **state)
{
	char path[512], *errors = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&errors, &len);
	struct mapping *m = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/absences/mapping.conf", EXAMPLES_DIR);
	assert_int_equal(mapping_load(path, err, &m), 0);
	fclose(err);
	assert_string_equal(errors, "");
	assert_int_equal(m->delimiter, ';');
	assert_true(m->header);
	assert_int_equal(m->n_schools, 3);
	free(errors);
	mapping_free(m);
}

static void
test_errors(void **state)
{
	struct mapping *m = (void *)1;
	char *errors = NULL;

	(void)state;
	assert_int_equal(load("delimiter ;;\n"
			      "column pupil A\n"
			      "column pupil B\n"
			      "column foo C\n"
			      "column school A\n"
			      "class often X\n"
			      "class authorised X\n"
			      "class unauthorised X\n"
			      "school \"K k\" \"not an id\"\n"
			      "date-format %d.%m\n"
			      "header perhaps\n"
			      "encoding ebcdic\n"
			      "\"unclosed\n"
			      "colour blue\n"
			      "period term\n"
			      "period term\n", &m, &errors), -EINVAL);
	assert_ptr_equal(m, (void *)1);	/* untouched on failure */
	assert_non_null(strstr(errors, ":1: delimiter ';;' is not one character"));
	assert_non_null(strstr(errors, ":3: column pupil is given twice"));
	assert_non_null(strstr(errors, ":4: unknown column 'foo'"));
	assert_non_null(strstr(errors, ":5: 'A' is already column pupil"));
	assert_non_null(strstr(errors, ":6: unknown class 'often'"));
	assert_non_null(strstr(errors, ":8: 'X' is mapped twice"));
	assert_non_null(strstr(errors, ":9: 'not an id' is not an area id"));
	assert_non_null(strstr(errors, ":10: date-format '%d.%m' does not read back"));
	assert_non_null(strstr(errors, ":11: header 'perhaps' is not yes or no"));
	assert_non_null(strstr(errors, ":12: encoding 'ebcdic'"));
	assert_non_null(strstr(errors, ":13: unterminated quoted string"));
	assert_non_null(strstr(errors, ":14: unknown key 'colour'"));
	assert_non_null(strstr(errors, ":16: period is given twice"));
	assert_non_null(strstr(errors, ": no column grade"));
	assert_non_null(strstr(errors, ": no column hours or lessons"));
	free(errors);

	assert_int_equal(load("header no\ncolumn pupil Oppilas\ncolumn school 2\n"
			      "column grade 3\ncolumn date 4\ncolumn class 5\ncolumn hours 6\n"
			      "column lessons 7\ncolumn period 8\nclass authorised x\n", &m,
			      &errors),
			 -EINVAL);
	assert_non_null(strstr(errors, "column pupil must be a number"));
	assert_non_null(strstr(errors, "column lessons needs column lessons-held"));
	free(errors);
}

/* The reader of the last row(): the row's strings point into it. */
static struct csv *cur;

/* Reads text (a header first if the mapping has one) as a row. */
static int
row(struct mapping *m, const char *text, struct mapping_row *ret, char *err)
{
	static char copy[1024];
	const struct csv_record *rec;

	cur = csv_free(cur);
	snprintf(copy, sizeof(copy), "%s", text);
	assert_int_equal(csv_open_buffer(copy, strlen(copy), m->delimiter, m->csv_flags, &cur),
			 0);
	assert_int_equal(csv_next(cur, &rec), 1);
	if (m->header) {
		assert_int_equal(mapping_bind(m, rec, "x", stderr), 0);
		assert_int_equal(csv_next(cur, &rec), 1);
	} else {
		assert_int_equal(mapping_bind(m, NULL, "x", stderr), 0);
	}
	return mapping_row(m, rec, err, 256, ret);
}

static void
test_rows(void **state)
{
	static const char head[] = "Oppilas;Koulu;Luokka;Jakso;Pvm;Syy;Tunnit;Oppitunnit;Pidetyt\n";
	struct mapping *m = NULL;
	struct mapping_row r;
	char *errors = NULL, err[256], line[512];

	(void)state;
	assert_int_equal(load(good, &m, &errors), 0);
	free(errors);
	snprintf(line, sizeof(line), "%sp-1; Kyl\xe4n koulu ;7A;2025-autumn;01.10.2025;"
		 "Sairaus;1,5;2;100\n", head);
	assert_int_equal(row(m, line, &r, err), 0);
	assert_string_equal(r.pupil, "p-1");
	assert_string_equal(r.school, "kyla-koulu");
	assert_int_equal(r.grade, 7);
	assert_string_equal(r.period, "2025-autumn");
	assert_string_equal(r.date, "2025-10-01");
	assert_int_equal(r.cls, MAPPING_AUTHORISED);
	assert_int_equal(r.centihours, 150);
	assert_int_equal(r.lessons, 2);
	assert_int_equal(r.lessons_held, 100);

#define BAD(fields, what)                                                                          \
	do {                                                                                       \
		snprintf(line, sizeof(line), "%s%s\n", head, fields);                              \
		assert_int_equal(row(m, line, &r, err), -EINVAL);                                  \
		assert_non_null(strstr(err, what));                                                \
	} while (0)

	BAD("Matti Meik\xe4l\xe4inen;Keskuskoulu;7;2025-autumn;01.10.2025;Sairaus;1;1;9",
	    "column Oppilas: not a pseudonym");
	assert_null(strstr(err, "Matti"));
	BAD("p-1;Lukio;7;2025-autumn;01.10.2025;Sairaus;1;1;9",
	    "column Koulu: 'Lukio' is not a school the mapping names");
	BAD("p-1;Keskuskoulu;14;2025-autumn;01.10.2025;Sairaus;1;1;9", "column Luokka: '14'");
	BAD("p-1;Keskuskoulu;7A2;2025-autumn;01.10.2025;Sairaus;1;1;9", "column Luokka");
	BAD("p-1;Keskuskoulu;7;2025-autumn;31.09.2025;Sairaus;1;1;9",
	    "column Pvm: '31.09.2025' is not a day");
	BAD("p-1;Keskuskoulu;7;2025-autumn;2025-10-01;Sairaus;1;1;9", "column Pvm");
	BAD("p-1;Keskuskoulu;7;2025-autumn;01.10.2025;Loma;1;1;9",
	    "column Syy: 'Loma' is not a class");
	BAD("p-1;Keskuskoulu;7;2025-autumn;01.10.2025;;1;1;9", "column Syy: empty");
	BAD("p-1;Keskuskoulu;7;2025-autumn;01.10.2025;Sairaus;1,333;1;9", "column Tunnit");
	BAD("p-1;Keskuskoulu;7;2025-autumn;01.10.2025;Sairaus;-1;1;9", "column Tunnit");
	BAD("p-1;Keskuskoulu;7;2025-autumn;01.10.2025;Sairaus;1;x;9", "column Oppitunnit");
	BAD("p-1;Keskuskoulu;7;2025 autumn;01.10.2025;Sairaus;1;1;9", "column Jakso");
	BAD("p-1;Keskuskoulu;7", "3 fields, the mapping needs 9");
#undef BAD
	/* a row without an absence: lessons held only */
	snprintf(line, sizeof(line), "%sp-2;Keskuskoulu;9;2025-autumn;02.10.2025;;;;120\n", head);
	assert_int_equal(row(m, line, &r, err), 0);
	assert_int_equal(r.cls, -1);
	assert_int_equal(r.lessons_held, 120);
	mapping_free(m);
	cur = csv_free(cur);
}

static void
test_period_from_date(void **state)
{
	struct mapping *m = NULL;
	struct mapping_row r;
	char *errors = NULL, err[256];

	(void)state;
	assert_int_equal(load("header no\ndelimiter ,\ncolumn pupil 1\ncolumn school 2\n"
			      "column grade 3\ncolumn date 4\ncolumn class 5\ncolumn hours 6\n"
			      "period term\nclass unexplained ?\n", &m, &errors), 0);
	free(errors);
	assert_int_equal(row(m, "p-1,s-1,3,2026-01-12,?,2\n", &r, err), 0);
	assert_string_equal(r.period, "2026-spring");
	assert_string_equal(r.school, "s-1");
	assert_int_equal(row(m, "p-1,s-1,3,2025-07-01,?,2\n", &r, err), 0);
	assert_string_equal(r.period, "2025-autumn");
	assert_int_equal(row(m, "p-1,a school,3,2025-07-01,?,2\n", &r, err), -EINVAL);
	assert_non_null(strstr(err, "column 2: 'a school' is not an area id"));
	m->period = MAPPING_PERIOD_SCHOOL_YEAR;
	assert_int_equal(row(m, "p-1,s-1,3,2026-07-31,?,2\n", &r, err), 0);
	assert_string_equal(r.period, "2025-2026");
	assert_int_equal(row(m, "p-1,s-1,3,2026-08-01,?,2\n", &r, err), 0);
	assert_string_equal(r.period, "2026-2027");
	mapping_free(m);
	cur = csv_free(cur);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_period_from_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
