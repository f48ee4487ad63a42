/*
 * csv: RFC 4180 records from a FILE or a buffer, one byte at a time, incrementally (a
 * record at a time, never the whole input). Fields are separated by the delimiter the
 * caller gives; a field may be quoted ("a;b", "" for a quote, line breaks inside); records
 * end at CRLF, LF or a lone CR. A record with a problem is still read to its end by the
 * same rules, so one bad row costs that row only, and the reader goes on; only a quote
 * not closed swallows the rest of the input, and says where it opened.
 *
 * Ownership: the reader owns one buffer holding the current record's fields, each
 * NUL-terminated; csv_next() reuses it. A leading UTF-8 byte order mark is skipped (UTF-8
 * input only).
 */
#include "csv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct csv {
	FILE *f;
	const unsigned char *data;
	size_t size, pos;
	int push[4];		/* bytes read ahead, the last pushed on top */
	int n_push;
	char delim;
	unsigned flags;
	unsigned line;		/* of the next byte */
	bool eof;
	bool started;
	char *buf;		/* the record's fields, each NUL-terminated */
	size_t buf_len, buf_cap;
	size_t n_fields;	/* ended so far in the record (NULs in buf) */
	size_t off[CSV_MAX_FIELDS + 1];
	size_t lens[CSV_MAX_FIELDS];
	char *fields[CSV_MAX_FIELDS];
	struct csv_record rec;
	char err[160];
	unsigned err_line;
	int err_code;		/* of the record being read: the first problem */
};

static int
csv_new(char delim, unsigned flags, struct csv **ret_csv)
{
	struct csv *c;

	if (delim == '"' || delim == '\r' || delim == '\n' || delim == '\0')
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->delim = delim;
	c->flags = flags;
	c->line = 1;
	c->buf_cap = 1024;
	c->buf = malloc(c->buf_cap);
	if (!c->buf) {
		free(c);
		return -ENOMEM;
	}
	*ret_csv = c;
	return 0;
}

int
csv_open_file(FILE *f, char delim, unsigned flags, struct csv **ret_csv)
{
	struct csv *c;
	int r = csv_new(delim, flags, &c);

	if (r < 0)
		return r;
	c->f = f;
	*ret_csv = c;
	return 0;
}

int
csv_open_buffer(const void *buf, size_t len, char delim, unsigned flags, struct csv **ret_csv)
{
	struct csv *c;
	int r = csv_new(delim, flags, &c);

	if (r < 0)
		return r;
	c->data = buf;
	c->size = len;
	*ret_csv = c;
	return 0;
}

struct csv *
csv_free(struct csv *c)
{
	if (!c)
		return NULL;
	free(c->buf);
	free(c);
	return NULL;
}

/* The next byte, or EOF. */
static int
csv_getc(struct csv *c)
{
	int ch;

	if (c->n_push > 0)
		return c->push[--c->n_push];
	if (c->f) {
		ch = getc_unlocked(c->f);
		if (ch == EOF)
			c->eof = true;
		return ch;
	}
	if (c->pos == c->size) {
		c->eof = true;
		return EOF;
	}
	return c->data[c->pos++];
}

static void
csv_ungetc(struct csv *c, int ch)
{
	if (ch != EOF)
		c->push[c->n_push++] = ch;
}

/* Notes the record's first problem; the rest of it is read all the same. */
static void
csv_fail(struct csv *c, int code, unsigned line, const char *what)
{
	if (c->err_code)
		return;
	c->err_code = code;
	c->err_line = line;
	snprintf(c->err, sizeof(c->err), "%s", what);
}

/* Room for k more bytes in the record's buffer. Returns false (noted) if there is none. */
static bool
csv_reserve(struct csv *c, size_t k)
{
	if (c->err_code == -E2BIG || c->err_code == -ENOMEM)
		return false;
	if (c->buf_len + k > CSV_MAX_RECORD + CSV_MAX_FIELDS) {
		c->err_code = 0;	/* this one wins: the record is not kept */
		csv_fail(c, -E2BIG, c->rec.line, "the record is longer than 65536 bytes");
		return false;
	}
	if (c->buf_len + k > c->buf_cap) {
		size_t cap = c->buf_cap * 2;
		char *nb = realloc(c->buf, cap);

		if (!nb) {
			c->err_code = 0;
			csv_fail(c, -ENOMEM, c->line, "out of memory");
			return false;
		}
		c->buf = nb;
		c->buf_cap = cap;
	}
	return true;
}

static void
csv_put(struct csv *c, unsigned char b)
{
	size_t k = b >= 0x80 && (c->flags & CSV_LATIN1) ? 2 : 1;

	/* the fields' bytes, without the NULs between them */
	if (c->buf_len - c->n_fields + k > CSV_MAX_RECORD && c->err_code != -E2BIG) {
		c->err_code = 0;
		csv_fail(c, -E2BIG, c->rec.line, "the record is longer than 65536 bytes");
	}
	if (!csv_reserve(c, k))
		return;
	if (b == 0)
		csv_fail(c, -EBADMSG, c->line, "a NUL byte");
	if (b >= 0x80 && (c->flags & CSV_LATIN1)) {
		c->buf[c->buf_len++] = (char)(0xc0 | (b >> 6));
		c->buf[c->buf_len++] = (char)(0x80 | (b & 0x3f));
	} else {
		c->buf[c->buf_len++] = (char)b;
	}
}

