// A few threads for blocking work (hiredis calls), so gRPC's callback threads never wait on a
// socket. Tasks run in submission order per thread; the destructor runs what is queued, then joins.
#ifndef LOOKOUT_SERVICES_GATEWAY_BLOCKING_POOL_H_
#define LOOKOUT_SERVICES_GATEWAY_BLOCKING_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace lookout::gateway {

class BlockingPool {
 public:
  explicit BlockingPool(int threads);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  void Submit(std::function<void()> task);

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_BLOCKING_POOL_H_
