/* atomic_file: write a temporary file, fsync, rename, fsync the directory. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

/* fsyncs the directory path is in, so that a rename in it is on disk. */
static int
atomic_file_sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, r = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int
atomic_file_replace(const char *path, mode_t mode, int (*write_fn)(FILE *f, void *arg),
		    void *arg)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + sizeof(".tmp"));
	FILE *f = NULL;
	int fd = -1, r;

	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".tmp", sizeof(".tmp"));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) < 0 || !(f = fdopen(fd, "w"))) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	r = write_fn(f, arg);
	if (r < 0) {
		fclose(f);
		goto fail;
	}
	errno = 0;
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
		r = errno ? -errno : -EIO;
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	free(tmp);
	return atomic_file_sync_dir(path);
fail:
	unlink(tmp);
	free(tmp);
	return r;
}
