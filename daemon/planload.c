/*
 * planload: the plan in force. At start lanud takes the newest stored version,
 * then the configured plan file if the file changed since lanud last loaded it;
 * SIGHUP does the latter again; a PlanLoad request loads what a client sends.
 * A plan that does not validate is never stored nor put in force: the one in
 * force stays and the problems are reported. A new version is stored in its own
 * write transaction, after the events in hand are committed, and only then
 * swapped in with its routing table.
 */
#include "planload.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "conf.h"
#include "indicator.h"
#include "lanud.h"
#include "log.h"
#include "measure.h"
#include "plan.h"
#include "plan_index.h"
#include "store.h"

#define PLANLOAD_ORPHANS_MAX 20

/* What lanud needs of a plan besides the plan itself: its index and its calendars. */
struct compiled {
	struct plan_index *idx;
	struct calendar_set *cals;
};

static int
planload_compile(const Lanu__V1__Plan *plan, struct compiled *ret)
{
	struct compiled c = { NULL, NULL };
	int r;

	r = plan_index_new(plan, &c.idx);
	if (r == 0 && (r = calendar_set_new(plan, &c.cals)) < 0)
		c.idx = plan_index_free(c.idx);
	if (r == 0)
		*ret = c;
	return r;
}

/* Puts plan and what was compiled from it (all taken over) in force as version,
 * with sha. */
static void
planload_swap(struct lanud *d, Lanu__V1__Plan *plan, struct compiled *c, uint64_t version,
	      const char *sha)
{
	plan_index_free(d->index);
	calendar_set_free(d->calendars);
	plan_free(d->plan);
	d->index = c->idx;
	d->calendars = c->cals;
	d->plan = plan;
	d->plan_version = version;
	snprintf(d->plan_sha, sizeof(d->plan_sha), "%s", sha);
}

struct orphans {
	const struct plan_index *idx;
	struct store_txn *t;
	char **v;
	size_t n;
	uint64_t more;
};

static void
planload_orphan(struct orphans *o, const char *what, const char *id, const char *alert_id)
{
	char *s, **v, named[96];

	/* each object once: "names service 'x'," is in no other object's line */
	snprintf(named, sizeof(named), "names %s '%s',", what, id);
	for (size_t i = 0; i < o->n; i++)
		if (strstr(o->v[i], named))
			return;
	if (o->n == PLANLOAD_ORPHANS_MAX) {
		o->more++;
		return;
	}
	if (asprintf(&s, "open alert %s (and maybe more) %s which the new plan does not have",
		     alert_id, named) < 0)
		return;
	if (!(v = realloc(o->v, (o->n + 1) * sizeof(*v)))) {
		free(s);
		return;
	}
	o->v = v;
	o->v[o->n++] = s;
}

/* The recipients of the steps still to come of a's escalation chain (fixed when a was
 * raised: they are told all the same). */
static void
planload_orphan_steps(struct orphans *o, const Lanu__V1__Alert *a)
{
	Lanu__V1__PendingEscalation *p;

	if (store_esc_get(o->t, a->seq, NULL, &p) < 0)
		return;
	for (size_t i = p->next; i < p->n_steps; i++)
		for (size_t j = 0; j < p->steps[i]->n_to; j++)
			if (!plan_index_recipient(o->idx, p->steps[i]->to[j]))
				planload_orphan(o, "escalation recipient", p->steps[i]->to[j],
						a->alert_id);
	lanu__v1__pending_escalation__free_unpacked(p, NULL);
}

static int
planload_orphan_cb(const Lanu__V1__Alert *a, void *arg)
{
	struct orphans *o = arg;

	if (*a->service && !plan_index_service(o->idx, a->service))
		planload_orphan(o, "service", a->service, a->alert_id);
	if (*a->area && !plan_index_area(o->idx, a->area))
		planload_orphan(o, "area", a->area, a->alert_id);
	planload_orphan_steps(o, a);
	return 0;
}

/* Live state that names what the new plan (its index idx) no longer has: reported, kept. */
static void
planload_orphans(struct lanud *d, const struct plan_index *idx, struct orphans *o)
{
	struct store_txn t;
	uint64_t after = 0, last;
	bool more = true;

	o->idx = idx;
	o->t = &t;
	store_begin(d->store, &t, STORE_RO);
	while (more && store_open_alerts(&t, after, 1000, planload_orphan_cb, o, &last, &more) == 0)
		after = last;
	store_abort(&t);
	o->idx = NULL;
	o->t = NULL;
}

