#include "services/gateway/access/access_control.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace lookout::gateway {

absl::string_view BearerToken(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, kScheme)) {
    return "";
  }
  return absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
}

absl::StatusOr<Principal> AccessControl::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return absl::UnauthenticatedError(kUnauthenticatedMessage);
  absl::string_view key = BearerToken(absl::string_view(it->second.data(), it->second.size()));
  std::shared_ptr<const ApiKeyRecord> record = keys_->Find(key);
  if (record == nullptr) return absl::UnauthenticatedError(kUnauthenticatedMessage);
  Principal principal;
  principal.name = record->name;
  principal.role = record->role;
  principal.key_sha256 = record->sha256_hex;
  principal.limit =
      record->rate_limit.has_value() ? *record->rate_limit : limits_.For(record->role);
  principal.import_limit =
      record->import_limit.has_value() ? *record->import_limit : import_limits_.For(record->role);
  return principal;
}

absl::Status AccessControl::Authorize(const Principal& principal, Role needed,
                                      absl::string_view path) {
  if (RoleSatisfies(principal.role, needed)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("role ", RoleName(principal.role),
                                                  " may not call ", path, " (needs ",
                                                  RoleName(needed), " or above)"));
}

}  // namespace lookout::gateway
