#include "common/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/sqlite_db.h"
#include "common/status_macros.h"

namespace lookout {
namespace {

// The files SQLite keeps beside a database while it is open or after a crash.
constexpr const char* kSideFileSuffixes[] = {"-wal", "-shm", "-journal"};

std::string ErrnoText() { return std::strerror(errno); }

// Anything at `path`, a dangling symlink included; an unreadable folder counts as something.
bool Exists(const std::string& path) {
  struct stat info {};
  return lstat(path.c_str(), &info) == 0 || errno != ENOENT;
}

std::string FolderOf(const std::string& path) {
  const std::string folder = std::filesystem::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

absl::Status CheckSource(const std::string& from) {
  if (from.empty()) return absl::InvalidArgumentError("the database to back up is not named");
  struct stat info {};
  if (stat(from.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no database at ", from));
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", from, ": ", ErrnoText()));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(from, " is not a regular file"));
  }
  return absl::OkStatus();
}

absl::Status CheckDestination(const std::string& to) {
  if (to.empty()) return absl::InvalidArgumentError("the backup file is not named");
  if (Exists(to)) {
    return absl::AlreadyExistsError(
        absl::StrCat(to, " already exists; a backup never replaces a file"));
  }
  for (const char* suffix : kSideFileSuffixes) {
    const std::string side = absl::StrCat(to, suffix);
    if (Exists(side)) {
      return absl::AlreadyExistsError(absl::StrCat(
          side, " exists; SQLite would apply it to the new backup when it is opened: remove it"));
    }
  }
  const std::string folder = FolderOf(to);
  struct stat info {};
  if (stat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::NotFoundError(absl::StrCat("the folder ", folder, " does not exist"));
  }
  return absl::OkStatus();
}

absl::Status ReadError(sqlite3* db, int rc, const std::string& from) {
  if ((rc & 0xff) == SQLITE_NOTADB) {
    return absl::InvalidArgumentError(absl::StrCat(from, " is not an SQLite database"));
  }
  return absl::InternalError(
      absl::StrCat("reading ", from, ": ", sqlite3_errmsg(db), " (sqlite code ", rc, ")"));
}

absl::Status WriteError(sqlite3* db, int rc, const std::string& what) {
  const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_FULL) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": the disk is full (", message, ")"));
  }
  return absl::InternalError(absl::StrCat(what, ": ", message, " (sqlite code ", rc, ")"));
}

// Opens a read transaction on `source`: from here on every read of the connection, the backup's
// included, sees the database as of this moment.
absl::Status BeginSnapshot(SqliteConnection& source, const std::string& from) {
  sqlite3* db = source.raw();
  const int rc =
      sqlite3_exec(db, "BEGIN; SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ReadError(db, rc, from);
  if (sqlite3_txn_state(db, "main") != SQLITE_TXN_READ) {
    return absl::InternalError(absl::StrCat("reading ", from, ": no read transaction began"));
  }
  return absl::OkStatus();
}

// The service that owns the file makes a commit visible to readers a few milliseconds before it
// fsyncs the WAL, and acknowledges it only after (common/sqlite_db.h). A snapshot may hold such a
// commit; syncing the WAL here makes it durable in the source too, so the backup never holds a
// change that a power cut could take back from the source (and whose sequence the source would
// then give to another change). The frames of the snapshot stay in the WAL while the snapshot is
// open: the service starts its WAL over only when no read is on it. Without a WAL file
// (the service stopped cleanly) every commit is in the database file, synced by its checkpoint.
absl::Status SyncSourceWal(const std::string& from) {
  const std::string wal = absl::StrCat(from, "-wal");
  const int fd = open(wal.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("opening ", wal, ": ", ErrnoText()));
  }
  const int rc = fdatasync(fd);
  const std::string error = rc != 0 ? ErrnoText() : "";
  close(fd);
  if (rc != 0) return absl::InternalError(absl::StrCat("syncing ", wal, ": ", error));
  return absl::OkStatus();
}

// Copies every page of the snapshot in one step: inside the one read transaction, so the copy
// is that snapshot whatever the service commits meanwhile.
absl::StatusOr<int64_t> CopyPages(SqliteConnection& source, SqliteConnection& copy,
                                  const std::string& partial) {
  sqlite3_backup* backup = sqlite3_backup_init(copy.raw(), "main", source.raw(), "main");
  if (backup == nullptr) {
    return WriteError(copy.raw(), sqlite3_errcode(copy.raw()), "starting the copy");
  }
  const int step = sqlite3_backup_step(backup, -1);
  const int64_t pages = sqlite3_backup_pagecount(backup);
  const int finish = sqlite3_backup_finish(backup);
  if (step != SQLITE_DONE) return WriteError(nullptr, step, absl::StrCat("writing ", partial));
  if (finish != SQLITE_OK) return WriteError(copy.raw(), finish, absl::StrCat("writing ", partial));
  return pages;
}

