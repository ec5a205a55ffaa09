// Three real lookout-event processes on one PostgreSQL database (issue 15, item 3): concurrent
// writers spread over the replicas, a follower that moves from replica to replica mid-run, and
// a stats service following one replica must all see one change log, in commit order, with
// every acknowledged write exactly once; also when a replica is lost mid-run.
// event_replica_races_test.cc has the conflicting requests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/event_replica_changes.h"
#include "tests/integration/event_replica_cluster.h"

namespace lookout::event::testing {
namespace {

using ::lookout::event::v1::Event;

constexpr int kReplicas = 3;

// A client writing on every replica in turn: creates (some with a request_id, retried on
// another replica), updates and deletes of its own events. It records every acknowledged write.
class Writer {
 public:
  struct LiveEvent {
    std::string etag;
    int64_t fatalities = 0;
  };

  Writer(EventReplicaCluster& cluster, int index, std::string actor_id)
      : cluster_(cluster), index_(index), actor_id_(std::move(actor_id)), random_(index) {}

  void Run(int operations) {
    for (int op = 0; op < operations; ++op) {
      const int replica = (index_ + op) % kReplicas;
      const int choice = static_cast<int>(random_() % 100);
      if (live_.empty() || choice < 45) {
        Create(replica, op);
      } else if (choice < 80) {
        Update(replica, op);
      } else {
        Delete(replica);
      }
    }
  }

  const std::vector<Change>& acks() const { return acks_; }
  const std::vector<std::string>& failures() const { return failures_; }
  const std::map<std::string, LiveEvent>& live() const { return live_; }
  int replays() const { return replays_; }

 private:
  void Create(int replica, int op) {
    v1::CreateEventRequest request;
    Event& event = *request.mutable_event();
    event = MinimalEvent(absl::StrCat("2024-0", 1 + op % 9, "-1", index_ % 10));
    event.set_notes(absl::StrCat("writer ", index_, " operation ", op));
    SetKilled(&event, static_cast<int64_t>(random_() % 50));
    if (op % 2 == 0) {
      v1::Participant* participant = event.add_participants();
      participant->set_actor_id(actor_id_);
      participant->set_role(v1::PARTICIPANT_ROLE_PRIMARY);
    }
    if (op % 3 == 0) {
      auto* external = event.add_external_ids();
      external->set_scheme("ACLED");
      external->set_value(absl::StrCat("W", index_, "-", op));
    }
    if (op % 3 == 1) request.set_request_id(absl::StrCat("writer-", index_, "-op-", op));
    v1::CreateEventResponse response;
    grpc::Status status = cluster_.event(replica).CreateEvent(EventReplicaCluster::Context().get(),
                                                              request, &response);
    if (!Check(status, "CreateEvent", replica)) return;
    const Event& created = response.event();
    acks_.push_back(
        Change{created.sequence(), v1::CHANGE_TYPE_CREATED, created.id(), created.etag()});
    live_[created.id()] = LiveEvent{created.etag(), created.fatalities()};
    if (!request.request_id().empty() && random_() % 2 == 0) {
      // The client's retry, on another replica: the first answer again, and no second event.
      const int other = (replica + 1) % kReplicas;
      v1::CreateEventResponse again;
      status =
          cluster_.event(other).CreateEvent(EventReplicaCluster::Context().get(), request, &again);
      if (!Check(status, "CreateEvent retry", other)) return;
      if (again.event().id() != created.id() || again.event().sequence() != created.sequence() ||
          again.event().etag() != created.etag()) {
        failures_.push_back(absl::StrCat("retry of ", request.request_id(), " on replica ", other,
                                         " answered ", again.event().id(), "@",
                                         again.event().sequence(), ", first answer ", created.id(),
                                         "@", created.sequence()));
      }
      ++replays_;
    }
  }

  void Update(int replica, int op) {
    auto it = PickLive();
    v1::UpdateEventRequest request;
    Event& event = *request.mutable_event();
    event.set_id(it->first);
    // Half the updates pin the etag: nobody else writes this writer's events, so it matches.
    if (op % 2 == 1) event.set_etag(it->second.etag);
    event.set_notes(absl::StrCat("writer ", index_, " updated at operation ", op));
    SetKilled(&event, static_cast<int64_t>(random_() % 50));
    request.mutable_update_mask()->add_paths("notes");
    request.mutable_update_mask()->add_paths("casualties");
    v1::UpdateEventResponse response;
    const grpc::Status status = cluster_.event(replica).UpdateEvent(
        EventReplicaCluster::Context().get(), request, &response);
    if (!Check(status, "UpdateEvent", replica)) return;
    const Event& updated = response.event();
    acks_.push_back(
        Change{updated.sequence(), v1::CHANGE_TYPE_UPDATED, updated.id(), updated.etag()});
    it->second = LiveEvent{updated.etag(), updated.fatalities()};
  }

