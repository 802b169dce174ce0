#!/usr/bin/env bash
# test_help_options.sh: `plumbline COMMAND --help` and `plumbline help COMMAND` print the
# options block generated from the command's option table (one line per option, aligned), and
# the table's parser refuses an unknown option with exit 2 naming it.
source "$(dirname "$0")/lib.sh"

# check CMD... LINE: the help of CMD contains LINE (a generated option line: the option, blanks
# up to the help column, its help) and exits 0.
check() {
	local line=${*: -1} rc=0
	"$PLUMBLINE" "${@:1:$#-1}" --help >"$tmp/h" 2>"$tmp/e" || rc=$?
	[ "$rc" = 0 ] || fail "'${*:1:$#-1} --help' exited $rc: $(cat "$tmp/e")"
	grep -qE -- "^$line" "$tmp/h" || fail "'${*:1:$#-1} --help' lacks '$line'"
	"$PLUMBLINE" help "$1" >"$tmp/h2"
	grep -qE -- "^$line" "$tmp/h2" || fail "'help $1' lacks '$line'"
}

check compare "      --against ID +the candidate entry"
check verify "      --no-register +check a report's signature alone"
check register "      --latency-ms MS +add: the night's median latency"
check alert test "      --channel NAME +only this channel"
check simulate "      --tls-key PEM +the certificate's private key"
check demo "      --suite FILE +the suite to use"

for c in compare verify "register show" "alert test" simulate demo; do
	rc=0
	# shellcheck disable=SC2086
	"$PLUMBLINE" $c --no-such-option >"$tmp/o" 2>"$tmp/e" </dev/null || rc=$?
	[ "$rc" = 2 ] || fail "'$c --no-such-option' exited $rc, want 2"
	grep -q "unknown option '--no-such-option'" "$tmp/e" || fail "'$c': $(cat "$tmp/e")"
done

# A command that tells its own exit codes (import, doctor, alert) shows only those: the generic
# table ("1 a change was detected", "3 ... outage") would contradict them. Every other command
# shows the generic one; each help has exactly one.
for c in alert baseline check compare demo doctor import init keygen register run simulate verify; do
	"$PLUMBLINE" help "$c" >"$tmp/h"
	n=$(grep -cE '^exit( codes)?:' "$tmp/h" || true)
	[ "$n" = 1 ] || fail "'help $c' has $n exit code tables: $(grep -E '^exit' "$tmp/h")"
done
for c in alert doctor import; do
	"$PLUMBLINE" help "$c" >"$tmp/h"
	! grep -q "a change was detected" "$tmp/h" || fail "'help $c' appends the generic exit codes"
	"$PLUMBLINE" "$c" --help >"$tmp/h"
	! grep -q "a change was detected" "$tmp/h" || fail "'$c --help' appends the generic exit codes"
done
"$PLUMBLINE" help run >"$tmp/h"
grep -q "a change was detected" "$tmp/h" || fail "'help run' lost the generic exit codes"
# An unknown command: named, and the commands listed; never "see 'plumbline help nonsense'" (a
# help page that does not exist) or "see 'plumbline help help'"
for args in "nonsense" "help nonsense"; do
	expect_exit 2 "$PLUMBLINE" $args
	grep -q "unknown command 'nonsense'" "$tmp/last.err" && grep -q "^  verify " "$tmp/last.err" &&
		! grep -q "plumbline help \(nonsense\|help\)" "$tmp/last.err" || fail "'$args': $(cat "$tmp/last.err")"
done
# the usage lines of baseline record name every option it takes (--record, --replay and
# --max-tokens were listed below them only)
"$PLUMBLINE" baseline --help | sed -n '1,/^$/p' >"$tmp/u"
for o in --record --replay --max-tokens --max-requests --max-cost --dry-run --date --resume --prompt; do
	grep -q -- "$o" "$tmp/u" || fail "baseline usage lacks $o: $(cat "$tmp/u")"
done
echo ok
