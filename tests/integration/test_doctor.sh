#!/usr/bin/env bash
# test_doctor.sh: `plumbline doctor` on a fresh `plumbline init` names every missing API key
# variable at once (never a value) and every missing baseline, exit 1; with the keys set, the
# simulator as both vendors, a signing key and the baselines recorded, every check passes (exit
# 0); --send makes exactly one request per vendor and sends one test alert; a key file readable
# by others, an alert variable unset and a bad config are reported with their fix.
source "$(dirname "$0")/lib.sh"
unset OPENAI_API_KEY ANTHROPIC_API_KEY

d="$tmp/proj"
expect_exit 0 "$PLUMBLINE" init --vendor openai --vendor anthropic "$d"
cd "$d"
expect_exit 0 "$PLUMBLINE" check --config plumbline.json suites/starter.json

# Nothing in place: every missing variable by name, both baselines, the signing key; exit 1.
expect_exit 1 "$PLUMBLINE" doctor --config plumbline.json suites/starter.json
out="$tmp/last.out"
grep -q '^FAIL  API key of vendor "openai": OPENAI_API_KEY is not set' "$out" || fail "openai key: $(cat "$out")"
grep -q '^FAIL  API key of vendor "anthropic": ANTHROPIC_API_KEY is not set' "$out" || fail "anthropic key"
grep -q '^API key variables not set: OPENAI_API_KEY, ANTHROPIC_API_KEY$' "$out" || fail "summary: $(cat "$out")"
grep -q '^      fix: export OPENAI_API_KEY=' "$out" || fail "key fix"
for v in openai anthropic; do
	grep -q "^FAIL  baseline of vendor \"$v\", suite \"starter\": .* is missing" "$out" || fail "$v baseline"
	grep -qF "fix: plumbline baseline record --config plumbline.json --vendor $v suites/starter.json" "$out" ||
		fail "$v baseline fix"
done
grep -q '^FAIL  signing key .plumbline/plumbline.key is missing' "$out" || fail "signing key"
grep -qF 'fix: plumbline keygen --config plumbline.json' "$out" || fail "keygen fix"
grep -q '^ok    state folder .plumbline will be created' "$out" || fail "state folder"
grep -q '^ok    alerts: no channel configured' "$out" || fail "alerts"
grep -q '^5 of [0-9]* checks failed$' "$out" || fail "count: $(cat "$out")"
[ ! -e .plumbline ] && [ ! -e baselines ] || fail "doctor created folders"

# One variable set: only the other is missing, and the value is never printed.
OPENAI_API_KEY=sk-doctor-CANARY-value expect_exit 1 "$PLUMBLINE" doctor --config plumbline.json suites/starter.json
grep -q '^API key variables not set: ANTHROPIC_API_KEY$' "$tmp/last.out" || fail "one missing: $(cat "$tmp/last.out")"
grep -q '^ok    API key of vendor "openai": OPENAI_API_KEY is set' "$tmp/last.out" || fail "openai ok"
if grep -q CANARY "$tmp/last.out" "$tmp/last.err"; then fail "a key value was printed"; fi

# The simulator as both vendors, keys set, a signing key, baselines recorded: all ok.
sim_start doc --seed 3
python3 - "$port" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open("plumbline.json"))
for v in c["vendors"]:
    v["base_url"] = "http://127.0.0.1:%s/v1" % p
    v["retries"] = 1
json.dump(c, open("plumbline.json", "w"), indent=2)
s = json.load(open("suites/starter.json"))
s["defaults"].update({"samples": 2, "baseline_samples": 4})
json.dump(s, open("suites/starter.json", "w"), indent=2)
PY
export OPENAI_API_KEY=$PL_TEST_KEY ANTHROPIC_API_KEY=$PL_TEST_KEY
expect_exit 0 "$PLUMBLINE" keygen --config plumbline.json
for v in openai anthropic; do
	expect_exit 0 "$PLUMBLINE" baseline record --config plumbline.json --vendor $v suites/starter.json
