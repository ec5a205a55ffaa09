// The checks every call passes before the gateway does any work for it, in order: the API key
// (UNAUTHENTICATED), the route's role (PERMISSION_DENIED), a request-dependent role where the
// route has one, and the key's rate limit (RESOURCE_EXHAUSTED with the wait): one token of its
// call budget, and for a request that creates in bulk (ResolveActors with create_missing) one
// token of its import budget per name. ImportEvents streams pay their rows with PayImportRows.
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_ADMISSION_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_ADMISSION_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <functional>

#include "absl/status/statusor.h"
#include "common/metrics.h"
#include "services/gateway/access/access_control.h"
#include "services/gateway/access/rate_limiter.h"
#include "services/gateway/forwarding/route_table.h"

namespace lookout::gateway {

class Admission {
 public:
  // All must outlive this object; `import_limiter` (the import budget's buckets) and `metrics`
  // may be null: no import budget, no counts.
  Admission(const AccessControl* access, RateLimiter* limiter,
            RateLimiter* import_limiter = nullptr, MetricsRegistry* metrics = nullptr);

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
  // The same for a unary request: the call budget, then the import budget for the rows the
  // route counts in `request` (read before this returns). A request the import budget refuses
  // has spent its call token.
  void Limit(const Principal& principal, const Route& route, const grpc::ByteBuffer& request,
             std::function<void(grpc::Status)> done);

  // `rows` rows of the principal's import budget, all or none: `done` gets the decision (its
  // wait when refused), inline or on another thread. For an import stream's pacing.
  void PayImportRows(const Principal& principal, int64_t rows,
                     std::function<void(RateDecision)> done);

 private:
  void Count(Budget budget, Role role, bool allowed, double count = 1);

  const AccessControl* const access_;
  RateLimiter* const limiter_;
  RateLimiter* const import_limiter_;
  MetricsRegistry* const metrics_;
};

// Decisions of the rate limits, by budget ("calls", "imports"), role ("READER", "EDITOR",
// "ADMIN") and decision ("allowed", "refused"); for imports a paused stream counts as a refusal.
inline constexpr char kRateLimitDecisionsMetric[] = "lookout_gateway_rate_limit_decisions_total";

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_ADMISSION_H_
