// The gRPC adapter of lookout.event.v1.EventService: each method checks the internal token (via
// ServeCall), hands the request to the domain and converts the status at the edge.
#ifndef LOOKOUT_SERVICES_EVENT_EVENT_SERVICE_H_
#define LOOKOUT_SERVICES_EVENT_EVENT_SERVICE_H_

#include "common/call_context.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "services/event/change_feed.h"
#include "services/event/event_importer.h"
#include "services/event/event_manager.h"

namespace lookout::event {

inline constexpr char kEventServiceName[] = "lookout.event.v1.EventService";

class EventServiceImpl final : public v1::EventService::Service {
 public:
  // All must outlive the service.
  EventServiceImpl(const InternalAuth* auth, EventManager* manager, EventImporter* importer,
                   ChangeFeed* feed)
      : auth_(*auth), manager_(*manager), importer_(*importer), feed_(*feed) {}

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
  grpc::Status ImportEvents(grpc::ServerContext* context,
                            grpc::ServerReader<v1::ImportEventsRequest>* reader,
                            v1::ImportEventsResponse* response) override;
  grpc::Status WatchEvents(grpc::ServerContext* context, const v1::WatchEventsRequest* request,
                           grpc::ServerWriter<v1::WatchEventsResponse>* writer) override;

 private:
  const InternalAuth& auth_;
  EventManager& manager_;
  EventImporter& importer_;
  ChangeFeed& feed_;
};

}  // namespace lookout::event

#endif  // LOOKOUT_SERVICES_EVENT_EVENT_SERVICE_H_
