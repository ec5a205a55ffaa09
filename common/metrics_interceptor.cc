#include "common/metrics_interceptor.h"

#include <grpcpp/generic/async_generic_service.h>

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/callback_sequence.h"

namespace lookout {

// The three families of one side (server or client) of the RPC metrics.
struct RpcFamilies {
  RpcFamilies(MetricsRegistry* registry, const std::string& side)
      : started(&registry->Counter(absl::StrCat("grpc_", side, "_started_total"),
                                   absl::StrCat("RPCs started on the ", side, "."))),
        handled(&registry->Counter(
            absl::StrCat("grpc_", side, "_handled_total"),
            absl::StrCat("RPCs completed on the ", side, ", by gRPC status code."))),
        handling(
            &registry->Histogram(absl::StrCat("grpc_", side, "_handling_seconds"),
                                 absl::StrCat("Time from the start of an RPC to its status on the ",
                                              side, ", in seconds."))) {}

  prometheus::Family<prometheus::Counter>* started;
  prometheus::Family<prometheus::Counter>* handled;
  prometheus::Family<prometheus::Histogram>* handling;
};

namespace {

using grpc::experimental::InterceptionHookPoints;

template <typename Type>
const char* TypeName(Type type) {
  switch (type) {
    case Type::UNARY:
      return "unary";
    case Type::CLIENT_STREAMING:
      return "client_stream";
    case Type::SERVER_STREAMING:
      return "server_stream";
    case Type::BIDI_STREAMING:
      return "bidi_stream";
    default:
      return "unknown";
  }
}

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  // `server` picks the hook that carries the status: the one sent, or the one received.
  MetricsInterceptor(const RpcFamilies* families, absl::string_view full_method, const char* type,
                     bool server)
      : families_(families), server_(server) {
    auto [service, method] = SplitGrpcMethod(full_method);
    labels_ = {{"grpc_service", std::string(service)},
               {"grpc_method", std::string(method)},
               {"grpc_type", type}};
    families_->started->Add(labels_).Increment();
    sequence_.Release();
  }

  // An RPC that ends without a status (the peer went away) still counts, as CANCELLED, so the
  // handled counter never under-reports.
  ~MetricsInterceptor() override {
    CallbackSequence::Step step(sequence_);
    if (!recorded_) Record(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    {
      CallbackSequence::Step step(sequence_);
      if (server_) {
        if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
          Record(methods->GetSendStatus().error_code());
        }
      } else if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
        Record(methods->GetRecvStatus()->error_code());
      }
    }
    // Outside the step: Proceed may end the call and destroy this interceptor.
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    if (recorded_) return;
    recorded_ = true;
    families_->handling->Add(labels_, LatencyBucketsSeconds())
        .Observe(std::max(0.0, absl::ToDoubleSeconds(absl::Now() - start_)));
    prometheus::Labels labels = labels_;
    labels.emplace("grpc_code", GrpcCodeLabel(code));
    families_->handled->Add(labels).Increment();
  }

  const RpcFamilies* const families_;
  const bool server_;
  prometheus::Labels labels_;
  const absl::Time start_ = absl::Now();
  bool recorded_ = false;
  // The call's steps (construction, hooks, destruction) run on whichever gRPC thread completes
  // the batch before; gRPC orders them, this states it (common/callback_sequence.h).
  CallbackSequence sequence_;
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

std::string GrpcCodeLabel(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kNames[index] : "Unknown";
}

std::pair<absl::string_view, absl::string_view> SplitGrpcMethod(absl::string_view full_method) {
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

MetricsInterceptorFactory::MetricsInterceptorFactory(MetricsRegistry* registry)
    : families_(std::make_unique<RpcFamilies>(registry, "server")) {
  made_.Release();
}

MetricsInterceptorFactory::~MetricsInterceptorFactory() = default;

grpc::experimental::Interceptor* MetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  made_.Acquire();
  // The path of an unregistered method is whatever the client sent (any length, any number of
  // distinct values): one fixed label keeps the registry bounded.
  const bool unknown = info->method() == nullptr || IsUnregisteredMethod(info->server_context());
  return new MetricsInterceptor(families_.get(), unknown ? kUnknownMethodPath : info->method(),
                                unknown ? "unknown" : TypeName(info->type()), /*server=*/true);
}

ClientMetricsInterceptorFactory::ClientMetricsInterceptorFactory(MetricsRegistry* registry)
    : families_(std::make_unique<RpcFamilies>(registry, "client")) {
  made_.Release();
}

ClientMetricsInterceptorFactory::~ClientMetricsInterceptorFactory() = default;

grpc::experimental::Interceptor* ClientMetricsInterceptorFactory::CreateClientInterceptor(
    grpc::experimental::ClientRpcInfo* info) {
  made_.Acquire();
  // This process picks the methods it calls, so the path is bounded; a generic call names it.
  return new MetricsInterceptor(families_.get(),
                                info->method() == nullptr ? kUnknownMethodPath : info->method(),
                                TypeName(info->type()), /*server=*/false);
}

}  // namespace lookout
