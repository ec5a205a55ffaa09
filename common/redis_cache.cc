#include "common/redis_cache.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/metrics.h"

namespace lookout {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// Sends one command on a pooled connection. Arguments go with their lengths
// (redisCommandArgv), so keys and values may hold any bytes, NUL included.
absl::StatusOr<ReplyPtr> Run(RedisPool& pool,
                             const std::vector<absl::string_view>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("redis: empty command");
  absl::StatusOr<RedisPool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  args.reserve(argv.size());
  lengths.reserve(argv.size());
  for (absl::string_view arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  void* reply =
      redisCommandArgv(lease->context(), static_cast<int>(argv.size()),
                       args.data(), lengths.data());
  // NULL means an I/O or protocol error: the context is now unusable.
  if (reply == nullptr) return lease->Fail();
  return ReplyPtr(static_cast<redisReply*>(reply));
}

absl::Status UnexpectedReply(absl::string_view command,
                             const redisReply& reply) {
  if (reply.type == REDIS_REPLY_ERROR) {
    return absl::InternalError(absl::StrCat(
        "redis ", command, ": ", absl::string_view(reply.str, reply.len)));
  }
  return absl::InternalError(
      absl::StrCat("redis ", command, ": unexpected reply type ", reply.type));
}

RedisReply Convert(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply.elements);
      for (size_t i = 0; i < reply.elements; ++i) {
        out.elements.push_back(Convert(*reply.element[i]));
      }
      break;
    default:  // REDIS_REPLY_NIL
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

}  // namespace

RedisCache::RedisCache(RedisOptions options, MetricsRegistry* metrics)
    : cache_name_(options.cache_name), metrics_(metrics), pool_(options) {
  if (metrics_ == nullptr || !pool_.enabled()) return;
  // Read at each scrape, so the pool's hot path stays free of metrics calls.
  const prometheus::Labels cache = {{"cache", cache_name_}};
  auto with = [&cache](const char* name, const char* value) {
    prometheus::Labels labels = cache;
    labels.emplace(name, value);
    return labels;
  };
  const char kConnections[] = "Redis connections of a cache's pool, by state (idle, in_use).";
  gauges_.push_back(metrics_->AddScrapedGauge("lookout_redis_pool_connections", kConnections,
                                              with("state", "idle"),
                                              [this] { return pool_.stats().idle; }));
  gauges_.push_back(metrics_->AddScrapedGauge(
      "lookout_redis_pool_connections", kConnections, with("state", "in_use"), [this] {
        const RedisPool::Stats stats = pool_.stats();
        return stats.open - stats.idle;
      }));
  gauges_.push_back(metrics_->AddScrapedGauge(
      "lookout_redis_up",
      "1 while a cache uses Redis, 0 while it backs off after a failure (callers fall back: "
      "read the store, rate-limit locally).",
      cache, [this] { return pool_.healthy() ? 1 : 0; }));
  const char kFailures[] =
      "Redis failures that started a back-off, by cache and kind (timeout, error).";
  gauges_.push_back(metrics_->AddScrapedCounter("lookout_redis_failures_total", kFailures,
                                                with("kind", "timeout"),
                                                [this] { return pool_.stats().timeouts; }));
  gauges_.push_back(metrics_->AddScrapedCounter("lookout_redis_failures_total", kFailures,
                                                with("kind", "error"),
                                                [this] { return pool_.stats().errors; }));
  gauges_.push_back(metrics_->AddScrapedCounter(
      "lookout_redis_fallbacks_total",
      "Calls that skipped Redis during a back-off and fell back (store read, local limit).",
      cache, [this] { return pool_.stats().skipped; }));
}

RedisCache::~RedisCache() = default;

absl::StatusOr<std::optional<std::string>> RedisCache::Get(
    absl::string_view key) {
  absl::StatusOr<ReplyPtr> reply = Run(pool_, {"GET", key});
  if (!reply.ok()) {
    CountLookups(0, 0, 1);
    return reply.status();
  }
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_NIL) {
    CountLookups(0, 1, 0);
    return std::nullopt;
  }
  if (r.type != REDIS_REPLY_STRING) {
    CountLookups(0, 0, 1);
    return UnexpectedReply("GET", r);
  }
  CountLookups(1, 0, 0);
  return std::string(r.str, r.len);
}

