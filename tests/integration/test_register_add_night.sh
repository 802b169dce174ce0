#!/usr/bin/env bash
# test_register_add_night.sh: `register add` without --night signs the night a plumbline report
# is of (its run.date), not today's: QA added reports/2026-11-02/x.json and the register said
# night 2026-12-05. A --night that disagrees with the report is refused (exit 2); a file that
# is no plumbline report keeps the default (--date's day).
source "$(dirname "$0")/lib.sh"

dir="$tmp/add"
write_config "$dir" 9
cfg="$dir/plumbline.json"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
mkdir -p "$dir/reports/2026-11-02"
rep="$dir/reports/2026-11-02/sim-demo.json"
printf '{"run": {"date": "2026-11-02", "id": "x", "mode": "nightly"}, "verdict": "pass"}\n' >"$rep"
add() { "$PLUMBLINE" register add --config "$cfg" --vendor sim --model m --suite demo --verdict pass "$@"; }
last_night() { tail -n 1 "$dir/state/register.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("night"))'; }

expect_exit 2 add "$rep" --night 2026-11-03
grep -qF -- "--night 2026-11-03: the report is of night 2026-11-02 (its run.date)" "$tmp/last.err" ||
	fail "disagreeing --night: $(cat "$tmp/last.err")"
expect_exit 0 add "$rep"
[ "$(last_night)" = 2026-11-02 ] || fail "the entry's night is $(last_night), want the report's 2026-11-02"

other="$dir/reports/2026-11-02/notes.txt"
echo "a hand-written note" >"$other"
expect_exit 0 add "$other" --date 2026-11-20T08:00:00Z
[ "$(last_night)" = 2026-11-20 ] || fail "a non-report file: night $(last_night), want --date's day"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
echo "ok: register add takes a report's night"
