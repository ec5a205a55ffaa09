// A real file system of a few MiB that a test can fill up: a tmpfs mounted on a fresh temporary
// directory, unmounted when the object goes. Writes past its size fail with ENOSPC, as on a full
// disk. Mounting needs root (CAP_SYS_ADMIN), which the test machines and CI have; without it
// error() says why and the test fails rather than skipping.
#ifndef LOOKOUT_TESTS_TESTING_SMALL_FILESYSTEM_H_
#define LOOKOUT_TESTS_TESTING_SMALL_FILESYSTEM_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "tests/testing/temp_dir.h"

namespace lookout::testing {

class SmallFilesystem {
 public:
  explicit SmallFilesystem(int64_t bytes);
  ~SmallFilesystem();
  SmallFilesystem(const SmallFilesystem&) = delete;
  SmallFilesystem& operator=(const SmallFilesystem&) = delete;

  // OK once mounted.
  const absl::Status& status() const { return status_; }
  std::string File(const std::string& name) const { return dir_.File(name); }

  // Bytes still free for files.
  int64_t FreeBytes() const;
  // Grows a filler file until the file system is full, then gives back `leave_free` bytes.
  absl::Status Fill(int64_t leave_free = 0);
  // Shrinks the filler file by `bytes` (all of it when larger).
  absl::Status Free(int64_t bytes);

 private:
  TempDir dir_;
  absl::Status status_;
  bool mounted_ = false;
};

}  // namespace lookout::testing

#endif  // LOOKOUT_TESTS_TESTING_SMALL_FILESYSTEM_H_
