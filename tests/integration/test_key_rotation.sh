#!/usr/bin/env bash
# test_key_rotation.sh: `keygen --rotate` as an operator and an auditor meet it. Demo nights
# on the simulator, a rotation, more nights; then:
#  1. the auditor's original public key verifies the register (through the rotation), the
#     reports before and after it, and a checkpoint saved before it; stock minisign checks a
#     report signed after the rotation with the new register.pub;
#  2. the new key alone verifies what it signed and says which entries it could not check;
#  3. register show and the HTML report list the rotation; a proof checks;
#  4. forgeries fail (exit 1) naming the entry: an edited rotation, a wrong new-key signature,
#     a deleted or duplicated rotation, a report re-signed with the retired key; a fork of the
#     register signed with a stolen old key is caught only by a checkpoint saved elsewhere;
#  5. a rotation a crash interrupted after its entry: the run refuses (exit 3) naming the
#     entry, keygen --rotate finishes it, the next run signs with the new key.
# Simulated vendor on 127.0.0.1.
source "$(dirname "$0")/lib.sh"
command -v minisign >/dev/null || fail "minisign is not installed (apt-get install minisign)"

suite="$PL_SOURCE_DIR/suites/demo.json"
dir="$tmp/kr"
cfg="$dir/plumbline.json"
st="$dir/state"
reg="$st/register.jsonl"

# night DIR DATE WANT_EXIT: one night of DIR's config against a fresh simulator
night() {
	local d=$1 date=$2 want=$3
	sim_start "n$date" --seed 5 --night "${date##*-}"
	sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$d/plumbline.json"
	expect_exit "$want" "$PLUMBLINE" run --config "$d/plumbline.json" --date "$date" "$suite"
	sim_stop
}

# clone SRC DST: a copy of a whole setup (config paths rewritten)
clone() {
	rm -rf "$2"
	cp -a "$1" "$2"
	sed -i "s#$1/#$2/#g" "$2/plumbline.json"
}

setup_signed_sim "$dir" "$suite"
for d in 2026-11-01 2026-11-02; do night "$dir" "$d" 0; done
cp "$st/register.pub" "$tmp/orig.pub" # what the auditor was given once
cp "$reg.checkpoint" "$tmp/saved-before.ck"
orig=$(sed -n 's/.*public key \([0-9A-F]\{16\}\)$/\1/p' "$tmp/orig.pub")
[ -n "$orig" ] || fail "no key id in the public key"
cp "$st/plumbline.key" "$tmp/stolen-old.key" # a copy of the old key (a leak, a backup)
clone "$dir" "$tmp/before"                  # the state before the rotation

# --- the rotation ----------------------------------------------------------------------------
expect_exit 2 "$PLUMBLINE" keygen --config "$cfg" --reason "no rotate"
expect_exit 0 "$PLUMBLINE" keygen --rotate --config "$cfg" --reason "scheduled rotation"
new=$(sed -n 's/^rotated: key [0-9A-F]* -> \([0-9A-F]\{16\}\) (register entry #2)$/\1/p' "$tmp/last.out")
[ -n "$new" ] || fail "rotate output: $(cat "$tmp/last.out")"
grep -q "^rotated: key $orig -> $new (register entry #2)" "$tmp/last.out" || fail "old key id"
grep -q '"type":"key_rotation"' "$reg" || fail "no rotation entry"
cmp -s "$st/register.pub.$orig" "$tmp/orig.pub" || fail "the old public key was not kept"
grep -q "public key $new" "$st/register.pub" || fail "register.pub is not the new key"
[ "$(stat -c %a "$st/plumbline.key")" = 600 ] || fail "the new secret key is not 0600"
ls "$st" | grep -q 'plumbline.key\.' && fail "a retired or next key was left: $(ls "$st")"
cp "$reg.checkpoint" "$tmp/saved-after.ck"
for d in 2026-11-03 2026-11-04; do night "$dir" "$d" 0; done
R1="$dir/reports/2026-11-01/sim-demo.json"
R4="$dir/reports/2026-11-04/sim-demo.json"

# --- 1. the original public key follows the rotation -----------------------------------------
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg" --public-key "$tmp/orig.pub" \
	--checkpoint "$tmp/saved-before.ck"
