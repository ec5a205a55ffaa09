#!/usr/bin/env bash
# Starts Redis and the event and actor services with scripts/run.sh (as the README does, on free
# ports and a private var dir), then checks through reflection with buf curl: listing and
# describing, calls that succeed while Redis is killed, and that writes acknowledged before a
# kill -9 of the event service are all there after a restart.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

export LOOKOUT_VAR_DIR=$(mktemp -d /tmp/lookout-e2e-XXXXXX)
export LOOKOUT_SKIP_SETUP=1
export LOOKOUT_REDIS_PORT=$(free_port) LOOKOUT_ACTOR_PORT=$(free_port) LOOKOUT_EVENT_PORT=$(free_port)
export LOOKOUT_ACTOR_METRICS_PORT=$(free_port) LOOKOUT_EVENT_METRICS_PORT=$(free_port)
export LOOKOUT_GATEWAY_PORT=$(free_port) LOOKOUT_GATEWAY_METRICS_PORT=$(free_port) LOOKOUT_STATS_PORT=$(free_port) LOOKOUT_STATS_METRICS_PORT=$(free_port)
# No HTTP/JSON listener here: its default port (8080) would clash between parallel tests.
export LOOKOUT_HTTP_PORT=-1
cleanup() { "$ROOT/scripts/run.sh" stop >/dev/null 2>&1; rm -rf "$LOOKOUT_VAR_DIR"; }
trap cleanup EXIT

"$ROOT/scripts/run.sh" start || { echo "FAIL: run.sh start"; exit 1; }
LOOKOUT_INTERNAL_TOKEN=$(cat "$LOOKOUT_VAR_DIR/secrets/internal-token")
EP=$LOOKOUT_EVENT_PORT
AP=$LOOKOUT_ACTOR_PORT

# Reflection: every method of both services is listed, and health too (describable in 1.51 only
# because the binaries link the generated health code).
methods=$("$BUF" curl --protocol grpc --http2-prior-knowledge --list-methods "http://127.0.0.1:$EP")
for m in CreateEvent GetEvent ListEvents UpdateEvent DeleteEvent ImportEvents WatchEvents; do
  grep -qx "lookout.event.v1.EventService/$m" <<<"$methods" && pass "event lists $m" || fail "event lists $m"
done
grep -qx "grpc.health.v1.Health/Check" <<<"$methods" && pass "event lists health" || fail "event lists health"
methods=$("$BUF" curl --protocol grpc --http2-prior-knowledge --list-methods "http://127.0.0.1:$AP")
for m in CreateActor GetActor BatchGetActors ListActors UpdateActor DeleteActor ResolveActors CreateRelationship ListRelationships; do
  grep -qx "lookout.actor.v1.ActorService/$m" <<<"$methods" && pass "actor lists $m" || fail "actor lists $m"
done

# Without the internal token a backend refuses (UNAUTHENTICATED = 16, buf exits 8 x 16).
"$BUF" curl --protocol grpc --http2-prior-knowledge --data '{"id":"act_x"}' \
  "http://127.0.0.1:$AP/lookout.actor.v1.ActorService/GetActor" >/dev/null 2>&1
expect_eq "$?" 128 "call without internal token is UNAUTHENTICATED"

# Bad input is INVALID_ARGUMENT (3 -> 24) and names the field.
out=$(call "$AP" lookout.actor.v1.ActorService/CreateActor '{"actor":{"name":"X","type":"ACTOR_TYPE_POLITICAL_MILITIA","countryCode":"HAITI"}}' 2>&1)
expect_eq "$?" 24 "bad country code is INVALID_ARGUMENT"
grep -q "country_code" <<<"$out" && pass "error names country_code" || fail "error names country_code: $out"

actor=$(call "$AP" lookout.actor.v1.ActorService/CreateActor \
  '{"actor":{"name":"Viv Ansanm","aliases":["Vivre Ensemble"],"type":"ACTOR_TYPE_POLITICAL_MILITIA","countryCode":"HTI"}}' | json_field "['actor']['id']")
[ -n "$actor" ] && pass "actor created" || fail "actor created"
resolved=$(call "$AP" lookout.actor.v1.ActorService/ResolveActors '{"names":["  VIVRE ENSEMBLE "]}' | json_field "['resolutions'][0]['actorId']")
expect_eq "$resolved" "$actor" "alias resolves ignoring case and spaces"

