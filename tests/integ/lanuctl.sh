#!/usr/bin/env bash
# lanuctl end to end against a real lanud: send (JSON lines, errors naming line and
# field, exit codes), tail (replay, follow, across a lanud restart), ack, open, status,
# plan; then due and compliance against a second lanud on a manual clock.
# Every wait is bounded: lanuctl waits for lanud's reply with -t, `timeout` caps the rest.
set -euo pipefail
# English headers and texts, whatever the caller's locale (one check below sets fi's)
unset LC_ALL LC_MESSAGES
export LANG=C

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

conf=$dir/lanud.conf
cat > "$conf" <<CONF
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
	"$LANUD" -c "$conf" 2>>"$dir/lanud.log" &
	pid=$!
	"$LANUCTL" -c "$conf" -t 10000 status >/dev/null || fail "lanud did not answer"
}
ctl() { "$LANUCTL" -c "$conf" -t 10000 "$@"; }
# Exits 1 with a message on stderr that contains $1: ctl_refused TEXT ARGS...
ctl_refused() {
	local want=$1 rc=0
	shift
	ctl "$@" >/dev/null 2>"$dir/refused.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "lanuctl $*: exit $rc, want 1"
	grep -qF -- "$want" "$dir/refused.err" || fail "lanuctl $*: $(cat "$dir/refused.err")"
}

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
[ "$codes" = "OK OK DUPLICATE REJECTED REJECTED REJECTED REJECTED REJECTED " ] ||
	fail "codes: $codes"
grep -q '"line":' "$dir/send.out" && fail "a member that is no Reply field: $(cat "$dir/send.out")"
# Local refusals are Replies: the line in the reason, the member at fault in field.
sed -n 4p "$dir/send.out" | grep -q '"reason":"line 5: invalid JSON.*"field":"line"' ||
	fail "bad JSON: $(sed -n 4p "$dir/send.out")"
sed -n 5p "$dir/send.out" | grep -q '"field":"deadlineMissed.colour"' ||
	fail "unknown field: $(sed -n 5p "$dir/send.out")"
sed -n 6p "$dir/send.out" | grep -q '"field":"occurredAtMs"' ||
	fail "wrong type: $(sed -n 6p "$dir/send.out")"
sed -n 7p "$dir/send.out" | grep -q '"field":"serviceRequested.urgency"' ||
	fail "enum: $(sed -n 7p "$dir/send.out")"
sed -n 8p "$dir/send.out" | grep -q '"reason":"line 9: .*"field":"deadline_missed.case_id"' ||
	fail "id: $(sed -n 8p "$dir/send.out")"
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
grep -q '^    to: Supervisor A' <<<"$open" || fail "open: recipients by name: $open"
ctl --ids open --recipient sup-a >"$dir/open.out"
grep -q '^    to: sup-a' "$dir/open.out" || fail "open --ids: $(cat "$dir/open.out")"
ctl tail --recipient sup-a --no-follow --count 1 >"$dir/tail.out"
grep -q '^    to: Supervisor A' "$dir/tail.out" || fail "tail: names: $(cat "$dir/tail.out")"
# a second acknowledgement: the same person's again is done (exit 0), another's is
# refused (exit 1); both say who acknowledged it first, and when. The first one stands.
ctl ack a-1 --by coordinator-1 >"$dir/ack2.out" || fail "the same ack again: exit $?"
grep -q '^a-1 was acknowledged by coordinator-1 at 20[0-9-]*T[0-9:]*Z (already)$' "$dir/ack2.out" ||
	fail "the same ack again: $(cat "$dir/ack2.out")"
ctl_refused "lanuctl: DUPLICATE: event.alert_acknowledged.alert_id: a-1 was acknowledged by coordinator-1 at 20" \
	ack a-1 --by coordinator-2
ctl alert a-1 | grep -q "acknowledged by coordinator-1: family called" || fail "the first ack stands"
ctl_refused "lanuctl: event.alert_acknowledged.by is not a pseudonymous id ([A-Za-z0-9._:-] only: no spaces, no names)" ack a-3 --by "Matti Meikäläinen"
# a filter naming what the plan does not have: NOT_FOUND, naming the field
ctl_refused "lanuctl: NOT_FOUND: open_alerts.recipients: no recipient 'nobody' in the plan" \
	open --recipient sup-a --recipient nobody
ctl_refused "lanuctl: NOT_FOUND: replay.recipients: no recipient 'nobody' in the plan" \
	tail --recipient nobody --no-follow
rc=0; timeout 30 "$LANUCTL" -c "$conf" -t 10000 tail --recipient nobody >/dev/null 2>"$dir/tail.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "NOT_FOUND: replay.recipients" "$dir/tail.err" ||
	fail "tail of nobody, following: exit $rc, $(cat "$dir/tail.err")"

