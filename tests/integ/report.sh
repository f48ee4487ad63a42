#!/usr/bin/env bash
# lanuctl report end to end: a real lanud on a manual clock with the Seinäjoki plan and the
# illustrative 2025 data of examples/ (every line accepted); the yearly welfare report as
# HTML (every goal and indicator of the plan, self-contained: no URL, no script), CSV (one
# row per indicator, group and period) and Markdown; the alerts' times to acknowledgement;
# refusals. If chromium is installed, the HTML is also rendered headless: a page that is
# not blank, every goal and indicator in the DOM, no console error.
set -euo pipefail
# lanuctl's default language follows the locale: these checks are of the English one.
unset LC_ALL LC_MESSAGES
export LANG=C

LANUD=$1
LANUCTL=$2
SRC=$3
. "$(dirname "$0")/lib.sh"
integ_begin report

plan=$SRC/examples/plans/seinajoki-2022-2025.yaml
conf=$dir/lanud.conf
cat > "$conf" <<CONF
ingest    ipc://$dir/in.sock
publish   ipc://$dir/pub.sock
state-dir $dir/state
clock     manual 2026-11-01T00:00:00Z
CONF
$integ_tied "$LANUD" -c "$conf" 2>>"$dir/lanud.log" &
pid=$!
ctl() { "$LANUCTL" -c "$conf" -t 10000 "$@"; }
ctl status >/dev/null || fail "lanud did not answer"
# Exits 1 with a message on stderr that contains $1: ctl_refused TEXT ARGS...
ctl_refused() {
	local want=$1 rc=0
	shift
	ctl "$@" >/dev/null 2>"$dir/refused.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "lanuctl $*: exit $rc, want 1"
	grep -qF -- "$want" "$dir/refused.err" || fail "lanuctl $*: $(cat "$dir/refused.err")"
}

# --- refusals before anything is asked, and without a plan -----------------------------
ctl_refused "no plan is in force" report --year 2025
ctl_refused "--format 'pdf' is not html, csv or md" report --year 2025 --format pdf
ctl_refused "--lang 'de' is not fi, sv or en" report --year 2025 --lang de
ctl_refused "--year '25' is not a year of 4 digits" report --year 25
ctl_refused "--year '2025x' is not a year of 4 digits" report --year 2025x
ctl_refused "usage: report" report
ctl_refused "usage: report" report --year 2025 extra
rc=0
"$LANUCTL" -e "ipc://$dir/nobody.sock" -t 300 report --year 2025 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "report from an unreachable lanud: exit $rc, want 2"

# --- the plan and the example data: every line OK -------------------------------------
ctl plan load "$plan" --by coordinator-1 >"$dir/load.out" || fail "plan load"
grep -q "version 1 is in force" "$dir/load.out" || fail "plan load: $(cat "$dir/load.out")"
for f in indicators-2025 measures-2025; do
	ctl send "$SRC/examples/$f.jsonl" >"$dir/$f.out" || fail "send $f: $(cat "$dir/$f.out")"
	n=$(grep -c . "$SRC/examples/$f.jsonl")
	[ "$(grep -c '"code":"OK"' "$dir/$f.out")" -eq "$n" ] || fail "$f: not $n OK: $(cat "$dir/$f.out")"
done
nind=$(grep -c . "$SRC/examples/indicators-2025.jsonl")

# --- HTML ------------------------------------------------------------------------------
ctl report --year 2025 --format html -o "$dir/report.html" || fail "report html"
html=$dir/report.html
[ "$(ls "$dir" | grep -c '^report\.html')" -eq 1 ] || fail "-o left a temporary file: $(ls "$dir")"
head -1 "$html" | grep -q '^<!DOCTYPE html>$' || fail "html: no doctype"
grep -q '@page { size: A4' "$html" || fail "html: no @page A4"
! grep -qiE 'https?://' "$html" || fail "html names a URL: $(grep -oiE 'https?://[^" ]*' "$html" | head -3)"
! grep -qi '<script' "$html" || fail "html has a script"
! grep -qiE '<(link|img|iframe|object)|@import|url\(' "$html" || fail "html fetches something"
# the plan's 12 goals (3 main, 9 sub), 35 measures, 18 indicators, 6 services with limits
[ "$(grep -c '<section class="goal"' "$html")" -eq 12 ] || fail "goal sections"
[ "$(grep -c '<section class="measure"' "$html")" -eq 35 ] || fail "measure sections"
[ "$(grep -c '<section class="indicator"' "$html")" -eq 18 ] || fail "indicator sections"
[ "$(grep -c '<section class="service"' "$html")" -eq 6 ] || fail "service sections"
for id in g1 g1.1 g1.4 g2 g2.2 g3 g3.3; do
	grep -q "<section class=\"goal\" id=\"goal-$id\">" "$html" || fail "html: no goal $id"
