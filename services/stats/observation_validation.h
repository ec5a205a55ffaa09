// Input rules for observations (reported figures) and the requests that read them. Each check
// returns OK or INVALID_ARGUMENT naming the field by its path ("observation.value.high").
#ifndef LOOKOUT_SERVICES_STATS_OBSERVATION_VALIDATION_H_
#define LOOKOUT_SERVICES_STATS_OBSERVATION_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lookout/stats/v1/observation.pb.h"
#include "lookout/stats/v1/stats_service.pb.h"

namespace lookout::stats {

// The largest value a figure may carry, by what it counts (INVALID_ARGUMENT above): casualty
// figures (KILLED, INJURED, KIDNAPPED, MISSING, CASUALTIES_COMBINED) share events'
// event_filter::kMaxCasualtyCount (10^9); USD up to 10^15; PERCENT up to 100; anything else (persons,
// households, events) up to 10^10, above the world's population.
inline constexpr int64_t kMaxFundingUsd = 1'000'000'000'000'000;
inline constexpr int64_t kMaxFigure = 10'000'000'000;

// Every rule for an observation as it will be stored (id and create_time are not looked at):
// - metric, unit and period_kind are required; FUNDING_USD is counted in USD and only it is;
// - value: best >= 0, low <= best <= high; AT_LEAST has no high and AT_MOST no low (the
//   qualifier already says which way the figure is open); best and high at most the bound
//   above for the metric and unit;
// - period: start_date required and <= end_date; POINT_IN_TIME is one day (end_date empty or
//   equal), INTERVAL needs end_date;
// - country_code required, origin_country_code optional (ISO 3166-1 alpha-3); source.name
//   required; ids, texts and lists within the shared length limits.
absl::Status ValidateObservation(const lookout::stats::v1::Observation& observation,
                                 absl::string_view prefix = "observation");

// An observation id given by a client: required, at most 64 bytes.
absl::Status ValidateObservationId(absl::string_view id);

absl::Status ValidateListObservations(const lookout::stats::v1::ListObservationsRequest& request);
absl::Status ValidateSummarizeMetric(const lookout::stats::v1::SummarizeMetricRequest& request);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_OBSERVATION_VALIDATION_H_
