/*
 * lanuctl keys: the CurveZMQ keys of lanud and its peers (docs/security.md). Works on
 * the key files themselves, not over the wire: run it where lanud's keys directory is.
 *
 *	keys server [--secret FILE]	lanud's own key pair
 *	keys new NAME --role R [--areas A,..] [--events E,..] [--recipients R,..]
 *		[--dir D] [--secret FILE]
 *	keys list [--dir D] [--json]
 *	keys revoke NAME [--dir D]
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "conf.h"
#include "ctl.h"
#include "keys.h"
#include "lanu/macro.h"
#include "plan_value.h"

static void
keys_report(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "lanuctl: %s\n", msg);
}

/* The keys directory: --dir, else lanud.conf's keys-dir. Returns 0 or an exit status. */
static int
keys_dir(const struct ctl *x, const char *given, char ret[PATH_MAX])
{
	struct conf *c;

	if (given) {
		snprintf(ret, PATH_MAX, "%s", given);
		return 0;
	}
	if (conf_load(x->conf_path, NULL, 0, &c) < 0) {
		fprintf(stderr, "lanuctl: no keys directory: give --dir, or fix '%s'\n",
			x->conf_path);
		return EXIT_REFUSED;
	}
	if (!c->keys_dir) {
		fprintf(stderr, "lanuctl: '%s' has no keys-dir: give --dir\n", x->conf_path);
		conf_free(c);
		return EXIT_REFUSED;
	}
	snprintf(ret, PATH_MAX, "%s", c->keys_dir);
	conf_free(c);
	return 0;
}

/* dir/name (name may be NULL: dir alone) + suffix into out. Returns 0, or an exit
 * status when it is too long (said). */
static int
keys_path(char out[PATH_MAX], const char *dir, const char *name, const char *suffix)
{
	int n = snprintf(out, PATH_MAX, "%s%s%s%s", dir, name ? "/" : "", name ? name : "",
			 suffix);

	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, "lanuctl: the path of '%s' in '%s' is too long\n",
			name ? name : suffix, dir);
		return EXIT_REFUSED;
	}
	return 0;
}

/* "a,b,c" into words (pointing into s, which is cut). Returns the count or -1. */
static int
keys_split(char *s, char **v, size_t max, bool (*check)(const char *), const char *what)
{
	size_t n = 0;

	for (char *w = strtok(s, ","); w; w = strtok(NULL, ",")) {
		if (n == max) {
			fprintf(stderr, "lanuctl: more than %zu %s\n", max, what);
			return -1;
		}
		if (!check(w)) {
			fprintf(stderr, "lanuctl: '%s' is not %s\n", w, what);
			return -1;
		}
		v[n++] = w;
	}
	return (int)n;
}

static const char *
keys_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static int
keys_server(const struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1];
	const char *path = NULL;
	struct conf *c = NULL;
	int ch, r;

	while ((ch = next_option(argc, argv, opts)) != -1) {
		if (ch != 's')
			return EXIT_REFUSED;
		path = optarg;
	}
	if (!path && conf_load(x->conf_path, NULL, 0, &c) == 0)
		path = c->server_key;
	if (!path) {
		fprintf(stderr, "lanuctl: usage: keys server --secret FILE (or server-key in "
				"'%s')\n", x->conf_path);
		conf_free(c);
		return EXIT_REFUSED;
	}
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "lanuctl: '%s' exists: lanud's key is not replaced (remove it "
				"first, and give every peer the new public key)\n", path);
		conf_free(c);
		return EXIT_REFUSED;
	}
	r = keys_new_pair(pub, sec);
	if (r == 0)
		r = keys_write_secret(path, "lanud", pub, sec);
	sodium_memzero(sec, sizeof(sec));
	if (r < 0) {
		fprintf(stderr, "lanuctl: cannot write '%s': %s\n", path, strerror(-r));
		conf_free(c);
		return EXIT_REFUSED;
	}
	printf("lanud's secret key is in %s (0600, for lanud's user only)\n"
	       "its public key, for every peer (lanuctl --server-key, the importer's too):\n"
	       "%s\n", path, pub);
	conf_free(c);
	return 0;
}