absl::StatusOr<std::vector<std::optional<std::string>>> RedisCache::MGet(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values;
  if (keys.empty()) return values;
  std::vector<absl::string_view> argv = {"MGET"};
  argv.insert(argv.end(), keys.begin(), keys.end());
  const int n = static_cast<int>(keys.size());
  absl::StatusOr<ReplyPtr> reply = Run(pool_, argv);
  if (!reply.ok()) {
    CountLookups(0, 0, n);
    return reply.status();
  }
  const redisReply& r = **reply;
  if (r.type != REDIS_REPLY_ARRAY || r.elements != keys.size()) {
    CountLookups(0, 0, n);
    return UnexpectedReply("MGET", r);
  }
  values.reserve(keys.size());
  int hits = 0;
  for (size_t i = 0; i < r.elements; ++i) {
    const redisReply& e = *r.element[i];
    if (e.type == REDIS_REPLY_STRING) {
      values.emplace_back(std::string(e.str, e.len));
      ++hits;
    } else {
      // Nil, or a key holding a non-string type: either way not cached.
      values.emplace_back(std::nullopt);
    }
  }
  CountLookups(hits, n - hits, 0);
  return values;
}

absl::Status RedisCache::Set(absl::string_view key, absl::string_view value,
                             absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("redis SET: ttl must be positive");
  }
  std::vector<absl::string_view> argv = {"SET", key, value};
  std::string ms;
  if (ttl != absl::InfiniteDuration()) {
    // Round up so a sub-millisecond ttl does not become the invalid PX 0.
    ms = absl::StrCat(
        absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1))));
    argv.push_back("PX");
    argv.push_back(ms);
  }
  absl::StatusOr<ReplyPtr> reply = Run(pool_, argv);
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_STATUS)
    return UnexpectedReply("SET", **reply);
  return absl::OkStatus();
}

absl::Status RedisCache::Delete(const std::vector<std::string>& keys) {
  if (keys.empty()) return absl::OkStatus();
  std::vector<absl::string_view> argv = {"DEL"};
  argv.insert(argv.end(), keys.begin(), keys.end());
  absl::StatusOr<ReplyPtr> reply = Run(pool_, argv);
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_INTEGER) {
    return UnexpectedReply("DEL", **reply);
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisReply> RedisCache::Command(
    const std::vector<std::string>& argv) {
  absl::StatusOr<ReplyPtr> reply =
      Run(pool_, std::vector<absl::string_view>(argv.begin(), argv.end()));
  if (!reply.ok()) return reply.status();
  return Convert(**reply);
}

void RedisCache::CountLookups(int hits, int misses, int errors) {
  // A disabled cache is configuration, not a stream of errors.
  if (metrics_ == nullptr || !pool_.enabled()) return;
  if (hits > 0) metrics_->RecordCache(cache_name_, CacheOutcome::kHit, hits);
  if (misses > 0) {
    metrics_->RecordCache(cache_name_, CacheOutcome::kMiss, misses);
  }
  if (errors > 0) {
    metrics_->RecordCache(cache_name_, CacheOutcome::kError, errors);
  }
}

absl::Duration JitteredTtl(absl::Duration base, double jitter_fraction) {
  if (base <= absl::ZeroDuration() || base == absl::InfiniteDuration()) {
    return base;
  }
  // !(x > 0) also catches NaN.
  const double j = !(jitter_fraction > 0) ? 0 : std::min(jitter_fraction, 1.0);
  const int64_t lo = absl::ToInt64Nanoseconds(base * (1 - j));
  const int64_t hi = absl::ToInt64Nanoseconds(base * (1 + j));
  thread_local absl::BitGen gen;
  return absl::Nanoseconds(
      absl::Uniform(absl::IntervalClosedClosed, gen, lo, hi));
}

}  // namespace lookout
