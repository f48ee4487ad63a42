/*
 * lanud's entry point: parse the command line, load the configuration, run the
 * loop. Everything else lives in the modules; this file only wires them up.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "conf.h"
#include "lanud.h"
#include "server.h"
#include "log.h"
#include "plan.h"

static void
usage(FILE *f)
{
	char conf_path[PATH_MAX];

	conf_default_path(conf_path, sizeof(conf_path));
	fprintf(f,
		"usage: lanud [-c FILE] [options]\n"
		"  -c, --config FILE     configuration (default %s)\n"
		"      --check-config    check the configuration and exit\n"
		"      --check-plan FILE check a plan file, report every problem, and exit\n"
		"      --ingest EP       ROUTER endpoint(s), replacing the file's\n"
		"      --publish EP      PUB endpoint(s), replacing the file's\n"
		"      --state-dir DIR   where the LMDB store lives\n"
		"      --log-level L     err, warning, notice, info or debug\n"
		"      --clock=MODE      'system', 'manual' or 'manual START' (tests and demos;\n"
		"                        START an instant such as 2026-01-01T08:00:00Z)\n"
		"  -V, --version\n"
		"  -h, --help\n",
		conf_path);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "check-plan", required_argument, NULL, 'P' },
		{ "ingest", required_argument, NULL, 'i' },
		{ "publish", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "clock", required_argument, NULL, 'k' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct conf_override ov[16];
	char default_conf[PATH_MAX];
	struct lanud d = { .conf_path = default_conf, .overrides = ov };
	bool check = false;
	int ch, r;

	conf_default_path(default_conf, sizeof(default_conf));
	log_set_ident("lanud", true);
	while ((ch = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		const char *key = NULL;

		switch (ch) {
		case 'c': d.conf_path = optarg; continue;
		case 'C': check = true; continue;
		case 'P': return plan_report_file(optarg) < 0 ? 1 : 0;
		case 'i': key = "ingest"; break;
		case 'p': key = "publish"; break;
		case 's': key = "state-dir"; break;
		case 'l': key = "log-level"; break;
		case 'k': key = "clock"; break;
		case 'V': printf("lanud %s\n", LANU_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (d.n_overrides == ELEMENTSOF(ov)) {
			fprintf(stderr, "lanud: too many options\n");
			return 2;
		}
		ov[d.n_overrides++] = (struct conf_override){ key, optarg };
	}
	if (optind < argc) {
		fprintf(stderr, "lanud: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	r = conf_load(d.conf_path, ov, d.n_overrides, &d.conf);
	if (r < 0)
		return 1;
	if (check) {
		printf("%s: ok%s%s\n", d.conf_path, d.conf->plan ? ", plan " : "",
		       d.conf->plan ? d.conf->plan : "");
		conf_free(d.conf);
		return 0;
	}
	log_set_level(d.conf->log_level);
	r = server_start(&d);
	if (r == 0)
		r = event_base_dispatch(d.base) < 0 ? -EIO : 0;
	server_free(&d);
	log_flush();	/* the counts of lines the rate limit dropped */
	if (r == 0)
		log_fields(LOG_INFO, LOG_ID_STOP, NULL, 0, "lanud: stopped");
	return r < 0 ? 1 : 0;
}
