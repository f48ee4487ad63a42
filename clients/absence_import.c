/*
 * lanu-absence-import: a student administration system's CSV export of absences, read
 * by a mapping file, added up per pupil and review period, and sent to lanud as
 * cumulative counts (AbsenceCountsReported), a window of requests in flight.
 *
 * Resuming: each pupil's counts get an event id that is a hash of them (tally.c), and
 * the state file (state.c) keeps the id lanud acknowledged last per pupil and period.
 * Counts whose id the state has are not sent again; counts lanud has but the state
 * lost (a crash before a flush) are answered DUPLICATE, which counts as already sent.
 * So a rerun after a crash, or on the same export, sends nothing twice, and one on a
 * newer export sends only the pupils whose counts changed.
 *
 * Refusing: a row with anything shaped like a personal identity code (hetu.c) in any
 * field is dropped, naming the line and column and never the code; a malformed row is
 * dropped naming its line and what is wrong. The pupil's other rows still count: the
 * counts sent are then those of the rows that could be read, and a corrected export
 * sends the difference. Nothing is guessed.
 *
 * Exit status: 0 every count sent or already sent; 1 a row or an event was refused;
 * 2 lanud did not answer in time, or a usage, mapping, export or state file problem.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "conf.h"
#include "csv.h"
#include "endpoint.h"
#include "hetu.h"
#include "lanu/macro.h"
#include "lanu/protocol.h"
#include "log.h"
#include "mapping.h"
#include "pbjson.h"
#include "state.h"
#include "tally.h"

#define IMPORT_NAME		"lanu-absence-import"
#define IMPORT_EXIT_REFUSED	1
#define IMPORT_EXIT_FAILED	2
#define IMPORT_WINDOW_MAX	4096
#define IMPORT_RESEND_MS	2000	/* no reply this long: send the same again */

struct import {
	const char *conf_path;
	char ingest[ENDPOINT_MAX];
	const char *mapping_path;
	const char *state_path;
	const char *export_path;
	const char *producer;
	const char *key_file;	/* tcp://: this peer's secret key file */
	const char *server_key;	/* tcp://: lanud's public key, or a file with it */
	struct client_keys keys;	/* loaded from them */
	const char *client_conf;	/* --client-conf or $LANU_CLIENT_CONF */
	struct endpoint_client cc;
	bool have_keys, producer_given;
	size_t window;
	int timeout_ms;
	bool dry_run;

	struct mapping *map;
	struct tally *tally;
	struct state *state;
	char **header;		/* the export's column names, for messages */
	size_t n_header;

	size_t rows, rows_refused;
	size_t sent, already, refused;
};

static volatile sig_atomic_t import_stop;

static void
import_signal_cb(int sig)
{
	import_stop = sig;
}

static void
import_free(struct import *x)
{
	mapping_free(x->map);
	tally_free(x->tally);
	state_free(x->state);
	for (size_t i = 0; i < x->n_header; i++)
		free(x->header[i]);
	free(x->header);
}

/* The export's name for field i: its header, else its number. */
static const char *
import_column(const struct import *x, size_t i, char buf[32])
{
	if (i < x->n_header)
		return x->header[i];
	snprintf(buf, 32, "%zu", i + 1);
	return buf;
}

static int
import_keep_header(struct import *x, const struct csv_record *rec)
{
	x->header = calloc(rec->n ? rec->n : 1, sizeof(*x->header));
	if (!x->header)
		return -ENOMEM;
	for (size_t i = 0; i < rec->n; i++) {
		x->header[i] = strdup(rec->field[i]);
		if (!x->header[i])
			return -ENOMEM;
		x->n_header = i + 1;
	}
	return 0;
}

/* One data record: refused (said on stderr) or added to the tally. Returns 0, or -ENOMEM
 * and -EOVERFLOW... as 0 after saying so; only -ENOMEM stops the import. */
