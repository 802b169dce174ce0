#!/usr/bin/env bash
# test_alert_check_failures.sh: check-failure alerts name the failing checks and are sent when
# the set of failing checks is new, not every night it fails (README "Alerts"). QA: a
# check-failure alert said only "1 of 9 checks failed on 1 prompt" (not which check), and after
# a change alert had carried the failing checks, the same check-failure alert came again every
# night (cooldown_hours 0 here stands for nights a cooldown apart).
# The demo suite plus a check the simulated vendor never passes (capital-fr must say London):
#   night 1: that check fails, nothing changed: a check-failure alert naming it, with tonight's
#            pass rate against the baseline's;
#   night 2: the same check fails: no alert;
#   nights 3, 4: answers get longer (a change, suspected then confirmed): change alerts, naming
#            the new failure (product-json json_schema) first, the old one "failing since";
#   night 5: the same two fail: no alert.
# Simulated vendor, a webhook and a Slack receiver on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$tmp/demo-london.json"
python3 - "$PL_SOURCE_DIR/suites/demo.json" "$suite" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = [p for p in d["prompts"] if p["id"] == "capital-fr"][0]
p["checks"].append({"type": "regex", "pattern": "\\bLondon\\b"})
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
dir="$tmp/cf"
cfg="$dir/plumbline.json"
receiver_start "$tmp/requests.jsonl"
export PL_IT_HOOK_KEY=hook-secret
export PL_IT_SLACK_URL="http://127.0.0.1:$rport/slack"

config() {
	write_alert_config "$dir" "$port" '{"type": "slack", "url_env": "PL_IT_SLACK_URL"}' '{"cooldown_hours": 0}'
}

sim_start rec --seed 5 --night 0
config
record_signed_baseline "$cfg" "$suite"
sim_stop
for n in 1 2 3 4 5; do
	drift=()
	[ "$n" -ge 3 ] && drift=(--drift longer)
	sim_start "n$n" --seed 5 --night "$n" "${drift[@]}"
	config
	expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date "2026-03-0$n" --quiet "$suite"
	sim_stop
done

python3 - "$tmp/requests.jsonl" <<'PY' || fail "the alerts received (the assertion above)"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
hooks = [json.loads(r["body"]) for r in reqs if r["path"] == "/hook"]
got = [(b["night"], b["kind"]) for b in hooks]
want = [("2026-03-01", "check_failures"), ("2026-03-03", "change"), ("2026-03-04", "change")]
assert got == want, got

# night 1 names the check: prompt, check id, tonight's pass rate against the baseline's
fc = hooks[0]["failed_checks"]
assert len(fc) == 1, fc
c = fc[0]
assert c["prompt"] == "capital-fr" and c["check"].startswith("regex#"), c
assert (c["pass"], c["judged"], c["baseline_pass"], c["baseline_judged"]) == (0, 10, 0, 30), c
assert "since" not in c, c
rid = c["check"]
slack = [json.loads(r["body"]) for r in reqs if r["path"] == "/slack"]
assert len(slack) == 3, len(slack)
def fields(msg):
    return "\n".join(f["text"] for b in msg["blocks"] if b["type"] == "section"
                     for f in b.get("fields", []))
f1 = fields(slack[0])
assert "*Failed checks*\ncapital-fr %s: 0%% passed tonight (0 of 10), baseline 0%% (0 of 30)" % rid in f1, f1

# night 3: the new failure first, the one told on night 1 marked as such
fc = hooks[1]["failed_checks"]
assert {(x["prompt"], x.get("since")) for x in fc} == {("product-json", None), ("capital-fr", "2026-03-01")}, fc
f3 = fields(slack[1])
new = "product-json json_schema#1: 0% passed tonight (0 of 10), baseline 100% (30 of 30)"
old = "capital-fr %s: 0%% passed tonight (0 of 10), baseline 0%% (0 of 30) (failing since 2026-03-01)" % rid
assert new in f3 and old in f3 and f3.index(new) < f3.index(old), f3
PY
grep -q "not sent to \"webhook\": the same checks still fail, told before" "$tmp/last.err" ||
	fail "night 5 does not say why it sent nothing: $(cat "$tmp/last.err")"
echo "ok: check-failure alerts name the checks, and come when the failing set is new"
