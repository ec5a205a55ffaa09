#include "services/stats/event_columns.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/validation.h"
#include "services/stats/time_buckets.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::CasualtyKind;
using ::lookout::event::v1::Event;

// "evt_" followed by exactly 16 lower-case hex digits -> that number. Upper case is refused so
// that two distinct ids can never share a number.
std::optional<uint64_t> ParseNumericId(absl::string_view id) {
  if (id.size() != 20 || !absl::StartsWith(id, "evt_")) return std::nullopt;
  uint64_t value = 0;
  for (char c : id.substr(4)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = value << 4 | static_cast<uint64_t>(digit);
  }
  return value;
}

// Removal keeps the order of the remaining entries when the slot is near the end (the usual
// case: recent events change most), and otherwise swaps the last entry in.
void RemoveFromPostings(std::vector<uint32_t>& postings, uint32_t slot) {
  auto it = std::find(postings.begin(), postings.end(), slot);
  if (it == postings.end()) return;
  if (postings.end() - it <= 64) {
    postings.erase(it);
  } else {
    *it = postings.back();
    postings.pop_back();
  }
}

void AddToPostings(std::vector<std::vector<uint32_t>>& postings, uint32_t code, uint32_t slot) {
  if (postings.size() <= code) postings.resize(code + 1);
  postings[code].push_back(slot);
}

// Day number of a validated date: the fast parser, or validation's for its error.
absl::StatusOr<int32_t> DayOf(absl::string_view date) {
  if (std::optional<int32_t> day = FastDayNumber(date)) return *day;
  return validation::ParseDate(date);
}

template <typename T>
void Shrink(std::vector<T>& v) {
  v.shrink_to_fit();
}

// `degrees` in units of 1e-7 degree when dividing that integer by 1e7 gives `degrees` back
// bit for bit. It does for every coordinate written with at most 7 decimals (ACLED and GDELT
// publish 4, UCDP up to 6): the quotient of two exact doubles is correctly rounded, so it is
// the double nearest the decimal, which is what parsing the decimal gave. Others: nullopt.
std::optional<int32_t> FixedCoordinate(double degrees) {
  if (!(std::fabs(degrees) <= 180.0)) return std::nullopt;  // NaN too
  const double scaled = std::nearbyint(degrees * 1e7);
  const auto fixed = static_cast<int32_t>(scaled);  // |scaled| <= 1.8e9 fits
  if (static_cast<double>(fixed) / 1e7 != degrees) return std::nullopt;
  if (fixed == 0 && std::signbit(degrees)) return std::nullopt;  // -0.0 stays -0.0
  return fixed;
}

}  // namespace

double EventColumns::Coordinate(uint32_t slot, int32_t fixed, int axis) const {
  if (fixed == kNoPoint) return std::numeric_limits<double>::quiet_NaN();
  if (fixed == kWideCoordinate) {
    const ExactPoint& exact = wide_coordinates_.at(slot);
    return axis == 0 ? exact.latitude : exact.longitude;
  }
  return static_cast<double>(fixed) / 1e7;
}

const std::vector<uint32_t>& EventColumns::Postings(const std::vector<std::vector<uint32_t>>& all,
                                                    uint32_t code) {
  static const std::vector<uint32_t>* const kNone = new std::vector<uint32_t>();
  return code < all.size() ? all[code] : *kNone;
}

EventColumns::EventColumns() {
  // Code 0 is "" (country events), so a country event's basin and body need no entry.
  basins_.Intern("");
  bodies_of_water_.Intern("");
  // Code 0 is "" too: an event without the attribute needs no source_keys_ record.
  for (StringDictionary* source :
       {&gdelt_quad_classes_, &acled_disorder_types_, &acled_interactions_, &ucdp_conflicts_}) {
    source->Intern("");
  }
}

std::pair<uint32_t, EventColumns::SourceKeys> EventColumns::SourceKeysOf(const Event& event) {
  // Unset values (0, "") are the key "", which code 0 already is.
  auto number = [](StringDictionary& dictionary, int64_t value) -> uint32_t {
    return value == 0 ? 0 : dictionary.Intern(absl::StrCat(value));
  };
  uint32_t system = 0;
  SourceKeys keys{0, 0};
  switch (event.source_attributes_case()) {
    case Event::kAcled:
      system = kAcled;
      keys.first = acled_disorder_types_.Intern(event.acled().disorder_type());
      keys.second = number(acled_interactions_, event.acled().interaction());
      break;
    case Event::kUcdp:
      system = kUcdp;
      keys.first = number(ucdp_conflicts_, event.ucdp().conflict_id());
      break;
    case Event::kGdelt:
      system = kGdelt;
      keys.first = number(gdelt_quad_classes_, event.gdelt().quad_class());
      break;
    default:
      return {0, keys};
  }
  if (keys.first == 0 && keys.second == 0) return {0, SourceKeys{0, 0}};
  return {system, keys};
}

