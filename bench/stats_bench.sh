#!/usr/bin/env bash
# The stats benchmark (issue 3, item 6): builds lookout-stats-bench and runs it once. It loads
# 1,000,000 synthetic events with realistic skew (a few countries dominate, heavy-tailed
# fatalities, six years, ~2,000 actors) and prints, in one run:
#   (a) AggregateEvents p50/p99 over a real gRPC server, Redis cache off, for month x event_type
#       in one country over two years, country x year over everything, top 20 actors in a country;
#   (b) the same questions to SQLite with GROUP BY over the same rows (a covering index for each
#       question), and the ratios (target: at least 10x);
#   (c) the read model's memory per event, RSS growth / events (target: at most 100 bytes);
#   (d) the time to rebuild the read model from sequence 0: applying the changes in process, and
#       end to end from the event service's own SQLite change log through WatchEvents
#       (target: under 10 s).
#
# Environment: BENCH_EVENTS (default 1000000), BENCH_ITERATIONS (200 AggregateEvents calls per
# question), BENCH_BASELINE_ITERATIONS (10 SQLite runs per question), BENCH_REBUILD=0 to skip the
# end-to-end rebuild (loading a million events into the event service's store takes minutes),
# BENCH_EVENT_DB=path to keep that store and reuse it in the next run, BENCH_SKIP_BUILD=1, BENCH_NICE (e.g. -5, to be disturbed less by concurrent compiles),
# BENCH_SOURCE_SHARE (0: the share of events, 0 to 1, carrying source attributes; above 0 adds
# two questions on source dimensions), LOOKOUT_BUILD_DIR, BENCH_BIN (another build of
# lookout-stats-bench, e.g. a copy of main's, to compare in the same session).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/${LOOKOUT_BUILD_DIR:-build}
BENCH=${BENCH_BIN:-$BUILD/bench/stats/lookout-stats-bench}

if [ -n "${BENCH_NICE:-}" ]; then renice -n "$BENCH_NICE" -p $$ >/dev/null; fi
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] && [ -z "${BENCH_BIN:-}" ]; then
  echo "building lookout-stats-bench (ninja -j2) ..."
  cmake -S "$ROOT" -B "$BUILD" -G Ninja >/dev/null
  ninja -C "$BUILD" -j2 lookout-stats-bench >/dev/null
fi
[ -x "$BENCH" ] || { echo "missing $BENCH (build it, or unset BENCH_SKIP_BUILD)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lookout-stats-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# The service's log lines go to a file; the figures to stdout.
"$BENCH" --events="${BENCH_EVENTS:-1000000}" --iterations="${BENCH_ITERATIONS:-200}" \
  --baseline_iterations="${BENCH_BASELINE_ITERATIONS:-10}" \
  --source_share="${BENCH_SOURCE_SHARE:-0}" \
  --rebuild_through_event_service="$([ "${BENCH_REBUILD:-1}" = 0 ] && echo false || echo true)" \
  --work_dir="$WORK" --event_db="${BENCH_EVENT_DB:-}" 2>"$WORK/log.txt" ||
  { tail -20 "$WORK/log.txt" >&2; exit 1; }
