#include "common/sqlite_db.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "tests/testing/small_filesystem.h"
#include "tests/testing/temp_dir.h"

namespace lookout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A WAL frame: its header and a page of the default size.
constexpr int64_t kFrameBytes = 24 + 4096;

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

absl::StatusOr<int64_t> CountNamed(SqliteDatabase& db, const std::string& like) {
  int64_t count = -1;
  absl::Status status = db.Read([&](SqliteConnection& c) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement stmt,
                             c.Prepare("SELECT COUNT(*) FROM items WHERE name LIKE ?"));
    stmt.Bind(1, like);
    LOOKOUT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) count = stmt.Int64(0);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return count;
}

int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

absl::Status Insert(SqliteConnection& c, const std::string& name) {
  LOOKOUT_ASSIGN_OR_RETURN(Statement stmt, c.Prepare("INSERT INTO items (name) VALUES (?)"));
  return stmt.Bind(1, name).Run();
}

// A unique name of about 4 KB: each row fills about one page.
std::string PageSizedName(absl::string_view key) {
  return absl::StrCat(key, std::string(4000, 'x'));
}

// Four threads write 150 page-sized rows each; answers the largest size `wal_path` reached.
int64_t WriteFromFourThreads(SqliteDatabase& db, const std::string& wal_path) {
  std::atomic<int64_t> max_wal{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        ASSERT_TRUE(db.Write([&](SqliteConnection& c) {
                        return Insert(c, PageSizedName(absl::StrCat(t, "-", i)));
                      }).ok());
        int64_t size = FileSize(wal_path);
        int64_t seen = max_wal.load();
        while (size > seen && !max_wal.compare_exchange_weak(seen, size)) {
        }
      }
    });
  }
  for (auto& thread : writers) thread.join();
  return max_wal.load();
}

// A disk whose fsync of database files is slow, while a test turns it on: checkpoints (they
// end by syncing the database file) then run long, as on a loaded machine or under a sanitizer.
// Registered as SQLite's default VFS before main, so that every connection goes through it
// (the writer's WAL buffer VFS wraps the default when it registers). Off, it only forwards.
struct SlowSyncFile {
  sqlite3_file base;
  bool main_db;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

std::atomic<int> slow_db_sync_ms{0};
sqlite3_vfs* real_vfs = nullptr;

SlowSyncFile* Slow(sqlite3_file* f) { return reinterpret_cast<SlowSyncFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Slow(f)->real(); }

int SlowClose(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int SlowRead(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xRead(Real(f), b, n, o);
}
int SlowWrite(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  return Real(f)->pMethods->xWrite(Real(f), b, n, o);
}
int SlowTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int SlowSync(sqlite3_file* f, int flags) {
  const int ms = slow_db_sync_ms.load();
  if (Slow(f)->main_db && ms > 0) absl::SleepFor(absl::Milliseconds(ms));
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int SlowFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int SlowLock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int SlowUnlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int SlowCheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int SlowFileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SlowSectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int SlowDeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int SlowShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int SlowShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void SlowShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int SlowShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int SlowFetch(sqlite3_file* f, sqlite3_int64 o, int n, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), o, n, out);
}
int SlowUnfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), o, p);
}

const sqlite3_io_methods kSlowSyncMethods = {
    3,           SlowClose,         SlowRead,        SlowWrite,
    SlowTruncate, SlowSync,         SlowFileSize,    SlowLock,
    SlowUnlock,  SlowCheckReservedLock, SlowFileControl, SlowSectorSize,
    SlowDeviceCharacteristics, SlowShmMap, SlowShmLock, SlowShmBarrier,
    SlowShmUnmap, SlowFetch,        SlowUnfetch};

