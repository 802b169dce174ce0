#!/usr/bin/env bash
# test_judge.sh: the judged checks (rubric, same_meaning) against `plumbline simulate`, with a
# second simulator as the LLM judge: an unchanged vendor passes (exit 0), a drifted one fails
# its rubric (exit 1); a second run of the night asks the judge nothing (its cache); a judge
# that is down leaves the checks skipped with "judge unavailable", never the vendor's fault; an
# unpriced judge under a cost budget is refused before anything is sent.
source "$(dirname "$0")/lib.sh"

suite="$tmp/judged.json"
cat >"$suite" <<'JSON'
{
  "id": "judged",
  "defaults": {"temperature": 0, "seed": 7, "samples": 10, "baseline_samples": 10},
  "prompts": [
    {"id": "capital", "prompt": "What is the capital of France? Answer with one word.",
     "checks": [
       {"type": "rubric", "rubric": "The answer names Paris as the capital of France"},
       {"type": "same_meaning", "min_pass_rate": 0.6}
     ]}
  ]
}
JSON

# config DIR VENDOR_PORT JUDGE_PORT [JUDGE_EXTRA]: the judged vendor "sim" and the judge.
config() {
	write_config "$1" "$2"
	python3 - "$1/plumbline.json" "$3" "${4:-}" <<'PY'
import json, sys
path, jport, extra = sys.argv[1], sys.argv[2], sys.argv[3]
c = json.load(open(path))
j = {"id": "judge", "probe": "openai", "base_url": "http://127.0.0.1:%s/v1" % jport,
     "model": "sim-judge-1", "api_key_env": "PL_TEST_KEY", "retries": 1, "timeout_ms": 5000}
j.update(json.loads(extra or "{}"))
c["vendors"].append(j)
c["judge"] = {"vendor": "judge", "model": "sim-judge-2"}
json.dump(c, open(path, "w"), indent=1)
PY
}

# `plumbline check` warns when judged checks have no judge.
mkdir -p "$tmp/nojudge"
write_config "$tmp/nojudge" 9
expect_exit 0 "$PLUMBLINE" check --config "$tmp/nojudge/plumbline.json" "$suite"
grep -q 'judged checks (rubric, same_meaning) but the config has no "judge"' "$tmp/last.err" ||
	fail "check: $(cat "$tmp/last.err")"

# The baseline, recorded once.
base="$tmp/base"
sim_start rec --seed 5 --night 0
config "$base" "$port" 9
expect_exit 0 "$PLUMBLINE" baseline record --config "$base/plumbline.json" --vendor sim "$suite"
sim_stop

sim_start judge --seed 11
jport=$port
jpid=$sim_pid

# night DIR DATE SIM_ARGS...: one night of the vendor against the judge; $report is its report.
night() {
	local dir=$1 date=$2
	shift 2
	sim_start vendor --seed 5 --night 1 "$@"
	config "$dir" "$port" "$jport"
	report="$dir/reports/$date/sim-judged.json"
}
check_of() { # check_of KIND EXPR: EXPR on the report's check of that kind (c)
	json_get "$report" "(lambda c: $2)([c for c in d['prompts'][0]['checks'] if c['kind'] == '$1'][0])"
}

# 1. An unchanged vendor: both judged checks pass; the report keeps the judge's prompt version
# and hashes and its figures.
cp -r "$base" "$tmp/clean"
night "$tmp/clean" 2026-03-01
# (no --vendor: the judge's entry grades, it is not sent the suite)
expect_exit 0 "$PLUMBLINE" run --config "$tmp/clean/plumbline.json" --date 2026-03-01 "$suite"
[ ! -e "$tmp/clean/reports/2026-03-01/judge-judged.json" ] || fail "the judge's entry was run"
[ "$(check_of rubric 'c["verdict"]')" = pass ] || fail "rubric on the unchanged vendor: $(cat "$report")"
[ "$(check_of same_meaning 'c["verdict"]')" = pass ] || fail "same_meaning on the unchanged vendor"
[ "$(check_of rubric 'c["judge"]["template"]')" = plumbline-rubric/1 ] || fail "template version"
[ "$(check_of rubric 'len(c["judge"]["template_sha256"]) == 64 and len(c["judge"]["prompt_sha256"]) == 64')" = True ] ||
	fail "judge prompt hashes"
