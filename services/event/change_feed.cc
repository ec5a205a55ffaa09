#include "services/event/change_feed.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/unknown_field_set.h"
#include "services/event/event_filter_matcher.h"
#include "services/event/event_validation.h"

namespace lookout::event {

ChangeFeed::ChangeFeed(EventStore* store, ChangeNotifier* notifier, ChangeFeedOptions options)
    : store_(store), notifier_(notifier), options_(options) {
  for (int i = 0; i < std::max(1, options_.reader_threads); ++i) {
    readers_.emplace_back([this] { ReaderLoop(); });
  }
}

ChangeFeed::~ChangeFeed() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& reader : readers_) reader.join();
}

void ChangeFeed::RunOnReader(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(task));
}

void ChangeFeed::ReaderLoop() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &ChangeFeed::ReaderHasWork));
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

bool ChangeFeed::ReaderHasWork() const { return stopping_ || !tasks_.empty(); }

absl::Status ChangeFeed::CheckRequest(const v1::WatchEventsRequest& request) {
  if (request.after_sequence() < 0) {
    return errors::InvalidField(
        "after_sequence", absl::StrCat("must not be negative (0 starts from the beginning), got ",
                                       request.after_sequence()));
  }
  return ValidateFilter(request.filter());
}

absl::StatusOr<ChangeFeed::Batch> ChangeFeed::ReadBatch(const v1::WatchEventsRequest& request,
                                                        Position* position) {
  if (!position->started) {
    position->started = true;
    position->after = request.after_sequence();
    // Without follow the stream ends at the head as it is now; changes committed later are for
    // the next call, which resumes from the last sequence this one sent.
    if (!request.follow()) {
      LOOKOUT_ASSIGN_OR_RETURN(position->up_to, store_->HeadSequence());
    }
  }
  LOOKOUT_ASSIGN_OR_RETURN(
      std::vector<Change> changes,
      store_->ChangesAfter(position->after, position->up_to, options_.batch_size));
  // Without a filter nothing looks inside an event, so its stored bytes go out as they are:
  // kept as field 3 among the message's unknown fields, they serialize exactly as a set `event`
  // would (same number, same length-delimited encoding), and the client parses an Event.
  const bool pass_through = request.filter().ByteSizeLong() == 0;  // no field set at all
  Batch batch;
  batch.more = static_cast<int>(changes.size()) == options_.batch_size;
  batch.changes.reserve(changes.size());
  v1::Event event;
  for (Change& change : changes) {
    position->after = change.sequence;
    v1::WatchEventsResponse message;
    message.set_sequence(change.sequence);
    message.set_type(change.type);
    if (pass_through) {
      *message.GetReflection()->MutableUnknownFields(&message)->AddLengthDelimited(
          v1::WatchEventsResponse::kEventFieldNumber) = std::move(change.event_bytes);
    } else {
      if (!event.ParseFromString(change.event_bytes)) {
        return errors::StorageFailure(
            absl::StrCat("unreadable event record at sequence ", change.sequence));
      }
      if (!MatchesFilter(event, request.filter())) continue;
      message.mutable_event()->Swap(&event);
    }
    batch.changes.push_back(std::move(message));
  }
  return batch;
}

}  // namespace lookout::event
