/*
 * lanu-notify: delivers lanud's alerts to e-mail and webhooks, each alert once per
 * recipient and channel, in seq order, none missed (docs/notify.md).
 *
 * Every channel (a recipient's webhook or e-mail address) follows the alert log alone,
 * as docs/protocol.md "Alerts (PUB)" says: one SUB per recipient (so a live alert's
 * prev_seq is that recipient's), subscribed before the first replay; a live alert at or
 * before the channel's last seq is dropped, one whose prev_seq is newer than it makes
 * the channel replay, and so does a quiet stream. A channel's cursor (the last seq a 2xx
 * or the relay's 250 acknowledged) is in the state file, written atomically after each
 * delivery; a failed delivery holds the channel at that alert and retries it with a
 * doubling backoff, so no later alert goes out before it. An e-mail channel with a
 * digest keeps the alerts it holds for it in memory: they are after its cursor, so a
 * restart gathers them again from the log. One thread: each channel has one delivery
 * in flight at a time, all of them in one curl multi handle polled with the ZeroMQ
 * sockets, so a slow channel holds up only itself. The notify owns every string it
 * holds.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "calendar.h"
#include "lanu/macro.h"
#include "notify_conf.h"
#include "pbjson.h"

/* --- delivery ---------------------------------------------------------------- */

static size_t
notify_discard_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

/* The alert as one compact protobuf JSON object. Caller frees *ret. Returns 0, -ENOMEM,
 * -EIO. */