[ "$(check_of same_meaning 'c["judge"]["template"]')" = plumbline-same-meaning/1 ] || fail "same_meaning template"
[ "$(json_get "$report" 'd["judge"]["model"]')" = sim-judge-2 ] || fail "judge model"
asked=$(json_get "$report" 'd["judge"]["requests"]')
[ "$asked" -gt 0 ] || fail "the judge was not asked"
[ "$(json_get "$report" 'd["judge"]["verdicts"] == d["judge"]["requests"] and d["judge"]["prompt_tokens"] > 0')" = True ] ||
	fail "judge figures: $(json_get "$report" 'd["judge"]')"
[ -f "$tmp/clean/state/judge-cache.json" ] || fail "no judge cache"

# 2. The same night again (--force): every verdict comes from the cache, nothing is asked.
expect_exit 0 "$PLUMBLINE" run --config "$tmp/clean/plumbline.json" --vendor sim --date 2026-03-01 --force "$suite"
[ "$(json_get "$report" 'd["judge"]["requests"]')" = 0 ] || fail "second run asked the judge: $(json_get "$report" 'd["judge"]')"
[ "$(json_get "$report" 'd["judge"]["cached"] > 0')" = True ] || fail "second run: nothing cached"
[ "$(check_of rubric 'c["verdict"]')" = pass ] || fail "rubric from the cache"
sim_stop

# 3. A vendor that now refuses often fails its rubric (exit 1), with the judge's reason.
cp -r "$base" "$tmp/drift"
night "$tmp/drift" 2026-03-01 --drift refusals
expect_exit 1 "$PLUMBLINE" run --config "$tmp/drift/plumbline.json" --vendor sim --date 2026-03-01 "$suite"
[ "$(check_of rubric 'c["verdict"]')" = fail ] || fail "rubric on the drifted vendor"
check_of rubric 'c["failed_samples"][0]["detail"]' | grep -q "judge: the answer mentions none of: Paris France" ||
	fail "rubric detail: $(check_of rubric 'c')"
sim_stop

# 4. The judge is down: the judged checks are skipped, the report says why, the vendor's
# availability is untouched and the night passes.
kill "$jpid"
wait "$jpid" 2>/dev/null || true
cp -r "$base" "$tmp/down"
night "$tmp/down" 2026-03-01
expect_exit 0 "$PLUMBLINE" run --config "$tmp/down/plumbline.json" --vendor sim --date 2026-03-01 "$suite"
[ "$(check_of rubric 'c["verdict"]')" = skip ] || fail "rubric with the judge down: $(check_of rubric 'c')"
check_of rubric 'c["judge"]["unavailable_reason"]' | grep -q "network" || fail "unavailable reason: $(check_of rubric 'c')"
json_get "$report" 'd["summary"]' | grep -q "judge unavailable for 20 verdicts" || fail "summary: $(json_get "$report" 'd["summary"]')"
[ "$(json_get "$report" 'd["counts"]["vendor_faults"]')" = 0 ] || fail "the judge's faults counted against the vendor"
[ "$(json_get "$report" 'd["counts"]["faults"]')" = 0 ] || fail "faults"
[ "$(json_get "$report" 'd["judge"]["requests"] <= 8')" = True ] || fail "a down judge was asked again and again: $(json_get "$report" 'd["judge"]')"
sim_stop

# 5. A cost budget needs the judge's prices: refused before anything is sent (exit 2).
cp -r "$base" "$tmp/cost"
night "$tmp/cost" 2026-03-01 
config "$tmp/cost" "$port" "$jport"
python3 - "$tmp/cost/plumbline.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["vendors"][0]["prices"] = {"input_per_mtok": 1, "output_per_mtok": 2}
json.dump(c, open(sys.argv[1], "w"))
PY
expect_exit 2 "$PLUMBLINE" run --config "$tmp/cost/plumbline.json" --vendor sim --date 2026-03-01 --max-cost 5 "$suite"
grep -q 'vendor "judge"' "$tmp/last.err" || fail "unpriced judge: $(cat "$tmp/last.err")"
[ ! -d "$tmp/cost/reports" ] || fail "a report was written"
sim_stop
echo "test_judge: ok"