static int
import_record(struct import *x, const struct csv_record *rec)
{
	struct mapping_row row;
	char err[256], col[32];
	size_t off;
	int r;

	for (size_t i = 0; i < rec->n; i++)
		if (hetu_find(rec->field[i], rec->len[i], &off)) {
			fprintf(stderr, "%s:%u: column %s holds what looks like a personal "
					"identity code; row not sent\n", x->export_path, rec->line,
				import_column(x, i, col));
			x->rows_refused++;
			return 0;
		}
	if (mapping_row(x->map, rec, err, sizeof(err), &row) < 0) {
		fprintf(stderr, "%s:%u: %s; row not sent\n", x->export_path, rec->line, err);
		x->rows_refused++;
		return 0;
	}
	r = tally_add(x->tally, &row, rec->line);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		fprintf(stderr, "%s:%u: the pupil's counts grow too large to send; row not "
				"sent\n", x->export_path, rec->line);
		x->rows_refused++;
	}
	return 0;
}

/* Reads the export into the tally. Returns 0, or an exit status after saying why. */
static int
import_read(struct import *x)
{
	const struct csv_record *rec;
	struct csv *c = NULL;
	bool header = x->map->header;
	unsigned line;
	FILE *f;
	int r;

	f = fopen(x->export_path, "re");
	if (!f) {
		fprintf(stderr, IMPORT_NAME ": %s: %s\n", x->export_path, strerror(errno));
		return IMPORT_EXIT_FAILED;
	}
	r = csv_open_file(f, x->map->delimiter, x->map->csv_flags, &c);
	if (r == 0 && !header)
		r = mapping_bind(x->map, NULL, x->export_path, stderr);
	while (r >= 0) {
		r = csv_next(c, &rec);
		if (r == 0)
			break;
		if (r == -EBADMSG || r == -E2BIG) {
			const char *what = csv_error(c, &line);

			fprintf(stderr, "%s:%u: %s; %s\n", x->export_path, line, what,
				header ? "cannot read the header" : "row not sent");
			if (header)
				break;
			x->rows++;
			x->rows_refused++;
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		if (header) {
			header = false;
			r = import_keep_header(x, rec);
			if (r == 0)
				r = mapping_bind(x->map, rec, x->export_path, stderr);
			continue;
		}
		x->rows++;
		r = import_record(x, rec);
	}
	csv_free(c);
	fclose(f);
	if (r == -EIO || r == -ENOMEM) {
		fprintf(stderr, IMPORT_NAME ": %s: %s\n", x->export_path, strerror(-r));
		return IMPORT_EXIT_FAILED;
	}
	if (r < 0 || header) {
		if (r >= 0)
			fprintf(stderr, "%s: no header\n", x->export_path);
		return IMPORT_EXIT_FAILED;
	}
	return 0;
}

static void
import_envelope(const struct import *x, const struct tally_entry *e, char id[TALLY_ID_LEN + 1],
		Lanu__V1__Envelope *env, Lanu__V1__AbsenceCountsReported *m,
		Lanu__V1__AbsenceTally t[MAPPING_N_CLASSES])
{
	tally_fill(e, m, t);
	lanu__v1__envelope__init(env);
	env->event_id = id;
	env->producer = (char *)x->producer;
	env->occurred_at_ms = client_now_ms();
	env->payload_case = LANU__V1__ENVELOPE__PAYLOAD_ABSENCE_COUNTS_REPORTED;
	env->absence_counts_reported = m;
}

/* What was in flight and not acknowledged. */
struct flight {
	size_t *entry;		/* [window]: tally entries in flight */
	size_t n;
	size_t *slot;		/* [pupils]: where entry i is in `entry`, SIZE_MAX if not */
	uint64_t *sent_at;	/* [pupils] */
	char (*id)[TALLY_ID_LEN + 1];	/* [pupils] */
};

static int
import_send_one(struct import *x, struct client *c, struct flight *fl, size_t i)
{
	Lanu__V1__AbsenceTally t[MAPPING_N_CLASSES];
	Lanu__V1__AbsenceCountsReported m;
	Lanu__V1__Envelope env;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;

	import_envelope(x, tally_get(x->tally, i), fl->id[i], &env, &m, t);
	req.corr_id = (uint64_t)i + 1;
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &env;
	fl->sent_at[i] = client_mono_ms();
	return client_send(c, &req);
}

static void
import_landed(struct flight *fl, size_t i)
{
	size_t k = fl->slot[i];

	fl->entry[k] = fl->entry[--fl->n];
	fl->slot[fl->entry[k]] = k;
	fl->slot[i] = SIZE_MAX;
}

/* One reply: the state and the counts move. Returns 1 if it settled the counts it
 * answers (acknowledged or refused), 0 if not (UNAVAILABLE: sent again later; an
 * answer to a resend already answered), -ENOMEM. */
static int
import_reply(struct import *x, struct flight *fl, const Lanu__V1__Reply *rep)
{
	size_t i = (size_t)rep->corr_id - 1;
	const struct tally_entry *e;

	if (rep->corr_id == 0 || i >= tally_count(x->tally) || fl->slot[i] == SIZE_MAX)
		return 0;	/* the answer to a resend already answered */
	e = tally_get(x->tally, i);
	switch (rep->code) {
	case LANU__V1__REPLY__CODE__OK:
	case LANU__V1__REPLY__CODE__DUPLICATE:
		if (rep->code == LANU__V1__REPLY__CODE__OK)
			x->sent++;
		else
			x->already++;
		import_landed(fl, i);
		return state_set(x->state, e->key, e->key_len, fl->id[i]) < 0 ? -ENOMEM : 1;
	case LANU__V1__REPLY__CODE__UNAVAILABLE:
		fl->sent_at[i] = client_mono_ms();	/* later, as if unanswered */
		return 0;
	default:
		fprintf(stderr, "%s:%u: pupil '%s' period '%s': refused by lanud: %s%s%s%s\n",
			x->export_path, e->line, e->pupil, e->period,
			rep->reason && *rep->reason ? rep->reason : "no reason given",
			rep->field && *rep->field ? " (field " : "",
			rep->field && *rep->field ? rep->field : "",
			rep->field && *rep->field ? ")" : "");
		x->refused++;
		import_landed(fl, i);
		return 1;
	}
}

/* Connects to lanud: with CurveZMQ keys for a tcp:// endpoint. Returns 0 or -errno
 * (said). */
static int
import_connect(struct import *x, struct client **ret)
{
	if (strncmp(x->ingest, "tcp://", 6) != 0)
		return client_connect(x->ingest, ret);
	if (!x->have_keys) {
		fprintf(stderr, IMPORT_NAME ": '%s' is tcp://, which takes CurveZMQ keys: give "
				"--key NAME.secret and --server-key LANUD_PUBLIC_KEY "
				"(docs/security.md)\n", x->ingest);
		return -EINVAL;
	}
	return client_connect_with(x->ingest, &x->keys, ret);
}

/* Sends the counts not acknowledged yet, window in flight. Returns 0 or an exit status. */
static int
import_send(struct import *x, struct client *c, const size_t *todo, size_t n_todo,
	    struct flight *fl)
{
	uint64_t progress = client_mono_ms();
	size_t next = 0;
	int r;

	while (next < n_todo || fl->n > 0) {
		Lanu__V1__Reply *rep;
		uint64_t now;

		if (import_stop) {
			fprintf(stderr, IMPORT_NAME ": stopped by signal %d\n", (int)import_stop);
			return IMPORT_EXIT_FAILED;
		}
		/* fill the window; a full or absent peer (-EAGAIN) waits for a reply */
		while (next < n_todo && fl->n < x->window) {
			size_t i = todo[next];

			r = import_send_one(x, c, fl, i);
			if (r == -EAGAIN)
				break;
			if (r < 0) {
				fprintf(stderr, IMPORT_NAME ": sending to '%s': %s\n", x->ingest,
					strerror(-r));
				return IMPORT_EXIT_FAILED;
			}
			fl->slot[i] = fl->n;
			fl->entry[fl->n++] = i;
			next++;
		}
		r = client_recv(c, fl->n > 0 ? 100 : 20, &rep);
		if (r == 0) {
			/* this one and what else is there before sending more */
			do {
				r = import_reply(x, fl, rep);
				lanu__v1__reply__free_unpacked(rep, NULL);
				if (r < 0)
					return IMPORT_EXIT_FAILED;
				if (r > 0)
					progress = client_mono_ms();
			} while (client_recv(c, 0, &rep) == 0);
		} else if (r != -ETIMEDOUT && r != -EBADMSG && r != -EINTR) {
			fprintf(stderr, IMPORT_NAME ": receiving from '%s': %s\n", x->ingest,
				strerror(-r));
			return IMPORT_EXIT_FAILED;
		}
		r = state_maybe_flush(x->state);
		if (r < 0) {
			fprintf(stderr, IMPORT_NAME ": writing state file '%s': %s\n",
				x->state_path, strerror(-r));
			return IMPORT_EXIT_FAILED;
		}
		now = client_mono_ms();
		if (now - progress > (uint64_t)x->timeout_ms) {
			fprintf(stderr, IMPORT_NAME ": no reply from lanud at '%s' in %d ms; "
					"what was acknowledged is in '%s': run again to send the "
					"rest\n", x->ingest, x->timeout_ms, x->state_path);
			return IMPORT_EXIT_FAILED;
		}
		for (size_t k = 0; k < fl->n; k++) {
			size_t i = fl->entry[k];

			if (now - fl->sent_at[i] < IMPORT_RESEND_MS)
				continue;
			r = import_send_one(x, c, fl, i);
			if (r == -EAGAIN)
				break;
			if (r < 0)
				return IMPORT_EXIT_FAILED;
		}
	}
	return 0;
}

static int
import_dry_run(struct import *x, const size_t *todo, size_t n_todo, struct flight *fl)
{
	for (size_t k = 0; k < n_todo; k++) {
		Lanu__V1__AbsenceTally t[MAPPING_N_CLASSES];
		Lanu__V1__AbsenceCountsReported m;
		Lanu__V1__Envelope env;
		json_t *j;

		import_envelope(x, tally_get(x->tally, todo[k]), fl->id[todo[k]], &env, &m, t);
		j = pbjson_from_message(&env.base, 0);
		if (!j)
			return IMPORT_EXIT_FAILED;
		pbjson_dumpf(j, stdout);
		fputc('\n', stdout);
		json_decref(j);
	}
	fflush(stdout);
	return 0;
}

/* Works out what to send, sends it (or prints it), and writes the state. Returns 0 or
 * an exit status. */
static int
import_run(struct import *x)
{
	size_t n = tally_count(x->tally), n_todo = 0;
	struct flight fl = { 0 };
	struct client *c = NULL;
	size_t *todo;
	int r, status = 0;

	todo = calloc(n ? n : 1, sizeof(*todo));
	fl.entry = calloc(x->window, sizeof(*fl.entry));
	fl.slot = calloc(n ? n : 1, sizeof(*fl.slot));
	fl.sent_at = calloc(n ? n : 1, sizeof(*fl.sent_at));
	fl.id = calloc(n ? n : 1, sizeof(*fl.id));
	if (!todo || !fl.entry || !fl.slot || !fl.sent_at || !fl.id) {
		status = IMPORT_EXIT_FAILED;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tally_entry *e = tally_get(x->tally, i);

		tally_event_id(e, fl.id[i]);
		fl.slot[i] = SIZE_MAX;
		if (state_acked(x->state, e->key, e->key_len, fl.id[i]))
			x->already++;
		else
			todo[n_todo++] = i;
	}
	if (x->dry_run) {
		status = import_dry_run(x, todo, n_todo, &fl);
		goto out;
	}
	if (n_todo > 0) {
		r = import_connect(x, &c);
		if (r < 0) {
			fprintf(stderr, IMPORT_NAME ": cannot connect to '%s': %s\n", x->ingest,
				strerror(-r));
			status = IMPORT_EXIT_FAILED;
			goto out;
		}
		status = import_send(x, c, todo, n_todo, &fl);
	}
	r = state_flush(x->state);
	if (r < 0) {
		fprintf(stderr, IMPORT_NAME ": writing state file '%s': %s\n", x->state_path,
			strerror(-r));
		status = IMPORT_EXIT_FAILED;
	}
out:
	client_free(c);
	free(todo);
	free(fl.entry);
	free(fl.slot);
	free(fl.sent_at);
	free(fl.id);
	return status;
}

static void
usage(FILE *f)
{
	char conf_path[PATH_MAX];

	conf_default_path(conf_path, sizeof(conf_path));
	fprintf(f,
		"usage: " IMPORT_NAME " [options] -m MAPPING EXPORT.csv\n"
		"Reads a student administration system's CSV export of absences by the\n"
		"mapping file, adds them up per pupil and review period, and sends lanud the\n"
		"counts so far (AbsenceCountsReported); counts already acknowledged are not\n"
		"sent again.\n"
		"options:\n"
		"  -c, --config FILE      lanud's configuration, for its ingest endpoint (default\n"
		"                         %s, or $LANU_CONF)\n"
		"  -e, --endpoint EP      lanud's ingest endpoint\n"
		"  -m, --mapping FILE     the export's columns, classes and schools (required)\n"
		"  -s, --state FILE       what lanud acknowledged (default EXPORT.csv.state); use\n"
		"                         the same file for every export of one system\n"
		"  -w, --window N         requests in flight (default 256, at most %d)\n"
		"      --producer NAME    the producer lanud sees (default: the key's name with\n"
		"                         --key, else " IMPORT_NAME ")\n"
		"  -k, --key FILE         this system's secret key file, for a tcp:// endpoint\n"
		"                         (or $LANU_KEY)\n"
		"      --server-key KEY   lanud's public key, or a file with it (or\n"
		"                         $LANU_SERVER_KEY)\n"
		"      --client-conf FILE this system's ingest endpoint, key and server-key\n"
		"                         (docs/security.md; or $LANU_CLIENT_CONF)\n"
		"  -n, --dry-run          print the events to send as JSON lines\n"
		"                         (lanu.v1.Envelope, for lanuctl send); send nothing,\n"
		"                         leave the state file\n"
		"  -t, --timeout MS       give up when lanud answers nothing this long (default\n"
		"                         10000)\n"
		"  -V, --version          print the version and exit\n"
		"  -h, --help             print this and exit\n"
		"A row holding anything shaped like a personal identity code, or one that\n"
		"cannot be read, is not sent (its line and column are named); the pupil's other\n"
		"rows count. At the end, on stderr: rows R, pupils P, sent S, already sent A,\n"
		"refused F (pupils: pupil and period pairs; refused: by lanud), rows not sent N.\n"
		"exit status: 0 all sent or already sent, 1 a row or counts refused, 2 lanud\n"
		"not answering, or a usage, mapping, export or state file problem\n",
		conf_path, IMPORT_WINDOW_MAX);
}

static int
import_options(struct import *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "mapping", required_argument, NULL, 'm' },
		{ "state", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "producer", required_argument, NULL, 'P' },
		{ "key", required_argument, NULL, 'k' },
		{ "server-key", required_argument, NULL, 'K' },
		{ "client-conf", required_argument, NULL, 'C' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:e:m:s:w:nt:k:Vh", opts, NULL)) != -1) {
		char *end;
		long v;

		switch (ch) {
		case 'c': x->conf_path = optarg; break;
		case 'e': snprintf(x->ingest, sizeof(x->ingest), "%s", optarg); break;
		case 'm': x->mapping_path = optarg; break;
		case 's': x->state_path = optarg; break;
		case 'P': x->producer = optarg; x->producer_given = true; break;
		case 'k': x->key_file = optarg; break;
		case 'K': x->server_key = optarg; break;
		case 'C': x->client_conf = optarg; break;
		case 'n': x->dry_run = true; break;
		case 'w':
		case 't':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > (ch == 'w' ? IMPORT_WINDOW_MAX : 3600000)) {
				fprintf(stderr, IMPORT_NAME ": --%s '%s' is not 1..%d\n",
					ch == 'w' ? "window" : "timeout", optarg,
					ch == 'w' ? IMPORT_WINDOW_MAX : 3600000);
				return IMPORT_EXIT_FAILED;
			}
			if (ch == 'w')
				x->window = (size_t)v;
			else
				x->timeout_ms = (int)v;
			break;
		case 'V': printf(IMPORT_NAME " %s\n", LANU_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return IMPORT_EXIT_FAILED;
		}
	}
	if (optind + 1 != argc || !x->mapping_path) {
		usage(stderr);
		return IMPORT_EXIT_FAILED;
	}
	x->export_path = argv[optind];
	/* a client configuration fills what the options did not say */
	if (x->client_conf) {
		if (endpoint_client_load(IMPORT_NAME, x->client_conf, &x->cc) < 0)
			return IMPORT_EXIT_FAILED;
		if (!*x->ingest)
			snprintf(x->ingest, sizeof(x->ingest), "%s", x->cc.ingest);
		if (!x->key_file && *x->cc.key)
			x->key_file = x->cc.key;
		if (!x->server_key && *x->cc.server_key)
			x->server_key = x->cc.server_key;
	}
	if (x->key_file || x->server_key) {
		if (!x->key_file || !x->server_key) {
			fprintf(stderr, IMPORT_NAME ": --key and --server-key go together\n");
			return IMPORT_EXIT_FAILED;
		}
		if (client_keys_load(IMPORT_NAME, x->key_file, x->server_key, &x->keys) < 0)
			return IMPORT_EXIT_FAILED;
		x->have_keys = true;
		if (!x->producer_given && *x->keys.name)
			x->producer = x->keys.name;	/* a producer key sends as itself */
	}
	if (!mapping_is_id(x->producer)) {
		fprintf(stderr, IMPORT_NAME ": --producer '%s' is not an id (1-64 of A-Z a-z "
				"0-9 . _ : -)\n", x->producer);
		return IMPORT_EXIT_FAILED;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct import x = { .window = 256, .timeout_ms = 10000, .producer = IMPORT_NAME };
	_cleanup_free_ char *state_path = NULL;
	struct sigaction sa = { .sa_handler = import_signal_cb };
	unsigned line = 0;
	char default_conf[PATH_MAX];
	int r, status;

	conf_default_path(default_conf, sizeof(default_conf));
	x.conf_path = getenv("LANU_CONF") ? getenv("LANU_CONF") : default_conf;
	x.key_file = getenv("LANU_KEY");
	x.server_key = getenv("LANU_SERVER_KEY");
	x.client_conf = getenv("LANU_CLIENT_CONF");
	log_set_level(LOG_ERR);
	log_set_ident("lanu-absence-import", false);
	status = import_options(&x, argc, argv);
	if (status)
		return status;
	if (sodium_init() < 0) {
		fprintf(stderr, IMPORT_NAME ": libsodium cannot start\n");
		return IMPORT_EXIT_FAILED;
	}
	if (!x.state_path) {
		if (asprintf(&state_path, "%s.state", x.export_path) < 0)
			return IMPORT_EXIT_FAILED;
		x.state_path = state_path;
	}
	if (!x.dry_run && endpoint_resolve(x.conf_path, x.ingest, NULL) < 0) {
		fprintf(stderr, IMPORT_NAME ": no endpoint: give -e or a readable lanud "
				"configuration with -c\n");
		return IMPORT_EXIT_FAILED;
	}
	r = mapping_load(x.mapping_path, stderr, &x.map);
	if (r < 0)
		return IMPORT_EXIT_FAILED;
	r = state_load(x.state_path, &line, &x.state);
	if (r < 0) {
		if (r == -EBADMSG)
			fprintf(stderr, "%s:%u: not a state file of " IMPORT_NAME " (remove it to "
					"send every count again: lanud answers DUPLICATE to those "
					"it has)\n", x.state_path, line);
		else
			fprintf(stderr, IMPORT_NAME ": state file '%s': %s\n", x.state_path,
				strerror(-r));
		import_free(&x);
		return IMPORT_EXIT_FAILED;
	}
	x.tally = tally_new();
	if (!x.tally) {
		import_free(&x);
		return IMPORT_EXIT_FAILED;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	status = import_read(&x);
	if (status == 0)
		status = import_run(&x);
	fprintf(stderr, "%s: rows %zu, pupils %zu, %s %zu, already sent %zu, refused %zu, "
			"rows not sent %zu\n", x.export_path, x.rows, tally_count(x.tally),
		x.dry_run ? "to send" : "sent",
		x.dry_run ? tally_count(x.tally) - x.already : x.sent, x.already, x.refused,
		x.rows_refused);
	if (status == 0 && (x.refused > 0 || x.rows_refused > 0))
		status = IMPORT_EXIT_REFUSED;
	import_free(&x);
	return status;
}
