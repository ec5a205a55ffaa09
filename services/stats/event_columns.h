// The read model's storage: the fields aggregations need from every live event, one column per
// field, in slots. Strings are dictionary-encoded, dates are day numbers, and each country,
// actor and tag keeps a postings list of the slots that carry it, so a query about one country
// or one actor touches only those events. Notes are not kept: full-text matching is the event
// service's (see text_search.h).
//
// About 60 bytes per event: most columns are 1-4 bytes wide, and rare or wide values (events
// spanning more than 254 days, fatalities above 65534, admin1 codes past 65534, sub-event type
// codes past 254, coordinates
// with more than 7 decimals, a fourth actor, tags, injured and kidnapped counts, the maritime
// area of an event at sea) live in side maps keyed by slot, so the common event pays nothing for
// them. The grouped source attributes live in a column of their own (source_key_column.h): 8
// bytes per event that carries them, none for the others. An event at sea has the country code
// of "" (it counts under no country). Coordinates are kept in units of 1e-7 degree only when
// that gives the same double back (see FixedCoordinate), so box filters compare exactly the
// values the event service stores.
//
// Not thread-safe: ReadModel serialises writers against readers.
#ifndef LOOKOUT_SERVICES_STATS_EVENT_COLUMNS_H_
#define LOOKOUT_SERVICES_STATS_EVENT_COLUMNS_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lookout/event/v1/event.pb.h"
#include "services/stats/period_summary.h"
#include "services/stats/slot_index.h"
#include "services/stats/snapshot_codec.h"
#include "services/stats/source_key_column.h"
#include "services/stats/string_dictionary.h"

namespace lookout::stats {

class EventColumns {
 public:
  static constexpr uint32_t kNoActor = UINT32_MAX;
  static constexpr int kInlineActors = 3;
  // Inline actor codes take 3 bytes each; the (never seen) codes past 2^24 - 2 are kept with
  // the fourth and later actors.
  static constexpr int kActorBytes = 3;
  static constexpr uint32_t kMaxInlineActor = 0xFFFFFE;

  EventColumns();
  // The id index refers to this object's own columns.
  EventColumns(const EventColumns&) = delete;
  EventColumns& operator=(const EventColumns&) = delete;

  // Stores `event`, replacing the event with the same id if any. The event service validated it;
  // an event whose dates still do not parse is dropped (the old version too) and reported.
  absl::Status Upsert(const lookout::event::v1::Event& event);
  // Drops the event with this id; false when there is none.
  bool Remove(absl::string_view id);
  // Gives back the spare capacity of columns and postings (after a rebuild).
  void Compact();
  // Bytes the columns, postings and side maps hold (capacity, so spare room counts), for the
  // metrics; the dictionaries' strings and the hash tables' own overhead are left out.
  size_t ApproximateBytes() const;

  // Snapshots (event_columns_snapshot.cc): every column, side map, postings list, free slot and
  // dictionary as it is, so loaded columns equal these slot for slot and code for code.
  void SaveTo(SnapshotWriter& out) const;
  // Fills these columns, which must be new (empty). DATA_LOSS saying what is missing or
  // inconsistent; the columns are then unusable and must be dropped.
  absl::Status LoadFrom(SnapshotReader& in);

  std::optional<uint32_t> SlotOf(absl::string_view id) const;
  // Slots run from 0 to slot_count() - 1; dead slots (deleted events) are skipped by live().
  uint32_t slot_count() const { return static_cast<uint32_t>(flags_.size()); }
  size_t live_count() const { return live_count_; }
  // Whether every slot holds a live event (no deletions waiting for reuse).
  bool dense() const { return free_slots_.empty(); }

