#include "services/stats/metric_summary.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/validation.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Observation;
using ::lookout::type::v1::Count;

constexpr double kTolerance = 0.2;

// Apart by more than 20% of the larger value.
bool FarApart(int64_t a, int64_t b) {
  const int64_t larger = std::max(a, b);
  if (larger <= 0) return false;
  return static_cast<double>(std::llabs(a - b)) > kTolerance * static_cast<double>(larger);
}

int PercentApart(int64_t a, int64_t b) {
  const int64_t larger = std::max(a, b);
  if (larger <= 0) return 0;
  return static_cast<int>(
      std::lround(100.0 * static_cast<double>(std::llabs(a - b)) / static_cast<double>(larger)));
}

std::string Figure(const Count& count) {
  std::string prefix;
  switch (count.qualifier()) {
    case lookout::type::v1::QUALIFIER_AT_LEAST:
      prefix = "at least ";
      break;
    case lookout::type::v1::QUALIFIER_AT_MOST:
      prefix = "at most ";
      break;
    case lookout::type::v1::QUALIFIER_APPROXIMATELY:
      prefix = "about ";
      break;
    default:
      break;
  }
  std::string text = absl::StrCat(prefix, count.best());
  if (count.has_low() || count.has_high()) {
    absl::StrAppend(&text, " (", count.has_low() ? absl::StrCat(count.low()) : "?", "-",
                    count.has_high() ? absl::StrCat(count.high()) : "?", ")");
  }
  return text;
}

// Where two figures conflict, reading qualifiers: a figure's best is a floor unless it is "at
// most N" and a ceiling unless it is "at least N", so they conflict when one's floor lies above
// the other's ceiling. The gap is {ceiling, floor}, lower first; nullopt when no such gap exists.
struct Gap {
  int64_t low;
  int64_t high;
  bool low_is_a;  // the lower end of the gap is the first figure's
};

bool IsFloor(const Count& count) {
  return count.qualifier() != lookout::type::v1::QUALIFIER_AT_MOST;
}
bool IsCeiling(const Count& count) {
  return count.qualifier() != lookout::type::v1::QUALIFIER_AT_LEAST;
}

std::optional<Gap> GapBetween(const Count& a, const Count& b) {
  if (IsFloor(a) && IsCeiling(b) && a.best() > b.best()) return Gap{b.best(), a.best(), false};
  if (IsFloor(b) && IsCeiling(a) && b.best() > a.best()) return Gap{a.best(), b.best(), true};
  return std::nullopt;
}

// The share of the larger end the gap spans (the larger end is positive in any gap).
double Apart(const Gap& gap) {
  return static_cast<double>(gap.high - gap.low) / static_cast<double>(gap.high);
}

struct Span {
  int32_t first;
  int32_t last;
};

Span SpanOf(const Observation& observation) {
  const int32_t first = *validation::ParseDate(observation.period().start_date());
  const int32_t last = observation.period().end_date().empty()
                           ? first
                           : *validation::ParseDate(observation.period().end_date());
  return {first, last};
}

double Median(std::vector<int64_t> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  if (values.size() % 2 == 1) return static_cast<double>(values[mid]);
  return (static_cast<double>(values[mid - 1]) + static_cast<double>(values[mid])) / 2;
}

}  // namespace

bool HasEventCasualties(v1::Metric metric) {
  return metric == v1::METRIC_KILLED || metric == v1::METRIC_INJURED ||
         metric == v1::METRIC_KIDNAPPED;
}

event::v1::CasualtyKind CasualtyKindOf(v1::Metric metric) {
  switch (metric) {
    case v1::METRIC_KILLED:
      return event::v1::CASUALTY_KIND_KILLED;
    case v1::METRIC_INJURED:
      return event::v1::CASUALTY_KIND_INJURED;
    case v1::METRIC_KIDNAPPED:
      return event::v1::CASUALTY_KIND_KIDNAPPED;
    default:
      return event::v1::CASUALTY_KIND_UNSPECIFIED;
  }
}

bool Disagree(const Count& reported, int64_t computed) {
  Count exact;
  exact.set_best(computed);
  const std::optional<Gap> gap = GapBetween(reported, exact);
  return gap.has_value() && FarApart(gap->low, gap->high);
}

