#!/usr/bin/env bash
# test_baseline_accept.sh: a detected change is accepted as the new baseline and the decision
# lands in the register as a signed entry: who, why, which report (and its register entry),
# which epoch, old and new baseline hashes. The night's 10 answers per prompt are topped up to
# baseline_samples (30) from the vendor, or accept refuses naming the command that does it.
# Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

# One request at a time: the simulator hands out a request's k-th answer in the order the
# requests arrive, so with requests in flight together a loaded host reorders a prompt's
# answers. The answers are the same, but the permutation test's p-value depends on their order,
# and the last night's cold-start verdict sits near its level (the ASan run of the CI rehearsal
# of d6b7bf2 saw suite p <= 0.001, "changed", on a night the other runs judged unchanged).
config() {
	write_config "$@"
	sed -i 's/"concurrency": 8/"concurrency": 1/' "$dir/plumbline.json"
}

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/acc"
sim_start rec --seed 5 --night 0
config "$dir" "$port"
cfg="$dir/plumbline.json"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
[ "$(stat -c %a "$dir/state/plumbline.key")" = 600 ] || fail "key mode"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim "$suite"
sim_stop
bl="$dir/baselines/sim/sim-gpt-1/demo.json"
old_sha=$(sha256sum "$bl" | cut -d' ' -f1)

sim_start night --seed 5 --night 1 --drift model
config "$dir" "$port"
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date 2026-02-01 "$suite"
report="$dir/reports/2026-02-01/sim-demo.json"
[ "$(json_get "$report" 'd["verdict"]')" = changed ] || fail "drift not detected"
# what `plumbline run` does after writing a report (until it calls register_sign_and_append)
if [ ! -f "$report.minisig" ]; then
	expect_exit 0 "$PLUMBLINE" register add --config "$cfg" "$report" --vendor sim \
		--model sim-gpt-1 --suite demo --verdict changed --epoch "$(json_get "$report" 'd["detection"].get("epoch","")')"
fi

# refusals first: no reason; a tampered report
expect_exit 2 "$PLUMBLINE" baseline accept --config "$cfg" --report "$report"
cp "$report" "$tmp/saved-report.json"
sed -i '0,/"verdict"/s/"verdict"/"verdict" /' "$report"
expect_exit 1 "$PLUMBLINE" baseline accept --config "$cfg" --report "$report" --reason x --by mallory
grep -q "signature does not verify" "$tmp/last.err" || fail "tampered report: $(cat "$tmp/last.err")"
cp "$tmp/saved-report.json" "$report"
[ "$(sha256sum "$bl" | cut -d' ' -f1)" = "$old_sha" ] || fail "a refused accept changed the baseline"

# The night holds 10 answers per prompt, a baseline 30: without --top-up accept refuses and
# names the command that samples the rest.
expect_exit 2 "$PLUMBLINE" baseline accept --config "$cfg" --report "$report" \
	--reason "vendor confirmed the model upgrade (ticket 4711)" --by alice
grep -q "has 10 answers that night, a baseline needs 30" "$tmp/last.err" ||
	fail "short baseline: $(cat "$tmp/last.err")"
grep -qF -- "--reason 'vendor confirmed the model upgrade (ticket 4711)' --by 'alice' --top-up" "$tmp/last.err" ||
	fail "the refusal does not name the command: $(cat "$tmp/last.err")"
[ "$(sha256sum "$bl" | cut -d' ' -f1)" = "$old_sha" ] || fail "a refused accept changed the baseline"
# A top-up that gets no answers (the vendor is down) leaves the baseline as it was: never a
# baseline short of answers, nor an empty one.
sim_stop
expect_exit 3 "$PLUMBLINE" baseline accept --config "$cfg" --report "$report" \
	--reason "vendor confirmed the model upgrade (ticket 4711)" --by alice --top-up
grep -q "has only 10 of the 30 answers a baseline needs" "$tmp/last.err" ||
	fail "failed top-up: $(cat "$tmp/last.err")"
[ "$(sha256sum "$bl" | cut -d' ' -f1)" = "$old_sha" ] || fail "a failed top-up changed the baseline"
sim_start night --seed 5 --night 1 --drift model
config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" baseline accept --config "$cfg" --report "$report" \
	--reason "vendor confirmed the model upgrade (ticket 4711)" --by alice --top-up
cat "$tmp/last.out"
sim_stop
# it announces what it sends: 20 more a prompt, not the whole 30 (it said 150 before)
grep -q "topping the baseline up: 100 more requests to sim (50 of its 150 samples are the night's answers)" "$tmp/last.err" ||
	fail "top-up message: $(cat "$tmp/last.err")"
# every prompt holds baseline_samples answers: the night's 10 and 20 sampled now
python3 - "$bl" "$report" <<'PY' || fail "the new baseline was not topped up"
import json, sys
b, r = (json.load(open(p)) for p in sys.argv[1:3])
assert [len(p["samples"]) for p in b["prompts"]] == [30] * len(r["prompts"]), b["prompts"]
PY
new_sha=$(sha256sum "$bl" | cut -d' ' -f1)
[ "$new_sha" != "$old_sha" ] || fail "baseline not replaced"
ls "$bl".*.replaced >/dev/null 2>&1 || fail "old baseline not kept"
reg="$dir/state/register.jsonl"
last=$(tail -n 1 "$reg")
python3 - "$last" "$old_sha" "$new_sha" "$(sha256sum "$report" | cut -d' ' -f1)" <<'PY' || fail "decision entry"
import json, sys
e = json.loads(sys.argv[1])
assert e["type"] == "decision" and e["action"] == "accept", e
assert e["by"] == "alice" and "4711" in e["reason"], e
assert e["accepts_seq"] == 0 and e["report_sha256"] == sys.argv[4], e
assert e["old_baseline_sha256"] == sys.argv[2] and e["new_baseline_sha256"] == sys.argv[3], e
assert e["vendor"] == "sim" and e["model"] == "sim-gpt-1" and e["suite"] == "demo", e
assert e["topped_up"] == 100 and len(e["journal_sha256"]) == 64, e
PY
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
expect_exit 0 "$PLUMBLINE" register show --config "$cfg"
# the decision says when it was decided: its signed entry's date, not only its night
decided=$(tail -n 1 "$reg" | python3 -c 'import json,sys; d=json.load(sys.stdin)["date"]; print(d[:10] + " " + d[11:19] + " UTC")')
grep -qF "DECISION accept by alice, decided $decided: \"vendor confirmed the model upgrade (ticket 4711)\" (accepts run #0" "$tmp/last.out" ||
	fail "show: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" register report --config "$cfg" --html --out "$tmp/accept.html"
grep -qF "<th>decided</th>" "$tmp/accept.html" && grep -qF "<td>$decided</td>" "$tmp/accept.html" ||
	fail "html: no decided column with $decided"
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$report" "$reg"

# the next night with the same (now accepted) behaviour is not a change against the new baseline
sim_start night2 --seed 5 --night 2 --drift model
config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-02-02 "$suite"
sim_stop
echo "baseline accept: ok"
