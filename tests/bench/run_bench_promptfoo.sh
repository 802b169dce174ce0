#!/usr/bin/env bash
# run_bench_promptfoo.sh: plumbline against promptfoo on the same simulated vendor (issue 7).
# Both send a 1,000-prompt suite (a regex and a Levenshtein check per prompt) at concurrency 16
# to `plumbline simulate --latency 50` on 127.0.0.1, inside a network namespace with only
# loopback up (promptfoo tries to send telemetry even when told not to). Prints a table.
#
#   tests/bench/run_bench_promptfoo.sh [PLUMBLINE]      (default: build/plumbline)
#
# Environment: N (prompts, default 1000), CONC (16), LATENCY (ms, 50), RUNS (plumbline runs,
# best of; default 3), PROMPTFOO_DIR (an npm prefix that already holds promptfoo@0.121.20;
# default: installed by npm into a scratch folder, which needs the npm registry),
# SKIP_PROMPTFOO=1 (plumbline only). Needs root (or user namespaces) for `unshare -n`,
# GNU time (/usr/bin/time), node 20 and npm for promptfoo.
set -euo pipefail

PF_VERSION=0.121.20
N=${N:-1000}
CONC=${CONC:-16}
LATENCY=${LATENCY:-50}
RUNS=${RUNS:-3}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

die() {
	echo "run_bench_promptfoo: $*" >&2
	exit 2
}

# ---- inside the namespace -------------------------------------------------------------------
if [ "${1:-}" = "--inner" ]; then
	scratch=$2
	PL=$3
	ip link set lo up
	sim_pid=
	trap '[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT
	"$PL" simulate --latency "$LATENCY" --port-file "$scratch/port" --rate-limit-rpm 1000000 \
		>"$scratch/sim.log" 2>&1 &
	sim_pid=$!
	for _ in $(seq 100); do
		[ -s "$scratch/port" ] && break
		sleep 0.05
	done
	[ -s "$scratch/port" ] || die "the simulator did not start (see $scratch/sim.log)"
	port=$(cat "$scratch/port")
	sed "s/@PORT@/$port/" "$scratch/plumbline.json.in" >"$scratch/plumbline.json"
	sed "s/@PORT@/$port/" "$scratch/promptfooconfig.yaml.in" >"$scratch/promptfooconfig.yaml"
	export PL_BENCH_KEY=bench-key-not-a-secret PLUMBLINE_NO_PROGRESS=1

	# The baseline the nightly run compares with (not timed).
	"$PL" baseline record --config "$scratch/plumbline.json" --vendor sim "$scratch/suite.json" \
		>"$scratch/baseline.log" 2>&1 || die "baseline record failed (see $scratch/baseline.log)"

	# plumbline: the nightly run, best of RUNS (the machine is shared).
	best=
	for i in $(seq "$RUNS"); do
		rm -rf "$scratch/pl/reports" "$scratch/pl/state/journal"
		set +e
		/usr/bin/time -f '%e %U %S %M' -o "$scratch/time.pl.$i" "$PL" run -q \
			--config "$scratch/plumbline.json" --date 2026-01-0"$i" "$scratch/suite.json" \
			>"$scratch/run.$i.log" 2>&1
		rc=$?
		set -e
		[ "$rc" -le 1 ] || die "plumbline run exited $rc (see $scratch/run.$i.log)"
		if [ -z "$best" ] || awk -v a="$(tail -1 "$scratch/time.pl.$i" | cut -d' ' -f1)" \
			-v b="$(tail -1 "$best" | cut -d' ' -f1)" 'BEGIN { exit !(a < b) }'; then
			best=$scratch/time.pl.$i
		fi
	done
	tail -1 "$best" >"$scratch/time.plumbline"

	# Start-up: plumbline --version, mean of 50.
	t0=$(date +%s%N)
	for _ in $(seq 50); do "$PL" --version >/dev/null; done
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 50000)) >"$scratch/startup.plumbline.us"

	if [ -z "${SKIP_PROMPTFOO:-}" ]; then
		export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1
		export PROMPTFOO_CONFIG_DIR=$scratch/promptfoo-config OPENAI_API_KEY=bench-key-not-a-secret
		pf=$PROMPTFOO_DIR/node_modules/.bin/promptfoo
		t0=$(date +%s%N)
		"$pf" --version >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >"$scratch/startup.promptfoo.us"
		set +e
		(cd "$scratch" && /usr/bin/time -f '%e %U %S %M' -o "$scratch/time.promptfoo" \
			"$pf" eval -c "$scratch/promptfooconfig.yaml" --no-cache --no-progress-bar \
			-j "$CONC" -o "$scratch/promptfoo-out.json" >"$scratch/promptfoo.log" 2>&1)
		set -e
		[ -s "$scratch/time.promptfoo" ] || die "promptfoo did not run (see $scratch/promptfoo.log)"
	fi
	exit 0
fi

# ---- outside: prepare, install, run the inner part in a namespace, print -------------------
PL=${1:-$src/build/plumbline}
[ -x "$PL" ] || die "no plumbline binary at $PL (build it, or pass its path)"
PL=$(cd "$(dirname "$PL")" && pwd)/$(basename "$PL")
[ -x /usr/bin/time ] || die "GNU time is needed: apt-get install time"
command -v unshare >/dev/null || die "unshare (util-linux) is needed"
scratch=$(mktemp -d /tmp/pl-bench-pf.XXXXXX)
echo "scratch folder: $scratch" >&2

