/*
 * mapping: the mapping file of lanu-absence-import, in lanud.conf's line syntax (words
 * separated by blanks, "quoted words", # comments; conf_split_words()):
 *
 *	delimiter    ;                  one character, or tab
 *	encoding     iso-8859-1         or utf-8 (the default)
 *	header       yes                the first record names the columns (the default)
 *	date-format  %d.%m.%Y           strptime(3); the default %Y-%m-%d
 *	column pupil Oppilas            the header's name, or a number from 1 with header no
 *	period       term               no period column: the period from the date
 *	class unauthorised Luvaton "Ei selvitetty"   the export's words for each class
 *	school "Kylän koulu" kyla-koulu the export's school names as plan area ids
 *
 * Every line is checked and every problem said, then what is missing. The mapping owns
 * all its strings; mapping_row() reads one record by it and never guesses: a value it
 * cannot read is an error naming the column.
 */
#include "mapping.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "csv.h"
#include "lanu/macro.h"

#define MAPPING_MAX_WORDS	64
#define MAPPING_MAX_LINE	4096

static const char *const mapping_cols[MAPPING_N_COLS] = {
	[MAPPING_PUPIL] = "pupil",
	[MAPPING_SCHOOL] = "school",
	[MAPPING_GRADE] = "grade",
	[MAPPING_PERIOD] = "period",
	[MAPPING_DATE] = "date",
	[MAPPING_CLASS] = "class",
	[MAPPING_HOURS] = "hours",
	[MAPPING_LESSONS] = "lessons",
	[MAPPING_LESSONS_HELD] = "lessons-held",
};

static const char *const mapping_classes[MAPPING_N_CLASSES] = {
	[MAPPING_AUTHORISED] = "authorised",
	[MAPPING_UNAUTHORISED] = "unauthorised",
	[MAPPING_UNEXPLAINED] = "unexplained",
};

struct mapping_ctx {
	struct mapping *m;
	FILE *err;
	unsigned line;
	int errors;
	bool seen[8];		/* the one-value keys given */
};

static void _printf_(2, 3)
mapping_error(struct mapping_ctx *x, const char *fmt, ...)
{
	va_list ap;

	if (x->line > 0)
		fprintf(x->err, "%s:%u: ", x->m->path, x->line);
	else
		fprintf(x->err, "%s: ", x->m->path);
	va_start(ap, fmt);
	vfprintf(x->err, fmt, ap);
	va_end(ap);
	fputc('\n', x->err);
	x->errors++;
}

const char *
mapping_col_name(int col)
{
	return col >= 0 && col < MAPPING_N_COLS ? mapping_cols[col] : "?";
}

bool
mapping_is_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LANU_MAX_NAME)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-", *s))
			return false;
	return true;
}

static int
mapping_lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

/* A date format must read back the day it writes. */
static bool
mapping_date_format_ok(const char *fmt)
{
	struct tm tm = { .tm_year = 125, .tm_mon = 8, .tm_mday = 23 }, back = { 0 };
	char buf[128];
	const char *end;

	/* the format is the mapping's, which is the point */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(buf, sizeof(buf), fmt, &tm) == 0)
		return false;
#pragma GCC diagnostic pop
	end = strptime(buf, fmt, &back);
	return end && *end == '\0' && back.tm_year == 125 && back.tm_mon == 8 &&
	       back.tm_mday == 23;
}

static int
mapping_push(struct mapping_value **v, size_t *n, const char *from, const char *to, int cls)
{
	struct mapping_value *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = (struct mapping_value){ .from = strdup(from), .to = to ? strdup(to) : NULL,
					 .cls = cls };
	if (!nv[*n].from || (to && !nv[*n].to)) {
		free(nv[*n].from);
		free(nv[*n].to);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

static const struct mapping_value *
mapping_find(const struct mapping_value *v, size_t n, const char *from)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].from, from) == 0)
			return &v[i];
	return NULL;
}

/* A key that takes one value, given once. */
static bool
mapping_once(struct mapping_ctx *x, unsigned slot, char **w, int n)
{
	if (n != 2) {
		mapping_error(x, "%s takes one value", w[0]);
		return false;
	}
	if (x->seen[slot]) {
		mapping_error(x, "%s is given twice", w[0]);
		return false;
	}
	x->seen[slot] = true;
	return true;
}

