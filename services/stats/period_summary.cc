#include "services/stats/period_summary.h"

#include <algorithm>
#include <array>
#include <utility>

#include "services/stats/event_columns.h"
#include "services/stats/saturating.h"

namespace lookout::stats {

std::shared_ptr<const PeriodSummary> PeriodSummaryCache::Find(uint32_t country,
                                                              int32_t period) const {
  absl::MutexLock lock(&mu_);
  auto it = summaries_.find(Key(country, period));
  return it != summaries_.end() ? it->second : nullptr;
}

std::shared_ptr<const PeriodSummary> PeriodSummaryCache::Add(
    uint32_t country, int32_t period, std::shared_ptr<const PeriodSummary> summary) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = summaries_.try_emplace(Key(country, period), std::move(summary));
  if (inserted) {
    bytes_ += it->second->Bytes();
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  return it->second;
}

void PeriodSummaryCache::Invalidate(uint32_t country, int32_t period) {
  // Changes and queries never overlap (the read model's lock), so a count read here is exact.
  if (count_.load(std::memory_order_relaxed) == 0) return;
  absl::MutexLock lock(&mu_);
  auto it = summaries_.find(Key(country, period));
  if (it == summaries_.end()) return;
  bytes_ -= it->second->Bytes();
  summaries_.erase(it);
  count_.fetch_sub(1, std::memory_order_relaxed);
}

size_t PeriodSummaryCache::size() const {
  absl::MutexLock lock(&mu_);
  return summaries_.size();
}

size_t PeriodSummaryCache::Bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

std::shared_ptr<const PeriodSummary> EventColumns::PeriodSummaryOf(uint32_t code,
                                                                   int32_t period) const {
  if (std::shared_ptr<const PeriodSummary> found = period_summaries_.Find(code, period)) {
    return found;
  }
  // Built outside the cache's lock: concurrent queries may build other periods meanwhile.
  auto summary = std::make_shared<PeriodSummary>();
  using Cell = PeriodSummary::Cell;
  std::array<Cell, kPeriodDays> days{};
  std::array<Cell, UINT8_MAX + 1> types{};
  absl::flat_hash_map<uint32_t, Cell> actors;
  auto add = [](Cell& cell, int64_t fatalities) {
    ++cell.events;
    cell.fatalities = SaturatingAdd(cell.fatalities, fatalities);
  };
  const int32_t first_day = period * kPeriodDays;
  if (code < country_postings_.size()) {
    const CountryPostings& country = country_postings_[code];
    const int64_t index = static_cast<int64_t>(period) - country.first_period;
    if (index >= 0 && index < static_cast<int64_t>(country.periods.size())) {
      for (uint32_t slot : country.periods[index]) {
        const int64_t killed = fatalities(slot);
        const int32_t start = start_day_[slot];
        ++summary->events;
        summary->fatalities = SaturatingAdd(summary->fatalities, killed);
        summary->injured =
            SaturatingAdd(summary->injured, casualties(slot, event::v1::CASUALTY_KIND_INJURED));
        summary->kidnapped = SaturatingAdd(
            summary->kidnapped, casualties(slot, event::v1::CASUALTY_KIND_KIDNAPPED));
        summary->min_start_day = std::min(summary->min_start_day, start);
        summary->max_start_day = std::max(summary->max_start_day, start);
        if (span_days_[slot] != 0) summary->multi_day_slots.push_back(slot);
        add(days[start - first_day], killed);
        add(types[event_type_[slot]], killed);
        ForEachActor(slot, [&](uint32_t actor) { add(actors[actor], killed); });
      }
    }
  }
  auto keep = [](const auto& cells, std::vector<Cell>& out) {
    for (size_t code = 0; code < cells.size(); ++code) {
      if (cells[code].events > 0) {
        out.push_back(Cell{static_cast<uint32_t>(code), cells[code].events, cells[code].fatalities});
      }
    }
  };
  keep(days, summary->by_day);
  keep(types, summary->by_event_type);
  summary->by_actor.reserve(actors.size());
  for (const auto& [actor, cell] : actors) {
    summary->by_actor.push_back(Cell{actor, cell.events, cell.fatalities});
  }
  std::sort(summary->by_actor.begin(), summary->by_actor.end(),
            [](const Cell& a, const Cell& b) { return a.code < b.code; });
  summary->multi_day_slots.shrink_to_fit();
  return period_summaries_.Add(code, period, std::move(summary));
}

}  // namespace lookout::stats