int SlowOpen(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  SlowSyncFile* slow = Slow(file);
  slow->base.pMethods = nullptr;
  const int rc = real_vfs->xOpen(real_vfs, name, slow->real(), flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  // The unix VFS's files all have version-3 methods; others are not wrapped here.
  if (slow->real()->pMethods == nullptr || slow->real()->pMethods->iVersion < 3) std::abort();
  slow->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  slow->base.pMethods = &kSlowSyncMethods;
  return SQLITE_OK;
}

const bool kSlowSyncVfsInstalled = [] {
  ConfigureSqliteOnce();  // before sqlite3_vfs_find initializes SQLite
  real_vfs = sqlite3_vfs_find(nullptr);
  static sqlite3_vfs vfs = *real_vfs;
  vfs.zName = "lookout-test-slow-sync";
  vfs.szOsFile = static_cast<int>(sizeof(SlowSyncFile)) + real_vfs->szOsFile;
  vfs.xOpen = SlowOpen;
  vfs.pNext = nullptr;
  return sqlite3_vfs_register(&vfs, /*makeDflt=*/1) == SQLITE_OK;
}();

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
      {.path = dir_.File("wal.db"), .checkpoint_frames = 50, .wal_limit_frames = 200});
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
  // 1200 pages (about 5 MB); bounded, it stays near wal_limit_frames plus one group.
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
  // The WAL's limit is out of reach here, so only the checkpoints asked for every
  // checkpoint_frames move pages from the WAL into the database file.
  auto db = OpenDb(
      {.path = dir_.File("ckpt.db"), .checkpoint_frames = 20, .wal_limit_frames = 1000000});
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

// A store with a metrics name exports its files' sizes, WAL frames, checkpoint outcomes (every
// series from 0) and its volume's space, read at each scrape, and none of it once closed.
TEST_F(SqliteDatabaseTest, ExportsItsFilesAndCheckpointsWhileOpen) {
  auto db = OpenDb({.path = dir_.File("metrics.db"),
                    .checkpoint_frames = 20,
                    .wal_limit_frames = 50,
                    .metrics_name = "metrics_test_store"});
  ASSERT_NE(db, nullptr);
  const std::string zero =
      "lookout_sqlite_checkpoints_total{mode=\"restart\",result=\"busy\","
      "store=\"metrics_test_store\"} 0\n";
  EXPECT_THAT(MetricsRegistry::Global().RenderText(), HasSubstr(zero));
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(db->Write([&](SqliteConnection& c) {
                    return Insert(c, PageSizedName(absl::StrCat("m", i)));
                  }).ok());
  }
  std::string text = MetricsRegistry::Global().RenderText();
  auto value = [&text](const std::string& series) {
    const size_t at = text.find(series + " ");
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + series.size() + 1));
  };
  const std::string store = "store=\"metrics_test_store\"";
  const std::string passive_ok =
      "lookout_sqlite_checkpoints_total{mode=\"passive\",result=\"ok\"," + store + "}";
  // The checkpoint thread runs on its own time: wait for its first count.
  for (int i = 0; i < 100 && value(passive_ok) <= 0; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    text = MetricsRegistry::Global().RenderText();
  }
  EXPECT_GT(value(passive_ok), 0) << text;
  EXPECT_GT(value("lookout_sqlite_file_bytes{file=\"database\"," + store + "}"), 100 * 4096)
      << text;
  EXPECT_GT(value("lookout_sqlite_file_bytes{file=\"wal\"," + store + "}"), 0) << text;
  EXPECT_GE(value("lookout_sqlite_wal_frames{" + store + "}"), 0) << text;
  EXPECT_GE(value("lookout_sqlite_checkpoints_total{mode=\"restart\",result=\"ok\"," + store +
                  "}"),
            0)
      << text;
  const double avail = value("lookout_storage_filesystem_avail_bytes{" + store + "}");
  EXPECT_GT(avail, 0) << text;
  EXPECT_GE(value("lookout_storage_filesystem_size_bytes{" + store + "}"), avail) << text;
  db.reset();
  EXPECT_THAT(MetricsRegistry::Global().RenderText(),
              Not(HasSubstr("lookout_sqlite_file_bytes{file=\"wal\"," + store)));
}

