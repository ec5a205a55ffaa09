#include "services/event/change_feed.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "event_filter/event_validation.h"
#include "event_filter/matcher.h"
#include "google/protobuf/unknown_field_set.h"

namespace lookout::event {

ChangeFeed::ChangeFeed(EventStore* store, ChangeNotifier* notifier, ChangeFeedOptions options)
    : store_(store), notifier_(notifier), options_(options) {}

absl::Status ChangeFeed::Watch(const v1::WatchEventsRequest& request, const Sink& send,
                               const std::function<bool()>& cancelled,
                               const std::function<bool()>& flush) {
  if (request.after_sequence() < 0) {
    return errors::InvalidField(
        "after_sequence", absl::StrCat("must not be negative (0 starts from the beginning), got ",
                                       request.after_sequence()));
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

  // Without follow the stream ends at the head as it is now; changes committed later are for
  // the next call, which resumes from the last sequence this one sent.
  const int64_t up_to = request.follow() ? std::numeric_limits<int64_t>::max() : head;
  int64_t cursor = request.after_sequence();
  // The first message names the log, so a consumer learns which one its sequences belong to.
  bool first = true;
  // Without a filter nothing looks inside an event, so its stored bytes go out as they are:
  // kept as field 3 among the message's unknown fields, they serialize exactly as a set `event`
  // would (same number, same length-delimited encoding), and the client parses an Event.
  const bool pass_through = request.filter().ByteSizeLong() == 0;  // no field set at all
  v1::WatchEventsResponse message;
  v1::Event event;
  while (true) {
    if (cancelled()) return absl::CancelledError("the client cancelled the watch");
    LOOKOUT_ASSIGN_OR_RETURN(std::vector<Change> changes,
                             store_->ChangesAfter(cursor, up_to, options_.batch_size));
    for (Change& change : changes) {
      cursor = change.sequence;
      message.Clear();
      message.set_sequence(change.sequence);
      message.set_type(change.type);
      if (first) message.set_change_log_id(log_id);
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
      first = false;
      if (!send(message)) return absl::CancelledError("the client went away");
    }
    if (static_cast<int>(changes.size()) == options_.batch_size) continue;  // more backlog
    if (flush && !flush()) return absl::CancelledError("the client went away");
    if (!request.follow()) return absl::OkStatus();
    // Caught up: sleep until a commit passes the cursor, waking now and then to notice a
    // cancelled client. The store is read again either way, so a wake-up is never trusted
    // blindly and a missed one costs at most one poll interval.
    notifier_->WaitForNewerThan(cursor, options_.poll_interval);
  }
}

}  // namespace lookout::event
