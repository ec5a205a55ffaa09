#include "services/gateway/forwarding/forwarding_service.h"

#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_service_method.h>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "lookout/actor/v1/actor_service.pb.h"
#include "lookout/event/v1/event_service.pb.h"
#include "lookout/gateway/v1/gateway_service.pb.h"
#include "lookout/stats/v1/stats_service.pb.h"
#include "services/gateway/forwarding/stream_proxy.h"
#include "services/gateway/forwarding/unary_proxy.h"

namespace lookout::gateway {

using Bytes = grpc::ByteBuffer;

ForwardingService::ForwardingService(const std::string& service, const ProxyEnv* env) {
  int index = 0;
  for (const Route& route : Routes()) {
    if (route.backend == Backend::kGateway || ServiceOfPath(route.path) != service) continue;
    // Every method is registered as bidi: on the wire all four kinds look alike, and the
    // reactor knows from the route how many messages to expect.
    AddMethod(new grpc::internal::RpcServiceMethod(
        route.path, grpc::internal::RpcMethod::BIDI_STREAMING, nullptr));
    const Route* bound = &route;
    MarkMethodRawCallback(index++, new grpc::internal::CallbackBidiHandler<Bytes, Bytes>(
                                       [bound, env](grpc::CallbackServerContext* context)
                                           -> grpc::ServerBidiReactor<Bytes, Bytes>* {
                                         if (bound->kind == CallKind::kUnary) {
                                           return new UnaryProxy(context, bound, env);
                                         }
                                         return new StreamProxy(context, bound, env);
                                       }));
  }
}

namespace {

class UnimplementedReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit UnimplementedReactor(const std::string& method) {
    Finish(grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED,
        absl::StrCat("unknown method ", method, " (list the API with server reflection)")));
  }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerGenericBidiReactor* UnknownMethodService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  return new UnimplementedReactor(context->method());
}

void LinkApiDescriptors() {
  // Naming one descriptor per file pulls that file (and its imports) into the binary.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  (void)lookout::event::v1::GetEventRequest::descriptor();
  (void)lookout::actor::v1::GetActorRequest::descriptor();
  (void)lookout::stats::v1::AggregateEventsRequest::descriptor();
  (void)lookout::gateway::v1::WhoAmIRequest::descriptor();
}

}  // namespace lookout::gateway
