// The gateway in front of two replicas of a backend given as an address list
// (--event_addr=127.0.0.1:A,127.0.0.1:B): calls reach both; a replica that reports NOT_SERVING
// while its port still accepts gets no new call (client-side health checking); a replica stopped
// gracefully (ServerRunner::Stop, what SIGTERM does) under steady load fails no call, and the
// calls in flight on it finish. Each replica is a real server run by ServerRunner, with a
// test-only event service that counts its calls. Also what gRPC 1.51 does with a retryPolicy for
// generic-stub calls.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/replica_target.h"
#include "common/server_runner.h"
#include "gtest/gtest.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using event::v1::EventService;
using testing::KeyContext;

// Answers GetEvent with its own name as the event id; an id of "slow" sleeps 1.5 s first.
class CountingEventService final : public EventService::Service {
 public:
  explicit CountingEventService(std::string name) : name_(std::move(name)) {}
  std::atomic<int> calls{0};
  // GetEvent answers UNAVAILABLE this many times first.
  std::atomic<int> unavailable_first{0};

  grpc::Status GetEvent(grpc::ServerContext*, const event::v1::GetEventRequest* request,
                        event::v1::GetEventResponse* response) override {
    ++calls;
    if (unavailable_first.load() > 0) {
      --unavailable_first;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "scripted outage");
    }
    if (request->id() == "slow") absl::SleepFor(absl::Milliseconds(1500));
    response->mutable_event()->set_id(name_);
    return grpc::Status::OK;
  }
  grpc::Status CreateEvent(grpc::ServerContext*, const event::v1::CreateEventRequest*,
                           event::v1::CreateEventResponse* response) override {
    ++calls;
    response->mutable_event()->set_id(name_);
    return grpc::Status::OK;
  }

 private:
  const std::string name_;
};

struct Replica {
  explicit Replica(const std::string& name) : service(name) {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.reflection = false;
    options.shutdown_delay = absl::Seconds(1);
    runner = std::make_unique<ServerRunner>(options);
    runner->AddService(&service, "lookout.event.v1.EventService");
    absl::Status started = runner->Start();
    EXPECT_TRUE(started.ok()) << started;
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", runner->port()); }

  CountingEventService service;
  std::unique_ptr<ServerRunner> runner;
};

class GatewayReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = testing::MakeTestKeys();
    keys_file_ = dir_.File("keys");
    testing::WriteFile(keys_file_, keys_.FileText("100000:100000", "100000:100000"));
    a_ = std::make_unique<Replica>("a");
    b_ = std::make_unique<Replica>("b");
    GatewayConfig config = testing::TestGatewayConfig(
        {absl::StrCat(a_->address(), ",", b_->address()), "127.0.0.1:1", "127.0.0.1:1"}, keys_file_,
        0);
    auto gateway = GatewayServer::Start(std::move(config));
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    stub_ = EventService::NewStub(testing::Connect(absl::StrCat("127.0.0.1:", gateway_->port())));
  }

  // The replica that answered, or the failure.
  std::string Get(const std::string& id = "x") {
    auto context = KeyContext(keys_.reader, absl::Seconds(20));
    event::v1::GetEventRequest request;
    request.set_id(id);
    event::v1::GetEventResponse response;
    grpc::Status status = stub_->GetEvent(context.get(), request, &response);
    if (!status.ok())
      return absl::StrCat("failed: ", status.error_code(), " ", status.error_message());
    return response.event().id();
  }
  std::string Create() {
    auto context = KeyContext(keys_.editor, absl::Seconds(20));
    event::v1::CreateEventResponse response;
    // No request_id: only gRPC's transparent retry may send it again.
    grpc::Status status =
        stub_->CreateEvent(context.get(), event::v1::CreateEventRequest(), &response);
    if (!status.ok())
      return absl::StrCat("failed: ", status.error_code(), " ", status.error_message());
    return response.event().id();
  }

  lookout::testing::TempDir dir_;
  testing::TestKeys keys_;
  std::string keys_file_;
  std::unique_ptr<Replica> a_;
  std::unique_ptr<Replica> b_;
  std::unique_ptr<GatewayServer> gateway_;
  std::unique_ptr<EventService::Stub> stub_;
};

TEST_F(GatewayReplicasTest, CallsReachEveryReplica) {
  // Each replica joins the rotation once its health check answers SERVING.
  std::set<std::string> answered;
  for (int i = 0; i < 1000 && answered.size() < 2; ++i) answered.insert(Get());
  ASSERT_EQ(answered, (std::set<std::string>{"a", "b"}));
  // Then round robin: every replica gets its share.
  int from_a = 0;
  int from_b = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string got = Get();
    ASSERT_TRUE(got == "a" || got == "b") << got;
    (got == "a" ? from_a : from_b)++;
  }
  EXPECT_GT(from_a, 0);
  EXPECT_GT(from_b, 0);
}

