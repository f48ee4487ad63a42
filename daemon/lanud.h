/* The daemon's one context (rule 4): created in main(), passed to every module. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timesrc.h"

struct conf;
struct conf_override;
struct event;
struct event_base;
struct ingest;
struct calendar_set;
struct plan_index;
struct store;
struct zsock;

struct lanud {
	struct event_base *base;
	const char *conf_path;
	const struct conf_override *overrides;	/* re-applied on every reload */
	size_t n_overrides;
	struct conf *conf;
	struct store *store;
	struct timesrc clock;
	void *zctx;
	struct zsock *router;	/* requests in, replies out */
	struct zsock *pub;	/* live alerts */
	struct ingest *ingest;
	struct event *sig[3];	/* SIGTERM, SIGINT, SIGHUP */
	struct event *watchdog;
	uint64_t n_duplicates;
	uint64_t n_rejected;
	uint64_t n_commits;		/* write transactions since start */
	uint64_t n_committed;		/* requests they carried */
	uint64_t n_unrouted;		/* alerts no route matched */
	struct Lanu__V1__Plan *plan;	/* in force, or NULL (planload.c) */
	struct plan_index *index;	/* for plan: its objects by id */
	struct calendar_set *calendars;	/* for plan: its working-day calendars */
	uint64_t plan_version;
	char plan_sha[65];
	bool stopping;
};
