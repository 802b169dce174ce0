#!/usr/bin/env bash
# test_every_kind.sh: issue 17's end-to-end test. One YAML suite (suites/every-kind.yaml, shipped
# as the example of every check kind) with a CSV dataset uses every string check, the refusal
# checks, latency, cost, embedding_similarity, the judged kinds (rubric, same_meaning) and
# tool_call, against `plumbline simulate` on 127.0.0.1 (which is also the embeddings endpoint
# and the judge): an unchanged vendor passes (exit 0, every check judged, none skipped); a
# changed vendor (half its answers plain-text refusals, its tool calls dropped) fails
# (exit 1) on the checks that see it.
source "$(dirname "$0")/lib.sh"

mkdir -p "$tmp/suites"
cp "$PL_SOURCE_DIR/suites/every-kind.yaml" "$PL_SOURCE_DIR/suites/every-kind-capitals.csv" \
	"$tmp/suites/"
suite="$tmp/suites/every-kind.yaml"
prices=', "prices": {"input_per_mtok": 1, "output_per_mtok": 2}'

# config DIR PORT: the vendor "sim" (priced), the judge and the embeddings on the same simulator.
config() {
	write_config "$1" "$2" "$prices"
	python3 - "$1/plumbline.json" "$2" <<'PY'
import json, sys
path, port = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["vendors"].append({"id": "judge", "probe": "openai", "base_url": "http://127.0.0.1:%s/v1" % port,
                     "model": "sim-judge-1", "api_key_env": "PL_TEST_KEY", "retries": 1,
                     "timeout_ms": 5000})
c["judge"] = {"vendor": "judge", "model": "sim-judge-1"}
c["embeddings"] = {"vendor": "sim", "model": "text-embedding-3-small"}
json.dump(c, open(path, "w"), indent=1)
PY
}

dir="$tmp/w"
cfg="$dir/plumbline.json"
sim_start rec --seed 5 --night 0
config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" check --config "$cfg" "$suite"
# Every registered kind, as the binary lists them (an unknown type's error names them all): a
# new kind must join the suite.
printf '{"id": "k", "prompts": [{"id": "p", "prompt": "x", "checks": [{"type": "?"}]}]}' \
	>"$tmp/kinds.json"
expect_exit 2 "$PLUMBLINE" check --config "$cfg" "$tmp/kinds.json"
all_kinds=$(sed -n 's/.*expected one of: \(.*\)).*/\1/p' "$tmp/last.err" | tr -d ,)
[ "$(wc -w <<<"$all_kinds")" -ge 20 ] || fail "kinds: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim "$suite"
sim_stop

# The check kinds a report judged.
report_kinds() { json_get "$1" 'sorted({c["kind"] for p in d["prompts"] for c in p["checks"]})'; }

# 1. An unchanged vendor: exit 0; every check passes, none is skipped (each had what it needs:
#    a baseline, prices, the judge, the embeddings, latencies).
sim_start clean --seed 5 --night 1
config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --vendor sim --date 2026-05-01 "$suite"
report="$dir/reports/2026-05-01/sim-every-kind.json"
[ "$(json_get "$report" 'd["verdict"]')" = pass ] || fail "clean night: $(json_get "$report" 'd["summary"]')"
bad=$(json_get "$report" '[(p["id"], c["id"], c["verdict"], c.get("detail", "")) for p in d["prompts"] for c in p["checks"] if c["verdict"] != "pass"]')
[ "$bad" = "[]" ] || fail "clean night: checks not passed: $bad"
got=$(report_kinds "$report")
for k in $all_kinds; do
	grep -q "'$k'" <<<"$got" || fail "the suite does not use check kind $k: $got"
done
sim_stop

# 2. A changed vendor: half its answers are plain-text refusals and it stops calling the tool:
#    exit 1; the string, refusal, judged, embedding and tool_call checks see it.
sim_start changed --seed 5 --night 2 --drift refusal-text,no-tools --drift-strength 0.5
config "$dir" "$port"
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --vendor sim --date 2026-05-02 "$suite"
report="$dir/reports/2026-05-02/sim-every-kind.json"
failed=$(json_get "$report" 'sorted({c["kind"] for p in d["prompts"] for c in p["checks"] if c["verdict"] == "fail"})')
for k in icontains not_refusal rubric embedding_similarity tool_call; do
	grep -q "'$k'" <<<"$failed" || fail "changed vendor: no failed $k check (failed: $failed)"
done
sim_stop
