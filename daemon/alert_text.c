/*
 * alert_text: what an alert says, in fi, sv and en. Each text is a template with
 * {placeholders}; a part in [brackets] is left out when a placeholder in it is empty
 * (a service without stages has no ", stage ..."). Plan objects are written by their
 * names in the plan in force, so a supervisor reads "Koulukuraattori, Kylän koulu",
 * not "school-social-worker, kyla-koulu"; the case is its pseudonymous id. An alert
 * is stored with its facts (lanu.proto's AlertFacts), not its words: the text is
 * written when the alert is published and each time it is read. Filling
 * is a plain copy (no printf format parsing), since some alert is raised for many
 * events.
 */
#include "alert_text.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "lanu/macro.h"
#include "plan_index.h"

enum { FI, SV, EN, N_LANG };

#define T(name) LANU__V1__ALERT_FACTS__TEXT__TEXT_##name

static const char *const alert_texts[][N_LANG] = {
	[T(DEADLINE_WARNING)] = {
		"Määräaika lähestyy: {service}[, vaihe {stage}][, {area}], asia {case}; "
		"määräpäivä {due}.",
		"Tidsfristen närmar sig: {service}[, skede {stage}][, {area}], ärende {case}; "
		"sista dag {due}.",
		"Deadline approaching: {service}[, stage {stage}][, {area}], case {case}; "
		"due {due}.",
	},
	[T(DEADLINE_MISSED)] = {
		"Määräaika ylittyi: {service}[, vaihe {stage}][, {area}], asia {case}; "
		"määräpäivä oli {due}.",
		"Tidsfristen överskreds: {service}[, skede {stage}][, {area}], ärende {case}; "
		"sista dag var {due}.",
		"Deadline missed: {service}[, stage {stage}][, {area}], case {case}; "
		"it was due {due}.",
	},
	[T(MISSED_REPORTED)] = {
		"Määräaika ylittyi: {service}[, vaihe {stage}][, {area}], asia {case}.",
		"Tidsfristen överskreds: {service}[, skede {stage}][, {area}], ärende {case}.",
		"Deadline missed: {service}[, stage {stage}][, {area}], case {case}.",
	},
	[T(PROVIDED_LATE)] = {
		"Palvelu annettu myöhässä: {service}[, vaihe {stage}][, {area}], asia {case}; "
		"määräpäivä oli {due}, annettu {at}.",
		"Tjänsten given för sent: {service}[, skede {stage}][, {area}], ärende {case}; "
		"sista dag var {due}, given {at}.",
		"Provided late: {service}[, stage {stage}][, {area}], case {case}; "
		"it was due {due}, provided {at}.",
	},
	[T(CANCELLED_LATE)] = {
		"Asia peruttu määräajan ylittymisen jälkeen: {service}[, vaihe {stage}][, {area}], "
		"asia {case}; määräpäivä oli {due}, peruttu {at}.",
		"Ärendet återkallat efter tidsfristen: {service}[, skede {stage}][, {area}], "
		"ärende {case}; sista dag var {due}, återkallat {at}.",
		"Cancelled after the deadline: {service}[, stage {stage}][, {area}], case {case}; "
		"it was due {due}, cancelled {at}.",
	},
	[T(COMPLIANCE_WARNING)] = {
		"Määräaikojen toteutuminen alle tavoitteen: {indicator}[ ({group})] on {value} % "
		"({count} asiaa 12 kuukaudessa).",
		"Andelen inom tidsfristen under målet: {indicator}[ ({group})] är {value} % "
		"({count} ärenden på 12 månader).",
		"Compliance below target: {indicator}[ ({group})] is {value} % "
		"({count} cases in 12 months).",
	},
	[T(COMPLIANCE_CRITICAL)] = {
		"Määräaikojen toteutuminen alle kriittisen rajan: {indicator}[ ({group})] on "
		"{value} % ({count} asiaa 12 kuukaudessa).",
		"Andelen inom tidsfristen under den kritiska gränsen: {indicator}[ ({group})] är "
		"{value} % ({count} ärenden på 12 månader).",
		"Compliance below the critical threshold: {indicator}[ ({group})] is {value} % "
		"({count} cases in 12 months).",
	},
	[T(COMPLIANCE_RECOVERED)] = {
		"Määräaikojen toteutuminen palautui: {indicator}[ ({group})] on {value} % "
		"({count} asiaa 12 kuukaudessa).",
		"Andelen inom tidsfristen har återhämtat sig: {indicator}[ ({group})] är {value} % "
		"({count} ärenden på 12 månader).",
		"Compliance recovered: {indicator}[ ({group})] is {value} % "
		"({count} cases in 12 months).",
	},
	[T(INDICATOR_WARNING)] = {
		"Mittari varoitusrajan huonommalla puolella: {indicator}[ ({group})] {period}: "
		"{value}[, tavoite {target}], raja {threshold}.",
		"Indikatorn på fel sida om varningsgränsen: {indicator}[ ({group})] {period}: "
		"{value}[, mål {target}], gräns {threshold}.",
		"Indicator past its warning threshold: {indicator}[ ({group})] {period}: "
		"{value}[, target {target}], threshold {threshold}.",
	},
	[T(INDICATOR_CRITICAL)] = {
		"Mittari kriittisen rajan huonommalla puolella: {indicator}[ ({group})] {period}: "
		"{value}[, tavoite {target}], raja {threshold}.",
		"Indikatorn på fel sida om den kritiska gränsen: {indicator}[ ({group})] {period}: "
		"{value}[, mål {target}], gräns {threshold}.",
		"Indicator past its critical threshold: {indicator}[ ({group})] {period}: "
		"{value}[, target {target}], threshold {threshold}.",
	},
	[T(INDICATOR_RECOVERED)] = {
		"Mittari palautui: {indicator}[ ({group})] {period}: {value}[, tavoite {target}].",
		"Indikatorn har återhämtat sig: {indicator}[ ({group})] {period}: {value}"
		"[, mål {target}].",
		"Indicator recovered: {indicator}[ ({group})] {period}: {value}[, target {target}].",
	},
	[T(INDICATOR_TREND)] = {
		"Mittari heikentynyt {periods} jaksoa peräkkäin: {indicator}[ ({group})] {period}: "
		"{value}[, tavoite {target}].",
		"Indikatorn har försämrats {periods} perioder i rad: {indicator}[ ({group})] "
		"{period}: {value}[, mål {target}].",
		"Indicator worse {periods} periods in a row: {indicator}[ ({group})] {period}: "
		"{value}[, target {target}].",
	},
	[T(INDICATOR_STALE)] = {
		"Mittarin arvo puuttuu: {indicator}, jakso {period}; se odotettiin viimeistään {due}.",
		"Indikatorns värde saknas: {indicator}, period {period}; det väntades senast {due}.",
		"Indicator value missing: {indicator}, period {period}; it was due by {due}.",
	},
	[T(MEASURE_OVERDUE)] = {
		"Toimenpide myöhässä: {measure}; aikataulu päättyi {due}[, tila {status}].",
		"Åtgärden försenad: {measure}; tidsplanen slutade {due}[, läge {status}].",
		"Measure overdue: {measure}; its schedule ended {due}[, status {status}].",
	},
	[T(MEASURE_REMINDER)] = {
		"Toimenpiteen tilanne vuodelta {period} puuttuu: {measure}; hyvinvointiraportti "
		"{due}.",
		"Åtgärdens läge för år {period} saknas: {measure}; välfärdsrapporten {due}.",
		"No status for {period} of measure {measure}; the welfare report is due {due}.",
	},
	[T(ABSENCE_LEVEL)] = {
		"Poissaolot, taso {level}[ ({passed})]: oppilas {case}[, {grade}. luokka], "
		"{area}; {hours} h, {share} % tunneista jaksolla {period}. Toimenpide: {action}",
		"Frånvaro, nivå {level}[ ({passed})]: elev {case}[, årskurs {grade}], {area}; "
		"{hours} h, {share} % av lektionerna under perioden {period}. Åtgärd: {action}",
		"Absences, level {level}[ ({passed})]: pupil {case}[, grade {grade}], {area}; "
		"{hours} h, {share} % of lessons in period {period}. Action: {action}",
	},
	[T(DROP_OUT)] = {
		"Toisen asteen opinnot keskeytyivät: opiskelija {case} ({age}), kotialue {area}; "
		"{reason} {day}, {provider}.",
		"Studierna på andra stadiet avbröts: studerande {case} ({age}), hemområde {area}; "
		"{reason} {day}, {provider}.",
		"Upper-secondary education discontinued: student {case} ({age}), home area {area}; "
		"{reason} on {day}, {provider}.",
	},
	[T(DELIVERY_FAILED)] = {
		"Hälytykset eivät tavoita vastaanottajaa {recipient} kanavalla {channel} "
		"{since} alkaen: {failure}.[ Viimeksi toimitettu: #{last}.]",
		"Larmen når inte {recipient} via {channel} sedan {since}: {failure}."
		"[ Senast levererat: #{last}.]",
		"Alerts are not reaching {recipient} by {channel} since {since}: {failure}."
		"[ Last delivered: #{last}.]",
	},
	[T(DELIVERY_RECOVERED)] = {
		"Hälytykset tavoittavat taas vastaanottajan {recipient} kanavalla {channel} "
		"(katkos {since} alkaen).",
		"Larmen når åter {recipient} via {channel} (avbrott sedan {since}).",
		"Alerts reach {recipient} by {channel} again (failing since {since}).",
	},
	[T(ESCALATION)] = {
		"Kuittaamaton hälytys {alert}: {kind}[, {service}][, {indicator}][, {area}]"
		"[, {subject}]; kuittaamatta {after}, porrastuksen {step}. vaihe.",
		"Okvitterat larm {alert}: {kind}[, {service}][, {indicator}][, {area}]"
		"[, {subject}]; okvitterat i {after}, eskaleringens steg {step}.",
		"Unacknowledged alert {alert}: {kind}[, {service}][, {indicator}][, {area}]"
		"[, {subject}]; not acknowledged for {after}, escalation step {step}.",
	},
};