// A write the disk has no room for is refused as RESOURCE_EXHAUSTED, reads go on, the state
// shows in the metrics, and the next write after a little space is freed (far less than the
// refused write took) goes through by itself.
TEST_F(SqliteDatabaseTest, AFullDiskRefusesWritesAndTheyResumeOnceSpaceIsFreed) {
  testing::SmallFilesystem fs(4 << 20);
  ASSERT_TRUE(fs.status().ok()) << fs.status();
  // No checkpoints: they would take space of their own.
  auto db = OpenDb({.path = fs.File("full.db"),
                    .checkpoint_frames = 1000000,
                    .wal_limit_frames = 1000000,
                    .metrics_name = "full_disk_test"});
  ASSERT_NE(db, nullptr);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(db->Write([&](SqliteConnection& c) {
                    return Insert(c, PageSizedName(absl::StrCat("before", i)));
                  }).ok());
  }
  ASSERT_TRUE(fs.Fill().ok());

  // About 100 pages in one commit.
  bool published = false;
  absl::Status full = db->Write(
      [](SqliteConnection& c) -> absl::Status {
        for (int i = 0; i < 50; ++i) {
          LOOKOUT_RETURN_IF_ERROR(Insert(c, PageSizedName(absl::StrCat("big", i))));
        }
        return absl::OkStatus();
      },
      [&] { published = true; });
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_THAT(full.message(), HasSubstr("disk is full"));
  EXPECT_TRUE(errors::IsDiskFull(full));
  EXPECT_FALSE(published);
  EXPECT_EQ(*CountItems(*db), 5);
  EXPECT_THAT(MetricsRegistry::Global().RenderText(),
              HasSubstr("lookout_storage_disk_full{store=\"full_disk_test\"} 1\n"));
  absl::Status again = db->Write([](SqliteConnection& c) { return Insert(c, "small"); });
  EXPECT_EQ(again.code(), absl::StatusCode::kResourceExhausted) << again;

  ASSERT_TRUE(fs.Free(64 << 10).ok());
  absl::Status resumed = db->Write([](SqliteConnection& c) { return Insert(c, "small"); });
  EXPECT_TRUE(resumed.ok()) << resumed;
  EXPECT_EQ(*CountItems(*db), 6);
  EXPECT_THAT(MetricsRegistry::Global().RenderText(),
              HasSubstr("lookout_storage_disk_full{store=\"full_disk_test\"} 0\n"));
}

// When a write fails the group is redone with a savepoint per write. An I/O error inside that
// redo (here a full disk under a write whose pages spill to the WAL) makes SQLite roll back the
// whole transaction: the group fails whole, and no later write of it runs and commits on its
// own, outside the group and its fsync.
TEST_F(SqliteDatabaseTest, AnIoErrorInTheRedoOfAGroupFailsTheGroupAndCommitsNothingAlone) {
  testing::SmallFilesystem fs(4 << 20);
  ASSERT_TRUE(fs.status().ok()) << fs.status();
  // A writer cache of 16 pages: a big write spills its pages to the WAL and reads them back.
  auto db = OpenDb({.path = fs.File("redo.db"),
                    .checkpoint_frames = 1000000,
                    .wal_limit_frames = 1000000,
                    .writer_cache_kib = 64});
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, "dup"); }).ok());
  ASSERT_TRUE(fs.Fill(/*leave_free=*/256 << 10).ok());

  // A write that holds the writer, so the writes below queue up and share the next group.
  absl::Notification holding, release;
  std::thread first([&] {
    EXPECT_TRUE(db->Write([&](SqliteConnection& c) {
                    holding.Notify();
                    release.WaitForNotification();
                    return Insert(c, "first");
                  }).ok());
  });
  holding.WaitForNotification();
  struct Outcome {
    absl::Status status;
    std::atomic<bool> published{false};
  };
  Outcome dup, big, small[3];
  std::vector<std::thread> threads;
  auto queue = [&](Outcome& out, SqliteDatabase::WriteFn fn) {
    threads.emplace_back([&db, &out, fn] {
      out.status = db->Write(fn, [&out] { out.published = true; });
    });
    absl::SleepFor(absl::Milliseconds(50));  // queued in this order
  };
  // Fails first, so the group is redone with a savepoint per write...
  queue(dup, [](SqliteConnection& c) { return Insert(c, "dup"); });
  // ...in which these pages no longer fit: read back from the WAL, they fail on the full disk.
  queue(big, [](SqliteConnection& c) -> absl::Status {
    for (int i = 0; i < 120; ++i) {
      LOOKOUT_RETURN_IF_ERROR(Insert(c, PageSizedName(absl::StrCat("big", i))));
    }
    LOOKOUT_ASSIGN_OR_RETURN(Statement scan, c.Prepare("SELECT SUM(LENGTH(name)) FROM items"));
    return scan.Run();
  });
  for (int i = 0; i < 3; ++i) {
    queue(small[i], [i](SqliteConnection& c) { return Insert(c, absl::StrCat("small", i)); });
  }
  release.Notify();
  first.join();
  for (auto& thread : threads) thread.join();

  EXPECT_FALSE(dup.status.ok());
  EXPECT_FALSE(errors::IsDiskFull(dup.status)) << dup.status;
  EXPECT_TRUE(errors::IsDiskFull(big.status)) << big.status;
  for (const Outcome& outcome : small) {
    EXPECT_EQ(outcome.status.code(), absl::StatusCode::kResourceExhausted) << outcome.status;
    EXPECT_FALSE(outcome.published.load());
  }
  EXPECT_FALSE(big.published.load());
  EXPECT_EQ(*CountNamed(*db, "small%"), 0);
  EXPECT_EQ(*CountItems(*db), 2);  // "dup" and "first"

  ASSERT_TRUE(fs.Free(1 << 20).ok());
  EXPECT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, "small0"); }).ok());
  EXPECT_EQ(*CountNamed(*db, "small%"), 1);
}

