#include "services/event/change_notifier.h"

namespace lookout::event {

void ChangeNotifier::Publish(int64_t head) {
  absl::MutexLock lock(&mu_);
  // absl::Mutex re-evaluates waiters' conditions on unlock: no separate signal is needed.
  if (head > head_) head_ = head;
}

int64_t ChangeNotifier::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

int64_t ChangeNotifier::WaitForNewerThan(int64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  struct Args {
    const int64_t* head;
    int64_t sequence;
  } args{&head_, sequence};
  mu_.AwaitWithTimeout(absl::Condition(
                           +[](Args* a) { return *a->head > a->sequence; }, &args),
                       timeout);
  return head_;
}

}  // namespace lookout::event
