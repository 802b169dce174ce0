#!/usr/bin/env bash
# test_counts_agree.sh: a night of HTTP 500 on every request (the vendor declared down after
# max_outage) is counted one way in the log, the metrics and the report. A request is a
# planned one (a prompt's sample): sent (once or more), answered, failed (sent, no answer) or
# not sent; an attempt is one HTTP request, retries included. Before, the log's "18 requests
# sent" were attempts while plumbline_requests said 4, and the report's counts.faults and
# vendor_faults (50) counted the 46 requests never sent as faults, which the log called 4.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/night"
setup_sim "$dir" "$suite"

sim_start down --seed 5 --night 1 --fault 500
python3 - "$dir/plumbline.json" "$port" "$dir" <<'PY'
import json, re, sys
c = json.load(open(sys.argv[1]))
c["vendors"][0]["base_url"] = re.sub(r":\d+/", ":%s/" % sys.argv[2], c["vendors"][0]["base_url"])
c["logging"] = {"file": sys.argv[3] + "/night.log", "metrics_file": sys.argv[3] + "/night.prom"}
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
expect_exit 3 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-06-01 \
	--markdown "$dir/night.md" "$suite"
http=$(python3 -c 'import json,sys,urllib.request as u
print(json.load(u.urlopen("http://127.0.0.1:%s/_sim/stats" % sys.argv[1]))["requests"])' "$port")
sim_stop

line=$(grep "vendor sim: " "$dir/night.log") || fail "no vendor line: $(cat "$dir/night.log")"
echo "$line"
re='vendor sim: ([0-9]+) requests sent \(([0-9]+) attempts, ([0-9]+) retries\), ([0-9]+) answered, ([0-9]+) failed, ([0-9]+) not sent'
[[ "$line" =~ $re ]] || fail "the log's vendor line: $line"
sent=${BASH_REMATCH[1]} attempts=${BASH_REMATCH[2]} retries=${BASH_REMATCH[3]}
answered=${BASH_REMATCH[4]} failed=${BASH_REMATCH[5]} not_sent=${BASH_REMATCH[6]}
[ "$answered" = 0 ] || fail "answered $answered"
[ "$sent" -gt 0 ] && [ "$not_sent" -gt 0 ] || fail "the outage should leave requests both failed and not sent"
[ "$((sent + not_sent))" = 50 ] || fail "sent $sent + not sent $not_sent is not the 50 planned"
[ "$failed" = "$sent" ] || fail "failed $failed, sent $sent, none answered"
[ "$((attempts - retries))" = "$sent" ] || fail "attempts $attempts - retries $retries is not sent $sent"
[ "$attempts" = "$http" ] || fail "attempts $attempts, the simulator got $http HTTP requests"

m() { # the metric's value for sim/demo
	sed -n "s/^$1{vendor=\"sim\",model=\"sim-gpt-1\",suite=\"demo\"} //p" "$dir/night.prom"
}
[ "$(m plumbline_requests)" = "$sent" ] || fail "plumbline_requests $(m plumbline_requests), log $sent"
[ "$(m plumbline_request_errors)" = "$failed" ] || fail "plumbline_request_errors $(m plumbline_request_errors), log $failed"
[ "$(m plumbline_request_retries)" = "$retries" ] || fail "plumbline_request_retries $(m plumbline_request_retries), log $retries"
[ "$(m plumbline_requests_not_sent)" = "$not_sent" ] || fail "plumbline_requests_not_sent $(m plumbline_requests_not_sent), log $not_sent"

report="$dir/reports/2026-06-01/sim-demo.json"
got=$(json_get "$report" '"%d %d %d %d %d" % (d["counts"]["planned"], d["counts"]["answers"], d["counts"]["faults"], d["counts"]["vendor_faults"], d["counts"]["not_sent"])')
[ "$got" = "50 0 $failed $failed $not_sent" ] ||
	fail "report counts (planned answers faults vendor_faults not_sent) '$got', log: 50 0 $failed $failed $not_sent"
[ "$(json_get "$report" 'sum(p["faults"] for p in d["prompts"]) == d["counts"]["faults"] and sum(p.get("not_sent", 0) for p in d["prompts"]) == d["counts"]["not_sent"]')" = True ] ||
	fail "the prompts' faults and not_sent do not add up to the counts"
grep -qF "; $failed requests failed; $not_sent not sent" "$tmp/last.out" ||
	fail "the summary line: $(cat "$tmp/last.out")"
# no answer: the checks were not judged, not "0 of 8 checks failed on 0 prompts"
for f in "$tmp/last.out" "$dir/night.md" "${report%.json}.html"; do
	grep -q "checks failed on 0 prompts" "$f" && fail "$f: checks said failed with no answers: $(grep "checks failed" "$f")"
done
grep -q "checks not judged: no answers" "$dir/night.md" || fail "markdown: $(grep -i check "$dir/night.md")"
grep -q "checks not judged: no answers" "${report%.json}.html" || fail "html: $(grep -io '[^>]*checks[^<]*' "${report%.json}.html")"
echo "ok: $sent requests sent ($attempts attempts, $retries retries), $failed failed, $not_sent not sent, everywhere"
