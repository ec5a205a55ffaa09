#include "cli/import/ucdp_parser.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/import/country_names.h"
#include "cli/import/row_checks.h"
#include "cli/import/text_fields.h"
#include "common/country_codes.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace lookout::cli {
namespace {

using ::lookout::actor::v1::ActorType;
using ::lookout::event::v1::Event;
using Fields = std::vector<std::string>;

constexpr const char* kColumnNames[UcdpParser::kColumnCount] = {"id",
                                                                "year",
                                                                "type_of_violence",
                                                                "conflict_name",
                                                                "dyad_name",
                                                                "side_a",
                                                                "gwnoa",
                                                                "side_b",
                                                                "gwnob",
                                                                "source_article",
                                                                "source_office",
                                                                "source_date",
                                                                "source_headline",
                                                                "where_prec",
                                                                "where_coordinates",
                                                                "adm_1",
                                                                "adm_2",
                                                                "latitude",
                                                                "longitude",
                                                                "country",
                                                                "iso3",
                                                                "date_prec",
                                                                "date_start",
                                                                "date_end",
                                                                "deaths_a",
                                                                "deaths_b",
                                                                "deaths_civilians",
                                                                "deaths_unknown",
                                                                "low",
                                                                "best",
                                                                "high",
                                                                "active_year",
                                                                "conflict_new_id",
                                                                "dyad_new_id",
                                                                "side_a_new_id",
                                                                "side_b_new_id",
                                                                "number_of_sources",
                                                                "source_original",
                                                                "geom_wkt",
                                                                "priogrid_gid",
                                                                "country_id",
                                                                "region",
                                                                "event_clarity"};

constexpr int kRequiredColumns[] = {UcdpParser::kId, UcdpParser::kTypeOfViolence,
                                    UcdpParser::kSideA, UcdpParser::kDateStart, UcdpParser::kBest};

// "2013-12-13" or, in some releases, "2013-12-13 00:00:00.000".
absl::StatusOr<std::string> ParseUcdpDate(absl::string_view column, absl::string_view value) {
  value = TrimField(value);
  if (value.size() > 10 && (value[10] == ' ' || value[10] == 'T')) value = value.substr(0, 10);
  return ParseIsoDate(column, value);
}

absl::StatusOr<type::v1::DatePrecision> ParseDatePrecision(absl::string_view value) {
  // 1 the day; 2 within a week; 3 within a month; 4 within a year; 5 more than a year.
  static constexpr type::v1::DatePrecision kByCode[] = {
      type::v1::DATE_PRECISION_DAY, type::v1::DATE_PRECISION_WEEK, type::v1::DATE_PRECISION_MONTH,
      type::v1::DATE_PRECISION_YEAR, type::v1::DATE_PRECISION_YEAR};
  if (value.empty()) return type::v1::DATE_PRECISION_UNSPECIFIED;
  if (value.size() == 1 && value[0] >= '1' && value[0] <= '5') return kByCode[value[0] - '1'];
  return errors::InvalidField("date_prec", absl::StrCat("must be a code 1-5, got ", Quote(value)));
}

absl::StatusOr<type::v1::GeoPrecision> ParseWherePrecision(absl::string_view value) {
  // 1 exact place; 2 within about 25 km; 3 district; 4 province; 5 a wider area or a line
  // (a road, a river, a border); 6 the country; 7 international waters or airspace.
  static constexpr type::v1::GeoPrecision kByCode[] = {
      type::v1::GEO_PRECISION_EXACT,  type::v1::GEO_PRECISION_NEAR,
      type::v1::GEO_PRECISION_ADMIN2, type::v1::GEO_PRECISION_ADMIN1,
      type::v1::GEO_PRECISION_REGION, type::v1::GEO_PRECISION_COUNTRY,
      type::v1::GEO_PRECISION_REGION};
  if (value.empty()) return type::v1::GEO_PRECISION_UNSPECIFIED;
  if (value.size() == 1 && value[0] >= '1' && value[0] <= '7') return kByCode[value[0] - '1'];
  return errors::InvalidField("where_prec", absl::StrCat("must be a code 1-7, got ", Quote(value)));
}

// A side's actor type: a state when it has a Gleditsch-Ward number or is a "Government of",
// civilians by name, otherwise an organised group (rebels; militias in non-state conflicts).
ActorType SideType(absl::string_view name, absl::string_view gwno, int64_t violence) {
  if (!gwno.empty() || absl::StartsWithIgnoreCase(name, "Government of")) {
    return actor::v1::ACTOR_TYPE_STATE_FORCES;
  }
  if (absl::EqualsIgnoreCase(name, "Civilians")) return actor::v1::ACTOR_TYPE_CIVILIANS;
  return violence == 2 ? actor::v1::ACTOR_TYPE_POLITICAL_MILITIA
                       : actor::v1::ACTOR_TYPE_REBEL_GROUP;
}

// "Government of India" in a Bangladesh event is India's; other sides belong to the event's
// country.
std::string SideCountry(absl::string_view name, const std::string& event_country) {
  constexpr absl::string_view kGovernmentOf = "Government of ";
  if (absl::StartsWithIgnoreCase(name, kGovernmentOf)) {
    std::optional<std::string> code = IsoAlpha3FromCountryName(name.substr(kGovernmentOf.size()));
    if (code) return *code;
  }
  return event_country;
}

}  // namespace