done
grep -q 'The wellbeing of children, young people and families with children increases' "$html" ||
	fail "html: no goal title"
grep -q 'Periodic health checks carried out as the decree requires' "$html" || fail "html: indicator"
grep -q 'ISO-BMI (child overweight)' "$html" || fail "html: indicator ISO-BMI"
grep -q 'Access to the school social worker within the limit' "$html" || fail "html: indicator"
# statuses in words beside their colours; a chart per indicator with values
grep -q '<span class="st warning">warning</span>' "$html" || fail "html: no warning status"
grep -q '<span class="st ok">ok</span>' "$html" || fail "html: no ok status"
grep -q '<span class="st tracked">tracked</span>' "$html" || fail "html: no tracked status"
[ "$(grep -c '^<svg ' "$html")" -eq 10 ] || fail "html: $(grep -c '^<svg ' "$html") charts, want 10"
# measures: the latest status, its note escaped, overdue ones listed
grep -q 'established (since 2025-05-31): working group in every school (illustrative)' "$html" ||
	fail "html: m1.1.1's status"
grep -q 'Implement the Yhdessä yhteistyöllä (&quot;Together through cooperation&quot;) model' \
	"$html" || fail "html: a title not escaped"
sed -n '/<h2 id="overdue">/,/<h2 id="alerts">/p' "$html" >"$dir/overdue.html"
grep -q '<td>m1.1.6 ' "$dir/overdue.html" || fail "html: m1.1.6 not overdue"
grep -q '<h4>2025-H1</h4>' "$html" && grep -q '<h4>2025-H2</h4>' "$html" || fail "html: half-years"
grep -q 'No alerts in 2025.' "$html" || fail "html: alerts of 2025"
if command -v python3 >/dev/null; then
	# every goal's id and title and every indicator's name, as the plan says them
	ctl plan show --json >"$dir/plan.json"
	python3 - "$dir/plan.json" "$html" <<'PY' || fail "html: the plan's goals and indicators"
import html, json, sys
plan = json.load(open(sys.argv[1]))["plan"]
doc = html.unescape(open(sys.argv[2], encoding="utf-8").read())
def goals(gs):
    for g in gs:
        yield g
        yield from goals(g.get("goals", []))
missing = [g["id"] for g in goals(plan["goals"])
           if g["id"] not in doc or g["title"]["en"] not in doc]
missing += [i["id"] for i in plan["indicators"] if i["name"]["en"] not in doc]
if missing:
    sys.exit("missing: " + ", ".join(missing))
PY
fi

# --- the same in Finnish ---------------------------------------------------------------
ctl report --year 2025 --lang fi -o "$dir/report-fi.html" || fail "report --lang fi"
grep -q '<html lang="fi">' "$dir/report-fi.html" || fail "fi: lang"
grep -q 'Lasten, nuorten ja lapsiperheiden hyvinvointi lisääntyy' "$dir/report-fi.html" ||
	fail "fi: goal title"
grep -q '<span class="st warning">varoitus</span>' "$dir/report-fi.html" || fail "fi: status word"

# --- CSV: a header and a row per value, 7 columns --------------------------------------
ctl report --year 2025 --format csv >"$dir/report.csv" || fail "report csv"
[ "$(grep -c $'\r$' "$dir/report.csv")" -eq $((nind + 1)) ] || fail "csv: not $((nind + 1)) CRLF lines"
tr -d '\r' <"$dir/report.csv" >"$dir/report-lf.csv"
head -1 "$dir/report-lf.csv" | grep -qx 'indicator,name,group,period,value,target,status' ||
	fail "csv head: $(head -1 "$dir/report-lf.csv")"
grep -qx 'periodic-health-checks-done,Periodic health checks carried out as the decree requires,,2025,95.2,100,warning' \
	"$dir/report-lf.csv" || fail "csv: periodic checks 2025"
grep -qx 'yy-working-groups,Schools with an active Yhdessä Yhteistyöllä working group,,2025,100,100,ok' \
	"$dir/report-lf.csv" || fail "csv: yy-working-groups 2025"
