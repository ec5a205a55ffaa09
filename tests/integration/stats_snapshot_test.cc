// The read-model snapshot with the real event and actor services and real files: a stats
// service restarted from its snapshot catches up from the snapshot's sequence and answers as
// one rebuilt from the change log; a snapshot that is missing, truncated, of another format
// version or with a byte changed is ignored and the model rebuilt; and a snapshot ahead of the
// event store's head (restored from an older copy) or from a replaced store is refused by the
// change feed and the model rebuilt from sequence 0. Events in SQLite and in PostgreSQL.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "services/stats/read_model_snapshot.h"
#include "tests/integration/stats_cluster.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/store_copy.h"
#include "tests/testing/temp_dir.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::stats::v1::AggregateEventsRequest;
using ::lookout::stats::v1::AggregateEventsResponse;
using testing::StatsCluster;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class StatsSnapshotRestartTest
    : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    cluster_.SetEventStore(event_store_);
    cluster_.StartActor();
    cluster_.StartEvent();
    actors_ = {cluster_.CreateActor("Snapshot Militia A"), cluster_.CreateActor("Snapshot B")};
    cluster_.StartStats(WithSnapshot());
    ASSERT_TRUE(cluster_.WaitStatsServing());
  }

  testing::StatsOptions WithSnapshot() {
    testing::StatsOptions options;
    options.snapshot_path = snapshot_;
    return options;
  }

  Event Create(int i, const std::string& country = "HTI") {
    Event e = testing::BasicEvent(absl::StrFormat("2024-%02d-%02d", 1 + i % 12, 1 + i % 28),
                                  country);
    e.mutable_location()->set_admin1(i % 3 == 0 ? "Ouest" : "Nord");
    e.set_event_type(i % 2 == 0 ? event::v1::EVENT_TYPE_BATTLES
                                : event::v1::EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS);
    e.set_sub_event_type(i % 2 == 0 ? "Armed clash" : "Attack");
    auto* p = e.add_participants();
    p->set_actor_id(actors_[i % 2]);
    p->set_role(event::v1::PARTICIPANT_ROLE_PRIMARY);
    auto* c = e.add_casualties();
    c->set_kind(event::v1::CASUALTY_KIND_KILLED);
    c->mutable_count()->set_best(i);
    e.add_tags(i % 2 == 0 ? "gang" : "police");
    return cluster_.CreateEvent(e);
  }

  // Several questions, each answered as of `as_of`: every dimension the model keeps.
  std::vector<std::string> Answers(int64_t as_of) {
    std::vector<AggregateEventsRequest> requests(4);
    requests[0].add_group_by(v1::DIMENSION_COUNTRY);
    requests[0].add_group_by(v1::DIMENSION_DAY);
    requests[1].add_group_by(v1::DIMENSION_ACTOR);
    requests[2].mutable_filter()->add_country_codes("HTI");
    requests[2].add_group_by(v1::DIMENSION_MONTH);
    requests[2].add_group_by(v1::DIMENSION_EVENT_TYPE);
    requests[3].mutable_filter()->add_tags("gang");
    requests[3].add_group_by(v1::DIMENSION_ADMIN1);
    requests[3].add_group_by(v1::DIMENSION_SUB_EVENT_TYPE);
    std::vector<std::string> answers;
    for (AggregateEventsRequest& request : requests) {
      request.set_as_of_sequence(as_of);
      AggregateEventsResponse response;
      grpc::Status status;
      for (int attempt = 0; attempt < 20; ++attempt) {
        status =
            cluster_.stats().AggregateEvents(StatsCluster::Context().get(), request, &response);
        if (status.ok()) break;
        absl::SleepFor(absl::Milliseconds(200));
      }
      EXPECT_TRUE(status.ok()) << status.error_message();
      answers.push_back(response.DebugString());
    }
    return answers;
  }

  // Stops the stats service once its model holds every change (so its last snapshot does).
  void StopStatsAtHead() {
    const int64_t head = cluster_.Head();
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (cluster_.model().applied_sequence() < head && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(cluster_.model().applied_sequence(), head);
    cluster_.StopStats();
  }

  int64_t TotalEvents() {
    AggregateEventsRequest request;
    AggregateEventsResponse response;
    EXPECT_TRUE(
        cluster_.stats().AggregateEvents(StatsCluster::Context().get(), request, &response).ok());
    return response.total_events();
  }

  lookout::testing::TempDir dir_;
  const std::string snapshot_ = dir_.File(kSnapshotFileName);
  const StoreLocation event_store_ =
      lookout::testing::TestStoreLocation(GetParam(), dir_.File("event.db"), "event");
  StatsCluster cluster_{dir_.path()};
  std::vector<std::string> actors_;
};

