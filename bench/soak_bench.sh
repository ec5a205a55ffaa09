#!/usr/bin/env bash
# The soak benchmark (issue 18, item 5): SOAK_MINUTES (30) of steady mixed load through the
# gateway (tests/e2e/chaos_load.js with no faults: creates with request_ids, updates, deletes,
# imports, gets, lists, aggregates, one follow watcher) on the system scripts/run.sh starts
# (SQLite, a private var dir, free ports). Every SOAK_INTERVAL seconds (60) it prints, for Redis
# and each service, its resident memory, threads and open file descriptors, the data and WAL
# file sizes, the calls so far and the errors so far. At the end the load's own checks run
# (nothing acknowledged lost, the watcher saw every change once, stats equal the store) and it
# prints each process's growth since the end of minute SOAK_SETTLE_MINUTES (5), next to what
# the data written since then explains. Exit status 0 when the target holds: 0 errors, no thread
# of Lookout's own added, gRPC's on-demand pools within the load's concurrency, descriptors not
# growing, and anonymous memory (the heap; mapped database pages are the kernel's to drop)
# growing within what the data explains.
#   bench/soak_bench.sh                      # 30 minutes
#   SOAK_MINUTES=3 SOAK_SETTLE_MINUTES=1 SOAK_INTERVAL=20 bench/soak_bench.sh   # a quick try
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/e2e/run_sh_demo_lib.sh"
MINUTES=${SOAK_MINUTES:-30}
SETTLE=${SOAK_SETTLE_MINUTES:-5}
INTERVAL=${SOAK_INTERVAL:-60}
WORKERS=${SOAK_WORKERS:-4}
# Bytes of memory one more event may cost a process that keeps every event in memory (the stats
# read model: about 80 per event, README "Statistics"), with room for its hash tables doubling.
STATS_BYTES_PER_EVENT=${SOAK_STATS_BYTES_PER_EVENT:-256}
# Allocator and page-cache noise any process may show between two samples.
SLACK_KB=${SOAK_SLACK_KB:-32768}

run_sh_private_env
export LOOKOUT_LOAD_DEMO=0
unset LOOKOUT_STORE LOOKOUT_DATABASE_URL LOOKOUT_DATABASE_PASSWORD_FILE LOOKOUT_BACKEND_REPLICAS
export LOOKOUT_RATE_LIMITS=READER=100000:100000,EDITOR=100000:100000,ADMIN=100000:100000
PHASE_FILE=$LOOKOUT_VAR_DIR/phase
LOAD_OUT=$LOOKOUT_VAR_DIR/load.json
LOAD_PID=
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
  "$ROOT/scripts/run.sh" stop >/dev/null 2>&1
  [ "${SOAK_KEEP:-0}" = 1 ] && echo "kept: $LOOKOUT_VAR_DIR" || rm -rf "$LOOKOUT_VAR_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "soak: run.sh start failed"; exit 1; }
set -a; source "$LOOKOUT_VAR_DIR/dev-keys.env"; set +a
echo soak >"$PHASE_FILE"
LOOKOUT_GATEWAY_ADDR=127.0.0.1:$LOOKOUT_GATEWAY_PORT LOOKOUT_PHASE_FILE=$PHASE_FILE \
  LOOKOUT_LOAD_WORKERS=$WORKERS node "$ROOT/tests/e2e/chaos_load.js" >"$LOAD_OUT" &
LOAD_PID=$!
for _ in $(seq 300); do [ -f "$PHASE_FILE.ready" ] && break; sleep 0.1; done
[ -f "$PHASE_FILE.ready" ] || { cat "$LOAD_OUT"; echo "soak: the load did not start"; exit 1; }

PROCESSES=(redis gateway event actor stats)
pid_of() {
  if [ "$1" = redis ]; then redis-cli -p "$LOOKOUT_REDIS_PORT" info server 2>/dev/null |
    sed -n 's/^process_id:\([0-9]*\).*/\1/p'; else cat "$LOOKOUT_VAR_DIR/run/$1.pid"; fi
}
# "rss_kb anon_kb threads fds" of pid $1. RssAnon is the process's own memory; the rest of VmRSS
# is mapped files (the event service maps its database), which the kernel fills and drops.
sample_process() {
  local rss anon threads fds
  rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null)
  anon=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null)
  threads=$(sed -n 's/^Threads:[[:space:]]*\([0-9]*\)/\1/p' "/proc/$1/status" 2>/dev/null)
  fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
  echo "${rss:-0} ${anon:-0} ${threads:-0} $fds"
}

