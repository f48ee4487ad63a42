/*
 * pbjson: the proto3 canonical JSON mapping, both ways, driven only by
 * protobuf-c's descriptors, so that no message is ever mapped by hand. JSON
 * names are the lowerCamelCase of the proto names (both are read), 64-bit
 * integers are strings, enums are names, bytes are standard base64, and map
 * fields are objects: protobuf-c 1.4 represents a map<K, V> as a repeated
 * "...Entry" message with key = 1 and value = 2, and flags it nowhere.
 *
 * Ownership: pbjson_from_message() only reads the message; the JSON it returns
 * belongs to the caller. pbjson_to_message() never keeps or changes the JSON,
 * and mallocs exactly what protobuf_c_message_unpack() with the default
 * allocator would. It links every allocation into the tree before filling it
 * (a submessage before its fields, an array element before it is parsed, a
 * oneof case before its member), so one protobuf_c_message_free_unpacked(m,
 * NULL) frees a finished and a half-built message alike. Unset strings keep
 * pointing at the descriptor's default (protobuf_c_empty_string), which
 * free_unpacked never frees.
 */
#include "pbjson.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"

#define PBJSON_NAME_MAX 256
#define PBJSON_PATH_MAX 256
#define PBJSON_DEPTH_MAX 32

#define MEMBER(m, off) ((void *)((char *)(m) + (off)))

struct pbjson_ctx {
	char *err;
	size_t errlen;
	char *path;		/* where the refused member is, NULL: not wanted */
	size_t pathlen;
	int depth;
};

/* --- descriptors ---------------------------------------------------------------- */

/* "occurred_at_ms" -> "occurredAtMs" */
static void
pbjson_camel(const char *name, char out[PBJSON_NAME_MAX])
{
	size_t n = 0;
	bool up = false;

	for (; *name && n + 1 < PBJSON_NAME_MAX; name++) {
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

/* Whether the field has a has_ member: protobuf-c gives one to every OPTIONAL field
 * outside a oneof but strings and messages, whose presence is a non-NULL pointer. */
static bool
pbjson_has_flag(const ProtobufCFieldDescriptor *f)
{
	return f->label == PROTOBUF_C_LABEL_OPTIONAL && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	       f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE;
}

/* --- base64 (RFC 4648: standard written; standard and URL-safe read) --------------- */

static const char pbjson_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *
pbjson_b64_encode(const ProtobufCBinaryData *b)
{
	char *s = malloc((b->len + 2) / 3 * 4 + 1);
	size_t o = 0;
	json_t *j;

	if (!s)
		return NULL;
	for (size_t i = 0; i < b->len; i += 3) {
		size_t left = b->len - i;
		uint32_t v = (uint32_t)b->data[i] << 16 |
			     (left > 1 ? (uint32_t)b->data[i + 1] << 8 : 0) |
			     (left > 2 ? b->data[i + 2] : 0);

		s[o++] = pbjson_b64[v >> 18 & 63];
		s[o++] = pbjson_b64[v >> 12 & 63];
		s[o++] = left > 1 ? pbjson_b64[v >> 6 & 63] : '=';
		s[o++] = left > 2 ? pbjson_b64[v & 63] : '=';
	}
	s[o] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

static int
pbjson_b64_decode(const char *s, ProtobufCBinaryData *ret)
{
	size_t len = strlen(s), n = len, o = 0;
	unsigned bits = 0;
	uint32_t acc = 0;
	uint8_t *out;

	while (n > 0 && len - n < 2 && s[n - 1] == '=')
		n--;
	if ((n < len && len % 4 != 0) || n % 4 == 1)
		return -EINVAL;
	if (n == 0) {
		ret->data = NULL;
		ret->len = 0;
		return 0;
	}
	out = malloc(n * 3 / 4);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *p = s[i] ? strchr(pbjson_b64, s[i]) : NULL;
		int v = s[i] == '-' ? 62 : s[i] == '_' ? 63 : p ? (int)(p - pbjson_b64) : -1;

		if (v < 0) {
			free(out);
			return -EINVAL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	ret->data = out;
	ret->len = o;
	return 0;
}

/* --- message -> JSON ------------------------------------------------------------- */

static json_t *
pbjson_double(double d)
{
	if (isnan(d))
		return json_string("NaN");
	if (isinf(d))
		return json_string(d > 0 ? "Infinity" : "-Infinity");
	return json_real(d);
}

/* One value of field f at v (a struct member or an array element). */
static json_t *
pbjson_value_to_json(const ProtobufCFieldDescriptor *f, const void *v, int emit_defaults)
{
	const ProtobufCEnumValue *e;
	const ProtobufCMessage *sub;
	const char *s;
	char num[32];
	json_t *j;

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
	case PROTOBUF_C_TYPE_ENUM:
		/* An open enum: a number no name is known for stays a number. */
		e = protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)v);
		return e ? json_string(e->name) : json_integer(*(const int *)v);
	case PROTOBUF_C_TYPE_STRING:
		s = *(const char *const *)v;
		j = json_string(s ? s : "");
		/* Not UTF-8 (protobuf-c does not check): shown as U+FFFD, not dropped. */
		return j ? j : json_string("\xef\xbf\xbd");
	case PROTOBUF_C_TYPE_BYTES: return pbjson_b64_encode(v);
	case PROTOBUF_C_TYPE_MESSAGE:
		sub = *(const ProtobufCMessage *const *)v;
		return sub ? pbjson_from_message(sub, emit_defaults) : json_object();
	}
	return json_null();
}

/* Whether a singular value is the proto3 default, judged as protobuf-c's packer does
 * (so -0.0 is a default too). */
static bool
pbjson_is_zero(const ProtobufCFieldDescriptor *f, const void *v)
{
	static const char zero[sizeof(uint64_t)];	/* the largest but bytes */
	const char *s;

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		s = *(const char *const *)v;
		return !s || !*s;
	case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)v)->len == 0;
	case PROTOBUF_C_TYPE_FLOAT: return *(const float *)v == 0;
	case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)v == 0;
	default: return memcmp(v, zero, pb_elt_size(f->type)) == 0;
	}
}

