/*
 * lanuctl's layouts and option helpers, shared by its commands: aligned tables, RFC 4180
 * CSV fields, long options and --by lists.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

/* --- tables ---------------------------------------------------------------------------- */

/* How wide s shows: its characters, not its bytes (UTF-8: names in fi and sv). */
static int
text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

const char *
text_pad(const char *s, int width, char *buf, size_t len)
{
	int pad = width - text_width(s);

	snprintf(buf, len, "%s%*s", s, pad > 0 ? pad : 0, "");
	return buf;
}

void
table_fit(struct table *t, const char *const *cell)
{
	for (size_t i = 0; i < t->n; i++) {
		int w = text_width(cell[i]);

		if (w > t->width[i])
			t->width[i] = w;
	}
}

void
table_line(const struct table *t, const char *const *cell)
{
	size_t last = t->n;

	while (last > 0 && !*cell[last - 1])
		last--;
	for (size_t i = 0; i < last; i++) {
		bool right = t->right && t->right[i];
		const char *sep = i + 1 < last ? "  " : "\n";

		int pad = i + 1 < last || right ? t->width[i] - text_width(cell[i]) : 0;

		if (right)
			printf("%*s%s%s", pad, "", cell[i], sep);
		else
			printf("%s%*s%s", cell[i], pad, "", sep);
	}
	if (last == 0)
		putchar('\n');
}

/* getopt_long() over long options only; an empty value is a missing one. Returns the
 * option's character, -1 at the end, or '?' after reporting a bad option. */
int
next_option(int argc, char **argv, const struct option *opts)
{
	int idx = -1;
	int ch = getopt_long(argc, argv, "", opts, &idx);

	if (ch != -1 && ch != '?' && idx >= 0 && opts[idx].has_arg && !*optarg) {
		fprintf(stderr, "lanuctl: --%s needs a value\n", opts[idx].name);
		return '?';
	}
	return ch;
}

/* "area,language" (and more --by) into by[]: items split in place, none empty. */
int
parse_by(char *s, char **by, size_t *n)
{
	size_t len = strlen(s);

	if (len == 0 || s[0] == ',' || s[len - 1] == ',' || strstr(s, ",,")) {
		fprintf(stderr, "lanuctl: --by '%s' has an empty item (expected e.g. "
				"area,language)\n", s);
		return -EINVAL;
	}
	for (char *item; (item = strsep(&s, ","));) {
		if (*n == BY_MAX) {
			fprintf(stderr, "lanuctl: --by: at most %d breakdowns\n", BY_MAX);
			return -EINVAL;
		}
		by[(*n)++] = item;
	}
	return 0;
}

/* One RFC 4180 field: quoted when it holds a comma, a quote or a line break. */
void
csv_fput(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

void
csv_field(const char *s, bool last)
{
	csv_fput(stdout, s, last);
}