  bool live(uint32_t slot) const { return flags_[slot] & kLive; }
  int32_t start_day(uint32_t slot) const { return start_day_[slot]; }
  int32_t end_day(uint32_t slot) const {
    const uint8_t span = span_days_[slot];
    return span != kWideSpan ? start_day_[slot] + span : wide_end_day_.at(slot);
  }
  uint32_t country(uint32_t slot) const { return country_[slot]; }
  uint32_t admin1(uint32_t slot) const {
    const uint16_t code = admin1_[slot];
    return code != kWideCode ? code : wide_admin1_.at(slot);
  }
  // The maritime basin and body of water of an event at sea, as codes of basins() and
  // bodies_of_water(); code 0 ("") for a country event (and for a sea event without a body).
  uint32_t basin(uint32_t slot) const {
    return (flags_[slot] & kAtSea) ? sea_.at(slot).basin : 0;
  }
  uint32_t body_of_water(uint32_t slot) const {
    return (flags_[slot] & kAtSea) ? sea_.at(slot).body_of_water : 0;
  }
  // The grouped source attributes (see the Dimension values 10-13), as codes of
  // gdelt_quad_classes(), acled_disorder_types(), acled_interactions() and ucdp_conflicts();
  // code 0 ("") for an event from another source or with the value unset.
  uint32_t gdelt_quad_class(uint32_t slot) const { return SourceCode(slot, kGdelt, false); }
  uint32_t acled_disorder_type(uint32_t slot) const { return SourceCode(slot, kAcled, false); }
  uint32_t acled_interaction(uint32_t slot) const { return SourceCode(slot, kAcled, true); }
  uint32_t ucdp_conflict(uint32_t slot) const { return SourceCode(slot, kUcdp, false); }
  uint32_t event_type(uint32_t slot) const { return event_type_[slot]; }
  uint32_t sub_event_type(uint32_t slot) const {
    const uint8_t code = sub_event_type_[slot];
    return code != kWideByte ? code : wide_sub_event_type_.at(slot);
  }
  int64_t fatalities(uint32_t slot) const {
    const uint32_t value = fatalities_[slot];
    return value != kWideCount ? value : wide_fatalities_.at(slot);
  }
  // The best count of `kind` (KILLED is fatalities(); INJURED and KIDNAPPED are kept too).
  int64_t casualties(uint32_t slot, lookout::event::v1::CasualtyKind kind) const;
  // NaN when the event has no point. Exactly the stored double (see FixedCoordinate).
  double latitude(uint32_t slot) const { return Coordinate(slot, latitude_[slot], 0); }
  double longitude(uint32_t slot) const { return Coordinate(slot, longitude_[slot], 1); }

  // Raw columns for the query kernels, indexed by slot.
  const uint8_t* flags_column() const { return flags_.data(); }
  const int32_t* start_day_column() const { return start_day_.data(); }
  const uint16_t* country_column() const { return country_.data(); }
  const uint16_t* admin1_column() const { return admin1_.data(); }
  const uint8_t* event_type_column() const { return event_type_.data(); }
  const uint8_t* sub_event_type_column() const { return sub_event_type_.data(); }
  const uint8_t* span_column() const { return span_days_.data(); }
  const uint16_t* fatalities_column() const { return fatalities_.data(); }
  static constexpr uint8_t kLive = 1;
  // Column values that mean "look in the side map" (end_day(), fatalities(), admin1()).
  static constexpr uint8_t kWideSpan = UINT8_MAX;
  static constexpr uint8_t kWideByte = UINT8_MAX;
  static constexpr uint16_t kWideCount = UINT16_MAX;
  static constexpr uint16_t kWideCode = UINT16_MAX;
  // Coordinate column values: no point, and "the exact double is in the side map".
  static constexpr int32_t kNoPoint = INT32_MIN;
  static constexpr int32_t kWideCoordinate = INT32_MIN + 1;

  // The k-th inline actor code of a slot (k < kInlineActors), or kNoActor past the last;
  // more_actors() holds the rest when has_more_actors().
  uint32_t inline_actor(uint32_t slot, int k) const {
    // One 4-byte load (the column ends in a pad byte, so the last code can be read so too).
    uint32_t word;
    std::memcpy(&word,
                actors_inline_.data() +
                    (static_cast<size_t>(slot) * kInlineActors + k) * kActorBytes,
                sizeof(word));
    const uint32_t code = word & 0xFFFFFF;
    return code != 0xFFFFFF ? code : kNoActor;
  }
  bool has_more_actors(uint32_t slot) const { return flags_[slot] & kMoreActors; }
  const std::vector<uint32_t>& more_actors(uint32_t slot) const { return more_actors_.at(slot); }

