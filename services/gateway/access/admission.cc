#include "services/gateway/access/admission.h"

#include "absl/strings/str_cat.h"
#include "services/gateway/access/retry_info.h"
#include "services/gateway/access/role.h"

namespace lookout::gateway {

Admission::Admission(const AccessControl* access, RateLimiter* limiter,
                     RateLimiter* import_limiter, MetricsRegistry* metrics)
    : access_(access), limiter_(limiter), import_limiter_(import_limiter), metrics_(metrics) {
  if (metrics_ == nullptr) return;
  // Every series from the start at 0, so rate() and the alerts see the first refusal.
  for (Budget budget : {Budget::kCalls, Budget::kImports}) {
    for (Role role : {v1::ROLE_READER, v1::ROLE_EDITOR, v1::ROLE_ADMIN}) {
      for (bool allowed : {true, false}) Count(budget, role, allowed, 0);
    }
  }
}

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
  const Role role = principal.role;
  limiter_->Acquire(
      name, limit, [this, done = std::move(done), name, limit, role](RateDecision decision) {
        Count(Budget::kCalls, role, decision.allowed);
        if (decision.allowed) {
          done(grpc::Status::OK);
          return;
        }
        done(StatusWithRetryInfo(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 RateLimitedMessage(name, limit, decision.retry_after),
                                 decision.retry_after));
      });
}

void Admission::Limit(const Principal& principal, const Route& route,
                      const grpc::ByteBuffer& request, std::function<void(grpc::Status)> done) {
  const int64_t rows =
      route.import_rows != nullptr && import_limiter_ != nullptr ? route.import_rows(request) : 0;
  if (rows <= 0) {
    Limit(principal, std::move(done));
    return;
  }
  Limit(principal, [this, principal, rows, done = std::move(done)](grpc::Status status) mutable {
    if (!status.ok()) {
      done(status);
      return;
    }
    const RateLimit limit = principal.import_limit;
    const std::string name = principal.name;
    PayImportRows(
        principal, rows, [done = std::move(done), name, limit, rows](RateDecision decision) {
          if (decision.allowed) {
            done(grpc::Status::OK);
            return;
          }
          done(StatusWithRetryInfo(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                   ImportLimitedMessage(name, limit, rows, decision.retry_after),
                                   decision.retry_after));
        });
  });
}

void Admission::PayImportRows(const Principal& principal, int64_t rows,
                              std::function<void(RateDecision)> done) {
  if (import_limiter_ == nullptr) {
    done(RateDecision{true, absl::ZeroDuration()});
    return;
  }
  import_limiter_->Acquire(principal.name, principal.import_limit, rows,
                           [this, role = principal.role, done = std::move(done)](
                               RateDecision decision) {
                             Count(Budget::kImports, role, decision.allowed);
                             done(decision);
                           });
}

void Admission::Count(Budget budget, Role role, bool allowed, double count) {
  if (metrics_ == nullptr) return;
  metrics_->AddToCounter(
      kRateLimitDecisionsMetric,
      "Rate-limit decisions, by budget (calls, imports), the key's role and decision (allowed, "
      "refused): a refused call is answered RESOURCE_EXHAUSTED; a refused import payment also "
      "pauses an import stream",
      {{"budget", BudgetName(budget)},
       {"role", RoleName(role)},
       {"decision", allowed ? "allowed" : "refused"}},
      count);
}

}  // namespace lookout::gateway