  void Delete(int replica) {
    auto it = PickLive();
    v1::DeleteEventRequest request;
    request.set_id(it->first);
    request.set_etag(it->second.etag);
    v1::DeleteEventResponse response;
    const grpc::Status status = cluster_.event(replica).DeleteEvent(
        EventReplicaCluster::Context().get(), request, &response);
    if (!Check(status, "DeleteEvent", replica)) return;
    // The response carries no sequence: the DELETED change is found by id (and the last
    // state's etag, which the call pinned).
    acks_.push_back(Change{0, v1::CHANGE_TYPE_DELETED, it->first, it->second.etag});
    live_.erase(it);
  }

  std::map<std::string, LiveEvent>::iterator PickLive() {
    auto it = live_.begin();
    std::advance(it, random_() % live_.size());
    return it;
  }

  static void SetKilled(Event* event, int64_t killed) {
    v1::Casualty* casualty = event->add_casualties();
    casualty->set_kind(v1::CASUALTY_KIND_KILLED);
    casualty->mutable_count()->set_best(killed);
  }

  bool Check(const grpc::Status& status, absl::string_view call, int replica) {
    if (status.ok()) return true;
    failures_.push_back(absl::StrCat(call, " on replica ", replica, ": code ", status.error_code(),
                                     " ", status.error_message()));
    return false;
  }

  EventReplicaCluster& cluster_;
  const int index_;
  const std::string actor_id_;
  std::mt19937 random_;
  std::vector<Change> acks_;
  std::vector<std::string> failures_;
  std::map<std::string, LiveEvent> live_;
  int replays_ = 0;
};

// A client importing batches on every replica in turn (ImportEvents: COPY, and savepoints
// when a row fails). Each call creates kRows events with external ids of their own; from the
// second call on it also resends the first two rows of the call before: rejected as
// ALREADY_EXISTS on even calls, updated through upsert_by_external_id on odd ones.
class Importer {
 public:
  static constexpr char kScheme[] = "IMPORT";
  static constexpr int kRows = 30;

  Importer(EventReplicaCluster& cluster, int index) : cluster_(cluster), index_(index) {}

  void Run(int calls) {
    for (int call = 0; call < calls; ++call) Import(call);
  }

  int64_t created() const { return created_; }
  int64_t updated() const { return updated_; }
  // The fatalities of each imported event's last acknowledged state, by external id value.
  const std::map<std::string, int64_t>& fatalities() const { return fatalities_; }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  std::string ValueOf(int call, int row) const {
    return absl::StrCat("I", index_, "-", call, "-", row);
  }

  v1::ImportEventsRequest Row(int call, const std::string& value, int64_t killed) const {
    v1::ImportEventsRequest request;
    Event& event = *request.mutable_event();
    event = MinimalEvent(absl::StrCat("2023-1", call % 3, "-0", 1 + index_));
    event.set_notes(absl::StrCat("importer ", index_, " call ", call));
    v1::Casualty* casualty = event.add_casualties();
    casualty->set_kind(v1::CASUALTY_KIND_KILLED);
    casualty->mutable_count()->set_best(killed);
    auto* external = event.add_external_ids();
    external->set_scheme(kScheme);
    external->set_value(value);
    return request;
  }

