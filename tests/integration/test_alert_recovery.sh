#!/usr/bin/env bash
# test_alert_recovery.sh: a channel told of a problem hears, once, when it is over (README
# "Alerts", kind "recovered"). QA: on-call got "acme/gpt-x: run incomplete: vendor unreachable"
# at 02:00 and no message ever said it was over: the channel read as if the vendor were still
# down. Simulated vendor and the alert receiver on 127.0.0.1.
#   A. night 1: the vendor answers 529 to everything: exit 3, an incomplete alert;
#      night 2: it answers again: exactly one recovery per channel that takes it ("since" night
#      1, tonight's availability), none to a channel whose "on" leaves "recovered" out;
#      night 3: nothing.
#   B. night 1: a check fails (the capital must be London): a check-failure alert;
#      night 2: it passes (the check asks for Paris): exactly one recovery naming it;
#      night 3: nothing.
#   C. night 5: an outage; night 4 run later (--date backfill) completes: no recovery (a night
#      before the outage says nothing of its end); night 6 completes: the recovery.
#   D. the same for checks: failing on night 5, night 4 backfilled passes (no recovery, the
#      checks still told failing), night 6 fails the same (not news), night 7 passes.
#   E. outages on nights 1 and 3, night 3's alert held back by the cooldown; night 2 run later
#      completes: no recovery (the latest night found incomplete is after it); night 4 does.
#   F. the same for checks failing on nights 1 and 3, night 2 backfilled passing.
source "$(dirname "$0")/lib.sh"

# suite_with CITY OUT: the demo suite plus a check on capital-fr that the answer names CITY
suite_with() {
	python3 - "$PL_SOURCE_DIR/suites/demo.json" "$2" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = [p for p in d["prompts"] if p["id"] == "capital-fr"][0]
p["checks"].append({"type": "regex", "id": "names-city", "pattern": "\\b%s\\b" % sys.argv[3],
                    "min_pass_rate": 0.5})
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
}
suite_with Paris "$tmp/paris.json"
suite_with London "$tmp/london.json"
receiver_start "$tmp/requests.jsonl"
export PL_IT_HOOK_KEY=hook-secret
export PL_IT_TEAMS_URL="http://127.0.0.1:$rport/teams"

# config DIR: webhook and Teams take every kind; "quiet" (a webhook) only incomplete runs
config() {
	write_config "$1" "$port"
	python3 - "$1/plumbline.json" "$rport" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
hook = "http://127.0.0.1:%s/" % sys.argv[2]
c["alerts"] = {"retries": 1, "backoff_ms": 10, "channels": [
    {"type": "webhook", "url": hook + "hook", "secret_env": "PL_IT_HOOK_KEY"},
    {"type": "teams", "url_env": "PL_IT_TEAMS_URL"},
    {"type": "webhook", "name": "quiet", "on": ["incomplete", "check_failures"],
     "url": hook + "quiet", "secret_env": "PL_IT_HOOK_KEY"}]}
json.dump(c, open(sys.argv[1], "w"))
PY
}

# night DIR SUITE N WANT_EXIT [SIMULATE OPTIONS...]
night() {
	local dir=$1 suite=$2 n=$3 want=$4
	shift 4
	sim_start "n$n" --seed 5 --night "$n" "$@"
	config "$dir"
	expect_exit "$want" timeout 120 "$PLUMBLINE" run --config "$dir/plumbline.json" \
		--date "2026-04-0$n" --quiet "$suite"
	sim_stop
}

# alerts PATH: the bodies received on PATH so far, as (night, kind) lines
alerts() {
	python3 - "$tmp/requests.jsonl" "$1" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"] == sys.argv[2]:
        b = json.loads(r["body"])
        print(b.get("night"), b.get("kind"))
PY
}

# expect_hook WANT WHAT: the webhook /hook got exactly WANT ("NIGHT KIND" lines), else fails
# naming WHAT
expect_hook() {
	local got
	got=$(alerts /hook)
	[ "$got" = "$1" ] || fail "$2: the webhook got $got"
}

# fresh DIR NAME: a new setup in DIR (config, key, baseline recorded against simulator NAME);
# sets dir
fresh() {
	dir=$1
	sim_start "$2" --seed 5 --night 0
	config "$dir"
	record_signed_baseline "$dir/plumbline.json" "$tmp/paris.json"
	sim_stop
}

# clear_requests: forget what the receiver got so far
clear_requests() { : >"$tmp/requests.jsonl"; }

# A. an outage, then a completed night
fresh "$tmp/outage" rec
night "$dir" "$tmp/paris.json" 1 3 --fault 529
expect_hook "2026-04-01 incomplete" "night 1"
night "$dir" "$tmp/paris.json" 2 0
night "$dir" "$tmp/paris.json" 3 0
expect_hook "2026-04-01 incomplete
2026-04-02 recovered" "outage"
[ "$(alerts /quiet)" = "2026-04-01 incomplete" ] ||
	fail "the channel without \"recovered\" got $(alerts /quiet)"
