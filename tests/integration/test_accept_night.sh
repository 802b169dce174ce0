#!/usr/bin/env bash
# test_accept_night.sh: `baseline accept` takes exactly the answers the accepted report judged
# (the journal whose SHA-256 the signed report binds), not another night's with the same sample
# counts, nor answers planted in the journal folder; a kill inside accept leaves a usable
# baseline; --date is a real calendar date, and a night runs once unless --force (recorded in
# the register). Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

dir="$tmp/acc"
# The demo suite with baseline_samples = samples: a night's answers are a whole baseline, so
# accept needs no top-up and no vendor.
suite="$tmp/demo10.json"
python3 - "$PL_SOURCE_DIR/suites/demo.json" "$suite" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["defaults"]["baseline_samples"] = d["defaults"]["samples"]
json.dump(d, open(sys.argv[2], "w"))
PY
cfg="$dir/plumbline.json"
setup_signed_sim "$dir" "$suite"
bl="$dir/baselines/sim/sim-gpt-1/demo.json"
old_sha=$(sha256sum "$bl" | cut -d' ' -f1)
reg="$dir/state/register.jsonl"
# run_night ARGS...: a run that judged its night (0 unchanged, 1 changed), not refused (2).
run_night() {
	local rc=0
	"$PLUMBLINE" run --config "$cfg" "$@" >"$tmp/last.out" 2>"$tmp/last.err" || rc=$?
	[ "$rc" -le 1 ] || fail "run $* exited $rc: $(cat "$tmp/last.err")"
}

# --date must be a real calendar date: nothing else names report folders and entries.
for bad in ../x-yy-zz 9999-99-99 2026-02-30 2026-13-01 "$(printf '2026-01-0\n')" 2026-1-01; do
	expect_exit 2 "$PLUMBLINE" run --config "$cfg" --date "$bad" "$suite"
	grep -q "calendar date" "$tmp/last.err" || fail "--date '$bad': $(cat "$tmp/last.err")"
done
# a night ahead of tomorrow (UTC) is refused: a typo of the year would put it before every night
expect_exit 2 "$PLUMBLINE" run --config "$cfg" --date 2099-01-01 "$suite"
grep -q "is in the future" "$tmp/last.err" || fail "--date 2099-01-01: $(cat "$tmp/last.err")"
[ ! -e "$dir/reports" ] || fail "a refused --date wrote reports"

# Night 1: the fingerprint changed. Night 2: a normal night (the fingerprint back, which
# detection calls a change again), with the same plan and sample counts.
sim_start changed --seed 5 --night 1 --drift fingerprint
write_config "$dir" "$port"
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date 2026-02-01 "$suite"
sim_stop
changed="$dir/reports/2026-02-01/sim-demo.json"
[ "$(json_get "$changed" 'd["verdict"]')" = changed ] || fail "fingerprint drift not detected"
sim_start normal --seed 5 --night 2
write_config "$dir" "$port"
run_night --date 2026-02-02 "$suite"
normal="$dir/reports/2026-02-02/sim-demo.json"
jsha=$(json_get "$changed" 'd["run"]["journal_sha256"]')
[ "${#jsha}" = 64 ] || fail "the report binds no journal: $jsha"
[ "$jsha" != "$(json_get "$normal" 'd["run"]["journal_sha256"]')" ] || fail "two nights, one journal"
# each night has a journal of its own (the night is part of the plan identity)
[ "$(json_get "$changed" 'd["run"]["id"]')" != "$(json_get "$normal" 'd["run"]["id"]')" ] ||
	fail "two nights share a run id"
python3 - "$reg" "$jsha" <<'PY' || fail "the register entry does not bind the journal"
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if '"type":"run"' in l]
assert runs[0]["journal_sha256"] == sys.argv[2], runs[0]
PY

