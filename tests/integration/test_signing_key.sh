#!/usr/bin/env bash
# test_signing_key.sh: the signing key pair as a key manager handles it.
#  1-4. Once signing is set up, a lost or moved secret key stops the run before anything is
#       sent (exit 3, naming the key), never a silent unsigned night missing from the register.
#  5.   keygen never overwrites an existing public key (QA: a second keygen with another
#       --secret-key replaced register.pub, and the next run failed "edited or forged"),
#       unless --replace-public-key; doctor fails a secret and public key that are not a pair,
#       and a register that does not verify with the public key.
# Simulated vendor on 127.0.0.1.
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

setup_signed_sim "$dir" "$suite"
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

# --- 5. keygen keeps the public key; doctor checks the pair and the register ----------------
pub="$dir/state/register.pub"
cp "$pub" "$tmp/pub.before"
cp "$pub.pem" "$tmp/pem.before"
expect_exit 3 "$PLUMBLINE" keygen --config "$cfg" --secret-key "$dir/state/second.key"
grep -q "plumbline: $pub: refusing to overwrite an existing public key (key [0-9A-F]\{16\}): the register" \
	"$tmp/last.err" || fail "keygen over the public key: $(cat "$tmp/last.err")"
[ ! -e "$dir/state/second.key" ] || fail "a second secret key was written"
cmp -s "$pub" "$tmp/pub.before" && cmp -s "$pub.pem" "$tmp/pem.before" || fail "the public key was replaced"
expect_exit 3 "$PLUMBLINE" keygen --config "$cfg"
grep -q "refusing to overwrite an existing secret key" "$tmp/last.err" || fail "keygen over the key pair"
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
expect_exit 0 "$PLUMBLINE" doctor --config "$cfg"
grep -q "^ok    signing key $key (mode 0600) and public key $pub (key [0-9A-F]*) are a pair" \
	"$tmp/last.out" || fail "doctor: pair ok: $(cat "$tmp/last.out")"
grep -q "^ok    register $reg verifies with the public key (4 entries" "$tmp/last.out" ||
	fail "doctor: register ok: $(cat "$tmp/last.out")"
# on purpose: another key pair replaces the public key; doctor names the mismatch
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg" --secret-key "$dir/state/second.key" --replace-public-key
cmp -s "$pub" "$tmp/pub.before" && fail "--replace-public-key did not replace it"
# the register names the key that signed it, not "edited or forged"
expect_exit 1 "$PLUMBLINE" register verify --config "$cfg"
grep -q "entry 0: signature does not verify: signed by key [0-9A-F]\{16\} (the key the register's checkpoint names), not by the trusted public key [0-9A-F]\{16\}" \
	"$tmp/last.err" || fail "register verify with another key: $(cat "$tmp/last.err")"
expect_exit 1 "$PLUMBLINE" doctor --config "$cfg"
grep -q "^FAIL  the secret key $key (key [0-9A-F]*) and the public key $pub (key [0-9A-F]*) are not a pair" \
	"$tmp/last.out" || fail "doctor: mismatched pair: $(cat "$tmp/last.out")"
# the public key written back from the secret key: a pair again
expect_exit 0 "$PLUMBLINE" keygen --config "$cfg" --replace-public-key
grep -q "its public key was written from it" "$tmp/last.out" || fail "keygen --replace-public-key over the secret key"
cmp -s "$pub" "$tmp/pub.before" && cmp -s "$pub.pem" "$tmp/pem.before" || fail "the public key was not written back"
expect_exit 0 "$PLUMBLINE" doctor --config "$cfg"
# an edited register: doctor fails it
cp "$reg" "$tmp/reg.good"
sed -i '2s/"verdict":"[a-z_]*"/"verdict":"changed"/' "$reg"
expect_exit 1 "$PLUMBLINE" doctor --config "$cfg"
grep -q "^FAIL  register does not verify with the public key $pub: $reg:2: entry 1: " "$tmp/last.out" ||
	fail "doctor: edited register: $(cat "$tmp/last.out")"
cp "$tmp/reg.good" "$reg"
echo "ok: test_signing_key"
