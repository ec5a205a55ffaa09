// Sums of counts that stop at INT64_MAX instead of wrapping negative. Counts above
// event_filter::kMaxCasualtyCount are refused on input, so a sum can reach the cap only through
// events stored before that bound; a capped total still reads as "very large", never as -2.
#ifndef LOOKOUT_SERVICES_STATS_SATURATING_H_
#define LOOKOUT_SERVICES_STATS_SATURATING_H_

#include <cstdint>
#include <limits>

namespace lookout::stats {

inline int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  return sum;
}

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_SATURATING_H_
