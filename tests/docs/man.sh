#!/usr/bin/env bash
# The manual pages and the bash completion against the programs they describe, so they
# cannot silently fall behind: every page is clean under `mandoc -Tlint -W warning`; the
# completion parses; every option each program's --help lists is in its page; every
# lanuctl command (and plan/keys/clock subcommand) of `lanuctl --help` is in lanuctl.1
# and in the completion; `--version` and `-V` print "NAME VERSION" and exit 0.
#
# usage: man.sh MANDOC VERSION LANUD LANUCTL IMPORT NOTIFY COMPLETION PAGE...
set -uo pipefail

MANDOC=$1
VERSION=$2
LANUD=$3
LANUCTL=$4
IMPORT=$5
NOTIFY=$6
COMPLETION=$7
shift 7
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

page() {
	local p
	for p in "${pages[@]}"; do
		[[ $(basename "$p") == "$1" ]] && { echo "$p"; return; }
	done
	fail "no page $1 among the arguments"
}

pages=("$@")
[ ${#pages[@]} -gt 0 ] || fail "no pages given"
for p in "${pages[@]}"; do
	out=$("$MANDOC" -Tlint -W warning "$p" 2>&1) || fail "mandoc -Tlint failed on $p"
	[ -z "$out" ] || fail "mandoc -Tlint -W warning on $p:"$'\n'"$out"
done

bash -n "$COMPLETION" || fail "bash -n $COMPLETION"

# --version and -V: "NAME VERSION", exit 0.
for bin in "$LANUD" "$LANUCTL" "$IMPORT" "$NOTIFY"; do
	name=$(basename "$bin")
	for opt in --version -V; do
		out=$("$bin" $opt 2>&1)
		rc=$?
		[ $rc -eq 0 ] || fail "$name $opt exited $rc"
		[ "$out" = "$name $VERSION" ] || fail "$name $opt printed '$out', not '$name $VERSION'"
	done
done

# Every --option a program's --help names is in its page, as `Fl \-option`.
check_options() {
	local bin=$1 man=$2 help o
	help=$("$bin" --help) || { fail "$(basename "$bin") --help exited $?"; return; }
	for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
		grep -q -- "Fl \\\\${o#-}\\b" "$man" ||
			fail "$(basename "$man") lacks $o (from $(basename "$bin") --help)"
	done
}
check_options "$LANUD" "$(page lanud.8)"
check_options "$LANUCTL" "$(page lanuctl.1)"
check_options "$IMPORT" "$(page lanu-absence-import.1)"
check_options "$NOTIFY" "$(page lanu-notify.1)"

# Every lanuctl command of --help, and each of its subcommands, in lanuctl.1 (as
# `.It Cm command [sub]`) and in the completion (as a word).
man1=$(page lanuctl.1)
help=$("$LANUCTL" --help)
comp_cmds=$(sed -n '/commands="/,/"$/p' "$COMPLETION")
n=0
while read -r cmd sub _; do
	n=$((n + 1))
	grep -Eq "^\.It Cm $cmd( |$)" "$man1" || fail "lanuctl.1 lacks the command '$cmd'"
	grep -qw -- "$cmd" <<<"$comp_cmds" || fail "the completion lacks the command '$cmd'"
	case $cmd in
	plan | keys | clock)
		grep -Eq "^\.It Cm $cmd $sub( |$)" "$man1" ||
			fail "lanuctl.1 lacks '$cmd $sub'"
		grep -qw -- "$sub" "$COMPLETION" || fail "the completion lacks '$cmd $sub'"
		;;
	esac
done < <(sed -n '/^commands:/,/^exit status/p' <<<"$help" | grep -E '^  [a-z]')
[ $n -gt 10 ] || fail "found only $n commands in lanuctl --help"

# Every --option of lanuctl --help is completed.
for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
	grep -q -- "$o\\b" "$COMPLETION" || fail "the completion lacks $o"
done

[ $failed -eq 0 ] && echo "ok: ${#pages[@]} pages, $n lanuctl command lines"
exit $failed
