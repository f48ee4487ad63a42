/*
 * lanuctl's words for people: the plan's names for the ids lanud answers with, in the
 * chosen language, and headers, days and periods as people say them. The plan in force
 * is fetched once per run, when the first name is asked for; without it (no plan, a key
 * that may not read it, --ids, --json) ids are shown as they are. The language is
 * --lang, else the locale's (LC_ALL, LC_MESSAGES, LANG: fi..., sv..., else en).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "plan_index.h"

void
ctl_lang_default(struct ctl *x)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

	if (x->lang)
		return;
	x->lang = "en";
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (!v || !*v)
			continue;	/* POSIX: the first one set decides */
		if (strncmp(v, "fi", 2) == 0)
			x->lang = "fi";
		else if (strncmp(v, "sv", 2) == 0)
			x->lang = "sv";
		return;
	}
}

const char *
ctl_word(const struct ctl *x, const char *en, const char *fi, const char *sv)
{
	if (strcmp(x->lang, "fi") == 0)
		return fi;
	if (strcmp(x->lang, "sv") == 0)
		return sv;
	return en;
}

/* The plan in force, fetched once; NULL when there is none or it cannot be read. */
static const struct plan_index *
ctl_names(struct ctl *x)
{
	Lanu__V1__PlanQuery q = LANU__V1__PLAN_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;

	if (x->ids || x->json || x->names_tried)
		return x->names;
	x->names_tried = true;
	req.body_case = LANU__V1__REQUEST__BODY_PLAN;
	req.plan = &q;
	if (ctl_request(x, &req, &x->names_rep) != 0)
		return NULL;	/* said on stderr: the ids will do */
	if (x->names_rep->code != LANU__V1__REPLY__CODE__OK || !x->names_rep->plan_version ||
	    !x->names_rep->plan_version->plan ||
	    plan_index_new(x->names_rep->plan_version->plan, &x->names) < 0)
		x->names = NULL;
	return x->names;
}

void
ctl_names_free(struct ctl *x)
{
	x->names = plan_index_free(x->names);
	if (x->names_rep)
		lanu__v1__reply__free_unpacked(x->names_rep, NULL);
	x->names_rep = NULL;
}

/* An object's name: its Text field `name` (areas, recipients, services, ... have one),
 * in x's language; id itself when the plan has no name for it. */
const char *
ctl_name(struct ctl *x, enum plan_kind k, const char *id)
{
	const Lanu__V1__Text *t = plan_index_name(ctl_names(x), k, id);
	const char *s = t ? plan_text(x, t) : "";

	return *s ? s : id;
}

const char *
ctl_stage_name(struct ctl *x, const char *service, const char *stage)
{
	const struct plan_index *ix = ctl_names(x);
	const Lanu__V1__Service *s = ix ? plan_index_service(ix, service) : NULL;
	const Lanu__V1__Stage *st = s ? plan_index_stage(s, stage) : NULL;
	const char *n = st ? plan_text(x, st->name) : "";

	return *n ? n : stage;
}

const char *
ctl_plan_title(struct ctl *x)
{
	const struct plan_index *ix = ctl_names(x);
	const Lanu__V1__Plan *p = ix ? plan_index_plan(ix) : NULL;

	return p && p->plan ? plan_text(x, p->plan->title) : "";
}

/* "YYYY-MM-DD" into its parts; false if it is not one. */
static bool
day_parts(const char *s, int *y, int *m, int *d)
{
	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d", y, m, d) == 3;
}

const char *
ctl_day(const struct ctl *x, const char *iso, char *buf, size_t len)
{
	int y, m, d;

	if (strcmp(x->lang, "fi") != 0 || !day_parts(iso, &y, &m, &d))
		return iso;
	snprintf(buf, len, "%d.%d.%d", d, m, y);
	return buf;
}

const char *
ctl_period(const struct ctl *x, const char *from, const char *to, char *buf, size_t len)
{
	int y1, m1, d1, y2, m2, d2;

	if (strcmp(from, "1900-01-01") == 0 && strcmp(to, "9999-12-31") == 0)
		return ctl_word(x, "all time", "koko ajalta", "hela tiden");
	if (!day_parts(from, &y1, &m1, &d1) || !day_parts(to, &y2, &m2, &d2)) {
		snprintf(buf, len, "%s – %s", from, to);
		return buf;
	}
	if (y1 == y2 && m1 == 1 && d1 == 1 && m2 == 12 && d2 == 31)
		snprintf(buf, len, "%d", y1);
	else if (strcmp(x->lang, "fi") != 0)
		snprintf(buf, len, "%s – %s", from, to);
	else if (y1 == y2 && m1 == m2)
		snprintf(buf, len, "%d.–%d.%d.%d", d1, d2, m2, y2);
	else if (y1 == y2)
		snprintf(buf, len, "%d.%d.–%d.%d.%d", d1, m1, d2, m2, y2);
	else
		snprintf(buf, len, "%d.%d.%d–%d.%d.%d", d1, m1, y1, d2, m2, y2);
	return buf;
}

const char *
ctl_urgency(const struct ctl *x, int urgency)
{
	if (urgency == LANU__V1__URGENCY__URGENCY_URGENT)
		return ctl_word(x, "urgent", "kiireellinen", "brådskande");
	if (urgency == LANU__V1__URGENCY__URGENCY_NORMAL)
		return ctl_word(x, "normal", "tavallinen", "normal");
	return "-";
}
