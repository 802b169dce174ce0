#!/usr/bin/env bash
# test_run_failing_checks.sh: when checks fail, `plumbline run` names them under its summary
# (check id, prompt id, pass rate), the first few, then "+N more"; --quiet prints no list. The
# list comes from the reports as the Markdown report's table does (render_failed_checks).
# Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$tmp/failing.json"
# demo's prompts, each with a regex that never matches, the first with two: 6 failing checks
python3 - "$PL_SOURCE_DIR/suites/demo.json" "$suite" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for i, p in enumerate(d["prompts"]):
    p["checks"].append({"type": "regex", "id": "never-%d" % i, "pattern": "ZZQQ-never"})
d["prompts"][0]["checks"].append({"type": "regex", "id": "also-never", "pattern": "QQZZ",
                                  "min_pass_rate": 0.5})
json.dump(d, open(sys.argv[2], "w"))
PY
dir="$tmp/fc"
sim_start rec --seed 5 --night 0
write_config "$dir" "$port"
cfg="$dir/plumbline.json"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim --date 2026-02-01 "$suite"
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date 2026-02-02 --markdown "$tmp/r.md" "$suite"
sed -n '/^0 changed, 1 with failed checks/,$p' "$tmp/last.out" >"$tmp/list"
cat >"$tmp/want" <<'TXT'
0 changed, 1 with failed checks, 0 incomplete, 0 unchanged
failing checks:
  sim/demo: check never-0 on prompt capital-fr: pass rate 0% (0 of 10 samples), needs 100%
  sim/demo: check also-never on prompt capital-fr: pass rate 0% (0 of 10 samples), needs 50%
  sim/demo: check never-1 on prompt product-json: pass rate 0% (0 of 10 samples), needs 100%
  sim/demo: check never-2 on prompt backup-summary: pass rate 0% (0 of 10 samples), needs 100%
  sim/demo: check never-3 on prompt support-ticket: pass rate 0% (0 of 10 samples), needs 100%
  +1 more (see the reports)
TXT
diff "$tmp/want" "$tmp/list" || fail "run's failing checks: $(cat "$tmp/last.out")"
# the same checks the Markdown report lists, in its order
[ "$(grep -c '❌ fail' "$tmp/r.md")" = 6 ] || fail "markdown: $(cat "$tmp/r.md")"
# --quiet: the summary (a failure is never silent) but no list
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date 2026-02-03 --quiet "$suite"
grep -q "^0 changed, 1 with failed checks" "$tmp/last.out" || fail "quiet summary: $(cat "$tmp/last.out")"
! grep -q "failing checks:\|+1 more" "$tmp/last.out" || fail "--quiet listed checks: $(cat "$tmp/last.out")"
sim_stop
echo "ok: test_run_failing_checks"
