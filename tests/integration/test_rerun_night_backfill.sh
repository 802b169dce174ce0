#!/usr/bin/env bash
# test_rerun_night_backfill.sh: a night that is not the latest of the history, run again with
# --force (a backfill), is judged as it was: against the baseline and the nights before it,
# never against the later ones.
#  1. Nights 1..3 unchanged, then the vendor changes (nights 4 suspected, 5 confirmed). Night 2
#     run again with --force, the vendor unchanged as it was that night: no change (before:
#     judged against nights 4 and 5, it was "changed"); the history keeps one line a night,
#     in night order; the epoch registry and its snapshot (*.prev), which hold the endpoint's
#     latest state, are left byte for byte.
#  2. The next night after it is judged as if the backfill had not happened: night 6 (changed
#     vendor) carries on the confirmed epoch, no new suspicion.
# Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/bf"
cfg="$dir/plumbline.json"
hist="$dir/state/history/sim/sim-gpt-1/demo.jsonl"
epochs="$dir/state/history/sim/sim-gpt-1/demo.epochs.json"

# night DATE WANT_EXIT [SIM ARGS...]: one night against a fresh simulator
night() {
	local date=$1 want=$2
	shift 2
	sim_start "n$date" --seed 5 --night "${date##*-}" "$@"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$cfg"
	expect_exit "$want" "$PLUMBLINE" run --config "$cfg" --date "$date" --quiet ${RUN_ARGS:-} "$suite"
	sim_stop
}
report() { echo "$dir/reports/$1/sim-demo.json"; }
field() { json_get "$(report "$1")" "$2"; }
# the history's nights, in file order
hist_nights() { python3 -c 'import json,sys; print(" ".join(json.loads(l)["night"] for l in open(sys.argv[1]) if l.strip()))' "$hist"; }

setup_signed_sim "$dir" "$suite"
for d in 01 02 03; do night 2026-03-$d 0; done
night 2026-03-04 1 --drift longer
[ "$(field 2026-03-04 'd["detection"]["stage"]')" = suspected ] || fail "night 4 not suspected: $(field 2026-03-04 'd["summary"]')"
night 2026-03-05 1 --drift longer
[ "$(field 2026-03-05 'd["detection"]["stage"]')" = confirmed ] || fail "night 5 did not confirm: $(field 2026-03-05 'd["summary"]')"
epoch5=$(field 2026-03-05 'd["detection"]["epoch"]')
first2=$(field 2026-03-02 'd["verdict"]')
line2=$(grep '"night":"2026-03-02"' "$hist")
reg_sha=$(sha256sum "$epochs" | cut -d' ' -f1)
prev_sha=$(sha256sum "$epochs.prev" | cut -d' ' -f1)

# 1. night 2 run again, the vendor as it was then
RUN_ARGS=--force night 2026-03-02 0
verdict=$(field 2026-03-02 'd["verdict"]')
[ "$verdict" = "$first2" ] || fail "night 2 run again: $verdict (first run: $first2): $(field 2026-03-02 'd["summary"]')"
[ "$(field 2026-03-02 'd["detection"].get("stage", "none")')" = none ] ||
	fail "night 2 run again has a stage: $(field 2026-03-02 'd["summary"]')"
[ "$(field 2026-03-02 'd["detection"]["epoch"]')" = e1 ] ||
	fail "night 2 run again is not the baseline's epoch: $(field 2026-03-02 'd["summary"]')"
# before: "back at known state e1 ...; multi-state endpoint, known states: e1, e2", e2 being
# the state nights 4 and 5 showed
! field 2026-03-02 'd["detection"]["summary"]' | grep -qE 'back at|multi-state|e2' ||
	fail "night 2 run again was judged against the later nights: $(field 2026-03-02 'd["detection"]["summary"]')"
! grep '"night":"2026-03-02"' "$hist" | grep -q '"returned":true' || fail "night 2's line says it returned"
[ "$(hist_nights)" = "2026-03-01 2026-03-02 2026-03-03 2026-03-04 2026-03-05" ] ||
	fail "history nights: $(hist_nights)"
grep -q '"night":"2026-03-02"' "$hist" || fail "night 2's line is gone"
[ "$(grep '"night":"2026-03-02"' "$hist")" != "$line2" ] || fail "night 2's line was not replaced"
[ "$(sha256sum "$epochs" | cut -d' ' -f1)" = "$reg_sha" ] || fail "the backfill rewrote the epoch registry"
[ "$(sha256sum "$epochs.prev" | cut -d' ' -f1)" = "$prev_sha" ] || fail "the backfill rewrote the registry snapshot"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
echo "  night 2 run again: $verdict as first run, judged against nights 1; one line a night"

# 2. the next night is judged as it would have been
night 2026-03-06 1 --drift longer
[ "$(field 2026-03-06 'd["detection"]["epoch"]')" = "$epoch5" ] ||
	fail "night 6 left the confirmed epoch: $(field 2026-03-06 'd["summary"]')"
[ "$(field 2026-03-06 'd["detection"].get("stage", "none")')" != suspected ] ||
	fail "night 6 suspected a change again: $(field 2026-03-06 'd["summary"]')"
[ "$(hist_nights)" = "2026-03-01 2026-03-02 2026-03-03 2026-03-04 2026-03-05 2026-03-06" ] ||
	fail "history nights: $(hist_nights)"
echo "ok: a backfilled night is judged against the nights before it, the later nights untouched"
