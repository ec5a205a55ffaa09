// Forwards one unary call as bytes: read the request, admit it, call the backend, write its
// answer or status back unchanged. A read, or a write carrying a request_id, that gets UNAVAILABLE
// is tried again (ProxyEnv::max_attempts in all) within the caller's deadline: round robin sends
// the retry to another replica.
#ifndef LOOKOUT_SERVICES_GATEWAY_FORWARDING_UNARY_PROXY_H_
#define LOOKOUT_SERVICES_GATEWAY_FORWARDING_UNARY_PROXY_H_

#include <grpcpp/alarm.h>
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/callback_sequence.h"
#include "services/gateway/forwarding/proxy_env.h"

namespace lookout::gateway {

class UnaryProxy final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  // Deletes itself when the call is done.
  UnaryProxy(grpc::CallbackServerContext* context, const Route* route, const ProxyEnv* env);

  void OnReadDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override {
    reactions_.Acquire();
    delete this;
  }

 private:
  void Admitted(const grpc::Status& status);
  void CallBackend();
  void BackendDone(const grpc::Status& status);
  // Every end of the call goes through here: traceresponse and the gateway's log line, then Finish.
  void End(const grpc::Status& status);

  grpc::CallbackServerContext* const context_;
  const Route* const route_;
  const ProxyEnv* const env_;
  Principal principal_;
  CallIdentity identity_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  int attempts_ = 0;
  bool retry_safe_ = false;
  // Made only for a retry: an Alarm costs a trip through gRPC's global init on every call.
  std::unique_ptr<grpc::Alarm> retry_alarm_;

  // gRPC orders the proxy's steps (the constructor, OnReadDone, the backend's answer, OnCancel,
  // OnDone) inside libgrpc, where ThreadSanitizer cannot see it: each step releases this before it
  // hands the call back to gRPC (StartRead, Finish) or as it returns, and the next acquires it.
  CallbackSequence reactions_;

  absl::Mutex mu_;
  std::unique_ptr<grpc::ClientContext> backend_context_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_FORWARDING_UNARY_PROXY_H_
