// Translates an EventFilter and an order into SQL over the PostgreSQL store's events table
// (alias "e"), with the values as bound parameters; the counterpart of event_query_sql.h. The
// SQL text depends only on which filter fields are set (lists travel as one array parameter),
// so each connection prepares few statements.
#ifndef LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_QUERY_H_
#define LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_QUERY_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/pg_connection.h"
#include "lookout/event/v1/event.pb.h"
#include "services/event/event_store.h"

namespace lookout::event {

struct PgCondition {
  std::string where;  // "NOT e.deleted AND ..."
  pg::Params params;
};

// Live events matching `filter` (validated).
PgCondition PostgresFilterCondition(const lookout::event::v1::EventFilter& filter);

// ListEvents' statements over `condition`: the count of every match, and a page (the event,
// its sort key and id). The page's parameters are the condition's, then the cursor's two when
// `after_cursor`, then the limit.
std::string PostgresListCountSql(const PgCondition& condition);
std::string PostgresListPageSql(const PgCondition& condition, EventOrder order, bool after_cursor);

// The PostgreSQL counterpart of DayCountStatement (event_query_sql.h), the same statement
// shapes: set when CountsByDay(filter); `where` holds the whole statement.
std::optional<PgCondition> PostgresDayCountStatement(const lookout::event::v1::EventFilter& filter);
PgCondition PostgresWithEarliestDay(PgCondition condition, int64_t earliest_day);

// The tsvector literal of `notes`' words (event_filter::TextWords, the SQLite index's
// tokenizer), or "" when it has none. A word longer than kLongWord bytes (no query can name
// it whole: filter text is shorter) is kept as "~" and its first kLongWord bytes, which only a
// prefix query reaches.
std::string NotesTsVector(absl::string_view notes);
// The tsquery literal a `text` filter means: every word, a prefix word as a prefix.
std::string TextTsQuery(absl::string_view text);

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_POSTGRES_EVENT_QUERY_H_
