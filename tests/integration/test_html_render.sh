#!/usr/bin/env bash
# test_html_render.sh: `plumbline register report --html` renders in headless Chromium: builds a
# register with the real binary, writes the self-contained HTML, checks it loads nothing and
# runs nothing, and takes a screenshot (kept as $PL_BUILD_DIR/html-render.png for a look).
set -u
PLUMBLINE=${PLUMBLINE:?PLUMBLINE must point at the binary}
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
	echo "SKIP: chromium is not installed (apt-get install -y chromium); .ci/run installs it"
	exit 0
fi
T=$(mktemp -d)
trap 'rm -rf -- "$T"' EXIT
cd "$T"
set -e
"$PLUMBLINE" keygen --secret-key st/k.key --public-key st/k.pub >/dev/null
mkdir -p reports
day=0
for vm in "openai-prod gpt-4o" "anthropic claude-sonnet"; do
	set -- $vm
	for i in $(seq 1 12); do
		d=$(printf '2026-11-%02dT02:00:00Z' $((i + 10)))
		verdict=no_change
		[ "$1" = openai-prod ] && [ $i = 7 ] && verdict=changed
		[ "$1" = anthropic ] && [ $i = 10 ] && verdict=unstable
		f=reports/$1-core-$i.json
		printf '{"vendor":"%s","night":%d,"verdict":"%s"}\n' "$1" $i $verdict > "$f"
		"$PLUMBLINE" register add --secret-key st/k.key --register st/register.jsonl "$f" \
			--vendor "$1" --model "$2" --suite core --verdict $verdict --date "$d" \
			--epoch "$([ $i -ge 7 ] && [ "$1" = openai-prod ] && echo e2 || echo e1)" \
			--availability "0.9$((i % 10))" --latency-ms $((600 + (i * 37) % 200 + (i >= 7 ? 300 : 0))) >/dev/null
	done
done
"$PLUMBLINE" register report --register st/register.jsonl --public-key st/k.pub --reports . --html --out report.html --title "Vendor stability (test)"
"$PLUMBLINE" register report --register st/register.jsonl --public-key st/k.pub --reports . --html --out again.html --title "Vendor stability (test)"
set +e
fails=0
# same register, same day -> same bytes (the generation time is the only varying input)
cmp -s <(sed 's/as of [0-9TZ:-]*/as of X/' report.html) <(sed 's/as of [0-9TZ:-]*/as of X/' again.html) \
	|| { echo "FAIL: two renderings differ"; fails=$((fails + 1)); }
grep -qi '<script' report.html && { echo "FAIL: html contains a script"; fails=$((fails + 1)); }
grep -Eqi '(src=|href="https?:|url\()' report.html && { echo "FAIL: html references external assets"; fails=$((fails + 1)); }
[ "$(grep -c '<svg' report.html)" -ge 6 ] || { echo "FAIL: expected 3 charts per vendor/model"; fails=$((fails + 1)); }
PROFILE=$(mktemp -d)
timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--user-data-dir="$PROFILE" --window-size=1100,1600 --hide-scrollbars \
	--screenshot="$T/shot.png" "file://$T/report.html" >chrome.log 2>&1
rc=$?
rm -rf -- "$PROFILE"
if [ $rc != 0 ] || [ ! -s shot.png ]; then
	echo "FAIL: chromium could not render the report (rc=$rc)"; tail -20 chrome.log; fails=$((fails + 1))
else
	size=$(stat -c %s shot.png)
	[ "$size" -gt 20000 ] || { echo "FAIL: screenshot is suspiciously small ($size bytes)"; fails=$((fails + 1)); }
	[ -n "${PL_BUILD_DIR:-}" ] && cp shot.png "$PL_BUILD_DIR/html-render.png" && cp report.html "$PL_BUILD_DIR/html-render.html"
	echo "ok: chromium rendered the report: screenshot $size bytes${PL_BUILD_DIR:+ (kept as $PL_BUILD_DIR/html-render.png)}"
fi
exit $((fails > 0))
