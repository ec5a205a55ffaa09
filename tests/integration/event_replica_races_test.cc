// Conflicting requests that reach two lookout-event replicas on one PostgreSQL database at the
// same moment (issue 15): one event per request_id, one winner per etag, one holder per
// external id, each loser with the contract's code and nothing written for it. The tests that
// can tell check through PostgreSQL's statistics that rounds did meet inside the database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/event_replica_changes.h"
#include "tests/integration/event_replica_cluster.h"

namespace lookout::event::testing {
namespace {

using ::lookout::event::v1::Event;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kReplicas = 3;

// Replicas a and b of each round: every pair in turn.
std::pair<int, int> PairOf(int round) { return {round % kReplicas, (round + 1) % kReplicas}; }

constexpr int kRounds = 60;

struct CreateResult {
  grpc::Status status;
  v1::CreateEventResponse response;
};

// Sends `first` to replica a and `second` to replica b at the same moment.
std::pair<CreateResult, CreateResult> CreateAtOnce(EventReplicaCluster& cluster, int a, int b,
                                                   const v1::CreateEventRequest& first,
                                                   const v1::CreateEventRequest& second) {
  std::pair<CreateResult, CreateResult> results;
  AtTheSameMoment(
      [&] {
        results.first.status = cluster.event(a).CreateEvent(EventReplicaCluster::Context().get(),
                                                            first, &results.first.response);
      },
      [&] {
        results.second.status = cluster.event(b).CreateEvent(EventReplicaCluster::Context().get(),
                                                             second, &results.second.response);
      });
  return results;
}

TEST(EventReplicaRacesTest, SameRequestIdOnTwoReplicasAtOnceCreatesOneEvent) {
  EventReplicaCluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.Start(kReplicas));
  std::set<std::string> created;
  for (int round = 0; round < kRounds; ++round) {
    const auto [a, b] = PairOf(round);
    v1::CreateEventRequest request;
    *request.mutable_event() = MinimalEvent();
    request.mutable_event()->set_notes(absl::StrCat("round ", round));
    request.set_request_id(absl::StrCat("same-request-", round));
    const auto [first, second] = CreateAtOnce(cluster, a, b, request, request);
    ASSERT_TRUE(first.status.ok()) << round << ": " << first.status.error_message();
    ASSERT_TRUE(second.status.ok()) << round << ": " << second.status.error_message();
    const Event& one = first.response.event();
    const Event& other = second.response.event();
    EXPECT_EQ(one.id(), other.id()) << "round " << round;
    EXPECT_EQ(one.sequence(), other.sequence()) << "round " << round;
    EXPECT_EQ(one.etag(), other.etag()) << "round " << round;
    created.insert(one.id());
  }
  EXPECT_EQ(created.size(), static_cast<size_t>(kRounds));
  EXPECT_EQ(cluster.LiveEvents(2), kRounds);
  const std::vector<Change> log = ChangesOf(cluster.ReadLog(2));
  ASSERT_EQ(log.size(), static_cast<size_t>(kRounds));
  std::set<std::string> logged;
  for (const Change& change : log) {
    EXPECT_EQ(change.type, v1::CHANGE_TYPE_CREATED) << change;
    logged.insert(change.event_id);
  }
  EXPECT_EQ(logged, created);
  // Nothing else rolls back here: each rollback is a round whose two creates met inside the
  // database, where the second one's request_id insert failed and it replayed the first's.
  const int64_t raced = cluster.StopEventsAndCountRollbacks();
  std::cout << raced << " of " << kRounds << " rounds raced inside the database\n";
  EXPECT_GT(raced, 0) << "no round raced past the services' own request_id lookup";
}

TEST(EventReplicaRacesTest, SameRequestIdWithOtherPayloadsOnTwoReplicasAtOnceCreatesOneEvent) {
  EventReplicaCluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.Start(kReplicas));
  std::set<std::string> created;
  for (int round = 0; round < kRounds; ++round) {
    const auto [a, b] = PairOf(round);
    auto create = [&](int replica) {
      v1::CreateEventRequest request;
      *request.mutable_event() = MinimalEvent();
      request.mutable_event()->set_notes(absl::StrCat("round ", round, " on replica ", replica));
      request.set_request_id(absl::StrCat("reused-request-", round));
      return request;
    };
    const auto [first, second] = CreateAtOnce(cluster, a, b, create(a), create(b));
    ASSERT_NE(first.status.ok(), second.status.ok())
        << "round " << round << ": " << first.status.error_message() << " / "
        << second.status.error_message();
    const grpc::Status& lost = first.status.ok() ? second.status : first.status;
    EXPECT_EQ(lost.error_code(), grpc::StatusCode::ALREADY_EXISTS) << lost.error_message();
    EXPECT_THAT(lost.error_message(), StartsWith("request_id: "));
    created.insert(first.status.ok() ? first.response.event().id() : second.response.event().id());
  }
  EXPECT_EQ(cluster.LiveEvents(0), kRounds);
  const std::vector<Change> log = ChangesOf(cluster.ReadLog(0));
  ASSERT_EQ(log.size(), static_cast<size_t>(kRounds));
  std::set<std::string> logged;
  for (const Change& change : log) logged.insert(change.event_id);
  EXPECT_EQ(logged, created);
}

