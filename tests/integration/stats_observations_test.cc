// Observations through the real gRPC surface of the stats service, stored in its SQLite file and
// in PostgreSQL (each test runs on both): record, get, list (filters, keyset pages, tokens),
// delete, idempotency, every validation error with its exact code and nothing written, and
// SummarizeMetric against events created through the real event service.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "tests/integration/stats_cluster.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/temp_dir.h"

namespace lookout::stats {
namespace {

using ::lookout::stats::v1::Observation;
using ::testing::HasSubstr;
using testing::Killed;
using testing::StatsCluster;

class StatsObservationsTest : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    options_.observation_store =
        lookout::testing::TestStoreLocation(GetParam(), dir_.File("stats.db"), "stats");
    cluster_.StartActor();
    cluster_.StartEvent();
    cluster_.StartStats(options_);
    ASSERT_TRUE(cluster_.WaitStatsServing());
  }

  grpc::Status Record(const Observation& observation, const std::string& request_id,
                      Observation* out = nullptr) {
    v1::RecordObservationRequest request;
    *request.mutable_observation() = observation;
    request.set_request_id(request_id);
    v1::RecordObservationResponse response;
    grpc::Status status =
        cluster_.stats().RecordObservation(StatsCluster::Context().get(), request, &response);
    if (out != nullptr) *out = response.observation();
    return status;
  }

