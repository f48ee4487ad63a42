/*
 * Integration tests: lanu-absence-import, the real binary, against a real lanud with the
 * example plan (examples/plans/absences-example.yaml): the shipped example is sent and
 * acknowledged; a rerun sends nothing; without the state file lanud answers DUPLICATE; a
 * newer export sends only what changed; a row with an identity code, a malformed row and
 * counts lanud refuses exit 1 with the rest sent; lanud unreachable exits 2; and an
 * import killed half-way through 40 000 pupils, run again, leaves each pupil's counts
 * stored exactly once. Its times are logged as figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#ifndef IMPORT_PATH
#error "IMPORT_PATH must name the lanu-absence-import binary"
#endif

#define MAPPING EXAMPLES_DIR "/absences/mapping.conf"
#define HEAD "Oppilas;Koulu;Luokka;Jakso;Pvm;Syy;Tunnit;Oppitunnit;Pidetyt\n"
#define RUN_TIMEOUT_MS 120000

struct fixture {
	struct daemon d;
	struct client *c;
	char state[600];
	char out[600];		/* the importer's stdout and stderr */
	char err[600];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	if (daemon_init(&f->d, NULL) < 0 ||
	    daemon_copy_plan(&f->d, EXAMPLES_DIR "/plans/absences-example.yaml") < 0 ||
	    daemon_start(&f->d, NULL) < 0)
		return -1;
	f->c = daemon_client(&f->d);
	snprintf(f->state, sizeof(f->state), "%s/import.state", f->d.dir);
	snprintf(f->out, sizeof(f->out), "%s/import.out", f->d.dir);
	snprintf(f->err, sizeof(f->err), "%s/import.err", f->d.dir);
	return f->c ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f) {
		client_free(f->c);
		daemon_cleanup(&f->d);
		free(f);
	}
	return 0;
}

/* Starts the importer on export with extra options (NULL-terminated list), its output to
 * f->out and f->err. */