TEST(EventReplicaRacesTest, SameEtagOnTwoReplicasAtOnceLetsOneUpdateWin) {
  EventReplicaCluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.Start(kReplicas));
  v1::CreateEventRequest create;
  *create.mutable_event() = MinimalEvent();
  v1::CreateEventResponse created;
  ASSERT_TRUE(
      cluster.event(0).CreateEvent(EventReplicaCluster::Context().get(), create, &created).ok());
  const std::string id = created.event().id();
  std::string etag = created.event().etag();
  for (int round = 0; round < kRounds; ++round) {
    const auto [a, b] = PairOf(round);
    auto update = [&](int replica) {
      v1::UpdateEventRequest request;
      request.mutable_event()->set_id(id);
      request.mutable_event()->set_etag(etag);
      request.mutable_event()->set_notes(absl::StrCat("round ", round, " on replica ", replica));
      request.mutable_update_mask()->add_paths("notes");
      return request;
    };
    const v1::UpdateEventRequest first_request = update(a), second_request = update(b);
    v1::UpdateEventResponse first, second;
    grpc::Status first_status, second_status;
    AtTheSameMoment(
        [&] {
          first_status = cluster.event(a).UpdateEvent(EventReplicaCluster::Context().get(),
                                                      first_request, &first);
        },
        [&] {
          second_status = cluster.event(b).UpdateEvent(EventReplicaCluster::Context().get(),
                                                       second_request, &second);
        });
    ASSERT_NE(first_status.ok(), second_status.ok())
        << "round " << round << ": " << first_status.error_message() << " / "
        << second_status.error_message();
    const grpc::Status& lost = first_status.ok() ? second_status : first_status;
    const Event& won = first_status.ok() ? first.event() : second.event();
    const std::string& won_notes =
        first_status.ok() ? first_request.event().notes() : second_request.event().notes();
    EXPECT_EQ(lost.error_code(), grpc::StatusCode::ABORTED) << lost.error_message();
    EXPECT_THAT(lost.error_message(), StartsWith("etag: "));
    EXPECT_NE(won.etag(), etag);
    etag = won.etag();
    // Every replica reads the winner's write.
    v1::GetEventRequest get;
    get.set_id(id);
    v1::GetEventResponse stored;
    ASSERT_TRUE(cluster.event((round + 2) % kReplicas)
                    .GetEvent(EventReplicaCluster::Context().get(), get, &stored)
                    .ok());
    EXPECT_EQ(stored.event().notes(), won_notes);
    EXPECT_EQ(stored.event().etag(), etag);
  }
  // One change per round: the losers wrote nothing.
  const std::vector<Change> log = ChangesOf(cluster.ReadLog(1));
  ASSERT_EQ(log.size(), static_cast<size_t>(1 + kRounds));
  for (size_t i = 1; i < log.size(); ++i) EXPECT_EQ(log[i].type, v1::CHANGE_TYPE_UPDATED);
  EXPECT_EQ(log.back().etag, etag);
  // Each rollback is a loser that read the old etag before the winner committed and was
  // refused inside its transaction, on the winner's row.
  const int64_t raced = cluster.StopEventsAndCountRollbacks();
  std::cout << raced << " of " << kRounds << " rounds raced inside the database\n";
  EXPECT_GT(raced, 0) << "no loser got past the services' own etag check";
}

