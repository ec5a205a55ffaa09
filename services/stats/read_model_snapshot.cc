#include "services/stats/read_model_snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/stats/crc32c.h"
#include "services/stats/snapshot_codec.h"

namespace lookout::stats {
namespace {

constexpr char kMagic[8] = {'L', 'K', 'S', 'T', 'A', 'T', 'R', 'M'};

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, const std::string& bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status FsyncDirectory(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open directory", dir);
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return Errno("cannot fsync directory", dir);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SnapshotInfo> WriteSnapshot(const ReadModel& model, const std::string& path) {
  std::string bytes(kSnapshotHeaderBytes, '\0');
  const absl::Time copy_start = absl::Now();
  SnapshotInfo info = model.ReadAt([&](const EventColumns& columns, const LogPosition& position) {
    // About 70 bytes per slot: one allocation instead of a doubling series.
    bytes.reserve(kSnapshotHeaderBytes + size_t{columns.slot_count()} * 80 + (1 << 20));
    SnapshotWriter out(&bytes);
    out.PutString(position.change_log_id);
    out.Put<int64_t>(position.sequence);
    out.PutString(position.etag);
    columns.SaveTo(out);
    return SnapshotInfo{position, columns.live_count(), 0, 0};
  });
  info.locked_seconds = absl::ToDoubleSeconds(absl::Now() - copy_start);
  const uint64_t body_bytes = bytes.size() - kSnapshotHeaderBytes;
  const uint32_t crc = Crc32c(0, bytes.data() + kSnapshotHeaderBytes, body_bytes);
  std::memcpy(bytes.data(), kMagic, 8);
  std::memcpy(bytes.data() + 8, &kSnapshotFormatVersion, 4);
  std::memcpy(bytes.data() + 12, &crc, 4);
  std::memcpy(bytes.data() + 16, &body_bytes, 8);
  info.file_bytes = bytes.size();

  // The process id keeps two processes sharing a directory from writing one temporary file.
  const std::string temporary = absl::StrCat(path, ".tmp.", ::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", temporary);
  absl::Status written = WriteAll(fd, bytes, temporary);
  if (written.ok() && ::fsync(fd) != 0) written = Errno("cannot fsync", temporary);
  if (::close(fd) != 0 && written.ok()) written = Errno("cannot close", temporary);
  if (written.ok() && ::rename(temporary.c_str(), path.c_str()) != 0) {
    written = Errno("cannot rename to " + path + ":", temporary);
  }
  if (!written.ok()) {
    ::unlink(temporary.c_str());
    return written;
  }
  if (absl::Status synced = FsyncDirectory(path); !synced.ok()) return synced;
  return info;
}

absl::StatusOr<SnapshotInfo> LoadSnapshot(const std::string& path, ReadModel* model) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no snapshot at ", path));
    return Errno("cannot open", path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno("cannot stat", path);
  }
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(done);

  if (bytes.size() < kSnapshotHeaderBytes) {
    return absl::DataLossError(absl::StrCat("truncated: ", bytes.size(),
                                            " bytes, shorter than the header (",
                                            kSnapshotHeaderBytes, ")"));
  }
  if (std::memcmp(bytes.data(), kMagic, 8) != 0) {
    return absl::DataLossError("not a read-model snapshot (wrong magic bytes)");
  }
  uint32_t version, crc;
  uint64_t body_bytes;
  std::memcpy(&version, bytes.data() + 8, 4);
  std::memcpy(&crc, bytes.data() + 12, 4);
  std::memcpy(&body_bytes, bytes.data() + 16, 8);
  if (version != kSnapshotFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat("format version ", version,
                                                      ", this build reads version ",
                                                      kSnapshotFormatVersion));
  }
  const uint64_t have = bytes.size() - kSnapshotHeaderBytes;
  if (have < body_bytes) {
    return absl::DataLossError(
        absl::StrCat("truncated: the body has ", have, " of its ", body_bytes, " bytes"));
  }
  if (have > body_bytes) {
    return absl::DataLossError(
        absl::StrCat("corrupt: ", have - body_bytes, " bytes after the body's ", body_bytes));
  }
  const uint32_t actual = Crc32c(0, bytes.data() + kSnapshotHeaderBytes, body_bytes);
  if (actual != crc) {
    return absl::DataLossError(absl::StrCat("corrupt: the body's CRC-32C is ", actual,
                                            ", the header says ", crc));
  }

  SnapshotReader in(absl::string_view(bytes).substr(kSnapshotHeaderBytes));
  SnapshotInfo info;
  if (!in.GetString(&info.position.change_log_id) || !in.Get(&info.position.sequence) ||
      !in.GetString(&info.position.etag) || info.position.sequence < 0) {
    return absl::DataLossError("corrupt: the position is unreadable");
  }
  auto columns = std::make_unique<EventColumns>();
  if (absl::Status loaded = columns->LoadFrom(in); !loaded.ok()) {
    return absl::DataLossError(absl::StrCat("corrupt: ", loaded.message()));
  }
  if (!in.at_end()) return absl::DataLossError("corrupt: bytes left after the columns");
  info.events = columns->live_count();
  info.file_bytes = bytes.size();
  bytes.clear();
  bytes.shrink_to_fit();
  if (!model->Restore(std::move(columns), info.position)) {
    return absl::FailedPreconditionError("the read model is not empty");
  }
  return info;
}

}  // namespace lookout::stats
