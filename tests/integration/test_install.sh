#!/usr/bin/env bash
# test_install.sh: `cmake --install` puts the binary, the man page (a section per command), the
# example config and suites, and the systemd units in place; the units pass systemd-analyze;
# `cpack -G DEB` builds a .deb with the runtime dependencies that dpkg can install.
set -euo pipefail

PL_BUILD_DIR=${PL_BUILD_DIR:?PL_BUILD_DIR must point at the build tree}
tmp=$(mktemp -d /tmp/pl-install-it.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR="$tmp/root" cmake --install "$PL_BUILD_DIR" --prefix /usr >"$tmp/install.log" ||
	fail "cmake --install: $(cat "$tmp/install.log")"
r="$tmp/root/usr"
for f in bin/plumbline share/man/man1/plumbline.1 share/man/man5/plumbline-config.5 \
	share/man/man5/plumbline-suite.5 share/bash-completion/completions/plumbline \
	share/zsh/vendor-completions/_plumbline share/plumbline/example-config.json \
	share/plumbline/suites/demo.json share/plumbline/suites/demo.yaml lib/systemd/system/plumbline-nightly.service \
	lib/systemd/system/plumbline-nightly.timer; do
	[ -e "$r/$f" ] || fail "not installed: /usr/$f"
done
"$r/bin/plumbline" version | grep -q '^plumbline ' || fail "installed binary does not run"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$r/share/plumbline/example-config.json"

# The man page: no template left, one section per command, renders without warnings.
man1="$r/share/man/man1/plumbline.1"
if grep -q '@[A-Z_]*@' "$man1"; then fail "unexpanded template in the man page"; fi
for c in init doctor check baseline run compare simulate demo import keygen verify register alert help; do
	grep -q "^\.SS \"plumbline $c" "$man1" || fail "man page has no section for '$c'"
done
for m in "$man1" "$r/share/man/man5/plumbline-config.5" "$r/share/man/man5/plumbline-suite.5"; do
	if grep -q '@[A-Z_]*@' "$m"; then fail "unexpanded template in $m"; fi
	if command -v groff >/dev/null; then
		warn=$(groff -man -Tutf8 -ww -z "$m" 2>&1 || true)
		[ -z "$warn" ] || fail "man page warnings in $m: $warn"
	fi
done
# The installed bash completion works against the installed binary.
got=$(PATH="$r/bin:$PATH" bash -c 'source "$1"; COMP_WORDS=(plumbline run --dry); COMP_CWORD=2
	_plumbline; echo "${COMPREPLY[*]}"' _ "$r/share/bash-completion/completions/plumbline")
[ "$got" = "--dry-run" ] || fail "installed completion: '$got'"

# The units: ExecStart points at the installed binary; systemd-analyze accepts them.
unit="$r/lib/systemd/system/plumbline-nightly.service"
grep -q "^ExecStart=/bin/sh -c 'exec /usr/bin/plumbline run --config /etc/plumbline/plumbline.json" "$unit" ||
	fail "ExecStart: $(grep ExecStart "$unit")"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$tmp/units"
	cp "$unit" "$r/lib/systemd/system/plumbline-nightly.timer" "$tmp/units/"
	# Only the Documentation=man: lookup may fail (the page is not installed system-wide).
	out=$(cd "$tmp/units" && systemd-analyze verify plumbline-nightly.service plumbline-nightly.timer 2>&1 |
		grep -v "Command 'man plumbline(1)' failed" || true)
	[ -z "$out" ] || fail "systemd-analyze verify: $out"
else
	echo "SKIP: systemd-analyze not installed; units not verified"
fi

# The .deb.
if command -v cpack >/dev/null && command -v dpkg-deb >/dev/null; then
	(cd "$tmp" && cpack -G DEB --config "$PL_BUILD_DIR/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) ||
		fail "cpack: $(tail -5 "$tmp/cpack.log")"
	deb=$(ls "$tmp"/pkg/plumbline_*_*.deb)
	deps=$(dpkg-deb -f "$deb" Depends)
	for d in libcurl4 libjansson4 libpcre2-8-0 libssl3 libmicrohttpd12; do
		case "$deps" in *"$d"*) ;; *) fail "Depends lacks $d: $deps" ;; esac
	done
	dpkg-deb -c "$deb" >"$tmp/contents"
	for f in ./usr/bin/plumbline ./usr/share/man/man1/plumbline.1 \
		./usr/lib/systemd/system/plumbline-nightly.timer ./usr/share/plumbline/example-config.json; do
		grep -q " $f\$" "$tmp/contents" || fail "$f not in the .deb"
	done
	# Installs into a scratch root (dependencies are checked against this system separately).
	s="$tmp/scratch"
	mkdir -p "$s/var/lib/dpkg/info" "$s/var/lib/dpkg/updates"
	: >"$s/var/lib/dpkg/status"
	dpkg --root="$s" --force-depends --force-not-root --log=/dev/null -i "$deb" >"$tmp/dpkg.log" 2>&1 ||
		fail "dpkg -i: $(cat "$tmp/dpkg.log")"
	"$s/usr/bin/plumbline" version >/dev/null || fail "binary from the .deb does not run"
	if [ "$(id -u)" = 0 ]; then
		dpkg --dry-run -i "$deb" >"$tmp/dry.log" 2>&1 ||
			fail "dependencies not satisfiable here: $(cat "$tmp/dry.log")"
	fi
else
	echo "SKIP: cpack or dpkg-deb missing; .deb not built"
fi
echo ok
