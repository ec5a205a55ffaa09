// Forwards one streaming call (ImportEvents: client streaming; WatchEvents: server streaming) as
// bytes, one message in flight per direction: a message is read from one side only after the
// previous one was written to the other, so a slow reader makes the gateway stop reading
// (HTTP/2 flow control then pushes back to the sender) instead of buffering without bound.
//
// A server-streaming idempotent read that gets UNAVAILABLE before anything reached the caller is
// tried again (ProxyEnv::max_attempts in all). A server-streaming call (a WatchEvents that may
// follow for hours) counts as an open stream of the gateway: refused beyond the cap, ended with
// UNAVAILABLE when it stops.
//
// An import (a route with paced_import) pays its rows from the key's import budget in chunks
// before reading them: when the budget is short the proxy stops reading the caller until an
// alarm says the rows are there, so HTTP/2 flow control slows the caller down; no row is lost
// or refused, and no thread waits.
//
// A stream ends when the caller cancels it (the backend call is cancelled too, never half-closed:
// an import cancelled mid-stream must not commit its last rows), and ends UNAUTHENTICATED, its
// backend call cancelled, when a keys reload revokes the key it was opened with.
#ifndef LOOKOUT_SERVICES_GATEWAY_FORWARDING_STREAM_PROXY_H_
#define LOOKOUT_SERVICES_GATEWAY_FORWARDING_STREAM_PROXY_H_

#include <grpcpp/alarm.h>
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>
#include <grpcpp/support/server_callback.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/callback_sequence.h"
#include "common/open_streams.h"
#include "services/gateway/access/access_control.h"
#include "services/gateway/forwarding/proxy_env.h"

namespace lookout::gateway {

class StreamProxy;

// One try at the backend: the client half of a streaming call, reporting to its StreamProxy.
class BackendStream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  BackendStream(StreamProxy* proxy, std::unique_ptr<grpc::ClientContext> context)
      : proxy_(proxy), context_(std::move(context)) {}
  grpc::ClientContext* context() const { return context_.get(); }

  void OnReadInitialMetadataDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  StreamProxy* const proxy_;
  const std::unique_ptr<grpc::ClientContext> context_;
};

class StreamProxy final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>,
                          public OpenStream {
 public:
  // Deletes itself when the call is done.
  StreamProxy(grpc::CallbackServerContext* context, const Route* route, const ProxyEnv* env);

  // Caller side.
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;
  void EndForStop(const absl::Status& status) override;

  // Backend side, from BackendStream.
  void BackendHeaders(bool ok);
  void BackendRead(bool ok);
  void BackendWriteDone(bool ok);
  void BackendDone(const grpc::Status& status);
  // Every end of the call goes through here: traceresponse and the gateway's log line, then Finish.
  void End(const grpc::Status& status);

 private:
  bool client_streaming() const { return route_->kind == CallKind::kClientStreaming; }
  // The bodies of OnReadDone and OnWriteDone, which then release reactions_.
  void ReadDone(bool ok);
  void WriteDone(bool ok);
  void Admitted(const grpc::Status& status);
  // From the key watch, on the keys-reloading thread: the caller's key was revoked.
  // A keys reload removed the key (`role_now` empty) or left it below the method's role.
  void Revoke(std::optional<Role> role_now);
  void StartAttempt();
  // Client streaming: reads the caller's next message, once paid for when the route is a paced
  // import.
  void ReadUpstream();
  // An import's pacing: pays the next chunk of rows; the decision arrives in Paid, and a refused
  // payment is tried again when the alarm fires (PaceAlarmFired).
  void PayChunk();
  void Paid(const RateDecision& decision);
  void PaceAlarmFired();
  // Let the backend stream end once neither direction will start operations on it.
  void ReleaseUpstreamLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseDownstreamLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  grpc::CallbackServerContext* const context_;
  const Route* const route_;
  const ProxyEnv* const env_;
  Principal principal_;
  CallIdentity identity_;
  std::unique_ptr<KeyWatch> key_watch_;
  // Made only for a retry: an Alarm costs a trip through gRPC's global init on every call.
  std::unique_ptr<grpc::Alarm> retry_alarm_;

  grpc::ByteBuffer first_request_;  // server streaming: the one request, kept for a retry
  grpc::ByteBuffer upstream_;       // client streaming: caller -> backend
  grpc::ByteBuffer downstream_;     // backend -> caller

  // gRPC runs OnDone (which deletes the proxy) only after Finish and after every other reaction
  // has returned, ordered inside libgrpc where ThreadSanitizer cannot see it: End releases this
  // just before Finish, each caller-side reaction as it returns (after unlocking mu_), and OnDone
  // acquires it, so the deletion visibly follows them.
  CallbackSequence reactions_;

  absl::Mutex mu_;
  // Every try, kept until the call is done (a try's OnDone runs inside its own code).
  std::vector<std::unique_ptr<BackendStream>> attempts_ ABSL_GUARDED_BY(mu_);
  BackendStream* current_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool revoked_ ABSL_GUARDED_BY(mu_) = false;
  // How a revoked stream ends: UNAUTHENTICATED for a removed key, PERMISSION_DENIED for a role
  // lowered below the method's.
  grpc::Status revoked_status_ ABSL_GUARDED_BY(mu_) =
      grpc::Status(grpc::StatusCode::UNAUTHENTICATED, kUnauthenticatedMessage);
  bool registered_ = false;  // in env_->streams
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Holds on the backend stream while the caller side may still start operations on it.
  bool upstream_hold_ ABSL_GUARDED_BY(mu_) = false;
  bool downstream_hold_ ABSL_GUARDED_BY(mu_) = false;
  bool headers_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool write_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_pending_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  // An import's pacing: rows paid for and not yet read; whether a payment or the wait after a
  // refused one will still call back; whether OnDone ran meanwhile (that callback then deletes
  // the proxy: a wait is not cancelled, it is at most the time the bucket takes to refill).
  int64_t paid_rows_ ABSL_GUARDED_BY(mu_) = 0;
  bool paying_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<grpc::Alarm> pace_alarm_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_FORWARDING_STREAM_PROXY_H_
