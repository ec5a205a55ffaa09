#!/usr/bin/env bash
# The import benchmark (issue 16, item 6). In one run:
#   (small) 9,000 generated ACLED rows naming 3,300 actors new to the system, imported with
#           `lookout import acled` through the gateway into an empty system: the time it takes
#           (target: under 2 seconds);
#   (a)     BENCH_ROWS (1,000,000) generated ACLED rows naming about 10,000 actors over 170
#           countries, imported the same way into another empty system: rows per second;
#   (b)     the same events written straight into the event store from C++
#           (lookout-bench-sqlite-import --acled_file: the store's own schema, change log and
#           sync settings, no gRPC, no checks): the raw store rate;
# then full / raw (target: at least 0.50). Each system is the one scripts/run.sh starts
# (Redis, gateway, event, actor, stats; tests/e2e/cli_lib.sh start_system) with the gateway's
# default rate limits and a default EDITOR key.
#
# Environment: BENCH_ROWS (1000000; a quick run takes e.g. 50000), BENCH_SMALL_ROWS (9000),
# BENCH_SMALL_ACTORS (3300), BENCH_ACTORS (10000), BENCH_IMPORT_ARGS (extra arguments for
# `lookout import acled`, e.g. "--parallel 1"), BENCH_NICE (e.g. -10: runs everything at that
# priority, so other work on the machine disturbs the figures less; negative values need root),
# BENCH_SKIP_BUILD=1, BENCH_KEEP=1 (keep the folders and logs), LOOKOUT_BUILD_DIR.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROWS=${BENCH_ROWS:-1000000}
SMALL_ROWS=${BENCH_SMALL_ROWS:-9000}
SMALL_ACTORS=${BENCH_SMALL_ACTORS:-3300}
ACTORS=${BENCH_ACTORS:-10000}
read -r -a IMPORT_ARGS <<<"${BENCH_IMPORT_ARGS:-}"

# Settings inherited from a shell that runs Lookout by hand must not reach these services.
for name in $(compgen -e | grep '^LOOKOUT_' | grep -v '^LOOKOUT_BUILD_DIR$' || true); do
  unset "$name"
done
source "$ROOT/tests/e2e/cli_lib.sh"
if [ -n "${BENCH_NICE:-}" ]; then renice -n "$BENCH_NICE" -p $$ >/dev/null; fi
RAW_BIN=$BUILD_DIR/bench/lookout-bench-sqlite-import
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "building (ninja -j2) ..."
  ninja -C "$BUILD_DIR" -j2 lookout lookout-event lookout-actor lookout-stats lookout-gateway \
    lookout-bench-sqlite-import >/dev/null || exit 1
fi
for bin in "$LOOKOUT_BIN" "$RAW_BIN" "$BIN/event/lookout-event" "$BIN/actor/lookout-actor" \
  "$BIN/stats/lookout-stats" "$BIN/gateway/lookout-gateway"; do
  [ -x "$bin" ] || { echo "missing $bin (build it, or unset BENCH_SKIP_BUILD)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lookout-import-bench.XXXXXX")
