#!/usr/bin/env bash
# lanud's metrics endpoint (docs/operations.md, "Monitoring"): the page passes
# `promtool check metrics` (Debian's prometheus package); its counters move with the
# events and alerts sent; /healthz answers ok; other paths 404 and methods 501; the
# endpoint is off without `metrics` in lanud.conf; a reload keeps the running map-max.
set -euo pipefail

LANUD=$1
LANUCTL=$2
SRC=$3
. "$(dirname "$0")/lib.sh"
integ_begin metrics
command -v promtool >/dev/null || fail "promtool is not installed (Debian: prometheus)"
command -v curl >/dev/null || fail "curl is not installed"

cat > "$dir/lanud.conf" <<CONF
ingest    ipc://$dir/in.sock
publish   ipc://$dir/pub.sock
state-dir $dir/state
plan      $SRC/examples/plans/seinajoki-2022-2025.yaml
metrics   127.0.0.1:0
CONF
ctl() { "$LANUCTL" -c "$dir/lanud.conf" -t 10000 "$@"; }
$integ_tied "$LANUD" -c "$dir/lanud.conf" 2>"$dir/lanud.log" &
pid=$!
ctl status >/dev/null || fail "lanud did not answer"
port=$(sed -n 's/^metrics: serving \/metrics and \/healthz on 127.0.0.1 port \([0-9]*\)$/\1/p' \
	"$dir/lanud.log")
[ -n "$port" ] || { cat "$dir/lanud.log" >&2; fail "lanud did not say its metrics port"; }
url=http://127.0.0.1:$port

scrape() {
	curl -sf "$url/metrics" > "$dir/page" || fail "GET /metrics failed"
	promtool check metrics < "$dir/page" > "$dir/lint" 2>&1 ||
		fail "promtool check metrics: $(cat "$dir/lint")"
}
value() {	# the value of the sample named $1 (with its labels, exactly) in the last page
	awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "none" }' \
		"$dir/page"
}

scrape
[ "$(value 'lanu_events_total{kind="service_requested",code="ok"}')" = 0 ] ||
	fail "events counted before any was sent"
version=$("$LANUD" --version | cut -d' ' -f2)
[ "$(value "lanu_build_info{version=\"$version\",schema=\"2\"}")" = 1 ] || fail "no build info"
[ "$(value lanu_plan_version)" = 1 ] || fail "plan version: $(value lanu_plan_version)"
grep -q '^# TYPE lanu_commit_seconds histogram$' "$dir/page" || fail "no commit histogram"

ctl send "$SRC/examples/events.jsonl" >/dev/null
ctl send "$SRC/examples/events.jsonl" >/dev/null	# again: duplicates
echo '{"eventId": "m-1", "producer": "metrics-test", "occurredAtMs": "1767261600000", "serviceRequested": {"caseId": "c-1", "service": "no-such-service", "area": "seinajoki", "urgency": "URGENCY_NORMAL", "requestedAtMs": "1767261600000"}}' \
	> "$dir/bad.jsonl"
ctl send "$dir/bad.jsonl" >/dev/null 2>&1 || true
scrape
[ "$(value 'lanu_events_total{kind="service_requested",code="ok"}')" = 1 ] ||
	fail "service_requested ok: $(value 'lanu_events_total{kind="service_requested",code="ok"}')"
[ "$(value 'lanu_events_total{kind="service_requested",code="duplicate"}')" = 1 ] ||
	fail "service_requested duplicate not counted"
[ "$(value 'lanu_events_total{kind="service_requested",code="rejected"}')" = 1 ] ||
	fail "service_requested rejected not counted"
[ "$(value 'lanu_events_total{kind="deadline_missed",code="ok"}')" = 2 ] ||
	fail "deadline_missed ok: $(value 'lanu_events_total{kind="deadline_missed",code="ok"}')"
[ "$(value 'lanu_alerts_raised_total{kind="deadline_missed",severity="critical"}')" = 2 ] ||
	fail "alerts raised not counted"
[ "$(value lanu_events_stored)" = 3 ] || fail "events stored: $(value lanu_events_stored)"
[ "$(value lanu_event_last_seq)" = 3 ] || fail "last event seq: $(value lanu_event_last_seq)"
[ "$(value lanu_alerts_open)" = 2 ] || fail "open alerts: $(value lanu_alerts_open)"
[ "$(value lanu_batch_requests_count)" -ge 2 ] || fail "batches not counted"
[ "$(value lanu_commit_seconds_count)" = "$(value lanu_batch_requests_count)" ] ||
	fail "a commit without its batch"
[ "$(value lanu_store_map_used_bytes)" -gt 0 ] || fail "map used is 0"

# A live subscription is counted, and its end too.
"$LANUCTL" -c "$dir/lanud.conf" tail --recipient supervisors-special-services >/dev/null 2>&1 &
tailer=$!
for _ in $(seq 1 50); do
	scrape
	[ "$(value lanu_subscriptions)" = 1 ] && break
	sleep 0.1
done
[ "$(value lanu_subscriptions)" = 1 ] || fail "subscriptions: $(value lanu_subscriptions)"
kill "$tailer"
wait "$tailer" 2>/dev/null || true
for _ in $(seq 1 50); do
	scrape
	[ "$(value lanu_subscriptions)" = 0 ] && break
	sleep 0.1
done
[ "$(value lanu_subscriptions)" = 0 ] || fail "a dropped subscription is still counted"

[ "$(curl -s "$url/healthz")" = ok ] || fail "/healthz is not ok"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/nothing")" = 404 ] || fail "not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/metrics")" = 501 ] || fail "POST taken"

# A reload keeps what takes effect only at a restart: the page still says the running
# map-max, and a second reload says the change is pending again.
scrape
max=$(value lanu_store_map_max_bytes)
echo "map-max 512M" >> "$dir/lanud.conf"
for i in 1 2; do
	kill -HUP "$pid"
	for _ in $(seq 1 50); do
		[ "$(grep -c 'take effect at the next restart' "$dir/lanud.log")" -ge "$i" ] && break
		sleep 0.1
	done
	[ "$(grep -c 'take effect at the next restart' "$dir/lanud.log")" = "$i" ] ||
		fail "reload $i did not say map-max waits for a restart: $(tail -3 "$dir/lanud.log")"
done
scrape
[ "$(value lanu_store_map_max_bytes)" = "$max" ] ||
	fail "after a reload the page says map-max $(value lanu_store_map_max_bytes), not $max"
kill "$pid"
wait "$pid" || fail "lanud did not stop cleanly"
pid=""

# Off without the setting: nothing listens, nothing said.
sed -i '/^metrics/d' "$dir/lanud.conf"
$integ_tied "$LANUD" -c "$dir/lanud.conf" 2>"$dir/lanud.log" &
pid=$!
ctl status >/dev/null || fail "lanud did not answer"
grep -q "^metrics: serving" "$dir/lanud.log" && fail "metrics served without the setting"
echo "metrics: ok"
