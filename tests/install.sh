#!/usr/bin/env bash
# install.prefix: `cmake --install` writes only under the prefix (under DESTDIR/prefix with
# DESTDIR), and the installed parts find each other there: the unit's ExecStart= is the
# installed lanud and names the installed lanud.conf, which lanud accepts and whose plan
# is the installed one (a valid plan), and whose comment names the installed docs; the
# installed programs read that lanud.conf when not told another.
# Usage: install.sh BUILD_DIR (lanud, lanuctl and lanu-absence-import built in it).
set -eu

build=${1:?usage: install.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "install.sh: $*" >&2
	exit 1
}

# install ROOT PREFIX: cmake --install with DESTDIR ROOT (or none) and PREFIX; checks that
# every file it reports installing is under PREFIX (or /etc and /var for prefix /usr) and
# exists under ROOT, and that nothing named *lanu* appeared in the usual places outside.
install() {
	local root=$1 prefix=$2
	touch "$tmp/marker"
	sleep 1	# mtimes: anything written by the install is strictly newer than the marker
	if ! DESTDIR=$root cmake --install "$build" --prefix "$prefix" >"$tmp/log" 2>&1; then
		cat "$tmp/log" >&2
		fail "cmake --install --prefix '$prefix' (DESTDIR '$root') failed"
	fi
	# The manifest names final paths (without DESTDIR): under the prefix, or /etc and
	# /var for prefix /usr; each must exist under DESTDIR.
	while read -r f; do
		case $f in
		"$prefix"/*) ;;
		/etc/* | /var/*) [ "$prefix" = /usr ] || fail "installed '$f', outside '$prefix'" ;;
		*) fail "installed '$f', outside '$prefix'" ;;
		esac
		[ -e "$root$f" ] || fail "'$f' is in install_manifest.txt but not in '$root$f'"
	done <"$build/install_manifest.txt"
	[ -s "$build/install_manifest.txt" ] || fail "install_manifest.txt is empty"
	# The manifest lists what cmake meant to install; look for strays too.
	local dir stray
	for dir in /etc /usr/local /usr/lib/systemd /lib/systemd /usr/lib/sysusers.d \
		/usr/lib/tmpfiles.d /usr/share/doc /var/lib; do
		[ -d "$dir" ] || continue
		stray=$(find "$dir" -xdev -newer "$tmp/marker" -name '*lanu*' -print -quit 2>/dev/null)
		[ -z "$stray" ] || fail "'$stray' written outside '$base'"
	done
}

# The value of KEY in lanud.conf FILE (the first word after it).
conf_value() {
	awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

# 1. A prefix of its own: everything under it, configuration in P/etc, state in P/var.
p=$tmp/prefix
install "" "$p"
unit=$p/lib/systemd/system/lanud.service
conf=$p/etc/lanu/lanud.conf
[ -f "$unit" ] || fail "no unit at '$unit'"
[ -f "$conf" ] || fail "no configuration at '$conf'"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "$p/sbin/lanud -c $conf" ] ||
	fail "unit's ExecStart is '$exec_start', not the installed lanud and lanud.conf"
[ -x "$p/sbin/lanud" ] || fail "ExecStart's '$p/sbin/lanud' is not installed"
grep -q "^ReadWritePaths=$p/var/lib/lanu\$" "$unit" ||
	fail "unit does not let lanud write '$p/var/lib/lanu'"
grep -q "^ReadWritePaths=-$p/var/backups/lanu\$" "$unit" ||
	fail "unit does not let lanud write its backups to '$p/var/backups/lanu'"
grep -q "^backup-dir *$p/var/backups/lanu\$" "$conf" || fail "lanud.conf's backup-dir is not P's"
grep -q "^ExecStart=$p/bin/lanuctl -c $conf backup\$" "$p/lib/systemd/system/lanu-backup.service" ||
	fail "lanu-backup.service does not run the installed lanuctl with the installed lanud.conf"
[ -f "$p/lib/systemd/system/lanu-backup.timer" ] || fail "no lanu-backup.timer"
out=$("$p/sbin/lanud" --check-config -c "$conf") || fail "lanud --check-config '$conf' failed"
echo "install.sh: $out"
# Without -c the installed programs read the installed lanud.conf (conf_default_path()).
real_conf=$(realpath "$conf")
"$p/sbin/lanud" --check-config >/dev/null || fail "installed lanud does not find '$conf' by default"
for prog in sbin/lanud bin/lanuctl bin/lanu-absence-import; do
	"$p/$prog" --help | tr -s ' \n' '  ' | grep -q "default $real_conf" ||
		fail "installed $prog's default configuration is not '$real_conf'"
done
plan=$(conf_value "$conf" plan)
[ "$plan" = "$p/etc/lanu/plan.yaml" ] || fail "lanud.conf's plan is '$plan'"
"$p/bin/lanuctl" plan check "$plan" >/dev/null || fail "installed plan '$plan' does not check"
state=$(conf_value "$conf" state-dir)
[ "$state" = "$p/var/lib/lanu" ] || fail "lanud.conf's state-dir is '$state'"
grep -q "^ingest  *ipc:///run/lanu/lanud.sock" "$conf" || fail "lanud.conf's ingest is not in /run/lanu"
grep -q "$p/share/doc/lanu/docs/configuration.md" "$conf" ||
	fail "lanud.conf does not point at the installed docs"
for f in README.md LICENSE CHANGELOG.md docs/configuration.md docs/operations.md; do
	[ -f "$p/share/doc/lanu/$f" ] || fail "'$p/share/doc/lanu/$f' is not installed"
done
grep -q "^d $p/etc/lanu 0750 root lanu" "$p/lib/tmpfiles.d/lanud.conf" ||
	fail "tmpfiles snippet does not name '$p/etc/lanu'"
grep -q "^d $p/var/lib/lanu 0700 lanu lanu" "$p/lib/tmpfiles.d/lanud.conf" ||
	fail "tmpfiles snippet does not name '$p/var/lib/lanu'"
[ -f "$p/share/lanu/plans/seinajoki-2022-2025.yaml" ] || fail "example plans not installed"

# 2. DESTDIR with prefix /usr, as a package builds: /etc and /var, all under DESTDIR.
d=$tmp/destdir
install "$d" /usr
unit=$d/usr/lib/systemd/system/lanud.service
conf=$d/etc/lanu/lanud.conf
[ -f "$unit" ] || fail "no unit at '$unit'"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "/usr/sbin/lanud -c /etc/lanu/lanud.conf" ] ||
	fail "unit's ExecStart under DESTDIR is '$exec_start'"
[ -x "$d/usr/sbin/lanud" ] || fail "ExecStart's /usr/sbin/lanud is not under DESTDIR"
grep -q "^StateDirectory=lanu\$" "$unit" || fail "unit for prefix /usr has no StateDirectory=lanu"
"$d/usr/sbin/lanud" --check-config -c "$conf" >/dev/null ||
	fail "lanud --check-config '$conf' failed"
[ "$(conf_value "$conf" plan)" = /etc/lanu/plan.yaml ] || fail "lanud.conf's plan is not /etc/lanu/plan.yaml"
[ -f "$d/etc/lanu/plan.yaml" ] || fail "no plan at /etc/lanu/plan.yaml under DESTDIR"
[ "$(conf_value "$conf" state-dir)" = /var/lib/lanu ] || fail "lanud.conf's state-dir is not /var/lib/lanu"
grep -q "/usr/share/doc/lanu/docs/configuration.md" "$conf" ||
	fail "lanud.conf does not point at /usr/share/doc/lanu"
echo "install.sh: ok"
