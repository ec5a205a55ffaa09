// SQLite storage helpers shared by the services: connections with cached statements, versioned
// schema migrations, a pool of read connections, and one writer thread that groups concurrent
// writes into one commit. A write is acknowledged only once the WAL holding its commit has been
// fsynced, so it survives kill -9 and a power cut; the fsync runs on a thread of its own while
// the writer goes on with the next group.
#ifndef LOOKOUT_COMMON_SQLITE_DB_H_
#define LOOKOUT_COMMON_SQLITE_DB_H_

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace lookout {

// A prepared statement borrowed from a connection's cache; reset when the borrow ends.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, absl::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, absl::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, absl::string_view(text)); }
  Statement& BindBlob(int index, absl::string_view bytes);
  Statement& BindNull(int index);

  // true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, ignoring rows.
  absl::Status Run();

  // Columns are 0-based, as in SQLite.
  int64_t Int64(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

// One sqlite3 handle; not thread-safe (SqliteDatabase hands it to one thread at a time).
class SqliteConnection {
 public:
  // `vfs`: the name of a registered SQLite VFS, or null for the default.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                                bool read_only,
                                                                const char* vfs = nullptr);
  ~SqliteConnection();

  absl::Status Exec(absl::string_view sql);
  // A cached prepared statement for `sql`.
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  int64_t LastInsertRowId() const;
  int Changes() const;
  sqlite3* raw() { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> cache_;
};

// Process-wide SQLite settings, applied before SQLite initializes (later calls do nothing).
// Every path that opens a connection or registers a VFS calls it first.
void ConfigureSqliteOnce();

// SQLite error as a Status naming what was being done.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// The value stored under `key` in the table meta(key, value), created as `candidate` on first
// use and kept afterwards (a page-token secret that must survive restarts).
class SqliteDatabase;
absl::StatusOr<std::string> LoadOrCreateMetaValue(SqliteDatabase& db, absl::string_view key,
                                                  absl::string_view candidate);

struct Migration {
  int version;  // 1, 2, 3... applied in order, recorded in PRAGMA user_version
  std::string sql;
};

class SqliteDatabase {
 public:
  struct Options {
    std::string path;
    // Readers wait for a free connection; enough for the sync server's busy threads.
    int read_connections = 16;
    // Most writes one commit may carry.
    int max_group_size = 256;
    // New WAL frames (pages) after which a background checkpoint is asked for, and the WAL
    // size at which the writer copies the last frames itself between two groups so the WAL can
    // start over (background checkpoints stay a group or two behind a writer that never
    // pauses); at twice that size it waits for readers and truncates the WAL.
    int checkpoint_frames = 4000;
    int force_checkpoint_frames = 32000;
    // Page cache of the writer and of each reader, KiB. SQLite's default (2 MiB) makes the
    // writer re-read index pages on nearly every insert into a random-keyed index once the
    // database outgrows it. Bigger is not free either: a commit ends by truncating the cache,
    // which here scanned its whole hash table (perf: 13% of the writer's time at 64 MiB and 64
    // concurrent creates, 2% at 8 MiB); 16 MiB still holds every index's interior pages at a
    // million events.
    int writer_cache_kib = 16384;
    int reader_cache_kib = 8192;
    // Database file bytes readers and the writer map instead of reading with pread.
    int64_t mmap_bytes = int64_t{256} << 20;
    // For tests: runs on the sync thread before each fsync of the WAL, so a test can hold a
    // commit in the window between "visible to readers" and "durable".
    std::function<void()> before_sync;
  };

  // Opens (creating if needed) and migrates to the newest version.
  static absl::StatusOr<std::unique_ptr<SqliteDatabase>> Open(
      const Options& options, const std::vector<Migration>& migrations);
  ~SqliteDatabase();

  // Runs `fn` on a read connection of its own (it sees committed data only).
  absl::Status Read(absl::FunctionRef<absl::Status(SqliteConnection&)> fn);

  using WriteFn = std::function<absl::Status(SqliteConnection&)>;
  // Runs `fn` in a transaction that concurrent writes may share, and returns once the commit is
  // durable. When `fn` fails only its own changes are undone and its status returned. `fn` may
  // run more than once (a group is redone when one of its writes fails), so it must reset any
  // output it fills in.
  // `after_commit` runs once the commit is durable, in commit order, on the sync thread, before
  // Write returns (use it to publish changes).
  // Readers may see a commit a few milliseconds before it is durable (the writer does not wait
  // for the fsync before starting the next group); what must not be seen before then has to be
  // published from `after_commit`.
  absl::Status Write(WriteFn fn, std::function<void()> after_commit = nullptr);

  // Returns once every commit that had begun before the call is durable: a reader that found a
  // row calls it before acknowledging anything on the strength of that row.
  void AwaitDurable();

  // Number of durable commits so far (for tests and benchmarks of grouping).
  int64_t commit_count() const;

 private:
  struct PendingWrite;
  SqliteDatabase() = default;
  void WriterLoop();
  // One transaction over the group. Without isolation, the first failure aborts the group
  // (ABORTED) so the caller can redo it with isolate_each.
  absl::Status RunGroup(const std::vector<PendingWrite*>& group, bool isolate_each);
  void MaybeRequestCheckpoint();
  void CheckpointLoop();
  void SyncLoop();
  // fdatasync of the WAL; exits the process when it fails (see the definition).
  void SyncWal();

  int checkpoint_frames_ = 4000;
  int force_checkpoint_frames_ = 32000;

  std::unique_ptr<SqliteConnection> writer_;
  int max_group_size_ = 256;

  absl::Mutex read_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_ ABSL_GUARDED_BY(read_mu_);

  absl::Mutex write_mu_;
  std::deque<PendingWrite*> queue_ ABSL_GUARDED_BY(write_mu_);
  bool stopping_ ABSL_GUARDED_BY(write_mu_) = false;
  std::thread writer_thread_;

  // Groups the writer has run, oldest first, waiting for the fsync that makes them durable.
  struct RanGroup {
    std::vector<PendingWrite*> writes;
    int64_t ordinal;  // 1, 2, 3... in the order the writer began them
    bool committed;
  };
  int wal_fd_ = -1;  // the WAL, opened by us: fsync on any descriptor syncs the file
  std::function<void()> before_sync_;
  mutable absl::Mutex sync_mu_;
  std::deque<RanGroup> ran_ ABSL_GUARDED_BY(sync_mu_);
  int64_t groups_begun_ ABSL_GUARDED_BY(sync_mu_) = 0;
  int64_t durable_through_ ABSL_GUARDED_BY(sync_mu_) = 0;  // ordinal
  int64_t durable_commits_ ABSL_GUARDED_BY(sync_mu_) = 0;
  bool sync_stopping_ ABSL_GUARDED_BY(sync_mu_) = false;
  std::thread sync_thread_;

  std::unique_ptr<SqliteConnection> checkpointer_;
  std::atomic<int> wal_frames_{0};
  int frames_at_checkpoint_request_ = 0;  // writer thread only
  int frames_at_tail_copy_ = 0;           // writer thread only
  absl::Mutex checkpoint_mu_;
  bool checkpoint_requested_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  bool checkpoint_stopping_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  std::thread checkpoint_thread_;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_SQLITE_DB_H_
