// Pre-aggregates of one country's short events of one 32-day period (EventColumns::kPeriodDays):
// counts and fatality sums by day of the period, by event type and by actor, and the casualty
// sums. A question about one or more countries and a date range (a situation report's) takes
// them for the periods that lie wholly inside the range instead of walking their events, and
// walks only the periods at the range's edges and the long events; its cost then grows with
// the number of periods and of distinct actors, not with the number of events (issue 21).
//
// A summary is built from the period's events the first time a question needs it, and dropped
// whenever an event of that period changes (added, updated, deleted, moved to another period or
// country), to be built again on the next question: it is never updated in place, so it always
// equals what walking the period's events gives. Summaries are not in the snapshot (they are
// rebuilt on demand), and only periods that were asked about hold one.
#ifndef LOOKOUT_SERVICES_STATS_PERIOD_SUMMARY_H_
#define LOOKOUT_SERVICES_STATS_PERIOD_SUMMARY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace lookout::stats {

struct PeriodSummary {
  // Events (uint32: a period holds fewer events than there are slots) and the saturating sum
  // of their fatalities, under one code (an event type, an actor or a day of the period).
  struct Cell {
    uint32_t code;
    uint32_t events;
    int64_t fatalities;
  };
  int64_t events = 0;
  int64_t fatalities = 0;  // also the KILLED casualty sum
  int64_t injured = 0;
  int64_t kidnapped = 0;
  int32_t min_start_day = INT32_MAX;
  int32_t max_start_day = INT32_MIN;
  // Each sorted by code, only codes with events. by_day's code is the day minus the period's
  // first day (0 to kPeriodDays - 1).
  std::vector<Cell> by_day;
  std::vector<Cell> by_event_type;
  // An event counts once for each actor ForEachActor gives (as GroupEvents' ACTOR axis does).
  std::vector<Cell> by_actor;
  // The slots of the period's events that end on a later day than they start: of a period that
  // lies wholly before a range, only these can run into it, so a question walks them alone.
  std::vector<uint32_t> multi_day_slots;

  size_t Bytes() const {
    return sizeof(*this) +
           (by_day.capacity() + by_event_type.capacity() + by_actor.capacity()) * sizeof(Cell) +
           multi_day_slots.capacity() * sizeof(uint32_t);
  }
};

// The summaries built so far, by country code and period. Queries run concurrently under the
// read model's shared lock and may build summaries, so the map has its own lock; changes (under
// the read model's exclusive lock) drop entries.
class PeriodSummaryCache {
 public:
  std::shared_ptr<const PeriodSummary> Find(uint32_t country, int32_t period) const;
  // Keeps `summary` unless another query stored one first (equal: the columns cannot change
  // while queries run); returns the one kept.
  std::shared_ptr<const PeriodSummary> Add(uint32_t country, int32_t period,
                                           std::shared_ptr<const PeriodSummary> summary);
  void Invalidate(uint32_t country, int32_t period);
  size_t size() const;
  size_t Bytes() const;

 private:
  static uint64_t Key(uint32_t country, int32_t period) {
    return static_cast<uint64_t>(country) << 32 | static_cast<uint32_t>(period);
  }
  // How many summaries are held: a change (every applied event during a rebuild) skips the
  // lock and the lookup while there are none.
  std::atomic<size_t> count_{0};
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<const PeriodSummary>> summaries_
      ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_PERIOD_SUMMARY_H_
