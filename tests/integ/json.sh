#!/usr/bin/env bash
# Scripts' view of lanuctl: what `send` prints and every --json output parse as the
# lanu.v1 message each is documented to be (man/lanuctl.1) with a standard protobuf
# JSON parser, google.protobuf.json_format, the project's .proto compiled by protoc at
# test time (tests/integ/json_check.py; Debian: python3-protobuf, protobuf-compiler).
# A real lanud on a manual clock with the Seinäjoki plan and the examples' events.
set -euo pipefail

LANUD=$1
LANUCTL=$2
SRC=$3
. "$(dirname "$0")/lib.sh"
integ_begin json
command -v protoc >/dev/null || fail "protoc is not installed (Debian: protobuf-compiler)"
# Debian's python3-protobuf is the system Python's: a python3 earlier on PATH (pyenv, a
# venv) may not have it.
py=""
for p in python3 /usr/bin/python3; do
	"$p" -c 'import google.protobuf' 2>/dev/null && { py=$p; break; }
done
[ -n "$py" ] || fail "google.protobuf is not installed (Debian: python3-protobuf)"

conf=$dir/lanud.conf
mkdir "$dir/backups"
cat > "$conf" <<CONF
ingest     ipc://$dir/in.sock
publish    ipc://$dir/pub.sock
state-dir  $dir/state
backup-dir $dir/backups
clock      manual 2026-11-01T00:00:00Z
CONF
$integ_tied "$LANUD" -c "$conf" 2>>"$dir/lanud.log" &
pid=$!
ctl() { "$LANUCTL" -c "$conf" -t 10000 "$@"; }
ctl status >/dev/null || fail "lanud did not answer: $(cat "$dir/lanud.log")"
out=$dir/out
mkdir "$out"

# --- send: lanud's answers, and lanuctl's own refusals -----------------------------------
ctl plan load "$SRC/examples/plans/seinajoki-2022-2025.yaml" --by coordinator-1 --json \
	>"$out/load.json" || fail "plan load: $(cat "$out/load.json")"
for f in events indicators-2025 measures-2025; do
	ctl send --window 16 "$SRC/examples/$f.jsonl" >"$out/send-$f.json" ||
		fail "send $f: $(cat "$out/send-$f.json")"
done
# A duplicate, one lanud refuses, one not JSON, one with an unknown member, a bad enum.
{
	head -n 1 "$SRC/examples/events.jsonl"
	echo '{"eventId": "j-1", "producer": "json-test", "occurredAtMs": "1767261600000", "serviceRequested": {"caseId": "c-1", "service": "no-such-service", "area": "seinajoki", "urgency": "URGENCY_NORMAL", "requestedAtMs": "1767261600000"}}'
	echo '{"eventId": "j-2",'
	echo '{"eventId": "j-3", "producer": "json-test", "occurredAtMs": "1", "colour": "red"}'
	echo '{"eventId": "j-4", "producer": "json-test", "occurredAtMs": "1", "serviceRequested": {"caseId": "c-4", "service": "school-social-worker", "area": "seinajoki", "urgency": "SOON", "requestedAtMs": "1"}}'
} >"$dir/bad.jsonl"
rc=0
ctl send --window 4 "$dir/bad.jsonl" >"$out/send-bad.json" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "send of refused lines: exit $rc, want 1"
codes=$(grep -o '"code":"[A-Z_]*"' "$out/send-bad.json" | cut -d'"' -f4 | tr '\n' ' ')
[ "$codes" = "DUPLICATE REJECTED REJECTED REJECTED REJECTED " ] || fail "send codes: $codes"

# --- every --json output -----------------------------------------------------------------
ctl status --json >"$out/status.json"
ctl open --json >"$out/open.json"
alert=$(grep -o '"alertId":"[^"]*"' "$out/open.json" | head -n 1 | cut -d'"' -f4)
rcpt=$(grep -o '"recipients":\["[^"]*"' "$out/open.json" | head -n 1 | cut -d'"' -f4)
[ -n "$alert" ] && [ -n "$rcpt" ] || fail "no open alert: $(cat "$out/open.json")"
ctl alert "$alert" --json >"$out/alert.json"
ctl tail --recipient "$rcpt" --no-follow --json >"$out/tail.json"
ctl due --json >"$out/due.json"
ctl due --all --limit 3 --json >"$out/due-all.json"
kase=$(grep -o '"caseId":"[^"]*"' "$out/due.json" | head -n 1 | cut -d'"' -f4)
[ -n "$kase" ] || fail "no open clock: $(cat "$out/due.json")"
ctl case "$kase" --json >"$out/case.json"
ctl compliance --service school-social-worker --period 2026 --json >"$out/compliance.json"
ctl compliance --service school-social-worker --period 2026 --by area --json \
	>"$out/compliance-by.json"
ctl compliance --thl=2026-H1 --json >"$out/thl.json"
ctl absences --pupil pupil-7f3a --json >"$out/absences.json"
ctl indicators --json >"$out/indicators.json"
ctl indicators --by area --revisions --json >"$out/indicators-by.json"
ctl measures --json >"$out/measures.json"
ctl measures --history --json >"$out/measures-history.json"
ctl plan show --json >"$out/plan-show.json"
ctl plan history --json >"$out/plan-history.json"
ctl audit --json >"$out/audit.json"
ctl backup json-test.mdb --json >"$out/backup.json"

"$py" "$(dirname "$0")/json_check.py" "$SRC/proto" "$out" \
	Reply=load.json Reply*=send-events.json Reply*=send-indicators-2025.json \
	Reply*=send-measures-2025.json Reply*=send-bad.json Status=status.json \
	Alert*=open.json Alert=alert.json Alert*=tail.json Clock*=due.json \
	Clock*=due-all.json ClockList=case.json \
	ComplianceReport=compliance.json ComplianceReport=compliance-by.json \
	ComplianceReport=thl.json AbsenceReport=absences.json \
	IndicatorReport=indicators.json IndicatorReport=indicators-by.json \
	MeasureReport=measures.json MeasureReport=measures-history.json \
	PlanVersion=plan-show.json PlanHistory=plan-history.json AuditRecord*=audit.json \
	BackupResult=backup.json || fail "lanuctl printed JSON that is not its message"
echo "json: every output parses"
