#!/usr/bin/env bash
# test_run_e2e.sh: the nightly path against the simulated vendor over 127.0.0.1:
# baseline record, a clean night (exit 0), every drift detected and named (exit 1), every
# fault retried or reported as a vendor fault (exit 0 or 3), never as a behaviour change.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
base="$tmp/base"

# 1. Record the baseline once (night 0) and keep it as the starting point of every scenario.
sim_start rec --seed 5 --night 0
write_config "$base" "$port"
expect_exit 0 "$PLUMBLINE" baseline record --config "$base/plumbline.json" --vendor sim "$suite"
bl="$base/baselines/sim/sim-gpt-1/demo.json"
[ -f "$bl" ] || fail "no baseline file"
[ "$(json_get "$bl" 'len(d["prompts"])')" = 5 ] || fail "baseline prompts"
[ "$(json_get "$bl" 'sum(len(p["samples"]) for p in d["prompts"])')" = 150 ] || fail "baseline samples"
[ "$(json_get "$bl" '[p["id"] for p in d["prompts"]] == sorted(p["id"] for p in d["prompts"])')" = True ] ||
	fail "baseline prompts not sorted"
sim_stop

# scenario NAME SIM_ARGS...: a fresh copy of the recorded state, one night against a simulator.
scenario() {
	local name=$1
	shift
	rm -rf "$tmp/$name"
	cp -r "$base" "$tmp/$name"
	sim_start "$name" --seed 5 --night 1 "$@"
	write_config "$tmp/$name" "$port" "${extra:-}"
	dir="$tmp/$name"
	report="$dir/reports/2026-02-01/sim-demo.json"
}

# 2. A normal night: sampling noise and a little night-to-night variation. No change.
scenario clean
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-01 "$suite"
[ "$(json_get "$report" 'd["verdict"]')" = pass ] || fail "clean night verdict"
grep -q "sim/demo \[sim-gpt-1\]: pass" "$tmp/last.out" || fail "summary line: $(cat "$tmp/last.out")"
sim_stop

# A budget stops sending, writes a partial report that says so, and exits 3.
scenario budget
expect_exit 3 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-01 --max-requests 12 "$suite"
[ "$(json_get "$report" 'd["verdict"]')" = incomplete ] || fail "budget: verdict"
json_get "$report" 'd["incomplete_reason"]' | grep -q "budget reached" || fail "budget: reason"
[ "$(json_get "$report" 'd["counts"]["answers"] <= 12')" = True ] || fail "budget: answers"
# --dry-run prints the plan and sends nothing.
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --dry-run "$suite"
grep -q "50 requests" "$tmp/last.out" || fail "dry run: $(cat "$tmp/last.out")"
# Markdown and JUnit renderings of the night.
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-02 \
	--markdown "$dir/night.md" --junit "$dir/night.xml" "$suite"
grep -q "plumbline: sim / sim-gpt-1 / demo" "$dir/night.md" || fail "markdown summary"
if command -v xmllint >/dev/null; then
	xmllint --noout --schema "$PL_SOURCE_DIR/tests/fixtures/ci-schemas/jenkins-xunit-junit-10.xsd" \
		"$dir/night.xml" || fail "junit xml does not validate"
fi
sim_stop

# 3. Every drift is detected on its first night, and the report names it.
#    drift:python expression over the report that must be true
checks=(
	'longer:d["verdict"] in ("changed", "checks_failed") and bool(d["detection"]["distance"]["moved"] or d["counts"]["checks_failed"])'
	'fenced:any(c["kind"] == "json" and c["verdict"] == "fail" for p in d["prompts"] for c in p["checks"])'
	'model:any(c["signal"] == "model" for c in d["detection"]["hard"]["changes"]) and any(m["field"] == "models" for m in d["metadata_changes"])'
	'refusals:d["detection"]["rates"]["refusal"]["changed"]'
	'fingerprint:any(c["signal"] == "fingerprint" for c in d["detection"]["hard"]["changes"])'
	'tokenizer:any(c["signal"].startswith("prompt_tokens") for c in d["detection"]["hard"]["changes"])'
	'swap:d["verdict"] == "changed" and len(d["detection"]["distance"]["moved"]) > 0'
)
for entry in "${checks[@]}"; do
	drift=${entry%%:*}
	expr=${entry#*:}
	scenario "drift-$drift" --drift "$drift"
	expect_exit 1 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-01 "$suite"
	verdict=$(json_get "$report" 'd["verdict"]')
	[ "$(json_get "$report" "$expr")" = True ] ||
		fail "drift $drift: report does not name it (verdict $verdict): $(json_get "$report" 'd["summary"]')"
	echo "drift $drift: $verdict: $(json_get "$report" 'd["summary"]')"
	sim_stop
done

# 4. Faults are retried or reported as vendor faults: never a behaviour change.
#    fault:rate:want_exit
faults=(
	'429:0.3:0' '429-noretry:0.3:0' '500:0.3:0' '503:0.3:0' '529:0.3:0'
	'truncated:0.2:0' 'reset:0.2:0' 'wrong-content-type:0.2:0'
	'500:1:3' 'reset:1:3' 'truncated:1:3'
)
for entry in "${faults[@]}"; do
	IFS=: read -r fault rate want <<<"$entry"
	scenario "fault-$fault-$rate" --fault "$fault" --fault-rate "$rate"
	expect_exit "$want" "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-01 "$suite"
	verdict=$(json_get "$report" 'd["verdict"]')
	case $want in
	0) [ "$verdict" = pass ] || fail "fault $fault at $rate: verdict $verdict" ;;
	3) [ "$verdict" = incomplete ] || fail "fault $fault at $rate: verdict $verdict" ;;
	esac
	[ "$(json_get "$report" '"detection" not in d or d["detection"]["verdict"] != "changed"')" = True ] ||
		fail "fault $fault produced a changed verdict"
	echo "fault $fault at $rate: exit $want, verdict $verdict, faults $(json_get "$report" 'd["counts"]["faults"]')"
	sim_stop
done

# A slow body that never ends hits the vendor's timeout and is a fault, not an answer.
extra=', "timeout_ms": 1500' scenario slow --fault slow --fault-rate 1 --slow-ms 20000
sed -i 's/"timeout_ms": 5000, //' "$dir/plumbline.json" # write_config's own timeout goes
start=$(date +%s)
expect_exit 3 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-01 "$suite"
[ $(($(date +%s) - start)) -lt 60 ] || fail "slow fault took too long"
sim_stop

# 5. A wrong key is an authentication fault: exit 3, named, and the key never printed.
scenario auth
sim_stop
sim_start auth2 --seed 5 --require-key the-right-key
write_config "$dir" "$port"
expect_exit 3 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-02-01 "$suite"
grep -q "incomplete" "$tmp/last.out" || fail "auth: $(cat "$tmp/last.out")"
grep -rq "$PL_TEST_KEY" "$dir" "$tmp/last.out" "$tmp/last.err" && fail "the API key leaked"
sim_stop

# 6. A missing key is reported before anything is sent, naming the variable.
env -u PL_TEST_KEY "$PLUMBLINE" run --config "$dir/plumbline.json" "$suite" >"$tmp/last.out" 2>"$tmp/last.err" && fail "ran without a key"
grep -q 'environment variable PL_TEST_KEY is not set' "$tmp/last.err" || fail "missing key message: $(cat "$tmp/last.err")"
echo ok
