#!/usr/bin/env bash
# test_compare.sh: `plumbline compare` on two vendor entries served by two simulators on
# 127.0.0.1: a candidate that wraps JSON in code fences regresses (exit 1 "not safe", named in the
# signed diff report with its exact-test q-value); one that refuses much more is not safe either,
# naming the prompt; the same model (same seed) is "safe to switch" (exit 0) with its power.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/cmp"
mkdir -p "$dir"
sim_start cur --seed 5 --night 1
p_cur=$port
sim_start new --seed 5 --night 1 --drift fenced
p_new=$port
sim_start same --seed 5 --night 1
p_same=$port
sim_start ref --seed 5 --night 1 --drift refusals
p_ref=$port
sim_start flaky --seed 5 --night 1 --fault 500 --fault-rate 0.8
p_flaky=$port
sim_start slow --seed 5 --night 1 --latency 200
p_slow=$port
cat >"$dir/plumbline.json" <<JSON
{
  "vendors": [
    {"id": "cur", "probe": "openai", "base_url": "http://127.0.0.1:$p_cur/v1", "model": "sim-gpt-1",
     "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 3, "timeout_ms": 5000},
    {"id": "new", "probe": "openai", "base_url": "http://127.0.0.1:$p_new/v1", "model": "sim-gpt-2",
     "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 3, "timeout_ms": 5000},
    {"id": "same", "probe": "openai", "base_url": "http://127.0.0.1:$p_same/v1", "model": "sim-gpt-1b",
     "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 3, "timeout_ms": 5000},
    {"id": "ref", "probe": "openai", "base_url": "http://127.0.0.1:$p_ref/v1", "model": "sim-gpt-1r",
     "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 3, "timeout_ms": 5000},
    {"id": "down", "probe": "openai", "base_url": "http://127.0.0.1:1/v1", "model": "sim-gpt-2",
     "api_key_env": "PL_TEST_KEY", "retries": 0, "max_outage": 0},
    {"id": "flaky", "probe": "openai", "base_url": "http://127.0.0.1:$p_flaky/v1", "model": "sim-gpt-1f",
     "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 0, "timeout_ms": 5000,
     "max_outage": 2, "probe_interval": 1},
    {"id": "slow", "probe": "openai", "base_url": "http://127.0.0.1:$p_slow/v1", "model": "sim-gpt-1s",
     "api_key_env": "PL_TEST_KEY", "concurrency": 1, "timeout_ms": 5000}
  ],
  "paths": {"baselines": "$dir/baselines", "reports": "$dir/reports", "state": "$dir/state"}
}
JSON
cfg="$dir/plumbline.json"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"

expect_exit 1 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against new --date 2026-03-01 \
	--markdown "$dir/compare.md" "$suite"
cat "$tmp/last.out"
rep="$dir/reports/compare/2026-03-01/cur-vs-new-demo.json"
[ -f "$rep" ] || fail "no compare report"
grep -q "not safe: 1 prompt regressed" "$tmp/last.out" || fail "verdict line"
# the answers themselves moved (fences): said so, beside the model ids that always differ
grep -q "answers differ in distribution" "$tmp/last.out" || fail "a real change is not said: $(cat "$tmp/last.out")"
grep -q "regressed: product-json json: 1.00 -> 0.00, q " "$tmp/last.out" || fail "regressed prompt line"
[ "$(json_get "$rep" 'd["verdict"]')" = not_safe ] || fail "verdict"
[ "$(json_get "$rep" 'any(r["prompt"] == "product-json" and r["signal"] == "json" and r["q_worse"] <= 0.05 and r["vendor_rate"] - r["against_rate"] >= 0.05 and r["against_example"].startswith("\x60\x60\x60json ") and not any(ord(ch) < 32 for ch in r["against_example"]) for r in d["regressed"])')" = True ] ||
	fail "regressed list: $(json_get "$rep" 'd["regressed"]')"
[ "$(json_get "$rep" 'len(d["tests"]) == d["statistics"]["tests"] and all(t["regressed"] == any(r["prompt"] == t["prompt"] and r["signal"] == t["signal"] for r in d["regressed"]) for t in d["tests"])')" = True ] ||
	fail "tests and regressed disagree"
[ "$(json_get "$rep" 'd["statistics"]["fdr"] == 0.05 and d["statistics"]["min_drop"] == 0.1 and 0 <= d["statistics"]["power"] <= 1')" = True ] ||
	fail "statistics block: $(json_get "$rep" 'd["statistics"]')"
[ "$(json_get "$rep" 'd["totals"]["against"]["fenced_rate"] > d["totals"]["vendor"]["fenced_rate"]')" = True ] ||
	fail "fenced rate"
grep -q "not safe" "$dir/compare.md" || fail "markdown summary"
grep -q "regressed: product-json json" "$dir/compare.md" || fail "markdown regressed prompt"
# The candidate's fenced answer is quoted inert: a pasted comment renders no code block (nor
# links, images or HTML a vendor could put in its answers).
! grep -qF '```' "$dir/compare.md" || fail "markdown: vendor text not escaped: $(cat "$dir/compare.md")"
grep -qF '\`\`\`json' "$dir/compare.md" || fail "markdown: the fence is not quoted"
command -v minisign >/dev/null && { minisign -Vm "$rep" -p "$dir/state/register.pub" >/dev/null || fail "minisign -Vm on the compare report"; }
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$rep"

# The same model at the suite's 10 samples: no regression, but none could have been seen
# (power 0.00): inconclusive, exit 3, with the samples that would do (before: "safe to
# switch ... power 0.00", exit 0, and a CI gate passed on no evidence)
expect_exit 3 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against same --date 2026-03-01 "$suite"
cat "$tmp/last.out"
rep2="$dir/reports/compare/2026-03-01/cur-vs-same-demo.json"
[ "$(json_get "$rep2" 'd["verdict"]')" = inconclusive ] || fail "10 samples a side called $(json_get "$rep2" 'd["verdict"]')"
grep -Eq "inconclusive: no prompt regressed, but the power to see a drop of 0.1 is 0.[0-9]+, below --min-power 0.80 \(10 and 10 samples a prompt\): --samples [0-9]+ reaches it" "$tmp/last.out" ||
	fail "inconclusive verdict line"
need=$(grep -o -- "--samples [0-9]*" "$tmp/last.out" | head -1 | cut -d' ' -f2)
[ "$need" -gt 10 ] || fail "samples needed: $need"
# The same pair on the same date again: the signed report is evidence, not replaced without a
# word (before: silently rewritten and re-signed). Refused before anything is sent, naming the
# report, as run refuses a night that has run; --force replaces it.
sum2=$(sha256sum "$rep2" "$rep2.minisig")
sim_n=$(curl -s "http://127.0.0.1:$p_same/_sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
expect_exit 2 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against same --date 2026-03-01 --min-power 0 "$suite"
grep -qF "plumbline: $rep2: cur vs same was already compared on 2026-03-01 (its report is signed): give another --date, or --force to replace it" "$tmp/last.err" ||
	fail "second compare of the date: $(cat "$tmp/last.err")"
[ "$(sha256sum "$rep2" "$rep2.minisig")" = "$sum2" ] || fail "the refused compare changed the signed report"
[ "$(curl -s "http://127.0.0.1:$p_same/_sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')" = "$sim_n" ] ||
	fail "the refused compare sent requests"
# --min-power 0 takes the verdict without that evidence, as before
expect_exit 0 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against same --date 2026-03-01 --min-power 0 --force "$suite"
[ "$(json_get "$rep2" 'd["verdict"]')" = safe ] || fail "identical candidate regressed"
grep -q "safe to switch: no prompt regressed (5 prompts, power 0.[0-9][0-9] at a drop of 0.1)" "$tmp/last.out" ||
	fail "safe verdict line"
# with the samples the verdict named: safe, at that power
expect_exit 0 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against same --date 2026-03-03 --samples "$need" "$suite"
rep5="$dir/reports/compare/2026-03-03/cur-vs-same-demo.json"
[ "$(json_get "$rep5" 'd["verdict"] == "safe" and d["statistics"]["power"] >= 0.8 and d["statistics"]["min_power"] == 0.8')" = True ] ||
	fail "--samples $need: $(json_get "$rep5" 'd["verdict"], d["statistics"]')"
[ "$(json_get "$rep2" 'isinstance(d["diverged"], list) and d["distribution"]["verdict"] in ("no_change", "changed", "unstable", "insufficient")')" = True ] ||
	fail "diverged / distribution fields"

# many more refusals: not safe, naming the prompt and the refusal signal
expect_exit 1 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against ref --date 2026-03-01 \
	--markdown "$dir/compare-ref.md" "$suite"
cat "$tmp/last.out"
grep -q "not safe: " "$tmp/last.out" || fail "refusals: verdict line"
# the rate is the share not refused, and named so: "refusal: 1.00 -> 0.30" read as fewer refusals
grep -Eq "regressed: [a-z-]+ not_refused: 1.00 -> 0.[0-9]+, q " "$tmp/last.out" || fail "refusals: the prompt"
! grep -Eq "regressed: [a-z-]+ refusal:" "$tmp/last.out" || fail "refusals: the rate is misnamed"
grep -Eq "regressed: [a-z-]+ not[\\]?_refused: 1.00 -> 0.[0-9]+, q " "$dir/compare-ref.md" ||
	fail "refusals: markdown: $(cat "$dir/compare-ref.md")"
! grep -Eq "regressed: [a-z-]+ refusal:" "$dir/compare-ref.md" || fail "refusals: markdown: misnamed rate"
rep3="$dir/reports/compare/2026-03-01/cur-vs-ref-demo.json"
[ "$(json_get "$rep3" 'd["format"] == "plumbline-compare/3" and any(r["signal"] == "not_refused" and r["vendor_rate"] > r["against_rate"] for r in d["regressed"])')" = True ] || fail "refusal row"
grep -Eq "regressed: [a-z-]+ not_refused: .*; ref: \"\(refused" "$tmp/last.out" || fail "refusals: the refused answer"
# A refusal without text (the API's flag) is quoted alike in a check's row and in not_refused's,
# as the run's reports quote it (render_answer_text) (before: "(empty answer)" in the check's
# row, "(refused by the API, no text)" in not_refused's)
grep -Eq "regressed: [a-z-]+ regex [^;]*; cur: \"[^\"]*\"; ref: \"\(refused, no text\)\"$" "$tmp/last.out" ||
	fail "refusals: the check's row: $(cat "$tmp/last.out")"
! grep -q "(empty answer)\|by the API, no text" "$tmp/last.out" "$dir/compare-ref.md" || fail "refusals: quoted two ways: $(cat "$tmp/last.out")"
[ "$(json_get "$rep3" 'all(r["against_example"] == "(refused, no text)" for r in d["regressed"] if r["signal"] == "not_refused") and any(r["against_example"] == "(refused, no text)" for r in d["regressed"] if r["signal"] != "not_refused")')" = True ] ||
	fail "refusals: the report's examples: $(json_get "$rep3" '[(r["signal"], r["against_example"]) for r in d["regressed"]]')"
# --fdr and --min-drop reach the tests and the report (the fenced JSON: 1.00 -> 0.00)
expect_exit 1 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against new --date 2026-03-02 \
	--fdr 0.01 --min-drop 0.2 "$suite"
rep4="$dir/reports/compare/2026-03-02/cur-vs-new-demo.json"
[ "$(json_get "$rep4" 'd["statistics"]["fdr"] == 0.01 and d["statistics"]["min_drop"] == 0.2')" = True ] ||
	fail "--fdr / --min-drop: $(json_get "$rep4" 'd["statistics"]')"
expect_exit 2 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against ref --fdr 0 "$suite"
expect_exit 2 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against cur "$suite"
# --samples: every prompt that often on each side, whatever the suite's nightly samples
expect_exit 0 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against new --samples 150 --dry-run "$suite"
want=$(json_get "$suite" 'len(d["prompts"]) * 150 * 2')
grep -q "^plan [0-9a-f]*: $want requests" "$tmp/last.out" || fail "--samples 150: $(cat "$tmp/last.out")"
expect_exit 2 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against new --samples 0 --dry-run "$suite"
# A side that does not answer is no evidence of safety: the comparison could not complete
# (exit 3, no report), whichever side it is; so is a side that answers 20% of its requests.
for pair in "cur down" "down cur" "cur flaky"; do
	set -- $pair
	expect_exit 3 "$PLUMBLINE" compare --config "$cfg" --vendor "$1" --against "$2" --date 2026-03-03 "$suite"
	bad=down
	[ "$2" = flaky ] && bad=flaky
	grep -q "demo: $bad answered [0-9]* of 50 requests: too few to compare .*; most failed with [a-z_]* (" "$tmp/last.err" ||
		fail "compare $1 vs $2: $(tail -2 "$tmp/last.err")"
	! grep -q "safe to switch" "$tmp/last.out" "$tmp/last.err" || fail "compare $1 vs $2 said safe"
	[ ! -f "$dir/reports/compare/2026-03-03/$1-vs-$2-demo.json" ] || fail "compare $1 vs $2 wrote a report"
done
# A killed compare leaves a journal that says what it was: the nightly run names it with the
# command that finishes it (before: "a run of night <today>", and 'plumbline run --resume').
"$PLUMBLINE" compare --config "$cfg" --vendor cur --against slow --date 2026-03-04 "$suite" >/dev/null 2>&1 &
c=$!
journal=""
for _ in $(seq 200); do
	journal=$(find "$dir/state/journal" -maxdepth 1 -name '*.jsonl' 2>/dev/null | head -1 || true)
	[ -n "$journal" ] && [ "$(wc -l <"$journal")" -ge 5 ] && break
	sleep 0.05
done
kill -KILL "$c"
wait "$c" 2>/dev/null || true
[ -n "$journal" ] || fail "no compare journal"
[ "$(head -1 "$journal" | python3 -c 'import json,sys; h=json.load(sys.stdin); print(h["mode"], h["night"])')" = "compare 2026-03-04" ] ||
	fail "compare journal header: $(head -1 "$journal")"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor cur "$suite"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --vendor cur --date 2026-03-05 "$suite"
grep -q "a compare of 2026-03-04 has not finished; if it was killed, finish it with 'plumbline compare --date 2026-03-04 --resume'" "$tmp/last.err" ||
	fail "killed compare warning: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against slow --date 2026-03-04 --resume --min-power 0 "$suite"
[ ! -e "$journal" ] || fail "the resumed compare left its journal"
echo "compare: ok"
