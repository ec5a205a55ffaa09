#include "services/stats/stats_service.h"

#include <utility>

#include "absl/status/statusor.h"

namespace lookout::stats {
namespace {

// Moves a domain result into the gRPC response, or passes its error on.
template <typename Response>
absl::Status Respond(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return result.status();
  *response = std::move(*result);
  return absl::OkStatus();
}

}  // namespace

grpc::Status StatsServiceImpl::AggregateEvents(grpc::ServerContext* context,
                                               const v1::AggregateEventsRequest* request,
                                               v1::AggregateEventsResponse* response) {
  return ServeCall(context, auth_, "AggregateEvents",
                   [&] { return Respond(events_->Aggregate(*request, context), response); });
}

grpc::Status StatsServiceImpl::GetTrends(grpc::ServerContext* context,
                                         const v1::GetTrendsRequest* request,
                                         v1::GetTrendsResponse* response) {
  return ServeCall(context, auth_, "GetTrends",
                   [&] { return Respond(events_->Trends(*request, context), response); });
}

grpc::Status StatsServiceImpl::RecordObservation(grpc::ServerContext* context,
                                                 const v1::RecordObservationRequest* request,
                                                 v1::RecordObservationResponse* response) {
  return ServeCall(context, auth_, "RecordObservation",
                   [&] { return Respond(observations_->Record(*request), response); });
}

grpc::Status StatsServiceImpl::GetObservation(grpc::ServerContext* context,
                                              const v1::GetObservationRequest* request,
                                              v1::GetObservationResponse* response) {
  return ServeCall(context, auth_, "GetObservation",
                   [&] { return Respond(observations_->Get(*request), response); });
}

grpc::Status StatsServiceImpl::ListObservations(grpc::ServerContext* context,
                                                const v1::ListObservationsRequest* request,
                                                v1::ListObservationsResponse* response) {
  return ServeCall(context, auth_, "ListObservations",
                   [&] { return Respond(observations_->List(*request), response); });
}

grpc::Status StatsServiceImpl::DeleteObservation(grpc::ServerContext* context,
                                                 const v1::DeleteObservationRequest* request,
                                                 v1::DeleteObservationResponse* response) {
  return ServeCall(context, auth_, "DeleteObservation",
                   [&] { return Respond(observations_->Delete(*request), response); });
}

grpc::Status StatsServiceImpl::SummarizeMetric(grpc::ServerContext* context,
                                               const v1::SummarizeMetricRequest* request,
                                               v1::SummarizeMetricResponse* response) {
  return ServeCall(context, auth_, "SummarizeMetric",
                   [&] { return Respond(observations_->Summarize(*request), response); });
}

}  // namespace lookout::stats