static int
keys_new(const struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "areas", required_argument, NULL, 'a' },
		{ "events", required_argument, NULL, 'e' },
		{ "recipients", required_argument, NULL, 'R' },
		{ "dir", required_argument, NULL, 'd' },
		{ "secret", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char *areas[KEYS_MAX_SCOPE], *events[KEYS_MAX_SCOPE], *rcpts[KEYS_MAX_SCOPE];
	char dir[PATH_MAX], path[PATH_MAX], secret[PATH_MAX], comment[128], now[32];
	char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1];
	struct keys_entry e = { .areas = areas, .events = events, .recipients = rcpts };
	const char *dir_opt = NULL, *secret_opt = NULL, *why;
	int ch, n, r;

	while ((ch = next_option(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'r':
			if (keys_role_parse(optarg, &e.role) < 0) {
				fprintf(stderr, "lanuctl: --role is producer, subscriber, operator, "
						"admin or notifier\n");
				return EXIT_REFUSED;
			}
			break;
		case 'a':
			if ((n = keys_split(optarg, areas, KEYS_MAX_SCOPE, value_is_id,
					    "an area id")) < 0)
				return EXIT_REFUSED;
			e.n_areas = (size_t)n;
			break;
		case 'e':
			if ((n = keys_split(optarg, events, KEYS_MAX_SCOPE, keys_is_event,
					    "an event kind (deadline-missed, ...)")) < 0)
				return EXIT_REFUSED;
			e.n_events = (size_t)n;
			break;
		case 'R':
			if ((n = keys_split(optarg, rcpts, KEYS_MAX_SCOPE, value_is_id,
					    "a recipient id")) < 0)
				return EXIT_REFUSED;
			e.n_recipients = (size_t)n;
			break;
		case 'd': dir_opt = optarg; break;
		case 's': secret_opt = optarg; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind + 1 != argc || !e.role) {
		fprintf(stderr, "lanuctl: usage: keys new NAME --role producer|subscriber|"
				"operator|admin|notifier [--areas A,..] [--events E,..] [--recipients R,..] "
				"[--dir D] [--secret FILE]\n");
		return EXIT_REFUSED;
	}
	if (!value_is_id(argv[optind]) || strlen(argv[optind]) > LANU_MAX_NAME) {
		fprintf(stderr, "lanuctl: '%s' is not a name for a peer ([A-Za-z0-9._:-], at "
				"most %d)\n", argv[optind], LANU_MAX_NAME);
		return EXIT_REFUSED;
	}
	snprintf(e.name, sizeof(e.name), "%s", argv[optind]);
	if (keys_entry_check(&e, &why) < 0) {
		fprintf(stderr, "lanuctl: %s\n", why);
		return EXIT_REFUSED;
	}
	if ((r = keys_dir(x, dir_opt, dir)) != 0)
		return r;
	if ((r = keys_path(path, dir, e.name, ".key")) != 0 ||
	    (r = keys_path(secret, secret_opt ? secret_opt : e.name, NULL,
			   secret_opt ? "" : ".secret")) != 0)
		return r;
	if (access(path, F_OK) == 0 || access(secret, F_OK) == 0) {
		fprintf(stderr, "lanuctl: '%s' exists: a peer's key is not replaced (revoke it "
				"and make one under another name)\n",
			access(path, F_OK) == 0 ? path : secret);
		return EXIT_REFUSED;
	}
	if ((r = keys_new_pair(pub, sec)) == 0 && zmq_z85_decode(e.public_key, pub)) {
		r = keys_write_secret(secret, e.name, pub, sec);
		snprintf(comment, sizeof(comment), "made by lanuctl keys new on %s", keys_now(now));
		if (r == 0 && (r = keys_write(path, &e, comment)) < 0)
			unlink(secret);
	}
	sodium_memzero(sec, sizeof(sec));
	if (r < 0) {
		fprintf(stderr, "lanuctl: cannot write the key of '%s': %s\n", e.name,
			strerror(-r));
		return EXIT_REFUSED;
	}
	printf("%s: %s, public key %s\n  lanud knows it from %s\n  its secret half is in %s "
	       "(0600): hand it to the peer, keep no copy\n", e.name, keys_role_name(e.role),
	       pub, path, secret);
	return 0;
}

static int
keys_cmp(const void *a, const void *b)
{
	return strcmp((*(struct keys_entry *const *)a)->name,
		      (*(struct keys_entry *const *)b)->name);
}

static json_t *
keys_json_list(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int
keys_list(const struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct keys_entry *v[1024];
	const char *dir_opt = NULL;
	char dir[PATH_MAX];
	bool json = false;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int ch, r;

	while ((ch = next_option(argc, argv, opts)) != -1) {
		if (ch == 'd')
			dir_opt = optarg;
		else if (ch == 'j')
			json = true;
		else
			return EXIT_REFUSED;
	}
	if ((r = keys_dir(x, dir_opt, dir)) != 0)
		return r;
	if (!(d = opendir(dir))) {
		fprintf(stderr, "lanuctl: cannot read '%s': %s\n", dir, strerror(errno));
		return EXIT_REFUSED;
	}
	while ((de = readdir(d)) && n < ELEMENTSOF(v)) {
		size_t len = strlen(de->d_name);
		char path[PATH_MAX];

		if (len < 5 || strcmp(de->d_name + len - 4, ".key") != 0 || de->d_name[0] == '.')
			continue;
		if (keys_path(path, dir, de->d_name, "") != 0)
			continue;
		if (keys_read(path, keys_report, NULL, &v[n]) == 0)
			n++;
		else
			r = EXIT_REFUSED;
	}
	closedir(d);
	qsort(v, n, sizeof(v[0]), keys_cmp);
	for (size_t i = 0; i < n; i++) {
		char z85[KEYS_Z85_LEN + 1], when[32] = "";

		zmq_z85_encode(z85, v[i]->public_key, 32);
		if (v[i]->revoked_ms) {
			time_t t = (time_t)(v[i]->revoked_ms / 1000);
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		if (json) {
			json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "name", v[i]->name,
					      "role", keys_role_name(v[i]->role), "public", z85,
					      "areas", keys_json_list(v[i]->areas, v[i]->n_areas),
					      "events", keys_json_list(v[i]->events, v[i]->n_events),
					      "recipients", keys_json_list(v[i]->recipients,
									   v[i]->n_recipients));

			if (*when)
				json_object_set_new(o, "revoked", json_string(when));
			json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
		} else {
			printf("%-24s %-10s %.8s…%s%s\n", v[i]->name, keys_role_name(v[i]->role),
			       z85, *when ? "  revoked " : "", when);
		}
		keys_entry_free(v[i]);
	}
	if (!json && n == 0)
		printf("no keys in %s\n", dir);
	return r;
}

static int
keys_revoke(const struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	char dir[PATH_MAX], path[PATH_MAX], comment[128], now[32];
	const char *dir_opt = NULL;
	struct keys_entry *e;
	int ch, r;

	while ((ch = next_option(argc, argv, opts)) != -1) {
		if (ch != 'd')
			return EXIT_REFUSED;
		dir_opt = optarg;
	}
	if (optind + 1 != argc || !value_is_id(argv[optind])) {
		fprintf(stderr, "lanuctl: usage: keys revoke NAME [--dir D]\n");
		return EXIT_REFUSED;
	}
	if ((r = keys_dir(x, dir_opt, dir)) != 0)
		return r;
	if ((r = keys_path(path, dir, argv[optind], ".key")) != 0)
		return r;
	if ((r = keys_read(path, keys_report, NULL, &e)) < 0) {
		if (r != -EINVAL)
			fprintf(stderr, "lanuctl: no key '%s': %s\n", path, strerror(-r));
		return EXIT_REFUSED;
	}
	if (e->revoked_ms) {
		printf("%s was revoked before\n", e->name);
		keys_entry_free(e);
		return 0;
	}
	e->revoked_ms = (uint64_t)time(NULL) * 1000;
	snprintf(comment, sizeof(comment), "revoked by lanuctl keys revoke on %s", keys_now(now));
	r = keys_write(path, e, comment);
	if (r < 0)
		fprintf(stderr, "lanuctl: cannot write '%s': %s\n", path, strerror(-r));
	else
		printf("%s revoked: lanud refuses it from its next connection on\n", e->name);
	keys_entry_free(e);
	return r < 0 ? EXIT_REFUSED : 0;
}

int
cmd_keys(struct ctl *x, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "server") == 0)
		return keys_server(x, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "new") == 0)
		return keys_new(x, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return keys_list(x, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return keys_revoke(x, argc - 1, argv + 1);
	fprintf(stderr, "lanuctl: usage: keys server|new|list|revoke ...\n");
	return EXIT_REFUSED;
}
