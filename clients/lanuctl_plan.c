/*
 * lanuctl plan: check, load, show, history, diff. `check` runs the daemon's own
 * parser here, so it needs no lanud; the rest ask lanud. `diff` compares two
 * stored versions object by object (by id) and, within an object, field by field
 * over protobuf-c's descriptors, so every field of the plan is covered without a
 * list of them.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "ctl.h"
#include "lanu/macro.h"
#include "plan.h"
#include "plan_index.h"

/* --- check, load --------------------------------------------------------------------- */

static void
print_errors(char *const *v, size_t n, size_t dropped)
{
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s\n", v[i]);
	if (dropped)
		fprintf(stderr, "... and %zu more\n", dropped);
}

static int
plan_check_files(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "lanuctl: usage: plan check FILE...\n");
		return EXIT_REFUSED;
	}
	for (int i = 1; i < argc; i++)
		if (plan_report_file(argv[i]) < 0)
			status = EXIT_REFUSED;
	return status;
}

static int
plan_load(struct ctl *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	Lanu__V1__PlanLoad pl = LANU__V1__PLAN_LOAD__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	struct plan_errors errs = { 0 };
	_cleanup_free_ char *text = NULL;
	Lanu__V1__Reply *rep;
	const Lanu__V1__PlanLoadResult *res;
	bool progress;
	size_t len;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "b:nj", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': pl.loaded_by = optarg; break;
		case 'n': pl.dry_run = true; break;
		case 'j': x->json = true; break;
		default: return EXIT_REFUSED;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "lanuctl: usage: plan load FILE [--by WHO] [--dry-run] [--json]\n");
		return EXIT_REFUSED;
	}
	r = plan_read_file(argv[optind], &text, &len, NULL, &errs);
	if (r < 0) {
		print_errors(errs.v, errs.n, errs.dropped);
		plan_errors_free(&errs);
		return EXIT_REFUSED;
	}
	pl.source = argv[optind];
	pl.content.data = (uint8_t *)text;
	pl.content.len = len;
	req.body_case = LANU__V1__REQUEST__BODY_PLAN_LOAD;
	req.plan_load = &pl;
	/* On a terminal, what it is waiting for: lanud checks and stores the whole plan. */
	progress = isatty(STDERR_FILENO);
	if (progress)
		fprintf(stderr, "lanuctl: %s: %s (%zu KB)...", pl.source,
			pl.dry_run ? "checking" : "loading", (len + 1023) / 1024);
	r = ctl_request(x, &req, &rep);
	if (progress)
		fputs("\r\033[K", stderr);
	if (r)
		return r;
	res = rep->result_case == LANU__V1__REPLY__RESULT_PLAN_LOAD ? rep->plan_load : NULL;
	if (x->json) {
		print_json(&rep->base);
	} else if (rep->code == LANU__V1__REPLY__CODE__OK && res) {
		if (pl.dry_run)
			printf("%s: valid (%s); not loaded (dry run)\n", pl.source, res->summary);
		else if (res->unchanged)
			printf("%s: unchanged: version %" PRIu64 " is already this plan\n", pl.source,
			       res->version);
		else
			printf("%s: version %" PRIu64 " is in force (%s)\n", pl.source, res->version,
			       res->summary);
		for (size_t i = 0; i < res->n_orphans; i++)
			printf("warning: %s\n", res->orphans[i]);
	} else {
		if (res)
			print_errors(res->errors, res->n_errors, 0);
		fprintf(stderr, "lanuctl: %s: %s\n",
			enum_name(&lanu__v1__reply__code__descriptor, rep->code, 0), rep->reason);
	}
	r = rep->code == LANU__V1__REPLY__CODE__OK ? 0
	    : rep->code == LANU__V1__REPLY__CODE__UNAVAILABLE ? EXIT_UNREACHED : EXIT_REFUSED;
	lanu__v1__reply__free_unpacked(rep, NULL);
	return r;
}

/* --- fetching versions -------------------------------------------------------------- */

static int
parse_version(const char *s, uint64_t *ret)
{
	char *end;

	errno = 0;
	*ret = strtoull(s, &end, 10);
	if (errno || *end || *s == '-' || *ret == 0) {
		fprintf(stderr, "lanuctl: '%s' is not a plan version (1, 2, ...)\n", s);
		return EXIT_REFUSED;
	}
	return 0;
}

