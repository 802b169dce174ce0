#!/usr/bin/env bash
# test_register_integrity.sh: forgeries of the evidence that must fail to verify (issue 13
# items 4-6) and backfilled nights (issue 18): an old signed report copied over a newer one,
# a missing register or checkpoint, a made-up Merkle proof; a night run with --date in the
# past keeps its night apart from the wall-clock time, and is shown where its night belongs.
# Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/ri"
sim_start rec --seed 5 --night 0
write_config "$dir" "$port"
cfg="$dir/plumbline.json"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
# the baseline is recorded for a past night too: its night beside the wall-clock recorded_at
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim --date 2026-01-31 "$suite"
sim_stop
bl="$dir/baselines/sim/sim-gpt-1/demo.json"
[ "$(json_get "$bl" 'd["night"]')" = 2026-01-31 ] || fail "baseline night"
[ "$(json_get "$bl" 'd["recorded_at"][:10]')" = "$(date -u +%F)" ] ||
	[ "$(json_get "$bl" 'd["recorded_at"][:10]')" = "$(date -u -d yesterday +%F)" ] || fail "baseline recorded_at"
expect_exit 2 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim --date 2026-1-31 "$suite"

# night 2026-02-03 first, then 2026-02-01 backfilled (a changed night)
sim_start night --seed 5 --night 1
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-02-03 "$suite"
sim_stop
sleep 1 # the backfill is made a second later: its wall-clock time must be later too
sim_start night2 --seed 5 --night 2 --drift model
write_config "$dir" "$port"
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date 2026-02-01 "$suite"
sim_stop
reg="$dir/state/register.jsonl"
pub="$dir/state/register.pub"
new="$dir/reports/2026-02-03/sim-demo.json"
old="$dir/reports/2026-02-01/sim-demo.json"
[ -f "$new.minisig" ] && [ -f "$old.minisig" ] || fail "reports not signed"

# --- backfill: night and wall-clock time kept apart -------------------------------------
python3 - "$reg" <<'PY' || fail "register entries: night / date"
import json, sys
es = [json.loads(l) for l in open(sys.argv[1])]
runs = [e for e in es if e["type"] == "run"]
assert [e["night"] for e in runs] == ["2026-02-03", "2026-02-01"], runs
assert [e["report_path"] for e in runs] == ["2026-02-03/sim-demo.json", "2026-02-01/sim-demo.json"], runs
dates = [e["date"] for e in es]
assert dates == sorted(dates), ("the register's dates go backwards", dates)
PY
ts() { sed -n 's/^trusted comment: .*timestamp:\([0-9]*\).*/\1/p' "$1.minisig"; }
[ "$(ts "$old")" -gt "$(ts "$new")" ] ||
	fail "the backfilled night's signed timestamp $(ts "$old") is not after $(ts "$new")"
grep -q "night:2026-02-01" "$old.minisig" || fail "trusted comment lacks the night"
expect_exit 0 "$PLUMBLINE" register show --config "$cfg"
grep -q "#1 *2026-02-01  sim/sim-gpt-1 demo: SUSPECTED change, pending" "$tmp/last.out" ||
	fail "show does not date the change by its night: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" register report --config "$cfg" --html --out "$tmp/r.html"
python3 - "$tmp/r.html" <<'PY' || fail "html: the runs table is not ordered by night"
import re, sys
h = open(sys.argv[1]).read()
rows = re.findall(r'<tr[^>]*><td class="n">(\d+)</td><td>(\d{4}-\d\d-\d\d)</td>', h)
assert rows[:2] == [("1", "2026-02-01"), ("0", "2026-02-03")], rows
PY

# accepting the backfilled night's report: the decision is about that night, made today
# (the night's 10 answers a prompt are topped up to baseline_samples from the changed vendor)
sim_start night2b --seed 5 --night 2 --drift model
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" baseline accept --config "$cfg" --report "$old" --reason "backfill test" --by bob --top-up
sim_stop
python3 - "$reg" <<'PY' || fail "decision entry: night / date"
import json, sys
es = [json.loads(l) for l in open(sys.argv[1])]
d = es[-1]
assert d["type"] == "decision" and d["night"] == "2026-02-01", d
assert d["date"] >= es[-2]["date"] and not d["date"].startswith("2026-02-01"), d
PY

