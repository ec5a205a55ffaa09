// The HTTP/JSON routes, read from the google.api.http option of every public method's descriptor
// (the gRPC routing table lists the methods): path templates with variables bound to request
// fields ("/v1/events/{event.id}") and a custom verb ("/v1/events:aggregate"), as in
// google/api/http.proto. No per-method code: a method annotated in a proto is served.
#ifndef LOOKOUT_SERVICES_GATEWAY_HTTP_HTTP_ROUTER_H_
#define LOOKOUT_SERVICES_GATEWAY_HTTP_HTTP_ROUTER_H_

#include <google/protobuf/descriptor.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lookout::gateway {

struct HttpRoute {
  std::string http_method;  // "GET", "POST", "PATCH", "DELETE", "PUT"
  std::string pattern;      // as written in the proto, for messages
  // One entry per path segment: a literal, or (variable) the request field path it binds.
  struct Segment {
    std::string literal;
    std::string field_path;  // "event.id"; empty for a literal
  };
  std::vector<Segment> segments;
  std::string verb;  // after ':' in the last segment; empty for none
  std::string body;  // "" (no body), "*" or a top-level field name
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_path;  // "/lookout.event.v1.EventService/GetEvent"
};

// Parses one template ("/v1/events/{event.id}:verb"); InvalidArgument naming what is wrong.
// Variables are single segments ({name} or {name=*}).
absl::StatusOr<HttpRoute> ParsePathTemplate(absl::string_view pattern);

class HttpRouter {
 public:
  // Every method in `grpc_paths`, found in the generated pool, must carry a google.api.http
  // option whose template parses and whose variables and body name fields of its request;
  // otherwise an error naming the method.
  static absl::StatusOr<HttpRouter> FromDescriptors(const std::vector<std::string>& grpc_paths);

  enum class MatchResult { kFound, kNoPath, kWrongMethod };
  // Finds the route for a method and a (still percent-encoded) path without its query. On
  // kFound, `bindings` holds (field path, decoded value) for each variable. On kWrongMethod,
  // `allowed` lists the methods the path takes.
  MatchResult Match(absl::string_view http_method, absl::string_view path, const HttpRoute** route,
                    std::vector<std::pair<std::string, std::string>>* bindings,
                    std::string* allowed) const;

  const std::vector<HttpRoute>& routes() const { return routes_; }

 private:
  std::vector<HttpRoute> routes_;
};

// Percent-decoding; `plus_is_space` for query strings. False on a malformed escape.
bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_HTTP_HTTP_ROUTER_H_
