#!/usr/bin/env bash
# Request tracing end to end: scripts/run.sh starts the real binaries with the Haiti demo dataset
# (private var dir, free ports); one GetSituationReport through the gateway with a known W3C
# traceparent leaves that trace id in the gateway's, the event service's and the stats service's
# logs (a span id of its own on each line, a new one for every backend call of the fan-out); a
# report without traceparent (told its trace in the traceresponse trailer), and one with an
# invalid traceparent, each get a fresh trace that is followed the same way; the stats service's
# text matching and the event service's actor check pass the trace on; background work (the stats service's feed follower) logs without one.
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/run_sh_demo_lib.sh"

run_sh_private_env
cleanup() { "$ROOT/scripts/run.sh" stop >/dev/null 2>&1; rm -rf "$LOOKOUT_VAR_DIR"; }
trap cleanup EXIT

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "FAIL: run.sh start"; exit 1; }
source "$LOOKOUT_VAR_DIR/dev-keys.env"
LOGS=$LOOKOUT_VAR_DIR/log
REPORT=lookout.gateway.v1.GatewayService/GetSituationReport

# report FROM TO [extra buf args]: a situation report for Haiti through the gateway; prints it.
report() {
  local from=$1 to=$2
  shift 2
  "$ROOT/node_modules/.bin/buf" curl --protocol grpc --http2-prior-knowledge --timeout 20s \
    -H "authorization: Bearer $LOOKOUT_READER_KEY" "$@" \
    --data "{\"countryCode\":\"HTI\",\"period\":{\"startDate\":\"$from\",\"endDate\":\"$to\"}}" \
    "http://127.0.0.1:$LOOKOUT_GATEWAY_PORT/$REPORT"
}

# trace_lines SERVICE TRACE_ID: that service's log lines of the trace, one JSON object a line.
trace_lines() { grep -F "\"trace_id\":\"$2\"" "$LOGS/$1.log"; }

