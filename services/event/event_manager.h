// The event domain: create, read, list, update and delete events. Validates input, checks actor
// references, keeps idempotency and etag rules, and leaves storage to the EventStore (every
// write there also appends the change log in the same transaction).
//
// Returns absl::Status codes as the API contract names them; knows nothing of gRPC threads.
// A `serving` ServerContext is only passed through to downstream calls (deadline, request id).
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_MANAGER_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_MANAGER_H_

#include <grpcpp/server_context.h>

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/page_token.h"
#include "google/protobuf/field_mask.pb.h"
#include "lookout/event/v1/event_service.pb.h"
#include "services/event/actor_checker.h"
#include "services/event/event_cache.h"
#include "services/event/event_history.h"
#include "services/event/event_store.h"

namespace lookout::event {

class EventManager {
 public:
  // `cache` may be null (no cache). All must outlive the manager.
  EventManager(EventStore* store, ActorChecker* actors, EventCache* cache,
               std::function<absl::Time()> clock = absl::Now);

  // `author` is recorded with the change (its reason is validated, its time set here).
  absl::StatusOr<v1::Event> Create(const v1::Event& event, const std::string& request_id,
                                   const grpc::ServerContext* serving = nullptr,
                                   ChangeAuthor author = {});
  // `as_of_sequence` > 0 reads the event as it was right after that change.
  absl::StatusOr<v1::Event> Get(const std::string& id, int64_t as_of_sequence = 0);
  // The same with as_of_time too (GetEventRequest).
  absl::StatusOr<v1::Event> Get(const v1::GetEventRequest& request);
  absl::StatusOr<v1::ListEventsResponse> List(const v1::ListEventsRequest& request);
  // `event` carries the id, the new values and optionally the etag that must match.
  absl::StatusOr<v1::Event> Update(const v1::Event& event,
                                   const google::protobuf::FieldMask& update_mask,
                                   const grpc::ServerContext* serving = nullptr,
                                   ChangeAuthor author = {});
  absl::Status Delete(const std::string& id, const std::string& etag, ChangeAuthor author = {});
  absl::StatusOr<v1::ListEventRevisionsResponse> ListRevisions(
      const v1::ListEventRevisionsRequest& request) {
    return history_.ListRevisions(request);
  }
  absl::StatusOr<v1::CompactEventHistoryResponse> CompactHistory(
      const v1::CompactEventHistoryRequest& request) {
    return history_.Compact(request);
  }

 private:
  absl::Status CheckActors(const v1::Event& event, const grpc::ServerContext* serving);
  // Validates the reason and stamps the time.
  absl::Status PrepareAuthor(ChangeAuthor* author);

  EventStore* const store_;
  ActorChecker* const actors_;
  EventCache* const cache_;
  const std::function<absl::Time()> clock_;
  const PageTokenCodec page_tokens_;
  EventHistory history_;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_MANAGER_H_
