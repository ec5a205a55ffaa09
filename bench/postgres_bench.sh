#!/usr/bin/env bash
# The foundation benchmark's PostgreSQL mode (issue 15, item 7). In one run on this machine it
# starts a throwaway PostgreSQL server (initdb in a temporary folder, fsync on, a free loopback
# port, run as the user "postgres" when we are root), the actor service, one event service on
# SQLite and two event services on one PostgreSQL database, and prints:
#   CreateEvent at 64 concurrent calls with one event replica and with two (the load spread
#     over both), GetEvent at 64, a one-country ListEvents page at 64, and ImportEvents of one
#     stream of BENCH_IMPORT_EVENTS (100,000) rows;
#   each against the engine's own rate: lookout-bench-postgres issuing the store's statements
#     straight from libpq at the same concurrency on the same schema and indexes, and raw COPY
#     of the same rows for the import (with, as a diagnostic, the same rows through the store's
#     INSERT-unnest statements);
#   the same calls on the SQLite event service, beside them;
# then the ratios against their targets (CreateEvent and GetEvent >= 0.50 of the engine's rate,
# ImportEvents >= 0.50 of raw COPY). Stops and removes everything it started, even when
# interrupted.
#
# Environment: BENCH_DURATION (measured time per run, default 3s), BENCH_WARMUP (1s),
# BENCH_SEED_EVENTS (2000), BENCH_IMPORT_EVENTS (100000), BENCH_PAIR_ROUNDS (3: rounds of
# service and raw runs back to back; the ratios are the medians of the rounds' ratios),
# BENCH_SKIP_BUILD=1, BENCH_KEEP=1 (keep the folders and logs), BENCH_TIME_LIMIT (seconds,
# default 600), LOOKOUT_PG_BIN (the server binaries, default /usr/lib/postgresql/15/bin),
# LOOKOUT_BUILD_DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/${LOOKOUT_BUILD_DIR:-build}
DURATION=${BENCH_DURATION:-3s}
WARMUP=${BENCH_WARMUP:-1s}
SEED_EVENTS=${BENCH_SEED_EVENTS:-2000}
IMPORT_EVENTS=${BENCH_IMPORT_EVENTS:-100000}
ROUNDS=${BENCH_PAIR_ROUNDS:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] ||
  { echo "BENCH_PAIR_ROUNDS must be a positive integer, got '$ROUNDS'" >&2; exit 2; }
C=64
COUNTRY=HTI
LOAD=$BUILD/bench/lookout-bench-load
RAW_PG=$BUILD/bench/lookout-bench-postgres
RAW_SQLITE=$BUILD/bench/lookout-bench-sqlite-import
EVENT_BIN=$BUILD/services/event/lookout-event
ACTOR_BIN=$BUILD/services/actor/lookout-actor
PG_BIN=${LOOKOUT_PG_BIN:-}
if [ -z "$PG_BIN" ]; then
  for version in 15 16 17 14; do
    [ -x "/usr/lib/postgresql/$version/bin/postgres" ] && { PG_BIN=/usr/lib/postgresql/$version/bin; break; }
  done
fi
[ -x "$PG_BIN/postgres" ] ||
  { echo "no PostgreSQL server binaries (scripts/setup.sh installs postgresql-15)" >&2; exit 1; }

# Settings inherited from a shell that runs Lookout by hand must not reach these services.
for name in $(compgen -e | grep '^LOOKOUT_' || true); do unset "$name"; done

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "building (ninja -j2) ..."
  cmake -S "$ROOT" -B "$BUILD" -G Ninja >/dev/null
  ninja -C "$BUILD" -j2 lookout-event lookout-actor lookout-bench-load lookout-bench-postgres \
    lookout-bench-sqlite-import >/dev/null
fi
for bin in "$LOAD" "$RAW_PG" "$RAW_SQLITE" "$EVENT_BIN" "$ACTOR_BIN"; do
  [ -x "$bin" ] || { echo "missing $bin (build it, or unset BENCH_SKIP_BUILD)" >&2; exit 1; }
done

