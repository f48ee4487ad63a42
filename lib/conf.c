/*
 * conf: parses lanud.conf, a line-oriented file in the spirit of OpenBSD daemons:
 *
 *	# comment
 *	ingest     ipc://var/lanud.sock tcp://127.0.0.1:7401
 *	publish    ipc://var/lanud-pub.sock
 *	state-dir  var
 *	plan       /etc/lanu/plan.yaml
 *
 * Words are separated by blanks; a word may be double-quoted ("a b", with \" and
 * \\ escapes). Every bad line is reported with its number and parsing goes on, so
 * one run shows every problem. The struct conf owns all its strings.
 */
#include "conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "instant.h"
#include "lanu/limits.h"
#include "lanu/protocol.h"
#include "log.h"
#include "plan_value.h"

/* GNUInstallDirs' directories as configured (lib/CMakeLists.txt): relative to the prefix,
 * or absolute. */
#ifndef LANU_INSTALL_BINDIR
#define LANU_INSTALL_BINDIR	"bin"
#endif
#ifndef LANU_INSTALL_SBINDIR
#define LANU_INSTALL_SBINDIR	"sbin"
#endif
#ifndef LANU_INSTALL_SYSCONFDIR
#define LANU_INSTALL_SYSCONFDIR	"etc"
#endif

#define CONF_MAX_WORDS	(LANU_MAX_RECIPIENTS + 4)
#define CONF_MAX_LINE	4096

struct conf_ctx {
	const char *src;	/* file name or "command line" */
	unsigned line;
	int errors;
};

static void _printf_(2, 3)
conf_error(struct conf_ctx *x, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->line > 0)
		log_msg(LOG_ERR, "%s:%u: %s", x->src, x->line, msg);
	else
		log_msg(LOG_ERR, "%s: %s", x->src, msg);
	x->errors++;
}

int
conf_split_words(char *line, char **words, size_t max, const char **ret_err)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		char *w;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#' || *p == '\n' || *p == '\r')
			return (int)n;
		if (n == max) {
			*ret_err = "too many words";
			return -E2BIG;
		}
		if (*p == '"') {
			char *out = w = ++p;

			for (; *p != '"'; p++) {
				if (*p == '\0' || *p == '\n') {
					*ret_err = "unterminated quoted string";
					return -EINVAL;
				}
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				*out++ = *p;
			}
			p++;
			if (*p != '\0' && !isspace((unsigned char)*p)) {
				*ret_err = "expected a blank after the closing quote";
				return -EINVAL;
			}
			*out = '\0';
		} else {
			w = p;
			while (*p != '\0' && !isspace((unsigned char)*p))
				p++;
		}
		if (*p != '\0')
			*p++ = '\0';
		words[n++] = w;
	}
}

/* conf_split_words() for lanud.conf. Returns the count, or -EINVAL (reported). */
static int
conf_split(struct conf_ctx *x, char *line, char **words, size_t max)
{
	const char *err;
	int n = conf_split_words(line, words, max, &err);

	if (n == -E2BIG)
		conf_error(x, "too many words (max %zu)", max);
	else if (n < 0)
		conf_error(x, "%s", err);
	return n < 0 ? -EINVAL : n;
}


