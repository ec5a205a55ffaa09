// HTTP/JSON <-> protobuf for one route, the standard way (google/api/http.proto): path variables,
// then query parameters onto the fields neither the path nor the body binds (dot paths into
// nested messages, repeated fields by repeating the parameter, enums by name, a FieldMask as a
// comma-separated list), the body ("*" for the whole request, or one field) in proto3's canonical
// JSON. Anything unknown is INVALID_ARGUMENT naming it; nothing here talks to the network.
#ifndef LOOKOUT_SERVICES_GATEWAY_HTTP_TRANSCODER_H_
#define LOOKOUT_SERVICES_GATEWAY_HTTP_TRANSCODER_H_

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/gateway/http/http_router.h"

namespace lookout::gateway {

// Fills `request` (empty, of the route's input type) from the bound path variables, the raw query
// string (without '?') and the body.
absl::Status BuildRequest(const HttpRoute& route,
                          const std::vector<std::pair<std::string, std::string>>& bindings,
                          absl::string_view query, absl::string_view body,
                          google::protobuf::Message* request);

// Strict proto3 JSON parsing: unknown fields are an error naming them. `what` prefixes errors.
absl::Status JsonToMessage(absl::string_view json, google::protobuf::Message* message);

// Canonical proto3 JSON (lowerCamelCase names, int64 as strings, enums by name, defaults left
// out), one line.
std::string MessageToJson(const google::protobuf::Message& message);

// The HTTP status for a gRPC code (the mapping of google/rpc/code.proto; CANCELLED is 499).
int HttpStatusForCode(grpc::StatusCode code);

// {"code":..,"message":..,"details":[..]}: google.rpc.Status as JSON, details included when the
// gRPC status carries them (a RetryInfo with RESOURCE_EXHAUSTED).
std::string StatusToJson(const grpc::Status& status);
std::string StatusToJson(grpc::StatusCode code, absl::string_view message);

}  // namespace lookout::gateway

#endif  // LOOKOUT_SERVICES_GATEWAY_HTTP_TRANSCODER_H_
