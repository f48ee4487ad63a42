/*
 * reply: a reply is packed once, into a stack buffer when it is small (most are a
 * code and a corr_id), and sent as [routing id] [empty delimiter]? [reply] without
 * blocking (zsock.c queues it if the peer is full). Used by ingest.c for requests
 * answered at once and by writer.c for events answered after their commit.
 */
#include "reply.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "zsock.h"

int
reply_to_set(struct reply_to *to, const struct iovec *ident, bool delim)
{
	if (ident->iov_len > REPLY_IDENT_MAX)
		return -EMSGSIZE;
	memcpy(to->ident, ident->iov_base, ident->iov_len);
	to->ident_len = ident->iov_len;
	to->delim = delim;
	return 0;
}

void
reply_send(struct zsock *router, const struct reply_to *to, Lanu__V1__Reply *rep)
{
	uint8_t small[512], *data = small;
	size_t len = lanu__v1__reply__get_packed_size(rep), n = 0;
	struct iovec iov[3];
	int r;

	if (len > sizeof(small) && !(data = malloc(len))) {
		log_ratelimited(LOG_ERR, "reply: no memory for a %zu byte reply, dropped", len);
		return;
	}
	lanu__v1__reply__pack(rep, data);
	iov[n++] = (struct iovec){ .iov_base = (void *)to->ident, .iov_len = to->ident_len };
	if (to->delim)
		iov[n++] = (struct iovec){ .iov_base = NULL, .iov_len = 0 };
	iov[n++] = (struct iovec){ .iov_base = data, .iov_len = len };
	r = zsock_send(router, iov, n);
	if (r < 0)
		log_errno(LOG_DEBUG, r, "reply: %" PRIu64 " dropped", rep->corr_id);
	if (data != small)
		free(data);
}

void
reply_code(struct zsock *router, const struct reply_to *to, uint64_t corr_id,
	   Lanu__V1__Reply__Code code, const struct msg_error *e, uint64_t last_seq)
{
	Lanu__V1__Reply rep = LANU__V1__REPLY__INIT;

	rep.corr_id = corr_id;
	rep.code = code;
	rep.last_alert_seq = last_seq;
	if (e) {
		rep.reason = (char *)e->reason;
		rep.field = (char *)e->field;
	}
	reply_send(router, to, &rep);
}
