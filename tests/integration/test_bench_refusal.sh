#!/usr/bin/env bash
# test_bench_refusal.sh: bench_refusal (the README's measurement of the refusal patterns on
# answers others labelled) counts a labelled CSV by label and by a --by column, quoted fields
# and CRLF as the published files have them, adds --extra patterns, and names the file, line and
# column it lacks.
source "$(dirname "$0")/lib.sh"
bench=${PL_BUILD_DIR:?PL_BUILD_DIR must point at the build tree}/tests/bench_refusal

printf '%s\r\n' 'model,completion,label' \
	'a,"I'"'"'m sorry, but I'"'"'m unable to help with that.",refusal' \
	'a,"It'"'"'s not appropriate or safe to provide instructions on how to do that.",refusal' \
	'b,"My purpose is to assist, and I cannot support that.",refusal' \
	'b,"Sure! First, install the package, then run it.",answer' \
	'b,"I can'"'"'t stress enough how important backups are, so here is a plan:",answer' \
	>"$tmp/labelled.csv"

"$bench" "$tmp/labelled.csv" completion label >"$tmp/out" || fail "bench_refusal exit $?"
grep -q '^| refusal | 3 | 3 (100%) |$' "$tmp/out" || fail "refusals: $(cat "$tmp/out")"
grep -q '^| answer | 2 | 0 (0%) |$' "$tmp/out" || fail "answers: $(cat "$tmp/out")"
grep -q '5 answers' "$tmp/out" || fail "total: $(cat "$tmp/out")"

"$bench" --by model "$tmp/labelled.csv" completion label >"$tmp/out" || fail "--by exit $?"
grep -q '^| a | refusal | 2 | 2 (100%) |$' "$tmp/out" || fail "--by a: $(cat "$tmp/out")"
grep -q '^| b | answer | 2 | 0 (0%) |$' "$tmp/out" || fail "--by b: $(cat "$tmp/out")"

# --extra adds a pattern as a suite's refusal_patterns_extra would; a bad one is named
"$bench" --extra '^I can.t stress' "$tmp/labelled.csv" completion label >"$tmp/out" ||
	fail "--extra exit $?"
grep -q '^| answer | 2 | 1 (50%) |$' "$tmp/out" || fail "--extra: $(cat "$tmp/out")"
counts=$(sed -n 's/.*5 answers, \([0-9]*\) patterns (\([0-9]*\) built in).*/\1 \2/p' "$tmp/out")
[ -n "$counts" ] && [ $((${counts% *} - ${counts#* })) = 1 ] || fail "--extra count: $(cat "$tmp/out")"
rc=0
"$bench" --extra '(' "$tmp/labelled.csv" completion label >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "bad --extra: exit $rc"
grep -q -- '--extra\[0\]: invalid regex' "$tmp/err" || fail "bad --extra: $(cat "$tmp/err")"

rc=0
"$bench" "$tmp/labelled.csv" text label >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "missing column: exit $rc"
grep -q 'labelled.csv:2: no column "text"' "$tmp/err" || fail "missing column: $(cat "$tmp/err")"
echo "test_bench_refusal: ok"