# --- events name plan objects ----------------------------------------------------------
set +e
echo '{"eventId": "u1", "producer": "school-1", "occurredAtMs": "1", "deadlineMissed": {"caseId": "c-u1", "service": "svc-a", "area": "atlantis"}}' |
	ctl send >"$dir/unknown.out" 2>&1; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "deadline_missed.area" "$dir/unknown.out" || fail "unknown area accepted: $(cat "$dir/unknown.out")"

# --- plan: check, load, history, diff, show --------------------------------------------
ctl status | grep -q "plan           Test plan (test), version 1" || fail "status has no plan"
ctl --lang fi status >"$dir/status.out"
grep -q "^  suunnitelma    Test plan (test), versio 1$" "$dir/status.out" &&
	grep -q "^  hälytykset     viimeisin #" "$dir/status.out" || fail "status in fi: $(cat "$dir/status.out")"
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
# --json prints the reply's PlanHistory, one object on one line, not its versions
ctl plan history --json >"$dir/history.json"
[ "$(wc -l <"$dir/history.json")" -eq 1 ] || fail "history --json: $(cat "$dir/history.json")"
grep -q '^{"versions":\[{.*},{.*}\]}$' "$dir/history.json" ||
	fail "history --json is no PlanHistory: $(cat "$dir/history.json")"
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
# its text is written with the plan in force, which no longer names svc-b: by its id
ctl alert a-2 | grep -q "Deadline missed: svc-b" || fail "the orphaned alert is gone"

# --- audit: who read, loaded, acknowledged (docs/security.md) ---------------------------
ctl audit >"$dir/audit.out"
head -1 "$dir/audit.out" | grep -q '^SEQ  AT  *WHO  *WHAT  *DETAIL$' || fail "audit head: $(head -1 "$dir/audit.out")"
grep -q ' lanud *plan-load *version 1, from the plan file$' "$dir/audit.out" ||
	fail "audit: no plan file load: $(cat "$dir/audit.out")"
grep -q ' ipc (coordinator-1) *ack *a-1 as coordinator-1$' "$dir/audit.out" || fail "audit: no ack"
grep -q ' ipc *replay *recipients sup-a: 2 alerts$' "$dir/audit.out" || fail "audit: no replay"
grep -q ' ipc *alert-query *a-1 (recipients ' "$dir/audit.out" || fail "audit: no alert query"
grep -q ' ipc *open-alerts *recipients sup-a: ' "$dir/audit.out" || fail "audit: no open"
grep -q ' ipc (coordinator-1) *plan-load *version 2$' "$dir/audit.out" ||
	fail "audit: no plan load by coordinator-1"
grep -q ' ipc *plan-load *dry run, nothing stored$' "$dir/audit.out" || fail "audit: no dry run"
grep -q ' ipc (coordinator-1) *plan-load *unchanged, nothing stored$' "$dir/audit.out" ||
	fail "audit: no unchanged load"
grep -q ' ipc *plan-load-refused *the plan has 5 problems' "$dir/audit.out" || fail "audit: no refused load"
ctl audit --json >"$dir/audit.json"
n=$(wc -l <"$dir/audit.json")
[ "$n" -eq "$(($(wc -l <"$dir/audit.out") - 1))" ] || fail "audit --json: $n lines"
seqs=$(grep -o '"seq":"[0-9]*"' "$dir/audit.json" | cut -d'"' -f4 | tr '\n' ' ')
[ "$seqs" = "$(seq -s ' ' 1 "$n") " ] || fail "audit seqs not 1..$n: $seqs"
ctl audit --who coordinator-1 --json >"$dir/audit.who"
[ "$(grep -c '"claimed":"coordinator-1"' "$dir/audit.who")" -eq "$(wc -l <"$dir/audit.who")" ] &&
	[ "$(wc -l <"$dir/audit.who")" -ge 3 ] || fail "audit --who: $(cat "$dir/audit.who")"
ctl status | grep -q "audit          last #$((n))" || fail "status: no last audit seq $n"
ctl audit --from 2100-01-01 | grep -q '^no audit records$' || fail "audit --from the future"

# --- bad command lines ---------------------------------------------------------------
set +e
ctl tail >/dev/null 2>&1; [ $? -eq 1 ] || fail "tail without recipient"
ctl send --window 0 </dev/null >/dev/null 2>&1; [ $? -eq 1 ] || fail "window 0"
ctl frobnicate >/dev/null 2>&1; [ $? -eq 1 ] || fail "unknown command"
"$LANUCTL" -e "ipc://$dir/nobody.sock" -t 300 status >/dev/null 2>&1; [ $? -eq 2 ] || fail "unreachable"
set -e

kill -TERM "$pid"; wait "$pid"; pid=""

