/* csv: an RFC 4180 reader that names the line of every record and of every problem. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_RECORD	(64 * 1024)	/* bytes of one record's fields, as UTF-8 */
#define CSV_MAX_FIELDS	256		/* fields of one record */

#define CSV_LATIN1	0x1		/* the input is ISO-8859-1: fields come as UTF-8 */

struct csv;

/* One record: n fields, each NUL-terminated UTF-8 of len[i] bytes without a NUL inside.
 * Valid until the next csv_next() or csv_free(). */
struct csv_record {
	unsigned line;		/* the line it starts on, 1 = the first */
	size_t n;
	char **field;
	const size_t *len;
};

/* A reader over f (read as it goes; the caller closes f) or over buf (len bytes, the
 * caller's until csv_free()), fields separated by delim, flags CSV_*. Returns 0,
 * -EINVAL (delim is a quote, CR or LF), -ENOMEM. */
int csv_open_file(FILE *f, char delim, unsigned flags, struct csv **ret_csv);
int csv_open_buffer(const void *buf, size_t len, char delim, unsigned flags,
		    struct csv **ret_csv);
struct csv *csv_free(struct csv *c);

/* The next record, blank lines skipped. Returns 1 with *ret_rec, 0 at the end, or for a
 * record that is not well-formed (reading goes on after it): -EBADMSG (a quote inside an
 * unquoted field, text after a closing quote, a NUL byte, not UTF-8, a quoted field not
 * closed at the end of the input), -E2BIG (longer than CSV_MAX_RECORD or more than
 * CSV_MAX_FIELDS fields); csv_error() says what and on which line. -EIO: f failed. */
int csv_next(struct csv *c, const struct csv_record **ret_rec);

/* What was wrong with the record csv_next() refused last, and *ret_line its line
 * (where the problem is, else where the record starts). */
const char *csv_error(const struct csv *c, unsigned *ret_line);
