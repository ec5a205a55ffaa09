#include "services/gateway/access/retry_info.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace lookout::gateway {

grpc::Status StatusWithRetryInfo(grpc::StatusCode code, const std::string& message,
                                 absl::Duration retry_delay) {
  google::rpc::RetryInfo retry;
  int64_t nanos = absl::ToInt64Nanoseconds(retry_delay);
  retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  google::rpc::Status status;
  status.set_code(static_cast<int32_t>(code));
  status.set_message(message);
  status.add_details()->PackFrom(retry);
  return grpc::Status(code, message, status.SerializeAsString());
}

}  // namespace lookout::gateway
