#!/usr/bin/env bash
# test_register_reports.sh: `register verify` and `verify REGISTER.jsonl` check the report files
# the register names (an auditor's finding: a report deleted from the reports folder passed
# both): every run entry's report is in the reports folder with the entry's SHA-256; a deleted
# or altered one fails (exit 1) naming the file and its night; --entries-only verifies the
# entries alone and says so; a missing reports folder is missing evidence. `register show` and
# `register report --html` (what procurement reads) check the report files the same way: a
# deleted or altered report is marked on its entry's line / row, in the summary and in a
# banner, and the command exits 1 (the page is still written). Simulated vendor on 127.0.0.1.
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

# show and the HTML report say the reports were checked, and mark nothing
expect_exit 0 "$PLUMBLINE" register show --config "$cfg"
grep -q "^  reports:    2 report files in $dir/reports exist and match their entries' SHA-256" \
	"$tmp/last.out" || fail "show, intact: $(cat "$tmp/last.out")"
grep -q "missing or altered\|NOT INTACT" "$tmp/last.out" && fail "show, intact, marked: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" register report --config "$cfg" --html --out "$tmp/ok.html"
grep -q "Its <b>2 report files</b> in <code>$dir/reports</code> exist" "$tmp/ok.html" ||
	fail "html, intact: no reports sentence"
grep -q 'class="evidence"\|class="badreport"\|class="badmark"' "$tmp/ok.html" && fail "html, intact, marked"

# --- a report deleted from the reports folder -----------------------------------------------
mkdir "$tmp/keep"
mv "$r2" "$r2.minisig" "$r2.sig.raw" "$tmp/keep/"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg"
grep -q "$r2: the report of register entry #0 (night 2026-03-02, sim/demo) does not exist" \
	"$tmp/last.err" || fail "deleted report: $(cat "$tmp/last.err")"
# `register show`: rendered, the entry named with "report missing", in the summary, exit 1
expect_exit 1 "$PLUMBLINE" register show --config "$cfg"
grep -q "^  reports:    NOT INTACT: 1 of 2 report files in $dir/reports missing or altered" \
	"$tmp/last.out" || fail "show, deleted: reports line: $(cat "$tmp/last.out")"
grep -q "^\*\*\*   #0 *2026-03-02  sim/sim-gpt-1 demo: report missing ($r2)" "$tmp/last.out" ||
	fail "show, deleted: entry not marked: $(cat "$tmp/last.out")"
grep -q "^sim/sim-gpt-1 .* (1 report missing or altered)$" "$tmp/last.out" ||
	fail "show, deleted: summary row not marked: $(cat "$tmp/last.out")"
tail -n 1 "$tmp/last.out" | grep -q "^\*\*\* 1 registered report file missing or altered" ||
	fail "show, deleted: no closing line: $(cat "$tmp/last.out")"
grep -q "EVIDENCE NOT INTACT: $r2: the report of register entry #0" "$tmp/last.err" ||
	fail "show, deleted: stderr: $(cat "$tmp/last.err")"
# the HTML stability report: written, a banner, the row marked, exit 1
rm -f "$tmp/bad.html"
expect_exit 1 "$PLUMBLINE" register report --config "$cfg" --html --out "$tmp/bad.html"
[ -s "$tmp/bad.html" ] || fail "html, deleted: the page was not written"
grep -q "EVIDENCE NOT INTACT" "$tmp/last.err" || fail "html, deleted: stderr: $(cat "$tmp/last.err")"
# top (listing the entry), the vendor/model's page, above the footer
[ "$(grep -c 'class="evidence">REPORTS MISSING OR ALTERED' "$tmp/bad.html")" = 3 ] ||
	fail "html, deleted: banners: $(grep -c 'class="evidence"' "$tmp/bad.html")"
grep -q '<li><a href="#run-0">#0</a> 2026-03-02, sim / sim-gpt-1 demo: <b>report missing</b>' \
	"$tmp/bad.html" || fail "html, deleted: the banner does not list the entry"
grep -q '<tr id="run-0" class="badreport">.*<b class="badmark">&#9888; report missing</b>' \
	"$tmp/bad.html" || fail "html, deleted: the row is not marked"
grep -q '<tr id="run-2" class="badreport">' "$tmp/bad.html" && fail "html, deleted: an intact row marked"
grep -q "1 of 2 missing or altered" "$tmp/bad.html" || fail "html, deleted: What was verified"
grep -q '(1 report missing or altered)' "$tmp/bad.html" || fail "html, deleted: summary table"
# --entries-only: the entries alone, said, exit 0; with --reports: a usage error
expect_exit 0 "$PLUMBLINE" register show --config "$cfg" --entries-only
grep -q "^  reports:    not checked (--entries-only)" "$tmp/last.out" ||
	fail "show --entries-only: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" register report --config "$cfg" --html --out "$tmp/eo.html" --entries-only
grep -q "report files were <b>not checked</b> (<code>--entries-only" "$tmp/eo.html" ||
	fail "html --entries-only: not said"
