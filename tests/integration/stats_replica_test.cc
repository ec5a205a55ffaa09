// A stats replica without observations of its own (--observations_addr) in front of the
// lookout-stats that owns them, both real servers in-process on loopback ports, following one
// real event service: the observation calls through the replica reach the owner's store (its
// SQLite file or PostgreSQL: each test runs on both, the events on the same backend) and come back
// unchanged (results, codes, messages), SummarizeMetric through the replica equals the owner's, and
// an owner that is gone or silent is UNAVAILABLE within the deadline.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
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

grpc::Status Record(v1::StatsService::Stub& stats, const Observation& observation,
                    const std::string& request_id, Observation* out = nullptr) {
  v1::RecordObservationRequest request;
  *request.mutable_observation() = observation;
  request.set_request_id(request_id);
  v1::RecordObservationResponse response;
  grpc::Status status = stats.RecordObservation(StatsCluster::Context().get(), request, &response);
  if (out != nullptr) *out = response.observation();
  return status;
}

grpc::Status Get(v1::StatsService::Stub& stats, const std::string& id, Observation* out) {
  v1::GetObservationRequest request;
  request.set_id(id);
  v1::GetObservationResponse response;
  grpc::Status status = stats.GetObservation(StatsCluster::Context().get(), request, &response);
  *out = response.observation();
  return status;
}

grpc::Status Delete(v1::StatsService::Stub& stats, const std::string& id) {
  v1::DeleteObservationRequest request;
  request.set_id(id);
  v1::DeleteObservationResponse response;
  return stats.DeleteObservation(StatsCluster::Context().get(), request, &response);
}

// Every observation, through ListObservations pages of `page_size`; the ids in order.
std::vector<std::string> ListIds(v1::StatsService::Stub& stats, int page_size = 0,
                                 int* pages = nullptr) {
  std::vector<std::string> ids;
  v1::ListObservationsRequest request;
  request.set_page_size(page_size);
  if (pages != nullptr) *pages = 0;
  do {
    v1::ListObservationsResponse response;
    grpc::Status status = stats.ListObservations(StatsCluster::Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    if (pages != nullptr) ++*pages;
    for (const Observation& o : response.observations()) ids.push_back(o.id());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return ids;
}

class StatsReplicaTest : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    owner_options_.observation_store =
        lookout::testing::TestStoreLocation(GetParam(), owner_dir_.File("stats.db"), "stats");
    owner_.SetEventStore(
        lookout::testing::TestStoreLocation(GetParam(), owner_dir_.File("event.db"), "event"));
    owner_.StartActor();
    owner_.StartEvent();
    owner_.StartStats(owner_options_);
    ASSERT_TRUE(owner_.WaitStatsServing());
    testing::StatsOptions options;
    options.event_port = owner_.event_port();
    options.observations_addr = OwnerAddress();
    // Small pages, so the replica's SummarizeMetric has to follow page tokens.
    options.observations_page_size = 2;
    replica_.StartStats(options);
    ASSERT_TRUE(replica_.WaitStatsServing());
  }

  std::string OwnerAddress() { return absl::StrCat("127.0.0.1:", owner_.stats_port()); }
  v1::StatsService::Stub& owner() { return owner_.stats(); }
  v1::StatsService::Stub& replica() { return replica_.stats(); }

  lookout::testing::TempDir owner_dir_;
  lookout::testing::TempDir replica_dir_;
  testing::StatsOptions owner_options_;
  StatsCluster owner_{owner_dir_.path()};
  StatsCluster replica_{replica_dir_.path()};
};

