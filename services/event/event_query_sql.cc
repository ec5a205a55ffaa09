#include "services/event/event_query_sql.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "common/logging.h"
#include "common/validation.h"
#include "event_filter/event_validation.h"
#include "event_filter/text_words.h"
#include "services/event/source_attribute_columns.h"

namespace lookout::event {
namespace {

template <typename Repeated>
std::string JsonStringArray(const Repeated& values) {
  std::string json = "[";
  for (const auto& value : values) {
    absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"", JsonEscape(value), "\"");
  }
  return json + "]";
}

template <typename Int>
std::string JsonIntArray(const google::protobuf::RepeatedField<Int>& values) {
  std::string json = "[";
  for (int value : values) absl::StrAppend(&json, json.size() > 1 ? "," : "", value);
  return json + "]";
}

// `text` as an FTS5 query that means what the matcher means (event_filter/text_words.h): each
// word quoted, so FTS5 reads none of it as syntax (OR, NEAR, '-', ':', '^', parentheses), and
// juxtaposed, which FTS5 ANDs. A prefix word keeps its '*' outside the quotes.
std::string FullTextQuery(absl::string_view text) {
  std::string query;
  for (const event_filter::QueryWord& word : event_filter::QueryWords(text)) {
    // A word is letters and digits, never a quote; doubling one keeps that an assumption only.
    absl::StrAppend(&query, query.empty() ? "" : " ", "\"",
                    absl::StrReplaceAll(word.as_written, {{"\"", "\"\""}}), "\"",
                    word.prefix ? "*" : "");
  }
  return query;
}

// EventFilter fields 11-19 as one subquery over event_source_attributes (schema v6), whose
// columns are NULL for the other sources: a NULL never passes a comparison, so an event without
// the attribute never matches, as in the matcher.
void AddSourceAttributeConditions(const v1::EventFilter& filter, SqlCondition* c) {
  if (!event_filter::HasSourceAttributeFilter(filter)) return;
  std::string where;
  auto add = [&](absl::string_view sql, SqlValue value) {
    absl::StrAppend(&where, where.empty() ? "" : " AND ", sql);
    c->params.push_back(std::move(value));
  };
  if (filter.goldstein_scale().has_min()) add("goldstein >= ?", filter.goldstein_scale().min());
  if (filter.goldstein_scale().has_max()) add("goldstein <= ?", filter.goldstein_scale().max());
  if (filter.avg_tone().has_min()) add("tone >= ?", filter.avg_tone().min());
  if (filter.avg_tone().has_max()) add("tone <= ?", filter.avg_tone().max());
  if (!filter.quad_classes().empty()) {
    add("quad_class IN (SELECT value FROM json_each(?))", JsonIntArray(filter.quad_classes()));
  }
  if (filter.min_num_mentions() > 0) {
    add("mentions >= ?", static_cast<int64_t>(filter.min_num_mentions()));
  }
  if (filter.has_is_root_event()) {
    add("root = ?", static_cast<int64_t>(filter.is_root_event() ? 1 : 0));
  }
  if (!filter.disorder_types().empty()) {
    add("disorder_type IN (SELECT value FROM json_each(?))",
        JsonStringArray(filter.disorder_types()));
  }
  if (!filter.interactions().empty()) {
    add("interaction IN (SELECT value FROM json_each(?))", JsonIntArray(filter.interactions()));
  }
  if (!filter.ucdp_conflict_ids().empty()) {
    add("conflict_id IN (SELECT value FROM json_each(?))",
        JsonIntArray(filter.ucdp_conflict_ids()));
  }
  if (!filter.ucdp_dyad_ids().empty()) {
    add("dyad_id IN (SELECT value FROM json_each(?))", JsonIntArray(filter.ucdp_dyad_ids()));
  }
  absl::StrAppend(&c->where, " AND e.pk IN (SELECT pk FROM event_source_attributes WHERE ", where,
                  ")");
}

}  // namespace

