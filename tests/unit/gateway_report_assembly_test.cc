// The pure parts of a situation report: request normalisation, the actor ids to fetch, the
// joins, the metrics list and the warning wording.
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/gateway/reports/report_assembly.h"

namespace lookout::gateway {
namespace {

stats::v1::AggregateEventsResponse TopActors(std::vector<std::string> ids) {
  stats::v1::AggregateEventsResponse top;
  int count = 100;
  for (const std::string& id : ids) {
    auto* row = top.add_rows();
    row->add_keys(id);
    row->set_event_count(count--);
    row->set_fatalities(count);
  }
  return top;
}

event::v1::ListEventsResponse Recent(std::vector<std::vector<std::string>> participants) {
  event::v1::ListEventsResponse list;
  int n = 0;
  for (const auto& ids : participants) {
    auto* event = list.add_events();
    event->set_id("evt_" + std::to_string(n++));
    for (const std::string& id : ids) event->add_participants()->set_actor_id(id);
  }
  return list;
}

TEST(ReportAssemblyTest, NormalizesTheRequest) {
  v1::GetSituationReportRequest request;
  request.set_country_code("hti");
  request.mutable_period()->set_start_date("2024-01-01");
  request.mutable_period()->set_end_date("2024-03-31");
  auto normalized = NormalizeReportRequest(request);
  ASSERT_TRUE(normalized.ok()) << normalized.status();
  EXPECT_EQ(normalized->country_code(), "HTI");
  EXPECT_EQ(normalized->recent_events(), 10);
  request.set_recent_events(500);
  EXPECT_EQ(NormalizeReportRequest(request)->recent_events(), 100);
}

TEST(ReportAssemblyTest, RefusesBadRequestsNamingTheField) {
  struct Case {
    std::function<void(v1::GetSituationReportRequest*)> change;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {[](auto* r) { r->clear_country_code(); }, "country_code"},
           {[](auto* r) { r->set_country_code("HAITI"); }, "country_code"},
           {[](auto* r) { r->mutable_period()->set_start_date("2024-02-30"); }, "period"},
           {[](auto* r) { r->mutable_period()->set_end_date("2023-01-01"); }, "period"},
           {[](auto* r) { r->set_recent_events(-1); }, "recent_events"},
       }) {
    v1::GetSituationReportRequest request;
    request.set_country_code("HTI");
    request.mutable_period()->set_start_date("2024-01-01");
    request.mutable_period()->set_end_date("2024-03-31");
    c.change(&request);
    auto normalized = NormalizeReportRequest(request);
    ASSERT_FALSE(normalized.ok()) << c.field;
    EXPECT_EQ(normalized.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(normalized.status().message(), c.field)) << normalized.status();
  }
}

// A report on a sea: a basin in any letter case, a known body of water in its own spelling,
// another body of water as written; the filter selects that area and no country.
TEST(ReportAssemblyTest, AReportOnASeaFiltersByItsBasinOrBodyOfWater) {
  struct Case {
    std::string asked;
    std::string normalized;
    bool basin;
  };
  for (const Case& c : std::vector<Case>{{"red sea", "Red Sea", true},
                                         {" Atlantic Ocean ", "Atlantic Ocean", true},
                                         {"CARIBBEAN SEA", "Caribbean Sea", false},
                                         {"Gulf of Aden", "Gulf of Aden", false},
                                         {"Golfe de Gascogne", "Golfe de Gascogne", false}}) {
    v1::GetSituationReportRequest request;
    request.set_maritime_area(c.asked);
    auto normalized = NormalizeReportRequest(request);
    ASSERT_TRUE(normalized.ok()) << normalized.status();
    EXPECT_EQ(normalized->maritime_area(), c.normalized);
    EXPECT_EQ(normalized->country_code(), "");
    EXPECT_EQ(IsBasinReport(*normalized), c.basin) << c.asked;
    const event::v1::EventFilter filter = ReportFilter(*normalized);
    EXPECT_TRUE(filter.country_codes().empty());
    if (c.basin) {
      EXPECT_THAT(filter.maritime_basins(), ::testing::ElementsAre(c.normalized));
      EXPECT_TRUE(filter.bodies_of_water().empty());
    } else {
      EXPECT_THAT(filter.bodies_of_water(), ::testing::ElementsAre(c.normalized));
      EXPECT_TRUE(filter.maritime_basins().empty());
    }
  }
  v1::GetSituationReportRequest both;
  both.set_country_code("HTI");
  both.set_maritime_area("Caribbean Sea");
  auto refused = NormalizeReportRequest(both);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(refused.status().message(), "maritime_area: ")) << refused.status();
  v1::GetSituationReportRequest neither;
  refused = NormalizeReportRequest(neither);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::StartsWith(refused.status().message(), "country_code: ")) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "maritime_area"));
  v1::GetSituationReportRequest too_long;
  too_long.set_maritime_area(std::string(201, 's'));
  refused = NormalizeReportRequest(too_long);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::StartsWith(refused.status().message(), "maritime_area: ")) << refused.status();
}

