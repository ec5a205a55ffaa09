// The deadline of the RPC a thread is serving, so work it starts far from the gRPC layer (a
// database call) gives up when the caller does instead of running on for nobody.
#ifndef LOOKOUT_COMMON_CALL_DEADLINE_H_
#define LOOKOUT_COMMON_CALL_DEADLINE_H_

#include "absl/time/time.h"

namespace lookout {

// Sets the calling thread's deadline for its lifetime (ServeCall sets it from the call's).
class ScopedCallDeadline {
 public:
  explicit ScopedCallDeadline(absl::Time deadline);
  ~ScopedCallDeadline();
  ScopedCallDeadline(const ScopedCallDeadline&) = delete;
  ScopedCallDeadline& operator=(const ScopedCallDeadline&) = delete;

 private:
  absl::Time previous_;
};

// The serving call's deadline, or InfiniteFuture when the thread serves none or it has none.
absl::Time CurrentCallDeadline();

}  // namespace lookout

#endif  // LOOKOUT_COMMON_CALL_DEADLINE_H_
