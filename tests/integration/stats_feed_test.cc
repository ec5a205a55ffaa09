// The change feed keeps the read model exact across interruptions: a stream cut at random
// points by a flaky event service, the real event service restarted, and the stats service
// itself restarted. After each, the model must hold every change once: no loss, no double count.
// And when the event store is replaced (recreated, restored), the model is rebuilt from zero.
// The tests with a real event service run with its events in SQLite and in PostgreSQL (where a
// replaced store is a dropped and recreated database, or one copied back from an older copy).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/server_runner.h"
#include "services/stats/compiled_filter.h"
#include "services/stats/feed_follower.h"
#include "services/stats/grouping.h"
#include "services/stats/read_model.h"
#include "tests/integration/stats_cluster.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/store_copy.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/stats_test_events.h"

namespace lookout::stats {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::event::v1::WatchEventsRequest;
using ::lookout::event::v1::WatchEventsResponse;
using ::lookout::stats::v1::AggregateEventsRequest;
using ::lookout::stats::v1::AggregateEventsResponse;
using testing::StatsCluster;

// An event service that serves WatchEvents from a fixed log and drops every stream after a
// random number of changes, as a crashing or restarting server would.
class FlakyEventService final : public event::v1::EventService::Service {
 public:
  explicit FlakyEventService(std::vector<WatchEventsResponse> log) : log_(std::move(log)) {}

  grpc::Status WatchEvents(grpc::ServerContext* context, const WatchEventsRequest* request,
                           grpc::ServerWriter<WatchEventsResponse>* writer) override {
    int budget;
    {
      absl::MutexLock lock(&mu_);
      budget = absl::Uniform<int>(gen_, 0, 40);
      requests_.push_back(request->after_sequence());
    }
    for (const WatchEventsResponse& change : log_) {
      if (change.sequence() <= request->after_sequence()) continue;
      if (budget-- == 0) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "dropped");
      if (!writer->Write(change)) return grpc::Status::CANCELLED;
    }
    if (!request->follow()) return grpc::Status::OK;
    // A follower at the head waits for changes that never come, until cancelled.
    while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(10));
    return grpc::Status::CANCELLED;
  }

  std::vector<int64_t> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  const std::vector<WatchEventsResponse> log_;
  absl::Mutex mu_;
  absl::BitGen gen_;
  std::vector<int64_t> requests_;
};

std::map<std::string, std::pair<int64_t, int64_t>> ByCountryAndMonth(const ReadModel& model) {
  return model.Read([](const EventColumns& columns, int64_t) {
    std::map<std::string, std::pair<int64_t, int64_t>> out;
    const std::vector<v1::Dimension> dims = {v1::DIMENSION_COUNTRY, v1::DIMENSION_MONTH};
    Grouping g = GroupEvents(columns, CompiledFilter({}, columns), dims);
    for (const Group& group : g.groups) {
      std::string key =
          absl::StrCat(columns.countries().Value(group.codes[0]), "|", group.codes[1]);
      out[key] = {group.events, group.fatalities};
    }
    return out;
  });
}

