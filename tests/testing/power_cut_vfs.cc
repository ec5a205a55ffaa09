#include "tests/testing/power_cut_vfs.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/sqlite_db.h"

namespace lookout::testing {
namespace {

constexpr char kVfsName[] = "lookout-power-cut";
constexpr int64_t kSectorBytes = 512;

// One write or truncation no sync has covered yet: enough to take it back (the bytes and size
// it replaced) and to do it again (what it wrote).
struct Record {
  bool truncate = false;
  int64_t offset = 0;  // a write's position; a truncation's new size
  std::string data;    // what a write wrote
  int64_t old_size = 0;
  std::string old_bytes;  // the bytes at offset before (for a truncation: those it cut off)
};

struct TrackedFile {
  std::string path;
  dev_t dev = 0;
  ino_t ino = 0;
  int64_t written = 0;           // records made so far, numbered 1, 2, ...
  int64_t synced = 0;            // records up to this number are on the disk
  std::deque<Record> unsynced;   // records synced + 1 .. written, oldest first
  bool retired = false;          // after a cut: no longer recorded
  int64_t descriptor_syncs = 0;  // completed through fsync/fdatasync
  int64_t vfs_syncs = 0;         // completed through xSync
  int64_t header_writes = 0;     // writes at offset 0 (for a WAL: a new start of the log)
};

absl::Mutex g_mu;
std::string g_dir ABSL_GUARDED_BY(g_mu);
std::vector<std::shared_ptr<TrackedFile>> g_files ABSL_GUARDED_BY(g_mu);
// After a cut that keeps every write (kill -9), the writes no sync covered, by file name: the
// kernel still holds them unsynced, so in the copy they stay unsynced until a sync covers them.
std::map<std::string, std::deque<Record>> g_carried ABSL_GUARDED_BY(g_mu);

void MarkSynced(TrackedFile& file, int64_t through) ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_mu) {
  if (file.retired) return;
  while (file.synced < through && !file.unsynced.empty()) {
    file.unsynced.pop_front();
    ++file.synced;
  }
}

// The tracked file with this inode, if any.
std::shared_ptr<TrackedFile> FindByInode(dev_t dev, ino_t ino) ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_mu) {
  for (const auto& file : g_files) {
    if (!file->retired && file->dev == dev && file->ino == ino) return file;
  }
  return nullptr;
}

// fsync and fdatasync on a descriptor: syncs the kernel's copy, then marks what was written
// before the call as on the disk.
int SyncDescriptor(int fd, long syscall_number) {
  std::shared_ptr<TrackedFile> file;
  int64_t through = 0;
  struct stat info {};
  if (fstat(fd, &info) == 0) {
    absl::MutexLock lock(&g_mu);
    file = FindByInode(info.st_dev, info.st_ino);
    if (file != nullptr) through = file->written;
  }
  const long rc = syscall(syscall_number, fd);
  if (rc == 0 && file != nullptr) {
    absl::MutexLock lock(&g_mu);
    ++file->descriptor_syncs;
    MarkSynced(*file, through);
  }
  return static_cast<int>(rc);
}

struct CutFile {
  sqlite3_file base;  // first, so SQLite's sqlite3_file* is this object
  sqlite3_file* real;
  std::shared_ptr<TrackedFile> tracked;  // null: passes straight through
};

