// Rate limits: how many calls a key may make per second on average, and how many at once.
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_RATE_LIMIT_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_RATE_LIMIT_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/gateway/access/role.h"

namespace lookout::gateway {

struct RateLimit {
  double per_second = 0;  // sustained rate, > 0 and at most kMaxRatePerSecond
  int64_t burst = 1;      // calls allowed at once from a full bucket, >= 1

  // The time one call's token takes to come back, at least a microsecond (the unit the shared
  // state in Redis counts in).
  int64_t interval_us() const;
  bool operator==(const RateLimit& other) const {
    return per_second == other.per_second && burst == other.burst;
  }
};

inline constexpr double kMaxRatePerSecond = 1e6;

// "20:40" -> 20 per second, burst 40.
absl::StatusOr<RateLimit> ParseRateLimit(absl::string_view text);
std::string FormatRateLimit(const RateLimit& limit);

// The limit per role, with a default for each role.
class RoleRateLimits {
 public:
  RoleRateLimits();
  // "READER=20:40,EDITOR=10:20"; roles not named keep their defaults.
  absl::Status Parse(absl::string_view text);
  const RateLimit& For(Role role) const;

 private:
  absl::flat_hash_map<int, RateLimit> by_role_;
};

// What the limiter decided for one call.
struct RateDecision {
  bool allowed = false;
  // When refused: how long until a call would be allowed.
  absl::Duration retry_after = absl::ZeroDuration();
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_RATE_LIMIT_H_
