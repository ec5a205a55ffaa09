#include "services/event/watch_reactor.h"

#include <utility>

namespace lookout::event {

grpc::ServerWriteReactor<v1::WatchEventsResponse>* WatchReactor::Start(
    grpc::CallbackServerContext* context, const v1::WatchEventsRequest& request,
    const InternalAuth* auth, ChangeFeed* feed, OpenStreams* streams) {
  auto reactor = std::make_shared<WatchReactor>(context, request, feed, streams);
  reactor->self_ = reactor;
  reactor->Begin(*auth);
  return reactor.get();
}

WatchReactor::WatchReactor(grpc::CallbackServerContext* context,
                           const v1::WatchEventsRequest& request, ChangeFeed* feed,
                           OpenStreams* streams)
    : context_(context),
      request_(request),
      feed_(feed),
      streams_(streams),
      call_(BeginServedCall(*context)) {}

void WatchReactor::Begin(const InternalAuth& auth) {
  absl::Status status = auth.Check(*context_);
  if (status.ok()) status = feed_->CheckRequest(request_);
  if (status.ok() && streams_ != nullptr) {
    status = streams_->Add(this);
    registered_ = status.ok();
  }
  if (!status.ok()) {
    absl::MutexLock lock(&mu_);
    FinishLocked(status);
    return;
  }
  ScheduleRead();  // busy_ from the start: an early cancel only marks the stream
}

void WatchReactor::ScheduleRead() {
  feed_->RunOnReader([self = shared_from_this()] { self->Read(); });
}

void WatchReactor::Read() {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (end_.has_value()) {
      FinishLocked(*end_);
      return;
    }
  }
  absl::StatusOr<ChangeFeed::Batch> batch = feed_->ReadBatch(request_, &position_);
  bool wait = false;
  {
    absl::MutexLock lock(&mu_);
    if (!batch.ok()) {
      FinishLocked(end_.value_or(batch.status()));
      return;
    }
    for (v1::WatchEventsResponse& change : batch->changes) pending_.push_back(std::move(change));
    more_ = batch->more;
    wait = AdvanceLocked();
  }
  if (wait) WaitForCommit();
}

bool WatchReactor::AdvanceLocked() {
  if (end_.has_value()) {
    FinishLocked(*end_);
    return false;
  }
  // The last change known is held back while more backlog may follow, so that it can go out
  // unhinted once the stream has caught up. Backlog goes out with buffer hints, so gRPC packs
  // many changes into one write (a stats rebuild streams the whole log); the first write is never
  // hinted (it carries the headers, which gRPC would otherwise hold back), nor is the last one
  // before the stream waits or ends, so live changes are never delayed.
  if (pending_.size() > 1 || (pending_.size() == 1 && !more_)) {
    writing_ = std::move(pending_.front());
    pending_.pop_front();
    grpc::WriteOptions options;
    if (!first_write_ && (!pending_.empty() || more_)) options.set_buffer_hint();
    first_write_ = false;
    StartWrite(&writing_, options);
    return false;
  }
  if (more_) {
    ScheduleRead();
    return false;
  }
  if (!request_.follow()) {
    FinishLocked(absl::OkStatus());
    return false;
  }
  busy_ = false;
  return true;
}

void WatchReactor::WaitForCommit() {
  // Registered outside mu_: the notifier may call OnNewerCommit right here.
  feed_->notifier()->NotifyWhenNewerThan(position_.after, weak_from_this());
}

void WatchReactor::OnNewerCommit() {
  absl::MutexLock lock(&mu_);
  if (finished_ || busy_) return;
  busy_ = true;
  ScheduleRead();
}

void WatchReactor::OnWriteDone(bool ok) {
  bool wait = false;
  {
    absl::MutexLock lock(&mu_);
    if (!ok && !end_.has_value()) end_ = absl::CancelledError("the client went away");
    wait = AdvanceLocked();
  }
  if (wait) WaitForCommit();
  reactions_.Release();
}

void WatchReactor::OnCancel() {
  End(absl::CancelledError("the client cancelled the watch"));
  reactions_.Release();
}

void WatchReactor::EndForStop(const absl::Status& status) {
  End(status);
  reactions_.Release();  // OpenStreams holds its lock: OnDone cannot have run yet
}

void WatchReactor::End(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  if (!end_.has_value()) end_ = status;
  // A busy stream finishes when its read or write completes.
  if (!busy_) FinishLocked(*end_);
}

void WatchReactor::FinishLocked(const absl::Status& status) {
  finished_ = true;
  busy_ = false;
  Finish(EdgeStatus(*context_, "WatchEvents", call_, status));
}

void WatchReactor::OnDone() {
  reactions_.Acquire();
  if (registered_) streams_->Remove(this);
  // The last reference may be this one: nothing may touch the reactor after it goes.
  std::shared_ptr<WatchReactor> last = std::move(self_);
}

}  // namespace lookout::event