  // Calls fn(actor_code) once for each distinct actor taking part in the event.
  template <typename Fn>
  void ForEachActor(uint32_t slot, Fn&& fn) const {
    for (int i = 0; i < kInlineActors; ++i) {
      const uint32_t code = inline_actor(slot, i);
      if (code == kNoActor) break;
      fn(code);
    }
    if (flags_[slot] & kMoreActors) {
      for (uint32_t code : more_actors_.at(slot)) fn(code);
    }
  }
  // Calls fn(tag_code) once for each distinct tag of the event.
  template <typename Fn>
  void ForEachTag(uint32_t slot, Fn&& fn) const {
    if (!(flags_[slot] & kHasTags)) return;
    fn(first_tag_.at(slot));
    if (flags_[slot] & kMoreTags) {
      for (uint32_t code : more_tags_.at(slot)) fn(code);
    }
  }

  // A country's live events are kept by the kPeriodDays-day period their start day falls in
  // (period = floor(start_day / kPeriodDays)), and those spanning kPeriodDays days or more in a
  // list of their own, so a question about one country and a date range walks the periods it
  // can overlap, not the country's whole history (issue 21).
  static constexpr int32_t kPeriodDays = 32;
  static int32_t PeriodOf(int32_t day) {
    return day >= 0 ? day / kPeriodDays : -((-day + kPeriodDays - 1) / kPeriodDays);
  }
  // How many live events the country has.
  size_t country_size(uint32_t code) const {
    return code < country_postings_.size() ? country_postings_[code].size : 0;
  }
  // Calls fn(const std::vector<uint32_t>&) for disjoint lists of the country's slots that
  // together hold every live event of the country overlapping [first_day, last_day] (and
  // others: the lists are a superset). No slot appears in two lists.
  template <typename Fn>
  void ForEachCountryList(uint32_t code, int32_t first_day, int32_t last_day, Fn&& fn) const {
    if (code >= country_postings_.size()) return;
    const CountryPostings& country = country_postings_[code];
    if (!country.long_events.empty()) fn(country.long_events);
    if (country.periods.empty() || first_day > last_day) return;
    // A short event overlaps the range when it starts at most kPeriodDays - 1 days before it.
    const int64_t first = std::max<int64_t>(
        0, static_cast<int64_t>(PeriodOf(first_day - (kPeriodDays - 1))) - country.first_period);
    const int64_t last =
        std::min<int64_t>(static_cast<int64_t>(country.periods.size()) - 1,
                          static_cast<int64_t>(PeriodOf(last_day)) - country.first_period);
    for (int64_t i = first; i <= last; ++i) {
      if (!country.periods[i].empty()) fn(country.periods[i]);
    }
  }

  // Calls fn(period, const std::vector<uint32_t>&) for each non-empty list of the country's
  // short events (those spanning fewer than kPeriodDays days) by the period they start in, for
  // every period whose events can overlap [first_day, last_day]; the long events are in
  // country_long_events(). Together they are ForEachCountryList's lists.
  template <typename Fn>
  void ForEachCountryPeriod(uint32_t code, int32_t first_day, int32_t last_day, Fn&& fn) const {
    if (code >= country_postings_.size()) return;
    const CountryPostings& country = country_postings_[code];
    if (country.periods.empty() || first_day > last_day) return;
    const int64_t first = std::max<int64_t>(
        0, static_cast<int64_t>(PeriodOf(first_day - (kPeriodDays - 1))) - country.first_period);
    const int64_t last =
        std::min<int64_t>(static_cast<int64_t>(country.periods.size()) - 1,
                          static_cast<int64_t>(PeriodOf(last_day)) - country.first_period);
    for (int64_t i = first; i <= last; ++i) {
      if (!country.periods[i].empty()) {
        fn(static_cast<int32_t>(country.first_period + i), country.periods[i]);
      }
    }
  }
  // The country's live events spanning kPeriodDays days or more.
  const std::vector<uint32_t>& country_long_events(uint32_t code) const;
  // The pre-aggregate of the country's short events starting in `period` (see
  // period_summary.h), built from them on first use. Safe to call from concurrent readers.
  std::shared_ptr<const PeriodSummary> PeriodSummaryOf(uint32_t code, int32_t period) const;
  // How many period summaries are held now.
  size_t period_summary_count() const { return period_summaries_.size(); }

