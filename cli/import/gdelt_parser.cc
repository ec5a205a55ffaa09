#include "cli/import/gdelt_parser.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/import/cameo.h"
#include "cli/import/fips_countries.h"
#include "cli/import/row_checks.h"
#include "cli/import/text_fields.h"
#include "common/country_codes.h"
#include "common/errors.h"
#include "common/maritime_areas.h"
#include "common/status_macros.h"

namespace lookout::cli {
namespace {

using ::lookout::actor::v1::ActorType;
using ::lookout::event::v1::Event;
using Fields = std::vector<std::string>;

constexpr const char* kColumnNames[kGdeltColumnCount] = {"GLOBALEVENTID",
                                                         "SQLDATE",
                                                         "MonthYear",
                                                         "Year",
                                                         "FractionDate",
                                                         "Actor1Code",
                                                         "Actor1Name",
                                                         "Actor1CountryCode",
                                                         "Actor1KnownGroupCode",
                                                         "Actor1EthnicCode",
                                                         "Actor1Religion1Code",
                                                         "Actor1Religion2Code",
                                                         "Actor1Type1Code",
                                                         "Actor1Type2Code",
                                                         "Actor1Type3Code",
                                                         "Actor2Code",
                                                         "Actor2Name",
                                                         "Actor2CountryCode",
                                                         "Actor2KnownGroupCode",
                                                         "Actor2EthnicCode",
                                                         "Actor2Religion1Code",
                                                         "Actor2Religion2Code",
                                                         "Actor2Type1Code",
                                                         "Actor2Type2Code",
                                                         "Actor2Type3Code",
                                                         "IsRootEvent",
                                                         "EventCode",
                                                         "EventBaseCode",
                                                         "EventRootCode",
                                                         "QuadClass",
                                                         "GoldsteinScale",
                                                         "NumMentions",
                                                         "NumSources",
                                                         "NumArticles",
                                                         "AvgTone",
                                                         "Actor1Geo_Type",
                                                         "Actor1Geo_FullName",
                                                         "Actor1Geo_CountryCode",
                                                         "Actor1Geo_ADM1Code",
                                                         "Actor1Geo_ADM2Code",
                                                         "Actor1Geo_Lat",
                                                         "Actor1Geo_Long",
                                                         "Actor1Geo_FeatureID",
                                                         "Actor2Geo_Type",
                                                         "Actor2Geo_FullName",
                                                         "Actor2Geo_CountryCode",
                                                         "Actor2Geo_ADM1Code",
                                                         "Actor2Geo_ADM2Code",
                                                         "Actor2Geo_Lat",
                                                         "Actor2Geo_Long",
                                                         "Actor2Geo_FeatureID",
                                                         "ActionGeo_Type",
                                                         "ActionGeo_FullName",
                                                         "ActionGeo_CountryCode",
                                                         "ActionGeo_ADM1Code",
                                                         "ActionGeo_ADM2Code",
                                                         "ActionGeo_Lat",
                                                         "ActionGeo_Long",
                                                         "ActionGeo_FeatureID",
                                                         "DATEADDED",
                                                         "SOURCEURL"};

enum Column {
  kGlobalEventId = 0,
  kSqlDate = 1,
  kMonthYear = 2,
  kYear = 3,
  kFractionDate = 4,
  kActor1Code = 5,
  kActor1Name = 6,
  kActor1Country = 7,
  kActor1Type = 12,
  kActor2Code = 15,
  kActor2Name = 16,
  kActor2Country = 17,
  kActor2Type = 22,
  kIsRootEvent = 25,
  kEventCode = 26,
  kEventBaseCode = 27,
  kEventRootCode = 28,
  kQuadClass = 29,
  kGoldstein = 30,
  kNumMentions = 31,
  kNumSources = 32,
  kNumArticles = 33,
  kAvgTone = 34,
  kActor1GeoType = 35,
  kActor2GeoType = 43,
  kActionGeoType = 51,
  kActionGeoFullName = 52,
  kActionGeoCountry = 53,
  kActionGeoLat = 56,
  kActionGeoLong = 57,
  kDateAdded = 59,
  kSourceUrl = 60,
};

// CAMEO actor type codes; GDELT leaves most rows without one.
ActorType ActorTypeFromCameo(absl::string_view type_code, absl::string_view actor_code) {
  struct Entry {
    const char* code;
    ActorType type;
  };
  static constexpr Entry kTypes[] = {
      {"COP", actor::v1::ACTOR_TYPE_STATE_FORCES},
      {"MIL", actor::v1::ACTOR_TYPE_STATE_FORCES},
      {"SPY", actor::v1::ACTOR_TYPE_STATE_FORCES},
      {"GOV", actor::v1::ACTOR_TYPE_GOVERNMENT},
      {"JUD", actor::v1::ACTOR_TYPE_JUDICIARY},
      {"LEG", actor::v1::ACTOR_TYPE_LEGISLATURE},
      {"REB", actor::v1::ACTOR_TYPE_REBEL_GROUP},
      {"INS", actor::v1::ACTOR_TYPE_REBEL_GROUP},
      {"SEP", actor::v1::ACTOR_TYPE_REBEL_GROUP},
      {"UAF", actor::v1::ACTOR_TYPE_POLITICAL_MILITIA},
      {"CVL", actor::v1::ACTOR_TYPE_CIVILIANS},
      {"MED", actor::v1::ACTOR_TYPE_MEDIA},
      {"NGO", actor::v1::ACTOR_TYPE_NGO},
      {"IGO", actor::v1::ACTOR_TYPE_INTERGOVERNMENTAL_ORGANIZATION},
      {"CRM", actor::v1::ACTOR_TYPE_CRIMINAL_GROUP},
  };
  for (const Entry& entry : kTypes) {
    if (type_code == entry.code) return entry.type;
  }
  // Without a type code, the actor code may still say it is an IGO or NGO ("IGOEUREEC").
  if (type_code.empty()) {
    if (absl::StartsWith(actor_code, "IGO")) {
      return actor::v1::ACTOR_TYPE_INTERGOVERNMENTAL_ORGANIZATION;
    }
    if (absl::StartsWith(actor_code, "NGO")) return actor::v1::ACTOR_TYPE_NGO;
  }
  return actor::v1::ACTOR_TYPE_OTHER;
}

// "https://www.example.com/a/b" -> "example.com".
std::string HostOf(absl::string_view url) {
  size_t start = url.find("://");
  start = start == absl::string_view::npos ? 0 : start + 3;
  absl::string_view host = url.substr(start);
  host = host.substr(0, host.find_first_of("/?#:"));
  if (absl::StartsWithIgnoreCase(host, "www.")) host.remove_prefix(4);
  // Not a host name when it holds spaces or control characters (a mangled URL): the caller then
  // names the source "GDELT" instead of a blank or unreadable name.
  for (char c : host) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return "";
  }
  return absl::AsciiStrToLower(host);
}

absl::StatusOr<double> ParseNumber(int column, absl::string_view value) {
  double parsed = 0;
  if (!absl::SimpleAtod(value, &parsed) || !std::isfinite(parsed)) {
    return errors::InvalidField(kColumnNames[column],
                                absl::StrCat("must be a number, got ", Quote(value)));
  }
  return parsed;
}

absl::StatusOr<int64_t> ParseWhole(int column, absl::string_view value) {
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed)) {
    return errors::InvalidField(kColumnNames[column],
                                absl::StrCat("must be a whole number, got ", Quote(value)));
  }
  return parsed;
}

