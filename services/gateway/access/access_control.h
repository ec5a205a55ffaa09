// Who is calling and may they: the API key from "authorization: Bearer <key>", its role against
// the route's needed role, and the rate limit that applies to the key.
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_ACCESS_CONTROL_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_ACCESS_CONTROL_H_

#include <grpcpp/server_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/access/api_keys.h"
#include "services/gateway/access/rate_limit.h"
#include "services/gateway/access/role.h"

namespace lookout::gateway {

struct Principal {
  std::string name;  // the key's name, passed to backends and returned by WhoAmI
  std::string key_sha256;  // which key, to notice its revocation during a stream
  Role role = v1::ROLE_UNSPECIFIED;
  RateLimit limit;         // the call budget
  RateLimit import_limit;  // the import budget, in rows
};

// The same message for a missing, malformed, forged or revoked key, so an answer never tells
// whether a key exists.
inline constexpr char kUnauthenticatedMessage[] =
    "missing or invalid API key: send the metadata \"authorization: Bearer <key>\"";

class AccessControl {
 public:
  // `keys` must outlive this object.
  AccessControl(const ApiKeyRing* keys, RoleRateLimits limits,
                RoleRateLimits import_limits = RoleRateLimits(Budget::kImports))
      : keys_(keys), limits_(std::move(limits)), import_limits_(std::move(import_limits)) {}

  // UNAUTHENTICATED (kUnauthenticatedMessage) unless the call carries a configured key.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;

  // Runs `on_revoked` when a keys reload drops the principal's key, or leaves it below `needed`
  // (see ApiKeyRing::Watch).
  std::unique_ptr<KeyWatch> WatchKey(const Principal& principal, Role needed,
                                     KeyWatch::OnRevoked on_revoked) const {
    return keys_->Watch(principal.key_sha256, needed, std::move(on_revoked));
  }

  // PERMISSION_DENIED naming the role held and the role needed.
  static absl::Status Authorize(const Principal& principal, Role needed, absl::string_view path);

 private:
  const ApiKeyRing* const keys_;
  const RoleRateLimits limits_;
  const RoleRateLimits import_limits_;
};

// The key in an "authorization" value ("Bearer <key>", scheme case-insensitive), or "".
absl::string_view BearerToken(absl::string_view authorization);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_ACCESS_CONTROL_H_
