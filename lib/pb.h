/* Small facts about protobuf-c's generated structures that more than one module needs. */
#pragma once

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* The size of one element of a repeated field of type t, as protobuf-c lays it out. */
size_t pb_elt_size(ProtobufCType t);