expect_exit 2 "$PLUMBLINE" register show --config "$cfg" --entries-only --reports "$dir/reports"
expect_exit 2 "$PLUMBLINE" register report --config "$cfg" --html --entries-only --reports "$dir/reports"
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
expect_exit 1 "$PLUMBLINE" register show --config "$cfg"
grep -q "^\*\*\*   #2 *2026-03-03  sim/sim-gpt-1 demo: report altered: sha256 differs ($r3)" \
	"$tmp/last.out" || fail "show, altered: $(cat "$tmp/last.out")"
expect_exit 1 "$PLUMBLINE" register report --config "$cfg" --html --out "$tmp/bad.html"
grep -q '<tr id="run-2" class="badreport">.*report altered: sha256 differs</b>' "$tmp/bad.html" ||
	fail "html, altered: the row is not marked"
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
expect_exit 1 "$PLUMBLINE" register show --config "$cfg"
grep -q "^\*\*\* REPORT FILES NOT CHECKED: $dir/reports: the reports folder does not exist" \
	"$tmp/last.out" || fail "show, missing reports folder: $(cat "$tmp/last.out")"
expect_exit 1 "$PLUMBLINE" register report --config "$cfg" --html --out "$tmp/bad.html"
grep -q 'class="evidence">REPORT FILES NOT CHECKED' "$tmp/bad.html" ||
	fail "html, missing reports folder: no banner"
# show with --reports: the folder given, one report deleted there
expect_exit 1 "$PLUMBLINE" register show --config "$cfg" --reports "$tmp/moved"
grep -q "#0 *2026-03-02  sim/sim-gpt-1 demo: report missing ($tmp/moved/2026-03-02/sim-demo.json)" \
	"$tmp/last.out" || fail "show --reports: $(cat "$tmp/last.out")"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg" --reports "$tmp/moved"
grep -q "2026-03-02/sim-demo.json: the report of register entry #0" "$tmp/last.err" ||
	fail "--reports, one deleted: $(cat "$tmp/last.err")"
cp "$tmp/r2.keep" "$tmp/moved/2026-03-02/sim-demo.json"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg" --reports "$tmp/moved"
grep -q "^reports: 2 report files in $tmp/moved exist" "$tmp/last.out" ||
	fail "--reports: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" register show --config "$cfg" --reports "$tmp/moved"
expect_exit 2 "$PLUMBLINE" register show --config "$cfg" --reports "$cfg"
expect_exit 2 "$PLUMBLINE" register verify --config "$cfg" --reports "$cfg"
# an auditor's copy: register, public key and reports in one folder, no config
mkdir "$tmp/audit"
cp "$reg" "$reg.checkpoint" "$dir/state/register.pub" "$tmp/audit/"
cp -r "$tmp/moved" "$tmp/audit/reports"
cd "$tmp/audit"
expect_exit 0 "$PLUMBLINE" register verify --public-key register.pub --register register.jsonl
grep -q "^reports: 2 report files in reports exist" "$tmp/last.out" || fail "audit: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" register show --public-key register.pub --register register.jsonl
rm reports/2026-03-03/sim-demo.json
expect_exit 1 "$PLUMBLINE" register verify --public-key register.pub --register register.jsonl
expect_exit 1 "$PLUMBLINE" register show --public-key register.pub --register register.jsonl
grep -q "#2 *2026-03-03  sim/sim-gpt-1 demo: report missing (reports/2026-03-03/sim-demo.json)" \
	"$tmp/last.out" || fail "audit, show: $(cat "$tmp/last.out")"
# the folder typed with a trailing slash: the files are named as they are, without "//"
expect_exit 1 "$PLUMBLINE" register show --public-key register.pub --register register.jsonl \
	--reports reports/
grep -q "#2 *2026-03-03  sim/sim-gpt-1 demo: report missing (reports/2026-03-03/sim-demo.json)" \
	"$tmp/last.out" || fail "audit, show --reports DIR/: $(cat "$tmp/last.out")"
expect_exit 1 "$PLUMBLINE" verify --public-key register.pub --register register.jsonl register.jsonl
grep -q "reports/2026-03-03/sim-demo.json: the report of register entry #2 (night 2026-03-03" \
	"$tmp/last.err" || fail "audit, deleted: $(cat "$tmp/last.err")"
# a changed night's line names the file checked in the folder given with --reports (where
# the auditor's copy is), not the path the entry recorded on the operator's host
expect_exit 1 "$PLUMBLINE" demo --dir "$tmp/demo" --suite "$PL_SOURCE_DIR/suites/demo.json" # a changed night
mv "$tmp/demo/reports" "$tmp/demo-copy"
changed=$(grep -l '"verdict": *"changed"' "$tmp"/demo-copy/*/sim-demo.json | head -n 1)
[ -n "$changed" ] || fail "demo: no changed night in $(ls "$tmp/demo-copy")"
rm "$changed"
expect_exit 1 "$PLUMBLINE" register show --config "$tmp/demo/plumbline.json" \
	--reports "$tmp/demo-copy"
grep -q "^  #1 .*(report $changed: report missing)$" "$tmp/last.out" ||
	fail "show --reports, changed night: $(cat "$tmp/last.out")"
echo "ok: test_register_reports"