if command -v python3 >/dev/null; then
	python3 - "$dir/report.csv" <<'PY' || fail "csv columns"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
bad = [r for r in rows if len(r) != 7]
if bad:
    sys.exit("rows without 7 columns: %r" % bad[:3])
PY
fi
ctl report --year 2025 --format csv --lang fi >"$dir/report-fi.csv" || fail "csv --lang fi"
grep -q '^yy-working-groups,"Koulut, joissa' "$dir/report-fi.csv" ||
	fail "csv: a name with a comma is not quoted"

# --- Markdown: the same sections, tables instead of charts -----------------------------
ctl report --year 2025 --format md -o "$dir/report.md" || fail "report md"
for h in '# Welfare report on children and young people 2025' '## Goals and measures' \
	'## Indicators' '## Access limits of services' '## Measures overdue' '## Alerts'; do
	grep -qx "$h" "$dir/report.md" || fail "md: no '$h'"
done
[ "$(grep -c '^### g[0-9] ' "$dir/report.md")" -eq 3 ] || fail "md: main goals"
[ "$(grep -c '^#### g[0-9]\.[0-9] ' "$dir/report.md")" -eq 9 ] || fail "md: sub-goals"
grep -q '^| 2025 | 95.2 | 100 | warning |$' "$dir/report.md" || fail "md: a value row"
! grep -q '<svg' "$dir/report.md" || fail "md: a chart"

# --- alerts: raised this year, two acknowledged 2 and 5 hours later --------------------
now=$(ctl status --json | grep -o '"nowMs":"[0-9]*"' | cut -d'"' -f4)
year=$(TZ=Europe/Helsinki date -d "@$((now / 1000))" +%Y)
ctl clock set $((now + 2 * 3600000)) >/dev/null
ctl ack a-1 --by coordinator-1 >/dev/null || fail "ack a-1"
ctl clock set $((now + 5 * 3600000)) >/dev/null
ctl ack a-2 --by coordinator-1 >/dev/null || fail "ack a-2"
ctl report --year "$year" --format md >"$dir/alerts.md" || fail "report $year"
# every alert so far was raised now and routed to some recipient of the plan
nalerts=$(ctl status --json | grep -o '"lastAlertSeq":"[0-9]*"' | cut -d'"' -f4)
[ "$nalerts" -ge 3 ] || fail "only $nalerts alerts"
grep -q "^| Total |  | $nalerts | $((nalerts - 2)) | 3.5 h | 4.7 h |\$" "$dir/alerts.md" ||
	fail "alerts of $year: $(sed -n '/^## Alerts/,$p' "$dir/alerts.md")"
grep -q '^| indicator-threshold | warning | ' "$dir/alerts.md" || fail "alerts by kind"

# --- -o: a file that cannot be written is refused, nothing left behind -----------------
ctl_refused "cannot write" report --year 2025 -o "$dir/no/such/dir/report.html"

# --- a real browser, if there is one ---------------------------------------------------
if command -v chromium >/dev/null; then
	timeout 120 chromium --headless --no-sandbox --disable-gpu --window-size=1240,1754 \
		--screenshot="$dir/report.png" "file://$html" >/dev/null 2>"$dir/chromium.err" ||
		fail "chromium screenshot: $(tail -5 "$dir/chromium.err")"
	size=$(stat -c %s "$dir/report.png")
	[ "$size" -gt 20000 ] || fail "the screenshot looks blank ($size bytes)"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$html" \
		>"$dir/dom.html" 2>>"$dir/chromium.err" || fail "chromium --dump-dom"
	! grep -qE 'Uncaught|ERROR:.*CONSOLE' "$dir/chromium.err" ||
		fail "console errors: $(grep -E 'Uncaught|CONSOLE' "$dir/chromium.err")"
	[ "$(grep -c '<section class="goal"' "$dir/dom.html")" -eq 12 ] &&
		[ "$(grep -c '<section class="indicator"' "$dir/dom.html")" -eq 18 ] ||
		fail "dom: goals or indicators missing"
	if command -v python3 >/dev/null; then
		python3 - "$dir/plan.json" "$dir/dom.html" <<'PY' || fail "dom: the plan's goals and indicators"
import html, json, sys
plan = json.load(open(sys.argv[1]))["plan"]
doc = html.unescape(open(sys.argv[2], encoding="utf-8").read())
def goals(gs):
    for g in gs:
        yield g
        yield from goals(g.get("goals", []))
