/* Integration tests: real lanud processes on ipc:// in a temp dir, waited for by events. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"

struct daemon {
	char *dir;		/* temp dir: conf, state, sockets */
	char conf[512];
	char plan[512];		/* the plan file the configuration names */
	char ingest[512];
	char publish[512];
	char notify[512];
	int notify_fd;		/* our NOTIFY_SOCKET: lanud's READY=1 arrives here */
	pid_t pid;
};

/* Creates the temp dir and writes a configuration (ipc endpoints, extra lines
 * appended) and its plan (daemon_write_plan() with no extra routes). Returns 0 or
 * -errno. */
int daemon_init(struct daemon *d, const char *extra_conf);

/* Writes the test plan: area "area-1" with "area-2" below it; recipients "board",
 * "sup-a", "sup-b"; services "svc-a", "svc-b", "svc-c"; routes DEADLINE_MISSED for
 * svc-a to sup-a, for svc-b to sup-b, everything to board; extra_routes (YAML list
 * items) appended. Returns 0 or -errno. */
int daemon_write_plan(struct daemon *d, const char *extra_routes);

/* Starts lanud (with extra argv, NULL-terminated) and waits for READY=1 (10 s at
 * most). Returns 0, -ETIMEDOUT, or -ECHILD if lanud exited. */
int daemon_start(struct daemon *d, const char *const *args);

/* Sends sig and waits for the exit (10 s at most). Returns the exit status (0-255),
 * 128+signal if killed, or -ETIMEDOUT. */
int daemon_stop(struct daemon *d, int sig);

/* Stops lanud if it runs and removes the temp dir. */
void daemon_cleanup(struct daemon *d);

/* A connected client; fails the test on error. */
struct client *daemon_client(struct daemon *d);

/* Sends a DeadlineMissed event for service/area/case and returns the reply code. */
int daemon_deadline_missed(struct client *c, const char *producer, const char *event_id,
			   const char *service, const char *case_id);

/* Fills ev as a DeadlineMissed envelope using the given buffers. */
void daemon_fill_missed(Lanu__V1__Envelope *ev, Lanu__V1__DeadlineMissed *dm,
			const char *producer, const char *event_id, const char *service,
			const char *case_id);

/* Status of the running lanud (fails the test if none). */
Lanu__V1__Status *daemon_status(struct client *c, Lanu__V1__Reply **ret_reply);

/* Every alert for rcpt after `after`, in order, into seqs (at most max). Returns count. */
size_t daemon_replay(struct client *c, const char *rcpt, uint64_t after, uint64_t *seqs,
		     size_t max);
