#!/usr/bin/env bash
# lanu-notify's e-mail (docs/notify.md "E-mail") against a real SMTP server on 127.0.0.1
# (tests/integ/smtp_server.py, aiosmtpd) that requires STARTTLS and AUTH and refuses the
# first message: the notifier runs over tcp:// with a notifier key bound to two of the
# plan's three recipients. Each alert reaches each address once, in the recipient's
# language with the plan's names; a digest channel gets the warnings grouped by period
# on lanud's manual clock and the misses at once; the recipient the key is not bound to
# gets nothing and the others go on; kill -9 in a burst loses nothing, and what comes
# twice carries the same Message-ID; --check-config says every bad line.
set -euo pipefail

LANUD=$1
LANUCTL=$2
NOTIFY=$3
here=$(dirname "$0")
. "$here/lib.sh"
integ_begin notify-mail

# Debian's python3-aiosmtpd is the system Python's: a python3 earlier on PATH may lack it.
py=/usr/bin/python3
"$py" -c 'import aiosmtpd' 2>/dev/null || fail "aiosmtpd is not installed (python3-aiosmtpd)"
command -v openssl >/dev/null || fail "openssl is not installed"

free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cat > "$dir/plan.yaml" <<'PLAN'
lanu-plan: 1
plan: {id: notify-mail, organiser: Test, title: Notify mail test plan, period: 2026-2029}
areas:
  - {id: north, name: {fi: Pohjoinen, sv: Norra, en: North}, kind: area}
recipients:
  - {id: sup-fi, name: {fi: Pohjoisen esihenkilö, sv: Norra chefen, en: Supervisor North}, kind: supervisor}
  - {id: board-sv, name: {fi: Lautakunta, sv: Nämnden, en: The board}, kind: supervisor}
  - {id: outsider, name: Outsider, kind: supervisor}
services:
  - id: kuraattori
    name: {fi: Koulukuraattori, sv: Skolkurator, en: School social worker}
    limits: {normal: 7 working days}
    warn-before: 2 working days
routes:
  - {kinds: [deadline-warning, deadline-missed], to: [sup-fi, board-sv, outsider]}
  - {kinds: delivery-failed, to: board-sv}
PLAN

# lanud: ipc:// for lanuctl, tcp:// (CurveZMQ) for the notifier, on a manual clock from
# Monday 2.11.2026 08:00 local.
in_port=$(free_port)
pub_port=$(free_port)
mkdir -m 700 "$dir/keys"
cat > "$dir/lanud.conf" <<CONF
ingest ipc://$dir/in.sock tcp://127.0.0.1:$in_port
publish ipc://$dir/pub.sock tcp://127.0.0.1:$pub_port
state-dir $dir/state
plan $dir/plan.yaml
server-key $dir/lanud.secret
keys-dir $dir/keys
clock manual 2026-11-02T06:00:00Z
CONF
ctl keys server --secret "$dir/lanud.secret" > "$dir/server.out"
server_pub=$(tail -1 "$dir/server.out")
ctl keys new notifier-1 --role notifier --recipients sup-fi,board-sv \
	--secret "$dir/notifier-1.secret" > /dev/null
integ_lanud

# The SMTP server: STARTTLS required (a certificate of its own, trusted through
# smtp-ca-file), AUTH required, the first DATA refused with 451.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$dir/smtp.key" -out "$dir/smtp.crt" 2>/dev/null
relay() {	# relay NAME N: a server recording to $dir/NAME.jsonl, refusing the first N
	$integ_tied "$py" "$here/smtp_server.py" --port-file "$dir/$1.port" \
		--out "$dir/$1.jsonl" --tls-cert "$dir/smtp.crt" --tls-key "$dir/smtp.key" \
		--auth 'lanu:pa:ss w0rd' --fail-first "$2" 2>"$dir/$1.log" &
	relay_pid=$!
	integ_child "$relay_pid"
	for _ in $(seq 1 200); do
		[ -s "$dir/$1.port" ] && break
		sleep 0.05
	done
	relay_port=$(cat "$dir/$1.port") ||
		fail "the SMTP server $1 did not start: $(cat "$dir/$1.log")"
	touch "$dir/$1.jsonl"
}
relay mail 1
smtp_port=$relay_port
printf 'lanu\npa:ss w0rd\n' > "$dir/smtp.credentials"
chmod 600 "$dir/smtp.credentials"

