#!/usr/bin/env bash
# Runs Lookout locally: Redis and the services, data, logs and secrets under var/.
#   scripts/run.sh          set up (install, build), start everything, wait until all SERVING
#   scripts/run.sh stop     stop what run.sh started (PostgreSQL too, when it started one)
#   scripts/run.sh status   show each process and its health
#   scripts/run.sh rollout  restart every event, actor and stats replica in turn (SIGTERM, start,
#                           wait until SERVING, pause LOOKOUT_ROLLOUT_PAUSE_SECONDS, default 2);
#                           with 2+ replicas no client call fails
# Environment: LOOKOUT_VAR_DIR (default var), LOOKOUT_SKIP_SETUP=1 to skip install and build,
# LOOKOUT_REDIS_PORT, LOOKOUT_EVENT_PORT, LOOKOUT_ACTOR_PORT, LOOKOUT_STATS_PORT, LOOKOUT_GATEWAY_PORT,
# LOOKOUT_*_METRICS_PORT, LOOKOUT_HTTP_PORT (the gateway's HTTP/JSON API and dashboard, default
# 8080), LOOKOUT_DASHBOARD_DIR (default <build>/dashboard). LOOKOUT_EVENT_DATA_DIR puts the event service's SQLite files elsewhere
# (default var/data; the chaos test gives it a small filesystem of its own to fill).
# Storage: SQLite files in var/data by default. LOOKOUT_STORE=postgres starts a PostgreSQL
# server of Lookout's own under var/postgres (port LOOKOUT_POSTGRES_PORT, default 5433; see
# scripts/local-postgres.sh); LOOKOUT_DATABASE_URL (with LOOKOUT_DATABASE_PASSWORD_FILE)
# points the services at an existing server instead, and run.sh starts none.
# Replicas: LOOKOUT_BACKEND_REPLICAS=N (PostgreSQL only) runs N replicas each of event, actor and
# stats, replica i on the base port + (i-1) x LOOKOUT_REPLICA_PORT_STEP (default 100), named
# event, event-2, ...; the gateway, the event service (for actor) and stats (for event) are given
# the comma-separated address lists and spread calls over the replicas that report SERVING.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VAR=${LOOKOUT_VAR_DIR:-$ROOT/var}
BUILD_DIR=${LOOKOUT_BUILD_DIR:-build}
[[ $BUILD_DIR = /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
BIN=${LOOKOUT_BIN_DIR:-$BUILD_DIR/services}
BUF=$ROOT/node_modules/.bin/buf

REDIS_PORT=${LOOKOUT_REDIS_PORT:-6379}
ACTOR_PORT=${LOOKOUT_ACTOR_PORT:-50053}
EVENT_PORT=${LOOKOUT_EVENT_PORT:-50052}
ACTOR_METRICS_PORT=${LOOKOUT_ACTOR_METRICS_PORT:-9453}
EVENT_METRICS_PORT=${LOOKOUT_EVENT_METRICS_PORT:-9452}
GATEWAY_PORT=${LOOKOUT_GATEWAY_PORT:-50051}
GATEWAY_METRICS_PORT=${LOOKOUT_GATEWAY_METRICS_PORT:-9451}
# The gateway's HTTP/JSON listener, which also serves the dashboard that the build bundles into
# <build>/dashboard (web/); the gateway reads both from the environment.
HTTP_PORT=${LOOKOUT_HTTP_PORT:-8080}
DASHBOARD_DIR=${LOOKOUT_DASHBOARD_DIR:-$BUILD_DIR/dashboard}

# sqlite, or postgres: a server of run.sh's own, or the one LOOKOUT_DATABASE_URL names.
STORE=${LOOKOUT_STORE:-}
if [ -z "$STORE" ]; then
  STORE=sqlite
  [ -z "${LOOKOUT_DATABASE_URL:-}" ] || STORE=postgres
fi
REPLICAS=${LOOKOUT_BACKEND_REPLICAS:-1}
REPLICA_PORT_STEP=${LOOKOUT_REPLICA_PORT_STEP:-100}
if ! [[ $REPLICAS =~ ^[1-9][0-9]?$ ]]; then
  echo "run.sh: LOOKOUT_BACKEND_REPLICAS must be a number from 1 to 99 (got '$REPLICAS')" >&2
  exit 2
fi
if ! [[ $REPLICA_PORT_STEP =~ ^[1-9][0-9]*$ ]]; then
  echo "run.sh: LOOKOUT_REPLICA_PORT_STEP must be a positive number (got '$REPLICA_PORT_STEP')" >&2
  exit 2
fi
case "$STORE" in
  sqlite)
    if [ "$REPLICAS" -gt 1 ]; then
      # A SQLite file belongs to one process: replicas share a PostgreSQL database instead.
      echo "run.sh: LOOKOUT_BACKEND_REPLICAS=$REPLICAS needs LOOKOUT_STORE=postgres (replicas share one database)" >&2
      exit 2
    fi
    if [ -n "${LOOKOUT_DATABASE_URL:-}" ]; then
      echo "run.sh: LOOKOUT_STORE=sqlite and LOOKOUT_DATABASE_URL are both set; choose one" >&2
      exit 2
    fi
    unset LOOKOUT_DATABASE_PASSWORD_FILE ;;
  postgres) ;;
  *) echo "run.sh: LOOKOUT_STORE must be sqlite or postgres (got '$STORE')" >&2; exit 2 ;;
