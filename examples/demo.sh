#!/usr/bin/env bash
# lanu in a few minutes, on any day: a lanud of its own (state in a temporary directory,
# examples/plans/demo.yaml, a manual clock starting this morning), two pupils asking for
# the school social worker, one urgently; then time moves: the urgent one's limit is
# missed, it is seen late; the other's limit comes near (a warning), and it is seen in
# time. tail, due and compliance are shown as it goes. Nothing is left behind.
#
# Usage: examples/demo.sh [--check] [BUILD_DIR]   (BUILD_DIR: build)
#   --check  no pauses; exit 1 unless the expected alerts were raised (make test runs it)
set -euo pipefail

check=
if [ "${1:-}" = --check ]; then check=1; shift; fi
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
lanud=$build/daemon/lanud
lanuctl=$build/clients/lanuctl
dir=$(mktemp -d "${TMPDIR:-/tmp}/lanu-demo.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "demo: FAIL: $*" >&2; exit 1; }
say() { printf '\n== %s\n' "$*"; }
pause() { [ -n "$check" ] || [ ! -t 0 ] || read -r -p "   (enter to go on) " _; }
run() { printf '$ lanuctl %s\n' "$*"; ctl "$@"; }
ctl() { "$lanuctl" -c "$dir/lanud.conf" -t 10000 "$@"; }
ms() { grep -o "\"$1\":\"[0-9]*\"" | head -n 1 | cut -d'"' -f4; }
at() { date -u -d "@$(($1 / 1000))" +%Y-%m-%dT%H:%M:%SZ; }

# This morning, 09:00 in Helsinki (07:00 or 06:00 UTC).
start=$(TZ=Europe/Helsinki date -d "$(TZ=Europe/Helsinki date +%F) 09:00" +%s)000
cat > "$dir/lanud.conf" <<CONF
ingest    ipc://$dir/lanud.sock
publish   ipc://$dir/lanud-pub.sock
state-dir $dir/state
plan      $src/examples/plans/demo.yaml
clock     manual $start
CONF
"$lanud" -c "$dir/lanud.conf" 2>"$dir/lanud.log" &
pid=$!
ctl status >/dev/null || { cat "$dir/lanud.log" >&2; fail "lanud did not start"; }

say "lanud runs on a manual clock: it is $(at "$start"), this morning"
run status
pause

say "Two pupils ask for the school social worker; pupil-b's need is urgent"
request() {	# request CASE URGENCY
	printf '{"eventId": "demo-%s", "producer": "demo-school", "occurredAtMs": "%s", '\
'"serviceRequested": {"caseId": "%s", "service": "school-social-worker", '\
'"area": "example-school", "urgency": "%s", "requestedAtMs": "%s"}}\n' \
		"$1" "$start" "$1" "$2" "$start"
}
{ request pupil-a URGENCY_NORMAL; request pupil-b URGENCY_URGENT; } > "$dir/requests.jsonl"
run send "$dir/requests.jsonl"
run due
ctl due --json > "$dir/due.json"
urgent_due=$(grep '"pupil-b"' "$dir/due.json" | ms dueAtMs)
normal_due=$(grep '"pupil-a"' "$dir/due.json" | ms dueAtMs)
normal_warn=$(grep '"pupil-a"' "$dir/due.json" | ms warnAtMs)
[ -n "$urgent_due" ] && [ -n "$normal_due" ] && [ -n "$normal_warn" ] ||
	fail "due did not list both clocks: $(cat "$dir/due.json")"
pause

say "Time passes: $(at $((urgent_due + 1000))), just after pupil-b's limit"
run clock set $((urgent_due + 1000))
run tail --recipient supervisors --no-follow
pause

say "pupil-b is seen the next morning, late: the miss is resolved"
provided() {	# provided CASE AT
	printf '{"eventId": "demo-%s-seen", "producer": "demo-school", "occurredAtMs": "%s", '\
'"serviceProvided": {"caseId": "%s", "service": "school-social-worker", '\
'"area": "example-school", "providedAtMs": "%s"}}\n' "$1" "$2" "$1" "$2"
}
seen_b=$((urgent_due + 9 * 3600 * 1000))
run clock set "$seen_b"
provided pupil-b "$seen_b" > "$dir/seen-b.jsonl"
run send "$dir/seen-b.jsonl"
pause

say "$(at $((normal_warn + 1000))): two working days before pupil-a's limit, a warning"
run clock set $((normal_warn + 1000))
run tail --recipient supervisors --no-follow
run due
pause

say "pupil-a is seen the next day, in time"
seen_a=$((normal_warn + 9 * 3600 * 1000))
run clock set "$seen_a"
provided pupil-a "$seen_a" > "$dir/seen-a.jsonl"
run send "$dir/seen-a.jsonl"
run compliance --service school-social-worker
run open

# What the demo must have shown: a miss and its resolution for pupil-b, a warning for
# pupil-a, and one limit met, one missed.
alerts=$(ctl tail --recipient supervisors --no-follow --json)
for want in DEADLINE_MISSED:pupil-b RESOLVED:pupil-b DEADLINE_WARNING:pupil-a; do
	echo "$alerts" | grep -q "\"kind\":\"ALERT_KIND_${want%%:*}\".*\"subject\":\"case:${want#*:}\"" ||
		fail "no ${want%%:*} alert for ${want#*:}"
done
echo "$alerts" | grep -q '"kind":"ALERT_KIND_DEADLINE_MISSED".*"subject":"case:pupil-a"' &&
	fail "pupil-a, seen in time, was reported missed"
echo
echo "demo: done (lanud's state was in $dir, now removed)"