absl::StatusOr<std::vector<std::string>> Rows(SqliteConnection& db, const char* sql) {
  LOOKOUT_ASSIGN_OR_RETURN(Statement statement, db.Prepare(sql));
  std::vector<std::string> rows;
  while (true) {
    LOOKOUT_ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return rows;
    rows.push_back(statement.Text(0));
  }
}

absl::StatusOr<int64_t> Number(SqliteConnection& db, const char* sql) {
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<std::string> rows, Rows(db, sql));
  int64_t value = 0;
  if (rows.size() != 1 || !absl::SimpleAtoi(rows[0], &value)) {
    return absl::InternalError(absl::StrCat("\"", sql, "\" gave no number"));
  }
  return value;
}

// Checks the copy and leaves it a file of its own: the pages came with the source's WAL mode,
// which would make every reader of the backup need a -shm file beside it (read-only media
// included). The service turns WAL on again when it opens a restored file.
absl::StatusOr<SqliteBackupResult> CheckAndSettle(SqliteConnection& copy) {
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<std::string> problems, Rows(copy, "PRAGMA integrity_check"));
  if (problems != std::vector<std::string>{"ok"}) {
    // The first problems are enough to go on (a damaged page alone yields one per cell).
    std::string found = absl::StrJoin(problems, "; ");
    if (found.size() > 400) found = absl::StrCat(found.substr(0, 400), "...");
    return absl::DataLossError(absl::StrCat("the copy fails PRAGMA integrity_check: ", found));
  }
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<std::string> mode,
                           Rows(copy, "PRAGMA journal_mode = DELETE"));
  if (mode != std::vector<std::string>{"delete"}) {
    return absl::InternalError("the copy could not leave WAL mode");
  }
  SqliteBackupResult result;
  LOOKOUT_ASSIGN_OR_RETURN(result.pages, Number(copy, "PRAGMA page_count"));
  LOOKOUT_ASSIGN_OR_RETURN(const int64_t page_size, Number(copy, "PRAGMA page_size"));
  LOOKOUT_ASSIGN_OR_RETURN(const int64_t version, Number(copy, "PRAGMA user_version"));
  result.bytes = result.pages * page_size;
  result.schema_version = static_cast<int>(version);
  return result;
}

absl::Status SyncPath(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("opening ", path, ": ", ErrnoText()));
  const int rc = fsync(fd);
  const std::string error = rc != 0 ? ErrnoText() : "";
  close(fd);
  if (rc != 0) return absl::InternalError(absl::StrCat("syncing ", path, ": ", error));
  return absl::OkStatus();
}

// Gives the finished copy its name without ever replacing a file that appeared there meanwhile
// (a hard link fails when the name is taken), then syncs the folder so the name survives a
// power cut. File systems without hard links get a rename after one more check.
absl::Status PutInPlace(const std::string& partial, const std::string& to) {
  if (link(partial.c_str(), to.c_str()) == 0) {
    unlink(partial.c_str());
  } else if (errno == EEXIST) {
    return absl::AlreadyExistsError(absl::StrCat(to, " appeared while the backup ran"));
  } else if (errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS) {
    if (Exists(to)) {
      return absl::AlreadyExistsError(absl::StrCat(to, " appeared while the backup ran"));
    }
    if (rename(partial.c_str(), to.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("renaming ", partial, ": ", ErrnoText()));
    }
  } else {
    return absl::InternalError(absl::StrCat("naming the backup ", to, ": ", ErrnoText()));
  }
  const absl::Status synced = SyncPath(FolderOf(to), O_RDONLY | O_DIRECTORY);
  // A name that may not survive a power cut is no backup to rely on.
  if (!synced.ok()) unlink(to.c_str());
  return synced;
}

void RemovePartial(const std::string& partial) {
  unlink(partial.c_str());
  for (const char* suffix : kSideFileSuffixes) unlink(absl::StrCat(partial, suffix).c_str());
}

