#include "services/event/event_history.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/change_history.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "event_filter/matcher.h"
#include "services/event/event_list_query.h"
#include "services/event/event_model.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::ChangeType;
using ::lookout::event::v1::Event;

absl::StatusOr<Event> ParseChange(const Change& change) {
  Event event;
  if (!event.ParseFromString(change.event_bytes)) {
    return errors::StorageFailure(
        absl::StrCat("unreadable event record at sequence ", change.sequence));
  }
  return event;
}

// The sort key of `event` in `order`, as the stores' cursors carry it.
absl::StatusOr<int64_t> SortKey(const Event& event, EventOrder order) {
  if (order == EventOrder::kFatalitiesDesc) return event.fatalities();
  return validation::ParseDate(event.event_date());
}

// True when `a` comes before `b` in `order` (ties broken by id, in the order's direction).
bool Before(const EventCursor& a, const EventCursor& b, EventOrder order) {
  if (order == EventOrder::kEventDateAsc) {
    return std::tie(a.sort_key, a.id) < std::tie(b.sort_key, b.id);
  }
  return std::tie(a.sort_key, a.id) > std::tie(b.sort_key, b.id);
}

}  // namespace

absl::Status ValidateReason(absl::string_view field, absl::string_view reason) {
  static_assert(kMaxReasonLength == kMaxChangeReasonLength);
  return ValidateChangeReason(field, reason);
}

ChangeAuthor AuthorOf(const grpc::ServerContextBase* context, std::string reason) {
  return AuthorOfCall(context, std::move(reason));
}

v1::ChangeProvenance ProvenanceOf(const ChangeAuthor& author) {
  return ::lookout::ProvenanceOf<v1::ChangeProvenance>(author);
}

std::vector<std::string> ChangedPaths(const Event* before, const Event& after) {
  return ChangedFieldPaths(
      before, after,
      {Event::kSequenceFieldNumber, Event::kEtagFieldNumber, Event::kUpdateTimeFieldNumber});
}

absl::StatusOr<v1::ListEventRevisionsResponse> EventHistory::ListRevisions(
    const v1::ListEventRevisionsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateEventId("id", request.id()));
  LOOKOUT_ASSIGN_OR_RETURN(int page_size, validation::PageSize(request.page_size()));
  const std::string canonical = absl::StrCat("revisions:", request.id());
  int64_t before = 0;
  if (!request.page_token().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(std::string cursor,
                             page_tokens_->Decode(request.page_token(), canonical));
    if (!absl::SimpleAtoi(cursor, &before) || before <= 0) {
      return errors::InvalidField("page_token", "is not a token this method issued");
    }
  }
  // One more than the page: the revision before the page's last, to diff it against.
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<Change> changes,
                           store_->EventChanges(request.id(), before, page_size + 1));
  if (changes.empty() && before == 0) return errors::NotFound("event", request.id());
  v1::ListEventRevisionsResponse response;
  const size_t shown = std::min<size_t>(changes.size(), page_size);
  std::vector<Event> events;
  events.reserve(changes.size());
  for (const Change& change : changes) {
    LOOKOUT_ASSIGN_OR_RETURN(Event event, ParseChange(change));
    events.push_back(std::move(event));
  }
  for (size_t i = 0; i < shown; ++i) {
    const Change& change = changes[i];
    v1::EventRevision* revision = response.add_revisions();
    revision->set_sequence(change.sequence);
    revision->set_type(change.type);
    *revision->mutable_provenance() = ProvenanceOf(change.author);
    // Fetched one past the page: a revision with none after it in the list is the oldest the
    // log holds, so unless it is the creation, compaction removed the one before.
    const Event* previous = i + 1 < changes.size() ? &events[i + 1] : nullptr;
    if (previous == nullptr && change.type != v1::CHANGE_TYPE_CREATED) {
      revision->set_previous_compacted(true);
    }
    if (change.type != v1::CHANGE_TYPE_DELETED) {
      for (std::string& path : ChangedPaths(previous, events[i])) {
        revision->add_changed_paths(std::move(path));
      }
    }
    *revision->mutable_event() = std::move(events[i]);
  }
  if (changes.size() > shown) {
    response.set_next_page_token(
        page_tokens_->Encode(absl::StrCat(changes[shown - 1].sequence), canonical));
  }
  return response;
}

absl::StatusOr<v1::CompactEventHistoryResponse> EventHistory::Compact(
    const v1::CompactEventHistoryRequest& request) {
  if (!request.has_before_time()) return errors::InvalidField("before_time", "is required");
  const auto& t = request.before_time();
  // Timestamp's own range (0001-01-01 to 9999-12-31), nanos 0..999,999,999.
  if (t.seconds() < -62135596800 || t.seconds() > 253402300799 || t.nanos() < 0 ||
      t.nanos() > 999999999) {
    return errors::InvalidField("before_time", "is not a valid timestamp");
  }
  LOOKOUT_ASSIGN_OR_RETURN(
      EventStore::Compaction done,
      store_->CompactBefore(absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos())));
  v1::CompactEventHistoryResponse response;
  response.set_horizon_sequence(done.horizon);
  response.set_removed(done.removed);
  return response;
}

