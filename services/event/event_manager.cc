#include "services/event/event_manager.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "event_filter/event_validation.h"
#include "services/event/event_list_query.h"
#include "services/event/event_model.h"
#include "services/event/event_update_mask.h"

namespace lookout::event {
namespace {

using ::lookout::event::v1::Event;

// The first result of a request_id, or ALREADY_EXISTS when the payload differs.
absl::StatusOr<Event> Replay(const RequestRecord& record, const std::string& payload_hash,
                             const std::string& request_id) {
  if (record.payload_hash != payload_hash) return errors::RequestIdReused(request_id);
  return record.result;
}

bool MaskTouchesParticipants(const google::protobuf::FieldMask& mask) {
  for (const std::string& path : mask.paths()) {
    if (path == "participants") return true;
  }
  return false;
}

}  // namespace

EventManager::EventManager(EventStore* store, ActorChecker* actors, EventCache* cache,
                           std::function<absl::Time()> clock)
    : store_(store),
      actors_(actors),
      cache_(cache),
      clock_(std::move(clock)),
      page_tokens_(store->page_token_secret()),
      history_(store, &page_tokens_) {}

absl::Status EventManager::PrepareAuthor(ChangeAuthor* author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateReason("reason", author->reason));
  author->time_micros = absl::ToUnixMicros(clock_());
  return absl::OkStatus();
}

absl::Status EventManager::CheckActors(const Event& event, const grpc::ServerContext* serving) {
  if (event.participants().empty()) return absl::OkStatus();
  LOOKOUT_ASSIGN_OR_RETURN(auto missing, actors_->FindMissing(ParticipantActorIds(event), serving));
  return MissingActorError(event, missing);
}

absl::StatusOr<Event> EventManager::Create(const Event& event, const std::string& request_id,
                                           const grpc::ServerContext* serving, ChangeAuthor author) {
  LOOKOUT_RETURN_IF_ERROR(validation::CheckRequestId(request_id));
  LOOKOUT_RETURN_IF_ERROR(PrepareAuthor(&author));
  Event payload = event;
  ClearOutputOnlyFields(&payload);
  LOOKOUT_RETURN_IF_ERROR(event_filter::ValidateEvent(payload));
  const std::string payload_hash = request_id.empty() ? "" : PayloadHash(payload);
  if (!request_id.empty()) {
    // A retry needs no actor check and no write: answer it from the record.
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<RequestRecord> record, store_->FindRequest(request_id));
    if (record.has_value()) return Replay(*record, payload_hash, request_id);
  }
  LOOKOUT_RETURN_IF_ERROR(CheckActors(payload, serving));

  Event created = std::move(payload);
  StampNew(clock_(), &created);
  Event result;
  LOOKOUT_RETURN_IF_ERROR(store_->Write([&](EventTransaction& tx) -> absl::Status {
    tx.set_author(author);
    if (!request_id.empty()) {
      // Checked again inside the transaction: two concurrent retries must not both create.
      LOOKOUT_ASSIGN_OR_RETURN(std::optional<RequestRecord> record, tx.FindRequest(request_id));
      if (record.has_value()) {
        LOOKOUT_ASSIGN_OR_RETURN(result, Replay(*record, payload_hash, request_id));
        return absl::OkStatus();
      }
    }
    LOOKOUT_ASSIGN_OR_RETURN(result, tx.Apply(v1::CHANGE_TYPE_CREATED, created));
    if (request_id.empty()) return absl::OkStatus();
    return tx.RecordRequest(request_id, payload_hash, result);
  }));
  return result;
}

absl::StatusOr<Event> EventManager::Get(const v1::GetEventRequest& request) {
  if (EventHistory::ReadsThePast(request.as_of_sequence(), request.has_as_of_time())) {
    return history_.GetAsOf(request);
  }
  return Get(request.id());
}

absl::StatusOr<Event> EventManager::Get(const std::string& id, int64_t as_of_sequence) {
  if (as_of_sequence != 0) {
    v1::GetEventRequest request;
    request.set_id(id);
    request.set_as_of_sequence(as_of_sequence);
    return history_.GetAsOf(request);
  }
  LOOKOUT_RETURN_IF_ERROR(ValidateEventId("id", id));
  const bool cached = cache_ != nullptr && cache_->enabled();
  if (cached) {
    if (std::optional<Event> hit = cache_->Lookup(id)) return *std::move(hit);
  }
  const uint64_t generation = cached ? cache_->BeginFill(id) : 0;
  LOOKOUT_ASSIGN_OR_RETURN(std::optional<Event> event, store_->GetLive(id));
  if (!event.has_value()) return errors::NotFound("event", id);
  if (cached) cache_->Fill(generation, *event);
  return *std::move(event);
}

