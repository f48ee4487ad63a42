/* atomic_file: a file replaced whole, so that a crash leaves the old or the new one. */
#pragma once

#include <stdio.h>
#include <sys/types.h>

/* Writes PATH.tmp (created with mode, whatever the umask) with write_fn, flushes and
 * fsyncs it, renames it over path and fsyncs the directory. On failure PATH.tmp is
 * removed and path is as it was. Returns 0, write_fn's negative result, or -errno. */
int atomic_file_replace(const char *path, mode_t mode, int (*write_fn)(FILE *f, void *arg),
			void *arg);
