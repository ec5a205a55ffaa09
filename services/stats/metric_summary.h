// Reconciles sources' figures for one metric, country and period (SummarizeMetric).
//
// Each source contributes one figure: among its observations, the one covering the most of the
// period (then the latest, then the newest recorded), so a source's monthly updates do not
// outvote another source's single report. low is the lowest low (or best), high the highest high
// (or best), consensus the median of the contributed best values. For KILLED, INJURED and
// KIDNAPPED the events' own sum is set, and a note is written whenever two figures disagree by
// more than 20% (of the larger one), reading qualifiers: "at least N" only disagrees with a
// smaller figure, "at most N" only with a larger one. Every pair of sources is compared; one
// note names the pair furthest apart and counts the pairs that disagree.
#ifndef LOOKOUT_SERVICES_STATS_METRIC_SUMMARY_H_
#define LOOKOUT_SERVICES_STATS_METRIC_SUMMARY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lookout/event/v1/event.pb.h"
#include "lookout/stats/v1/observation.pb.h"

namespace lookout::stats {

// Whether the metric has a casualty kind the events carry (KILLED, INJURED, KIDNAPPED).
bool HasEventCasualties(lookout::stats::v1::Metric metric);
lookout::event::v1::CasualtyKind CasualtyKindOf(lookout::stats::v1::Metric metric);

// `observations` (validated, in creation order) are those of the metric and country within the
// period. `computed_from_events` is set only for metrics the events carry. `notes` are added
// after the discrepancy notes.
lookout::stats::v1::MetricSummary BuildSummary(
    lookout::stats::v1::Metric metric, const std::string& country_code,
    const lookout::type::v1::DateRange& period,
    const std::vector<lookout::stats::v1::Observation>& observations,
    std::optional<int64_t> computed_from_events, const std::vector<std::string>& notes = {});

// Whether a reported figure and a computed one disagree by more than 20%, reading the reported
// figure's qualifier.
bool Disagree(const lookout::type::v1::Count& reported, int64_t computed);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_METRIC_SUMMARY_H_
