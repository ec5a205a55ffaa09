#include "common/sqlite_wal_buffer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/sqlite_db.h"
#include "tests/testing/temp_dir.h"

namespace lookout {
namespace {

constexpr int64_t kWalHeaderBytes = 32;
constexpr int64_t kFrameBytes = 24 + 4096;  // frame header + the default page size

// Write system calls SQLite's unix VFS has made so far (all threads), counted by replacing the
// VFS's write calls (CountSqliteWrites). Not /proc/self/io: under UndefinedBehaviorSanitizer its
// count also holds the write(2) calls the sanitizer makes to a pipe to probe whether memory is
// readable (its vptr check), which are no writes of SQLite's.
std::atomic<int64_t> g_sqlite_writes{0};
sqlite3_syscall_ptr g_real_write = nullptr;
sqlite3_syscall_ptr g_real_pwrite = nullptr;
sqlite3_syscall_ptr g_real_pwrite64 = nullptr;

ssize_t CountedWrite(int fd, const void* data, size_t size) {
  g_sqlite_writes.fetch_add(1);
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t)>(g_real_write)(fd, data, size);
}
ssize_t CountedPwrite(int fd, const void* data, size_t size, off_t offset) {
  g_sqlite_writes.fetch_add(1);
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off_t)>(g_real_pwrite)(
      fd, data, size, offset);
}
ssize_t CountedPwrite64(int fd, const void* data, size_t size, off64_t offset) {
  g_sqlite_writes.fetch_add(1);
  return reinterpret_cast<ssize_t (*)(int, const void*, size_t, off64_t)>(g_real_pwrite64)(
      fd, data, size, offset);
}

// Once, in the first test's SetUp, before any database of this binary opens (the unix VFS's
// table of system calls is not thread-safe). It calls one of the three, depending on its build.
void CountSqliteWrites() {
  static const bool replaced = [] {
    ConfigureSqliteOnce();  // before anything initializes SQLite
    sqlite3_vfs* unix_vfs = sqlite3_vfs_find("unix");
    if (unix_vfs == nullptr || unix_vfs->iVersion < 3) return false;
    // A call the build does not use is in the table as null, and stays so.
    struct Call {
      const char* name;
      sqlite3_syscall_ptr* real;
      sqlite3_syscall_ptr counted;
    };
    const Call calls[] = {
        {"write", &g_real_write, reinterpret_cast<sqlite3_syscall_ptr>(CountedWrite)},
        {"pwrite", &g_real_pwrite, reinterpret_cast<sqlite3_syscall_ptr>(CountedPwrite)},
        {"pwrite64", &g_real_pwrite64, reinterpret_cast<sqlite3_syscall_ptr>(CountedPwrite64)},
    };
    int replaced_calls = 0;
    for (const Call& call : calls) {
      *call.real = unix_vfs->xGetSystemCall(unix_vfs, call.name);
      if (*call.real == nullptr) continue;
      if (unix_vfs->xSetSystemCall(unix_vfs, call.name, call.counted) != SQLITE_OK) return false;
      ++replaced_calls;
    }
    return replaced_calls > 0;
  }();
  ASSERT_TRUE(replaced) << "the unix VFS's write calls could not be replaced";
}

int64_t WriteSyscalls() { return g_sqlite_writes.load(); }

int64_t QueryInt(SqliteConnection& connection, const std::string& sql) {
  absl::StatusOr<Statement> statement = connection.Prepare(sql);
  EXPECT_TRUE(statement.ok()) << statement.status();
  if (!statement.ok()) return -1;
  absl::StatusOr<bool> row = statement->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return row.ok() && *row ? statement->Int64(0) : -1;
}

class WalWriteBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CountSqliteWrites();
    path_ = dir_.File("buffered.db");
    absl::StatusOr<std::unique_ptr<SqliteConnection>> writer =
        SqliteConnection::Open(path_, /*read_only=*/false, WalWriteBufferVfs());
    ASSERT_TRUE(writer.ok()) << writer.status();
    writer_ = std::move(*writer);
    ASSERT_TRUE(writer_->Exec("PRAGMA journal_mode = WAL").ok());
    ASSERT_TRUE(writer_->Exec("PRAGMA synchronous = NORMAL").ok());
    ASSERT_TRUE(writer_->Exec("PRAGMA wal_autocheckpoint = 0").ok());
    ASSERT_TRUE(writer_->Exec("CREATE TABLE blobs (k INTEGER PRIMARY KEY, v BLOB NOT NULL)").ok());
    sqlite3_wal_hook(
        writer_->raw(),
        +[](void* frames, sqlite3*, const char*, int count) {
          *static_cast<int*>(frames) = count;
          return SQLITE_OK;
        },
        &wal_frames_);
  }

  // Rows of 3000 random bytes: each takes most of a page, so `rows` rows dirty about as many.
  absl::Status InsertRows(int first, int rows) {
    return writer_->Exec(absl::StrCat(
        "WITH RECURSIVE n(i) AS (SELECT ", first, " UNION ALL SELECT i + 1 FROM n WHERE i < ",
        first + rows - 1, ") INSERT INTO blobs SELECT i, randomblob(3000) FROM n"));
  }

  // Rows 11-210 in one transaction whose COMMIT must grow the WAL past what the kernel lets
  // this process write (EFBIG instead of the signal). The transaction fits the page cache, so
  // nothing reaches the WAL before the COMMIT. Returns the COMMIT's status; `wal_errno` gets the
  // errno of the buffer's refused write.
  absl::Status CommitPastAFileSizeLimit(int* wal_errno = nullptr) {
    const uintmax_t wal_size = std::filesystem::file_size(path_ + "-wal");
    rlimit saved{};
    EXPECT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto* previous_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved;
    limited.rlim_cur = wal_size + 64 * 1024;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
    EXPECT_TRUE(writer_->Exec("BEGIN").ok());
    const absl::Status insert = InsertRows(11, 200);
    const absl::Status commit = writer_->Exec("COMMIT");
    if (wal_errno != nullptr) *wal_errno = LastWalWriteErrno();
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
    std::signal(SIGXFSZ, previous_handler);
    EXPECT_TRUE(insert.ok()) << insert;
    return commit;
  }

  // A connection through the default VFS, as the services' readers are.
  std::unique_ptr<SqliteConnection> OpenReader(const std::string& path) {
    absl::StatusOr<std::unique_ptr<SqliteConnection>> reader =
        SqliteConnection::Open(path, /*read_only=*/true);
    EXPECT_TRUE(reader.ok()) << reader.status();
    return reader.ok() ? std::move(*reader) : nullptr;
  }
  std::unique_ptr<SqliteConnection> OpenReader() { return OpenReader(path_); }

  // The database and WAL files as they are on disk now, without the shared WAL index: opening
  // the copy recovers from the WAL file alone, as after a crash, keeping only commits whose
  // frames are all there with valid checksums.
  std::string CopyAsAfterACrash() {
    const std::string copy = dir_.File("copy.db");
    std::filesystem::copy_file(path_, copy);
    std::filesystem::copy_file(path_ + "-wal", copy + "-wal");
    return copy;
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteConnection> writer_;
  int wal_frames_ = 0;
};

TEST_F(WalWriteBufferTest, ACommitIsInTheWalFileWhenItReturnsAndTakesFewWrites) {
  const int64_t writes_before = WriteSyscalls();
  ASSERT_TRUE(writer_->Exec("BEGIN").ok());
  ASSERT_TRUE(InsertRows(1, 200).ok());
  ASSERT_TRUE(writer_->Exec("COMMIT").ok());
  const int64_t writes = WriteSyscalls() - writes_before;

  // SQLite alone makes two writes per frame; the buffer one per 120 KiB.
  ASSERT_GT(wal_frames_, 200);
  EXPECT_LE(writes, (wal_frames_ * kFrameBytes) / (120 << 10) + 4) << wal_frames_ << " frames";
  // Every frame, the commit frame last, is in the file itself, where other processes read it.
  EXPECT_EQ(std::filesystem::file_size(path_ + "-wal"),
            static_cast<uintmax_t>(kWalHeaderBytes + wal_frames_ * kFrameBytes));
  std::unique_ptr<SqliteConnection> reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(QueryInt(*reader, "SELECT COUNT(*) FROM blobs"), 200);
}

