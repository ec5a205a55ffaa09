// AggregateEvents and GetTrends requests checked and put in canonical form: the rules for
// group_by, order_by, limit, fill_gaps and as_of_sequence, and the normalised request the
// Redis cache keys answers by (so equivalent requests share one entry).
#ifndef LOOKOUT_SERVICES_STATS_AGGREGATE_QUERY_H_
#define LOOKOUT_SERVICES_STATS_AGGREGATE_QUERY_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "lookout/stats/v1/stats_service.pb.h"

namespace lookout::stats {

// Most rows one answer carries (keeps responses well under the 4 MiB message limit). A larger
// `limit` is clamped to it; an answer with more rows and no limit is RESOURCE_EXHAUSTED.
inline constexpr int kMaxRows = 50000;
// GetTrends windows: 1 day to 10 years.
inline constexpr int kMaxWindowDays = 3660;

enum class RowOrder { kKeysAsc, kEventCountDesc, kFatalitiesDesc };

struct AggregateQuery {
  // The request in canonical form, as_of_sequence cleared: filter lists sorted and
  // deduplicated, an empty bounding box or date range dropped, order_by spelled one way, the
  // limit clamped.
  lookout::stats::v1::AggregateEventsRequest normalized;
  std::vector<lookout::stats::v1::Dimension> dimensions;
  RowOrder order = RowOrder::kKeysAsc;
  // 0 means every row (up to kMaxRows).
  int limit = 0;
  bool fill_gaps = false;
  int64_t min_sequence = 0;
};

// INVALID_ARGUMENT naming the field and the rule, or the parsed query.
absl::StatusOr<AggregateQuery> ParseAggregateRequest(
    const lookout::stats::v1::AggregateEventsRequest& request);

struct TrendsQuery {
  lookout::event::v1::EventFilter filter;  // validated, without date_range
  lookout::stats::v1::Dimension dimension;
  // Inclusive day numbers of the two windows.
  int32_t current_first_day;
  int32_t current_last_day;
  int32_t previous_first_day;
  int32_t previous_last_day;
  int limit = 0;
};

absl::StatusOr<TrendsQuery> ParseTrendsRequest(const lookout::stats::v1::GetTrendsRequest& request);

// A filter in canonical form (see AggregateQuery::normalized); matches what the input matches.
lookout::event::v1::EventFilter NormalizedFilter(const lookout::event::v1::EventFilter& filter);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_AGGREGATE_QUERY_H_
