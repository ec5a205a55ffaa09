#include "services/gateway/forwarding/stream_proxy.h"

#include <chrono>

#include "common/grpc_status.h"

namespace lookout::gateway {

void BackendStream::OnReadInitialMetadataDone(bool ok) { proxy_->BackendHeaders(ok); }
void BackendStream::OnReadDone(bool ok) { proxy_->BackendRead(ok); }
void BackendStream::OnWriteDone(bool ok) { proxy_->BackendWriteDone(ok); }
// Nothing may follow: the proxy can finish (and be deleted) from here.
void BackendStream::OnDone(const grpc::Status& status) { proxy_->BackendDone(status); }

StreamProxy::StreamProxy(grpc::CallbackServerContext* context, const Route* route,
                         const ProxyEnv* env)
    : context_(context), route_(route), env_(env), identity_(IdentityIdsOf(*context)) {
  absl::StatusOr<Principal> principal = env_->admission->Identify(*context_, *route_);
  if (!principal.ok()) {
    End(ToGrpcStatus(principal.status()));
    return;
  }
  principal_ = *std::move(principal);
  if (!client_streaming() && env_->streams != nullptr) {
    absl::Status added = env_->streams->Add(this);
    if (!added.ok()) {
      End(ToGrpcStatus(added));
      return;
    }
    registered_ = true;
  }
  identity_.principal = principal_.name;
  identity_.role = principal_.role;
  // Streams can outlive their key: the watch ends them when a reload revokes it.
  key_watch_ = env_->admission->WatchKey(
      principal_, *route_, [this](std::optional<Role> role_now) { Revoke(role_now); });
  if (key_watch_->revoked_at_start()) {
    End(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, kUnauthenticatedMessage));
    return;
  }
  env_->admission->Limit(principal_, [this](grpc::Status status) { Admitted(status); });
}

void StreamProxy::Admitted(const grpc::Status& status) {
  if (!status.ok()) {
    End(status);
    return;
  }
  if (client_streaming()) {
    StartAttempt();
  } else {
    StartRead(&first_request_);
  }
}

void StreamProxy::OnDone() {
  reactions_.Acquire();
  // Waits for a revocation in progress, which may still touch this proxy.
  key_watch_.reset();
  if (registered_) env_->streams->Remove(this);
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    if (paying_) return;  // the payment's callback deletes the proxy
  }
  delete this;
}

void StreamProxy::Revoke(std::optional<Role> role_now) {
  grpc::ClientContext* backend = nullptr;
  {
    absl::MutexLock lock(&mu_);
    revoked_ = true;
    if (role_now.has_value()) {
      // The key stays but its new role is below the method's: PERMISSION_DENIED naming both.
      Principal lowered = principal_;
      lowered.role = *role_now;
      revoked_status_ =
          ToGrpcStatus(AccessControl::Authorize(lowered, route_->min_role, route_->path));
    }
    if (current_ != nullptr) backend = current_->context();
  }
  // The backend's end (BackendDone) finishes the call UNAUTHENTICATED; before the backend call
  // starts, StartAttempt does.
  if (backend != nullptr) backend->TryCancel();
}

void StreamProxy::StartAttempt() {
  std::unique_ptr<grpc::ClientContext> backend_context =
      MakeBackendContext(*context_, identity_, env_->internal_token,
                         env_->deadlines.For(route_->kind), env_->propagate_cancellation);
  BackendStream* stream = nullptr;
  bool revoked = false;
  bool stopping = false;
  grpc::Status revoked_status;
  {
    absl::MutexLock lock(&mu_);
    revoked = revoked_;
    revoked_status = revoked_status_;
    stopping = stopping_;
    if (!cancelled_ && !revoked_ && !stopping_) {
      attempts_.push_back(std::make_unique<BackendStream>(this, std::move(backend_context)));
      stream = current_ = attempts_.back().get();
      downstream_hold_ = true;
      upstream_hold_ = client_streaming();
    }
  }
  if (stream == nullptr) {
    End(revoked    ? revoked_status
        : stopping ? ToGrpcStatus(StoppingStatus())
                   : grpc::Status(grpc::StatusCode::CANCELLED, "the caller cancelled the call"));
    return;
  }
  env_->backends->generic(route_->backend)
      ->PrepareBidiStreamingCall(stream->context(), route_->path, grpc::StubOptions(), stream);
  // The caller's side starts operations on this stream from its own reactions, so the stream
  // must not end while either direction may still do so.
  stream->AddMultipleHolds(client_streaming() ? 2 : 1);
  if (!client_streaming()) stream->StartWriteLast(&first_request_, grpc::WriteOptions());
  stream->StartRead(&downstream_);
  stream->StartCall();
  if (client_streaming()) ReadUpstream();
}

