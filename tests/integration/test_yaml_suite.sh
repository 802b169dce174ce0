#!/usr/bin/env bash
# test_yaml_suite.sh: a YAML suite is the JSON suite it mirrors. suites/demo.yaml checks like
# suites/demo.json, and a baseline recorded with the JSON suite judges a night run with the YAML
# one: same prompt ids, same request hashes (no "suite edited"), a clean night (exit 0), a
# changed vendor found (exit 1). Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

json="$PL_SOURCE_DIR/suites/demo.json"
yaml="$PL_SOURCE_DIR/suites/demo.yaml"
cfg_good="$PL_SOURCE_DIR/tests/fixtures/bad/good-config.json"

expect_exit 0 "$PLUMBLINE" check --config "$cfg_good" "$json"
want=$(tail -n 1 "$tmp/last.out")
expect_exit 0 "$PLUMBLINE" check --config "$cfg_good" "$yaml"
grep -q "demo.yaml: ok (suite \"demo\", 5 prompts)" "$tmp/last.out" || fail "$(cat "$tmp/last.out")"
[ "$(tail -n 1 "$tmp/last.out")" = "$want" ] || fail "yaml: $(tail -n 1 "$tmp/last.out"), json: $want"
# Both at once share the id "demo": check refuses them as run does (it said ok before).
expect_exit 2 "$PLUMBLINE" check --config "$cfg_good" "$json" "$yaml"
grep -q "demo.yaml: suite id \"demo\" is also used by .*demo.json" "$tmp/last.err" ||
	fail "duplicate suite id: $(cat "$tmp/last.err")"

# The baseline from the JSON suite keeps each prompt's request hash.
base="$tmp/base"
setup_sim "$base" "$json"

# A clean night run with the YAML suite: judged against that baseline, nothing edited.
cp -r "$base" "$tmp/clean"
sim_start clean --seed 5 --night 1
write_config "$tmp/clean" "$port"
expect_exit 0 "$PLUMBLINE" run --config "$tmp/clean/plumbline.json" --date 2026-02-01 "$yaml"
grep -q "sim/demo \[sim-gpt-1\]: pass" "$tmp/last.out" || fail "summary: $(cat "$tmp/last.out")"
grep -q "suite edited" "$tmp/last.out" && fail "the YAML suite's prompts differ: $(cat "$tmp/last.out")"
report="$tmp/clean/reports/2026-02-01/sim-demo.json"
[ "$(json_get "$report" '[p.get("baseline_status") for p in d["prompts"]].count("edited")')" = 0 ] ||
	fail "edited prompts in the report"
[ "$(json_get "$report" 'len(d["prompts"])')" = 5 ] || fail "prompts in the report"
sim_stop

# A changed vendor is found with the YAML suite too.
cp -r "$base" "$tmp/drift"
sim_start drift --seed 5 --night 1 --drift fenced
write_config "$tmp/drift" "$port"
expect_exit 1 "$PLUMBLINE" run --config "$tmp/drift/plumbline.json" --date 2026-02-01 "$yaml"
sim_stop
echo "ok"
