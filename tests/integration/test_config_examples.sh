#!/usr/bin/env bash
# test_config_examples.sh: every config the project ships or shows passes `plumbline check`:
# README's full example and each entry of its vendor table, plumbline-config(5)'s example,
# suites/example-config.json, the fuzz corpus's good configs, the fixtures' good configs and
# `plumbline init` for every starter. A vendor setting its probe does not read (region on
# openai, api_version on gemini) is refused, naming the key, the probe and the probes that read
# it; the probes that read them still take them.
source "$(dirname "$0")/lib.sh"

src=$PL_SOURCE_DIR
n=0
ok_check() {
	expect_exit 0 "$PLUMBLINE" check --config "$1"
	n=$((n + 1))
}

# README: the JSON blocks that are whole configs, and each vendor table entry in a config.
python3 - "$src/README.md" "$tmp/readme" <<'PY'
import json, os, re, sys
text = open(sys.argv[1]).read()
out = sys.argv[2]
os.makedirs(out)
k = 0
for block in re.findall(r"```json\n(.*?)```", text, re.S):
    if '"vendors"' in block:
        json.loads(block)
        open("%s/block-%d.json" % (out, k), "w").write(block)
        k += 1
entries = re.findall(r"^\| [^|]+ \| `[a-z-]+` \| `(\{.*\})` \|$", text, re.M)
if len(entries) < 6 or k < 1:
    sys.exit("README: %d config blocks, %d vendor entries" % (k, len(entries)))
for i, e in enumerate(entries):
    json.dump({"vendors": [json.loads(e)]}, open("%s/vendor-%d.json" % (out, i), "w"))
PY
for f in "$tmp"/readme/*.json; do ok_check "$f"; done

# plumbline-config(5)'s EXAMPLE, as groff prints it
groff -man -Tascii -P-cbou "$src/harness/plumbline-config.5" 2>/dev/null |
	sed -n '/^EXAMPLE/,/^SEE ALSO/p' | sed '1d;$d' >"$tmp/man-example.json"
grep -q '"vendors"' "$tmp/man-example.json" || fail "no example in plumbline-config(5)"
ok_check "$tmp/man-example.json"

for f in "$src/suites/example-config.json" "$src/tests/fixtures/bad/good-config.json" \
	"$src"/tests/fixtures/bad/vendor-*.config.json \
	"$src/tests/fuzz/corpus/fuzz_config/example-config.json" \
	"$src/tests/fuzz/corpus/fuzz_config/demo-config.json" \
	"$src/tests/fuzz/corpus/fuzz_config/good-config.json"; do
	ok_check "$f"
done

for v in openai azure anthropic gemini ollama bedrock; do
	expect_exit 0 "$PLUMBLINE" init --vendor "$v" "$tmp/init-$v"
	ok_check "$tmp/init-$v/plumbline.json"
done
echo "$n shipped configs pass check"

# A setting the probe does not read is an error at its line, naming the probes that read it.
bad() { # PROBE EXTRA WANT
	cat >"$tmp/bad.json" <<JSON
{
  "vendors": [
    {"id": "v", "probe": "$1", "base_url": "http://127.0.0.1:9/v1", "model": "m",
     $2}
  ]
}
JSON
	expect_exit 2 "$PLUMBLINE" check --config "$tmp/bad.json"
	grep -qF "$3" "$tmp/last.err" || fail "$1 + $2: $(cat "$tmp/last.err")"
}
for p in openai azure-openai anthropic gemini ollama; do
	bad "$p" '"region": "us-east-1"' \
		"bad.json:4:16: vendors[0].region: probe $p does not use \"region\" (it is used only by probe bedrock): remove it"
done
for p in openai gemini ollama; do
	bad "$p" '"api_version": "2024-10-21"' \
		"bad.json:4:21: vendors[0].api_version: probe $p does not use \"api_version\" (it is used only by probes azure-openai, anthropic): remove it"
done
bad bedrock '"region": "us-east-1", "api_version": "1"' \
	"vendors[0].api_version: probe bedrock does not use \"api_version\""
echo "ok"
