// The rows a created event puts into the PostgreSQL event store's tables (events, event_actors,
// event_tags, event_external_ids, changes), in COPY's text format, built independently of
// PostgresEventStore so that the raw baseline (postgres_baseline.cc) writes what the store
// writes without going through it.
#ifndef LOOKOUT_BENCH_PG_COPY_ROWS_H_
#define LOOKOUT_BENCH_PG_COPY_ROWS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout::bench {

// COPY data per table, the order of the columns as in kCopyEventsSql and the others below.
struct PgCopyRows {
  std::string events;
  std::string actors;
  std::string tags;
  std::string external_ids;
  std::string changes;

  void Clear();
};

inline constexpr char kCopyEventsSql[] =
    "COPY events (id, event_day, end_day, country, admin1, event_type, sub_event_type, "
    "fatalities, lat, lon, deleted, sequence, words, event) FROM STDIN";
inline constexpr char kCopyActorsSql[] = "COPY event_actors (actor_id, event_id) FROM STDIN";
inline constexpr char kCopyTagsSql[] = "COPY event_tags (tag, event_id) FROM STDIN";
inline constexpr char kCopyExternalIdsSql[] =
    "COPY event_external_ids (scheme, value, event_id) FROM STDIN";
inline constexpr char kCopyChangesSql[] =
    "COPY changes (sequence, event_id, type, event) FROM STDIN";

// Appends the rows of `event`: stamped (StampNew), its sequence set, valid. `words` is its
// notes' tsvector literal (NotesTsVector), computed once by the caller.
absl::Status AppendCreatedEvent(const lookout::event::v1::Event& event, absl::string_view words,
                                PgCopyRows& rows);

}  // namespace lookout::bench

#endif  // LOOKOUT_BENCH_PG_COPY_ROWS_H_
