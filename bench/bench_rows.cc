#include "bench/bench_rows.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lookout::bench {
namespace {

using ::lookout::event::v1::Event;

struct Kind {
  lookout::event::v1::EventType type;
  const char* sub_event_type;
};

// One valid sub-event type per ACLED type (DOMAIN.md's taxonomy), so every row validates.
constexpr Kind kKinds[] = {
    {lookout::event::v1::EVENT_TYPE_BATTLES, "Armed clash"},
    {lookout::event::v1::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE,
     "Shelling/artillery/missile attack"},
    {lookout::event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS, "Attack"},
    {lookout::event::v1::EVENT_TYPE_PROTESTS, "Peaceful protest"},
    {lookout::event::v1::EVENT_TYPE_RIOTS, "Mob violence"},
    {lookout::event::v1::EVENT_TYPE_STRATEGIC_DEVELOPMENTS, "Arrests"},
};

struct Place {
  const char* country;
  const char* admin1;
  const char* place;
  double lat;
  double lon;
};

constexpr Place kPlaces[] = {
    {"HTI", "Ouest", "Port-au-Prince", 18.54, -72.34},
    {"SDN", "Khartoum", "Omdurman", 15.64, 32.48},
    {"UKR", "Kharkivska", "Kupiansk", 49.71, 37.62},
    {"MLI", "Mopti", "Djenne", 13.91, -4.55},
    {"NGA", "Borno", "Maiduguri", 11.85, 13.16},
    {"COD", "Nord-Kivu", "Goma", -1.68, 29.22},
    {"MMR", "Sagaing", "Monywa", 22.11, 95.14},
    {"YEM", "Taizz", "Taizz", 13.58, 44.02},
};

constexpr const char* kTags[] = {"bench", "border", "election", "harvest", "curfew"};

}  // namespace

Event MakeBenchEvent(int64_t index, absl::string_view actor_id, absl::string_view external_id_tag) {
  const Kind& kind = kKinds[index % (sizeof(kKinds) / sizeof(kKinds[0]))];
  const Place& place = kPlaces[(index / 7) % (sizeof(kPlaces) / sizeof(kPlaces[0]))];

  Event event;
  // Dates spread over ten years so the day indexes see realistic key spread.
  const int64_t day = index % 3650;
  event.set_event_date(
      absl::StrFormat("%04d-%02d-%02d", 2015 + day / 365, 1 + (day / 28) % 12, 1 + day % 28));
  event.set_date_precision(lookout::type::v1::DATE_PRECISION_DAY);
  event.set_event_type(kind.type);
  event.set_sub_event_type(kind.sub_event_type);

  lookout::event::v1::Participant* participant = event.add_participants();
  participant->set_actor_id(std::string(actor_id));
  participant->set_role(lookout::event::v1::PARTICIPANT_ROLE_PRIMARY);

  lookout::type::v1::Location* location = event.mutable_location();
  location->set_country_code(place.country);
  location->set_admin1(place.admin1);
  location->set_place(place.place);
  location->set_latitude(place.lat + static_cast<double>(index % 100) / 1000.0);
  location->set_longitude(place.lon - static_cast<double>(index % 100) / 1000.0);
  location->set_geo_precision(lookout::type::v1::GEO_PRECISION_NEAR);

  lookout::event::v1::Casualty* killed = event.add_casualties();
  killed->set_kind(lookout::event::v1::CASUALTY_KIND_KILLED);
  killed->mutable_count()->set_best(index % 13);
  killed->mutable_count()->set_qualifier(lookout::type::v1::QUALIFIER_EXACT);

  lookout::type::v1::Source* source = event.add_sources();
  source->set_name("Le Nouvelliste");
  source->set_url(absl::StrCat("https://lenouvelliste.example/article/", index));
  source->set_scale(lookout::type::v1::SOURCE_SCALE_NATIONAL);

  // About 200 bytes of notes, varied enough that the full-text index grows as real notes do.
  event.set_notes(absl::StrCat(
      "On this day armed men clashed with residents near ", place.place, " in ", place.admin1,
      "; local sources report ", index % 13, " killed and several injured. Row ", index,
      " of the benchmark set, tag ", kTags[index % 5], ", market and road traffic disrupted."));
  event.add_tags(kTags[index % 5]);
  if (index % 3 == 0) event.add_tags(kTags[(index + 1) % 5]);

  if (!external_id_tag.empty()) {
    lookout::type::v1::ExternalId* external_id = event.add_external_ids();
    external_id->set_scheme("BENCH");
    external_id->set_value(absl::StrCat(external_id_tag, "-", index));
  }
  return event;
}

}  // namespace lookout::bench