v1::MetricSummary BuildSummary(v1::Metric metric, const std::string& country_code,
                               const lookout::type::v1::DateRange& period,
                               const std::vector<Observation>& observations,
                               std::optional<int64_t> computed_from_events,
                               const std::vector<std::string>& notes) {
  v1::MetricSummary summary;
  summary.set_metric(metric);
  *summary.mutable_period() = period;
  summary.set_country_code(country_code);
  for (const Observation& observation : observations) *summary.add_observations() = observation;
  if (computed_from_events.has_value()) summary.set_computed_from_events(*computed_from_events);

  // One figure per source: widest coverage, then latest end, then most recently recorded
  // (observations arrive in creation order, so a later one wins a full tie).
  absl::flat_hash_map<std::string, size_t> chosen_index;
  std::vector<const Observation*> chosen;
  for (const Observation& observation : observations) {
    const std::string& source = observation.source().name();
    auto it = chosen_index.find(source);
    if (it == chosen_index.end()) {
      chosen_index.emplace(source, chosen.size());
      chosen.push_back(&observation);
      continue;
    }
    const Span current = SpanOf(*chosen[it->second]);
    const Span candidate = SpanOf(observation);
    const int32_t current_days = current.last - current.first;
    const int32_t candidate_days = candidate.last - candidate.first;
    if (candidate_days > current_days ||
        (candidate_days == current_days && candidate.last >= current.last)) {
      chosen[it->second] = &observation;
    }
  }
  if (chosen.empty()) {
    summary.add_discrepancy_notes("no source reported this metric for this country and period");
  }

  std::vector<int64_t> bests;
  for (const Observation* observation : chosen) {
    const Count& value = observation->value();
    const int64_t low = value.has_low() ? value.low() : value.best();
    const int64_t high = value.has_high() ? value.high() : value.best();
    if (bests.empty() || low < summary.low()) summary.set_low(low);
    if (bests.empty() || high > summary.high()) summary.set_high(high);
    bests.push_back(value.best());
  }
  summary.set_source_count(static_cast<int32_t>(chosen.size()));
  summary.set_consensus(Median(bests));

  // Every pair of sources, each figure read with its qualifier ("at least 100" and 200 agree);
  // the note names the pair furthest apart and counts the others.
  int disagreeing_pairs = 0;
  const Observation* lower = nullptr;
  const Observation* higher = nullptr;
  std::optional<Gap> widest;
  for (size_t i = 0; i < chosen.size(); ++i) {
    for (size_t j = i + 1; j < chosen.size(); ++j) {
      const std::optional<Gap> gap = GapBetween(chosen[i]->value(), chosen[j]->value());
      if (!gap.has_value() || !FarApart(gap->low, gap->high)) continue;
      ++disagreeing_pairs;
      if (widest.has_value() && Apart(*gap) <= Apart(*widest)) continue;
      widest = gap;
      lower = gap->low_is_a ? chosen[i] : chosen[j];
      higher = gap->low_is_a ? chosen[j] : chosen[i];
    }
  }
  if (widest.has_value()) {
    std::string note =
        absl::StrCat("sources disagree by ", PercentApart(widest->low, widest->high),
                     "%: ", lower->source().name(), " reports ", Figure(lower->value()), ", ",
                     higher->source().name(), " reports ", Figure(higher->value()));
    if (disagreeing_pairs > 1) {
      absl::StrAppend(&note, " (", disagreeing_pairs,
                      " pairs of sources disagree by more than 20%)");
    }
    summary.add_discrepancy_notes(std::move(note));
  }
  if (computed_from_events.has_value()) {
    for (const Observation* observation : chosen) {
      if (!Disagree(observation->value(), *computed_from_events)) continue;
      summary.add_discrepancy_notes(absl::StrCat(
          observation->source().name(), " reports ", Figure(observation->value()),
          " but the recorded events add up to ", *computed_from_events, " (",
          PercentApart(observation->value().best(), *computed_from_events), "% apart)"));
    }
  }
  for (const Observation* observation : chosen) {
    if (observation->period_kind() != v1::PERIOD_KIND_INTERVAL) continue;
    if (observation->period().start_date() == period.start_date() &&
        observation->period().end_date() == period.end_date()) {
      continue;
    }
    summary.add_discrepancy_notes(absl::StrCat(
        observation->source().name(), "'s figure covers ", observation->period().start_date(),
        " to ", observation->period().end_date(), ", only part of the period"));
  }
  for (const std::string& note : notes) summary.add_discrepancy_notes(note);
  return summary;
}

}  // namespace lookout::stats
