#include "services/stats/time_buckets.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Dimension;

// Floor division: week indexes must keep counting down through days before 1970.
int32_t FloorDiv(int32_t a, int32_t b) {
  int32_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

absl::CivilDay CivilOf(int32_t day) { return absl::CivilDay(1970, 1, 1) + day; }

// Day number -> month and year buckets, filled once for every valid date.
struct CalendarTable {
  std::vector<int32_t> month;
  std::vector<int32_t> year;

  CalendarTable() {
    const int32_t size = kMaxDay - kMinDay + 1;
    month.resize(size);
    year.resize(size);
    absl::CivilDay civil = CivilOf(kMinDay);
    for (int32_t i = 0; i < size; ++i, ++civil) {
      year[i] = static_cast<int32_t>(civil.year());
      month[i] = static_cast<int32_t>(civil.year() * 12 + civil.month() - 1);
    }
  }
};

const CalendarTable& Table() {
  static const CalendarTable* const table = new CalendarTable();
  return *table;
}

// The Monday of week index w (see WeekIndex).
int32_t WeekMonday(int32_t week) { return week * 7 - 3; }

// Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar (the era-based
// algorithm: 400-year eras of 146097 days, years starting in March so leap days come last).
int32_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

const int32_t* TimeBucketTable(Dimension dimension) {
  if (dimension == v1::DIMENSION_MONTH) return Table().month.data();
  if (dimension == v1::DIMENSION_YEAR) return Table().year.data();
  return nullptr;
}

std::optional<int32_t> FastDayNumber(absl::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  int digits[8];
  static constexpr int kPositions[8] = {0, 1, 2, 3, 5, 6, 8, 9};
  for (int i = 0; i < 8; ++i) {
    const char c = date[kPositions[i]];
    if (c < '0' || c > '9') return std::nullopt;
    digits[i] = c - '0';
  }
  const int year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3];
  const int month = digits[4] * 10 + digits[5];
  const int day = digits[6] * 10 + digits[7];
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) return std::nullopt;
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] + (month == 2 && leap)) return std::nullopt;
  return DaysFromCivil(year, month, day);
}

bool IsTimeDimension(Dimension dimension) {
  return dimension == v1::DIMENSION_DAY || dimension == v1::DIMENSION_WEEK ||
         dimension == v1::DIMENSION_MONTH || dimension == v1::DIMENSION_YEAR;
}

int32_t TimeBucket(Dimension dimension, int32_t day) {
  switch (dimension) {
    case v1::DIMENSION_WEEK:
      return WeekIndex(day);
    case v1::DIMENSION_MONTH:
      return Table().month[day - kMinDay];
    case v1::DIMENSION_YEAR:
      return Table().year[day - kMinDay];
    default:
      return day;
  }
}

std::string TimeBucketKey(Dimension dimension, int32_t bucket) {
  switch (dimension) {
    case v1::DIMENSION_WEEK: {
      // ISO 8601: a week belongs to the year of its Thursday, and week 1 is the week holding
      // that year's first Thursday.
      absl::CivilDay thursday = CivilOf(WeekMonday(bucket) + 3);
      int week = static_cast<int>(absl::GetYearDay(thursday) - 1) / 7 + 1;
      return absl::StrFormat("%04d-W%02d", thursday.year(), week);
    }
    case v1::DIMENSION_MONTH:
      return absl::StrFormat("%04d-%02d", FloorDiv(bucket, 12),
                             bucket - FloorDiv(bucket, 12) * 12 + 1);
    case v1::DIMENSION_YEAR:
      return absl::StrFormat("%04d", bucket);
    default:
      return absl::FormatCivilTime(CivilOf(bucket));
  }
}

int32_t TimeBucketFirstDay(Dimension dimension, int32_t bucket) {
  switch (dimension) {
    case v1::DIMENSION_WEEK:
      return WeekMonday(bucket);
    case v1::DIMENSION_MONTH: {
      absl::CivilDay first(FloorDiv(bucket, 12), bucket - FloorDiv(bucket, 12) * 12 + 1, 1);
      return static_cast<int32_t>(first - absl::CivilDay(1970, 1, 1));
    }
    case v1::DIMENSION_YEAR:
      return static_cast<int32_t>(absl::CivilDay(bucket, 1, 1) - absl::CivilDay(1970, 1, 1));
    default:
      return bucket;
  }
}

}  // namespace lookout::stats
