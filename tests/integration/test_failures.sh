#!/usr/bin/env bash
# test_failures.sh: an unattended night says why it failed. A wrong key stops the vendor after
# a few requests and names the key's variable; a host that does not resolve is named with
# libcurl's words; a vendor without prices cannot take a cost budget; without a TTY the log
# records progress, the plan, each vendor and the end; an unwritable log file names the real
# reason; a night run with --date in the past is signed with the wall clock.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
base="$tmp/base"

# vendor_set CONFIG JSON_OBJECT: merges keys into the config (top level, or vendors[0] with
# a "vendor" key).
vendor_set() {
	python3 - "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
d = json.loads(sys.argv[2])
c["vendors"][0].update(d.pop("vendor", {}))
c.update(d)
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}

# sim_requests: requests the simulator received (its counter).
sim_requests() {
	python3 -c 'import json,sys,urllib.request as u
print(json.load(u.urlopen("http://127.0.0.1:%s/_sim/stats" % sys.argv[1]))["requests"])' "$port"
}

# copy_night NAME: a copy of the base setup pointing at the current simulator.
copy_night() {
	local dir="$tmp/$1"
	cp -r "$base" "$dir"
	sed -i "s#$base#$dir#g; s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
	echo "$dir"
}

setup_signed_sim "$base" "$suite" 7

# A loopback webhook receiver: each alert's body as a JSON line.
receiver_start "$tmp/alerts.jsonl"
export PL_IT_HOOK_KEY=hook-secret-0123456789

# 1. A wrong key: the simulator wants another one. Every request used to be sent (50) and the
#    night read "too many vendor faults"; now 3 go out and the reason names the variable, on
#    the console, in the report, the Markdown and the alert.
sim_start auth --seed 7 --night 1 --require-key "$PL_TEST_KEY"
dir=$(copy_night auth)
vendor_set "$dir/plumbline.json" "{\"alerts\": {\"retries\": 1, \"channels\": [{\"type\": \"webhook\",
	\"url\": \"http://127.0.0.1:$(cat "$tmp/recv.port")/hook\", \"secret_env\": \"PL_IT_HOOK_KEY\"}]},
	\"logging\": {\"file\": \"$dir/night.log\", \"metrics_file\": \"$dir/night.prom\"}}"
wrong=wrong-key-CANARY-fedcba9876543210
PL_TEST_KEY=$wrong expect_exit 3 "$PLUMBLINE" run --config "$dir/plumbline.json" \
	--date 2026-05-01 --markdown "$dir/night.md" "$suite"
sent=$(sim_requests)
sim_stop
[ "$sent" -le 3 ] || fail "wrong key: $sent requests reached the vendor"
want="authentication failed (HTTP 401 from 127.0.0.1:$port): check PL_TEST_KEY"
grep -qF "$want" "$tmp/last.out" || fail "wrong key: console: $(cat "$tmp/last.out")"
report="$dir/reports/2026-05-01/sim-demo.json"
reason=$(json_get "$report" 'd["incomplete_reason"]')
# The requests never sent are counted as such, not as failed requests, everywhere.
[[ "$reason" == "$want; $sent of 50 requests failed: auth (HTTP 401: "*"); $((50 - sent)) not sent" ]] ||
	fail "wrong key: reason '$reason'"
grep -qF "vendor sim: $sent requests sent ($sent attempts, 0 retries), 0 answered, $sent failed, $((50 - sent)) not sent" \
	"$dir/night.log" || fail "wrong key: the log's vendor line: $(grep 'vendor sim' "$dir/night.log")"
grep -qx "plumbline_requests{vendor=\"sim\",model=\"sim-gpt-1\",suite=\"demo\"} $sent" "$dir/night.prom" &&
	grep -qx "plumbline_request_errors{vendor=\"sim\",model=\"sim-gpt-1\",suite=\"demo\"} $sent" "$dir/night.prom" &&
	grep -qx "plumbline_requests_not_sent{vendor=\"sim\",model=\"sim-gpt-1\",suite=\"demo\"} $((50 - sent))" \
		"$dir/night.prom" || fail "wrong key: metrics: $(grep requests "$dir/night.prom")"
