#!/usr/bin/env bash
# test_redact_echo.sh: vendors that echo the credentials back where plumbline keeps vendor bytes
# whole: into logprobs (tokens, top_logprobs, an extra field), the model name, a kept header,
# an error body (\u-escaped, base64, URL-encoded) and, for Bedrock, the access key id and the
# session token each on its own (tests/fixtures/hardening/bad_vendor.py, then `plumbline
# simulate --fault echo-key`). After baselines, runs with --record, a replay, a debug log and
# the register, no byte of any secret may be found anywhere plumbline wrote or printed: not
# literally, not base64-encoded (any alignment), not \u-escaped, not URL-encoded.
source "$(dirname "$0")/lib.sh"

rand() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
key="fake-test-key-echo-$(rand)"
akid="FAKEAKIDECHO$(rand | tr a-f A-F | head -c 12)"
secret="fake-secret-echo/$(rand)+KEY"
token="fake-session-token-echo$(rand)"
export PL_TEST_KEY=$key PL_BR_KEY="$akid:$secret:$token"
fx="$PL_SOURCE_DIR/tests/fixtures"
d="$tmp/w"
outs="$tmp/outputs"
mkdir -p "$d" "$outs"

python3 "$fx/hardening/bad_vendor.py" "$tmp/bad.port" &
sim_pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/bad.port" ] && break; sleep 0.05; done
bport=$(cat "$tmp/bad.port")
base="http://127.0.0.1:$bport"

cat >"$d/plumbline.json" <<JSON
{
  "vendors": [
    {"id": "oa", "probe": "openai", "base_url": "$base/echologprobs/v1", "model": "gpt-x",
     "api_key_env": "PL_TEST_KEY", "retries": 0, "timeout_ms": 5000},
    {"id": "bad", "probe": "openai", "base_url": "$base/echoerror/v1", "model": "gpt-x",
     "api_key_env": "PL_TEST_KEY", "retries": 0, "timeout_ms": 5000},
    {"id": "br", "probe": "bedrock", "base_url": "$base/echobedrock", "model": "anthropic.claude-x",
     "region": "us-east-1", "api_key_env": "PL_BR_KEY", "retries": 0, "timeout_ms": 5000}
  ],
  "paths": {"baselines": "$d/baselines", "reports": "$d/reports", "state": "$d/state"},
  "logging": {"file": "$d/plumbline.log", "level": "debug"}
}
JSON

n=0
# pl WANT_EXITS ARGS...: runs plumbline, keeping stdout and stderr for the scan.
pl() {
	local want=$1 rc=0
	shift
	n=$((n + 1))
	timeout 120 "$PLUMBLINE" "$@" >"$outs/$n.out" 2>"$outs/$n.err" || rc=$?
	[[ ",$want," == *",$rc,"* ]] || fail "plumbline $*: exit $rc, want $want: $(cat "$outs/$n.out" "$outs/$n.err")"
}
cfg=(--config "$d/plumbline.json")
lp="$fx/redact/logprobs-suite.json"
plain="$fx/redact/plain-suite.json"

pl 0 keygen "${cfg[@]}"
pl 0 baseline record "${cfg[@]}" --vendor oa "$lp"
pl 0 baseline record "${cfg[@]}" --vendor br "$plain"
pl 0,1 run "${cfg[@]}" --vendor oa --date 2026-07-01 --record "$d/rec" --markdown "$d/night.md" "$lp"
pl 0,1 run "${cfg[@]}" --vendor br --date 2026-07-01 --record "$d/rec" "$plain"
pl 1,2,3 baseline record "${cfg[@]}" --vendor bad "$plain"
pl 0,1 run "${cfg[@]}" --vendor oa --date 2026-07-03 --replay "$d/rec" "$lp"
pl 0 register show "${cfg[@]}"

