#!/usr/bin/env bash
# test_doctor_auth.sh: `plumbline doctor --send` against a fake vendor on 127.0.0.1 that refuses
# every key (401, then 403): each vendor's FAIL line is followed by a fix that names where its
# key comes from (the environment variable, or the key file; SigV4's region and clock for
# bedrock; a vendor without a key is told to give it one) and what to check, and never the key.
source "$(dirname "$0")/lib.sh"

# fake.py PORTFILE STATUS: answers every POST with STATUS and the vendor's error body (the
# anthropic shape on /messages, the openai shape elsewhere).
cat >"$tmp/fake.py" <<'PY'
import http.server, json, os, sys
portfile, status = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/messages"):
            t = "authentication_error" if status == 401 else "permission_error"
            body = {"type": "error", "error": {"type": t, "message": "invalid x-api-key"}}
        else:
            body = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                              "param": None, "code": "invalid_api_key"}}
        b = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1])); os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY

fake_start() { # STATUS: sets $port and $fake_pid
	rm -f "$tmp/fake.port"
	python3 "$tmp/fake.py" "$tmp/fake.port" "$1" &
	fake_pid=$!
	sim_pids+=("$fake_pid")
	for _ in $(seq 100); do [ -s "$tmp/fake.port" ] && break; sleep 0.05; done
	[ -s "$tmp/fake.port" ] || fail "fake vendor did not start"
	port=$(cat "$tmp/fake.port")
}

write_cfg() {
	cat >"$tmp/plumbline.json" <<JSON
{
  "vendors": [
    {"id": "oa", "probe": "openai", "base_url": "http://127.0.0.1:$port/v1", "model": "m",
     "api_key_env": "PL_IT_OA_KEY", "retries": 0, "timeout_ms": 5000},
    {"id": "claude", "probe": "anthropic", "base_url": "http://127.0.0.1:$port/v1", "model": "m",
     "api_key_file": "$tmp/claude.key", "retries": 0, "timeout_ms": 5000},
    {"id": "br", "probe": "bedrock", "base_url": "http://127.0.0.1:$port", "model": "m",
     "region": "us-east-1", "api_key_env": "PL_IT_BR_KEY", "retries": 0, "timeout_ms": 5000},
    {"id": "open", "probe": "openai", "base_url": "http://127.0.0.1:$port/v1", "model": "m",
     "retries": 0, "timeout_ms": 5000}
  ],
  "paths": {"baselines": "$tmp/b", "reports": "$tmp/r", "state": "$tmp/s"}
}
JSON
}

export PL_IT_OA_KEY=FAKE-openai-key-CANARY PL_IT_BR_KEY=FAKEAKIDCANARY:FAKE-bedrock-secret-CANARY
echo "FAKE-anthropic-file-key-CANARY" >"$tmp/claude.key"
chmod 600 "$tmp/claude.key"

for status in 401 403; do
	fake_start "$status"
	write_cfg
	expect_exit 1 "$PLUMBLINE" doctor --send --config "$tmp/plumbline.json"
	out="$tmp/last.out"
	if [ "$status" = 401 ]; then
		what="is valid, current (not revoked or expired) and issued for this base_url"
	else
		what="may use this model and endpoint (403: the key was recognised but not allowed"
	fi
	for v in oa claude br open; do
		grep -q "^FAIL  request to vendor \"$v\": auth (HTTP $status)" "$out" ||
			fail "$status $v: $(cat "$out")"
	done
	fixes=$(grep -A1 '^FAIL  request to vendor' "$out" | grep '^      fix: ' || true)
	[ "$(echo "$fixes" | grep -c .)" = 4 ] || fail "$status: not one fix per vendor: $(cat "$out")"
	grep -qF "fix: check that the key in environment variable PL_IT_OA_KEY $what" "$out" ||
		fail "$status oa fix: $(cat "$out")"
	grep -qF "fix: check that the key in api_key_file $tmp/claude.key $what" "$out" ||
		fail "$status claude fix: $(cat "$out")"
	grep -qF "fix: check that the key in environment variable PL_IT_BR_KEY $what" "$out" ||
		fail "$status br fix: $(cat "$out")"
	grep -qF "also region and this host's clock (SigV4 signatures expire)" "$out" ||
		fail "$status br sigv4 fix: $(cat "$out")"
	grep -qF 'fix: vendor "open" sends no key: set its api_key_env' "$out" ||
		fail "$status keyless fix: $(cat "$out")"
	if grep -q CANARY "$out" "$tmp/last.err"; then fail "$status: a key was printed"; fi
	kill "$fake_pid"
	wait "$fake_pid" 2>/dev/null || true
done
echo "ok"