/* What an escalated alert was, by its kind as lanu.proto numbers them. */
static const char *const alert_text_kind[][N_LANG] = {
	[LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_WARNING] = {
		"määräaika lähestyy", "tidsfristen närmar sig", "deadline approaching" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_DEADLINE_MISSED] = {
		"määräaika ylittyi", "tidsfristen överskreds", "deadline missed" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_RESOLVED] = { "ratkaistu", "löst", "resolved" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_THRESHOLD] = {
		"mittarin raja ylittyi", "indikatorns gräns passerad",
		"indicator threshold crossed" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_STALE] = {
		"mittarin tieto vanhentunut", "indikatorns uppgift föråldrad",
		"indicator out of date" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_COMPLIANCE_BELOW_TARGET] = {
		"määräaikojen toteutuminen alle tavoitteen", "andelen inom tidsfristen under målet",
		"compliance below target" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_MEASURE_OVERDUE] = {
		"toimenpide myöhässä", "åtgärden försenad", "measure overdue" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_ABSENCE_LEVEL] = {
		"poissaolojen taso", "frånvaronivå", "absence level" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_ESCALATION] = {
		"porrastus", "eskalering", "escalation" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_DROP_OUT] = {
		"opinnot keskeytyivät", "studierna avbröts", "drop-out" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_INDICATOR_TREND] = {
		"mittari heikentynyt", "indikatorn försämrad", "indicator worsening" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_MEASURE_REMINDER] = {
		"toimenpiteen tilanne puuttuu", "åtgärdens läge saknas", "measure status missing" },
	[LANU__V1__ALERT_KIND__ALERT_KIND_DELIVERY_FAILED] = {
		"hälytykset eivät perillä", "larmen når inte fram", "delivery failed" },
};

