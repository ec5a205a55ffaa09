// A small pool of hiredis connections with a failure back-off.
//
// A redisContext is not thread-safe and is unusable after any I/O or protocol
// error (hiredis 0.14). So each borrower gets exclusive use of one context
// through an RAII Lease, a context that saw an error is freed instead of being
// returned, and the next borrower connects anew. When Redis fails, the pool
// refuses to hand out connections for `failure_backoff`, so callers skip the
// cache at once instead of paying a timeout on every request.

#ifndef LOOKOUT_COMMON_REDIS_POOL_H_
#define LOOKOUT_COMMON_REDIS_POOL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct redisContext;

namespace lookout {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  // Upper bound on open connections; borrowers wait when all are in use.
  int pool_size = 8;
  absl::Duration connect_timeout = absl::Milliseconds(100);
  absl::Duration command_timeout = absl::Milliseconds(100);
  // After a failure, Redis is skipped (no network at all) for this long.
  absl::Duration failure_backoff = absl::Seconds(1);
  // When false, every call returns Unavailable without touching the network.
  bool enabled = true;
  // Label for the cache metrics (lookout_cache_requests_total{cache=...}).
  std::string cache_name = "redis";
};

class RedisPool {
 public:
  // Exclusive use of one connection; returns it to the pool when destroyed,
  // or frees it if Fail() was called.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    redisContext* context() const { return context_; }

    // The connection hit an I/O or protocol error: it is freed on release,
    // the other idle connections are dropped (they most likely share its
    // fate), and the pool backs off. Returns Unavailable describing the error.
    absl::Status Fail();

   private:
    friend class RedisPool;
    Lease(RedisPool* pool, redisContext* context, uint64_t generation)
        : pool_(pool), context_(context), generation_(generation) {}
    void Release();

    RedisPool* pool_ = nullptr;
    redisContext* context_ = nullptr;
    uint64_t generation_ = 0;
    bool failed_ = false;
  };

  explicit RedisPool(const RedisOptions& options);
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;
  // All leases must have been released.
  ~RedisPool();

  // Borrows an idle connection or opens a new one (outside the lock). Waits
  // while pool_size connections are lent out; the wait is bounded because
  // each holder runs one command under command_timeout. Unavailable when
  // disabled, backing off, or the connect fails.
  absl::StatusOr<Lease> Acquire();

  bool enabled() const { return options_.enabled; }
  // False while backing off after a failure (and when disabled).
  bool healthy() const;
  // Connection attempts so far; lets tests prove the back-off skips the
  // network.
  int64_t connect_attempts() const;

  // For the metrics (see RedisCache).
  struct Stats {
    int idle = 0;            // connections waiting in the pool
    int open = 0;            // idle + lent out + connecting
    int64_t timeouts = 0;    // failures that were a connect or command timeout
    int64_t errors = 0;      // other failures (refused, reset, protocol)
    int64_t skipped = 0;     // calls refused at once during a back-off (callers fall back)
  };
  Stats stats() const;

 private:
  void Release(redisContext* context, uint64_t generation, bool failed);
  // Starts the back-off and takes the idle connections out of the pool;
  // returns them so the caller frees them after unlocking.
  std::vector<redisContext*> RecordFailureLocked(bool timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts the skipped call, hence not const.
  absl::Status BackoffStatusLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RedisOptions options_;
  mutable absl::Mutex mu_;
  std::vector<redisContext*> idle_ ABSL_GUARDED_BY(mu_);
  // Connections open or being opened (idle + lent out + connecting).
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Bumped on every failure: connections lent out under an older generation
  // are freed on return, and waiting borrowers give up.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time backoff_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  int64_t connect_attempts_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t timeouts_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t errors_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t skipped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_REDIS_POOL_H_
