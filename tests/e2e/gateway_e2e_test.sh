#!/usr/bin/env bash
# The gateway as a user meets it: scripts/run.sh (private var dir, free ports) starts it with the
# backends and creates the dev keys; then, through the gateway only and with buf curl through
# reflection: list and describe the whole API without a key, WhoAmI for each key, role rules,
# a missing key, a write and a read by name, a situation report, and a second run that keeps
# the keys.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

export LOOKOUT_VAR_DIR=$(mktemp -d /tmp/lookout-gw-e2e-XXXXXX)
export LOOKOUT_SKIP_SETUP=1
export LOOKOUT_REDIS_PORT=$(free_port) LOOKOUT_ACTOR_PORT=$(free_port) LOOKOUT_EVENT_PORT=$(free_port)
export LOOKOUT_STATS_PORT=$(free_port) LOOKOUT_GATEWAY_PORT=$(free_port)
# No HTTP/JSON listener here: its default port (8080) would clash between parallel tests.
export LOOKOUT_HTTP_PORT=-1
export LOOKOUT_ACTOR_METRICS_PORT=$(free_port) LOOKOUT_EVENT_METRICS_PORT=$(free_port)
export LOOKOUT_STATS_METRICS_PORT=$(free_port) LOOKOUT_GATEWAY_METRICS_PORT=$(free_port)
cleanup() { "$ROOT/scripts/run.sh" stop >/dev/null 2>&1; rm -rf "$LOOKOUT_VAR_DIR"; }
trap cleanup EXIT

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "FAIL: run.sh start"; exit 1; }
grep -q "authorization: Bearer" <<<"$out" && pass "run.sh prints how to use the keys" \
  || fail "run.sh prints how to use the keys"
GW=http://127.0.0.1:$LOOKOUT_GATEWAY_PORT

# gw KEY Service/Method JSON: a call through the gateway only (no internal token).
gw() {
  local key=$1 method=$2 data=$3
  local auth=()
  [ -n "$key" ] && auth=(-H "authorization: Bearer $key")
  "$BUF" curl --protocol grpc --http2-prior-knowledge --timeout 10s "${auth[@]}" \
    --data "$data" "$GW/$method"
}

# Keys: in var/dev-keys.env for the user alone; the gateway's file holds hashes only.
env_file=$LOOKOUT_VAR_DIR/dev-keys.env
expect_eq "$(stat -c %a "$env_file")" 600 "dev-keys.env is readable by the user only"
source "$env_file"
for role in ADMIN EDITOR READER; do
  var=LOOKOUT_${role}_KEY
  [ -n "${!var:-}" ] && pass "$var is set" || fail "$var is set"
  grep -q "${!var}" "$LOOKOUT_VAR_DIR/secrets/gateway-keys" && fail "$var in clear in the keys file" \
    || pass "$var is not in the keys file"
done
expect_eq "$(wc -l <"$LOOKOUT_VAR_DIR/secrets/gateway-keys")" 3 "three lines in the keys file"

# Reflection without a key: every public service listed and describable (buf lists methods
# through describe, so one undescribable service fails the whole listing).
methods=$("$BUF" curl --protocol grpc --http2-prior-knowledge --list-methods "$GW")
for m in lookout.event.v1.EventService/WatchEvents lookout.actor.v1.ActorService/ResolveActors \
         lookout.stats.v1.StatsService/SummarizeMetric lookout.gateway.v1.GatewayService/WhoAmI \
         lookout.gateway.v1.GatewayService/GetSituationReport grpc.health.v1.Health/Check; do
  grep -qx "$m" <<<"$methods" && pass "gateway lists $m" || fail "gateway lists $m"
done

for role in admin editor reader; do
  var=LOOKOUT_${role^^}_KEY
  who=$(gw "${!var}" lookout.gateway.v1.GatewayService/WhoAmI '{}' | json_field "['principal']")
  expect_eq "$who" "dev-$role" "WhoAmI with the $role key"
