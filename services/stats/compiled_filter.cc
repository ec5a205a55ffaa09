#include "services/stats/compiled_filter.h"

#include <algorithm>

#include "common/validation.h"
#include "event_filter/event_validation.h"
#include "event_filter/matcher.h"
#include "event_filter/source_attributes_validation.h"
#include "services/stats/time_buckets.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::EventFilter;

// The shared matcher's answer for each code of a field: `set_probe` gives a blank event that
// field's value, and `only_field` is the filter reduced to that one field, so the answer is
// exactly that field's rule. At least one entry, so a set field is never mistaken for an open one.
template <typename SetProbe>
std::vector<uint8_t> AskMatcher(uint32_t codes, const EventFilter& only_field, SetProbe set_probe) {
  std::vector<uint8_t> ok(std::max<uint32_t>(codes, 1), 0);
  Event probe;
  for (uint32_t code = 0; code < codes; ++code) {
    set_probe(probe, code);
    ok[code] = event_filter::MatchesFilter(probe, only_field) ? 1 : 0;
  }
  return ok;
}

bool AnyTrue(const std::vector<uint8_t>& values) {
  return std::find(values.begin(), values.end(), 1) != values.end();
}

// Keeps slots[i] where keep(slots[i]); branch-free so the loop runs at memory speed.
template <typename Predicate>
size_t Compact(uint32_t* slots, size_t n, Predicate keep) {
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t slot = slots[i];
    slots[kept] = slot;
    kept += keep(slot) ? 1 : 0;
  }
  return kept;
}

}  // namespace

bool DecidedByEventService(const EventFilter& filter) {
  return !filter.text().empty() || event_filter::HasSourceAttributeFilter(filter);
}

CompiledFilter::CompiledFilter(const EventFilter& filter, const EventColumns& columns,
                               const absl::flat_hash_set<uint32_t>* text_slots)
    : columns_(&columns),
      text_slots_(DecidedByEventService(filter) ? text_slots : nullptr),
      first_day_(kMinDay),
      last_day_(kMaxDay) {
  if (!filter.country_codes().empty()) {
    EventFilter only;
    *only.mutable_country_codes() = filter.country_codes();
    country_ok_ = AskMatcher(columns.countries().size(), only, [&](Event& e, uint32_t code) {
      e.mutable_location()->set_country_code(columns.countries().Value(code));
    });
  }
  if (!filter.admin1().empty()) {
    EventFilter only;
    only.set_admin1(filter.admin1());
    admin1_ok_ = AskMatcher(columns.admin1s().size(), only, [&](Event& e, uint32_t code) {
      e.mutable_location()->set_admin1(columns.admin1s().Value(code));
    });
  }
  if (!filter.event_types().empty()) {
    EventFilter only;
    *only.mutable_event_types() = filter.event_types();
    type_ok_ = AskMatcher(event::v1::EventType_MAX + 1, only, [](Event& e, uint32_t code) {
      e.set_event_type(static_cast<event::v1::EventType>(code));
    });
    type_ok_.resize(UINT8_MAX + 1, 0);  // the column is one byte wide
  }
  if (!filter.sub_event_types().empty()) {
    EventFilter only;
    *only.mutable_sub_event_types() = filter.sub_event_types();
    sub_type_ok_ = AskMatcher(columns.sub_event_types().size(), only, [&](Event& e, uint32_t code) {
      e.set_sub_event_type(columns.sub_event_types().Value(code));
    });
  }
  if (!filter.actor_id().empty()) {
    EventFilter only;
    only.set_actor_id(filter.actor_id());
    actor_ok_ = AskMatcher(columns.actors().size(), only, [&](Event& e, uint32_t code) {
      e.clear_participants();
      e.add_participants()->set_actor_id(columns.actors().Value(code));
    });
  }
  if (!filter.tags().empty()) {
    EventFilter only;
    *only.mutable_tags() = filter.tags();
    tag_ok_ = AskMatcher(columns.tag_values().size(), only, [&](Event& e, uint32_t code) {
      e.clear_tags();
      e.add_tags(columns.tag_values().Value(code));
    });
  }
  if (!filter.maritime_basins().empty()) {
    EventFilter only;
    *only.mutable_maritime_basins() = filter.maritime_basins();
    basin_ok_ = AskMatcher(columns.basins().size(), only, [&](Event& e, uint32_t code) {
      e.mutable_location()->mutable_maritime()->set_basin(columns.basins().Value(code));
    });
  }
  if (!filter.bodies_of_water().empty()) {
    EventFilter only;
    *only.mutable_bodies_of_water() = filter.bodies_of_water();
    body_ok_ = AskMatcher(columns.bodies_of_water().size(), only, [&](Event& e, uint32_t code) {
      e.mutable_location()->mutable_maritime()->set_body_of_water(
          columns.bodies_of_water().Value(code));
    });
  }
  for (const std::vector<uint8_t>* table : {&country_ok_, &admin1_ok_, &type_ok_, &sub_type_ok_,
                                            &actor_ok_, &tag_ok_, &basin_ok_, &body_ok_}) {
    if (!table->empty() && !AnyTrue(*table)) empty_ = true;
  }

  // Validated dates, so ParseDate succeeds.
  const auto& range = filter.date_range();
  if (!range.start_date().empty()) {
    has_first_day_ = true;
    first_day_ = *validation::ParseDate(range.start_date());
  }
  if (!range.end_date().empty()) {
    has_last_day_ = true;
    last_day_ = *validation::ParseDate(range.end_date());
  }
  has_dates_ = has_first_day_ || has_last_day_;
  min_fatalities_ = filter.min_fatalities();
  if (event_filter::HasBoundingBox(filter)) {
    has_box_ = true;
    min_latitude_ = filter.bbox().min_latitude();
    max_latitude_ = filter.bbox().max_latitude();
    min_longitude_ = filter.bbox().min_longitude();
    max_longitude_ = filter.bbox().max_longitude();
  }
  if (DecidedByEventService(filter) && text_slots_ == nullptr) empty_ = true;
  if (!empty_) ChooseCandidates();
}

