#!/usr/bin/env bash
# The monitoring shipped in deploy/k8s/components/monitoring reads only what the services really
# export: scripts/run.sh starts the four real binaries (private var dir, free ports, /metrics on
# 127.0.0.1 through LOOKOUT_METRICS_HOST), a few calls go through the gateway (a write that makes
# the event service call the actor service, a situation report that fans out), then each /metrics
# is scraped and every metric name in the PrometheusRule's expressions and the Grafana dashboard's
# queries must be among the exported series (recorded series must be recorded by a rule; `up` is
# Prometheus's own). Also: each service exports the gRPC server and process series, the callers
# the gRPC client series, and /metrics listens on 127.0.0.1 only.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

export LOOKOUT_VAR_DIR=$(mktemp -d /tmp/lookout-metrics-e2e-XXXXXX)
export LOOKOUT_SKIP_SETUP=1
export LOOKOUT_REDIS_PORT=$(free_port) LOOKOUT_ACTOR_PORT=$(free_port) LOOKOUT_EVENT_PORT=$(free_port)
export LOOKOUT_STATS_PORT=$(free_port) LOOKOUT_GATEWAY_PORT=$(free_port)
export LOOKOUT_ACTOR_METRICS_PORT=$(free_port) LOOKOUT_EVENT_METRICS_PORT=$(free_port)
export LOOKOUT_STATS_METRICS_PORT=$(free_port) LOOKOUT_GATEWAY_METRICS_PORT=$(free_port)
export LOOKOUT_METRICS_HOST=127.0.0.1
cleanup() { "$ROOT/scripts/run.sh" stop >/dev/null 2>&1; rm -rf "$LOOKOUT_VAR_DIR"; }
trap cleanup EXIT

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "FAIL: run.sh start"; exit 1; }
source "$LOOKOUT_VAR_DIR/dev-keys.env"
GW=http://127.0.0.1:$LOOKOUT_GATEWAY_PORT
gw() {
  "$BUF" curl --protocol grpc --http2-prior-knowledge --timeout 10s \
    -H "authorization: Bearer $1" --data "$3" "$GW/$2"
}

actor=$(gw "$LOOKOUT_EDITOR_KEY" lookout.actor.v1.ActorService/CreateActor \
  '{"actor":{"name":"Viv Ansanm","type":"ACTOR_TYPE_POLITICAL_MILITIA","countryCode":"HTI"}}' |
  json_field "['actor']['id']")
[ -n "$actor" ] && pass "an actor created through the gateway" || fail "create an actor"
gw "$LOOKOUT_EDITOR_KEY" lookout.event.v1.EventService/CreateEvent "{\"event\":{\"eventDate\":\"2024-03-01\",\"eventType\":\"EVENT_TYPE_BATTLES\",\"subEventType\":\"Armed clash\",\"participants\":[{\"actorId\":\"$actor\",\"role\":\"PARTICIPANT_ROLE_PRIMARY\"}],\"location\":{\"countryCode\":\"HTI\"}}}" \
  >/dev/null && pass "an event created (the event service checks the actor)" || fail "create an event"
gw "$LOOKOUT_READER_KEY" lookout.gateway.v1.GatewayService/GetSituationReport \
  '{"countryCode":"HTI","period":{"startDate":"2024-01-01","endDate":"2024-12-31"}}' >/dev/null &&
  pass "a situation report" || fail "a situation report"

for name in gateway event actor stats; do
  var=LOOKOUT_${name^^}_METRICS_PORT
  port=${!var}
  curl -sf "http://127.0.0.1:$port/metrics" >"$LOOKOUT_VAR_DIR/$name.metrics" &&
    pass "$name serves /metrics" || fail "$name serves /metrics on $port"
  listening=$(ss -Hltn "sport = :$port" | awk '{print $4}')
  expect_eq "$listening" "127.0.0.1:$port" "$name's /metrics listens on 127.0.0.1 only"
done

kubectl kustomize "$ROOT/deploy/k8s/components/monitoring" >"$LOOKOUT_VAR_DIR/monitoring.yaml" ||
  fail "render deploy/k8s/components/monitoring"

/usr/bin/python3 - "$ROOT/tests/deploy" "$LOOKOUT_VAR_DIR" <<'PY' && pass "every name in the alerts and the dashboard is exported" || fail "names in the alerts and the dashboard"
import json, os, sys
sys.path.insert(0, sys.argv[1])
import yaml
import promql_names

