#!/usr/bin/env bash
# test_suite_edit.sh: editing one's own suite is not a vendor change. A baseline keeps each
# prompt's request hash: a reworded prompt is run and named "suite edited" (never judged
# against the old answers, no "changed" register entry, exit 3 not 1) until `baseline record
# --prompt ID` records it into the baseline, keeping the other prompts byte for byte. A new
# prompt is "not baselined". A vendor without a baseline no longer stops the night: the other
# vendor runs and is judged, exit 3 with the command that records the missing one. baseline
# record takes several --vendor (or all) and --dry-run. Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

dir="$tmp/edit"
suite="$tmp/demo.json"
cp "$PL_SOURCE_DIR/suites/demo.json" "$suite"
# The simulator answers the reworded prompt below with an empty answer now and then: its length
# check allows that, so the nights judged here pass unless something really moved.
python3 - "$suite" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["prompts"][0]["checks"][1]["min_pass_rate"] = 0.8
json.dump(s, open(sys.argv[1], "w"), indent=2)
PY
sim_start sim --seed 5 --night 0
write_config "$dir" "$port"
cfg="$dir/plumbline.json"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim "$suite"
bl="$dir/baselines/sim/sim-gpt-1/demo.json"
reg="$dir/state/register.jsonl"
[ "$(json_get "$bl" 'sum(len(p.get("request_sha256", "")) == 64 for p in d["prompts"])')" = 5 ] ||
	fail "the baseline does not keep a request hash per prompt"
cp "$bl" "$tmp/bl.before"

# --- 1. reword one prompt: named, run, not judged against the old answers -----------------
sed -i 's/What is the capital of France? Answer with one word./Name the capital city of France, in one word./' "$suite"
expect_exit 3 "$PLUMBLINE" run --config "$cfg" --date 2026-03-01 "$suite"
grep -q "suite edited: prompt capital-fr changed since its baseline" "$tmp/last.out" ||
	fail "the edit is not named: $(cat "$tmp/last.out")"
grep -qF "'plumbline baseline record --config $cfg --vendor sim --prompt capital-fr $suite'" "$tmp/last.out" ||
	fail "the fix command is not given: $(cat "$tmp/last.out")"
grep -q ": changed" "$tmp/last.out" && fail "reported as changed: $(cat "$tmp/last.out")"
report="$dir/reports/2026-03-01/sim-demo.json"
[ "$(json_get "$report" 'd["verdict"]')" = pass ] || fail "verdict $(json_get "$report" 'd["verdict"]')"
[ "$(json_get "$report" '[p.get("baseline_status") for p in d["prompts"] if p["id"] == "capital-fr"][0]')" = edited ] ||
	fail "the report does not mark the edited prompt"
# run, and its format checks reported; nothing compared with the old answers
[ "$(json_get "$report" '[p["samples"] for p in d["prompts"] if p["id"] == "capital-fr"][0]')" = 10 ] ||
	fail "the edited prompt was not run"
# (its checks are reported, but do not decide the verdict: the sim answers the new wording
# with an empty answer now and then, failing its length check)
[ "$(json_get "$report" '[c["verdict"] in ("pass", "fail") for p in d["prompts"] if p["id"] == "capital-fr" for c in p["checks"]]')" = "[True, True]" ] ||
	fail "the edited prompt's format checks are not reported"
[ "$(json_get "$report" '"capital-fr" in [p["id"] for p in d["detection"]["distance"]["prompts"]]')" = False ] ||
	fail "the edited prompt was judged by detection"
grep -q "suite edited: capital-fr" <<<"$(json_get "$report" 'd["summary"]')" || fail "summary"
python3 - "$reg" <<'PY' || fail "a changed register entry for a suite edit"
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e.get("verdict") != "changed" and not e.get("new_epoch"), e
PY

# --- 2. re-record just that prompt: the others stay byte for byte; the next run passes ---------
expect_exit 2 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim --prompt no-such "$suite"
grep -q "no prompt with that id" "$tmp/last.err" || fail "unknown --prompt: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim --prompt capital-fr "$suite"
grep -q "baseline updated: .*capital-fr" "$tmp/last.out" || fail "$(cat "$tmp/last.out")"
python3 - "$tmp/bl.before" "$bl" <<'PY' || fail "the other prompts of the baseline changed"
import json, sys
before, after = (open(p).read() for p in sys.argv[1:3])
def element(text, pid):
    b = text.index('{\n      "id": "%s"' % pid)
    return b, text.index("\n    }", b) + 6