void StreamProxy::ReadUpstream() {
  {
    absl::MutexLock lock(&mu_);
    if (!upstream_hold_) return;  // the backend's stream already ended
    if (!route_->paced_import || paid_rows_ > 0) {
      if (route_->paced_import) --paid_rows_;
      StartRead(&upstream_);
      return;
    }
    paying_ = true;
  }
  PayChunk();
}

void StreamProxy::PayChunk() {
  env_->admission->PayImportRows(principal_, ImportChunkRows(principal_.import_limit),
                                 [this](RateDecision decision) { Paid(decision); });
}

void StreamProxy::Paid(const RateDecision& decision) {
  grpc::Alarm* alarm = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (!done_ && upstream_hold_) {
      if (decision.allowed) {
        paying_ = false;
        paid_rows_ += ImportChunkRows(principal_.import_limit) - 1;
        StartRead(&upstream_);
        return;
      }
      // Short of rows: nothing more is read until they are there. The caller's writes wait
      // (HTTP/2 flow control); the stream's deadline still runs, and ends it if it passes.
      // Still paying_, so nothing deletes the proxy (or the alarm) before the alarm fires.
      pace_alarm_ = std::make_unique<grpc::Alarm>();
      alarm = pace_alarm_.get();
    } else {
      // The stream ended while paying (cancelled, revoked, the backend finished).
      paying_ = false;
      if (!done_) return;
    }
  }
  if (alarm != nullptr) {
    // Set outside the lock: an alarm already due may run its callback before Set returns.
    alarm->Set(std::chrono::system_clock::now() + absl::ToChronoMicroseconds(decision.retry_after),
               [this](bool) { PaceAlarmFired(); });
    return;
  }
  delete this;
}

void StreamProxy::PaceAlarmFired() {
  bool retry = false;
  {
    absl::MutexLock lock(&mu_);
    retry = !done_ && upstream_hold_;
    if (!retry) {
      paying_ = false;
      if (!done_) return;
    }
  }
  if (retry) {
    PayChunk();  // still paying_: the decision arrives in Paid
    return;
  }
  // OnDone ran during the wait. Deleting the proxy destroys the alarm inside its own callback,
  // which gRPC allows (the running callback holds a reference of its own).
  delete this;
}

void StreamProxy::OnReadDone(bool ok) {
  ReadDone(ok);
  reactions_.Release();
}

void StreamProxy::OnWriteDone(bool ok) {
  WriteDone(ok);
  reactions_.Release();
}

void StreamProxy::ReadDone(bool ok) {
  if (!client_streaming()) {
    if (!ok) {
      End(grpc::Status(grpc::StatusCode::CANCELLED, "the call ended before its request"));
      return;
    }
    StartAttempt();
    return;
  }
  absl::MutexLock lock(&mu_);
  // The backend already finished: what the caller still sends has nowhere to go.
  if (!upstream_hold_) return;
  if (ok) {
    current_->StartWrite(&upstream_);
    return;
  }
  // A read also fails when the caller cancelled or its deadline passed, and that may be seen
  // here before OnCancel: half-closing then would let the backend finish (an import would
  // commit its last rows). gRPC marks the call cancelled before reporting such a read.
  if (context_->IsCancelled()) {
    cancelled_ = true;
    current_->context()->TryCancel();
  } else {
    current_->StartWritesDone();
  }
  ReleaseUpstreamLocked();
}

