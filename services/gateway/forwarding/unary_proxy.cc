#include "services/gateway/forwarding/unary_proxy.h"

#include <chrono>

#include "common/grpc_status.h"

namespace lookout::gateway {

UnaryProxy::UnaryProxy(grpc::CallbackServerContext* context, const Route* route,
                       const ProxyEnv* env)
    : context_(context), route_(route), env_(env) {
  // Key and role come from metadata, so a caller without them is refused before its request
  // is even read.
  absl::StatusOr<Principal> principal = env_->admission->Identify(*context_, *route_);
  if (!principal.ok()) {
    Finish(ToGrpcStatus(principal.status()));
    return;
  }
  principal_ = *std::move(principal);
  identity_.principal = principal_.name;
  identity_.role = principal_.role;
  identity_.request_id = RequestIdOf(*context_);
  StartRead(&request_);
}

void UnaryProxy::OnReadDone(bool ok) {
  if (!ok) {
    // The caller half-closed without a request, or went away.
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the call ended before its request"));
    return;
  }
  absl::Status allowed = env_->admission->CheckRequest(principal_, *route_, request_);
  if (!allowed.ok()) {
    Finish(ToGrpcStatus(allowed));
    return;
  }
  env_->admission->Limit(principal_, *route_, request_,
                         [this](grpc::Status status) { Admitted(status); });
}

void UnaryProxy::Admitted(const grpc::Status& status) {
  if (!status.ok()) {
    Finish(status);
    return;
  }
  CallBackend();
}

void UnaryProxy::CallBackend() {
  grpc::ClientContext* backend_context = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) {
      backend_context = nullptr;
    } else {
      backend_context_ = MakeBackendContext(*context_, identity_, env_->internal_token,
                                            env_->deadlines.For(route_->kind));
      backend_context = backend_context_.get();
    }
  }
  if (backend_context == nullptr) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the caller cancelled the call"));
    return;
  }
  ++attempts_;
  response_.Clear();
  env_->backends->generic(route_->backend)
      ->UnaryCall(backend_context, route_->path, grpc::StubOptions(), &request_, &response_,
                  [this](grpc::Status status) { BackendDone(status); });
}

void UnaryProxy::BackendDone(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && route_->idempotent &&
      attempts_ == 1 && !context_->IsCancelled() && RetryFits(*context_, env_->retry_delay)) {
    retry_alarm_ = std::make_unique<grpc::Alarm>();
    retry_alarm_->Set(
        std::chrono::system_clock::now() + absl::ToChronoMilliseconds(env_->retry_delay),
        [this](bool) { CallBackend(); });
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    CopyInitialMetadata(*backend_context_, context_);
    CopyTrailingMetadata(*backend_context_, context_);
  }
  if (status.ok()) {
    StartWriteAndFinish(&response_, grpc::WriteOptions(), status);
  } else {
    Finish(status);
  }
}

void UnaryProxy::OnCancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  // Propagation cancels the backend call too; this covers the window before it is wired.
  if (backend_context_ != nullptr) backend_context_->TryCancel();
}

}  // namespace lookout::gateway
