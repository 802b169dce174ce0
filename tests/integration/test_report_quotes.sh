#!/usr/bin/env bash
# test_report_quotes.sh: a failing sample is quoted in the report by its first few KB (cut on a
# UTF-8 boundary) with its full length, SHA-256 and a "truncated" flag, so 21 failing samples
# of a 7 MB answer no longer make a 147 MB report; Markdown and JUnit say the quote is partial.
# Prints the report's size and the run's peak RSS (/usr/bin/time -v when installed).
source "$(dirname "$0")/lib.sh"

# An OpenAI-compatible vendor whose every answer is 7,000,001 bytes: "x" then 3.5M "é", so
# byte 4096 falls inside a character.
cat >"$tmp/big.py" <<'PY'
import http.server, json, sys
text = "x" + "\u00e9" * 3500000
body = json.dumps({"id": "big", "object": "chat.completion", "model": "big-1",
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14}},
                  ensure_ascii=False).encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$tmp/big.py" "$tmp/big.port" &
sim_pids+=("$!")
for _ in $(seq 100); do [ -s "$tmp/big.port" ] && break; sleep 0.05; done
[ -s "$tmp/big.port" ] || fail "the big-answer server did not start"
write_config "$tmp/c" "$(cat "$tmp/big.port")"

# seven checks that every answer fails: 3 quoted samples each, 21 in all
cat >"$tmp/suite.json" <<'JSON'
{"id": "big", "defaults": {"samples": 3, "baseline_samples": 2, "max_tokens": 10},
 "prompts": [{"id": "p", "prompt": "say a lot",
   "checks": [{"type": "regex", "pattern": "^a"}, {"type": "regex", "pattern": "^b"},
              {"type": "regex", "pattern": "^c"}, {"type": "regex", "pattern": "^d"},
              {"type": "regex", "pattern": "^e"}, {"type": "regex", "pattern": "^f"},
              {"type": "regex", "pattern": "^g"}]}]}
JSON

expect_exit 0 "$PLUMBLINE" baseline record --config "$tmp/c/plumbline.json" --vendor sim \
	"$tmp/suite.json"

timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -v -o "$tmp/time.txt")
rc=0
"${timer[@]}" "$PLUMBLINE" run --config "$tmp/c/plumbline.json" --date 2026-06-01 \
	--markdown "$tmp/r.md" --junit "$tmp/r.xml" "$tmp/suite.json" >"$tmp/run.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$tmp/run.out"; fail "run exited $rc, want 1 (checks failed)"; }
report="$tmp/c/reports/2026-06-01/sim-big.json"
[ -f "$report" ] || fail "no report: $(ls -R "$tmp/c/reports")"
size=$(stat -c %s "$report")
rss=$( [ -f "$tmp/time.txt" ] && awk -F': ' '/Maximum resident/ {print $2 " KiB"}' "$tmp/time.txt" || echo "n/a")
echo "21 failing samples of a 7,000,001-byte answer: report $size bytes, peak RSS $rss"

python3 - "$report" <<'PY' || fail "quoted samples are wrong"
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
full = ("x" + "\u00e9" * 3500000).encode()
sha = hashlib.sha256(full).hexdigest()
n = 0
for p in d["prompts"]:
    for c in p["checks"]:
        for s in c.get("failed_samples", []):
            n += 1
            t = s["text"].encode()
            assert len(t) <= 4096, len(t)
            assert len(t) == 4095, len(t)  # byte 4096 is inside an "é": the cut backs off
            assert full.startswith(t)
            assert s["bytes"] == len(full), s["bytes"]
            assert s["sha256"] == sha
            assert s["truncated"] is True
assert n == 21, n
PY
[ "$size" -lt 1000000 ] || fail "report of $size bytes for 21 quoted samples"
grep -q "sample quoted in part: 7000001 bytes" "$tmp/r.md" || fail "markdown does not say the quote is partial"
grep -q "quoted in part: the answer has 7000001 bytes, sha256 " "$tmp/r.xml" ||
	fail "junit does not say the quote is partial"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$tmp/r.xml" ||
	fail "junit is not well-formed XML"
echo ok
