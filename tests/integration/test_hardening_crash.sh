#!/usr/bin/env bash
# test_hardening_crash.sh: crash safety. SIGKILL at random points (seeded; CRASH_TRIALS scales
# the count, default 100) during `baseline record`, `run` (which signs reports and appends to
# the register), late in `run` (around the register append) and `keygen`. After every kill:
# each baseline, report, register and key file is the old version or the new one (parsed),
# `register verify` passes, every signed report verifies, and `run --resume` completes.
# Then disk full: a 1 MB tmpfs as the state/report directory gives a clear error (exit 3) and
# keeps what was written before (skipped, saying so, when mount is not allowed).
source "$(dirname "$0")/lib.sh"

seed=${CRASH_SEED:-20261127}
trials=${CRASH_TRIALS:-100}
suite="$PL_SOURCE_DIR/tests/fixtures/hardening/mini-suite.json"

# killer.py SEED LO_US HI_US CMD...: starts CMD, SIGKILLs it after a uniform random delay in
# [LO_US, HI_US] microseconds (seeded), prints "killed" or "exited RC".
cat >"$tmp/killer.py" <<'PY'
import os, random, signal, subprocess, sys, time
rnd = random.Random(int(sys.argv[1]))
delay = rnd.uniform(float(sys.argv[2]), float(sys.argv[3])) / 1e6
p = subprocess.Popen(sys.argv[4:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t0 = time.monotonic()
while time.monotonic() - t0 < delay and p.poll() is None:
    time.sleep(0.0002)
if p.poll() is None:
    p.send_signal(signal.SIGKILL)
    p.wait()
    print("killed")
else:
    print("exited", p.returncode)
PY

# check_files DIR: every file is complete: JSON parses, keys are minisign files, the register
# verifies, and every report that has a signature verifies.
check_files() {
	local d=$1 r
	python3 - "$d" <<'PY' || fail "trial $trial ($what): a damaged file"
import json, os, sys
d = sys.argv[1]
for root, _, files in os.walk(d):
    for f in files:
        p = os.path.join(root, f)
        if f.endswith(".json") and "/journal/" not in p:
            json.load(open(p))  # baselines, reports, config: complete or absent
        elif f == "register.jsonl":
            data = open(p, "rb").read()
            for line in data.split(b"\n")[:-1]:
                json.loads(line)
        elif f.endswith(".key") or f.endswith(".pub"):
            lines = open(p).read().split("\n")
            if len(lines) < 2 or not lines[0].startswith("untrusted comment:") or len(lines[1]) < 50:
                sys.exit("incomplete key file " + p)
        elif f.endswith(".minisig"):
            if open(p).read().count("\n") < 4:
                sys.exit("incomplete signature " + p)
PY
	# Right after a kill the register verifies, or holds one entry whose checkpoint the kill
	# prevented (the next run that opens it signs that checkpoint: see --resume below).
	if [ -f "$d/state/register.jsonl" ] &&
		! "$PLUMBLINE" register verify --config "${cfg:-$d/plumbline.json}" >"$tmp/v.out" 2>&1; then
		[ "${2:-}" = allow-unsealed ] && grep -q 'covers [0-9]* entries but the register has' "$tmp/v.out" ||
			fail "trial $trial ($what): register verify: $(cat "$tmp/v.out")"
		python3 -c 'import re,sys; m=re.search(r"covers (\d+) entries but the register has (\d+)", open(sys.argv[1]).read()); sys.exit(int(m.group(2)) - int(m.group(1)) != 1)' "$tmp/v.out" ||
			fail "trial $trial ($what): register verify: $(cat "$tmp/v.out")"
		unsealed=$((unsealed + 1))
		return 0 # `plumbline verify` checks the register too: done after --resume
	fi
	# Reports (and signatures) written since the last check; older ones were verified then.
	for r in $(find "$d/reports" -name '*.json' -newer "$tmp/checked" 2>/dev/null) \
		$(find "$d/reports" -name '*.json.minisig' -newer "$tmp/checked" 2>/dev/null | sed 's/\.minisig$//'); do
		[ -f "$r.minisig" ] || continue
		if "$PLUMBLINE" verify --config "${cfg:-$d/plumbline.json}" "$r" >"$tmp/v.out" 2>&1; then
			verified=$((${verified:-0} + 1))
			continue
		fi
		# Killed between signing the report and appending its entry: the signature names
		# the next entry, which does not exist yet. verify says so (never a false pass);
		# --resume appends it.
		if [ "${2:-}" = allow-unsealed ] &&
			grep -q "register entry #$(wc -l <"$d/state/register.jsonl") named by the signature does not exist" "$tmp/v.out"; then
			unregistered=$((unregistered + 1))
			continue
		fi
		fail "trial $trial ($what): verify $r: $(cat "$tmp/v.out")"
	done
	# Move the mark on, unless a report must be verified again after --resume.
	[ "${unregistered:-0}" != "${seen_unregistered:-0}" ] || touch -d "@$(($(date +%s) - 1))" "$tmp/checked"
	seen_unregistered=${unregistered:-0}
}

# duration_ms CMD...: how long CMD takes uninterrupted.
duration_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000 + 1))
}

