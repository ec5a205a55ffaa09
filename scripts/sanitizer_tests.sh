#!/usr/bin/env bash
# Builds the unit and integration tests under a sanitizer and runs them (README, "Sanitizer
# builds"):
#   scripts/sanitizer_tests.sh asan     AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer
#   scripts/sanitizer_tests.sh tsan     ThreadSanitizer
#   scripts/sanitizer_tests.sh asan -R sqlite_db_test    more ctest arguments narrow the run
# Each has a build folder of its own (CMakePresets.json: build-asan, build-tsan) and builds only
# the target lookout_test_binaries: every binary the unit and integration tests run and the
# service binaries they start. e2e, deploy and bench stay out (deploy tests are also labelled
# unit or integration, so they are excluded by label). The service binaries the tests start as
# child processes inherit the same options.
#
# Every report, from a test binary or from any child it starts, is written to a file of its own
# (log_path): a child killed by its test, or one whose exit status no test reads, cannot lose a
# finding. Any report fails the run, even when every test passed, and is printed at the end.
# Suppressions (third-party code only, each with its reason) are in tests/sanitizers/.
# Environment: LOOKOUT_SANITIZER_JOBS (ninja and ctest parallelism; default: ninja's own and 2),
# LOOKOUT_SANITIZER_BUILD=0 (run the binaries already built, e.g. while another build runs).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
KIND=${1:-}
case $KIND in
  asan | tsan) shift ;;
  *) echo "usage: scripts/sanitizer_tests.sh asan|tsan [ctest arguments]" >&2; exit 2 ;;
esac
BUILD_DIR=$ROOT/build-$KIND
SUPP=$ROOT/tests/sanitizers
REPORTS=$BUILD_DIR/sanitizer-reports
started=$(date +%s)

# Options for the runs below, and for the build too: gtest_discover_tests runs each test binary
# once as it is linked, and that run must see the same suppressions.
common="log_exe_name=1:log_path=$REPORTS/report"
# A suppressions file is passed only where it exists (tsan.supp may not yet).
supp() { [ ! -f "$SUPP/$1" ] || echo ":suppressions=$SUPP/$1"; }
if [ "$KIND" = asan ]; then
  # detect_leaks: LeakSanitizer at every exit. check_initialization_order/strict_init_order:
  # static initialisers that read another file's globals. detect_stack_use_after_return: a
  # pointer to a returned frame's locals. strict_string_checks: the C string functions read
  # only to the terminator.
  export ASAN_OPTIONS="$common:detect_leaks=1:halt_on_error=1:abort_on_error=0:\
check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1:\
strict_string_checks=1$(supp asan.supp)"
  export LSAN_OPTIONS="$common:print_suppressions=0$(supp lsan.supp)"
  export UBSAN_OPTIONS="$common:halt_on_error=1:print_stacktrace=1$(supp ubsan.supp)"
  unset TSAN_OPTIONS
else
  export TSAN_OPTIONS="$common:halt_on_error=1:second_deadlock_stack=1:history_size=4:print_suppressions=0\
$(supp tsan.supp)"
  unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
fi

# ccache keys on paths relative to the checkout (scripts/setup.sh does the same).
export CCACHE_BASEDIR=$ROOT CCACHE_NOHASHDIR=1
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
if [ "${LOOKOUT_SANITIZER_BUILD:-1}" = 0 ]; then
  echo "sanitizer ($KIND): LOOKOUT_SANITIZER_BUILD=0, so the binaries are run as they are"
else
  echo "sanitizer ($KIND): configuring and building lookout_test_binaries in $BUILD_DIR"
  cmake --preset "$KIND" >/dev/null
  if ! ninja -C "$BUILD_DIR" ${LOOKOUT_SANITIZER_JOBS:+-j"$LOOKOUT_SANITIZER_JOBS"} \
      lookout_test_binaries >"$BUILD_DIR/sanitizer-build.log" 2>&1; then
    tail -n 60 "$BUILD_DIR/sanitizer-build.log" "$REPORTS"/report.* >&2 2>/dev/null || true
    echo "sanitizer ($KIND): build failed (all of it in $BUILD_DIR/sanitizer-build.log)" >&2
    exit 1
  fi
fi
# Reports written while linking (gtest discovery) belong to the run as much as any other.
built=$(date +%s)

echo "sanitizer ($KIND): ctest -L 'unit|integration' -LE 'e2e|deploy' $*"
status=0
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 -j"${LOOKOUT_SANITIZER_JOBS:-2}" \
  -L 'unit|integration' -LE 'e2e|deploy' "$@" || status=$?
finished=$(date +%s)

# UndefinedBehaviorSanitizer in the ASan runtime ignores log_path (GCC 12) and reports on
# stderr: a report in any test's output fails the run too (one from a child process reaches its
# test only through the child's exit status or a log the test prints).
if grep -q -E 'runtime error:|ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer' \
    "$BUILD_DIR"/Testing/Temporary/LastTest*.log 2>/dev/null; then
  echo "sanitizer ($KIND): a sanitizer report in the tests' output:" >&2
  grep -h -B2 -A30 -E 'runtime error:|ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer' \
    "$BUILD_DIR"/Testing/Temporary/LastTest*.log >&2 || true
  status=1
fi

shopt -s nullglob
reports=("$REPORTS"/report.*)
if ((${#reports[@]})); then
  echo "sanitizer ($KIND): ${#reports[@]} report(s):" >&2
  for report in "${reports[@]}"; do
    echo "===== $report" >&2
    cat "$report" >&2
  done
  status=1
fi
echo "sanitizer ($KIND): build $((built - started)) s, tests $((finished - built)) s," \
  "${#reports[@]} report(s), ctest status $status"
exit "$status"
