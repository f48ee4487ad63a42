#!/usr/bin/env bash
# future-skew (docs/configuration.md): an event whose instants are ahead of lanud's clock
# by more than it allows is REJECTED naming the instant; within it, taken. The default
# (1h on the system clock, off on a manual one) and a configured skew on a manual clock.
set -euo pipefail

LANUD=$1
LANUCTL=$2
SRC=$3
. "$(dirname "$0")/lib.sh"
integ_begin skew
start() {	# start [extra conf line]
	[ -n "$pid" ] && { kill "$pid"; wait "$pid"; pid=""; }
	rm -rf "$dir/state"
	printf 'ingest ipc://%s/in.sock\npublish ipc://%s/pub.sock\nstate-dir %s/state\nplan %s\n%s\n' \
		"$dir" "$dir" "$dir" "$SRC/examples/plans/demo.yaml" "${1:-}" > "$dir/lanud.conf"
	$integ_tied "$LANUD" -c "$dir/lanud.conf" 2>>"$dir/lanud.log" &
	pid=$!
	ctl status >/dev/null || fail "lanud did not answer"
}
ctl() { "$LANUCTL" -c "$dir/lanud.conf" -t 10000 "$@"; }
request() {	# request ID OCCURRED REQUESTED: one ServiceRequested, its reply
	printf '{"eventId": "%s", "producer": "skew-test", "occurredAtMs": "%s", '\
'"serviceRequested": {"caseId": "c-%s", "service": "school-social-worker", "area": '\
'"example-school", "urgency": "URGENCY_NORMAL", "requestedAtMs": "%s"}}\n' "$1" "$2" "$1" "$3" |
		ctl send - || true
}
expect() {	# expect REPLY CODE [FIELD]
	echo "$1" | grep -q "\"code\":\"$2\"" || fail "expected $2, got $1"
	[ -z "${3:-}" ] || echo "$1" | grep -q "\"field\":\"$3\"" || fail "expected field $3: $1"
}

now=$(($(date +%s) * 1000))
year=$((365 * 86400 * 1000))

# The system clock, the default skew of an hour.
start
expect "$(request e1 $((now + year)) "$now")" REJECTED event.occurred_at_ms
expect "$(request e2 "$now" $((now + year)))" REJECTED event.service_requested.requested_at_ms
expect "$(request e3 $((now + 2 * 3600 * 1000)) "$now")" REJECTED event.occurred_at_ms
expect "$(request e4 $((now + 30 * 60 * 1000)) $((now + 30 * 60 * 1000)))" OK
# Refused changed nothing: the same id, dated right, is taken.
expect "$(request e1 "$now" "$now")" OK
grep -q "is ahead of lanud's clock by more than its future-skew allows" "$dir/lanud.log" ||
	fail "the refusal is not logged"

# A manual clock: off by default (a script dates events ahead, then moves the clock) ...
start "clock manual 2026-11-01T00:00:00Z"
t=1793491200000	# 2026-11-01T00:00:00Z
expect "$(request e1 $((t + year)) $((t + year)))" OK
# ... unless configured.
start "clock manual 2026-11-01T00:00:00Z
future-skew 2d"
expect "$(request e1 $((t + 3 * 86400 * 1000)) "$t")" REJECTED event.occurred_at_ms
expect "$(request e2 $((t + 86400 * 1000)) $((t + 86400 * 1000)))" OK
ctl clock set 2026-11-10T00:00:00Z >/dev/null
expect "$(request e1 $((t + 3 * 86400 * 1000)) "$t")" OK	# now within it

# A bad setting is refused with the line.
printf 'future-skew 1w\n' >> "$dir/lanud.conf"
out=$("$LANUD" --check-config -c "$dir/lanud.conf" 2>&1) && fail "future-skew 1w was taken"
echo "$out" | grep -q "future-skew '1w' is not a span (30s, 15m, 1h, 2d) or 'off'" ||
	fail "future-skew 1w: $out"
echo "skew: ok"