/* Whether field f of m is written at all. */
static bool
pbjson_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, int emit_defaults)
{
	const void *q = MEMBER(m, f->quantifier_offset), *v = MEMBER(m, f->offset);

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)q == f->id;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return emit_defaults || *(const size_t *)q > 0;
	if (pbjson_has_flag(f))
		return *(const protobuf_c_boolean *)q;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(const void *const *)v != NULL;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL)	/* a string: unset is NULL or the default */
		return *(const void *const *)v && *(const void *const *)v != f->default_value;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	return emit_defaults || !pbjson_is_zero(f, v);
}

static json_t *
pbjson_map_to_json(const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *arr, size_t n,
		   int emit_defaults)
{
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
	json_t *obj = json_object(), *k = NULL, *v = NULL;
	char num[32];

	if (!obj)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *key = num;

		if (!arr[i])
			continue;
		k = pbjson_value_to_json(kf, MEMBER(arr[i], kf->offset), 0);
		v = pbjson_value_to_json(vf, MEMBER(arr[i], vf->offset), emit_defaults);
		if (!k || !v)
			goto fail;
		/* Object keys are strings: integer and bool keys are written out. */
		if (json_is_string(k))
			key = json_string_value(k);
		else if (json_is_integer(k))
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(k));
		else
			snprintf(num, sizeof(num), "%s", json_is_true(k) ? "true" : "false");
		if (json_object_set_new(obj, key, v) < 0) {
			v = NULL;	/* taken even on failure */
			goto fail;
		}
		json_decref(k);
		k = v = NULL;
	}
	return obj;
fail:
	json_decref(k);
	json_decref(v);
	json_decref(obj);
	return NULL;
}

