#!/usr/bin/env bash
# lanu-notify (docs/notify.md): alerts raised in lanud reach every recipient's webhooks
# once, in order, with the idempotency key and a valid signature; a failing webhook is
# retried, then gets everything in order; kill -9 in a burst and a restart lose nothing;
# --dry-run sends nothing; --check-config reports every bad line.
set -euo pipefail

LANUD=$1
LANUCTL=$2
NOTIFY=$3
here=$(dirname "$0")
. "$here/lib.sh"
integ_begin notify

cat > "$dir/plan.yaml" <<'PLAN'
lanu-plan: 1
plan: {id: notify, organiser: Test, title: Notify test plan, period: 2026-2029}
areas:
  - {id: north, name: North, kind: area}
  - {id: south, name: South, kind: area}
recipients:
  - {id: sup-n, name: Supervisor North, kind: supervisor}
  - {id: board, name: Board, kind: supervisor}
services:
  - {id: svc, name: Service, limits: {normal: 7 working days}}
routes:
  - {kinds: deadline-missed, areas: north, to: sup-n}
  - {kinds: deadline-missed, areas: north, to: board}
  - {kinds: deadline-missed, areas: south, to: board}
  - {kinds: delivery-failed, to: board}
PLAN
integ_lanud_conf
integ_lanud

serve() {	# serve NAME FAIL [DELAY]: a webhook server in the background, its port in $port
	$integ_tied python3 "$here/webhook_server.py" "$dir/$1.port" "$dir/$1.log" "$2" "${3:-0}" &
	integ_child $!
	for _ in $(seq 1 100); do
		[ -s "$dir/$1.port" ] && break
		sleep 0.05
	done
	port=$(cat "$dir/$1.port") || fail "server $1 did not start"
	touch "$dir/$1.log"
}
serve a 0
port_a=$port
serve b 3
port_b=$port
printf 's3cret-key\n' > "$dir/secret"
chmod 600 "$dir/secret"
cat > "$dir/notify.conf" <<CONF
# lanu-notify for the test
lanud-conf $dir/lanud.conf
state $dir/notify.state
webhook sup-n http://127.0.0.1:$port_a/n secret-file $dir/secret
webhook board http://127.0.0.1:$port_a/b
webhook board http://127.0.0.1:$port_b/b
CONF
notify() { timeout 120 "$NOTIFY" -c "$dir/notify.conf" "$@"; }

# --check-config: the good file, then every bad line said with its number.
notify --check-config | grep -q "ok, 3 channels for 2 recipients" || fail "check-config"
cat > "$dir/bad.conf" <<CONF
lanud-conf $dir/lanud.conf
state
webhook board ftp://x/
email board not-an-address
colour blue
webhook board http://127.0.0.1:1/ secret-file $dir/nonexistent
CONF
out=$("$NOTIFY" -c "$dir/bad.conf" --check-config 2>&1) && fail "bad.conf passed"
for want in "bad.conf:2: expected a setting" "bad.conf:3: 'ftp://x/' is not an http" \
	    "bad.conf:4: 'not-an-address' is not an e-mail address" \
	    "bad.conf:5: unknown setting 'colour'" "bad.conf:6: secret file" \
	    "no 'state FILE'" "no channel ('webhook RECIPIENT URL'"; do
	echo "$out" | grep -qF "$want" || fail "check-config did not say '$want': $out"
done
chmod 644 "$dir/secret"
out=$("$NOTIFY" -c "$dir/notify.conf" --check-config 2>&1) && fail "0644 secret passed"
echo "$out" | grep -q "readable by others" || fail "0644 secret: $out"
chmod 600 "$dir/secret"

{ missed e1 north; missed e2 south; missed e3 north; } | ctl send - >/dev/null

# --dry-run: prints each (recipient, channel), sends nothing, moves no cursor.
notify --dry-run --once > "$dir/dry" || fail "dry-run failed"
[ "$(grep -c '^sup-n webhook ' "$dir/dry")" = 2 ] || fail "dry-run sup-n: $(cat "$dir/dry")"
[ "$(grep -c '^board webhook ' "$dir/dry")" = 6 ] || fail "dry-run board: $(cat "$dir/dry")"
grep -q '"subject":"case:c-e2"' "$dir/dry" || fail "dry-run has no body"
[ -s "$dir/a.log" ] || [ -s "$dir/b.log" ] && fail "dry-run sent something"
[ -e "$dir/notify.state" ] && fail "dry-run wrote the state"

# --once: everything, once, in order; b fails thrice and is retried.
notify --once 2>"$dir/once.err" || fail "once failed: $(cat "$dir/once.err")"
python3 "$here/webhook_check.py" "$dir/a.log" /n e1,e3 "$dir/secret" || fail "a/n"
python3 "$here/webhook_check.py" "$dir/a.log" /b e1,e2,e3 || fail "a/b"
python3 "$here/webhook_check.py" "$dir/b.log" /b e1,e2,e3 || fail "b/b"
[ "$(grep -c '"status": 500' "$dir/b.log")" = 3 ] || fail "b did not fail thrice"
grep -q "HTTP 500, retrying" "$dir/once.err" || fail "no retry said"
n_a=$(wc -l < "$dir/a.log")
[ "$n_a" = 5 ] || fail "a got $n_a requests, not 5"
# Again: the cursors say all was delivered.
notify --once || fail "second once failed"
[ "$(wc -l < "$dir/a.log")" = 5 ] || fail "a second --once resent"

# Following, a burst, kill -9 in the middle, a restart: every alert arrives.
$integ_tied "$NOTIFY" -c "$dir/notify.conf" 2>"$dir/follow.err" &
notifier=$!
integ_child "$notifier"
list=e1,e3
for i in $(seq 10 39); do missed "e$i" north; list="$list,e$i"; done > "$dir/burst"
ctl send "$dir/burst" >/dev/null &
helper=$!
for _ in $(seq 1 200); do
	[ "$(wc -l < "$dir/a.log")" -ge 20 ] && break
	sleep 0.05
