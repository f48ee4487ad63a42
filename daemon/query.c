/*
 * query: answers read-only requests from one read transaction each, opened and
 * closed within the call (rule 18). Alert lists are paged (QUERY_PAGE at most);
 * the reply says the last sequence number examined and whether more follow, so a
 * client pages on with after_seq = last_seq. The reply owns the alerts it lists
 * until query_done(); the due and case queries' clocks are decoded straight into the
 * reply's arena, which query_done() frees. The due list pages by a cursor, the last
 * clock's (due instant, id), as the clk_due index is keyed.
 */
#include "query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "absence.h"
#include "alert_text.h"
#include "audit.h"
#include "calendar.h"
#include "compliance.h"
#include "deadline.h"
#include "indicator.h"
#include "lanu/limits.h"
#include "lanud.h"
#include "measure.h"
#include "msg.h"
#include "plan_index.h"
#include "plan_value.h"
#include "retain.h"
#include "store.h"

static int
query_take_cb(const Lanu__V1__Alert *a, void *arg)
{
	struct query_ctx *qc = arg;

	if (qc->unrouted && a->n_recipients > 0)
		return 0;
	if (qc->n_rcpts > 0) {
		bool hit = false;

		for (size_t i = 0; i < a->n_recipients && !hit; i++)
			for (size_t j = 0; j < qc->n_rcpts && !hit; j++)
				hit = strcmp(a->recipients[i], qc->rcpts[j]) == 0;
		if (!hit)
			return 0;
	}
	if (qc->list.n_alerts == qc->cap)
		return -ENOBUFS;	/* cannot happen: the store stops at the limit */
	qc->list.alerts[qc->list.n_alerts++] = (Lanu__V1__Alert *)a;
	return 1;
}

static size_t
query_limit(uint32_t asked)
{
	return asked == 0 || asked > QUERY_PAGE ? QUERY_PAGE : asked;
}

static int
query_list(struct store_txn *t, const Lanu__V1__Request *req, struct query_ctx *qc)
{
	bool replay = req->body_case == LANU__V1__REQUEST__BODY_REPLAY;
	size_t limit = query_limit(replay ? req->replay->limit : req->open_alerts->limit);
	uint64_t last = 0;
	bool more = false;
	int r;

	/* A replay names recipients, or asks for the unrouted, or for all: one of them. */
	if (replay) {
		const Lanu__V1__ReplayQuery *q = req->replay;

		if (q->unrouted && q->all) {
			msg_errorf(&qc->err, "replay.all", "ask for the unrouted or for all, not both");
			return -EINVAL;
		}
		if ((q->unrouted || q->all) && q->n_recipients > 0) {
			msg_errorf(&qc->err, q->all ? "replay.all" : "replay.unrouted",
				   "name recipients or ask for %s, not both",
				   q->all ? "all" : "the unrouted");
			return -EINVAL;
		}
		if (!q->unrouted && !q->all && q->n_recipients == 0) {
			msg_errorf(&qc->err, "replay.recipients", "is required (or unrouted, or all)");
			return -EINVAL;
		}
	}

	qc->list.alerts = calloc(limit, sizeof(*qc->list.alerts));
	if (!qc->list.alerts)
		return -ENOMEM;
	qc->cap = limit;
	if (replay && (req->replay->unrouted || req->replay->all)) {
		const Lanu__V1__ReplayQuery *q = req->replay;

		qc->unrouted = q->unrouted;
		r = store_alerts_after(t, q->after_seq, limit, QUERY_EXAMINE, query_take_cb, qc,
				       &last, &more);
	} else if (replay) {
		const Lanu__V1__ReplayQuery *q = req->replay;

		r = store_replay(t, (const char *const *)q->recipients, q->n_recipients,
				 q->after_seq, limit, query_take_cb, qc, &last, &more);
	} else {
		const Lanu__V1__OpenAlertsQuery *q = req->open_alerts;

		qc->rcpts = (const char *const *)q->recipients;
		qc->n_rcpts = q->n_recipients;
		r = store_open_alerts(t, q->after_seq, limit, query_take_cb, qc, &last, &more);
	}
	qc->list.last_seq = last;
	qc->list.more = more;
	return r;
}

/* --- the audit log (lanuctl audit) ------------------------------------------------------- */

static int
query_audit_cb(Lanu__V1__AuditRecord *r, void *arg)
{
	struct query_ctx *qc = arg;

	if (*qc->audit_who && strcmp(r->who, qc->audit_who) != 0 &&
	    strcmp(r->claimed, qc->audit_who) != 0)
		return 0;
	if (qc->audit.n_records == qc->audit_cap)
		return -ENOBUFS;	/* cannot happen: the store stops at the limit */
	qc->audit.records[qc->audit.n_records++] = r;
	return 1;
}