if [ -z "${SKIP_PROMPTFOO:-}" ] && [ -z "${PROMPTFOO_DIR:-}" ]; then
	command -v npm >/dev/null || die "npm is needed for promptfoo (or set SKIP_PROMPTFOO=1)"
	PROMPTFOO_DIR=$scratch/promptfoo
	mkdir -p "$PROMPTFOO_DIR"
	# get-uri 8.0.2 (pulled in by a proxy agent) is missing from some registry mirrors.
	printf '{"name":"pl-bench","private":true,"overrides":{"get-uri":"8.0.1"}}\n' \
		>"$PROMPTFOO_DIR/package.json"
	echo "installing promptfoo@$PF_VERSION into $PROMPTFOO_DIR ..." >&2
	(cd "$PROMPTFOO_DIR" && npm install --no-audit --no-fund --loglevel=error \
		"promptfoo@$PF_VERSION" >"$scratch/npm.log" 2>&1) ||
		die "npm install failed (see $scratch/npm.log)"
fi
export PROMPTFOO_DIR=${PROMPTFOO_DIR:-}

# The same suite for both: prompt i, a regex check and a Levenshtein check.
{
	printf '{\n  "id": "bench",\n  "defaults": { "temperature": 0.7, "max_tokens": 60, '
	printf '"samples": 1, "baseline_samples": 2 },\n  "prompts": [\n'
	for i in $(seq "$N"); do
		sep=,
		[ "$i" = "$N" ] && sep=
		printf '    { "id": "p%d", "prompt": "Question %d: in one sentence, why do backups matter?",' "$i" "$i"
		printf ' "checks": [ { "type": "regex", "pattern": "\\\\w+" },'
		printf ' { "type": "similarity", "metric": "levenshtein", "threshold": 0.1 } ] }%s\n' "$sep"
	done
	printf '  ]\n}\n'
} >"$scratch/suite.json"

cat >"$scratch/plumbline.json.in" <<EOF
{
  "vendors": [
    { "id": "sim", "probe": "openai", "base_url": "http://127.0.0.1:@PORT@/v1",
      "model": "sim-gpt-1", "api_key_env": "PL_BENCH_KEY", "concurrency": $CONC, "retries": 2 }
  ],
  "paths": { "baselines": "$scratch/pl/baselines", "reports": "$scratch/pl/reports",
             "state": "$scratch/pl/state" }
}
EOF

{
	printf 'description: plumbline benchmark\nprompts:\n  - "{{q}}"\nproviders:\n'
	printf '  - id: openai:chat:sim-gpt-1\n    config:\n'
	printf '      apiBaseUrl: http://127.0.0.1:@PORT@/v1\n      apiKey: bench-key-not-a-secret\n'
	printf '      temperature: 0.7\n      max_tokens: 60\ntests:\n'
	for i in $(seq "$N"); do
		printf '  - vars:\n      q: "Question %d: in one sentence, why do backups matter?"\n' "$i"
		printf '    assert:\n      - type: regex\n        value: "\\\\w+"\n'
		printf '      - type: levenshtein\n        value: "Backups matter because data loss is costly."\n'
		printf '        threshold: 1000\n'
	done
} >"$scratch/promptfooconfig.yaml.in"

unshare -n bash "$0" --inner "$scratch" "$PL"

ideal=$(awk -v n="$N" -v c="$CONC" -v l="$LATENCY" 'BEGIN { printf "%.2f", n / c * l / 1000 }')
row() { # name timefile startupfile
	read -r wall user sys rss <"$2"
	awk -v name="$1" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v i="$ideal" \
		-v st="$(cat "$3")" 'BEGIN {
		printf "| %s | %.2f | %.2f | %.1f | %.2f | %.2f | %.1f |\n",
			name, w, u + s, r / 1024, i, w / i, st / 1000 }'
}
echo
echo "$N prompts (regex + levenshtein check each), concurrency $CONC, simulator latency $LATENCY ms"
echo
echo "| tool | wall s | CPU s (user+sys) | peak RSS MiB | ideal wall s | wall / ideal | --version ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
row "plumbline $("$PL" --version 2>/dev/null | head -1 | awk '{print $NF}')" \
	"$scratch/time.plumbline" "$scratch/startup.plumbline.us"
if [ -s "$scratch/time.promptfoo" ]; then
	row "promptfoo $PF_VERSION" "$scratch/time.promptfoo" "$scratch/startup.promptfoo.us"
	read -r pw pu ps pr <"$scratch/time.plumbline"
	read -r fw fu fs fr <"$scratch/time.promptfoo"
	awk -v pw="$pw" -v pc="$(awk -v a="$pu" -v b="$ps" 'BEGIN{print a+b}')" -v pr="$pr" \
		-v fw="$fw" -v fc="$(awk -v a="$fu" -v b="$fs" 'BEGIN{print a+b}')" -v fr="$fr" \
		'BEGIN { printf "\npromptfoo / plumbline: wall %.1fx, CPU %.1fx, peak RSS %.1fx\n",
			fw / pw, fc / (pc > 0 ? pc : 0.001), fr / pr }'
	grep -E "Successes|Failures|Pass Rate|passed|failed" "$scratch/promptfoo.log" | tail -3 || true
fi
echo
echo "logs and inputs: $scratch"