static int
mapping_line(struct mapping_ctx *x, char **w, int n)
{
	struct mapping *m = x->m;
	int i;

	if (strcmp(w[0], "delimiter") == 0) {
		if (!mapping_once(x, 0, w, n))
			return 0;
		if (strcmp(w[1], "tab") == 0)
			m->delimiter = '\t';
		else if (strlen(w[1]) == 1 && w[1][0] != '"' && (unsigned char)w[1][0] < 0x80)
			m->delimiter = w[1][0];
		else
			mapping_error(x, "delimiter '%s' is not one character (or tab)", w[1]);
	} else if (strcmp(w[0], "encoding") == 0) {
		if (!mapping_once(x, 1, w, n))
			return 0;
		if (strcasecmp(w[1], "iso-8859-1") == 0 || strcasecmp(w[1], "latin1") == 0)
			m->csv_flags |= CSV_LATIN1;
		else if (strcasecmp(w[1], "utf-8") != 0)
			mapping_error(x, "encoding '%s' is not utf-8 or iso-8859-1", w[1]);
	} else if (strcmp(w[0], "header") == 0) {
		if (!mapping_once(x, 2, w, n))
			return 0;
		if (strcmp(w[1], "yes") == 0 || strcmp(w[1], "no") == 0)
			m->header = strcmp(w[1], "yes") == 0;
		else
			mapping_error(x, "header '%s' is not yes or no", w[1]);
	} else if (strcmp(w[0], "date-format") == 0) {
		if (!mapping_once(x, 3, w, n))
			return 0;
		if (!mapping_date_format_ok(w[1])) {
			mapping_error(x, "date-format '%s' does not read back the day it writes "
					 "(it needs %%d, %%m and %%Y or %%y)", w[1]);
			return 0;
		}
		free(m->date_format);
		if (!(m->date_format = strdup(w[1])))
			return -ENOMEM;
	} else if (strcmp(w[0], "period") == 0) {
		if (!mapping_once(x, 4, w, n))
			return 0;
		if (strcmp(w[1], "term") == 0)
			m->period = MAPPING_PERIOD_TERM;
		else if (strcmp(w[1], "school-year") == 0)
			m->period = MAPPING_PERIOD_SCHOOL_YEAR;
		else
			mapping_error(x, "period '%s' is not term or school-year", w[1]);
	} else if (strcmp(w[0], "column") == 0) {
		if (n != 3) {
			mapping_error(x, "column takes a name and the export's column");
			return 0;
		}
		i = mapping_lookup(mapping_cols, MAPPING_N_COLS, w[1]);
		if (i < 0) {
			mapping_error(x, "unknown column '%s' (pupil, school, grade, period, date, "
					 "class, hours, lessons, lessons-held)", w[1]);
			return 0;
		}
		if (m->column[i]) {
			mapping_error(x, "column %s is given twice", w[1]);
			return 0;
		}
		for (int k = 0; k < MAPPING_N_COLS; k++)
			if (m->column[k] && strcmp(m->column[k], w[2]) == 0)
				mapping_error(x, "'%s' is already column %s", w[2],
					      mapping_cols[k]);
		if (!(m->column[i] = strdup(w[2])))
			return -ENOMEM;
	} else if (strcmp(w[0], "class") == 0) {
		if (n < 3) {
			mapping_error(x, "class takes a class and the export's words for it");
			return 0;
		}
		i = mapping_lookup(mapping_classes, MAPPING_N_CLASSES, w[1]);
		if (i < 0) {
			mapping_error(x, "unknown class '%s' (authorised, unauthorised, "
					 "unexplained)", w[1]);
			return 0;
		}
		for (int k = 2; k < n; k++) {
			if (mapping_find(m->classes, m->n_classes, w[k])) {
				mapping_error(x, "'%s' is mapped twice", w[k]);
				continue;
			}
			if (mapping_push(&m->classes, &m->n_classes, w[k], NULL, i) < 0)
				return -ENOMEM;
		}
	} else if (strcmp(w[0], "school") == 0) {
		if (n != 3) {
			mapping_error(x, "school takes the export's name and a plan area id");
			return 0;
		}
		if (!mapping_is_id(w[2])) {
			mapping_error(x, "'%s' is not an area id (1-64 of A-Z a-z 0-9 . _ : -)",
				      w[2]);
			return 0;
		}
		if (mapping_find(m->schools, m->n_schools, w[1])) {
			mapping_error(x, "school '%s' is mapped twice", w[1]);
			return 0;
		}
		if (mapping_push(&m->schools, &m->n_schools, w[1], w[2], -1) < 0)
			return -ENOMEM;
	} else {
		mapping_error(x, "unknown key '%s'", w[0]);
	}
	return 0;
}

