# shellcheck shell=bash
# Sourced by scripts/run.sh: a PostgreSQL server of Lookout's own for LOOKOUT_STORE=postgres,
# its files under $VAR/postgres (data kept across restarts), on 127.0.0.1 only, port
# LOOKOUT_POSTGRES_PORT (default 5433, so it leaves a system server on 5432 alone, such as the
# "main" cluster Debian's postgresql-15 package may create). PostgreSQL refuses to run as root:
# then the server runs as the user "postgres" and owns its folder.
#
# Two roles, each with a random password in $VAR/secrets (mode 600): "postgres", the superuser
# run.sh uses to create the database once, and "lookout", which owns the database "lookout" and
# is what the services connect as (LOOKOUT_DATABASE_PASSWORD_FILE). No Unix socket: every
# connection is TCP to 127.0.0.1 with a password (scram-sha-256).
#
# Needs: VAR, running() from run.sh.

PG_DIR=${LOOKOUT_POSTGRES_DIR:-$VAR/postgres}
PG_DATA=$PG_DIR/data
PG_PORT=${LOOKOUT_POSTGRES_PORT:-5433}
PG_SUPERUSER_PASSWORD_FILE=$VAR/secrets/postgres-superuser-password
PG_LOOKOUT_PASSWORD_FILE=$VAR/secrets/postgres-password

pg_bin_dir() {
  local version
  if [ -n "${LOOKOUT_PG_BIN:-}" ]; then echo "$LOOKOUT_PG_BIN"; return; fi
  for version in 15 16 17 14; do
    [ -x "/usr/lib/postgresql/$version/bin/postgres" ] && {
      echo "/usr/lib/postgresql/$version/bin"; return; }
  done
  echo "postgres: no server binaries in /usr/lib/postgresql/*/bin (scripts/setup.sh installs" \
    "postgresql-15; LOOKOUT_PG_BIN names another folder)" >&2
  return 1
}

# Runs a command as the server's user: "postgres" when we are root, ourselves otherwise.
as_pg_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_pid() { [ -f "$PG_DATA/postmaster.pid" ] && head -n 1 "$PG_DATA/postmaster.pid"; }
pg_running() { local pid; pid=$(pg_pid) && [ -n "$pid" ] && running "$pid"; }

# psql as the superuser over TCP; the password goes through the environment, never argv.
pg_psql() {
  PGPASSWORD=$(cat "$PG_SUPERUSER_PASSWORD_FILE") PGCONNECT_TIMEOUT=5 \
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres \
    -d postgres "$@"
}

new_password() {  # file
  [ -s "$1" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1")
}

pg_init() {
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  new_password "$PG_SUPERUSER_PASSWORD_FILE"
  new_password "$PG_LOOKOUT_PASSWORD_FILE"
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" = 0 ]; then
    getent passwd postgres >/dev/null || {
      echo "postgres: running as root and there is no user \"postgres\" to run the server as" \
        "(scripts/setup.sh installs postgresql-15, which creates it)" >&2
      return 1; }
    chown postgres: "$PG_DIR" && chmod 700 "$PG_DIR"
    runuser -u postgres -- test -w "$PG_DIR" || {
      echo "postgres: the user \"postgres\" cannot reach $PG_DIR (a parent folder is closed to" \
        "other users); set LOOKOUT_POSTGRES_DIR to a folder it can reach" >&2
      return 1; }
  fi
  echo "postgres: creating a server in $PG_DATA"
  # The password file is readable by us only: initdb gets a copy the server's user can read,
  # in its own closed folder, removed right after.
  local pwfile=$PG_DIR/initdb-password status=0
  (umask 077; cp "$PG_SUPERUSER_PASSWORD_FILE" "$pwfile")
  [ "$(id -u)" != 0 ] || chown postgres: "$pwfile"
  as_pg_user "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=reject -E UTF8 --locale=C \
    >"$PG_DIR/initdb.log" 2>&1 || status=$?
  rm -f "$pwfile"
  if [ "$status" != 0 ]; then
    echo "postgres: initdb failed, see $PG_DIR/initdb.log:" >&2
    tail -n 20 "$PG_DIR/initdb.log" >&2
    rm -rf "$PG_DATA"
    return 1
  fi
}

pg_start() {
  PG_BIN=$(pg_bin_dir) || exit 1
  pg_init || exit 1
  if pg_running; then
    echo "postgres: already running (pid $(pg_pid), port $PG_PORT)"
  else
    # No Unix socket (an empty unix_socket_directories): a long checkout path cannot exceed the
    # socket name limit, and no other local user reaches the server except over TCP.
    if ! as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" \
        start >/dev/null; then
      echo "postgres: did not start on port $PG_PORT; last lines of $PG_DIR/server.log:" >&2
      tail -n 20 "$PG_DIR/server.log" >&2
      exit 1
    fi
    ln -sfn "$PG_DIR/server.log" "$VAR/log/postgres.log"
    echo "postgres: started (pid $(pg_pid), port $PG_PORT, data $PG_DATA)"
  fi
  pg_create_database || exit 1
  export LOOKOUT_DATABASE_URL="postgresql://lookout@127.0.0.1:$PG_PORT/lookout"
  export LOOKOUT_DATABASE_PASSWORD_FILE=$PG_LOOKOUT_PASSWORD_FILE
}

# The role "lookout" and its database, once. The services create their schemas in it.
pg_create_database() {
  local exists
  exists=$(pg_psql -tA -c "SELECT 1 FROM pg_database WHERE datname = 'lookout'") || {
    echo "postgres: cannot connect as postgres to 127.0.0.1:$PG_PORT (is another server on" \
      "that port? set LOOKOUT_POSTGRES_PORT)" >&2
    return 1; }
  [ "$exists" = 1 ] && return 0
  # Through stdin, so the password is on no command line.
  pg_psql <<SQL || return 1
CREATE ROLE lookout LOGIN PASSWORD '$(cat "$PG_LOOKOUT_PASSWORD_FILE")';
CREATE DATABASE lookout OWNER lookout;
REVOKE ALL ON DATABASE lookout FROM PUBLIC;
SQL
  echo "postgres: created the database \"lookout\" owned by the role \"lookout\""
}

pg_stop() {
  [ -f "$PG_DATA/PG_VERSION" ] || return 0
  if pg_running; then
    PG_BIN=$(pg_bin_dir) || return 1
    as_pg_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null ||
      echo "postgres: pg_ctl stop failed (pid $(pg_pid))" >&2
    echo "postgres: stopped"
  fi
}

pg_status() {
  [ -f "$PG_DATA/PG_VERSION" ] || return 0
  if pg_running; then
    echo "postgres: running (pid $(pg_pid), port $PG_PORT, data $PG_DATA)"
  else
    echo "postgres: stopped (data $PG_DATA)"
  fi
}
