#!/usr/bin/env bash
# test_rerun_night.sh: a night run again never confirms its own suspicion, and a stopped run
# leaves one entry and one history line per night (QA, stop 32).
#  1. A suspected night run again with --force is suspected again (judged against the nights
#     before it, not its own first run); the history keeps one line for it; the next night
#     confirms it.
#  2. A run that stopped after its report was registered (emulated: the finished run's journal
#     put back as live, the history line it wrote removed) is finished by --resume without a
#     second register entry: its report stays the registered one, the history gets its line.
#     The same stop finished by the next night's run: the published night is left as it is and
#     its history line written.
#  3. A night whose report could not be written (exit 3) does not enter the history; the next
#     night reports it incomplete ("did not finish"), never as a judged night.
#  4. A suspected night run again with --force that does not show the change tells the channel
#     the suspicion is withdrawn (a retraction alert).
# Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/rr"
cfg="$dir/plumbline.json"
hist="$dir/state/history/sim/sim-gpt-1/demo.jsonl"
reg="$dir/state/register.jsonl"

# night DATE WANT_EXIT [SIM ARGS...]: one night against a fresh simulator
night() {
	local date=$1 want=$2
	shift 2
	sim_start "n$date" --seed 5 --night "${date##*-}" "$@"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$cfg"
	expect_exit "$want" "$PLUMBLINE" run --config "$cfg" --date "$date" --quiet ${RUN_ARGS:-} "$suite"
	sim_stop
}
report() { echo "$dir/reports/$1/sim-demo.json"; }
stage() { json_get "$(report "$1")" 'd["detection"]["stage"]'; }
# hist_lines DATE: the history's lines for the night
hist_lines() { grep -c "\"night\":\"$1\"" "$hist" || true; }
# reg_runs DATE: the register's run entries for the night
reg_runs() { grep '"type":"run"' "$reg" | grep -c "\"night\":\"$1\"" || true; }

setup_signed_sim "$dir" "$suite"
for d in 01 02 03; do night 2026-03-$d 0; done

# 1. --force on a suspected night
night 2026-03-04 1 --drift longer
[ "$(stage 2026-03-04)" = suspected ] || fail "night 4 not suspected: $(json_get "$(report 2026-03-04)" 'd["summary"]')"
RUN_ARGS=--force night 2026-03-04 1 --drift longer
[ "$(stage 2026-03-04)" = suspected ] ||
	fail "the night run again confirmed its own suspicion: $(json_get "$(report 2026-03-04)" 'd["summary"]')"
[ "$(hist_lines 2026-03-04)" = 1 ] || fail "history: $(hist_lines 2026-03-04) lines for 2026-03-04"
night 2026-03-05 1 --drift longer
[ "$(stage 2026-03-05)" = confirmed ] || fail "night 5 did not confirm: $(json_get "$(report 2026-03-05)" 'd["summary"]')"
json_get "$(report 2026-03-05)" 'd["summary"]' | grep -q "since 2026-03-04" ||
	fail "the confirmation is not dated by the suspected night: $(json_get "$(report 2026-03-05)" 'd["summary"]')"
echo "  --force: suspected again, one history line, confirmed the next night"

# 2. stopped after the register entry: --resume finishes without a second entry
night 2026-03-06 1 --drift longer
sha=$(sha256sum "$(report 2026-03-06)" | cut -d' ' -f1)
entries=$(wc -l <"$reg")
done_j=$(ls -t "$dir/state/journal/done/"*.jsonl | head -1)
plan=$(head -1 "$done_j" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["plan"])')
mv "$done_j" "$dir/state/journal/$plan.jsonl"
grep -v '"night":"2026-03-06"' "$hist" >"$tmp/h" && cat "$tmp/h" >"$hist"
[ "$(hist_lines 2026-03-06)" = 0 ] || fail "setup: the history line was not removed"
sim_start resume --seed 5 --night 6 --drift longer
sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$cfg"
rc=0
"$PLUMBLINE" run --config "$cfg" --date 2026-03-06 --resume "$suite" >"$tmp/resume.out" 2>&1 || rc=$?
sim_stop
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "--resume exit $rc: $(cat "$tmp/resume.out")"
grep -q "published before the run stopped" "$tmp/resume.out" || fail "--resume did not say the night was published: $(cat "$tmp/resume.out")"
[ "$(wc -l <"$reg")" = "$entries" ] || fail "--resume added a register entry ($entries -> $(wc -l <"$reg"))"
[ "$(sha256sum "$(report 2026-03-06)" | cut -d' ' -f1)" = "$sha" ] || fail "--resume replaced the registered report"
[ "$(hist_lines 2026-03-06)" = 1 ] || fail "--resume: $(hist_lines 2026-03-06) history lines for the night"
[ -z "$(find "$dir/state/journal" -maxdepth 1 -name '*.jsonl')" ] || fail "--resume left the journal live"
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$(report 2026-03-06)"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
echo "  --resume after the register entry: no second entry, the report kept, one history line"

