#!/usr/bin/env bash
# test_runner_limits.sh: the runner at scale through the binary, as the simulator sees it:
# an rpm limit holds within 5%, a 429 storm slows the run down but it completes, and a vendor
# that is down is reported within seconds while the other vendor completes (exit 3).
. "$(dirname "$0")/lib.sh"

dir=$tmp/limits
suite=$tmp/suite.json
cat >"$suite" <<'JSON'
{
  "id": "limits",
  "defaults": { "temperature": 0.7, "max_tokens": 20, "samples": 20, "baseline_samples": 20 },
  "prompts": [
    { "id": "a", "prompt": "Name a colour.", "checks": [ { "type": "regex", "pattern": "\\w", "min_pass_rate": 0.5 } ] },
    { "id": "b", "prompt": "Name a fruit.", "checks": [ { "type": "regex", "pattern": "\\w", "min_pass_rate": 0.5 } ] }
  ]
}
JSON

# vendor_set KEY VALUE...: sets keys of the first vendor of $dir/plumbline.json (JSON values).
vendor_set() {
	python3 - "$dir/plumbline.json" "$@" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
for k, v in zip(sys.argv[2::2], sys.argv[3::2]):
    c["vendors"][0][k] = json.loads(v)
json.dump(c, open(p, "w"), indent=1)
PY
}

stats() { # stats PORT EXPR
	curl -s "http://127.0.0.1:$1/_sim/stats" >"$tmp/stats.json"
	json_get "$tmp/stats.json" "$2"
}

# 1. rpm 1200 (20 a second): 40 requests; the simulator's busiest second holds at most 21, and
#    the whole baseline takes at least 39 / 20 s less 5%.
sim_start rpm --seed 3
write_config "$dir" "$port"
vendor_set rpm 1200 concurrency 16
start=$(date +%s%N)
expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$suite"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$(stats "$port" 'd["requests"]')" = 40 ] || fail "rpm: $(cat "$tmp/stats.json")"
max_rps=$(stats "$port" 'd["max_requests_per_second"]')
[ "$max_rps" -le 21 ] || fail "rpm 1200: the simulator saw $max_rps requests in one second"
[ "$elapsed_ms" -ge 1850 ] || fail "rpm 1200: 40 requests in $elapsed_ms ms"
echo "rpm 1200: 40 requests in $elapsed_ms ms, busiest second $max_rps"
sim_stop

# 2. A 429 storm without Retry-After (40% of requests): the run slows down and completes.
sim_start storm --seed 3 --fault 429-noretry --fault-rate 0.4
write_config "$dir" "$port"
vendor_set retries 12
expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$suite"
limited=$(stats "$port" 'd["faulted"]')
[ "$limited" -gt 10 ] || fail "storm: only $limited 429s: $(cat "$tmp/stats.json")"
[ "$(stats "$port" 'd["requests"] - d["faulted"]')" = 40 ] || fail "storm: $(cat "$tmp/stats.json")"
echo "429 storm: $limited rate-limited answers, all 40 answered"
sim_stop

# 3. Two vendors, one down: the live one completes, the dead one is unreachable, exit 3,
#    in seconds (5 connection failures open its circuit; 40 requests were planned for it).
sim_start live --seed 3
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$suite"
mkdir -p "$dir/baselines/dead"
cp -r "$dir/baselines/sim/"* "$dir/baselines/dead/"
python3 - "$dir/plumbline.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
dead = dict(c["vendors"][0], id="dead", base_url="http://127.0.0.1:1/v1")
c["vendors"].append(dead)
json.dump(c, open(p, "w"), indent=1)
PY
start=$(date +%s%N)
expect_exit 3 "$PLUMBLINE" run --config "$dir/plumbline.json" --date 2026-03-01 "$suite"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed_ms" -lt 10000 ] || fail "dead vendor: the run took $elapsed_ms ms"
[ "$(stats "$port" 'd["requests"]')" = 80 ] || fail "live vendor: $(cat "$tmp/stats.json")"
live=$(ls "$dir"/reports/2026-03-01/sim-limits.json)
dead=$(ls "$dir"/reports/2026-03-01/dead-limits.json)
[ "$(json_get "$live" 'd["verdict"]')" = pass ] || fail "live vendor: $(json_get "$live" 'd["summary"]')"
[ "$(json_get "$dead" 'd["verdict"]')" = incomplete ] || fail "dead vendor: $(json_get "$dead" 'd["summary"]')"
grep -rq "vendor unreachable (circuit open)" "$dir/state" || fail "no unreachable records in the journal"
echo "dead vendor: exit 3 in $elapsed_ms ms; live vendor: pass"
sim_stop
echo ok
