#include <gtest/gtest.h>

#include "gmock/gmock.h"
#include "services/stats/metric_summary.h"
#include "tests/testing/stats_observations.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Observation;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Observation Obs(const std::string& source, int64_t best, const std::string& start,
                const std::string& end,
                lookout::type::v1::Qualifier qualifier = lookout::type::v1::QUALIFIER_EXACT) {
  Observation o = testing::Killed(source, best, start, end);
  o.mutable_value()->set_qualifier(qualifier);
  return o;
}

lookout::type::v1::DateRange Period(const std::string& start, const std::string& end) {
  lookout::type::v1::DateRange range;
  range.set_start_date(start);
  range.set_end_date(end);
  return range;
}

TEST(StatsMetricSummaryTest, ConsensusIsTheMedianOfOneFigurePerSource) {
  const auto period = Period("2024-01-01", "2024-01-31");
  std::vector<Observation> observations = {
      Obs("UN", 1000, "2024-01-01", "2024-01-31"),
      Obs("UN", 400, "2024-01-01", "2024-01-15"),  // narrower: the full-month figure wins
      Obs("RNDDH", 1100, "2024-01-01", "2024-01-31"),
      Obs("Press", 900, "2024-01-01", "2024-01-31")};
  observations[2].mutable_value()->set_low(950);
  observations[2].mutable_value()->set_high(1300);
  v1::MetricSummary s = BuildSummary(v1::METRIC_KILLED, "HTI", period, observations, 1050);
  EXPECT_EQ(s.source_count(), 3);
  EXPECT_DOUBLE_EQ(s.consensus(), 1000);
  EXPECT_EQ(s.low(), 900);
  EXPECT_EQ(s.high(), 1300);
  EXPECT_EQ(s.observations_size(), 4);
  ASSERT_TRUE(s.has_computed_from_events());
  EXPECT_EQ(s.computed_from_events(), 1050);
  // 900 vs 1100 is 18% apart; every source is within 20% of the events' 1050.
  EXPECT_THAT(s.discrepancy_notes(), IsEmpty());
}

TEST(StatsMetricSummaryTest, EvenCountsAverageTheMiddleTwo) {
  const auto period = Period("2024-01-01", "2024-01-31");
  v1::MetricSummary s = BuildSummary(
      v1::METRIC_IDPS, "HTI", period,
      {Obs("A", 100, "2024-01-01", "2024-01-31"), Obs("B", 200, "2024-01-01", "2024-01-31")},
      std::nullopt);
  EXPECT_DOUBLE_EQ(s.consensus(), 150);
  EXPECT_FALSE(s.has_computed_from_events());
  EXPECT_THAT(s.discrepancy_notes(),
              ElementsAre(HasSubstr("sources disagree by 50%: A reports 100, B reports 200")));
}

TEST(StatsMetricSummaryTest, NotesWhenReportedAndComputedDisagreeByMoreThanTwentyPercent) {
  const auto period = Period("2024-01-01", "2024-01-31");
  v1::MetricSummary s = BuildSummary(v1::METRIC_KILLED, "HTI", period,
                                     {Obs("UN", 1000, "2024-01-01", "2024-01-31")}, 700);
  EXPECT_THAT(
      s.discrepancy_notes(),
      ElementsAre(HasSubstr("UN reports 1000 but the recorded events add up to 700 (30% apart)")));
  // Exactly 20% apart is not more than 20%.
  s = BuildSummary(v1::METRIC_KILLED, "HTI", period, {Obs("UN", 1000, "2024-01-01", "2024-01-31")},
                   800);
  EXPECT_THAT(s.discrepancy_notes(), IsEmpty());
}

TEST(StatsMetricSummaryTest, QualifiersOnlyDisagreeInTheirDirection) {
  lookout::type::v1::Count at_least;
  at_least.set_best(100);
  at_least.set_qualifier(lookout::type::v1::QUALIFIER_AT_LEAST);
  EXPECT_FALSE(Disagree(at_least, 500));  // "at least 100" holds for 500
  EXPECT_TRUE(Disagree(at_least, 50));
  lookout::type::v1::Count at_most = at_least;
  at_most.set_qualifier(lookout::type::v1::QUALIFIER_AT_MOST);
  EXPECT_FALSE(Disagree(at_most, 10));
  EXPECT_TRUE(Disagree(at_most, 500));
  lookout::type::v1::Count exact = at_least;
  exact.set_qualifier(lookout::type::v1::QUALIFIER_EXACT);
  EXPECT_TRUE(Disagree(exact, 500));
  exact.set_best(0);
  EXPECT_FALSE(Disagree(exact, 0));
  EXPECT_TRUE(Disagree(exact, 3));
}

