// UCDP GED's columns (release 19.1's order) from an event (see source_rows.h).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/export/source_rows.h"
#include "cli/import/country_names.h"

namespace lookout::cli {
namespace {

namespace ev = ::lookout::event::v1;

// 1 exact .. 6 the country, the codes UCDP's where_prec uses for Lookout's precisions.
int WherePrecision(type::v1::GeoPrecision precision) {
  switch (precision) {
    case type::v1::GEO_PRECISION_EXACT:
      return 1;
    case type::v1::GEO_PRECISION_NEAR:
      return 2;
    case type::v1::GEO_PRECISION_ADMIN2:
      return 3;
    case type::v1::GEO_PRECISION_ADMIN1:
      return 4;
    case type::v1::GEO_PRECISION_REGION:
      return 5;
    case type::v1::GEO_PRECISION_COUNTRY:
      return 6;
    default:
      return 0;
  }
}

int DatePrecision(type::v1::DatePrecision precision) {
  switch (precision) {
    case type::v1::DATE_PRECISION_DAY:
      return 1;
    case type::v1::DATE_PRECISION_WEEK:
      return 2;
    case type::v1::DATE_PRECISION_MONTH:
      return 3;
    case type::v1::DATE_PRECISION_YEAR:
      return 4;
    default:
      return 0;
  }
}

// UCDP's type_of_violence for an event without UCDP attributes: 1 state-based (battles and
// explosions), 3 one-sided; 0 for what UCDP does not record.
int ViolenceType(ev::EventType type) {
  switch (type) {
    case ev::EVENT_TYPE_BATTLES:
    case ev::EVENT_TYPE_EXPLOSIONS_REMOTE_VIOLENCE:
      return 1;
    case ev::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS:
      return 3;
    default:
      return 0;
  }
}

// A UCDP number: written when the event has UCDP's attributes, empty otherwise.
std::string Own(bool own, int64_t value) { return own ? absl::StrCat(value) : ""; }

std::string OrEmpty(int64_t value) { return value == 0 ? "" : absl::StrCat(value); }

}  // namespace

const char* const kUcdpColumns[43] = {"id",
                                      "year",
                                      "active_year",
                                      "type_of_violence",
                                      "conflict_new_id",
                                      "conflict_name",
                                      "dyad_new_id",
                                      "dyad_name",
                                      "side_a_new_id",
                                      "gwnoa",
                                      "side_a",
                                      "side_b_new_id",
                                      "gwnob",
                                      "side_b",
                                      "number_of_sources",
                                      "source_article",
                                      "source_office",
                                      "source_date",
                                      "source_headline",
                                      "source_original",
                                      "where_prec",
                                      "where_coordinates",
                                      "adm_1",
                                      "adm_2",
                                      "latitude",
                                      "longitude",
                                      "geom_wkt",
                                      "priogrid_gid",
                                      "country",
                                      "iso3",
                                      "country_id",
                                      "region",
                                      "event_clarity",
                                      "date_prec",
                                      "date_start",
                                      "date_end",
                                      "deaths_a",
                                      "deaths_b",
                                      "deaths_civilians",
                                      "deaths_unknown",
                                      "low",
                                      "best",
                                      "high"};

std::optional<std::vector<std::string>> UcdpRow(const ev::Event& event, const ActorFinder& actors) {
  // UCDP GED places every event in a country (its country, iso3 and gwno columns): an event at
  // sea has no place in it and is left out (the export counts it as at sea).
  if (IsAtSea(event)) return std::nullopt;
  const bool own = event.has_ucdp();
  const ev::UcdpAttributes& a = event.ucdp();
  const int violence = own ? a.type_of_violence() : ViolenceType(event.event_type());
  if (violence == 0) return std::nullopt;
  std::string id = ExternalIdOf(event, "UCDP");
  if (id.empty()) id = event.id();
  const type::v1::Location& location = event.location();
  const ev::Participant* side_a =
      FirstParticipant(event, {ev::PARTICIPANT_ROLE_PRIMARY, ev::PARTICIPANT_ROLE_INITIATOR});
  const ev::Participant* side_b =
      FirstParticipant(event, {ev::PARTICIPANT_ROLE_SECONDARY, ev::PARTICIPANT_ROLE_TARGET});

  // Without UCDP's own citation columns, the sources as UCDP writes them: ';'-separated.
  std::vector<std::string> offices, dates;
  for (const auto& source : event.sources()) {
    offices.push_back(source.name());
    dates.push_back(source.published_date());
  }
  const type::v1::Count* killed = KilledCount(event);
  const int64_t best = killed != nullptr ? killed->best() : 0;
  const int64_t low = killed != nullptr && killed->has_low() ? killed->low() : best;
  const int64_t high = killed != nullptr && killed->has_high() ? killed->high() : best;
  std::string geom = a.geom_wkt();
  if (!own && location.has_latitude()) {
    geom = absl::StrCat("POINT (", FormatNumber(location.longitude()), " ",
                        FormatNumber(location.latitude()), ")");
  }
  return std::vector<std::string>{
      id,
      own ? absl::StrCat(a.year()) : event.event_date().substr(0, 4),
      own ? (a.active_year() ? "1" : "0") : "",
      absl::StrCat(violence),
      Own(own, a.conflict_id()),
      a.conflict_name(),
      Own(own, a.dyad_id()),
      a.dyad_name(),
      Own(own, a.side_a_id()),
      a.gwnoa(),
      side_a != nullptr ? ActorName(side_a->actor_id(), actors) : "",
      Own(own, a.side_b_id()),
      a.gwnob(),
      side_b != nullptr ? ActorName(side_b->actor_id(), actors) : "",
      own ? absl::StrCat(a.number_of_sources()) : absl::StrCat(event.sources_size()),
      own ? a.source_article() : absl::StrJoin(offices, ";"),
      own ? a.source_office() : absl::StrJoin(offices, ";"),
      own ? a.source_date() : absl::StrJoin(dates, ";"),
      a.source_headline(),
      a.source_original(),
      own ? absl::StrCat(a.where_prec()) : OrEmpty(WherePrecision(location.geo_precision())),
      location.place(),
      location.admin1(),
      location.admin2(),
      location.has_latitude() ? FormatNumber(location.latitude()) : "",
      location.has_longitude() ? FormatNumber(location.longitude()) : "",
      geom,
      Own(own, a.priogrid_gid()),
      own ? a.country() : CountryNameFromIsoAlpha3(location.country_code()),
      location.country_code(),
      Own(own, a.country_id()),
      a.region(),
      Own(own, a.event_clarity()),
      own ? absl::StrCat(a.date_prec()) : OrEmpty(DatePrecision(event.date_precision())),
      event.event_date(),
      event.end_date().empty() ? event.event_date() : event.end_date(),
      Own(own, a.deaths_a()),
      Own(own, a.deaths_b()),
      Own(own, a.deaths_civilians()),
      own ? absl::StrCat(a.deaths_unknown()) : absl::StrCat(best),
      absl::StrCat(low),
      absl::StrCat(best),
      absl::StrCat(high),
  };
}

}  // namespace lookout::cli
