#!/usr/bin/env bash
# Installs what Lookout needs on Debian 12 (only what is missing), the Node tools, and builds.
# Sourced or run by run.sh and test.sh; safe to run again.
# --debian-packages-only: install the Debian packages and stop (the Docker builder stage).
# --with-browser: also Chromium, which only the dashboard's browser test needs (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
DEBIAN_ONLY=0
WITH_BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --debian-packages-only) DEBIAN_ONLY=1 ;;
    --with-browser) WITH_BROWSER=1 ;;
    *) echo "setup.sh: unknown argument '$arg' (--debian-packages-only, --with-browser)" >&2; exit 2 ;;
  esac
done

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libhiredis-dev libsqlite3-dev libssl-dev libpq-dev
  libgtest-dev libgmock-dev prometheus-cpp-dev libboost-dev nlohmann-json3-dev
  redis-server sqlite3 postgresql-15 curl ca-certificates
  python3-yaml python3-jsonschema
  clang-14 libclang-rt-14-dev
)
# Driven headless by playwright-core (tests/e2e/dashboard_browser_test.mjs); not for running.
[ "$WITH_BROWSER" = 0 ] || DEBIAN_PACKAGES+=(chromium)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "$DEBIAN_ONLY" = 0 ]; then
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "$DEBIAN_ONLY" = 0 ] || exit 0

# buf (lint, curl) and grpc-js, pinned by package-lock.json.
if [ ! -x node_modules/.bin/buf ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing Node tools"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# ccache keys on paths relative to the checkout, so a clone in another folder (CI) reuses the
# objects of an earlier build on the same machine.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
BUILD_DIR=${LOOKOUT_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
echo "setup: building (ninja, $(nproc) jobs)"
ninja -C "$BUILD_DIR" ${LOOKOUT_BUILD_TARGETS:-}
