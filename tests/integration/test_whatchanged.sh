#!/usr/bin/env bash
# test_whatchanged.sh: a changed night answers "what changed?" everywhere from the one block in
# the report: the simulated vendor's answers get longer (--drift longer), the run exits 1, and
# the console, the Markdown, the night's HTML, the webhook and the Slack message all show the
# moved prompt, a typical baseline and tonight answer and the words ("2.xx longer"); checks
# are said one way. Then the stability report (`register report --html`): a plain-language
# summary per vendor with the change's words and its acceptance, the return to the earlier
# behaviour shown as a return, a glossary, labelled axes, links relative to where --out puts
# the page that open the night's HTML; printed to PDF (A4) and screenshot at A4 width in
# headless Chromium.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/wc"
# nights a few days back: the stability report looks at the last 30 and 90 days
n1=$(date -u -d "-3 days" +%F)
n2=$(date -u -d "-2 days" +%F)
cfg="$dir/plumbline.json"

# A loopback receiver for the webhook and the Slack message: answers 200, keeps each body.
receiver_start "$tmp/requests.jsonl"
export PL_IT_HOOK_KEY=hook-secret-CANARY
export PL_IT_SLACK_URL="http://127.0.0.1:$rport/services/T0/B0/SLACKSECRET"

# config with_alerts: the lib's config plus the two channels
config() { write_alert_config "$dir" "$port" '{"type": "slack", "url_env": "PL_IT_SLACK_URL"}'; }

sim_start rec --seed 5 --night 0
config
record_signed_baseline "$cfg" "$suite"
sim_stop

# Night 1: answers get longer. Exit 1, and every rendering shows what changed.
sim_start longer --seed 5 --night 1 --drift longer
config
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date "$n1" --markdown "$dir/night.md" "$suite"
sim_stop
report="$dir/reports/$n1/sim-demo.json"
html="$dir/reports/$n1/sim-demo.html"
cp "$tmp/last.out" "$tmp/night1.out"
[ "$(json_get "$report" 'd["verdict"]')" = changed ] || fail "longer: not a changed night"
# the block is data in the report, worst first, at most 5, built from both sides' samples
python3 - "$report" <<'PY' || fail "report what_changed: $(json_get "$report" 'd.get("what_changed")')"
import json, re, sys
d = json.load(open(sys.argv[1]))
wc = d["what_changed"]
assert 1 <= len(wc) <= 5, len(wc)
top = wc[0]
assert top["flagged"] and top["prompt"] in d["detection"]["distance"]["moved"], top
assert re.search(r"answers are [0-9]+\.[0-9]{2}x longer", top["words"]), top["words"]
assert top["baseline"]["answer"] and top["tonight"]["answer"], top
assert top["tonight"]["mean_chars"] > top["baseline"]["mean_chars"], top
assert "distance" in top and "p" in top, top
# flagged prompts come first, then by distance
keys = [(not e["flagged"], -e.get("distance", -1)) for e in wc]
assert keys == sorted(keys), keys
PY
# the prompts detection moved apart from those only near the alarm (QA: "what changed (5
# prompts)" with 2 moved, and items 4 and 5 read "moved: answers are 1.50x longer (p 0.2777)")
nflag=$(json_get "$report" 'sum(1 for e in d["what_changed"] if e["flagged"])')
nlist=$(json_get "$report" 'len(d["what_changed"])')
[ "$(json_get "$report" 'all(e["moved_prompts"] == '"$nflag"' + len(d.get("what_changed_unlisted", [])) for e in d["what_changed"])')" = True ] ||
	fail "moved_prompts: $(json_get "$report" '[e.get("moved_prompts") for e in d["what_changed"]]')"
