/*
 * lanu-notify's e-mail (docs/notify.md "E-mail"). A message says, in the recipient's
 * language, what each alert says (lanud's own text in that language, written with the
 * plan's names), what it is about (service, area, subject: pseudonyms only), when it is
 * due, what is expected, and how to acknowledge it. libcurl builds the MIME message
 * (multipart/alternative: text/plain and text/html, quoted-printable) and speaks SMTP;
 * this file writes the words and the headers curl does not: Subject (RFC 2047),
 * Message-ID (stable: from the alert ids, so a resent message is recognised), Date,
 * Auto-Submitted.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lanu/limits.h"
#include "lanu/macro.h"
#include "notify_mail.h"

#define MAIL_TIMEOUT_S		30	/* one message, connecting and TLS included */
#define MAIL_SUBJECT_TEXT	120	/* bytes of an alert's text in a subject */

enum mail_word {
	W_SUBJECT_DIGEST,	/* digest subject: "%s" the period's end, then the count */
	W_ALERT, W_ALERTS,
	W_RECIPIENT, W_SEVERITY, W_SERVICE, W_AREA, W_SUBJECT, W_DUE, W_RAISED, W_EXPECTED,
	W_ACK, W_DIGEST_INTRO, W_FOOTER,
	W_INFO, W_WARNING, W_CRITICAL,
	W_MAX,
};

/* fi, sv, en */
static const char *const mail_words[W_MAX][3] = {
	[W_SUBJECT_DIGEST] = { "Kooste", "Sammandrag", "Digest" },
	[W_ALERT] = { "hälytys", "larm", "alert" },
	[W_ALERTS] = { "hälytystä", "larm", "alerts" },
	[W_RECIPIENT] = { "Vastaanottaja", "Mottagare", "Recipient" },
	[W_SEVERITY] = { "Vakavuus", "Allvarlighetsgrad", "Severity" },
	[W_SERVICE] = { "Palvelu", "Tjänst", "Service" },
	[W_AREA] = { "Alue", "Område", "Area" },
	[W_SUBJECT] = { "Koskee", "Gäller", "About" },
	[W_DUE] = { "Määräpäivä", "Förfallodag", "Due" },
	[W_RAISED] = { "Nostettu", "Utlöst", "Raised" },
	[W_EXPECTED] = { "Odotetaan", "Förväntas", "Expected" },
	[W_ACK] = { "Kuittaa", "Kvittera", "Acknowledge with" },
	[W_DIGEST_INTRO] = { "Hälytykset jaksolta, joka päättyy", "Larmen under perioden som "
			     "slutar", "The alerts of the period ending" },
	[W_FOOTER] = { "Tämän viestin lähetti lanu-notify. Viestiin vastaaminen ei kuittaa "
		       "hälytystä.",
		       "Meddelandet skickades av lanu-notify. Att svara på det kvitterar inte "
		       "larmet.",
		       "Sent by lanu-notify. Replying does not acknowledge the alert." },
	[W_INFO] = { "Tiedoksi", "För kännedom", "Info" },
	[W_WARNING] = { "Varoitus", "Varning", "Warning" },
	[W_CRITICAL] = { "Kriittinen", "Kritisk", "Critical" },
};

