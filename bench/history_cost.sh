#!/usr/bin/env bash
# What the full history costs per change on SQLite (README.md, "History and provenance"):
# imports N events (changes 1..N), imports them again with other notes (N updates, by external
# id), then reads the sizes of the change log, its per-event index and the live table from
# SQLite's dbstat, or with DATABASE_URL set (an empty PostgreSQL database) from
# pg_total_relation_size. Usage: [DATABASE_URL=...] bench/history_cost.sh [N] (default 20000).
# Needs build/ built.
set -euo pipefail
N=${1:-20000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
TOKEN=history-cost-token
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ACTOR_PORT=$(free_port); EVENT_PORT=$(free_port)
"$BIN/services/actor/lookout-actor" --port="$ACTOR_PORT" --metrics_port=-1 --data_dir="$WORK" \
  --internal_token=$TOKEN >"$WORK/actor.log" 2>&1 &
"$BIN/services/event/lookout-event" --port="$EVENT_PORT" --metrics_port=-1 --data_dir="$WORK" \
  --internal_token=$TOKEN --actor_addr=127.0.0.1:$ACTOR_PORT --redis_addr= \
  ${DATABASE_URL:+--database_url="$DATABASE_URL"} >"$WORK/event.log" 2>&1 &
sleep 2
rows() {  # $1: notes prefix
  /usr/bin/python3 - "$N" "$1" <<'PY'
import json, sys
n, prefix = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    print(json.dumps({"event": {
        "eventDate": "2024-%02d-%02d" % (1 + i % 12, 1 + i % 28),
        "eventType": "EVENT_TYPE_BATTLES", "subEventType": "Armed clash",
        "location": {"countryCode": "HTI", "admin1": "Ouest", "place": "Port-au-Prince",
                     "latitude": 18.5, "longitude": -72.3},
        "casualties": [{"kind": "CASUALTY_KIND_KILLED", "count": {"best": str(i % 7)}}],
        "sources": [{"name": "Le Nouvelliste"}],
        "notes": "%s: armed men clashed with police near the market; %d reported" % (prefix, i),
        "externalIds": [{"scheme": "BENCH", "value": str(i)}]}}))
PY
}
CLI=("$BIN/cli/lookout" --addr 127.0.0.1:$EVENT_PORT --event-addr 127.0.0.1:$EVENT_PORT
     --actor-addr 127.0.0.1:$ACTOR_PORT --internal-token $TOKEN --quiet)
rows first >"$WORK/v1.jsonl"; rows second >"$WORK/v2.jsonl"
"${CLI[@]}" import jsonl "$WORK/v1.jsonl"
"${CLI[@]}" import jsonl "$WORK/v2.jsonl"
if [ -n "${DATABASE_URL:-}" ]; then
  psql -q "$DATABASE_URL" -c "VACUUM ANALYZE" \
    -c "SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes,
               round(pg_total_relation_size(c.oid)::numeric / (SELECT count(*) FROM event.changes), 1)
                 AS bytes_per_change
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'event' AND c.relname IN ('changes', 'changes_by_event', 'events')" \
    -c "SELECT pg_relation_size('event.changes') AS changes_heap_only,
               pg_relation_size('event.changes_by_event') AS changes_by_event_index"
  exit 0
fi
DB=$(ls "$WORK"/*event*.db | head -1)
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
sqlite3 "$DB" <<SQL
.mode column
SELECT name, SUM(pgsize) AS bytes, (SELECT COUNT(*) FROM changes) AS changes,
       ROUND(SUM(pgsize) * 1.0 / (SELECT COUNT(*) FROM event.changes), 1) AS bytes_per_change
  FROM dbstat WHERE name IN ('changes', 'changes_by_event', 'events', 'sqlite_autoindex_events_1')
  GROUP BY name;
SELECT ROUND(AVG(length(event)), 1) AS avg_state_bytes,
       ROUND(AVG(length(principal) + length(request_id) + length(reason) + 8), 1) AS avg_provenance_bytes
  FROM changes;
SQL
