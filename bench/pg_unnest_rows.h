// The rows created events put into the PostgreSQL event store's tables, as the statements the
// store now writes them with: one INSERT ... SELECT FROM unnest(...) per table, each column one
// array literal (pg::ArrayLiteral). Built independently of PostgresEventTransaction, so that the
// raw baseline (postgres_baseline.cc) issues what the store issues without running the store's
// code. The SQL texts below are the store's (postgres_event_transaction.cc, Flush), kept equal
// by hand: a change there must be made here too.
#ifndef LOOKOUT_BENCH_PG_UNNEST_ROWS_H_
#define LOOKOUT_BENCH_PG_UNNEST_ROWS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/pg_connection.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::bench {

inline constexpr char kInsertEventsSql[] =
    "INSERT INTO events (id, event_day, end_day, country, admin1, event_type, "
    "sub_event_type, fatalities, lat, lon, deleted, sequence, words, event) SELECT id, d, e, "
    "c, a, t, s, f, la, lo, false, q, w::tsvector, b FROM unnest($1::text[], $2::int8[], "
    "$3::int8[], $4::text[], $5::text[], $6::int8[], $7::text[], $8::int8[], $9::float8[], "
    "$10::float8[], $11::int8[], $12::text[], $13::bytea[]) AS x(id, d, e, c, a, t, s, f, "
    "la, lo, q, w, b)";
inline constexpr char kInsertActorsSql[] =
    "INSERT INTO event_actors (actor_id, event_id) SELECT * FROM unnest($1::text[], "
    "$2::text[])";
inline constexpr char kInsertTagsSql[] =
    "INSERT INTO event_tags (tag, event_id) SELECT * FROM unnest($1::text[], $2::text[])";
inline constexpr char kInsertExternalIdsSql[] =
    "INSERT INTO event_external_ids (scheme, value, event_id) SELECT * FROM "
    "unnest($1::text[], $2::text[], $3::text[])";
inline constexpr char kInsertChangesSql[] =
    "INSERT INTO changes (sequence, event_id, type, event) SELECT * FROM unnest($1::int8[], "
    "$2::text[], $3::int8[], $4::bytea[])";

// One statement ready to run: its SQL and its finished array parameters.
struct PgStatement {
  const char* sql;
  pg::Params params;
};

// The columns of the rows gathered so far, one array literal each.
class PgUnnestRows {
 public:
  // Appends the rows of `event`: stamped (StampNew), its sequence set, valid. `words` is its
  // notes' tsvector literal (NotesTsVector), computed once by the caller.
  absl::Status AppendCreatedEvent(const lookout::event::v1::Event& event,
                                  absl::string_view words);

  // The INSERTs writing what was appended, in the store's order (events, event_actors,
  // event_tags, event_external_ids, changes), a table without rows left out as the store
  // leaves it out. Consumes the rows.
  std::vector<PgStatement> Finish() &&;

 private:
  pg::ArrayLiteral ids_, event_days_, end_days_, countries_, admin1s_, types_, sub_types_,
      fatalities_, lats_, lons_, sequences_, words_, blobs_;
  pg::ArrayLiteral actor_ids_, actor_events_, tags_, tag_events_, schemes_, values_,
      owner_events_;
  pg::ArrayLiteral change_sequences_, change_events_, change_types_, change_blobs_;
};

}  // namespace lookout::bench

#endif  // LOOKOUT_BENCH_PG_UNNEST_ROWS_H_