# Free loopback ports, asked of the kernel (bound to port 0, then released).
read -r PG_PORT ACTOR_PORT SQLITE_PORT PG_A_PORT PG_B_PORT < <(/usr/bin/python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)

VAR=$(mktemp -d "${TMPDIR:-/tmp}/lookout-pgbench.XXXXXX")
PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/lookout-pgbench-server.XXXXXX")
mkdir -p "$VAR/run" "$VAR/log"
# PostgreSQL refuses to run as root: as root, initdb and the server run as "postgres". setpriv
# execs the command, so $! of the server started in the background is the server's own pid.
AS_SERVER_USER=()
if [ "$(id -u)" = 0 ]; then
  AS_SERVER_USER=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  chown postgres: "$PGDIR"
fi

PG_PID=
WATCHDOG=
cleanup() {
  [ -z "$WATCHDOG" ] || kill "$WATCHDOG" 2>/dev/null || true
  local file pid
  for file in "$VAR"/run/*.pid; do
    [ -f "$file" ] || continue
    pid=$(cat "$file")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for file in "$VAR"/run/*.pid; do
    [ -f "$file" ] || continue
    pid=$(cat "$file")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "$PG_PID" ]; then
    kill -INT "$PG_PID" 2>/dev/null || true  # fast shutdown
    for _ in $(seq 100); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
    kill -QUIT "$PG_PID" 2>/dev/null || true
    wait "$PG_PID" 2>/dev/null || true
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "kept $VAR and $PGDIR"
  else
    rm -rf "$VAR" "$PGDIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
(
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  sleep "${BENCH_TIME_LIMIT:-600}" &
  nap=$!
  wait "$nap"
  echo "time limit reached, stopping" >&2
  kill -TERM $$
) &
WATCHDOG=$!

# ---- PostgreSQL ----
"${AS_SERVER_USER[@]}" "$PG_BIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C \
  --no-sync >"$VAR/log/initdb.log" 2>&1 ||
  { echo "initdb failed:" >&2; cat "$VAR/log/initdb.log" >&2; exit 1; }
# fsync and synchronous_commit on (the defaults): every acknowledged commit is on disk, as in
# production and as SQLite's writes are.
"${AS_SERVER_USER[@]}" "$PG_BIN/postgres" -D "$PGDIR/data" -p "$PG_PORT" -k "$PGDIR" \
  -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on \
  -c synchronous_commit=on -c log_min_messages=warning </dev/null >"$VAR/log/postgres.log" 2>&1 &
PG_PID=$!
psql_run() { "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }
for _ in $(seq 300); do
  psql_run -c 'SELECT 1' >/dev/null 2>&1 && break
  kill -0 "$PG_PID" 2>/dev/null || { echo "postgres exited:" >&2; cat "$VAR/log/postgres.log" >&2; exit 1; }
  sleep 0.1
done
for db in lookout raw_copy raw_batched raw_unnest; do psql_run -c "CREATE DATABASE $db" >/dev/null; done
DB_URL=postgresql://postgres@127.0.0.1:$PG_PORT

# ---- services ----
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$VAR/token"
export LOOKOUT_INTERNAL_TOKEN
LOOKOUT_INTERNAL_TOKEN=$(cat "$VAR/token")

start() {
  local name=$1
  shift
  nohup "$@" >>"$VAR/log/$name.log" 2>&1 &
  echo $! >"$VAR/run/$name.pid"
}
# No Redis: the actor check answers from the event service's in-process cache, and GetEvent
# reads the store (the event cache is off by default anyway).
EVENT_FLAGS=(--host=127.0.0.1 --actor_addr="127.0.0.1:$ACTOR_PORT" --redis_addr= --metrics_port=-1
  --reflection=false --shutdown_delay_seconds=0 --drain_grace_seconds=1)
start actor "$ACTOR_BIN" --host=127.0.0.1 --port="$ACTOR_PORT" --data_dir="$VAR/actor" \
  --metrics_port=-1 --reflection=false
start event_sqlite "$EVENT_BIN" "${EVENT_FLAGS[@]}" --port="$SQLITE_PORT" --data_dir="$VAR/sqlite"
start event_pg_a "$EVENT_BIN" "${EVENT_FLAGS[@]}" --port="$PG_A_PORT" --data_dir="$VAR/unused" \
  --database_url="$DB_URL/lookout"
start event_pg_b "$EVENT_BIN" "${EVENT_FLAGS[@]}" --port="$PG_B_PORT" --data_dir="$VAR/unused" \
  --database_url="$DB_URL/lookout"

wait_serving() {
  local name=$1 port=$2 service=$3
  for _ in $(seq 60); do
    if "$LOAD" --target="127.0.0.1:$port" --token_file="$VAR/token" --mode=health \
        --health_service="$service" --concurrency=1 --count=1 --warmup=0 >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$(cat "$VAR/run/$name.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "$name did not start serving; its log:" >&2
  tail -n 20 "$VAR/log/$name.log" >&2
  exit 1
}
wait_serving actor "$ACTOR_PORT" lookout.actor.v1.ActorService
wait_serving event_sqlite "$SQLITE_PORT" lookout.event.v1.EventService
wait_serving event_pg_a "$PG_A_PORT" lookout.event.v1.EventService
wait_serving event_pg_b "$PG_B_PORT" lookout.event.v1.EventService

RESULTS=$VAR/results.txt
: >"$RESULTS"
keep() { echo "$1 $2" >>"$RESULTS"; }

# Runs the load generator against `targets`; echoes its RESULT line and keeps it under `key`.
load() {
  local key=$1 targets=$2
  shift 2
  local line
  if ! line=$(timeout 600 "$LOAD" --target="$targets" --token_file="$VAR/token" "$@" \
      2>"$VAR/load.err"); then
    echo "$line"
    echo "load run '$key' failed:" >&2
    cat "$VAR/load.err" >&2
    exit 1
  fi
  echo "$line"
  keep "$key" "$line"
}
# Runs lookout-bench-postgres on database `db`; echoes and keeps its RESULT line.
raw_pg() {
  local key=$1 db=$2
  shift 2
  local line
  if ! line=$(timeout 600 "$RAW_PG" --url="$DB_URL/$db" "$@" 2>"$VAR/raw.err"); then
    echo "$line"
    echo "raw run '$key' failed:" >&2
    cat "$VAR/raw.err" >&2
    exit 1
  fi
  echo "$line"
  keep "$key" "$line"
}
field() { grep "^$1 " "$RESULTS" | grep -o " $2=[^ ]*" | sed -n '1{s/^[^=]*=//;p}'; }

SQLITE=127.0.0.1:$SQLITE_PORT
PG_A=127.0.0.1:$PG_A_PORT
PG_BOTH=127.0.0.1:$PG_A_PORT,127.0.0.1:$PG_B_PORT
TIMED=(--warmup="$WARMUP" --duration="$DURATION")

echo "== Lookout foundation benchmark, PostgreSQL mode: $(nproc) cores, loopback"
echo "   PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PG_PORT" \
  "(fsync=on, synchronous_commit=on), folders $VAR $PGDIR"
echo "   load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" \
  "(other work on these cores skews every figure)"
echo "   measured ${DURATION} per run after ${WARMUP} warm-up; ${ROUNDS} rounds of each pair"

echo
echo "-- seeding $SEED_EVENTS events on each backend, then one ImportEvents stream of" \
  "$IMPORT_EVENTS rows and the raw baselines right after it"
load sqlite_seed "$SQLITE" --mode=create_event --actor_target="127.0.0.1:$ACTOR_PORT" \
  --concurrency=$C --count="$SEED_EVENTS" --warmup=0 --ids_out="$VAR/sqlite_ids.txt" \
  --label=sqlite_seed
ACTOR_ID=$(field sqlite_seed actor_id)
load pg_seed "$PG_A" --mode=create_event --actor_id="$ACTOR_ID" --concurrency=$C \
  --count="$SEED_EVENTS" --warmup=0 --ids_out="$VAR/pg_ids.txt" --label=pg_seed
load sqlite_import "$SQLITE" --mode=import --actor_id="$ACTOR_ID" --concurrency=1 --count=1 \
  --import_events="$IMPORT_EVENTS" --warmup="$WARMUP" --deadline=600s --label=sqlite_one_stream
mkdir -p "$VAR/raw_sqlite"
line=$("$RAW_SQLITE" --db="$VAR/raw_sqlite/event.db" --rows="$IMPORT_EVENTS" \
  --label=sqlite_plain_inserts 2>&1) || { echo "$line" >&2; exit 1; }
echo "$line"
keep raw_sqlite_import "$line"
load pg_import "$PG_A" --mode=import --actor_id="$ACTOR_ID" --concurrency=1 --count=1 \
  --import_events="$IMPORT_EVENTS" --warmup="$WARMUP" --deadline=600s --label=pg_one_stream
raw_pg raw_copy raw_copy --mode=copy --rows="$IMPORT_EVENTS" --actor_id="$ACTOR_ID" \
  --label=one_transaction
# Diagnostic: the same COPY in transactions of the importer's batch size (500 rows).
raw_pg raw_copy_batched raw_batched --mode=copy --rows="$IMPORT_EVENTS" --batch=500 \
  --actor_id="$ACTOR_ID" --label=batches_of_500
# Diagnostic: the same rows through the store's own statements (its head lock, one INSERT-unnest
# per table), in the importer's 500-row transactions: what the statements cost against COPY.
raw_pg raw_unnest_batched raw_unnest --mode=insert_unnest --rows="$IMPORT_EVENTS" --batch=500 \
  --actor_id="$ACTOR_ID" --label=batches_of_500

echo
echo "-- SQLite event service (beside, not a ratio)"
load sqlite_get "$SQLITE" --mode=get_event --ids_file="$VAR/sqlite_ids.txt" --concurrency=$C \
  "${TIMED[@]}" --label=sqlite
load sqlite_list "$SQLITE" --mode=list_events --list_country=$COUNTRY --concurrency=$C \
  "${TIMED[@]}" --label=sqlite
load sqlite_create "$SQLITE" --mode=create_event --actor_id="$ACTOR_ID" --concurrency=$C \
  "${TIMED[@]}" --label=sqlite

# Service and raw runs back to back in each round, so both see the machine in about the same
# state; the ratios are the medians over the rounds.
for round in $(seq "$ROUNDS"); do
  echo
  echo "-- PostgreSQL, round $round of $ROUNDS"
  # The empty RPC on the same server: what the gRPC hop alone costs on these shared cores.
  load "pg_health_$round" "$PG_A" --mode=health --health_service=lookout.event.v1.EventService \
    --concurrency=$C "${TIMED[@]}" --label="empty_rpc_round_$round"
  load "pg_get_$round" "$PG_A" --mode=get_event --ids_file="$VAR/pg_ids.txt" \
    --concurrency=$C "${TIMED[@]}" --label="service_round_$round"
  # The raw reads run on the service's own database: the same rows and ids.
  raw_pg "raw_get_$round" lookout --mode=get_event --ids_file="$VAR/pg_ids.txt" \
    --concurrency=$C "${TIMED[@]}" --label="raw_round_$round"
  load "pg_list_$round" "$PG_A" --mode=list_events --list_country=$COUNTRY --concurrency=$C \
    "${TIMED[@]}" --label="service_round_$round"
  raw_pg "raw_list_$round" lookout --mode=list_events --list_country=$COUNTRY \
    --concurrency=$C "${TIMED[@]}" --label="raw_round_$round"
  load "pg_create1_$round" "$PG_A" --mode=create_event --actor_id="$ACTOR_ID" \
    --concurrency=$C "${TIMED[@]}" --label="one_replica_round_$round"
  load "pg_create2_$round" "$PG_BOTH" --mode=create_event --actor_id="$ACTOR_ID" \
    --concurrency=$C "${TIMED[@]}" --label="two_replicas_round_$round"
  # Into the raw COPY's database: as full as the service's.
  raw_pg "raw_create_$round" raw_copy --mode=create --actor_id="$ACTOR_ID" \
    --concurrency=$C "${TIMED[@]}" --label="raw_round_$round"
done

echo
echo "-- diagnostics: the raw client on as many connections as the service's pool (16)"
raw_pg raw_get_pool lookout --mode=get_event --ids_file="$VAR/pg_ids.txt" --concurrency=16 \
  "${TIMED[@]}" --label=raw_16_connections
raw_pg raw_create_pool raw_copy --mode=create --actor_id="$ACTOR_ID" --concurrency=16 \
  "${TIMED[@]}" --label=raw_16_connections
echo "-- diagnostic: raw creates, 16 events per transaction (as the store groups a replica's" \
  "concurrent creates)"
raw_pg raw_create_grouped raw_copy --mode=create --actor_id="$ACTOR_ID" --concurrency=$C \
  --creates_per_transaction=16 "${TIMED[@]}" --label=16_per_transaction

# ---- summary ----
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : sprintf("%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
verdict() {
  awk -v r="$1" -v t="$2" 'BEGIN { print (r != "n/a" && r + 0 >= t) ? "PASS" : "BELOW TARGET" }'
}
# The median of a field over the rounds' runs under key prefix `$1_`.
median_field() {
  local values=() round
  for round in $(seq "$ROUNDS"); do values+=("$(field "$1_$round" "$2")"); done
  median "${values[@]}"
}
# The median over the rounds of service run / raw run.
median_ratio() {
  local values=() round
  for round in $(seq "$ROUNDS"); do
    values+=("$(ratio "$(field "$1_$round" throughput)" "$(field "$2_$round" throughput)")")
  done
  median "${values[@]}"
}
rounds_of() {
  local values=() round
  for round in $(seq "$ROUNDS"); do
    values+=("$(ratio "$(field "$1_$round" throughput)" "$(field "$2_$round" throughput)")")
  done
  echo "${values[*]}"
}
latency() { echo "p50 $(median_field "$1" p50_ms) / p99 $(median_field "$1" p99_ms) ms"; }

r_create1=$(median_ratio pg_create1 raw_create)
r_create2=$(median_ratio pg_create2 raw_create)
r_get=$(median_ratio pg_get raw_get)
r_list=$(median_ratio pg_list raw_list)
# Were a GetEvent to cost the machine an empty RPC plus a raw read, its rate would be
# 1 / (1/health + 1/raw), and its ratio to raw health / (health + raw).
get_additive=$(awk -v h="$(median_field pg_health throughput)" -v r="$(median_field raw_get throughput)" \
  'BEGIN { if (h + r > 0) printf "%.2f", h / (h + r); else print "n/a" }')
# The engine's rate for the import is the faster of the two raw COPY forms.
raw_copy_best=$(awk -v a="$(field raw_copy throughput)" -v b="$(field raw_copy_batched throughput)" \
  'BEGIN { print (a + 0 >= b + 0) ? a : b }')
r_import=$(ratio "$(field pg_import throughput)" "$raw_copy_best")
r_sqlite_import=$(ratio "$(field sqlite_import throughput)" "$(field raw_sqlite_import throughput)")

echo
echo "== Summary (concurrency $C; $(nproc) cores shared by the load, the services and PostgreSQL)"
echo "   throughput: medians over $ROUNDS rounds for PostgreSQL; calls/s unless noted"
printf "  %-34s %14s %16s %16s\n" "" "SQLite service" "PostgreSQL svc" "PostgreSQL raw"
printf "  %-34s %14s %16s %16s\n" "CreateEvent, one event replica" \
  "$(field sqlite_create throughput)" "$(median_field pg_create1 throughput)" \
  "$(median_field raw_create throughput)"
printf "  %-34s %14s %16s %16s\n" "CreateEvent, two event replicas" "-" \
  "$(median_field pg_create2 throughput)" "(the same)"
printf "  %-34s %14s %16s %16s\n" "GetEvent" "$(field sqlite_get throughput)" \
  "$(median_field pg_get throughput)" "$(median_field raw_get throughput)"
printf "  %-34s %14s %16s %16s\n" "  empty RPC (Health/Check)" "-" \
  "$(median_field pg_health throughput)" "-"
printf "  %-34s %14s %16s %16s\n" "ListEvents, one country, page 50" \
  "$(field sqlite_list throughput)" "$(median_field pg_list throughput)" \
  "$(median_field raw_list throughput)"
printf "  %-34s %14s %16s %16s\n" "ImportEvents, events/s ($IMPORT_EVENTS rows)" \
  "$(field sqlite_import throughput)" "$(field pg_import throughput)" \
  "$(field raw_copy throughput)"
printf "  %-34s %14s %16s %16s\n" "  raw, in 500-row transactions" \
  "$(field raw_sqlite_import throughput)" "" "$(field raw_copy_batched throughput)"
printf "  %-34s %14s %16s %16s\n" "  store's INSERT-unnest, 500-row tx" "" "" \
  "$(field raw_unnest_batched throughput)"
echo "  diagnostic, raw on 16 connections (the service's pool size): GetEvent" \
  "$(field raw_get_pool throughput)/s, create $(field raw_create_pool throughput)/s"
echo "  diagnostic, raw creates 16 to a transaction (as the store groups them: one head lock" \
  "and one WAL flush for 16): $(field raw_create_grouped throughput) events/s"
echo "  latency at 64 (PostgreSQL medians):"
echo "    CreateEvent one replica $(latency pg_create1); two replicas $(latency pg_create2);" \
  "raw $(latency raw_create)"
echo "    GetEvent $(latency pg_get); raw $(latency raw_get)"
echo "    ListEvents $(latency pg_list); raw $(latency raw_list)"
echo "    SQLite: CreateEvent p50 $(field sqlite_create p50_ms) / p99 $(field sqlite_create p99_ms)" \
  "ms; GetEvent p50 $(field sqlite_get p50_ms) / p99 $(field sqlite_get p99_ms) ms;" \
  "ListEvents p50 $(field sqlite_list p50_ms) / p99 $(field sqlite_list p99_ms) ms"
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Ratios (PostgreSQL service / the engine's own rate)"
printf "  %-40s = %5s  (target >= 0.50)  %s   rounds: %s\n" "CreateEvent, one replica / raw" \
  "$r_create1" "$(verdict "$r_create1" 0.5)" "$(rounds_of pg_create1 raw_create)"
printf "  %-40s = %5s  (target >= 0.50)  %s   rounds: %s\n" "CreateEvent, two replicas / raw" \
  "$r_create2" "$(verdict "$r_create2" 0.5)" "$(rounds_of pg_create2 raw_create)"
echo "    (diagnostic: the service groups a replica's concurrent creates; against the raw creates" \
  "16 to a transaction: one replica $(ratio "$(median_field pg_create1 throughput)" \
  "$(field raw_create_grouped throughput)"), two $(ratio "$(median_field pg_create2 throughput)" \
  "$(field raw_create_grouped throughput)"))"
printf "  %-40s = %5s  (target >= 0.50)  %s   rounds: %s\n" "GetEvent / raw" "$r_get" \
  "$(verdict "$r_get" 0.5)" "$(rounds_of pg_get raw_get)"
echo "    (were a GetEvent to cost these shared cores an empty RPC plus a raw read: $get_additive)"
printf "  %-40s = %5s  (no target)              rounds: %s\n" "ListEvents / raw" "$r_list" \
  "$(rounds_of pg_list raw_list)"
printf "  %-40s = %5s  (target >= 0.50)  %s   (the faster raw COPY: %s events/s)\n" \
  "ImportEvents / raw COPY" "$r_import" "$(verdict "$r_import" 0.5)" "$raw_copy_best"
echo "    (diagnostic: the store's INSERT-unnest statements / raw COPY, both in 500-row" \
  "transactions: $(ratio "$(field raw_unnest_batched throughput)" "$(field raw_copy_batched throughput)"))"
printf "  %-40s = %5s  (beside: SQLite's own target >= 0.50)\n" \
  "SQLite ImportEvents / raw SQLite inserts" "$r_sqlite_import"
