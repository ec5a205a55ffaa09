#!/usr/bin/env bash
# The lookout command end to end: the real binaries (Redis, actor, event, stats, gateway) on
# free ports, the real `lookout` binary through the gateway with API keys. Checks the exit
# status and the exact message for a wrong address, TLS against the plaintext gateway, a bad key,
# a missing file, a malformed row and a key without the right role; figures get and delete, and
# the figure's history (who recorded and deleted it, and why); that the demo dataset loads twice
# without change and gives
# the expected situation report; the real samples' counts; --parallel's checks; two imports at
# once naming the same new actors (one actor each); rejections in file order from four streams;
# and an export -> import round trip.
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
trap stop_system EXIT
start_system || exit 1

# --- the demo dataset: loads, loads again without change, and reads as a report ------------
run_lookout load "$ROOT/data/haiti-demo.json"
expect_eq "$CODE" 0 "demo dataset loads"
expect_eq "$OUT" "haiti-demo: actors 15 created, 0 already there; relationships 8 created, 0 already there; events 7 created, 0 updated, 0 unchanged, 0 rejected; figures 3 created, 0 already there" \
  "demo load summary"
run_lookout load "$ROOT/data/haiti-demo.json"
expect_eq "$OUT" "haiti-demo: actors 0 created, 15 already there; relationships 0 created, 8 already there; events 0 created, 0 updated, 7 unchanged, 0 rejected; figures 0 created, 3 already there" \
  "loading the demo again changes nothing"

run_lookout --api-key "$READER_KEY" report HTI --from 2022-10-01 --to 2024-02-29 --width 100
expect_eq "$CODE" 0 "report exits 0"
report=$(sed -E 's/\(data as of change [0-9]+\)/(data as of change N)/' <<<"$OUT")
expected=$(cat "$ROOT/tests/e2e/cli_report_haiti_demo.txt")
if [ "$report" = "$expected" ]; then
  pass "the demo report's text"
else
  fail "the demo report's text differs:"
  diff <(echo "$expected") <(echo "$report") >&2
fi

run_lookout --api-key "$READER_KEY" figures list --country HTI -o csv
expect_eq "$(tail -n +2 <<<"$OUT" | wc -l)" 3 "three reported figures for Haiti"

# --- figures get and delete: what add created, then gone; a READER may read but not delete ---
run_lookout figures add --metric killed --value 12 --low 10 --high 15 --qualifier approximately \
  --from 2024-03-01 --to 2024-03-31 --country KEN --source "E2E figures" --notes "get/delete" \
  --reason "weekly KEN figures" -o json
expect_eq "$CODE" 0 "figures add exits 0"
added=$OUT
id=$(grep -o '"id": *"obs_[^"]*"' <<<"$added" | head -n1 | cut -d'"' -f4)
expect_contains "$id" "obs_" "figures add -o json names the new id"
run_lookout --api-key "$READER_KEY" figures get "$id" -o json
expect_eq "$CODE" 0 "figures get exits 0"
expect_eq "$OUT" "$added" "figures get -o json returns what add created"
run_lookout --api-key "$READER_KEY" figures get "$id"
expect_eq "$CODE" 0 "figures get (table) exits 0"
table=$(tr -s ' ' <<<"$OUT")
expect_contains "$table" "id $id" "figures get table: the id"
expect_contains "$table" "value about 12 (10-15)" "figures get table: the value"
expect_contains "$table" "period 2024-03-01 to 2024-03-31" "figures get table: the period"
expect_contains "$table" "notes get/delete" "figures get table: the notes"
run_lookout --api-key "$READER_KEY" figures list --country KEN -o csv
listed=$OUT
run_lookout --api-key "$READER_KEY" figures get "$id" -o csv
expect_eq "$OUT" "$listed" "figures get -o csv is the row figures list prints"

run_lookout --api-key "$READER_KEY" figures delete "$id"
expect_eq "$CODE" 3 "a reader key cannot delete a figure"
case "$ERR" in
  "lookout: this API key may not do that: "*) pass "reader delete message" ;;
  *) fail "reader delete message: $ERR" ;;
