#!/usr/bin/env bash
# test_verify_codes.sh: `plumbline verify` exits as README's table says: missing evidence (a
# report's .minisig, a report named that does not exist) fails with 1, never 2; a directory
# named as FILE is a usage error (2, it was 3).
source "$(dirname "$0")/lib.sh"

cd "$tmp"
expect_exit 0 "$PLUMBLINE" keygen --secret-key st/k.key --public-key st/k.pub
mkdir -p reports/2026-11-01
f=reports/2026-11-01/acme-core.json
printf '{"vendor":"acme","verdict":"pass"}\n' >"$f"
expect_exit 0 "$PLUMBLINE" register add --secret-key st/k.key --register st/register.jsonl "$f" \
	--vendor acme --model m1 --suite core --verdict pass --night 2026-11-01
common=(--public-key st/k.pub --register st/register.jsonl)
expect_exit 0 "$PLUMBLINE" verify "${common[@]}" "$f" st/register.jsonl
# a directory: usage
expect_exit 2 "$PLUMBLINE" verify "${common[@]}" reports/
grep -q "reports/: is a directory" "$tmp/last.err" || fail "directory: $(cat "$tmp/last.err")"
# a report that does not exist: missing evidence
expect_exit 1 "$PLUMBLINE" verify "${common[@]}" reports/2026-11-02/acme-core.json
grep -q "does not exist: missing evidence" "$tmp/last.err" || fail "missing report: $(cat "$tmp/last.err")"
# its signature deleted: missing evidence
rm "$f.minisig"
expect_exit 1 "$PLUMBLINE" verify "${common[@]}" "$f"
grep -q "$f.minisig: does not exist" "$tmp/last.err" || fail "missing minisig: $(cat "$tmp/last.err")"
echo "ok: test_verify_codes"