  void Import(int call) {
    const int replica = (index_ + call) % kReplicas;
    const bool upsert = call % 2 == 1;
    std::map<std::string, int64_t> accepted;
    auto context = EventReplicaCluster::Context();
    v1::ImportEventsResponse response;
    auto writer = cluster_.event(replica).ImportEvents(context.get(), &response);
    bool first = true;
    // `counts`: the row's state is the event's last if the import succeeds.
    auto send = [&](v1::ImportEventsRequest request, bool counts) {
      if (first) request.mutable_options()->set_upsert_by_external_id(upsert);
      first = false;
      if (counts) {
        accepted[request.event().external_ids(0).value()] =
            request.event().casualties(0).count().best();
      }
      writer->Write(request);
    };
    for (int row = 0; row < kRows; ++row) {
      send(Row(call, ValueOf(call, row), (call * kRows + row) % 40), /*counts=*/true);
    }
    const int resent = call > 0 ? 2 : 0;
    for (int row = 0; row < resent; ++row) {
      send(Row(call, ValueOf(call - 1, row), 40 + call), /*counts=*/upsert);
    }
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    if (!status.ok()) {
      failures_.push_back(absl::StrCat("ImportEvents on replica ", replica, ": code ",
                                       status.error_code(), " ", status.error_message()));
      return;
    }
    const int64_t want_updated = upsert ? resent : 0;
    const int64_t want_rejected = upsert ? 0 : resent;
    if (response.created() != kRows || response.updated() != want_updated ||
        response.rejected() != want_rejected) {
      failures_.push_back(absl::StrCat("ImportEvents call ", call, " of importer ", index_,
                                       " on replica ", replica, ": ", response.ShortDebugString()));
    }
    for (const v1::ImportError& error : response.errors()) {
      if (error.field() != "event.external_ids[0]") {
        failures_.push_back(absl::StrCat("rejected row: ", error.ShortDebugString()));
      }
    }
    created_ += response.created();
    updated_ += response.updated();
    for (const auto& [value, killed] : accepted) fatalities_[value] = killed;
  }

  EventReplicaCluster& cluster_;
  const int index_;
  int64_t created_ = 0;
  int64_t updated_ = 0;
  std::map<std::string, int64_t> fatalities_;
  std::vector<std::string> failures_;
};

// WatchEvents with follow that starts on one replica and, each time it has received the next
// count in `move_after`, cancels its stream and resumes on the next replica from the last
// change it received (after_sequence, after_etag and change_log_id, as the stats service does).
// With MoveOnFailure() it also resumes on the next replica when its stream fails.
class MovingFollower {
 public:
  struct Move {
    int to_replica = 0;
    size_t received = 0;
    bool while_writing = false;
  };

  MovingFollower(EventReplicaCluster& cluster, std::vector<size_t> move_after,
                 const std::atomic<bool>& writing)
      : cluster_(cluster), move_after_(std::move(move_after)), writing_(writing) {}

  void MoveOnFailure() { move_on_failure_ = true; }

  void Run(int first_replica = 0) {
    int replica = first_replica;
    while (true) {
      v1::WatchEventsRequest request;
      request.set_follow(true);
      request.set_after_sequence(after_.load());
      request.set_after_etag(after_etag_);
      request.set_change_log_id(change_log_id_);
      auto context = EventReplicaCluster::Context(absl::Minutes(10));
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        stream_ = context.get();
      }
      auto reader = cluster_.event(replica).WatchEvents(context.get(), request);
      bool moving = false;
      v1::WatchEventsResponse message;
      while (reader->Read(&message)) {
        if (!message.change_log_id().empty()) {
          if (change_log_id_.empty()) change_log_id_ = message.change_log_id();
          if (message.change_log_id() != change_log_id_) {
            errors_.push_back(absl::StrCat("replica ", replica, " names change log ",
                                           message.change_log_id(), ", not ", change_log_id_));
          }
        }
        received_.push_back(ChangeOf(message));
        after_etag_ = message.event().etag();
        after_.store(message.sequence());
        if (moves_.size() < move_after_.size() && received_.size() >= move_after_[moves_.size()]) {
          replica = (replica + 1) % kReplicas;
          moves_.push_back(Move{replica, received_.size(), writing_.load()});
          context->TryCancel();
          moving = true;
          break;
        }
      }
      while (moving && reader->Read(&message)) {
        // Sent before the cancellation took effect: dropped, the next stream resends them.
      }
      const grpc::Status status = reader->Finish();
      bool stopping = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        stream_ = nullptr;
        stopping = stopping_;
      }
      if (moving) continue;
      if (!stopping && move_on_failure_ && status.error_code() == grpc::StatusCode::UNAVAILABLE) {
        replica = (replica + 1) % kReplicas;
        moves_.push_back(Move{replica, received_.size(), writing_.load()});
        continue;
      }
      if (!stopping) {
        errors_.push_back(absl::StrCat("stream on replica ", replica, " ended: code ",
                                       status.error_code(), " ", status.error_message()));
      }
      return;
    }
  }

