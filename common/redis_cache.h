// A Redis cache client: binary-safe GET/MGET/SET/DEL plus a raw command
// escape hatch (EVAL/EVALSHA for the gateway's rate limiter).
//
// Redis is an optimisation, never a dependency: every failure comes back as
// absl::UnavailableError so callers fall through to the source of truth, and
// after a failure Redis is skipped for RedisOptions::failure_backoff.
// Thread-safe; connections come from a RedisPool.

#ifndef LOOKOUT_COMMON_REDIS_CACHE_H_
#define LOOKOUT_COMMON_REDIS_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/redis_pool.h"

namespace lookout {

class MetricsRegistry;
class ScrapedGauge;

// A hiredis reply copied out of hiredis memory.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kArray, kStatus, kError };

  Type type = Type::kNil;
  long long integer = 0;             // kInteger
  std::string str;                   // kString, kStatus, kError (message)
  std::vector<RedisReply> elements;  // kArray
};

class RedisCache {
 public:
  // `metrics` may be null; if set it must outlive the cache, and Get/MGet
  // count one hit, miss or error per key under options.cache_name.
  explicit RedisCache(RedisOptions options, MetricsRegistry* metrics = nullptr);
  ~RedisCache();
  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  // The value, or std::nullopt on a miss. Unavailable when Redis is down,
  // skipped during back-off, or disabled; Internal on an unexpected reply.
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key);

  // One entry per key, in order.
  absl::StatusOr<std::vector<std::optional<std::string>>> MGet(
      const std::vector<std::string>& keys);

  // SET key value PX ttl (rounded up to whole ms). ttl must be positive;
  // absl::InfiniteDuration() stores without expiry.
  absl::Status Set(absl::string_view key, absl::string_view value,
                   absl::Duration ttl);

  absl::Status Delete(const std::vector<std::string>& keys);

  // Runs any command in argv form. A Redis error reply (e.g. NOSCRIPT) is a
  // successful call returning Type::kError; only I/O failures are errors.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& argv);

  bool enabled() const { return pool_.enabled(); }
  // False while backing off after a failure (and when disabled).
  bool healthy() const { return pool_.healthy(); }
  int64_t connect_attempts() const { return pool_.connect_attempts(); }

 private:
  void CountLookups(int hits, int misses, int errors);

  const std::string cache_name_;
  MetricsRegistry* const metrics_;
  RedisPool pool_;
  // The pool's series (see the constructor); after pool_, so they go before it.
  std::vector<std::unique_ptr<ScrapedGauge>> gauges_;
};

// A TTL drawn uniformly from [base*(1-j), base*(1+j)], so entries written
// together do not all expire together. j is clamped to [0, 1].
absl::Duration JitteredTtl(absl::Duration base, double jitter_fraction = 0.1);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_REDIS_CACHE_H_
