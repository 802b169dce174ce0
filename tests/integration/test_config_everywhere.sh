#!/usr/bin/env bash
# test_config_everywhere.sh: every command that reads --config refuses the config `check` and
# `run` refuse (exit 2, the same FILE:LINE:COL message), before it sends or writes anything: an
# unknown key in "alerts", a webhook without secret_env, an unknown key in "logging",
# "signing" or "detection", a base_url or an alerts report_url_base with a query or fragment
# (QA: report_url_base "https://ci/pl/?t=x" was accepted and every alert's link was broken).
# Before, `baseline record`, `compare` and `keygen` validated only the config's own keys: a
# baseline was recorded (150 requests) and then every night exited 2.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/cfg"
sim_start sim --seed 5 --night 1
write_config "$dir" "$port"
good="$dir/plumbline.json"
python3 - "$good" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["vendors"].append(dict(d["vendors"][0], id="sim2", model="sim-gpt-2"))
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 0 "$PLUMBLINE" check --config "$good" "$suite"

# bad NAME PYTHON-EDIT: a copy of the good config with one section set by PYTHON-EDIT on `d`.
bad() {
	python3 - "$good" "$dir/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
}
hook='{"type": "webhook", "url": "http://127.0.0.1:9/h", "secret_env": "PL_HOOK_KEY"}'
bad alerts_key "d['alerts'] = {'channels': [$hook], 'bogus_key': 1}"
bad webhook_nosecret "d['alerts'] = {'channels': [{'type': 'webhook', 'url': 'http://127.0.0.1:9/h'}]}"
bad logging_key "d['logging'] = {'bogus_key': 1}"
bad signing_key "d['signing'] = {'bogus_key': 1}"
bad detection_key "d['detection'] = {'bogus_key': 1}"
bad url_password "d['vendors'][1]['base_url'] = 'http://admin:S3cretPw@127.0.0.1:9/v1'"
bad url_query "d['vendors'][1]['base_url'] = 'http://127.0.0.1:9/v1beta?key=FAKE-KEY-SECRET'"
# a link base with a query or fragment: NIGHT/FILE would be appended inside it (a broken link)
bad link_query "d['alerts'] = {'channels': [$hook], 'report_url_base': 'https://ci.example/pl/?t=FAKE-KEY-SECRET'}"
bad link_fragment "d['alerts'] = {'channels': [$hook], 'report_url_base': 'https://ci.example/pl/#FAKE-KEY-SECRET'}"
want_alerts_key="alerts.bogus_key: unknown key"
want_webhook_nosecret="alerts.channels[0]: missing required key \"secret_env\""
want_logging_key="logging.bogus_key: unknown key"
want_signing_key="signing.bogus_key: unknown key"
want_detection_key="detection.bogus_key: unknown key"
want_url_password="vendors[1].base_url: holds a user name or password (USER:PASSWORD@HOST)"
want_url_query="vendors[1].base_url: has a query string"
want_link_query="alerts.report_url_base: has a query string (?...): the report's NIGHT/FILE is appended after it"
want_link_fragment="alerts.report_url_base: has a fragment (#...): the report's NIGHT/FILE is appended after it"

for c in alerts_key webhook_nosecret logging_key signing_key detection_key url_password url_query \
	link_query link_fragment; do
	cfg="$dir/$c.json"
	want="want_$c"
	want=${!want}
	rm -rf "$dir/baselines" "$dir/reports" "$dir/state"
	expect_exit 2 "$PLUMBLINE" check --config "$cfg" "$suite"
	grep -qF "$want" "$tmp/last.err" || fail "$c: check: $(cat "$tmp/last.err")"
	# located: FILE:LINE:COL of the field
	grep -qE "^plumbline: $cfg:[0-9]+:[0-9]+: " "$tmp/last.err" || fail "$c: not located: $(cat "$tmp/last.err")"
	for cmd in "baseline record --config $cfg --vendor sim $suite" \
		"compare --config $cfg --vendor sim --against sim2 $suite" \
		"run --config $cfg --vendor sim $suite" \
		"run --dry-run --config $cfg --vendor sim $suite" \
		"keygen --config $cfg" \
		"verify --config $cfg $dir/nothing.json" \
		"register show --config $cfg" \
		"baseline accept --config $cfg --report $dir/nothing.json --reason test" \
		"alert test --config $cfg" \
		"doctor --config $cfg $suite"; do
		# shellcheck disable=SC2086
		expect_exit 2 "$PLUMBLINE" $cmd
		grep -qF "$want" "$tmp/last.err" "$tmp/last.out" ||
			fail "$c: '$cmd' does not say why: $(cat "$tmp/last.err")"
		! grep -qE 'S3cretPw|FAKE-KEY-SECRET' "$tmp/last.err" "$tmp/last.out" ||
			fail "$c: '$cmd' repeats the URL's secret"
	done
	[ ! -e "$dir/baselines" ] || fail "$c: a baseline was written: $(find "$dir/baselines")"
	[ ! -e "$dir/state/keys" ] && [ -z "$(find "$dir" -name '*.key')" ] || fail "$c: a key was written"
done
echo "ok: every command refuses what check refuses"
