/*
 * backup: one copy at a time. On the request, the loop commits the batch in hand
 * (writer_flush()), so that everything acknowledged so far is in the store, opens
 * NAME.tmp in backup-dir and starts a thread. The thread copies the store with
 * store_copy() (LMDB's compacting copy: one read transaction, so the copy is the store
 * as of one commit, and writes go on meanwhile), syncs the file, reads it back
 * (store_file_check(): a store of this schema, and the last event and alert it holds),
 * renames it to NAME (replacing an older copy of that name only now, whole) and syncs
 * the directory, then wakes the loop through an eventfd. The loop joins the thread,
 * answers the request and records it in the audit log.
 *
 * A copy that fails leaves no file behind: NAME.tmp is removed. A request refused
 * (REJECTED) is audited as refusals are; a copy being written when lanud stops is
 * finished and answered first.
 */
#include "backup.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "conf.h"
#include "lanud.h"
#include "log.h"
#include "msg.h"
#include "reply.h"
#include "store.h"
#include "timesrc.h"
#include "writer.h"
#include "zsock.h"

#define BACKUP_NAME_MAX 128

struct backup {
	struct lanud *d;
	int done_fd;		/* eventfd: the thread is done */
	struct event *done_ev;
	bool running;
	pthread_t thread;
	/* The request being answered (set on the loop before the thread starts). */
	struct reply_to to;
	uint64_t corr_id;
	char who[80];
	char dir[PATH_MAX];
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	int fd;
	uint64_t event_seq, alert_seq, started_usec;
	/* The thread's result (read by the loop after the join). */
	int err;
	const char *failed;	/* the step that failed */
	uint64_t bytes;
};

/* Whether name may be a backup's file name: letters, digits, '.', '_', '-', not
 * starting with '.', and not ending in ".tmp" (a copy being written). */
static bool
backup_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > BACKUP_NAME_MAX || name[0] == '.' ||
	    (n >= 4 && strcmp(name + n - 4, ".tmp") == 0))
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._-") == n;
}

/* b->dir, b->path and b->tmp for name (a file name, an absolute path in backup-dir, or
 * "" for a name from the clock). Returns 0, or -EINVAL with e set. */
static int
backup_place(struct backup *b, const char *name, uint64_t now_ms, struct msg_error *e)
{
	const char *dir = b->d->conf->backup_dir;
	char gen[64], parent[PATH_MAX];
	const char *base = name;

	if (!dir) {
		msg_errorf(e, "backup", "lanud has no backup-dir: set one in %s "
			   "(docs/configuration.md)", b->d->conf_path);
		return -EINVAL;
	}
	/* Made if missing (not its parents), as private as the store. */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		msg_errorf(e, "backup", "backup-dir '%s' cannot be made: %s", dir,
			   strerror(errno));
		return -EINVAL;
	}
	if (!realpath(dir, b->dir)) {
		msg_errorf(e, "backup", "backup-dir '%s' cannot be used: %s", dir,
			   strerror(errno));
		return -EINVAL;
	}
	if (!*name) {
		time_t t = (time_t)(now_ms / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(gen, sizeof(gen), "lanu-%Y%m%dT%H%M%SZ.mdb", &tm);
		base = gen;
	} else if (strchr(name, '/')) {
		const char *slash = strrchr(name, '/');
		size_t n = (size_t)(slash - name);
		char real[PATH_MAX];

		base = slash + 1;
		if (name[0] != '/' || n >= sizeof(parent)) {
			msg_errorf(e, "backup.name", "'%s' is neither a file name nor an absolute "
				   "path in backup-dir %s", name, b->dir);
			return -EINVAL;
		}
		memcpy(parent, name, n);
		parent[n] = '\0';
		if (!realpath(n ? parent : "/", real) || strcmp(real, b->dir) != 0) {
			msg_errorf(e, "backup.name", "'%s' is not in backup-dir %s", name, b->dir);
			return -EINVAL;
		}
	}
	if (!backup_name_ok(base)) {
		msg_errorf(e, "backup.name", "'%s' is not a backup file name (letters, digits, "
			   "'.', '_' and '-', at most %d, not starting with '.' nor ending in "
			   "'.tmp')", base, BACKUP_NAME_MAX);
		return -EINVAL;
	}
	if ((size_t)snprintf(b->path, sizeof(b->path), "%s/%s", b->dir, base) >= sizeof(b->path) ||
	    (size_t)snprintf(b->tmp, sizeof(b->tmp), "%s.tmp", b->path) >= sizeof(b->tmp)) {
		msg_errorf(e, "backup.name", "the path of '%s' in %s is too long", base, b->dir);
		return -EINVAL;
	}
	return 0;
}

