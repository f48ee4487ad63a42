/*
 * strmap: open addressing with linear probing over a power-of-two table, FNV-1a hashes,
 * grown at 3/4 full; no removal (the importer only adds). The map owns copies of its keys;
 * values are the caller's indices.
 */
#include "strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strmap_slot {
	char *key;		/* NULL: empty */
	size_t len;
	uint64_t hash;
	size_t value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;		/* a power of two */
	size_t n;
};

static uint64_t
strmap_hash(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cap = 64;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

struct strmap *
strmap_free(struct strmap *m)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	free(m);
	return NULL;
}

static struct strmap_slot *
strmap_find(const struct strmap *m, const char *key, size_t len, uint64_t h)
{
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct strmap_slot *s = &m->slots[i];

		if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

int
strmap_get(const struct strmap *m, const char *key, size_t len, size_t *ret_value)
{
	const struct strmap_slot *s = strmap_find(m, key, len, strmap_hash(key, len));

	if (!s->key)
		return -ENOENT;
	*ret_value = s->value;
	return 0;
}

static int
strmap_grow(struct strmap *m)
{
	struct strmap_slot *old = m->slots;
	size_t old_cap = m->cap;

	m->slots = calloc(old_cap * 2, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = old_cap * 2;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*strmap_find(m, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
	return 0;
}

int
strmap_put(struct strmap *m, const char *key, size_t len, size_t value)
{
	uint64_t h = strmap_hash(key, len);
	struct strmap_slot *s;

	if ((m->n + 1) * 4 > m->cap * 3 && strmap_grow(m) < 0)
		return -ENOMEM;
	s = strmap_find(m, key, len, h);
	if (!s->key) {
		s->key = malloc(len ? len : 1);
		if (!s->key)
			return -ENOMEM;
		memcpy(s->key, key, len);
		s->len = len;
		s->hash = h;
		m->n++;
	}
	s->value = value;
	return 0;
}

size_t
strmap_size(const struct strmap *m)
{
	return m->n;
}

int
strmap_foreach(const struct strmap *m,
	       int (*fn)(const char *key, size_t len, size_t value, void *arg), void *arg)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key) {
			int r = fn(m->slots[i].key, m->slots[i].len, m->slots[i].value, arg);

			if (r)
				return r;
		}
	return 0;
}
