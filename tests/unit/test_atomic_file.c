/* lib/atomic_file.c: a file replaced whole, with the mode asked for whatever the umask;
 * a failed write leaves the old file and no temporary one. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "atomic_file.h"

static int
write_text(FILE *f, void *arg)
{
	fputs(arg, f);
	return 0;
}

static int
write_fails(FILE *f, void *arg)
{
	(void)arg;
	fputs("half of it", f);
	return -ENOSPC;
}

static void
read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void
test_replace(void **state)
{
	char dir[] = "/tmp/atomic-file-test.XXXXXX", path[64], tmp[72], buf[64];
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	assert_int_equal(atomic_file_replace(path, 0600, write_text, (void *)"one\n"), 0);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "one\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);	/* not the umask's 0666 */

	assert_int_equal(atomic_file_replace(path, 0600, write_text, (void *)"two\n"), 0);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "two\n");

	/* a failed write: the old file as it was, no temporary left */
	assert_int_equal(atomic_file_replace(path, 0600, write_fails, NULL), -ENOSPC);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "two\n");
	assert_int_equal(access(tmp, F_OK), -1);

	/* a directory that is not there: -ENOENT, nothing made */
	snprintf(path, sizeof(path), "%s/none/state", dir);
	assert_int_equal(atomic_file_replace(path, 0600, write_text, (void *)"x"), -ENOENT);

	snprintf(path, sizeof(path), "%s/state", dir);
	unlink(path);
	rmdir(dir);
	umask(old);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