/* Records after q->after_seq in q's time span and of q's who, a page of them. */
static int
query_audit(struct store_txn *t, const Lanu__V1__AuditQuery *q, struct query_ctx *qc)
{
	size_t limit = q->limit == 0 || q->limit > AUDIT_PAGE ? AUDIT_PAGE : q->limit;
	uint64_t last = 0;
	bool more = false;
	int r;

	if (q->to_ms && q->from_ms > q->to_ms) {
		msg_errorf(&qc->err, "audit.to_ms", "is before from_ms");
		return -EINVAL;
	}
	qc->audit.records = calloc(limit, sizeof(*qc->audit.records));
	if (!qc->audit.records)
		return -ENOMEM;
	qc->audit_cap = limit;
	qc->audit_who = q->who;
	r = store_audit_scan(t, q->after_seq, q->from_ms, q->to_ms, limit, AUDIT_EXAMINE,
			     query_audit_cb, qc, &last, &more);
	qc->audit.last_seq = last;
	qc->audit.more = more;
	return r;
}

/* --- the clocks due (lanuctl due) ---------------------------------------------------------- */

struct due_ctx {
	const struct snapshot *snap;
	const Lanu__V1__DueQuery *q;
	Lanu__V1__ClockList *list;
	size_t cap;
	int32_t today;
	struct arena *arena;	/* the reply's: the clocks are decoded into it */
	struct arena_mark kept;	/* where it ends after the clocks kept so far */
	size_t room;		/* list->clocks has room for so many */
};

/* The store decodes each clock into the reply's arena: one kept is the reply's as it
 * is (no copy), one passed over is rewound away. */
static int
query_due_cb(Lanu__V1__Clock *c, void *arg)
{
	struct due_ctx *x = arg;

	if ((*x->q->service && strcmp(c->service, x->q->service) != 0) ||
	    (*x->q->area && !plan_index_within(x->snap->index, c->area, x->q->area))) {
		arena_rewind(x->arena, x->kept);
		return 0;
	}
	if (x->list->n_clocks == x->cap) {
		const Lanu__V1__Clock *last = x->list->clocks[x->cap - 1];

		arena_rewind(x->arena, x->kept);
		x->list->more = true;	/* the next page starts after the last one kept */
		x->list->next_due_at_ms = last->due_at_ms;
		x->list->next_id = last->id;
		return 1;
	}
	/* after c, which stays where it is */
	if (arena_grow(x->arena, (void **)&x->list->clocks, x->list->n_clocks, &x->room,
		       sizeof(*x->list->clocks), 8) < 0)
		return -ENOMEM;
	c->working_days_left = deadline_working_days_left(x->snap, c, x->today);
	x->list->clocks[x->list->n_clocks++] = c;
	x->kept = arena_mark(x->arena);
	return 0;
}

/* Open clocks due before now + q->within, soonest first (then by id), after the cursor
 * q->after_due_at_ms, q->after_id, filtered by area and service, decoded into arena.
 * Returns 0, -EINVAL with e filled (a bad `within`), or -errno. */
static int
query_due(const struct snapshot *snap, struct store_txn *t, const Lanu__V1__DueQuery *q,
	  struct arena *arena, Lanu__V1__ClockList *list, struct msg_error *e)
{
	const uint64_t now_ms = snap->now_ms;
	struct due_ctx x = { snap, q, list, query_limit(q->limit), calendar_local_day(now_ms),
			     arena, { 0 }, 0 };
	uint64_t until = UINT64_MAX;
	int r;

	if (*q->within) {
		const struct calendar *national = calendar_get(snap->calendars, CALENDAR_NATIONAL);
		Lanu__V1__Duration__Unit unit;
		uint32_t count;
		int32_t day;

		if (value_duration(q->within, &count, &unit) < 0) {
			msg_errorf(e, "due.within", "'%s' is not a span (expected e.g. "
				   "\"2 working days\" or \"3 weeks\")", q->within);
			return -EINVAL;
		}
		if (unit == LANU__V1__DURATION__UNIT__UNIT_HOURS)
			until = now_ms + (uint64_t)count * 3600 * 1000;
		else if (calendar_due_day(national, x.today, count, unit, false, &day) == 0)
			until = calendar_day_end_ms(day);
	}
	x.kept = arena_mark(arena);	/* list->clocks grows as clocks are kept */
	r = store_clock_scan_open(t, q->after_due_at_ms, q->after_id, until, &arena->pa,
				  query_due_cb, &x);
	return r < 0 ? r : 0;
}

