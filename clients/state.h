/* state: which counts lanud acknowledged, per pupil and period, kept in a file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define STATE_FLUSH_MS		1000	/* flushed at least this often while acks come */
#define STATE_FLUSH_ACKS	4096	/* or after this many */

struct state;

/* Reads the state file at path; one that does not exist is an empty state. Returns 0,
 * -EBADMSG (*bad_line: the first line that is not one of ours), -errno if it cannot be
 * read, -ENOMEM. Caller owns *ret_state; free with state_free() (which does not flush). */
int state_load(const char *path, unsigned *bad_line, struct state **ret_state);
struct state *state_free(struct state *s);

/* Whether the counts with event id `id` were acknowledged for key (pupil NUL period). */
bool state_acked(const struct state *s, const char *key, size_t len, const char *id);

/* Records that lanud acknowledged id for key. Returns 0 or -ENOMEM. */
int state_set(struct state *s, const char *key, size_t len, const char *id);

/* Writes the state if anything changed since the last write: to a temporary file, fsync,
 * rename over the state file, fsync its directory; a crash leaves the old or the new
 * file, never a torn one. Returns 0 or -errno. */
int state_flush(struct state *s);

/* state_flush() if STATE_FLUSH_ACKS were recorded or STATE_FLUSH_MS passed since the
 * last write. Returns 0 or -errno. */
int state_maybe_flush(struct state *s);
