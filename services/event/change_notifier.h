// Tells WatchEvents streams that the change log grew. The store's commit listener publishes the
// newest committed sequence; followers wait until it passes what they have sent.
#ifndef LOOKOUT_SERVICES_EVENT_CHANGE_NOTIFIER_H_
#define LOOKOUT_SERVICES_EVENT_CHANGE_NOTIFIER_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lookout::event {

class ChangeNotifier {
 public:
  explicit ChangeNotifier(int64_t head = 0) : head_(head) {}
  ChangeNotifier(const ChangeNotifier&) = delete;
  ChangeNotifier& operator=(const ChangeNotifier&) = delete;

  // Records that changes up to `head` are committed (lower values are ignored) and wakes
  // every waiter.
  void Publish(int64_t head);

  int64_t head() const;

  // Waits until head() > `sequence` or `timeout` passes; returns head(). The timeout lets a
  // follower notice a cancelled client or a stopping server.
  int64_t WaitForNewerThan(int64_t sequence, absl::Duration timeout);

 private:
  mutable absl::Mutex mu_;
  int64_t head_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_CHANGE_NOTIFIER_H_
