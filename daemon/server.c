/*
 * server: the daemon's lifecycle around struct lanud (lanud.h). Start-up opens the store,
 * binds the sockets and only then tells systemd READY=1. SIGTERM/SIGINT stop
 * reading, commit and answer the batch in hand, and leave the loop; SIGHUP
 * re-reads the configuration and swaps it in if it is valid, keeping every
 * connection, and loads the plan file if it changed (planload.c). Signals are
 * libevent events (rule 12).
 */
#include "server.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "audit.h"
#include "auth.h"
#include "backup.h"
#include "calendar.h"
#include "conf.h"
#include "ingest.h"
#include "keys.h"
#include "lanud.h"
#include "lanu/macro.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "planload.h"
#include "store.h"
#include "writer.h"
#include "zsock.h"

#define SERVER_IPC_MODE	0660	/* an ipc:// socket file: lanud's user and group */

static bool
server_strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static void
server_swap_str(char **a, char **b)
{
	char *t = *a;

	*a = *b;
	*b = t;
}

static void
server_swap_strv(char ***a, char ***a_as, size_t *na, char ***b, char ***b_as, size_t *nb)
{
	char **t = *a, **t_as = *a_as;
	size_t n = *na;

	*a = *b, *a_as = *b_as, *na = *nb;
	*b = t, *b_as = t_as, *nb = n;
}

static bool
server_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The settings that take effect only at a restart (docs/configuration.md: endpoints,
 * state directory, keys, map sizes, clock, metrics) keep their running values in c, the
 * configuration a reload read; c's own go to old, which is freed. Returns whether any
 * of them changed. */
static bool
server_keep_restart_only(struct conf *c, struct conf *old)
{
	bool changed =
		!server_strv_eq(c->ingest, c->n_ingest, old->ingest, old->n_ingest) ||
		!server_strv_eq(c->publish, c->n_publish, old->publish, old->n_publish) ||
		!server_str_eq(c->state_dir, old->state_dir) ||
		!server_str_eq(c->keys_dir, old->keys_dir) ||
		!server_str_eq(c->server_key, old->server_key) ||
		c->map_size != old->map_size || c->map_max != old->map_max ||
		c->manual_clock != old->manual_clock || c->clock_start_ms != old->clock_start_ms ||
		strcmp(c->metrics_host, old->metrics_host) != 0 ||
		c->metrics_port != old->metrics_port;

	server_swap_strv(&c->ingest, &c->ingest_as, &c->n_ingest, &old->ingest, &old->ingest_as,
			 &old->n_ingest);
	server_swap_strv(&c->publish, &c->publish_as, &c->n_publish, &old->publish,
			 &old->publish_as, &old->n_publish);
	server_swap_str(&c->state_dir, &old->state_dir);
	server_swap_str(&c->keys_dir, &old->keys_dir);
	server_swap_str(&c->server_key, &old->server_key);
	c->map_size = old->map_size;
	c->map_max = old->map_max;
	c->manual_clock = old->manual_clock;
	c->clock_start_ms = old->clock_start_ms;
	memcpy(c->metrics_host, old->metrics_host, sizeof(c->metrics_host));
	c->metrics_port = old->metrics_port;
	return changed;
}

static void
server_reload(struct lanud *d)
{
	struct conf *c;

	notify_reloading();
	if (conf_load(d->conf_path, d->overrides, d->n_overrides, &c) < 0) {
		log_msg(LOG_ERR, "lanud: reload of '%s' failed; the running configuration "
				 "stays in force", d->conf_path);
		notify_ready(d);
		return;
	}
	if (server_keep_restart_only(c, d->conf))
		log_msg(LOG_WARNING, "lanud: endpoints, state-dir, keys-dir, server-key, map "
				     "sizes, clock and metrics take effect at the next restart, "
				     "ignoring their change");
	log_set_level(c->log_level);
	conf_free(d->conf);
	d->conf = c;
	log_msg(LOG_INFO, "lanud: configuration reloaded");
	writer_flush(d->writer);	/* events in hand are committed under their plan */
	planload_file(d);	/* a bad plan is logged; the one in force stays */
	writer_wake(d->writer);	/* what a new plan's retention makes due goes now */
	notify_ready(d);
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct lanud *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		server_reload(d);
		return;
	}
	if (d->stopping)
		return;
	log_msg(LOG_INFO, "lanud: %s received, finishing the batch in hand",
		sig == SIGTERM ? "SIGTERM" : "SIGINT");
	d->stopping = true;
	notify_stopping();
	audit_flush(d->audit);	/* the refusals counted in open windows */
	writer_flush(d->writer);
	event_base_loopexit(d->base, NULL);
}

