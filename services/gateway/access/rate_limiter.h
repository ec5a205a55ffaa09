// The per-key rate limiter in front of every call. The limit lives in Redis (RedisGcra) so all
// replicas share it; to keep a Redis round trip off most calls, a replica takes a small lease of
// tokens when the bucket has plenty and spends it locally, and goes to Redis call by call when
// the bucket runs low (so "N allowed, then refused" is exact across replicas). Unused leases are
// given back after lease_ttl. When Redis is unreachable each key is limited in process
// (LocalGcra) instead, to 1/replicas of its limit, so the replicas together stay near the shared
// limit: never unlimited, and nobody is refused because Redis is down. A Redis that is slow but
// answers within its command timeout (the limiter's time budget) is waited for, not bypassed.
//
// A decision may take several tokens at once (an import's chunk of rows, the names of one
// ResolveActors), all or none; calls of one key are decided in arrival order, and a cost above
// the burst is charged the whole burst (so it can pass at all).
//
// Decisions that need Redis are made on a BlockingPool thread and concurrent calls for one key
// share one round trip; the rest are decided inline. A pool task makes one round trip and, if
// calls for the key are still waiting, queues the next trip behind the other tasks, so busy keys
// never hold the pool's threads against other keys and the report cache.
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_RATE_LIMITER_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_RATE_LIMITER_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/gateway/access/local_gcra.h"
#include "services/gateway/access/rate_limit.h"
#include "services/gateway/access/redis_gcra.h"
#include "services/gateway/blocking_pool.h"

namespace lookout::gateway {

class RateLimiter;

struct RateLimiterOptions {
  LeasePolicy lease;
  // Leased tokens not spent within this long go back to Redis.
  absl::Duration lease_ttl = absl::Milliseconds(250);
  // How often leases are swept and idle keys forgotten.
  absl::Duration sweep_interval = absl::Milliseconds(100);
  // Gateway replicas sharing the limits; while Redis is unreachable each allows 1/replicas of a
  // key's rate and burst (at least 1). Each replica also marks itself alive in Redis every
  // heartbeat_interval and counts the others: once a count was seen it replaces this value (the
  // last count seen holds through an outage), so replicas added by an autoscaler are counted.
  int replicas = 1;
  absl::Duration heartbeat_interval = absl::Seconds(1);
  // A replica not seen for this long is no longer counted.
  absl::Duration heartbeat_window = absl::Seconds(5);
  // When set, the replica count comes from this limiter (which must outlive this one) and this
  // one keeps no heartbeat of its own: the import budget's limiter borrows the call budget's.
  const RateLimiter* replicas_from = nullptr;
};

// A replica's share of `limit` while limits are kept locally.
RateLimit LocalShare(const RateLimit& limit, int replicas);

class RateLimiter {
 public:
  using Done = std::function<void(RateDecision)>;

  // `redis` may be null (local limits only); `redis` and `pool` must outlive the limiter.
  RateLimiter(RedisGcra* redis, BlockingPool* pool, RateLimiterOptions options = {});
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Decides one call for `key`; `done` runs exactly once, inline or on a pool thread.
  void Acquire(const std::string& key, const RateLimit& limit, Done done) {
    Acquire(key, limit, 1, std::move(done));
  }
  // Decides `cost` tokens at once for `key`, all or none.
  void Acquire(const std::string& key, const RateLimit& limit, int64_t cost, Done done);

  // For tests: calls decided by Redis round trips and by the local fallback so far.
  int64_t redis_trips() const;
  int64_t local_decisions() const;
  // The replica count the local fallback divides by: the last count seen in Redis, or
  // options.replicas before any.
  int replicas() const;

 private:
  struct Waiter {
    int64_t cost;
    Done done;
  };
  struct KeyState {
    RateLimit limit;
    int64_t leased = 0;  // tokens taken from Redis, not yet spent
    absl::Time leased_at;
    absl::Time last_used;
    bool fetching = false;
    std::vector<Waiter> waiters;  // calls waiting for the round trip in flight, in order
  };

  // Allows the waiters at the front that the lease covers, in order, into `decided`.
  static void ServeFromLease(KeyState& state, std::vector<std::pair<Done, RateDecision>>* decided);

  void Fetch(const std::string& key);
  void Sweep();
  void Heartbeat();

  RedisGcra* const redis_;
  BlockingPool* const pool_;
  const RateLimiterOptions options_;
  LocalGcra local_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, KeyState> keys_ ABSL_GUARDED_BY(mu_);
  int64_t redis_trips_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t local_decisions_ ABSL_GUARDED_BY(mu_) = 0;
  const std::string replica_id_;
  std::atomic<int> replicas_seen_{0};
  absl::Time next_heartbeat_ = absl::InfinitePast();  // sweeper thread only

  absl::Notification stop_;
  std::thread sweeper_;
};

// The RESOURCE_EXHAUSTED message: names the key, the limit and the wait.
std::string RateLimitedMessage(const std::string& key, const RateLimit& limit,
                               absl::Duration retry_after);
// The same for a request refused by the import budget: also the rows it needs.
std::string ImportLimitedMessage(const std::string& key, const RateLimit& limit, int64_t rows,
                                 absl::Duration retry_after);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_RATE_LIMITER_H_
