// The generic cell rate algorithm in process memory: the rate limit each key gets when the
// shared state in Redis cannot be reached. Per process, so N replicas allow up to N times the
// limit while Redis is down: limited, never unlimited, and nobody is refused for Redis's sake.
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_LOCAL_GCRA_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_LOCAL_GCRA_H_

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/gateway/access/rate_limit.h"

namespace lookout::gateway {

// One key's state: the theoretical arrival time of the next call, in microseconds. A call at
// `now_us` fits when taking its token leaves TAT within burst intervals of now.
struct GcraState {
  int64_t tat_us = 0;
};

// Takes `cost` tokens (1 to burst) at now_us if the bucket has them; otherwise leaves the state
// and returns the wait until they are there. Shared by the local limiter and the tests of the
// Lua script's maths.
RateDecision GcraTake(GcraState* state, const RateLimit& limit, int64_t now_us, int64_t cost = 1);

class LocalGcra {
 public:
  using Clock = std::function<absl::Time()>;
  explicit LocalGcra(Clock clock = &absl::Now) : clock_(std::move(clock)) {}

  // `cost` tokens at once, all or none; a cost above the burst is charged the whole burst.
  RateDecision Take(absl::string_view key, const RateLimit& limit, int64_t cost = 1);

  // Drops keys whose buckets are full again (their state equals a fresh one), bounding memory.
  void Prune();

 private:
  const Clock clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, GcraState> states_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_LOCAL_GCRA_H_
