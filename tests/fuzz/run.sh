#!/usr/bin/env bash
# tests/fuzz/run.sh: builds every libFuzzer target (clang, ASan+UBSan, -DPL_FUZZ=ON) and runs
# each for a set time, one after the other; prints executions, coverage and findings per target.
#   tests/fuzz/run.sh SECONDS [TARGET...]     (default: every tests/fuzz/fuzz_*.c)
# Env: PL_FUZZ_BUILD (build dir, default build-fuzz), JOBS (make jobs, default 2), FUZZ_SEED
# (libFuzzer -seed, default 1), FUZZ_PARALLEL (targets run at once, default 1).
# Each target starts from its seeds (tests/fuzz/corpus/TARGET, never written to) and the corpus
# it grew in earlier runs (BUILD/fuzz-corpus/TARGET). A crash is saved as
# BUILD/fuzz-artifacts/TARGET-crash-*; the script then exits 1 and prints how to replay it.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
secs=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
build=${PL_FUZZ_BUILD:-build-fuzz}
jobs=${JOBS:-2}
seed=${FUZZ_SEED:-1}
parallel=${FUZZ_PARALLEL:-1}

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for f in tests/fuzz/fuzz_*.c; do
		t=$(basename "$f" .c)
		targets+=("$t")
	done
fi

cc=${CC:-clang}
command -v "$cc" >/dev/null || { echo "fuzz: $cc not found (apt-get install clang)" >&2; exit 2; }
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DPL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]}" >/dev/null

mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts" "$build/fuzz-logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() { # run_one TARGET: fuzzes it for $secs; its log in $build/fuzz-logs/TARGET.log
	local t=$1 seeds="tests/fuzz/corpus/$1" work="$build/fuzz-corpus/$1" rc=0
	mkdir -p "$work"
	rm -f "$build/fuzz-artifacts/$t-"* # findings of an earlier run: copy them before re-running
	[ -d "$seeds" ] || seeds=""
	"$build/tests/$t" -max_total_time="$secs" -seed="$seed" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t-" \
		"$work" $seeds >"$build/fuzz-logs/$t.log" 2>&1 || rc=$?
	echo "$rc" >"$build/fuzz-logs/$t.rc"
}

start=$(date +%s)
running=0
for t in "${targets[@]}"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$parallel" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait || true

status=0
printf '%-26s %8s %12s %9s %8s %7s  %s\n' target seconds executions exec/s cov corpus result
for t in "${targets[@]}"; do
	log="$build/fuzz-logs/$t.log"
	rc=$(cat "$build/fuzz-logs/$t.rc")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ncorp=$(find "$build/fuzz-corpus/$t" -type f | wc -l)
	if [ "$rc" = 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc)"
		status=1
	fi
	printf '%-26s %8s %12s %9s %8s %7s  %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" \
		"${cov:-?}" "$ncorp" "$result"
	if [ "$rc" != 0 ]; then
		grep -m3 -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | sed 's/^/    /'
		for a in "$build/fuzz-artifacts/$t-"*; do
			[ -e "$a" ] && echo "    replay: $build/tests/$t $a"
		done
	fi
done
echo "total: ${#targets[@]} targets, $(($(date +%s) - start)) s wall clock"
exit "$status"