# The same through `plumbline simulate --fault echo-key` (every other request a 400 quoting the
# key; the rest answers echoing it in text, model, a header and the logprobs): baselines from a
# clean simulator, then a leaky night.
sim_start clean --seed 3
sim_vendors() {
	python3 - "$d/plumbline.json" "$1" <<'PY'
import json, sys
path, port = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["vendors"] = [v for v in c["vendors"] if not v["id"].startswith("sim")] + [
    {"id": "simoa", "probe": "openai", "base_url": "http://127.0.0.1:%s/v1" % port,
     "model": "sim-gpt-1", "api_key_env": "PL_TEST_KEY", "retries": 0, "timeout_ms": 5000},
    {"id": "simbr", "probe": "bedrock", "base_url": "http://127.0.0.1:%s" % port,
     "model": "anthropic.claude-x", "region": "us-east-1", "api_key_env": "PL_BR_KEY",
     "retries": 0, "timeout_ms": 5000}]
json.dump(c, open(path, "w"), indent=1)
PY
}
sim_vendors "$port"
pl 0 baseline record "${cfg[@]}" --vendor simoa "$lp"
pl 0 baseline record "${cfg[@]}" --vendor simbr "$plain"
sim_stop
sim_start leaky --seed 3 --fault echo-key
sim_vendors "$port"
pl 0,1,3 run "${cfg[@]}" --vendor simoa --date 2026-07-04 --record "$d/rec" \
	--markdown "$d/leaky.md" "$lp"
pl 0,1,3 run "${cfg[@]}" --vendor simbr --date 2026-07-04 --record "$d/rec" "$plain"
sim_stop
cp "$tmp"/*.sim.out "$tmp"/*.sim.err "$outs/" 2>/dev/null || true
rm -f "$outs"/leaky.sim.* # the leaky simulator prints nothing, but it is the vendor: not ours

# The echoes reached plumbline (else the scan proves nothing): the journals hold logprobs
# and the marks where the secrets were.
grep -rq '"logprobs"' "$d/state" || fail "no logprobs were kept"
grep -rq 'x_echo_\[redacted\]' "$d/state" || fail "the logprobs' extra field was not kept"
grep -rq 'id \[redacted\] token \[redacted\]' "$d/state" || fail "the bedrock echo is missing"
grep -rq 'is not valid for \[redacted\]' "$d/state" || fail "the error echo is missing"
[ -n "$(ls -A "$d/rec")" ] || fail "nothing was recorded"
grep -rqF 'x_echo_[redacted]\":{\"b64\":\"[redacted]\"}' "$d/rec" ||
	fail "the simulator's logprobs echo was not recorded"
grep -rq 'Incorrect API key provided: \[redacted\] (escaped: \[redacted\]; base64: \[redacted\])' \
	"$d/state" || fail "the simulator's error echo is missing"
grep -rq '(you sent \[redacted\] \[redacted\])' "$d/state" || fail "the simulator's bedrock echo is missing"

python3 - "$d" "$outs" "$key" "$akid" "$secret" "$token" <<'PY'
import base64, os, sys, urllib.parse
d, outs = sys.argv[1:3]
secrets = sys.argv[3:]
needles = set()
for s in secrets:
    b = s.encode()
    needles |= {s, "".join("\\u%04x" % ord(c) for c in s), urllib.parse.quote(s, safe="")}
    for pre in (b"", b"x", b"xy"):
        enc = base64.b64encode(pre + b).decode()
        # the characters that depend on the secret alone
        start = {0: 0, 1: 4, 2: 4}[len(pre)]
        inner = enc[start:start + 4 * ((len(b) - 2) // 3)]
        needles |= {inner, inner.replace("+", "-").replace("/", "_")}
found, nfiles = [], 0
for top in (d, outs):
    for root, _, names in os.walk(top):
        for name in names:
            p = os.path.join(root, name)
            data = open(p, "rb").read()
            nfiles += 1
            found += ["%s: %r" % (p, x) for x in needles if x.encode() in data]
if found:
    print("SECRET FOUND:\n  " + "\n  ".join(sorted(set(found))))
    sys.exit(1)
print("redaction scan: %d files, %d needles: none found" % (nfiles, len(needles)))
PY
echo ok
