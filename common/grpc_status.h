// The one converter between absl::Status (inside) and grpc::Status (at the edge).
#ifndef LOOKOUT_COMMON_GRPC_STATUS_H_
#define LOOKOUT_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace lookout {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_GRPC_STATUS_H_
