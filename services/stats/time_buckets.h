// Calendar arithmetic for the time dimensions: which day, ISO week, month and year bucket a day
// number (days since 1970-01-01, as validation::ParseDate returns) falls in, and the key text of
// each bucket. Every valid date (1900-2100) is precomputed once, so grouping a million events by
// month costs a table lookup per event instead of a civil-date conversion.
#ifndef LOOKOUT_SERVICES_STATS_TIME_BUCKETS_H_
#define LOOKOUT_SERVICES_STATS_TIME_BUCKETS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "lookout/stats/v1/stats_service.pb.h"

namespace lookout::stats {

// The day numbers of 1900-01-01 and 2100-12-31, the range validation accepts.
inline constexpr int32_t kMinDay = -25567;
inline constexpr int32_t kMaxDay = 47846;

bool IsTimeDimension(lookout::stats::v1::Dimension dimension);

// The bucket of `day` for a time dimension, as an integer that grows by one from one bucket to
// the next (day number, Monday-based week index, year * 12 + month - 1, year). `day` must lie in
// [kMinDay, kMaxDay].
int32_t TimeBucket(lookout::stats::v1::Dimension dimension, int32_t day);

// The key text of a bucket: "2024-01-15", "2024-W03" (ISO 8601 week-numbering year and week),
// "2024-01", "2024".
std::string TimeBucketKey(lookout::stats::v1::Dimension dimension, int32_t bucket);

// The first day of a bucket (the Monday of a week).
int32_t TimeBucketFirstDay(lookout::stats::v1::Dimension dimension, int32_t bucket);

// For MONTH and YEAR: the bucket of every valid day, indexed by day - kMinDay, so hot loops can
// look buckets up without a call. Null for other dimensions.
const int32_t* TimeBucketTable(lookout::stats::v1::Dimension dimension);

// The Monday-based week index of a day (what TimeBucket returns for WEEK).
inline int32_t WeekIndex(int32_t day) {
  // 1970-01-01 was a Thursday; floor division keeps counting through days before 1970.
  const int32_t shifted = day + 3;
  return shifted >= 0 ? shifted / 7 : -((-shifted + 6) / 7);
}

// The day number of a "YYYY-MM-DD" date, computed without validation's civil-time machinery
// (it runs once per event while the read model rebuilds); nullopt when the text is not a
// valid date in 1900-2100.
std::optional<int32_t> FastDayNumber(absl::string_view date);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_TIME_BUCKETS_H_
