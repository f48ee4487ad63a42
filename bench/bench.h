/* What lanubench and clockbench share: a temp dir, a lanud started in it, timing. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"

extern char bench_dir[256];	/* the temp dir, removed at exit */
extern pid_t bench_lanud_pid;

double now_s(void);
_Noreturn void die(const char *what);

/* Sorts lat (seconds) and returns its p-th percentile (0..100, nearest rank) in ms. */
double percentile_ms(double *lat, size_t n, double p);

/* Makes the temp dir (removed at exit) and finds lanud: path, or the one built next
 * to argv0's binary (<build>/bench/X -> <build>/daemon/lanud). Returns the path. */
const char *bench_setup(const char *name, const char *path);

/* Writes lanud.conf (ipc endpoints in the temp dir, state, extra_conf lines) and
 * plan.yaml (plan_yaml), starts lanud and waits until it answers (10 s at most).
 * Returns the seconds it took. */
double bench_start_lanud(const char *lanud, const char *plan_yaml, const char *extra_conf);

/* Stops lanud with SIGTERM and waits for it. */
void bench_stop_lanud(void);

/* The endpoint of the ingest / publish socket in the temp dir. */
const char *bench_ingest(void);
const char *bench_publish(void);

/* lanud's status (dies if it does not answer). Free with lanu__v1__reply__free_unpacked. */
Lanu__V1__Reply *bench_status(struct client *c);

/* Moves lanud's manual clock to ms (dies if it is refused); returns the round trip in
 * seconds. */
double bench_clock_set(struct client *c, uint64_t ms);

/* The sequence number of the last alert lanud logged. */
uint64_t bench_last_alert_seq(struct client *c);

/* lanud's resident memory in KiB, from /proc. */
long bench_rss_kib(void);
/* The part of it that is lanud's own memory, not pages of the store's map. */
long bench_rss_anon_kib(void);

/* What lanud has used so far: its CPU time (user and system, all threads) and the bytes
 * it caused to be written to storage, from /proc. */
struct bench_usage {
	double cpu_s;
	unsigned long long write_bytes;
};

/* Fills *u; -1 if /proc does not tell (then *u is zero). */
int bench_lanud_usage(struct bench_usage *u);
/* The same, or die. */
void bench_usage_now(struct bench_usage *u);

/* What lanud's status says so far: alerts raised, map used, commits and the events they
 * carried (a phase's figures are the differences). */
struct bench_mark {
	uint64_t alerts, used, commits, committed;
};
void bench_so_far(struct client *c, struct bench_mark *m);

/* Fills request i's event (req's body and corr_id are set by the caller); bufs is the
 * caller's scratch for the event's parts, reused for each request. */
typedef void (*bench_fill_fn)(size_t i, Lanu__V1__Request *req, Lanu__V1__Envelope *ev,
			      void *bufs, void *arg);

/* Sends n events with window in flight; dies on anything but OK. Returns seconds. */
double bench_send_all(struct client *c, size_t n, size_t window, bench_fill_fn fill, void *bufs,
		      void *arg);
