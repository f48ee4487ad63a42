/*
 * csv: RFC 4180 records from a buffer and a FILE: quotes, "" escapes, line breaks inside
 * quotes, CRLF/LF/CR, the line of each record, a BOM, ISO-8859-1 to UTF-8, and every
 * malformed record refused with its line while reading goes on.
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

#include "csv.h"

static struct csv *
open_text(const char *s, char delim, unsigned flags)
{
	struct csv *c = NULL;

	assert_int_equal(csv_open_buffer(s, strlen(s), delim, flags, &c), 0);
	return c;
}

/* The next record, which must be well-formed, as "a|b|c" (line in *line). */
static void
expect(struct csv *c, unsigned line, const char *joined)
{
	const struct csv_record *rec;
	char buf[1024] = "";

	assert_int_equal(csv_next(c, &rec), 1);
	for (size_t i = 0; i < rec->n; i++) {
		assert_int_equal(strlen(rec->field[i]), rec->len[i]);
		if (i)
			strcat(buf, "|");
		strcat(buf, rec->field[i]);
	}
	assert_string_equal(buf, joined);
	assert_int_equal(rec->line, line);
}

static void
expect_error(struct csv *c, int code, unsigned line, const char *what)
{
	const struct csv_record *rec;
	unsigned l = 0;

	assert_int_equal(csv_next(c, &rec), code);
	assert_non_null(strstr(csv_error(c, &l), what));
	assert_int_equal(l, line);
}

static void
expect_end(struct csv *c)
{
	const struct csv_record *rec;

	assert_int_equal(csv_next(c, &rec), 0);
	assert_int_equal(csv_next(c, &rec), 0);
}

static void
test_plain(void **state)
{
	struct csv *c = open_text("a;b;c\r\n1;;3\n\n;x;\r\rlast", ';', 0);

	(void)state;
	expect(c, 1, "a|b|c");
	expect(c, 2, "1||3");
	expect(c, 4, "|x|");	/* the blank line 3 skipped */
	expect(c, 6, "last");	/* a lone CR ends a line; line 5 blank */
	expect_end(c);
	csv_free(c);
}

static void
test_quoted(void **state)
{
	struct csv *c = open_text("\"a;b\";\"say \"\"hi\"\"\";\"two\r\nlines\"\n"
				  "\"\";x\n\"p\n\nq\";\"\"\"\"\n", ';', 0);

	(void)state;
	expect(c, 1, "a;b|say \"hi\"|two\r\nlines");
	expect(c, 3, "|x");
	expect(c, 4, "p\n\nq|\"");
	expect_end(c);
	csv_free(c);
}

static void
test_errors_go_on(void **state)
{
	/* given with its length: a NUL inside */
	static const char text[] = "ok;1\nab\"c;2\n\"ab\"c;3\nfine;4\nnul\0x;5\nend;6\n"
				   "\"never closed;7\nmore\n";
	const struct csv_record *rec;
	struct csv *c;

	(void)state;
	assert_int_equal(csv_open_buffer(text, sizeof(text) - 1, ';', 0, &c), 0);
	expect(c, 1, "ok|1");
	expect_error(c, -EBADMSG, 2, "a quote inside a field");
	expect_error(c, -EBADMSG, 3, "text after a closing quote");
	expect(c, 4, "fine|4");
	expect_error(c, -EBADMSG, 5, "a NUL byte");
	expect(c, 6, "end|6");
	expect_error(c, -EBADMSG, 7, "not closed");
	assert_int_equal(csv_next(c, &rec), 0);
	csv_free(c);
}

static void
test_limits(void **state)
{
	size_t big = CSV_MAX_RECORD + 10;
	char *text = malloc(big + 32);
	struct csv *c;

	(void)state;
	assert_non_null(text);
	memset(text, 'x', big);
	strcpy(text + big, "\nsmall;1\n");
	assert_int_equal(csv_open_buffer(text, strlen(text), ';', 0, &c), 0);
	expect_error(c, -E2BIG, 1, "longer than");
	expect(c, 2, "small|1");
	expect_end(c);
	csv_free(c);

	memset(text, ';', 300);
	strcpy(text + 300, "\nnext\n");
	assert_int_equal(csv_open_buffer(text, strlen(text), ';', 0, &c), 0);
	expect_error(c, -E2BIG, 1, "more than 256 fields");
	expect(c, 2, "next");
	csv_free(c);
	free(text);
}

static void
test_encoding(void **state)
{
	struct csv *c = open_text("\xef\xbb\xbf" "Oppilas,Kyl\xc3\xa4n\n", ',', 0);

	(void)state;
	expect(c, 1, "Oppilas|Kyl\xc3\xa4n");	/* the BOM is gone */
	csv_free(c);

	c = open_text("Kyl\xe4n koulu,\xc5\n", ',', CSV_LATIN1);
	expect(c, 1, "Kyl\xc3\xa4n koulu|\xc3\x85");
	csv_free(c);

	c = open_text("\xef\xbb\xbfx\n", ',', CSV_LATIN1);	/* no BOM in ISO-8859-1 */
	expect(c, 1, "\xc3\xaf\xc2\xbb\xc2\xbfx");
	csv_free(c);

	c = open_text("Kyl\xe4n koulu,x\nok,y\n", ',', 0);	/* Latin-1 read as UTF-8 */
	expect_error(c, -EBADMSG, 1, "not valid UTF-8");
	expect(c, 2, "ok|y");
	csv_free(c);
}

static void
test_file(void **state)
{
	FILE *f = tmpfile();
	struct csv *c;

	(void)state;
	assert_non_null(f);
	fputs("h1\th2\r\n\"a\tb\"\tc\r\n", f);
	rewind(f);
	assert_int_equal(csv_open_file(f, '\t', 0, &c), 0);
	expect(c, 1, "h1|h2");
	expect(c, 2, "a\tb|c");
	expect_end(c);
	csv_free(c);
	fclose(f);
	assert_int_equal(csv_open_buffer("", 0, '"', 0, &c), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_errors_go_on),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