std::optional<uint32_t> EventColumns::SlotOf(absl::string_view id) const {
  if (std::optional<uint64_t> numeric = ParseNumericId(id)) {
    return numeric_ids_.Find(*numeric);
  }
  auto it = other_ids_.find(id);
  if (it != other_ids_.end()) return it->second;
  return std::nullopt;
}

uint32_t EventColumns::AllocateSlot() {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  const uint32_t slot = slot_count();
  id_key_.push_back(0);
  flags_.push_back(0);
  start_day_.push_back(0);
  span_days_.push_back(0);
  country_.push_back(0);
  admin1_.push_back(0);
  event_type_.push_back(0);
  sub_event_type_.push_back(0);
  fatalities_.push_back(0);
  latitude_.push_back(0);
  longitude_.push_back(0);
  actors_inline_.insert(actors_inline_.end() - 1, kInlineActors * kActorBytes, 0xFF);
  return slot;
}

absl::Status EventColumns::Upsert(const Event& event) {
  absl::StatusOr<int32_t> start = DayOf(event.event_date());
  absl::StatusOr<int32_t> end = event.end_date().empty() ? start : DayOf(event.end_date());
  if (!start.ok() || !end.ok() || *end < *start) {
    Remove(event.id());
    return absl::InvalidArgumentError(absl::StrCat("event ", event.id(), " has unusable dates \"",
                                                   event.event_date(), "\"..\"", event.end_date(),
                                                   "\""));
  }
  // The id is parsed once: it both finds an existing slot and keys a new one.
  const std::optional<uint64_t> numeric = ParseNumericId(event.id());
  std::optional<uint32_t> existing;
  if (numeric.has_value()) {
    existing = numeric_ids_.Find(*numeric);
  } else {
    auto it = other_ids_.find(event.id());
    if (it != other_ids_.end()) existing = it->second;
  }
  uint32_t slot;
  if (existing.has_value()) {
    slot = *existing;
    Unlink(slot);
  } else {
    slot = AllocateSlot();
    if (numeric.has_value()) {
      id_key_[slot] = *numeric;  // before the insert: the set hashes through this column
      numeric_ids_.Insert(slot);
    } else {
      other_ids_[event.id()] = slot;
    }
    ++live_count_;
  }
  Fill(slot, event, *start, *end);
  return absl::OkStatus();
}

bool EventColumns::Remove(absl::string_view id) {
  std::optional<uint32_t> slot = SlotOf(id);
  if (!slot.has_value()) return false;
  Unlink(*slot);
  if (std::optional<uint64_t> numeric = ParseNumericId(id)) {
    numeric_ids_.Erase(*numeric);
  } else {
    other_ids_.erase(std::string(id));
  }
  flags_[*slot] &= kSourceBits;  // Unlink left no system: a record here is a tombstone
  free_slots_.push_back(*slot);
  --live_count_;
  return true;
}

void EventColumns::DropPeriodSummary(uint32_t slot) {
  const int32_t start = start_day_[slot];
  // Long events are in no summary (every question walks them).
  if (end_day(slot) - start >= kPeriodDays) return;
  period_summaries_.Invalidate(country_[slot], PeriodOf(start));
}

const std::vector<uint32_t>& EventColumns::country_long_events(uint32_t code) const {
  static const std::vector<uint32_t>* const kNone = new std::vector<uint32_t>();
  return code < country_postings_.size() ? country_postings_[code].long_events : *kNone;
}

std::vector<uint32_t>& EventColumns::CountryList(uint32_t slot) {
  const uint32_t code = country_[slot];
  if (country_postings_.size() <= code) country_postings_.resize(code + 1);
  CountryPostings& country = country_postings_[code];
  const int32_t start = start_day_[slot];
  if (end_day(slot) - start >= kPeriodDays) return country.long_events;
  const int32_t period = PeriodOf(start);
  if (country.periods.empty()) {
    country.first_period = period;
  } else if (period < country.first_period) {
    country.periods.insert(country.periods.begin(), country.first_period - period,
                           std::vector<uint32_t>());
    country.first_period = period;
  }
  const size_t index = static_cast<size_t>(period - country.first_period);
  if (country.periods.size() <= index) country.periods.resize(index + 1);
  return country.periods[index];
}

