#!/usr/bin/env bash
# test_retries_per_suite.sh: a vendor's retries are counted per suite. Two suites on one
# vendor, a night on which 30% of the HTTP requests get a 500 and are retried: each suite's
# plumbline_request_retries and its report's counts.retries are its own requests' retries (the
# journal's attempts after the first), and the suites' add up to the log's vendor line. Before,
# every suite's row carried the vendor's total, so summing the metric over suites counted the
# retries once a suite.
source "$(dirname "$0")/lib.sh"

dir="$tmp/night"
one="$PL_SOURCE_DIR/suites/demo.json"
two="$tmp/demo-two.json"
python3 - "$one" "$two" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["id"] = "demo-two"
json.dump(s, open(sys.argv[2], "w"), indent=1)
PY
sim_start rec --seed 5 --night 0
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$one" "$two"
sim_stop

sim_start flaky --seed 5 --night 1 --fault 500 --fault-rate 0.3
python3 - "$dir/plumbline.json" "$port" "$dir" <<'PY'
import json, re, sys
c = json.load(open(sys.argv[1]))
c["vendors"][0]["base_url"] = re.sub(r":\d+/", ":%s/" % sys.argv[2], c["vendors"][0]["base_url"])
c["vendors"][0]["retries"] = 6
c["logging"] = {"file": sys.argv[3] + "/night.log", "metrics_file": sys.argv[3] + "/night.prom"}
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
rc=0
"$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-06-01 "$one" "$two" \
	>"$tmp/last.out" 2>"$tmp/last.err" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "run exited $rc: $(cat "$tmp/last.err")"
sim_stop

line=$(grep "vendor sim: " "$dir/night.log") || fail "no vendor line: $(cat "$dir/night.log")"
re='\(([0-9]+) attempts, ([0-9]+) retries\)'
[[ "$line" =~ $re ]] || fail "the log's vendor line: $line"
retries=${BASH_REMATCH[2]}
[ "$retries" -gt 0 ] || fail "a night of 30% 500s should have retries: $line"

m() { # the metric $1's value for suite $2
	sed -n "s/^$1{vendor=\"sim\",model=\"sim-gpt-1\",suite=\"$2\"} //p" "$dir/night.prom"
}
# the night's journal, archived once the night is done (named by when: the baseline's is older)
journal=$(find "$dir/state/journal/done" -name '*.jsonl' | sort | tail -1)
[ -n "$journal" ] || fail "no archived journal in $dir/state/journal/done"
total=0
for s in demo demo-two; do
	got=$(m plumbline_request_retries "$s")
	report="$dir/reports/2026-06-01/sim-$s.json"
	in_report=$(json_get "$report" 'd["counts"]["retries"]')
	[ "$got" = "$in_report" ] || fail "$s: plumbline_request_retries $got, report counts.retries $in_report"
	own=$(python3 - "$journal" "$s" <<'PY'
import json, sys
n = 0
for l in open(sys.argv[1]):
    try:
        r = json.loads(l)
    except ValueError:
        continue
    if r.get("suite") == sys.argv[2] and r.get("attempts", 0) > 1:
        n += r["attempts"] - 1
print(n)
PY
)
	[ "$got" = "$own" ] || fail "$s: plumbline_request_retries $got, its journal records $own"
	[ "$got" -lt "$retries" ] || fail "$s: $got of the vendor's $retries retries: both suites had some"
	total=$((total + got))
done
[ "$total" = "$retries" ] || fail "the suites' retries add up to $total, the log's vendor line says $retries"
echo "ok: $retries retries, $(m plumbline_request_retries demo) in demo, $(m plumbline_request_retries demo-two) in demo-two, as the journal records"
