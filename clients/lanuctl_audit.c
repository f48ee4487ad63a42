/*
 * lanuctl audit: lanud's audit log (docs/security.md, "The audit log"), as a table of
 * SEQ, AT, WHO, WHAT, DETAIL or, with --json, one AuditRecord per line. lanud answers
 * admins only (and ipc:// peers); it pages the log, and this command asks page after
 * page until the log (or --limit) is done, then lays it out.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "lanu/macro.h"

#define AUDIT_DETAIL_MAX 512

enum { AUD_SEQ, AUD_AT, AUD_WHO, AUD_WHAT, AUD_DETAIL, AUD_COLS };

/* "r1,r2" (or "" for none) into buf. */
static void
audit_list(char *const *v, size_t n, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? "," : "", v[i]);

		used += w > 0 ? (size_t)w : 0;
	}
}

/* What the record says, in words, beyond who and what. */
static void
audit_detail(const Lanu__V1__AuditRecord *r, char *buf, size_t size)
{
	char list[256], when[32], times[48] = "";

	audit_list(r->recipients, r->n_recipients, list, sizeof(list));
	if (r->count > 1)
		snprintf(times, sizeof(times), "%" PRIu64 " times, last: ", r->count);
	switch (r->what) {
	case LANU__V1__AUDIT_RECORD__WHAT__PLAN_LOAD:
		if (*r->reason)
			snprintf(buf, size, "%s, nothing stored", r->reason);
		else
			snprintf(buf, size, "version %" PRIu64 "%s", r->plan_version,
				 strcmp(r->request, "plan file") == 0 ? ", from the plan file"
								      : "");
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__PLAN_LOAD_REFUSED:
		snprintf(buf, size, "%s", r->reason);
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__ACK:
		snprintf(buf, size, "%s as %s", r->alert_id, r->claimed);
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__REPLAY:
	case LANU__V1__AUDIT_RECORD__WHAT__OPEN_ALERTS:
		snprintf(buf, size, "recipients %s: %" PRIu64 " alert%s", list, r->count,
			 r->count == 1 ? "" : "s");
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__ALERT_QUERY:
		snprintf(buf, size, "%s%s%s%s", r->alert_id, *list ? " (recipients " : "", list,
			 *list ? ")" : "");
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__ABSENCE_PUPIL_QUERY:
		snprintf(buf, size, "pupil %s: %" PRIu64 " place%s", r->subject, r->count,
			 r->count == 1 ? "" : "s");
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__CASE_QUERY:
		snprintf(buf, size, "case %s: %" PRIu64 " clock%s", r->subject, r->count,
			 r->count == 1 ? "" : "s");
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__REQUEST_REFUSED:
		snprintf(buf, size, "%s%s%s%s%s%s", times, *r->request ? r->request : "request",
			 *r->field ? " " : "", r->field, ": ", r->reason);
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__PEER_REFUSED:
		snprintf(buf, size, "%s%s%s%s%s: %s", times, r->address, *r->who ? " (key " : "",
			 r->who, *r->who ? ")" : "", r->reason);
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__CLOCK_SET:
		instant_format(r->clock_ms, when);
		snprintf(buf, size, "to %s", when);
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__KEY_CHANGE:
		snprintf(buf, size, "key %s at %s: %s", r->subject, r->address, r->reason);
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__RECORDS_DROPPED:
		snprintf(buf, size, "%" PRIu64 " record%s lost: %s", r->count,
			 r->count == 1 ? "" : "s", r->reason);
		break;
	case LANU__V1__AUDIT_RECORD__WHAT__PURGED:
		snprintf(buf, size, "retention took %" PRIu64 " record%s: %s", r->count,
			 r->count == 1 ? "" : "s", r->reason);
		break;
	default:
		snprintf(buf, size, "%s", r->reason);
		break;
	}
}

