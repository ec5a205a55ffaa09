// AggregateEvents answers checked against an independent computation: the same events in an
// in-memory SQLite database, grouped with GROUP BY. ISO weeks come from a SQL function written
// here with the ordinal-date formula, not from the service's calendar tables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/stats/event_stats.h"
#include "services/stats/read_model.h"
#include "tests/unit/stats_test_events.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;
using ::lookout::stats::v1::AggregateEventsRequest;
using ::lookout::stats::v1::AggregateEventsResponse;
using ::lookout::stats::v1::Dimension;

// ISO 8601 week of a YYYY-MM-DD date: week = (ordinal - weekday + 10) / 7, moved into the
// neighbouring year when it falls outside 1..weeks(year).
std::string IsoWeek(const std::string& date) {
  absl::CivilDay day;
  absl::ParseCivilTime(date, &day);
  auto weekday = [](absl::CivilDay d) {  // Monday 1 .. Sunday 7
    switch (absl::GetWeekday(d)) {
      case absl::Weekday::monday:
        return 1;
      case absl::Weekday::tuesday:
        return 2;
      case absl::Weekday::wednesday:
        return 3;
      case absl::Weekday::thursday:
        return 4;
      case absl::Weekday::friday:
        return 5;
      case absl::Weekday::saturday:
        return 6;
      default:
        return 7;
    }
  };
  auto weeks_in = [&](int64_t year) {
    // A year has 53 weeks when it starts on a Thursday, or is a leap year starting on Wednesday.
    int jan1 = weekday(absl::CivilDay(year, 1, 1));
    bool leap = absl::CivilDay(year, 12, 31) - absl::CivilDay(year, 1, 1) == 365;
    return (jan1 == 4 || (leap && jan1 == 3)) ? 53 : 52;
  };
  int64_t year = day.year();
  int week = (absl::GetYearDay(day) - weekday(day) + 10) / 7;
  if (week < 1) {
    --year;
    week = weeks_in(year);
  } else if (week > weeks_in(year)) {
    ++year;
    week = 1;
  }
  return absl::StrFormat("%04d-W%02d", year, week);
}

void IsoWeekSql(sqlite3_context* context, int, sqlite3_value** argv) {
  std::string week = IsoWeek(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])));
  sqlite3_result_text(context, week.c_str(), -1, SQLITE_TRANSIENT);
}

class StatsAggregationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    sqlite3_create_function(db_, "iso_week", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                            IsoWeekSql, nullptr, nullptr);
    Exec(
        "CREATE TABLE events (id TEXT PRIMARY KEY, event_date TEXT, end_date TEXT, country TEXT,"
        " admin1 TEXT, event_type TEXT, sub_event_type TEXT, fatalities INTEGER, basin TEXT,"
        " body TEXT)");
    Exec("CREATE TABLE event_actors (event_id TEXT, actor_id TEXT)");
    int64_t sequence = 0;
    for (int i = 0; i < 1500; ++i) {
      Event e = testing::RandomEvent(gen_, "evt_" + testing::Hex16(i + 1), actors_);
      // Exercise the update path too: some events are stored twice, the second version wins.
      if (i % 7 == 0) {
        model_.Apply(testing::Change(++sequence, event::v1::CHANGE_TYPE_CREATED,
                                     testing::RandomEvent(gen_, e.id(), actors_)));
        model_.Apply(testing::Change(++sequence, event::v1::CHANGE_TYPE_UPDATED, e));
      } else {
        model_.Apply(testing::Change(++sequence, event::v1::CHANGE_TYPE_CREATED, e));
      }
      if (i % 11 == 0) {  // and some are deleted again
        model_.Apply(testing::Change(++sequence, event::v1::CHANGE_TYPE_DELETED, e));
        continue;
      }
      Insert(e);
    }
    model_.MarkCaughtUp();
  }
  void TearDown() override { sqlite3_close(db_); }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
  }

  void Insert(const Event& e) {
    sqlite3_stmt* stmt;
    sqlite3_prepare_v2(db_, "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &stmt,
                       nullptr);
    std::string type = event::v1::EventType_Name(e.event_type()).substr(11);
    const std::string values[] = {
        e.id(), e.event_date(),    e.end_date(), e.location().country_code(), e.location().admin1(),
        type,   e.sub_event_type()};
    for (int i = 0; i < 7; ++i)
      sqlite3_bind_text(stmt, i + 1, values[i].c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 8, e.fatalities());
    sqlite3_bind_text(stmt, 9, e.location().maritime().basin().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 10, e.location().maritime().body_of_water().c_str(), -1,
                      SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    for (const auto& p : e.participants()) {
      sqlite3_prepare_v2(db_, "INSERT INTO event_actors VALUES (?,?)", -1, &stmt, nullptr);
      sqlite3_bind_text(stmt, 1, e.id().c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(stmt, 2, p.actor_id().c_str(), -1, SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
      sqlite3_finalize(stmt);
    }
  }

  // "keys|keys|keys" -> {events, fatalities}, computed by SQLite for a country filter and a
  // date range (either may be empty).
  std::map<std::string, std::pair<int64_t, int64_t>> Expected(const std::vector<Dimension>& dims,
                                                              const std::string& country,
                                                              const std::string& start,
                                                              const std::string& end,
                                                              const std::string& basin,
                                                              std::pair<int64_t, int64_t>* totals) {
    // The bucket day: the first day of the event inside the range.
    const std::string bucket = absl::StrCat("max(e.event_date, '", start, "')");
    std::vector<std::string> keys;
    bool actor = false;
    for (Dimension d : dims) {
      switch (d) {
        case v1::DIMENSION_DAY:
          keys.push_back(bucket);
          break;
        case v1::DIMENSION_WEEK:
          keys.push_back(absl::StrCat("iso_week(", bucket, ")"));
          break;
        case v1::DIMENSION_MONTH:
          keys.push_back(absl::StrCat("substr(", bucket, ", 1, 7)"));
          break;
        case v1::DIMENSION_YEAR:
          keys.push_back(absl::StrCat("substr(", bucket, ", 1, 4)"));
          break;
        case v1::DIMENSION_COUNTRY:
          keys.push_back("e.country");
          break;
        case v1::DIMENSION_ADMIN1:
          keys.push_back("e.admin1");
          break;
        case v1::DIMENSION_EVENT_TYPE:
          keys.push_back("e.event_type");
          break;
        case v1::DIMENSION_SUB_EVENT_TYPE:
          keys.push_back("e.sub_event_type");
          break;
        case v1::DIMENSION_ACTOR:
          keys.push_back("a.actor_id");
          actor = true;
          break;
        case v1::DIMENSION_MARITIME_BASIN:
          keys.push_back("e.basin");
          break;
        case v1::DIMENSION_BODY_OF_WATER:
          keys.push_back("e.body");
          break;
        default:
          break;
      }
    }
    std::string where = "1";
    if (!country.empty()) absl::StrAppend(&where, " AND e.country = '", country, "'");
    if (!basin.empty()) absl::StrAppend(&where, " AND e.basin = '", basin, "'");
    // Overlap of [event_date, end_date or event_date] with the range.
    if (!start.empty()) {
      absl::StrAppend(&where, " AND coalesce(nullif(e.end_date, ''), e.event_date) >= '", start,
                      "'");
    }
    if (!end.empty()) absl::StrAppend(&where, " AND e.event_date <= '", end, "'");
    std::string from = "events e";
    if (actor)
      from += " JOIN (SELECT DISTINCT event_id, actor_id FROM event_actors) a ON a.event_id = e.id";
    std::string key_sql = keys.empty() ? "''" : absl::StrJoin(keys, " || '|' || ");
    std::string sql = absl::StrCat("SELECT ", key_sql, ", count(*), sum(e.fatalities) FROM ", from,
                                   " WHERE ", where, keys.empty() ? "" : " GROUP BY 1");
    std::map<std::string, std::pair<int64_t, int64_t>> out;
    sqlite3_stmt* stmt;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      if (sqlite3_column_int64(stmt, 1) == 0) continue;
      out[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))] = {
          sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2)};
    }
    sqlite3_finalize(stmt);
    sql =
        absl::StrCat("SELECT count(*), coalesce(sum(e.fatalities), 0) FROM events e WHERE ", where);
    sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr);
    sqlite3_step(stmt);
    *totals = {sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1)};
    sqlite3_finalize(stmt);
    return out;
  }

  void Check(const std::vector<Dimension>& dims, const std::string& country = "",
             const std::string& start = "", const std::string& end = "",
             const std::string& basin = "") {
    SCOPED_TRACE(absl::StrCat("dims ", dims.size(), " first ",
                              dims.empty() ? "" : v1::Dimension_Name(dims[0]), " country ", country,
                              " basin ", basin, " range ", start, "..", end));
    AggregateEventsRequest request;
    for (Dimension d : dims) request.add_group_by(d);
    if (!country.empty()) request.mutable_filter()->add_country_codes(country);
    if (!basin.empty()) request.mutable_filter()->add_maritime_basins(basin);
    request.mutable_filter()->mutable_date_range()->set_start_date(start);
    request.mutable_filter()->mutable_date_range()->set_end_date(end);
    absl::StatusOr<AggregateEventsResponse> response = stats_.Aggregate(request);
    ASSERT_TRUE(response.ok()) << response.status();
    std::map<std::string, std::pair<int64_t, int64_t>> actual;
    for (const auto& row : response->rows()) {
      ASSERT_EQ(row.keys_size(), static_cast<int>(dims.size()));
      std::string key = dims.empty() ? "" : absl::StrJoin(row.keys(), "|");
      EXPECT_EQ(actual.count(key), 0u) << "row repeated: " << key;
      actual[key] = {row.event_count(), row.fatalities()};
    }
    std::pair<int64_t, int64_t> totals;
    std::map<std::string, std::pair<int64_t, int64_t>> expected =
        Expected(dims, country, start, end, basin, &totals);
    EXPECT_EQ(actual, expected);
    EXPECT_EQ(response->total_events(), totals.first);
    EXPECT_EQ(response->total_fatalities(), totals.second);
    // Rows come back in key order by default.
    for (int i = 1; i < response->rows_size(); ++i) {
      EXPECT_LT(absl::StrJoin(response->rows(i - 1).keys(), "\x1f"),
                absl::StrJoin(response->rows(i).keys(), "\x1f"));
    }
  }

  absl::BitGen gen_;
  const std::vector<std::string> actors_ = testing::TestActors();
  sqlite3* db_ = nullptr;
  ReadModel model_;
  EventStats stats_{&model_, nullptr, nullptr};
};

