/*
 * lanuctl: people's and scripts' way to talk to lanud. Scripts speak JSON lines
 * (the protobuf JSON mapping of lanu.proto) on stdin/stdout; people get readable
 * text. Every command exits 0 on success, 1 if lanud refused something or the
 * input was bad, 2 if lanud could not be reached or did not acknowledge in time.
 *
 * `send` keeps a window of events in flight, prints exactly one lanu.v1.Reply per
 * input line in input order (its own REJECTED for a line it refuses), and sends an
 * event again when no acknowledgement came: lanud's dedup makes that safe, and it is
 * how nothing gets lost across a lanud restart.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "client.h"
#include "conf.h"
#include "ctl.h"
#include "endpoint.h"
#include "lanu/limits.h"
#include "lanu/protocol.h"
#include "log.h"
#include "msg.h"
#include "pbjson.h"

#define SEND_WINDOW_MAX	4096

/* Endpoints not given with -e/-s come from lanud's configuration, read only when a
 * command needs one that was not given. */
static int
ctl_resolve(struct ctl *x, bool need_publish)
{
	if (endpoint_resolve(x->conf_path, x->ingest, need_publish ? x->publish : NULL) < 0) {
		fprintf(stderr, "lanuctl: no endpoint: give -e/-s or a readable lanud "
				"configuration with -c\n");
		return -EINVAL;
	}
	return 0;
}

void
print_json(const ProtobufCMessage *m)
{
	json_t *j = pbjson_from_message(m, 0);

	if (!j)
		return;
	pbjson_dumpf(j, stdout);
	fputc('\n', stdout);
	json_decref(j);
}

const char *
enum_name(const ProtobufCEnumDescriptor *d, int v, size_t strip)
{
	const ProtobufCEnumValue *e = protobuf_c_enum_descriptor_get_value(d, v);

	return e ? e->name + (strlen(e->name) > strip ? strip : 0) : "?";
}

static const char *
alert_text(const struct ctl *x, const Lanu__V1__Alert *a)
{
	if (!a->text)
		return "";
	if (strcmp(x->lang, "fi") == 0)
		return a->text->fi;
	if (strcmp(x->lang, "sv") == 0)
		return a->text->sv;
	return a->text->en;
}

static void
print_alert(struct ctl *x, const Lanu__V1__Alert *a)
{
	char when[32];

	if (x->json) {
		print_json(&a->base);
		return;
	}
	instant_format(a->raised_at_ms, when);
	printf("#%" PRIu64 " %s %s %s %s %s\n    %s\n", a->seq, when,
	       enum_name(&lanu__v1__severity__descriptor, a->severity, 9),
	       enum_name(&lanu__v1__alert_kind__descriptor, a->kind, 11), a->alert_id, a->subject,
	       alert_text(x, a));
	for (size_t i = 0; i < a->n_recipients; i++)
		printf("%s%s", i ? ", " : ctl_word(x, "    to: ", "    vastaanottajat: ",
						    "    mottagare: "),
		       ctl_name(x, PLAN_RECIPIENT, a->recipients[i]));
	if (a->n_recipients)
		putchar('\n');
	if (a->ack)
		printf("    %s %s%s%s\n",
		       ctl_word(x, "acknowledged by", "kuitannut", "kvitterad av"), a->ack->by,
		       *a->ack->note ? ": " : "", a->ack->note);
	fflush(stdout);
}

int
ctl_keys(struct ctl *x, const char *endpoint, const struct client_keys **ret)
{
	*ret = NULL;
	if (strncmp(endpoint, "tcp://", 6) != 0)
		return 0;
	if (!x->keys_loaded) {
		if (!x->key_file || !x->server_key) {
			fprintf(stderr, "lanuctl: '%s' is tcp://, which takes CurveZMQ keys: give "
					"--key NAME.secret and --server-key LANUD_PUBLIC_KEY (or "
					"$LANU_KEY, $LANU_SERVER_KEY; docs/security.md)\n", endpoint);
			return EXIT_REFUSED;
		}
		if (client_keys_load("lanuctl", x->key_file, x->server_key, &x->keys) < 0)
			return EXIT_REFUSED;
		x->keys_loaded = true;
	}
	*ret = &x->keys;
	return 0;
}

static int
ctl_connect(struct ctl *x, struct client **ret)
{
	const struct client_keys *k;
	int r = ctl_resolve(x, false);

	if (r < 0)
		return EXIT_REFUSED;
	if ((r = ctl_keys(x, x->ingest, &k)) != 0)
		return r;
	r = client_connect_with(x->ingest, k, ret);
	if (r < 0) {
		fprintf(stderr, "lanuctl: cannot connect to '%s': %s\n", x->ingest, strerror(-r));
		return EXIT_UNREACHED;
	}
	return 0;
}

int
ctl_request(struct ctl *x, Lanu__V1__Request *req, Lanu__V1__Reply **ret_reply)
{
	struct client *c;
	int r = ctl_connect(x, &c);

	if (r)
		return r;
	r = client_call(c, req, x->timeout_ms, ret_reply);
	client_free(c);
	if (r < 0) {
		fprintf(stderr, "lanuctl: no reply from lanud at '%s': %s\n", x->ingest,
			r == -ETIMEDOUT ? "timed out" : strerror(-r));
		return EXIT_UNREACHED;
	}
	return 0;
}