// Reads `column` as a number within [min, max]; empty leaves *out as it is.
template <typename T>
absl::Status ReadNumber(const Fields& fields, int column, double min, double max, T* out) {
  const absl::string_view value = TrimField(fields[column]);
  if (value.empty()) return absl::OkStatus();
  double parsed = 0;
  if constexpr (std::is_integral_v<T>) {
    LOOKOUT_ASSIGN_OR_RETURN(int64_t whole, ParseWhole(column, value));
    parsed = static_cast<double>(whole);
  } else {
    LOOKOUT_ASSIGN_OR_RETURN(parsed, ParseNumber(column, value));
  }
  if (min == 0 && parsed < 0) {
    return errors::InvalidField(kColumnNames[column],
                                absl::StrCat("must not be negative, got ", Quote(value)));
  }
  if (parsed < min || parsed > max) {
    return errors::InvalidField(kColumnNames[column], absl::StrCat("must be between ", min, " and ",
                                                                   max, ", got ", Quote(value)));
  }
  *out = static_cast<T>(parsed);
  return absl::OkStatus();
}

absl::Status ReadText(const Fields& fields, int column, std::string* out) {
  const absl::string_view value = TrimField(fields[column]);
  LOOKOUT_RETURN_IF_ERROR(CheckLength(kColumnNames[column], value, kMaxNameBytes));
  *out = std::string(value);
  return absl::OkStatus();
}

