/*
 * plan: the plan file (docs/plan-format.md) into a lanu.v1.Plan. The walk is
 * generic over protobuf-c's descriptors, so proto/plan.proto is the one schema:
 * a YAML key names a field ('-' for '_'), a mapping fills a message, a sequence a
 * repeated field. What people write more briefly than the schema (a text as one
 * Finnish string, "7 working days", "2022-2025", limits per urgency) is read by a
 * few hooks keyed by message type.
 *
 * Every value's position is remembered by the address it was stored at, so the
 * checks that run on the finished Plan (plan_check.c) still report line:column.
 *
 * Ownership: everything is malloc'ed as protobuf_c_message_unpack() would, and
 * linked into its parent before it is filled, so protobuf_c_message_free_unpacked()
 * frees a finished and a half-built plan alike.
 */
#include "plan.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "hetu.h"
#include "lanu/macro.h"
#include "pb.h"
#include "plan_check.h"
#include "plan_index.h"
#include "plan_parser.h"
#include "plan_value.h"

#define PLAN_DEPTH_MAX 24

/* --- errors and positions ----------------------------------------------------------- */

static void _printf_(2, 3)
plan_verror_fmt(struct plan_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	plan_parser_verror(p, 0, 0, fmt, ap);
	va_end(ap);
}

static void _printf_(3, 4)
plan_error_mark(struct plan_parser *p, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	plan_parser_verror(p, mark->line + 1, mark->column + 1, fmt, ap);
	va_end(ap);
}

static void
plan_verror_yaml(struct plan_parser *p, const yaml_parser_t *y)
{
	const yaml_mark_t *m = y->problem ? &y->problem_mark : &y->mark;

	if (y->context)
		plan_error_mark(p, m, "YAML: %s %s (line %zu)", y->problem ? y->problem : "error",
				y->context, y->context_mark.line + 1);
	else
		plan_error_mark(p, m, "YAML: %s", y->problem ? y->problem : "cannot be read");
}

static void _printf_(3, 4)
plan_error(struct plan_parser *p, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	plan_parser_verror(p, node ? node->start_mark.line + 1 : 0, node ? node->start_mark.column + 1 : 0,
		    fmt, ap);
	va_end(ap);
}




static void
plan_pos_add(struct plan_parser *p, const void *addr, const yaml_node_t *node)
{
	plan_parser_pos_add(p, addr, node->start_mark.line + 1, node->start_mark.column + 1);
}

/* --- enumerations ------------------------------------------------------------------ */

/* The prefix every value of d shares: its zero value's name less "UNSPECIFIED". */
static size_t
plan_enum_prefix(const ProtobufCEnumDescriptor *d)
{
	const char *zero = d->n_values ? d->values[0].name : "";
	const char *u = strstr(zero, "UNSPECIFIED");

	return u ? (size_t)(u - zero) : 0;
}

const char *
plan_enum_word(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t len)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
	size_t i = 0;

	if (!v || len == 0)
		return "?";
	for (const char *s = v->name + plan_enum_prefix(d); *s && i + 1 < len; s++)
		buf[i++] = *s == '_' ? '-' : (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
	buf[i] = '\0';
	return buf;
}

/* "higher-is-better" -> DIRECTION_HIGHER_IS_BETTER; never the zero value. */
static bool
plan_enum_parse(const ProtobufCEnumDescriptor *d, const char *word, int *ret_value)
{
	char buf[64];

	for (unsigned i = 1; i < d->n_values; i++)
		if (strcmp(plan_enum_word(d, d->values[i].value, buf, sizeof(buf)), word) == 0) {
			*ret_value = d->values[i].value;
			return true;
		}
	return false;
}

static void
plan_enum_words(const ProtobufCEnumDescriptor *d, char *out, size_t len)
{
	char buf[64];
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 1; i < d->n_values && n < len; i++) {
		int w = snprintf(out + n, len - n, "%s%s", i > 1 ? ", " : "",
				 plan_enum_word(d, d->values[i].value, buf, sizeof(buf)));
		n += w > 0 ? (size_t)w : 0;
	}
}

/* --- field tables -------------------------------------------------------------------- */

/* Fields lanud fills itself; a plan file may not. */
static bool
plan_derived(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
	return ((d == &lanu__v1__area__descriptor || d == &lanu__v1__goal__descriptor) &&
		strcmp(f->name, "parent") == 0) ||
	       (d == &lanu__v1__measure__descriptor && strcmp(f->name, "goal") == 0) ||
	       (d == &lanu__v1__route__descriptor && strcmp(f->name, "escalate_steps") == 0);
}

