/*
 * lanu-notify's configuration file and state file (docs/notify.md): every line checked,
 * every problem said with its line; the cursors read and written whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "conf.h"
#include "hetu.h"
#include "lanu/macro.h"
#include "notify_conf.h"
#include "plan_value.h"

/* --- configuration ------------------------------------------------------------ */

/* Opens path for reading if no one but its owner has access to it (0600, 0400): a
 * secret's or the relay's password's file. Returns 0, -EPERM (too open), -errno. */
static int
notify_open_private(const char *path, FILE **ret)
{
	FILE *f = fopen(path, "re");
	struct stat st;

	int r = 0;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0)
		r = -errno;
	else if (st.st_mode & 0077)
		r = -EPERM;
	if (r < 0) {
		fclose(f);
		return r;
	}
	*ret = f;
	return 0;
}

/* Reads a secret file (notify_open_private()), at most NOTIFY_MAX_SECRET bytes, one
 * trailing newline dropped. Returns 0, -EPERM (too open), -EMSGSIZE, -errno. */
static int
notify_read_secret(const char *path, unsigned char **ret, size_t *ret_len)
{
	unsigned char buf[NOTIFY_MAX_SECRET + 1], *s;
	size_t len;
	FILE *f;
	int r = notify_open_private(path, &f);

	if (r < 0)
		return r;
	len = fread(buf, 1, sizeof(buf), f);
	if (ferror(f))
		r = -EIO;
	fclose(f);
	if (r)
		return r;
	if (len > NOTIFY_MAX_SECRET)
		return -EMSGSIZE;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len == 0)
		return -ENODATA;
	s = malloc(len);
	if (!s)
		return -ENOMEM;
	memcpy(s, buf, len);
	sodium_memzero(buf, sizeof(buf));
	*ret = s;
	*ret_len = len;
	return 0;
}

static int
notify_recipient(struct notify *n, const char *id, size_t *ret)
{
	for (size_t i = 0; i < n->n_rcpts; i++)
		if (strcmp(n->rcpts[i].id, id) == 0) {
			*ret = i;
			return 0;
		}
	if (n->n_rcpts == LANU_MAX_RECIPIENTS)
		return -E2BIG;
	n->rcpts[n->n_rcpts].id = strdup(id);
	if (!n->rcpts[n->n_rcpts].id)
		return -ENOMEM;
	*ret = n->n_rcpts++;
	return 0;
}

/* An http:// or https:// URL of printable ASCII, no spaces: what the state file and
 * curl take as it is. */
static bool
notify_url_valid(const char *s)
{
	if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8))
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* A new channel's name to lanud: its recipient's first of its kind "webhook" or
 * "email", then "webhook-2", ... */
static void
notify_channel_name(const struct notify *n, struct channel *ch)
{
	const char *kind = ch->kind == CHANNEL_EMAIL ? "email" : "webhook";
	size_t same = 0;

	for (size_t i = 0; i < n->n_ch; i++)
		same += n->ch[i].rcpt == ch->rcpt && n->ch[i].kind == ch->kind;
	if (same == 0)
		snprintf(ch->name, sizeof(ch->name), "%s", kind);
	else
		snprintf(ch->name, sizeof(ch->name), "%s-%zu", kind, same + 1);
}

/* One `webhook RECIPIENT URL [secret-file FILE]` line. Returns 0 or a message. */
static const char *
notify_webhook(struct notify *n, char **w, int nw, char *why, size_t whylen)
{
	struct channel *ch;
	size_t ri;
	int r;

	if (nw != 3 && nw != 5)
		return "expected: webhook RECIPIENT URL [secret-file FILE]";
	if (nw == 5 && strcmp(w[3], "secret-file") != 0) {
		snprintf(why, whylen, "unknown webhook option '%s' (secret-file)", w[3]);
		return why;
	}
	if (!value_is_id(w[1]) || strlen(w[1]) > LANU_MAX_ID)
		return "not a recipient id (the plan's: a-z, 0-9, '.', '_', '-')";
	if (!notify_url_valid(w[2])) {
		snprintf(why, whylen, "'%s' is not an http:// or https:// URL", w[2]);
		return why;
	}
	if (n->n_ch == NOTIFY_MAX_CHANNELS)
		return "too many channels";
	for (size_t i = 0; i < n->n_ch; i++)
		if (strcmp(n->rcpts[n->ch[i].rcpt].id, w[1]) == 0 &&
		    strcmp(n->ch[i].url, w[2]) == 0)
			return "this webhook is given twice for the recipient";
	if (notify_recipient(n, w[1], &ri) < 0)
		return "too many recipients";
	ch = &n->ch[n->n_ch];
	*ch = (struct channel){ .rcpt = ri };
	if (nw == 5 && (r = notify_read_secret(w[4], &ch->secret, &ch->secret_len)) < 0) {
		snprintf(why, whylen, "secret file '%s': %s", w[4],
			 r == -EPERM ? "readable by others (chmod 0600)" :
			 r == -ENODATA ? "empty" : r == -EMSGSIZE ? "too long" : strerror(-r));
		return why;
	}
	ch->url = strdup(w[2]);
	if (!ch->url) {
		free(ch->secret);
		return "out of memory";
	}
	notify_channel_name(n, ch);
	n->n_ch++;
	return NULL;
}

