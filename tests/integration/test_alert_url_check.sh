#!/usr/bin/env bash
# test_alert_url_check.sh: a channel URL read from url_env is checked by `plumbline check` and
# `doctor` when the variable is set (README, Alerts), as the sender checks it: before, both said
# the channel was valid and only a night's delivery (or `alert test`) found 'htps://...'. The
# message names the variable, never its value (a webhook URL holds its token). An unset
# variable is no error for check (it may run without the secrets); doctor reports it.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/urls"
write_config "$dir" 9
cfg="$dir/plumbline.json"
python3 - "$cfg" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["alerts"] = {"channels": [{"type": "slack", "url_env": "PL_TEST_SLACK_URL"}]}
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
unset PL_TEST_SLACK_URL
expect_exit 0 "$PLUMBLINE" check --config "$cfg" "$suite"

export PL_TEST_SLACK_URL='htps://hooks.example.com/services/T0/B0/SECRETTOKEN'
expect_exit 2 "$PLUMBLINE" check --config "$cfg" "$suite"
grep -qF 'alert channel "slack": environment variable PL_TEST_SLACK_URL does not hold a usable URL: it expected an http:// or https:// URL' \
	"$tmp/last.err" || fail "check: $(cat "$tmp/last.err")"
! grep -q SECRETTOKEN "$tmp/last.err" "$tmp/last.out" || fail "check repeats the URL"
expect_exit 1 "$PLUMBLINE" doctor --config "$cfg" "$suite"
grep -q 'FAIL.*alert channel "slack": environment variable PL_TEST_SLACK_URL does not hold a usable URL' \
	"$tmp/last.out" || fail "doctor: $(cat "$tmp/last.out")"
! grep -q SECRETTOKEN "$tmp/last.err" "$tmp/last.out" || fail "doctor repeats the URL"

export PL_TEST_SLACK_URL='https://'
expect_exit 2 "$PLUMBLINE" check --config "$cfg" "$suite"
grep -qF 'PL_TEST_SLACK_URL does not hold a usable URL: it does not parse as a URL' "$tmp/last.err" ||
	fail "no host: $(cat "$tmp/last.err")"

export PL_TEST_SLACK_URL='https://hooks.example.com/services/T0/B0/SECRETTOKEN'
expect_exit 0 "$PLUMBLINE" check --config "$cfg" "$suite"
echo "ok: check and doctor refuse a bad alert URL from the environment"
