#!/usr/bin/env bash
# test_latency_cost.sh: the latency check passes on a fast vendor and fails (exit 1,
# checks_failed, the slow answers quoted) on a slow one (`simulate --latency`), also when that
# night is replayed from its recordings (the recorded latencies count); the cost check passes
# at low prices, fails at high ones, and skips, saying why, for a vendor without prices.
source "$(dirname "$0")/lib.sh"

dir="$tmp/c"
cat >"$tmp/suite.json" <<'JSON'
{"id": "perf", "defaults": {"samples": 4, "baseline_samples": 4, "max_tokens": 40},
 "prompts": [{"id": "q", "prompt": "In one sentence: what is a leap year?",
   "checks": [{"type": "latency", "p50_ms": 500, "p95_ms": 3000},
              {"type": "cost", "max_usd": 0.01}]}]}
JSON
cheap=', "prices": {"input_per_mtok": 1, "output_per_mtok": 2}'
# a million dollars per million tokens: any answer costs more than a cent
dear=', "prices": {"input_per_mtok": 1000000, "output_per_mtok": 1000000}'
report() { echo "$dir/reports/$1/sim-perf.json"; }
check() { json_get "$(report "$1")" "[c for c in d['prompts'][0]['checks'] if c['kind'] == '$2'][0]$3"; }

sim_start fast --seed 5 --night 0
fast=$port
write_config "$dir" "$fast" "$cheap"
expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$tmp/suite.json"

# A fast vendor at low prices: both pass.
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-06-01 "$tmp/suite.json"
[ "$(check 2026-06-01 latency "['verdict']")" = pass ] || fail "latency on a fast vendor: $(cat "$(report 2026-06-01)")"
[ "$(check 2026-06-01 latency "['pass']")" = 4 ] || fail "latency tallies"
[ "$(check 2026-06-01 cost "['verdict']")" = pass ] || fail "cost at low prices"
[ "$(check 2026-06-01 cost "['pass']")" = 4 ] || fail "cost tallies"

# The same answers at high prices: every answer costs too much.
write_config "$dir" "$fast" "$dear"
expect_exit 1 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-06-02 "$tmp/suite.json"
[ "$(json_get "$(report 2026-06-02)" 'd["verdict"]')" = checks_failed ] || fail "dear night verdict"
[ "$(check 2026-06-02 cost "['fail']")" = 4 ] || fail "cost at high prices: $(cat "$(report 2026-06-02)")"
check 2026-06-02 cost "['failed_samples'][0]['detail']" | grep -q "USD at the vendor's prices, above max_usd 0.01" ||
	fail "cost detail"
[ "$(check 2026-06-02 latency "['verdict']")" = pass ] || fail "latency on the dear night"

# No prices: cost skips with the reason; nothing fails.
write_config "$dir" "$fast"
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-06-03 "$tmp/suite.json"
[ "$(check 2026-06-03 cost "['verdict']")" = skip ] || fail "cost without prices"
[ "$(check 2026-06-03 cost "['detail']")" = 'cost unknown: vendor "sim" has no prices in the config ("prices")' ] ||
	fail "cost skip detail: $(check 2026-06-03 cost "")"
sim_stop

# A slow vendor (every answer 1 s after its request): p50 above 500 ms, exit 1.
sim_start slow --seed 5 --night 0 --latency 1000
slow=$port
write_config "$dir" "$slow" "$cheap"
cp -r "$dir" "$tmp/offline"
expect_exit 1 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-06-04 --record "$tmp/rec" \
	--markdown "$tmp/slow.md" "$tmp/suite.json"
r=$(report 2026-06-04)
[ "$(json_get "$r" 'd["verdict"]')" = checks_failed ] || fail "slow night verdict: $(json_get "$r" 'd["verdict"]')"
[ "$(check 2026-06-04 latency "['verdict']")" = fail ] || fail "latency on a slow vendor"
[ "$(check 2026-06-04 latency "['fail']")" = 4 ] || fail "slow answers not the failing samples"
check 2026-06-04 latency "['detail']" | grep -Eq '^p50 1[0-9]{3} ms, p95 [0-9]+ ms over 4 answers; p50 above the bound$' ||
	fail "latency detail: $(check 2026-06-04 latency "['detail']")"
check 2026-06-04 latency "['failed_samples'][0]['detail']" | grep -q "above the p50 bound 500 ms" ||
	fail "failing sample detail"
[ "$(check 2026-06-04 cost "['verdict']")" = pass ] || fail "cost on the slow night"
# the Markdown's failed-checks table says the prompt's figures
grep -Eq '^\| q \| latency p50 &lt;= 500 ms, p95 &lt;= 3000 ms \| ❌ fail \| [0-9.]+ \| p50 1[0-9]{3} ms, p95 .*p50 above the bound \(4 of 4 samples failed\)' \
	"$tmp/slow.md" ||
	fail "markdown: $(cat "$tmp/slow.md")"
grep -q "1 of 2 checks failed on 1 prompt" "$tmp/last.out" "$tmp/last.err" ||
	fail "summary: $(cat "$tmp/last.out" "$tmp/last.err")"
sim_stop

# Replayed offline, the night keeps its recorded latencies: the latency check fails again.
sed "s#$dir/#$tmp/offline/#g" "$dir/plumbline.json" >"$tmp/offline/plumbline.json"
expect_exit 1 "$PLUMBLINE" run --config "$tmp/offline/plumbline.json" --date 2026-06-04 \
	--replay "$tmp/rec" "$tmp/suite.json"
[ "$(json_get "$tmp/offline/reports/2026-06-04/sim-perf.json" \
	"[c for c in d['prompts'][0]['checks'] if c['kind'] == 'latency'][0]['verdict']")" = fail ] ||
	fail "replayed slow night"
echo "latency: fast pass, slow fail (replayed: fail); cost: cheap pass, dear fail, unpriced skip"
