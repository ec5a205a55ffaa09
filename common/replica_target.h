// Where a service finds the replicas of another: one flag value turned into a gRPC target and the
// service config that spreads calls over the replicas and leaves a replica that reports
// NOT_SERVING (a graceful stop, a stats replica still catching up) before its port closes.
//
//   127.0.0.1:50052                     one address (resolved by DNS when it is a name)
//   127.0.0.1:7001,127.0.0.1:7002       several replicas: becomes ipv4:127.0.0.1:7001,...
//   [::1]:7001,[::1]:7002               the same for IPv6: ipv6:[::1]:7001,...
//   dns:///lookout-event:50052          a gRPC target as is: a headless Service's name, every pod
//
// A list must hold IP addresses of one family (gRPC's ipv4:/ipv6: targets resolve no names).
#ifndef LOOKOUT_COMMON_REPLICA_TARGET_H_
#define LOOKOUT_COMMON_REPLICA_TARGET_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lookout {

struct ReplicaTarget {
  // What grpc::CreateChannel takes.
  std::string target;
  // Several replicas may answer: a list, or a dns:/// target (a headless Service's name).
  bool replicated = false;
};

// INVALID_ARGUMENT naming the rule (the caller adds the flag) for an empty value, an item without
// a valid port, a list mixing names or address families, or a repeated address.
absl::StatusOr<ReplicaTarget> ParseReplicaTarget(absl::string_view value);

// round_robin over the resolved addresses; for a replicated target also client-side health
// checking of `health_service` (grpc.health.v1), so a replica that turns NOT_SERVING gets no new
// calls while its port still accepts them. `read_retries` adds a retryPolicy for every method:
// UNAVAILABLE is tried again (up to 3 attempts) on another replica; only for channels that make
// nothing but reads.
std::string ReplicaServiceConfig(const ReplicaTarget& target, absl::string_view health_service,
                                 bool read_retries);

// A channel to `target` with that service config on top of `arguments`. gRPC's retries stay on,
// so a call that never reached a server application (sent on a connection that was closing, or
// refused by a server that already sent GOAWAY) is retried transparently, writes included.
std::shared_ptr<grpc::Channel> CreateReplicaChannel(const ReplicaTarget& target,
                                                    absl::string_view health_service,
                                                    grpc::ChannelArguments arguments,
                                                    bool read_retries = false);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_REPLICA_TARGET_H_