/* What is expected, by what the alert says (AlertFacts.Text); fi, sv, en. */
static const char *const mail_expected[][3] = {
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_UNSPECIFIED] = {
		"Käsittele hälytys.", "Behandla larmet.", "Handle the alert." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_DEADLINE_WARNING] = {
		"Varmista, että palvelu annetaan ja kirjataan määräpäivään mennessä.",
		"Se till att tjänsten ges och registreras senast förfallodagen.",
		"See that the service is given and recorded by the due day." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_DEADLINE_MISSED] = {
		"Määräaika on ylittynyt: järjestä palvelu viipymättä ja selvitä syy.",
		"Tidsfristen har överskridits: ordna tjänsten utan dröjsmål och utred orsaken.",
		"The limit has passed: arrange the service without delay and find out why." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_MISSED_REPORTED] = {
		"Määräaika on ylittynyt: järjestä palvelu viipymättä ja selvitä syy.",
		"Tidsfristen har överskridits: ordna tjänsten utan dröjsmål och utred orsaken.",
		"The limit has passed: arrange the service without delay and find out why." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_PROVIDED_LATE] = {
		"Tiedoksi: palvelu annettiin määräajan jälkeen.",
		"För kännedom: tjänsten gavs efter tidsfristen.",
		"For information: the service was given after its limit." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_CANCELLED_LATE] = {
		"Tiedoksi: asia peruttiin määräajan jälkeen.",
		"För kännedom: ärendet avbröts efter tidsfristen.",
		"For information: the case was cancelled after its limit." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_COMPLIANCE_WARNING] = {
		"Käsittele tilanne ja suunnitelman toimenpiteet seurantaryhmässä.",
		"Behandla läget och planens åtgärder i uppföljningsgruppen.",
		"Review the figures and the plan's measures in the monitoring body." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_COMPLIANCE_CRITICAL] = {
		"Käsittele tilanne ja suunnitelman toimenpiteet seurantaryhmässä viipymättä.",
		"Behandla läget och planens åtgärder i uppföljningsgruppen utan dröjsmål.",
		"Review the figures and the plan's measures in the monitoring body now." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_COMPLIANCE_RECOVERED] = {
		"Tiedoksi: tavoite täyttyy jälleen.", "För kännedom: målet uppfylls igen.",
		"For information: the target is met again." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_ABSENCE_LEVEL] = {
		"Toimi poissaolojen portaikon mukaisesti: ota yhteyttä huoltajaan ja tarvittaessa "
		"oppilashuoltoon.",
		"Gör som frånvarotrappan säger: kontakta vårdnadshavaren och vid behov "
		"elevhälsan.",
		"Act as the absence ladder says: contact the guardian and, if needed, student "
		"welfare." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_DROP_OUT] = {
		"Varmista, että nuori saa ohjausta opiskelun tai työn pariin.",
		"Se till att den unga får handledning till studier eller arbete.",
		"See that the young person is guided to studies or work." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_ESCALATION] = {
		"Alkuperäistä hälytystä ei ole kuitattu: huolehdi, että se käsitellään.",
		"Det ursprungliga larmet har inte kvitterats: se till att det behandlas.",
		"The original alert is unacknowledged: see that it is handled." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_WARNING] = {
		"Käsittele indikaattori ja suunnitelman toimenpiteet seurantaryhmässä.",
		"Behandla indikatorn och planens åtgärder i uppföljningsgruppen.",
		"Review the indicator and the plan's measures in the monitoring body." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_CRITICAL] = {
		"Käsittele indikaattori ja suunnitelman toimenpiteet seurantaryhmässä "
		"viipymättä.",
		"Behandla indikatorn och planens åtgärder i uppföljningsgruppen utan dröjsmål.",
		"Review the indicator and the plan's measures in the monitoring body now." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_RECOVERED] = {
		"Tiedoksi: indikaattori on jälleen tavoitteessa.",
		"För kännedom: indikatorn är åter på rätt sida.",
		"For information: the indicator is back on the good side." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_TREND] = {
		"Käsittele indikaattorin suunta seurantaryhmässä.",
		"Behandla indikatorns riktning i uppföljningsgruppen.",
		"Review the indicator's trend in the monitoring body." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_INDICATOR_STALE] = {
		"Toimita indikaattorin arvo.", "Rapportera indikatorns värde.",
		"Report the indicator's value." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_MEASURE_OVERDUE] = {
		"Kirjaa toimenpiteen tila tai sovi sille uusi aikataulu.",
		"Registrera åtgärdens status eller kom överens om en ny tidtabell.",
		"Record the measure's status or agree a new schedule." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_MEASURE_REMINDER] = {
		"Kirjaa toimenpiteen tila ennen raportin määräpäivää.",
		"Registrera åtgärdens status före rapportens förfallodag.",
		"Record the measure's status before the report is due." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_DELIVERY_FAILED] = {
		"Tarkista lanu-notifyn kanava: hälytykset eivät tavoita vastaanottajaa.",
		"Kontrollera lanu-notifys kanal: larmen når inte mottagaren.",
		"Check lanu-notify's channel: alerts do not reach the recipient." },
	[LANU__V1__ALERT_FACTS__TEXT__TEXT_DELIVERY_RECOVERED] = {
		"Tiedoksi: hälytykset tavoittavat vastaanottajan jälleen.",
		"För kännedom: larmen når mottagaren igen.",
		"For information: alerts reach the recipient again." },
};

static int
mail_lang(const char *lang)
{
	return strcmp(lang, "sv") == 0 ? 1 : strcmp(lang, "en") == 0 ? 2 : 0;
}

