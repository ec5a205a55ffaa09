#include "common/sqlite_db.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/sqlite_metrics.h"
#include "common/sqlite_wal_buffer.h"
#include "common/status_macros.h"
#include "common/unshared_status.h"

namespace lookout {

namespace {

// How long a connection waits for a lock another holds (a reader behind a WAL restart).
constexpr int kBusyTimeoutMs = 5000;

// A write refused for lack of space: SQLITE_FULL from the unix VFS, or an I/O error whose errno
// says so (the WAL buffer reports its failures as I/O errors; see sqlite_wal_buffer.h).
void SetDiskFullGauge(absl::string_view store, bool full) {
  MetricsRegistry::Global().SetGauge(
      "lookout_storage_disk_full", "1 while a store refuses writes because its disk is full, else 0.",
      {{"store", std::string(store)}}, full ? 1 : 0);
}

bool IsOutOfSpace(sqlite3* db, int rc) {
  if ((rc & 0xff) == SQLITE_FULL) return true;
  if ((rc & 0xff) != SQLITE_IOERR) return false;
  int error = LastWalWriteErrno();
  if (error == 0 && db != nullptr) error = sqlite3_system_errno(db);
  return error == ENOSPC || error == EDQUOT;
}

}  // namespace

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  if (IsOutOfSpace(db, rc)) return errors::DiskFull();
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return errors::StorageFailure(absl::StrCat(what, ": ", message, " (sqlite code ", rc, ")"));
}

// ---- Statement ----

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, absl::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  return SqliteError(db, rc, absl::StrCat("executing \"", sqlite3_sql(stmt_), "\""));
}

absl::Status Statement::Run() {
  while (true) {
    LOOKOUT_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return absl::OkStatus();
  }
}

int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }
std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}
std::string Statement::Blob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  if (blob == nullptr) return "";
  return std::string(static_cast<const char*>(blob), sqlite3_column_bytes(stmt_, column));
}
bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---- SqliteConnection ----

void ConfigureSqliteOnce() {
  static const bool configured = [] {
    // Memory statistics take a global mutex on every allocation SQLite makes; nothing here reads
    // them (3% of a store's CPU per event in lookout-bench-sqlite-import, 12 rows per commit).
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  }();
  (void)configured;
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                         bool read_only,
                                                                         const char* vfs) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, vfs);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(db, rc, absl::StrCat("opening ", path));
    sqlite3_close(db);
    return status;
  }
  auto connection = std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
  // Readers wait briefly instead of failing while a checkpoint holds a lock.
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  LOOKOUT_RETURN_IF_ERROR(connection->Exec("PRAGMA foreign_keys = ON"));
  return connection;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

absl::Status SqliteConnection::Exec(absl::string_view sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    if (IsOutOfSpace(db_, sqlite3_extended_errcode(db_))) return errors::DiskFull();
    return errors::StorageFailure(absl::StrCat("\"", sql.substr(0, 80), "\": ", message));
  }
  return absl::OkStatus();
}

absl::StatusOr<Statement> SqliteConnection::Prepare(absl::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Statement(it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, absl::StrCat("preparing \"", sql, "\""));
  cache_.emplace(std::string(sql), stmt);
  return Statement(stmt);
}

int64_t SqliteConnection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int SqliteConnection::Changes() const { return sqlite3_changes(db_); }

absl::StatusOr<std::string> LoadOrCreateMetaValue(SqliteDatabase& db, absl::string_view key,
                                                  absl::string_view candidate) {
  // OR IGNORE leaves an existing value in place.
  LOOKOUT_RETURN_IF_ERROR(db.Write([&](SqliteConnection& c) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement insert,
                             c.Prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)"));
    insert.Bind(1, key).Bind(2, candidate);
    return insert.Run();
  }));
  std::string value;
  LOOKOUT_RETURN_IF_ERROR(db.Read([&](SqliteConnection& c) -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(Statement query, c.Prepare("SELECT value FROM meta WHERE key = ?1"));
    query.Bind(1, key);
    LOOKOUT_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return errors::StorageFailure(absl::StrCat("meta value ", key, " is missing"));
    value = query.Text(0);
    return absl::OkStatus();
  }));
  return value;
}

