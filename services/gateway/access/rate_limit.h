// Rate limits: how many calls a key may make per second on average, and how many at once; and
// the same for its import budget, counted in rows (README "Rate limits").
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

// The two buckets every key has. Every call draws one token of kCalls; ImportEvents rows and the
// names of a ResolveActors with create_missing draw one token each of kImports besides.
enum class Budget { kCalls, kImports };

// "calls" or "imports": the metrics label, the Redis key space and the wording of messages.
const char* BudgetName(Budget budget);

// The rows an ImportEvents stream pays for at once: 1/16 of the burst (so several streams of a
// key share it), at least 1 and at most kMaxImportChunkRows (so a finished stream leaves little
// paid for and unsent). Its wait near the limit is one chunk's worth of rate, not one row's.
inline constexpr int64_t kMaxImportChunkRows = 1024;
int64_t ImportChunkRows(const RateLimit& limit);

// "20:40" -> 20 per second, burst 40. `unit` names what is counted in errors ("calls", "rows").
absl::StatusOr<RateLimit> ParseRateLimit(absl::string_view text, absl::string_view unit = "calls");
std::string FormatRateLimit(const RateLimit& limit);

// The limit per role of one budget, with a default for each role.
class RoleRateLimits {
 public:
  // Calls: READER and EDITOR 50/s burst 100, ADMIN 100/s burst 200. Imports: EDITOR 25,000
  // rows/s burst 250,000, ADMIN twice that; a READER cannot import (the role rules refuse it
  // first), so For(READER) is never drawn from.
  explicit RoleRateLimits(Budget budget = Budget::kCalls);
  // "READER=20:40,EDITOR=10:20"; roles not named keep their defaults. The import budget refuses
  // READER, which cannot import.
  absl::Status Parse(absl::string_view text);
  const RateLimit& For(Role role) const;
  Budget budget() const { return budget_; }

 private:
  Budget budget_;
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
