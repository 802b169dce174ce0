#!/usr/bin/env bash
# test_probes_e2e.sh: every probe, streamed and not, through the whole nightly path against
# the simulator over 127.0.0.1: baseline record, a clean night (exit 0), a night with JSON
# answers fenced in code blocks (exit 1: the json check fails).
source "$(dirname "$0")/lib.sh"

cat >"$tmp/suite.json" <<'JSON'
{
  "id": "probes",
  "defaults": {"temperature": 0.7, "max_tokens": 120, "samples": 6, "baseline_samples": 12},
  "prompts": [
    {"id": "capital", "prompt": "What is the capital of France? Answer with one word.",
     "checks": [{"type": "regex", "pattern": "paris", "flags": "i", "min_pass_rate": 0.5}]},
    {"id": "json", "prompt": "Return a JSON object for a product with a name and a price.",
     "checks": [{"type": "json"}]},
    {"id": "prose", "prompt": "Explain in a short paragraph why teams write tests for their code."}
  ]
}
JSON

# probe:api:base-path:model:extra-json
probes=(
	'openai::/v1:sim-gpt:'
	'openai:responses:/v1:sim-gpt:'
	'azure-openai:::sim-deploy:, "api_version": "2024-10-21"'
	'anthropic::/v1:sim-claude:'
	'gemini::/v1beta:sim-gemini:'
	'ollama:::sim-llama:'
	'bedrock:::us.amazon.sim-v1%3A0:, "region": "us-east-1"'
)
n=0
for entry in "${probes[@]}"; do
	IFS=: read -r probe api path model extra <<<"$entry"
	model=${model//%3A/:}
	for stream in false true; do
		name="$probe-${api:-default}-$stream"
		dir="$tmp/$name"
		mkdir -p "$dir"
		sim_start "$name" --seed 9 --night 0
		key=$PL_TEST_KEY
		[ "$probe" = bedrock ] && key="AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
		api_json=""
		[ -n "$api" ] && api_json=", \"api\": \"$api\""
		cat >"$dir/plumbline.json" <<JSON
{
  "vendors": [
    {"id": "v", "probe": "$probe", "base_url": "http://127.0.0.1:$port$path", "model": "$model",
     "api_key_env": "PL_PROBE_KEY", "stream": $stream, "concurrency": 4, "retries": 2 $api_json $extra}
  ],
  "paths": {"baselines": "$dir/baselines", "reports": "$dir/reports", "state": "$dir/state"}
}
JSON
		export PL_PROBE_KEY=$key
		expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor v "$tmp/suite.json"
		sim_stop
		sim_start "$name-n1" --seed 9 --night 1
		sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
		expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-03-01 "$tmp/suite.json"
		report="$dir/reports/2026-03-01/v-probes.json"
		[ "$(json_get "$report" 'd["counts"]["answers"]')" = 18 ] || fail "$name: answers"
		sim_stop
		sim_start "$name-drift" --seed 9 --night 2 --drift fenced
		sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
		expect_exit 1 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-03-02 "$tmp/suite.json"
		sim_stop
		echo "$name: baseline, clean night (exit 0), fenced JSON night (exit 1)"
		n=$((n + 1))
	done
done
echo "$n probe configurations ok"
