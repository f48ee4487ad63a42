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

/* The manual clock of the tests: it starts at a fixed instant before every date a test
 * moves it to, so that the tests run the same on any day (a clock that started at the
 * wall clock would one day pass the dates they set). */
#define DAEMON_MANUAL_CLOCK "clock manual 2026-11-01T00:00:00Z"

/* Creates the temp dir and writes a configuration (ipc endpoints, extra lines
 * appended) and its plan (daemon_write_plan() with no extra routes). Returns 0 or
 * -errno. */
int daemon_init(struct daemon *d, const char *extra_conf);

/* Writes the test plan: area "area-1" with "area-2" below it; recipients "board",
 * "sup-a", "sup-b"; services "svc-a", "svc-b", "svc-c"; goal "goal-1" with measure
 * "measure-1" (its schedule long over, so it raises nothing); routes DEADLINE_MISSED for
 * svc-a to sup-a, for svc-b to sup-b, everything to board; extra_routes (YAML list
 * items) appended. Returns 0 or -errno. */
int daemon_write_plan(struct daemon *d, const char *extra_routes);

/* Starts lanud (with extra argv, NULL-terminated) and waits for READY=1 (10 s at
 * most). Returns 0, -ETIMEDOUT, or -ECHILD if lanud exited. */
int daemon_start(struct daemon *d, const char *const *args);

/* Sends sig and waits for the exit (10 s at most). Returns the exit status (0-255),
 * 128+signal if killed, or -ETIMEDOUT. */
int daemon_stop(struct daemon *d, int sig);

/* Sends SIGHUP and waits for lanud's RELOADING=1 and then READY=1 (10 s at most each):
 * the configuration and a changed plan file are in force. Returns 0, -ETIMEDOUT or
 * -ECHILD. */
int daemon_reload(struct daemon *d);

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

/* Writes yaml, as it is, as the plan file the configuration names (before
 * daemon_start(), or before a SIGHUP). Returns 0 or -errno. */
int daemon_write_plan_text(struct daemon *d, const char *yaml);

/* Copies the file at path as the plan file. Returns 0 or -errno. */
int daemon_copy_plan(struct daemon *d, const char *path);

/* "2027-12-21T10:00:00+02:00", "...T10:00+02:00", "...T10:00:00.999Z": UTC
 * milliseconds. The offset is the caller's to give, so a test states local
 * Helsinki time without asking the C library. Fails the test if s is malformed. */
uint64_t iso_ms(const char *s);

/* A free TCP port on 127.0.0.1 (bound, read, let go), for a tcp:// endpoint. Fails the
 * test if there is none. */
int daemon_free_port(void);

/* Milliseconds from the monotonic clock, for bounding a test's waits. */
uint64_t mono_ms(void);

/* Sends ev and returns the reply code; the reply into *ret_reply if it is not
 * NULL (free it with lanu__v1__reply__free_unpacked()). */
int daemon_send_event(struct client *c, Lanu__V1__Envelope *ev, Lanu__V1__Reply **ret_reply);

/* What lanud answered an event: its code, and the field and reason it named. */
struct daemon_answer {
	int code;
	char field[128];
	char reason[256];
};

/* Sends ev and returns lanud's answer (fails the test if none comes). */
struct daemon_answer daemon_send(struct client *c, Lanu__V1__Envelope *ev);

/* Sets the manual clock and returns the reply code. */
int daemon_clock_set(struct client *c, uint64_t ms);

/* Every alert for rcpt after `after`, in order, as copies into *ret (at most max;
 * free with daemon_alerts_free()). Returns the count. */
size_t daemon_replay_alerts(struct client *c, const char *rcpt, uint64_t after,
			    Lanu__V1__Alert ***ret, size_t max);
void daemon_alerts_free(Lanu__V1__Alert **v, size_t n);

/* "DEADLINE_MISSED", "RESOLVED", ... for messages. */
const char *daemon_kind_name(int kind);

/* A test's lanud and a client connected to it, as cmocka's state. */
struct daemon_fixture {
	struct daemon d;	/* first: a test may take *state as its struct daemon */
	struct client *c;
};

/* A setup: starts lanud with extra_conf (daemon_init()) and yaml as its plan, connects
 * a client, and makes *state the fixture. Returns 0, or -1 with nothing left behind. */
int daemon_fixture_up(void **state, const char *extra_conf, const char *yaml);

/* The teardown of daemon_fixture_up(): the client, lanud and its temp dir. Returns 0. */
int daemon_fixture_down(void **state);
