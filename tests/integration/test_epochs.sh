#!/usr/bin/env bash
# test_epochs.sh: an epoch is a behaviour, kept across accepts. Baseline (e1) -> a changed night
# (suspected epoch e2) -> the change is accepted as the new baseline -> a night back at the
# original behaviour is recognised as a return to the known state e1 (not "new epoch e2" again,
# as when numbering restarted with the new baseline; no alarm), a night of the accepted
# behaviour again is a return to e2, and no epoch ID ever names two behaviours (reports,
# history, `register show`).
# Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/ep"
cfg="$dir/plumbline.json"

# night N DATE WANT_EXIT [SIM ARGS...]: one night against a fresh simulator; sets $report.
night() {
	local n=$1 date=$2 want=$3
	shift 3
	sim_start "n$n" --seed 5 --night "$n" "$@"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$cfg"
	expect_exit "$want" "$PLUMBLINE" run --config "$cfg" --date "$date" --quiet "$suite"
	sim_stop
	report="$dir/reports/$date/sim-demo.json"
	if [ ! -f "$report.minisig" ]; then # as test_baseline_accept: until run appends itself
		expect_exit 0 "$PLUMBLINE" register add --config "$cfg" "$report" --vendor sim \
			--model sim-gpt-1 --suite demo --verdict "$(json_get "$report" 'd["verdict"]')" \
			--epoch "$(json_get "$report" 'd["detection"]["epoch"]')"
	fi
	echo "  $date: $(json_get "$report" 'd["detection"]["epoch"]') $(json_get "$report" 'd["summary"]')"
}
epoch() { json_get "$report" 'd["detection"]["epoch"]'; }
summary() { json_get "$report" 'd["summary"]'; }

setup_signed_sim "$dir" "$suite"

night 1 2026-03-01 0
[ "$(epoch)" = e1 ] || fail "first night: epoch $(epoch)"
night 2 2026-03-02 1 --drift swap
[ "$(epoch)" = e2 ] || fail "swap: epoch $(epoch)"
summary | grep -q "suspected: epoch e2" || fail "swap: $(summary)"
changed="$report"

# (the night's 10 answers a prompt are topped up to baseline_samples from the swapped vendor)
sim_start topup --seed 5 --night 2 --drift swap
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" baseline accept --config "$cfg" --report "$changed" \
	--reason "vendor confirmed the model swap" --by alice --top-up
sim_stop
hist="$dir/state/history/sim/sim-gpt-1/demo.jsonl"
[ ! -f "$hist" ] || fail "the history was not moved aside"

# the accepted behaviour under the new baseline: still e2, no change
night 3 2026-03-03 0 --drift swap
[ "$(epoch)" = e2 ] || fail "accepted behaviour: epoch $(epoch) ($(summary))"

# back at the original behaviour: a return to e1, from before the accept
night 4 2026-03-04 1
[ "$(epoch)" = e1 ] || fail "return to the pre-accept behaviour: epoch $(epoch) ($(summary))"
summary | grep -q "back at known state e1" || fail "return not named: $(summary)"
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = no_change ] || fail "return alarmed: $(summary)"
# (exit 1: the checks, written for the accepted answers, fail; detection sees no change)
night 5 2026-03-05 1
[ "$(epoch)" = e1 ] || fail "after the return: epoch $(epoch)"
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = no_change ] || fail "after the return: $(summary)"

# and the accepted behaviour again: a return to e2 (never a new e3), no alarm, checks pass
night 6 2026-03-06 0 --drift swap
[ "$(epoch)" = e2 ] || fail "return to the accepted behaviour: epoch $(epoch) ($(summary))"
summary | grep -q "back at known state e2" || fail "return not named: $(summary)"

# one behaviour per epoch ID: over every night in the history (the current one and the one
# moved aside by the accept), an ID's nights give the same most common answer to
# product-json (the prompt the swap changes), and e1's differs from e2's
python3 - "$(dirname "$hist")" <<'PY' || fail "an epoch ID names two behaviours"
import glob, json, sys
seen = {}
for f in glob.glob(sys.argv[1] + "/demo.jsonl*"):
    for line in open(f):
        d = json.loads(line)
        seen.setdefault(d["epoch"], set()).add(d["sketch"]["product-json"]["mode"])
assert set(seen) == {"e1", "e2"}, seen
assert all(len(m) == 1 for m in seen.values()), seen
assert seen["e1"] != seen["e2"], seen
PY
expect_exit 0 "$PLUMBLINE" register show --config "$cfg"
cat "$tmp/last.out"
[ "$(grep -c 'new epoch e2' "$tmp/last.out")" -le 1 ] || fail "register show: e2 opened more than once"
# the returns to known states are no changes: the swap is the only one
[ "$(grep -c ': CHANGED' "$tmp/last.out")" = 1 ] || fail "register show: a return listed as a change"
grep -q 'sim/sim-gpt-1 *e2 ' "$tmp/last.out" || fail "register show: current epoch"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
# the epoch registry beside the history: the baseline's epoch and both epochs, e1 dated by
# the first night it was seen
python3 - "$dir/state/history/sim/sim-gpt-1/demo.epochs.json" <<'PY' || fail "epoch registry"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["baseline"] == "e2", r["baseline"]
eps = {e["id"]: e for e in r["epochs"]}
assert sorted(eps) == ["e1", "e2"], sorted(eps)
assert eps["e1"]["since"] == "2026-03-01" and eps["e1"]["nights"] == 3, eps["e1"]
assert eps["e2"]["since"] == "2026-03-02" and eps["e2"]["last"] == "2026-03-06", eps["e2"]
PY
echo "epochs across an accept: ok"
