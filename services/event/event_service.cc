#include "services/event/event_service.h"

#include <optional>

#include "common/status_macros.h"
#include "services/event/event_history.h"
#include "services/event/watch_reactor.h"

namespace lookout::event {

grpc::Status EventServiceImpl::CreateEvent(grpc::ServerContext* context,
                                           const v1::CreateEventRequest* request,
                                           v1::CreateEventResponse* response) {
  return ServeCall(context, auth_, "CreateEvent", [&]() -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(*response->mutable_event(),
                             manager_.Create(request->event(), request->request_id(), context,
                                             AuthorOf(context, request->reason())));
    return absl::OkStatus();
  });
}

grpc::Status EventServiceImpl::GetEvent(grpc::ServerContext* context,
                                        const v1::GetEventRequest* request,
                                        v1::GetEventResponse* response) {
  return ServeCall(context, auth_, "GetEvent", [&]() -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(*response->mutable_event(), manager_.Get(*request));
    return absl::OkStatus();
  });
}

grpc::Status EventServiceImpl::ListEvents(grpc::ServerContext* context,
                                          const v1::ListEventsRequest* request,
                                          v1::ListEventsResponse* response) {
  return ServeCall(context, auth_, "ListEvents", [&]() -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(*response, manager_.List(*request));
    return absl::OkStatus();
  });
}

grpc::Status EventServiceImpl::UpdateEvent(grpc::ServerContext* context,
                                           const v1::UpdateEventRequest* request,
                                           v1::UpdateEventResponse* response) {
  return ServeCall(context, auth_, "UpdateEvent", [&]() -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(*response->mutable_event(),
                             manager_.Update(request->event(), request->update_mask(), context,
                                             AuthorOf(context, request->reason())));
    return absl::OkStatus();
  });
}

grpc::Status EventServiceImpl::DeleteEvent(grpc::ServerContext* context,
                                           const v1::DeleteEventRequest* request,
                                           v1::DeleteEventResponse* /*response*/) {
  return ServeCall(context, auth_, "DeleteEvent",
                   [&] {
                     return manager_.Delete(request->id(), request->etag(),
                                            AuthorOf(context, request->reason()));
                   });
}

grpc::Status EventServiceImpl::ImportEvents(grpc::ServerContext* context,
                                            grpc::ServerReader<v1::ImportEventsRequest>* reader,
                                            v1::ImportEventsResponse* response) {
  return ServeCall(context, auth_, "ImportEvents", [&]() -> absl::Status {
    std::optional<EventImporter::Session> session;
    v1::ImportEventsRequest message;
    while (reader->Read(&message)) {
      // Options count on the first message only, which may carry no row.
      if (!session.has_value()) {
        LOOKOUT_RETURN_IF_ERROR(ValidateReason("options.reason", message.options().reason()));
        session.emplace(importer_.Start(message.options(), context));
        if (!message.has_event()) continue;
      }
      LOOKOUT_RETURN_IF_ERROR(session->Add(message.has_event() ? &message.event() : nullptr));
    }
    if (context->IsCancelled()) return absl::CancelledError("the client cancelled the import");
    if (!session.has_value()) session.emplace(importer_.Start({}, context));
    LOOKOUT_ASSIGN_OR_RETURN(*response, session->Finish());
    return absl::OkStatus();
  });
}

grpc::Status EventServiceImpl::ListEventRevisions(grpc::ServerContext* context,
                                                 const v1::ListEventRevisionsRequest* request,
                                                 v1::ListEventRevisionsResponse* response) {
  return ServeCall(context, auth_, "ListEventRevisions", [&]() -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(*response, manager_.ListRevisions(*request));
    return absl::OkStatus();
  });
}

grpc::Status EventServiceImpl::CompactEventHistory(grpc::ServerContext* context,
                                                  const v1::CompactEventHistoryRequest* request,
                                                  v1::CompactEventHistoryResponse* response) {
  return ServeCall(context, auth_, "CompactEventHistory", [&]() -> absl::Status {
    LOOKOUT_ASSIGN_OR_RETURN(*response, manager_.CompactHistory(*request));
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::WatchEventsResponse>* EventServiceImpl::WatchEvents(
    grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) {
  return WatchReactor::Start(context, *request, &auth_, &feed_, streams_);
}

}  // namespace lookout::event
