/* endpoint: where a client finds lanud, from -e/-s or lanud's configuration. */
#pragma once

#define ENDPOINT_MAX	512

/* A bind endpoint as a client connects to it: tcp://<any>:7401 -> tcp://127.0.0.1:7401. */
void endpoint_connectable(char dst[ENDPOINT_MAX], const char *bind);

/* Fills ingest, and publish unless it is NULL, from the configuration at conf_path where
 * they are still empty (""); the file is read only if one is. Returns 0, or -EINVAL when
 * the configuration cannot be read or is wrong (conf_load() logged why). */
int endpoint_resolve(const char *conf_path, char ingest[ENDPOINT_MAX],
		     char publish[ENDPOINT_MAX]);