python3 - "$tmp/requests.jsonl" <<'PY' || fail "the outage's recovery (the assertion above)"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
hook = [r for r in reqs if r["path"] == "/hook"][1]
b = json.loads(hook["body"])
assert hook["headers"].get("X-Plumbline-Event") == "recovered", hook["headers"]
assert (b["kind"], b["event"], b["problem"], b["since"], b["availability"]) == \
    ("recovered", "recovered", "incomplete", "2026-04-01", 1.0), b
assert b["title"] == ("plumbline: sim/sim-gpt-1 on suite demo recovered: the run of 2026-04-02 "
                      "completed (incomplete since 2026-04-01)"), b["title"]
assert "(availability 100%)" in b["summary"] and "since 2026-04-01 (" in b["summary"], b["summary"]
teams = [json.loads(r["body"]) for r in reqs if r["path"] == "/teams"]
assert len(teams) == 2, len(teams)
title = teams[1]["attachments"][0]["content"]["body"][0]
assert title["color"] == "Good" and "recovered" in title["text"], title
PY

# B. a failing check, then passing again
clear_requests
fresh "$tmp/checks" rec2
night "$dir" "$tmp/london.json" 1 1
night "$dir" "$tmp/paris.json" 2 0
night "$dir" "$tmp/paris.json" 3 0
expect_hook "2026-04-01 check_failures
2026-04-02 recovered" "checks"
[ "$(alerts /quiet)" = "2026-04-01 check_failures" ] ||
	fail "the channel without \"recovered\" got $(alerts /quiet)"
python3 - "$tmp/requests.jsonl" <<'PY' || fail "the checks' recovery (the assertion above)"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
b = json.loads([r for r in reqs if r["path"] == "/hook"][1]["body"])
assert (b["problem"], b["since"]) == ("check_failures", "2026-04-01"), b
assert b["recovered_checks"] == [{"prompt": "capital-fr", "check": "names-city",
                                  "since": "2026-04-01"}], b["recovered_checks"]
assert "failed_checks" not in b, b
assert "1 check passing again since 2026-04-02" in b["title"], b["title"]
PY
# C. an outage, then a backfill of an earlier night (--date) that completes: it is not over
clear_requests
fresh "$tmp/backfill" rec3
night "$dir" "$tmp/paris.json" 5 3 --fault 529
night "$dir" "$tmp/paris.json" 4 0
expect_hook "2026-04-05 incomplete" "a backfilled night before the outage ended it"
night "$dir" "$tmp/paris.json" 6 0
expect_hook "2026-04-05 incomplete
2026-04-06 recovered" "backfill"
# D. a check fails on night 5; night 4 run later passes: no recovery, and night 6 failing the
# same check is not news (still told); night 7 passes: the recovery
clear_requests
fresh "$tmp/checks-backfill" rec4
night "$dir" "$tmp/london.json" 5 1
night "$dir" "$tmp/paris.json" 4 0
night "$dir" "$tmp/london.json" 6 1
expect_hook "2026-04-05 check_failures" "a backfilled night before the failing checks ended them"
night "$dir" "$tmp/paris.json" 7 0
expect_hook "2026-04-05 check_failures
2026-04-07 recovered" "checks backfill"
# E. outages on nights 1 and 3 (night 3's alert held back by the cooldown); night 2 run later
#    completes: no recovery (night 3, the latest incomplete, is after it); night 4: the recovery
clear_requests
fresh "$tmp/two-outages" rec5
night "$dir" "$tmp/paris.json" 1 3 --fault 529
night "$dir" "$tmp/paris.json" 3 3 --fault 529
night "$dir" "$tmp/paris.json" 2 0
expect_hook "2026-04-01 incomplete" "a backfilled night between two outages ended them"
night "$dir" "$tmp/paris.json" 4 0
expect_hook "2026-04-01 incomplete
2026-04-04 recovered" "two outages"
# F. the same for checks: failing on nights 1 and 3 (night 3 not news); night 2 run later
#    passes: no recovery (night 3 still failed); night 4 passes: the recovery
clear_requests
fresh "$tmp/two-failing" rec6
night "$dir" "$tmp/london.json" 1 1
night "$dir" "$tmp/london.json" 3 1
night "$dir" "$tmp/paris.json" 2 0
expect_hook "2026-04-01 check_failures" "a backfilled night between two failing nights ended them"
night "$dir" "$tmp/paris.json" 4 0
expect_hook "2026-04-01 check_failures
2026-04-04 recovered" "two failing nights"
echo "ok: a channel told a problem hears once that it is over"
