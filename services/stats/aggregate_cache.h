// AggregateEvents answers cached in Redis. The key is the normalised request plus the sequence
// the answer was computed at, so a new change (a new sequence) simply misses: nothing is ever
// invalidated and a stale answer cannot be served. Redis failures fall through to computing
// the answer; the cache never makes a call fail.
#ifndef LOOKOUT_SERVICES_STATS_AGGREGATE_CACHE_H_
#define LOOKOUT_SERVICES_STATS_AGGREGATE_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/redis_cache.h"
#include "lookout/stats/v1/stats_service.pb.h"

namespace lookout::stats {

// The version in every key: bump it when the answer's meaning or encoding changes.
inline constexpr char kAggregateKeyPrefix[] = "lookout:stats:v1:aggregate:";

class AggregateCache {
 public:
  // `redis` may be null (caching off); otherwise it must outlive the cache.
  AggregateCache(RedisCache* redis, absl::Duration ttl) : redis_(redis), ttl_(ttl) {}

  // A digest of a normalised request (AggregateQuery::normalized).
  static std::string RequestDigest(const lookout::stats::v1::AggregateEventsRequest& normalized);
  static std::string Key(const std::string& digest, int64_t sequence);

  std::optional<lookout::stats::v1::AggregateEventsResponse> Get(const std::string& digest,
                                                                 int64_t sequence);
  void Put(const std::string& digest, const lookout::stats::v1::AggregateEventsResponse& answer);

  bool enabled() const { return redis_ != nullptr; }

 private:
  RedisCache* const redis_;
  const absl::Duration ttl_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_AGGREGATE_CACHE_H_