TEST(StatsFeedTest, StreamsCutAtRandomPointsLoseAndRepeatNothing) {
  // A log of creates, updates and deletes, with sequence gaps (another consumer's filtered
  // changes, or rolled back writes, never promise dense numbers).
  absl::BitGen gen;
  const std::vector<std::string> actors = testing::TestActors();
  std::vector<WatchEventsResponse> log;
  std::vector<std::string> ids;
  int64_t sequence = 0;
  for (int i = 0; i < 600; ++i) {
    sequence += absl::Bernoulli(gen, 0.1) ? 3 : 1;
    if (ids.empty() || absl::Bernoulli(gen, 0.6)) {
      ids.push_back("evt_" + testing::Hex16(i + 1));
      log.push_back(testing::Change(sequence, event::v1::CHANGE_TYPE_CREATED,
                                    testing::RandomEvent(gen, ids.back(), actors)));
    } else if (absl::Bernoulli(gen, 0.7)) {
      log.push_back(testing::Change(sequence, event::v1::CHANGE_TYPE_UPDATED,
                                    testing::RandomEvent(gen, testing::Pick(gen, ids), actors)));
    } else {
      Event gone;
      gone.set_id(testing::Pick(gen, ids));
      log.push_back(testing::Change(sequence, event::v1::CHANGE_TYPE_DELETED, gone));
    }
  }
  // What applying the log exactly once gives.
  ReadModel expected;
  for (const auto& change : log) expected.Apply(change);

  FlakyEventService service(log);
  ServerOptions options;
  options.host = "127.0.0.1";
  options.metrics_port = -1;
  options.drain_grace = absl::Milliseconds(50);
  ServerRunner runner(options);
  runner.AddService(&service, "lookout.event.v1.EventService");
  ASSERT_TRUE(runner.Start().ok());
  auto stub = event::v1::EventService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", runner.port()), grpc::InsecureChannelCredentials()));
  ReadModel model;
  FeedOptions feed;
  feed.internal_token = "unused";
  feed.initial_backoff = absl::Milliseconds(1);
  feed.max_backoff = absl::Milliseconds(5);
  feed.catch_up_batch = 7;
  FeedFollower follower(stub.get(), &model, feed);
  follower.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (model.applied_sequence() < sequence && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  follower.Stop();
  runner.Stop();

  ASSERT_EQ(model.applied_sequence(), sequence);
  EXPECT_TRUE(model.caught_up());
  EXPECT_GT(follower.stream_failures(), 5);  // the stream really was cut, many times
  EXPECT_EQ(ByCountryAndMonth(model), ByCountryAndMonth(expected));
  // Every reconnection asked for exactly what it had not applied yet: never backwards.
  std::vector<int64_t> requests = service.requests();
  for (size_t i = 1; i < requests.size(); ++i) EXPECT_GE(requests[i], requests[i - 1]);
}

class StatsRestartTest : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    cluster_.SetEventStore(
        lookout::testing::TestStoreLocation(GetParam(), dir_.File("event.db"), "event"));
    cluster_.StartActor();
    cluster_.StartEvent();
    cluster_.StartStats();
    ASSERT_TRUE(cluster_.WaitStatsServing());
  }

  Event Create(int day, int killed, const std::string& country = "HTI") {
    Event e = testing::BasicEvent(absl::StrFormat("2024-03-%02d", day), country);
    auto* c = e.add_casualties();
    c->set_kind(event::v1::CASUALTY_KIND_KILLED);
    c->mutable_count()->set_best(killed);
    return cluster_.CreateEvent(e);
  }

  AggregateEventsResponse ByCountry(int64_t as_of) {
    AggregateEventsRequest request;
    request.add_group_by(v1::DIMENSION_COUNTRY);
    request.add_group_by(v1::DIMENSION_DAY);
    request.set_as_of_sequence(as_of);
    AggregateEventsResponse response;
    // The first call after a reconnect may find the model still a moment behind.
    grpc::Status status;
    for (int attempt = 0; attempt < 10; ++attempt) {
      status = cluster_.stats().AggregateEvents(StatsCluster::Context().get(), request, &response);
      if (status.ok()) break;
      absl::SleepFor(absl::Milliseconds(200));
    }
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  lookout::testing::TempDir dir_;
  StatsCluster cluster_{dir_.path()};
};

TEST_P(StatsRestartTest, ResumesAfterTheEventServiceRestarts) {
  std::vector<Event> events;
  for (int i = 1; i <= 10; ++i) events.push_back(Create(i, i));
  EXPECT_EQ(ByCountry(events.back().sequence()).total_events(), 10);

  cluster_.StopEvent();
  cluster_.StartEvent();  // same port, same database
  // Changes after the restart: creates, an update and a delete.
  for (int i = 11; i <= 15; ++i) events.push_back(Create(i, i, "KEN"));
  event::v1::UpdateEventRequest update;
  update.mutable_event()->set_id(events[0].id());
  update.mutable_event()->mutable_location()->set_country_code("DOM");
  update.mutable_update_mask()->add_paths("location.country_code");
  event::v1::UpdateEventResponse updated;
  ASSERT_TRUE(cluster_.events().UpdateEvent(StatsCluster::Context().get(), update, &updated).ok());
  event::v1::DeleteEventRequest del;
  del.set_id(events[1].id());
  event::v1::DeleteEventResponse deleted;
  ASSERT_TRUE(cluster_.events().DeleteEvent(StatsCluster::Context().get(), del, &deleted).ok());
  const int64_t head = cluster_.Head();

  AggregateEventsResponse answer = ByCountry(head);
  EXPECT_EQ(answer.total_events(), 14);
  EXPECT_EQ(answer.total_fatalities(), 120 - 2);
  std::map<std::string, int64_t> per_country;
  for (const auto& row : answer.rows()) per_country[row.keys(0)] += row.event_count();
  EXPECT_EQ(per_country, (std::map<std::string, int64_t>{{"DOM", 1}, {"HTI", 8}, {"KEN", 5}}));
  EXPECT_GE(cluster_.follower().stream_failures(), 1);
}

