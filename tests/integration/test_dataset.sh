#!/usr/bin/env bash
# test_dataset.sh: a suite prompt with a CSV dataset and every string check (quoted fields, CRLF, an "id" column) and
# one with a JSON Lines dataset, run against the simulated vendor on 127.0.0.1: one prompt per
# row with {{ name }} expanded in the prompt and in the string checks; a clean night passes
# (exit 0) and a changed vendor is caught (exit 1); editing one row makes that row's prompt
# "suite edited" and no other; an unknown {{ var }} is a suite error (exit 2) naming the
# suite's FILE:LINE:COL and the row's FILE:LINE.
source "$(dirname "$0")/lib.sh"

mkdir -p "$tmp/suites"
suite="$tmp/suites/geo.json"
cat >"$suite" <<'JSON'
{
  "id": "geo",
  "defaults": {"samples": 6, "baseline_samples": 12, "temperature": 0.7, "max_tokens": 16},
  "prompts": [
    {
      "id": "capital",
      "dataset": "capitals.csv",
      "prompt": "What is the capital of {{ country }}? Answer with one word.",
      "checks": [
        {"type": "icontains", "value": "{{capital}}", "min_pass_rate": 0.8},
        {"type": "contains_any", "values": ["{{capital}}", "{{ lower }}"], "min_pass_rate": 0.8},
        {"type": "not_contains", "value": "{{wrong}}"},
        {"type": "not_refusal", "min_pass_rate": 0.8},
        {"type": "contains", "value": "{{capital}}", "min_pass_rate": 0.5},
        {"type": "starts_with", "value": "{{lower}}", "case_sensitive": false, "min_pass_rate": 0.5},
        {"type": "equals", "value": "{{capital}}", "trim": true, "case_sensitive": false, "min_pass_rate": 0.3},
        {"type": "contains_all", "values": ["{{capital}}", "{{lower}}"], "case_sensitive": false, "min_pass_rate": 0.8}
      ]
    },
    {
      "id": "fact",
      "dataset": "facts.jsonl",
      "messages": [{"role": "user", "content": "{{q}} Answer with one word."}],
      "checks": [{"type": "icontains", "value": "{{a}}", "min_pass_rate": 0.8}]
    }
  ]
}
JSON
# CRLF line ends, a quoted field with a comma and doubled quotes in a column no template uses
printf '%s\r\n' 'id,country,capital,lower,wrong,note' \
	'fr,France,Paris,paris,Berlin,"the ""city of light"", on the Seine"' \
	'jp,Japan,Tokyo,tokyo,Paris,' \
	'de,Germany,Berlin,berlin,Tokyo,' >"$tmp/suites/capitals.csv"
cat >"$tmp/suites/facts.jsonl" <<'JSONL'
{"q": "Which planet is the red planet?", "a": "Mars"}

{"q": "What is 2+2?", "a": 4}
JSONL

sim_start sim --seed 5 --night 0
write_config "$tmp/w" "$port"
cfg="$tmp/w/plumbline.json"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
expect_exit 0 "$PLUMBLINE" check --config "$cfg" "$suite"

# One prompt per row: ids from the "id" column, else the row number.
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim "$suite"
bl="$tmp/w/baselines/sim/sim-gpt-1/geo.json"
[ "$(json_get "$bl" '[p["id"] for p in d["prompts"]]')" = \
	"['capital-de', 'capital-fr', 'capital-jp', 'fact-1', 'fact-2']" ] ||
	fail "prompts: $(json_get "$bl" '[p["id"] for p in d["prompts"]]')"
[ "$(json_get "$bl" 'len({p["request_sha256"] for p in d["prompts"]})')" = 5 ] ||
	fail "the rows do not have a request hash each"

# A clean night passes; each row's own expanded checks were applied.
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-01 "$suite"
report="$tmp/w/reports/2026-03-01/sim-geo.json"
[ "$(json_get "$report" 'd["verdict"]')" = pass ] || fail "verdict $(json_get "$report" 'd["verdict"]')"
labels=$(json_get "$report" '{p["id"]: [c.get("label", c.get("id")) for c in p["checks"]] for p in d["prompts"]}')
for want in "'capital-jp': \['icontains \"Tokyo\"'" "contains_any 2 values: \"Tokyo\", ..." \
	"not_contains \"Paris\"" "'fact-2': \['icontains \"4\"'\]"; do
	grep -qE -- "$want" <<<"$labels" || fail "expanded checks: want $want in $labels"
done
sim_stop

# A changed vendor (half its answers plain-text refusals) is caught.
sim_start sim2 --seed 5 --night 1 --drift refusal-text --drift-strength 0.5
write_config "$tmp/w" "$port"
expect_exit 1 "$PLUMBLINE" run --config "$cfg" --date 2026-03-02 "$suite"
grep -q "sim/geo \[sim-gpt-1\]: changed" "$tmp/last.out" || fail "not changed: $(cat "$tmp/last.out")"
sim_stop

# Editing one row's country makes that row's prompt edited, and no other.
sim_start sim3 --seed 5 --night 2
write_config "$tmp/w" "$port"
sed -i 's/^jp,Japan,/jp,Nippon,/' "$tmp/suites/capitals.csv"
expect_exit 3 "$PLUMBLINE" run --config "$cfg" --date 2026-03-03 "$suite"
grep -q "suite edited: prompt capital-jp changed since its baseline" "$tmp/last.out" ||
	fail "the edited row is not named: $(cat "$tmp/last.out")"
[ "$(grep -c "suite edited: prompt" "$tmp/last.out")" = 1 ] || fail "other rows named: $(cat "$tmp/last.out")"
# an edit of a value only the checks use needs no new baseline (the request is the same)
sed -i 's/^jp,Nippon,/jp,Japan,/; s/^de,Germany,Berlin,berlin,Tokyo,/de,Germany,Berlin,berlin,Rome,/' "$tmp/suites/capitals.csv"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-03-04 "$suite"
grep -q "suite edited" "$tmp/last.out" && fail "a check-only edit was a suite edit: $(cat "$tmp/last.out")"

# An unknown variable: exit 2, naming the suite's place and the row.
sed -i 's/{{wrong}}/{{ wrnog }}/' "$suite"
expect_exit 2 "$PLUMBLINE" check --config "$cfg" "$suite"
grep -qF "$suite:12:43: prompts[0].checks[2].value: unknown template variable \"wrnog\" (row $tmp/suites/capitals.csv:2 has id, country, capital, lower, wrong, note)" "$tmp/last.err" ||
	fail "unknown variable: $(cat "$tmp/last.err")"
sed -i 's/{{ wrnog }}/{{wrong}}/' "$suite"
# A broken CSV: exit 2 naming its line.
printf 'id,country\r\nfr,"France\r\n' >"$tmp/suites/capitals.csv"
expect_exit 2 "$PLUMBLINE" check --config "$cfg" "$suite"
grep -qF "$tmp/suites/capitals.csv:2: unterminated quoted field" "$tmp/last.err" ||
	fail "broken CSV: $(cat "$tmp/last.err")"
rm "$tmp/suites/capitals.csv"
expect_exit 2 "$PLUMBLINE" check --config "$cfg" "$suite"
# a missing file is the suite's mistake: named at the suite's line and key (it named the CSV only)
grep -Eq "^plumbline: $suite:[0-9]+:[0-9]+: prompts\[0\]\.dataset: cannot read $tmp/suites/capitals.csv: No such file or directory" "$tmp/last.err" ||
	fail "missing CSV: $(cat "$tmp/last.err")"
echo ok