absl::StatusOr<v1::ListEventsResponse> EventManager::List(const v1::ListEventsRequest& request) {
  LOOKOUT_RETURN_IF_ERROR(event_filter::ValidateFilter(request.filter()));
  LOOKOUT_ASSIGN_OR_RETURN(int page_size, validation::PageSize(request.page_size()));
  LOOKOUT_ASSIGN_OR_RETURN(EventOrder order, ParseOrderBy(request.order_by()));
  if (EventHistory::ReadsThePast(request.as_of_sequence(), request.has_as_of_time())) {
    return history_.ListAsOf(request, order, page_size);
  }
  EventQuery query;
  query.filter = request.filter();
  query.order = order;
  query.limit = page_size;
  const std::string canonical = CanonicalQuery(request.filter(), order);
  if (!request.page_token().empty()) {
    LOOKOUT_ASSIGN_OR_RETURN(std::string cursor,
                             page_tokens_.Decode(request.page_token(), canonical));
    LOOKOUT_ASSIGN_OR_RETURN(query.after, DecodeCursor(cursor));
  }
  LOOKOUT_ASSIGN_OR_RETURN(EventPage page, store_->List(query));
  v1::ListEventsResponse response;
  for (Event& event : page.events) *response.add_events() = std::move(event);
  response.set_total_size(page.total_size);
  if (page.next.has_value()) {
    response.set_next_page_token(page_tokens_.Encode(EncodeCursor(*page.next), canonical));
  }
  return response;
}

absl::StatusOr<Event> EventManager::Update(const Event& event,
                                           const google::protobuf::FieldMask& update_mask,
                                           const grpc::ServerContext* serving,
                                           ChangeAuthor author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateEventId("event.id", event.id()));
  LOOKOUT_RETURN_IF_ERROR(PrepareAuthor(&author));
  LOOKOUT_RETURN_IF_ERROR(ValidateUpdateMask(update_mask));
  const std::string& id = event.id();
  const std::string& expected_etag = event.etag();
  // Reads, merges and validates the stored event: the same steps run before the transaction
  // (to fail fast and to check actors outside it) and inside it, on the latest state.
  auto merge = [&](const std::optional<Event>& current) -> absl::StatusOr<Event> {
    if (!current.has_value()) return errors::NotFound("event", id);
    if (!expected_etag.empty() && expected_etag != current->etag()) {
      return errors::EtagMismatch("event", id);
    }
    Event merged = *current;
    ApplyUpdateMask(update_mask, event, &merged);
    // The merged event must be valid as a whole (a new event_type may orphan the
    // sub_event_type, a new event_date may pass the end_date...).
    LOOKOUT_RETURN_IF_ERROR(event_filter::ValidateEvent(merged));
    return merged;
  };
  LOOKOUT_ASSIGN_OR_RETURN(std::optional<Event> current, store_->GetLive(id));
  LOOKOUT_ASSIGN_OR_RETURN(Event preview, merge(current));
  // Participants in the mask come from the request whatever the stored state, so this check
  // holds for the merge inside the transaction too. Unchanged participants were checked when
  // they were written.
  if (MaskTouchesParticipants(update_mask)) {
    LOOKOUT_RETURN_IF_ERROR(CheckActors(preview, serving));
  }

  Event result;
  LOOKOUT_RETURN_IF_ERROR(store_->Write([&](EventTransaction& tx) -> absl::Status {
    // Merged again on the latest state, so a write that slipped in since the read above is
    // neither lost nor a reason to fail (unless the client pinned an etag).
    tx.set_author(author);
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<Event> latest, tx.GetLive(id));
    LOOKOUT_ASSIGN_OR_RETURN(Event merged, merge(latest));
    StampUpdate(clock_(), &merged);
    LOOKOUT_ASSIGN_OR_RETURN(result, tx.Apply(v1::CHANGE_TYPE_UPDATED, std::move(merged)));
    return absl::OkStatus();
  }));
  if (cache_ != nullptr) cache_->Invalidate(id);
  return result;
}

absl::Status EventManager::Delete(const std::string& id, const std::string& etag,
                                  ChangeAuthor author) {
  LOOKOUT_RETURN_IF_ERROR(ValidateEventId("id", id));
  LOOKOUT_RETURN_IF_ERROR(PrepareAuthor(&author));
  LOOKOUT_RETURN_IF_ERROR(
      validation::CheckText("etag", etag, validation::kMaxIdLength, /*required=*/false));
  LOOKOUT_RETURN_IF_ERROR(store_->Write([&](EventTransaction& tx) -> absl::Status {
    tx.set_author(author);
    LOOKOUT_ASSIGN_OR_RETURN(std::optional<Event> current, tx.GetLive(id));
    if (!current.has_value()) return errors::NotFound("event", id);
    if (!etag.empty() && etag != current->etag()) return errors::EtagMismatch("event", id);
    // The DELETED change carries the last state, so followers can retract what they counted.
    return tx.Apply(v1::CHANGE_TYPE_DELETED, *std::move(current)).status();
  }));
  if (cache_ != nullptr) cache_->Invalidate(id);
  return absl::OkStatus();
}

}  // namespace lookout::event
