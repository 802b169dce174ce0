#!/usr/bin/env bash
# test_resume_finished.sh: `run --resume` on a night that already finished says so plainly and
# sends nothing. It exits 0, as README "Crash safety" documents (a resume after any kill
# completes, even when the run had finished first), while a plain re-run of the night is
# refused (exit 2, "already run"). A night reported incomplete is finished too: the message
# names the reports that say incomplete, whose unanswered requests are not resumed.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/night"
sim_requests() {
	python3 -c 'import json,sys,urllib.request as u
print(json.load(u.urlopen("http://127.0.0.1:%s/_sim/stats" % sys.argv[1]))["requests"])' "$port"
}
cfg="$dir/plumbline.json"
setup_signed_sim "$dir" "$suite"

# a night that passed
sim_start ok --seed 5 --night 1
sed -i "s#127.0.0.1:[0-9]*/#127.0.0.1:$port/#" "$cfg"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-07-01 "$suite"
before=$(sim_requests)
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-07-01 --resume "$suite"
grep -qx "night 2026-07-01 is already finished: its reports exist; nothing to resume, nothing sent (--force runs the night again)" \
	"$tmp/last.out" || fail "resume of a finished night: $(cat "$tmp/last.out" "$tmp/last.err")"
[ "$(sim_requests)" = "$before" ] || fail "resume of a finished night sent requests"
expect_exit 2 "$PLUMBLINE" run --config "$cfg" --date 2026-07-01 "$suite"
grep -q "night 2026-07-01 was already run" "$tmp/last.err" || fail "plain re-run: $(cat "$tmp/last.err")"
sim_stop

# a night reported incomplete (every request failed): finished, and the message says how
sim_start down --seed 5 --night 2 --fault 500
sed -i "s#127.0.0.1:[0-9]*/#127.0.0.1:$port/#" "$cfg"
expect_exit 3 "$PLUMBLINE" run --config "$cfg" --date 2026-07-02 "$suite"
before=$(sim_requests)
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-07-02 --resume "$suite"
grep -qF "night 2026-07-02 is already finished: its reports exist, sim/demo reported incomplete (what was not answered then is not resumed); nothing to resume, nothing sent (--force runs the night again)" \
	"$tmp/last.out" || fail "resume of an incomplete night: $(cat "$tmp/last.out" "$tmp/last.err")"
[ "$(sim_requests)" = "$before" ] || fail "resume of an incomplete night sent requests"
expect_exit 2 "$PLUMBLINE" run --config "$cfg" --date 2026-07-02 "$suite"
sim_stop
echo "ok: --resume of a finished night says so and sends nothing"
