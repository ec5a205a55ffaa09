#include "common/validation.h"

#include <gtest/gtest.h>

#include "common/errors.h"

namespace lookout::validation {
namespace {

TEST(CheckDateTest, AcceptsRealDatesInRange) {
  EXPECT_TRUE(CheckDate("d", "2024-02-29", true).ok());
  EXPECT_TRUE(CheckDate("d", "1900-01-01", true).ok());
  EXPECT_TRUE(CheckDate("d", "2100-12-31", true).ok());
  EXPECT_TRUE(CheckDate("d", "", false).ok());
}

TEST(CheckDateTest, RejectsImpossibleAndMalformedDates) {
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-04-31", "2024-1-01", "24-01-01",
                          "2024/01/01", "1899-12-31", "2101-01-01", "2024-01-0x", "abcdefghij"}) {
    absl::Status status = CheckDate("event.event_date", bad, true);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(errors::FieldOf(status), "event.event_date") << bad;
    EXPECT_NE(status.message().find("event.event_date"), absl::string_view::npos);
  }
  EXPECT_EQ(CheckDate("d", "", true).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseDateTest, RoundTripsThroughDayNumbers) {
  EXPECT_EQ(*ParseDate("1970-01-01"), 0);
  EXPECT_EQ(*ParseDate("1970-01-02"), 1);
  EXPECT_EQ(*ParseDate("1969-12-31"), -1);
  EXPECT_EQ(FormatDate(*ParseDate("2024-02-29")), "2024-02-29");
  EXPECT_EQ(*ParseDate("2024-03-01") - *ParseDate("2024-02-28"), 2);
}

TEST(CheckDateRangeTest, RequiresOrder) {
  lookout::type::v1::DateRange range;
  range.set_start_date("2024-02-01");
  range.set_end_date("2024-01-01");
  EXPECT_EQ(CheckDateRange("period", range).code(), absl::StatusCode::kInvalidArgument);
  range.set_end_date("2024-02-01");
  EXPECT_TRUE(CheckDateRange("period", range).ok());
  range.set_end_date("");
  EXPECT_TRUE(CheckDateRange("period", range).ok());
}

TEST(CheckCountryCodeTest, KnowsIsoAlpha3) {
  EXPECT_TRUE(CheckCountryCode("c", "HTI", true).ok());
  EXPECT_TRUE(CheckCountryCode("c", "KEN", true).ok());
  EXPECT_TRUE(CheckCountryCode("c", "", false).ok());
  for (const char* bad : {"hti", "HT", "HAITI", "XXX", "USA "}) {
    EXPECT_EQ(CheckCountryCode("c", bad, false).code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(CheckCountryCode("c", "", true).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CheckTextTest, LengthRequiredAndUtf8) {
  EXPECT_TRUE(CheckText("n", "Cité Soleil", 200, true).ok());
  EXPECT_EQ(CheckText("n", "   ", 200, true).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckText("n", std::string(201, 'a'), 200, false).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckText("n", std::string(200, 'a'), 200, false).ok());
  EXPECT_EQ(CheckText("n", "bad \xC3", 200, false).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckText("n", "bad \xFF\xFE", 200, false).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckTextTest, NulIsRefusedOnEveryBackend) {
  const absl::Status status = CheckText("notes", std::string("a\0b", 3), 200, false);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "notes: must not contain the NUL character (U+0000)");
}

TEST(CheckCoordinatesTest, Ranges) {
  EXPECT_TRUE(CheckLatitude("lat", 18.5).ok());
  EXPECT_EQ(CheckLatitude("lat", 90.5).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckLatitude("lat", std::nan("")).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckLongitude("lon", -180).ok());
  EXPECT_EQ(CheckLongitude("lon", -180.01).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CheckCountTest, LowBestHighOrder) {
  lookout::type::v1::Count count;
  count.set_best(10);
  count.set_low(5);
  count.set_high(20);
  EXPECT_TRUE(CheckCount("c", count).ok());
  count.set_low(11);
  EXPECT_EQ(CheckCount("c", count).code(), absl::StatusCode::kInvalidArgument);
  count.set_low(5);
  count.set_high(9);
  EXPECT_EQ(CheckCount("c", count).code(), absl::StatusCode::kInvalidArgument);
  count.clear_high();
  count.set_best(-1);
  count.clear_low();
  EXPECT_EQ(CheckCount("c", count).code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageSizeTest, DefaultClampAndNegative) {
  EXPECT_EQ(*PageSize(0), 50);
  EXPECT_EQ(*PageSize(7), 7);
  EXPECT_EQ(*PageSize(1000), 1000);
  EXPECT_EQ(*PageSize(5000), 1000);
  EXPECT_EQ(PageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lookout::validation
