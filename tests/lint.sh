#!/usr/bin/env bash
# tests/lint.sh: mechanical style checks (STYLE.md habits 13 and 16): every C file is
# clang-formatted with the repository's .clang-format, no banned call appears in the sources,
# and every #include respects the layer table in CMakeLists.txt (tests/lint_layers.cmake).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find harness probes tests -name '*.[ch]')

# Banned: unbounded string functions, atoi (no error reporting), system() (a shell), and
# anything that turns TLS verification off.
banned='\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets|system)[[:space:]]*\(|CURLOPT_SSL_VERIFY(PEER|HOST)[[:space:]]*,[[:space:]]*0'
if grep -nE "$banned" $files | grep -v '^tests/lint.sh'; then
	echo "lint: banned call above (see STYLE.md)" >&2
	status=1
fi

# A command loads its config with cli_config_load, which validates every section as run does;
# config_load alone skips the sections other modules own (alerts, signing, logging, detection).
if grep -nE '\bconfig_load[[:space:]]*\(' harness/*.c | grep -vE '^harness/(config|cli)\.c:'; then
	echo "lint: config_load above: commands use cli_config_load (cli.h)" >&2
	status=1
fi

if command -v clang-format >/dev/null 2>&1; then
	bad=""
	for f in $files; do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
	done
	if [ -n "$bad" ]; then
		echo "lint: not clang-formatted:$bad" >&2
		echo "lint: run clang-format -i on them" >&2
		status=1
	fi
else
	echo "lint: clang-format not installed; format check skipped" >&2
fi
cmake -DSRC="$PWD" -P tests/lint_layers.cmake || status=1

[ $status -eq 0 ] && echo "lint: ok ($(echo $files | wc -w) files)"
exit $status