[ "$(json_get "$report" 'd["counts"]["not_sent"]')" = $((50 - sent)) ] || fail "wrong key: counts.not_sent"
grep -qF "$want" "$dir/night.md" || fail "wrong key: the Markdown does not say why"
grep -qF "$want" "$tmp/alerts.jsonl" || fail "wrong key: the alert does not say why: $(cat "$tmp/alerts.jsonl" 2>&1)"
! grep -rqF "$wrong" "$dir" "$tmp/last.out" "$tmp/last.err" || fail "wrong key: the key leaked"
echo "wrong key: $sent requests sent; $reason"

# 1b. A baseline recorded with the wrong key says why it was not written (it said only "only 0
#     of 150 requests answered"), and once the key is mended --resume sends what was not
#     answered: the requests never sent and those refused for the key (they counted as done).
sim_start authbase --seed 7 --night 0 --require-key "$PL_TEST_KEY"
dir=$(copy_night authbase)
rm -rf "$dir/baselines"
# (the config's log file gets the recording too: it got nothing)
vendor_set "$dir/plumbline.json" "{\"logging\": {\"file\": \"$dir/record.log\"}}"
PL_TEST_KEY=$wrong expect_exit 3 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" \
	--vendor sim "$suite"
want="authentication failed (HTTP 401 from 127.0.0.1:$port): check PL_TEST_KEY"
grep -qF "sim/demo: only 0 of 150 requests answered; baseline not written; stopped: $want; most failed with auth (HTTP 401: " \
	"$tmp/last.err" || fail "baseline, wrong key: $(cat "$tmp/last.err")"
grep -qF "run the same command with --resume" "$tmp/last.err" || fail "baseline, wrong key: no advice"
expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim --resume "$suite"
grep -q "baseline written: .* (5 prompts, 150 samples)" "$tmp/last.out" ||
	fail "baseline resumed with the right key: $(cat "$tmp/last.out" "$tmp/last.err")"
[ "$(sim_requests)" = $((sent + 150)) ] || fail "baseline resumed: $(sim_requests) requests"
grep -q "ERROR baseline sim/demo: only 0 of 150 requests answered; baseline not written; stopped: $want" "$dir/record.log" &&
	grep -q "WARN  baseline record finished: exit 3" "$dir/record.log" &&
	grep -q "INFO  baseline sim/demo written: " "$dir/record.log" &&
	grep -q "INFO  baseline record finished: exit 0" "$dir/record.log" || fail "baseline: log file: $(cat "$dir/record.log")"
sim_stop

# 2. A host that does not resolve (.invalid never does): libcurl's reason reaches the night's
#    reason, the console, the report and the Markdown.
dir=$(copy_night dns)
vendor_set "$dir/plumbline.json" '{"vendor": {"base_url": "http://api.example.invalid/v1",
	"connect_timeout_ms": 3000}}'
expect_exit 3 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-01 \
	--markdown "$dir/night.md" "$suite"
report="$dir/reports/2026-05-01/sim-demo.json"
reason=$(json_get "$report" 'd["incomplete_reason"]')
[[ "$reason" == *" of 50 requests failed: network ("*"Could not resolve host: api.example.invalid"*"requests not sent)" ]] ||
	fail "dns: reason '$reason'"
grep -qF "Could not resolve host: api.example.invalid" "$tmp/last.out" || fail "dns: console"
grep -qF "Could not resolve host" "$dir/night.md" || fail "dns: the Markdown does not say why"
echo "dns: $reason"

# 3. A vendor without prices: `check` and `run` warn, the dry run says the cost is unknown
#    (not ~0.0000), and a cost budget is refused before anything is sent (exit 2); with
#    prices the same budget is taken.
sim_start prices --seed 7 --night 1
dir=$(copy_night prices)
expect_exit 0 "$PLUMBLINE" check --config "$dir/plumbline.json" "$suite"
grep -qF 'vendor "sim" has no prices' "$tmp/last.err" || fail "check does not warn: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --dry-run "$suite"
grep -q "unknown cost" "$tmp/last.out" || fail "dry run: $(cat "$tmp/last.out")"
! grep -q "~0.0000 cost" "$tmp/last.out" || fail "dry run: an unpriced vendor shown as free"
grep -qF 'vendor "sim" has no prices' "$tmp/last.err" || fail "run does not warn"
expect_exit 2 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-01 \
	--max-cost 1 "$suite"
