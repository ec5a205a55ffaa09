#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/validation.h"
#include "services/stats/aggregate_rows.h"
#include "services/stats/time_buckets.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Dimension;

KeyedRow Row(std::string a, std::string b, int64_t events, int64_t fatalities = 0) {
  KeyedRow row;
  row.keys[0] = std::move(a);
  row.keys[1] = std::move(b);
  row.events = events;
  row.fatalities = fatalities;
  return row;
}

std::vector<std::string> FirstKeys(const std::vector<KeyedRow>& rows) {
  std::vector<std::string> keys;
  for (const KeyedRow& row : rows) keys.push_back(row.keys[0] + "/" + row.keys[1]);
  return keys;
}

GapRange Range(const std::string& first, const std::string& last) {
  GapRange range;
  if (!first.empty()) {
    range.has_first_day = true;
    range.first_day = *validation::ParseDate(first);
  }
  if (!last.empty()) {
    range.has_last_day = true;
    range.last_day = *validation::ParseDate(last);
  }
  return range;
}

Grouping Seen(const std::string& first, const std::string& last) {
  Grouping grouping;
  grouping.min_bucket_day = *validation::ParseDate(first);
  grouping.max_bucket_day = *validation::ParseDate(last);
  return grouping;
}

TEST(StatsFillGapsTest, AddsZeroMonthsInsideTheRangeForEachOtherKey) {
  std::vector<KeyedRow> rows = {Row("2024-02", "BATTLES", 3), Row("2024-04", "RIOTS", 1)};
  ASSERT_TRUE(FillGaps({v1::DIMENSION_MONTH, v1::DIMENSION_EVENT_TYPE},
                       Range("2024-01-15", "2024-04-02"), Seen("2024-02-01", "2024-04-01"), 0,
                       &rows)
                  .ok());
  ASSERT_TRUE(OrderAndLimit(RowOrder::kKeysAsc, 0, &rows).ok());
  EXPECT_EQ(FirstKeys(rows),
            (std::vector<std::string>{"2024-01/BATTLES", "2024-01/RIOTS", "2024-02/BATTLES",
                                      "2024-02/RIOTS", "2024-03/BATTLES", "2024-03/RIOTS",
                                      "2024-04/BATTLES", "2024-04/RIOTS"}));
  EXPECT_EQ(rows[2].events, 3);
  EXPECT_EQ(rows[0].events, 0);
}

TEST(StatsFillGapsTest, AnOpenSideStopsAtTheEvents) {
  std::vector<KeyedRow> rows = {Row("2023", "", 2), Row("2026", "", 1)};
  ASSERT_TRUE(
      FillGaps({v1::DIMENSION_YEAR}, Range("", ""), Seen("2023-05-01", "2026-01-09"), 0, &rows)
          .ok());
  ASSERT_TRUE(OrderAndLimit(RowOrder::kKeysAsc, 0, &rows).ok());
  EXPECT_EQ(FirstKeys(rows), (std::vector<std::string>{"2023/", "2024/", "2025/", "2026/"}));
}

TEST(StatsFillGapsTest, NothingMatchedAndAClosedRangeGivesAllZeroBuckets) {
  std::vector<KeyedRow> rows;
  Grouping none;
  ASSERT_TRUE(
      FillGaps({v1::DIMENSION_WEEK}, Range("2020-12-28", "2021-01-10"), none, 0, &rows).ok());
  ASSERT_TRUE(OrderAndLimit(RowOrder::kKeysAsc, 0, &rows).ok());
  EXPECT_EQ(FirstKeys(rows), (std::vector<std::string>{"2020-W53/", "2021-W01/"}));
  // With an open side and no events there is no range to fill.
  rows.clear();
  ASSERT_TRUE(FillGaps({v1::DIMENSION_WEEK}, Range("2020-12-28", ""), none, 0, &rows).ok());
  EXPECT_TRUE(rows.empty());
}

