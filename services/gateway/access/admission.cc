#include "services/gateway/access/admission.h"

#include "absl/strings/str_cat.h"
#include "services/gateway/access/retry_info.h"

namespace lookout::gateway {

absl::StatusOr<Principal> Admission::Identify(const grpc::ServerContextBase& context,
                                              const Route& route) const {
  absl::StatusOr<Principal> principal = access_->Authenticate(context);
  if (!principal.ok()) return principal.status();
  absl::Status allowed = AccessControl::Authorize(*principal, route.min_role, route.path);
  if (!allowed.ok()) return allowed;
  return principal;
}

absl::Status Admission::CheckRequest(const Principal& principal, const Route& route,
                                     const grpc::ByteBuffer& request) const {
  if (route.role_for_request == nullptr) return absl::OkStatus();
  Role needed = route.role_for_request(request);
  return AccessControl::Authorize(principal, needed,
                                  absl::StrCat(route.path, " with this request"));
}

void Admission::Limit(const Principal& principal, std::function<void(grpc::Status)> done) {
  RateLimit limit = principal.limit;
  std::string name = principal.name;
  limiter_->Acquire(name, limit, [done = std::move(done), name, limit](RateDecision decision) {
    if (decision.allowed) {
      done(grpc::Status::OK);
      return;
    }
    done(StatusWithRetryInfo(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             RateLimitedMessage(name, limit, decision.retry_after),
                             decision.retry_after));
  });
}

}  // namespace lookout::gateway