int
plan_fetch(struct ctl *x, uint64_t v, Lanu__V1__Reply **ret)
{
	Lanu__V1__PlanQuery q = LANU__V1__PLAN_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;

	q.version = v;
	req.body_case = LANU__V1__REQUEST__BODY_PLAN;
	req.plan = &q;
	return ctl_call(x, &req, ret);
}

/* --- show ---------------------------------------------------------------------------- */

const char *
plan_text(const struct ctl *x, const Lanu__V1__Text *t)
{
	const char *s;

	if (!t)
		return "";
	s = strcmp(x->lang, "fi") == 0 ? t->fi : strcmp(x->lang, "sv") == 0 ? t->sv : t->en;
	return *s ? s : *t->en ? t->en : t->fi;	/* the asked language, else en, else fi */
}

static const char *
word(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t len)
{
	return plan_enum_word(d, v, buf, len);
}

static void
print_list(const char *label, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : label, v[i]);
}

static void
show_period(const Lanu__V1__Period *p)
{
	if (p)
		printf("%s – %s", *p->from ? p->from : "…", *p->to ? p->to : "…");
}

static void
show_areas(const struct ctl *x, Lanu__V1__Area *const *v, size_t n, int depth)
{
	char w[32];

	for (size_t i = 0; i < n; i++) {
		printf("%*s%s  %s (%s)%s%s\n", 2 + 2 * depth, "", v[i]->id, plan_text(x, v[i]->name),
		       word(&lanu__v1__area_kind__descriptor, v[i]->kind, w, sizeof(w)),
		       *v[i]->calendar ? ", calendar " : "", v[i]->calendar);
		show_areas(x, v[i]->areas, v[i]->n_areas, depth + 1);
	}
}

static void
show_limits(Lanu__V1__Limit *const *v, size_t n)
{
	char w[32];

	for (size_t i = 0; i < n; i++) {
		printf("%s%s %s", i ? "; " : "", word(&lanu__v1__urgency__descriptor, v[i]->urgency, w,
						      sizeof(w)),
		       v[i]->limit ? v[i]->limit->text : "?");
		if (*v[i]->from || *v[i]->until)
			printf(" (%s – %s)", *v[i]->from ? v[i]->from : "…",
			       *v[i]->until ? v[i]->until : "…");
		if (*v[i]->ages)
			printf(" (ages %s)", v[i]->ages);
	}
}

static void
show_goals(const struct ctl *x, Lanu__V1__Goal *const *v, size_t n, int depth)
{
	for (size_t i = 0; i < n; i++) {
		const Lanu__V1__Goal *g = v[i];

		printf("%*s%s  %s\n", 2 + 2 * depth, "", g->id, plan_text(x, g->title));
		for (size_t j = 0; j < g->n_measures; j++) {
			const Lanu__V1__Measure *m = g->measures[j];

			printf("%*s%s  %s\n%*s", 4 + 2 * depth, "", m->id, plan_text(x, m->title),
			       6 + 2 * depth, "");
			show_period(m->schedule);
			print_list("; indicators ", m->indicators, m->n_indicators);
			print_list("; monitoring ", m->monitoring, m->n_monitoring);
			putchar('\n');
		}
		show_goals(x, g->goals, g->n_goals, depth + 1);
	}
}

static void
show_number(const char *label, const Lanu__V1__Number *n)
{
	if (n)
		printf(", %s %g", label, n->value);
}

