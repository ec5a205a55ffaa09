#!/usr/bin/env bash
# The chaos test: scripts/run.sh on SQLite (one process each, a private var dir, free ports),
# steady mixed load through the gateway (chaos_load.js: creates with request_ids, updates,
# deletes, imports, gets, lists, aggregates, one follow watcher), and in turn:
#   1. each of event, actor, stats and the gateway killed with SIGKILL and started again;
#   2. Redis stopped, then started again;
#   3. the event service's disk filled (its data dir is a small tmpfs of the test's own; needs
#      root, else the phase is skipped and says so), then freed, the service not restarted:
#      writes fail with RESOURCE_EXHAUSTED while it is full and succeed again once it is not;
#      then filled again and the event service killed while it is full (it must start again and
#      serve), the disk freed, and the event service killed once more, so what it wrote around
#      the failed commits must come back from its WAL.
# At the end: no acknowledged write lost (and a failed one either applied whole or not at all),
# the watcher saw every change of the log exactly once, the stats total equals the event
# store's, every process SERVING; failed calls only UNAVAILABLE (a process gone) or
# RESOURCE_EXHAUSTED (the disk full). It prints what it did and the counts. No timing asserted.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/run_sh_demo_lib.sh"
WORKERS=4

run_sh_private_env
export LOOKOUT_LOAD_DEMO=0
# The event cache on, so Redis stopping under load and SIGKILLs between a commit and its cache
# invalidation are part of the test.
export LOOKOUT_EVENT_CACHE=true
unset LOOKOUT_STORE LOOKOUT_DATABASE_URL LOOKOUT_DATABASE_PASSWORD_FILE LOOKOUT_BACKEND_REPLICAS
export LOOKOUT_RATE_LIMITS=READER=100000:100000,EDITOR=100000:100000,ADMIN=100000:100000
# No HTTP/JSON listener here: its default port (8080) would clash between parallel tests.
export LOOKOUT_HTTP_PORT=-1
PHASE_FILE=$LOOKOUT_VAR_DIR/phase
LOAD_OUT=$LOOKOUT_VAR_DIR/load.json
EVENT_FS=$LOOKOUT_VAR_DIR/event-fs
LOAD_PID=
MOUNTED=0
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
  "$ROOT/scripts/run.sh" stop >/dev/null 2>&1
  # Lazily if a process still holds a file there: a mount must not outlive the test.
  [ "$MOUNTED" = 1 ] && { umount "$EVENT_FS" 2>/dev/null || umount -l "$EVENT_FS"; }
  rm -rf "$LOOKOUT_VAR_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM  # ctest's timeout: clean up too

# The event service's data dir on a filesystem of its own that the test can fill.
mkdir -p "$EVENT_FS"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64m lookout-chaos "$EVENT_FS" 2>/dev/null; then
  MOUNTED=1
  export LOOKOUT_EVENT_DATA_DIR=$EVENT_FS
else
  echo "note: cannot mount a tmpfs (needs root and CAP_SYS_ADMIN): the disk-full phase is skipped"
fi

step() { echo "chaos: $*"; }
# The load reads the phase every 20 ms: a fault starts after the load knows of it.
set_phase() { echo "$1" >"$PHASE_FILE"; sleep 0.1; }
pid_of() { cat "$LOOKOUT_VAR_DIR/run/$1.pid"; }
# Failed calls of the phases whose name matches the regex $1 with the code $2.
failed_with() {
  /usr/bin/python3 -c "
import json, re, sys
try: c = json.load(open(sys.argv[1]))['codes']
except Exception: c = {}
print(sum(n.get(sys.argv[3], 0) for b, n in c.items() if re.search(sys.argv[2], b)))" \
    "$PHASE_FILE.codes" "$1" "$2"
}
# After a fault: phase $1 until 20 calls of it succeed (bounded; clients reconnect with back-off).
recover() {
  set_phase "$1"
  local ok
  for _ in $(seq 300); do
    ok=$(/usr/bin/python3 -c "
import json, sys
try: print(json.load(open(sys.argv[1]))['ok'].get(sys.argv[2], 0))
except Exception: print(0)" "$PHASE_FILE.codes" "$1")
    [ "$ok" -ge 20 ] && return
    sleep 0.1
  done
  fail "the load succeeds again in phase $1"
}

started=$(date +%s)
out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "FAIL: run.sh start"; exit 1; }
set -a; source "$LOOKOUT_VAR_DIR/dev-keys.env"; set +a
set_phase warmup
LOOKOUT_GATEWAY_ADDR=127.0.0.1:$LOOKOUT_GATEWAY_PORT LOOKOUT_PHASE_FILE=$PHASE_FILE \
  LOOKOUT_LOAD_WORKERS=$WORKERS node "$ROOT/tests/e2e/chaos_load.js" >"$LOAD_OUT" &
