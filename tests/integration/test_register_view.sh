#!/usr/bin/env bash
# test_register_view.sh: `register show` and `register report --html` verify the register
# before they render it, as `register verify` does, and say what they verified (entries,
# nights, key id, checkpoint size and root). A deleted, edited, forged or truncated register,
# or a wrong path, is refused (exit 1, the verification error), never shown as a normal table
# or an "empty" register; --unverified renders it under a NOT VERIFIED banner, still exit 1.
source "$(dirname "$0")/lib.sh"

cd "$tmp"
expect_exit 0 "$PLUMBLINE" keygen --secret-key st/k.key --public-key st/k.pub
mkdir -p reports
# five nights: a change suspected on the 3rd, confirmed on the 4th
for i in 1 2 3 4 5; do
	n=2026-11-0$i
	mkdir -p reports/$n
	f=reports/$n/acme-core.json
	verdict=pass stage=
	[ $i = 3 ] && verdict=changed
	[ $i = 4 ] && verdict=changed
	printf '{"vendor":"acme","model":"m1","suite":"core","verdict":"%s"}\n' $verdict >"$f"
	args=(--secret-key st/k.key --register st/register.jsonl "$f" --vendor acme --model m1
		--suite core --verdict $verdict --date "${n}T02:00:00Z" --night $n
		--epoch "$([ $i -ge 3 ] && echo e2 || echo e1)")
	[ $i = 4 ] && args+=(--new-epoch)
	expect_exit 0 "$PLUMBLINE" register add "${args[@]}"
done
common=(--register st/register.jsonl --public-key st/k.pub)
keyid=$(sed -n 's/^key //p' st/register.jsonl.checkpoint)
root=$(sed -n 's/^root //p' st/register.jsonl.checkpoint)
[ -n "$keyid" ] && [ -n "$root" ] || fail "checkpoint lacks key or root"

# --- a register that verifies: what was verified is stated ------------------------------
expect_exit 0 "$PLUMBLINE" register show "${common[@]}"
grep -q "^verified: st/register.jsonl" "$tmp/last.out" || fail "show: no verified line: $(cat "$tmp/last.out")"
grep -q "entries: *5," "$tmp/last.out" || fail "show: entries not stated"
grep -q "nights: *2026-11-01 to 2026-11-05" "$tmp/last.out" || fail "show: nights not stated"
grep -q "key: *$keyid" "$tmp/last.out" || fail "show: key id not stated"
grep -q "checkpoint: size 5, root $root" "$tmp/last.out" || fail "show: checkpoint not stated"
expect_exit 0 "$PLUMBLINE" register report "${common[@]}" --html --out ok.html
grep -q "What was verified" ok.html || fail "html: no 'What was verified'"
grep -q "<b>5 entries</b>" ok.html || fail "html: entries not stated"
grep -q "nights <b>2026-11-01</b> to <b>2026-11-05</b>" ok.html || fail "html: nights not stated"
grep -q "<code>$keyid</code>" ok.html || fail "html: key id not stated"
grep -q "size <b>5</b>, root <code>$root</code>" ok.html || fail "html: checkpoint not stated"
grep -q "NOT VERIFIED" ok.html && fail "html: a verified register has a NOT VERIFIED banner"
# a saved checkpoint is checked, and said
cp st/register.jsonl.checkpoint saved.cp
expect_exit 0 "$PLUMBLINE" register show "${common[@]}" --checkpoint saved.cp
grep -q "extends the saved checkpoint of size 5" "$tmp/last.out" || fail "show: saved checkpoint"

# refused: exit 1, the verification error on stderr, nothing rendered
refused() { # NAME WANT_ERROR_REGEX
	expect_exit 1 "$PLUMBLINE" register show "${common[@]}"
	grep -Eq "$2" "$tmp/last.err" || fail "$1: show's error: $(cat "$tmp/last.err")"
	[ ! -s "$tmp/last.out" ] || fail "$1: show rendered: $(cat "$tmp/last.out")"
	rm -f bad.html
	expect_exit 1 "$PLUMBLINE" register report "${common[@]}" --html --out bad.html
	grep -Eq "$2" "$tmp/last.err" || fail "$1: report's error: $(cat "$tmp/last.err")"
	[ ! -e bad.html ] || fail "$1: report wrote the page"
	# --unverified: rendered under the banner, still exit 1
	expect_exit 1 "$PLUMBLINE" register show "${common[@]}" --unverified
	[ "$(grep -c '^\*\*\* NOT VERIFIED: the register does not verify' "$tmp/last.out")" = 2 ] ||
		fail "$1: --unverified show lacks its banners: $(cat "$tmp/last.out")"
	expect_exit 1 "$PLUMBLINE" register report "${common[@]}" --html --out bad.html --unverified
	# top, the vendor/model's page, the end
	[ "$(grep -c 'class="unverified">NOT VERIFIED' bad.html)" = 3 ] ||
		fail "$1: --unverified html lacks its banners"
	grep -q "What was verified" bad.html && fail "$1: --unverified html claims a verification"
	true
}
save() { cp st/register.jsonl reg.orig; cp st/register.jsonl.checkpoint cp.orig; }
restore() { cp reg.orig st/register.jsonl; cp cp.orig st/register.jsonl.checkpoint; }
save

# an entry deleted
sed -i '2d' st/register.jsonl
refused "deleted entry" "register.jsonl:2: entry 1: has seq 2"
restore
# the change's two entries deleted
sed -i '3,4d' st/register.jsonl
refused "deleted change" "entry 2: has seq 4"
restore
# a verdict edited changed -> pass
sed -i '3s/"verdict":"changed"/"verdict":"pass"/' st/register.jsonl
refused "edited verdict" "entry 2: signature does not verify"
restore
# truncated: the last entry removed
sed -i '$d' st/register.jsonl
refused "truncated" "covers 5 entries but the register has 4"
restore
# an unsigned forged entry appended (a later run of night 2: "replaces" the genuine one)
python3 - st/register.jsonl <<'PY'
import hashlib, json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
e = json.loads(lines[1])
e["seq"] = len(lines)
e["prev"] = hashlib.sha256(lines[-1]).hexdigest()
e["verdict"] = "changed"
open(sys.argv[1], "ab").write(json.dumps(e, sort_keys=True, separators=(",", ":")).encode() + b"\n")
PY
refused "forged entry" "entry 5: signature does not verify"
restore

# a wrong path is an error, never "the register is empty"
for extra in "" --unverified; do
	expect_exit 1 "$PLUMBLINE" register show --register nope.jsonl --public-key st/k.pub $extra
	grep -q "nope.jsonl: the register does not exist" "$tmp/last.err" || fail "missing register: $(cat "$tmp/last.err")"
	grep -q "empty" "$tmp/last.out" && fail "missing register shown as empty"
	expect_exit 1 "$PLUMBLINE" register report --register nope.jsonl --public-key st/k.pub --html --out x.html $extra
	[ ! -e x.html ] || fail "missing register: a page was written"
done
# a checkpoint deleted
rm st/register.jsonl.checkpoint
refused "no checkpoint" "no signed checkpoint"
restore
echo "ok: test_register_view"
