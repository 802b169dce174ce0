#!/usr/bin/env bash
# test_hardening_secrets.sh: the secret scan. Canary API keys (one from an environment
# variable, one from a 0600 key file) and canary alert secrets go through every flow: keygen,
# baseline record, clean and drifted nights (alerts to a loopback receiver), faults, a wrong
# key, --record, debug logging to a file, metrics, a vendor that echoes the credentials back
# in its errors and answers, a key file with the wrong mode, verify, register show/report.
# Then every file plumbline wrote, everything it printed and every request the alert receiver
# got are scanned: the keys (or "Bearer KEY", or a long piece of a key) must appear nowhere.
source "$(dirname "$0")/lib.sh"

canary="sk-plcanary-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
file_canary="fake-file-key-canary-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
hook_canary="whsec-canary-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
slack_canary="SLACKCANARY$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export PL_TEST_KEY=$canary PL_HOOK_SECRET=$hook_canary
suite="$PL_SOURCE_DIR/tests/fixtures/hardening/mini-suite.json"
fx="$PL_SOURCE_DIR/tests/fixtures/hardening"
d="$tmp/w"
outs="$tmp/outputs"
mkdir -p "$d" "$outs"

# The alert receiver (a loopback HTTP server that logs every request; lib.sh).
receiver_start "$outs/alert-requests.jsonl"
python3 "$fx/bad_vendor.py" "$tmp/bad.port" &
sim_pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/bad.port" ] && break; sleep 0.05; done
bport=$(cat "$tmp/bad.port")
export PL_SLACK_URL="http://127.0.0.1:$rport/services/T0/B0/$slack_canary"

printf '%s\n' "$file_canary" >"$d/anthropic.key"
chmod 600 "$d/anthropic.key"

# config SIM_PORT: both vendors on the simulator, debug log file, metrics, alerts.
config() {
	cat >"$d/plumbline.json" <<JSON
{
  "vendors": [
    {"id": "sim", "probe": "openai", "base_url": "http://127.0.0.1:$1/v1", "model": "sim-gpt-1",
     "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 2, "timeout_ms": 5000,
     "max_outage": 2, "probe_interval": 1},
    {"id": "claude", "probe": "anthropic", "base_url": "http://127.0.0.1:$1/v1",
     "model": "sim-claude-1", "api_key_file": "$d/anthropic.key", "concurrency": 8,
     "retries": 2, "timeout_ms": 5000, "max_outage": 2, "probe_interval": 1}
  ],
  "paths": {"baselines": "$d/baselines", "reports": "$d/reports", "state": "$d/state"},
  "logging": {"file": "$d/plumbline.log", "level": "debug", "metrics_file": "$d/plumbline.prom"},
  "alerts": {"retries": 1, "backoff_ms": 10, "channels": [
    {"type": "webhook", "url": "http://127.0.0.1:$rport/hook", "secret_env": "PL_HOOK_SECRET"},
    {"type": "slack", "url_env": "PL_SLACK_URL"}]}
}
JSON
}

n=0
# pl WANT_EXITS ARGS...: runs plumbline, keeping stdout and stderr for the scan.
pl() {
	local want=$1 rc=0
	shift
	n=$((n + 1))
	timeout 120 "$PLUMBLINE" "$@" >"$outs/$n.out" 2>"$outs/$n.err" || rc=$?
	[[ ",$want," == *",$rc,"* ]] || fail "plumbline $*: exit $rc, want $want: $(cat "$outs/$n.out" "$outs/$n.err")"
}
# sim NAME ARGS...: (re)starts the simulator, keeping what it prints.
sim() {
	local name=$1
	shift
	[ -n "${sim_pid:-}" ] && sim_stop
	sim_start "$name" --seed 5 "$@"
	config "$port"
}

