// Observations through the real gRPC surface of the stats service, stored in its SQLite file and
// in PostgreSQL (each test runs on both): record, get, list (filters, keyset pages, tokens),
// delete, idempotency, every validation error with its exact code and nothing written,
// SummarizeMetric against events created through the real event service, and each
// observation's revisions (issue 26): who recorded and deleted it, when, why, what changed.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "absl/strings/str_format.h"
#include "common/call_context.h"
#include "common/change_history.h"
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

  // A context as the gateway sends: the internal token, the key's name and the request id.
  static std::unique_ptr<grpc::ClientContext> AsPrincipal(const std::string& principal,
                                                          const std::string& request_id) {
    auto context = StatsCluster::Context();
    context->AddMetadata(kPrincipalHeader, principal);
    context->AddMetadata(kRequestIdHeader, request_id);
    return context;
  }

  grpc::Status Revisions(v1::ListObservationRevisionsRequest request,
                         v1::ListObservationRevisionsResponse* response) {
    return cluster_.stats().ListObservationRevisions(StatsCluster::Context().get(), request,
                                                     response);
  }
  grpc::Status Revisions(const std::string& id, v1::ListObservationRevisionsResponse* response) {
    v1::ListObservationRevisionsRequest request;
    request.set_id(id);
    return Revisions(request, response);
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

// Issue 26: a record and a delete are two revisions, newest first, each with the principal and
// request id the gateway set, the reason given, the time, and the fields it changed.
TEST_P(StatsObservationsTest, RevisionsSayWhoRecordedAndDeletedWhenWhyAndWhat) {
  v1::RecordObservationRequest record;
  *record.mutable_observation() = Killed("BINUH", 1100);
  record.set_reason("BINUH quarterly report");
  v1::RecordObservationResponse recorded;
  grpc::Status status = cluster_.stats().RecordObservation(
      AsPrincipal("alice", "req-record").get(), record, &recorded);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const Observation& observation = recorded.observation();
  v1::DeleteObservationRequest remove;
  remove.set_id(observation.id());
  remove.set_reason("superseded by the annual figure");
  v1::DeleteObservationResponse removed;
  status = cluster_.stats().DeleteObservation(AsPrincipal("bob", "req-delete").get(), remove,
                                              &removed);
  ASSERT_TRUE(status.ok()) << status.error_message();

  v1::ListObservationRevisionsResponse history;
  status = Revisions(observation.id(), &history);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(history.revisions_size(), 2);
  EXPECT_TRUE(history.next_page_token().empty());
  const v1::ObservationRevision& deleted = history.revisions(0);
  const v1::ObservationRevision& created = history.revisions(1);
  EXPECT_GT(deleted.sequence(), created.sequence());
  EXPECT_EQ(deleted.type(), event::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(deleted.provenance().principal(), "bob");
  EXPECT_EQ(deleted.provenance().request_id(), "req-delete");
  EXPECT_EQ(deleted.provenance().reason(), "superseded by the annual figure");
  EXPECT_GE(deleted.provenance().time().seconds(), observation.create_time().seconds());
  EXPECT_TRUE(deleted.changed_paths().empty());
  EXPECT_EQ(deleted.observation().SerializeAsString(), observation.SerializeAsString());
  EXPECT_EQ(created.type(), event::v1::CHANGE_TYPE_CREATED);
  EXPECT_EQ(created.provenance().principal(), "alice");
  EXPECT_EQ(created.provenance().request_id(), "req-record");
  EXPECT_EQ(created.provenance().reason(), "BINUH quarterly report");
  // Recorded and logged at the same instant (to the microsecond the log keeps).
  EXPECT_EQ(created.provenance().time().seconds(), observation.create_time().seconds());
  EXPECT_EQ(created.provenance().time().nanos() / 1000, observation.create_time().nanos() / 1000);
  EXPECT_THAT(created.changed_paths(),
              ::testing::ElementsAre("id", "metric", "value", "unit", "period", "period_kind",
                                     "country_code", "source", "create_time"));
  EXPECT_EQ(created.observation().SerializeAsString(), observation.SerializeAsString());

  // Pages of one, newest first; a token belongs to the history it came from.
  v1::ListObservationRevisionsRequest request;
  request.set_id(observation.id());
  request.set_page_size(1);
  v1::ListObservationRevisionsResponse page;
  ASSERT_TRUE(Revisions(request, &page).ok());
  ASSERT_EQ(page.revisions_size(), 1);
  EXPECT_EQ(page.revisions(0).sequence(), deleted.sequence());
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  ASSERT_TRUE(Revisions(request, &page).ok());
  ASSERT_EQ(page.revisions_size(), 1);
  EXPECT_EQ(page.revisions(0).sequence(), created.sequence());
  EXPECT_TRUE(page.next_page_token().empty());
  Observation other;
  ASSERT_TRUE(Record(Killed("UN", 900), "", &other).ok());
  request.set_id(other.id());
  status = Revisions(request, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));

  // A call that came with the internal token and no principal records none.
  ASSERT_TRUE(Revisions(other.id(), &page).ok());
  ASSERT_EQ(page.revisions_size(), 1);
  EXPECT_EQ(page.revisions(0).provenance().principal(), "");

  EXPECT_EQ(Revisions("obs_0000000000000000", &page).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Revisions("", &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_id(other.id());
  request.clear_page_token();
  request.set_page_size(-1);
  status = Revisions(request, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_size"));
}

// A reason with a control character or over 500 bytes is INVALID_ARGUMENT naming "reason", on a
// record and on a delete, and writes nothing (no observation, no revision). One that is not
// UTF-8 is INVALID_ARGUMENT too, from the request check every service runs before the method
// (common/malformed_request_interceptor.h), which cannot name the field.
TEST_P(StatsObservationsTest, ABadReasonIsInvalidArgumentNamingItAndWritesNothing) {
  const std::vector<std::string> bad = {"two\nlines", "red\x1b[31m",
                                        std::string(kMaxChangeReasonLength + 1, 'x'), "\xff\xfe"};
  auto names_reason = [](const std::string& reason, const grpc::Status& status) {
    if (reason == "\xff\xfe") {
      EXPECT_THAT(status.error_message(), HasSubstr("UTF-8"));
    } else {
      EXPECT_THAT(status.error_message(), HasSubstr("reason"));
    }
  };
  for (const std::string& reason : bad) {
    v1::RecordObservationRequest record;
    *record.mutable_observation() = Killed("BINUH", 5);
    record.set_request_id("req-reason");
    record.set_reason(reason);
    v1::RecordObservationResponse recorded;
    grpc::Status status =
        cluster_.stats().RecordObservation(StatsCluster::Context().get(), record, &recorded);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << reason;
    names_reason(reason, status);
  }
  EXPECT_TRUE(ListAll().empty());
  // The refused request_id was not consumed; the longest reason passes.
  v1::RecordObservationRequest record;
  *record.mutable_observation() = Killed("BINUH", 5);
  record.set_request_id("req-reason");
  record.set_reason(std::string(kMaxChangeReasonLength, 'x'));
  v1::RecordObservationResponse recorded;
  ASSERT_TRUE(
      cluster_.stats().RecordObservation(StatsCluster::Context().get(), record, &recorded).ok());
  const std::string id = recorded.observation().id();

  for (const std::string& reason : bad) {
    v1::DeleteObservationRequest remove;
    remove.set_id(id);
    remove.set_reason(reason);
    v1::DeleteObservationResponse removed;
    grpc::Status status =
        cluster_.stats().DeleteObservation(StatsCluster::Context().get(), remove, &removed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << reason;
    names_reason(reason, status);
  }
  EXPECT_EQ(ListAll().size(), 1u);
  v1::ListObservationRevisionsResponse history;
  ASSERT_TRUE(Revisions(id, &history).ok());
  ASSERT_EQ(history.revisions_size(), 1);
  EXPECT_EQ(history.revisions(0).type(), event::v1::CHANGE_TYPE_CREATED);
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsObservationsTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::stats