# field NAME: that field of every JSON line on stdin, one a line.
field() { /usr/bin/python3 -c "
import json, sys
for line in sys.stdin:
    print(json.loads(line).get(sys.argv[1], ''))" "$1"; }

# The trace id of the gateway's newest line for a situation report.
last_report_trace() {
  grep -F '"method":"/lookout.gateway.v1.GatewayService/GetSituationReport"' "$LOGS/gateway.log" |
    tail -n 1 | field trace_id
}

# expect_followed TRACE_ID WHAT: the trace is in the gateway's, the event service's and the stats
# service's logs, as the report's fan-out calls them.
expect_followed() {
  local trace=$1 what=$2 lines
  lines=$(trace_lines gateway "$trace")
  expect_contains "$lines" '"method":"/lookout.gateway.v1.GatewayService/GetSituationReport","code":"OK"' \
    "$what: the gateway logs the report with the trace id"
  lines=$(trace_lines event "$trace")
  expect_contains "$lines" '"method":"ListEvents","code":"OK"' \
    "$what: the event service logs the report's ListEvents with the trace id"
  lines=$(trace_lines stats "$trace")
  expect_contains "$lines" '"method":"AggregateEvents","code":"OK"' \
    "$what: the stats service logs the report's aggregations with the trace id"
  expect_contains "$lines" '"method":"ListObservations","code":"OK"' \
    "$what: the stats service logs the report's ListObservations with the trace id"
}

# --- a report with a known traceparent ---------------------------------------------------------
TRACE_ID=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
PARENT_ID=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
body=$(report 2022-10-01 2024-02-29 -H "traceparent: 00-$TRACE_ID-$PARENT_ID-01")
expect_eq "$?" 0 "the report with a traceparent is answered"
expect_contains "$body" '"eventCount": "4"' "the report has the demo's events"
expect_followed "$TRACE_ID" "known traceparent"

gateway_line=$(trace_lines gateway "$TRACE_ID" | grep -F GetSituationReport)
expect_eq "$(field parent_span_id <<<"$gateway_line")" "$PARENT_ID" \
  "the gateway logs the caller's span as the parent"
gateway_span=$(field span_id <<<"$gateway_line")
[[ $gateway_span =~ ^[0-9a-f]{16}$ && $gateway_span != "$PARENT_ID" ]] &&
  pass "the gateway has a span id of its own" || fail "gateway span id [$gateway_span]"

# Every backend call of the fan-out carried its own span id (sent as traceparent's parent-id),
# and each backend served it in a span of its own.
backend_lines=$(for service in event stats actor; do trace_lines "$service" "$TRACE_ID"; done)
calls=$(grep -c '"msg":"call served"' <<<"$backend_lines")
[ "$calls" -ge 5 ] && pass "the fan-out's $calls backend calls are all in the logs" ||
  fail "only $calls backend calls logged with the trace: $backend_lines"
expect_eq "$(field parent_span_id <<<"$backend_lines" | sort -u | wc -l)" "$calls" \
  "every backend call carried a span id of its own"
expect_eq "$(field span_id <<<"$backend_lines" | sort -u | wc -l)" "$calls" \
  "every backend call was served in a span of its own"
grep -qF "$gateway_span" <<<"$(field parent_span_id <<<"$backend_lines")" &&
  fail "a backend call reused the gateway's own span id" ||
  pass "no backend call reuses the gateway's span id"
all_lines=$(cat "$LOGS"/{gateway,event,stats,actor}.log | grep -F "$TRACE_ID")
expect_eq "$(grep -c '"span_id":"[0-9a-f]\{16\}"' <<<"$all_lines")" "$(wc -l <<<"$all_lines")" \
  "every line of the trace names its span"

# --- a report without traceparent gets a fresh trace, followed the same way ---------------------
report 2023-01-01 2024-12-31 -v >/dev/null 2>"$LOOKOUT_VAR_DIR/untraced.err"
expect_eq "$?" 0 "the report without traceparent is answered"
fresh=$(last_report_trace)
[[ $fresh =~ ^[0-9a-f]{32}$ && $fresh != "$TRACE_ID" ]] &&
  pass "the gateway starts a new trace" || fail "new trace id [$fresh]"
# The caller is told the trace in the trailing metadata (W3C traceresponse).
told=$(grep -io 'traceresponse: [0-9a-f-]*' "$LOOKOUT_VAR_DIR/untraced.err" | tail -n 1 | awk '{print $2}')
expect_eq "$(cut -d- -f2 <<<"$told")" "$fresh" "the traceresponse trailer names the new trace"
expect_followed "$fresh" "no traceparent"
expect_eq "$(trace_lines gateway "$fresh" | grep -F GetSituationReport | field parent_span_id)" "" \
  "a trace the gateway started has no parent span"

# --- an invalid traceparent is replaced by a new trace, not refused ------------------------------
UPPER=$(tr a-f A-F <<<"$TRACE_ID")
report 2022-01-01 2024-12-31 -H "traceparent: 00-$UPPER-$PARENT_ID-01" >/dev/null
expect_eq "$?" 0 "the report with an invalid traceparent is answered"
replaced=$(last_report_trace)
[[ $replaced =~ ^[0-9a-f]{32}$ && $replaced != "$TRACE_ID" && $replaced != "$fresh" ]] &&
  pass "an invalid traceparent starts a new trace" || fail "replacing trace id [$replaced]"
expect_followed "$replaced" "invalid traceparent"

# --- the backends pass the trace on to the services they call ----------------------------------
# gateway_call KEY Service/Method JSON TRACEPARENT: one call through the gateway.
gateway_call() {
  "$ROOT/node_modules/.bin/buf" curl --protocol grpc --http2-prior-knowledge --timeout 20s \
    -H "authorization: Bearer $1" -H "traceparent: $4" --data "$3" \
    "http://127.0.0.1:$LOOKOUT_GATEWAY_PORT/$2"
}
# The stats service asks the event service which events match a text filter.
TEXT_TRACE=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
gateway_call "$LOOKOUT_READER_KEY" lookout.stats.v1.StatsService/AggregateEvents \
  '{"filter":{"countryCodes":["HTI"],"text":"gang*"},"groupBy":["DIMENSION_EVENT_TYPE"]}' \
  "00-$TEXT_TRACE-$PARENT_ID-01" >/dev/null
expect_eq "$?" 0 "an aggregation with a text filter is answered"
expect_contains "$(trace_lines stats "$TEXT_TRACE")" '"method":"AggregateEvents","code":"OK"' \
  "the stats service logs the aggregation with the trace id"
expect_contains "$(trace_lines event "$TEXT_TRACE")" '"method":"ListEvents","code":"OK"' \
  "the stats service passes the trace on to the event service (text matching)"

# The event service asks the actor service whether a new event's actors exist (a new actor, so
# no cache knows it yet).
actor=$(gateway_call "$LOOKOUT_EDITOR_KEY" lookout.actor.v1.ActorService/CreateActor \
  '{"actor":{"name":"Trace Test Brigade","type":"ACTOR_TYPE_POLITICAL_MILITIA","countryCode":"HTI"}}' \
  "00-$TRACE_ID-$PARENT_ID-01" |
  /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)['actor']['id'])")
CREATE_TRACE=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
gateway_call "$LOOKOUT_EDITOR_KEY" lookout.event.v1.EventService/CreateEvent \
  "{\"event\":{\"eventDate\":\"2024-01-05\",\"eventType\":\"EVENT_TYPE_BATTLES\",\"subEventType\":\"Armed clash\",\"participants\":[{\"actorId\":\"$actor\",\"role\":\"PARTICIPANT_ROLE_PRIMARY\"}],\"location\":{\"countryCode\":\"HTI\",\"admin1\":\"Ouest\"},\"notes\":\"trace test\"}}" \
  "00-$CREATE_TRACE-$PARENT_ID-01" >/dev/null
expect_eq "$?" 0 "the event is created"
expect_contains "$(trace_lines event "$CREATE_TRACE")" '"method":"CreateEvent","code":"OK"' \
  "the event service logs the create with the trace id"
expect_contains "$(trace_lines actor "$CREATE_TRACE")" '"method":"BatchGetActors","code":"OK"' \
  "the event service passes the trace on to the actor service (actor check)"

# --- background work logs without a trace ------------------------------------------------------
caught_up=$(grep -F '"msg":"read model caught up"' "$LOGS/stats.log")
expect_contains "$caught_up" "applied_sequence" "the feed follower logged"
grep -q trace_id <<<"$caught_up" && fail "the feed follower's lines carry a trace id" ||
  pass "the feed follower's lines carry no trace id"

finish