# --- due, compliance: a second lanud of its own, on a manual clock ---------------------
# Its own state and plan, so every count and day below is exact. The manual clock starts
# on 1 November 2026 and only moves forward: the clocks live far ahead, in January 2049
# (national calendar: the 1st, a Friday, and the 6th, Epiphany, are holidays).
conf=$dir/clock.conf
cat > "$conf" <<CONF
ingest    ipc://$dir/clock-in.sock
publish   ipc://$dir/clock-pub.sock
state-dir $dir/clock-state
plan      $dir/clock-plan.yaml
clock     manual 2026-11-01T00:00:00Z
CONF
cat > "$dir/clock-plan.yaml" <<'PLAN'
lanu-plan: 1
plan: {id: clocks, organiser: Test, title: Clock test plan, period: 2048-2051}
areas:
  - id: north
    name: North
    kind: area
    areas:
      - {id: school-n1, name: School N1, kind: school}
  - {id: south, name: South, kind: area}
recipients:
  - {id: sup-a, name: Supervisor A, kind: supervisor}
services:
  - {id: svc-a, name: Service A, limits: {normal: 7 working days, urgent: same or next working day}}
  - {id: svc-b, name: Service B, limits: {normal: 3 weeks}}
  - id: svc-s
    name: Staged service
    stages:
      - {id: intake, name: Intake, limits: {normal: 3 working days}}
      - {id: plan, name: Plan, starts: after intake, limits: {normal: 10 working days}}
calendars:
  - {id: school, name: School year, terms: [2048-08-10..2048-12-20, 2049-01-07..2049-05-30]}
absences:
  - id: basic
    provider: Basic education
    areas: north
    period: term
    calendar: school
    levels:
      - {hours: 30, action: {fi: Huoltajaan yhteys, en: Contact the guardian}}
      - {hours: 60, share: 10, action: {en: Student welfare group}}
routes:
  - {to: sup-a}
PLAN
start
ctl status | grep -q "(manual clock)" || fail "the second lanud has no manual clock"
ctl clock set 2049-01-11T08:00:00Z >/dev/null	# Monday, 10:00 in Helsinki

ms() { echo $(( $(date -u -d "$1" +%s) * 1000 )); }
# requested ID CASE SERVICE AREA URGENCY AT [LANGUAGE]
requested() {
	printf '{"eventId":"%s","producer":"t","occurredAtMs":"%s","serviceRequested":{"caseId":"%s","service":"%s","area":"%s","urgency":"URGENCY_%s","requestedAtMs":"%s"%s}}\n' \
		"$1" "$(ms "$6")" "$2" "$3" "$4" "$5" "$(ms "$6")" "${7:+,\"languageGroup\":\"$7\"}"
}
# provided ID CASE SERVICE STAGE AT
provided() {
	printf '{"eventId":"%s","producer":"t","occurredAtMs":"%s","serviceProvided":{"caseId":"%s","service":"%s","stage":"%s","providedAtMs":"%s"}}\n' \
		"$1" "$(ms "$5")" "$2" "$3" "$4" "$(ms "$5")"
}
{
	requested r1 p-1 svc-a north NORMAL 2049-01-04T08:00:00Z fi	# due 01-14
	requested r2 p-2 svc-a school-n1 URGENT 2049-01-04T08:00:00Z sv	# due 01-05
	requested r3 p-3 svc-a south NORMAL 2049-01-11T08:00:00Z fi	# due 01-20
	requested r4 p-4 svc-b north NORMAL 2049-01-11T08:00:00Z	# due 02-01
	requested r5 p-5 svc-a north NORMAL 2049-01-11T08:00:00Z fi	# due 01-20
	requested r6 p-6 svc-a school-n1 URGENT 2049-01-05T08:00:00Z	# due 01-07: missed
	requested r7 p-7 svc-s north NORMAL 2049-01-11T08:00:00Z	# intake due 01-14
} >"$dir/requests.jsonl"
{
	provided d1 p-1 svc-a "" 2049-01-08T10:00:00Z	# met: 4 days, 3 working days
	provided d2 p-2 svc-a "" 2049-01-11T07:00:00Z	# late: 7 days, 4 working days
} >"$dir/provided.jsonl"
ctl send "$dir/requests.jsonl" >/dev/null || fail "requests: $(ctl send "$dir/requests.jsonl")"
ctl send "$dir/provided.jsonl" >/dev/null || fail "provisions"

