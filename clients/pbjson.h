/* pbjson: the proto3 JSON mapping, generic over protobuf-c descriptors. */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Renders m per the proto3 JSON mapping (lowerCamelCase names, 64-bit integers
 * as strings, enums by name, bytes as base64, maps as objects, fields equal to
 * their default omitted unless emit_defaults). Returns a new reference, NULL
 * only on -ENOMEM. */
json_t *pbjson_from_message(const ProtobufCMessage *m, int emit_defaults);

/* Builds a message of type d from the JSON object j. Accepts both the proto
 * field name and its lowerCamelCase JSON name; 64-bit ints as string or
 * number; enums by name or number; null as "default". Returns 0, or -EINVAL
 * with a one-line message in err naming the field path (e.g.
 * "event.serviceRequested.urgency: unknown enum value 'SOON'") for an unknown
 * field, a wrong type, an out-of-range number, an unknown enum name, or two
 * members of one oneof; -ENOMEM. *ret_msg is allocated with the default
 * protobuf-c allocator: free it with protobuf_c_message_free_unpacked(m, NULL). */
int pbjson_to_message(const json_t *j, const ProtobufCMessageDescriptor *d,
		      ProtobufCMessage **ret_msg, char *err, size_t errlen);
/* The same, and on -EINVAL the refused member's path alone (e.g.
 * "event.serviceRequested.urgency", "" for the whole object) in path. */
int pbjson_to_message_at(const json_t *j, const ProtobufCMessageDescriptor *d,
			 ProtobufCMessage **ret_msg, char *err, size_t errlen, char *path,
			 size_t pathlen);

#define PBJSON_DOUBLE_MAX 40

/* d in its shortest round-trip form ("0.4", "1e+300", "3.0"), as the protobuf JSON
 * mapping writes doubles. */
void pbjson_format_double(double d, char out[PBJSON_DOUBLE_MAX]);

/* Writes j as compact JSON to f, reals by pbjson_format_double(): what lanuctl prints
 * of a message. Returns 0, -EIO, -ENOMEM. */
int pbjson_dumpf(const json_t *j, FILE *f);
