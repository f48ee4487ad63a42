/*
 * lanu-notify's channels and their configuration (docs/notify.md): what notify.c
 * delivers with, and notify_conf.c reads from the configuration and the state file.
 */
#ifndef LANU_NOTIFY_CONF_H
#define LANU_NOTIFY_CONF_H

#include <curl/curl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "endpoint.h"
#include "lanu/limits.h"
#include "notify_mail.h"
#include "plan_index.h"

#define NOTIFY_MAX_CHANNELS	64
#define NOTIFY_MAX_SECRET	1024
#define NOTIFY_TIMEOUT_S	10		/* one delivery, connecting included */
#define NOTIFY_BACKOFF_MS	1000		/* the first retry; doubling ... */
#define NOTIFY_BACKOFF_MAX_MS	(5 * 60 * 1000)	/* ... up to this */
#define NOTIFY_QUIET_MS		2000		/* a quiet stream: replay anyway */
#define NOTIFY_CALL_MS		5000		/* a replay's answer */
#define NOTIFY_STATE_MAGIC	"# lanu-notify state 1"
#define NOTIFY_FAILED_AFTER_MS	(15 * 60 * 1000)	/* failed-after's default */
#define NOTIFY_DIGEST_MAX	500	/* alerts a digest holds: at this many it goes now */
#define NOTIFY_DIGEST_TIMES	24	/* `at` times of a digest */
#define NOTIFY_PLAN_MS		60000	/* the plan's names are asked again after this */

#define NOTIFY_EXIT_FAILED	1	/* configuration, state file, usage */
#define NOTIFY_EXIT_UNREACHED	2	/* --once: lanud did not answer */

struct recipient {
	char *id;
	struct sub *sub;
};

enum channel_kind {
	CHANNEL_WEBHOOK,
	CHANNEL_EMAIL,
};

struct channel {
	enum channel_kind kind;
	size_t rcpt;			/* index into notify.rcpts */
	char *url;			/* a webhook's URL, "mailto:ADDRESS" */
	unsigned char *secret;		/* NULL: no signature */
	size_t secret_len;
	uint64_t last;			/* the newest seq handled */
	uint64_t delivered;		/* the cursor: the last seq a 2xx acknowledged */
	uint64_t backoff_ms;		/* 0: not failing */
	uint64_t retry_at_ms;		/* monotonic */
	char name[16];			/* its name to lanud: "webhook", "webhook-2", ... */
	uint64_t failing_since_ms;	/* wall clock: the first failure of this run; 0: none */
	bool reported;			/* its DeliveryFailed went to lanud */
	char why[64];			/* the last failure, short ("HTTP 503") */
	bool refused;			/* lanud refused its replay: said once */
	/* e-mail: */
	char lang[3];			/* "fi", "sv", "en" */
	Lanu__V1__Severity digest_max;	/* alerts this severe or less wait for a digest;
					   0: none does */
	uint16_t digest_at[NOTIFY_DIGEST_TIMES];	/* its local times, minutes, sorted */
	size_t n_digest_at;
	uint64_t sent;			/* the last seq sent on its own: the alerts after
					   `delivered` sent alone, after a restart */
	Lanu__V1__Alert **held;		/* waiting for the digest, in seq order */
	size_t n_held;
	/* its delivery in flight: one at a time, beside the other channels' */
	CURL *curl;			/* its own handle, in notify.multi while busy */
	bool busy;
	bool resume;			/* a delivery went: go on from the log */
	uint64_t x_seq;			/* the alert's seq; a digest's last */
	size_t x_digest;		/* a digest: how many of held it carries; 0: one alert */
	Lanu__V1__Alert **x_group;	/* and which (held's, in seq order) */
	char *x_body;			/* a webhook's body and headers */
	struct curl_slist *x_headers;
	struct mail_job *x_mail;	/* an e-mail's */
};

struct notify {
	const char *path;
	char lanud_conf[PATH_MAX];
	struct endpoint_client ep;
	char state[PATH_MAX];
	struct recipient rcpts[LANU_MAX_RECIPIENTS];
	size_t n_rcpts;
	struct channel ch[NOTIFY_MAX_CHANNELS];
	size_t n_ch;
	bool dry_run, once;
	uint64_t failed_after_ms;	/* a channel failing this long: DeliveryFailed */
	char producer[LANU_MAX_ID + 1];	/* the producer of those events */
	struct client *c;
	CURLM *multi;			/* the deliveries in flight */
	size_t n_busy;
	struct mail_relay relay;	/* relay.url "": no e-mail */
	char smtp_tls[16], smtp_credentials[PATH_MAX];
	Lanu__V1__Reply *plan_rep;	/* the plan in force, for its names */
	struct plan_index *plan;
	uint64_t plan_at_ms;		/* monotonic: when it was asked */
	bool tz_said;			/* its time zone is not installed: said */
	uint64_t lanud_now_ms;		/* lanud's clock as its Status said it ... */
	uint64_t lanud_now_at_ms;	/* ... then (monotonic); asked again after
					   NOTIFY_QUIET_MS */
	uint64_t replayed_at_ms;	/* monotonic: the last replay of every channel */
};

/* Parses n->path into n; every problem is said as "lanu-notify: FILE:LINE: what".
 * Returns 0, -EINVAL, or -errno if the file cannot be read. */
int notify_conf_load(struct notify *n);

/* Reads the cursors from n->state into n's channels (a missing file: none yet). Returns
 * 0, -EBADMSG (said), -errno. */
int notify_state_load(struct notify *n);

/* Writes every channel's cursor to n->state, replaced whole, 0600. Returns 0 or -errno. */
int notify_state_write(struct notify *n);

/* Frees what notify_conf_load() made: the channels' URLs and secrets, the recipients'
 * ids, the relay's credentials. */
void notify_conf_free(struct notify *n);

#endif
