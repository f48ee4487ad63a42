#!/usr/bin/python3
"""Checks what tests/integ/smtp_server.py recorded for one e-mail channel of lanu-notify
against the alert log (docs/notify.md "E-mail"):

  mail_check.py MAIL.jsonl ALERTS.jsonl ADDRESS RECIPIENT CHANNEL LANG [options]

ALERTS.jsonl is `lanuctl tail --recipient RECIPIENT --from 0 --no-follow --json`. Every
alert must have arrived at ADDRESS: on its own, with Message-ID
<lanu.ALERT.RECIPIENT.CHANNEL@DOMAIN>, or, with --digest SEVERITY@HH:MM, those of that
severity and less in one digest per period (the period ending at the first HH:MM,
Europe/Helsinki, after the alert was raised), Message-ID
<lanu.digest.FIRST-LAST.RECIPIENT.CHANNEL@DOMAIN>. Each message: over STARTTLS,
authenticated as --user, text/plain and text/html in LANG with the alert's own text in
LANG and `lanuctl ack ID`, the subject RFC 2047-encoded and starting "[lanu] ". A
Message-ID may come more than once (at-least-once) unless --exactly-once; none may be
unexpected. --words W: words every plain part must have (the plan's names in LANG);
--min-digests N: the alerts must fall in at least N digest periods."""
import argparse
import datetime
import email
import email.header
import email.policy
import json
import re
import sys
import zoneinfo

SEVERITY = {"SEVERITY_INFO": 1, "SEVERITY_WARNING": 2, "SEVERITY_CRITICAL": 3}
SEVERITY_WORD = {"fi": {1: "Tiedoksi", 2: "Varoitus", 3: "Kriittinen"},
                 "sv": {1: "För kännedom", 2: "Varning", 3: "Kritisk"},
                 "en": {1: "Info", 2: "Warning", 3: "Critical"}}
DIGEST_WORD = {"fi": "Kooste", "sv": "Sammandrag", "en": "Digest"}

p = argparse.ArgumentParser()
p.add_argument("mail")
p.add_argument("alerts")
p.add_argument("address")
p.add_argument("recipient")
p.add_argument("channel")
p.add_argument("lang")
p.add_argument("--digest", help="SEVERITY@HH:MM")
p.add_argument("--user")
p.add_argument("--words", action="append", default=[])
p.add_argument("--exactly-once", action="store_true")
p.add_argument("--min-digests", type=int, default=0)
a = p.parse_args()
errors = []


def fail(msg):
    errors.append(msg)


alerts = [json.loads(l) for l in open(a.alerts) if l.strip()]
msgs = []
for line in open(a.mail):
    rec = json.loads(line)
    if a.address in rec["rcpt_tos"]:
        msgs.append(rec)

# What should have come: Message-ID -> (kind, alerts)
expected = {}
digest_sev, digest_at = 0, None
if a.digest:
    sev, at = a.digest.split("@")
    digest_sev = SEVERITY["SEVERITY_" + sev.upper()]
    digest_at = datetime.time(int(at[:2]), int(at[3:]))
helsinki = zoneinfo.ZoneInfo("Europe/Helsinki")


def atom(s):
    """An id as lanu-notify writes it in a Message-ID."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "=%02X" % ord(c)
                   for c in s)


def period_end(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, helsinki)
    end = datetime.datetime.combine(t.date(), digest_at, helsinki)
    while end <= t:
        end = datetime.datetime.combine(end.date() + datetime.timedelta(days=1), digest_at,
                                        helsinki)
    return end


groups = {}
for al in alerts:
    sev = SEVERITY.get(al.get("severity", ""), 0)
    if digest_sev and sev <= digest_sev:
        groups.setdefault(period_end(int(al["raisedAtMs"])), []).append(al)
    else:
        mid = "<lanu.%s.%s.%s@" % (al["alertId"], atom(a.recipient), a.channel)
        expected[mid] = ("alert", [al])
for end, group in groups.items():
    mid = "<lanu.digest.%s-%s.%s.%s@" % (group[0]["seq"], group[-1]["seq"],
                                          atom(a.recipient), a.channel)
    expected[mid] = ("digest", group)

seen = {}
for rec in msgs:
    msg = email.message_from_string(rec["data"], policy=email.policy.default)
    mid = msg["Message-ID"] or ""
    key = mid[:mid.index("@") + 1] if "@" in mid else mid
    seen[key] = seen.get(key, 0) + 1
    if key not in expected:
        fail("unexpected message %s: %s" % (mid, msg["Subject"]))
        continue
    kind, group = expected[key]
    if a.user and (not rec["tls"] or rec["auth"] != a.user):
        fail("%s: not under STARTTLS as %s (tls %s, auth %s)" % (mid, a.user, rec["tls"],
                                                                  rec["auth"]))
    if "=?UTF-8?B?" not in rec["data"].split("\n\n", 1)[0] and "=?utf-8?" not in rec["data"]:
        fail("%s: the subject is not RFC 2047-encoded" % mid)
    subject = str(msg["Subject"])
    if kind == "alert":
        sev = SEVERITY.get(group[0].get("severity", ""), 0)
        want = "[lanu] %s: " % SEVERITY_WORD[a.lang][sev]
    else:
        want = "[lanu] %s " % DIGEST_WORD[a.lang]
    if not subject.startswith(want):
        fail("%s: subject %r does not start %r" % (mid, subject, want))
    if msg["X-Lanu-Recipient"] != a.recipient:
        fail("%s: X-Lanu-Recipient %s" % (mid, msg["X-Lanu-Recipient"]))
    if msg["Auto-Submitted"] != "auto-generated":
        fail("%s: no Auto-Submitted" % mid)
    plain = html = None
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            plain = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    if plain is None or html is None:
        fail("%s: not both text/plain and text/html" % mid)
        continue
    if '<html lang="%s">' % a.lang not in html:
        fail("%s: the HTML part is not in %s" % (mid, a.lang))
    acks = re.findall(r"lanuctl ack (a-\d+)", plain)
    if sorted(acks) != sorted(al["alertId"] for al in group):
        fail("%s: acknowledges %s, want %s" % (mid, acks, [al["alertId"] for al in group]))
    for al in group:
        text = al.get("text", {}).get(a.lang, "")
        if text and text not in plain:
            fail("%s: the %s text of %s is missing: %r" % (mid, a.lang, al["alertId"], text))
        if text and text.replace("&", "&amp;") not in html:
            fail("%s: the HTML part lacks %s's text" % (mid, al["alertId"]))
    for w in a.words:
        if w not in plain:
            fail("%s: %r not in the text" % (mid, w))

for key, (kind, group) in expected.items():
    n = seen.get(key, 0)
    if n == 0:
        fail("missing %s %s (%s)" % (kind, key, ",".join(al["alertId"] for al in group)))
    elif n > 1 and a.exactly_once:
        fail("%s came %d times" % (key, n))

if len(groups) < a.min_digests:
    fail("%d digest periods, want at least %d" % (len(groups), a.min_digests))
if errors:
    print("mail_check %s:" % a.address, *errors, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print("mail_check %s: %d messages, %d expected (%d digests)" %
      (a.address, len(msgs), len(expected), len(groups)))
