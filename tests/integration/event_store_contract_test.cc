// The promises of services/event/event_store.h, checked on the store itself (OpenEventStore), once
// on an SQLite file and once on a PostgreSQL database: what Write, Isolated and Rehearse undo, the
// change log's numbering and bounds, the commit listener, the store's identity across reopening,
// recreation and copies, and List's totals and keyset cursor. The service tests reach most of
// these only through one path each; here each promise is asserted directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "event_filter/matcher.h"
#include "services/event/event_store.h"
#include "services/event/event_store_factory.h"
#include "tests/testing/store_backend.h"
#include "tests/testing/store_copy.h"
#include "tests/testing/temp_dir.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::Event;
using ::lookout::testing::StoreBackend;
using ::lookout::type::v1::ExternalId;

std::string Id(int n) { return absl::StrFormat("evt_%016x", n); }

Event NewEvent(int n, const std::string& date = "2024-03-02", int64_t fatalities = 0) {
  Event event;
  event.set_id(Id(n));
  event.set_event_date(date);
  event.set_fatalities(fatalities);
  event.set_notes(absl::StrCat("event number ", n));
  event.mutable_location()->set_country_code("HTI");
  return event;
}

ExternalId Acled(const std::string& value) {
  ExternalId id;
  id.set_scheme("acled");
  id.set_value(value);
  return id;
}

// Records every head the commit listener hears.
class HeardHeads {
 public:
  std::function<void(int64_t)> Listener() {
    return [this](int64_t head) {
      absl::MutexLock lock(&mu_);
      heads_.push_back(head);
    };
  }
  std::vector<int64_t> heads() {
    absl::MutexLock lock(&mu_);
    return heads_;
  }
  int64_t newest() {
    absl::MutexLock lock(&mu_);
    return heads_.empty() ? 0 : heads_.back();
  }

 private:
  absl::Mutex mu_;
  std::vector<int64_t> heads_;
};

class EventStoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override { store_ = Open(location_); }

  void TearDown() override {
    if (store_ != nullptr) store_->SetCommitListener(nullptr);
  }

  static std::unique_ptr<EventStore> Open(const StoreLocation& location) {
    auto store = OpenEventStore(location);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Closes the store and opens it again on the same location, as a restart would.
  void Reopen() {
    store_.reset();
    store_ = Open(location_);
    ASSERT_NE(store_, nullptr);
  }

  // One write of one change; returns the stored event (sequence set).
  Event Apply(v1::ChangeType type, const Event& event) {
    Event stored;
    absl::Status status = store_->Write([&](EventTransaction& tx) -> absl::Status {
      auto applied = tx.Apply(type, event);
      if (!applied.ok()) return applied.status();
      stored = *applied;
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return stored;
  }
  Event Create(const Event& event) { return Apply(v1::CHANGE_TYPE_CREATED, event); }

  int64_t Head() {
    auto head = store_->HeadSequence();
    EXPECT_TRUE(head.ok()) << head.status();
    return head.ok() ? *head : -1;
  }

  // The whole change log as (sequence, event id, type).
  std::vector<std::tuple<int64_t, std::string, v1::ChangeType>> Log() {
    std::vector<std::tuple<int64_t, std::string, v1::ChangeType>> log;
    auto changes = store_->ChangesAfter(0, 1'000'000, 10'000);
    EXPECT_TRUE(changes.ok()) << changes.status();
    if (!changes.ok()) return log;
    for (const Change& change : *changes) {
      Event event;
      EXPECT_TRUE(event.ParseFromString(change.event_bytes));
      EXPECT_EQ(event.sequence(), change.sequence) << "the change's event carries its sequence";
      log.emplace_back(change.sequence, event.id(), change.type);
    }
    return log;
  }

  std::optional<Event> Live(const std::string& id) {
    auto live = store_->GetLive(id);
    EXPECT_TRUE(live.ok()) << live.status();
    return live.ok() ? *live : std::nullopt;
  }

  std::vector<std::string> ListIds(const EventQuery& query, int64_t* total = nullptr) {
    auto page = store_->List(query);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    if (!page.ok()) return ids;
    for (const Event& event : page->events) ids.push_back(event.id());
    if (total != nullptr) *total = page->total_size;
    return ids;
  }

  // Every page of `query` (`limit` events each), following the store's cursor; `totals` gets each
  // page's total_size.
  std::vector<std::string> AllPages(EventQuery query, std::vector<int64_t>* totals,
                                    const std::function<void(int page)>& between = nullptr) {
    std::vector<std::string> ids;
    for (int page_number = 0; page_number < 100; ++page_number) {
      if (between && page_number > 0) between(page_number);
      auto page = store_->List(query);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      EXPECT_LE(static_cast<int>(page->events.size()), query.limit);
      for (const Event& event : page->events) ids.push_back(event.id());
      totals->push_back(page->total_size);
      if (!page->next.has_value()) break;
      EXPECT_EQ(static_cast<int>(page->events.size()), query.limit) << "a short page has a next";
      query.after = page->next;
    }
    return ids;
  }

  HeardHeads heard_;  // outlives the store, whose listener may call it
  lookout::testing::TempDir dir_;
  const StoreLocation location_ =
      lookout::testing::TestStoreLocation(GetParam(), dir_.File("event.db"), "event");
  std::unique_ptr<EventStore> store_;
};

TEST_P(EventStoreContractTest, AnEmptyStoreHasHeadZeroAndNoChanges) {
  EXPECT_EQ(Head(), 0);
  EXPECT_TRUE(Log().empty());
  EXPECT_EQ(Live(Id(1)), std::nullopt);
  int64_t total = -1;
  EXPECT_TRUE(ListIds(EventQuery(), &total).empty());
  EXPECT_EQ(total, 0);
}

TEST_P(EventStoreContractTest, EachChangeTakesTheNextSequenceAndDeletesKeepTheLastState) {
  Event a = Create(NewEvent(1));
  Event b = Create(NewEvent(2));
  EXPECT_EQ(a.sequence(), 1);
  EXPECT_EQ(b.sequence(), 2);
  Event changed = a;
  changed.set_notes("changed");
  EXPECT_EQ(Apply(v1::CHANGE_TYPE_UPDATED, changed).sequence(), 3);
  EXPECT_EQ(Apply(v1::CHANGE_TYPE_DELETED, b).sequence(), 4);
  EXPECT_EQ(Head(), 4);

  using L = std::tuple<int64_t, std::string, v1::ChangeType>;
  EXPECT_EQ(Log(), (std::vector<L>{{1, Id(1), v1::CHANGE_TYPE_CREATED},
                                   {2, Id(2), v1::CHANGE_TYPE_CREATED},
                                   {3, Id(1), v1::CHANGE_TYPE_UPDATED},
                                   {4, Id(2), v1::CHANGE_TYPE_DELETED}}));
  ASSERT_TRUE(Live(Id(1)).has_value());
  EXPECT_EQ(Live(Id(1))->notes(), "changed");
  EXPECT_EQ(Live(Id(1))->sequence(), 3);
  EXPECT_EQ(Live(Id(2)), std::nullopt);  // soft-deleted: gone for readers...
  auto deleted = store_->ChangesAfter(3, 4, 10);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  ASSERT_EQ(deleted->size(), 1u);
  Event last_state;
  ASSERT_TRUE(last_state.ParseFromString((*deleted)[0].event_bytes));
  EXPECT_EQ(last_state.notes(), "event number 2");  // ...its last state in the log
}

TEST_P(EventStoreContractTest, ChangesAfterServesExactlyAfterToUpToAtMostLimit) {
  for (int i = 1; i <= 6; ++i) Create(NewEvent(i));
  auto sequences = [this](int64_t after, int64_t up_to, int limit) {
    std::vector<int64_t> out;
    auto changes = store_->ChangesAfter(after, up_to, limit);
    EXPECT_TRUE(changes.ok()) << changes.status();
    if (changes.ok()) {
      for (const Change& change : *changes) out.push_back(change.sequence);
    }
    return out;
  };
  EXPECT_EQ(sequences(0, 6, 100), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(sequences(2, 5, 100), (std::vector<int64_t>{3, 4, 5}));  // after excluded, up_to in
  EXPECT_EQ(sequences(0, 6, 2), (std::vector<int64_t>{1, 2}));       // oldest first
  EXPECT_EQ(sequences(4, 6, 1), (std::vector<int64_t>{5}));
  EXPECT_EQ(sequences(3, 1'000, 100), (std::vector<int64_t>{4, 5, 6}));  // nothing past the head
  EXPECT_TRUE(sequences(3, 3, 100).empty());
  EXPECT_TRUE(sequences(5, 2, 100).empty());
  EXPECT_TRUE(sequences(6, 1'000, 100).empty());
  EXPECT_TRUE(sequences(50, 1'000, 100).empty());
}

TEST_P(EventStoreContractTest, AFailedWriteKeepsNothingAndReturnsItsStatus) {
  Create(NewEvent(1));
  HeardHeads& heard = heard_;
  store_->SetCommitListener(heard.Listener());
  const absl::Status failure = absl::FailedPreconditionError("etag: the caller changed its mind");
  absl::Status status = store_->Write([&](EventTransaction& tx) -> absl::Status {
    EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(2)).ok());
    Event update = NewEvent(1);
    update.set_notes("updated");
    // Writes what came before to the database (PostgreSQL sends gathered creates here).
    EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_UPDATED, update).ok());
    EXPECT_TRUE(
        tx.Isolated([&] { return tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(3)).status(); }).ok());
    EXPECT_TRUE(tx.RecordRequest("req-1", "hash", NewEvent(2)).ok());
    Event with_id = NewEvent(4);
    *with_id.add_external_ids() = Acled("A-4");
    EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_CREATED, with_id).ok());
    // Everything is visible inside the transaction...
    auto seen = tx.GetLive(Id(3));
    EXPECT_TRUE(seen.ok() && seen->has_value());
    return failure;
  });
  EXPECT_EQ(status, failure);
  // ...and nothing of it outside, now or after a restart.
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "open" : "reopened");
    EXPECT_EQ(Head(), 1);
    EXPECT_EQ(Log().size(), 1u);
    EXPECT_EQ(Live(Id(2)), std::nullopt);
    EXPECT_EQ(Live(Id(3)), std::nullopt);
    EXPECT_EQ(Live(Id(4)), std::nullopt);
    ASSERT_TRUE(Live(Id(1)).has_value());
    EXPECT_EQ(Live(Id(1))->notes(), "event number 1");
    auto request = store_->FindRequest("req-1");
    ASSERT_TRUE(request.ok()) << request.status();
    EXPECT_EQ(*request, std::nullopt);
    int64_t total = -1;
    EXPECT_EQ(ListIds(EventQuery(), &total), std::vector<std::string>{Id(1)});
    EXPECT_EQ(total, 1);
    if (pass == 0) {
      EXPECT_TRUE(heard.heads().empty()) << "a rolled back write is no commit";
      store_->SetCommitListener(nullptr);
      ASSERT_NO_FATAL_FAILURE(Reopen());
    }
  }
  // The undone sequences are given again: the log stays dense, and the external id is free.
  Event next = NewEvent(5);
  *next.add_external_ids() = Acled("A-4");
  EXPECT_EQ(Create(next).sequence(), 2);
}

TEST_P(EventStoreContractTest, AnUpdateOfAMissingEventIsNotFoundAndWritesNothing) {
  Create(NewEvent(1));
  absl::Status status = store_->Write([&](EventTransaction& tx) -> absl::Status {
    EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(2)).ok());
    return tx.Apply(v1::CHANGE_TYPE_UPDATED, NewEvent(9)).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_EQ(Head(), 1);
  EXPECT_EQ(Live(Id(2)), std::nullopt);
}

TEST_P(EventStoreContractTest, IsolatedUndoesOnlyItsOwnWritesAndLeavesNoGap) {
  Create(NewEvent(1));
  absl::Status status = store_->Write([&](EventTransaction& tx) -> absl::Status {
    EXPECT_EQ(tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(2))->sequence(), 2);
    absl::Status row = tx.Isolated([&]() -> absl::Status {
      Event b = NewEvent(3);
      *b.add_external_ids() = Acled("A-3");
      EXPECT_EQ(tx.Apply(v1::CHANGE_TYPE_CREATED, b)->sequence(), 3);
      Event update = NewEvent(1);
      update.set_notes("undone");
      EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_UPDATED, update).ok());
      EXPECT_TRUE(tx.RecordRequest("req-undone", "hash", b).ok());
      return absl::InvalidArgumentError("event.notes: row 2 is bad");
    });
    EXPECT_EQ(row, absl::InvalidArgumentError("event.notes: row 2 is bad"));
    // Inside the transaction too the undone row is gone and its id free again.
    auto gone = tx.GetLive(Id(3));
    EXPECT_TRUE(gone.ok() && !gone->has_value());
    auto free = tx.FindLiveByExternalId(Acled("A-3"));
    EXPECT_TRUE(free.ok() && !free->has_value());
    auto kept = tx.GetLive(Id(1));
    EXPECT_TRUE(kept.ok() && kept->has_value() && (*kept)->notes() == "event number 1");
    // A row that succeeds is kept, and numbered right after the last kept change.
    EXPECT_TRUE(tx.Isolated([&]() -> absl::Status {
                    Event c = NewEvent(4);
                    *c.add_external_ids() = Acled("A-3");
                    auto applied = tx.Apply(v1::CHANGE_TYPE_CREATED, c);
                    EXPECT_EQ(applied->sequence(), 3);
                    // A failing row nested in a kept one is undone alone.
                    EXPECT_FALSE(tx.Isolated([&] {
                                     EXPECT_EQ(
                                         tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(5))->sequence(),
                                         4);
                                     return absl::AbortedError("inner");
                                   }).ok());
                    return applied.status();
                  }).ok());
    EXPECT_EQ(tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(6))->sequence(), 4);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  using L = std::tuple<int64_t, std::string, v1::ChangeType>;
  EXPECT_EQ(Log(), (std::vector<L>{{1, Id(1), v1::CHANGE_TYPE_CREATED},
                                   {2, Id(2), v1::CHANGE_TYPE_CREATED},
                                   {3, Id(4), v1::CHANGE_TYPE_CREATED},
                                   {4, Id(6), v1::CHANGE_TYPE_CREATED}}));
  EXPECT_EQ(Head(), 4);
  EXPECT_EQ(Live(Id(3)), std::nullopt);
  EXPECT_EQ(Live(Id(5)), std::nullopt);
  EXPECT_EQ(Live(Id(1))->notes(), "event number 1");
  EXPECT_EQ(*store_->FindRequest("req-undone"), std::nullopt);
  // The external id belongs to the kept row.
  absl::Status taken = store_->Write([&](EventTransaction& tx) -> absl::Status {
    auto owner = tx.FindLiveByExternalId(Acled("A-3"));
    EXPECT_TRUE(owner.ok() && owner->has_value() && (*owner)->id() == Id(4));
    return absl::OkStatus();
  });
  EXPECT_TRUE(taken.ok()) << taken;
}

