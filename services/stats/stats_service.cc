#include "services/stats/stats_service.h"

#include <utility>

#include "absl/status/statusor.h"
#include "common/change_history.h"
#include "common/grpc_status.h"

namespace lookout::stats {
namespace {

// Moves a domain result into the gRPC response, or passes its error on.
template <typename Response>
absl::Status Respond(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return result.status();
  *response = std::move(*result);
  return absl::OkStatus();
}

// Checks the token as ServeCall does, then returns the owner's status as it came (details too).
template <typename Forward>
grpc::Status ServeForwarded(grpc::ServerContext* context, const InternalAuth& auth,
                            absl::string_view method, Forward forward) {
  bool forwarded_call = false;
  grpc::Status forwarded;
  grpc::Status served = ServeCall(context, auth, method, [&] {
    forwarded_call = true;
    forwarded = forward();
    // Only for the call's log line, which then shows the owner's code.
    return FromGrpcStatus(forwarded);
  });
  return forwarded_call ? forwarded : served;
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
  if (owner_ != nullptr) {
    return ServeForwarded(context, auth_, "RecordObservation",
                          [&] { return owner_->Record(context, *request, response); });
  }
  return ServeCall(context, auth_, "RecordObservation",
                   [&] {
    // Who records it: the principal the gateway set, never a field the client chose.
    return Respond(observations_->Record(*request, AuthorOfCall(context, request->reason())),
                   response);
  });
}

grpc::Status StatsServiceImpl::GetObservation(grpc::ServerContext* context,
                                              const v1::GetObservationRequest* request,
                                              v1::GetObservationResponse* response) {
  if (owner_ != nullptr) {
    return ServeForwarded(context, auth_, "GetObservation",
                          [&] { return owner_->Get(context, *request, response); });
  }
  return ServeCall(context, auth_, "GetObservation",
                   [&] { return Respond(observations_->Get(*request), response); });
}

grpc::Status StatsServiceImpl::ListObservations(grpc::ServerContext* context,
                                                const v1::ListObservationsRequest* request,
                                                v1::ListObservationsResponse* response) {
  if (owner_ != nullptr) {
    return ServeForwarded(context, auth_, "ListObservations",
                          [&] { return owner_->List(context, *request, response); });
  }
  return ServeCall(context, auth_, "ListObservations",
                   [&] { return Respond(observations_->List(*request), response); });
}

grpc::Status StatsServiceImpl::DeleteObservation(grpc::ServerContext* context,
                                                 const v1::DeleteObservationRequest* request,
                                                 v1::DeleteObservationResponse* response) {
  if (owner_ != nullptr) {
    return ServeForwarded(context, auth_, "DeleteObservation",
                          [&] { return owner_->Delete(context, *request, response); });
  }
  return ServeCall(context, auth_, "DeleteObservation",
                   [&] {
    return Respond(observations_->Delete(*request, AuthorOfCall(context, request->reason())),
                   response);
  });
}

grpc::Status StatsServiceImpl::SummarizeMetric(grpc::ServerContext* context,
                                               const v1::SummarizeMetricRequest* request,
                                               v1::SummarizeMetricResponse* response) {
  if (owner_ != nullptr) {
    return ServeCall(context, auth_, "SummarizeMetric", [&] {
      return Respond(stats::SummarizeMetric(
                         *request, events_,
                         [&](int32_t first_day, int32_t last_day, int limit) {
                           return owner_->ListWithin(context, request->metric(),
                                                     request->country_code(), first_day,
                                                     last_day, limit);
                         }),
                     response);
    });
  }
  return ServeCall(context, auth_, "SummarizeMetric",
                   [&] { return Respond(observations_->Summarize(*request), response); });
}

grpc::Status StatsServiceImpl::ListObservationRevisions(
    grpc::ServerContext* context, const v1::ListObservationRevisionsRequest* request,
    v1::ListObservationRevisionsResponse* response) {
  if (owner_ != nullptr) {
    return ServeForwarded(context, auth_, "ListObservationRevisions",
                          [&] { return owner_->Revisions(context, *request, response); });
  }
  return ServeCall(context, auth_, "ListObservationRevisions",
                   [&] { return Respond(observations_->ListRevisions(*request), response); });
}

}  // namespace lookout::stats
