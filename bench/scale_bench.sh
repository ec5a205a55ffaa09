#!/usr/bin/env bash
# The scale benchmark (issue 21, item 4): one node at BENCH_EVENTS (10,000,000) events. In one
# run it
#   1. starts Redis, the actor and event services (SQLite event store) on free loopback ports,
#      creates BENCH_ACTORS (20,000) actors, and imports BENCH_EVENTS events of the stats
#      benchmark's generator (30 countries with Zipf skew, six years, each country's own
#      dominant actors) through ImportEvents, two streams at once: the import rate, and the
#      event store's file size per event;
#   2. starts the stats service with no snapshot: the time to SERVING (a rebuild from the change
#      log); then stops it (it writes its snapshot at shutdown) and starts it again: the time to
#      SERVING from the snapshot, and the process's resident memory per event;
#   3. starts a gateway without its report cache (the stats service runs without Redis, so no
#      aggregation is cached either): GetSituationReport for the largest country (HTI), one
#      year (2024) and three (2022-2024), p50/p99 at one call at a time, with the time of each
#      of the report's backend calls; and ListEvents' first page of the largest country with
#      its total_size, p50/p99, straight at the event service;
#   4. stops everything and runs lookout-stats-bench at the same size, skew and actor count:
#      AggregateEvents p50/p99 for the stats benchmark's three questions against SQLite GROUP BY
#      with a covering index per question, the read model's bytes per event (RSS growth), and
#      the snapshot's size, write and load times.
#
# Environment: BENCH_EVENTS (10000000), BENCH_ACTORS (20000), BENCH_DURATION (10s per latency
# run), BENCH_ITERATIONS (200 AggregateEvents calls per question), BENCH_DATA_DIR (keep the event
# store there, and reuse it when it already holds BENCH_EVENTS events: step 1 is then skipped
# and its figures are the ones recorded in BENCH_DATA_DIR/import.txt), BENCH_SKIP_STATS_BENCH=1
# (skip step 4), BENCH_SKIP_BUILD=1, BENCH_NICE, LOOKOUT_BUILD_DIR. The binaries are copied
# first, so a build during the run changes nothing in it. At 10,000,000 events the event store
# takes about 11 GB, and the import alone took an hour for six million on the shared 2-core VM.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LOOKOUT_BUILD_DIR:-$ROOT/build}
EVENTS=${BENCH_EVENTS:-10000000}
ACTORS=${BENCH_ACTORS:-20000}
DURATION=${BENCH_DURATION:-10s}
COUNTRY=HTI  # SyntheticEvents(seed).top_country()

if [ -n "${BENCH_NICE:-}" ]; then renice -n "$BENCH_NICE" -p $$ >/dev/null; fi
TOOLS=(services/actor/lookout-actor services/event/lookout-event services/stats/lookout-stats
  services/gateway/lookout-gateway bench/gateway/lookout-gateway-load bench/lookout-bench-load
  bench/stats/lookout-stats-bench)
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "building (ninja -j2) ..."
  cmake -S "$ROOT" -B "$BUILD" -G Ninja >/dev/null
  ninja -C "$BUILD" -j2 $(for t in "${TOOLS[@]}"; do basename "$t"; done) >/dev/null
fi
DIR=$(mktemp -d "${TMPDIR:-/tmp}/lookout-scale-bench.XXXXXX")
mkdir -p "$DIR/bin"
for tool in "${TOOLS[@]}"; do cp "$BUILD/$tool" "$DIR/bin/"; done
BIN=$DIR/bin
DATA=${BENCH_DATA_DIR:-$DIR/data}
mkdir -p "$DATA"

