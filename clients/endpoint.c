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
endpoint_client_load(const char *prog, const char *path, struct endpoint_client *ret)
{
	struct endpoint_client c = { .ingest = "" };
	char line[1024], *w[4];
	unsigned n_line = 0;
	int errors = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		int r = -errno;

		fprintf(stderr, "%s: cannot read client configuration '%s': %s\n", prog, path,
			strerror(-r));
		return r;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *err, *k;
		char *dst = NULL;
		size_t len = 0;
		int n;

		n_line++;
		n = conf_split_words(line, w, 4, &err);
		if (n == 0)
			continue;
		if (n < 0 || n != 2) {
			fprintf(stderr, "%s: %s:%u: %s\n", prog, path, n_line,
				n < 0 ? err : "expected a setting and one value");
			errors++;
			continue;
		}
		k = w[0];
		if (strcmp(k, "ingest") == 0 || strcmp(k, "publish") == 0) {
			if (strncmp(w[1], "tcp://", 6) && strncmp(w[1], "ipc://", 6)) {
				fprintf(stderr, "%s: %s:%u: '%s' is not a tcp:// or ipc:// endpoint\n",
					prog, path, n_line, w[1]);
				errors++;
				continue;
			}
			dst = *k == 'i' ? c.ingest : c.publish;
			len = ENDPOINT_MAX;
		} else if (strcmp(k, "key") == 0) {
			dst = c.key;
			len = sizeof(c.key);
		} else if (strcmp(k, "server-key") == 0) {
			dst = c.server_key;
			len = sizeof(c.server_key);
		} else {
			fprintf(stderr, "%s: %s:%u: unknown setting '%s' (ingest, publish, key, "
					"server-key)\n", prog, path, n_line, k);
			errors++;
			continue;
		}
		if (*dst) {
			fprintf(stderr, "%s: %s:%u: '%s' given twice\n", prog, path, n_line, k);
			errors++;
		} else if ((size_t)snprintf(dst, len, "%s", w[1]) >= len) {
			fprintf(stderr, "%s: %s:%u: '%s' is too long\n", prog, path, n_line, k);
			errors++;
		}
	}
	fclose(f);
	if (errors)
		return -EINVAL;
	*ret = c;
	return 0;
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
