// What every backend RPC does around its body: check the internal token, pick up the request id,
// the trace (W3C traceparent) and the caller's principal from metadata, log one line per call,
// and convert the status at the edge.
#ifndef LOOKOUT_COMMON_CALL_CONTEXT_H_
#define LOOKOUT_COMMON_CALL_CONTEXT_H_

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/trace_context.h"

namespace lookout {

// Metadata keys (lower case, as gRPC requires).
inline constexpr char kInternalTokenHeader[] = "x-lookout-internal-token";
inline constexpr char kPrincipalHeader[] = "x-lookout-principal";
inline constexpr char kRoleHeader[] = "x-lookout-role";
inline constexpr char kRequestIdHeader[] = "x-request-id";

// The shared secret the gateway and the stats service present to backends.
class InternalAuth {
 public:
  explicit InternalAuth(std::string token) : token_(std::move(token)) {}
  // UNAUTHENTICATED unless the call carries the token.
  absl::Status Check(const grpc::ServerContextBase& context) const;
  const std::string& token() const { return token_; }

 private:
  std::string token_;
};

// The value of metadata `key` as the client sent it, or "" when absent.
std::string MetadataValue(const grpc::ServerContextBase& context, absl::string_view key);

// A request id from a client as logs and change logs keep it: at most 64 printable characters.
std::string SanitizedRequestId(std::string id);

// Runs `body` for a call: token check, request id and trace (set on every log line the body
// writes on this thread), one log line per call ("call served" or "call failed"), status
// conversion.
grpc::Status ServeCall(grpc::ServerContext* context, const InternalAuth& auth,
                       absl::string_view method, absl::FunctionRef<absl::Status()> body);

// What identifies one served call in the logs.
struct ServedCall {
  std::string request_id;  // the caller's x-request-id, sanitized, or a fresh one
  TraceContext trace;      // the caller's traceparent continued, or a new trace
  absl::Time start;
};

// For a call served on the callback API, whose status comes later than its handler returns: the
// ids ServeCall would use ...
ServedCall BeginServedCall(const grpc::ServerContextBase& context);
// The trace a server continues from the call's traceparent metadata (or starts).
TraceContext ServedTrace(const grpc::ServerContextBase& context);
// ... and the edge conversion ServeCall applies to a body's status: one log line, internal
// details replaced by the request id.
grpc::Status EdgeStatus(const grpc::ServerContextBase& context, absl::string_view method,
                        const ServedCall& call, absl::Status status);

// The one line logged per served call, with the call's trace: "call served" (info) or
// "call failed" (info, error for INTERNAL) with the code and error message.
void LogServedCall(absl::string_view method, const absl::Status& status, absl::Duration elapsed,
                   const TraceContext& trace, const std::string& principal);

// Adds `traceparent` for one outgoing call made while serving `trace`: the same trace id, a new
// span id (nothing when `trace` is empty). For callers that build their own client contexts, such
// as the gateway's.
void PropagateTrace(grpc::ClientContext* client, const TraceContext& trace);

// Prepares an outgoing call to another backend: the internal token, the current request id and
// principal, the current trace (traceparent with a new span id for this call), and a deadline
// that is the sooner of `timeout` from now and the serving call's own.
void PrepareClientContext(grpc::ClientContext* client, const std::string& internal_token,
                          absl::Duration timeout,
                          const grpc::ServerContext* serving = nullptr);

}  // namespace lookout

#endif  // LOOKOUT_COMMON_CALL_CONTEXT_H_
