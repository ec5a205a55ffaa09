#!/usr/bin/env bash
# The README's run command loads the Haiti demo dataset: scripts/run.sh start (private var dir,
# free ports, LOOKOUT_LOAD_DEMO=1) leaves the demo's seven events readable through the gateway
# with the generated reader key, and a second start loads it again without adding anything.
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"

export LOOKOUT_VAR_DIR=$(mktemp -d /tmp/lookout-cli-demo-XXXXXX)
export LOOKOUT_SKIP_SETUP=1 LOOKOUT_LOAD_DEMO=1
for name in REDIS ACTOR EVENT GATEWAY STATS; do export "LOOKOUT_${name}_PORT=$(free_port)"; done
for name in ACTOR EVENT GATEWAY STATS; do export "LOOKOUT_${name}_METRICS_PORT=$(free_port)"; done
cleanup() { "$ROOT/scripts/run.sh" stop >/dev/null 2>&1; rm -rf "$LOOKOUT_VAR_DIR"; }
trap cleanup EXIT
SYSTEM_DIR=$LOOKOUT_VAR_DIR

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "FAIL: run.sh start"; exit 1; }
# Figures need the stats service; where run.sh does not start it, the rest still loads.
with_stats=0
"$ROOT/scripts/run.sh" status | grep -q "^stats: running" && with_stats=1
expect_contains "$out" "haiti-demo: actors 15 created, 0 already there; relationships 8 created, 0 already there; events 7 created" \
  "run.sh loads the demo dataset"
if [ "$with_stats" = 1 ]; then
  expect_contains "$out" "figures 3 created, 0 already there" "run.sh loads the demo's figures"
fi
source "$LOOKOUT_VAR_DIR/dev-keys.env"
export LOOKOUT_ADDR=127.0.0.1:$LOOKOUT_GATEWAY_PORT

demo_events() {
  run_lookout --api-key "$LOOKOUT_READER_KEY" events list --tag haiti-demo --limit 0 -o csv
  tail -n +2 <<<"$OUT" | wc -l
}
expect_eq "$(demo_events)" 7 "the demo's seven events are there"
run_lookout --api-key "$LOOKOUT_READER_KEY" actors list --query "Ariel Henry" -o csv
expect_contains "$OUT" ",Ariel Henry,PERSON,HTI,Prime Minister Ariel Henry" "the demo's actors are there"

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; fail "second run.sh start"; }
expect_contains "$out" "haiti-demo: actors 0 created, 15 already there; relationships 0 created, 8 already there; events 0 created, 0 updated, 7 unchanged" \
  "a second start loads nothing new"
expect_eq "$(demo_events)" 7 "still seven demo events"

finish
