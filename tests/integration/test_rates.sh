#!/usr/bin/env bash
# test_rates.sh: rate changes real vendors make, caught per prompt on their first night: a share
# of answers refusing in plain text (no refusal field on the OpenAI format) and JSON wrapped in
# ``` fences on the one JSON prompt. The run exits 1 and the report names the prompt and the
# change in words; an unchanged night stays quiet. Also runs the not_refusal check kind.
source "$(dirname "$0")/lib.sh"

# The demo suite, 20 answers a night and 40 in the baseline, a not_refusal check on one prompt.
python3 - "$PL_SOURCE_DIR/suites/demo.json" "$tmp/suite.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["defaults"]["samples"] = 20
d["defaults"]["baseline_samples"] = 40
for p in d["prompts"]:
    if p["id"] == "capital-fr":
        p["checks"].append({"type": "not_refusal", "min_pass_rate": 0.5})
json.dump(d, open(sys.argv[2], "w"))
PY

setup_sim "$tmp/base" "$tmp/suite.json" 7

# night NAME DATE EXPECTED_EXIT [SIM ARGS...]: one night in a fresh copy of the endpoint (the
# baseline, no history); sets $report and $sum.
night() {
	local name=$1 date=$2 want=$3 dir="$tmp/$1"
	shift 3
	cp -r "$tmp/base" "$dir"
	sed -i "s#$tmp/base#$dir#g" "$dir/plumbline.json"
	sim_start "$name" --seed 7 --night 1 "$@"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
	expect_exit "$want" "$PLUMBLINE" run --config "$dir/plumbline.json" --date "$date" "$tmp/suite.json"
	sim_stop
	report="$dir/reports/$date/sim-demo.json"
	sum=$(json_get "$report" 'd["detection"]["summary"]')
	echo "$name: $sum"
}

# 1. An unchanged night: no rate moves.
night quiet 2026-06-01 0
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = no_change ] || fail "quiet night: $sum"
[ "$(json_get "$report" 'd["detection"]["prompt_rates"]["changed"]')" = False ] ||
	fail "quiet night: a rate changed"

# 2. 20% of answers refuse in plain text: the refusal rate per prompt, in words.
night refusing 2026-06-02 1 --drift refusal-text --drift-strength 0.2
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = changed ] || fail "refusals missed: $sum"
echo "$sum" | grep -Eq "refusals [0-9.]+% -> [0-9]+%" || fail "summary: $sum"
echo "$sum" | grep -Eq "(capital-fr|product-json|backup-summary|support-ticket|onboarding-steps)" ||
	fail "no prompt named: $sum"
[ "$(json_get "$report" 'd["detection"]["rates"]["refusal"]["changed"]')" = True ] ||
	fail "refusal rate not changed"
# the pooled figure counts text refusals (it read 0.000 with only the API's refusal field)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["detection"]["rates"]["refusal"]["night"] < 0.1)' "$report" ||
	fail "pooled refusal rate: $(json_get "$report" 'd["detection"]["rates"]["refusal"]')"
json_get "$report" 'd["detection"]["prompt_rates"]["signals"][0]' | grep -q "'words': 'refusals" ||
	fail "per-prompt figures: $(json_get "$report" 'd["detection"]["prompt_rates"]')"
# the report's counts count the refusals detection counts (they said 0 with plain-text
# refusals: only the API's flag was counted): the pooled rate's refusals, per prompt and in all,
# and the HTML says the same number
refusals=$(json_get "$report" 'd["counts"]["refusals"]')
pooled=$(json_get "$report" 'round(d["detection"]["rates"]["refusal"]["night"] * d["counts"]["answers"])')
[ "$refusals" -gt 0 ] && [ "$refusals" = "$pooled" ] ||
	fail "counts.refusals $refusals, detection's pooled rate counts $pooled"
[ "$(json_get "$report" 'sum(p["refusals"] for p in d["prompts"])')" = "$refusals" ] ||
	fail "the prompts' refusals do not add up to counts.refusals $refusals"
grep -q "; $refusals refusals" "${report%.json}.html" ||
	fail "HTML: $(grep -o '[0-9]* refusals' "${report%.json}.html")"

# 3. 40% of the JSON prompt's answers in ```json fences.
night fenced 2026-06-03 1 --drift fence --drift-strength 0.4
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = changed ] || fail "fences missed: $sum"
echo "$sum" | grep -q 'product-json: JSON now wrapped in ``` fences in [0-9]*% of answers' ||
	fail "summary: $sum"
[ "$(json_get "$report" 'd["detection"]["rates"]["json"]["changed"]')" = False ] ||
	fail "fenced JSON counted as invalid JSON"

# 4. 30% fenced, here 4 of 20 answers against none of 40 (p 0.01) is worth watching, not yet a change at
#    alpha 0.001: the summary says so (the json check fails the night: exit 1).
night fenced-few 2026-06-04 1 --drift fence --drift-strength 0.3
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = no_change ] || fail "verdict: $sum"
echo "$sum" | grep -q 'watch (below the alarm level): product-json: JSON now wrapped in ``` fences' ||
	fail "summary: $sum"

# 5. 40% of the JSON prompt's answers call "price" "price_usd": every answer still valid JSON,
#    the keys named in the summary and in the "what changed" block.
night field 2026-06-05 1 --drift field --drift-strength 0.4
[ "$(json_get "$report" 'd["detection"]["verdict"]')" = changed ] || fail "renamed field missed: $sum"
echo "$sum" | grep -Eq "product-json: JSON answers with keys unlike the baseline's 0% -> [0-9]+% \(\"price_usd\" new in [0-9]+, \"price\" missing in [0-9]+\)" ||
	fail "summary: $sum"
[ "$(json_get "$report" 'd["detection"]["rates"]["json"]["changed"]')" = False ] ||
	fail "a renamed field counted as invalid JSON"
json_get "$report" '[w["words"] for w in d["what_changed"] if w["prompt"] == "product-json"][0]' |
	grep -q "keys unlike the baseline" || fail "what changed: $(json_get "$report" 'd["what_changed"]')"
echo "ok"
