# Sourced by the shell integration tests: `integ_begin NAME` makes $dir (a temporary
# directory) and, whatever way the test ends, stops the lanud in $pid and the other
# children in $helper (a sender, a follower: "" when none) and removes $dir. fail() says
# what went wrong and exits 1.

integ_cleanup() {
	[ -n "$helper" ] && kill "$helper" 2>/dev/null || true
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
}

integ_begin() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/$1-test.XXXXXX")
	pid=""
	helper=""
	trap integ_cleanup EXIT
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