touch -d @0 "$tmp/checked"
sim_start crash --seed 5 --night 1
d="$tmp/st"
write_config "$d" "$port"
expect_exit 0 "$PLUMBLINE" keygen --config "$d/plumbline.json"
expect_exit 0 "$PLUMBLINE" baseline record --config "$d/plumbline.json" --vendor sim "$suite"
"$PLUMBLINE" run --config "$d/plumbline.json" --date 2026-03-01 "$suite" >"$tmp/first.out" 2>&1 || true
[ -f "$d/state/register.jsonl" ] || fail "the first run registered nothing: $(cat "$tmp/first.out")"
check_files "$d"

bl="$d/baselines/sim/sim-gpt-1/mini.json"
t_base=$(duration_ms "$PLUMBLINE" baseline record --config "$d/plumbline.json" --vendor sim "$suite")
t_run=$(duration_ms "$PLUMBLINE" run --config "$d/plumbline.json" --date 2026-03-02 "$suite")
echo "uninterrupted: baseline record ${t_base} ms, run ${t_run} ms"
# Kill windows (microseconds), adapted as trials go: a command that finished before its kill
# shrinks its window, one that was killed widens it, so most kills land while it works even
# when the machine is busier or idler than when the durations were measured.
w_base=$((t_base * 1200)) w_run=$((t_run * 1000))
tally() { # tally WINDOW_VAR: counts $out, adapts the window
	if [ "$out" = killed ]; then
		killed=$((killed + 1))
		eval "$1=\$(($1 * 105 / 100 + 1))"
	else
		finished=$((finished + 1))
		eval "$1=\$(($1 * 80 / 100 + 1))"
	fi
}

n_base=$((trials / 4)) n_run=$((trials / 4)) n_late=$((trials / 4)) n_key=$((trials - 3 * (trials / 4)))
killed=0 finished=0 resumed=0 trial=0 day=0 unsealed=0 unregistered=0

# 1. baseline record: the baseline is the old file or a complete new one.
for _ in $(seq "$n_base"); do
	trial=$((trial + 1)) what="baseline record"
	old=$(sha256sum "$bl" | cut -d' ' -f1)
	out=$(python3 "$tmp/killer.py" $((seed + trial)) 0 "$w_base" \
		"$PLUMBLINE" baseline record --config "$d/plumbline.json" --vendor sim "$suite")
	tally w_base
	check_files "$d"
	new=$(sha256sum "$bl" | cut -d' ' -f1)
	if [ "$new" != "$old" ]; then
		[ "$(json_get "$bl" 'sum(len(p["samples"]) for p in d["prompts"])')" = 60 ] ||
			fail "trial $trial: a new baseline without every sample"
	fi
done

