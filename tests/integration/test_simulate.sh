#!/usr/bin/env bash
# test_simulate.sh: `plumbline simulate` as a user runs it: ephemeral port, port file, answers,
# drifts, faults, stats, usage errors, clean stop on SIGTERM/SIGINT.
set -euo pipefail

PLUMBLINE=${PLUMBLINE:?PLUMBLINE must point at the binary}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# start NAME ARGS...: starts a simulator, waits for its port file, sets $port
start() {
	local name=$1; shift
	rm -f "$tmp/$name.port"
	"$PLUMBLINE" simulate --port 0 --port-file "$tmp/$name.port" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" &
	pids+=($!)
	last_pid=$!
	for _ in $(seq 100); do
		[ -s "$tmp/$name.port" ] && break
		sleep 0.05
	done
	[ -s "$tmp/$name.port" ] || fail "$name: no port file"
	port=$(cat "$tmp/$name.port")
}

body='{"model":"gpt-4o","temperature":0,"messages":[{"role":"user","content":"Return a JSON object for a product with a name and a price."}]}'
ask() { # ask PORT [extra curl args]: prints "STATUS BODY"
	local p=$1; shift
	curl -s -o "$tmp/body" -w '%{http_code}' -H 'Authorization: Bearer test-key' \
		-H 'Content-Type: application/json' -d "$body" "$@" \
		"http://127.0.0.1:$p/v1/chat/completions" || true
}

# 1. a clean simulator: listening line, port file, valid answers
start clean --seed 11
grep -q "^listening on http://127.0.0.1:$port\$" "$tmp/clean.out" || fail "listening line: $(cat "$tmp/clean.out")"
[ "$(ask "$port")" = 200 ] || fail "clean answer"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=json.loads(d["choices"][0]["message"]["content"]); assert isinstance(c["name"],str) and isinstance(c["price"],(int,float)); assert d["object"]=="chat.completion"' "$tmp/body" \
	|| fail "clean answer is not the expected JSON: $(cat "$tmp/body")"
cp "$tmp/body" "$tmp/clean.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -d "$body" "http://127.0.0.1:$port/v1/chat/completions")
[ "$code" = 401 ] || fail "missing key gave $code"
curl -s "http://127.0.0.1:$port/_sim/stats" | grep -q '"requests":2' || fail "stats count"
kill -TERM "$last_pid"
wait "$last_pid" || fail "SIGTERM exit status $?"
grep -q "stopped" "$tmp/clean.err" || fail "no stop message"

# 2. drifts: fenced + model + fingerprint change exactly those things
start drift --seed 11 --drift fenced,model,fingerprint
[ "$(ask "$port")" = 200 ] || fail "drift answer"
python3 - "$tmp/clean.json" "$tmp/body" <<'EOF' || fail "drift not visible"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert a["model"] != b["model"], "model"
assert a["system_fingerprint"] != b["system_fingerprint"], "fingerprint"
assert b["choices"][0]["message"]["content"].startswith("```json"), "fence"
EOF
kill -INT "$last_pid"
wait "$last_pid" || fail "SIGINT exit status"

# 3. faults: a 429 with Retry-After; half the requests with --fault-rate 0.5
start f429 --fault 429
[ "$(ask "$port" -D "$tmp/hdrs")" = 429 ] || fail "429 fault"
grep -qi '^retry-after: 1' "$tmp/hdrs" || fail "429 without Retry-After"
start fhalf --fault 500 --fault-rate 0.5 --seed 1
n500=0
for _ in $(seq 40); do [ "$(ask "$port")" = 500 ] && n500=$((n500 + 1)); done
[ "$n500" -gt 8 ] && [ "$n500" -lt 32 ] || fail "fault rate 0.5 gave $n500/40"
start freset --fault reset
curl -s -m 5 -H 'Authorization: Bearer k' -d "$body" "http://127.0.0.1:$port/v1/chat/completions" \
	&& fail "reset fault answered"

# 3b. --rate-limit-rpm: the 4th request in a minute gets 429 + Retry-After; stats count it
start rpm --rate-limit-rpm 3
for _ in 1 2 3; do [ "$(ask "$port")" = 200 ] || fail "rpm: early request refused"; done
[ "$(ask "$port" -D "$tmp/hdrs")" = 429 ] || fail "rpm: 4th request not limited"
grep -qi '^retry-after: [0-9]' "$tmp/hdrs" || fail "rpm: no Retry-After"
curl -s "http://127.0.0.1:$port/_sim/stats" >"$tmp/stats.json"
python3 - "$tmp/stats.json" <<'EOF2' || fail "rpm stats: $(cat "$tmp/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["requests"] == 4 and s["rate_limited"] == 1, s
assert s["max_requests_per_minute"] == 4 and s["paths"]["/v1/chat/completions"] == 4, s
EOF2

# 3c. another format by path: Anthropic Messages
start anthropic
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'x-api-key: k' -H 'anthropic-version: 2023-06-01' \
	-d '{"model":"claude-x","max_tokens":100,"messages":[{"role":"user","content":"Capital of France?"}]}' \
	"http://127.0.0.1:$port/v1/messages")
[ "$code" = 200 ] || fail "anthropic path gave $code"
grep -q '"stop_reason":"end_turn"' "$tmp/body" || fail "anthropic body: $(cat "$tmp/body")"

# 3d. TLS with a self-signed certificate: rejected unless trusted explicitly
fx=${PL_SOURCE_DIR:?}/tests/fixtures/sim
start tls --tls-cert "$fx/loopback-cert.pem" --tls-key "$fx/loopback-key.pem"
grep -q "^listening on https://127.0.0.1:$port\$" "$tmp/tls.out" || fail "tls listening line"
set +e
curl -s -o /dev/null -H 'Authorization: Bearer k' -d "$body" "https://127.0.0.1:$port/v1/chat/completions"
rc=$?
set -e
[ "$rc" = 60 ] || fail "self-signed certificate accepted (curl exit $rc)"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$fx/loopback-cert.pem" -H 'Authorization: Bearer k' \
	-d "$body" "https://127.0.0.1:$port/v1/chat/completions")
[ "$code" = 200 ] || fail "trusted TLS gave $code"

# 4. usage errors exit 2
for bad in "--tls-cert /nonexistent" "--fault nope" "--drift longer,nope" "--port 70000" "--fault-rate 2" "--bogus" "--format cobol"; do
	set +e
	# shellcheck disable=SC2086
	"$PLUMBLINE" simulate $bad >/dev/null 2>"$tmp/usage.err"
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "'simulate $bad' exited $rc, wanted 2"
done
help=$("$PLUMBLINE" simulate --help)
case "$help" in *--fault-rate*) ;; *) fail "help text" ;; esac

# 5. the port is in use: a clear error, exit 3
start busy
set +e
"$PLUMBLINE" simulate --port "$port" >/dev/null 2>"$tmp/busy.err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "busy port exited $rc"
grep -q "cannot listen" "$tmp/busy.err" || fail "busy port message: $(cat "$tmp/busy.err")"

echo "ok"