TEST_P(StatsReplicaTest, RecordThroughTheReplicaIsReadableEverywhere) {
  Observation stored;
  ASSERT_TRUE(Record(replica(), Killed("BINUH", 1100), "", &stored).ok());
  ASSERT_THAT(stored.id(), ::testing::StartsWith("obs_"));
  Observation at_owner;
  ASSERT_TRUE(Get(owner(), stored.id(), &at_owner).ok());
  EXPECT_EQ(at_owner.SerializeAsString(), stored.SerializeAsString());
  Observation at_replica;
  ASSERT_TRUE(Get(replica(), stored.id(), &at_replica).ok());
  EXPECT_EQ(at_replica.SerializeAsString(), stored.SerializeAsString());
  // The replica's own data directory stays empty: it keeps no stats.db.
  EXPECT_FALSE(std::filesystem::exists(replica_dir_.path() + "/stats.db"));

  // Recorded at the owner, read through the replica.
  Observation second;
  ASSERT_TRUE(Record(owner(), Killed("UN", 900), "", &second).ok());
  ASSERT_TRUE(Get(replica(), second.id(), &at_replica).ok());
  EXPECT_EQ(at_replica.SerializeAsString(), second.SerializeAsString());

  Observation third;
  ASSERT_TRUE(Record(replica(), Killed("RNDDH", 700), "", &third).ok());
  const std::vector<std::string> expected = {stored.id(), second.id(), third.id()};
  EXPECT_EQ(ListIds(owner()), expected);
  EXPECT_EQ(ListIds(replica()), expected);
  // Page tokens are the owner's and work through the replica.
  int pages = 0;
  EXPECT_EQ(ListIds(replica(), 2, &pages), expected);
  EXPECT_EQ(pages, 2);

  // A request_id is the owner's: the same request through either server is the same record.
  Observation first_try;
  Observation retry;
  ASSERT_TRUE(Record(replica(), Killed("Press", 650), "req-1", &first_try).ok());
  ASSERT_TRUE(Record(owner(), Killed("Press", 650), "req-1", &retry).ok());
  EXPECT_EQ(retry.id(), first_try.id());
  grpc::Status reused = Record(replica(), Killed("Press", 651), "req-1");
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ListIds(owner()).size(), 4u);
}

