# Helpers for the lookout CLI's end-to-end tests: the real binaries (Redis, actor, event, stats,
# gateway) on free ports in a private directory, an EDITOR and a READER key, and checks on the
# real `lookout` binary's exit status and output. The gateway's rate limits are generous unless
# CLI_TEST_RATE_LIMITS says otherwise; set to the empty string, it leaves the gateway's defaults.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${LOOKOUT_BUILD_DIR:-$ROOT/build}
BIN=$BUILD_DIR/services
LOOKOUT_BIN=${LOOKOUT_CLI:-$BUILD_DIR/cli/lookout}
FIXTURES=$ROOT/tests/fixtures
PASSED=0
FAILED=0
SYSTEM_PIDS=()

source "$(dirname "${BASH_SOURCE[0]}")/free_port.sh"

fail() { echo "FAIL: $*" >&2; FAILED=$((FAILED + 1)); }
pass() { echo "ok: $*"; PASSED=$((PASSED + 1)); }
expect_eq() { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: expected [$2], got [$1]"; fi; }
expect_contains() {
  if grep -qF -- "$2" <<<"$1"; then pass "$3"; else fail "$3: [$2] not in: $1"; fi
}

# Runs lookout; sets OUT, ERR and CODE.
run_lookout() {
  local out_file=$SYSTEM_DIR/stdout err_file=$SYSTEM_DIR/stderr
  "$LOOKOUT_BIN" "$@" >"$out_file" 2>"$err_file"
  CODE=$?
  OUT=$(cat "$out_file")
  ERR=$(cat "$err_file")
}

# Whether a backend's grpc.health.v1 reports SERVING for `service` on 127.0.0.1:`port`.
serving() {
  "$ROOT/node_modules/.bin/buf" curl --protocol grpc --http2-prior-knowledge --timeout 2s \
    --data "{\"service\":\"$2\"}" "http://127.0.0.1:$1/grpc.health.v1.Health/Check" \
    2>/dev/null | grep -q '"SERVING"'
}

start_process() {  # name, then the command
  local name=$1
  shift
  "$@" >>"$SYSTEM_DIR/$name.log" 2>&1 &
  SYSTEM_PIDS+=($!)
}

# Starts everything and waits until the gateway answers WhoAmI with the editor key. With
# CLI_TEST_TLS_CERT and CLI_TEST_TLS_KEY the gateway serves TLS with them (the certificate being
# for the name "localhost").
start_system() {
  SYSTEM_DIR=$(mktemp -d /tmp/lookout-cli-e2e-XXXXXX)
  local actor_port event_port stats_port
  SYSTEM_REDIS_PORT=$(free_port); actor_port=$(free_port); event_port=$(free_port)
  stats_port=$(free_port); GATEWAY_PORT=$(free_port)
  export LOOKOUT_INTERNAL_TOKEN
  LOOKOUT_INTERNAL_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  redis-server --port "$SYSTEM_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$SYSTEM_DIR" >"$SYSTEM_DIR/redis.log" 2>&1 &
  SYSTEM_PIDS+=($!)
  local editor reader
  editor=$("$BIN/gateway/lookout-gateway" new_key e2e-editor EDITOR 2>/dev/null)
  reader=$("$BIN/gateway/lookout-gateway" new_key e2e-reader READER 2>/dev/null)
  EDITOR_KEY=$(sed -n 1p <<<"$editor")
  READER_KEY=$(sed -n 1p <<<"$reader")
  local keys
  keys="$(sed -n 2p <<<"$editor");$(sed -n 2p <<<"$reader")"
  start_process actor "$BIN/actor/lookout-actor" --port "$actor_port" --metrics_port -1 \
    --data_dir "$SYSTEM_DIR/data"
  start_process event "$BIN/event/lookout-event" --port "$event_port" --metrics_port -1 \
    --data_dir "$SYSTEM_DIR/data" --actor_addr "127.0.0.1:$actor_port" \
    --redis_addr "127.0.0.1:$SYSTEM_REDIS_PORT"
  start_process stats "$BIN/stats/lookout-stats" --port "$stats_port" --metrics_port -1 \
    --data_dir "$SYSTEM_DIR/data" --event_addr "127.0.0.1:$event_port" \
    --redis_addr "127.0.0.1:$SYSTEM_REDIS_PORT"
  start_process gateway "$BIN/gateway/lookout-gateway" --port "$GATEWAY_PORT" \
    --metrics_port -1 --http_port -1 --event_addr "127.0.0.1:$event_port" \
    --actor_addr "127.0.0.1:$actor_port" --stats_addr "127.0.0.1:$stats_port" \
    --redis_addr "127.0.0.1:$SYSTEM_REDIS_PORT" --api_keys "$keys" \
    --rate_limits "${CLI_TEST_RATE_LIMITS-READER=1000:2000,EDITOR=1000:2000,ADMIN=1000:2000}" \
    ${CLI_TEST_TLS_CERT:+--tls_cert_file "$CLI_TEST_TLS_CERT" --tls_key_file "$CLI_TEST_TLS_KEY"}
  export LOOKOUT_ADDR=127.0.0.1:$GATEWAY_PORT
  export LOOKOUT_API_KEY=$EDITOR_KEY
  local ready=(whoami)
  [ -z "${CLI_TEST_TLS_CERT:-}" ] ||
    ready=(--ca-cert "$CLI_TEST_TLS_CERT" --tls-server-name localhost whoami)
  # Ready: the gateway answers, and every backend reports SERVING (the stats service once its
  # read model has caught up with the event log), as scripts/run.sh waits for.
  local gateway_up=0 name port service
  for _ in $(seq 150); do
    if [ "$gateway_up" = 0 ] &&
      env -u LOOKOUT_INTERNAL_TOKEN "$LOOKOUT_BIN" "${ready[@]}" >/dev/null 2>&1; then
      gateway_up=1
    fi
    if [ "$gateway_up" = 1 ]; then
      local all=1
      for name in actor:$actor_port:lookout.actor.v1.ActorService \
        event:$event_port:lookout.event.v1.EventService \
        stats:$stats_port:lookout.stats.v1.StatsService; do
        IFS=: read -r _ port service <<<"$name"
        serving "$port" "$service" || { all=0; break; }
      done
      [ "$all" = 0 ] || return 0
    fi
    sleep 0.2
  done
  echo "FAIL: the system did not start; logs in $SYSTEM_DIR" >&2
  tail -n 5 "$SYSTEM_DIR"/*.log >&2
  return 1
}

stop_system() {
  local pid
  for pid in "${SYSTEM_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${SYSTEM_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  SYSTEM_PIDS=()
  [ -n "${KEEP_SYSTEM_DIR:-}" ] || rm -rf "$SYSTEM_DIR"
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
