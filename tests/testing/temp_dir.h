// A fresh directory under $TMPDIR for one test, removed afterwards.
#ifndef LOOKOUT_TESTS_TESTING_TEMP_DIR_H_
#define LOOKOUT_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace lookout::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace lookout::testing

#endif  // LOOKOUT_TESTS_TESTING_TEMP_DIR_H_
