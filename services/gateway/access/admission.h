// The checks every call passes before the gateway does any work for it, in order: the API key
// (UNAUTHENTICATED), the route's role (PERMISSION_DENIED), a request-dependent role where the
// route has one, and the key's rate limit (RESOURCE_EXHAUSTED with the wait).
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_ADMISSION_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_ADMISSION_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <functional>

#include "absl/status/statusor.h"
#include "services/gateway/access/access_control.h"
#include "services/gateway/access/rate_limiter.h"
#include "services/gateway/forwarding/route_table.h"

namespace lookout::gateway {

class Admission {
 public:
  // Both must outlive this object.
  Admission(const AccessControl* access, RateLimiter* limiter)
      : access_(access), limiter_(limiter) {}

  // The key and the route's least role; from metadata only, so it runs before any read.
  absl::StatusOr<Principal> Identify(const grpc::ServerContextBase& context,
                                     const Route& route) const;

  // The route's request-dependent role rule, if it has one.
  absl::Status CheckRequest(const Principal& principal, const Route& route,
                            const grpc::ByteBuffer& request) const;

  // A watch that runs `on_revoked` if the principal's key is revoked, or loses the route's
  // least role, while a stream uses it.
  std::unique_ptr<KeyWatch> WatchKey(const Principal& principal, const Route& route,
                                     KeyWatch::OnRevoked on_revoked) const {
    return access_->WatchKey(principal, route.min_role, std::move(on_revoked));
  }

  // The rate limit; `done` gets OK or RESOURCE_EXHAUSTED (with RetryInfo), inline or later on
  // another thread.
  void Limit(const Principal& principal, std::function<void(grpc::Status)> done);

 private:
  const AccessControl* const access_;
  RateLimiter* const limiter_;
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_ADMISSION_H_