  // Waits until the follower received the change at `head` (false after `timeout`), then
  // ends its stream.
  bool StopAt(int64_t head, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (after_.load() < head && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (stream_ != nullptr) stream_->TryCancel();
    return after_.load() >= head;
  }

  // Read these once Run returned.
  const std::vector<Change>& received() const { return received_; }
  const std::vector<Move>& moves() const { return moves_; }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  EventReplicaCluster& cluster_;
  const std::vector<size_t> move_after_;
  const std::atomic<bool>& writing_;
  bool move_on_failure_ = false;
  std::atomic<int64_t> after_{0};
  std::string after_etag_;
  std::string change_log_id_;
  std::vector<Change> received_;
  std::vector<Move> moves_;
  std::vector<std::string> errors_;
  std::mutex mu_;
  grpc::ClientContext* stream_ = nullptr;  // guarded by mu_
  bool stopping_ = false;                  // guarded by mu_
};

TEST(EventReplicasTest, WritersOnThreeReplicasAMovingFollowerAndStatsSeeOneLog) {
  constexpr int kWriters = 32;
  constexpr int kOperationsPerWriter = 60;
  // Beside the writers: imports of about 30 rows a call, on every replica in turn.
  constexpr int kImporters = 2;
  constexpr int kImportCalls = 8;
  EventReplicaCluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.Start(kReplicas));
  const std::string actor_id = cluster.CreateActor("Viv Ansanm");
  ASSERT_FALSE(actor_id.empty());
  ASSERT_NO_FATAL_FAILURE(cluster.StartStats(/*replica=*/1));

  std::atomic<bool> writing{true};
  // About 2,400 changes in all: the moves fall well inside the run.
  MovingFollower follower(cluster, {400, 900}, writing);
  std::thread following([&follower] { follower.Run(); });

