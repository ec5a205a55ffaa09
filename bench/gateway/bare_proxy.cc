// lookout-bare-proxy: the benchmark's baseline hop. Forwards every unary call, as bytes, to one
// backend with the internal token added, and nothing else: no keys, roles, limits, routing,
// retries or metadata handling. The gateway's overhead is measured against this.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "common/call_context.h"

ABSL_FLAG(int, port, 0, "Port to listen on (127.0.0.1).");
ABSL_FLAG(std::string, backend, "127.0.0.1:50052", "The one backend every call goes to.");
ABSL_FLAG(std::string, internal_token, "", "Presented to the backend.");

namespace {

struct Shared {
  std::unique_ptr<grpc::GenericStub> stub;
  std::string token;
};

class ForwardOnce final : public grpc::ServerGenericBidiReactor {
 public:
  ForwardOnce(grpc::GenericCallbackServerContext* context, const Shared* shared)
      : context_(context), shared_(shared) {
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "no request"));
      return;
    }
    backend_context_ = grpc::ClientContext::FromCallbackServerContext(*context_);
    backend_context_->AddMetadata(lookout::kInternalTokenHeader, shared_->token);
    shared_->stub->UnaryCall(backend_context_.get(), context_->method(), grpc::StubOptions(),
                             &request_, &response_, [this](grpc::Status status) {
                               if (status.ok()) {
                                 StartWriteAndFinish(&response_, grpc::WriteOptions(), status);
                               } else {
                                 Finish(status);
                               }
                             });
  }
  void OnDone() override { delete this; }

 private:
  grpc::GenericCallbackServerContext* const context_;
  const Shared* const shared_;
  std::unique_ptr<grpc::ClientContext> backend_context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class ProxyService final : public grpc::CallbackGenericService {
 public:
  explicit ProxyService(const Shared* shared) : shared_(shared) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new ForwardOnce(context, shared_);
  }

 private:
  const Shared* const shared_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  Shared shared;
  shared.stub = std::make_unique<grpc::GenericStub>(
      grpc::CreateChannel(absl::GetFlag(FLAGS_backend), grpc::InsecureChannelCredentials()));
  shared.token = absl::GetFlag(FLAGS_internal_token);
  ProxyService service(&shared);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", absl::GetFlag(FLAGS_port)),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "bare proxy: cannot listen\n";
    return 1;
  }
  std::cerr << "bare proxy on 127.0.0.1:" << port << " -> " << absl::GetFlag(FLAGS_backend) << "\n";
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  server->Shutdown();
  return 0;
}
