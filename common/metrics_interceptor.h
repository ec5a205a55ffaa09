// gRPC interceptors that record every RPC into a MetricsRegistry under the names gRPC
// dashboards know (those of go-grpc-prometheus / grpc-ecosystem):
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}             counter
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}   counter
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}          histogram
// and the same grpc_client_* series for calls this process makes. grpc_type is unary,
// client_stream, server_stream or bidi_stream; grpc_code the status as GrpcCodeLabel spells it
// ("OK", "NotFound").
// A call to a method the server does not register (a generic service's call, or one gRPC
// answers UNIMPLEMENTED) is labelled grpc_service="unknown", grpc_method="unknown", never with
// the path the client sent.
//
// Install on a server with
//   std::vector<std::unique_ptr<
//       grpc::experimental::ServerInterceptorFactoryInterface>> factories;
//   factories.push_back(std::make_unique<MetricsInterceptorFactory>(&registry));
//   builder.experimental().SetInterceptorCreators(std::move(factories));

#ifndef LOOKOUT_COMMON_METRICS_INTERCEPTOR_H_
#define LOOKOUT_COMMON_METRICS_INTERCEPTOR_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "common/callback_sequence.h"
#include "common/metrics.h"

namespace lookout {

struct RpcFamilies;

// The path every unregistered method is recorded under.
inline constexpr char kUnknownMethodPath[] = "/unknown/unknown";

// True for the server context of a call that no registered service serves.
bool IsUnregisteredMethod(grpc::ServerContextBase* context);

// "OK", "CANCELLED", "INVALID_ARGUMENT", ... as in the gRPC spec; codes
// outside the 17 known ones come back as "UNKNOWN".
std::string StatusCodeName(grpc::StatusCode code);

// The grpc_code label value: "OK", "Canceled", "InvalidArgument", ... as go-grpc-prometheus and
// grpc-ecosystem's dashboards and alerts spell them; "Unknown" outside the 17 known codes.
std::string GrpcCodeLabel(grpc::StatusCode code);

// "/lookout.event.v1.EventService/GetEvent" ->
// {"lookout.event.v1.EventService", "GetEvent"}.
std::pair<absl::string_view, absl::string_view> SplitGrpcMethod(absl::string_view full_method);

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `registry` must outlive every server using this factory.
  explicit MetricsInterceptorFactory(MetricsRegistry* registry);
  ~MetricsInterceptorFactory() override;

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::unique_ptr<RpcFamilies> families_;
  // Made on the thread that builds the server, used on the gRPC threads that receive its calls;
  // gRPC orders the two inside libgrpc, this states it (common/callback_sequence.h).
  CallbackSequence made_;
};

// For channels: grpc::experimental::CreateCustomChannelWithInterceptors(..., creators) with
// creators holding a ClientMetricsInterceptorFactory.
class ClientMetricsInterceptorFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  // `registry` must outlive every channel using this factory.
  explicit ClientMetricsInterceptorFactory(MetricsRegistry* registry);
  ~ClientMetricsInterceptorFactory() override;

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override;

 private:
  std::unique_ptr<RpcFamilies> families_;
  // As above, for the threads that start this channel's calls.
  CallbackSequence made_;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_METRICS_INTERCEPTOR_H_
