/* lanud's configuration file: endpoints, state, plan file, logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf {
	char *path;
	char **ingest;
	char **ingest_as;	/* per ingest endpoint: the key an ipc:// one's peers are
				 * ("ipc://PATH as NAME"), or NULL: trusted */
	size_t n_ingest;
	char **publish;
	char **publish_as;
	size_t n_publish;
	char *state_dir;
	char *plan;
	char *keys_dir;		/* the peers' key files (keys.h), or NULL */
	char *server_key;	/* lanud's own secret key file, or NULL */
	char *backup_dir;	/* where `lanuctl backup` copies go, or NULL (refused) */
	char metrics_host[64];	/* the metrics endpoint's address ("": none) */
	uint16_t metrics_port;	/* 0: any free port (lanud logs which) */
	uint64_t future_skew_ms;	/* how far ahead of lanud's clock an event's instants
					 * may be (UINT64_MAX: any; default 1h, off with a
					 * manual clock) */
	int log_level;
	uint64_t map_size;
	uint64_t map_max;
	bool manual_clock;
	uint64_t clock_start_ms;	/* where a new manual clock starts (0: the wall clock) */
};

/* A command-line setting ("state-dir", "var"), replacing what the file says. */
struct conf_override {
	const char *key;
	const char *value;
};

/* Parses path, applies the overrides and checks the whole. Every problem is logged
 * as "path:line: what is wrong", not just the first. Returns 0, -EINVAL if anything
 * was wrong, -ENOENT/-EACCES if the file cannot be read. Caller owns *ret_conf;
 * free with conf_free(). */
int conf_load(const char *path, const struct conf_override *o, size_t n,
	      struct conf **ret_conf);

struct conf *conf_free(struct conf *c);

/* The lanud.conf a program reads without -c or $LANU_CONF: the one installed with it.
 * cmake/lanu-install.cmake writes it for the prefix installed to (/usr: /etc/lanu, /opt/X:
 * /etc/opt/X/lanu, any other P: P/etc/lanu); this finds P from where the running program
 * is (P/bin, P/sbin) and applies the same rule. A program elsewhere (the build tree) gets
 * LANU_DEFAULT_CONF. Always writes a path to ret_path; size at least PATH_MAX. */
void conf_default_path(char *ret_path, size_t size);

/* Whether any endpoint is tcp:// (those use CurveZMQ). */
bool conf_has_tcp(const struct conf *c);

/* Splits line in place into at most max words: separated by blanks, a word may be
 * double-quoted ("a b", with \" and \\ escapes), '#' outside quotes starts a comment.
 * The same syntax as lanud.conf, for other line files (lanu-absence-import's mapping).
 * Returns the count, -E2BIG (more than max) or -EINVAL (a quote not closed, no blank after
 * one), with *ret_err saying why (a static string). */
int conf_split_words(char *line, char **words, size_t max, const char **ret_err);

/* A span as the configuration files write it: "off" (UINT64_MAX), or a whole number of
 * s, m, h or d (at most 3650 days), into milliseconds. Returns 0 or -EINVAL. For
 * lanud.conf's future-skew and lanu-notify's failed-after. */
int conf_parse_span(const char *v, uint64_t *ret_ms);

