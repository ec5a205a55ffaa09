// The pure parts of a situation report: request normalisation, the actor ids to fetch, the
// joins, the metrics list and the warning wording.
#include "absl/strings/match.h"
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
