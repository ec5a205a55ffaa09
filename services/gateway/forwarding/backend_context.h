// The client side of a call the gateway makes for a caller: the caller's deadline (or a default
// per call kind when it set none), the caller's cancellation, the identity backends trust and the
// caller's trace; and the one log line the gateway writes per call it serves.
#ifndef LOOKOUT_SERVICES_GATEWAY_FORWARDING_BACKEND_CONTEXT_H_
#define LOOKOUT_SERVICES_GATEWAY_FORWARDING_BACKEND_CONTEXT_H_

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/trace_context.h"
#include "services/gateway/access/access_control.h"
#include "services/gateway/forwarding/route_table.h"

namespace lookout::gateway {

// The deadline a call gets when its caller set none. InfiniteDuration means none.
struct DeadlinePolicy {
  absl::Duration unary = absl::Seconds(15);
  absl::Duration client_streaming = absl::Minutes(10);
  // A following WatchEvents is meant to stay open for hours: no deadline, keepalive instead.
  absl::Duration server_streaming = absl::InfiniteDuration();

  absl::Duration For(CallKind kind) const;
};

// What every backend call made for one caller carries.
struct CallIdentity {
  std::string principal;
  Role role = v1::ROLE_UNSPECIFIED;
  std::string request_id;
  // The caller's traceparent continued (or a new trace), with the gateway's own span id.
  TraceContext trace;
  absl::Time start = absl::Now();
};

// The identity's ids taken from the serving call's metadata: request id and trace. (The principal
// and role come from admission.)
CallIdentity IdentityIdsOf(const grpc::ServerContextBase& serving);

// The caller's request id (x-request-id, made printable and short) or a new random one.
std::string RequestIdOf(const grpc::ServerContextBase& serving);

// True when the caller set a deadline (gRPC reports "none" as a time far in the future).
bool HasDeadline(const grpc::ServerContextBase& serving);

// A client context propagating the caller's deadline and cancellation, with `default_timeout`
// as the deadline when the caller set none, and the internal token, principal, role, request id
// and traceparent (the caller's trace id, a new span id for every backend call) in metadata.
// `propagate_cancellation` false (tests only) leaves the caller's cancellation to the proxy's
// own handling.
std::unique_ptr<grpc::ClientContext> MakeBackendContext(const grpc::CallbackServerContext& serving,
                                                        const CallIdentity& identity,
                                                        const std::string& internal_token,
                                                        absl::Duration default_timeout,
                                                        bool propagate_cancellation = true);

// The trailing metadata entry that tells a caller its trace (W3C Trace Context Level 2):
// "00-<trace_id>-<the gateway's span id>-<flags>". A caller that sent no traceparent learns
// there which trace id to look for in the logs.
inline constexpr char kTraceresponseHeader[] = "traceresponse";

// What the gateway does as it finishes a call it served: `traceresponse` in the trailing
// metadata, and its one log line ("call served" / "call failed") with the call's method (its
// full path), code, duration, request id and trace.
void EndGatewayCall(grpc::CallbackServerContext* serving, absl::string_view method,
                    const CallIdentity& identity, const grpc::Status& status);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_FORWARDING_BACKEND_CONTEXT_H_
