#!/usr/bin/python3
"""An SMTP receiver for lanu-notify's e-mail channel tests (aiosmtpd, Debian 12's 1.4.3):
records every message it accepts (envelope, raw data, whether under STARTTLS, the
authenticated user) as one JSON line in --out, after fsync and before its 250. With
--tls-cert/--tls-key it offers STARTTLS and requires it before MAIL; with --auth USER:PASSWORD
it requires AUTH (PLAIN or LOGIN; only under TLS when TLS is on). The first --fail-first DATA
get 451, a --reject-rcpt address gets 550. Listens on 127.0.0.1, a free port, written to
--port-file once it accepts connections. Runs until SIGTERM or SIGINT, then exits 0."""
import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--port-file", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--tls-cert")
parser.add_argument("--tls-key")
parser.add_argument("--auth", metavar="USER:PASSWORD")
parser.add_argument("--fail-first", type=int, default=0, metavar="N")
parser.add_argument("--reject-rcpt", action="append", default=[], metavar="ADDR")
args = parser.parse_args()
if bool(args.tls_cert) != bool(args.tls_key):
    parser.error("--tls-cert and --tls-key go together")
if args.auth is not None and ":" not in args.auth:
    parser.error("--auth is USER:PASSWORD")

# aiosmtpd logs to "mail.log"; past its errors, that is a deprecation warning per AUTH
# (Session.login_data) in 1.4.3.
logging.getLogger("mail.log").setLevel(logging.ERROR)

datas = 0     # DATA commands seen, failed ones included
accepted = 0  # messages recorded


def log(*words):
    print("smtp_server:", *words, file=sys.stderr, flush=True)


def authenticator(server, session, envelope, mechanism, auth_data):
    # aiosmtpd's AUTH PLAIN and LOGIN hand over a LoginPassword of bytes. handled=False on a
    # failure, so that aiosmtpd answers 535 5.7.8 itself: its default, handled=True, means
    # the authenticator has replied already, and the client would be left waiting.
    user, password = args.auth.split(":", 1)
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == user.encode() and auth_data.password == password.encode())
    log("AUTH", mechanism, auth_data.login.decode(errors="replace")
        if isinstance(auth_data, LoginPassword) else "?", "ok" if ok else "refused")
    return AuthResult(success=ok, handled=False, auth_data=user if ok else None)


class Handler:
    # aiosmtpd's hooks: a returned string is the reply; RCPT must append the address itself.
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in (a.lower() for a in args.reject_rcpt):
            log("RCPT", address, "rejected")
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        log("RCPT", address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        global datas, accepted
        datas += 1
        if datas <= args.fail_first:
            log("DATA", datas, "failed on purpose")
            return "451 4.3.0 try again later"
        accepted += 1
        record = {"n": accepted,
                  "mail_from": envelope.mail_from,
                  "rcpt_tos": envelope.rcpt_tos,
                  "data": envelope.content.decode("utf-8", errors="replace"),
                  "tls": session.ssl is not None,
                  "auth": session.auth_data if session.authenticated else None}
        with open(args.out, "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())
        log("DATA", datas, "accepted as message", accepted, "from", envelope.mail_from,
            "to", ",".join(envelope.rcpt_tos))
        return "250 OK"


tls = None
if args.tls_cert:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.tls_cert, args.tls_key)


def session():
    # One SMTP protocol object per connection. decode_data=False keeps envelope.content
    # bytes; SMTPUTF8 is offered (8BITMIME always is).
    return SMTP(Handler(), hostname="localhost", decode_data=False, enable_SMTPUTF8=True,
                tls_context=tls, require_starttls=tls is not None,
                authenticator=authenticator if args.auth else None,
                auth_required=args.auth is not None, auth_require_tls=tls is not None)


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Port 0: the kernel picks a free port; the socket listens once create_server returns.
    server = await loop.create_server(session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(args.port_file + ".tmp", args.port_file)
    log("listening on 127.0.0.1:%d" % port, "tls" if tls else "plain",
        "auth" if args.auth else "no-auth")
    await stop.wait()
    server.close()
    log("stopping,", accepted, "messages recorded")


asyncio.run(main())
