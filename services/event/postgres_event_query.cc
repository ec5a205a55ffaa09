#include "services/event/postgres_event_query.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/validation.h"
#include "event_filter/event_validation.h"
#include "event_filter/text_words.h"
#include "services/event/event_query_sql.h"
#include "services/event/source_attribute_columns.h"

namespace lookout::event {
namespace {

// Longer than any word a filter's text can hold, shorter than PostgreSQL's lexeme limit.
constexpr size_t kLongWord = 1000;
static_assert(kLongWord > event_filter::kMaxFilterTextLength);

// `word` cut to at most `max` bytes on a UTF-8 character boundary.
absl::string_view CutUtf8(absl::string_view word, size_t max) {
  if (word.size() <= max) return word;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;
  return word.substr(0, end);
}

// A quoted tsvector/tsquery lexeme. Words are letters and digits; escaping keeps it so.
std::string Lexeme(absl::string_view word) {
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

template <typename Repeated>
std::vector<std::string> Strings(const Repeated& values) {
  return std::vector<std::string>(values.begin(), values.end());
}

}  // namespace

std::string NotesTsVector(absl::string_view notes) {
  std::set<std::string> lexemes;
  for (const std::string& word : event_filter::TextWords(notes)) {
    if (word.size() <= kLongWord) {
      lexemes.insert(word);
    } else {
      lexemes.insert(absl::StrCat("~", CutUtf8(word, kLongWord)));
    }
  }
  std::string vector;
  for (const std::string& lexeme : lexemes) {
    absl::StrAppend(&vector, vector.empty() ? "" : " ", Lexeme(lexeme));
  }
  return vector;
}

std::string TextTsQuery(absl::string_view text) {
  std::string query;
  for (const event_filter::QueryWord& word : event_filter::QueryWords(text)) {
    absl::StrAppend(&query, query.empty() ? "" : " & ");
    if (word.prefix) {
      absl::StrAppend(&query, "(", Lexeme(word.folded), ":* | ",
                      Lexeme(absl::StrCat("~", word.folded)), ":*)");
    } else {
      absl::StrAppend(&query, Lexeme(word.folded));
    }
  }
  return query;
}

PgCondition PostgresFilterCondition(const v1::EventFilter& filter) {
  PgCondition c;
  // Literal "NOT e.deleted" lets the planner use the partial indexes defined WHERE NOT deleted.
  c.where = "NOT e.deleted";
  // The next parameter's placeholder.
  auto next = [&c] { return absl::StrCat("$", c.params.size() + 1); };
  if (filter.country_codes_size() == 1) {
    absl::StrAppend(&c.where, " AND e.country = ", next());
    c.params.Add(filter.country_codes(0));
  } else if (!filter.country_codes().empty()) {
    absl::StrAppend(&c.where, " AND e.country = ANY(", next(), ")");
    c.params.AddTextArray(Strings(filter.country_codes()));
  }
  // The "<> ''" terms match the partial indexes' conditions, so the planner may use them.
  if (filter.maritime_basins_size() == 1) {
    absl::StrAppend(&c.where, " AND e.basin <> '' AND e.basin = ", next());
    c.params.Add(filter.maritime_basins(0));
  } else if (!filter.maritime_basins().empty()) {
    absl::StrAppend(&c.where, " AND e.basin <> '' AND e.basin = ANY(", next(), ")");
    c.params.AddTextArray(Strings(filter.maritime_basins()));
  }
  if (filter.bodies_of_water_size() == 1) {
    absl::StrAppend(&c.where, " AND e.water_body <> '' AND e.water_body = ", next());
    c.params.Add(filter.bodies_of_water(0));
  } else if (!filter.bodies_of_water().empty()) {
    absl::StrAppend(&c.where, " AND e.water_body <> '' AND e.water_body = ANY(", next(), ")");
    c.params.AddTextArray(Strings(filter.bodies_of_water()));
  }
  if (!filter.admin1().empty()) {
    absl::StrAppend(&c.where, " AND e.admin1 = ", next());
    c.params.Add(filter.admin1());
  }
  if (filter.event_types_size() == 1) {
    absl::StrAppend(&c.where, " AND e.event_type = ", next());
    c.params.Add(static_cast<int64_t>(filter.event_types(0)));
  } else if (!filter.event_types().empty()) {
    absl::StrAppend(&c.where, " AND e.event_type = ANY(", next(), ")");
    c.params.AddIntArray(
        std::vector<int64_t>(filter.event_types().begin(), filter.event_types().end()));
  }
  if (filter.sub_event_types_size() == 1) {
    absl::StrAppend(&c.where, " AND e.sub_event_type = ", next());
    c.params.Add(filter.sub_event_types(0));
  } else if (!filter.sub_event_types().empty()) {
    absl::StrAppend(&c.where, " AND e.sub_event_type = ANY(", next(), ")");
    c.params.AddTextArray(Strings(filter.sub_event_types()));
  }
  if (!filter.actor_id().empty()) {
    absl::StrAppend(
        &c.where, " AND e.id IN (SELECT event_id FROM event_actors WHERE actor_id = ", next(), ")");
    c.params.Add(filter.actor_id());
  }
  // Overlap of [event_day, end_day] with the range; end_day equals event_day for one-day events.
  if (!filter.date_range().start_date().empty()) {
    absl::StrAppend(&c.where, " AND e.end_day >= ", next());
    c.params.Add(static_cast<int64_t>(*validation::ParseDate(filter.date_range().start_date())));
  }
  if (!filter.date_range().end_date().empty()) {
    absl::StrAppend(&c.where, " AND e.event_day <= ", next());
    c.params.Add(static_cast<int64_t>(*validation::ParseDate(filter.date_range().end_date())));
  }
  if (filter.min_fatalities() > 0) {
    absl::StrAppend(&c.where, " AND e.fatalities >= ", next());
    c.params.Add(static_cast<int64_t>(filter.min_fatalities()));
  }
  if (!filter.text().empty()) {
    const std::string query = TextTsQuery(filter.text());
    if (query.empty()) {
      c.where += " AND false";  // no word to find (ValidateFilter refuses such text)
    } else {
      absl::StrAppend(&c.where, " AND e.words @@ ", next(), "::text::tsquery");
      c.params.Add(query);
    }
  }
  if (event_filter::HasBoundingBox(filter)) {
    // NULL coordinates fail BETWEEN, so events without a point never match a box.
    const v1::BoundingBox& box = filter.bbox();
    const std::string a = next();
    c.params.Add(box.min_latitude());
    const std::string b = next();
    c.params.Add(box.max_latitude());
    const std::string d = next();
    c.params.Add(box.min_longitude());
    const std::string f = next();
    c.params.Add(box.max_longitude());
    absl::StrAppend(&c.where, " AND e.lat BETWEEN ", a, " AND ", b, " AND e.lon BETWEEN ", d,
                    " AND ", f);
  }
  if (!filter.tags().empty()) {
    absl::StrAppend(&c.where, " AND e.id IN (SELECT event_id FROM event_tags WHERE tag = ANY(",
                    next(), "))");
    c.params.AddTextArray(Strings(filter.tags()));
  }
  // EventFilter fields 11-19, as SQLite's AddSourceAttributeConditions: one subquery over
  // event_source_attributes, where another source's columns are NULL and never match.
  if (event_filter::HasSourceAttributeFilter(filter)) {
    std::vector<std::string> tests;
    auto test = [&](absl::string_view column, absl::string_view op) {
      tests.push_back(absl::StrCat(column, " ", op, " ", next()));
    };
    if (filter.goldstein_scale().has_min()) {
      test("goldstein", ">=");
      c.params.Add(filter.goldstein_scale().min());
    }
    if (filter.goldstein_scale().has_max()) {
      test("goldstein", "<=");
      c.params.Add(filter.goldstein_scale().max());
    }
    if (filter.avg_tone().has_min()) {
      test("tone", ">=");
      c.params.Add(filter.avg_tone().min());
    }
    if (filter.avg_tone().has_max()) {
      test("tone", "<=");
      c.params.Add(filter.avg_tone().max());
    }
    auto any_int = [&](absl::string_view column, std::vector<int64_t> values) {
      tests.push_back(absl::StrCat(column, " = ANY(", next(), ")"));
      c.params.AddIntArray(values);
    };
    if (!filter.quad_classes().empty()) {
      any_int("quad_class", {filter.quad_classes().begin(), filter.quad_classes().end()});
    }
    if (filter.min_num_mentions() > 0) {
      test("mentions", ">=");
      c.params.Add(static_cast<int64_t>(filter.min_num_mentions()));
    }
    if (filter.has_is_root_event()) {
      test("root", "=");
      c.params.Add(static_cast<int64_t>(filter.is_root_event() ? 1 : 0));
    }
    if (!filter.disorder_types().empty()) {
      tests.push_back(absl::StrCat("disorder_type = ANY(", next(), ")"));
      c.params.AddTextArray(Strings(filter.disorder_types()));
    }
    if (!filter.interactions().empty()) {
      any_int("interaction", {filter.interactions().begin(), filter.interactions().end()});
    }
    if (!filter.ucdp_conflict_ids().empty()) {
      any_int("conflict_id",
              {filter.ucdp_conflict_ids().begin(), filter.ucdp_conflict_ids().end()});
    }
    if (!filter.ucdp_dyad_ids().empty()) {
      any_int("dyad_id", {filter.ucdp_dyad_ids().begin(), filter.ucdp_dyad_ids().end()});
    }
    absl::StrAppend(&c.where, " AND e.id IN (SELECT event_id FROM event_source_attributes WHERE ",
                    absl::StrJoin(tests, " AND "), ")");
  }
  return c;
}

std::optional<PgCondition> PostgresDayCountStatement(const v1::EventFilter& filter) {
  if (!CountsByDay(filter)) return std::nullopt;
  PgCondition s;
  auto next = [&s] { return absl::StrCat("$", s.params.size() + 1); };
  // The countries' condition over table `alias`, appended with its parameter.
  auto countries = [&](absl::string_view alias) {
    if (filter.country_codes_size() == 1) {
      std::string sql = absl::StrCat(alias, ".country = ", next());
      s.params.Add(filter.country_codes(0));
      return sql;
    }
    if (!filter.country_codes().empty()) {
      std::string sql = absl::StrCat(alias, ".country = ANY(", next(), ")");
      s.params.AddTextArray(Strings(filter.country_codes()));
      return sql;
    }
    return absl::StrCat(alias, ".country = ''");
  };
  const std::string& start = filter.date_range().start_date();
  const std::string& end = filter.date_range().end_date();
  const int64_t start_day = start.empty() ? 0 : *validation::ParseDate(start);
  const int64_t end_day = end.empty() ? 0 : *validation::ParseDate(end);
  // sum() of int8 is numeric; the casts give the int8 the result reader expects.
  if (start.empty()) {
    s.where = absl::StrCat(
        "SELECT ((SELECT COALESCE(sum(t.live), 0) FROM event_country_totals t WHERE ",
        countries("t"), ")");
    if (!end.empty()) {
      // Each call that adds a parameter in a statement of its own: the order in which the
      // arguments of one call are evaluated is unspecified.
      absl::StrAppend(&s.where,
                      " - (SELECT COALESCE(sum(c.live), 0) FROM event_day_counts c WHERE ",
                      countries("c"));
      absl::StrAppend(&s.where, " AND c.event_day > ", next(), ")");
      s.params.Add(end_day);
    }
    absl::StrAppend(&s.where, ")::int8, NULL::int8");
    return s;
  }
  s.where = absl::StrCat(
      "SELECT COALESCE(sum(c.live), 0)::int8, min(c.event_day) FILTER (WHERE c.live > 0) "
      "FROM event_day_counts c WHERE ",
      countries("c"));
  absl::StrAppend(&s.where, " AND c.event_day >= ", next());
  s.params.Add(start_day);
  absl::StrAppend(&s.where,
                  " - (SELECT COALESCE(max(t.max_span), 0) FROM event_country_totals t WHERE ",
                  countries("t"), ")");
  if (!end.empty()) {
    absl::StrAppend(&s.where, " AND c.event_day <= ", next());
    s.params.Add(end_day);
  }
  absl::StrAppend(&s.where, " AND c.end_day >= ", next());
  s.params.Add(start_day);
  return s;
}

PgCondition PostgresWithEarliestDay(PgCondition condition, int64_t earliest_day) {
  absl::StrAppend(&condition.where, " AND e.event_day >= $", condition.params.size() + 1);
  condition.params.Add(earliest_day);
  return condition;
}

std::string PostgresListCountSql(const PgCondition& condition) {
  return absl::StrCat("SELECT count(*) FROM events e WHERE ", condition.where);
}

std::string PostgresListPageSql(const PgCondition& condition, EventOrder order, bool after_cursor) {
  int index = condition.params.size() + 1;
  std::string sql = absl::StrCat("SELECT e.event, ", SortColumn(order),
                                 ", e.id FROM events e WHERE ", condition.where);
  if (after_cursor) {
    absl::StrAppend(&sql, " AND (", SortColumn(order), ", e.id) ",
                    order == EventOrder::kEventDateAsc ? ">" : "<", " ($", index, ", $", index + 1,
                    ")");
    index += 2;
  }
  absl::StrAppend(&sql, " ", OrderByClause(order), " LIMIT $", index);
  return sql;
}

}  // namespace lookout::event
