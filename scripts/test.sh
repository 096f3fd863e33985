#!/usr/bin/env bash
# README command 2: the whole test suite from a fresh clone.
#   1. installs what is missing (scripts/setup.sh),
#   2. builds and runs the Swift tests (unit, golden exposition, state machines, HTTP),
#   3. runs the Python suites under tests/ (the demo stack on the simulated cluster, end to end
#      with the simulator, kmock and a real Prometheus, dashboard queries, generated-file drift,
#      manifests, node monitoring),
#   4. ends with one line "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
started=$(date +%s)
elapsed() { local s=$(( $(date +%s) - started )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

echo "== swift build"
if ! swift build --build-tests >"$logs/build.txt" 2>&1; then
  tail -n 60 "$logs/build.txt"
  echo "0 passed, 1 failed"
  exit 1
fi

# The image's static release binary (tests/deploy/test_static_binary.py) is built in the
# background at the lowest CPU priority while the tests run: most end-to-end tests wait on
# scrape intervals and simulated clocks, so the build fills the idle CPU instead of adding
# several minutes to the run. The test runs last and waits for it (SwiftPM's build lock).
static_build_pid=""
if [ "${SEDNA_SKIP_STATIC_BUILD:-0}" != "1" ]; then
  nice -n 19 swift build -c release --static-swift-stdlib --product sedna-exporter \
    --scratch-path "$PWD/.build-static" >"$logs/static-build.txt" 2>&1 &
  static_build_pid=$!
fi

echo "== swift test ($(elapsed))"
swift test 2>&1 | tee "$logs/swift.txt" | grep -E '^(✘|✔ Test run|Test Suite .All tests)' || true
swift_rc=${PIPESTATUS[0]}
swift_passed=$(grep -cE '^✔ Test .* passed after' "$logs/swift.txt" || true)
swift_failed=$(grep -E '^✘ Test .* failed after' "$logs/swift.txt" | grep -vc '^✘ Test run' || true)
if [ "$swift_rc" -ne 0 ] && [ "$swift_failed" -eq 0 ]; then swift_failed=1; fi

echo "== pytest tests/ ($(elapsed))"
export SEDNA_EXPORTER_BIN="$PWD/.build/debug/sedna-exporter"
# tests/conftest.py runs the static-binary test last, so that its background build has had the
# whole run to finish. --timeout bounds any one test (pytest-timeout), --durations shows where
# the time goes.
python3 -m pytest tests -q -p no:cacheprovider -o console_output_style=classic --timeout=1500 --durations=15 2>&1 | tee "$logs/pytest.txt"
py_rc=${PIPESTATUS[0]}
summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$logs/pytest.txt" | tail -n 1)
py_passed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
py_failed=$(echo "$summary" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s += $1} END {print s + 0}')
py_passed=${py_passed:-0}; py_failed=${py_failed:-0}
if [ "$py_rc" -ne 0 ] && [ "$py_failed" -eq 0 ]; then py_failed=1; fi

[ -n "$static_build_pid" ] && wait "$static_build_pid" 2>/dev/null
echo "total time: $(elapsed)"
echo "swift: $swift_passed passed, $swift_failed failed; python: $py_passed passed, $py_failed failed"
echo "$((swift_passed + py_passed)) passed, $((swift_failed + py_failed)) failed"
[ "$swift_rc" -eq 0 ] && [ "$py_rc" -eq 0 ]
