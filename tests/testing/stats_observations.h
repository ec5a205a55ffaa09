// Observations for the stats service's tests.
#ifndef LOOKOUT_TESTS_TESTING_STATS_OBSERVATIONS_H_
#define LOOKOUT_TESTS_TESTING_STATS_OBSERVATIONS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lookout/stats/v1/observation.pb.h"

namespace lookout::stats::testing {

// A source's count of people killed in Haiti over a period (January 2024 by default).
inline v1::Observation Killed(const std::string& source, int64_t best,
                              const std::string& start = "2024-01-01",
                              const std::string& end = "2024-01-31") {
  v1::Observation o;
  o.set_metric(v1::METRIC_KILLED);
  o.mutable_value()->set_best(best);
  o.set_unit(v1::UNIT_PERSONS);
  o.mutable_period()->set_start_date(start);
  o.mutable_period()->set_end_date(end);
  o.set_period_kind(v1::PERIOD_KIND_INTERVAL);
  o.set_country_code("HTI");
  o.mutable_source()->set_name(source);
  return o;
}

// Observations RecordObservation must refuse, each with the field its error has to name.
inline std::vector<std::pair<std::string, v1::Observation>> BadObservations() {
  std::vector<std::pair<std::string, v1::Observation>> bad;
  v1::Observation o = Killed("BINUH", 10);
  o.mutable_value()->set_low(11);
  bad.emplace_back("observation.value", o);
  o = Killed("BINUH", 10);
  o.mutable_period()->set_end_date("2023-12-01");
  bad.emplace_back("observation.period", o);
  o = Killed("BINUH", 10);
  o.mutable_value()->set_qualifier(lookout::type::v1::QUALIFIER_AT_LEAST);
  o.mutable_value()->set_high(20);
  bad.emplace_back("observation.value.high", o);
  o = Killed("BINUH", 10);
  o.set_country_code("HT");
  bad.emplace_back("observation.country_code", o);
  o = Killed("", 10);
  bad.emplace_back("observation.source.name", o);
  o = Killed("BINUH", 10);
  o.clear_metric();
  bad.emplace_back("observation.metric", o);
  return bad;
}

}  // namespace lookout::stats::testing

#endif  // LOOKOUT_TESTS_TESTING_STATS_OBSERVATIONS_H_
