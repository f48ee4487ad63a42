/* hetu: finds what looks like a Finnish personal identity code (henkilötunnus) in text. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define HETU_LEN	11	/* DDMMYYCNNNK */

/* Whether s[0..HETU_LEN) is an identity code: DDMMYY a real date, C a century sign
 * (+ 1800s; - Y X W V U 1900s; A B C D E F 2000s), NNN three digits (temporary codes,
 * 900-999, too) and K the check character of the number DDMMYYNNN mod 31. Lowercase
 * letters count as the uppercase ones. */
bool hetu_valid(const char *s);

/* Whether an identity code occurs anywhere in s (len bytes, any bytes). Returns true
 * with *ret_off its offset, else false. */
bool hetu_find(const char *s, size_t len, size_t *ret_off);

/* The same for a code that stands on its own: not inside a longer run of ASCII letters
 * and digits ("x-131052-308T" holds one, "e3f131052a308fd" does not), so that a long
 * hexadecimal hash, which holds one by chance about once in 2,800 64-digit ones, is not
 * taken for one. */
bool hetu_find_token(const char *s, size_t len, size_t *ret_off);
