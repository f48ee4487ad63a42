/*
 * auth: who may connect over tcp:// and what each peer may ask (docs/security.md).
 * lanud's ZAP handler runs on the loop: a CurveZMQ peer's public key must be one of the
 * key files in keys-dir, not revoked; its name becomes the User-Id of every message it
 * sends. Each request of such a peer is then checked against its key's role and
 * bindings. ipc:// peers are trusted by the socket file's owner, group and mode.
 */
#pragma once

#include <stddef.h>
#include <sys/uio.h>

#include "lanu.pb-c.h"

#define AUTH_ZAP_ENDPOINT	"inproc://zeromq.zap.01"	/* libzmq's, fixed */
#define AUTH_IPC_DOMAIN		"lanu-ipc:"	/* + NAME: an ipc:// endpoint "as NAME" */

struct auth;
struct lanud;
struct msg_error;
struct zsock;

/* The peers' keys in keys_dir. Returns 0 or -ENOMEM. */
int auth_new(const char *keys_dir, struct auth **ret_auth);
struct auth *auth_free(struct auth *a);

/* The ZAP handler: a zsock callback on a ROUTER bound to AUTH_ZAP_ENDPOINT (arg: the
 * struct lanud). Answers every request, 200 with the key's name or 400; a refusal is
 * logged, rate-limited, with the peer's address. */
int auth_zap_on_msg(struct zsock *z, const struct iovec *frames, size_t n, void *arg);

/* The publish socket's subscriptions (a zsock callback on a ZSOCK_XPUB, arg: the struct
 * lanud): a topic is the id of a recipient of the plan in force and its terminator
 * (any id while no plan is); an enrolled subscriber or
 * operator bound to recipients gets only theirs, a producer none; an admin and an
 * ipc:// peer any recipient's, and only an admin "" (everything). Others are dropped
 * and logged, rate-limited; unsubscribing is always done. */
int auth_sub_on_msg(struct zsock *z, const struct iovec *frames, size_t n, void *arg);

/* Whether peer (an authenticated name from zsock_peer()) may make req. Returns 0, or
 * -EPERM with e naming the field at fault and why. */
int auth_check(struct lanud *d, const char *peer, const Lanu__V1__Request *req,
	       struct msg_error *e);