grep -qF -- '--max-cost: vendor "sim" has no prices in the config' "$tmp/last.err" ||
	fail "--max-cost: $(cat "$tmp/last.err")"
[ "$(sim_requests)" = 0 ] || fail "--max-cost refused, but requests were sent"
vendor_set "$dir/plumbline.json" '{"budget": {"max_cost": 5}}'
expect_exit 2 "$PLUMBLINE" check --config "$dir/plumbline.json"
# located in the config, as every config error is
at='plumbline\.json:[0-9]+:[0-9]+: budget\.max_cost: vendor "sim" has no prices'
grep -qE "$at" "$tmp/last.err" || fail "check budget.max_cost: $(cat "$tmp/last.err")"
expect_exit 2 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-01 "$suite"
grep -qE "$at" "$tmp/last.err" || fail "run budget.max_cost: $(cat "$tmp/last.err")"
# every sending command refuses it (session_execute), before a request
expect_exit 2 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$suite"
grep -qE "$at" "$tmp/last.err" || fail "baseline record budget.max_cost: $(cat "$tmp/last.err")"
[ "$(sim_requests)" = 0 ] || fail "budget.max_cost refused, but requests were sent"
vendor_set "$dir/plumbline.json" '{"vendor": {"prices": {"input_per_mtok": 2, "output_per_mtok": 8}}}'
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --dry-run --max-cost 1 "$suite"
grep -q "~[0-9.]* cost" "$tmp/last.out" || fail "priced dry run: $(cat "$tmp/last.out")"
! grep -qF 'has no prices' "$tmp/last.err" || fail "a priced vendor warned"
echo "prices: unknown cost shown, --max-cost refused without prices"

sim_stop

# 4. Cron: no TTY, progress on. The log file records the start and plan, progress at least
#    every tenth, each vendor's outcome, the verdicts and the end; no escape codes. (Slow
#    answers, two at a time: the night lasts a few seconds, the progress is called every
#    200 ms.)
sim_start cron --seed 7 --night 1 --latency 150
dir=$(copy_night cron)
vendor_set "$dir/plumbline.json" "{\"logging\": {\"file\": \"$dir/plumbline.log\"},
	\"vendor\": {\"concurrency\": 2}}"
# (the slow answers may read as a latency change: exit 0 or 1, both a finished night)
rc=0
env -u PLUMBLINE_NO_PROGRESS "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-03 \
	"$suite" >"$tmp/last.out" 2>"$tmp/last.err" </dev/null || rc=$?
sim_stop
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "cron: exit $rc: $(cat "$tmp/last.err")"
log="$dir/plumbline.log"
grep -q "INFO  run started: night 2026-05-03, plan [0-9a-f]*: 1 suite (demo), 1 vendor (sim), 50 requests" "$log" ||
	fail "cron: no start line: $(cat "$log")"
n=$(grep -c "INFO  progress \[ *[0-9]*/50\]" "$log")
[ "$n" -ge 5 ] || fail "cron: $n progress lines: $(cat "$log")"
grep -q "INFO  progress \[50/50\] 100%" "$log" || fail "cron: no final progress line"
grep -q "INFO  vendor sim: 50 requests sent (50 attempts, 0 retries), 50 answered, 0 failed" "$log" ||
	fail "cron: no vendor line: $(grep 'vendor sim' "$log")"