static void
show_plan(const struct ctl *x, const Lanu__V1__PlanVersion *pv)
{
	const Lanu__V1__Plan *p = pv->plan;
	const Lanu__V1__PlanInfo *info = p->plan;
	char when[32], w[40], w2[40];

	instant_format(pv->loaded_at_ms, when);
	printf("plan %s, version %" PRIu64 " (loaded %s by %s from %s)\n", info->id, pv->version,
	       when, pv->loaded_by, pv->source);
	printf("  %s: %s, ", info->organiser, plan_text(x, info->title));
	show_period(info->period);
	printf(", %s\n\nareas\n", info->timezone);
	show_areas(x, p->areas, p->n_areas, 0);
	printf("\nrecipients\n");
	for (size_t i = 0; i < p->n_recipients; i++) {
		printf("  %s  %s (%s)", p->recipients[i]->id, plan_text(x, p->recipients[i]->name),
		       word(&lanu__v1__recipient_kind__descriptor, p->recipients[i]->kind, w,
			    sizeof(w)));
		print_list(", areas ", p->recipients[i]->areas, p->recipients[i]->n_areas);
		putchar('\n');
	}
	printf("\nservices\n");
	for (size_t i = 0; i < p->n_services; i++) {
		const Lanu__V1__Service *s = p->services[i];

		printf("  %s  %s: ", s->id, plan_text(x, s->name));
		show_limits(s->limits, s->n_limits);
		if (s->warn_before)
			printf("; warn %s before", s->warn_before->text);
		putchar('\n');
		for (size_t j = 0; j < s->n_stages; j++) {
			printf("    %s  %s: ", s->stages[j]->id, plan_text(x, s->stages[j]->name));
			show_limits(s->stages[j]->limits, s->stages[j]->n_limits);
			putchar('\n');
		}
	}
	printf("\nindicators\n");
	for (size_t i = 0; i < p->n_indicators; i++) {
		const Lanu__V1__Indicator *ind = p->indicators[i];

		printf("  %s  %s (%s, %s", ind->id, plan_text(x, ind->name),
		       word(&lanu__v1__indicator_unit__descriptor, ind->unit, w, sizeof(w)),
		       word(&lanu__v1__direction__descriptor, ind->direction, w2, sizeof(w2)));
		show_number("target", ind->target);
		show_number("warning", ind->warning);
		show_number("critical", ind->critical);
		for (size_t j = 0; j < ind->n_breakdown; j++)
			printf("%s%s", j ? ", " : "; by ",
			       word(&lanu__v1__dimension__descriptor, ind->breakdown[j], w, sizeof(w)));
		printf(")\n");
	}
	printf("\ngoals\n");
	show_goals(x, p->goals, p->n_goals, 0);
	printf("\nroutes\n");
	for (size_t i = 0; i < p->n_routes; i++) {
		const Lanu__V1__Route *r = p->routes[i];
		Lanu__V1__Escalation *const *steps;
		size_t n_steps;

		printf("  ");
		for (size_t j = 0; j < r->n_kinds; j++)
			printf("%s%s", j ? ", " : "",
			       word(&lanu__v1__alert_kind__descriptor, r->kinds[j], w, sizeof(w)));
		if (!r->n_kinds)
			printf("every alert");
		print_list("; services ", r->services, r->n_services);
		print_list("; indicators ", r->indicators, r->n_indicators);
		print_list("; measures ", r->measures, r->n_measures);
		print_list("; areas ", r->areas, r->n_areas);
		print_list(" -> ", r->to, r->n_to);
		steps = plan_index_route_steps(r, &n_steps);
		for (size_t j = 0; j < n_steps; j++) {
			if (!steps[j]->after)
				continue;
			printf("; after %s unacknowledged", steps[j]->after->text);
			print_list(" -> ", steps[j]->to, steps[j]->n_to);
		}
		putchar('\n');
	}
}

static int
plan_show(struct ctl *x, int argc, char **argv)
{
	Lanu__V1__Reply *rep;
	uint64_t v = 0;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			x->json = true;
		else if ((r = parse_version(argv[i], &v)))
			return r;
	}
	r = plan_fetch(x, v, &rep);
	if (r)
		return r;
	if (x->json)
		print_json(&rep->plan_version->base);
	else
		show_plan(x, rep->plan_version);
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}

static int
plan_history(struct ctl *x, int argc, char **argv)
{
	Lanu__V1__PlanHistoryQuery q = LANU__V1__PLAN_HISTORY_QUERY__INIT;
	Lanu__V1__Request req = LANU__V1__REQUEST__INIT;
	Lanu__V1__Reply *rep;
	int r;

	x->json = argc > 1 && strcmp(argv[1], "--json") == 0;
	req.body_case = LANU__V1__REQUEST__BODY_PLAN_HISTORY;
	req.plan_history = &q;
	r = ctl_query(x, &req, LANU__V1__REPLY__RESULT_PLAN_HISTORY, &rep);
	if (r)
		return r;
	if (x->json) {
		print_json(&rep->plan_history->base);	/* the message, one line */
		lanu__v1__reply__free_unpacked(rep, NULL);
		return 0;
	}
	for (size_t i = 0; i < rep->plan_history->n_versions; i++) {
		const Lanu__V1__PlanVersion *pv = rep->plan_history->versions[i];
		char when[32];

		instant_format(pv->loaded_at_ms, when);
		printf("%4" PRIu64 "  %s  %-16s  sha256 %.12s  %s\n", pv->version, when, pv->loaded_by,
		       pv->sha256, pv->source);
	}
	if (rep->plan_history->n_versions == 0)
		printf("no plan has been loaded\n");
	lanu__v1__reply__free_unpacked(rep, NULL);
	return 0;
}

