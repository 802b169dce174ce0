#!/usr/bin/env bash
# test_record_replay.sh: a night recorded with --record can be checked again offline with
# --replay (no vendor, no network), gives the same verdict and answers, and the recordings
# hold no credential.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/rr"
setup_sim "$dir" "$suite" 31

# A copy of the state as it was before the recorded night: the replay judges the same night.
cp -r "$dir" "$tmp/offline"
sim_start night --seed 31 --night 1 --drift fenced
sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
expect_exit 1 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-01 --record "$dir/rec" "$suite"
sim_stop
n=$(ls "$dir/rec" | wc -l)
[ "$n" -ge 50 ] || fail "only $n recordings"
grep -rq "$PL_TEST_KEY" "$dir/rec" && fail "a recording holds the API key"
grep -rqi '"authorization"' "$dir/rec" && fail "a recording holds an Authorization header"

# The vendor is gone (the simulator is stopped): replay answers from the recordings.
# The same config (the vendor's URL is part of each recording's key), with the copy's paths.
sed "s#$dir/#$tmp/offline/#g" "$dir/plumbline.json" >"$tmp/offline/plumbline.json"
expect_exit 1 "$PLUMBLINE" run --config "$tmp/offline/plumbline.json" --date 2026-05-01 --replay "$dir/rec" "$suite"
a="$dir/reports/2026-05-01/sim-demo.json"
b="$tmp/offline/reports/2026-05-01/sim-demo.json"
[ "$(json_get "$b" 'd["verdict"]')" = "$(json_get "$a" 'd["verdict"]')" ] || fail "replay verdict differs"
same=$(python3 - "$a" "$b" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: [(p["id"], [(c["id"], c["pass"], c["fail"]) for c in p["checks"]]) for p in d["prompts"]]
print(key(a) == key(b) and a["counts"]["answers"] == b["counts"]["answers"])
PY
)
[ "$same" = True ] || fail "replayed checks differ from the recorded night"
echo "recorded $n exchanges; the offline replay gives the same verdict and check results"
