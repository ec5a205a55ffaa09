#include "services/event/event_cache.h"

#include <string>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/redis_cache.h"

namespace lookout::event {

std::string EventCacheKey(absl::string_view event_id) {
  return absl::StrCat("lookout:v1:event:", event_id);
}

EventCache::EventCache(RedisCache* redis, absl::Duration ttl, std::function<absl::Time()> clock)
    : redis_(redis), ttl_(ttl), clock_(std::move(clock)) {}

bool EventCache::Distrusted() const {
  return absl::ToUnixNanos(clock_()) < distrust_until_ns_.load(std::memory_order_relaxed);
}

EventCache::Shard& EventCache::ShardOf(const std::string& id) {
  return shards_[absl::Hash<std::string>()(id) % kShards];
}

std::optional<v1::Event> EventCache::Lookup(const std::string& id) {
  if (redis_ == nullptr || Distrusted()) return std::nullopt;
  auto cached = redis_->Get(EventCacheKey(id));
  if (!cached.ok() || !cached->has_value()) return std::nullopt;
  v1::Event event;
  // An unreadable entry (another version's format) is a miss; the fill replaces it.
  if (!event.ParseFromString(**cached) || event.id() != id) return std::nullopt;
  return event;
}

uint64_t EventCache::BeginFill(const std::string& id) {
  Shard& shard = ShardOf(id);
  absl::MutexLock lock(&shard.mu);
  return shard.generation;
}

void EventCache::Fill(uint64_t generation, const v1::Event& event) {
  if (redis_ == nullptr) return;
  Shard& shard = ShardOf(event.id());
  absl::MutexLock lock(&shard.mu);
  if (shard.generation != generation || Distrusted()) return;
  redis_->Set(EventCacheKey(event.id()), event.SerializeAsString(), JitteredTtl(ttl_))
      .IgnoreError();
}

void EventCache::Invalidate(const std::string& id) {
  if (redis_ == nullptr) return;
  Shard& shard = ShardOf(id);
  absl::MutexLock lock(&shard.mu);
  ++shard.generation;
  // The old entry may outlive this write.
  if (!redis_->Delete({EventCacheKey(id)}).ok()) DistrustUntilExpired();
}

void EventCache::DistrustUntilExpired() {
  // Entries live at most ttl * 1.1 (JitteredTtl's default jitter), so after that nothing stale
  // can be left.
  const int64_t until = absl::ToUnixNanos(clock_() + ttl_ * 1.1 + absl::Seconds(1));
  int64_t current = distrust_until_ns_.load();
  while (current < until && !distrust_until_ns_.compare_exchange_weak(current, until)) {
  }
}

void EventCache::DropEntriesOfEarlierProcesses() {
  if (redis_ == nullptr) return;
  std::string cursor = "0";
  do {
    absl::StatusOr<RedisReply> reply =
        redis_->Command({"SCAN", cursor, "MATCH", EventCacheKey("*"), "COUNT", "1000"});
    if (!reply.ok() || reply->type != RedisReply::Type::kArray || reply->elements.size() != 2) {
      DistrustUntilExpired();
      return;
    }
    cursor = reply->elements[0].str;
    std::vector<std::string> keys;
    for (const RedisReply& key : reply->elements[1].elements) keys.push_back(key.str);
    if (!keys.empty() && !redis_->Delete(keys).ok()) {
      DistrustUntilExpired();
      return;
    }
  } while (cursor != "0");
}

}  // namespace lookout::event
