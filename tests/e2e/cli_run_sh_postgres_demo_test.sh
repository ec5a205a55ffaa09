#!/usr/bin/env bash
# The README's PostgreSQL command: LOOKOUT_STORE=postgres scripts/run.sh (private var dir, free
# ports) starts a PostgreSQL server of its own under var/postgres, the services keep their data
# there (schemas event, actor and stats in the database "lookout", no SQLite file), the Haiti demo
# is served as with SQLite (the same checks, run_sh_demo_lib.sh), the password is in no log, and
# `scripts/run.sh stop` leaves nothing running. A second start finds the data kept. Then
# LOOKOUT_DATABASE_URL (keyword syntax) names an existing server: run.sh starts none of its own,
# loads the demo there and leaves that server running when it stops.
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/run_sh_demo_lib.sh"

PG_FIXTURE=$BUILD_DIR/tests/lookout_test_postgres
EXTERNAL_STATE=$(mktemp /tmp/lookout-cli-demo-pg-XXXXXX)
VAR_DIRS=()
cleanup() {
  local dir
  for dir in "${VAR_DIRS[@]}"; do
    LOOKOUT_VAR_DIR=$dir "$ROOT/scripts/run.sh" stop >/dev/null 2>&1
    rm -rf "$dir"
  done
  "$PG_FIXTURE" stop "$EXTERNAL_STATE" >/dev/null 2>&1
  rm -f "$EXTERNAL_STATE"
}
trap cleanup EXIT

# psql as the role run.sh made for the services, with the password file it gave them.
psql_lookout() {
  PGPASSWORD=$(cat "$LOOKOUT_VAR_DIR/secrets/postgres-password") PGCONNECT_TIMEOUT=5 \
    psql -X -tA -h 127.0.0.1 -p "$LOOKOUT_POSTGRES_PORT" -U lookout -d lookout -c "$1"
}
SCHEMAS_QUERY="SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace
  WHERE nspname IN ('event', 'actor', 'stats')"