var = sys.argv[2]
exported = {}  # sample name -> services
for service in ("gateway", "event", "actor", "stats"):
    with open(os.path.join(var, f"{service}.metrics")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name = line.split("{", 1)[0].split(" ", 1)[0]
                exported.setdefault(name, set()).add(service)

failed = False
def require(name, where):
    global failed
    if name not in exported:
        print(f"FAIL: {where} reads {name}, which no service exports")
        failed = True

docs = list(yaml.safe_load_all(open(os.path.join(var, "monitoring.yaml"))))
recorded = set()
uses = []
for doc in docs:
    if doc.get("kind") == "PrometheusRule":
        for name, expr in promql_names.rule_exprs(doc):
            uses.append((f"rule {name}", expr))
        for group in doc["spec"]["groups"]:
            recorded |= {r["record"] for r in group["rules"] if r.get("record")}
    if doc.get("kind") == "ConfigMap" and "grafana_dashboard" in doc["metadata"].get("labels", {}):
        for key, text in doc["data"].items():
            for title, expr in promql_names.dashboard_exprs(json.loads(text)):
                uses.append((f"dashboard panel {title!r}", expr))
checked = set()
for where, expr in uses:
    for name in promql_names.metric_names(expr):
        if ":" in name:
            if name not in recorded:
                print(f"FAIL: {where} reads {name}, which no rule records")
                failed = True
        elif name != "up":  # Prometheus's own series per target
            require(name, where)
            checked.add(name)
print(f"{len(uses)} expressions read {len(checked)} exported names")

# What every service, and every caller, must export whatever the traffic.
for service in ("gateway", "event", "actor", "stats"):
    for name in ("grpc_server_started_total", "grpc_server_handled_total",
                 "grpc_server_handling_seconds_bucket", "process_resident_memory_bytes",
                 "process_open_fds", "process_threads", "process_cpu_seconds_total"):
        if service not in exported.get(name, set()):
            print(f"FAIL: {service} does not export {name}")
            failed = True
for service in ("gateway", "event", "stats"):
    if service not in exported.get("grpc_client_handled_total", set()):
        print(f"FAIL: {service} calls other services but exports no grpc_client_handled_total")
        failed = True
sys.exit(1 if failed else 0)
PY

# Values that follow from the calls above.
/usr/bin/python3 - "$LOOKOUT_VAR_DIR" "$LOOKOUT_STATS_METRICS_PORT" <<'PY' && pass "the values follow the calls (head, follower caught up, client calls)" || fail "metric values"
import os, sys, time, urllib.request

var, stats_port = sys.argv[1], sys.argv[2]

def series(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out

def scrape(service):
    return series(open(os.path.join(var, f"{service}.metrics")).read())

failed = False
def check(ok, what):
    global failed
    if not ok:
        print(f"FAIL: {what}")
        failed = True

event, gateway = scrape("event"), scrape("gateway")
head = event.get("lookout_change_log_head_sequence", -1)
check(head >= 1, f"event's change-log head is {head} after a created event")
check(any(k.startswith('lookout_cache_requests_total{cache="actor_exists"') for k in event),
      "the event service counts its actor_exists cache lookups")
check(gateway.get('grpc_client_handled_total{grpc_code="OK",grpc_method="CreateEvent",'
                  'grpc_service="lookout.event.v1.EventService",grpc_type="unary"}', 0) >= 1,
      "the gateway counts its CreateEvent call to the event service")
check(event.get('grpc_client_handled_total{grpc_code="OK",grpc_method="BatchGetActors",'
                'grpc_service="lookout.actor.v1.ActorService",grpc_type="unary"}', 0) >= 1,
      "the event service counts its BatchGetActors call to the actor service")
# The stats read model follows the log: lag 0 once it has applied the event.
applied = -1
for _ in range(50):
    with urllib.request.urlopen(f"http://127.0.0.1:{stats_port}/metrics", timeout=3) as r:
        stats = series(r.read().decode())
    applied = stats.get('lookout_follower_applied_sequence{follower="stats"}', -1)
    if applied == head:
        break
    time.sleep(0.1)
check(applied == head, f"stats applied {applied}, the head is {head}")
check(stats.get('lookout_follower_caught_up{follower="stats"}') == 1, "stats reports caught up")
check(stats.get("lookout_read_model_events", 0) >= 1, "the read model holds the event")
check(stats.get("lookout_read_model_bytes", 0) > 0, "the read model's bytes")
sys.exit(1 if failed else 0)
PY

finish
