#!/usr/bin/python3
"""Checks what webhook_server.py recorded at PATH: every delivered (200) alert's subject,
first occurrences in order, is SUBJECTS (comma-separated); seqs never go back; each
request's Idempotency-Key is its alertId and a duplicate the same; with SECRET (a file),
every X-Lanu-Signature is the HMAC-SHA256 of the body."""
import hashlib
import hmac
import json
import sys

log, path, want = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
secret = open(sys.argv[4], "rb").read().rstrip(b"\n") if len(sys.argv) > 4 else None
reqs = [json.loads(l) for l in open(log)]
reqs = [r for r in reqs if r["path"] == path]
got, last = [], 0
for r in reqs:
    h = {k.lower(): v for k, v in r["headers"].items()}
    a = json.loads(r["body"])
    assert h["content-type"] == "application/json", h
    assert h["user-agent"].startswith("lanu-notify/"), h
    assert h["idempotency-key"] == a["alertId"], (h, a)
    if secret is not None:
        mac = hmac.new(secret, r["body"].encode(), hashlib.sha256).hexdigest()
        assert h["x-lanu-signature"] == "sha256=" + mac, (h, mac)
    else:
        assert "x-lanu-signature" not in h, h
    seq = int(a["seq"])
    assert seq >= last, "seq %d after %d at %s" % (seq, last, path)
    if r["status"] != 200:
        continue
    last = seq
    if a["subject"] not in got:
        got.append(a["subject"])
want = ["case:c-" + w for w in want if w]
if got != want:
    sys.exit("%s: got %s, want %s" % (path, got, want))
