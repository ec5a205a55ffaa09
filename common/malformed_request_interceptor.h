// A gRPC server interceptor that answers INVALID_ARGUMENT when a unary or server-streaming
// call's request cannot be parsed.
//
// gRPC C++ parses the request before any handler runs and, when that fails, ends the call with
// an empty message and INTERNAL (sync API) or UNIMPLEMENTED (callback API). That happens for
// bytes that are not a protobuf message, for a call that sends no message, and (the case clients
// meet) for a string field that is not valid UTF-8, which proto3 forbids. It is the caller's
// mistake, so the caller is told so. Only calls whose request never parsed are rewritten: a
// handler's own status is left alone.
//
// Client-streaming calls are not covered: there gRPC reports a message that does not parse the
// same way as the end of the stream, and nothing downstream can tell the two apart.

#ifndef LOOKOUT_COMMON_MALFORMED_REQUEST_INTERCEPTOR_H_
#define LOOKOUT_COMMON_MALFORMED_REQUEST_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

namespace lookout {

// The message of the status a call gets when its request did not parse.
inline constexpr char kMalformedRequestMessage[] =
    "request: is not a valid message of this method's request type (every string field must be "
    "valid UTF-8, and the bytes must be a protobuf encoding)";

class MalformedRequestInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_MALFORMED_REQUEST_INTERCEPTOR_H_