// An update and a delete pinning the same etag: one wins. A delete that lost finds another
// etag (ABORTED); an update that lost finds no live event (NOT_FOUND), as on one replica.
TEST(EventReplicaRacesTest, UpdateAndDeleteWithOneEtagOnTwoReplicasAtOnceLetOneWin) {
  EventReplicaCluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.Start(kReplicas));
  int deletes_won = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto [a, b] = PairOf(round);
    v1::CreateEventRequest create;
    *create.mutable_event() = MinimalEvent();
    v1::CreateEventResponse created;
    ASSERT_TRUE(
        cluster.event(a).CreateEvent(EventReplicaCluster::Context().get(), create, &created).ok());
    v1::UpdateEventRequest update;
    update.mutable_event()->set_id(created.event().id());
    update.mutable_event()->set_etag(created.event().etag());
    update.mutable_event()->set_notes(absl::StrCat("round ", round));
    update.mutable_update_mask()->add_paths("notes");
    v1::DeleteEventRequest remove;
    remove.set_id(created.event().id());
    remove.set_etag(created.event().etag());
    v1::UpdateEventResponse updated;
    v1::DeleteEventResponse deleted;
    grpc::Status update_status, delete_status;
    AtTheSameMoment(
        [&] {
          update_status =
              cluster.event(a).UpdateEvent(EventReplicaCluster::Context().get(), update, &updated);
        },
        [&] {
          delete_status =
              cluster.event(b).DeleteEvent(EventReplicaCluster::Context().get(), remove, &deleted);
        });
    ASSERT_NE(update_status.ok(), delete_status.ok())
        << "round " << round << ": " << update_status.error_message() << " / "
        << delete_status.error_message();
    if (delete_status.ok()) {
      ++deletes_won;
      EXPECT_EQ(update_status.error_code(), grpc::StatusCode::NOT_FOUND)
          << update_status.error_message();
    } else {
      EXPECT_EQ(delete_status.error_code(), grpc::StatusCode::ABORTED)
          << delete_status.error_message();
      EXPECT_THAT(delete_status.error_message(), StartsWith("etag: "));
    }
  }
  std::cout << "deletes won " << deletes_won << " of " << kRounds << " rounds\n";
  EXPECT_EQ(cluster.LiveEvents(0), kRounds - deletes_won);
  // Per round: the create and the winner's change, nothing from the loser.
  const std::vector<Change> log = ChangesOf(cluster.ReadLog(0));
  ASSERT_EQ(log.size(), static_cast<size_t>(2 * kRounds));
  int deletions = 0;
  for (size_t i = 0; i < log.size(); i += 2) {
    EXPECT_EQ(log[i].type, v1::CHANGE_TYPE_CREATED);
    EXPECT_EQ(log[i + 1].event_id, log[i].event_id);
    EXPECT_NE(log[i + 1].type, v1::CHANGE_TYPE_CREATED);
    if (log[i + 1].type == v1::CHANGE_TYPE_DELETED) ++deletions;
  }
  EXPECT_EQ(deletions, deletes_won);
}

TEST(EventReplicaRacesTest, SameExternalIdOnTwoReplicasAtOnceLetsOneCreateWin) {
  EventReplicaCluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.Start(kReplicas));
  std::set<std::string> created;
  for (int round = 0; round < kRounds; ++round) {
    const auto [a, b] = PairOf(round);
    auto create = [&](int replica) {
      v1::CreateEventRequest request;
      *request.mutable_event() = MinimalEvent();
      request.mutable_event()->set_notes(absl::StrCat("round ", round, " on replica ", replica));
      auto* external = request.mutable_event()->add_external_ids();
      external->set_scheme("ACLED");
      external->set_value(absl::StrCat("HTI-RACE-", round));
      return request;
    };
    const auto [first, second] = CreateAtOnce(cluster, a, b, create(a), create(b));
    ASSERT_NE(first.status.ok(), second.status.ok())
        << "round " << round << ": " << first.status.error_message() << " / "
        << second.status.error_message();
    const grpc::Status& lost = first.status.ok() ? second.status : first.status;
    const Event& won = first.status.ok() ? first.response.event() : second.response.event();
    EXPECT_EQ(lost.error_code(), grpc::StatusCode::ALREADY_EXISTS) << lost.error_message();
    EXPECT_THAT(lost.error_message(), StartsWith("event.external_ids[0]: "));
    EXPECT_THAT(lost.error_message(), HasSubstr(won.id()));
    created.insert(won.id());
  }
  EXPECT_EQ(cluster.LiveEvents(0), kRounds);
  const std::vector<Change> log = ChangesOf(cluster.ReadLog(0));
  ASSERT_EQ(log.size(), static_cast<size_t>(kRounds));
  std::set<std::string> logged;
  for (const Change& change : log) logged.insert(change.event_id);
  EXPECT_EQ(logged, created);
}

}  // namespace
}  // namespace lookout::event::testing
