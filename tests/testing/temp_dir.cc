#include "tests/testing/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace lookout::testing {

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/lookout-test-XXXXXX";
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace lookout::testing
