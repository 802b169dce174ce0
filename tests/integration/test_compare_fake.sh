#!/usr/bin/env bash
# test_compare_fake.sh: `plumbline compare` against a fake OpenAI-compatible vendor on 127.0.0.1
# whose answers are fixed (byte-identical across models), and that fails on purpose: a prompt
# one side never answers, answers without usage. What compare concludes from them, and what it
# says of their cost.
source "$(dirname "$0")/lib.sh"

# A fake OpenAI-compatible vendor: the same answer to every prompt from any model ("Paris");
# the model "fake-400" answers HTTP 400 to every prompt that contains LONGDOC; "fake-nousage"
# answers without "usage" (no token counts); "fake-lyon" answers "Lyon".
cat >"$tmp/fake.py" <<'PY'
import http.server, json, os, sys
portfile = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        b = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        model = b.get("model", "")
        if model == "fake-400" and "LONGDOC" in json.dumps(b.get("messages")):
            code, r = 400, {"error": {"message": "maximum context length is 4096 tokens", "type": "invalid_request_error"}}
        else:
            code, r = 200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
                            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Lyon" if model == "fake-lyon" else "Paris"}, "finish_reason": "stop"}],
                            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
            if model == "fake-nousage":
                del r["usage"]
        body = json.dumps(r).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1])); os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
python3 "$tmp/fake.py" "$tmp/fake.port" &
sim_pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/fake.port" ] && break; sleep 0.05; done
[ -s "$tmp/fake.port" ] || fail "fake vendor did not start"
fport=$(cat "$tmp/fake.port")
fdir="$tmp/cmpfake"
mkdir -p "$fdir"
fake_vendor() { # ID MODEL [EXTRA]
	printf '{"id": "%s", "probe": "openai", "base_url": "http://127.0.0.1:%s/v1", "model": "%s", "api_key_env": "PL_TEST_KEY", "concurrency": 8, "retries": 0, "timeout_ms": 5000%s}' "$1" "$fport" "$2" "${3:-}"
}
prices=', "prices": {"input_per_mtok": 1, "output_per_mtok": 2}'
cat >"$fdir/plumbline.json" <<JSON
{
  "vendors": [
    $(fake_vendor cur fake-small "$prices"),
    $(fake_vendor cand fake-400 "$prices"),
    $(fake_vendor big fake-big "$prices"),
    $(fake_vendor nousage fake-nousage "$prices"),
    $(fake_vendor lyon fake-lyon "$prices"),
    $(fake_vendor free fake-free ', "prices": {"input_per_mtok": 0, "output_per_mtok": 0}'),
    $(fake_vendor unp1 fake-unpriced-1),
    $(fake_vendor unp2 fake-unpriced-2)
  ],
  "paths": {"baselines": "$fdir/baselines", "reports": "$fdir/reports", "state": "$fdir/state"}
}
JSON
fcfg="$fdir/plumbline.json"
python3 - "$fdir/s6.json" <<'PY'
import json, sys
p = [{"id": "p%d" % i, "prompt": "Capital of France? (%d)" % i, "checks": [{"type": "regex", "pattern": "Paris"}]} for i in range(1, 6)]
p.append({"id": "longdoc", "prompt": "Capital of France? LONGDOC", "checks": [{"type": "regex", "pattern": "Paris"}]})
json.dump({"id": "s6", "defaults": {"samples": 5}, "prompts": p}, open(sys.argv[1], "w"))
PY

# A candidate that fails every request of one prompt (HTTP 400 on the long one) but answers 83%
# of the suite: that prompt was never compared, so the verdict is at best inconclusive (exit 3),
# naming it and why; the prompt count and the power are of the prompts compared (before: "safe
# to switch: no prompt regressed (6 prompts, ...)", exit 0).
expect_exit 3 "$PLUMBLINE" compare --config "$fcfg" --vendor cur --against cand --date 2026-03-01 \
	--samples 20 --min-power 0 "$fdir/s6.json"
cat "$tmp/last.out"
grep -q "inconclusive: 1 prompt untested (longdoc: the candidate answered 0 of 20: bad_request); no other prompt regressed (5 prompts compared, power " "$tmp/last.out" ||
	fail "untested prompt: $(cat "$tmp/last.out")"
! grep -q "safe to switch" "$tmp/last.out" || fail "untested prompt called safe"
frep="$fdir/reports/compare/2026-03-01/cur-vs-cand-s6.json"
[ "$(json_get "$frep" 'd["verdict"] == "inconclusive" and d["untested"] == [{"prompt": "longdoc", "side": "against", "answered": 0, "requested": 20, "faults": "bad_request"}] and d["statistics"]["prompts_compared"] == 5')" = True ] ||
	fail "untested prompt report: $(json_get "$frep" 'd["verdict"], d["untested"], d["statistics"]')"
# the other way round: the current entry did not answer it, the same
expect_exit 3 "$PLUMBLINE" compare --config "$fcfg" --vendor cand --against cur --date 2026-03-01 \
	--samples 20 --min-power 0 "$fdir/s6.json"
grep -q "inconclusive: 1 prompt untested (longdoc: the current entry answered 0 of 20: bad_request)" "$tmp/last.out" ||
	fail "untested prompt on --vendor: $(cat "$tmp/last.out")"
