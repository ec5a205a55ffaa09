// API key roles as the access rules of API.md define them: READER < EDITOR < ADMIN, each role
// allowed everything the ones below it are.
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_ROLE_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_ROLE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "lookout/gateway/v1/gateway_service.pb.h"

namespace lookout::gateway {

using Role = v1::Role;

// "READER", "reader", "ROLE_READER" -> ROLE_READER; nullopt for anything else (UNSPECIFIED too).
std::optional<Role> ParseRole(absl::string_view text);

// "READER", "EDITOR", "ADMIN" (the form used in keys files, metadata and messages).
std::string RoleName(Role role);

// True when a key with role `held` may call a method that needs `needed`.
inline bool RoleSatisfies(Role held, Role needed) {
  return held != v1::ROLE_UNSPECIFIED && static_cast<int>(held) >= static_cast<int>(needed);
}

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_ROLE_H_
