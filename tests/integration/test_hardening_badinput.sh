#!/usr/bin/env bash
# test_hardening_badinput.sh: the bad-input table. Hand-made broken config, suite, baseline,
# journal, register and key files (empty, truncated, wrong types, huge numbers, 100k '[',
# invalid UTF-8, NUL bytes, 100 MB) and a hostile vendor (tests/fixtures/hardening/
# bad_vendor.py: 100 MB body, endless stream, deep nesting, invalid UTF-8, NULs, huge numbers,
# wrong types, empty, garbage, HTML). Each ends with a clear message and exit 2 (bad file), 1
# (register/signature does not verify) or 3 with a classified vendor fault: never a crash
# (signal, sanitizer report), never a hang (every command under `timeout`). Prints the table.
source "$(dirname "$0")/lib.sh"

bad="$tmp/bad"
mkdir -p "$bad"
fx="$PL_SOURCE_DIR/tests/fixtures/hardening"
good_config="$PL_SOURCE_DIR/tests/fixtures/bad/good-config.json"
printf '%-9s %-22s %4s  %s\n' input case exit message >"$tmp/table"

# case_run KIND NAME WANT_EXITS CMD...: runs CMD (60 s limit); checks the exit code, that no
# signal or sanitizer ended it and that it said something on stderr; adds a table row.
case_run() {
	local kind=$1 name=$2 want=$3 rc=0 msg
	shift 3
	timeout 60 "$@" >"$tmp/case.out" 2>"$tmp/case.err" || rc=$?
	[ "$rc" != 124 ] || fail "$kind $name: hung (killed after 60 s)"
	[ "$rc" -lt 128 ] || fail "$kind $name: killed by signal $((rc - 128)): $(tail -5 "$tmp/case.err")"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/case.err"; then
		fail "$kind $name: sanitizer report: $(head -20 "$tmp/case.err")"
	fi
	[[ ",$want," == *",$rc,"* ]] ||
		fail "$kind $name: exit $rc, want $want: $(cat "$tmp/case.out" "$tmp/case.err" | head -5)"
	# the message is the first line that is not a warning (an unpriced vendor warns first)
	msg=$(grep -m1 -v -e '^$' -e '^plumbline: warning: ' "$tmp/case.err" || true)
	msg=${msg//$tmp/TMP}
	[ -n "$msg" ] || msg=$(grep -m1 -E 'incomplete|fault|error' "$tmp/case.out" || true)
	[ -n "$msg" ] || fail "$kind $name: exit $rc without a message"
	printf '%-9s %-22s %4s  %s\n' "$kind" "$name" "$rc" "${msg:0:110}" >>"$tmp/table"
	last_msg=$msg
}

# The broken JSON files, written here (the big ones are never committed).
gen() { # gen DIR: one file per kind of damage, from a valid JSON file $DIR/valid.json
	local d=$1 v=$1/valid.json
	: >"$d/empty.json"
	head -c $(($(wc -c <"$v") / 2)) "$v" >"$d/truncated.json"
	printf '[1, 2, 3]\n' >"$d/wrong-type-root.json"
	python3 -c 'import sys; sys.stdout.write("[" * 100000)' >"$d/deep-100k.json"
	python3 - "$v" "$d" <<'PY'
import json, sys
v, d = sys.argv[1], sys.argv[2]
t = open(v, "rb").read()
# invalid UTF-8 inside the first string value; a NUL byte in the middle; a 1e400 number.
i = t.index(b'"', t.index(b":")) + 1
open(d + "/invalid-utf8.json", "wb").write(t[:i] + b"\xff\xfe\xc3\x28" + t[i:])
open(d + "/nul-byte.json", "wb").write(t[: len(t) // 2] + b"\x00" + t[len(t) // 2 :])
open(d + "/huge-number.json", "wb").write(b'{"huge": 1e400, "big": 123456789012345678901234567890}')
obj = json.loads(t)
def retype(o):  # every scalar value becomes the wrong type
    if isinstance(o, dict):
        return {k: retype(x) for k, x in o.items()}
    if isinstance(o, list):
        return [retype(x) for x in o]
    if isinstance(o, str):
        return 12345
    if isinstance(o, bool) or o is None:
        return "yes"
    return "many"
open(d + "/wrong-types.json", "w").write(json.dumps(retype(obj)))
PY
	truncate -s 100M "$d/100mb.json"
	mkdir -p "$d/a-directory.json"
}

# 1. Config files: `plumbline check` exits 2 naming the file (a directory: 2 or 3, I/O).
mkdir -p "$bad/config"
cp "$good_config" "$bad/config/valid.json"
gen "$bad/config"
for f in "$bad"/config/*.json; do
	name=$(basename "$f" .json)
	[ "$name" = valid ] && continue
	want=2
	[ "$name" = a-directory ] && want=2,3
	case_run config "$name" "$want" "$PLUMBLINE" check --config "$f"
	[[ $last_msg == *"$name.json"* ]] || fail "config $name: message does not name the file: $last_msg"
done
case_run config missing-file 2,3 "$PLUMBLINE" check --config "$bad/nope.json"

# 2. Suite files: the same damage, with a good config.
mkdir -p "$bad/suite"
cp "$fx/mini-suite.json" "$bad/suite/valid.json"
gen "$bad/suite"
for f in "$bad"/suite/*.json; do
	name=$(basename "$f" .json)
	[ "$name" = valid ] && continue
	want=2
	[ "$name" = a-directory ] && want=2,3
	case_run suite "$name" "$want" "$PLUMBLINE" check --config "$good_config" "$f"
	[[ $last_msg == *"$name.json"* ]] || fail "suite $name: message does not name the file: $last_msg"
done
python3 - "$fx/mini-suite.json" "$bad/suite/hostile-regex.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["prompts"][0]["checks"] = [{"type": "regex", "pattern": "(a+)+$"}, {"type": "regex", "pattern": "((((((((((x"}]
json.dump(s, open(sys.argv[2], "w"))
PY
case_run suite hostile-regex 2 "$PLUMBLINE" check --config "$good_config" "$bad/suite/hostile-regex.json"

# 3. Stored files a run reads: a baseline, the register, keys. Recorded for real first.
suite="$fx/mini-suite.json"
sim_start rec --seed 5 --night 0
write_config "$tmp/st" "$port"
expect_exit 0 "$PLUMBLINE" keygen --config "$tmp/st/plumbline.json"
expect_exit 0 "$PLUMBLINE" baseline record --config "$tmp/st/plumbline.json" --vendor sim "$suite"
expect_exit 0 "$PLUMBLINE" run --config "$tmp/st/plumbline.json" --date 2026-02-01 "$suite"
bl="$tmp/st/baselines/sim/sim-gpt-1/mini.json"
reg="$tmp/st/state/register.jsonl"
cp "$bl" "$bad/baseline.valid"
cp "$reg" "$bad/register.valid"
mkdir -p "$bad/baseline"
cp "$bl" "$bad/baseline/valid.json"
gen "$bad/baseline"
for f in "$bad"/baseline/*.json; do
	name=$(basename "$f" .json)
	[ "$name" = valid ] && continue
	rm -rf "$bl"
	if [ -d "$f" ]; then mkdir -p "$bl"; else cp "$f" "$bl"; fi
	case_run baseline "$name" 2,3 "$PLUMBLINE" run --config "$tmp/st/plumbline.json" \
		--date 2026-02-02 "$suite"
	[[ $last_msg == *mini.json* ]] || fail "baseline $name: message does not name the baseline: $last_msg"
done
rm -rf "$bl"
cp "$bad/baseline.valid" "$bl"

# The register: a damaged one never verifies (exit 1) and is never extended by a run.
mkdir -p "$bad/register"
cp "$reg" "$bad/register/valid.json"
gen "$bad/register"
for f in "$bad"/register/*.json; do
	name=$(basename "$f" .json)
	[ "$name" = valid ] && continue
	[ -d "$f" ] && continue
	cp "$f" "$reg"
	case_run register "$name" 1,2,3 "$PLUMBLINE" register verify --config "$tmp/st/plumbline.json"
	case_run register "run-on-$name" 3 "$PLUMBLINE" run --config "$tmp/st/plumbline.json" \
		--date 2026-02-03 "$suite"
	cmp -s "$f" "$reg" || fail "register $name: a run changed a damaged register"
done
cp "$bad/register.valid" "$reg"
expect_exit 0 "$PLUMBLINE" register verify --config "$tmp/st/plumbline.json"

# Keys: a damaged public key never verifies a report; a damaged secret key stops a run.
pub="$tmp/st/state/register.pub"
key="$tmp/st/state/plumbline.key"
cp "$pub" "$bad/pub.valid"
cp "$key" "$bad/key.valid"
report="$tmp/st/reports/2026-02-01/sim-mini.json"
for damage in empty truncated garbage; do
	case $damage in
	empty) : >"$pub" ;;
	truncated) head -c 40 "$bad/pub.valid" >"$pub" ;;
	garbage) head -c 300 /dev/urandom >"$pub" ;;
	esac
	case_run pubkey "$damage" 1,2 "$PLUMBLINE" verify --config "$tmp/st/plumbline.json" "$report"
	cp "$bad/pub.valid" "$pub"
	case $damage in
	empty) : >"$key" ;;
	truncated) head -c 100 "$bad/key.valid" >"$key" ;;
	garbage) head -c 300 /dev/urandom >"$key" ;;
	esac
	chmod 600 "$key"
	case_run secretkey "$damage" 2,3 "$PLUMBLINE" run --config "$tmp/st/plumbline.json" \
		--date 2026-02-04 "$suite"
	cp "$bad/key.valid" "$key"
done
chmod 644 "$key"
case_run secretkey mode-0644 2,3 "$PLUMBLINE" run --config "$tmp/st/plumbline.json" --date 2026-02-04 "$suite"
chmod 600 "$key"
sim_stop

# 4. A hostile vendor: every answer is broken; the run stops with exit 3 and the report names
#    the fault class. One prompt, two samples, so a 100 MB body is sent only twice.
python3 "$fx/bad_vendor.py" "$tmp/bad.port" 2>"$tmp/bad.err" &
sim_pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/bad.port" ] && break; sleep 0.05; done
[ -s "$tmp/bad.port" ] || fail "bad_vendor.py did not start: $(cat "$tmp/bad.err")"
bport=$(cat "$tmp/bad.port")
python3 - "$suite" "$tmp/one.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["id"] = "mini"
s["prompts"] = s["prompts"][:1]
s["defaults"]["samples"] = 2
json.dump(s, open(sys.argv[2], "w"))
PY
for mode in ok big endless deep badutf8 nul hugenum wrongtypes empty garbage html; do
	d="$tmp/v-$mode"
	rm -rf "$d"
	cp -r "$tmp/st" "$d"
	python3 - "$d/plumbline.json" "http://127.0.0.1:$bport/$mode/v1" "$mode" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
v = c["vendors"][0]
v.update({"base_url": sys.argv[2], "retries": 1, "timeout_ms": 8000, "concurrency": 2})
if sys.argv[3] == "endless":
    v["stream"] = True
for k in ("baselines", "reports", "state"):
    c["paths"][k] = c["paths"][k].replace("/st/", "/v-" + sys.argv[3] + "/")
json.dump(c, open(sys.argv[1], "w"))
PY
	want=3
	[ "$mode" = ok ] || [ "$mode" = nul ] || [ "$mode" = hugenum ] && want=0,1,3
	t0=$(date +%s)
	case_run vendor "$mode" "$want" "$PLUMBLINE" run --config "$d/plumbline.json" \
		--date 2026-02-05 "$tmp/one.json"
	r="$d/reports/2026-02-05/sim-mini.json"
	[ -f "$r" ] || fail "vendor $mode: no report"
	v=$(json_get "$r" 'd["verdict"]')
	k=$(json_get "$r" '",".join(sorted({k for p in d["prompts"] for k in p.get("fault_kinds", "").split(",") if k})) or "-"')
	if [ "$v" = changed ]; then
		# ok, nul and hugenum do answer, as another model ("bad-1" for the baseline's
		# sim-gpt-1): that hard signal is a real change (a suite smaller than its baseline
		# no longer hides it). A vendor that only fails never looks like a change.
		case $mode in
		ok | nul | hugenum)
			json_get "$r" '[c["signal"] for c in d["detection"]["hard"]["changes"]]' | grep -q "'model'" ||
				fail "vendor $mode: changed, but not by the model: $(json_get "$r" 'd["summary"]')"
			;;
		*) fail "vendor $mode: a broken vendor gave a changed verdict" ;;
		esac
	fi
	if [ "$want" = 3 ]; then
		[ "$v" = incomplete ] && [ "$k" != - ] || fail "vendor $mode: verdict $v, fault kinds $k"
	fi
	sed -i '$ s/$/ [verdict '"$v"', faults: '"$k"', '"$(($(date +%s) - t0))"' s]/' "$tmp/table"
done

cat "$tmp/table"
echo ok