[ "$nlist" -gt "$nflag" ] || fail "this night should list prompts near the alarm: $nflag of $nlist flagged"
grep -q "what changed ($nflag moved prompt" "$tmp/night1.out" || fail "console heading: $(grep "what changed" "$tmp/night1.out")"
[ "$(grep -c '^     moved: ' "$tmp/night1.out")" = "$nflag" ] || fail "console: 'moved:' for prompts that did not move"
[ "$(grep -c '^     not moved: ' "$tmp/night1.out")" = "$((nlist - nflag))" ] || fail "console: no 'not moved:'"
grep -q "^  nearest the alarm, not moved ($((nlist - nflag)) prompt" "$tmp/night1.out" || fail "console: near the alarm not apart"
grep -q "\*\*What changed\*\* ($nflag moved prompt" "$dir/night.md" || fail "markdown heading: $(grep "What changed" "$dir/night.md")"
[ "$(grep -c '\*\*moved:\*\*' "$dir/night.md")" = "$nflag" ] || fail "markdown: 'moved:' for prompts that did not move"
grep -q "\*\*Nearest the alarm, not moved\*\*" "$dir/night.md" || fail "markdown: near the alarm not apart"
[ "$(grep -o '<b>moved:</b>' "$html" | wc -l)" = "$nflag" ] || fail "html: 'moved:' for prompts that did not move"
grep -q "<h3>Nearest the alarm, not moved</h3>" "$html" || fail "html: near the alarm not apart"
top=$(json_get "$report" 'd["what_changed"][0]["prompt"]')
# console
grep -q "what changed" "$tmp/night1.out" || fail "console: no what-changed block: $(cat "$tmp/night1.out")"
grep -q "$top" "$tmp/night1.out" || fail "console: no prompt $top"
grep -Eq "moved: answers are [0-9]+\.[0-9]{2}x longer" "$tmp/night1.out" || fail "console: no words"
# the examples show what moved: answers of each side's mean length, with their lengths and,
# when longer than the quote, their ends (QA: cut at the same point, they looked identical)
[ "$(json_get "$report" 'd["what_changed"][0]["example_signal"]')" = length ] || fail "top example: not the length's"
bchars=$(json_get "$report" 'd["what_changed"][0]["baseline"]["answer_chars"]')
tchars=$(json_get "$report" 'd["what_changed"][0]["tonight"]["answer_chars"]')
[ "$tchars" -gt "$bchars" ] || fail "length examples: $bchars -> $tchars characters"
grep -qF "baseline: ($bchars characters) \"" "$tmp/night1.out" || fail "console: no baseline answer"
grep -qF "tonight:  ($tchars characters) \"" "$tmp/night1.out" || fail "console: no tonight answer"
python3 - "$tmp/night1.out" <<'PY' || fail "console: the examples of a length move read the same"
import re, sys
out = open(sys.argv[1]).read()
pairs = re.findall(r'baseline: \(\d+ characters\) "(.*)"\n +tonight: +\(\d+ characters\) "(.*)"\n', out)
assert pairs, out
for b, t in pairs:
    assert b != t, (b, t)
PY
# one counting: the summary line says checks one way
grep -Eq "[0-9]+ of [0-9]+ checks? failed on [0-9]+ prompts?" "$tmp/night1.out" ||
	fail "console: checks not counted as 'N of M checks failed on K prompts'"
# Markdown
grep -q "What changed" "$dir/night.md" || fail "markdown: no block"
grep -q "\`$top\`" "$dir/night.md" || fail "markdown: no prompt"
grep -q "baseline:\*\* ($bchars characters) “" "$dir/night.md" || fail "markdown: no baseline answer"
grep -q "tonight:\*\* ($tchars characters) “" "$dir/night.md" || fail "markdown: no tonight answer"
grep -Eq "answers are [0-9]+\.[0-9]{2}x longer" "$dir/night.md" || fail "markdown: no words"
# the night's HTML beside the report
[ -s "$html" ] || fail "no HTML rendering beside the report"
grep -q "<h2>What changed</h2>" "$html" || fail "html: no block"
grep -q "<code>$top</code>" "$html" || fail "html: no prompt"
grep -q "<th>baseline</th><th>tonight</th>" "$html" || fail "html: no answers"
grep -q "<span class=\"example\">$tchars characters</span>" "$html" || fail "html: the example's length"
grep -Eq "answers are [0-9]+\.[0-9]{2}x longer" "$html" || fail "html: no words"
grep -qi '<script' "$html" && fail "html: a script"
# the alerts: the webhook carries the block as data, Slack as text
python3 - "$tmp/requests.jsonl" "$top" <<'PY' || fail "alerts do not carry what changed: $(cat "$tmp/requests.jsonl")"
import json, re, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
hook = [json.loads(r["body"]) for r in reqs if r["path"] == "/hook"]
slack = [json.loads(r["body"]) for r in reqs if r["path"].startswith("/services/")]
assert len(hook) == 1 and len(slack) == 1, (len(hook), len(slack))
wc = hook[0]["what_changed"]
assert wc[0]["prompt"] == sys.argv[2] and wc[0]["baseline"]["answer"] and wc[0]["tonight"]["answer"]
assert re.search(r"[0-9]+\.[0-9]{2}x longer", wc[0]["words"])
text = "\n".join(b.get("text", {}).get("text", "") for b in slack[0]["blocks"] if b["type"] == "section")
assert "What changed" in text and sys.argv[2] in text, text
assert re.search(r"[0-9]+\.[0-9]{2}x longer", text), text
assert "*baseline:*" in text and "*tonight:*" in text, text
PY