const std::vector<Dimension> kAll = {
    v1::DIMENSION_DAY,        v1::DIMENSION_WEEK,           v1::DIMENSION_MONTH,
    v1::DIMENSION_YEAR,       v1::DIMENSION_COUNTRY,        v1::DIMENSION_ADMIN1,
    v1::DIMENSION_EVENT_TYPE, v1::DIMENSION_SUB_EVENT_TYPE, v1::DIMENSION_ACTOR,
    v1::DIMENSION_MARITIME_BASIN, v1::DIMENSION_BODY_OF_WATER};

TEST_F(StatsAggregationTest, TotalsWithoutDimensions) {
  Check({});
  Check({}, "HTI", "2024-01-01", "2024-12-31");
}

TEST_F(StatsAggregationTest, EveryDimensionAlone) {
  for (Dimension d : kAll) {
    Check({d});
    Check({d}, "HTI");
    // A range that starts mid-week on a leap day and ends across a year edge.
    Check({d}, "", "2024-02-29", "2025-01-02");
    Check({d}, "KEN", "2020-12-28", "");
  }
}

TEST_F(StatsAggregationTest, PairsAndTriples) {
  for (Dimension a : kAll) {
    for (Dimension b : kAll) {
      if (a != b) Check({a, b}, "", "2021-01-01", "2023-06-30");
    }
  }
  Check({v1::DIMENSION_MONTH, v1::DIMENSION_EVENT_TYPE, v1::DIMENSION_ACTOR});
  Check({v1::DIMENSION_COUNTRY, v1::DIMENSION_YEAR, v1::DIMENSION_SUB_EVENT_TYPE}, "", "2020-01-01",
        "2020-12-31");
  Check({v1::DIMENSION_ACTOR, v1::DIMENSION_WEEK, v1::DIMENSION_ADMIN1}, "HTI");
}

