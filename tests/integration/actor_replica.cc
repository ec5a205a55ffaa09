#include "tests/integration/actor_replica.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace lookout::actor::testing {

ActorReplica::ActorReplica(const StoreLocation& location) {
  auto store = OpenActorStore(location);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return;
  store_ = std::move(*store);
  manager_ = std::make_unique<ActorManager>(store_.get());
  service_ = std::make_unique<ActorServiceImpl>(manager_.get(), InternalAuth(kActorTestToken));
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.metrics_port = -1;
  options.drain_grace = absl::Seconds(1);
  runner_ = std::make_unique<ServerRunner>(options);
  runner_->AddService(service_.get(), kActorServiceName);
  absl::Status started = runner_->Start();
  EXPECT_TRUE(started.ok()) << started;
  if (!started.ok()) return;
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", runner_->port()),
                                 grpc::InsecureChannelCredentials());
  stub_ = v1::ActorService::NewStub(channel_);
}

ActorReplica::~ActorReplica() {
  stub_.reset();
  channel_.reset();
  runner_.reset();
}

int64_t ActorReplica::ActorCount() {
  v1::ListActorsResponse response;
  grpc::Status status =
      Call(&v1::ActorService::Stub::ListActors, v1::ListActorsRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.total_size();
}

}  // namespace lookout::actor::testing
