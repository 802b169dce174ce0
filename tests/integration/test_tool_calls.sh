#!/usr/bin/env bash
# test_tool_calls.sh: a suite whose prompts offer tools, over the OpenAI (chat, and the
# Responses API streamed), Anthropic (streamed), Gemini and Bedrock (streamed) wires of
# `plumbline simulate`: the probes send the tools and read the calls back, the
# tool_call checks pass on an unchanged night (exit 0); a vendor that changes a call's
# arguments ("tool-args") or stops calling the tool ("no-tools") is a change (exit 1), seen
# by detection itself (the prompt whose check only names the tool moves too) and by the checks.
source "$(dirname "$0")/lib.sh"

suite="$tmp/tools.json"
cat >"$suite" <<'JSON'
{
  "id": "tools",
  "defaults": {"samples": 6, "baseline_samples": 12, "temperature": 0.7, "max_tokens": 200},
  "prompts": [
    {"id": "weather", "prompt": "Use the tool: what is the weather in Paris?",
     "tools": [{"name": "get_weather", "description": "Current weather for a city.",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                  "unit": {"enum": ["celsius", "fahrenheit"]}}, "required": ["city", "unit"]}}],
     "checks": [{"type": "tool_call", "name": "get_weather",
                 "arguments_schema": {"type": "object", "required": ["city", "unit"]},
                 "arguments": {"city": "Paris", "unit": "celsius"}}]},
    {"id": "booking", "prompt": "Book a table for two at Chez Panisse tonight.",
     "tools": [{"name": "lookup", "parameters": {"type": "object"}},
               {"name": "book_table", "parameters": {"type": "object",
                  "properties": {"restaurant": {"type": "string"}, "people": {"type": "integer"}},
                  "required": ["restaurant", "people"]}}],
     "tool_choice": {"name": "book_table"},
     "checks": [{"type": "tool_call", "name": "book_table", "arguments": {"restaurant": "Panisse"}}]},
    {"id": "stock", "prompt": "Look up the stock price of ACME on the NASDAQ exchange.",
     "tools": [{"name": "get_stock_price", "parameters": {"type": "object",
                  "properties": {"ticker": {"type": "string"}, "exchange": {"type": "string"}},
                  "required": ["ticker", "exchange"]}}],
     "tool_choice": "required",
     "checks": [{"type": "tool_call", "name": "get_stock_price"}]}
  ]
}
JSON

# config DIR PORT PROBE BASE MODEL EXTRA_JSON
config() {
	mkdir -p "$1"
	cat >"$1/plumbline.json" <<JSON
{
  "vendors": [
    {"id": "sim", "probe": "$3", "base_url": "http://127.0.0.1:$2$4", "model": "$5",
     "api_key_env": "PL_TOOLS_KEY", "concurrency": 8, "retries": 3, "timeout_ms": 5000,
     "max_outage": 3, "probe_interval": 1 $6}
  ],
  "paths": {"baselines": "$1/baselines", "reports": "$1/reports", "state": "$1/state"}
}
JSON
}

# night DIR DATE N WANT [SIM ARGS...]: one night against a fresh simulator; sets $report.
night() {
	local dir=$1 date=$2 n=$3 want=$4
	shift 4
	sim_start "$(basename "$dir")-$n" --seed 3 --night "$n" "$@"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
	expect_exit "$want" "$PLUMBLINE" run --config "$dir/plumbline.json" --date "$date" --quiet \
		"$suite"
	sim_stop
	report="$dir/reports/$date/sim-tools.json"
}

# copy DIR NEW: the vendor's state after the unchanged night, for one scenario.
copy() {
	cp -a "$1" "$2"
	sed -i "s#\"$1/#\"$2/#g" "$2/plumbline.json"
}

check_verdicts() {
	json_get "$report" '",".join(c["verdict"] for p in d["prompts"] for c in p["checks"])'
}

