#!/usr/bin/env bash
# test_lock_concurrent.sh: two runs on the same vendor/suite at once: the second one either
# waits (--lock-wait N) and then runs, or exits 3 naming the holder's pid; a lock left by a
# SIGKILLed run is taken over by the next run. With reports signed (the nightly setup) the
# same holds, and a run on another vendor shares the register without waiting for the night.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if ! "$PLUMBLINE" run --help | grep -q -- '--lock-wait'; then
	echo "SKIP: 'plumbline run' does not take the vendor/suite lock yet (no --lock-wait option);"
	echo "      see harness/lock.h for the call it needs"
	exit 0
fi

sim_start sim --latency 60
write_config "$tmp/c" "$port"
suite="$PL_SOURCE_DIR/suites/demo.json"
cfg="$tmp/c/plumbline.json"
lock="$tmp/c/state/locks/sim.demo.lock"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim "$suite"
sed -i 's/"concurrency": 8/"concurrency": 1/' "$cfg" # ~3 s per run

wait_for_lock() {
	for _ in $(seq 200); do
		[ -s "$lock" ] && return 0
		sleep 0.05
	done
	fail "the first run did not take the lock"
}

# 1. The second run does not wait: exit 3, naming the holder.
"$PLUMBLINE" run --config "$cfg" --date 2026-01-01 "$suite" >"$tmp/a.out" 2>"$tmp/a.err" &
a=$!
wait_for_lock
grep -q "^pid $a\$" "$lock" || fail "lock does not name pid $a: $(cat "$lock")"
expect_exit 3 "$PLUMBLINE" run --config "$cfg" --date 2026-01-01 --lock-wait 0 "$suite"
grep -q "holds the lock (pid $a, started " "$tmp/last.err" || fail "message: $(cat "$tmp/last.err")"

# 2. A third run waits for the first and then runs.
"$PLUMBLINE" run --config "$cfg" --date 2026-01-02 --lock-wait 60 "$suite" >"$tmp/c.out" 2>"$tmp/c.err" &
c=$!
rc=0
wait "$a" || rc=$?
[ "$rc" = 0 ] || fail "first run exited $rc: $(cat "$tmp/a.err")"
rc=0
wait "$c" || rc=$?
[ "$rc" = 0 ] || fail "waiting run exited $rc: $(cat "$tmp/c.err")"
[ ! -e "$lock" ] || fail "lock left behind after clean runs"

# 3. A SIGKILLed run leaves a stale lock; the next run takes it over.
"$PLUMBLINE" run --config "$cfg" --date 2026-01-03 "$suite" >/dev/null 2>&1 &
d=$!
wait_for_lock
kill -KILL "$d"
wait "$d" 2>/dev/null || true
[ -e "$lock" ] || fail "no stale lock after SIGKILL"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-01-03 --resume --lock-wait 0 "$suite"
[ ! -e "$lock" ] || fail "lock left behind after the takeover run"

# 4. Signed reports: the register is shared by every run but locked only while one verifies
# or appends. Before, a run held it from start to end: a second run on the same pair waited
# the whole night whatever its --lock-wait (then exited 2), and one on another vendor too.
sim_start fast
sed -i 's#^  \],#    ,{"id": "fast", "probe": "openai", "base_url": "http://127.0.0.1:'"$port"'/v1", "model": "sim-gpt-1", "api_key_env": "PL_TEST_KEY"}\n  ],#' "$cfg"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor fast "$suite"
"$PLUMBLINE" run --config "$cfg" --vendor sim --date 2026-01-04 "$suite" >"$tmp/a.out" 2>"$tmp/a.err" &
a=$!
wait_for_lock
t0=$(date +%s)
expect_exit 3 "$PLUMBLINE" run --config "$cfg" --vendor sim --date 2026-01-04 --lock-wait 0 "$suite"
grep -q "holds the lock (pid $a, started " "$tmp/last.err" || fail "signed: message: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --vendor fast --date 2026-01-04 --lock-wait 0 "$suite"
kill -0 "$a" 2>/dev/null || fail "the slow run ended before the others were tested ($(($(date +%s) - t0)) s)"
rc=0
wait "$a" || rc=$?
[ "$rc" = 0 ] || fail "slow signed run exited $rc: $(cat "$tmp/a.err")"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
grep -q "^ok: .*: 2 entries (2 runs" "$tmp/last.out" || fail "register: $(cat "$tmp/last.out")"
echo ok
