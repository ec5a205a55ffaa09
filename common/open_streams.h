// The long-lived streams a server has open (WatchEvents watchers, and the gateway's forwarded
// ones): a per-process cap on how many may be open at once, and the way a stopping server ends
// them. gRPC's Shutdown waits for every call to finish; a follow stream never does by itself, so
// without this a stop would wait out the whole grace period.
#ifndef LOOKOUT_COMMON_OPEN_STREAMS_H_
#define LOOKOUT_COMMON_OPEN_STREAMS_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace lookout {

class OpenStream {
 public:
  virtual ~OpenStream() = default;
  // The server is stopping: finish the call with `status` (UNAVAILABLE) as soon as no operation
  // of the stream is outstanding. Runs at most once, on the stopping thread; must not block and
  // must not call back into OpenStreams.
  virtual void EndForStop(const absl::Status& status) = 0;
};

class OpenStreams {
 public:
  // `max_open` streams at once; 0 means no cap. `cap_setting` names the setting in errors.
  explicit OpenStreams(int max_open = 0, std::string cap_setting = "");
  OpenStreams(const OpenStreams&) = delete;
  OpenStreams& operator=(const OpenStreams&) = delete;

  // OK and the stream is tracked until Remove; RESOURCE_EXHAUSTED at the cap; UNAVAILABLE once
  // EndAll has run (the server is stopping).
  absl::Status Add(OpenStream* stream);
  void Remove(OpenStream* stream);

  // Refuses new streams from now on and ends every open one with UNAVAILABLE.
  void EndAll();

  int open() const;
  int max_open() const { return max_open_; }

 private:
  const int max_open_;
  const std::string cap_setting_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<OpenStream*> streams_ ABSL_GUARDED_BY(mu_);
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
};

// The status a stream ended by a stopping server gets: UNAVAILABLE, so clients retry, and they
// resume from the last sequence they received.
absl::Status StoppingStatus();

}  // namespace lookout

#endif  // LOOKOUT_COMMON_OPEN_STREAMS_H_
