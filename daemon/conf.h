/* lanud's configuration file: endpoints, state, logging, and the interim alert routing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf_recipient {
	char *id;
	char *name;
};

/* Alerts of `kind` (0 = any) for `service` and `area` ("*" = any) go to recipients. */
struct conf_route {
	int kind;
	char *service;
	char *area;
	char **recipients;
	size_t n_recipients;
	unsigned line;
};

struct conf {
	char *path;
	char **ingest;
	size_t n_ingest;
	char **publish;
	size_t n_publish;
	char *state_dir;
	char *plan;
	int log_level;
	uint64_t map_size;
	uint64_t map_max;
	bool manual_clock;
	struct conf_recipient *recipients;
	size_t n_recipients;
	struct conf_route *routes;
	size_t n_routes;
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

/* Recipients routed alerts of kind for service and area: fills ret (up to max, no
 * duplicates) and returns the count. */
size_t conf_route(const struct conf *c, int kind, const char *service, const char *area,
		  const char **ret, size_t max);

bool conf_has_recipient(const struct conf *c, const char *id);

/* "DEADLINE_MISSED" or "deadline-missed" -> ALERT_KIND_DEADLINE_MISSED; "*" -> 0. -EINVAL. */
int conf_alert_kind(const char *s);
