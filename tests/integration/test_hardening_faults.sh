#!/usr/bin/env bash
# test_hardening_faults.sh: the fault matrix. Every simulator fault (429 storms with and without
# Retry-After, 500/503 bursts, 529, resets, slow headers, bodies that never finish, truncated
# bodies, wrong content types, stream errors) and TLS (a self-signed loopback certificate is
# rejected unless the vendor's ca_file names it): the run completes (exit 0) or stops cleanly
# (exit 3, verdict "incomplete"), within a time limit, the report counts and classifies the
# vendor faults, and no fault ever gives a "changed" verdict. Prints the outcome table.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/tests/fixtures/hardening/mini-suite.json"
certs="$PL_SOURCE_DIR/tests/fixtures/sim"
base="$tmp/base"

setup_sim "$base" "$suite"

# vendor_set CONFIG JSON_OBJECT: sets these keys of the config's first vendor.
vendor_set() {
	python3 - "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["vendors"][0].update(json.loads(sys.argv[2]))
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}

# row NAME WANT_EXITS SIM_ARGS... : one night against a faulty simulator.
# $extra: more vendor keys; $scheme: http or https.
row() {
	local name=$1 want=$2 rc=0 t0 secs report verdict det faults not_sent kinds share
	shift 2
	rm -rf "$tmp/$name"
	cp -r "$base" "$tmp/$name"
	sim_start "$name" --seed 5 --night 1 "$@"
	write_config "$tmp/$name" "$port"
	vendor_set "$tmp/$name/plumbline.json" "{\"base_url\": \"${scheme:-http}://127.0.0.1:$port/v1\"${extra:-}}"
	t0=$(date +%s)
	timeout 120 "$PLUMBLINE" run --config "$tmp/$name/plumbline.json" --date 2026-02-01 \
		"$suite" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
	secs=$(($(date +%s) - t0))
	sim_stop
	[ "$rc" != 124 ] || fail "$name: the run hung (killed after 120 s)"
	[[ ",$want," == *",$rc,"* ]] || fail "$name: exit $rc, want $want: $(cat "$tmp/$name.out" "$tmp/$name.err")"
	report="$tmp/$name/reports/2026-02-01/sim-mini.json"
	[ -f "$report" ] || fail "$name: no report"
	verdict=$(json_get "$report" 'd["verdict"]')
	det=$(json_get "$report" 'd.get("detection", {}).get("verdict", "-")')
	faults=$(json_get "$report" 'd["counts"]["faults"]')        # sent, no answer
	not_sent=$(json_get "$report" 'd["counts"]["not_sent"]')    # the vendor was given up first
	share=$(json_get "$report" 'd["counts"]["answered_share"]')
	kinds=$(json_get "$report" '",".join(sorted({k for p in d["prompts"] for k in p.get("fault_kinds", "").split(",") if k})) or "-"')
	[ "$verdict" != changed ] && [ "$det" != changed ] || fail "$name: a vendor fault gave a changed verdict"
	case $rc in
	0) [ "$verdict" = pass ] || fail "$name: exit 0 with verdict $verdict" ;;
	3) [ "$verdict" = incomplete ] || fail "$name: exit 3 with verdict $verdict" ;;
	esac
	# A report that lost answers says why: counted and classified faults.
	if [ "$share" != 1.0 ] && [ "$share" != 1 ]; then
		[ $((faults + not_sent)) -gt 0 ] && [ "$kinds" != - ] ||
			fail "$name: answers missing but no fault named"
	fi
	printf '%-26s %4s  %-10s %-9s %6s %8s %4s  %s\n' "$name" "$rc" "$verdict" "$det" \
		"$faults/$not_sent" "$share" "$secs" "$kinds" >>"$tmp/table"
}

printf '%-26s %4s  %-10s %-9s %6s %8s %4s  %s\n' scenario exit verdict detection failed/ns \
	answered secs "fault kinds" >"$tmp/table"

row clean 0
row 429-retry-after-0.5 0,3 --fault 429 --fault-rate 0.5
row 429-no-retry-after-0.5 0,3 --fault 429-noretry --fault-rate 0.5
row 500-burst-0.5 0,3 --fault 500 --fault-rate 0.5
row 503-burst-0.5 0,3 --fault 503 --fault-rate 0.5
row 500-storm-1.0 3 --fault 500 --fault-rate 1
row 503-storm-1.0 3 --fault 503 --fault-rate 1
row 529-overloaded-0.5 0,3 --fault 529 --fault-rate 0.5
row reset-0.5 0,3 --fault reset --fault-rate 0.5
row reset-1.0 3 --fault reset --fault-rate 1
row truncated-0.5 0,3 --fault truncated --fault-rate 0.5
row truncated-1.0 3 --fault truncated --fault-rate 1
row wrong-content-type-0.5 0,3 --fault wrong-content-type --fault-rate 0.5
row wrong-content-type-1.0 3 --fault wrong-content-type --fault-rate 1
extra=', "timeout_ms": 1500, "retries": 1' row slow-headers-0.3 0,3 --fault slow-headers --fault-rate 0.3 --slow-ms 20000
extra=', "timeout_ms": 1500, "retries": 1' row slow-body-never-ends-1.0 3 --fault slow --fault-rate 1 --slow-ms 60000
extra=', "stream": true' row stream-error-0.5 0,3 --fault stream-error --fault-rate 0.5
scheme=https row tls-self-signed-rejected 3 --tls-cert "$certs/loopback-cert.pem" --tls-key "$certs/loopback-key.pem"
grep -qiE 'tls|ssl|certificate' "$tmp/tls-self-signed-rejected.out" "$tmp/tls-self-signed-rejected.err" \
	"$tmp/tls-self-signed-rejected/reports/2026-02-01/sim-mini.json" ||
	fail "tls: the rejection does not name the certificate problem"
scheme=https extra=", \"ca_file\": \"$certs/loopback-cert.pem\"" row tls-ca-file-accepted 0 \
	--tls-cert "$certs/loopback-cert.pem" --tls-key "$certs/loopback-key.pem"

cat "$tmp/table"
echo ok
