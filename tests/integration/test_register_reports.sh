#!/usr/bin/env bash
# test_register_reports.sh: `register verify` and `verify REGISTER.jsonl` check the report files
# the register names (an auditor's finding: a report deleted from the reports folder passed
# both): every run entry's report is in the reports folder with the entry's SHA-256; a deleted
# or altered one fails (exit 1) naming the file and its night; --entries-only verifies the
# entries alone and says so; a missing reports folder is missing evidence. Simulated vendor on
# 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/rr"
sim_start rec --seed 5 --night 0
write_config "$dir" "$port"
cfg="$dir/plumbline.json"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim --date 2026-03-01 "$suite"
for n in 2 3; do
	expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date "2026-03-0$n" "$suite"
done
# night 3 run again (--force): the first run's entry names a file that now holds the second
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-03 --force "$suite"
sim_stop
reg="$dir/state/register.jsonl"
r2="$dir/reports/2026-03-02/sim-demo.json"
r3="$dir/reports/2026-03-03/sim-demo.json"

expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
grep -q "^reports: 2 report files in $dir/reports exist and match their entries' SHA-256" \
	"$tmp/last.out" || fail "register verify: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$r2" "$r3" "$reg"
grep -q "2 report files in $dir/reports exist and match their entries" "$tmp/last.out" ||
	fail "verify REGISTER: $(cat "$tmp/last.out")"

# --- a report deleted from the reports folder -----------------------------------------------
mkdir "$tmp/keep"
mv "$r2" "$r2.minisig" "$r2.sig.raw" "$tmp/keep/"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg"
grep -q "$r2: the report of register entry #0 (night 2026-03-02, sim/demo) does not exist" \
	"$tmp/last.err" || fail "deleted report: $(cat "$tmp/last.err")"
# `verify` over what is left in the folder and the register fails too
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" "$dir"/reports/*/*.json "$reg"
grep -q "$r2: the report of register entry #0 (night 2026-03-02" "$tmp/last.err" ||
	fail "verify, deleted report: $(cat "$tmp/last.err")"
grep -q "^ok: $r3: " "$tmp/last.out" || fail "the remaining report: $(cat "$tmp/last.out")"
# an auditor with the register only says so, and the output says what was verified
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg" --entries-only
grep -q "^reports: not checked (--entries-only): the entries alone were verified" \
	"$tmp/last.out" || fail "--entries-only: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" --entries-only "$reg"
grep -q "report files not checked (--entries-only)" "$tmp/last.out" ||
	fail "verify --entries-only: $(cat "$tmp/last.out")"
expect_exit 2 "$PLUMBLINE" register verify --config "$cfg" --entries-only --reports "$dir/reports"
mv "$tmp/keep/"* "$(dirname "$r2")/"

# --- a report altered (its signature files left alone) ----------------------------------------
cp "$r3" "$tmp/r3.keep"
printf ' ' >>"$r3"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg"
grep -q "$r3: the report of register entry #2 (night 2026-03-03, sim/demo) has SHA-256 [0-9a-f]*, the entry records" \
	"$tmp/last.err" || fail "altered report: $(cat "$tmp/last.err")"
# both at once: the first is named, and how many more
cp "$r2" "$tmp/r2.keep"
rm "$r2"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg"
grep -q "night 2026-03-02.*; 1 more registered report file is missing or altered" "$tmp/last.err" ||
	fail "two problems: $(cat "$tmp/last.err")"
cp "$tmp/r3.keep" "$r3"

# --- the reports folder: from the config, --reports, or missing ------------------------------
mv "$dir/reports" "$tmp/moved"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg"
grep -q "$dir/reports: the reports folder does not exist.*--entries-only" "$tmp/last.err" ||
	fail "missing reports folder: $(cat "$tmp/last.err")"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg" --reports "$tmp/moved"
grep -q "2026-03-02/sim-demo.json: the report of register entry #0" "$tmp/last.err" ||
	fail "--reports, one deleted: $(cat "$tmp/last.err")"
cp "$tmp/r2.keep" "$tmp/moved/2026-03-02/sim-demo.json"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg" --reports "$tmp/moved"
grep -q "^reports: 2 report files in $tmp/moved exist" "$tmp/last.out" ||
	fail "--reports: $(cat "$tmp/last.out")"
expect_exit 2 "$PLUMBLINE" register verify --config "$cfg" --reports "$cfg"
# an auditor's copy: register, public key and reports in one folder, no config
mkdir "$tmp/audit"
cp "$reg" "$reg.checkpoint" "$dir/state/register.pub" "$tmp/audit/"
cp -r "$tmp/moved" "$tmp/audit/reports"
cd "$tmp/audit"
expect_exit 0 "$PLUMBLINE" register verify --public-key register.pub --register register.jsonl
grep -q "^reports: 2 report files in reports exist" "$tmp/last.out" || fail "audit: $(cat "$tmp/last.out")"
rm reports/2026-03-03/sim-demo.json
expect_exit 1 "$PLUMBLINE" register verify --public-key register.pub --register register.jsonl
expect_exit 1 "$PLUMBLINE" verify --public-key register.pub --register register.jsonl register.jsonl
grep -q "reports/2026-03-03/sim-demo.json: the report of register entry #2 (night 2026-03-03" \
	"$tmp/last.err" || fail "audit, deleted: $(cat "$tmp/last.err")"
echo "ok: test_register_reports"
