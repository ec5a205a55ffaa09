// A backend service served at the gateway: one raw (bytes in, bytes out) callback method per
// route of that service, registered under the service's real method paths. Registering them (a
// generic handler alone would not be a registered service) is what lets reflection list and
// describe the forwarded services, from the descriptors linked into the binary.
#ifndef LOOKOUT_SERVICES_GATEWAY_FORWARDING_FORWARDING_SERVICE_H_
#define LOOKOUT_SERVICES_GATEWAY_FORWARDING_FORWARDING_SERVICE_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/impl/service_type.h>

#include <string>

#include "services/gateway/forwarding/proxy_env.h"

namespace lookout::gateway {

class ForwardingService final : public grpc::Service {
 public:
  // `service` like "lookout.event.v1.EventService"; `env` must outlive the server.
  ForwardingService(const std::string& service, const ProxyEnv* env);
};

// Answers any path no service registered with UNIMPLEMENTED naming it.
class UnknownMethodService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;
};

// Makes sure the descriptors reflection serves (every API file and grpc.health.v1) are linked
// into the binary, which a static library otherwise drops when nothing names them.
void LinkApiDescriptors();

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_FORWARDING_FORWARDING_SERVICE_H_
