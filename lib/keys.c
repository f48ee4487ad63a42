/*
 * keys: reading and writing the peers' key files (keys.h). A file is checked whole, each
 * problem said with its line; a key directory is searched file by file, so that a key
 * added, changed or revoked counts from the next connection on without lanud reloading.
 */
#include "keys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "conf.h"
#include "lanu.pb-c.h"
#include "lanu/macro.h"
#include "plan_value.h"

#define KEYS_LINE_MAX	4096
#define KEYS_WORDS	(KEYS_MAX_SCOPE + 2)

static const char *const keys_roles[] = {
	[KEYS_PRODUCER] = "producer",
	[KEYS_SUBSCRIBER] = "subscriber",
	[KEYS_OPERATOR] = "operator",
	[KEYS_ADMIN] = "admin",
	[KEYS_NOTIFIER] = "notifier",
};

const char *
keys_role_name(enum keys_role role)
{
	return role > 0 && (size_t)role < ELEMENTSOF(keys_roles) ? keys_roles[role] : NULL;
}

int
keys_role_parse(const char *word, enum keys_role *ret_role)
{
	for (size_t i = 1; i < ELEMENTSOF(keys_roles); i++)
		if (strcmp(word, keys_roles[i]) == 0) {
			*ret_role = (enum keys_role)i;
			return 0;
		}
	return -EINVAL;
}

/* The Envelope's payloads as words, made once from its descriptor: names[i] (and v[i],
 * NULL-terminated) is the word of the field numbered id[i]. */
static struct {
	char names[32][LANU_MAX_NAME + 1];
	const char *v[33];
	uint32_t id[32];
} keys_events;

const char *const *
keys_event_names(void)
{
	const ProtobufCMessageDescriptor *d = &lanu__v1__envelope__descriptor;
	size_t n = 0;

	if (keys_events.v[0])
		return keys_events.v;
	for (unsigned i = 0; i < d->n_fields && n + 1 < ELEMENTSOF(keys_events.v); i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (f->type != PROTOBUF_C_TYPE_MESSAGE || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		snprintf(keys_events.names[n], sizeof(keys_events.names[n]), "%s", f->name);
		for (char *c = keys_events.names[n]; *c; c++)
			if (*c == '_')
				*c = '-';
		keys_events.id[n] = f->id;
		keys_events.v[n] = keys_events.names[n];
		n++;
	}
	keys_events.v[n] = NULL;
	return keys_events.v;
}

const char *
keys_event_name(uint32_t payload_case)
{
	const char *const *v = keys_event_names();

	for (size_t i = 0; v[i]; i++)
		if (keys_events.id[i] == payload_case)
			return v[i];
	return NULL;
}

bool
keys_is_event(const char *word)
{
	for (const char *const *e = keys_event_names(); *e; e++)
		if (strcmp(*e, word) == 0)
			return true;
	return false;
}

bool
keys_scope_has(char *const *list, size_t n, const char *word)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], word) == 0)
			return true;
	return false;
}

int
keys_entry_check(const struct keys_entry *e, const char **ret_why)
{
	if (e->n_events && e->role != KEYS_PRODUCER)
		*ret_why = "'events' are for producers";
	else if (e->n_recipients && e->role != KEYS_SUBSCRIBER && e->role != KEYS_OPERATOR &&
		 e->role != KEYS_NOTIFIER)
		*ret_why = "'recipients' are for subscribers, operators and notifiers";
	else if (e->role == KEYS_SUBSCRIBER && !e->n_recipients)
		*ret_why = "a subscriber needs 'recipients': whose alerts it reads";
	else if (e->role == KEYS_NOTIFIER && !e->n_recipients)
		*ret_why = "a notifier needs 'recipients': whose alerts it delivers";
	else if (e->role == KEYS_NOTIFIER && e->n_areas)
		*ret_why = "a notifier is bound to recipients, not 'areas'";
	else
		return 0;
	return -EINVAL;
}