/* A measure's status, as lanu.proto numbers them. */
static const char *const alert_text_status[][N_LANG] = {
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_NOT_STARTED] = { "suunniteltu", "planerad",
								   "planned" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_IN_PROGRESS] = { "aloitettu", "påbörjad",
								   "started" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DONE] = { "toteutettu", "genomförd", "done" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_DROPPED] = { "luovuttu", "slopad", "dropped" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_PILOTED] = { "kokeiltu", "prövad", "piloted" },
	[LANU__V1__MEASURE_STATUS__MEASURE_STATUS_ESTABLISHED] = { "vakiintunut", "etablerad",
								   "established" },
};

/* An escalation step's delay unit, as lanu.proto numbers them: one, then many. */
static const char *const alert_text_unit[][N_LANG][2] = {
	[LANU__V1__DURATION__UNIT__UNIT_WORKING_DAYS] = {
		{ "työpäivä", "työpäivää" }, { "arbetsdag", "arbetsdagar" },
		{ "working day", "working days" } },
	[LANU__V1__DURATION__UNIT__UNIT_DAYS] = {
		{ "päivä", "päivää" }, { "dag", "dagar" }, { "day", "days" } },
	[LANU__V1__DURATION__UNIT__UNIT_WEEKS] = {
		{ "viikko", "viikkoa" }, { "vecka", "veckor" }, { "week", "weeks" } },
	[LANU__V1__DURATION__UNIT__UNIT_MONTHS] = {
		{ "kuukausi", "kuukautta" }, { "månad", "månader" }, { "month", "months" } },
	[LANU__V1__DURATION__UNIT__UNIT_HOURS] = {
		{ "tunti", "tuntia" }, { "timme", "timmar" }, { "hour", "hours" } },
};

