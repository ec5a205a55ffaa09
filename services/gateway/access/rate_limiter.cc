#include "services/gateway/access/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto.h"
#include "common/logging.h"

namespace lookout::gateway {
namespace {

// Keys unused this long are forgotten (their Redis state expires by itself).
constexpr absl::Duration kIdleKeyLifetime = absl::Seconds(30);

}  // namespace

std::string RateLimitedMessage(const std::string& key, const RateLimit& limit,
                               absl::Duration retry_after) {
  // Rounded up to the millisecond, so a client that waits exactly this long gets through.
  double seconds = std::ceil(absl::ToDoubleMilliseconds(retry_after)) / 1000.0;
  return absl::StrFormat(
      "rate limit exceeded for key \"%s\" (%g calls per second, burst %d): retry in %.3fs", key,
      limit.per_second, limit.burst, seconds);
}

std::string ImportLimitedMessage(const std::string& key, const RateLimit& limit, int64_t rows,
                                 absl::Duration retry_after) {
  double seconds = std::ceil(absl::ToDoubleMilliseconds(retry_after)) / 1000.0;
  return absl::StrFormat(
      "import rate limit exceeded for key \"%s\" (%g rows per second, burst %d; this request "
      "needs %d): retry in %.3fs",
      key, limit.per_second, limit.burst, rows, seconds);
}

RateLimit LocalShare(const RateLimit& limit, int replicas) {
  if (replicas <= 1) return limit;
  RateLimit share;
  share.per_second = limit.per_second / replicas;
  share.burst = std::max<int64_t>(1, limit.burst / replicas);
  return share;
}

RateLimiter::RateLimiter(RedisGcra* redis, BlockingPool* pool, RateLimiterOptions options)
    : redis_(redis), pool_(pool), options_(options), replica_id_(RandomHex(8)) {
  sweeper_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.sweep_interval)) Sweep();
  });
}

RateLimiter::~RateLimiter() {
  stop_.Notify();
  sweeper_.join();
}

void RateLimiter::Acquire(const std::string& key, const RateLimit& limit, int64_t cost, Done done) {
  cost = std::clamp<int64_t>(cost, 1, limit.burst);
  enum class Path { kLeased, kLocal, kWait } path;
  bool start_fetch = false;
  {
    absl::MutexLock lock(&mu_);
    KeyState& state = keys_[key];
    state.last_used = absl::Now();
    if (state.leased >= cost && state.waiters.empty()) {
      state.leased -= cost;
      path = Path::kLeased;
    } else if (redis_ == nullptr || !redis_->healthy()) {
      // Redis is down or backing off after a failure: no round trip, decide here.
      ++local_decisions_;
      path = Path::kLocal;
    } else {
      state.waiters.push_back({cost, std::move(done)});
      state.limit = limit;
      start_fetch = !state.fetching;
      state.fetching = true;
      path = Path::kWait;
    }
  }
  switch (path) {
    case Path::kLeased:
      done(RateDecision{true, absl::ZeroDuration()});
      return;
    case Path::kLocal: {
      const RateLimit share = LocalShare(limit, replicas());
      done(local_.Take(key, share, std::min(cost, share.burst)));
      return;
    }
    case Path::kWait:
      if (start_fetch) pool_->Submit([this, key] { Fetch(key); });
      return;
  }
}

void RateLimiter::ServeFromLease(KeyState& state,
                                 std::vector<std::pair<Done, RateDecision>>* decided) {
  size_t served = 0;
  while (served < state.waiters.size() && state.leased >= state.waiters[served].cost) {
    state.leased -= state.waiters[served].cost;
    decided->emplace_back(std::move(state.waiters[served].done),
                          RateDecision{true, absl::ZeroDuration()});
    ++served;
  }
  state.waiters.erase(state.waiters.begin(), state.waiters.begin() + served);
}

