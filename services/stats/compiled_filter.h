// An EventFilter turned into checks over the read model's columns.
//
// What a filter matches is defined once, by event_filter::MatchesFilter (the matcher WatchEvents
// uses): for every dictionary-encoded field (country, admin1, event type, sub-event type, actor,
// tag) the compiler asks that matcher about each distinct value once, and keeps the answers as a
// table indexed by code. Dates, fatalities and coordinates are numbers compared per event with
// the same rules (overlap of [event_date, end_date] with the range, best KILLED >= minimum,
// inclusive box, no box for events without a point); stats_compiled_filter_test checks them
// against MatchesFilter on random events and filters. `text` is decided by the event service
// (see text_search.h) and arrives as a set of slots.
//
// Matching runs a block of slots at a time, one column at a time: each check is a tight loop
// that compacts the block's slot list in place, which is what makes a scan of a million events
// take a few milliseconds.
#ifndef LOOKOUT_SERVICES_STATS_COMPILED_FILTER_H_
#define LOOKOUT_SERVICES_STATS_COMPILED_FILTER_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "lookout/event/v1/event.pb.h"
#include "services/stats/event_columns.h"

namespace lookout::stats {

// Whether part of the filter is decided by the event service and arrives as `text_slots`: `text`
// (its full-text index) and the source attribute fields (the read model keeps no source
// attributes, so they cost it no memory; see text_search.h).
bool DecidedByEventService(const lookout::event::v1::EventFilter& filter);

class CompiledFilter {
 public:
  static constexpr size_t kBlock = 1024;

  // `filter` must have passed event_filter::ValidateFilter. When it has `text`, `text_slots` holds
  // the slots of the events the event service says match it and must outlive the compiled filter.
  // `columns` must not change while the compiled filter is in use (hold ReadModel's lock).
  CompiledFilter(const lookout::event::v1::EventFilter& filter, const EventColumns& columns,
                 const absl::flat_hash_set<uint32_t>* text_slots = nullptr);

  // Whether the event in `slot` is live and matches every field of the filter.
  bool Matches(uint32_t slot) const {
    uint32_t one = slot;
    return Keep(&one, 1, /*assume_live=*/false) == 1;
  }

  // Calls fn(slots, n) for blocks of matching slots, walking the shortest candidate list
  // available (a country's, an actor's or tags' postings, the text matches) instead of every
  // slot when it can. Each matching event is visited once.
  template <typename Fn>
  void ForEachBlock(Fn&& fn) const {
    if (empty_) return;
    uint32_t block[kBlock];
    auto walk = [&](const uint32_t* slots, size_t count) {
      for (size_t first = 0; first < count; first += kBlock) {
        const size_t n = std::min(kBlock, count - first);
        std::memcpy(block, slots + first, n * sizeof(uint32_t));
        const size_t kept = Keep(block, n, /*assume_live=*/true);
        if (kept > 0) fn(static_cast<const uint32_t*>(block), kept);
      }
    };
    if (!lists_.empty()) {
      for (const std::vector<uint32_t>* list : lists_) walk(list->data(), list->size());
      return;
    }
    if (use_candidates_) {
      walk(candidates_.data(), candidates_.size());
      return;
    }
    const uint32_t count = columns_->slot_count();
    const bool all_live = columns_->dense();
    for (uint32_t first = 0; first < count; first += kBlock) {
      const size_t n = std::min<size_t>(kBlock, count - first);
      for (size_t i = 0; i < n; ++i) block[i] = first + static_cast<uint32_t>(i);
      const size_t kept = Keep(block, n, all_live);
      if (kept > 0) fn(static_cast<const uint32_t*>(block), kept);
    }
  }

  // Calls fn(slots, n) for blocks of the matching slots of `list`, a postings list of live
  // slots (a country's period or long events).
  template <typename Fn>
  void ForEachBlockIn(const std::vector<uint32_t>& list, Fn&& fn) const {
    if (empty_) return;
    uint32_t block[kBlock];
    for (size_t first = 0; first < list.size(); first += kBlock) {
      const size_t n = std::min(kBlock, list.size() - first);
      std::memcpy(block, list.data() + first, n * sizeof(uint32_t));
      const size_t kept = Keep(block, n, /*assume_live=*/true);
      if (kept > 0) fn(static_cast<const uint32_t*>(block), kept);
    }
  }

  // When the filter asks for countries and at most a date range, nothing else: whether each
  // country code matches (indexed by code). nullptr otherwise, and when nothing can match.
  const std::vector<uint8_t>* countries_only() const {
    const bool only = !empty_ && !country_ok_.empty() && admin1_ok_.empty() && type_ok_.empty() &&
                      sub_type_ok_.empty() && actor_ok_.empty() && tag_ok_.empty() &&
                      basin_ok_.empty() && body_ok_.empty() && min_fatalities_ <= 0 &&
                      !has_box_ && text_slots_ == nullptr;
    return only ? &country_ok_ : nullptr;
  }

  // Calls fn(slot) for every matching event.
  template <typename Fn>
  void ForEachMatch(Fn&& fn) const {
    ForEachBlock([&](const uint32_t* slots, size_t n) {
      for (size_t i = 0; i < n; ++i) fn(slots[i]);
    });
  }

  // The inclusive date bounds of the filter's range (kMinDay / kMaxDay where open).
  int32_t first_day() const { return first_day_; }
  int32_t last_day() const { return last_day_; }
  bool has_first_day() const { return has_first_day_; }
  bool has_last_day() const { return has_last_day_; }

 private:
  // Compacts slots[0, n) to the matching ones; returns how many. `assume_live` skips the
  // liveness check (postings and a column store without holes hold only live events).
  size_t Keep(uint32_t* slots, size_t n, bool assume_live) const;
  void ChooseCandidates();

  const EventColumns* columns_;
  const absl::flat_hash_set<uint32_t>* text_slots_;
  // Per-code answers of the shared matcher; empty when the filter leaves the field open.
  std::vector<uint8_t> country_ok_, admin1_ok_, type_ok_, sub_type_ok_, actor_ok_, tag_ok_,
      basin_ok_, body_ok_;
  bool has_dates_ = false;
  bool has_first_day_ = false;
  bool has_last_day_ = false;
  int32_t first_day_;
  int32_t last_day_;
  int64_t min_fatalities_ = 0;
  bool has_box_ = false;
  double min_latitude_ = 0, max_latitude_ = 0, min_longitude_ = 0, max_longitude_ = 0;
  // Nothing can match (a value the model has never seen was asked for).
  bool empty_ = false;
  // The candidates: disjoint postings lists walked in turn, or one deduplicated list.
  std::vector<const std::vector<uint32_t>*> lists_;
  bool use_candidates_ = false;
  std::vector<uint32_t> candidates_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_COMPILED_FILTER_H_