constexpr int kRealFileOffset =
    static_cast<int>((sizeof(CutFile) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
                     alignof(std::max_align_t));

sqlite3_vfs* Real(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
CutFile* Self(sqlite3_file* file) { return reinterpret_cast<CutFile*>(file); }
sqlite3_file* RealFile(sqlite3_file* file) { return Self(file)->real; }
const sqlite3_io_methods& RealMethods(sqlite3_file* file) { return *RealFile(file)->pMethods; }

// Records a change to a tracked file and makes it, atomically with respect to other changes,
// syncs' bookkeeping and a cut. `new_size` < 0 for a write.
int Change(sqlite3_file* file, const void* data, int amount, int64_t offset, bool truncate) {
  CutFile* self = Self(file);
  sqlite3_file* real = self->real;
  absl::MutexLock lock(&g_mu);
  TrackedFile& tracked = *self->tracked;
  if (tracked.retired) {
    return truncate ? real->pMethods->xTruncate(real, offset)
                    : real->pMethods->xWrite(real, data, amount, offset);
  }
  Record record;
  record.truncate = truncate;
  record.offset = offset;
  sqlite3_int64 size = 0;
  int rc = real->pMethods->xFileSize(real, &size);
  if (rc != SQLITE_OK) return rc;
  record.old_size = size;
  const int64_t end = truncate ? size : offset + amount;
  if (offset < std::min<int64_t>(end, size)) {
    record.old_bytes.resize(static_cast<size_t>(std::min<int64_t>(end, size) - offset));
    rc = real->pMethods->xRead(real, record.old_bytes.data(),
                               static_cast<int>(record.old_bytes.size()), offset);
    if (rc != SQLITE_OK) return rc;
  }
  if (truncate) {
    rc = real->pMethods->xTruncate(real, offset);
  } else {
    record.data.assign(static_cast<const char*>(data), static_cast<size_t>(amount));
    rc = real->pMethods->xWrite(real, data, amount, offset);
  }
  if (rc != SQLITE_OK) return rc;
  tracked.unsynced.push_back(std::move(record));
  ++tracked.written;
  if (!truncate && offset == 0) ++tracked.header_writes;
  return SQLITE_OK;
}

int Close(sqlite3_file* file) {
  CutFile* self = Self(file);
  const int rc = RealMethods(file).xClose(self->real);
  self->~CutFile();
  return rc;
}
int Read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  return RealMethods(file).xRead(RealFile(file), data, amount, offset);
}
int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  if (Self(file)->tracked == nullptr) {
    return RealMethods(file).xWrite(RealFile(file), data, amount, offset);
  }
  return Change(file, data, amount, offset, /*truncate=*/false);
}
int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (Self(file)->tracked == nullptr) return RealMethods(file).xTruncate(RealFile(file), size);
  return Change(file, nullptr, 0, size, /*truncate=*/true);
}
int Sync(sqlite3_file* file, int flags) {
  CutFile* self = Self(file);
  if (self->tracked == nullptr) return RealMethods(file).xSync(self->real, flags);
  int64_t through = 0;
  {
    absl::MutexLock lock(&g_mu);
    through = self->tracked->written;
  }
  const int rc = RealMethods(file).xSync(self->real, flags);
  if (rc == SQLITE_OK) {
    absl::MutexLock lock(&g_mu);
    ++self->tracked->vfs_syncs;
    MarkSynced(*self->tracked, through);
  }
  return rc;
}
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  return RealMethods(file).xFileSize(RealFile(file), size);
}
int Lock(sqlite3_file* file, int level) { return RealMethods(file).xLock(RealFile(file), level); }
int Unlock(sqlite3_file* file, int level) {
  return RealMethods(file).xUnlock(RealFile(file), level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return RealMethods(file).xCheckReservedLock(RealFile(file), out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  return RealMethods(file).xFileControl(RealFile(file), op, arg);
}
int SectorSize(sqlite3_file* file) { return RealMethods(file).xSectorSize(RealFile(file)); }
int DeviceCharacteristics(sqlite3_file* file) {
  return RealMethods(file).xDeviceCharacteristics(RealFile(file));
}
int ShmMap(sqlite3_file* file, int page, int page_size, int extend, void volatile** out) {
  return RealMethods(file).xShmMap(RealFile(file), page, page_size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return RealMethods(file).xShmLock(RealFile(file), offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { RealMethods(file).xShmBarrier(RealFile(file)); }
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return RealMethods(file).xShmUnmap(RealFile(file), delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return RealMethods(file).xFetch(RealFile(file), offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return RealMethods(file).xUnfetch(RealFile(file), offset, page);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

std::shared_ptr<TrackedFile> TrackIfInDir(const char* name) {
  absl::MutexLock lock(&g_mu);
  if (g_dir.empty() || !absl::StartsWith(name, g_dir)) return nullptr;
  struct stat info {};
  if (stat(name, &info) != 0) return nullptr;
  for (const auto& file : g_files) {
    if (file->retired || file->path != name) continue;
    if (file->dev == info.st_dev && file->ino == info.st_ino) return file;
    file->retired = true;  // removed and created again behind SQLite's back
  }
  auto file = std::make_shared<TrackedFile>();
  file->path = name;
  file->dev = info.st_dev;
  file->ino = info.st_ino;
  auto carried = g_carried.find(std::filesystem::path(name).filename().string());
  if (carried != g_carried.end()) {
    file->unsynced = std::move(carried->second);
    file->written = static_cast<int64_t>(file->unsynced.size());
    g_carried.erase(carried);
  }
  g_files.push_back(file);
  return file;
}

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* self = new (file) CutFile();
  self->base.pMethods = nullptr;
  self->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealFileOffset);
  const int rc = Real(vfs)->xOpen(Real(vfs), name, self->real, flags, out_flags);
  if (self->real->pMethods == nullptr) {
    self->~CutFile();
    return rc;
  }
  self->base.pMethods = &kMethods;
  constexpr int kDurableKinds = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL;
  if (rc == SQLITE_OK && name != nullptr && (flags & kDurableKinds) != 0) {
    self->tracked = TrackIfInDir(name);
  }
  return rc;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteWhole(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) std::abort();
}

void Undo(const Record& record, std::string& content) {
  content.resize(static_cast<size_t>(record.old_size), '\0');
  // Nothing to put back past the old end (a write there only grew the file).
  if (record.old_bytes.empty()) return;
  content.replace(static_cast<size_t>(record.offset), record.old_bytes.size(), record.old_bytes);
}

// Does `record` again; a torn write keeps only the sectors `keep_sector` says.
template <typename KeepSector>
void Redo(const Record& record, std::string& content, KeepSector keep_sector) {
  if (record.truncate) {
    content.resize(static_cast<size_t>(record.offset), '\0');
    return;
  }
  const int64_t end = record.offset + static_cast<int64_t>(record.data.size());
  int64_t from = record.offset;
  while (from < end) {
    const int64_t to = std::min(end, (from / kSectorBytes + 1) * kSectorBytes);
    if (keep_sector()) {
      if (static_cast<int64_t>(content.size()) < to) content.resize(static_cast<size_t>(to), '\0');
      content.replace(static_cast<size_t>(from), static_cast<size_t>(to - from), record.data,
                      static_cast<size_t>(from - record.offset), static_cast<size_t>(to - from));
    }
    from = to;
  }
}

}  // namespace

const char* LossName(Loss loss) {
  switch (loss) {
    case Loss::kAllUnsynced:
      return "all unsynced writes lost";
    case Loss::kPrefix:
      return "a prefix of the unsynced writes kept";
    case Loss::kTornSubset:
      return "a random subset of the unsynced writes kept, some torn";
    case Loss::kNone:
      return "every write kept, as after kill -9";
  }
  return "?";
}

PowerCut& PowerCut::Install() {
  static PowerCut* const instance = [] {
    // Registering initializes SQLite; the process-wide settings must come first.
    ConfigureSqliteOnce();
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    if (real == nullptr || real->iVersion < 2) std::abort();
    auto* vfs = new sqlite3_vfs{};
    vfs->iVersion = 2;
    vfs->szOsFile = kRealFileOffset + real->szOsFile;
    vfs->mxPathname = real->mxPathname;
    vfs->zName = kVfsName;
    vfs->pAppData = real;
    vfs->xOpen = Open;
    vfs->xDelete = +[](sqlite3_vfs* v, const char* name, int sync_dir) {
      const int rc = Real(v)->xDelete(Real(v), name, sync_dir);
      // A deleted file is forgotten: its inode number may come back for the next file created
      // (the rollback journal of a new database, deleted when it turns to WAL, and the WAL).
      absl::MutexLock lock(&g_mu);
      for (const auto& file : g_files) {
        if (file->path == name) file->retired = true;
      }
      return rc;
    };
    vfs->xAccess = +[](sqlite3_vfs* v, const char* name, int flags, int* out) {
      return Real(v)->xAccess(Real(v), name, flags, out);
    };
    vfs->xFullPathname = +[](sqlite3_vfs* v, const char* name, int size, char* out) {
      return Real(v)->xFullPathname(Real(v), name, size, out);
    };
    vfs->xDlOpen =
        +[](sqlite3_vfs* v, const char* name) { return Real(v)->xDlOpen(Real(v), name); };
    vfs->xDlError =
        +[](sqlite3_vfs* v, int size, char* out) { Real(v)->xDlError(Real(v), size, out); };
    vfs->xDlSym = +[](sqlite3_vfs* v, void* handle, const char* symbol) {
      return Real(v)->xDlSym(Real(v), handle, symbol);
    };
    vfs->xDlClose = +[](sqlite3_vfs* v, void* handle) { Real(v)->xDlClose(Real(v), handle); };
    vfs->xRandomness = +[](sqlite3_vfs* v, int size, char* out) {
      return Real(v)->xRandomness(Real(v), size, out);
    };
    vfs->xSleep = +[](sqlite3_vfs* v, int us) { return Real(v)->xSleep(Real(v), us); };
    vfs->xCurrentTime =
        +[](sqlite3_vfs* v, double* now) { return Real(v)->xCurrentTime(Real(v), now); };
    vfs->xGetLastError = +[](sqlite3_vfs* v, int size, char* out) {
      return Real(v)->xGetLastError(Real(v), size, out);
    };
    vfs->xCurrentTimeInt64 = +[](sqlite3_vfs* v, sqlite3_int64* now) {
      return Real(v)->xCurrentTimeInt64(Real(v), now);
    };
    if (sqlite3_vfs_register(vfs, /*makeDflt=*/1) != SQLITE_OK) std::abort();
    return new PowerCut();
  }();
  return *instance;
}

void PowerCut::Track(const std::string& dir) {
  // SQLite names files by their full path with symbolic links resolved.
  const std::string canonical = std::filesystem::canonical(dir).string() + "/";
  absl::MutexLock lock(&g_mu);
  for (const auto& file : g_files) file->retired = true;
  g_files.clear();
  g_dir = canonical;
}

CutReport PowerCut::Cut(const std::string& to_dir, Loss loss, std::mt19937_64& rng) {
  absl::MutexLock lock(&g_mu);
  CutReport report;
  std::filesystem::create_directories(to_dir);
  g_carried.clear();
  std::bernoulli_distribution coin(0.5), quarter(0.25);
  for (const auto& file : g_files) {
    if (file->retired) continue;
    ++report.files;
    std::string content = ReadWhole(file->path);
    // The content as of the last sync: every later change taken back, newest first.
    for (auto it = file->unsynced.rbegin(); it != file->unsynced.rend(); ++it) Undo(*it, content);
    // Then the changes the disk happened to keep, in the order they were made.
    const int64_t count = static_cast<int64_t>(file->unsynced.size());
    report.unsynced_writes += count;
    int64_t prefix = 0;
    if (loss == Loss::kPrefix) {
      prefix = std::uniform_int_distribution<int64_t>(0, count)(rng);
    }
    int64_t index = 0;
    for (const Record& record : file->unsynced) {
      bool keep = false, torn = false;
      switch (loss) {
        case Loss::kAllUnsynced:
          break;
        case Loss::kPrefix:
          keep = index < prefix;
          break;
        case Loss::kNone:
          keep = true;
          break;
        case Loss::kTornSubset:
          keep = coin(rng);
          torn = keep && !record.truncate &&
                 static_cast<int64_t>(record.data.size()) > kSectorBytes && quarter(rng);
          break;
      }
      ++index;
      if (!keep) continue;
      ++report.kept_writes;
      if (torn) {
        ++report.torn_writes;
        Redo(record, content, [&] { return coin(rng); });
      } else {
        Redo(record, content, [] { return true; });
      }
    }
    const std::string name = std::filesystem::path(file->path).filename().string();
    if (loss == Loss::kNone) g_carried[name] = file->unsynced;
    report.detail +=
        absl::StrCat(name, ": ", file->written, " writes, ", file->synced, " synced (",
                     file->vfs_syncs, " through SQLite's xSync, ", file->descriptor_syncs,
                     " fsync/fdatasync calls in all), ", file->header_writes, " at offset 0; ");
    WriteWhole(to_dir + "/" + name, content);
    // The shared-memory index beside a database: whatever it held (it is not a durable file;
    // SQLite rebuilds it from the WAL after a crash).
    if (!absl::EndsWith(file->path, "-wal") && std::filesystem::exists(file->path + "-shm")) {
      WriteWhole(to_dir + "/" + name + "-shm", ReadWhole(file->path + "-shm"));
    }
  }
  for (const auto& file : g_files) file->retired = true;
  g_files.clear();
  g_dir.clear();
  return report;
}

}  // namespace lookout::testing

// The stores fsync their WAL with fdatasync from a thread of their own, outside SQLite; these
// definitions take the place of the C library's in a test binary that links this file, so a
// sync the VFS does not see still counts.
extern "C" int fdatasync(int fd) { return lookout::testing::SyncDescriptor(fd, SYS_fdatasync); }
extern "C" int fsync(int fd) { return lookout::testing::SyncDescriptor(fd, SYS_fsync); }
