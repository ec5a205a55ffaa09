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
#include "absl/time/time.h"
#include "common/metrics.h"

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
    // New WAL frames (pages) after which the checkpoint thread copies them into the database
    // file (PASSIVE: it never blocks the writer or readers).
    int checkpoint_frames = 4000;
    // The WAL's size limit, in frames. Once the checkpoint thread has copied a WAL past it, the
    // writer restarts it between two groups: it copies the last frames and waits, at most
    // `restart_wait`, for reads still on older data (new reads wait for it meanwhile); the
    // next group writes the file over from the start. Past 1.5 times the limit (the hard
    // bound) it tries without waiting for the checkpoint thread to copy more, waiting only for
    // a pass already under way to end (a running checkpoint would refuse the restart). A
    // failed try (a read kept its snapshot longer) is counted and retried after 0.1 s,
    // doubling up to 5 s. A file that grew past the hard bound meanwhile is cut back to it
    // when the WAL starts over.
    int wal_limit_frames = 8000;
    absl::Duration restart_wait = absl::Milliseconds(100);
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
    // Label of the store's series in MetricsRegistry::Global() (lookout_storage_disk_full and
    // those of sqlite_metrics.h); empty exports none.
    std::string metrics_name;
  };

  // Opens (creating if needed) and migrates to the newest version.
  static absl::StatusOr<std::unique_ptr<SqliteDatabase>> Open(
      const Options& options, const std::vector<Migration>& migrations);
  ~SqliteDatabase();

  // Runs `fn` on a read connection of its own (it sees committed data only). A read that
  // begins while the WAL is being restarted waits for that first (at most restart_wait).
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
  // A write the disk has no room for fails with errors::DiskFull (RESOURCE_EXHAUSTED) and
  // stores nothing; the next one tries again. When SQLite itself rolls a group's transaction
  // back (it does on an I/O error), every write of the group fails with that error.
  absl::Status Write(WriteFn fn, std::function<void()> after_commit = nullptr);

  // Returns once every commit that had begun before the call is durable: a reader that found a
  // row calls it before acknowledging anything on the strength of that row.
  void AwaitDurable();

  // Number of durable commits so far (for tests and benchmarks of grouping).
  int64_t commit_count() const;

  struct WalStats {
    int64_t restarts = 0;         // WAL restarts the writer made
    int64_t failed_restarts = 0;  // tries given up (a read kept an older snapshot, I/O errors)
  };
  WalStats wal_stats() const;

 private:
  struct PendingWrite;
  enum class GroupResult { kCommitted, kFailed, kRedoIsolated };
  SqliteDatabase() = default;
  void WriterLoop();
  // One transaction over the group. Without isolation, the first failure makes it undo the
  // group and return kRedoIsolated so the caller can redo it with a savepoint per write.
  GroupResult RunGroup(const std::vector<PendingWrite*>& group, bool isolate_each);
  // Writer thread: disk-full state changes, logged and exported once per change.
  void NoteGroupOutcome(const std::vector<PendingWrite*>& group, GroupResult result);
  void MaybeRequestCheckpoint();
  // Writer thread, between groups: restarts the WAL once the checkpoint thread has copied
  // most of it past the limit, or at once past the hard bound; backs off after failures.
  void MaybeRestartWal();
  // Copies the rest of the WAL into the database file and waits until no read is on it, so the
  // next group starts it over. SQLITE_BUSY when reads on older snapshots outlasted
  // restart_wait (or, at once, while another connection was checkpointing).
  int RestartWal();
  absl::Time RestartDeadline();
  void CheckpointLoop();
  void SyncLoop();
  // fdatasync of the WAL; exits the process when it fails (see the definition).
  void SyncWal();

  std::string path_;
  std::string metrics_name_;
  int checkpoint_frames_ = 4000;
  int wal_limit_frames_ = 8000;
  absl::Duration restart_wait_ = absl::Milliseconds(100);
  bool disk_full_ = false;  // writer thread only

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
  // WAL frames after the writer's last commit (its wal hook), or 0 once a restart truncated it.
  std::atomic<int> wal_frames_{0};
  int frames_at_checkpoint_request_ = 0;  // writer thread only
  mutable absl::Mutex checkpoint_mu_;
  bool checkpoint_requested_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  bool checkpoint_stopping_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  // While the checkpoint thread runs a pass; the writer waits for it past the hard bound.
  bool checkpoint_running_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  // Set by the checkpoint thread when it has copied a WAL that is past the limit.
  bool restart_due_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  // No restart is tried before this (back-off after a failed try).
  absl::Time next_restart_ ABSL_GUARDED_BY(checkpoint_mu_) = absl::InfinitePast();
  absl::Duration restart_backoff_ ABSL_GUARDED_BY(checkpoint_mu_) = absl::ZeroDuration();
  // Set while the writer tries a restart (written under checkpoint_mu_), for readers and the
  // checkpoint thread, which wait for it to end.
  std::atomic<bool> restarting_{false};
  absl::Time restart_deadline_ ABSL_GUARDED_BY(checkpoint_mu_) = absl::InfinitePast();
  WalStats wal_stats_ ABSL_GUARDED_BY(checkpoint_mu_);
  std::thread checkpoint_thread_;
  // Last, so the scraped gauges (sqlite_metrics.h) go before what they read.
  std::vector<std::unique_ptr<ScrapedGauge>> gauges_;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_SQLITE_DB_H_
