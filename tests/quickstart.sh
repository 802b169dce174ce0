#!/usr/bin/env bash
# tests/quickstart.sh: the README's two quick-start commands.
#   tests/quickstart.sh demo   install what is missing, build, run `plumbline demo`
#   tests/quickstart.sh test   install what is missing, build, run every test (ctest), then
#                              build again with ASan+UBSan and run every test again, then
#                              build the libFuzzer targets with clang and run each briefly, then
#                              compile as packagers do (Release -O3; Debian's dpkg-buildflags)
# Developer and CI builds treat warnings as errors (-DPL_WERROR=ON); the demo's build, like a
# packager's, does not.
# Missing Debian packages are installed with apt-get when run as root; otherwise the script
# names them and stops.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=${JOBS:-2}

build_pkgs=(build-essential cmake pkg-config libcurl4-openssl-dev libjansson-dev libpcre2-dev
	libssl-dev libcmocka-dev libmicrohttpd-dev zlib1g-dev libyaml-dev)
# zsh: the zsh completion's test; systemd: systemd-analyze verify of the nightly unit
test_pkgs=(minisign libxml2-utils prometheus chromium clang clang-format iproute2 util-linux python3 curl
	zsh systemd)

need_install() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "quickstart: missing Debian packages: ${missing[*]}" >&2
		echo "quickstart: run as root, or: sudo apt-get install ${missing[*]}" >&2
		exit 2
	fi
	echo "quickstart: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() { # build DIR [cmake args...]
	local dir=$1
	shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
	cmake --build "$dir" -j "$jobs" >/dev/null
}

case "${1:-}" in
demo)
	need_install "${build_pkgs[@]}"
	build build
	exec ./build/plumbline demo
	;;
test)
	need_install "${build_pkgs[@]}" "${test_pkgs[@]}"
	build build -DPL_WERROR=ON
	(cd build && ctest --output-on-failure -j "$jobs")
	build build-asan -DPL_SANITIZE=ON -DPL_WERROR=ON
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$jobs")
	# Packagers' builds compile too (compile only; warnings are errors here so CI sees them):
	# Release (-O3 -DNDEBUG) and Debian's hardening flags from dpkg-buildflags.
	build build-release -DCMAKE_BUILD_TYPE=Release -DPL_WERROR=ON
	CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
		build build-dpkg -DCMAKE_BUILD_TYPE=None -DPL_WERROR=ON
	echo "quickstart: Release and dpkg-buildflags builds compile"
	# The libFuzzer targets (clang, ASan+UBSan): each replays its corpus and fuzzes 5 s.
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
		-DPL_FUZZ=ON -DPL_WERROR=ON >/dev/null
	fuzzers=()
	for f in tests/fuzz/fuzz_*.c; do fuzzers+=("$(basename "$f" .c)"); done
	cmake --build build-fuzz -j "$jobs" --target "${fuzzers[@]}" >/dev/null
	(cd build-fuzz && ctest -L fuzz --output-on-failure)
	;;
*)
	echo "usage: tests/quickstart.sh demo|test" >&2
	exit 2
	;;
esac
