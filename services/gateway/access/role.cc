#include "services/gateway/access/role.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace lookout::gateway {

std::optional<Role> ParseRole(absl::string_view text) {
  std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  absl::string_view name = upper;
  absl::ConsumePrefix(&name, "ROLE_");
  if (name == "READER") return v1::ROLE_READER;
  if (name == "EDITOR") return v1::ROLE_EDITOR;
  if (name == "ADMIN") return v1::ROLE_ADMIN;
  return std::nullopt;
}

std::string RoleName(Role role) {
  switch (role) {
    case v1::ROLE_READER:
      return "READER";
    case v1::ROLE_EDITOR:
      return "EDITOR";
    case v1::ROLE_ADMIN:
      return "ADMIN";
    default:
      return "NONE";
  }
}

}  // namespace lookout::gateway