cat > "$dir/notify.conf" <<CONF
ingest tcp://127.0.0.1:$in_port
publish tcp://127.0.0.1:$pub_port
key $dir/notifier-1.secret
server-key "$server_pub"
producer notifier-1
state $dir/notify.state
smtp smtp://127.0.0.1:$smtp_port
smtp-ca-file $dir/smtp.crt
smtp-credentials $dir/smtp.credentials
mail-from lanu@kunta.example
email sup-fi esihenkilo@kunta.example
email sup-fi kooste@kunta.example digest warning at 08:00
email board-sv namnden@kunta.example lang sv
email outsider outsider@kunta.example
CONF
notify() { timeout 120 "$NOTIFY" -c "$dir/notify.conf" "$@"; }
variant() {	# variant NAME PORT LINE...: notify.conf with state NAME.state, the relay at
		# PORT ("": the same), none of its e-mail channels, and the LINEs
	sed -e "s|^state .*|state $dir/$1.state|" -e '/^email /d' \
		-e "s|^smtp smtp://.*|smtp smtp://127.0.0.1:${2:-$smtp_port}|" "$dir/notify.conf" \
		> "$dir/$1.conf"
	printf '%s\n' "${@:3}" >> "$dir/$1.conf"
}

# --check-config: the good file, then every bad line said with its number.
notify --check-config | grep -q "ok, 4 channels for 3 recipients" || fail "check-config"
cat > "$dir/bad.conf" <<CONF
lanud-conf $dir/lanud.conf
state $dir/bad.state
email sup-fi not-an-address
email sup-fi x@kunta.example lang de
email sup-fi y@kunta.example digest warning at 8
email sup-fi z@kunta.example digest loud at 08:00
smtp http://127.0.0.1:1
smtp-tls sometimes
email sup-fi 131052-308T@kunta.example
CONF
out=$("$NOTIFY" -c "$dir/bad.conf" --check-config 2>&1) && fail "bad.conf passed"
for want in "bad.conf:3: 'not-an-address' is not an e-mail address" \
	    "bad.conf:4: lang is fi, sv or en" "bad.conf:5: digest's times are HH:MM" \
	    "bad.conf:6: digest's severity is info, warning or critical" \
	    "bad.conf:7: not an smtp:// or smtps:// URL" \
	    "bad.conf:8: smtp-tls is 'required' or 'when-offered'" \
	    "bad.conf:9: the address holds what looks like a personal identity code" \
	    "no channel"; do
	echo "$out" | grep -qF "$want" || fail "check-config did not say '$want': $out"
done
printf 'lanud-conf %s\nstate %s/bad.state\nemail sup-fi a@kunta.example\n' "$dir/lanud.conf" \
	"$dir" > "$dir/bad2.conf"
out=$("$NOTIFY" -c "$dir/bad2.conf" --check-config 2>&1) && fail "bad2.conf passed"
echo "$out" | grep -q "e-mail channels need 'smtp URL'" || fail "no relay: $out"
printf 'smtp smtp://127.0.0.1:1\nsmtp-tls when-offered\nmail-from l@kunta.example\nsmtp-credentials %s\n' \
	"$dir/smtp.credentials" >> "$dir/bad2.conf"
out=$("$NOTIFY" -c "$dir/bad2.conf" --check-config 2>&1) && fail "credentials in the clear passed"
echo "$out" | grep -q "could go in the clear" || fail "credentials in the clear: $out"
chmod 644 "$dir/smtp.credentials"
out=$("$NOTIFY" -c "$dir/notify.conf" --check-config 2>&1) && fail "0644 credentials passed"
echo "$out" | grep -q "readable by others" || fail "0644 credentials: $out"
chmod 600 "$dir/smtp.credentials"

requested() {	# requested ID DAY: a request for the social worker in the north
	printf '{"eventId": "%s", "producer": "t", "occurredAtMs": "%s", "serviceRequested": '\
'{"caseId": "c-%s", "service": "kuraattori", "area": "north", "requestedAtMs": "%s", "urgency": "URGENCY_NORMAL"}}\n' \
		"$1" "$2" "$1" "$2"
}
# Monday 2.11 and Wednesday 4.11, 10:00 local: warned and missed on different days.
{ requested r1 1793606400000; requested r2 1793779200000; } | ctl send - >/dev/null

step() {	# step UTC: the clock to UTC, then the notifier once (the outsider: refused)
	ctl clock set "$1" >/dev/null
	rc=0
	notify --once 2>>"$dir/notify.err" || rc=$?
	[ "$rc" = 1 ] || fail "--once at $1: exit $rc, $(cat "$dir/notify.err")"
}
for day in 10 12 16 18 20; do	# the warnings on two days, then the misses
	step 2026-11-${day}T12:00:00Z
done
grep -q "replay for 'outsider' refused, its email gets nothing: replay.recipients" \
	"$dir/notify.err" || fail "the outsider's refusal not said: $(cat "$dir/notify.err")"