// Sea events: under the country "" (never a country's), by basin and body of water, and
// selected by a basin filter; the independent sum groups the same columns.
TEST_F(StatsAggregationTest, SeaEventsGroupByTheirAreaAndUnderNoCountry) {
  Check({v1::DIMENSION_COUNTRY});
  Check({v1::DIMENSION_COUNTRY, v1::DIMENSION_MARITIME_BASIN});
  Check({v1::DIMENSION_MARITIME_BASIN, v1::DIMENSION_BODY_OF_WATER}, "", "2021-01-01");
  for (const std::string& basin : testing::TestBasins()) {
    Check({}, "", "", "", basin);
    Check({v1::DIMENSION_BODY_OF_WATER, v1::DIMENSION_MONTH}, "", "2022-01-01", "2024-12-31",
          basin);
  }
  Check({v1::DIMENSION_COUNTRY}, "HTI", "", "", "Red Sea");  // both: nothing matches
  // Every country's events and every sea event add up to the whole.
  AggregateEventsRequest by_country;
  by_country.add_group_by(v1::DIMENSION_COUNTRY);
  absl::StatusOr<AggregateEventsResponse> countries = stats_.Aggregate(by_country);
  ASSERT_TRUE(countries.ok());
  int64_t no_country = 0, in_countries = 0;
  for (const auto& row : countries->rows()) {
    (row.keys(0).empty() ? no_country : in_countries) += row.event_count();
  }
  AggregateEventsRequest at_sea;
  for (const std::string& basin : testing::TestBasins()) {
    at_sea.mutable_filter()->add_maritime_basins(basin);
  }
  absl::StatusOr<AggregateEventsResponse> sea = stats_.Aggregate(at_sea);
  ASSERT_TRUE(sea.ok());
  EXPECT_GT(sea->total_events(), 0);
  EXPECT_EQ(no_country, sea->total_events());
  EXPECT_EQ(in_countries + no_country, countries->total_events());
}

// Trends by basin and by body of water: each window's counts are the aggregation's for that
// window, key by key.
TEST_F(StatsAggregationTest, TrendsBySeaAgreeWithTheAggregationOfEachWindow) {
  for (Dimension dimension : {v1::DIMENSION_MARITIME_BASIN, v1::DIMENSION_BODY_OF_WATER}) {
    v1::GetTrendsRequest trends;
    trends.set_end_date("2023-12-31");
    trends.set_window_days(365);
    trends.set_dimension(dimension);
    absl::StatusOr<v1::GetTrendsResponse> trend = stats_.Trends(trends);
    ASSERT_TRUE(trend.ok()) << trend.status();
    auto window = [&](const std::string& start, const std::string& end) {
      AggregateEventsRequest request;
      request.add_group_by(dimension);
      request.mutable_filter()->mutable_date_range()->set_start_date(start);
      request.mutable_filter()->mutable_date_range()->set_end_date(end);
      std::map<std::string, int64_t> counts;
      absl::StatusOr<AggregateEventsResponse> response = stats_.Aggregate(request);
      EXPECT_TRUE(response.ok()) << response.status();
      if (response.ok()) {
        for (const auto& row : response->rows()) counts[row.keys(0)] = row.event_count();
      }
      return counts;
    };
    const std::map<std::string, int64_t> current = window("2023-01-01", "2023-12-31");
    const std::map<std::string, int64_t> previous = window("2022-01-01", "2022-12-31");
    ASSERT_GT(trend->rows_size(), 1);
    for (const auto& row : trend->rows()) {
      EXPECT_EQ(row.current_events(), current.count(row.key()) ? current.at(row.key()) : 0)
          << row.key();
      EXPECT_EQ(row.previous_events(), previous.count(row.key()) ? previous.at(row.key()) : 0)
          << row.key();
    }
  }
}

TEST_F(StatsAggregationTest, ActorRowsCountAnEventOncePerDistinctActor) {
  // An event with an actor in two roles and a second actor.
  Event e = testing::RandomEvent(gen_, "evt_ffffffffffffffff", actors_);
  e.clear_participants();
  for (const char* actor : {"act_new", "act_new", "act_other"}) {
    e.add_participants()->set_actor_id(actor);
  }
  e.set_event_date("2030-06-01");
  e.clear_end_date();
  e.mutable_location()->set_country_code("USA");  // no random event is there
  model_.Apply(testing::Change(1'000'000, event::v1::CHANGE_TYPE_CREATED, e));
  AggregateEventsRequest request;
  request.add_group_by(v1::DIMENSION_ACTOR);
  request.mutable_filter()->add_country_codes("USA");
  absl::StatusOr<AggregateEventsResponse> response = stats_.Aggregate(request);
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->rows_size(), 2);
  EXPECT_EQ(response->rows(0).keys(0), "act_new");
  EXPECT_EQ(response->rows(0).event_count(), 1);
  EXPECT_EQ(response->rows(1).keys(0), "act_other");
  EXPECT_EQ(response->total_events(), 1);
}

