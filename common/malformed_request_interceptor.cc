#include "common/malformed_request_interceptor.h"

#include <grpcpp/support/status.h>

#include "common/callback_sequence.h"

namespace lookout {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

bool IsGrpcParseFailure(grpc::StatusCode code) {
  return code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::UNIMPLEMENTED;
}

class MalformedRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  MalformedRequestInterceptor() { sequence_.Release(); }
  ~MalformedRequestInterceptor() override { sequence_.Acquire(); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    {
      CallbackSequence::Step step(sequence_);
      // gRPC parses the single request before this hook; a null message here means
      // the payload was missing or did not parse, and the handler will not run.
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
          methods->GetRecvMessage() == nullptr) {
        unparsed_ = true;
      }
      // The sync API ends such a call with INTERNAL, the callback API with UNIMPLEMENTED.
      if (unparsed_ &&
          methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
          IsGrpcParseFailure(methods->GetSendStatus().error_code())) {
        methods->ModifySendStatus(
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, kMalformedRequestMessage));
      }
    }
    // Outside the step: Proceed may end the call and destroy this interceptor.
    methods->Proceed();
  }

 private:
  bool unparsed_ = false;
  // The hooks run on whichever gRPC thread completes the batch before (the request's receipt,
  // the status's send); gRPC orders them, this states it (common/callback_sequence.h).
  CallbackSequence sequence_;
};

}  // namespace

grpc::experimental::Interceptor* MalformedRequestInterceptorFactory::CreateServerInterceptor(
    ServerRpcInfo* info) {
  // One request message: unary and server streaming. A stream's end also arrives as a null
  // message, so for the others the hook says nothing.
  const ServerRpcInfo::Type type = info->type();
  if (type != ServerRpcInfo::Type::UNARY && type != ServerRpcInfo::Type::SERVER_STREAMING) {
    return nullptr;
  }
  return new MalformedRequestInterceptor();
}

}  // namespace lookout