grep -q "SMTP 451, retrying" "$dir/notify.err" || fail "the 451 was not retried"

check() {	# check ADDRESS RECIPIENT CHANNEL LANG [options]: against the recipient's log
	ctl tail --recipient "$2" --from 0 --no-follow --json > "$dir/$2.alerts"
	"$py" "$here/mail_check.py" "$dir/mail.jsonl" "$dir/$2.alerts" "$@" --user lanu ||
		fail "mail to $1"
}
check esihenkilo@kunta.example sup-fi email fi --exactly-once --words Koulukuraattori \
	--words "Pohjoisen esihenkilö" --words "Kuittaa: lanuctl ack"
[ "$(grep -c . "$dir/sup-fi.alerts")" = 4 ] || fail "sup-fi: not 4 alerts: $(ctl tail \
	--recipient sup-fi --from 0 --no-follow)"
check kooste@kunta.example sup-fi email-2 fi --exactly-once --digest warning@08:00 \
	--words Koulukuraattori --min-digests 2
check namnden@kunta.example board-sv email sv --exactly-once --words Skolkurator \
	--words Nämnden --words "Kvittera: lanuctl ack"
grep -q outsider@kunta.example "$dir/mail.jsonl" && fail "the outsider got mail"

# --dry-run: prints what it would send, sends nothing, moves no cursor.
before=$(wc -l < "$dir/mail.jsonl")
state_before=$(cat "$dir/notify.state")
cp "$dir/notify.conf" "$dir/dry.conf"
sed -i "s|^state .*|state $dir/dry.state|" "$dir/dry.conf"
$integ_tied "$NOTIFY" -c "$dir/dry.conf" --dry-run --once > "$dir/dry" 2>/dev/null || true
grep -q '^sup-fi email esihenkilo@kunta.example a-1$' "$dir/dry" || fail "dry-run: $(cat "$dir/dry")"
grep -q 'Subject (decoded): \[lanu\] Varoitus: ' "$dir/dry" || fail "dry-run has no subject"
grep -q 'waits for the digest at' "$dir/dry" || fail "dry-run does not say the digest"
[ "$(wc -l < "$dir/mail.jsonl")" = "$before" ] || fail "dry-run sent mail"
[ -e "$dir/dry.state" ] && fail "dry-run wrote the state"
[ "$(cat "$dir/notify.state")" = "$state_before" ] || fail "dry-run moved the cursors"
[ "$(stat -c %a "$dir/notify.state")" = 600 ] || fail "the state file is not 0600"

# Following: a burst of requests that miss at once; kill -9 in the middle, restart; every
# alert arrives, and what came twice carries the same Message-ID.
$integ_tied "$NOTIFY" -c "$dir/notify.conf" 2>>"$dir/follow.err" &
notifier=$!
integ_child "$notifier"
for i in $(seq 1 40); do
	requested "b$i" 1794816000000	# Monday 16.11 10:00 local
done | ctl send - >/dev/null
ctl clock set 2026-11-26T12:00:00Z >/dev/null	# all 40 past due: 40 misses, 40 warnings
for _ in $(seq 1 400); do
	[ "$(wc -l < "$dir/mail.jsonl")" -ge $((before + 20)) ] && break
	sleep 0.05
done
kill -9 "$notifier"
wait "$notifier" 2>/dev/null || true
$integ_tied "$NOTIFY" -c "$dir/notify.conf" 2>>"$dir/follow.err" &
notifier=$!
integ_child "$notifier"
ctl clock set 2026-11-27T12:00:00Z >/dev/null	# the burst's warnings' digest is due
want=$(ctl tail --recipient sup-fi --from 0 --no-follow --json | grep -c .)
for i in $(seq 1 600); do
	[ "$(grep -c esihenkilo "$dir/mail.jsonl")" -ge "$want" ] &&
		[ "$(grep -c namnden "$dir/mail.jsonl")" -ge "$want" ] && break
	[ "$i" = 600 ] && fail "not all $want alerts arrived: $(tail -5 "$dir/follow.err")"
	sleep 0.1
done
# The digest is due on lanud's clock: it comes within the notifier's quiet interval.
ctl tail --recipient sup-fi --from 0 --no-follow --json > "$dir/sup-fi.alerts"
for i in $(seq 1 100); do
	"$py" "$here/mail_check.py" "$dir/mail.jsonl" "$dir/sup-fi.alerts" \
		kooste@kunta.example sup-fi email-2 fi --digest warning@08:00 2>/dev/null && break
	[ "$i" = 100 ] && check kooste@kunta.example sup-fi email-2 fi --digest warning@08:00
	sleep 0.1