absl::Status EventHistory::CheckAsOf(absl::string_view field, int64_t as_of) {
  if (as_of < 0) return errors::InvalidField(field, "must not be negative");
  LOOKOUT_ASSIGN_OR_RETURN(int64_t head, store_->HeadSequence());
  if (as_of > head) {
    absl::Status status = absl::FailedPreconditionError(absl::StrCat(
        field, ": ", as_of, " is past the head of the change log (", head, ")"));
    status.SetPayload(errors::kFieldPayload, absl::Cord(field));
    return status;
  }
  LOOKOUT_ASSIGN_OR_RETURN(int64_t horizon, store_->HistoryHorizon());
  if (as_of < horizon) {
    absl::Status status = absl::FailedPreconditionError(
        absl::StrCat(field, ": ", as_of, " is below the history's compaction horizon (", horizon,
                     "): revisions before it were compacted"));
    status.SetPayload(errors::kFieldPayload, absl::Cord(field));
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> EventHistory::ResolveAsOf(int64_t as_of_sequence,
                                                  const google::protobuf::Timestamp* as_of_time) {
  if (as_of_time == nullptr) {
    LOOKOUT_RETURN_IF_ERROR(CheckAsOf("as_of_sequence", as_of_sequence));
    return as_of_sequence;
  }
  if (as_of_sequence != 0) {
    return errors::InvalidField("as_of_time", "set as_of_sequence or as_of_time, not both");
  }
  if (as_of_time->seconds() < -62135596800 || as_of_time->seconds() > 253402300799 ||
      as_of_time->nanos() < 0 || as_of_time->nanos() > 999999999) {
    return errors::InvalidField("as_of_time", "is not a valid timestamp");
  }
  LOOKOUT_ASSIGN_OR_RETURN(
      int64_t sequence, store_->SequenceAt(absl::FromUnixSeconds(as_of_time->seconds()) +
                                           absl::Nanoseconds(as_of_time->nanos())));
  LOOKOUT_RETURN_IF_ERROR(CheckAsOf("as_of_time", sequence));
  return sequence;
}

absl::StatusOr<Event> EventHistory::GetAsOf(const v1::GetEventRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(ValidateEventId("id", request.id()));
  LOOKOUT_ASSIGN_OR_RETURN(
      int64_t as_of, ResolveAsOf(request.as_of_sequence(),
                                 request.has_as_of_time() ? &request.as_of_time() : nullptr));
  // Before the first change nothing existed.
  if (as_of == 0) return errors::NotFound("event", request.id());
  LOOKOUT_ASSIGN_OR_RETURN(std::vector<Change> changes,
                           store_->EventChanges(request.id(), as_of + 1, 1));
  if (changes.empty() || changes.front().type == v1::CHANGE_TYPE_DELETED) {
    return errors::NotFound("event", request.id());
  }
  return ParseChange(changes.front());
}

absl::StatusOr<v1::ListEventsResponse> EventHistory::ListAsOf(const v1::ListEventsRequest& request,
                                                              EventOrder order, int page_size) {
  LOOKOUT_ASSIGN_OR_RETURN(
      const int64_t as_of,
      ResolveAsOf(request.as_of_sequence(),
                  request.has_as_of_time() ? &request.as_of_time() : nullptr));
  const std::string canonical =
      absl::StrCat(CanonicalQuery(request.filter(), order), "\nas_of:", as_of);
  std::optional<EventCursor> after;
  if (!request.page_token().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(std::string cursor,
                             page_tokens_->Decode(request.page_token(), canonical));
    LOOKOUT_ASSIGN_OR_RETURN(after, DecodeCursor(cursor));
  }
  // Every event's state then, filtered and sorted here: a read of the past walks the log up to
  // `as_of` (one row per event), unlike the indexed reads of the present.
  std::vector<Change> states;
  if (as_of > 0) {
    LOOKOUT_ASSIGN_OR_RETURN(states, store_->StatesAsOf(as_of));
  }
  std::vector<std::pair<EventCursor, Event>> matches;
  for (const Change& change : states) {
    if (change.type == v1::CHANGE_TYPE_DELETED) continue;
    LOOKOUT_ASSIGN_OR_RETURN(Event event, ParseChange(change));
    if (!event_filter::MatchesFilter(event, request.filter())) continue;
    EventCursor key;
    LOOKOUT_ASSIGN_OR_RETURN(key.sort_key, SortKey(event, order));
    key.id = event.id();
    matches.emplace_back(std::move(key), std::move(event));
  }
  std::sort(matches.begin(), matches.end(),
            [order](const auto& a, const auto& b) { return Before(a.first, b.first, order); });
  v1::ListEventsResponse response;
  response.set_total_size(static_cast<int64_t>(matches.size()));
  auto it = matches.begin();
  if (after.has_value()) {
    it = std::upper_bound(matches.begin(), matches.end(), *after,
                          [order](const EventCursor& cursor, const auto& match) {
                            return Before(cursor, match.first, order);
                          });
  }
  for (; it != matches.end() && response.events_size() < page_size; ++it) {
    *response.add_events() = std::move(it->second);
  }
  if (it != matches.end() && response.events_size() > 0) {
    response.set_next_page_token(page_tokens_->Encode(
        EncodeCursor((it - 1)->first), canonical));
  }
  return response;
}

}  // namespace lookout::event