sim s0 --night 0
pl 0 keygen --config "$d/plumbline.json"
pl 0 baseline record --config "$d/plumbline.json" --vendor sim "$suite"
pl 0 baseline record --config "$d/plumbline.json" --vendor claude "$suite"
pl 0 run --config "$d/plumbline.json" --date 2026-06-01 "$suite"
sim s1 --night 1 --drift longer,fingerprint
pl 1 run --config "$d/plumbline.json" --date 2026-06-02 --record "$d/recordings" "$suite"
sim s2 --night 2 --fault 429 --fault-rate 0.4
pl 0,1,3 run --config "$d/plumbline.json" --date 2026-06-03 --record "$d/recordings" "$suite"
sim s3 --night 3 --fault 500 --fault-rate 1
pl 3 run --config "$d/plumbline.json" --date 2026-06-04 "$suite"
sim s4 --night 4 --require-key not-the-canary
pl 3 run --config "$d/plumbline.json" --date 2026-06-05 --record "$d/recordings" "$suite"
pl 0,3 alert test --config "$d/plumbline.json"
pl 0,1 verify --config "$d/plumbline.json" "$d"/reports/*/*.json
pl 0 register show --config "$d/plumbline.json"
pl 0 register report --config "$d/plumbline.json" --html "$d/register.html"
pl 0,1,2,3 run --config "$d/plumbline.json" --dry-run "$suite"
sim_stop

# A vendor that repeats the credentials in its error messages, and in its answers and headers.
day=10
for mode in echokey echoanswer; do
	day=$((day + 1))
	sed -i "s|http://127.0.0.1:[0-9]*/v1|http://127.0.0.1:$bport/$mode/v1|" "$d/plumbline.json"
	pl 0,1,3 run --config "$d/plumbline.json" --vendor sim --date "2026-06-$day" \
		--record "$d/recordings" "$suite"
	sed -i "s|http://127.0.0.1:$bport/$mode/v1|http://127.0.0.1:1/v1|" "$d/plumbline.json"
done
# A key file others can read is refused without printing the key.
chmod 644 "$d/anthropic.key"
pl 2,3 run --config "$d/plumbline.json" --vendor claude --date 2026-06-20 "$suite"
grep -q "anthropic.key" "$outs/$n.err" || fail "the refused key file is not named: $(cat "$outs/$n.err")"
chmod 600 "$d/anthropic.key"
# Nothing is found when the variable is missing either.
env -u PL_TEST_KEY "$PLUMBLINE" run --config "$d/plumbline.json" "$suite" >"$outs/nokey.out" 2>"$outs/nokey.err" || true

[ -s "$outs/alert-requests.jsonl" ] || fail "no alert reached the receiver"
[ -n "$(ls -A "$d/recordings" 2>/dev/null)" ] || fail "nothing was recorded"
[ -s "$d/plumbline.log" ] || fail "no log file"

# The scan: every file plumbline wrote (except the key file itself), everything printed by
# plumbline and the simulator, every alert request.
python3 - "$d" "$outs" "$tmp" "$canary" "$file_canary" "$hook_canary" "$slack_canary" <<'PY'
import os, sys
d, outs, tmp = sys.argv[1:4]
secrets = sys.argv[4:]
needles = []
for s in secrets:
    needles += [s, "Bearer " + s, s[len(s) // 2 - 8:len(s) // 2 + 8]]
skip = {os.path.join(d, "anthropic.key")}
files = []
for top in (d, outs):
    for root, _, names in os.walk(top):
        files += [os.path.join(root, n) for n in names]
files += [os.path.join(tmp, n) for n in os.listdir(tmp) if n.endswith((".sim.out", ".sim.err"))]
found, nbytes = [], 0
for p in files:
    if p in skip:
        continue
    data = open(p, "rb").read()
    nbytes += len(data)
    for x in needles:
        if x.encode() in data:
            found.append("%s: %r" % (p, x))
# The slack URL's secret part is the alert's destination: the receiver sees it in the path.
slack = secrets[3]
found = [f for f in found if not (f.startswith(os.path.join(outs, "alert-requests.jsonl") + ":")
                                  and any(x in slack for x in [f.split(": ", 1)[1].strip("'")]))]
if found:
    print("SECRET FOUND:\n  " + "\n  ".join(sorted(set(found))))
    sys.exit(1)
print("secret scan: %d files, %d bytes, %d canaries (env key, key file, webhook secret, slack url): none found" % (len(files), nbytes, len(secrets)))
PY
echo ok
