/*
 * metrics: lanud's counters and the Prometheus text exposition of them, with the
 * store's gauges, over HTTP on the loop (libevent's evhttp), at the `metrics` address
 * of lanud.conf: GET /metrics and GET /healthz (docs/operations.md, "Monitoring").
 * Every function is of the loop thread; each accepts a NULL m.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"

#define METRICS_KINDS 16	/* AlertKind values counted; a larger one counts as 0 */
#define METRICS_SEVERITIES 4

struct lanud;
struct metrics;

/* The counters, and the HTTP endpoint if d->conf says one. Returns 0, or -errno
 * (logged: the address cannot be bound). Free with metrics_free(). */
int metrics_new(struct lanud *d, struct metrics **ret_metrics);
struct metrics *metrics_free(struct metrics *m);

/* An event answered code (ev NULL: a request that did not decode). */
void metrics_event(struct metrics *m, const Lanu__V1__Envelope *ev, Lanu__V1__Reply__Code code);

/* A batch of n requests was committed (ok) in commit_usec, or failed. */
void metrics_batch(struct metrics *m, size_t n, uint64_t commit_usec, bool ok);

/* Whether a batch is with the writer thread now (/healthz: one out too long). */
void metrics_batch_out(struct metrics *m, bool out);

/* Alerts raised, by kind and severity, as alert_publish() hands them out. */
void metrics_alerts(struct metrics *m, const uint32_t raised[METRICS_KINDS][METRICS_SEVERITIES]);

/* A subscription taken (on) or dropped. */
void metrics_subscription(struct metrics *m, bool on);
