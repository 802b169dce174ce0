#!/usr/bin/env bash
# test_alert_retraction.sh: a retraction alert names the night whose suspicion it withdraws.
# QA: night 2 retracted night 1's suspected change and its alert said only "the suspected change
# is retracted (back to epoch e1)": with several suites and vendors alerting, on-call could not
# tell which night's alert it took back. Now the title says "the change suspected on
# 2026-03-01 is retracted", the webhook carries "suspected_night", and the facts a "Suspected
# on" line. Simulated vendor and the alert receiver on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/rt"
cfg="$dir/plumbline.json"
receiver_start "$tmp/requests.jsonl"
export PL_IT_HOOK_KEY=hook-secret
export PL_IT_TEAMS_URL="http://127.0.0.1:$rport/teams"

config() { write_alert_config "$dir" "$port" '{"type": "teams", "url_env": "PL_IT_TEAMS_URL"}'; }

sim_start rec --seed 5 --night 0
config
record_signed_baseline "$cfg" "$suite"
sim_stop
# night 1: answers get longer (suspected); night 2: back to normal (retracted)
sim_start n1 --seed 5 --night 1 --drift longer
config
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date 2026-03-01 --quiet "$suite"
sim_stop
sim_start n2 --seed 5 --night 2
config
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-02 --quiet "$suite"
sim_stop
[ "$(json_get "$dir/reports/2026-03-02/sim-demo.json" 'd["detection"]["stage"]')" = retracted ] ||
	fail "night 2 does not retract night 1: $(json_get "$dir/reports/2026-03-02/sim-demo.json" 'd["summary"]')"

python3 - "$tmp/requests.jsonl" <<'PY' || fail "the retraction alerts: $(cat "$tmp/requests.jsonl")"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
hooks = [json.loads(r["body"]) for r in reqs if r["path"] == "/hook"]
ret = [b for b in hooks if b["event"] == "retraction"]
assert len(ret) == 1, [b["title"] for b in hooks]
b = ret[0]
assert b["night"] == "2026-03-02", b
assert b["suspected_night"] == "2026-03-01", b
assert "the change suspected on 2026-03-01 is retracted (back to epoch e1)" in b["title"], b["title"]
cards = [json.loads(r["body"])["attachments"][0]["content"] for r in reqs if r["path"] == "/teams"]
card = [c for c in cards if "retracted" in c["body"][0]["text"]]
assert len(card) == 1, [c["body"][0]["text"] for c in cards]
assert "the change suspected on 2026-03-01 is retracted" in card[0]["body"][0]["text"], card[0]["body"][0]
facts = {f["title"]: f["value"] for el in card[0]["body"] if el["type"] == "FactSet" for f in el["facts"]}
assert facts.get("Suspected on") == "2026-03-01", facts
assert facts.get("Stage") == "retracted", facts
PY
echo "ok: the retraction alert names the night it withdraws (2026-03-01)"