static json_t *
pbjson_array_to_json(const ProtobufCFieldDescriptor *f, const char *arr, size_t n,
		     int emit_defaults)
{
	json_t *a = json_array();
	size_t sz = pb_elt_size(f->type);

	for (size_t i = 0; a && i < n; i++) {
		json_t *v = pbjson_value_to_json(f, arr + i * sz, emit_defaults);

		if (json_array_append_new(a, v) < 0) {	/* NULL v fails too */
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *
pbjson_from_message(const ProtobufCMessage *m, int emit_defaults)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	char name[PBJSON_NAME_MAX];
	json_t *obj = json_object(), *v;

	if (!obj)
		return NULL;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const void *member = MEMBER(m, f->offset);
		size_t n = f->label == PROTOBUF_C_LABEL_REPEATED
				   ? *(const size_t *)MEMBER(m, f->quantifier_offset) : 0;

		if (!pbjson_present(m, f, emit_defaults))
			continue;
		if (pbjson_is_map(f))
			v = pbjson_map_to_json(f, *(ProtobufCMessage *const *const *)member, n,
					       emit_defaults);
		else if (f->label == PROTOBUF_C_LABEL_REPEATED)
			v = pbjson_array_to_json(f, *(const char *const *)member, n, emit_defaults);
		else
			v = pbjson_value_to_json(f, member, emit_defaults);
		pbjson_camel(f->name, name);
		if (json_object_set_new(obj, name, v) < 0)	/* NULL v fails too */
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

/* --- JSON text ------------------------------------------------------------------ */

/* The shortest of %.15g, %.16g and %.17g that reads back as d, as the protobuf JSON
 * mapping writes doubles (0.4, not jansson's 0.40000000000000002); always with a '.'
 * or an exponent, as jansson writes a real. */
void
pbjson_format_double(double d, char out[PBJSON_DOUBLE_MAX])
{
	for (int p = 15; p <= 17; p++) {
		snprintf(out, PBJSON_DOUBLE_MAX, "%.*g", p, d);
		if (strtod(out, NULL) == d)
			break;
	}
	if (!strpbrk(out, ".eEin") && strlen(out) + 2 < PBJSON_DOUBLE_MAX)
		strcat(out, ".0");
}

/* Writes j compactly; everything but reals as jansson writes it. */
static int
pbjson_dump_value(const json_t *j, FILE *f)
{
	char num[PBJSON_DOUBLE_MAX];
	const char *key;
	json_t *v, *k;
	size_t i;
	int r = 0;

	switch (json_typeof(j)) {
	case JSON_REAL:
		pbjson_format_double(json_real_value(j), num);
		return fputs(num, f) < 0 ? -EIO : 0;
	case JSON_OBJECT:
		fputc('{', f);
		i = 0;
		json_object_foreach((json_t *)j, key, v) {
			if (i++)
				fputc(',', f);
			k = json_string(key);
			if (!k)
				return -ENOMEM;
			r = json_dumpf(k, f, JSON_ENCODE_ANY | JSON_COMPACT);
			json_decref(k);
			fputc(':', f);
			if (r < 0 || (r = pbjson_dump_value(v, f)) < 0)
				return r < 0 ? r : -EIO;
		}
		return fputc('}', f) == EOF ? -EIO : 0;
	case JSON_ARRAY:
		fputc('[', f);
		json_array_foreach(j, i, v) {
			if (i)
				fputc(',', f);
			if ((r = pbjson_dump_value(v, f)) < 0)
				return r;
		}
		return fputc(']', f) == EOF ? -EIO : 0;
	default:
		return json_dumpf(j, f, JSON_ENCODE_ANY | JSON_COMPACT) < 0 ? -EIO : 0;
	}
}

int
pbjson_dumpf(const json_t *j, FILE *f)
{
	return pbjson_dump_value(j, f);
}

/* --- JSON -> message ------------------------------------------------------------- */

/* path.key, or path[index] when key is NULL; an overlong path ends in "...". */
static void
pbjson_subpath(char sub[PBJSON_PATH_MAX], const char *path, const char *key, size_t index)
{
	int n = key ? snprintf(sub, PBJSON_PATH_MAX, "%s%s%s", path, *path ? "." : "", key)
		    : snprintf(sub, PBJSON_PATH_MAX, "%s[%zu]", path, index);

	if (n >= PBJSON_PATH_MAX)
		memcpy(sub + PBJSON_PATH_MAX - 4, "...", 4);
}

/* Writes "path: message" to the caller's err, kept on one line; returns -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
pbjson_fail(struct pbjson_ctx *x, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->pathlen)
		snprintf(x->path, x->pathlen, "%s", path);
	if (!x->errlen)
		return -EINVAL;
	n = snprintf(x->err, x->errlen, "%s%s", path, *path ? ": " : "");
	if (n >= 0 && (size_t)n < x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	for (char *c = x->err; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = '?';
	return -EINVAL;
}

static const char *
pbjson_type_name(const json_t *j)
{
	switch (j ? json_typeof(j) : JSON_NULL) {
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

/* An integer from a JSON number or a decimal string, within [-neg_max, pos_max];
 * *ret gets its two's complement bits. */
static int
pbjson_integer(struct pbjson_ctx *x, const char *path, const json_t *j, uint64_t neg_max,
	       uint64_t pos_max, uint64_t *ret)
{
	char shown[64];
	uint64_t mag;
	bool neg;

	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);

		neg = v < 0;
		mag = neg ? 0 - (uint64_t)v : (uint64_t)v;
		snprintf(shown, sizeof(shown), "%" JSON_INTEGER_FORMAT, v);
	} else if (json_is_real(j)) {
		double d = json_real_value(j), a = d < 0 ? -d : d;

		neg = d < 0;
		snprintf(shown, sizeof(shown), "%.17g", d);
		if (!(a < 0x1p64))	/* also NaN */
			return pbjson_fail(x, path, "%s is out of range", shown);
		mag = (uint64_t)a;
		if ((double)mag != a)
			return pbjson_fail(x, path, "%s is not an integer", shown);
	} else if (json_is_string(j)) {
		const char *s = json_string_value(j), *digits = s + (*s == '-');
		char *end;

		neg = *s == '-';
		snprintf(shown, sizeof(shown), "'%s'", s);
		errno = 0;
		mag = strtoull(digits, &end, 10);
		if (!isdigit((unsigned char)*digits) || *end)
			return pbjson_fail(x, path, "%s is not an integer", shown);
		if (errno == ERANGE)
			return pbjson_fail(x, path, "%s is out of range", shown);
	} else {
		return pbjson_fail(x, path, "expected an integer, got %s", pbjson_type_name(j));
	}
	if (neg ? mag > neg_max : mag > pos_max)
		return pbjson_fail(x, path, "%s is out of range", shown);
	*ret = neg ? 0 - mag : mag;
	return 0;
}

/* A number, or "NaN", "Infinity", "-Infinity", or a decimal number in a string. */
static int
pbjson_real(struct pbjson_ctx *x, const char *path, const json_t *j, bool is_float,
	    double *ret)
{
	const char *s = json_string_value(j);
	char *end;
	double d;

	if (json_is_number(j)) {
		d = json_number_value(j);
	} else if (!s) {
		return pbjson_fail(x, path, "expected a number, got %s", pbjson_type_name(j));
	} else if (strcmp(s, "NaN") == 0 || strcmp(s, "Infinity") == 0 ||
		   strcmp(s, "-Infinity") == 0) {
		d = s[0] == 'N' ? NAN : s[0] == '-' ? -INFINITY : INFINITY;
	} else {
		/* strtod's "inf", "nan", hex and leading blanks are not JSON numbers. */
		d = strtod(s, &end);
		if (!*s || *end || strspn(s, "0123456789+-.eE") != strlen(s))
			return pbjson_fail(x, path, "'%s' is not a number", s);
		if (!isfinite(d))
			return pbjson_fail(x, path, "'%s' is out of range", s);
	}
	if (is_float && isfinite(d) && (d > FLT_MAX || d < -FLT_MAX))
		return pbjson_fail(x, path, "%g is out of range for a float", d);
	*ret = d;
	return 0;
}

static int pbjson_object(struct pbjson_ctx *x, const char *path, const json_t *j,
			 ProtobufCMessage *m);

/* Allocates an empty message of type d and links it into *slot. */
static int
pbjson_new_message(const ProtobufCMessageDescriptor *d, ProtobufCMessage **slot)
{
	ProtobufCMessage *m = malloc(d->sizeof_message);

	if (!m)
		return -ENOMEM;
	protobuf_c_message_init(d, m);
	*slot = m;
	return 0;
}

/* Parses one value of field f into v (a struct member or an array element). Writes v
 * only on success, except that a submessage is linked into v before it is filled. */
static int
pbjson_value(struct pbjson_ctx *x, const char *path, const ProtobufCFieldDescriptor *f,
	     const json_t *j, void *v)
{
	uint64_t neg_max = 0, pos_max = 0, u = 0;
	const ProtobufCEnumValue *e;
	double d = 0;
	char *s;
	int r;

	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM:
		if (json_is_string(j)) {
			e = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor,
									 json_string_value(j));
			if (!e)
				return pbjson_fail(x, path, "unknown enum value '%s'",
						   json_string_value(j));
			*(int *)v = e->value;
			return 0;
		}
		if (!json_is_number(j))
			return pbjson_fail(x, path, "expected an enum name or number, got %s",
					   pbjson_type_name(j));
		/* an enum number is an int32 */
		/* fall through */
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		neg_max = (uint64_t)INT32_MAX + 1;
		pos_max = INT32_MAX;
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		pos_max = UINT32_MAX;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		neg_max = (uint64_t)INT64_MAX + 1;
		pos_max = INT64_MAX;
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		pos_max = UINT64_MAX;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE:
		r = pbjson_real(x, path, j, f->type == PROTOBUF_C_TYPE_FLOAT, &d);
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
	case PROTOBUF_C_TYPE_STRING:
		if (!json_is_string(j))
			return pbjson_fail(x, path, "expected a string, got %s",
					   pbjson_type_name(j));
		if (strlen(json_string_value(j)) != json_string_length(j))
			return pbjson_fail(x, path, "a string must not contain NUL");
		s = strdup(json_string_value(j));
		if (!s)
			return -ENOMEM;
		*(char **)v = s;
		return 0;
	case PROTOBUF_C_TYPE_BYTES:
		if (!json_is_string(j))
			return pbjson_fail(x, path, "expected base64, got %s", pbjson_type_name(j));
		r = pbjson_b64_decode(json_string_value(j), v);
		return r == -EINVAL ? pbjson_fail(x, path, "not valid base64") : r;
	case PROTOBUF_C_TYPE_MESSAGE:
		if (!json_is_object(j))
			return pbjson_fail(x, path, "expected an object, got %s",
					   pbjson_type_name(j));
		r = pbjson_new_message(f->descriptor, v);
		return r < 0 ? r : pbjson_object(x, path, j, *(ProtobufCMessage **)v);
	default:
		return pbjson_fail(x, path, "unsupported field type %d", (int)f->type);
	}
	/* An integer type: two's complement, so a 32-bit one is the low half of u. */
	r = pbjson_integer(x, path, j, neg_max, pos_max, &u);
	if (r == 0 && pb_elt_size(f->type) == sizeof(uint64_t))
		*(uint64_t *)v = u;
	else if (r == 0)
		*(uint32_t *)v = (uint32_t)u;
	return r;
}

