#!/usr/bin/env bash
# test_init.sh: `plumbline init` writes a starter config and suite that `plumbline check`
# accepts, for every probe (the list comes from the config validator), with an example of every
# registered check kind (the list comes from the suite validator); it never replaces a file
# without --force; and `run --dry-run` prints the plan without any API key.
source "$(dirname "$0")/lib.sh"
unset OPENAI_API_KEY ANTHROPIC_API_KEY AZURE_OPENAI_API_KEY GEMINI_API_KEY BEDROCK_CREDENTIALS

# The default: one openai vendor, into a new folder; the next commands are printed.
expect_exit 0 "$PLUMBLINE" init "$tmp/a"
[ -f "$tmp/a/plumbline.json" ] && [ -f "$tmp/a/suites/starter.json" ] || fail "files not written"
# (the config signs reports, and run refuses to start without the key: keygen is a step)
for want in "cd $tmp/a" "export OPENAI_API_KEY=" "plumbline keygen --config plumbline.json" \
	"plumbline doctor --config plumbline.json suites/starter.json" \
	"plumbline baseline record --config plumbline.json --vendor openai suites/starter.json" \
	"plumbline run --config plumbline.json suites/starter.json"; do
	grep -qF -- "$want" "$tmp/last.out" || fail "init does not print '$want': $(cat "$tmp/last.out")"
done
[ "$(json_get "$tmp/a/plumbline.json" '[v["probe"] for v in d["vendors"]]')" = "['openai']" ] ||
	fail "default vendor: $(cat "$tmp/a/plumbline.json")"
[ "$(json_get "$tmp/a/plumbline.json" 'd["vendors"][0]["api_key_env"]')" = OPENAI_API_KEY ] ||
	fail "api_key_env"
[ "$(json_get "$tmp/a/plumbline.json" 'sorted(d["paths"]) + sorted(d["signing"])')" = \
	"['baselines', 'reports', 'state', 'public_key', 'register', 'secret_key']" ] || fail "paths"
(cd "$tmp/a" && expect_exit 0 "$PLUMBLINE" check --config plumbline.json suites/starter.json)
(cd "$tmp/a" && expect_exit 0 "$PLUMBLINE" keygen --config plumbline.json &&
	[ -f "$(json_get plumbline.json 'd["signing"]["secret_key"]')" ]) || fail "the printed keygen step"

# Never replaces a file: exit 2, nothing written; --force replaces.
echo '{"changed": 1}' >"$tmp/a/plumbline.json"
sum=$(md5sum "$tmp/a/plumbline.json" "$tmp/a/suites/starter.json")
expect_exit 2 "$PLUMBLINE" init "$tmp/a"
grep -q "plumbline.json exists; nothing was written" "$tmp/last.err" || fail "refusal: $(cat "$tmp/last.err")"
[ "$sum" = "$(md5sum "$tmp/a/plumbline.json" "$tmp/a/suites/starter.json")" ] || fail "a file was replaced"
rm "$tmp/a/plumbline.json"
expect_exit 2 "$PLUMBLINE" init "$tmp/a" # the suite is still there
[ ! -e "$tmp/a/plumbline.json" ] || fail "config written although the suite exists"
expect_exit 0 "$PLUMBLINE" init --force "$tmp/a"
expect_exit 0 "$PLUMBLINE" check --config "$tmp/a/plumbline.json" "$tmp/a/suites/starter.json"

