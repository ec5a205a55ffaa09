// Keeps the read model in step with the event service's change log.
//
// First a catch-up: WatchEvents(after_sequence = applied, follow = false), which ends once every
// change up to the head at call time was sent; when it completes the model is marked caught up
// and `on_caught_up` runs (the binary flips health to SERVING). Then it follows:
// WatchEvents(after_sequence = applied, follow = true) for as long as the stream lives. When the
// event service goes away it retries with exponential back-off (with jitter), always from the
// last sequence applied, so no change is lost and none is applied twice.
//
// A sequence means something only within one change log: each request carries the log id the
// model follows (learnt from the first change of a stream) and the etag of the last change
// applied, and the event service refuses it (FAILED_PRECONDITION) when its log has another id,
// its head is below the applied sequence, or its change at that sequence has another etag (the
// event store was recreated, or restored from an older copy). The follower then resets the model
// and rebuilds it from sequence 0, as a catch-up again.
#ifndef LOOKOUT_SERVICES_STATS_FEED_FOLLOWER_H_
#define LOOKOUT_SERVICES_STATS_FEED_FOLLOWER_H_

#include <grpcpp/client_context.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "services/stats/read_model.h"

namespace lookout::stats {

struct FeedOptions {
  std::string internal_token;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // Changes applied under one lock while catching up (following applies each as it arrives).
  int catch_up_batch = 512;
};

class FeedFollower {
 public:
  // `stub` and `model` must outlive the follower.
  FeedFollower(lookout::event::v1::EventService::StubInterface* stub, ReadModel* model,
               FeedOptions options, std::function<void()> on_caught_up = nullptr);
  ~FeedFollower();

  void Start();
  // Cancels the open stream and joins the thread. Idempotent.
  void Stop();

  // Streams opened so far and how many ended in an error (for tests and logs).
  int64_t streams_opened() const;
  int64_t stream_failures() const;
  // Rebuilds from sequence 0 because the event service's change log was replaced.
  int64_t rebuilds() const;

 private:
  void Run();
  // One WatchEvents call from the applied sequence; OK when it ended cleanly.
  absl::Status Stream(bool follow);
  // Sleeps `delay` unless stopped first; false when stopped.
  bool Sleep(absl::Duration delay);

  lookout::event::v1::EventService::StubInterface* const stub_;
  ReadModel* const model_;
  const FeedOptions options_;
  std::function<void()> on_caught_up_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* active_ ABSL_GUARDED_BY(mu_) = nullptr;
  int64_t streams_opened_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t stream_failures_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rebuilds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_FEED_FOLLOWER_H_
