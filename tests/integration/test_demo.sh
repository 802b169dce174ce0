#!/usr/bin/env bash
# test_demo.sh: the README's first command, `plumbline demo`, end to end: a baseline, a normal
# night (exit 0), a drifted night (exit 1), a verified signature, the register; it ends with
# exit 1 (a change was detected), as documented. Run again into the same --dir it refuses up
# front (exit 2) instead of failing halfway on the key it made the first time.
source "$(dirname "$0")/lib.sh"

d="$tmp/demo"
rc=0
"$PLUMBLINE" demo --dir "$d" --suite "$PL_SOURCE_DIR/suites/demo.json" >"$tmp/demo.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "demo: exit $rc: $(tail -20 "$tmp/demo.out")"
for want in "exit code: 0" "exit code: 1" "ok: $d/reports/" "changes and decisions:"; do
	grep -qF "$want" "$tmp/demo.out" || fail "demo: no '$want': $(cat "$tmp/demo.out")"
done
expect_exit 0 "$PLUMBLINE" register verify --config "$d/plumbline.json"
expect_exit 0 "$PLUMBLINE" register report --html --config "$d/plumbline.json" --out "$d/stability.html"
sum=$(cd "$d" && find . -type f | sort | xargs md5sum)
expect_exit 2 "$PLUMBLINE" demo --dir "$d" --suite "$PL_SOURCE_DIR/suites/demo.json"
grep -qF "$d is not empty (a demo ran there before?): give a new or empty --dir" "$tmp/last.err" ||
	fail "demo again: $(cat "$tmp/last.err")"
[ "$sum" = "$(cd "$d" && find . -type f | sort | xargs md5sum)" ] || fail "demo again: files changed"
echo "demo: ok"