SqlCondition FilterCondition(const v1::EventFilter& filter) {
  SqlCondition c;
  // Literal "deleted = 0" lets SQLite use the partial indexes defined WHERE deleted = 0.
  c.where = "e.deleted = 0";
  auto add = [&c](absl::string_view sql, SqlValue value) {
    absl::StrAppend(&c.where, " AND ", sql);
    c.params.push_back(std::move(value));
  };
  // One value is an equality: SQLite then reads a date-ordered index in order and stops after
  // the page; with IN over a list it sorts every match first.
  if (filter.country_codes_size() == 1) {
    add("e.country = ?", filter.country_codes(0));
  } else if (!filter.country_codes().empty()) {
    add("e.country IN (SELECT value FROM json_each(?))", JsonStringArray(filter.country_codes()));
  }
  // The "<> ''" terms are the partial indexes' own conditions, which SQLite must find in the
  // query to use them.
  if (filter.maritime_basins_size() == 1) {
    add("e.basin <> '' AND e.basin = ?", filter.maritime_basins(0));
  } else if (!filter.maritime_basins().empty()) {
    add("e.basin <> '' AND e.basin IN (SELECT value FROM json_each(?))",
        JsonStringArray(filter.maritime_basins()));
  }
  if (filter.bodies_of_water_size() == 1) {
    add("e.water_body <> '' AND e.water_body = ?", filter.bodies_of_water(0));
  } else if (!filter.bodies_of_water().empty()) {
    add("e.water_body <> '' AND e.water_body IN (SELECT value FROM json_each(?))",
        JsonStringArray(filter.bodies_of_water()));
  }
  if (!filter.admin1().empty()) add("e.admin1 = ?", filter.admin1());
  if (filter.event_types_size() == 1) {
    add("e.event_type = ?", static_cast<int64_t>(filter.event_types(0)));
  } else if (!filter.event_types().empty()) {
    add("e.event_type IN (SELECT value FROM json_each(?))", JsonIntArray(filter.event_types()));
  }
  if (filter.sub_event_types_size() == 1) {
    add("e.sub_event_type = ?", filter.sub_event_types(0));
  } else if (!filter.sub_event_types().empty()) {
    add("e.sub_event_type IN (SELECT value FROM json_each(?))",
        JsonStringArray(filter.sub_event_types()));
  }
  if (!filter.actor_id().empty()) {
    add("e.id IN (SELECT event_id FROM event_actors WHERE actor_id = ?)", filter.actor_id());
  }
  // Overlap of [event_day, end_day] with the range; end_day equals event_day for one-day events.
  if (!filter.date_range().start_date().empty()) {
    add("e.end_day >= ?",
        static_cast<int64_t>(*validation::ParseDate(filter.date_range().start_date())));
  }
  if (!filter.date_range().end_date().empty()) {
    add("e.event_day <= ?",
        static_cast<int64_t>(*validation::ParseDate(filter.date_range().end_date())));
  }
  if (filter.min_fatalities() > 0) add("e.fatalities >= ?", filter.min_fatalities());
  if (!filter.text().empty()) {
    add("e.pk IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)",
        FullTextQuery(filter.text()));
  }
  if (event_filter::HasBoundingBox(filter)) {
    // NULL coordinates fail BETWEEN, so events without a point never match a box.
    const v1::BoundingBox& box = filter.bbox();
    absl::StrAppend(&c.where, " AND e.lat BETWEEN ? AND ? AND e.lon BETWEEN ? AND ?");
    c.params.insert(c.params.end(), {box.min_latitude(), box.max_latitude(), box.min_longitude(),
                                     box.max_longitude()});
  }
  if (!filter.tags().empty()) {
    add("e.id IN (SELECT event_id FROM event_tags WHERE tag IN (SELECT value FROM json_each(?)))",
        JsonStringArray(filter.tags()));
  }
  AddSourceAttributeConditions(filter, &c);
  return c;
}

const char* SortColumn(EventOrder order) {
  return order == EventOrder::kFatalitiesDesc ? "e.fatalities" : "e.event_day";
}

const char* OrderByClause(EventOrder order) {
  switch (order) {
    case EventOrder::kEventDateAsc:
      return "ORDER BY e.event_day ASC, e.id ASC";
    case EventOrder::kFatalitiesDesc:
      return "ORDER BY e.fatalities DESC, e.id DESC";
    case EventOrder::kEventDateDesc:
      break;
  }
  return "ORDER BY e.event_day DESC, e.id DESC";
}