static const char *
mail_word(const struct mail_msg *m, enum mail_word w)
{
	return mail_words[w][mail_lang(m->lang)];
}

/* t's text in m's language, else Finnish, else English: lanud writes all three. */
static const char *
mail_text(const struct mail_msg *m, const Lanu__V1__Text *t)
{
	const char *s;

	if (!t)
		return "";
	s = mail_lang(m->lang) == 1 ? t->sv : mail_lang(m->lang) == 2 ? t->en : t->fi;
	return *s ? s : *t->fi ? t->fi : t->en;
}

/* The plan's name of object id of kind k in m's language; id itself without one. */
static const char *
mail_name(const struct mail_msg *m, enum plan_kind k, const char *id)
{
	const Lanu__V1__Text *t = plan_index_name(m->plan, k, id);
	const char *s = t ? mail_text(m, t) : "";

	return *s ? s : id;
}

static const char *
mail_severity(const struct mail_msg *m, Lanu__V1__Severity s)
{
	return mail_word(m, s == LANU__V1__SEVERITY__SEVERITY_CRITICAL ? W_CRITICAL :
			    s == LANU__V1__SEVERITY__SEVERITY_WARNING ? W_WARNING : W_INFO);
}

static const char *
mail_expected_of(const struct mail_msg *m, const Lanu__V1__Alert *a)
{
	size_t t = a->facts ? (size_t)a->facts->text : 0;

	if (t >= ELEMENTSOF(mail_expected) || !mail_expected[t][0])
		t = 0;
	return mail_expected[t][mail_lang(m->lang)];
}

/* A local day "YYYY-MM-DD" as people write it: "31.1.2027" (fi, sv), as is (en). */
static const char *
mail_day(const struct mail_msg *m, const char *iso, char *buf, size_t len)
{
	int y, mo, d;

	if (mail_lang(m->lang) == 2 || strlen(iso) != 10 ||
	    sscanf(iso, "%4d-%2d-%2d", &y, &mo, &d) != 3)
		return iso;
	snprintf(buf, len, "%d.%d.%d", d, mo, y);
	return buf;
}

/* An instant in local time: "31.1.2027 klo 8.00" (fi), "31.1.2027 kl. 8.00" (sv),
 * "2027-01-31 08:00" (en). */
static const char *
mail_instant(const struct mail_msg *m, uint64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return "?";
	if (mail_lang(m->lang) == 2)
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	else
		snprintf(buf, len, "%d.%d.%d %s %d.%02d", tm.tm_mday, tm.tm_mon + 1,
			 tm.tm_year + 1900, mail_lang(m->lang) ? "kl." : "klo", tm.tm_hour,
			 tm.tm_min);
	return buf;
}

/* --- the two parts ------------------------------------------------------------------- */

static void
mail_html_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* One label: value line of an alert, in text or as a table row. */
static void
mail_row(FILE *f, bool html, const char *label, const char *value)
{
	if (!*value)
		return;
	if (!html) {
		fprintf(f, "%s: %s\n", label, value);
		return;
	}
	fputs("<tr><th align=\"left\">", f);
	mail_html_escaped(f, label);
	fputs("</th><td>", f);
	mail_html_escaped(f, value);
	fputs("</td></tr>\n", f);
}

static void
mail_alert_part(FILE *f, bool html, const struct mail_msg *m, const Lanu__V1__Alert *a)
{
	char day[32], raised[48], ack[64];
	const char *text = mail_text(m, a->text);

	if (html) {
		fputs("<p><b>", f);
		mail_html_escaped(f, *text ? text : a->alert_id);
		fputs("</b></p>\n<table>\n", f);
	} else {
		fprintf(f, "%s\n\n", *text ? text : a->alert_id);
	}
	mail_row(f, html, mail_word(m, W_SEVERITY), mail_severity(m, a->severity));
	mail_row(f, html, mail_word(m, W_SERVICE), mail_name(m, PLAN_SERVICE, a->service));
	mail_row(f, html, mail_word(m, W_AREA), mail_name(m, PLAN_AREA, a->area));
	mail_row(f, html, mail_word(m, W_SUBJECT), a->subject);
	if (a->facts && *a->facts->due_day)
		mail_row(f, html, mail_word(m, W_DUE),
			 mail_day(m, a->facts->due_day, day, sizeof(day)));
	mail_row(f, html, mail_word(m, W_RAISED),
		 mail_instant(m, a->raised_at_ms, raised, sizeof(raised)));
	mail_row(f, html, mail_word(m, W_EXPECTED), mail_expected_of(m, a));
	snprintf(ack, sizeof(ack), "lanuctl ack %s", a->alert_id);
	mail_row(f, html, mail_word(m, W_ACK), ack);
	if (html)
		fputs("</table>\n", f);
}