/* The counts of log lines the rate limit dropped are written within an interval of
 * the flood's end, not only when the next such line comes. */
static void
server_log_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_flush();
}

static int
server_open_store(struct lanud *d)
{
	struct store_txn t;
	uint64_t clock;
	int r;

	r = store_open(d->conf->state_dir, d->conf->map_size, d->conf->map_max, &d->store);
	if (r == -EBUSY)
		return log_errno(LOG_ERR, r, "lanud: another lanud uses '%s'", d->conf->state_dir);
	if (r == -EPROTO)
		return log_errno(LOG_ERR, r, "lanud: '%s' was written by a newer lanud",
				 d->conf->state_dir);
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot open the store in '%s'",
				 d->conf->state_dir);
	/* A manual clock resumes where it was (time never runs backwards), or starts where
	 * the configuration says if that is later. */
	store_begin(d->store, &t, STORE_RO);
	clock = store_get_clock(&t);
	store_abort(&t);
	if (d->conf->clock_start_ms * 1000 > clock)
		clock = d->conf->clock_start_ms * 1000;
	timesrc_init(&d->clock, d->conf->manual_clock, clock);
	return planload_start(d);
}

/* The process that listens on the unix socket at path, or 0 if none does (no such
 * file, a file left by one that stopped, not a socket). */
static pid_t
server_ipc_listener(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred = { 0 };
	socklen_t len = sizeof(cred);
	pid_t pid = 0;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;	/* libzmq says what is wrong with it */
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid > 0
			      ? cred.pid : -1;
	close(fd);
	return pid;
}

/* Says which process holds endpoint, and gives up the start. */
static int
server_ipc_taken(const char *what, const char *endpoint, pid_t pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (pid > 0 && (f = fopen(path, "r"))) {
		if (!fgets(comm, sizeof(comm), f))
			*comm = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	if (pid > 0)
		log_msg(LOG_ERR, "lanud: %s endpoint '%s' is in use by process %d%s%s%s: not "
				 "taking it over (stop that one, or give this one other "
				 "endpoints)", what, endpoint, (int)pid, *comm ? " (" : "", comm,
			*comm ? ")" : "");
	else
		log_msg(LOG_ERR, "lanud: %s endpoint '%s' is in use by another process: not "
				 "taking it over (stop that one, or give this one other "
				 "endpoints)", what, endpoint);
	return -EADDRINUSE;
}

/* Claims the socket file of an ipc:// endpoint before it is bound. libzmq removes a
 * socket file it binds to, even one another process listens on, and so would take
 * that one's peers without a word. A lock file next to it (PATH.lock, flock) is held
 * while lanud runs, with its pid in it; a lock held elsewhere, or a socket that takes
 * a connection, is another process's. Returns the lock's fd (the caller keeps it
 * open), -ENOENT for an endpoint with no file (not ipc://, or ipc://@abstract, which
 * the kernel itself keeps to one), or -EADDRINUSE, said in the log. */
static int
server_ipc_claim(const char *what, const char *endpoint)
{
	const char *path = endpoint + 6;
	char lock[PATH_MAX], pid_text[24] = "";
	pid_t holder;
	ssize_t n;
	int fd;

	if (strncmp(endpoint, "ipc://", 6) != 0 || *path == '@' || !*path)
		return -ENOENT;
	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >= sizeof(lock))
		return -ENOENT;	/* libzmq says what is wrong with it */
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_errno(LOG_ERR, -errno, "lanud: cannot create '%s', the lock of %s "
						  "endpoint '%s'", lock, what, endpoint);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(fd, pid_text, sizeof(pid_text) - 1, 0);
		pid_text[n > 0 ? n : 0] = '\0';
		close(fd);
		return server_ipc_taken(what, endpoint, (pid_t)atoi(pid_text));
	}
	holder = server_ipc_listener(path);
	if (holder != 0) {
		close(fd);
		return server_ipc_taken(what, endpoint, holder);
	}
	n = snprintf(pid_text, sizeof(pid_text), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid_text, (size_t)n, 0) != n)
		log_errno(LOG_WARNING, -errno, "lanud: cannot write the pid into '%s'", lock);
	return fd;
}