  // The slots of the live events of an actor / a tag. In slot order until events are deleted
  // or moved; never with repeats.
  const std::vector<uint32_t>& actor_postings(uint32_t code) const {
    return Postings(actor_postings_, code);
  }
  const std::vector<uint32_t>& tag_postings(uint32_t code) const {
    return Postings(tag_postings_, code);
  }

  const StringDictionary& countries() const { return countries_; }
  const StringDictionary& admin1s() const { return admin1s_; }
  const StringDictionary& sub_event_types() const { return sub_event_types_; }
  const StringDictionary& actors() const { return actors_; }
  const StringDictionary& tag_values() const { return tags_; }
  // Code 0 of each is "" (country events).
  const StringDictionary& basins() const { return basins_; }
  const StringDictionary& bodies_of_water() const { return bodies_of_water_; }
  // Code 0 of each is "" (no such attribute); values are the keys the Dimension documents.
  const StringDictionary& gdelt_quad_classes() const { return gdelt_quad_classes_; }
  const StringDictionary& acled_disorder_types() const { return acled_disorder_types_; }
  const StringDictionary& acled_interactions() const { return acled_interactions_; }
  const StringDictionary& ucdp_conflicts() const { return ucdp_conflicts_; }
  // The country code of "", whose postings hold every sea event; nullopt when none was seen.
  std::optional<uint32_t> no_country_code() const { return countries_.Find(""); }

  // Bounds on the start days of live events (they only widen); min > max when never set.
  int32_t min_start_day() const { return min_start_day_; }
  int32_t max_start_day() const { return max_start_day_; }

 private:
  static constexpr uint8_t kMoreActors = 2;
  static constexpr uint8_t kHasTags = 4;
  static constexpr uint8_t kMoreTags = 8;
  static constexpr uint8_t kAtSea = 16;  // the slot has a sea_ entry
  // Bits 32, 64 and 128 belong to source_keys_ (the system of a slot's source attributes and
  // where its record is); they outlive the event in a freed slot, so a later event there can
  // reuse the record.
  static constexpr uint8_t kSourceBits = SourceKeyColumn::kOwnedBits;

  // The source system of source_keys_ (its system field).
  static constexpr uint32_t kAcled = 1;
  static constexpr uint32_t kUcdp = 2;
  static constexpr uint32_t kGdelt = 3;
  // The grouped attributes of an event from a source system, as codes of its dictionaries:
  // first the ACLED disorder type, UCDP conflict or GDELT quad class, second the ACLED
  // interaction (0 otherwise).
  using SourceKeys = SourceKeyColumn::Keys;
  uint32_t SourceCode(uint32_t slot, uint32_t system, bool second) const {
    // Events of another source, and those without attributes, from the flags byte alone.
    if (SourceKeyColumn::SystemOf(flags_[slot]) != system) return 0;
    const SourceKeys keys = source_keys_.Get(slot);
    return second ? keys.second : keys.first;
  }
  // The system and keys of `event`; system 0 when it carries no grouped attribute.
  std::pair<uint32_t, SourceKeys> SourceKeysOf(const lookout::event::v1::Event& event);

  // Where at sea an event is: codes of basins_ and bodies_of_water_.
  struct SeaArea {
    uint32_t basin;
    uint32_t body_of_water;
  };