  // Every stored observation, through ListObservations pages.
  std::vector<Observation> ListAll(v1::ListObservationsRequest request = {}) {
    std::vector<Observation> all;
    do {
      v1::ListObservationsResponse response;
      grpc::Status status =
          cluster_.stats().ListObservations(StatsCluster::Context().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      all.insert(all.end(), response.observations().begin(), response.observations().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return all;
  }

  lookout::testing::TempDir dir_;
  testing::StatsOptions options_;
  StatsCluster cluster_{dir_.path()};
};

TEST_P(StatsObservationsTest, RecordGetAndDelete) {
  Observation stored;
  Observation input = Killed("BINUH", 1100);
  input.set_id("obs_client_chosen");  // output only: ignored
  ASSERT_TRUE(Record(input, "", &stored).ok());
  EXPECT_THAT(stored.id(), ::testing::StartsWith("obs_"));
  EXPECT_NE(stored.id(), "obs_client_chosen");
  EXPECT_GT(stored.create_time().seconds(), 0);

  v1::GetObservationRequest get;
  get.set_id(stored.id());
  v1::GetObservationResponse got;
  ASSERT_TRUE(cluster_.stats().GetObservation(StatsCluster::Context().get(), get, &got).ok());
  EXPECT_EQ(got.observation().SerializeAsString(), stored.SerializeAsString());

  v1::DeleteObservationRequest del;
  del.set_id(stored.id());
  v1::DeleteObservationResponse deleted;
  EXPECT_TRUE(
      cluster_.stats().DeleteObservation(StatsCluster::Context().get(), del, &deleted).ok());
  EXPECT_EQ(cluster_.stats().GetObservation(StatsCluster::Context().get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      cluster_.stats().DeleteObservation(StatsCluster::Context().get(), del, &deleted).error_code(),
      grpc::StatusCode::NOT_FOUND);
  get.set_id("");
  EXPECT_EQ(cluster_.stats().GetObservation(StatsCluster::Context().get(), get, &got).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(StatsObservationsTest, BadInputIsInvalidArgumentAndWritesNothing) {
  for (const auto& [field, observation] : testing::BadObservations()) {
    grpc::Status status = Record(observation, "req-bad-" + field);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(status.error_message(), HasSubstr(field));
  }
  grpc::Status status = Record(Killed("BINUH", 10), std::string(129, 'r'));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("request_id"));
  EXPECT_TRUE(ListAll().empty());
  // A rejected request_id was not consumed: the same id with a good payload works.
  EXPECT_TRUE(Record(Killed("BINUH", 10), "req-bad-observation.value").ok());
  EXPECT_EQ(ListAll().size(), 1u);
}

TEST_P(StatsObservationsTest, RequestIdMakesRecordIdempotent) {
  Observation first, again;
  ASSERT_TRUE(Record(Killed("BINUH", 1100), "req-1", &first).ok());
  ASSERT_TRUE(Record(Killed("BINUH", 1100), "req-1", &again).ok());
  EXPECT_EQ(first.id(), again.id());
  EXPECT_EQ(first.create_time().SerializeAsString(), again.create_time().SerializeAsString());
  grpc::Status status = Record(Killed("BINUH", 1200), "req-1");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ListAll().size(), 1u);
}

TEST_P(StatsObservationsTest, ListFiltersAndPages) {
  std::set<std::string> ids;
  for (int i = 0; i < 23; ++i) {
    Observation o =
        Killed(i % 2 == 0 ? "UN" : "RNDDH", 100 + i, absl::StrFormat("2024-%02d-01", 1 + i % 12),
               absl::StrFormat("2024-%02d-28", 1 + i % 12));
    if (i % 5 == 0) o.set_country_code("KEN");
    if (i % 7 == 0) {
      o.set_metric(v1::METRIC_IDPS);
      o.set_period_kind(v1::PERIOD_KIND_POINT_IN_TIME);
      o.mutable_period()->clear_end_date();
    }
    Observation stored;
    ASSERT_TRUE(Record(o, "", &stored).ok());
    ids.insert(stored.id());
  }
  v1::ListObservationsRequest request;
  request.set_page_size(5);
  // Paging while new rows arrive neither repeats nor skips the rows that were there.
  std::set<std::string> seen;
  int pages = 0;
  do {
    v1::ListObservationsResponse response;
    ASSERT_TRUE(
        cluster_.stats().ListObservations(StatsCluster::Context().get(), request, &response).ok());
    ASSERT_LE(response.observations_size(), 5);
    for (const auto& o : response.observations()) EXPECT_TRUE(seen.insert(o.id()).second);
    if (pages++ == 1) {
      ASSERT_TRUE(Record(Killed("Late", 1), "").ok());
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  for (const std::string& id : ids) EXPECT_EQ(seen.count(id), 1u);

  v1::ListObservationsRequest filtered;
  filtered.set_metric(v1::METRIC_KILLED);
  filtered.set_country_code("HTI");
  filtered.set_source_name("UN");
  filtered.mutable_period()->set_start_date("2024-03-15");
  filtered.mutable_period()->set_end_date("2024-05-02");
  for (const Observation& o : ListAll(filtered)) {
    EXPECT_EQ(o.metric(), v1::METRIC_KILLED);
    EXPECT_EQ(o.country_code(), "HTI");
    EXPECT_EQ(o.source().name(), "UN");
    EXPECT_LE(o.period().start_date(), "2024-05-02");
    EXPECT_GE(o.period().end_date(), "2024-03-15");
  }
  // UN's Haitian KILLED figures are i = 2, 4, 6, 8, 12, 16, 18, 22; those of March (i = 2) and
  // May (i = 4, 16) overlap March 15 - May 2.
  EXPECT_EQ(ListAll(filtered).size(), 3u);

  // Each combination of the indexed filters (its own statement) pages in creation order and
  // returns exactly the matching rows.
  const std::vector<Observation> everything = ListAll();
  for (int metric : {0, static_cast<int>(v1::METRIC_KILLED), static_cast<int>(v1::METRIC_IDPS)}) {
    for (const std::string& country : {std::string(), std::string("KEN")}) {
      v1::ListObservationsRequest one;
      one.set_metric(static_cast<v1::Metric>(metric));
      one.set_country_code(country);
      one.set_page_size(2);
      std::vector<std::string> expected, got;
      for (const Observation& o : everything) {
        const bool metric_matches = metric == 0 || o.metric() == metric;
        if (metric_matches && (country.empty() || o.country_code() == country)) {
          expected.push_back(o.id());
        }
      }
      for (const Observation& o : ListAll(one)) got.push_back(o.id());
      EXPECT_EQ(got, expected) << "metric " << metric << ", country " << country;
    }
  }

  // A token from another query, a forged token and a negative page size are refused.
  v1::ListObservationsRequest first;
  first.set_page_size(2);
  v1::ListObservationsResponse page;
  ASSERT_TRUE(cluster_.stats().ListObservations(StatsCluster::Context().get(), first, &page).ok());
  filtered.set_page_token(page.next_page_token());
  EXPECT_EQ(cluster_.stats()
                .ListObservations(StatsCluster::Context().get(), filtered, &page)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  first.set_page_token("Zm9yZ2Vk");
  EXPECT_EQ(
      cluster_.stats().ListObservations(StatsCluster::Context().get(), first, &page).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  first.clear_page_token();
  first.set_page_size(-1);
  EXPECT_EQ(
      cluster_.stats().ListObservations(StatsCluster::Context().get(), first, &page).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(StatsObservationsTest, CallsWithoutTheInternalTokenAreUnauthenticated) {
  grpc::ClientContext context;
  v1::RecordObservationRequest request;
  *request.mutable_observation() = Killed("BINUH", 1);
  v1::RecordObservationResponse response;
  EXPECT_EQ(cluster_.stats().RecordObservation(&context, request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(ListAll().empty());
}

TEST_P(StatsObservationsTest, SummarizeReconcilesSourcesWithTheEvents) {
  testing::CreateReconciliationEvents(cluster_);
  ASSERT_TRUE(Record(Killed("UN", 1000), "").ok());
  ASSERT_TRUE(Record(Killed("RNDDH", 700), "").ok());
  Observation at_least = Killed("Press", 650);
  at_least.mutable_value()->set_qualifier(lookout::type::v1::QUALIFIER_AT_LEAST);
  ASSERT_TRUE(Record(at_least, "").ok());
  // Not within the period, another metric, and a subnational figure: not reconciled.
  ASSERT_TRUE(Record(Killed("UN", 5000, "2023-12-01", "2024-01-31"), "").ok());
  Observation injured = Killed("UN", 70);
  injured.set_metric(v1::METRIC_INJURED);
  ASSERT_TRUE(Record(injured, "").ok());
  Observation local = Killed("UN", 50);
  local.set_admin1("Ouest");
  ASSERT_TRUE(Record(local, "").ok());

  v1::SummarizeMetricRequest request;
  request.set_metric(v1::METRIC_KILLED);
  request.set_country_code("HTI");
  request.mutable_period()->set_start_date("2024-01-01");
  request.mutable_period()->set_end_date("2024-01-31");
  v1::SummarizeMetricResponse response;
  // The events were acknowledged; the read model sees them within a second.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(
        cluster_.stats().SummarizeMetric(StatsCluster::Context().get(), request, &response).ok());
    if (response.summary().computed_from_events() == 700) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  const v1::MetricSummary& s = response.summary();
  EXPECT_EQ(s.computed_from_events(), 700);
  EXPECT_EQ(s.source_count(), 3);
  EXPECT_EQ(s.observations_size(), 3);
  EXPECT_DOUBLE_EQ(s.consensus(), 700);
  EXPECT_EQ(s.low(), 650);
  EXPECT_EQ(s.high(), 1000);
  // UN's 1000 is 30% above the events' 700 and RNDDH's 700; "at least 650" agrees with every
  // figure (it is not compared with UN's 1000 as if it were 650).
  ASSERT_EQ(s.discrepancy_notes_size(), 2) << s.DebugString();
  EXPECT_EQ(s.discrepancy_notes(0), "sources disagree by 30%: RNDDH reports 700, UN reports 1000");
  EXPECT_THAT(s.discrepancy_notes(1),
              HasSubstr("UN reports 1000 but the recorded events add up to 700"));

  request.set_metric(v1::METRIC_INJURED);
  ASSERT_TRUE(
      cluster_.stats().SummarizeMetric(StatsCluster::Context().get(), request, &response).ok());
  EXPECT_EQ(response.summary().computed_from_events(), 70);
  EXPECT_EQ(response.summary().source_count(), 1);
  EXPECT_TRUE(response.summary().discrepancy_notes().empty());

  // Figures the events do not carry have no computed value.
  request.set_metric(v1::METRIC_IDPS);
  ASSERT_TRUE(
      cluster_.stats().SummarizeMetric(StatsCluster::Context().get(), request, &response).ok());
  EXPECT_FALSE(response.summary().has_computed_from_events());

  request.clear_country_code();
  EXPECT_EQ(cluster_.stats()
                .SummarizeMetric(StatsCluster::Context().get(), request, &response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(StatsObservationsTest, ObservationsSurviveARestart) {
  Observation stored;
  ASSERT_TRUE(Record(Killed("BINUH", 1100), "req-restart", &stored).ok());
  cluster_.StopStats();
  cluster_.StartStats(options_);
  ASSERT_TRUE(cluster_.WaitStatsServing());
  std::vector<Observation> all = ListAll();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id(), stored.id());
  // Idempotency records survive too.
  Observation again;
  ASSERT_TRUE(Record(Killed("BINUH", 1100), "req-restart", &again).ok());
  EXPECT_EQ(again.id(), stored.id());
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsObservationsTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::stats