TEST_P(StatsRestartTest, ResumesAfterTheStatsServiceRestarts) {
  for (int i = 1; i <= 10; ++i) Create(i, i);
  const AggregateEventsResponse before = ByCountry(cluster_.Head());
  cluster_.StopStats();
  // Writes while the stats service is down are picked up by the next one.
  for (int i = 11; i <= 13; ++i) Create(i, 100);
  cluster_.StartStats();
  ASSERT_TRUE(cluster_.WaitStatsServing());
  const AggregateEventsResponse after = ByCountry(cluster_.Head());
  EXPECT_EQ(after.total_events(), before.total_events() + 3);
  EXPECT_EQ(after.total_fatalities(), before.total_fatalities() + 300);
  // The rebuilt model answers the old days exactly as before.
  for (int i = 0; i < before.rows_size(); ++i) {
    EXPECT_EQ(after.rows(i).SerializeAsString(), before.rows(i).SerializeAsString());
  }
}

// Issue 24.11: the event store recreated or restored from an older copy starts its sequences
// again. The follower must notice (another log id, or a head below what it applied) and rebuild
// from sequence 0 instead of waiting for sequences the new log already gave to other changes,
// and no cached answer of the old log may be served for the new log's equal sequence.
class StatsReplacedLogTest : public ::testing::TestWithParam<lookout::testing::StoreBackend> {
 protected:
  void SetUp() override {
    redis_.Start();
    cluster_.SetEventStore(event_store_);
    cluster_.StartActor();
    cluster_.StartEvent();
    testing::StatsOptions options;
    options.redis_port = redis_.port();
    cluster_.StartStats(options);
    ASSERT_TRUE(cluster_.WaitStatsServing());
  }

  void Create(int count, const std::string& country, int killed) {
    for (int i = 0; i < count; ++i) {
      Event e = testing::BasicEvent("2024-03-01", country);
      auto* c = e.add_casualties();
      c->set_kind(event::v1::CASUALTY_KIND_KILLED);
      c->mutable_count()->set_best(killed);
      cluster_.CreateEvent(e);
    }
  }

  grpc::Status Aggregate(AggregateEventsRequest request, AggregateEventsResponse* response) {
    request.add_group_by(v1::DIMENSION_COUNTRY);
    return cluster_.stats().AggregateEvents(StatsCluster::Context().get(), request, response);
  }

  // Polls until the answer is `events` events of `country` (within 20 s) and returns it.
  AggregateEventsResponse WaitFor(int64_t events, const std::string& country) {
    AggregateEventsResponse answer;
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      answer.Clear();
      grpc::Status status = Aggregate({}, &answer);
      if (status.ok() && answer.total_events() == events && answer.rows_size() == 1 &&
          answer.rows(0).keys(0) == country) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    EXPECT_EQ(answer.total_events(), events) << answer.DebugString();
    EXPECT_EQ(answer.rows_size(), 1) << answer.DebugString();
    if (answer.rows_size() == 1) {
      EXPECT_EQ(answer.rows(0).keys(0), country);
    }
    return answer;
  }

  // Two HTI events, a clean copy of the event store at `backup`, then two KEN events: the
  // model answers 4 events as of sequence 4 (`four`).
  void BackUpAfterTwoThenWriteTwoMore(const StoreLocation& backup, AggregateEventsResponse* four) {
    Create(2, "HTI", 1);
    cluster_.StopEvent();
    ASSERT_NO_FATAL_FAILURE(lookout::testing::CopyStore(event_store_, backup));
    cluster_.StartEvent();
    Create(2, "KEN", 10);
    AggregateEventsRequest at_4;
    at_4.set_as_of_sequence(4);
    grpc::Status status;
    for (int attempt = 0; attempt < 10; ++attempt) {
      status = Aggregate(at_4, four);
      if (status.ok()) break;
      absl::SleepFor(absl::Milliseconds(200));
    }
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(four->total_events(), 4);
  }

  // A copy of the event store beside it: another file, or another database.
  StoreLocation Beside(const std::string& name) {
    return lookout::testing::CopyLocation(event_store_, dir_.File("event.db." + name), "_" + name);
  }

  lookout::testing::RedisServer redis_;
  lookout::testing::TempDir dir_;
  const StoreLocation event_store_ =
      lookout::testing::TestStoreLocation(GetParam(), dir_.File("event.db"), "event");
  StatsCluster cluster_{dir_.path()};
};

