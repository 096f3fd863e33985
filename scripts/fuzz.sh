#!/usr/bin/env bash
# Builds the libFuzzer target (fuzz/TranslatorFuzzer.swift + the pure SednaCatalog sources) with
# address sanitizer and runs it for N seconds (default 60) on a corpus seeded from the fixtures.
#   scripts/fuzz.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=${FUZZ_DIR:-.build-fuzz}
mkdir -p "$out/corpus"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name SednaFuzz \
  $(find Sources/SednaCatalog -name "*.swift" | sort) Sources/Intake/TextParser.swift fuzz/TranslatorFuzzer.swift \
  -o "$out/translator-fuzzer"
# Seeds: every fixture object on its own, plus a few timestamps and URLs.
python3 - "$out/corpus" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
n = 0
for path in sorted(glob.glob("fixtures/cluster/*.json")):
    for o in json.load(open(path))["items"]:
        open(os.path.join(out, f"seed-{n}.json"), "w").write(json.dumps(o)); n += 1
for i, s in enumerate(["2025-01-01T10:00:00.123+08:00", "s3://a:b@h/p?x=1#f", "Round 12 reaches at x", "1e308"]):
    open(os.path.join(out, f"seed-text-{i}"), "w").write(s)
PY
"$out/translator-fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 "$out/corpus" 2>&1 | tail -n 5