// A row whose failure came from the database itself (a request_id recorded twice breaks the
// table's key) is undone alone too: the transaction goes on and commits the rest.
TEST_P(EventStoreContractTest, IsolatedRecoversFromAStatementTheDatabaseRefused) {
  absl::Status status = store_->Write([&](EventTransaction& tx) -> absl::Status {
    auto created = tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(1));
    if (!created.ok()) return created.status();
    return tx.RecordRequest("req-1", "hash-1", *created);
  });
  ASSERT_TRUE(status.ok()) << status;
  status = store_->Write([&](EventTransaction& tx) -> absl::Status {
    absl::Status row = tx.Isolated([&]() -> absl::Status {
      auto created = tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(2));
      if (!created.ok()) return created.status();
      return tx.RecordRequest("req-1", "hash-2", *created);
    });
    EXPECT_FALSE(row.ok());
    return tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(3)).status();
  });
  ASSERT_TRUE(status.ok()) << status;
  using L = std::tuple<int64_t, std::string, v1::ChangeType>;
  EXPECT_EQ(Log(), (std::vector<L>{{1, Id(1), v1::CHANGE_TYPE_CREATED},
                                   {2, Id(3), v1::CHANGE_TYPE_CREATED}}));
  auto request = store_->FindRequest("req-1");
  ASSERT_TRUE(request.ok() && request->has_value());
  EXPECT_EQ((*request)->payload_hash, "hash-1");
  EXPECT_EQ((*request)->result.id(), Id(1));
}

