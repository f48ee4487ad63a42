/* The words of every alert lanud raises, in Finnish, Swedish and English, from one table. */
#pragma once

#include <stdint.h>

#include "lanu.pb-c.h"

struct plan_index;

/* Room for one alert's three texts. */
struct alert_text_buf {
	char fi[512], sv[512], en[512];
};

/* Writes a's text in fi, sv and en from a->facts and a's service, area and indicator
 * into buf, and points a->text at text (whose strings point into buf). Plan objects
 * are written by their names in x (the text's language, else Finnish, else English,
 * else the id; x NULL: the ids). An alert without facts (stored before lanud kept
 * them) keeps the text it has. */
void alert_text_fill(Lanu__V1__Alert *a, const struct plan_index *x, struct alert_text_buf *buf,
		     Lanu__V1__Text *text);

/* The same for an alert read from the log (unpacked with malloc): its text is
 * allocated as protobuf-c would, so free_unpacked() frees it with the alert. Does
 * nothing if a has no facts. Returns 0 or -ENOMEM. */
int alert_text_attach(Lanu__V1__Alert *a, const struct plan_index *x);