TEST(StatsFillGapsTest, TwoTimeDimensionsOnlyPairBucketsThatMeet) {
  std::vector<KeyedRow> rows;
  ASSERT_TRUE(FillGaps({v1::DIMENSION_YEAR, v1::DIMENSION_MONTH}, Range("2023-11-20", "2024-02-10"),
                       Grouping(), 0, &rows)
                  .ok());
  ASSERT_TRUE(OrderAndLimit(RowOrder::kKeysAsc, 0, &rows).ok());
  EXPECT_EQ(FirstKeys(rows), (std::vector<std::string>{"2023/2023-11", "2023/2023-12",
                                                       "2024/2024-01", "2024/2024-02"}));
}

TEST(StatsFillGapsTest, TooManyRowsWithoutALimitIsResourceExhausted) {
  std::vector<KeyedRow> rows;
  absl::Status status =
      FillGaps({v1::DIMENSION_DAY}, Range("1900-01-01", "2100-12-31"), Grouping(), 0, &rows);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(rows.empty());
  // A limit makes the same question answerable.
  EXPECT_TRUE(
      FillGaps({v1::DIMENSION_DAY}, Range("1900-01-01", "2100-12-31"), Grouping(), 10, &rows).ok());
  ASSERT_TRUE(OrderAndLimit(RowOrder::kKeysAsc, 10, &rows).ok());
  EXPECT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows[0].keys[0], "1900-01-01");
}

// With a limit, gap rows past what the answer can keep are never built: group_by [DAY, ACTOR]
// over 1900-2100 with limit 1 once built 22 million rows (5 GB) to return one.
TEST(StatsFillGapsTest, ALimitBuildsOnlyTheGapRowsItCanKeep) {
  const std::vector<KeyedRow> seen = {Row("2024-01-10", "act_1", 2, 5),
                                      Row("2024-01-10", "act_2", 1), Row("2024-03-01", "act_3", 1)};
  std::vector<KeyedRow> rows = seen;
  ASSERT_TRUE(FillGaps({v1::DIMENSION_DAY, v1::DIMENSION_ACTOR}, Range("1900-01-01", "2100-12-31"),
                       Seen("2024-01-10", "2024-03-01"), 5, &rows)
                  .ok());
  EXPECT_LE(rows.size(), seen.size() + 5);
  ASSERT_TRUE(OrderAndLimit(RowOrder::kKeysAsc, 5, &rows).ok());
  EXPECT_EQ(FirstKeys(rows),
            (std::vector<std::string>{"1900-01-01/act_1", "1900-01-01/act_2", "1900-01-01/act_3",
                                      "1900-01-02/act_1", "1900-01-02/act_2"}));

  // The actor first, and the rows with counts ahead of the zero rows.
  rows.clear();
  for (const KeyedRow& row : seen) rows.push_back(Row(row.keys[1], row.keys[0], row.events));
  ASSERT_TRUE(FillGaps({v1::DIMENSION_ACTOR, v1::DIMENSION_DAY}, Range("1900-01-01", "2100-12-31"),
                       Seen("2024-01-10", "2024-03-01"), 4, &rows)
                  .ok());
  EXPECT_LE(rows.size(), seen.size() + 4);
  ASSERT_TRUE(OrderAndLimit(RowOrder::kEventCountDesc, 4, &rows).ok());
  EXPECT_EQ(FirstKeys(rows), (std::vector<std::string>{"act_1/2024-01-10", "act_2/2024-01-10",
                                                       "act_3/2024-03-01", "act_1/1900-01-01"}));
}