/* One record's cells, made in the buffers. */
static void
audit_row(const Lanu__V1__AuditRecord *r, char (*buf)[CELL_MAX], char *detail,
	  const char **cell)
{
	const char *what = enum_name(&lanu__v1__audit_record__what__descriptor, (int)r->what, 0);

	snprintf(buf[AUD_SEQ], CELL_MAX, "%" PRIu64, r->seq);
	instant_format(r->at_ms, buf[AUD_AT]);
	snprintf(buf[AUD_WHO], CELL_MAX, "%s%s%s%s", *r->who ? r->who : "-",
		 *r->claimed ? " (" : "", r->claimed, *r->claimed ? ")" : "");
	snprintf(buf[AUD_WHAT], CELL_MAX, "%s", what ? what : "?");
	for (char *c = buf[AUD_WHAT]; *c; c++)
		*c = *c == '_' ? '-' : (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	audit_detail(r, detail, AUDIT_DETAIL_MAX);
	for (size_t i = 0; i < AUD_DETAIL; i++)
		cell[i] = buf[i];
	cell[AUD_DETAIL] = detail;
}

struct audit_pages {
	Lanu__V1__Reply **v;
	size_t n;
	size_t records;
};

/* Keeps rep (stolen: freed if it cannot be kept) for the table. 0 or -ENOMEM. */
static int
audit_keep(struct audit_pages *p, Lanu__V1__Reply *rep)
{
	Lanu__V1__Reply **v = realloc(p->v, (p->n + 1) * sizeof(*v));

	if (!v) {
		fprintf(stderr, "lanuctl: out of memory\n");
		lanu__v1__reply__free_unpacked(rep, NULL);
		return -ENOMEM;
	}
	p->v = v;
	p->v[p->n++] = rep;
	p->records += rep->audit->n_records;
	return 0;
}

static void
audit_table(const struct audit_pages *p)
{
	static const char *const head[AUD_COLS] = { "SEQ", "AT", "WHO", "WHAT", "DETAIL" };
	static const bool right[AUD_COLS] = { true, false, false, false, false };
	struct table t = { .head = head, .right = right, .n = AUD_COLS };
	char buf[AUD_COLS][CELL_MAX], detail[AUDIT_DETAIL_MAX];
	const char *cell[AUD_COLS];

	if (p->records == 0) {
		printf("no audit records\n");
		return;
	}
	table_fit(&t, head);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			table_line(&t, head);
		for (size_t i = 0; i < p->n; i++) {
			const Lanu__V1__AuditList *l = p->v[i]->audit;

			for (size_t j = 0; j < l->n_records; j++) {
				audit_row(l->records[j], buf, detail, cell);
				if (pass == 0)
					table_fit(&t, cell);
				else
					table_line(&t, cell);
			}
		}
	}
}

static int
audit_time(const char *opt, const char *s, uint64_t *ret)
{
	if (instant_parse(s, ret) == 0)
		return 0;
	fprintf(stderr, "lanuctl: %s '%s' is not a time (2026-01-31T12:00:00Z, 2026-01-31 or "
			"milliseconds since the epoch)\n", opt, s);
	return -EINVAL;
}

int
cmd_audit(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "who", required_argument, NULL, 'w' },
		{ "after", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__AuditQuery q = LANU__V1__AUDIT_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	struct audit_pages p = { 0 };
	char *end;
	int ch, r = 0;

	while ((ch = next_option(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'f':
			if (audit_time("--from", optarg, &q.from_ms) < 0)
				return EXIT_REFUSED;
			break;
		case 't':
			if (audit_time("--to", optarg, &q.to_ms) < 0)
				return EXIT_REFUSED;
			break;
		case 'w': q.who = optarg; break;
		case 'a':
			errno = 0;
			q.after_seq = strtoull(optarg, &end, 10);
			if (errno || *end || *optarg < '0' || *optarg > '9') {
				fprintf(stderr, "lanuctl: --after '%s' is not a sequence number\n",
					optarg);
				return EXIT_REFUSED;
			}
			break;
		case 'j': x->json = true; break;
		default: goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	req.body_case = LANU__V1__REQUEST__BODY_AUDIT;
	req.audit = &q;
	for (;;) {
		Lanu__V1__Reply *rep;
		bool more;

		r = ctl_call(x, &req, &rep);
		if (r)
			break;
		if (rep->result_case != LANU__V1__REPLY__RESULT_AUDIT) {
			fprintf(stderr, "lanuctl: lanud answered without an audit list\n");
			lanu__v1__reply__free_unpacked(rep, NULL);
			r = EXIT_REFUSED;
			break;
		}
		more = rep->audit->more;
		q.after_seq = rep->audit->last_seq;
		if (x->json) {
			for (size_t i = 0; i < rep->audit->n_records; i++)
				print_json(&rep->audit->records[i]->base);
			lanu__v1__reply__free_unpacked(rep, NULL);
		} else if (audit_keep(&p, rep) < 0) {
			r = EXIT_REFUSED;
			break;
		}
		if (!more)
			break;
	}
	if (r == 0 && !x->json)
		audit_table(&p);
	for (size_t i = 0; i < p.n; i++)
		lanu__v1__reply__free_unpacked(p.v[i], NULL);
	free(p.v);
	return r;
usage:
	fprintf(stderr, "lanuctl: usage: audit [--from TIME] [--to TIME] [--who NAME] "
			"[--after SEQ] [--json]\n");
	return EXIT_REFUSED;
}
