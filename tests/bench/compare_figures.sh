#!/usr/bin/env bash
# compare_figures.sh: how often `plumbline compare` says "not safe" for the simulator against
# itself (independent draws: two seeds) or against a drifted simulator, over RUNS comparisons of
# the demo suite at SAMPLES answers per prompt and side, all on 127.0.0.1.
#   tests/bench/compare_figures.sh BUILD/plumbline RUNS SAMPLES [simulate drift options...]
# e.g. 100 10 (false "not safe" per 100 self-compares);
#      50 150 --drift refusal-text --drift-strength 0.1 (10% extra refusals on every prompt).
set -u
pl=$1 runs=$2 samples=$3
shift 3
src=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); s['defaults']['samples']=int(sys.argv[2]); json.dump(s, open(sys.argv[3], 'w'))" \
	"$src/suites/demo.json" "$samples" "$d/suite.json"
not_safe=0
for i in $(seq 1 "$runs"); do
	rm -f "$d/a.port" "$d/b.port"
	"$pl" simulate --port 0 --port-file "$d/a.port" --seed $((i * 2)) --night 1 >/dev/null 2>&1 &
	pa=$!
	"$pl" simulate --port 0 --port-file "$d/b.port" --seed $((i * 2 + 1)) --night 1 "$@" >/dev/null 2>&1 &
	pb=$!
	for _ in $(seq 200); do [ -s "$d/a.port" ] && [ -s "$d/b.port" ] && break; sleep 0.05; done
	cat >"$d/c.json" <<JSON
{"vendors": [
 {"id": "a", "probe": "openai", "base_url": "http://127.0.0.1:$(cat "$d/a.port")/v1", "model": "m", "api_key_env": "PL_TEST_KEY", "concurrency": 8},
 {"id": "b", "probe": "openai", "base_url": "http://127.0.0.1:$(cat "$d/b.port")/v1", "model": "m", "api_key_env": "PL_TEST_KEY", "concurrency": 8}],
 "paths": {"baselines": "$d/bl", "reports": "$d/rep", "state": "$d/st"}}
JSON
	PL_TEST_KEY=x "$pl" compare --config "$d/c.json" --vendor a --against b --date 2026-03-01 --min-power 0 "$d/suite.json" >"$d/out" 2>&1
	rc=$?
	[ "$rc" = 1 ] && not_safe=$((not_safe + 1))
	[ "$rc" -gt 1 ] && { echo "run $i: exit $rc" >&2; cat "$d/out" >&2; }
	kill "$pa" "$pb"
	wait "$pa" "$pb" 2>/dev/null
	rm -rf "$d/rep" "$d/st" "$d/bl"
done
echo "compare: $not_safe of $runs comparisons not safe ($samples samples per prompt and side${*:+, against: $*})"