/* --- diff ---------------------------------------------------------------------------- */

struct obj {
	const char *kind;
	const char *id;
	const ProtobufCMessage *m;
};

struct objs {
	struct obj *v;
	size_t n, cap;
};

static void
objs_add(struct objs *o, const char *kind, const char *id, const ProtobufCMessage *m)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct obj *v = realloc(o->v, cap * sizeof(*v));

		if (!v) {
			fprintf(stderr, "lanuctl: out of memory\n");
			exit(EXIT_REFUSED);
		}
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = (struct obj){ kind, id, m };
}

static int
collect_cb(enum plan_kind k, char *const *id, const ProtobufCMessage *obj, void *arg)
{
	objs_add(arg, plan_kind_name(k), *id, obj);
	return 0;
}

/* Every object of the plan with its kind and id; routes by their place in the list. */
static void
collect(struct objs *o, const Lanu__V1__Plan *p, char (*route_ids)[24])
{
	if (p->plan)
		objs_add(o, "plan", p->plan->id, &p->plan->base);
	plan_index_walk(p, collect_cb, o);
	for (size_t i = 0; i < p->n_routes; i++) {
		snprintf(route_ids[i], 24, "#%zu", i + 1);
		objs_add(o, "route", route_ids[i], &p->routes[i]->base);
	}
}

static const struct obj *
objs_find(const struct objs *o, const char *kind, const char *id)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i].kind, kind) == 0 && strcmp(o->v[i].id, id) == 0)
			return &o->v[i];
	return NULL;
}

/* Children are objects of their own: an area's areas, a goal's goals and measures. */
static bool
diff_skip(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
	return (d == &lanu__v1__area__descriptor && strcmp(f->name, "areas") == 0) ||
	       (d == &lanu__v1__goal__descriptor &&
		(strcmp(f->name, "goals") == 0 || strcmp(f->name, "measures") == 0));
}

static void
value_text(const ProtobufCFieldDescriptor *f, const void *member, char *buf, size_t len)
{
	char w[48];

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		snprintf(buf, len, "\"%s\"", *(char *const *)member ? *(char *const *)member : "");
		break;
	case PROTOBUF_C_TYPE_ENUM:
		snprintf(buf, len, "%s", plan_enum_word(f->descriptor, *(const int *)member, w,
							 sizeof(w)));
		break;
	case PROTOBUF_C_TYPE_BOOL:
		snprintf(buf, len, "%s", *(const protobuf_c_boolean *)member ? "true" : "false");
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		snprintf(buf, len, "%g", *(const double *)member);
		break;
	case PROTOBUF_C_TYPE_UINT64:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)member);
		break;
	default:
		snprintf(buf, len, "%" PRIu32, *(const uint32_t *)member);
		break;
	}
}

static size_t
elt_size(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_STRING || t == PROTOBUF_C_TYPE_MESSAGE ? sizeof(void *)
	       : t == PROTOBUF_C_TYPE_DOUBLE || t == PROTOBUF_C_TYPE_UINT64 ? 8
	       : t == PROTOBUF_C_TYPE_BOOL ? sizeof(protobuf_c_boolean) : 4;
}

static bool
value_eq(const ProtobufCFieldDescriptor *f, const void *a, const void *b)
{
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		const char *x = *(char *const *)a, *y = *(char *const *)b;

		return strcmp(x ? x : "", y ? y : "") == 0;
	}
	return memcmp(a, b, elt_size(f->type)) == 0;
}

static void diff_msg(const char *head, const char *path, const ProtobufCMessage *a,
		     const ProtobufCMessage *b, size_t *n);

/* One field (or element) at path: a message descends, a value prints old -> new. */
static void
diff_value(const char *head, const char *path, const ProtobufCFieldDescriptor *f, const void *a,
	   const void *b, size_t *n)
{
	char x[256], y[256];

	if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		diff_msg(head, path, a ? *(ProtobufCMessage *const *)a : NULL,
			 b ? *(ProtobufCMessage *const *)b : NULL, n);
		return;
	}
	if (a && b && value_eq(f, a, b))
		return;
	if (a)
		value_text(f, a, x, sizeof(x));
	if (b)
		value_text(f, b, y, sizeof(y));
	printf("~ %s: %s: %s -> %s\n", head, path, a ? x : "(none)", b ? y : "(none)");
	(*n)++;
}

