/* Where the store-backed fuzzers (fuzz_deadline.c, fuzz_indicator.c, fuzz_stateful.c)
 * keep their LMDB store: on tmpfs where there is one, where a commit's fsync costs
 * nothing, else $TMPDIR or /tmp. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Makes a fresh directory NAME.XXXXXX for a store into dir (size bytes). Returns 0, or
 * -errno with *ret_base the directory it was made in. */
static inline int
fuzz_store_dir(char *dir, size_t size, const char *name, const char **ret_base)
{
	const char *base = getenv("TMPDIR");

	if (access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	else if (!base || !*base)
		base = "/tmp";
	*ret_base = base;
	snprintf(dir, size, "%s/%s.XXXXXX", base, name);
	return mkdtemp(dir) ? 0 : -errno;
}

/* Removes the store's files and dir once the store is open: LMDB goes on with the files
 * it has open and mapped, and a run that aborts leaves nothing behind. Returns 0, or
 * -errno with the path that could not be removed in failed (size bytes). */
static inline int
fuzz_store_unlink(const char *dir, char *failed, size_t size)
{
	static const char *const files[] = { "data.mdb", "lock.mdb", "lanud.lock" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(failed, size, "%s/%s", dir, files[i]);
		if (unlink(failed) < 0 && errno != ENOENT)
			return -errno;
	}
	snprintf(failed, size, "%s", dir);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