void RateLimiter::Fetch(const std::string& key) {
  // One round trip per task: a key whose calls keep coming goes to the back of the queue.
  int64_t want = 0;
  int64_t need = 0;
  RateLimit limit;
  std::vector<std::pair<Done, RateDecision>> decided;
  {
    absl::MutexLock lock(&mu_);
    KeyState& state = keys_[key];
    // What the lease already holds serves the first waiters; the trip is for the rest.
    ServeFromLease(state, &decided);
    if (state.waiters.empty()) {
      state.fetching = false;
    } else {
      for (const Waiter& waiter : state.waiters) want += waiter.cost;
      want -= state.leased;
      need = state.waiters.front().cost - state.leased;
      limit = state.limit;
      ++redis_trips_;
    }
  }
  if (need == 0) {
    for (auto& [waiter, decision] : decided) waiter(decision);
    return;
  }
  absl::StatusOr<TokenGrant> grant = redis_->Take(key, limit, want, options_.lease, need);

  std::vector<Waiter> to_local;
  bool again = false;
  {
    absl::MutexLock lock(&mu_);
    KeyState& state = keys_[key];
    if (!grant.ok()) {
      to_local.swap(state.waiters);
      local_decisions_ += static_cast<int64_t>(to_local.size());
      state.fetching = false;
    } else if (grant->granted > 0) {
      state.leased += grant->granted;
      state.leased_at = absl::Now();
      ServeFromLease(state, &decided);
      // More calls arrived than the grant covered: another trip decides them.
      again = !state.waiters.empty();
      state.fetching = again;
    } else {
      // The first waiter's tokens are not there: it and those behind it (in order) wait.
      for (Waiter& waiter : state.waiters) {
        decided.emplace_back(std::move(waiter.done), RateDecision{false, grant->retry_after});
      }
      state.waiters.clear();
      state.fetching = false;
    }
  }
  if (!grant.ok()) {
    LogWarning("rate limit state unreachable, limiting locally",
               {{"error", grant.status().ToString()}});
  }
  for (auto& [waiter, decision] : decided) waiter(decision);
  const RateLimit share = LocalShare(limit, replicas());
  for (Waiter& waiter : to_local) {
    waiter.done(local_.Take(key, share, std::min(waiter.cost, share.burst)));
  }
  if (again) pool_->Submit([this, key] { Fetch(key); });
}

int RateLimiter::replicas() const {
  if (options_.replicas_from != nullptr) return options_.replicas_from->replicas();
  const int seen = replicas_seen_.load(std::memory_order_relaxed);
  return seen > 0 ? seen : options_.replicas;
}

void RateLimiter::Heartbeat() {
  const absl::Time now = absl::Now();
  if (redis_ == nullptr || options_.replicas_from != nullptr || now < next_heartbeat_) return;
  next_heartbeat_ = now + options_.heartbeat_interval;
  if (!redis_->healthy()) return;  // the last count seen holds
  absl::StatusOr<int64_t> count = redis_->CountReplicas(replica_id_, options_.heartbeat_window);
  if (count.ok() && *count > 0) {
    const int previous = replicas_seen_.exchange(static_cast<int>(*count));
    if (previous != *count) {
      LogInfo("gateway replicas sharing the rate limits", {{"replicas", absl::StrCat(*count)}});
    }
  }
}

void RateLimiter::Sweep() {
  struct Unused {
    std::string key;
    RateLimit limit;
    int64_t tokens;
  };
  std::vector<Unused> unused;
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    for (auto it = keys_.begin(); it != keys_.end();) {
      KeyState& state = it->second;
      if (state.fetching) {
        ++it;
        continue;
      }
      if (state.leased > 0 && now - state.leased_at > options_.lease_ttl) {
        unused.push_back({it->first, state.limit, state.leased});
        state.leased = 0;
      }
      if (state.leased == 0 && now - state.last_used > kIdleKeyLifetime) {
        keys_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  for (const Unused& entry : unused) {
    // Best effort: a failed give-back only makes the key wait a little longer.
    redis_->Give(entry.key, entry.limit, entry.tokens).IgnoreError();
  }
  local_.Prune();
  Heartbeat();
}

int64_t RateLimiter::redis_trips() const {
  absl::MutexLock lock(&mu_);
  return redis_trips_;
}

int64_t RateLimiter::local_decisions() const {
  absl::MutexLock lock(&mu_);
  return local_decisions_;
}

}  // namespace lookout::gateway
