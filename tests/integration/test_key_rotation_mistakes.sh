#!/usr/bin/env bash
# test_key_rotation_mistakes.sh: `keygen --rotate` and what follows as operators get it wrong
# (QA pass over key rotation). Simulated vendor on 127.0.0.1.
#  1. register.pub deleted before the rotation: the old key's public file is still kept as
#     register.pub.OLDKEY (written from the secret key), so baseline accept of a report the
#     old key signed works, as after a rotation with register.pub in place.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/km"
cfg="$dir/plumbline.json"
st="$dir/state"

sim_start rec --seed 5 --night 0
write_config "$dir" "$port"
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg"
expect_exit 0 "$PLUMBLINE" baseline record --config "$cfg" --vendor sim "$suite"
sim_stop
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
sim_stop
echo "ok"
