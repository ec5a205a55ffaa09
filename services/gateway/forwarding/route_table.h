// The routing table: every public method the gateway serves, the backend that owns it, the least
// role that may call it, whether a failed call may be retried, and its call kind. Adding a method
// to a backend's proto needs one line in route_table.cc and nothing else.
#ifndef LOOKOUT_SERVICES_GATEWAY_FORWARDING_ROUTE_TABLE_H_
#define LOOKOUT_SERVICES_GATEWAY_FORWARDING_ROUTE_TABLE_H_

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/gateway/access/role.h"

namespace lookout::gateway {

enum class Backend { kGateway, kEvent, kActor, kStats };

enum class CallKind { kUnary, kClientStreaming, kServerStreaming };

// A method whose needed role depends on the request (ResolveActors with create_missing) names a
// function that reads the serialized request and returns the role it needs.
using RoleForRequest = Role (*)(const grpc::ByteBuffer& request);

// A unary method whose request draws on the key's import budget (ResolveActors creating names)
// names a function that counts the rows (tokens) it draws: 0 for none.
using ImportRowsForRequest = int64_t (*)(const grpc::ByteBuffer& request);

struct Route {
  // Full gRPC path, "/lookout.event.v1.EventService/GetEvent"; a string literal, because gRPC
  // keeps the pointer for the server's lifetime.
  const char* path;
  Backend backend;
  Role min_role;
  // Safe to send twice: retried once when the backend answers UNAVAILABLE.
  bool idempotent;
  CallKind kind;
  // Unary methods only; nullptr when min_role is the whole rule.
  RoleForRequest role_for_request = nullptr;
  // The import budget (README "Rate limits"), drawn besides the call budget's one token.
  // Unary methods: the rows a request draws, refused RESOURCE_EXHAUSTED when they are not there;
  // nullptr for none.
  ImportRowsForRequest import_rows = nullptr;
  // Client-streaming methods: every request message is one row, read from the caller only once
  // paid for, so a stream over the budget is slowed down (paced), never refused.
  bool paced_import = false;
};

// The whole table, in proto order.
const std::vector<Route>& Routes();

// The route for a full path, or nullptr for a method the gateway does not serve.
const Route* FindRoute(absl::string_view path);

// "/lookout.event.v1.EventService/GetEvent" -> "lookout.event.v1.EventService".
absl::string_view ServiceOfPath(absl::string_view path);
// "/lookout.event.v1.EventService/GetEvent" -> "GetEvent".
absl::string_view MethodOfPath(absl::string_view path);

// The services whose methods are forwarded (not served by the gateway itself), in table order.
std::vector<std::string> ForwardedServices();

std::string BackendName(Backend backend);

// Checks the table against the descriptors linked into the binary: every route names a method
// that exists with the declared kind, and every method of a routed service has a route. Run at
// start-up so a typo or a forgotten line fails fast instead of answering UNIMPLEMENTED.
absl::Status CheckRoutesAgainstDescriptors();

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_FORWARDING_ROUTE_TABLE_H_
