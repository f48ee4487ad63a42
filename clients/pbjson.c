/*
 * pbjson: the proto3 canonical JSON mapping over protobuf-c's descriptors, so that
 * no message is ever mapped by hand. Walks ProtobufCFieldDescriptor tables both
 * ways. Map fields are protobuf-c's repeated "...Entry" messages (key = 1,
 * value = 2) and become JSON objects.
 *
 * Ownership: pbjson_to_message() allocates the whole tree with malloc, exactly as
 * protobuf_c_message_unpack() with the default allocator would, and links every
 * piece into its parent before filling it, so one protobuf_c_message_free_unpacked()
 * frees a complete or a half-built message alike. Unset strings keep pointing at
 * the descriptor's default, which free_unpacked never frees.
 */
#include "pbjson.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanu/macro.h"

#define PBJSON_PATH_MAX 256
#define PBJSON_DEPTH_MAX 32

struct pbjson_ctx {
	char *err;
	size_t errlen;
	int depth;
};

#define MEMBER(m, off) ((void *)((char *)(m) + (off)))

/* --- names and descriptors -------------------------------------------------- */

/* "occurred_at_ms" -> "occurredAtMs" */
static void
pbjson_camel(const char *name, char *out, size_t outlen)
{
	size_t n = 0;
	bool up = false;

	for (; *name && n + 1 < outlen; name++) {
		if (*name == '_') {
			up = true;
			continue;
		}
		out[n++] = up ? (char)toupper((unsigned char)*name) : *name;
		up = false;
	}
	out[n] = '\0';
}

static bool
pbjson_is_map(const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *e = f->descriptor;
	size_t n;

	if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE || !e)
		return false;
	n = strlen(e->name);
	return n > 5 && strcmp(e->name + n - 5, "Entry") == 0 && e->n_fields == 2 &&
	       e->fields[0].id == 1 && strcmp(e->fields[0].name, "key") == 0 &&
	       e->fields[1].id == 2 && strcmp(e->fields[1].name, "value") == 0;
}

static size_t
pbjson_elt_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: return sizeof(uint64_t);
	case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
	case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
	case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM: return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
	default: return sizeof(uint32_t);
	}
}

/* --- base64 (RFC 4648; standard and URL-safe alphabets read, standard written) --- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *
pbjson_b64_encode(const ProtobufCBinaryData *b)
{
	size_t n = (b->len + 2) / 3 * 4, o = 0;
	char *s = malloc(n + 1);
	json_t *j;

	if (!s)
		return NULL;
	for (size_t i = 0; i < b->len; i += 3) {
		uint32_t v = (uint32_t)b->data[i] << 16;
		size_t left = b->len - i;

		if (left > 1)
			v |= (uint32_t)b->data[i + 1] << 8;
		if (left > 2)
			v |= b->data[i + 2];
		s[o++] = b64[(v >> 18) & 63];
		s[o++] = b64[(v >> 12) & 63];
		s[o++] = left > 1 ? b64[(v >> 6) & 63] : '=';
		s[o++] = left > 2 ? b64[v & 63] : '=';
	}
	s[o] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

static int
pbjson_b64_value(char c)
{
	const char *p;

	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

static int
pbjson_b64_decode(const char *s, ProtobufCBinaryData *ret)
{
	size_t n = strlen(s), o = 0;
	uint32_t acc = 0;
	int bits = 0;
	uint8_t *out;

	while (n > 0 && s[n - 1] == '=')
		n--;
	out = malloc(n * 3 / 4 + 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int v = pbjson_b64_value(s[i]);

		if (v < 0) {
			free(out);
			return -EINVAL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits >= 6) {	/* a lone trailing character encodes no byte */
		free(out);
		return -EINVAL;
	}
	ret->data = out;
	ret->len = o;
	return 0;
}

/* --- message -> JSON ------------------------------------------------------------- */

static json_t *pbjson_value_to_json(const ProtobufCFieldDescriptor *f, const void *v,
				    int emit_defaults);

static json_t *
pbjson_double(double d)
{
	if (isnan(d))
		return json_string("NaN");
	if (isinf(d))
		return json_string(d > 0 ? "Infinity" : "-Infinity");
	return json_real(d);
}

