// The gRPC face of the stats service: each method checks the internal token (ServeCall), calls
// EventStats or ObservationManager and converts the status at the edge. No rules live here.
#ifndef LOOKOUT_SERVICES_STATS_STATS_SERVICE_H_
#define LOOKOUT_SERVICES_STATS_STATS_SERVICE_H_

#include "common/call_context.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"
#include "services/stats/event_stats.h"
#include "services/stats/observation_manager.h"
#include "services/stats/observation_owner.h"

namespace lookout::stats {

inline constexpr char kStatsServiceName[] = "lookout.stats.v1.StatsService";

class StatsServiceImpl final : public v1::StatsService::Service {
 public:
  // `events` and `observations` must outlive the service.
  StatsServiceImpl(EventStats* events, ObservationManager* observations, InternalAuth auth)
      : events_(events), observations_(observations), owner_(nullptr), auth_(std::move(auth)) {}
  // A replica without observations of its own: the observation RPCs go to `owner`, which must
  // outlive the service.
  StatsServiceImpl(EventStats* events, ObservationOwnerClient* owner, InternalAuth auth)
      : events_(events), observations_(nullptr), owner_(owner), auth_(std::move(auth)) {}

  grpc::Status AggregateEvents(grpc::ServerContext* context,
                               const v1::AggregateEventsRequest* request,
                               v1::AggregateEventsResponse* response) override;
  grpc::Status GetTrends(grpc::ServerContext* context, const v1::GetTrendsRequest* request,
                         v1::GetTrendsResponse* response) override;
  grpc::Status RecordObservation(grpc::ServerContext* context,
                                 const v1::RecordObservationRequest* request,
                                 v1::RecordObservationResponse* response) override;
  grpc::Status GetObservation(grpc::ServerContext* context,
                              const v1::GetObservationRequest* request,
                              v1::GetObservationResponse* response) override;
  grpc::Status ListObservations(grpc::ServerContext* context,
                                const v1::ListObservationsRequest* request,
                                v1::ListObservationsResponse* response) override;
  grpc::Status DeleteObservation(grpc::ServerContext* context,
                                 const v1::DeleteObservationRequest* request,
                                 v1::DeleteObservationResponse* response) override;
  grpc::Status SummarizeMetric(grpc::ServerContext* context,
                               const v1::SummarizeMetricRequest* request,
                               v1::SummarizeMetricResponse* response) override;
  grpc::Status ListObservationRevisions(grpc::ServerContext* context,
                                        const v1::ListObservationRevisionsRequest* request,
                                        v1::ListObservationRevisionsResponse* response) override;

 private:
  EventStats* const events_;
  ObservationManager* const observations_;
  ObservationOwnerClient* const owner_;
  const InternalAuth auth_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_STATS_SERVICE_H_
