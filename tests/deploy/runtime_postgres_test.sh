#!/usr/bin/env bash
# The runtime images reach PostgreSQL: each store service's staged image files
# (deploy/docker/build.sh), run in a chroot of them as uid 65532 as the image runs, with the
# settings deploy/k8s/components/postgres gives (LOOKOUT_DATABASE_URL in keyword form naming its
# user, the password in a file), opens its store on the run's PostgreSQL server, creates its
# schema, serves, logs no password and stops on SIGTERM. So libpq and whatever it loads at run
# time are in the image, not only on the build machine.
#   tests/deploy/runtime_postgres_test.sh STAGE_ROOT POSTGRES_STATE_FILE
# Exit 77 (skipped) when not root: chroot needs it.
set -uo pipefail
STAGE_ROOT=${1:?usage: $0 STAGE_ROOT POSTGRES_STATE_FILE}
STATE=${2:?usage: $0 STAGE_ROOT POSTGRES_STATE_FILE}
CHROOT=$(command -v chroot || true)
if [ "$(id -u)" != 0 ] || [ -z "$CHROOT" ]; then
  echo "SKIP: needs root and chroot"
  exit 77
fi
url=$(sed -n 1p "$STATE" 2>/dev/null)  # postgresql://postgres@127.0.0.1:PORT/postgres
port=$(sed -n 's#^postgresql://[^@]*@127\.0\.0\.1:\([0-9]*\)/.*#\1#p' <<<"$url")
[ -n "$port" ] || { echo "FAIL: no PostgreSQL server in $STATE (the postgres fixture)"; exit 1; }
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
admin_psql() { psql -X -q -tA -h 127.0.0.1 -p "$port" -U postgres "$@"; }

suffix=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
role=runtime_$suffix database=runtime_$suffix
password=pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
admin_psql -d postgres -c "CREATE ROLE $role LOGIN PASSWORD '$password'" \
  -c "CREATE DATABASE $database OWNER $role" || { echo "FAIL: cannot create the database"; exit 1; }

tested=0
for service in event actor stats; do
  stage=$STAGE_ROOT/$service
  [ -f "$stage/runtime-files.txt" ] || continue
  tested=$((tested + 1))
  root=$WORK/$service
  cp -a "$stage/rootfs" "$root"
  # The password as the component mounts it from the operator's Secret.
  mkdir -p "$root/etc/lookout/database"
  printf '%s\n' "$password" >"$root/etc/lookout/database/password"
  chown -R 65532:65532 "$root/etc/lookout/database" && chmod 400 "$root/etc/lookout/database/password"
  log=$WORK/$service.log
  env -i LOOKOUT_DATABASE_URL="host=127.0.0.1 port=$port dbname=$database user=$role" \
    LOOKOUT_DATABASE_PASSWORD_FILE=/etc/lookout/database/password \
    LOOKOUT_PORT=0 LOOKOUT_METRICS_PORT=-1 LOOKOUT_INTERNAL_TOKEN=runtime-test \
    LOOKOUT_REDIS_ADDR= LOOKOUT_EVENT_ADDR=127.0.0.1:1 \
    "$CHROOT" --userspec=65532:65532 "$root" "/usr/local/bin/lookout-$service" >"$log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  serving=0
  for _ in $(seq 150); do
    grep -q '"msg":"serving"' "$log" && { serving=1; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ "$serving" = 1 ]; then
    ok "$service: the image's files open the store on PostgreSQL and serve, as uid 65532"
  else
    fail "$service: did not serve on PostgreSQL within 30 s; its log:"
    tail -n 5 "$log"
  fi
  schema=$(admin_psql -d "$database" -c "SELECT count(*) FROM pg_namespace WHERE nspname = '$service'")
  [ "$schema" = 1 ] && ok "$service: created its schema \"$service\"" ||
    fail "$service: no schema \"$service\" in the database"
  grep -qF -- "$password" "$log" && fail "$service: the password is in its log" ||
    ok "$service: the password is not in its log"
  kill -TERM "$pid" 2>/dev/null
  status=124
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; status=$?; break; }
    sleep 0.1
  done
  [ "$status" = 0 ] && ok "$service: stops on SIGTERM (exit 0)" ||
    fail "$service: did not stop cleanly on SIGTERM (status $status)"
done
admin_psql -d postgres -c "DROP DATABASE $database" -c "DROP ROLE $role" >/dev/null
[ "$tested" -gt 0 ] || fail "no store service staged in $STAGE_ROOT"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