static pid_t
import_start(struct fixture *f, const char *export, const char *const *extra)
{
	const char *argv[32] = { IMPORT_PATH, "-c", f->d.conf, "-m", MAPPING, "-s", f->state };
	size_t n = 7;
	pid_t pid;

	for (; extra && *extra; extra++)
		argv[n++] = *extra;
	argv[n++] = export;
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(f->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(f->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Waits (RUN_TIMEOUT_MS at most) for pid: its exit status, 128+signal if killed. */
static int
import_wait(pid_t pid)
{
	uint64_t until = mono_ms() + RUN_TIMEOUT_MS;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		assert_int_equal(r, 0);
		if (mono_ms() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fail_msg("lanu-absence-import did not finish in %d ms", RUN_TIMEOUT_MS);
		}
		usleep(5000);
	}
}

static int
import_run(struct fixture *f, const char *export, const char *const *extra)
{
	return import_wait(import_start(f, export, extra));
}

/* The whole of a file (at most 64 KiB kept). */
static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *fp = fopen(path, "re");
	size_t n = 0;

	buf[0] = '\0';
	if (fp) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

static void
expect_said(struct fixture *f, const char *what)
{
	const char *err = slurp(f->err);

	if (!strstr(err, what))
		fail_msg("stderr lacks '%s':\n%s", what, err);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "we");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* lanud's stored events and duplicates answered so far. */
static void
counts(struct fixture *f, uint64_t *events, uint64_t *duplicates)
{
	Lanu__V1__Reply *rep;
	Lanu__V1__Status *s = daemon_status(f->c, &rep);

	*events = s->events;
	if (duplicates)
		*duplicates = s->duplicates;
	lanu__v1__reply__free_unpacked(rep, NULL);
}

/* Pupils lanud holds for ladder basic-education in period (AbsenceQuery). */
static uint64_t
pupils(struct fixture *f, const char *period)
{
	Lanu__V1__AbsenceQuery q = LANU__V1__ABSENCE_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	uint64_t n = 0;

	q.period = (char *)period;
	req.body_case = LANU__V1__REQUEST__BODY_ABSENCES;
	req.absences = &q;
	assert_int_equal(client_call(f->c, &req, 10000, &rep), 0);
	assert_int_equal(rep->code, LANU__V1__REPLY__CODE__OK);
	for (size_t i = 0; rep->absences && i < rep->absences->n_rows; i++)
		n += rep->absences->rows[i]->pupils;
	lanu__v1__reply__free_unpacked(rep, NULL);
	return n;
}

static void
test_example(void **state)
{
	struct fixture *f = *state;
	const char *export = EXAMPLES_DIR "/absences/export.csv";
	const char *other_state[] = { "-s", NULL, NULL };
	char path[700];
	uint64_t events, dups, dups0;

	assert_int_equal(import_run(f, export, NULL), 0);
	expect_said(f, "rows 37, pupils 14, sent 14, already sent 0, refused 0, rows not sent 0");
	counts(f, &events, &dups0);
	assert_int_equal(events, 14);
	assert_int_equal(pupils(f, "2025-autumn"), 12);
	assert_int_equal(pupils(f, "2026-spring"), 2);

	/* the same export again: the state file says it is all there; nothing is sent */
	assert_int_equal(import_run(f, export, NULL), 0);
	expect_said(f, "pupils 14, sent 0, already sent 14, refused 0");
	counts(f, &events, &dups);
	assert_int_equal(events, 14);
	assert_int_equal(dups, dups0);

	/* without it: sent, and lanud answers DUPLICATE to every one */
	snprintf(path, sizeof(path), "%s/other.state", f->d.dir);
	other_state[1] = path;
	assert_int_equal(import_run(f, export, other_state), 0);
	expect_said(f, "pupils 14, sent 0, already sent 14, refused 0");
	counts(f, &events, &dups);
	assert_int_equal(events, 14);
	assert_int_equal(dups, dups0 + 14);

	/* a dry run prints one Envelope per pupil and period and sends nothing */
	{
		const char *dry[] = { "--dry-run", "-s", path, NULL };
		char fresh[700];

		snprintf(fresh, sizeof(fresh), "%s/fresh.state", f->d.dir);
		dry[2] = fresh;
		assert_int_equal(import_run(f, export, dry), 0);
		expect_said(f, "pupils 14, to send 14, already sent 0");
		assert_non_null(strstr(slurp(f->out), "\"absenceCountsReported\":{\"pupilId\":"
							"\"p-1012\",\"school\":\"keskuskoulu\""));
		assert_int_equal(access(fresh, F_OK), -1);	/* no state written */
		counts(f, &events, NULL);
		assert_int_equal(events, 14);
	}
}

static void
test_newer_export(void **state)
{
	struct fixture *f = *state;
	char first[600], second[600];
	uint64_t events;

	snprintf(first, sizeof(first), "%s/first.csv", f->d.dir);
	snprintf(second, sizeof(second), "%s/second.csv", f->d.dir);
	write_file(first, HEAD
		   "p-1;Keskuskoulu;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;100\n"
		   "p-2;Keskuskoulu;7A;2025-autumn;01.10.2025;Luvaton;0,75;1;100\n"
		   "p-3;Rantakoulu;2B;2025-autumn;01.10.2025;Sairaus;3;4;100\n"
		   "p-4;Rantakoulu;2B;2025-autumn;01.10.2025;Sairaus;3;4;100\n");
	assert_int_equal(import_run(f, first, NULL), 0);
	expect_said(f, "rows 4, pupils 4, sent 4, already sent 0");
	/* p-2 has a new absence, p-4 a later day, p-5 is new; p-1 and p-3 as they were */
	write_file(second, HEAD
		   "p-1;Keskuskoulu;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;100\n"
		   "p-2;Keskuskoulu;7A;2025-autumn;01.10.2025;Luvaton;0,75;1;100\n"
		   "p-2;Keskuskoulu;7A;2025-autumn;08.10.2025;Selvittämätön;0,75;1;125\n"
		   "p-3;Rantakoulu;2B;2025-autumn;01.10.2025;Sairaus;3;4;100\n"
		   "p-4;Rantakoulu;2B;2025-autumn;01.10.2025;Sairaus;3;4;100\n"
		   "p-4;Rantakoulu;2B;2025-autumn;09.10.2025;;;;130\n"
		   "p-5;Kylän koulu;9C;2025-autumn;09.10.2025;Luvaton;6;8;130\n");
	assert_int_equal(import_run(f, second, NULL), 0);
	expect_said(f, "rows 7, pupils 5, sent 3, already sent 2, refused 0");
	counts(f, &events, NULL);
	assert_int_equal(events, 7);
}

static void
test_identity_code(void **state)
{
	struct fixture *f = *state;
	char export[600];
	const char *err;
	uint64_t events;

	snprintf(export, sizeof(export), "%s/hetu.csv", f->d.dir);
	write_file(export, HEAD
		   "p-1;Keskuskoulu;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;100\n"
		   "131052-308T;Keskuskoulu;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;100\n"
		   "p-2;Keskuskoulu;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;100\n"
		   "p-2;Keskuskoulu;7A;2025-autumn;02.10.2025;\"Luvaton\";1;1;x 010594Y9995\n"
		   "p-3;Keskuskoulu;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;131052-308U\n");
	assert_int_equal(import_run(f, export, NULL), 1);
	expect_said(f, "hetu.csv:3: column Oppilas holds what looks like a personal identity "
		       "code; row not sent");
	expect_said(f, "hetu.csv:5: column Pidetyt holds what looks like a personal identity "
		       "code; row not sent");
	/* a wrong check character is no code: that row is only malformed */
	expect_said(f, "hetu.csv:6: column Pidetyt: '131052-308U' is not a number of lessons");
	expect_said(f, "rows 5, pupils 2, sent 2, already sent 0, refused 0, rows not sent 3");
	err = slurp(f->err);
	assert_null(strstr(err, "131052-308T"));
	assert_null(strstr(err, "010594Y9995"));
	counts(f, &events, NULL);
	assert_int_equal(events, 2);
}

static void
test_bad_csv(void **state)
{
	struct fixture *f = *state;
	char export[600];
	uint64_t events;

	snprintf(export, sizeof(export), "%s/bad.csv", f->d.dir);
	write_file(export, HEAD
		   "p-1;Keskuskoulu;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;100\n"
		   "p-2;Keskuskoulu;7A;2025-autumn;01.10.2025;Sai\"raus;1,5;2;100\n"
		   "p-3;Keskuskoulu;7A;2025-autumn;31.09.2025;Sairaus;1,5;2;100\n"
		   "p-4;Keskuskoulu;7A;2025-autumn;01.10.2025;Loma;1,5;2;100\n"
		   "p-5;Lukio;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;100\n"
		   "p-6;Keskuskoulu;7A\n"
		   "p-7;Keskuskoulu;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;100\n"
		   "p-8;\"Keskuskoulu;7A;2025-autumn;01.10.2025;Sairaus;1,5;2;100\n");
	assert_int_equal(import_run(f, export, NULL), 1);
	expect_said(f, "bad.csv:3: a quote inside a field that does not start with one; row not "
		       "sent");
	expect_said(f, "bad.csv:4: column Pvm: '31.09.2025' is not a day (%d.%m.%Y); row not sent");
	expect_said(f, "bad.csv:5: column Syy: 'Loma' is not a class the mapping names");
	expect_said(f, "bad.csv:6: column Koulu: 'Lukio' is not a school the mapping names");
	expect_said(f, "bad.csv:7: 3 fields, the mapping needs 9; row not sent");
	expect_said(f, "bad.csv:9: a quote opened here is not closed by the end of the input");
	expect_said(f, "rows 8, pupils 2, sent 2, already sent 0, refused 0, rows not sent 6");
	counts(f, &events, NULL);
	assert_int_equal(events, 2);

	/* a header without a mapped column: nothing is read */
	write_file(export, "Oppilas;Koulu\np-1;Keskuskoulu\n");
	assert_int_equal(import_run(f, export, NULL), 2);
	expect_said(f, "bad.csv:1: no column 'Luokka' (column grade in ");
}

static void
test_refused_by_lanud(void **state)
{
	struct fixture *f = *state;
	char export[600], mapping[600];
	const char *opts[] = { "-m", mapping, NULL };
	uint64_t events;

	/* lukio is in the plan but on no ladder; 2024-autumn is no period of it */
	snprintf(mapping, sizeof(mapping), "%s/mapping.conf", f->d.dir);
	snprintf(export, sizeof(export), "%s/refused.csv", f->d.dir);
	write_file(mapping, "delimiter ,\nheader no\ncolumn pupil 1\ncolumn school 2\n"
		   "column grade 3\ncolumn period 4\ncolumn date 5\ncolumn class 6\n"
		   "column hours 7\nclass unauthorised U\n");
	write_file(export, "p-1,keskuskoulu,7,2025-autumn,2025-10-01,U,2\n"
			   "p-2,lukio,1,2025-autumn,2025-10-01,U,2\n"
			   "p-3,keskuskoulu,7,2024-autumn,2025-10-01,U,2\n");
	assert_int_equal(import_run(f, export, opts), 1);
	expect_said(f, "refused.csv:2: pupil 'p-2' period '2025-autumn': refused by lanud: ");
	expect_said(f, "refused.csv:3: pupil 'p-3' period '2024-autumn': refused by lanud: ");
	expect_said(f, "rows 3, pupils 3, sent 1, already sent 0, refused 2, rows not sent 0");
	counts(f, &events, NULL);
	assert_int_equal(events, 1);
	/* refused counts are not remembered: a rerun tries them again */
	assert_int_equal(import_run(f, export, opts), 1);
	expect_said(f, "sent 0, already sent 1, refused 2");
}

static void
test_unreachable(void **state)
{
	struct fixture *f = *state;
	char ep[600];
	const char *opts[] = { "-e", ep, "-t", "500", NULL };
	uint64_t t0 = mono_ms();

	snprintf(ep, sizeof(ep), "ipc://%s/nobody.sock", f->d.dir);
	assert_int_equal(import_run(f, EXAMPLES_DIR "/absences/export.csv", opts), 2);
	expect_said(f, "no reply from lanud at 'ipc://");
	expect_said(f, "in 500 ms");
	assert_true(mono_ms() - t0 < 10000);
}

/* n pupils with 5 rows each, in the order an export lists days; the rows of a pupil
 * spread over the file. */
static void
write_big(const char *path, unsigned n, unsigned extra)
{
	static const char *const schools[] = { "Kylän koulu", "Keskuskoulu", "Rantakoulu" };
	static const char *const classes[] = { "Sairaus", "Luvaton", "Selvittämätön",
					       "Huoltajan lupa" };
	FILE *fp = fopen(path, "we");

	assert_non_null(fp);
	fputs(HEAD, fp);
	for (unsigned day = 0; day < 5; day++)
		for (unsigned p = 0; p < n; p++)
			fprintf(fp, "p-%u;%s;%uA;2025-autumn;%02u.10.2025;%s;0,75;1;%u\n", p,
				schools[p % 3], 1 + p % 9, 1 + day * 5,
				classes[(p + day) % 4], 100 + day * 25 + (p < extra ? 1 : 0));
	fclose(fp);
}

static void
test_resume_after_kill(void **state)
{
	struct fixture *f = *state;
	const unsigned n = 40000;
	char export[600];
	uint64_t events = 0, dups0, dups, t0, t_kill, t_rest, t_again;
	pid_t pid;
	int st;

	snprintf(export, sizeof(export), "%s/big.csv", f->d.dir);
	write_big(export, n, 0);
	counts(f, &events, &dups0);
	assert_int_equal(events, 0);

	/* kill it once lanud has a quarter, well before the end */
	t0 = mono_ms();
	pid = import_start(f, export, NULL);
	for (;;) {
		counts(f, &events, NULL);
		if (events >= n / 4)
			break;
		assert_int_equal(waitpid(pid, &st, WNOHANG), 0);	/* still running */
		assert_true(mono_ms() - t0 < RUN_TIMEOUT_MS);
		usleep(2000);
	}
	kill(pid, SIGKILL);
	assert_int_equal(import_wait(pid), 128 + SIGKILL);
	t_kill = mono_ms() - t0;
	counts(f, &events, NULL);
	assert_true(events < n);
	print_message("import: killed after %" PRIu64 " ms with %" PRIu64 " of %u stored; "
		      "state file: %s\n", t_kill, events, n,
		      access(f->state, F_OK) == 0 ? "written" : "not yet written");

	/* the rerun sends the rest; what the state lost, lanud has and says DUPLICATE */
	t0 = mono_ms();
	assert_int_equal(import_run(f, export, NULL), 0);
	t_rest = mono_ms() - t0;
	expect_said(f, "rows 200000, pupils 40000, sent ");
	counts(f, &events, &dups);
	assert_int_equal(events, n);		/* each pupil's counts stored once */
	assert_int_equal(pupils(f, "2025-autumn"), n);
	{
		unsigned long sent = 0, already = 0;
		const char *s = strstr(slurp(f->err), "sent ");

		assert_non_null(s);
		assert_int_equal(sscanf(s, "sent %lu, already sent %lu", &sent, &already), 2);
		assert_int_equal(sent + already, n);
		/* already sent: in the state file, or answered DUPLICATE */
		assert_true(dups - dups0 <= already);
		print_message("import: rerun %" PRIu64 " ms: sent %lu, already sent %lu "
			      "(%" PRIu64 " of them answered DUPLICATE by lanud)\n", t_rest, sent,
			      already, dups - dups0);
	}

	/* once more: the state file has everything, nothing goes to lanud */
	t0 = mono_ms();
	assert_int_equal(import_run(f, export, NULL), 0);
	t_again = mono_ms() - t0;
	expect_said(f, "pupils 40000, sent 0, already sent 40000, refused 0");
	counts(f, &events, &dups);
	assert_int_equal(events, n);
	print_message("import: 200000 rows, 40000 pupils: rerun with everything acknowledged "
		      "%" PRIu64 " ms\n", t_again);

	/* a newer export where 1000 pupils' lessons held grew: only those are sent */
	write_big(export, n, 1000);
	t0 = mono_ms();
	assert_int_equal(import_run(f, export, NULL), 0);
	expect_said(f, "pupils 40000, sent 1000, already sent 39000, refused 0");
	counts(f, &events, NULL);
	assert_int_equal(events, n + 1000);
	print_message("import: newer export, 1000 pupils changed: %" PRIu64 " ms\n",
		      mono_ms() - t0);
}

/* lanud killed and started again under a running import: what was in flight unanswered
 * is sent again, and every pupil's counts are stored once. */
static void
test_lanud_restart(void **state)
{
	struct fixture *f = *state;
	const unsigned n = 20000;
	char export[600];
	uint64_t events = 0, t0 = mono_ms(), stored;
	pid_t pid;
	int st;

	snprintf(export, sizeof(export), "%s/restart.csv", f->d.dir);
	write_big(export, n, 0);
	pid = import_start(f, export, NULL);
	for (;;) {
		counts(f, &events, NULL);
		if (events >= n / 4)
			break;
		assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
		assert_true(mono_ms() - t0 < RUN_TIMEOUT_MS);
		usleep(2000);
	}
	client_free(f->c);
	assert_int_equal(daemon_stop(&f->d, SIGKILL), 128 + SIGKILL);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	f->c = daemon_client(&f->d);
	counts(f, &stored, NULL);
	assert_true(stored < n);
	assert_int_equal(import_wait(pid), 0);
	expect_said(f, "rows 100000, pupils 20000, sent ");
	counts(f, &events, NULL);
	assert_int_equal(events, n);
	assert_int_equal(pupils(f, "2025-autumn"), n);
	print_message("import: lanud killed with %" PRIu64 " of %u stored and started again; "
		      "the import finished in %" PRIu64 " ms\n", stored, n, mono_ms() - t0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_example, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_by_lanud, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_after_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lanud_restart, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
