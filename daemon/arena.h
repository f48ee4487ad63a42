/* A bump allocator for what lives exactly as long as one batch or one reply, freed all
 * at once. */
#pragma once

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#define ARENA_CHUNK (256u << 10)

struct arena_chunk;

struct arena {
	struct arena_chunk *head;	/* newest first; the last one is kept by a reset */
	struct arena_chunk *spare;	/* one ordinary chunk a rewind let go, for reuse */
	struct arena_chunk *borrowed;	/* the first chunk, in the caller's buffer: never freed */
	size_t chunk;			/* the size of an ordinary chunk */
	ProtobufCAllocator pa;		/* protobuf-c's view: alloc bumps, free does nothing */
};

/* Where an arena is, for arena_rewind(). */
struct arena_mark {
	struct arena_chunk *chunk;
	size_t used;
};

/* An arena of ARENA_CHUNK chunks (a batch's requests). */
void arena_init(struct arena *a);
/* An arena of chunk-byte chunks, for what is usually small (a reply). */
void arena_init_chunk(struct arena *a, size_t chunk);
/* The same, whose first chunk is buf (size bytes, the caller's until arena_free(), on
 * its stack say): what fits there costs no malloc at all. */
void arena_init_buf(struct arena *a, size_t chunk, void *buf, size_t size);
/* Allocates size bytes, aligned for anything; NULL if out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* Makes room in the array *v of n elements of size bytes (*cap of them allocated in a)
 * for one more: when it is full, a new one of twice the room (first, if none) is
 * allocated and the n copied; the old one stays in a until it is freed. Returns 0 or
 * -ENOMEM (*v and *cap untouched). */
int arena_grow(struct arena *a, void **v, size_t n, size_t *cap, size_t size, size_t first);
/* Forgets everything allocated (one chunk stays for the next batch). */
void arena_reset(struct arena *a);
/* Where a is now. */
struct arena_mark arena_mark(const struct arena *a);
/* Forgets what was allocated since m was taken (m must be of a, and not older than its
 * last reset), so that what one decoded and then did not keep costs nothing. */
void arena_rewind(struct arena *a, struct arena_mark m);
void arena_free(struct arena *a);
