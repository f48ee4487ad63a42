#!/usr/bin/env bash
# tail --unrouted and --all (docs/protocol.md, replay): the alerts no route matched, and
# every alert, from the log, followed by asking it again; refused with recipients too,
# and to a subscriber's key (tcp:// keys are tested in integ.auth: here the wire's rule).
set -euo pipefail

LANUD=$1
LANUCTL=$2
. "$(dirname "$0")/lib.sh"
integ_begin unrouted

cat > "$dir/plan.yaml" <<'PLAN'
lanu-plan: 1
plan: {id: unrouted, organiser: Test, title: Unrouted test plan, period: 2026-2029}
areas:
  - {id: north, name: North, kind: area}
  - {id: south, name: South, kind: area}
recipients:
  - {id: sup-n, name: Supervisor North, kind: supervisor}
services:
  - {id: svc, name: Service, limits: {normal: 7 working days}}
routes:
  - {kinds: deadline-missed, areas: north, to: sup-n}
PLAN
integ_lanud_conf
integ_lanud
{ missed e1 north; missed e2 south; missed e3 north; } | ctl send - >/dev/null

ctl tail --unrouted --no-follow --json > "$dir/unrouted"
[ "$(wc -l < "$dir/unrouted")" = 1 ] || fail "unrouted: $(cat "$dir/unrouted")"
grep -q '"subject":"case:c-e2"' "$dir/unrouted" || fail "the unrouted one is not e2's"
ctl tail --all --no-follow --json > "$dir/all"
[ "$(wc -l < "$dir/all")" = 3 ] || fail "all: $(cat "$dir/all")"
ctl tail --recipient sup-n --no-follow --json | wc -l | grep -qx 2 || fail "sup-n's two"

# Following: a new unrouted alert shows within the poll.
"$LANUCTL" -c "$dir/lanud.conf" tail --unrouted --json > "$dir/followed" 2>&1 &
helper=$!
sleep 0.5
missed e4 south | ctl send - >/dev/null
for _ in $(seq 1 50); do
	[ "$(wc -l < "$dir/followed")" -ge 2 ] && break
	sleep 0.1
done
grep -q '"subject":"case:c-e4"' "$dir/followed" || fail "following missed e4: $(cat "$dir/followed")"
kill "$helper"; wait "$helper" 2>/dev/null || true; helper=""

# One of recipients, --unrouted, --all.
out=$(ctl tail --unrouted --recipient sup-n --no-follow 2>&1) && fail "both taken"
echo "$out" | grep -q "one of them" || fail "both: $out"
echo "tail --unrouted: ok"
