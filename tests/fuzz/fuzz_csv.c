/*
 * libFuzzer target: every byte string as a CSV export through lanu-absence-import's
 * reader (csv.c), the identity-code finder (hetu.c), a mapping's reading of each record
 * (mapping.c) and the tally (tally.c). The first byte picks the delimiter and the
 * encoding; the rest is the export. Invariants: a record has 1..CSV_MAX_FIELDS fields,
 * each NUL-terminated at its length with no NUL inside and valid UTF-8's bytes only
 * from the input (at most twice its bytes, for ISO-8859-1); records' lines never go back
 * and never pass the input's line count; the reader over a FILE gives exactly the records
 * the reader over the buffer does; a code found is where hetu_find() says; every row a
 * mapping reads has a pupil and school that are ids, a grade 1-13 and a real day; and
 * every tally entry gets an id. Nothing may leak or read out of bounds on any input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "hetu.h"
#include "mapping.h"
#include "tally.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_csv: %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Columns 1-9 as pupil, school, grade, period, date, class, hours, lessons, held. */
static void
fuzz_mapping(struct mapping *m, char delim, unsigned flags)
{
	static char *const cols[MAPPING_N_COLS] = { "1", "2", "3", "4", "5", "6", "7", "8", "9" };
	static struct mapping_value classes[] = {
		{ .from = "A", .cls = MAPPING_AUTHORISED },
		{ .from = "U", .cls = MAPPING_UNAUTHORISED },
		{ .from = "Selvittämätön", .cls = MAPPING_UNEXPLAINED },
	};
	static struct mapping_value schools[] = {
		{ .from = "Kylän koulu", .to = "kyla-koulu" },
		{ .from = "K", .to = "keskuskoulu" },
	};

	memset(m, 0, sizeof(*m));
	m->path = "fuzz.conf";
	m->delimiter = delim;
	m->csv_flags = flags;
	m->date_format = delim == ',' ? "%Y-%m-%d" : "%d.%m.%Y";
	m->period = delim == '\t' ? MAPPING_PERIOD_TERM : MAPPING_PERIOD_COLUMN;
	for (int i = 0; i < MAPPING_N_COLS; i++)
		m->column[i] = i == MAPPING_PERIOD && m->period ? NULL : cols[i];
	m->classes = classes;
	m->n_classes = 3;
	m->schools = delim == ';' ? schools : NULL;
	m->n_schools = delim == ';' ? 2 : 0;
	CHECK(mapping_bind(m, NULL, "fuzz.csv", stderr) == 0);
}

static void
fuzz_check_row(const struct mapping_row *r)
{
	CHECK(mapping_is_id(r->pupil));
	CHECK(mapping_is_id(r->school));
	CHECK(mapping_is_id(r->period));
	CHECK(r->grade >= 1 && r->grade <= 13);
	CHECK(strlen(r->date) == 10 && r->date[4] == '-' && r->date[7] == '-');
	CHECK(r->cls >= -1 && r->cls < MAPPING_N_CLASSES);
	CHECK(r->cls >= 0 || (r->centihours == 0 && r->lessons == 0));
	CHECK(r->centihours >= 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = { ';', ',', '\t', '|' };
	struct csv *c = NULL, *cf = NULL;
	const struct csv_record *rec, *recf;
	struct tally *t;
	struct mapping m;
	unsigned last_line = 0, lines = 1;
	size_t total = 0;
	FILE *f = NULL;
	char delim;
	unsigned flags;
	int r, rf;

	if (size == 0)
		return 0;
	delim = delims[data[0] & 3];
	flags = data[0] & 4 ? CSV_LATIN1 : 0;
	data++;
	size--;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' ||
			 (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
	CHECK(csv_open_buffer(data, size, delim, flags, &c) == 0);
	if (size > 0) {
		f = fmemopen((void *)data, size, "r");
		CHECK(f);
		CHECK(csv_open_file(f, delim, flags, &cf) == 0);
	}
	fuzz_mapping(&m, delim, flags);
	t = tally_new();
	CHECK(t);
	do {
		unsigned l1 = 0, l2 = 0;

		r = csv_next(c, &rec);
		rf = cf ? csv_next(cf, &recf) : 0;
		CHECK(r == rf);
		if (r < 0) {
			CHECK(r == -EBADMSG || r == -E2BIG);
			CHECK(strcmp(csv_error(c, &l1), csv_error(cf, &l2)) == 0 && l1 == l2);
			CHECK(l1 >= 1 && l1 <= lines);
			continue;
		}
		if (r == 0)
			break;
		CHECK(rec->n >= 1 && rec->n <= CSV_MAX_FIELDS);
		CHECK(rec->line >= last_line && rec->line <= lines);
		CHECK(recf->n == rec->n && recf->line == rec->line);
		last_line = rec->line;
		for (size_t i = 0; i < rec->n; i++) {
			size_t off;

			CHECK(strlen(rec->field[i]) == rec->len[i]);
			CHECK(rec->len[i] == recf->len[i]);
			CHECK(memcmp(rec->field[i], recf->field[i], rec->len[i]) == 0);
			total += rec->len[i];
			if (hetu_find(rec->field[i], rec->len[i], &off)) {
				CHECK(off + HETU_LEN <= rec->len[i]);
				CHECK(hetu_valid(rec->field[i] + off));
			}
		}
		CHECK(total <= 2 * size);
		{
			struct mapping_row row;
			char err[256];

			if (mapping_row(&m, rec, err, sizeof(err), &row) == 0) {
				fuzz_check_row(&row);
				r = tally_add(t, &row, rec->line);
				CHECK(r == 0 || r == -EOVERFLOW);
				r = 1;
			} else {
				CHECK(strncmp(err, "column ", 7) == 0 || strstr(err, "fields"));
			}
		}
	} while (r != 0);
	for (size_t i = 0; i < tally_count(t); i++) {
		char id[TALLY_ID_LEN + 1];

		tally_event_id(tally_get(t, i), id);
		CHECK(strlen(id) == TALLY_ID_LEN);
	}
	tally_free(t);
	csv_free(c);
	csv_free(cf);
	if (f)
		fclose(f);
	return 0;
}
