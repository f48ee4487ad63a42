/* Decoding and validation of requests: everything from the wire is checked here. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lanu.pb-c.h"

/* Why a request was refused: a sentence and the offending field path. */
struct msg_error {
	char reason[192];
	char field[96];
};

/* Fills e: field (a path, "" for none) and a reason formatted like printf. */
void msg_errorf(struct msg_error *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The corr_id of a frame that may not decode (it is field 1, first on the wire),
 * so even a refused request gets a reply its sender can match. 0 if absent. */
uint64_t msg_peek_corr_id(const void *data, size_t len);

/* Unpacks and validates one request frame. Returns 0 with *ret_req set, -EMSGSIZE
 * (too large), -EBADMSG (not a Request), -EINVAL (a field is wrong; e says which).
 * Caller frees *ret_req with msg_free_request(). */
int msg_decode_request(const void *data, size_t len, Lanu__V1__Request **ret_req,
		       struct msg_error *e);
/* The same, allocating from alloc (NULL: malloc); free with the same allocator. */
int msg_decode_request_with(const void *data, size_t len, ProtobufCAllocator *alloc,
			    Lanu__V1__Request **ret_req, struct msg_error *e);

Lanu__V1__Request *msg_free_request(Lanu__V1__Request *req);
Lanu__V1__Request *msg_free_request_with(Lanu__V1__Request *req, ProtobufCAllocator *alloc);

/* Validates a message tree against lanu's rules (ids, lengths, enums, required
 * fields). path names m in error messages. Returns 0 or -EINVAL. Exposed for the
 * fuzz target and lanuctl's local checks. */
int msg_validate(const ProtobufCMessage *m, const char *path, struct msg_error *e);

/* The first instant of ev later than limit_ms: the envelope's and its event's uint64
 * fields named "*_at_ms" (occurred_at_ms, requested_at_ms, provided_at_ms, due_at_ms,
 * ...). Returns 0, or -EINVAL with e naming it ("event.occurred_at_ms"). */
int msg_check_future(const Lanu__V1__Envelope *ev, uint64_t limit_ms, struct msg_error *e);

/* Who ev is about, as alerts name it: "case:<id>" (the access-time events) or
 * "pupil:<id>" (absences, drop-outs) into out (n bytes); "" for the others
 * (indicators, measures, acknowledgements) and for an id that does not fit. */
void msg_event_subject(const Lanu__V1__Envelope *ev, char *out, size_t n);