LOAD_PID=$!
for _ in $(seq 300); do [ -f "$PHASE_FILE.ready" ] && break; kill -0 "$LOAD_PID" 2>/dev/null || break; sleep 0.1; done
[ -f "$PHASE_FILE.ready" ] || { cat "$LOAD_OUT"; fail "the load started"; finish; exit 1; }
step "load running: $WORKERS workers and a follow watcher through the gateway"
sleep 2

# SIGKILL for process $1, started again by run.sh, phases $2 and after-$2.
kill_and_restart() {
  local name=$1 old out
  set_phase "$2"
  old=$(pid_of "$name")
  kill -KILL "$old"
  step "$name (pid $old) killed with SIGKILL"
  sleep 0.5
  out=$("$ROOT/scripts/run.sh" start 2>&1)
  if grep -q "^$name: started" <<<"$out"; then
    step "$name started again (pid $(pid_of "$name")) and SERVING"
  else
    echo "$out"
    fail "$name started again after SIGKILL"
  fi
  recover "after-$2"
}

# --- 1. each process killed with SIGKILL and started again -----------------------------------
for name in event actor stats gateway; do kill_and_restart "$name" "kill-$name"; done

# --- 2. Redis stopped and started again ------------------------------------------------------
set_phase redis-down
redis-cli -p "$LOOKOUT_REDIS_PORT" shutdown nosave >/dev/null 2>&1
for _ in $(seq 50); do redis-cli -p "$LOOKOUT_REDIS_PORT" ping >/dev/null 2>&1 || break; sleep 0.1; done
step "redis stopped"
sleep 3
set_phase redis-up
out=$("$ROOT/scripts/run.sh" start 2>&1)
grep -q "^redis: started" <<<"$out" && step "redis started again" || { echo "$out"; fail "redis started again"; }
recover after-redis

# --- 3. the event service's disk full, then freed --------------------------------------------
if [ "$MOUNTED" = 1 ]; then
  set_phase full
  event_pid=$(pid_of event)
  dd if=/dev/zero of="$EVENT_FS/filler" bs=64k >/dev/null 2>&1
  step "event data dir full: $(df -h --output=used,size "$EVENT_FS" | tail -1 | xargs) used"
  # Appends to the WAL can reuse its space for a while; wait (bounded) for the first refusal.
  for _ in $(seq 300); do [ "$(failed_with '^full$' RESOURCE_EXHAUSTED)" -gt 0 ] && break; sleep 0.1; done
  sleep 1
  full_refused=$(failed_with '^full' RESOURCE_EXHAUSTED)
  step "writes refused with RESOURCE_EXHAUSTED while full: $full_refused"
  [ "$full_refused" -gt 0 ] && pass "a write to a full disk fails with RESOURCE_EXHAUSTED" \
    || fail "no write failed with RESOURCE_EXHAUSTED while the disk was full"
  rm -f "$EVENT_FS/filler"
  step "event data dir freed: $(df -h --output=used,size "$EVENT_FS" | tail -1 | xargs) used"
  recover freed
  sleep 1
  expect_eq "$(pid_of event)" "$event_pid" "the event service ran through the full disk (not restarted)"
  # Full again, and killed while full: it must start again (reads served, writes refused), then
  # take writes once the disk is freed.
  set_phase full-again
  dd if=/dev/zero of="$EVENT_FS/filler" bs=64k >/dev/null 2>&1
  step "event data dir full again"
  for _ in $(seq 300); do [ "$(failed_with '^full-again$' RESOURCE_EXHAUSTED)" -gt 0 ] && break; sleep 0.1; done
  kill_and_restart event kill-event-while-full
  rm -f "$EVENT_FS/filler"
  step "event data dir freed again"
  recover freed-again
  # What it wrote around the failed commits must come back from its WAL after a crash.
  kill_and_restart event kill-event-after-full