# Byte-identical answers from two models: the model ids differ, as they always do in a
# comparison; a fact in the distribution section ("model: X vs Y"), not a difference in the
# answers, and no nightly epoch wording (before: "answers differ in distribution" and "changed:
# model; suspected: epoch e2 unless tomorrow retracts it").
expect_exit 0 "$PLUMBLINE" compare --config "$fcfg" --vendor cur --against big --date 2026-03-01 \
	--samples 20 --min-power 0 "$fdir/s6.json"
! grep -q "answers differ in distribution" "$tmp/last.out" || fail "identical answers differ: $(cat "$tmp/last.out")"
! grep -Eqi "epoch|tomorrow" "$tmp/last.out" || fail "epoch wording: $(cat "$tmp/last.out")"
brep="$fdir/reports/compare/2026-03-01/cur-vs-big-s6.json"
[ "$(json_get "$brep" 'd["distribution"]["summary"]')" = "model: fake-small vs fake-big; answers alike in distribution" ] ||
	fail "distribution summary: $(json_get "$brep" 'd["distribution"]')"
[ "$(json_get "$brep" 'd["distribution"]["verdict"]')" = no_change ] || fail "distribution verdict"
# Cost. Known at both sides' prices: 120 answers of 10 + 5 tokens at 1 and 2 per million.
grep -q "; cost 0.002400 -> 0.002400 (+0%)" "$tmp/last.out" || fail "known cost: $(cat "$tmp/last.out")"
[ "$(json_get "$brep" 'd["totals"]["vendor"]["cost"] == d["totals"]["against"]["cost"] == 0.0024 and d["totals"]["vendor"]["cost_unknown"] is None')" = True ] ||
	fail "known cost in the report: $(json_get "$brep" 'd["totals"]')"
# A free model (prices 0) costs 0, known; a candidate whose answers carry no token counts, and
# vendors without prices, cost what is unknown: "unknown" in the verdict line and the Markdown,
# null in the report with the reason, never 0 (before: "cost": 0, as cheap as free).
expect_exit 0 "$PLUMBLINE" compare --config "$fcfg" --vendor free --against nousage --date 2026-03-01 \
	--samples 20 --min-power 0 --markdown "$fdir/cost.md" "$fdir/s6.json"
grep -q "; cost 0.000000 -> unknown$" "$tmp/last.out" || fail "unknown cost (no usage): $(cat "$tmp/last.out")"
grep -q "; cost 0.000000 -> unknown" "$fdir/cost.md" || fail "unknown cost in the Markdown: $(cat "$fdir/cost.md")"
nrep="$fdir/reports/compare/2026-03-01/free-vs-nousage-s6.json"
[ "$(json_get "$nrep" 'd["totals"]["vendor"]["cost"] == 0 and d["totals"]["against"]["cost"] is None and d["totals"]["against"]["cost_unknown"] == "120 of 120 answers have no token counts"')" = True ] ||
	fail "unknown cost (no usage) in the report: $(json_get "$nrep" 'd["totals"]')"
expect_exit 0 "$PLUMBLINE" compare --config "$fcfg" --vendor unp1 --against unp2 --date 2026-03-01 \
	--samples 20 --min-power 0 "$fdir/s6.json"
grep -q "; cost unknown$" "$tmp/last.out" || fail "unpriced: $(cat "$tmp/last.out")"
! grep -q "cost 0" "$tmp/last.out" || fail "unpriced cost said 0: $(cat "$tmp/last.out")"
urep="$fdir/reports/compare/2026-03-01/unp1-vs-unp2-s6.json"
[ "$(json_get "$urep" 'd["totals"]["vendor"]["cost"] is None and d["totals"]["against"]["cost"] is None and d["totals"]["vendor"]["cost_unknown"] == "vendor \"unp1\" has no prices in the config (\"prices\")"')" = True ] ||
	fail "unpriced cost in the report: $(json_get "$urep" 'd["totals"]')"
# A cost budget cannot count an unpriced vendor: refused, --dry-run too, as run refuses it
# (before: the dry run planned it as a budget that holds)
expect_exit 2 "$PLUMBLINE" compare --config "$fcfg" --vendor cur --against unp1 --max-cost 1 --dry-run "$fdir/s6.json"
grep -q 'plumbline: --max-cost: vendor "unp1" has no prices in the config, so its cost is unknown' "$tmp/last.err" ||
	fail "unpriced --max-cost --dry-run: $(cat "$tmp/last.err")"
expect_exit 0 "$PLUMBLINE" compare --config "$fcfg" --vendor cur --against big --max-cost 1 --dry-run "$fdir/s6.json"
# A q-value far below 0.001 (every "Paris" check 20/20 -> 0/20) prints "q < 0.001", as the
# run's what-changed prints p (stats_format_p), never a rounded "q 0" (before)
expect_exit 1 "$PLUMBLINE" compare --config "$fcfg" --vendor cur --against lyon --date 2026-03-01 \
	--samples 20 --min-power 0 --markdown "$fdir/q.md" "$fdir/s6.json"
[ "$(grep -c '^  regressed: p[1-5] regex match /Paris/: 1.00 -> 0.00, q < 0.001; cur: "Paris"; lyon: "Lyon"$' "$tmp/last.out")" = 5 ] ||
	fail "small q: $(cat "$tmp/last.out")"
! grep -q "q 0[;.]" "$tmp/last.out" || fail "a q printed as 0: $(cat "$tmp/last.out")"
grep -q "1.00 -> 0.00, q &lt; 0.001;" "$fdir/q.md" || fail "small q in the Markdown: $(cat "$fdir/q.md")"
echo "compare_fake: ok"
