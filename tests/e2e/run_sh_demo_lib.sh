# shellcheck shell=bash
# Sourced by the scripts/run.sh demo tests (SQLite and PostgreSQL): a private var dir and free
# ports for run.sh, and the checks that the Haiti demo dataset (data/haiti-demo.json) is loaded
# and served through the gateway with the generated reader key. Needs cli_lib.sh first.

# A private var dir under /tmp and free ports for everything run.sh starts; the demo loads even
# though setup is skipped.
run_sh_private_env() {
  export LOOKOUT_VAR_DIR
  LOOKOUT_VAR_DIR=$(mktemp -d /tmp/lookout-cli-demo-XXXXXX)
  export LOOKOUT_SKIP_SETUP=1 LOOKOUT_LOAD_DEMO=1
  local name
  for name in REDIS ACTOR EVENT GATEWAY STATS POSTGRES; do export "LOOKOUT_${name}_PORT=$(free_port)"; done
  for name in ACTOR EVENT GATEWAY STATS; do export "LOOKOUT_${name}_METRICS_PORT=$(free_port)"; done
  # shellcheck disable=SC2034  # cli_lib.sh's run_lookout keeps its output files there
  SYSTEM_DIR=$LOOKOUT_VAR_DIR
  export LOOKOUT_ADDR=127.0.0.1:$LOOKOUT_GATEWAY_PORT
  export LOOKOUT_HTTP_PORT=$(free_port)  # the gateway's HTTP/JSON port, not the default 8080
}

DEMO_FIRST_LOAD="haiti-demo: actors 15 created, 0 already there; relationships 8 created, 0 already there; events 7 created"
DEMO_FIGURES_LOAD="figures 3 created, 0 already there"
DEMO_NOTHING_NEW="haiti-demo: actors 0 created, 15 already there; relationships 0 created, 8 already there; events 0 created, 0 updated, 7 unchanged"

# run.sh's output of a start that loaded the demo into an empty system.
expect_demo_first_load() {
  expect_contains "$1" "$DEMO_FIRST_LOAD" "run.sh loads the demo dataset"
  # Figures need the stats service; where run.sh does not start it, the rest still loads. (The
  # status is read whole first: grep -q leaving early would fail the pipe under pipefail.)
  local status
  status=$("$ROOT/scripts/run.sh" status)
  if grep -q "^stats: running" <<<"$status"; then
    expect_contains "$1" "$DEMO_FIGURES_LOAD" "run.sh loads the demo's figures"
  fi
}

# run.sh's output of a start that found the demo already there.
expect_demo_nothing_new() {
  expect_contains "$1" "$DEMO_NOTHING_NEW" "$2"
}

demo_event_count() {
  run_lookout --api-key "$LOOKOUT_READER_KEY" events list --tag haiti-demo --limit 0 -o csv
  tail -n +2 <<<"$OUT" | wc -l
}

# The demo's events and actors, read through the gateway with the reader key.
expect_demo_served() {
  source "$LOOKOUT_VAR_DIR/dev-keys.env"
  expect_eq "$(demo_event_count)" 7 "the demo's seven events are there${1:+ ($1)}"
  run_lookout --api-key "$LOOKOUT_READER_KEY" actors list --query "Ariel Henry" -o csv
  expect_contains "$OUT" ",Ariel Henry,PERSON,HTI,Prime Minister Ariel Henry" \
    "the demo's actors are there${1:+ ($1)}"
}
