// Situation reports cached in Redis under the request and the event sequence the report
// reflects, with the change log that sequence belongs to: a new event change moves the
// sequence, so a cached report is never older than the data it claims, and nothing needs
// invalidating; a recreated or restored event store (sequences starting again) has another log
// id. Figures come from observations, which do not move the sequence; the TTL bounds how stale
// those can be.
#ifndef LOOKOUT_SERVICES_GATEWAY_REPORTS_REPORT_CACHE_H_
#define LOOKOUT_SERVICES_GATEWAY_REPORTS_REPORT_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/redis_cache.h"
#include "lookout/gateway/v1/gateway_service.pb.h"

namespace lookout::gateway {

class ReportCache {
 public:
  // `redis` must outlive the cache. Blocking: call from a worker thread.
  ReportCache(RedisCache* redis, absl::Duration ttl) : redis_(redis), ttl_(ttl) {}

  // `request` must be normalised (upper-case country, defaulted recent_events).
  static std::string Key(const v1::GetSituationReportRequest& request,
                         const std::string& change_log_id, int64_t sequence);

  // nullopt on a miss, a bad entry, or Redis down (a cache is never a reason to fail).
  std::optional<v1::GetSituationReportResponse> Get(const std::string& key);
  void Put(const std::string& key, const v1::GetSituationReportResponse& report);

 private:
  RedisCache* const redis_;
  const absl::Duration ttl_;
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_REPORTS_REPORT_CACHE_H_