void EventColumns::Compact() {
  for (auto* postings : {&actor_postings_, &tag_postings_}) {
    for (std::vector<uint32_t>& list : *postings) Shrink(list);
  }
  for (CountryPostings& country : country_postings_) {
    for (std::vector<uint32_t>& list : country.periods) Shrink(list);
    Shrink(country.long_events);
  }
  numeric_ids_.Compact(numeric_ids_.size());
  Shrink(id_key_);
  Shrink(flags_);
  Shrink(start_day_);
  Shrink(span_days_);
  Shrink(country_);
  Shrink(admin1_);
  Shrink(event_type_);
  Shrink(sub_event_type_);
  Shrink(fatalities_);
  Shrink(latitude_);
  Shrink(longitude_);
  Shrink(actors_inline_);
  source_keys_.Compact();
}

namespace {

template <typename T>
size_t Bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

template <typename Map>
size_t EntryBytes(const Map& map) {
  return map.size() * sizeof(typename Map::value_type);
}

}  // namespace

size_t EventColumns::ApproximateBytes() const {
  size_t bytes = Bytes(id_key_) + Bytes(free_slots_) + Bytes(flags_) + Bytes(start_day_) +
                 Bytes(span_days_) + Bytes(country_) + Bytes(admin1_) + Bytes(event_type_) +
                 Bytes(sub_event_type_) + Bytes(fatalities_) + Bytes(latitude_) +
                 Bytes(longitude_) + Bytes(actors_inline_);
  bytes += period_summaries_.Bytes();
  bytes += numeric_ids_.size() * sizeof(uint32_t) + EntryBytes(other_ids_) +
           EntryBytes(wide_end_day_) + EntryBytes(wide_fatalities_) + EntryBytes(injured_) +
           EntryBytes(kidnapped_) + EntryBytes(first_tag_) + EntryBytes(sea_) +
           source_keys_.ApproximateBytes();
  for (const auto* lists : {&more_actors_, &more_tags_}) {
    for (const auto& [slot, list] : *lists) bytes += sizeof(slot) + Bytes(list);
  }
  for (const auto* postings : {&actor_postings_, &tag_postings_}) {
    bytes += Bytes(*postings);
    for (const std::vector<uint32_t>& list : *postings) bytes += Bytes(list);
  }
  bytes += Bytes(country_postings_);
  for (const CountryPostings& country : country_postings_) {
    bytes += Bytes(country.periods) + Bytes(country.long_events);
    for (const std::vector<uint32_t>& list : country.periods) bytes += Bytes(list);
  }
  return bytes;
}

void EventColumns::Unlink(uint32_t slot) {
  if (flags_[slot] & kLive) {
    DropPeriodSummary(slot);
    RemoveFromPostings(CountryList(slot), slot);
    --country_postings_[country_[slot]].size;
  }
  ForEachActor(slot, [&](uint32_t code) { RemoveFromPostings(actor_postings_[code], slot); });
  ForEachTag(slot, [&](uint32_t code) { RemoveFromPostings(tag_postings_[code], slot); });
  std::fill_n(actors_inline_.begin() + static_cast<size_t>(slot) * kInlineActors * kActorBytes,
              kInlineActors * kActorBytes, 0xFF);
  if (flags_[slot] & kMoreActors) more_actors_.erase(slot);
  if (flags_[slot] & kHasTags) first_tag_.erase(slot);
  if (flags_[slot] & kMoreTags) more_tags_.erase(slot);
  if (flags_[slot] & kAtSea) sea_.erase(slot);
  source_keys_.Set(slot, 0, SourceKeys{0, 0});
  if (span_days_[slot] == kWideSpan) wide_end_day_.erase(slot);
  if (fatalities_[slot] == kWideCount) wide_fatalities_.erase(slot);
  if (admin1_[slot] == kWideCode) wide_admin1_.erase(slot);
  if (sub_event_type_[slot] == kWideByte) wide_sub_event_type_.erase(slot);
  if (latitude_[slot] == kWideCoordinate) wide_coordinates_.erase(slot);
  injured_.erase(slot);
  kidnapped_.erase(slot);
  flags_[slot] &= kLive | kSourceBits;
}

