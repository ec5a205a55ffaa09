#!/usr/bin/env bash
# Fuzzes for a bounded time: the import row parsers (acled ucdp gdelt jsonl, FUZZ_SECONDS each,
# default 60) and the services' request handlers (event actor stats gateway, SERVICE_FUZZ_SECONDS
# each, default 25; fuzz/service_fuzz.h). Builds the libFuzzer targets with clang (ASan) in
# $LOOKOUT_BUILD_DIR/fuzz-clang, seeded from tests/fixtures/<target> or fuzz/corpus/<target>,
# fuzz/regressions/<target> and, when present, the real samples in ../shared/data. A crash or a
# broken invariant fails the run, and the input that caused it is copied into
# fuzz/regressions/<target>/ so it can be committed as a regression fixture (CTest replays that
# folder in every regular build).
#   fuzz/run_fuzzers.sh                 all eight targets
#   fuzz/run_fuzzers.sh acled event     some of them
# Environment: FUZZ_SECONDS, SERVICE_FUZZ_SECONDS, FUZZ_JOBS (build parallelism, default 2),
# LOOKOUT_BUILD_DIR.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_EACH=${FUZZ_SECONDS:-60}
SERVICE_SECONDS_EACH=${SERVICE_FUZZ_SECONDS:-25}
BUILD_DIR=${LOOKOUT_BUILD_DIR:-build}
[[ $BUILD_DIR = /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
FUZZ_BUILD=$BUILD_DIR/fuzz-clang
SERVICE_TARGETS=" event actor stats gateway "
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(acled ucdp gdelt jsonl event actor stats gateway)
CXX_FUZZ=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$CXX_FUZZ" ]; then
  echo "fuzz: clang++ is missing (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 1
fi

# Configured every run (a no-op when nothing changed), so a folder made before the service
# targets existed gains them.
cmake -S . -B "$FUZZ_BUILD" -G Ninja -DCMAKE_CXX_COMPILER="$CXX_FUZZ" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOOKOUT_FUZZ=ON -DLOOKOUT_BUILD_SERVICES=ON \
  -DLOOKOUT_BUILD_BENCH=OFF -DLOOKOUT_ONLY_TEST_AREAS=none >/dev/null
echo "fuzz: building ${TARGETS[*]} with $CXX_FUZZ"
ninja -C "$FUZZ_BUILD" -j"${FUZZ_JOBS:-2}" "${TARGETS[@]/%/_fuzzer}" >/dev/null

WORK=$(mktemp -d /tmp/lookout-fuzz-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failed=()
for format in "${TARGETS[@]}"; do
  corpus=$WORK/$format/corpus artifacts=$WORK/$format/artifacts
  mkdir -p "$corpus" "$artifacts" "fuzz/regressions/$format"
  cp tests/fixtures/"$format"/* "$corpus"/ 2>/dev/null || true
  cp fuzz/corpus/"$format"/* "$corpus"/ 2>/dev/null || true
  cp fuzz/regressions/"$format"/* "$corpus"/ 2>/dev/null || true
  case $format in  # the real samples are big: a slice of each is seed enough
    gdelt) [ -f ../shared/data/20191024143000.export.CSV ] &&
      head -n 30 ../shared/data/20191024143000.export.CSV >"$corpus/shared-gdelt" ;;
    ucdp) [ -f ../shared/data/ucdp_ged_conflict_data_BGD_hxl.csv ] &&
      head -n 40 ../shared/data/ucdp_ged_conflict_data_BGD_hxl.csv >"$corpus/shared-ucdp" ;;
  esac
  binary=$FUZZ_BUILD/cli/${format}_fuzzer seconds=$SECONDS_EACH
  if [[ $SERVICE_TARGETS == *" $format "* ]]; then
    binary=$FUZZ_BUILD/services/${format}_fuzzer seconds=$SERVICE_SECONDS_EACH
  fi
  [ "$seconds" != 0 ] || continue
  echo "fuzz: $format for ${seconds}s"
  if ! "$binary" "$corpus" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=16384 -artifact_prefix="$artifacts/" -print_final_stats=1 \
      >"$WORK/$format.log" 2>&1; then
    failed+=("$format")
    tail -n 40 "$WORK/$format.log" >&2
    for artifact in "$artifacts"/*; do
      [ -f "$artifact" ] || continue
      cp "$artifact" "fuzz/regressions/$format/"
      echo "fuzz: $format: kept $(basename "$artifact") in fuzz/regressions/$format/" >&2
    done
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$WORK/$format.log" |
      sed "s/^/fuzz: $format: /"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs kept in fuzz/regressions/; commit them with the fix)" >&2
  exit 1
fi
echo "fuzz: no crashes"
