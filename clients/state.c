/*
 * state: lanu-absence-import's memory of what lanud acknowledged, so a rerun after a
 * crash, or on the same export, sends nothing twice, and one on a newer export sends only
 * what changed. One line per pupil and period:
 *
 *	# lanu-absence-import state 1
 *	p-1001<TAB>2025-autumn<TAB>abs-<32 hex digits>
 *
 * The id is the event id of the counts acknowledged last (tally_event_id(): a hash of
 * them). Losing the file costs nothing but resending: lanud answers DUPLICATE to counts
 * it has. It is written whole, atomically, at most every STATE_FLUSH_MS or
 * STATE_FLUSH_ACKS acknowledgements and at the end, so a crash loses at most that
 * many, which the rerun sends again. The state owns its strings.
 */
#include "state.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "strmap.h"
#include "tally.h"

#define STATE_MAGIC	"# lanu-absence-import state 1"

struct state_entry {
	char *key;		/* pupil NUL period */
	size_t len;
	char id[TALLY_ID_LEN + 1];
};

struct state {
	char *path;
	struct state_entry *v;
	size_t n, cap;
	struct strmap *index;
	size_t changes;		/* since the last write */
	uint64_t written_ms;	/* monotonic */
};

static uint64_t
state_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

struct state *
state_free(struct state *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
	strmap_free(s->index);
	free(s->path);
	free(s);
	return NULL;
}

bool
state_acked(const struct state *s, const char *key, size_t len, const char *id)
{
	size_t i;

	return strmap_get(s->index, key, len, &i) == 0 && strcmp(s->v[i].id, id) == 0;
}

int
state_set(struct state *s, const char *key, size_t len, const char *id)
{
	struct state_entry *e;
	size_t i;

	if (strlen(id) != TALLY_ID_LEN)
		return -EINVAL;
	if (strmap_get(s->index, key, len, &i) == 0) {
		e = &s->v[i];
	} else {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			struct state_entry *nv = realloc(s->v, cap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			s->v = nv;
			s->cap = cap;
		}
		e = &s->v[s->n];
		e->key = malloc(len + 1);
		if (!e->key)
			return -ENOMEM;
		memcpy(e->key, key, len);
		e->key[len] = '\0';	/* pupil NUL period NUL: both print */
		e->len = len;
		if (strmap_put(s->index, e->key, len, s->n) < 0) {
			free(e->key);
			return -ENOMEM;
		}
		s->n++;
	}
	memcpy(e->id, id, TALLY_ID_LEN + 1);
	s->changes++;
	return 0;
}

/* "pupil<TAB>period<TAB>id" into s. Returns 0, -EBADMSG, -ENOMEM. */
static int
state_parse_line(struct state *s, char *line)
{
	char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	size_t len;

	if (!t2 || t1 == line || t2 == t1 + 1 || strlen(t2 + 1) != TALLY_ID_LEN ||
	    strncmp(t2 + 1, "abs-", 4) != 0)
		return -EBADMSG;
	*t1 = '\0';
	*t2 = '\0';
	len = (size_t)(t2 - line);
	return state_set(s, line, len, t2 + 1);
}

int
state_load(const char *path, unsigned *bad_line, struct state **ret_state)
{
	struct state *s = calloc(1, sizeof(*s));
	char line[512];
	unsigned n = 0;
	FILE *f;
	int r = 0;

	if (!s || !(s->path = strdup(path)) || !(s->index = strmap_new())) {
		state_free(s);
		return -ENOMEM;
	}
	f = fopen(path, "re");
	if (!f && errno != ENOENT) {
		r = -errno;
		state_free(s);
		return r;
	}
	while (f && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		n++;
		if (len == 0 || line[len - 1] != '\n') {
			r = -EBADMSG;
			break;
		}
		line[len - 1] = '\0';
		if (n == 1) {
			if (strcmp(line, STATE_MAGIC) != 0) {
				r = -EBADMSG;
				break;
			}
			continue;
		}
		r = state_parse_line(s, line);
		if (r < 0)
			break;
	}
	if (f && r == 0 && ferror(f))
		r = -EIO;
	if (f)
		fclose(f);
	if (r < 0) {
		if (r == -EBADMSG)
			*bad_line = n;
		state_free(s);
		return r;
	}
	s->changes = 0;
	s->written_ms = state_now_ms();
	*ret_state = s;
	return 0;
}

static int
state_write(FILE *f, void *arg)
{
	const struct state *s = arg;

	fputs(STATE_MAGIC "\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const struct state_entry *e = &s->v[i];

		/* key: pupil NUL period */
		fprintf(f, "%s\t%s\t%s\n", e->key, e->key + strlen(e->key) + 1, e->id);
	}
	return 0;
}

int
state_flush(struct state *s)
{
	int r;

	if (s->changes == 0)
		return 0;
	r = atomic_file_replace(s->path, 0600, state_write, s);
	if (r < 0)
		return r;
	s->changes = 0;
	s->written_ms = state_now_ms();
	return 0;
}

int
state_maybe_flush(struct state *s)
{
	if (s->changes == 0)
		return 0;
	if (s->changes < STATE_FLUSH_ACKS && state_now_ms() - s->written_ms < STATE_FLUSH_MS)
		return 0;
	return state_flush(s);
}
