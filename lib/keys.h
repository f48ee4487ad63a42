/*
 * keys: the peers lanud knows, one file each in its keys directory (docs/security.md).
 * A peer's file, NAME.key, holds its CurveZMQ public key, its role and what the role is
 * bound to; the secret half (NAME.secret, 0600) stays with the peer. The same file
 * syntax as lanud.conf: one key a line, words, "quoted words", # comments.
 *
 *	name        wilma-seinajoki
 *	public      Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID
 *	role        producer
 *	areas       kyla-koulu keskuskoulu
 *	events      absence-counts-reported absence-alert-raised
 *	revoked     2026-12-04T10:00:00Z
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lanu/limits.h"

#define KEYS_Z85_LEN	40	/* a 32-byte key in Z85 */
#define KEYS_MAX_SCOPE	32	/* areas, events or recipients a key is bound to */

enum keys_role {
	KEYS_PRODUCER = 1,	/* sends events */
	KEYS_SUBSCRIBER,	/* reads the alerts of its recipients */
	KEYS_OPERATOR,		/* acknowledges and queries for its recipients and areas */
	KEYS_ADMIN,		/* plan loads, the clock, everything */
	KEYS_NOTIFIER,		/* reads its recipients' alerts, tells of failed delivery to them */
};

struct keys_entry {
	char name[LANU_MAX_NAME + 1];
	uint8_t public_key[32];
	enum keys_role role;
	char **areas;		/* empty: every area */
	size_t n_areas;
	char **events;		/* producers: event kinds as "deadline-missed"; empty: all */
	size_t n_events;
	char **recipients;	/* subscribers, operators and notifiers */
	size_t n_recipients;
	uint64_t revoked_ms;	/* 0: in force */
};

/* The role's word ("producer", ...), or NULL. */
const char *keys_role_name(enum keys_role role);
int keys_role_parse(const char *word, enum keys_role *ret_role);

/* The kinds of event a key may be bound to: the Envelope's payloads as words
 * ("service-requested", ...), NULL-terminated. */
const char *const *keys_event_names(void);
/* The word of the Envelope payload numbered payload_case, or NULL. */
const char *keys_event_name(uint32_t payload_case);
/* Whether word is one of them. */
bool keys_is_event(const char *word);

/* Parses one key file. Every problem is reported through report (as "path:line: what
 * is wrong"), not just the first. Returns 0, -EINVAL if anything was wrong, -ENOENT /
 * -EACCES if it cannot be read, -ENOMEM. Free *ret_entry with keys_entry_free(). */
int keys_read(const char *path, void (*report)(const char *msg, void *arg), void *arg,
	      struct keys_entry **ret_entry);
struct keys_entry *keys_entry_free(struct keys_entry *e);

/* Writes e to path (0644) atomically: a temporary file, fsync, rename. Returns 0 or
 * -errno. */
int keys_write(const char *path, const struct keys_entry *e, const char *comment);

/* Finds the file in dir whose public key is public_key (32 bytes): its entry, revoked
 * or not, into *ret_entry. Files that do not parse are reported and passed over.
 * Returns 0, -ENOENT (none), -errno (the directory cannot be read). */
int keys_find(const char *dir, const uint8_t public_key[32],
	      void (*report)(const char *msg, void *arg), void *arg,
	      struct keys_entry **ret_entry);

/* key (32 bytes) in Z85, into out. */
void keys_z85(const uint8_t key[32], char out[KEYS_Z85_LEN + 1]);

/* A new key pair, each half in Z85 (KEYS_Z85_LEN + 1 bytes). Returns 0 or -errno. */
int keys_new_pair(char public_z85[KEYS_Z85_LEN + 1], char secret_z85[KEYS_Z85_LEN + 1]);

/* A NAME.secret file: a peer's own key pair, or lanud's. */
struct keys_secret {
	char name[LANU_MAX_NAME + 1];	/* "" if the file does not say */
	char public_z85[KEYS_Z85_LEN + 1];
	char secret_z85[KEYS_Z85_LEN + 1];
};

/* Reads a NAME.secret file; one that others may read is refused. Returns 0, -EINVAL
 * (reported), -errno. Wipe *ret_secret with sodium_memzero() after use. */
int keys_read_secret(const char *path, void (*report)(const char *msg, void *arg), void *arg,
		     struct keys_secret *ret_secret);

/* Writes a secret file (0600, atomically). Returns 0 or -errno. */
int keys_write_secret(const char *path, const char *name, const char *public_z85,
		      const char *secret_z85);

/* Whether e's role and bindings go together (events for producers, recipients for
 * subscribers and operators, a subscriber's recipients given). Returns 0, or -EINVAL
 * with *ret_why saying what is wrong. */
int keys_entry_check(const struct keys_entry *e, const char **ret_why);

/* Whether list (n words, empty meaning everything) holds word. */
bool keys_scope_has(char *const *list, size_t n, const char *word);