struct keys_ctx {
	const char *path;
	unsigned line;
	int errors;
	void (*report)(const char *msg, void *arg);
	void *arg;
};

static void _printf_(2, 3)
keys_error(struct keys_ctx *x, const char *fmt, ...)
{
	char msg[512];
	int n = x->line ? snprintf(msg, sizeof(msg), "%s:%u: ", x->path, x->line)
			: snprintf(msg, sizeof(msg), "%s: ", x->path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	x->errors++;
	if (x->report)
		x->report(msg, x->arg);
}

struct keys_entry *
keys_entry_free(struct keys_entry *e)
{
	if (!e)
		return NULL;
	for (size_t i = 0; i < e->n_areas; i++)
		free(e->areas[i]);
	for (size_t i = 0; i < e->n_events; i++)
		free(e->events[i]);
	for (size_t i = 0; i < e->n_recipients; i++)
		free(e->recipients[i]);
	free(e->areas);
	free(e->events);
	free(e->recipients);
	free(e);
	return NULL;
}

/* "2026-12-04T10:00:00Z" -> ms. Returns 0 or -EINVAL. */
static int
keys_parse_instant(const char *s, uint64_t *ret_ms)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	time_t t;

	if (!end || *end)
		return -EINVAL;
	t = timegm(&tm);
	if (t <= 0)
		return -EINVAL;
	*ret_ms = (uint64_t)t * 1000;
	return 0;
}

/* A list of ids (words[1..n)) into *ret_v; check says whether each is allowed. */
static int
keys_scope(struct keys_ctx *x, char **words, int n, bool (*check)(const char *word),
	   const char *what, char ***ret_v, size_t *ret_n)
{
	char **v;

	if (*ret_n) {
		keys_error(x, "'%s' given twice", words[0]);
		return 0;
	}
	if (n < 2) {
		keys_error(x, "'%s' needs one or more %s", words[0], what);
		return 0;
	}
	v = calloc((size_t)n - 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int i = 1; i < n; i++) {
		if (!check(words[i]))
			keys_error(x, "'%s' is not %s", words[i], what);
		if (!(v[i - 1] = strdup(words[i]))) {
			for (int j = 1; j < i; j++)
				free(v[j - 1]);
			free(v);
			return -ENOMEM;
		}
	}
	*ret_v = v;
	*ret_n = (size_t)n - 1;
	return 0;
}

static int
keys_line(struct keys_ctx *x, struct keys_entry *e, char **w, int n, bool *seen_public)
{
	if (strcmp(w[0], "name") == 0) {
		if (n != 2 || !value_is_id(w[1]) || strlen(w[1]) > LANU_MAX_NAME)
			keys_error(x, "'name' needs one pseudonymous id ([A-Za-z0-9._:-], at most "
				      "%d characters)", LANU_MAX_NAME);
		else
			snprintf(e->name, sizeof(e->name), "%s", w[1]);
	} else if (strcmp(w[0], "public") == 0) {
		if (n != 2 || strlen(w[1]) != KEYS_Z85_LEN || !zmq_z85_decode(e->public_key, w[1]))
			keys_error(x, "'public' needs a CurveZMQ public key (%d characters of Z85)",
				   KEYS_Z85_LEN);
		*seen_public = true;
	} else if (strcmp(w[0], "role") == 0) {
		if (n != 2 || keys_role_parse(w[1], &e->role) < 0)
			keys_error(x, "'role' is one of producer, subscriber, operator, admin, "
				      "notifier");
	} else if (strcmp(w[0], "areas") == 0) {
		return keys_scope(x, w, n, value_is_id, "an area id", &e->areas, &e->n_areas);
	} else if (strcmp(w[0], "events") == 0) {
		return keys_scope(x, w, n, keys_is_event, "an event kind (service-requested, "
			"deadline-missed, absence-counts-reported, ...)", &e->events, &e->n_events);
	} else if (strcmp(w[0], "recipients") == 0) {
		return keys_scope(x, w, n, value_is_id, "a recipient id", &e->recipients,
				  &e->n_recipients);
	} else if (strcmp(w[0], "revoked") == 0) {
		if (n != 2 || keys_parse_instant(w[1], &e->revoked_ms) < 0)
			keys_error(x, "'revoked' needs an instant (2026-12-04T10:00:00Z)");
	} else if (strcmp(w[0], "secret") == 0) {
		keys_error(x, "a secret key does not belong in a key file: this one is the "
			      "peer's own (NAME.secret), keep it there");
	} else {
		keys_error(x, "unknown key '%s' (name, public, role, areas, events, recipients, "
			      "revoked)", w[0]);
	}
	return 0;
}

