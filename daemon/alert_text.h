/* The words of every alert lanud raises, in Finnish, Swedish and English, from one table. */
#pragma once

#include <stdint.h>

#include "lanu.pb-c.h"

struct plan_index;

enum alert_text_id {
	ALERT_TEXT_DEADLINE_WARNING,	/* a clock's warning: {due} */
	ALERT_TEXT_DEADLINE_MISSED,	/* a clock's miss: {due} */
	ALERT_TEXT_MISSED_REPORTED,	/* another system's DeadlineMissed */
	ALERT_TEXT_PROVIDED_LATE,	/* a missed clock closed: {due}, {at} */
	ALERT_TEXT_CANCELLED_LATE,	/* a missed clock cancelled: {due}, {at} */
	ALERT_TEXT_COMPLIANCE_WARNING,	/* an indicator below its target */
	ALERT_TEXT_COMPLIANCE_CRITICAL,	/* below its critical threshold */
	ALERT_TEXT_COMPLIANCE_RECOVERED,
	ALERT_TEXT_MAX,
};

/* What a text is about. Plan objects are named by id and written by their names in the
 * plan in force (the text's language, else Finnish, else English, else the id);
 * NULL or "" leaves a part out. */
struct alert_text_args {
	const char *service, *stage, *area, *case_id, *indicator;
	const char *group;	/* a breakdown group, "language=fi", written as is */
	const char *due, *at;	/* "YYYY-MM-DD" */
	double value;		/* an indicator's value, percent */
	uint64_t count;		/* the cases it was computed from */
};

/* Room for one alert's three texts. */
struct alert_text_buf {
	char fi[512], sv[512], en[512];
};

/* Writes text id about a into buf and points text's fi, sv and en at it. x (NULL:
 * none) gives the names. */
void alert_text_fill(enum alert_text_id id, const struct alert_text_args *a,
		     const struct plan_index *x, struct alert_text_buf *buf, Lanu__V1__Text *text);
