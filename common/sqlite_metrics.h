// The metrics of a SQLite store (SqliteDatabase with Options::metrics_name set), labelled
// store=<metrics_name>:
//   lookout_sqlite_file_bytes{store,file="database"|"wal"}     gauge, read at scrape
//   lookout_sqlite_wal_frames{store}                           gauge: frames since the WAL began
//   lookout_sqlite_checkpoints_total{store,mode,result}        counter: mode passive (the
//       checkpoint thread) or restart (the writer starting the WAL over); result ok, busy
//       (a read held an older snapshot) or error
//   lookout_storage_filesystem_avail_bytes{store}              gauge: bytes free to this process
//   lookout_storage_filesystem_size_bytes{store}               gauge: size of the filesystem
//   lookout_storage_disk_full{store}                           gauge (sqlite_db.cc)

#ifndef LOOKOUT_COMMON_SQLITE_METRICS_H_
#define LOOKOUT_COMMON_SQLITE_METRICS_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/metrics.h"

namespace lookout {

// Gauges read at each scrape from the files at `path` and `path`-wal and from `wal_frames`,
// which must outlive the returned handles.
std::vector<std::unique_ptr<ScrapedGauge>> ExportSqliteFiles(const std::string& store,
                                                             const std::string& path,
                                                             const std::atomic<int>* wal_frames);

// One checkpoint's outcome (`count` 0 adds the series only); `mode` is "passive" or "restart",
// `rc` SQLite's result code.
void CountCheckpoint(const std::string& store, const char* mode, int rc, double count = 1);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_SQLITE_METRICS_H_