done

gw "" lookout.gateway.v1.GatewayService/WhoAmI '{}' >/dev/null 2>&1
expect_eq "$?" 128 "no key is UNAUTHENTICATED"
gw "lk_forged" lookout.actor.v1.ActorService/GetActor '{"id":"act_x"}' >/dev/null 2>&1
expect_eq "$?" 128 "a forged key is UNAUTHENTICATED"

actor_json='{"actor":{"name":"Viv Ansanm","type":"ACTOR_TYPE_POLITICAL_MILITIA","countryCode":"HTI"}}'
gw "$LOOKOUT_READER_KEY" lookout.actor.v1.ActorService/CreateActor "$actor_json" >/dev/null 2>&1
expect_eq "$?" 56 "a reader may not create (PERMISSION_DENIED)"
actor=$(gw "$LOOKOUT_EDITOR_KEY" lookout.actor.v1.ActorService/CreateActor "$actor_json" | json_field "['actor']['id']")
[ -n "$actor" ] && pass "an editor creates an actor through the gateway" || fail "editor creates"
got=$(gw "$LOOKOUT_READER_KEY" lookout.actor.v1.ActorService/GetActor "{\"id\":\"$actor\"}" | json_field "['actor']['name']")
expect_eq "$got" "Viv Ansanm" "a reader reads it back"
gw "$LOOKOUT_READER_KEY" lookout.actor.v1.ActorService/ResolveActors '{"names":["X"],"createMissing":true}' >/dev/null 2>&1
expect_eq "$?" 56 "a reader may not resolve with create_missing"

event=$(gw "$LOOKOUT_EDITOR_KEY" lookout.event.v1.EventService/CreateEvent "{\"event\":{\"eventDate\":\"2024-03-01\",\"eventType\":\"EVENT_TYPE_BATTLES\",\"subEventType\":\"Armed clash\",\"participants\":[{\"actorId\":\"$actor\",\"role\":\"PARTICIPANT_ROLE_PRIMARY\"}],\"location\":{\"countryCode\":\"HTI\"}}}" | json_field "['event']['id']")
[ -n "$event" ] && pass "an editor creates an event through the gateway" || fail "event created"
out=$(gw "$LOOKOUT_READER_KEY" lookout.event.v1.EventService/GetEvent '{"id":"evt_missing"}' 2>&1)
expect_eq "$?" 40 "NOT_FOUND from the event service passes through"
grep -q "evt_missing" <<<"$out" && pass "with the backend's message" || fail "backend message: $out"

# A report: whole when the stats service runs, otherwise with a warning naming it.
report=$(gw "$LOOKOUT_READER_KEY" lookout.gateway.v1.GatewayService/GetSituationReport \
  '{"countryCode":"HTI","period":{"startDate":"2024-01-01","endDate":"2024-12-31"}}')
expect_eq "$?" 0 "GetSituationReport answers"
recent=$(json_field "['recentEvents'][0]['actors'][0]['name']" <<<"$report")
expect_eq "$recent" "Viv Ansanm" "the report joins the event's actors"
status=$("$ROOT/scripts/run.sh" status)  # not piped into grep -q: SIGPIPE would fail pipefail
if ! grep -q "^stats: running" <<<"$status"; then
  grep -q "stats service failed" <<<"$report" && pass "missing stats service is a warning" \
    || fail "missing stats service is a warning: $report"
fi

# Running start again keeps everything, keys included.
before=$(cat "$env_file")
"$ROOT/scripts/run.sh" start >/dev/null 2>&1 || fail "second run.sh start"
expect_eq "$(cat "$env_file")" "$before" "a second start keeps the keys"
who=$(gw "$LOOKOUT_READER_KEY" lookout.gateway.v1.GatewayService/WhoAmI '{}' | json_field "['principal']")
expect_eq "$who" "dev-reader" "the keys still work"

finish