/* What a level passed at once with a higher one says of itself. */
static const char *const alert_text_passed[] = {
	"ohitettu samalla kertaa", "passerad på en gång", "passed at once",
};

/* A drop-out's age group and reason, as lanu.proto numbers them. */
static const char *const alert_text_age[][N_LANG] = {
	[LANU__V1__AGE_GROUP__AGE_GROUP_UNDER_18] = { "alle 18 v", "under 18 år", "under 18" },
	[LANU__V1__AGE_GROUP__AGE_GROUP_18_TO_24] = { "18–24 v", "18–24 år", "18–24" },
	[LANU__V1__AGE_GROUP__AGE_GROUP_25_AND_OVER] = { "25 v tai yli", "25 år eller äldre",
							 "25 or over" },
};

static const char *const alert_text_reason[][N_LANG] = {
	[LANU__V1__DROP_OUT_REASON__DROP_OUT_REASON_LEFT] = { "eronnut", "avgått", "resigned" },
	[LANU__V1__DROP_OUT_REASON__DROP_OUT_REASON_DEEMED_RESIGNED] = {
		"katsottu eronneeksi", "anses ha avgått", "deemed to have resigned" },
	[LANU__V1__DROP_OUT_REASON__DROP_OUT_REASON_EXPELLED] = {
		"erotettu", "avstängd", "dismissed" },
	[LANU__V1__DROP_OUT_REASON__DROP_OUT_REASON_OTHER] = {
		"päättyneet muusta syystä", "avslutade av annan orsak", "ended for another reason" },
};

/* Row v of a table of n rows in lang, "" for a value it has no row for. */
static const char *
alert_text_word(const char *const (*table)[N_LANG], size_t n, int v, int lang)
{
	if (v <= 0 || (size_t)v >= n || !table[v][lang])
		return "";
	return table[v][lang];
}

struct alert_text_ctx {
	const Lanu__V1__Alert *a;
	const Lanu__V1__AlertFacts *f;
	const struct plan_index *x;
	int lang;
	char num[32];		/* {value} or {count}, written when asked for */
};

/* A plan text in lang, else fi, else en; NULL if it has none. */
static const char *
alert_text_name(const Lanu__V1__Text *t, int lang)
{
	const char *v[N_LANG];

	if (!t)
		return NULL;
	v[FI] = t->fi;
	v[SV] = t->sv;
	v[EN] = t->en;
	if (v[lang] && *v[lang])
		return v[lang];
	return t->fi && *t->fi ? t->fi : t->en && *t->en ? t->en : NULL;
}

