// One WatchEvents call on gRPC's callback API. No thread is held while the stream waits for
// commits or for a slow client: reads run on the feed's reader threads (SQLite stays off gRPC's
// callback threads), a follower that has sent everything waits as a ChangeNotifier::Waiter, and
// writes go out one at a time, so a slow client slows only its own stream and no stream holds
// more than one batch. The stream counts against the server's OpenStreams cap, and a stopping
// server ends it with UNAVAILABLE.
#ifndef LOOKOUT_SERVICES_EVENT_WATCH_REACTOR_H_
#define LOOKOUT_SERVICES_EVENT_WATCH_REACTOR_H_

#include <grpcpp/support/server_callback.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/call_context.h"
#include "common/callback_sequence.h"
#include "common/open_streams.h"
#include "lookout/event/v1/event_service.pb.h"
#include "services/event/change_feed.h"
#include "services/event/change_notifier.h"

namespace lookout::event {

class WatchReactor final : public grpc::ServerWriteReactor<v1::WatchEventsResponse>,
                           public ChangeNotifier::Waiter,
                           public OpenStream,
                           public std::enable_shared_from_this<WatchReactor> {
 public:
  // Starts serving the call; gRPC holds the reactor until OnDone. `streams` may be null (no cap,
  // not ended on stop).
  static grpc::ServerWriteReactor<v1::WatchEventsResponse>* Start(
      grpc::CallbackServerContext* context, const v1::WatchEventsRequest& request,
      const InternalAuth* auth, ChangeFeed* feed, OpenStreams* streams);

  WatchReactor(grpc::CallbackServerContext* context, const v1::WatchEventsRequest& request,
               ChangeFeed* feed, OpenStreams* streams);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;
  void OnNewerCommit() override;
  void EndForStop(const absl::Status& status) override;

 private:
  void Begin(const InternalAuth& auth);
  void ScheduleRead();
  // On a reader thread.
  void Read();
  // Sends what is pending, reads more, waits, or finishes. Only while busy_ and no write is in
  // flight. Returns true when the stream should now wait for a commit (done outside the lock).
  bool AdvanceLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WaitForCommit();
  void End(const absl::Status& status);
  void FinishLocked(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  grpc::CallbackServerContext* const context_;
  const v1::WatchEventsRequest request_;
  ChangeFeed* const feed_;
  OpenStreams* const streams_;
  const ServedCall call_;
  // Keeps the reactor alive until OnDone; reads and the notifier hold it only briefly.
  std::shared_ptr<WatchReactor> self_;
  bool registered_ = false;
  // Owned by whichever step holds busy_.
  ChangeFeed::Position position_;

  // gRPC runs OnDone only after every other reaction has returned, ordered inside libgrpc where
  // ThreadSanitizer cannot see it: each reaction releases this as it returns (after unlocking
  // mu_) and OnDone acquires it, so the reactor's destruction visibly follows them.
  CallbackSequence reactions_;

  absl::Mutex mu_;
  // A read is queued or running, or a write is in flight: that step moves the stream on. When
  // false the stream waits for a commit and an ending request may finish it at once.
  bool busy_ ABSL_GUARDED_BY(mu_) = true;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::WatchEventsResponse> pending_ ABSL_GUARDED_BY(mu_);
  bool more_ ABSL_GUARDED_BY(mu_) = false;
  bool first_write_ ABSL_GUARDED_BY(mu_) = true;
  v1::WatchEventsResponse writing_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_WATCH_REACTOR_H_