b0, e0 = element(before, "capital-fr")
b1, e1 = element(after, "capital-fr")
assert before[:b0] == after[:b1], "bytes before the prompt differ"
assert before[e0:] == after[e1:], "bytes after the prompt differ"
assert before[b0:e0] != after[b1:e1]
new = [p for p in json.loads(after)["prompts"] if p["id"] == "capital-fr"][0]
old = [p for p in json.loads(before)["prompts"] if p["id"] == "capital-fr"][0]
assert new["request_sha256"] != old["request_sha256"] and len(new["samples"]) == 30
PY
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-02 "$suite"
grep -q "suite edited\|not baselined" "$tmp/last.out" && fail "still not judged: $(cat "$tmp/last.out")"
[ "$(json_get "$dir/reports/2026-03-02/sim-demo.json" '"capital-fr" in [p["id"] for p in d["detection"]["distance"]["prompts"]]')" = True ] ||
	fail "the re-recorded prompt is not judged"

# --- 3. a new prompt is "not baselined", never a silent pass -----------------------------------
python3 - "$suite" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["prompts"].append({"id": "capital-it", "prompt": "What is the capital of Italy? One word.",
                     "max_tokens": 10, "checks": [{"type": "length", "unit": "words", "max": 8}]})
json.dump(s, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 3 "$PLUMBLINE" run --config "$cfg" --date 2026-03-03 "$suite"
grep -q "not baselined: prompt capital-it" "$tmp/last.out" || fail "new prompt: $(cat "$tmp/last.out")"
[ "$(json_get "$dir/reports/2026-03-03/sim-demo.json" '[p.get("baseline_status") for p in d["prompts"] if p["id"] == "capital-it"][0]')" = not_baselined ] ||
	fail "the report does not mark the new prompt"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim --prompt capital-it "$suite"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-04 "$suite"
[ "$(json_get "$bl" 'len(d["prompts"])')" = 6 ] || fail "the new prompt was not added"

# --- 4. a baseline from before request hashes: judged as before, one warning, no alarm ---------
cp "$bl" "$tmp/bl.hashed"
python3 - "$bl" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
for p in b["prompts"]:
    p.pop("request_sha256", None)
    p.pop("recorded_at", None)
json.dump(b, open(sys.argv[1], "w"), indent=2, sort_keys=True)
PY
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-05 "$suite"
[ "$(grep -c "recorded without request hashes" "$tmp/last.err")" = 1 ] ||
	fail "no single warning for an old baseline: $(cat "$tmp/last.err")"
cp "$tmp/bl.hashed" "$bl"

# --- 5. two vendors, one without a baseline: the other runs and is judged; exit 3 --------------
write_config "$dir" "$port"
python3 - "$cfg" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
v = dict(c["vendors"][0], id="sim2", model="sim-gpt-2")
c["vendors"].append(v)
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 3 "$PLUMBLINE" run --config "$cfg" --date 2026-03-06 "$suite"
grep -q "sim2/demo \[sim-gpt-2\]: not baselined" "$tmp/last.out" || fail "missing pair: $(cat "$tmp/last.out")"
grep -qF "'plumbline baseline record --config $cfg --vendor sim2 $suite'" "$tmp/last.out" ||
	fail "the fix command is not given: $(cat "$tmp/last.out")"
[ "$(json_get "$dir/reports/2026-03-06/sim-demo.json" 'd["detection"]["verdict"]')" = no_change ] ||
	fail "the vendor with a baseline was not judged"
[ ! -e "$dir/reports/2026-03-06/sim2-demo.json" ] || fail "a report for the pair without a baseline"
[ "$(json_get "$dir/reports/2026-03-06/sim-demo.json" 'd["counts"]["planned"]')" = 60 ] ||
	fail "planned count"
# nothing was sent to the vendor without a baseline
! grep -q "\"vendor\":\"sim2\"" "$dir/state/journal/done/"*.jsonl || fail "requests sent for sim2"

# --- 6. baseline record with two --vendor (and --vendor all --dry-run sends nothing) -----------
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor all --dry-run "$suite"
grep -q "sim2 .* 180 requests" "$tmp/last.out" || fail "dry run: $(cat "$tmp/last.out")"
[ ! -e "$dir/baselines/sim2" ] || fail "--dry-run wrote a baseline"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim --vendor sim2 "$suite"
[ "$(grep -c "baseline written" "$tmp/last.out")" = 2 ] || fail "two vendors: $(cat "$tmp/last.out")"
[ -s "$dir/baselines/sim2/sim-gpt-2/demo.json" ] || fail "no baseline for sim2"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-07 "$suite"
grep -q "0 changed, 0 with failed checks, 0 incomplete, 2 unchanged" "$tmp/last.out" ||
	fail "$(cat "$tmp/last.out")"
sim_stop

# --- 7. a change wins over a missing baseline: exit 1 ------------------------------------------
sim_start drift --seed 5 --night 1 --drift model
write_config "$dir" "$port"
python3 - "$cfg" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["vendors"].append(dict(c["vendors"][0], id="sim3", model="sim-gpt-3"))
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date 2026-03-08 "$suite"
grep -q "sim3/demo \[sim-gpt-3\]: not baselined" "$tmp/last.out" || fail "$(cat "$tmp/last.out")"
echo "ok"
