// The command line after the program name: positional words and --flags, in any order.
// `--name value` and `--name=value` both work; flags listed as boolean take no value.
#ifndef LOOKOUT_CLI_APP_ARGS_H_
#define LOOKOUT_CLI_APP_ARGS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace lookout::cli {

class Args {
 public:
  // INVALID_ARGUMENT for a value flag without its value.
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(absl::string_view name) const;
  // The last value given for `name`.
  std::optional<std::string> Get(absl::string_view name) const;
  std::string GetOr(absl::string_view name, absl::string_view fallback) const;
  // Every value given for `name`, each split on commas ("--type a,b --type c" -> a, b, c).
  std::vector<std::string> GetList(absl::string_view name) const;
  // A boolean flag: given, and not "--name=false".
  bool Flag(absl::string_view name) const;

  // INVALID_ARGUMENT naming the first flag that is not in `allowed` (global flags always are).
  absl::Status CheckAllowed(absl::Span<const absl::string_view> allowed,
                            absl::string_view command) const;

  // Flags every command accepts.
  static absl::Span<const absl::string_view> GlobalFlags();

 private:
  std::vector<std::string> positional_;
  std::vector<std::pair<std::string, std::string>> flags_;
};

}  // namespace lookout::cli

#endif  // LOOKOUT_CLI_APP_ARGS_H_
