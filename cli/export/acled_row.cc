// ACLED's export columns from an event (see source_rows.h).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/export/source_rows.h"
#include "cli/import/acled_codes.h"
#include "cli/import/country_names.h"
#include "common/country_codes.h"
#include "common/maritime_areas.h"

namespace lookout::cli {
namespace {

namespace ev = ::lookout::event::v1;

std::string TimePrecisionCode(type::v1::DatePrecision precision) {
  switch (precision) {
    case type::v1::DATE_PRECISION_DAY:
      return "1";
    case type::v1::DATE_PRECISION_WEEK:
      return "2";
    case type::v1::DATE_PRECISION_MONTH:
    case type::v1::DATE_PRECISION_YEAR:
      return "3";
    default:
      return "";
  }
}

std::string GeoPrecisionCode(type::v1::GeoPrecision precision) {
  switch (precision) {
    case type::v1::GEO_PRECISION_EXACT:
      return "1";
    case type::v1::GEO_PRECISION_NEAR:
      return "2";
    case type::v1::GEO_PRECISION_UNSPECIFIED:
      return "";
    default:
      return "3";
  }
}

std::string SourceScaleLabel(type::v1::SourceScale scale) {
  switch (scale) {
    case type::v1::SOURCE_SCALE_LOCAL:
      return "Local partner";
    case type::v1::SOURCE_SCALE_SUBNATIONAL:
      return "Subnational";
    case type::v1::SOURCE_SCALE_NATIONAL:
      return "National";
    case type::v1::SOURCE_SCALE_REGIONAL:
      return "Regional";
    case type::v1::SOURCE_SCALE_INTERNATIONAL:
      return "International";
    case type::v1::SOURCE_SCALE_NEW_MEDIA:
      return "New media";
    case type::v1::SOURCE_SCALE_OTHER:
      return "Other";
    default:
      return "";
  }
}

// An actor's ACLED code from the actor service's type, for events without ACLED attributes.
int InterCode(const ev::Participant* participant, const ActorFinder& actors) {
  if (participant == nullptr || !actors) return 0;
  const actor::v1::Actor* actor = actors(participant->actor_id());
  return actor == nullptr ? 0 : AcledActorCode(actor->type());
}

bool IsAcledType(ev::EventType type) {
  return type >= ev::EVENT_TYPE_BATTLES && type <= ev::EVENT_TYPE_STRATEGIC_DEVELOPMENTS;
}

}  // namespace

const char* const kAcledColumns[31] = {
    "event_id_cnty", "event_date",     "year",     "time_precision", "disorder_type",
    "event_type",    "sub_event_type", "actor1",   "assoc_actor_1",  "inter1",
    "actor2",        "assoc_actor_2",  "inter2",   "interaction",    "civilian_targeting",
    "iso",           "region",         "country",  "admin1",         "admin2",
    "admin3",        "location",       "latitude", "longitude",      "geo_precision",
    "source",        "source_scale",   "notes",    "fatalities",     "tags",
    "timestamp"};

std::optional<std::vector<std::string>> AcledRow(const ev::Event& event,
                                                 const ActorFinder& actors) {
  const bool own = event.has_acled();
  const ev::AcledAttributes& a = event.acled();
  std::string id = ExternalIdOf(event, "ACLED");
  if (id.empty()) id = event.id();

  // actor1 is the primary (or initiating) side, actor2 the secondary (or target) side; the
  // associated actors split where the ACLED row split them, else all go with actor1.
  const ev::Participant* actor1 =
      FirstParticipant(event, {ev::PARTICIPANT_ROLE_PRIMARY, ev::PARTICIPANT_ROLE_INITIATOR});
  const ev::Participant* actor2 =
      FirstParticipant(event, {ev::PARTICIPANT_ROLE_SECONDARY, ev::PARTICIPANT_ROLE_TARGET});
  std::vector<std::string> associated =
      ParticipantNames(event, ev::PARTICIPANT_ROLE_ASSOCIATED, actors);
  const size_t split =
      own ? std::min<size_t>(associated.size(), a.assoc_actor_1_count()) : associated.size();
  const std::vector<std::string> assoc1(associated.begin(), associated.begin() + split);
  const std::vector<std::string> assoc2(associated.begin() + split, associated.end());
  const int inter1 = own ? a.inter1() : InterCode(actor1, actors);
  const int inter2 = own ? a.inter2() : InterCode(actor2, actors);

  const type::v1::Location& location = event.location();
  std::string iso;
  if (std::optional<int> numeric = NumericFromIsoAlpha3(location.country_code())) {
    iso = absl::StrCat(*numeric);
  }
  // Where, in ACLED's columns: at sea its maritime hierarchy (country the basin, admin1 the
  // region, admin2 the body of water, admin3 the sub-basin; iso names no country and stays
  // empty). ACLED's own country text is kept while it still names the event's place, so an
  // imported row comes back as written ("mediterranean sea"); an event moved since gets the
  // name of its new place, and never a basin on land (which would read back as a sea event).
  const type::v1::MaritimeArea& sea = location.maritime();
  const bool at_sea = IsAtSea(event);
  const std::optional<std::string> own_basin = CanonicalMaritimeBasin(a.country());
  std::string country, admin1, admin2, admin3;
  if (at_sea) {
    country = own && own_basin == sea.basin() ? a.country() : sea.basin();
    admin1 = sea.region();
    admin2 = sea.body_of_water();
    admin3 = sea.sub_basin();
  } else {
    country = own && !own_basin.has_value() ? a.country()
                                            : CountryNameFromIsoAlpha3(location.country_code());
    admin1 = location.admin1();
    admin2 = location.admin2();
    admin3 = own_basin.has_value() ? "" : a.admin3();  // a sub-basin, from before the move
  }
  std::vector<std::string> sources;
  for (const auto& source : event.sources()) sources.push_back(source.name());
  std::string scale = a.source_scale();
  if (!own && event.sources_size() > 0) scale = SourceScaleLabel(event.sources(0).scale());

  std::string sub_event_type = event.sub_event_type();
  if (!IsAcledType(event.event_type())) sub_event_type = "Other";
  return std::vector<std::string>{
      id,
      event.event_date(),
      event.event_date().substr(0, 4),
      TimePrecisionCode(event.date_precision()),
      own ? a.disorder_type() : AcledDisorderType(event.event_type()),
      AcledEventTypeLabel(event.event_type()),
      sub_event_type,
      actor1 != nullptr ? ActorName(actor1->actor_id(), actors) : "",
      absl::StrJoin(assoc1, "; "),
      absl::StrCat(inter1),
      actor2 != nullptr ? ActorName(actor2->actor_id(), actors) : "",
      absl::StrJoin(assoc2, "; "),
      absl::StrCat(inter2),
      absl::StrCat(own ? a.interaction() : AcledInteraction(inter1, inter2)),
      event.civilian_targeting() ? "Civilian targeting" : "",
      iso,
      a.region(),
      country,
      admin1,
      admin2,
      admin3,
      location.place(),
      location.has_latitude() ? FormatNumber(location.latitude()) : "",
      location.has_longitude() ? FormatNumber(location.longitude()) : "",
      GeoPrecisionCode(location.geo_precision()),
      absl::StrJoin(sources, "; "),
      scale,
      event.notes(),
      absl::StrCat(event.fatalities()),
      absl::StrJoin(event.tags(), "; "),
      own ? absl::StrCat(a.timestamp()) : absl::StrCat(event.update_time().seconds()),
  };
}

}  // namespace lookout::cli