TEST_F(GatewayReplicasTest, AReplicaReportingNotServingGetsNoNewCall) {
  std::set<std::string> answered;
  for (int i = 0; i < 1000 && answered.size() < 2; ++i) answered.insert(Get());
  ASSERT_EQ(answered, (std::set<std::string>{"a", "b"})) << "both replicas answer";
  a_->runner->SetServing(false);
  // The health watch reaches the gateway's balancer: wait (bounded) until A gets nothing.
  int quiet = 0;
  for (int i = 0; i < 1000 && quiet < 20; ++i) quiet = Get() == "b" ? quiet + 1 : 0;
  ASSERT_EQ(quiet, 20) << "the balancer never left the NOT_SERVING replica";
  const int a_calls = a_->service.calls.load();
  for (int i = 0; i < 50; ++i) ASSERT_EQ(Get(), "b");
  EXPECT_EQ(a_->service.calls.load(), a_calls) << "no call went to the NOT_SERVING replica";
  a_->runner->SetServing(true);
  bool back = false;
  for (int i = 0; i < 1000 && !back; ++i) back = Get() == "a";
  EXPECT_TRUE(back) << "the replica is used again once SERVING";
}

TEST_F(GatewayReplicasTest, AGracefulStopUnderLoadFailsNoCallAndFinishesTheCallsInFlight) {
  // Both replicas in the balancer's rotation first (health checks start with the channel).
  std::set<std::string> answered;
  for (int i = 0; i < 1000 && answered.size() < 2; ++i) answered.insert(Get());
  ASSERT_EQ(answered, (std::set<std::string>{"a", "b"}));
  // Slow calls in flight on both replicas when the stop begins: started before the load, so
  // round robin alternates them between the replicas.
  std::vector<std::string> slow(4);
  std::vector<std::thread> slow_calls;
  for (int i = 0; i < 4; ++i) slow_calls.emplace_back([&, i] { slow[i] = Get("slow"); });
  absl::SleepFor(absl::Milliseconds(100));
  std::atomic<bool> done{false};
  std::atomic<int> ok{0};
  std::vector<std::string> failures;
  absl::Mutex mu;
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      while (!done.load()) {
        const std::string got = t % 2 ? Get() : Create();
        if (got == "a" || got == "b") {
          ++ok;
        } else {
          absl::MutexLock lock(&mu);
          failures.push_back(got);
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(200));
  a_->runner->Stop();  // NOT_SERVING, 1 s, GOAWAY, drain, closed
  const int ok_at_stop = ok.load();
  absl::SleepFor(absl::Milliseconds(300));
  done = true;
  for (auto& thread : load) thread.join();
  for (auto& thread : slow_calls) thread.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  EXPECT_GT(ok_at_stop, 0);
  EXPECT_GT(ok.load(), ok_at_stop) << "calls went on after the stop, to the other replica";
  int slow_on_a = 0;
  for (const std::string& got : slow) {
    EXPECT_TRUE(got == "a" || got == "b") << got;
    if (got == "a") ++slow_on_a;
  }
  EXPECT_GT(slow_on_a, 0) << "a slow call ran on the stopped replica and finished";
}

// What gRPC 1.51 does with the service config's retryPolicy for a call made through a
// grpc::GenericStub (as the gateway forwards): the method config matches on the call's path, so
// the policy applies as to a generated stub. Without a policy, an UNAVAILABLE the server
// answered is not retried (a transparent retry covers only calls no server processed).
TEST(ReplicaChannelTest, RetryPolicyAppliesToGenericCallsAndOnlyWithAPolicy) {
  Replica replica("a");
  auto call = [&](bool read_retries) {
    auto channel = CreateReplicaChannel(ReplicaTarget{replica.address(), false}, "",
                                        grpc::ChannelArguments(), read_retries);
    grpc::GenericStub stub(channel);
    event::v1::GetEventRequest request;
    request.set_id("x");
    grpc::Slice slice(request.SerializeAsString());
    grpc::ByteBuffer bytes(&slice, 1);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::ByteBuffer response;
    return testing::RawUnary(stub, &context, "/lookout.event.v1.EventService/GetEvent", bytes,
                             &response);
  };
  replica.service.calls = 0;
  replica.service.unavailable_first = 2;
  grpc::Status status = call(/*read_retries=*/true);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(replica.service.calls.load(), 3);

  replica.service.calls = 0;
  replica.service.unavailable_first = 1;
  status = call(/*read_retries=*/false);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(replica.service.calls.load(), 1);
}

}  // namespace
}  // namespace lookout::gateway
