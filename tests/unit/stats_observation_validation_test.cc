#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "services/stats/observation_validation.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Observation;

Observation Valid() {
  Observation o;
  o.set_metric(v1::METRIC_KILLED);
  o.mutable_value()->set_best(1100);
  o.mutable_value()->set_low(1000);
  o.mutable_value()->set_high(1200);
  o.mutable_value()->set_qualifier(lookout::type::v1::QUALIFIER_APPROXIMATELY);
  o.set_unit(v1::UNIT_PERSONS);
  o.mutable_period()->set_start_date("2024-01-01");
  o.mutable_period()->set_end_date("2024-01-31");
  o.set_period_kind(v1::PERIOD_KIND_INTERVAL);
  o.set_country_code("HTI");
  o.mutable_source()->set_name("BINUH");
  o.add_actor_ids("act_1");
  return o;
}

struct Case {
  const char* name;
  std::function<void(Observation&)> mutate;
  const char* field;
};

TEST(StatsObservationValidationTest, AcceptsAValidObservation) {
  EXPECT_TRUE(ValidateObservation(Valid()).ok());
  Observation stock = Valid();
  stock.set_metric(v1::METRIC_IDPS);
  stock.set_period_kind(v1::PERIOD_KIND_POINT_IN_TIME);
  stock.mutable_period()->set_end_date("");
  EXPECT_TRUE(ValidateObservation(stock).ok());
  Observation funding = Valid();
  funding.set_metric(v1::METRIC_FUNDING_USD);
  funding.set_unit(v1::UNIT_USD);
  EXPECT_TRUE(ValidateObservation(funding).ok());
}

TEST(StatsObservationValidationTest, NamesTheFieldOfEveryRule) {
  const std::vector<Case> cases = {
      {"no metric", [](Observation& o) { o.clear_metric(); }, "observation.metric"},
      {"unknown metric", [](Observation& o) { o.set_metric(static_cast<v1::Metric>(99)); },
       "observation.metric"},
      {"no unit", [](Observation& o) { o.clear_unit(); }, "observation.unit"},
      {"usd for deaths", [](Observation& o) { o.set_unit(v1::UNIT_USD); }, "observation.unit"},
      {"funding in persons", [](Observation& o) { o.set_metric(v1::METRIC_FUNDING_USD); },
       "observation.unit"},
      {"negative best", [](Observation& o) { o.mutable_value()->set_best(-1); },
       "observation.value.best"},
      {"low above best",
       [](Observation& o) {
         o.mutable_value()->set_low(1150);
         o.mutable_value()->set_best(1100);
       },
       "observation.value"},
      {"high below best", [](Observation& o) { o.mutable_value()->set_high(1050); },
       "observation.value"},
      {"unknown qualifier",
       [](Observation& o) {
         o.mutable_value()->set_qualifier(static_cast<lookout::type::v1::Qualifier>(9));
       },
       "observation.value.qualifier"},
      {"at least with a high",
       [](Observation& o) {
         o.mutable_value()->set_qualifier(lookout::type::v1::QUALIFIER_AT_LEAST);
       },
       "observation.value.high"},
      {"at most with a low",
       [](Observation& o) {
         o.mutable_value()->set_qualifier(lookout::type::v1::QUALIFIER_AT_MOST);
         o.mutable_value()->clear_high();
       },
       "observation.value.low"},
      {"percent above 100",
       [](Observation& o) {
         o.set_unit(v1::UNIT_PERCENT);
         o.mutable_value()->clear_high();
         o.mutable_value()->clear_low();
         o.mutable_value()->set_best(130);
       },
       "observation.value.best"},
      {"no start", [](Observation& o) { o.mutable_period()->clear_start_date(); },
       "observation.period.start_date"},
      {"bad date", [](Observation& o) { o.mutable_period()->set_end_date("2024-02-30"); },
       "observation.period.end_date"},
      {"period backwards", [](Observation& o) { o.mutable_period()->set_end_date("2023-12-31"); },
       "observation.period"},
      {"no period kind", [](Observation& o) { o.clear_period_kind(); }, "observation.period_kind"},
      {"stock over an interval",
       [](Observation& o) { o.set_period_kind(v1::PERIOD_KIND_POINT_IN_TIME); },
       "observation.period.end_date"},
      {"flow without an end", [](Observation& o) { o.mutable_period()->clear_end_date(); },
       "observation.period.end_date"},
      {"no country", [](Observation& o) { o.clear_country_code(); }, "observation.country_code"},
      {"lower-case country", [](Observation& o) { o.set_country_code("hti"); },
       "observation.country_code"},
      {"bad origin", [](Observation& o) { o.set_origin_country_code("XX"); },
       "observation.origin_country_code"},
      {"long admin1", [](Observation& o) { o.set_admin1(std::string(201, 'a')); },
       "observation.admin1"},
      {"no source name", [](Observation& o) { o.mutable_source()->clear_name(); },
       "observation.source.name"},
      {"blank actor id", [](Observation& o) { o.add_actor_ids("  "); }, "observation.actor_ids[1]"},
      {"too many event ids",
       [](Observation& o) {
         for (int i = 0; i < 101; ++i) o.add_event_ids("evt_x");
       },
       "observation.event_ids"},
      {"notes too long", [](Observation& o) { o.set_notes(std::string(10001, 'n')); },
       "observation.notes"},
  };
  for (const Case& c : cases) {
    Observation o = Valid();
    c.mutate(o);
    absl::Status status = ValidateObservation(o);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(errors::FieldOf(status), c.field) << c.name << ": " << status;
  }
}