/* Binds one endpoint of setting what ("ingest", "publish"), an ipc:// one claimed
 * first (its lock kept in d); logs why it fails, once, here where start-up is given up. */
static int
server_bind_one(struct lanud *d, struct zsock *z, const char *what, const char *endpoint)
{
	int fd = server_ipc_claim(what, endpoint), r;

	if (fd == -EADDRINUSE || (fd < 0 && fd != -ENOENT))
		return fd;
	if (fd >= 0) {
		if (d->n_ipc_locks == ELEMENTSOF(d->ipc_locks)) {
			close(fd);
			return log_errno(LOG_ERR, -E2BIG, "lanud: more than %zu ipc endpoints",
					 ELEMENTSOF(d->ipc_locks));
		}
		d->ipc_locks[d->n_ipc_locks++] = fd;
	}
	r = zsock_bind(z, endpoint);
	/* who may connect is the file's owner, group and mode (docs/security.md) */
	if (r == 0 && fd >= 0 && chmod(endpoint + 6, SERVER_IPC_MODE) < 0)
		log_errno(LOG_WARNING, -errno, "lanud: cannot set mode %o on '%s'", SERVER_IPC_MODE,
			  endpoint + 6);
	/* libzmq binds to an address or an interface, never to a host name */
	if (r == -ENODEV && strncmp(endpoint, "tcp://", 6) == 0) {
		log_msg(LOG_ERR, "lanud: cannot bind %s endpoint '%s': not an address or an "
				 "interface name (write tcp://127.0.0.1:PORT, not "
				 "tcp://localhost:PORT)", what, endpoint);
		return r;
	}
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot bind %s endpoint '%s'", what, endpoint);
	return 0;
}

/* Binds every endpoint of setting what in three passes, as libzmq copies a socket's
 * options at each bind and a ZAP domain, once set, cannot be unset: the trusted ones
 * first, then each ipc:// one "as NAME" with the ZAP domain that makes its peers that
 * key (as[i]), then the tcp:// ones as CurveZMQ servers. */
static int
server_bind(struct lanud *d, struct zsock *z, const char *what, char *const *endpoints,
	    char *const *as, size_t n)
{
	char domain[sizeof(AUTH_IPC_DOMAIN) + LANU_MAX_NAME];
	int r;

	for (int pass = 0; pass < 3; pass++) {
		if (pass == 2 && *d->curve_secret && (r = zsock_curve_server(z, d->curve_secret)) < 0)
			return log_errno(LOG_ERR, r, "lanud: cannot make the %s socket a CurveZMQ "
					 "server", what);
		for (size_t i = 0; i < n; i++) {
			bool tcp = strncmp(endpoints[i], "tcp://", 6) == 0;

			if (pass != (tcp ? 2 : as[i] ? 1 : 0))
				continue;
			if (pass == 1) {
				snprintf(domain, sizeof(domain), "%s%s", AUTH_IPC_DOMAIN, as[i]);
				if ((r = zsock_zap_domain(z, domain)) < 0)
					return log_errno(LOG_ERR, r, "lanud: cannot set the ZAP "
							 "domain of '%s'", endpoints[i]);
			}
			if ((r = server_bind_one(d, z, what, endpoints[i])) < 0)
				return r;
		}
	}
	return 0;
}

