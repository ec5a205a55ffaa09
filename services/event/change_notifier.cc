#include "services/event/change_notifier.h"

#include <iterator>
#include <vector>

namespace lookout::event {

void ChangeNotifier::Publish(int64_t head) {
  std::vector<std::weak_ptr<Waiter>> due;
  {
    absl::MutexLock lock(&mu_);
    if (head <= head_) return;
    head_ = head;
    auto end = waiters_.lower_bound(head);
    for (auto it = waiters_.begin(); it != end; ++it) due.push_back(std::move(it->second));
    waiters_.erase(waiters_.begin(), end);
  }
  // Outside the lock: a waiter may register again from its reaction.
  for (const std::weak_ptr<Waiter>& weak : due) {
    if (std::shared_ptr<Waiter> waiter = weak.lock()) waiter->OnNewerCommit();
  }
}

int64_t ChangeNotifier::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

void ChangeNotifier::NotifyWhenNewerThan(int64_t sequence, std::weak_ptr<Waiter> waiter) {
  {
    absl::MutexLock lock(&mu_);
    if (head_ <= sequence) {
      // Without commits nothing drops the entries of waiters that ended (cancelled followers):
      // sweep them whenever the map has doubled since the last sweep.
      if (waiters_.size() >= sweep_at_) {
        for (auto it = waiters_.begin(); it != waiters_.end();) {
          it = it->second.expired() ? waiters_.erase(it) : std::next(it);
        }
        sweep_at_ = 2 * waiters_.size() + 64;
      }
      waiters_.emplace(sequence, std::move(waiter));
      return;
    }
  }
  if (std::shared_ptr<Waiter> alive = waiter.lock()) alive->OnNewerCommit();
}

int ChangeNotifier::waiting() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(waiters_.size());
}

}  // namespace lookout::event