TEST_F(WalWriteBufferTest, PagesSpilledAndRewrittenBeforeTheCommitAreReadBackAndDurable) {
  ASSERT_TRUE(InsertRows(1, 5).ok());
  // A cache of 20 pages makes SQLite write pages of the open transaction to the WAL, read them
  // back from it, and overwrite them in place when they change again, after which it rewrites
  // the checksums of the frames from there to the commit frame.
  ASSERT_TRUE(writer_->Exec("PRAGMA cache_size = 20").ok());
  ASSERT_TRUE(writer_->Exec("BEGIN").ok());
  ASSERT_TRUE(InsertRows(6, 495).ok());
  ASSERT_TRUE(writer_->Exec("UPDATE blobs SET v = zeroblob(2000) WHERE k % 2 = 0").ok());
  ASSERT_TRUE(writer_->Exec("COMMIT").ok());

  // Seen by a reader now, and recovered from the files as they are when COMMIT returned (the
  // writer stays open: nothing is written on close).
  for (const std::string& path : {path_, CopyAsAfterACrash()}) {
    std::unique_ptr<SqliteConnection> reader = OpenReader(path);
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(
        QueryInt(*reader, "SELECT COUNT(*) FROM blobs WHERE k % 2 = 0 AND v = zeroblob(2000)"), 250)
        << path;
    EXPECT_EQ(
        QueryInt(*reader, "SELECT COUNT(*) FROM blobs WHERE k % 2 = 1 AND length(v) = 3000"), 250)
        << path;
    absl::StatusOr<Statement> check = reader->Prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.ok());
    ASSERT_TRUE(check->Step().value_or(false));
    EXPECT_EQ(check->Text(0), "ok") << path;
  }
}

TEST_F(WalWriteBufferTest, AWriteTheFileSystemRefusesFailsTheCommitAndKeepsNothing) {
  ASSERT_TRUE(InsertRows(1, 10).ok());
  EXPECT_FALSE(CommitPastAFileSizeLimit().ok());
  writer_->Exec("ROLLBACK").IgnoreError();
  for (const std::string& path : {path_, CopyAsAfterACrash()}) {
    std::unique_ptr<SqliteConnection> reader = OpenReader(path);
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(QueryInt(*reader, "SELECT COUNT(*) FROM blobs"), 10) << path;
  }
  // Once the file can grow again, the same connection commits.
  ASSERT_TRUE(InsertRows(11, 5).ok());
  std::unique_ptr<SqliteConnection> reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(QueryInt(*reader, "SELECT COUNT(*) FROM blobs"), 15);
}

// SQLite rolls back a transaction whose COMMIT failed; the frames the buffer could not write
// belong to it and must never reach the file. Kept, they were written by the writer's next call
// and left a complete, valid copy of the rolled-back transaction after the last commit, which
// recovery after a crash replays (210 rows instead of 10).
TEST_F(WalWriteBufferTest, AFailedCommitNeverReachesTheFileLater) {
  ASSERT_TRUE(InsertRows(1, 10).ok());
  int error = 0;
  ASSERT_FALSE(CommitPastAFileSizeLimit(&error).ok());
  // The kernel's reason reaches the caller (a full disk is told apart by it).
  EXPECT_EQ(error, EFBIG);
  writer_->Exec("ROLLBACK").IgnoreError();

  // The writer reads the WAL again, the file may grow again: nothing of the failed commit may
  // be written now.
  EXPECT_EQ(QueryInt(*writer_, "SELECT COUNT(*) FROM blobs"), 10);
  std::unique_ptr<SqliteConnection> reader = OpenReader(CopyAsAfterACrash());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(QueryInt(*reader, "SELECT COUNT(*) FROM blobs"), 10);
}

}  // namespace
}  // namespace lookout