v1::MetricSummary Summary(const std::vector<Observation>& observations) {
  return BuildSummary(v1::METRIC_KILLED, "HTI", Period("2024-01-01", "2024-01-31"), observations,
                      std::nullopt);
}

TEST(StatsMetricSummaryTest, SourcesAreComparedPairwiseReadingQualifiers) {
  using lookout::type::v1::QUALIFIER_AT_LEAST;
  using lookout::type::v1::QUALIFIER_AT_MOST;
  const std::string from = "2024-01-01", to = "2024-01-31";
  // A figure inside another's bound agrees with it, however far from its best.
  EXPECT_THAT(Summary({Obs("A", 100, from, to, QUALIFIER_AT_LEAST), Obs("B", 200, from, to)})
                  .discrepancy_notes(),
              IsEmpty());
  EXPECT_THAT(Summary({Obs("A", 100, from, to, QUALIFIER_AT_MOST), Obs("B", 50, from, to)})
                  .discrepancy_notes(),
              IsEmpty());
  EXPECT_THAT(Summary({Obs("A", 100, from, to, QUALIFIER_AT_LEAST),
                       Obs("B", 300, from, to, QUALIFIER_AT_LEAST)})
                  .discrepancy_notes(),
              IsEmpty());
  EXPECT_THAT(Summary({Obs("A", 100, from, to, QUALIFIER_AT_MOST),
                       Obs("B", 50, from, to, QUALIFIER_AT_LEAST)})
                  .discrepancy_notes(),
              IsEmpty());
  // Outside it, they disagree by the gap between the bounds.
  EXPECT_THAT(Summary({Obs("A", 100, from, to, QUALIFIER_AT_LEAST), Obs("B", 50, from, to)})
                  .discrepancy_notes(),
              ElementsAre("sources disagree by 50%: B reports 50, A reports at least 100"));
  EXPECT_THAT(
      Summary(
          {Obs("A", 100, from, to, QUALIFIER_AT_MOST), Obs("B", 200, from, to, QUALIFIER_AT_LEAST)})
          .discrepancy_notes(),
      ElementsAre("sources disagree by 50%: A reports at most 100, B reports at least 200"));
  // Not just the lowest and highest best: "at least 90" agrees with both others, which disagree.
  EXPECT_THAT(Summary({Obs("A", 90, from, to, QUALIFIER_AT_LEAST), Obs("B", 100, from, to),
                       Obs("C", 130, from, to)})
                  .discrepancy_notes(),
              ElementsAre("sources disagree by 23%: B reports 100, C reports 130"));
  // The pair furthest apart is named; the others are counted.
  EXPECT_THAT(Summary({Obs("A", 200, from, to), Obs("B", 100, from, to), Obs("C", 300, from, to)})
                  .discrepancy_notes(),
              ElementsAre("sources disagree by 67%: B reports 100, C reports 300 (3 pairs of "
                          "sources disagree by more than 20%)"));
}

TEST(StatsMetricSummaryTest, NoObservationsSaysSo) {
  v1::MetricSummary s =
      BuildSummary(v1::METRIC_INJURED, "HTI", Period("2024-01-01", "2024-01-31"), {}, 12);
  EXPECT_EQ(s.source_count(), 0);
  EXPECT_EQ(s.computed_from_events(), 12);
  EXPECT_THAT(s.discrepancy_notes(), ElementsAre(HasSubstr("no source reported")));
}

TEST(StatsMetricSummaryTest, PartialCoverageIsNoted) {
  v1::MetricSummary s = BuildSummary(v1::METRIC_KILLED, "HTI", Period("2024-01-01", "2024-03-31"),
                                     {Obs("UN", 10, "2024-01-01", "2024-01-31")}, std::nullopt);
  EXPECT_THAT(s.discrepancy_notes(), ElementsAre(HasSubstr("only part of the period")));
}

TEST(StatsMetricSummaryTest, MapsCasualtyMetrics) {
  EXPECT_TRUE(HasEventCasualties(v1::METRIC_KIDNAPPED));
  EXPECT_FALSE(HasEventCasualties(v1::METRIC_IDPS));
  EXPECT_EQ(CasualtyKindOf(v1::METRIC_INJURED), event::v1::CASUALTY_KIND_INJURED);
}

}  // namespace
}  // namespace lookout::stats