/* String fields that hold a date: 0 no, 1 a first day, 2 a last day, 3 an exact day. */
static int
plan_date_field(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
	if (d == &lanu__v1__period__descriptor)
		return strcmp(f->name, "from") == 0 ? 1 : strcmp(f->name, "to") == 0 ? 2 : 0;
	if (d == &lanu__v1__limit__descriptor)
		return strcmp(f->name, "from") == 0 ? 1 : strcmp(f->name, "until") == 0 ? 2 : 0;
	if (d == &lanu__v1__plan_info__descriptor && strcmp(f->name, "adopted") == 0)
		return 3;
	if (d == &lanu__v1__calendar__descriptor && strcmp(f->name, "open") == 0)
		return 3;
	return 0;
}

/* --- scalars -------------------------------------------------------------------------- */

static const char *
plan_scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static const char *
plan_node_kind(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE ? "a mapping" : n->type == YAML_SEQUENCE_NODE ? "a list"
											     : "a value";
}

static char *
plan_strdup(struct plan_parser *p, const char *s)
{
	char *d = strdup(s);

	if (!d)
		p->oom = true;
	return d;
}

static void *
plan_calloc(struct plan_parser *p, size_t n, size_t size)
{
	void *v = calloc(n ? n : 1, size);

	if (!v)
		p->oom = true;
	return v;
}

/* Replaces the string at *dst (the descriptor's default, or NULL) with a copy of s. */
static void
plan_set_string(struct plan_parser *p, char **dst, const char *s)
{
	char *c = plan_strdup(p, s);

	if (c)
		*dst = c;
}

static bool
plan_number(const char *s, double *ret)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*ret = strtod(s, &end);
	return !errno && *end == '\0' && isfinite(*ret) &&
	       !strpbrk(s, "xXnNiI");	/* no hex floats, nan, inf */
}

static const char *
plan_type_name(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL: return "true or false";
	case PROTOBUF_C_TYPE_DOUBLE:
	case PROTOBUF_C_TYPE_FLOAT: return "a number";
	default: return "a whole number";
	}
}

/* One scalar node into a non-message field's storage at member. */
static void
plan_walk_scalar(struct plan_parser *p, const yaml_node_t *node,
		 const ProtobufCMessageDescriptor *md, const ProtobufCFieldDescriptor *f,
		 void *member, const char *key)
{
	const char *s;
	double num;

	if (node->type != YAML_SCALAR_NODE) {
		plan_error(p, node, "'%s' is %s (expected %s)", key, plan_node_kind(node),
			   f->type == PROTOBUF_C_TYPE_ENUM ? "one word" : "a single value");
		return;
	}
	s = plan_scalar(node);
	plan_pos_add(p, member, node);
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		char date[VALUE_DATE_LEN];
		int kind = plan_date_field(md, f), r;

		if (*s == '\0') {
			plan_error(p, node, "'%s' is empty", key);
			return;
		}
		if (kind == 0) {
			if (node->data.scalar.length != strlen(s)) {
				plan_error(p, node, "'%s' holds a NUL character", key);
				return;
			}
			plan_set_string(p, member, s);
			return;
		}
		r = value_date(s, kind == 2, date);
		if (r == 0 && kind == 3 && strcmp(s, date) != 0)
			r = -EINVAL;
		if (r < 0) {
			plan_error(p, node, "'%s' is not a date: '%s' (expected %s)", key, s,
				   kind == 3 ? "YYYY-MM-DD"
					     : "YYYY-MM-DD, YYYY-MM, YYYY, spring YYYY or autumn YYYY");
			return;
		}
		plan_set_string(p, member, date);
		return;
	}
	case PROTOBUF_C_TYPE_ENUM: {
		char words[512];
		int v;

		if (plan_enum_parse(f->descriptor, s, &v)) {
			*(int *)member = v;
			return;
		}
		plan_enum_words(f->descriptor, words, sizeof(words));
		plan_error(p, node, "'%s' has unknown value '%s' (expected one of: %s)", key, s,
			   words);
		return;
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
			*(protobuf_c_boolean *)member = s[0] == 't';
			return;
		}
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		if (plan_number(s, &num)) {
			*(double *)member = num;
			return;
		}
		break;
	case PROTOBUF_C_TYPE_UINT32:
		if (plan_number(s, &num) && num >= 0 && num <= UINT32_MAX && num == floor(num)) {
			*(uint32_t *)member = (uint32_t)num;
			return;
		}
		break;
	case PROTOBUF_C_TYPE_UINT64:
		if (plan_number(s, &num) && num >= 0 && num <= 9007199254740992.0 &&
		    num == floor(num)) {
			*(uint64_t *)member = (uint64_t)num;
			return;
		}
		break;
	default:
		plan_error(p, node, "'%s' cannot be set in a plan file", key);
		return;
	}
	plan_error(p, node, "'%s' is '%s' (expected %s)", key, s, plan_type_name(f));
}