else
  step "disk-full phase skipped (no tmpfs)"
fi

set_phase settle
sleep 1
set_phase stop
step "load stopped; checking"
wait "$LOAD_PID"
load_status=$?
LOAD_PID=

/usr/bin/python3 - "$LOAD_OUT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
if "error" in r:
    print("load error:", r["error"]); sys.exit(0)
print("chaos test counts:")
for bucket, t in r["totals"].items():
    codes = r["codes"].get(bucket, {})
    extra = "  (" + ", ".join(f"{k} {v}" for k, v in sorted(codes.items())) + ")" if codes else ""
    print(f"  phase {bucket:22} ok {t['ok']:6}  failed {t['failed']}{extra}")
for kind in ("acknowledged", "unknown"):
    w = r["writes"][kind]
    print(f"  {kind:12} writes: creates {w['create']}, updates {w['update']}, deletes {w['delete']}, "
          f"import rows {w['importRows']}")
w = r["writes"]["refused"]
print(f"  refused (RESOURCE_EXHAUSTED, must not apply): creates {w['create']}, updates {w['update']}, "
      f"deletes {w['delete']}")
print(f"  events checked {r['checked']} (NOT_FOUND {r['notFound']}), request_ids replayed to the "
      f"same event {r['replayedSame']}, acknowledged import rows found once {r['importedFound']}")
print(f"  event store total_size {r['totalSize']}, stats total_events {r['statsTotal']}; fatalities "
      f"in the store's events {r['storeFatalities']}, stats total_fatalities {r['statsFatalities']}")
print(f"  change log {r['logLength']} changes (head {r['head']}, gaps {r['logGaps']}); watcher saw "
      f"{r['watched']}: skipped {r['gaps']}, repeated {r['repeats']}, streams {r['watchStreams']}, "
      f"ends {r['watchEnds']}")
for f in r["failures"]:
    print(f"  failed: {f}")
for p in r["problems"]:
    print(f"  problem: {p}")
PY
expect_eq "$load_status" 0 "no acknowledged write lost, the watcher saw each change once, stats equals the event store"

status=$("$ROOT/scripts/run.sh" status)
echo "$status" | sed 's/^/  status: /'
grep -q "^redis: running" <<<"$status" && pass "redis runs" || fail "redis runs"
for name in actor event stats gateway; do
  grep -q "^$name: running .*: SERVING" <<<"$status" && pass "$name runs and is SERVING" \
    || fail "$name runs and is SERVING"
done
expect_eq "$(/usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print(sum(n for b, c in r.get('codes', {}).items() if b == 'warmup' for n in c.values()))" "$LOAD_OUT")" \
  0 "no call failed before the first fault"
other=$(/usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print(sorted({k for b, c in r.get('codes', {}).items() if b != 'verify' for k in c} - {'UNAVAILABLE', 'RESOURCE_EXHAUSTED'}))" "$LOAD_OUT")
expect_eq "$other" "[]" "every failed call is UNAVAILABLE or RESOURCE_EXHAUSTED"
expect_eq "$(/usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print(sum(n for b, c in r.get('codes', {}).items() if 'redis' in b for n in c.values()))" "$LOAD_OUT")" \
  0 "no call failed while Redis (a cache only) was down or starting again"
if [ "$MOUNTED" = 1 ]; then
  for phase in freed freed-again; do
    ok_writes=$(/usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print(r.get('counts', {}).get(sys.argv[2], {}).get('CreateEvent', {}).get('ok', 0))" "$LOAD_OUT" "$phase")
    [ "${ok_writes:-0}" -gt 0 ] && pass "creates succeed again once the disk is freed ($phase: $ok_writes)" \
      || fail "no create succeeded after the disk was freed ($phase)"
  done
fi
echo "note: the chaos test took $(($(date +%s) - started)) s"
finish