esac
expect_eq "$(wc -l <<<"$ERR")" 1 "reader delete: one line"
run_lookout --api-key "$READER_KEY" figures get "$id" -o json
expect_eq "$OUT" "$added" "the refused delete left the figure"

run_lookout figures delete "$id" --reason "entered twice"
expect_eq "$CODE" 0 "an editor key deletes a figure"
expect_eq "$OUT" "deleted $id" "figures delete says what it deleted"
# Its history stays: who (the key's name, never a header the client sends), what, why.
run_lookout --api-key "$READER_KEY" figures history "$id" -o csv
expect_eq "$CODE" 0 "figures history exits 0"
expect_eq "$(wc -l <<<"$OUT")" 3 "figures history: a header, the delete, the record"
expect_eq "$(sed -n 1p <<<"$OUT")" "SEQUENCE,WHEN,WHO,CHANGE,FIELDS,WHY" \
  "figures history header (as events history)"
expect_contains "$(sed -n 2p <<<"$OUT")" ",e2e-editor,deleted,,entered twice" "history: the delete"
expect_contains "$(sed -n 3p <<<"$OUT")" ",e2e-editor,created,\"id,metric,value," \
  "history: the record and its fields"
expect_contains "$(sed -n 3p <<<"$OUT")" ",weekly KEN figures" "history: the record's reason"
run_lookout figures add --metric killed --value 1 --from 2024-03-01 --country KEN \
  --source "E2E figures" --reason "$(printf 'two\nlines')"
expect_eq "$CODE" 2 "a reason with a line break is refused (INVALID_ARGUMENT)"
expect_contains "$ERR" "reason" "the refusal names the reason"
run_lookout figures get "$id"
expect_eq "$CODE" 3 "figures get after delete exits 3"
expect_eq "$ERR" "lookout: observation \"$id\" not found" "figures get after delete: not found"
run_lookout figures delete "$id" -o json
expect_eq "$CODE" 3 "deleting again exits 3"
expect_eq "$ERR" "lookout: observation \"$id\" not found" "deleting again: not found"
run_lookout --api-key "$READER_KEY" figures list --country HTI -o csv
expect_eq "$(tail -n +2 <<<"$OUT" | wc -l)" 3 "Haiti's three figures are untouched"

# --- the query commands on the demo data -----------------------------------------------------
run_lookout --api-key "$READER_KEY" stats aggregate --country HTI --by event_type -o csv
expect_eq "$OUT" "event_type,events,fatalities
AID,1,0
CONSULT,1,0
REQUEST,1,0
VIOLENCE_AGAINST_CIVILIANS,1,0" "stats aggregate by event type"
run_lookout --api-key "$READER_KEY" stats trends --country HTI --end-date 2024-02-29 --window 30
expect_eq "$CODE" 0 "stats trends exits 0"
expect_contains "$OUT" "Current 2024-01-31 to 2024-02-29" "stats trends names its windows"
run_lookout --api-key "$READER_KEY" figures summarize --metric migrant-encounters --country HTI \
  --from 2023-01-01 --to 2023-09-30
expect_contains "$OUT" "- at least 105,000 persons according to U.S. Customs and Border Protection" \
  "figures summarize"
run_lookout --api-key "$READER_KEY" events list --country HTI --type consult -o csv
expect_eq "$(tail -n +2 <<<"$OUT" | cut -d, -f2,5,6)" "2024-02-05,CONSULT,Multilateral meeting" \
  "events list with filters"
run_lookout --api-key "$READER_KEY" events list --actor "Ariel Henry" --text "appealed partners" -o csv
expect_eq "$(tail -n +2 <<<"$OUT" | cut -d, -f2,5)" "2022-10-01,REQUEST" "--actor by name and --text"
run_lookout --api-key "$READER_KEY" actors resolve "UN Security Council" "Nobody Of That Name"
expect_eq "$CODE" 1 "actors resolve with an unknown name exits 1"
expect_contains "$OUT" "ALIAS" "actors resolve matches an alias"

# --- failures, each with its exit status and one clear line -------------------------------
closed=$(free_port)
run_lookout --addr "127.0.0.1:$closed" events list
expect_eq "$CODE" 3 "wrong address exits 3"
expect_eq "$ERR" "lookout: cannot reach the Lookout server at 127.0.0.1:$closed (connection refused); is it running? Set --addr or LOOKOUT_ADDR" \
  "wrong address message"

