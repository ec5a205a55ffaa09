#include "common/sqlite_db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "tests/testing/temp_dir.h"

namespace lookout {
namespace {

const std::vector<Migration> kMigrations = {
    {1, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"},
    {2, "ALTER TABLE items ADD COLUMN size INTEGER NOT NULL DEFAULT 0"},
};

absl::StatusOr<int64_t> CountItems(SqliteDatabase& db) {
  int64_t count = -1;
  absl::Status status = db.Read([&](SqliteConnection& c) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement stmt, c.Prepare("SELECT COUNT(*) FROM items"));
    LOOKOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) count = stmt.Int64(0);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return count;
}

absl::Status Insert(SqliteConnection& c, const std::string& name) {
  LOOKOUT_ASSIGN_OR_RETURN(Statement stmt, c.Prepare("INSERT INTO items (name) VALUES (?)"));
  return stmt.Bind(1, name).Run();
}

// A unique name of about 4 KB: each row fills about one page.
std::string PageSizedName(absl::string_view key) {
  return absl::StrCat(key, std::string(4000, 'x'));
}

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  // Null (and a failed expectation) when it cannot be opened.
  std::unique_ptr<SqliteDatabase> OpenDb(SqliteDatabase::Options options = {}) {
    if (options.path.empty()) options.path = dir_.File("test.db");
    auto db = SqliteDatabase::Open(options, kMigrations);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }
  testing::TempDir dir_;
};

// SQLite's memory statistics cost a global mutex per allocation; the store turns them off before
// SQLite starts, so the counter stays at zero however much the connections allocate.
TEST_F(SqliteDatabaseTest, MemoryStatisticsAreOff) {
  auto db = OpenDb();
  ASSERT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, PageSizedName("m")); }).ok());
  EXPECT_EQ(*CountItems(*db), 1);
  EXPECT_EQ(sqlite3_memory_used(), 0);
}

TEST_F(SqliteDatabaseTest, MigratesToTheNewestVersionOnce) {
  auto db = OpenDb();
  ASSERT_TRUE(db->Write([](SqliteConnection& c) -> absl::Status {
                  LOOKOUT_ASSIGN_OR_RETURN(
                      Statement stmt, c.Prepare("INSERT INTO items (name, size) VALUES ('a', 3)"));
                  return stmt.Run();
                }).ok());
  db.reset();
  // Reopening must not re-run migrations (ALTER TABLE would fail if it did).
  db = OpenDb();
  EXPECT_EQ(*CountItems(*db), 1);
}

TEST_F(SqliteDatabaseTest, ALaterMigrationMayDropWhatAnEarlierOneCreated) {
  // Reopened at a newer version: migration 3 replaces migration 1's index.
  auto db = OpenDb();
  ASSERT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, "kept"); }).ok());
  db.reset();
  std::vector<Migration> newer = kMigrations;
  newer.push_back({3, "CREATE INDEX items_by_size ON items(size);"
                      "DROP INDEX items_by_size; CREATE INDEX items_by_size ON items(size, name)"});
  auto reopened = SqliteDatabase::Open({.path = dir_.File("test.db")}, newer);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(*CountItems(**reopened), 1);
  int64_t index_columns = 0;
  ASSERT_TRUE((*reopened)
                  ->Read([&](SqliteConnection& c) -> absl::Status {
                    LOOKOUT_ASSIGN_OR_RETURN(
                        Statement s, c.Prepare("SELECT COUNT(*) FROM pragma_index_info("
                                               "'items_by_size')"));
                    LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
                    if (row) index_columns = s.Int64(0);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(index_columns, 2);
}

TEST_F(SqliteDatabaseTest, AFailedWriteIsUndoneAloneAndOthersCommit) {
  auto db = OpenDb();
  ASSERT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, "dup"); }).ok());
  // Several writers at once share commits; the duplicate fails without taking others with it.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string name = (i == 25) ? "dup" : absl::StrCat("t", t, "-", i);
        absl::Status s = db->Write([&](SqliteConnection& c) -> absl::Status {
          LOOKOUT_RETURN_IF_ERROR(Insert(c, absl::StrCat(name, "-partial")));
          return Insert(c, name);
        });
        if (!s.ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 8);
  // 1 + 8 threads x 49 successful writes x 2 rows; the failed writes left no "-partial" row.
  EXPECT_EQ(*CountItems(*db), 1 + 8 * 49 * 2);
}

TEST_F(SqliteDatabaseTest, ConcurrentWritesShareCommits) {
  auto db = OpenDb();
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(db->Write([&](SqliteConnection& c) {
                        return Insert(c, absl::StrCat(t, "-", i));
                      }).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(*CountItems(*db), 640);
  EXPECT_LT(db->commit_count(), 640);
}

TEST_F(SqliteDatabaseTest, AfterCommitRunsInCommitOrderOnlyForSuccessfulWrites) {
  auto db = OpenDb();
  std::vector<std::string> published;
  ASSERT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, "x"); },
                        [&] { published.push_back("x"); })
                  .ok());
  EXPECT_FALSE(db->Write([](SqliteConnection& c) { return Insert(c, "x"); },
                         [&] { published.push_back("x-again"); })
                   .ok());
  ASSERT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, "y"); },
                        [&] { published.push_back("y"); })
                  .ok());
  EXPECT_EQ(published, (std::vector<std::string>{"x", "y"}));
}