grep -q "5 entries (4 runs, 0 decisions, 1 key rotation: signed by key $new now)" "$tmp/last.out" ||
	fail "register verify: $(cat "$tmp/last.out")"
grep -q "extends the saved checkpoint of size 2" "$tmp/last.out" || fail "saved checkpoint"
grep -q "not checked" "$tmp/last.out" && fail "the original key checks every entry"
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" --public-key "$tmp/orig.pub" "$R4" "$R1" "$reg"
grep -q "ok: $R4: signed by key $new (the register was handed over to it from the trusted key" \
	"$tmp/last.out" || fail "verify R4: $(cat "$tmp/last.out")"
grep -q "ok: $R1: signed by key $orig;" "$tmp/last.out" || fail "verify R1"
minisign -Vm "$R4" -p "$st/register.pub" >/dev/null || fail "minisign with the new register.pub"
minisign -Vm "$R4" -p "$tmp/orig.pub" >/dev/null 2>&1 && fail "minisign: R4 with the old key"
minisign -Vm "$R1" -p "$st/register.pub.$orig" >/dev/null || fail "minisign: R1 with the kept key"

# --- 2. the new key alone --------------------------------------------------------------------
expect_exit 0 "$PLUMBLINE" register verify --config "$cfg"
grep -q "not checked: the signatures of entries #0 to #2 by key $orig" "$tmp/last.out" ||
	fail "new key alone: $(cat "$tmp/last.out")"
expect_exit 0 "$PLUMBLINE" verify --config "$cfg" "$R4"
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" "$R1"
grep -q "signed by key $orig, not by the public key $new" "$tmp/last.err" || fail "R1, new key"
# show with the new key alone does not claim every signature checked
expect_exit 0 "$PLUMBLINE" register show --config "$cfg"
grep -q "entries:    [0-9]*, every sequence number and hash-chain link checked, the signatures from #3 on" \
	"$tmp/last.out" || fail "show, new key: $(head -3 "$tmp/last.out")"
grep -q "every signature" "$tmp/last.out" && fail "show, new key: every signature claimed"
expect_exit 0 "$PLUMBLINE" register report --html --config "$cfg" --out "$tmp/new.html"
grep -q "the signatures from #3 on" "$tmp/new.html" || fail "html, new key"
grep -q "every entry's signature" "$tmp/new.html" && fail "html, new key: every signature claimed"

# --- 3. show, the HTML report, proofs --------------------------------------------------------
expect_exit 0 "$PLUMBLINE" register show --config "$cfg" --public-key "$tmp/orig.pub"
grep -q "KEY ROTATION: the register is signed by key $new from here on, no longer by $orig; rotated .*: \"scheduled rotation\"" \
	"$tmp/last.out" || fail "show: $(cat "$tmp/last.out")"
grep -q "rotation:   #2 .*: key $orig -> $new: \"scheduled rotation\"" "$tmp/last.out" ||
	fail "show's proof lines"
expect_exit 0 "$PLUMBLINE" register report --html --config "$cfg" --public-key "$tmp/orig.pub" \
	--out "$tmp/reg.html"
grep -q "signing key rotations" "$tmp/reg.html" || fail "html: no rotations"
grep -q "<code>$new</code>" "$tmp/reg.html" || fail "html: no new key"
"$PLUMBLINE" register prove --config "$cfg" --public-key "$tmp/orig.pub" --entry 3 >"$tmp/p.json" ||
	fail "prove"
expect_exit 0 "$PLUMBLINE" register prove --config "$cfg" --public-key "$tmp/orig.pub" \
	--check "$tmp/p.json"

