#!/usr/bin/env bash
# The rollout test: LOOKOUT_STORE=postgres LOOKOUT_BACKEND_REPLICAS=2 scripts/run.sh (a private
# var dir, its own PostgreSQL server, free ports), steady load through the gateway
# (rollout_load.js: creates with request_ids, gets, lists, aggregates, situation reports, one
# follow watcher), then:
#   1. `scripts/run.sh rollout`: every event, actor and stats replica in turn gets SIGTERM, is
#      started again and waited for until SERVING. Expected: no failed call.
#   2. one replica of each backend killed with SIGKILL, then started again. Expected: only calls
#      in flight on the killed process may fail (at most one per load worker per kill, and only
#      UNAVAILABLE).
# Then: every acknowledged create is readable and its request_id applied once, and the watcher
# saw every change exactly once (rollout_load.js checks; it exits non-zero otherwise). The counts
# are printed. Only the contract is asserted, no timing.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/run_sh_demo_lib.sh"
BUILD_DIR=${LOOKOUT_BUILD_DIR:-$ROOT/build}
WORKERS=4

# A free port p whose p + step is free too (replica 2 listens there).
free_port_pair() {
  local step=$1 port
  for _ in $(seq 50); do
    port=$(free_port)
    /usr/bin/python3 -c "import socket,sys; s=socket.socket(); s.bind(('0.0.0.0', int(sys.argv[1])))" \
      "$((port + step))" 2>/dev/null && { echo "$port"; return; }
  done
  return 1
}

run_sh_private_env
chmod 755 "$LOOKOUT_VAR_DIR"  # the PostgreSQL server runs as "postgres" when we are root
export LOOKOUT_STORE=postgres LOOKOUT_BACKEND_REPLICAS=2 LOOKOUT_LOAD_DEMO=0
export LOOKOUT_REPLICA_PORT_STEP=7
unset LOOKOUT_DATABASE_URL LOOKOUT_DATABASE_PASSWORD_FILE
for name in ACTOR EVENT STATS; do
  export "LOOKOUT_${name}_PORT=$(free_port_pair "$LOOKOUT_REPLICA_PORT_STEP")"
  export "LOOKOUT_${name}_METRICS_PORT=$(free_port_pair "$LOOKOUT_REPLICA_PORT_STEP")"
done
# The load is the point, not the limits.
export LOOKOUT_RATE_LIMITS=READER=100000:100000,EDITOR=100000:100000,ADMIN=100000:100000
# No HTTP/JSON listener here: its default port (8080) would clash between parallel tests.
export LOOKOUT_HTTP_PORT=-1
PHASE_FILE=$LOOKOUT_VAR_DIR/phase
LOAD_OUT=$LOOKOUT_VAR_DIR/load.json
LOAD_PID=
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
  "$ROOT/scripts/run.sh" stop >/dev/null 2>&1
  rm -rf "$LOOKOUT_VAR_DIR"
}
trap cleanup EXIT

# A malformed address list stops each binary at start-up, naming the flag and the rule.
BIN=$BUILD_DIR/services
out=$(env -i "$BIN/gateway/lookout-gateway" --internal_token=t --api_keys="k READER 00" \
  --redis_addr= --event_addr=127.0.0.1:7001,127.0.0.1:x 2>&1)
expect_eq "$?:$out" "2:invalid configuration: --event_addr (LOOKOUT_EVENT_ADDR): item 2: \"127.0.0.1:x\" has no port in 1..65535; want host:port, a comma-separated list of IP:port (127.0.0.1:7001,127.0.0.1:7002) or a gRPC target (dns:///lookout-event:50052)" \
  "the gateway refuses a list item without a port"
out=$(env -i "$BIN/stats/lookout-stats" --internal_token=t --event_addr=127.0.0.1:7001,localhost:7002 2>&1)
expect_eq "$?" 2 "stats refuses a list holding a name"
grep -q -- '--event_addr (LOOKOUT_EVENT_ADDR): item 2 "localhost:7002": a list takes IP addresses only' <<<"$out" \
  && pass "naming --event_addr and the rule" || fail "stats' error names the flag and the rule: $out"
out=$(env -i "$BIN/event/lookout-event" --internal_token=t --actor_addr=127.0.0.1:7001,[::1]:7002 2>&1)
expect_eq "$?" 2 "the event service refuses a list mixing address families"
grep -q -- '--actor_addr (LOOKOUT_ACTOR_ADDR): item 2 "\[::1\]:7002": a list takes one address family' <<<"$out" \
  && pass "naming --actor_addr and the rule" || fail "event's error names the flag and the rule: $out"
out=$(LOOKOUT_STORE=sqlite "$ROOT/scripts/run.sh" start 2>&1)
expect_eq "$?" 2 "run.sh refuses replicas on SQLite"
expect_eq "$out" "run.sh: LOOKOUT_BACKEND_REPLICAS=2 needs LOOKOUT_STORE=postgres (replicas share one database)" \
  "saying why"

started=$(date +%s)
out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "FAIL: run.sh start with 2 replicas"; exit 1; }
status=$("$ROOT/scripts/run.sh" status)
for name in actor actor-2 event event-2 stats stats-2 gateway; do
  grep -q "^$name: running .*: SERVING" <<<"$status" && pass "$name runs and is SERVING" \
    || fail "$name runs and is SERVING: $status"
done
grep -q "event_addr.*127.0.0.1:$LOOKOUT_EVENT_PORT,127.0.0.1:$((LOOKOUT_EVENT_PORT + 7))" \
  "$LOOKOUT_VAR_DIR/log/gateway.log" && pass "the gateway is given both event replicas" \
  || fail "the gateway's event_addr lists both replicas"