/* --- messages ------------------------------------------------------------------------- */

static void plan_walk_message(struct plan_parser *p, const yaml_node_t *node,
			      ProtobufCMessage *m, const char *key);

static ProtobufCMessage *
plan_new_message(struct plan_parser *p, const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = plan_calloc(p, 1, d->sizeof_message);

	if (m)
		protobuf_c_message_init(d, m);
	return m;
}

/* Scalar shorthands for whole messages. Returns true if node was one (handled). */
static bool
plan_walk_short(struct plan_parser *p, const yaml_node_t *node, ProtobufCMessage *m,
		const char *key)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *s;

	if (node->type != YAML_SCALAR_NODE)
		return false;
	s = plan_scalar(node);
	if (d == &lanu__v1__text__descriptor) {
		plan_set_string(p, &((Lanu__V1__Text *)m)->fi, s);
	} else if (d == &lanu__v1__number__descriptor) {
		double v;

		if (plan_number(s, &v))
			((Lanu__V1__Number *)m)->value = v;
		else
			plan_error(p, node, "'%s' is '%s' (expected a number)", key, s);
	} else if (d == &lanu__v1__duration__descriptor) {
		Lanu__V1__Duration *du = (Lanu__V1__Duration *)m;

		if (value_duration(s, &du->count, &du->unit) < 0)
			plan_error(p, node, "'%s' is not a duration: '%s' (expected e.g. "
					    "'7 working days', '14 days', '3 weeks', '3 months', "
					    "'same or next working day')", key, s);
		plan_set_string(p, &du->text, s);
	} else if (d == &lanu__v1__period__descriptor) {
		Lanu__V1__Period *pe = (Lanu__V1__Period *)m;
		char from[VALUE_DATE_LEN], to[VALUE_DATE_LEN];
		int r = value_period(s, from, to);

		if (r == -ERANGE)
			plan_error(p, node, "'%s' ends before it starts: '%s'", key, s);
		else if (r < 0)
			plan_error(p, node, "'%s' is not a period: '%s' (expected e.g. '2022-2025', "
					    "'2023-03-01..2023-06-30', 'by end of 2023', "
					    "'from autumn 2021', 'autumn 2025')", key, s);
		if (r == 0 && *from)
			plan_set_string(p, &pe->from, from);
		if (r == 0 && *to)
			plan_set_string(p, &pe->to, to);
		plan_set_string(p, &pe->text, s);
	} else if (d == &lanu__v1__stage_start__descriptor) {
		Lanu__V1__StageStart *st = (Lanu__V1__StageStart *)m;

		if (strcmp(s, "request") == 0) {
			st->kind = LANU__V1__STAGE_START__KIND__KIND_REQUEST;
		} else if (strcmp(s, "event") == 0) {
			st->kind = LANU__V1__STAGE_START__KIND__KIND_EVENT;
		} else if (strncmp(s, "after ", 6) == 0 && value_is_id(s + 6)) {
			st->kind = LANU__V1__STAGE_START__KIND__KIND_AFTER;
			plan_set_string(p, &st->stage, s + 6);
		} else {
			plan_error(p, node, "'%s' is '%s' (expected 'request', 'event' or "
					    "'after STAGE')", key, s);
		}
	} else if (d == &lanu__v1__indicator_source__descriptor) {
		int v;

		if (plan_enum_parse(&lanu__v1__indicator_source__kind__descriptor, s, &v)) {
			((Lanu__V1__IndicatorSource *)m)->kind = v;
		} else {
			plan_error(p, node, "'%s' is '%s' (expected reported, compliance, wait-time, "
					    "absences, or a mapping with kind, service, stage)",
				   key, s);
		}
	} else {
		return false;
	}
	return true;
}

