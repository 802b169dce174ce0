#!/usr/bin/env bash
# test_import_promptfoo.sh: `plumbline import promptfoo` on a realistic promptfooconfig.yaml
# (tests/fixtures/promptfoo): one prompt per (prompt, test) with the vars filled, each
# assertion with an equivalent mapped to its check kind, every other one (and the prompt from a
# file) named on stderr with its line, exit 1; the same config as JSON gives the same suite;
# exit 0 when nothing is skipped, 2 for a config that cannot be read, and -o never replaces a
# file without --force.
source "$(dirname "$0")/lib.sh"

fx="$PL_SOURCE_DIR/tests/fixtures/promptfoo"
cd "$fx"
out="$tmp/support.json"
expect_exit 1 "$PLUMBLINE" import promptfoo promptfooconfig.yaml -o "$out"
s="$out"

# The skipped list: exactly these lines, with the lines of the fixture.
cat >"$tmp/want.skipped" <<'TXT'
promptfooconfig.yaml:7: prompt 2 comes from a file (file://prompts/support_chat.json): paste its text into prompts; skipped
promptfooconfig.yaml:27: assert type 'javascript' has no plumbline equivalent; skipped
promptfooconfig.yaml:56: assert type 'python' has no plumbline equivalent; skipped
promptfooconfig.yaml:74: assert type 'model-graded-closedqa' has no plumbline equivalent; skipped
promptfooconfig.yaml:86: assert type 'webhook' has no plumbline equivalent; skipped
TXT
grep "; skipped$" "$tmp/last.err" >"$tmp/got.skipped" || true
diff -u "$tmp/want.skipped" "$tmp/got.skipped" || fail "the skipped list differs"
# each named line really holds what it names
[ "$(sed -n 27p promptfooconfig.yaml)" = "    - type: javascript" ] || fail "fixture line 27"
[ "$(sed -n 86p promptfooconfig.yaml)" = "      - type: webhook" ] || fail "fixture line 86"
grep -q "^promptfooconfig.yaml:15: note: providers are not imported" "$tmp/last.err" ||
	fail "providers not noted: $(cat "$tmp/last.err")"
grep -q "^promptfooconfig.yaml:67: note: assert type 'levenshtein' (distance <= 8 from a 31-character value)" \
	"$tmp/last.err" || fail "levenshtein not noted"
grep -q "8 prompts written to $out (suite \"support\"); 5 skipped (above)" "$tmp/last.err" ||
	fail "summary: $(tail -n 1 "$tmp/last.err")"

# The suite: prompts 1 and 3 (2 is a file) x 4 tests, ids from their places in the file.
[ "$(json_get "$s" 'd["id"]')" = support ] || fail "suite id"
[ "$(json_get "$s" 'd["description"]')" = "Support bot regression tests" ] || fail "description"
[ "$(json_get "$s" '" ".join(p["id"] for p in d["prompts"])')" = \
	"p1-t1 p3-t1 p1-t2 p3-t2 p1-t3 p3-t3 p1-t4 p3-t4" ] || fail "prompt ids"
P() { json_get "$s" "[p for p in d[\"prompts\"] if p[\"id\"] == \"$1\"][0]$2"; }
[ "$(P p1-t1 '["prompt"]')" = "You are a helpful support agent for Acme Parcels. Answer the customer: How long do I have to return an item?" ] ||
	fail "vars not filled: $(P p1-t1 '["prompt"]')"
[ "$(P p1-t1 '["description"]')" = "refund policy" ] || fail "test description"
# a chat prompt (a JSON list of messages) keeps its roles, vars filled in each
[ "$(P p3-t2 '["messages"][0]')" = "{'role': 'system', 'content': 'You answer in English only.'}" ] ||
	fail "chat messages: $(P p3-t2 '["messages"]')"
[ "$(P p3-t2 '["messages"][1]["role"]')" = user ] || fail "chat user message"

# The checks, in order: defaultTest's first, then the test's.
C() { P "$1" "[\"checks\"]"; }
[ "$(C p1-t1)" = "[{'type': 'not_contains', 'value': 'as an ai language model', 'case_sensitive': False}, {'type': 'icontains', 'value': '30 days'}, {'type': 'contains_any', 'values': ['refund', 'return', 'exchange']}, {'type': 'regex', 'pattern': '\\\\b\\\\d+ days\\\\b'}, {'type': 'rubric', 'rubric': 'Explains the return window politely and mentions Acme Parcels'}, {'type': 'embedding_similarity', 'threshold': 0.8}]" ] ||
	fail "t1 checks: $(C p1-t1)"
[ "$(C p1-t2)" = "[{'type': 'not_contains', 'value': 'as an ai language model', 'case_sensitive': False}, {'type': 'json_schema', 'schema': {'type': 'object', 'required': ['order', 'status']}}, {'type': 'json', 'fenced': True}, {'type': 'starts_with', 'value': '{'}]" ] ||
	fail "t2 checks: $(C p1-t2)"
[ "$(C p1-t3)" = "[{'type': 'not_contains', 'value': 'as an ai language model', 'case_sensitive': False}, {'type': 'equals', 'value': 'Hello! Welcome to Acme Parcels.'}, {'type': 'similarity', 'metric': 'levenshtein', 'threshold': 0.741}, {'type': 'contains_all', 'values': ['Hello', 'Welcome']}, {'type': 'not_contains', 'value': 'password'}, {'type': 'cost', 'max_usd': 0.001}]" ] ||
	fail "t3 checks: $(C p1-t3)"
[ "$(C p3-t4)" = "[{'type': 'not_contains', 'value': 'as an ai language model', 'case_sensitive': False}, {'type': 'is_refusal'}, {'type': 'regex', 'pattern': 'password\\\\s*[:=]', 'mode': 'not_match'}]" ] ||
	fail "t4 checks: $(C p3-t4)"

# The same config written as JSON converts to the same suite (lines from the JSON text).
expect_exit 1 "$PLUMBLINE" import promptfoo promptfooconfig.json --id support
cmp -s "$tmp/last.out" "$out" || fail "the JSON config converts differently: $(diff "$tmp/last.out" "$out" | head)"
# (the line of the assertion's "{", just above its "type")
js=$(($(grep -n '"type": "javascript"' promptfooconfig.json | cut -d: -f1) - 1))
grep -q "^promptfooconfig.json:$js: assert type 'javascript' has no plumbline equivalent; skipped" "$tmp/last.err" ||
	fail "JSON config: no line: $(cat "$tmp/last.err")"

# Nothing skipped: exit 0; to standard output by default.
cat >"$tmp/clean.yaml" <<'YAML'
prompts: ["Translate to French: {{text}}"]
tests:
  - vars: {text: good morning}
    assert:
      - {type: icontains, value: bonjour}
YAML
expect_exit 0 "$PLUMBLINE" import promptfoo "$tmp/clean.yaml"
[ "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["id"], d["prompts"][0]["prompt"], d["prompts"][0]["checks"])' <"$tmp/last.out")" = \
	"promptfoo Translate to French: good morning [{'type': 'icontains', 'value': 'bonjour'}]" ] ||
	fail "clean: $(cat "$tmp/last.out")"

# -o SUITE.yaml writes YAML (regexes without double escaping); with kinds plumbline has
# always had, the suite checks, as YAML and as JSON.
cat >"$tmp/kinds.yaml" <<'YAML'
prompts:
  - 'What is the capital of {{country}}? One word.'
tests:
  - vars: {country: France}
    assert:
      - {type: regex, value: '\bParis\b'}
      - {type: levenshtein, value: Paris, threshold: 2}
      - type: is-json
        value: {type: string}
      - type: not-is-refusal
YAML
good="$PL_SOURCE_DIR/tests/fixtures/bad/good-config.json"
# The whole imported suite (rubric, embedding_similarity and every string kind among its checks)
# loads as a plumbline suite.
expect_exit 0 "$PLUMBLINE" check --config "$good" "$out"
grep -q "support.json: ok" "$tmp/last.out" || fail "the imported suite: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" import promptfoo "$tmp/kinds.yaml" -o "$tmp/capitals.yaml"
grep -qxF '    pattern: \bParis\b' "$tmp/capitals.yaml" || fail "YAML output: $(cat "$tmp/capitals.yaml")"
grep -qxF '  prompt: What is the capital of France? One word.' "$tmp/capitals.yaml" ||
	fail "YAML output: $(cat "$tmp/capitals.yaml")"
expect_exit 0 "$PLUMBLINE" check --config "$good" "$tmp/capitals.yaml"
grep -q 'capitals.yaml: ok (suite "capitals", 1 prompt)' "$tmp/last.out" || fail "$(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" import promptfoo "$tmp/kinds.yaml" -o "$tmp/capitals.json"
expect_exit 0 "$PLUMBLINE" check --config "$good" "$tmp/capitals.json"
grep -q "1 prompt, 4 checks in 1 suite" "$tmp/last.out" || fail "$(cat "$tmp/last.out")"

# A placeholder that cannot be filled is named with its real cause; braces around anything that
# is not a name are kept as written; a var from a file that no prompt uses does not drop the test.
cat >"$tmp/causes.yaml" <<'YAML'
prompts:
  - 'Shout {{ word | upper }}'
  - 'Hello {{ user.name }}'
  - 'Literal {{"a": 1}} and {{ word }}'
tests:
  - vars:
      word: hi
      user: {name: Bob}
      ctx: file://expected.txt
    assert:
      - {type: contains, value: hi}
YAML
expect_exit 1 "$PLUMBLINE" import promptfoo "$tmp/causes.yaml" -o "$tmp/causes.json"
cat >"$tmp/want.causes" <<'TXT'
causes.yaml:6: p1-t1: prompt 1 uses {{ word | upper }}: template filters are not supported (only {{ name }} is filled); skipped
causes.yaml:6: p2-t1: prompt 2 uses {{ user.name }}: dotted access into a var is not supported (only {{ name }} is filled); skipped
TXT
grep "; skipped$" "$tmp/last.err" | sed 's|^.*/causes.yaml|causes.yaml|' >"$tmp/got.causes" || true
diff -u "$tmp/want.causes" "$tmp/got.causes" || fail "causes: $(cat "$tmp/last.err")"
grep -q "causes.yaml:9: note: test 1: var 'ctx' is not used by the prompts; ignored" "$tmp/last.err" ||
	fail "unused file var: $(cat "$tmp/last.err")"
[ "$(json_get "$tmp/causes.json" '[d["prompts"][0]["prompt"], d["prompts"][0]["checks"]]')" = \
	"['Literal {{\"a\": 1}} and hi', [{'type': 'contains', 'value': 'hi'}]]" ] ||
	fail "kept braces / checks: $(cat "$tmp/causes.json")"

# A test's (or defaultTest's) options.transform changes the answer its assertions see: they
# are skipped and named, never kept on the raw answer (exit 1).
cat >"$tmp/xform.yaml" <<'YAML'
prompts:
  - 'Say {{ word }}'
defaultTest:
  options:
    transform: output.toUpperCase()
tests:
  - vars:
      word: hello
    assert:
      - type: contains
        value: HELLO
YAML
expect_exit 1 "$PLUMBLINE" import promptfoo "$tmp/xform.yaml"
grep -q "xform.yaml:10: assert type 'contains' runs on the answer as defaultTest's options.transform (line 5) changes it, which plumbline does not do; skipped" \
	"$tmp/last.err" || fail "transform: $(cat "$tmp/last.err")"
[ "$(json_get "$tmp/last.out" 'd["prompts"][0].get("checks")')" = None ] ||
	fail "transform: the check was kept: $(cat "$tmp/last.out")"

# weight 0 does not count toward pass/fail in promptfoo: not a required check here (noted);
# other weights and metrics are noted, not dropped silently.
cat >"$tmp/weights.yaml" <<'YAML'
prompts: ['Say {{ word }}']
tests:
  - vars: {word: hello}
    assert:
      - type: contains
        value: hello
        weight: 3
        metric: greeting
      - type: contains
        value: maybe
        weight: 0
YAML
expect_exit 0 "$PLUMBLINE" import promptfoo "$tmp/weights.yaml"
[ "$(json_get "$tmp/last.out" 'd["prompts"][0]["checks"]')" = "[{'type': 'contains', 'value': 'hello'}]" ] ||
	fail "weights: $(cat "$tmp/last.out")"
grep -q "weights.yaml:9: note: assert type 'contains' has weight 0, so promptfoo does not count it toward pass or fail; not imported" "$tmp/last.err" &&
	grep -q "weights.yaml:5: note: assert type 'contains': its weight is not imported" "$tmp/last.err" &&
	grep -q "weights.yaml:5: note: assert type 'contains': its metric 'greeting' is not imported" "$tmp/last.err" ||
	fail "weights: $(cat "$tmp/last.err")"

# A file:// value is the file's content, as promptfoo reads it (relative to the config's
# directory): .txt trimmed, .json/.yaml parsed; a file that cannot be read is named, skipped.
mkdir -p "$tmp/pf"
printf 'Bonjour\n' >"$tmp/pf/expected.txt"
printf '{"type": "object", "required": ["a"]}\n' >"$tmp/pf/schema.json"
printf -- '- bonjour\n- salut\n' >"$tmp/pf/words.yaml"
cat >"$tmp/pf/files.yaml" <<'YAML'
prompts: ['Say hi in French']
tests:
  - assert:
      - {type: contains, value: file://expected.txt}
      - {type: icontains-any, value: file://words.yaml}
      - {type: is-json, value: file://schema.json}
      - {type: llm-rubric, value: file://rubric.txt}
YAML
(cd / && expect_exit 1 "$PLUMBLINE" import promptfoo "$tmp/pf/files.yaml")
[ "$(json_get "$tmp/last.out" 'd["prompts"][0]["checks"]')" = "[{'type': 'contains', 'value': 'Bonjour'}, {'type': 'contains_any', 'values': ['bonjour', 'salut'], 'case_sensitive': False}, {'type': 'json_schema', 'schema': {'type': 'object', 'required': ['a']}}]" ] ||
	fail "file values: $(cat "$tmp/last.out")"
grep -q "files.yaml:7: assert type 'llm-rubric': file://rubric.txt: $tmp/pf/rubric.txt: cannot open: No such file or directory; skipped" \
	"$tmp/last.err" || fail "missing file: $(cat "$tmp/last.err")"

# Each check is compiled as `plumbline check` compiles it: an assertion that would become a
# check it refuses is named at its line and skipped (exit 1), and the suite written loads.
cat >"$tmp/refused.yaml" <<'YAML'
prompts: ['Hi']
tests:
  - assert:
      - {type: regex, value: "(unclosed"}
      - {type: similar, value: hello, threshold: 1.5}
      - {type: cost, threshold: -1}
      - {type: latency, threshold: 0.5}
      - {type: contains, value: ""}
      - {type: contains, value: Hi}
YAML
expect_exit 1 "$PLUMBLINE" import promptfoo "$tmp/refused.yaml" -o "$tmp/refused.json"
for want in \
	"refused.yaml:4: assert type 'regex' becomes a check plumbline refuses (pattern: invalid regex at offset 9: missing closing parenthesis); skipped" \
	"refused.yaml:5: assert type 'similar' becomes a check plumbline refuses (threshold: expected a number from -1 to 1, got 1.5); skipped" \
	"refused.yaml:6: assert type 'cost' becomes a check plumbline refuses (max_usd:" \
	"refused.yaml:7: assert type 'latency' becomes a check plumbline refuses (p95_ms:" \
	"refused.yaml:8: assert type 'contains' becomes a check plumbline refuses (value: expected a non-empty string); skipped"; do
	grep -qF "$want" "$tmp/last.err" || fail "refused: lacks '$want': $(cat "$tmp/last.err")"
done
expect_exit 0 "$PLUMBLINE" check --config "$good" "$tmp/refused.json"
grep -q "1 prompt, 1 checks\?" "$tmp/last.out" || fail "refused: $(cat "$tmp/last.out")"

# -o does not replace a file unless --force.
expect_exit 2 "$PLUMBLINE" import promptfoo "$tmp/clean.yaml" -o "$out"
grep -q "exists (--force replaces it)" "$tmp/last.err" || fail "overwrite: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" import promptfoo "$tmp/clean.yaml" -o "$out" --force
[ "$(json_get "$out" 'len(d["prompts"])')" = 1 ] || fail "--force did not replace"

# A config that cannot be read: located error, exit 2.
printf 'prompts:\n  - hi\n  bad: [\n' >"$tmp/bad.yaml"
expect_exit 2 "$PLUMBLINE" import promptfoo "$tmp/bad.yaml"
grep -q "bad.yaml:3:3: invalid YAML" "$tmp/last.err" || fail "bad yaml: $(cat "$tmp/last.err")"
printf 'providers: [openai:gpt-4o]\n' >"$tmp/noprompts.yaml"
expect_exit 2 "$PLUMBLINE" import promptfoo "$tmp/noprompts.yaml"
grep -q 'noprompts.yaml:1:1: missing required key "prompts"' "$tmp/last.err" ||
	fail "no prompts: $(cat "$tmp/last.err")"
expect_exit 2 "$PLUMBLINE" import promptfoo
expect_exit 2 "$PLUMBLINE" import deepeval x.yaml
echo ok