// Actor1Code .. Actor1Type3Code (nine columns from `first`, Actor1Name skipped).
absl::Status FillActor(const Fields& fields, int first, event::v1::GdeltActor* actor) {
  std::string* targets[] = {actor->mutable_code(),           nullptr,
                            actor->mutable_country_code(),   actor->mutable_known_group_code(),
                            actor->mutable_ethnic_code(),    actor->mutable_religion1_code(),
                            actor->mutable_religion2_code(), actor->mutable_type1_code(),
                            actor->mutable_type2_code(),     actor->mutable_type3_code()};
  for (int i = 0; i < 10; ++i) {
    if (targets[i] != nullptr) LOOKOUT_RETURN_IF_ERROR(ReadText(fields, first + i, targets[i]));
  }
  return absl::OkStatus();
}

// Type, FullName, CountryCode, ADM1Code, ADM2Code, Lat, Long, FeatureID from `first`. ActionGeo's
// point is the event's location and is not copied (`with_point` false).
absl::Status FillGeo(const Fields& fields, int first, bool with_point, event::v1::GdeltGeo* geo) {
  int32_t type = 0;
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, first, 0, 5, &type));
  geo->set_type(type);
  LOOKOUT_RETURN_IF_ERROR(ReadText(fields, first + 1, geo->mutable_full_name()));
  LOOKOUT_RETURN_IF_ERROR(ReadText(fields, first + 2, geo->mutable_country_code()));
  LOOKOUT_RETURN_IF_ERROR(ReadText(fields, first + 3, geo->mutable_adm1_code()));
  LOOKOUT_RETURN_IF_ERROR(ReadText(fields, first + 4, geo->mutable_adm2_code()));
  if (with_point) {
    if (!TrimField(fields[first + 5]).empty()) {
      double latitude = 0;
      LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, first + 5, -90, 90, &latitude));
      geo->set_latitude(latitude);
    }
    if (!TrimField(fields[first + 6]).empty()) {
      double longitude = 0;
      LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, first + 6, -180, 180, &longitude));
      geo->set_longitude(longitude);
    }
  }
  return ReadText(fields, first + 7, geo->mutable_feature_id());
}

absl::Status FillGdeltAttributes(const Fields& fields, event::v1::GdeltAttributes* gdelt) {
  int32_t month_year = 0, year = 0, quad_class = 0, mentions = 0, sources = 0, articles = 0;
  double fraction = 0, goldstein = 0, tone = 0;
  int64_t date_added = 0;
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kMonthYear, 0, 999912, &month_year));
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kYear, 0, 9999, &year));
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kFractionDate, 0, 10000, &fraction));
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kQuadClass, 1, 4, &quad_class));
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kGoldstein, -10, 10, &goldstein));
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kNumMentions, 0, 2147483647, &mentions));
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kNumSources, 0, 2147483647, &sources));
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kNumArticles, 0, 2147483647, &articles));
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kAvgTone, -100, 100, &tone));
  LOOKOUT_RETURN_IF_ERROR(ReadNumber(fields, kDateAdded, 0, 99991231235959, &date_added));
  gdelt->set_month_year(month_year);
  gdelt->set_year(year);
  gdelt->set_fraction_date(fraction);
  gdelt->set_quad_class(quad_class);
  gdelt->set_goldstein_scale(goldstein);
  gdelt->set_num_mentions(mentions);
  gdelt->set_num_sources(sources);
  gdelt->set_num_articles(articles);
  gdelt->set_avg_tone(tone);
  gdelt->set_date_added(date_added);
  LOOKOUT_RETURN_IF_ERROR(FillActor(fields, kActor1Code, gdelt->mutable_actor1()));
  LOOKOUT_RETURN_IF_ERROR(FillActor(fields, kActor2Code, gdelt->mutable_actor2()));
  const absl::string_view is_root = TrimField(fields[kIsRootEvent]);
  if (!is_root.empty() && is_root != "0" && is_root != "1") {
    return errors::InvalidField("IsRootEvent",
                                absl::StrCat("must be 0 or 1, got ", Quote(is_root)));
  }
  gdelt->set_is_root_event(is_root == "1");
  LOOKOUT_RETURN_IF_ERROR(ReadText(fields, kEventCode, gdelt->mutable_event_code()));
  LOOKOUT_RETURN_IF_ERROR(ReadText(fields, kEventBaseCode, gdelt->mutable_event_base_code()));
  LOOKOUT_RETURN_IF_ERROR(ReadText(fields, kEventRootCode, gdelt->mutable_event_root_code()));
  LOOKOUT_RETURN_IF_ERROR(FillGeo(fields, kActor1GeoType, true, gdelt->mutable_actor1_geo()));
  LOOKOUT_RETURN_IF_ERROR(FillGeo(fields, kActor2GeoType, true, gdelt->mutable_actor2_geo()));
  return FillGeo(fields, kActionGeoType, false, gdelt->mutable_action_geo());
}

}  // namespace