int
ctl_call(struct ctl *x, Lanu__V1__Request *req, Lanu__V1__Reply **ret_reply)
{
	int r = ctl_request(x, req, ret_reply);

	if (r)
		return r;
	if ((*ret_reply)->code != LANU__V1__REPLY__CODE__OK) {
		fprintf(stderr, "lanuctl: %s: %s%s%s\n",
			enum_name(&lanu__v1__reply__code__descriptor, (*ret_reply)->code, 0),
			*(*ret_reply)->field ? (*ret_reply)->field : "",
			*(*ret_reply)->field ? ": " : "", (*ret_reply)->reason);
		lanu__v1__reply__free_unpacked(*ret_reply, NULL);
		return EXIT_REFUSED;
	}
	return 0;
}

int
ctl_query(struct ctl *x, Lanu__V1__Request *req, Lanu__V1__Reply__ResultCase want,
	  Lanu__V1__Reply **ret_reply)
{
	const ProtobufCFieldDescriptor *f;
	int r = ctl_call(x, req, ret_reply);

	if (r || (*ret_reply)->result_case == want)
		return r;
	f = protobuf_c_message_descriptor_get_field(&lanu__v1__reply__descriptor, (unsigned)want);
	fprintf(stderr, "lanuctl: lanud's reply has no %s\n", f ? f->name : "result");
	lanu__v1__reply__free_unpacked(*ret_reply, NULL);
	return EXIT_REFUSED;
}

int
ctl_one_format(const struct ctl *x, bool csv)
{
	if (!x->json || !csv)
		return 0;
	fprintf(stderr, "lanuctl: --json and --csv exclude each other\n");
	return EXIT_REFUSED;
}

/* --- send ------------------------------------------------------------------ */

struct slot {
	unsigned line;
	Lanu__V1__Request req;
	Lanu__V1__Envelope *ev;
	Lanu__V1__Reply *rep;	/* lanud's, or lanuctl's own REJECTED for a line it refused */
	uint64_t sent_at;
	bool used;
};

struct sender {
	struct ctl *x;
	struct client *c;
	const char *name;
	FILE *in;
	unsigned line;
	bool eof;
	struct slot *slots;	/* ring, in input order */
	size_t window, head, n;
	uint64_t next_corr;
	int status;
	/* Progress on a terminal (stderr one, stdout not): answered lines, the file's size */
	bool progress;
	uint64_t answered, size, shown_at;
};

#define SEND_PROGRESS_MS 250

/* "FILE: N answered (P %)" over itself on stderr, at most every SEND_PROGRESS_MS; done:
 * the line cleared. */
static void
send_progress(struct sender *s, bool done)
{
	uint64_t now = client_mono_ms();
	long at;

	if (!s->progress || (!done && now - s->shown_at < SEND_PROGRESS_MS))
		return;
	s->shown_at = now;
	if (done) {
		fputs("\r\033[K", stderr);
		return;
	}
	at = ftell(s->in);
	if (s->size > 0 && at >= 0)
		fprintf(stderr, "\r\033[Klanuctl: %s: %" PRIu64 " answered (%.0f %%)", s->name,
			s->answered, 100.0 * (double)at / (double)s->size);
	else
		fprintf(stderr, "\r\033[Klanuctl: %s: %" PRIu64 " answered", s->name,
			s->answered);
}

static int
send_event(struct sender *s, struct slot *sl)
{
	int r = client_send(s->c, &sl->req);

	sl->sent_at = client_mono_ms();
	return r == -EAGAIN ? 0 : r;	/* not queued: the resend timer takes care */
}

/* A line refused here, answered as lanud would: REJECTED, reason "line N: why", field
 * the JSON member at fault (its path, as written), or "line" for the line as a whole. */
static int
send_refuse(struct sender *s, struct slot *sl, const char *field, const char *why)
{
	Lanu__V1__Reply *rep = malloc(sizeof(*rep));
	char reason[LANU_MAX_FRAME / 64];

	fprintf(stderr, "lanuctl: %s:%u: %s\n", s->name, sl->line, why);
	s->status = EXIT_REFUSED;
	if (!rep)
		return -ENOMEM;
	lanu__v1__reply__init(rep);
	snprintf(reason, sizeof(reason), "line %u: %s", sl->line, why);
	rep->code = LANU__V1__REPLY__CODE__REJECTED;
	rep->reason = strdup(reason);
	rep->field = strdup(*field ? field : "line");
	sl->rep = rep;
	if (!rep->reason || !rep->field)
		return -ENOMEM;
	return 0;
}

/* Reads the next non-blank line into a new slot. Returns 1 if one was added. */
static int
send_read(struct sender *s)
{
	char buf[LANU_MAX_FRAME];
	struct msg_error e = { { 0 }, { 0 } };
	char err[sizeof(e.field) + sizeof(e.reason) + 2] = "", path[sizeof(e.field)] = "";
	json_error_t je;
	struct slot *sl;
	json_t *j;

	while (fgets(buf, sizeof(buf), s->in)) {
		s->line++;
		if (strspn(buf, " \t\r\n") == strlen(buf))
			continue;
		sl = &s->slots[(s->head + s->n++) % s->window];
		memset(sl, 0, sizeof(*sl));
		sl->used = true;
		sl->line = s->line;
		j = json_loads(buf, JSON_REJECT_DUPLICATES, &je);
		if (!j) {
			snprintf(err, sizeof(err), "invalid JSON at column %d: %s", je.column, je.text);
		} else if (pbjson_to_message_at(j, &lanu__v1__envelope__descriptor,
						(ProtobufCMessage **)&sl->ev, err, sizeof(err), path,
						sizeof(path)) == 0 &&
			   msg_validate(&sl->ev->base, "", &e) < 0) {
			snprintf(err, sizeof(err), "%s %s", e.field, e.reason);
			snprintf(path, sizeof(path), "%s", e.field);
		}
		json_decref(j);
		if (err[0]) {
			if (send_refuse(s, sl, path, err) < 0)
				return -ENOMEM;
			return 1;
		}
		lanu__v1__request__init(&sl->req);
		sl->req.corr_id = s->next_corr++;
		sl->req.body_case = LANU__V1__REQUEST__BODY_EVENT;
		sl->req.event = sl->ev;
		if (send_event(s, sl) < 0)
			sl->sent_at = 0;
		return 1;
	}
	s->eof = true;
	return 0;
}