# 3. the report cannot be written: no history line, the next night says it did not finish;
# the stopped run is told (metrics: exit 3; an incomplete alert naming the error)
receiver_start "$tmp/requests.jsonl"
export PL_IT_HOOK_KEY=hook-secret
python3 - "$cfg" "$rport" "$dir/metrics.prom" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["alerts"] = {"retries": 1, "backoff_ms": 10, "channels": [
    {"type": "webhook", "url": "http://127.0.0.1:%s/hook" % sys.argv[2], "secret_env": "PL_IT_HOOK_KEY"}]}
c["logging"] = {"metrics_file": sys.argv[3]}
json.dump(c, open(sys.argv[1], "w"))
PY
mkdir -p "$dir/reports"
: >"$dir/reports/2026-03-07" # a file where the night's folder goes
night 2026-03-07 3
[ "$(hist_lines 2026-03-07)" = 0 ] || fail "a night without its report entered the history"
grep -q '^plumbline_last_run_exit_code 3$' "$dir/metrics.prom" ||
	fail "metrics do not say the stopped run: $(grep last_run "$dir/metrics.prom" 2>&1)"
grep -q '^plumbline_last_run_completed 0$' "$dir/metrics.prom" || fail "metrics: the stopped run completed?"
python3 - "$tmp/requests.jsonl" <<'PY' || fail "no incomplete alert for the stopped run: $(cat "$tmp/requests.jsonl" 2>&1)"
import json, sys
b = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1])]
inc = [x for x in b if x["kind"] == "incomplete"]
assert len(inc) == 1 and "the run stopped" in inc[0]["reason"] and "2026-03-07" in inc[0]["reason"], b
PY
rm "$dir/reports/2026-03-07"
night 2026-03-08 0
grep -q "did not finish" "$tmp/last.err" "$tmp/last.out" || fail "the stopped night is not named: $(cat "$tmp/last.out" "$tmp/last.err")"
[ "$(json_get "$(report 2026-03-07)" 'd["verdict"]')" = incomplete ] || fail "night 7 is not reported incomplete"
[ "$(hist_lines 2026-03-07)" = 0 ] || fail "the incomplete night entered the history"
[ "$(reg_runs 2026-03-07)" = 1 ] || fail "night 7: $(reg_runs 2026-03-07) register entries"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
# 2b. the same stop, finished by the next night's run instead of --resume: the published night
# is left as it is (no second entry), its history line is written from its answers
night 2026-03-10 0
done_j=$(ls -t "$dir/state/journal/done/"*.jsonl | head -1)
plan=$(head -1 "$done_j" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["plan"])')
mv "$done_j" "$dir/state/journal/$plan-stopped.jsonl"
grep -v '"night":"2026-03-10"' "$hist" >"$tmp/h" && cat "$tmp/h" >"$hist"
sha=$(sha256sum "$(report 2026-03-10)" | cut -d' ' -f1)
night 2026-03-11 0
[ "$(reg_runs 2026-03-10)" = 1 ] || fail "the next run added an entry for the published night: $(reg_runs 2026-03-10)"
[ "$(sha256sum "$(report 2026-03-10)" | cut -d' ' -f1)" = "$sha" ] || fail "the next run replaced the published report"
[ "$(hist_lines 2026-03-10)" = 1 ] || fail "the published night's history line was not written: $(hist_lines 2026-03-10)"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
# 4. a suspected night run again with --force that does not show the change withdraws it on
# the channel that was told (before: the channel's last word stayed "suspected")
: >"$tmp/requests.jsonl"
night 2026-03-12 1 --drift fenced
[ "$(stage 2026-03-12)" = suspected ] || fail "night 12 not suspected: $(json_get "$(report 2026-03-12)" 'd["summary"]')"
RUN_ARGS=--force night 2026-03-12 0
python3 - "$tmp/requests.jsonl" <<'PY' || fail "the forced night did not withdraw the suspicion: $(cat "$tmp/requests.jsonl")"
import json, sys
b = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1])]
ch = [(x["stage"], x["event"]) for x in b if x["kind"] == "change"]
assert ch == [("suspected", "change"), ("retracted", "retraction")], ch
# the withdrawn suspicion is this very night's
r = [x for x in b if x["event"] == "retraction"][0]
assert r["suspected_night"] == "2026-03-12", r
assert "the change suspected on 2026-03-12 is retracted" in r["title"], r["title"]
PY
echo "ok: a night run again judged against the nights before it; one entry and one history line a night"