// Reads that each keep a snapshot for a moment, one after another, and a follower paging
// through the table: at almost any moment some read is on data older than the WAL's end, which
// a WAL can only restart behind. The WAL still restarts at its limit and never passes the hard
// bound (1.5 times the limit plus one group).
TEST_F(SqliteDatabaseTest, TheWalStaysBoundedWhileReadersAndAFollowerRun) {
  constexpr int kLimit = 200;
  auto db = OpenDb({.path = dir_.File("busy.db"),
                    .max_group_size = 8,
                    .checkpoint_frames = 50,
                    .wal_limit_frames = kLimit});
  ASSERT_NE(db, nullptr);
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        ASSERT_TRUE(db->Read([](SqliteConnection& c) -> absl::Status {
                        LOOKOUT_RETURN_IF_ERROR(c.Exec("BEGIN"));
                        LOOKOUT_ASSIGN_OR_RETURN(Statement s,
                                                 c.Prepare("SELECT COUNT(*) FROM items"));
                        LOOKOUT_RETURN_IF_ERROR(s.Run());
                        absl::SleepFor(absl::Milliseconds(2));
                        return c.Exec("COMMIT");
                      }).ok());
      }
    });
  }
  readers.emplace_back([&] {
    int64_t after = 0;
    while (!done.load()) {
      ASSERT_TRUE(db->Read([&](SqliteConnection& c) -> absl::Status {
                      LOOKOUT_ASSIGN_OR_RETURN(
                          Statement s,
                          c.Prepare("SELECT id FROM items WHERE id > ? ORDER BY id LIMIT 20"));
                      s.Bind(1, after);
                      while (true) {
                        LOOKOUT_ASSIGN_OR_RETURN(bool row, s.Step());
                        if (!row) break;
                        after = s.Int64(0);
                        absl::SleepFor(absl::Microseconds(100));
                      }
                      return absl::OkStatus();
                    }).ok());
    }
  });
  const int64_t max_wal = WriteFromFourThreads(*db, dir_.File("busy.db-wal"));
  done = true;
  for (auto& thread : readers) thread.join();
  EXPECT_EQ(*CountItems(*db), 600);
  EXPECT_GT(db->wal_stats().restarts, 0);
  // The hard bound (1.5 times the limit) plus one group of at most 8 writes, each a row and
  // an index entry of 4 KB (a few pages), stays under twice the limit, where the writer used
  // to truncate the WAL itself once readers had kept it from starting over.
  const int64_t bound = 2 * kLimit * kFrameBytes;
  EXPECT_LT(max_wal, bound) << "frames: " << max_wal / kFrameBytes;
  std::cout << "max WAL: " << max_wal << " bytes (" << max_wal / kFrameBytes
            << " frames), limit " << kLimit << " frames, restarts " << db->wal_stats().restarts
            << "\n";
}