/* "HH:MM[,HH:MM...]" into ch's digest times, sorted. Returns 0 or -EINVAL. */
static int
notify_digest_times(struct channel *ch, const char *s)
{
	ch->n_digest_at = 0;
	for (;;) {
		unsigned h, m;
		int used = 0;
		uint16_t at;

		if (sscanf(s, "%2u:%2u%n", &h, &m, &used) != 2 || used != 5 || h > 23 || m > 59 ||
		    ch->n_digest_at == NOTIFY_DIGEST_TIMES)
			return -EINVAL;
		at = (uint16_t)(h * 60 + m);
		for (size_t i = 0; i < ch->n_digest_at; i++)
			if (ch->digest_at[i] == at)
				return -EINVAL;
		ch->digest_at[ch->n_digest_at++] = at;
		s += used;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return -EINVAL;
	}
	for (size_t i = 1; i < ch->n_digest_at; i++)	/* a handful: insertion sort */
		for (size_t j = i; j > 0 && ch->digest_at[j - 1] > ch->digest_at[j]; j--) {
			uint16_t t = ch->digest_at[j];

			ch->digest_at[j] = ch->digest_at[j - 1];
			ch->digest_at[j - 1] = t;
		}
	return 0;
}

/* One `email RECIPIENT ADDRESS [lang fi|sv|en] [digest SEVERITY at HH:MM[,...]]` line.
 * Returns 0 or a message. */
static const char *
notify_email(struct notify *n, char **w, int nw, char *why, size_t whylen)
{
	static const char usage[] = "expected: email RECIPIENT ADDRESS [lang fi|sv|en] "
				    "[digest info|warning|critical at HH:MM[,HH:MM...]]";
	struct channel ch = { .kind = CHANNEL_EMAIL, .lang = "fi" };
	char url[MAIL_ADDRESS_MAX + 8];
	size_t ri;

	if (nw < 3)
		return usage;
	if (!value_is_id(w[1]) || strlen(w[1]) > LANU_MAX_ID)
		return "not a recipient id (the plan's: a-z, 0-9, '.', '_', '-')";
	if (!mail_address_valid(w[2])) {
		snprintf(why, whylen, "'%s' is not an e-mail address (LOCAL@DOMAIN, ASCII, "
			 "no spaces or brackets)", w[2]);
		return why;
	}
	if (hetu_find_token(w[2], strlen(w[2]), &(size_t){ 0 }))
		return "the address holds what looks like a personal identity code: alerts go "
		       "to staff role mailboxes, never to a person's own";
	for (int i = 3; i < nw;) {
		if (strcmp(w[i], "lang") == 0 && i + 1 < nw) {
			if (strcmp(w[i + 1], "fi") && strcmp(w[i + 1], "sv") &&
			    strcmp(w[i + 1], "en"))
				return "lang is fi, sv or en";
			snprintf(ch.lang, sizeof(ch.lang), "%s", w[i + 1]);
			i += 2;
		} else if (strcmp(w[i], "digest") == 0 && i + 3 < nw &&
			   strcmp(w[i + 2], "at") == 0) {
			const char *sev = w[i + 1];

			ch.digest_max = strcmp(sev, "info") == 0 ? LANU__V1__SEVERITY__SEVERITY_INFO :
				strcmp(sev, "warning") == 0 ? LANU__V1__SEVERITY__SEVERITY_WARNING :
				strcmp(sev, "critical") == 0 ? LANU__V1__SEVERITY__SEVERITY_CRITICAL :
				0;
			if (!ch.digest_max)
				return "digest's severity is info, warning or critical (that and "
				       "less severe alerts wait for the digest)";
			if (notify_digest_times(&ch, w[i + 3]) < 0)
				return "digest's times are HH:MM[,HH:MM...], local, each once";
			i += 4;
		} else {
			return usage;
		}
	}
	if (n->n_ch == NOTIFY_MAX_CHANNELS)
		return "too many channels";
	snprintf(url, sizeof(url), "mailto:%s", w[2]);
	for (size_t i = 0; i < n->n_ch; i++)
		if (strcmp(n->rcpts[n->ch[i].rcpt].id, w[1]) == 0 &&
		    strcmp(n->ch[i].url, url) == 0)
			return "this address is given twice for the recipient";
	if (notify_recipient(n, w[1], &ri) < 0)
		return "too many recipients";
	ch.rcpt = ri;
	ch.url = strdup(url);
	if (!ch.url)
		return "out of memory";
	n->ch[n->n_ch] = ch;
	notify_channel_name(n, &n->ch[n->n_ch]);
	n->n_ch++;
	return NULL;
}

