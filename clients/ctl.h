/* lanuctl's shared parts: options, calls to lanud, output helpers. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"
#include "lanu.pb-c.h"
#include "lanu/limits.h"
#include "plan_index.h"

#define EXIT_REFUSED	1
#define EXIT_UNREACHED	2

struct ctl {
	const char *conf_path;
	char ingest[512];
	char publish[512];
	int timeout_ms;		/* how long to wait for lanud in all */
	bool timeout_given;	/* -t was: a long command keeps to it too */
	bool json;
	bool ids;		/* --ids: ids as lanud says them, not the plan's names */
	const char *lang;	/* fi, sv or en: --lang, else the locale's */
	const char *key_file;	/* --key: this peer's NAME.secret, for tcp:// */
	const char *server_key;	/* --server-key: lanud's public key, or a file with it */
	struct client_keys keys;	/* loaded from them by ctl_keys() */
	bool keys_loaded;
	struct plan_index *names;	/* the plan in force, for its names (lanuctl_names.c) */
	Lanu__V1__Reply *names_rep;	/* holding it */
	bool names_tried;
};

/* The CurveZMQ keys for endpoint: NULL (*ret) when it is not tcp://; else loaded from
 * --key and --server-key. Returns 0 or an exit status (said on stderr). */
int ctl_keys(struct ctl *x, const char *endpoint, const struct client_keys **ret);

/* One request, one reply, within the timeout. ctl_request() returns 0 with any
 * reply; ctl_call() also reports a reply other than OK on stderr and frees it.
 * Both return 0 or an exit status. */
int ctl_request(struct ctl *x, Lanu__V1__Request *req, Lanu__V1__Reply **ret_reply);
int ctl_call(struct ctl *x, Lanu__V1__Request *req, Lanu__V1__Reply **ret_reply);
/* ctl_call() for a query whose OK reply carries the result `want`
 * (LANU__V1__REPLY__RESULT_*): one without it is reported and freed, EXIT_REFUSED. */
int ctl_query(struct ctl *x, Lanu__V1__Request *req, Lanu__V1__Reply__ResultCase want,
	      Lanu__V1__Reply **ret_reply);
/* 0, or EXIT_REFUSED (said on stderr) when both --json and --csv were asked for. */
int ctl_one_format(const struct ctl *x, bool csv);

/* One line of the proto3 JSON mapping of m on stdout, exactly the message. */
void print_json(const ProtobufCMessage *m);

/* An enum value's name with strip characters of prefix removed. */
const char *enum_name(const ProtobufCEnumDescriptor *d, int v, size_t strip);

int cmd_plan(struct ctl *x, int argc, char **argv);
int cmd_keys(struct ctl *x, int argc, char **argv);
/* The reply holding plan version v (0 = in force); rep->plan_version is it. Returns 0
 * or an exit status, as ctl_call(). */
int plan_fetch(struct ctl *x, uint64_t v, Lanu__V1__Reply **ret_reply);
/* A plan text in x's language, else en, else fi; "" for none. */
const char *plan_text(const struct ctl *x, const Lanu__V1__Text *t);

/* lanuctl_names.c: words for people. */
/* x->lang from the locale (LC_ALL, LC_MESSAGES, LANG: fi..., sv..., else en) unless
 * --lang set it. */
void ctl_lang_default(struct ctl *x);
/* en, fi or sv, as x's language is. */
const char *ctl_word(const struct ctl *x, const char *en, const char *fi, const char *sv);
/* The plan's name of object id of kind k in x's language (see plan_text()), or id with
 * --ids, --json, no plan or no such object. The plan in force is fetched once, at the
 * first call; free it with ctl_names_free(). The name lives as long as that. */
const char *ctl_name(struct ctl *x, enum plan_kind k, const char *id);
const char *ctl_stage_name(struct ctl *x, const char *service, const char *stage);
/* The title of the plan in force, or "". */
const char *ctl_plan_title(struct ctl *x);
void ctl_names_free(struct ctl *x);
/* A day "YYYY-MM-DD" as people write it: "7.1.2049" under fi, else as it is (buf or
 * iso). */
const char *ctl_day(const struct ctl *x, const char *iso, char *buf, size_t len);
/* A period of days: "all time", "2025" for a whole year, else from – to ("1.–30.6.2025"
 * under fi). In buf, or a constant. */
const char *ctl_period(const struct ctl *x, const char *from, const char *to, char *buf,
		       size_t len);
/* An urgency in x's language. */
const char *ctl_urgency(const struct ctl *x, int urgency);

/* lanuctl_table.c: layouts and options. */
#define TABLE_COLS	32
#define CELL_MAX	(LANU_MAX_NAME + 32)	/* a made cell: "postponed: REASON", a number */
#define BY_MAX		8

/* Columns as wide as their widest cell, two blanks apart, numbers to the right; a row
 * ends at its last non-empty cell, so no line has trailing blanks. */
struct table {
	const char *const *head;
	const bool *right;	/* NULL: every column to the left */
	size_t n;
	int width[TABLE_COLS];
};

void table_fit(struct table *t, const char *const *cell);
/* s and blanks up to width characters (not bytes), in buf. */
const char *text_pad(const char *s, int width, char *buf, size_t len);
void table_line(const struct table *t, const char *const *cell);
/* One RFC 4180 field: quoted when it holds a comma, a quote or a line break; then a
 * comma, or CRLF after the last. */
void csv_field(const char *s, bool last);
/* The same on f. */
void csv_fput(FILE *f, const char *s, bool last);
/* getopt_long() over long options only; an empty value is a missing one. Returns the
 * option's character, -1 at the end, or '?' after reporting a bad option. */
struct option;
int next_option(int argc, char **argv, const struct option *opts);
/* "area,language" (and more --by) into by[] (BY_MAX), split in place, none empty:
 * 0 or -EINVAL after saying why. */
int parse_by(char *s, char **by, size_t *n);

/* lanuctl_clock.c: the access-time clocks. */
int cmd_due(struct ctl *x, int argc, char **argv);
int cmd_case(struct ctl *x, int argc, char **argv);
int cmd_compliance(struct ctl *x, int argc, char **argv);

/* lanuctl_absence.c: school absences. */
int cmd_absences(struct ctl *x, int argc, char **argv);

/* lanuctl_indicator.c */
int cmd_indicators(struct ctl *x, int argc, char **argv);

/* lanuctl_measure.c */
int cmd_measures(struct ctl *x, int argc, char **argv);

/* lanuctl_report.c: the yearly welfare report. */
int cmd_report(struct ctl *x, int argc, char **argv);

/* lanuctl_audit.c: the audit log. */
int cmd_audit(struct ctl *x, int argc, char **argv);