PIDS=()
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
start() {  # name command...
  local name=$1
  shift
  "$@" >>"$DIR/$name.log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
}
stop() {  # pid: SIGTERM, then wait for it to exit
  kill "$1" 2>/dev/null || true
  while kill -0 "$1" 2>/dev/null; do sleep 0.1; done
}
now() { date +%s.%N; }
since() { /usr/bin/python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

REDIS=$(free_port) ACTOR=$(free_port) EVENT=$(free_port) STATS=$(free_port) GATEWAY=$(free_port)
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/token"
TOKEN=$(cat "$DIR/token")
COMMON=(--internal_token="$TOKEN" --metrics_port=-1 --drain_grace_seconds=1
  --shutdown_delay_seconds=0)
LOAD=$BIN/lookout-gateway-load
SUMMARY=$DIR/summary

echo "scale benchmark: $EVENTS events, $ACTORS actors, largest country $COUNTRY; $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M) UTC"
start redis redis-server --port "$REDIS" --bind 127.0.0.1 --save "" --appendonly no
start actor "$BIN/lookout-actor" --port="$ACTOR" --data_dir="$DATA" "${COMMON[@]}"
t0=$(now)
start event "$BIN/lookout-event" --port="$EVENT" --data_dir="$DATA" \
  --actor_addr=127.0.0.1:$ACTOR --redis_addr=127.0.0.1:$REDIS "${COMMON[@]}"
EVENT_PID=$LAST_PID
for port in $ACTOR $EVENT; do "$LOAD" --mode=health --target=127.0.0.1:$port --timeout=30m; done
# On a reused store this includes any schema upgrade the binary makes on open.
echo "event service start to SERVING: $(since "$t0") s"

# 1. The import (skipped when BENCH_DATA_DIR already holds it).
if [ -f "$DATA/import.txt" ] && grep -q "rows=$EVENTS " "$DATA/import.txt"; then
  echo "== 1. reusing the event store in $DATA (imported earlier)"
else
  rm -f "$DATA/import.txt"
  "$LOAD" --mode=actors --target=127.0.0.1:$ACTOR --token_file="$DIR/token" --actors="$ACTORS" \
    --actors_file="$DATA/actors"
  echo "== 1. importing $EVENTS events through ImportEvents (2 streams of 10,000 rows) ..."
  "$LOAD" --mode=import --skewed --streams=2 --per_stream=10000 --target=127.0.0.1:$EVENT \
    --token_file="$DIR/token" --count="$EVENTS" --actors_file="$DATA/actors" | tee "$DATA/import.txt"
fi
IMPORT_LINE=$(grep '^IMPORT' "$DATA/import.txt")
echo "import: $IMPORT_LINE" >>"$SUMMARY"
store_bytes() { du -cb "$DATA"/event.db* | tail -1 | cut -f1; }
echo "event store after the import: $(du -b "$DATA"/event.db* | awk '{printf "%s %d MiB; ", $2, $1 / 1048576}')" \
  "$(( $(store_bytes) / EVENTS )) bytes/event" | tee -a "$SUMMARY"

# 2. Stats: a start with no snapshot, then a restart from the one it wrote.
STATS_DATA=$DIR/stats-data
start_stats() {
  start stats "$BIN/lookout-stats" --port="$STATS" --data_dir="$STATS_DATA" \
    --event_addr=127.0.0.1:$EVENT --redis_addr= "${COMMON[@]}"
  STATS_PID=$LAST_PID
}
echo "== 2. stats: start with no snapshot (rebuild from the change log) ..."
t0=$(now)
start_stats
"$LOAD" --mode=health --target=127.0.0.1:$STATS --timeout=30m
echo "stats start to SERVING with no snapshot (from the change log): $(since "$t0") s," \
  "RSS $(rss_mib "$STATS_PID") MiB" | tee -a "$SUMMARY"
stop "$STATS_PID"  # writes the snapshot at shutdown
ls -l "$STATS_DATA"/read_model.snapshot | awk '{printf "snapshot: %d MiB\n", $5 / 1048576}'
t0=$(now)
start_stats
"$LOAD" --mode=health --target=127.0.0.1:$STATS --timeout=30m
echo "stats restart to SERVING from a snapshot: $(since "$t0") s (target < 5 s)," \
  "RSS $(rss_mib "$STATS_PID") MiB = $(( $(rss_mib "$STATS_PID") * 1048576 / EVENTS )) bytes/event" \
  "for the whole process" | tee -a "$SUMMARY"
grep -h 'snapshot' "$DIR/stats.log" | tail -3 | cut -c1-300

# 3. Situation reports (uncached) and ListEvents' first page.
KEY_OUT=$("$BIN/lookout-gateway" --new_key bench READER 2>/dev/null)
KEY=$(sed -n 1p <<<"$KEY_OUT")
echo "$(sed -n 2p <<<"$KEY_OUT") 1000000:1000000" >"$DIR/keys"
start gateway "$BIN/lookout-gateway" --port="$GATEWAY" --host=127.0.0.1 --http_port=-1 \
  --api_keys_file="$DIR/keys" --redis_addr=127.0.0.1:$REDIS --report_cache=false \
  --event_addr=127.0.0.1:$EVENT --actor_addr=127.0.0.1:$ACTOR --stats_addr=127.0.0.1:$STATS \
  "${COMMON[@]}"
"$LOAD" --mode=health --target=127.0.0.1:$GATEWAY --timeout=60s
for period in "2024-01-01 2024-12-31" "2022-01-01 2024-12-31"; do
  read -r first last <<<"$period"
  echo "== 3. GetSituationReport $COUNTRY $first..$last, uncached: each backend call once, then the report"
  for _ in 1 2; do
    "$LOAD" --mode=probe_report --target=127.0.0.1:$EVENT --stats_target=127.0.0.1:$STATS \
      --token_file="$DIR/token" --country=$COUNTRY --start="$first" --end="$last"
  done
  "$LOAD" --mode=report --target=127.0.0.1:$GATEWAY --concurrency=1 --duration="$DURATION" \
    --warmup=2s --label="report_${COUNTRY}_${first:0:4}_${last:0:4}_uncached" \
    --metadata="authorization=Bearer $KEY" --country=$COUNTRY --start="$first" --end="$last" |
    tee -a "$SUMMARY"
done
echo "== 3. ListEvents, first page (50) of $COUNTRY with total_size, straight at the event service"
LOOKOUT_INTERNAL_TOKEN=$TOKEN "$BIN/lookout-bench-load" --mode=list_events --target=127.0.0.1:$EVENT \
  --list_country=$COUNTRY --concurrency=1 --duration="$DURATION" --warmup=2s | tee -a "$SUMMARY"
for pid in "${PIDS[@]}"; do stop "$pid"; done
PIDS=()

# 4. AggregateEvents against SQLite GROUP BY, and the read model's bytes per event.
if [ "${BENCH_SKIP_STATS_BENCH:-0}" != 1 ]; then
  echo "== 4. lookout-stats-bench --events=$EVENTS --actors=$ACTORS (in process) ..."
  mkdir -p "$DIR/stats-bench"
  "$BIN/lookout-stats-bench" --events="$EVENTS" --actors="$ACTORS" \
    --iterations="${BENCH_ITERATIONS:-200}" --baseline_iterations=10 \
    --rebuild_through_event_service=false --work_dir="$DIR/stats-bench" \
    2>"$DIR/stats-bench.log" | tee -a "$SUMMARY" || tail -20 "$DIR/stats-bench.log"
fi

echo
echo "== Summary ($(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg))"
cat "$SUMMARY"
