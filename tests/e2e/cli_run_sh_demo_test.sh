#!/usr/bin/env bash
# The README's run command loads the Haiti demo dataset: scripts/run.sh start (private var dir,
# free ports, LOOKOUT_LOAD_DEMO=1) leaves the demo's seven events readable through the gateway
# with the generated reader key, and a second start loads it again without adding anything.
# The same on PostgreSQL: cli_run_sh_postgres_demo_test.sh.
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/run_sh_demo_lib.sh"

run_sh_private_env
cleanup() { "$ROOT/scripts/run.sh" stop >/dev/null 2>&1; rm -rf "$LOOKOUT_VAR_DIR"; }
trap cleanup EXIT

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; echo "FAIL: run.sh start"; exit 1; }
expect_demo_first_load "$out"
expect_demo_served

out=$("$ROOT/scripts/run.sh" start 2>&1) || { echo "$out"; fail "second run.sh start"; }
expect_demo_nothing_new "$out" "a second start loads nothing new"
expect_eq "$(demo_event_count)" 7 "still seven demo events"

finish
