// One actor-service "process" inside a test: its own store (an SQLite file, or a pool on a
// PostgreSQL database), domain and gRPC server on a loopback port, and a stub to call it with
// the internal token. Several on one PostgreSQL database stand for several replicas.
#ifndef LOOKOUT_TESTS_INTEGRATION_ACTOR_REPLICA_H_
#define LOOKOUT_TESTS_INTEGRATION_ACTOR_REPLICA_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/call_context.h"
#include "common/server_runner.h"
#include "lookout/actor/v1/actor_service.grpc.pb.h"
#include "services/actor/actor_manager.h"
#include "services/actor/actor_service.h"
#include "services/actor/actor_store_factory.h"

namespace lookout::actor::testing {

inline constexpr char kActorTestToken[] = "test-internal-token";

class ActorReplica {
 public:
  // Failures to open or start are reported as test failures; ok() is then false.
  explicit ActorReplica(const StoreLocation& location);
  ~ActorReplica();

  bool ok() const { return stub_ != nullptr; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  v1::ActorService::Stub* stub() const { return stub_.get(); }

  // Runs one call with the token and `timeout` as its deadline.
  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const Request& request, Response* response,
                    absl::Duration timeout = absl::Seconds(30)) {
    grpc::ClientContext context;
    context.AddMetadata(kInternalTokenHeader, kActorTestToken);
    context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
    return ((*stub_).*method)(&context, request, response);
  }

  grpc::Status Resolve(const v1::ResolveActorsRequest& request,
                       v1::ResolveActorsResponse* response) {
    return Call(&v1::ActorService::Stub::ResolveActors, request, response);
  }

  // ListActors' total_size.
  int64_t ActorCount();

 private:
  std::unique_ptr<ActorStore> store_;
  std::unique_ptr<ActorManager> manager_;
  std::unique_ptr<ActorServiceImpl> service_;
  std::unique_ptr<ServerRunner> runner_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ActorService::Stub> stub_;
};

}  // namespace lookout::actor::testing

#endif  // LOOKOUT_TESTS_INTEGRATION_ACTOR_REPLICA_H_
