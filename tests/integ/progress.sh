#!/usr/bin/env bash
# lanuctl send shows its progress on a terminal (stderr a terminal, the replies going to
# a file), and nothing when stderr is not one; so does plan load. util-linux's script(1)
# gives them a pty.
set -euo pipefail

LANUD=$1
LANUCTL=$2
SRC=$3
. "$(dirname "$0")/lib.sh"
integ_begin progress
command -v script >/dev/null || fail "script (util-linux) is not installed"

printf 'ingest ipc://%s/in.sock\npublish ipc://%s/pub.sock\nstate-dir %s/state\nplan %s\nclock manual 2026-11-02T08:00:00Z\n' \
	"$dir" "$dir" "$dir" "$SRC/examples/plans/demo.yaml" > "$dir/lanud.conf"
$integ_tied "$LANUD" -c "$dir/lanud.conf" 2>"$dir/lanud.log" &
pid=$!
"$LANUCTL" -c "$dir/lanud.conf" status >/dev/null || fail "lanud did not answer"
awk 'BEGIN { for (i = 1; i <= 20000; i++)
	printf "{\"eventId\": \"p-%d\", \"producer\": \"t\", \"occurredAtMs\": \"1793606400000\", " \
	       "\"serviceRequested\": {\"caseId\": \"c-%d\", \"service\": \"school-social-worker\", " \
	       "\"area\": \"example-school\", \"urgency\": \"URGENCY_NORMAL\", " \
	       "\"requestedAtMs\": \"1793606400000\"}}\n", i, i }' > "$dir/events.jsonl"

# On a terminal: "FILE: N answered (P %)" lines, cleared at the end.
script -qec "'$LANUCTL' -c '$dir/lanud.conf' send --window 8 '$dir/events.jsonl' > '$dir/replies'" \
	"$dir/typescript" > /dev/null
[ "$(wc -l < "$dir/replies")" = 20000 ] || fail "not one reply per line"
grep -aq "events.jsonl: [0-9]* answered ([0-9]* %)" "$dir/typescript" ||
	fail "no progress on a terminal: $(tr '\r' '\n' < "$dir/typescript" | tail -3)"
# Piped: nothing on stderr.
head -n 2000 "$dir/events.jsonl" | sed 's/"p-/"q-/; s/"c-/"d-/' > "$dir/more.jsonl"
"$LANUCTL" -c "$dir/lanud.conf" send "$dir/more.jsonl" > "$dir/replies" 2> "$dir/err"
[ ! -s "$dir/err" ] || fail "progress when not on a terminal: $(head -c 200 "$dir/err")"
# A plan load says what it waits for, on a terminal, and clears it.
script -qec "'$LANUCTL' -c '$dir/lanud.conf' plan load --dry-run '$SRC/examples/plans/seinajoki-2022-2025.yaml'" \
	"$dir/typescript" > /dev/null
grep -aq "seinajoki-2022-2025.yaml: checking ([0-9]* KB)\.\.\." "$dir/typescript" ||
	fail "plan load shows nothing on a terminal"
grep -aq "valid (.*); not loaded (dry run)" "$dir/typescript" || fail "plan load's answer"
"$LANUCTL" -c "$dir/lanud.conf" plan load --dry-run \
	"$SRC/examples/plans/seinajoki-2022-2025.yaml" > /dev/null 2> "$dir/err"
[ ! -s "$dir/err" ] || fail "plan load writes to a stderr that is no terminal"
echo "progress: ok"