set -a; source "$LOOKOUT_VAR_DIR/dev-keys.env"; set +a
echo warmup >"$PHASE_FILE"
LOOKOUT_GATEWAY_ADDR=127.0.0.1:$LOOKOUT_GATEWAY_PORT LOOKOUT_PHASE_FILE=$PHASE_FILE \
  LOOKOUT_LOAD_WORKERS=$WORKERS node "$ROOT/tests/e2e/rollout_load.js" >"$LOAD_OUT" &
LOAD_PID=$!
for _ in $(seq 300); do [ -f "$PHASE_FILE.ready" ] && break; kill -0 "$LOAD_PID" 2>/dev/null || break; sleep 0.1; done
[ -f "$PHASE_FILE.ready" ] || { cat "$LOAD_OUT"; fail "the load started"; finish; exit 1; }
sleep 2

# --- 1. a rolling restart with SIGTERM -------------------------------------------------------
echo rollout >"$PHASE_FILE"
rollout=$("$ROOT/scripts/run.sh" rollout 2>&1)
rollout_status=$?
echo "$rollout" | sed 's/^/  rollout: /'
expect_eq "$rollout_status" 0 "scripts/run.sh rollout restarted every backend replica"
sleep 1
echo settle >"$PHASE_FILE"
sleep 1

# --- 2. one replica of each killed with SIGKILL and started again ----------------------------
echo kill >"$PHASE_FILE"
for name in event-2 actor-2 stats-2; do
  kill -KILL "$(cat "$LOOKOUT_VAR_DIR/run/$name.pid")"
  sleep 0.5
  out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; fail "$name started again after SIGKILL"; }
  grep -q "^$name: started" <<<"$out" && pass "$name killed and started again" \
    || fail "$name killed and started again: $out"
done
sleep 1
echo after >"$PHASE_FILE"
sleep 2
echo stop >"$PHASE_FILE"
wait "$LOAD_PID"
load_status=$?
LOAD_PID=

report=$(cat "$LOAD_OUT")
/usr/bin/python3 - "$LOAD_OUT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if "error" in r:
    print("load error:", r["error"]); sys.exit(0)
print("rollout test counts:")
for bucket, t in r["totals"].items():
    print(f"  phase {bucket:16} ok {t['ok']:6}  failed {t['failed']}")
print(f"  acknowledged creates {r['acknowledgedCreates']}, readable afterwards {r['readable']}, "
      f"request_ids replayed to the same event {r['replayedSame']}")
print(f"  watcher: {r['watched']} changes, last sequence {r['lastWatched']} (head {r['head']}), "
      f"gaps {r['gaps']}, repeats {r['repeats']}, streams {r['watchStreams']}, "
      f"stream ends {r['watchEnds']}")
for f in r["failures"]:
    print(f"  failed: {f}")
for p in r["problems"]:
    print(f"  problem: {p}")
PY
expect_eq "$load_status" 0 "every acknowledged create readable, request_ids applied once, the watcher saw every change once"

# Failures by the phase they started and ended in: none while only SIGTERM was used.
count_failed() {  # python predicate on the bucket name
  /usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print(sum(t['failed'] for b, t in r.get('totals', {}).items() if $2))" "$LOAD_OUT" 2>/dev/null
}
expect_eq "$(count_failed "$LOAD_OUT" "'kill' not in b and 'after' not in b and 'stop' not in b")" 0 \
  "no call failed during warm-up and the SIGTERM rollout"
kill_failed=$(count_failed "$LOAD_OUT" "'kill' in b or 'after' in b")
[ -n "$kill_failed" ] && [ "$kill_failed" -le $((3 * WORKERS)) ] \
  && pass "with SIGKILL at most the calls in flight failed ($kill_failed, at most $((3 * WORKERS)))" \
  || fail "with SIGKILL at most the calls in flight may fail: $kill_failed"
other_codes=$(/usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print(len([f for f in r.get('failures', []) if f['code'] != 'UNAVAILABLE']))" "$LOAD_OUT" 2>/dev/null)
expect_eq "$other_codes" 0 "every failed call is UNAVAILABLE"
ok_total=$(/usr/bin/python3 -c "
import json, sys
print(sum(t['ok'] for t in json.load(open(sys.argv[1])).get('totals', {}).values()))" "$LOAD_OUT" 2>/dev/null)
[ "${ok_total:-0}" -gt 100 ] && pass "the load made $ok_total successful calls" \
  || fail "the load made too few calls to mean anything: ${ok_total:-0}"
# Each stats replica followed the change log across the event replicas' restarts and its own:
# from its last applied sequence, nothing skipped, nothing counted twice (every change is a create).
LOOKOUT_INTERNAL_TOKEN=$(cat "$LOOKOUT_VAR_DIR/secrets/internal-token")
watched=$(/usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r.get('watched', 0), r.get('lastWatched', 0))" "$LOAD_OUT")
read -r changes last_sequence <<<"$watched"
for port in "$LOOKOUT_STATS_PORT" "$((LOOKOUT_STATS_PORT + LOOKOUT_REPLICA_PORT_STEP))"; do
  # as_of_sequence makes the replica wait (briefly) for the last change; asked again while it
  # is still behind on a slow machine.
  for _ in $(seq 30); do
    total=$(call "$port" lookout.stats.v1.StatsService/AggregateEvents \
      "{\"asOfSequence\":\"$last_sequence\"}" 2>/dev/null | json_field "['totalEvents']" 2>/dev/null)
    [ -n "$total" ] && break
    sleep 0.5
  done
  expect_eq "$total" "$changes" "the stats replica on port $port counts every event once"
done
echo "note: the rollout test took $(($(date +%s) - started)) s"
finish