/* "64M", "16G", "1048576" -> bytes. Returns 0 or -EINVAL. */
static int
conf_parse_size(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -EINVAL;
	switch (*end) {
	case '\0': break;
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	default: return -EINVAL;
	}
	if (*end != '\0' || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*ret = (uint64_t)v << shift;
	return 0;
}


static int
conf_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

static void
conf_strv_free(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

static int
conf_set_str(char **dst, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static bool
conf_valid_endpoint(const char *s)
{
	return strncmp(s, "ipc://", 6) == 0 || strncmp(s, "tcp://", 6) == 0 ||
	       strncmp(s, "inproc://", 9) == 0;
}

/* Endpoints, each ipc:// one optionally followed by "as NAME": its peers are the key
 * NAME of keys-dir (docs/security.md). v and as grow together. */
static int
conf_endpoints(struct conf_ctx *x, char **w, int n, char ***v, char ***as, size_t *nv)
{
	bool last_ok = false;

	if (n < 2) {
		conf_error(x, "'%s' needs at least one endpoint", w[0]);
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if (strcmp(w[i], "as") == 0) {
			if (!last_ok || i + 1 >= n || !value_is_id(w[i + 1]) || (*as)[*nv - 1])
				conf_error(x, "'as' follows an ipc:// endpoint and names the key of "
					      "its peers (as NAME)");
			else if (strncmp((*v)[*nv - 1], "ipc://", 6) != 0)
				conf_error(x, "'as %s' is for ipc:// endpoints: a tcp:// peer is "
					      "who its key says", w[i + 1]);
			else if (!((*as)[*nv - 1] = strdup(w[i + 1])))
				return -ENOMEM;
			i++;
			continue;
		}
		last_ok = false;
		if (!conf_valid_endpoint(w[i])) {
			conf_error(x, "endpoint '%s' is not ipc://, tcp:// or inproc://", w[i]);
			continue;
		}
		if (conf_strv_push(v, nv, w[i]) < 0)
			return -ENOMEM;
		{
			char **na = realloc(*as, *nv * sizeof(**as));

			if (!na)
				return -ENOMEM;
			*as = na;
			na[*nv - 1] = NULL;
		}
		last_ok = true;
	}
	return 0;
}

/* Frees endpoints and their "as" names. */
static void
conf_endpoints_free(char ***v, char ***as, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*as)[i]);
	free(*as);
	*as = NULL;
	conf_strv_free(v, n);
}



/* "metrics ADDRESS:PORT": a numeric IPv4 address, or an IPv6 one in brackets
 * ("[::1]:9466"), and a port. */
static void
conf_metrics(struct conf *c, struct conf_ctx *x, const char *v)
{
	const char *colon = strrchr(v, ':');
	struct in6_addr a6;
	struct in_addr a4;
	char host[sizeof(c->metrics_host)];
	unsigned long port;
	bool bracket;
	size_t n;
	char *e;

	if (!colon || colon == v) {
		conf_error(x, "metrics '%s' is not ADDRESS:PORT (e.g. 127.0.0.1:9466)", v);
		return;
	}
	n = (size_t)(colon - v);
	bracket = v[0] == '[' && n >= 2 && v[n - 1] == ']';
	if (bracket) {
		v++;
		n -= 2;
	}
	if (n >= sizeof(host)) {
		conf_error(x, "metrics address '%.*s' is too long", (int)n, v);
		return;
	}
	memcpy(host, v, n);
	host[n] = '\0';
	if (bracket ? inet_pton(AF_INET6, host, &a6) != 1 : inet_pton(AF_INET, host, &a4) != 1) {
		conf_error(x, "metrics address '%s%s%s' is not a numeric IPv4 address or an "
			      "IPv6 one in brackets (127.0.0.1:9466, [::1]:9466)", bracket ? "[" : "",
			   host, bracket ? "]" : "");
		return;
	}
	errno = 0;
	port = strtoul(colon + 1, &e, 10);
	if (errno || *e || e == colon + 1 || port > 65535) {
		conf_error(x, "metrics port '%s' is not a port (0-65535; 0: any free one)",
			   colon + 1);
		return;
	}
	memcpy(c->metrics_host, host, n + 1);
	c->metrics_port = (uint16_t)port;
}

/* future-skew's default: 1h on the system clock; off on a manual clock, whose time a
 * test or a demo moves past events it sent ahead. */
#define CONF_FUTURE_SKEW_MS (3600 * 1000ULL)
#define CONF_FUTURE_SKEW_UNSET (UINT64_MAX - 1)

int
conf_parse_span(const char *v, uint64_t *ret_ms)
{
	static const struct {
		char unit;
		uint64_t ms;
	} units[] = { { 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 } };
	unsigned long long n;
	char *e;

	if (strcmp(v, "off") == 0) {
		*ret_ms = UINT64_MAX;
		return 0;
	}
	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &e, 10);
	if (errno || e[0] == '\0' || e[1] != '\0' || n > 3650ULL * 86400)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (*e == units[i].unit) {
			*ret_ms = n * units[i].ms;
			return 0;
		}
	return -EINVAL;
}

