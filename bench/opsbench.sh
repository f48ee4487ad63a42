#!/usr/bin/env bash
# opsbench: what the operations features cost (make bench-ops). A benchmark, not a test:
# it prints figures and exits 0 whatever they are (non-zero only if something failed).
#   ingest      N ServiceRequested events sent with lanuctl send (window 256): events/s
#   backup      lanuctl backup of that store: time, bytes (compacted) vs data.mdb
#   under load  another N events while a backup runs: events/s, the backup's time
#   scrape      GET /metrics, 200 times: ms per scrape, page bytes
#   migration   the store turned into a schema-1 store from before retention (subjects
#               and purge emptied, retain_index gone: what 0.1.0's predecessors left),
#               opened by lanud: the one-transaction migration's time, from its log
# Usage: opsbench.sh [-n N] [BUILD_DIR]   (default N 100000, BUILD_DIR build)
set -euo pipefail

n=100000
if [ "${1:-}" = -n ]; then n=$2; shift 2; fi
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
lanud=$build/daemon/lanud
lanuctl=$build/clients/lanuctl
dir=$(mktemp -d "${TMPDIR:-/tmp}/opsbench.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }

cat > "$dir/lanud.conf" <<CONF
ingest     ipc://$dir/in.sock
publish    ipc://$dir/pub.sock
state-dir  $dir/state
plan       $src/examples/plans/seinajoki-2022-2025.yaml
backup-dir $dir/backups
metrics    127.0.0.1:0
map-size   256M
CONF
ctl() { "$lanuctl" -c "$dir/lanud.conf" -t 600000 "$@"; }
start() {
	: > "$dir/lanud.log"
	"$lanud" -c "$dir/lanud.conf" 2>>"$dir/lanud.log" &
	pid=$!
	ctl status >/dev/null
}
stop() { kill "$pid"; wait "$pid"; pid=""; }
events() {	# events FIRST COUNT
	awk -v first="$1" -v n="$2" -v now="$(now_ms)" 'BEGIN {
		for (i = first; i < first + n; i++)
			printf "{\"eventId\": \"ops-%08d\", \"producer\": \"opsbench\", " \
			       "\"occurredAtMs\": \"%d\", \"serviceRequested\": {\"caseId\": " \
			       "\"case-%08d\", \"service\": \"school-social-worker\", \"area\": " \
			       "\"seinajoki\", \"urgency\": \"URGENCY_NORMAL\", \"requestedAtMs\": " \
			       "\"%d\"}}\n", i, now, i, now }'
}
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
field() { grep -o "\"$1\":\"[0-9]*\"" | cut -d'"' -f4; }

events 1 "$n" > "$dir/a.jsonl"
events $((n + 1)) "$n" > "$dir/b.jsonl"
start
port=$(sed -n 's/^metrics: serving .* port \([0-9]*\)$/\1/p' "$dir/lanud.log")

t0=$(now_ms)
ctl send --window 256 "$dir/a.jsonl" > /dev/null
t1=$(now_ms)
printf 'ingest      %d events in %s s: %s events/s\n' "$n" "$(calc "($t1 - $t0) / 1000")" \
	"$(calc "$n * 1000 / ($t1 - $t0)")"

res=$(ctl backup quiet.mdb --json)
printf 'backup      %s ms, %s bytes (data.mdb %s bytes)\n' "$(echo "$res" | field tookMs)" \
	"$(echo "$res" | field bytes)" "$(stat -c %s "$dir/state/data.mdb")"

t0=$(now_ms)
ctl send --window 256 "$dir/b.jsonl" > /dev/null &
sender=$!
sleep 0.2
res=$(ctl backup loaded.mdb --json)
wait "$sender"
t1=$(now_ms)
printf 'under load  %d events in %s s: %s events/s; the backup took %s ms, holds events to #%s\n' \
	"$n" "$(calc "($t1 - $t0) / 1000")" "$(calc "$n * 1000 / ($t1 - $t0)")" \
	"$(echo "$res" | field tookMs)" "$(echo "$res" | field eventSeq)"

t0=$(now_ms)
for _ in $(seq 1 200); do curl -sf "127.0.0.1:$port/metrics" > "$dir/page"; done
t1=$(now_ms)
printf 'scrape      %s ms per GET /metrics (curl included), %d bytes\n' \
	"$(calc "($t1 - $t0) / 200")" "$(stat -c %s "$dir/page")"
stop

# A schema-1 store from before retention: the same records, no subject index.
mdb_dump -a "$dir/state" | awk '
	/^database=/ { skip = ($0 == "database=subjects" || $0 == "database=purge") }
	$0 == " 72657461696e5f696e646578" { getline; next }	# "retain_index" and its value
	$0 == " 736368656d61" { print; getline; print " 0000000000000001"; next }	# schema 1
	/^db_pagesize=/ { next }
	!skip { print }' > "$dir/dump"
rm -rf "$dir/state"
mkdir -m 0700 "$dir/state"
mdb_load -f "$dir/dump" "$dir/state"
rm -f "$dir/dump"
before=$(stat -c %s "$dir/state/data.mdb")
t0=$(now_ms)
start
t1=$(now_ms)
line=$(grep 'migrated from schema 1 to 2' "$dir/lanud.log" || echo "no migration logged")
printf 'migration   %d ms from start to an answer; data.mdb %s -> %s bytes\n            %s\n' \
	$((t1 - t0)) "$before" "$(stat -c %s "$dir/state/data.mdb")" "$line"
ctl status | grep events
stop