create_event() {  # $1 = day of month
  call "$EP" lookout.event.v1.EventService/CreateEvent "{\"event\":{\"eventDate\":\"2024-03-$(printf %02d "$1")\",\"eventType\":\"EVENT_TYPE_BATTLES\",\"subEventType\":\"Armed clash\",\"participants\":[{\"actorId\":\"$actor\",\"role\":\"PARTICIPANT_ROLE_PRIMARY\"}],\"location\":{\"countryCode\":\"HTI\",\"admin1\":\"Ouest\"},\"casualties\":[{\"kind\":\"CASUALTY_KIND_KILLED\",\"count\":{\"best\":\"$1\"}}],\"notes\":\"e2e event $1\"}}" \
    | json_field "['event']['id']"
}

# Redis killed mid-run: reads and writes still succeed (only slower).
first=$(create_event 1)
[ -n "$first" ] && pass "event created with Redis up" || fail "event created with Redis up"
kill -9 "$(cat "$LOOKOUT_VAR_DIR/run/redis.pid")"
sleep 0.3
second=$(create_event 2)
[ -n "$second" ] && pass "event created with Redis down" || fail "event created with Redis down"
got=$(call "$EP" lookout.event.v1.EventService/GetEvent "{\"id\":\"$first\"}" | json_field "['event']['id']")
expect_eq "$got" "$first" "GetEvent with Redis down"
got=$(call "$AP" lookout.actor.v1.ActorService/GetActor "{\"id\":\"$actor\"}" | json_field "['actor']['id']")
expect_eq "$got" "$actor" "GetActor with Redis down"

# Acknowledged writes survive kill -9: 20 concurrent creates, each id kept only once acknowledged.
ids_dir=$LOOKOUT_VAR_DIR/acked
mkdir -p "$ids_dir"
for day in $(seq 3 22); do
  ( id=$(create_event "$day") && [ -n "$id" ] && echo "$id" >"$ids_dir/$day" ) &
done
wait
acked=$(cat "$ids_dir"/* | wc -l)
expect_eq "$acked" 20 "20 concurrent creates acknowledged"
kill -9 "$(cat "$LOOKOUT_VAR_DIR/run/event.pid")"
sleep 0.2
"$ROOT/scripts/run.sh" start >/dev/null || fail "run.sh restarts the event service"
missing=0
for id in $first $second $(cat "$ids_dir"/*); do
  got=$(call "$EP" lookout.event.v1.EventService/GetEvent "{\"id\":\"$id\"}" | json_field "['event']['id']")
  [ "$got" = "$id" ] || missing=$((missing + 1))
done
expect_eq "$missing" 0 "every acknowledged event is there after kill -9"
total=$(call "$EP" lookout.event.v1.EventService/ListEvents '{"filter":{"countryCodes":["HTI"]}}' | json_field "['totalSize']")
expect_eq "$total" 22 "ListEvents total after restart"
changes=$(call "$EP" lookout.event.v1.EventService/WatchEvents '{"afterSequence":"0"}' | grep -c '"CHANGE_TYPE_CREATED"')
expect_eq "$changes" 22 "change log has one change per acknowledged create"

# SIGTERM with a follow=true stream open: NOT_SERVING, still serving for the shutdown delay
# (default 1 s), then the stream ends with UNAVAILABLE (buf exits 8 x 14) and the process exits
# long before the drain grace (default 10 s) is up.
"$BUF" curl --protocol grpc --http2-prior-knowledge --timeout 60s \
  -H "x-lookout-internal-token: $LOOKOUT_INTERNAL_TOKEN" --data '{"follow":true}' \
  "http://127.0.0.1:$EP/lookout.event.v1.EventService/WatchEvents" >/dev/null 2>&1 &
watcher=$!
sleep 0.5
pid=$(cat "$LOOKOUT_VAR_DIR/run/event.pid")
kill -TERM "$pid"
start=$SECONDS
# A zombie (nothing reaps run.sh's children here) has exited: look at the state, not kill -0.
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n $st && $st != Z* ]]; }
while alive "$pid" && [ $((SECONDS - start)) -lt 20 ]; do sleep 0.2; done
if alive "$pid"; then fail "event service exits within the grace period"; else pass "event service exits after SIGTERM"; fi
[ $((SECONDS - start)) -lt 8 ] && pass "exit before the grace is up" || fail "exit before the grace is up: $((SECONDS - start)) s"
wait "$watcher"
expect_eq "$?" 112 "the follow stream ends with UNAVAILABLE"
grep -q '"msg":"draining"' "$LOOKOUT_VAR_DIR/log/event.log" && pass "drain logged" || fail "drain logged"
grep -q '"msg":"stopped"' "$LOOKOUT_VAR_DIR/log/event.log" && pass "clean stop logged" || fail "clean stop logged"

finish