/* Ends the current field. */
static void
csv_end_field(struct csv *c, size_t *n)
{
	if (*n == CSV_MAX_FIELDS && c->err_code != -E2BIG && c->err_code != -ENOMEM) {
		c->err_code = 0;
		csv_fail(c, -E2BIG, c->rec.line, "the record has more than 256 fields");
	}
	if (!csv_reserve(c, 1))
		return;
	c->buf[c->buf_len++] = '\0';
	c->off[++*n] = c->buf_len;
	c->n_fields = *n;
}

/* A line break starting with ch ('\r' or '\n'), consumed. */
static void
csv_newline(struct csv *c, int ch)
{
	if (ch == '\r') {
		int next = csv_getc(c);

		if (next != '\n')
			csv_ungetc(c, next);
	}
	c->line++;
}

static bool
csv_utf8_valid(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char b = s[i];
		size_t n;
		uint32_t cp;

		if (b < 0x80) {
			i++;
			continue;
		} else if ((b & 0xe0) == 0xc0) {
			n = 1, cp = b & 0x1f;
		} else if ((b & 0xf0) == 0xe0) {
			n = 2, cp = b & 0x0f;
		} else if ((b & 0xf8) == 0xf0) {
			n = 3, cp = b & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Skips a UTF-8 byte order mark at the very start (of UTF-8 input: in ISO-8859-1 the
 * same bytes are three letters). */
static void
csv_skip_bom(struct csv *c)
{
	int b[3];
	int n = 0;

	c->started = true;
	while (n < 3 && (b[n] = csv_getc(c)) != EOF)
		n++;
	if (n == 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		return;
	while (n > 0)
		csv_ungetc(c, b[--n]);
}

int
csv_next(struct csv *c, const struct csv_record **ret_rec)
{
	size_t n;
	int ch;

	if (!c->started && !(c->flags & CSV_LATIN1))
		csv_skip_bom(c);
	for (;;) {
		bool quoted = false, after_quote = false, field_started = false;
		unsigned quote_line = 0;

		c->buf_len = 0;
		c->n_fields = 0;
		c->off[0] = 0;
		c->err_code = 0;
		n = 0;
		c->rec.line = c->line;
		for (;;) {
			ch = csv_getc(c);
			if (quoted) {
				if (ch == EOF) {
					c->err_code = 0;	/* what matters most */
					csv_fail(c, -EBADMSG, quote_line,
						 "a quote opened here is not closed by the end of "
						 "the input");
					break;
				}
				if (ch == '"') {
					int next = csv_getc(c);

					if (next == '"') {
						csv_put(c, '"');
						continue;
					}
					csv_ungetc(c, next);
					quoted = false;
					after_quote = true;
					continue;
				}
				if (ch == '\n')
					c->line++;
				csv_put(c, (unsigned char)ch);
				continue;
			}
			if (ch == EOF || ch == '\n' || ch == '\r')
				break;
			if (ch == c->delim) {
				csv_end_field(c, &n);
				after_quote = field_started = false;
				continue;
			}
			if (ch == '"' && !field_started) {
				quoted = field_started = true;
				quote_line = c->line;
				continue;
			}
			if (after_quote)
				csv_fail(c, -EBADMSG, c->line, "text after a closing quote");
			else if (ch == '"')
				csv_fail(c, -EBADMSG, c->line,
					 "a quote inside a field that does not start with one");
			field_started = true;
			csv_put(c, (unsigned char)ch);
		}
		if (ch == EOF && n == 0 && !field_started && c->buf_len == 0 && !c->err_code)
			return 0;	/* the end, or a last blank line */
		if (ch == '\n' || ch == '\r')
			csv_newline(c, ch);
		if (n == 0 && !field_started && c->buf_len == 0 && !c->err_code)
			continue;	/* a blank line */
		csv_end_field(c, &n);
		if (c->f && ferror(c->f))
			return -EIO;
		if (c->err_code)
			return c->err_code;
		for (size_t i = 0; i < n; i++) {
			c->fields[i] = c->buf + c->off[i];
			c->lens[i] = c->off[i + 1] - c->off[i] - 1;
			if (!csv_utf8_valid((unsigned char *)c->fields[i], c->lens[i])) {
				csv_fail(c, -EBADMSG, c->rec.line,
					 "not valid UTF-8 (for an ISO-8859-1 export: encoding "
					 "iso-8859-1)");
				return -EBADMSG;
			}
		}
		c->rec.n = n;
		c->rec.field = c->fields;
		c->rec.len = c->lens;
		*ret_rec = &c->rec;
		return 1;
	}
}

const char *
csv_error(const struct csv *c, unsigned *ret_line)
{
	*ret_line = c->err_line;
	return c->err;
}
