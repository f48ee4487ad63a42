/*
 * A main() for a libFuzzer target built without libFuzzer, so that its seed corpus
 * is a plain regression test (ctest, and the ASan build's leak check): runs
 * LLVMFuzzerTestOneInput() once over each file named and each file in each directory
 * named (not recursing, dot files skipped), in name order. Exits 1 if a file cannot
 * be read or there was none; a broken invariant aborts inside the target.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPLAY_MAX (1u << 20)	/* bytes of one input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the target over the file at path. Returns 0 or -errno. */
static int
replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t len = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size > REPLAY_MAX) {
		r = st.st_size > REPLAY_MAX ? -EFBIG : -errno;
		close(fd);
		return r;
	}
	/* exactly the input's size, so that a read past its end is caught */
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (r == 0) {
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
		LLVMFuzzerTestOneInput(buf, len);
	}
	free(buf);
	return r;
}

static int
replay_visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Runs every regular file of dir. Returns how many, or -errno. */
static int
replay_dir(const char *dir)
{
	struct dirent **v;
	int n, done = 0, r = 0;

	n = scandir(dir, &v, replay_visible, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, v[i]->d_name);
		if (r == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			r = replay_file(path);
			if (r < 0)
				fprintf(stderr, "replay: %s: %s\n", path, strerror(-r));
			else
				done++;
		}
		free(v[i]);
	}
	free(v);
	return r < 0 ? r : done;
}

int
main(int argc, char **argv)
{
	int total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int r;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			r = replay_dir(argv[i]);
		} else {
			r = replay_file(argv[i]);
			if (r < 0)
				fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(-r));
			else
				r = 1;
		}
		if (r < 0)
			return 1;
		total += r;
	}
	if (total == 0) {
		fprintf(stderr, "replay: no input\n");
		return 1;
	}
	fprintf(stderr, "replay: %d input%s, all passed\n", total, total == 1 ? "" : "s");
	return 0;
}
