#!/usr/bin/env bash
# test_signing_key.sh: once signing is set up, a lost or moved secret key stops the run before
# anything is sent (exit 3, naming the key), never a silent unsigned night missing from the
# register. Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/sk"
cfg="$dir/plumbline.json"
key="$dir/state/plumbline.key"
reg="$dir/state/register.jsonl"

# night DATE WANT_EXIT [ARGS...]: one night against a fresh simulator
night() {
	local date=$1 want=$2
	shift 2
	sim_start "n$date" --seed 5 --night "${date##*-}"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$cfg"
	expect_exit "$want" "$PLUMBLINE" run --config "$cfg" --date "$date" "$@" "$suite"
	sim_stop
}

sim_start rec --seed 5 --night 0
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim "$suite"
sim_stop
for d in 2026-11-01 2026-11-02 2026-11-03; do night "$d" 0; done
[ "$(grep -c '"type":"run"' "$reg")" = 3 ] || fail "3 signed nights expected in the register"
cp "$reg" "$tmp/reg.before"

# --- 1. the key moved away: the register exists, so the run stops before sending ----------
mv "$key" "$tmp/moved.key"
for q in "" --quiet; do
	night 2026-11-04 3 $q
	grep -q "plumbline: $key: the secret key does not exist, but the register $reg exists" \
		"$tmp/last.err" || fail "the error does not name the key and the register ($q): $(cat "$tmp/last.err")"
	[ ! -e "$dir/reports/2026-11-04/sim-demo.json" ] || fail "an unsigned report was written ($q)"
	cmp -s "$reg" "$tmp/reg.before" || fail "the register changed ($q)"
done
grep -q "not signed" "$tmp/last.out" && fail "the run still says reports are not signed"

# --- 2. only the public key left (register and checkpoint moved away too) -----------------
mv "$reg" "$tmp/reg.moved"
mv "$reg.checkpoint" "$tmp/ck.moved"
night 2026-11-04 3
grep -q "but the public key $dir/state/register.pub exists (a key pair was made here)" \
	"$tmp/last.err" || fail "public key reason: $(cat "$tmp/last.err")"
mv "$tmp/reg.moved" "$reg"
mv "$tmp/ck.moved" "$reg.checkpoint"

# --- 3. the key back: the night runs, signed and registered ---------------------------------
mv "$tmp/moved.key" "$key"
night 2026-11-04 0
[ -f "$dir/reports/2026-11-04/sim-demo.json.minisig" ] || fail "the night is not signed"
grep -q '"night":"2026-11-04"' "$reg" || fail "the night is not in the register"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"

# --- 4. a fresh setup without any key still runs unsigned, with the note -------------------
fresh="$tmp/fresh"
sim_start fresh --seed 5 --night 0
write_config "$fresh" "$port"
expect_exit 0 "$PLUMBLINE" baseline record --config "$fresh/plumbline.json" --vendor sim "$suite"
expect_exit 0 "$PLUMBLINE" run --config "$fresh/plumbline.json" --date 2026-11-01 "$suite"
grep -q "note: reports are not signed" "$tmp/last.out" || fail "fresh setup: no note"
sim_stop
echo "ok: test_signing_key"
