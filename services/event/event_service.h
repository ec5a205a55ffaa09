// The gRPC adapter of lookout.event.v1.EventService: each method checks the internal token (via
// ServeCall), hands the request to the domain and converts the status at the edge. WatchEvents
// runs on the callback API (WatchReactor): a follow stream lives for hours and must not hold one
// of the server's threads.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_SERVICE_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_SERVICE_H_

#include "common/call_context.h"
#include "common/open_streams.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "services/event/change_feed.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"

namespace lookout::event {

inline constexpr char kEventServiceName[] = "lookout.event.v1.EventService";

class EventServiceImpl final
    : public v1::EventService::WithCallbackMethod_WatchEvents<v1::EventService::Service> {
 public:
  // All must outlive the service. `streams` (the server runner's open_streams(): the cap on
  // open watchers, ended when the server stops) may be null.
  EventServiceImpl(const InternalAuth* auth, EventManager* manager, EventImporter* importer,
                   ChangeFeed* feed, OpenStreams* streams = nullptr)
      : auth_(*auth), manager_(*manager), importer_(*importer), feed_(*feed), streams_(streams) {}

  grpc::Status CreateEvent(grpc::ServerContext* context, const v1::CreateEventRequest* request,
                           v1::CreateEventResponse* response) override;
  grpc::Status GetEvent(grpc::ServerContext* context, const v1::GetEventRequest* request,
                        v1::GetEventResponse* response) override;
  grpc::Status ListEvents(grpc::ServerContext* context, const v1::ListEventsRequest* request,
                          v1::ListEventsResponse* response) override;
  grpc::Status UpdateEvent(grpc::ServerContext* context, const v1::UpdateEventRequest* request,
                           v1::UpdateEventResponse* response) override;
  grpc::Status DeleteEvent(grpc::ServerContext* context, const v1::DeleteEventRequest* request,
                           v1::DeleteEventResponse* response) override;
  grpc::Status ListEventRevisions(grpc::ServerContext* context,
                                  const v1::ListEventRevisionsRequest* request,
                                  v1::ListEventRevisionsResponse* response) override;
  grpc::Status CompactEventHistory(grpc::ServerContext* context,
                                   const v1::CompactEventHistoryRequest* request,
                                   v1::CompactEventHistoryResponse* response) override;
  grpc::Status ImportEvents(grpc::ServerContext* context,
                            grpc::ServerReader<v1::ImportEventsRequest>* reader,
                            v1::ImportEventsResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchEventsResponse>* WatchEvents(
      grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) override;

 private:
  const InternalAuth& auth_;
  EventManager& manager_;
  EventImporter& importer_;
  ChangeFeed& feed_;
  OpenStreams* const streams_;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_SERVICE_H_
