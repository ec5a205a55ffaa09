#include "services/gateway/access/local_gcra.h"

#include <algorithm>

namespace lookout::gateway {

RateDecision GcraTake(GcraState* state, const RateLimit& limit, int64_t now_us, int64_t cost) {
  const int64_t interval = limit.interval_us();
  const int64_t tat = std::max(state->tat_us, now_us);
  const int64_t new_tat = tat + std::clamp<int64_t>(cost, 1, limit.burst) * interval;
  // Allowed while the bucket's debt after this take stays within `burst` tokens.
  if (new_tat - now_us <= limit.burst * interval) {
    state->tat_us = new_tat;
    return RateDecision{true, absl::ZeroDuration()};
  }
  return RateDecision{false, absl::Microseconds(new_tat - limit.burst * interval - now_us)};
}

RateDecision LocalGcra::Take(absl::string_view key, const RateLimit& limit, int64_t cost) {
  int64_t now_us = absl::ToUnixMicros(clock_());
  absl::MutexLock lock(&mu_);
  return GcraTake(&states_[key], limit, now_us, cost);
}

void LocalGcra::Prune() {
  int64_t now_us = absl::ToUnixMicros(clock_());
  absl::MutexLock lock(&mu_);
  absl::erase_if(states_, [now_us](const auto& entry) { return entry.second.tat_us <= now_us; });
}

}  // namespace lookout::gateway