# 2. run (anywhere) and 3. run late (around signing and the register append), then --resume.
run_trials() { # run_trials N LO_PERCENT HI_PERCENT
	local i lo=$2 hi=$3 date rep entries
	for i in $(seq "$1"); do
		trial=$((trial + 1)) day=$((day + 1))
		date=$(date -u -d "2026-04-01 + $day days" +%Y-%m-%d)
		entries=$(wc -l <"$d/state/register.jsonl")
		out=$(python3 "$tmp/killer.py" $((seed + trial)) $((w_run * lo / 100)) \
			$((w_run * hi / 100)) "$PLUMBLINE" run --config "$d/plumbline.json" --date "$date" "$suite")
		tally w_run
		check_files "$d" allow-unsealed
		[ "$(wc -l <"$d/state/register.jsonl")" -le $((entries + 1)) ] ||
			fail "trial $trial: more than one register entry for one run"
		# Completes: exit 0 (pass) or 1 (a check failed on this night's samples), never 2/3.
		rc=0
		"$PLUMBLINE" run --config "$d/plumbline.json" --date "$date" --resume "$suite" \
			>"$tmp/resume.out" 2>&1 || rc=$?
		[ "$rc" -le 1 ] || fail "trial $trial: run --resume exit $rc: $(cat "$tmp/resume.out")"
		resumed=$((resumed + 1))
		rep="$d/reports/$date/sim-mini.json"
		[ -f "$rep" ] && [ -f "$rep.minisig" ] || fail "trial $trial: no signed report after --resume"
		# one run entry and at most one history line for the night, wherever the kill landed
		# (a kill after the register entry, then --resume, made two of each: QA, stop 32)
		n=$(grep '"type":"run"' "$d/state/register.jsonl" | grep -c "\"night\":\"$date\"" || true)
		[ "$n" = 1 ] || fail "trial $trial: $n register entries for night $date after --resume"
		n=$(grep -c "\"night\":\"$date\"" "$d/state/history/sim/sim-gpt-1/mini.jsonl" || true)
		[ "$n" -le 1 ] || fail "trial $trial: $n history lines for night $date after --resume"
		check_files "$d"
	done
}
what="run"
run_trials "$n_run" 0 120
what="run, late"
run_trials "$n_late" 60 110

# 4. keygen: afterwards the key pair is absent (keygen then works), complete (and signs), or
#    the secret key alone (keygen then writes its public files from it).
t_key=$(duration_ms "$PLUMBLINE" keygen --secret-key "$tmp/k0/s.key" --public-key "$tmp/k0/p.pub")
w_key=$((t_key * 1500))
for _ in $(seq "$n_key"); do
	trial=$((trial + 1)) what="keygen"
	k="$tmp/k$trial"
	mkdir -p "$k"
	out=$(python3 "$tmp/killer.py" $((seed + trial)) 0 "$w_key" \
		"$PLUMBLINE" keygen --secret-key "$k/s.key" --public-key "$k/p.pub")
	tally w_key
	check_files "$k"
	if [ -f "$k/s.key" ]; then
		[ "$(stat -c %a "$k/s.key")" = 600 ] || fail "trial $trial: secret key mode $(stat -c %a "$k/s.key")"
		# killed before the public files took their names: keygen writes them from it
		if [ ! -f "$k/p.pub" ] || [ ! -f "$k/p.pub.pem" ]; then
			expect_exit 0 "$PLUMBLINE" keygen --secret-key "$k/s.key" --public-key "$k/p.pub"
		fi
		[ -f "$k/p.pub" ] && [ -f "$k/p.pub.pem" ] ||
			fail "trial $trial: a secret key without its public key (keygen cannot complete it)"
	else
		expect_exit 0 "$PLUMBLINE" keygen --secret-key "$k/s.key" --public-key "$k/p.pub"
	fi
	# The pair works: sign with the secret key (minisign), verify with the public key.
	printf 'x\n' >"$k/m"
	minisign -S -s "$k/s.key" -m "$k/m" </dev/null >/dev/null 2>&1 || fail "trial $trial: key does not sign"
	minisign -V -p "$k/p.pub" -m "$k/m" >/dev/null 2>&1 || fail "trial $trial: public key does not verify"
	rm -rf "$k"
done
strays=$(find "$d" -name '*.tmp*' | wc -l)
echo "crash trials: $trial ($killed killed mid-way, $finished finished first); $resumed runs resumed;"
echo "  every file old or new; ${verified:-0} signed report checks passed; register verifies ($unsealed times after the kill"
echo "  one entry awaited its checkpoint: the next run signed it, then the register verified;"
echo "  $unregistered times a signed report awaited its register entry: verify failed until --resume)"
echo "  $strays stray temp files left by killed atomic writes (never read; safe to delete)"

