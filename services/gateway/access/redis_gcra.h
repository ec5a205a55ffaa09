// The shared rate-limit state: one GCRA per key in Redis, updated atomically by a Lua script so
// every gateway replica draws from the same bucket. Redis's own clock (TIME) is the only clock,
// so replicas with skewed clocks still agree.
//
// A call may take several tokens at once (a lease the replica spends locally), which is how the
// gateway avoids a Redis round trip per call; the script caps a lease at a fraction of what is
// left, so leases only form when the bucket is far from empty and the limit stays exact near it.
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_REDIS_GCRA_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_REDIS_GCRA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis_cache.h"
#include "services/gateway/access/rate_limit.h"

namespace lookout::gateway {

struct TokenGrant {
  int64_t granted = 0;  // 0 means refused
  absl::Duration retry_after = absl::ZeroDuration();
};

// How many tokens one trip to Redis may take.
struct LeasePolicy {
  // A trip takes at most this many tokens...
  int64_t max_tokens = 64;
  // ...and at most 1/divisor of the tokens left, so several replicas leasing at once can hold
  // back only a small part of the bucket, and below `divisor` tokens every call is decided in
  // Redis one by one.
  int64_t divisor = 16;
};

// The import budget's buckets, apart from the call budget's ("lookout:gw:rate:v1:").
inline constexpr char kImportKeyPrefix[] = "lookout:gw:import:v1:";

class RedisGcra {
 public:
  // `redis` must outlive this object. Blocking: call from a worker thread, not a gRPC reaction.
  // One instance per budget, each with its own key space (kImportKeyPrefix for imports).
  explicit RedisGcra(RedisCache* redis, std::string key_prefix = "lookout:gw:rate:v1:");
  RedisGcra(const RedisGcra&) = delete;
  RedisGcra& operator=(const RedisGcra&) = delete;

  // Takes at least `want` tokens (fewer if fewer are left, but never fewer than `need`: 0 with
  // the wait until `need` are there) and up to what the lease policy allows, `need` even beyond
  // its cap. `need` is at most the burst. Unavailable when Redis is down or backing off.
  absl::StatusOr<TokenGrant> Take(absl::string_view key, const RateLimit& limit, int64_t want,
                                  const LeasePolicy& policy, int64_t need = 1);

  // Gives back tokens a lease did not use.
  absl::Status Give(absl::string_view key, const RateLimit& limit, int64_t count);

  // Marks replica `replica_id` alive now and returns how many replicas were marked alive within
  // `window` (this one included): how replicas learn their number while Redis answers.
  absl::StatusOr<int64_t> CountReplicas(absl::string_view replica_id, absl::Duration window);

  bool healthy() const { return redis_->healthy(); }

 private:
  struct Script {
    explicit Script(const char* text) : body(text) {}
    const char* const body;
    absl::Mutex mu;
    std::string sha ABSL_GUARDED_BY(mu);  // from SCRIPT LOAD; empty until loaded
  };
  // EVALSHA, loading the script when Redis does not know it (first use, restart, flush).
  absl::StatusOr<RedisReply> Run(Script& script, absl::string_view key,
                                 std::vector<std::string> args);

  RedisCache* const redis_;
  const std::string key_prefix_;
  Script take_script_;
  Script give_script_;
  Script replicas_script_;
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_REDIS_GCRA_H_
