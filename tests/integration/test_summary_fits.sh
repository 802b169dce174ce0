#!/usr/bin/env bash
# test_summary_fits.sh: a change on a big suite whose prompt ids are long still has a whole
# summary line. 30 prompts, most with 44-character ids; the simulated vendor starts refusing
# and answering longer, so most prompts move. The line lists the moved prompts it has room for
# and says how many more ("(+N more)"), is never cut inside a word, and always ends the change
# with its stage ("suspected: epoch e2 unless tomorrow retracts it"). The webhook alert carries
# the same line, a "stage" field and a title that names the stage.
# Simulated vendor and the alert receiver on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

dir="$tmp/big"
cfg="$dir/plumbline.json"
suite="$tmp/big.json"
mkdir -p "$dir"
python3 - "$suite" <<'PY'
import json, sys
ps = []
for i in range(30):
    pid = "long-prompt-identifier-%02d-for-the-support-kb" % i if i % 3 else "prompt_%02d_under_score_" % i
    text = ("Explain in a short paragraph how the shop handles refund number %d for customers." % i
            if i % 2 == 0 else "Return a JSON object for product %d with keys name, price. Answer only JSON." % i)
    ps.append({"id": pid, "prompt": text, "checks": [{"type": "length", "max": 250}]})
json.dump({"id": "big", "defaults": {"temperature": 0.7, "max_tokens": 200, "samples": 10,
           "baseline_samples": 30}, "prompts": ps}, open(sys.argv[1], "w"), indent=1)
PY
receiver_start "$tmp/requests.jsonl"
export PL_IT_HOOK_KEY=hook-secret
config() {
	write_config "$dir" "$port"
	python3 - "$cfg" "$rport" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["alerts"] = {"retries": 0, "channels": [
    {"type": "webhook", "url": "http://127.0.0.1:%s/hook" % sys.argv[2], "secret_env": "PL_IT_HOOK_KEY"}]}
json.dump(c, open(sys.argv[1], "w"))
PY
}
sim_start rec --seed 7 --night 0
config
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim "$suite"
sim_stop
sim_start n1 --seed 7 --night 1 --drift refusals,longer
config
rc=0
"$PLUMBLINE" run --config "$cfg" --date 2026-03-01 --quiet "$suite" >"$tmp/n1.out" 2>&1 || rc=$?
sim_stop
[ "$rc" = 1 ] || fail "the night is not a change (exit $rc): $(cat "$tmp/n1.out")"
python3 - "$dir/reports/2026-03-01/sim-big.json" "$tmp/requests.jsonl" <<'PY' || fail "the summary line: $(json_get "$dir/reports/2026-03-01/sim-big.json" 'd["summary"]')"
import json, re, sys
r = json.load(open(sys.argv[1]))
s, det = r["summary"], r["detection"]["summary"]
print("  summary (%d bytes): %s" % (len(s.encode()), s))
assert r["detection"]["stage"] == "suspected", r["detection"]["stage"]
assert "; suspected: epoch e2 unless tomorrow retracts it" in det, det
assert "; suspected: epoch e2 unless tomorrow retracts it" in s, s
m = re.search(r"; moved prompts:((?: [^ ;()]+)*) \(\+(\d+) more\)", s)
assert m, "no (+N more): " + s
for w in m.group(1).split():
    assert re.fullmatch(r"(long-prompt-identifier-\d\d-for-the-support-kb|prompt_\d\d_under_score_)", w), w
assert len(det.encode()) < 512, len(det.encode())
reqs = [json.loads(l) for l in open(sys.argv[2])]
b = [json.loads(q["body"]) for q in reqs if json.loads(q["body"])["kind"] == "change"][-1]
assert b["summary"] == s, (b["summary"], s)
assert b["stage"] == "suspected", b
assert ": suspected, epoch e2 unless tomorrow retracts it (confidence" in b["title"], b["title"]
PY
echo "ok: a long change line keeps its stage and says how many moved prompts it leaves out"
