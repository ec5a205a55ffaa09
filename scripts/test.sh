#!/usr/bin/env bash
# Installs what is missing, builds, checks the contracts and runs every test.
#   scripts/test.sh                 everything (unit, integration, e2e, fuzzing, the ASan+UBSan build)
#   scripts/test.sh -L unit         any ctest arguments narrow the run
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
"$ROOT/scripts/setup.sh" --with-browser

# Which sanitizer builds a full run ends with (scripts/sanitizer_tests.sh; README, "Sanitizer
# builds"), chosen before the long steps so a wrong LOOKOUT_SANITIZERS fails at once. Every full
# run ends with AddressSanitizer (with UndefinedBehaviorSanitizer and LeakSanitizer). The
# ThreadSanitizer build runs only when asked (LOOKOUT_SANITIZERS=tsan or both): it still has open
# reports (README) and would fail every run until they are resolved.
sanitizers=""
if [ $# -eq 0 ]; then
  sanitizers=${LOOKOUT_SANITIZERS:-asan}
  case $sanitizers in
    asan | tsan) ;;
    both) sanitizers="asan tsan" ;;
    none) sanitizers="" ;;
    *) echo "test: LOOKOUT_SANITIZERS must be asan, tsan, both or none" >&2; exit 2 ;;
  esac
fi

echo "test: buf lint (STANDARD rules)"
(cd proto && ../node_modules/.bin/buf lint)

BUILD_DIR=${LOOKOUT_BUILD_DIR:-build}
echo "test: ctest"
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 -j2 "$@"

# Under libFuzzer, on full runs only: the import row parsers for FUZZ_SECONDS each (default 60)
# and the services' request handlers for SERVICE_FUZZ_SECONDS each (default 25).
if [ $# -eq 0 ] && [ "${FUZZ_SECONDS:-60}" != 0 ]; then
  echo "test: fuzz the import parsers and the services' request handlers"
  LOOKOUT_BUILD_DIR="$BUILD_DIR" "$ROOT/fuzz/run_fuzzers.sh"
fi

# The unit and integration tests in a sanitizer build of their own (chosen above).
for sanitizer in $sanitizers; do
  echo "test: unit and integration tests under $sanitizer"
  "$ROOT/scripts/sanitizer_tests.sh" "$sanitizer"
done