/* Prints, in input order, every reply the head of the window has: one lanu.v1.Reply
 * per input line, nothing else. */
static void
send_print_done(struct sender *s)
{
	while (s->n > 0) {
		struct slot *sl = &s->slots[s->head];

		if (!sl->rep)
			return;
		print_json(&sl->rep->base);
		if (sl->rep->code == LANU__V1__REPLY__CODE__REJECTED ||
		    sl->rep->code == LANU__V1__REPLY__CODE__NOT_FOUND)
			s->status = EXIT_REFUSED;
		lanu__v1__reply__free_unpacked(sl->rep, NULL);
		if (sl->ev)
			lanu__v1__envelope__free_unpacked(sl->ev, NULL);
		sl->used = false;
		s->head = (s->head + 1) % s->window;
		s->n--;
		s->answered++;
	}
	fflush(stdout);
	send_progress(s, false);
}

static struct slot *
send_find(struct sender *s, uint64_t corr)
{
	for (size_t i = 0; i < s->n; i++) {
		struct slot *sl = &s->slots[(s->head + i) % s->window];

		if (sl->ev && !sl->rep && sl->req.corr_id == corr)
			return sl;
	}
	return NULL;
}

/* Resends what waited too long; gives up at the overall timeout. */
static int
send_resend(struct sender *s, uint64_t started, int resend_ms)
{
	uint64_t now = client_mono_ms();

	for (size_t i = 0; i < s->n; i++) {
		struct slot *sl = &s->slots[(s->head + i) % s->window];

		if (!sl->ev || sl->rep || now - sl->sent_at < (uint64_t)resend_ms)
			continue;
		if (now - started > (uint64_t)s->x->timeout_ms) {
			fprintf(stderr, "lanuctl: %s:%u: no acknowledgement from '%s' in %d ms\n",
				s->name, sl->line, s->x->ingest, s->x->timeout_ms);
			return EXIT_UNREACHED;
		}
		send_event(s, sl);
	}
	return 0;
}

static int
send_file(struct ctl *x, struct client *c, const char *name, FILE *in, size_t window)
{
	struct sender s = { .x = x, .c = c, .name = name, .in = in, .window = window,
			    .next_corr = 1 };
	uint64_t last_progress = client_mono_ms();
	const int resend_ms = 2000;
	struct stat st;

	s.progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
	if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
		s.size = (uint64_t)st.st_size;

	s.slots = calloc(window, sizeof(*s.slots));
	if (!s.slots)
		return EXIT_UNREACHED;
	while (!s.eof || s.n > 0) {
		Lanu__V1__Reply *rep;
		struct slot *sl;
		int r;

		while (!s.eof && s.n < s.window)
			if (send_read(&s) < 0) {
				s.status = EXIT_UNREACHED;
				goto done;
			}
		send_print_done(&s);
		if (s.n == 0)
			continue;
		r = client_recv(c, 100, &rep);
		if (r == 0) {
			sl = send_find(&s, rep->corr_id);
			if (sl && rep->code == LANU__V1__REPLY__CODE__UNAVAILABLE) {
				/* lanud asked us to come back: the resend timer will. */
				lanu__v1__reply__free_unpacked(rep, NULL);
			} else if (sl) {
				sl->rep = rep;
				last_progress = client_mono_ms();
			} else {
				lanu__v1__reply__free_unpacked(rep, NULL);
			}
			continue;
		}
		r = send_resend(&s, last_progress, resend_ms);
		if (r) {
			s.status = r;
			break;
		}
	}
done:
	send_progress(&s, true);
	for (size_t i = 0; i < s.window; i++)
		if (s.slots[i].used) {
			if (s.slots[i].rep)
				lanu__v1__reply__free_unpacked(s.slots[i].rep, NULL);
			if (s.slots[i].ev)
				lanu__v1__envelope__free_unpacked(s.slots[i].ev, NULL);
		}
	free(s.slots);
	return s.status;
}