run_lookout --tls whoami
expect_eq "$CODE" 3 "TLS against the plaintext gateway exits 3"
expect_eq "$ERR" "lookout: the TLS handshake with 127.0.0.1:$GATEWAY_PORT failed: the server does not speak TLS (leave out --tls and --ca-cert, LOOKOUT_TLS and LOOKOUT_CA_CERT)" \
  "TLS against the plaintext gateway: the message"

run_lookout --api-key lk_not_a_real_key events list
expect_eq "$CODE" 3 "bad key exits 3"
case "$ERR" in
  "lookout: the server did not accept the API key ("*"); set --api-key or LOOKOUT_API_KEY")
    pass "bad key message" ;;
  *) fail "bad key message: $ERR" ;;
esac
expect_eq "$(wc -l <<<"$ERR")" 1 "bad key: one line"

run_lookout import acled "$FIXTURES/acled/no-such-file.csv"
expect_eq "$CODE" 2 "missing file exits 2"
expect_eq "$ERR" "lookout: cannot open $FIXTURES/acled/no-such-file.csv: No such file or directory" \
  "missing file message"

run_lookout import acled "$FIXTURES/acled/acled_rejects.csv"
expect_eq "$CODE" 1 "malformed rows exit 1"
expect_eq "$OUT" "$FIXTURES/acled/acled_rejects.csv: read 27, created 1, updated 0, unchanged 0, rejected 26
actors created: 2" "malformed rows summary"
expect_contains "$ERR" "$FIXTURES/acled/acled_rejects.csv:3: event_date: \"2023-02-30\" is not a real calendar date" \
  "malformed row named with its line"

# --- events at sea: imported, listed by basin, reported on by name -------------------------
run_lookout import acled "$FIXTURES/acled/acled_sea.csv"
expect_eq "$CODE" 0 "ACLED rows at sea import"
run_lookout import acled "$FIXTURES/acled/acled_sea_resync.csv"
expect_eq "$(head -n1 <<<"$OUT")" "$FIXTURES/acled/acled_sea_resync.csv: read 1, created 0, updated 1, unchanged 0, rejected 0" \
  "an event ACLED moved out to sea is updated in place"
run_lookout --api-key "$READER_KEY" events list --basin "Red Sea" -o csv
expect_eq "$(tail -n +2 <<<"$OUT" | wc -l)" 2 "two events in the Red Sea after the move"
run_lookout --api-key "$READER_KEY" report "Red Sea" --from 2024-06-01 --to 2024-06-30 --width 120
expect_eq "$CODE" 0 "lookout report \"Red Sea\" exits 0"
expect_contains "$OUT" "Situation report: Red Sea, 2024-06-01 to 2024-06-30" "the sea report's title"
expect_contains "$OUT" "Events: 2" "the sea report counts the sea's events"
expect_contains "$OUT" "Southern Red Sea (centroid), Red Sea" "a sea event placed by its area's name"
run_lookout --api-key "$READER_KEY" report "caribbean sea" --from 2024-05-01 --to 2024-05-31
expect_contains "$OUT" "Situation report: Caribbean Sea" "a report on a body of water"
expect_contains "$OUT" "Events: 1" "the Caribbean crossing at sea"
run_lookout --api-key "$READER_KEY" stats aggregate --from 2024-05-01 --to 2024-07-31 --by maritime_basin -o csv
expect_contains "$OUT" "Red Sea,2," "aggregates by maritime basin"

run_lookout --api-key "$READER_KEY" import gdelt "$FIXTURES/gdelt/gdelt_valid.tsv"
expect_eq "$CODE" 3 "a reader key cannot import"
case "$ERR" in
  "lookout: this API key may not do that: "*) pass "reader key message" ;;
  *) fail "reader key message: $ERR" ;;
esac

run_lookout events list --from 2024-13-01
expect_eq "$CODE" 2 "bad flag value exits 2"
expect_eq "$ERR" "lookout: --from: \"2024-13-01\" is not a real calendar date
Run 'lookout help events' for usage." "bad flag value message"