// Concurrent writes, some failing after they applied changes (an update of a missing event,
// a write that gives up): each failure undoes only itself, whatever write it shared a commit
// with, and the log holds exactly the writes that succeeded, numbered 1..n in order.
TEST_P(EventStoreContractTest, ConcurrentWritesThatFailUndoOnlyThemselves) {
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 40;
  std::mutex mu;
  std::set<std::string> kept;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        const int n = 1000 + t * kWritesPerThread + i;
        const int kind = (t + i) % 3;
        absl::Status status = store_->Write([&](EventTransaction& tx) -> absl::Status {
          auto created = tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(n));
          if (!created.ok()) return created.status();
          if (kind == 1) return absl::AbortedError("gave up after applying");
          if (kind == 2) {
            // An update of an event that does not exist fails inside the store.
            return tx.Apply(v1::CHANGE_TYPE_UPDATED, NewEvent(n + 100000)).status();
          }
          return absl::OkStatus();
        });
        std::lock_guard<std::mutex> lock(mu);
        if (kind == 0) {
          EXPECT_TRUE(status.ok()) << status;
          kept.insert(Id(n));
        } else {
          EXPECT_FALSE(status.ok());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const auto log = Log();
  ASSERT_EQ(log.size(), kept.size());
  std::set<std::string> logged;
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(std::get<0>(log[i]), static_cast<int64_t>(i) + 1);
    EXPECT_EQ(std::get<2>(log[i]), v1::CHANGE_TYPE_CREATED);
    logged.insert(std::get<1>(log[i]));
  }
  EXPECT_EQ(logged, kept);
  EXPECT_EQ(Head(), static_cast<int64_t>(kept.size()));
  // What the failed writes created is nowhere.
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWritesPerThread; ++i) {
      const int n = 1000 + t * kWritesPerThread + i;
      if ((t + i) % 3 != 0) EXPECT_FALSE(Live(Id(n)).has_value()) << Id(n);
    }
  }
}

TEST_P(EventStoreContractTest, RehearseUndoesEverythingAndReturnsFnsStatus) {
  Create(NewEvent(1));
  absl::Status status = store_->Write([&](EventTransaction& tx) -> absl::Status {
    // A rehearsal that succeeds is undone all the same.
    absl::Status ok = tx.Rehearse([&]() -> absl::Status {
      Event b = NewEvent(2);
      *b.add_external_ids() = Acled("A-2");
      EXPECT_EQ(tx.Apply(v1::CHANGE_TYPE_CREATED, b)->sequence(), 2);
      Event update = NewEvent(1);
      update.set_notes("rehearsed");
      EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_UPDATED, update).ok());
      EXPECT_TRUE(tx.RecordRequest("req-rehearsed", "hash", b).ok());
      auto seen = tx.GetLive(Id(2));
      EXPECT_TRUE(seen.ok() && seen->has_value());
      return absl::OkStatus();
    });
    EXPECT_TRUE(ok.ok()) << ok;
    auto gone = tx.GetLive(Id(2));
    EXPECT_TRUE(gone.ok() && !gone->has_value());
    auto free = tx.FindLiveByExternalId(Acled("A-2"));
    EXPECT_TRUE(free.ok() && !free->has_value());
    // A failing rehearsal returns fn's status unchanged.
    const absl::Status refused = absl::AlreadyExistsError("event.external_ids[0]: taken");
    EXPECT_EQ(tx.Rehearse([&] {
      EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(3)).ok());
      return refused;
    }),
              refused);
    // The rehearsed sequences are free for the real write.
    Event real = NewEvent(4);
    *real.add_external_ids() = Acled("A-2");
    EXPECT_EQ(tx.Apply(v1::CHANGE_TYPE_CREATED, real)->sequence(), 2);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  using L = std::tuple<int64_t, std::string, v1::ChangeType>;
  EXPECT_EQ(Log(), (std::vector<L>{{1, Id(1), v1::CHANGE_TYPE_CREATED},
                                   {2, Id(4), v1::CHANGE_TYPE_CREATED}}));
  EXPECT_EQ(Live(Id(1))->notes(), "event number 1");
  EXPECT_EQ(Live(Id(2)), std::nullopt);
  EXPECT_EQ(Live(Id(3)), std::nullopt);
  EXPECT_EQ(*store_->FindRequest("req-rehearsed"), std::nullopt);
}

