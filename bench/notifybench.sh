#!/usr/bin/env bash
# notifybench: how fast lanu-notify hands alerts over (make bench-notify). A benchmark,
# not a test: it prints figures and exits 0 whatever they are (non-zero only if
# something failed). N deadline misses go to one recipient; lanu-notify --once then
# delivers them, with a fresh state file each time, to
#   webhook      one webhook (tests/integ/webhook_server.py: Python's one-thread HTTP
#                server, so the figure is mostly the server's)
#   2 webhooks   two webhooks of the recipient, side by side
#   slow+fast    a webhook answering in 50 ms beside a fast one: when the fast one is done
#   e-mail       one address through aiosmtpd (tests/integ/smtp_server.py) with STARTTLS
#                and AUTH required: one message per alert
#   digest       the same address with `digest critical`: every alert waits for a digest
#                (500 at most each); run again the next day, when the period has ended
# and reports alerts/s and lanu-notify's peak RSS.
# Usage: notifybench.sh [-n N] [BUILD_DIR]   (default N 1000, BUILD_DIR build)
set -euo pipefail

n=1000
if [ "${1:-}" = -n ]; then n=$2; shift 2; fi
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
lanud=$build/daemon/lanud
lanuctl=$build/clients/lanuctl
notify=$build/clients/lanu-notify
py=/usr/bin/python3
dir=$(mktemp -d "${TMPDIR:-/tmp}/notifybench.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }

cat > "$dir/plan.yaml" <<'PLAN'
lanu-plan: 1
plan: {id: notifybench, organiser: Bench, title: Notify bench plan, period: 2026-2029}
areas:
  - {id: north, name: {fi: Pohjoinen, sv: Norra, en: North}, kind: area}
recipients:
  - {id: board, name: {fi: Lautakunta, sv: Nämnden, en: The board}, kind: supervisor}
services:
  - {id: svc, name: {fi: Koulukuraattori, sv: Skolkurator, en: School social worker}, limits: {normal: 7 working days}}
routes:
  - {kinds: deadline-missed, to: board}
PLAN
cat > "$dir/lanud.conf" <<CONF
ingest ipc://$dir/in.sock
publish ipc://$dir/pub.sock
state-dir $dir/state
plan $dir/plan.yaml
clock manual 2026-11-02T08:00:00Z
CONF
ctl() { "$lanuctl" -c "$dir/lanud.conf" -t 600000 "$@"; }
"$lanud" -c "$dir/lanud.conf" 2>"$dir/lanud.log" &
pids="$pids $!"
ctl status >/dev/null
for i in $(seq 1 "$n"); do
	printf '{"eventId": "m%s", "producer": "b", "occurredAtMs": "1793606400000", '\
'"deadlineMissed": {"caseId": "c-%s", "service": "svc", "area": "north", '\
'"dueAtMs": "1793606000000"}}\n' "$i" "$i"
done > "$dir/events"
ctl send "$dir/events" >/dev/null

web() {	# web NAME DELAY: a webhook server, its port in $port
	"$py" "$src/tests/integ/webhook_server.py" "$dir/$1.port" "$dir/$1.log" 0 "$2" &
	pids="$pids $!"
	for _ in $(seq 1 200); do [ -s "$dir/$1.port" ] && break; sleep 0.05; done
	port=$(cat "$dir/$1.port")
}
web a 0
pa=$port
web b 0
pb=$port
web slow 0.05
ps=$port
web fast 0
pf=$port
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$dir/smtp.key" -out "$dir/smtp.crt" 2>/dev/null
"$py" "$src/tests/integ/smtp_server.py" --port-file "$dir/smtp.port" --out "$dir/mail.jsonl" \
	--tls-cert "$dir/smtp.crt" --tls-key "$dir/smtp.key" --auth 'bench:pw' 2>/dev/null &
pids="$pids $!"
for _ in $(seq 1 200); do [ -s "$dir/smtp.port" ] && break; sleep 0.05; done
printf 'bench\npw\n' > "$dir/cred"
chmod 600 "$dir/cred"
mail="smtp smtp://127.0.0.1:$(cat "$dir/smtp.port")
smtp-ca-file $dir/smtp.crt
smtp-credentials $dir/cred
mail-from lanu@bench.example"

run() {	# run NAME CONFIG-LINES...: lanu-notify --once, timed
	local name=$1 t0 t1 rss
	shift
	{ printf 'lanud-conf %s\nstate %s/%s.state\n' "$dir/lanud.conf" "$dir" "$name"
	  printf '%s\n' "$@"; } > "$dir/$name.conf"
	t0=$(now_ms)
	/usr/bin/time -f %M -o "$dir/$name.rss" "$notify" -c "$dir/$name.conf" --once \
		2>"$dir/$name.err"
	t1=$(now_ms)
	rss=$(tail -1 "$dir/$name.rss")
	printf '%-12s %6d alerts  %7d ms  %8.0f alerts/s  peak RSS %6d KiB\n' "$name" "$n" \
		$((t1 - t0)) "$(echo "$n * 1000 / ($t1 - $t0 + 1)" | bc -l)" "$rss"
}
echo "lanu-notify --once, $n alerts to one recipient (2 vCPU; the servers are Python's)"
run webhook "webhook board http://127.0.0.1:$pa/"
run 2-webhooks "webhook board http://127.0.0.1:$pa/x" "webhook board http://127.0.0.1:$pb/x"
# slow+fast: --once ends with the slow one; the fast one's end is read from its log
t0=$(now_ms)
run slow+fast "webhook board http://127.0.0.1:$ps/" "webhook board http://127.0.0.1:$pf/"
fast_done=$("$py" -c 'import os, sys; print(int(os.path.getmtime(sys.argv[1]) * 1000))' \
	"$dir/fast.log")
echo "             the fast webhook had all $n after $((fast_done - t0)) ms (the slow one" \
	"answers in 50 ms)"
run e-mail "$mail" "email board styrelse@bench.example lang sv"
digests() { grep -c kooste "$dir/mail.jsonl" || true; }
run digest "$mail" "email board kooste@bench.example digest critical at 08:00"
d1=$(digests)
ctl clock set 2026-11-03T08:00:00Z >/dev/null
run digest-due "$mail" "email board kooste@bench.example digest critical at 08:00"
echo "             digest (no period ended): $d1 full digest(s) of 500 sent, any rest" \
	"held; digest-due (the next day): $(( $(digests) - d1 )) digest(s) for all $n"