void EventColumns::Fill(uint32_t slot, const Event& event, int32_t start, int32_t end) {
  uint8_t flags = kLive;
  start_day_[slot] = start;
  min_start_day_ = std::min(min_start_day_, start);
  max_start_day_ = std::max(max_start_day_, start);
  if (end - start < kWideSpan) {
    span_days_[slot] = static_cast<uint8_t>(end - start);
  } else {
    span_days_[slot] = kWideSpan;
    wide_end_day_[slot] = end;
  }

  const auto& location = event.location();
  const uint32_t country = countries_.Intern(location.country_code());
  country_[slot] = static_cast<uint16_t>(country);
  CountryList(slot).push_back(slot);  // after the days and the country are set
  ++country_postings_[country].size;
  DropPeriodSummary(slot);
  if (!location.maritime().basin().empty()) {
    sea_[slot] = SeaArea{basins_.Intern(location.maritime().basin()),
                         bodies_of_water_.Intern(location.maritime().body_of_water())};
    flags |= kAtSea;
  }
  const uint32_t admin1 = admin1s_.Intern(location.admin1());
  if (admin1 < kWideCode) {
    admin1_[slot] = static_cast<uint16_t>(admin1);
  } else {
    admin1_[slot] = kWideCode;
    wide_admin1_[slot] = admin1;
  }
  event_type_[slot] = static_cast<uint8_t>(std::clamp<int>(event.event_type(), 0, UINT8_MAX));
  const uint32_t sub_event_type = sub_event_types_.Intern(event.sub_event_type());
  if (sub_event_type < kWideByte) {
    sub_event_type_[slot] = static_cast<uint8_t>(sub_event_type);
  } else {
    sub_event_type_[slot] = kWideByte;
    wide_sub_event_type_[slot] = sub_event_type;
  }
  if (!location.has_latitude() || !location.has_longitude()) {
    latitude_[slot] = longitude_[slot] = kNoPoint;
  } else {
    const std::optional<int32_t> lat = FixedCoordinate(location.latitude());
    const std::optional<int32_t> lon = FixedCoordinate(location.longitude());
    if (lat.has_value() && lon.has_value()) {
      latitude_[slot] = *lat;
      longitude_[slot] = *lon;
    } else {
      latitude_[slot] = longitude_[slot] = kWideCoordinate;
      wide_coordinates_[slot] = ExactPoint{location.latitude(), location.longitude()};
    }
  }

  const int64_t fatalities = event.fatalities();
  if (fatalities >= 0 && fatalities < kWideCount) {
    fatalities_[slot] = static_cast<uint16_t>(fatalities);
  } else {
    fatalities_[slot] = kWideCount;
    wide_fatalities_[slot] = fatalities;
  }
  for (const auto& casualty : event.casualties()) {
    if (casualty.count().best() == 0) continue;
    if (casualty.kind() == event::v1::CASUALTY_KIND_INJURED) {
      injured_[slot] = casualty.count().best();
    } else if (casualty.kind() == event::v1::CASUALTY_KIND_KIDNAPPED) {
      kidnapped_[slot] = casualty.count().best();
    }
  }

  // An actor with two roles in one event still counts the event once.
  absl::InlinedVector<uint32_t, kInlineActors + 1> distinct;
  for (const auto& participant : event.participants()) {
    const uint32_t code = actors_.Intern(participant.actor_id());
    if (std::find(distinct.begin(), distinct.end(), code) == distinct.end()) {
      distinct.push_back(code);
    }
  }
  uint8_t* inline_actors =
      actors_inline_.data() + static_cast<size_t>(slot) * kInlineActors * kActorBytes;
  int placed = 0;
  for (const uint32_t code : distinct) {
    if (placed < kInlineActors && code <= kMaxInlineActor) {
      uint8_t* p = inline_actors + placed * kActorBytes;
      p[0] = static_cast<uint8_t>(code);
      p[1] = static_cast<uint8_t>(code >> 8);
      p[2] = static_cast<uint8_t>(code >> 16);
      ++placed;
    } else {
      flags |= kMoreActors;
      more_actors_[slot].push_back(code);
    }
    AddToPostings(actor_postings_, code, slot);
  }

  int tag_count = 0;
  for (const std::string& tag : event.tags()) {
    const uint32_t code = tags_.Intern(tag);
    if (tag_count > 0) {
      if (first_tag_[slot] == code) continue;
      std::vector<uint32_t>& more = more_tags_[slot];
      if (std::find(more.begin(), more.end(), code) != more.end()) continue;
      more.push_back(code);
      flags |= kMoreTags;
    } else {
      first_tag_[slot] = code;
      flags |= kHasTags;
    }
    ++tag_count;
    AddToPostings(tag_postings_, code, slot);
  }
  if ((flags & kHasTags) && !(flags & kMoreTags)) more_tags_.erase(slot);
  flags_[slot] = flags | (flags_[slot] & kSourceBits);
  const auto [system, keys] = SourceKeysOf(event);
  source_keys_.Set(slot, system, keys);
}

int64_t EventColumns::casualties(uint32_t slot, CasualtyKind kind) const {
  const absl::flat_hash_map<uint32_t, int64_t>* sparse = nullptr;
  switch (kind) {
    case event::v1::CASUALTY_KIND_KILLED:
      return fatalities(slot);
    case event::v1::CASUALTY_KIND_INJURED:
      sparse = &injured_;
      break;
    case event::v1::CASUALTY_KIND_KIDNAPPED:
      sparse = &kidnapped_;
      break;
    default:
      return 0;
  }
  auto it = sparse->find(slot);
  return it == sparse->end() ? 0 : it->second;
}

}  // namespace lookout::stats
