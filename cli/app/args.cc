#include "cli/app/args.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lookout::cli {
namespace {

// Flags that take no value.
constexpr absl::string_view kBooleanFlags[] = {
    "help",   "quiet",     "dry-run",        "repair-ranges",
    "all",    "fill-gaps", "create-missing", "civilian-targeting",
    "follow", "tls"};

constexpr absl::string_view kGlobalFlags[] = {
    "addr", "api-key",    "output",         "timeout",    "quiet",
    "help", "event-addr", "actor-addr",     "stats-addr", "internal-token",
    "tls",  "ca-cert",    "tls-server-name"};

bool IsBoolean(absl::string_view name) {
  return std::find(std::begin(kBooleanFlags), std::end(kBooleanFlags), name) !=
         std::end(kBooleanFlags);
}

}  // namespace

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv) {
  Args args;
  bool only_positional = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (only_positional || word == "-" || !absl::StartsWith(word, "-")) {
      args.positional_.push_back(word);
      continue;
    }
    if (word == "--") {
      only_positional = true;
      continue;
    }
    std::string name = word.substr(word.rfind("--", 0) == 0 ? 2 : 1);
    if (name == "o") name = "output";
    if (name == "h") name = "help";
    const size_t equals = name.find('=');
    if (equals != std::string::npos) {
      args.flags_.emplace_back(name.substr(0, equals), name.substr(equals + 1));
      continue;
    }
    if (IsBoolean(name)) {
      args.flags_.emplace_back(name, "true");
      continue;
    }
    if (i + 1 >= argv.size()) {
      return absl::InvalidArgumentError(absl::StrCat("the flag --", name, " needs a value"));
    }
    args.flags_.emplace_back(name, argv[++i]);
  }
  return args;
}

bool Args::Has(absl::string_view name) const {
  return std::any_of(flags_.begin(), flags_.end(),
                     [&](const auto& flag) { return flag.first == name; });
}

bool Args::Flag(absl::string_view name) const {
  std::optional<std::string> value = Get(name);
  return value.has_value() && *value != "false" && *value != "0";
}

std::optional<std::string> Args::Get(absl::string_view name) const {
  std::optional<std::string> value;
  for (const auto& [flag, flag_value] : flags_) {
    if (flag == name) value = flag_value;
  }
  return value;
}

std::string Args::GetOr(absl::string_view name, absl::string_view fallback) const {
  std::optional<std::string> value = Get(name);
  return value ? *value : std::string(fallback);
}

std::vector<std::string> Args::GetList(absl::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [flag, value] : flags_) {
    if (flag != name) continue;
    for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      values.emplace_back(absl::StripAsciiWhitespace(part));
    }
  }
  return values;
}

absl::Status Args::CheckAllowed(absl::Span<const absl::string_view> allowed,
                                absl::string_view command) const {
  for (const auto& [flag, value] : flags_) {
    const bool known =
        std::find(allowed.begin(), allowed.end(), flag) != allowed.end() ||
        std::find(std::begin(kGlobalFlags), std::end(kGlobalFlags), flag) != std::end(kGlobalFlags);
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", flag, " for '", command,
                                                     "' (see 'lookout help ",
                                                     command.substr(0, command.find(' ')), "')"));
    }
  }
  return absl::OkStatus();
}

absl::Span<const absl::string_view> Args::GlobalFlags() { return kGlobalFlags; }

}  // namespace lookout::cli
