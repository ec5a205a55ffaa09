#!/usr/bin/env bash
# End to end for the stats service: the real lookout-actor, lookout-event and lookout-stats
# binaries and a private redis-server on free ports, called with buf curl through reflection.
# Checks listing, health (NOT_SERVING until the read model caught up), aggregations following
# writes, observations and summaries, bad input and a missing token, Prometheus metrics, a
# kill -9 of the stats service (rebuilt from the change log on restart, observations kept), and
# a restart of the event service (the feed resumes).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

BIN=${LOOKOUT_BUILD_DIR:-$ROOT/build}/services
VAR=$(mktemp -d /tmp/lookout-stats-e2e-XXXXXX)
LOOKOUT_INTERNAL_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export LOOKOUT_INTERNAL_TOKEN
RP=$(free_port) AP=$(free_port) EP=$(free_port) SP=$(free_port) SMP=$(free_port)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  [ -f "$VAR/redis.pid" ] && kill -9 "$(cat "$VAR/redis.pid")" 2>/dev/null
  rm -rf "$VAR"
}
trap cleanup EXIT
for binary in actor/lookout-actor event/lookout-event stats/lookout-stats; do
  [ -x "$BIN/$binary" ] || { echo "FAIL: $BIN/$binary is not built"; exit 1; }
done

# py EXPR: evaluates EXPR with d = the JSON document on stdin.
py() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# state PORT SERVICE -> SERVING / NOT_SERVING / DOWN
state() {
  local out
  out=$("$BUF" curl --protocol grpc --http2-prior-knowledge --timeout 2s \
    --data "{\"service\":\"$2\"}" "http://127.0.0.1:$1/grpc.health.v1.Health/Check" 2>/dev/null) || {
    echo DOWN; return; }
  grep -q '"SERVING"' <<<"$out" && echo SERVING || echo NOT_SERVING
}
wait_serving() {  # PORT SERVICE
  for _ in $(seq 150); do [ "$(state "$1" "$2")" = SERVING ] && return 0; sleep 0.1; done
  return 1
}
start_event() {
  "$BIN/event/lookout-event" --host 127.0.0.1 --port "$EP" --metrics_port -1 \
    --data_dir "$VAR/data" --actor_addr "127.0.0.1:$AP" --redis_addr "127.0.0.1:$RP" \
    >>"$VAR/event.log" 2>&1 &
  EVENT_PID=$!
  PIDS+=("$EVENT_PID")
}
start_stats() {
  "$BIN/stats/lookout-stats" --host 127.0.0.1 --port "$SP" --metrics_port "$SMP" \
    --data_dir "$VAR/data" --event_addr "127.0.0.1:$EP" --redis_addr "127.0.0.1:$RP" \
    --drain_grace_seconds 1 >>"$VAR/stats.log" 2>&1 &
  STATS_PID=$!
  PIDS+=("$STATS_PID")
}
S=lookout.stats.v1.StatsService
E=lookout.event.v1.EventService

redis-server --port "$RP" --bind 127.0.0.1 --daemonize yes --pidfile "$VAR/redis.pid" \
  --save "" --appendonly no --dir "$VAR" --logfile "$VAR/redis.log" >/dev/null
"$BIN/actor/lookout-actor" --host 127.0.0.1 --port "$AP" --metrics_port -1 \
  --data_dir "$VAR/data" >>"$VAR/actor.log" 2>&1 &
