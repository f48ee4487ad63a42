/*
 * libFuzzer target: every byte string a peer can send as a request frame goes
 * through msg_decode_request(), the daemon's only way in. A request that is
 * accepted must survive a pack/unpack round trip unchanged in size and validate
 * again, and nothing may leak or read out of bounds on any input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_error e;
	Lanu__V1__Request *req, *again;
	uint8_t *buf;
	size_t len;

	(void)msg_peek_corr_id(data, size);
	if (msg_decode_request(data, size, &req, &e) < 0)
		return 0;
	len = lanu__v1__request__get_packed_size(req);
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	if (lanu__v1__request__pack(req, buf) != len)
		abort();
	if (msg_decode_request(buf, len, &again, &e) < 0)
		abort();	/* what was valid once must stay valid */
	if (lanu__v1__request__get_packed_size(again) != len)
		abort();
	msg_free_request(again);
	msg_free_request(req);
	free(buf);
	return 0;
}