# --- the real samples, through the gateway ----------------------------------------------------
SHARED=$ROOT/../shared/data
if [ -f "$SHARED/20191024143000.export.CSV" ]; then
  run_lookout import gdelt "$SHARED/20191024143000.export.CSV"
  expect_eq "$CODE" 1 "GDELT sample: some rows rejected"
  expect_eq "$(head -n1 <<<"$OUT")" "$SHARED/20191024143000.export.CSV: read 2111, created 2073, updated 0, unchanged 0, rejected 38" \
    "GDELT sample counts"
  run_lookout import ucdp "$SHARED/ucdp_ged_conflict_data_BGD_hxl.csv"
  expect_eq "$(head -n1 <<<"$OUT")" "$SHARED/ucdp_ged_conflict_data_BGD_hxl.csv: read 601, created 600, updated 0, unchanged 0, rejected 1" \
    "UCDP sample counts"
  run_lookout import ucdp "$SHARED/ucdp_ged_conflict_data_BGD_hxl.csv" --repair-ranges
  expect_eq "$CODE" 0 "UCDP sample with --repair-ranges imports the last row"
  expect_eq "$OUT" "$SHARED/ucdp_ged_conflict_data_BGD_hxl.csv: read 601, created 1, updated 0, unchanged 600, rejected 0" \
    "UCDP repaired row is the only one created"
else
  echo "skip: ../shared/data is absent (real samples not imported)"
fi

# --- --parallel: checked before anything is read ------------------------------------------
for bad in 0 17 x; do
  run_lookout import acled "$FIXTURES/acled/acled_valid.csv" --parallel "$bad"
  expect_eq "$CODE" 2 "--parallel $bad exits 2"
  expect_eq "$ERR" "lookout: --parallel must be a whole number from 1 to 16, got \"$bad\"
Run 'lookout help import' for usage." "--parallel $bad: the message names the flag and the rule"
done
run_lookout import acled "$FIXTURES/acled/acled_valid.csv" --parallel
expect_eq "$CODE" 2 "--parallel without a value exits 2"
expect_contains "$ERR" "--parallel needs a value" "--parallel without a value: the message"

# --- two imports at once, naming the same new actors: one actor per name ---------------------
header="event_id_cnty,event_date,event_type,sub_event_type,actor1,inter1,actor2,inter2,iso"
{
  echo "$header"
  for i in $(seq 0 299); do
    echo "TWO$i,2024-02-$((10 + i % 18)),Battles,Armed clash,E2E Shared $i,3,E2E Shared $(((i + 1) % 300)),3,332"
  done
} >"$SYSTEM_DIR/two-a.csv"
{
  echo "$header"
  for i in $(seq 0 299); do
    echo "OWT$i,2024-02-$((10 + i % 18)),Battles,Armed clash,E2E Shared $((299 - i)),3,,,332"
  done
} >"$SYSTEM_DIR/two-b.csv"
"$LOOKOUT_BIN" --quiet import acled "$SYSTEM_DIR/two-a.csv" --parallel 4 >"$SYSTEM_DIR/two-a.out" 2>&1 &
first=$!
"$LOOKOUT_BIN" --quiet import acled "$SYSTEM_DIR/two-b.csv" --parallel 4 >"$SYSTEM_DIR/two-b.out" 2>&1 &
second=$!
wait "$first"
expect_eq "$?" 0 "the first of two simultaneous imports exits 0"
wait "$second"
expect_eq "$?" 0 "the second of two simultaneous imports exits 0"
expect_eq "$(head -n1 "$SYSTEM_DIR/two-a.out")" "$SYSTEM_DIR/two-a.csv: read 300, created 300, updated 0, unchanged 0, rejected 0" \
  "the first simultaneous import's rows"
expect_eq "$(head -n1 "$SYSTEM_DIR/two-b.out")" "$SYSTEM_DIR/two-b.csv: read 300, created 300, updated 0, unchanged 0, rejected 0" \
  "the second simultaneous import's rows"
