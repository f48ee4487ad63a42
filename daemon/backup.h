/*
 * backup: `lanuctl backup` (a Backup request): a consistent, compacted copy of the live
 * store, written by a thread of its own into backup-dir while the loop and the writer
 * go on (docs/operations.md, "Backup and restore").
 */
#pragma once

#include "lanu.pb-c.h"

struct backup;
struct lanud;
struct reply_to;

/* The backups of d: an eventfd and its event on d->base. Returns 0 or -errno. Free
 * with backup_free(), which waits for a copy being written. */
int backup_new(struct lanud *d, struct backup **ret_backup);
struct backup *backup_free(struct backup *b);

/* Starts the copy req asks for (req->backup) and answers it when the copy is on disk,
 * or at once: REJECTED for a name lanud will not write or no backup-dir, UNAVAILABLE
 * while another copy is being written or lanud is stopping. peer as for audit_who().
 * Loop thread. */
void backup_request(struct lanud *d, const struct reply_to *to, const char *peer,
		    const Lanu__V1__Request *req);