int
keys_read(const char *path, void (*report)(const char *msg, void *arg), void *arg,
	  struct keys_entry **ret_entry)
{
	struct keys_ctx x = { .path = path, .report = report, .arg = arg };
	struct keys_entry *e;
	char line[KEYS_LINE_MAX], *w[KEYS_WORDS];
	bool seen_public = false;
	FILE *f;
	int r = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	e = calloc(1, sizeof(*e));
	if (!e) {
		fclose(f);
		return -ENOMEM;
	}
	while (r == 0 && fgets(line, sizeof(line), f)) {
		const char *err;
		int n;

		x.line++;
		if (!strchr(line, '\n') && !feof(f)) {
			keys_error(&x, "line longer than %d bytes", KEYS_LINE_MAX - 1);
			break;
		}
		n = conf_split_words(line, w, ELEMENTSOF(w), &err);
		if (n == -E2BIG)
			keys_error(&x, "more than %d words", KEYS_MAX_SCOPE);
		else if (n < 0)
			keys_error(&x, "%s", err);
		else if (n > 0)
			r = keys_line(&x, e, w, n, &seen_public);
	}
	fclose(f);
	x.line = 0;
	if (r == 0) {
		const char *why;

		if (!*e->name)
			keys_error(&x, "no 'name'");
		if (!seen_public)
			keys_error(&x, "no 'public' key");
		if (!e->role)
			keys_error(&x, "no 'role'");
		else if (keys_entry_check(e, &why) < 0)
			keys_error(&x, "%s", why);
	}
	if (r < 0 || x.errors) {
		keys_entry_free(e);
		return r < 0 ? r : -EINVAL;
	}
	*ret_entry = e;
	return 0;
}

