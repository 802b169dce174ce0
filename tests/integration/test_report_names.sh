#!/usr/bin/env bash
# test_report_names.sh: a night's report file is NIGHT/VENDOR-SUITE.json, so vendor "sim" with
# suite "x-demo" and vendor "sim-x" with suite "demo" would share sim-x-demo.json: the second
# pair's signed report overwrote the first's and register show called the first a --force
# re-run. check, baseline record and run refuse such ids (exit 2, naming both pairs), and a
# run that would write over another pair's report of the night (their runs named different
# suites) is refused too, --force included.
source "$(dirname "$0")/lib.sh"

dir="$tmp/names"
sim_start names --seed 5 --night 0
write_config "$dir" "$port"
cfg="$dir/plumbline.json"
# two vendors on the one simulator: sim and sim-x
python3 - "$cfg" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
w = dict(c["vendors"][0]); w["id"] = "sim-x"
c["vendors"].append(w)
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
python3 - "$PL_SOURCE_DIR/suites/demo.json" "$dir" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["id"] = "x-demo"
json.dump(s, open(sys.argv[2] + "/x-demo.json", "w"), indent=1)
s["id"] = "demo"
json.dump(s, open(sys.argv[2] + "/demo.json", "w"), indent=1)
PY
want='vendor "sim" with suite "x-demo" and vendor "sim-x" with suite "demo" would write the same report file (NIGHT/sim-x-demo.json): rename one of these ids'

expect_exit 2 "$PLUMBLINE" check --config "$cfg" "$dir/demo.json" "$dir/x-demo.json"
grep -qF "$want" "$tmp/last.err" || fail "check: $(cat "$tmp/last.err")"
expect_exit 2 "$PLUMBLINE" baseline record --config "$cfg" --vendor all "$dir/demo.json" "$dir/x-demo.json"
grep -qF "$want" "$tmp/last.err" || fail "baseline record: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor all "$dir/demo.json"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor all "$dir/x-demo.json"
expect_exit 2 "$PLUMBLINE" run --config "$cfg" --date 2026-07-01 "$dir/demo.json" "$dir/x-demo.json"
grep -qF "$want" "$tmp/last.err" || fail "run: $(cat "$tmp/last.err")"
[ ! -e "$dir/reports/2026-07-01" ] || fail "the refused run wrote reports"

# run apart, one suite a run: the second would write over the first's report
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-07-01 "$dir/x-demo.json"
sha=$(sha256sum "$dir/reports/2026-07-01/sim-x-demo.json")
for force in "" --force; do
	expect_exit 2 "$PLUMBLINE" run --config "$cfg" --date 2026-07-01 $force "$dir/demo.json"
	grep -qF 'vendor "sim-x" with suite "demo" and vendor "sim" with suite "x-demo" would write the same report file' \
		"$tmp/last.err" || fail "second run ${force:-plain}: $(cat "$tmp/last.err")"
	[ "$(sha256sum "$dir/reports/2026-07-01/sim-x-demo.json")" = "$sha" ] ||
		fail "the first pair's report was overwritten (${force:-plain})"
done
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
sim_stop
echo "ok: two vendor/suite pairs never share a report file"
