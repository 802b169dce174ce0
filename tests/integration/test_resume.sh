#!/usr/bin/env bash
# test_resume.sh: a run killed with SIGKILL mid-way and continued with `run --resume` sends only
# the requests it had not answered, leaves no half-written file, and reports exactly what an
# uninterrupted run reports. A killed night that is not resumed is never lost: the next
# night's run reports it as incomplete (signed, registered), and `--resume` with another
# --date never reuses that night's answers.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

sim_start sim --latency 150 --seed 7
base="$tmp/a" # the uninterrupted run
killed="$tmp/b"
write_config "$base" "$port"
write_config "$killed" "$port"
# Both runs compare with the same baseline.
sed -i "s#\"baselines\": \"$killed/baselines\"#\"baselines\": \"$base/baselines\"#" "$killed/plumbline.json"
suite="$PL_SOURCE_DIR/suites/demo.json"

expect_exit 0 "$PLUMBLINE" baseline record --config "$base/plumbline.json" --vendor sim "$suite"
# Slow the runs down (2 at a time, 150 ms each) so the kill lands mid-way.
sed -i 's/"concurrency": 8/"concurrency": 2/' "$base/plumbline.json" "$killed/plumbline.json"
expect_exit 0 "$PLUMBLINE" run --config "$base/plumbline.json" --date 2026-01-01 "$suite"
planned=$(json_get "$base/reports/2026-01-01/sim-demo.json" 'd["counts"]["planned"]')