absl::StatusOr<UcdpParser> UcdpParser::FromHeader(const Fields& header, Options options) {
  LOOKOUT_ASSIGN_OR_RETURN(HeaderIndex columns, HeaderIndex::Build(header, kColumnNames));
  LOOKOUT_RETURN_IF_ERROR(columns.Require(kRequiredColumns, "a UCDP GED"));
  if (!columns.has(kIso3) && !columns.has(kCountry)) {
    return errors::InvalidField("header", "neither the column iso3 nor country is present");
  }
  return UcdpParser(std::move(columns), options);
}

bool UcdpParser::IsHxlRow(const Fields& fields) {
  bool any = false;
  for (const std::string& field : fields) {
    absl::string_view value = TrimField(field);
    if (value.empty()) continue;
    if (value[0] != '#') return false;
    any = true;
  }
  return any;
}

absl::Status UcdpParser::FillAttributes(const Fields& fields,
                                        event::v1::UcdpAttributes* attributes) const {
  auto col = [&](Column c) { return columns_.Get(fields, c); };
  // A whole number within [min, max]; empty is 0.
  auto number = [&](Column c, int64_t min, int64_t max) -> absl::StatusOr<int64_t> {
    if (col(c).empty()) return 0;
    LOOKOUT_ASSIGN_OR_RETURN(int64_t value, ParseInteger(kColumnNames[c], col(c)));
    if (value < min || value > max) {
      return errors::InvalidField(
          kColumnNames[c], absl::StrCat("must be between ", min, " and ", max, ", got ", value));
    }
    return value;
  };
  auto text = [&](Column c, size_t max, std::string* out) -> absl::Status {
    LOOKOUT_RETURN_IF_ERROR(CheckLength(kColumnNames[c], col(c), max));
    *out = std::string(col(c));
    return absl::OkStatus();
  };
  constexpr int64_t kMaxId = int64_t{1} << 53;
  LOOKOUT_ASSIGN_OR_RETURN(int64_t violence, number(kTypeOfViolence, 1, 3));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t year, number(kYear, 0, 9999));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t active_year, number(kActiveYear, 0, 1));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t conflict_id, number(kConflictNewId, 0, kMaxId));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t dyad_id, number(kDyadNewId, 0, kMaxId));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t side_a_id, number(kSideANewId, 0, kMaxId));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t side_b_id, number(kSideBNewId, 0, kMaxId));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t sources, number(kNumberOfSources, -1, 1000000));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t where_prec, number(kWherePrec, 1, 7));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t date_prec, number(kDatePrec, 1, 5));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t priogrid, number(kPriogridGid, 0, kMaxId));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t country_id, number(kCountryId, 0, 9999));
  LOOKOUT_ASSIGN_OR_RETURN(int64_t clarity, number(kEventClarity, 1, 2));
  attributes->set_type_of_violence(static_cast<int32_t>(violence));
  attributes->set_year(static_cast<int32_t>(year));
  attributes->set_active_year(active_year == 1);
  attributes->set_conflict_id(conflict_id);
  attributes->set_dyad_id(dyad_id);
  attributes->set_side_a_id(side_a_id);
  attributes->set_side_b_id(side_b_id);
  attributes->set_number_of_sources(static_cast<int32_t>(sources));
  attributes->set_where_prec(static_cast<int32_t>(where_prec));
  attributes->set_date_prec(static_cast<int32_t>(date_prec));
  attributes->set_priogrid_gid(priogrid);
  attributes->set_country_id(static_cast<int32_t>(country_id));
  attributes->set_event_clarity(static_cast<int32_t>(clarity));
  LOOKOUT_RETURN_IF_ERROR(text(kConflictName, kMaxNameBytes, attributes->mutable_conflict_name()));
  LOOKOUT_RETURN_IF_ERROR(text(kDyadName, kMaxNameBytes, attributes->mutable_dyad_name()));
  LOOKOUT_RETURN_IF_ERROR(text(kGwnoA, kMaxNameBytes, attributes->mutable_gwnoa()));
  LOOKOUT_RETURN_IF_ERROR(text(kGwnoB, kMaxNameBytes, attributes->mutable_gwnob()));
  LOOKOUT_RETURN_IF_ERROR(text(kGeomWkt, kMaxNameBytes, attributes->mutable_geom_wkt()));
  LOOKOUT_RETURN_IF_ERROR(text(kCountry, kMaxNameBytes, attributes->mutable_country()));
  LOOKOUT_RETURN_IF_ERROR(text(kRegion, kMaxNameBytes, attributes->mutable_region()));
  LOOKOUT_RETURN_IF_ERROR(
      text(kSourceArticle, kMaxNotesBytes, attributes->mutable_source_article()));
  LOOKOUT_RETURN_IF_ERROR(text(kSourceOffice, kMaxNotesBytes, attributes->mutable_source_office()));
  LOOKOUT_RETURN_IF_ERROR(text(kSourceDate, kMaxNotesBytes, attributes->mutable_source_date()));
  LOOKOUT_RETURN_IF_ERROR(
      text(kSourceHeadline, kMaxNotesBytes, attributes->mutable_source_headline()));
  LOOKOUT_RETURN_IF_ERROR(
      text(kSourceOriginal, kMaxNotesBytes, attributes->mutable_source_original()));
  int64_t values[4] = {0, 0, 0, 0};
  const Column death_columns[] = {kDeathsA, kDeathsB, kDeathsCivilians, kDeathsUnknown};
  for (int i = 0; i < 4; ++i) {
    if (!col(death_columns[i]).empty()) {
      LOOKOUT_ASSIGN_OR_RETURN(values[i],
                               ParseCount(kColumnNames[death_columns[i]], col(death_columns[i])));
    }
  }
  attributes->set_deaths_a(values[0]);
  attributes->set_deaths_b(values[1]);
  attributes->set_deaths_civilians(values[2]);
  attributes->set_deaths_unknown(values[3]);
  return absl::OkStatus();
}

