// Cache-aside for GetEvent in Redis ("lookout:v1:event:<id>", 5 minutes with jitter),
// invalidated after every committed update or delete, and emptied when the service starts (a
// killed process may have committed a write it never invalidated).
//
// The classic cache-aside race (a reader fetches the old row, a writer commits and invalidates,
// then the reader stores the old row for a full TTL) is closed with a generation per key shard:
// a fill stores its value only if no invalidation of its shard ran since it started reading,
// and a fill and an invalidation of one shard never interleave. An invalidation that cannot
// reach Redis leaves a possibly stale entry behind, so the whole cache is bypassed until every
// entry written before it has expired.
//
// Off by default (--event_cache): a SQLite point read (~6 us) is faster than a Redis round trip
// (~23 us), so the cache only pays when the store is remote or overloaded. Measured on the
// whole domain call (tests/integration/event_service_test.cc, DISABLED_MeasureGet...): ~25-30 us
// per GetEvent from SQLite against ~70-80 us from a Redis hit.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_CACHE_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_CACHE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lookout/event/v1/event.pb.h"

namespace lookout {
class RedisCache;
}

namespace lookout::event {

std::string EventCacheKey(absl::string_view event_id);

class EventCache {
 public:
  // `redis` null disables the cache; otherwise it must outlive this object.
  explicit EventCache(RedisCache* redis, absl::Duration ttl = absl::Minutes(5),
                      std::function<absl::Time()> clock = absl::Now);
  EventCache(const EventCache&) = delete;
  EventCache& operator=(const EventCache&) = delete;

  bool enabled() const { return redis_ != nullptr; }

  // The cached event; nullopt on a miss, when disabled, or when Redis is unavailable.
  std::optional<lookout::event::v1::Event> Lookup(const std::string& id);

  // Call before reading the store; pass the result to Fill.
  uint64_t BeginFill(const std::string& id);
  // Stores `event` (just read from the store) unless `id` may have changed since BeginFill.
  void Fill(uint64_t generation, const lookout::event::v1::Event& event);

  // Call after a commit that changed or deleted `id`.
  void Invalidate(const std::string& id);

  // Call once at start-up, before serving: deletes every cached event. A process killed between
  // a commit and its Invalidate (SIGKILL, OOM) leaves the old entry behind, which nothing else
  // removes before its TTL; the last writer's own bookkeeping died with it. When Redis cannot
  // be swept, the cache is not used until every entry there may have expired.
  void DropEntriesOfEarlierProcesses();

 private:
  struct Shard {
    absl::Mutex mu;
    uint64_t generation ABSL_GUARDED_BY(mu) = 0;
  };
  static constexpr size_t kShards = 64;
  Shard& ShardOf(const std::string& id);
  bool Distrusted() const;
  // Entries in Redis may be stale: not used until all of them may have expired.
  void DistrustUntilExpired();

  RedisCache* const redis_;
  const absl::Duration ttl_;
  const std::function<absl::Time()> clock_;
  // Unix nanoseconds until which cached entries may be stale and are not used.
  std::atomic<int64_t> distrust_until_ns_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_CACHE_H_