/* What must be there once every line is read. */
static void
mapping_check(struct mapping_ctx *x)
{
	static const int required[] = { MAPPING_PUPIL, MAPPING_SCHOOL, MAPPING_GRADE,
					 MAPPING_DATE, MAPPING_CLASS };
	struct mapping *m = x->m;

	x->line = 0;
	for (size_t i = 0; i < ELEMENTSOF(required); i++)
		if (!m->column[required[i]])
			mapping_error(x, "no column %s", mapping_cols[required[i]]);
	if (!m->column[MAPPING_HOURS] && !m->column[MAPPING_LESSONS])
		mapping_error(x, "no column hours or lessons");
	if (m->column[MAPPING_LESSONS] && !m->column[MAPPING_LESSONS_HELD])
		mapping_error(x, "column lessons needs column lessons-held (lanud refuses more "
				 "lessons absent than held)");
	if (!m->column[MAPPING_PERIOD] && m->period == MAPPING_PERIOD_COLUMN)
		mapping_error(x, "no column period, and no period term or school-year");
	if (m->column[MAPPING_PERIOD] && m->period != MAPPING_PERIOD_COLUMN)
		mapping_error(x, "both a column period and period %s",
			      m->period == MAPPING_PERIOD_TERM ? "term" : "school-year");
	if (m->n_classes == 0)
		mapping_error(x, "no class: say which words of the export are which class");
	if (!m->header)
		for (int i = 0; i < MAPPING_N_COLS; i++) {
			char *end;
			long v;

			if (!m->column[i])
				continue;
			v = strtol(m->column[i], &end, 10);
			if (*end || v < 1 || v > CSV_MAX_FIELDS)
				mapping_error(x, "with header no, column %s must be a number 1-%d, "
						 "not '%s'", mapping_cols[i], CSV_MAX_FIELDS,
					      m->column[i]);
		}
}

