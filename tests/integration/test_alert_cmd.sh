#!/usr/bin/env bash
# test_alert_cmd.sh: `plumbline alert test` as a user runs it: a loopback receiver gets one
# signed webhook and one Slack message; a channel whose variable is unset fails by name (exit
# 3) without printing any secret; --channel narrows; config errors exit 2 naming file:line.
set -euo pipefail

PLUMBLINE=${PLUMBLINE:?PLUMBLINE must point at the binary}
tmp=$(mktemp -d /tmp/pl-alert-it.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A loopback HTTP receiver: answers 200 and appends each request as a JSON line.
cat >"$tmp/recv.py" <<'PY'
import http.server, json, sys
out, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n).decode()
        with open(out, "a") as f:
            f.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1])); __import__("os").rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
python3 "$tmp/recv.py" "$tmp/requests.jsonl" "$tmp/port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "receiver did not start"
port=$(cat "$tmp/port")

cat >"$tmp/plumbline.json" <<JSON
{
  "vendors": [{"id": "acme", "probe": "openai", "base_url": "http://127.0.0.1:1/v1",
               "model": "m", "api_key_env": "PL_TEST_KEY"}],
  "alerts": {
    "retries": 1, "backoff_ms": 10,
    "channels": [
      {"type": "webhook", "url": "http://127.0.0.1:$port/hook", "secret_env": "PL_IT_HOOK_KEY"},
      {"type": "slack", "url_env": "PL_IT_SLACK_URL"},
      {"type": "teams", "name": "ops-teams", "url_env": "PL_IT_TEAMS_URL_UNSET"}
    ]
  }
}
JSON
export PL_IT_HOOK_KEY=hook-secret-CANARY
export PL_IT_SLACK_URL="http://127.0.0.1:$port/services/T0/B0/SLACKSECRET"
unset PL_IT_TEAMS_URL_UNSET

rc=0
"$PLUMBLINE" alert test --config "$tmp/plumbline.json" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 3 ] || { cat "$tmp/out" "$tmp/err" >&2; fail "alert test exited $rc, want 3"; }
grep -Eq '^webhook +webhook +sent \(1 attempt\)$' "$tmp/out" || fail "webhook not sent: $(cat "$tmp/out")"
grep -Eq '^slack +slack +sent \(1 attempt\)$' "$tmp/out" || fail "slack not sent"
grep -Eq '^ops-teams +teams +FAILED$' "$tmp/out" || fail "teams not failed"
grep -q 'alert channel "ops-teams": environment variable PL_IT_TEAMS_URL_UNSET is not set' "$tmp/err" ||
	fail "missing variable not named: $(cat "$tmp/err")"
if grep -q 'SLACKSECRET\|CANARY' "$tmp/out" "$tmp/err"; then fail "a secret was printed"; fi
[ "$(wc -l <"$tmp/requests.jsonl")" = 2 ] || fail "want 2 requests"

# The webhook request verifies with the key (recomputed here independently).
python3 - "$tmp/requests.jsonl" <<'PY' || fail "webhook signature or body wrong"
import hashlib, hmac, json, sys, time
reqs = [json.loads(l) for l in open(sys.argv[1])]
hook = [r for r in reqs if r["path"] == "/hook"][0]
sig = hook["headers"]["X-Plumbline-Signature"]
parts = dict(p.split("=", 1) for p in sig.split(","))
want = hmac.new(b"hook-secret-CANARY", (parts["t"] + "." + hook["body"]).encode(), hashlib.sha256).hexdigest()
assert hmac.compare_digest(want, parts["v1"]), "bad signature"
assert abs(int(parts["t"]) - time.time()) < 60
body = json.loads(hook["body"])
assert body["kind"] == "test" and body["type"] == "plumbline.alert"
slack = [r for r in reqs if r["path"].startswith("/services/")][0]
assert json.loads(slack["body"])["blocks"][0]["type"] == "header"
PY

# --channel narrows to one channel: exit 0.
"$PLUMBLINE" alert test --config "$tmp/plumbline.json" --channel webhook >"$tmp/out" 2>"$tmp/err" ||
	fail "alert test --channel webhook failed: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/out")" = 1 ] || fail "only the selected channel is listed"
[ "$(wc -l <"$tmp/requests.jsonl")" = 3 ] || fail "want 3 requests"

# Config errors: exit 2 with file:line:col.
sed 's/"backoff_ms"/"backof_ms"/' "$tmp/plumbline.json" >"$tmp/bad.json"
rc=0
"$PLUMBLINE" alert test --config "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] || fail "bad config exited $rc, want 2"
grep -q "bad.json:[0-9]*:[0-9]*: alerts.backof_ms: unknown key" "$tmp/err" || fail "error: $(cat "$tmp/err")"
rc=0
"$PLUMBLINE" alert test --config "$tmp/plumbline.json" --channel nope >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] || fail "unknown channel exited $rc, want 2"
rc=0
"$PLUMBLINE" alert frobnicate >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] || fail "unknown subcommand exited $rc, want 2"
"$PLUMBLINE" alert --help | grep -q "usage: plumbline alert test --config FILE" || fail "no usage"
echo "ok"
