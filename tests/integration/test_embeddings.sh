#!/usr/bin/env bash
# test_embeddings.sh: embedding_similarity end to end against `plumbline simulate`: the
# baseline's embeddings stored once next to it and reused, an unchanged vendor passes (exit 0),
# a vendor whose answers mean something else fails the check (exit 1), a new embeddings model
# embeds the baseline again, and the config's "embeddings" is validated.
source "$(dirname "$0")/lib.sh"

cat >"$tmp/suite.json" <<'JSON'
{
  "id": "meaning",
  "defaults": {"temperature": 0.7, "max_tokens": 200, "samples": 5, "baseline_samples": 10},
  "prompts": [
    {"id": "backup",
     "prompt": "In a short paragraph, explain why regular backups matter for a small business.",
     "checks": [{"type": "embedding_similarity", "threshold": 0.6, "min_pass_rate": 0.8},
                {"type": "embedding_similarity", "id": "near", "threshold": 0.6,
                 "mode": "nearest", "min_pass_rate": 0.8}]},
    {"id": "review",
     "prompt": "Explain in a few sentences why code review matters for small software teams.",
     "checks": [{"type": "embedding_similarity", "threshold": 0.6, "min_pass_rate": 0.8}]}
  ]
}
JSON
suite="$tmp/suite.json"
dir="$tmp/e"
store="$dir/baselines/sim/sim-gpt-1/meaning.embeddings.json"

# embeddings_config MODEL: adds "embeddings" (the vendor "sim", MODEL) to the config.
embeddings_config() {
	python3 - "$dir/plumbline.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["embeddings"] = {"vendor": "sim", "model": sys.argv[2]}
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}

# sim_paths: the simulator's request counts by path.
sim_count() {
	curl -s "http://127.0.0.1:$port/_sim/stats" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"].get(sys.argv[1], 0))' "$1"
}

# 0. `check` without "embeddings" in the config: each embedding_similarity check would skip
#    every night; a warning at its file:line:col says so and how to configure it (exit 0: it
#    is valid); with "embeddings" there is none.
write_config "$dir" 9
expect_exit 0 "$PLUMBLINE" check --config "$dir/plumbline.json" "$suite"
[ "$(grep -c 'no "embeddings", so this embedding_similarity check will skip every night: add "embeddings"' "$tmp/last.err")" = 3 ] ||
	fail "check without embeddings: $(cat "$tmp/last.err")"
for at in 'suite.json:7:26: prompts\[0\].checks\[0\].type' 'suite.json:8:26: prompts\[0\].checks\[1\].type' \
	'suite.json:12:26: prompts\[1\].checks\[0\].type'; do
	grep -q "warning: .*$at: the config has no" "$tmp/last.err" || fail "check: no warning at $at: $(cat "$tmp/last.err")"
done
embeddings_config text-embedding-3-small
expect_exit 0 "$PLUMBLINE" check --config "$dir/plumbline.json" "$suite"
! grep -q 'embedding_similarity check will skip' "$tmp/last.err" || fail "check warned with embeddings"

# 1. The baseline: its 20 answers are embedded once (one batched request) and stored next
#    to it; then a clean night embeds only tonight's answers (one request per prompt).
sim_start rec --seed 5 --night 0
write_config "$dir" "$port"
embeddings_config text-embedding-3-small
expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$suite"
[ "$(sim_count /v1/embeddings)" = 1 ] || fail "baseline record: $(sim_count /v1/embeddings) embeddings requests, want 1"
grep -q "baseline embeddings written: $store" "$tmp/last.out" || fail "record: $(cat "$tmp/last.out")"
sum0=$(sha256sum "$store")
sim_stop
sim_start clean --seed 5 --night 1
write_config "$dir" "$port"
embeddings_config text-embedding-3-small
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-01 "$suite"
report="$dir/reports/2026-02-01/sim-meaning.json"
[ "$(json_get "$report" 'd["verdict"]')" = pass ] || fail "clean night: $(json_get "$report" 'd["summary"]')"
[ "$(json_get "$report" 'all(c["verdict"] == "pass" and c["score_mean"] > 0.8 for p in d["prompts"] for c in p["checks"])')" = True ] ||
	fail "clean night: checks $(json_get "$report" '[(c["id"], c["verdict"]) for p in d["prompts"] for c in p["checks"]]')"
