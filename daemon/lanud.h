/*
 * The daemon's one context (rule 4): created in main(), passed to every module.
 *
 * Threads. lanud has two: the loop (libevent, every socket, every callback) and the
 * writer (writer.c), which applies and commits one batch of events at a time. Who
 * owns what:
 *
 *   field                          written by         read by
 *   base, conf, sig, watchdog,     loop               loop
 *     log_timer, router, pub,
 *     zctx, stopping
 *   clock                          loop (a batch's    loop; a batch gets now in
 *                                  ClockSet, after    its snapshot
 *                                  its commit)
 *   n_* counters                   loop (after a      loop (status)
 *                                  batch's commit)
 *   plan, index, calendars,        loop (planload.c), loop; the writer through the
 *     plan_version, plan_sha       only while the     snapshot of its batch, whose
 *                                  writer is idle     pointers stay valid while it
 *                                                     is out
 *   store                          set at start       both: the writer holds the one
 *                                                     write transaction, the loop
 *                                                     opens short read transactions
 *                                                     (and writes only while the
 *                                                     writer is idle: plan loads)
 *   writer                         loop               loop (writer.c's own state is
 *                                                     guarded by its mutex)
 *   audit                          loop               loop; a batch carries the
 *                                                     records it took (audit.c)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "timesrc.h"

struct audit;
struct auth;
struct conf;
struct conf_override;
struct event;
struct event_base;
struct writer;
struct Lanu__V1__Plan;
struct calendar_set;
struct plan_index;
struct store;
struct zsock;

#define LANUD_MAX_IPC	16	/* ipc:// endpoints, ingest and publish together */

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
	struct zsock *zap;	/* the ZAP handler's, with tcp:// endpoints (auth.c) */
	struct auth *auth;	/* keys-dir's peers, or NULL */
	char curve_secret[48];	/* lanud's own secret key (Z85), "" without tcp:// */
	int ipc_locks[LANUD_MAX_IPC];	/* held while the ipc:// endpoints are ours */
	size_t n_ipc_locks;
	struct writer *writer;	/* applies and commits batches of events */
	struct audit *audit;	/* the audit records made on the loop, queued; or NULL */
	struct backup *backup;	/* `lanuctl backup`: the copy being written (backup.c) */
	struct metrics *metrics;	/* counters, and /metrics if configured (metrics.c) */
	struct event *sig[3];	/* SIGTERM, SIGINT, SIGHUP */
	struct event *watchdog;
	struct event *log_timer;	/* writes what the log's rate limit dropped */
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

/* What a batch's handlers read, fixed when the loop hands the batch to the writer:
 * the plan in force and what was compiled from it, and the batch's one "now". A
 * handler never reads the clock or struct lanud itself. Queries, on the loop, take
 * one too. */
struct snapshot {
	const struct Lanu__V1__Plan *plan;	/* in force, or NULL */
	const struct plan_index *index;		/* NULL with no plan */
	const struct calendar_set *calendars;
	uint64_t plan_version;
	uint64_t now_ms;
	uint64_t future_skew_ms;	/* how far an event's instants may be ahead of now_ms */
};

/* The snapshot of d at now_ms (UTC milliseconds). Loop thread. */
static inline struct snapshot
lanud_snapshot(const struct lanud *d, uint64_t now_ms)
{
	return (struct snapshot){ d->plan, d->index, d->calendars, d->plan_version, now_ms,
				  d->conf ? d->conf->future_skew_ms : UINT64_MAX };
}