# due: soonest first, the missed one on top; working days left counted from today; the
# plan's names (--ids: its ids), in the language of --lang or the locale
ctl due >"$dir/due.out"
diff -u - "$dir/due.out" <<'OUT' || fail "due table"
DUE         LEFT       SERVICE         STAGE   AREA       CASE  URGENCY  STARTED
2049-01-07  -2 (late)  Service A       -       School N1  p-6   urgent   2049-01-05
2049-01-14  4          Staged service  Intake  North      p-7   normal   2049-01-11
2049-01-20  8          Service A       -       South      p-3   normal   2049-01-11
2049-01-20  8          Service A       -       North      p-5   normal   2049-01-11
2049-02-01  16         Service B       -       North      p-4   normal   2049-01-11
OUT
ctl --ids due >"$dir/due.out"
diff -u - "$dir/due.out" <<'OUT' || fail "due --ids table"
DUE         LEFT       SERVICE  STAGE   AREA       CASE  URGENCY  STARTED
2049-01-07  -2 (late)  svc-a    -       school-n1  p-6   urgent   2049-01-05
2049-01-14  4          svc-s    intake  north      p-7   normal   2049-01-11
2049-01-20  8          svc-a    -       south      p-3   normal   2049-01-11
2049-01-20  8          svc-a    -       north      p-5   normal   2049-01-11
2049-02-01  16         svc-b    -       north      p-4   normal   2049-01-11
OUT
ctl --lang fi due --service svc-s >"$dir/due.out"
diff -u - "$dir/due.out" <<'OUT' || fail "due table in fi"
ERÄPÄIVÄ   JÄLJELLÄ  PALVELU         VAIHE   ALUE   ASIA  KIIREELLISYYS  ALKOI
14.1.2049  4         Staged service  Intake  North  p-7   tavallinen     11.1.2049
OUT
# a Finnish locale chooses Finnish; --lang wins over it
LANG=fi_FI.UTF-8 ctl due --service svc-s | head -n 1 | grep -q "^ERÄPÄIVÄ " || fail "due in a fi locale"
LANG=sv_FI.UTF-8 ctl due --service svc-s | head -n 1 | grep -q "^FÖRFALLER " || fail "due in a sv locale"
LANG=fi_FI.UTF-8 ctl --lang en due --service svc-s | head -n 1 | grep -q "^DUE " ||
	fail "--lang en in a fi locale"
cases() { grep -o ' p-[0-9] ' | tr -d ' ' | tr '\n' ' '; }
[ "$(ctl due --service svc-b | cases)" = "p-4 " ] || fail "due --service: $(ctl due --service svc-b)"
[ "$(ctl due --area north | cases)" = "p-6 p-7 p-5 p-4 " ] || fail "due --area (and below)"
[ "$(ctl due --within "2 working days" | cases)" = "p-6 " ] || fail "due --within 2"
[ "$(ctl due --within "3 working days" | cases)" = "p-6 p-7 " ] || fail "due --within: the last day is in"
ctl due --limit 2 >"$dir/due2.out"
[ "$(cases <"$dir/due2.out")" = "p-6 p-7 " ] &&
	[ "$(tail -n 1 "$dir/due2.out")" = "more: every page with --all, or narrow with --within/--area/--service or raise --limit" ] ||
	fail "due --limit: $(cat "$dir/due2.out")"
! ctl due | grep -q "^more" || fail "due says more of a page that is not full"
ctl_refused "lanuctl: NOT_FOUND: due.service: no service 'svc-x' in the plan" due --service svc-x
ctl_refused "lanuctl: NOT_FOUND: due.area: no area 'nowhere' in the plan" due --area nowhere
ctl_refused "lanuctl: NOT_FOUND: compliance.service: no service 'svc-x' in the plan" \
	compliance --service svc-x

# due --json: one Clock per line, the proto3 JSON mapping
ctl due --json >"$dir/due.json"
[ "$(wc -l <"$dir/due.json")" -eq 5 ] && ! grep -qv '^{.*}$' "$dir/due.json" ||
	fail "due --json: $(cat "$dir/due.json")"
if command -v jq >/dev/null; then
	jq -e . "$dir/due.json" >/dev/null || fail "due --json does not parse"
	[ "$(jq -r '.caseId' "$dir/due.json" | tr '\n' ' ')" = "p-6 p-7 p-3 p-5 p-4 " ] ||
		fail "due --json order"
fi
head -n 1 "$dir/due.json" | grep -q '"caseId":"p-6",.*"dueDay":"2049-01-07",.*"missed":true,.*"workingDaysLeft":-2}$' ||
	fail "due --json: $(head -n 1 "$dir/due.json")"
grep -q '"caseId":"p-4",.*"limit":{"count":3,"unit":"UNIT_WEEKS","text":"3 weeks"},.*"workingDaysLeft":16}$' \
	"$dir/due.json" || fail "due --json of p-4"
[ "$(ctl due --json --service svc-b | wc -l)" -eq 1 ] || fail "due --json --service"