static void
diff_msg(const char *head, const char *path, const ProtobufCMessage *a, const ProtobufCMessage *b,
	 size_t *n)
{
	const ProtobufCMessageDescriptor *d = a ? a->descriptor : b ? b->descriptor : NULL;

	if (!d)
		return;
	if (!a || !b) {
		printf("~ %s: %s: %s\n", head, *path ? path : "(all)", a ? "removed" : "added");
		(*n)++;
		return;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *ma = (const char *)a + f->offset, *mb = (const char *)b + f->offset;
		char sub[256];

		if (diff_skip(d, f))
			continue;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", f->name);
			diff_value(head, sub, f, ma, mb, n);
			continue;
		}
		size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
		size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
		const char *va = *(char *const *)ma, *vb = *(char *const *)mb;
		size_t es = elt_size(f->type);

		for (size_t j = 0; j < (na > nb ? na : nb); j++) {
			snprintf(sub, sizeof(sub), "%s%s%s[%zu]", path, *path ? "." : "", f->name, j);
			diff_value(head, sub, f, j < na ? va + j * es : NULL, j < nb ? vb + j * es : NULL,
				   n);
		}
	}
}

static int
plan_diff(struct ctl *x, int argc, char **argv)
{
	Lanu__V1__Reply *ra = NULL, *rb = NULL;
	struct objs oa = { 0 }, ob = { 0 };
	char (*ida)[24] = NULL, (*idb)[24] = NULL;
	uint64_t va, vb;
	size_t n = 0;
	int r;

	if (argc != 3) {
		fprintf(stderr, "lanuctl: usage: plan diff VERSION VERSION\n");
		return EXIT_REFUSED;
	}
	if ((r = parse_version(argv[1], &va)) || (r = parse_version(argv[2], &vb)))
		return r;
	if ((r = plan_fetch(x, va, &ra)))
		return r;
	if ((r = plan_fetch(x, vb, &rb))) {
		lanu__v1__reply__free_unpacked(ra, NULL);
		return r;
	}
	ida = calloc(ra->plan_version->plan->n_routes + 1, sizeof(*ida));
	idb = calloc(rb->plan_version->plan->n_routes + 1, sizeof(*idb));
	if (!ida || !idb) {
		r = EXIT_REFUSED;
		goto out;
	}
	collect(&oa, ra->plan_version->plan, ida);
	collect(&ob, rb->plan_version->plan, idb);
	printf("plan version %" PRIu64 " -> %" PRIu64 "\n", va, vb);
	for (size_t i = 0; i < oa.n; i++)
		if (!objs_find(&ob, oa.v[i].kind, oa.v[i].id)) {
			printf("- %s %s\n", oa.v[i].kind, oa.v[i].id);
			n++;
		}
	for (size_t i = 0; i < ob.n; i++) {
		const struct obj *old = objs_find(&oa, ob.v[i].kind, ob.v[i].id);
		char head[160];

		if (!old) {
			printf("+ %s %s\n", ob.v[i].kind, ob.v[i].id);
			n++;
			continue;
		}
		snprintf(head, sizeof(head), "%s %s", ob.v[i].kind, ob.v[i].id);
		diff_msg(head, "", old->m, ob.v[i].m, &n);
	}
	if (n == 0)
		printf("no differences\n");
out:
	free(oa.v);
	free(ob.v);
	free(ida);
	free(idb);
	lanu__v1__reply__free_unpacked(ra, NULL);
	lanu__v1__reply__free_unpacked(rb, NULL);
	return r;
}

int
cmd_plan(struct ctl *x, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	argc--;
	argv++;
	optind = 0;
	if (strcmp(sub, "check") == 0)
		return plan_check_files(argc, argv);
	if (strcmp(sub, "load") == 0)
		return plan_load(x, argc, argv);
	if (strcmp(sub, "show") == 0)
		return plan_show(x, argc, argv);
	if (strcmp(sub, "history") == 0)
		return plan_history(x, argc, argv);
	if (strcmp(sub, "diff") == 0)
		return plan_diff(x, argc, argv);
	fprintf(stderr, "lanuctl: usage: plan check|load|show|history|diff ...\n");
	return EXIT_REFUSED;
}
