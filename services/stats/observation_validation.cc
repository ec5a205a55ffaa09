#include "services/stats/observation_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "event_filter/event_validation.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Observation;

std::string Path(absl::string_view prefix, absl::string_view field) {
  return absl::StrCat(prefix, ".", field);
}

absl::Status CheckIds(absl::string_view field,
                      const google::protobuf::RepeatedPtrField<std::string>& ids) {
  if (static_cast<size_t>(ids.size()) > validation::kMaxRepeated) {
    return errors::InvalidField(
        field, absl::StrCat("at most ", validation::kMaxRepeated, " entries, got ", ids.size()));
  }
  for (int i = 0; i < ids.size(); ++i) {
    LOOKOUT_RETURN_IF_ERROR(validation::CheckText(absl::StrCat(field, "[", i, "]"), ids.Get(i),
                                                  validation::kMaxIdLength, true));
  }
  return absl::OkStatus();
}

bool IsCasualtyMetric(int metric) {
  return metric == v1::METRIC_KILLED || metric == v1::METRIC_INJURED ||
         metric == v1::METRIC_KIDNAPPED || metric == v1::METRIC_MISSING ||
         metric == v1::METRIC_CASUALTIES_COMBINED;
}

struct Bound {
  int64_t max;
  const char* what;  // why, for the error message
};

// Plausible maxima (see the header). Casualty figures share events' bound, so a source and the
// events it is compared with are held to the same limit.
Bound BoundOf(const Observation& observation) {
  if (observation.unit() == v1::UNIT_PERCENT) return {100, "for a PERCENT figure"};
  if (observation.unit() == v1::UNIT_USD) return {kMaxFundingUsd, "for a USD figure"};
  if (IsCasualtyMetric(observation.metric())) {
    return {event_filter::kMaxCasualtyCount, "(the largest casualty count)"};
  }
  return {kMaxFigure, "(more than the world's population)"};
}

absl::Status CheckValue(const Observation& observation, absl::string_view prefix) {
  const std::string field = Path(prefix, "value");
  const lookout::type::v1::Count& value = observation.value();
  LOOKOUT_RETURN_IF_ERROR(validation::CheckCount(field, value));
  if (value.qualifier() == lookout::type::v1::QUALIFIER_AT_LEAST && value.has_high()) {
    return errors::InvalidField(Path(field, "high"),
                                "must be empty when the qualifier is AT_LEAST (\"at least N\" has "
                                "no upper bound; use a range with APPROXIMATELY instead)");
  }
  if (value.qualifier() == lookout::type::v1::QUALIFIER_AT_MOST && value.has_low()) {
    return errors::InvalidField(Path(field, "low"),
                                "must be empty when the qualifier is AT_MOST (\"at most N\" has no "
                                "lower bound; use a range with APPROXIMATELY instead)");
  }
  const Bound bound = BoundOf(observation);
  // low <= best <= high is checked above, so best and high are all there is to check.
  const bool best = value.best() > bound.max;
  if (best || (value.has_high() && value.high() > bound.max)) {
    return errors::InvalidField(Path(field, best ? "best" : "high"),
                                absl::StrCat("must be at most ", bound.max, " ", bound.what,
                                             ", got ", best ? value.best() : value.high()));
  }
  return absl::OkStatus();
}

absl::Status CheckUnit(const Observation& observation, absl::string_view prefix) {
  const std::string field = Path(prefix, "unit");
  LOOKOUT_RETURN_IF_ERROR(validation::CheckEnum(field, v1::Unit_IsValid(observation.unit()),
                                                observation.unit(), false));
  const bool funding = observation.metric() == v1::METRIC_FUNDING_USD;
  const bool usd = observation.unit() == v1::UNIT_USD;
  if (funding && !usd)
    return errors::InvalidField(field, "must be UNIT_USD for METRIC_FUNDING_USD");
  if (!funding && usd) {
    return errors::InvalidField(field, absl::StrCat("UNIT_USD is only for METRIC_FUNDING_USD, not ",
                                                    v1::Metric_Name(observation.metric())));
  }
  return absl::OkStatus();
}

absl::Status CheckPeriod(const Observation& observation, absl::string_view prefix) {
  const std::string field = Path(prefix, "period");
  const lookout::type::v1::DateRange& period = observation.period();
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckDate(Path(field, "start_date"), period.start_date(), true));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckDateRange(field, period));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckEnum(Path(prefix, "period_kind"),
                                                v1::PeriodKind_IsValid(observation.period_kind()),
                                                observation.period_kind(), false));
  if (observation.period_kind() == v1::PERIOD_KIND_POINT_IN_TIME && !period.end_date().empty() &&
      period.end_date() != period.start_date()) {
    return errors::InvalidField(
        Path(field, "end_date"),
        "must be empty or equal to start_date for a POINT_IN_TIME figure (a stock on one day)");
  }
  if (observation.period_kind() == v1::PERIOD_KIND_INTERVAL && period.end_date().empty()) {
    return errors::InvalidField(Path(field, "end_date"),
                                "is required for an INTERVAL figure (a flow over a period)");
  }
  return absl::OkStatus();
}

absl::Status CheckMetric(absl::string_view field, int metric) {
  return validation::CheckEnum(field, v1::Metric_IsValid(metric), metric, false);
}

}  // namespace

absl::Status ValidateObservation(const Observation& observation, absl::string_view prefix) {
  LOOKOUT_RETURN_IF_ERROR(CheckMetric(Path(prefix, "metric"), observation.metric()));
  LOOKOUT_RETURN_IF_ERROR(CheckUnit(observation, prefix));
  LOOKOUT_RETURN_IF_ERROR(CheckValue(observation, prefix));
  LOOKOUT_RETURN_IF_ERROR(CheckPeriod(observation, prefix));
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckCountryCode(Path(prefix, "country_code"), observation.country_code(), true));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(prefix, "admin1"), observation.admin1(),
                                                validation::kMaxShortTextLength, false));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckCountryCode(Path(prefix, "origin_country_code"),
                                                       observation.origin_country_code(), false));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText(Path(prefix, "destination"),
                                                observation.destination(),
                                                validation::kMaxShortTextLength, false));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckSource(Path(prefix, "source"), observation.source()));
  LOOKOUT_RETURN_IF_ERROR(CheckIds(Path(prefix, "actor_ids"), observation.actor_ids()));
  LOOKOUT_RETURN_IF_ERROR(CheckIds(Path(prefix, "event_ids"), observation.event_ids()));
  return validation::CheckText(Path(prefix, "notes"), observation.notes(),
                               validation::kMaxNotesLength, false);
}

absl::Status ValidateObservationId(absl::string_view id) {
  return validation::CheckText("id", id, validation::kMaxIdLength, true);
}

absl::Status ValidateListObservations(const v1::ListObservationsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(validation::CheckEnum("metric", v1::Metric_IsValid(request.metric()),
                                                request.metric(), true));
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckCountryCode("country_code", request.country_code(), false));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckDateRange("period", request.period()));
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText("source_name", request.source_name(),
                                                validation::kMaxShortTextLength, false));
  return validation::PageSize(request.page_size()).status();
}

absl::Status ValidateSummarizeMetric(const v1::SummarizeMetricRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(CheckMetric("metric", request.metric()));
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckCountryCode("country_code", request.country_code(), true));
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckDate("period.start_date", request.period().start_date(), true));
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckDate("period.end_date", request.period().end_date(), true));
  return validation::CheckDateRange("period", request.period());
}

}  // namespace lookout::stats
