// Counts the events a compiled filter matches, grouped by up to three dimensions, in one pass
// over the read model. Groups are identified by codes (bucket numbers, dictionary codes); the
// caller turns them into key text while it still holds the read model's lock.
//
// Rules:
// - A time dimension buckets an event by its first day inside the filter's date range (its
//   event_date, or the range's start for an event that began earlier), so every row lies inside
//   the range and, for non-actor dimensions, the rows add up to the totals.
// - ACTOR: an event counts once for each distinct participating actor; events without
//   participants are in no ACTOR row. Totals count each matching event once.
#ifndef LOOKOUT_SERVICES_STATS_GROUPING_H_
#define LOOKOUT_SERVICES_STATS_GROUPING_H_

#include <array>
#include <cstdint>
#include <vector>

#include "lookout/stats/v1/stats_service.pb.h"
#include "services/stats/compiled_filter.h"
#include "services/stats/event_columns.h"

namespace lookout::stats {

inline constexpr int kMaxDimensions = 3;

struct Group {
  // One code per dimension, in the order asked for.
  std::array<int32_t, kMaxDimensions> codes{};
  int64_t events = 0;
  int64_t fatalities = 0;
};

struct Grouping {
  std::vector<Group> groups;
  int64_t total_events = 0;
  int64_t total_fatalities = 0;
  // The earliest and latest bucket day among matching events (min > max when none matched).
  int32_t min_bucket_day = INT32_MAX;
  int32_t max_bucket_day = INT32_MIN;
  // The dimensions' key space does not fit 63 bits (dictionaries in the millions): nothing
  // was grouped.
  bool too_many_groups = false;
};

// `dimensions` holds 0 to 3 distinct, known dimensions.
Grouping GroupEvents(const EventColumns& columns, const CompiledFilter& filter,
                     const std::vector<lookout::stats::v1::Dimension>& dimensions);

// The code an event has for a non-time dimension (time dimensions use TimeBucket).
int32_t AttributeCode(const EventColumns& columns, uint32_t slot,
                      lookout::stats::v1::Dimension dimension);

// Sums the best count of `kind` over the matching events. Every sum here (fatalities of groups
// and totals too) stops at INT64_MAX instead of wrapping (see saturating.h).
int64_t SumCasualties(const EventColumns& columns, const CompiledFilter& filter,
                      lookout::event::v1::CasualtyKind kind);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_GROUPING_H_