# --- 4. forgeries ----------------------------------------------------------------------------
f="$tmp/forged.jsonl"
forged() { # forged NAME WANT_WHERE WANT_MSG: register verify of $f fails naming the entry
	cp "$reg.checkpoint" "$f.checkpoint"
	expect_exit 1 "$PLUMBLINE" register verify --register "$f" --public-key "$tmp/orig.pub" \
		--entries-only
	grep -q "$2" "$tmp/last.err" || fail "$1: where: $(cat "$tmp/last.err")"
	grep -q "$3" "$tmp/last.err" || fail "$1: why: $(cat "$tmp/last.err")"
}
sed 's/scheduled rotation/Scheduled rotation/' "$reg" >"$f"
forged "edited reason" "$f:3: entry 2" "edited or forged"
python3 - "$reg" "$f" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
e = json.loads(lines[2])
e["new_key_sig"] = e["sig"]  # the old key's signature where the new key's belongs
lines[2] = json.dumps(e, sort_keys=True, separators=(",", ":"))
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
PY
forged "new key signature" "$f:3: entry 2" "new_key_sig) does not verify with new key $new"
sed '3d' "$reg" >"$f"
forged "rotation deleted" "$f:3: entry 2" "signed by key $new (the key the register's checkpoint names), not by the trusted public key $orig"
sed '3p' "$reg" >"$f"
forged "rotation duplicated" "$f:4: entry 3" "signed by key $orig, which rotation entry #2 retired, not by the key it was handed over to, $new"
# a report re-signed with the retired key, its trusted comment kept: the signature verifies
# with the original key, but its entry was signed by the new key
cp "$R4" "$tmp/r4.json"
tc=$(sed -n 's/^trusted comment: //p' "$R4.minisig")
minisign -S -s "$tmp/stolen-old.key" -m "$tmp/r4.json" -t "$tc" >/dev/null 2>&1 </dev/null ||
	fail "minisign -S with the old key"
cp "$tmp/r4.json.minisig" "$R4.minisig.forged"
mv "$R4.minisig" "$tmp/r4.minisig.good"
mv "$R4.sig.raw" "$tmp/r4.sig.raw.good"
cp "$R4.minisig.forged" "$R4.minisig"
expect_exit 1 "$PLUMBLINE" verify --config "$cfg" --public-key "$tmp/orig.pub" "$R4"
grep -q "signed by key $orig, but register entry #4 was signed by key $new: a key the register had retired" \
	"$tmp/last.err" || fail "retired-key report: $(cat "$tmp/last.err")"
mv "$tmp/r4.minisig.good" "$R4.minisig"
mv "$tmp/r4.sig.raw.good" "$R4.sig.raw"
rm -f "$R4.minisig.forged"
# a fork: the stolen old key rotates the pre-rotation register to a key of its own. It
# verifies with the original key alone; a checkpoint saved after the real rotation rejects it
clone "$tmp/before" "$tmp/fork"
expect_exit 0 "$PLUMBLINE" keygen --rotate --config "$tmp/fork/plumbline.json" --reason "thief"
expect_exit 0 "$PLUMBLINE" register verify --register "$tmp/fork/state/register.jsonl" \
	--public-key "$tmp/orig.pub" --entries-only
expect_exit 1 "$PLUMBLINE" register verify --register "$tmp/fork/state/register.jsonl" \
	--public-key "$tmp/orig.pub" --entries-only --checkpoint "$tmp/saved-after.ck"
grep -q "saved-after.ck" "$tmp/last.err" || fail "fork: $(cat "$tmp/last.err")"

# --- 5. a rotation interrupted after its entry -----------------------------------------------
# the files as a crash leaves them: the register with the rotation entry (checkpoint of before
# it), the old secret key in place, the new one as plumbline.key.next
clone "$tmp/before" "$tmp/crash"
clone "$tmp/before" "$tmp/done"
expect_exit 0 "$PLUMBLINE" keygen --rotate --config "$tmp/done/plumbline.json"
newc=$(sed -n 's/^rotated: key [0-9A-F]* -> \([0-9A-F]\{16\}\) .*/\1/p' "$tmp/last.out")
cp "$tmp/done/state/register.jsonl" "$tmp/crash/state/register.jsonl"
cp -p "$tmp/done/state/plumbline.key" "$tmp/crash/state/plumbline.key.next"
night "$tmp/crash" 2026-11-03 3
grep -q "register entry #2 (a key rotation) hands the register over to key $newc, but the secret key is key $orig, which it retired: the rotation was interrupted before the new key was put in place ('plumbline keygen --rotate' finishes it)" \
	"$tmp/last.err" || fail "crash: run: $(cat "$tmp/last.err")"
