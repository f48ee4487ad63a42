/* endpoint: where a client finds lanud, from -e/-s or lanud's configuration. */
#pragma once

#include <limits.h>

#define ENDPOINT_MAX	512

/* A bind endpoint as a client connects to it: tcp://<any>:7401 -> tcp://127.0.0.1:7401. */
void endpoint_connectable(char dst[ENDPOINT_MAX], const char *bind);

/* A client's own configuration (docs/security.md), for a machine without lanud.conf:
 *
 *	ingest      tcp://10.0.0.5:7401
 *	publish     tcp://10.0.0.5:7402
 *	key         /home/admin/admin-1.secret
 *	server-key  "LANUD_PUBLIC_KEY"	(or a file holding it)
 *
 * Each setting is optional; "" for one not given. */
struct endpoint_client {
	char ingest[ENDPOINT_MAX];
	char publish[ENDPOINT_MAX];
	char key[PATH_MAX];
	char server_key[PATH_MAX];
};

/* Reads a client configuration; every problem is said on stderr as "PROG: PATH:LINE:
 * what is wrong". Returns 0, -EINVAL, or -errno when it cannot be read (said). */
int endpoint_client_load(const char *prog, const char *path, struct endpoint_client *ret);

/* Fills ingest, and publish unless it is NULL, from the configuration at conf_path where
 * they are still empty (""); the file is read only if one is. Returns 0, or -EINVAL when
 * the configuration cannot be read or is wrong (conf_load() logged why). */
int endpoint_resolve(const char *conf_path, char ingest[ENDPOINT_MAX],
		     char publish[ENDPOINT_MAX]);