TEST(ReportAssemblyTest, ActorIdsTopActorsFirstWithoutRepeats) {
  auto top = TopActors({"act_a", "act_b"});
  auto recent = Recent({{"act_b", "act_c"}, {"act_c", "act_d", ""}});
  EXPECT_EQ(ActorIdsToFetch(&top, &recent),
            (std::vector<std::string>{"act_a", "act_b", "act_c", "act_d"}));
  EXPECT_EQ(ActorIdsToFetch(nullptr, &recent),
            (std::vector<std::string>{"act_b", "act_c", "act_d"}));
  EXPECT_TRUE(ActorIdsToFetch(nullptr, nullptr).empty());
}

TEST(ReportAssemblyTest, JoinsFullActorsAndFallsBackToIds) {
  actor::v1::BatchGetActorsResponse batch;
  auto* a = batch.add_actors();
  a->set_id("act_a");
  a->set_name("Viv Ansanm");
  ActorIndex index = IndexActors(batch);
  v1::GetSituationReportResponse report;
  AddTopActors(TopActors({"act_a", "act_gone"}), index, &report);
  AddRecentEvents(Recent({{"act_gone", "act_a"}}), index, &report);
  ASSERT_EQ(report.top_actors_size(), 2);
  EXPECT_EQ(report.top_actors(0).actor().name(), "Viv Ansanm");
  EXPECT_EQ(report.top_actors(0).event_count(), 100);
  EXPECT_EQ(report.top_actors(1).actor().id(), "act_gone");
  EXPECT_EQ(report.top_actors(1).actor().name(), "");
  ASSERT_EQ(report.recent_events_size(), 1);
  ASSERT_EQ(report.recent_events(0).actors_size(), 2);
  EXPECT_EQ(report.recent_events(0).actors(0).id(), "act_gone");
  EXPECT_EQ(report.recent_events(0).actors(1).name(), "Viv Ansanm");
}

TEST(ReportAssemblyTest, AtMostTenTopActors) {
  std::vector<std::string> ids;
  for (int i = 0; i < 15; ++i) ids.push_back("act_" + std::to_string(i));
  v1::GetSituationReportResponse report;
  AddTopActors(TopActors(ids), {}, &report);
  EXPECT_EQ(report.top_actors_size(), 10);
}

TEST(ReportAssemblyTest, MetricsReportedAreDistinctAndOrdered) {
  stats::v1::ListObservationsResponse list;
  for (auto metric : {stats::v1::METRIC_IDPS, stats::v1::METRIC_KILLED, stats::v1::METRIC_IDPS,
                      stats::v1::METRIC_UNSPECIFIED}) {
    list.add_observations()->set_metric(metric);
  }
  EXPECT_EQ(MetricsReported(list),
            (std::vector<stats::v1::Metric>{stats::v1::METRIC_KILLED, stats::v1::METRIC_IDPS}));
}

TEST(ReportAssemblyTest, WarningNamesDependencyCodeAndWhatIsMissing) {
  std::string warning = DependencyWarning(
      "stats", grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"), "figures are");
  EXPECT_EQ(warning,
            "stats service failed (UNAVAILABLE: connection refused): figures are missing from "
            "this report");
}

}  // namespace
}  // namespace lookout::gateway