static json_t *
pbjson_value_to_json(const ProtobufCFieldDescriptor *f, const void *v, int emit_defaults)
{
	char num[32];

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: return json_integer(*(const int32_t *)v);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: return json_integer(*(const uint32_t *)v);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		snprintf(num, sizeof(num), "%" PRId64, *(const int64_t *)v);
		return json_string(num);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(num, sizeof(num), "%" PRIu64, *(const uint64_t *)v);
		return json_string(num);
	case PROTOBUF_C_TYPE_FLOAT: return pbjson_double(*(const float *)v);
	case PROTOBUF_C_TYPE_DOUBLE: return pbjson_double(*(const double *)v);
	case PROTOBUF_C_TYPE_BOOL: return json_boolean(*(const protobuf_c_boolean *)v);
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *e =
			protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)v);

		return e ? json_string(e->name) : json_integer(*(const int *)v);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;
		json_t *j = json_string(s ? s : "");

		/* lanud sends only valid UTF-8; anything else is shown, not dropped. */
		return j ? j : json_string("\xef\xbf\xbd");
	}
	case PROTOBUF_C_TYPE_BYTES: return pbjson_b64_encode(v);
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)v;

		return m ? pbjson_from_message(m, emit_defaults) : json_null();
	}
	}
	return json_null();
}

static bool
pbjson_is_default(const ProtobufCFieldDescriptor *f, const void *v)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)v)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE: return *(void *const *)v == NULL;
	case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)v == 0;
	case PROTOBUF_C_TYPE_FLOAT: return *(const float *)v == 0;
	case PROTOBUF_C_TYPE_BOOL: return !*(const protobuf_c_boolean *)v;
	default: return pbjson_elt_size(f->type) == 8 ? *(const uint64_t *)v == 0
						       : *(const uint32_t *)v == 0;
	}
}

