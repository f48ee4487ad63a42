# Sourced by the shell integration tests: `integ_begin NAME` makes $dir (a temporary
# directory) and, whatever way the test ends, stops the lanud in $pid, the other child in
# $helper (a sender, a follower: "" when none) and those given to integ_child (servers,
# notifiers), and removes $dir. fail() says what went wrong and exits 1.
#
# For a test of its own lanud: integ_lanud_conf writes $dir/lanud.conf (ipc:// endpoints
# in $dir, the plan $dir/plan.yaml, a manual clock from Monday 2.11.2026 10:00 local,
# and any further lines given), integ_lanud starts $LANUD on it and waits until ctl()
# (lanuctl on that configuration) has an answer, and missed ID AREA prints a
# DeadlineMissed event of service svc for lanuctl send.

# A child started as `$integ_tied CMD ... &` is killed when the test's shell dies, even
# by SIGKILL (ctest's timeout), which no trap sees.
integ_tied="setpriv --pdeathsig KILL"

integ_cleanup() {
	for p in $helper $integ_children; do kill "$p" 2>/dev/null || true; done
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
}

integ_begin() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/$1-test.XXXXXX")
	pid=""
	helper=""
	integ_children=""
	trap integ_cleanup EXIT
}

# integ_child PID: stopped at the end, whatever way the test ends.
integ_child() {
	integ_children="$integ_children $1"
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

integ_lanud_conf() {
	{
		printf 'ingest ipc://%s/in.sock\npublish ipc://%s/pub.sock\n' "$dir" "$dir"
		printf 'state-dir %s/state\nplan %s/plan.yaml\n' "$dir" "$dir"
		printf 'clock manual 2026-11-02T08:00:00Z\n'
		for line in "$@"; do printf '%s\n' "$line"; done
	} > "$dir/lanud.conf"
}

ctl() {
	"$LANUCTL" -c "$dir/lanud.conf" -t 10000 "$@"
}

integ_lanud() {
	$integ_tied "$LANUD" -c "$dir/lanud.conf" 2>>"$dir/lanud.log" &
	pid=$!
	ctl status >/dev/null || fail "lanud did not answer: $(tail -3 "$dir/lanud.log")"
}

missed() {	# missed ID AREA
	printf '{"eventId": "%s", "producer": "t", "occurredAtMs": "1793606400000", '\
'"deadlineMissed": {"caseId": "c-%s", "service": "svc", "area": "%s", '\
'"dueAtMs": "1793606000000"}}\n' "$1" "$1" "$2"
}
