/* The plan in force: loading, storing as a version, swapping in. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lanu.pb-c.h"

struct lanud;
struct plan_errors;

struct planload_req {
	const char *source;	/* file name, for messages and history */
	const char *loaded_by;
	const char *who;	/* the peer that asked, for the audit log; NULL: lanud itself */
	const char *text;
	size_t len;
	bool dry_run;
	bool from_file;		/* the configured file: remember its hash */
};

/* Validates req's plan and, unless a dry run or the same content is in force,
 * stores it as a new version and puts it in force. Returns 0 (res filled: clear
 * with planload_result_clear()), -EINVAL (problems in errs), or -errno. */
int planload_apply(struct lanud *d, const struct planload_req *req,
		   Lanu__V1__PlanLoadResult *res, struct plan_errors *errs);
void planload_result_clear(Lanu__V1__PlanLoadResult *res);

/* At start: the newest stored version, then the configured file if it changed.
 * Fails only if the file is bad and no plan is stored. */
int planload_start(struct lanud *d);

/* SIGHUP: the configured file, if it changed. Problems are logged; the plan in
 * force stays. */
int planload_file(struct lanud *d);

void planload_free(struct lanud *d);