static void
server_key_report_cb(const char *msg, void *arg)
{
	(void)arg;
	log_msg(LOG_ERR, "lanud: %s", msg);
}

/* Whether every "ipc://... as NAME" names a key of keys-dir in force. */
static int
server_check_as(struct lanud *d, char *const *endpoints, char *const *as, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct keys_entry *e;
		char path[PATH_MAX];
		int r;

		if (!as[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s.key", d->conf->keys_dir, as[i]);
		r = keys_read(path, server_key_report_cb, NULL, &e);
		if (r == 0 && e->revoked_ms)
			r = -EKEYREVOKED;
		keys_entry_free(e = r == 0 ? e : NULL);
		if (r == -EKEYREVOKED)
			return log_errno(LOG_ERR, r, "lanud: '%s' is as '%s', whose key is revoked",
					 endpoints[i], as[i]);
		if (r < 0)
			return log_errno(LOG_ERR, r, "lanud: '%s' is as '%s': no key '%s'",
					 endpoints[i], as[i], path);
	}
	return 0;
}

/* With keys-dir (conf.c made sure of it and of server-key for tcp:// endpoints): the
 * keys "as NAME" ipc:// endpoints name, lanud's secret key for tcp://, and the ZAP
 * handler, bound before any endpoint. */
static int
server_auth_start(struct lanud *d)
{
	struct keys_secret k;
	char pub[KEYS_Z85_LEN + 1] = "";
	int r;

	if (!d->conf->keys_dir)
		return 0;
	if ((r = server_check_as(d, d->conf->ingest, d->conf->ingest_as, d->conf->n_ingest)) < 0 ||
	    (r = server_check_as(d, d->conf->publish, d->conf->publish_as, d->conf->n_publish)) < 0)
		return r;
	r = conf_has_tcp(d->conf) ? keys_read_secret(d->conf->server_key, server_key_report_cb,
						     NULL, &k) : -ENOKEY;
	if (r == -ENOKEY) {
		r = 0;
		k = (struct keys_secret){ .name = "" };
	}
	if (r == 0) {
		memcpy(d->curve_secret, k.secret_z85, sizeof(k.secret_z85));
		memcpy(pub, k.public_z85, sizeof(pub));
		sodium_memzero(&k, sizeof(k));
	}
	if (r == -EINVAL)
		return r;
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot read server-key '%s'",
				 d->conf->server_key);
	if (auth_new(d->conf->keys_dir, &d->auth) < 0)
		return log_errno(LOG_ERR, -ENOMEM, "lanud: cannot start the ZAP handler");
	r = zsock_open(&d->zap, d->zctx, d->base, ZSOCK_ROUTER, auth_zap_on_msg, d);
	if (r == 0)
		r = zsock_bind(d->zap, AUTH_ZAP_ENDPOINT);
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot start the ZAP handler");
	if (*pub)
		log_msg(LOG_INFO, "lanud: tcp:// endpoints use CurveZMQ, server key %.8s…, peers' "
				  "keys in '%s'", pub, d->conf->keys_dir);
	return 0;
}

