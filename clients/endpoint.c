/*
 * endpoint: the one way every client turns lanud's configuration into the endpoints it
 * connects to, so lanuctl and lanu-absence-import read lanud.conf alike. Nothing here
 * connects; the caller owns the buffers.
 */
#include "endpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"

void
endpoint_connectable(char dst[ENDPOINT_MAX], const char *bind)
{
	if (strncmp(bind, "tcp://*:", 8) == 0 || strncmp(bind, "tcp://0.0.0.0:", 14) == 0)
		snprintf(dst, ENDPOINT_MAX, "tcp://127.0.0.1:%s", strrchr(bind, ':') + 1);
	else
		snprintf(dst, ENDPOINT_MAX, "%s", bind);
}

int
endpoint_resolve(const char *conf_path, char ingest[ENDPOINT_MAX], char publish[ENDPOINT_MAX])
{
	struct conf *c;

	if (ingest[0] && (!publish || publish[0]))
		return 0;
	if (conf_load(conf_path, NULL, 0, &c) < 0)
		return -EINVAL;
	if (!ingest[0])
		endpoint_connectable(ingest, c->ingest[0]);
	if (publish && !publish[0])
		endpoint_connectable(publish, c->publish[0]);
	conf_free(c);
	return 0;
}