static int
cmd_send(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "window", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	long window = 64;
	struct client *c;
	int ch, r, status = 0;

	while ((ch = getopt_long(argc, argv, "w:", opts, NULL)) != -1) {
		char *end;

		if (ch != 'w')
			return EXIT_REFUSED;
		window = strtol(optarg, &end, 10);
		if (*end || window < 1 || window > SEND_WINDOW_MAX) {
			fprintf(stderr, "lanuctl: --window '%s' is not 1..%d\n", optarg,
				SEND_WINDOW_MAX);
			return EXIT_REFUSED;
		}
	}
	r = ctl_connect(x, &c);
	if (r)
		return r;
	/* A reply line as soon as it is known, also into a pipe: a script reading them
	 * knows what is stored while the rest is still being sent. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (optind == argc) {
		status = send_file(x, c, "stdin", stdin, (size_t)window);
	} else {
		for (int i = optind; i < argc && status != EXIT_UNREACHED; i++) {
			FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "re");

			if (!f) {
				fprintf(stderr, "lanuctl: cannot open '%s': %s\n", argv[i],
					strerror(errno));
				status = EXIT_REFUSED;
				continue;
			}
			r = send_file(x, c, argv[i], f, (size_t)window);
			if (r > status)
				status = r;
			if (f != stdin)
				fclose(f);
		}
	}
	client_free(c);
	return status;
}

/* --- tail ------------------------------------------------------------------ */

struct tail {
	struct ctl *x;
	struct client *c;
	char **rcpts;
	size_t n;
	uint64_t last;		/* the newest seq handled */
	uint64_t printed, count;	/* count 0: no end */
	bool unrouted, all;	/* instead of recipients (admins) */
};

static bool
tail_show(struct tail *t, const Lanu__V1__Alert *a)
{
	print_alert(t->x, a);
	t->last = a->seq;
	return t->count && ++t->printed == t->count;
}

/* Prints every alert after t->last for the recipients, paging. Returns 0, 1 when
 * --count is reached, or <0 if lanud did not answer (the caller retries). */
static int
tail_replay(struct tail *t)
{
	for (;;) {
		Lanu__V1__ReplayQuery q = LANU__V1__REPLAY_QUERY__INIT;
		Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
		Lanu__V1__Reply *rep;
		bool more, done = false;
		int r;

		q.recipients = t->rcpts;
		q.n_recipients = t->n;
		q.unrouted = t->unrouted;
		q.all = t->all;
		q.after_seq = t->last;
		req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
		req.replay = &q;
		r = client_call(t->c, &req, 2000, &rep);
		if (r < 0)
			return r;
		if (rep->code != LANU__V1__REPLY__CODE__OK || !rep->alerts) {
			fprintf(stderr, "lanuctl: %s: %s%s%s\n",
				enum_name(&lanu__v1__reply__code__descriptor, rep->code, 0),
				rep->field, *rep->field ? ": " : "", rep->reason);
			lanu__v1__reply__free_unpacked(rep, NULL);
			return -EINVAL;
		}
		for (size_t i = 0; i < rep->alerts->n_alerts && !done; i++)
			if (rep->alerts->alerts[i]->seq > t->last)
				done = tail_show(t, rep->alerts->alerts[i]);
		if (!done && rep->alerts->last_seq > t->last)
			t->last = rep->alerts->last_seq;
		more = rep->alerts->more;
		lanu__v1__reply__free_unpacked(rep, NULL);
		if (done)
			return 1;
		if (!more)
			return 0;
	}
}

#define TAIL_POLL_MS 2000	/* --unrouted, --all: how often the log is asked again */

/* tail --unrouted or --all: no live copies go out for them, so the log is asked again
 * every TAIL_POLL_MS. */
static int
tail_log(struct ctl *x, struct tail *t, bool follow)
{
	int r;

	if (ctl_resolve(x, false) < 0)
		return EXIT_REFUSED;
	r = ctl_connect(x, &t->c);
	if (r)
		return r;
	do {
		r = tail_replay(t);
		if (r == 0 && follow)
			usleep(TAIL_POLL_MS * 1000);
	} while (follow && r == 0);
	client_free(t->c);
	if (r == -ETIMEDOUT || r == -EAGAIN) {
		fprintf(stderr, "lanuctl: no reply from lanud at '%s'\n", x->ingest);
		return EXIT_UNREACHED;
	}
	return r < 0 ? EXIT_REFUSED : 0;
}

static int
cmd_tail(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recipient", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "no-follow", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "ids", no_argument, NULL, 'I' },
		{ "count", required_argument, NULL, 'N' },
		{ "unrouted", no_argument, NULL, 'U' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	char *rcpts[LANU_MAX_RECIPIENTS];
	struct tail t = { .x = x, .rcpts = rcpts };
	const struct client_keys *k = NULL;
	bool follow = true;
	struct sub *s = NULL;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "r:f:njN:", opts, NULL)) != -1) {
		char *end;

		switch (ch) {
		case 'r':
			if (t.n == ELEMENTSOF(rcpts)) {
				fprintf(stderr, "lanuctl: at most %zu recipients\n", ELEMENTSOF(rcpts));
				return EXIT_REFUSED;
			}
			rcpts[t.n++] = optarg;
			break;
		case 'f':
		case 'N': {
			uint64_t v;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' || (ch == 'N' && v == 0)) {
				fprintf(stderr, "lanuctl: --%s '%s' is not a %s\n",
					ch == 'f' ? "from" : "count", optarg,
					ch == 'f' ? "sequence number" : "positive count");
				return EXIT_REFUSED;
			}
			*(ch == 'f' ? &t.last : &t.count) = v;
			break;
		}
		case 'n': follow = false; break;
		case 'j': x->json = true; break;
		case 'I': x->ids = true; break;
		case 'U': t.unrouted = true; break;
		case 'A': t.all = true; break;
		default: return EXIT_REFUSED;
		}
	}
	/* Each alert as it comes, also into a pipe or a file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((t.n > 0) + t.unrouted + t.all > 1) {
		fprintf(stderr, "lanuctl: tail takes --recipient, --unrouted or --all, one of them\n");
		return EXIT_REFUSED;
	}
	if (t.unrouted || t.all)
		return tail_log(x, &t, follow);
	if (t.n == 0) {
		fprintf(stderr, "lanuctl: tail needs --recipient (or --unrouted, --all)\n");
		return EXIT_REFUSED;
	}
	if (ctl_resolve(x, follow) < 0)
		return EXIT_REFUSED;
	r = ctl_connect(x, &t.c);
	if (r)
		return r;
	/* Subscribe first, then replay: nothing published in between is missed. */
	if (follow && (r = ctl_keys(x, x->publish, &k)) != 0) {
		client_free(t.c);
		return r;
	}
	if (follow && (r = sub_connect_with(x->publish, k, rcpts, t.n, &s)) < 0) {
		fprintf(stderr, "lanuctl: cannot subscribe at '%s': %s\n", x->publish,
			strerror(-r));
		client_free(t.c);
		return EXIT_UNREACHED;
	}
	r = tail_replay(&t);
	while (follow && r != 1 && r != -EINVAL) {
		Lanu__V1__Alert *a;

		r = sub_recv(s, 2000, &a);
		if (r == -ETIMEDOUT || r == -EBADMSG) {
			/* Quiet: catch up anyway (lanud may have restarted meanwhile). */
			r = tail_replay(&t);
			continue;
		}
		if (r < 0)
			break;
		if (a->seq > t.last && a->prev_seq > t.last)
			r = tail_replay(&t);	/* we missed one: the log has it */
		else if (a->seq > t.last)
			r = tail_show(&t, a) ? 1 : 0;
		lanu__v1__alert__free_unpacked(a, NULL);
	}
	sub_free(s);
	client_free(t.c);
	if (r == -ETIMEDOUT || r == -EAGAIN) {
		fprintf(stderr, "lanuctl: no reply from lanud at '%s'\n", x->ingest);
		return EXIT_UNREACHED;
	}
	return r < 0 ? EXIT_REFUSED : 0;
}

