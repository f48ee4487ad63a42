/*
 * tally: adds up the export's rows per pupil and review period. Absences are summed per
 * class (hours in hundredths, exactly, so the same rows always give the same counts and
 * the same event id); the school, the grade and as_of are the latest row's, and lessons
 * held the latest row's that says (the larger on the same day: they only grow). The tally
 * owns its entries and their strings.
 */
#include "tally.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct tally {
	struct tally_entry *v;
	size_t n, cap;
	struct strmap *index;	/* key -> position in v */
};

struct tally *
tally_new(void)
{
	struct tally *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->index = strmap_new();
	if (!t->index) {
		free(t);
		return NULL;
	}
	return t;
}

struct tally *
tally_free(struct tally *t)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].school);
	}
	free(t->v);
	strmap_free(t->index);
	free(t);
	return NULL;
}

static int
tally_entry_new(struct tally *t, const struct mapping_row *row, unsigned line,
		struct tally_entry **ret)
{
	size_t lp = strlen(row->pupil), lq = strlen(row->period);
	struct tally_entry *e;
	int r;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct tally_entry *nv = realloc(t->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = cap;
	}
	e = &t->v[t->n];
	*e = (struct tally_entry){ .key_len = lp + 1 + lq, .line = line };
	e->key = malloc(lp + lq + 2);
	e->school = strdup(row->school);
	if (!e->key || !e->school) {
		free(e->key);
		free(e->school);
		return -ENOMEM;
	}
	memcpy(e->key, row->pupil, lp + 1);
	memcpy(e->key + lp + 1, row->period, lq + 1);
	e->pupil = e->key;
	e->period = e->key + lp + 1;
	r = strmap_put(t->index, e->key, e->key_len, t->n);
	if (r < 0) {
		free(e->key);
		free(e->school);
		return r;
	}
	t->n++;
	*ret = e;
	return 0;
}

int
tally_add(struct tally *t, const struct mapping_row *row, unsigned line)
{
	size_t lp = strlen(row->pupil), lq = strlen(row->period), i;
	char key[2 * (LANU_MAX_NAME + 1)];
	struct tally_entry *e;
	int r;

	if (lp > LANU_MAX_NAME || lq > LANU_MAX_NAME)
		return -EINVAL;
	memcpy(key, row->pupil, lp + 1);
	memcpy(key + lp + 1, row->period, lq);
	if (strmap_get(t->index, key, lp + 1 + lq, &i) == 0) {
		e = &t->v[i];
	} else {
		r = tally_entry_new(t, row, line, &e);
		if (r < 0)
			return r;
	}
	if (row->cls >= 0) {
		/* lanud's lessons are 32 bits, its hours a double: keep both exact */
		if ((uint64_t)e->lessons[row->cls] + row->lessons > UINT32_MAX ||
		    e->centihours[row->cls] + row->centihours > (INT64_C(1) << 50))
			return -EOVERFLOW;
		e->lessons[row->cls] += row->lessons;
		e->centihours[row->cls] += row->centihours;
	}
	if (strcmp(row->date, e->as_of) >= 0) {
		if (strcmp(row->school, e->school) != 0) {
			char *s = strdup(row->school);

			if (!s)
				return -ENOMEM;
			free(e->school);
			e->school = s;
		}
		e->grade = row->grade;
		memcpy(e->as_of, row->date, sizeof(e->as_of));
	}
	if (row->lessons_held >= 0) {
		int c = strcmp(row->date, e->held_day);

		if (c > 0 || (c == 0 && (uint32_t)row->lessons_held > e->lessons_held)) {
			e->lessons_held = (uint32_t)row->lessons_held;
			memcpy(e->held_day, row->date, sizeof(e->held_day));
		}
	}
	return 0;
}

size_t
tally_count(const struct tally *t)
{
	return t->n;
}

const struct tally_entry *
tally_get(const struct tally *t, size_t i)
{
	return i < t->n ? &t->v[i] : NULL;
}

void
tally_event_id(const struct tally_entry *e, char ret_id[TALLY_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char h[16];
	char buf[512];
	int n;

	/* every field sent, separated by a byte no field holds */
	n = snprintf(buf, sizeof(buf),
		     "%s\n%s\n%s\n%" PRIu32 "\n%s\n%" PRIu32 "\n%" PRId64 "\n%" PRIu32
		     "\n%" PRId64 "\n%" PRIu32 "\n%" PRId64 "\n%" PRIu32,
		     e->pupil, e->period, e->school, e->grade, e->as_of, e->lessons_held,
		     e->centihours[0], e->lessons[0], e->centihours[1], e->lessons[1],
		     e->centihours[2], e->lessons[2]);
	crypto_generichash(h, sizeof(h), (const unsigned char *)buf,
			   (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, NULL, 0);
	memcpy(ret_id, "abs-", 4);
	for (size_t i = 0; i < sizeof(h); i++) {
		ret_id[4 + 2 * i] = hex[h[i] >> 4];
		ret_id[5 + 2 * i] = hex[h[i] & 15];
	}
	ret_id[TALLY_ID_LEN] = '\0';
}

void
tally_fill(const struct tally_entry *e, Lanu__V1__AbsenceCountsReported *m,
	   Lanu__V1__AbsenceTally tallies[MAPPING_N_CLASSES])
{
	lanu__v1__absence_counts_reported__init(m);
	m->pupil_id = (char *)e->pupil;
	m->school = e->school;
	m->grade = e->grade;
	m->period = (char *)e->period;
	m->as_of = (char *)e->as_of;
	m->lessons_held = e->lessons_held;
	for (int c = 0; c < MAPPING_N_CLASSES; c++) {
		lanu__v1__absence_tally__init(&tallies[c]);
		tallies[c].hours = (double)e->centihours[c] / 100.0;
		tallies[c].lessons = e->lessons[c];
	}
	m->authorised = &tallies[MAPPING_AUTHORISED];
	m->unauthorised = &tallies[MAPPING_UNAUTHORISED];
	m->unexplained = &tallies[MAPPING_UNEXPLAINED];
}
