// WatchEvents' reading side: the change log after a sequence number, a batch at a time, the
// backlog first, then (with follow) each change as it commits. The cursor advances over every
// change, sent or filtered out, so a consumer that resumes from the last sequence it saw neither
// misses nor repeats one. Reads block on SQLite, so they run on the feed's own reader threads,
// never on gRPC's callback threads (see WatchReactor).
#ifndef LOOKOUT_SERVICES_EVENT_CHANGE_FEED_H_
#define LOOKOUT_SERVICES_EVENT_CHANGE_FEED_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lookout/event/v1/event_service.pb.h"
#include "services/event/change_notifier.h"
#include "services/event/event_store.h"

namespace lookout::event {

struct ChangeFeedOptions {
  // Changes read from the store at a time: bounds the memory one stream holds.
  int batch_size = 256;
  // Threads that run every stream's reads. A read is one short query, so a few serve many
  // streams; a stream waiting for commits or for its client holds none.
  int reader_threads = 2;
};

class ChangeFeed {
 public:
  // Where one stream is in the log.
  struct Position {
    int64_t after = 0;
    // Without follow the stream ends at the head as of its first read.
    int64_t up_to = std::numeric_limits<int64_t>::max();
    bool started = false;
    // The change log's id went out with the first change.
    bool log_id_sent = false;
  };
  struct Batch {
    std::vector<v1::WatchEventsResponse> changes;
    // The read filled a whole batch: more backlog may follow at once.
    bool more = false;
  };

  // Both must outlive the feed.
  ChangeFeed(EventStore* store, ChangeNotifier* notifier, ChangeFeedOptions options = {});
  // Joins the reader threads; tasks still queued are dropped. Stop the server first.
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // INVALID_ARGUMENT naming the field for a request that cannot be served; FAILED_PRECONDITION
  // when its position (change_log_id, after_sequence) belongs to another change log. Reads no
  // table, so it may run on gRPC's callback thread.
  absl::Status CheckRequest(const v1::WatchEventsRequest& request) const;

  // The next batch after `position` (which it advances). Blocks on the store: call it from a
  // task given to RunOnReader. The first read of a stream also checks after_etag (it reads the
  // change at after_sequence): FAILED_PRECONDITION naming it when that change is another one.
  absl::StatusOr<Batch> ReadBatch(const v1::WatchEventsRequest& request, Position* position);

  // Runs `task` on a reader thread.
  void RunOnReader(std::function<void()> task);

  ChangeNotifier* notifier() const { return notifier_; }

 private:
  // FAILED_PRECONDITION unless the change at after_sequence carries after_etag (when given).
  absl::Status CheckAfterEtag(const v1::WatchEventsRequest& request);
  void ReaderLoop();
  bool ReaderHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  EventStore* const store_;
  ChangeNotifier* const notifier_;
  const ChangeFeedOptions options_;

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> readers_;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_CHANGE_FEED_H_
