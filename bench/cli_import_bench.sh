#!/usr/bin/env bash
# Import benchmark: ROWS (default 200,000) generated ACLED-format rows imported with
# `lookout import acled` through the gateway (parse, resolve actors, stream), against
# ImportEvents called directly on an event service with the actors resolved beforehand
# (lookout-bench-direct-import), each into a fresh set of services, in the same run.
#   bench/cli_import_bench.sh [ROWS]
# Prints both rates and their ratio; the target is the full path at >= 60% of the direct rate.
set -uo pipefail
source "$(dirname "$0")/../tests/e2e/cli_lib.sh"
ROWS=${1:-200000}
DIRECT_BIN=$BUILD_DIR/cli/lookout-bench-direct-import
[ -x "$DIRECT_BIN" ] || { echo "build it first: ninja -C build lookout lookout-bench-direct-import" >&2; exit 1; }
trap stop_system EXIT
start_system || exit 1

echo "bench: generating $ROWS rows"
/usr/bin/python3 "$ROOT/bench/cli_generate_acled.py" "$ROWS" >"$SYSTEM_DIR/rows.csv"
echo "bench: $(du -h "$SYSTEM_DIR/rows.csv" | cut -f1) of ACLED CSV"

# A second, empty actor + event pair for the direct baseline (same settings as the first).
direct_actor=127.0.0.1:$(free_port) direct_event=127.0.0.1:$(free_port)
start_process direct-actor "$BIN/actor/lookout-actor" --port "${direct_actor##*:}" \
  --metrics_port -1 --data_dir "$SYSTEM_DIR/direct"
start_process direct-event "$BIN/event/lookout-event" --port "${direct_event##*:}" \
  --metrics_port -1 --data_dir "$SYSTEM_DIR/direct" --actor_addr "$direct_actor" \
  --redis_addr "127.0.0.1:$SYSTEM_REDIS_PORT"
for _ in $(seq 100); do
  "$LOOKOUT_BIN" --addr "$direct_event" --event-addr "$direct_event" --actor-addr "$direct_actor" \
    --internal-token "$LOOKOUT_INTERNAL_TOKEN" events list >/dev/null 2>&1 && break
  sleep 0.2
done

echo "bench: direct ImportEvents (actors resolved beforehand, not timed)"
direct=$("$DIRECT_BIN" --event_addr "$direct_event" --actor_addr "$direct_actor" \
  --token "$LOOKOUT_INTERNAL_TOKEN" --file "$SYSTEM_DIR/rows.csv") || { echo "direct run failed"; exit 1; }
echo "  $direct"
direct_rate=$(sed -n 's/.* \([0-9]*\) rows\/s$/\1/p' <<<"$direct")

echo "bench: lookout import acled through the gateway"
start=$(date +%s%N)
"$LOOKOUT_BIN" --quiet import acled "$SYSTEM_DIR/rows.csv" >"$SYSTEM_DIR/full.out" 2>&1
code=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "  $(head -n1 "$SYSTEM_DIR/full.out") (exit $code)"
full_rate=$(( ROWS * 1000 / elapsed_ms ))
echo "  full: $ROWS rows, ${elapsed_ms} ms, $full_rate rows/s"

ratio=$(( 100 * full_rate / direct_rate ))
echo "bench: full path / direct = ${ratio}% (target >= 60%)"
[ "$code" -eq 0 ] && [ "$ratio" -ge 60 ]
