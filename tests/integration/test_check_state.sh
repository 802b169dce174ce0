#!/usr/bin/env bash
# test_check_state.sh: a change that makes a check fail, once confirmed, is the new state: its
# failing pass rate is that state's, not a change again. The checks' pass rates were judged
# against the baseline whatever the state, so a vendor that changed once and stayed so opened
# a new epoch every other night (suspected e3, confirmed e3, suspected e4, confirmed e4, ...),
# each an alarm and a register entry. Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/cs"
cfg="$dir/plumbline.json"

# night N DATE WANT_EXIT [SIM ARGS...]: one night against a fresh simulator; sets $report.
night() {
	local n=$1 date=$2 want=$3
	shift 3
	sim_start "n$n" --seed 3 --night "$n" "$@"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$cfg"
	expect_exit "$want" "$PLUMBLINE" run --config "$cfg" --date "$date" --quiet "$suite"
	sim_stop
	report="$dir/reports/$date/sim-demo.json"
	echo "  $date: $(detect stage) $(detect epoch) $(json_get "$report" 'd["summary"]')"
}
detect() { json_get "$report" "d['detection'].get('$1')"; }

setup_sim "$dir" "$suite" 3

for n in 1 2 3; do night "$n" "2026-04-0$n" 0; done
# 'longer' adds a sentence after the JSON answers: product-json's json_schema check fails
night 4 2026-04-04 1 --drift longer
[ "$(detect stage)" = suspected ] && [ "$(detect epoch)" = e2 ] || fail "first changed night"
json_get "$report" 'd["summary"]' | grep -q "check json_schema#1 passing 100% -> 0%" ||
	fail "the check's fall is not named"
night 5 2026-04-05 1 --drift longer
[ "$(detect stage)" = confirmed ] && [ "$(detect epoch)" = e2 ] || fail "second changed night"
# the changed behaviour again: no new epoch, no alarm (exit 1: the check itself still fails)
for n in 6 7 8; do
	night "$n" "2026-04-0$n" 1 --drift longer
	[ "$(detect epoch)" = e2 ] || fail "night $n: epoch $(detect epoch), not e2"
	[ "$(detect verdict)" = no_change ] || fail "night $n: detection $(detect verdict)"
	[ "$(json_get "$report" 'd["verdict"]')" = checks_failed ] || fail "night $n: verdict"
done
echo "a check that fails with a confirmed change: ok"