/* Sets the watches of the domains that keep some (indicators' values, measures'
 * schedules) for plan, stored as version, coming into force at now_ms. */
static void
planload_watches(const Lanu__V1__Plan *plan, const struct plan_index *idx, uint64_t version,
		 struct store_txn *t, uint64_t now_ms)
{
	if (indicator_plan_watches(plan, idx, version, t, now_ms) == 0)
		measure_plan_watches(plan, idx, version, t, now_ms);
}

/* Stores v, its audit record (who asked, as whom) and the watches it sets, in one
 * transaction. */
static int
planload_store(struct lanud *d, Lanu__V1__PlanVersion *v, const struct planload_req *req,
	       const struct plan_index *idx)
{
	const bool from_file = req->from_file;
	Lanu__V1__AuditRecord ar = LANU__V1__AUDIT_RECORD__INIT;
	struct store_txn t;
	int r;

	for (;;) {
		store_begin(d->store, &t, STORE_RW);
		ar.plan_version = store_put_plan(&t, v);
		ar.what = LANU__V1__AUDIT_RECORD__WHAT__PLAN_LOAD;
		ar.at_ms = v->loaded_at_ms;
		ar.who = (char *)(req->who ? req->who : "lanud");
		ar.claimed = (char *)(req->loaded_by && !from_file ? req->loaded_by : "");
		ar.request = (char *)(from_file ? "plan file" : "plan_load");
		store_append_audit(&t, &ar);
		if (from_file)
			store_put_plan_file_sha(&t, v->sha256);
		planload_watches(v->plan, idx, ar.plan_version, &t, v->loaded_at_ms);
		r = store_commit(&t);
		if (r != STORE_MAP_FULL || store_grow(d->store) < 0)
			return r;
	}
}

int
planload_apply(struct lanud *d, const struct planload_req *req, Lanu__V1__PlanLoadResult *res,
	       struct plan_errors *errs)
{
	Lanu__V1__PlanVersion v = LANU__V1__PLAN_VERSION__INIT;
	struct orphans o = { 0 };
	struct compiled cp;
	Lanu__V1__Plan *plan;
	char sha[65], summary[256], version[24];
	struct log_field f[] = { { "LANU_PLAN_VERSION", version }, { "LANU_PLAN_ID", NULL } };
	int r;

	plan_sha256(req->text, req->len, sha);
	r = plan_parse(req->source, req->text, req->len, &plan, errs);
	if (r < 0)
		return r;
	res->summary = strdup(plan_summary(plan, summary, sizeof(summary)));
	if (req->dry_run || (d->plan && strcmp(sha, d->plan_sha) == 0)) {
		res->unchanged = !req->dry_run;
		res->version = req->dry_run ? 0 : d->plan_version;
		plan_free(plan);
		return 0;
	}
	r = planload_compile(plan, &cp);
	if (r < 0) {
		plan_free(plan);
		return r;
	}
	planload_orphans(d, cp.idx, &o);
	v.loaded_at_ms = timesrc_now_usec(&d->clock) / 1000;
	v.loaded_by = (char *)(req->loaded_by && *req->loaded_by ? req->loaded_by : "lanud");
	v.source = (char *)req->source;
	v.sha256 = sha;
	v.plan = plan;
	r = planload_store(d, &v, req, cp.idx);
	if (r < 0) {
		log_msg(LOG_ERR, "plan: cannot store '%s': %s; the plan in force stays",
			req->source, store_strerror(r));
		plan_index_free(cp.idx);
		calendar_set_free(cp.cals);
		plan_free(plan);
		for (size_t i = 0; i < o.n; i++)
			free(o.v[i]);
		free(o.v);
		return r;
	}
	planload_swap(d, plan, &cp, v.version, sha);
	res->version = v.version;
	res->orphans = o.v;
	res->n_orphans = o.n;
	snprintf(version, sizeof(version), "%" PRIu64, v.version);
	f[1].value = d->plan && d->plan->plan ? d->plan->plan->id : NULL;
	log_fields(LOG_INFO, LOG_ID_PLAN_LOAD, f, ELEMENTSOF(f),
		   "plan: version %" PRIu64 " from '%s' by %s is in force: %s", v.version,
		   req->source, v.loaded_by, summary);
	for (size_t i = 0; i < o.n; i++)
		log_msg(LOG_WARNING, "plan: %s", o.v[i]);
	if (o.more)
		log_msg(LOG_WARNING, "plan: %" PRIu64 " more objects of open alerts are gone",
			o.more);
	return 0;
}