done
check esihenkilo@kunta.example sup-fi email fi
check namnden@kunta.example board-sv email sv
kill "$notifier"; wait "$notifier" 2>/dev/null || true

# A relay refusing for longer than failed-after: lanud is told (DeliveryFailed from the
# notifier key, about its own recipient) and raises DELIVERY_FAILED to the board; when
# the relay takes mail again, RESOLVED.
relay mail2 3
variant failing "$relay_port" "failed-after 2s" "email sup-fi valvonta@kunta.example"
timeout 120 "$NOTIFY" -c "$dir/failing.conf" --once 2>"$dir/failing.err" ||
	fail "--once with a failing relay: $(cat "$dir/failing.err")"
kill "$relay_pid" 2>/dev/null || true
grep -q "sup-fi email: lanud told the channel is failing" "$dir/failing.err" ||
	fail "no DeliveryFailed sent: $(cat "$dir/failing.err")"
grep -q "sup-fi email: lanud told the channel works again" "$dir/failing.err" ||
	fail "no recovery sent: $(cat "$dir/failing.err")"
grep -q "SMTP 451, retrying" "$dir/failing.err" || fail "the 451s were not said"
ctl tail --recipient board-sv --from 0 --no-follow --json > "$dir/board.json"
grep '"kind":"ALERT_KIND_DELIVERY_FAILED"' "$dir/board.json" |
	grep -q '"subject":"recipient:sup-fi"' || fail "no DELIVERY_FAILED alert to the board"
grep '"kind":"ALERT_KIND_RESOLVED"' "$dir/board.json" |
	grep -q '"subject":"recipient:sup-fi"' || fail "the DELIVERY_FAILED alert was not resolved"
ctl tail --recipient sup-fi --from 0 --no-follow --json > "$dir/sup-fi.alerts"
"$py" "$here/mail_check.py" "$dir/mail2.jsonl" "$dir/sup-fi.alerts" valvonta@kunta.example \
	sup-fi email fi --user lanu --exactly-once || fail "mail after the relay recovered"
# A digest the relay refuses is tried again (here the first message of all is refused,
# and every alert waits for a digest).
relay mail3 1
variant digest3 "$relay_port" "email sup-fi kaikki3@kunta.example digest critical at 08:00"
timeout 120 "$NOTIFY" -c "$dir/digest3.conf" --once 2>"$dir/digest3.err" ||
	fail "--once with a refused digest: $(cat "$dir/digest3.err")"
grep -q "digest of .*: SMTP 451, retrying" "$dir/digest3.err" ||
	fail "the refused digest was not said: $(cat "$dir/digest3.err")"
"$py" "$here/mail_check.py" "$dir/mail3.jsonl" "$dir/sup-fi.alerts" kaikki3@kunta.example \
	sup-fi email fi --user lanu --exactly-once --digest critical@08:00 ||
	fail "the digests after a refusal"

# A state file written under another digest severity: its SENT is not trusted, and every
# alert after the cursor goes again (none skipped).
printf '# lanu-notify state 1\nsup-fi\tmailto:kooste@kunta.example\t1\t3\t2\n' \
	> "$dir/changed.state"
variant changed "" "email sup-fi kooste@kunta.example"
timeout 120 "$NOTIFY" -c "$dir/changed.conf" --once --dry-run > "$dir/changed.out" 2>&1 ||
	fail "--dry-run after a digest change: $(tail -3 "$dir/changed.out")"
want=$("$py" -c 'import json, sys; print(sum(1 for l in open(sys.argv[1]) if int(json.loads(l)["seq"]) > 1))' \
	"$dir/sup-fi.alerts")
got=$(grep -c '^sup-fi email kooste@kunta.example a-' "$dir/changed.out" || true)
[ "$got" = "$want" ] || fail "after a digest change $got alerts would go, not $want"

# A digest holds at most 500 alerts: a full one goes before its period ends, and --once
# does not wait for the period with it.
for i in $(seq 1 450); do
	requested "f$i" 1795161600000	# Friday 20.11, 10:00 local
done | ctl send - >/dev/null
ctl clock set 2026-12-10T12:00:00Z >/dev/null	# all missed
variant full "" "email sup-fi kaikki@kunta.example digest critical at 08:00"
timeout 120 "$NOTIFY" -c "$dir/full.conf" --once --dry-run > "$dir/full.out" 2>"$dir/full.err" ||
	fail "--once with a full digest: $(tail -3 "$dir/full.err")"
[ "$(grep -c '^sup-fi email kaikki@kunta.example digest of 500$' "$dir/full.out")" = 1 ] ||
	fail "no full digest of 500: $(grep 'digest of' "$dir/full.out")"
echo "ok: notify-mail"
