# lib.sh: shared helpers for the integration tests (sourced). Everything talks to 127.0.0.1.
set -euo pipefail

PLUMBLINE=${PLUMBLINE:?PLUMBLINE must point at the plumbline binary}
PL_SOURCE_DIR=${PL_SOURCE_DIR:?PL_SOURCE_DIR must point at the source tree}
tmp=$(mktemp -d /tmp/pl-it.XXXXXX)
sim_pids=()
export PLUMBLINE_NO_PROGRESS=1

cleanup() {
	local p
	for p in "${sim_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "${KEEP_TMP:-}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# sim_start NAME ARGS...: starts `plumbline simulate` on a free port; sets $port and $sim_pid.
sim_start() {
	local name=$1
	shift
	rm -f "$tmp/$name.port"
	"$PLUMBLINE" simulate --port 0 --port-file "$tmp/$name.port" "$@" \
		>"$tmp/$name.sim.out" 2>"$tmp/$name.sim.err" &
	sim_pid=$!
	sim_pids+=("$sim_pid")
	for _ in $(seq 200); do
		[ -s "$tmp/$name.port" ] && break
		sleep 0.05
	done
	[ -s "$tmp/$name.port" ] || fail "simulator $name did not start: $(cat "$tmp/$name.sim.err")"
	port=$(cat "$tmp/$name.port")
}

sim_stop() {
	kill "$sim_pid" 2>/dev/null || true
	wait "$sim_pid" 2>/dev/null || true
}

# receiver_start OUT [STATUS_FILE]: a loopback HTTP receiver for alerts (webhook, Slack, Teams):
# answers 200 to every POST (or the status STATUS_FILE holds, read at each request, when it
# exists) and appends {"path", "headers", "body", "status"} as a JSON line to OUT. Its port is in
# $tmp/recv.port (and $rport); stopped by the cleanup.
receiver_start() {
	cat >"$tmp/recv.py" <<'PY'
import http.server, json, os, sys
out, portfile = sys.argv[1], sys.argv[2]
statusfile = sys.argv[3] if len(sys.argv) > 3 else ""
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8", "replace")
        status = int(open(statusfile).read()) if statusfile and os.path.exists(statusfile) else 200
        with open(out, "a") as f:
            f.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body,
                                "status": status}) + "\n")
        self.send_response(status); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1])); os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
	rm -f "$tmp/recv.port"
	python3 "$tmp/recv.py" "$1" "$tmp/recv.port" "${2:-}" &
	sim_pids+=($!)
	for _ in $(seq 100); do [ -s "$tmp/recv.port" ] && break; sleep 0.05; done
	[ -s "$tmp/recv.port" ] || fail "receiver did not start"
	rport=$(cat "$tmp/recv.port")
}

# write_config DIR PORT [EXTRA_VENDOR_JSON]: a config with one vendor "sim" on the port.
# Outages are short here (max_outage 3 s, a probe every second): a vendor faulted for good
# gives up in seconds, not after the default 5 minutes.
write_config() {
	local dir=$1 p=$2 extra=${3:-}
	mkdir -p "$dir"
	cat >"$dir/plumbline.json" <<JSON
{
  "vendors": [
    {"id": "sim", "probe": "openai", "base_url": "http://127.0.0.1:$p/v1",
     "model": "sim-gpt-1", "api_key_env": "PL_TEST_KEY", "concurrency": 8,
     "retries": 3, "timeout_ms": 5000, "max_outage": 3, "probe_interval": 1 $extra}
  ],
  "paths": {"baselines": "$dir/baselines", "reports": "$dir/reports", "state": "$dir/state"}
}
JSON
}

# write_alert_config DIR PORT [CHANNEL_JSON [SETTINGS_JSON]]: write_config DIR PORT, plus alerts
# sent to the receiver (receiver_start, $rport): retries 1, backoff_ms 10, the settings of the
# JSON object SETTINGS_JSON (e.g. '{"cooldown_hours": 0}'), and the channels: a webhook to
# /hook signed with $PL_IT_HOOK_KEY, then CHANNEL_JSON when given (e.g. a Slack or Teams
# channel). Sets nothing.
write_alert_config() {
	local dir=$1 p=$2 channel=${3:-} settings=${4:-"{}"}
	write_config "$dir" "$p"
	python3 - "$dir/plumbline.json" "$rport" "$channel" "$settings" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
channels = [{"type": "webhook", "url": "http://127.0.0.1:%s/hook" % sys.argv[2], "secret_env": "PL_IT_HOOK_KEY"}]
if sys.argv[3]:
    channels.append(json.loads(sys.argv[3]))
c["alerts"] = {"retries": 1, "backoff_ms": 10, **json.loads(sys.argv[4]), "channels": channels}
json.dump(c, open(sys.argv[1], "w"))
PY
}

# record_signed_baseline CFG SUITE: creates the signing key of the config CFG (keygen) and
# records SUITE's baseline for the vendor "sim" against the simulator the config names; both
# must exit 0. Sets nothing.
record_signed_baseline() {
	local cfg=$1 suite=$2
	expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
	expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim "$suite"
}

# setup_sim DIR SUITE [SEED]: starts the simulator "rec" at night 0 (seed SEED, 5 unless given),
# writes DIR's config (write_config) and records SUITE's baseline for the vendor "sim" (no
# signing key), then stops that simulator. Sets $port and $sim_pid (of the simulator, now
# stopped); the config is DIR/plumbline.json.
setup_sim() {
	local dir=$1 suite=$2 seed=${3:-5}
	sim_start rec --seed "$seed" --night 0
	write_config "$dir" "$port"
	expect_exit 0 "$PLUMBLINE" baseline record --config "$dir/plumbline.json" --vendor sim "$suite"
	sim_stop
}

# setup_signed_sim DIR SUITE [SEED]: the usual start of a test of nights: starts the simulator
# "rec" at night 0 (seed SEED, 5 unless given), writes DIR's config (write_config), creates its
# signing key and records SUITE's baseline (record_signed_baseline), then stops that simulator.
# Sets $port and $sim_pid (of the simulator, now stopped); the config is DIR/plumbline.json.
setup_signed_sim() {
	local dir=$1 suite=$2 seed=${3:-5}
	sim_start rec --seed "$seed" --night 0
	write_config "$dir" "$port"
	record_signed_baseline "$dir/plumbline.json" "$suite"
	sim_stop
}

# expect_exit WANT CMD...: runs CMD, fails unless it exits WANT. Output in $tmp/last.{out,err}.
expect_exit() {
	local want=$1 rc=0
	shift
	"$@" >"$tmp/last.out" 2>"$tmp/last.err" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "--- stdout" >&2; cat "$tmp/last.out" >&2
		echo "--- stderr" >&2; cat "$tmp/last.err" >&2
		fail "'$*' exited $rc, want $want"
	fi
}

# json_get FILE EXPR: evaluates a Python expression on the parsed JSON file `d`.
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

export PL_TEST_KEY=${PL_TEST_KEY:-fake-test-key-CANARY-0123456789abcdef}
