/* tally: a pupil's absences per review period, added up from the export's rows. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"
#include "mapping.h"

#define TALLY_ID_LEN	36	/* "abs-" and 32 hex digits */

struct tally_entry {
	char *key;		/* pupil NUL period: tally_key() */
	size_t key_len;
	const char *pupil;	/* into key */
	const char *period;
	char *school;		/* of the latest row */
	uint32_t grade;		/* of the latest row */
	char as_of[11];		/* the latest row's day */
	char held_day[11];	/* the day lessons_held is of ("" if no row said) */
	uint32_t lessons_held;
	int64_t centihours[MAPPING_N_CLASSES];
	uint32_t lessons[MAPPING_N_CLASSES];
	unsigned line;		/* the first row's line in the export */
};

struct tally;

/* Returns NULL only for -ENOMEM. */
struct tally *tally_new(void);
struct tally *tally_free(struct tally *t);

/* Adds row (from the export's line) to its pupil's counts in its period. Returns 0,
 * -EOVERFLOW (the counts would not fit their fields), -ENOMEM. */
int tally_add(struct tally *t, const struct mapping_row *row, unsigned line);

/* The pupils and periods, in the order of their first rows. */
size_t tally_count(const struct tally *t);
const struct tally_entry *tally_get(const struct tally *t, size_t i);

/* The event id of e's counts: "abs-" and a hash of everything sent, so the same counts
 * always have the same id (lanud answers DUPLICATE) and changed ones a new one. */
void tally_event_id(const struct tally_entry *e, char ret_id[TALLY_ID_LEN + 1]);

/* Fills m (and the three tallies it points to) from e; strings point into e. */
void tally_fill(const struct tally_entry *e, Lanu__V1__AbsenceCountsReported *m,
		Lanu__V1__AbsenceTally tallies[MAPPING_N_CLASSES]);