size_t CompiledFilter::Keep(uint32_t* slots, size_t n, bool assume_live) const {
  const EventColumns& c = *columns_;
  if (!assume_live) {
    const uint8_t* flags = c.flags_column();
    n = Compact(slots, n, [flags](uint32_t s) { return flags[s] & EventColumns::kLive; });
  }
  if (!country_ok_.empty()) {
    const uint16_t* column = c.country_column();
    const uint8_t* ok = country_ok_.data();
    n = Compact(slots, n, [&](uint32_t s) { return ok[column[s]]; });
  }
  if (!admin1_ok_.empty()) {
    const uint16_t* column = c.admin1_column();
    const uint8_t* ok = admin1_ok_.data();
    n = Compact(slots, n, [&](uint32_t s) {
      return ok[column[s] != EventColumns::kWideCode ? column[s] : c.admin1(s)];
    });
  }
  if (!type_ok_.empty()) {
    const uint8_t* column = c.event_type_column();
    const uint8_t* ok = type_ok_.data();
    n = Compact(slots, n, [&](uint32_t s) { return ok[column[s]]; });
  }
  if (!sub_type_ok_.empty()) {
    const uint8_t* column = c.sub_event_type_column();
    const uint8_t* ok = sub_type_ok_.data();
    n = Compact(slots, n, [&](uint32_t s) {
      return ok[column[s] != EventColumns::kWideByte ? column[s] : c.sub_event_type(s)];
    });
  }
  // Sea events only (a country event's codes are 0, "", which no filter value is).
  if (!basin_ok_.empty()) {
    n = Compact(slots, n, [&](uint32_t s) { return basin_ok_[c.basin(s)]; });
  }
  if (!body_ok_.empty()) {
    n = Compact(slots, n, [&](uint32_t s) { return body_ok_[c.body_of_water(s)]; });
  }
  if (has_dates_) {
    // Overlap of [start, end] with [first_day_, last_day_].
    const int32_t* start = c.start_day_column();
    const uint8_t* span = c.span_column();
    n = Compact(slots, n, [&](uint32_t s) {
      const int32_t end = span[s] != EventColumns::kWideSpan ? start[s] + span[s] : c.end_day(s);
      return start[s] <= last_day_ && end >= first_day_;
    });
  }
  if (min_fatalities_ > 0) {
    const uint16_t* fatalities = c.fatalities_column();
    n = Compact(slots, n, [&](uint32_t s) {
      return fatalities[s] != EventColumns::kWideCount
                 ? static_cast<int64_t>(fatalities[s]) >= min_fatalities_
                 : c.fatalities(s) >= min_fatalities_;
    });
  }
  if (has_box_) {
    // NaN (no point) fails every comparison, so such events never fall inside a box.
    n = Compact(slots, n, [&](uint32_t s) {
      const double latitude = c.latitude(s);
      const double longitude = c.longitude(s);
      return latitude >= min_latitude_ && latitude <= max_latitude_ &&
             longitude >= min_longitude_ && longitude <= max_longitude_;
    });
  }
  if (!actor_ok_.empty()) {
    n = Compact(slots, n, [&](uint32_t s) {
      bool found = false;
      c.ForEachActor(s, [&](uint32_t code) { found = found || actor_ok_[code]; });
      return found;
    });
  }
  if (!tag_ok_.empty()) {
    n = Compact(slots, n, [&](uint32_t s) {
      bool found = false;
      c.ForEachTag(s, [&](uint32_t code) { found = found || tag_ok_[code]; });
      return found;
    });
  }
  if (text_slots_ != nullptr) {
    n = Compact(slots, n, [&](uint32_t s) { return text_slots_->contains(s); });
  }
  return n;
}