# The gateway's defaults (EDITOR 50 calls/s, burst 100), not the tests' generous limits.
export CLI_TEST_RATE_LIMITS=""
[ "${BENCH_KEEP:-0}" = 1 ] && export KEEP_SYSTEM_DIR=1
cleanup() {
  stop_system 2>/dev/null
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# utime + stime of a process, in clock ticks (0 once it is gone).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
TICK=$(getconf CLK_TCK)
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Imports $1 through the gateway of the running system; sets ELAPSED_MS and prints the CLI's
# output and the CPU each process used, per row.
import_through_gateway() {
  local file=$1 rows=$2 names=(redis actor event stats gateway) before=() i start code
  for i in "${!SYSTEM_PIDS[@]}"; do before[i]=$(cpu_ticks "${SYSTEM_PIDS[i]}"); done
  local cli_cpu_file=$WORK/cli-cpu
  start=$(now_ms)
  # bash's `time` reports the CPU the CLI used (user and system).
  { TIMEFORMAT='%U %S'; time "$LOOKOUT_BIN" --quiet import acled "${IMPORT_ARGS[@]}" "$file" \
      >"$WORK/import.out" 2>&1; } 2>"$cli_cpu_file"
  code=$?
  ELAPSED_MS=$(( $(now_ms) - start ))
  echo "  lookout import acled: exit $code; $(head -n 3 "$WORK/import.out" | tr '\n' ' ')"
  [ "$code" -eq 0 ] || { echo "  the import failed; its output:"; tail -n 5 "$WORK/import.out"; }
  local line="  CPU per row (us):" used
  for i in "${!SYSTEM_PIDS[@]}"; do
    used=$(( $(cpu_ticks "${SYSTEM_PIDS[i]}") - before[i] ))
    line+=" ${names[i]} $(( used * 1000000 / TICK / rows ))"
  done
  read -r user sys <"$cli_cpu_file"
  line+=" cli $(awk -v u="$user" -v s="$sys" -v r="$rows" 'BEGIN{printf "%d", (u + s) * 1e6 / r}')"
  echo "$line (wall $(( ELAPSED_MS * 1000 / rows )) us per row, on $(nproc) cores)"
  return "$code"
}

echo "== generating files"
/usr/bin/python3 "$ROOT/bench/cli_generate_acled.py" "$SMALL_ROWS" 11 --actors "$SMALL_ACTORS" \
  --prefix SMALL >"$WORK/small.csv" || exit 1
/usr/bin/python3 "$ROOT/bench/cli_generate_acled.py" "$ROWS" 7 --actors "$ACTORS" \
  --prefix BENCH >"$WORK/rows.csv" || exit 1
echo "  small: $SMALL_ROWS rows, $(du -h "$WORK/small.csv" | cut -f1); large: $ROWS rows," \
  "$(du -h "$WORK/rows.csv" | cut -f1)"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== (small) $SMALL_ROWS rows naming $SMALL_ACTORS new actors, into an empty system"
start_system || exit 1
import_through_gateway "$WORK/small.csv" "$SMALL_ROWS"
small_code=$?
small_ms=$ELAPSED_MS
stop_system

echo "== (a) $ROWS rows through the gateway, into an empty system"
start_system || exit 1
import_through_gateway "$WORK/rows.csv" "$ROWS"
full_code=$?
full_ms=$ELAPSED_MS
stop_system

echo "== (b) the same events straight into the event store (lookout-bench-sqlite-import)"
raw_line=$("$RAW_BIN" --db "$WORK/raw.db" --acled_file "$WORK/rows.csv" --label acled) || {
  echo "  the raw baseline failed" >&2; exit 1; }
echo "  $raw_line"
raw_rate=$(sed -n 's/.* throughput=\([0-9.]*\) .*/\1/p' <<<"$raw_line")
raw_rows=$(sed -n 's/.* rows=\([0-9]*\) .*/\1/p' <<<"$raw_line")
rm -f "$WORK"/raw.db*
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"

full_rate=$(awk -v r="$ROWS" -v ms="$full_ms" 'BEGIN{printf "%.1f", r * 1000 / ms}')
ratio=$(awk -v f="$full_rate" -v r="$raw_rate" 'BEGIN{printf "%.2f", f / r}')
small_s=$(awk -v ms="$small_ms" 'BEGIN{printf "%.2f", ms / 1000}')
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo "BELOW TARGET"; fi; }
echo
echo "== Summary"
echo "  full path (lookout import acled via the gateway): $ROWS rows in $(( full_ms / 1000 )).$(printf %03d $(( full_ms % 1000 ))) s = $full_rate rows/s (exit $full_code)"
echo "  raw store (same $raw_rows events, SqliteEventStore, 500-row durable commits): $raw_rate rows/s"
echo "  full / raw = $ratio  (target >= 0.50)  $(verdict "$(awk -v x="$ratio" 'BEGIN{print (x >= 0.5)}')")"
echo "  $SMALL_ROWS rows naming $SMALL_ACTORS new actors: $small_s s  (target < 2 s)  $(verdict "$(awk -v x="$small_ms" 'BEGIN{print (x < 2000)}')") (exit $small_code)"
[ "$full_code" -eq 0 ] && [ "$small_code" -eq 0 ]