TEST_P(EventStoreContractTest, ATakenExternalIdIsAlreadyExistsNamingItsIndex) {
  Event owner = NewEvent(1);
  *owner.add_external_ids() = Acled("A-1");
  Create(owner);

  // The second external id is the taken one: the status names index 1, in message and payload.
  Event clash = NewEvent(2);
  *clash.add_external_ids() = Acled("A-2");
  *clash.add_external_ids() = Acled("A-1");
  absl::Status status = store_->Write(
      [&](EventTransaction& tx) { return tx.Apply(v1::CHANGE_TYPE_CREATED, clash).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(status.message().rfind("event.external_ids[1]: ", 0), 0u) << status;
  EXPECT_NE(status.message().find(Id(1)), absl::string_view::npos) << status;
  auto field = status.GetPayload(errors::kFieldPayload);
  ASSERT_TRUE(field.has_value());
  EXPECT_EQ(std::string(*field), "event.external_ids[1]");
  EXPECT_EQ(Head(), 1);
  EXPECT_EQ(Live(Id(2)), std::nullopt);

  // Another scheme with the same value is another id; the owner may keep its own id.
  Event other_scheme = NewEvent(3);
  ExternalId gdelt = Acled("A-1");
  gdelt.set_scheme("gdelt");
  *other_scheme.add_external_ids() = gdelt;
  EXPECT_EQ(Create(other_scheme).sequence(), 2);
  owner.set_notes("still mine");
  EXPECT_EQ(Apply(v1::CHANGE_TYPE_UPDATED, owner).sequence(), 3);

  // Within one transaction: an id taken by a create earlier in it is refused too.
  status = store_->Write([&](EventTransaction& tx) -> absl::Status {
    Event first = NewEvent(4);
    *first.add_external_ids() = Acled("A-4");
    EXPECT_TRUE(tx.PrefetchExternalIds({Acled("A-4")}).ok());
    EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_CREATED, first).ok());
    Event second = NewEvent(5);
    *second.add_external_ids() = Acled("A-4");
    return tx.Apply(v1::CHANGE_TYPE_CREATED, second).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(status.message().rfind("event.external_ids[0]: ", 0), 0u) << status;
  EXPECT_EQ(Head(), 3);
  EXPECT_EQ(Live(Id(4)), std::nullopt);

  // A deleted event's ids are free again (its delete is in the log).
  EXPECT_EQ(Apply(v1::CHANGE_TYPE_DELETED, owner).sequence(), 4);
  Event heir = NewEvent(6);
  *heir.add_external_ids() = Acled("A-1");
  EXPECT_EQ(Create(heir).sequence(), 5);
  status = store_->Write([&](EventTransaction& tx) -> absl::Status {
    auto found = tx.FindLiveByExternalId(Acled("A-1"));
    EXPECT_TRUE(found.ok() && found->has_value() && (*found)->id() == Id(6));
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
}

TEST_P(EventStoreContractTest, TheListenerHearsEveryCommitInOrderAndOnlyGrowingHeads) {
  Create(NewEvent(1000));
  ASSERT_NO_FATAL_FAILURE(Reopen());  // as at a service's start: a store with a head already
  const int64_t start = Head();
  HeardHeads& heard = heard_;
  store_->SetCommitListener(heard.Listener());
  // The head the store had before is no commit to hear of, nor is a write that appends nothing.
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_TRUE(store_->Write([](EventTransaction&) { return absl::OkStatus(); }).ok());
  EXPECT_TRUE(heard.heads().empty()) << heard.heads()[0];
  constexpr int kThreads = 4, kWrites = 15;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        int64_t sequence = 0;
        absl::Status status = store_->Write([&](EventTransaction& tx) -> absl::Status {
          auto applied = tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(t * 100 + i));
          if (!applied.ok()) return applied.status();
          sequence = applied->sequence();
          return absl::OkStatus();
        });
        EXPECT_TRUE(status.ok()) << status;
        // Write returns once the listener has heard of its head.
        EXPECT_GE(heard.newest(), sequence);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  const int64_t head = Head();
  EXPECT_EQ(head, start + kThreads * kWrites);
  const std::vector<int64_t> heads = heard.heads();
  ASSERT_FALSE(heads.empty());
  EXPECT_GT(heads.front(), start);
  for (size_t i = 1; i < heads.size(); ++i) EXPECT_GT(heads[i], heads[i - 1]) << "at " << i;
  EXPECT_EQ(heads.back(), head);
  // Cleared, it is called no more.
  store_->SetCommitListener(nullptr);
  Create(NewEvent(2000));
  EXPECT_EQ(heard.heads().size(), heads.size());
}

TEST_P(EventStoreContractTest, AReopenedStoreKeepsEverythingAndItsIdentity) {
  const std::string log_id = store_->change_log_id();
  const std::string secret = store_->page_token_secret();
  EXPECT_EQ(log_id.size(), 32u);
  EXPECT_EQ(log_id.find_first_not_of("0123456789abcdef"), std::string::npos) << log_id;
  EXPECT_GE(secret.size(), 16u);
  Event a = NewEvent(1, "2024-01-01", 5);
  *a.add_external_ids() = Acled("A-1");
  Create(a);
  Create(NewEvent(2, "2024-01-02", 7));
  Apply(v1::CHANGE_TYPE_DELETED, NewEvent(2, "2024-01-02", 7));
  ASSERT_TRUE(
      store_->Write([&](EventTransaction& tx) { return tx.RecordRequest("req-1", "hash-1", a); })
          .ok());
  const auto log = Log();

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(store_->change_log_id(), log_id);
  EXPECT_EQ(store_->page_token_secret(), secret);
  EXPECT_EQ(Head(), 3);
  EXPECT_EQ(Log(), log);
  ASSERT_TRUE(Live(Id(1)).has_value());
  EXPECT_EQ(Live(Id(1))->fatalities(), 5);
  EXPECT_EQ(Live(Id(2)), std::nullopt);
  auto request = store_->FindRequest("req-1");
  ASSERT_TRUE(request.ok() && request->has_value());
  EXPECT_EQ((*request)->payload_hash, "hash-1");
  int64_t total = -1;
  EXPECT_EQ(ListIds(EventQuery(), &total), std::vector<std::string>{Id(1)});
  EXPECT_EQ(total, 1);
  // The external id is still held, and the log goes on from its head.
  Event clash = NewEvent(3);
  *clash.add_external_ids() = Acled("A-1");
  absl::Status status = store_->Write(
      [&](EventTransaction& tx) { return tx.Apply(v1::CHANGE_TYPE_CREATED, clash).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(Create(NewEvent(4)).sequence(), 4);
}

// A sequence names a change only with the log's id: a store recreated at the same place starts
// again from 0 under another id, and a copy (a backup restored) keeps the id and what it held.
TEST_P(EventStoreContractTest, ARecreatedStoreHasAnotherIdAndACopyKeepsIt) {
  const std::string log_id = store_->change_log_id();
  Create(NewEvent(1));
  Create(NewEvent(2));
  store_.reset();
  const StoreLocation copy =
      lookout::testing::CopyLocation(location_, dir_.File("event.db.copy"), "_copy");
  ASSERT_NO_FATAL_FAILURE(lookout::testing::CopyStore(location_, copy));

  ASSERT_NO_FATAL_FAILURE(lookout::testing::RecreateStore(location_));
  store_ = Open(location_);
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->change_log_id().size(), 32u);
  EXPECT_NE(store_->change_log_id(), log_id);
  EXPECT_EQ(Head(), 0);
  EXPECT_EQ(Live(Id(1)), std::nullopt);
  EXPECT_EQ(Create(NewEvent(3)).sequence(), 1);
  store_.reset();

  store_ = Open(copy);
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->change_log_id(), log_id);
  EXPECT_EQ(Head(), 2);
  EXPECT_TRUE(Live(Id(1)).has_value());
  EXPECT_EQ(Live(Id(3)), std::nullopt);

  // A store elsewhere is another log altogether.
  auto other = OpenEventStore(
      lookout::testing::TestStoreLocation(GetParam(), dir_.File("other.db"), "event"));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE((*other)->change_log_id(), log_id);
  EXPECT_NE((*other)->page_token_secret(), store_->page_token_secret());
}

TEST_P(EventStoreContractTest, ListPagesFollowTheCursorInEachOrderWithTheTotal) {
  // Dates and fatalities with ties, so the id decides between equal sort keys.
  const std::vector<std::tuple<int, std::string, int64_t>> rows = {
      {1, "2024-01-03", 5}, {2, "2024-01-01", 9}, {3, "2024-01-03", 0}, {4, "2024-01-02", 9},
      {5, "2024-01-05", 1}, {6, "2024-01-03", 5}, {7, "2024-01-01", 2}};
  for (const auto& [n, date, fatalities] : rows) Create(NewEvent(n, date, fatalities));
  // One deleted event counts nowhere.
  Create(NewEvent(8, "2024-01-04", 3));
  Apply(v1::CHANGE_TYPE_DELETED, NewEvent(8, "2024-01-04", 3));

  struct Case {
    EventOrder order;
    std::vector<int> expected;
  };
  for (const Case& c : std::vector<Case>{{EventOrder::kEventDateDesc, {5, 6, 3, 1, 4, 7, 2}},
                                         {EventOrder::kEventDateAsc, {2, 7, 4, 1, 3, 6, 5}},
                                         {EventOrder::kFatalitiesDesc, {4, 2, 6, 1, 7, 5, 3}}}) {
    SCOPED_TRACE(static_cast<int>(c.order));
    std::vector<std::string> expected;
    for (int n : c.expected) expected.push_back(Id(n));
    for (int limit : {1, 3, 7, 50}) {
      SCOPED_TRACE(limit);
      EventQuery query;
      query.order = c.order;
      query.limit = limit;
      std::vector<int64_t> totals;
      EXPECT_EQ(AllPages(query, &totals), expected);
      EXPECT_EQ(totals.size(), static_cast<size_t>((7 + limit - 1) / limit));
      for (int64_t total : totals) EXPECT_EQ(total, 7);
    }
  }

  // A filter narrows the total as well as the page.
  EventQuery fatal;
  fatal.filter.set_min_fatalities(5);
  fatal.limit = 2;
  std::vector<int64_t> totals;
  EXPECT_EQ(AllPages(fatal, &totals), (std::vector<std::string>{Id(6), Id(1), Id(4), Id(2)}));
  EXPECT_EQ(totals, (std::vector<int64_t>{4, 4}));
}

TEST_P(EventStoreContractTest, AKeysetCursorNeitherRepeatsNorSkipsWhenRowsArriveBetweenPages) {
  for (int n = 1; n <= 6; ++n) Create(NewEvent(n, absl::StrFormat("2024-02-%02d", 10 + n)));
  EventQuery query;
  query.limit = 2;
  std::vector<int64_t> totals;
  // After the first page (days 16, 15): one event newer than the cursor, which this listing has
  // passed, and one older, which it must still reach; an event on the cursor's own day with a
  // smaller id sorts after it too.
  std::vector<std::string> ids = AllPages(query, &totals, [&](int page) {
    if (page != 1) return;
    Create(NewEvent(20, "2024-02-28"));
    Create(NewEvent(21, "2024-02-01"));
    Create(NewEvent(0, "2024-02-15"));
  });
  EXPECT_EQ(ids,
            (std::vector<std::string>{Id(6), Id(5), Id(0), Id(4), Id(3), Id(2), Id(1), Id(21)}));
  EXPECT_EQ(totals, (std::vector<int64_t>{6, 9, 9, 9}));
}

// Issue 21.2: a filter of countries and a date range (the situation report's) is counted from
// kept per-day counts and per-country totals (with the longest span), not from the events. Each kind of write must move those counts exactly:
// creates, updates that move an event to another country or other days, deletes, an import's
// batch with rows undone (Isolated, Rehearse), a failed write, and a reopened store. The
// expected totals and pages come from the in-memory matcher over the events known to be live.
TEST_P(EventStoreContractTest, CountryAndPeriodTotalsStayExactThroughEveryKindOfWrite) {
  std::map<std::string, Event> live;
  // "~Red Sea" and "~Atlantic Ocean/Caribbean Sea" are places at sea (basin/body of water):
  // they count under no country, only in the totals of every event.
  auto event_in = [](int n, const std::string& country, const std::string& date,
                     const std::string& end_date = "") {
    Event event = NewEvent(n, date);
    if (country[0] == '~') {
      event.mutable_location()->clear_country_code();
      event.mutable_location()->clear_admin1();
      event.mutable_location()->clear_admin2();
      const std::vector<std::string> levels = absl::StrSplit(country.substr(1), '/');
      event.mutable_location()->mutable_maritime()->set_basin(levels[0]);
      if (levels.size() > 1) {
        event.mutable_location()->mutable_maritime()->set_body_of_water(levels[1]);
      }
    } else {
      event.mutable_location()->set_country_code(country);
    }
    event.set_end_date(end_date);
    return event;
  };
  auto filter = [](std::vector<std::string> countries, const std::string& start,
                   const std::string& end) {
    v1::EventFilter f;
    for (const std::string& country : countries) {
      if (country == "~Red Sea") {
        f.add_maritime_basins("Red Sea");
      } else if (country == "~Caribbean Sea") {
        f.add_bodies_of_water("Caribbean Sea");
      } else {
        f.add_country_codes(country);
      }
    }
    if (!start.empty()) f.mutable_date_range()->set_start_date(start);
    if (!end.empty()) f.mutable_date_range()->set_end_date(end);
    return f;
  };
  std::vector<v1::EventFilter> filters;
  for (const std::vector<std::string>& countries :
       std::vector<std::vector<std::string>>{
           {}, {"HTI"}, {"MLI"}, {"HTI", "MLI"}, {"NER"}, {"~Red Sea"}, {"~Caribbean Sea"}}) {
    for (const auto& [start, end] :
         std::vector<std::pair<std::string, std::string>>{{"", ""},
                                                          {"2024-03-02", "2024-03-02"},
                                                          {"2024-03-03", ""},
                                                          {"", "2024-03-01"},
                                                          {"2024-03-04", "2024-03-10"},
                                                          {"2024-02-01", "2024-02-29"}}) {
      filters.push_back(filter(countries, start, end));
    }
  }
  auto check = [&](const std::string& when) {
    SCOPED_TRACE(when);
    for (const v1::EventFilter& f : filters) {
      std::set<std::string> expected;
      for (const auto& [id, event] : live) {
        if (event_filter::MatchesFilter(event, f)) expected.insert(id);
      }
      // Pages of two: the pages walk the date index down to the earliest matching day the
      // counts give, so every match must still be reached.
      EventQuery query;
      query.filter = f;
      query.limit = 2;
      std::vector<int64_t> totals;
      std::vector<std::string> ids = AllPages(query, &totals);
      EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected)
          << "filter " << f.ShortDebugString();
      EXPECT_EQ(ids.size(), expected.size()) << "filter " << f.ShortDebugString();
      for (int64_t total : totals) {
        EXPECT_EQ(total, static_cast<int64_t>(expected.size()))
            << "filter " << f.ShortDebugString();
      }
    }
  };
  auto create = [&](const Event& event) { live[event.id()] = Create(event); };
  auto update = [&](const Event& event) {
    live[event.id()] = Apply(v1::CHANGE_TYPE_UPDATED, event);
  };
  auto remove = [&](const std::string& id) {
    Apply(v1::CHANGE_TYPE_DELETED, live[id]);
    live.erase(id);
  };

  check("empty");
  create(event_in(1, "HTI", "2024-03-02"));
  create(event_in(2, "HTI", "2024-03-02"));
  create(event_in(3, "HTI", "2024-02-27", "2024-03-05"));  // spans both months
  create(event_in(4, "MLI", "2024-03-02"));
  create(event_in(5, "MLI", "2024-03-08", "2024-03-09"));
  create(event_in(6, "~Red Sea", "2024-03-02"));
  create(event_in(7, "~Atlantic Ocean/Caribbean Sea", "2024-03-02", "2024-03-04"));
  create(event_in(8, "HTI", "2024-03-04"));
  // Months long: a period in March finds it only through the longest span the counts keep.
  create(event_in(9, "HTI", "2023-11-20", "2024-03-04"));
  check("created");

  update(event_in(1, "MLI", "2024-03-02"));  // another country
  update(event_in(2, "HTI", "2024-03-06"));  // another day
  update(event_in(3, "HTI", "2024-02-27"));  // a shorter span
  Event notes_only = live[Id(4)];
  notes_only.set_notes("only the notes changed");
  update(notes_only);                                      // no count moves
  update(event_in(5, "NER", "2024-01-10", "2024-03-03"));  // country and days at once
  update(event_in(8, "~Red Sea", "2024-03-04"));           // out to sea
  update(event_in(6, "MLI", "2024-03-02"));                // ashore
  update(event_in(7, "~Red Sea", "2024-03-05"));           // another sea, another day
  check("updated");

  remove(Id(2));
  remove(Id(5));
  check("deleted");
  // The longest span is a bound: it stays after the long event goes, and totals stay exact.
  remove(Id(9));
  check("the long event deleted");

  // An import's batch: rows kept, a row that fails (undone by Isolated), a rehearsed row, and
  // an event created then moved within the same transaction.
  absl::Status imported = store_->Write([&](EventTransaction& tx) -> absl::Status {
    for (int n = 10; n < 16; ++n) {
      auto applied =
          tx.Apply(v1::CHANGE_TYPE_CREATED,
                   event_in(n, n % 2 == 0 ? "HTI" : "MLI", "2024-03-0" + std::to_string(n - 9)));
      if (!applied.ok()) return applied.status();
      live[applied->id()] = *applied;
    }
    absl::Status failed = tx.Isolated([&]() -> absl::Status {
      auto applied = tx.Apply(v1::CHANGE_TYPE_CREATED, event_in(20, "HTI", "2024-03-02"));
      if (!applied.ok()) return applied.status();
      return absl::InvalidArgumentError("event.notes: the row is refused after its write");
    });
    EXPECT_FALSE(failed.ok());
    EXPECT_TRUE(
        tx.Rehearse([&] { return tx.Apply(v1::CHANGE_TYPE_DELETED, live[Id(1)]).status(); }).ok());
    auto created = tx.Apply(v1::CHANGE_TYPE_CREATED, event_in(21, "HTI", "2024-03-02"));
    if (!created.ok()) return created.status();
    auto moved = tx.Apply(v1::CHANGE_TYPE_UPDATED, event_in(21, "MLI", "2024-03-07"));
    if (!moved.ok()) return moved.status();
    live[moved->id()] = *moved;
    // Sea events in one batch INSERT, and one moved out to sea within the transaction.
    for (int n = 22; n < 25; ++n) {
      auto at_sea = tx.Apply(v1::CHANGE_TYPE_CREATED,
                             event_in(n, n == 22 ? "~Red Sea" : "~Atlantic Ocean/Caribbean Sea",
                                      "2024-03-03"));
      if (!at_sea.ok()) return at_sea.status();
      live[at_sea->id()] = *at_sea;
    }
    auto sailed = tx.Apply(v1::CHANGE_TYPE_UPDATED,
                           event_in(21, "~Atlantic Ocean/Caribbean Sea", "2024-03-07"));
    if (!sailed.ok()) return sailed.status();
    live[sailed->id()] = *sailed;
    return absl::OkStatus();
  });
  ASSERT_TRUE(imported.ok()) << imported;
  check("imported");

  // A write that fails as a whole leaves every count as it was.
  absl::Status failed = store_->Write([&](EventTransaction& tx) -> absl::Status {
    EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_CREATED, event_in(30, "HTI", "2024-03-02")).ok());
    EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_DELETED, live[Id(3)]).ok());
    EXPECT_TRUE(tx.Apply(v1::CHANGE_TYPE_UPDATED, event_in(4, "NER", "2024-02-02")).ok());
    return absl::AbortedError("etag: changed meanwhile");
  });
  EXPECT_FALSE(failed.ok());
  check("after a failed write");

  Reopen();
  check("reopened");
}