/* A repeated field: a list, or one value standing for a list of one. */
static void
plan_walk_repeated(struct plan_parser *p, const yaml_node_t *node, ProtobufCMessage *m,
		   const ProtobufCFieldDescriptor *f, const char *key)
{
	size_t *count = (size_t *)((char *)m + f->quantifier_offset);
	void **arr = (void **)((char *)m + f->offset);
	const yaml_node_item_t *items = NULL;
	size_t n = 1, esize = pb_elt_size(f->type);

	/* limits: {normal: 7 working days, urgent: same or next working day} */
	if (f->descriptor == &lanu__v1__limit__descriptor && node->type == YAML_MAPPING_NODE) {
		const yaml_node_pair_t *pair = node->data.mapping.pairs.start;
		size_t np = (size_t)(node->data.mapping.pairs.top - pair);
		Lanu__V1__Limit **v = plan_calloc(p, np, sizeof(*v));

		if (!v)
			return;
		*arr = v;
		for (size_t i = 0; i < np; i++, pair++) {
			yaml_node_t *k = yaml_document_get_node(&p->doc, pair->key);
			yaml_node_t *val = yaml_document_get_node(&p->doc, pair->value);
			Lanu__V1__Limit *l;
			int u;

			if (k->type != YAML_SCALAR_NODE ||
			    !plan_enum_parse(&lanu__v1__urgency__descriptor, plan_scalar(k), &u)) {
				plan_error(p, k, "'%s' has unknown urgency '%s' (expected normal or "
						 "urgent)", key,
					   k->type == YAML_SCALAR_NODE ? plan_scalar(k) : "?");
				continue;
			}
			if (!(l = (Lanu__V1__Limit *)plan_new_message(p, &lanu__v1__limit__descriptor)))
				return;
			v[(*count)++] = l;
			plan_pos_add(p, l, k);
			l->urgency = u;
			if (!(l->limit = (Lanu__V1__Duration *)plan_new_message(
				      p, &lanu__v1__duration__descriptor)))
				return;
			plan_pos_add(p, l->limit, val);
			if (!plan_walk_short(p, val, &l->limit->base, key))
				plan_error(p, val, "'%s' is %s (expected a duration)", key,
					   plan_node_kind(val));
		}
		return;
	}
	if (node->type == YAML_SEQUENCE_NODE) {
		items = node->data.sequence.items.start;
		n = (size_t)(node->data.sequence.items.top - items);
	}
	if (!(*arr = plan_calloc(p, n, esize)))
		return;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *el = items ? yaml_document_get_node(&p->doc, items[i]) : (yaml_node_t *)node;

		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ProtobufCMessage *sub = plan_new_message(p, f->descriptor);

			if (!sub)
				return;
			((ProtobufCMessage **)*arr)[(*count)++] = sub;
			plan_pos_add(p, sub, el);
			if (!plan_walk_short(p, el, sub, key))
				plan_walk_message(p, el, sub, key);
			continue;
		}
		/* A string slot stays NULL until set: free_unpacked() frees every element of
		 * a repeated string, so it may never hold the shared default "". */
		(*count)++;
		plan_walk_scalar(p, el, m->descriptor, f, (char *)*arr + i * esize, key);
		if (f->type == PROTOBUF_C_TYPE_STRING && !((char **)*arr)[i])
			((char **)*arr)[i] = plan_strdup(p, "");	/* refused: reported */
	}
}

static void
plan_expected_keys(const ProtobufCMessageDescriptor *d, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < d->n_fields && n < len; i++) {
		int w;

		if (plan_derived(d, &d->fields[i]))
			continue;
		w = snprintf(out + n, len - n, "%s", n ? ", " : "");
		n += w > 0 ? (size_t)w : 0;
		for (const char *s = d->fields[i].name; *s && n + 1 < len; s++)
			out[n++] = *s == '_' ? '-' : *s;
		out[n < len ? n : len - 1] = '\0';
	}
}

