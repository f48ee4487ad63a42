#!/usr/bin/env bash
# lanuctl backup under load, then a restore (docs/operations.md, "Backup and restore"): a
# producer streams events while lanud copies its store; the copy, put in place of a new
# lanud's state, holds every event acknowledged before the backup was asked for (sent
# again, each is answered DUPLICATE) and exactly the events up to the seq the reply
# names; the producer resending everything brings the rest. Refusals: no backup-dir,
# names outside backup-dir or not file names.
set -euo pipefail

LANUD=$1
LANUCTL=$2
SRC=$3
N=${BACKUP_TEST_EVENTS:-20000}
. "$(dirname "$0")/lib.sh"
integ_begin backup

mkdir -m 0700 "$dir/backups"
conf() {	# conf NAME STATE [extra line]
	cat > "$dir/$1.conf" <<CONF
ingest     ipc://$dir/$1-in.sock
publish    ipc://$dir/$1-pub.sock
state-dir  $2
plan       $SRC/examples/plans/seinajoki-2022-2025.yaml
${3:-}
CONF
}
start() {	# start NAME
	$integ_tied "$LANUD" -c "$dir/$1.conf" 2>>"$dir/$1.log" &
	pid=$!
	"$LANUCTL" -c "$dir/$1.conf" -t 10000 status >/dev/null ||
		{ cat "$dir/$1.log" >&2; fail "lanud ($1) did not answer"; }
}
stop() {
	kill "$pid"
	wait "$pid" || fail "lanud did not stop cleanly"
	pid=""
}

# N service requests, one case each.
now=$(($(date +%s) * 1000))
awk -v n="$N" -v now="$now" 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "{\"eventId\": \"bk-%06d\", \"producer\": \"backup-test\", " \
		       "\"occurredAtMs\": \"%d\", \"serviceRequested\": {\"caseId\": " \
		       "\"case-%06d\", \"service\": \"school-social-worker\", \"area\": " \
		       "\"seinajoki\", \"urgency\": \"URGENCY_NORMAL\", \"requestedAtMs\": " \
		       "\"%d\"}}\n", i, now, i, now
}' > "$dir/events.jsonl"

# --- refusals -------------------------------------------------------------------------
conf a "$dir/state-a"
start a
ctl() { "$LANUCTL" -c "$dir/a.conf" -t 10000 "$@"; }
out=$(ctl backup 2>&1) && fail "a backup without backup-dir was made: $out"
echo "$out" | grep -q "lanud has no backup-dir" || fail "no backup-dir: $out"
stop
conf a "$dir/state-a" "backup-dir $dir/backups"
start a
for bad in ../x /etc/x.mdb .x x.tmp "a b"; do
	out=$(ctl backup "$bad" 2>&1) && fail "backup '$bad' was made"
	echo "$out" | grep -q "REJECTED: backup.name" || fail "backup '$bad': $out"
done
[ -z "$(ls "$dir/backups")" ] || fail "a refused backup left a file"

# --- under load -------------------------------------------------------------------------
: > "$dir/replies"
"$LANUCTL" -c "$dir/a.conf" -t 60000 send --window 64 "$dir/events.jsonl" \
	> "$dir/replies" 2>"$dir/send.err" &
helper=$!
for _ in $(seq 1 300); do	# until a tenth is acknowledged (at most 30 s)
	[ "$(wc -l < "$dir/replies")" -ge $((N / 10)) ] && break
	sleep 0.1
done
# Acknowledged before the backup is asked for: the lines of the replies so far (one
# reply per input line, in input order; the file has no blank lines).
seq 1 "$(wc -l < "$dir/replies")" > "$dir/acked"
acked=$(wc -l < "$dir/acked")
[ "$acked" -gt 0 ] || fail "nothing acknowledged before the backup"
res=$(ctl backup under-load.mdb --json)
wait "$helper" || fail "the sender failed: $(cat "$dir/send.err")"
helper=""
seq_in=$(echo "$res" | grep -o '"eventSeq":"[0-9]*"' | cut -d'"' -f4)
[ -s "$dir/backups/under-load.mdb" ] || fail "no backup file: $res"
[ "$(stat -c %a "$dir/backups/under-load.mdb")" = 600 ] || fail "the backup is not 0600"
ls "$dir/backups" | grep -q '\.tmp$' && fail "a .tmp file was left"
total=$(ctl status --json | grep -o '"events":"[0-9]*"' | cut -d'"' -f4)
[ "$total" = "$N" ] || fail "lanud stored $total of $N events"
last=$(ctl status --json | grep -o '"lastEventSeq":"[0-9]*"' | cut -d'"' -f4)
[ "$last" = "$N" ] || fail "Status.last_event_seq is $last after $N events"
echo "backup: $acked acknowledged before it, the copy holds $seq_in of $N"
[ "$seq_in" -ge "$acked" ] || fail "the copy holds $seq_in events, $acked were acknowledged"
grep -q "backup: $dir/backups/under-load.mdb written" "$dir/a.log" || fail "not logged"
stop

# --- restore ----------------------------------------------------------------------------
mkdir -m 0700 "$dir/state-b"
cp "$dir/backups/under-load.mdb" "$dir/state-b/data.mdb"
conf b "$dir/state-b"
start b
ctl() { "$LANUCTL" -c "$dir/b.conf" -t 10000 "$@"; }
n=$(ctl status --json | grep -o '"events":"[0-9]*"' | cut -d'"' -f4)
[ "$n" = "$seq_in" ] || fail "the restored store holds $n events, the reply said $seq_in"
last=$(ctl status --json | grep -o '"lastEventSeq":"[0-9]*"' | cut -d'"' -f4)
[ "$last" = "$seq_in" ] || fail "the restored store's last event seq is $last, the reply said $seq_in"
# Every event acknowledged before the backup: already there.
awk 'NR == FNR { want[$1] = 1; next } want[FNR]' "$dir/acked" "$dir/events.jsonl" \
	> "$dir/resend.jsonl"
ctl send "$dir/resend.jsonl" > "$dir/resent"
dup=$(grep -c '"code":"DUPLICATE"' "$dir/resent" || true)
[ "$dup" = "$acked" ] ||
	fail "$dup of $acked acknowledged events came back DUPLICATE: $(grep -v DUPLICATE "$dir/resent" | head -3)"
# The producer resends everything: the rest is stored, nothing twice.
ctl send "$dir/events.jsonl" > "$dir/resent"
[ "$(grep -c '"code":"OK"' "$dir/resent" || true)" = $((N - seq_in)) ] ||
	fail "resending all did not store exactly the $((N - seq_in)) missing events"
n=$(ctl status --json | grep -o '"events":"[0-9]*"' | cut -d'"' -f4)
[ "$n" = "$N" ] || fail "after the resend the restored lanud holds $n of $N"
stop
echo "backup: ok"
