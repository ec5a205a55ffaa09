// WatchEvents: streams the change log after a sequence number, the backlog first, then (with
// follow) each change as it commits. The cursor advances over every change, sent or filtered
// out, so a consumer that resumes from the last sequence it saw neither misses nor repeats one.
#ifndef LOOKOUT_SERVICES_EVENT_CHANGE_FEED_H_
#define LOOKOUT_SERVICES_EVENT_CHANGE_FEED_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lookout/event/v1/event_service.pb.h"
#include "services/event/change_notifier.h"
#include "services/event/event_store.h"

namespace lookout::event {

struct ChangeFeedOptions {
  // Changes read from the store at a time: bounds the memory one stream holds.
  int batch_size = 256;
  // How often a waiting follower wakes to check for cancellation.
  absl::Duration poll_interval = absl::Seconds(1);
};

class ChangeFeed {
 public:
  // Both must outlive the feed.
  ChangeFeed(EventStore* store, ChangeNotifier* notifier, ChangeFeedOptions options = {});

  // Sends one change; returns false when the client is gone. It may block (flow control): a
  // slow client slows its own stream instead of making the server buffer without bound.
  using Sink = std::function<bool(const v1::WatchEventsResponse&)>;

  // Returns OK once a non-following stream reached the head as of the call, CANCELLED when
  // the client went away or `cancelled` says so, or the error that ended the stream.
  // `flush` (optional) runs whenever everything available has been passed to `send`: before a
  // follower waits for new commits and before a non-following stream ends. A sink that lets
  // gRPC batch its writes pushes them out there (false: the client is gone).
  absl::Status Watch(const v1::WatchEventsRequest& request, const Sink& send,
                     const std::function<bool()>& cancelled,
                     const std::function<bool()>& flush = nullptr);

 private:
  EventStore* const store_;
  ChangeNotifier* const notifier_;
  const ChangeFeedOptions options_;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_CHANGE_FEED_H_
