#!/usr/bin/env bash
# The gateway benchmark (not part of the test suite). In one run, with the same client
# (lookout-gateway-load) for every target:
#   1. GetEvent straight to the event service, through a bare pass-through proxy
#      (lookout-bare-proxy: no auth, limits or routing), and through the gateway with
#      authentication and rate limiting on (Redis-backed): throughput at 64 concurrent calls and
#      p50/p99 at 1 and 64; then the ratios against the targets of issue 4:
#        gateway added p50 <= 1.3 x the bare proxy's added p50 (at concurrency 1)
#        gateway throughput >= 85% of the bare proxy's (at concurrency 64)
#   2. GetSituationReport latency for Haiti on the demo dataset (data/haiti-demo.json, loaded
#      with the CLI through the gateway) and after importing BENCH_REPORT_EVENTS (default
#      1,000,000) synthetic events, cached and uncached, with the time of each backend call.
# Starts everything on free loopback ports under a temporary directory and stops it all at
# the end. Environment: BENCH_DURATION (3s per run), BENCH_ROUNDS (3: the GetEvent runs are
# interleaved and repeated, medians compared), BENCH_WARMUP (1s), BENCH_SEED_EVENTS (2000),
# BENCH_REPORT_EVENTS (1000000; 0 skips that part), BENCH_SKIP_BUILD=1, BENCH_KEEP=1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LOOKOUT_BUILD_DIR:-$ROOT/build}
DURATION=${BENCH_DURATION:-3s}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-1s}
SEED_EVENTS=${BENCH_SEED_EVENTS:-2000}
REPORT_EVENTS=${BENCH_REPORT_EVENTS:-1000000}

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja >/dev/null
  ninja -C "$BUILD" -j2 lookout-actor lookout-event lookout-stats lookout-gateway lookout \
    lookout-gateway-load lookout-bare-proxy >/dev/null
fi
LOAD=$BUILD/bench/gateway/lookout-gateway-load
DIR=$(mktemp -d /tmp/lookout-gateway-bench-XXXXXX)
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [ "${BENCH_KEEP:-0}" = 1 ] && echo "kept $DIR" || rm -rf "$DIR"
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
}
REDIS=$(free_port) ACTOR=$(free_port) EVENT=$(free_port) STATS=$(free_port)
GATEWAY=$(free_port) UNCACHED=$(free_port) BARE=$(free_port)
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/token"
TOKEN=$(cat "$DIR/token")
COMMON=(--internal_token="$TOKEN" --metrics_port=-1 --drain_grace_seconds=1)

start redis redis-server --port "$REDIS" --bind 127.0.0.1 --save "" --appendonly no
start actor "$BUILD/services/actor/lookout-actor" --port="$ACTOR" --data_dir="$DIR/data" "${COMMON[@]}"
start event "$BUILD/services/event/lookout-event" --port="$EVENT" --data_dir="$DIR/data" \
  --actor_addr=127.0.0.1:$ACTOR --redis_addr=127.0.0.1:$REDIS "${COMMON[@]}"
start_stats() {
  start stats "$BUILD/services/stats/lookout-stats" --port="$STATS" --data_dir="$DIR/data" \
    --event_addr=127.0.0.1:$EVENT --redis_addr=127.0.0.1:$REDIS "${COMMON[@]}"
  STATS_PID=$!
}
start_stats

# The bench key: a reader with a limit far above the load, so every call is admitted but the
# limiter (and its shared state in Redis) still runs on every call.
KEY_OUT=$("$BUILD/services/gateway/lookout-gateway" --new_key bench READER 2>/dev/null)
KEY=$(sed -n 1p <<<"$KEY_OUT")
echo "$(sed -n 2p <<<"$KEY_OUT") 1000000:1000000" >"$DIR/keys"
GW_FLAGS=(--host=127.0.0.1 --http_port=-1 --api_keys_file="$DIR/keys" --redis_addr=127.0.0.1:$REDIS
  --event_addr=127.0.0.1:$EVENT --actor_addr=127.0.0.1:$ACTOR --stats_addr=127.0.0.1:$STATS
  "${COMMON[@]}")
start gateway "$BUILD/services/gateway/lookout-gateway" --port="$GATEWAY" "${GW_FLAGS[@]}"
start gateway-uncached "$BUILD/services/gateway/lookout-gateway" --port="$UNCACHED" \
  --report_cache=false "${GW_FLAGS[@]}"
start bare "$BUILD/bench/gateway/lookout-bare-proxy" --port="$BARE" --backend=127.0.0.1:$EVENT \
  --internal_token="$TOKEN"
for port in $ACTOR $EVENT $STATS $GATEWAY $UNCACHED $BARE; do
  "$LOAD" --mode=health --target=127.0.0.1:$port --timeout=60s
done

RESULTS=$DIR/results
report() {  # label target
  "$LOAD" --mode=report --target="$2" --concurrency=1 --duration="$DURATION" --warmup="$WARMUP" \
    --label="$1" --metadata="authorization=Bearer $KEY" --start=2022-01-01 --end=2024-12-31 \
    | tee -a "$RESULTS"
}
probe() {  # the report's backend calls one by one, straight at the backends
  "$LOAD" --mode=probe_report --target=127.0.0.1:$EVENT --stats_target=127.0.0.1:$STATS \
    --token_file="$DIR/token" --start=2022-01-01 --end=2024-12-31
}

