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

// Set when `filter` names nothing but countries and a date range (the situation report's
// filter, an unfiltered list): ListEvents' total_size is then the sum of the live counts of the
// event_day_counts rows of those countries (of country '', every country's, without any) whose
// [event_day, end_day] overlaps the range, the same number ListCountSql counts, read from at
// most one row per distinct pair of days instead of one per event. Over table alias "c".
std::optional<SqlCondition> DayCountCondition(const lookout::event::v1::EventFilter& filter);
// The total, and the earliest event_day of a live match (NULL when none), over `condition`.
// Every match starts on or after that day, so a page walking a date index back from the end
// date can stop there instead of at the country's first event (a period with few or no
// events would otherwise walk the whole history before it).
std::string DayCountSql(const SqlCondition& condition);
// `condition` with "e.event_day >= ?" added (DayCountSql's earliest day).
SqlCondition WithEarliestDay(SqlCondition condition, int64_t earliest_day);

// Whether DayCountCondition answers for `filter` (shared with the PostgreSQL store).
bool CountsByDay(const lookout::event::v1::EventFilter& filter);

// Binds `params` to parameters first_index, first_index + 1, ...
void BindAll(Statement& statement, const std::vector<SqlValue>& params, int first_index = 1);

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_QUERY_SQL_H_
