// EventColumns to and from a snapshot body. Columns are written as raw arrays and read back in
// one copy each; only the id index and the dictionaries' lookup maps are rebuilt on load (they
// hold pointers and hashes, not data). Loaded columns are checked for consistency (equal column
// lengths, slots and codes in range) so a snapshot from a faulty writer cannot make a query
// read outside a column.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/stats/event_columns.h"

namespace lookout::stats {
namespace {

template <typename V>
void PutSideMap(SnapshotWriter& out, const absl::flat_hash_map<uint32_t, V>& map) {
  out.Put<uint64_t>(map.size());
  for (const auto& [slot, value] : map) {
    out.Put<uint32_t>(slot);
    if constexpr (std::is_same_v<V, std::vector<uint32_t>>) {
      out.PutArray(value);
    } else {
      out.Put<V>(value);
    }
  }
}

template <typename V>
bool GetSideMap(SnapshotReader& in, absl::flat_hash_map<uint32_t, V>* map, uint32_t slots) {
  uint64_t count;
  if (!in.GetCount(&count, sizeof(uint32_t) + sizeof(uint64_t))) return false;
  map->reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t slot;
    V value;
    if (!in.Get(&slot) || slot >= slots) return false;
    if constexpr (std::is_same_v<V, std::vector<uint32_t>>) {
      if (!in.GetArray(&value)) return false;
    } else {
      if (!in.Get(&value)) return false;
    }
    (*map)[slot] = std::move(value);
  }
  return true;
}

void PutPostings(SnapshotWriter& out, const std::vector<std::vector<uint32_t>>& postings) {
  out.Put<uint64_t>(postings.size());
  for (const std::vector<uint32_t>& list : postings) out.PutArray(list);
}

bool GetPostings(SnapshotReader& in, std::vector<std::vector<uint32_t>>* postings,
                 uint32_t slots) {
  uint64_t count;
  if (!in.GetCount(&count, sizeof(uint64_t))) return false;
  postings->resize(count);
  for (std::vector<uint32_t>& list : *postings) {
    if (!in.GetArray(&list)) return false;
    for (uint32_t slot : list) {
      if (slot >= slots) return false;
    }
  }
  return true;
}

void PutDictionary(SnapshotWriter& out, const StringDictionary& dictionary) {
  out.Put<uint64_t>(dictionary.size());
  for (uint32_t code = 0; code < dictionary.size(); ++code) out.PutString(dictionary.Value(code));
}

// Interning the values in code order gives each its old code back.
bool GetDictionary(SnapshotReader& in, StringDictionary* dictionary) {
  uint64_t count;
  if (!in.GetCount(&count, sizeof(uint32_t))) return false;
  std::string value;
  for (uint64_t code = 0; code < count; ++code) {
    if (!in.GetString(&value)) return false;
    if (dictionary->Intern(value) != code) return false;  // a value twice
  }
  return true;
}

template <typename T>
bool CodesBelow(const std::vector<T>& column, const std::vector<uint8_t>& flags, uint32_t bound) {
  for (size_t slot = 0; slot < column.size(); ++slot) {
    if ((flags[slot] & EventColumns::kLive) && column[slot] >= bound) return false;
  }
  return true;
}

}  // namespace

void EventColumns::SaveTo(SnapshotWriter& out) const {
  out.PutArray(id_key_);
  out.Put<uint64_t>(other_ids_.size());
  for (const auto& [id, slot] : other_ids_) {
    out.PutString(id);
    out.Put<uint32_t>(slot);
  }
  out.PutArray(free_slots_);
  out.Put<uint64_t>(live_count_);

  out.PutArray(flags_);
  out.PutArray(start_day_);
  out.PutArray(span_days_);
  out.PutArray(country_);
  out.PutArray(admin1_);
  out.PutArray(event_type_);
  out.PutArray(sub_event_type_);
  out.PutArray(fatalities_);
  out.PutArray(latitude_);
  out.PutArray(longitude_);
  out.PutArray(actors_inline_);

  PutSideMap(out, wide_end_day_);
  PutSideMap(out, wide_fatalities_);
  PutSideMap(out, wide_admin1_);
  PutSideMap(out, wide_sub_event_type_);
  PutSideMap(out, wide_coordinates_);
  PutSideMap(out, injured_);
  PutSideMap(out, kidnapped_);
  PutSideMap(out, more_actors_);
  PutSideMap(out, first_tag_);
  PutSideMap(out, more_tags_);
  PutSideMap(out, sea_);
  source_keys_.SaveTo(out);

  // Each country's lists as one array (the layout of the other postings): the periods are
  // formed again from the columns at load.
  out.Put<uint64_t>(country_postings_.size());
  for (const CountryPostings& country : country_postings_) {
    out.Put<uint64_t>(country.size);
    out.PutElements(country.long_events);
    for (const std::vector<uint32_t>& list : country.periods) out.PutElements(list);
  }
  PutPostings(out, actor_postings_);
  PutPostings(out, tag_postings_);

  PutDictionary(out, countries_);
  PutDictionary(out, admin1s_);
  PutDictionary(out, sub_event_types_);
  PutDictionary(out, actors_);
  PutDictionary(out, tags_);
  PutDictionary(out, basins_);
  PutDictionary(out, bodies_of_water_);
  PutDictionary(out, gdelt_quad_classes_);
  PutDictionary(out, acled_disorder_types_);
  PutDictionary(out, acled_interactions_);
  PutDictionary(out, ucdp_conflicts_);

  out.Put<int32_t>(min_start_day_);
  out.Put<int32_t>(max_start_day_);
}