// Whatever the dimensions' order and the row order, a limit keeps exactly the rows that
// filling every gap and then cutting would keep.
TEST(StatsFillGapsTest, ALimitKeepsTheRowsFillingEverythingWould) {
  absl::BitGen gen;
  const GapRange range = Range("2023-12-20", "2024-02-10");
  const std::vector<std::vector<Dimension>> groupings = {
      {v1::DIMENSION_MONTH},
      {v1::DIMENSION_DAY, v1::DIMENSION_EVENT_TYPE},
      {v1::DIMENSION_EVENT_TYPE, v1::DIMENSION_WEEK},
      {v1::DIMENSION_COUNTRY, v1::DIMENSION_DAY, v1::DIMENSION_ACTOR},
      {v1::DIMENSION_DAY, v1::DIMENSION_COUNTRY, v1::DIMENSION_MONTH},
      {v1::DIMENSION_ACTOR, v1::DIMENSION_YEAR, v1::DIMENSION_WEEK}};
  const std::vector<std::string> others = {"A", "B", "C"};
  for (const std::vector<Dimension>& dims : groupings) {
    for (int round = 0; round < 20; ++round) {
      std::map<std::array<std::string, kMaxDimensions>, KeyedRow> by_keys;
      const int count = absl::Uniform<int>(absl::IntervalClosed, gen, 0, 12);
      for (int i = 0; i < count; ++i) {
        const int32_t day =
            absl::Uniform<int32_t>(absl::IntervalClosed, gen, range.first_day, range.last_day);
        KeyedRow row;
        for (size_t d = 0; d < dims.size(); ++d) {
          row.keys[d] = IsTimeDimension(dims[d]) ? TimeBucketKey(dims[d], TimeBucket(dims[d], day))
                                                 : others[absl::Uniform<size_t>(gen, 0, 3)];
        }
        row.events = absl::Uniform<int64_t>(absl::IntervalClosed, gen, 1, 3);
        row.fatalities = absl::Uniform<int64_t>(absl::IntervalClosed, gen, 0, 2);
        by_keys[row.keys] = row;
      }
      std::vector<KeyedRow> seen;
      for (const auto& [keys, row] : by_keys) seen.push_back(row);
      for (RowOrder order :
           {RowOrder::kKeysAsc, RowOrder::kEventCountDesc, RowOrder::kFatalitiesDesc}) {
        for (int limit : {1, 2, 7, 40, 500}) {
          SCOPED_TRACE(absl::StrCat(v1::Dimension_Name(dims[0]), " dims ", dims.size(), " rows ",
                                    seen.size(), " order ", static_cast<int>(order), " limit ",
                                    limit));
          std::vector<KeyedRow> everything = seen, limited = seen;
          ASSERT_TRUE(FillGaps(dims, range, Grouping(), 0, &everything).ok());
          ASSERT_TRUE(OrderAndLimit(order, limit, &everything).ok());
          ASSERT_TRUE(FillGaps(dims, range, Grouping(), limit, &limited).ok());
          EXPECT_LE(limited.size(), seen.size() + limit);
          ASSERT_TRUE(OrderAndLimit(order, limit, &limited).ok());
          ASSERT_EQ(limited.size(), everything.size());
          for (size_t i = 0; i < limited.size(); ++i) {
            EXPECT_EQ(limited[i].keys, everything[i].keys) << i;
            EXPECT_EQ(limited[i].events, everything[i].events) << i;
            EXPECT_EQ(limited[i].fatalities, everything[i].fatalities) << i;
          }
        }
      }
    }
  }
}

TEST(StatsOrderAndLimitTest, OrdersByCountsWithKeysBreakingTies) {
  std::vector<KeyedRow> rows = {Row("b", "", 5, 1), Row("a", "", 5, 9), Row("c", "", 7, 0),
                                Row("d", "", 1, 9)};
  ASSERT_TRUE(OrderAndLimit(RowOrder::kEventCountDesc, 0, &rows).ok());
  EXPECT_EQ(FirstKeys(rows), (std::vector<std::string>{"c/", "a/", "b/", "d/"}));
  ASSERT_TRUE(OrderAndLimit(RowOrder::kFatalitiesDesc, 3, &rows).ok());
  EXPECT_EQ(FirstKeys(rows), (std::vector<std::string>{"a/", "d/", "b/"}));
  ASSERT_TRUE(OrderAndLimit(RowOrder::kKeysAsc, 0, &rows).ok());
  EXPECT_EQ(FirstKeys(rows), (std::vector<std::string>{"a/", "b/", "d/"}));
}

}  // namespace
}  // namespace lookout::stats