# Night 2: the vendor is back to its old answers (a return, not a new change). Then the
# changed night is accepted with a reason.
sim_start normal --seed 5 --night 2
config
"$PLUMBLINE" run --config "$cfg" --date "$n2" "$suite" >"$tmp/night2.out" 2>&1 || true
sim_stop
# the baseline needs more samples than a night has: the rest come from the (drifted) vendor
sim_start topup --seed 5 --night 1 --drift longer
config
expect_exit 0 "$PLUMBLINE" baseline accept --config "$cfg" --report "$report" \
	--reason "expected from the release notes" --by "the platform lead" --top-up
sim_stop

# The stability report, written two folders down: its links must still open the nights' HTML.
mkdir -p "$dir/out/sub"
(cd "$dir" && "$PLUMBLINE" register report --config "$cfg" --html --out out/sub/stability.html \
	--title "Stability (test)") >"$tmp/last.out" 2>&1 || fail "register report: $(cat "$tmp/last.out")"
page="$dir/out/sub/stability.html"
grep -q '<h2>Summary</h2>' "$page" || fail "stability: no summary"
lead=$(grep -o '<p class="lead summary">.*</p>' "$page")
# night 1 was suspected and night 2 retracted it: no change, whatever the baseline decision
[ "$(json_get "$dir/reports/$n2/sim-demo.json" 'd["detection"]["stage"]')" = retracted ] ||
	fail "night 2 did not retract night 1: $(cat "$tmp/night2.out")"
# stable over the nights observed (night 1 and night 2), never counted to today
# (night 1, suspected and retracted, was observed but is not a stable night: the retracted
# suspicion is listed below with its words)
grep -Fq "stable over 1 observed night since $n1, last observed $n2;" "$page" || fail "stability: not over the nights observed: $lead"
"$PLUMBLINE" register show --config "$cfg" >"$tmp/show.out" 2>&1 || fail "register show: $(cat "$tmp/show.out")"
grep -Fq "stable over 1 observed night since $n1, last observed $n2; 1 night suspected and retracted the next night, not counted ($n1)" "$tmp/show.out" ||
	fail "register show: the retracted night not listed: $(cat "$tmp/show.out")"
# (the simulated vendor's longer JSON answers carry a "description" key too)
grep -Fq "0 behaviour changes in 90 days; 1 suspected change retracted, not counted ($n1: answers got longer, JSON answers with keys unlike the baseline&#39;s 0% -&gt; 100%, retracted $n2; accepted by the platform lead: ‘expected from the release notes’)" "$page" ||
	fail "stability: the retracted suspicion, its words and its acceptance: $lead"
# a retraction is no return to an earlier behaviour: the behaviour never moved
grep -q "returned to an earlier behaviour" "$page" && fail "stability: the retraction shown as a return: $lead"
# an edited report's words are not the signed report's: never shown as what changed, and
# its run is marked (exit 1); the original is put back after
cp "$report" "$tmp/n1.keep"
python3 - "$report" <<'PY' || fail "could not edit the report's words"
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
for e in d["what_changed"]:
    for m in e.get("moved", []):
        if m.get("signal") == "length":
            m["signal"], m["words"] = "model", "FORGED WORDS"
            n += 1
