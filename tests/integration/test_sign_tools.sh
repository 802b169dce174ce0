#!/usr/bin/env bash
# test_sign_tools.sh: signed reports and the register through the real binary, checked with the
# stock tools (minisign -Vm, openssl pkeyutl -verify -rawin), and forgeries that must fail.
# register verify checks the report files too: their reports folder here is "." (register
# add names them reports/FILE, so report_path is reports/FILE).
set -u
PLUMBLINE=${PLUMBLINE:?PLUMBLINE must point at the binary}
for tool in minisign openssl; do
	command -v "$tool" >/dev/null || { echo "FAIL: '$tool' is not installed (apt-get install $tool)"; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf -- "$T"' EXIT
cd "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect_fail DESC CMD...: CMD must exit non-zero
expect_fail() { local d=$1; shift; if "$@" >out.txt 2>&1; then bad "$d (unexpectedly succeeded)"; cat out.txt; else ok "$d fails: $(head -c 300 out.txt | tr '\n' ' ')"; fi; }
expect_ok() { local d=$1; shift; if "$@" >out.txt 2>&1; then ok "$d"; else bad "$d"; cat out.txt; fi; }

K=st/plumbline.key PUB=st/register.pub PEM=st/register.pub.pem REG=st/register.jsonl
expect_ok "keygen" "$PLUMBLINE" keygen --secret-key $K --public-key $PUB
[ "$(stat -c %a $K)" = 600 ] && ok "secret key mode 0600" || bad "secret key mode $(stat -c %a $K)"
expect_fail "keygen refuses to overwrite" "$PLUMBLINE" keygen --secret-key $K --public-key $PUB
"$PLUMBLINE" keygen --secret-key other.key --public-key other.pub >/dev/null

mkdir -p reports
for i in 1 2 3; do
	printf '{"night":%d,"vendor":"sim","verdict":"%s"}\n' $i "$([ $i = 3 ] && echo changed || echo no_change)" > reports/sim-core-$i.json
	expect_ok "register add report $i" "$PLUMBLINE" register add --secret-key $K --public-key $PUB \
		--register $REG reports/sim-core-$i.json --vendor sim --model sim-1 --suite core \
		--verdict "$([ $i = 3 ] && echo changed || echo no_change)" --epoch e1 \
		--date "2026-11-2${i}T02:00:00Z" --availability 0.99 --latency-ms 120
done
R=reports/sim-core-3.json
expect_ok "minisign -Vm accepts the report" minisign -Vm $R -p $PUB
grep -q "register_seq:2" out.txt && ok "trusted comment names register entry 2" || { bad "trusted comment"; cat out.txt; }
expect_ok "openssl pkeyutl -verify -rawin accepts the report" openssl pkeyutl -verify -pubin -inkey $PEM -rawin -in $R -sigfile $R.sig.raw
expect_ok "plumbline verify report + register" "$PLUMBLINE" verify --public-key $PUB --register $REG $R
grep -q "register entry #2 (register verified)" out.txt || { bad "verify output"; cat out.txt; }
expect_ok "plumbline verify with the PEM key" "$PLUMBLINE" verify --public-key $PEM --register $REG $R
expect_ok "register verify" "$PLUMBLINE" register verify --public-key $PUB --register $REG --reports .
cp $REG.checkpoint saved.checkpoint
expect_ok "register show" "$PLUMBLINE" register show --public-key $PUB --register $REG --reports .
grep -q "sim/sim-1" out.txt || { bad "show lists sim/sim-1"; cat out.txt; }
expect_ok "prove inclusion" "$PLUMBLINE" register prove --public-key $PUB --register $REG --entry 1
cp out.txt proof.json
expect_ok "check inclusion proof" "$PLUMBLINE" register prove --public-key $PUB --register $REG --check proof.json
sed -i 's/"seq": 1/"seq": 0/' proof.json
expect_fail "a proof moved to another entry" "$PLUMBLINE" register prove --public-key $PUB --register $REG --check proof.json

# a fourth entry, then the saved checkpoint must still be consistent
printf '{"night":4}\n' > reports/sim-core-4.json
"$PLUMBLINE" register add --secret-key $K --register $REG reports/sim-core-4.json --vendor sim --model sim-1 --suite core --verdict no_change >/dev/null
expect_ok "register extends the saved checkpoint" "$PLUMBLINE" register verify --public-key $PUB --register $REG --reports . --checkpoint saved.checkpoint
expect_ok "prove consistency 3 -> 4" "$PLUMBLINE" register prove --public-key $PUB --register $REG --consistency 3
cp out.txt cons.json
expect_ok "check consistency proof" "$PLUMBLINE" register prove --public-key $PUB --register $REG --check cons.json
grep -q "old: size 3, root $(sed -n 's/^root //p' saved.checkpoint): the proof's own" out.txt ||
	{ bad "consistency: the old root checked is not printed"; cat out.txt; }
# the auditor's saved OLD checkpoint anchors the old tree, the register's the new one
expect_ok "check consistency proof against the saved old checkpoint" "$PLUMBLINE" register prove --public-key $PUB --register $REG --check cons.json --checkpoint saved.checkpoint
grep -q "old: size 3, root $(sed -n 's/^root //p' saved.checkpoint): matches saved.checkpoint" out.txt &&
	grep -q "new: size 4, root $(sed -n 's/^root //p' $REG.checkpoint): matches $REG.checkpoint" out.txt ||
	{ bad "consistency against saved.checkpoint: both sides"; cat out.txt; }
expect_ok "check consistency proof against the old root" "$PLUMBLINE" register prove --check cons.json --root "$(sed -n 's/^root //p' saved.checkpoint)"
grep -q "old: size 3, .*: matches the root given with --root" out.txt || { bad "consistency --root old"; cat out.txt; }
# a proof from another old tree fails against the saved checkpoint
sed 's/"old_root": "[0-9a-f]*"/"old_root": "'"$(printf '%064d' 0)"'"/' cons.json > cons-other.json
expect_fail "a consistency proof from another old tree" "$PLUMBLINE" register prove --public-key $PUB --register $REG --check cons-other.json --checkpoint saved.checkpoint
grep -q "neither the proof's old tree" out.txt || { bad "other old tree: error"; cat out.txt; }

# --- forgeries ---
cp $R forged.json; cp $R.minisig forged.json.minisig; cp $R.sig.raw forged.json.sig.raw
sed -i 's/changed/chang3d/' forged.json
expect_fail "minisign: changed byte" minisign -Vm forged.json -p $PUB
expect_fail "openssl: changed byte" openssl pkeyutl -verify -pubin -inkey $PEM -rawin -in forged.json -sigfile forged.json.sig.raw
expect_fail "plumbline verify: changed byte" "$PLUMBLINE" verify --public-key $PUB --register $REG forged.json
expect_fail "minisign: wrong key" minisign -Vm $R -p other.pub
expect_fail "openssl: wrong key" openssl pkeyutl -verify -pubin -inkey other.pub.pem -rawin -in $R -sigfile $R.sig.raw
expect_fail "plumbline verify: wrong key" "$PLUMBLINE" verify --public-key other.pub --register $REG $R
expect_fail "plumbline verify: wrong key (pem)" "$PLUMBLINE" verify --public-key other.pub.pem --register $REG $R
cp $R tc.json; cp $R.sig.raw tc.json.sig.raw
sed 's/register_seq:2/register_seq:1/' $R.minisig > tc.json.minisig
expect_fail "minisign: edited trusted comment" minisign -Vm tc.json -p $PUB
expect_fail "plumbline verify: edited trusted comment" "$PLUMBLINE" verify --public-key $PUB tc.json
# a validly signed report that is not the one its register entry names
cp reports/sim-core-2.json swapped.json; cp reports/sim-core-2.json.minisig swapped.json.minisig
expect_fail "plumbline verify: report renamed away from its entry" "$PLUMBLINE" verify --public-key $PUB --register $REG swapped.json

cp $REG good.jsonl; cp $REG.checkpoint good.checkpoint
restore() { cp good.jsonl $REG; cp good.checkpoint $REG.checkpoint; }
head -n 3 good.jsonl > $REG
expect_fail "truncated register" "$PLUMBLINE" register verify --public-key $PUB --register $REG --reports .
grep -q "truncated" out.txt || bad "truncation not named"
restore; { sed -n 1p good.jsonl; sed -n 3p good.jsonl; sed -n 2p good.jsonl; sed -n 4p good.jsonl; } > $REG
expect_fail "reordered register" "$PLUMBLINE" register verify --public-key $PUB --register $REG --reports .
grep -q ":2: entry 1" out.txt || bad "reordered entry not named"
restore; sed -i '3s/"changed"/"no_chang"/' $REG
expect_fail "edited entry" "$PLUMBLINE" register verify --public-key $PUB --register $REG --reports .
grep -q ":3: entry 2" out.txt || bad "edited entry not named"
restore; sed -i '2d' $REG
expect_fail "deleted entry" "$PLUMBLINE" register verify --public-key $PUB --register $REG --reports .
restore
"$PLUMBLINE" register add --secret-key other.key --register other.jsonl reports/sim-core-1.json --vendor x --model y --suite z --verdict no_change >/dev/null
cp other.jsonl.checkpoint $REG.checkpoint
expect_fail "replaced checkpoint" "$PLUMBLINE" register verify --public-key $PUB --register $REG --reports .
grep -q "checkpoint signature does not verify" out.txt || bad "replaced checkpoint not named"
restore; cp saved.checkpoint $REG.checkpoint
expect_fail "rolled-back checkpoint" "$PLUMBLINE" register verify --public-key $PUB --register $REG --reports .
restore
expect_ok "restored register verifies" "$PLUMBLINE" register verify --public-key $PUB --register $REG --reports .
chmod 644 $K
expect_fail "secret key readable by others is refused" "$PLUMBLINE" register add --secret-key $K --register $REG reports/sim-core-4.json --vendor sim --model sim-1 --suite core --verdict no_change
grep -q "accessible by group or others" out.txt || bad "refusal message"
chmod 600 $K
# minisign itself can sign with a plumbline key (unencrypted minisign secret key format)
echo data > d.txt
expect_ok "minisign -S with a plumbline secret key" minisign -S -s $K -m d.txt
expect_ok "minisign -V of that signature" minisign -Vm d.txt -p $PUB
# and plumbline signs with a key minisign made: 'minisign -G -W' (0.11 writes an all-zero
# checksum for an unencrypted key, and accepts it itself)
expect_ok "minisign -G -W" minisign -G -W -p ms.pub -s ms.key
expect_ok "register add with a 'minisign -G -W' key" "$PLUMBLINE" register add --secret-key ms.key \
	--register ms.jsonl reports/sim-core-1.json --vendor sim --model sim-1 --suite core --verdict no_change
expect_ok "minisign -V of its report signature" minisign -Vm reports/sim-core-1.json -p ms.pub
expect_ok "register verify with the minisign public key" "$PLUMBLINE" register verify --public-key ms.pub --register ms.jsonl --reports .

[ $fails = 0 ] && echo "all sign/register tool checks passed" || echo "$fails check(s) failed"
exit $((fails > 0))