# The demo dataset (data/haiti-demo.json), loaded by the CLI through the gateway as run.sh does.
EDITOR_OUT=$("$BUILD/services/gateway/lookout-gateway" --new_key bench-editor EDITOR 2>/dev/null)
EDITOR_KEY=$(sed -n 1p <<<"$EDITOR_OUT")
echo "$(sed -n 2p <<<"$EDITOR_OUT") 1000000:1000000" >>"$DIR/keys"
sleep 1.5  # the gateway re-reads its keys file within a second
DEMO_EVENTS=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["events"]))' \
  "$ROOT/data/haiti-demo.json")
"$BUILD/cli/lookout" --addr "127.0.0.1:$GATEWAY" --api-key "$EDITOR_KEY" --quiet \
  load "$ROOT/data/haiti-demo.json"
"$LOAD" --mode=wait_stats --target=127.0.0.1:$STATS --token_file="$DIR/token" --count="$DEMO_EVENTS"
echo "GetSituationReport (Haiti, 2022-2024) on the demo dataset ($DEMO_EVENTS events)"
probe
report report_demo_cached 127.0.0.1:$GATEWAY
report report_demo_uncached 127.0.0.1:$UNCACHED

echo "seeding $SEED_EVENTS events for GetEvent..."
"$LOAD" --mode=seed --target=127.0.0.1:$EVENT --actor_target=127.0.0.1:$ACTOR \
  --token_file="$DIR/token" --count="$SEED_EVENTS" --actors=50 \
  --ids_file="$DIR/ids" --actors_file="$DIR/actors"
"$LOAD" --mode=figures --target=127.0.0.1:$STATS --token_file="$DIR/token"

run() {  # label target concurrency [metadata args...]
  local label=$1 target=$2 concurrency=$3
  shift 3
  "$LOAD" --mode=get_event --target="$target" --ids_file="$DIR/ids" --concurrency="$concurrency" \
    --duration="$DURATION" --warmup="$WARMUP" --label="$label" "$@" | tee -a "$RESULTS"
}
echo "GetEvent: direct, bare proxy, gateway, interleaved, $ROUNDS rounds (medians are compared)"
for round in $(seq "$ROUNDS"); do
  for concurrency in 1 64; do
    run direct 127.0.0.1:$EVENT $concurrency --token_file="$DIR/token"
    run bare 127.0.0.1:$BARE $concurrency
    run gateway 127.0.0.1:$GATEWAY $concurrency --metadata="authorization=Bearer $KEY"
  done
done

if [ "$REPORT_EVENTS" -gt 0 ]; then
  # The stats service stops during the import and rebuilds its read model afterwards: a feed
  # following the import live keeps the event store's WAL from being checkpointed (it grew to
  # 11 GB in a first attempt).
  kill "$STATS_PID"
  wait "$STATS_PID" 2>/dev/null || true
  echo "importing $REPORT_EVENTS synthetic events..."
  start_time=$(date +%s)
  "$LOAD" --mode=import --target=127.0.0.1:$EVENT --token_file="$DIR/token" \
    --count="$REPORT_EVENTS" --actors_file="$DIR/actors"
  echo "imported in $(($(date +%s) - start_time)) s"
  start_time=$(date +%s)
  start_stats
  "$LOAD" --mode=wait_stats --target=127.0.0.1:$STATS --token_file="$DIR/token" \
    --count=$((DEMO_EVENTS + SEED_EVENTS + REPORT_EVENTS)) --timeout=30m
  echo "stats read model rebuilt in $(($(date +%s) - start_time)) s"
  probe
  report "report_${REPORT_EVENTS}_cached" 127.0.0.1:$GATEWAY
  report "report_${REPORT_EVENTS}_uncached" 127.0.0.1:$UNCACHED
fi

/usr/bin/python3 - "$RESULTS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    if not line.startswith("RESULT"):
        continue
    fields = dict(kv.split("=", 1) for kv in line.split()[1:])
    runs.setdefault((fields["label"], int(fields["concurrency"])), []).append(fields)
def median(label, concurrency, key):
    return statistics.median(float(f[key]) for f in runs[(label, concurrency)])
print()
print("%-28s %5s %5s %10s %9s %9s" % ("target", "conc", "runs", "calls/s", "p50 ms", "p99 ms"))
for (label, concurrency), fields in runs.items():
    print("%-28s %5d %5d %10.1f %9.3f %9.3f" % (
        label, concurrency, len(fields), median(label, concurrency, "throughput"),
        median(label, concurrency, "p50_ms"), median(label, concurrency, "p99_ms")))
bare_added = median("bare", 1, "p50_ms") - median("direct", 1, "p50_ms")
gateway_added = median("gateway", 1, "p50_ms") - median("direct", 1, "p50_ms")
latency_ratio = gateway_added / bare_added if bare_added > 0 else float("inf")
throughput_ratio = median("gateway", 64, "throughput") / median("bare", 64, "throughput")
print()
print("added p50 at concurrency 1 (medians): bare proxy %.3f ms, gateway %.3f ms"
      % (bare_added, gateway_added))
print("RATIO gateway_added_p50/bare_added_p50 = %.2f (target <= 1.30) %s"
      % (latency_ratio, "PASS" if latency_ratio <= 1.3 else "MISS"))
print("RATIO gateway_throughput/bare_throughput at 64 = %.2f (target >= 0.85) %s"
      % (throughput_ratio, "PASS" if throughput_ratio >= 0.85 else "MISS"))
print("RATIO bare_throughput/direct_throughput at 64 = %.2f (the cost of one hop)"
      % (median("bare", 64, "throughput") / median("direct", 64, "throughput")))
PY