done
kill -9 "$notifier"; wait "$notifier" 2>/dev/null || true
wait "$helper" || fail "send failed"; helper=""
$integ_tied "$NOTIFY" -c "$dir/notify.conf" 2>>"$dir/follow.err" &
notifier=$!
integ_child "$notifier"
missed e40 south | ctl send - >/dev/null
want=$(( 5 + 30 * 2 + 1 ))
for _ in $(seq 1 300); do
	[ "$(grep -c '"status": 200' "$dir/a.log")" -ge "$want" ] &&
		grep -q 'c-e40' "$dir/b.log" && break
	sleep 0.1
done
python3 "$here/webhook_check.py" "$dir/a.log" /n "$list" "$dir/secret" || fail "follow a/n"
python3 "$here/webhook_check.py" "$dir/a.log" /b "e1,e2,e3,${list#e1,e3,},e40" ||
	fail "follow a/b"
python3 "$here/webhook_check.py" "$dir/b.log" /b "e1,e2,e3,${list#e1,e3,},e40" ||
	fail "follow b/b"

# The body is the alert as lanud gives it: what `lanuctl tail --json` prints, nothing more.
ctl tail --recipient board --no-follow --json > "$dir/tail"
python3 - "$dir/a.log" "$dir/tail" <<'PY' || fail "bodies differ from lanuctl tail --json"
import json, sys
sent = {json.loads(l)["body"] for l in open(sys.argv[1]) if json.loads(l)["path"] == "/b"}
tail = {l.rstrip("\n") for l in open(sys.argv[2])}
sys.exit(0 if sent == tail else "sent %d, tail %d, differ: %s" % (len(sent), len(tail),
	 sorted(sent ^ tail)[:2]))
PY

# lanud restarted under a following lanu-notify: the alerts raised after it arrive.
kill "$pid"; wait "$pid" 2>/dev/null || true
$integ_tied "$LANUD" -c "$dir/lanud.conf" 2>>"$dir/lanud.log" &
pid=$!
ctl status >/dev/null || fail "lanud did not answer after the restart"
missed e41 north | ctl send - >/dev/null
for _ in $(seq 1 300); do
	grep -q 'c-e41' "$dir/b.log" && [ "$(grep -c 'c-e41' "$dir/a.log")" -ge 2 ] && break
	sleep 0.1
done
python3 "$here/webhook_check.py" "$dir/a.log" /n "$list,e41" "$dir/secret" ||
	fail "after lanud's restart a/n"
python3 "$here/webhook_check.py" "$dir/b.log" /b "e1,e2,e3,${list#e1,e3,},e40,e41" ||
	fail "after lanud's restart b/b"
kill "$notifier"; wait "$notifier" 2>/dev/null || true; notifier=""

# A channel failing longer than failed-after: lanud is told (DeliveryFailed), raises
# DELIVERY_FAILED to the board's route; when the channel works again, RESOLVED.
serve c 3
cat > "$dir/failing.conf" <<CONF
lanud-conf $dir/lanud.conf
state $dir/failing.state
failed-after 2s
webhook sup-n http://127.0.0.1:$port/c
CONF
timeout 120 "$NOTIFY" -c "$dir/failing.conf" --once 2>"$dir/failing.err" ||
	fail "lanu-notify --once with a failing channel: $(cat "$dir/failing.err")"
grep -q "sup-n webhook: lanud told the channel is failing" "$dir/failing.err" ||
	fail "no DeliveryFailed sent: $(cat "$dir/failing.err")"
grep -q "sup-n webhook: lanud told the channel works again" "$dir/failing.err" ||
	fail "no recovery sent: $(cat "$dir/failing.err")"
ctl tail --all --no-follow --json > "$dir/all.json"
grep '"kind":"ALERT_KIND_DELIVERY_FAILED"' "$dir/all.json" | grep -q '"recipients":\["board"\]' ||
	fail "no DELIVERY_FAILED alert to the board: $(grep -c . "$dir/all.json") alerts"
grep '"kind":"ALERT_KIND_RESOLVED"' "$dir/all.json" | grep -q '"subject":"recipient:sup-n"' ||
	fail "the DELIVERY_FAILED alert was not resolved"

# A slow webhook (2 s an answer) does not hold the recipient's other one up: the fast
# one has the whole log while the slow one is at its first alerts.
kill "$notifier" 2>/dev/null || true; notifier=""
serve slow 0 2
port_slow=$port
serve fast 0
port_fast=$port
cat > "$dir/slow.conf" <<CONF
lanud-conf $dir/lanud.conf
state $dir/slow.state
webhook board http://127.0.0.1:$port_slow/b
webhook board http://127.0.0.1:$port_fast/b
CONF
$integ_tied "$NOTIFY" -c "$dir/slow.conf" 2>"$dir/slow.err" &
notifier=$!
integ_child "$notifier"
want=$(ctl tail --recipient board --no-follow --json | grep -c .)
for _ in $(seq 1 300); do
	[ "$(grep -c . "$dir/fast.log")" -ge "$want" ] && break
	sleep 0.05
done
slow=$(grep -c . "$dir/slow.log" || true)
[ "$(grep -c . "$dir/fast.log")" -ge "$want" ] || fail "the fast webhook did not get all $want"
[ "$slow" -le 5 ] || fail "the slow webhook got $slow of $want meanwhile: they were not apart"
kill "$notifier"; wait "$notifier" 2>/dev/null || true; notifier=""
echo "lanu-notify: ok"
