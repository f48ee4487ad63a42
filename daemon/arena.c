/*
 * arena: decoding a request costs protobuf-c a malloc per string and submessage,
 * and freeing it as many frees. Requests of one batch live exactly as long as the
 * batch, so they come from chunks that are reset together when the batch is
 * answered. A chunk larger than the arena's ordinary size serves one big request (a
 * plan) and goes at the next reset. A reply built from records (the due query's
 * clocks) comes from an arena of small chunks, the first in a buffer on the stack, and
 * what it decoded and did not keep is rewound, so that only what it keeps takes room.
 */
#include "arena.h"

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->head;
	size_t need = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);

	if (!c || c->size - c->used < need) {
		size_t sz = need > a->chunk ? need : a->chunk;

		if (need < size)
			return NULL;
		if (a->spare && a->spare->size >= need) {
			c = a->spare;
			a->spare = NULL;
		} else if (!(c = malloc(sizeof(*c) + sz))) {
			return NULL;
		} else {
			c->size = sz;
		}
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	c->used += need;
	return c->data + c->used - need;
}

static void *
arena_pa_alloc(void *arg, size_t size)
{
	return arena_alloc(arg, size);
}

static void
arena_nofree(void *arg, void *p)
{
	(void)arg;
	(void)p;	/* everything goes at the next arena_reset() */
}

void
arena_init_chunk(struct arena *a, size_t chunk)
{
	*a = (struct arena){ .chunk = chunk };
	a->pa = (ProtobufCAllocator){ .alloc = arena_pa_alloc, .free = arena_nofree,
				      .allocator_data = a };
}

void
arena_init_buf(struct arena *a, size_t chunk, void *buf, size_t size)
{
	const uintptr_t align = alignof(max_align_t);
	uintptr_t p = (uintptr_t)buf, at = (p + align - 1) & ~(align - 1);
	struct arena_chunk *c = (struct arena_chunk *)at;

	arena_init_chunk(a, chunk);
	if (size < at - p + sizeof(*c) + align)
		return;		/* too small to be of use */
	c->next = NULL;
	c->size = size - (at - p) - sizeof(*c);
	c->used = 0;
	a->head = a->borrowed = c;
}

void
arena_init(struct arena *a)
{
	arena_init_chunk(a, ARENA_CHUNK);
}

static void
arena_chunk_free(struct arena *a, struct arena_chunk *c)
{
	if (c != a->borrowed)
		free(c);
}

int
arena_grow(struct arena *a, void **v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t ncap = *cap ? 2 * *cap : first;
	void *nv;

	if (n < *cap)
		return 0;
	if (!(nv = arena_alloc(a, ncap * size)))
		return -ENOMEM;
	if (n)
		memcpy(nv, *v, n * size);
	*v = nv;
	*cap = ncap;
	return 0;
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head;

	free(a->spare);
	a->spare = NULL;
	/* keep the oldest chunk if it is an ordinary or the borrowed one */
	while (c && (c->next || (c->size != a->chunk && c != a->borrowed))) {
		struct arena_chunk *next = c->next;

		arena_chunk_free(a, c);
		c = next;
	}
	a->head = c;
	if (c)
		c->used = 0;
}

struct arena_mark
arena_mark(const struct arena *a)
{
	return (struct arena_mark){ a->head, a->head ? a->head->used : 0 };
}

void
arena_rewind(struct arena *a, struct arena_mark m)
{
	/* the chunks begun since go; an ordinary one is kept for the next allocation */
	while (a->head != m.chunk) {
		struct arena_chunk *c = a->head;

		a->head = c->next;
		if (!a->spare && c->size == a->chunk && c != a->borrowed)
			a->spare = c;
		else
			arena_chunk_free(a, c);
	}
	if (a->head)
		a->head->used = m.used;
}

void
arena_free(struct arena *a)
{
	while (a->head) {
		struct arena_chunk *next = a->head->next;

		arena_chunk_free(a, a->head);
		a->head = next;
	}
	free(a->spare);
	a->spare = NULL;
	a->borrowed = NULL;
}