static void
plan_walk_message(struct plan_parser *p, const yaml_node_t *node, ProtobufCMessage *m,
		  const char *key)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const yaml_node_pair_t *pair;
	uint64_t seen = 0;

	if (node->type != YAML_MAPPING_NODE) {
		plan_error(p, node, "'%s' is %s (expected a mapping of %s)", key,
			   plan_node_kind(node), d->short_name);
		return;
	}
	if (++p->depth > PLAN_DEPTH_MAX) {
		plan_error(p, node, "nested more than %d levels deep", PLAN_DEPTH_MAX);
		p->depth--;
		return;
	}
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&p->doc, pair->value);
		const ProtobufCFieldDescriptor *f = NULL;
		char name[64], expected[512];
		const char *ks;
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			plan_error(p, k, "a key is %s (expected a name)", plan_node_kind(k));
			continue;
		}
		ks = plan_scalar(k);
		for (i = 0; ks[i] && i + 1 < sizeof(name); i++)
			name[i] = ks[i] == '-' ? '_' : ks[i] == '_' ? '\x01' : ks[i];
		name[i] = '\0';
		if (!ks[i])
			f = protobuf_c_message_descriptor_get_field_by_name(d, name);
		if (!f || plan_derived(d, f)) {
			plan_expected_keys(d, expected, sizeof(expected));
			plan_error(p, k, "unknown key '%s' in %s (expected one of: %s)", ks,
				   d->short_name, expected);
			continue;
		}
		i = (size_t)(f - d->fields);
		if (i < 64 && (seen & (1ULL << i))) {
			plan_error(p, k, "key '%s' given twice", ks);
			continue;
		}
		seen |= i < 64 ? 1ULL << i : 0;
		if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0 &&
		    v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			plan_error(p, k, "'%s' has no value", ks);
			continue;
		}
		/* escalate: a list of steps goes to escalate_steps, one step stays in escalate */
		if (d == &lanu__v1__route__descriptor && v->type == YAML_SEQUENCE_NODE &&
		    strcmp(f->name, "escalate") == 0)
			f = protobuf_c_message_descriptor_get_field_by_name(d, "escalate_steps");
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			plan_walk_repeated(p, v, m, f, ks);
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ProtobufCMessage **slot = (ProtobufCMessage **)((char *)m + f->offset);

			if (!(*slot = plan_new_message(p, f->descriptor)))
				break;
			plan_pos_add(p, *slot, v);
			if (plan_walk_short(p, v, *slot, ks))
				;
			else if (f->descriptor == &lanu__v1__duration__descriptor)
				plan_error(p, v, "'%s' is %s (expected a duration such as "
						 "'7 working days')", ks, plan_node_kind(v));
			else
				plan_walk_message(p, v, *slot, ks);
		} else {
			plan_walk_scalar(p, v, d, f, (char *)m + f->offset, ks);
		}
		if (p->oom)
			break;
	}
	p->depth--;
}

/* --- the document ---------------------------------------------------------------------- */

/* Refuses what the plan format leaves out of YAML: anchors and aliases (one value
 * reached from two places), explicit tags, and more than one document. */