  const absl::Time start = absl::Now();
  std::vector<std::unique_ptr<Writer>> writers;
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    writers.push_back(std::make_unique<Writer>(cluster, i, actor_id));
  }
  for (auto& writer : writers) {
    threads.emplace_back([&writer] { writer->Run(kOperationsPerWriter); });
  }
  std::vector<std::unique_ptr<Importer>> importers;
  for (int i = 0; i < kImporters; ++i) importers.push_back(std::make_unique<Importer>(cluster, i));
  for (auto& importer : importers) {
    threads.emplace_back([&importer] { importer->Run(kImportCalls); });
  }
  for (std::thread& thread : threads) thread.join();
  const absl::Duration writing_time = absl::Now() - start;
  writing.store(false);

  const std::vector<v1::WatchEventsResponse> log = cluster.ReadLog(2);
  ASSERT_FALSE(log.empty());
  const int64_t head = log.back().sequence();
  const bool caught_up = follower.StopAt(head, absl::Seconds(60));
  following.join();
  EXPECT_TRUE(caught_up) << "the follower did not reach the head " << head;

  std::vector<Change> acks;
  std::vector<std::string> failures;
  int64_t live_events = 0;
  int64_t live_fatalities = 0;
  int replays = 0;
  for (const auto& writer : writers) {
    acks.insert(acks.end(), writer->acks().begin(), writer->acks().end());
    failures.insert(failures.end(), writer->failures().begin(), writer->failures().end());
    for (const auto& [id, event] : writer->live()) {
      ++live_events;
      live_fatalities += event.fatalities;
    }
    replays += writer->replays();
  }
  int64_t imported = 0;
  int64_t import_updates = 0;
  for (const auto& importer : importers) {
    imported += importer->created();
    import_updates += importer->updated();
    failures.insert(failures.end(), importer->failures().begin(), importer->failures().end());
    for (const auto& [value, fatalities] : importer->fatalities()) {
      ++live_events;
      live_fatalities += fatalities;
    }
  }
  const int calls = static_cast<int>(acks.size()) + replays;
  std::cout << acks.size() << " acknowledged writes (+" << replays << " request_id retries, "
            << calls << " calls) by " << kWriters << " writers on " << kReplicas
            << " replicas, and " << imported << " events created and " << import_updates
            << " updated by " << kImporters * kImportCalls << " imports, in " << writing_time
            << " (" << static_cast<int>(calls / absl::ToDoubleSeconds(writing_time))
            << " calls/s); change log head " << head << "\n";
  EXPECT_THAT(failures, ::testing::IsEmpty());

  // One log: sequences 1..head, no gap, no repeat, and the same on every replica.
  const std::vector<Change> changes = ChangesOf(log);
  for (size_t i = 0; i < changes.size(); ++i) {
    ASSERT_EQ(changes[i].sequence, static_cast<int64_t>(i + 1)) << "at index " << i;
  }
  for (int replica = 0; replica < 2; ++replica) {
    const std::vector<Change> other = ChangesOf(cluster.ReadLog(replica));
    EXPECT_TRUE(other == changes) << "replica " << replica << " differs from replica 2 at "
                                  << FirstDifference(other, changes);
  }

  // The follower received exactly the log, and moved twice while the writers were running.
  EXPECT_THAT(follower.errors(), ::testing::IsEmpty());
  EXPECT_TRUE(follower.received() == changes)
      << "the follower (" << follower.received().size() << " changes) differs from the log ("
      << changes.size() << ") at " << FirstDifference(follower.received(), changes);
  EXPECT_EQ(follower.moves().size(), 2u);
  for (const MovingFollower::Move& move : follower.moves()) {
    EXPECT_TRUE(move.while_writing) << "the move to replica " << move.to_replica << " after "
                                    << move.received << " changes came after the writes";
  }

  grpc::Status status;
  // Every acknowledged write is in the log, with the sequence and etag its response carried;
  // and nothing else is (every call was acknowledged). Imports answer with counts: their
  // changes are known by their external ids' scheme.
  std::map<std::string, std::vector<Change>> deletions;
  for (const Change& change : changes) {
    if (change.type == v1::CHANGE_TYPE_DELETED) deletions[change.event_id].push_back(change);
  }
  for (const Change& ack : acks) {
    if (ack.type == v1::CHANGE_TYPE_DELETED) {
      const auto it = deletions.find(ack.event_id);
      ASSERT_TRUE(it != deletions.end()) << "no DELETED change for " << ack;
      ASSERT_EQ(it->second.size(), 1u) << ack.event_id;
      EXPECT_EQ(it->second.front().etag, ack.etag) << ack.event_id;
      continue;
    }
    ASSERT_GE(ack.sequence, 1) << ack;
    ASSERT_LE(ack.sequence, head) << ack;
    EXPECT_EQ(changes[ack.sequence - 1], ack);
  }
  std::map<std::string, int> import_creations;
  int64_t logged_import_updates = 0;
  for (const v1::WatchEventsResponse& message : log) {
    const auto& ids = message.event().external_ids();
    if (ids.empty() || ids[0].scheme() != Importer::kScheme) continue;
    if (message.type() == v1::CHANGE_TYPE_CREATED) ++import_creations[ids[0].value()];
    if (message.type() == v1::CHANGE_TYPE_UPDATED) ++logged_import_updates;
  }
  EXPECT_EQ(static_cast<int64_t>(import_creations.size()), imported);
  for (const auto& [value, count] : import_creations) EXPECT_EQ(count, 1) << value;
  EXPECT_EQ(logged_import_updates, import_updates);
  EXPECT_EQ(static_cast<int64_t>(changes.size()),
            static_cast<int64_t>(acks.size()) + imported + import_updates);

  // The live events are those the writers hold and the imports made, and the stats service
  // following replica 1 counted every change exactly once.
  EXPECT_EQ(cluster.LiveEvents(0), live_events);
  // Paged through with each page on the next replica: the replicas sign page tokens with the
  // one secret they share.
  std::set<std::string> listed;
  v1::ListEventsRequest page;
  page.set_page_size(200);
  for (int replica = 0;; replica = (replica + 1) % kReplicas) {
    v1::ListEventsResponse events;
    status = cluster.event(replica).ListEvents(EventReplicaCluster::Context().get(), page, &events);
    ASSERT_TRUE(status.ok()) << "replica " << replica << ": " << status.error_message();
    for (const Event& event : events.events()) {
      EXPECT_TRUE(listed.insert(event.id()).second) << "listed twice: " << event.id();
    }
    if (events.next_page_token().empty()) break;
    page.set_page_token(events.next_page_token());
  }
  EXPECT_EQ(static_cast<int64_t>(listed.size()), live_events);

  stats::v1::AggregateEventsRequest aggregate;
  aggregate.set_as_of_sequence(head);
  aggregate.set_as_of_change_log_id(log.front().change_log_id());
  stats::v1::AggregateEventsResponse totals;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(30); absl::Now() < deadline;) {
    status =
        cluster.stats().AggregateEvents(EventReplicaCluster::Context().get(), aggregate, &totals);
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(totals.as_of_sequence(), head);
  EXPECT_EQ(totals.total_events(), live_events);
  EXPECT_EQ(totals.total_fatalities(), live_fatalities);
}

