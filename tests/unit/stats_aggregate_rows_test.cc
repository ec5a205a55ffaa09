#include <gtest/gtest.h>

#include "common/validation.h"
#include "services/stats/aggregate_rows.h"

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
