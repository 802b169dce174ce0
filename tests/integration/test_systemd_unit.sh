#!/usr/bin/env bash
# test_systemd_unit.sh: the nightly unit's sandbox (ProtectSystem=strict: everything read-only
# but what the unit names) lets the run write every path the README tells users to configure:
# state, reports, baselines, the register and signing key, the log file and the metrics file;
# and systemd-analyze accepts the unit (skipped when systemd-analyze is not installed).
set -euo pipefail

PL_SOURCE_DIR=${PL_SOURCE_DIR:?PL_SOURCE_DIR must point at the source tree}
tmp=$(mktemp -d /tmp/pl-unit-it.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

unit="$PL_SOURCE_DIR/harness/plumbline-nightly.service"
timer="$PL_SOURCE_DIR/harness/plumbline-nightly.timer"

# Every path the README's config examples set (relative ones live in the unit's
# WorkingDirectory) must be inside a directory the unit makes writable.
python3 - "$unit" "$PL_SOURCE_DIR/README.md" <<'PY' || fail "the unit's sandbox does not cover the README's paths"
import os, re, sys
unit, readme = open(sys.argv[1]).read(), open(sys.argv[2]).read()
svc = {}
for line in unit.splitlines():
    if "=" in line and not line.startswith("#"):
        k, v = line.split("=", 1)
        svc.setdefault(k.strip(), []).extend(v.split())
assert svc.get("ProtectSystem") == ["strict"], svc.get("ProtectSystem")
roots = ["/var/lib/" + d for d in svc.get("StateDirectory", [])]
roots += ["/var/log/" + d for d in svc.get("LogsDirectory", [])]
roots += [p.lstrip("-") for p in svc.get("ReadWritePaths", [])]
cwd = svc["WorkingDirectory"][0]
keys = r'"(baselines|reports|state|file|metrics_file|secret_key|register)"\s*:\s*"([^"]+)"'
paths = {}
for key, val in re.findall(keys, readme):
    if val.startswith("/etc/"):
        continue  # read-only configuration
    p = os.path.normpath(os.path.join(cwd, val))
    paths[p] = key
assert len(paths) >= 6, paths  # the examples name state, log, metrics, key, register...
bad = [f"{k} {p}" for p, k in sorted(paths.items())
       if not any(p == r or p.startswith(r.rstrip("/") + "/") for r in roots)]
for b in bad:
    print("not writable under ProtectSystem=strict:", b, "(writable:", roots, ")")
sys.exit(1 if bad else 0)
PY
echo "sandbox: every configured path is writable"

if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze not installed (apt-get install systemd); unit not verified"
	exit 0
fi
mkdir -p "$tmp/units"
sed 's#@PL_BINDIR@#/usr/bin#' "$unit" >"$tmp/units/plumbline-nightly.service"
cp "$timer" "$tmp/units/"
# Only the Documentation=man: lookup may fail (the page is not installed system-wide).
out=$(cd "$tmp/units" && systemd-analyze verify plumbline-nightly.service plumbline-nightly.timer 2>&1 |
	grep -v "Command 'man plumbline(1)' failed" || true)
[ -z "$out" ] || fail "systemd-analyze verify: $out"
echo "systemd-analyze verify: ok"
