// From groups (codes) to the rows AggregateEvents returns: key text, zero rows for empty time
// buckets (fill_gaps), ordering and the row limit.
#ifndef LOOKOUT_SERVICES_STATS_AGGREGATE_ROWS_H_
#define LOOKOUT_SERVICES_STATS_AGGREGATE_ROWS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lookout/stats/v1/stats_service.pb.h"
#include "services/stats/aggregate_query.h"
#include "services/stats/event_columns.h"
#include "services/stats/grouping.h"

namespace lookout::stats {

struct KeyedRow {
  std::array<std::string, kMaxDimensions> keys;
  int64_t events = 0;
  int64_t fatalities = 0;
};

// The key text of a code: "2024-01", "HTI", "BATTLES", an actor id, "" for an empty admin1.
// Reads the dictionaries: call under the read model's lock.
std::string KeyText(const EventColumns& columns, lookout::stats::v1::Dimension dimension,
                    int32_t code);

// Call under the read model's lock.
std::vector<KeyedRow> KeyRows(const EventColumns& columns, const Grouping& grouping,
                              const std::vector<lookout::stats::v1::Dimension>& dimensions);

// Adds a zero row for every empty bucket of the time dimensions between `first_day` and
// `last_day`, for each combination of the other dimensions' keys that has rows. With an open
// side, the range stops at the first or last bucket that has events. RESOURCE_EXHAUSTED when
// the answer would exceed kMaxRows and no limit cuts it down. With a `limit`, adds only the
// `limit` smallest empty-bucket rows by keys (the only ones any order can keep), so the rows
// built stay bounded however many buckets the range holds.
struct GapRange {
  bool has_first_day = false;
  bool has_last_day = false;
  int32_t first_day = 0;
  int32_t last_day = 0;
};
absl::Status FillGaps(const std::vector<lookout::stats::v1::Dimension>& dimensions,
                      const GapRange& range, const Grouping& grouping, int limit,
                      std::vector<KeyedRow>* rows);

// Sorts (ties by keys ascending) and applies the limit (0: all, RESOURCE_EXHAUSTED above
// kMaxRows).
absl::Status OrderAndLimit(RowOrder order, int limit, std::vector<KeyedRow>* rows);

// RESOURCE_EXHAUSTED naming the row count, for answers too large to send.
absl::Status TooManyRows(size_t rows);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_AGGREGATE_ROWS_H_
