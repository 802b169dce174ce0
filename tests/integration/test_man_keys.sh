#!/usr/bin/env bash
# test_man_keys.sh: every key the config and suite files accept is documented, in bold, in
# plumbline-config(5) and plumbline-suite(5) (as test_cli checks every option against
# plumbline.1). The keys are read from the validators' key tables in the sources (config.c,
# detect_params.c, sign.c, log.c, alert_*.c; suite.c, check*.c), so a key added there without
# a line in the man page fails here; so does a check kind whose name is missing.
set -euo pipefail
PL_SOURCE_DIR=${PL_SOURCE_DIR:?PL_SOURCE_DIR must point at the source tree}

python3 - "$PL_SOURCE_DIR" <<'PY'
import glob, os, re, shlex, sys
src = sys.argv[1]
h = os.path.join(src, "harness")

def tables(path):
    """Every key of every `const char *const NAME[] = {...}` table and `keys[n++] = "k"`."""
    text = open(path).read()
    keys = set()
    for m in re.finditer(r'const char \*const (?:\w*keys|allowed)\[\]\s*=\s*\{(.*?)\};', text, re.S):
        keys |= set(re.findall(r'"([a-z_$][a-z0-9_]*)"', m.group(1)))
    keys |= set(re.findall(r'keys\[n\+\+\]\s*=\s*"([a-z_]+)"', text))
    return keys

def bold(page):
    """The words a man page sets in bold (.B, .BR/.RB, .BI/.IB arguments and \\fB...\\f)."""
    words = set()
    for line in open(page):
        line = line.rstrip("\n").replace("\\-", "-").replace("\\e", "\\")
        for m in re.finditer(r'\\fB(.*?)\\f[RPI]', line):
            words.add(m.group(1))
        m = re.match(r'\.(B|BR|RB|BI|IB) (.*)', line)
        if not m:
            continue
        try:
            args = shlex.split(m.group(2))
        except ValueError:
            args = m.group(2).split()
        start = 1 if m.group(1) in ("RB", "IB") else 0
        step = 1 if m.group(1) == "B" else 2
        for a in args[start::step]:
            words.add(a.strip())
    return words

config_files = ["config.c", "detect_params.c", "sign.c", "log.c"] + \
    [os.path.basename(p) for p in sorted(glob.glob(os.path.join(h, "alert_*.c")))]
suite_files = ["suite.c"] + [os.path.basename(p) for p in sorted(glob.glob(os.path.join(h, "check*.c")))]
pages = {"plumbline-config.5": config_files, "plumbline-suite.5": suite_files}
# Keys read outside a table: every check's "type", "id" and "min_pass_rate" (check.c).
extra = {"plumbline-suite.5": {"type", "id", "min_pass_rate"}}
# Probe answer or report fields that are not config keys.
known = {"plumbline-config.5": {"api_key_env", "max_outage", "window", "min_confidence",
                                "secret_key", "metrics_file", "url_env", "password_env"},
         "plumbline-suite.5": {"baseline_samples", "response_schema", "pattern", "threshold",
                               "format_assert", "messages"}}
bad = []
for page, files in pages.items():
    keys = set(extra.get(page, set()))
    for f in files:
        keys |= tables(os.path.join(h, f))
    # the scrape found the tables (not vacuous)
    missing_known = known[page] - keys
    if missing_known:
        bad.append("%s: the key tables were not found (no %s)" % (page, sorted(missing_known)))
    have = bold(os.path.join(h, page))
    for k in sorted(keys):
        if k not in have:
            bad.append("%s: key \"%s\" is not documented (in bold)" % (page, k))
    print("%s: %d keys documented" % (page, len(keys)))
# Every check kind by name in plumbline-suite(5).
kinds = set()
for p in glob.glob(os.path.join(h, "check_*.c")):
    kinds |= set(re.findall(r'\.name\s*=\s*"([a-z_]+)"', open(p).read()))
if len(kinds) < 5:
    bad.append("check kinds not found: %s" % sorted(kinds))
have = bold(os.path.join(h, "plumbline-suite.5"))
for k in sorted(kinds - have):
    bad.append("plumbline-suite.5: check kind \"%s\" is not documented" % k)
if bad:
    print("\n".join("FAIL: " + b for b in bad), file=sys.stderr)
    sys.exit(1)
PY
echo ok
