#!/usr/bin/env bash
# The module rules of docs/architecture.md, checked on the source tree:
#  1. only daemon/store*.c include <lmdb.h> (in lib/, daemon/ and clients/);
#  2. only daemon/zsock.c includes <zmq.h> in lib/ and daemon/, and lib/keys.c for
#     CurveZMQ's key pairs and Z85 (no sockets);
#  3. nothing under clients/ or lib/ includes a daemon/ header, and lanuctl does not
#     link the daemon's library;
#  4. no include circles: modules (x.c with x.h) that include each other's headers,
#     directly or through others, across lib/, daemon/ and clients/.
# Usage: check.sh [SOURCE_ROOT]. Prints each broken rule; exits 1 if any.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2
fail=0

broken() {
	echo "rules: $*" >&2
	fail=1
}

# 1 and 2: who includes the two foreign headers.
for f in $(grep -l -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<lmdb\.h>' \
	lib/*.[ch] daemon/*.[ch] clients/*.[ch] 2>/dev/null); do
	case $f in
	daemon/store*.c) ;;
	*) broken "$f includes <lmdb.h>: only daemon/store*.c may" ;;
	esac
done
for f in $(grep -l -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*<zmq\.h>' \
	lib/*.[ch] daemon/*.[ch] 2>/dev/null); do
	case $f in
	daemon/zsock.c | lib/keys.c) ;;
	*) broken "$f includes <zmq.h>: only daemon/zsock.c (and lib/keys.c) may" ;;
	esac
done

# Every local include, one line each: "FILE HEADER" (lanu/ and generated headers left out).
includes=$(awk '/^[[:space:]]*#[[:space:]]*include[[:space:]]*"/ {
		h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
		if (h !~ /^lanu\// && h !~ /\.pb-c\.h$/) print FILENAME, h
	}' lib/*.[ch] daemon/*.[ch] clients/*.[ch])

# 3: the clients and lib/ stand without the daemon.
while read -r f h; do
	case $f in
	clients/* | lib/*)
		if [ -e "daemon/$h" ] && [ ! -e "$(dirname "$f")/$h" ]; then
			broken "$f includes daemon/$h"
		fi
		;;
	esac
done <<<"$includes"
if grep -q 'lanu_core' clients/CMakeLists.txt lib/CMakeLists.txt; then
	broken "clients/ or lib/ links lanu_core (the daemon's library)"
fi

# 4: the module graph, one edge per include of another module's header, for tsort.
edges=$(mktemp)
trap 'rm -f "$edges" "$edges.err"' EXIT
{
	for f in lib/*.[ch] daemon/*.[ch] clients/*.[ch]; do
		m=${f##*/}
		echo "${m%.*} ${m%.*}"
	done
	awk '{ m = $1; sub(/.*\//, "", m); sub(/\.[ch]$/, "", m)
	       h = $2; sub(/.*\//, "", h); sub(/\.h$/, "", h)
	       if (m != h) print m, h }' <<<"$includes"
} >"$edges"
if ! tsort "$edges" >/dev/null 2>"$edges.err"; then
	broken "include circle among modules: $(grep -v 'input contains a loop' "$edges.err" |
		sed 's/^tsort: //' | tr '\n' ' ')"
fi

[ $fail -eq 0 ] && echo "rules: ok (lmdb, zmq, clients, circles)"
exit $fail