# Every probe the config accepts has a starter entry that passes check.
cat >"$tmp/bad.json" <<'JSON'
{"vendors": [{"id": "x", "probe": "no-such-probe", "base_url": "http://127.0.0.1:1", "model": "m"}]}
JSON
expect_exit 2 "$PLUMBLINE" check --config "$tmp/bad.json"
probes=$(sed -n 's/.*unknown probe "no-such-probe" (expected one of: \(.*\)).*/\1/p' "$tmp/last.err" | tr -d ,)
[ "$(echo "$probes" | wc -w)" -ge 6 ] || fail "probe list: $(cat "$tmp/last.err")"
args=()
for p in $probes; do
	expect_exit 0 "$PLUMBLINE" init --vendor "$p" "$tmp/p-$p"
	expect_exit 0 "$PLUMBLINE" check --config "$tmp/p-$p/plumbline.json" "$tmp/p-$p/suites/starter.json"
	[ "$(json_get "$tmp/p-$p/plumbline.json" 'd["vendors"][0]["probe"]')" = "$p" ] || fail "$p: probe"
	args+=(--vendor "$p")
done
expect_exit 0 "$PLUMBLINE" init "${args[@]}" --vendor azure "$tmp/all"
expect_exit 0 "$PLUMBLINE" check --config "$tmp/all/plumbline.json" "$tmp/all/suites/starter.json"
[ "$(json_get "$tmp/all/plumbline.json" 'len(d["vendors"])')" = "$(echo "$probes" | wc -w)" ] ||
	fail "one entry per vendor (azure = azure-openai)"
expect_exit 2 "$PLUMBLINE" init --vendor openia "$tmp/typo"
grep -q "unknown vendor 'openia'" "$tmp/last.err" || fail "unknown vendor: $(cat "$tmp/last.err")"
[ ! -e "$tmp/typo" ] || fail "files written for an unknown vendor"

# The starter suite has an example of every check kind the suite validator knows.
cat >"$tmp/badsuite.json" <<'JSON'
{"id": "s", "prompts": [{"id": "p", "prompt": "x", "checks": [{"type": "no-such-kind"}]}]}
JSON
expect_exit 2 "$PLUMBLINE" check --config "$tmp/a/plumbline.json" "$tmp/badsuite.json"
kinds=$(sed -n 's/.*unknown check type "no-such-kind" (expected one of: \(.*\)).*/\1/p' "$tmp/last.err" | tr -d ,)
[ "$(echo "$kinds" | wc -w)" -ge 5 ] || fail "kind list: $(cat "$tmp/last.err")"
have=$(json_get "$tmp/a/suites/starter.json" '" ".join(sorted({c["type"] for p in d["prompts"] for c in p.get("checks", [])}))')
for k in $kinds; do
	case " $have " in *" $k "*) ;; *) fail "check kind '$k' is not in the starter suite (add its example_prompt/example)" ;; esac
done

# Into the current folder by default; run --dry-run plans it without any key.
mkdir "$tmp/cwd"
(cd "$tmp/cwd" && expect_exit 0 "$PLUMBLINE" init --vendor anthropic --vendor openai)
[ -f "$tmp/cwd/plumbline.json" ] || fail "init without DIR"
if grep -q "^  cd " "$tmp/last.out"; then fail "no cd for the current folder"; fi
(cd "$tmp/cwd" && expect_exit 0 "$PLUMBLINE" run --dry-run --config plumbline.json suites/starter.json)
# nothing recorded yet: each pair is named with the command that records it
grep -q "^anthropic/starter .*not baselined.*plumbline baseline record" "$tmp/last.out" ||
	fail "dry-run before any baseline: $(cat "$tmp/last.out")"
(cd "$tmp/cwd" && expect_exit 0 "$PLUMBLINE" baseline record --dry-run --vendor all --config plumbline.json suites/starter.json)
# every starter prompt, its baseline samples (the starter's default), on both vendors
want=$(json_get "$tmp/cwd/suites/starter.json" 'len(d["prompts"]) * d["defaults"]["baseline_samples"] * 2')
grep -q "^plan [0-9a-f]*: $want requests" "$tmp/last.out" || fail "dry-run plan (want $want): $(cat "$tmp/last.out")"
grep -q "anthropic .* $((want / 2)) requests" "$tmp/last.out" || fail "dry-run per vendor: $(cat "$tmp/last.out")"
[ ! -e "$tmp/cwd/.plumbline" ] || fail "dry-run wrote state"
echo ok
