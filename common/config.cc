#include "common/config.h"

#include <cstdlib>
#include <iostream>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lookout {

std::string EnvNameForFlag(absl::string_view flag_name) {
  return absl::StrCat("LOOKOUT_", absl::AsciiStrToUpper(flag_name));
}

void ParseFlagsWithEnv(int argc, char** argv, absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);
  // The environment is applied first so the command line, parsed next, wins.
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const char* value = std::getenv(EnvNameForFlag(name).c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::cerr << "invalid configuration: " << EnvNameForFlag(name) << ": " << error << "\n";
      std::exit(2);
    }
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::cerr << "invalid configuration: unexpected argument \"" << rest[1]
              << "\" (flags look like --name=value)\n";
    std::exit(2);
  }
}

void ConfigErrors::Add(absl::string_view flag, absl::string_view rule) {
  errors_.push_back(absl::StrCat("--", flag, " (", EnvNameForFlag(flag), "): ", rule));
}

void ConfigErrors::CheckPort(absl::string_view flag, int port, bool allow_zero) {
  if (port < (allow_zero ? 0 : 1) || port > 65535) {
    Add(flag, absl::StrCat("must be a port number in ", allow_zero ? 0 : 1, "..65535, got ",
                           port));
  }
}

void ConfigErrors::CheckPositive(absl::string_view flag, double value) {
  if (!(value > 0)) Add(flag, absl::StrCat("must be greater than 0, got ", value));
}

void ConfigErrors::CheckNonEmpty(absl::string_view flag, absl::string_view value) {
  if (value.empty()) Add(flag, "must be set");
}

void ConfigErrors::ExitIfAny() const {
  if (errors_.empty()) return;
  for (const std::string& e : errors_) std::cerr << "invalid configuration: " << e << "\n";
  std::exit(2);
}

}  // namespace lookout