// A follower on one replica is woken by the NOTIFY of each commit on another, not by the
// store's once-a-second check of the head: the median delay stays far below that second.
TEST(EventReplicasTest, FollowerHearsOtherReplicasCommitsPromptly) {
  constexpr int kWrites = 20;
  EventReplicaCluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.Start(kReplicas));
  std::mutex mu;
  std::map<int64_t, absl::Time> arrivals;  // guarded by mu
  v1::WatchEventsRequest request;
  request.set_follow(true);
  auto context = EventReplicaCluster::Context(absl::Minutes(2));
  auto reader = cluster.event(0).WatchEvents(context.get(), request);
  std::thread following([&] {
    v1::WatchEventsResponse message;
    while (reader->Read(&message)) {
      std::lock_guard<std::mutex> lock(mu);
      arrivals[message.sequence()] = absl::Now();
    }
  });
  std::vector<absl::Duration> delays;
  for (int i = 0; i < kWrites; ++i) {
    v1::CreateEventRequest create;
    *create.mutable_event() = MinimalEvent();
    v1::CreateEventResponse created;
    const grpc::Status status = cluster.event(1 + i % 2).CreateEvent(
        EventReplicaCluster::Context().get(), create, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    const absl::Time acknowledged = absl::Now();
    const int64_t sequence = created.event().sequence();
    std::optional<absl::Time> arrived;
    for (const absl::Time deadline = absl::Now() + absl::Seconds(5); absl::Now() < deadline;) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (auto it = arrivals.find(sequence); it != arrivals.end()) arrived = it->second;
      }
      if (arrived.has_value()) break;
      absl::SleepFor(absl::Milliseconds(1));
    }
    ASSERT_TRUE(arrived.has_value()) << "the follower on replica 0 never received " << sequence;
    delays.push_back(std::max(*arrived - acknowledged, absl::ZeroDuration()));
  }
  context->TryCancel();
  following.join();
  reader->Finish();
  std::sort(delays.begin(), delays.end());
  std::cout << "delay from a commit on replica 1 or 2 to the follower on replica 0: median "
            << delays[kWrites / 2] << ", max " << delays.back() << "\n";
  EXPECT_LT(delays[kWrites / 2], absl::Milliseconds(300));
}