absl::Status EventColumns::LoadFrom(SnapshotReader& in) {
  auto lost = [](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("snapshot body: ", what));
  };
  if (!in.GetArray(&id_key_)) return lost("id column cut short");
  const auto slots = static_cast<uint32_t>(id_key_.size());
  if (id_key_.size() >= UINT32_MAX) return lost("more slots than a column can hold");
  uint64_t other_count;
  if (!in.GetCount(&other_count, sizeof(uint32_t) * 2)) return lost("id map cut short");
  std::vector<bool> other_slot(slots, false);
  for (uint64_t i = 0; i < other_count; ++i) {
    std::string id;
    uint32_t slot;
    if (!in.GetString(&id) || !in.Get(&slot) || slot >= slots) return lost("id map entry");
    other_ids_[id] = slot;
    other_slot[slot] = true;
  }
  uint64_t live_count;
  if (!in.GetArray(&free_slots_) || !in.Get(&live_count)) return lost("free slots cut short");
  live_count_ = live_count;

  if (!in.GetArray(&flags_) || !in.GetArray(&start_day_) || !in.GetArray(&span_days_) ||
      !in.GetArray(&country_) || !in.GetArray(&admin1_) || !in.GetArray(&event_type_) ||
      !in.GetArray(&sub_event_type_) || !in.GetArray(&fatalities_) ||
      !in.GetArray(&latitude_) || !in.GetArray(&longitude_) || !in.GetArray(&actors_inline_)) {
    return lost("columns cut short");
  }
  for (size_t size : {flags_.size(), start_day_.size(), span_days_.size(), country_.size(),
                      admin1_.size(), event_type_.size(), sub_event_type_.size(),
                      fatalities_.size(), latitude_.size(), longitude_.size()}) {
    if (size != slots) return lost("columns of different lengths");
  }
  if (actors_inline_.size() != static_cast<size_t>(slots) * kInlineActors * kActorBytes + 1) {
    return lost("inline actor column of the wrong length");
  }
  if (!GetSideMap(in, &wide_end_day_, slots) || !GetSideMap(in, &wide_fatalities_, slots) ||
      !GetSideMap(in, &wide_admin1_, slots) || !GetSideMap(in, &wide_sub_event_type_, slots) ||
      !GetSideMap(in, &wide_coordinates_, slots) || !GetSideMap(in, &injured_, slots) ||
      !GetSideMap(in, &kidnapped_, slots) || !GetSideMap(in, &more_actors_, slots) ||
      !GetSideMap(in, &first_tag_, slots) || !GetSideMap(in, &more_tags_, slots) ||
      !GetSideMap(in, &sea_, slots)) {
    return lost("side maps cut short or naming slots out of range");
  }
  if (!source_keys_.LoadFrom(in)) {
    return lost("source attributes cut short or disagreeing with the slots flagged for them");
  }
  std::vector<std::vector<uint32_t>> countries;
  if (!GetPostings(in, &countries, slots) || !GetPostings(in, &actor_postings_, slots) ||
      !GetPostings(in, &tag_postings_, slots)) {
    return lost("postings cut short or naming slots out of range");
  }
  country_postings_.resize(countries.size());
  for (uint32_t code = 0; code < countries.size(); ++code) {
    for (uint32_t slot : countries[code]) {
      if (country_[slot] != code || !(flags_[slot] & kLive) ||
          (span_days_[slot] == kWideSpan && !wide_end_day_.contains(slot))) {
        return lost("a country's postings name an event that is not live in that country");
      }
      CountryList(slot).push_back(slot);
      ++country_postings_[code].size;
    }
    std::vector<uint32_t>().swap(countries[code]);
  }
  if (!GetDictionary(in, &countries_) || !GetDictionary(in, &admin1s_) ||
      !GetDictionary(in, &sub_event_types_) || !GetDictionary(in, &actors_) ||
      !GetDictionary(in, &tags_) || !GetDictionary(in, &basins_) ||
      !GetDictionary(in, &bodies_of_water_) || !GetDictionary(in, &gdelt_quad_classes_) ||
      !GetDictionary(in, &acled_disorder_types_) || !GetDictionary(in, &acled_interactions_) ||
      !GetDictionary(in, &ucdp_conflicts_)) {
    return lost("dictionaries cut short or repeating a value");
  }
  if (!in.Get(&min_start_day_) || !in.Get(&max_start_day_)) return lost("day bounds cut short");

  // Codes a query would look up in a dictionary or a postings list must exist there.
  if (!CodesBelow(country_, flags_, std::min<uint32_t>(countries_.size(),
                                                       static_cast<uint32_t>(
                                                           country_postings_.size()))) ||
      !CodesBelow(admin1_, flags_, admin1s_.size()) ||
      !CodesBelow(sub_event_type_, flags_, sub_event_types_.size())) {
    return lost("a column holds a code its dictionary does not");
  }
  const uint32_t actor_bound =
      std::min<uint32_t>(actors_.size(), static_cast<uint32_t>(actor_postings_.size()));
  for (uint32_t slot = 0; slot < slots; ++slot) {
    for (int k = 0; k < kInlineActors; ++k) {
      const uint32_t code = inline_actor(slot, k);
      if (code != kNoActor && code >= actor_bound) return lost("an unknown actor code");
    }
  }
  for (uint32_t slot : free_slots_) {
    if (slot >= slots || (flags_[slot] & kLive)) return lost("a free slot out of range or live");
  }

  for (const auto& [slot, code] : wide_admin1_) {
    if (code >= admin1s_.size()) return lost("a wide admin1 code its dictionary does not hold");
  }
  for (const auto& [slot, area] : sea_) {
    if (area.basin >= basins_.size() || area.body_of_water >= bodies_of_water_.size() ||
        !(flags_[slot] & kAtSea)) {
      return lost("a maritime area unknown to its dictionaries or on a slot not at sea");
    }
  }
  for (uint32_t slot = 0; slot < slots; ++slot) {
    if ((flags_[slot] & kAtSea) && !sea_.contains(slot)) return lost("a sea slot without area");
  }
  bool sources_known = true;
  source_keys_.ForEach([&](uint32_t slot, uint32_t system, const SourceKeys& keys) {
    const StringDictionary* first = system == kAcled   ? &acled_disorder_types_
                                    : system == kUcdp  ? &ucdp_conflicts_
                                    : system == kGdelt ? &gdelt_quad_classes_
                                                       : nullptr;
    const uint32_t second_bound = system == kAcled ? acled_interactions_.size() : 1;
    if (first == nullptr || keys.first >= first->size() || keys.second >= second_bound ||
        !(flags_[slot] & kLive)) {
      sources_known = false;
    }
  });
  if (!sources_known) {
    return lost(
        "source attributes of an unknown system, unknown to their dictionaries or on "
        "a slot not live");
  }
  for (const auto& [slot, code] : wide_sub_event_type_) {
    if (code >= sub_event_types_.size()) return lost("a wide sub-event type code unknown");
  }

  // The id index: every live slot not keyed by an other id is keyed by its numeric id.
  size_t live = 0;
  numeric_ids_.Compact(live_count_);
  for (uint32_t slot = 0; slot < slots; ++slot) {
    if (!(flags_[slot] & kLive)) continue;
    ++live;
    if (other_slot[slot]) continue;
    if (numeric_ids_.Find(id_key_[slot]).has_value()) return lost("a repeated id");
    numeric_ids_.Insert(slot);
  }
  if (live != live_count_) return lost("the live count disagrees with the columns");
  return absl::OkStatus();
}

}  // namespace lookout::stats
