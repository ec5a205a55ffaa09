// The event store's change log never runs ahead of durability: a commit readers can already see
// is not served to followers (WatchEvents) until its fsync, and no read hands out its sequence
// before then, because a power cut before the fsync would take the change back and hand its
// sequence to another one.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/sqlite_db.h"
#include "services/event/sqlite_event_store.h"
#include "tests/testing/temp_dir.h"

namespace lookout::event {
namespace {

v1::Event NewEvent(const std::string& id) {
  v1::Event event;
  event.set_id(id);
  event.set_event_date("2024-03-02");
  event.mutable_location()->set_country_code("HTI");
  return event;
}

absl::Status Create(SqliteEventStore& store, const std::string& id) {
  return store.Write([&](EventTransaction& tx) {
    return tx.Apply(v1::CHANGE_TYPE_CREATED, NewEvent(id)).status();
  });
}

// Holds the store's next fsync once `hold` is set: the commit is visible, not yet durable.
struct SyncGate {
  std::function<void()> BeforeSync() {
    return [this] {
      if (!hold.load()) return;
      held.Notify();
      release.WaitForNotification();
    };
  }
  std::atomic<bool> hold{false};
  absl::Notification held, release;
};

TEST(EventStoreDurabilityTest, TheChangeLogStopsAtTheLastDurableCommit) {
  testing::TempDir dir;
  SyncGate gate;
  auto store = SqliteEventStore::Open(dir.File("event.db"), gate.BeforeSync());
  ASSERT_TRUE(store.ok()) << store.status();
  std::atomic<int64_t> published{0};
  (*store)->SetCommitListener([&](int64_t head) { published = head; });

  ASSERT_TRUE(Create(**store, "evt_0000000000000001").ok());
  ASSERT_EQ(*(*store)->HeadSequence(), 1);

  gate.hold = true;
  std::thread writer([&] { EXPECT_TRUE(Create(**store, "evt_0000000000000002").ok()); });
  gate.held.WaitForNotification();
  // The second event is committed and visible to readers of the file...
  auto reader = SqliteConnection::Open(dir.File("event.db"), /*read_only=*/true);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto visible = (*reader)->Prepare("SELECT count(*) FROM events WHERE id = ?");
  ASSERT_TRUE(visible.ok()) << visible.status();
  visible->Bind(1, "evt_0000000000000002");
  ASSERT_TRUE(*visible->Step());
  EXPECT_EQ(visible->Int64(0), 1);
  // ...but the change log still ends at the first, and no listener heard of it.
  EXPECT_EQ(*(*store)->HeadSequence(), 1);
  auto changes = (*store)->ChangesAfter(0, 1000, 100);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].sequence, 1);
  EXPECT_EQ(published.load(), 1);

  gate.release.Notify();
  writer.join();
  EXPECT_EQ(*(*store)->HeadSequence(), 2);
  changes = (*store)->ChangesAfter(0, 1000, 100);
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_EQ(changes->size(), 2u);
  EXPECT_EQ(published.load(), 2);
}

// GetEvent and ListEvents hand out sequences: a client may watch from the highest it saw. A
// read that sees a commit not yet on disk answers only once it is, so that sequence is never
// above the durable head (a power cut could otherwise take it back and give it to another
// change, which the client's watch would then skip).
TEST(EventStoreDurabilityTest, ReadsNeverReturnASequenceAboveTheDurableHead) {
  testing::TempDir dir;
  SyncGate gate;
  auto store = SqliteEventStore::Open(dir.File("event.db"), gate.BeforeSync());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(Create(**store, "evt_0000000000000001").ok());

  gate.hold = true;
  std::thread writer([&] { EXPECT_TRUE(Create(**store, "evt_0000000000000002").ok()); });
  gate.held.WaitForNotification();
  gate.hold = false;

  // Each reader records the highest sequence it was given and the durable head right after.
  struct Seen {
    int64_t sequence = 0;
    int64_t head_after = 0;
  };
  Seen got, listed;
  std::thread getter([&] {
    auto event = (*store)->GetLive("evt_0000000000000002");
    ASSERT_TRUE(event.ok()) << event.status();
    ASSERT_TRUE(event->has_value());
    got.sequence = (*event)->sequence();
    got.head_after = *(*store)->HeadSequence();
  });
  std::thread lister([&] {
    auto page = (*store)->List(EventQuery{});
    ASSERT_TRUE(page.ok()) << page.status();
    for (const v1::Event& event : page->events) {
      listed.sequence = std::max(listed.sequence, event.sequence());
    }
    listed.head_after = *(*store)->HeadSequence();
  });
  // Gives the readers time to answer early if they would.
  absl::SleepFor(absl::Milliseconds(200));
  gate.release.Notify();
  getter.join();
  lister.join();
  writer.join();

  EXPECT_EQ(got.sequence, 2);
  EXPECT_LE(got.sequence, got.head_after);
  EXPECT_EQ(listed.sequence, 2);
  EXPECT_LE(listed.sequence, listed.head_after);
}

TEST(EventStoreDurabilityTest, AReopenedStoreServesEverythingItFinds) {
  testing::TempDir dir;
  {
    auto store = SqliteEventStore::Open(dir.File("event.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(Create(**store, "evt_0000000000000001").ok());
    ASSERT_TRUE(Create(**store, "evt_0000000000000002").ok());
  }
  // Opening syncs the WAL, so what a previous process committed is durable and served.
  auto reopened = SqliteEventStore::Open(dir.File("event.db"));
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(*(*reopened)->HeadSequence(), 2);
  auto changes = (*reopened)->ChangesAfter(0, 1000, 100);
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_EQ(changes->size(), 2u);
}

}  // namespace
}  // namespace lookout::event