esac

# name -> "binary port metrics_port health_service"
SERVICES=(actor event stats gateway)
declare -A BINARY=([actor]=actor/lookout-actor [event]=event/lookout-event)
declare -A PORT=([actor]=$ACTOR_PORT [event]=$EVENT_PORT)
declare -A METRICS=([actor]=$ACTOR_METRICS_PORT [event]=$EVENT_METRICS_PORT)
declare -A HEALTH_NAME=([actor]=lookout.actor.v1.ActorService [event]=lookout.event.v1.EventService)
BINARY[gateway]=gateway/lookout-gateway PORT[gateway]=$GATEWAY_PORT
METRICS[gateway]=$GATEWAY_METRICS_PORT HEALTH_NAME[gateway]=lookout.gateway.v1.GatewayService
# The stats service reports SERVING once its read model has caught up with the event log.
BINARY[stats]=stats/lookout-stats PORT[stats]=${LOOKOUT_STATS_PORT:-50054}
METRICS[stats]=${LOOKOUT_STATS_METRICS_PORT:-9454} HEALTH_NAME[stats]=lookout.stats.v1.StatsService

# Replicas 2..N of each backend: "event-2" is the event binary on the event port + the step.
# ADDRS[name] is the address list the other services are given.
BACKENDS=(actor event stats)
declare -A ADDRS
for base in "${BACKENDS[@]}"; do
  ADDRS[$base]=127.0.0.1:${PORT[$base]}
  for ((i = 2; i <= REPLICAS; i++)); do
    name=$base-$i
    BINARY[$name]=${BINARY[$base]} HEALTH_NAME[$name]=${HEALTH_NAME[$base]}
    PORT[$name]=$((${PORT[$base]} + (i - 1) * REPLICA_PORT_STEP))
    METRICS[$name]=$((${METRICS[$base]} + (i - 1) * REPLICA_PORT_STEP))
    ADDRS[$base]+=,127.0.0.1:${PORT[$name]}
  done
done
# Start order: every actor replica, every event replica (they check actors), every stats replica
# (they follow the event log), then the gateway.
SERVICES=()
for base in "${BACKENDS[@]}"; do
  SERVICES+=("$base")
  for ((i = 2; i <= REPLICAS; i++)); do SERVICES+=("$base-$i"); done
done
SERVICES+=(gateway)

# Alive and not a zombie: a killed child of an earlier run.sh may stay a zombie when nothing
# reaps it (PID 1 in a container), and kill -0 still succeeds on a zombie.
running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$state" ] && [[ $state != Z* ]]
}
pid_alive() { [ -f "$1" ] && running "$(cat "$1")"; }

source "$ROOT/scripts/local-postgres.sh"