/* The whole plain text (html false) or HTML part, in a malloc'd string. */
static char *
mail_body(const struct mail_msg *m, bool html)
{
	const char *rcpt = mail_name(m, PLAN_RECIPIENT, m->rcpt);
	char *buf = NULL, at[48];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (html) {
		fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
			"</head><body>\n<p>", m->lang);
		mail_html_escaped(f, mail_word(m, W_RECIPIENT));
		fputs(": ", f);
		mail_html_escaped(f, rcpt);
		fputs("</p>\n", f);
	} else {
		fprintf(f, "%s: %s\n\n", mail_word(m, W_RECIPIENT), rcpt);
	}
	if (m->digest_at_ms) {
		mail_instant(m, m->digest_at_ms, at, sizeof(at));
		if (html) {
			fputs("<p>", f);
			mail_html_escaped(f, mail_word(m, W_DIGEST_INTRO));
			fprintf(f, " %s (%zu):</p>\n", at, m->n);
		} else {
			fprintf(f, "%s %s (%zu):\n\n", mail_word(m, W_DIGEST_INTRO), at, m->n);
		}
	}
	for (size_t i = 0; i < m->n; i++) {
		if (i > 0)
			fputs(html ? "<hr>\n" : "\n-- \n\n", f);
		mail_alert_part(f, html, m, m->alerts[i]);
	}
	if (html) {
		fputs("<p><small>", f);
		mail_html_escaped(f, mail_word(m, W_FOOTER));
		fputs("</small></p>\n</body></html>\n", f);
	} else {
		fprintf(f, "\n%s\n", mail_word(m, W_FOOTER));
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* s with every "\n" as "\r\n", the line ending MIME's quoted-printable keeps as a line
 * break; s is freed. NULL when out of memory (s freed too). */
static char *
mail_crlf(char *s)
{
	size_t n = 0, len;
	char *out, *p;

	if (!s)
		return NULL;
	for (p = s; *p; p++)
		n += *p == '\n';
	len = (size_t)(p - s);
	out = malloc(len + n + 1);
	if (out) {
		p = out;
		for (const char *q = s; *q; q++) {
			if (*q == '\n')
				*p++ = '\r';
			*p++ = *q;
		}
		*p = '\0';
	}
	free(s);
	return out;
}

/* --- headers ------------------------------------------------------------------------- */

/* The subject as people read it, UTF-8: "[lanu] Kriittinen: TEXT" or, a digest,
 * "[lanu] Kooste 3.12.2026 klo 8.00: 4 hälytystä". */
static void
mail_subject_text(const struct mail_msg *m, char *buf, size_t len)
{
	char at[48];

	if (m->digest_at_ms) {
		snprintf(buf, len, "[lanu] %s %s: %zu %s", mail_word(m, W_SUBJECT_DIGEST),
			 mail_instant(m, m->digest_at_ms, at, sizeof(at)), m->n,
			 mail_word(m, m->n == 1 ? W_ALERT : W_ALERTS));
	} else {
		const Lanu__V1__Alert *a = m->alerts[0];
		const char *t = *mail_text(m, a->text) ? mail_text(m, a->text) : a->alert_id;
		size_t n = strlen(t);

		if (n > MAIL_SUBJECT_TEXT) {	/* cut on a character's first byte */
			n = MAIL_SUBJECT_TEXT;
			while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
				n--;
		}
		snprintf(buf, len, "[lanu] %s: %.*s%s", mail_severity(m, a->severity), (int)n, t,
			 n < strlen(t) ? "…" : "");
	}
}

/* "Subject: " and s as RFC 2047 encoded words (UTF-8, base64), each of at most 45 bytes
 * of text cut on a character's first byte, on one line. */
static char *
mail_subject_header(const char *s)
{
	size_t len = strlen(s), cap = 16 + len * 2 + (len / 45 + 1) * 16;
	char *h = malloc(cap), *p;

	if (!h)
		return NULL;
	p = h + sprintf(h, "Subject:");
	while (len > 0) {
		size_t n = len < 45 ? len : 45;

		while (n < len && n > 1 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		p += sprintf(p, " =?UTF-8?B?");
		sodium_bin2base64(p, (size_t)(h + cap - p), (const unsigned char *)s, n,
				  sodium_base64_VARIANT_ORIGINAL);
		p += strlen(p);
		p += sprintf(p, "?=");
		s += n;
		len -= n;
	}
	return h;
}

/* An id as a piece of a msg-id's dot-atom: letters, digits, '-' and '_' as they are,
 * every other byte (the plan's ids also have '.' and ':') as "=XX", so that no two ids
 * give the same piece and no piece makes an empty atom. */
static void
mail_atom(char *dst, size_t len, const char *id)
{
	size_t i = 0;

	for (; *id && i + 4 < len; id++) {
		unsigned char c = (unsigned char)*id;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_')
			dst[i++] = (char)c;
		else
			i += (size_t)snprintf(dst + i, len - i, "=%02X", c);
	}
	dst[i] = '\0';
}

/* A stable Message-ID: one alert "<lanu.ALERT.RECIPIENT.CHANNEL@DOMAIN>", a digest
 * "<lanu.digest.FIRST-LAST.RECIPIENT.CHANNEL@DOMAIN>" (its first and last alerts' seqs),
 * the domain the sender's. */
static void
mail_message_id(const struct mail_relay *r, const struct mail_msg *m, char *buf, size_t len)
{
	const char *domain = strrchr(r->from, '@');
	char rcpt[3 * LANU_MAX_ID + 1], alert[64];

	mail_atom(rcpt, sizeof(rcpt), m->rcpt);
	if (m->digest_at_ms)
		snprintf(alert, sizeof(alert), "digest.%" PRIu64 "-%" PRIu64, m->alerts[0]->seq,
			 m->alerts[m->n - 1]->seq);
	else
		mail_atom(alert, sizeof(alert), m->alerts[0]->alert_id);
	snprintf(buf, len, "<lanu.%s.%s.%s@%s>", alert, rcpt, m->channel,
		 domain ? domain + 1 : "localhost");
}

/* The headers curl does not write, as a list; NULL when out of memory. */
static struct curl_slist *
mail_headers(const struct mail_relay *r, const struct mail_msg *m)
{
	char line[512 + 2 * LANU_MAX_ID], subject[512], date[64];
	struct curl_slist *h = NULL, *t;
	time_t now = time(NULL);
	struct tm tm;
	char *s;
	const char *fixed[] = { "Auto-Submitted: auto-generated", "X-Auto-Response-Suppress: All",
				NULL };

#define MAIL_ADD(x) (h = (t = curl_slist_append(h, (x))) ? t : (curl_slist_free_all(h), NULL))
	snprintf(line, sizeof(line), "From: lanu <%s>", r->from);
	MAIL_ADD(line);
	snprintf(line, sizeof(line), "To: <%s>", m->to);
	if (h)
		MAIL_ADD(line);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
	if (h)
		MAIL_ADD(date);
	mail_message_id(r, m, subject, sizeof(subject));
	snprintf(line, sizeof(line), "Message-ID: %s", subject);
	if (h)
		MAIL_ADD(line);
	mail_subject_text(m, subject, sizeof(subject));
	s = mail_subject_header(subject);
	if (h && s)
		MAIL_ADD(s);
	free(s);
	if (!s) {
		curl_slist_free_all(h);
		return NULL;
	}
	snprintf(line, sizeof(line), "X-Lanu-Recipient: %s", m->rcpt);
	if (h)
		MAIL_ADD(line);
	if (!m->digest_at_ms) {
		snprintf(line, sizeof(line), "X-Lanu-Alert-Id: %s", m->alerts[0]->alert_id);
		if (h)
			MAIL_ADD(line);
	}
	for (size_t i = 0; h && fixed[i]; i++)
		MAIL_ADD(fixed[i]);
#undef MAIL_ADD
	return h;
}

/* --- the relay ----------------------------------------------------------------------- */

bool
mail_address_valid(const char *s)
{
	const char *at = strrchr(s, '@');

	if (!at || at == s || !at[1] || strlen(s) > MAIL_ADDRESS_MAX || !strchr(at + 1, '.'))
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || strchr("<>()[]\",;:\\", *s))
			return false;
	return true;
}

void
mail_relay_free(struct mail_relay *r)
{
	free(r->user);
	if (r->password)
		sodium_memzero(r->password, strlen(r->password));
	free(r->password);
	r->user = r->password = NULL;
}

int
mail_print(FILE *f, const struct mail_relay *r, const struct mail_msg *m)
{
	struct curl_slist *h = mail_headers(r, m);
	char subject[512], *text = mail_body(m, false);

	if (!h || !text) {
		curl_slist_free_all(h);
		free(text);
		return -ENOMEM;
	}
	mail_subject_text(m, subject, sizeof(subject));
	for (const struct curl_slist *p = h; p; p = p->next)
		if (strncmp(p->data, "Subject:", 8) != 0)
			fprintf(f, "%s\n", p->data);
	fprintf(f, "Subject (decoded): %s\n\n%s\n", subject, text);
	curl_slist_free_all(h);
	free(text);
	return fflush(f) == 0 ? 0 : -errno;
}

/* What curl reads from while a message is on its way. */
struct mail_job {
	struct curl_slist *headers, *rcpt;
	curl_mime *mime;
	char *text, *html;
	char from[MAIL_ADDRESS_MAX + 3];
};

static void
mail_job_free(struct mail_job *j)
{
	if (!j)
		return;
	curl_mime_free(j->mime);
	curl_slist_free_all(j->rcpt);
	curl_slist_free_all(j->headers);
	free(j->text);
	free(j->html);
	free(j);
}

int
mail_start(CURL *c, const struct mail_relay *relay, const struct mail_msg *m,
	   struct mail_job **ret)
{
	struct mail_job *j = calloc(1, sizeof(*j));
	struct curl_slist *disp = NULL;
	curl_mime *alt = NULL;
	curl_mimepart *part;
	char addr[MAIL_ADDRESS_MAX + 3];

	if (!j)
		return -ENOMEM;
	j->headers = mail_headers(relay, m);
	j->text = mail_crlf(mail_body(m, false));
	j->html = mail_crlf(mail_body(m, true));
	snprintf(addr, sizeof(addr), "<%s>", m->to);
	j->rcpt = curl_slist_append(NULL, addr);
	disp = curl_slist_append(NULL, "Content-Disposition: inline");
	if (!j->headers || !j->text || !j->html || !j->rcpt || !disp ||
	    !(j->mime = curl_mime_init(c)) || !(alt = curl_mime_init(c)))
		goto fail;
	/* multipart/alternative: the plain text first, the HTML as the richer choice */
	if (!(part = curl_mime_addpart(alt)) ||
	    curl_mime_data(part, j->text, CURL_ZERO_TERMINATED) ||
	    curl_mime_type(part, "text/plain; charset=utf-8") ||
	    curl_mime_encoder(part, "quoted-printable"))
		goto fail;
	if (!(part = curl_mime_addpart(alt)) ||
	    curl_mime_data(part, j->html, CURL_ZERO_TERMINATED) ||
	    curl_mime_type(part, "text/html; charset=utf-8") ||
	    curl_mime_encoder(part, "quoted-printable"))
		goto fail;
	if (!(part = curl_mime_addpart(j->mime)) || curl_mime_subparts(part, alt))
		goto fail;
	alt = NULL;	/* the part owns it */
	if (curl_mime_type(part, "multipart/alternative") || curl_mime_headers(part, disp, 1))
		goto fail;
	disp = NULL;
	snprintf(j->from, sizeof(j->from), "<%s>", relay->from);
	curl_easy_setopt(c, CURLOPT_URL, relay->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)MAIL_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_USE_SSL, relay->tls_try ? (long)CURLUSESSL_TRY :
							       (long)CURLUSESSL_ALL);
	if (*relay->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, relay->ca_file);
	if (relay->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, relay->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, relay->password);
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, j->from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, j->rcpt);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->headers);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, j->mime);
	*ret = j;
	return 0;
fail:
	curl_mime_free(alt);
	curl_slist_free_all(disp);
	mail_job_free(j);
	return -ENOMEM;
}

int
mail_done(CURL *c, struct mail_job *j, CURLcode cr, char *why, size_t why_len)
{
	long code = 0;
	int r = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cr == CURLE_OK) {
		r = 0;
	} else if (code >= 400) {
		snprintf(why, why_len, "SMTP %ld", code);
		r = -EPROTO;
	} else {
		snprintf(why, why_len, "%s", curl_easy_strerror(cr));
		r = -EIO;
	}
	curl_easy_reset(c);	/* curl points at the job until then */
	mail_job_free(j);
	return r;
}