# 5. Disk full: state and reports on a 1 MB tmpfs. Skipped (saying so) where mount is not allowed.
full="$tmp/full"
mkdir -p "$full/mnt"
if mount -t tmpfs -o size=1m tmpfs "$full/mnt" 2>/dev/null; then
	trap 'umount "$full/mnt" 2>/dev/null || true; cleanup' EXIT
	cp -r "$d/baselines" "$full/"
	mkdir -p "$full/mnt/state"
	cp "$d/state/plumbline.key" "$d/state/register.pub" "$d/state/register.pub.pem" "$full/mnt/state/"
	write_config "$full" "$port"
	sed -i "s|\"$full/state\"|\"$full/mnt/state\"|; s|\"$full/reports\"|\"$full/mnt/reports\"|" "$full/plumbline.json"
	rc=0
	"$PLUMBLINE" run --config "$full/plumbline.json" --date 2026-05-01 "$suite" >"$tmp/full.out" 2>&1 || rc=$?
	[ "$rc" -le 1 ] || fail "disk full: the first run failed: $(cat "$tmp/full.out")"
	# Fill the disk leaving LEFT KB (0: the first write fails; more: later writes do), run a
	# night: exit 3 naming "no space" (or 0 if it fitted), nothing written before is lost, the
	# register verifies, and once space is back the same night runs to the end.
	day=0
	for left in 0 8 16 24 32 40 48 56 64 128; do
		day=$((day + 1))
		date=$(date -u -d "2026-05-10 + $day days" +%Y-%m-%d)
		rm -rf "$full/before"
		cp -a "$full/mnt" "$full/before"
		avail=$(df -k --output=avail "$full/mnt" | tail -1)
		[ "$avail" -gt "$left" ] && dd if=/dev/zero of="$full/mnt/filler" bs=1k count=$((avail - left)) 2>/dev/null
		rc=0
		timeout 60 "$PLUMBLINE" run --config "$full/plumbline.json" --date "$date" "$suite" \
			>"$tmp/full.out" 2>"$tmp/full.err" || rc=$?
		rm -f "$full/mnt/filler"
		case $rc in
		0 | 1) outcome="completed (exit $rc)" ;;
		3)
			grep -qi 'no space left' "$tmp/full.err" "$tmp/full.out" ||
				fail "disk full ($left KB): message does not say so: $(cat "$tmp/full.err")"
			outcome="exit 3: $(grep -m1 -i 'no space' "$tmp/full.err" "$tmp/full.out" | sed "s|$tmp|TMP|g; s|^[^:]*:||")"
			;;
		*) fail "disk full ($left KB): exit $rc: $(cat "$tmp/full.out" "$tmp/full.err")" ;;
		esac
		for f in $(cd "$full/before" && find . -type f ! -name '*.lock' ! -path './state/journal/*' ! -path './state/history/*' ! -name 'register.jsonl*'); do
			cmp -s "$full/before/$f" "$full/mnt/$f" || fail "disk full ($left KB): $f changed or lost"
		done
		# The register keeps every entry it had (appends only), byte for byte.
		cmp -s "$full/before/state/register.jsonl" <(head -c "$(stat -c %s "$full/before/state/register.jsonl")" "$full/mnt/state/register.jsonl") ||
			fail "disk full ($left KB): register entries changed"
		what="disk full" trial="disk-full-$left" d="$full/mnt" cfg="$full/plumbline.json"
		check_files "$d" allow-unsealed
		rc=0
		"$PLUMBLINE" run --config "$full/plumbline.json" --date "$date" --resume "$suite" >"$tmp/full2.out" 2>&1 || rc=$?
		[ "$rc" -le 1 ] || fail "disk full ($left KB): the next run failed: $(cat "$tmp/full2.out")"
		check_files "$d"
		echo "disk full, $left KB left: $outcome; nothing lost; the night then completed"
	done
	umount "$full/mnt"
else
	echo "disk full: SKIPPED (cannot mount a tmpfs here: needs root)"
fi
echo ok
