// Flags with LOOKOUT_* environment overrides. A flag `--data_dir` may also be set by
// LOOKOUT_DATA_DIR; a flag given on the command line wins over the environment.
#ifndef LOOKOUT_COMMON_CONFIG_H_
#define LOOKOUT_COMMON_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lookout {

// Applies environment overrides, then parses the command line. Exits with status 2 and one clear
// line on stderr when an environment value does not parse or positional arguments remain.
void ParseFlagsWithEnv(int argc, char** argv, absl::string_view usage);

// "data_dir" -> "LOOKOUT_DATA_DIR".
std::string EnvNameForFlag(absl::string_view flag_name);

// Collects start-up validation failures so all are reported at once.
class ConfigErrors {
 public:
  void Add(absl::string_view flag, absl::string_view rule);
  void CheckPort(absl::string_view flag, int port, bool allow_zero);
  void CheckPositive(absl::string_view flag, double value);
  void CheckNonEmpty(absl::string_view flag, absl::string_view value);
  bool ok() const { return errors_.empty(); }
  // Prints "invalid configuration: ..." lines to stderr and exits 2 unless ok().
  void ExitIfAny() const;

 private:
  std::vector<std::string> errors_;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_CONFIG_H_