/* Writes text to path with mode, atomically. Returns 0 or -errno. */
static int
keys_write_file(const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, r = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static void
keys_append_list(char *buf, size_t len, const char *key, char *const *v, size_t n)
{
	size_t at;

	if (!n)
		return;
	at = strlen(buf);
	at += (size_t)snprintf(buf + at, len - at, "%-11s", key);
	for (size_t i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, " %s", v[i]);
	if (at < len)
		snprintf(buf + at, len - at, "\n");
}

int
keys_write(const char *path, const struct keys_entry *e, const char *comment)
{
	char buf[KEYS_LINE_MAX * 4], z85[KEYS_Z85_LEN + 1];
	size_t at;

	if (!zmq_z85_encode(z85, e->public_key, sizeof(e->public_key)))
		return -EINVAL;
	/* quoted: Z85 has '#' */
	at = (size_t)snprintf(buf, sizeof(buf), "# %s\nname        %s\npublic      \"%s\"\n"
				 "role        %s\n", comment, e->name, z85, keys_role_name(e->role));
	if (at >= sizeof(buf))
		return -E2BIG;
	keys_append_list(buf, sizeof(buf), "areas", e->areas, e->n_areas);
	keys_append_list(buf, sizeof(buf), "events", e->events, e->n_events);
	keys_append_list(buf, sizeof(buf), "recipients", e->recipients, e->n_recipients);
	if (e->revoked_ms) {
		time_t t = (time_t)(e->revoked_ms / 1000);
		struct tm tm;

		at = strlen(buf);
		gmtime_r(&t, &tm);
		strftime(buf + at, sizeof(buf) - at, "revoked     %Y-%m-%dT%H:%M:%SZ\n", &tm);
	}
	return keys_write_file(path, buf, 0644);
}

int
keys_find(const char *dir, const uint8_t public_key[32],
	  void (*report)(const char *msg, void *arg), void *arg, struct keys_entry **ret_entry)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = -ENOENT;

	if (!d)
		return -errno;
	while (r == -ENOENT && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct keys_entry *e;
		char path[PATH_MAX];

		if (len < 5 || strcmp(de->d_name + len - 4, ".key") != 0 || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		if (keys_read(path, report, arg, &e) < 0)
			continue;
		if (memcmp(e->public_key, public_key, 32) == 0) {
			*ret_entry = e;
			r = 0;
		} else {
			keys_entry_free(e);
		}
	}
	closedir(d);
	return r;
}

void
keys_z85(const uint8_t key[32], char out[KEYS_Z85_LEN + 1])
{
	if (!zmq_z85_encode(out, key, 32))
		*out = '\0';
}

int
keys_new_pair(char public_z85[KEYS_Z85_LEN + 1], char secret_z85[KEYS_Z85_LEN + 1])
{
	return zmq_curve_keypair(public_z85, secret_z85) < 0 ? -errno : 0;
}

int
keys_read_secret(const char *path, void (*report)(const char *msg, void *arg), void *arg,
		 struct keys_secret *ret_secret)
{
	struct keys_ctx x = { .path = path, .report = report, .arg = arg };
	struct keys_secret k = { .name = "" };
	char line[KEYS_LINE_MAX], *w[4], pub[KEYS_Z85_LEN + 1];
	uint8_t bin[32];
	struct stat st;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
		keys_error(&x, "may be read by others (mode %03o): chmod 600 it",
			   (unsigned)(st.st_mode & 0777));
	while (fgets(line, sizeof(line), f)) {
		const char *err;
		int n;

		x.line++;
		n = conf_split_words(line, w, ELEMENTSOF(w), &err);
		if (n <= 0)
			continue;
		if (n == 2 && strlen(w[1]) == KEYS_Z85_LEN && zmq_z85_decode(bin, w[1]) &&
		    (strcmp(w[0], "public") == 0 || strcmp(w[0], "secret") == 0))
			memcpy(strcmp(w[0], "public") == 0 ? k.public_z85 : k.secret_z85, w[1],
			       KEYS_Z85_LEN + 1);
		else if (n == 2 && strcmp(w[0], "name") == 0 && value_is_id(w[1]) &&
			 strlen(w[1]) <= LANU_MAX_NAME)
			snprintf(k.name, sizeof(k.name), "%s", w[1]);
		else
			keys_error(&x, "expected 'name' (an id), 'public' or 'secret' (a key in Z85)");
	}
	sodium_memzero(line, sizeof(line));
	fclose(f);
	x.line = 0;
	if (!*k.public_z85 || !*k.secret_z85)
		keys_error(&x, "needs both 'public' and 'secret'");
	else if (zmq_curve_public(pub, k.secret_z85) < 0 || strcmp(pub, k.public_z85) != 0)
		keys_error(&x, "its public key is not the secret one's");
	if (x.errors == 0)
		*ret_secret = k;
	sodium_memzero(&k, sizeof(k));
	return x.errors ? -EINVAL : 0;
}

int
keys_write_secret(const char *path, const char *name, const char *public_z85,
		  const char *secret_z85)
{
	char buf[512];
	int r;

	snprintf(buf, sizeof(buf), "# the secret half of %s's key: keep it 0600, never send it\n"
				   "name    %s\npublic  \"%s\"\nsecret  \"%s\"\n", name, name, public_z85,
		 secret_z85);
	r = keys_write_file(path, buf, 0600);
	sodium_memzero(buf, sizeof(buf));
	return r;
}