run_lookout actors list --query "E2E Shared" --limit 0 -o csv
names=$(tail -n +2 <<<"$OUT" | cut -d, -f2 | grep -c "^E2E Shared ")
distinct=$(tail -n +2 <<<"$OUT" | cut -d, -f2 | grep "^E2E Shared " | sort -u | wc -l)
expect_eq "$names" 300 "two simultaneous imports: 300 actors for 300 names"
expect_eq "$distinct" 300 "two simultaneous imports: no name twice"

# --- rejections in file order with four streams ------------------------------------------------
# Every 7th row has an impossible date (the parser refuses it), every 5th names an actor made of
# a zero-width space (the actor service refuses it); the rest name actors new and old.
invisible=$(printf '\xe2\x80\x8b')
{
  echo "$header"
  for i in $(seq 1 600); do
    date=$(printf "2024-03-%02d" $((1 + i % 28)))
    actor="E2E Order $((i % 150))"
    [ $((i % 7)) -ne 0 ] || date="2024-02-30"
    [ $((i % 5)) -ne 0 ] || actor=$invisible
    echo "ORD$i,$date,Protests,Peaceful protest,$actor,6,,,332"
  done
} >"$SYSTEM_DIR/order.csv"
expected_err=""
rejected=0
for i in $(seq 1 600); do
  line=$((i + 1))
  if [ $((i % 7)) -eq 0 ]; then
    expected_err+="$SYSTEM_DIR/order.csv:$line: event_date: \"2024-02-30\" is not a real calendar date"$'\n'
  elif [ $((i % 5)) -eq 0 ]; then
    expected_err+="$SYSTEM_DIR/order.csv:$line: actor \"$invisible\": refused by the actor service: name: must contain a visible character"$'\n'
  else
    continue
  fi
  rejected=$((rejected + 1))
done
run_lookout --quiet import acled "$SYSTEM_DIR/order.csv" --parallel 4
expect_eq "$CODE" 1 "rows rejected with --parallel 4 exit 1"
expect_eq "$(head -n1 <<<"$OUT")" "$SYSTEM_DIR/order.csv: read 600, created $((600 - rejected)), updated 0, unchanged 0, rejected $rejected" \
  "--parallel 4: the counts"
expect_eq "$ERR" "${expected_err%$'\n'}" "--parallel 4: every rejection, in file order"
run_lookout --quiet import acled "$SYSTEM_DIR/order.csv" --parallel 4
expect_eq "$(head -n1 <<<"$OUT")" "$SYSTEM_DIR/order.csv: read 600, created 0, updated 0, unchanged $((600 - rejected)), rejected $rejected" \
  "--parallel 4 again: nothing created or updated"
expect_eq "$ERR" "${expected_err%$'\n'}" "--parallel 4 again: the same rejections, in file order"

# --- export then import: nothing new ---------------------------------------------------------
run_lookout export events --format jsonl --out "$SYSTEM_DIR/all.jsonl"
expect_eq "$CODE" 0 "export exits 0"
exported=$(wc -l <"$SYSTEM_DIR/all.jsonl")
"$LOOKOUT_BIN" --quiet import jsonl - <"$SYSTEM_DIR/all.jsonl" >"$SYSTEM_DIR/reimport.out" 2>&1
expect_eq "$?" 0 "re-import of the export exits 0"
expect_eq "$(cat "$SYSTEM_DIR/reimport.out")" "stdin: read $exported, created 0, updated 0, unchanged $exported, rejected 0" \
  "re-importing the export creates nothing"

# --- a tight rate limit: the client waits as long as the gateway asks, and finishes ----------
stop_system
CLI_TEST_RATE_LIMITS="READER=2:2,EDITOR=2:2,ADMIN=2:2" start_system || exit 1
run_lookout import gdelt "$FIXTURES/gdelt/gdelt_valid.tsv"
expect_eq "$CODE" 0 "an import under a 2 calls/s limit completes"
expect_eq "$(head -n1 <<<"$OUT")" "$FIXTURES/gdelt/gdelt_valid.tsv: read 5, created 5, updated 0, unchanged 0, rejected 0" \
  "every row imported despite the limit"
run_lookout events list --limit 0 -o csv
expect_eq "$CODE" 0 "a query under the limit completes"

finish