#define CONF_CLOCK_MAX_MS 253402300799999ULL	/* 9999-12-31T23:59:59.999Z */

/* "clock system", "clock manual" or "clock manual START" (an instant, instant.h). */
static int
conf_clock(struct conf *c, struct conf_ctx *x, char **w, int n)
{
	if (n < 2 || n > 3 || (n == 3 && strcmp(w[1], "manual") != 0)) {
		conf_error(x, "'clock' takes 'system', 'manual' or 'manual START'");
		return 0;
	}
	if (strcmp(w[1], "system") && strcmp(w[1], "manual"))
		conf_error(x, "clock '%s' is neither 'system' nor 'manual'", w[1]);
	c->manual_clock = strcmp(w[1], "manual") == 0;
	c->clock_start_ms = 0;
	if (n == 3 && (instant_parse(w[2], &c->clock_start_ms) < 0 || c->clock_start_ms == 0 ||
		       c->clock_start_ms > CONF_CLOCK_MAX_MS))
		conf_error(x, "clock start '%s' is not an instant (e.g. 2026-01-01T08:00:00Z, "
			      "2026-01-01T10:00+02:00)", w[2]);
	return 0;
}

/* Applies one split line. Returns 0 (errors are counted in x) or -ENOMEM. */
static int
conf_apply(struct conf *c, struct conf_ctx *x, char **w, int n)
{
	const char *k = w[0];
	uint64_t size;
	int r;

	if (strcmp(k, "ingest") == 0)
		return conf_endpoints(x, w, n, &c->ingest, &c->ingest_as, &c->n_ingest);
	if (strcmp(k, "publish") == 0)
		return conf_endpoints(x, w, n, &c->publish, &c->publish_as, &c->n_publish);
	if (strcmp(k, "route") == 0 || strcmp(k, "recipient") == 0) {
		conf_error(x, "'%s' is no longer a setting: recipients and routes are part of the "
			      "plan file (see docs/plan-format.md)", k);
		return 0;
	}

	/* The rest take exactly one value. */
	if (strcmp(k, "state-dir") && strcmp(k, "plan") && strcmp(k, "log-level") &&
	    strcmp(k, "map-size") && strcmp(k, "map-max") && strcmp(k, "clock") &&
	    strcmp(k, "keys-dir") && strcmp(k, "server-key") && strcmp(k, "backup-dir") &&
	    strcmp(k, "metrics") && strcmp(k, "future-skew")) {
		conf_error(x, "unknown setting '%s'", k);
		return 0;
	}
	if (strcmp(k, "clock") == 0)
		return conf_clock(c, x, w, n);
	if (n != 2) {
		conf_error(x, "'%s' takes exactly one value", k);
		return 0;
	}
	if (strcmp(k, "state-dir") == 0)
		return conf_set_str(&c->state_dir, w[1]);
	if (strcmp(k, "plan") == 0)
		return conf_set_str(&c->plan, w[1]);
	if (strcmp(k, "keys-dir") == 0)
		return conf_set_str(&c->keys_dir, w[1]);
	if (strcmp(k, "server-key") == 0)
		return conf_set_str(&c->server_key, w[1]);
	if (strcmp(k, "backup-dir") == 0)
		return conf_set_str(&c->backup_dir, w[1]);
	if (strcmp(k, "metrics") == 0) {
		conf_metrics(c, x, w[1]);
		return 0;
	}
	if (strcmp(k, "future-skew") == 0) {
		if (conf_parse_span(w[1], &c->future_skew_ms) < 0)
			conf_error(x, "future-skew '%s' is not a span (30s, 15m, 1h, 2d) or 'off'",
				   w[1]);
		return 0;
	}
	if (strcmp(k, "log-level") == 0) {
		r = log_level_from_string(w[1]);
		if (r < 0)
			conf_error(x, "unknown log level '%s' (expected err, warning, notice, "
				      "info or debug)", w[1]);
		else
			c->log_level = r;
		return 0;
	}
	if (conf_parse_size(w[1], &size) < 0 || size < (1u << 20)) {
		conf_error(x, "'%s' is not a size of at least 1M (e.g. 64M, 16G)", w[1]);
		return 0;
	}
	*(strcmp(k, "map-size") == 0 ? &c->map_size : &c->map_max) = size;
	return 0;
}