# due --all walks every page by the cursor (due instant, clock id): each clock once, in
# order, p-3 and p-5 (due the same day) apart on two pages too
[ "$(ctl due --limit 2 --all | cases)" = "p-6 p-7 p-3 p-5 p-4 " ] || fail "due --all by 2"
[ "$(ctl due --limit 3 --all | cases)" = "p-6 p-7 p-3 p-5 p-4 " ] || fail "due --all by 3"
! ctl due --limit 2 --all | grep -q "^more" || fail "due --all says more"
[ "$(ctl due --limit 2 --all --json | grep -o '"caseId":"p-[0-9]"' | tr -d '\n')" = \
	'"caseId":"p-6""caseId":"p-7""caseId":"p-3""caseId":"p-5""caseId":"p-4"' ] ||
	fail "due --all --json: $(ctl due --limit 2 --all --json)"

# compliance of January: p-1 met, p-2 late, p-6 missed, p-3 and p-5 pending
ctl compliance --service svc-a --period 2049-01 >"$dir/comp.out"
head -n 3 "$dir/comp.out" >"$dir/comp3.out"
diff -u - "$dir/comp3.out" <<'OUT' || fail "compliance table"
Service A: clocks started 2049-01-01 – 2049-01-31
STAGE  GROUP  OPENED  MET  LATE  MISSED  PENDING  CANCELLED  POSTPONED  SHARE MET  MEDIAN WD  P90 WD  MEDIAN D  P90 D
-      all         5    1     1       1        2          0          0      33.3%        3.5       4       5.5      7
OUT
# groups by what they show (areas by name), sorted; periods as people say them
ctl compliance --service svc-a --period 2049-01-04..2049-01-05 --by area,language \
	>"$dir/comp.out"
diff -u - "$dir/comp.out" <<'OUT' || fail "compliance --by table"
Service A: clocks started 2049-01-04 – 2049-01-05
STAGE  GROUP          OPENED  MET  LATE  MISSED  PENDING  CANCELLED  POSTPONED  SHARE MET  MEDIAN WD  P90 WD  MEDIAN D  P90 D
-      North, fi           1    1     0       0        0          0          0     100.0%          3       3         4      4
-      School N1, -        1    0     0       1        0          0          0       0.0%          -       -         -      -
-      School N1, sv       1    0     1       0        0          0          0       0.0%          4       4         7      7
share met: met / (met + late + missed); waits from request to service, of those provided, in working days (WD) and calendar days (D)
OUT
ctl compliance --service svc-a | head -n 1 | grep -qx "Service A: clocks started all time" ||
	fail "compliance of all time: $(ctl compliance --service svc-a | head -n 1)"
ctl compliance --service svc-a --period 2049 | head -n 1 | grep -qx "Service A: clocks started 2049" ||
	fail "compliance of a year"
ctl compliance --service svc-a --period 2049-01 --by area --ids >"$dir/comp.out"
head -n 1 "$dir/comp.out" | grep -qx "svc-a: clocks started 2049-01-01 – 2049-01-31" &&
	grep -q "^-      area=school-n1 " "$dir/comp.out" || fail "compliance --ids: $(cat "$dir/comp.out")"
ctl --lang fi compliance --service svc-a --period 2049-01 | head -n 2 >"$dir/comp.out"
diff -u - "$dir/comp.out" <<'OUT' || fail "compliance in fi"
Service A: määräajat alkaneet 1.–31.1.2049
VAIHE  RYHMÄ   ALKANEET  AJALLAAN  MYÖHÄSSÄ  YLITTYNEET  KESKEN  PERUTUT  LYKÄTYT  AJALLAAN %  MEDIAANI TP  P90 TP  MEDIAANI PV  P90 PV
OUT
ctl --lang fi compliance --service svc-a --period 2049-01-04..2049-03-05 | head -n 1 |
	grep -qx "Service A: määräajat alkaneet 4.1.–5.3.2049" || fail "a period in fi"
ctl compliance --service svc-a --period 2049-01 --json >"$dir/comp.json"
[ "$(wc -l <"$dir/comp.json")" -eq 1 ] &&
	grep -q '^{"service":"svc-a","from":"2049-01-01","to":"2049-01-31","rows":\[{"opened":"5","met":"1","late":"1","missed":"1","pending":"2",' \
		"$dir/comp.json" || fail "compliance --json: $(cat "$dir/comp.json")"
if command -v jq >/dev/null; then
	jq -e '.rows[0].waitMedianWorkingDays == 3.5 and .rows[0].waitP90Days == 7' \
		"$dir/comp.json" >/dev/null || fail "compliance --json values"
fi
ctl compliance --service svc-a --period 2049-01-04..2049-01-05 --by area,language --csv \
	>"$dir/comp.csv"