void StreamProxy::BackendWriteDone(bool ok) {
  if (!client_streaming()) return;  // the single request of a server-streaming call
  {
    absl::MutexLock lock(&mu_);
    if (!upstream_hold_) return;
    if (!ok) {
      // The backend stream broke; its status follows in BackendDone.
      ReleaseUpstreamLocked();
      return;
    }
  }
  ReadUpstream();  // only now: one message in flight toward the backend
}

void StreamProxy::BackendHeaders(bool ok) {
  if (!ok) return;
  absl::MutexLock lock(&mu_);
  if (headers_sent_ || current_ == nullptr) return;
  // Headers go out early only when the backend put something in them; otherwise they leave with
  // the first message and a failed first try can still be retried unseen.
  bool any = false;
  for (const auto& entry : current_->context()->GetServerInitialMetadata()) {
    (void)entry;
    any = true;
    break;
  }
  if (!any) return;
  headers_sent_ = true;
  CopyInitialMetadata(*current_->context(), context_);
  StartSendInitialMetadata();
}

void StreamProxy::BackendRead(bool ok) {
  absl::MutexLock lock(&mu_);
  if (ok) {
    headers_sent_ = true;
    write_pending_ = true;
    StartWrite(&downstream_);
    return;
  }
  // The backend's stream ended: nothing more comes from it or goes to it.
  ReleaseDownstreamLocked();
  ReleaseUpstreamLocked();
}

void StreamProxy::WriteDone(bool ok) {
  grpc::Status finish_with;
  {
    absl::MutexLock lock(&mu_);
    write_pending_ = false;
    if (finish_pending_) {
      finish_pending_ = false;
      finish_with = final_status_;
    } else {
      if (!downstream_hold_) return;
      if (ok) {
        current_->StartRead(&downstream_);  // only now: one message in flight toward the caller
        return;
      }
      // The caller is gone: stop the backend as well.
      current_->context()->TryCancel();
      ReleaseDownstreamLocked();
      return;
    }
  }
  End(finish_with);
}

void StreamProxy::BackendDone(const grpc::Status& backend_status) {
  grpc::Status status = backend_status;
  {
    absl::MutexLock lock(&mu_);
    // The cancel was ours (a backend that finished first keeps its own status).
    if (revoked_ && status.error_code() == grpc::StatusCode::CANCELLED) {
      status = revoked_status_;
    } else if (stopping_) {
      // Cancelled by EndForStop: the caller resumes elsewhere, or here after the restart.
      status = ToGrpcStatus(StoppingStatus());
    }
    if (!revoked_ && !stopping_ && !client_streaming() && route_->idempotent &&
        status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        attempts_.size() < static_cast<size_t>(env_->max_attempts) &&
        !headers_sent_ && !cancelled_ && RetryFits(*context_, env_->retry_delay)) {
      retry_alarm_ = std::make_unique<grpc::Alarm>();
      retry_alarm_->Set(
          std::chrono::system_clock::now() + absl::ToChronoMilliseconds(env_->retry_delay),
          [this](bool) { StartAttempt(); });
      return;
    }
    if (!revoked_) CopyTrailingMetadata(*current_->context(), context_);
    if (write_pending_) {
      finish_pending_ = true;
      final_status_ = status;
      return;
    }
  }
  End(status);
}

void StreamProxy::End(const grpc::Status& status) {
  EndGatewayCall(context_, route_->path, identity_, status);
  reactions_.Release();  // after Finish, OnDone may delete the proxy at once
  Finish(status);
}

void StreamProxy::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (current_ != nullptr) current_->context()->TryCancel();
  }
  reactions_.Release();
}

void StreamProxy::EndForStop(const absl::Status& /*status*/) {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (current_ != nullptr) current_->context()->TryCancel();
  }
  reactions_.Release();  // OpenStreams holds its lock: OnDone cannot have run yet
}

void StreamProxy::ReleaseUpstreamLocked() {
  if (!upstream_hold_) return;
  upstream_hold_ = false;
  current_->RemoveHold();
}

void StreamProxy::ReleaseDownstreamLocked() {
  if (!downstream_hold_) return;
  downstream_hold_ = false;
  current_->RemoveHold();
}

}  // namespace lookout::gateway
