/* strmap: a hash map from byte strings to a size_t (an index into the caller's array). */
#pragma once

#include <stddef.h>

struct strmap;

/* Returns NULL only for -ENOMEM. */
struct strmap *strmap_new(void);
struct strmap *strmap_free(struct strmap *m);

/* Looks key (len bytes, any bytes) up. Returns 0 with *ret_value, or -ENOENT. */
int strmap_get(const struct strmap *m, const char *key, size_t len, size_t *ret_value);

/* Sets key to value, replacing an earlier value. The map copies key. Returns 0 or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, size_t len, size_t value);

/* The number of keys. */
size_t strmap_size(const struct strmap *m);

/* Calls fn for each key in no particular order; stops at, and returns, fn's first
 * non-zero return. */
int strmap_foreach(const struct strmap *m,
		   int (*fn)(const char *key, size_t len, size_t value, void *arg), void *arg);