[ "$(grep -c $'\r$' "$dir/comp.csv")" -eq 4 ] || fail "compliance --csv: not CRLF"
tr -d '\r' <"$dir/comp.csv" >"$dir/comp-lf.csv"
diff -u - "$dir/comp-lf.csv" <<'OUT' || fail "compliance --csv"
service,from,to,stage,group,opened,met,late,missed,pending,cancelled,postponed,share_met,wait_median_working_days,wait_p90_working_days,wait_median_days,wait_p90_days
svc-a,2049-01-04,2049-01-05,,"area=north,language=fi",1,1,0,0,0,0,0,1,3,3,4,4
svc-a,2049-01-04,2049-01-05,,"area=school-n1,language=sv",1,0,1,0,0,0,0,0,4,4,7,7
svc-a,2049-01-04,2049-01-05,,"area=school-n1,language=-",1,0,0,1,0,0,0,0,,,,
OUT

# a later stage starts when the one before it is provided; rows per stage
ctl clock set 2049-01-12T08:00:00Z >/dev/null
provided d7 p-7 svc-s intake 2049-01-12T08:00:00Z | ctl send >/dev/null || fail "intake provided"
ctl compliance --service svc-s --period 2049-Q1 --csv | tr -d '\r' | cut -d, -f4-10 >"$dir/stages.csv"
diff -u - "$dir/stages.csv" <<'OUT' || fail "compliance by stage"
stage,group,opened,met,late,missed,pending
intake,,1,1,0,0,0
plan,,1,0,0,0,1
OUT
ctl due --service svc-s | grep -q '^2049-01-26  11    Staged service  Plan ' || fail "due of the next stage"

# case: every clock of one case, open or closed, by start
ctl case p-7 >"$dir/case.out"
diff -u - "$dir/case.out" <<'OUT' || fail "case p-7"
case p-7
Staged service / Intake: met
  rule       3 working days
  started    2049-01-11 (2049-01-11T08:00:00Z)
  due        2049-01-14 (2049-01-14T21:59:59Z)
  closed     2049-01-12T08:00:00Z
Staged service / Plan: open
  rule       10 working days
  started    2049-01-12 (2049-01-12T08:00:00Z)
  due        2049-01-26 (2049-01-26T21:59:59Z)
OUT
ctl case p-6 | grep -q '^  missed     open past the due instant: alert raised$' ||
	fail "case p-6: $(ctl case p-6)"
# --json: one ClockList
ctl case p-7 --json >"$dir/case.json"
[ "$(wc -l <"$dir/case.json")" -eq 1 ] &&
	grep -q '^{"clocks":\[{.*"stage":"intake",.*"state":"STATE_MET",.*"stage":"plan",' \
		"$dir/case.json" || fail "case --json: $(cat "$dir/case.json")"
ctl_refused "lanuctl: NOT_FOUND: case_query.service: no service 'svc-x' in the plan" \
	case p-7 --service svc-x
ctl_refused "lanuctl: NOT_FOUND: case_query.case_id: no clock of case 'p-x'" case p-x

# --- absences: the figures of a period and one pupil's places --------------------------
# counts ID PUPIL GRADE HOURS LESSONS (of 100 held, authorised)
counts() {
	printf '{"eventId":"%s","producer":"t","occurredAtMs":"1","absenceCountsReported":{"pupilId":"%s","school":"school-n1","grade":%s,"period":"2049-spring","asOf":"2049-01-11","lessonsHeld":100,"authorised":{"hours":%s,"lessons":%s}}}\n' \
		"$1" "$2" "$3" "$4" "$5"
}
{
	counts a1 pu-1 7 31 4
	counts a2 pu-2 7 5 1
	counts a3 pu-3 8 61 12
} | ctl send >/dev/null || fail "absence counts"
ctl absences --period 2049-spring --by school,grade >"$dir/abs.out"
diff -u - "$dir/abs.out" <<'OUT' || fail "absences table"
absences in 2049-spring
LADDER  SCHOOL     GRADE  PUPILS  NO LEVEL  LEVEL 1  LEVEL 2  HOURS  LESSONS MISSED
basic   School N1      7       2         1        1        0   36.0            2.5%
basic   School N1      8       1         0        0        1   61.0           12.0%
pupils by the highest level raised for them in the period; lessons missed: of the lessons held, every class of absence
OUT
ctl absences --period 2049-spring --csv | tr -d '\r' >"$dir/abs.csv"
diff -u - "$dir/abs.csv" <<'OUT' || fail "absences --csv"
ladder,period,area,school,grade,pupils,level_0,level_1,level_2,lessons_held,lessons_absent,hours,share
basic,2049-spring,,,,3,1,1,1,300,17,97,5.666666666666667
OUT
ctl absences --pupil pu-3 >"$dir/pupil.out"
diff -u - "$dir/pupil.out" <<'OUT' || fail "absences --pupil"
pupil pu-3
basic, 2049-spring: School N1, grade 8, as of 2049-01-11
  absent 61.0 h (authorised 61.0, unauthorised 0.0, unexplained 0.0), 12 of 100 lessons (12.0%)
  reached level 1 at 30 h: Contact the guardian
  reached level 2 at 60 h or 10 %: Student welfare group