redis_ping() { redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

# SERVING / NOT_SERVING / DOWN for a gRPC health service name on a port.
health() {
  local out
  out=$("$BUF" curl --protocol grpc --http2-prior-knowledge --timeout 2s \
    --data "{\"service\":\"$2\"}" "http://127.0.0.1:$1/grpc.health.v1.Health/Check" 2>/dev/null) || {
    echo DOWN; return; }
  if grep -q '"SERVING"' <<<"$out"; then echo SERVING; else echo NOT_SERVING; fi
}

secrets() {
  mkdir -p "$VAR/secrets" && chmod 700 "$VAR/secrets"
  if [ ! -s "$VAR/secrets/internal-token" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$VAR/secrets/internal-token")
  fi
  LOOKOUT_INTERNAL_TOKEN=$(cat "$VAR/secrets/internal-token")
  export LOOKOUT_INTERNAL_TOKEN
}

# The gateway's API keys. On first run: an admin, an editor and a reader key; only their SHA-256
# goes into the gateway's keys file, the keys themselves into var/dev-keys.env (mode 600).
gateway_keys() {
  local keys_file=$VAR/secrets/gateway-keys env_file=$VAR/dev-keys.env role out
  if [ ! -s "$keys_file" ] || [ ! -s "$env_file" ]; then
    (
      umask 077
      : >"$keys_file.new" && : >"$env_file.new"
      for role in ADMIN EDITOR READER; do
        out=$("$BIN/gateway/lookout-gateway" --new_key "dev-${role,,}" "$role" 2>/dev/null) || {
          echo "gateway: cannot create API keys with $BIN/gateway/lookout-gateway" >&2; exit 1; }
        echo "LOOKOUT_${role}_KEY=$(sed -n 1p <<<"$out")" >>"$env_file.new"
        sed -n 2p <<<"$out" >>"$keys_file.new"
      done
      mv "$keys_file.new" "$keys_file" && mv "$env_file.new" "$env_file"
    )
    echo "gateway: created an admin, an editor and a reader key in $env_file"
  fi
  export LOOKOUT_API_KEYS_FILE=$keys_file
  export LOOKOUT_HTTP_PORT=$HTTP_PORT LOOKOUT_DASHBOARD_DIR=$DASHBOARD_DIR
  export LOOKOUT_EVENT_ADDR=${ADDRS[event]} LOOKOUT_STATS_ADDR=${ADDRS[stats]}
}

gateway_usage() {
  echo "Dashboard: http://127.0.0.1:$HTTP_PORT/ (enter the reader key from $VAR/dev-keys.env)"
  echo "Gateway: 127.0.0.1:$GATEWAY_PORT. API keys (admin, editor, reader) in $VAR/dev-keys.env:"
  echo "  source $VAR/dev-keys.env"
  echo "  grpcurl -plaintext 127.0.0.1:$GATEWAY_PORT list"
  echo "  grpcurl -plaintext -H \"authorization: Bearer \$LOOKOUT_READER_KEY\" 127.0.0.1:$GATEWAY_PORT lookout.gateway.v1.GatewayService/WhoAmI"
}

start_redis() {
  if redis_ping; then
    echo "redis: already answering on port $REDIS_PORT"
    return
  fi
  mkdir -p "$VAR/redis"
  # A cache only: nothing is persisted, so a flush or restart loses nothing that matters.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$VAR/run/redis.pid" --logfile "$VAR/log/redis.log" --dir "$VAR/redis" \
    --save "" --appendonly no --maxmemory 256mb --maxmemory-policy allkeys-lru >/dev/null
  for _ in $(seq 50); do redis_ping && { echo "redis: started on port $REDIS_PORT"; return; }; sleep 0.1; done
  echo "redis: did not start, see $VAR/log/redis.log" >&2
  exit 1
}

start_service() {
  local name=$1
  if pid_alive "$VAR/run/$name.pid"; then
    echo "$name: already running (pid $(cat "$VAR/run/$name.pid"))"
    return
  fi
  local data_dir=$VAR/data
  [[ $name = event* ]] && data_dir=${LOOKOUT_EVENT_DATA_DIR:-$VAR/data}
  env LOOKOUT_PORT="${PORT[$name]}" LOOKOUT_METRICS_PORT="${METRICS[$name]}" \
    LOOKOUT_DATA_DIR="$data_dir" LOOKOUT_REDIS_ADDR="127.0.0.1:$REDIS_PORT" \
    LOOKOUT_ACTOR_ADDR="${ADDRS[actor]}" \
    nohup "$BIN/${BINARY[$name]}" >>"$VAR/log/$name.log" 2>&1 &
  echo $! >"$VAR/run/$name.pid"
  echo "$name: started (pid $!, port ${PORT[$name]}, metrics ${METRICS[$name]})"
}

wait_serving() {
  local name=$1 state
  for _ in $(seq 100); do
    state=$(health "${PORT[$name]}" "${HEALTH_NAME[$name]}")
    [ "$state" = SERVING ] && return 0
    pid_alive "$VAR/run/$name.pid" || break
    sleep 0.2
  done
  echo "$name: not serving; last lines of $VAR/log/$name.log:" >&2
  tail -n 20 "$VAR/log/$name.log" >&2
  exit 1
}

stop_pidfile() {
  local name=$1 file=$VAR/run/$1.pid
  if pid_alive "$file"; then
    local pid
    pid=$(cat "$file")
    kill -TERM "$pid"
    for _ in $(seq 150); do running "$pid" || break; sleep 0.1; done
    running "$pid" && kill -KILL "$pid"
    echo "$name: stopped"
  fi
  rm -f "$file"
}

# The Haiti demo dataset (data/haiti-demo.json) through the gateway with the editor key; loading
# it again changes nothing. LOOKOUT_LOAD_DEMO=0/1 decides; by default it loads unless
# LOOKOUT_SKIP_SETUP=1 (test harnesses, which want an empty system).
load_demo() {
  local default=1
  [ "${LOOKOUT_SKIP_SETUP:-0}" = 1 ] && default=0
  [ "${LOOKOUT_LOAD_DEMO:-$default}" = 1 ] || return 0
  local cli=$BUILD_DIR/cli/lookout key
  if [ ! -x "$cli" ]; then
    echo "demo: $cli is not built; the demo dataset was not loaded" >&2
    return 0
  fi
  key=$(sed -n 's/^LOOKOUT_EDITOR_KEY=//p' "$VAR/dev-keys.env")
  if ! "$cli" --addr "127.0.0.1:$GATEWAY_PORT" --api-key "$key" --quiet \
      load "$ROOT/data/haiti-demo.json"; then
    echo "demo: data/haiti-demo.json did not load completely (see above); the services run" >&2
  fi
}

cmd_start() {
  [ "${LOOKOUT_SKIP_SETUP:-0}" = 1 ] || "$ROOT/scripts/setup.sh"
  mkdir -p "$VAR/run" "$VAR/log" "$VAR/data"
  secrets
  gateway_keys
  start_redis
  if [ "$STORE" = postgres ]; then
    if [ -n "${LOOKOUT_DATABASE_URL:-}" ]; then
      echo "postgres: using the server LOOKOUT_DATABASE_URL names (run.sh starts none)"
    else
      pg_start
    fi
  fi
  for name in "${SERVICES[@]}"; do
    start_service "$name"
    wait_serving "$name"
  done
  load_demo
  echo
  local data=$VAR/data
  [ "$STORE" = sqlite ] || data="PostgreSQL (schemas event, actor, stats)"
  echo "Lookout is running. Logs: $VAR/log  Data: $data  Stop: scripts/run.sh stop"
  echo "Try: node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge --list-methods http://127.0.0.1:$EVENT_PORT"
  gateway_usage
}

cmd_stop() {
  local i file
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_pidfile "${SERVICES[$i]}"; done
  # Replicas an earlier start ran with a larger LOOKOUT_BACKEND_REPLICAS.
  for name in stats event actor; do
    for file in "$VAR/run/$name"-*.pid; do
      [ -f "$file" ] && stop_pidfile "$(basename "$file" .pid)"
    done
  done
  if [ -f "$VAR/run/redis.pid" ]; then stop_pidfile redis; fi
  pg_stop
}

cmd_status() {
  if [ -f "$VAR/run/redis.pid" ]; then
    pid_alive "$VAR/run/redis.pid" && echo "redis: running (pid $(cat "$VAR/run/redis.pid"))" || echo "redis: stopped"
  else
    redis_ping && echo "redis: answering on $REDIS_PORT (not started by run.sh)" || echo "redis: not running"
  fi
  pg_status
  for name in "${SERVICES[@]}"; do
    if pid_alive "$VAR/run/$name.pid"; then
      echo "$name: running (pid $(cat "$VAR/run/$name.pid"), port ${PORT[$name]}): $(health "${PORT[$name]}" "${HEALTH_NAME[$name]}")"
    else
      echo "$name: stopped"
    fi
  done
}

# A rolling restart of the backends, one replica at a time: SIGTERM (the replica reports
# NOT_SERVING, so callers' balancers leave it, then drains its calls and exits), start the same
# binary again, wait until it reports SERVING, then the next. The gateway is not restarted.
cmd_rollout() {
  local name first=1
  # Callers find a restarted replica again within their reconnect back-off (the gateway's is at
  # most 1 s), then health-check it: until then the next replica must stay up, or for a moment a
  # caller would see none SERVING. Kubernetes' minReadySeconds plays this part.
  local pause=${LOOKOUT_ROLLOUT_PAUSE_SECONDS:-2}
  mkdir -p "$VAR/run" "$VAR/log"
  secrets
  gateway_keys >/dev/null
  # The server is running already; this only sets the services' database environment.
  if [ "$STORE" = postgres ] && [ -z "${LOOKOUT_DATABASE_URL:-}" ]; then pg_start >/dev/null; fi
  for name in "${SERVICES[@]}"; do
    [ "$name" = gateway ] && continue
    [ "$first" = 1 ] || sleep "$pause"
    first=0
    stop_pidfile "$name"
    start_service "$name"
    wait_serving "$name"
    echo "$name: serving again"
  done
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_stop; cmd_start ;;
  rollout) cmd_rollout ;;
  *) echo "usage: scripts/run.sh [start|stop|status|restart|rollout]" >&2; exit 2 ;;
esac