static int
notify_set(char *dst, size_t len, const char *v)
{
	if (*dst)
		return -EALREADY;
	if ((size_t)snprintf(dst, len, "%s", v) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Reads the relay's credentials file (notify_open_private()): the user on the first line,
 * the password on the second. Returns 0, -EPERM (too open), -EBADMSG (not two lines),
 * -errno. */
static int
notify_read_credentials(const char *path, struct mail_relay *r)
{
	char line[2][512];
	FILE *f;
	int err = notify_open_private(path, &f), n = 0;

	if (err < 0)
		return err;
	while (!err && n < 2 && fgets(line[n], sizeof(line[n]), f)) {
		size_t len = strcspn(line[n], "\r\n");

		if (line[n][len] == '\0' && !feof(f))
			err = -EBADMSG;	/* longer than a line */
		line[n][len] = '\0';
		n++;
	}
	if (!err && (n != 2 || !*line[0] || !*line[1] || fgetc(f) != EOF))
		err = -EBADMSG;
	fclose(f);
	if (!err) {
		r->user = strdup(line[0]);
		r->password = strdup(line[1]);
		if (!r->user || !r->password)
			err = -ENOMEM;
	}
	sodium_memzero(line, sizeof(line));
	return err;
}

/* The relay's settings, checked against each other and the e-mail channels; the
 * credentials read. Returns how many problems it said. */
static int
notify_conf_mail(struct notify *n)
{
	bool email = false;
	int errors = 0, r;

	for (size_t i = 0; i < n->n_ch; i++)
		email |= n->ch[i].kind == CHANNEL_EMAIL;
	n->relay.tls_try = strcmp(n->smtp_tls, "when-offered") == 0;
	if (email && (!*n->relay.url || !*n->relay.from)) {
		fprintf(stderr, "lanu-notify: %s: e-mail channels need 'smtp URL' (the relay) "
			"and 'mail-from ADDRESS'\n", n->path);
		errors++;
	}
	if (!email && (*n->relay.url || *n->relay.from || *n->smtp_credentials ||
		       *n->smtp_tls || *n->relay.ca_file)) {
		fprintf(stderr, "lanu-notify: %s: SMTP settings but no 'email' channel\n",
			n->path);
		errors++;
	}
	if (*n->smtp_credentials && n->relay.tls_try &&
	    strncmp(n->relay.url, "smtps://", 8) != 0) {
		fprintf(stderr, "lanu-notify: %s: smtp-credentials with smtp-tls when-offered: "
			"the password could go in the clear (smtp-tls required, or smtps://)\n",
			n->path);
		errors++;
	}
	if (*n->smtp_credentials && !errors &&
	    (r = notify_read_credentials(n->smtp_credentials, &n->relay)) < 0) {
		fprintf(stderr, "lanu-notify: %s: smtp-credentials '%s': %s\n", n->path,
			n->smtp_credentials,
			r == -EPERM ? "readable by others (chmod 0600)" :
			r == -EBADMSG ? "not two lines, the user and the password" :
			strerror(-r));
		errors++;
	}
	return errors;
}

/* Parses n->path; every problem is said as "lanu-notify: FILE:LINE: what". Returns 0,
 * -EINVAL, or -errno if the file cannot be read. */
int
notify_conf_load(struct notify *n)
{
	char line[4096], why[PATH_MAX + 128], *w[12];
	unsigned n_line = 0;
	int errors = 0;
	FILE *f = fopen(n->path, "re");

	if (!f) {
		int r = -errno;

		fprintf(stderr, "lanu-notify: cannot read '%s': %s\n", n->path, strerror(-r));
		return r;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *err = NULL, *k;
		char *dst = NULL;
		size_t len = 0;
		int nw, r;

		n_line++;
		if (!strchr(line, '\n') && !feof(f)) {
			fprintf(stderr, "lanu-notify: %s:%u: line too long\n", n->path, n_line);
			errors++;
			while (fgets(line, sizeof(line), f) && !strchr(line, '\n'))
				;
			continue;
		}
		nw = conf_split_words(line, w, ELEMENTSOF(w), &err);
		if (nw == 0)
			continue;
		k = nw > 0 ? w[0] : "";
		if (nw < 0) {
			;
		} else if (strcmp(k, "webhook") == 0) {
			err = notify_webhook(n, w, nw, why, sizeof(why));
		} else if (strcmp(k, "email") == 0) {
			err = notify_email(n, w, nw, why, sizeof(why));
		} else if (nw != 2) {
			err = "expected a setting and one value";
		} else if (strcmp(k, "lanud-conf") == 0) {
			dst = n->lanud_conf, len = sizeof(n->lanud_conf);
		} else if (strcmp(k, "state") == 0) {
			dst = n->state, len = sizeof(n->state);
		} else if (strcmp(k, "producer") == 0) {
			dst = n->producer, len = sizeof(n->producer);
		} else if (strcmp(k, "failed-after") == 0) {
			if (conf_parse_span(w[1], &n->failed_after_ms) < 0)
				err = "failed-after is not a span (30s, 15m, 1h, 2d) or 'off'";
		} else if (strcmp(k, "ingest") == 0 || strcmp(k, "publish") == 0) {
			if (strncmp(w[1], "tcp://", 6) && strncmp(w[1], "ipc://", 6))
				err = "not a tcp:// or ipc:// endpoint";
			dst = *k == 'i' ? n->ep.ingest : n->ep.publish, len = ENDPOINT_MAX;
		} else if (strcmp(k, "key") == 0) {
			dst = n->ep.key, len = sizeof(n->ep.key);
		} else if (strcmp(k, "server-key") == 0) {
			dst = n->ep.server_key, len = sizeof(n->ep.server_key);
		} else if (strcmp(k, "smtp") == 0) {
			if (strncmp(w[1], "smtp://", 7) && strncmp(w[1], "smtps://", 8))
				err = "not an smtp:// or smtps:// URL";
			dst = n->relay.url, len = sizeof(n->relay.url);
		} else if (strcmp(k, "smtp-tls") == 0) {
			if (strcmp(w[1], "required") && strcmp(w[1], "when-offered"))
				err = "smtp-tls is 'required' or 'when-offered'";
			dst = n->smtp_tls, len = sizeof(n->smtp_tls);
		} else if (strcmp(k, "smtp-ca-file") == 0) {
			dst = n->relay.ca_file, len = sizeof(n->relay.ca_file);
		} else if (strcmp(k, "smtp-credentials") == 0) {
			dst = n->smtp_credentials, len = sizeof(n->smtp_credentials);
		} else if (strcmp(k, "mail-from") == 0) {
			if (!mail_address_valid(w[1]))
				err = "mail-from is not an e-mail address";
			dst = n->relay.from, len = sizeof(n->relay.from);
		} else {
			snprintf(why, sizeof(why), "unknown setting '%s' (lanud-conf, ingest, "
				 "publish, key, server-key, state, webhook, email, producer, "
				 "failed-after, smtp, smtp-tls, smtp-ca-file, smtp-credentials, "
				 "mail-from)", k);
			err = why;
		}
		if (!err && dst && (r = notify_set(dst, len, w[1])) < 0) {
			snprintf(why, sizeof(why), r == -EALREADY ? "'%s' given twice" :
				 "'%s': value too long", k);
			err = why;
		}
		if (err) {
			fprintf(stderr, "lanu-notify: %s:%u: %s\n", n->path, n_line, err);
			errors++;
		}
	}
	fclose(f);
	if (!*n->state) {
		fprintf(stderr, "lanu-notify: %s: no 'state FILE'\n", n->path);
		errors++;
	}
	if (n->n_ch == 0) {
		fprintf(stderr, "lanu-notify: %s: no channel ('webhook RECIPIENT URL' or 'email "
			"RECIPIENT ADDRESS')\n", n->path);
		errors++;
	}
	errors += notify_conf_mail(n);
	if (*n->lanud_conf && (*n->ep.ingest || *n->ep.publish)) {
		fprintf(stderr, "lanu-notify: %s: 'lanud-conf' or 'ingest' and 'publish', "
			"not both\n", n->path);
		errors++;
	} else if (!*n->lanud_conf && (!*n->ep.ingest || !*n->ep.publish)) {
		fprintf(stderr, "lanu-notify: %s: needs 'lanud-conf PATH' or both 'ingest' and "
			"'publish'\n", n->path);
		errors++;
	}
	return errors ? -EINVAL : 0;
}

/* --- state file -------------------------------------------------------------- */

/* Reads the cursors: "RECIPIENT<TAB>URL<TAB>SEQ[<TAB>SENT<TAB>DIGEST]" lines after the
 * magic one (an e-mail channel's URL is "mailto:ADDRESS"; SENT, when a digest holds
 * alerts, the last seq sent alone, and DIGEST the severity that waited for the digest
 * then: with another one now, the alerts after SEQ are sent again rather than some
 * skipped); a missing file is no cursor yet, lines of channels no longer configured are
 * dropped. Returns 0, -EBADMSG (said), -errno. */
int
notify_state_load(struct notify *n)
{
	char line[4096];
	unsigned n_line = 0;
	FILE *f = fopen(n->state, "re");

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *rc, *url, *seq, *sent, *digest = NULL, *end;
		uint64_t v, v_sent;
		long v_digest = -1;

		n_line++;
		line[strcspn(line, "\n")] = '\0';
		if (n_line == 1 && strcmp(line, NOTIFY_STATE_MAGIC) == 0)
			continue;
		rc = line;
		url = strchr(rc, '\t');
		seq = url ? strchr(url + 1, '\t') : NULL;
		if (n_line == 1 || !seq)
			goto bad;
		*url++ = '\0';
		*seq++ = '\0';
		if ((sent = strchr(seq, '\t'))) {
			*sent++ = '\0';
			if (!(digest = strchr(sent, '\t')))
				goto bad;
			*digest++ = '\0';
		}
		errno = 0;
		v = strtoull(seq, &end, 10);
		if (errno || *end || !*seq)
			goto bad;
		v_sent = v;
		if (sent && (v_sent = strtoull(sent, &end, 10), errno || *end || !*sent ||
			     v_sent < v))
			goto bad;
		if (digest && (v_digest = strtol(digest, &end, 10), *end || !*digest ||
			       v_digest < 0 || v_digest > LANU__V1__SEVERITY__SEVERITY_CRITICAL))
			goto bad;
		for (size_t i = 0; i < n->n_ch; i++) {
			struct channel *ch = &n->ch[i];

			if (strcmp(n->rcpts[ch->rcpt].id, rc) != 0 || strcmp(ch->url, url) != 0)
				continue;
			ch->last = ch->delivered = v;
			ch->sent = digest && v_digest == (long)ch->digest_max ? v_sent : v;
		}
	}
	fclose(f);
	return 0;
bad:
	fclose(f);
	fprintf(stderr, "lanu-notify: %s:%u: not a lanu-notify state line\n", n->state, n_line);
	return -EBADMSG;
}

static int
notify_state_lines(FILE *f, void *arg)
{
	const struct notify *n = arg;

	fprintf(f, "%s\n", NOTIFY_STATE_MAGIC);
	for (size_t i = 0; i < n->n_ch; i++) {
		const struct channel *ch = &n->ch[i];

		fprintf(f, "%s\t%s\t%" PRIu64, n->rcpts[ch->rcpt].id, ch->url, ch->delivered);
		if (ch->sent > ch->delivered)
			fprintf(f, "\t%" PRIu64 "\t%d", ch->sent, (int)ch->digest_max);
		fputc('\n', f);
	}
	return 0;
}

/* Writes every cursor: the file replaced whole (a crash leaves the old or the new one),
 * 0600, as it names the webhooks' URLs, which may carry tokens. Returns 0 or -errno. */
int
notify_state_write(struct notify *n)
{
	return atomic_file_replace(n->state, 0600, notify_state_lines, n);
}

void
notify_conf_free(struct notify *n)
{
	for (size_t i = 0; i < n->n_ch; i++) {
		free(n->ch[i].url);
		if (n->ch[i].secret)
			sodium_memzero(n->ch[i].secret, n->ch[i].secret_len);
		free(n->ch[i].secret);
	}
	for (size_t i = 0; i < n->n_rcpts; i++)
		free(n->rcpts[i].id);
	mail_relay_free(&n->relay);
}