void
planload_result_clear(Lanu__V1__PlanLoadResult *res)
{
	for (size_t i = 0; i < res->n_orphans; i++)
		free(res->orphans[i]);
	free(res->orphans);
	if (res->summary != protobuf_c_empty_string)
		free(res->summary);
	res->orphans = NULL;
	res->n_orphans = 0;
	res->summary = (char *)protobuf_c_empty_string;
}

/* The configured file, if it changed since lanud last loaded it. */
int
planload_file(struct lanud *d)
{
	Lanu__V1__PlanLoadResult res = LANU__V1__PLAN_LOAD_RESULT__INIT;
	struct plan_errors errs = { 0 };
	struct planload_req req = { .source = d->conf->plan, .loaded_by = "lanud",
				    .from_file = true };
	_cleanup_free_ char *text = NULL;
	char sha[65], last[65];
	struct store_txn t;
	int r;

	if (!d->conf->plan)
		return 0;
	r = plan_read_file(d->conf->plan, &text, &req.len, sha, &errs);
	if (r == 0) {
		store_begin(d->store, &t, STORE_RO);
		store_get_plan_file_sha(&t, last);
		store_abort(&t);
		if (d->plan && strcmp(sha, last) == 0) {
			log_msg(LOG_DEBUG, "plan: '%s' is unchanged since it was loaded",
				d->conf->plan);
			return 0;
		}
		req.text = text;
		r = planload_apply(d, &req, &res, &errs);
	}
	for (size_t i = 0; i < errs.n; i++)
		log_msg(LOG_ERR, "%s", errs.v[i]);
	if (r < 0)
		log_msg(LOG_ERR, "plan: '%s' not loaded (%zu problem%s)%s", d->conf->plan,
			errs.n + errs.dropped, errs.n + errs.dropped == 1 ? "" : "s",
			d->plan ? "; the plan in force stays" : "");
	plan_errors_free(&errs);
	planload_result_clear(&res);
	return r;
}

/* The watches of a plan stored before lanud kept them (a store of an older lanud): set
 * once, now. */
static int
planload_rewatch(struct lanud *d)
{
	uint64_t now_ms = timesrc_now_usec(&d->clock) / 1000;
	struct store_txn t;
	bool set;
	int r;

	store_begin(d->store, &t, STORE_RO);
	set = store_watch_plan(&t, STORE_WATCH_INDICATOR) == d->plan_version &&
	      store_watch_plan(&t, STORE_WATCH_MEASURE) == d->plan_version;
	store_abort(&t);
	if (set)
		return 0;
	for (;;) {
		store_begin(d->store, &t, STORE_RW);
		planload_watches(d->plan, d->index, d->plan_version, &t, now_ms);
		r = store_commit(&t);
		if (r != STORE_MAP_FULL || store_grow(d->store) < 0)
			return r;
	}
}

int
planload_start(struct lanud *d)
{
	Lanu__V1__PlanVersion *pv;
	struct compiled cp;
	struct store_txn t;
	int r;

	store_begin(d->store, &t, STORE_RO);
	r = store_get_plan_version(&t, 0, &pv);
	store_abort(&t);
	if (r == 0) {
		Lanu__V1__Plan *plan = pv->plan;
		uint64_t version = pv->version;
		char sha[65];

		snprintf(sha, sizeof(sha), "%s", pv->sha256);
		pv->plan = NULL;
		lanu__v1__plan_version__free_unpacked(pv, NULL);
		if (!plan)
			return log_errno(LOG_ERR, -EBADMSG, "plan: stored version %" PRIu64
							    " has no plan", version);
		r = planload_compile(plan, &cp);
		if (r < 0) {
			plan_free(plan);
			return r;
		}
		planload_swap(d, plan, &cp, version, sha);
	} else if (r != -ENOENT) {
		return log_errno(LOG_ERR, r, "plan: cannot read the stored plan");
	}
	r = planload_file(d);
	if (r < 0 && !d->plan)
		return r;	/* nothing to run with */
	if (d->plan) {
		r = planload_rewatch(d);
		if (r < 0)
			return log_errno(LOG_ERR, r, "plan: cannot set the watches of version %"
					 PRIu64, d->plan_version);
	}
	if (!d->plan)
		log_msg(LOG_WARNING, "plan: none is in force: alerts go to nobody until one is "
				     "loaded (set 'plan' in %s, or lanuctl plan load)", d->conf_path);
	return 0;
}

void
planload_free(struct lanud *d)
{
	d->index = plan_index_free(d->index);
	d->calendars = calendar_set_free(d->calendars);
	d->plan = plan_free(d->plan);
}