done
expect_exit 0 "$PLUMBLINE" doctor --config plumbline.json suites/starter.json
grep -q '^all [0-9]* checks passed' "$tmp/last.out" || fail "all ok: $(cat "$tmp/last.out")"
if grep -q '^FAIL' "$tmp/last.out"; then fail "a FAIL line: $(cat "$tmp/last.out")"; fi
grep -q '^ok    signing key .plumbline/plumbline.key (mode 0600)' "$tmp/last.out" || fail "signing ok"
np=$(json_get suites/starter.json 'len(d["prompts"])')
grep -q "^ok    baseline of vendor \"anthropic\", suite \"starter\": .* ($np prompts)" "$tmp/last.out" || fail "baseline ok"
stats() { curl -s "http://127.0.0.1:$port/_sim/stats"; }
before=$(stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
expect_exit 0 "$PLUMBLINE" doctor --config plumbline.json suites/starter.json
[ "$(stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')" = "$before" ] ||
	fail "doctor without --send sent a request"

# --send: one request per vendor (one to each wire format's path), and one test alert.
receiver_start "$tmp/hooks.jsonl"
python3 - "$(cat "$tmp/recv.port")" <<'PY'
import json, sys
c = json.load(open("plumbline.json"))
c["alerts"] = {"retries": 0, "channels": [
    {"type": "webhook", "name": "hook", "url": "http://127.0.0.1:%s/hook" % sys.argv[1],
     "secret_env": "PL_IT_HOOK_KEY"},
    {"type": "slack", "url_env": "PL_IT_SLACK_URL"}]}
json.dump(c, open("plumbline.json", "w"), indent=2)
PY
unset PL_IT_HOOK_KEY PL_IT_SLACK_URL
# both channel variables unset: named at once, exit 1
expect_exit 1 "$PLUMBLINE" doctor --config plumbline.json suites/starter.json
grep -q '^FAIL  alert channel "hook" (webhook): not set: PL_IT_HOOK_KEY' "$tmp/last.out" || fail "hook env: $(cat "$tmp/last.out")"
grep -q '^FAIL  alert channel "slack" (slack): not set: PL_IT_SLACK_URL' "$tmp/last.out" || fail "slack env"
# the slack channel stays unset: it is not tried; the webhook gets one test message
export PL_IT_HOOK_KEY=hook-secret-CANARY
stats >"$tmp/stats0.json"
expect_exit 1 "$PLUMBLINE" doctor --send --config plumbline.json suites/starter.json
grep -q '^ok    request to vendor "openai": answered in [0-9]* ms' "$tmp/last.out" || fail "openai send: $(cat "$tmp/last.out")"
grep -q '^ok    request to vendor "anthropic": answered in [0-9]* ms' "$tmp/last.out" || fail "anthropic send"
grep -q '^ok    test alert to "hook" (webhook): sent' "$tmp/last.out" || fail "alert sent: $(cat "$tmp/last.out")"
grep -q '^1 of [0-9]* checks failed' "$tmp/last.out" || fail "only slack fails: $(cat "$tmp/last.out")"
stats >"$tmp/stats1.json"
delta() { echo $(($(json_get "$tmp/stats1.json" "$1") - $(json_get "$tmp/stats0.json" "$1"))); }
[ "$(delta 'd["requests"]')" = 2 ] || fail "requests: $(cat "$tmp/stats0.json" "$tmp/stats1.json")"
[ "$(delta 'd["paths"]["/v1/chat/completions"]')" = 1 ] || fail "openai path: $(cat "$tmp/stats1.json")"
[ "$(delta 'd["paths"]["/v1/messages"]')" = 1 ] || fail "anthropic path"
[ "$(wc -l <"$tmp/hooks.jsonl")" = 1 ] || fail "test alerts: $(cat "$tmp/hooks.jsonl")"
grep -q 'doctor --send' "$tmp/hooks.jsonl" || fail "test alert text"
if grep -q CANARY "$tmp/last.out" "$tmp/last.err"; then fail "a secret was printed"; fi
[ -z "$(ls .plumbline/journal 2>/dev/null | grep -v '^done$' || true)" ] || fail "doctor --send left a journal in the state"
export PL_IT_SLACK_URL="http://127.0.0.1:$(cat "$tmp/recv.port")/services/T0/B0/SLACKSECRET"
expect_exit 0 "$PLUMBLINE" doctor --send --config plumbline.json suites/starter.json
[ "$(wc -l <"$tmp/hooks.jsonl")" = 3 ] || fail "test alerts to both channels"
if grep -q 'SLACKSECRET' "$tmp/last.out" "$tmp/last.err"; then fail "the slack URL was printed"; fi

# A vendor that refuses the key: --send says auth, with the fix.
sim_stop
sim_start doc-key --seed 3 --require-key right-key
sed -i "s#127.0.0.1:[0-9]*/v1#127.0.0.1:$port/v1#" plumbline.json
expect_exit 1 "$PLUMBLINE" doctor --send --config plumbline.json suites/starter.json
grep -q '^FAIL  request to vendor "openai": auth (HTTP 401)' "$tmp/last.out" || fail "auth: $(cat "$tmp/last.out")"
grep -qF 'fix: check that the key in environment variable OPENAI_API_KEY is valid' "$tmp/last.out" || fail "auth fix: $(cat "$tmp/last.out")"
# A vendor that is not there: network, with its fix.
sim_stop
expect_exit 1 "$PLUMBLINE" doctor --send --config plumbline.json suites/starter.json
grep -q '^FAIL  request to vendor "openai": network: ' "$tmp/last.out" || fail "network: $(cat "$tmp/last.out")"
grep -qF 'fix: check base_url and that this host can reach it' "$tmp/last.out" || fail "network fix"

# A key file readable by others; a bad config (exit 2, located).
python3 - <<'PY'
import json
c = json.load(open("plumbline.json"))
del c["vendors"][1]["api_key_env"]
c["vendors"][1]["api_key_file"] = "anthropic.key"
json.dump(c, open("plumbline.json", "w"), indent=2)
PY
echo "$PL_TEST_KEY" >anthropic.key
chmod 644 anthropic.key
expect_exit 1 "$PLUMBLINE" doctor --config plumbline.json suites/starter.json
grep -q '^FAIL  API key of vendor "anthropic": .*readable by others (mode 644)' "$tmp/last.out" || fail "key file mode: $(cat "$tmp/last.out")"
grep -qF 'fix: chmod 600' "$tmp/last.out" || fail "chmod fix"
chmod 600 anthropic.key
expect_exit 0 "$PLUMBLINE" doctor --config plumbline.json suites/starter.json
sed -i 's/"retries"/"retrys"/' plumbline.json
expect_exit 2 "$PLUMBLINE" doctor --config plumbline.json suites/starter.json
grep -q '^FAIL  plumbline.json:[0-9]*:[0-9]*: .*retrys: unknown key' "$tmp/last.out" || fail "bad config: $(cat "$tmp/last.out")"
expect_exit 2 "$PLUMBLINE" doctor suites/starter.json
echo ok