static int
plan_prescan(struct plan_parser *p, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int docs = 0, r = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		const unsigned char *anchor = NULL, *tag = NULL;
		bool implicit = true;

		if (!yaml_parser_parse(&parser, &ev)) {
			plan_verror_yaml(p, &parser);
			r = -EINVAL;
			break;
		}
		switch (ev.type) {
		case YAML_ALIAS_EVENT:
			anchor = ev.data.alias.anchor;
			break;
		case YAML_SCALAR_EVENT:
			anchor = ev.data.scalar.anchor;
			tag = ev.data.scalar.tag;
			implicit = ev.data.scalar.plain_implicit || ev.data.scalar.quoted_implicit;
			break;
		case YAML_SEQUENCE_START_EVENT:
			anchor = ev.data.sequence_start.anchor;
			tag = ev.data.sequence_start.tag;
			implicit = ev.data.sequence_start.implicit;
			break;
		case YAML_MAPPING_START_EVENT:
			anchor = ev.data.mapping_start.anchor;
			tag = ev.data.mapping_start.tag;
			implicit = ev.data.mapping_start.implicit;
			break;
		case YAML_DOCUMENT_START_EVENT:
			docs++;
			break;
		default:
			break;
		}
		if (anchor) {
			plan_error_mark(p, &ev.start_mark, "anchors and aliases (&%s, *%s) are not "
							   "used in plan files: write the value out",
					(const char *)anchor, (const char *)anchor);
		} else if (tag && !implicit) {
			plan_error_mark(p, &ev.start_mark, "tags (%s) are not used in plan files",
					(const char *)tag);
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && docs == 2) {
			plan_error_mark(p, &ev.start_mark, "a plan file holds one document");
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return r;
}

/* Refuses every identity code in the text, comments too: the file is kept as loaded,
 * and a plan names roles and pseudonyms, never people (hetu.h; the error says where,
 * never what). Columns count characters, as libyaml's do. */
static void
plan_scan_codes(struct plan_parser *p, const char *text, size_t len)
{
	yaml_mark_t mark = { 0 };
	size_t at, done = 0;

	while (done < len && hetu_find_token(text + done, len - done, &at)) {
		for (size_t end = done + at; done < end; done++) {
			if (text[done] == '\n') {
				mark.line++;
				mark.column = 0;
			} else if (((unsigned char)text[done] & 0xc0) != 0x80) {
				mark.column++;
			}
		}
		plan_error_mark(p, &mark, "this looks like a Finnish personal identity code: a "
					  "plan names roles and pseudonyms, never people");
		done += HETU_LEN;	/* ASCII: as many characters */
		mark.column += HETU_LEN;
	}
}

/* "NAME:LINE:COL: ..." with skip = strlen(NAME) + 1 */
static void
plan_error_pos(const char *s, size_t skip, unsigned long *line, unsigned long *col)
{
	*line = *col = 0;
	if (strlen(s) > skip)
		sscanf(s + skip, "%lu:%lu:", line, col);
}

static int
plan_error_cmp(const void *a, const void *b, void *skip)
{
	unsigned long la, ca, lb, cb;

	plan_error_pos(*(char *const *)a, *(size_t *)skip, &la, &ca);
	plan_error_pos(*(char *const *)b, *(size_t *)skip, &lb, &cb);
	return la != lb ? (la < lb ? -1 : 1) : ca != cb ? (ca < cb ? -1 : 1) : 0;
}

/* A plan's problems in file order: the shape's and the checks' interleaved. The sort
 * is not stable, so two problems at one position may swap. */
static void
plan_sort_errors(struct plan_parser *p, size_t first)
{
	size_t skip = strlen(p->name) + 1;

	if (p->errs->n > first)
		qsort_r(p->errs->v + first, p->errs->n - first, sizeof(char *), plan_error_cmp,
			&skip);
}

/* The derived fields: each area's and goal's parent, each measure's goal. */
static void
plan_link_areas(struct plan_parser *p, Lanu__V1__Area **v, size_t n, const char *parent)
{
	for (size_t i = 0; i < n && !p->oom; i++) {
		if (parent)
			plan_set_string(p, &v[i]->parent, parent);
		plan_link_areas(p, v[i]->areas, v[i]->n_areas, v[i]->id);
	}
}

static void
plan_link_goals(struct plan_parser *p, Lanu__V1__Goal **v, size_t n, const char *parent)
{
	for (size_t i = 0; i < n && !p->oom; i++) {
		if (parent)
			plan_set_string(p, &v[i]->parent, parent);
		for (size_t j = 0; j < v[i]->n_measures; j++)
			plan_set_string(p, &v[i]->measures[j]->goal, v[i]->id);
		plan_link_goals(p, v[i]->goals, v[i]->n_goals, v[i]->id);
	}
}

int
plan_parse(const char *name, const char *text, size_t len, Lanu__V1__Plan **ret_plan,
	   struct plan_errors *errs)
{
	struct plan_parser p = { .name = name, .errs = errs };
	size_t first_error = errs->n, n_codes;
	Lanu__V1__Plan *plan = NULL;
	yaml_parser_t parser;
	yaml_node_t *root;
	int r;

	*ret_plan = NULL;
	if (len > PLAN_FILE_MAX) {
		plan_verror_fmt(&p, "is %zu bytes (max %u)", len, PLAN_FILE_MAX);
		return -EFBIG;
	}
	plan_scan_codes(&p, text, len);
	n_codes = p.n_errors;
	r = plan_prescan(&p, text, len);
	if (r < 0 || p.n_errors > n_codes)
		return r == -ENOMEM ? r : -EINVAL;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &p.doc)) {
		plan_verror_yaml(&p, &parser);
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	yaml_parser_delete(&parser);
	root = yaml_document_get_root_node(&p.doc);
	plan = (Lanu__V1__Plan *)plan_new_message(&p, &lanu__v1__plan__descriptor);
	if (!root)
		plan_verror_fmt(&p, "is empty (expected a plan: see docs/plan-format.md)");
	else if (plan)
		plan_walk_message(&p, root, &plan->base, "plan file");
	if (plan && !p.oom) {
		plan_link_areas(&p, plan->areas, plan->n_areas, NULL);
		plan_link_goals(&p, plan->goals, plan->n_goals, NULL);
	}
	if (plan && !p.oom && root)
		plan_check(&p, plan);
	plan_sort_errors(&p, first_error);
	yaml_document_delete(&p.doc);
	free(p.pos);
	if (p.oom) {
		plan_free(plan);
		return -ENOMEM;
	}
	if (p.n_errors > 0) {
		plan_free(plan);
		return -EINVAL;
	}
	*ret_plan = plan;
	return 0;
}