TEST_P(EventStoreContractTest, SourceAttributeFiltersMatchWhatTheMatcherSaysThroughEveryWrite) {
  // GDELT, ACLED and UCDP events and plain ones; one GDELT event changes its attributes, one
  // loses them, one is deleted: List must agree with the matcher on the live events each time.
  std::map<std::string, Event> live;
  auto gdelt = [](int n, double goldstein, double tone, int quad, int mentions, bool root) {
    Event event = NewEvent(n);
    auto* g = event.mutable_gdelt();
    g->set_goldstein_scale(goldstein);
    g->set_avg_tone(tone);
    g->set_quad_class(quad);
    g->set_num_mentions(mentions);
    g->set_is_root_event(root);
    return event;
  };
  auto acled = [](int n, const std::string& disorder, int interaction) {
    Event event = NewEvent(n);
    event.mutable_acled()->set_disorder_type(disorder);
    event.mutable_acled()->set_interaction(interaction);
    return event;
  };
  auto ucdp = [](int n, int64_t conflict, int64_t dyad) {
    Event event = NewEvent(n);
    event.mutable_ucdp()->set_conflict_id(conflict);
    event.mutable_ucdp()->set_dyad_id(dyad);
    return event;
  };
  for (const Event& event :
       {gdelt(1, -10, -3.5, 4, 10, true), gdelt(2, 0, 0, 1, 1, false),
        gdelt(3, 3.4, 2.02774813233724, 2, 4, true), gdelt(4, 10, 7.25, 3, 0, false),
        acled(5, "Political violence", 13), acled(6, "Demonstrations", 60), ucdp(7, 4591, 5201),
        ucdp(8, 4591, 5202), NewEvent(9), NewEvent(10)}) {
    live[event.id()] = Create(event);
  }
  std::vector<v1::EventFilter> filters(16);
  filters[0].mutable_goldstein_scale()->set_min(0);
  filters[1].mutable_goldstein_scale()->set_max(3.4);
  filters[2].mutable_goldstein_scale()->set_min(-10);
  filters[2].mutable_goldstein_scale()->set_max(-10);
  filters[3].mutable_avg_tone()->set_min(2.02774813233724);
  filters[4].mutable_avg_tone()->set_max(0);
  filters[5].add_quad_classes(4);
  filters[5].add_quad_classes(2);
  filters[6].set_min_num_mentions(4);
  filters[7].set_is_root_event(true);
  filters[8].set_is_root_event(false);
  filters[9].add_disorder_types("Demonstrations");
  filters[10].add_interactions(13);
  filters[10].add_interactions(77);
  filters[11].add_ucdp_conflict_ids(4591);
  filters[12].add_ucdp_dyad_ids(5202);
  filters[13].add_ucdp_conflict_ids(4591);
  filters[13].add_ucdp_dyad_ids(5201);
  filters[14].mutable_goldstein_scale()->set_min(-10);
  filters[14].add_disorder_types("Political violence");  // no event is both: none
  filters[15].set_min_num_mentions(1);
  filters[15].add_country_codes("HTI");
  auto check = [&](const std::string& when) {
    for (size_t i = 0; i < filters.size(); ++i) {
      SCOPED_TRACE(absl::StrCat(when, ", filter ", i, ": ", filters[i].ShortDebugString()));
      std::vector<std::string> expected;
      for (const auto& [id, event] : live) {
        if (event_filter::MatchesFilter(event, filters[i])) expected.push_back(id);
      }
      EventQuery query;
      query.filter = filters[i];
      query.order = EventOrder::kEventDateAsc;
      query.limit = 100;
      int64_t total = -1;
      std::vector<std::string> ids = ListIds(query, &total);
      std::sort(ids.begin(), ids.end());
      EXPECT_EQ(ids, expected);
      EXPECT_EQ(total, static_cast<int64_t>(expected.size()));
    }
  };
  check("created");
  live[Id(2)] = Apply(v1::CHANGE_TYPE_UPDATED, gdelt(2, -5, 9, 4, 20, true));
  Event plain = NewEvent(3);
  live[Id(3)] = Apply(v1::CHANGE_TYPE_UPDATED, plain);
  Apply(v1::CHANGE_TYPE_DELETED, live[Id(1)]);
  live.erase(Id(1));
  Event now_gdelt = gdelt(9, 1, 1, 1, 5, true);
  live[Id(9)] = Apply(v1::CHANGE_TYPE_UPDATED, now_gdelt);
  check("after updates and a delete");
}

INSTANTIATE_TEST_SUITE_P(Backends, EventStoreContractTest, lookout::testing::AllStoreBackends(),
                         lookout::testing::StoreBackendName);

}  // namespace
}  // namespace lookout::event
