#!/usr/bin/env bash
# The dashboard in a real browser: scripts/run.sh (private var dir, free ports, the Haiti demo
# loaded) with the gateway serving the bundled dashboard on its HTTP port, then
# dashboard_browser_test.mjs drives headless Chromium through it. Screenshots and the page's
# console go to $LOOKOUT_BUILD_DIR/test-artifacts/dashboard.
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/run_sh_demo_lib.sh"

CHROMIUM=${LOOKOUT_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "FAIL: no browser at $CHROMIUM (scripts/setup.sh --with-browser installs Debian's chromium)"
  exit 1
fi
BUILD=${LOOKOUT_BUILD_DIR:-$ROOT/build}
if [ ! -f "$BUILD/dashboard/index.html" ]; then
  echo "FAIL: $BUILD/dashboard is not built (ninja -C $BUILD dashboard)"
  exit 1
fi

run_sh_private_env  # LOOKOUT_HTTP_PORT too
export LOOKOUT_DASHBOARD_DIR=$BUILD/dashboard
cleanup() { "$ROOT/scripts/run.sh" stop >/dev/null 2>&1; rm -rf "$LOOKOUT_VAR_DIR"; }
trap cleanup EXIT

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "FAIL: run.sh start"; exit 1; }
expect_demo_first_load "$out"
expect_contains "$out" "Dashboard: http://127.0.0.1:$LOOKOUT_HTTP_PORT/" "run.sh prints the dashboard's address"
source "$LOOKOUT_VAR_DIR/dev-keys.env"

export LOOKOUT_READER_KEY LOOKOUT_EDITOR_KEY
export DASHBOARD_URL=http://127.0.0.1:$LOOKOUT_HTTP_PORT
export DASHBOARD_ARTIFACTS=$BUILD/test-artifacts/dashboard
export DASHBOARD_GATEWAY_PID_FILE=$LOOKOUT_VAR_DIR/run/gateway.pid
export LOOKOUT_CHROMIUM=$CHROMIUM
mkdir -p "$DASHBOARD_ARTIFACTS"
if node "$ROOT/tests/e2e/dashboard_browser_test.mjs"; then
  pass "the dashboard in the browser (tests/e2e/dashboard_browser_test.mjs)"
else
  fail "the dashboard in the browser (see above; gateway log: $LOOKOUT_VAR_DIR/log/gateway.log)"
  tail -n 20 "$LOOKOUT_VAR_DIR/log/gateway.log"
fi
finish