TEST_P(StatsSnapshotRestartTest, ARestartFromTheSnapshotAnswersAsARebuildFromTheLog) {
  std::vector<Event> events;
  for (int i = 1; i <= 12; ++i) events.push_back(Create(i, i % 4 == 0 ? "KEN" : "HTI"));
  const int64_t at_stop = cluster_.Head();
  StopStatsAtHead();  // writes the snapshot
  ASSERT_TRUE(std::filesystem::exists(snapshot_));

  // Changes while the stats service is down: creates, an update and a delete.
  for (int i = 13; i <= 15; ++i) Create(i, "DOM");
  event::v1::UpdateEventRequest update;
  update.mutable_event()->set_id(events[0].id());
  update.mutable_event()->mutable_location()->set_country_code("KEN");
  update.mutable_update_mask()->add_paths("location.country_code");
  event::v1::UpdateEventResponse updated;
  ASSERT_TRUE(cluster_.events().UpdateEvent(StatsCluster::Context().get(), update, &updated).ok());
  event::v1::DeleteEventRequest del;
  del.set_id(events[1].id());
  event::v1::DeleteEventResponse deleted;
  ASSERT_TRUE(cluster_.events().DeleteEvent(StatsCluster::Context().get(), del, &deleted).ok());
  const int64_t head = cluster_.Head();

  cluster_.StartStats(WithSnapshot());
  ASSERT_TRUE(cluster_.snapshot_load().ok()) << cluster_.snapshot_load().status();
  EXPECT_EQ(cluster_.snapshot_load()->position.sequence, at_stop);
  EXPECT_EQ(cluster_.snapshot_load()->events, 12u);
  ASSERT_TRUE(cluster_.WaitStatsServing());
  const std::vector<std::string> from_snapshot = Answers(head);
  EXPECT_EQ(cluster_.follower().rebuilds(), 0);
  EXPECT_TRUE(cluster_.model().restored());
  EXPECT_EQ(TotalEvents(), 14);

  cluster_.StopStats();
  std::filesystem::remove(snapshot_);
  cluster_.StartStats();  // no snapshot: from sequence 0
  ASSERT_TRUE(cluster_.WaitStatsServing());
  EXPECT_FALSE(cluster_.model().restored());
  EXPECT_EQ(Answers(head), from_snapshot);
}

TEST_P(StatsSnapshotRestartTest, ABadSnapshotIsIgnoredAndTheModelRebuiltFromTheLog) {
  for (int i = 1; i <= 8; ++i) Create(i);
  const int64_t head = cluster_.Head();
  const std::vector<std::string> expected = Answers(head);
  StopStatsAtHead();
  const std::string good = ReadFile(snapshot_);
  ASSERT_GT(good.size(), kSnapshotHeaderBytes);

  struct Damage {
    std::string name;
    absl::StatusCode code;
    std::function<void()> apply;
  };
  const std::vector<Damage> damages = {
      {"missing", absl::StatusCode::kNotFound, [&] { std::filesystem::remove(snapshot_); }},
      {"truncated", absl::StatusCode::kDataLoss,
       [&] { WriteFile(snapshot_, good.substr(0, good.size() - 7)); }},
      {"another format version", absl::StatusCode::kFailedPrecondition,
       [&] {
         std::string bytes = good;
         const uint32_t other = kSnapshotFormatVersion + 1;
         std::memcpy(bytes.data() + 8, &other, 4);
         WriteFile(snapshot_, bytes);
       }},
      // What an upgraded server finds: the previous build's format.
      {"the previous format version", absl::StatusCode::kFailedPrecondition,
       [&] {
         std::string bytes = good;
         const uint32_t previous = kSnapshotFormatVersion - 1;
         std::memcpy(bytes.data() + 8, &previous, 4);
         WriteFile(snapshot_, bytes);
       }},
      {"one byte changed", absl::StatusCode::kDataLoss,
       [&] {
         std::string bytes = good;
         bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
         WriteFile(snapshot_, bytes);
       }},
  };
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.name);
    damage.apply();
    cluster_.StartStats(WithSnapshot());
    EXPECT_EQ(cluster_.snapshot_load().status().code(), damage.code)
        << cluster_.snapshot_load().status();
    EXPECT_FALSE(cluster_.model().restored());
    ASSERT_TRUE(cluster_.WaitStatsServing());
    EXPECT_EQ(Answers(head), expected);
    cluster_.StopStats();  // a rebuilt model writes a good snapshot again
    EXPECT_EQ(ReadFile(snapshot_).size(), good.size());
  }
  cluster_.StartStats(WithSnapshot());
  EXPECT_TRUE(cluster_.snapshot_load().ok()) << cluster_.snapshot_load().status();
  ASSERT_TRUE(cluster_.WaitStatsServing());
  EXPECT_EQ(Answers(head), expected);
}