PIDS+=("$!")
start_event
wait_serving "$AP" lookout.actor.v1.ActorService && wait_serving "$EP" "$E" ||
  { echo "FAIL: actor or event service not serving"; tail -5 "$VAR"/*.log; exit 1; }

actor=$(call "$AP" lookout.actor.v1.ActorService/CreateActor \
  '{"actor":{"name":"Viv Ansanm","type":"ACTOR_TYPE_POLITICAL_MILITIA","countryCode":"HTI"}}' |
  json_field "['actor']['id']")
create_event() {  # DATE KILLED -> id
  call "$EP" "$E/CreateEvent" "{\"event\":{\"eventDate\":\"$1\",\"eventType\":\"EVENT_TYPE_BATTLES\",\"subEventType\":\"Armed clash\",\"participants\":[{\"actorId\":\"$actor\",\"role\":\"PARTICIPANT_ROLE_PRIMARY\"}],\"location\":{\"countryCode\":\"HTI\",\"admin1\":\"Ouest\"},\"casualties\":[{\"kind\":\"CASUALTY_KIND_KILLED\",\"count\":{\"best\":\"$2\"}}],\"notes\":\"gang attack near the market\"}}" |
    json_field "['event']['id']"
}
create_event 2024-01-05 3 >/dev/null
create_event 2024-03-10 4 >/dev/null

# The event service is stopped before the stats service starts: it cannot catch up, so health
# says NOT_SERVING and aggregations are UNAVAILABLE (14 -> 112) rather than wrong.
kill -TERM "$EVENT_PID"; wait "$EVENT_PID" 2>/dev/null
start_stats
sleep 1
expect_eq "$(state "$SP" "$S")" NOT_SERVING "stats is NOT_SERVING before its first catch-up"
call "$SP" "$S/AggregateEvents" '{}' >/dev/null 2>&1
expect_eq "$?" 112 "AggregateEvents before the catch-up is UNAVAILABLE"
start_event
wait_serving "$SP" "$S" && pass "stats SERVING once caught up" || fail "stats SERVING once caught up"

methods=$("$BUF" curl --protocol grpc --http2-prior-knowledge --list-methods "http://127.0.0.1:$SP")
for m in AggregateEvents GetTrends RecordObservation GetObservation ListObservations \
  DeleteObservation SummarizeMetric ListObservationRevisions; do
  grep -qx "$S/$m" <<<"$methods" && pass "stats lists $m" || fail "stats lists $m"
done
grep -qx "grpc.health.v1.Health/Check" <<<"$methods" && pass "stats lists health" ||
  fail "stats lists health"

total() {  # AggregateEvents total_events for the body $1
  call "$SP" "$S/AggregateEvents" "$1" | json_field ".get('totalEvents', '0')"
}
expect_eq "$(total '{}')" 2 "aggregate counts the events written before the start"
rows=$(call "$SP" "$S/AggregateEvents" \
  '{"groupBy":["DIMENSION_MONTH"],"fillGaps":true,"filter":{"dateRange":{"startDate":"2024-01-01","endDate":"2024-04-30"}}}' |
  py "[r['keys'][0] + '=' + r.get('eventCount', '0') for r in d['rows']]")
expect_eq "$rows" "['2024-01=1', '2024-02=0', '2024-03=1', '2024-04=0']" "months with gaps filled"

# A write shows up promptly (the contract's bound is a second; buf curl's own start-up is
# most of what this loop waits for).
create_event 2024-03-11 5 >/dev/null
seen=no
for _ in $(seq 20); do [ "$(total '{}')" = 3 ] && { seen=yes; break; }; sleep 0.1; done
expect_eq "$seen" yes "a new event is aggregated"
top=$(call "$SP" "$S/AggregateEvents" \
  '{"groupBy":["DIMENSION_ACTOR"],"orderBy":"event_count desc","limit":20}' | json_field "['rows'][0]['keys'][0]")
expect_eq "$top" "$actor" "top actors by event count"
trend=$(call "$SP" "$S/GetTrends" \
  '{"endDate":"2024-03-31","windowDays":31,"dimension":"DIMENSION_EVENT_TYPE"}' | json_field "['rows'][0]['currentEvents']")
expect_eq "$trend" 2 "GetTrends counts the current window"
text=$(total '{"filter":{"text":"market"}}')
expect_eq "$text" 3 "a full-text filter is answered through the event service"

obs=$(call "$SP" "$S/RecordObservation" \
  '{"requestId":"e2e-1","observation":{"metric":"METRIC_KILLED","value":{"best":"20","qualifier":"QUALIFIER_APPROXIMATELY"},"unit":"UNIT_PERSONS","period":{"startDate":"2024-03-01","endDate":"2024-03-31"},"periodKind":"PERIOD_KIND_INTERVAL","countryCode":"HTI","source":{"name":"BINUH"}}}' |
  json_field "['observation']['id']")
[ -n "$obs" ] && pass "observation recorded" || fail "observation recorded"
summary=$(call "$SP" "$S/SummarizeMetric" \
  '{"metric":"METRIC_KILLED","countryCode":"HTI","period":{"startDate":"2024-03-01","endDate":"2024-03-31"}}')
expect_eq "$(json_field "['summary']['computedFromEvents']" <<<"$summary")" 9 "summary adds up the events"
grep -q "BINUH reports about 20 but the recorded events add up to 9" <<<"$summary" &&
  pass "summary notes the disagreement" || fail "summary notes the disagreement: $summary"

call "$SP" "$S/RecordObservation" \
  '{"observation":{"metric":"METRIC_KILLED","value":{"best":"5","low":"9"},"unit":"UNIT_PERSONS","period":{"startDate":"2024-03-01"},"periodKind":"PERIOD_KIND_POINT_IN_TIME","countryCode":"HTI","source":{"name":"X"}}}' >/dev/null 2>&1
expect_eq "$?" 24 "an observation with low above best is INVALID_ARGUMENT"
listed=$(call "$SP" "$S/ListObservations" '{}' | py "len(d.get('observations', []))")
expect_eq "$listed" 1 "nothing was written by the rejected observation"
call "$SP" "$S/AggregateEvents" '{"groupBy":["DIMENSION_DAY","DIMENSION_DAY"]}' >/dev/null 2>&1
expect_eq "$?" 24 "a repeated dimension is INVALID_ARGUMENT"
"$BUF" curl --protocol grpc --http2-prior-knowledge --data '{}' \
  "http://127.0.0.1:$SP/$S/AggregateEvents" >/dev/null 2>&1
expect_eq "$?" 128 "a call without the internal token is UNAUTHENTICATED"

# The same question twice at the same sequence: the second answer comes from Redis.
call "$SP" "$S/AggregateEvents" '{"groupBy":["DIMENSION_YEAR"]}' >/dev/null
call "$SP" "$S/AggregateEvents" '{"groupBy":["DIMENSION_YEAR"]}' >/dev/null
metrics=$(curl -s "http://127.0.0.1:$SMP/metrics")
grep -q 'grpc_server_handled_total{grpc_code="OK",grpc_method="AggregateEvents",grpc_service="lookout.stats.v1.StatsService",grpc_type="unary"}' <<<"$metrics" &&
  pass "metrics count stats requests" || fail "metrics count stats requests"
grep -q 'lookout_cache_requests_total{cache="stats_aggregate",outcome="hit"}' <<<"$metrics" &&
  pass "repeated aggregate questions hit the Redis cache" || fail "aggregate cache hits in metrics"

# kill -9: the restarted stats service rebuilds from the change log and keeps its observations.
kill -9 "$STATS_PID"; wait "$STATS_PID" 2>/dev/null
start_stats
wait_serving "$SP" "$S" && pass "stats serving after kill -9" || fail "stats serving after kill -9"
expect_eq "$(total '{}')" 3 "rebuilt read model counts every event once"
got=$(call "$SP" "$S/GetObservation" "{\"id\":\"$obs\"}" | json_field "['observation']['id']")
expect_eq "$got" "$obs" "observation survives kill -9"

# The event service restarts: the feed reconnects and resumes after the last change it applied.
kill -TERM "$EVENT_PID"; wait "$EVENT_PID" 2>/dev/null
start_event
wait_serving "$EP" "$E" || fail "event service back"
create_event 2024-03-12 6 >/dev/null
seen=no
for _ in $(seq 50); do [ "$(total '{}')" = 4 ] && { seen=yes; break; }; sleep 0.1; done
expect_eq "$seen" yes "the feed resumes after the event service restarts"

finish