static int
backup_fail(struct backup *b, const char *step)
{
	b->err = -errno;
	b->failed = step;
	return b->err;
}

/* The thread: the copy, on disk under its name, or nothing. */
static void *
backup_run(void *arg)
{
	struct backup *b = arg;
	struct store_file_info info;
	uint64_t one = 1;
	struct stat st;
	int dfd, r;

	r = store_copy(b->d->store, b->fd);
	if (r < 0) {
		errno = -r;
		backup_fail(b, "copying the store");
	} else if (fsync(b->fd) < 0) {
		backup_fail(b, "syncing the copy");
	} else if (fstat(b->fd, &st) < 0) {
		backup_fail(b, "reading the copy's size");
	} else {
		b->bytes = (uint64_t)st.st_size;
	}
	if (close(b->fd) < 0 && !b->err)
		backup_fail(b, "closing the copy");
	b->fd = -1;
	/* Read back: a store of this schema, and what it holds exactly. */
	if (!b->err) {
		r = store_file_check(b->tmp, &info);
		if (r < 0) {
			errno = -r;
			backup_fail(b, "reading the copy back");
		} else {
			b->event_seq = info.event_seq;
			b->alert_seq = info.alert_seq;
		}
	}
	if (!b->err && rename(b->tmp, b->path) < 0)
		backup_fail(b, "renaming the copy");
	if (b->err) {
		unlink(b->tmp);
	} else {
		/* The rename is durable once the directory is. */
		dfd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) < 0)
			backup_fail(b, "syncing backup-dir (the copy is in place, but its name "
				       "may not survive a crash)");
		if (dfd >= 0)
			close(dfd);
	}
	/* An eventfd write of 1 cannot fail short of a bug. */
	if (write(b->done_fd, &one, sizeof(one)) < 0)
		abort();
	return NULL;
}

/* Back on the loop, the thread done: joined, the answer and the audit record. */
static void
backup_finish(struct backup *b)
{
	struct lanud *d = b->d;
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;
	Lanu__V1__BackupResult res = LANU__V1__BACKUP_RESULT__INIT;
	Lanu__V1__AuditRecord ar = LANU__V1__AUDIT_RECORD__INIT;
	struct msg_error e = { { 0 }, { 0 } };
	const struct log_field f[] = { { "LANU_BACKUP_PATH", b->path }, { "LANU_PEER", b->who } };

	pthread_join(b->thread, NULL);
	b->running = false;
	ar.what = LANU__V1__AUDIT_RECORD__WHAT__BACKUP;
	ar.who = b->who;
	ar.subject = b->path;
	if (b->err) {
		msg_errorf(&e, "", "the backup to %s failed %s: %s", b->path, b->failed,
			   strerror(-b->err));
		log_msg(LOG_ERR, "backup: %s", e.reason);
		reply_code(d->router, &b->to, b->corr_id, LANU__V1__REPLY__CODE__UNAVAILABLE, &e,
			   0);
		ar.reason = e.reason;
	} else {
		res.path = b->path;
		res.bytes = b->bytes;
		res.event_seq = b->event_seq;
		res.alert_seq = b->alert_seq;
		res.took_ms = (timesrc_uptime_usec(&d->clock) - b->started_usec) / 1000;
		rep.corr_id = b->corr_id;
		rep.code = LANU__V1__REPLY__CODE__OK;
		rep.result_case = LANU__V1__REPLY__RESULT_BACKUP;
		rep.backup = &res;
		log_fields(LOG_NOTICE, LOG_ID_BACKUP, f, ELEMENTSOF(f),
			   "backup: %s written, %" PRIu64 " bytes in %" PRIu64 " ms (events to #%"
			   PRIu64 ", alerts to #%" PRIu64 ")", b->path, b->bytes, res.took_ms,
			   b->event_seq, b->alert_seq);
		reply_send(d->router, &b->to, &rep);
		ar.count = b->bytes;
	}
	zsock_kick(d->router);
	audit_note(d, &ar);
}