# name|probe|base path|model|extra vendor JSON
wires=(
	'openai|openai|/v1|sim-gpt-1|'
	'responses|openai|/v1|sim-gpt-1|, "api": "responses", "stream": true'
	'anthropic|anthropic|/v1|claude-sim|, "stream": true'
	'gemini|gemini|/v1beta|gemini-sim|'
	'bedrock|bedrock||us.amazon.sim-v1:0|, "region": "us-east-1", "stream": true'
)
for entry in "${wires[@]}"; do
	IFS='|' read -r probe wire_probe base model extra <<<"$entry"
	export PL_TOOLS_KEY=$PL_TEST_KEY
	[ "$wire_probe" = bedrock ] && export PL_TOOLS_KEY="AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	dir="$tmp/$probe"
	sim_start "$probe-rec" --seed 3 --night 0
	config "$dir" "$port" "$wire_probe" "$base" "$model" "$extra"
	expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$suite"
	sim_stop
	bl=$(find "$dir/baselines" -name tools.json | head -n 1)
	[ "$(json_get "$bl" 'sum(1 for p in d["prompts"] for s in p["samples"] if s.get("tool_calls"))')" = 36 ] ||
		fail "$probe: the baseline does not keep a tool call with every sample"
	[ "$(json_get "$bl" '[p["samples"][0]["tool_calls"] for p in d["prompts"] if p["id"] == "booking"][0] == [{"name": "book_table", "arguments": {"restaurant": "Panisse", "people": 9}}]')" = True ] ||
		fail "$probe: booking call $(json_get "$bl" '[p["samples"][0] for p in d["prompts"] if p["id"] == "booking"][0]')"

	# 1. An unchanged vendor: the calls are the baseline's, every check passes, exit 0.
	night "$dir" 2026-05-01 1 0
	[ "$(check_verdicts)" = pass,pass,pass ] || fail "$probe unchanged: checks $(check_verdicts)"
	[ "$(json_get "$report" 'd["detection"]["verdict"]')" = no_change ] ||
		fail "$probe unchanged: $(json_get "$report" 'd["summary"]')"
	echo "$probe unchanged: $(json_get "$report" 'd["summary"]')"

	# 2. The vendor changes the calls' arguments: detection moves every prompt, the stock one
	#    too (its check only names the tool and still passes); the argument checks fail.
	copy "$dir" "$dir-args"
	night "$dir-args" 2026-05-02 2 1 --drift tool-args
	[ "$(json_get "$report" 'd["detection"]["verdict"]')" = changed ] ||
		fail "$probe tool-args: $(json_get "$report" 'd["summary"]')"
	[ "$(json_get "$report" '"stock" in d["detection"]["distance"]["moved"]')" = True ] ||
		fail "$probe tool-args: stock did not move: $(json_get "$report" 'd["summary"]')"
	[ "$(check_verdicts)" = fail,fail,pass ] || fail "$probe tool-args: checks $(check_verdicts)"
	[ "$(json_get "$report" 'd["prompts"][0]["checks"][0]["failed_samples"][0]["tool_calls"] == [{"name": "get_weather", "arguments": {"city": "PARIS", "unit": "fahrenheit"}}]')" = True ] ||
		fail "$probe tool-args: the failed sample does not show its call"
	echo "$probe tool-args: $(json_get "$report" 'd["summary"]')"

	# 3. The vendor stops calling the tool and answers in text: a change, and no tool call.
	copy "$dir" "$dir-none"
	night "$dir-none" 2026-05-02 2 1 --drift no-tools
	[ "$(json_get "$report" 'd["detection"]["verdict"]')" = changed ] ||
		fail "$probe no-tools: $(json_get "$report" 'd["summary"]')"
	[ "$(check_verdicts)" = fail,fail,fail ] || fail "$probe no-tools: checks $(check_verdicts)"
	json_get "$report" '[c["failed_samples"][0]["detail"] for p in d["prompts"] for c in p["checks"]][0]' |
		grep -q "no tool call: expected get_weather" || fail "$probe no-tools: no detail"
	echo "$probe no-tools: $(json_get "$report" 'd["summary"]')"
done

export PL_TOOLS_KEY=$PL_TEST_KEY
# An edited tool is an edited suite, not a vendor change: the request hash follows the tools.
sed 's/"Current weather for a city."/"Weather now."/' "$suite" >"$tmp/edited.json"
dir="$tmp/openai"
sim_start edited --seed 3 --night 3
sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
"$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-03 --quiet "$tmp/edited.json" \
	>"$tmp/edited.out" 2>&1 || true
sim_stop
grep -q "suite edited: weather$" "$tmp/edited.out" ||
	fail "an edited tool is not reported as a suite edit: $(cat "$tmp/edited.out")"
echo "edited tool: reported as a suite edit"
echo "PASS"