static json_t *
pbjson_repeated_to_json(const ProtobufCFieldDescriptor *f, const char *arr, size_t n,
			int emit_defaults)
{
	json_t *j = pbjson_is_map(f) ? json_object() : json_array();

	for (size_t i = 0; j && i < n; i++) {
		json_t *v;

		if (pbjson_is_map(f)) {
			const ProtobufCMessage *e = ((ProtobufCMessage *const *)arr)[i];
			const ProtobufCMessageDescriptor *ed = f->descriptor;
			const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
			json_t *k = pbjson_value_to_json(kf, MEMBER(e, kf->offset), 0);
			char key[32];

			/* JSON object keys are strings: numbers and booleans are written out. */
			if (json_is_integer(k))
				snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, json_integer_value(k));
			else if (json_is_boolean(k))
				snprintf(key, sizeof(key), "%s", json_is_true(k) ? "true" : "false");
			v = pbjson_value_to_json(vf, MEMBER(e, vf->offset), emit_defaults);
			if (!k || !v ||
			    json_object_set_new(j, json_is_string(k) ? json_string_value(k) : key, v) < 0) {
				json_decref(k);
				json_decref(j);
				return NULL;
			}
			json_decref(k);
			continue;
		}
		v = pbjson_value_to_json(f, arr + i * pbjson_elt_size(f->type), emit_defaults);
		if (!v || json_array_append_new(j, v) < 0) {
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

json_t *
pbjson_from_message(const ProtobufCMessage *m, int emit_defaults)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *obj = json_object();

	for (unsigned i = 0; obj && i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const void *member = MEMBER(m, f->offset);
		char name[PBJSON_PATH_MAX];
		json_t *v;

		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)MEMBER(m, f->quantifier_offset) != f->id)
				continue;
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			if (*(const size_t *)MEMBER(m, f->quantifier_offset) == 0 && !emit_defaults)
				continue;
		} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
			   f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE) {
			if (!*(const protobuf_c_boolean *)MEMBER(m, f->quantifier_offset))
				continue;
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE ? *(void *const *)member == NULL
							       : !emit_defaults &&
									 pbjson_is_default(f, member)) {
			continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			v = pbjson_repeated_to_json(f, *(char *const *)member,
						    *(const size_t *)MEMBER(m, f->quantifier_offset),
						    emit_defaults);
		else
			v = pbjson_value_to_json(f, member, emit_defaults);
		pbjson_camel(f->name, name, sizeof(name));
		if (!v || json_object_set_new(obj, name, v) < 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/* --- JSON -> message ------------------------------------------------------------- */

/* path.key, or path[index] when key is NULL; an overlong path is shown cut short. */
static void
pbjson_subpath(char sub[PBJSON_PATH_MAX], const char *path, const char *key, size_t index)
{
	int n = key ? snprintf(sub, PBJSON_PATH_MAX, "%s%s%s", path, *path ? "." : "", key)
		    : snprintf(sub, PBJSON_PATH_MAX, "%s[%zu]", path, index);

	if (n >= PBJSON_PATH_MAX)
		memcpy(sub + PBJSON_PATH_MAX - 4, "...", 4);
}

static int _printf_(3, 4)
pbjson_fail(struct pbjson_ctx *x, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(x->err, x->errlen, "%s%s%s", path, *path ? ": " : "", msg);
	return -EINVAL;
}

static const char *
pbjson_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* An integer from a JSON number or a decimal string, within [min, max] (signed) or
 * [0, umax] (unsigned). */
static int
pbjson_integer(struct pbjson_ctx *x, const char *path, const json_t *j, bool is_signed,
	       int64_t min, int64_t max, uint64_t umax, uint64_t *ret)
{
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);

		if (is_signed ? (v < min || v > max) : (v < 0 || (uint64_t)v > umax))
			return pbjson_fail(x, path, "%" JSON_INTEGER_FORMAT " is out of range", v);
		*ret = (uint64_t)v;
		return 0;
	}
	if (json_is_real(j)) {
		double d = json_real_value(j);

		if (d != floor(d) || !isfinite(d))
			return pbjson_fail(x, path, "%g is not an integer", d);
		if (is_signed ? (d < (double)min || d > (double)max) : (d < 0 || d > (double)umax))
			return pbjson_fail(x, path, "%g is out of range", d);
		*ret = is_signed ? (uint64_t)(int64_t)d : (uint64_t)d;
		return 0;
	}
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		char *end;

		errno = 0;
		if (is_signed) {
			long long v = strtoll(s, &end, 10);

			if (!*s || *end || isspace((unsigned char)*s) || *s == '+')
				return pbjson_fail(x, path, "'%s' is not an integer", s);
			if (errno || v < min || v > max)
				return pbjson_fail(x, path, "'%s' is out of range", s);
			*ret = (uint64_t)v;
		} else {
			unsigned long long v = strtoull(s, &end, 10);

			if (!*s || *end || !isdigit((unsigned char)*s))
				return pbjson_fail(x, path, "'%s' is not an unsigned integer", s);
			if (errno || v > umax)
				return pbjson_fail(x, path, "'%s' is out of range", s);
			*ret = v;
		}
		return 0;
	}
	return pbjson_fail(x, path, "expected an integer, got %s", pbjson_type_name(j));
}

static int
pbjson_real(struct pbjson_ctx *x, const char *path, const json_t *j, double *ret)
{
	if (json_is_number(j)) {
		*ret = json_number_value(j);
		return 0;
	}
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		char *end;

		if (strcmp(s, "NaN") == 0)
			*ret = NAN;
		else if (strcmp(s, "Infinity") == 0)
			*ret = INFINITY;
		else if (strcmp(s, "-Infinity") == 0)
			*ret = -INFINITY;
		else if ((*ret = strtod(s, &end)), !*s || *end || isspace((unsigned char)*s))
			return pbjson_fail(x, path, "'%s' is not a number", s);
		return 0;
	}
	return pbjson_fail(x, path, "expected a number, got %s", pbjson_type_name(j));
}

static int pbjson_object(struct pbjson_ctx *x, const char *path, const json_t *j,
			 ProtobufCMessage *m);

static int
pbjson_new_message(const ProtobufCMessageDescriptor *d, ProtobufCMessage **ret)
{
	ProtobufCMessage *m = malloc(d->sizeof_message);

	if (!m)
		return -ENOMEM;
	protobuf_c_message_init(d, m);
	*ret = m;
	return 0;
}

