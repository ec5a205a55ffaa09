// History and provenance of events (issue 26): who made each change and why, an event's
// revisions with the fields each changed, and reads of the past (as of a change of the log),
// all answered from the change log the stores keep.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_HISTORY_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_HISTORY_H_

#include <grpcpp/server_context.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/change_author.h"
#include "common/page_token.h"
#include "lookout/event/v1/event_service.pb.h"
#include "services/event/event_store.h"

namespace lookout::event {

// ValidateReason, AuthorOf and ProvenanceOf are common/change_author.h's, shared with the other
// services' change logs.
using ::lookout::AuthorOf;
using ::lookout::ProvenanceOf;
using ::lookout::ValidateReason;

// The Event fields whose value differs between `before` (null: none, a creation) and `after`,
// leaving out bookkeeping that changes on every write (sequence, etag, update_time).
std::vector<std::string> ChangedPaths(const v1::Event* before, const v1::Event& after);

class EventHistory {
 public:
  // Both must outlive the history.
  EventHistory(EventStore* store, const PageTokenCodec* page_tokens)
      : store_(store), page_tokens_(page_tokens) {}

  absl::StatusOr<v1::ListEventRevisionsResponse> ListRevisions(
      const v1::ListEventRevisionsRequest& request);

  absl::StatusOr<v1::CompactEventHistoryResponse> Compact(
      const v1::CompactEventHistoryRequest& request);

  // True when a request reads the past (as_of_sequence or as_of_time set).
  static bool ReadsThePast(int64_t as_of_sequence, bool has_as_of_time) {
    return as_of_sequence != 0 || has_as_of_time;
  }
  // The event as it was right after change as_of_sequence, or the newest change at or before
  // as_of_time (deleted events too if live then).
  absl::StatusOr<v1::Event> GetAsOf(const v1::GetEventRequest& request);
  // ListEvents as it would have answered then. The filter is validated.
  absl::StatusOr<v1::ListEventsResponse> ListAsOf(const v1::ListEventsRequest& request,
                                                  EventOrder order, int page_size);

 private:
  // The sequence a read of the past asks for (0: before any change), after the checks: only one
  // of the two set, a valid time, at most the head, not below the compaction horizon.
  absl::StatusOr<int64_t> ResolveAsOf(int64_t as_of_sequence,
                                      const google::protobuf::Timestamp* as_of_time);
  // FAILED_PRECONDITION naming `field` unless head >= as_of >= the compaction horizon.
  absl::Status CheckAsOf(absl::string_view field, int64_t as_of);

  EventStore* const store_;
  const PageTokenCodec* const page_tokens_;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_HISTORY_H_