  // The coordinates of an event that the columns cannot hold exactly.
  struct ExactPoint {
    double latitude;
    double longitude;
  };
  double Coordinate(uint32_t slot, int32_t fixed, int axis) const;

  static const std::vector<uint32_t>& Postings(const std::vector<std::vector<uint32_t>>& all,
                                               uint32_t code);
  uint32_t AllocateSlot();
  // Clears everything a slot refers to outside its own columns (postings, side maps).
  void Unlink(uint32_t slot);
  void Fill(uint32_t slot, const lookout::event::v1::Event& event, int32_t start, int32_t end);

  // Ids the event service issues ("evt_" + 16 lower-case hex digits) are 8-byte keys in a
  // column, indexed by slot (8 + ~6 bytes per event instead of a string map's ~60); any other
  // id falls back to a string map.
  std::vector<uint64_t> id_key_;
  SlotIndex numeric_ids_{&id_key_};
  absl::flat_hash_map<std::string, uint32_t> other_ids_;
  std::vector<uint32_t> free_slots_;
  size_t live_count_ = 0;

  std::vector<uint8_t> flags_;
  std::vector<int32_t> start_day_;
  std::vector<uint8_t> span_days_;
  std::vector<uint16_t> country_;
  std::vector<uint16_t> admin1_;
  std::vector<uint8_t> event_type_;
  std::vector<uint8_t> sub_event_type_;
  std::vector<uint16_t> fatalities_;
  std::vector<int32_t> latitude_;   // 1e-7 degree, kNoPoint or kWideCoordinate
  std::vector<int32_t> longitude_;
  // kInlineActors codes of kActorBytes per slot, little-endian, padded with 0xFFFFFF, and one
  // pad byte at the end (see inline_actor).
  std::vector<uint8_t> actors_inline_ = std::vector<uint8_t>(1, 0xFF);

  absl::flat_hash_map<uint32_t, int32_t> wide_end_day_;
  absl::flat_hash_map<uint32_t, int64_t> wide_fatalities_;
  absl::flat_hash_map<uint32_t, uint32_t> wide_admin1_;
  absl::flat_hash_map<uint32_t, uint32_t> wide_sub_event_type_;
  absl::flat_hash_map<uint32_t, ExactPoint> wide_coordinates_;
  absl::flat_hash_map<uint32_t, int64_t> injured_;
  absl::flat_hash_map<uint32_t, int64_t> kidnapped_;
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> more_actors_;
  absl::flat_hash_map<uint32_t, uint32_t> first_tag_;
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> more_tags_;
  absl::flat_hash_map<uint32_t, SeaArea> sea_;
  SourceKeyColumn source_keys_{&flags_};

  struct CountryPostings {
    int32_t first_period = 0;  // the period of periods[0]
    std::vector<std::vector<uint32_t>> periods;
    std::vector<uint32_t> long_events;  // spanning kPeriodDays days or more
    size_t size = 0;
  };
  // The list that holds (or would hold) `slot`, by its country, start day and span.
  std::vector<uint32_t>& CountryList(uint32_t slot);

  std::vector<CountryPostings> country_postings_;
  // Dropped for a slot's (country, period) whenever the slot is linked or unlinked.
  void DropPeriodSummary(uint32_t slot);
  mutable PeriodSummaryCache period_summaries_;
  std::vector<std::vector<uint32_t>> actor_postings_;
  std::vector<std::vector<uint32_t>> tag_postings_;

  StringDictionary countries_;
  StringDictionary admin1s_;
  StringDictionary sub_event_types_;
  StringDictionary actors_;
  StringDictionary tags_;
  StringDictionary basins_;
  StringDictionary bodies_of_water_;
  StringDictionary gdelt_quad_classes_;
  StringDictionary acled_disorder_types_;
  StringDictionary acled_interactions_;
  StringDictionary ucdp_conflicts_;

  int32_t min_start_day_ = INT32_MAX;
  int32_t max_start_day_ = INT32_MIN;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_EVENT_COLUMNS_H_