/* Parses one value of field f into v (the struct member or an array element). */
static int
pbjson_value(struct pbjson_ctx *x, const char *path, const ProtobufCFieldDescriptor *f,
	     const json_t *j, void *v)
{
	uint64_t u = 0;
	double d = 0;
	int r;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		r = pbjson_integer(x, path, j, true, INT32_MIN, INT32_MAX, 0, &u);
		if (r == 0)
			*(int32_t *)v = (int32_t)(int64_t)u;
		return r;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		r = pbjson_integer(x, path, j, false, 0, 0, UINT32_MAX, &u);
		if (r == 0)
			*(uint32_t *)v = (uint32_t)u;
		return r;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		r = pbjson_integer(x, path, j, true, INT64_MIN, INT64_MAX, 0, &u);
		if (r == 0)
			*(int64_t *)v = (int64_t)u;
		return r;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		r = pbjson_integer(x, path, j, false, 0, 0, UINT64_MAX, &u);
		if (r == 0)
			*(uint64_t *)v = u;
		return r;
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE:
		r = pbjson_real(x, path, j, &d);
		if (r == 0 && f->type == PROTOBUF_C_TYPE_FLOAT)
			*(float *)v = (float)d;
		else if (r == 0)
			*(double *)v = d;
		return r;
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(j))
			return pbjson_fail(x, path, "expected true or false, got %s",
					   pbjson_type_name(j));
		*(protobuf_c_boolean *)v = json_is_true(j);
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *e;

		if (json_is_integer(j)) {
			r = pbjson_integer(x, path, j, true, INT32_MIN, INT32_MAX, 0, &u);
			if (r == 0)
				*(int *)v = (int)(int64_t)u;
			return r;
		}
		if (!json_is_string(j))
			return pbjson_fail(x, path, "expected an enum name, got %s",
					   pbjson_type_name(j));
		e = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, json_string_value(j));
		if (!e)
			return pbjson_fail(x, path, "unknown enum value '%s' (of %s)",
					   json_string_value(j),
					   ((const ProtobufCEnumDescriptor *)f->descriptor)->name);
		*(int *)v = e->value;
		return 0;
	}
	case PROTOBUF_C_TYPE_STRING: {
		char *s;

		if (!json_is_string(j))
			return pbjson_fail(x, path, "expected a string, got %s", pbjson_type_name(j));
		if (strlen(json_string_value(j)) != json_string_length(j))
			return pbjson_fail(x, path, "a string must not contain NUL");
		if (!(s = strdup(json_string_value(j))))
			return -ENOMEM;
		*(char **)v = s;
		return 0;
	}
	case PROTOBUF_C_TYPE_BYTES:
		if (!json_is_string(j))
			return pbjson_fail(x, path, "expected base64 bytes, got %s",
					   pbjson_type_name(j));
		r = pbjson_b64_decode(json_string_value(j), v);
		return r == -EINVAL ? pbjson_fail(x, path, "not valid base64") : r;
	case PROTOBUF_C_TYPE_MESSAGE: {
		ProtobufCMessage *sub;

		if (!json_is_object(j))
			return pbjson_fail(x, path, "expected an object, got %s", pbjson_type_name(j));
		r = pbjson_new_message(f->descriptor, &sub);
		if (r < 0)
			return r;
		*(ProtobufCMessage **)v = sub;	/* linked first: freed with the parent */
		return pbjson_object(x, path, j, sub);
	}
	}
	return pbjson_fail(x, path, "unsupported field type");
}

static int
pbjson_map(struct pbjson_ctx *x, const char *path, const ProtobufCFieldDescriptor *f,
	   const json_t *j, ProtobufCMessage ***arr, size_t *n)
{
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
	const char *key;
	json_t *val;
	int r;

	if (!json_is_object(j))
		return pbjson_fail(x, path, "expected an object (a map), got %s",
				   pbjson_type_name(j));
	*arr = calloc(json_object_size(j) + 1, sizeof(**arr));
	if (!*arr)
		return -ENOMEM;
	json_object_foreach((json_t *)j, key, val) {
		char sub[PBJSON_PATH_MAX];
		ProtobufCMessage *e;
		json_t *kj;

		pbjson_subpath(sub, path, key, 0);
		r = pbjson_new_message(f->descriptor, &e);
		if (r < 0)
			return r;
		(*arr)[(*n)++] = e;
		kj = json_string(key);	/* integer keys parse from strings too */
		if (!kj)
			return -ENOMEM;
		r = pbjson_value(x, sub, kf, kj, MEMBER(e, kf->offset));
		json_decref(kj);
		if (r == 0 && !json_is_null(val))
			r = pbjson_value(x, sub, vf, val, MEMBER(e, vf->offset));
		if (r < 0)
			return r;
	}
	return 0;
}

