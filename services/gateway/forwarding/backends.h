// One channel per backend, reused by every call, with a short reconnect back-off so a backend
// that comes back is used again within about a second (gRPC's default back-off grows to two
// minutes).
#ifndef LOOKOUT_SERVICES_GATEWAY_FORWARDING_BACKENDS_H_
#define LOOKOUT_SERVICES_GATEWAY_FORWARDING_BACKENDS_H_

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <memory>
#include <string>

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

  std::shared_ptr<grpc::Channel> channel(Backend backend) const;
  grpc::GenericStub* generic(Backend backend) const;

 private:
  struct Entry {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<grpc::GenericStub> stub;
  };
  const Entry& entry(Backend backend) const;

  Entry event_;
  Entry actor_;
  Entry stats_;
};

std::shared_ptr<grpc::Channel> MakeBackendChannel(const std::string& address,
                                                  int max_message_bytes);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_FORWARDING_BACKENDS_H_