[ -e "$tmp/crash/reports/2026-11-03/sim-demo.json" ] && fail "crash: a report was written"
"$PLUMBLINE" doctor --config "$tmp/crash/plumbline.json" >"$tmp/doctor.out" 2>&1 || true
grep -q "was handed over to key $newc by a key rotation, but the secret key .* is key $orig, which it retired" \
	"$tmp/doctor.out" || fail "crash: doctor: $(cat "$tmp/doctor.out")"
grep -q "plumbline keygen --rotate --config" "$tmp/doctor.out" || fail "crash: doctor's fix"
expect_exit 0 "$PLUMBLINE" keygen --rotate --config "$tmp/crash/plumbline.json" --reason again
grep -q "^finished the interrupted rotation: key $orig -> $newc (register entry #2)" "$tmp/last.out" ||
	fail "crash: finish: $(cat "$tmp/last.out")"
[ "$(grep -c key_rotation "$tmp/crash/state/register.jsonl")" = 1 ] || fail "crash: two rotations"
grep -q "public key $newc" "$tmp/crash/state/register.pub" || fail "crash: register.pub"
night "$tmp/crash" 2026-11-03 0
expect_exit 0 "$PLUMBLINE" register verify --config "$tmp/crash/plumbline.json" \
	--public-key "$tmp/orig.pub"
expect_exit 0 "$PLUMBLINE" verify --config "$tmp/crash/plumbline.json" --public-key "$tmp/orig.pub" \
	"$tmp/crash/reports/2026-11-03/sim-demo.json"
# the old key restored over the new one: refused, never signs again
cp -p "$tmp/stolen-old.key" "$tmp/crash/state/plumbline.key"
night "$tmp/crash" 2026-11-04 3
grep -q "which it retired" "$tmp/last.err" || fail "restored old key: $(cat "$tmp/last.err")"

# --- 6. baseline accept of a report signed before the rotation --------------------------------
# its key is retired, kept as register.pub.OLDKEY: accept verifies the report with it, the
# register from it through the rotation to register.pub, and its entry signed by it
clone "$dir" "$tmp/acc"
RA="$tmp/acc/reports/2026-11-01/sim-demo.json"
mv "$tmp/acc/state/register.pub.$orig" "$tmp/kept.pub"
"$PLUMBLINE" baseline accept --config "$tmp/acc/plumbline.json" --report "$RA" \
	--reason "pre-rotation night" >"$tmp/acc.out" 2>&1 && fail "accept without the kept old key"
grep -q "$orig" "$tmp/acc.out" || fail "accept without the kept key: $(cat "$tmp/acc.out")"
cp "$tmp/kept.pub" "$tmp/acc/state/register.pub.$orig"
sim_start acc --seed 5 --night 1
sed -i "s#127.0.0.1:[0-9]*#127.0.0.1:$port#" "$tmp/acc/plumbline.json"
expect_exit 0 "$PLUMBLINE" baseline accept --config "$tmp/acc/plumbline.json" --report "$RA" \
	--reason "pre-rotation night" --top-up
sim_stop
grep -q '"type":"decision"' "$tmp/acc/state/register.jsonl" || fail "accept: no decision entry"
expect_exit 0 "$PLUMBLINE" register verify --config "$tmp/acc/plumbline.json" \
	--public-key "$tmp/orig.pub"
# a report the retired key signed after its rotation is not one the register holds
clone "$dir" "$tmp/acc2"
RB="$tmp/acc2/reports/2026-11-04/sim-demo.json"
rm -f "$RB.minisig"
minisign -S -s "$tmp/stolen-old.key" -m "$RB" -t "$(sed -n 's/^trusted comment: //p' \
	"$R4.minisig")" >/dev/null 2>&1 </dev/null || fail "minisign could not re-sign"
"$PLUMBLINE" baseline accept --config "$tmp/acc2/plumbline.json" --report "$RB" \
	--reason "forged" --top-up >"$tmp/acc2.out" 2>&1 &&
	fail "accept of a report re-signed by the retired key"
grep -q "signed by key $orig, not by the public key $new" "$tmp/acc2.out" ||
	fail "accept, re-signed: $(cat "$tmp/acc2.out")"
echo "ok"
