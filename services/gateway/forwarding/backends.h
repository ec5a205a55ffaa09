// One channel per backend, reused by every call, with a short reconnect back-off so a backend
// that comes back is used again within about a second (gRPC's default back-off grows to two
// minutes). A backend address may name several replicas (common/replica_target.h): calls go
// round robin to the replicas that report SERVING.
#ifndef LOOKOUT_SERVICES_GATEWAY_FORWARDING_BACKENDS_H_
#define LOOKOUT_SERVICES_GATEWAY_FORWARDING_BACKENDS_H_

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "services/gateway/forwarding/route_table.h"

namespace lookout::gateway {

struct BackendAddresses {
  std::string event;
  std::string actor;
  std::string stats;
};

class Backends {
 public:
  Backends(const BackendAddresses& addresses, int max_message_bytes);

  // For forwarded calls: gRPC's transparent retries only (the proxies retry by their own rule).
  std::shared_ptr<grpc::Channel> channel(Backend backend) const;
  // For calls that only read (the situation report's): UNAVAILABLE is retried by gRPC's
  // retryPolicy, on another replica.
  std::shared_ptr<grpc::Channel> read_channel(Backend backend) const;
  grpc::GenericStub* generic(Backend backend) const;

 private:
  struct Entry {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<grpc::GenericStub> stub;
    std::shared_ptr<grpc::Channel> read_channel;
  };
  const Entry& entry(Backend backend) const;

  Entry event_;
  Entry actor_;
  Entry stats_;
};

// INVALID_ARGUMENT naming the flag (event_addr, actor_addr, stats_addr) of an address that is
// not host:port, a list of IP:port, or a gRPC target.
absl::Status CheckBackendAddresses(const BackendAddresses& addresses);

std::shared_ptr<grpc::Channel> MakeBackendChannel(const std::string& address, int max_message_bytes,
                                                  Backend backend, bool read_retries);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_FORWARDING_BACKENDS_H_
