/* lanuctl's shared parts: options, calls to lanud, output helpers. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lanu.pb-c.h"

#define EXIT_REFUSED	1
#define EXIT_UNREACHED	2

struct ctl {
	const char *conf_path;
	char ingest[512];
	char publish[512];
	int timeout_ms;		/* how long to wait for lanud in all */
	bool json;
	const char *lang;
};

/* One request, one reply, within the timeout. ctl_request() returns 0 with any
 * reply; ctl_call() also reports a reply other than OK on stderr and frees it.
 * Both return 0 or an exit status. */
int ctl_request(struct ctl *x, Lanu__V1__Request *req, Lanu__V1__Reply **ret_reply);
int ctl_call(struct ctl *x, Lanu__V1__Request *req, Lanu__V1__Reply **ret_reply);

/* One line of the proto3 JSON mapping of m on stdout; extra_line (stolen) is added
 * as "line". */
void print_json(const ProtobufCMessage *m, json_t *extra_line);

/* An enum value's name with strip characters of prefix removed. */
const char *enum_name(const ProtobufCEnumDescriptor *d, int v, size_t strip);

int cmd_plan(struct ctl *x, int argc, char **argv);

/* lanuctl_clock.c: the access-time clocks. */
int cmd_due(struct ctl *x, int argc, char **argv);
int cmd_compliance(struct ctl *x, int argc, char **argv);
