#include "services/gateway/forwarding/backend_context.h"

#include <chrono>

#include "common/call_context.h"
#include "common/crypto.h"
#include "common/grpc_status.h"
#include "common/logging.h"

namespace lookout::gateway {

absl::Duration DeadlinePolicy::For(CallKind kind) const {
  switch (kind) {
    case CallKind::kUnary:
      return unary;
    case CallKind::kClientStreaming:
      return client_streaming;
    case CallKind::kServerStreaming:
      return server_streaming;
  }
  return unary;
}

std::string RequestIdOf(const grpc::ServerContextBase& serving) {
  const auto& metadata = serving.client_metadata();
  auto it = metadata.find(kRequestIdHeader);
  if (it == metadata.end() || it->second.empty()) return RandomIdHex(8);
  // Request ids come from clients and end up in every log line: short and printable only.
  std::string id(it->second.data(), std::min<size_t>(it->second.size(), 64));
  for (char& c : id) {
    if (c < 0x21 || c > 0x7e) c = '_';
  }
  return id;
}

CallIdentity IdentityIdsOf(const grpc::ServerContextBase& serving) {
  CallIdentity identity;
  identity.request_id = RequestIdOf(serving);
  identity.trace = ServedTrace(serving);
  return identity;
}

void EndGatewayCall(grpc::CallbackServerContext* serving, absl::string_view method,
                    const CallIdentity& identity, const grpc::Status& status) {
  if (!identity.trace.empty()) {
    serving->AddTrailingMetadata(
        kTraceresponseHeader,
        FormatTraceparent(identity.trace.trace_id, identity.trace.span_id, identity.trace.flags));
  }
  ScopedRequestId scoped(identity.request_id);
  LogServedCall(method, FromGrpcStatus(status), absl::Now() - identity.start, identity.trace,
                identity.principal);
}

bool HasDeadline(const grpc::ServerContextBase& serving) {
  // Anything more than ten years out is gRPC's "infinite".
  return serving.deadline() < std::chrono::system_clock::now() + std::chrono::hours(24 * 365 * 10);
}

std::unique_ptr<grpc::ClientContext> MakeBackendContext(const grpc::CallbackServerContext& serving,
                                                        const CallIdentity& identity,
                                                        const std::string& internal_token,
                                                        absl::Duration default_timeout,
                                                        bool propagate_cancellation) {
  // Propagates the caller's deadline and cancellation: when the caller goes away, so does the
  // backend call.
  grpc::PropagationOptions propagation;
  if (!propagate_cancellation) propagation.disable_cancellation_propagation();
  std::unique_ptr<grpc::ClientContext> context =
      grpc::ClientContext::FromCallbackServerContext(serving, propagation);
  if (!HasDeadline(serving) && default_timeout != absl::InfiniteDuration()) {
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoMilliseconds(default_timeout));
  }
  context->AddMetadata(kInternalTokenHeader, internal_token);
  context->AddMetadata(kPrincipalHeader, identity.principal);
  context->AddMetadata(kRoleHeader, RoleName(identity.role));
  context->AddMetadata(kRequestIdHeader, identity.request_id);
  PropagateTrace(context.get(), identity.trace);
  return context;
}

}  // namespace lookout::gateway