/* --- queries and small commands -------------------------------------------- */

#define W(en, fi, sv) ctl_word(x, en, fi, sv)
/* A status line's label in x's language, padded to 15 characters. */
#define L(en, fi, sv) text_pad(W(en, fi, sv), 15, label, sizeof(label))

static int
cmd_status(struct ctl *x, int argc, char **argv)
{
	Lanu__V1__StatusQuery q = LANU__V1__STATUS_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	const Lanu__V1__Status *s;
	char now[32], label[64];
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			x->json = true;
		} else if (strcmp(argv[i], "--ids") == 0) {
			x->ids = true;
		} else {
			fprintf(stderr, "lanuctl: usage: status [--json] [--ids]\n");
			return EXIT_REFUSED;
		}
	}
	req.body_case = LANU__V1__REQUEST__BODY_STATUS;
	req.status = &q;
	r = ctl_call(x, &req, &rep);
	if (r)
		return r;
	s = rep->status;
	if (x->json) {
		print_json(&s->base);
		lanu__v1__reply__free_unpacked(rep, NULL);
		return 0;
	}
	instant_format(s->now_ms, now);
	printf("lanud %s %s %s\n", s->version, W("at", "osoitteessa", "på"), x->ingest);
	printf("  %s%s%s\n", L("now", "aika", "tid"), now,
	       s->manual_clock ? W(" (manual clock)", " (käsin asetettu kello)",
				   " (manuell klocka)") : "");
	printf("  %s%" PRIu64 " s\n", L("uptime", "käynnissä", "i gång"),
	       s->uptime_ms / 1000);
	printf("  %s%" PRIu64 " %s (%s #%" PRIu64 "), %" PRIu64 " %s, %" PRIu64 " %s\n",
	       L("events", "tapahtumat", "händelser"), s->events,
	       W("stored", "tallennettu", "lagrade"), W("last", "viimeisin", "senaste"),
	       s->last_event_seq, s->duplicates,
	       W("duplicates", "toistoa", "dubbletter"), s->rejected,
	       W("rejected since start", "hylätty käynnistyksen jälkeen",
		 "avvisade sedan start"));
	printf("  %s%" PRIu64 " (%.1f %s)\n", L("commits", "kirjoitukset", "skrivningar"),
	       s->commits,
	       s->commits ? (double)s->committed_events / (double)s->commits : 0.0,
	       W("requests each", "pyyntöä kukin", "begäranden var"));
	printf("  %s%s #%" PRIu64 ", %" PRIu64 " %s, %" PRIu64 " %s\n",
	       L("alerts", "hälytykset", "larm"), W("last", "viimeisin", "senaste"),
	       s->last_alert_seq, s->open_alerts, W("open", "avoinna", "öppna"),
	       s->unrouted_alerts,
	       W("routed to nobody since start", "ei kenellekään käynnistyksen jälkeen",
		 "till ingen sedan start"));
	printf("  %s%s #%" PRIu64 "\n", L("audit", "loki", "logg"),
	       W("last", "viimeisin", "senaste"), s->last_audit_seq);
	printf("  %s%.1f %s %.1f MiB %s\n", L("store", "tietokanta", "databas"),
	       s->map_used / 1048576.0, W("of", "/", "av"), s->map_size / 1048576.0,
	       W("used", "käytössä", "använt"));
	if (s->plan_version && *ctl_plan_title(x))
		printf("  %s%s (%s), %s %" PRIu64 "\n", L("plan", "suunnitelma", "plan"),
		       ctl_plan_title(x), s->plan_id, W("version", "versio", "version"),
		       s->plan_version);
	else if (s->plan_version)
		printf("  %s%s, %s %" PRIu64 "\n", L("plan", "suunnitelma", "plan"), s->plan_id,
		       W("version", "versio", "version"), s->plan_version);
	else
		printf("  %s%s\n", L("plan", "suunnitelma", "plan"),
		       W("none: alerts go to nobody (lanuctl plan load)",
			 "ei mitään: hälytykset eivät mene kenellekään (lanuctl plan load)",
			 "ingen: larm går till ingen (lanuctl plan load)"));
	printf("  %s%" PRIu64 " %s", L("clocks", "määräajat", "tidsfrister"), s->open_clocks,
	       W("open", "avoinna", "öppna"));
	if (s->next_deadline_ms) {
		instant_format(s->next_deadline_ms, now);
		printf(", %s %s", W("next warning or miss", "seuraava varoitus tai ylitys",
				    "nästa varning eller överskridning"), now);
	}
	printf("\n");
	if (s->pending_escalations) {
		instant_format(s->next_escalation_ms, now);
		printf("  %s%" PRIu64 " %s, %s %s\n",
		       L("escalations", "eskalaatiot", "eskaleringar"), s->pending_escalations,
		       W("pending", "odottaa", "väntar"), W("next", "seuraava", "nästa"), now);
	}
	if (s->next_purge_ms) {
		instant_format(s->next_purge_ms, now);
		printf("  %s%s %s\n", L("retention", "säilytys", "gallring"),
		       W("next check", "seuraava tarkistus", "nästa kontroll"), now);
	}
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}