TEST_F(StatsAggregationTest, FillGapsLimitAndOrder) {
  AggregateEventsRequest request;
  request.add_group_by(v1::DIMENSION_MONTH);
  request.mutable_filter()->add_country_codes("DOM");
  request.mutable_filter()->mutable_date_range()->set_start_date("2019-06-01");
  request.mutable_filter()->mutable_date_range()->set_end_date("2026-05-31");
  request.set_fill_gaps(true);
  absl::StatusOr<AggregateEventsResponse> response = stats_.Aggregate(request);
  ASSERT_TRUE(response.ok());
  // Every month of the range, from 2019-06 to 2026-05.
  ASSERT_EQ(response->rows_size(), 7 * 12);
  EXPECT_EQ(response->rows(0).keys(0), "2019-06");
  EXPECT_EQ(response->rows(83).keys(0), "2026-05");
  int64_t sum = 0;
  for (const auto& row : response->rows()) sum += row.event_count();
  EXPECT_EQ(sum, response->total_events());

  request.set_fill_gaps(false);
  request.set_order_by("event_count desc");
  request.set_limit(3);
  response = stats_.Aggregate(request);
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->rows_size(), 3);
  EXPECT_GE(response->rows(0).event_count(), response->rows(1).event_count());
  EXPECT_GE(response->rows(1).event_count(), response->rows(2).event_count());
}

TEST_F(StatsAggregationTest, IsoWeekReferenceAgreesWithKnownWeeks) {
  // The reference itself must be right for the comparison to mean anything.
  EXPECT_EQ(IsoWeek("2021-01-03"), "2020-W53");
  EXPECT_EQ(IsoWeek("2024-12-30"), "2025-W01");
  EXPECT_EQ(IsoWeek("2024-02-29"), "2024-W09");
  EXPECT_EQ(IsoWeek("2010-01-03"), "2009-W53");
}

// The request of issue 24.7: 300 events with distinct actors, [DAY, ACTOR] over 1900-2100 with
// gaps filled is 22 million rows. Without a limit that is refused; with limit 1 it is one row,
// without building the other rows (it once took 5 GB and 12 s).
TEST(StatsFillGapsRequestTest, ALimitAnswersAFillTooLargeToSend) {
  ReadModel model;
  EventStats stats(&model, nullptr, nullptr);
  for (int i = 0; i < 300; ++i) {
    Event e;
    e.set_id("evt_" + testing::Hex16(i + 1));
    e.set_event_date(validation::FormatDate(*validation::ParseDate("2024-01-01") + i));
    e.set_event_type(event::v1::EVENT_TYPE_RIOTS);
    e.mutable_location()->set_country_code("HTI");
    e.add_participants()->set_actor_id(absl::StrFormat("act_%03d", i));
    model.Apply(testing::Change(i + 1, event::v1::CHANGE_TYPE_CREATED, e));
  }
  model.MarkCaughtUp();
  AggregateEventsRequest request;
  request.add_group_by(v1::DIMENSION_DAY);
  request.add_group_by(v1::DIMENSION_ACTOR);
  request.set_fill_gaps(true);
  request.mutable_filter()->mutable_date_range()->set_start_date("1900-01-01");
  request.mutable_filter()->mutable_date_range()->set_end_date("2100-12-31");
  absl::StatusOr<AggregateEventsResponse> response = stats.Aggregate(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted) << response.status();
  EXPECT_THAT(std::string(response.status().message()),
              ::testing::HasSubstr("the answer has 22024200 rows"));

  request.set_limit(1);
  response = stats.Aggregate(request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->rows_size(), 1);
  EXPECT_EQ(absl::StrJoin(response->rows(0).keys(), "|"), "1900-01-01|act_000");
  EXPECT_EQ(response->rows(0).event_count(), 0);
  EXPECT_EQ(response->total_events(), 300);

  // The rows with events come first in count order; the zero rows follow by keys.
  request.set_limit(302);
  request.set_order_by("event_count desc");
  response = stats.Aggregate(request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->rows_size(), 302);
  EXPECT_EQ(absl::StrJoin(response->rows(0).keys(), "|"), "2024-01-01|act_000");
  EXPECT_EQ(response->rows(299).event_count(), 1);
  EXPECT_EQ(absl::StrJoin(response->rows(300).keys(), "|"), "1900-01-01|act_000");
  EXPECT_EQ(absl::StrJoin(response->rows(301).keys(), "|"), "1900-01-01|act_001");
}

