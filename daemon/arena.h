/* A bump allocator for the decoded requests of one batch, freed all at once. */
#pragma once

#include <protobuf-c/protobuf-c.h>

#define ARENA_CHUNK (256u << 10)

struct arena_chunk;

struct arena {
	struct arena_chunk *head;	/* newest first; the last one is kept by a reset */
	ProtobufCAllocator pa;		/* protobuf-c's view: alloc bumps, free does nothing */
};

void arena_init(struct arena *a);
/* Forgets everything allocated (one chunk stays for the next batch). */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);
