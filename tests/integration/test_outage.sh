#!/usr/bin/env bash
# test_outage.sh: vendor outages through `plumbline run`. A vendor faulted for good (500, 502
# HTML, 503, 529, reset, empty reply, timeout) opens its circuit, is probed, and is given up
# after max_outage: exit 3 in seconds, the outage named (kind, status, times, not sent) in the
# report's "outage" object, the summary, the console and the register. A vendor down for its
# first seconds recovers and the night completes. A partial outage (30% 5xx) completes through
# retries over 20 nights with no "changed".
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
base="$tmp/base"

# vendor_set CONFIG JSON_OBJECT: sets these keys of the config's first vendor.
vendor_set() {
	python3 - "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["vendors"][0].update(json.loads(sys.argv[2]))
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}

setup_signed_sim "$base" "$suite" 21

# 1. Faulted for good: exit 3 within seconds, the outage named.
#    fault:kind:status (status "-": a transport failure)
n=0
for entry in 500:server_error:500 502-html:server_error:502 503:overloaded:503 \
	529:overloaded:529 reset:reset:- empty-reply:empty_reply:- timeout:timeout:-; do
	IFS=: read -r fault kind status <<<"$entry"
	n=$((n + 1))
	dir="$tmp/down-$fault"
	cp -r "$base" "$dir"
	sim_start "down-$fault" --seed 21 --night 1 --fault "$fault" --slow-ms 30000
	sed -i "s#$base#$dir#g; s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
	vendor_set "$dir/plumbline.json" '{"retries": 5, "concurrency": 8, "timeout_ms": 1500,
		"max_outage": 3, "probe_interval": 1}'
	date=$(date -u -d "2026-05-01 + $n days" +%F)
	t0=$(date +%s)
	expect_exit 3 timeout 60 "$PLUMBLINE" run --config "$dir/plumbline.json" --date "$date" "$suite"
	secs=$(($(date +%s) - t0))
	sim_stop
	[ "$secs" -le 20 ] || fail "$fault: the run took $secs s"
	report="$dir/reports/$date/sim-demo.json"
	# one python for every check of the report (each start is slow on a loaded machine)
	python3 - "$report" "$kind" "$status" <<'PY' || fail "$fault: $(cat "$report" | head -c 3000)"
import json, sys
d = json.load(open(sys.argv[1]))
o = d.get("outage") or {}
status = None if sys.argv[3] == "-" else int(sys.argv[3])
checks = [
    d["verdict"] == "incomplete",
    o.get("kind") == sys.argv[2],
    o.get("status") == status,
    o.get("recovered") is False,
    o.get("not_sent", 0) > 0 and o.get("probes", 0) >= 1,
    o.get("first_seen", "z") <= o.get("last_seen", ""),
    status is None or o.get("message"),
    d.get("incomplete_reason", "").endswith("; " + o.get("summary", "?")),
]
sys.exit(0 if all(checks) else 1)
PY
	reason=$(json_get "$report" 'd["incomplete_reason"]')
	# the failed requests with the dominant fault and its first message, then the outage
	[[ "$reason" == *" of "*" requests failed: "*"; vendor outage: "*" from "*" to "*" (circuit open, "*" not sent)" ]] ||
		fail "$fault: reason '$reason'"
	grep -qF "$reason" "$tmp/last.out" || fail "$fault: the console does not name the outage"
	reg=$(find "$dir" -name register.jsonl | head -1)
	[ -n "$reg" ] && tail -1 "$reg" | grep -qF "$reason" ||
		fail "$fault: the register entry does not name the outage"
	! grep -rqF "$PL_TEST_KEY" "$dir/reports" "$dir/state" || fail "$fault: the key leaked"
	echo "$fault: exit 3 in $secs s: $reason"
done

# 2. Down for the first 6 seconds, then back: the circuit opens, a probe finds the vendor
#    again, and every prompt is answered; the outage is recorded, the night is a pass.
dir="$tmp/recovers"
cp -r "$base" "$dir"
sim_start recovers --seed 21 --night 1 --fault 529 --fault-for 6
sed -i "s#$base#$dir#g; s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
vendor_set "$dir/plumbline.json" '{"retries": 5, "concurrency": 8, "max_outage": 60,
	"probe_interval": 2}'
expect_exit 0 timeout 120 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-05-20 "$suite"
sim_stop
report="$dir/reports/2026-05-20/sim-demo.json"
[ "$(json_get "$report" 'd["counts"]["answers"] == d["counts"]["planned"] == 50')" = True ] ||
	fail "recovery: $(json_get "$report" 'd["counts"]')"
[ "$(json_get "$report" 'd["outage"]["recovered"] and d["outage"]["kind"] == "overloaded" and d["outage"]["not_sent"] == 0')" = True ] ||
	fail "recovery: $(json_get "$report" 'd.get("outage")')"
json_get "$report" 'd["summary"]' | grep -q "; vendor outage: HTTP 529 overloaded from .* (recovered after" ||
	fail "recovery: summary $(json_get "$report" 'd["summary"]')"
echo "down 6 s then back: exit 0, $(json_get "$report" 'd["summary"]')"

# 3. A partial outage, 30% of requests 500, over 20 nights: retries answer every prompt and
#    no night is "changed" (only real answers are judged).
dir="$tmp/partial"
cp -r "$base" "$dir"
sed -i "s#$base#$dir#g" "$dir/plumbline.json"
vendor_set "$dir/plumbline.json" '{"retries": 5, "concurrency": 8}'
for n in $(seq 1 20); do
	sim_start "p$n" --seed 21 --night "$n" --fault 500 --fault-rate 0.3
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$dir/plumbline.json"
	date=$(date -u -d "2026-06-01 + $n days" +%F)
	expect_exit 0 "$PLUMBLINE" run --config "$dir/plumbline.json" --date "$date" --quiet "$suite"
	sim_stop
	report="$dir/reports/$date/sim-demo.json"
	# no change, and every prompt answered (faults were retried, never judged as answers)
	[ "$(json_get "$report" 'd["verdict"] != "changed" and d.get("detection", {}).get("verdict") != "changed" and d["counts"]["answers"] == 50')" = True ] ||
		fail "night $n: $(json_get "$report" 'd["summary"]')"
done
echo "30% 5xx over 20 nights: every night complete, none changed"
echo ok
