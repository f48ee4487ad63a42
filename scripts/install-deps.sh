#!/bin/sh
# Install the Debian packages lanu builds and tests with, if any is missing. (prometheus
# for promtool, which integ.metrics checks the metrics page with; its own service is not
# started by a package install on a machine without systemd running. python3-aiosmtpd and
# openssl for the SMTP server and certificate the e-mail channel's tests use.)
set -eu

PKGS="cmake make gcc clang pkg-config debhelper dpkg-dev libzmq3-dev liblmdb-dev lmdb-utils
libprotobuf-c-dev protobuf-c-compiler libevent-dev libsystemd-dev libcmocka-dev
libjansson-dev libyaml-dev libsodium-dev libclang-rt-14-dev systemd tzdata
chromium mandoc prometheus curl python3-protobuf protobuf-compiler
libcurl4-openssl-dev python3-aiosmtpd openssl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