# Every process run.sh started, as "pid name" lines: its pid files and the PostgreSQL server's.
started_processes() {
  local file
  for file in "$LOOKOUT_VAR_DIR"/run/*.pid; do
    [ -f "$file" ] && echo "$(cat "$file") $(basename "$file" .pid)"
  done
  [ -f "$LOOKOUT_VAR_DIR/postgres/data/postmaster.pid" ] &&
    echo "$(head -n 1 "$LOOKOUT_VAR_DIR/postgres/data/postmaster.pid") postgres"
}

expect_nothing_running() {
  local pid name state left=""
  while read -r pid name; do
    # A zombie is gone (nothing may reap a killed child when PID 1 is not an init).
    state=$(ps -o stat= -p "$pid" 2>/dev/null) && [[ $state != Z* ]] && left+="$name($pid) "
  done <<<"$1"
  # PostgreSQL's backends and anything else whose command line names the var dir.
  left+=$(pgrep -f -- "$LOOKOUT_VAR_DIR" | while read -r pid; do
    state=$(ps -o stat=,args= -p "$pid" 2>/dev/null) && [[ $state != Z* ]] && echo "$state"
  done | tr '\n' ' ')
  expect_eq "$left" "" "$2"
}

# --- a server of run.sh's own -------------------------------------------------------------------
run_sh_private_env
VAR_DIRS+=("$LOOKOUT_VAR_DIR")
# mktemp made it closed to others; as root the server runs as "postgres", which must reach it.
chmod 755 "$LOOKOUT_VAR_DIR"
export LOOKOUT_STORE=postgres
unset LOOKOUT_DATABASE_URL LOOKOUT_DATABASE_PASSWORD_FILE
started=$(date +%s)
out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "FAIL: LOOKOUT_STORE=postgres run.sh start"; exit 1; }
echo "note: LOOKOUT_STORE=postgres scripts/run.sh start took $(($(date +%s) - started)) s (built binaries, new var dir)"
expect_contains "$out" "postgres: started" "run.sh starts a PostgreSQL server"
expect_contains "$out" "postgres: created the database \"lookout\"" "run.sh creates the database"
expect_demo_first_load "$out"
expect_demo_served "PostgreSQL"
status=$("$ROOT/scripts/run.sh" status)
expect_contains "$status" "postgres: running" "run.sh status shows the PostgreSQL server"
expect_contains "$(grep -v '^postgres' <<<"$status")" "gateway: running" "run.sh status shows the services"
expect_eq "$(psql_lookout "$SCHEMAS_QUERY")" "actor,event,stats" \
  "each service made its schema in the database \"lookout\""
expect_eq "$(find "$LOOKOUT_VAR_DIR/data" -name '*.db' | wc -l)" 0 "no SQLite file was written"
password=$(cat "$LOOKOUT_VAR_DIR/secrets/postgres-password")
leaks=$(grep -lF -- "$password" "$LOOKOUT_VAR_DIR"/log/*.log 2>/dev/null
  grep -qF -- "$password" <<<"$out" && echo "run.sh's output")
expect_eq "$leaks" "" "the database password is in no log and not in run.sh's output"

processes=$(started_processes)
expect_eq "$(grep -c . <<<"$processes")" 6 "redis, four services and PostgreSQL have pids"
out=$("$ROOT/scripts/run.sh" stop 2>&1)
expect_contains "$out" "postgres: stopped" "run.sh stop stops the PostgreSQL server"
expect_nothing_running "$processes" "nothing run.sh started is left running"
expect_contains "$("$ROOT/scripts/run.sh" status)" "postgres: stopped" "run.sh status: stopped"

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; fail "second LOOKOUT_STORE=postgres start"; }
expect_demo_nothing_new "$out" "after a full stop, a second start finds the data kept"
expect_eq "$(demo_event_count)" 7 "still seven demo events"
processes=$(started_processes)
"$ROOT/scripts/run.sh" stop >/dev/null 2>&1
expect_nothing_running "$processes" "nothing is left running after the second stop"

# --- an existing server: LOOKOUT_DATABASE_URL -----------------------------------------------------
if ! "$PG_FIXTURE" start "$EXTERNAL_STATE" >/dev/null 2>&1; then
  fail "cannot start an external PostgreSQL server with $PG_FIXTURE"
  finish
  exit 1
fi
external_url=$(sed -n 1p "$EXTERNAL_STATE")  # postgresql://postgres@127.0.0.1:PORT/postgres
external_port=$(sed 's#.*:\([0-9]*\)/.*#\1#' <<<"$external_url")
external_psql() { psql -X -tA -h 127.0.0.1 -p "$external_port" -U postgres "$@"; }
external_psql -d postgres -c "CREATE DATABASE lookout_elsewhere" >/dev/null

unset LOOKOUT_STORE
run_sh_private_env
VAR_DIRS+=("$LOOKOUT_VAR_DIR")
# libpq's keyword syntax this time.
export LOOKOUT_DATABASE_URL="host=127.0.0.1 port=$external_port dbname=lookout_elsewhere user=postgres"
out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; fail "run.sh start with LOOKOUT_DATABASE_URL"; }
expect_contains "$out" "postgres: using the server LOOKOUT_DATABASE_URL names" \
  "with LOOKOUT_DATABASE_URL run.sh says it uses that server"
expect_eq "$([ -e "$LOOKOUT_VAR_DIR/postgres" ] && echo made || echo none)" none \
  "with LOOKOUT_DATABASE_URL run.sh makes no server of its own"
expect_demo_first_load "$out"
expect_demo_served "existing server"
expect_eq "$(external_psql -d lookout_elsewhere -c "$SCHEMAS_QUERY")" "actor,event,stats" \
  "the services made their schemas on the existing server"
processes=$(started_processes)
"$ROOT/scripts/run.sh" stop >/dev/null 2>&1
expect_nothing_running "$processes" "run.sh stop stops what it started"
expect_eq "$(external_psql -d postgres -c 'SELECT 1' 2>&1)" 1 \
  "run.sh stop leaves the existing server running"

finish