TEST_F(SqliteDatabaseTest, AcknowledgedWritesSurviveReopen) {
  auto db = OpenDb();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(db->Write([&](SqliteConnection& c) {
                    return Insert(c, absl::StrCat("k", i));
                  }).ok());
  }
  db.reset();
  db = OpenDb();
  EXPECT_EQ(*CountItems(*db), 10);
}

TEST_F(SqliteDatabaseTest, TheWalStaysBoundedUnderNonStopWrites) {
  auto db = OpenDb(
      {.path = dir_.File("wal.db"), .checkpoint_frames = 50, .force_checkpoint_frames = 200});
  ASSERT_NE(db, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        ASSERT_TRUE(db->Write([&](SqliteConnection& c) {
                        return Insert(c, PageSizedName(absl::StrCat(t, "-", i)));
                      }).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(*CountItems(*db), 1200);
  // 1200 rows of 4 KB written through a WAL: without checkpoints it would hold well over
  // 1200 pages (about 5 MB); bounded, it stays near force_checkpoint_frames plus one group.
  std::error_code ec;
  auto wal_bytes = std::filesystem::file_size(dir_.File("wal.db-wal"), ec);
  ASSERT_FALSE(ec);
  EXPECT_LT(wal_bytes, 800u * 4096u);
}

// Holds the sync thread before its next fsync of the WAL until released: the window in which a
// commit is visible to readers but not yet durable.
class SyncGate {
 public:
  std::function<void()> Hook() {
    return [this] {
      if (!armed_.load()) return;
      entered_.Notify();
      release_.WaitForNotification();
    };
  }
  void Arm() { armed_ = true; }
  void WaitUntilHeld() { entered_.WaitForNotification(); }
  void Release() { release_.Notify(); }

 private:
  std::atomic<bool> armed_{false};
  absl::Notification entered_;
  absl::Notification release_;
};

TEST_F(SqliteDatabaseTest, AWriteIsAcknowledgedOnlyAfterTheWalIsSynced) {
  SyncGate gate;
  auto db = OpenDb({.path = dir_.File("gate.db"), .before_sync = gate.Hook()});
  ASSERT_NE(db, nullptr);
  gate.Arm();
  std::atomic<bool> returned{false};
  std::atomic<bool> published{false};
  std::thread writer([&] {
    EXPECT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, "held"); },
                             [&] { published = true; })
                    .ok());
    returned = true;
  });
  gate.WaitUntilHeld();
  // Committed and readable, but neither acknowledged nor published while the fsync waits.
  EXPECT_EQ(*CountItems(*db), 1);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(returned.load());
  EXPECT_FALSE(published.load());
  EXPECT_EQ(db->commit_count(), 0);
  gate.Release();
  writer.join();
  EXPECT_TRUE(returned.load());
  EXPECT_TRUE(published.load());
  EXPECT_EQ(db->commit_count(), 1);
}

TEST_F(SqliteDatabaseTest, AwaitDurableWaitsForACommitSeenBeforeItsSync) {
  SyncGate gate;
  auto db = OpenDb({.path = dir_.File("await.db"), .before_sync = gate.Hook()});
  ASSERT_NE(db, nullptr);
  gate.Arm();
  std::thread writer([&] {
    EXPECT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, "seen"); }).ok());
  });
  gate.WaitUntilHeld();
  ASSERT_EQ(*CountItems(*db), 1);  // a reader found the row...
  std::atomic<bool> durable{false};
  std::thread waiter([&] {
    db->AwaitDurable();  // ...and must not vouch for it before the sync
    durable = true;
  });
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(durable.load());
  gate.Release();
  waiter.join();
  writer.join();
  EXPECT_TRUE(durable.load());
}

TEST_F(SqliteDatabaseTest, BackgroundCheckpointsCopyTheWalIntoTheDatabaseFile) {
  // The writer's own checkpoint (force_checkpoint_frames) is out of reach here, so only the
  // background checkpointer can move pages from the WAL into the database file.
  auto db = OpenDb(
      {.path = dir_.File("ckpt.db"), .checkpoint_frames = 20, .force_checkpoint_frames = 1000000});
  ASSERT_NE(db, nullptr);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(
        db->Write([&](SqliteConnection& c) { return Insert(c, PageSizedName(absl::StrCat(i))); })
            .ok());
  }
  // 100 rows of 4 KB need at least 100 pages in the database file once checkpointed.
  const uintmax_t want = 100u * 4000u;
  uintmax_t size = 0;
  for (int i = 0; i < 100 && size < want; ++i) {
    std::error_code ec;
    size = std::filesystem::file_size(dir_.File("ckpt.db"), ec);
    if (size < want) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_GE(size, want);
}

TEST_F(SqliteDatabaseTest, BadSqlIsAnErrorNotACrash) {
  auto db = OpenDb();
  absl::Status status = db->Read([](SqliteConnection& c) -> absl::Status {
    return c.Prepare("SELECT nope FROM nowhere").status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace lookout
