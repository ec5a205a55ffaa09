#include "services/stats/backend_channel.h"

#include <grpcpp/support/channel_arguments.h>

#include <utility>

#include "common/replica_target.h"

namespace lookout::stats {

std::shared_ptr<grpc::Channel> CreateBackendChannel(const std::string& address,
                                                    ReconnectBackoff backoff,
                                                    absl::string_view health_service) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 15000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
                   static_cast<int>(absl::ToInt64Milliseconds(backoff.min)));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                   static_cast<int>(absl::ToInt64Milliseconds(backoff.max)));
  // ListEvents pages carry whole events; leave room above the 4 MiB default.
  arguments.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  absl::StatusOr<ReplicaTarget> target = ParseReplicaTarget(address);
  // main.cc refuses a malformed address at start-up; one that got past it is used as written.
  return CreateReplicaChannel(target.ok() ? *target : ReplicaTarget{address, false}, health_service,
                              std::move(arguments));
}

}  // namespace lookout::stats