// A slow checkpoint thread (a sanitizer build, a loaded machine, a big import) used to refuse
// every restart try, group after group, uncounted: under ASan the WAL reached 4 times its limit.
// Past the hard bound the writer now waits for the running pass to end and then restarts.
TEST_F(SqliteDatabaseTest, TheWalStaysBoundedWhileCheckpointsAreSlow) {
  constexpr int kLimit = 200;
  ASSERT_TRUE(kSlowSyncVfsInstalled);
  auto db = OpenDb({.path = dir_.File("slow.db"),
                    .max_group_size = 8,
                    .checkpoint_frames = 50,
                    .wal_limit_frames = kLimit});
  ASSERT_NE(db, nullptr);
  slow_db_sync_ms = 30;
  const int64_t max_wal = WriteFromFourThreads(*db, dir_.File("slow.db-wal"));
  slow_db_sync_ms = 0;
  EXPECT_EQ(*CountItems(*db), 600);
  EXPECT_GT(db->wal_stats().restarts, 0);
  // No read holds a snapshot here, so nothing excuses passing the hard bound plus one group.
  EXPECT_EQ(db->wal_stats().failed_restarts, 0);
  const int64_t bound = 2 * kLimit * kFrameBytes;
  EXPECT_LT(max_wal, bound) << "frames: " << max_wal / kFrameBytes;
  std::cout << "max WAL with slow checkpoints: " << max_wal / kFrameBytes
            << " frames, limit " << kLimit << " frames, restarts " << db->wal_stats().restarts
            << "\n";
}

// A read that keeps one snapshot stops the WAL from restarting. A restart try waits for it at
// most restart_wait (100 ms) and tries back off, so writes go on: before, the writer waited out
// SQLite's 5-second busy timeout behind that read on every group past the limit.
TEST_F(SqliteDatabaseTest, AReadOnAnOldSnapshotDoesNotHoldWritesUp) {
  constexpr int kLimit = 100;
  auto db = OpenDb(
      {.path = dir_.File("old.db"), .checkpoint_frames = 20, .wal_limit_frames = kLimit});
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Write([](SqliteConnection& c) { return Insert(c, "x"); }).ok());
  absl::Notification snapshot_taken, writes_done;
  std::atomic<bool> released_by_timeout{false};
  std::thread reader([&] {
    EXPECT_TRUE(db->Read([&](SqliteConnection& c) -> absl::Status {
                    LOOKOUT_RETURN_IF_ERROR(c.Exec("BEGIN"));
                    LOOKOUT_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT COUNT(*) FROM items"));
                    LOOKOUT_RETURN_IF_ERROR(s.Run());
                    snapshot_taken.Notify();
                    // Far longer than the writes need unless each waits for this read.
                    released_by_timeout =
                        !writes_done.WaitForNotificationWithTimeout(absl::Seconds(60));
                    return c.Exec("COMMIT");
                  }).ok());
  });
  snapshot_taken.WaitForNotification();
  // Several times the limit, one write at a time.
  for (int i = 0; i < 150; ++i) {
    ASSERT_TRUE(db->Write([&](SqliteConnection& c) {
                    return Insert(c, PageSizedName(absl::StrCat("w", i)));
                  }).ok());
  }
  writes_done.Notify();
  reader.join();
  EXPECT_FALSE(released_by_timeout.load()) << "writes waited for the old read";
  EXPECT_GT(db->wal_stats().failed_restarts, 0);

  // Once the read is gone the WAL starts over, and its file is cut back to the hard bound.
  const int64_t bound = (kLimit + kLimit / 2) * kFrameBytes;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (int i = 0; FileSize(dir_.File("old.db-wal")) > bound && absl::Now() < deadline; ++i) {
    ASSERT_TRUE(db->Write([&](SqliteConnection& c) {
                    return Insert(c, absl::StrCat("after", i));
                  }).ok());
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_LE(FileSize(dir_.File("old.db-wal")), bound);
}

}  // namespace
}  // namespace lookout