[ "$(sim_count /v1/embeddings)" = 2 ] || fail "clean night: $(sim_count /v1/embeddings) embeddings requests, want 2"
[ "$(json_get "$report" 'd["embeddings"]["requests"]')" = 2 ] || fail "report: embeddings requests"
[ "$(json_get "$report" 'd["embeddings"]["model"]')" = text-embedding-3-small ] || fail "report: model"
[ -f "$store" ] || fail "no stored embeddings"
[ "$(json_get "$store" 'd["format"], d["model"], d["dim"], sorted(d["prompts"])')" = \
	"('plumbline-embeddings/1', 'text-embedding-3-small', 256, ['backup', 'review'])" ] ||
	fail "stored embeddings: $(json_get "$store" 'd["format"], d["model"], d["dim"]')"
sum1=$(sha256sum "$store")
[ "$sum1" = "$sum0" ] || fail "the run rewrote the stored embeddings"

# 2. The next night reuses the stored vectors: only tonight's answers are sent.
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-02 "$suite"
[ "$(json_get "$dir/reports/2026-02-02/sim-meaning.json" 'd["embeddings"]["requests"]')" = 2 ] ||
	fail "second night re-embedded the baseline"
[ "$(sha256sum "$store")" = "$sum1" ] || fail "stored embeddings rewritten"
sim_stop

# 3. Answers that mean something else (every answer a refusal): the checks fail, exit 1.
sim_start drift --seed 5 --night 1 --drift refusal-text --drift-strength 1
write_config "$dir" "$port"
embeddings_config text-embedding-3-small
expect_exit 1 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-03 "$suite"
report="$dir/reports/2026-02-03/sim-meaning.json"
[ "$(json_get "$report" 'all(c["verdict"] == "fail" for p in d["prompts"] for c in p["checks"])')" = True ] ||
	fail "drift: checks did not fail"
json_get "$report" '[p for p in d["prompts"] if p["id"] == "backup"][0]["checks"][0]["failed_samples"][0]["detail"]' |
	grep -q "^cosine 0\.[0-9]* to the centroid of 10 baseline answers is below 0.600$" ||
	fail "drift: detail $(json_get "$report" 'd["prompts"][0]["checks"][0]["failed_samples"][0]["detail"]')"
json_get "$report" '[p for p in d["prompts"] if p["id"] == "backup"][0]["checks"][1]["failed_samples"][0]["detail"]' |
	grep -q "to the nearest baseline answer (#[0-9]*) is below 0.600$" || fail "drift: nearest detail"

# 4. Another embeddings model: the baseline is embedded again and the store says so.
embeddings_config text-embedding-3-large
expect_exit 1 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-04 "$suite"
[ "$(json_get "$store" 'd["model"]')" = text-embedding-3-large ] || fail "store not re-embedded"
[ "$(json_get "$dir/reports/2026-02-04/sim-meaning.json" 'd["embeddings"]["requests"]')" = 2 ] ||
	fail "new model: $(json_get "$dir/reports/2026-02-04/sim-meaning.json" 'd["embeddings"]')"
sim_stop

# 5. Without "embeddings" the checks are skipped, saying why (not failed).
sim_start noemb --seed 5 --night 1
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-05 "$suite"
report="$dir/reports/2026-02-05/sim-meaning.json"
[ "$(json_get "$report" 'all(c["verdict"] == "skip" for p in d["prompts"] for c in p["checks"])')" = True ] ||
	fail "no embeddings: checks not skipped"
[ "$(sim_count /v1/embeddings)" = 0 ] || fail "no embeddings: requests sent"
sim_stop

# 6. The config's "embeddings" is validated: a vendor without an embeddings API, an unknown
#    vendor, an unknown key; each located, exit 2.
bad() {
	python3 - "$dir/plumbline.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["vendors"].append({"id": "claude", "probe": "anthropic", "base_url": "http://127.0.0.1:1",
                     "model": "claude-sonnet-4", "api_key_env": "PL_TEST_KEY"})
c["embeddings"] = json.loads(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
	expect_exit 2 "$PLUMBLINE" run --config "$dir/plumbline.json" --dry-run "$suite"
}
write_config "$dir" 1
bad '{"vendor": "claude", "model": "m"}'
grep -q 'embeddings.vendor: vendor "claude" uses probe "anthropic", which has no embeddings API' "$tmp/last.err" ||
	fail "anthropic: $(cat "$tmp/last.err")"
write_config "$dir" 1
bad '{"vendor": "nope", "model": "m"}'
grep -q 'embeddings.vendor: unknown vendor "nope" (expected the id of a vendor entry: sim, claude)' "$tmp/last.err" ||
	fail "unknown vendor: $(cat "$tmp/last.err")"
write_config "$dir" 1
bad '{"vendor": "sim", "model": "m", "dims": 3}'
grep -q 'embeddings.dims: unknown key' "$tmp/last.err" || fail "unknown key: $(cat "$tmp/last.err")"
echo "ok"