std::string AfterCursorCondition(EventOrder order) {
  return absl::StrCat(" AND (", SortColumn(order), ", e.id) ",
                      order == EventOrder::kEventDateAsc ? ">" : "<", " (?, ?)");
}

std::string ListCountSql(const SqlCondition& condition) {
  return absl::StrCat("SELECT COUNT(*) FROM events e WHERE ", condition.where);
}

std::string ListPageSql(const SqlCondition& condition, EventOrder order, bool after_cursor) {
  std::string sql = absl::StrCat("SELECT e.event, ", SortColumn(order),
                                 ", e.id FROM events e WHERE ", condition.where);
  if (after_cursor) sql += AfterCursorCondition(order);
  absl::StrAppend(&sql, " ", OrderByClause(order), " LIMIT ?");
  return sql;
}

bool CountsByDay(const v1::EventFilter& filter) {
  v1::EventFilter rest = filter;
  rest.clear_country_codes();
  rest.clear_date_range();
  // Any other field present, even one set to a value that filters nothing, takes the general
  // count: the shortcut is only for filters it provably means the same as.
  return rest.ByteSizeLong() == 0;
}

std::optional<SqlStatement> DayCountStatement(const v1::EventFilter& filter) {
  if (!CountsByDay(filter)) return std::nullopt;
  SqlStatement s;
  // The countries' condition over table `alias`, appended with its parameter.
  auto countries = [&](absl::string_view alias) {
    if (filter.country_codes_size() == 1) {
      s.params.push_back(filter.country_codes(0));
      return absl::StrCat(alias, ".country = ?");
    }
    if (!filter.country_codes().empty()) {
      // IN: a code named twice still counts its events once, as in FilterCondition.
      s.params.push_back(JsonStringArray(filter.country_codes()));
      return absl::StrCat(alias, ".country IN (SELECT value FROM json_each(?))");
    }
    return absl::StrCat(alias, ".country = ''");
  };
  const std::string& start = filter.date_range().start_date();
  const std::string& end = filter.date_range().end_date();
  const int64_t start_day = start.empty() ? 0 : *validation::ParseDate(start);
  const int64_t end_day = end.empty() ? 0 : *validation::ParseDate(end);
  if (start.empty()) {
    s.sql = absl::StrCat("SELECT (SELECT COALESCE(SUM(t.live), 0) FROM event_country_totals t WHERE ",
                         countries("t"), ")");
    if (!end.empty()) {
      absl::StrAppend(&s.sql, " - (SELECT COALESCE(SUM(c.live), 0) FROM event_day_counts c WHERE ",
                      countries("c"), " AND c.event_day > ?)");
      s.params.push_back(end_day);
    }
    absl::StrAppend(&s.sql, ", NULL");
    return s;
  }
  // The overlap test of FilterCondition on the days a row counts, and the walk's lower bound.
  s.sql = absl::StrCat(
      "SELECT COALESCE(SUM(c.live), 0), MIN(CASE WHEN c.live > 0 THEN c.event_day END) "
      "FROM event_day_counts c WHERE ",
      countries("c"),
      " AND c.event_day >= ? - (SELECT COALESCE(MAX(t.max_span), 0) FROM event_country_totals t "
      "WHERE ");
  s.params.push_back(start_day);
  absl::StrAppend(&s.sql, countries("t"), ")");
  if (!end.empty()) {
    absl::StrAppend(&s.sql, " AND c.event_day <= ?");
    s.params.push_back(end_day);
  }
  absl::StrAppend(&s.sql, " AND c.end_day >= ?");
  s.params.push_back(start_day);
  return s;
}

SqlCondition WithEarliestDay(SqlCondition condition, int64_t earliest_day) {
  absl::StrAppend(&condition.where, " AND e.event_day >= ?");
  condition.params.push_back(earliest_day);
  return condition;
}

void BindAll(Statement& statement, const std::vector<SqlValue>& params, int first_index) {
  int index = first_index;
  for (const SqlValue& value : params) {
    std::visit([&](const auto& v) { statement.Bind(index, v); }, value);
    ++index;
  }
}

}  // namespace lookout::event