int
server_start(struct lanud *d)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	const char *tz;
	int r;

	signal(SIGPIPE, SIG_IGN);
	if (alert_check_wire() < 0)
		return log_errno(LOG_ERR, -EPROTO, "lanud: Alert.prev_seq is not the uint64 field "
						   "%d that alert.c appends", ALERT_PREV_SEQ_FIELD);
	d->base = event_base_new();
	if (!d->base || event_base_priority_init(d->base, 3) < 0)
		return log_errno(LOG_ERR, -ENOMEM, "lanud: cannot create the event loop");
	r = server_open_store(d);
	if (r < 0)
		return r;
	/* Calendar logic runs in the plan's local dates (calendar.c asks the C library,
	 * which reads TZ): set once, before the writer thread starts. */
	tz = d->plan && d->plan->plan && *d->plan->plan->timezone ? d->plan->plan->timezone
								   : "Europe/Helsinki";
	/* Without the zone's file the C library would count in UTC without a word. */
	if (!calendar_zone_installed(tz))
		return log_errno(LOG_ERR, -ENOENT, "lanud: time zone '%s' is not installed "
						   "(install tzdata)", tz);
	if (setenv("TZ", tz, 1) < 0)
		return log_errno(LOG_ERR, -errno, "lanud: cannot set the time zone");
	tzset();
	d->zctx = zsock_ctx_new();
	if (!d->zctx)
		return log_errno(LOG_ERR, -errno, "lanud: cannot create a ZeroMQ context");
	r = audit_new(d, &d->audit);
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot start the audit queue");
	r = writer_new(d, &d->writer);
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot start the writer");
	r = metrics_new(d, &d->metrics);
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot start the metrics endpoint");
	r = backup_new(d, &d->backup);
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot prepare for backups");
	r = server_auth_start(d);
	if (r < 0)
		return r;
	r = zsock_open(&d->router, d->zctx, d->base, ZSOCK_ROUTER, ingest_on_msg, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot create the ingest socket");
	r = server_bind(d, d->router, "ingest", d->conf->ingest, d->conf->ingest_as,
			d->conf->n_ingest);
	if (r < 0)
		return r;
	r = zsock_open(&d->pub, d->zctx, d->base, ZSOCK_XPUB, auth_sub_on_msg, d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot create the publish socket");
	r = server_bind(d, d->pub, "publish", d->conf->publish, d->conf->publish_as,
			d->conf->n_publish);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(sigs); i++) {
		d->sig[i] = evsignal_new(d->base, sigs[i], server_signal_cb, d);
		if (!d->sig[i] || event_add(d->sig[i], NULL) < 0)
			return log_errno(LOG_ERR, -ENOMEM, "lanud: cannot watch signals");
	}
	d->log_timer = event_new(d->base, -1, EV_PERSIST, server_log_cb, d);
	if (!d->log_timer ||
	    event_add(d->log_timer, &(struct timeval){ LOG_INTERVAL_USEC / 1000000, 0 }) < 0)
		return log_errno(LOG_ERR, -ENOMEM, "lanud: cannot start the log timer");
	r = notify_watchdog_start(d);
	if (r < 0)
		return log_errno(LOG_ERR, r, "lanud: cannot start the watchdog");
	log_fields(LOG_INFO, LOG_ID_START, NULL, 0, "lanud: ready: ingest %s, publish %s, state "
		   "in '%s'%s", d->conf->ingest[0], d->conf->publish[0], d->conf->state_dir,
		   d->clock.manual ? ", manual clock" : "");
	notify_ready(d);
	return 0;
}

void
server_free(struct lanud *d)
{
	d->backup = backup_free(d->backup);	/* a copy being written is finished first */
	for (size_t i = 0; i < ELEMENTSOF(d->sig); i++)
		if (d->sig[i])
			event_free(d->sig[i]);
	if (d->watchdog)
		event_free(d->watchdog);
	if (d->log_timer)
		event_free(d->log_timer);
	d->router = zsock_free(d->router);	/* closing lingers so replies go out */
	d->pub = zsock_free(d->pub);
	d->zap = zsock_free(d->zap);
	d->auth = auth_free(d->auth);
	sodium_memzero(d->curve_secret, sizeof(d->curve_secret));
	d->writer = writer_free(d->writer);
	d->metrics = metrics_free(d->metrics);
	d->audit = audit_free(d->audit);
	zsock_ctx_free(d->zctx);
	for (; d->n_ipc_locks > 0; d->n_ipc_locks--)
		close(d->ipc_locks[d->n_ipc_locks - 1]);
	planload_free(d);
	d->store = store_free(d->store);
	d->conf = conf_free(d->conf);
	if (d->base)
		event_base_free(d->base);
}
