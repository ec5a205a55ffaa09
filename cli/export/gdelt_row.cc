// GDELT 2.0's 61 event columns from an event (see source_rows.h).
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "cli/export/source_rows.h"
#include "cli/import/fips_countries.h"
#include "common/maritime_areas.h"

namespace lookout::cli {
namespace {

namespace ev = ::lookout::event::v1;

// The CAMEO root code that DOMAIN.md's mapping sends to each type, for events without GDELT
// attributes: one representative root per type.
std::string CameoRoot(ev::EventType type) {
  switch (type) {
    case ev::EVENT_TYPE_REQUEST:
      return "02";
    case ev::EVENT_TYPE_CONSULT:
      return "04";
    case ev::EVENT_TYPE_AGREE:
      return "05";
    case ev::EVENT_TYPE_AID:
      return "07";
    case ev::EVENT_TYPE_REJECT:
      return "12";
    case ev::EVENT_TYPE_PROTESTS:
    case ev::EVENT_TYPE_RIOTS:
      return "14";
    case ev::EVENT_TYPE_DEPLOY:
      return "15";
    case ev::EVENT_TYPE_STRATEGIC_DEVELOPMENTS:
    case ev::EVENT_TYPE_LEGAL_ACTION:
      return "17";
    case ev::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS:
      return "18";
    case ev::EVENT_TYPE_BATTLES:
    case ev::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE:
      return "19";
    default:
      return "";
  }
}

// CAMEO's quad classes by root code: 01-05 verbal cooperation, 06-08 material cooperation,
// 09-13 verbal conflict, 14-20 material conflict.
int QuadClassOf(const std::string& root) {
  int code = 0;
  for (char c : root) code = code * 10 + (c - '0');
  if (code < 1) return 0;
  if (code <= 5) return 1;
  if (code <= 8) return 2;
  if (code <= 13) return 3;
  return 4;
}

// GDELT's ActionGeo_Type for a precision: 1 country, 5 world state, 4 world city.
int GeoType(type::v1::GeoPrecision precision) {
  switch (precision) {
    case type::v1::GEO_PRECISION_COUNTRY:
    case type::v1::GEO_PRECISION_REGION:
      return 1;
    case type::v1::GEO_PRECISION_ADMIN1:
    case type::v1::GEO_PRECISION_ADMIN2:
      return 5;
    case type::v1::GEO_PRECISION_EXACT:
    case type::v1::GEO_PRECISION_NEAR:
      return 4;
    default:
      return 0;
  }
}

// A TSV field cannot hold a tab or a line break: GDELT has none, a hand-entered event might.
std::string Clean(absl::string_view value) {
  return absl::StrReplaceAll(value, {{"\t", " "}, {"\r", " "}, {"\n", " "}});
}

void AppendActor(const ev::GdeltActor& actor, const std::string& name,
                 std::vector<std::string>* row) {
  row->push_back(actor.code());
  row->push_back(name);
  for (const std::string* code :
       {&actor.country_code(), &actor.known_group_code(), &actor.ethnic_code(),
        &actor.religion1_code(), &actor.religion2_code(), &actor.type1_code(), &actor.type2_code(),
        &actor.type3_code()}) {
    row->push_back(*code);
  }
}

void AppendGeo(const ev::GdeltGeo& geo, std::optional<double> latitude,
               std::optional<double> longitude, std::vector<std::string>* row) {
  row->push_back(absl::StrCat(geo.type()));
  row->push_back(geo.full_name());
  row->push_back(geo.country_code());
  row->push_back(geo.adm1_code());
  row->push_back(geo.adm2_code());
  row->push_back(latitude ? FormatNumber(*latitude) : "");
  row->push_back(longitude ? FormatNumber(*longitude) : "");
  row->push_back(geo.feature_id());
}

std::optional<double> Latitude(const ev::GdeltGeo& geo) {
  return geo.has_latitude() ? std::optional<double>(geo.latitude()) : std::nullopt;
}
std::optional<double> Longitude(const ev::GdeltGeo& geo) {
  return geo.has_longitude() ? std::optional<double>(geo.longitude()) : std::nullopt;
}

// The sea an ocean feature's name gives the GDELT importer: the first part of the full name
// ("Gulf Of Aden, Oceans (general), Oceans"), looked up in common/maritime_areas.
std::optional<NamedWater> SeaOf(const ev::GdeltGeo& geo) {
  if (geo.country_code() != "OS") return std::nullopt;
  const std::vector<absl::string_view> parts = absl::StrSplit(geo.full_name(), ',');
  return LookUpNamedWater(parts[0]);
}

// Whether GDELT's own ocean feature still reads back as the event's sea.
bool SameSea(const ev::GdeltGeo& geo, const type::v1::MaritimeArea& sea) {
  std::optional<NamedWater> named = SeaOf(geo);
  return named && named->basin == sea.basin() &&
         absl::AsciiStrToLower(named->body_of_water) == absl::AsciiStrToLower(sea.body_of_water());
}

// GDELT's ocean feature for a sea: named by the body of water when the importer's table knows
// it within the same basin (else the name would read back as another basin), otherwise by the
// basin. The format holds no region or sub-basin. Type 4 and ADM1 "OS00" as GDELT writes its
// ocean features; no feature id (GDELT's are its gazetteer's).
ev::GdeltGeo OceanFeature(const type::v1::MaritimeArea& sea) {
  std::string name = sea.basin();
  if (std::optional<NamedWater> water = LookUpNamedWater(sea.body_of_water());
      water && water->basin == sea.basin() && !water->body_of_water.empty()) {
    name = water->body_of_water;
  }
  ev::GdeltGeo geo;
  geo.set_type(4);
  geo.set_full_name(absl::StrCat(name, ", Oceans (general), Oceans"));
  geo.set_country_code("OS");
  geo.set_adm1_code("OS00");
  return geo;
}

}  // namespace

std::optional<std::vector<std::string>> GdeltRow(const ev::Event& event,
                                                 const ActorFinder& actors) {
  const bool own = event.has_gdelt();
  ev::GdeltAttributes a = event.gdelt();
  const type::v1::Location& location = event.location();
  const std::string& date = event.event_date();  // YYYY-MM-DD, validated by the service
  std::string id = ExternalIdOf(event, "GDELT");
  if (id.empty()) id = event.id();

  if (!own) {
    // What a mapping gives for an event GDELT did not code.
    const int year = std::stoi(date.substr(0, 4));
    const int month = std::stoi(date.substr(5, 2));
    const int day = std::stoi(date.substr(8, 2));
    a.set_year(year);
    a.set_month_year(year * 100 + month);
    const absl::CivilDay civil(year, month, day);
    a.set_fraction_date(std::round((year + (absl::GetYearDay(civil) - 1) / 365.0) * 10000) / 10000);
    a.set_event_root_code(CameoRoot(event.event_type()));
    a.set_event_base_code(a.event_root_code());
    a.set_event_code(a.event_root_code());
    a.set_quad_class(QuadClassOf(a.event_root_code()));
    a.set_num_sources(event.sources_size());
    a.set_num_articles(event.sources_size());
    a.set_num_mentions(event.sources_size());
    a.mutable_action_geo()->set_type(GeoType(location.geo_precision()));
    std::vector<std::string> parts;
    for (const std::string* part : {&location.place(), &location.admin1()}) {
      if (!part->empty()) parts.push_back(*part);
    }
    a.mutable_action_geo()->set_full_name(absl::StrJoin(parts, ", "));
    if (event.sources_size() > 0 && !event.sources(0).published_date().empty()) {
      std::string added = absl::StrReplaceAll(event.sources(0).published_date(), {{"-", ""}});
      a.set_date_added(std::stoll(added + "000000"));
    }
  }
  // The FIPS code GDELT wrote, while it still names the event's country; else the country's
  // first FIPS code (a changed country, or an event GDELT did not code). At sea, GDELT's ocean
  // feature: kept while it still names the event's sea, else written for it.
  std::string fips = a.action_geo().country_code();
  if (IsAtSea(event)) {
    fips = "OS";
    if (!SameSea(a.action_geo(), location.maritime())) {
      *a.mutable_action_geo() = OceanFeature(location.maritime());
    }
  } else if (fips.empty() || IsoAlpha3FromFips(fips) != location.country_code()) {
    fips = FipsFromIsoAlpha3(location.country_code()).value_or("");
  }
  const ev::Participant* actor1 =
      FirstParticipant(event, {ev::PARTICIPANT_ROLE_INITIATOR, ev::PARTICIPANT_ROLE_PRIMARY});
  const ev::Participant* actor2 =
      FirstParticipant(event, {ev::PARTICIPANT_ROLE_TARGET, ev::PARTICIPANT_ROLE_SECONDARY});
  std::string url;
  for (const auto& source : event.sources()) {
    if (!source.url().empty()) {
      url = source.url();
      break;
    }
  }

  std::vector<std::string> row;
  row.reserve(61);
  row.push_back(id);
  row.push_back(absl::StrReplaceAll(date, {{"-", ""}}));
  row.push_back(absl::StrCat(a.month_year()));
  row.push_back(absl::StrCat(a.year()));
  row.push_back(absl::StrFormat("%.4f", a.fraction_date()));
  AppendActor(a.actor1(), actor1 != nullptr ? ActorName(actor1->actor_id(), actors) : "", &row);
  AppendActor(a.actor2(), actor2 != nullptr ? ActorName(actor2->actor_id(), actors) : "", &row);
  row.push_back(a.is_root_event() ? "1" : "0");
  row.push_back(a.event_code());
  row.push_back(a.event_base_code());
  row.push_back(a.event_root_code());
  row.push_back(absl::StrCat(a.quad_class()));
  row.push_back(own ? FormatNumber(a.goldstein_scale()) : "");
  row.push_back(absl::StrCat(a.num_mentions()));
  row.push_back(absl::StrCat(a.num_sources()));
  row.push_back(absl::StrCat(a.num_articles()));
  row.push_back(own ? FormatNumber(a.avg_tone()) : "");
  AppendGeo(a.actor1_geo(), Latitude(a.actor1_geo()), Longitude(a.actor1_geo()), &row);
  AppendGeo(a.actor2_geo(), Latitude(a.actor2_geo()), Longitude(a.actor2_geo()), &row);
  ev::GdeltGeo action = a.action_geo();
  action.set_country_code(fips);
  AppendGeo(
      action, location.has_latitude() ? std::optional<double>(location.latitude()) : std::nullopt,
      location.has_longitude() ? std::optional<double>(location.longitude()) : std::nullopt, &row);
  row.push_back(a.date_added() == 0 ? "" : absl::StrCat(a.date_added()));
  row.push_back(url);
  for (std::string& field : row) field = Clean(field);
  return row;
}

}  // namespace lookout::cli
