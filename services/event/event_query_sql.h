// Translates an EventFilter and an order into SQL over the events table (alias "e") of the
// SQLite store, with the values as bound parameters. List values travel as one JSON array
// parameter (IN (SELECT value FROM json_each(?))), so the SQL text depends only on which filter
// fields are set, and the connections' prepared-statement caches stay small.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_QUERY_SQL_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_QUERY_SQL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/sqlite_db.h"
#include "lookout/event/v1/event.pb.h"
#include "services/event/event_store.h"

namespace lookout::event {

using SqlValue = std::variant<int64_t, double, std::string>;

struct SqlCondition {
  std::string where;  // "e.deleted = 0 AND ..."
  std::vector<SqlValue> params;
};

// Live events matching `filter` (validated).
SqlCondition FilterCondition(const lookout::event::v1::EventFilter& filter);

// The column an order sorts by first ("e.event_day" or "e.fatalities").
const char* SortColumn(EventOrder order);
// "ORDER BY ..." with the id as tie-break, so the order is total and a cursor is exact.
const char* OrderByClause(EventOrder order);
// " AND (sort, id) < (?, ?)" (or > for ascending): the rows after `cursor`.
std::string AfterCursorCondition(EventOrder order);

// ListEvents' statements over `condition`: the count of every match, and a page (the event, its
// sort key and id; parameters: the condition's, then the cursor's two when `after_cursor`, then
// the limit).
std::string ListCountSql(const SqlCondition& condition);
std::string ListPageSql(const SqlCondition& condition, EventOrder order, bool after_cursor);

// A statement and its parameters, in order.
struct SqlStatement {
  std::string sql;
  std::vector<SqlValue> params;
};

// Set when `filter` names nothing but countries and a date range (the situation report's
// filter, an unfiltered list): ListEvents' total_size, the same number ListCountSql counts,
// read from the kept counts instead of the events (issue 21), as one row of two columns: the
// total, and the earliest event_day of a live match or NULL. Every match starts on or after
// that day, so a page walking a date index back from the end date can stop there instead of at
// the country's first event. The earliest day is NULL when no walk needs it (no start date:
// every event a date index walk meets up to the end date matches).
//   - No date range: the countries' rows of event_country_totals (country '', every
//     country's, without any).
//   - An end date only: those totals less the event_day_counts rows starting after it.
//   - A start date: the event_day_counts rows overlapping the range, walked from the start
//     date less the countries' longest span (event_country_totals.max_span): an event that
//     ends on or after the start began no earlier than that, so the walk is proportional to
//     the period asked for, not to the history before it.
std::optional<SqlStatement> DayCountStatement(const lookout::event::v1::EventFilter& filter);
// `condition` with "e.event_day >= ?" added (DayCountStatement's earliest day).
SqlCondition WithEarliestDay(SqlCondition condition, int64_t earliest_day);

// Whether DayCountStatement answers for `filter` (shared with the PostgreSQL store).
bool CountsByDay(const lookout::event::v1::EventFilter& filter);

// Binds `params` to parameters first_index, first_index + 1, ...
void BindAll(Statement& statement, const std::vector<SqlValue>& params, int first_index = 1);

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_QUERY_SQL_H_
