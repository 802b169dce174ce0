#!/usr/bin/env bash
# test_alert_stages.sh: the product channel hears a change's whole story. The simulated
# vendor's answers get longer and stay so: night 1 is suspected (exit 1, an alert, stage
# "suspected"), night 2 confirms it (exit 1, a second alert, stage "confirmed", "new epoch e2"
# in its summary), night 3 is the new behaviour again (no third change alert: once per epoch
# and stage; the suite's checks still fail on it, but the change alerts named them already,
# so no check-failure alert either: README "Alerts").
# Simulated vendor and the alert receiver on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/st"
cfg="$dir/plumbline.json"
receiver_start "$tmp/requests.jsonl"
export PL_IT_HOOK_KEY=hook-secret

config() { write_alert_config "$dir" "$port"; }
# hooks: the change alerts received so far, one line each: "STAGE EPOCH"
hooks() {
	python3 - "$tmp/requests.jsonl" <<'PY'
import json, sys
try:
    reqs = [json.loads(l) for l in open(sys.argv[1])]
except FileNotFoundError:
    reqs = []
for r in reqs:
    b = json.loads(r["body"])
    if b.get("kind") == "change":
        print(b.get("stage"), b.get("epoch"))
PY
}

sim_start rec --seed 5 --night 0
config
record_signed_baseline "$cfg" "$suite"
sim_stop

for n in 1 2 3; do
	sim_start "n$n" --seed 5 --night "$n" --drift longer
	config
	rc=0
	"$PLUMBLINE" run --config "$cfg" --date "2026-03-0$n" --quiet "$suite" >"$tmp/night$n.out" 2>&1 || rc=$?
	echo "$rc" >"$tmp/night$n.rc"
	sim_stop
	echo "  night $n: exit $(cat "$tmp/night$n.rc"): $(json_get "$dir/reports/2026-03-0$n/sim-demo.json" 'd["summary"]')"
done
stage() { json_get "$dir/reports/2026-03-0$1/sim-demo.json" 'd["detection"]["stage"]'; }
[ "$(stage 1)" = suspected ] || fail "night 1 is not suspected: $(cat "$tmp/night1.out")"
[ "$(stage 2)" = confirmed ] || fail "night 2 does not confirm: $(cat "$tmp/night2.out")"
[ "$(cat "$tmp/night1.rc")" = 1 ] && [ "$(cat "$tmp/night2.rc")" = 1 ] ||
	fail "a suspected and a confirmed night exit 1"

got=$(hooks)
want=$(printf 'suspected e2\nconfirmed e2')
[ "$got" = "$want" ] || fail "alerts: want
$want
got
$got"
# the confirmation is its own event for receivers that key on the header, and says so in words
python3 - "$tmp/requests.jsonl" <<'PY' || fail "the confirmation alert: $(cat "$tmp/requests.jsonl")"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
last = [r for r in reqs if json.loads(r["body"])["kind"] == "change"][-1]
h = {k.lower(): v for k, v in last["headers"].items()}
assert h["x-plumbline-event"] == "change", h
b = json.loads(last["body"])
assert b["stage"] == "confirmed" and b["retracted"] is False, b
assert "confirmed: new epoch e2" in b["summary"], b["summary"]
PY
echo "ok: suspected, confirmed, then quiet: two alerts, one per stage"
