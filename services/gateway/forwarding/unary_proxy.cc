#include "services/gateway/forwarding/unary_proxy.h"

#include <algorithm>
#include <chrono>

#include "common/grpc_status.h"
#include "services/gateway/forwarding/request_peek.h"

namespace lookout::gateway {

UnaryProxy::UnaryProxy(grpc::CallbackServerContext* context, const Route* route,
                       const ProxyEnv* env)
    : context_(context), route_(route), env_(env), identity_(IdentityIdsOf(*context)) {
  // Key and role come from metadata, so a caller without them is refused before its request
  // is even read.
  absl::StatusOr<Principal> principal = env_->admission->Identify(*context_, *route_);
  if (!principal.ok()) {
    End(ToGrpcStatus(principal.status()));
    return;
  }
  principal_ = *std::move(principal);
  identity_.principal = principal_.name;
  identity_.role = principal_.role;
  reactions_.Release();
  StartRead(&request_);
}

void UnaryProxy::OnReadDone(bool ok) {
  reactions_.Acquire();
  if (!ok) {
    // The caller half-closed without a request, or went away.
    End(grpc::Status(grpc::StatusCode::CANCELLED, "the call ended before its request"));
    return;
  }
  // Reads are safe to send again; a write only when the backend applies its request_id once.
  retry_safe_ = route_->idempotent || (route_->request_id_field != 0 &&
                                       HasNonEmptyStringField(request_, route_->request_id_field));
  absl::Status allowed = env_->admission->CheckRequest(principal_, *route_, request_);
  if (!allowed.ok()) {
    End(ToGrpcStatus(allowed));
    return;
  }
  env_->admission->Limit(principal_, *route_, request_,
                         [this](grpc::Status status) { Admitted(status); });
}

void UnaryProxy::Admitted(const grpc::Status& status) {
  if (!status.ok()) {
    End(status);
    return;
  }
  CallBackend();
}

void UnaryProxy::CallBackend() {
  reactions_.Acquire();  // runs after OnReadDone, the admission's callback or the retry alarm
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
    End(grpc::Status(grpc::StatusCode::CANCELLED, "the caller cancelled the call"));
    return;
  }
  ++attempts_;
  response_.Clear();
  reactions_.Release();  // BackendDone runs on a gRPC thread once the backend answers
  env_->backends->generic(route_->backend)
      ->UnaryCall(backend_context, route_->path, grpc::StubOptions(), &request_, &response_,
                  [this](grpc::Status status) { BackendDone(status); });
}

void UnaryProxy::BackendDone(const grpc::Status& status) {
  reactions_.Acquire();
  // A write without a request_id is never retried here: gRPC's transparent retry already sent it
  // again if no server saw it, and past that the gateway cannot tell whether it was applied.
  const absl::Duration delay = env_->retry_delay * (1 << std::min(attempts_ - 1, 4));
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && retry_safe_ &&
      attempts_ < env_->max_attempts && !context_->IsCancelled() && RetryFits(*context_, delay)) {
    retry_alarm_ = std::make_unique<grpc::Alarm>();
    reactions_.Release();  // the alarm's callback runs CallBackend on a gRPC thread
    retry_alarm_->Set(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(delay),
                      [this](bool) { CallBackend(); });
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    CopyInitialMetadata(*backend_context_, context_);
    CopyTrailingMetadata(*backend_context_, context_);
  }
  if (status.ok()) {
    EndGatewayCall(context_, route_->path, identity_, status);
    reactions_.Release();  // after this, OnDone may delete the proxy at once
    StartWriteAndFinish(&response_, grpc::WriteOptions(), status);
  } else {
    End(status);
  }
}

void UnaryProxy::End(const grpc::Status& status) {
  EndGatewayCall(context_, route_->path, identity_, status);
  reactions_.Release();  // after Finish, OnDone may delete the proxy at once
  Finish(status);
}

void UnaryProxy::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    // Propagation cancels the backend call too; this covers the window before it is wired.
    if (backend_context_ != nullptr) backend_context_->TryCancel();
  }
  reactions_.Release();
}

}  // namespace lookout::gateway