stats() { curl -s "http://127.0.0.1:$port/_sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }

# kill_night DATE: starts the night's run, lets it answer part of the plan, then SIGKILLs it;
# sets $journal.
kill_night() {
	local run_pid
	"$PLUMBLINE" run --config "$killed/plumbline.json" --date "$1" "$suite" \
		>"$tmp/killed.out" 2>"$tmp/killed.err" &
	run_pid=$!
	journal=""
	for _ in $(seq 300); do
		journal=$(find "$killed/state/journal" -maxdepth 1 -name '*.jsonl' 2>/dev/null | head -1 || true)
		if [ -n "$journal" ] && [ "$(wc -l <"$journal")" -ge 15 ]; then break; fi
		sleep 0.05
	done
	[ -n "$journal" ] || fail "no journal appeared"
	kill -KILL "$run_pid"
	wait "$run_pid" 2>/dev/null || true
}
kill_night 2026-01-01
at_kill=$(stats)
records=$(($(wc -l <"$journal") - 1)) # line 1 is the header
[ "$records" -lt "$planned" ] || fail "the run finished before it was killed ($records records)"
[ ! -e "$killed/reports/2026-01-01/sim-demo.json" ] || fail "a report exists for a killed run"

# No half-written file: every JSON file parses; every journal line but a torn last one does.
python3 - "$killed" <<'PY' || fail "a half-written file was left"
import json, os, sys
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        p = os.path.join(root, f)
        if ".tmp." in f:
            continue  # an unfinished temporary is never read; the final name is what counts
        if f.endswith(".json"):
            json.load(open(p))
        elif f.endswith(".jsonl"):
            lines = open(p).read().split("\n")
            complete = lines[:-1]  # text after the last newline may be torn
            for l in complete:
                json.loads(l)
PY

# Resume: only the unanswered requests are sent.
expect_exit 0 "$PLUMBLINE" run --config "$killed/plumbline.json" --date 2026-01-01 --resume "$suite"
sent=$(($(stats) - at_kill))
[ "$sent" = $((planned - records)) ] ||
	fail "resume sent $sent requests; $records of $planned were already answered"

# The same result as the uninterrupted run: verdicts, counts, every check's verdict and
# pass/fail/error counts. (Similarity score means are left out: the simulator samples each
# answer like a real model, so two uninterrupted runs differ there too.)
python3 - "$base/reports/2026-01-01/sim-demo.json" "$killed/reports/2026-01-01/sim-demo.json" <<'PY' ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def prompts(d):
    keep = ("id", "kind", "label", "verdict", "pass", "fail", "error", "skip")
    return [(p["id"], p["verdict"], [{k: c.get(k) for k in keep} for c in p["checks"]])
            for p in d["prompts"]]
for key in ("verdict", "counts", "metadata_changes"):
    assert a[key] == b[key], (key, a[key], b[key])
assert prompts(a) == prompts(b), "per-prompt checks differ"
assert a["detection"]["epoch"] == b["detection"]["epoch"]
assert a["detection"]["hard"]["changed"] == b["detection"]["hard"]["changed"]
PY
	fail "resumed report differs from the uninterrupted one"

# A killed night that is not resumed: the next night keeps its journal (the night is part of
# the plan identity) and reports it as incomplete, signed and registered. `--resume` with the
# next night's --date sends that night's whole plan (never the killed night's answers).
expect_exit 0 "$PLUMBLINE" keygen --config "$killed/plumbline.json"
# ... and told as any incomplete night: a log line and an on_incomplete alert (before, the
# report and its register entry were all; the log said "0 incomplete", no alert went out).
receiver_start "$tmp/alerts.jsonl"
export PL_IT_HOOK_KEY=hook-secret-0123456789
python3 - "$killed/plumbline.json" "$rport" "$tmp/run.log" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["alerts"] = {"channels": [{"type": "webhook", "url": "http://127.0.0.1:%s/hook" % sys.argv[2],
                             "secret_env": "PL_IT_HOOK_KEY"}]}
c["logging"] = {"file": sys.argv[3]}
json.dump(c, open(sys.argv[1], "w"))
PY
kill_night 2026-01-02
records=$(($(wc -l <"$journal") - 1))
jsha=$(sha256sum "$journal" | cut -d' ' -f1)
at_kill=$(stats)
expect_exit 0 "$PLUMBLINE" run --config "$killed/plumbline.json" --date 2026-01-03 --resume "$suite"
sent=$(($(stats) - at_kill))
[ "$sent" = "$planned" ] || fail "--resume of another night sent $sent of $planned requests"
lost="$killed/reports/2026-01-02/sim-demo.json"
[ -f "$lost" ] && [ -f "$lost.minisig" ] || fail "the killed night left no signed report"
python3 - "$lost" "$killed/state/register.jsonl" "$records" "$jsha" <<'PY' || fail "killed night report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "incomplete" and "killed" in r["incomplete_reason"], r["summary"]
assert r["run"]["date"] == "2026-01-02" and r["run"]["journal_sha256"] == sys.argv[4], r["run"]
assert r["counts"]["answers"] <= int(sys.argv[3]), r["counts"]
entries = [json.loads(l) for l in open(sys.argv[2])]
assert [e["night"] for e in entries] == ["2026-01-02", "2026-01-03"], entries
assert entries[0]["verdict"] == "incomplete", entries[0]
PY
[ "$(json_get "$killed/reports/2026-01-03/sim-demo.json" 'd["verdict"]')" = pass ] || fail "night 3"
# the summary and the log's last line say the earlier night reported (before: "0 incomplete")
grep -q "; and the stopped run of night 2026-01-02, reported incomplete" "$tmp/last.out" ||
	fail "summary: the stopped night not said: $(cat "$tmp/last.out")"
grep -q "run finished: night 2026-01-03, exit 0 (.*; the stopped run of night 2026-01-02)" "$tmp/run.log" ||
	fail "log: the stopped night not said: $(tail -2 "$tmp/run.log")"
python3 - "$tmp/alerts.jsonl" <<'PY' || fail "killed night alert: $(cat "$tmp/alerts.jsonl" 2>/dev/null)"
import json, sys
bodies = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1])]
assert len(bodies) == 2, bodies
b = bodies[0]
assert b["kind"] == "incomplete" and "killed" in json.dumps(b) and "2026-01-02" in json.dumps(b), b
# tonight's run completed: the outage just told is over (README "Alerts": recovered)
b = bodies[1]
assert (b["kind"], b["problem"], b["since"], b["night"]) == \
    ("recovered", "incomplete", "2026-01-02", "2026-01-03"), b
PY
grep -q "WARN .*night 2026-01-02: sim/demo \[sim-gpt-1\]: incomplete (the run did not finish (killed" "$tmp/run.log" ||
	fail "killed night not logged: $(cat "$tmp/run.log")"
[ -z "$(find "$killed/state/journal" -maxdepth 1 -name '*.jsonl')" ] || fail "a journal was left behind"
expect_exit 0 "$PLUMBLINE" register verify --config "$killed/plumbline.json"
expect_exit 0 "$PLUMBLINE" verify --config "$killed/plumbline.json" "$lost" "$killed/state/register.jsonl"

# A killed night's journal that cannot be read (damaged) does not stop the nights after it: it
# is named and kept.
kill_night 2026-01-04
sed -i '3s/.*/not json/' "$journal"
expect_exit 0 "$PLUMBLINE" run --config "$killed/plumbline.json" --date 2026-01-05 "$suite"
grep -q "night 2026-01-04 could not be reported; its journal is kept" "$tmp/last.err" ||
	fail "damaged journal: $(cat "$tmp/last.err")"
[ -f "$journal" ] || fail "the damaged journal was not kept"
echo ok
