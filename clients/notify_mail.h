/*
 * lanu-notify's e-mail: an alert, or a digest of them, as a message for people in their
 * language (plain text and a small HTML part), handed to an SMTP relay with libcurl.
 */
#ifndef LANU_NOTIFY_MAIL_H
#define LANU_NOTIFY_MAIL_H

#include <curl/curl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lanu.pb-c.h"
#include "plan_index.h"

#define MAIL_ADDRESS_MAX	254	/* RFC 5321's path, less its brackets */
#define MAIL_URL_MAX		512

/* The relay. */
struct mail_relay {
	char url[MAIL_URL_MAX];		/* smtp://HOST[:PORT] or smtps://HOST[:PORT] */
	bool tls_try;			/* STARTTLS only when offered (default: required) */
	char ca_file[PATH_MAX];		/* "": the system's CAs */
	char *user, *password;		/* NULL: no AUTH */
	char from[MAIL_ADDRESS_MAX + 1];
};

/* One message: one alert (digest_at_ms 0) or a digest of n. */
struct mail_msg {
	const char *to;
	const char *lang;			/* "fi", "sv", "en" */
	const char *rcpt;			/* the plan's recipient id */
	const char *channel;			/* its name to lanud: "email", "email-2" */
	const struct plan_index *plan;		/* the plan's names; NULL: ids */
	Lanu__V1__Alert *const *alerts;
	size_t n;
	uint64_t digest_at_ms;			/* a digest: the end of its period */
};

/* Whether s is an address lanu-notify sends to or from: LOCAL@DOMAIN, printable ASCII,
 * no spaces, angle brackets, quotes or commas, at most MAIL_ADDRESS_MAX bytes. */
bool mail_address_valid(const char *s);

/* Frees the relay's user and password (the password zeroed first). */
void mail_relay_free(struct mail_relay *r);

/* Prints the message (headers and its plain text) to f, for --dry-run. Returns 0 or
 * -errno. */
int mail_print(FILE *f, const struct mail_relay *r, const struct mail_msg *m);

/* A message on its way to the relay: what curl reads from until mail_done(). */
struct mail_job;

/* Sets c up to hand the message to the relay (perform it with curl_multi_add_handle() or
 * curl_easy_perform()); *ret holds what curl reads from until mail_done(). Returns 0 or
 * -ENOMEM. */
int mail_start(CURL *c, const struct mail_relay *relay, const struct mail_msg *m,
	       struct mail_job **ret);

/* What came of c's transfer (cr, the relay's last reply): 0 when the relay took the
 * message (250 after DATA), -EPROTO (a refusal: why is "SMTP 451"), -EIO (no answer,
 * TLS, a timeout: curl's words). Resets c and frees j. */
int mail_done(CURL *c, struct mail_job *j, CURLcode cr, char *why, size_t why_len);

#endif