/* One member of a JSON object given for a map field: a new entry in *slot. */
static int
pbjson_entry(struct pbjson_ctx *x, const char *path, const ProtobufCFieldDescriptor *f,
	     const char *key, const json_t *val, ProtobufCMessage **slot)
{
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
	json_t *kj;
	int r;

	r = pbjson_new_message(ed, slot);
	if (r < 0)
		return r;
	/* The key is a string in JSON: integer keys parse from strings; bool keys need help. */
	if (kf->type == PROTOBUF_C_TYPE_BOOL && (!strcmp(key, "true") || !strcmp(key, "false")))
		kj = json_boolean(key[0] == 't');
	else
		kj = json_string(key);
	if (!kj)
		return -ENOMEM;
	r = pbjson_value(x, path, kf, kj, MEMBER(*slot, kf->offset));
	json_decref(kj);
	if (r < 0)
		return r;
	return pbjson_value(x, path, vf, val, MEMBER(*slot, vf->offset));
}

/* A JSON array for a repeated field, or an object for a map field. Each element is
 * counted before it is parsed: a still zero (calloc'd) element is safe to free. */
static int
pbjson_repeated(struct pbjson_ctx *x, const char *path, const ProtobufCFieldDescriptor *f,
		const json_t *j, ProtobufCMessage *m)
{
	size_t *n = MEMBER(m, f->quantifier_offset), sz = pb_elt_size(f->type), i = 0;
	char **arr = MEMBER(m, f->offset);
	bool map = pbjson_is_map(f);
	char sub[PBJSON_PATH_MAX];
	const char *key;
	json_t *val;
	int r;

	if (map ? !json_is_object(j) : !json_is_array(j))
		return pbjson_fail(x, path, "expected %s, got %s", map ? "an object" : "an array",
				   pbjson_type_name(j));
	if (json_is_array(j) ? json_array_size(j) == 0 : json_object_size(j) == 0)
		return 0;
	*arr = calloc(map ? json_object_size(j) : json_array_size(j), sz);
	if (!*arr)
		return -ENOMEM;
	if (map) {
		json_object_foreach((json_t *)j, key, val) {
			pbjson_subpath(sub, path, key, 0);
			*n = i + 1;
			r = pbjson_entry(x, sub, f, key, val, (ProtobufCMessage **)*arr + i);
			if (r < 0)
				return r;
			i++;
		}
		return 0;
	}
	json_array_foreach(j, i, val) {
		pbjson_subpath(sub, path, NULL, i);
		*n = i + 1;
		r = pbjson_value(x, sub, f, val, *arr + i * sz);
		if (r < 0)
			return r;
	}
	return 0;
}

