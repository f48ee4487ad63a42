#!/usr/bin/env bash
# The Debian package, installed for real on this machine (CI's fresh Debian 12, as root):
# it installs, its unit verifies, its configuration checks, the installed lanud started
# as the unit would start it (user lanu, /run/lanu) answers lanuctl, and purging it
# leaves nothing behind. Needs no running systemd (a container's PID 1 is not systemd):
# the unit is verified offline and lanud is started by hand.
# Usage: package.sh DEB (e.g. dist/lanu_0.2.0-1_amd64.deb, from `make deb`).
set -eu

deb=${1:?usage: package.sh DEB}
conf=/etc/lanu/lanud.conf
lanud_pid=
made_run_dir=

fail() {
	echo "package.sh: $*" >&2
	exit 1
}

cleanup() {
	if [ -n "$lanud_pid" ] && kill -0 "$lanud_pid" 2>/dev/null; then
		kill -KILL "$lanud_pid" 2>/dev/null || true
	fi
	[ -z "$made_run_dir" ] || rm -rf /run/lanu
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || fail "must run as root (it installs and purges the package)"
[ -f "$deb" ] || fail "no package '$deb'"
if dpkg-query -W -f='${Status}' lanu 2>/dev/null | grep -q installed; then
	fail "lanu is installed already; purge it first (apt-get purge lanu)"
fi

# 1. Install, as an administrator would (apt wants a path with a slash).
echo "package.sh: installing $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(realpath "$deb")" >/dev/null ||
	fail "apt-get install '$deb' failed"
dpkg-query -W -f='${Status}' lanu | grep -q "install ok installed" || fail "lanu is not installed"
dpkg -L lanu >"${TMPDIR:-/tmp}/lanu-package-files.$$"
files=${TMPDIR:-/tmp}/lanu-package-files.$$

# 2. What the maintainer scripts made: the user, the directories, their modes.
getent passwd lanu >/dev/null || fail "no user lanu after install (sysusers)"
[ "$(stat -c '%a %U:%G' /etc/lanu)" = "750 root:lanu" ] ||
	fail "/etc/lanu is $(stat -c '%a %U:%G' /etc/lanu), not 750 root:lanu (tmpfiles)"
[ "$(stat -c '%a %U:%G' /var/lib/lanu)" = "700 lanu:lanu" ] ||
	fail "/var/lib/lanu is $(stat -c '%a %U:%G' /var/lib/lanu), not 700 lanu:lanu (tmpfiles)"
grep -qx /etc/lanu/lanud.conf /var/lib/dpkg/info/lanu.conffiles || fail "lanud.conf is not a conffile"
grep -qx /etc/lanu/plan.yaml /var/lib/dpkg/info/lanu.conffiles || fail "plan.yaml is not a conffile"
[ -L /etc/systemd/system/multi-user.target.wants/lanud.service ] ||
	fail "lanud.service is not enabled after install"
[ -f /usr/share/lanu/plans/seinajoki-2022-2025.yaml ] || fail "no example plans in /usr/share/lanu/plans"
[ -f /usr/share/doc/lanu/docs/configuration.md ] || fail "no docs in /usr/share/doc/lanu"
# The manual pages, where man finds them (man -w: the page's file, if man is installed).
for page in man8/lanud.8 man1/lanuctl.1 man1/lanu-absence-import.1 man1/lanu-notify.1 \
	man5/lanud.conf.5 man5/lanu-plan.5; do
	[ -f "/usr/share/man/$page.gz" ] || fail "no /usr/share/man/$page.gz"
done
if command -v man >/dev/null; then
	man -w lanud >/dev/null 2>&1 || fail "man -w lanud finds no page"
fi
[ -f /usr/share/bash-completion/completions/lanuctl ] || fail "no bash completion for lanuctl"

# 3. The unit, verified offline: systemd-analyze verify needs no running systemd. It checks
# the unit's syntax, that ExecStart='s program exists and is executable, and the units it
# names (network.target, multi-user.target); anything it prints is a finding.
unit=
for u in /lib/systemd/system/lanud.service /usr/lib/systemd/system/lanud.service; do
	[ -f "$u" ] && unit=$u && break
done
[ -n "$unit" ] || fail "no lanud.service installed"
out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify $unit failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify $unit: $out"
grep -q '^ExecStart=/usr/sbin/lanud -c /etc/lanu/lanud.conf$' "$unit" ||
	fail "unit's ExecStart is not /usr/sbin/lanud -c $conf"
# The nightly backup: its service and timer verify too, and the timer is enabled.
for u in lanu-backup.service lanu-backup.timer; do
	out=$(systemd-analyze verify "$(dirname "$unit")/$u" 2>&1) ||
		fail "systemd-analyze verify $u failed: $out"
	[ -z "$out" ] || fail "systemd-analyze verify $u: $out"
done
grep -q '^ExecStart=/usr/bin/lanuctl -c /etc/lanu/lanud.conf backup$' \
	"$(dirname "$unit")/lanu-backup.service" || fail "lanu-backup.service's ExecStart is wrong"
[ -L /etc/systemd/system/timers.target.wants/lanu-backup.timer ] ||
	fail "lanu-backup.timer is not enabled after install"
# lanu-notify: installed, its unit verifies, and it is not enabled (its configuration
# is the administrator's to write first).
/usr/bin/lanu-notify --version | grep -q '^lanu-notify ' || fail "no /usr/bin/lanu-notify"
out=$(systemd-analyze verify "$(dirname "$unit")/lanu-notify.service" 2>&1) ||
	fail "systemd-analyze verify lanu-notify.service failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify lanu-notify.service: $out"
grep -q '^ExecStart=/usr/bin/lanu-notify -c /etc/lanu/lanu-notify.conf$' \
	"$(dirname "$unit")/lanu-notify.service" || fail "lanu-notify.service's ExecStart is wrong"
[ ! -e /etc/systemd/system/multi-user.target.wants/lanu-notify.service ] ||
	fail "lanu-notify.service is enabled after install"
[ -f /usr/share/doc/lanu/examples/lanu-notify.conf ] || fail "no example lanu-notify.conf"

# 4. The configuration and its plan.
/usr/sbin/lanud --check-config -c "$conf" || fail "lanud --check-config -c $conf failed"
lanuctl plan check /etc/lanu/plan.yaml >/dev/null || fail "the installed plan does not check"

# 5. lanud as the unit runs it: user lanu, UMask=0007, sockets in /run/lanu (0750
# lanu:lanu, as RuntimeDirectory= makes it), state in /var/lib/lanu. Wait (bounded) until
# lanuctl status answers.
if [ ! -d /run/lanu ]; then
	install -d -m 0750 -o lanu -g lanu /run/lanu
	made_run_dir=1
fi
# runuser stays lanud's parent (its PAM session) and, sent SIGTERM itself, kills lanud
# and exits 143; as systemd does, signal lanud: runuser's child.
(umask 0007 && exec runuser -u lanu -- /usr/sbin/lanud -c "$conf") &
runuser_pid=$!
lanud_pid=
for _ in $(seq 1 20); do
	lanud_pid=$(pgrep -P "$runuser_pid" -x lanud || true)
	[ -n "$lanud_pid" ] && break
	sleep 0.25
done
[ -n "$lanud_pid" ] || fail "lanud did not start under runuser"
answered=
for _ in $(seq 1 60); do
	kill -0 "$lanud_pid" 2>/dev/null || fail "lanud exited before answering"
	if status=$(lanuctl -c "$conf" -t 1000 status 2>/dev/null); then
		answered=1
		break
	fi
	sleep 0.5
done
[ -n "$answered" ] || fail "lanuctl -c $conf status got no answer in 30 s"
echo "package.sh: lanud answered:"
echo "$status" | head -n 3
[ -f /var/lib/lanu/data.mdb ] || fail "lanud keeps no store in /var/lib/lanu"
[ "$(stat -c %U /var/lib/lanu/data.mdb)" = lanu ] || fail "the store is not lanu's"
# A backup, asked by a member of group lanu as the nightly timer does, lands in
# /var/backups/lanu, private.
backup=$(runuser -u lanu -- lanuctl -c "$conf" backup package-test.mdb) ||
	fail "lanuctl backup failed: $backup"
[ "$(stat -c '%a %U' /var/backups/lanu/package-test.mdb)" = "600 lanu" ] ||
	fail "the backup is not 600 lanu: $(ls -l /var/backups/lanu)"

# Stop it as systemd would (SIGTERM): it exits 0 in bounded time.
kill -TERM "$lanud_pid"
for _ in $(seq 1 60); do
	kill -0 "$lanud_pid" 2>/dev/null || break
	sleep 0.5
done
kill -0 "$lanud_pid" 2>/dev/null && fail "lanud did not stop within 30 s of SIGTERM"
rc=0
wait "$runuser_pid" || rc=$?	# runuser exits with lanud's status
lanud_pid=
[ "$rc" -eq 0 ] || fail "lanud exited $rc on SIGTERM"
if [ -n "$made_run_dir" ]; then
	rm -rf /run/lanu
	made_run_dir=
fi

# 6. Purge, and nothing is left: no directory of lanu's, no file of the package, no
# enablement link, and dpkg has forgotten it.
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq lanu >/dev/null || fail "apt-get purge lanu failed"
for d in /etc/lanu /var/lib/lanu /var/backups/lanu /usr/share/lanu /usr/share/doc/lanu; do
	[ ! -e "$d" ] || fail "$d is left after purge"
done
while read -r f; do
	[ -d "$f" ] && continue	# shared directories (/usr/bin, ...) stay
	[ ! -e "$f" ] && [ ! -L "$f" ] || fail "$f is left after purge"
done <"$files"
rm -f "$files"
[ ! -e /etc/systemd/system/multi-user.target.wants/lanud.service ] ||
	fail "the unit's enablement link is left after purge"
# Anything else of lanu's in the places a package or its scripts write (state of
# deb-systemd-helper, dpkg's own records, links): the lanu user alone stays, as Debian
# leaves system users.
left=$(find /etc /var/lib /lib/systemd /usr/lib/systemd /usr/lib/sysusers.d /usr/lib/tmpfiles.d \
	/usr/share /usr/bin /usr/sbin -xdev \( -name lanu -o -name 'lanu[._-]*' -o \
	-name 'lanud*' -o -name 'lanuctl*' \) -print 2>/dev/null | head -n 5)
[ -z "$left" ] || fail "left after purge: $left"
if dpkg-query -W -f='${Status}' lanu >/dev/null 2>&1; then
	fail "dpkg still lists lanu after purge: $(dpkg -l lanu | tail -n 1)"
fi
echo "package.sh: ok"
