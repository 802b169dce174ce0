#!/usr/bin/env bash
# test_hard_signals.sh: a hard signal (here the model id) is judged before anything else: too
# few answers for the distance test (one sample a prompt with "distance": "mmd", or a suite
# with fewer prompts than its baseline) never hides it, and the summary counts the prompts
# that were answered, not only those the distance could judge.
source "$(dirname "$0")/lib.sh"

# suite SRC DEST SAMPLES N_PROMPTS: the demo suite cut to N prompts, SAMPLES each, MMD distance.
suite() {
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["prompts"] = d["prompts"][: int(sys.argv[4])]
d["defaults"]["samples"] = int(sys.argv[3])
d["detection"] = {"distance": "mmd"}
json.dump(d, open(sys.argv[2], "w"))
PY
}

# night DIR SUITE DATE EXPECTED_EXIT [SIM ARGS...]
night() {
	local dir=$1 s=$2 date=$3 want=$4
	shift 4
	sim_start "n$date" --seed 31 --night 1 "$@"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
	expect_exit "$want" "$PLUMBLINE" run --config "$dir/plumbline.json" --date "$date" "$s"
	sim_stop
	report="$dir/reports/$date/sim-demo.json"
}

src="$PL_SOURCE_DIR/suites/demo.json"
suite "$src" "$tmp/one.json" 1 3
dir="$tmp/one"
setup_sim "$dir" "$tmp/one.json" 31

# 1. One sample a prompt, nothing changed: insufficient for the distance, and every prompt is
#    counted as answered (it said "0 of 3 prompts answered").
night "$dir" "$tmp/one.json" 2026-05-01 0
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = insufficient ] ||
	fail "one sample: verdict $(json_get "$report" 'd["detection"]["verdict"]')"
sum=$(json_get "$report" 'd["detection"]["summary"]')
echo "one sample, no change: $sum"
echo "$sum" | grep -q "3 of 3 prompts answered, 0 with enough samples" || fail "answered count: $sum"

# 2. One sample a prompt and the vendor swaps the model id: changed, exit 1 (it said pass).
night "$dir" "$tmp/one.json" 2026-05-02 1 --drift model
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = changed ] || fail "model change hidden"
[ "$(json_get "$report" 'd["detection"]["hard"]["changed"]')" = True ] || fail "hard not changed"
sum=$(json_get "$report" 'd["detection"]["summary"]')
echo "one sample, new model id: $sum"
echo "$sum" | grep -q "changed: model" || fail "summary: $sum"
echo "$sum" | grep -q "distance not judged: 3 of 3 prompts answered" || fail "summary: $sum"
# the night enters the history (its hard signals open e2) without a distance level
grep -q '"stat": *null' "$dir/state/history/sim/sim-gpt-1/demo.jsonl" ||
	fail "the unjudged distance entered the history as a number"

# 3. A suite with fewer prompts than its baseline (2 of 5): the model change is still caught.
suite "$src" "$tmp/full.json" 4 5
suite "$src" "$tmp/few.json" 4 2
dir="$tmp/few"
sim_start rec2 --seed 31 --night 0
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$tmp/full.json"
sim_stop
night "$dir" "$tmp/few.json" 2026-05-03 1 --drift model
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = changed ] || fail "model change hidden (fewer prompts)"
sum=$(json_get "$report" 'd["detection"]["summary"]')
echo "fewer prompts, new model id: $sum"
echo "$sum" | grep -q "2 of 5 prompts answered (2 asked tonight)" || fail "summary: $sum"
echo "ok"