# "name:count ..." of the threads of pid $1, by the name each thread gives itself (gRPC's pools,
# SQLite's writer and sync threads), so a change in the count says which pool moved.
thread_names() {
  cat /proc/"$1"/task/*/comm 2>/dev/null | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
}

# The pools whose thread counts differ between two thread_names lists $1 and $2.
thread_name_changes() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, ":"); before[kv[1]] = kv[2]; seen[kv[1]] = 1 }
    n = split(b, y, " "); for (i = 1; i <= n; i++) { split(y[i], kv, ":"); after[kv[1]] = kv[2]; seen[kv[1]] = 1 }
    for (k in seen) if (before[k] + 0 != after[k] + 0) printf "%s %d->%d ", k, before[k], after[k] }'
}

# gRPC's on-demand thread pools: they add a thread when every one is busy and may keep it (the
# sync servers keep their high-water mark: MAX_POLLERS -1 in common/server_runner.cc), so they
# follow the calls in flight at once, which the load bounds. Every other thread is Lookout's own.
GRPC_POOLS="default-executo event_engine grpcpp_sync_ser"
# The threads in gRPC's pools (in_pools=1) or outside them (0) in a thread_names list $1.
threads_in_pools() {
  awk -v list="$1" -v pools="$GRPC_POOLS" -v in_pools="$2" 'BEGIN {
    n = split(pools, p, " "); for (i = 1; i <= n; i++) pool[p[i]] = 1
    n = split(list, x, " "); total = 0
    for (i = 1; i <= n; i++) { split(x[i], kv, ":"); if ((kv[1] in pool) == in_pools) total += kv[2] }
    print total }'
}
file_kb() { local f=$1; [ -f "$f" ] && echo $(( $(stat -c %s "$f") / 1024 )) || echo 0; }
# Calls of the load that succeeded and failed so far, from the load's counts file (by the phase
# they started in; the final checks, "verify", read deleted events on purpose).
calls() {
  /usr/bin/python3 -c "
import json, sys
try: d = json.load(open(sys.argv[1]))
except Exception: print('0 0'); sys.exit()
load = lambda b: not (b.startswith('stop') or b == 'verify')
print(sum(n for b, n in d.get('ok', {}).items() if load(b)),
      sum(sum(c.values()) for b, c in d.get('codes', {}).items() if load(b)))" \
    "$PHASE_FILE.codes"
}
event_count() {
  local key=$LOOKOUT_READER_KEY
  "$ROOT/node_modules/.bin/buf" curl --protocol grpc --http2-prior-knowledge --timeout 10s \
    -H "authorization: Bearer $key" --data '{"pageSize":1}' \
    "http://127.0.0.1:$LOOKOUT_GATEWAY_PORT/lookout.event.v1.EventService/ListEvents" 2>/dev/null |
    /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin).get('totalSize', 0))" 2>/dev/null || echo 0
}

DATA=$LOOKOUT_VAR_DIR/data
declare -A BASE_RSS BASE_ANON BASE_THREADS BASE_FDS BASE_NAMES LAST_NAMES
base_events=0 base_db_kb=0
printf "%-5s %-8s %s\n" min process "rss_kb threads fds"
samples=$(( MINUTES * 60 / INTERVAL ))
for i in $(seq "$samples"); do
  sleep "$INTERVAL"
  elapsed=$(( i * INTERVAL ))
  read -r ok failed < <(calls)
  events=$(event_count)
  event_db=$(file_kb "$DATA/event.db") event_wal=$(file_kb "$DATA/event.db-wal")
  actor_db=$(file_kb "$DATA/actor.db") actor_wal=$(file_kb "$DATA/actor.db-wal")
  line="t=${elapsed}s calls ok $ok failed $failed events $events | files kB: event.db $event_db wal $event_wal actor.db $actor_db wal $actor_wal |"
  for name in "${PROCESSES[@]}"; do
    read -r rss anon threads fds < <(sample_process "$(pid_of "$name")")
    line+=" $name rss ${rss}kB anon ${anon}kB thr $threads fd $fds;"
    if [ "$elapsed" -eq $(( SETTLE * 60 )) ] || { [ "$elapsed" -gt $(( SETTLE * 60 )) ] && [ -z "${BASE_RSS[$name]:-}" ]; }; then
      BASE_RSS[$name]=$rss BASE_ANON[$name]=$anon BASE_THREADS[$name]=$threads BASE_FDS[$name]=$fds
      BASE_NAMES[$name]=$(thread_names "$(pid_of "$name")")
      base_events=$events base_db_kb=$(( event_db + event_wal ))
    fi
    LAST_NAMES[$name]=$(thread_names "$(pid_of "$name")")
    eval "last_anon_$name=$anon last_rss_$name=$rss last_threads_$name=$threads last_fds_$name=$fds"
  done
  echo "$line"
done

echo stop >"$PHASE_FILE"
wait "$LOAD_PID"
load_status=$?
LOAD_PID=
report=$(cat "$LOAD_OUT")
read -r ok failed < <(calls)
events=$(event_count)
event_db=$(( $(file_kb "$DATA/event.db") + $(file_kb "$DATA/event.db-wal") ))

echo
echo "== soak: $MINUTES min, $WORKERS workers and a follow watcher; growth after minute $SETTLE"
verdict=0
written=$(( events - base_events ))
db_growth=$(( event_db - base_db_kb ))
echo "  calls: ok $ok, failed $failed; events in the store $events ($written more since minute $SETTLE); events.db+wal grew ${db_growth} kB"
[ "$failed" -eq 0 ] || { echo "  FAIL: $failed calls failed"; verdict=1; }
[ "$load_status" -eq 0 ] || { echo "  FAIL: the load's checks: ${report:0:600}"; verdict=1; }
# The most calls the load can have in flight at one process: each worker makes one call at a
# time, plus the watcher's stream and the stats service's feed.
MAX_IN_FLIGHT=$(( WORKERS + 2 ))
for name in "${PROCESSES[@]}"; do
  eval "rss=\$last_rss_$name anon=\$last_anon_$name threads=\$last_threads_$name fds=\$last_fds_$name"
  base_rss=${BASE_RSS[$name]:-$rss} base_anon=${BASE_ANON[$name]:-$anon}
  base_threads=${BASE_THREADS[$name]:-$threads} base_fds=${BASE_FDS[$name]:-$fds}
  grew=$(( anon - base_anon ))
  # What the data explains: the stats read model holds every event in the heap. The event
  # service's database pages are mapped (SQLite mmap), so they show in VmRSS, not in RssAnon.
  explained=0
  [ "$name" = stats ] && explained=$(( written * STATS_BYTES_PER_EVENT / 1024 ))
  per_event=n/a
  [ "$written" -gt 0 ] && per_event=$(( grew * 1024 / written ))
  status=ok
  if [ "$grew" -gt $(( explained + SLACK_KB )) ]; then status="FAIL (beyond ${explained} kB + ${SLACK_KB} kB slack)"; verdict=1; fi
  own_before=$(threads_in_pools "${BASE_NAMES[$name]:-}" 0) own_after=$(threads_in_pools "${LAST_NAMES[$name]:-}" 0)
  pools_before=$(threads_in_pools "${BASE_NAMES[$name]:-}" 1) pools_after=$(threads_in_pools "${LAST_NAMES[$name]:-}" 1)
  if [ "$own_after" -gt "$own_before" ]; then
    status="$status; FAIL Lookout's own threads $own_before->$own_after"; verdict=1
  fi
  if [ "$pools_after" -gt $(( pools_before + MAX_IN_FLIGHT )) ]; then
    status="$status; FAIL gRPC pool threads $pools_before->$pools_after (beyond the $MAX_IN_FLIGHT calls the load can have in flight)"; verdict=1
  fi
  if [ "$fds" -gt $(( base_fds + 4 )) ]; then status="$status; FAIL fds $base_fds->$fds"; verdict=1; fi
  printf "  %-8s anon %7s kB -> %7s kB (%+d kB, %s B per event written; explained %d kB; rss %s -> %s kB)  threads %s->%s (own %s->%s, gRPC pools %s->%s)  fds %s->%s  %s\n" \
    "$name" "$base_anon" "$anon" "$grew" "$per_event" "$explained" "$base_rss" "$rss" \
    "$base_threads" "$threads" "$own_before" "$own_after" "$pools_before" "$pools_after" "$base_fds" "$fds" "$status"
  moved=$(thread_name_changes "${BASE_NAMES[$name]:-}" "${LAST_NAMES[$name]:-}")
  [ -z "$moved" ] || echo "           threads that moved, by name: $moved"
done
[ "$verdict" -eq 0 ] && echo "== soak: PASS" || echo "== soak: BELOW TARGET"
exit "$verdict"
