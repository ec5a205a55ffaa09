#include "cli/import/acled_parser.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/import/acled_codes.h"
#include "cli/import/country_names.h"
#include "cli/import/row_checks.h"
#include "cli/import/taxonomy_labels.h"
#include "cli/import/text_fields.h"
#include "common/country_codes.h"
#include "common/errors.h"
#include "common/maritime_areas.h"
#include "common/status_macros.h"

namespace lookout::cli {
namespace {

using ::lookout::actor::v1::ActorType;
using ::lookout::event::v1::Event;
using ::lookout::event::v1::ParticipantRole;
using Fields = std::vector<std::string>;

constexpr const char* kColumnNames[AcledParser::kColumnCount] = {
    "event_id_cnty", "event_date",     "year",         "time_precision", "disorder_type",
    "event_type",    "sub_event_type", "actor1",       "assoc_actor_1",  "inter1",
    "actor2",        "assoc_actor_2",  "inter2",       "interaction",    "civilian_targeting",
    "iso",           "iso3",           "region",       "country",        "admin1",
    "admin2",        "admin3",         "location",     "latitude",       "longitude",
    "geo_precision", "source",         "source_scale", "notes",          "fatalities",
    "tags",          "timestamp"};

// Names older ACLED versions used for the same columns.
constexpr std::pair<const char*, int> kColumnAliases[] = {
    {"ally_actor_1", AcledParser::kAssocActor1},
    {"ally_actor_2", AcledParser::kAssocActor2},
    {"event_id", AcledParser::kEventIdCnty},
};

constexpr int kRequiredColumns[] = {AcledParser::kEventIdCnty, AcledParser::kEventDate,
                                    AcledParser::kEventType, AcledParser::kActor1};

constexpr const char* kMonths[] = {"january",   "february", "march",    "april",
                                   "may",       "june",     "july",     "august",
                                   "september", "october",  "november", "december"};

absl::StatusOr<std::string> ParseAcledDate(absl::string_view value) {
  value = TrimField(value);
  if (value.empty()) return errors::InvalidField("event_date", "is empty (expected YYYY-MM-DD)");
  if (value.size() == 10 && value[4] == '-') return ParseIsoDate("event_date", value);
  // Older exports write "15 January 2024" (or "15-Jan-2024").
  std::vector<absl::string_view> parts =
      absl::StrSplit(value, absl::ByAnyChar(" -/"), absl::SkipEmpty());
  int day = 0, year = 0, month = 0;
  if (parts.size() == 3 && absl::SimpleAtoi(parts[0], &day) && parts[2].size() == 4 &&
      absl::SimpleAtoi(parts[2], &year) && parts[1].size() >= 3) {
    const std::string name = absl::AsciiStrToLower(parts[1]);
    for (int m = 0; m < 12; ++m) {
      const absl::string_view full = kMonths[m];
      if (name == full || (name.size() == 3 && full.substr(0, 3) == name)) month = m + 1;
    }
  }
  if (month == 0 || day < 1 || day > 31) {
    return errors::InvalidField(
        "event_date",
        absl::StrCat("must be a date written YYYY-MM-DD (or \"15 January 2024\"), got ",
                     Quote(value)));
  }
  return ParseIsoDate("event_date", absl::StrFormat("%04d-%02d-%02d", year, month, day));
}

absl::StatusOr<lookout::type::v1::DatePrecision> ParseTimePrecision(absl::string_view value) {
  if (value.empty()) return type::v1::DATE_PRECISION_UNSPECIFIED;
  if (value == "1") return type::v1::DATE_PRECISION_DAY;
  if (value == "2") return type::v1::DATE_PRECISION_WEEK;
  if (value == "3") return type::v1::DATE_PRECISION_MONTH;
  return errors::InvalidField(
      "time_precision", absl::StrCat("must be 1 (day), 2 (week) or 3 (month), got ", Quote(value)));
}

absl::StatusOr<lookout::type::v1::GeoPrecision> ParseGeoPrecision(absl::string_view value) {
  if (value.empty()) return type::v1::GEO_PRECISION_UNSPECIFIED;
  if (value == "1") return type::v1::GEO_PRECISION_EXACT;
  if (value == "2") return type::v1::GEO_PRECISION_NEAR;
  if (value == "3") return type::v1::GEO_PRECISION_ADMIN1;
  return errors::InvalidField(
      "geo_precision",
      absl::StrCat("must be 1 (exact), 2 (near) or 3 (region), got ", Quote(value)));
}

absl::StatusOr<bool> ParseCivilianTargeting(absl::string_view value) {
  const std::string label = NormalizeLabel(value);
  if (label.empty() || label == "no" || label == "false" || label == "0") return false;
  if (label.find("civilian") != std::string::npos || label == "yes" || label == "true" ||
      label == "1") {
    return true;
  }
  return errors::InvalidField(
      "civilian_targeting",
      absl::StrCat("must be \"Civilian targeting\" or empty, got ", Quote(value)));
}

}  // namespace

const char* AcledParser::ColumnName(Column column) { return kColumnNames[column]; }

absl::StatusOr<AcledParser> AcledParser::FromHeader(const Fields& header) {
  LOOKOUT_ASSIGN_OR_RETURN(HeaderIndex columns,
                           HeaderIndex::Build(header, kColumnNames, kColumnAliases));
  LOOKOUT_RETURN_IF_ERROR(columns.Require(kRequiredColumns, "an ACLED export"));
  if (!columns.has(kIso) && !columns.has(kIso3) && !columns.has(kCountry)) {
    return errors::InvalidField("header", "none of the columns iso, iso3 or country is present");
  }
  return AcledParser(std::move(columns));
}

absl::StatusOr<ParsedRow> AcledParser::Parse(const Fields& fields) const {
  LOOKOUT_RETURN_IF_ERROR(columns_.CheckWidth(fields));
  LOOKOUT_RETURN_IF_ERROR(CheckUtf8(fields, columns_.field_names()));
  auto col = [&](Column c) { return columns_.Get(fields, c); };

  ParsedRow row;
  Event& event = row.event;

  const absl::string_view id = col(kEventIdCnty);
  if (id.empty()) return errors::InvalidField("event_id_cnty", "is empty (every row needs an id)");
  LOOKOUT_RETURN_IF_ERROR(CheckLength("event_id_cnty", id, kMaxNameBytes));
  auto* external_id = event.add_external_ids();
  external_id->set_scheme("ACLED");
  external_id->set_value(std::string(id));

  LOOKOUT_ASSIGN_OR_RETURN(std::string date, ParseAcledDate(col(kEventDate)));
  event.set_event_date(date);
  if (!col(kYear).empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(int64_t year, ParseInteger("year", col(kYear)));
    if (absl::StrCat(year) != date.substr(0, 4)) {
      return errors::InvalidField("year", absl::StrCat(year, " does not match event_date ", date));
    }
  }
  LOOKOUT_ASSIGN_OR_RETURN(auto precision, ParseTimePrecision(col(kTimePrecision)));
  event.set_date_precision(precision);

  // Event and sub-event types: the sub-event type decides when the type label is ambiguous.
  const absl::string_view type_label = col(kEventType);
  std::optional<EventTypeLabel> type = MatchEventTypeLabel(type_label);
  if (!type) {
    return errors::InvalidField(
        "event_type", absl::StrCat(Quote(type_label), " is not an ACLED event type (expected ",
                                   AcledEventTypeLabelsText(), ")"));
  }
  std::string sub_label(col(kSubEventType));
  if (sub_label.empty()) sub_label = type->implied_sub_event_type;
  if (!sub_label.empty()) {
    std::optional<SubEventTypeLabel> sub = MatchSubEventTypeLabel(sub_label);
    if (!sub) {
      return errors::InvalidField("sub_event_type",
                                  absl::StrCat(Quote(sub_label), " is not a known sub-event type"));
    }
    if (type->ambiguous_riots_protests) {
      if (sub->type != event::v1::EVENT_TYPE_RIOTS && sub->type != event::v1::EVENT_TYPE_PROTESTS) {
        return errors::InvalidField(
            "sub_event_type", absl::StrCat(Quote(sub_label), " is neither a riot nor a protest"));
      }
      type->type = sub->type;
    } else if (sub->type != type->type) {
      return errors::InvalidField(
          "sub_event_type",
          absl::StrCat(Quote(sub_label), " belongs to ",
                       absl::StripPrefix(event::v1::EventType_Name(sub->type), "EVENT_TYPE_"),
                       ", not to the row's event_type ", Quote(type_label)));
    }
    event.set_sub_event_type(sub->canonical);
  } else if (type->ambiguous_riots_protests) {
    return errors::InvalidField("sub_event_type",
                                "is empty, so \"Riots/Protests\" cannot be told apart");
  }
  event.set_event_type(type->type);

  // Where: at sea when Country names a maritime basin (ACLED's hierarchy since May 2026 for
  // events beyond 12 nautical miles: Country the basin, Admin1 the region, Admin2 the body of
  // water, Admin3 the sub-basin; its iso then names no country and is not read). Otherwise the
  // ISO numeric code, else an alpha-3 column, else the country name.
  auto* location = event.mutable_location();
  const std::optional<std::string> basin = CanonicalMaritimeBasin(col(kCountry));
  std::string country;  // stays empty at sea: local actors then get no country either
  if (basin.has_value()) {
    LOOKOUT_RETURN_IF_ERROR(CheckLength("admin1", col(kAdmin1), kMaxNameBytes));
    LOOKOUT_RETURN_IF_ERROR(CheckLength("admin2", col(kAdmin2), kMaxNameBytes));
    LOOKOUT_RETURN_IF_ERROR(CheckLength("admin3", col(kAdmin3), kMaxNameBytes));
    if (!col(kAdmin3).empty() && col(kAdmin2).empty()) {
      return errors::InvalidField("admin3",
                                  "names a sub-basin at sea but admin2 (its body of water) is empty");
    }
    auto* sea = location->mutable_maritime();
    sea->set_basin(*basin);
    sea->set_region(std::string(col(kAdmin1)));
    sea->set_body_of_water(std::string(col(kAdmin2)));
    sea->set_sub_basin(std::string(col(kAdmin3)));
  } else if (!col(kIso).empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(int64_t numeric, ParseInteger("iso", col(kIso)));
    std::optional<std::string> alpha3;
    if (numeric == 0) alpha3 = "XKX";  // ACLED codes Kosovo, which has no ISO number, as 0.
    if (numeric > 0 && numeric < 1000) alpha3 = IsoAlpha3FromNumeric(static_cast<int>(numeric));
    if (!alpha3) {
      return errors::InvalidField(
          "iso", absl::StrCat(numeric, " is not an ISO 3166-1 numeric country code"));
    }
    country = *alpha3;
  } else if (!col(kIso3).empty()) {
    country = absl::AsciiStrToUpper(col(kIso3));
    if (!IsIsoAlpha3(country)) {
      return errors::InvalidField(
          "iso3", absl::StrCat(Quote(col(kIso3)), " is not an ISO 3166-1 alpha-3 code"));
    }
  } else {
    std::optional<std::string> by_name = IsoAlpha3FromCountryName(col(kCountry));
    if (!by_name) {
      return errors::InvalidField(
          "country", absl::StrCat(Quote(col(kCountry)),
                                  " is not a country name Lookout knows, and iso is empty"));
    }
    country = *by_name;
  }
  if (!basin.has_value()) {
    location->set_country_code(country);
    LOOKOUT_RETURN_IF_ERROR(CheckLength("admin1", col(kAdmin1), kMaxNameBytes));
    LOOKOUT_RETURN_IF_ERROR(CheckLength("admin2", col(kAdmin2), kMaxNameBytes));
    location->set_admin1(std::string(col(kAdmin1)));
    location->set_admin2(std::string(col(kAdmin2)));
  }
  LOOKOUT_RETURN_IF_ERROR(CheckLength("location", col(kLocation), kMaxNameBytes));
  location->set_place(std::string(col(kLocation)));
  LOOKOUT_RETURN_IF_ERROR(
      SetPoint("latitude", col(kLatitude), "longitude", col(kLongitude), location));
  LOOKOUT_ASSIGN_OR_RETURN(auto geo_precision, ParseGeoPrecision(col(kGeoPrecision)));
  location->set_geo_precision(geo_precision);

  // Who: actor1 and its associates share inter1's type, actor2 and its associates inter2's.
  auto actor_type = [&](Column column) -> absl::StatusOr<ActorType> {
    std::optional<ActorType> type = MatchActorTypeLabel(col(column));
    if (!type) {
      return errors::InvalidField(
          kColumnNames[column],
          absl::StrCat("must be an actor type code 1-8 or its label (e.g. \"Political "
                       "militia\"), got ",
                       Quote(col(column))));
    }
    return *type;
  };
  LOOKOUT_ASSIGN_OR_RETURN(ActorType type1, actor_type(kInter1));
  LOOKOUT_ASSIGN_OR_RETURN(ActorType type2, actor_type(kInter2));
  auto add_actor = [&](Column column, absl::string_view name, ActorType type,
                       ParticipantRole role) -> absl::Status {
    LOOKOUT_RETURN_IF_ERROR(CheckLength(kColumnNames[column], name, kMaxNameBytes));
    for (const ActorRef& existing : row.actors) {
      if (existing.role == role && absl::EqualsIgnoreCase(existing.name, name)) {
        return absl::OkStatus();
      }
    }
    ActorRef ref;
    ref.name = std::string(name);
    ref.type = type;
    // Foreign forces are not of the event's country; the other types almost always are.
    const bool local =
        type != actor::v1::ACTOR_TYPE_UNSPECIFIED && type != actor::v1::ACTOR_TYPE_EXTERNAL_FORCES;
    if (local) ref.country_code = country;
    ref.role = role;
    row.actors.push_back(std::move(ref));
    return absl::OkStatus();
  };
  if (col(kActor1).empty()) {
    return errors::InvalidField("actor1", "is empty (every ACLED event names a first actor)");
  }
  LOOKOUT_RETURN_IF_ERROR(
      add_actor(kActor1, col(kActor1), type1, event::v1::PARTICIPANT_ROLE_PRIMARY));
  if (!col(kActor2).empty()) {
    LOOKOUT_RETURN_IF_ERROR(
        add_actor(kActor2, col(kActor2), type2, event::v1::PARTICIPANT_ROLE_SECONDARY));
  }
  for (const std::string& name : SplitList(col(kAssocActor1), ';')) {
    LOOKOUT_RETURN_IF_ERROR(
        add_actor(kAssocActor1, name, type1, event::v1::PARTICIPANT_ROLE_ASSOCIATED));
  }
  const size_t assoc_actor_1_count = row.actors.size() - (col(kActor2).empty() ? 1 : 2);
  for (const std::string& name : SplitList(col(kAssocActor2), ';')) {
    LOOKOUT_RETURN_IF_ERROR(
        add_actor(kAssocActor2, name, type2, event::v1::PARTICIPANT_ROLE_ASSOCIATED));
  }
  if (row.actors.size() > kMaxListEntries) {
    return errors::InvalidField(
        "assoc_actor_1",
        absl::StrCat("names ", row.actors.size(), " actors in all, at most ", kMaxListEntries));
  }

  // ACLED's own codes and labels, kept typed in the event's ACLED attributes.
  event::v1::AcledAttributes* attributes = event.mutable_acled();
  attributes->set_inter1(AcledActorCode(type1));
  attributes->set_inter2(AcledActorCode(type2));
  attributes->set_assoc_actor_1_count(static_cast<int32_t>(assoc_actor_1_count));
  if (!col(kInteraction).empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(int64_t interaction, ParseInteger("interaction", col(kInteraction)));
    if (interaction < 0 || interaction > 88 || interaction % 10 > 8) {
      return errors::InvalidField("interaction",
                                  absl::StrCat("must be two actor type codes 0-8 (\"13\"), got ",
                                               Quote(col(kInteraction))));
    }
    attributes->set_interaction(static_cast<int32_t>(interaction));
  }
  for (auto [column, target] : {std::pair{kDisorderType, attributes->mutable_disorder_type()},
                                std::pair{kRegion, attributes->mutable_region()},
                                std::pair{kAdmin3, attributes->mutable_admin3()},
                                std::pair{kCountry, attributes->mutable_country()},
                                std::pair{kSourceScale, attributes->mutable_source_scale()}}) {
    LOOKOUT_RETURN_IF_ERROR(CheckLength(kColumnNames[column], col(column), kMaxNameBytes));
    *target = std::string(col(column));
  }

  LOOKOUT_ASSIGN_OR_RETURN(bool civilian_targeting,
                           ParseCivilianTargeting(col(kCivilianTargeting)));
  event.set_civilian_targeting(civilian_targeting);

  // Sources: one scale per source when source_scale lists as many parts, else the first.
  const std::vector<std::string> sources = SplitList(col(kSource), ';');
  LOOKOUT_RETURN_IF_ERROR(CheckList("source", sources, kMaxNameBytes));
  std::vector<type::v1::SourceScale> scales;
  for (const std::string& part : SplitList(col(kSourceScale), '-')) {
    // Tolerated: an unknown scale costs the event nothing but its scale.
    scales.push_back(MatchSourceScaleLabel(part).value_or(type::v1::SOURCE_SCALE_OTHER));
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    auto* source = event.add_sources();
    source->set_name(sources[i]);
    if (!scales.empty()) source->set_scale(scales.size() == sources.size() ? scales[i] : scales[0]);
  }

  LOOKOUT_RETURN_IF_ERROR(CheckLength("notes", col(kNotes), kMaxNotesBytes));
  event.set_notes(std::string(col(kNotes)));

  if (!col(kFatalities).empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(int64_t fatalities, ParseCount("fatalities", col(kFatalities)));
    auto* killed = event.add_casualties();
    killed->set_kind(event::v1::CASUALTY_KIND_KILLED);
    killed->mutable_count()->set_best(fatalities);
  }

  const std::vector<std::string> tags = SplitList(col(kTags), ';');
  LOOKOUT_RETURN_IF_ERROR(CheckList("tags", tags, kMaxTagBytes));
  for (const std::string& tag : tags) event.add_tags(tag);

  if (!col(kTimestamp).empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(int64_t timestamp, ParseCount("timestamp", col(kTimestamp)));
    // Kept as ACLED's own: the service keeps its own modification times besides.
    attributes->set_timestamp(timestamp);
  }
  return row;
}

}  // namespace lookout::cli