/* What placeholder name (len bytes at p) stands for, "" if nothing. */
static const char *
alert_text_value(struct alert_text_ctx *c, const char *p, size_t len)
{
	const Lanu__V1__Alert *a = c->a;
	const Lanu__V1__AlertFacts *f = c->f;
	const char *id = NULL, *name = NULL;

#define IS(s) (len == sizeof(s) - 1 && memcmp(p, s, len) == 0)
	if (IS("service")) {
		const Lanu__V1__Service *s = plan_index_service(c->x, a->service);

		id = a->service;
		name = s ? alert_text_name(s->name, c->lang) : NULL;
	} else if (IS("stage")) {
		const Lanu__V1__Stage *st =
			plan_index_stage(plan_index_service(c->x, a->service), f->stage);

		id = f->stage;
		name = st ? alert_text_name(st->name, c->lang) : NULL;
	} else if (IS("area")) {
		const Lanu__V1__Area *ar = plan_index_area(c->x, a->area);

		id = a->area;
		name = ar ? alert_text_name(ar->name, c->lang) : NULL;
	} else if (IS("indicator")) {
		const Lanu__V1__Indicator *ind = plan_index_indicator(c->x, a->indicator);

		id = a->indicator;
		name = ind ? alert_text_name(ind->name, c->lang) : NULL;
	} else if (IS("measure")) {
		const Lanu__V1__Measure *m = plan_index_measure(c->x, a->measure);

		id = a->measure;
		name = m ? alert_text_name(m->title, c->lang) : NULL;
	} else if (IS("status")) {
		return alert_text_word(alert_text_status, ELEMENTSOF(alert_text_status), f->status,
				       c->lang);
	} else if (IS("case")) {
		id = f->case_id;
	} else if (IS("group")) {
		id = f->group;
	} else if (IS("due")) {
		id = f->due_day;
	} else if (IS("at")) {
		id = f->closed_day;
	} else if (IS("level")) {
		snprintf(c->num, sizeof(c->num), "%" PRIu32, f->level);
		return c->num;
	} else if (IS("grade")) {
		if (!f->grade)
			return "";
		snprintf(c->num, sizeof(c->num), "%" PRIu32, f->grade);
		return c->num;
	} else if (IS("hours")) {
		snprintf(c->num, sizeof(c->num), "%.1f", f->hours);
		return c->num;
	} else if (IS("share")) {
		snprintf(c->num, sizeof(c->num), "%.1f", f->share);
		return c->num;
	} else if (IS("period")) {
		id = f->period;
	} else if (IS("passed")) {
		return f->at_once ? alert_text_passed[c->lang] : "";
	} else if (IS("action")) {
		const Lanu__V1__AbsenceLadder *l = (const Lanu__V1__AbsenceLadder *)
			plan_index_find(c->x, PLAN_ABSENCES, f->ladder);

		if (l && f->level >= 1 && f->level <= l->n_levels)
			name = alert_text_name(l->levels[f->level - 1]->action, c->lang);
		id = name ? name : "";
	} else if (IS("age")) {
		return alert_text_word(alert_text_age, ELEMENTSOF(alert_text_age), f->age_group,
				       c->lang);
	} else if (IS("reason")) {
		return alert_text_word(alert_text_reason, ELEMENTSOF(alert_text_reason), f->reason,
				       c->lang);
	} else if (IS("day")) {
		id = f->day;
	} else if (IS("provider")) {
		const Lanu__V1__Area *ar = plan_index_area(c->x, f->provider);

		id = f->provider;
		name = ar ? alert_text_name(ar->name, c->lang) : NULL;
	} else if (IS("alert")) {
		id = f->alert_id;
	} else if (IS("kind")) {
		return alert_text_word(alert_text_kind, ELEMENTSOF(alert_text_kind), f->alert_kind,
				       c->lang);
	} else if (IS("subject")) {
		id = a->subject;
	} else if (IS("step")) {
		snprintf(c->num, sizeof(c->num), "%" PRIu32, f->step);
		return c->num;
	} else if (IS("after")) {
		int u = f->after ? (int)f->after->unit : 0;

		if (u <= 0 || (size_t)u >= ELEMENTSOF(alert_text_unit) ||
		    !alert_text_unit[u][c->lang][0])
			return f->after && f->after->text ? f->after->text : "";
		snprintf(c->num, sizeof(c->num), "%" PRIu32 " %s", f->after->count,
			 alert_text_unit[u][c->lang][f->after->count != 1]);
		return c->num;
	} else if (IS("value")) {
		snprintf(c->num, sizeof(c->num), "%.1f", f->value);
		return c->num;
	} else if (IS("target")) {
		if (!f->has_target)
			return "";
		snprintf(c->num, sizeof(c->num), "%g", f->target);
		return c->num;
	} else if (IS("threshold")) {
		snprintf(c->num, sizeof(c->num), "%g", f->threshold);
		return c->num;
	} else if (IS("periods")) {
		snprintf(c->num, sizeof(c->num), "%" PRIu32, f->periods);
		return c->num;
	} else if (IS("recipient")) {
		const Lanu__V1__Recipient *rc = plan_index_recipient(c->x, f->recipient);

		id = f->recipient;
		name = rc ? alert_text_name(rc->name, c->lang) : NULL;
	} else if (IS("channel")) {
		id = f->channel;
	} else if (IS("failure")) {
		id = f->failure;
	} else if (IS("last")) {
		if (!f->last_seq)
			return "";
		snprintf(c->num, sizeof(c->num), "%" PRIu64, f->last_seq);
		return c->num;
	} else if (IS("since")) {
		int32_t day = calendar_local_day(f->since_ms);
		uint64_t min = (f->since_ms - calendar_day_start_ms(day)) / 60000;

		calendar_format_day(day, c->num);
		snprintf(c->num + 10, sizeof(c->num) - 10, " %02u:%02u", (unsigned)(min / 60 % 24),
			 (unsigned)(min % 60));
		return c->num;
	} else if (IS("count")) {
		snprintf(c->num, sizeof(c->num), "%" PRIu64, f->count);
		return c->num;
	}
#undef IS
	if (!id || !*id)
		return "";
	return name ? name : id;
}