// A replica lost mid-run (kill -9) loses no acknowledged write and stops nobody: creators
// whose call to it fails retry the same request_id on the next replica, as a client would, and
// each request makes exactly one event whether or not its first attempt committed; a follower
// on the lost replica resumes on another and still receives exactly the log.
TEST(EventReplicasTest, AReplicaKilledMidRunLosesNoAcknowledgedCreate) {
  constexpr int kCreators = 16;
  constexpr int kCreates = 40;
  constexpr int kLost = 2;
  EventReplicaCluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.Start(kReplicas));
  std::atomic<bool> writing{true};
  MovingFollower follower(cluster, {}, writing);
  follower.MoveOnFailure();
  std::thread following([&follower] { follower.Run(kLost); });

  std::atomic<int> acknowledged{0};
  std::atomic<int> retried{0};
  std::mutex mu;
  std::map<std::string, Change> acks;  // by request_id; guarded by mu
  std::vector<std::string> failures;   // guarded by mu
  std::vector<std::thread> creators;
  for (int t = 0; t < kCreators; ++t) {
    creators.emplace_back([&, t] {
      for (int n = 0; n < kCreates; ++n) {
        v1::CreateEventRequest request;
        *request.mutable_event() = MinimalEvent();
        request.mutable_event()->set_notes(absl::StrCat("creator ", t, " create ", n));
        request.set_request_id(absl::StrCat("creator-", t, "-", n));
        v1::CreateEventResponse response;
        grpc::Status status;
        for (int attempt = 0; attempt < kReplicas; ++attempt) {
          const int replica = (t + n + attempt) % kReplicas;
          status = cluster.event(replica).CreateEvent(EventReplicaCluster::Context().get(), request,
                                                      &response);
          // Whether a call cut off by the crash committed is unknown: the retry finds out.
          if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
          retried.fetch_add(1);
        }
        std::lock_guard<std::mutex> lock(mu);
        if (!status.ok()) {
          failures.push_back(absl::StrCat(request.request_id(), ": code ", status.error_code(), " ",
                                          status.error_message()));
          continue;
        }
        const Event& event = response.event();
        acks[request.request_id()] =
            Change{event.sequence(), v1::CHANGE_TYPE_CREATED, event.id(), event.etag()};
        acknowledged.fetch_add(1);
      }
    });
  }
  while (acknowledged.load() < kCreators * kCreates / 3) absl::SleepFor(absl::Milliseconds(1));
  cluster.KillEvent(kLost);
  for (std::thread& creator : creators) creator.join();
  writing.store(false);

  const std::vector<v1::WatchEventsResponse> log = cluster.ReadLog(0);
  ASSERT_FALSE(log.empty());
  const bool caught_up = follower.StopAt(log.back().sequence(), absl::Seconds(60));
  following.join();
  EXPECT_TRUE(caught_up);
  std::cout << acks.size() << " creates acknowledged, " << retried.load()
            << " calls retried on another replica after replica " << kLost << " was killed\n";
  EXPECT_THAT(failures, ::testing::IsEmpty());
  EXPECT_GT(retried.load(), 0);

  // One CREATED change per request, in a log without gaps, holding every acknowledgement.
  const std::vector<Change> changes = ChangesOf(log);
  ASSERT_EQ(changes.size(), static_cast<size_t>(kCreators * kCreates));
  for (size_t i = 0; i < changes.size(); ++i) {
    ASSERT_EQ(changes[i].sequence, static_cast<int64_t>(i + 1)) << "at index " << i;
  }
  for (const auto& [request_id, ack] : acks) {
    ASSERT_LE(ack.sequence, static_cast<int64_t>(changes.size())) << request_id;
    ASSERT_GE(ack.sequence, 1) << request_id;
    EXPECT_EQ(changes[ack.sequence - 1], ack) << request_id;
  }
  EXPECT_THAT(follower.errors(), ::testing::IsEmpty());
  ASSERT_EQ(follower.moves().size(), 1u);
  EXPECT_EQ(follower.moves()[0].to_replica, 0);
  EXPECT_TRUE(follower.received() == changes)
      << "the follower differs from the log at " << FirstDifference(follower.received(), changes);
}

// DISABLED: fails today (see below); enable it with the fix.
//
// A replica that stops answering in the middle of a write (frozen, or cut off by the network)
// must not stop the others' writes for long. Today it stops them until it comes back: its
// transaction holds the change_head row lock, and its server process waits for the client's
// next message (idle in transaction, or inside COPY FROM STDIN waiting for the data, which
// idle_in_transaction_session_timeout does not cover), so every write on every replica queues
// behind it until its RPC deadline. A fix needs a server-side bound on a stalled holder
// (statement_timeout for the COPY, idle_in_transaction_session_timeout between statements; the
// frozen replica's queued writes then each take the lock in turn and cost one bound each), or
// a write that holds the lock only in its last statement before COMMIT.
TEST(EventReplicasTest, DISABLED_FrozenReplicaDoesNotStopTheOthersWrites) {
  EventReplicaCluster cluster;
  ASSERT_NO_FATAL_FAILURE(cluster.Start(kReplicas));
  // Writers keep replica 1 busy, so when it freezes one of its transactions most likely holds
  // the head lock.
  std::atomic<bool> writing{true};
  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([&] {
      while (writing.load()) {
        v1::CreateEventRequest create;
        *create.mutable_event() = MinimalEvent();
        v1::CreateEventResponse created;
        cluster.event(1)
            .CreateEvent(EventReplicaCluster::Context(absl::Seconds(3)).get(), create, &created)
            .IgnoreError();
      }
    });
  }
  for (int round = 0; round < 3; ++round) {
    absl::SleepFor(absl::Milliseconds(500));
    cluster.FreezeEvent(1);
    v1::CreateEventRequest create;
    *create.mutable_event() = MinimalEvent();
    v1::CreateEventResponse created;
    const grpc::Status status = cluster.event(0).CreateEvent(
        EventReplicaCluster::Context(absl::Seconds(10)).get(), create, &created);
    cluster.ThawEvent(1);
    EXPECT_TRUE(status.ok()) << "round " << round << ", with replica 1 frozen: code "
                             << status.error_code() << " " << status.error_message();
  }
  writing.store(false);
  for (std::thread& writer : writers) writer.join();
}

}  // namespace
}  // namespace lookout::event::testing