void
plan_sha256(const char *text, size_t len, char ret[65])
{
	unsigned char hash[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(hash, (const unsigned char *)text, len);
	sodium_bin2hex(ret, 65, hash, sizeof(hash));
}

int
plan_read_file(const char *path, char **ret_text, size_t *ret_len, char ret_sha256[65],
	       struct plan_errors *errs)
{
	struct plan_parser p = { .name = path, .errs = errs };
	_cleanup_free_ char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f) {
		r = -errno;
		plan_verror_fmt(&p, "cannot be read: %s", strerror(-r));
		return r;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *t;

			if (cap > PLAN_FILE_MAX) {
				r = -EFBIG;
				plan_verror_fmt(&p, "is larger than %u bytes", PLAN_FILE_MAX);
				break;
			}
			cap = cap ? cap * 2 : 65536;
			if (!(t = realloc(text, cap + 1))) {
				r = -ENOMEM;
				break;
			}
			text = t;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				r = -EIO;
				plan_verror_fmt(&p, "cannot be read: %s", strerror(EIO));
			}
			break;
		}
	}
	fclose(f);
	if (r < 0)
		return r;
	text[len] = '\0';
	if (ret_sha256)
		plan_sha256(text, len, ret_sha256);
	*ret_text = TAKE_PTR(text);
	*ret_len = len;
	return 0;
}

int
plan_parse_file(const char *path, Lanu__V1__Plan **ret_plan, char ret_sha256[65],
		struct plan_errors *errs)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	*ret_plan = NULL;
	r = plan_read_file(path, &text, &len, ret_sha256, errs);
	return r < 0 ? r : plan_parse(path, text, len, ret_plan, errs);
}

Lanu__V1__Plan *
plan_free(Lanu__V1__Plan *plan)
{
	if (plan)
		protobuf_c_message_free_unpacked(&plan->base, NULL);
	return NULL;
}

static void
plan_count_goals(Lanu__V1__Goal *const *v, size_t n, size_t *goals, size_t *measures)
{
	for (size_t i = 0; i < n; i++) {
		*goals += 1;
		*measures += v[i]->n_measures;
		plan_count_goals(v[i]->goals, v[i]->n_goals, goals, measures);
	}
}

const char *
plan_summary(const Lanu__V1__Plan *plan, char *buf, size_t len)
{
	size_t goals = 0, measures = 0;

	plan_count_goals(plan->goals, plan->n_goals, &goals, &measures);
	int n = snprintf(buf, len, "%zu areas, %zu recipients, %zu services, %zu indicators, "
				   "%zu goals, %zu measures, %zu routes",
			 plan_index_count_areas(plan->areas, plan->n_areas), plan->n_recipients,
			 plan->n_services, plan->n_indicators, goals, measures, plan->n_routes);

	/* absence ladders are said only where a plan has them */
	if (plan->n_absences > 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", %zu absence ladder%s", plan->n_absences,
			 plan->n_absences == 1 ? "" : "s");
	return buf;
}

int
plan_report_file(const char *path)
{
	struct plan_errors errs = { 0 };
	Lanu__V1__Plan *plan;
	char summary[256];
	int r = plan_parse_file(path, &plan, NULL, &errs);

	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	if (r < 0 && errs.n + errs.dropped > 0)
		fprintf(stderr, "%s: not valid (%zu problem%s%s)\n", path, errs.n + errs.dropped,
			errs.n + errs.dropped == 1 ? "" : "s",
			errs.dropped ? ", the first ones shown" : "");
	else if (r < 0)
		fprintf(stderr, "%s: %s\n", path, strerror(-r));
	else
		printf("%s: ok (%s)\n", path, plan_summary(plan, summary, sizeof(summary)));
	plan_free(plan);
	plan_errors_free(&errs);
	return r;
}
