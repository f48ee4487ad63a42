#!/usr/bin/env bash
# lanuctl end to end against a real lanud: send (JSON lines, errors naming line and
# field, exit codes), tail (replay, follow, across a lanud restart), ack, open, status.
# Every wait is bounded: lanuctl waits for lanud's reply with -t, `timeout` caps the rest.
set -euo pipefail

LANUD=$1
LANUCTL=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/lanuctl-test.XXXXXX")
pid=""
tailpid=""
cleanup() {
	[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null || true
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$dir/lanud.conf" <<CONF
ingest    ipc://$dir/in.sock
publish   ipc://$dir/pub.sock
state-dir $dir/state
plan      $dir/plan.yaml
CONF
cat > "$dir/plan.yaml" <<'PLAN'
lanu-plan: 1
plan: {id: test, organiser: Test, title: Test plan, period: 2025-2028}
areas:
  - {id: north, name: North, kind: area}
recipients:
  - {id: sup-a, name: Supervisor A, kind: supervisor}
  - {id: board, name: Welfare board, kind: board}
services:
  - {id: svc-a, name: Service A, limits: {normal: 7 working days}}
  - {id: svc-b, name: Service B, limits: {normal: 3 months}}
routes:
  - {kinds: deadline-missed, services: svc-a, to: sup-a}
  - {to: board}
PLAN

start() {
	"$LANUD" -c "$dir/lanud.conf" 2>>"$dir/lanud.log" &
	pid=$!
	"$LANUCTL" -c "$dir/lanud.conf" -t 10000 status >/dev/null || fail "lanud did not answer"
}
ctl() { "$LANUCTL" -c "$dir/lanud.conf" -t 10000 "$@"; }

start
out=$(ctl status)
grep -q "0 stored" <<<"$out" || fail "status: $out"
ctl status --json | grep -q '"version"' || fail "status --json"

# --- send: good lines, a duplicate, and four kinds of bad input ----------------------
cat > "$dir/events.jsonl" <<'JSON'
{"eventId": "e1", "producer": "school-1", "occurredAtMs": "1767261600000", "deadlineMissed": {"caseId": "c-1", "service": "svc-a", "area": "north"}}

{"event_id": "e2", "producer": "school-1", "occurred_at_ms": 1767261600000, "deadline_missed": {"case_id": "c-2", "service": "svc-b", "area": "north"}}
{"eventId": "e1", "producer": "school-1", "occurredAtMs": "1767261600000", "deadlineMissed": {"caseId": "c-1", "service": "svc-a", "area": "north"}}
{"eventId": "e3", "producer": "school-1", "occurredAtMs": "1767261600000", "deadlineMissed": {"caseId": "c-3", "service": "svc-a", "area": "north"
{"eventId": "e4", "producer": "school-1", "occurredAtMs": "1767261600000", "deadlineMissed": {"caseId": "c-4", "service": "svc-a", "area": "north", "colour": "red"}}
{"eventId": "e5", "producer": "school-1", "occurredAtMs": "yesterday", "deadlineMissed": {"caseId": "c-5", "service": "svc-a", "area": "north"}}
{"eventId": "e6", "producer": "school-1", "occurredAtMs": "1767261600000", "serviceRequested": {"caseId": "c-6", "service": "svc-a", "area": "north", "urgency": "SOON", "requestedAtMs": "1"}}
{"eventId": "e7", "producer": "school-1", "occurredAtMs": "1767261600000", "deadlineMissed": {"caseId": "Matti Virtanen", "service": "svc-a", "area": "north"}}
JSON
set +e
ctl send --window 4 "$dir/events.jsonl" >"$dir/send.out" 2>"$dir/send.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "send exit $rc, want 1"
[ "$(wc -l <"$dir/send.out")" -eq 8 ] || fail "send printed $(wc -l <"$dir/send.out") lines, want 8"
codes=$(grep -o '"code":"[A-Z]*"' "$dir/send.out" | cut -d'"' -f4 | tr '\n' ' ')
[ "$codes" = "OK OK DUPLICATE INVALID INVALID INVALID INVALID INVALID " ] || fail "codes: $codes"
grep -q '"line":3' "$dir/send.out" || fail "line numbers: $(cat "$dir/send.out")"
grep -q 'events.jsonl:5: invalid JSON' "$dir/send.err" || fail "no invalid-JSON error: $(cat "$dir/send.err")"
grep -q 'events.jsonl:6: .*colour' "$dir/send.err" || fail "no unknown-field error"
grep -q 'events.jsonl:7: .*occurredAtMs' "$dir/send.err" || fail "no wrong-type error"
grep -q "events.jsonl:8: .*SOON" "$dir/send.err" || fail "no enum error"
grep -q "events.jsonl:9: .*case_id.*pseudonymous" "$dir/send.err" || fail "no id error"

# stdin works too, and a clean run exits 0
echo '{"eventId": "e8", "producer": "school-1", "occurredAtMs": "1", "deadlineMissed": {"caseId": "c-8", "service": "svc-a", "area": "north"}}' |
	ctl send >/dev/null || fail "send from stdin"

# --- tail: replay, then follow across a restart ------------------------------------
ctl tail --recipient sup-a --no-follow --json >"$dir/replay.out"
[ "$(wc -l <"$dir/replay.out")" -eq 2 ] || fail "replay: $(cat "$dir/replay.out")"
grep -q '"seq":"1"' "$dir/replay.out" || fail "replay seq: $(cat "$dir/replay.out")"
ctl tail --recipient board --from 1 --no-follow >"$dir/board.out"
grep -q '^#2 ' "$dir/board.out" || fail "tail --from: $(cat "$dir/board.out")"
! grep -q '^#1 ' "$dir/board.out" || fail "tail --from 1 printed #1"

timeout 60 "$LANUCTL" -c "$dir/lanud.conf" tail --recipient sup-a --from 3 --count 2 --json \
	>"$dir/follow.out" &
tailpid=$!
echo '{"eventId": "f1", "producer": "school-1", "occurredAtMs": "1", "deadlineMissed": {"caseId": "c-f1", "service": "svc-a", "area": "north"}}' | ctl send >/dev/null
kill -TERM "$pid"; wait "$pid"; pid=""
start
echo '{"eventId": "f2", "producer": "school-1", "occurredAtMs": "1", "deadlineMissed": {"caseId": "c-f2", "service": "svc-a", "area": "north"}}' | ctl send >/dev/null
# The follower shows both, in order, without a gap, and exits after two (timeout: 60 s).
wait "$tailpid" || fail "tail did not follow across the restart: $(cat "$dir/follow.out")"
tailpid=""
seqs=$(grep -o '"seq":"[0-9]*"' "$dir/follow.out" | cut -d'"' -f4 | tr '\n' ' ')
[ "$seqs" = "4 5 " ] || fail "followed seqs: $seqs"

# --- ack, open, alert ----------------------------------------------------------------
ctl ack a-1 --by coordinator-1 --note "family called" | grep -q "a-1 acknowledged" || fail "ack"
ctl alert a-1 | grep -q "acknowledged by coordinator-1: family called" || fail "alert a-1"
set +e; ctl ack a-999 --by coordinator-1 2>"$dir/ack.err"; rc=$?; set -e
[ "$rc" -eq 1 ] && grep -q "NOT_FOUND" "$dir/ack.err" || fail "ack of unknown alert: $rc"
open=$(ctl open --recipient sup-a)
! grep -q '^#1 ' <<<"$open" || fail "acked alert still open"
grep -q '^#3 ' <<<"$open" || fail "open: $open"

# --- events name plan objects ----------------------------------------------------------
set +e
echo '{"eventId": "u1", "producer": "school-1", "occurredAtMs": "1", "deadlineMissed": {"caseId": "c-u1", "service": "svc-a", "area": "atlantis"}}' |
	ctl send >"$dir/unknown.out" 2>&1; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "deadline_missed.area" "$dir/unknown.out" || fail "unknown area accepted: $(cat "$dir/unknown.out")"

# --- plan: check, load, history, diff, show --------------------------------------------
ctl status | grep -q "plan           test, version 1" || fail "status has no plan"
ctl plan check "$dir/plan.yaml" | grep -q "ok (1 areas" || fail "plan check of a good plan"
sed 's/{normal: 3 months}/{normal: 2 months}/' "$dir/plan.yaml" >"$dir/plan2.yaml"
printf 'lanu-plan: 1\nplan: {id: Bad}\nfrob: 1\n' >"$dir/bad.yaml"
set +e
ctl plan check "$dir/bad.yaml" 2>"$dir/check.err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "plan check of a bad plan: exit $rc"
grep -q "bad.yaml:3:1: unknown key 'frob'" "$dir/check.err" || fail "check: $(cat "$dir/check.err")"
grep -q "bad.yaml:2:12: plan id 'Bad' is not an id" "$dir/check.err" || fail "check: no id error"
ctl plan load "$dir/plan2.yaml" --dry-run | grep -q "not loaded (dry run)" || fail "dry run"
ctl plan load "$dir/plan2.yaml" --by coordinator-1 | grep -q "version 2 is in force" || fail "load"
ctl plan load "$dir/plan2.yaml" --by coordinator-1 | grep -q "unchanged" || fail "reload same"
set +e
ctl plan load "$dir/bad.yaml" 2>"$dir/load.err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "bad.yaml:3:1: unknown key" "$dir/load.err" || fail "bad load: $rc"
[ "$(ctl plan history | wc -l)" -eq 2 ] || fail "history: $(ctl plan history)"
ctl plan history | grep -q "coordinator-1" || fail "history has no loader"
ctl plan diff 1 2 >"$dir/diff.out"
grep -q '^~ service svc-b: limits\[0\].limit.text: "3 months" -> "2 months"$' "$dir/diff.out" ||
	fail "diff: $(cat "$dir/diff.out")"
ctl plan show | grep -q "svc-b  Service B: normal 2 months" || fail "show"
ctl plan show 1 --json | grep -q '"text":"3 months"' || fail "show 1 --json"
set +e
ctl plan show 9 >/dev/null 2>"$dir/show.err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "no such plan version" "$dir/show.err" || fail "show 9: $rc"
# A plan without svc-b while an open alert (#2) names it: loaded, and the orphan reported.
grep -v "svc-b" "$dir/plan2.yaml" >"$dir/plan3.yaml"
ctl plan load "$dir/plan3.yaml" >"$dir/orphan.out"
grep -q "version 3 is in force" "$dir/orphan.out" &&
	grep -q "warning: open alert a-2 .*names service 'svc-b'" "$dir/orphan.out" ||
	fail "orphans: $(cat "$dir/orphan.out")"
ctl alert a-2 | grep -q "service svc-b" || fail "the orphaned alert is gone"

# --- bad command lines ---------------------------------------------------------------
set +e
ctl tail >/dev/null 2>&1; [ $? -eq 1 ] || fail "tail without recipient"
ctl send --window 0 </dev/null >/dev/null 2>&1; [ $? -eq 1 ] || fail "window 0"
ctl frobnicate >/dev/null 2>&1; [ $? -eq 1 ] || fail "unknown command"
"$LANUCTL" -e "ipc://$dir/nobody.sock" -t 300 status >/dev/null 2>&1; [ $? -eq 2 ] || fail "unreachable"
set -e

kill -TERM "$pid"; wait "$pid"; pid=""
echo "lanuctl.sh: 1 passed, 0 failed"