#undef L
#undef W

static int
cmd_alert(struct ctl *x, int argc, char **argv)
{
	Lanu__V1__AlertQuery q = LANU__V1__ALERT_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			x->json = true;
		} else if (strcmp(argv[i], "--ids") == 0) {
			x->ids = true;
		} else if (argv[i][0] != '-' && !*q.alert_id) {
			q.alert_id = argv[i];
		} else {
			q.alert_id = (char *)"";
			break;
		}
	}
	if (!*q.alert_id) {
		fprintf(stderr, "lanuctl: usage: alert ALERT_ID [--json] [--ids]\n");
		return EXIT_REFUSED;
	}
	req.body_case = LANU__V1__REQUEST__BODY_ALERT;
	req.alert = &q;
	r = ctl_call(x, &req, &rep);
	if (r)
		return r;
	print_alert(x, rep->alert);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}

static int
cmd_open(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recipient", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "ids", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	char *rcpts[LANU_MAX_RECIPIENTS];
	uint64_t after = 0;
	size_t n = 0;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "r:j", opts, NULL)) != -1) {
		if (ch == 'r' && n < ELEMENTSOF(rcpts))
			rcpts[n++] = optarg;
		else if (ch == 'j')
			x->json = true;
		else if (ch == 'I')
			x->ids = true;
		else
			return EXIT_REFUSED;
	}
	for (;;) {
		Lanu__V1__OpenAlertsQuery q = LANU__V1__OPEN_ALERTS_QUERY__INIT;
		Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
		Lanu__V1__Reply *rep;
		bool more;

		q.recipients = rcpts;
		q.n_recipients = n;
		q.after_seq = after;
		req.body_case = LANU__V1__REQUEST__BODY_OPEN_ALERTS;
		req.open_alerts = &q;
		r = ctl_call(x, &req, &rep);
		if (r)
			return r;
		for (size_t i = 0; i < rep->alerts->n_alerts; i++)
			print_alert(x, rep->alerts->alerts[i]);
		after = rep->alerts->last_seq;
		more = rep->alerts->more;
		lanu__v1__reply__free_unpacked(rep, NULL);
		if (!more)
			return 0;
	}
}

/* A second acknowledgement is answered DUPLICATE, "ALERT was acknowledged by WHO at
 * WHEN": the same person's again is done (0), someone else's stands (EXIT_REFUSED). */
static int
ack_answer(const Lanu__V1__AlertAcknowledged *ack, const Lanu__V1__Reply *rep)
{
	char same[LANU_MAX_ID + LANU_MAX_NAME + 32];

	if (rep->code == LANU__V1__REPLY__CODE__OK) {
		printf("%s acknowledged by %s\n", ack->alert_id, ack->by);
		return 0;
	}
	snprintf(same, sizeof(same), "%s was acknowledged by %s at ", ack->alert_id, ack->by);
	if (rep->code == LANU__V1__REPLY__CODE__DUPLICATE &&
	    strncmp(rep->reason, same, strlen(same)) == 0) {
		printf("%s (already)\n", rep->reason);
		return 0;
	}
	fprintf(stderr, "lanuctl: %s: %s%s%s\n",
		enum_name(&lanu__v1__reply__code__descriptor, rep->code, 0), rep->field,
		*rep->field ? ": " : "", *rep->reason ? rep->reason : "sent before");
	return rep->code == LANU__V1__REPLY__CODE__UNAVAILABLE ? EXIT_UNREACHED : EXIT_REFUSED;
}

static int
cmd_ack(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "note", required_argument, NULL, 'n' },
		{ "producer", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__AlertAcknowledged ack = LANU__V1__ALERT_ACKNOWLEDGED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	struct msg_error e = { { 0 }, { 0 } };
	Lanu__V1__Reply *rep;
	char id[LANU_MAX_ID + 1];
	int ch, r;

	ev.producer = (char *)"lanuctl";
	while ((ch = getopt_long(argc, argv, "b:n:p:", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': ack.by = optarg; break;
		case 'n': ack.note = optarg; break;
		case 'p': ev.producer = optarg; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind + 1 != argc || !*ack.by) {
		fprintf(stderr, "lanuctl: usage: ack ALERT_ID --by WHO [--note TEXT]\n");
		return EXIT_REFUSED;
	}
	ack.alert_id = argv[optind];
	ev.event_id = (char *)"ack";	/* checked first without by, which makes the id */
	ev.occurred_at_ms = client_now_ms();
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_ALERT_ACKNOWLEDGED;
	ev.alert_acknowledged = &ack;
	if (msg_validate(&ev.base, "event", &e) < 0) {
		fprintf(stderr, "lanuctl: %s %s\n", e.field, e.reason);
		return EXIT_REFUSED;
	}
	/* The same person acknowledging the same alert twice is one event. */
	snprintf(id, sizeof(id), "ack/%s/%s", ack.alert_id, ack.by);
	ev.event_id = id;
	if (msg_validate(&ev.base, "event", &e) < 0) {
		fprintf(stderr, "lanuctl: %s %s (alert id and --by make it; at most %d bytes)\n",
			e.field, e.reason, LANU_MAX_ID);
		return EXIT_REFUSED;
	}
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	r = ctl_request(x, &req, &rep);
	if (r)
		return r;
	r = ack_answer(&ack, rep);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return r;
}

#define BACKUP_WAIT_MS (3600 * 1000)	/* without -t: a large store takes a while */

static int
cmd_backup(struct ctl *x, int argc, char **argv)
{
	Lanu__V1__Backup bk = LANU__V1__BACKUP__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	const Lanu__V1__BackupResult *res;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			x->json = true;
		} else if (argv[i][0] == '-' || *bk.name) {
			fprintf(stderr, "lanuctl: usage: backup [NAME] [--json]\n");
			return EXIT_REFUSED;
		} else {
			bk.name = argv[i];
		}
	}
	if (!x->timeout_given)
		x->timeout_ms = BACKUP_WAIT_MS;
	req.body_case = LANU__V1__REQUEST__BODY_BACKUP;
	req.backup = &bk;
	r = ctl_query(x, &req, LANU__V1__REPLY__RESULT_BACKUP, &rep);
	if (r)
		return r;
	res = rep->backup;
	if (x->json)
		print_json(&res->base);
	else
		printf("%s: %" PRIu64 " bytes in %" PRIu64 " ms, events to #%" PRIu64 ", alerts "
		       "to #%" PRIu64 "\n", res->path, res->bytes, res->took_ms, res->event_seq,
		       res->alert_seq);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}

