// Random events and filters for the stats service's tests: dates around year edges and leap
// days, events spanning days (and one spanning most of the valid range), repeated actors with
// two roles, boundary coordinates, heavy-tailed fatalities (and one above 32 bits), tags.
#ifndef LOOKOUT_TESTS_UNIT_STATS_TEST_EVENTS_H_
#define LOOKOUT_TESTS_UNIT_STATS_TEST_EVENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "common/validation.h"
#include "event_filter/event_taxonomy.h"
#include "lookout/event/v1/event.pb.h"
#include "lookout/event/v1/event_service.pb.h"

namespace lookout::stats::testing {

inline const std::vector<std::string>& TestCountries() {
  static const auto* const v = new std::vector<std::string>{"HTI", "KEN", "BGD", "DOM"};
  return *v;
}
inline const std::vector<std::string>& TestAdmin1s() {
  static const auto* const v =
      new std::vector<std::string>{"", "Ouest", "Artibonite", "Nord", "Nairobi"};
  return *v;
}
// Seas: basins and bodies of water ("" for a sea event placed only by its basin).
inline const std::vector<std::string>& TestBasins() {
  static const auto* const v =
      new std::vector<std::string>{"Atlantic Ocean", "Red Sea", "Mediterranean Sea"};
  return *v;
}
inline const std::vector<std::string>& TestBodiesOfWater() {
  static const auto* const v =
      new std::vector<std::string>{"", "Caribbean Sea", "Bab-el-Mandeb", "Strait of Sicily"};
  return *v;
}
inline const std::vector<std::string>& TestTags() {
  static const auto* const v = new std::vector<std::string>{"gang", "police", "mission", "aid"};
  return *v;
}
inline std::vector<std::string> TestActors(int count = 8) {
  std::vector<std::string> actors;
  for (int i = 1; i <= count; ++i) actors.push_back(absl::StrFormat("act_%d", i));
  return actors;
}

template <typename T>
const T& Pick(absl::BitGen& gen, const std::vector<T>& values) {
  return values[absl::Uniform<size_t>(gen, 0, values.size())];
}

// A day between 2019-12-20 and 2025-01-10, often a leap day or a year edge.
inline std::string RandomDate(absl::BitGen& gen) {
  static const auto* const special =
      new std::vector<std::string>{"2020-02-29", "2024-02-29", "2020-12-31", "2021-01-03",
                                   "2021-01-04", "2024-12-30", "2023-12-31", "2024-01-01"};
  if (absl::Bernoulli(gen, 0.2)) return Pick(gen, *special);
  const int32_t first = *validation::ParseDate("2019-12-20");
  const int32_t last = *validation::ParseDate("2025-01-10");
  return validation::FormatDate(absl::Uniform<int32_t>(absl::IntervalClosed, gen, first, last));
}

inline std::string Hex16(uint64_t value) { return absl::StrFormat("%016x", value); }

// A valid event as the event service stores it (fatalities filled in), with `id`.
inline lookout::event::v1::Event RandomEvent(absl::BitGen& gen, const std::string& id,
                                             const std::vector<std::string>& actors) {
  lookout::event::v1::Event e;
  e.set_id(id);
  const std::string date = RandomDate(gen);
  e.set_event_date(date);
  const double span = absl::Uniform(gen, 0.0, 1.0);
  const int32_t day = *validation::ParseDate(date);
  if (span < 0.2) {
    e.set_end_date(validation::FormatDate(day + absl::Uniform<int32_t>(gen, 0, 11)));
  } else if (span < 0.27) {
    e.set_end_date(validation::FormatDate(day + absl::Uniform<int32_t>(gen, 0, 400)));
  } else if (span < 0.275) {
    // Wider than 65534 days: kept outside the two-byte span column.
    e.set_event_date("1905-03-01");
    e.set_end_date("2099-12-31");
  }
  const auto type = static_cast<lookout::event::v1::EventType>(
      absl::Uniform<int>(absl::IntervalClosed, gen, 1, lookout::event::v1::EventType_MAX));
  e.set_event_type(type);
  if (absl::Bernoulli(gen, 0.8)) e.set_sub_event_type(Pick(gen, event_filter::SubEventTypes(type)));
  const int participants = absl::Uniform<int>(absl::IntervalClosed, gen, 0, 4);
  for (int i = 0; i < participants; ++i) {
    auto* p = e.add_participants();
    p->set_actor_id(Pick(gen, actors));
    p->set_role(static_cast<lookout::event::v1::ParticipantRole>(1 + i));
  }
  // The same actor in two roles still counts once per event.
  if (participants > 0 && absl::Bernoulli(gen, 0.15)) {
    auto* p = e.add_participants();
    p->set_actor_id(e.participants(0).actor_id());
    p->set_role(lookout::event::v1::PARTICIPANT_ROLE_MEDIATOR);
  }
  auto* location = e.mutable_location();
  if (absl::Bernoulli(gen, 0.15)) {
    // At sea: a basin and maybe a body of water, no country and no admin1.
    location->mutable_maritime()->set_basin(Pick(gen, TestBasins()));
    location->mutable_maritime()->set_body_of_water(Pick(gen, TestBodiesOfWater()));
  } else {
    location->set_country_code(Pick(gen, TestCountries()));
    location->set_admin1(Pick(gen, TestAdmin1s()));
  }
  if (absl::Bernoulli(gen, 0.8)) {
    // Coordinates often sit exactly on the edges the random boxes use.
    location->set_latitude(absl::Bernoulli(gen, 0.2) ? 18.5 : absl::Uniform(gen, 17.0, 20.0));
    location->set_longitude(absl::Bernoulli(gen, 0.2) ? -72.5 : absl::Uniform(gen, -74.0, -71.0));
  }
  int64_t killed = static_cast<int64_t>(absl::Exponential<double>(gen, 0.15));
  // Wider than 32 bits, and above event_filter::kMaxCasualtyCount: as stored before that bound.
  if (absl::Bernoulli(gen, 0.003)) killed = 5'000'000'000LL;
  auto* c = e.add_casualties();
  c->set_kind(lookout::event::v1::CASUALTY_KIND_KILLED);
  c->mutable_count()->set_best(killed);
  e.set_fatalities(killed);
  if (absl::Bernoulli(gen, 0.3)) {
    c = e.add_casualties();
    c->set_kind(lookout::event::v1::CASUALTY_KIND_INJURED);
    c->mutable_count()->set_best(absl::Uniform<int64_t>(gen, 0, 30));
  }
  if (absl::Bernoulli(gen, 0.2)) {
    c = e.add_casualties();
    c->set_kind(lookout::event::v1::CASUALTY_KIND_KIDNAPPED);
    c->mutable_count()->set_best(absl::Uniform<int64_t>(gen, 0, 30));
  }
  const int tags = absl::Uniform<int>(absl::IntervalClosed, gen, 0, 2);
  for (int i = 0; i < tags; ++i) e.add_tags(Pick(gen, TestTags()));
  e.set_notes(absl::StrFormat("note %d", absl::Uniform<int>(gen, 0, 5)));
  return e;
}

// A valid filter without text: each field set with some probability, sometimes to values no
// event has.
inline lookout::event::v1::EventFilter RandomFilter(absl::BitGen& gen,
                                                    const std::vector<std::string>& actors) {
  lookout::event::v1::EventFilter f;
  if (absl::Bernoulli(gen, 0.3)) {
    f.add_country_codes(Pick(gen, TestCountries()));
    if (absl::Bernoulli(gen, 0.3)) f.add_country_codes(absl::Bernoulli(gen, 0.5) ? "FRA" : "KEN");
  }
  if (absl::Bernoulli(gen, 0.15))
    f.set_admin1(absl::Bernoulli(gen, 0.9) ? Pick(gen, TestAdmin1s()) : "Sud");
  if (absl::Bernoulli(gen, 0.3)) {
    const int n = absl::Uniform<int>(absl::IntervalClosed, gen, 1, 3);
    for (int i = 0; i < n; ++i) {
      f.add_event_types(static_cast<lookout::event::v1::EventType>(
          absl::Uniform<int>(absl::IntervalClosed, gen, 1, lookout::event::v1::EventType_MAX)));
    }
  }
  if (absl::Bernoulli(gen, 0.15)) {
    const auto type = static_cast<lookout::event::v1::EventType>(
        absl::Uniform<int>(absl::IntervalClosed, gen, 1, lookout::event::v1::EventType_MAX));
    f.add_sub_event_types(Pick(gen, event_filter::SubEventTypes(type)));
  }
  if (absl::Bernoulli(gen, 0.2))
    f.set_actor_id(absl::Bernoulli(gen, 0.9) ? Pick(gen, actors) : "act_missing");
  if (absl::Bernoulli(gen, 0.4)) {
    std::string a = RandomDate(gen), b = RandomDate(gen);
    if (b < a) std::swap(a, b);
    if (absl::Bernoulli(gen, 0.8)) f.mutable_date_range()->set_start_date(a);
    if (absl::Bernoulli(gen, 0.8)) f.mutable_date_range()->set_end_date(b);
  }
  if (absl::Bernoulli(gen, 0.2)) f.set_min_fatalities(absl::Uniform<int64_t>(gen, 0, 15));
  if (absl::Bernoulli(gen, 0.2)) {
    auto* box = f.mutable_bbox();
    box->set_min_latitude(absl::Bernoulli(gen, 0.5) ? 18.5 : 17.5);
    box->set_max_latitude(absl::Bernoulli(gen, 0.5) ? 18.5 : 19.5);
    box->set_min_longitude(absl::Bernoulli(gen, 0.5) ? -72.5 : -73.5);
    box->set_max_longitude(absl::Bernoulli(gen, 0.5) ? -72.5 : -71.5);
  }
  if (absl::Bernoulli(gen, 0.1)) {
    f.add_maritime_basins(Pick(gen, TestBasins()));
    if (absl::Bernoulli(gen, 0.3)) f.add_maritime_basins("Pacific Ocean");
  }
  if (absl::Bernoulli(gen, 0.1)) {
    const std::string& body = Pick(gen, TestBodiesOfWater());
    f.add_bodies_of_water(body.empty() ? "Gulf of Aden" : body);
  }
  if (absl::Bernoulli(gen, 0.15)) {
    f.add_tags(Pick(gen, TestTags()));
    if (absl::Bernoulli(gen, 0.4))
      f.add_tags(absl::Bernoulli(gen, 0.5) ? "unused" : Pick(gen, TestTags()));
  }
  return f;
}

inline lookout::event::v1::WatchEventsResponse Change(int64_t sequence,
                                                      lookout::event::v1::ChangeType type,
                                                      const lookout::event::v1::Event& event) {
  lookout::event::v1::WatchEventsResponse change;
  change.set_sequence(sequence);
  change.set_type(type);
  *change.mutable_event() = event;
  return change;
}

}  // namespace lookout::stats::testing

#endif  // LOOKOUT_TESTS_UNIT_STATS_TEST_EVENTS_H_
