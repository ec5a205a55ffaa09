#include "tests/testing/small_filesystem.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace lookout::testing {
namespace {

constexpr char kFiller[] = "filler";

}  // namespace

SmallFilesystem::SmallFilesystem(int64_t bytes) {
  const std::string options = absl::StrCat("size=", bytes, ",mode=0700");
  if (mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    status_ = absl::FailedPreconditionError(
        absl::StrCat("mounting a ", bytes, "-byte tmpfs on ", dir_.path(),
                     " failed (this test needs root): ", std::strerror(errno)));
    return;
  }
  mounted_ = true;
}

SmallFilesystem::~SmallFilesystem() {
  // Lazy: a file still open (a crashed test's database) cannot keep the mount alive.
  if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
}

int64_t SmallFilesystem::FreeBytes() const {
  struct statvfs info {};
  if (statvfs(dir_.path().c_str(), &info) != 0) return -1;
  return static_cast<int64_t>(info.f_bavail) * static_cast<int64_t>(info.f_frsize);
}

absl::Status SmallFilesystem::Fill(int64_t leave_free) {
  const std::string path = File(kFiller);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat(path, ": ", std::strerror(errno)));
  const std::string chunk(64 << 10, 'f');
  while (true) {
    const ssize_t written = write(fd, chunk.data(), chunk.size());
    if (written < 0) {
      const int error = errno;
      close(fd);
      if (error != ENOSPC) return absl::InternalError(std::strerror(error));
      break;
    }
    if (written == 0) break;
  }
  close(fd);
  return leave_free > 0 ? Free(leave_free) : absl::OkStatus();
}

absl::Status SmallFilesystem::Free(int64_t bytes) {
  const std::string path = File(kFiller);
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    return absl::InternalError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  const int64_t size = std::max<int64_t>(0, static_cast<int64_t>(info.st_size) - bytes);
  if (truncate(path.c_str(), size) != 0) {
    return absl::InternalError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace lookout::testing
