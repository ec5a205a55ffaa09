#include "common/redis_pool.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace lookout {
namespace {

// hiredis 0.14 reports a timeout as an I/O error: EAGAIN from a read or write past
// command_timeout, ETIMEDOUT from a connect past connect_timeout.
bool IsTimeout(const redisContext* c) {
  return c != nullptr && c->err == REDIS_ERR_IO &&
         (std::strstr(c->errstr, std::strerror(EAGAIN)) != nullptr ||
          std::strstr(c->errstr, std::strerror(ETIMEDOUT)) != nullptr);
}

}  // namespace

RedisPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      context_(std::exchange(other.context_, nullptr)),
      generation_(other.generation_),
      failed_(other.failed_) {}

RedisPool::Lease& RedisPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    context_ = std::exchange(other.context_, nullptr);
    generation_ = other.generation_;
    failed_ = other.failed_;
  }
  return *this;
}

RedisPool::Lease::~Lease() { Release(); }

void RedisPool::Lease::Release() {
  if (pool_ != nullptr && context_ != nullptr) {
    pool_->Release(context_, generation_, failed_);
  }
  pool_ = nullptr;
  context_ = nullptr;
}

absl::Status RedisPool::Lease::Fail() {
  std::string error = "redis: ";
  if (context_ != nullptr && context_->err != 0) {
    absl::StrAppend(&error, context_->errstr);
  } else {
    absl::StrAppend(&error, "no reply");
  }
  if (!failed_ && pool_ != nullptr) {
    failed_ = true;
    std::vector<redisContext*> dropped;
    {
      absl::MutexLock lock(&pool_->mu_);
      pool_->last_error_ = error;
      dropped = pool_->RecordFailureLocked(IsTimeout(context_));
    }
    for (redisContext* c : dropped) redisFree(c);
  }
  return absl::UnavailableError(error);
}

RedisPool::RedisPool(const RedisOptions& options) : options_(options) {}

RedisPool::~RedisPool() {
  absl::MutexLock lock(&mu_);
  for (redisContext* c : idle_) redisFree(c);
  idle_.clear();
}

absl::StatusOr<RedisPool::Lease> RedisPool::Acquire() {
  if (!options_.enabled) return absl::UnavailableError("redis: disabled");
  const int pool_size = std::max(1, options_.pool_size);
  uint64_t generation = 0;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Now() < backoff_until_) return BackoffStatusLocked();
    const uint64_t start_generation = generation_;
    // Evaluated by Await with mu_ held.
    auto can_proceed = [&]() {
      return !idle_.empty() || open_ < pool_size ||
             generation_ != start_generation;
    };
    mu_.Await(absl::Condition(&can_proceed));
    // Redis failed while we waited: join the back-off instead of connecting.
    if (generation_ != start_generation) return BackoffStatusLocked();
    if (!idle_.empty()) {
      redisContext* c = idle_.back();
      idle_.pop_back();
      return Lease(this, c, generation_);
    }
    // Reserve the slot, then connect without holding the lock.
    ++open_;
    ++connect_attempts_;
    generation = generation_;
  }

  redisContext* c =
      redisConnectWithTimeout(options_.host.c_str(), options_.port,
                              absl::ToTimeval(options_.connect_timeout));
  if (c != nullptr && c->err == 0 &&
      redisSetTimeout(c, absl::ToTimeval(options_.command_timeout)) ==
          REDIS_OK) {
    return Lease(this, c, generation);
  }
  const bool timed_out = IsTimeout(c);
  std::string error =
      absl::StrCat("redis: connect to ", options_.host, ":", options_.port,
                   ": ", c != nullptr ? c->errstr : "cannot allocate context");
  if (c != nullptr) redisFree(c);
  std::vector<redisContext*> dropped;
  {
    absl::MutexLock lock(&mu_);
    --open_;
    last_error_ = error;
    dropped = RecordFailureLocked(timed_out);
  }
  for (redisContext* d : dropped) redisFree(d);
  return absl::UnavailableError(error);
}

bool RedisPool::healthy() const {
  if (!options_.enabled) return false;
  absl::MutexLock lock(&mu_);
  return absl::Now() >= backoff_until_;
}

int64_t RedisPool::connect_attempts() const {
  absl::MutexLock lock(&mu_);
  return connect_attempts_;
}

void RedisPool::Release(redisContext* context, uint64_t generation,
                        bool failed) {
  {
    absl::MutexLock lock(&mu_);
    // A connection from before the latest failure may be just as broken.
    if (!failed && generation == generation_) {
      idle_.push_back(context);
      return;
    }
    --open_;
  }
  redisFree(context);
}

std::vector<redisContext*> RedisPool::RecordFailureLocked(bool timeout) {
  ++(timeout ? timeouts_ : errors_);
  ++generation_;
  backoff_until_ = absl::Now() + options_.failure_backoff;
  // Idle connections share the failed one's server: drop them so that after
  // the back-off we do not fail again on each stale connection in turn.
  std::vector<redisContext*> dropped;
  dropped.swap(idle_);
  open_ -= static_cast<int>(dropped.size());
  return dropped;
}

RedisPool::Stats RedisPool::stats() const {
  absl::MutexLock lock(&mu_);
  Stats stats;
  stats.idle = static_cast<int>(idle_.size());
  stats.open = open_;
  stats.timeouts = timeouts_;
  stats.errors = errors_;
  stats.skipped = skipped_;
  return stats;
}

absl::Status RedisPool::BackoffStatusLocked() {
  ++skipped_;
  return absl::UnavailableError(
      absl::StrCat("redis: skipped during back-off after: ", last_error_));
}

}  // namespace lookout
