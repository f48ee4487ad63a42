/* mapping: how a student administration system's CSV export reads as absence counts. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lanu/limits.h"

struct csv_record;

enum mapping_col {
	MAPPING_PUPIL,
	MAPPING_SCHOOL,
	MAPPING_GRADE,
	MAPPING_PERIOD,
	MAPPING_DATE,
	MAPPING_CLASS,
	MAPPING_HOURS,
	MAPPING_LESSONS,
	MAPPING_LESSONS_HELD,
	MAPPING_N_COLS
};

enum mapping_class {
	MAPPING_AUTHORISED,
	MAPPING_UNAUTHORISED,
	MAPPING_UNEXPLAINED,
	MAPPING_N_CLASSES
};

enum mapping_period {
	MAPPING_PERIOD_COLUMN,		/* column period */
	MAPPING_PERIOD_TERM,		/* from the date: 2025-autumn, 2026-spring */
	MAPPING_PERIOD_SCHOOL_YEAR,	/* from the date: 2025-2026 (August to July) */
};

struct mapping_value {
	char *from;		/* as the export writes it */
	char *to;		/* a school's area id; NULL for a class */
	int cls;		/* enum mapping_class, for a class */
};

struct mapping {
	char *path;
	char delimiter;
	unsigned csv_flags;	/* CSV_LATIN1 for encoding iso-8859-1 */
	bool header;
	char *date_format;	/* strptime(3) */
	enum mapping_period period;
	char *column[MAPPING_N_COLS];	/* a header's name, or a number from 1 (header no) */
	int index[MAPPING_N_COLS];	/* after mapping_bind(): the field, -1 if not mapped */
	size_t n_fields;		/* after mapping_bind(): fields a row needs at least */
	struct mapping_value *classes;
	size_t n_classes;
	struct mapping_value *schools;	/* none: the export writes area ids */
	size_t n_schools;
};

/* One row as the mapping reads it. Strings point into the row or the mapping. */
struct mapping_row {
	const char *pupil;
	const char *school;	/* the plan area id */
	uint32_t grade;
	char period[LANU_MAX_NAME + 1];
	char date[11];		/* YYYY-MM-DD */
	int cls;		/* enum mapping_class, -1: no absence on this row */
	int64_t centihours;	/* hours absent, in hundredths */
	uint32_t lessons;
	int64_t lessons_held;	/* -1: the row does not say */
};

/* Reads the mapping file at path, every line checked; every problem is written to err as
 * "PATH:LINE: what is wrong" (or "PATH: what is missing"). Returns 0, -EINVAL if anything
 * was wrong, -ENOENT/-EACCES/... if it cannot be read (said on err too), -ENOMEM. Caller
 * owns *ret_mapping; free with mapping_free(). */
int mapping_load(const char *path, FILE *err, struct mapping **ret_mapping);
struct mapping *mapping_free(struct mapping *m);

/* Finds the mapped columns in the export's header (NULL for header no: columns are
 * numbers), writing "EXPORT:LINE: no column 'X' (column pupil)" to err for each one
 * missing. Returns 0 or -EINVAL. */
int mapping_bind(struct mapping *m, const struct csv_record *header, const char *export_name,
		 FILE *err);

/* Reads rec as a row; blanks around its mapped fields are cut off in place. Returns 0, or
 * -EINVAL with err (errlen bytes) naming the export's column and what is wrong with it;
 * the words quote no pupil's value. */
int mapping_row(const struct mapping *m, const struct csv_record *rec, char *err, size_t errlen,
		struct mapping_row *ret_row);

/* The name of the column (enum mapping_col) as the mapping file writes it: "pupil". */
const char *mapping_col_name(int col);

/* Whether s is a lanu pseudonym: 1-64 of A-Z a-z 0-9 . _ : - */
bool mapping_is_id(const char *s);