static int
pbjson_repeated(struct pbjson_ctx *x, const char *path, const ProtobufCFieldDescriptor *f,
		const json_t *j, ProtobufCMessage *m)
{
	size_t *n = MEMBER(m, f->quantifier_offset);
	void **arr = MEMBER(m, f->offset);
	size_t sz = pbjson_elt_size(f->type);

	if (pbjson_is_map(f))
		return pbjson_map(x, path, f, j, (ProtobufCMessage ***)arr, n);
	if (!json_is_array(j))
		return pbjson_fail(x, path, "expected an array, got %s", pbjson_type_name(j));
	*arr = calloc(json_array_size(j) + 1, sz);
	if (!*arr)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(j); i++) {
		char sub[PBJSON_PATH_MAX];
		int r;

		pbjson_subpath(sub, path, NULL, i);
		if (json_is_null(json_array_get(j, i)))
			return pbjson_fail(x, sub, "null is not allowed in an array");
		r = pbjson_value(x, sub, f, json_array_get(j, i), (char *)*arr + i * sz);
		if (r < 0)
			return r;
		(*n)++;		/* counted once whole: free_unpacked frees exactly these */
	}
	return 0;
}

static const ProtobufCFieldDescriptor *
pbjson_field(const ProtobufCMessageDescriptor *d, const char *key)
{
	char camel[PBJSON_PATH_MAX];

	for (unsigned i = 0; i < d->n_fields; i++) {
		if (strcmp(d->fields[i].name, key) == 0)
			return &d->fields[i];
		pbjson_camel(d->fields[i].name, camel, sizeof(camel));
		if (strcmp(camel, key) == 0)
			return &d->fields[i];
	}
	return NULL;
}

static int
pbjson_object(struct pbjson_ctx *x, const char *path, const json_t *j, ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *key;
	json_t *val;
	int r;

	if (++x->depth > PBJSON_DEPTH_MAX)
		return pbjson_fail(x, path, "nested more than %d deep", PBJSON_DEPTH_MAX);
	json_object_foreach((json_t *)j, key, val) {
		const ProtobufCFieldDescriptor *f = pbjson_field(d, key);
		char sub[PBJSON_PATH_MAX];

		pbjson_subpath(sub, path, key, 0);
		if (!f)
			return pbjson_fail(x, sub, "unknown field (not in %s)", d->name);
		if (json_is_null(val))
			continue;	/* null: the default */
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t *c = MEMBER(m, f->quantifier_offset);

			if (*c != 0) {
				for (unsigned i = 0; i < d->n_fields; i++)
					if (d->fields[i].id == *c)
						return pbjson_fail(x, sub, "'%s' is already set; "
									   "only one of them may be",
								   d->fields[i].name);
			}
			/* The case names the member free_unpacked frees: set it once the
			 * member is allocated (a message is linked even if it failed). */
			r = pbjson_value(x, sub, f, val, MEMBER(m, f->offset));
			if (r == 0 || f->type == PROTOBUF_C_TYPE_MESSAGE)
				*c = f->id;
			if (r < 0)
				return r;
			continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			if (*(size_t *)MEMBER(m, f->quantifier_offset) > 0 ||
			    *(void **)MEMBER(m, f->offset))
				return pbjson_fail(x, sub, "given twice");
			r = pbjson_repeated(x, sub, f, val, m);
		} else {
			r = pbjson_value(x, sub, f, val, MEMBER(m, f->offset));
			if (r == 0 && f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
			    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
				*(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
		}
		if (r < 0)
			return r;
	}
	x->depth--;
	return 0;
}

int
pbjson_to_message(const json_t *j, const ProtobufCMessageDescriptor *d,
		  ProtobufCMessage **ret_msg, char *err, size_t errlen)
{
	struct pbjson_ctx x = { .err = err, .errlen = errlen };
	ProtobufCMessage *m;
	int r;

	if (errlen)
		err[0] = '\0';
	if (!json_is_object(j))
		return pbjson_fail(&x, "", "expected a JSON object (%s), got %s", d->name,
				   pbjson_type_name(j));
	r = pbjson_new_message(d, &m);
	if (r < 0)
		return r;
	r = pbjson_object(&x, "", j, m);
	if (r < 0) {
		protobuf_c_message_free_unpacked(m, NULL);
		if (r == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		return r;
	}
	*ret_msg = m;
	return 0;
}
