// A gRPC server interceptor that records every RPC into a MetricsRegistry:
// lookout_requests_total{service,method,code} and the latency histogram. A call to a method the
// server does not register (a generic service's call, or one gRPC answers UNIMPLEMENTED) is
// labelled service="unknown", method="unknown", never with the path the client sent.
//
// Install on a server with
//   std::vector<std::unique_ptr<
//       grpc::experimental::ServerInterceptorFactoryInterface>> factories;
//   factories.push_back(std::make_unique<MetricsInterceptorFactory>(&registry));
//   builder.experimental().SetInterceptorCreators(std::move(factories));

#ifndef LOOKOUT_COMMON_METRICS_INTERCEPTOR_H_
#define LOOKOUT_COMMON_METRICS_INTERCEPTOR_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>

#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "common/metrics.h"

namespace lookout {

// The path every unregistered method is recorded under.
inline constexpr char kUnknownMethodPath[] = "/unknown/unknown";

// True for the server context of a call that no registered service serves.
bool IsUnregisteredMethod(grpc::ServerContextBase* context);

// "OK", "CANCELLED", "INVALID_ARGUMENT", ... as in the gRPC spec; codes
// outside the 17 known ones come back as "UNKNOWN".
std::string StatusCodeName(grpc::StatusCode code);

// "/lookout.event.v1.EventService/GetEvent" ->
// {"lookout.event.v1.EventService", "GetEvent"}.
std::pair<absl::string_view, absl::string_view> SplitGrpcMethod(
    absl::string_view full_method);

class MetricsInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `registry` must outlive every server using this factory.
  explicit MetricsInterceptorFactory(MetricsRegistry* registry)
      : registry_(registry) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  MetricsRegistry* const registry_;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_METRICS_INTERCEPTOR_H_