// Figures are compared with sums of events' counts: a bound per kind of figure keeps them
// plausible and every comparison far from overflowing.
TEST(StatsObservationValidationTest, ValuesAreBoundedByWhatTheyCount) {
  struct Bounded {
    v1::Metric metric;
    v1::Unit unit;
    int64_t max;
    const char* rule;
  } bounded[] = {
      {v1::METRIC_KILLED, v1::UNIT_PERSONS, 1'000'000'000, "(the largest casualty count)"},
      {v1::METRIC_MISSING, v1::UNIT_PERSONS, 1'000'000'000, "(the largest casualty count)"},
      {v1::METRIC_IDPS, v1::UNIT_HOUSEHOLDS, 10'000'000'000, "(more than the world's population)"},
      {v1::METRIC_FUNDING_USD, v1::UNIT_USD, 1'000'000'000'000'000, "for a USD figure"},
      {v1::METRIC_PEOPLE_IN_NEED, v1::UNIT_PERCENT, 100, "for a PERCENT figure"},
  };
  for (const Bounded& b : bounded) {
    const std::string name = v1::Metric_Name(b.metric);
    Observation o = Valid();
    o.set_metric(b.metric);
    o.set_unit(b.unit);
    o.mutable_value()->clear_low();
    o.mutable_value()->set_best(b.max);
    o.mutable_value()->set_high(b.max);
    EXPECT_TRUE(ValidateObservation(o).ok()) << name;
    o.mutable_value()->set_high(b.max + 1);
    absl::Status status = ValidateObservation(o);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(errors::FieldOf(status), "observation.value.high") << name << ": " << status;
    o.mutable_value()->clear_high();
    o.mutable_value()->set_best(INT64_MAX);
    status = ValidateObservation(o);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(status.message(), absl::StrCat("observation.value.best: must be at most ", b.max, " ",
                                             b.rule, ", got 9223372036854775807"))
        << name;
  }
}

TEST(StatsObservationValidationTest, ChecksReadRequests) {
  v1::ListObservationsRequest list;
  EXPECT_TRUE(ValidateListObservations(list).ok());
  list.set_page_size(-1);
  EXPECT_EQ(errors::FieldOf(ValidateListObservations(list)), "page_size");
  list.set_page_size(0);
  list.set_country_code("Haiti");
  EXPECT_EQ(errors::FieldOf(ValidateListObservations(list)), "country_code");

  v1::SummarizeMetricRequest summarize;
  summarize.set_metric(v1::METRIC_KILLED);
  summarize.set_country_code("HTI");
  summarize.mutable_period()->set_start_date("2024-01-01");
  EXPECT_EQ(errors::FieldOf(ValidateSummarizeMetric(summarize)), "period.end_date");
  summarize.mutable_period()->set_end_date("2024-01-31");
  EXPECT_TRUE(ValidateSummarizeMetric(summarize).ok());
  summarize.clear_metric();
  EXPECT_EQ(errors::FieldOf(ValidateSummarizeMetric(summarize)), "metric");
}

}  // namespace
}  // namespace lookout::stats
