/* Helpers every test shares: temp dirs that clean up after themselves. */
#pragma once

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR; caller frees (after test_rmrf). */
static inline char *
test_tmpdir(void)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *p = malloc(strlen(base) + 32);

	if (!p)
		return NULL;
	sprintf(p, "%s/lanu-test.XXXXXX", base);
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

static inline int
test_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
test_rmrf(const char *dir)
{
	if (dir)
		nftw(dir, test_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}