// Events stored before event_filter::kMaxCasualtyCount existed may carry any count: two with INT64_MAX
// killed once added up to -2 fatalities. Every sum now stops at INT64_MAX instead of wrapping.
TEST(StatsCountOverflowTest, SumsStopAtTheLargestInt64InsteadOfWrapping) {
  ReadModel model;
  EventStats stats(&model, nullptr, nullptr);
  int64_t sequence = 0;
  auto add = [&](const std::string& id, const std::string& date, int64_t count) {
    Event e;
    e.set_id(id);
    e.set_event_date(date);
    e.set_event_type(event::v1::EVENT_TYPE_BATTLES);
    e.mutable_location()->set_country_code("HTI");
    e.add_participants()->set_actor_id("act_1");
    for (auto kind : {event::v1::CASUALTY_KIND_KILLED, event::v1::CASUALTY_KIND_INJURED}) {
      auto* casualty = e.add_casualties();
      casualty->set_kind(kind);
      casualty->mutable_count()->set_best(count);
    }
    e.set_fatalities(count);
    model.Apply(testing::Change(++sequence, event::v1::CHANGE_TYPE_CREATED, e));
  };
  add("evt_0000000000000001", "2024-01-10", INT64_MAX);
  add("evt_0000000000000002", "2024-01-10", INT64_MAX);
  // Far back in time, so DAY x EVENT_TYPE has too many keys for the dense table.
  add("evt_0000000000000003", "2000-01-01", 0);
  model.MarkCaughtUp();

  const std::vector<std::vector<Dimension>> groupings = {
      {},
      {v1::DIMENSION_MONTH},
      {v1::DIMENSION_ACTOR},
      {v1::DIMENSION_DAY, v1::DIMENSION_EVENT_TYPE}};
  for (const std::vector<Dimension>& dims : groupings) {
    SCOPED_TRACE(dims.empty() ? "no dimension" : v1::Dimension_Name(dims.back()));
    AggregateEventsRequest request;
    request.mutable_filter()->add_country_codes("HTI");
    for (Dimension d : dims) request.add_group_by(d);
    absl::StatusOr<AggregateEventsResponse> response = stats.Aggregate(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->total_events(), 3);
    EXPECT_EQ(response->total_fatalities(), INT64_MAX);
    for (const auto& row : response->rows()) {
      EXPECT_EQ(row.fatalities(), row.event_count() >= 2 ? INT64_MAX : 0)
          << absl::StrJoin(row.keys(), "|");
    }
  }

  v1::GetTrendsRequest trends;
  trends.set_end_date("2024-01-31");
  trends.set_window_days(30);
  trends.set_dimension(v1::DIMENSION_ACTOR);
  absl::StatusOr<v1::GetTrendsResponse> trend = stats.Trends(trends);
  ASSERT_TRUE(trend.ok()) << trend.status();
  ASSERT_EQ(trend->rows_size(), 1);
  EXPECT_EQ(trend->rows(0).current_fatalities(), INT64_MAX);

  // What SummarizeMetric compares reported figures with.
  lookout::type::v1::DateRange january;
  january.set_start_date("2024-01-01");
  january.set_end_date("2024-01-31");
  for (auto kind : {event::v1::CASUALTY_KIND_KILLED, event::v1::CASUALTY_KIND_INJURED}) {
    absl::StatusOr<int64_t> sum = stats.SumCasualties("HTI", january, kind);
    ASSERT_TRUE(sum.ok()) << sum.status();
    EXPECT_EQ(*sum, INT64_MAX) << event::v1::CasualtyKind_Name(kind);
  }
}

}  // namespace
}  // namespace lookout::stats