static int
notify_body(const Lanu__V1__Alert *a, char **ret, size_t *ret_len)
{
	json_t *j = pbjson_from_message(&a->base, 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!j)
		return -ENOMEM;
	f = open_memstream(&buf, &len);
	if (!f) {
		json_decref(j);
		return -ENOMEM;
	}
	r = pbjson_dumpf(j, f);
	json_decref(j);
	if (fclose(f) != 0 && !r)
		r = -EIO;
	if (r) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* Sets ch's handle up to POST a; the body and headers are ch's until notify_post_done().
 * Returns 0, -ENOMEM, -EIO. */
static int
notify_post_start(struct notify *n, struct channel *ch, const Lanu__V1__Alert *a)
{
	const char *rcpt = n->rcpts[ch->rcpt].id;
	char hdr[3][LANU_MAX_ID + 64], sig[128];
	struct curl_slist *h = NULL, *t;
	size_t len = 0;
	int r;

	r = notify_body(a, &ch->x_body, &len);
	if (r < 0)
		return r;
	snprintf(hdr[0], sizeof(hdr[0]), "Idempotency-Key: %s", a->alert_id);
	snprintf(hdr[1], sizeof(hdr[1]), "X-Lanu-Recipient: %s", rcpt);
	snprintf(hdr[2], sizeof(hdr[2]), "X-Lanu-Seq: %" PRIu64, a->seq);
	h = curl_slist_append(h, "Content-Type: application/json");
	for (size_t i = 0; h && i < ELEMENTSOF(hdr); i++)
		h = (t = curl_slist_append(h, hdr[i])) ? t : (curl_slist_free_all(h), NULL);
	if (h && ch->secret) {
		unsigned char mac[crypto_auth_hmacsha256_BYTES];
		crypto_auth_hmacsha256_state st;
		char hex[2 * sizeof(mac) + 1];

		crypto_auth_hmacsha256_init(&st, ch->secret, ch->secret_len);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)ch->x_body, len);
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
		snprintf(sig, sizeof(sig), "X-Lanu-Signature: sha256=%s", hex);
		h = (t = curl_slist_append(h, sig)) ? t : (curl_slist_free_all(h), NULL);
	}
	if (!h) {
		free(ch->x_body);
		ch->x_body = NULL;
		return -ENOMEM;
	}
	ch->x_headers = h;
	curl_easy_setopt(ch->curl, CURLOPT_URL, ch->url);
	curl_easy_setopt(ch->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(ch->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(ch->curl, CURLOPT_TIMEOUT, (long)NOTIFY_TIMEOUT_S);
	curl_easy_setopt(ch->curl, CURLOPT_USERAGENT, "lanu-notify/" LANU_VERSION);
	curl_easy_setopt(ch->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(ch->curl, CURLOPT_POSTFIELDS, ch->x_body);
	curl_easy_setopt(ch->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(ch->curl, CURLOPT_WRITEFUNCTION, notify_discard_cb);
	return 0;
}

/* What came of ch's POST (cr). Returns 0 when delivered (a 2xx), -EPROTO (another
 * status), -EIO (no answer: connection, timeout); said, ch->why set. */
static int
notify_post_done(struct notify *n, struct channel *ch, CURLcode cr)
{
	const char *rcpt = n->rcpts[ch->rcpt].id;
	long status = 0;
	int r = 0;

	if (cr == CURLE_OK)
		curl_easy_getinfo(ch->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_reset(ch->curl);	/* curl points at the body and headers until then */
	curl_slist_free_all(ch->x_headers);
	free(ch->x_body);
	ch->x_headers = NULL;
	ch->x_body = NULL;
	if (cr != CURLE_OK) {
		snprintf(ch->why, sizeof(ch->why), "%s", curl_easy_strerror(cr));
		r = -EIO;
	} else if (status < 200 || status > 299) {
		snprintf(ch->why, sizeof(ch->why), "HTTP %ld", status);
		r = -EPROTO;
	}
	if (r < 0)
		fprintf(stderr, "lanu-notify: %s webhook '%s': alert %" PRIu64 ": %s, "
			"retrying\n", rcpt, ch->url, ch->x_seq, ch->why);
	return r;
}

/* Tells lanud that ch has failed since ch->failing_since_ms (a DeliveryFailed event,
 * docs/protocol.md), or, recovered, that it works again: the same episode, so lanud
 * resolves its alert. Returns 0 when lanud took it (OK or DUPLICATE), or -errno. */
static int
notify_report(struct notify *n, struct channel *ch, bool recovered)
{
	Lanu__V1__DeliveryFailed df = LANU__V1__DELIVERY_FAILED__INIT;
	Lanu__V1__Envelope ev = LANU__V1__ENVELOPE__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	const char *rcpt = n->rcpts[ch->rcpt].id;
	char id[LANU_MAX_ID + 1];
	Lanu__V1__Reply *rep;
	int r;

	snprintf(id, sizeof(id), "delivery/%s/%s/%" PRIu64 "%s", rcpt, ch->name,
		 ch->failing_since_ms, recovered ? "/ok" : "");
	df.recipient = (char *)rcpt;
	df.channel = ch->name;
	df.failing_since_ms = ch->failing_since_ms;
	df.last_seq = ch->delivered;
	df.reason = ch->why;
	df.recovered = recovered;
	ev.event_id = id;
	ev.producer = n->producer;
	ev.occurred_at_ms = client_now_ms();
	ev.payload_case = LANU__V1__ENVELOPE__PAYLOAD_DELIVERY_FAILED;
	ev.delivery_failed = &df;
	if (n->dry_run) {
		printf("%s %s %s: DeliveryFailed%s (since %" PRIu64 ", %s)\n", rcpt, ch->name,
		       ch->url, recovered ? ", recovered" : "", ch->failing_since_ms, ch->why);
		fflush(stdout);
		return 0;
	}
	req.body_case = LANU__V1__REQUEST__BODY_EVENT;
	req.event = &ev;
	r = client_call(n->c, &req, NOTIFY_CALL_MS, &rep);
	if (r < 0) {
		fprintf(stderr, "lanu-notify: %s %s: lanud did not take the DeliveryFailed: %s\n",
			rcpt, ch->name, strerror(-r));
		return r;
	}
	r = rep->code == LANU__V1__REPLY__CODE__OK ||
	    rep->code == LANU__V1__REPLY__CODE__DUPLICATE ? 0 : -EPROTO;
	if (r < 0)
		fprintf(stderr, "lanu-notify: %s %s: DeliveryFailed refused: %s%s%s\n", rcpt,
			ch->name, rep->field, *rep->field ? ": " : "", rep->reason);
	else
		fprintf(stderr, "lanu-notify: %s %s: lanud told the channel %s\n", rcpt, ch->name,
			recovered ? "works again" : "is failing");
	lanu__v1__reply__free_unpacked(rep, NULL);
	return r;
}

/* The plan in force, for the names e-mail says; asked again after NOTIFY_PLAN_MS. Its
 * time zone becomes the process's, for the digests' local times. NULL when lanud has
 * none or did not answer (the ids will do). */
static const struct plan_index *
notify_plan(struct notify *n)
{
	Lanu__V1__PlanQuery q = LANU__V1__PLAN_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	struct plan_index *ix;
	Lanu__V1__Reply *rep;
	const char *tz;

	if (n->plan_rep && client_mono_ms() - n->plan_at_ms < NOTIFY_PLAN_MS)
		return n->plan;
	n->plan_at_ms = client_mono_ms();
	req.body_case = LANU__V1__REQUEST__BODY_PLAN;
	req.plan = &q;
	if (client_call(n->c, &req, NOTIFY_CALL_MS, &rep) < 0)
		return n->plan;
	if (rep->code != LANU__V1__REPLY__CODE__OK || !rep->plan_version ||
	    !rep->plan_version->plan || plan_index_new(rep->plan_version->plan, &ix) < 0) {
		lanu__v1__reply__free_unpacked(rep, NULL);
		return n->plan;
	}
	plan_index_free(n->plan);
	if (n->plan_rep)
		lanu__v1__reply__free_unpacked(n->plan_rep, NULL);
	n->plan = ix;
	n->plan_rep = rep;
	tz = rep->plan_version->plan->plan ? rep->plan_version->plan->plan->timezone : "";
	if (*tz && strcmp(tz, getenv("TZ") ? getenv("TZ") : "") != 0) {
		if (calendar_zone_installed(tz)) {
			setenv("TZ", tz, 1);
			tzset();
		} else if (!n->tz_said) {
			fprintf(stderr, "lanu-notify: the plan's time zone '%s' is not installed "
				"(install tzdata): digests keep to '%s'\n", tz,
				getenv("TZ") ? getenv("TZ") : "the system's");
			n->tz_said = true;
		}
	}
	return ix;
}

/* ch's message: alerts, one on its own (digest_at 0) or a digest. */
static struct mail_msg
notify_mail_msg(struct notify *n, struct channel *ch, Lanu__V1__Alert *const *alerts,
		size_t count, uint64_t digest_at)
{
	return (struct mail_msg){
		.to = ch->url + strlen("mailto:"), .lang = ch->lang, .rcpt = n->rcpts[ch->rcpt].id,
		.channel = ch->name, .plan = notify_plan(n), .alerts = alerts, .n = count,
		.digest_at_ms = digest_at,
	};
}

/* What came of ch's e-mail (cr). Returns 0 when the relay took it, or -errno (said, ch->why
 * set). */
static int
notify_mail_done(struct notify *n, struct channel *ch, CURLcode cr)
{
	int r = mail_done(ch->curl, ch->x_mail, cr, ch->why, sizeof(ch->why));

	ch->x_mail = NULL;
	if (r < 0 && ch->x_digest)
		fprintf(stderr, "lanu-notify: %s email '%s': digest of %zu: %s, retrying\n",
			n->rcpts[ch->rcpt].id, ch->url + strlen("mailto:"), ch->x_digest, ch->why);
	else if (r < 0)
		fprintf(stderr, "lanu-notify: %s email '%s': alert %" PRIu64 ": %s, retrying\n",
			n->rcpts[ch->rcpt].id, ch->url + strlen("mailto:"), ch->x_seq, ch->why);
	return r;
}

/* --dry-run: what would go to ch, on stdout. Returns 0 or -errno. */
static int
notify_print(struct notify *n, struct channel *ch, Lanu__V1__Alert *const *alerts,
	     size_t count, uint64_t digest_at)
{
	const char *rcpt = n->rcpts[ch->rcpt].id;
	struct mail_msg m;
	char *body = NULL;
	size_t len;
	int r;

	if (ch->kind == CHANNEL_WEBHOOK) {
		r = notify_body(alerts[0], &body, &len);
		if (r < 0)
			return r;
		printf("%s webhook %s %s\n%s\n", rcpt, ch->url, alerts[0]->alert_id, body);
		free(body);
		return fflush(stdout) == 0 ? 0 : -errno;
	}
	m = notify_mail_msg(n, ch, alerts, count, digest_at);
	if (digest_at)
		printf("%s email %s digest of %zu\n", rcpt, m.to, count);
	else
		printf("%s email %s %s\n", rcpt, m.to, alerts[0]->alert_id);
	return mail_print(stdout, &n->relay, &m);
}

static int notify_failed(struct notify *n, struct channel *ch, int r);

/* Sets ch's delivery of alerts (one, or a digest of count ending at digest_at) going, beside
 * the other channels'; notify_done() takes it from there. Returns 1 (ch is busy: held till
 * then), -ENOMEM. */
static int
notify_launch(struct notify *n, struct channel *ch, Lanu__V1__Alert *const *alerts,
	      size_t count, uint64_t digest_at)
{
	int r;

	if (ch->kind == CHANNEL_EMAIL) {
		struct mail_msg m = notify_mail_msg(n, ch, alerts, count, digest_at);

		r = mail_start(ch->curl, &n->relay, &m, &ch->x_mail);
	} else {
		r = notify_post_start(n, ch, alerts[0]);
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0) {	/* the alert cannot be written: a failed delivery, said */
		snprintf(ch->why, sizeof(ch->why), "cannot write the message: %s", strerror(-r));
		fprintf(stderr, "lanu-notify: %s %s: alert %" PRIu64 ": %s, retrying\n",
			n->rcpts[ch->rcpt].id, ch->name, alerts[0]->seq, ch->why);
		return notify_failed(n, ch, r);
	}
	curl_easy_setopt(ch->curl, CURLOPT_PRIVATE, (char *)ch);
	if (curl_multi_add_handle(n->multi, ch->curl) != CURLM_OK) {
		(void)(ch->kind == CHANNEL_EMAIL ? notify_mail_done(n, ch, CURLE_OUT_OF_MEMORY)
						 : notify_post_done(n, ch, CURLE_OUT_OF_MEMORY));
		return -ENOMEM;
	}
	ch->busy = true;
	n->n_busy++;
	ch->x_seq = alerts[count - 1]->seq;
	ch->x_digest = digest_at ? count : 0;
	return 1;
}

/* A delivery to ch failed: it holds its place and backs off; once it has failed for
 * failed-after, lanud hears of it. Returns 1 (held), or -ENOMEM as r was. */
static int
notify_failed(struct notify *n, struct channel *ch, int r)
{
	ch->backoff_ms = ch->backoff_ms ? ch->backoff_ms * 2 : NOTIFY_BACKOFF_MS;
	if (ch->backoff_ms > NOTIFY_BACKOFF_MAX_MS)
		ch->backoff_ms = NOTIFY_BACKOFF_MAX_MS;
	ch->retry_at_ms = client_mono_ms() + ch->backoff_ms;
	if (!ch->failing_since_ms)
		ch->failing_since_ms = client_now_ms();
	if (!ch->reported && n->failed_after_ms != UINT64_MAX &&
	    client_now_ms() - ch->failing_since_ms >= n->failed_after_ms)
		ch->reported = notify_report(n, ch, false) == 0;
	return r == -ENOMEM ? r : 1;
}

/* ch works: a failure episode lanud heard of is over. Returns 0, or 1 when lanud must
 * still hear that (held: tried again; a refusal will not change by asking again). */
static int
notify_works(struct notify *n, struct channel *ch)
{
	int r;

	if (ch->reported && (r = notify_report(n, ch, true)) < 0 && r != -EPROTO)
		return 1;
	ch->backoff_ms = 0;
	ch->failing_since_ms = 0;
	ch->reported = false;
	return 0;
}

/* Writes the state file after a cursor moved. Returns 0 or -errno (said: delivered
 * but not remembered, fatal). */
static int
notify_remember(struct notify *n)
{
	int r = n->dry_run ? 0 : notify_state_write(n);

	if (r < 0)
		fprintf(stderr, "lanu-notify: cannot write '%s': %s\n", n->state, strerror(-r));
	return r;
}

/* Whether a waits for ch's digest. */
static bool
notify_waits(const struct channel *ch, const Lanu__V1__Alert *a)
{
	return ch->kind == CHANNEL_EMAIL && ch->digest_max && a->severity <= ch->digest_max;
}

/* The end of the digest period t is in: ch's first `at` time after t, local. */
static uint64_t
notify_digest_at(const struct channel *ch, uint64_t t)
{
	int32_t day = calendar_local_day(t);

	for (int32_t d = day; d <= day + 2; d++)
		for (size_t i = 0; i < ch->n_digest_at; i++) {
			struct tm tm = { .tm_isdst = -1 };
			int y, m, dd;
			time_t at;

			calendar_ymd(d, &y, &m, &dd);
			tm.tm_year = y - 1900;
			tm.tm_mon = m - 1;
			tm.tm_mday = dd;
			tm.tm_hour = ch->digest_at[i] / 60;
			tm.tm_min = ch->digest_at[i] % 60;
			at = mktime(&tm);	/* a time the spring change skips: after it */
			if (at >= 0 && (uint64_t)at * 1000 > t)
				return (uint64_t)at * 1000;
		}
	return t;	/* not reached: a day has every time of day */
}

/* ch delivered: one alert, seq (digest 0), or the digest of the first `digest` alerts it
 * holds. Its cursor moves and is written. Returns 0, 1 (lanud has not heard yet that a
 * failing ch works again: held, delivered again later), -errno (the state file, said). */
static int
notify_sent(struct notify *n, struct channel *ch, uint64_t seq, size_t digest)
{
	if (notify_works(n, ch)) {
		/* sent again when lanud can hear it, not at once */
		ch->retry_at_ms = client_mono_ms() + ch->backoff_ms;
		return 1;
	}
	if (digest) {	/* the group's alerts out of held: both are in seq order */
		size_t keep = 0, j = 0;

		for (size_t i = 0; i < ch->n_held; i++) {
			if (j < digest && ch->held[i] == ch->x_group[j]) {
				lanu__v1__alert__free_unpacked(ch->held[i], NULL);
				j++;
			} else {
				ch->held[keep++] = ch->held[i];
			}
		}
		ch->n_held = keep;
		free(ch->x_group);
		ch->x_group = NULL;
	} else {
		ch->last = seq;
	}
	if (n->dry_run)
		return 0;
	if (!digest && ch->kind == CHANNEL_EMAIL)
		ch->sent = seq;
	/* everything before the first alert still held is delivered */
	if (ch->n_held)
		ch->delivered = ch->held[0]->seq - 1 > ch->delivered ? ch->held[0]->seq - 1
								     : ch->delivered;
	else
		ch->delivered = ch->last;
	return notify_remember(n);
}

/* ch's delivery is done (cr): its cursor moves, or it holds its place and backs off.
 * Returns 0 or -errno (the state file, said: fatal). */
static int
notify_done(struct notify *n, struct channel *ch, CURLcode cr)
{
	int r;

	curl_multi_remove_handle(n->multi, ch->curl);
	ch->busy = false;
	n->n_busy--;
	r = ch->kind == CHANNEL_EMAIL ? notify_mail_done(n, ch, cr) : notify_post_done(n, ch, cr);
	if (r < 0)
		return notify_failed(n, ch, r) < 0 ? -ENOMEM : 0;
	r = notify_sent(n, ch, ch->x_seq, ch->x_digest);
	if (r < 0)
		return r;
	ch->resume = true;	/* the next alerts are in the log */
	return 0;
}

/* Sends the digest of the period ending at: every held alert raised in it (seq order;
 * others, raised out of order, stay held). Returns 0 (--dry-run: printed), 1 (on its
 * way: held), -errno. */
static int
notify_digest_send(struct notify *n, struct channel *ch, uint64_t at)
{
	Lanu__V1__Alert **group = malloc(ch->n_held * sizeof(*group));
	size_t k = 0;
	int r;

	if (!group)
		return -ENOMEM;
	for (size_t i = 0; i < ch->n_held; i++)
		if (notify_digest_at(ch, ch->held[i]->raised_at_ms) == at)
			group[k++] = ch->held[i];
	free(ch->x_group);
	ch->x_group = group;
	if (!n->dry_run)
		return notify_launch(n, ch, group, k, at);
	r = notify_print(n, ch, group, k, at);
	return r < 0 ? r : notify_sent(n, ch, 0, k);
}

/* Keeps a copy of a for ch's digest. Returns 0, -ENOMEM. */
static int
notify_hold(struct notify *n, struct channel *ch, const Lanu__V1__Alert *a)
{
	size_t len = lanu__v1__alert__get_packed_size(a);
	uint8_t *buf = malloc(len ? len : 1);
	Lanu__V1__Alert *copy, **held;

	if (!buf)
		return -ENOMEM;
	lanu__v1__alert__pack(a, buf);
	copy = lanu__v1__alert__unpack(NULL, len, buf);
	free(buf);
	held = copy ? realloc(ch->held, (ch->n_held + 1) * sizeof(*held)) : NULL;
	if (!held) {
		if (copy)
			lanu__v1__alert__free_unpacked(copy, NULL);
		return -ENOMEM;
	}
	ch->held = held;
	ch->held[ch->n_held++] = copy;
	ch->last = a->seq;
	if (n->dry_run) {
		char at[40];

		instant_format(notify_digest_at(ch, ch->held[0]->raised_at_ms), at);
		printf("%s email %s %s: waits for the digest at %s\n", n->rcpts[ch->rcpt].id,
		       ch->url + strlen("mailto:"), a->alert_id, at);
		fflush(stdout);
	}
	return 0;
}

/* Hands a (seq > ch->last) to ch: on its own, or kept for the digest (a full digest
 * takes no more until it has gone). Returns 0 (delivered with --dry-run, kept, or sent
 * before), 1 (on its way, or held), -errno (the state file, said; out of memory). */
static int
notify_channel_alert(struct notify *n, struct channel *ch, const Lanu__V1__Alert *a)
{
	Lanu__V1__Alert *const *one = (Lanu__V1__Alert *const *)&a;
	int r;

	if (notify_waits(ch, a))
		return ch->n_held < NOTIFY_DIGEST_MAX ? notify_hold(n, ch, a) : 1;
	if (ch->kind == CHANNEL_EMAIL && a->seq <= ch->sent) {
		ch->last = a->seq;	/* sent on its own before a restart */
		return 0;
	}
	if (!n->dry_run)
		return notify_launch(n, ch, one, 1, 0);
	r = notify_print(n, ch, one, 1, 0);
	return r < 0 ? r : notify_sent(n, ch, a->seq, 0);
}

/* lanud's clock (its Status), which the digests' periods follow; asked at most every
 * NOTIFY_QUIET_MS (a digest goes that much late at most). Returns 0 or -errno. */
static int
notify_lanud_now(struct notify *n, uint64_t *ret_ms)
{
	Lanu__V1__StatusQuery q = LANU__V1__STATUS_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	uint64_t mono = client_mono_ms();
	Lanu__V1__Reply *rep;
	int r;

	if (n->lanud_now_at_ms && mono - n->lanud_now_at_ms < NOTIFY_QUIET_MS) {
		*ret_ms = n->lanud_now_ms;
		return 0;
	}
	req.body_case = LANU__V1__REQUEST__BODY_STATUS;
	req.status = &q;
	r = client_call(n->c, &req, NOTIFY_CALL_MS, &rep);
	if (r < 0)
		return r;
	r = rep->code == LANU__V1__REPLY__CODE__OK && rep->status ? 0 : -EPROTO;
	if (!r) {
		*ret_ms = n->lanud_now_ms = rep->status->now_ms;
		n->lanud_now_at_ms = mono;
	}
	lanu__v1__reply__free_unpacked(rep, NULL);
	return r;
}

/* Sends every digest whose period has ended on lanud's clock (a held channel's only when
 * its retry is due). Returns how many channels are held, or -errno. */
static int
notify_digests(struct notify *n)
{
	uint64_t now = 0, mono = client_mono_ms();
	int held = 0;

	for (size_t i = 0; i < n->n_ch; i++) {
		struct channel *ch = &n->ch[i];
		uint64_t at;
		int r;

		if (!ch->n_held || ch->busy || (ch->backoff_ms && ch->retry_at_ms > mono))
			continue;
		if (!now && (notify_plan(n), r = notify_lanud_now(n, &now)) < 0)
			return r;	/* the plan first: its time zone is the periods' */
		/* each period ended, oldest first, one digest each (one at a time on the
		 * wire); a full one at once */
		while (ch->n_held && !ch->busy &&
		       (!ch->backoff_ms || ch->retry_at_ms <= client_mono_ms()) &&
		       ((at = notify_digest_at(ch, ch->held[0]->raised_at_ms)) <= now ||
			ch->n_held >= NOTIFY_DIGEST_MAX)) {
			r = notify_digest_send(n, ch, at);
			if (r < 0)
				return r;
			held += r;
		}
	}
	return held;
}

/* Replays ch's recipient's alerts after ch->last, delivering each in order, until the
 * log has no more or a delivery fails. Returns 0, 1 (a delivery failed, or lanud refused
 * the replay, said: held), -ETIMEDOUT or -EAGAIN (lanud did not answer), -errno. */
static int
notify_replay(struct notify *n, struct channel *ch)
{
	if (ch->busy || (ch->backoff_ms && client_mono_ms() < ch->retry_at_ms))
		return 1;
	ch->resume = false;
	for (;;) {
		Lanu__V1__ReplayQuery q = LANU__V1__REPLAY_QUERY__INIT;
		Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
		Lanu__V1__Reply *rep;
		bool more, held = false;
		int r;

		q.recipients = &n->rcpts[ch->rcpt].id;
		q.n_recipients = 1;
		q.after_seq = ch->last;
		req.body_case = LANU__V1__REQUEST__BODY_REPLAY;
		req.replay = &q;
		r = client_call(n->c, &req, NOTIFY_CALL_MS, &rep);
		if (r < 0)
			return r;
		if (rep->code != LANU__V1__REPLY__CODE__OK || !rep->alerts) {
			if (!ch->refused)	/* said once; asked again at the longest backoff */
				fprintf(stderr, "lanu-notify: replay for '%s' refused, its %s "
					"gets nothing: %s%s%s\n", n->rcpts[ch->rcpt].id, ch->name,
					rep->field, *rep->field ? ": " : "", rep->reason);
			lanu__v1__reply__free_unpacked(rep, NULL);
			ch->refused = true;
			ch->backoff_ms = NOTIFY_BACKOFF_MAX_MS;
			ch->retry_at_ms = client_mono_ms() + ch->backoff_ms;
			return 1;
		}
		if (ch->refused && !ch->failing_since_ms)
			ch->backoff_ms = 0;	/* its wait was for the refusal */
		ch->refused = false;
		for (size_t i = 0; i < rep->alerts->n_alerts && !held; i++) {
			const Lanu__V1__Alert *a = rep->alerts->alerts[i];

			if (a->seq > ch->last)
				r = notify_channel_alert(n, ch, a);
			if (r < 0) {
				lanu__v1__reply__free_unpacked(rep, NULL);
				return r;
			}
			held = r == 1;
		}
		if (!held && rep->alerts->last_seq > ch->last)
			ch->last = rep->alerts->last_seq;
		more = rep->alerts->more;
		lanu__v1__reply__free_unpacked(rep, NULL);
		if (held)
			return 1;
		if (!more)
			return 0;
	}
}

/* Replays every channel (due_only: just the held ones whose retry is due and those
 * whose delivery went; a refused one not at all with --once). Returns how many are held
 * (or busy), or <0 when lanud did not answer. */
static int
notify_replay_all(struct notify *n, bool due_only)
{
	uint64_t now = client_mono_ms();
	int held = 0;

	if (!due_only)
		n->replayed_at_ms = now;
	for (size_t i = 0; i < n->n_ch; i++) {
		int r;

		if (due_only && !n->ch[i].resume &&
		    (!n->ch[i].backoff_ms || n->ch[i].retry_at_ms > now))
			continue;
		if (n->once && n->ch[i].refused)
			continue;
		r = notify_replay(n, &n->ch[i]);
		if (r < 0)
			return r;
		held += r;
	}
	return held;
}

/* A live alert from recipient ri's subscription, per docs/protocol.md. */
static int
notify_live(struct notify *n, size_t ri, const Lanu__V1__Alert *a)
{
	for (size_t i = 0; i < n->n_ch; i++) {
		struct channel *ch = &n->ch[i];
		int r = 0;

		if (ch->rcpt != ri || a->seq <= ch->last || ch->backoff_ms || ch->busy)
			continue;	/* seen, or held or busy: the log has it for later */
		if (a->prev_seq > ch->last)
			r = notify_replay(n, ch);	/* we missed one: the log has it */
		else
			r = notify_channel_alert(n, ch, a);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Milliseconds until the next held channel's retry (0: one is to go on from the log), at
 * most NOTIFY_QUIET_MS. */
static int
notify_wait_ms(const struct notify *n)
{
	uint64_t now = client_mono_ms(), wait = NOTIFY_QUIET_MS;

	for (size_t i = 0; i < n->n_ch; i++) {
		uint64_t at = n->ch[i].retry_at_ms;

		if (n->ch[i].resume)
			return 0;
		if (!n->ch[i].backoff_ms || n->ch[i].busy)
			continue;	/* a busy one wakes the loop when its delivery is done */
		if (at <= now)
			wait = 0;
		else if (at - now < wait)
			wait = at - now;
	}
	return (int)wait;
}

/* Waits up to timeout_ms for the deliveries in flight and the nz ZeroMQ items (their
 * revents set), then moves the deliveries on and takes the finished ones. Returns 0 or
 * -errno (the state file, said). */
static int
notify_pump(struct notify *n, zmq_pollitem_t *zitems, size_t nz, long timeout_ms)
{
	zmq_pollitem_t items[LANU_MAX_RECIPIENTS + 3 * NOTIFY_MAX_CHANNELS];
	size_t ni = nz;
	CURLMsg *m;
	int left, r;

	if (nz)
		memcpy(items, zitems, nz * sizeof(*items));
	if (n->n_busy) {
		fd_set rd, wr, ex;
		int maxfd = -1;
		long ct = -1;

		FD_ZERO(&rd);
		FD_ZERO(&wr);
		FD_ZERO(&ex);
		curl_multi_fdset(n->multi, &rd, &wr, &ex, &maxfd);
		for (int fd = 0; fd <= maxfd && ni < ELEMENTSOF(items); fd++) {
			short ev = (short)((FD_ISSET(fd, &rd) ? ZMQ_POLLIN : 0) |
					   (FD_ISSET(fd, &wr) ? ZMQ_POLLOUT : 0) |
					   (FD_ISSET(fd, &ex) ? ZMQ_POLLERR : 0));

			if (ev)
				items[ni++] = (zmq_pollitem_t){ .fd = fd, .events = ev };
		}
		curl_multi_timeout(n->multi, &ct);
		if (ct >= 0 && ct < timeout_ms)
			timeout_ms = ct;
		if (maxfd < 0 && timeout_ms > 50)
			timeout_ms = 50;	/* no socket yet (resolving): look again soon */
	}
	r = zmq_poll(items, (int)ni, timeout_ms);
	if (r < 0 && errno != EINTR)
		return -errno;
	for (size_t i = 0; i < nz; i++)
		zitems[i].revents = items[i].revents;
	if (!n->n_busy)
		return 0;
	curl_multi_perform(n->multi, &left);
	while ((m = curl_multi_info_read(n->multi, &left))) {
		struct channel *ch = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&ch);
		r = notify_done(n, ch, m->data.result);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --once: replay until every channel has everything the log had at the start. */
static int
notify_once(struct notify *n)
{
	for (;;) {
		int r = notify_replay_all(n, false), d;

		if (r < 0)
			return r;
		d = notify_digests(n);	/* those ended, and the full ones */
		if (d < 0)
			return d;
		if (r == 0 && d == 0 && !n->n_busy)
			break;
		r = notify_pump(n, NULL, 0, n->n_busy ? NOTIFY_QUIET_MS : notify_wait_ms(n));
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n->n_ch; i++)
		if (n->ch[i].refused)
			return -EACCES;	/* said */
	return 0;
}

static int
notify_follow(struct notify *n, const struct client_keys *k)
{
	zmq_pollitem_t items[LANU_MAX_RECIPIENTS];
	int r;

	/* Subscribe first, then replay: nothing published in between is missed. */
	for (size_t i = 0; i < n->n_rcpts; i++) {
		r = sub_connect_with(n->ep.publish, k, &n->rcpts[i].id, 1, &n->rcpts[i].sub);
		if (r < 0) {
			fprintf(stderr, "lanu-notify: cannot subscribe at '%s': %s\n",
				n->ep.publish, strerror(-r));
			return r;
		}
		items[i] = (zmq_pollitem_t){ .socket = sub_socket(n->rcpts[i].sub),
					     .events = ZMQ_POLLIN };
	}
	r = notify_replay_all(n, false);
	for (bool unreached = false;;) {
		bool any = false;
		int pr;

		if (r == -ETIMEDOUT || r == -EAGAIN) {
			if (!unreached)	/* said once, until it answers again */
				fprintf(stderr, "lanu-notify: no reply from lanud at '%s', "
					"retrying\n", n->ep.ingest);
			unreached = true;
		} else if (r < 0) {
			return r;
		} else {
			unreached = false;
		}
		pr = notify_pump(n, items, n->n_rcpts, notify_wait_ms(n));
		if (pr < 0)
			return pr;
		r = 0;
		for (size_t i = 0; i < n->n_rcpts; i++) {
			Lanu__V1__Alert *a;

			if (!(items[i].revents & ZMQ_POLLIN))
				continue;
			while (r >= 0 && sub_recv(n->rcpts[i].sub, 0, &a) == 0) {
				any = true;
				r = notify_live(n, i, a);
				lanu__v1__alert__free_unpacked(a, NULL);
			}
		}
		/* Quiet for NOTIFY_QUIET_MS: catch up from the log; in any case retry the held
		 * channels due and go on with those whose delivery went; then the digests
		 * whose period ended. */
		if (any)
			n->replayed_at_ms = client_mono_ms();
		if (r >= 0)
			r = notify_replay_all(n, client_mono_ms() - n->replayed_at_ms <
						  NOTIFY_QUIET_MS);
		if (r >= 0)
			r = notify_digests(n);
		if (r > 0)
			r = 0;
	}
}

/* --- main -------------------------------------------------------------------- */

/* A handle per channel, all in one multi handle. Returns 0 or -ENOMEM. */
static int
notify_curl_new(struct notify *n)
{
	if (!(n->multi = curl_multi_init()))
		return -ENOMEM;
	for (size_t i = 0; i < n->n_ch; i++)
		if (!(n->ch[i].curl = curl_easy_init()))
			return -ENOMEM;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: lanu-notify -c NOTIFY.conf [options]\n"
		"Delivers lanud's alerts to the recipients' e-mail and webhooks, each once, in "
		"order.\n"
		"  -c, --config FILE   the configuration (lanu-notify(1))\n"
		"      --check-config  check the configuration and exit\n"
		"  -n, --dry-run       print what would be sent; send nothing, move no cursor\n"
		"      --once          deliver what the log has now, then exit\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          this text\n"
		"Exit status: 0 done, 1 a configuration, state or usage problem (or lanud "
		"refused), 2 lanud did not answer\n");
}

static void
notify_free(struct notify *n)
{
	for (size_t i = 0; i < n->n_ch; i++) {
		for (size_t j = 0; j < n->ch[i].n_held; j++)
			lanu__v1__alert__free_unpacked(n->ch[i].held[j], NULL);
		free(n->ch[i].held);
		free(n->ch[i].x_group);
		if (n->ch[i].busy)	/* stopping mid-way: it goes again next time */
			curl_multi_remove_handle(n->multi, n->ch[i].curl);
		if (n->ch[i].x_mail)
			mail_done(n->ch[i].curl, n->ch[i].x_mail, CURLE_OK, n->ch[i].why,
				  sizeof(n->ch[i].why));
		curl_slist_free_all(n->ch[i].x_headers);
		free(n->ch[i].x_body);
		if (n->ch[i].curl)
			curl_easy_cleanup(n->ch[i].curl);
	}
	plan_index_free(n->plan);
	if (n->plan_rep)
		lanu__v1__reply__free_unpacked(n->plan_rep, NULL);
	for (size_t i = 0; i < n->n_rcpts; i++)
		sub_free(n->rcpts[i].sub);
	notify_conf_free(n);
	client_free(n->c);
	if (n->multi)
		curl_multi_cleanup(n->multi);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "once", no_argument, NULL, 'o' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct notify n = { .path = NULL, .failed_after_ms = NOTIFY_FAILED_AFTER_MS };
	struct client_keys keys, *k = NULL;
	bool check = false;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "c:nVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': n.path = optarg; break;
		case 'C': check = true; break;
		case 'n': n.dry_run = true; break;
		case 'o': n.once = true; break;
		case 'V': printf("lanu-notify %s\n", LANU_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return NOTIFY_EXIT_FAILED;
		}
	}
	if (!n.path || optind != argc) {
		usage(stderr);
		return NOTIFY_EXIT_FAILED;
	}
	if (sodium_init() < 0)
		return NOTIFY_EXIT_FAILED;
	/* Digests' periods are local times: the plan's zone once it is read, till then
	 * Finland's. */
	if (calendar_zone_installed("Europe/Helsinki"))
		setenv("TZ", "Europe/Helsinki", 1);
	tzset();
	r = notify_conf_load(&n);
	if (!r && *n.lanud_conf)
		r = endpoint_resolve(n.lanud_conf, n.ep.ingest, n.ep.publish);
	if (!r && *n.ep.key)
		r = client_keys_load("lanu-notify", n.ep.key, n.ep.server_key, &keys);
	if (r < 0) {
		notify_free(&n);
		return NOTIFY_EXIT_FAILED;
	}
	k = *n.ep.key ? &keys : NULL;
	/* The DeliveryFailed events' producer: the key's name (lanud takes no other from
	 * it), else lanu-notify. */
	if (!*n.producer)
		snprintf(n.producer, sizeof(n.producer), "%s",
			 k && *k->name ? k->name : "lanu-notify");
	r = notify_state_load(&n);
	if (r < 0 && r != -EBADMSG)
		fprintf(stderr, "lanu-notify: cannot read '%s': %s\n", n.state, strerror(-r));
	if (r < 0 || check) {
		if (!r)
			printf("%s: ok, %zu channel%s for %zu recipient%s\n", n.path, n.n_ch,
			       n.n_ch == 1 ? "" : "s", n.n_rcpts, n.n_rcpts == 1 ? "" : "s");
		notify_free(&n);
		return r < 0 ? NOTIFY_EXIT_FAILED : 0;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || notify_curl_new(&n) < 0) {
		fprintf(stderr, "lanu-notify: cannot start libcurl\n");
		notify_free(&n);
		return NOTIFY_EXIT_FAILED;
	}
	r = client_connect_with(n.ep.ingest, k, &n.c);
	if (r < 0)
		fprintf(stderr, "lanu-notify: cannot connect to '%s': %s\n", n.ep.ingest,
			strerror(-r));
	else
		r = n.once ? notify_once(&n) : notify_follow(&n, k);
	notify_free(&n);
	curl_global_cleanup();
	sodium_memzero(&keys, sizeof(keys));
	if (r == -ETIMEDOUT || r == -EAGAIN) {
		fprintf(stderr, "lanu-notify: no reply from lanud at '%s'\n", n.ep.ingest);
		return NOTIFY_EXIT_UNREACHED;
	}
	return r < 0 ? NOTIFY_EXIT_FAILED : 0;
}