assert n, "no length signal"
json.dump(d, open(sys.argv[1], "w"))
PY
(cd "$dir" && "$PLUMBLINE" register report --config "$cfg" --html --out out/sub/edited.html) >"$tmp/last.out" 2>&1 &&
	fail "register report over an edited report exited 0"
grep -q "FORGED" "$dir/out/sub/edited.html" && fail "stability: an edited report's words shown as what changed"
grep -q 'report altered: sha256 differs</b>' "$dir/out/sub/edited.html" || fail "stability: the edited report's run not marked"
cp "$tmp/n1.keep" "$report"
grep -q '<h2>Glossary</h2>' "$page" || fail "stability: no glossary"
grep -q 'night (UTC)</text>' "$page" || fail "stability: x axis not labelled"
grep -q 'availability (%)</text>' "$page" && grep -q 'latency (ms)</text>' "$page" ||
	fail "stability: y axes not labelled"
grep -q '@media print' "$page" || fail "stability: no print styles"
# every report link is relative to the page and opens an existing HTML rendering
python3 - "$page" <<'PY' || fail "stability: links"
import os, re, sys
page = sys.argv[1]
links = re.findall(r'href="([^"#][^"]*)">report</a>', open(page).read())
assert links, "no report links"
for l in links:
    assert not l.startswith("/") and l.endswith(".html"), l
    assert os.path.isfile(os.path.join(os.path.dirname(page), l)), l
PY

# Print: Chromium prints the page on A4 and draws it at A4 width.
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
	echo "SKIP print check: chromium is not installed"
	exit 0
fi
NET=""
unshare -n true 2>/dev/null && NET="unshare -n"
PROFILE=$(mktemp -d)
rc=0
timeout 120 $NET "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--user-data-dir="$PROFILE" --no-pdf-header-footer --print-to-pdf="$tmp/stability.pdf" \
	"file://$page" >"$tmp/chrome.log" 2>&1 || rc=$?
[ $rc = 0 ] && [ -s "$tmp/stability.pdf" ] || fail "chromium could not print (rc=$rc): $(tail -5 "$tmp/chrome.log")"
# 794 px is A4's width at 96 dpi
timeout 120 $NET "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--user-data-dir="$PROFILE" --window-size=794,1123 --hide-scrollbars \
	--screenshot="$tmp/a4.png" "file://$page" >>"$tmp/chrome.log" 2>&1 || rc=$?
rm -rf -- "$PROFILE"
[ $rc = 0 ] && [ -s "$tmp/a4.png" ] || fail "chromium could not take the screenshot (rc=$rc)"
python3 - "$tmp/stability.pdf" "$tmp/a4.png" <<'PY' || fail "print check"
import re, struct, sys, zlib
pdf = open(sys.argv[1], "rb").read()
assert pdf.startswith(b"%PDF"), "not a PDF"
pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
# A4 is 595 x 842 points
boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]", pdf)
assert pages >= 2, "pages: %d (summary, then a page per vendor)" % pages
assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes), boxes
png = open(sys.argv[2], "rb").read()
w, h = struct.unpack(">II", png[16:24])
assert w == 794, "screenshot width %d" % w
# non-blank: the decoded rows hold more than one colour
idat = b"".join(png[i + 8:i + 8 + struct.unpack(">I", png[i:i + 4])[0]]
                for i in [m.start() - 4 for m in re.finditer(b"IDAT", png)])
raw = zlib.decompress(idat)
assert len(set(raw[: len(raw) // 3])) > 8, "blank screenshot"
print("ok: %d A4 pages; screenshot %dx%d" % (pages, w, h))
PY
[ -n "${PL_BUILD_DIR:-}" ] && cp "$tmp/stability.pdf" "$PL_BUILD_DIR/stability-print.pdf" &&
	cp "$tmp/a4.png" "$PL_BUILD_DIR/stability-a4.png"
echo "ok: what changed in console, Markdown, HTML, webhook and Slack; stability report prints"