// ---- SqliteDatabase ----

struct SqliteDatabase::PendingWrite {
  WriteFn fn;
  std::function<void()> after_commit;
  absl::Status status;
  // Notified by the sync thread once the write is durable (or failed). Each write has its own,
  // so a synced group's writers all wake at once instead of one after another through a shared
  // mutex.
  absl::Notification done;
};

namespace {

absl::Status Migrate(SqliteConnection& db, const std::vector<Migration>& migrations) {
  int current = 0;
  {
    // Scoped: a statement left open would make DROP in a migration fail ("table is locked").
    LOOKOUT_ASSIGN_OR_RETURN(Statement version_query, db.Prepare("PRAGMA user_version"));
    LOOKOUT_ASSIGN_OR_RETURN(bool has_row, version_query.Step());
    current = has_row ? static_cast<int>(version_query.Int64(0)) : 0;
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    // Each migration and its version bump commit together, so a crash leaves a known version.
    LOOKOUT_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    absl::Status status = db.Exec(migration.sql);
    if (status.ok()) {
      status = db.Exec(absl::StrCat("PRAGMA user_version = ", migration.version));
    }
    if (!status.ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      return absl::Status(status.code(), absl::StrCat("migration ", migration.version, ": ",
                                                      status.message()));
    }
    LOOKOUT_RETURN_IF_ERROR(db.Exec("COMMIT"));
    current = migration.version;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(
    const Options& options, const std::vector<Migration>& migrations) {
  auto database = std::unique_ptr<SqliteDatabase>(new SqliteDatabase());
  database->max_group_size_ = std::max(1, options.max_group_size);
  database->path_ = options.path;
  database->metrics_name_ = options.metrics_name;
  database->checkpoint_frames_ = std::max(1, options.checkpoint_frames);
  database->wal_limit_frames_ = std::max(1, options.wal_limit_frames);
  database->restart_wait_ = std::max(options.restart_wait, absl::Milliseconds(1));
  // The writer's WAL writes go through a buffer: a few large writes per commit instead of two
  // per page.
  LOOKOUT_ASSIGN_OR_RETURN(database->writer_,
                           SqliteConnection::Open(options.path, false, WalWriteBufferVfs()));
  SqliteConnection& writer = *database->writer_;
  // WAL lets readers run beside the writer. NORMAL: COMMIT writes the WAL without syncing it;
  // the sync thread fsyncs it and only then acknowledges the group, so an acknowledged write
  // survives a power cut while the writer is already running the next group. (NORMAL in WAL
  // mode never corrupts the file: a power cut can only lose commits nobody was told of.)
  LOOKOUT_RETURN_IF_ERROR(writer.Exec("PRAGMA journal_mode = WAL"));
  LOOKOUT_RETURN_IF_ERROR(writer.Exec("PRAGMA synchronous = NORMAL"));
  LOOKOUT_RETURN_IF_ERROR(
      writer.Exec(absl::StrCat("PRAGMA cache_size = -", options.writer_cache_kib)));
  LOOKOUT_RETURN_IF_ERROR(writer.Exec(absl::StrCat("PRAGMA mmap_size = ", options.mmap_bytes)));
  LOOKOUT_RETURN_IF_ERROR(Migrate(writer, migrations));
  // The WAL exists now (opening it was part of reading the schema version). Whatever a crashed
  // process left in it unsynced, and the file's directory entry, are made durable before this
  // process reads anything from it.
  const std::string wal_path = options.path + "-wal";
  database->wal_fd_ = open(wal_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (database->wal_fd_ < 0) {
    return errors::StorageFailure(absl::StrCat("opening ", wal_path, ": ", std::strerror(errno)));
  }
  database->before_sync_ = options.before_sync;
  database->SyncWal();
  {
    const std::string dir = std::filesystem::path(options.path).parent_path().string();
    int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      fsync(dir_fd);
      close(dir_fd);
    }
  }
  for (int i = 0; i < std::max(1, options.read_connections); ++i) {
    LOOKOUT_ASSIGN_OR_RETURN(auto reader, SqliteConnection::Open(options.path, true));
    LOOKOUT_RETURN_IF_ERROR(
        reader->Exec(absl::StrCat("PRAGMA cache_size = -", options.reader_cache_kib)));
    LOOKOUT_RETURN_IF_ERROR(
        reader->Exec(absl::StrCat("PRAGMA mmap_size = ", options.mmap_bytes)));
    absl::MutexLock lock(&database->read_mu_);
    database->idle_readers_.push_back(std::move(reader));
  }
  // Checkpoints run on a thread of their own instead of inside the COMMIT that crosses the
  // threshold, so no write pays for one.
  LOOKOUT_ASSIGN_OR_RETURN(database->checkpointer_, SqliteConnection::Open(options.path, false));
  // A connection learns that the file is in WAL mode only when it first reads it; until then
  // sqlite3_wal_checkpoint_v2 on it is a silent no-op (it reports -1 frames), and every
  // checkpoint fell to the writer's forced one, copying a 128 MB WAL inside a write.
  LOOKOUT_RETURN_IF_ERROR(database->checkpointer_->Exec("PRAGMA journal_mode = WAL"));
  if (!database->metrics_name_.empty()) {
    SetDiskFullGauge(database->metrics_name_, false);
    database->gauges_ =
        ExportSqliteFiles(database->metrics_name_, database->path_, &database->wal_frames_);
  }
  LOOKOUT_RETURN_IF_ERROR(writer.Exec("PRAGMA wal_autocheckpoint = 0"));
  // When the WAL starts over, the file is cut back to the hard bound at the next commit if it
  // grew past it (a read kept it from starting over), and otherwise written over in place.
  {
    LOOKOUT_ASSIGN_OR_RETURN(Statement page_size, writer.Prepare("PRAGMA page_size"));
    LOOKOUT_ASSIGN_OR_RETURN(bool row, page_size.Step());
    const int64_t frame_bytes = (row ? page_size.Int64(0) : 4096) + 24;
    const int64_t bound_frames = database->wal_limit_frames_ + database->wal_limit_frames_ / 2;
    LOOKOUT_RETURN_IF_ERROR(
        writer.Exec(absl::StrCat("PRAGMA journal_size_limit = ", frame_bytes * bound_frames)));
  }
  sqlite3_wal_hook(
      writer.raw(),
      +[](void* self, sqlite3*, const char*, int frames) {
        static_cast<SqliteDatabase*>(self)->wal_frames_.store(frames, std::memory_order_relaxed);
        return SQLITE_OK;
      },
      database.get());
  // Named so that top -H and perf show which thread a store's time goes to.
  database->checkpoint_thread_ = std::thread([db = database.get()] {
    pthread_setname_np(pthread_self(), "sqlite-ckpt");
    db->CheckpointLoop();
  });
  database->sync_thread_ = std::thread([db = database.get()] {
    pthread_setname_np(pthread_self(), "sqlite-sync");
    db->SyncLoop();
  });
  database->writer_thread_ = std::thread([db = database.get()] {
    pthread_setname_np(pthread_self(), "sqlite-writer");
    db->WriterLoop();
  });
  return database;
}

SqliteDatabase::~SqliteDatabase() {
  {
    absl::MutexLock lock(&write_mu_);
    stopping_ = true;
  }
  if (writer_thread_.joinable()) writer_thread_.join();
  // After the writer: every group it ran is acknowledged before the sync thread ends.
  {
    absl::MutexLock lock(&sync_mu_);
    sync_stopping_ = true;
  }
  if (sync_thread_.joinable()) sync_thread_.join();
  if (wal_fd_ >= 0) close(wal_fd_);
  {
    absl::MutexLock lock(&checkpoint_mu_);
    checkpoint_stopping_ = true;
  }
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

absl::Status SqliteDatabase::Read(absl::FunctionRef<absl::Status(SqliteConnection&)> fn) {
  if (restarting_.load(std::memory_order_acquire)) {
    // A WAL restart waits for reads on older data to end, and SQLite lets a new read share the
    // slot of an older one when all are taken: reads that kept beginning would hold it off for
    // good. They wait for it instead (it gives up within restart_wait).
    absl::MutexLock lock(&checkpoint_mu_);
    auto restarted = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(checkpoint_mu_) {
      return !restarting_.load(std::memory_order_relaxed) || checkpoint_stopping_;
    };
    checkpoint_mu_.AwaitWithTimeout(absl::Condition(&restarted), restart_wait_);
  }
  std::unique_ptr<SqliteConnection> reader;
  {
    absl::MutexLock lock(&read_mu_);
    read_mu_.Await(absl::Condition(
        +[](std::vector<std::unique_ptr<SqliteConnection>>* idle) { return !idle->empty(); },
        &idle_readers_));
    reader = std::move(idle_readers_.back());
    idle_readers_.pop_back();
  }
  absl::Status status = fn(*reader);
  // A failed read may leave a transaction open; end it so the connection is clean for the next.
  if (!sqlite3_get_autocommit(reader->raw())) reader->Exec("ROLLBACK").IgnoreError();
  absl::MutexLock lock(&read_mu_);
  idle_readers_.push_back(std::move(reader));
  return status;
}

absl::Status SqliteDatabase::Write(WriteFn fn, std::function<void()> after_commit) {
  PendingWrite pending;
  pending.fn = std::move(fn);
  pending.after_commit = std::move(after_commit);
  {
    absl::MutexLock lock(&write_mu_);
    if (stopping_) return absl::UnavailableError("storage is shutting down");
    queue_.push_back(&pending);
  }
  pending.done.WaitForNotification();
  return pending.status;
}

int64_t SqliteDatabase::commit_count() const {
  absl::MutexLock lock(&sync_mu_);
  return durable_commits_;
}

void SqliteDatabase::AwaitDurable() {
  absl::MutexLock lock(&sync_mu_);
  const int64_t target = groups_begun_;
  auto durable = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_) {
    return durable_through_ >= target;
  };
  sync_mu_.Await(absl::Condition(&durable));
}

void SqliteDatabase::SyncWal() {
  if (before_sync_) before_sync_();
  if (fdatasync(wal_fd_) == 0) return;
  // After a failed fsync the kernel may have dropped the dirty pages and a retry can report
  // success for data that never reached the disk, so nothing this process wrote since the
  // last good sync can be vouched for. Exit, and let the restart recover from what is on disk.
  LogError("fsync of the SQLite WAL failed; exiting", {{"error", std::strerror(errno)}});
  std::abort();
}

void SqliteDatabase::SyncLoop() {
  while (true) {
    std::deque<RanGroup> groups;
    {
      absl::MutexLock lock(&sync_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_) {
        return sync_stopping_ || !ran_.empty();
      };
      sync_mu_.Await(absl::Condition(&ready));
      if (ran_.empty()) return;  // stopping, and every group is acknowledged
      groups.swap(ran_);
    }
    // One fsync covers every commit written before it. A group that committed nothing still
    // waits for the groups before it: its failure may rest on what they wrote.
    int64_t commits = 0;
    for (const RanGroup& group : groups) commits += group.committed ? 1 : 0;
    if (commits > 0) SyncWal();
    for (const RanGroup& group : groups) {
      if (!group.committed) continue;
      for (PendingWrite* write : group.writes) {
        if (write->status.ok() && write->after_commit) write->after_commit();
      }
    }
    {
      absl::MutexLock lock(&sync_mu_);
      durable_through_ = groups.back().ordinal;
      durable_commits_ += commits;
    }
    // A write's owner may destroy it as soon as it is notified: nothing touches it afterwards.
    for (const RanGroup& group : groups) {
      for (PendingWrite* write : group.writes) write->done.Notify();
    }
  }
}


namespace {

bool InTransaction(SqliteConnection& db) { return sqlite3_get_autocommit(db.raw()) == 0; }

// Free bytes on the file system holding `path`, for the log; -1 when unknown.
int64_t FreeBytes(const std::string& path) {
  struct statvfs info {};
  if (statvfs(path.c_str(), &info) != 0) return -1;
  return static_cast<int64_t>(info.f_bavail) * static_cast<int64_t>(info.f_frsize);
}

}  // namespace

SqliteDatabase::GroupResult SqliteDatabase::RunGroup(const std::vector<PendingWrite*>& group,
                                                     bool isolate_each) {
  SqliteConnection& db = *writer_;
  // Writes that failed keep their own reason; the others each get their own copy of the group's
  // (common/unshared_status.h).
  auto fail_all = [&group](const absl::Status& status) {
    for (PendingWrite* write : group) {
      if (write->status.ok()) write->status = UnsharedCopy(status);
    }
    return GroupResult::kFailed;
  };
  absl::Status begin = db.Exec("BEGIN IMMEDIATE");
  if (!begin.ok()) return fail_all(begin);
  for (PendingWrite* write : group) {
    absl::Status status;
    if (isolate_each) {
      status = db.Exec("SAVEPOINT w");
      if (status.ok()) status = write->fn(db);
      if (status.ok()) {
        status = db.Exec("RELEASE w");
      } else if (InTransaction(db)) {
        db.Exec("ROLLBACK TO w").IgnoreError();
        db.Exec("RELEASE w").IgnoreError();
      }
    } else {
      status = write->fn(db);
    }
    write->status = status;
    if (!InTransaction(db)) {
      // SQLite rolled the whole transaction back by itself (it does on an I/O error or a full
      // disk, savepoints or not): what the group's earlier writes did is gone, and a later
      // write run now would commit on its own, outside the group and its fsync. The group
      // fails; nothing of it was stored.
      if (status.ok()) {
        status = SqliteError(db.raw(), sqlite3_extended_errcode(db.raw()),
                             "the transaction was rolled back");
      }
      return fail_all(status);
    }
    if (!status.ok() && !isolate_each && group.size() > 1) {
      // Its partial changes cannot be undone alone: undo the group and redo it isolated.
      db.Exec("ROLLBACK").IgnoreError();
      return GroupResult::kRedoIsolated;
    }
  }
  bool any_ok = false;
  for (PendingWrite* write : group) any_ok = any_ok || write->status.ok();
  if (!any_ok) {
    // Nothing to commit; each write's own status says why.
    db.Exec("ROLLBACK").IgnoreError();
    return GroupResult::kFailed;
  }
  absl::Status commit = db.Exec("COMMIT");
  if (!commit.ok()) {
    if (InTransaction(db)) db.Exec("ROLLBACK").IgnoreError();
    for (PendingWrite* write : group) {
      if (write->status.ok()) write->status = UnsharedCopy(commit);
    }
    return GroupResult::kFailed;
  }
  return GroupResult::kCommitted;
}

void SqliteDatabase::NoteGroupOutcome(const std::vector<PendingWrite*>& group,
                                      GroupResult result) {
  bool full = false;
  if (result == GroupResult::kCommitted) {
    full = false;
  } else {
    for (PendingWrite* write : group) full = full || errors::IsDiskFull(write->status);
    if (!full) return;  // a failed write says nothing about the disk
  }
  if (full == disk_full_) return;
  disk_full_ = full;
  if (full) {
    LogError("storage: the disk is full; writes are refused until space is freed",
             {{"path", path_}, {"free_bytes", absl::StrCat(FreeBytes(path_))}});
  } else {
    LogInfo("storage: writes resumed after a full disk",
            {{"path", path_}, {"free_bytes", absl::StrCat(FreeBytes(path_))}});
  }
  if (!metrics_name_.empty()) SetDiskFullGauge(metrics_name_, full);
}

void SqliteDatabase::MaybeRequestCheckpoint() {
  const int frames = wal_frames_.load(std::memory_order_relaxed);
  if (frames < frames_at_checkpoint_request_) frames_at_checkpoint_request_ = 0;  // started over
  // Asked for every checkpoint_frames new frames rather than whenever the WAL is that long: it
  // stays long until it starts over, and every commit would ask again.
  if (frames - frames_at_checkpoint_request_ < checkpoint_frames_) return;
  frames_at_checkpoint_request_ = frames;
  absl::MutexLock lock(&checkpoint_mu_);
  checkpoint_requested_ = true;
}

void SqliteDatabase::MaybeRestartWal() {
  const int frames = wal_frames_.load(std::memory_order_relaxed);
  if (frames < wal_limit_frames_) return;
  const bool past_hard_bound = frames >= wal_limit_frames_ + wal_limit_frames_ / 2;
  {
    absl::MutexLock lock(&checkpoint_mu_);
    // While tries are failing a read is holding an old snapshot: trying again at once would
    // only stall writes (the WAL grows past the bound until that read ends).
    if (absl::Now() < next_restart_) return;
    // Up to the hard bound the checkpoint thread first copies what it can, so the try below
    // has little left to copy while commits wait.
    if (!restart_due_ && !past_hard_bound) return;
    if (checkpoint_running_) {
      // A checkpoint takes a lock of its own without waiting, so RESTART would be refused at
      // once. Below the hard bound the next group tries again. Past it the writer waits for
      // the pass to end: trying group after group used to lose to a slow checkpoint thread
      // every time (under ASan the WAL reached 4 times its limit; bulk loads, 18 GB), with no
      // failed try counted or logged.
      if (!past_hard_bound) {
        restart_due_ = true;
        return;
      }
      auto pass_ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(checkpoint_mu_) {
        return !checkpoint_running_ || checkpoint_stopping_;
      };
      checkpoint_mu_.Await(absl::Condition(&pass_ended));
    }
    restart_due_ = false;
    // In the same critical section as the check above: the checkpoint thread starts no pass
    // while this is set, so only reads (or another process) can refuse the restart.
    restarting_.store(true, std::memory_order_release);
    restart_deadline_ = absl::Now() + restart_wait_;
  }
  const int rc = RestartWal();
  if (!metrics_name_.empty()) CountCheckpoint(metrics_name_, "restart", rc);
  constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
  constexpr absl::Duration kMaxBackoff = absl::Seconds(5);
  absl::MutexLock lock(&checkpoint_mu_);
  if (rc == SQLITE_OK) {
    ++wal_stats_.restarts;
    restart_backoff_ = absl::ZeroDuration();
    next_restart_ = absl::InfinitePast();
    return;
  }
  // Every refusal counts and backs off, including one at once (a checkpoint of another
  // connection, such as a backup tool's, holding the checkpoint lock): none goes unseen.
  ++wal_stats_.failed_restarts;
  restart_backoff_ = std::min(kMaxBackoff, std::max(kFirstBackoff, 2 * restart_backoff_));
  next_restart_ = absl::Now() + restart_backoff_;
  if (wal_stats_.failed_restarts == 1 || restart_backoff_ == kMaxBackoff) {
    LogWarning(rc == SQLITE_BUSY ? "storage: a read kept an old snapshot; the WAL cannot restart yet"
                                : "storage: the WAL cannot restart yet",
               {{"path", path_},
                {"wal_frames", absl::StrCat(frames)},
                {"retry_in_ms", absl::StrCat(absl::ToInt64Milliseconds(restart_backoff_))}});
  }
}

int SqliteDatabase::RestartWal() {
  // RESTART copies what the checkpoint thread has not and waits until no read is on the WAL,
  // so that the next group writes it from the start. It runs on the writer's connection,
  // between two groups: it needs the write lock, which another connection would rarely find
  // free. Its waits end at restart_wait (before, SQLite's busy timeout of 5 s, on every group,
  // behind a read that kept its snapshot); reads that begin meanwhile wait for it. Not
  // TRUNCATE: a WAL grown again from nothing costs an allocation and a journaled size change
  // in every fsync (measured here: about a third fewer creates per second than a WAL written
  // over in place). The caller has set restarting_ and restart_deadline_.
  SqliteConnection& db = *writer_;
  sqlite3_busy_handler(
      db.raw(),
      +[](void* self, int /*count*/) {
        // Short sleeps until the try's deadline (SQLite's own handler sleeps up to 100 ms).
        if (absl::Now() >= static_cast<SqliteDatabase*>(self)->RestartDeadline()) return 0;
        absl::SleepFor(absl::Microseconds(200));
        return 1;
      },
      this);
  int log_frames = 0, checkpointed = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db.raw(), nullptr, SQLITE_CHECKPOINT_RESTART,
                                           &log_frames, &checkpointed);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    LogWarning("storage: restarting the WAL failed",
               {{"path", path_}, {"error", sqlite3_errmsg(db.raw())}});
  }
  sqlite3_busy_timeout(db.raw(), kBusyTimeoutMs);
  {
    absl::MutexLock lock(&checkpoint_mu_);
    restarting_.store(false, std::memory_order_release);
  }
  if (rc == SQLITE_OK) wal_frames_.store(0, std::memory_order_relaxed);
  return rc;
}

void SqliteDatabase::CheckpointLoop() {
  bool passive_failing = false;
  while (true) {
    {
      absl::MutexLock lock(&checkpoint_mu_);
      // Not while the writer restarts the WAL: a pass would make its RESTART fail at once.
      checkpoint_mu_.Await(absl::Condition(
          +[](SqliteDatabase* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->checkpoint_mu_) {
            return (self->checkpoint_requested_ &&
                    !self->restarting_.load(std::memory_order_relaxed)) ||
                   self->checkpoint_stopping_;
          },
          this));
      if (checkpoint_stopping_) return;
      checkpoint_requested_ = false;
      checkpoint_running_ = true;
    }
    // PASSIVE never blocks the writer or readers; pages still in use are copied next time.
    int log_frames = 0, checkpointed = 0;
    const int rc = sqlite3_wal_checkpoint_v2(checkpointer_->raw(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE, &log_frames, &checkpointed);
    if (!metrics_name_.empty()) CountCheckpoint(metrics_name_, "passive", rc);
    if ((rc != SQLITE_OK) != passive_failing) {
      passive_failing = rc != SQLITE_OK;
      if (passive_failing) {
        LogWarning("storage: checkpoints are failing",
                   {{"path", path_}, {"error", sqlite3_errmsg(checkpointer_->raw())}});
      } else {
        LogInfo("storage: checkpoints work again", {{"path", path_}});
      }
    }
    // Past the limit the writer restarts the WAL between two groups, now that little is left
    // to copy. Never cleared here: the writer may have found this pass running and left it due.
    absl::MutexLock lock(&checkpoint_mu_);
    checkpoint_running_ = false;
    if (rc == SQLITE_OK && log_frames >= wal_limit_frames_) restart_due_ = true;
  }
}

absl::Time SqliteDatabase::RestartDeadline() {
  absl::MutexLock lock(&checkpoint_mu_);
  return restart_deadline_;
}

SqliteDatabase::WalStats SqliteDatabase::wal_stats() const {
  absl::MutexLock lock(&checkpoint_mu_);
  return wal_stats_;
}

void SqliteDatabase::WriterLoop() {
  while (true) {
    std::vector<PendingWrite*> group;
    {
      absl::MutexLock lock(&write_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
        return stopping_ || !queue_.empty();
      };
      write_mu_.Await(absl::Condition(&ready));
      if (queue_.empty() && stopping_) return;
    }
    MaybeRestartWal();
    {
      absl::MutexLock lock(&write_mu_);
      while (!queue_.empty() && static_cast<int>(group.size()) < max_group_size_) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    // Counted before anything runs, so a reader that sees this group's rows and then calls
    // AwaitDurable waits for it.
    int64_t ordinal = 0;
    {
      absl::MutexLock lock(&sync_mu_);
      ordinal = ++groups_begun_;
    }

    // First try: the whole group without savepoints. Inside a transaction SQLite copies every
    // page a savepoint touches to a sub-journal, which costs more than the rest of a small
    // write; failures are rare (input is validated before it gets here), so only when one
    // write fails is the group redone with a savepoint per write, undoing the failure alone.
    GroupResult result = RunGroup(group, /*isolate_each=*/false);
    if (result == GroupResult::kRedoIsolated) result = RunGroup(group, /*isolate_each=*/true);
    NoteGroupOutcome(group, result);
    const bool committed = result == GroupResult::kCommitted;
    if (committed) MaybeRequestCheckpoint();
    absl::MutexLock lock(&sync_mu_);
    ran_.push_back(RanGroup{std::move(group), ordinal, committed});
  }
}

}  // namespace lookout
