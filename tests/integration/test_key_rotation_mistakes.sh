#!/usr/bin/env bash
# test_key_rotation_mistakes.sh: `keygen --rotate` and what follows as operators get it wrong
# (QA pass over key rotation). Simulated vendor on 127.0.0.1.
#  1. register.pub deleted before the rotation: the old key's public file is still kept as
#     register.pub.OLDKEY (written from the secret key), so baseline accept of a report the
#     old key signed works, as after a rotation with register.pub in place.
#  2. A rotation under way (REGISTER.rotate.lock held, as `keygen --rotate` holds it) holds
#     back `baseline accept` and `register add` until it is over: neither reads the key being
#     retired, and accept does not replace the baseline only to have its decision refused.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/km"
cfg="$dir/plumbline.json"
st="$dir/state"

setup_signed_sim "$dir" "$suite"
sim_start n1 --seed 5 --night 1
sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$cfg"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-11-01 "$suite"
orig=$(sed -n 's/.*public key \([0-9A-F]\{16\}\)$/\1/p' "$st/register.pub")
cp "$st/register.pub" "$tmp/orig.pub"

# --- 1. register.pub deleted, then a rotation --------------------------------------------------
rm "$st/register.pub"
expect_exit 0 "$PLUMBLINE" keygen --rotate --config "$cfg" --reason "register.pub was lost"
cmp -s "$st/register.pub.$orig" "$tmp/orig.pub" ||
	fail "the old public key was not kept as register.pub.$orig: $(ls "$st")"
grep -q "the old key's kept as $st/register.pub.$orig " "$tmp/last.out" ||
	fail "rotate output: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" baseline accept --config "$cfg" --top-up \
	--report "$dir/reports/2026-11-01/sim-demo.json" --reason "pre-rotation night"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg" --public-key "$tmp/orig.pub"

# --- 2. a rotation under way holds back accept and register add ---------------------------------
command -v flock >/dev/null || fail "flock (util-linux) is needed"
expect_exit 0 "$PLUMBLINE" run --config "$cfg" --date 2026-11-02 "$suite"
base=$(ls "$dir"/baselines/sim/*/demo.json)
before=$(sha256sum "$base")
lock="$st/register.jsonl.rotate.lock"
flock -x "$lock" sleep 4 &
holder=$!
sleep 0.5
"$PLUMBLINE" baseline accept --config "$cfg" --top-up \
	--report "$dir/reports/2026-11-02/sim-demo.json" --reason "during a rotation" \
	>"$tmp/accept.out" 2>&1 &
acc=$!
echo "a note" >"$dir/reports/2026-11-02/note.txt"
"$PLUMBLINE" register add --config "$cfg" --vendor sim --model m --suite demo --verdict pass \
	"$dir/reports/2026-11-02/note.txt" >"$tmp/add.out" 2>&1 &
add=$!
sleep 2
kill -0 "$acc" 2>/dev/null || fail "baseline accept did not wait for the rotation: $(cat "$tmp/accept.out")"
kill -0 "$add" 2>/dev/null || fail "register add did not wait for the rotation: $(cat "$tmp/add.out")"
[ "$(sha256sum "$base")" = "$before" ] || fail "the baseline was replaced during the rotation"
wait "$holder"
wait "$acc" || fail "baseline accept after the rotation: $(cat "$tmp/accept.out")"
wait "$add" || fail "register add after the rotation: $(cat "$tmp/add.out")"
[ "$(sha256sum "$base")" != "$before" ] || fail "accept did not replace the baseline"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg" --public-key "$tmp/orig.pub"
sim_stop
echo "ok"