static int
conf_apply_line(struct conf *c, struct conf_ctx *x, char *line)
{
	char *w[CONF_MAX_WORDS];
	int n = conf_split(x, line, w, ELEMENTSOF(w));

	if (n <= 0)
		return 0;
	return conf_apply(c, x, w, n);
}

static struct conf *
conf_new(const char *path)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->log_level = LOG_INFO;
	c->map_size = STORE_MAP_INITIAL;
	c->map_max = STORE_MAP_MAX;
	c->future_skew_ms = CONF_FUTURE_SKEW_UNSET;
	if (!(c->path = strdup(path)))
		return conf_free(c);
	return c;
}

/* Applies one command-line setting, replacing what the file said for that key. */
static int
conf_override(struct conf *c, struct conf_ctx *x, const struct conf_override *o)
{
	char line[CONF_MAX_LINE], src[80];
	struct conf_ctx ox = { .src = src };
	int r;

	snprintf(src, sizeof(src), "command line --%s", o->key);
	if (strcmp(o->key, "ingest") == 0)
		conf_endpoints_free(&c->ingest, &c->ingest_as, &c->n_ingest);
	else if (strcmp(o->key, "publish") == 0)
		conf_endpoints_free(&c->publish, &c->publish_as, &c->n_publish);
	if ((size_t)snprintf(line, sizeof(line), "%s %s", o->key, o->value) >= sizeof(line)) {
		conf_error(&ox, "value too long");
		r = 0;
	} else {
		r = conf_apply_line(c, &ox, line);
	}
	x->errors += ox.errors;
	return r;
}

bool
conf_has_tcp(const struct conf *c)
{
	for (size_t i = 0; i < c->n_ingest; i++)
		if (strncmp(c->ingest[i], "tcp://", 6) == 0)
			return true;
	for (size_t i = 0; i < c->n_publish; i++)
		if (strncmp(c->publish[i], "tcp://", 6) == 0)
			return true;
	return false;
}

static bool
conf_has_as(char *const *as, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (as[i])
			return true;
	return false;
}

/* Checks what can only be checked once everything is read. */
static void
conf_validate(const struct conf *c, struct conf_ctx *x)
{
	x->line = 0;
	if (c->n_ingest == 0)
		conf_error(x, "no 'ingest' endpoint");
	if (c->n_publish == 0)
		conf_error(x, "no 'publish' endpoint");
	if (!c->state_dir)
		conf_error(x, "no 'state-dir'");
	if (c->map_size > c->map_max)
		conf_error(x, "map-size is larger than map-max");
	if (!c->keys_dir && (conf_has_as(c->ingest_as, c->n_ingest) ||
			     conf_has_as(c->publish_as, c->n_publish)))
		conf_error(x, "'ipc://... as NAME' names a key of keys-dir: set 'keys-dir'");
	if (conf_has_tcp(c) && (!c->keys_dir || !c->server_key))
		conf_error(x, "tcp:// endpoints use CurveZMQ: set 'server-key' (lanud's secret key "
			      "file: lanuctl keys server) and 'keys-dir' (the peers' key files), "
			      "see docs/security.md");
}

