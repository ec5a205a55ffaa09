#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "common/validation.h"
#include "services/stats/time_buckets.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Dimension;

std::string Key(Dimension dimension, const std::string& date) {
  return TimeBucketKey(dimension, TimeBucket(dimension, *validation::ParseDate(date)));
}

TEST(StatsTimeBucketsTest, IsoWeeksAtYearEdges) {
  // A year's first Thursday decides week 1; days before it belong to the previous year.
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2021-01-03"), "2020-W53");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2020-12-31"), "2020-W53");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2021-01-04"), "2021-W01");
  // And days after the last Thursday belong to the next year.
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2024-12-30"), "2025-W01");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2008-12-29"), "2009-W01");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2010-01-03"), "2009-W53");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2024-01-01"), "2024-W01");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2024-01-15"), "2024-W03");
  // Sunday closes the week that began on Monday.
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2024-01-21"), "2024-W03");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2024-01-22"), "2024-W04");
}

TEST(StatsTimeBucketsTest, WeeksBefore1970CountDownWithoutAGap) {
  // 1970-01-01 was a Thursday: its week began on Monday 1969-12-29.
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "1969-12-29"), "1970-W01");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "1969-12-28"), "1969-W52");
  const int32_t monday = *validation::ParseDate("1969-12-29");
  EXPECT_EQ(TimeBucket(v1::DIMENSION_WEEK, monday - 1) + 1, TimeBucket(v1::DIMENSION_WEEK, monday));
  EXPECT_EQ(TimeBucketFirstDay(v1::DIMENSION_WEEK, TimeBucket(v1::DIMENSION_WEEK, monday + 6)),
            monday);
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "1900-01-01"), "1900-W01");
}

TEST(StatsTimeBucketsTest, LeapDaysBelongToFebruary) {
  EXPECT_EQ(Key(v1::DIMENSION_DAY, "2024-02-29"), "2024-02-29");
  EXPECT_EQ(Key(v1::DIMENSION_MONTH, "2024-02-29"), "2024-02");
  EXPECT_EQ(Key(v1::DIMENSION_MONTH, "2024-03-01"), "2024-03");
  EXPECT_EQ(Key(v1::DIMENSION_YEAR, "2024-02-29"), "2024");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2024-02-29"), "2024-W09");
  EXPECT_EQ(Key(v1::DIMENSION_MONTH, "2000-02-29"), "2000-02");
  // 2100 is not a leap year: the table must not invent its 29 February.
  EXPECT_EQ(Key(v1::DIMENSION_MONTH, "2100-03-01"), "2100-03");
  EXPECT_EQ(*validation::ParseDate("2100-03-01") - *validation::ParseDate("2100-02-28"), 1);
}

TEST(StatsTimeBucketsTest, BucketsAreConsecutiveIntegers) {
  const int32_t dec = TimeBucket(v1::DIMENSION_MONTH, *validation::ParseDate("2023-12-31"));
  const int32_t jan = TimeBucket(v1::DIMENSION_MONTH, *validation::ParseDate("2024-01-01"));
  EXPECT_EQ(jan, dec + 1);
  EXPECT_EQ(TimeBucket(v1::DIMENSION_YEAR, *validation::ParseDate("2024-06-01")), 2024);
  EXPECT_EQ(TimeBucketKey(v1::DIMENSION_MONTH, jan), "2024-01");
  EXPECT_EQ(TimeBucketKey(v1::DIMENSION_MONTH, dec), "2023-12");
  EXPECT_EQ(validation::FormatDate(TimeBucketFirstDay(v1::DIMENSION_MONTH, jan)), "2024-01-01");
  EXPECT_EQ(validation::FormatDate(TimeBucketFirstDay(v1::DIMENSION_YEAR, 2024)), "2024-01-01");
}

TEST(StatsTimeBucketsTest, RangeEndsAreCovered) {
  EXPECT_EQ(*validation::ParseDate("1900-01-01"), kMinDay);
  EXPECT_EQ(*validation::ParseDate("2100-12-31"), kMaxDay);
  EXPECT_EQ(Key(v1::DIMENSION_MONTH, "1900-01-01"), "1900-01");
  EXPECT_EQ(Key(v1::DIMENSION_MONTH, "2100-12-31"), "2100-12");
  EXPECT_EQ(Key(v1::DIMENSION_WEEK, "2100-12-31"), "2100-W52");
}

TEST(StatsTimeBucketsTest, FastDayNumberAgreesWithValidationOnEveryDay) {
  for (int32_t day = kMinDay; day <= kMaxDay; ++day) {
    const std::string text = validation::FormatDate(day);
    ASSERT_EQ(FastDayNumber(text), std::optional<int32_t>(day)) << text;
  }
  for (const char* bad :
       {"2023-02-29", "2100-02-29", "1899-12-31", "2101-01-01", "2024-1-01", "abcd-ef-gh",
        "2024-13-01", "2024-00-10", "2024-04-31", "2024-04-00", "2024/04/01", "", "2024-04-011"}) {
    EXPECT_EQ(FastDayNumber(bad), std::nullopt) << bad;
    EXPECT_FALSE(validation::ParseDate(bad).ok()) << bad;
  }
  EXPECT_EQ(FastDayNumber("2000-02-29"), validation::ParseDate("2000-02-29").value());
}

TEST(StatsTimeBucketsTest, TablesMatchTheBucketFunction) {
  for (int32_t day = kMinDay; day <= kMaxDay; day += 13) {
    EXPECT_EQ(TimeBucketTable(v1::DIMENSION_MONTH)[day - kMinDay],
              TimeBucket(v1::DIMENSION_MONTH, day));
    EXPECT_EQ(TimeBucketTable(v1::DIMENSION_YEAR)[day - kMinDay],
              TimeBucket(v1::DIMENSION_YEAR, day));
    EXPECT_EQ(WeekIndex(day), TimeBucket(v1::DIMENSION_WEEK, day));
  }
  EXPECT_EQ(TimeBucketTable(v1::DIMENSION_DAY), nullptr);
}

TEST(StatsTimeBucketsTest, OnlyCalendarDimensionsAreTime) {
  EXPECT_TRUE(IsTimeDimension(v1::DIMENSION_DAY));
  EXPECT_TRUE(IsTimeDimension(v1::DIMENSION_YEAR));
  EXPECT_FALSE(IsTimeDimension(v1::DIMENSION_COUNTRY));
  EXPECT_FALSE(IsTimeDimension(v1::DIMENSION_ACTOR));
}

}  // namespace
}  // namespace lookout::stats