absl::StatusOr<SqliteBackupResult> WriteCopy(const std::string& from, const std::string& partial,
                                             const SqliteBackupOptions& options) {
  // The source is read through SQLite's default VFS from this process while its service writes
  // it through the WAL write buffer (common/sqlite_wal_buffer.h). That is sound: a reader learns
  // which WAL frames are committed only from the WAL index (the -shm file, shared memory), and
  // the service publishes a commit there only after the buffer has handed every frame of it to
  // the kernel (Write() writes the buffer once the commit frame is complete; ShmBarrier writes
  // whatever is left before the index header changes). A pwrite is visible to every process
  // reading the file the moment it returns, synced or not, so a snapshot never names a frame
  // this process cannot read. Frames still buffered in the service belong to a transaction not
  // yet committed; they lie past the snapshot's last frame and are never read. Read-only: the
  // backup never checkpoints or otherwise changes the source.
  LOOKOUT_ASSIGN_OR_RETURN(auto source, SqliteConnection::Open(from, /*read_only=*/true));
  LOOKOUT_RETURN_IF_ERROR(BeginSnapshot(*source, from));
  // A WAL reader never blocks the writer. While this snapshot is open the service cannot start
  // its WAL over (it tries for 100 ms, then backs off), so the WAL grows until the copy ends.
  LOOKOUT_RETURN_IF_ERROR(SyncSourceWal(from));
  if (options.after_snapshot) options.after_snapshot();

  LOOKOUT_ASSIGN_OR_RETURN(auto copy, SqliteConnection::Open(partial, /*read_only=*/false));
  LOOKOUT_RETURN_IF_ERROR(CopyPages(*source, *copy, partial).status());
  // The copy is whole: the source's snapshot is let go at once, before the check.
  sqlite3_exec(source->raw(), "COMMIT", nullptr, nullptr, nullptr);
  source.reset();
  LOOKOUT_ASSIGN_OR_RETURN(SqliteBackupResult result, CheckAndSettle(*copy));
  copy.reset();
  LOOKOUT_RETURN_IF_ERROR(SyncPath(partial, O_RDONLY));
  return result;
}

// The checked, synced copy at `partial` (a new name), or nothing there on failure.
absl::StatusOr<SqliteBackupResult> MakeCopy(const std::string& from, const std::string& partial,
                                            const SqliteBackupOptions& options) {
  const int fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(partial,
                                                   " exists (left by a backup that "
                                                   "did not finish?): remove it"));
    }
    return absl::InvalidArgumentError(absl::StrCat("cannot create ", partial, ": ", ErrnoText()));
  }
  close(fd);  // SQLite takes an empty file for an empty database
  absl::StatusOr<SqliteBackupResult> result = WriteCopy(from, partial, options);
  if (!result.ok()) RemovePartial(partial);
  return result;
}

absl::Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t written = write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("writing the backup out: ", ErrnoText()));
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return absl::OkStatus();
}

absl::Status CopyFileTo(const std::string& path, int out_fd) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("opening ", path, ": ", ErrnoText()));
  std::vector<char> buffer(size_t{1} << 20);
  absl::Status status;
  while (status.ok()) {
    const ssize_t got = read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) status = absl::InternalError(absl::StrCat("reading ", path, ": ", ErrnoText()));
    if (got <= 0) break;
    status = WriteAll(out_fd, buffer.data(), static_cast<size_t>(got));
  }
  close(fd);
  return status;
}

}  // namespace

absl::StatusOr<SqliteBackupResult> BackupSqliteDatabase(const std::string& from,
                                                        const std::string& to,
                                                        const SqliteBackupOptions& options) {
  LOOKOUT_RETURN_IF_ERROR(CheckSource(from));
  LOOKOUT_RETURN_IF_ERROR(CheckDestination(to));
  // Written under another name and given its own only when checked and synced, so a file named
  // `to` is always a whole backup.
  const std::string partial = absl::StrCat(to, ".partial-", getpid());
  LOOKOUT_ASSIGN_OR_RETURN(SqliteBackupResult result, MakeCopy(from, partial, options));
  const absl::Status placed = PutInPlace(partial, to);
  if (!placed.ok()) {
    RemovePartial(partial);
    return placed;
  }
  return result;
}

absl::StatusOr<SqliteBackupResult> StreamSqliteBackup(const std::string& from, int out_fd,
                                                      const SqliteBackupOptions& options) {
  LOOKOUT_RETURN_IF_ERROR(CheckSource(from));
  const std::string partial = absl::StrCat(from, ".partial-", getpid());
  LOOKOUT_ASSIGN_OR_RETURN(SqliteBackupResult result, MakeCopy(from, partial, options));
  const absl::Status sent = CopyFileTo(partial, out_fd);
  RemovePartial(partial);
  if (!sent.ok()) return sent;
  return result;
}

}  // namespace lookout
