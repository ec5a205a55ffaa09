// Deadlines, cancellation, retries, flow control and dead backends, through an in-process
// gateway. A test-only event service that sleeps, fails on purpose or streams without end stands
// in for failures the real one cannot be made to produce; the real event service is killed with
// SIGKILL mid-load and started again for the rest.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "lookout/event/v1/event_service.grpc.pb.h"
#include "tests/integration/gateway_cluster.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/temp_dir.h"

namespace lookout::gateway {
namespace {

using event::v1::EventService;
using testing::KeyContext;

// Waits until `predicate` holds, for at most `timeout`.
template <class Predicate>
bool Eventually(Predicate predicate, absl::Duration timeout = absl::Seconds(5)) {
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (predicate()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return predicate();
}

// The event service's API, behaving as each test asks.
class ScriptedEventService final : public EventService::Service {
 public:
  // GetEvent: sleep until cancelled (true) or answer at once.
  std::atomic<bool> hang{false};
  // GetEvent and CreateEvent answer UNAVAILABLE this many times first.
  std::atomic<int> unavailable_first{0};
  std::atomic<int> get_calls{0};
  std::atomic<int> create_calls{0};
  std::atomic<bool> saw_cancel{false};
  std::atomic<int64_t> seen_deadline_ms_from_now{-1};  // -1: none seen yet, 0: no deadline
  // WatchEvents streams 1 KiB changes until cancelled; how many were written so far.
  std::atomic<int64_t> watch_written{0};
  std::atomic<bool> watch_saw_cancel{false};
  std::atomic<int> watch_calls{0};

  grpc::Status GetEvent(grpc::ServerContext* context, const event::v1::GetEventRequest* request,
                        event::v1::GetEventResponse* response) override {
    ++get_calls;
    RecordDeadline(*context);
    if (unavailable_first.load() > 0) {
      --unavailable_first;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "scripted outage");
    }
    if (hang) {
      absl::Time end = absl::Now() + absl::Seconds(10);
      while (!context->IsCancelled() && absl::Now() < end) absl::SleepFor(absl::Milliseconds(5));
      saw_cancel = context->IsCancelled();
      return grpc::Status(grpc::StatusCode::INTERNAL, "should have been cancelled");
    }
    response->mutable_event()->set_id(request->id());
    return grpc::Status::OK;
  }

  grpc::Status CreateEvent(grpc::ServerContext* context, const event::v1::CreateEventRequest*,
                           event::v1::CreateEventResponse* response) override {
    ++create_calls;
    if (unavailable_first.load() > 0) {
      --unavailable_first;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "scripted outage");
    }
    response->mutable_event()->set_id("evt_new");
    return grpc::Status::OK;
  }

  grpc::Status WatchEvents(grpc::ServerContext* context, const event::v1::WatchEventsRequest*,
                           grpc::ServerWriter<event::v1::WatchEventsResponse>* writer) override {
    ++watch_calls;
    if (unavailable_first.load() > 0) {
      --unavailable_first;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "scripted outage");
    }
    event::v1::WatchEventsResponse change;
    change.mutable_event()->set_notes(std::string(1024, 'x'));
    for (int64_t sequence = 1; !context->IsCancelled(); ++sequence) {
      change.set_sequence(sequence);
      // Blocks while the receiver's flow-control window is full.
      if (!writer->Write(change)) break;
      ++watch_written;
    }
    // A Write broken by the cancel can fail a moment before the call reads as cancelled (seen
    // once under load): give the cancel that moment before recording what arrived.
    for (int i = 0; i < 100 && !context->IsCancelled(); ++i) absl::SleepFor(absl::Milliseconds(20));
    watch_saw_cancel = context->IsCancelled();
    return grpc::Status::OK;
  }

 private:
  void RecordDeadline(const grpc::ServerContext& context) {
    auto left = context.deadline() - std::chrono::system_clock::now();
    if (left > std::chrono::hours(24 * 365)) {
      seen_deadline_ms_from_now = 0;
    } else {
      seen_deadline_ms_from_now =
          std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
    }
  }
};

class GatewayFailureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new ScriptedEventService();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &backend_port_);
    builder.RegisterService(service_);
    backend_ = builder.BuildAndStart().release();
    dir_ = new lookout::testing::TempDir();
    keys_ = new testing::TestKeys(testing::MakeTestKeys());
    keys_file_ = dir_->File("keys");
    testing::WriteFile(keys_file_, keys_->FileText("10000:10000", "10000:10000"));
  }
  static void TearDownTestSuite() {
    backend_->Shutdown();
    delete backend_;
    delete service_;
    delete keys_;
    delete dir_;
  }

  void SetUp() override {
    service_->hang = false;
    service_->unavailable_first = 0;
    service_->get_calls = 0;
    service_->create_calls = 0;
    service_->saw_cancel = false;
    service_->seen_deadline_ms_from_now = -1;
  }

  // A gateway in front of the scripted service (as the event backend; the others are down).
  static std::unique_ptr<GatewayServer> StartGateway(
      const std::function<void(GatewayConfig*)>& adjust = nullptr) {
    GatewayConfig config = testing::TestGatewayConfig(
        {absl::StrCat("127.0.0.1:", backend_port_), "127.0.0.1:1", "127.0.0.1:1"}, keys_file_, 0);
    if (adjust) adjust(&config);
    auto gateway = GatewayServer::Start(std::move(config));
    EXPECT_TRUE(gateway.ok()) << gateway.status();
    return gateway.ok() ? *std::move(gateway) : nullptr;
  }
  static std::unique_ptr<EventService::Stub> StubFor(const GatewayServer& gateway) {
    return EventService::NewStub(testing::Connect(absl::StrCat("127.0.0.1:", gateway.port())));
  }

  static ScriptedEventService* service_;
  static grpc::Server* backend_;
  static int backend_port_;
  static lookout::testing::TempDir* dir_;
  static testing::TestKeys* keys_;
  static std::string keys_file_;
};

ScriptedEventService* GatewayFailureTest::service_ = nullptr;
grpc::Server* GatewayFailureTest::backend_ = nullptr;
int GatewayFailureTest::backend_port_ = 0;
lookout::testing::TempDir* GatewayFailureTest::dir_ = nullptr;
testing::TestKeys* GatewayFailureTest::keys_ = nullptr;
std::string GatewayFailureTest::keys_file_;

TEST_F(GatewayFailureTest, CallersDeadlineReachesTheBackendWhichSeesTheCancellation) {
  auto gateway = StartGateway();
  auto stub = StubFor(*gateway);
  service_->hang = true;
  auto context = KeyContext(keys_->reader, absl::Milliseconds(300));
  event::v1::GetEventResponse response;
  event::v1::GetEventRequest request;
  request.set_id("evt_slow");
  absl::Time start = absl::Now();
  grpc::Status status = stub->GetEvent(context.get(), request, &response);
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(took, absl::Milliseconds(800));
  EXPECT_GT(service_->seen_deadline_ms_from_now.load(), 0);
  EXPECT_LE(service_->seen_deadline_ms_from_now.load(), 300)
      << "the backend got the caller's deadline";
  EXPECT_TRUE(Eventually([] { return service_->saw_cancel.load(); }, absl::Seconds(2)))
      << "the backend call is cancelled, not left running";
}