OUT
ctl --lang fi absences --pupil pu-3 >"$dir/pupil-fi.out"
grep -q "^oppilas pu-3$" "$dir/pupil-fi.out" && grep -q ", luokka 8, tilanne 11.1.2049$" \
	"$dir/pupil-fi.out" && grep -q "^  saavutettu porras 1 rajalla 30 h: " "$dir/pupil-fi.out" ||
	fail "absences --pupil --lang fi: $(cat "$dir/pupil-fi.out")"
ctl absences --pupil pu-3 --ids | grep -q "^basic, 2049-spring: school-n1, grade 8" ||
	fail "absences --pupil --ids"
ctl absences --period 2049-spring --json | grep -q '"pupils":"3"' || fail "absences --json"
ctl_refused "usage: absences" absences
ctl_refused "REJECTED: absences.by: cannot group by 'class'" absences --period 2049-spring --by class
ctl_refused "REJECTED: absences.area: area 'nowhere'" absences --period 2049-spring --area nowhere
ctl_refused "--pupil shows one pupil's places" absences --pupil pu-1 --csv

# bad input: named, exit 1
ctl_refused "--within 'soon'" due --within soon
ctl_refused "--limit '0'" due --limit 0
ctl_refused "--limit 'x'" due --limit x
ctl_refused "--area needs a value" due --area ""
ctl_refused "--frob" due --frob
ctl_refused "--within" due --within
ctl_refused "usage: due" due extra
ctl_refused "compliance needs --service" compliance --period 2049
ctl_refused "--by 'area,,age' has an empty item" compliance --service svc-a --by area,,age
ctl_refused "--by 'area,' has an empty item" compliance --service svc-a --by area,
ctl_refused "--json and --csv" compliance --service svc-a --json --csv
ctl_refused "REJECTED: compliance.period: '2049-13' is not a period" \
	compliance --service svc-a --period 2049-13
ctl_refused "REJECTED: compliance.by: 'colour' is not a breakdown" \
	compliance --service svc-a --by area,colour
ctl_refused "REJECTED: due.service" due --service "no such"

kill -TERM "$pid"; wait "$pid"; pid=""

# Keys: lanud's pair, a peer's bound to what it may do, listed, revoked.
mkdir "$dir/keys"
ctl keys server --secret "$dir/lanud.secret" | grep -q "its public key" || fail "keys server"
[ "$(stat -c %a "$dir/lanud.secret")" = 600 ] || fail "lanud.secret is not 0600"
ctl keys new school-1 --role producer --areas area-1 --events deadline-missed \
	--dir "$dir/keys" --secret "$dir/school-1.secret" >/dev/null || fail "keys new"
ctl keys list --dir "$dir/keys" | grep -q "^school-1 *producer" || fail "keys list"
ctl keys revoke school-1 --dir "$dir/keys" | grep -q "school-1 revoked" || fail "keys revoke"
ctl keys list --dir "$dir/keys" --json | grep -q '"revoked":' || fail "keys list --json"
rc=0; ctl keys new reader --role subscriber --dir "$dir/keys" 2>"$dir/keys.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "needs 'recipients'" "$dir/keys.err" || fail "a subscriber bound to nobody"
rc=0; ctl keys new school-1 --role admin --dir "$dir/keys" 2>"$dir/keys.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "exists" "$dir/keys.err" || fail "a key made twice"

# tcp:// needs CurveZMQ: without lanud's key and the peers' keys the file is refused.
sed -e "s|^ingest .*|ingest    tcp://127.0.0.1:7401|" "$conf" > "$dir/nokeys.conf"
rc=0
"$LANUD" --check-config -c "$dir/nokeys.conf" 2>"$dir/nokeys.err" || rc=$?
[ "$rc" -ne 0 ] && grep -q "tcp:// endpoints use CurveZMQ" "$dir/nokeys.err" ||
	fail "tcp:// without keys: exit $rc, $(cat "$dir/nokeys.err")"
