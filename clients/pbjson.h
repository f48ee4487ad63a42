/* The proto3 JSON mapping, generic over protobuf-c descriptors: written once. */
#pragma once

#include <stddef.h>
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Renders m per the proto3 JSON mapping (lowerCamelCase names, 64-bit integers as
 * strings, enums by name, bytes as base64, maps as objects; fields equal to their
 * default left out unless emit_defaults). Returns a new reference, NULL only on
 * -ENOMEM. */
json_t *pbjson_from_message(const ProtobufCMessage *m, int emit_defaults);

/* Builds a message of type d from the JSON object j. Accepts the proto field name and
 * its lowerCamelCase JSON name; 64-bit integers as string or number; enums by name or
 * number; null as the default. Returns 0, or -EINVAL with a one-line message in err
 * naming the field path ("deadlineMissed.urgency: unknown enum value 'SOON'") for an
 * unknown field, a wrong type, a number out of range, an unknown enum name, or two
 * members of one oneof; -ENOMEM. Free *ret_msg with
 * protobuf_c_message_free_unpacked(m, NULL). */
int pbjson_to_message(const json_t *j, const ProtobufCMessageDescriptor *d,
		      ProtobufCMessage **ret_msg, char *err, size_t errlen);
