#!/usr/bin/env bash
# Installs what is missing, builds, checks the contracts and runs every test.
#   scripts/test.sh                 everything (unit, integration, e2e)
#   scripts/test.sh -L unit         any ctest arguments narrow the run
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
"$ROOT/scripts/setup.sh" --with-browser

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