TEST_P(StatsReplacedLogTest, ARecreatedEventStoreIsFollowedFromZeroAndOldAnswersAreNotServed) {
  Create(3, "HTI", 1);
  AggregateEventsRequest at_3;
  at_3.set_as_of_sequence(3);
  AggregateEventsResponse old_answer;
  ASSERT_TRUE(Aggregate(at_3, &old_answer).ok());
  ASSERT_EQ(old_answer.total_events(), 3);
  const std::string old_log = old_answer.as_of_change_log_id();
  EXPECT_EQ(old_log.size(), 32u);
  // Cached now under the old log's sequence 3.

  cluster_.StopEvent();
  ASSERT_NO_FATAL_FAILURE(lookout::testing::RecreateStore(event_store_));
  cluster_.StartEvent();  // same port, a new, empty store: sequences start again at 1
  Create(3, "KEN", 10);   // sequences 1..3 of the new log

  AggregateEventsResponse answer = WaitFor(3, "KEN");
  EXPECT_EQ(answer.total_fatalities(), 30);
  EXPECT_EQ(answer.as_of_sequence(), 3);
  EXPECT_EQ(answer.as_of_change_log_id().size(), 32u);
  EXPECT_NE(answer.as_of_change_log_id(), old_log);
  EXPECT_EQ(cluster_.follower().rebuilds(), 1);
  // The same question at the same sequence is the new log's answer, cached or not.
  AggregateEventsResponse again;
  ASSERT_TRUE(Aggregate(at_3, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), answer.SerializeAsString());

  // A position from the old log is refused, naming the field, instead of answered as if it
  // meant the new log's change 3.
  at_3.set_as_of_change_log_id(old_log);
  AggregateEventsResponse refused;
  grpc::Status status = Aggregate(at_3, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_EQ(status.error_message().rfind("as_of_change_log_id: ", 0), 0u) << status.error_message();
  at_3.set_as_of_change_log_id(answer.as_of_change_log_id());
  EXPECT_TRUE(Aggregate(at_3, &again).ok());
}

TEST_P(StatsReplacedLogTest, AStoreRestoredFromAnOlderCopyIsFollowedFromZero) {
  const StoreLocation backup = Beside("backup");
  AggregateEventsResponse four;
  ASSERT_NO_FATAL_FAILURE(BackUpAfterTwoThenWriteTwoMore(backup, &four));

  // The restored copy has the same log id but its head (2) is below what the model applied.
  cluster_.StopEvent();
  ASSERT_NO_FATAL_FAILURE(lookout::testing::CopyStore(backup, event_store_));
  cluster_.StartEvent();

  AggregateEventsResponse answer = WaitFor(2, "HTI");
  EXPECT_EQ(answer.as_of_sequence(), 2);
  EXPECT_EQ(answer.as_of_change_log_id(), four.as_of_change_log_id());
  EXPECT_EQ(cluster_.follower().rebuilds(), 1);
}

// The restored copy takes new writes before the follower reconnects, so its head is past the
// follower's sequence again and the id is the same: only the change at that sequence, which
// carries another etag, tells the restored log from the one the model applied.
TEST_P(StatsReplacedLogTest, ARestoredStoreThatTookNewWritesIsStillFollowedFromZero) {
  const StoreLocation backup = Beside("backup");
  AggregateEventsResponse four;
  ASSERT_NO_FATAL_FAILURE(BackUpAfterTwoThenWriteTwoMore(backup, &four));

  // The restored copy is started where the follower cannot reach it (another cluster's event
  // service, on another port) and takes three writes: sequences 3..5, head 5 > 4.
  cluster_.StopEvent();
  lookout::testing::TempDir restore_dir;
  const StoreLocation restored_store =
      lookout::testing::CopyLocation(event_store_, restore_dir.File("event.db"), "_restored");
  {
    StatsCluster restored{restore_dir.path()};
    ASSERT_NO_FATAL_FAILURE(lookout::testing::CopyStore(backup, restored_store));
    restored.SetEventStore(restored_store);
    restored.StartActor();
    restored.StartEvent();
    for (int i = 0; i < 3; ++i) {
      Event e = testing::BasicEvent("2024-03-02", "HTI");
      auto* c = e.add_casualties();
      c->set_kind(event::v1::CASUALTY_KIND_KILLED);
      c->mutable_count()->set_best(100);
      restored.CreateEvent(e);
    }
    ASSERT_EQ(restored.Head(), 5);
    restored.StopEvent();
  }
  ASSERT_NO_FATAL_FAILURE(lookout::testing::CopyStore(restored_store, event_store_));
  // Only now can the follower reconnect, from sequence 4.
  cluster_.StartEvent();

  AggregateEventsResponse answer = WaitFor(5, "HTI");
  EXPECT_EQ(answer.total_fatalities(), 2 * 1 + 3 * 100);
  EXPECT_EQ(answer.as_of_sequence(), 5);
  EXPECT_EQ(answer.as_of_change_log_id(), four.as_of_change_log_id());
  EXPECT_EQ(cluster_.follower().rebuilds(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsRestartTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);
INSTANTIATE_TEST_SUITE_P(Backends, StatsReplacedLogTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::stats
