// Tells WatchEvents streams that the change log grew. The store's commit listener publishes the
// newest committed sequence; a follower that has sent everything registers to be told when the
// head passes its cursor, without holding a thread while it waits.
#ifndef LOOKOUT_SERVICES_EVENT_CHANGE_NOTIFIER_H_
#define LOOKOUT_SERVICES_EVENT_CHANGE_NOTIFIER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace lookout::event {

class ChangeNotifier {
 public:
  class Waiter {
   public:
    virtual ~Waiter() = default;
    // The head passed the sequence the waiter registered with. Must not block: it runs on the
    // committing thread (or the registering one).
    virtual void OnNewerCommit() = 0;
  };

  explicit ChangeNotifier(int64_t head = 0) : head_(head) {}
  ChangeNotifier(const ChangeNotifier&) = delete;
  ChangeNotifier& operator=(const ChangeNotifier&) = delete;

  // Records that changes up to `head` are committed (lower values are ignored) and tells every
  // waiter that was waiting for less.
  void Publish(int64_t head);

  int64_t head() const;

  // Calls `waiter->OnNewerCommit()` once, when head() > `sequence`: right here if it already is,
  // else from the Publish that passes it. Only a weak reference is kept, so a waiter that ended
  // meanwhile is simply skipped.
  void NotifyWhenNewerThan(int64_t sequence, std::weak_ptr<Waiter> waiter);

  // Registered waiters not yet told (including ones that have ended since); for tests.
  int waiting() const;

 private:
  mutable absl::Mutex mu_;
  int64_t head_ ABSL_GUARDED_BY(mu_);
  std::multimap<int64_t, std::weak_ptr<Waiter>> waiters_ ABSL_GUARDED_BY(mu_);
  size_t sweep_at_ ABSL_GUARDED_BY(mu_) = 64;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_CHANGE_NOTIFIER_H_
