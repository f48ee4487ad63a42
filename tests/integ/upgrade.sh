#!/usr/bin/env bash
# A store made by lanud 0.1.0 (tests/fixtures/store-0.1.0, schema 1) opened by today's
# lanud: migrated on start in one transaction, logged, everything it held still there
# (events, alerts and their acknowledgement, the open clock); opened again, nothing to
# migrate. A schema-1 store from before retention is indexed by the same migration. A
# store of a newer schema is refused with a message naming it, and left as it was.
set -euo pipefail
unset LC_ALL LC_MESSAGES
export LANG=C	# lanuctl speaks English

LANUD=$1
LANUCTL=$2
SRC=$3
. "$(dirname "$0")/lib.sh"
integ_begin upgrade

cat > "$dir/lanud.conf" <<CONF
ingest    ipc://$dir/in.sock
publish   ipc://$dir/pub.sock
state-dir $dir/state
clock     manual
CONF
ctl() { "$LANUCTL" -c "$dir/lanud.conf" -t 10000 "$@"; }
start() {
	: > "$dir/lanud.log"
	$integ_tied "$LANUD" -c "$dir/lanud.conf" 2>>"$dir/lanud.log" &
	pid=$!
	ctl status >/dev/null || { cat "$dir/lanud.log" >&2; fail "lanud did not answer"; }
}
stop() {
	kill "$pid"
	wait "$pid" || fail "lanud did not stop cleanly"
	pid=""
}
meta() {	# the value of meta key $1 in the store, as mdb_dump prints it
	mdb_dump -p -s meta "$dir/state" | awk -v k=" $1" '$0 == k { getline; print substr($0, 2); exit }'
}
entries() {	# the records of database $1
	mdb_stat -s "$1" "$dir/state" | awk '/Entries:/ { print $2 }'
}
fixture() {
	rm -rf "$dir/state"
	mkdir -m 0700 "$dir/state"
	cp "$SRC/tests/fixtures/store-0.1.0/data.mdb" "$dir/state/"
}

# --- 0.1.0's store: migrated, everything kept ----------------------------------------
fixture
[ "$(meta schema)" = '\00\00\00\00\00\00\00\01' ] || fail "the fixture is not schema 1"
start
grep -q "migrated from schema 1 to 2: records indexed under their subjects for retention, the unused 'plan' database dropped (0 records indexed)" \
	"$dir/lanud.log" || { cat "$dir/lanud.log" >&2; fail "no migration logged"; }
[ "$(meta schema)" = '\00\00\00\00\00\00\00\02' ] || fail "the store is not schema 2"
[ -z "$(meta retain_index)" ] || fail "retain_index is still in meta"
st=$(ctl status)
echo "$st" | grep -q "events *4 stored" || fail "events lost: $st"
echo "$st" | grep -q "alerts *last #70, 69 open" || fail "alerts lost: $st"
echo "$st" | grep -q "now *2026-04-15T10:00:00Z (manual clock)" || fail "clock lost: $st"
echo "$st" | grep -q "clocks *1 open" || fail "clocks lost: $st"
echo "$st" | grep -q "plan  .* (seinajoki-2022-2025), version 1" || fail "plan lost: $st"
ctl alert a-1 | grep -q "coordinator-1" || fail "a-1's acknowledgement lost"
n=$(ctl tail --recipient supervisors-special-services --from 0 --no-follow --json | wc -l)
[ "$n" -gt 0 ] || fail "no alerts replayed to supervisors-special-services"
ctl due | grep -q "pupil-7f3a" || fail "the open clock of pupil-7f3a is not due"
stop

# Opened again: schema 2 already, nothing migrated.
start
grep -q "migrated" "$dir/lanud.log" && fail "migrated twice"
stop

# --- a schema-1 store written before retention: indexed by the migration --------------
fixture
# (hex, not -p: mdb_load cannot read back the long lines -p makes of a plan version)
mdb_dump -a "$dir/state" | awk '
	$0 == " 72657461696e5f696e646578" { getline; next }	# "retain_index" and its value
	/^db_pagesize=/ { next }	# mdb_load does not know it
	{ print }' > "$dir/dump"
rm -rf "$dir/state"
mkdir -m 0700 "$dir/state"
mdb_load -f "$dir/dump" "$dir/state"
[ -z "$(meta retain_index)" ] || fail "retain_index still in the pre-retention store"
start
grep -Eq "migrated from schema 1 to 2: .* \(([1-9][0-9]*) records indexed\)" \
	"$dir/lanud.log" || { cat "$dir/lanud.log" >&2; fail "nothing indexed"; }
[ "$(entries subjects)" -gt 0 ] || fail "the subjects index is empty"
ctl status | grep -q "events *4 stored" || fail "events lost in the indexing migration"
stop

# --- a store of a newer lanud: refused, unchanged ---------------------------------------
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 736368656d61\n 0000000000000063\nDATA=END\n' \
	> "$dir/newer"	# schema = 99
mdb_load -s meta -f "$dir/newer" "$dir/state"
[ "$(meta schema)" = '\00\00\00\00\00\00\00c' ] || fail "could not make a schema-99 store"
sum=$(md5sum < "$dir/state/data.mdb")
if "$LANUD" -c "$dir/lanud.conf" 2>"$dir/lanud.log"; then
	fail "lanud opened a store of schema 99"
fi
grep -q "has schema 99, written by a newer lanud" "$dir/lanud.log" ||
	{ cat "$dir/lanud.log" >&2; fail "no clear refusal of schema 99"; }
[ "$(md5sum < "$dir/state/data.mdb")" = "$sum" ] || fail "the newer store was changed"
echo "upgrade: ok"
