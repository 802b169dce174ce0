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

# Usage errors are exit 2 too, and say where to look.
expect_exit 2 "$PLUMBLINE" check
grep -q "config FILE is required" "$tmp/last.err" || fail "usage message"
expect_exit 2 "$PLUMBLINE" nosuchcommand
expect_exit 0 "$PLUMBLINE" check --config "$good_config" "$PL_SOURCE_DIR/suites/demo.json"
expect_exit 0 "$PLUMBLINE" help run
grep -q "exit codes" "$tmp/last.out" || fail "help run shows exit codes"
expect_exit 0 "$PLUMBLINE" run --help
echo "ok"
