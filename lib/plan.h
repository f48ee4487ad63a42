/* The plan file: YAML in, a validated lanu.v1.Plan out, or every problem found. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "plan.pb-c.h"
#include "plan_errors.h"

#define PLAN_FILE_MAX (960u << 10)	/* bytes: a PlanLoad request fits LANU_HARD_FRAME */

/* Parses and validates the plan text (name is the file name used in messages).
 * Returns 0 with *ret_plan set (free with plan_free()), -EINVAL with every problem
 * in errs, or -ENOMEM. errs is appended to; free it with plan_errors_free(). */
int plan_parse(const char *name, const char *text, size_t len, Lanu__V1__Plan **ret_plan,
	       struct plan_errors *errs);

/* Reads path and parses it. Also -errno if it cannot be read (reported in errs),
 * -EFBIG beyond PLAN_FILE_MAX. If ret_sha256 is given, the file's SHA-256 in hex. */
int plan_parse_file(const char *path, Lanu__V1__Plan **ret_plan, char ret_sha256[65],
		    struct plan_errors *errs);

/* The SHA-256 of a plan's text, in hex. */
void plan_sha256(const char *text, size_t len, char ret[65]);

/* Checks the plan file at path as `lanud --check-plan` and `lanuctl plan check` do:
 * every problem on stderr, "PATH: ok (summary)" on stdout. Returns 0 if valid. */
int plan_report_file(const char *path);

/* "3 areas, 14 recipients, 6 services, 18 indicators, 12 goals, 35 measures, 24 routes" */
const char *plan_summary(const Lanu__V1__Plan *plan, char *buf, size_t len);

/* Reads a plan file (at most PLAN_FILE_MAX bytes) into a NUL-terminated *ret_text
 * (caller frees) and its SHA-256 in hex. Returns 0 or -errno, reported in errs. */
int plan_read_file(const char *path, char **ret_text, size_t *ret_len, char ret_sha256[65],
		   struct plan_errors *errs);

Lanu__V1__Plan *plan_free(Lanu__V1__Plan *plan);

/* The file's enumeration word for an enum value: AREA_KIND_SCHOOL -> "school". */
const char *plan_enum_word(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t len);