TEST_F(GatewayFailureTest, ACallerThatCancelsCancelsTheBackendCall) {
  auto gateway = StartGateway();
  auto stub = StubFor(*gateway);
  service_->hang = true;
  auto context = KeyContext(keys_->reader, absl::Seconds(30));
  event::v1::GetEventRequest request;
  event::v1::GetEventResponse response;
  absl::Notification done;
  grpc::Status status;
  stub->async()->GetEvent(context.get(), &request, &response, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  ASSERT_TRUE(Eventually([] { return service_->get_calls.load() == 1; }));
  context->TryCancel();
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(Eventually([] { return service_->saw_cancel.load(); }, absl::Seconds(2)));
}

TEST_F(GatewayFailureTest, ACallWithoutDeadlineGetsTheDefaultForItsKind) {
  auto gateway = StartGateway(
      [](GatewayConfig* config) { config->deadlines.unary = absl::Milliseconds(300); });
  auto stub = StubFor(*gateway);
  service_->hang = true;
  grpc::ClientContext context;  // no deadline
  context.AddMetadata("authorization", "Bearer " + keys_->reader);
  event::v1::GetEventResponse response;
  absl::Time start = absl::Now();
  grpc::Status status = stub->GetEvent(&context, event::v1::GetEventRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_GT(service_->seen_deadline_ms_from_now.load(), 0);
  EXPECT_LE(service_->seen_deadline_ms_from_now.load(), 300);
}

TEST_F(GatewayFailureTest, IdempotentReadsAreRetriedOnUnavailableUpToThreeTries) {
  auto gateway = StartGateway();
  auto stub = StubFor(*gateway);
  event::v1::GetEventRequest request;
  request.set_id("evt_1");
  event::v1::GetEventResponse response;

  service_->unavailable_first = 2;
  auto context = KeyContext(keys_->reader);
  grpc::Status status = stub->GetEvent(context.get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.event().id(), "evt_1");
  EXPECT_EQ(service_->get_calls.load(), 3);

  service_->get_calls = 0;
  service_->unavailable_first = 3;
  context = KeyContext(keys_->reader);
  status = stub->GetEvent(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << "three tries at most";
  EXPECT_EQ(status.error_message(), "scripted outage") << "the backend's own status";
  EXPECT_EQ(service_->get_calls.load(), 3);
  service_->unavailable_first = 0;
}

TEST_F(GatewayFailureTest, ARetryMustFitTheCallersDeadline) {
  auto gateway = StartGateway();
  auto stub = StubFor(*gateway);
  service_->get_calls = 0;
  service_->unavailable_first = 1;
  // Less than twice the first pause (50 ms) is left: no retry.
  auto context = KeyContext(keys_->reader, absl::Milliseconds(60));
  event::v1::GetEventResponse response;
  grpc::Status status = stub->GetEvent(context.get(), event::v1::GetEventRequest(), &response);
  EXPECT_NE(status.error_code(), grpc::StatusCode::OK);
  EXPECT_LE(service_->get_calls.load(), 1) << "not tried again";
  service_->unavailable_first = 0;
}

TEST_F(GatewayFailureTest, AWatchThatFailsBeforeItsFirstChangeIsRetriedOnce) {
  auto gateway = StartGateway();
  auto stub = StubFor(*gateway);
  service_->unavailable_first = 1;
  service_->watch_calls = 0;
  auto context = KeyContext(keys_->reader, absl::Seconds(10));
  auto reader = stub->WatchEvents(context.get(), event::v1::WatchEventsRequest());
  event::v1::WatchEventsResponse change;
  ASSERT_TRUE(reader->Read(&change)) << "the second try streams";
  EXPECT_EQ(change.sequence(), 1);
  EXPECT_EQ(service_->watch_calls.load(), 2);
  context->TryCancel();
  reader->Finish();
}

TEST_F(GatewayFailureTest, WritesWithoutARequestIdAreNotRetried) {
  auto gateway = StartGateway();
  auto stub = StubFor(*gateway);
  service_->create_calls = 0;
  service_->unavailable_first = 1;
  auto context = KeyContext(keys_->editor);
  event::v1::CreateEventResponse response;
  grpc::Status status =
      stub->CreateEvent(context.get(), event::v1::CreateEventRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(service_->create_calls.load(), 1);
  service_->unavailable_first = 0;
}

// The backend applies a request_id once, so sending the create again is safe.
TEST_F(GatewayFailureTest, WritesWithARequestIdAreRetried) {
  auto gateway = StartGateway();
  auto stub = StubFor(*gateway);
  service_->create_calls = 0;
  service_->unavailable_first = 2;
  auto context = KeyContext(keys_->editor);
  event::v1::CreateEventRequest request;
  request.set_request_id("retry-safe-1");
  event::v1::CreateEventResponse response;
  grpc::Status status = stub->CreateEvent(context.get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.event().id(), "evt_new");
  EXPECT_EQ(service_->create_calls.load(), 3);
  service_->unavailable_first = 0;
}

TEST_F(GatewayFailureTest, ABackendThatIsDownIsUnavailableAtOnce) {
  auto gateway = StartGateway([](GatewayConfig* config) {
    config->backends.event = absl::StrCat("127.0.0.1:", lookout::testing::PickFreePort());
  });
  auto stub = StubFor(*gateway);
  auto context = KeyContext(keys_->reader, absl::Seconds(10));
  event::v1::GetEventResponse response;
  absl::Time start = absl::Now();
  grpc::Status status = stub->GetEvent(context.get(), event::v1::GetEventRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << "no hang until the deadline";
}

// A watcher that stops reading must stop the backend too (flow control end to end), not make
// the gateway read the backend's endless stream into memory; and its cancel reaches the backend.
TEST_F(GatewayFailureTest, AStalledWatcherHoldsTheBackendBackAndItsCancelReachesIt) {
  auto gateway = StartGateway();
  auto stub = StubFor(*gateway);
  service_->watch_written = 0;
  service_->watch_saw_cancel = false;
  auto context = KeyContext(keys_->reader, absl::Seconds(30));
  auto reader = stub->WatchEvents(context.get(), event::v1::WatchEventsRequest());
  event::v1::WatchEventsResponse change;
  ASSERT_TRUE(reader->Read(&change));

  // Stalled: the backend may fill the windows on the way, then must block.
  absl::SleepFor(absl::Milliseconds(1000));
  int64_t after_one_second = service_->watch_written.load();
  absl::SleepFor(absl::Milliseconds(500));
  int64_t after_one_and_a_half = service_->watch_written.load();
  EXPECT_LE(after_one_and_a_half - after_one_second, 64) << "the backend kept streaming";
  EXPECT_LT(after_one_and_a_half, 16 * 1024) << "more than 16 MiB in flight for one watcher";
  std::cout << "written by the backend while the watcher stalled: " << after_one_and_a_half
            << " KiB\n";

  // Reading again lets it flow again.
  for (int64_t i = 0;
       i < after_one_and_a_half + 2000 && service_->watch_written.load() == after_one_and_a_half;
       ++i) {
    ASSERT_TRUE(reader->Read(&change));
  }
  EXPECT_GT(service_->watch_written.load(), after_one_and_a_half);

  context->TryCancel();
  reader->Finish();
  EXPECT_TRUE(Eventually([] { return service_->watch_saw_cancel.load(); }, absl::Seconds(3)));
}

// The real event service, killed with SIGKILL under load and started again.
TEST(GatewayBackendCrashTest, KilledBackendGivesUnavailableNotAHangAndRecovers) {
  lookout::testing::TempDir dir;
  testing::BackendProcesses backends(dir.path(), 0);
  backends.StartActor();
  backends.StartEvent();
  testing::TestKeys keys = testing::MakeTestKeys();
  testing::WriteFile(dir.File("keys"), keys.FileText("100000:100000"));
  auto gateway = GatewayServer::Start(testing::TestGatewayConfig(
      {backends.event_addr(), backends.actor_addr(), "127.0.0.1:1"}, dir.File("keys"), 0));
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  auto stub =
      EventService::NewStub(testing::Connect(absl::StrCat("127.0.0.1:", (*gateway)->port())));

  constexpr absl::Duration kDeadline = absl::Seconds(3);
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, unavailable{0}, other{0};
  std::atomic<int64_t> slowest_ms{0};
  auto load = [&] {
    while (!stop) {
      auto context = KeyContext(keys.reader, kDeadline);
      event::v1::ListEventsRequest request;
      request.set_page_size(1);
      event::v1::ListEventsResponse response;
      absl::Time start = absl::Now();
      grpc::Status status = stub->ListEvents(context.get(), request, &response);
      int64_t ms = absl::ToInt64Milliseconds(absl::Now() - start);
      if (ms > slowest_ms) slowest_ms = ms;
      if (status.ok()) {
        ++answered;
      } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
        ++unavailable;
      } else {
        ++other;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(load);
  ASSERT_TRUE(Eventually([&] { return answered.load() > 50; }));
  backends.KillEvent();
  ASSERT_TRUE(Eventually([&] { return unavailable.load() > 20; }));
  int answered_while_down = answered.load();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_LE(answered.load() - answered_while_down, 4) << "answers from a dead backend?";

  backends.StartEvent();  // same port, same data
  EXPECT_TRUE(
      Eventually([&] { return answered.load() > answered_while_down + 50; }, absl::Seconds(5)))
      << "calls succeed again without restarting the gateway";
  stop = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(other.load(), 0) << "only OK or UNAVAILABLE, never DEADLINE_EXCEEDED";
  EXPECT_LT(slowest_ms.load(), absl::ToInt64Milliseconds(kDeadline)) << "no call hung";
}

}  // namespace
}  // namespace lookout::gateway