static void
backup_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct backup *b = arg;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 || !b->running)
		return;
	backup_finish(b);
}

void
backup_request(struct lanud *d, const struct reply_to *to, const char *peer,
	       const Lanu__V1__Request *req)
{
	struct backup *b = d->backup;
	struct msg_error e = { { 0 }, { 0 } };
	Lanu__V1__Reply__Code code = LANU__V1__REPLY__CODE__REJECTED;
	int r;

	if (d->stopping || b->running) {
		msg_errorf(&e, "", d->stopping ? "lanud is shutting down; ask again later" :
			   "a backup (%s) is being written; ask again when it is done", b->path);
		code = LANU__V1__REPLY__CODE__UNAVAILABLE;
		goto refuse;
	}
	if (backup_place(b, req->backup->name, timesrc_now_usec(&d->clock) / 1000, &e) < 0)
		goto refuse;
	b->fd = open(b->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (b->fd < 0) {
		bool full = errno == ENOSPC || errno == EDQUOT;

		msg_errorf(&e, full ? "" : "backup", "cannot write %s: %s", b->tmp,
			   strerror(errno));
		code = full ? LANU__V1__REPLY__CODE__UNAVAILABLE : code;
		goto refuse;
	}
	/* Everything answered so far is committed, and so in the copy. */
	writer_flush(d->writer);
	b->to = *to;
	b->corr_id = req->corr_id;
	snprintf(b->who, sizeof(b->who), "%s", audit_who(peer));
	b->started_usec = timesrc_uptime_usec(&d->clock);
	b->err = 0;
	b->failed = NULL;
	b->bytes = 0;
	r = pthread_create(&b->thread, NULL, backup_run, b);
	if (r != 0) {
		close(b->fd);
		unlink(b->tmp);
		msg_errorf(&e, "", "cannot start the backup's thread: %s", strerror(r));
		code = LANU__V1__REPLY__CODE__UNAVAILABLE;
		goto refuse;
	}
	b->running = true;
	log_msg(LOG_INFO, "backup: writing %s for %s", b->path, b->who);
	return;
refuse:
	if (code == LANU__V1__REPLY__CODE__REJECTED) {
		d->n_rejected++;
		audit_refused(d, peer, req, &e);
	}
	reply_code(d->router, to, req->corr_id, code, &e, 0);
}

int
backup_new(struct lanud *d, struct backup **ret_backup)
{
	struct backup *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->d = d;
	b->fd = -1;
	b->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->done_fd < 0) {
		free(b);
		return -errno;
	}
	b->done_ev = event_new(d->base, b->done_fd, EV_READ | EV_PERSIST, backup_done_cb, b);
	if (!b->done_ev || event_add(b->done_ev, NULL) < 0) {
		backup_free(b);
		return -ENOMEM;
	}
	*ret_backup = b;
	return 0;
}

struct backup *
backup_free(struct backup *b)
{
	if (!b)
		return NULL;
	/* Stopping: the copy is finished and answered (the router lingers to send it). */
	if (b->running) {
		log_msg(LOG_NOTICE, "backup: waiting for %s to be written", b->path);
		backup_finish(b);
	}
	if (b->done_ev)
		event_free(b->done_ev);
	close(b->done_fd);
	free(b);
	return NULL;
}
