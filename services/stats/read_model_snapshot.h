// Read-model snapshots on disk: the model's columns with the change-log position they cover,
// so a restarted stats service catches up from there instead of replaying the whole log.
//
// File layout (little-endian): "LKSTATRM", format version (u32), CRC-32C of the body (u32),
// body length (u64), then the body: change_log_id, sequence and etag of the last change
// applied, and EventColumns::SaveTo's output. A file that is missing, shorter than its header
// says, of another version, or whose body fails the checksum or the consistency checks is
// refused with a status saying why; the caller then rebuilds from the change log.
#ifndef LOOKOUT_SERVICES_STATS_READ_MODEL_SNAPSHOT_H_
#define LOOKOUT_SERVICES_STATS_READ_MODEL_SNAPSHOT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "services/stats/read_model.h"

namespace lookout::stats {

// Bumped whenever the body's layout changes: a snapshot of another version is rebuilt from the
// log, never reinterpreted.
// 3: maritime areas, 4: source attributes, 5: source attributes in a rank-indexed column.
inline constexpr uint32_t kSnapshotFormatVersion = 5;
inline constexpr char kSnapshotFileName[] = "read_model.snapshot";
inline constexpr size_t kSnapshotHeaderBytes = 24;

struct SnapshotInfo {
  LogPosition position;
  size_t events = 0;
  size_t file_bytes = 0;
  // How long writing held the model's read lock (the feed waits that long).
  double locked_seconds = 0;
};

// Writes the model's columns and position to `path` atomically: a temporary file beside it,
// fsync, rename over `path`, fsync of the directory, so a crash leaves the old snapshot or the
// new one, never a mix. The model's read lock is held only while the columns are copied into
// memory (changes wait that long; queries do not).
absl::StatusOr<SnapshotInfo> WriteSnapshot(const ReadModel& model, const std::string& path);

// Loads `path` into `model`, which must be empty. NOT_FOUND when there is no file,
// FAILED_PRECONDITION for another format version or a model that is not empty, DATA_LOSS for a
// truncated or corrupt file; the model is unchanged on any error.
absl::StatusOr<SnapshotInfo> LoadSnapshot(const std::string& path, ReadModel* model);

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_READ_MODEL_SNAPSHOT_H_
