#!/usr/bin/env bash
# test_state_symlinks.sh: symbolic links planted under state/ (issue 13 item 8) are never
# followed for writing: a link in place of the history, register or journal file (to an
# outside file, or dangling) and a linked history or journal folder. The run refuses with a
# message naming the link; the outside file keeps its bytes and a dangling link's target is
# never created. Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/sl"
st="$dir/state"
out="$tmp/outside"
mkdir -p "$out"
cfg="$dir/plumbline.json"
setup_signed_sim "$dir" "$suite"
sim_start night --seed 5 --night 1
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-01 "$suite"
hist="$st/history/sim/sim-gpt-1/demo.jsonl"
reg="$st/register.jsonl"
[ -f "$hist" ] && [ -f "$reg" ] || fail "no history or register after a night"
cp "$hist" "$tmp/hist.keep"; cp "$reg" "$tmp/reg.keep"; cp "$reg.checkpoint" "$tmp/ck.keep"

# run_refused NIGHT: a night that must not succeed; its error must name a symbolic link
run_refused() {
	local rc=0
	"$PLUMBLINE" run --config "$cfg" --date "$1" "$suite" >"$tmp/last.out" 2>"$tmp/last.err" || rc=$?
	[ "$rc" != 0 ] || fail "night $1 succeeded through a planted link"
	grep -q "symbolic link" "$tmp/last.err" || fail "night $1: no clear refusal: $(cat "$tmp/last.err")"
}
# untouched FILE: the outside file still holds its original bytes
untouched() { [ "$(cat "$1")" = precious ] || fail "$1 was written through a link: $(head -c 200 "$1")"; }
restore() {
	rm -rf "$hist" "$reg" "$reg.checkpoint" "$st/history" "$st/journal"
	mkdir -p "$(dirname "$hist")"
	cp "$tmp/hist.keep" "$hist"; cp "$tmp/reg.keep" "$reg"; cp "$tmp/ck.keep" "$reg.checkpoint"
}

# history: a link to an outside file, then a dangling link
echo precious >"$out/victim-history"
rm "$hist"; ln -s "$out/victim-history" "$hist"
run_refused 2026-03-02
untouched "$out/victim-history"
restore; rm "$hist"; ln -s "$out/created-by-history" "$hist"
run_refused 2026-03-03
[ ! -e "$out/created-by-history" ] || fail "a dangling history link created its target"

# register: a dangling link (the register's own read sees no register), then an outside file
restore; rm "$reg" "$reg.checkpoint"; ln -s "$out/created-by-register" "$reg"
run_refused 2026-03-04
[ ! -e "$out/created-by-register" ] || fail "a dangling register link created its target"
# refused before anything is sent: no report signed as an entry the register never got (the
# next run called such a night "killed")
[ ! -e "$dir/reports/2026-03-04" ] || fail "a report was written before the linked register was refused: $(ls -R "$dir/reports/2026-03-04")"
echo precious >"$out/victim-register"
restore; rm "$reg" "$reg.checkpoint"; ln -s "$out/victim-register" "$reg"
run_refused 2026-03-05
untouched "$out/victim-register"
[ ! -e "$dir/reports/2026-03-05" ] || fail "a report was written before the linked register was refused"
# a linked register that is itself a good register (a copy elsewhere): refused up front too
mkdir -p "$out/regcopy"; cp "$tmp/reg.keep" "$out/regcopy/register.jsonl"
restore; rm "$reg"; ln -s "$out/regcopy/register.jsonl" "$reg"
run_refused 2026-03-09
cmp -s "$out/regcopy/register.jsonl" "$tmp/reg.keep" || fail "the linked register was written"
[ ! -e "$dir/reports/2026-03-09" ] || fail "a report was signed for an entry the register never got"
# and so is a linked checkpoint
cp "$tmp/ck.keep" "$out/regcopy/ck"
restore; rm "$reg.checkpoint"; ln -s "$out/regcopy/ck" "$reg.checkpoint"
run_refused 2026-03-10
[ ! -e "$dir/reports/2026-03-10" ] || fail "a report was signed with a linked checkpoint"

# folders: a linked history folder and a linked journal folder are refused
restore; mkdir -p "$out/hdir"; rm -rf "$st/history"; ln -s "$out/hdir" "$st/history"
run_refused 2026-03-06
[ -z "$(ls -A "$out/hdir")" ] || fail "history written into a linked folder: $(ls -R "$out/hdir")"
restore; mkdir -p "$out/jdir"; ln -s "$out/jdir" "$st/journal"
run_refused 2026-03-07
[ -z "$(ls -A "$out/jdir")" ] || fail "journal written into a linked folder: $(ls -R "$out/jdir")"

# with the links gone, nights run and the register still verifies
restore
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-08 "$suite"
# the refused night runs as any night, not as a killed run
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-09 "$suite"
grep -qi "killed" "$tmp/last.out" && fail "the refused night is called killed: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
sim_stop
echo "state symlinks: all checks passed"