missing = [g["id"] for g in goals(plan["goals"]) if g["title"]["en"] not in doc]
missing += [i["id"] for i in plan["indicators"] if i["name"]["en"] not in doc]
if missing:
    sys.exit("missing: " + ", ".join(missing))
PY
	fi
	echo "report.sh: chromium rendered the report"
else
	echo "report.sh: browser check skipped: no chromium"
fi

# --- breakdown groups: a plan whose indicator is broken down by area and language -------
cat > "$dir/groups.yaml" <<'PLAN'
lanu-plan: 1
plan: {id: groups, organiser: Test, title: {fi: "Testi <&> suunnitelma", en: Group test}, period: 2024-2027}
areas:
  - {id: north, name: {fi: Pohjoinen, sv: Norra, en: North}, kind: area}
  - {id: south, name: South, kind: area}
recipients:
  - {id: board, name: Board, kind: board}
indicators:
  - id: wb
    name: {fi: Kouluhyvinvointi, sv: Välmående i skolan, en: Wellbeing at school}
    unit: percent
    direction: higher-is-better
    target: 80
    warning: 70
    critical: 60
    cadence: yearly
    breakdown: [area, language-group]
    source: {kind: reported, provider: THL}
goals:
  - id: g1
    title: {fi: "Hyvä <b>koulu</b>", en: "Good school"}
    measures:
      - {id: m1, title: {en: "Do & test"}, schedule: 2024-2025, monitoring: [board]}
routes:
  - {to: board}
PLAN
ctl plan load "$dir/groups.yaml" >/dev/null || fail "load the group plan"
# value PERIOD VALUE [AREA] [LANGUAGE]
value() {
	printf '{"eventId":"g-%s-%s-%s","producer":"t","occurredAtMs":"1","indicatorUpdated":{"indicator":"wb","period":"%s","value":%s%s%s}}\n' \
		"$1" "${3:-}" "${4:-}" "$1" "$2" "${3:+,\"area\":\"$3\"}" \
		"${4:+,\"breakdown\":{\"language\":\"$4\"\}}"
}
{
	value 2024 75
	value 2025 72
	value 2025 64 north
	value 2025 58 south
	value 2025 69 "" sv
} >"$dir/groups.jsonl"
ctl send "$dir/groups.jsonl" >/dev/null || fail "group values: $(ctl send "$dir/groups.jsonl")"
ctl report --year 2025 --format md --lang sv >"$dir/groups.md" || fail "report of groups"
grep -qx '#### Per grupp: område 2025' "$dir/groups.md" || fail "groups: $(cat "$dir/groups.md")"
grep -qx '| Norra | 64 | 80 | varning |' "$dir/groups.md" || fail "groups: Norra"
grep -qx '| South | 58 | 80 | kritisk |' "$dir/groups.md" || fail "groups: South"
grep -qx '#### Per grupp: språkgrupp 2025' "$dir/groups.md" || fail "groups: language"
grep -qx '| sv | 69 | 80 | varning |' "$dir/groups.md" || fail "groups: sv"
ctl report --year 2025 --format csv | tr -d '\r' >"$dir/groups.csv"
diff -u - "$dir/groups.csv" <<'OUT' || fail "groups csv"
indicator,name,group,period,value,target,status
wb,Wellbeing at school,,2024,75,80,ok
wb,Wellbeing at school,,2025,72,80,ok
wb,Wellbeing at school,area=north,2025,64,80,warning
wb,Wellbeing at school,area=south,2025,58,80,critical
wb,Wellbeing at school,language=sv,2025,69,80,warning
OUT
ctl report --year 2025 --lang fi -o "$dir/groups.html" || fail "groups html"
grep -q '<title>Lasten ja nuorten hyvinvointiraportti 2025</title>' "$dir/groups.html" ||
	fail "groups html title"
grep -q 'Testi &lt;&amp;&gt; suunnitelma' "$dir/groups.html" || fail "plan title not escaped"
grep -q 'g1 Hyvä &lt;b&gt;koulu&lt;/b&gt;' "$dir/groups.html" || fail "goal title not escaped"
grep -q '<td>Pohjoinen</td>' "$dir/groups.html" || fail "area by name"

kill -TERM "$pid"; wait "$pid"; pid=""
echo "report.sh: 1 passed, 0 failed"
