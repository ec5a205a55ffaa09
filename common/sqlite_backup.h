// An online backup of one SQLite database file (a service's event.db, actor.db or observations
// file) taken while the service that owns it keeps writing: one consistent snapshot, copied with
// SQLite's backup API, checked, synced, and put in place under its final name only when whole.
#ifndef LOOKOUT_COMMON_SQLITE_BACKUP_H_
#define LOOKOUT_COMMON_SQLITE_BACKUP_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace lookout {

struct SqliteBackupOptions {
  // For tests: runs once the snapshot the copy will hold is fixed (its read transaction is open
  // and its commits are durable), before any page is copied.
  std::function<void()> after_snapshot;
};

struct SqliteBackupResult {
  int64_t pages = 0;
  int64_t bytes = 0;
  int schema_version = 0;  // PRAGMA user_version of the copy
};

// Copies the database at `from` to a new file `to`.
//
// Refused before anything is written:
//   INVALID_ARGUMENT  a path is empty, `from` is not a regular file or not an SQLite database;
//   NOT_FOUND         `from` or the folder of `to` does not exist;
//   ALREADY_EXISTS    `to` exists, or a `to`-wal, -shm or -journal file does (SQLite would
//                     apply a stale one to the copy when it is opened).
// Any other error (a full disk, an I/O error, a copy that fails PRAGMA integrity_check) leaves
// nothing at `to`: the copy is written as `to`.partial-<pid> and removed on failure.
//
// The copy is the source as of one moment during the call: it holds every write the owning
// service acknowledged before the call and nothing committed after that moment, and each commit
// in it is durable in the source too (a power cut cannot take back from the source what the copy
// holds). Writes to the source are never blocked.
absl::StatusOr<SqliteBackupResult> BackupSqliteDatabase(const std::string& from,
                                                        const std::string& to,
                                                        const SqliteBackupOptions& options = {});

// The same backup written to `out_fd` (a pipe or a file) instead of a new file, for copying
// it out of a container (kubectl exec ... > event.db). It is made and checked first as
// `from`.partial-<pid> beside the source (that folder needs room for it), then written out and
// removed. Refusals as above for `from`; a failed write (a closed pipe: ignore SIGPIPE) fails
// the call, and whatever reached `out_fd` by then is no backup.
absl::StatusOr<SqliteBackupResult> StreamSqliteBackup(const std::string& from, int out_fd,
                                                      const SqliteBackupOptions& options = {});

}  // namespace lookout

#endif  // LOOKOUT_COMMON_SQLITE_BACKUP_H_
