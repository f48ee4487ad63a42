/*
 * arena: decoding a request costs protobuf-c a malloc per string and submessage,
 * and freeing it as many frees. Requests of one batch live exactly as long as the
 * batch, so they come from chunks that are reset together when the batch is
 * answered. A chunk larger than ARENA_CHUNK serves one big request (a plan) and
 * goes at the next reset.
 */
#include "arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

static void *
arena_alloc(void *arg, size_t size)
{
	struct arena *a = arg;
	struct arena_chunk *c = a->head;
	size_t need = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);

	if (!c || c->size - c->used < need) {
		size_t sz = need > ARENA_CHUNK ? need : ARENA_CHUNK;

		if (need < size || !(c = malloc(sizeof(*c) + sz)))
			return NULL;
		c->size = sz;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	c->used += need;
	return c->data + c->used - need;
}

static void
arena_nofree(void *arg, void *p)
{
	(void)arg;
	(void)p;	/* everything goes at the next arena_reset() */
}

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->pa = (ProtobufCAllocator){ .alloc = arena_alloc, .free = arena_nofree,
				      .allocator_data = a };
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head;

	/* keep the oldest chunk if it is an ordinary one */
	while (c && (c->next || c->size != ARENA_CHUNK)) {
		struct arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = c;
	if (c)
		c->used = 0;
}

void
arena_free(struct arena *a)
{
	while (a->head) {
		struct arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}
