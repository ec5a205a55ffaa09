// What the forwarding reactors share: admission, the backends, the internal token and the
// deadline and retry policy. Owned by GatewayServer; outlives every call.
#ifndef LOOKOUT_SERVICES_GATEWAY_FORWARDING_PROXY_ENV_H_
#define LOOKOUT_SERVICES_GATEWAY_FORWARDING_PROXY_ENV_H_

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <string>

#include "absl/time/time.h"
#include "common/open_streams.h"
#include "services/gateway/access/admission.h"
#include "services/gateway/forwarding/backend_context.h"
#include "services/gateway/forwarding/backends.h"

namespace lookout::gateway {

struct ProxyEnv {
  Admission* admission = nullptr;
  Backends* backends = nullptr;
  std::string internal_token;
  DeadlinePolicy deadlines;
  // The pause before the first retry of a call that got UNAVAILABLE (doubled before each further
  // one): long enough for the balancer to leave a replica that went away, short against any
  // deadline.
  absl::Duration retry_delay = absl::Milliseconds(50);
  // Tries of a retry-safe call (a read, or a write with a request_id) that gets UNAVAILABLE,
  // the first included; each retry goes round robin to the next replica that is up.
  int max_attempts = 3;
  // Whether gRPC cancels a backend stream by itself when its caller's call is cancelled. Only
  // tests turn it off, to see that the stream proxy never half-closes a cancelled stream whatever
  // order gRPC reports the cancel and the failed read in.
  bool propagate_cancellation = true;
  // The server's open streams: forwarded WatchEvents calls count against its cap and end with
  // UNAVAILABLE when the gateway stops. May be null.
  OpenStreams* streams = nullptr;
};

// Copies a backend's response metadata to the caller, leaving out what gRPC itself manages
// (grpc-*, including the status details that travel in the status itself).
void CopyInitialMetadata(const grpc::ClientContext& from, grpc::ServerContextBase* to);
void CopyTrailingMetadata(const grpc::ClientContext& from, grpc::ServerContextBase* to);

// Whether a retry fits before the caller's deadline.
bool RetryFits(const grpc::ServerContextBase& serving, absl::Duration delay);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_FORWARDING_PROXY_ENV_H_
