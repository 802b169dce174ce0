#!/usr/bin/env bash
# test_numeric_options.sh: every numeric command-line option goes through one parser: NaN,
# infinities, negatives, fractions where a whole number is wanted, out-of-range, blank or
# trailing text are refused with exit 2 and a message naming the option; sound values pass.
source "$(dirname "$0")/lib.sh"

suite="$PL_SOURCE_DIR/suites/demo.json"
# priced: a cost budget needs the vendor's prices (a vendor without them is refused)
write_config "$tmp/c" 9 ', "prices": {"input_per_mtok": 1, "output_per_mtok": 2}'

# bad CMD... -- OPTION VALUE: the command must exit 2 and name OPTION.
bad() {
	local rc=0 opt=${*: -2:1} val=${*: -1}
	"$PLUMBLINE" "$@" >"$tmp/o" 2>"$tmp/e" </dev/null || rc=$?
	[ "$rc" = 2 ] || fail "'$*' exited $rc, want 2 ($(cat "$tmp/e"))"
	grep -q -- "$opt" "$tmp/e" || fail "'$*': the error does not name $opt: $(cat "$tmp/e")"
	grep -q -- "got '$val'\|not '$val'" "$tmp/e" || fail "'$*': the error does not quote the value"
}

run=(run --config "$tmp/c/plumbline.json" --dry-run)
for v in nan NaN inf -inf -5 1.5 1e3 1e308 '' ' 5' 5x 0x10 99999999999999999999 1099511627777; do
	bad "${run[@]}" "$suite" --max-requests "$v"
done
for v in nan inf -1 1.5 9223372036854775807 1125899906842625 abc; do
	bad "${run[@]}" "$suite" --max-tokens "$v"
done
for v in nan -nan inf infinity -0.01 1e308 1e13 '' '1,5' 2x; do
	bad "${run[@]}" "$suite" --max-cost "$v"
done
for v in nan inf -1 1e9 x; do
	bad "${run[@]}" "$suite" --lock-wait "$v"
done
echo "run: bad numbers refused"

# sound values: the dry run plans and exits 0
expect_exit 0 "$PLUMBLINE" "${run[@]}" --max-requests 5 --max-tokens 1099511627776 \
	--max-cost 2.5 --lock-wait 0.5 "$suite"
expect_exit 0 "$PLUMBLINE" "${run[@]}" --max-requests 0 --max-cost 0 "$suite"

# simulate
for v in nan inf -1 2; do bad simulate --port 0 --drift-strength "$v"; done
for v in -1 70000 1.5 nan ' 80'; do bad simulate --port "$v"; done
for v in -1 x 1.5 18446744073709551616 ' 1'; do bad simulate --port 0 --seed "$v"; done
echo "simulate: bad numbers refused"

# register
for v in -1 1.5 nan x 99999999999999999999; do
	bad register prove --config "$tmp/c/plumbline.json" --entry "$v"
done
for v in nan inf -0.5 1.5; do
	bad register add --config "$tmp/c/plumbline.json" --availability "$v"
done
for v in nan inf -1 1e308; do
	bad register add --config "$tmp/c/plumbline.json" --latency-ms "$v"
done
echo "register: bad numbers refused"
echo ok
