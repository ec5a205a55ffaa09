#include "services/stats/observation_owner.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/call_context.h"
#include "common/grpc_status.h"
#include "common/logging.h"
#include "common/validation.h"
#include "services/stats/backend_channel.h"

namespace lookout::stats {

ObservationOwnerClient::ObservationOwnerClient(std::string address, std::string internal_token,
                                               absl::Duration timeout, int list_page_size)
    : address_(std::move(address)),
      token_(std::move(internal_token)),
      timeout_(timeout),
      list_page_size_(list_page_size),
      // One connection attempt may take 1 s: an owner that accepts TCP but does not answer
      // HTTP/2 fails the call (UNAVAILABLE) rather than holding it until its deadline.
      stub_(v1::StatsService::NewStub(CreateBackendChannel(
          address_, {.min = absl::Seconds(1), .max = absl::Seconds(2)}))) {}

template <typename Call>
grpc::Status ObservationOwnerClient::Forward(const grpc::ServerContext* serving, Call call) {
  grpc::ClientContext client;
  PrepareClientContext(&client, token_, timeout_, serving);
  // Whether our own cap, not the caller's deadline, bounds the call.
  const bool capped = serving == nullptr ||
                      std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_) <=
                          serving->deadline();
  grpc::Status status = call(&client);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    LogInfo("observation owner unavailable",
            {{"observations_addr", address_}, {"error", status.error_message()}});
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("the observation store at ", address_,
                                     " is unavailable: ", status.error_message()),
                        status.error_details());
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && capped) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("the observation store at ", address_,
                                     " did not answer within ", absl::FormatDuration(timeout_)));
  }
  return status;
}

grpc::Status ObservationOwnerClient::Record(const grpc::ServerContext* serving,
                                            const v1::RecordObservationRequest& request,
                                            v1::RecordObservationResponse* response) {
  return Forward(serving, [&](grpc::ClientContext* client) {
    return stub_->RecordObservation(client, request, response);
  });
}

grpc::Status ObservationOwnerClient::Get(const grpc::ServerContext* serving,
                                         const v1::GetObservationRequest& request,
                                         v1::GetObservationResponse* response) {
  return Forward(serving, [&](grpc::ClientContext* client) {
    return stub_->GetObservation(client, request, response);
  });
}

grpc::Status ObservationOwnerClient::List(const grpc::ServerContext* serving,
                                          const v1::ListObservationsRequest& request,
                                          v1::ListObservationsResponse* response) {
  return Forward(serving, [&](grpc::ClientContext* client) {
    return stub_->ListObservations(client, request, response);
  });
}

grpc::Status ObservationOwnerClient::Delete(const grpc::ServerContext* serving,
                                            const v1::DeleteObservationRequest& request,
                                            v1::DeleteObservationResponse* response) {
  return Forward(serving, [&](grpc::ClientContext* client) {
    return stub_->DeleteObservation(client, request, response);
  });
}

grpc::Status ObservationOwnerClient::Revisions(const grpc::ServerContext* serving,
                                               const v1::ListObservationRevisionsRequest& request,
                                               v1::ListObservationRevisionsResponse* response) {
  return Forward(serving, [&](grpc::ClientContext* client) {
    return stub_->ListObservationRevisions(client, request, response);
  });
}

absl::StatusOr<std::vector<v1::Observation>> ObservationOwnerClient::ListWithin(
    const grpc::ServerContext* serving, int metric, const std::string& country_code,
    int32_t first_day, int32_t last_day, int limit) {
  v1::ListObservationsRequest request;
  request.set_metric(static_cast<v1::Metric>(metric));
  request.set_country_code(country_code);
  request.mutable_period()->set_start_date(validation::FormatDate(first_day));
  request.mutable_period()->set_end_date(validation::FormatDate(last_day));
  request.set_page_size(list_page_size_);
  std::vector<v1::Observation> within;
  while (true) {
    v1::ListObservationsResponse page;
    grpc::Status status = List(serving, request, &page);
    if (!status.ok()) return FromGrpcStatus(status);
    for (v1::Observation& observation : *page.mutable_observations()) {
      if (!observation.admin1().empty()) continue;
      const std::string& start = observation.period().start_date();
      const std::string& end = observation.period().end_date();
      absl::StatusOr<int32_t> start_day = validation::ParseDate(start);
      absl::StatusOr<int32_t> end_day = end.empty() ? start_day : validation::ParseDate(end);
      if (!start_day.ok() || !end_day.ok()) continue;
      if (*start_day < first_day || *end_day > last_day) continue;
      within.push_back(std::move(observation));
      if (static_cast<int>(within.size()) >= limit) return within;
    }
    if (page.next_page_token().empty()) return within;
    request.set_page_token(page.next_page_token());
  }
}

}  // namespace lookout::stats
