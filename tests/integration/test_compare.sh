#!/usr/bin/env bash
# test_compare.sh: `plumbline compare` on two vendor entries served by two simulators on
# 127.0.0.1: a candidate that wraps JSON in code fences regresses (exit 1, named in the signed
# diff report); an identical candidate does not (exit 0).
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
cat >"$dir/plumbline.json" <<JSON
{
  "vendors": [
    {"id": "cur", "probe": "openai", "base_url": "http://127.0.0.1:$p_cur/v1", "model": "sim-gpt-1",
     "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 3, "timeout_ms": 5000},
    {"id": "new", "probe": "openai", "base_url": "http://127.0.0.1:$p_new/v1", "model": "sim-gpt-2",
     "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 3, "timeout_ms": 5000},
    {"id": "same", "probe": "openai", "base_url": "http://127.0.0.1:$p_same/v1", "model": "sim-gpt-1b",
     "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 3, "timeout_ms": 5000}
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
[ "$(json_get "$rep" 'd["verdict"]')" = regression ] || fail "verdict"
[ "$(json_get "$rep" 'any(r["against"] == "fail" and r["vendor"] == "pass" for r in d["regressed"])')" = True ] ||
	fail "regressed list: $(json_get "$rep" 'd["regressed"]')"
[ "$(json_get "$rep" 'd["totals"]["against"]["fenced_rate"] > d["totals"]["vendor"]["fenced_rate"]')" = True ] ||
	fail "fenced rate"
grep -q "REGRESSION" "$dir/compare.md" || fail "markdown summary"
command -v minisign >/dev/null && { minisign -Vm "$rep" -p "$dir/state/register.pub" >/dev/null || fail "minisign -Vm on the compare report"; }
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$rep"

expect_exit 0 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against same --date 2026-03-01 "$suite"
cat "$tmp/last.out"
rep2="$dir/reports/compare/2026-03-01/cur-vs-same-demo.json"
[ "$(json_get "$rep2" 'd["verdict"]')" = no_regression ] || fail "identical candidate regressed"
[ "$(json_get "$rep2" 'isinstance(d["diverged"], list) and d["distribution"]["verdict"] in ("no_change", "changed", "unstable", "insufficient")')" = True ] ||
	fail "diverged / distribution fields"
expect_exit 2 "$PLUMBLINE" compare --config "$cfg" --vendor cur --against cur "$suite"
echo "compare: ok"
