#!/usr/bin/env bash
# test_accept_rollback.sh: a rollback after an accept is a return, by the rates too. The
# vendor starts refusing in plain text (30%), the change is suspected, confirmed and accepted as
# the new baseline (which moves the history aside); then the vendor rolls back to its old
# behaviour: that night is "back at known state e1", no alarm (before: "refusals 22% -> 0%",
# suspected e3 and confirmed the next night, two change alerts: e1's rates were only in the
# history the accept had moved aside; the epoch registry now keeps each epoch's rates).
# Simulated vendor on 127.0.0.1 (QA, stop 32).
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/ar"
cfg="$dir/plumbline.json"
drift=(--drift refusal-text --drift-strength 0.3)

# night N WANT_EXIT [SIM ARGS...]: night 2026-11-N against a fresh simulator
night() {
	local n=$1 want=$2
	shift 2
	sim_start "n$n" --seed 5 --night "$n" "$@"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$cfg"
	expect_exit "$want" "$PLUMBLINE" run --config "$cfg" --date "2026-11-$(printf %02d "$n")" --quiet "$suite"
	sim_stop
	report="$dir/reports/2026-11-$(printf %02d "$n")/sim-demo.json"
	echo "  night $n: $(json_get "$report" 'd["summary"]')"
}
summary() { json_get "$report" 'd["summary"]'; }

setup_signed_sim "$dir" "$suite"
for n in 1 2 3 4 5 6 7 8; do night "$n" 0; done
night 9 1 "${drift[@]}"
summary | grep -q "suspected: epoch e2" || fail "the refusals were not suspected: $(summary)"
night 10 1 "${drift[@]}"
summary | grep -q "confirmed: new epoch e2" || fail "the refusals were not confirmed: $(summary)"
sim_start topup --seed 5 --night 10 "${drift[@]}"
sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$cfg"
expect_exit 0 "$PLUMBLINE" baseline accept --config "$cfg" --report "$dir/reports/2026-11-10/sim-demo.json" \
	--reason "release notes" --by qa --top-up
sim_stop
# the rollback, the night after the accept: the old behaviour, no refusals
night 12 0
summary | grep -q "back at known state e1" || fail "the rollback is not a return to e1: $(summary)"
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = no_change ] || fail "the rollback alarmed: $(summary)"
night 13 0
[ "$(json_get "$report" 'd["detection"]["epoch"]')" = e1 ] || fail "after the rollback: $(summary)"
"$PLUMBLINE" register show --config "$cfg" >"$tmp/show.out" 2>&1 || fail "register show: $(cat "$tmp/show.out")"
grep -q "2026-11-12.*RETURNED" "$tmp/show.out" || fail "register show: the rollback is not a return: $(cat "$tmp/show.out")"
! grep -q "2026-11-12.*CHANGED" "$tmp/show.out" || fail "register show: the rollback counted as a change"
echo "ok: a rollback after an accept is a return to e1"
