#include "common/sqlite_metrics.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <filesystem>

namespace lookout {
namespace {

// 0 for a file that is not there (the WAL between a close and the next open).
double FileBytes(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<double>(st.st_size) : 0;
}

// Of the filesystem holding `path`; -1 when it cannot be read.
double Filesystem(const std::string& path, bool available) {
  struct statvfs fs {};
  if (statvfs(path.c_str(), &fs) != 0) return -1;
  const double blocks =
      available ? static_cast<double>(fs.f_bavail) : static_cast<double>(fs.f_blocks);
  return blocks * static_cast<double>(fs.f_frsize);
}

}  // namespace

std::vector<std::unique_ptr<ScrapedGauge>> ExportSqliteFiles(const std::string& store,
                                                             const std::string& path,
                                                             const std::atomic<int>* wal_frames) {
  MetricsRegistry& metrics = MetricsRegistry::Global();
  const std::string wal = path + "-wal";
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const char kFileHelp[] =
      "Size of a SQLite store's files in bytes, by store and file "
      "(database, wal).";
  // The checkpoint series from the start at 0, so rate() and the alerts see the first failure.
  for (const char* mode : {"passive", "restart"}) {
    for (int rc : {SQLITE_OK, SQLITE_BUSY, SQLITE_ERROR}) CountCheckpoint(store, mode, rc, 0);
  }
  std::vector<std::unique_ptr<ScrapedGauge>> gauges;
  gauges.push_back(metrics.AddScrapedGauge("lookout_sqlite_file_bytes", kFileHelp,
                                           {{"store", store}, {"file", "database"}},
                                           [path] { return FileBytes(path); }));
  gauges.push_back(metrics.AddScrapedGauge("lookout_sqlite_file_bytes", kFileHelp,
                                           {{"store", store}, {"file", "wal"}},
                                           [wal] { return FileBytes(wal); }));
  gauges.push_back(metrics.AddScrapedGauge(
      "lookout_sqlite_wal_frames",
      "WAL frames written since the WAL last started over; the writer restarts it past its "
      "limit (--wal_limit_frames), so a value that keeps rising means restarts are failing.",
      {{"store", store}}, [wal_frames] { return wal_frames->load(std::memory_order_relaxed); }));
  gauges.push_back(metrics.AddScrapedGauge(
      "lookout_storage_filesystem_avail_bytes",
      "Bytes free to the service on the filesystem holding a store's files.", {{"store", store}},
      [dir] { return Filesystem(dir, true); }));
  gauges.push_back(
      metrics.AddScrapedGauge("lookout_storage_filesystem_size_bytes",
                              "Size in bytes of the filesystem holding a store's files.",
                              {{"store", store}}, [dir] { return Filesystem(dir, false); }));
  return gauges;
}

void CountCheckpoint(const std::string& store, const char* mode, int rc, double count) {
  static prometheus::Family<prometheus::Counter>& checkpoints = MetricsRegistry::Global().Counter(
      "lookout_sqlite_checkpoints_total",
      "SQLite checkpoints, by store, mode (passive: copy what no read needs; restart: start the "
      "WAL over) and result (ok; busy: a read kept an older snapshot; error).");
  const char* result = rc == SQLITE_OK ? "ok" : (rc & 0xff) == SQLITE_BUSY ? "busy" : "error";
  checkpoints.Add({{"store", store}, {"mode", mode}, {"result", result}}).Increment(count);
}

}  // namespace lookout