int
conf_load(const char *path, const struct conf_override *o, size_t n, struct conf **ret_conf)
{
	struct conf_ctx x = { .src = path };
	struct conf *c;
	char line[CONF_MAX_LINE];
	FILE *f;
	int r = 0;

	f = fopen(path, "re");
	if (!f)
		return log_errno(LOG_ERR, -errno, "conf: cannot open '%s'", path);
	c = conf_new(path);
	if (!c) {
		fclose(f);
		return -ENOMEM;
	}
	while (r == 0 && fgets(line, sizeof(line), f)) {
		x.line++;
		if (!strchr(line, '\n') && !feof(f)) {
			int ch;

			conf_error(&x, "line longer than %d bytes", CONF_MAX_LINE - 2);
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		r = conf_apply_line(c, &x, line);
	}
	if (r == 0 && ferror(f))
		r = log_errno(LOG_ERR, -EIO, "conf: reading '%s' failed", path);
	fclose(f);
	for (size_t i = 0; i < n && r == 0; i++)
		r = conf_override(c, &x, &o[i]);
	if (r == 0)
		conf_validate(c, &x);
	if (c->future_skew_ms == CONF_FUTURE_SKEW_UNSET)
		c->future_skew_ms = c->manual_clock ? UINT64_MAX : CONF_FUTURE_SKEW_MS;
	if (r == 0 && x.errors > 0)
		r = -EINVAL;
	if (r < 0) {
		conf_free(c);
		return r;
	}
	*ret_conf = c;
	return 0;
}




struct conf *
conf_free(struct conf *c)
{
	if (!c)
		return NULL;
	conf_endpoints_free(&c->ingest, &c->ingest_as, &c->n_ingest);
	conf_endpoints_free(&c->publish, &c->publish_as, &c->n_publish);
	free(c->state_dir);
	free(c->plan);
	free(c->keys_dir);
	free(c->server_key);
	free(c->backup_dir);
	free(c->path);
	free(c);
	return NULL;
}

/* The length of dir without "/" + sub at its end, or -1 if it does not end so. */
static ssize_t
conf_strip_dir(const char *dir, const char *sub)
{
	size_t n = strlen(dir), m = strlen(sub);

	if (m == 0 || sub[0] == '/' || m + 1 > n || dir[n - m - 1] != '/' ||
	    strcmp(dir + n - m, sub) != 0)
		return -1;
	return (ssize_t)(n - m - 1);
}

void
conf_default_path(char *ret_path, size_t size)
{
	const char *etc = LANU_INSTALL_SYSCONFDIR;
	char prefix[PATH_MAX], *slash;
	ssize_t n, len = -1;
	int r;

	if (etc[0] == '/') {	/* configured absolute, as a package does */
		r = snprintf(ret_path, size, "%s/lanu/lanud.conf", etc);
		goto done;
	}
	n = readlink("/proc/self/exe", prefix, sizeof(prefix) - 1);
	if (n > 0) {
		prefix[n] = '\0';
		slash = strrchr(prefix, '/');
		if (slash) {
			*slash = '\0';	/* the program's directory */
			len = conf_strip_dir(prefix, LANU_INSTALL_BINDIR);
			if (len < 0)
				len = conf_strip_dir(prefix, LANU_INSTALL_SBINDIR);
		}
	}
	if (len < 0) {
		r = snprintf(ret_path, size, "%s", LANU_DEFAULT_CONF);
		goto done;
	}
	prefix[len] = '\0';
	if (len == 0 || strcmp(prefix, "/usr") == 0)
		r = snprintf(ret_path, size, "/%s/lanu/lanud.conf", etc);
	else if (strncmp(prefix, "/opt/", 5) == 0)
		r = snprintf(ret_path, size, "/%s%s/lanu/lanud.conf", etc, prefix);
	else
		r = snprintf(ret_path, size, "%s/%s/lanu/lanud.conf", prefix, etc);
done:
	if (r < 0 || (size_t)r >= size)
		snprintf(ret_path, size, "%s", LANU_DEFAULT_CONF);
}
