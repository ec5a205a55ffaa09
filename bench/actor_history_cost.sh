#!/usr/bin/env bash
# What the actor change log costs per change (README.md, "History and provenance"): creates N
# actors (changes 1..N, each with a reason and a principal as the gateway would set them),
# updates each one's description (N updates, each row holding the states before and after),
# then reads the sizes of the change log and its two indexes from SQLite's dbstat, or with
# DATABASE_URL set (an empty PostgreSQL database) from pg_total_relation_size.
# Usage: [DATABASE_URL=...] bench/actor_history_cost.sh [N] (default 5000). Needs build/ built
# (lookout-actor) and node_modules (@grpc/grpc-js, @grpc/proto-loader).
set -euo pipefail
N=${1:-5000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
TOKEN=history-cost-token
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/services/actor/lookout-actor" --port="$PORT" --metrics_port=-1 --data_dir="$WORK" \
  --internal_token=$TOKEN ${DATABASE_URL:+--database_url="$DATABASE_URL"} >"$WORK/actor.log" 2>&1 &
sleep 2
cd "$ROOT"
N=$N PORT=$PORT TOKEN=$TOKEN node - <<'JS'
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const def = loader.loadSync('lookout/actor/v1/actor_service.proto',
                            {includeDirs: ['proto'], keepCase: true});
const Service = grpc.loadPackageDefinition(def).lookout.actor.v1.ActorService;
const client = new Service(`127.0.0.1:${process.env.PORT}`, grpc.credentials.createInsecure());
const call = (method, request, i) => new Promise((resolve, reject) => {
  const md = new grpc.Metadata();
  md.set('x-lookout-internal-token', process.env.TOKEN);
  md.set('x-lookout-principal', 'bench-editor');
  md.set('x-request-id', `bench-${method}-${i}`);
  client[method](request, md, (err, res) => (err ? reject(err) : resolve(res)));
});
(async () => {
  const n = Number(process.env.N);
  const ids = [];
  for (let i = 0; i < n; i++) {
    const res = await call('CreateActor', {actor: {
      name: `Bench armed group ${i}`, type: 'ACTOR_TYPE_POLITICAL_MILITIA', country_code: 'HTI',
      aliases: [`BAG ${i}`], description: 'A gang active in the west of Port-au-Prince'},
      reason: 'named in a field report'}, i);
    ids.push(res.actor.id);
  }
  for (let i = 0; i < n; i++) {
    await call('UpdateActor', {actor: {id: ids[i],
      description: `A gang active in the west of Port-au-Prince; split in ${2000 + i % 25}`},
      update_mask: {paths: ['description']}, reason: 'correction from a partner'}, i);
  }
  client.close();
})().catch((e) => { console.error(e); process.exit(1); });
JS
if [ -n "${DATABASE_URL:-}" ]; then
  psql -q "$DATABASE_URL" -c "VACUUM ANALYZE" \
    -c "SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes,
               round(pg_total_relation_size(c.oid)::numeric / (SELECT count(*) FROM actor.actor_changes), 1)
                 AS bytes_per_change
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'actor' AND c.relname IN ('actor_changes', 'actors')" \
    -c "SELECT pg_relation_size('actor.actor_changes') AS changes_heap_only,
               pg_relation_size('actor.actor_changes_by_actor') AS by_actor_index,
               pg_relation_size('actor.actor_changes_by_other_actor') AS by_other_actor_index"
  exit 0
fi
DB=$WORK/actor.db
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
sqlite3 "$DB" <<SQL
.mode column
SELECT name, SUM(pgsize) AS bytes, (SELECT COUNT(*) FROM actor_changes) AS changes,
       ROUND(SUM(pgsize) * 1.0 / (SELECT COUNT(*) FROM actor_changes), 1) AS bytes_per_change
  FROM dbstat
 WHERE name IN ('actor_changes', 'actor_changes_by_actor', 'actor_changes_by_other_actor',
                'actors')
 GROUP BY name;
SELECT ROUND(AVG(length(before) + length(after)), 1) AS avg_state_bytes_per_change
  FROM actor_changes;
SQL