int
mapping_load(const char *path, FILE *err, struct mapping **ret_mapping)
{
	struct mapping *m = calloc(1, sizeof(*m));
	struct mapping_ctx x = { .m = m, .err = err };
	char line[MAPPING_MAX_LINE];
	FILE *f;
	int r = 0;

	if (!m)
		return -ENOMEM;
	m->delimiter = ',';
	m->header = true;
	m->path = strdup(path);
	m->date_format = strdup("%Y-%m-%d");
	if (!m->path || !m->date_format) {
		mapping_free(m);
		return -ENOMEM;
	}
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		fprintf(err, "%s: %s\n", path, strerror(-r));
		mapping_free(m);
		return r;
	}
	while (r == 0 && fgets(line, sizeof(line), f)) {
		char *w[MAPPING_MAX_WORDS];
		const char *why;
		int n;

		x.line++;
		if (!strchr(line, '\n') && !feof(f)) {
			int ch;

			mapping_error(&x, "line longer than %d bytes", MAPPING_MAX_LINE - 1);
			while ((ch = getc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		n = conf_split_words(line, w, ELEMENTSOF(w), &why);
		if (n < 0)
			mapping_error(&x, "%s", why);
		else if (n > 0)
			r = mapping_line(&x, w, n);
	}
	if (r == 0 && ferror(f)) {
		r = -EIO;
		fprintf(err, "%s: %s\n", path, strerror(EIO));
	}
	fclose(f);
	if (r == 0)
		mapping_check(&x);
	if (r == 0 && x.errors > 0)
		r = -EINVAL;
	if (r < 0) {
		mapping_free(m);
		return r;
	}
	for (int i = 0; i < MAPPING_N_COLS; i++)
		m->index[i] = -1;
	*ret_mapping = m;
	return 0;
}

struct mapping *
mapping_free(struct mapping *m)
{
	if (!m)
		return NULL;
	for (int i = 0; i < MAPPING_N_COLS; i++)
		free(m->column[i]);
	for (size_t i = 0; i < m->n_classes; i++)
		free(m->classes[i].from);
	for (size_t i = 0; i < m->n_schools; i++) {
		free(m->schools[i].from);
		free(m->schools[i].to);
	}
	free(m->classes);
	free(m->schools);
	free(m->date_format);
	free(m->path);
	free(m);
	return NULL;
}

/* s without blanks around it, compared with name. */
static bool
mapping_same_name(const char *s, const char *name)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return strlen(name) == len && strncmp(s, name, len) == 0;
}

int
mapping_bind(struct mapping *m, const struct csv_record *header, const char *export_name,
	     FILE *err)
{
	int errors = 0;

	m->n_fields = 0;
	for (int i = 0; i < MAPPING_N_COLS; i++) {
		m->index[i] = -1;
		if (!m->column[i])
			continue;
		if (!header) {
			m->index[i] = (int)strtol(m->column[i], NULL, 10) - 1;
		} else {
			for (size_t k = 0; k < header->n; k++)
				if (mapping_same_name(header->field[k], m->column[i])) {
					m->index[i] = (int)k;
					break;
				}
			if (m->index[i] < 0) {
				fprintf(err, "%s:%u: no column '%s' (column %s in %s)\n",
					export_name, header->line, m->column[i], mapping_cols[i],
					m->path);
				errors++;
				continue;
			}
		}
		if ((size_t)m->index[i] + 1 > m->n_fields)
			m->n_fields = (size_t)m->index[i] + 1;
	}
	return errors ? -EINVAL : 0;
}

static int _printf_(5, 6)
mapping_bad(const struct mapping *m, int col, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (m->header)
		k = snprintf(err, errlen, "column %s: ", m->column[col]);
	else
		k = snprintf(err, errlen, "column %d: ", m->index[col] + 1);
	if (k >= 0 && (size_t)k < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* s without blanks around it: trailing ones cut off in place. */
static char *
mapping_trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	return s;
}

/* "1", "1,5", "0.75": hundredths; at most two decimals. -EINVAL. */
static int
mapping_hundredths(const char *s, int64_t *ret)
{
	int64_t v = 0;
	int decimals = -1;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if ((*s == ',' || *s == '.') && decimals < 0) {
			decimals = 0;
			continue;
		}
		if (!isdigit((unsigned char)*s) || decimals == 2 || v > INT64_MAX / 1000)
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (decimals >= 0)
			decimals++;
	}
	if (decimals == 0)
		return -EINVAL;
	for (int d = decimals < 0 ? 0 : decimals; d < 2; d++)
		v *= 10;
	*ret = v;
	return 0;
}

static int
mapping_count(const char *s, uint32_t max, uint32_t *ret)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static const char *
mapping_quote(const char *s, char buf[48])
{
	snprintf(buf, 48, "'%.40s%s'", s, strlen(s) > 40 ? "..." : "");
	return buf;
}

int
mapping_row(const struct mapping *m, const struct csv_record *rec, char *err, size_t errlen,
	    struct mapping_row *ret_row)
{
	const char *v[MAPPING_N_COLS];
	struct mapping_row row = { .cls = -1, .lessons_held = -1 };
	const struct mapping_value *mv;
	struct tm tm = { 0 };
	const char *end;
	char q[48];
	uint32_t u;

	if (rec->n < m->n_fields) {
		snprintf(err, errlen, "%zu fields, the mapping needs %zu", rec->n, m->n_fields);
		return -EINVAL;
	}
	for (int i = 0; i < MAPPING_N_COLS; i++)
		v[i] = m->index[i] < 0 ? "" : mapping_trim(rec->field[m->index[i]]);

	/* the pupil: never quoted, it might be a name */
	if (!mapping_is_id(v[MAPPING_PUPIL]))
		return mapping_bad(m, MAPPING_PUPIL, err, errlen,
				   "not a pseudonym (1-64 of A-Z a-z 0-9 . _ : -)");
	row.pupil = v[MAPPING_PUPIL];

	if (m->n_schools > 0) {
		mv = mapping_find(m->schools, m->n_schools, v[MAPPING_SCHOOL]);
		if (!mv)
			return mapping_bad(m, MAPPING_SCHOOL, err, errlen,
					   "%s is not a school the mapping names",
					   mapping_quote(v[MAPPING_SCHOOL], q));
		row.school = mv->to;
	} else {
		if (!mapping_is_id(v[MAPPING_SCHOOL]))
			return mapping_bad(m, MAPPING_SCHOOL, err, errlen,
					   "%s is not an area id (or map it with school NAME ID)",
					   mapping_quote(v[MAPPING_SCHOOL], q));
		row.school = v[MAPPING_SCHOOL];
	}

	/* "7", "7A", "7 b": the grade the field starts with */
	{
		const char *g = v[MAPPING_GRADE];
		unsigned long grade;
		char *gend;

		grade = isdigit((unsigned char)*g) ? strtoul(g, &gend, 10) : 0;
		if (grade >= 1 && grade <= 13) {
			while (*gend == ' ')
				gend++;
			while (isalpha((unsigned char)*gend))
				gend++;
		}
		if (grade < 1 || grade > 13 || *gend)
			return mapping_bad(m, MAPPING_GRADE, err, errlen,
					   "%s is not a grade 1-13 (a letter may follow)",
					   mapping_quote(g, q));
		row.grade = (uint32_t)grade;
	}

	end = strptime(v[MAPPING_DATE], m->date_format, &tm);
	if (end && *end == '\0') {
		struct tm back = tm;
		time_t t;

		back.tm_isdst = 0;
		t = timegm(&back);
		if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != tm.tm_mday ||
		    back.tm_mon != tm.tm_mon || back.tm_year != tm.tm_year ||
		    tm.tm_year < 0 || tm.tm_year > 8099)
			end = NULL;
	}
	if (!end || *end)
		return mapping_bad(m, MAPPING_DATE, err, errlen, "%s is not a day (%s)",
				   mapping_quote(v[MAPPING_DATE], q), m->date_format);
	{
		char day[32];	/* wide enough for any int, which the checks above rule out */

		snprintf(day, sizeof(day), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday);
		memcpy(row.date, day, sizeof(row.date) - 1);
		row.date[sizeof(row.date) - 1] = '\0';
	}

	switch (m->period) {
	case MAPPING_PERIOD_COLUMN:
		if (!mapping_is_id(v[MAPPING_PERIOD]))
			return mapping_bad(m, MAPPING_PERIOD, err, errlen,
					   "%s is not a period (2025-autumn, 2025-2026)",
					   mapping_quote(v[MAPPING_PERIOD], q));
		snprintf(row.period, sizeof(row.period), "%s", v[MAPPING_PERIOD]);
		break;
	case MAPPING_PERIOD_TERM:
		snprintf(row.period, sizeof(row.period), "%04d-%s", tm.tm_year + 1900,
			 tm.tm_mon >= 6 ? "autumn" : "spring");
		break;
	case MAPPING_PERIOD_SCHOOL_YEAR: {
		int y = tm.tm_year + 1900 - (tm.tm_mon < 7);

		snprintf(row.period, sizeof(row.period), "%04d-%04d", y, y + 1);
		break;
	}
	}

	if (m->index[MAPPING_HOURS] >= 0 && v[MAPPING_HOURS][0] &&
	    mapping_hundredths(v[MAPPING_HOURS], &row.centihours) < 0)
		return mapping_bad(m, MAPPING_HOURS, err, errlen,
				   "%s is not hours (1, 1,5 or 0.75: at most two decimals)",
				   mapping_quote(v[MAPPING_HOURS], q));
	if (m->index[MAPPING_LESSONS] >= 0 && v[MAPPING_LESSONS][0] &&
	    mapping_count(v[MAPPING_LESSONS], 10000, &row.lessons) < 0)
		return mapping_bad(m, MAPPING_LESSONS, err, errlen,
				   "%s is not a number of lessons (0-10000)",
				   mapping_quote(v[MAPPING_LESSONS], q));
	if (m->index[MAPPING_LESSONS_HELD] >= 0 && v[MAPPING_LESSONS_HELD][0]) {
		if (mapping_count(v[MAPPING_LESSONS_HELD], 100000, &u) < 0)
			return mapping_bad(m, MAPPING_LESSONS_HELD, err, errlen,
					   "%s is not a number of lessons (0-100000)",
					   mapping_quote(v[MAPPING_LESSONS_HELD], q));
		row.lessons_held = u;
	}

	if (v[MAPPING_CLASS][0]) {
		mv = mapping_find(m->classes, m->n_classes, v[MAPPING_CLASS]);
		if (!mv)
			return mapping_bad(m, MAPPING_CLASS, err, errlen,
					   "%s is not a class the mapping names",
					   mapping_quote(v[MAPPING_CLASS], q));
		row.cls = mv->cls;
	} else if (row.centihours > 0 || row.lessons > 0) {
		return mapping_bad(m, MAPPING_CLASS, err, errlen,
				   "empty, but the row has hours or lessons absent");
	}
	*ret_row = row;
	return 0;
}
