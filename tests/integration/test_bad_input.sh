#!/usr/bin/env bash
# test_bad_input.sh: every file in tests/fixtures/bad/ makes `plumbline check` exit 2 with the
# exact error line in its .expected file (paths relative to tests/fixtures/bad); YAML suites
# (suite-yaml-*) name FILE:LINE:COL and the field as JSON ones do.
source "$(dirname "$0")/lib.sh"

cd "$PL_SOURCE_DIR/tests/fixtures/bad"
good_config=good-config.json
n=0
for f in config-*.json suite-*.json suite-yaml-*.yaml suite-yaml-*.yml; do
	want=$(cat "${f%.*}.expected")
	if [[ $f == config-* ]]; then
		expect_exit 2 "$PLUMBLINE" check --config "$f"
	else
		expect_exit 2 "$PLUMBLINE" check --config "$good_config" "$f"
	fi
	got=$(cat "$tmp/last.err")
	[ "$got" = "$want" ] || fail "$f:
  got  $got
  want $want"
	n=$((n + 1))
done
echo "$n bad files rejected with the expected message"

# A prompt asking a vendor for what its probe cannot send (vendor-NAME.json with the config
# vendor-NAME.config.json): check, run and baseline record all refuse it, located at the suite
# key that asks for it, before sending anything.
n=0
for f in vendor-*.config.json; do
	name=${f%.config.json}
	want=$(cat "$name.expected")
	rm -rf "$tmp/pair" && mkdir -p "$tmp/pair" && cp "$f" "$name.json" "$tmp/pair/"
	for cmd in "check" "run" "baseline record --vendor all"; do
		# shellcheck disable=SC2086 # cmd is a command and its options
		(cd "$tmp/pair" && expect_exit 2 "$PLUMBLINE" $cmd --config "$f" "$name.json")
		got=$(cat "$tmp/last.err")
		[ "$got" = "$want" ] || fail "$cmd $name:
  got  $got
  want $want"
	done
	[ ! -e "$tmp/pair/.plumbline/journal" ] || fail "$name: a journal was started"
	n=$((n + 1))
done
echo "$n vendor/prompt pairs refused by check, run and baseline record"

# A misspelled schema keyword is legal JSON Schema (an unknown keyword checks nothing): check
# passes (exit 0) and warns at each, with "did you mean"; a key far from any keyword is silent.
expect_exit 0 "$PLUMBLINE" check --config "$good_config" warn-schema-typo.yaml
for w in 'warn-schema-typo.yaml:9:21: prompts[0].checks[0].schema.requried: unknown schema keyword "requried" (did you mean "required"?)' \
	'warn-schema-typo.yaml:11:45: prompts[0].checks[0].schema.properties.name.maxLenght: unknown schema keyword "maxLenght" (did you mean "maxLength"?)'; do
	grep -qF "plumbline: warning: $w" "$tmp/last.err" || fail "no warning: $w: $(cat "$tmp/last.err")"
done
! grep -q 'x-note' "$tmp/last.err" || fail "x-note warned: $(cat "$tmp/last.err")"

# The same warning for every schema a suite carries, located at the key: a tool's
# "parameters", a tool_call check's "arguments_schema", a "response_schema" and a json_schema
# check's "schema"; one for a dataset's prompt, not one per row. A suite with each of them
# spelled right (annotations such as x-note and nullable too) gets none.
expect_exit 0 "$PLUMBLINE" check --config "$good_config" warn-schema-typo-all.json
for w in 'warn-schema-typo-all.json:10:67: prompts[0].tools[1].parameters.requried: unknown schema keyword "requried" (did you mean "required"?): JSON Schema ignores unknown keywords, so it checks nothing' \
	'warn-schema-typo-all.json:14:81: prompts[0].checks[0].arguments_schema.properties.city.tpye: unknown schema keyword "tpye" (did you mean "type"?)' \
	'warn-schema-typo-all.json:20:68: prompts[1].response_schema.additonalProperties: unknown schema keyword "additonalProperties" (did you mean "additionalProperties"?)' \
	'warn-schema-typo-all.json:23:75: prompts[1].checks[0].schema.propeties: unknown schema keyword "propeties" (did you mean "properties"?)' \
	'warn-schema-typo-all.json:30:57: prompts[2].response_schema.requried: unknown schema keyword "requried" (did you mean "required"?)'; do
	[ "$(grep -cF "plumbline: warning: $w" "$tmp/last.err")" = 1 ] || fail "not one warning: $w: $(cat "$tmp/last.err")"
done
[ "$(grep -c 'unknown schema keyword' "$tmp/last.err")" = 5 ] || fail "not 5 schema warnings: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" check --config "$good_config" warn-schema-none.json
! grep -q 'unknown schema keyword' "$tmp/last.err" || fail "a correct suite warned: $(cat "$tmp/last.err")"

# Usage errors are exit 2 too, and say where to look.
expect_exit 2 "$PLUMBLINE" check
grep -q "config FILE is required" "$tmp/last.err" || fail "usage message"
expect_exit 2 "$PLUMBLINE" nosuchcommand
expect_exit 0 "$PLUMBLINE" check --config "$good_config" "$PL_SOURCE_DIR/suites/demo.json"
expect_exit 0 "$PLUMBLINE" help run
grep -q "exit codes" "$tmp/last.out" || fail "help run shows exit codes"
expect_exit 0 "$PLUMBLINE" run --help
echo "ok"