static int
cmd_clock(struct ctl *x, int argc, char **argv)
{
	Lanu__V1__ClockSet cs = LANU__V1__CLOCK_SET__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	char when[32];
	int r;

	if (argc != 3 || strcmp(argv[1], "set") != 0) {
		fprintf(stderr, "lanuctl: usage: clock set TIME (2026-01-31T12:00:00Z, "
				"2026-01-31T14:00+02:00 or ms)\n");
		return EXIT_REFUSED;
	}
	if (instant_parse(argv[2], &cs.now_ms) < 0) {
		fprintf(stderr, "lanuctl: '%s' is not a time (2026-01-31T12:00:00Z, "
				"2026-01-31T14:00:00.5+02:00, 2026-01-31 or milliseconds since the "
				"epoch)\n", argv[2]);
		return EXIT_REFUSED;
	}
	req.body_case = LANU__V1__REQUEST__BODY_CLOCK_SET;
	req.clock_set = &cs;
	r = ctl_call(x, &req, &rep);
	if (r)
		return r;
	instant_format(cs.now_ms, when);
	printf("clock set to %s\n", when);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}

static void
usage(FILE *f)
{
	char conf_path[PATH_MAX];

	conf_default_path(conf_path, sizeof(conf_path));
	fprintf(f,
		"usage: lanuctl [options] COMMAND [ARGS]\n"
		"options:\n"
		"  -c, --config FILE    lanud's configuration, for its endpoints (default %s,\n"
		"                       or $LANU_CONF)\n"
		"  -e, --endpoint EP    lanud's ingest endpoint\n"
		"  -s, --subscribe EP   lanud's publish endpoint\n"
		"  -t, --timeout MS     how long to wait for lanud (default 10000)\n"
		"      --lang fi|sv|en  language of texts, names and headers (default: the\n"
		"                       locale's, fi or sv, else en)\n"
		"      --ids            ids, not the plan's names, for services, areas, ...\n"
		"  -k, --key FILE       this peer's secret key file, for tcp:// (or $LANU_KEY)\n"
		"      --server-key KEY lanud's public key, or a file with it (or\n"
		"                       $LANU_SERVER_KEY)\n"
		"      --client-conf FILE  a client's own ingest, publish, key and server-key,\n"
		"                       for a machine without lanud.conf (or $LANU_CLIENT_CONF)\n"
		"  -V, --version        print lanuctl's version and exit\n"
		"  -h, --help           print this and exit\n"
		"commands:\n"
		"  send [FILE...] [--window N]   send JSON-lines events (lanu.v1.Envelope)\n"
		"  tail --recipient R [--from SEQ] [--count N] [--no-follow] [--json] [--ids]\n"
		"  tail --unrouted|--all [...]  alerts no route matched, or every alert (admins)\n"
		"  status [--json] [--ids]\n"
		"  alert ALERT_ID [--json] [--ids]\n"
		"  open [--recipient R] [--json] [--ids]  unacknowledged alerts\n"
		"  ack ALERT_ID --by WHO [--note TEXT]\n"
		"  due [--within SPAN] [--area A] [--service S] [--limit N] [--all] [--json]\n"
		"      [--ids]                  open access-time clocks, soonest due first;\n"
		"                               --all: every page\n"
		"  case CASE [--service S] [--json] [--ids]\n"
		"                               every clock of a case, open or closed\n"
		"  compliance --service S [--period P] [--by area,language,age,urgency]\n"
		"             [--json|--csv]    a service's limits met, late, missed; waits\n"
		"                               (P: 2025, 2025-H1, 2025-Q3, 2025-03, A..B dates)\n"
		"  compliance --thl 2025-H1 [--service S] [--json]\n"
		"                               THL's half-year time-limit figures, as CSV\n"
		"  absences --period P [--by school,grade,area] [--area A] [--ladder L]\n"
		"           [--json|--csv]      pupils at each level of an absence ladder\n"
		"  absences --pupil P [--period P] [--json]\n"
		"                               one pupil's places on the ladders\n"
		"  indicators [--indicator I] [--by area,language,age,grade,gender]\n"
		"             [--from YEAR] [--to YEAR] [--revisions] [--json|--csv]\n"
		"                               the plan's indicators: values, targets, status\n"
		"  measures [--goal G] [--status S|none|overdue] [--history] [--json|--csv]\n"
		"                               the plan's measures and their statuses\n"
		"  report --year YYYY [--format html|csv|md] [--lang fi|sv|en] [-o FILE]\n"
		"                               the yearly welfare report for the council:\n"
		"                               goals, measures, indicators, access limits,\n"
		"                               overdue measures, alerts (HTML, CSV, Markdown)\n"
		"  clock set TIME               move lanud's manual clock (tests, demos)\n"
		"  plan check FILE...           validate plan files here, every problem\n"
		"  plan load FILE [--by WHO] [--dry-run]\n"
		"  plan show [VERSION] [--json] the plan in force, or an earlier version\n"
		"  plan history [--json]        every version: when, by whom, hash\n"
		"  plan diff A B                what changed between two versions\n"
		"  keys server [--secret FILE]  make lanud's CurveZMQ key pair\n"
		"  keys new NAME --role producer|subscriber|operator|admin|notifier [--areas A,..]\n"
		"           [--events E,..] [--recipients R,..] [--dir D] [--secret FILE]\n"
		"                               a peer's key pair, bound to what it may do\n"
		"  keys list [--dir D] [--json] the peers lanud knows\n"
		"  keys revoke NAME [--dir D]   refused from its next connection on\n"
		"  backup [NAME] [--json]       a consistent copy of the live store, written\n"
		"                               by lanud in its backup-dir (admins)\n"
		"  audit [--from TIME] [--to TIME] [--who NAME] [--after SEQ] [--json]\n"
		"                               the audit log: who read, loaded, acknowledged,\n"
		"                               was refused (admins; TIME as for clock set)\n"
		"exit status: 0 ok, 1 refused or bad input, 2 lanud unreachable\n",
		conf_path);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "subscribe", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "lang", required_argument, NULL, 'L' },
		{ "ids", no_argument, NULL, 'I' },
		{ "key", required_argument, NULL, 'k' },
		{ "server-key", required_argument, NULL, 'K' },
		{ "client-conf", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		const char *name;
		int (*fn)(struct ctl *x, int argc, char **argv);
	} cmds[] = {
		{ "send", cmd_send },	  { "tail", cmd_tail }, { "status", cmd_status },
		{ "alert", cmd_alert },	  { "open", cmd_open }, { "ack", cmd_ack },
		{ "clock", cmd_clock },	  { "plan", cmd_plan }, { "due", cmd_due },
		{ "case", cmd_case },		  { "compliance", cmd_compliance },
		{ "absences", cmd_absences },
		{ "indicators", cmd_indicators }, { "measures", cmd_measures },
		{ "keys", cmd_keys },	  { "audit", cmd_audit }, { "report", cmd_report },
		{ "backup", cmd_backup },
	};
	struct ctl x = { .timeout_ms = 10000 };
	static struct endpoint_client cc;
	const char *client_conf = getenv("LANU_CLIENT_CONF");
	char default_conf[PATH_MAX];
	int ch;

	conf_default_path(default_conf, sizeof(default_conf));
	x.conf_path = getenv("LANU_CONF") ? getenv("LANU_CONF") : default_conf;
	x.key_file = getenv("LANU_KEY");
	x.server_key = getenv("LANU_SERVER_KEY");
	log_set_level(LOG_ERR);
	log_set_ident("lanuctl", false);
	/* "+": stop at the command; its own options follow it. */
	while ((ch = getopt_long(argc, argv, "+c:e:s:t:k:Vh", opts, NULL)) != -1) {
		char *end;

		switch (ch) {
		case 'c': x.conf_path = optarg; break;
		case 'e': snprintf(x.ingest, sizeof(x.ingest), "%s", optarg); break;
		case 's': snprintf(x.publish, sizeof(x.publish), "%s", optarg); break;
		case 't':
			x.timeout_ms = (int)strtol(optarg, &end, 10);
			x.timeout_given = true;
			if (*end || x.timeout_ms <= 0) {
				fprintf(stderr, "lanuctl: --timeout '%s' is not a positive number "
						"of milliseconds\n", optarg);
				return EXIT_REFUSED;
			}
			break;
		case 'L':
			if (strcmp(optarg, "fi") && strcmp(optarg, "sv") && strcmp(optarg, "en")) {
				fprintf(stderr, "lanuctl: --lang '%s' is not fi, sv or en\n", optarg);
				return EXIT_REFUSED;
			}
			x.lang = optarg;
			break;
		case 'I': x.ids = true; break;
		case 'k': x.key_file = optarg; break;
		case 'K': x.server_key = optarg; break;
		case 'C': client_conf = optarg; break;
		case 'V': printf("lanuctl %s\n", LANU_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_REFUSED;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_REFUSED;
	}
	ctl_lang_default(&x);
	/* a client configuration fills what the options did not say */
	if (client_conf) {
		if (endpoint_client_load("lanuctl", client_conf, &cc) < 0)
			return EXIT_REFUSED;
		if (!*x.ingest)
			snprintf(x.ingest, sizeof(x.ingest), "%s", cc.ingest);
		if (!*x.publish)
			snprintf(x.publish, sizeof(x.publish), "%s", cc.publish);
		if (!x.key_file && *cc.key)
			x.key_file = cc.key;
		if (!x.server_key && *cc.server_key)
			x.server_key = cc.server_key;
	}
	for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0;	/* glibc: re-initialise getopt for the command */
			ch = cmds[i].fn(&x, argc, argv);
			ctl_names_free(&x);
			return ch;
		}
	fprintf(stderr, "lanuctl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_REFUSED;
}