/* Whether every placeholder in [p, end) has a value. */
static bool
alert_text_filled(struct alert_text_ctx *c, const char *p, const char *end)
{
	while ((p = memchr(p, '{', (size_t)(end - p))) != NULL) {
		const char *q = memchr(p, '}', (size_t)(end - p));

		if (!q)
			return true;
		if (!*alert_text_value(c, p + 1, (size_t)(q - p - 1)))
			return false;
		p = q + 1;
	}
	return true;
}

/* Appends the template [p, end) to out (at *n of size), truncating. */
static void
alert_text_expand(struct alert_text_ctx *c, const char *p, const char *end, char *out,
		  size_t *n, size_t size)
{
	while (p < end) {
		const char *q, *v;
		size_t len;

		if (*p == '[' && (q = memchr(p, ']', (size_t)(end - p)))) {
			if (alert_text_filled(c, p + 1, q))
				alert_text_expand(c, p + 1, q, out, n, size);
			p = q + 1;
			continue;
		}
		if (*p == '{' && (q = memchr(p, '}', (size_t)(end - p)))) {
			v = alert_text_value(c, p + 1, (size_t)(q - p - 1));
			len = strlen(v);
			p = q + 1;
		} else {
			v = p;
			for (len = 1; p + len < end && p[len] != '{' && p[len] != '['; len++)
				;
			p += len;
		}
		if (len > size - 1 - *n)
			len = size - 1 - *n;
		memcpy(out + *n, v, len);
		*n += len;
	}
}

void
alert_text_fill(Lanu__V1__Alert *a, const struct plan_index *x, struct alert_text_buf *buf,
		Lanu__V1__Text *text)
{
	struct alert_text_ctx c = { .a = a, .f = a->facts, .x = x };
	char *out[N_LANG] = { buf->fi, buf->sv, buf->en };

	if (!c.f || c.f->text <= 0 || (size_t)c.f->text >= ELEMENTSOF(alert_texts))
		return;
	for (c.lang = 0; c.lang < N_LANG; c.lang++) {
		const char *t = alert_texts[c.f->text][c.lang];
		size_t n = 0;

		alert_text_expand(&c, t, t + strlen(t), out[c.lang], &n, sizeof(buf->fi));
		out[c.lang][n] = '\0';
	}
	lanu__v1__text__init(text);
	text->fi = buf->fi;
	text->sv = buf->sv;
	text->en = buf->en;
	a->text = text;
}

int
alert_text_attach(Lanu__V1__Alert *a, const struct plan_index *x)
{
	struct alert_text_buf buf;
	Lanu__V1__Text tmp, *t;

	if (!a->facts || a->facts->text == LANU__V1__ALERT_FACTS__TEXT__TEXT_UNSPECIFIED)
		return 0;
	alert_text_fill(a, x, &buf, &tmp);
	a->text = NULL;
	if (!(t = malloc(sizeof(*t))))
		return -ENOMEM;
	lanu__v1__text__init(t);
	t->fi = strdup(buf.fi);
	t->sv = strdup(buf.sv);
	t->en = strdup(buf.en);
	a->text = t;	/* freed with a, whatever it holds */
	if (!t->fi || !t->sv || !t->en) {
		/* free_unpacked() frees what is not the shared default "" */
		if (!t->fi)
			t->fi = (char *)protobuf_c_empty_string;
		if (!t->sv)
			t->sv = (char *)protobuf_c_empty_string;
		if (!t->en)
			t->en = (char *)protobuf_c_empty_string;
		return -ENOMEM;
	}
	return 0;
}
