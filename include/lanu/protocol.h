/* Wire conventions that are not in lanu.proto itself. */
#pragma once

/* PUB topic frame: the recipient id followed by one NUL, so that subscribing to
 * "board\0" never also matches "board-2". */
#define LANU_TOPIC_TERM		'\0'

/* Default endpoints when neither config nor command line names one, for a program not
 * installed (conf_default_path() finds an installed one's). */
#define LANU_DEFAULT_CONF	"/etc/lanu/lanud.conf"