// The event store restored from a copy older than the snapshot: its head is below the
// snapshot's sequence, so the change feed refuses to continue from there and the follower
// drops the snapshot's model and rebuilds.
TEST_P(StatsSnapshotRestartTest, ASnapshotAheadOfTheEventStoresHeadIsIgnored) {
  for (int i = 1; i <= 3; ++i) Create(i);
  const StoreLocation backup =
      lookout::testing::CopyLocation(event_store_, dir_.File("event.db.backup"), "_backup");
  cluster_.StopEvent();
  ASSERT_NO_FATAL_FAILURE(lookout::testing::CopyStore(event_store_, backup));
  cluster_.StartEvent();
  for (int i = 4; i <= 6; ++i) Create(i, "KEN");
  ASSERT_EQ(cluster_.Head(), 6);
  StopStatsAtHead();  // the snapshot covers sequence 6

  cluster_.StopEvent();
  ASSERT_NO_FATAL_FAILURE(lookout::testing::CopyStore(backup, event_store_));
  cluster_.StartEvent();  // head 3
  cluster_.StartStats(WithSnapshot());
  ASSERT_TRUE(cluster_.snapshot_load().ok()) << cluster_.snapshot_load().status();
  EXPECT_EQ(cluster_.snapshot_load()->position.sequence, 6);
  ASSERT_TRUE(cluster_.WaitStatsServing());
  EXPECT_EQ(TotalEvents(), 3);
  EXPECT_EQ(cluster_.follower().rebuilds(), 1);
  EXPECT_FALSE(cluster_.model().restored());
}

// The event store replaced by a new one that already holds more changes than the snapshot
// covers: only the change log's id tells them apart.
TEST_P(StatsSnapshotRestartTest, ASnapshotOfAReplacedEventStoreIsIgnored) {
  for (int i = 1; i <= 3; ++i) Create(i);
  // The feed applies the creates after they return: the model knows the log's id only once the
  // first one arrived (reading it at once gave "" now and then).
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (cluster_.model().applied_sequence() < cluster_.Head() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  const std::string old_log = cluster_.model().change_log_id();
  ASSERT_FALSE(old_log.empty());
  StopStatsAtHead();
  cluster_.StopEvent();
  ASSERT_NO_FATAL_FAILURE(lookout::testing::RecreateStore(event_store_));
  cluster_.StartEvent();
  for (int i = 1; i <= 5; ++i) Create(i, "KEN");

  cluster_.StartStats(WithSnapshot());
  ASSERT_TRUE(cluster_.snapshot_load().ok()) << cluster_.snapshot_load().status();
  EXPECT_EQ(cluster_.snapshot_load()->position.change_log_id, old_log);
  ASSERT_TRUE(cluster_.WaitStatsServing());
  EXPECT_EQ(TotalEvents(), 5);
  EXPECT_EQ(cluster_.follower().rebuilds(), 1);
  EXPECT_NE(cluster_.model().change_log_id(), old_log);
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsSnapshotRestartTest,
                         lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::stats