# --- escalation: a third lanud on a manual clock, a route that escalates after 2 hours ---
conf=$dir/esc.conf
cat > "$conf" <<CONF
ingest    ipc://$dir/esc-in.sock
publish   ipc://$dir/esc-pub.sock
state-dir $dir/esc-state
plan      $dir/esc-plan.yaml
clock     manual 2026-11-01T00:00:00Z
CONF
cat > "$dir/esc-plan.yaml" <<'PLAN'
lanu-plan: 1
plan: {id: esc, organiser: Test, title: Escalation test plan, period: 2048-2051}
areas: [{id: north, name: North, kind: area}]
recipients:
  - {id: sup-a, name: Supervisor A, kind: supervisor}
  - {id: board, name: Welfare board, kind: board}
services: [{id: svc-a, name: Service A, limits: {normal: 7 working days}}]
routes:
  - {kinds: deadline-missed, to: sup-a,
     escalate: [{after: 2 hours, to: board}, {after: 4 hours, to: board}]}
PLAN
start
ctl plan show | grep -q "after 2 hours unacknowledged -> board; after 4 hours unacknowledged -> board" ||
	fail "plan show: the chain"
ctl clock set 2049-01-11T08:00:00Z >/dev/null
printf '{"eventId":"m1","producer":"t","occurredAtMs":"1","deadlineMissed":{"caseId":"c-1","service":"svc-a","area":"north"}}\n' |
	ctl send >/dev/null || fail "missed"
ctl status | grep -q "escalations    1 pending, next 2049-01-11" || fail "status: $(ctl status)"
ctl clock set 2049-01-11T10:00:00Z >/dev/null
ctl alert a-2 >"$dir/esc.out"
grep -q "^#2 .* CRITICAL ESCALATION a-2 case:c-1$" "$dir/esc.out" || fail "alert a-2: $(cat "$dir/esc.out")"
grep -q "Unacknowledged alert a-1: deadline missed, Service A, North, case:c-1; not acknowledged for 2 hours, escalation step 1." \
	"$dir/esc.out" || fail "alert a-2's text: $(cat "$dir/esc.out")"
grep -q "^    to: Welfare board$" "$dir/esc.out" || fail "alert a-2's recipients: $(cat "$dir/esc.out")"
ctl alert a-2 --ids | grep -q "^    to: board$" || fail "alert a-2's recipients by id"
ctl_refused "usage: alert ALERT_ID" alert a-2 --frob
ctl --lang fi alert a-2 >"$dir/esc.out"
grep -q "Kuittaamaton hälytys a-1: määräaika ylittyi" "$dir/esc.out" &&
	grep -q "^    vastaanottajat: Welfare board$" "$dir/esc.out" || fail "alert a-2 in fi: $(cat "$dir/esc.out")"
ctl alert a-2 --json | grep -q '"recipients":\["board"\]' || fail "alert --json: ids"
# a plan without the board: the step to come still names it, and is reported
sed -e '/id: board/d' -e 's/to: board/to: sup-a/g' "$dir/esc-plan.yaml" >"$dir/esc-plan2.yaml"
ctl plan load "$dir/esc-plan2.yaml" >"$dir/esc-load.out" || fail "load: $(cat "$dir/esc-load.out")"
grep -q "warning: open alert a-1 (and maybe more) names escalation recipient 'board'," \
	"$dir/esc-load.out" || fail "orphaned step: $(cat "$dir/esc-load.out")"
printf '{"eventId":"k1","producer":"t","occurredAtMs":"1","alertAcknowledged":{"alertId":"a-1","by":"sup-1"}}\n' |
	ctl send >/dev/null || fail "ack"
ctl status | grep -q "escalations" && fail "status after the ack: $(ctl status)"
ctl clock set 2049-01-12T10:00:00Z >/dev/null
ctl tail --recipient board --no-follow >"$dir/esc-tail.out"
[ "$(grep -c ' ESCALATION ' "$dir/esc-tail.out")" -eq 1 ] || fail "tail: $(cat "$dir/esc-tail.out")"
kill -TERM "$pid"; wait "$pid"; pid=""

# An endpoint that cannot be bound: lanud exits 1 and says so once, naming it.
sed -e "s|^ingest .*|ingest    tcp://localhost:7401|" -e "s|^state-dir .*|state-dir $dir/state-bind|" \
	"$conf" > "$dir/bind.conf"
printf 'keys-dir %s\nserver-key %s\n' "$dir/keys" "$dir/lanud.secret" >> "$dir/bind.conf"
rc=0
timeout 20 "$LANUD" -c "$dir/bind.conf" 2>"$dir/bind.err" || rc=$?
[ "$rc" -eq 1 ] || fail "bad ingest endpoint: exit $rc, want 1"
[ "$(grep -c bind "$dir/bind.err")" -eq 1 ] || fail "bind failure not logged once: $(cat "$dir/bind.err")"
grep -qF "ingest endpoint 'tcp://localhost:7401': not an address" "$dir/bind.err" ||
	fail "bind failure: $(cat "$dir/bind.err")"
echo "lanuctl.sh: 1 passed, 0 failed"