# A night runs once: the same --date again is refused and the signed report stays.
nsha=$(sha256sum "$normal" | cut -d' ' -f1)
expect_exit 2 "$PLUMBLINE" run --config "$cfg" --date 2026-02-02 "$suite"
grep -q "already run (its report is signed and registered)" "$tmp/last.err" || fail "same night: $(cat "$tmp/last.err")"
[ "$(sha256sum "$normal" | cut -d' ' -f1)" = "$nsha" ] || fail "a refused re-run replaced the report"
entries=$(wc -l <"$reg")
# --force runs it again, and the register says so.
run_night --date 2026-02-02 --force "$suite"
[ "$(wc -l <"$reg")" = $((entries + 1)) ] || fail "forced re-run: no register entry"
tail -n 1 "$reg" | grep -q '"forced":true' || fail "forced re-run not recorded: $(tail -n 1 "$reg")"
sim_stop

# Answers planted in the journal folder (newest name, the same counts, other texts) and a
# planted --journal are never taken.
hash12=$(json_get "$changed" 'd["run"]["id"][:12]')
cjournal=$(ls "$dir/state/journal/done/"*"-$hash12.jsonl")
[ "$(sha256sum "$cjournal" | cut -d' ' -f1)" = "$jsha" ] || fail "archived journal differs from the bound one"
planted="$dir/state/journal/done/9999-12-31T23:59:59Z-$hash12.jsonl"
sed 's/"fingerprint":"[^"]*"/"fingerprint":"fp_planted"/g' "$cjournal" >"$planted"
expect_exit 2 "$PLUMBLINE" baseline accept --config "$cfg" --report "$changed" --reason x \
	--journal "$planted"
grep -q "not the journal the report judged" "$tmp/last.err" || fail "planted --journal: $(cat "$tmp/last.err")"
[ "$(sha256sum "$bl" | cut -d' ' -f1)" = "$old_sha" ] || fail "a refused accept changed the baseline"

# A kill inside accept, while the new baseline is written (the file size limit kills the
# process with SIGXFSZ on its first big write), leaves the old baseline in place.
rc=0
(ulimit -f 2 && exec "$PLUMBLINE" baseline accept --config "$cfg" --report "$changed" \
	--reason "killed" --by bob) >"$tmp/killed.out" 2>&1 || rc=$?
[ "$rc" -gt 128 ] || fail "accept was not killed (exit $rc): $(cat "$tmp/killed.out")"
[ -f "$bl" ] || fail "a kill inside accept left no baseline"
[ "$(sha256sum "$bl" | cut -d' ' -f1)" = "$old_sha" ] || fail "a kill inside accept left a changed baseline"
sim_start night3 --seed 5 --night 3
write_config "$dir" "$port"
run_night --date 2026-02-03 "$suite"
sim_stop

# Accept the changed night: the new baseline holds its answers (the drifted fingerprint), not
# the normal nights' nor the planted ones, and the decision cites that night and journal.
expect_exit 0 "$PLUMBLINE" baseline accept --config "$cfg" --report "$changed" \
	--reason "fingerprint rollout confirmed" --by alice
python3 - "$bl" "$cjournal" <<'PY' || fail "the new baseline does not hold the accepted night's answers"
import json, sys
b = json.load(open(sys.argv[1]))
want = {}
for l in list(open(sys.argv[2]))[1:]:
    r = json.loads(l)
    want.setdefault(r["prompt"], {})[r["sample"]] = (r["answer"].get("text"), r["answer"].get("fingerprint"))
for p in b["prompts"]:
    got = [(s.get("text"), s.get("fingerprint")) for s in p["samples"]]
    assert got == [v for _, v in sorted(want[p["id"]].items())], p["id"]
PY
python3 - "$(tail -n 1 "$reg")" "$jsha" "$(sha256sum "$changed" | cut -d' ' -f1)" <<'PY' || fail "decision entry"
import json, sys
e = json.loads(sys.argv[1])
assert e["type"] == "decision" and e["by"] == "alice", e
assert e["journal_sha256"] == sys.argv[2] and e["report_sha256"] == sys.argv[3], e
assert e["old_baseline_sha256"] != e["new_baseline_sha256"], e
PY
ls "$bl".*.replaced >/dev/null || fail "old baseline not kept"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"

# Without its journal the report cannot be accepted (never another night's answers).
rm -f "$cjournal"
expect_exit 2 "$PLUMBLINE" baseline accept --config "$cfg" --report "$changed" --reason again
grep -q "no journal holds the answers this report judged" "$tmp/last.err" ||
	fail "missing journal: $(cat "$tmp/last.err")"
echo "accept night: ok"