absl::StatusOr<ParsedRow> UcdpParser::Parse(const Fields& fields) const {
  LOOKOUT_RETURN_IF_ERROR(columns_.CheckWidth(fields));
  LOOKOUT_RETURN_IF_ERROR(CheckUtf8(fields, columns_.field_names()));
  auto col = [&](Column c) { return columns_.Get(fields, c); };

  ParsedRow row;
  Event& event = row.event;

  const absl::string_view id = col(kId);
  if (id.empty()) return errors::InvalidField("id", "is empty (every row needs an id)");
  LOOKOUT_RETURN_IF_ERROR(CheckLength("id", id, kMaxNameBytes));
  auto* external_id = event.add_external_ids();
  external_id->set_scheme("UCDP");
  external_id->set_value(std::string(id));
  if (!col(kYear).empty()) {
    LOOKOUT_RETURN_IF_ERROR(ParseInteger("year", col(kYear)).status());
  }

  LOOKOUT_ASSIGN_OR_RETURN(int64_t violence,
                           ParseInteger("type_of_violence", col(kTypeOfViolence)));
  if (violence == 1 || violence == 2) {
    event.set_event_type(event::v1::EVENT_TYPE_BATTLES);
    event.set_sub_event_type("Armed clash");
  } else if (violence == 3) {
    event.set_event_type(event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
    event.set_sub_event_type("Attack");
  } else {
    return errors::InvalidField(
        "type_of_violence",
        absl::StrCat("must be 1 (state-based), 2 (non-state) or 3 (one-sided), got ", violence));
  }

  LOOKOUT_ASSIGN_OR_RETURN(std::string start, ParseUcdpDate("date_start", col(kDateStart)));
  event.set_event_date(start);
  if (!col(kDateEnd).empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(std::string end, ParseUcdpDate("date_end", col(kDateEnd)));
    if (end < start) {
      return errors::InvalidField("date_end", absl::StrCat(end, " is before date_start ", start));
    }
    if (end != start) event.set_end_date(end);
  }
  LOOKOUT_ASSIGN_OR_RETURN(auto date_precision, ParseDatePrecision(col(kDatePrec)));
  event.set_date_precision(date_precision);

  std::string country;
  if (!col(kIso3).empty()) {
    country = absl::AsciiStrToUpper(col(kIso3));
    if (!IsIsoAlpha3(country)) {
      return errors::InvalidField(
          "iso3", absl::StrCat(Quote(col(kIso3)), " is not an ISO 3166-1 alpha-3 code"));
    }
  } else {
    std::optional<std::string> by_name = IsoAlpha3FromCountryName(col(kCountry));
    if (!by_name) {
      return errors::InvalidField(
          "country", absl::StrCat(Quote(col(kCountry)), " is not a country name Lookout knows"));
    }
    country = *by_name;
  }
  auto* location = event.mutable_location();
  location->set_country_code(country);
  LOOKOUT_RETURN_IF_ERROR(CheckLength("adm_1", col(kAdm1), kMaxNameBytes));
  LOOKOUT_RETURN_IF_ERROR(CheckLength("adm_2", col(kAdm2), kMaxNameBytes));
  LOOKOUT_RETURN_IF_ERROR(CheckLength("where_coordinates", col(kWhereCoordinates), kMaxNameBytes));
  location->set_admin1(std::string(col(kAdm1)));
  location->set_admin2(std::string(col(kAdm2)));
  location->set_place(std::string(col(kWhereCoordinates)));
  LOOKOUT_RETURN_IF_ERROR(
      SetPoint("latitude", col(kLatitude), "longitude", col(kLongitude), location));
  LOOKOUT_ASSIGN_OR_RETURN(auto geo_precision, ParseWherePrecision(col(kWherePrec)));
  location->set_geo_precision(geo_precision);

  // The two sides of the dyad.
  const absl::string_view side_a = col(kSideA);
  const absl::string_view side_b = col(kSideB);
  if (side_a.empty()) return errors::InvalidField("side_a", "is empty (every event has a side A)");
  LOOKOUT_RETURN_IF_ERROR(CheckLength("side_a", side_a, kMaxNameBytes));
  LOOKOUT_RETURN_IF_ERROR(CheckLength("side_b", side_b, kMaxNameBytes));
  row.actors.push_back(ActorRef{std::string(side_a), "", SideType(side_a, col(kGwnoA), violence),
                                SideCountry(side_a, country), event::v1::PARTICIPANT_ROLE_PRIMARY});
  if (!side_b.empty()) {
    row.actors.push_back(ActorRef{std::string(side_b), "", SideType(side_b, col(kGwnoB), violence),
                                  SideCountry(side_b, country),
                                  event::v1::PARTICIPANT_ROLE_SECONDARY});
  }

  // Deaths: best is required, low and high default to best.
  LOOKOUT_ASSIGN_OR_RETURN(int64_t best, ParseCount("best", col(kBest)));
  int64_t low = best, high = best;
  if (!col(kLow).empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(low, ParseCount("low", col(kLow)));
  }
  if (!col(kHigh).empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(high, ParseCount("high", col(kHigh)));
  }
  if (low > best || best > high) {
    if (!options_.repair_ranges) {
      return errors::InvalidField(
          low > best ? "low" : "high",
          absl::StrCat("low ", low, ", best ", best, ", high ", high,
                       " break low <= best <= high (--repair-ranges widens the range)"));
    }
    low = std::min(low, best);
    high = std::max(high, best);
  }
  LOOKOUT_RETURN_IF_ERROR(FillAttributes(fields, event.mutable_ucdp()));
  auto* killed = event.add_casualties();
  killed->set_kind(event::v1::CASUALTY_KIND_KILLED);
  killed->mutable_count()->set_best(best);
  killed->mutable_count()->set_low(low);
  killed->mutable_count()->set_high(high);

  // Sources: one per office named, with its date; else the article citations themselves.
  const std::vector<std::string> offices = SplitList(col(kSourceOffice), ';');
  const std::vector<std::string> dates = SplitList(col(kSourceDate), ';');
  const std::vector<std::string> articles = SplitList(col(kSourceArticle), ';');
  const std::vector<std::string>& names = offices.empty() ? articles : offices;
  if (names.size() > kMaxListEntries) {
    return errors::InvalidField(
        offices.empty() ? "source_article" : "source_office",
        absl::StrCat("names ", names.size(), " sources, at most ", kMaxListEntries));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    auto* source = event.add_sources();
    source->set_name(TruncateUtf8(names[i], kMaxNameBytes));
    if (!offices.empty() && i < dates.size() && ParseIsoDate("source_date", dates[i]).ok()) {
      source->set_published_date(dates[i]);
    }
  }

  // Notes: the conflict, the headlines and the full citations, for full-text search.
  std::vector<std::string> notes;
  if (!col(kConflictName).empty()) notes.push_back(absl::StrCat("Conflict: ", col(kConflictName)));
  if (!col(kSourceHeadline).empty()) {
    notes.push_back(absl::StrCat("Headline: ", col(kSourceHeadline)));
  }
  if (!col(kSourceArticle).empty()) {
    notes.push_back(absl::StrCat("Sources: ", col(kSourceArticle)));
  }
  event.set_notes(TruncateUtf8(absl::StrJoin(notes, "\n"), kMaxNotesBytes));
  return row;
}

}  // namespace lookout::cli
