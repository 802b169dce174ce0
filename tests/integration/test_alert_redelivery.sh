#!/usr/bin/env bash
# test_alert_redelivery.sh: an alert a channel did not accept is not lost. The simulated
# vendor's answers get longer and stay so: night 1 is suspected (the receiver takes it), night 2
# confirms it while the receiver answers HTTP 500 (the run says so on stderr and in the metrics
# file), night 3 (receiver back) delivers the confirmation, marked "(from night 2026-03-02, not
# delivered then)", and the state keeps no pending alert. Then, in a second state: a suspicion the
# receiver refused is never retracted to it the next night (it never heard it).
# Simulated vendor and the alert receiver on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
status="$tmp/status"
receiver_start "$tmp/requests.jsonl" "$status"
export PL_IT_HOOK_KEY=hook-secret

config() { # DIR: the webhook, and a log and metrics file beside the config
	write_alert_config "$1" "$port"
	python3 - "$1/plumbline.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["logging"] = {"file": sys.argv[1] + ".log", "metrics_file": sys.argv[1] + ".prom"}
json.dump(c, open(sys.argv[1], "w"))
PY
}
# accepted: the alerts the receiver answered 200, one line each: "EVENT STAGE EPOCH | SUMMARY"
accepted() {
	python3 - "$tmp/requests.jsonl" <<'PY'
import json, sys
try:
    reqs = [json.loads(l) for l in open(sys.argv[1])]
except FileNotFoundError:
    reqs = []
for r in reqs:
    if r["status"] != 200:
        continue
    b = json.loads(r["body"])
    print(b.get("event"), b.get("stage"), b.get("epoch"), "|", b.get("summary"), "|", b.get("title", ""))
PY
}
night() { # DIR N DATE STATUS SIMARGS...
	local dir=$1 n=$2 date=$3 st=$4
	shift 4
	echo "$st" >"$status"
	sim_start "n$n-$(basename "$dir")" --seed 5 --night "$n" "$@"
	config "$dir"
	"$PLUMBLINE" run --config "$dir/plumbline.json" --date "$date" --quiet "$suite" \
		>"$tmp/$(basename "$dir")-$n.out" 2>"$tmp/$(basename "$dir")-$n.err" || true
	sim_stop
}
record() { # DIR
	sim_start "rec-$(basename "$1")" --seed 5 --night 0
	config "$1"
	record_signed_baseline "$1/plumbline.json" "$suite"
	sim_stop
}

# ---- a confirmation refused on its night arrives the next run, marked late
dir="$tmp/a"
record "$dir"
night "$dir" 1 2026-03-01 200 --drift longer
night "$dir" 2 2026-03-02 500 --drift longer
grep -q 'alert not delivered: alert channel "webhook": delivery failed: HTTP 500' "$tmp/a-2.err" ||
	fail "night 2 does not say the alert failed: $(cat "$tmp/a-2.err")"
grep -q '^plumbline_alert_failures{channel="webhook"} 1$' "$dir/plumbline.json.prom" ||
	fail "no failure metric: $(grep alert "$dir/plumbline.json.prom")"
night "$dir" 3 2026-03-03 200 --drift longer
grep -q '^plumbline_alert_failures{channel="webhook"} 0$' "$dir/plumbline.json.prom" ||
	fail "the metric stays up after delivery: $(grep alert "$dir/plumbline.json.prom")"
changes=$(accepted | grep '^change ' || true)
echo "$changes"
[ "$(echo "$changes" | cut -d' ' -f1-3)" = "$(printf 'change suspected e2\nchange confirmed e2')" ] ||
	fail "want the suspicion, then the late confirmation; got: $(accepted)"
python3 - "$tmp/requests.jsonl" <<'PY' || fail "the late confirmation: $(tail -n 3 "$tmp/requests.jsonl")"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
ok = [json.loads(r["body"]) for r in reqs if r["status"] == 200]
late = [b for b in ok if b.get("stage") == "confirmed"]
assert len(late) == 1, late
b = late[0]
assert b["late"] is True and b["night"] == "2026-03-02", b
assert "(from night 2026-03-02, not delivered then)" in b["title"], b["title"]
assert "confirmed: new epoch e2" in b["summary"], b["summary"]
PY
python3 - "$dir/state/alerts/state.json" <<'PY' || fail "the state keeps a pending alert: $(cat "$dir/state/alerts/state.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert not s.get("pending"), s
assert any(v.get("stage") == "confirmed" for v in s["entries"].values()), s
PY

# ---- a suspicion refused on its night is not retracted to the channel that never heard it
: >"$tmp/requests.jsonl"
dir="$tmp/b"
record "$dir"
night "$dir" 1 2026-03-01 500 --drift longer
night "$dir" 2 2026-03-02 200
[ "$(json_get "$dir/reports/2026-03-02/sim-demo.json" 'd["detection"]["stage"]')" = retracted ] ||
	fail "night 2 does not retract: $(cat "$tmp/b-2.out")"
if accepted | grep -E '^(change|retraction) '; then
	fail "a retraction of a suspicion the channel never accepted was sent"
fi
python3 - "$dir/state/alerts/state.json" <<'PY' || fail "the state keeps the dropped suspicion: $(cat "$dir/state/alerts/state.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert not s.get("pending"), s
PY
echo "ok: a refused alert is sent late the next run; a never-told suspicion is not retracted"