static const ProtobufCFieldDescriptor *
pbjson_field(const ProtobufCMessageDescriptor *d, const char *key)
{
	char camel[PBJSON_NAME_MAX];

	for (unsigned i = 0; i < d->n_fields; i++) {
		pbjson_camel(d->fields[i].name, camel);
		if (strcmp(d->fields[i].name, key) == 0 || strcmp(camel, key) == 0)
			return &d->fields[i];
	}
	return NULL;
}

static int
pbjson_object(struct pbjson_ctx *x, const char *path, const json_t *j, ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	char sub[PBJSON_PATH_MAX], other[PBJSON_NAME_MAX];
	const char *key;
	json_t *val;
	int r;

	if (++x->depth > PBJSON_DEPTH_MAX)
		return pbjson_fail(x, path, "nested more than %d deep", PBJSON_DEPTH_MAX);
	json_object_foreach((json_t *)j, key, val) {
		const ProtobufCFieldDescriptor *f = pbjson_field(d, key);
		uint32_t *oneof_case;

		pbjson_subpath(sub, path, key, 0);
		if (!f)
			return pbjson_fail(x, sub, "unknown field");
		/* Parsing one field twice would leak the first value. */
		if (strcmp(key, f->name) != 0 && json_object_get(j, f->name))
			return pbjson_fail(x, sub, "given twice, also as '%s'", f->name);
		if (json_is_null(val))
			continue;	/* null: the default */
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			oneof_case = MEMBER(m, f->quantifier_offset);
			if (*oneof_case != 0) {
				const ProtobufCFieldDescriptor *o =
					protobuf_c_message_descriptor_get_field(d, *oneof_case);

				pbjson_camel(o ? o->name : "?", other);
				return pbjson_fail(x, sub, "oneof already set by '%s'", other);
			}
			/* The union is still all zero: naming the case before the member is
			 * filled leaves free_unpacked nothing wrong to free. */
			*oneof_case = f->id;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			r = pbjson_repeated(x, sub, f, val, m);
		else
			r = pbjson_value(x, sub, f, val, MEMBER(m, f->offset));
		if (r < 0)
			return r;
		if (pbjson_has_flag(f))
			*(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
	}
	x->depth--;
	return 0;
}

int
pbjson_to_message(const json_t *j, const ProtobufCMessageDescriptor *d,
		  ProtobufCMessage **ret_msg, char *err, size_t errlen)
{
	return pbjson_to_message_at(j, d, ret_msg, err, errlen, NULL, 0);
}

int
pbjson_to_message_at(const json_t *j, const ProtobufCMessageDescriptor *d,
		     ProtobufCMessage **ret_msg, char *err, size_t errlen, char *path,
		     size_t pathlen)
{
	struct pbjson_ctx x = { .err = err, .errlen = errlen, .path = path,
				.pathlen = pathlen };
	ProtobufCMessage *m = NULL;
	int r;

	if (errlen)
		err[0] = '\0';
	if (pathlen)
		path[0] = '\0';
	if (!json_is_object(j))
		return pbjson_fail(&x, "", "expected a JSON object, got %s", pbjson_type_name(j));
	r = pbjson_new_message(d, &m);
	if (r < 0)
		goto fail;
	r = pbjson_object(&x, "", j, m);
	if (r < 0)
		goto fail;
	*ret_msg = m;
	return 0;
fail:
	if (r == -ENOMEM && errlen)
		snprintf(err, errlen, "out of memory");
	protobuf_c_message_free_unpacked(m, NULL);
	return r;
}