# --- item 4: an old signed report copied over a newer one --------------------------------
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$new" "$old"
grep -q "night 2026-02-03, register entry #0 (register verified)" "$tmp/last.out" ||
	fail "verify output: $(cat "$tmp/last.out")"
cp -a "$new" "$tmp/new.keep"; cp -a "$new.minisig" "$tmp/new.minisig.keep"; cp -a "$new.sig.raw" "$tmp/new.raw.keep"
cp "$old" "$new"; cp "$old.minisig" "$new.minisig"; cp "$old.sig.raw" "$new.sig.raw"
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" "$new"
grep -q '"2026-02-01/sim-demo.json"' "$tmp/last.err" || fail "swap message: $(cat "$tmp/last.err")"
# the same file under its own path still verifies
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$old"
cp "$tmp/new.keep" "$new"; cp "$tmp/new.minisig.keep" "$new.minisig"; cp "$tmp/new.raw.keep" "$new.sig.raw"
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$new"
# ... and so does the old report reached through a symbolic link named after the newer night
# (the path was resolved to the link's target, which is where the old report is registered):
# a linked file, then a linked night folder
for f in "" .minisig .sig.raw; do ln -sf "../2026-02-01/sim-demo.json$f" "$new$f"; done
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" "$new"
grep -q '"2026-02-01/sim-demo.json"' "$tmp/last.err" || fail "linked report: $(cat "$tmp/last.err")"
cp --remove-destination "$tmp/new.keep" "$new"; cp --remove-destination "$tmp/new.minisig.keep" "$new.minisig"
cp --remove-destination "$tmp/new.raw.keep" "$new.sig.raw"
mv "$dir/reports/2026-02-03" "$tmp/night3.keep"
ln -s 2026-02-01 "$dir/reports/2026-02-03"
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" "$new"
grep -q '"2026-02-01/sim-demo.json"' "$tmp/last.err" || fail "linked night: $(cat "$tmp/last.err")"
(cd "$dir/reports/2026-02-03" && expect_exit 1 "$PLUMBLINE" verify --config "$cfg" sim-demo.json) ||
	fail "from inside a linked night folder"
rm "$dir/reports/2026-02-03"
mv "$tmp/night3.keep" "$dir/reports/2026-02-03"
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$new"

# --- item 5: missing evidence fails -------------------------------------------------------
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" --register "$tmp/nonexistent.jsonl" "$new"
grep -q "does not exist" "$tmp/last.err" || fail "missing register: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" --register "$tmp/nonexistent.jsonl" --no-register "$new"
grep -q "(register not checked: --no-register)" "$tmp/last.out" || fail "no-register: $(cat "$tmp/last.out")"
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" "$tmp/nonexistent.jsonl"
grep -q "does not exist" "$tmp/last.err" || fail "missing register file: $(cat "$tmp/last.err")"
cp "$reg" "$tmp/reg.keep"; cp "$reg.checkpoint" "$tmp/ck.keep"
rm "$reg.checkpoint"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg"
rm "$reg"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg"
grep -q "does not exist" "$tmp/last.err" || fail "deleted register: $(cat "$tmp/last.err")"
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" "$new"
# Both deleted: the next run does not start a new register at entry 0 (it did, silently),
# since reports here are signed into one; nothing is sent, nothing recreated.
rm -f "$reg.checkpoint"
expect_exit 3 "$PLUMBLINE" run --config "$cfg" --date 2026-03-20 "$suite"
grep -q "register and its checkpoint are missing, but .*\.json is signed as an entry of a register" "$tmp/last.err" ||
	fail "deleted register and checkpoint: $(cat "$tmp/last.err")"
[ ! -e "$reg" ] && [ ! -e "$reg.checkpoint" ] || fail "a new register was started"
: >"$reg" # an emptied register without its checkpoint
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg"
cp "$tmp/reg.keep" "$reg"; cp "$tmp/ck.keep" "$reg.checkpoint"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"

