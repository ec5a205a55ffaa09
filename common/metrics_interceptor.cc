#include "common/metrics_interceptor.h"

#include <grpcpp/generic/async_generic_service.h>

#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lookout {
namespace {

using grpc::experimental::InterceptionHookPoints;

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(MetricsRegistry* registry, absl::string_view method)
      : registry_(registry), full_method_(method) {}

  // An RPC that ends without sending a status (the client went away) still
  // counts, as CANCELLED, so the request counter never under-reports.
  ~MetricsInterceptor() override {
    if (!recorded_) Record(grpc::StatusCode::CANCELLED);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = absl::Now();
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    recorded_ = true;
    auto [service, method] = SplitGrpcMethod(full_method_);
    registry_->RecordRequest(service, method, StatusCodeName(code),
                             absl::Now() - start_);
  }

  MetricsRegistry* const registry_;
  const std::string full_method_;
  // Creation time is the fallback if initial metadata never arrives.
  absl::Time start_ = absl::Now();
  bool recorded_ = false;
};

}  // namespace

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

std::pair<absl::string_view, absl::string_view> SplitGrpcMethod(
    absl::string_view full_method) {
  if (!full_method.empty() && full_method.front() == '/') {
    full_method.remove_prefix(1);
  }
  const size_t slash = full_method.rfind('/');
  if (slash == absl::string_view::npos) return {"", full_method};
  return {full_method.substr(0, slash), full_method.substr(slash + 1)};
}

bool IsUnregisteredMethod(grpc::ServerContextBase* context) {
  // gRPC hands a call to a generic service (or answers UNIMPLEMENTED itself) exactly when no
  // registered service has its path; those calls, and only those, get a generic context.
  return dynamic_cast<grpc::GenericCallbackServerContext*>(context) != nullptr ||
         dynamic_cast<grpc::GenericServerContext*>(context) != nullptr;
}

grpc::experimental::Interceptor*
MetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  // The path of an unregistered method is whatever the client sent (any length, any number of
  // distinct values): one fixed label keeps the registry bounded.
  if (info->method() == nullptr || IsUnregisteredMethod(info->server_context())) {
    return new MetricsInterceptor(registry_, kUnknownMethodPath);
  }
  return new MetricsInterceptor(registry_, info->method());
}

}  // namespace lookout