void CompiledFilter::ChooseCandidates() {
  // Each source is a set of postings lists whose union holds every match; `disjoint` when no
  // event can sit in two of them (an event has one country).
  struct Source {
    std::vector<const std::vector<uint32_t>*> lists;
    size_t total = 0;
    bool disjoint = false;
  };
  std::vector<Source> sources;
  auto add_source = [&](const std::vector<uint8_t>& ok, bool disjoint, auto postings_of) {
    Source source;
    source.disjoint = disjoint;
    for (uint32_t code = 0; code < ok.size(); ++code) {
      if (!ok[code]) continue;
      const std::vector<uint32_t>& list = postings_of(code);
      source.lists.push_back(&list);
      source.total += list.size();
    }
    sources.push_back(std::move(source));
  };
  // Only the periods the date range can overlap (every period without one).
  const int32_t first = has_first_day_ ? first_day_ : INT32_MIN / 2;
  const int32_t last = has_last_day_ ? last_day_ : INT32_MAX / 2;
  if (!country_ok_.empty()) {
    Source source;
    source.disjoint = true;
    for (uint32_t code = 0; code < country_ok_.size(); ++code) {
      if (!country_ok_[code]) continue;
      columns_->ForEachCountryList(code, first, last, [&](const std::vector<uint32_t>& list) {
        source.lists.push_back(&list);
        source.total += list.size();
      });
    }
    sources.push_back(std::move(source));
  }
  // Every sea event has the country "": its lists hold all candidates of a maritime filter (none
  // when no event has that country).
  if (!basin_ok_.empty() || !body_ok_.empty()) {
    Source source;
    source.disjoint = true;
    if (std::optional<uint32_t> code = columns_->no_country_code()) {
      columns_->ForEachCountryList(*code, first, last, [&](const std::vector<uint32_t>& list) {
        source.lists.push_back(&list);
        source.total += list.size();
      });
    }
    sources.push_back(std::move(source));
  }
  if (!actor_ok_.empty()) {
    add_source(actor_ok_, false, [&](uint32_t code) -> const std::vector<uint32_t>& {
      return columns_->actor_postings(code);
    });
  }
  if (!tag_ok_.empty()) {
    add_source(tag_ok_, false, [&](uint32_t code) -> const std::vector<uint32_t>& {
      return columns_->tag_postings(code);
    });
  }
  const Source* best = nullptr;
  for (const Source& source : sources) {
    if (best == nullptr || source.total < best->total) best = &source;
  }
  if (text_slots_ != nullptr && (best == nullptr || text_slots_->size() < best->total)) {
    candidates_.assign(text_slots_->begin(), text_slots_->end());
    std::sort(candidates_.begin(), candidates_.end());
    use_candidates_ = true;
    return;
  }
  // A scan of every slot costs about as much as walking candidates that cover most of them.
  if (best == nullptr || best->total > columns_->slot_count() / 2) return;
  if (best->disjoint || best->lists.size() == 1) {
    lists_ = best->lists;
    return;
  }
  // Overlapping lists (several tags): an event may sit in more than one, and must be visited
  // once.
  for (const auto* list : best->lists) {
    candidates_.insert(candidates_.end(), list->begin(), list->end());
  }
  std::sort(candidates_.begin(), candidates_.end());
  candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
  use_candidates_ = true;
}

}  // namespace lookout::stats
