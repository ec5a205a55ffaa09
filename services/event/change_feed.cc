#include "services/event/change_feed.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "event_filter/event_validation.h"
#include "event_filter/matcher.h"
#include "services/event/event_history.h"
#include "google/protobuf/unknown_field_set.h"

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

absl::Status ChangeFeed::CheckRequest(const v1::WatchEventsRequest& request) const {
  if (request.after_sequence() < 0) {
    return errors::InvalidField(
        "after_sequence", absl::StrCat("must not be negative (0 starts from the beginning), got ",
                                       request.after_sequence()));
  }
  LOOKOUT_RETURN_IF_ERROR(validation::CheckText("after_etag", request.after_etag(),
                                                validation::kMaxIdLength, /*required=*/false));
  if (!request.after_etag().empty() && request.after_sequence() == 0) {
    return errors::InvalidField("after_etag",
                                "names the change at after_sequence, so it needs after_sequence > 0");
  }
  LOOKOUT_RETURN_IF_ERROR(event_filter::ValidateFilter(request.filter()));
  const std::string& log_id = store_->change_log_id();
  if (!request.change_log_id().empty() && request.change_log_id() != log_id) {
    return errors::ChangeLogReplaced(
        "change_log_id", absl::StrCat("the change log is \"", log_id, "\" now, not \"",
                                      request.change_log_id(), "\" (recreated or restored)"));
  }
  // Every sequence a client was ever given is at most the durable head, which never goes back
  // while the log lives: one above it comes from a log that was recreated or restored.
  LOOKOUT_ASSIGN_OR_RETURN(const int64_t head, store_->HeadSequence());
  if (request.after_sequence() > head) {
    return errors::ChangeLogReplaced(
        "after_sequence",
        absl::StrCat(request.after_sequence(), " is past the head of the change log \"", log_id,
                     "\" (", head, "): the log was recreated or restored"));
  }
  return absl::OkStatus();
}

absl::Status ChangeFeed::CheckAfterEtag(const v1::WatchEventsRequest& request) {
  if (request.after_etag().empty()) return absl::OkStatus();
  const int64_t at = request.after_sequence();
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<Change> changes, store_->ChangesAfter(at - 1, at, 1));
  // A copy restored from an older file keeps the log's id, and once it takes new writes its head
  // passes the caller's sequence again; but every write draws a new etag, so the change there is
  // not the one the caller received.
  if (changes.empty() || changes.front().sequence != at) {
    // Compaction removed the change there (a newer change of its event supersedes it): the
    // position is still a valid place to resume from, with nothing to compare.
    LOOKOUT_ASSIGN_OR_RETURN(const int64_t horizon, store_->HistoryHorizon());
    if (at <= horizon) return absl::OkStatus();
    return errors::ChangeLogReplaced(
        "after_etag", absl::StrCat("the change log \"", store_->change_log_id(),
                                   "\" has no change at sequence ", at, " (restored)"));
  }
  v1::Event event;
  if (!event.ParseFromString(changes.front().event_bytes)) {
    return errors::StorageFailure(absl::StrCat("unreadable event record at sequence ", at));
  }
  if (event.etag() != request.after_etag()) {
    return errors::ChangeLogReplaced(
        "after_etag",
        absl::StrCat("the change at sequence ", at, " has etag \"", event.etag(), "\", not \"",
                     request.after_etag(), "\": the log was restored from an older copy"));
  }
  return absl::OkStatus();
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
    LOOKOUT_RETURN_IF_ERROR(CheckAfterEtag(request));
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
    // The stream's first message names the log, so a consumer learns which one its sequences
    // belong to.
    if (!position->log_id_sent) message.set_change_log_id(store_->change_log_id());
    *message.mutable_provenance() = ProvenanceOf(change.author);
    if (pass_through) {
      *message.GetReflection()->MutableUnknownFields(&message)->AddLengthDelimited(
          v1::WatchEventsResponse::kEventFieldNumber) = std::move(change.event_bytes);
    } else {
      if (!event.ParseFromString(change.event_bytes)) {
        return errors::StorageFailure(
            absl::StrCat("unreadable event record at sequence ", change.sequence));
      }
      if (!event_filter::MatchesFilter(event, request.filter())) continue;
      message.mutable_event()->Swap(&event);
    }
    position->log_id_sent = true;
    batch.changes.push_back(std::move(message));
  }
  return batch;
}

}  // namespace lookout::event