# --- item 6: proofs are checked against the signed root ---------------------------------
expect_exit 0 "$PLUMBLINE" register prove --config "$cfg" --entry 1
cp "$tmp/last.out" "$tmp/proof.json"
expect_exit 0 "$PLUMBLINE" register prove --config "$cfg" --check "$tmp/proof.json"
grep -q "against the signed checkpoint" "$tmp/last.out" || fail "prove --check: $(cat "$tmp/last.out")"
leaf=$(json_get "$tmp/proof.json" 'd["leaf_hash"]')
root=$(json_get "$tmp/proof.json" 'd["root"]')
printf '{"type":"inclusion","seq":0,"tree_size":1,"leaf_hash":"%s","root":"%s","proof":[]}\n' \
	"$leaf" "$leaf" >"$tmp/madeup.json"
expect_exit 1 "$PLUMBLINE" register prove --config "$cfg" --check "$tmp/madeup.json"
grep -q "not the trusted" "$tmp/last.err" || fail "made-up proof: $(cat "$tmp/last.err")"
expect_exit 1 "$PLUMBLINE" register prove --check "$tmp/madeup.json" --root "$root"
# ... its "root" is only trusted when the user gives it, and then it is printed
expect_exit 0 "$PLUMBLINE" register prove --check "$tmp/proof.json" --root "$root"
grep -q "against root $root (given with --root" "$tmp/last.out" || fail "--root: $(cat "$tmp/last.out")"
# a checkpoint that does not verify is no root to trust
sed -i 's/^root .*/root 0000000000000000000000000000000000000000000000000000000000000000/' "$reg.checkpoint"
expect_exit 1 "$PLUMBLINE" register prove --config "$cfg" --check "$tmp/proof.json"
cp "$tmp/ck.keep" "$reg.checkpoint"

# --- entries made before "night" and "report_path" (legacy) still verify ----------------
cp -r "$PL_SOURCE_DIR/tests/fixtures/legacy_register" "$tmp/legacy"
cd "$tmp/legacy"
expect_exit 0 "$PLUMBLINE" register verify --public-key register.pub --register register.jsonl
expect_exit 0 "$PLUMBLINE" verify --public-key register.pub --register register.jsonl \
	reports/2026-02-01/sim-demo.json "$tmp/legacy/reports/2026-02-03/sim-demo.json"
# ... and their night folder is checked: the old report over the newer one fails
for f in "" .minisig .sig.raw; do cp "reports/2026-02-01/sim-demo.json$f" "reports/2026-02-03/sim-demo.json$f"; done
expect_exit 1 "$PLUMBLINE" verify --public-key register.pub --register register.jsonl reports/2026-02-03/sim-demo.json
grep -q "names another report file" "$tmp/last.err" || fail "legacy swap: $(cat "$tmp/last.err")"
# ... and `register show` says the night's report is not the one its entry signed (exit 1)
expect_exit 1 "$PLUMBLINE" register show --public-key register.pub --register register.jsonl
grep -q "#0 *2026-02-01  sim/sim-gpt-1 demo: CHANGED" "$tmp/last.out" || fail "legacy show: $(cat "$tmp/last.out")"
grep -q "#1 *2026-02-03  sim/sim-gpt-1 demo: report altered: sha256 differs (reports/2026-02-03/sim-demo.json)" \
	"$tmp/last.out" || fail "legacy show, swapped report: $(cat "$tmp/last.out")"
# --- a night run again with --force: its old report, signed and registered, is not current ---
cp -a "$new" "$tmp/forced.json"; cp -a "$new.minisig" "$tmp/forced.json.minisig"; cp -a "$new.sig.raw" "$tmp/forced.json.sig.raw"
sim_start night3 --seed 5 --night 3
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-02-03 --force "$suite"
sim_stop
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$new"
# the stability figures count the night once, by its latest run
expect_exit 0 "$PLUMBLINE" register show --config "$cfg"
grep -q "#0 *2026-02-03  sim/sim-gpt-1 demo: REPLACED by #[0-9]*, a later run of the night (--force): not counted" \
	"$tmp/last.out" || fail "forced: register show: $(cat "$tmp/last.out")"
for f in "" .minisig .sig.raw; do cp "$tmp/forced.json$f" "$new$f"; done
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" "$new"
grep -q "register entry #0 (night 2026-02-03) was replaced by entry #[0-9]*, a later run of the same night (--force)" \
	"$tmp/last.err" || fail "forced: $(cat "$tmp/last.err")"
echo "register integrity: all checks passed"