const char* GdeltColumnName(size_t index) {
  return index < kGdeltColumnCount ? kColumnNames[index] : "";
}

absl::StatusOr<ParsedRow> ParseGdeltRow(const Fields& fields) {
  if (fields.size() != kGdeltColumnCount) {
    return errors::InvalidField(
        "record", absl::StrCat("has ", fields.size(), " tab-separated fields where a GDELT 2.0 ",
                               "export row has ", kGdeltColumnCount));
  }
  static const std::vector<std::string>* names =
      new std::vector<std::string>(std::begin(kColumnNames), std::end(kColumnNames));
  LOOKOUT_RETURN_IF_ERROR(CheckUtf8(fields, *names));
  auto col = [&](Column c) { return TrimField(fields[c]); };

  ParsedRow row;
  Event& event = row.event;

  const absl::string_view id = col(kGlobalEventId);
  uint64_t numeric_id = 0;
  if (!absl::SimpleAtoi(id, &numeric_id)) {
    return errors::InvalidField("GLOBALEVENTID",
                                absl::StrCat("must be a whole number, got ", Quote(id)));
  }
  auto* external_id = event.add_external_ids();
  external_id->set_scheme("GDELT");
  external_id->set_value(std::string(id));

  LOOKOUT_ASSIGN_OR_RETURN(std::string date, ParseCompactDate("SQLDATE", col(kSqlDate)));
  event.set_event_date(date);
  event.set_date_precision(type::v1::DATE_PRECISION_DAY);
  if (!col(kYear).empty() && col(kYear) != absl::string_view(date).substr(0, 4)) {
    return errors::InvalidField(
        "Year", absl::StrCat(Quote(col(kYear)), " does not match SQLDATE ", col(kSqlDate)));
  }

  // What happened: the root code decides the type, the full code refines the sub-type.
  const absl::string_view root = col(kEventRootCode);
  const absl::string_view code = col(kEventCode);
  std::optional<CameoMapping> mapping = MapCameo(root, code);
  if (!mapping) {
    return errors::InvalidField(
        "EventRootCode",
        absl::StrCat("must be a CAMEO root code 01-20 with its leading zero, got ", Quote(root)));
  }
  if (!code.empty() && (code.size() < 2 || code.size() > 4 ||
                        !std::all_of(code.begin(), code.end(), absl::ascii_isdigit))) {
    return errors::InvalidField(
        "EventCode", absl::StrCat("must be a CAMEO code of 2-4 digits, got ", Quote(code)));
  }
  if (!code.empty() && !absl::StartsWith(code, root)) {
    return errors::InvalidField(
        "EventCode", absl::StrCat(Quote(code), " does not start with EventRootCode ", Quote(root)));
  }
  event.set_event_type(mapping->type);
  event.set_sub_event_type(mapping->sub_event_type);

  // Where: FIPS 10-4, converted; a row GDELT could not place has no country to file it under.
  // "OS" (oceans) is no country: such a row is an event at sea.
  const absl::string_view fips = col(kActionGeoCountry);
  if (fips.empty()) {
    return errors::InvalidField("ActionGeo_CountryCode",
                                "is empty (GDELT could not place the event in a country)");
  }
  auto* location = event.mutable_location();
  const std::vector<std::string> place_parts = SplitList(col(kActionGeoFullName), ',');
  if (fips == "OS") {
    // GDELT's ocean features ("Black Sea, Oceans (general), Oceans"): the first part names the
    // sea, which gives the maritime basin and, below a basin, the body of water.
    const std::string name = place_parts.empty() ? "" : place_parts[0];
    std::optional<NamedWater> water = LookUpNamedWater(name);
    if (!water) {
      return errors::InvalidField(
          "ActionGeo_FullName",
          absl::StrCat(Quote(name), " is an ocean feature (FIPS \"OS\") that is neither a "
                                    "maritime basin nor a body of water Lookout knows"));
    }
    auto* sea = location->mutable_maritime();
    sea->set_basin(water->basin);
    sea->set_body_of_water(water->body_of_water);
    location->set_place(name);
    location->set_geo_precision(type::v1::GEO_PRECISION_REGION);
  } else {
    std::optional<std::string> country = IsoAlpha3FromFips(fips);
    if (!country) {
      return errors::InvalidField("ActionGeo_CountryCode",
                                  absl::StrCat(Quote(fips),
                                               " is not a FIPS 10-4 country code with an ISO "
                                               "3166 equivalent"));
    }
    location->set_country_code(*country);
    const absl::string_view geo_type = col(kActionGeoType);
    if (geo_type == "1") {
      location->set_geo_precision(type::v1::GEO_PRECISION_COUNTRY);
    } else if (geo_type == "2" || geo_type == "5") {
      location->set_geo_precision(type::v1::GEO_PRECISION_ADMIN1);
      if (!place_parts.empty()) location->set_admin1(place_parts[0]);
    } else if (geo_type == "3" || geo_type == "4") {
      location->set_geo_precision(type::v1::GEO_PRECISION_NEAR);
      if (!place_parts.empty()) location->set_place(place_parts[0]);
      if (place_parts.size() >= 3) location->set_admin1(place_parts[1]);
    } else if (!geo_type.empty() && geo_type != "0") {
      return errors::InvalidField("ActionGeo_Type",
                                  absl::StrCat("must be a code 0-5, got ", Quote(geo_type)));
    }
  }
  LOOKOUT_RETURN_IF_ERROR(CheckLength("ActionGeo_FullName", location->place(), kMaxNameBytes));
  LOOKOUT_RETURN_IF_ERROR(CheckLength("ActionGeo_FullName", location->admin1(), kMaxNameBytes));
  LOOKOUT_RETURN_IF_ERROR(
      SetPoint("ActionGeo_Lat", col(kActionGeoLat), "ActionGeo_Long", col(kActionGeoLong), location));

  // Who: the initiator and the target, typed by CAMEO's actor type codes.
  auto add_actor = [&](Column name_column, Column code_column, Column country_column,
                       Column type_column, event::v1::ParticipantRole role) -> absl::Status {
    const absl::string_view name = col(name_column);
    if (name.empty()) return absl::OkStatus();
    LOOKOUT_RETURN_IF_ERROR(CheckLength(kColumnNames[name_column], name, kMaxNameBytes));
    ActorRef ref;
    ref.name = std::string(name);
    ref.type = ActorTypeFromCameo(col(type_column), col(code_column));
    // CAMEO country codes are ISO-like but include regions ("EUR", "AFR"): keep only ISO.
    if (IsIsoAlpha3(col(country_column))) ref.country_code = std::string(col(country_column));
    ref.role = role;
    row.actors.push_back(std::move(ref));
    return absl::OkStatus();
  };
  LOOKOUT_RETURN_IF_ERROR(add_actor(kActor1Name, kActor1Code, kActor1Country, kActor1Type,
                                    event::v1::PARTICIPANT_ROLE_INITIATOR));
  LOOKOUT_RETURN_IF_ERROR(add_actor(kActor2Name, kActor2Code, kActor2Country, kActor2Type,
                                    event::v1::PARTICIPANT_ROLE_TARGET));

  // The article: its address, its site as the source name, the day GDELT added it.
  const absl::string_view url = col(kSourceUrl);
  LOOKOUT_RETURN_IF_ERROR(CheckLength("SOURCEURL", url, kMaxUrlBytes));
  const absl::string_view added = col(kDateAdded);
  std::string published;
  if (!added.empty()) {
    if (added.size() != 14 || !std::all_of(added.begin(), added.end(), absl::ascii_isdigit)) {
      return errors::InvalidField(
          "DATEADDED", absl::StrCat("must be written YYYYMMDDHHMMSS, got ", Quote(added)));
    }
    LOOKOUT_ASSIGN_OR_RETURN(published, ParseCompactDate("DATEADDED", added.substr(0, 8)));
  }
  if (!url.empty()) {
    auto* source = event.add_sources();
    std::string host = HostOf(url);
    source->set_name(host.empty() ? "GDELT" : TruncateUtf8(host, kMaxNameBytes));
    source->set_url(std::string(url));
    source->set_published_date(published);
    source->set_scale(type::v1::SOURCE_SCALE_NEW_MEDIA);
  }

  // The machine coding itself: typed in the event's GDELT attributes (filterable), with a
  // short note for reading and tags for the older tag filters.
  LOOKOUT_RETURN_IF_ERROR(FillGdeltAttributes(fields, event.mutable_gdelt()));
  event.set_notes(absl::StrCat("Machine-coded by GDELT from news reports: CAMEO ",
                               code.empty() ? root : code, "."));
  event.add_tags("machine-coded");
  event.add_tags(absl::StrCat("cameo:", code.empty() ? root : code));
  if (event.gdelt().is_root_event()) event.add_tags("root-event");
  return row;
}

}  // namespace lookout::cli
