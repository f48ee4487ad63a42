/* Every bound lanu enforces, in one place. Queues, frames and strings all have one. */
#pragma once

#define LANU_MAX_FRAME		(64 * 1024)	/* largest request we parse; larger: REJECTED */
#define LANU_HARD_FRAME		(1024 * 1024)	/* ZMQ_MAXMSGSIZE: larger drops the peer */
#define LANU_MAX_ID		128		/* event_id, alert_id */
#define LANU_MAX_NAME		64		/* producer, case, service, area, recipient ids */
#define LANU_MAX_TEXT		1024		/* free-text notes */
#define LANU_MAX_RECIPIENTS	32		/* recipients per alert or per query */
#define LANU_MAX_LEVELS		16		/* levels of an absence ladder */
#define LANU_MAX_BREAKDOWN	16		/* breakdown dimensions per indicator value */
#define LANU_MAX_ESCALATION_STEPS 8		/* steps of a route's escalation chain */

#define ZSOCK_BATCH		32		/* messages read per callback before yielding (the
					 * writer's return is seen between runs) */
#define ZSOCK_HWM		10000		/* ZMQ_SNDHWM / ZMQ_RCVHWM */
#define ZSOCK_OUTQ_MAX		4096		/* replies waiting for a blocked peer */
#define ZSOCK_LINGER_MS		2000		/* how long unsent replies may delay exit */
#define ZSOCK_RETRY_MS		2		/* outbox retry period while a peer is full */
#define ZSOCK_STALL_MS		1000		/* a peer that reads nothing this long loses its reply */

#define LANU_EARLY_KEEP_DAYS	30		/* a delivery before its request waits this long */
#define LANU_COMPLIANCE_MIN_SAMPLE 5		/* decided clocks before an indicator is judged */
#define LANU_COMPLIANCE_HYSTERESIS 2.0		/* points above a threshold to clear it */
#define LANU_FIRE_MAX		256		/* clock warnings and misses fired per batch */
#define STORE_BATCH_MAX		1024		/* requests committed per write transaction */
#define STORE_MAP_INITIAL	(64ULL << 20)	/* default initial map size */
#define STORE_MAP_MAX		(16ULL << 30)	/* default largest map size */
#define STORE_MAX_DBS		48		/* named databases (mdb_env_set_maxdbs) */
#define STORE_SCHEMA		2		/* meta/schema; older: migrated, newer: refused */

#define QUERY_PAGE		500		/* alerts per replay / open-alerts reply */
#define QUERY_EXAMINE		20000		/* alerts a replay of the unrouted reads */
#define QUERY_IND_VALUES	50000		/* indicator values (rows and revisions) per reply */
#define PUB_HWM			10000		/* live alerts queued per subscriber: one
						 * that falls further behind loses live copies
						 * (prev_seq shows the gap) and replays */
#define PUB_SUB_MAX		1024		/* ZMQ_MAXMSGSIZE on the publish socket: a
						 * subscription to a recipient is at most 66
						 * bytes, CurveZMQ's handshake about 300 */

#define AUDIT_QUEUE_MAX		1024		/* loop audit records waiting for the next batch */
#define AUDIT_SLOTS		64		/* sources of refusals coalesced at once */
#define AUDIT_WINDOW_MS		1000		/* at most one record per source and window */
#define AUDIT_PAGE		500		/* audit records per AuditList */
#define AUDIT_EXAMINE		20000		/* audit records a page examines at most */
