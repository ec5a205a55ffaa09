// The rich error model's google.rpc.Status with a google.rpc.RetryInfo detail (generated from
// npm's google-proto-files, see proto/CMakeLists.txt), for RESOURCE_EXHAUSTED answers: clients
// that read grpc-status-details-bin (or an HTTP error body) learn how long to wait without
// parsing the message.
#ifndef LOOKOUT_SERVICES_GATEWAY_ACCESS_RETRY_INFO_H_
#define LOOKOUT_SERVICES_GATEWAY_ACCESS_RETRY_INFO_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/time/time.h"

namespace lookout::gateway {

// A grpc::Status whose error details carry google.rpc.Status{code, message, [RetryInfo]}.
grpc::Status StatusWithRetryInfo(grpc::StatusCode code, const std::string& message,
                                 absl::Duration retry_delay);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_ACCESS_RETRY_INFO_H_
