// AggregateEvents answers cached in Redis. The key is the normalised request plus the change
// log and sequence the answer was computed at, so a new change (a new sequence) simply misses:
// nothing is ever invalidated and a stale answer cannot be served. The log id keeps a recreated
// or restored event store, whose sequences start again, from hitting the old log's answers.
// Redis failures fall through to computing the answer; the cache never makes a call fail.
#ifndef LOOKOUT_SERVICES_STATS_AGGREGATE_CACHE_H_
#define LOOKOUT_SERVICES_STATS_AGGREGATE_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/redis_cache.h"
#include "lookout/stats/v1/stats_service.pb.h"
#include "services/stats/read_model.h"

namespace lookout::stats {

// The version in every key: bump it when the answer's meaning or encoding changes.
inline constexpr char kAggregateKeyPrefix[] = "lookout:stats:v2:aggregate:";

class AggregateCache {
 public:
  // `redis` may be null (caching off); otherwise it must outlive the cache.
  AggregateCache(RedisCache* redis, absl::Duration ttl) : redis_(redis), ttl_(ttl) {}

  // A digest of a normalised request (AggregateQuery::normalized).
  static std::string RequestDigest(const lookout::stats::v1::AggregateEventsRequest& normalized);
  static std::string Key(const std::string& digest, const LogPosition& position);

  std::optional<lookout::stats::v1::AggregateEventsResponse> Get(const std::string& digest,
                                                                 const LogPosition& position);
  void Put(const std::string& digest, const lookout::stats::v1::AggregateEventsResponse& answer);

  bool enabled() const { return redis_ != nullptr; }

 private:
  RedisCache* const redis_;
  const absl::Duration ttl_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_AGGREGATE_CACHE_H_