TEST_P(StatsReplicaTest, DeleteThroughTheReplicaDeletesAtTheOwner) {
  Observation stored;
  ASSERT_TRUE(Record(owner(), Killed("BINUH", 1100), "", &stored).ok());
  ASSERT_TRUE(Delete(replica(), stored.id()).ok());
  Observation got;
  grpc::Status at_owner = Get(owner(), stored.id(), &got);
  EXPECT_EQ(at_owner.error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::Status at_replica = Get(replica(), stored.id(), &got);
  EXPECT_EQ(at_replica.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(at_replica.error_message(), at_owner.error_message());
  EXPECT_TRUE(ListIds(owner()).empty());
  grpc::Status again = Delete(replica(), stored.id());
  EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(again.error_message(), Delete(owner(), stored.id()).error_message());
}

// Issue 26: the replica passes the caller's principal and request id on, so the owner's change
// log names the author of a change made through the replica; the history reads the same there.
TEST_P(StatsReplicaTest, ChangesThroughTheReplicaAreLoggedWithTheCallersPrincipal) {
  auto as = [](const std::string& principal, const std::string& request_id) {
    auto context = StatsCluster::Context();
    context->AddMetadata(kPrincipalHeader, principal);
    context->AddMetadata(kRequestIdHeader, request_id);
    return context;
  };
  v1::RecordObservationRequest record;
  *record.mutable_observation() = Killed("BINUH", 1100);
  record.set_reason("through the replica");
  v1::RecordObservationResponse recorded;
  ASSERT_TRUE(
      replica().RecordObservation(as("alice", "req-r1").get(), record, &recorded).ok());
  v1::DeleteObservationRequest remove;
  remove.set_id(recorded.observation().id());
  remove.set_reason("gone");
  v1::DeleteObservationResponse removed;
  ASSERT_TRUE(replica().DeleteObservation(as("bob", "req-r2").get(), remove, &removed).ok());

  v1::ListObservationRevisionsRequest request;
  request.set_id(recorded.observation().id());
  v1::ListObservationRevisionsResponse at_owner, at_replica;
  ASSERT_TRUE(
      owner().ListObservationRevisions(StatsCluster::Context().get(), request, &at_owner).ok());
  ASSERT_TRUE(replica()
                  .ListObservationRevisions(StatsCluster::Context().get(), request, &at_replica)
                  .ok());
  EXPECT_EQ(at_replica.SerializeAsString(), at_owner.SerializeAsString());
  ASSERT_EQ(at_owner.revisions_size(), 2);
  EXPECT_EQ(at_owner.revisions(0).provenance().principal(), "bob");
  EXPECT_EQ(at_owner.revisions(0).provenance().request_id(), "req-r2");
  EXPECT_EQ(at_owner.revisions(0).provenance().reason(), "gone");
  EXPECT_EQ(at_owner.revisions(1).provenance().principal(), "alice");
  EXPECT_EQ(at_owner.revisions(1).provenance().request_id(), "req-r1");
  EXPECT_EQ(at_owner.revisions(1).provenance().reason(), "through the replica");
  // The owner's errors come back as they are.
  request.set_id("obs_0000000000000000");
  EXPECT_EQ(replica()
                .ListObservationRevisions(StatsCluster::Context().get(), request, &at_replica)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(StatsReplicaTest, OwnerErrorsComeBackUnchangedAndNothingIsWritten) {
  for (const auto& [field, observation] : testing::BadObservations()) {
    grpc::Status through_replica = Record(replica(), observation, "req-" + field);
    grpc::Status at_owner = Record(owner(), observation, "req-" + field);
    EXPECT_EQ(through_replica.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(through_replica.error_message(), HasSubstr(field));
    EXPECT_EQ(through_replica.error_code(), at_owner.error_code()) << field;
    EXPECT_EQ(through_replica.error_message(), at_owner.error_message()) << field;
  }
  EXPECT_TRUE(ListIds(owner()).empty());

  Observation got;
  grpc::Status bad_id = Get(replica(), "", &got);
  EXPECT_EQ(bad_id.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad_id.error_message(), Get(owner(), "", &got).error_message());

  v1::ListObservationsRequest list;
  list.set_page_token("not-a-token");
  v1::ListObservationsResponse listed;
  grpc::Status bad_token = replica().ListObservations(StatsCluster::Context().get(), list, &listed);
  EXPECT_EQ(bad_token.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_token.error_message(), HasSubstr("page_token"));
  EXPECT_EQ(bad_token.error_message(),
            owner().ListObservations(StatsCluster::Context().get(), list, &listed).error_message());

  // The replica checks the internal token itself and forwards nothing without it.
  grpc::ClientContext anonymous;
  v1::RecordObservationRequest record;
  *record.mutable_observation() = Killed("BINUH", 10);
  v1::RecordObservationResponse recorded;
  EXPECT_EQ(replica().RecordObservation(&anonymous, record, &recorded).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(ListIds(owner()).empty());
}

TEST_P(StatsReplicaTest, SummarizeThroughTheReplicaEqualsTheOwners) {
  testing::CreateReconciliationEvents(owner_);
  ASSERT_TRUE(Record(replica(), Killed("UN", 1000), "").ok());
  ASSERT_TRUE(Record(owner(), Killed("RNDDH", 700), "").ok());
  Observation at_least = Killed("Press", 650);
  at_least.mutable_value()->set_qualifier(lookout::type::v1::QUALIFIER_AT_LEAST);
  ASSERT_TRUE(Record(replica(), at_least, "").ok());
  // Overlapping but not within the period, another metric, and a subnational figure: listed by
  // ListObservations' filter but not reconciled.
  ASSERT_TRUE(Record(replica(), Killed("UN", 5000, "2023-12-01", "2024-01-31"), "").ok());
  Observation injured = Killed("UN", 70);
  injured.set_metric(v1::METRIC_INJURED);
  ASSERT_TRUE(Record(replica(), injured, "").ok());
  Observation local = Killed("UN", 50);
  local.set_admin1("Ouest");
  ASSERT_TRUE(Record(replica(), local, "").ok());
  ASSERT_TRUE(Record(replica(), Killed("OCHA", 800, "2024-01-10", "2024-01-20"), "").ok());

  v1::SummarizeMetricRequest request;
  request.set_metric(v1::METRIC_KILLED);
  request.set_country_code("HTI");
  request.mutable_period()->set_start_date("2024-01-01");
  request.mutable_period()->set_end_date("2024-01-31");
  v1::SummarizeMetricResponse at_owner;
  v1::SummarizeMetricResponse at_replica;
  // Both read models see the acknowledged events within a second.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(owner().SummarizeMetric(StatsCluster::Context().get(), request, &at_owner).ok());
    grpc::Status status =
        replica().SummarizeMetric(StatsCluster::Context().get(), request, &at_replica);
    ASSERT_TRUE(status.ok()) << status.error_message();
    if (at_owner.summary().computed_from_events() == 700 &&
        at_replica.summary().computed_from_events() == 700) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(at_replica.summary().computed_from_events(), 700);
  EXPECT_EQ(at_replica.summary().observations_size(), 4) << at_replica.DebugString();
  EXPECT_EQ(at_replica.summary().source_count(), 4);
  EXPECT_EQ(at_replica.SerializeAsString(), at_owner.SerializeAsString())
      << "replica:\n"
      << at_replica.DebugString() << "owner:\n"
      << at_owner.DebugString();

  request.clear_country_code();
  grpc::Status invalid =
      replica().SummarizeMetric(StatsCluster::Context().get(), request, &at_replica);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      invalid.error_message(),
      owner().SummarizeMetric(StatsCluster::Context().get(), request, &at_owner).error_message());
}

TEST_P(StatsReplicaTest, StoppedOwnerIsUnavailableWithinTheDeadline) {
  Observation stored;
  ASSERT_TRUE(Record(replica(), Killed("BINUH", 1100), "", &stored).ok());
  owner_.StopStats();

  const std::string owner_address = OwnerAddress();
  auto expect_unavailable = [&](const grpc::Status& status, absl::Duration took,
                                const std::string& what) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << what << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(owner_address)) << what;
    EXPECT_LT(took, absl::Seconds(4)) << what;
  };
  Observation got;
  absl::Time start = absl::Now();
  grpc::Status status = Record(replica(), Killed("UN", 900), "");
  expect_unavailable(status, absl::Now() - start, "record");
  start = absl::Now();
  status = Get(replica(), stored.id(), &got);
  expect_unavailable(status, absl::Now() - start, "get");
  v1::ListObservationsRequest list;
  v1::ListObservationsResponse listed;
  start = absl::Now();
  status = replica().ListObservations(StatsCluster::Context().get(), list, &listed);
  expect_unavailable(status, absl::Now() - start, "list");
  start = absl::Now();
  status = Delete(replica(), stored.id());
  expect_unavailable(status, absl::Now() - start, "delete");
  v1::SummarizeMetricRequest summarize;
  summarize.set_metric(v1::METRIC_KILLED);
  summarize.set_country_code("HTI");
  summarize.mutable_period()->set_start_date("2024-01-01");
  summarize.mutable_period()->set_end_date("2024-01-31");
  v1::SummarizeMetricResponse summary;
  start = absl::Now();
  status = replica().SummarizeMetric(StatsCluster::Context().get(), summarize, &summary);
  expect_unavailable(status, absl::Now() - start, "summarize");

  // The owner back on its port: the replica finds it again, and nothing was lost or deleted.
  owner_.StartStats(owner_options_);
  ASSERT_TRUE(owner_.WaitStatsServing());
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    back = Get(replica(), stored.id(), &got).ok();
    if (!back) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(back);
  EXPECT_EQ(got.id(), stored.id());
  EXPECT_EQ(ListIds(replica()), std::vector<std::string>{stored.id()});
}

TEST_P(StatsReplicaTest, SilentOwnerIsUnavailableAfterTheCap) {
  // A socket that completes TCP handshakes (the kernel does) but never speaks HTTP/2.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string silent = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));

  replica_.StopStats();
  testing::StatsOptions options;
  options.event_port = owner_.event_port();
  options.observations_addr = silent;
  options.observations_timeout = absl::Milliseconds(500);
  replica_.StartStats(options);
  ASSERT_TRUE(replica_.WaitStatsServing());

  Observation got;
  const absl::Time start = absl::Now();
  grpc::Status status = Get(replica(), "obs_0123456789abcdef", &got);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(silent));
  EXPECT_GE(took, absl::Milliseconds(400));
  EXPECT_LT(took, absl::Seconds(3));

  // A caller's sooner deadline wins over the cap, and is the caller's DEADLINE_EXCEEDED.
  v1::GetObservationRequest request;
  request.set_id("obs_0123456789abcdef");
  v1::GetObservationResponse response;
  status = replica().GetObservation(StatsCluster::Context(absl::Milliseconds(200)).get(), request,
                                    &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  close(listener);
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsReplicaTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::stats
