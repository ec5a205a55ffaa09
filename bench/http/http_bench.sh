#!/usr/bin/env bash
# The HTTP/JSON benchmark (issue 19; not part of the test suite): GetEvent over a set of ids and
# one country's ListEvents page (50 events), through the gateway over gRPC and over HTTP/1.1
# JSON, with the same client (lookout-http-load), at 1 and 64 concurrent calls: throughput, p50
# and p99 for each, then the HTTP/gRPC throughput ratio (target: >= 0.5).
# Starts the system with scripts/run.sh on free ports under a temporary directory (Haiti demo
# plus BENCH_EVENTS synthetic Haiti events imported over HTTP as JSONL), stops it at the end.
# Environment: BENCH_DURATION (3s per run), BENCH_WARMUP (1s), BENCH_EVENTS (500),
# BENCH_SKIP_BUILD=1, LOOKOUT_BUILD_DIR, LOOKOUT_BIN_DIR (as run.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LOOKOUT_BUILD_DIR:-$ROOT/build}
DURATION=${BENCH_DURATION:-3s}
WARMUP=${BENCH_WARMUP:-1s}
EVENTS=${BENCH_EVENTS:-500}
source "$ROOT/tests/e2e/free_port.sh"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  ninja -C "$BUILD" -j2 lookout-actor lookout-event lookout-stats lookout-gateway lookout \
    lookout-http-load >/dev/null
fi
LOAD=${BENCH_LOAD_BINARY:-$BUILD/bench/http/lookout-http-load}

export LOOKOUT_VAR_DIR=$(mktemp -d /tmp/lookout-http-bench-XXXXXX)
export LOOKOUT_SKIP_SETUP=1 LOOKOUT_LOAD_DEMO=1 LOOKOUT_BUILD_DIR=$BUILD
for name in REDIS ACTOR EVENT GATEWAY STATS; do export "LOOKOUT_${name}_PORT=$(free_port)"; done
for name in ACTOR EVENT GATEWAY STATS; do export "LOOKOUT_${name}_METRICS_PORT=$(free_port)"; done
export LOOKOUT_HTTP_PORT=$(free_port)
# The load is the point, not the limits.
export LOOKOUT_RATE_LIMITS=READER=1000000:1000000,EDITOR=1000000:1000000,ADMIN=1000000:1000000
cleanup() {
  "$ROOT/scripts/run.sh" stop >/dev/null 2>&1 || true
  rm -rf "$LOOKOUT_VAR_DIR"
}
trap cleanup EXIT
"$ROOT/scripts/run.sh" >"$LOOKOUT_VAR_DIR/run.log" 2>&1 || { cat "$LOOKOUT_VAR_DIR/run.log"; exit 1; }
source "$LOOKOUT_VAR_DIR/dev-keys.env"
HTTP=http://127.0.0.1:$LOOKOUT_HTTP_PORT

# Synthetic Haiti events, imported over HTTP as JSON lines.
/usr/bin/python3 - "$EVENTS" >"$LOOKOUT_VAR_DIR/events.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"event": {"eventDate": "2024-%02d-%02d" % (i % 12 + 1, i % 28 + 1),
        "eventType": "EVENT_TYPE_BATTLES", "subEventType": "Armed clash",
        "location": {"countryCode": "HTI", "admin1": "Ouest"},
        "notes": "benchmark event %d" % i}}))
PY
curl -sf -H "Authorization: Bearer $LOOKOUT_EDITOR_KEY" -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$LOOKOUT_VAR_DIR/events.jsonl" "$HTTP/v1/events:import" >/dev/null
curl -sf -H "Authorization: Bearer $LOOKOUT_READER_KEY" \
  "$HTTP/v1/events?filter.country_codes=HTI&page_size=1000" |
  /usr/bin/python3 -c 'import json,sys; print("\n".join(e["id"] for e in json.load(sys.stdin)["events"]))' \
  >"$LOOKOUT_VAR_DIR/ids"
echo "== $(wc -l <"$LOOKOUT_VAR_DIR/ids") events; $DURATION per run after $WARMUP of warm-up; $(nproc) cores"

declare -A TPUT
for concurrency in 1 64; do
  for call in get_event list_events; do
    for proto in grpc http; do
      target=127.0.0.1:$LOOKOUT_GATEWAY_PORT
      [ "$proto" = http ] && target=127.0.0.1:$LOOKOUT_HTTP_PORT
      line=$("$LOAD" --proto="$proto" --call="$call" --target="$target" --key="$LOOKOUT_READER_KEY" \
        --ids_file="$LOOKOUT_VAR_DIR/ids" --concurrency="$concurrency" --duration="$DURATION" \
        --warmup="$WARMUP")
      echo "$line"
      TPUT[$proto.$call.$concurrency]=$(sed -n 's/.* throughput=\([0-9.]*\).*/\1/p' <<<"$line")
    done
  done
done
echo "== HTTP/JSON throughput as a share of gRPC's (target >= 0.50)"
for concurrency in 1 64; do
  for call in get_event list_events; do
    awk -v h="${TPUT[http.$call.$concurrency]}" -v g="${TPUT[grpc.$call.$concurrency]}" \
      -v c="$call" -v n="$concurrency" \
      'BEGIN { printf "RATIO call=%s concurrency=%d http/grpc=%.2f\n", c, n, (g > 0 ? h / g : 0) }'
  done
done
