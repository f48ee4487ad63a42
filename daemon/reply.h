/* Replies on the ROUTER socket: to whom, and how they are packed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lanu.pb-c.h"

struct msg_error;
struct zsock;

#define REPLY_IDENT_MAX 256	/* ZeroMQ routing ids are at most 255 bytes */

/* Where a reply goes: the sender's routing id, and whether it put an empty
 * delimiter frame before its request (a REQ socket does) that the reply repeats. */
struct reply_to {
	uint8_t ident[REPLY_IDENT_MAX];
	size_t ident_len;
	bool delim;
};

/* The return address of a request that came with routing id frame ident. Returns 0,
 * or -EMSGSIZE if the routing id is longer than REPLY_IDENT_MAX (not libzmq's). */
int reply_to_set(struct reply_to *to, const struct iovec *ident, bool delim);

/* Packs rep and sends it to to on router. A reply that cannot be sent is dropped
 * (logged at debug): the peer is gone or not reading, and will ask again. A run of
 * sends ends with zsock_kick() (zsock.h). */
void reply_send(struct zsock *router, const struct reply_to *to, Lanu__V1__Reply *rep);

/* A reply with only a code: corr_id, code, e's reason and field (e may be NULL), and
 * the last alert seq lanud had committed (0: not said). */
void reply_code(struct zsock *router, const struct reply_to *to, uint64_t corr_id,
		Lanu__V1__Reply__Code code, const struct msg_error *e, uint64_t last_seq);
