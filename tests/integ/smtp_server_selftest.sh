#!/bin/bash
# Checks tests/integ/smtp_server.py with the curl CLI, by hand (not in CMake):
#   bash tests/integ/smtp_server_selftest.sh
# A self-signed certificate for 127.0.0.1; the server with STARTTLS, AUTH and --fail-first 1.
# Without STARTTLS curl is refused (MAIL 530: exit 55), a wrong password too (535: exit 67),
# the first good send gets 451 (curl says "Weird server reply": exit 8), the second is
# recorded, once, with tls true and auth "u"; a --reject-rcpt address gets 550 (exit 55).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtp-selftest.XXXXXX")
pid=""
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "smtp_server_selftest: FAIL: $*" >&2
	[ ! -f "$dir/server.log" ] || sed 's/^/  | /' "$dir/server.log" >&2
	exit 1
}

cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout key.pem -out cert.pem 2>/dev/null

/usr/bin/python3 "$here/smtp_server.py" --port-file port --out out.jsonl \
	--tls-cert cert.pem --tls-key key.pem --auth u:p --fail-first 1 \
	--reject-rcpt nobody@example.test 2>server.log &
pid=$!
for _ in $(seq 100); do
	[ -f port ] && break
	kill -0 "$pid" 2>/dev/null || fail "server exited"
	sleep 0.1
done
[ -f port ] || fail "no port file after 10 s"
url="smtp://127.0.0.1:$(cat port)"

printf 'From: lanu <lanu@example.test>\r\nTo: ops@example.test\r\nSubject: caf\303\251\r\n\r\nDisk full on h\303\264te-1\r\n' >msg.eml

# send EXPECTED-EXIT CURL-OPTIONS...: curl's exit code must be EXPECTED.
send() {
	want=$1
	shift
	rc=0
	curl -sS --max-time 10 "$url" --mail-from lanu@example.test \
		--upload-file msg.eml "$@" 2>>curl.log || rc=$?
	[ "$rc" -eq "$want" ] || fail "curl $* exited $rc, not $want: $(tail -n1 curl.log)"
}
tls="--ssl-reqd --cacert cert.pem"

# (a) no STARTTLS, no credentials: MAIL refused with 530.
send 55 --mail-rcpt ops@example.test
# (c) a wrong password: 535.
send 67 $tls --user u:wrong --mail-rcpt ops@example.test
# A rejected recipient: 550.
send 55 $tls --user u:p --mail-rcpt nobody@example.test
# (b) the first DATA fails with 451, the second is accepted; AUTH LOGIN as well as PLAIN.
send 8 $tls --user u:p --mail-rcpt ops@example.test
send 0 $tls --user u:p --login-options AUTH=LOGIN --mail-rcpt ops@example.test

/usr/bin/python3 - out.jsonl <<'EOF' || fail "out.jsonl: $(cat out.jsonl)"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
assert len(records) == 1, records
r = records[0]
assert r["n"] == 1 and r["tls"] is True and r["auth"] == "u", r
assert r["mail_from"] == "lanu@example.test" and r["rcpt_tos"] == ["ops@example.test"], r
assert r["data"].endswith("\r\n\r\nDisk full on h\u00f4te-1\r\n"), r
assert "Subject: caf\u00e9\r\n" in r["data"], r
EOF

# SIGTERM: a clean exit 0.
kill "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" -eq 0 ] || fail "server exited $rc on SIGTERM"
echo "smtp_server_selftest: ok"
