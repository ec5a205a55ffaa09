// Every statement of the three SQLite stores, planned by SQLite (EXPLAIN QUERY PLAN) against the
// schema the store creates: each must use the index written for it. A statement rewritten so
// SQLite can no longer use its index (an "?1 = '' OR col = ?1" test, an OR across two
// columns) walks the whole table on every call, which no functional test notices; here it fails.
//
// Plans come from SQLite's planner without statistics (no ANALYZE), as in production.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/actor/sqlite_actor_store.h"
#include "services/event/event_query_sql.h"
#include "services/event/sqlite_event_store.h"
#include "services/stats/sqlite_observation_store.h"
#include "tests/testing/temp_dir.h"

namespace lookout {
namespace {

// What a statement's plan must show.
struct Expected {
  // Each must appear in some line of the plan ("SEARCH t USING INDEX i (a=?)").
  std::vector<std::string> uses;
  // A full walk of a table is refused unless its line contains one of these (a count of every
  // row, SQLite's own small tables, a table-valued function).
  std::vector<std::string> allowed_scans = {};
  // Sorting every match is refused when the statement is meant to read in index order.
  bool sorts = false;
};

std::vector<std::string> Plan(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string explain = "EXPLAIN QUERY PLAN " + sql;
  std::vector<std::string> lines;
  if (sqlite3_prepare_v2(db, explain.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db) << "\n" << sql;
  } else {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      lines.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return lines;
}

void ExpectPlan(const std::string& path, const std::string& name, const std::string& sql,
                const Expected& expected) {
  const std::vector<std::string> plan = Plan(path, sql);
  const std::string shown =
      absl::StrCat(name, ": ", sql, "\n  plan:\n    ", absl::StrJoin(plan, "\n    "));
  for (const std::string& use : expected.uses) {
    bool found = false;
    for (const std::string& line : plan) found = found || absl::StrContains(line, use);
    EXPECT_TRUE(found) << "missing \"" << use << "\" in " << shown;
  }
  for (const std::string& line : plan) {
    if (absl::StartsWith(line, "SCAN ")) {
      bool allowed = false;
      for (const std::string& ok : expected.allowed_scans) {
        allowed = allowed || absl::StrContains(line, ok);
      }
      EXPECT_TRUE(allowed) << "a walk of a whole table in " << shown;
    }
    if (!expected.sorts) {
      EXPECT_FALSE(absl::StrContains(line, "TEMP B-TREE")) << "a sort of every match in " << shown;
    }
  }
}

// Checks every statement `queries` lists against `expected`, which must name each of them.
void ExpectPlans(const std::string& path,
                 const std::vector<std::pair<std::string, std::string>>& queries,
                 const std::map<std::string, Expected>& expected) {
  ASSERT_FALSE(queries.empty());
  for (const auto& [name, sql] : queries) {
    auto it = expected.find(name);
    if (it == expected.end()) {
      ADD_FAILURE() << "no expected plan for the statement " << name
                    << " (add one to this test): " << sql;
      continue;
    }
    ExpectPlan(path, name, sql, it->second);
  }
  EXPECT_EQ(queries.size(), expected.size()) << "an expected plan names no statement";
}

TEST(StoreQueryPlanTest, ActorStoreStatementsUseTheirIndexes) {
  testing::TempDir dir;
  const std::string path = dir.File("actor.db");
  ASSERT_TRUE(actor::SqliteActorStore::Open(path).ok());
  ExpectPlans(
      path, actor::SqliteActorStore::Queries(),
      {
          {"GetActor", {{"SEARCH actors USING INDEX sqlite_autoindex_actors_1 (id=?)"}}},
          {"FindIdByNameKey",
           {{"SEARCH actors USING INDEX sqlite_autoindex_actors_2 (name_key=?)"}}},
          {"FindIdByAliasKey",
           {{"SEARCH n USING PRIMARY KEY (name_key=?)",
             "SEARCH a USING COVERING INDEX sqlite_autoindex_actors_1 (id=?)"},
            {},
            /*sorts=*/true}},
          {"HasChildren", {{"SEARCH actors USING COVERING INDEX actors_by_parent (parent_id=?)"}}},
          // Name order from the name index, stopping after the page; filters tested on the way.
          {"ListActorsFirstPage",
           {{"SCAN a USING INDEX sqlite_autoindex_actors_2"},
            {"SCAN a USING INDEX sqlite_autoindex_actors_2"}}},
          {"ListActorsNextPage", {{"SEARCH a USING INDEX sqlite_autoindex_actors_2 (name_key>?)"}}},
          // A total counts every actor the filter passes: it reads them all by design.
          {"CountActors", {{}, {"SCAN a"}}},
          {"GetRelationship", {{"SEARCH relationships USING PRIMARY KEY (id=?)"}}},
          {"ListRelationships", {{"SEARCH relationships USING PRIMARY KEY (id>?)"}}},
          // Issue 24.5: one actor's relationships merge two index walks, in id order.
          {"ListRelationshipsOfActor",
           {{"MERGE (UNION ALL)",
             "SEARCH relationships USING INDEX relationships_by_subject (subject_id=? AND id>?)",
             "SEARCH relationships USING INDEX relationships_by_object (object_id=? AND id>?)"}}},
          {"GetRequest", {{"SEARCH request_ids USING PRIMARY KEY (method=? AND request_id=?)"}}},
          {"UpdateActor", {{"SEARCH actors USING INDEX sqlite_autoindex_actors_1 (id=?)"}}},
          {"DeleteActor", {{"SEARCH actors USING INDEX sqlite_autoindex_actors_1 (id=?)"}}},
          {"DeleteRelationship", {{"SEARCH relationships USING PRIMARY KEY (id=?)"}}},
          {"DeleteRelationshipsOf",
           {{"MULTI-INDEX OR", "INDEX relationships_by_subject (subject_id=?)",
             "INDEX relationships_by_object (object_id=?)"}}},
          {"DeleteKeys",
           {{"SEARCH actor_names USING COVERING INDEX actor_names_by_actor (actor_id=?)"}}},
          // Issue 26: an actor's history merges its two index walks, newest first, and stops
          // after the page.
          {"ActorChanges",
           {{"MERGE (UNION ALL)",
             "SEARCH actor_changes USING INDEX actor_changes_by_actor (actor_id=? AND sequence<?)",
             "SEARCH actor_changes USING INDEX actor_changes_by_other_actor (other_actor_id=? AND "
             "sequence<?)"}}},
      });
}

TEST(StoreQueryPlanTest, ObservationStoreStatementsUseTheirIndexes) {
  testing::TempDir dir;
  const std::string path = dir.File("stats.db");
  ASSERT_TRUE(stats::SqliteObservationStore::Open(path).ok());
  // A filtered list finds its matches through the index and sorts only those by position.
  ExpectPlans(
      path, stats::SqliteObservationStore::Queries(),
      {
          {"Get", {{"SEARCH observations USING INDEX sqlite_autoindex_observations_1 (id=?)"}}},
          {"GetRequest", {{"SEARCH request_ids USING PRIMARY KEY (request_id=?)"}}},
          {"Delete", {{"SEARCH observations USING"}}},
          {"ListWithin",
           {{"SEARCH observations USING INDEX observations_by_metric (metric=? AND "
             "country_code=? AND start_day>?)"},
            {},
            /*sorts=*/true}},
          {"List", {{"SEARCH observations USING INTEGER PRIMARY KEY (rowid>?)"}}},
          // Issue 26: one observation's history, newest first, straight from its index.
          {"Changes",
           {{"SEARCH observation_changes USING INDEX observation_changes_by_id (observation_id=? "
             "AND sequence<?)"}}},
          // Issue 24.5: a metric or country filter uses the index written for it.
          {"ListByCountry",
           {{"SEARCH observations USING INDEX observations_by_country (country_code=? AND "
             "start_day<?)"},
            {},
            /*sorts=*/true}},
          {"ListByMetric",
           {{"SEARCH observations USING INDEX observations_by_metric (metric=?)"}, {}, true}},
          {"ListByMetricAndCountry",
           {{"SEARCH observations USING INDEX observations_by_metric (metric=? AND "
             "country_code=? AND start_day<?)"},
            {},
            /*sorts=*/true}},
      });
}

TEST(StoreQueryPlanTest, EventStoreStatementsUseTheirIndexes) {
  testing::TempDir dir;
  const std::string path = dir.File("event.db");
  ASSERT_TRUE(event::SqliteEventStore::Open(path).ok());
  ExpectPlans(
      path, event::SqliteEventStore::Queries(),
      {
          {"GetLive", {{"SEARCH events USING INDEX sqlite_autoindex_events_1 (id=?)"}}},
          {"LiveRow", {{"SEARCH events USING INDEX sqlite_autoindex_events_1 (id=?)"}}},
          {"FindRequest", {{"SEARCH request_ids USING PRIMARY KEY (request_id=?)"}}},
          {"OwnerOf", {{"SEARCH event_external_ids USING PRIMARY KEY (scheme=? AND value=?)"}}},
          // sqlite_sequence holds one row per AUTOINCREMENT table (one here).
          {"NextSequence",
           {{"SCAN sqlite_sequence"}, {"SCAN sqlite_sequence", "SCAN CONSTANT ROW"}}},
          {"UpdateRow", {{"SEARCH events USING INTEGER PRIMARY KEY (rowid=?)"}}},
          {"RemoveActorRow",
           {{"SEARCH event_actors USING PRIMARY KEY (actor_id=? AND event_id=?)"}}},
          {"RemoveTagRow", {{"SEARCH event_tags USING PRIMARY KEY (tag=? AND event_id=?)"}}},
          {"RemoveExternalIdRow",
           {{"SEARCH event_external_ids USING PRIMARY KEY (scheme=? AND value=?)"}}},
          {"RemoveSourceAttributes",
           {{"SEARCH event_source_attributes USING INTEGER PRIMARY KEY (rowid=?)"}}},
          {"ChangesAfter", {{"SEARCH changes USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"}}},
          {"NewestChange", {{"SEARCH changes"}}},
          // An event's history walks its own changes only, newest first, without a sort.
          {"EventChanges", {{"SEARCH changes USING INDEX changes_by_event (event_id=? AND sequence<?"}}},
      });

  // ListEvents builds its statements from the filter: each indexed filter, in each order.
  using event::EventOrder;
  struct ListCase {
    std::string name;
    event::v1::EventFilter filter;
    EventOrder order;
    Expected page;
  };
  std::vector<ListCase> cases;
  {
    ListCase c{"newest first",
               {},
               EventOrder::kEventDateDesc,
               {{"SEARCH e USING INDEX events_live_by_day ((event_day,id)<(?,?))"}}};
    cases.push_back(c);
  }
  {
    ListCase c{"one country",
               {},
               EventOrder::kEventDateDesc,
               {{"SEARCH e USING INDEX events_live_by_country (country=? AND "
                 "(event_day,id)<(?,?))"}}};
    c.filter.add_country_codes("HTI");
    cases.push_back(c);
  }
  {
    ListCase c{"one event type",
               {},
               EventOrder::kEventDateAsc,
               {{"SEARCH e USING INDEX events_live_by_type (event_type=? AND "
                 "(event_day,id)>(?,?))"}}};
    c.filter.add_event_types(event::v1::EVENT_TYPE_BATTLES);
    cases.push_back(c);
  }
  {
    ListCase c{"admin1",
               {},
               EventOrder::kEventDateDesc,
               {{"SEARCH e USING INDEX events_live_by_admin1 (admin1=? AND "
                 "(event_day,id)<(?,?))"}}};
    c.filter.set_admin1("Ouest");
    cases.push_back(c);
  }
  {
    ListCase c{"a date range",
               {},
               EventOrder::kEventDateDesc,
               {{"SEARCH e USING INDEX events_live_by_day (event_day<?)"}}};
    c.filter.mutable_date_range()->set_end_date("2024-03-31");
    cases.push_back(c);
  }
  {
    ListCase c{"most fatalities",
               {},
               EventOrder::kFatalitiesDesc,
               {{"SEARCH e USING INDEX events_live_by_fatalities ((fatalities,id)<(?,?))"}}};
    cases.push_back(c);
  }
  {
    ListCase c{"an actor",
               {},
               EventOrder::kEventDateDesc,
               {{"SEARCH event_actors USING PRIMARY KEY (actor_id=?)",
                 "SEARCH e USING INDEX sqlite_autoindex_events_1 (id=?)"},
                {},
                /*sorts=*/true}};
    c.filter.set_actor_id("act_0000000000000001");
    cases.push_back(c);
  }
  // Issue 21.2: a total for countries and a period walks the count rows of the period (and the
  // longest span before it) of each country, never the events; a total without dates reads
  // the countries' totals.
  {
    event::v1::EventFilter one;
    one.add_country_codes("HTI");
    one.mutable_date_range()->set_start_date("2024-01-01");
    one.mutable_date_range()->set_end_date("2024-03-31");
    event::v1::EventFilter two = one;
    two.add_country_codes("MLI");
    event::v1::EventFilter everywhere;
    everywhere.mutable_date_range()->set_start_date("2024-01-01");
    event::v1::EventFilter undated;
    undated.add_country_codes("HTI");
    event::v1::EventFilter until = undated;
    until.mutable_date_range()->set_end_date("2024-03-31");
    const std::string period = "SEARCH c USING PRIMARY KEY (country=? AND event_day>? AND event_day<?)";
    for (const auto& [name, filter, uses] :
         std::vector<std::tuple<std::string, event::v1::EventFilter, std::vector<std::string>>>{
             {"one country", one, {period, "SEARCH t USING PRIMARY KEY (country=?)"}},
             {"two countries", two, {period, "SEARCH t USING PRIMARY KEY (country=?)"}},
             {"every country", everywhere,
              {"SEARCH c USING PRIMARY KEY (country=? AND event_day>?)",
               "SEARCH t USING PRIMARY KEY (country=?)"}},
             {"one country, no dates", undated, {"SEARCH t USING PRIMARY KEY (country=?)"}},
             {"one country, an end date", until,
              {"SEARCH t USING PRIMARY KEY (country=?)",
               "SEARCH c USING PRIMARY KEY (country=? AND event_day>?)"}}}) {
      std::optional<event::SqlStatement> counted = event::DayCountStatement(filter);
      ASSERT_TRUE(counted.has_value()) << name;
      // "SCAN CONSTANT ROW": the one row of a SELECT without FROM that holds the subqueries.
      ExpectPlan(path, "ListEvents total, " + name, counted->sql,
                 {uses, {"SCAN json_each", "SCAN CONSTANT ROW"}});
    }
    event::v1::EventFilter typed = one;
    typed.add_event_types(event::v1::EVENT_TYPE_BATTLES);
    EXPECT_FALSE(event::DayCountStatement(typed).has_value())
        << "a filter with more than countries and dates is counted over the events";
  }
  for (const ListCase& c : cases) {
    const event::SqlCondition condition = event::FilterCondition(c.filter);
    ExpectPlan(path, "ListEvents page, " + c.name,
               event::ListPageSql(condition, c.order, /*after_cursor=*/true), c.page);
  }
}

}  // namespace
}  // namespace lookout