grep -q "  sim/demo \[sim-gpt-1\]: \(pass\|changed\)" "$log" || fail "cron: no verdict line"
grep -q "INFO  run finished: night 2026-05-03, exit $rc" "$log" || fail "cron: no end line"
! grep -q $'\033' "$log" || fail "cron: escape codes in the log"
# the same night again is refused (exit 2): the log says why, not only "exit 2"
expect_exit 2 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-03 "$suite"
grep -q "ERROR .*night 2026-05-03 was already run" "$log" || fail "cron: refusal not logged: $(tail -3 "$log")"
grep -q "WARN  run finished: night 2026-05-03, exit 2" "$log" || fail "cron: no end line for the refused run"
grep -q "already run (its report is signed and registered)" "$tmp/last.err" || fail "cron: $(cat "$tmp/last.err")"
# an unsigned report is not called signed (it was, whether or not a key existed)
mv "$dir/reports/2026-05-03/sim-demo.json.minisig" "$tmp/cron.minisig"
expect_exit 2 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-03 "$suite"
grep -q "already run (its report is written, not signed): give another --date, or --force to run it again$" \
	"$tmp/last.err" || fail "cron, unsigned: $(cat "$tmp/last.err")"
mv "$tmp/cron.minisig" "$dir/reports/2026-05-03/sim-demo.json.minisig"
echo "cron: $n progress lines"

# 5. An unwritable log file: open()'s reason, never isatty()'s ENOTTY.
dir=$(copy_night nolog)
if [ "$(id -u)" = 0 ]; then
	: >"$dir/file" # root writes anywhere it has a directory: use a file as the directory
	logpath="$dir/file/plumbline.log"
	why="Not a directory"
else
	mkdir "$dir/ro" && chmod 0500 "$dir/ro"
	logpath="$dir/ro/plumbline.log"
	why="Permission denied"
fi
vendor_set "$dir/plumbline.json" "{\"logging\": {\"file\": \"$logpath\"}}"
rc=0
"$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-03 "$suite" \
	>"$tmp/last.out" 2>"$tmp/last.err" </dev/null || rc=$?
[ "$rc" != 0 ] || fail "unwritable log: exit 0"
grep -qF "cannot write log file $logpath: $why" "$tmp/last.err" ||
	fail "unwritable log: $(cat "$tmp/last.err")"
! grep -q "Inappropriate ioctl" "$tmp/last.err" || fail "unwritable log: errno from isatty"
echo "unwritable log: exit $rc, $(cat "$tmp/last.err")"

# 6. --date in the past: the register keeps the night apart from the wall-clock date, and the
#    signature's timestamp never goes back (a backfilled night is signed now).
sim_start past --seed 7 --night 2
dir="$tmp/cron"
sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2020-01-01 "$suite"
sim_stop
python3 - "$dir" "$(date -u +%F)" <<'PY' || fail "past date: register or signature"
import glob, json, sys, os
d, today = sys.argv[1], sys.argv[2]
reg = glob.glob(os.path.join(d, "**", "register.jsonl"), recursive=True)[0]
runs = [e for e in map(json.loads, open(reg)) if e.get("report")]
assert [e["night"] for e in runs][-2:] == ["2026-05-03", "2020-01-01"], runs
# the entry's date is the wall clock: not the night, and never before the entry above it
assert runs[-1]["date"][:10] != "2020-01-01" and runs[-1]["date"] >= runs[-2]["date"], runs
assert runs[-1]["date"][:10] in (today, runs[-2]["date"][:10]), (today, runs)
def ts(p):
    for line in open(p + ".minisig"):
        if line.startswith("trusted comment: "):
            f = dict(x.split(":", 1) for x in line[17:].strip().split("\t"))
            return int(f["timestamp"]), f["night"], f["date"]
t1, n1, d1 = ts(os.path.join(d, "reports/2026-05-03/sim-demo.json"))
t2, n2, d2 = ts(os.path.join(d, "reports/2020-01-01/sim-demo.json"))
assert (n1, n2) == ("2026-05-03", "2020-01-01"), (n1, n2)
assert t2 >= t1, (t1, t2)
assert d2 == runs[-1]["date"], (d2, runs[-1])
PY
expect_exit 0 "$PLUMBLINE" register verify --config "$dir/plumbline.json"
echo "past date: night 2020-01-01 signed at the wall clock"
echo "ok"
