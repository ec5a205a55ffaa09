// The observations of a replica that keeps none itself (--observations_addr): the observation
// RPCs (record, get, list, delete, revisions) are forwarded unchanged to the lookout-stats
// process that owns the SQLite file, with the caller's principal and request id (so the owner's
// change log records the right author), and SummarizeMetric reads the owner's observations
// through ListObservations.
#ifndef LOOKOUT_SERVICES_STATS_OBSERVATION_OWNER_H_
#define LOOKOUT_SERVICES_STATS_OBSERVATION_OWNER_H_

#include <grpcpp/server_context.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lookout/stats/v1/stats_service.grpc.pb.h"

namespace lookout::stats {

class ObservationOwnerClient {
 public:
  // `timeout` caps every forwarded call; a caller's sooner deadline wins.
  // `list_page_size` is the page size ListWithin asks for.
  ObservationOwnerClient(std::string address, std::string internal_token, absl::Duration timeout,
                         int list_page_size = 1000);

  // Each forwards the request as is and returns the owner's response and status (code, message
  // and details). An owner that cannot be reached, or does not answer within `timeout`, is
  // UNAVAILABLE naming the owner's address.
  grpc::Status Record(const grpc::ServerContext* serving,
                      const v1::RecordObservationRequest& request,
                      v1::RecordObservationResponse* response);
  grpc::Status Get(const grpc::ServerContext* serving, const v1::GetObservationRequest& request,
                   v1::GetObservationResponse* response);
  grpc::Status List(const grpc::ServerContext* serving, const v1::ListObservationsRequest& request,
                    v1::ListObservationsResponse* response);
  grpc::Status Delete(const grpc::ServerContext* serving,
                      const v1::DeleteObservationRequest& request,
                      v1::DeleteObservationResponse* response);
  grpc::Status Revisions(const grpc::ServerContext* serving,
                         const v1::ListObservationRevisionsRequest& request,
                         v1::ListObservationRevisionsResponse* response);

  // What ObservationStore::ListWithin answers, read from the owner: national observations of
  // the metric and country whose period lies within [first_day, last_day], in creation order,
  // at most `limit`. Pages through ListObservations (which matches overlapping periods) and
  // keeps the ones within.
  absl::StatusOr<std::vector<v1::Observation>> ListWithin(const grpc::ServerContext* serving,
                                                          int metric,
                                                          const std::string& country_code,
                                                          int32_t first_day, int32_t last_day,
                                                          int limit);

  const std::string& address() const { return address_; }

 private:
  template <typename Call>
  grpc::Status Forward(const grpc::ServerContext* serving, Call call);

  const std::string address_;
  const std::string token_;
  const absl::Duration timeout_;
  const int list_page_size_;
  std::unique_ptr<v1::StatsService::Stub> stub_;
};

}  // namespace lookout::stats

#endif  // LOOKOUT_SERVICES_STATS_OBSERVATION_OWNER_H_
