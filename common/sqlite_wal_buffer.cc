#include "common/sqlite_wal_buffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

#include "common/sqlite_db.h"

namespace lookout {
namespace {

constexpr char kVfsName[] = "lookout-wal-buffer";

// The WAL format (sqlite.org/fileformat2.html#walformat): every frame starts with a 24-byte
// header, and bytes 4-7 of the header (big-endian) are non-zero only in a commit frame.
constexpr int kFrameHeaderBytes = 24;
// A transaction bigger than this is written in pieces (it cannot be published before its
// commit frame is written anyway).
constexpr size_t kMaxBufferBytes = size_t{8} << 20;
// The unix VFS writes at most 128 KiB - 1 per call (it masks the length to 17 bits and reports
// a write of a multiple of 128 KiB as a full disk), so the buffer goes out in pieces this big.
constexpr size_t kMaxWriteBytes = 120 << 10;

struct BufferedFile {
  sqlite3_file base;  // first, so SQLite's sqlite3_file* is this object
  sqlite3_file* real;  // the wrapped VFS's file, in the same allocation after this struct
  bool is_wal;
  bool flush_after_next_write;
  sqlite3_int64 buffer_offset;  // file offset of buffer[0]
  std::string buffer;
  // A WAL file's database file and the other way round, so that the database file's shared
  // memory barrier can write its WAL's buffer (see ShmBarrier).
  BufferedFile* database;
  BufferedFile* wal;
};

// SQLite allocates szOsFile bytes for each file; ours are followed by the wrapped VFS's.
constexpr int kRealFileOffset =
    static_cast<int>((sizeof(BufferedFile) + alignof(std::max_align_t) - 1) /
                     alignof(std::max_align_t) * alignof(std::max_align_t));

sqlite3_vfs* Real(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
BufferedFile* Self(sqlite3_file* file) { return reinterpret_cast<BufferedFile*>(file); }
const sqlite3_io_methods& RealMethods(sqlite3_file* file) { return *Self(file)->real->pMethods; }

bool IsCommitFrameHeader(const void* data) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

// The errno of the last buffer write that failed on this thread, until a write succeeds (see
// LastWalWriteErrno). Also what xGetLastError reports meanwhile, for sqlite3_system_errno.
thread_local int t_failed_write_errno = 0;

int FailedWriteErrno(sqlite3_file* real, int rc) {
  // The unix VFS reports ENOSPC as SQLITE_FULL and clears its own record of the errno.
  if ((rc & 0xff) == SQLITE_FULL) return ENOSPC;
  int last_errno = 0;
  if (real->pMethods->xFileControl(real, SQLITE_FCNTL_LAST_ERRNO, &last_errno) == SQLITE_OK &&
      last_errno != 0) {
    return last_errno;
  }
  return EIO;
}

// Writes the buffer. On failure what could not be written is dropped: every failure is reported
// to SQLite as an I/O error, which rolls the whole transaction back (a failed COMMIT rolls back
// too), so the frames belong to a transaction that will never commit. Kept, they would be
// written by the writer's next call and leave a complete, valid copy of that transaction after
// the last commit in the file, which recovery after a crash would replay. `keep_on_failure` is
// for the one caller that cannot report the failure (see ShmBarrier).
int Flush(BufferedFile* file, bool keep_on_failure = false) {
  if (file->buffer.empty()) return SQLITE_OK;
  size_t written = 0;
  int rc = SQLITE_OK;
  while (written < file->buffer.size()) {
    const size_t size = std::min(kMaxWriteBytes, file->buffer.size() - written);
    rc = file->real->pMethods->xWrite(file->real, file->buffer.data() + written,
                                      static_cast<int>(size),
                                      file->buffer_offset + static_cast<sqlite3_int64>(written));
    if (rc != SQLITE_OK) break;
    written += size;
  }
  if (rc != SQLITE_OK && !keep_on_failure) written = file->buffer.size();
  file->buffer.erase(0, written);
  file->buffer_offset += static_cast<sqlite3_int64>(written);
  if (rc == SQLITE_OK) {
    t_failed_write_errno = 0;
    return SQLITE_OK;
  }
  file->flush_after_next_write = false;
  t_failed_write_errno = FailedWriteErrno(file->real, rc);
  // Reported as a failed write whichever call it surfaces in: SQLITE_FULL would make SQLite
  // undo only the statement and go on with a transaction whose frames were dropped.
  return SQLITE_IOERR_WRITE;
}

int Close(sqlite3_file* file) {
  BufferedFile* self = Self(file);
  // Anything still buffered belongs to no commit (a commit writes its buffer before it is
  // published); written anyway, so the file is as SQLite left it.
  const int flushed = Flush(self);
  if (self->database != nullptr) self->database->wal = nullptr;
  if (self->wal != nullptr) self->wal->database = nullptr;
  const int closed = RealMethods(file).xClose(self->real);
  self->~BufferedFile();
  return flushed != SQLITE_OK ? flushed : closed;
}

// Every call but a write that looks at or changes the file sees it with the buffer written.
template <typename Fn>
int Flushed(sqlite3_file* file, Fn call) {
  const int rc = Flush(Self(file));
  return rc != SQLITE_OK ? rc : call(Self(file)->real);
}

int Read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  return Flushed(file, [&](sqlite3_file* real) {
    return real->pMethods->xRead(real, data, amount, offset);
  });
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  BufferedFile* self = Self(file);
  if (!self->is_wal) return RealMethods(file).xWrite(self->real, data, amount, offset);
  if (!self->buffer.empty() &&
      offset != self->buffer_offset + static_cast<sqlite3_int64>(self->buffer.size())) {
    const int rc = Flush(self);
    if (rc != SQLITE_OK) return rc;
  }
  const bool commit_header = amount == kFrameHeaderBytes && IsCommitFrameHeader(data);
  if (commit_header && self->buffer.empty()) {
    // Either a commit of one frame or SQLite rewriting the checksums of frames it overwrote
    // (walRewriteChecksums reads each frame, then writes its header, the commit frame's last):
    // no page write may follow, so the header is written now and its failure fails the commit.
    const int rc = RealMethods(file).xWrite(self->real, data, amount, offset);
    if (rc == SQLITE_OK) {
      t_failed_write_errno = 0;
      self->flush_after_next_write = true;
      return SQLITE_OK;
    }
    t_failed_write_errno = FailedWriteErrno(self->real, rc);
    return SQLITE_IOERR_WRITE;
  }
  if (self->buffer.empty()) self->buffer_offset = offset;
  self->buffer.append(static_cast<const char*>(data), static_cast<size_t>(amount));
  // The page after a commit frame's header completes the transaction: write it out now, before
  // SQLite publishes the commit to readers through the WAL index.
  const bool flush = self->flush_after_next_write || self->buffer.size() >= kMaxBufferBytes;
  self->flush_after_next_write = commit_header;
  return flush ? Flush(self) : SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  return Flushed(file, [&](sqlite3_file* real) { return real->pMethods->xTruncate(real, size); });
}
int Sync(sqlite3_file* file, int flags) {
  return Flushed(file, [&](sqlite3_file* real) { return real->pMethods->xSync(real, flags); });
}
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  return Flushed(file, [&](sqlite3_file* real) { return real->pMethods->xFileSize(real, size); });
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  return Flushed(file,
                 [&](sqlite3_file* real) { return real->pMethods->xFileControl(real, op, arg); });
}
int Lock(sqlite3_file* file, int level) { return RealMethods(file).xLock(Self(file)->real, level); }
int Unlock(sqlite3_file* file, int level) {
  return RealMethods(file).xUnlock(Self(file)->real, level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return RealMethods(file).xCheckReservedLock(Self(file)->real, out);
}
int SectorSize(sqlite3_file* file) { return RealMethods(file).xSectorSize(Self(file)->real); }
int DeviceCharacteristics(sqlite3_file* file) {
  return RealMethods(file).xDeviceCharacteristics(Self(file)->real);
}
int ShmMap(sqlite3_file* file, int page, int page_size, int extend, void volatile** out) {
  return RealMethods(file).xShmMap(Self(file)->real, page, page_size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return RealMethods(file).xShmLock(Self(file)->real, offset, n, flags);
}
// SQLite publishes a commit by writing the WAL index header twice with this barrier between
// the copies (walIndexWriteHdr), after writing every frame. Write() has written a commit's
// frames by then; should any still be buffered (a write order this file does not foresee), they
// are written here, before the commit is visible. A barrier returns nothing: a failure there
// keeps them buffered (they may belong to a commit being published) and fails the WAL's next
// call, which writes them again.
void ShmBarrier(sqlite3_file* file) {
  BufferedFile* self = Self(file);
  if (self->wal != nullptr) Flush(self->wal, /*keep_on_failure=*/true);
  RealMethods(file).xShmBarrier(self->real);
}
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return RealMethods(file).xShmUnmap(Self(file)->real, delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return Flushed(file, [&](sqlite3_file* real) {
    return real->pMethods->xFetch(real, offset, amount, out);
  });
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return RealMethods(file).xUnfetch(Self(file)->real, offset, page);
}

const sqlite3_io_methods kMethods = {
    3,        Close,        Read,           Write,      Truncate,   Sync,
    FileSize, Lock,         Unlock,         CheckReservedLock,      FileControl,
    SectorSize, DeviceCharacteristics,      ShmMap,     ShmLock,    ShmBarrier,
    ShmUnmap, Fetch,        Unfetch,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* self = new (file) BufferedFile();
  self->base.pMethods = nullptr;
  self->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealFileOffset);
  self->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = Real(vfs)->xOpen(Real(vfs), name, self->real, flags, out_flags);
  if (self->real->pMethods == nullptr) {
    // SQLite calls no method of a file whose pMethods is null, xClose included.
    self->~BufferedFile();
    return rc;
  }
  if (self->real->pMethods->iVersion < kMethods.iVersion) {
    // Every method of ours forwards to the same method of the wrapped file (unix: version 3).
    self->real->pMethods->xClose(self->real);
    self->~BufferedFile();
    return SQLITE_CANTOPEN;
  }
  self->base.pMethods = &kMethods;
  if (self->is_wal) {
    // The database file was opened first, through this VFS: SQLite opens a WAL only for a
    // database it has open.
    sqlite3_file* database = sqlite3_database_file_object(name);
    if (database != nullptr && database->pMethods == &kMethods) {
      self->database = Self(database);
      self->database->wal = self;
    }
  }
  return rc;
}

sqlite3_vfs* Register() {
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  // Version 2 has every VFS method forwarded below (unix, Debian's default, is version 3).
  if (real == nullptr || real->iVersion < 2) std::abort();
  auto* vfs = new sqlite3_vfs{};
  vfs->iVersion = 2;
  vfs->szOsFile = kRealFileOffset + real->szOsFile;
  vfs->mxPathname = real->mxPathname;
  vfs->zName = kVfsName;
  vfs->pAppData = real;
  vfs->xOpen = Open;
  vfs->xDelete = +[](sqlite3_vfs* v, const char* name, int sync_dir) {
    return Real(v)->xDelete(Real(v), name, sync_dir);
  };
  vfs->xAccess = +[](sqlite3_vfs* v, const char* name, int flags, int* out) {
    return Real(v)->xAccess(Real(v), name, flags, out);
  };
  vfs->xFullPathname = +[](sqlite3_vfs* v, const char* name, int size, char* out) {
    return Real(v)->xFullPathname(Real(v), name, size, out);
  };
  vfs->xDlOpen = +[](sqlite3_vfs* v, const char* name) { return Real(v)->xDlOpen(Real(v), name); };
  vfs->xDlError = +[](sqlite3_vfs* v, int size, char* out) {
    Real(v)->xDlError(Real(v), size, out);
  };
  vfs->xDlSym = +[](sqlite3_vfs* v, void* handle, const char* symbol) {
    return Real(v)->xDlSym(Real(v), handle, symbol);
  };
  vfs->xDlClose = +[](sqlite3_vfs* v, void* handle) { Real(v)->xDlClose(Real(v), handle); };
  vfs->xRandomness = +[](sqlite3_vfs* v, int size, char* out) {
    return Real(v)->xRandomness(Real(v), size, out);
  };
  vfs->xSleep = +[](sqlite3_vfs* v, int us) { return Real(v)->xSleep(Real(v), us); };
  vfs->xCurrentTime = +[](sqlite3_vfs* v, double* now) {
    return Real(v)->xCurrentTime(Real(v), now);
  };
  vfs->xGetLastError = +[](sqlite3_vfs* v, int size, char* out) {
    if (t_failed_write_errno != 0) return t_failed_write_errno;
    return Real(v)->xGetLastError(Real(v), size, out);
  };
  vfs->xCurrentTimeInt64 = +[](sqlite3_vfs* v, sqlite3_int64* now) {
    return Real(v)->xCurrentTimeInt64(Real(v), now);
  };
  if (sqlite3_vfs_register(vfs, /*makeDflt=*/0) != SQLITE_OK) std::abort();
  return vfs;
}

}  // namespace

int LastWalWriteErrno() { return t_failed_write_errno; }

const char* WalWriteBufferVfs() {
  // Registering initializes SQLite, after which process-wide settings can no longer change.
  ConfigureSqliteOnce();
  static sqlite3_vfs* const vfs = Register();
  return vfs->zName;
}

}  // namespace lookout