/* --- one case's clocks (lanuctl case) ------------------------------------------------------- */

struct case_ctx {
	const Lanu__V1__CaseQuery *q;
	Lanu__V1__ClockList *list;
	struct arena *arena;	/* the reply's, as for the due query */
	struct arena_mark kept;
	size_t room;
};

static int
query_case_cb(Lanu__V1__Clock *c, void *arg)
{
	struct case_ctx *x = arg;

	if (*x->q->service && strcmp(c->service, x->q->service) != 0) {
		arena_rewind(x->arena, x->kept);
		return 0;
	}
	if (x->list->n_clocks == QUERY_PAGE) {
		arena_rewind(x->arena, x->kept);
		x->list->more = true;	/* a case of more clocks than a page: the first */
		return 1;
	}
	if (arena_grow(x->arena, (void **)&x->list->clocks, x->list->n_clocks, &x->room,
		       sizeof(*x->list->clocks), 8) < 0)
		return -ENOMEM;
	x->list->clocks[x->list->n_clocks++] = c;
	x->kept = arena_mark(x->arena);
	return 0;
}

static int
query_case_cmp(const void *a, const void *b)
{
	const Lanu__V1__Clock *x = *(Lanu__V1__Clock *const *)a;
	const Lanu__V1__Clock *y = *(Lanu__V1__Clock *const *)b;

	if (x->started_at_ms != y->started_at_ms)
		return x->started_at_ms < y->started_at_ms ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Every clock of q->case_id (of q->service, if named), open or closed, by start, decoded
 * into arena. Returns 0, -ENOENT with e filled (no such clock), or -errno. */
static int
query_case(struct store_txn *t, const Lanu__V1__CaseQuery *q, struct arena *arena,
	   Lanu__V1__ClockList *list, struct msg_error *e)
{
	struct case_ctx x = { q, list, arena, arena_mark(arena), 0 };
	int r;

	r = store_clock_scan_case(t, q->case_id, &arena->pa, query_case_cb, &x);
	if (r < 0)
		return r;
	if (list->n_clocks == 0) {
		msg_errorf(e, "case_query.case_id", "no clock of case '%s'%s%s%s", q->case_id,
			   *q->service ? " in service '" : "", q->service,
			   *q->service ? "'" : "");
		return -ENOENT;
	}
	qsort(list->clocks, list->n_clocks, sizeof(*list->clocks), query_case_cmp);
	return 0;
}

/* Whether each id of kind k a query names is an object of the plan in force (with no
 * plan, every one is taken); a recipient the plan no longer has is known while the log
 * keeps alerts routed to it (t non-NULL). Returns 0, or -ENOENT with e naming field and
 * the id. */
static int
query_known(const struct snapshot *snap, struct store_txn *t, enum plan_kind k,
	    char *const *id, size_t n, const char *field, struct msg_error *e)
{
	for (size_t i = 0; snap->index && i < n; i++)
		if (*id[i] && !plan_index_find(snap->index, k, id[i]) &&
		    !(t && store_rcpt_seen(t, id[i]))) {
			msg_errorf(e, field, "no %s '%s' in the plan", plan_kind_name(k), id[i]);
			return -ENOENT;
		}
	return 0;
}

/* A filter naming what the plan does not have matches nothing: said, not answered with
 * an empty list. Returns 0 or -ENOENT with e filled. */
static int
query_check_names(const struct snapshot *snap, struct store_txn *t,
		  const Lanu__V1__Request *req, struct msg_error *e)
{
	switch (req->body_case) {
	case LANU__V1__REQUEST__BODY_DUE: {
		const Lanu__V1__DueQuery *q = req->due;

		if (query_known(snap, NULL, PLAN_SERVICE, &q->service, 1, "due.service", e) < 0)
			return -ENOENT;
		return query_known(snap, NULL, PLAN_AREA, &q->area, 1, "due.area", e);
	}
	case LANU__V1__REQUEST__BODY_CASE_QUERY:
		return query_known(snap, NULL, PLAN_SERVICE, &req->case_query->service, 1,
				   "case_query.service", e);
	case LANU__V1__REQUEST__BODY_COMPLIANCE:
		return query_known(snap, NULL, PLAN_SERVICE, &req->compliance->service, 1,
				   "compliance.service", e);
	case LANU__V1__REQUEST__BODY_OPEN_ALERTS:
		return query_known(snap, t, PLAN_RECIPIENT, req->open_alerts->recipients,
				   req->open_alerts->n_recipients, "open_alerts.recipients", e);
	case LANU__V1__REQUEST__BODY_REPLAY:
		return query_known(snap, t, PLAN_RECIPIENT, req->replay->recipients,
				   req->replay->n_recipients, "replay.recipients", e);
	default:
		return 0;
	}
}

static void
query_status(struct lanud *d, struct store_txn *t, const struct store_stat *st, uint64_t now_ms,
	     struct query_ctx *qc)
{
	Lanu__V1__Status *s = &qc->status;

	s->version = (char *)LANU_VERSION;
	s->now_ms = now_ms;
	s->uptime_ms = timesrc_uptime_usec(&d->clock) / 1000;
	s->events = st->events;
	s->duplicates = d->n_duplicates;
	s->rejected = d->n_rejected;
	s->last_event_seq = st->last_event_seq;
	s->last_alert_seq = st->last_alert_seq;
	s->open_alerts = st->open_alerts;
	s->map_size = st->map_size;
	s->map_used = st->map_used;
	s->manual_clock = d->clock.manual;
	s->commits = d->n_commits;
	s->committed_events = d->n_committed;
	s->plan_version = d->plan_version;
	s->plan_id = (char *)(d->plan && d->plan->plan ? d->plan->plan->id : "");
	s->unrouted_alerts = d->n_unrouted;
	s->open_clocks = st->open_clocks;
	s->next_deadline_ms = st->next_deadline_ms;
	s->pending_escalations = st->pending_escalations;
	s->next_escalation_ms = st->next_escalation_ms;
	s->last_audit_seq = st->last_audit_seq;
	s->next_purge_ms = retain_next_at(d->plan, t);
}

void
query_answer(struct lanud *d, const Lanu__V1__Request *req, uint64_t now_ms,
	     Lanu__V1__Reply *rep, struct query_ctx *qc)
{
	struct snapshot snap = lanud_snapshot(d, now_ms);
	struct store_stat st = { 0 };
	struct store_txn t;
	uint64_t seq;
	int r;

	memset(qc, 0, sizeof(*qc));
	arena_init_buf(&qc->arena, QUERY_ARENA_CHUNK, qc->arena_buf, sizeof(qc->arena_buf));
	lanu__v1__status__init(&qc->status);
	lanu__v1__alert_list__init(&qc->list);
	lanu__v1__plan_history__init(&qc->history);
	lanu__v1__clock_list__init(&qc->clocks);
	lanu__v1__compliance_report__init(&qc->report);
	lanu__v1__absence_report__init(&qc->absences);
	lanu__v1__indicator_report__init(&qc->indicators);
	lanu__v1__measure_report__init(&qc->measures);
	lanu__v1__audit_list__init(&qc->audit);
	rep->corr_id = req->corr_id;
	store_begin(d->store, &t, STORE_RO);
	r = store_stat(&t, &st);
	if (r == 0)
		r = query_check_names(&snap, &t, req, &qc->err);
	if (r == 0) {
		switch (req->body_case) {
		case LANU__V1__REQUEST__BODY_STATUS:
			query_status(d, &t, &st, now_ms, qc);
			rep->result_case = LANU__V1__REPLY__RESULT_STATUS;
			rep->status = &qc->status;
			break;
		case LANU__V1__REQUEST__BODY_ALERT:
			r = store_alert_by_id(&t, req->alert->alert_id, &seq);
			if (r == 0)
				r = store_get_alert(&t, seq, &qc->one);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_ALERT;
				rep->alert = qc->one;
			}
			break;
		case LANU__V1__REQUEST__BODY_PLAN:
			r = store_get_plan_version(&t, req->plan->version, &qc->plan);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_PLAN_VERSION;
				rep->plan_version = qc->plan;
			}
			break;
		case LANU__V1__REQUEST__BODY_DUE:
			r = query_due(&snap, &t, req->due, &qc->arena, &qc->clocks, &qc->err);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_CLOCKS;
				rep->clocks = &qc->clocks;
			}
			break;
		case LANU__V1__REQUEST__BODY_CASE_QUERY:
			r = query_case(&t, req->case_query, &qc->arena, &qc->clocks, &qc->err);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_CLOCKS;
				rep->clocks = &qc->clocks;
			}
			break;
		case LANU__V1__REQUEST__BODY_COMPLIANCE:
			r = compliance_report(&snap, &t, req->compliance, &qc->report, &qc->err);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_COMPLIANCE;
				rep->compliance = &qc->report;
			}
			break;
		case LANU__V1__REQUEST__BODY_ABSENCES:
			r = absence_report(&snap, &t, req->absences, &qc->absences, &qc->err);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_ABSENCES;
				rep->absences = &qc->absences;
			}
			break;
		case LANU__V1__REQUEST__BODY_INDICATORS:
			r = indicator_report(&snap, &t, req->indicators, &qc->arena,
					     &qc->indicators, &qc->err);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_INDICATORS;
				rep->indicators = &qc->indicators;
			}
			break;
		case LANU__V1__REQUEST__BODY_MEASURES:
			r = measure_report(&snap, &t, req->measures, &qc->arena, &qc->measures,
					   &qc->err);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_MEASURES;
				rep->measures = &qc->measures;
			}
			break;
		case LANU__V1__REQUEST__BODY_PLAN_HISTORY:
			r = store_plan_history(&t, &qc->history.versions, &qc->history.n_versions);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_PLAN_HISTORY;
				rep->plan_history = &qc->history;
			}
			break;
		case LANU__V1__REQUEST__BODY_AUDIT:
			r = query_audit(&t, req->audit, qc);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_AUDIT;
				rep->audit = &qc->audit;
			}
			break;
		case LANU__V1__REQUEST__BODY_OPEN_ALERTS:
		case LANU__V1__REQUEST__BODY_REPLAY:
			r = query_list(&t, req, qc);
			if (r == 0) {
				rep->result_case = LANU__V1__REPLY__RESULT_ALERTS;
				rep->alerts = &qc->list;
			}
			break;
		default:
			/* events, clock and plan changes go to ingest; a body added to
			 * lanu.v1 after this code is refused until it is answered here */
			msg_errorf(&qc->err, "body", "is not a query (request type %d)",
				   (int)req->body_case);
			r = -EINVAL;
			break;
		}
	}
	store_abort(&t);
	/* The log keeps an alert's facts; its words are written now, with today's names. */
	for (size_t i = 0; r == 0 && i < qc->list.n_alerts; i++)
		r = alert_text_attach(qc->list.alerts[i], snap.index);
	if (r == 0 && qc->one)
		r = alert_text_attach(qc->one, snap.index);
	rep->last_alert_seq = st.last_alert_seq;
	if (r == 0) {
		rep->code = LANU__V1__REPLY__CODE__OK;
	} else if (r == -EINVAL) {
		rep->code = LANU__V1__REPLY__CODE__REJECTED;
		rep->reason = qc->err.reason;
		rep->field = qc->err.field;
	} else if (r == -ENOENT && *qc->err.field) {
		rep->code = LANU__V1__REPLY__CODE__NOT_FOUND;	/* a filter's unknown id */
		rep->reason = qc->err.reason;
		rep->field = qc->err.field;
	} else if (r == -ENOENT && req->body_case == LANU__V1__REQUEST__BODY_PLAN) {
		rep->code = LANU__V1__REPLY__CODE__NOT_FOUND;
		rep->reason = (char *)(req->plan->version ? "no such plan version"
							  : "no plan has been loaded");
		rep->field = (char *)"plan.version";
	} else if (r == -ENOENT) {
		rep->code = LANU__V1__REPLY__CODE__NOT_FOUND;
		rep->reason = (char *)"no such alert";
		rep->field = (char *)"alert.alert_id";
	} else {
		rep->code = LANU__V1__REPLY__CODE__UNAVAILABLE;
		rep->reason = strerror(-r);
	}
}

void
query_done(struct query_ctx *qc)
{
	for (size_t i = 0; i < qc->list.n_alerts; i++)
		lanu__v1__alert__free_unpacked(qc->list.alerts[i], NULL);
	free(qc->list.alerts);
	for (size_t i = 0; i < qc->audit.n_records; i++)
		lanu__v1__audit_record__free_unpacked(qc->audit.records[i], NULL);
	free(qc->audit.records);
	if (qc->one)
		lanu__v1__alert__free_unpacked(qc->one, NULL);
	if (qc->plan)
		lanu__v1__plan_version__free_unpacked(qc->plan, NULL);
	for (size_t i = 0; i < qc->history.n_versions; i++)
		lanu__v1__plan_version__free_unpacked(qc->history.versions[i], NULL);
	free(qc->history.versions);
	arena_free(&qc->arena);		/* the due and case queries' clocks */
	compliance_report_clear(&qc->report);
	absence_report_clear(&qc->absences);
	memset(qc, 0, sizeof(*qc));
}
